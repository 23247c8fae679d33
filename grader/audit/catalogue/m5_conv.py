"""Mutants of Module 5: Conv2D: see grader/audit/mutants.py for what a mutant is."""
from ..mutants import LAYERS, _many, _one, named

CONV_PAD = ("xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n        Ho, Wo",
            "xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))\n        Ho, Wo")
FORWARD_OUT = "out = _correlate(xp, self.W.reshape(C_out, -1), kh, kw, s)"
BIAS = "        out += self.b[None, :, None, None]\n"
OUT_SIZE = "Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1"
# The reference's backward takes the gather form of dx when it moves fewer numbers; a bug in
# the scatter form (col2im: the textbook one, and the one every dx/dW mutant below edits)
# shows only on the scatter path, so these mutants take it always, as a student's would.
SCATTER = (LAYERS, "if C_out * H * W <= C * Ho * Wo:", "if False:")
DW = "self.dW = dW.reshape(self.W.shape)"
DX_CROP = "return dxp[:, :, p:p + H, p:p + W]"
# col2im as a loop over output positions, each window's gradient written with = (not +=).
DX_ASSIGN = """self.dW = dW.reshape(self.W.shape)
        dxp = np.zeros(xp.shape)
        for i in range(Ho):
            for j in range(Wo):
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] = np.einsum(
                    "no,ockl->nckl", dout[:, :, i, j], self.W)"""
DW_ROWS = "dW += np.matmul(dout_rows[rows], cols.transpose(0, 2, 1)).sum(axis=0)"

MUTANTS = [
    # -- forward
    _one("conv-stride-1", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT, FORWARD_OUT.replace("kw, s)", "kw, 1)"))],
         "PARTIAL", named("conv_forward_stride_ignored")),
    _one("conv-windows-not-strided", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT, FORWARD_OUT.replace("kw, s)", "kw, 1)[:, :, :Ho, :Wo]"))],
         "PARTIAL", named("conv_forward_windows_not_strided")),
    # The same Conv2D is what the transposed-conv adjoint check measures ConvTranspose2D by.
    _many("conv-pad-one-side", [(LAYERS, *CONV_PAD)],
          {"m5.conv2d.forward": ("PARTIAL", named("conv_forward_pad_one_side")),
           "m6.convtranspose.adjoint": ("FAIL", "your Module 5 Conv2D is not")}),
    _one("conv-no-padding", "m5.conv2d.forward",
         [(LAYERS, "xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))", "xp = x",
           "Conv2D.forward")],
         "PARTIAL", named("conv_forward_no_padding")),
    _one("conv-size-without-padding", "m5.conv2d.forward",
         [(LAYERS, OUT_SIZE, "Ho, Wo = (H - kh) // s + 1, (W - kw) // s + 1"),
          (LAYERS, FORWARD_OUT, FORWARD_OUT + "[:, :, :Ho, :Wo]")],
         "PARTIAL", named("conv_forward_size_without_padding")),
    _one("conv-forward-flipped-kernel", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT, FORWARD_OUT.replace("self.W.", "self.W[:, :, ::-1, ::-1]."))],
         "FAIL", named("conv_forward_flipped_kernel")),
    _one("conv-no-bias", "m5.conv2d.forward",
         [(LAYERS, BIAS, "")],
         "FAIL", named("conv_forward_no_bias")),
    # A loop over input channels, the bias added inside it.
    _one("conv-bias-per-channel", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT,
           "out = sum(_correlate(xp[:, c:c + 1], self.W[:, c].reshape(C_out, -1), kh, kw, s)"
           "\n                  + self.b[None, :, None, None] for c in range(C))"),
          (LAYERS, BIAS, "")],
         "FAIL", named("conv_forward_bias_per_input_channel")),
    # -- backward: dx
    _one("conv-dx-flipped-kernel", "m5.conv2d.backward",
         [SCATTER, (LAYERS, "W_cols = self.W.reshape(C_out, -1)",
                    "W_cols = self.W[:, :, ::-1, ::-1].reshape(C_out, -1)")],
         "PARTIAL", named("conv_dx_no_flip")),
    _one("conv-dx-not-cropped", "m5.conv2d.backward",
         [SCATTER, (LAYERS, DX_CROP, "return dxp")],
         "PARTIAL", named("conv_dx_padding_not_cropped")),
    _one("conv-dx-crop-one-side", "m5.conv2d.backward",
         [SCATTER, (LAYERS, DX_CROP, "return dxp[:, :, :H, :W]")],
         "PARTIAL", named("conv_dx_crop_one_side")),
    _one("conv-dx-stride-1", "m5.conv2d.backward",
         [SCATTER, (LAYERS, "_add_windows(dxp[rows], dwin, s)",
                    "_add_windows(dxp[rows], dwin, 1)")],
         "PARTIAL", named("conv_dx_stride_ignored")),
    _one("conv-dx-windows-assigned", "m5.conv2d.backward",
         [SCATTER, (LAYERS, DW, DX_ASSIGN)],
         "PARTIAL", named("conv_dx_windows_assigned")),
    # -- backward: dW
    _one("conv-dW-over-N", "m5.conv2d.backward",
         [SCATTER, (LAYERS, DW, DW + " / N")],
         "PARTIAL", named("conv_dw_over_n")),
    _one("conv-dW-fc-layout", "m5.conv2d.backward",
         [SCATTER, (LAYERS, "dW = np.zeros((C_out, C * kh * kw))",
                    "dW = np.zeros((C * kh * kw, C_out))"),
          (LAYERS, DW_ROWS,
           "dW += np.matmul(cols, dout_rows[rows].transpose(0, 2, 1)).sum(axis=0)")],
         "PARTIAL", named("conv_dw_fc_layout")),
    # dW from the padded input's windows one pixel apart.
    _one("conv-dW-stride-1", "m5.conv2d.backward",
         [SCATTER, (LAYERS, "for rows, cols in _columns(xp, kh, kw, s, Ho, Wo):\n            dW",
                    "for rows, cols in _columns(xp, kh, kw, 1, Ho, Wo):\n            dW")],
         "PARTIAL", named("conv_dw_stride_ignored")),
    _one("conv-dW-flipped", "m5.conv2d.backward",
         [SCATTER, (LAYERS, DW, DW + "[:, :, ::-1, ::-1]")],
         "PARTIAL", named("conv_dw_flipped")),
    # -- backward: db. The speed bonus judges the values first, then the ratio.
    _many("conv-db-mean",
          [(LAYERS, "self.db = dout.sum(axis=(0, 2, 3))", "self.db = dout.mean(axis=(0, 2, 3))")],
          {"m5.conv2d.backward": ("PARTIAL", named("conv_db_mean")),
           "m5.conv2d.vectorised": ("FAIL", "db is wrong")}),
    _one("conv-db-batch-only", "m5.conv2d.backward",
         [(LAYERS, "self.db = dout.sum(axis=(0, 2, 3))", "self.db = dout.sum(axis=0)")],
         "PARTIAL", named("conv_db_batch_only")),
]
