"""The Module 6 reference BatchNorm2D against naive loop oracles and numerical gradients.

Convention under test (DESIGN.md, PyTorch's): normalise with the biased batch variance
(divide by n = N*H*W); `running = (1 - momentum) * running + momentum * batch_stat` with
momentum 0.1, where the running variance takes the UNbiased batch variance (divide by n - 1).

Thresholds:
- forward vs the loop oracle: `rtol=1e-12, atol=1e-12`. Both sides compute the same
  float64 mean, variance and quotient, summed in a different order; they agree to a few ulps.
- running statistics after several steps: `rtol=1e-13, atol=1e-14` (a handful of
  multiply-adds of O(1) numbers per step).
- gradient checks: max relative error < 1e-7 (`GRAD_TOL`), as in Module 5: central
  differences with h = 1e-5 leave ~1e-10 on these smooth functions, a real mistake (the
  missing mean/variance terms of the train-mode dx, a dgamma without x_hat) gives ~1e-1.
  BatchNorm2D alone has no kink, so any input works.
"""
import numpy as np
import pytest

from given.gradcheck import gradient_check
from reference.module6.batchnorm import BatchNorm2D

GRAD_TOL = 1e-7
EXACT = dict(rtol=1e-12, atol=1e-12)
EPS = 1e-5


# ----------------------------------------------------------------------------- oracles

def channel_values(x, c):
    """Every value of channel c, collected by loops (N*H*W of them)."""
    N, _, H, W = x.shape
    return [x[n, c, i, j] for n in range(N) for i in range(H) for j in range(W)]


def batch_stats_oracle(x):
    """Per-channel mean, biased variance and unbiased variance, by explicit sums."""
    C = x.shape[1]
    mean, var_b, var_u = np.zeros(C), np.zeros(C), np.zeros(C)
    for c in range(C):
        vals = channel_values(x, c)
        n = len(vals)
        mu = sum(vals) / n
        ss = sum((v - mu) ** 2 for v in vals)
        mean[c], var_b[c], var_u[c] = mu, ss / n, ss / (n - 1)
    return mean, var_b, var_u


def bn_oracle(x, gamma, beta, mean, var, eps=EPS):
    """y[n, c, i, j] = gamma[c] * (x - mean[c]) / sqrt(var[c] + eps) + beta[c], pixel by pixel."""
    out = np.zeros_like(x)
    N, C, H, W = x.shape
    for n in range(N):
        for c in range(C):
            for i in range(H):
                for j in range(W):
                    out[n, c, i, j] = (gamma[c] * (x[n, c, i, j] - mean[c])
                                       / np.sqrt(var[c] + eps) + beta[c])
    return out


def make_bn(rng, C, training=True):
    bn = BatchNorm2D(C)
    bn.gamma = rng.uniform(0.5, 2.0, C) * rng.choice([-1.0, 1.0], C)
    bn.beta = rng.standard_normal(C)
    bn.training = training
    return bn


SHAPES = [(2, 3, 4, 5), (1, 2, 3, 3), (4, 1, 2, 2), (3, 4, 1, 1), (2, 2, 5, 3)]


# ----------------------------------------------------------------------------- forward

def test_defaults_follow_the_seed():
    bn = BatchNorm2D(3)
    assert bn.eps == 1e-5 and bn.momentum == 0.1 and bn.training is True
    np.testing.assert_array_equal(bn.gamma, np.ones(3))
    np.testing.assert_array_equal(bn.beta, np.zeros(3))
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var, np.ones(3))


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_train_forward_matches_loop_oracle(shape):
    rng = np.random.default_rng(100)
    x = rng.standard_normal(shape) * 3 + rng.standard_normal((1, shape[1], 1, 1)) * 2
    bn = make_bn(rng, shape[1])
    mean, var_b, _ = batch_stats_oracle(x)
    np.testing.assert_allclose(bn.forward(x), bn_oracle(x, bn.gamma, bn.beta, mean, var_b), **EXACT)


def test_train_forward_normalises_each_channel():
    """With gamma = 1, beta = 0: per-channel mean 0 and biased variance var/(var + eps)."""
    rng = np.random.default_rng(101)
    x = rng.standard_normal((3, 4, 5, 6)) * np.array([0.5, 2.0, 10.0, 1.0])[None, :, None, None] + 7
    out = BatchNorm2D(4).forward(x)
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-14)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), var / (var + EPS), rtol=1e-12)


