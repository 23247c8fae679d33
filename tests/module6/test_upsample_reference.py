"""The Module 6 reference Upsample against per-pixel loop oracles and numerical gradients.

Conventions under test (DESIGN.md): nearest copies x[floor(i / s), floor(j / s)];
bilinear has PyTorch's align_corners=False semantics: output row i samples the input at
src = max((i + 0.5) / s - 0.5, 0), between rows floor(src) and min(floor(src) + 1, H - 1),
with weight t = src - floor(src) on the second; likewise for columns.

Thresholds: forward and the scattered backward vs the oracles `rtol=1e-12, atol=1e-12`
(at most four products per output pixel, summed in another order); gradient checks
max relative error < 1e-7 (Upsample is linear: central differences are exact up to
rounding, ~1e-10).
"""
import math

import numpy as np
import pytest

from given.gradcheck import gradient_check
from reference.module6.upsample import Upsample
from tests.support.layer_checks import forward_backward_unmodified

GRAD_TOL = 1e-7
EXACT = dict(rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------- oracles

def nearest_oracle(x, s):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H * s, W * s))
    for n in range(N):
        for c in range(C):
            for i in range(H * s):
                for j in range(W * s):
                    out[n, c, i, j] = x[n, c, math.floor(i / s), math.floor(j / s)]
    return out


def source(i, s, size):
    """(i0, i1, t) of output index i along an axis of `size` inputs, align_corners=False."""
    src = max((i + 0.5) / s - 0.5, 0.0)
    i0 = math.floor(src)
    return i0, min(i0 + 1, size - 1), src - i0


def bilinear_taps(H, W, s):
    """For each output pixel (i, j): its four (input row, input col, weight) taps."""
    taps = {}
    for i in range(H * s):
        y0, y1, ty = source(i, s, H)
        for j in range(W * s):
            x0, x1, tx = source(j, s, W)
            taps[i, j] = [(y0, x0, (1 - ty) * (1 - tx)), (y0, x1, (1 - ty) * tx),
                          (y1, x0, ty * (1 - tx)), (y1, x1, ty * tx)]
    return taps


def bilinear_oracle(x, s):
    N, C, H, W = x.shape
    out = np.zeros((N, C, H * s, W * s))
    taps = bilinear_taps(H, W, s)
    for n in range(N):
        for c in range(C):
            for (i, j), four in taps.items():
                out[n, c, i, j] = sum(w * x[n, c, r, q] for r, q, w in four)
    return out


def bilinear_backward_oracle(dout, H, W, s):
    """The adjoint, by scattering: each output pixel's gradient goes to its four taps."""
    N, C = dout.shape[:2]
    dx = np.zeros((N, C, H, W))
    taps = bilinear_taps(H, W, s)
    for n in range(N):
        for c in range(C):
            for (i, j), four in taps.items():
                for r, q, w in four:
                    dx[n, c, r, q] += w * dout[n, c, i, j]
    return dx


