"""Each Conv2D check fails on a plausible wrong implementation, with the intended hint (the
mutants of the shipped catalogue, grader/audit/catalogue/, for these checks)."""
import pytest

from grader.audit.mutants import cases

CHECKS = ["m5.conv2d.forward", "m5.conv2d.backward"]
MUTANTS = cases(CHECKS)


@pytest.mark.parametrize("entry,check_id", MUTANTS, ids=[f"{c}:{m.name}" for m, c in MUTANTS])
def test_mutant_is_caught(entry, check_id, caught):
    caught(entry, check_id)


def test_every_check_has_a_mutant():
    assert {c for _, c in MUTANTS} == set(CHECKS)
