"""The Module 6 reference ConvTranspose2D against a scatter oracle, the adjoint identity
with the Module 5 Conv2D, and numerical gradients.

Convention under test (DESIGN.md, PyTorch's conv_transpose2d): weight (C_in, C_out, k, k);
every input pixel scatters its value times the kernel,
    Y[n, :, i*s : i*s+k, j*s : j*s+k] += x[n, c, i, j] * W[c],
then `padding` rows/columns are cropped from each border (the output_padding extra rows
are added at the bottom/right, before cropping), and the bias is added:
    H_out = (H - 1) * s - 2 * p + k + output_padding.

Thresholds: forward vs the oracle `rtol=1e-12, atol=1e-12` (at most C_in * k^2 products
per output element, summed in another order); the adjoint identity relative 1e-12;
gradient checks max relative error < 1e-7. The layer is affine in x, in W and in b, so a
central difference has no truncation error at any step; what is left is rounding,
~u * |f| / h absolute (f = sum(out * dout), |f| ~ 10). With the default h = 1e-5 that is
~1e-10, which is 2e-7 relative on an entry that happens to be ~2.5e-4 (it does, in the
stride-3 case): the checks use h = 1e-3 (`H_AFFINE`), exact for an affine map and 100x
less rounding.
"""
import numpy as np
import pytest

from reference.module5.layers import Conv2D
from reference.module6.transposed_conv import ConvTranspose2D
from tests.support.layer_checks import layer_gradient_errors

GRAD_TOL = 1e-7
H_AFFINE = 1e-3
EXACT = dict(rtol=1e-12, atol=1e-12)


def scatter_oracle(x, W, b, stride, padding, output_padding):
    N, C_in, H, Wd = x.shape
    _, C_out, k, _ = W.shape
    H_full = (H - 1) * stride + k + output_padding
    W_full = (Wd - 1) * stride + k + output_padding
    Y = np.zeros((N, C_out, H_full, W_full))
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(Wd):
                    Y[n, :, i * stride:i * stride + k, j * stride:j * stride + k] += x[n, c, i, j] * W[c]
    Y = Y[:, :, padding:H_full - padding, padding:W_full - padding]
    return Y + b[None, :, None, None]


CASES = [
    # (N, C_in, C_out, H, W, k, stride, padding, output_padding)
    (2, 3, 2, 3, 3, 2, 2, 0, 0),     # the U-Net's 2x upsampler
    (1, 2, 3, 4, 3, 3, 1, 0, 0),     # stride 1, non-square input
    (2, 2, 2, 3, 4, 3, 2, 1, 0),
    (1, 2, 2, 3, 3, 3, 2, 1, 1),     # output_padding adds one row/column
    (1, 1, 2, 2, 5, 4, 3, 2, 2),     # stride 3, output_padding 2
    (2, 3, 1, 4, 2, 3, 3, 0, 1),     # stride > kernel - 1
    (1, 2, 2, 5, 5, 1, 2, 0, 1),     # 1x1 kernel: a strided "unpool" with gaps
    (1, 1, 1, 1, 1, 3, 2, 1, 0),     # one input pixel
    (2, 2, 3, 2, 3, 5, 1, 2, 0),     # padding 2 crops the whole overhang
]


def case_id(c):
    return "N{}-C{}to{}-{}x{}-k{}-s{}-p{}-op{}".format(*c)


def make_layer(rng, case):
    N, C_in, C_out, H, W, k, s, p, op = case
    layer = ConvTranspose2D(C_in, C_out, k, stride=s, padding=p, output_padding=op)
    assert layer.W.shape == (C_in, C_out, k, k) and layer.b.shape == (C_out,)
    layer.W = rng.standard_normal((C_in, C_out, k, k))
    layer.b = rng.standard_normal(C_out)
    return layer, rng.standard_normal((N, C_in, H, W))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_forward_matches_scatter_oracle_and_output_size(case):
    N, C_in, C_out, H, W, k, s, p, op = case
    rng = np.random.default_rng(300)
    layer, x = make_layer(rng, case)
    out = layer.forward(x)
    assert out.shape == (N, C_out, (H - 1) * s - 2 * p + k + op, (W - 1) * s - 2 * p + k + op)
    np.testing.assert_allclose(out, scatter_oracle(x, layer.W, layer.b, s, p, op), **EXACT)


