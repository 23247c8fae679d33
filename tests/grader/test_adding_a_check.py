"""Adding a check, step by step, in a temporary copy of the repository — what
docs/grading.md ("Adding a check") tells a maintainer to do, and what the project's tests
require at each step: the suite and its hints table, the README row, the module document's
table, a mutant in the shipped catalogue.

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

TABLE_FIX_ONLY = '''"""Messages of test_m5_toy.py."""
HINTS = {
    "negative_output": (
        "ReLU.forward returned negative values: it is max(0, x), elementwise",
        "ReLU.forward 回傳了負值：它是逐元素的 max(0, x)"),
}
'''
# A hint has both feedback levels: the fix, and the concept without code.
TABLE = TABLE_FIX_ONLY.replace('''    "negative_output": (
        "ReLU.forward returned negative values: it is max(0, x), elementwise",
        "ReLU.forward 回傳了負值：它是逐元素的 max(0, x)"),''', '''    "negative_output": {
        "fix": (
            "ReLU.forward returned negative values: it is max(0, x), elementwise",
            "ReLU.forward 回傳了負值：它是逐元素的 max(0, x)"),
        "concept": (
            "a ReLU never outputs a negative value (module text, ReLU)",
            "ReLU 的輸出不會是負的（講義：ReLU）")},''')

README_ROW = ("| `m5.relu.idempotent` | ReLU applied twice changes nothing · ReLU 做兩次和做一次一樣 "
              "| 1 | [module5.md#relu-and-sigmoid](docs/module5.md#relu-and-sigmoid) |\n")
DOC_ROW = "| `m5.relu.idempotent` | ReLU 做兩次和做一次一樣 | [第 4 節](#relu-and-sigmoid) |\n"

# The catalogue entry of a mutant it must catch: ReLU as the identity.
MUTANT = ('    _one("relu-identity", "m5.relu.idempotent",\n'
          '         [(LAYERS, "return np.maximum(x, 0.0)", "return x.copy()", '
          '"ReLU.forward")],\n'
          '         "FAIL", "it is max(0, x)"),\n')


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
    # ... then as an entry of its table, beside it: with the fix only, the hints test asks
    # for its concept level; with both, it passes. The README test now names the missing row.
    suite.write_text(SUITE, encoding="utf-8")
    table = repo / "grader" / "suites" / "hints" / "m5_toy.py"
    table.write_text(TABLE_FIX_ONLY, encoding="utf-8")
    code, out = pytest_in(repo, "tests/grader/test_hints.py")
    assert code == 1 and "without a concept level" in out and "negative_output" in out, \
        out[-2000:]
    table.write_text(TABLE, encoding="utf-8")
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

    # 4. A mutant it must catch, in the shipped catalogue: the audit's test names the check
    #    that has none; the entry and its test file's CHECK_IDS satisfy it.
    code, out = pytest_in(repo, "tests/grader/test_audit.py", "-k", "every_check_of_the_suites")
    assert code == 1 and "m5.relu.idempotent" in out, out[-2000:]
    insert_after_last(repo / "grader" / "audit" / "catalogue" / "m5_layers.py", "MUTANTS = [",
                      MUTANT)
    layers_tests = repo / "tests" / "grader" / "test_mutants_layers.py"
    text = layers_tests.read_text(encoding="utf-8")
    assert text.count('"m5.layers.params_live"]') == 1
    layers_tests.write_text(text.replace('"m5.layers.params_live"]',
                                         '"m5.layers.params_live", "m5.relu.idempotent"]'),
                            encoding="utf-8")
    code, out = pytest_in(repo, "tests/grader/test_audit.py", "-k",
                          "every_check_of_the_suites or exactly_the_catalogue or fits_the_reference")
    assert code == 0, out[-2000:]
    code, out = pytest_in(repo, "tests/grader/test_mutants_layers.py", "-k", "relu-identity")
    assert code == 0 and "1 passed" in out, out[-2000:]
    audit = subprocess.run([sys.executable, "-m", "grader", "audit", "--only", "mutants", "-k",
                            "relu-identity"], cwd=repo, capture_output=True, text=True,
                           timeout=300)
    assert audit.returncode == 0 and "relu-identity" in audit.stdout, audit.stdout[-2000:]
    # The reference passes it and the untouched exercises are TODO.
    for tree, status in (("reference", "PASS"), ("exercises", "TODO")):
        graded = subprocess.run([sys.executable, "-m", "grader", "--target", tree, "-k",
                                 "m5.relu.idempotent", "--lang", "en", "--json", "out.json"],
                                cwd=repo, capture_output=True, text=True, timeout=300)
        report = (repo / "out.json").read_text(encoding="utf-8")
        assert f'"status": "{status}"' in report, graded.stdout[-2000:] + graded.stderr[-2000:]
