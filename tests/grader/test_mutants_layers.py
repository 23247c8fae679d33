"""Each check of the dense, activation, loss, pooling and layer-protocol suites fails on a
plausible wrong implementation with the intended hint; honest alternative implementations
pass; the untouched exercises give TODO everywhere."""
from pathlib import Path

import pytest

from grader.audit.catalogue.m5_layers import SIGMOID_OUT, SOFTMAX_SHIFT
from grader.audit.mutants import LAYERS, LOSS, cases

ROOT = Path(__file__).resolve().parents[2]

# The checks of the dense, loss, pooling and layer-protocol suites.
CHECK_IDS = ["m5.fc.forward", "m5.fc.backward", "m5.relu", "m5.sigmoid", "m5.softmax",
             "m5.cross_entropy", "m5.maxpool.forward", "m5.maxpool.backward",
             "m5.layers.no_input_mutation", "m5.layers.params_live"]
# (mutant, check id) of the shipped catalogue (grader/audit/catalogue/) for these checks.
MUTANTS = cases(CHECK_IDS)

# Correct implementations written differently from the reference: they must pass.
HONEST = [
    ("m5.sigmoid", [(LAYERS, SIGMOID_OUT, "out = 0.5 * (1.0 + np.tanh(0.5 * x))")]),
    ("m5.sigmoid", [(LAYERS, SIGMOID_OUT,
                     "out = np.empty_like(x); pos = x >= 0; out[pos] = 1 / (1 + np.exp(-x[pos])); "
                     "e = np.exp(x[~pos]); out[~pos] = e / (1 + e)")]),
    ("m5.softmax", [(LOSS, SOFTMAX_SHIFT,
                     "shifted = x - x.max(axis=1)[:, None]\n    e = np.exp(shifted)")]),
    ("m5.cross_entropy", [(LOSS, "log_p = _log_softmax(scores)",
                           "m = scores.max(axis=1, keepdims=True); "
                           "log_p = scores - m - np.log(np.exp(scores - m).sum(axis=1, keepdims=True))")]),
    ("m5.layers.no_input_mutation", [(LAYERS, "return np.where(self.cache, x, 0.0)",
                                      "out = x.copy(); out[~self.cache] = 0.0; return out")]),
]


@pytest.mark.parametrize("entry,check_id", MUTANTS, ids=[f"{c}:{m.name}" for m, c in MUTANTS])
def test_mutant_is_caught(entry, check_id, caught):
    caught(entry, check_id)


@pytest.mark.parametrize("check_id,edits", HONEST, ids=[f"{h[0]}-{i}" for i, h in enumerate(HONEST)])
def test_honest_variant_passes(check_id, edits, mutant, grade_tree):
    result = grade_tree(mutant(*edits), [check_id])[check_id]
    assert result.status == "PASS", result


def test_every_check_has_a_mutant(checks):
    mine = {i for i, spec in checks.items() if spec.file.rsplit(".", 1)[-1] in
            ("test_m5_dense", "test_m5_loss", "test_m5_pool", "test_m5_protocol")}
    assert mine == set(CHECK_IDS) == {c for _, c in MUTANTS}


def test_untouched_exercises_are_todo(grade_tree):
    results = grade_tree(ROOT / "exercises", CHECK_IDS)
    assert {i: r.status for i, r in results.items()} == {i: "TODO" for i in CHECK_IDS}
    assert all(r.points == 0 for r in results.values())


def test_reference_scores_full_marks(grade_tree):
    results = grade_tree(ROOT / "reference", CHECK_IDS, seed=7)
    assert {i: r.status for i, r in results.items()} == {i: "PASS" for i in CHECK_IDS}
    assert all(r.points == r.max_points for r in results.values())