def test_train_forward_uses_the_biased_variance():
    """A 2-value channel {-1, 1}: biased var 1 gives (+-1)/sqrt(1 + eps); the unbiased
    var 2 would give (+-1)/sqrt(2 + eps)."""
    x = np.array([-1.0, 1.0]).reshape(2, 1, 1, 1)
    out = BatchNorm2D(1).forward(x)
    np.testing.assert_allclose(out.ravel(), [-1 / np.sqrt(1 + EPS), 1 / np.sqrt(1 + EPS)], rtol=1e-15)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_eval_forward_uses_running_stats(shape):
    rng = np.random.default_rng(102)
    C = shape[1]
    bn = make_bn(rng, C, training=False)
    bn.running_mean = rng.standard_normal(C)
    bn.running_var = rng.uniform(0.2, 3.0, C)
    x = rng.standard_normal(shape)
    want = bn_oracle(x, bn.gamma, bn.beta, bn.running_mean, bn.running_var)
    np.testing.assert_allclose(bn.forward(x), want, **EXACT)
    # Per sample: the eval output of one sample does not depend on the rest of the batch.
    np.testing.assert_allclose(bn.forward(x[:1]), want[:1], **EXACT)


def test_running_stats_over_several_steps_match_the_oracle():
    """Five train-mode steps on batches of different sizes and statistics, then eval."""
    rng = np.random.default_rng(103)
    C = 3
    bn = make_bn(rng, C)
    run_mean, run_var = np.zeros(C), np.ones(C)
    for step, (N, H, W) in enumerate([(2, 3, 3), (4, 2, 5), (1, 4, 4), (3, 1, 2), (2, 5, 5)]):
        x = rng.standard_normal((N, C, H, W)) * (step + 1) + rng.standard_normal((1, C, 1, 1)) * 3
        mean, var_b, var_u = batch_stats_oracle(x)
        out = bn.forward(x)
        np.testing.assert_allclose(out, bn_oracle(x, bn.gamma, bn.beta, mean, var_b), **EXACT)
        run_mean = 0.9 * run_mean + 0.1 * mean
        run_var = 0.9 * run_var + 0.1 * var_u
        np.testing.assert_allclose(bn.running_mean, run_mean, rtol=1e-13, atol=1e-14,
                                   err_msg=f"running_mean after step {step + 1}")
        np.testing.assert_allclose(bn.running_var, run_var, rtol=1e-13, atol=1e-14,
                                   err_msg=f"running_var after step {step + 1}")
    bn.training = False
    x = rng.standard_normal((2, C, 3, 3))
    np.testing.assert_allclose(bn.forward(x), bn_oracle(x, bn.gamma, bn.beta, run_mean, run_var),
                               **EXACT)


def test_running_var_is_unbiased_on_a_hand_computed_batch():
    """Channel values {0, 2}: mean 1, biased var 1, unbiased var 2.
    running_mean = 0.9*0 + 0.1*1 = 0.1;  running_var = 0.9*1 + 0.1*2 = 1.1 (not 1.0)."""
    bn = BatchNorm2D(1)
    bn.forward(np.array([0.0, 2.0]).reshape(1, 1, 1, 2))
    assert bn.running_mean[0] == pytest.approx(0.1, rel=1e-15)
    assert bn.running_var[0] == pytest.approx(1.1, rel=1e-15)


def test_momentum_is_a_parameter():
    rng = np.random.default_rng(104)
    x = rng.standard_normal((2, 2, 3, 3))
    bn = BatchNorm2D(2, momentum=0.25)
    bn.forward(x)
    mean, _, var_u = batch_stats_oracle(x)
    np.testing.assert_allclose(bn.running_mean, 0.25 * mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, 0.75 + 0.25 * var_u, rtol=1e-13)


def test_eval_mode_updates_nothing():
    rng = np.random.default_rng(105)
    bn = make_bn(rng, 3, training=False)
    bn.running_mean = rng.standard_normal(3)
    bn.running_var = rng.uniform(0.5, 2.0, 3)
    keep = {k: getattr(bn, k).copy() for k in ("gamma", "beta", "running_mean", "running_var")}
    x = rng.standard_normal((4, 3, 3, 3)) * 5 + 3
    first = bn.forward(x)
    out = bn.forward(x)
    bn.backward(rng.standard_normal(out.shape))
    for name, value in keep.items():
        np.testing.assert_array_equal(getattr(bn, name), value, err_msg=f"eval mode changed {name}")
    np.testing.assert_array_equal(first, out)
    assert bn.training is False


def test_forward_and_backward_leave_their_inputs_unmodified():
    rng = np.random.default_rng(106)
    for training in (True, False):
        bn = make_bn(rng, 2, training=training)
        x = rng.standard_normal((2, 2, 3, 3))
        keep = x.copy()
        out = bn.forward(x)
        np.testing.assert_array_equal(x, keep)
        assert out is not x and not np.shares_memory(out, x)
        dout = rng.standard_normal(out.shape)
        keep_dout = dout.copy()
        bn.backward(dout)
        np.testing.assert_array_equal(dout, keep_dout)