def nearest_backward_oracle(dout, H, W, s):
    N, C = dout.shape[:2]
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            for i in range(H * s):
                for j in range(W * s):
                    dx[n, c, i // s, j // s] += dout[n, c, i, j]
    return dx


ORACLES = {"nearest": (nearest_oracle, nearest_backward_oracle),
           "bilinear": (bilinear_oracle, bilinear_backward_oracle)}

CASES = [
    # (N, C, H, W, scale)
    (2, 3, 4, 4, 2),
    (1, 2, 3, 5, 2),      # non-square
    (2, 1, 1, 1, 2),      # a single pixel: bilinear clamps both taps to it
    (1, 2, 1, 4, 2),      # one row
    (1, 1, 4, 3, 3),      # scale 3
    (1, 2, 2, 3, 4),      # scale 4
    (2, 2, 5, 2, 1),      # scale 1 is the identity
]


def case_id(c):
    return "N{}C{}-{}x{}-s{}".format(*c)


# ----------------------------------------------------------------------------- forward/backward

@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_and_backward_match_loop_oracles(mode, case):
    N, C, H, W, s = case
    rng = np.random.default_rng(200)
    x = rng.standard_normal((N, C, H, W))
    up = Upsample(s, mode=mode)
    forward_oracle, backward_oracle = ORACLES[mode]
    out = up.forward(x)
    assert out.shape == (N, C, H * s, W * s)
    np.testing.assert_allclose(out, forward_oracle(x, s), **EXACT)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(up.backward(dout), backward_oracle(dout, H, W, s), **EXACT)


def test_defaults_are_scale_2_nearest():
    up = Upsample()
    assert up.scale_factor == 2 and up.mode == "nearest"
    with pytest.raises(ValueError, match="mode"):
        Upsample(2, mode="bicubic")


def test_bilinear_hand_computed_row():
    """[0, 1] doubled: src = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (right tap clamped):
    0, 0.25, 0.75, 1 -- the align_corners=True answer would be 0, 1/3, 2/3, 1."""
    x = np.array([0.0, 1.0]).reshape(1, 1, 1, 2)
    out = Upsample(2, mode="bilinear").forward(x)
    np.testing.assert_allclose(out[0, 0], [[0.0, 0.25, 0.75, 1.0]] * 2, rtol=0, atol=1e-15)
    x = np.array([0.0, 4.0, 8.0]).reshape(1, 1, 3, 1)
    out = Upsample(2, mode="bilinear").forward(x)
    np.testing.assert_allclose(out[0, 0, :, 0], [0, 1, 3, 5, 7, 8], rtol=0, atol=1e-14)


def test_nearest_hand_computed():
    x = np.arange(6.0).reshape(1, 1, 2, 3)
    out = Upsample(2).forward(x)
    np.testing.assert_array_equal(out[0, 0], [[0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2],
                                              [3, 3, 4, 4, 5, 5], [3, 3, 4, 4, 5, 5]])


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_constants_stay_constant_and_gradient_mass_is_conserved(mode):
    """Interpolation weights sum to 1 per output pixel: a constant image stays constant,
    and the input gradient of an all-ones dout sums to the number of output pixels."""
    up = Upsample(2, mode=mode)
    out = up.forward(np.full((1, 2, 3, 5), 1.5))
    np.testing.assert_allclose(out, 1.5, rtol=1e-15)
    dx = up.backward(np.ones_like(out))
    np.testing.assert_allclose(dx.sum(axis=(2, 3)), 6 * 10, rtol=1e-14)
    if mode == "nearest":
        np.testing.assert_array_equal(dx, 4.0)   # every input pixel feeds s*s outputs


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_forward_and_backward_leave_their_inputs_unmodified(mode):
    rng = np.random.default_rng(201)
    x = rng.standard_normal((2, 2, 3, 4))
    up = Upsample(2, mode=mode)
    dx = forward_backward_unmodified(up, x, rng)
    assert dx.dtype == np.float64
    assert up.get_params_and_grads() == []


# ----------------------------------------------------------------------------- gradients

@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("case", [(2, 2, 3, 4, 2), (1, 1, 2, 2, 3), (1, 2, 1, 3, 2)],
                         ids=case_id)
def test_gradient(mode, case):
    N, C, H, W, s = case
    rng = np.random.default_rng(210)
    x = rng.standard_normal((N, C, H, W))
    up = Upsample(s, mode=mode)
    out = up.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = up.backward(dout)
    assert dx.shape == x.shape
    assert gradient_check(lambda v: up.forward(v), x, dx, dout) < GRAD_TOL


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_adjoint_identity(mode):
    """Upsample is linear, so backward is its transpose: <up(x), y> = <x, up^T(y)>."""
    rng = np.random.default_rng(211)
    x = rng.standard_normal((2, 3, 5, 4))
    y = rng.standard_normal((2, 3, 10, 8))
    up = Upsample(2, mode=mode)
    lhs = np.sum(up.forward(x) * y)
    rhs = np.sum(x * up.backward(y))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("bad", [1.5, 0, -2])
def test_scale_factor_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="positive integer"):
        Upsample(bad)
