"""Trusted helpers for the Module 5 training suites (network, optimizers, speed), written
independently of any tree; the suites never import reference/.

- LeNet's parameter shapes for an input shape, and its forward from given parameters (the
  overfit and gradient checks judge the network its parameters define, not what its
  forward says); the fans of weights (the initialisation check).
- A Conv2D that loops over output positions, vectorised over batch and channels: the
  implementation the course accepts without im2col. The speed check times it here, in the
  trusted process, as its baseline, and a training TIMEOUT quotes it.
- Source inspection for functions whose result is an in-place change (an optimizer's step
  returns None whether or not it is done): a body that is still only the skeleton's `pass`
  is a TODO. The file is parsed, never run, in this process.
- Softmax regression by full-batch gradient descent: the trajectory the train() check
  predicts when the learner's FullyConnected is the model.
"""
import ast
import os
import time

import numpy as np

from grader import skeleton
from grader.checks import Todo

from . import hints, oracles

H = hints.table("oracles_m5_training")


def failed(grade, *names):
    """True if every named part FAILed (a TODO or ERROR part gets no hint about values)."""
    return all(grade.parts.get(n) is not None and grade.parts[n].status == "FAIL" for n in names)


def lenet_param_shapes(C, Hi, W, num_classes=10):
    """Parameter shapes of SimpleConvNet for input (C, H, W): two conv5 + pool2 stages, then
    FC(16·h·w, 120), FC(120, 84), FC(84, num_classes)."""
    h, w = Hi, W
    for _ in range(2):
        h, w = (h - 4) // 2, (w - 4) // 2
    return [(6, C, 5, 5), (6,), (16, 6, 5, 5), (16,), (16 * h * w, 120), (120,),
            (120, 84), (84,), (84, num_classes), (num_classes,)]


def fans(shape):
    """(fan_in, fan_out) of weights: (D, M) for FC weights (D, M), C_in·kH·kW and
    C_out·kH·kW for a kernel (C_out, C_in, kH, kW)."""
    if len(shape) == 2:
        return shape[0], shape[1]
    F, C, kh, kw = shape
    return C * kh * kw, F * kh * kw


def lenet_parameters(params, input_shape, num_classes=10):
    """`params` (the arrays get_params_and_grads() lists, in any order) as LeNet's, in
    layer order [conv1.W, conv1.b, conv2.W, conv2.b, fc1.W, fc1.b, fc2.W, fc2.b, fc3.W,
    fc3.b], matched by shape; None unless the shapes are exactly LeNet's (each shape is a
    different one, so the match is unambiguous)."""
    want = lenet_param_shapes(*input_shape, num_classes)
    if len(set(want)) != len(want) or sorted(p.shape for p in params) != sorted(want):
        return None
    by_shape = {p.shape: p for p in params}
    return [by_shape[s] for s in want]


def _relu(z):
    return np.where(z > 0, z, 0.0)


