"""Known mistakes of test_m6_batchnorm.py (BatchNorm2D forward in training and eval mode,
running statistics, backward): each computes what that mistake returns on the check's
inputs; its hint is the entry of the same key in hints/m6_batchnorm.py."""
import numpy as np

from ..oracles import bn_train, bn_train_backward, channel
from . import mistake

FORWARD = "docs/module6.md#batchnorm-forward"
RUNNING = "docs/module6.md#batchnorm-inference"
DGAMMA_DBETA = "docs/module6.md#batchnorm-dgamma-dbeta"
DX_HAT = "docs/module6.md#batchnorm-dx-hat"
TWO_TERMS = "docs/module6.md#batchnorm-dx-two-terms"
CODE = "docs/module6.md#batchnorm-backward-code"
EVAL_BACKWARD = "docs/module6.md#batchnorm-eval-backward"
EPS = 1e-5
MOMENTUM = 0.1
AXES = (0, 2, 3)


def _normalised(x, axes, ddof=0):
    """x normalised with mean and variance over `axes` (eps inside the square root)."""
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, ddof=ddof, keepdims=True) + EPS)


def _affine(x_hat, gamma, beta):
    return channel(gamma) * x_hat + channel(beta)


def _n(x):
    return x.shape[0] * x.shape[2] * x.shape[3]


# -- training-mode forward -------------------------------------------------------------------
@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_no_affine(x):
    """x̂ returned as it is: gamma and beta never scale and shift it."""
    return _normalised(x, AXES)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_unbiased_variance(x, gamma, beta):
    """The batch normalised with the unbiased variance (ddof=1) instead of the biased one."""
    return _affine(_normalised(x, AXES, ddof=1), gamma, beta)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_eps_outside_sqrt(x, gamma, beta):
    """(x − mean) / (sqrt(var) + eps): eps added outside the square root."""
    mean, var = x.mean(axis=AXES, keepdims=True), x.var(axis=AXES, keepdims=True)
    return _affine((x - mean) / (np.sqrt(var) + EPS), gamma, beta)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_no_sqrt(x, gamma, beta):
    """(x − mean) / (var + eps): divided by the variance, not the standard deviation."""
    mean, var = x.mean(axis=AXES, keepdims=True), x.var(axis=AXES, keepdims=True)
    return _affine((x - mean) / (var + EPS), gamma, beta)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_stats_per_pixel(x, gamma, beta):
    """Statistics over the batch axis only (BatchNorm1d's axis=0): one pair per (c, h, w)."""
    return _affine(_normalised(x, 0), gamma, beta)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_stats_per_sample(x, gamma, beta):
    """Statistics over (C, H, W) of each sample: LayerNorm, not BatchNorm."""
    return _affine(_normalised(x, (1, 2, 3)), gamma, beta)


@mistake("m6.batchnorm.forward", "train_output", doc=FORWARD)
def bn_stats_whole_array(x, gamma, beta):
    """One mean and one variance over the whole array instead of one pair per channel."""
    return _affine(_normalised(x, None), gamma, beta)


# -- running statistics: (running_mean, running_var) one training step after (rm, rv) ----------
def _running(rm, rv, x, m=MOMENTUM, ddof=1):
    n = _n(x)
    mean, var = x.mean(axis=AXES), x.var(axis=AXES) * n / (n - ddof)
    return np.concatenate([(1 - m) * rm + m * mean, (1 - m) * rv + m * var])


@mistake("m6.batchnorm.forward", "running", doc=RUNNING)
def bn_running_var_biased(rm, rv, x):
    """running_var averages in the biased batch variance, not the unbiased one."""
    return _running(rm, rv, x, ddof=0)


@mistake("m6.batchnorm.forward", "running", doc=RUNNING)
def bn_running_momentum_reversed(rm, rv, x):
    """momentum weighs the old value: running = momentum · running + (1 − momentum) · stat."""
    return _running(rm, rv, x, m=1 - MOMENTUM)


@mistake("m6.batchnorm.forward", "running", doc=RUNNING)
def bn_running_replaced(rm, rv, x):
    """The running statistics replaced by the batch's (unbiased variance), not averaged."""
    return _running(rm, rv, x, m=1.0)


@mistake("m6.batchnorm.forward", "running", doc=RUNNING)
def bn_running_never_updated(rm, rv):
    """A training forward leaves running_mean and running_var as they were."""
    return np.concatenate([rm, rv])


# -- eval mode ---------------------------------------------------------------------------------
@mistake("m6.batchnorm.forward", "eval_output", doc=RUNNING)
def bn_eval_uses_batch_stats(x, gamma, beta):
    """With training False the batch's own statistics normalise, as in training."""
    return bn_train(x, gamma, beta)


