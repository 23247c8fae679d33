"""Module 6: Upsample forward and backward, nearest and bilinear.

The oracles are loops over output pixels that spell out the conventions: nearest copies
x[i // s, j // s]; bilinear is PyTorch's align_corners=False (the half-pixel rule with the
source index clamped at the border). Backward is the adjoint of forward: every input pixel
receives the sum of the gradients of the output pixels it was copied or blended into.
When a forward fails, the check compares it with the usual wrong conventions (np.tile,
align_corners=True, no half-pixel offset, no clamp) to name the mistake.
"""
import math

import numpy as np

from grader.checks import check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError

from . import hints
from .toolkit import close

DOC = "docs/module6.md#upsampling"

H = hints.table("m6_upsample")

# (N, C, H, W, scale): non-square inputs, scale 2 (the U-Net's) and 3.
CASES = [(2, 3, 3, 4, 2), (1, 2, 5, 3, 2), (2, 2, 4, 5, 3), (1, 1, 1, 3, 2)]


# -- oracles ----------------------------------------------------------------------------
def nearest(x, s):
    N, C, Hi, W = x.shape
    out = np.empty((N, C, Hi * s, W * s))
    for i in range(Hi * s):
        for j in range(W * s):
            out[:, :, i, j] = x[:, :, i // s, j // s]
    return out


def nearest_backward(dout, s):
    """Input pixel (a, b) was copied to the s×s block of outputs starting at (a·s, b·s)."""
    N, C, Hs, Ws = dout.shape
    dx = np.zeros((N, C, Hs // s, Ws // s))
    for i in range(Hs):
        for j in range(Ws):
            dx[:, :, i // s, j // s] += dout[:, :, i, j]
    return dx


def source(i, s, n_in, convention="pytorch"):
    """(i0, i1, t): output index i blends (1 - t)·x[i0] + t·x[i1] along one axis."""
    if convention == "align_corners":
        src = i * (n_in - 1) / (n_in * s - 1) if n_in > 1 else 0.0
    elif convention == "no_half_pixel":
        src = i / s
    else:
        src = (i + 0.5) / s - 0.5
        if convention != "no_clamp":
            src = max(src, 0.0)
    i0 = math.floor(src)
    t = src - i0
    i1 = min(i0 + 1, n_in - 1)
    # "no_clamp": a negative i0 is -1, which numpy reads as the last row
    return i0, i1, t


def bilinear_weights(n_in, s, convention="pytorch"):
    """(n_in·s, n_in) matrix of the blend along one axis, built one output index at a time."""
    A = np.zeros((n_in * s, n_in))
    for i in range(n_in * s):
        i0, i1, t = source(i, s, n_in, convention)
        A[i, i0] += 1.0 - t
        A[i, i1] += t
    return A


def bilinear(x, s, convention="pytorch"):
    """out[i, j] = Σ_{a,b} A_H[i, a] · x[a, b] · A_W[j, b], a loop over output pixels."""
    N, C, Hi, W = x.shape
    Ah, Aw = bilinear_weights(Hi, s, convention), bilinear_weights(W, s, convention)
    out = np.zeros((N, C, Hi * s, W * s))
    for i in range(Hi * s):
        for j in range(W * s):
            out[:, :, i, j] = np.einsum("a,ncab,b->nc", Ah[i], x, Aw[j])
    return out


def bilinear_backward(dout, s, shape, convention="pytorch"):
    """Output pixel (i, j) hands dout[i, j] back to the (up to) four pixels it blended,
    each times its weight."""
    N, C, Hi, W = shape
    Ah, Aw = bilinear_weights(Hi, s, convention), bilinear_weights(W, s, convention)
    dx = np.zeros(shape)
    for i in range(Hi * s):
        for j in range(W * s):
            dx += np.einsum("a,nc,b->ncab", Ah[i], dout[:, :, i, j], Aw[j])
    return dx


def interior(n_in, s):
    """Output indices along one axis where no clamp is active (the source lies between two
    input pixels): there a border mistake cannot show."""
    return [i for i in range(n_in * s)
            if (i + 0.5) / s - 0.5 >= 0 and math.floor((i + 0.5) / s - 0.5) + 1 <= n_in - 1]


def draw_case(rng, case):
    N, C, Hi, W, s = case
    # Sizes move a little per run, so a hard-coded answer cannot fit.
    return N, C, Hi + int(rng.integers(0, 2)), W + int(rng.integers(0, 2)), s


def call(fn, arg, grade, on_index_error=None):
    """fn(arg); an IndexError in student code gets `on_index_error` as the hint."""
    try:
        return fn(arg)
    except StudentError as exc:
        if exc.type_name == "IndexError" and on_index_error is not None:
            grade.hint(on_index_error)
        raise


# -- nearest ----------------------------------------------------------------------------
@check("m6.upsample.nearest", points=2, parts=("forward", "backward"),
       title=("Upsample nearest: forward and backward", "Upsample nearest：前向與反向傳播"),
       doc=DOC)
def test_upsample_nearest(student, rng, grade):
    up_module = student.module("module6.upsample")
    for case in grade.cases(CASES):
        N, C, Hi, Wi, s = draw_case(rng, case)
        shape = (N, C, Hi * s, Wi * s)
        layer = up_module.Upsample(scale_factor=s, mode="nearest")
        x = rng.standard_normal((N, C, Hi, Wi))
        label = f" (x of shape {(N, C, Hi, Wi)}, scale {s})"
        with grade.part("forward"):
            out = layer.forward(x)
            if isinstance(out, np.ndarray) and out.shape != shape and out.size == math.prod(shape):
                grade.hint(H("output_shape"))
            out = expect_array(out, "Upsample.forward(x)", shape)
            if close(out, np.tile(x, (1, 1, s, s))):
                grade.hint(H("nearest_tile"))
            expect_close(out, nearest(x, s), "Upsample.forward output" + label)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = expect_array(layer.backward(dout), "Upsample.backward(dout)", (N, C, Hi, Wi))
            want = nearest_backward(dout, s)
            corner = dout[:, :, ::s, ::s]
            if close(dx, corner) or close(dx, dout[:, :, s - 1::s, s - 1::s]):
                grade.hint(H("nearest_dx_one_pixel"))
            elif close(dx, want / (s * s)):
                grade.hint(H("nearest_dx_mean"))
            elif close(dx, dout.reshape(N, C, s, Hi, s, Wi).sum(axis=(2, 4))):
                grade.hint(H("nearest_dx_wrong_reshape"))
            expect_close(dx, want, "Upsample.backward dx" + label)


# -- bilinear ---------------------------------------------------------------------------
@check("m6.upsample.bilinear", points=2, parts=("forward", "backward"),
       title=("Upsample bilinear (align_corners=False): forward and backward",
              "Upsample bilinear（align_corners=False）：前向與反向傳播"), doc=DOC)
def test_upsample_bilinear(student, rng, grade):
    up_module = student.module("module6.upsample")
    for case in grade.cases(CASES):
        N, C, Hi, Wi, s = draw_case(rng, case)
        shape = (N, C, Hi * s, Wi * s)
        layer = up_module.Upsample(scale_factor=s, mode="bilinear")
        x = rng.standard_normal((N, C, Hi, Wi))
        label = f" (x of shape {(N, C, Hi, Wi)}, scale {s})"
        with grade.part("forward"):
            out = call(layer.forward, x, grade, H("bilinear_index_past_border"))
            if isinstance(out, np.ndarray) and out.shape != shape and out.size == math.prod(shape):
                grade.hint(H("output_shape"))
            out = expect_array(out, "Upsample.forward(x)", shape)
            want = bilinear(x, s)
            if not close(out, want):
                if close(out, bilinear(x, s, "align_corners")):
                    grade.hint(H("bilinear_align_corners"))
                elif close(out, bilinear(x, s, "no_half_pixel")):
                    grade.hint(H("bilinear_no_half_pixel"))
                else:
                    rows, cols = interior(Hi, s), interior(Wi, s)
                    inner = np.ix_(range(N), range(C), rows, cols)
                    if rows and cols and np.allclose(out[inner], want[inner], rtol=1e-7, atol=1e-9):
                        grade.hint(H("bilinear_border_clamp"))
                    elif close(out, nearest(x, s)):
                        grade.hint(H("bilinear_gives_nearest"))
                    else:
                        grade.hint(H("bilinear_blend"))
            expect_close(out, want, "Upsample.forward output" + label)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = call(layer.backward, dout, grade, H("bilinear_index_past_border"))
            dx = expect_array(dx, "Upsample.backward(dout)", (N, C, Hi, Wi))
            want = bilinear_backward(dout, s, (N, C, Hi, Wi))
            if not close(dx, want):
                if close(dx, bilinear_backward(dout, s, (N, C, Hi, Wi), "align_corners")):
                    grade.hint(H("bilinear_align_corners"))
                elif close(dx, nearest_backward(dout, s)):
                    grade.hint(H("bilinear_dx_nearest"))
                else:
                    grade.hint(H("bilinear_dx_transpose"))
            expect_close(dx, want, "Upsample.backward dx" + label)
