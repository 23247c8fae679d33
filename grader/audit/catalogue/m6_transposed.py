"""Mutants of Module 6: ConvTranspose2D (選做): see grader/audit/mutants.py for what a mutant
is."""
from ..mutants import TC, _many, _one, named

SCATTER = "np.matmul(W[:, :, a, c].T, x_rows)"
RETURN = "return Y[:, :, p:p + H_out, p:p + W_out] + self.b[None, :, None, None]"

MUTANTS = [
    # -- forward
    # Conv2D's (out, in) order for the weight's two channel axes: wrong when C_in = C_out,
    # an error (the shapes do not fit) on every other case.
    _one("convtranspose-weight-layout", "m6.convtranspose.forward",
         [(TC, SCATTER, "np.matmul(W[:, :, a, c], x_rows)")],
         "ERROR", named("convt_weight_layout")),
    _one("convtranspose-kernel-flipped", "m6.convtranspose.forward",
         [(TC, SCATTER, "np.matmul(W[:, :, kh - 1 - a, kw - 1 - c].T, x_rows)")],
         "FAIL", named("convt_kernel_flipped")),
    _one("convtranspose-stride-ignored", "m6.convtranspose.forward",
         [(TC, "Y[:, :, a:a + s * (H - 1) + 1:s, c:c + s * (Wx - 1) + 1:s] += ",
           "Y[:, :, a:a + H, c:c + Wx] += ")],
         "FAIL", named("convt_stride_ignored")),
    _many("convtranspose-crop-one-side",
          [(TC, RETURN, "return Y[:, :, :H_out, :W_out] + self.b[None, :, None, None]")],
          {"m6.convtranspose.forward": ("FAIL", named("convt_crop_one_side")),
           "m6.convtranspose.adjoint": ("FAIL", "ConvTranspose2D is not its adjoint")}),
    _one("convtranspose-not-cropped", "m6.convtranspose.forward",
         [(TC, RETURN, "return Y + self.b[None, :, None, None]")],
         "FAIL", named("convt_padding_not_cropped")),
    _one("convtranspose-no-output-padding", "m6.convtranspose.forward",
         [(TC, "H_full = (H - 1) * s + kh + self.output_padding", "H_full = (H - 1) * s + kh"),
          (TC, "W_full = (W - 1) * s + kw + self.output_padding", "W_full = (W - 1) * s + kw")],
         "PARTIAL", named("convt_output_padding_ignored")),
    _one("convtranspose-no-bias", "m6.convtranspose.forward",
         [(TC, RETURN, "return Y[:, :, p:p + H_out, p:p + W_out]")],
         "FAIL", named("convt_bias_missing")),
    # -- backward
    # Conv2D's rule (dx through the flipped kernel) carried over to the transposed layer.
    _one("convtranspose-dx-flipped", "m6.convtranspose.backward",
         [(TC, "dx += np.matmul(W[:, :, a, c], patch)",
           "dx += np.matmul(W[:, :, kh - 1 - a, kw - 1 - c], patch)")],
         "PARTIAL", named("convt_dx_flipped")),
    _one("convtranspose-dx-uncrop-one-side", "m6.convtranspose.backward",
         [(TC, "dY[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout",
           "dY[:, :, :dout.shape[2], :dout.shape[3]] = dout")],
         "PARTIAL", named("convt_dx_uncrop_one_side")),
    _one("convtranspose-dW-conv2d-layout", "m6.convtranspose.backward",
         [(TC, "dW = np.zeros_like(W)", "dW = np.zeros((W.shape[1], W.shape[0], kh, kw))"),
          (TC, "dW[:, :, a, c] = np.matmul(x_rows, patch.transpose(0, 2, 1)).sum(axis=0)",
           "dW[:, :, a, c] = np.matmul(patch, x_rows.transpose(0, 2, 1)).sum(axis=0)")],
         "PARTIAL", named("convt_dw_conv2d_layout")),
    _one("convtranspose-db-mean", "m6.convtranspose.backward",
         [(TC, "self.db = dout.sum(axis=(0, 2, 3))", "self.db = dout.mean(axis=(0, 2, 3))")],
         "PARTIAL", named("convt_db_mean")),
]