@mistake("m6.batchnorm.forward", "eval_output", doc=RUNNING)
def bn_eval_updates_first(x, gamma, beta, rm, rv):
    """Eval mode updates the running statistics with this batch first, then normalises with
    the updated ones."""
    C = len(rm)
    stats = _running(rm, rv, x)
    mean, var = channel(stats[:C]), channel(stats[C:])
    return _affine((x - mean) / np.sqrt(var + EPS), gamma, beta)


# -- backward: dx -------------------------------------------------------------------------------
def _pieces(x, gamma, dout):
    """(x̂, 1/sqrt(var + eps), dx̂ = dout · gamma, M) of the training-mode forward."""
    inv_std = 1.0 / np.sqrt(x.var(axis=AXES, keepdims=True) + EPS)
    return (x - x.mean(axis=AXES, keepdims=True)) * inv_std, inv_std, dout * channel(gamma), _n(x)


def _mean(a):
    return a.mean(axis=AXES, keepdims=True)


@mistake("m6.batchnorm.backward", "dx", doc=EVAL_BACKWARD)
def bn_dx_stats_constant(x, gamma, dout):
    """dx̂ / sqrt(var + eps): the batch mean and variance treated as constants (eval mode's
    gradient)."""
    _, inv_std, dx_hat, _ = _pieces(x, gamma, dout)
    return dx_hat * inv_std


@mistake("m6.batchnorm.backward", "dx", doc=TWO_TERMS)
def bn_dx_no_variance_path(x, gamma, dout):
    """The path through the variance left out: inv_std · (dx̂ − mean(dx̂))."""
    _, inv_std, dx_hat, _ = _pieces(x, gamma, dout)
    return inv_std * (dx_hat - _mean(dx_hat))


@mistake("m6.batchnorm.backward", "dx", doc=TWO_TERMS)
def bn_dx_no_mean_path(x, gamma, dout):
    """The path through the mean left out: inv_std · (dx̂ − x̂ · mean(dx̂ · x̂))."""
    x_hat, inv_std, dx_hat, _ = _pieces(x, gamma, dout)
    return inv_std * (dx_hat - x_hat * _mean(dx_hat * x_hat))


@mistake("m6.batchnorm.backward", "dx", doc=TWO_TERMS)
def bn_dx_unbiased_variance(x, gamma, dout):
    """The variance differentiated as if it divided by M − 1: the variance path's sum
    divided by M − 1, not M."""
    x_hat, inv_std, dx_hat, M = _pieces(x, gamma, dout)
    if M < 2:
        return None
    return inv_std * (dx_hat - _mean(dx_hat) - x_hat * (dx_hat * x_hat).sum(
        axis=AXES, keepdims=True) / (M - 1))


@mistake("m6.batchnorm.backward", "dx", doc=CODE)
def bn_dx_sums_not_means(x, gamma, dout):
    """The two correction terms summed over the channel instead of averaged (the 1/M of
    the textbook form lost)."""
    x_hat, inv_std, dx_hat, _ = _pieces(x, gamma, dout)
    return inv_std * (dx_hat - dx_hat.sum(axis=AXES, keepdims=True)
                      - x_hat * (dx_hat * x_hat).sum(axis=AXES, keepdims=True))


@mistake("m6.batchnorm.backward", "dx", doc=CODE)
def bn_dx_no_inv_std(x, gamma, dout):
    """The bracket dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂) never multiplied by 1/sqrt(var + eps)."""
    x_hat, _, dx_hat, _ = _pieces(x, gamma, dout)
    return dx_hat - _mean(dx_hat) - x_hat * _mean(dx_hat * x_hat)


@mistake("m6.batchnorm.backward", "dx", doc=DX_HAT)
def bn_dx_no_gamma(x, dout):
    """dx̂ = dout: the factor gamma between out and x̂ left out."""
    return bn_train_backward(x, np.ones(x.shape[1]), dout)[0]


# -- backward: dgamma, dbeta ------------------------------------------------------------------
@mistake("m6.batchnorm.backward", "dgamma", doc=DGAMMA_DBETA)
def bn_dgamma_uses_x(x, dout):
    """Σ dout · x: the raw input where the normalised x̂ belongs."""
    return (dout * x).sum(axis=AXES)


@mistake("m6.batchnorm.backward", "dgamma", doc=DGAMMA_DBETA)
def bn_dgamma_mean(x, dout):
    """The mean of dout · x̂ over N, H and W instead of its sum."""
    return (dout * _normalised(x, AXES)).mean(axis=AXES)


@mistake("m6.batchnorm.backward", "dbeta", doc=DGAMMA_DBETA)
def bn_dbeta_mean(dout):
    """The mean of dout over N, H and W instead of its sum."""
    return dout.mean(axis=AXES)
