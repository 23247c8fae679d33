import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


class Layer:
    """Base class for layers.

    A layer is one node of the computation graph. `forward(x)` computes the output and keeps
    in `self.cache` what `backward` will need; `backward(dout)` receives dL/d(out), of the
    output's shape, stores the gradients of the layer's own parameters (e.g. `self.dW`,
    `self.db`, each of its parameter's shape) and returns dL/dx, of x's shape.
    """
    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray
            The layer's input, e.g. shape (N, D) or (N, C, H, W).

        Returns
        -------
        out : np.ndarray
            The layer's output.
        """
        raise NotImplementedError

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray
            Gradient of the loss w.r.t. the output of the last forward, of its shape.

        Returns
        -------
        dx : np.ndarray
            Gradient of the loss w.r.t. that forward's input x, of x's shape.
        """
        raise NotImplementedError

    def get_params_and_grads(self):
        """List of (param, grad) pairs: the live arrays. Layers without parameters return [].

        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            Each grad has the shape of its param. An optimizer changes param in place, so
            these must be the layer's own arrays, not copies.
        """
        return []


class FullyConnected(Layer):
    """Fully connected (affine) layer: out = x @ W + b.

    Parameters
    ----------
    in_features : int
        D, the length of each input row.
    out_features : int
        M, the length of each output row.

    Attributes
    ----------
    W : np.ndarray, shape (D, M)
        Starts as N(0, 2 / D).
    b : np.ndarray, shape (M,)
        Starts at zero.
    dW, db : np.ndarray, shapes (D, M) and (M,)
        Set by backward.
    cache : np.ndarray, shape (N, D)
        The input of the last forward.
    """

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
            dx = dout @ W.T

        Also computes self.dW, shape (D, M): dW = x.T @ dout, and self.db, shape (M,): the
        sum of dout over the batch.
        """
        x = self.cache
        self.dW = x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            [(W, dW), (b, db)]: the layer's own arrays, which the optimizer updates in
            place, with the gradients of the last backward (same shapes as W and b).
        """
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class ReLU(Layer):
    """Rectified linear unit, elementwise: any input shape, e.g. (N, D) or (N, C, H, W).

    Attributes
    ----------
    cache : np.ndarray of bool, the input's shape
        The mask x > 0 of the last forward.
    """

    def __init__(self):
        self.cache = None

    def forward(self, x):
        """out = max(0, x), elementwise.

        Parameters
        ----------
        x : np.ndarray, any shape, e.g. (N, D) or (N, C, H, W)

        Returns
        -------
        out : np.ndarray, the shape of x
        """
        # Two single passes, np.maximum and (in backward) a product with the mask: for finite
        # numbers the same as np.where(mask, x, 0.0), which takes four times as long.
        self.cache = x > 0
        return np.maximum(x, 0.0)

    def backward(self, dout):
        """dx = dout where x > 0, else 0 (the subgradient at 0 is taken as 0).

        Parameters
        ----------
        dout : np.ndarray, the shape of the last forward's x

        Returns
        -------
        dx : np.ndarray, the shape of x
        """
        return dout * self.cache


class Sigmoid(Layer):
    """Logistic sigmoid, elementwise: any input shape, e.g. (N, D) or (N, C, H, W).

    Attributes
    ----------
    cache : np.ndarray, the input's shape
        σ(x) of the last forward: the backward needs only the output.
    """

    def __init__(self):
        self.cache = None

    def forward(self, x):
        """
        sigmoid(x) = 1 / (1 + exp(-x)), elementwise.
        Must not overflow for large |x| (e.g. x = ±1000).

        Parameters
        ----------
        x : np.ndarray, any shape, e.g. (N, D) or (N, C, H, W)

        Returns
        -------
        out : np.ndarray, the shape of x, values in [0, 1]
        """
        # exp(-|x|) lies in (0, 1], so neither branch can overflow:
        # x >= 0: 1 / (1 + e^{-x});   x < 0: e^{x} / (1 + e^{x}).
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))
        self.cache = out
        return out

    def backward(self, dout):
        """dx = dout * σ(x) * (1 - σ(x)), using the σ(x) kept by forward.

        Parameters
        ----------
        dout : np.ndarray, the shape of the last forward's x

        Returns
        -------
        dx : np.ndarray, the shape of x
        """
        s = self.cache
        return dout * s * (1.0 - s)


