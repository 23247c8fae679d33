"""Module 6: BatchNorm2D — train-mode forward, running statistics, eval mode, backward.

Conventions (PyTorch's, stated in the seed's docstring): statistics per channel over N, H
and W; normalise with the biased batch variance; eps inside the square root;
running = (1 - momentum) * running + momentum * batch_stat with momentum = 0.1, where
running_var takes the unbiased variance (divide by n - 1, n = N·H·W). In eval mode
(training = False) the running statistics normalise and nothing is updated.

The oracles are below, in this file; the backward is judged against the numerical gradient
of the forward oracle (given.gradcheck), so the suite carries no second derivation.
"""
import numpy as np

from given.gradcheck import numerical_gradient
from grader.checks import Mismatch, Msg, check
from grader.expect import expect_array, expect_close

from . import oracles

FWD_DOC = "docs/module6.md#batchnorm-forward"
BWD_DOC = "docs/module6.md#batchnorm-backward"
EPS = 1e-5
MOMENTUM = 0.1


# -- trusted oracles ----------------------------------------------------------------------
channel, bn_train = oracles.channel, oracles.bn_train


def bn_eval(x, gamma, beta, running_mean, running_var, eps=EPS):
    return (channel(gamma) * (x - channel(running_mean)) / np.sqrt(channel(running_var) + eps)
            + channel(beta))


def running_update(rm, rv, x, momentum=MOMENTUM, unbiased=True, reverse=False):
    """One training step's running statistics. `unbiased=False` and `reverse=True` (momentum
    on the old value) are the two usual mistakes, for hints."""
    n = x.shape[0] * x.shape[2] * x.shape[3]
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3)) * (n / (n - 1) if unbiased else 1.0)
    m = 1 - momentum if reverse else momentum
    return (1 - m) * rm + m * mean, (1 - m) * rv + m * var


def bn_grads(x, gamma, beta, dout):
    """(dx, dgamma, dbeta) of sum(bn_train(x) * dout), by central differences."""
    dx = numerical_gradient(lambda v: bn_train(v, gamma, beta), x.copy(), dout)
    dgamma = numerical_gradient(lambda v: bn_train(x, v, beta), np.array(gamma, float), dout)
    dbeta = numerical_gradient(lambda v: bn_train(x, gamma, v), np.array(beta, float), dout)
    return dx, dgamma, dbeta


# -- inputs -------------------------------------------------------------------------------
def make_x(rng, shape, tiny_channel=False):
    """Per-channel offsets and scales, so per-channel statistics matter; with
    `tiny_channel`, channel 0 has a standard deviation of 0.01 (variance 1e-4, ten times
    eps), where putting eps outside the square root shows."""
    N, C, H, W = shape
    loc = rng.uniform(-3, 3, C)
    scale = rng.uniform(0.5, 3, C)
    if tiny_channel:
        scale[0] = 0.01
    return channel(loc) + channel(scale) * rng.standard_normal(shape)


def random_affine(rng, C):
    gamma = rng.uniform(0.5, 2.0, C) * rng.choice([-1.0, 1.0], C)
    beta = rng.standard_normal(C)
    return gamma, beta


def make_bn(student, C, gamma=None, beta=None):
    bn = student.module("module6.batchnorm").BatchNorm2D(C)
    if gamma is not None:
        bn.gamma = gamma
        bn.beta = beta
    return bn


def close(a, b, rtol=1e-6, atol=1e-8):
    return isinstance(a, np.ndarray) and a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol)


