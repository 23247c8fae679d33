"""Known mistakes of test_m5_optim.py (SGD, MomentumSGD, learning-rate schedules, weight
initialisation, train() with an optimizer and a schedule): each computes what that mistake
gives on the check's inputs; its hint is the entry of the same key in hints/m5_optim.py."""
import math

import numpy as np

from .. import oracles_m5_training as ot
from . import mistake

MOMENTUM = "docs/module5.md#momentum"
SCHEDULE = "docs/module5.md#learning-rate-schedules"
INIT = "docs/module5.md#weight-initialisation"
NETWORK = "docs/module5.md#simplecnn"


# -- SGD: the change of a parameter in one step ------------------------------------------
@mistake("m5.optim.sgd", "change", doc=MOMENTUM)
def sgd_gradient_added(grad, lr):
    """param += lr * grad: a step up the gradient."""
    return lr * grad


@mistake("m5.optim.sgd", "change", doc=MOMENTUM)
def sgd_no_lr(grad):
    """param -= grad: the learning rate never applied."""
    return -grad


@mistake("m5.optim.sgd", "change", doc=MOMENTUM)
def sgd_read_lr(grad, old_lr, step):
    """The rate read once in __init__: after optimizer.lr changes, step uses the old one."""
    return None if step == 1 else -old_lr * grad


# -- MomentumSGD: the parameters after the steps so far -----------------------------------
# Each rule maps (param, velocity, grad, lr, beta) to the new (param, velocity); the right
# one is v = β·v − lr·grad, w = w + v.
def _run(rule, values, grads, lr, beta):
    params = [np.array(v, dtype=np.float64) for v in values]
    velocities = [np.zeros_like(p) for p in params]
    for step in grads:
        for i, g in enumerate(step):
            params[i], velocities[i] = rule(params[i], velocities[i], g, lr, beta)
    return params


def _momentum(rule, values, grads, lr, beta, index, relative_to):
    """Parameter `index` after the steps of `grads` with `rule`, minus `relative_to` (the
    parameter before the first step when the check judges the change, else 0)."""
    return _run(rule, values, grads, lr, beta)[index] - relative_to


def _near_half(beta):
    """β = ½ makes the dampened form and the late decay the same rule: name neither."""
    return abs(2 * beta - 1) < 1e-4


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_sign(values, grads, lr, beta, index, relative_to):
    """v = β·v + lr·grad: the velocity climbs the gradient."""
    def rule(p, v, g, lr, beta):
        v = beta * v + lr * g
        return p + v, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_forgets_velocity(values, grads, lr, beta, index, relative_to):
    """A fresh zero velocity every step: plain SGD, v = −lr·grad each time."""
    def rule(p, v, g, lr, beta):
        return p - lr * g, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_no_decay(values, grads, lr, beta, index, relative_to):
    """v = v − lr·grad: the velocity is never multiplied by β."""
    def rule(p, v, g, lr, beta):
        v = v - lr * g
        return p + v, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_nesterov(values, grads, lr, beta, index, relative_to):
    """Nesterov's update, w = w + β·v − lr·grad after v = β·v − lr·grad, where the classic
    w = w + v is asked for."""
    def rule(p, v, g, lr, beta):
        v = beta * v - lr * g
        return p + beta * v - lr * g, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_also_sgd_step(values, grads, lr, beta, index, relative_to):
    """SGD's w −= lr·grad kept next to w += v: the gradient applied twice."""
    def rule(p, v, g, lr, beta):
        v = beta * v - lr * g
        return p + v - lr * g, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_stale_velocity(values, grads, lr, beta, index, relative_to):
    """w += v before v is updated: each step moves by the previous step's velocity."""
    if len(grads) == 1:
        return None         # the first step does nothing, as an update that is not in place

    def rule(p, v, g, lr, beta):
        return p + v, beta * v - lr * g
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_ema_dampened(values, grads, lr, beta, index, relative_to):
    """The moving-average form v = β·v + (1 − β)·grad, w −= lr·v: every gradient scaled by
    1 − β."""
    if _near_half(beta):
        return None

    def rule(p, v, g, lr, beta):
        v = beta * v - (1 - beta) * lr * g
        return p + v, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


@mistake("m5.optim.momentum", "parameters", doc=MOMENTUM)
def momentum_decay_after_gradient(values, grads, lr, beta, index, relative_to):
    """v −= lr·grad, then v *= β: the new gradient is decayed too, v = β·(v − lr·grad)."""
    if _near_half(beta):
        return None

    def rule(p, v, g, lr, beta):
        v = beta * (v - lr * g)
        return p + v, v
    return _momentum(rule, values, grads, lr, beta, index, relative_to)


# -- schedules --------------------------------------------------------------------------
@mistake("m5.optim.schedules", "constant", doc=SCHEDULE)
def constant_decays(base, epoch):
    """constant copied from exponential_decay: base_lr · 0.9 ** epoch."""
    return base * 0.9 ** epoch


