import numpy as np


def _bilinear_matrix(n_in, scale):
    """(n_in * scale, n_in) matrix A with out = A @ x along one axis, align_corners=False:
    output i samples src = (i + 0.5) / scale - 0.5 (clamped at 0) between its two neighbours.

    Row i holds the two interpolation weights of output i:
        A[i, i0] = 1 - t,  A[i, i1] = t,   i0 = floor(src), i1 = min(i0 + 1, n_in - 1), t = src - i0
    (where i0 is the last input, i1 = i0 and the two weights add up there). Rows sum to 1.

    Parameters
    ----------
    n_in : int
        Length of the input axis (H or W).
    scale : int
        The integer upsampling factor s.

    Returns
    -------
    A : np.ndarray, shape (n_in * scale, n_in)
        Upsampling along that axis is A @ x; its backward is A.T @ dout.
    """
    n_out = n_in * scale
    src = np.maximum((np.arange(n_out) + 0.5) / scale - 0.5, 0.0)
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, n_in - 1)
    t = src - i0
    A = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(A, (rows, i0), 1.0 - t)   # i0 == i1 at the last row: both weights add up
    np.add.at(A, (rows, i1), t)
    return A


class Upsample:
    """
    Upsampling by an integer factor (上採樣).

    mode='nearest': out[..., i, j] = x[..., i // s, j // s]
    mode='bilinear': PyTorch's align_corners=False. Output pixel i samples the input at
        src = (i + 0.5) / s - 0.5, clamped to >= 0; with i0 = floor(src),
        i1 = min(i0 + 1, H - 1) and t = src - i0:  (1 - t) * x[i0] + t * x[i1],
        first along H, then along W.

    Parameters
    ----------
    scale_factor : int
        s, a positive integer (an integral float such as 2.0 is accepted).
    mode : str
        'nearest' or 'bilinear'.

    Attributes
    ----------
    cache : tuple
        (H, W) in nearest mode, the two interpolation matrices (A_H, A_W) in bilinear mode.

    Raises
    ------
    ValueError
        For another mode, or a scale_factor that is not a positive integer.
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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C, H * s, W * s)

        Notes
        -----
        Bilinear interpolation is separable: out = A_H @ x @ A_W^T with one small
        interpolation matrix per axis (`_bilinear_matrix`).
        """
        s = self.scale_factor
        H, W = x.shape[2], x.shape[3]
        if self.mode == "nearest":
            self.cache = (H, W)
            return x.repeat(s, axis=2).repeat(s, axis=3)
        A_h, A_w = _bilinear_matrix(H, s), _bilinear_matrix(W, s)
        self.cache = (A_h, A_w)
        # along W first: one matrix product over every (n, c, h) row; then along H, per image
        return A_h @ (x @ A_w.T)

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C, H * s, W * s)

        Returns
        -------
        dx : np.ndarray, shape (N, C, H, W)
            Each input pixel receives the sum of the gradients of every output pixel it
            contributed to (weighted by its interpolation weight).

        Notes
        -----
        nearest: the sum of each s x s block of dout. bilinear: dx = A_H^T @ dout @ A_W,
        the transposes of the forward's matrices.
        """
        s = self.scale_factor
        if self.mode == "nearest":
            # Output pixel (i*s + a, j*s + b) is a copy of x[i, j]: one strided slice of dout
            # per offset (a, b), added up (a sum over two tiny axes of a reshape is slower).
            return sum(dout[:, :, a::s, b::s] for a in range(s) for b in range(s))
        A_h, A_w = self.cache
        return A_h.T @ (dout @ A_w)

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list
            Always []: upsampling has no parameters.
        """
        return []
