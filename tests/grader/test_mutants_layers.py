"""Each check of the dense, activation, loss, pooling and layer-protocol suites fails on a
plausible wrong implementation with the intended hint; honest alternative implementations
pass; the untouched exercises give TODO everywhere."""
from pathlib import Path

import numpy as np
import pytest

from grader.audit.catalogue.m5_layers import POOL_BACKWARD, SIGMOID_OUT, SOFTMAX_SHIFT
from grader.audit.mutants import LAYERS, LOSS, cases
from grader.suites.mistakes import m5_dense, m5_loss, m5_pool

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
                           "log_p = scores - m - "
                           "np.log(np.exp(scores - m).sum(axis=1, keepdims=True))")]),
    ("m5.layers.no_input_mutation", [(LAYERS, "return np.maximum(x, 0.0)",
                                      "out = x.copy(); out[~self.cache] = 0.0; return out")]),
    ("m5.fc.backward", [(LAYERS, "self.db = dout.sum(axis=0)", "self.db = np.sum(dout, 0)"),
                        (LAYERS, "return dout @ self.W.T", "return (self.W @ dout.T).T")]),
    ("m5.relu", [(LAYERS, "return np.maximum(x, 0.0)", "return np.where(self.cache, x, 0.0)"),
                 (LAYERS, "return dout * self.cache", "return np.where(self.cache, dout, 0.0)")]),
    # np.add.at accumulates over repeated indices, where dx[idx] += dout would not
    ("m5.maxpool.backward", [(LAYERS, POOL_BACKWARD,
                              "        n, c, i, j = np.indices(arg.shape)\n"
                              "        dx = np.zeros(x_shape, dtype=dout.dtype)\n"
                              "        np.add.at(dx, (n, c, i * s + arg // k, j * s + arg % k),"
                              " dout)\n"
                              "        return dx\n"
                              "        for o in range(k * k):")]),
]


@pytest.mark.parametrize("entry,check_id", MUTANTS, ids=[f"{c}:{m.name}" for m, c in MUTANTS])
def test_mutant_is_caught(entry, check_id, caught):
    caught(entry, check_id)


@pytest.mark.parametrize("check_id,edits", HONEST,
                         ids=[f"{h[0]}-{i}" for i, h in enumerate(HONEST)])
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


# -- the variants compute the wrong answers the module text shows (docs/module5.md) --------------
def image(rows):
    return np.array(rows, dtype=float)[None, None]


def test_pool_variants_on_the_module_text_examples():
    """Section 9: with "=" the shared maximum keeps only the last window's 4 (not 10); with
    ties, every maximum getting the gradient doubles a window's share."""
    x, dout = image([[1, 3, 2], [4, 9, 5], [6, 7, 8]]), image([[1, 2], [3, 4]])
    assert m5_pool.maxpool_dx_assign(x, 2, 1, dout)[0, 0].tolist() == \
        [[0, 0, 0], [0, 4, 0], [0, 0, 0]]
    x = image([[5, 5, 1, 0], [1, 2, 3, 3], [0, 1, 2, 2], [4, 4, 2, 2]])
    every = m5_pool.maxpool_dx_ties_all_maxima(x, 2, 2, dout)[0, 0]
    assert every.tolist() == [[1, 1, 0, 0], [0, 0, 2, 2], [0, 0, 4, 4], [3, 3, 4, 4]]
    assert m5_pool.maxpool_dx_ties_split(x, 2, 2, dout)[0, 0].sum() == dout.sum()
    assert m5_pool.maxpool_dx_ties_last_max(x, 2, 2, dout)[0, 0].tolist() == \
        [[0, 1, 0, 0], [0, 0, 0, 2], [0, 0, 0, 0], [0, 3, 0, 4]]


def test_loss_and_relu_variants_on_the_module_text_examples():
    """Section 5.2: log(p + 1e-12) gives 27.6 where the loss is 1000; section 4: the mask
    alone is [0, 0, 1] where dx is [0, 0, 7]."""
    assert m5_loss.ce_log_eps(np.array([[0.0, -1000.0]]), np.array([1])) == \
        pytest.approx(-np.log(1e-12))
    x, dout = np.array([-2.0, 0.0, 3.0]), np.array([5.0, 6.0, 7.0])
    assert m5_dense.relu_mask_only(x).tolist() == [0, 0, 1]
    assert m5_dense.relu_mask_inverted(x, dout).tolist() == [5, 6, 0]
