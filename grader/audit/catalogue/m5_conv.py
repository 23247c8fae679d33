"""Mutants of Module 5: Conv2D: see grader/audit/mutants.py for what a mutant is."""
from ..mutants import LAYERS, _many, _one, named

CONV_PAD = ("xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n        win",
            "xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))\n        win")

MUTANTS = [
    _one("conv-stride-1", "m5.conv2d.forward",
         [(LAYERS, "win = _windows(xp, kh, kw, s)  ", "win = _windows(xp, kh, kw, 1)  ")],
         "PARTIAL", "stride is wrong"),
    # The same Conv2D is what the transposed-conv adjoint check measures ConvTranspose2D by.
    _many("conv-pad-one-side", [(LAYERS, *CONV_PAD)],
          {"m5.conv2d.forward": ("PARTIAL", "padding is wrong"),
           "m6.convtranspose.adjoint": ("FAIL", "your Module 5 Conv2D is not")}),
    _one("conv-dx-flipped-kernel", "m5.conv2d.backward",
         [(LAYERS, "dcols = dout_rows @ self.W.reshape(C_out, -1)",
           "dcols = dout_rows @ self.W[:, :, ::-1, ::-1].reshape(C_out, -1)")],
         "PARTIAL", "dx is wrong but dW and db are right"),
    # The speed bonus judges the values first, then the ratio.
    _many("conv-db-mean",
          [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout_rows.mean(axis=0)")],
          {"m5.conv2d.backward": ("PARTIAL", "db sums dout over the batch"),
           "m5.conv2d.vectorised": ("FAIL", "db is wrong")}),
    _one("conv-dW-over-N", "m5.conv2d.backward",
         [(LAYERS, "self.dW = (dout_rows.T @ cols).reshape(self.W.shape)",
           "self.dW = (dout_rows.T @ cols).reshape(self.W.shape) / N")],
         "PARTIAL", "dW is wrong"),
]
