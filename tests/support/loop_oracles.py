"""Plain-loop oracles for the reference tests: one output value at a time on tiny shapes,
independent of the reference's im2col, window and vectorised batch-norm code (and of the
grader's offset-by-offset oracles in grader/suites/oracles.py)."""
import math

import numpy as np


def conv_oracle(x, W, b, stride, pad):
    """Cross-correlation of x (N, C, H, W) with W (F, C, kh, kw), zero padding `pad`."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    xp = np.zeros((N, C, H + 2 * pad, Wd + 2 * pad))
    xp[:, :, pad:pad + H, pad:pad + Wd] = x
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (Wd + 2 * pad - kw) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = xp[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return out


def bn_train_oracle(x, gamma, beta, eps=1e-5):
    """Train-mode batch norm: each channel's biased mean and variance over (N, H, W), summed
    as Python floats."""
    out = np.zeros_like(x)
    for c in range(x.shape[1]):
        vals = x[:, c].ravel()
        mu = sum(vals) / len(vals)
        var = sum((v - mu) ** 2 for v in vals) / len(vals)
        out[:, c] = gamma[c] * (x[:, c] - mu) / math.sqrt(var + eps) + beta[c]
    return out


def relu(x):
    return np.where(x > 0, x, 0.0)
