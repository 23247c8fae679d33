"""The Module 5 reference layers against naive loop oracles and numerical gradients.

The oracles are plain loops over tiny shapes, independent of the reference's im2col and
argmax code (the convolution's is shared with the Module 6 tests: tests/support/loop_oracles.py);
softmax and cross-entropy are the grader's trusted ones (grader/suites/oracles.py), as are the
inputs drawn away from kinks and ties. Gradients are checked with `given.gradcheck` in float64 against a
random upstream gradient (never all ones, which would hide transposed or mis-summed terms).

Thresholds:
- forward vs oracle: `assert_allclose(rtol=1e-12, atol=1e-12)`; both sides sum the same
  float64 products, only in a different order, so they agree to a few ulps.
- gradient checks: max relative error < 1e-7 (`GRAD_TOL`). Central differences with
  h = 1e-5 leave an error of about h^2 ~ 1e-10 relative on smooth functions; 1e-7 leaves
  three orders of margin yet fails any real mistake (a wrong index or a missing term gives
  errors of order 1). Inputs are drawn away from kinks (ReLU at 0, max-pool ties) so the
  central difference never straddles one.
"""
import warnings

import numpy as np
import pytest

from given.gradcheck import gradient_check, rel_error
from grader.suites import oracles
import reference.module5.layers as reference_layers
from reference.module5.layers import Conv2D, Flatten, FullyConnected, MaxPool2D, ReLU, Sigmoid
from reference.module5.loss import cross_entropy_loss, softmax
from tests.support.layer_checks import layer_gradient_errors
from tests.support.loop_oracles import conv_oracle

GRAD_TOL = 1e-7
EXACT = dict(rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- oracles

def maxpool_oracle(x, k, stride, dout):
    """Forward values and the routed gradient, scanning each window in row-major order
    and keeping the first strictly greater value (PyTorch's tie rule)."""
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    out = np.zeros((N, C, Ho, Wo))
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(Ho):
                for j in range(Wo):
                    best, where = -np.inf, None
                    for p in range(k):
                        for q in range(k):
                            v = x[n, c, i * stride + p, j * stride + q]
                            if v > best:
                                best, where = v, (i * stride + p, j * stride + q)
                    out[n, c, i, j] = best
                    dx[n, c, where[0], where[1]] += dout[n, c, i, j]
    return out, dx


CONV_CASES = [
    # (N, C_in, H, W, C_out, kh, kw, stride, pad)
    (2, 3, 5, 5, 4, 3, 3, 1, 0),
    (2, 3, 5, 5, 4, 3, 3, 1, 1),
    (1, 2, 7, 5, 3, 3, 3, 2, 1),      # non-square input, stride 2
    (2, 1, 6, 8, 2, 2, 3, 2, 0),      # non-square kernel
    (1, 2, 9, 7, 2, 5, 3, 3, 2),      # stride 3, (H + 2p - k) not divisible by stride
    (3, 2, 4, 4, 1, 4, 4, 1, 0),      # kernel as large as the input: 1x1 output
    (1, 1, 6, 6, 1, 1, 1, 2, 0),      # 1x1 kernel, stride skips pixels
]


def make_conv(rng, case):
    N, C, H, W, F, kh, kw, s, p = case
    layer = Conv2D(C, F, 3, stride=s, padding=p)
    layer.W = rng.standard_normal((F, C, kh, kw))
    layer.b = rng.standard_normal(F)
    x = rng.standard_normal((N, C, H, W))
    return layer, x


# ----------------------------------------------------------------------------- forward

@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "N{}C{}H{}W{}F{}k{}x{}s{}p{}".format(*c))
def test_conv_forward_matches_loop_oracle(case):
    rng = np.random.default_rng(1)
    layer, x = make_conv(rng, case)
    out = layer.forward(x)
    np.testing.assert_allclose(out, conv_oracle(x, layer.W, layer.b, layer.stride, layer.padding),
                               **EXACT)


@pytest.mark.parametrize("k,stride,H,W", [(2, 2, 4, 6), (3, 2, 7, 5), (3, 1, 5, 5), (2, 1, 3, 4),
                                          (2, 3, 8, 8)])
