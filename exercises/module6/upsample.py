import numpy as np


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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C, H * s, W * s)
        """
        # TODO: 實作 nearest 與 bilinear
        pass

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
        """
        # TODO: 實作
        pass

    def get_params_and_grads(self):
        return []
