"""Helpers the suites share: probing a gradient against central differences, and naming
array positions. One copy, used by every suite that checks gradients numerically.

A gradient check compares one analytic value with the central difference of the student's
own forward at shrinking steps. It passes as soon as the two agree, and fails once two
steps agree with each other but not with the analytic value. A probe whose difference keeps
changing with the step sits at a ReLU kink or a pooling tie (close to the point, so that
every step crosses it): it is redrawn, never judged.
"""
import numpy as np

from grader.checks import Mismatch, Msg

#: The steps of the central difference, largest first. With float64 and outputs of order
#: 1-100, the smallest still has a rounding error below ATOL.
STEPS = (1e-5, 1.25e-6, 1.5e-7)
RTOL, ATOL = 1e-5, 1e-7


def agree(a, n):
    """Whether an analytic and a numerical derivative agree within RTOL/ATOL."""
    return abs(a - n) <= ATOL + RTOL * max(abs(a), abs(n))


def judge(draw, label, rng, retries=4):
    """Judge one probe. draw(rng, attempt) -> (analytic, numerical(h), where); a probe the
    steps cannot settle is redrawn up to `retries` times (see the module docstring)."""
    for attempt in range(retries):
        a, numerical, where = draw(rng, attempt)
        previous = None
        for h in STEPS:
            n = numerical(h)
            if agree(a, n):
                return
            if previous is not None and agree(previous, n):
                raise Mismatch(Msg(f"{label} is wrong at {where}: backward gives {a:.6g}, the "
                                   f"numerical gradient is {n:.6g}",
                                   f"{label} 在 {where} 不正確：backward 得到 {a:.6g}，數值梯度是 {n:.6g}"))
            previous = n
    raise Mismatch(Msg(f"{label}: the numerical gradient is unstable at every probe (NaN, or a "
                       f"forward pass whose output is not a function of its input?)",
                       f"{label}：每個取樣點的數值梯度都不穩定（NaN，或 forward 的輸出不只取決於輸入？）"))


def unit_direction(r, shape):
    """A random direction of norm 1: the step then moves the point by h, whatever its size
    (an unnormalised one moves a 4,608-entry kernel ~68 times further, across kinks)."""
    u = r.standard_normal(shape)
    return u / np.linalg.norm(u)


def index_text(index):
    """"[0, 2, 1]" for a position."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def random_index(r, shape):
    return tuple(int(r.integers(s)) for s in shape)


def largest_index(a):
    """The position of a's largest magnitude."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(a)), a.shape))
