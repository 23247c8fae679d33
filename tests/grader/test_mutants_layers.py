"""Each check of the dense, activation, loss, pooling and layer-protocol suites fails on a
plausible wrong implementation with the intended hint; honest alternative implementations
pass; the untouched exercises give TODO everywhere."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAYERS = "module5/layers.py"
LOSS = "module5/loss.py"

PAIRS = "return [(self.W, self.dW), (self.b, self.db)]"
SOFTMAX_SHIFT = "shifted = x - x.max(axis=1, keepdims=True)\n    e = np.exp(shifted)"
SIGMOID_OUT = "out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))"
POOL_ADD = "return _add_windows(np.zeros(x_shape, dtype=dout.dtype), dwin, self.stride)"
# "=" where the windows' gradients must add up ("+="): the last window writing a pixel wins.
POOL_ASSIGN = """dx = np.zeros(x_shape, dtype=dout.dtype)
        Ho, Wo, s = arg.shape[2], arg.shape[3], self.stride
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + s * Ho:s, j:j + s * Wo:s] = dwin[..., i, j]
        return dx"""

MUTANTS = [
    # (check id, edits, expected status, text the hint or message must contain)
    ("m5.fc.forward",
     [(LAYERS, "return x @ self.W + self.b", "return x @ self.W")],
     "FAIL", "the bias is missing"),
    ("m5.fc.forward",
     [(LAYERS, "return x @ self.W + self.b", "return (x @ self.W + self.b).astype(np.float32)")],
     "FAIL", "float32 output"),
    ("m5.fc.backward",
     [(LAYERS, "self.dW = x.T @ dout", "self.dW = dout.T @ x")],
     "PARTIAL", "dW is transposed"),
    ("m5.fc.backward",
     [(LAYERS, "self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)")],
     "PARTIAL", "sum over the batch, not mean"),
    ("m5.fc.backward",
     [(LAYERS, "self.db = dout.sum(axis=0)", "self.db = dout.sum(axis=0, keepdims=True)")],
     "PARTIAL", "db has an extra axis"),
    ("m5.fc.backward",
     [(LAYERS, "return dout @ self.W.T", "return dout @ self.W.T / len(dout)")],
     "PARTIAL", "dx is N times too small"),
    ("m5.relu",
     [(LAYERS, "return np.where(self.cache, dout, 0.0)", "return self.cache.astype(float)")],
     "PARTIAL", "multiply by dout"),
    ("m5.relu",
     [(LAYERS, "return np.where(self.cache, dout, 0.0)", "return np.where(dout > 0, dout, 0.0)")],
     "PARTIAL", "the mask must come from forward's input x"),
    ("m5.relu",
     [(LAYERS, "return np.where(self.cache, x, 0.0)", "return np.where(self.cache, x, 0.01 * x)")],
     "PARTIAL", "negative inputs must give exactly 0"),
    ("m5.sigmoid",
     [(LAYERS, SIGMOID_OUT, "out = 1.0 / (1.0 + np.exp(-x))")],
     "PARTIAL", "use exp(-|x|)"),
    ("m5.sigmoid",
     [(LAYERS, SIGMOID_OUT, "out = np.exp(x) / (1.0 + np.exp(x))")],
     "PARTIAL", "use exp(-|x|)"),
    ("m5.sigmoid",     # both branches of np.where are evaluated for every x
     [(LAYERS, SIGMOID_OUT,
       "out = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))")],
     "PARTIAL", "np.where evaluates both branches"),
    ("m5.sigmoid",
     [(LAYERS, "return dout * s * (1.0 - s)", "return s * (1.0 - s)")],
     "PARTIAL", "dx is missing dout"),
    ("m5.softmax",
     [(LOSS, SOFTMAX_SHIFT, "shifted = x\n    e = np.exp(shifted)")],
     "PARTIAL", "subtract each row's max first"),
    ("m5.softmax",
     [(LOSS, SOFTMAX_SHIFT, "shifted = x - x.max()\n    e = np.exp(shifted)")],
     "PARTIAL", "each row's own max"),
    ("m5.softmax",
     [(LOSS, "return e / e.sum(axis=1, keepdims=True)", "return e / e.sum(axis=0, keepdims=True)")],
     "FAIL", "normalised over the batch axis"),
    ("m5.cross_entropy",
     [(LOSS, "loss = -log_p[rows, y].mean()", "loss = -log_p[rows, y].sum()")],
     "PARTIAL", "average over the batch: the convention is the mean"),
    ("m5.cross_entropy",
     [(LOSS, "dscores /= N", "dscores /= 1.0")],
     "PARTIAL", "divide by N"),
    ("m5.cross_entropy",
     [(LOSS, "log_p = _log_softmax(scores)", "log_p = np.log(softmax(scores))")],
     "PARTIAL", "compute log-softmax directly"),
    ("m5.cross_entropy",     # log(p + eps): finite, but the loss is capped at -log(eps)
     [(LOSS, "log_p = _log_softmax(scores)", "log_p = np.log(softmax(scores) + 1e-12)")],
     "PARTIAL", "log(p + ε) caps the loss"),
    ("m5.cross_entropy",
     [(LOSS, "dscores[rows, y] -= 1.0", "dscores[rows, y] -= 0.0")],
     "PARTIAL", "dscores lacks the one-hot"),
    ("m5.maxpool.forward",
     [(LAYERS, "win = _windows(x, k, k, self.stride)", "win = _windows(x, k, k, k)")],
     "PARTIAL", "overlapping windows fail"),
    ("m5.maxpool.forward",   # H used for both axes
     [(LAYERS, "win = _windows(x, k, k, self.stride)",
       "win = _windows(x[:, :, :, :x.shape[2]], k, k, self.stride)")],
     "PARTIAL", "non-square input fails"),
    ("m5.maxpool.backward",
     [(LAYERS, POOL_ADD, POOL_ASSIGN)],
     "PARTIAL", "+= not =: overlapping windows share pixels"),
    ("m5.maxpool.backward",  # every tied maximum gets the gradient
     [(LAYERS, "self.cache = (x.shape, arg)",
       "self.cache = (x.shape, arg, flat == flat.max(axis=-1, keepdims=True))"),
      (LAYERS, "x_shape, arg = self.cache", "x_shape, arg, mask = self.cache"),
      (LAYERS, "np.put_along_axis(dwin, arg[..., None], dout[..., None], axis=-1)",
       "dwin = mask * dout[..., None]")],
     "PARTIAL", "a window with equal maxima sends its gradient to the first one"),
    ("m5.maxpool.backward",  # the last maximum instead of the first
     [(LAYERS, "arg = flat.argmax(axis=-1)", "arg = k * k - 1 - flat[..., ::-1].argmax(axis=-1)")],
     "PARTIAL", "PyTorch's rule"),
    ("m5.layers.no_input_mutation",
     [(LAYERS, "return np.where(self.cache, x, 0.0)", "x[~self.cache] = 0.0; return x")],
     "PARTIAL", "forward must leave x as it was"),
    ("m5.layers.no_input_mutation",
     [(LAYERS, "z = np.exp(-np.abs(x))", "z = np.exp(-np.abs(x, out=x))")],
     "PARTIAL", "Sigmoid.forward(x) modified x in place"),
    ("m5.layers.no_input_mutation",
     [(LAYERS, "        x = self.cache\n", "        x = self.cache\n        x -= x.mean(axis=0)\n")],
     "PARTIAL", "backward wrote into the input forward kept"),
    ("m5.layers.params_live",
     [(LAYERS, PAIRS, "return [(self.W.copy(), self.dW), (self.b.copy(), self.db)]",
       "FullyConnected.get_params_and_grads")],
     "PARTIAL", "not copies"),
    ("m5.layers.params_live",
     [(LAYERS, PAIRS,
       'return self.__dict__.setdefault("_pairs", [(self.W, self.dW), (self.b, self.db)])',
       "Conv2D.get_params_and_grads")],
     "PARTIAL", "stale"),
    ("m5.layers.params_live",
     [(LAYERS, "self.cache = x\n        return x @ self.W + self.b",
       "self.cache = x\n        self.W = self.W.astype(np.float64)\n        return x @ self.W + self.b")],
     "PARTIAL", "replaced its parameter with a new array"),
]

CHECK_IDS = sorted({m[0] for m in MUTANTS})

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


@pytest.mark.parametrize("check_id,edits,status,hint", MUTANTS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(check_id, edits, status, hint, caught):
    caught(check_id, edits, status, hint)


@pytest.mark.parametrize("check_id,edits", HONEST, ids=[f"{h[0]}-{i}" for i, h in enumerate(HONEST)])
def test_honest_variant_passes(check_id, edits, mutant, grade_tree):
    result = grade_tree(mutant(*edits), [check_id])[check_id]
    assert result.status == "PASS", result


def test_every_check_has_a_mutant(checks):
    mine = {i for i, spec in checks.items() if spec.file.rsplit(".", 1)[-1] in
            ("test_m5_dense", "test_m5_loss", "test_m5_pool", "test_m5_protocol")}
    assert mine == set(CHECK_IDS)


def test_untouched_exercises_are_todo(grade_tree):
    results = grade_tree(ROOT / "exercises", CHECK_IDS)
    assert {i: r.status for i, r in results.items()} == {i: "TODO" for i in CHECK_IDS}
    assert all(r.points == 0 for r in results.values())


def test_reference_scores_full_marks(grade_tree):
    results = grade_tree(ROOT / "reference", CHECK_IDS, seed=7)
    assert {i: r.status for i, r in results.items()} == {i: "PASS" for i in CHECK_IDS}
    assert all(r.points == r.max_points for r in results.values())
