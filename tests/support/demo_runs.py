"""What the demo tests of both modules share: a reference tree with one learner mistake
patched in, and what a demo that stops on a learner's error must show."""
import contextlib
import importlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def patched_reference(tmp_path, monkeypatch, package, filename, patch):
    """A copy of reference/ in tmp_path, importable as `package`, with the text `patch`
    appended to its file `filename` ("module5/layers.py": a later definition shadows the
    solved one). Yields a function importing one of its modules ("module5.network"); the
    package's modules are forgotten afterwards."""
    tree = tmp_path / package
    shutil.copytree(ROOT / "reference", tree, ignore=shutil.ignore_patterns("__pycache__"))
    with open(tree / filename, "a", encoding="utf-8") as f:
        f.write("\n" + patch)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        yield lambda module: importlib.import_module(f"{package}.{module}")
    finally:
        for name in [m for m in sys.modules if m.split(".")[0] == package]:
            del sys.modules[name]


def assert_stopped(code, out, err, expected):
    """A demo stopped on the learner's error: exit code 1, every text of `expected` in its
    stderr, and no traceback in either stream."""
    assert code == 1
    for text in expected:
        assert text in err, err
    assert "Traceback" not in out + err
