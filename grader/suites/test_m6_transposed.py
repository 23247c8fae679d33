"""Module 6 (bonus): ConvTranspose2D — forward against the scatter oracle, the adjoint
identity with the learner's own Conv2D, and backward.

PyTorch's conv_transpose2d semantics, weight (C_in, C_out, k, k): every input pixel scatters
the kernel, scaled by its value, into the output,

    Y[n, :, i·s : i·s+k, j·s : j·s+k] += x[n, c, i, j] · W[c, :, :, :]

then `padding` rows/columns are cropped from each border, and `output_padding` extra
rows/columns (bias only) stay at the bottom/right:
H_out = (H − 1)·s − 2·padding + k + output_padding.
"""
import numpy as np

from grader.checks import Mismatch, check
from grader.expect import expect_array, expect_close, expect_scalar

from . import hints
from .toolkit import close

DOC = "docs/module6.md#transposed-convolution"

H = hints.table("m6_transposed")

# (N, C_in, C_out, H, W, k, stride, padding, output_padding)
SCATTER_CASES = [
    # C_in == C_out first: a swapped weight layout shows here, and only here (it cannot
    # run at all when the two differ).
    (1, 2, 2, 4, 3, 3, 2, 1, 0),
    (2, 2, 3, 3, 4, 3, 1, 0, 0),
    (2, 3, 2, 3, 3, 2, 2, 0, 0),      # the U-Net's upsampler: k = 2, stride 2
    (1, 2, 3, 3, 3, 4, 2, 1, 0),
    (2, 2, 2, 2, 3, 3, 3, 0, 0),
]
OUTPUT_PADDING_CASES = [
    (1, 2, 3, 3, 3, 3, 2, 1, 1),
    (1, 2, 2, 4, 3, 3, 3, 1, 2),
    (2, 1, 2, 3, 2, 2, 2, 0, 1),
]
ADJOINT_CASES = [
    (2, 2, 3, 4, 4, 3, 1, 1, 0),
    (2, 3, 2, 3, 4, 2, 2, 0, 0),
    (1, 2, 2, 3, 3, 3, 2, 1, 1),
    (1, 3, 2, 3, 2, 4, 3, 1, 2),
]
BACKWARD_CASES = [
    (2, 2, 3, 3, 3, 3, 1, 0, 0),
    (2, 3, 2, 3, 4, 2, 2, 0, 0),
    (1, 2, 2, 3, 3, 3, 2, 1, 1),
    (2, 2, 3, 2, 3, 4, 3, 1, 0),
]


# -- oracles ----------------------------------------------------------------------------
def full_size(Hi, k, s, op):
    return (Hi - 1) * s + k + op


def out_size(Hi, k, s, p, op):
    return (Hi - 1) * s - 2 * p + k + op


