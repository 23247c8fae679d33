"""The Module 5 reference solutions against PyTorch, used as a float64 oracle.

Every layer of ``reference/module5`` is run forward AND backward next to the matching
PyTorch function (``F.conv2d``, ``F.linear``, ``F.max_pool2d``, ``torch.relu``,
``torch.sigmoid``, ``torch.softmax``, ``F.cross_entropy``); PyTorch's gradients come from
autograd with a random upstream gradient (never all ones, so a transposed or mis-summed
gradient cannot hide behind a symmetric ``dout``).

Tolerances
----------
All comparisons use ``np.testing.assert_allclose(actual, desired, rtol=RTOL, atol=ATOL)``
with ``RTOL = 1e-10`` and ``ATOL = 1e-10``, i.e. the checked condition is
``|ref - torch| <= 1e-10 + 1e-10 * |torch|`` element-wise.

Why this is achievable: everything is float64 (unit roundoff ``u = 1.1e-16``) on both
sides, built from the same float64 numpy arrays. Each output or gradient element is a sum
of at most a few hundred products of O(1) standard-normal numbers (the largest here is a
conv ``dW`` entry: N * H' * W' <= 3 * 12 * 12 terms), so the two libraries, which may sum
in different orders, can differ by at most about ``n * u * sum|terms|`` ~ 1e-12 in the
worst case and ~1e-14 in practice. Max-pooling, ReLU and Flatten only copy or scatter
values, so they agree exactly unless a window's argmax differs -- which these tolerances
would then expose as an O(1) error. 1e-10 therefore leaves two to four orders of margin
over rounding noise while being ~1e9 times tighter than any real mistake (a wrong index,
a missing term, a flipped kernel). The loss with logits of scale 1e4 is ~1e4 in
magnitude, so the relative part of the tolerance (1e-10 * 1e4 = 1e-6 absolute) is what
applies there; the max-shifted log-sum-exp is exact to a few ulp of 1e4.

One extra check is relative only (``atol = 0``): sigmoid's far negative tail
(x in [-700, -20]), where torch's ``1 / (1 + exp(-x))`` is still relatively accurate
and a formula that cancels (e.g. ``1 - 1 / (1 + exp(x))`` or ``0.5 * (1 + tanh(x / 2))``)
would return 0. Beyond x < -709.78, ``exp(-x)`` overflows in torch and it returns 0
while a stable implementation may return a denormal; the absolute tolerance covers that.

Numerical hygiene: the reference's sigmoid, softmax and cross-entropy run with
``warnings.simplefilter("error")`` and ``np.errstate(over/divide/invalid="raise")``, so any
overflow (``exp(1000)``), division by zero or NaN raises. Underflow to 0 (``exp(-1000)``)
is the correct result and is allowed.

Every test also asserts that ``forward`` leaves its input (and the parameters)
unmodified. The whole file runs in a few seconds on a laptop CPU.
"""
import contextlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from reference.module5.layers import (  # noqa: E402
    Conv2D,
    Flatten,
    FullyConnected,
    MaxPool2D,
    ReLU,
    Sigmoid,
)
from reference.module5.loss import cross_entropy_loss, softmax  # noqa: E402
from tests.support.torch_oracle import close, forward_checked, leaf, t64  # noqa: E402

pytestmark = pytest.mark.torch


