"""ConvTranspose2D of the naive loop-style tree used by the fairness tests: every input pixel
scatters the kernel into the output in a loop; backward gathers it back in the same loops."""
import numpy as np


class ConvTranspose2D:
    """
    Transposed convolution (反卷積，選做), PyTorch's conv_transpose2d semantics.

    Every input pixel scatters a copy of the kernel, scaled by its value, into the output:
        Y[n, :, i*s : i*s+k, j*s : j*s+k] += x[n, c, i, j] * W[c, :, :, :]
    then `padding` rows/columns are cropped from each border.
    Output size: H_out = (H - 1) * stride - 2 * padding + kernel_size + output_padding.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0):
        if not 0 <= output_padding < max(stride, 1):
            raise ValueError("output_padding must be smaller than stride")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.output_padding = output_padding

        # weight layout (C_in, C_out, k, k), as in PyTorch
        self.W = np.random.randn(
            in_channels, out_channels, kernel_size, kernel_size
        ) * np.sqrt(2.0 / (in_channels * kernel_size * kernel_size))
        self.b = np.zeros(out_channels)
        self.cache = None

    def forward(self, x):
        """x : (N, C_in, H, W) -> out : (N, C_out, H_out, W_out)."""
        N, C_in, H, W = x.shape
        _, C_out, kh, kw = self.W.shape
        s, p, op = self.stride, self.padding, self.output_padding
        H_full = (H - 1) * s + kh + op
        W_full = (W - 1) * s + kw + op
        H_out, W_out = H_full - 2 * p, W_full - 2 * p
        if H_out < 1 or W_out < 1:
            raise ValueError(f"padding {p} leaves no output for input {H}x{W}")
        Y = np.zeros((N, C_out, H_full, W_full))
        for n in range(N):
            for c in range(C_in):
                for i in range(H):
                    for j in range(W):
                        Y[n, :, i * s:i * s + kh, j * s:j * s + kw] += x[n, c, i, j] * self.W[c]
        out = Y[:, :, p:p + H_out, p:p + W_out].copy()
        for o in range(C_out):
            out[:, o] += self.b[o]
        self.cache = (x, H_full, W_full)
        return out

    def backward(self, dout):
        """
        dout : (N, C_out, H_out, W_out) -> dx : (N, C_in, H, W); also self.dW, self.db.

        dout is put back into the uncropped output, then each input pixel (n, c, i, j) reads
        its k x k block: dx[n, c, i, j] = sum(block * W[c]) and dW[c] += x[n, c, i, j] * block.
        """
        x, H_full, W_full = self.cache
        N, C_in, H, W = x.shape
        _, C_out, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        dY = np.zeros((N, C_out, H_full, W_full))
        dY[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout
        dx = np.zeros(x.shape)
        dW = np.zeros(self.W.shape)
        for n in range(N):
            for c in range(C_in):
                for i in range(H):
                    for j in range(W):
                        block = dY[n, :, i * s:i * s + kh, j * s:j * s + kw]
                        dx[n, c, i, j] = np.sum(block * self.W[c])
                        dW[c] += x[n, c, i, j] * block
        db = np.zeros(C_out)
        for n in range(N):
            for o in range(C_out):
                db[o] += np.sum(dout[n, o])
        self.dW = dW
        self.db = db
        return dx

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]
