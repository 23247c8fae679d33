"""Weight initialisation (為什麼 Xavier/He 初始化重要)."""
import numpy as np


def _fans(shape):
    """(fan_in, fan_out): (D, M) for FC weights; C_in*kH*kW and C_out*kH*kW for kernels.

    Parameters
    ----------
    shape : tuple, (D, M) or (C_out, C_in, kH, kW)

    Returns
    -------
    fan_in, fan_out : int
        How many inputs feed one output, and how many outputs one input feeds.

    Raises
    ------
    ValueError
        For any other number of dimensions.
    """
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 4:
        receptive = shape[2] * shape[3]
        return shape[1] * receptive, shape[0] * receptive
    raise ValueError(f"expected FC (D, M) or conv (C_out, C_in, kH, kW) weights, got {shape}")


def _normal(shape, std, rng):
    """Samples of N(0, std**2).

    Parameters
    ----------
    shape : tuple
    std : float
    rng : np.random.Generator or None
        None draws from np.random (the global seed).

    Returns
    -------
    W : np.ndarray of that shape, float64
    """
    z = np.random.randn(*shape) if rng is None else rng.standard_normal(shape)
    return z * std


def he_init(shape, rng=None):
    """
    He (Kaiming) normal initialisation, for ReLU layers: N(0, 2 / fan_in).

    ReLU zeroes half of its inputs, halving the second moment; the factor 2 restores it, so
    activations keep their scale through depth.

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
    fan_in, _ = _fans(tuple(shape))
    return _normal(tuple(shape), np.sqrt(2.0 / fan_in), rng)


def xavier_init(shape, rng=None):
    """
    Xavier (Glorot) normal initialisation, for tanh/sigmoid layers:
    N(0, 2 / (fan_in + fan_out)).

    A compromise that keeps the variance of activations (fan_in) and of gradients (fan_out)
    roughly constant for activations that are linear around 0.

    Parameters / Returns as he_init:

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
    fan_in, fan_out = _fans(tuple(shape))
    return _normal(tuple(shape), np.sqrt(2.0 / (fan_in + fan_out)), rng)