# --------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def strict_numerics():
    """Any numpy/Python warning is an error; overflow, division by zero and NaN raise."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


# --------------------------------------------------------------------------- Conv2D
# (N, C_in, C_out, H, W, kH, kW, stride, padding), hand-picked so that every property the
# brief lists is covered (test_conv_configs_cover_the_grid checks that).
CONV_CASES = [
    (2, 3, 4, 5, 5, 3, 3, 1, 0),
    (2, 3, 4, 5, 5, 3, 3, 1, 1),     # "same" padding
    (1, 1, 1, 4, 4, 1, 1, 1, 0),     # 1x1 kernel, single channel
    (3, 2, 3, 7, 5, 3, 3, 2, 1),     # H != W
    (2, 2, 2, 8, 8, 3, 3, 2, 0),     # (8 - 3) % 2 = 1: last row/col unused
    (1, 3, 2, 10, 7, 3, 3, 3, 0),    # stride 3, both remainders 1
    (2, 4, 1, 6, 9, 2, 3, 1, 0),     # non-square kernel 2x3
    (1, 2, 4, 7, 7, 3, 1, 2, 1),     # 3x1 kernel
    (2, 1, 3, 5, 8, 1, 4, 1, 2),     # 1x4 kernel, padding 2
    (3, 3, 3, 6, 6, 5, 5, 1, 2),
    (1, 4, 4, 12, 7, 3, 5, 3, 2),    # (12 + 4 - 3) % 3 = 1
    (2, 2, 3, 4, 6, 4, 2, 2, 0),     # kernel as tall as the input: H' = 1
    (1, 1, 2, 3, 3, 3, 3, 1, 2),     # padding larger than needed: output 5x5
    (2, 3, 1, 10, 4, 2, 2, 2, 0),
    (1, 2, 2, 6, 5, 2, 3, 3, 1),     # (5 + 2 - 3) % 3 = 1
    (3, 1, 4, 8, 3, 3, 2, 1, 1),
    (2, 4, 2, 10, 9, 4, 4, 3, 2),    # (10 + 4 - 4) % 3 = 1
    (1, 3, 3, 5, 8, 5, 3, 2, 2),     # (8 + 4 - 3) % 2 = 1
    (2, 2, 2, 2, 3, 3, 3, 1, 1),     # kernel larger than the unpadded input
    (1, 1, 1, 1, 1, 1, 1, 1, 0),     # 1x1 image
    (2, 2, 3, 7, 7, 3, 3, 2, 2),
    (1, 4, 3, 6, 10, 2, 5, 2, 1),    # (10 + 2 - 5) % 2 = 1
    (2, 2, 2, 9, 8, 2, 2, 3, 0),     # stride > kernel: some pixels get no gradient
    (3, 2, 2, 5, 4, 1, 3, 2, 2),
    (1, 3, 2, 4, 4, 3, 3, 3, 0),     # H' = 1 with remainder 1
]


def _random_conv_cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n, cin, cout = (int(v) for v in rng.integers(1, [4, 5, 5]))
        kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        h = int(rng.integers(max(1, kh - 2 * pad), 12))
        w = int(rng.integers(max(1, kw - 2 * pad), 12))
        cases.append((n, cin, cout, h, w, kh, kw, stride, pad))
    return cases


RANDOM_CONV_CASES = _random_conv_cases(16, seed=20240605)


def _conv_id(c):
    n, cin, cout, h, w, kh, kw, s, p = c
    return f"N{n}-C{cin}to{cout}-{h}x{w}-k{kh}x{kw}-s{s}-p{p}"


def _check_conv(case, seed):
    n, cin, cout, h, w, kh, kw, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, cin, h, w))
    layer = Conv2D(cin, cout, kh, stride=stride, padding=pad)
    layer.W = rng.standard_normal((cout, cin, kh, kw))   # non-square kernels by assignment
    layer.b = rng.standard_normal(cout)
    W_before, b_before = layer.W.copy(), layer.b.copy()

    xt, Wt, bt = leaf(x), leaf(layer.W), leaf(layer.b)
    yt = F.conv2d(xt, Wt, bt, stride=stride, padding=pad)

    out = forward_checked(lambda: layer.forward(x), x)
    np.testing.assert_array_equal(layer.W, W_before, err_msg="forward modified W")
    np.testing.assert_array_equal(layer.b, b_before, err_msg="forward modified b")
    close(out, yt, "Conv2D forward")

    dout = rng.standard_normal(tuple(yt.shape))
    yt.backward(t64(dout))
    dx = layer.backward(dout)
    close(dx, xt.grad, "Conv2D dx")
    close(layer.dW, Wt.grad, "Conv2D dW")
    close(layer.db, bt.grad, "Conv2D db")


@pytest.mark.parametrize("case", CONV_CASES, ids=[_conv_id(c) for c in CONV_CASES])
def test_conv2d_matches_torch(case):
    _check_conv(case, seed=1000 + CONV_CASES.index(case))


@pytest.mark.parametrize(
    "case", RANDOM_CONV_CASES, ids=[f"rand{i}-" + _conv_id(c) for i, c in enumerate(RANDOM_CONV_CASES)]
)
def test_conv2d_random_configs_match_torch(case):
    _check_conv(case, seed=2000 + RANDOM_CONV_CASES.index(case))


def test_conv_configs_cover_the_grid():
    """The hand-picked list really covers what the oracle is meant to exercise."""
    cases = CONV_CASES
    assert {c[7] for c in cases} >= {1, 2, 3}, "strides 1-3"
    assert {c[8] for c in cases} >= {0, 1, 2}, "paddings 0-2"
    assert {c[0] for c in cases} >= {1, 2, 3}, "batch sizes 1-3"
    assert {c[1] for c in cases} >= {1, 2, 3, 4}, "C_in 1-4"
    assert {c[2] for c in cases} >= {1, 2, 3, 4}, "C_out 1-4"
    assert any(c[3] != c[4] for c in cases), "non-square inputs"
    assert any(c[5] != c[6] for c in cases), "non-square kernels"
    assert any((c[3] + 2 * c[8] - c[5]) % c[7] for c in cases), "H remainder != 0"
    assert any((c[4] + 2 * c[8] - c[6]) % c[7] for c in cases), "W remainder != 0"
    assert any(c[7] > max(c[5], c[6]) for c in cases), "stride larger than the kernel"
    for c in cases + RANDOM_CONV_CASES:
        assert c[3] + 2 * c[8] >= c[5] and c[4] + 2 * c[8] >= c[6], f"empty output: {c}"


# --------------------------------------------------------------------------- FullyConnected
FC_SHAPES = [(1, 1, 1), (2, 3, 4), (5, 10, 3), (7, 1, 6), (4, 16, 16), (3, 32, 10)]


@pytest.mark.parametrize("shape", FC_SHAPES, ids=[f"N{n}-D{d}-M{m}" for n, d, m in FC_SHAPES])
def test_fully_connected_matches_torch(shape):
    n, d, m = shape
    rng = np.random.default_rng(3000 + FC_SHAPES.index(shape))
    x = rng.standard_normal((n, d))
    layer = FullyConnected(d, m)
    assert layer.W.shape == (d, m) and layer.b.shape == (m,)
    layer.W = rng.standard_normal((d, m))
    layer.b = rng.standard_normal(m)

    xt, Wt, bt = leaf(x), leaf(layer.W), leaf(layer.b)
    yt = F.linear(xt, Wt.T, bt)  # the kit stores W as (D, M); torch's weight is (M, D)

    out = forward_checked(lambda: layer.forward(x), x)
    close(out, yt, "FullyConnected forward")

    dout = rng.standard_normal((n, m))
    yt.backward(t64(dout))
    dx = layer.backward(dout)
    close(dx, xt.grad, "FullyConnected dx")
    close(layer.dW, Wt.grad, "FullyConnected dW")
    close(layer.db, bt.grad, "FullyConnected db")


# --------------------------------------------------------------------------- MaxPool2D
# (N, C, H, W, kernel, stride or None, input kind)
#   randn  : continuous values, no ties
#   int    : integers in [0, 3): many ties inside windows
#   negint : integers in [-3, 0): ties AND all values negative (max must not start at 0)
#   binary : values in {0, 1}
#   const  : every value equal (every window is one big tie)
POOL_CASES = [
    (2, 3, 4, 4, 2, None, "randn"),   # default stride = kernel
    (2, 3, 4, 4, 2, 2, "int"),
    (1, 2, 6, 6, 3, 3, "randn"),
    (2, 2, 7, 7, 3, 2, "randn"),      # overlapping k=3, s=2
    (2, 2, 7, 7, 3, 2, "int"),
    (1, 3, 5, 5, 3, 1, "randn"),      # overlapping k=3, s=1
    (1, 3, 5, 5, 3, 1, "int"),
    (2, 1, 6, 9, 2, 2, "randn"),      # non-square
    (2, 1, 6, 9, 2, 2, "int"),
    (1, 2, 9, 6, 3, 2, "int"),
    (3, 2, 8, 8, 3, 2, "randn"),      # (8 - 3) % 2 = 1: last row/col unused
    (1, 1, 5, 8, 3, 1, "const"),
    (2, 2, 4, 4, 2, 2, "const"),
    (1, 2, 7, 5, 2, 1, "int"),        # overlapping k=2, s=1
    (2, 3, 10, 7, 4, 2, "randn"),
    (1, 2, 9, 9, 3, 3, "int"),
    (2, 2, 5, 7, 2, 3, "randn"),      # stride > kernel: skipped pixels
    (1, 1, 3, 3, 3, None, "randn"),   # one window
    (2, 2, 6, 5, 3, 2, "binary"),
    (1, 4, 8, 6, 2, None, "int"),
    (3, 1, 7, 10, 3, 1, "binary"),
    (2, 2, 6, 6, 1, 1, "randn"),      # k=1: identity
    (1, 2, 11, 9, 3, 2, "int"),
    (2, 2, 6, 6, 2, 2, "negint"),
    (1, 2, 7, 7, 3, 2, "negint"),
    (2, 1, 8, 5, 3, 1, "negint"),
]


def _pool_input(rng, shape, kind):
    if kind == "randn":
        return rng.standard_normal(shape)
    if kind == "int":
        return rng.integers(0, 3, size=shape).astype(np.float64)
    if kind == "negint":
        return rng.integers(-3, 0, size=shape).astype(np.float64)
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    if kind == "const":
        return np.full(shape, 0.5)
    raise ValueError(kind)


def _pool_id(c):
    n, ch, h, w, k, s, kind = c
    return f"N{n}-C{ch}-{h}x{w}-k{k}-s{s if s else 'def'}-{kind}"


@pytest.mark.parametrize("case", POOL_CASES, ids=[_pool_id(c) for c in POOL_CASES])
def test_maxpool2d_matches_torch(case):
    n, ch, h, w, k, s, kind = case
    rng = np.random.default_rng(4000 + POOL_CASES.index(case))
    x = _pool_input(rng, (n, ch, h, w), kind)
    layer = MaxPool2D(k) if s is None else MaxPool2D(k, stride=s)

    xt = leaf(x)
    yt, idx = F.max_pool2d(xt, k, stride=s, return_indices=True)  # stride None -> kernel
    idx = idx.numpy()

    out = forward_checked(lambda: layer.forward(x), x)
    close(out, yt, "MaxPool2D forward")

    # 1) Gradient with a random signed upstream gradient (scatter-add over overlaps).
    dout = rng.standard_normal(tuple(yt.shape))
    yt.backward(t64(dout))
    dx = layer.backward(dout)
    close(dx, xt.grad, "MaxPool2D dx")

    # 2) Nonzero pattern with a strictly positive dout (no cancellation when overlapping
    #    windows share an argmax): the set of selected input positions must be torch's.
    pos = rng.uniform(0.5, 1.5, size=tuple(yt.shape))
    torch_pattern = np.zeros(n * ch * h * w, dtype=bool)
    flat_idx = (np.arange(n * ch).reshape(n, ch, 1, 1) * (h * w) + idx).ravel()
    torch_pattern[flat_idx] = True
    ref_pattern = layer.backward(pos).ravel() != 0
    np.testing.assert_array_equal(
        ref_pattern, torch_pattern,
        err_msg="MaxPool2D: positions that receive gradient differ from torch's argmax set",
    )

    # 3) Window by window: a one-hot dout must send its gradient to exactly torch's index
    #    (first maximum in row-major window order).
    for pos_ in np.ndindex(*yt.shape):
        one_hot = np.zeros(tuple(yt.shape))
        one_hot[pos_] = 1.0
        g = layer.backward(one_hot)
        nb, cb = pos_[0], pos_[1]
        hits = np.flatnonzero(g)
        expected = nb * ch * h * w + cb * h * w + int(idx[pos_])
        assert hits.tolist() == [expected] and g.ravel()[expected] == 1.0, (
            f"MaxPool2D window {pos_}: gradient went to flat position(s) {hits.tolist()} "
            f"of x, torch's argmax is {expected} (plane index {int(idx[pos_])})"
        )


# --------------------------------------------------------------------------- ReLU, Sigmoid, Flatten
def test_relu_matches_torch_including_zeros():
    rng = np.random.default_rng(5000)
    x = rng.standard_normal((3, 2, 4, 5))
    x[0, 0, 0, :] = 0.0          # exact zeros: torch's ReLU gradient at 0 is 0
    x[1, 1, 2, 1:3] = -0.0
    layer = ReLU()
    xt = leaf(x)
    yt = torch.relu(xt)
    out = forward_checked(lambda: layer.forward(x), x)
    close(out, yt, "ReLU forward")
    dout = rng.standard_normal(x.shape)
    yt.backward(t64(dout))
    close(layer.backward(dout), xt.grad, "ReLU dx")


SIGMOID_EXTREMES = np.array(
    [-1000.0, -800.0, -745.0, -710.0, -700.0, -100.0, -40.0, -20.0, -1.0, -1e-8, 0.0,
     1e-8, 1.0, 20.0, 40.0, 100.0, 700.0, 710.0, 745.0, 800.0, 1000.0]
)


def test_sigmoid_matches_torch_including_extremes():
    rng = np.random.default_rng(5100)
    x = np.concatenate([SIGMOID_EXTREMES, 3 * rng.standard_normal(43)]).reshape(4, 16)
    layer = Sigmoid()
    xt = leaf(x)
    yt = torch.sigmoid(xt)
    with strict_numerics():
        out = forward_checked(lambda: layer.forward(x), x)
    assert np.all(np.isfinite(out))
    close(out, yt, "Sigmoid forward")

    dout = rng.standard_normal(x.shape)
    yt.backward(t64(dout))
    with strict_numerics():
        dx = layer.backward(dout)
    assert np.all(np.isfinite(dx))
    close(dx, xt.grad, "Sigmoid dx")


def test_sigmoid_negative_tail_is_relatively_accurate():
    """Where torch is still exact (x >= -709), the reference must be too: no cancellation."""
    x = np.array([[-700.0, -500.0, -100.0, -40.0, -36.0, -20.0]])
    layer = Sigmoid()
    with strict_numerics():
        out = layer.forward(x)
    close(out, torch.sigmoid(t64(x)), "Sigmoid negative tail (relative)", atol=0.0)


def test_sigmoid_4d_input():
    rng = np.random.default_rng(5200)
    x = rng.standard_normal((2, 3, 4, 5))
    layer = Sigmoid()
    xt = leaf(x)
    yt = torch.sigmoid(xt)
    close(forward_checked(lambda: layer.forward(x), x), yt, "Sigmoid forward (4-D)")
    dout = rng.standard_normal(x.shape)
    yt.backward(t64(dout))
    close(layer.backward(dout), xt.grad, "Sigmoid dx (4-D)")


def test_flatten_matches_torch():
    rng = np.random.default_rng(5300)
    x = rng.standard_normal((3, 2, 4, 5))
    layer = Flatten()
    xt = leaf(x)
    yt = torch.flatten(xt, 1)
    close(forward_checked(lambda: layer.forward(x), x), yt, "Flatten forward")
    dout = rng.standard_normal((3, 40))
    yt.backward(t64(dout))
    close(layer.backward(dout), xt.grad, "Flatten dx")


# --------------------------------------------------------------------------- softmax, cross-entropy
# (N, C, scale of the logits)
SOFTMAX_CASES = [(1, 1, 1.0), (1, 2, 1.0), (4, 3, 1.0), (8, 10, 3.0), (5, 7, 1e4), (3, 4, 1e3)]


@pytest.mark.parametrize("case", SOFTMAX_CASES, ids=[f"N{n}-C{c}-scale{s:g}" for n, c, s in SOFTMAX_CASES])
def test_softmax_matches_torch(case):
    n, c, scale = case
    rng = np.random.default_rng(6000 + SOFTMAX_CASES.index(case))
    x = scale * rng.standard_normal((n, c))
    x_before = x.copy()
    with strict_numerics():
        p = softmax(x)
    np.testing.assert_array_equal(x, x_before, err_msg="softmax modified its input")
    assert np.all(np.isfinite(p))
    close(p, torch.softmax(t64(x), dim=1), "softmax")
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_softmax_extreme_rows():
    x = np.array([
        [1000.0, 0.0, -1000.0],
        [-1000.0, -1000.0, -1000.0],       # all equal, very negative
        [1e4, 1e4, 1e4 - 1.0],
        [710.0, 710.0, 0.0],
    ])
    with strict_numerics():
        p = softmax(x)
    close(p, torch.softmax(t64(x), dim=1), "softmax (extreme rows)")


# (N, C, scale of the logits)
CE_CASES = [(1, 2, 1.0), (4, 3, 1.0), (8, 10, 2.0), (16, 5, 1.0), (3, 1, 1.0), (6, 4, 1e4), (5, 9, 1e4)]


@pytest.mark.parametrize("case", CE_CASES, ids=[f"N{n}-C{c}-scale{s:g}" for n, c, s in CE_CASES])
def test_cross_entropy_matches_torch(case):
    n, c, scale = case
    rng = np.random.default_rng(7000 + CE_CASES.index(case))
    scores = scale * rng.standard_normal((n, c))
    y = rng.integers(0, c, size=n)
    _check_cross_entropy(scores, y)


def test_cross_entropy_large_logits_true_class_far_below():
    """Logits at the 1e4 scale with the true class the smallest: loss ~ 2e4, finite."""
    scores = np.array([
        [1e4, -1e4, 0.0],
        [-1e4, 1e4, 5e3],
        [3e4, 3e4, -3e4],
        [-1e4, -1e4, -1e4],
    ])
    y = np.array([1, 0, 2, 1])
    loss = _check_cross_entropy(scores, y)
    assert loss > 1e4


def _check_cross_entropy(scores, y):
    n = scores.shape[0]
    scores_before, y_before = scores.copy(), y.copy()
    st = leaf(scores)
    lt = F.cross_entropy(st, torch.tensor(y, dtype=torch.long), reduction="mean")
    lt.backward()

    with strict_numerics():
        loss, dscores = cross_entropy_loss(scores, y)
    np.testing.assert_array_equal(scores, scores_before, err_msg="cross_entropy_loss modified scores")
    np.testing.assert_array_equal(y, y_before, err_msg="cross_entropy_loss modified y")
    assert np.ndim(loss) == 0, f"loss must be a scalar, got shape {np.shape(loss)}"
    loss = float(loss)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    close(loss, lt.detach().numpy(), "cross-entropy loss")
    close(dscores, st.grad, "cross-entropy dscores")
    np.testing.assert_allclose(dscores.sum(axis=1), 0.0, rtol=0, atol=1e-12 / n + 1e-15)
    return loss


# --------------------------------------------------------------------------- a whole small network
def test_small_network_end_to_end_matches_torch():
    """conv -> relu -> pool (overlapping) -> conv (stride 2) -> sigmoid -> flatten -> fc -> CE."""
    rng = np.random.default_rng(8000)
    x = rng.standard_normal((3, 2, 9, 8))
    y = np.array([0, 4, 2])

    conv1 = Conv2D(2, 4, 3, stride=1, padding=1)
    conv1.W, conv1.b = rng.standard_normal((4, 2, 3, 3)), rng.standard_normal(4)
    relu, pool = ReLU(), MaxPool2D(3, stride=2)
    conv2 = Conv2D(4, 3, 2, stride=2, padding=1)
    conv2.W, conv2.b = rng.standard_normal((3, 4, 2, 3)), rng.standard_normal(3)
    sig, flat = Sigmoid(), Flatten()

    # shapes: 9x8 -> conv1 9x8 -> pool 4x3 -> conv2 (4+2-2)//2+1=3 x (3+2-3)//2+1=2
    fc = FullyConnected(3 * 3 * 2, 5)
    fc.W, fc.b = rng.standard_normal((18, 5)), rng.standard_normal(5)

    ts = {name: leaf(a) for name, a in [
        ("x", x), ("W1", conv1.W), ("b1", conv1.b), ("W2", conv2.W), ("b2", conv2.b),
        ("Wf", fc.W), ("bf", fc.b)]}
    h = F.conv2d(ts["x"], ts["W1"], ts["b1"], stride=1, padding=1)
    h = F.max_pool2d(torch.relu(h), 3, stride=2)
    h = torch.sigmoid(F.conv2d(h, ts["W2"], ts["b2"], stride=2, padding=1))
    scores_t = F.linear(torch.flatten(h, 1), ts["Wf"].T, ts["bf"])
    lt = F.cross_entropy(scores_t, torch.tensor(y, dtype=torch.long))
    lt.backward()

    a = x
    for layer in (conv1, relu, pool, conv2, sig, flat, fc):
        a = forward_checked(lambda: layer.forward(a), a)
    close(a, scores_t, "network scores")
    loss, d = cross_entropy_loss(a, y)
    close(float(loss), lt.detach().numpy(), "network loss")
    for layer in (fc, flat, sig, conv2, pool, relu, conv1):
        d = layer.backward(d)

    close(d, ts["x"].grad, "network dx")
    close(conv1.dW, ts["W1"].grad, "network conv1 dW")
    close(conv1.db, ts["b1"].grad, "network conv1 db")
    close(conv2.dW, ts["W2"].grad, "network conv2 dW")
    close(conv2.db, ts["b2"].grad, "network conv2 db")
    close(fc.dW, ts["Wf"].grad, "network fc dW")
    close(fc.db, ts["bf"].grad, "network fc db")
