"""Preparing and probing whole Module 6 models (blocks, U-Net parts), shared by the Module 6
reference tests and the torch oracle.

- `randomize`: random conv biases and BN parameters, so no check runs at the defaults;
- `assert_set_training_switches_every_bn`: given.model_utils.set_training on a model.
"""
import numpy as np

from given.model_utils import set_training
from reference.module5.layers import Conv2D
from reference.module6.batchnorm import BatchNorm2D
from reference.module6.transposed_conv import ConvTranspose2D

from kink_guard import layers_of


def randomize(model, rng):
    """Random conv (and transposed conv) biases, BN affine parameters and running statistics,
    drawn from `rng`: the defaults 0 / 1 would hide mistakes such as a swapped gamma and
    beta. Returns the model."""
    for layer in layers_of(model, (Conv2D, ConvTranspose2D)):
        layer.b = rng.standard_normal(layer.b.shape) * 0.5
    for bn in layers_of(model, BatchNorm2D):
        bn.gamma = rng.uniform(0.5, 1.5, bn.num_features) * rng.choice([-1.0, 1.0], bn.num_features)
        bn.beta = rng.standard_normal(bn.num_features) * 0.5
        bn.running_mean = rng.standard_normal(bn.num_features) * 0.3
        bn.running_var = rng.uniform(0.5, 2.0, bn.num_features)
    return model


def assert_set_training_switches_every_bn(model, x, alone, tol):
    """set_training(model, False) returns the model and puts every BN in eval mode: the
    samples x[alone] give on their own what they give in the whole batch x (up to `tol`:
    BLAS sums a different batch size in another order) and no running statistic moves;
    set_training(model, True) puts every BN back in train mode, and a forward then moves the
    running means. Returns the BNs."""
    bns = layers_of(model, BatchNorm2D)
    assert set_training(model, False) is model
    assert all(bn.training is False for bn in bns)
    stats = [(bn.running_mean.copy(), bn.running_var.copy()) for bn in bns]
    out = model.forward(x)
    np.testing.assert_allclose(model.forward(x[alone]), out[alone], rtol=tol, atol=tol)
    for bn, (m, v) in zip(bns, stats):
        np.testing.assert_array_equal(bn.running_mean, m)
        np.testing.assert_array_equal(bn.running_var, v)
    set_training(model, True)
    assert all(bn.training is True for bn in bns)
    model.forward(x)
    assert all(not np.array_equal(bn.running_mean, m) for bn, (m, _) in zip(bns, stats))
    return bns
