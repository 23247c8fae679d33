import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, D)

        Returns
        -------
        out : np.ndarray, shape (N, M)
            out = x @ W + b
        """
        self.cache = x
        return x @ self.W + self.b

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, M)
            Gradient of loss w.r.t. output

        Returns
        -------
        dx : np.ndarray, shape (N, D)
            dx = dout @ W.T;  dW = x.T @ dout  (D, M);  db = sum of dout over the batch  (M,)
        """
        x = self.cache
        self.dW = x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class ReLU(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        """out = max(0, x), elementwise."""
        self.cache = x > 0
        return np.where(self.cache, x, 0.0)

    def backward(self, dout):
        """dx = dout where x > 0, else 0 (the subgradient at 0 is taken as 0)."""
        return np.where(self.cache, dout, 0.0)


class Sigmoid(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        """
        sigmoid(x) = 1 / (1 + exp(-x)), elementwise.
        Must not overflow for large |x| (e.g. x = ±1000).
        """
        # exp(-|x|) lies in (0, 1], so neither branch can overflow:
        # x >= 0: 1 / (1 + e^{-x});   x < 0: e^{x} / (1 + e^{x}).
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        self.cache = out
        return out

    def backward(self, dout):
        """dx = dout * σ(x) * (1 - σ(x)), using the σ(x) kept by forward."""
        s = self.cache
        return dout * s * (1.0 - s)


def _windows(x, kh, kw, stride):
    """View of every (kh, kw) window of x (N, C, H, W), taken with the given stride.

    Returns a read-only view of shape (N, C, H', W', kh, kw); nothing is copied.
    """
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _add_windows(dx, dwin, stride):
    """Adjoint of `_windows`: add every window's gradient back where the window came from.

    dx : (N, C, H, W) accumulator;  dwin : (N, C, H', W', kh, kw).
    One slice-add per kernel offset (kh*kw of them) instead of a loop over pixels;
    overlapping windows (stride < kernel) accumulate, as the chain rule requires.
    """
    _, _, Ho, Wo, kh, kw = dwin.shape
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride] += dwin[..., i, j]
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
        Parameters
        ----------
        x : np.ndarray, shape (N, C_in, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C_out, H', W')

        H' = (H + 2*padding - kH) // stride + 1, likewise W'.
        Read kH, kW from self.W.shape: the grader also sets non-square kernels.

        im2col: every window becomes a row of `cols` (N*H'*W', C_in*kH*kW), and the whole
        convolution is one matrix product with the kernels flattened to (C_out, C_in*kH*kW):
            out[n, o, i, j] = b[o] + sum_{c,p,q} W[o, c, p, q] * xp[n, c, i*s + p, j*s + q]
        """
        N, C, H, W = x.shape
        C_out, C_in, kh, kw = self.W.shape
        if C != C_in:
            raise ValueError(f"Conv2D expects {C_in} input channels, got x of shape {x.shape}")
        p, s = self.padding, self.stride
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        win = _windows(xp, kh, kw, s)                      # (N, C, H', W', kh, kw)
        Ho, Wo = win.shape[2], win.shape[3]
        if Ho < 1 or Wo < 1:
            raise ValueError(f"kernel {kh}x{kw} does not fit input {H}x{W} with padding {p}")
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * kh * kw)
        out = cols @ self.W.reshape(C_out, -1).T + self.b  # (N*H'*W', C_out)
        self.cache = (x.shape, xp.shape, cols)
        return out.reshape(N, Ho, Wo, C_out).transpose(0, 3, 1, 2)

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)

        Index form (xp is the padded input, s the stride):
            dW[o, c, p, q] = sum_{n,i,j} dout[n, o, i, j] * xp[n, c, i*s + p, j*s + q]
            db[o]          = sum_{n,i,j} dout[n, o, i, j]
            dxp[n, c, u, v] = sum_{o,i,j : i*s+p=u, j*s+q=v} dout[n, o, i, j] * W[o, c, p, q]
        dW correlates the input with dout; dxp is the full convolution of the (stride-dilated)
        dout with the flipped kernel. With im2col both are matrix products, and col2im puts
        each column back under its window (overlaps add up); dx drops the padding.
        """
        x_shape, xp_shape, cols = self.cache
        N, C, H, W = x_shape
        C_out, _, kh, kw = self.W.shape
        p = self.padding
        Ho, Wo = dout.shape[2], dout.shape[3]
        dout_rows = dout.transpose(0, 2, 3, 1).reshape(N * Ho * Wo, C_out)
        self.dW = (dout_rows.T @ cols).reshape(self.W.shape)
        self.db = dout_rows.sum(axis=0)
        dcols = dout_rows @ self.W.reshape(C_out, -1)     # (N*H'*W', C*kh*kw)
        dwin = dcols.reshape(N, Ho, Wo, C, kh, kw).transpose(0, 3, 1, 2, 4, 5)
        dxp = _add_windows(np.zeros(xp_shape, dtype=dcols.dtype), dwin, self.stride)
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
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C, H', W'),  H' = (H - k) // stride + 1

        Windows may overlap (stride < kernel_size). When a window holds its
        maximum more than once, the gradient goes to the first one (row-major).
        """
        k = self.kernel_size
        win = _windows(x, k, k, self.stride)               # (N, C, H', W', k, k)
        flat = win.reshape(*win.shape[:4], k * k)
        # argmax returns the first maximum in row-major window order: PyTorch's tie rule.
        arg = flat.argmax(axis=-1)
        self.cache = (x.shape, arg)
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    def backward(self, dout):
        """Each window's gradient goes to its (first) maximum; other positions get 0.
        Overlapping windows that share a maximum add their gradients there."""
        x_shape, arg = self.cache
        k = self.kernel_size
        dwin = np.zeros((*arg.shape, k * k), dtype=dout.dtype)
        np.put_along_axis(dwin, arg[..., None], dout[..., None], axis=-1)
        dwin = dwin.reshape(*arg.shape, k, k)
        return _add_windows(np.zeros(x_shape, dtype=dout.dtype), dwin, self.stride)


class Flatten(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.cache)
