"""Upsample of the naive loop-style tree used by the fairness tests: four nested loops over
the output pixels, forward and backward."""
import math

import numpy as np


def _source(i, scale, n_in):
    """PyTorch's align_corners=False source of output index i along one axis:
    (i0, i1, t) with the value (1 - t) * x[i0] + t * x[i1]."""
    src = (i + 0.5) / scale - 0.5
    if src < 0.0:
        src = 0.0                  # clamped at the border
    i0 = int(math.floor(src))
    i1 = min(i0 + 1, n_in - 1)
    t = src - i0
    return i0, i1, t


class Upsample:
    """
    Upsampling by an integer factor (上採樣).

    mode='nearest': out[..., i, j] = x[..., i // s, j // s]
    mode='bilinear': PyTorch's align_corners=False. Output pixel i samples the input at
        src = (i + 0.5) / s - 0.5, clamped to >= 0; with i0 = floor(src),
        i1 = min(i0 + 1, H - 1) and t = src - i0:  (1 - t) * x[i0] + t * x[i1],
        first along H, then along W.
    """

    def __init__(self, scale_factor=2, mode="nearest"):
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"mode must be 'nearest' or 'bilinear', got {mode!r}")
        if int(scale_factor) != scale_factor or scale_factor < 1:
            raise ValueError(f"scale_factor must be a positive integer, got {scale_factor!r}")
        self.scale_factor = int(scale_factor)
        self.mode = mode
        self.cache = None

    def forward(self, x):
        """x : (N, C, H, W) -> out : (N, C, H * s, W * s), one output pixel at a time."""
        N, C, H, W = x.shape
        s = self.scale_factor
        Ho, Wo = H * s, W * s
        out = np.zeros((N, C, Ho, Wo))
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        if self.mode == "nearest":
                            out[n, c, i, j] = x[n, c, i // s, j // s]
                        else:
                            i0, i1, ti = _source(i, s, H)
                            j0, j1, tj = _source(j, s, W)
                            out[n, c, i, j] = ((1 - ti) * (1 - tj) * x[n, c, i0, j0]
                                               + (1 - ti) * tj * x[n, c, i0, j1]
                                               + ti * (1 - tj) * x[n, c, i1, j0]
                                               + ti * tj * x[n, c, i1, j1])
        self.cache = x.shape
        return out

    def backward(self, dout):
        """
        dout : (N, C, H * s, W * s) -> dx : (N, C, H, W).
        Every output pixel's gradient goes back to the input pixels it was copied or blended
        from, times the same weights.
        """
        N, C, H, W = self.cache
        s = self.scale_factor
        _, _, Ho, Wo = dout.shape
        dx = np.zeros((N, C, H, W))
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        g = dout[n, c, i, j]
                        if self.mode == "nearest":
                            dx[n, c, i // s, j // s] += g
                        else:
                            i0, i1, ti = _source(i, s, H)
                            j0, j1, tj = _source(j, s, W)
                            dx[n, c, i0, j0] += (1 - ti) * (1 - tj) * g
                            dx[n, c, i0, j1] += (1 - ti) * tj * g
                            dx[n, c, i1, j0] += ti * (1 - tj) * g
                            dx[n, c, i1, j1] += ti * tj * g
        return dx

    def get_params_and_grads(self):
        return []
