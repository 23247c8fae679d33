"""Optimizers, schedules and initialisers of the Module 5 reference, against hand-computed
values."""
import numpy as np
import pytest

from reference.module5.optim import SGD, MomentumSGD, constant, exponential_decay, step_decay
from reference.module5.weight_init import he_init, xavier_init


def test_sgd_updates_in_place():
    w = np.array([1.0, 2.0])
    alias = w
    SGD(lr=0.1).step([(w, np.array([0.5, -1.0]))])
    assert alias is w
    np.testing.assert_allclose(w, [0.95, 2.1], rtol=1e-15)


def test_momentum_keeps_one_velocity_per_parameter():
    # lr 0.1, beta 0.9.  w: v1 = -0.1*(0.5, -1) = (-0.05, 0.1), w = (0.95, 2.1);
    # v2 = 0.9*v1 - 0.1*(1, 0) = (-0.145, 0.09), w = (0.805, 2.19).
    # b: v1 = -0.2, b = 2.8;  v2 = 0.9*(-0.2) - 0.2 = -0.38, b = 2.42.
    w, b = np.array([1.0, 2.0]), np.array([3.0])
    opt = MomentumSGD(lr=0.1, momentum=0.9)
    opt.step([(w, np.array([0.5, -1.0])), (b, np.array([2.0]))])
    np.testing.assert_allclose(w, [0.95, 2.1], rtol=1e-15)
    np.testing.assert_allclose(b, [2.8], rtol=1e-15)
    opt.step([(w, np.array([1.0, 0.0])), (b, np.array([2.0]))])
    np.testing.assert_allclose(w, [0.805, 2.19], rtol=1e-14)
    np.testing.assert_allclose(b, [2.42], rtol=1e-14)


def test_momentum_zero_is_plain_sgd_and_default_beta_is_0_9():
    w1, w2 = np.array([1.0, -1.0]), np.array([1.0, -1.0])
    grads = [np.array([0.3, 0.7]), np.array([-0.2, 0.1])]
    opt, sgd = MomentumSGD(lr=0.5, momentum=0.0), SGD(lr=0.5)
    for g in grads:
        opt.step([(w1, g)])
        sgd.step([(w2, g)])
    np.testing.assert_allclose(w1, w2, rtol=1e-15)
    assert MomentumSGD(lr=0.1).momentum == 0.9


@pytest.mark.parametrize("epoch,want", [(0, 0.1), (9, 0.1), (10, 0.05), (25, 0.025)])
def test_step_decay(epoch, want):
    assert step_decay(0.1, epoch) == pytest.approx(want, rel=1e-15)


def test_schedules_by_hand():
    assert constant(0.3, 0) == constant(0.3, 17) == 0.3
    assert step_decay(1.0, 5, drop=0.1, epochs_per_drop=2) == pytest.approx(0.01, rel=1e-15)
    assert exponential_decay(0.2, 0) == 0.2
    assert exponential_decay(0.2, 3) == pytest.approx(0.2 * 0.729, rel=1e-15)
    assert exponential_decay(1.0, 2, decay_rate=0.5) == 0.25


@pytest.mark.parametrize("shape,fan_in,fan_out", [((300, 200), 300, 200),
                                                   ((32, 16, 3, 3), 144, 288),
                                                   ((8, 3, 5, 2), 30, 80)])
def test_initialisers_scale_by_the_right_fans(shape, fan_in, fan_out):
    rng, same = np.random.default_rng(5), np.random.default_rng(5)
    W = he_init(shape, rng=rng)
    assert W.shape == shape and W.dtype == np.float64
    np.testing.assert_allclose(W, same.standard_normal(shape) * np.sqrt(2 / fan_in), rtol=1e-15)
    W = xavier_init(shape, rng=rng)
    np.testing.assert_allclose(W, same.standard_normal(shape) * np.sqrt(2 / (fan_in + fan_out)),
                               rtol=1e-15)


def test_initialisers_use_the_global_random_state_without_rng():
    np.random.seed(7)
    a = he_init((4, 5))
    np.random.seed(7)
    np.testing.assert_array_equal(a, he_init((4, 5)))
    with pytest.raises(ValueError, match="expected FC"):
        xavier_init((3,))
