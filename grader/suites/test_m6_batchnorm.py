"""Module 6: BatchNorm2D — train-mode forward, running statistics, eval mode, backward.

Conventions (PyTorch's, stated in the seed's docstring): statistics per channel over N, H
and W; normalise with the biased batch variance; eps inside the square root;
running = (1 - momentum) * running + momentum * batch_stat with momentum = 0.1, where
running_var takes the unbiased variance (divide by n - 1, n = N·H·W). In eval mode
(training = False) the running statistics normalise and nothing is updated.

The oracles are below, in this file; the backward is judged against the numerical gradient
of the forward oracle (given.gradcheck), so the suite carries no second derivation.
"""
import functools

import numpy as np

from given.gradcheck import numerical_gradient
from grader.checks import Mismatch, check
from grader.expect import expect_array, expect_close

from . import hints, oracles, toolkit

FWD_DOC = "docs/module6.md#batchnorm-forward"
BWD_DOC = "docs/module6.md#batchnorm-backward"
EPS = 1e-5
MOMENTUM = 0.1

H = hints.table("m6_batchnorm")


# -- trusted oracles ----------------------------------------------------------------------
channel, bn_train = oracles.channel, oracles.bn_train


def bn_eval(x, gamma, beta, running_mean, running_var, eps=EPS):
    return (channel(gamma) * (x - channel(running_mean)) / np.sqrt(channel(running_var) + eps)
            + channel(beta))


def running_update(rm, rv, x, momentum=MOMENTUM):
    """One training step's running statistics (the unbiased variance averaged in)."""
    n = x.shape[0] * x.shape[2] * x.shape[3]
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3)) * n / (n - 1)
    return (1 - momentum) * rm + momentum * mean, (1 - momentum) * rv + momentum * var


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
    N, C, Hi, W = shape
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


#: At expect_close's tolerance: whether the running statistics need a diagnosis.
close = functools.partial(toolkit.close, rtol=1e-6, atol=1e-8)


# -- forward --------------------------------------------------------------------------------
@check("m6.batchnorm.forward", points=3, parts=("train", "running", "eval"),
       title=("BatchNorm2D forward: train mode, running statistics, eval mode",
              "BatchNorm2D 前向傳播：training 模式、running statistics、eval 模式"),
       doc=FWD_DOC)
def test_batchnorm_forward(student, rng, grade):
    with grade.part("train"):
        for shape, tiny in (((4, 3, 5, 5), False), ((2, 4, 3, 6), True), ((8, 2, 1, 1), False)):
            N, C, Hi, Wi = shape
            gamma, beta = random_affine(rng, C)
            bn = make_bn(student, C, gamma, beta)
            x = make_x(rng, shape, tiny)
            keep = x.copy()
            out = expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training)", shape)
            expect_close(out, bn_train(keep, gamma, beta),
                         f"BatchNorm2D.forward output (training, x of shape {shape})",
                         mistakes=grade.diagnose("train_output", x=keep, gamma=gamma, beta=beta))

    with grade.part("running"):
        C = int(rng.integers(2, 5))
        bn = make_bn(student, C)
        rm, rv = np.zeros(C), np.ones(C)
        for step in range(4):
            shape = (int(rng.integers(2, 5)), C, int(rng.integers(2, 5)), int(rng.integers(2, 5)))
            x = make_x(rng, shape)
            keep = x.copy()
            expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training)", shape)
            want_mean, want_var = running_update(rm, rv, keep)
            got_mean = expect_array(bn.running_mean, "BatchNorm2D.running_mean", (C,))
            got_var = expect_array(bn.running_var, "BatchNorm2D.running_var", (C,))
            if not (close(got_mean, want_mean) and close(got_var, want_var)):
                # Both statistics at once: a mistake (the momentum reversed) shows in both.
                known = grade.diagnose("running", rm=rm, rv=rv, x=keep)
                grade.hint(known.match(np.concatenate([got_mean, got_var]),
                                       np.concatenate([want_mean, want_var])))
            after = f" after {step + 1} training forward pass{'es' if step else ''}"
            expect_close(got_mean, want_mean, "running_mean" + after)
            expect_close(got_var, want_var, "running_var" + after)
            rm, rv = want_mean, want_var

    with grade.part("eval"):
        for shape in ((4, 3, 4, 4), (1, 2, 1, 3)):     # a batch of one: eval needs no batch
            N, C, Hi, Wi = shape
            gamma, beta = random_affine(rng, C)
            bn = make_bn(student, C, gamma, beta)
            rm = rng.uniform(-2, 2, C)
            rv = rng.uniform(0.5, 4, C)
            bn.running_mean = rm
            bn.running_var = rv
            bn.training = False
            x = make_x(rng, shape)
            keep = x.copy()
            out = expect_array(bn.forward(x), "BatchNorm2D.forward(x) (training=False)", shape)
            expect_close(out, bn_eval(keep, gamma, beta, rm, rv),
                         f"BatchNorm2D.forward output (training=False, x of shape {shape})",
                         mistakes=grade.diagnose("eval_output", x=keep, gamma=gamma, beta=beta,
                                                 rm=rm, rv=rv))
            got_mean = expect_array(bn.running_mean, "BatchNorm2D.running_mean", (C,))
            got_var = expect_array(bn.running_var, "BatchNorm2D.running_var", (C,))
            if not (np.array_equal(got_mean, rm) and np.array_equal(got_var, rv)):
                grade.hint(H("eval_updates_running"))
                raise Mismatch(H("eval_changed_running"))


# -- backward ---------------------------------------------------------------------------------
BACKWARD_SHAPES = [(4, 3, 3, 3), (2, 2, 4, 5), (6, 2, 1, 1)]


@check("m6.batchnorm.backward", points=3, parts=("dx", "dgamma", "dbeta"),
       title=("BatchNorm2D backward (dx, dgamma, dbeta), training mode",
              "BatchNorm2D 反向傳播（dx、dgamma、dbeta），training 模式"), doc=BWD_DOC)
def test_batchnorm_backward(student, rng, grade):
    for shape in grade.cases(BACKWARD_SHAPES):
        N, C, Hi, Wi = shape
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
            expect_close(dx, want_dx, "dx" + label, rtol=1e-5, atol=1e-7,
                         mistakes=grade.diagnose("dx", x=x, gamma=gamma, dout=dout))
        with grade.part("dgamma"):
            dgamma = expect_array(bn.dgamma, "BatchNorm2D.dgamma", (C,))
            expect_close(dgamma, want_dgamma, "dgamma" + label, rtol=1e-5, atol=1e-7,
                         mistakes=grade.diagnose("dgamma", x=x, dout=dout))
        with grade.part("dbeta"):
            dbeta = expect_array(bn.dbeta, "BatchNorm2D.dbeta", (C,))
            expect_close(dbeta, want_dbeta, "dbeta" + label, rtol=1e-5, atol=1e-7,
                         mistakes=grade.diagnose("dbeta", dout=dout))
    if grade.failed("dgamma", "dbeta") and not grade.failed("dx"):
        grade.hint(H("dgamma_dbeta_sums"))
