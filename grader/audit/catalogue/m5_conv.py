"""Mutants of Module 5: Conv2D: see grader/audit/mutants.py for what a mutant is."""
from ..mutants import LAYERS, _many, _one, named

CONV_PAD = ("xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n        win",
            "xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))\n        win")
FORWARD_OUT = "out = cols @ self.W.reshape(C_out, -1).T + self.b  #"
WINDOWS = ("win = _windows(xp, kh, kw, s)                      # (N, C, H', W', kh, kw)\n"
           "        Ho, Wo = win.shape[2], win.shape[3]")
DW = "self.dW = (dout_rows.T @ cols).reshape(self.W.shape)"
DX_CROP = "return dxp[:, :, p:p + H, p:p + W]"
# col2im as a loop over output positions, each window's gradient written with = (not +=).
DX_COL2IM = """dcols = dout_rows @ self.W.reshape(C_out, -1)     # (N*H'*W', C*kh*kw)
        dwin = dcols.reshape(N, Ho, Wo, C, kh, kw).transpose(0, 3, 1, 2, 4, 5)
        dxp = _add_windows(np.zeros(xp_shape, dtype=dcols.dtype), dwin, self.stride)"""
DX_ASSIGN = """s = self.stride
        dxp = np.zeros(xp_shape)
        for i in range(Ho):
            for j in range(Wo):
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] = np.einsum(
                    "no,ockl->nckl", dout[:, :, i, j], self.W)"""

MUTANTS = [
    # -- forward
    _one("conv-stride-1", "m5.conv2d.forward",
         [(LAYERS, "win = _windows(xp, kh, kw, s)  ", "win = _windows(xp, kh, kw, 1)  ")],
         "PARTIAL", named("conv_forward_stride_ignored")),
    _one("conv-windows-not-strided", "m5.conv2d.forward",
         [(LAYERS, WINDOWS, "Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1\n"
                            "        win = _windows(xp, kh, kw, 1)[:, :, :Ho, :Wo]")],
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
         [(LAYERS, "Ho, Wo = win.shape[2], win.shape[3]",
           "Ho, Wo = (H - kh) // s + 1, (W - kw) // s + 1\n        win = win[:, :, :Ho, :Wo]")],
         "PARTIAL", named("conv_forward_size_without_padding")),
    _one("conv-forward-flipped-kernel", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT, "out = cols @ self.W[:, :, ::-1, ::-1].reshape(C_out, -1).T "
                                "+ self.b  #")],
         "FAIL", named("conv_forward_flipped_kernel")),
    _one("conv-no-bias", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT, "out = cols @ self.W.reshape(C_out, -1).T  #")],
         "FAIL", named("conv_forward_no_bias")),
    # A loop over input channels, the bias added inside it.
    _one("conv-bias-per-channel", "m5.conv2d.forward",
         [(LAYERS, FORWARD_OUT,
           "out = sum(cols.reshape(-1, C, kh * kw)[:, c] @ self.W[:, c].reshape(C_out, -1).T"
           " + self.b\n                  for c in range(C))  #")],
         "FAIL", named("conv_forward_bias_per_input_channel")),
    # -- backward: dx
    _one("conv-dx-flipped-kernel", "m5.conv2d.backward",
         [(LAYERS, "dcols = dout_rows @ self.W.reshape(C_out, -1)",
           "dcols = dout_rows @ self.W[:, :, ::-1, ::-1].reshape(C_out, -1)")],
         "PARTIAL", named("conv_dx_no_flip")),
    _one("conv-dx-not-cropped", "m5.conv2d.backward",
         [(LAYERS, DX_CROP, "return dxp")],
         "PARTIAL", named("conv_dx_padding_not_cropped")),
    _one("conv-dx-crop-one-side", "m5.conv2d.backward",
         [(LAYERS, DX_CROP, "return dxp[:, :, :H, :W]")],
         "PARTIAL", named("conv_dx_crop_one_side")),
    _one("conv-dx-stride-1", "m5.conv2d.backward",
         [(LAYERS, "dwin, self.stride)", "dwin, 1)", "Conv2D.backward")],
         "PARTIAL", named("conv_dx_stride_ignored")),
    _one("conv-dx-windows-assigned", "m5.conv2d.backward",
         [(LAYERS, DX_COL2IM, DX_ASSIGN)],
         "PARTIAL", named("conv_dx_windows_assigned")),
    # -- backward: dW
    _one("conv-dW-over-N", "m5.conv2d.backward",
         [(LAYERS, DW, DW + " / N")],
         "PARTIAL", named("conv_dw_over_n")),
    _one("conv-dW-fc-layout", "m5.conv2d.backward",
         [(LAYERS, DW, "self.dW = (cols.T @ dout_rows).reshape(self.W.shape)")],
         "PARTIAL", named("conv_dw_fc_layout")),
    # dW recomputed from the padded input with windows one pixel apart (forward keeps xp).
    _one("conv-dW-stride-1", "m5.conv2d.backward",
         [(LAYERS, "self.cache = (x.shape, xp.shape, cols)", "self.cache = (x.shape, xp, cols)"),
          (LAYERS, "x_shape, xp_shape, cols = self.cache",
           "x_shape, xp, cols = self.cache\n        xp_shape = xp.shape"),
          (LAYERS, DW, 'self.dW = np.einsum("nohw,nchwkl->ockl", dout, '
                       '_windows(xp, kh, kw, 1)[:, :, :Ho, :Wo])')],
         "PARTIAL", named("conv_dw_stride_ignored")),
    _one("conv-dW-flipped", "m5.conv2d.backward",
         [(LAYERS, DW, DW + "[:, :, ::-1, ::-1]")],
         "PARTIAL", named("conv_dw_flipped")),
    # -- backward: db. The speed bonus judges the values first, then the ratio.
    _many("conv-db-mean",
          [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout_rows.mean(axis=0)")],
          {"m5.conv2d.backward": ("PARTIAL", named("conv_db_mean")),
           "m5.conv2d.vectorised": ("FAIL", "db is wrong")}),
    _one("conv-db-batch-only", "m5.conv2d.backward",
         [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout.sum(axis=0)")],
         "PARTIAL", named("conv_db_batch_only")),
]
