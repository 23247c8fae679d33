import numpy as np


def _scatter(x, W, stride, full_shape):
    """The transposed convolution before cropping: every input pixel scatters its kernel.

    Textbook form (s the stride):
        Y[n, o, i*s + a, j*s + c] += sum_ci x[n, ci, i, j] * W[ci, o, a, c]   for all i, j, a, c

    Parameters
    ----------
    x : np.ndarray, shape (N, C_in, H, W)
    W : np.ndarray, shape (C_in, C_out, kH, kW)
    stride : int
    full_shape : tuple of int, (H_full, W_full)
        At least ((H - 1) * s + kH, (W - 1) * s + kW); rows and columns beyond that
        (output_padding) receive nothing.

    Returns
    -------
    Y : np.ndarray, shape (N, C_out, H_full, W_full)
    """
    N, _, H, Wx = x.shape
    _, C_out, kh, kw = W.shape
    s = stride
    Y = np.zeros((N, C_out, *full_shape), dtype=np.result_type(x, W))
    x_rows = x.reshape(N, -1, H * Wx)                      # each sample's (C_in, H*W)
    # One strided slice-add per kernel offset (a, c) instead of one kernel copy per input
    # pixel: the offsets are few, the pixels many. Offset (a, c) of pixel (i, j) lands at
    # (i*s + a, j*s + c), so all of them form one strided slice of Y, and the sum over ci
    # is one matrix product per sample: W[:, :, a, c]^T (C_out, C_in) times its x_rows.
    for a in range(kh):
        for c in range(kw):
            Y[:, :, a:a + s * (H - 1) + 1:s, c:c + s * (Wx - 1) + 1:s] += \
                np.matmul(W[:, :, a, c].T, x_rows).reshape(N, C_out, H, Wx)
    return Y


def _scatter_adjoint(dY, x, W, stride):
    """Gradients of `_scatter`: the adjoint of a scatter is a gather, a strided convolution.

        dx[n, ci, i, j]  = sum_{o,a,c} dY[n, o, i*s + a, j*s + c] * W[ci, o, a, c]
        dW[ci, o, a, c]  = sum_{n,i,j} x[n, ci, i, j] * dY[n, o, i*s + a, j*s + c]

    Parameters
    ----------
    dY : np.ndarray, shape (N, C_out, H_full, W_full)
        Gradient w.r.t. the uncropped output Y.
    x : np.ndarray, shape (N, C_in, H, W)
        The input of the forward pass.
    W : np.ndarray, shape (C_in, C_out, kH, kW)
    stride : int

    Returns
    -------
    dx : np.ndarray, shape (N, C_in, H, W)
    dW : np.ndarray, shape (C_in, C_out, kH, kW)
    """
    N, C_in, H, Wx = x.shape
    _, C_out, kh, kw = W.shape
    s = stride
    x_rows = x.reshape(N, C_in, H * Wx)
    dx = np.zeros((N, C_in, H * Wx), dtype=np.result_type(dY, W))
    dW = np.zeros_like(W)
    # The same strided slices as `_scatter`, read instead of written; the sums over o and
    # over (n, i, j) are matrix products with each sample's (C_out, H*W) patch.
    for a in range(kh):
        for c in range(kw):
            patch = dY[:, :, a:a + s * (H - 1) + 1:s, c:c + s * (Wx - 1) + 1:s]
            patch = patch.reshape(N, C_out, H * Wx)            # a copy: the slice is strided
            dx += np.matmul(W[:, :, a, c], patch)
            dW[:, :, a, c] = np.matmul(x_rows, patch.transpose(0, 2, 1)).sum(axis=0)
    return dx.reshape(x.shape), dW


class ConvTranspose2D:
    """
    Transposed convolution (反卷積，選做), PyTorch's conv_transpose2d semantics.

    Every input pixel scatters a copy of the kernel, scaled by its value, into the output:
        Y[n, :, i*s : i*s+k, j*s : j*s+k] += x[n, c, i, j] * W[c, :, :, :]
    then `padding` rows/columns are cropped from each border.
    Output size: H_out = (H - 1) * stride - 2 * padding + kernel_size + output_padding.
    Its forward is the input-gradient (backward) of Conv2D with the same weights, and its
    backward is an ordinary convolution.

    Parameters
    ----------
    in_channels : int
        C_in.
    out_channels : int
        C_out.
    kernel_size : int
        k.
    stride : int
    padding : int
        Rows / columns cropped from every border of the full output.
    output_padding : int
        Extra rows / columns at the bottom and right (0 <= output_padding < stride), to
        pick one of the input sizes a strided Conv2D maps to the same output size.

    Attributes
    ----------
    W : np.ndarray, shape (C_in, C_out, k, k)
        Layout as in PyTorch; starts as N(0, 2 / (C_in * k * k)).
    b : np.ndarray, shape (C_out,)
    dW, db : np.ndarray, shapes (C_in, C_out, k, k) and (C_out,)
        Set by backward.
    cache : tuple
        (x, (H_full, W_full)) of the last forward.

    Raises
    ------
    ValueError
        If output_padding is not smaller than stride.
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
            H_out = (H - 1) * stride - 2 * padding + k + output_padding, likewise W_out:
            the scattered kernels (`_scatter`), cropped by padding, plus the bias.

        Raises
        ------
        ValueError
            If the padding leaves no output.
        """
        N, C_in, H, W = x.shape
        _, C_out, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        H_full = (H - 1) * s + kh + self.output_padding
        W_full = (W - 1) * s + kw + self.output_padding
        H_out, W_out = H_full - 2 * p, W_full - 2 * p
        if H_out < 1 or W_out < 1:
            raise ValueError(f"padding {p} leaves no output for input {H}x{W}")
        Y = _scatter(x, self.W, s, (H_full, W_full))
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

        Notes
        -----
        The crop's adjoint pads dout back with zeros to the full (H_full, W_full); the
        scatter's adjoint (`_scatter_adjoint`) gives dx and dW; db sums dout over (0, 2, 3).
        """
        x, (H_full, W_full) = self.cache
        N, C_out = x.shape[0], self.W.shape[1]
        s, p = self.stride, self.padding
        dY = np.zeros((N, C_out, H_full, W_full), dtype=dout.dtype)
        dY[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout
        dx, self.dW = _scatter_adjoint(dY, x, self.W, s)
        self.db = dout.sum(axis=(0, 2, 3))
        return dx

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            [(W, dW), (b, db)], shapes (C_in, C_out, k, k) and (C_out,): the live arrays.
        """
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]
