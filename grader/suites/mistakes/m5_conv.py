"""Known mistakes of test_m5_conv.py (Conv2D forward and backward): each computes what that
mistake returns on the check's inputs; its hint is the entry of the same key in
hints/m5_conv.py."""
import numpy as np

from .. import oracles
from . import mistake

FORWARD, BACKWARD = "m5.conv2d.forward", "m5.conv2d.backward"
DOC_FORWARD = "docs/module5.md#conv2d-forward"
DOC_DX = "docs/module5.md#conv2d-dx"
DOC_DW = "docs/module5.md#conv2d-dw"
DOC_DB = "docs/module5.md#conv2d-db"


def _size(n, k, stride, pad):
    return (n + 2 * pad - k) // stride + 1


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _scatter(W, dout, xp_shape, step, assign=False):
    """dxp when output (i, j) adds Σ_o dout[n, o, i, j] · W[o] to the window at
    (i·step, j·step) of a zero array of the padded input's shape — or, with `assign`,
    writes it there (=), so that the last window over a pixel wins."""
    dxp = np.zeros(xp_shape)
    kh, kw = W.shape[2:]
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            block = np.einsum("nf,fckl->nckl", dout[:, :, i, j], W)
            window = (slice(None), slice(None), slice(i * step, i * step + kh),
                      slice(j * step, j * step + kw))
            if assign:
                dxp[window] = block
            else:
                dxp[window] += block
    return dxp


def _crop(dxp, x, pad):
    return dxp[:, :, pad:pad + x.shape[2], pad:pad + x.shape[3]]


# -- forward -----------------------------------------------------------------------------------
@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_flipped_kernel(x, W, b, stride, pad):
    """The kernel flipped in both spatial axes (a true convolution), where Conv2D is a
    cross-correlation."""
    return oracles.conv2d(x, W[:, :, ::-1, ::-1], b, stride, pad)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_stride_ignored(x, W, b, stride, pad):
    """Stride 1 whatever the stride: every window, and the stride-1 output size."""
    return None if stride == 1 else oracles.conv2d(x, W, b, 1, pad)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_windows_not_strided(x, W, b, stride, pad):
    """The output size divided by the stride, but window (i, j) read at (i, j), not at
    (i·stride, j·stride): the top-left corner of the stride-1 output."""
    if stride == 1:
        return None
    Ho, Wo = _size(x.shape[2], W.shape[2], stride, pad), _size(x.shape[3], W.shape[3], stride, pad)
    return oracles.conv2d(x, W, b, 1, pad)[:, :, :Ho, :Wo]


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_pad_one_side(x, W, b, stride, pad):
    """All 2·padding zero rows (columns) added below (right of) the image, none above (left
    of) it: the same output size, shifted windows."""
    if pad == 0:
        return None
    xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))
    return oracles.conv2d(xp, W, b, stride, 0)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_no_padding(x, W, b, stride, pad):
    """The padding never applied: the convolution of the unpadded input, a smaller output."""
    if pad == 0 or min(_size(x.shape[2], W.shape[2], stride, 0),
                       _size(x.shape[3], W.shape[3], stride, 0)) < 1:
        return None
    return oracles.conv2d(x, W, b, stride, 0)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_size_without_padding(x, W, b, stride, pad):
    """The input padded, but the output size computed without the padding,
    (H − kH) // stride + 1: only the top-left part of the right output."""
    Ho, Wo = _size(x.shape[2], W.shape[2], stride, 0), _size(x.shape[3], W.shape[3], stride, 0)
    if pad == 0 or min(Ho, Wo) < 1:
        return None
    return oracles.conv2d(x, W, b, stride, pad)[:, :, :Ho, :Wo]


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_no_bias(x, W, b, stride, pad):
    """The bias never added."""
    return oracles.conv2d(x, W, np.zeros_like(b), stride, pad)


@mistake(FORWARD, "output", doc=DOC_FORWARD)
def conv_forward_bias_per_input_channel(x, W, b, stride, pad):
    """The bias added inside the sum over input channels: C_in · b[o] instead of b[o]."""
    return None if x.shape[1] == 1 else oracles.conv2d(x, W, x.shape[1] * b, stride, pad)