# -- forward --------------------------------------------------------------------------------
def train_forward_hint(out, x, gamma, beta):
    """Name the mistake when `out` is a recognisable wrong train-mode forward."""
    n = x.shape[0] * x.shape[2] * x.shape[3]
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    x_hat = (x - channel(mean)) / np.sqrt(channel(var) + EPS)
    unbiased = (channel(gamma) * (x - channel(mean)) / np.sqrt(channel(var * n / (n - 1)) + EPS)
                + channel(beta))
    eps_outside = (channel(gamma) * (x - channel(mean)) / (np.sqrt(channel(var)) + EPS)
                   + channel(beta))
    per_pixel = channel(gamma) * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + EPS) + channel(beta)
    per_sample = (channel(gamma) * (x - x.mean(axis=(1, 2, 3), keepdims=True))
                  / np.sqrt(x.var(axis=(1, 2, 3), keepdims=True) + EPS) + channel(beta))
    whole = channel(gamma) * (x - x.mean()) / np.sqrt(x.var() + EPS) + channel(beta)
    if close(out, x_hat):
        return Msg("the output is x̂ itself: scale and shift it, out = gamma * x̂ + beta "
                   "(per channel, gamma[None, :, None, None])",
                   "輸出就是 x̂：還要縮放與平移，out = gamma * x̂ + beta（每個 channel 一組，"
                   "gamma[None, :, None, None]）")
    if close(out, unbiased):
        return Msg("normalised with the unbiased variance (ddof=1): the batch is normalised with "
                   "the biased one, x.var(axis=(0, 2, 3)); only running_var takes the unbiased",
                   "用了不偏變異數（ddof=1）做 normalize：batch 要用有偏的 x.var(axis=(0, 2, 3))；"
                   "只有 running_var 用不偏變異數")
    if close(out, eps_outside, rtol=1e-7, atol=1e-9):
        return Msg("eps belongs inside the square root: (x - mean) / sqrt(var + eps) "
                   "(a channel with a tiny variance shows the difference)",
                   "eps 要放在根號裡面：(x - mean) / sqrt(var + eps)（變異數很小的 channel 會看出差別）")
    if close(out, per_pixel) or close(out, per_sample) or close(out, whole):
        return Msg("the statistics are over the wrong axes: one mean and one variance per "
                   "channel, over N, H and W — x.mean(axis=(0, 2, 3))",
                   "統計量的軸不對：每個 channel 一個平均與一個變異數，對 N、H、W 計算——"
                   "x.mean(axis=(0, 2, 3))")
    return None


def running_hint(got_mean, got_var, rm, rv, x, want_mean, want_var):
    """Hints for running statistics one step after (rm, rv)."""
    _, biased_var = running_update(rm, rv, x, unbiased=False)
    rev_mean, rev_var = running_update(rm, rv, x, reverse=True)
    if close(got_mean, want_mean) and close(got_var, biased_var):
        return Msg("running_var uses the biased variance: it takes the unbiased one, "
                   "var · n / (n − 1) with n = N·H·W (PyTorch's convention)",
                   "running_var 用了有偏變異數：要用不偏變異數 var · n / (n − 1)，n = N·H·W"
                   "（PyTorch 的慣例）")
    if close(got_mean, rev_mean) or close(got_var, rev_var):
        return Msg("the momentum is applied the other way round: running = (1 − momentum) · "
                   "running + momentum · batch_stat, so with momentum = 0.1 the new statistic "
                   "gets 0.1, not 0.9",
                   "momentum 用反了：running = (1 − momentum) · running + momentum · batch_stat，"
                   "momentum = 0.1 時新的統計量只佔 0.1，不是 0.9")
    if close(got_mean, rm) and close(got_var, rv):
        return Msg("the running statistics never change: update running_mean and running_var "
                   "in training mode (and assign the result: self.running_mean = ...)",
                   "running statistics 都沒有變：training 模式要更新 running_mean 與 running_var"
                   "（並把結果存回 self.running_mean = ...）")
    return None


@check("m6.batchnorm.forward", points=3, parts=("train", "running", "eval"),
       title=("BatchNorm2D forward: train mode, running statistics, eval mode",
              "BatchNorm2D 前向傳播：training 模式、running statistics、eval 模式"),
       doc=FWD_DOC)
