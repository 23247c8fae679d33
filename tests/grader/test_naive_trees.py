"""Correct code passes whatever its style, and the verdict does not depend on the machine's
load (issue 10, items 2 and 5). Whole trees graded end to end: minutes, so behind the
`trees` marker, which .ci/run runs.

- The naive tree (tests/grader/trees/naive/: four nested loops in Conv2D, MaxPool2D,
  Upsample and ConvTranspose2D, loops in BatchNorm2D, loop-based backward passes,
  per-sample loops; checked against the reference by trees/check_naive_tree.py) scores
  every required point at the default limits, within NAIVE_BOUND seconds for the whole run.
- So does the reference with a BatchNorm2D in four scalar loops (trees/pixel_loop_batchnorm.py).
- Under load (as many busy processes as cores), every check gives the verdict it gives on
  an idle machine: the reference (m5.conv2d.vectorised included) and a tree whose Conv2D
  loops over output positions (which must still fail the speed bonus, and pass the rest).
"""
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT
from conv_variants import POSITIONS_CONV2D, with_conv2d
from naive import NAIVE, with_naive

pytestmark = pytest.mark.trees

#: The whole naive tree's grading on this project's 2-core machine takes ~N s (measured in
#: the closing note of issue 10); the bound leaves room for a slower CI runner.
NAIVE_BOUND = 600


def test_the_naive_tree_is_right():
    """The tree itself agrees with the reference (forward, every gradient, updates)."""
    out = subprocess.run([sys.executable, str(NAIVE.parent / "check_naive_tree.py")],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def test_the_naive_tree_scores_every_required_point_at_the_default_limits(grade_tree, checks):
    start = time.monotonic()
    results = grade_tree(NAIVE, seed=3)
    wall = time.monotonic() - start
    required = {i for i, s in checks.items() if not s.optional}
    failed = {i: (r.status, (r.message or {}).get("en", "")[:300])
              for i, r in results.items() if i in required and r.status != "PASS"}
    assert not failed, failed
    assert sum(results[i].points for i in required) == sum(checks[i].points for i in required)
    assert wall < NAIVE_BOUND, wall


def test_a_batchnorm_in_four_scalar_loops_passes_module_6(mutant, grade_tree, checks):
    source = NAIVE.parent / "pixel_loop_batchnorm.py"
    tree = with_naive(mutant, {"module6/batchnorm.py": ["BatchNorm2D"]}, source=source)
    required = [i for i, s in checks.items() if s.module == 6 and not s.optional]
    results = grade_tree(tree, required, seed=4)
    failed = {i: (r.status, (r.message or {}).get("en", "")[:300])
              for i, r in results.items() if r.status != "PASS"}
    assert not failed, failed


class BusyMachine:
    """As many processes spinning on the CPU as the machine has cores."""

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                      for _ in range(os.cpu_count() or 2)]
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.kill()
            proc.wait()


def verdicts(results):
    return {i: (r.status, r.points) for i, r in results.items()}


@pytest.mark.parametrize("tree", ["reference", "positions_conv2d"])
def test_the_same_verdicts_on_a_busy_machine(tree, mutant, grade_tree, checks):
    path = ROOT / "reference" if tree == "reference" else with_conv2d(mutant, POSITIONS_CONV2D)
    idle = verdicts(grade_tree(path, seed=5))
    with BusyMachine():
        busy = verdicts(grade_tree(path, seed=5))
    assert busy == idle
    expected_bonus = "PASS" if tree == "reference" else "FAIL"
    assert idle["m5.conv2d.vectorised"][0] == expected_bonus, idle
    required = {i for i, s in checks.items() if not s.optional}
    assert {i for i in required if idle[i][0] != "PASS"} == set(), idle
