"""Trusted oracles for the dense, activation, loss and pooling suites (Module 5), written
independently of any tree. Gradients come from central differences of the oracle forward
(given.gradcheck.numerical_gradient): exact up to rounding for the linear ones (FC), and
within ~1e-10 relative for the smooth elementwise ones on the inputs the suites draw.
The suites never import reference/."""
import numpy as np

from given.gradcheck import numerical_gradient

from . import oracles


def fc(x, W, b):
    return x @ W + b


def fc_grads(x, W, b, dout):
    """(dx, dW, db) of sum(fc(x, W, b) * dout), by central differences (fc is linear in each
    argument, so they are exact up to rounding)."""
    dx = numerical_gradient(lambda v: fc(v, W, b), x.copy(), dout)
    dW = numerical_gradient(lambda v: fc(x, v, b), W.copy(), dout)
    db = numerical_gradient(lambda v: fc(x, W, v), b.copy(), dout)
    return dx, dW, db


def relu(x):
    return np.where(x > 0, x, 0.0)


def sigmoid(x):
    return oracles.sigmoid(x)


def elementwise_grad(f, x, dout):
    """Gradient of sum(f(x) * dout) for an elementwise f: one central difference for all
    coordinates at once (f'(x_i) only depends on x_i)."""
    h = 1e-5
    return (f(x + h) - f(x - h)) / (2 * h) * dout


def maxpool2d_all_maxima(x, k, stride, dout):
    """The tie rule a learner may use by mistake: every position equal to its window's
    maximum gets the window's full gradient."""
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    dx = np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            mask = win == win.max(axis=(2, 3), keepdims=True)
            dx[:, :, i * stride:i * stride + k, j * stride:j * stride + k] += \
                mask * dout[:, :, i, j][:, :, None, None]
    return dx
