"""Module 5: Conv2D forward and backward."""
from grader.checks import check
from grader.expect import expect_array, expect_close

from . import hints, oracles

DOC = "docs/module5.md#conv2d-backward"

H = hints.table("m5_conv")

# (N, C_in, H, W, C_out, kh, kw, stride, pad); sizes drawn per run around these.
FORWARD_CASES = {
    "basic": [(2, 3, 6, 6, 4, 3, 3, 1, 0)],
    "padding": [(2, 2, 5, 5, 3, 3, 3, 1, 1), (1, 2, 4, 4, 2, 3, 3, 1, 2)],
    "stride": [(2, 2, 7, 7, 3, 3, 3, 2, 0), (1, 2, 9, 8, 2, 3, 3, 3, 1)],
    "non_square": [(2, 2, 7, 5, 3, 3, 3, 1, 0), (1, 3, 6, 8, 2, 2, 3, 2, 1)],
}
BACKWARD_CASES = [
    (2, 3, 5, 5, 4, 3, 3, 1, 0),
    (2, 2, 6, 6, 3, 3, 3, 1, 1),
    (1, 2, 7, 6, 2, 3, 3, 2, 1),      # stride 2, padding, non-square input
    (2, 1, 6, 7, 2, 2, 3, 2, 0),      # non-square kernel
    (1, 2, 9, 7, 2, 3, 3, 3, 2),      # (H + 2p - k) not a multiple of the stride
]


def make_case(student, rng, case):
    N, C, Hi, W, F, kh, kw, s, p = case
    layers = student.module("module5.layers")
    conv = layers.Conv2D(C, F, kh, stride=s, padding=p)
    Wt = rng.standard_normal((F, C, kh, kw))
    b = rng.standard_normal(F)
    conv.W = Wt
    conv.b = b
    x = rng.standard_normal((N, C, Hi, W))
    return conv, x, Wt, b


def out_shape(case):
    N, C, Hi, W, F, kh, kw, s, p = case
    return (N, F, (Hi + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1)


@check("m5.conv2d.forward", points=2, parts=tuple(FORWARD_CASES),
       title=("Conv2D forward (padding, stride, non-square)",
              "Conv2D 前向傳播（padding、stride、非正方形）"), doc="docs/module5.md#conv2d-forward")
def test_conv2d_forward(student, rng, grade):
    for part, cases in FORWARD_CASES.items():
        with grade.part(part):
            for case in cases:
                conv, x, Wt, b = make_case(student, rng, case)
                keep = x.copy()
                s, p = case[7], case[8]
                known = grade.diagnose("output", x=keep, W=Wt, b=b, stride=s, pad=p)
                out = expect_array(conv.forward(x), "Conv2D.forward(x)", out_shape(case),
                                   mistakes=known)
                expect_close(out, oracles.conv2d(keep, Wt, b, s, p),
                             f"Conv2D.forward output (stride={s}, padding={p})", mistakes=known)
    # Padding cases come first in the hints: the stride and non-square cases pad too.
    if not grade.passed("basic"):
        return
    if grade.failed("padding"):
        grade.hint(H("forward_padding"))
    elif grade.failed("stride"):
        grade.hint(H("forward_stride"))
    elif grade.failed("non_square"):
        grade.hint(H("forward_non_square"))


@check("m5.conv2d.backward", points=3, parts=("dx", "dW", "db"),
       title=("Conv2D backward (dx, dW, db)", "Conv2D 反向傳播（dx、dW、db）"), doc=DOC,
       timeout=20)
def test_conv2d_backward(student, rng, grade):
    for case in grade.cases(BACKWARD_CASES):
        conv, x, Wt, b = make_case(student, rng, case)
        s, p = case[7], case[8]
        out = expect_array(conv.forward(x), "Conv2D.forward(x)", out_shape(case))
        dout = rng.standard_normal(out.shape)
        dx = conv.backward(dout)
        want_dx, want_dW, want_db = oracles.conv2d_grads(x, Wt, b, s, p, dout)
        label = f" (stride={s}, padding={p}, kernel {case[5]}x{case[6]})"
        inputs = dict(x=x, W=Wt, stride=s, pad=p, dout=dout)
        with grade.part("dx"):
            known = grade.diagnose("dx", **inputs)
            expect_close(expect_array(dx, "Conv2D.backward(dout)", x.shape, mistakes=known),
                         want_dx, "dx" + label, rtol=1e-5, atol=1e-7, mistakes=known)
        with grade.part("dW"):
            known = grade.diagnose("dW", **inputs)
            expect_close(expect_array(conv.dW, "Conv2D.dW", Wt.shape, mistakes=known), want_dW,
                         "dW" + label, rtol=1e-5, atol=1e-7, mistakes=known)
        with grade.part("db"):
            known = grade.diagnose("db", dout=dout)
            expect_close(expect_array(conv.db, "Conv2D.db", b.shape, mistakes=known), want_db,
                         "db" + label, rtol=1e-6, atol=1e-8, mistakes=known)
    if grade.failed("dx") and grade.passed("dW", "db"):
        grade.hint(H("backward_dx"))
    elif grade.failed("dW") and grade.passed("dx"):
        grade.hint(H("backward_dW"))
    elif grade.failed("db") and grade.passed("dx", "dW"):
        grade.hint(H("backward_db"))
