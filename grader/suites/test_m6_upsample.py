"""Module 6: Upsample forward and backward, nearest and bilinear.

The oracles (oracles_m6_upsample.py) are loops over output pixels that spell out the conventions: nearest copies
x[i // s, j // s]; bilinear is PyTorch's align_corners=False (the half-pixel rule with the
source index clamped at the border). Backward is the adjoint of forward: every input pixel
receives the sum of the gradients of the output pixels it was copied or blended into.
A wrong answer is compared with the known mistakes (mistakes/m6_upsample.py: np.tile,
align_corners=True, no half-pixel offset, no clamp, ...), which name it when one matches.
"""
import math

import numpy as np

from grader.checks import check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError

from . import hints
from .oracles_m6_upsample import bilinear, bilinear_backward, nearest, nearest_backward
from .toolkit import close

DOC = "docs/module6.md#upsampling"

H = hints.table("m6_upsample")

# (N, C, H, W, scale): non-square inputs, scale 2 (the U-Net's) and 3.
CASES = [(2, 3, 3, 4, 2), (1, 2, 5, 3, 2), (2, 2, 4, 5, 3), (1, 1, 1, 3, 2)]


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
            known = grade.diagnose("out", x=x, s=s)
            out = expect_array(out, "Upsample.forward(x)", shape, mistakes=known)
            expect_close(out, nearest(x, s), "Upsample.forward output" + label, mistakes=known)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            known = grade.diagnose("dx", dout=dout, s=s)
            dx = expect_array(layer.backward(dout), "Upsample.backward(dout)", (N, C, Hi, Wi),
                              mistakes=known)
            expect_close(dx, nearest_backward(dout, s), "Upsample.backward dx" + label,
                         mistakes=known)


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
            known = grade.diagnose("out", x=x, s=s)
            if not close(out, want) and known.match(out, want) is None:
                # No known mistake: say where the error is.
                rows, cols = interior(Hi, s), interior(Wi, s)
                inner = np.ix_(range(N), range(C), rows, cols)
                if rows and cols and np.allclose(out[inner], want[inner], rtol=1e-7, atol=1e-9):
                    grade.hint(H("bilinear_border_clamp"))
                else:
                    grade.hint(H("bilinear_blend"))
            expect_close(out, want, "Upsample.forward output" + label, mistakes=known)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = call(layer.backward, dout, grade, H("bilinear_index_past_border"))
            dx = expect_array(dx, "Upsample.backward(dout)", (N, C, Hi, Wi))
            want = bilinear_backward(dout, s, (N, C, Hi, Wi))
            known = grade.diagnose("dx", dout=dout, s=s)
            if not close(dx, want) and known.match(dx, want) is None:
                grade.hint(H("bilinear_dx_transpose"))
            expect_close(dx, want, "Upsample.backward dx" + label, mistakes=known)