def _windows(x, kh, kw, stride):
    """View of every (kh, kw) window of x (N, C, H, W), taken with the given stride.

        win[n, c, i, j, p, q] = x[n, c, i*stride + p, j*stride + q]

    Parameters
    ----------
    x : np.ndarray, shape (N, C, H, W)
    kh, kw : int
        Window height and width (at most H and W).
    stride : int

    Returns
    -------
    win : np.ndarray, shape (N, C, H', W', kh, kw)
        H' = (H - kh) // stride + 1, likewise W'. A read-only view; nothing is copied.
    """
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _add_windows(dx, dwin, stride):
    """Adjoint of `_windows`: add every window's gradient back where the window came from.

        dx[n, c, i*stride + p, j*stride + q] += dwin[n, c, i, j, p, q]   for all i, j, p, q

    Overlapping windows (stride < kernel) accumulate, as the chain rule requires.

    Parameters
    ----------
    dx : np.ndarray, shape (N, C, H, W), C-contiguous
        Accumulator, changed in place (usually zeros).
    dwin : np.ndarray, shape (N, C, H', W', kh, kw)
        One gradient per window element, laid out as `_windows` returns them.
    stride : int

    Returns
    -------
    dx : np.ndarray, shape (N, C, H, W)
        The same array, for chaining.
    """
    # One add per kernel offset (kh*kw of them) instead of a loop over pixels: the offsets
    # are few, the pixels many. The textbook add, into dx's strided slice, is
    #     dx[:, :, i:i + stride*H':stride, j:j + stride*W':stride] += dwin[..., i, j]
    # Here offset (i, j)'s gradients are first copied to their windows' corners (every
    # stride-th row and column, zeros elsewhere) of an array shaped like dx; flattened, the
    # offset is then a shift by i*W + j, and the add one contiguous run, which numpy does
    # about 4x faster than a strided one. A window never crosses its image's right or bottom
    # edge, so nothing but zeros shifts into the next row or image, or off the end.
    if not dx.flags.c_contiguous:
        raise ValueError("_add_windows adds through a flat view of dx: dx must be contiguous")
    _, _, Ho, Wo, kh, kw = dwin.shape
    W = dx.shape[3]
    corners = np.zeros(dx.shape, dtype=dx.dtype)
    at_corners = corners[:, :, :stride * Ho:stride, :stride * Wo:stride]
    flat_dx, flat_corners = dx.reshape(-1), corners.reshape(-1)      # views, not copies
    for i in range(kh):
        for j in range(kw):
            np.copyto(at_corners, dwin[..., i, j])
            shift = i * W + j
            flat_dx[shift:] += flat_corners[:flat_dx.size - shift]
    return dx


# The batch goes through im2col a few samples at a time, about this many numbers of columns
# at once (1 MiB of float64): a chunk's columns are still in the CPU's cache when the matrix
# product reads them, instead of one matrix of the whole batch written to memory and read back.
CHUNK = 2 ** 17


