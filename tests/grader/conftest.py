"""Fixtures for testing the grader: grade a tree, and make mutants of the reference.

A mutant is a copy of reference/ in a temp dir with one injected bug (a text replacement
that must match exactly once), so each check is shown to fail on a plausible wrong answer.
"""
import shutil
from pathlib import Path

import pytest

from grader import skeleton
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


def copy_tree(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dst


@pytest.fixture
def mutant(tmp_path):
    """mutant(("module5/layers.py", old, new[, "Class.method"]), ...) -> path of a patched
    copy of reference/ (replace_once)."""
    count = [0]

    def make(*edits):
        count[0] += 1
        tree = copy_tree(ROOT / "reference", tmp_path / f"mutant{count[0]}")
        for rel, old, new, *within in edits:
            path = tree / rel
            path.write_text(replace_once(path.read_text(encoding="utf-8"), old, new,
                                         *within, where=rel), encoding="utf-8")
        return tree
    return make


def replace_once(text, old, new, within=None, where="the file"):
    """text with `old` replaced by `new`; `old` must occur exactly once — in the function
    `within` ("Class.method"), when given, so that an anchor need not quote a docstring or
    a neighbour to be unique."""
    if within is None:
        assert text.count(old) == 1, f"mutation target not found exactly once in {where}: {old!r}"
        return text.replace(old, new)
    fn = skeleton.functions(text).get(within)
    assert fn is not None, f"no function {within} in {where}"
    lines = text.splitlines(keepends=True)
    head, body, tail = (lines[:fn.lineno - 1], "".join(lines[fn.lineno - 1:fn.end_lineno]),
                        lines[fn.end_lineno:])
    assert body.count(old) == 1, f"mutation target not found exactly once in {within}: {old!r}"
    return "".join(head) + body.replace(old, new) + "".join(tail)


@pytest.fixture
def caught(mutant, grade_tree):
    """caught(check_id, edits, status, hint): grade a mutant with that one check and require
    the status, the hint (or message) text, lost points and a Chinese hint."""
    def check(check_id, edits, status, hint):
        result = grade_tree(mutant(*edits), [check_id])[check_id]
        assert result.status == status, result
        text = (result.hint or {}).get("en", "") + " " + (result.message or {}).get("en", "")
        assert hint in text, result
        assert 0 <= result.points < result.max_points, result
        if result.hint is not None:
            assert result.hint["zh-TW"] and result.hint["zh-TW"] != result.hint["en"]
        return result
    return check
