"""Trusted oracles of Upsample (Module 6), shared by the upsample and U-Net suites and their
known mistakes: loops over output pixels that spell out the conventions. Nearest copies
x[i // s, j // s]; bilinear is PyTorch's align_corners=False (the half-pixel rule with the
source index clamped at the border); backward hands every output pixel's gradient back to
the input pixels it was copied or blended from."""
import math

import numpy as np


def nearest(x, s):
    N, C, Hi, W = x.shape
    out = np.empty((N, C, Hi * s, W * s))
    for i in range(Hi * s):
        for j in range(W * s):
            out[:, :, i, j] = x[:, :, i // s, j // s]
    return out


def nearest_backward(dout, s):
    """Input pixel (a, b) was copied to the s×s block of outputs starting at (a·s, b·s)."""
    N, C, Hs, Ws = dout.shape
    dx = np.zeros((N, C, Hs // s, Ws // s))
    for i in range(Hs):
        for j in range(Ws):
            dx[:, :, i // s, j // s] += dout[:, :, i, j]
    return dx


def source(i, s, n_in):
    """(i0, i1, t): output index i blends (1 - t)·x[i0] + t·x[i1] along one axis."""
    src = max((i + 0.5) / s - 0.5, 0.0)
    i0 = math.floor(src)
    return i0, min(i0 + 1, n_in - 1), src - i0


def bilinear_weights(n_in, s):
    """(n_in·s, n_in) matrix of the blend along one axis, built one output index at a time."""
    A = np.zeros((n_in * s, n_in))
    for i in range(n_in * s):
        i0, i1, t = source(i, s, n_in)
        A[i, i0] += 1.0 - t
        A[i, i1] += t
    return A


def bilinear(x, s):
    """out[i, j] = Σ_{a,b} A_H[i, a] · x[a, b] · A_W[j, b], a loop over output pixels."""
    N, C, Hi, W = x.shape
    Ah, Aw = bilinear_weights(Hi, s), bilinear_weights(W, s)
    out = np.zeros((N, C, Hi * s, W * s))
    for i in range(Hi * s):
        for j in range(W * s):
            out[:, :, i, j] = np.einsum("a,ncab,b->nc", Ah[i], x, Aw[j])
    return out


def bilinear_backward(dout, s, shape):
    """Output pixel (i, j) hands dout[i, j] back to the (up to) four pixels it blended,
    each times its weight."""
    N, C, Hi, W = shape
    Ah, Aw = bilinear_weights(Hi, s), bilinear_weights(W, s)
    dx = np.zeros(shape)
    for i in range(Hi * s):
        for j in range(W * s):
            dx += np.einsum("a,nc,b->ncab", Ah[i], dout[:, :, i, j], Aw[j])
    return dx


def up_backward(mode, d):
    """The gradient through Upsample(2, mode) of d, the gradient of its output."""
    if mode == "nearest":
        return nearest_backward(d, 2)
    N, C, Hs, Ws = d.shape
    return bilinear_backward(d, 2, (N, C, Hs // 2, Ws // 2))