def test_hand_computed_stride_2_kernel_2():
    """With k = s = 2 the scattered kernels tile the output without overlap."""
    layer = ConvTranspose2D(1, 1, 2, stride=2)
    layer.W = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    layer.b = np.array([0.5])
    out = layer.forward(np.array([[[[1.0, 10.0]]]]))
    np.testing.assert_array_equal(out[0, 0], [[1.5, 2.5, 10.5, 20.5], [3.5, 4.5, 30.5, 40.5]])


def test_rejects_output_padding_not_smaller_than_stride():
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2D(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding"):
        ConvTranspose2D(1, 1, 3, stride=1, output_padding=1)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_gradients(case):
    rng = np.random.default_rng(310)
    layer, x = make_layer(rng, case)
    errors = layer_gradient_errors(layer, x, rng, h=H_AFFINE)
    assert max(errors.values()) < GRAD_TOL, errors


ADJOINT_CASES = [
    # (N, C, F, H, W, k, stride, padding): Conv2D maps C -> F channels, ConvTranspose2D F -> C
    (2, 3, 2, 5, 5, 3, 1, 0),
    (2, 3, 2, 5, 5, 3, 1, 1),
    (1, 2, 3, 6, 6, 2, 2, 0),
    (1, 2, 2, 7, 5, 3, 2, 1),        # (7 + 2 - 3) % 2 = 0, (5 + 2 - 3) % 2 = 0
    (2, 1, 2, 8, 6, 3, 2, 1),        # (8 + 2 - 3) % 2 = 1: output_padding 1 restores H
    (1, 2, 2, 9, 6, 3, 3, 2),        # stride 3, both remainders 1
    (1, 2, 1, 6, 6, 4, 2, 2),
]


@pytest.mark.parametrize("case", ADJOINT_CASES, ids=lambda c: "N{}-C{}F{}-{}x{}-k{}-s{}-p{}".format(*c))
def test_adjoint_identity_with_conv2d(case):
    """<conv(x), y> = <x, convT(y)> with the SAME weight array (conv's (F, C, k, k) is
    convT's (C_in=F, C_out=C, k, k)) and no bias. Conv2D drops (H + 2p - k) % s rows at the
    bottom; output_padding = that remainder gives convT's output x's shape back. convT's
    forward is then exactly Conv2D's input gradient."""
    N, C, F, H, W, k, s, p = case
    rng = np.random.default_rng(320)
    conv = Conv2D(C, F, k, stride=s, padding=p)
    conv.W = rng.standard_normal((F, C, k, k))
    conv.b = np.zeros(F)
    x = rng.standard_normal((N, C, H, W))
    cx = conv.forward(x)
    y = rng.standard_normal(cx.shape)
    rh, rw = (H + 2 * p - k) % s, (W + 2 * p - k) % s
    assert rh == rw or s == 1, "one output_padding for both axes"
    convT = ConvTranspose2D(F, C, k, stride=s, padding=p, output_padding=rh)
    convT.W = conv.W                                  # shared, not copied
    ty = convT.forward(y)
    assert ty.shape == x.shape
    assert np.sum(cx * y) == pytest.approx(np.sum(x * ty), rel=1e-12)
    np.testing.assert_allclose(ty, conv.backward(y), **EXACT)


def test_backward_is_a_convolution():
    """convT's input gradient is the ordinary convolution of dout with the same weights."""
    rng = np.random.default_rng(330)
    layer = ConvTranspose2D(2, 3, 3, stride=2, padding=1, output_padding=1)
    layer.W = rng.standard_normal((2, 3, 3, 3))
    x = rng.standard_normal((2, 2, 4, 4))
    out = layer.forward(x)
    dout = rng.standard_normal(out.shape)
    conv = Conv2D(3, 2, 3, stride=2, padding=1)
    conv.W = layer.W
    conv.b = np.zeros(2)
    np.testing.assert_allclose(layer.backward(dout), conv.forward(dout), **EXACT)


def test_forward_and_backward_leave_inputs_unmodified_and_params_are_live():
    rng = np.random.default_rng(340)
    layer, x = make_layer(rng, CASES[3])
    keep, keep_W, keep_b = x.copy(), layer.W.copy(), layer.b.copy()
    out = layer.forward(x)
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(layer.W, keep_W)
    np.testing.assert_array_equal(layer.b, keep_b)
    assert out.dtype == np.float64
    dout = rng.standard_normal(out.shape)
    keep_dout = dout.copy()
    assert layer.backward(dout).dtype == np.float64
    np.testing.assert_array_equal(dout, keep_dout)
    pairs = layer.get_params_and_grads()
    assert len(pairs) == 2
    assert pairs[0][0] is layer.W and pairs[0][1] is layer.dW
    assert pairs[1][0] is layer.b and pairs[1][1] is layer.db