def _chunks(N, per_sample):
    """Consecutive slices of a batch, each of about CHUNK numbers (at least one sample).

    Parameters
    ----------
    N : int
        Samples in the batch: the first axis of an array of shape (N, C, H, W).
    per_sample : int
        Numbers one sample takes (e.g. its columns: C*kh*kw*H'*W').

    Returns
    -------
    chunks : list of slice
        slice(0, n), slice(n, 2n), ... up to N.
    """
    step = max(1, CHUNK // per_sample)
    return [slice(n, min(n + step, N)) for n in range(0, N, step)]


def _columns(xp, kh, kw, stride, Ho, Wo):
    """The im2col matrix of xp (N, C, H, W), a chunk of the batch at a time.

        cols[n, (c, p, q), (i, j)] = xp[n0 + n, c, i*stride + p, j*stride + q]

    Parameters
    ----------
    xp : np.ndarray, shape (N, C, H, W)
    kh, kw, stride : int
    Ho, Wo : int
        The windows in each direction: (H - kh) // stride + 1 and likewise (or fewer).

    Yields
    ------
    (rows, cols) : (slice, np.ndarray of shape (n, C*kh*kw, Ho*Wo))
        The chunk's samples n0 .. n0+n-1 and their columns, the (c, p, q) axis in the order of
        W.reshape(C_out, -1). One buffer serves every chunk: use it (or overwrite it) before
        the next.
    """
    N, C = xp.shape[:2]
    chunks = _chunks(N, C * kh * kw * Ho * Wo)
    buf = np.empty((chunks[0].stop, C, kh, kw, Ho, Wo), dtype=xp.dtype)
    # Window element (p, q) of every window is the strided slice xp[:, :, p::stride, q::stride];
    # the view puts those slices side by side, so one copy per chunk writes all kh*kw of them
    # (one numpy call instead of kh*kw).
    win = _windows(xp, kh, kw, stride)[:, :, :Ho, :Wo].transpose(0, 1, 4, 5, 2, 3)
    for rows in chunks:
        cols = buf[:rows.stop - rows.start]
        np.copyto(cols, win[rows])
        yield rows, cols.reshape(len(cols), C * kh * kw, Ho * Wo)


def _correlate(xp, K, kh, kw, stride):
    """out[n, o, i, j] = sum_{c,p,q} K[o, (c, p, q)] * xp[n, c, i*stride + p, j*stride + q]

    A convolution layer's forward without its bias, as matrix products with the columns.

    Parameters
    ----------
    xp : np.ndarray, shape (N, C, H, W)
    K : np.ndarray, shape (O, C*kh*kw)
    kh, kw, stride : int

    Returns
    -------
    out : np.ndarray, shape (N, O, H', W'), H' = (H - kh) // stride + 1, likewise W'
    """
    N, Ho, Wo = xp.shape[0], (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
    out = np.empty((N, K.shape[0], Ho * Wo), dtype=np.result_type(xp, K))
    for rows, cols in _columns(xp, kh, kw, stride, Ho, Wo):
        np.matmul(K, cols, out=out[rows])
    return out.reshape(N, K.shape[0], Ho, Wo)


class Conv2D(Layer):
    """2-D convolution of a batch of images (cross-correlation, as in PyTorch).

    Parameters
    ----------
    in_channels : int
        C_in.
    out_channels : int
        C_out.
    kernel_size : int
        k; the kernels start as k x k. Methods read kH, kW from W.shape, so a non-square
        W assigned later works too.
    stride : int
    padding : int
        Zero rows / columns added on every border of H and W.

    Attributes
    ----------
    W : np.ndarray, shape (C_out, C_in, kH, kW)
        Starts as N(0, 2 / (C_in * k * k)) (He).
    b : np.ndarray, shape (C_out,)
    dW, db : np.ndarray, shapes (C_out, C_in, kH, kW) and (C_out,)
        Set by backward.
    cache : tuple
        (x.shape, x zero-padded) of the last forward.
    """

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

        Raises
        ------
        ValueError
            If x does not have C_in channels, or the kernel does not fit the padded input.

        Notes
        -----
        With xp the zero-padded input and s the stride:
            out[n, o, i, j] = b[o] + sum_{c,p,q} W[o, c, p, q] * xp[n, c, i*s + p, j*s + q]
        im2col: every window becomes a column of `cols` (C_in*kH*kW, H'*W') per sample, and
        the convolution is one matrix product per sample with the kernels flattened to
        (C_out, C_in*kH*kW), whose result is already the sample's (C_out, H'*W') output.
        """
        N, C, H, W = x.shape
        C_out, C_in, kh, kw = self.W.shape
        if C != C_in:
            raise ValueError(f"Conv2D expects {C_in} input channels, got x of shape {x.shape}")
        p, s = self.padding, self.stride
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
        if Ho < 1 or Wo < 1:
            raise ValueError(f"kernel {kh}x{kw} does not fit input {H}x{W} with padding {p}")
        out = _correlate(xp, self.W.reshape(C_out, -1), kh, kw, s)
        out += self.b[None, :, None, None]
        self.cache = (x.shape, xp)
        return out

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)

        Also computes self.dW, shape (C_out, C_in, kH, kW), and self.db, shape (C_out,).

        Notes
        -----
        Index form (xp is the padded input, s the stride):
            dW[o, c, p, q] = sum_{n,i,j} dout[n, o, i, j] * xp[n, c, i*s + p, j*s + q]
            db[o]          = sum_{n,i,j} dout[n, o, i, j]
            dxp[n, c, u, v] = sum_{o,i,j : i*s+p=u, j*s+q=v} dout[n, o, i, j] * W[o, c, p, q]
        dW correlates the input with dout: with im2col, dout (C_out, H'*W') times the
        transposed columns of each sample. dxp has two equal forms, and dx drops its padding:
          - scatter (col2im): the columns' gradient W^T dout, each column added back under
            its window (overlaps add up);
          - gather: the full convolution of the stride-dilated dout with the flipped kernel,
            the same im2col product as the forward.
        """
        x_shape, xp = self.cache
        N, C, H, W = x_shape
        C_out, _, kh, kw = self.W.shape
        p, s = self.padding, self.stride
        Ho, Wo = dout.shape[2], dout.shape[3]
        self.db = dout.sum(axis=(0, 2, 3))
        # Both forms of dx give the same numbers; take the one that moves fewer: the gather's
        # columns hold C_out*H*W numbers per kernel offset, the scatter's C_in*H'*W'.
        if C_out * H * W <= C * Ho * Wo:
            # dout spread s apart, kH-1 zero rows / columns before it, then cut p from every
            # border, so that a stride-1 correlation with the flipped kernel is dx itself.
            Hf, Wf = H + kh - 1, W + kw - 1
            spread = np.zeros((N, C_out, max(p + Hf, kh + (Ho - 1) * s),
                               max(p + Wf, kw + (Wo - 1) * s)), dtype=dout.dtype)
            spread[:, :, kh - 1:kh + (Ho - 1) * s:s, kw - 1:kw + (Wo - 1) * s:s] = dout
            flipped = self.W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, -1)
            # The same columns give dW, flipped: column (o, a, b) of pixel (u, v) holds
            # dout[o] at the window offset (kH-1-a, kW-1-b) that reaches x[u, v].
            x_rows = xp[:, :, p:p + H, p:p + W].reshape(N, C, H * W)   # x, our own copy
            dx = np.empty((N, C, H * W), dtype=np.result_type(dout, self.W))
            dW_flipped = np.zeros((C_out * kh * kw, C))
            for rows, cols in _columns(spread[:, :, p:p + Hf, p:p + Wf], kh, kw, 1, H, W):
                np.matmul(flipped, cols, out=dx[rows])
                dW_flipped += np.matmul(cols, x_rows[rows].transpose(0, 2, 1)).sum(axis=0)
            self.dW = np.ascontiguousarray(
                dW_flipped.reshape(C_out, kh, kw, C).transpose(0, 3, 1, 2)[:, :, ::-1, ::-1])
            return dx.reshape(N, C, H, W)
        # The scatter: the forward's columns again, chunk by chunk (recomputing them costs less
        # than keeping them): dW is each sample's dout times its transposed columns, and the
        # columns' gradient W^T dout goes back under the windows.
        dout_rows = dout.reshape(N, C_out, Ho * Wo)          # each sample's (C_out, H'*W')
        dW = np.zeros((C_out, C * kh * kw))
        dxp = np.zeros(xp.shape, dtype=np.result_type(dout, self.W))
        W_cols = self.W.reshape(C_out, -1)
        for rows, cols in _columns(xp, kh, kw, s, Ho, Wo):
            dW += np.matmul(dout_rows[rows], cols.transpose(0, 2, 1)).sum(axis=0)
            # The columns' gradient (n, C*kh*kw, H'*W') overwrites the columns, which dW has just
            # used: with a new 1 MiB array per chunk, the allocator kept returning pages to the
            # system and faulting them back in, a fifth of LeNet's forward + backward.
            dcols = np.matmul(W_cols.T, dout_rows[rows], out=cols)
            dwin = dcols.reshape(-1, C, kh, kw, Ho, Wo).transpose(0, 1, 4, 5, 2, 3)
            _add_windows(dxp[rows], dwin, s)
        self.dW = dW.reshape(self.W.shape)
        return dxp[:, :, p:p + H, p:p + W]

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            [(W, dW), (b, db)]: the layer's own arrays, which the optimizer updates in
            place, with the gradients of the last backward (same shapes as W and b).
        """
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class MaxPool2D(Layer):
    """Max pooling over k x k windows of every channel.

    Parameters
    ----------
    kernel_size : int
        k.
    stride : int or None
        None (or 0) means stride = kernel_size: windows side by side.

    Attributes
    ----------
    cache : tuple
        (x.shape, the offset p * k + q of each window's maximum, shape (N, C, H', W')).
    """

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
            out[n, c, i, j] = max of x[n, c, i*stride : i*stride + k, j*stride : j*stride + k]

        Windows may overlap (stride < kernel_size). When a window holds its
        maximum more than once, the gradient goes to the first one (row-major).
        """
        k = self.kernel_size
        win = _windows(x, k, k, self.stride)               # (N, C, H', W', k, k)
        # A running maximum over the k*k window offsets, in row-major order: k*k elementwise
        # passes over the output instead of a reduction over many tiny windows. Only a
        # strictly greater value moves the maximum, so the first of tied maxima keeps it.
        out = win[..., 0, 0].copy()
        arg = np.zeros(out.shape, dtype=np.int8 if k * k <= 127 else np.intp)
        for o in range(1, k * k):
            v = win[..., o // k, o % k]
            better = v > out
            arg += better * (o - arg)       # arg = o where better (faster than arg[better] = o)
            np.maximum(out, v, out=out)
        self.cache = (x.shape, arg)
        return out

    def backward(self, dout):
        """Each window's gradient goes to its (first) maximum; other positions get 0.
        Overlapping windows that share a maximum add their gradients there.

        Parameters
        ----------
        dout : np.ndarray, shape (N, C, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C, H, W)

        Notes
        -----
        dx[n, c, i*s + p, j*s + q] += dout[n, c, i, j]  where offset (p, q) is the window's
        maximum: for every offset, one slice of dx (the one `_add_windows` uses).
        """
        x_shape, arg = self.cache
        k, s = self.kernel_size, self.stride
        Ho, Wo = arg.shape[2], arg.shape[3]
        dx = np.zeros(x_shape, dtype=dout.dtype)
        for o in range(k * k):
            i, j = divmod(o, k)
            at_o = arg == o                               # the windows whose maximum is at o
            target = dx[:, :, i:i + s * Ho:s, j:j + s * Wo:s]
            if s >= k:      # windows side by side share no pixel: write the slice directly
                np.multiply(dout, at_o, out=target)
            else:           # overlapping windows add up where they share a maximum
                target += dout * at_o
        return dx


class Flatten(Layer):
    """Flatten every sample into one row, between the convolutions and the FC layers.

    Attributes
    ----------
    cache : tuple
        The input shape of the last forward, e.g. (N, C, H, W).
    """

    def __init__(self):
        self.cache = None

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, ...), e.g. (N, C, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, D), D = C*H*W: each sample's values in row-major order
        """
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, D)

        Returns
        -------
        dx : np.ndarray, the shape of the last forward's x, e.g. (N, C, H, W)
        """
        return dout.reshape(self.cache)