# -- backward: dx ------------------------------------------------------------------------------
@mistake(BACKWARD, "dx", doc=DOC_DX)
def conv_dx_no_flip(x, W, stride, pad, dout):
    """dx as the full correlation of dout with the kernel unflipped — the same as scattering
    dout back through a flipped kernel."""
    return oracles.conv2d_backward(x, W[:, :, ::-1, ::-1], stride, pad, dout)[0]


@mistake(BACKWARD, "dx", doc=DOC_DX)
def conv_dx_padding_not_cropped(x, W, stride, pad, dout):
    """dx of the padded input returned whole: the padding's border is not cropped."""
    if pad == 0:
        return None
    return _scatter(W, dout, _pad(x, pad).shape, stride)


@mistake(BACKWARD, "dx", doc=DOC_DX)
def conv_dx_crop_one_side(x, W, stride, pad, dout):
    """The padding's 2·padding rows (columns) cropped from the bottom (right) only: dxp's
    top-left H×W corner."""
    if pad == 0:
        return None
    return _scatter(W, dout, _pad(x, pad).shape, stride)[:, :, :x.shape[2], :x.shape[3]]


@mistake(BACKWARD, "dx", doc=DOC_DX)
def conv_dx_stride_ignored(x, W, stride, pad, dout):
    """dout[i, j] sent back to the window at (i, j) instead of (i·stride, j·stride)."""
    if stride == 1:
        return None
    return _crop(_scatter(W, dout, _pad(x, pad).shape, 1), x, pad)


@mistake(BACKWARD, "dx", doc="docs/module5.md#conv2d-from-loops")
def conv_dx_windows_assigned(x, W, stride, pad, dout):
    """Each output's gradient written into its window with = instead of +=: where windows
    overlap, the last one wins."""
    return _crop(_scatter(W, dout, _pad(x, pad).shape, stride, assign=True), x, pad)


# -- backward: dW ------------------------------------------------------------------------------
def _dW(x, W, stride, pad, dout):
    return oracles.conv2d_backward(x, W, stride, pad, dout)[1]


@mistake(BACKWARD, "dW", doc=DOC_DW)
def conv_dw_over_n(x, W, stride, pad, dout):
    """dW divided by the batch size, as if the layer averaged over the batch."""
    return None if len(x) == 1 else _dW(x, W, stride, pad, dout) / len(x)


@mistake(BACKWARD, "dW", doc="docs/module5.md#im2col-backward")
def conv_dw_fc_layout(x, W, stride, pad, dout):
    """cols.T @ dout_rows, FC's x.T @ dout: dW's (C_in·kH·kW, C_out) transpose, reshaped
    to W's shape anyway, which scrambles it."""
    dW = _dW(x, W, stride, pad, dout)
    return dW.reshape(W.shape[0], -1).T.reshape(W.shape)


@mistake(BACKWARD, "dW", doc=DOC_DW)
def conv_dw_stride_ignored(x, W, stride, pad, dout):
    """dW correlating dout with xp[i + p, j + q] instead of xp[i·stride + p, j·stride + q]."""
    if stride == 1:
        return None
    xp = _pad(x, pad)
    Ho, Wo = dout.shape[2:]
    dW = np.empty_like(W)
    for p in range(W.shape[2]):
        for q in range(W.shape[3]):
            dW[:, :, p, q] = np.einsum("nfhw,nchw->fc", dout, xp[:, :, p:p + Ho, q:q + Wo])
    return dW


@mistake(BACKWARD, "dW", doc=DOC_DW)
def conv_dw_flipped(x, W, stride, pad, dout):
    """dW as a convolution of the input with dout (the kernel offsets reversed) instead of
    their correlation."""
    return _dW(x, W, stride, pad, dout)[:, :, ::-1, ::-1]


# -- backward: db ------------------------------------------------------------------------------
@mistake(BACKWARD, "db", doc=DOC_DB)
def conv_db_mean(dout):
    """The mean of dout over the batch and both spatial axes instead of its sum."""
    return dout.mean(axis=(0, 2, 3))


@mistake(BACKWARD, "db", doc=DOC_DB)
def conv_db_batch_only(dout):
    """FC's db, dout.sum(axis=0): summed over the batch only, one value per output pixel."""
    return dout.sum(axis=0)