def test_float64_stays_float64():
    rng = np.random.default_rng(107)
    bn = make_bn(rng, 2)
    out = bn.forward(rng.standard_normal((2, 2, 3, 3)))
    assert out.dtype == np.float64
    assert bn.backward(rng.standard_normal(out.shape)).dtype == np.float64


# ----------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 2, 3, 3), (4, 2, 1, 1)],
                         ids=lambda s: "x".join(map(str, s)))
def test_gradients(training, shape):
    """dx, dgamma, dbeta against central differences. In train mode every output of a
    channel depends on every input of it (through the batch mean and variance); in eval
    mode BN is affine in x. Running-stat updates during the numerical check do not matter:
    train mode never reads them, eval mode never writes them."""
    rng = np.random.default_rng(110)
    C = shape[1]
    bn = make_bn(rng, C, training=training)
    bn.running_mean = rng.standard_normal(C)
    bn.running_var = rng.uniform(0.3, 2.0, C)
    x = rng.standard_normal(shape) * 2 + 1
    out = bn.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = bn.backward(dout)
    assert dx.shape == x.shape and bn.dgamma.shape == (C,) and bn.dbeta.shape == (C,)
    assert gradient_check(lambda v: bn.forward(v), x, dx, dout) < GRAD_TOL
    assert gradient_check(lambda v: bn.forward(x), bn.gamma, bn.dgamma, dout) < GRAD_TOL
    assert gradient_check(lambda v: bn.forward(x), bn.beta, bn.dbeta, dout) < GRAD_TOL


def test_train_mode_dx_is_blind_to_shifts_and_nearly_to_scales():
    """Facts of the train-mode backward. Shifting a channel of x does not change x_hat, so
    dx sums to 0 per channel. Scaling a channel about its mean, x -> mu + (1 + t)(x - mu),
    changes x_hat only through eps: d x_hat / dt = (x - mu) * eps / (var + eps)^1.5, so
    sum(dx * (x - mu)) = eps / (var + eps)^1.5 * sum(dout * gamma * (x - mu)) per channel."""
    rng = np.random.default_rng(111)
    bn = make_bn(rng, 3)
    x = rng.standard_normal((3, 3, 4, 4)) * 0.01     # small var: the eps term is visible
    out = bn.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = bn.backward(dout)
    d = x - x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(dx.sum(axis=(0, 2, 3)), 0.0, atol=1e-10)
    want = EPS / (var + EPS) ** 1.5 * (dout * bn.gamma[None, :, None, None] * d).sum(axis=(0, 2, 3))
    assert np.all(np.abs(want) > 1e-3)
    np.testing.assert_allclose((dx * d).sum(axis=(0, 2, 3)), want, rtol=1e-8)


def test_dgamma_and_dbeta_closed_forms():
    rng = np.random.default_rng(112)
    for training in (True, False):
        bn = make_bn(rng, 2, training=training)
        bn.running_mean, bn.running_var = rng.standard_normal(2), rng.uniform(0.5, 2, 2)
        x = rng.standard_normal((2, 2, 3, 3))
        out = bn.forward(x)
        dout = rng.standard_normal(out.shape)
        bn.backward(dout)
        x_hat = (out - bn.beta[None, :, None, None]) / bn.gamma[None, :, None, None]
        np.testing.assert_allclose(bn.dbeta, dout.sum(axis=(0, 2, 3)), **EXACT)
        np.testing.assert_allclose(bn.dgamma, (dout * x_hat).sum(axis=(0, 2, 3)), rtol=1e-10,
                                   atol=1e-12)


def test_params_and_grads_are_the_live_arrays():
    rng = np.random.default_rng(113)
    bn = make_bn(rng, 3)
    out = bn.forward(rng.standard_normal((2, 3, 2, 2)))
    bn.backward(rng.standard_normal(out.shape))
    pairs = bn.get_params_and_grads()
    assert len(pairs) == 2
    assert pairs[0][0] is bn.gamma and pairs[0][1] is bn.dgamma
    assert pairs[1][0] is bn.beta and pairs[1][1] is bn.dbeta
    # An in-place SGD step through the pairs changes what the layer computes.
    x = rng.standard_normal((2, 3, 2, 2))
    before = bn.forward(x)
    for p, g in pairs:
        p -= 0.1 * g
    assert not np.allclose(bn.forward(x), before)