@mistake("m5.optim.schedules", "step_decay", doc=SCHEDULE)
def step_decay_true_division(base, epoch, drop, every):
    """drop ** (epoch / epochs_per_drop): a smooth decay, true division for //."""
    return base * drop ** (epoch / every)


@mistake("m5.optim.schedules", "step_decay", doc=SCHEDULE)
def step_decay_epoch_from_one(base, epoch, drop, every):
    """drop ** ((epoch + 1) // epochs_per_drop): epochs counted from 1, each drop one epoch
    early."""
    return base * drop ** ((epoch + 1) // every)


@mistake("m5.optim.schedules", "exponential_decay", doc=SCHEDULE)
def exp_decay_off_by_one(base, epoch, rate):
    """decay_rate ** (epoch + 1): epoch 0 is already decayed once."""
    return base * rate ** (epoch + 1)


@mistake("m5.optim.schedules", "exponential_decay", doc=SCHEDULE)
def exp_decay_natural_exp(base, epoch, rate):
    """base_lr · exp(−decay_rate · epoch): the textbook e^(−kt), where decay_rate is the factor
    per epoch."""
    return base * math.exp(-rate * epoch)


# -- weight initialisation: the std over the check's shapes --------------------------------
#: Two candidate stds closer than this (relative, on every shape) are not told apart: twice
#: the tolerance within which the check names a std (test_m5_optim.STD_MATCH), so that a std
#: within it of one candidate is outside it for every other.
SEPARATION = 0.03


def _he(fan_in, fan_out):
    return math.sqrt(2.0 / fan_in)


def _xavier(fan_in, fan_out):
    return math.sqrt(2.0 / (fan_in + fan_out))


RULES = {"he": _he, "xavier": _xavier}

# key -> (the initialisations it applies to, std(rule, shape)).
_STDS = {
    "he_fan_out": (("he",), lambda rule, s: math.sqrt(2.0 / ot.fans(s)[1])),
    "he_without_factor_two": (("he",), lambda rule, s: math.sqrt(1.0 / ot.fans(s)[0])),
    "xavier_fan_in_only": (("xavier",), lambda rule, s: math.sqrt(1.0 / ot.fans(s)[0])),
    "xavier_is_he": (("xavier",), lambda rule, s: math.sqrt(2.0 / ot.fans(s)[0])),
    "he_is_xavier": (("he",), lambda rule, s: _xavier(*ot.fans(s))),
    "xavier_without_factor_two": (("xavier",),
                                  lambda rule, s: _xavier(*ot.fans(s)) / math.sqrt(2.0)),
    "init_fans_without_receptive_field": (
        ("he", "xavier"), lambda rule, s: rule(s[1], s[0]) if len(s) == 4 else rule(*s)),
    "init_variance_as_std": (("he", "xavier"), lambda rule, s: rule(*ot.fans(s)) ** 2),
    "init_uniform_bound_is_std": (("he", "xavier"),
                                  lambda rule, s: rule(*ot.fans(s)) / math.sqrt(3.0)),
    "init_uniform_limit_as_std": (("he", "xavier"),
                                  lambda rule, s: rule(*ot.fans(s)) * math.sqrt(3.0)),
}


def _candidate(key, init, shapes):
    inits, std = _STDS[key]
    if init not in inits:
        return None
    return np.array([std(RULES[init], tuple(s)) for s in shapes])


def _std(key, init, shapes):
    """The stds mistake `key` draws on `shapes`, or None where it is not told apart from
    the right one or from another mistake's on every shape."""
    mine = _candidate(key, init, shapes)
    if mine is None:
        return None
    others = [np.array([RULES[init](*ot.fans(tuple(s))) for s in shapes])]
    others += [_candidate(k, init, shapes) for k in _STDS if k != key]
    for theirs in others:
        if theirs is not None and np.all(np.abs(mine / theirs - 1) < SEPARATION):
            return None
    return mine


@mistake("m5.init", "std", doc=INIT)
def he_fan_out(init, shapes):
    """He with fan_out where fan_in belongs: sqrt(2 / fan_out)."""
    return _std("he_fan_out", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def he_without_factor_two(init, shapes):
    """sqrt(1 / fan_in): He without its factor 2 (LeCun's rule)."""
    return _std("he_without_factor_two", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def xavier_fan_in_only(init, shapes):
    """Xavier from fan_in alone, sqrt(1 / fan_in), without fan_out."""
    return _std("xavier_fan_in_only", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def xavier_is_he(init, shapes):
    """xavier_init with He's sqrt(2 / fan_in) (FullyConnected's comment says Xavier)."""
    return _std("xavier_is_he", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def he_is_xavier(init, shapes):
    """he_init with Xavier's sqrt(2 / (fan_in + fan_out))."""
    return _std("he_is_xavier", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def xavier_without_factor_two(init, shapes):
    """sqrt(1 / (fan_in + fan_out)): Xavier without its factor 2."""
    return _std("xavier_without_factor_two", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def init_fans_without_receptive_field(init, shapes):
    """A kernel's fans taken as C_in and C_out, without kH·kW."""
    return _std("init_fans_without_receptive_field", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def init_variance_as_std(init, shapes):
    """The variance used as the std: randn · 2 / fan_in, the square root forgotten."""
    return _std("init_variance_as_std", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def init_uniform_bound_is_std(init, shapes):
    """uniform(−std, std) where a normal is asked: its std is std / √3."""
    return _std("init_uniform_bound_is_std", init, shapes)


@mistake("m5.init", "std", doc=INIT)
def init_uniform_limit_as_std(init, shapes):
    """The uniform's limit sqrt(6 / …) used as a normal's std: √3 times too large."""
    return _std("init_uniform_limit_as_std", init, shapes)


@mistake("m5.init", "moments", doc=INIT)
def init_rand_not_randn(init, shape):
    """np.random.rand (uniform on [0, 1)) for randn: (mean, std) = (std / 2, std / √12)."""
    std = RULES[init](*ot.fans(tuple(shape)))
    return np.array([std / 2, std / math.sqrt(12.0)])


# -- train(): the weights after training -----------------------------------------------
# Each plan is (update rule, the rate of each epoch, momentum). The rules: "classic" is
# v = β·v − lr·grad, w = w + v; "twice" adds train()'s plain w −= lr·grad after the
# optimizer's step; "lr_outside" is v = β·v + grad, w −= lr·v, which is the classic rule
# only while the rate stays the same.
def _plans(beta, rates):
    base, lrs = rates["base"], list(rates["schedule"])
    return {
        "right": ("classic", lrs, beta),
        "train_ignores_both": ("classic", [base] * len(lrs), 0.0),
        "train_rate_constant": ("classic", [base] * len(lrs), beta),
        "train_no_optimizer": ("classic", lrs, 0.0),
        "train_epoch_off_by_one": ("classic", list(rates["next"]), beta),
        "train_schedule_compounded": ("classic", list(rates["compounded"]), beta),
        "train_schedule_at_epoch_end": ("classic", [base] + lrs[:-1], beta),
        "train_update_twice": ("twice", lrs, beta),
        "train_momentum_lr_outside": ("lr_outside", lrs, beta),
    }


def _same(a, b):
    return a[0] == b[0] and a[2] == b[2] and np.allclose(a[1], b[1], rtol=1e-12, atol=0)


def _weights(key, X, y, W0, b0, beta, rates):
    """[W.ravel(), b] after training with plan `key`, or None when another plan (or the
    right one) trains the same way on these inputs."""
    plans = _plans(beta, rates)
    rule, lrs, momentum = plans[key]
    if any(_same(plans[key], plan) for other, plan in plans.items() if other != key):
        return None
    W, b = W0.copy(), b0.copy()
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    for lr in lrs:
        _, dW, db = ot.softmax_regression_step(X, y, W, b)
        if rule == "lr_outside":
            vW, vb = momentum * vW + dW, momentum * vb + db
            W, b = W - lr * vW, b - lr * vb
            continue
        vW, vb = momentum * vW - lr * dW, momentum * vb - lr * db
        W, b = W + vW, b + vb
        if rule == "twice":
            W, b = W - lr * dW, b - lr * db
    return np.concatenate([W.ravel(), b])


@mistake("m5.train.optimizer_schedule", "weights", doc=NETWORK)
def train_ignores_both(X, y, W0, b0, beta, rates):
    """The plain update at the starting rate: neither the optimizer nor the schedule used."""
    return _weights("train_ignores_both", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=SCHEDULE)
def train_rate_constant(X, y, W0, b0, beta, rates):
    """The optimizer steps, but optimizer.lr is never set from the schedule."""
    return _weights("train_rate_constant", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=NETWORK)
def train_no_optimizer(X, y, W0, b0, beta, rates):
    """The scheduled rate with the plain update: optimizer.step is never called."""
    return _weights("train_no_optimizer", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=SCHEDULE)
def train_epoch_off_by_one(X, y, W0, b0, beta, rates):
    """schedule(base_lr, epoch + 1): epochs counted from 1."""
    return _weights("train_epoch_off_by_one", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=SCHEDULE)
def train_schedule_compounded(X, y, W0, b0, beta, rates):
    """schedule(optimizer.lr, epoch): the schedule applied to the current rate, compounding."""
    return _weights("train_schedule_compounded", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=SCHEDULE)
def train_schedule_at_epoch_end(X, y, W0, b0, beta, rates):
    """optimizer.lr set at the end of each epoch: epoch e trains at epoch e − 1's rate."""
    return _weights("train_schedule_at_epoch_end", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=NETWORK)
def train_update_twice(X, y, W0, b0, beta, rates):
    """optimizer.step added before the plain update, which is kept: two updates a batch."""
    return _weights("train_update_twice", X, y, W0, b0, beta, rates)


@mistake("m5.train.optimizer_schedule", "weights", doc=MOMENTUM)
def train_momentum_lr_outside(X, y, W0, b0, beta, rates):
    """MomentumSGD as v = β·v + grad, w −= lr·v: the same as the course's rule at a fixed
    rate, not once the schedule changes it (the velocity carries no rate)."""
    return _weights("train_momentum_lr_outside", X, y, W0, b0, beta, rates)
