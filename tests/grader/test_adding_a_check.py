"""Adding a check, step by step, in a temporary copy of the repository — what
docs/grading.md ("Adding a check") tells a maintainer to do, and what the project's tests
require at each step: the suite and its hints table, the README row, the module document's
table, a mutant.

The toy check is m5.relu.idempotent: ReLU(ReLU(x)) = ReLU(x).
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SUITE = '''"""Module 5: a toy check added by tests/grader/test_adding_a_check.py."""
import numpy as np

from grader.checks import check
from grader.expect import expect_array, expect_close

from . import hints
from . import oracles_m5_layers as ol

H = hints.table("m5_toy")


@check("m5.relu.idempotent", points=1, parts=("twice",),
       title=("ReLU applied twice changes nothing", "ReLU 做兩次和做一次一樣"),
       doc="docs/module5.md#relu-and-sigmoid")
def test_relu_idempotent(student, rng, grade):
    layers = student.module("module5.layers")
    for shape in grade.cases([(3, 4), (2, 2, 3, 3)]):
        x = rng.standard_normal(shape)
        with grade.part("twice"):
            once = expect_array(layers.ReLU().forward(x), "ReLU.forward(x)", shape)
            twice = expect_array(layers.ReLU().forward(once), "ReLU.forward(ReLU.forward(x))",
                                 shape)
            if np.any(once < 0):
                grade.hint(H("negative_output"))
            expect_close(twice, ol.relu(x), "ReLU twice")
'''

TABLE = '''"""Messages of test_m5_toy.py."""
HINTS = {
    "negative_output": (
        "ReLU.forward returned negative values: it is max(0, x), elementwise",
        "ReLU.forward 回傳了負值：它是逐元素的 max(0, x)"),
}
'''

README_ROW = ("| `m5.relu.idempotent` | ReLU applied twice changes nothing · ReLU 做兩次和做一次一樣 "
              "| 1 | [module5.md#relu-and-sigmoid](docs/module5.md#relu-and-sigmoid) |\n")
DOC_ROW = "| `m5.relu.idempotent` | ReLU 做兩次和做一次一樣 | [第 4 節](#relu-and-sigmoid) |\n"

MUTANT_TEST = '''"""The toy check fails on a ReLU that is the identity, with its hint."""
from conftest import ROOT, copy_tree


def test_abs_is_not_relu(tmp_path, grade_tree):
    tree = copy_tree(ROOT / "reference", tmp_path / "tree")
    layers = tree / "module5" / "layers.py"
    layers.write_text(layers.read_text() + "\\nReLU.forward = lambda self, x: x.copy()\\n")
    result = grade_tree(tree, ["m5.relu.idempotent"])["m5.relu.idempotent"]
    assert result.status == "FAIL" and result.points == 0, result
    assert "it is max(0, x)" in result.hint["en"] and "max(0, x)" in result.hint["zh-TW"]
'''


def copy_repository(dst):
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst / rel)
    return dst


def pytest_in(repo, *args):
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          *args], cwd=repo, capture_output=True, text=True, timeout=600)
    return out.returncode, out.stdout + out.stderr


def insert_after_last(path, prefix, row):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    last = max(i for i, line in enumerate(lines) if line.startswith(prefix))
    lines.insert(last + 1, row)
    path.write_text("".join(lines), encoding="utf-8")


def test_adding_a_toy_check_takes_the_documented_steps(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    docs_tests = ("tests/docs", "tests/grader/test_i18n.py", "tests/grader/test_modules.py")

    # 1. The suite, its hint first written inline: the hints test names the line.
    inline = SUITE.replace('H("negative_output")', 'Msg("ReLU.forward returned negative '
                           'values", "ReLU.forward 回傳了負值")').replace(
        "from grader.checks import check", "from grader.checks import Msg, check").replace(
        'H = hints.table("m5_toy")', "")
    suite = repo / "grader" / "suites" / "test_m5_toy.py"
    suite.write_text(inline, encoding="utf-8")
    code, out = pytest_in(repo, "tests/grader/test_hints.py")
    assert code == 1 and "written inline" in out and "test_m5_toy.py" in out, out[-2000:]
    assert "1 failed" in out, out[-2000:]
    # ... then as an entry of its table, beside it. The README test now names the missing row.
    suite.write_text(SUITE, encoding="utf-8")
    (repo / "grader" / "suites" / "hints" / "m5_toy.py").write_text(TABLE, encoding="utf-8")
    code, out = pytest_in(repo, "tests/grader/test_hints.py")
    assert code == 0, out[-2000:]
    code, out = pytest_in(repo, *docs_tests)
    assert code == 1 and "m5.relu.idempotent" in out, out[-2000:]

    # 2. The README row, 3. the row in the module document's table: the docs tests pass.
    insert_after_last(repo / "README.md", "| `m5.", README_ROW)
    code, out = pytest_in(repo, *docs_tests)
    assert code == 1 and "add these checks to the table" in out, out[-2000:]
    insert_after_last(repo / "docs" / "module5.md", "| `m5.", DOC_ROW)
    code, out = pytest_in(repo, *docs_tests)
    assert code == 0, out[-2000:]

    # 4. A mutant it must catch; the reference passes and the untouched exercises are TODO.
    (repo / "tests" / "grader" / "test_mutants_toy.py").write_text(MUTANT_TEST, encoding="utf-8")
    code, out = pytest_in(repo, "tests/grader/test_mutants_toy.py")
    assert code == 0, out[-2000:]
    for tree, status in (("reference", "PASS"), ("exercises", "TODO")):
        graded = subprocess.run([sys.executable, "-m", "grader", "--target", tree, "-k",
                                 "m5.relu.idempotent", "--lang", "en", "--json", "out.json"],
                                cwd=repo, capture_output=True, text=True, timeout=300)
        report = (repo / "out.json").read_text(encoding="utf-8")
        assert f'"status": "{status}"' in report, graded.stdout[-2000:] + graded.stderr[-2000:]
