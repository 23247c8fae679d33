"""The module registry (grader/modules.py) is the one place that names the course's modules:
the trees, the suites, the docs and every command follow it."""
import argparse
from pathlib import Path

import pytest

from grader import cli, modules
from grader.runner import load_checks

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_has_its_trees_its_suites_and_its_document():
    suites = {p.name for p in (ROOT / "grader" / "suites").glob("test_m*_*.py")}
    for m in modules.MODULES:
        for tree in ("exercises", "reference"):
            for name in m.files:
                assert (ROOT / tree / m.dir / name).is_file(), (tree, m.dir, name)
        assert any(s.startswith(m.suite_prefix) for s in suites), m
        assert (ROOT / m.doc).is_file(), m.doc
        assert set(m.needs) <= set(modules.NUMBERS) - {m.number}, m
    # ... and no suite or tree directory belongs to a module it does not declare.
    assert all(any(s.startswith(m.suite_prefix) for m in modules.MODULES) for s in suites)
    for tree in ("exercises", "reference"):
        dirs = {p.name for p in (ROOT / tree).iterdir() if p.is_dir() and p.name != "__pycache__"}
        assert dirs == {m.dir for m in modules.MODULES}, (tree, dirs)


def test_every_check_belongs_to_a_module_and_lives_in_its_suites():
    for spec in load_checks().values():
        module = modules.get(spec.module)
        assert spec.file.rsplit(".", 1)[-1].startswith(module.suite_prefix), spec.id


def test_check_ids_name_a_known_module():
    assert modules.of_check("m6.unet.iou") == 6
    for bad in ("m9.x", "conv.forward", "mm5.x", "m.x"):
        with pytest.raises(ValueError):
            modules.of_check(bad)


def test_a_change_regrades_the_module_and_everything_built_on_it(tmp_path):
    assert modules.affected_by(5) == {5, 6} and modules.affected_by(6) == {6}
    changed = [tmp_path / "module5" / "layers.py", tmp_path / "module6" / "unet.py",
               tmp_path / "notes.py"]
    assert cli.affected_modules(changed[:1], tmp_path) == {5, 6}
    assert cli.affected_modules(changed[1:], tmp_path) == {6}


def test_every_command_takes_its_module_choices_from_the_registry(monkeypatch):
    """With one more module in the registry, every --module accepts it: nothing else lists
    the numbers."""
    seven = modules.Module(7, ("dropout.py",), needs=(5,))
    monkeypatch.setattr(modules, "MODULES", modules.MODULES + (seven,))
    monkeypatch.setattr(modules, "NUMBERS", modules.NUMBERS + (7,))
    assert cli.parse_args(["--module", "7"]).module == [7]
    for name in ("batch", "classroom", "gradescope"):
        source = (ROOT / "grader" / f"{name}.py").read_text(encoding="utf-8")
        assert "choices=(5, 6)" not in source and "add_module_option" in source, name
    parser = argparse.ArgumentParser()
    modules.add_module_option(parser)
    assert parser.parse_args(["--module", "7"]).module == [7]
    assert modules.dirs_text() == "module5/, module6/ or module7/"


def test_every_check_is_about_a_file_of_its_module(checks):
    """The topic of each check id (m5.conv2d.forward → conv2d) names one of its module's
    learner files in the registry: the scorecard groups a file's checks by it."""
    from grader import modules
    for check_id in checks:
        path = modules.file_of_check(check_id)
        assert path is not None, f"{check_id}: add its topic to the Module's topics"
        folder, name = path.split("/")
        assert name in modules.by_dir(folder).files, (check_id, path)
