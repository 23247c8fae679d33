"""Layers of the naive loop-style tree used by the fairness tests.

Written the way a CS231n-style learner writes them: explicit Python loops over samples,
channels and output positions, with numpy only for the small window sums. Slow, but correct.
"""
import numpy as np


class Layer:
    """Base class for layers."""
    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def get_params_and_grads(self):
        """List of (param, grad) pairs: the live arrays. Layers without parameters return []."""
        return []


class FullyConnected(Layer):
    def __init__(self, in_features, out_features):
        # Xavier initialization
        self.W = np.random.randn(in_features, out_features) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)
        self.cache = None

    def forward(self, x):
        """out[n] = x[n] @ W + b, one sample at a time. x: (N, D) -> out: (N, M)."""
        N = x.shape[0]
        M = self.W.shape[1]
        out = np.zeros((N, M))
        for n in range(N):
            out[n] = x[n] @ self.W + self.b
        self.cache = x
        return out

    def backward(self, dout):
        """dx[n] = W @ dout[n]; dW and db add up every sample's contribution."""
        x = self.cache
        N, D = x.shape
        dx = np.zeros((N, D))
        dW = np.zeros(self.W.shape)
        db = np.zeros(self.b.shape)
        for n in range(N):
            dx[n] = self.W @ dout[n]
            dW += np.outer(x[n], dout[n])
            db += dout[n]
        self.dW = dW
        self.db = db
        return dx

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class ReLU(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        """out = max(0, x), sample by sample."""
        mask = np.zeros(x.shape, dtype=bool)
        out = np.zeros(x.shape)
        for n in range(x.shape[0]):
            mask[n] = x[n] > 0
            out[n] = np.where(mask[n], x[n], 0.0)
        self.cache = mask
        return out

    def backward(self, dout):
        """dx = dout where x > 0, else 0 (the subgradient at 0 is 0)."""
        mask = self.cache
        dx = np.zeros(dout.shape)
        for n in range(dout.shape[0]):
            dx[n] = np.where(mask[n], dout[n], 0.0)
        return dx


class Sigmoid(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        """sigmoid(x) sample by sample, through exp(-|x|) so that nothing overflows."""
        out = np.zeros(x.shape)
        for n in range(x.shape[0]):
            z = np.exp(-np.abs(x[n]))          # in (0, 1]: never overflows
            out[n] = np.where(x[n] >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        self.cache = out
        return out

    def backward(self, dout):
        """dx = dout * s * (1 - s), with s the output of forward."""
        s = self.cache
        dx = np.zeros(dout.shape)
        for n in range(dout.shape[0]):
            dx[n] = dout[n] * s[n] * (1.0 - s[n])
        return dx


class Conv2D(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding

        # He initialization
        self.W = np.random.randn(
            out_channels, in_channels, kernel_size, kernel_size
        ) * np.sqrt(2.0 / (in_channels * kernel_size * kernel_size))
        self.b = np.zeros(out_channels)
        self.cache = None

    def forward(self, x):
        """
        Naive convolution: four nested loops over (sample, filter, output row, output column).

        x : (N, C_in, H, W) -> out : (N, C_out, H', W'), H' = (H + 2p - kH) // s + 1.
        kH, kW come from self.W.shape (non-square kernels work too).
        """
        N, C, H, W = x.shape
        F, C_in, kh, kw = self.W.shape
        if C != C_in:
            raise ValueError(f"Conv2D expects {C_in} input channels, got x of shape {x.shape}")
        s, p = self.stride, self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode="constant")
        Ho = (H + 2 * p - kh) // s + 1
        Wo = (W + 2 * p - kw) // s + 1
        if Ho < 1 or Wo < 1:
            raise ValueError(f"kernel {kh}x{kw} does not fit input {H}x{W} with padding {p}")
        out = np.zeros((N, F, Ho, Wo))
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        window = xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                        out[n, f, i, j] = np.sum(window * self.W[f]) + self.b[f]
        self.cache = (x.shape, xp)
        return out

    def backward(self, dout):
        """
        The same four loops: each output gradient g = dout[n, f, i, j] adds g * window to
        dW[f], g to db[f] and g * W[f] to the window of the padded dx; the padding is dropped
        at the end.
        """
        (N, C, H, W), xp = self.cache
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        _, _, Ho, Wo = dout.shape
        dxp = np.zeros(xp.shape)
        dW = np.zeros(self.W.shape)
        db = np.zeros(F)
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        g = dout[n, f, i, j]
                        window = xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                        dW[f] += g * window
                        db[f] += g
                        dxp[n, :, i * s:i * s + kh, j * s:j * s + kw] += g * self.W[f]
        self.dW = dW
        self.db = db
        return dxp[:, :, p:p + H, p:p + W]

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class MaxPool2D(Layer):
    def __init__(self, kernel_size, stride=None):
        self.kernel_size = kernel_size
        self.stride = stride if stride else kernel_size
        self.cache = None

    def forward(self, x):
        """
        Four nested loops over (sample, channel, output row, output column).
        out : (N, C, H', W'), H' = (H - k) // stride + 1. The position of each window's
        first maximum (row-major, what np.argmax returns) is kept for backward.
        """
        N, C, H, W = x.shape
        k, s = self.kernel_size, self.stride
        Ho = (H - k) // s + 1
        Wo = (W - k) // s + 1
        out = np.zeros((N, C, Ho, Wo))
        argmax = np.zeros((N, C, Ho, Wo, 2), dtype=int)
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        window = x[n, c, i * s:i * s + k, j * s:j * s + k]
                        r, q = np.unravel_index(np.argmax(window), window.shape)
                        out[n, c, i, j] = window[r, q]
                        argmax[n, c, i, j] = (i * s + r, j * s + q)
        self.cache = (x.shape, argmax)
        return out

    def backward(self, dout):
        """Each window's gradient goes to its first maximum; overlapping windows add up."""
        x_shape, argmax = self.cache
        N, C, Ho, Wo = dout.shape
        dx = np.zeros(x_shape)
        for n in range(N):
            for c in range(C):
                for i in range(Ho):
                    for j in range(Wo):
                        r, q = argmax[n, c, i, j]
                        dx[n, c, r, q] += dout[n, c, i, j]
        return dx


class Flatten(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.cache)
