"""The Module 6 reference U-Net (UNetEncoder, UNetDecoder, SimpleUNet) against loop oracles
and numerical gradients.

Contract under test (the seed and the reference docstrings):
- UNetEncoder: Conv3x3 -> BN -> ReLU -> Conv3x3 -> BN -> ReLU (padding 1), then MaxPool 2x2;
  forward returns (skip, pooled) = (features before pooling, after); backward(dout, dskip)
  returns dx, the features' gradient being the sum of the pool's and the skip's.
- UNetDecoder: Upsample x2 (nearest / bilinear, or ConvTranspose2D(c, c, 2, stride=2)) ->
  concat [x_up, skip] along channels (x first) -> Conv-BN-ReLU x 2; backward returns (dx, dskip).
- SimpleUNet: enc1 in->8, enc2 8->16, bottom Conv3x3 16->32 + BN + ReLU, dec2 32+16->16,
  dec1 16+8->8, head Conv1x1 8->n_classes (logits); (N, C, H, W) -> (N, n_classes, H, W).

The oracles are plain loops (convolution, train-mode BN and ReLU from
tests/support/loop_oracles.py; first-maximum pooling, per-pixel nearest/bilinear, scatter for
the transposed conv below) composed in that order, with the weights read from the model's
Conv2D / BatchNorm2D / ConvTranspose2D instances in definition order (found by walking
attributes, independent of given.model_utils).

Thresholds:
- forward vs oracle: `rtol=1e-9, atol=1e-9`: up to eleven conv/BN stages of float64 sums
  (~1e-14 each), and each BN divides by a batch standard deviation (over as few as 2x2x2
  values at the bottom level), which can amplify rounding per stage; the loose bound keeps
  the test about wiring, where any mistake (swapped concat, skip taken after pooling, a
  missing ReLU) is O(1).
- gradient checks: relative error < 1e-7 (`GRAD_TOL`) on sampled coordinates with the
  error floor at 1 % of the gradient array's largest entry (`scaled_error`; the reason, as
  in test_blocks_reference.py: ~1e-9 absolute rounding noise in a deep central difference
  against entries that can be 1e-5 of the largest).

Kinks: `KinkGuard` (as in test_blocks_reference.py) records the pattern of every ReLU
(x > 0) and every max-pool window (argmax) on each evaluation and the tests assert that no
evaluation of a numerical check left the unperturbed pattern. Train-mode BN is why this is
needed: one perturbed pixel moves its channel's batch mean and variance, so every ReLU and
pooling window downstream in that channel moves. Max-pool ties: the pools follow a ReLU,
so all-zero windows are frequent; they are harmless (their values stay exactly 0 under a
perturbation that keeps the ReLU pattern, and the gradient reaching them is 0), and the
guard's argmax comparison catches the harmful case (two positive values within h).
Conv biases before a train-mode BN have a zero gradient: asserted as such (analytic < 1e-12,
numerical < 1e-7), not compared relatively.
"""
import math

import numpy as np
import pytest

from given.gradcheck import numerical_gradient
from given.model_utils import set_training
from reference.module5.layers import Conv2D
from reference.module6.batchnorm import BatchNorm2D
from reference.module6.transposed_conv import ConvTranspose2D
from reference.module6.unet import SimpleUNet, UNetDecoder, UNetEncoder
from reference.module6.upsample import Upsample
from tests.support.loop_oracles import bn_train_oracle, conv_oracle, relu

from kink_guard import KinkGuard, layers_of, scaled_error
from model_tools import assert_set_training_switches_every_bn, randomize

GRAD_TOL = 1e-7
CLOSE = dict(rtol=1e-9, atol=1e-9)
MODES = ["nearest", "bilinear", "transposed"]


# ----------------------------------------------------------------------------- oracles