def scatter(x, W, b, s, p, op, crop="both"):
    """The definition, one input pixel at a time. crop="bottom" keeps the first H_out rows
    (a common slip: all of the padding cropped from one side)."""
    N, Ci, Hi, Wd = x.shape
    _, Co, kh, kw = W.shape
    Hf, Wf = full_size(Hi, kh, s, op), full_size(Wd, kw, s, op)
    Y = np.zeros((N, Co, Hf, Wf))
    for i in range(Hi):
        for j in range(Wd):
            Y[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.einsum("nc,cokl->nokl", x[:, :, i, j], W)
    Ho, Wo = Hf - 2 * p, Wf - 2 * p
    r = 0 if crop == "bottom" else p
    return Y[:, :, r:r + Ho, r:r + Wo] + b[None, :, None, None]


def scatter_grads(x, W, dout, s, p, op):
    """Gradients of sum(scatter(x) · dout): the scatter read backwards is a gather."""
    N, Ci, Hi, Wd = x.shape
    _, Co, kh, kw = W.shape
    Hf, Wf = full_size(Hi, kh, s, op), full_size(Wd, kw, s, op)
    dY = np.zeros((N, Co, Hf, Wf))
    dY[:, :, p:p + dout.shape[2], p:p + dout.shape[3]] = dout
    dx = np.zeros_like(x)
    dW = np.zeros_like(W)
    for i in range(Hi):
        for j in range(Wd):
            block = dY[:, :, i * s:i * s + kh, j * s:j * s + kw]           # (N, Co, kh, kw)
            dx[:, :, i, j] = np.einsum("nokl,cokl->nc", block, W)
            dW += np.einsum("nc,nokl->cokl", x[:, :, i, j], block)
    return dx, dW, dout.sum(axis=(0, 2, 3))


def conv2d(x, W, s, p):
    """Cross-correlation (Module 5's Conv2D) with weight (F, C, k, k), no bias."""
    N, C, Hi, Wd = x.shape
    F, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (Hi + 2 * p - kh) // s + 1, (Wd + 2 * p - kw) // s + 1
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = np.einsum("nckl,fckl->nf", xp[:, :, i * s:i * s + kh, j * s:j * s + kw], W)
    return out


def make_layer(student, rng, case):
    N, Ci, Co, Hi, W, k, s, p, op = case
    tc = student.module("module6.transposed_conv")
    layer = tc.ConvTranspose2D(Ci, Co, k, stride=s, padding=p, output_padding=op)
    Wt = rng.standard_normal((Ci, Co, k, k))
    b = rng.standard_normal(Co)
    layer.W = Wt
    layer.b = b
    x = rng.standard_normal((N, Ci, Hi, W))
    return layer, x, Wt, b


def shape_of(case):
    N, Ci, Co, Hi, W, k, s, p, op = case
    return (N, Co, out_size(Hi, k, s, p, op), out_size(W, k, s, p, op))


def label(case):
    N, Ci, Co, Hi, W, k, s, p, op = case
    text = f" (x {(N, Ci, Hi, W)}, C_out={Co}, k={k}, stride={s}, padding={p}"
    return text + (f", output_padding={op})" if op else ")")


def forward_hints(grade, out, x, Wt, b, case):
    """The recipe, for a wrong output no known mistake explains (a named one comes first)."""
    N, Ci, Co, Hi, Wi, k, s, p, op = case
    if not isinstance(out, np.ndarray) or out.ndim != 4:
        return
    if out.shape[2:] != (out_size(Hi, k, s, p, op), out_size(Wi, k, s, p, op)):
        grade.hint(H("output_size"))
    elif not close(out, scatter(x, Wt, b, s, p, op)):
        grade.hint(H("scatter"))


@check("m6.convtranspose.forward", points=2, parts=("scatter", "output_size"), optional=True,
       title=("ConvTranspose2D forward (scatter, stride, padding, output_padding)",
              "ConvTranspose2D 前向傳播（撒、stride、padding、output_padding）"), doc=DOC)
def test_convtranspose_forward(student, rng, grade):
    for part, cases in (("scatter", SCATTER_CASES), ("output_size", OUTPUT_PADDING_CASES)):
        with grade.part(part):
            for case in cases:
                layer, x, Wt, b = make_layer(student, rng, case)
                s, p, op = case[6:]
                known = grade.diagnose("output", x=x, W=Wt, b=b, stride=s, pad=p,
                                       output_padding=op)
                out = layer.forward(x)
                forward_hints(grade, out, x, Wt, b, case)
                out = expect_array(out, "ConvTranspose2D.forward(x)", shape_of(case),
                                   mistakes=known)
                expect_close(out, scatter(x, Wt, b, s, p, op),
                             "ConvTranspose2D.forward output" + label(case), mistakes=known)


@check("m6.convtranspose.adjoint", points=1, optional=True,
       title=("ConvTranspose2D is the adjoint of your Conv2D: <conv(y), x> = <y, convT(x)>",
              "ConvTranspose2D 是你的 Conv2D 的伴隨：<conv(y), x> = <y, convT(x)>"), doc=DOC,
       hidden=True)
def test_convtranspose_adjoint(student, rng, grade):
    layers = student.module("module5.layers")
    for case in ADJOINT_CASES:
        N, Ci, Co, Hi, Wi, k, s, p, op = case
        convT, x, Wt, _ = make_layer(student, rng, case)
        convT.b = np.zeros(Co)
        # The same array as Conv2D's kernel: (F, C, k, k) = (C_in of convT, C_out of convT).
        conv = layers.Conv2D(Co, Ci, k, stride=s, padding=p)
        conv.W = Wt
        conv.b = np.zeros(Ci)
        Tx = expect_array(convT.forward(x), "ConvTranspose2D.forward(x)", shape_of(case))
        y = rng.standard_normal(Tx.shape)
        Cy = conv.forward(y)
        if isinstance(Cy, np.ndarray) and Cy.shape != x.shape:
            raise Mismatch(H("conv_size_mismatch", stride=s, padding=p, convt_size=Tx.shape[2:],
                             conv_size=Cy.shape[2:], x_size=x.shape[2:]), H("output_size"))
        Cy = expect_array(Cy, "Conv2D.forward(y)", x.shape)
        lhs = expect_scalar(float(np.sum(Cy * x)), "<conv(y), x>")
        rhs = float(np.sum(y * Tx))
        scale = float(np.sqrt(np.sum(Cy ** 2) * np.sum(x ** 2))) + 1e-12
        if abs(lhs - rhs) <= 1e-9 * scale:
            continue
        lhs_true = float(np.sum(conv2d(y, Wt, s, p) * x))
        rhs_true = float(np.sum(y * scatter(x, Wt, np.zeros(Co), s, p, op)))
        if abs(lhs_true - rhs) <= 1e-9 * scale:
            grade.hint(H("conv2d_wrong"))
        elif abs(lhs - rhs_true) <= 1e-9 * scale:
            grade.hint(H("not_the_adjoint"))
        raise Mismatch(H("adjoint_mismatch", lhs=lhs, rhs=rhs, w_shape=Wt.shape, case=label(case)))


@check("m6.convtranspose.backward", points=2, parts=("dx", "dW", "db"), optional=True,
       title=("ConvTranspose2D backward (dx, dW, db)", "ConvTranspose2D 反向傳播（dx、dW、db）"),
       doc=DOC)
def test_convtranspose_backward(student, rng, grade):
    for case in grade.cases(BACKWARD_CASES):
        N, Ci, Co, Hi, Wi, k, s, p, op = case
        layer, x, Wt, b = make_layer(student, rng, case)
        dout = rng.standard_normal(shape_of(case))
        # A forward every part starts from, and the backward they all judge.
        with grade.shared("dx", "dW", "db") as step:
            expect_array(layer.forward(x), "ConvTranspose2D.forward(x)", shape_of(case))
            dx = layer.backward(dout)
        if not step.ok:
            continue
        want_dx, want_dW, want_db = scatter_grads(x, Wt, dout, s, p, op)
        inputs = dict(x=x, W=Wt, dout=dout, stride=s, pad=p, output_padding=op)
        with grade.part("dx"):
            known = grade.diagnose("dx", **inputs)
            dx = expect_array(dx, "ConvTranspose2D.backward(dout)", x.shape, mistakes=known)
            expect_close(dx, want_dx, "dx" + label(case), rtol=1e-6, atol=1e-8, mistakes=known)
        with grade.part("dW"):
            known = grade.diagnose("dW", **inputs)
            dW = expect_array(layer.dW, "ConvTranspose2D.dW", Wt.shape, mistakes=known)
            expect_close(dW, want_dW, "dW" + label(case), rtol=1e-6, atol=1e-8, mistakes=known)
        with grade.part("db"):
            known = grade.diagnose("db", dout=dout)
            db = expect_array(layer.db, "ConvTranspose2D.db", (Co,), mistakes=known)
            expect_close(db, want_db, "db" + label(case), mistakes=known)
    if grade.failed("dx") and grade.passed("dW", "db"):
        grade.hint(H("dx_gather"))
    elif grade.failed("dW") and grade.passed("dx"):
        grade.hint(H("dW_formula"))
    elif grade.failed("db") and grade.passed("dx", "dW"):
        grade.hint(H("db_sum"))
