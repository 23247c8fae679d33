"""Each Conv2D check fails on a plausible wrong implementation, with the intended hint."""
import pytest

LAYERS = "module5/layers.py"

MUTANTS = [
    # (check id, edits, expected status, text the hint or message must contain)
    ("m5.conv2d.forward",
     [(LAYERS, "win = _windows(xp, kh, kw, s)  ", "win = _windows(xp, kh, kw, 1)  ")],
     "PARTIAL", "stride is wrong"),
    ("m5.conv2d.forward",
     [(LAYERS, "xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n        win",
       "xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))\n        win")],
     "PARTIAL", "padding is wrong"),
    ("m5.conv2d.backward",
     [(LAYERS, "dcols = dout_rows @ self.W.reshape(C_out, -1)",
       "dcols = dout_rows @ self.W[:, :, ::-1, ::-1].reshape(C_out, -1)")],
     "PARTIAL", "dx is wrong but dW and db are right"),
    ("m5.conv2d.backward",
     [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout_rows.mean(axis=0)")],
     "PARTIAL", "db sums dout over the batch"),
    ("m5.conv2d.backward",
     [(LAYERS, "self.dW = (dout_rows.T @ cols).reshape(self.W.shape)",
       "self.dW = (dout_rows.T @ cols).reshape(self.W.shape) / N")],
     "PARTIAL", "dW is wrong"),
]


@pytest.mark.parametrize("check_id,edits,status,hint", MUTANTS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(check_id, edits, status, hint, caught):
    caught(check_id, edits, status, hint)
