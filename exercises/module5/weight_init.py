"""Weight initialisation (為什麼 Xavier/He 初始化重要)."""
import numpy as np


def he_init(shape, rng=None):
    """
    He (Kaiming) normal initialisation, for ReLU layers: N(0, 2 / fan_in).

    Parameters
    ----------
    shape : tuple, (D, M) or (C_out, C_in, kH, kW)
        FC weights (D, M): fan_in = D, fan_out = M.
        Conv kernels (C_out, C_in, kH, kW): fan_in = C_in*kH*kW, fan_out = C_out*kH*kW.
    rng : np.random.Generator or None
        None uses np.random (so np.random.seed reproduces it).

    Returns
    -------
    W : np.ndarray of that shape, float64
    """
    # TODO: 實作
    # std = sqrt(2 / fan_in)
    pass


def xavier_init(shape, rng=None):
    """
    Xavier (Glorot) normal initialisation, for tanh/sigmoid layers:
    N(0, 2 / (fan_in + fan_out)).

    Parameters / Returns as he_init.
    """
    # TODO: 實作
    # std = sqrt(2 / (fan_in + fan_out))
    pass
