"""Checks of one layer object that several reference tests make alike."""
import numpy as np

from given.gradcheck import gradient_check


def layer_gradient_errors(layer, x, rng, h=1e-5):
    """One forward of x and one backward of a random upstream gradient (drawn from `rng`);
    asserts that dx, dW and db have the shapes of x, W and b, and returns given.gradcheck's
    relative error of each against central differences of sum(forward * dout) with step h:
    {"x": …, "W": …, "b": …}."""
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    assert dx.shape == x.shape and layer.dW.shape == layer.W.shape \
        and layer.db.shape == layer.b.shape
    return {"x": gradient_check(lambda v: layer.forward(v), x, dx, dout, h=h),
            "W": gradient_check(lambda v: layer.forward(x), layer.W, layer.dW, dout, h=h),
            "b": gradient_check(lambda v: layer.forward(x), layer.b, layer.db, dout, h=h)}


def forward_backward_unmodified(layer, x, rng):
    """dx of one forward of x and one backward of a random upstream gradient (drawn from
    `rng`), asserting that neither changed its input and that the output is a new float64
    array."""
    keep = x.copy()
    out = layer.forward(x)
    np.testing.assert_array_equal(x, keep)
    assert out.dtype == np.float64 and not np.shares_memory(out, x)
    dout = rng.standard_normal(out.shape)
    keep_dout = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, keep_dout)
    return dx