def maxpool2_oracle(x):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H // 2, W // 2))
    for n in range(N):
        for c in range(C):
            for i in range(H // 2):
                for j in range(W // 2):
                    out[n, c, i, j] = max(x[n, c, 2 * i + p, 2 * j + q] for p in (0, 1) for q in (0, 1))
    return out


def _src(i, size):
    src = max((i + 0.5) / 2 - 0.5, 0.0)
    i0 = math.floor(src)
    return i0, min(i0 + 1, size - 1), src - i0


def upsample_oracle(x, mode, convT=None):
    N, C, H, W = x.shape
    if mode == "transposed":
        _, C_out, k, _ = convT.W.shape
        Y = np.zeros((N, C_out, 2 * (H - 1) + k, 2 * (W - 1) + k))
        for n in range(N):
            for c in range(C):
                for i in range(H):
                    for j in range(W):
                        Y[n, :, 2 * i:2 * i + k, 2 * j:2 * j + k] += x[n, c, i, j] * convT.W[c]
        return Y + convT.b[None, :, None, None]
    out = np.zeros((N, C, 2 * H, 2 * W))
    for i in range(2 * H):
        for j in range(2 * W):
            if mode == "nearest":
                out[:, :, i, j] = x[:, :, i // 2, j // 2]
            else:
                y0, y1, ty = _src(i, H)
                x0, x1, tx = _src(j, W)
                out[:, :, i, j] = ((1 - ty) * (1 - tx) * x[:, :, y0, x0] + (1 - ty) * tx * x[:, :, y0, x1]
                                   + ty * (1 - tx) * x[:, :, y1, x0] + ty * tx * x[:, :, y1, x1])
    return out


class Weights:
    """The model's convs and BNs in definition order, consumed stage by stage."""

    def __init__(self, model):
        self.convs = layers_of(model, Conv2D)
        self.bns = layers_of(model, BatchNorm2D)
        self.ups = layers_of(model, ConvTranspose2D)

    def conv_bn_relu(self, x):
        conv, bn = self.convs.pop(0), self.bns.pop(0)
        assert conv.W.shape[2:] == (3, 3) and conv.padding == 1 and conv.stride == 1
        return relu(bn_train_oracle(conv_oracle(x, conv.W, conv.b, 1, 1), bn.gamma, bn.beta))


def encoder_stage(w, x):
    skip = w.conv_bn_relu(w.conv_bn_relu(x))
    return skip, maxpool2_oracle(skip)


def decoder_stage(w, x, skip, mode):
    up = upsample_oracle(x, mode, w.ups.pop(0) if mode == "transposed" else None)
    return w.conv_bn_relu(w.conv_bn_relu(np.concatenate([up, skip], axis=1)))


def encoder_oracle(enc, x):
    return encoder_stage(Weights(enc), x)


def decoder_oracle(dec, x, skip, mode):
    return decoder_stage(Weights(dec), x, skip, mode)


def unet_oracle(model, x, mode):
    w = Weights(model)
    skip1, h = encoder_stage(w, x)
    skip2, h = encoder_stage(w, h)
    h = w.conv_bn_relu(h)
    h = decoder_stage(w, h, skip2, mode)
    h = decoder_stage(w, h, skip1, mode)
    head = w.convs.pop(0)
    assert not w.convs and not w.bns and not w.ups, "layers left over: not the documented wiring"
    return conv_oracle(h, head.W, head.b, 1, 0)


# ----------------------------------------------------------------------------- helpers

def build(cls, args, seed, **kwargs):
    np.random.seed(seed)                    # the constructors draw with np.random
    return randomize(cls(*args, **kwargs), np.random.default_rng(seed))


def check_params(model, f_of_params, dout, guard, biases_before_bn, n_param, errors):
    """Sampled checks of every (param, grad) pair; zero-gradient biases asserted as zero."""
    for i, (p, g) in enumerate(model.get_params_and_grads()):
        f = guard.watch(f_of_params)
        if id(p) in biases_before_bn:
            picked = [np.unravel_index(j, p.shape) for j in
                      np.random.default_rng(i).choice(p.size, min(n_param, p.size), replace=False)]
            numeric = numerical_gradient(f, p, dout, indices=picked)
            assert np.max(np.abs(g)) < 1e-12, f"param {i}: bias before train-mode BN, grad must be 0"
            assert np.max(np.abs(numeric)) < 1e-7, f"param {i}: numerical grad should be 0"
        else:
            errors[f"param {i} {p.shape}"] = scaled_error(f, p, g, dout, num_checks=n_param, seed=i)


def bn_fed_biases(model):
    """Biases of the convs whose output goes straight into a BN: every Conv2D but the head."""
    return {id(c.b) for c in layers_of(model, Conv2D) if c.W.shape[2:] == (3, 3)}


def assert_small(errors):
    bad = {k: v for k, v in errors.items() if not v < GRAD_TOL}
    assert not bad, f"relative errors above {GRAD_TOL}: {bad}"


# ----------------------------------------------------------------------------- encoder

def test_encoder_forward_matches_oracle_and_returns_skip_then_pooled():
    enc = build(UNetEncoder, (2, 3), seed=500)
    x = np.random.default_rng(501).standard_normal((2, 2, 6, 4))
    skip, pooled = enc.forward(x)
    assert skip.shape == (2, 3, 6, 4) and pooled.shape == (2, 3, 3, 2)
    want_skip, want_pooled = encoder_oracle(enc, x)
    np.testing.assert_allclose(skip, want_skip, **CLOSE)
    np.testing.assert_allclose(pooled, want_pooled, **CLOSE)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_encoder_backward_takes_both_gradients(training):
    enc = set_training(build(UNetEncoder, (2, 3), seed=510), training)
    rng = np.random.default_rng(511)
    x = rng.standard_normal((2, 2, 4, 6))
    skip, pooled = enc.forward(x)
    dskip, dout = rng.standard_normal(skip.shape), rng.standard_normal(pooled.shape)

    def loss(v):
        s, p = enc.forward(v)
        return np.sum(s * dskip) + np.sum(p * dout)

    with KinkGuard(enc) as guard:
        guard.forward(lambda: enc.forward(x))
        dx = enc.backward(dout, dskip)
        assert dx.shape == x.shape
        errors = {"x": scaled_error(guard.watch(loss), x, dx, num_checks=30)}
        check_params(enc, lambda v: loss(x), None, guard,
                     bn_fed_biases(enc) if training else set(), 4, errors)
    guard.assert_no_crossing()
    assert_small(errors)
    # Each gradient alone: the skip's and the pool's contributions add up to dx.
    enc.forward(x)
    only_pool = enc.backward(dout, np.zeros_like(dskip))
    enc.forward(x)
    only_skip = enc.backward(np.zeros_like(dout), dskip)
    np.testing.assert_allclose(only_pool + only_skip, dx, rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(only_skip)) > 0.1 and np.max(np.abs(only_pool)) > 0.1


# ----------------------------------------------------------------------------- decoder

DECODERS = [
    # (in_channels, out_channels, x channels, x size): x brings in - out channels, skip out
    (7, 3, 4, (2, 3)),
    (5, 2, 3, (3, 2)),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spec", DECODERS, ids=lambda s: f"{s[0]}to{s[1]}")
def test_decoder_forward_matches_oracle(mode, spec):
    cin, cout, cx, (h, w) = spec
    dec = build(UNetDecoder, (cin, cout, mode), seed=520)
    if mode == "transposed":
        assert isinstance(dec.up, ConvTranspose2D) and dec.up.W.shape == (cx, cx, 2, 2)
        assert dec.up.stride == 2 and dec.up.padding == 0
    rng = np.random.default_rng(521)
    x, skip = rng.standard_normal((2, cx, h, w)), rng.standard_normal((2, cout, 2 * h, 2 * w))
    out = dec.forward(x, skip)
    assert out.shape == (2, cout, 2 * h, 2 * w)
    np.testing.assert_allclose(out, decoder_oracle(dec, x, skip, mode), **CLOSE)


def test_decoder_concatenates_x_first_then_skip():
    """With the first conv reading only input channel 0 (centre tap), the output follows
    x_up's first channel, not skip's: the concat order is [x_up, skip]."""
    dec = build(UNetDecoder, (5, 2, "nearest"), seed=530)
    conv = layers_of(dec, Conv2D)[0]
    conv.W = np.zeros_like(conv.W)
    conv.W[:, 0, 1, 1] = 1.0
    rng = np.random.default_rng(531)
    x, skip = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal((2, 2, 4, 4))
    dec.forward(x, skip)
    want = decoder_oracle(dec, x, skip, "nearest")
    np.testing.assert_allclose(dec.forward(x, skip), want, **CLOSE)
    # The output does not depend on skip at all (only the first conv reads the concat).
    np.testing.assert_allclose(dec.forward(x, skip * 3 + 1), want, **CLOSE)
    dout = rng.standard_normal(want.shape)
    dx, dskip = dec.backward(dout)
    assert dx.shape == x.shape and dskip.shape == skip.shape
    np.testing.assert_array_equal(dskip, 0.0)
    assert np.max(np.abs(dx)) > 0.1


@pytest.mark.parametrize("mode", MODES)
def test_decoder_backward_returns_dx_and_dskip(mode):
    dec = build(UNetDecoder, (7, 3, mode), seed=540)
    rng = np.random.default_rng(541)
    x, skip = rng.standard_normal((2, 4, 2, 3)), rng.standard_normal((2, 3, 4, 6))
    out = dec.forward(x, skip)
    dout = rng.standard_normal(out.shape)
    with KinkGuard(dec) as guard:
        guard.forward(lambda: dec.forward(x, skip))
        dx, dskip = dec.backward(dout)
        assert dx.shape == x.shape and dskip.shape == skip.shape
        errors = {
            "x": scaled_error(guard.watch(lambda v: dec.forward(v, skip)), x, dx, dout, num_checks=24),
            "skip": scaled_error(guard.watch(lambda v: dec.forward(x, v)), skip, dskip, dout,
                                 num_checks=24, seed=1),
        }
        check_params(dec, lambda v: dec.forward(x, skip), dout, guard, bn_fed_biases(dec), 4, errors)
    guard.assert_no_crossing()
    assert_small(errors)


# ----------------------------------------------------------------------------- SimpleUNet

def test_simple_unet_architecture_has_the_suggested_sizes():
    for mode in MODES:
        model = SimpleUNet(upsample=mode)
        shapes = [c.W.shape for c in layers_of(model, Conv2D)]
        assert shapes == [(8, 1, 3, 3), (8, 8, 3, 3), (16, 8, 3, 3), (16, 16, 3, 3),
                          (32, 16, 3, 3), (16, 48, 3, 3), (16, 16, 3, 3), (8, 24, 3, 3),
                          (8, 8, 3, 3), (2, 8, 1, 1)], mode
        assert [bn.num_features for bn in layers_of(model, BatchNorm2D)] == [8, 8, 16, 16, 32, 16, 16, 8, 8]
        ups = [u.W.shape for u in layers_of(model, ConvTranspose2D)]
        assert ups == ([(32, 32, 2, 2), (16, 16, 2, 2)] if mode == "transposed" else [])
        modes = {u.mode for u in layers_of(model, Upsample)}
        assert modes == (set() if mode == "transposed" else {mode})


def test_simple_unet_maps_64x64_to_class_logits():
    np.random.seed(550)
    x = np.random.default_rng(551).standard_normal((2, 1, 64, 64))
    assert SimpleUNet().forward(x).shape == (2, 2, 64, 64)
    assert SimpleUNet(in_channels=3, n_classes=4, upsample="transposed").forward(
        np.random.default_rng(552).standard_normal((1, 3, 12, 8))).shape == (1, 4, 12, 8)


@pytest.mark.parametrize("mode", MODES)
def test_simple_unet_forward_matches_oracle(mode):
    model = build(SimpleUNet, (1, 3), seed=560, upsample=mode)
    x = np.random.default_rng(561).standard_normal((2, 1, 8, 4))
    out = model.forward(x)
    assert out.shape == (2, 3, 8, 4)
    np.testing.assert_allclose(out, unet_oracle(model, x, mode), **CLOSE)


@pytest.mark.parametrize("mode,training", [("nearest", True), ("bilinear", True),
                                           ("transposed", True), ("bilinear", False)])
def test_simple_unet_whole_model_gradients(mode, training):
    """dx on 16 of the 64 input pixels and 2 coordinates of each of the 38 (42 with the
    transposed convs) parameter arrays, on a (1, 1, 8, 8) input (~200 forwards)."""
    model = set_training(build(SimpleUNet, (), seed=570, upsample=mode), training)
    rng = np.random.default_rng(571)
    x = rng.standard_normal((1, 1, 8, 8))
    dout = rng.standard_normal((1, 2, 8, 8))
    with KinkGuard(model) as guard:
        guard.forward(lambda: model.forward(x))
        dx = model.backward(dout)
        assert dx.shape == x.shape
        errors = {"x": scaled_error(guard.watch(lambda v: model.forward(v)), x, dx, dout, num_checks=16)}
        check_params(model, lambda v: model.forward(x), dout, guard,
                     bn_fed_biases(model) if training else set(), 2, errors)
    guard.assert_no_crossing()
    assert_small(errors)


# ----------------------------------------------------------------------------- protocol

@pytest.mark.parametrize("make,n_pairs", [
    (lambda: UNetEncoder(2, 3), 8),
    (lambda: UNetDecoder(7, 3, "nearest"), 8),
    (lambda: UNetDecoder(7, 3, "bilinear"), 8),
    (lambda: UNetDecoder(7, 3, "transposed"), 10),
    (lambda: SimpleUNet(upsample="nearest"), 38),
    (lambda: SimpleUNet(upsample="bilinear"), 38),
    (lambda: SimpleUNet(upsample="transposed"), 42),
], ids=["encoder", "decoder-nearest", "decoder-bilinear", "decoder-transposed",
        "unet-nearest", "unet-bilinear", "unet-transposed"])
def test_params_and_grads_are_the_live_arrays(make, n_pairs):
    np.random.seed(580)
    model = make()
    rng = np.random.default_rng(581)
    if isinstance(model, UNetEncoder):
        x = rng.standard_normal((2, 2, 4, 4))
        run = lambda: model.forward(x)[1]
        back = lambda d: model.backward(d, np.zeros((2, 3, 4, 4)))
    elif isinstance(model, UNetDecoder):
        x, skip = rng.standard_normal((2, 4, 2, 2)), rng.standard_normal((2, 3, 4, 4))
        run = lambda: model.forward(x, skip)
        back = model.backward
    else:
        x = rng.standard_normal((2, 1, 8, 8))
        run = lambda: model.forward(x)
        back = model.backward
    out = run()
    back(rng.standard_normal(out.shape))
    pairs = model.get_params_and_grads()
    assert len(pairs) == n_pairs
    live = set()
    for layer in layers_of(model, (Conv2D, ConvTranspose2D)):
        live |= {(id(layer.W), id(layer.dW)), (id(layer.b), id(layer.db))}
    for bn in layers_of(model, BatchNorm2D):
        live |= {(id(bn.gamma), id(bn.dgamma)), (id(bn.beta), id(bn.dbeta))}
    assert {(id(p), id(g)) for p, g in pairs} == live and len(live) == n_pairs
    for p, g in pairs:
        p -= 0.1 * g
    assert not np.allclose(run(), out)


def test_set_training_switches_every_bn_of_the_unet():
    np.random.seed(590)
    model = randomize(SimpleUNet(upsample="bilinear"), np.random.default_rng(590))
    assert len(layers_of(model, BatchNorm2D)) == 9
    x = np.random.default_rng(591).standard_normal((2, 1, 8, 8))
    assert_set_training_switches_every_bn(model, x, slice(1, None), tol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_forward_and_backward_leave_inputs_unmodified(mode):
    np.random.seed(600)
    rng = np.random.default_rng(601)
    enc, dec, model = UNetEncoder(1, 2), UNetDecoder(5, 2, mode), SimpleUNet(upsample=mode)
    x = rng.standard_normal((2, 1, 4, 4))
    xd, skip = rng.standard_normal((2, 3, 2, 2)), rng.standard_normal((2, 2, 4, 4))
    keep = [a.copy() for a in (x, xd, skip)]
    s, p = enc.forward(x)
    out_d = dec.forward(xd, skip)
    out_m = model.forward(x)
    for a, k in zip((x, xd, skip), keep):
        np.testing.assert_array_equal(a, k)
    grads = [rng.standard_normal(a.shape) for a in (s, p, out_d, out_m)]
    keep_g = [g.copy() for g in grads]
    assert enc.backward(grads[1], grads[0]).dtype == np.float64
    assert all(d.dtype == np.float64 for d in dec.backward(grads[2]))
    assert model.backward(grads[3]).dtype == np.float64
    for g, k in zip(grads, keep_g):
        np.testing.assert_array_equal(g, k)
    assert all(a.dtype == np.float64 for a in (s, p, out_d, out_m))
