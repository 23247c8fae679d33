import numpy as np


class ConvTranspose2D:
    """
    Transposed convolution (反卷積，選做), PyTorch's conv_transpose2d semantics.

    Every input pixel scatters a copy of the kernel, scaled by its value, into the output:
        Y[n, :, i*s : i*s+k, j*s : j*s+k] += x[n, c, i, j] * W[c, :, :, :]
    then `padding` rows/columns are cropped from each border.
    Output size: H_out = (H - 1) * stride - 2 * padding + kernel_size + output_padding.
    Its forward is the input-gradient (backward) of Conv2D with the same weights, and its
    backward is an ordinary convolution.
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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C_in, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C_out, H_out, W_out)
        """
        N, C_in, H, W = x.shape
        _, C_out, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        H_full = (H - 1) * s + kh + self.output_padding
        W_full = (W - 1) * s + kw + self.output_padding
        H_out, W_out = H_full - 2 * p, W_full - 2 * p
        if H_out < 1 or W_out < 1:
            raise ValueError(f"padding {p} leaves no output for input {H}x{W}")
        Y = np.zeros((N, C_out, H_full, W_full), dtype=np.result_type(x, self.W))
        # One strided slice-add per kernel offset (a, c): every input pixel (i, j) lands at
        # (i*s + a, j*s + c) weighted by W[:, :, a, c].
        for a in range(kh):
            for c in range(kw):
                Y[:, :, a:a + s * (H - 1) + 1:s, c:c + s * (W - 1) + 1:s] += \
                    np.einsum("nihw,io->nohw", x, self.W[:, :, a, c])
        self.cache = (x, (H_full, W_full))
        return Y[:, :, p:p + H_out, p:p + W_out] + self.b[None, :, None, None]

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H_out, W_out)

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)

        Also computes self.dW and self.db
        """
        x, (H_full, W_full) = self.cache
        N, C_in, H, W = x.shape
        _, C_out, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        dY = np.zeros((N, C_out, H_full, W_full), dtype=dout.dtype)
        dY[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout
        dx = np.zeros_like(x, dtype=dout.dtype)
        self.dW = np.zeros_like(self.W)
        # The adjoint of the scatter is a gather: a strided convolution of dY.
        for a in range(kh):
            for c in range(kw):
                patch = dY[:, :, a:a + s * (H - 1) + 1:s, c:c + s * (W - 1) + 1:s]
                dx += np.einsum("nohw,io->nihw", patch, self.W[:, :, a, c])
                self.dW[:, :, a, c] = np.einsum("nihw,nohw->io", x, patch)
        self.db = dout.sum(axis=(0, 2, 3))
        return dx

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]
