"""Known mistakes of test_m6_transposed.py (ConvTranspose2D forward and backward): each
computes what that mistake returns on the check's inputs; its hint is the entry of the same
key in hints/m6_transposed.py. W has PyTorch's layout (C_in, C_out, k, k)."""
import numpy as np

from . import mistake

FORWARD, BACKWARD = "m6.convtranspose.forward", "m6.convtranspose.backward"
DOC_FORWARD = "docs/module6.md#transposed-conv-forward"
DOC_BACKWARD = "docs/module6.md#transposed-conv-adjoint"


def _frame(x, W, stride, output_padding):
    """(H_full, W_full): the uncropped output, (H − 1)·stride + k + output_padding."""
    return tuple((n - 1) * stride + k + output_padding for n, k in zip(x.shape[2:], W.shape[2:]))


def _blocks(x, W, step):
    """(i, j, the block of input pixel (i, j): rows i·step … i·step + kH − 1, columns
    likewise) for every input pixel."""
    kh, kw = W.shape[2:]
    for i in range(x.shape[2]):
        for j in range(x.shape[3]):
            yield i, j, (slice(None), slice(None), slice(i * step, i * step + kh),
                         slice(j * step, j * step + kw))


def _scatter(x, W, stride, output_padding, step=None):
    """The uncropped output: every input pixel adds x[n, c, i, j] · W[c] to its block,
    placed `step` pixels apart (the stride, unless a mistake says otherwise)."""
    Y = np.zeros((len(x), W.shape[1], *_frame(x, W, stride, output_padding)))
    for i, j, block in _blocks(x, W, stride if step is None else step):
        Y[block] += np.einsum("nc,cokl->nokl", x[:, :, i, j], W)
    return Y


def _forward(x, W, b, stride, pad, output_padding, top=None, step=None):
    """The scatter cropped to H_out × W_out starting at row and column `top` (the padding,
    unless a mistake says otherwise), plus the bias."""
    Y = _scatter(x, W, stride, output_padding, step)
    Ho, Wo = Y.shape[2] - 2 * pad, Y.shape[3] - 2 * pad
    r = pad if top is None else top
    return Y[:, :, r:r + Ho, r:r + Wo] + b[None, :, None, None]


def _gather(x, W, dout, stride, pad, output_padding, top=None):
    """(dx, dW) with dout put back into the uncropped frame at row and column `top` (the
    padding, unless a mistake says otherwise): the scatter read backwards."""
    dY = np.zeros((len(x), W.shape[1], *_frame(x, W, stride, output_padding)))
    r = pad if top is None else top
    dY[:, :, r:r + dout.shape[2], r:r + dout.shape[3]] = dout
    dx, dW = np.zeros(x.shape), np.zeros(W.shape)
    for i, j, block in _blocks(x, W, stride):
        dx[:, :, i, j] = np.einsum("nokl,cokl->nc", dY[block], W)
        dW += np.einsum("nc,nokl->cokl", x[:, :, i, j], dY[block])
    return dx, dW


# -- forward -----------------------------------------------------------------------------------
@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_weight_layout(x, W, b, stride, pad, output_padding):
    """W read in Conv2D's layout (C_out, C_in, k, k): input channel c scatters W[:, c]
    (only computable when C_in = C_out; otherwise the shapes do not fit)."""
    if W.shape[0] != W.shape[1]:
        return None
    return _forward(x, W.transpose(1, 0, 2, 3), b, stride, pad, output_padding)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_kernel_flipped(x, W, b, stride, pad, output_padding):
    """Every pixel scatters the kernel flipped in both spatial axes."""
    return _forward(x, W[:, :, ::-1, ::-1], b, stride, pad, output_padding)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_stride_ignored(x, W, b, stride, pad, output_padding):
    """The output has the strided size, but pixel (i, j) scatters its block at (i, j), not
    at (i·stride, j·stride)."""
    return None if stride == 1 else _forward(x, W, b, stride, pad, output_padding, step=1)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_crop_one_side(x, W, b, stride, pad, output_padding):
    """All 2·padding rows (columns) cropped from the bottom (right): the top-left corner."""
    return None if pad == 0 else _forward(x, W, b, stride, pad, output_padding, top=0)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_padding_not_cropped(x, W, b, stride, pad, output_padding):
    """The padding never cropped: the whole scattered output, plus the bias."""
    if pad == 0:
        return None
    return _scatter(x, W, stride, output_padding) + b[None, :, None, None]


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_output_padding_ignored(x, W, b, stride, pad, output_padding):
    """output_padding never added to the output size."""
    return None if output_padding == 0 else _forward(x, W, b, stride, pad, 0)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def convt_bias_missing(x, W, b, stride, pad, output_padding):
    """The bias never added."""
    return _forward(x, W, np.zeros_like(b), stride, pad, output_padding)


# -- backward ----------------------------------------------------------------------------------
@mistake(BACKWARD, "dx", doc=DOC_BACKWARD)
def convt_dx_flipped(x, W, dout, stride, pad, output_padding):
    """dx gathered through the flipped kernel, Conv2D's dx rule carried over: the backward
    of a transposed convolution is an ordinary (unflipped) convolution."""
    return _gather(x, W[:, :, ::-1, ::-1], dout, stride, pad, output_padding)[0]


@mistake(BACKWARD, "dx", doc=DOC_BACKWARD)
def convt_dx_uncrop_one_side(x, W, dout, stride, pad, output_padding):
    """dout put back at the top-left of the uncropped frame, all its zeros below and to the
    right, instead of `padding` zeros on every border."""
    return None if pad == 0 else _gather(x, W, dout, stride, pad, output_padding, top=0)[0]


@mistake(BACKWARD, "dW", doc=DOC_BACKWARD)
def convt_dw_conv2d_layout(x, W, dout, stride, pad, output_padding):
    """dW in Conv2D's layout (C_out, C_in, k, k), where it must match W's (C_in, C_out, k, k)."""
    return _gather(x, W, dout, stride, pad, output_padding)[1].transpose(1, 0, 2, 3)


@mistake(BACKWARD, "db", doc=DOC_BACKWARD)
def convt_db_mean(dout):
    """The mean of dout over the batch and both spatial axes instead of its sum."""
    return dout.mean(axis=(0, 2, 3))
