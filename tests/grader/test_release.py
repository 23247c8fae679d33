"""The student release (python -m grader release): built from a clone's HEAD, it holds the
learner's tree, the course library and the public checks, and nothing of the solutions or
the hidden checks; its two commands work there as a student would use them, before and
after the student has started."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import release
from grader.runner import load_checks
from tests.support.kit_env import stand_in_venv

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clone of this repository's HEAD: the release reads only what is committed."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    repo = tmp_path_factory.mktemp("repo") / "kit"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    return repo


@pytest.fixture(scope="module")
def built(clone, tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "student"
    commit, public, hidden, warning = release.build(out, repo=clone)
    return out, public, hidden, warning


def run(args, cwd, **kw):
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, **kw)


def kit(repo, venv, *args):
    """The release's own commands, as its README gives them: python3 kit.py ..."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KIT_VENV")}
    env["KIT_VENV"] = str(venv)
    return subprocess.run([sys.executable, "kit.py", *args], cwd=repo, capture_output=True,
                          text=True, timeout=300, env=env)


def test_no_solutions_and_no_hidden_check_ships(built):
    out, public, hidden, warning = built
    assert warning is None
    assert hidden, "no check is hidden: nothing to prove"
    for absent in ("reference", "tests/grader", "tests/module5", "tests/module6", "benchmarks",
                   ".ci", "docs/grading.md", "grader/audit"):
        assert not (out / absent).exists(), absent
    text = {p: p.read_text(encoding="utf-8", errors="replace")
            for p in out.rglob("*") if p.is_file()}
    for spec in hidden:
        leaks = [str(p.relative_to(out)) for p, t in text.items() if spec.id in t]
        assert not leaks, f"hidden check {spec.id} named in {leaks}"
    assert not any("hidden=True" in t for p, t in text.items() if "suites" in p.parts)
    # No line of the reference's solutions is in any shipped Python file outside the public
    # checks' trusted oracles (which they need to run; docs/grading.md "Releasing").
    given = {line.strip() for p in (ROOT / "exercises").rglob("*.py")
             for line in p.read_text(encoding="utf-8").splitlines()}
    solution = {line.strip() for p in (ROOT / "reference").rglob("*.py")
                for line in p.read_text(encoding="utf-8").splitlines()
                if len(line.strip()) > 30 and not line.strip().startswith(("#", '"'))} - given
    assert len(solution) > 100
    shipped = {line.strip() for p, t in text.items()
               if p.suffix == ".py" and "suites" not in p.relative_to(out).parts
               for line in t.splitlines()}
    assert not solution & shipped, sorted(solution & shipped)[:5]


def test_the_released_grader_lists_exactly_the_public_checks(built):
    out, public, hidden, _ = built
    listed = run(["-m", "grader", "--list", "--lang", "en"], out)
    assert listed.returncode == 0, listed.stderr
    ids = {s.id for s in load_checks().values()}
    shown = {i for i in ids if i in listed.stdout}
    assert shown == {s.id for s in public}, listed.stdout
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert all(f"`{s.id}`" in readme for s in public)
    assert "python3 kit.py grade" in readme and "python3 kit.py test" in readme
    assert "批改" in readme                        # both languages


def test_a_student_grades_and_tests_before_and_after_starting(built, tmp_path):
    src, _, _, _ = built
    student = tmp_path / "student"
    shutil.copytree(src, student)
    venv = stand_in_venv(student / "pyproject.toml", tmp_path / "venv")
    graded = kit(student, venv, "grade", "--module", "5", "-k", "m5.relu", "--lang", "en",
                 "--json", "r.json")
    assert json.loads((student / "r.json").read_text())["checks"][0]["status"] == "TODO", \
        graded.stdout + graded.stderr
    tests = kit(student, venv, "test", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-2000:]
    assert "passed" in tests.stdout

    # The student writes ReLU (the reference's, here): it passes, and the tests still do.
    layers = student / "exercises" / "module5" / "layers.py"
    text = layers.read_text(encoding="utf-8")
    start = text.index("class ReLU")
    end = text.index("\nclass ", start + 1)
    ref = (ROOT / "reference" / "module5" / "layers.py").read_text(encoding="utf-8")
    rstart = ref.index("class ReLU")
    layers.write_text(text[:start] + ref[rstart:ref.index("\nclass ", rstart + 1)] + text[end:],
                      encoding="utf-8")
    graded = kit(student, venv, "grade", "--module", "5", "-k", "m5.relu", "--lang", "en",
                 "--json", "r.json")
    assert json.loads((student / "r.json").read_text())["checks"][0]["status"] == "PASS", \
        graded.stdout + graded.stderr
    tests = kit(student, venv, "test", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-2000:]

    # A renamed parameter breaks the course's API: the student's test command says where.
    layers.write_text(layers.read_text(encoding="utf-8").replace(
        "def backward(self, dout):", "def backward(self, grad):", 1), encoding="utf-8")
    tests = kit(student, venv, "test", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 1 and "should take" in tests.stdout, tests.stdout[-2000:]


def test_uncommitted_exercises_are_refused_or_left_out(clone, tmp_path):
    layers = clone / "exercises" / "module5" / "layers.py"
    original = layers.read_text(encoding="utf-8")
    layers.write_text(original + "\nFILLED_IN_BY_THE_INSTRUCTOR = 1\n", encoding="utf-8")
    try:
        with pytest.raises(release.ReleaseError, match="uncommitted changes in exercises"):
            release.build(tmp_path / "a", repo=clone)
        _, _, _, warning = release.build(tmp_path / "b", repo=clone, allow_dirty=True)
        assert "left out" in warning
        assert "FILLED_IN" not in (tmp_path / "b/exercises/module5/layers.py").read_text()
    finally:
        layers.write_text(original, encoding="utf-8")


def test_all_checks_ships_the_hidden_ones_too(clone, tmp_path):
    _, public, hidden, _ = release.build(tmp_path / "all", repo=clone, all_checks=True)
    assert not hidden and any(s.hidden for s in public)
    listed = run(["-m", "grader", "--list", "--lang", "en"], tmp_path / "all")
    assert all(s.id in listed.stdout for s in public)


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x")
    done = run(["-c", "import sys; from grader.release import main; sys.exit(main(sys.argv[1:]))",
                str(tmp_path)], ROOT)
    assert done.returncode == 2 and "not empty" in done.stderr


def test_a_hidden_checks_known_mistakes_stay_out():
    """A catalogue of known mistakes names its checks: those of hidden checks are cut, the
    rest stays as written."""
    source = ('"""Known mistakes."""\nfrom . import mistake\n\n\n'
              '@mistake("m5.fc.forward", "out", doc="docs/module5.md#fully-connected")\n'
              'def fc_public(x):\n    """Public."""\n    return x\n\n\n'
              '@mistake("m5.layers.params_live",\n         "pairs", doc="docs/module5.md#layer-protocol")\n'
              'def fc_hidden(x):\n    """Hidden."""\n    return 2 * x\n')
    kept, left = release.without_hidden_mistakes(source, {"m5.layers.params_live"})
    assert left == 1 and "fc_public" in kept and "params_live" not in kept and "fc_hidden" not in kept
    compile(kept, "kept", "exec")
    assert release.without_hidden_mistakes(source, {"m5.fc.forward", "m5.layers.params_live"})[1] == 0
