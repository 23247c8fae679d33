"""Trusted layer objects for the runs the suites train themselves, on top of the oracles.

They have the course layers' interface (forward, backward, the parameter attributes and
their gradients: W/dW, b/db, gamma/dgamma, beta/dbeta), so one training loop can drive
either the learner's layers through the proxy or these; they are also the vectorised layers
a learner's are timed against when a learning check runs out of time (budget.py). BatchNorm2D is the training-mode
layer only (batch statistics; the runs here never switch to eval mode), Conv2D stride 1
only: what the runs need. The suites never import reference/.
"""
import numpy as np

from . import oracles


class Conv2D:
    """Stride-1 convolution as one matrix product over the sliding windows, gathered once
    per forward (a loop over kernel offsets, oracles.conv2d, costs a call per offset: too
    slow for training runs); dx as the full correlation of dout with the flipped kernel.
    The project's tests hold it to oracles.conv2d and oracles.conv2d_backward."""

    def __init__(self, W, b, padding=0):
        self.W, self.b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        self.padding = padding

    @staticmethod
    def _rows(x, k):
        """(N·H'·W', C·k·k): one row per output position, its window flattened."""
        win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
        N, C, Ho, Wo = win.shape[:4]
        return win.transpose(0, 2, 3, 1, 4, 5).reshape(N * Ho * Wo, C * k * k), (N, Ho, Wo)

    def forward(self, x):
        p, (F, _, k, _) = self.padding, self.W.shape
        self.rows, (N, Ho, Wo) = self._rows(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))), k)
        out = self.rows @ self.W.reshape(F, -1).T + self.b
        return out.reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)

    def backward(self, dout):
        p, (F, C, k, _) = self.padding, self.W.shape
        d = dout.transpose(0, 2, 3, 1).reshape(-1, F)
        self.dW = (d.T @ self.rows).reshape(self.W.shape)
        self.db = dout.sum(axis=(0, 2, 3))
        full, (N, Hp, Wp) = self._rows(np.pad(dout, ((0, 0), (0, 0), (k - 1, k - 1),
                                                     (k - 1, k - 1))), k)
        flipped = self.W[:, :, ::-1, ::-1].transpose(0, 2, 3, 1).reshape(F * k * k, C)
        dxp = (full @ flipped).reshape(N, Hp, Wp, C).transpose(0, 3, 1, 2)
        return dxp[:, :, p:Hp - p, p:Wp - p]        # the padded input's gradient, cropped


class BatchNorm2D:
    """Training mode: normalises with the batch's own (biased) statistics."""

    def __init__(self, gamma, beta, eps=1e-5):
        self.gamma = np.array(gamma, dtype=np.float64)
        self.beta = np.array(beta, dtype=np.float64)
        self.eps = eps

    def forward(self, x):
        self.x = x
        return oracles.bn_train(x, self.gamma, self.beta, self.eps)

    def backward(self, dout):
        dx, self.dgamma, self.dbeta = oracles.bn_train_backward(self.x, self.gamma, dout,
                                                                self.eps)
        return dx


class ReLU:
    def forward(self, x):
        self.mask = x > 0
        return np.where(self.mask, x, 0.0)

    def backward(self, dout):
        return np.where(self.mask, dout, 0.0)


class MainPath:
    """A BasicBlock's main path without the shortcut, conv1 → bn1 → relu1 → conv2 → bn2 →
    relu2 (3x3 convolutions, padding 1, stride 1), from parameters P = {"conv1.W": ..., ...}:
    the sub-layers under the names BasicBlock.__init__ gives them."""

    def __init__(self, P):
        self.conv1 = Conv2D(P["conv1.W"], P["conv1.b"], padding=1)
        self.bn1 = BatchNorm2D(P["bn1.gamma"], P["bn1.beta"])
        self.relu1 = ReLU()
        self.conv2 = Conv2D(P["conv2.W"], P["conv2.b"], padding=1)
        self.bn2 = BatchNorm2D(P["bn2.gamma"], P["bn2.beta"])
        self.relu2 = ReLU()


class MaxPool2x2:
    """2x2 max-pooling, stride 2, on even H and W (the U-Net's and LeNet's): the windows
    are a reshape; the gradient goes to each window's first maximum."""

    def forward(self, x):
        N, C, H, W = x.shape
        win = x.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5)
        self.shape, self.arg = x.shape, win.reshape(N, C, H // 2, W // 2, 4).argmax(axis=-1)
        return win.max(axis=(-2, -1))

    def backward(self, dout):
        N, C, H, W = self.shape
        d = np.zeros((N, C, H // 2, W // 2, 4))
        np.put_along_axis(d, self.arg[..., None], dout[..., None], axis=-1)
        return d.reshape(N, C, H // 2, W // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(self.shape)


class FullyConnected:
    def __init__(self, W, b):
        self.W, self.b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        self.dW, self.db = self.x.T @ dout, dout.sum(axis=0)
        return dout @ self.W.T


class UpsampleNearest2x:
    def forward(self, x):
        return x.repeat(2, axis=2).repeat(2, axis=3)

    def backward(self, dout):
        N, C, H, W = dout.shape
        return dout.reshape(N, C, H // 2, 2, W // 2, 2).sum(axis=(3, 5))
