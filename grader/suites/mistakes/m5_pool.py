"""Known mistakes of test_m5_pool.py (MaxPool2D forward and backward): each computes what that
mistake returns on the check's inputs; its hint is the entry of the same key in
hints/m5_pool.py."""
import numpy as np

from .. import oracles
from .. import oracles_m5_layers as ol
from . import mistake

DOC = "docs/module5.md#max-pooling"


def _out_size(x, k, s):
    return (x.shape[2] - k) // s + 1, (x.shape[3] - k) // s + 1


def _windows(x, k, s):
    """(i, j, window i, j of x, shape (N, C, k, k)) in row-major order of the windows."""
    Ho, Wo = _out_size(x, k, s)
    for i in range(Ho):
        for j in range(Wo):
            yield i, j, x[:, :, i * s:i * s + k, j * s:j * s + k]


def _route(x, k, s, dout, weights):
    """dx when each window adds dout[n, c, i, j] · weights(window) to its pixels."""
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, k, s):
        dx[:, :, i * s:i * s + k, j * s:j * s + k] += weights(win) * dout[:, :, i, j, None, None]
    return dx


def _one_hot(win, arg):
    """(N, C, k, k) with a 1 at the flat window index `arg` (N, C) of each window."""
    N, C, k, _ = win.shape
    out = np.zeros((N, C, k * k))
    np.put_along_axis(out, arg[..., None], 1.0, axis=-1)
    return out.reshape(N, C, k, k)


def _maxima(win):
    return win == win.max(axis=(2, 3), keepdims=True)


def _first_max(win):
    return _one_hot(win, win.reshape(*win.shape[:2], -1).argmax(axis=-1))


# -- forward -----------------------------------------------------------------------------------
@mistake("m5.maxpool.forward", "out", doc=DOC)
def maxpool_stride_is_kernel(x, k, s):
    """Windows side by side (stride = kernel_size) whatever the stride asked."""
    return None if s == k else oracles.maxpool2d(x, k, k)


@mistake("m5.maxpool.forward", "out", doc=DOC)
def maxpool_one_side_for_both(x, k, s):
    """One image side used for both output sizes (H' from H for the width too, or W' from W
    for the height): only the top-left square of a non-square input is pooled."""
    side = min(x.shape[2:])
    return None if x.shape[2] == x.shape[3] else oracles.maxpool2d(x[:, :, :side, :side], k, s)


@mistake("m5.maxpool.forward", "out", doc=DOC)
def maxpool_out_size_over_k(x, k, s):
    """The output size H // k (right only for windows side by side), windows still taken
    every `stride` pixels: the first H // k × W // k outputs."""
    Ho, Wo = x.shape[2] // k, x.shape[3] // k
    right = _out_size(x, k, s)
    if Ho > right[0] or Wo > right[1]:
        return None             # stride > kernel_size: more outputs, a slip of another kind
    return oracles.maxpool2d(x, k, s)[:, :, :Ho, :Wo]


# -- backward ----------------------------------------------------------------------------------
@mistake("m5.maxpool.backward", "dx", doc=DOC)
def maxpool_dx_assign(x, k, s, dout):
    """dx[max] = dout instead of +=, or dx[rows, cols] += dout with repeated indices (numpy
    does not accumulate those): a pixel that is the maximum of several windows keeps only
    the last window's gradient."""
    N, C = x.shape[:2]
    n, c = np.indices((N, C))
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, k, s):
        p, q = np.divmod(win.reshape(N, C, -1).argmax(axis=-1), k)
        dx[n, c, i * s + p, j * s + q] = dout[:, :, i, j]
    return dx


@mistake("m5.maxpool.backward", "dx", doc=DOC)
def maxpool_dx_ties_all_maxima(x, k, s, dout):
    """Every position equal to its window's maximum gets the window's full gradient."""
    return ol.maxpool2d_all_maxima(x, k, s, dout)


@mistake("m5.maxpool.backward", "dx", doc=DOC)
def maxpool_dx_ties_split(x, k, s, dout):
    """A window's gradient split evenly among its equal maxima."""
    return _route(x, k, s, dout, lambda win: _maxima(win) / _maxima(win).sum(axis=(2, 3),
                                                                            keepdims=True))


@mistake("m5.maxpool.backward", "dx", doc=DOC)
def maxpool_dx_ties_last_max(x, k, s, dout):
    """The gradient goes to the window's last maximum (row-major), not its first."""
    def last(win):
        flat = win.reshape(*win.shape[:2], -1)
        return _one_hot(win, flat.shape[-1] - 1 - flat[..., ::-1].argmax(axis=-1))
    return _route(x, k, s, dout, last)


@mistake("m5.maxpool.backward", "dx", doc=DOC)
def maxpool_dx_window_transposed(x, k, s, dout):
    """Row and column of the maximum swapped inside its window (q, p instead of p, q)."""
    return _route(x, k, s, dout, lambda win: _first_max(win).swapaxes(-1, -2))
