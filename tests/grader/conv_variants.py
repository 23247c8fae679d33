"""Conv2D implementations an honest learner might write, for the fairness tests: each must
pass every required check within the default time limits (a loop over output positions) or
fail only for time, with a message saying why (four nested loops)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = "module5/layers.py"

CONV_INIT = '''    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.W = np.random.randn(
            out_channels, in_channels, kernel_size, kernel_size
        ) * np.sqrt(2.0 / (in_channels * kernel_size * kernel_size))
        self.b = np.zeros(out_channels)
        self.cache = None
'''

POSITIONS_CONV2D = '''class Conv2D(Layer):
    """Loops over output positions; vectorised over the batch and the channels (no im2col)."""

''' + CONV_INIT + '''
    def forward(self, x):
        N, C, H, W = x.shape
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        out = np.empty((N, F, Ho, Wo))
        Wf = self.W.reshape(F, -1)
        for i in range(Ho):
            for j in range(Wo):
                patch = xp[:, :, i * s:i * s + kh, j * s:j * s + kw].reshape(N, -1)
                out[:, :, i, j] = patch @ Wf.T + self.b
        self.cache = (x.shape, xp)
        return out

    def backward(self, dout):
        (N, C, H, W), xp = self.cache
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        Ho, Wo = dout.shape[2], dout.shape[3]
        dxp = np.zeros_like(xp)
        dW = np.zeros_like(self.W)
        for i in range(Ho):
            for j in range(Wo):
                d = dout[:, :, i, j]
                dW += np.tensordot(d, xp[:, :, i * s:i * s + kh, j * s:j * s + kw], axes=(0, 0))
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.tensordot(d, self.W, axes=(1, 0))
        self.dW = dW
        self.db = dout.sum(axis=(0, 2, 3))
        return dxp[:, :, p:p + H, p:p + W]

    def get_params_and_grads(self):
        return [(self.W, self.dW), (self.b, self.db)]


'''

FOUR_LOOP_CONV2D = '''class Conv2D(Layer):
    """Four nested Python loops (sample, filter, row, column); only the window sum is numpy."""

''' + CONV_INIT + '''
    def forward(self, x):
        N, C, H, W = x.shape
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        out = np.zeros((N, F, Ho, Wo))
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        out[n, f, i, j] = np.sum(xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                                                 * self.W[f]) + self.b[f]
        self.cache = (x.shape, xp)
        return out

    def backward(self, dout):
        (N, C, H, W), xp = self.cache
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        Ho, Wo = dout.shape[2], dout.shape[3]
        dxp = np.zeros_like(xp)
        dW = np.zeros_like(self.W)
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        g = dout[n, f, i, j]
                        dW[f] += g * xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                        dxp[n, :, i * s:i * s + kh, j * s:j * s + kw] += g * self.W[f]
        self.dW = dW
        self.db = dout.sum(axis=(0, 2, 3))
        return dxp[:, :, p:p + H, p:p + W]

    def get_params_and_grads(self):
        return [(self.W, self.dW), (self.b, self.db)]


'''


def with_conv2d(mutant, implementation):
    """A copy of the reference whose Conv2D class is `implementation`."""
    text = (ROOT / "reference" / LAYERS).read_text(encoding="utf-8")
    old = text[text.index("class Conv2D(Layer):"):text.index("class MaxPool2D(Layer):")]
    return mutant((LAYERS, old, implementation))