def test_batchnorm_forward(student, rng, grade):
    with grade.part("train"):
        for shape, tiny in (((4, 3, 5, 5), False), ((2, 4, 3, 6), True), ((8, 2, 1, 1), False)):
            N, C, H, W = shape
            gamma, beta = random_affine(rng, C)
            bn = make_bn(student, C, gamma, beta)
            x = make_x(rng, shape, tiny)
            out = expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training)", shape)
            want = bn_train(x, gamma, beta)
            if not close(out, want):
                grade.hint(train_forward_hint(out, x, gamma, beta))
            expect_close(out, want, f"BatchNorm2D.forward output (training, x of shape {shape})")

    with grade.part("running"):
        C = int(rng.integers(2, 5))
        bn = make_bn(student, C)
        rm, rv = np.zeros(C), np.ones(C)
        for step in range(4):
            shape = (int(rng.integers(2, 5)), C, int(rng.integers(2, 5)), int(rng.integers(2, 5)))
            x = make_x(rng, shape)
            expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training)", shape)
            want_mean, want_var = running_update(rm, rv, x)
            got_mean = expect_array(bn.running_mean, "BatchNorm2D.running_mean", (C,))
            got_var = expect_array(bn.running_var, "BatchNorm2D.running_var", (C,))
            if not (close(got_mean, want_mean) and close(got_var, want_var)):
                grade.hint(running_hint(got_mean, got_var, rm, rv, x, want_mean, want_var))
            after = f" after {step + 1} training forward pass{'es' if step else ''}"
            expect_close(got_mean, want_mean, "running_mean" + after)
            expect_close(got_var, want_var, "running_var" + after)
            rm, rv = want_mean, want_var

    with grade.part("eval"):
        for shape in ((4, 3, 4, 4), (1, 2, 1, 3)):     # a batch of one: eval needs no batch
            N, C, H, W = shape
            gamma, beta = random_affine(rng, C)
            bn = make_bn(student, C, gamma, beta)
            rm = rng.uniform(-2, 2, C)
            rv = rng.uniform(0.5, 4, C)
            bn.running_mean = rm
            bn.running_var = rv
            bn.training = False
            x = make_x(rng, shape)
            out = expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training=False)", shape)
            want = bn_eval(x, gamma, beta, rm, rv)
            if not close(out, want) and N * H * W > 1 and close(out, bn_train(x, gamma, beta)):
                grade.hint(Msg("eval mode still normalises with the batch's statistics: with "
                               "training = False use running_mean and running_var",
                               "eval 模式還在用這個 batch 的統計量：training = False 時要用 "
                               "running_mean 與 running_var"))
            expect_close(out, want, f"BatchNorm2D.forward output (training=False, x of shape {shape})")
            got_mean = expect_array(bn.running_mean, "BatchNorm2D.running_mean", (C,))
            got_var = expect_array(bn.running_var, "BatchNorm2D.running_var", (C,))
            if not (np.array_equal(got_mean, rm) and np.array_equal(got_var, rv)):
                grade.hint(Msg("eval mode changed the running statistics: update them only "
                               "when training is True",
                               "eval 模式改動了 running statistics：只有 training 為 True 時才更新"))
                raise Mismatch(Msg("a forward pass with training = False changed running_mean "
                                   "or running_var",
                                   "training = False 的 forward 改動了 running_mean 或 running_var"))


# -- backward ---------------------------------------------------------------------------------
BACKWARD_SHAPES = [(4, 3, 3, 3), (2, 2, 4, 5), (6, 2, 1, 1)]


