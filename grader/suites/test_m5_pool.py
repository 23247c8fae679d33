"""Module 5: MaxPool2D forward and backward (overlapping windows, non-square inputs, ties)."""
import numpy as np

from grader.checks import check
from grader.expect import expect_array, expect_close

from . import hints, oracles

DOC = "docs/module5.md#max-pooling"

H = hints.table("m5_pool")

# (N, C, H, W, kernel, stride); stride None means the default (= kernel).
FORWARD_CASES = {
    "basic": [(2, 3, 4, 4, 2, None), (1, 2, 6, 6, 2, 2)],
    "overlapping": [(2, 2, 7, 7, 3, 2), (1, 2, 5, 5, 3, 1)],
    "non_square": [(2, 2, 6, 4, 2, 2), (1, 2, 7, 5, 3, 2), (1, 1, 5, 8, 2, 2)],
}
BACKWARD_CASES = {
    "basic": [(2, 3, 4, 4, 2, None), (1, 2, 6, 4, 2, 2)],
    "overlapping": [(2, 2, 7, 7, 3, 2), (1, 2, 5, 5, 3, 1), (1, 2, 6, 5, 2, 1)],
    "ties": [(2, 2, 4, 4, 2, 2), (1, 2, 5, 5, 3, 2)],
}

def out_shape(case):
    N, C, Hi, W, k, s = case
    s = s or k
    return (N, C, (Hi - k) // s + 1, (W - k) // s + 1)


def make_pool(student, case):
    layers = student.module("module5.layers")
    k, s = case[4], case[5]
    return layers.MaxPool2D(k) if s is None else layers.MaxPool2D(k, stride=s)


def plant_shared_max(rng, x, k, s):
    """Put each channel's maximum on a pixel that two or more windows share, so the
    gradients of those windows must add up there."""
    N, C, Hi, W = x.shape
    cover = np.zeros((Hi, W), dtype=int)
    for i in range((Hi - k) // s + 1):
        for j in range((W - k) // s + 1):
            cover[i * s:i * s + k, j * s:j * s + k] += 1
    shared = np.argwhere(cover >= 2)
    for n in range(N):
        for c in range(C):
            r, q = shared[rng.integers(len(shared))]
            x[n, c, r, q] = x[n, c].max() + 0.5
    return x


def with_ties(rng, shape):
    """Small integers: most windows hold their maximum more than once. Window (0, 0) of the
    first channel surely does, with its first maximum not at the window's first pixel."""
    x = rng.integers(0, 3, shape).astype(np.float64)
    x[0, 0, 0, :2] = [1.0, 7.0]
    x[0, 0, 1, :2] = [7.0, 7.0]
    return x


@check("m5.maxpool.forward", points=1, parts=tuple(FORWARD_CASES),
       title=("MaxPool2D forward (overlapping windows, non-square)",
              "MaxPool2D 前向傳播（重疊的 window、非正方形）"), doc=DOC)
def test_maxpool_forward(student, rng, grade):
    for part, cases in FORWARD_CASES.items():
        with grade.part(part):
            for case in cases:
                pool = make_pool(student, case)
                x = oracles.distinct(rng, case[:4])
                keep = x.copy()
                k, s = case[4], case[5] or case[4]
                known = grade.diagnose("out", x=keep, k=k, s=s)
                out = expect_array(pool.forward(x), "MaxPool2D.forward(x)", out_shape(case),
                                   mistakes=known)
                expect_close(out, oracles.maxpool2d(keep, k, s),
                             f"MaxPool2D.forward output (input {case[2]}x{case[3]}, "
                             f"kernel {k}, stride {s})", mistakes=known)
    if not grade.passed("basic"):
        return
    if grade.failed("overlapping"):
        grade.hint(H("forward_overlapping"))
    elif grade.failed("non_square"):
        grade.hint(H("forward_non_square"))


@check("m5.maxpool.backward", points=2, parts=tuple(BACKWARD_CASES),
       title=("MaxPool2D backward (overlapping windows, ties)",
              "MaxPool2D 反向傳播（重疊的 window、相同最大值）"), doc=DOC)
def test_maxpool_backward(student, rng, grade):
    for part, cases in BACKWARD_CASES.items():
        for case in grade.cases(cases):
            k, s = case[4], case[5] or case[4]
            if part == "ties":
                x = with_ties(rng, case[:4])
            else:
                x = oracles.distinct(rng, case[:4])
                if part == "overlapping":
                    x = plant_shared_max(rng, x, k, s)
            keep = x.copy()
            dout = rng.standard_normal(out_shape(case))
            _, want = oracles.maxpool2d(keep, k, s, dout)
            with grade.part(part):
                pool = make_pool(student, case)
                expect_array(pool.forward(x), "MaxPool2D.forward(x)", out_shape(case))
                dx = expect_array(pool.backward(dout), "MaxPool2D.backward(dout)", x.shape)
                expect_close(dx, want, f"MaxPool2D.backward dx (input {case[2]}x{case[3]}, "
                                       f"kernel {k}, stride {s})",
                             mistakes=grade.diagnose("dx", x=keep, k=k, s=s, dout=dout))
    if grade.passed("basic"):
        if grade.failed("overlapping"):
            grade.hint(H("backward_overlap_adds"))
        elif grade.failed("ties"):
            grade.hint(H("backward_ties_first_max"))
