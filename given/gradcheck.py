"""Numerical gradient checking (the tool the learner built in earlier modules).

Usage, for a layer's input gradient::

    layer = FullyConnected(4, 3)
    x = np.random.randn(2, 4)
    dout = np.random.randn(2, 3)          # random upstream gradient, never all ones
    layer.forward(x)
    dx = layer.backward(dout)
    err = gradient_check(lambda x: layer.forward(x), x, dx, dout)
    assert err < 1e-7

and for a parameter, perturb the live array the layer reads::

    err = gradient_check(lambda W: layer.forward(x), layer.W, layer.dW, dout)

Central differences in float64 have a truncation error of O(h^2) and a rounding error of
O(eps / h); h = 1e-5 balances them, giving relative errors around 1e-10 for smooth
functions. Kinks (ReLU at 0, ties in max-pooling) can give a large error at one coordinate
when an input lies within h of the kink: draw inputs away from kinks.
"""
import numpy as np


def rel_error(a, b, eps=1e-8):
    """Max relative error  max |a - b| / max(eps, |a| + |b|)  (0 for identical arrays)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(eps, np.abs(a) + np.abs(b))))


def numerical_gradient(f, x, dout=None, h=1e-5, indices=None):
    """Central-difference gradient of  sum(f(x) * dout)  with respect to x.

    Parameters
    ----------
    f : callable
        Called with no argument change other than `x` being modified in place, so `f` may
        ignore its argument and read `x` through a layer (as for `layer.W`).
    x : np.ndarray, float64
        Perturbed in place one coordinate at a time and restored exactly afterwards.
    dout : np.ndarray or None
        Upstream gradient, same shape as f(x). None means f returns a scalar loss.
    h : float
        Step size.
    indices : iterable of index tuples or None
        Only these coordinates (for big arrays); the rest of the result stays 0.

    Returns
    -------
    grad : np.ndarray, same shape as x
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError("numerical_gradient needs a float64 numpy array (float32 is too coarse)")
    grad = np.zeros_like(x)
    coords = np.ndindex(*x.shape) if indices is None else indices

    def value():
        out = f(x)
        if dout is None:
            return float(out)
        return float(np.sum(np.asarray(out, dtype=np.float64) * dout))

    for idx in coords:
        idx = tuple(idx)
        old = x[idx]
        x[idx] = old + h
        plus = value()
        x[idx] = old - h
        minus = value()
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


def gradient_check(f, x, analytic, dout=None, h=1e-5, num_checks=None, seed=0):
    """Relative error between an analytic gradient and the numerical one.

    Parameters
    ----------
    f, x, dout, h : as in `numerical_gradient`
    analytic : np.ndarray, same shape as x
        The gradient your backward computed.
    num_checks : int or None
        Check only this many randomly chosen coordinates (for big arrays); None checks all.
    seed : int
        Chooses those coordinates.

    Returns
    -------
    err : float, max relative error over the checked coordinates
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x.shape:
        raise ValueError(f"analytic gradient has shape {analytic.shape}, x has {x.shape}")
    if num_checks is None or num_checks >= x.size:
        return rel_error(analytic, numerical_gradient(f, x, dout, h))
    rng = np.random.default_rng(seed)
    flat = rng.choice(x.size, size=num_checks, replace=False)
    indices = [np.unravel_index(i, x.shape) for i in flat]
    numeric = numerical_gradient(f, x, dout, h, indices=indices)
    picked = tuple(np.array(indices).T)
    return rel_error(analytic[picked], numeric[picked])