def test_maxpool_forward_and_routing_match_loop_oracle(k, stride, H, W):
    rng = np.random.default_rng(2)
    x = oracles.distinct(rng, (2, 3, H, W))
    dout_shape = (2, 3, (H - k) // stride + 1, (W - k) // stride + 1)
    dout = rng.standard_normal(dout_shape)
    pool = MaxPool2D(k, stride)
    out = pool.forward(x)
    want_out, want_dx = maxpool_oracle(x, k, stride, dout)
    np.testing.assert_array_equal(out, want_out)
    np.testing.assert_allclose(pool.backward(dout), want_dx, **EXACT)


def test_maxpool_ties_route_to_first_maximum_only():
    x = np.array([[[[1.0, 3.0, 3.0],
                    [3.0, 0.0, 3.0],
                    [2.0, 3.0, 1.0]]]])
    pool = MaxPool2D(2, 1)                      # overlapping 2x2 windows, each has ties
    dout = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])
    pool.forward(x)
    _, want = maxpool_oracle(x, 2, 1, dout)
    np.testing.assert_array_equal(pool.backward(dout), want)
    # Windows (0,0) and (0,1) both hold their first maximum at x[0,1]: their gradients add up.
    assert pool.backward(dout)[0, 0, 0, 1] == 1.0 + 10.0


def test_fc_relu_sigmoid_flatten_forward_values():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 5))
    fc = FullyConnected(5, 3)
    fc.b = rng.standard_normal(3)
    want = np.array([[sum(x[n, d] * fc.W[d, m] for d in range(5)) + fc.b[m] for m in range(3)]
                     for n in range(4)])
    np.testing.assert_allclose(fc.forward(x), want, **EXACT)
    np.testing.assert_array_equal(ReLU().forward(x), np.maximum(x, 0))
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)), rtol=1e-15, atol=0)
    t = rng.standard_normal((2, 3, 4, 5))
    flat = Flatten()
    assert flat.forward(t).shape == (2, 60)
    np.testing.assert_array_equal(flat.backward(flat.forward(t)), t)


def test_softmax_and_cross_entropy_match_the_trusted_oracle():
    rng = np.random.default_rng(4)
    scores = rng.standard_normal((6, 5)) * 3
    y = rng.integers(0, 5, size=6)
    p = softmax(scores)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(p, oracles.softmax(scores), rtol=1e-13)
    loss, dscores = cross_entropy_loss(scores, y)
    want_loss, want_d = oracles.cross_entropy(scores, y)
    assert isinstance(loss, float)
    assert loss == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(dscores, want_d, rtol=1e-12, atol=1e-15)


def test_cross_entropy_rejects_bad_labels():
    scores = np.zeros((3, 4))
    with pytest.raises(ValueError, match="labels"):
        cross_entropy_loss(scores, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match="integer"):
        cross_entropy_loss(scores, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="N=3"):
        cross_entropy_loss(scores, np.array([0, 1]))


# ----------------------------------------------------------------------------- gradients

def test_fc_gradients():
    rng = np.random.default_rng(10)
    fc = FullyConnected(6, 4)
    fc.b = rng.standard_normal(4)
    x = rng.standard_normal((3, 6))
    errors = layer_gradient_errors(fc, x, rng)
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("Layer", [ReLU, Sigmoid])
def test_activation_gradients(Layer):
    rng = np.random.default_rng(11)
    layer = Layer()
    x = oracles.away_from_zero(rng, (4, 7))
    dout = rng.standard_normal((4, 7))
    layer.forward(x)
    assert gradient_check(lambda v: layer.forward(v), x, layer.backward(dout), dout) < GRAD_TOL


def test_cross_entropy_gradient():
    rng = np.random.default_rng(12)
    scores = rng.standard_normal((5, 4))
    y = rng.integers(0, 4, size=5)
    _, dscores = cross_entropy_loss(scores, y)
    assert gradient_check(lambda s: cross_entropy_loss(s, y)[0], scores, dscores) < GRAD_TOL


@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "N{}C{}H{}W{}F{}k{}x{}s{}p{}".format(*c))
def test_conv_gradients(case):
    rng = np.random.default_rng(13)
    layer, x = make_conv(rng, case)
    errors = layer_gradient_errors(layer, x, rng)
    assert max(errors.values()) < GRAD_TOL, errors


