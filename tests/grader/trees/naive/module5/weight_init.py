"""Weight initialisation of the naive loop-style tree used by the fairness tests."""
import numpy as np


def _fan_in_and_out(shape):
    """FC weights (D, M): fan_in = D, fan_out = M. Conv kernels (C_out, C_in, kH, kW):
    fan_in = C_in*kH*kW, fan_out = C_out*kH*kW."""
    if len(shape) == 2:
        D, M = shape
        return D, M
    if len(shape) == 4:
        C_out, C_in, kh, kw = shape
        return C_in * kh * kw, C_out * kh * kw
    raise ValueError(f"expected FC (D, M) or conv (C_out, C_in, kH, kW) weights, got {shape}")


def _standard_normal(shape, rng):
    if rng is None:
        return np.random.randn(*shape)       # np.random.seed reproduces it
    return rng.standard_normal(shape)


def he_init(shape, rng=None):
    """He (Kaiming) normal: N(0, 2 / fan_in), for ReLU layers. Returns float64 of `shape`."""
    shape = tuple(shape)
    fan_in, _ = _fan_in_and_out(shape)
    std = np.sqrt(2.0 / fan_in)
    return _standard_normal(shape, rng) * std


def xavier_init(shape, rng=None):
    """Xavier (Glorot) normal: N(0, 2 / (fan_in + fan_out)), for tanh/sigmoid layers."""
    shape = tuple(shape)
    fan_in, fan_out = _fan_in_and_out(shape)
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return _standard_normal(shape, rng) * std
