"""Module 5: FullyConnected forward and backward, ReLU, Sigmoid (with large |x|)."""
import numpy as np

from grader.checks import check
from grader.expect import StrictNumerics, expect_array, expect_close

from . import hints, oracles
from . import oracles_m5_layers as ol

FC_DOC = "docs/module5.md#fully-connected"
ACT_DOC = "docs/module5.md#relu-and-sigmoid"

H = hints.table("m5_dense")


def fc_sizes(rng):
    """(N, D, M) from disjoint ranges, so a transposed or wrongly summed array has the wrong
    shape, and a mean over the batch differs from the sum."""
    return (int(rng.integers(2, 4)), int(rng.integers(6, 8)), int(rng.integers(4, 6)))


def make_fc(student, rng, D, M):
    layers = student.module("module5.layers")
    fc = layers.FullyConnected(D, M)
    W = rng.standard_normal((D, M))
    b = rng.standard_normal(M)
    fc.W = W
    fc.b = b
    return fc, W, b


@check("m5.fc.forward", points=1,
       title=("FullyConnected forward", "FullyConnected 前向傳播"), doc=FC_DOC)
def test_fc_forward(student, rng, grade):
    for single in (True, False, False):     # a single sample too: nothing to broadcast over
        N, D, M = fc_sizes(rng)
        N = 1 if single else N
        fc, W, b = make_fc(student, rng, D, M)
        x = rng.standard_normal((N, D))
        keep = x.copy()
        known = grade.diagnose("out", x=keep, W=W, b=b)
        out = expect_array(fc.forward(x), "FullyConnected.forward(x)", (N, M), mistakes=known)
        expect_close(out, ol.fc(keep, W, b), f"FullyConnected.forward output (N={N}, D={D}, "
                     f"M={M})", mistakes=known)


@check("m5.fc.backward", points=2, parts=("dx", "dW", "db"),
       title=("FullyConnected backward (dx, dW, db)", "FullyConnected 反向傳播（dx、dW、db）"),
       doc=FC_DOC)
def test_fc_backward(student, rng, grade):
    for _ in grade.cases(range(3)):
        N, D, M = fc_sizes(rng)
        fc, W, b = make_fc(student, rng, D, M)
        x = rng.standard_normal((N, D))
        expect_array(fc.forward(x), "FullyConnected.forward(x)", (N, M))
        dout = rng.standard_normal((N, M))
        dx = fc.backward(dout)
        want_dx, want_dW, want_db = ol.fc_grads(x, W, b, dout)
        given = {"x": x, "W": W, "b": b, "dout": dout}
        label = f" (N={N}, D={D}, M={M})"
        with grade.part("dx"):
            known = grade.diagnose("dx", **given)
            got = expect_array(dx, "FullyConnected.backward(dout)", (N, D), mistakes=known)
            expect_close(got, want_dx, "dx" + label, mistakes=known)
        with grade.part("dW"):
            known = grade.diagnose("dW", **given)
            dW = expect_array(fc.dW, "FullyConnected.dW", (D, M), mistakes=known)
            expect_close(dW, want_dW, "dW" + label, mistakes=known)
        with grade.part("db"):
            known = grade.diagnose("db", **given)
            db = expect_array(fc.db, "FullyConnected.db", (M,), mistakes=known)
            expect_close(db, want_db, "db" + label, mistakes=known)
    if grade.failed("dW") and grade.passed("dx", "db"):
        grade.hint(H("fc_dW_wrong"))
    elif grade.failed("dx") and grade.passed("dW", "db"):
        grade.hint(H("fc_dx_wrong"))


@check("m5.relu", points=1, parts=("forward", "backward"),
       title=("ReLU forward and backward", "ReLU 前向與反向傳播"), doc=ACT_DOC)
def test_relu(student, rng, grade):
    layers = student.module("module5.layers")
    for shape in grade.cases([(3, 5), (2, 3, 4, 4)]):
        relu = layers.ReLU()
        x = oracles.away_from_zero(rng, shape)       # no input within reach of the kink
        keep = x.copy()
        with grade.shared("forward", "backward") as step:
            out = relu.forward(x)
        if not step.ok:
            continue
        with grade.part("forward"):
            known = grade.diagnose("out", x=keep)
            out = expect_array(out, "ReLU.forward(x)", shape, mistakes=known)
            expect_close(out, ol.relu(keep), f"ReLU.forward output (shape {shape})",
                         mistakes=known)
        dout = oracles.away_from_zero(rng, shape)
        with grade.part("backward"):
            known = grade.diagnose("dx", x=keep, dout=dout)
            dx = expect_array(relu.backward(dout), "ReLU.backward(dout)", shape, mistakes=known)
            expect_close(dx, ol.elementwise_grad(ol.relu, keep, dout),
                         f"ReLU.backward dx (shape {shape})", mistakes=known)


# Large |x|: exp(-x) overflows for x < -709.78, exp(x) for x > 709.78.
EXTREMES = np.array([1000.0, -1000.0, 745.0, -745.0, 710.0, -710.0, 800.0, -800.0, 40.0, -40.0,
                     0.0])


@check("m5.sigmoid", points=2, parts=("forward", "backward", "stable"),
       title=("Sigmoid forward, backward and large |x|", "Sigmoid 前向、反向與很大的 |x|"),
       doc=ACT_DOC)
def test_sigmoid(student, rng, grade):
    layers = student.module("module5.layers")
    for shape in grade.cases([(4, 6), (2, 2, 3, 3)]):
        sig = layers.Sigmoid()
        x = 3 * rng.standard_normal(shape)
        keep = x.copy()
        with grade.shared("forward", "backward") as step:
            out = sig.forward(x)
        if not step.ok:
            continue
        with grade.part("forward"):
            out = expect_array(out, "Sigmoid.forward(x)", shape)
            expect_close(out, ol.sigmoid(keep), f"Sigmoid.forward output (shape {shape})",
                         mistakes=grade.diagnose("out", x=keep))
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = expect_array(sig.backward(dout), "Sigmoid.backward(dout)", shape)
            expect_close(dx, ol.elementwise_grad(ol.sigmoid, keep, dout),
                         f"Sigmoid.backward dx (shape {shape})", rtol=1e-6, atol=1e-9,
                         mistakes=grade.diagnose("dx", x=keep, dout=dout))
    with grade.part("stable"):
        x = rng.permutation(np.concatenate([EXTREMES, rng.uniform(710, 1200, 4) * [1, -1, 1, -1]]))
        x = x.reshape(3, 5)
        keep = x.copy()
        sig = layers.Sigmoid()
        dout = rng.standard_normal(x.shape)
        with StrictNumerics(student, "Sigmoid with |x| up to 1200", H("sigmoid_stable")):
            out = sig.forward(x)
            dx = sig.backward(dout)
        for got, want, name in [(out, ol.sigmoid(keep), "Sigmoid.forward(x) for large |x|"),
                                (dx, dout * ol.sigmoid(keep) * (1 - ol.sigmoid(keep)),
                                 "Sigmoid.backward(dout) for large |x|")]:
            got = expect_array(got, name.split(" for")[0], x.shape)
            if not np.all(np.isfinite(got)):
                grade.hint(H("sigmoid_stable"))
            expect_close(got, want, name, rtol=1e-9, atol=1e-12)