def _pool2(x):
    """2x2 max-pooling, stride 2 (an odd last row/column is dropped, as MaxPool2D(2) does)."""
    N, C, Hi, W = x.shape
    x = x[:, :, :Hi // 2 * 2, :W // 2 * 2]
    return x.reshape(N, C, Hi // 2, 2, W // 2, 2).max(axis=(3, 5))


def lenet_features(params, x):
    """The flattened features LeNet's FC layers take, for x with `params` (lenet_parameters'
    order): conv 5x5 → ReLU → max-pool 2x2 → conv 5x5 → ReLU → max-pool 2x2 → flatten
    (row-major, as x.reshape(N, -1))."""
    c1W, c1b, c2W, c2b = params[:4]
    with np.errstate(over="ignore", invalid="ignore"):    # a diverged run: inf is an answer
        h = _pool2(_relu(oracles.conv2d(x, c1W, c1b, 1, 0)))
        h = _pool2(_relu(oracles.conv2d(h, c2W, c2b, 1, 0)))
        return h.reshape(len(h), -1)


def lenet_forward(params, x):
    """SimpleConvNet's scores for x with `params` (lenet_parameters' order): the features
    (lenet_features) → FC → ReLU → FC → ReLU → FC, FC being x @ W + b."""
    f1W, f1b, f2W, f2b, f3W, f3b = params[4:]
    h = lenet_features(params, x)
    with np.errstate(over="ignore", invalid="ignore"):
        h = _relu(_relu(h @ f1W + f1b) @ f2W + f2b)
        return h @ f3W + f3b


# -- the loop-over-output-positions Conv2D (the fair baseline) --------------------------
def conv_positions_forward(x, W, b, stride=1, pad=0):
    N, C, Hi, Wd = x.shape
    F, _, kh, kw = W.shape
    s = stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (Hi + 2 * pad - kh) // s + 1, (Wd + 2 * pad - kw) // s + 1
    out = np.empty((N, F, Ho, Wo))
    Wf = W.reshape(F, -1).T
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * s:i * s + kh, j * s:j * s + kw].reshape(N, -1)
            out[:, :, i, j] = patch @ Wf + b
    return out, (x.shape, xp, stride, pad)


def conv_positions_backward(dout, W, cache):
    (N, C, Hi, Wd), xp, s, pad = cache
    F, _, kh, kw = W.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    dxp = np.zeros_like(xp)
    dW = np.zeros_like(W)
    for i in range(Ho):
        for j in range(Wo):
            d = dout[:, :, i, j]                                           # (N, F)
            dW += np.tensordot(d, xp[:, :, i * s:i * s + kh, j * s:j * s + kw], axes=(0, 0))
            dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.tensordot(d, W, axes=(1, 0))
    return dxp[:, :, pad:pad + Hi, pad:pad + Wd], dW, dout.sum(axis=(0, 2, 3))


def time_positions_conv(cases, repeats=3):
    """Best-of-`repeats` seconds for forward + backward of the positions-loop Conv2D over
    every (x, W, b, stride, pad) in `cases` (summed)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for x, W, b, s, p in cases:
            out, cache = conv_positions_forward(x, W, b, s, p)
            conv_positions_backward(np.ones_like(out), W, cache)
        best = min(best, time.perf_counter() - start)
    return best


def min_time(fn, repeats):
    """Best wall time of `repeats` calls of fn()."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# -- source inspection ----------------------------------------------------------------
def _function(target, relpath, qualname):
    """(ast node, source text of the file) of function `qualname` ("Class.method" or
    "function") in target/relpath, or (None, None)."""
    try:
        with open(os.path.join(target, relpath), encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError):
        return None, None
    body = tree.body
    node = None
    for name in qualname.split("."):
        node = next((n for n in body if isinstance(n, (ast.ClassDef, ast.FunctionDef))
                     and n.name == name), None)
        if node is None:
            return None, None
        body = node.body
    return node, text


def is_stub(target, relpath, qualname):
    """True if the function is still the skeleton's TODO (grader.skeleton.is_skeleton)."""
    node, _ = _function(target, relpath, qualname)
    return node is not None and skeleton.is_skeleton(node)


def todo(message):
    """A TODO outcome with its own message (Todo's says "returned None")."""
    exc = Todo("")
    exc.msg = message
    return exc


def stub(qualname):
    """The TODO outcome for a function whose body is still the skeleton's `pass`."""
    return todo(H("skeleton_pass", qualname=qualname))


def mentions_todo(target, relpath, qualname):
    """True if the function's source still carries a `TODO` comment."""
    node, text = _function(target, relpath, qualname)
    if node is None:
        return False
    segment = ast.get_source_segment(text, node) or ""
    return "TODO" in segment


# -- softmax regression (the train() check's model) -----------------------------------
def softmax_regression_step(X, y, W, b):
    """(loss, dW, db) of mean cross-entropy of X @ W + b."""
    loss, dscores = oracles.cross_entropy(X @ W + b, y)
    return loss, X.T @ dscores, dscores.sum(axis=0)


def train_softmax_regression(X, y, W, b, lrs, momentum=0.0):
    """Full-batch gradient descent with rate lrs[e] in epoch e, with momentum (v = β·v −
    lr·grad, w = w + v; β = 0 is plain SGD). Returns (W, b, history) where history[e] is the
    loss before epoch e's update (with one batch per epoch, train()'s epoch mean)."""
    W, b = W.copy(), b.copy()
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    history = []
    for lr in lrs:
        loss, dW, db = softmax_regression_step(X, y, W, b)
        history.append(loss)
        vW = momentum * vW - lr * dW
        vb = momentum * vb - lr * db
        W = W + vW
        b = b + vb
    return W, b, history
