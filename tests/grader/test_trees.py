"""The reference scores 100 % on every check; the untouched exercises score 0, all TODO."""
import pytest

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("seed", [0, 1])
def test_reference_scores_full_marks(seed, grade_tree, checks):
    results = grade_tree(ROOT / "reference", seed=seed)
    assert set(results) == set(checks)
    failed = {i: (r["status"], r["message"]) for i, r in results.items() if r["status"] != "PASS"}
    assert not failed
    assert all(r["points"] == r["max_points"] for r in results.values())


def test_untouched_exercises_are_all_todo(grade_tree, checks):
    results = grade_tree(ROOT / "exercises")
    assert set(results) == set(checks)
    not_todo = {i: (r["status"], r["message"]) for i, r in results.items() if r["status"] != "TODO"}
    assert not not_todo
    assert all(r["points"] == 0 for r in results.values())