# (N, C, H, W, F, kh, kw, stride, padding): the first four take the gather form of dx
# (F*H*W <= C*H'*W'), the last three the scatter form (col2im).
BOTH_DX_FORMS = [
    (5, 4, 6, 7, 4, 3, 3, 1, 1),      # same-size output, as ResNet and U-Net layers
    (3, 6, 7, 6, 2, 3, 2, 2, 1),      # stride 2: dout spread apart with zeros
    (4, 5, 4, 5, 1, 1, 3, 1, 2),      # padding larger than kernel - 1: dout cut, not padded
    (3, 6, 5, 5, 2, 2, 2, 3, 3),      # stride 3 with more padding than kernel
    (5, 1, 8, 7, 3, 3, 3, 1, 0),      # more output than input channels (LeNet conv1)
    (3, 2, 7, 7, 4, 3, 2, 2, 0),
    (4, 3, 6, 6, 5, 2, 2, 1, 1),
]


@pytest.mark.parametrize("tiny_chunks", [False, True], ids=["one-chunk", "many-chunks"])
@pytest.mark.parametrize("case", BOTH_DX_FORMS, ids=lambda c: "N{}C{}H{}W{}F{}k{}x{}s{}p{}".format(*c))
def test_conv_backward_forms_match_the_oracle(case, tiny_chunks, monkeypatch):
    """Either form of dx (and the dW each computes) equals the loop-free trusted oracle, with
    the whole batch in one chunk of columns or one sample per chunk (the last one short)."""
    N, C, H, W, F, kh, kw, s, p = case
    Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
    assert (F * H * W <= C * Ho * Wo) == (BOTH_DX_FORMS.index(case) < 4)
    if tiny_chunks:
        monkeypatch.setattr(reference_layers, "CHUNK", 2 * C * kh * kw * Ho * Wo - 1)
    rng = np.random.default_rng(BOTH_DX_FORMS.index(case))
    layer, x = make_conv(rng, case)
    out = layer.forward(x)
    np.testing.assert_allclose(out, conv_oracle(x, layer.W, layer.b, s, p), **EXACT)
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    want_dx, want_dW, want_db = oracles.conv2d_backward(x, layer.W, s, p, dout)
    for got, want in ((dx, want_dx), (layer.dW, want_dW), (layer.db, want_db)):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


# (kh, kw, stride, H, W): overlapping windows, windows side by side, gaps between them
# (stride > kernel), a last window short of the bottom / right edge, a 1x1 kernel, one window.
ADD_WINDOWS_CASES = [(3, 3, 1, 7, 7), (2, 3, 2, 8, 9), (2, 2, 3, 9, 8), (3, 2, 2, 8, 7),
                     (1, 1, 2, 5, 6), (4, 5, 1, 4, 5), (5, 5, 1, 28, 28)]


@pytest.mark.parametrize("kh,kw,stride,H,W", ADD_WINDOWS_CASES)
def test_add_windows_equals_the_slice_adds(kh, kw, stride, H, W):
    """The flat, shifted adds of `_add_windows` give exactly the textbook slice-adds: nothing
    shifts into the next row or image, or is lost off the end; dx is accumulated into."""
    rng = np.random.default_rng(kh * 100 + kw * 10 + stride)
    Ho, Wo = (H - kh) // stride + 1, (W - kw) // stride + 1
    dwin = rng.standard_normal((3, 2, Ho, Wo, kh, kw))
    start = rng.standard_normal((3, 2, H, W))
    want = start.copy()
    for i in range(kh):
        for j in range(kw):
            want[:, :, i:i + stride * Ho:stride, j:j + stride * Wo:stride] += dwin[..., i, j]
    dx = start.copy()
    assert reference_layers._add_windows(dx, dwin, stride) is dx
    np.testing.assert_array_equal(dx, want)


def test_add_windows_refuses_a_strided_dx():
    """A strided dx would be copied by the flat view and the adds lost: refused instead."""
    dx = np.zeros((2, 2, 6, 6))[:, :, :5, :5]
    with pytest.raises(ValueError, match="contiguous"):
        reference_layers._add_windows(dx, np.ones((2, 2, 2, 2, 2, 2)), 2)