def backward_dx_hint(dx, x, gamma, dout, want_dx):
    """Name the usual BN-backward mistakes by comparing with their results."""
    M = x.shape[0] * x.shape[2] * x.shape[3]
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    inv_std = channel(1.0 / np.sqrt(var + EPS))
    x_hat = (x - channel(mean)) * inv_std
    dx_hat = dout * channel(gamma)
    sum_d = dx_hat.sum(axis=(0, 2, 3), keepdims=True)
    sum_dx = (dx_hat * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    constant = dx_hat * inv_std                          # mean and var treated as constants
    no_var = inv_std * (dx_hat - sum_d / M)              # the path through var forgotten
    no_mean = inv_std * (dx_hat - x_hat * sum_dx / M)    # the path through mean forgotten
    unbiased = (channel(1.0 / np.sqrt(var * M / (M - 1) + EPS))
                * (dx_hat - sum_d / M - x_hat * sum_dx / (M - 1)))
    if close(dx, constant):
        return Msg("dx ignores that the batch mean and variance depend on x: gamma · dout / "
                   "sqrt(var + eps) is the eval-mode gradient. In training, dx = (1/M) · inv_std "
                   "· (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂)) with dx̂ = dout · gamma, M = N·H·W",
                   "dx 忽略了 batch 的平均與變異數也依賴 x：gamma · dout / sqrt(var + eps) 是 eval 模式的梯度。"
                   "training 時 dx = (1/M) · inv_std · (M·dx̂ − Σdx̂ − x̂ · Σ(dx̂·x̂))，dx̂ = dout · gamma，M = N·H·W")
    if close(dx, no_var):
        return Msg("dx misses the path through the variance: subtract x̂ · mean(dx̂ · x̂) too",
                   "dx 少了經過變異數的那條路徑：還要減去 x̂ · mean(dx̂ · x̂)")
    if close(dx, no_mean):
        return Msg("dx misses the path through the mean: subtract mean(dx̂) too",
                   "dx 少了經過平均值的那條路徑：還要減去 mean(dx̂)")
    if close(dx, unbiased):
        return Msg("dx differentiates the unbiased variance: forward normalises with the biased "
                   "one (divide by M, not M − 1)",
                   "dx 用了不偏變異數來微分：forward 用的是有偏變異數（除以 M，不是 M − 1）")
    if close(dx, want_dx / channel(gamma)):
        return Msg("dx lacks the factor gamma: the gradient reaching x̂ is dout · gamma",
                   "dx 少了 gamma 這個因子：傳到 x̂ 的梯度是 dout · gamma")
    return None


@check("m6.batchnorm.backward", points=3, parts=("dx", "dgamma", "dbeta"),
       title=("BatchNorm2D backward (dx, dgamma, dbeta), training mode",
              "BatchNorm2D 反向傳播（dx、dgamma、dbeta），training 模式"), doc=BWD_DOC)
def test_batchnorm_backward(student, rng, grade):
    for shape in grade.cases(BACKWARD_SHAPES):
        N, C, H, W = shape
        gamma, beta = random_affine(rng, C)
        bn = make_bn(student, C, gamma, beta)
        x = make_x(rng, shape)
        expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training)", shape)
        dout = rng.standard_normal(shape)
        dx = bn.backward(dout)
        want_dx, want_dgamma, want_dbeta = bn_grads(x, gamma, beta, dout)
        label = f" (x of shape {shape})"
        with grade.part("dx"):
            dx = expect_array(dx, "BatchNorm2D.backward(dout)", shape)
            if not close(dx, want_dx, rtol=1e-5, atol=1e-7):
                grade.hint(backward_dx_hint(dx, x, gamma, dout, want_dx))
            expect_close(dx, want_dx, "dx" + label, rtol=1e-5, atol=1e-7)
        with grade.part("dgamma"):
            dgamma = expect_array(bn.dgamma, "BatchNorm2D.dgamma", (C,))
            if close(dgamma, (dout * x).sum(axis=(0, 2, 3))):
                grade.hint(Msg("dgamma multiplies dout by x: it is Σ dout · x̂, the normalised "
                               "input forward kept", "dgamma 用了 dout 乘 x：應該是 Σ dout · x̂（forward "
                               "存下來的正規化後輸入）"))
            expect_close(dgamma, want_dgamma, "dgamma" + label, rtol=1e-5, atol=1e-7)
        with grade.part("dbeta"):
            dbeta = expect_array(bn.dbeta, "BatchNorm2D.dbeta", (C,))
            expect_close(dbeta, want_dbeta, "dbeta" + label, rtol=1e-5, atol=1e-7)
    if grade.failed("dgamma", "dbeta") and not grade.failed("dx"):
        grade.hint(Msg("dgamma and dbeta sum over N, H and W per channel: "
                       "dgamma = (dout · x̂).sum(axis=(0, 2, 3)), dbeta = dout.sum(axis=(0, 2, 3))",
                       "dgamma 與 dbeta 要對每個 channel 在 N、H、W 上加總："
                       "dgamma = (dout · x̂).sum(axis=(0, 2, 3))，dbeta = dout.sum(axis=(0, 2, 3))"))
