"""Fixtures for testing the grader: grade a tree, and make mutants of the reference.

A mutant is a copy of reference/ in a temp dir with one injected bug (a text replacement
that must match exactly once), so each check is shown to fail on a plausible wrong answer.
The single-bug mutants whose hint must name the bug are the shipped catalogue,
grader/audit/catalogue/ (what `python -m grader audit` grades); the test files parametrize
over it with `cases` and grade each (mutant, check) with `caught`.
"""
from pathlib import Path

import pytest

from grader.audit.mutants import apply_edits, copy_tree, judge
from grader.runner import load_checks, run_checks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def checks():
    return load_checks()


@pytest.fixture
def grade_tree(checks):
    """grade_tree(path, ids=None or list of check ids/patterns, **run options)
    -> {check id: result dict}."""
    def grade(path, ids=None, seed=0, **options):
        if ids is None:
            specs = list(checks.values())
        else:
            specs = [checks[i] for i in ids]
        return run_checks(str(path), specs, seed=seed, **options).results
    return grade


@pytest.fixture
def mutant(tmp_path):
    """mutant(("module5/layers.py", old, new[, "Class.method"]), ...) -> path of a patched
    copy of reference/ (grader.audit.mutants.replace_once: each `old` exactly once)."""
    count = [0]

    def make(*edits):
        count[0] += 1
        return apply_edits(copy_tree(ROOT / "reference", tmp_path / f"mutant{count[0]}"), edits)
    return make


@pytest.fixture
def caught(mutant, grade_tree):
    """caught(entry, check_id): grade the catalogue's mutant `entry` (grader.audit.mutants)
    with that one check and require what the catalogue says of it: lost points, the hint
    (or message) text, the status, and a Chinese hint of its own (mutants.judge, the very
    test `python -m grader audit` applies)."""
    def check(entry, check_id):
        expect = next(e for e in entry.expect if e.check == check_id)
        result = grade_tree(mutant(*entry.edits), [check_id])[check_id]
        problems = judge(expect, result)
        assert not problems, (entry.name, check_id, problems, result)
        return result
    return check