@pytest.mark.parametrize("k,stride", [(2, 2), (3, 2), (3, 1), (2, 3)])
def test_maxpool_gradient(k, stride):
    rng = np.random.default_rng(14)
    x = oracles.distinct(rng, (2, 2, 7, 6))
    pool = MaxPool2D(k, stride)
    out = pool.forward(x)
    dout = rng.standard_normal(out.shape)
    assert gradient_check(lambda v: pool.forward(v), x, pool.backward(dout), dout) < GRAD_TOL


# ----------------------------------------------------------------------------- stability

def test_cross_entropy_is_stable_for_huge_logits():
    scores = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [1e4, 1e4, -1e4]])
    y = np.array([1, 1, 0])
    # Underflow of exp(-2e4) to 0 is harmless; overflow, 0 * inf or log(0) would not be.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, dscores = cross_entropy_loss(scores, y)
        p = softmax(scores)
    assert np.isfinite(loss) and np.all(np.isfinite(dscores)) and np.all(np.isfinite(p))
    # Row 0 misses by 2e4 nats, row 1 is certain, row 2 is a 50/50 tie: log 2.
    assert loss == pytest.approx((2e4 + 0.0 + np.log(2)) / 3, rel=1e-12)
    np.testing.assert_allclose(dscores[2], [-0.5 / 3, 0.5 / 3, 0.0], atol=1e-15)


def test_sigmoid_has_no_overflow_for_large_inputs():
    x = np.array([-1000.0, -745.0, -30.0, 0.0, 30.0, 745.0, 1000.0])
    layer = Sigmoid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise"):
            out = layer.forward(x)
            dx = layer.backward(np.ones_like(x))
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert np.all(np.isfinite(dx)) and dx[3] == 0.25


# ----------------------------------------------------------------------------- protocol

def _layers_and_inputs(rng):
    conv = Conv2D(2, 3, 3, stride=1, padding=1)
    return [
        (FullyConnected(4, 3), rng.standard_normal((2, 4))),
        (ReLU(), rng.standard_normal((2, 4))),
        (Sigmoid(), rng.standard_normal((2, 4))),
        (conv, rng.standard_normal((2, 2, 5, 5))),
        (MaxPool2D(2), rng.standard_normal((2, 2, 4, 4))),
        (Flatten(), rng.standard_normal((2, 2, 3, 3))),
    ]


def test_forward_and_backward_leave_their_inputs_unmodified():
    rng = np.random.default_rng(20)
    for layer, x in _layers_and_inputs(rng):
        keep = x.copy()
        out = layer.forward(x)
        np.testing.assert_array_equal(x, keep, err_msg=type(layer).__name__)
        dout = rng.standard_normal(out.shape)
        keep_dout = dout.copy()
        layer.backward(dout)
        np.testing.assert_array_equal(dout, keep_dout, err_msg=type(layer).__name__)


def test_params_and_grads_are_the_live_arrays():
    rng = np.random.default_rng(21)
    for layer, x in _layers_and_inputs(rng):
        out = layer.forward(x)
        layer.backward(rng.standard_normal(out.shape))
        pairs = layer.get_params_and_grads()
        if isinstance(layer, (FullyConnected, Conv2D)):
            assert pairs[0][0] is layer.W and pairs[0][1] is layer.dW
            assert pairs[1][0] is layer.b and pairs[1][1] is layer.db
        else:
            assert pairs == []


def test_float64_stays_float64():
    rng = np.random.default_rng(22)
    for layer, x in _layers_and_inputs(rng):
        out = layer.forward(x)
        assert out.dtype == np.float64, type(layer).__name__
        assert layer.backward(rng.standard_normal(out.shape)).dtype == np.float64


def test_rel_error_of_identical_gradients_is_zero_and_of_wrong_ones_large():
    # Guards the threshold above: a transposed dW must not slip under it.
    rng = np.random.default_rng(23)
    fc = FullyConnected(3, 3)
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    fc.forward(x)
    fc.backward(dout)
    assert rel_error(fc.dW, fc.dW.copy()) == 0.0
    assert gradient_check(lambda v: fc.forward(x), fc.W, fc.dW.T, dout) > 1e-2
