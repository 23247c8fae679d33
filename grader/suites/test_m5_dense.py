"""Module 5: FullyConnected forward and backward, ReLU, Sigmoid (with large |x|)."""
import numpy as np

from grader.checks import Msg, check
from grader.expect import StrictNumerics, expect_array, expect_close

from . import oracles
from . import oracles_m5_layers as ol

FC_DOC = "docs/module5.md#fully-connected"
ACT_DOC = "docs/module5.md#relu-and-sigmoid"


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
        out = expect_array(fc.forward(x), "FullyConnected.forward(x)", (N, M))
        want = ol.fc(keep, W, b)
        if np.allclose(out, keep @ W, rtol=1e-6, atol=1e-8):
            grade.hint(Msg("the bias is missing: out = x @ W + b",
                           "少了 bias：out = x @ W + b"))
        elif np.allclose(out, keep @ W - b, rtol=1e-6, atol=1e-8):
            grade.hint(Msg("the bias is subtracted: out = x @ W + b",
                           "bias 被減掉了：out = x @ W + b"))
        expect_close(out, want, f"FullyConnected.forward output (N={N}, D={D}, M={M})")


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
        label = f" (N={N}, D={D}, M={M})"
        with grade.part("dx"):
            got = expect_array(dx, "FullyConnected.backward(dout)", (N, D))
            if np.allclose(got, dout @ W.T / N, rtol=1e-6, atol=1e-9):
                grade.hint(Msg("dx is N times too small: dx = dout @ W.T; the 1/N of the mean "
                               "is already in dout", "dx 小了 N 倍：dx = dout @ W.T；平均的 1/N 已經在 dout 裡"))
            expect_close(got, want_dx, "dx" + label)
        with grade.part("dW"):
            dW = fc.dW
            if isinstance(dW, np.ndarray) and dW.shape == (M, D):
                grade.hint(Msg("dW is transposed: dW = x.T @ dout, shape (D, M) like W",
                               "dW 轉置了：dW = x.T @ dout，形狀 (D, M) 與 W 相同"))
            dW = expect_array(dW, "FullyConnected.dW", (D, M))
            if np.allclose(dW, want_dW / N, rtol=1e-6, atol=1e-9):
                grade.hint(Msg("dW is N times too small: dW = x.T @ dout sums over the batch; "
                               "the 1/N of the mean is already in dout",
                               "dW 小了 N 倍：dW = x.T @ dout 是對 batch 加總；平均的 1/N 已經在 dout 裡"))
            expect_close(dW, want_dW, "dW" + label)
        with grade.part("db"):
            db = fc.db
            if isinstance(db, np.ndarray) and db.shape in ((1, M), (M, 1)):
                grade.hint(Msg("db has an extra axis: dout.sum(axis=0) without keepdims, shape (M,) "
                               "like b", "db 多了一個軸：dout.sum(axis=0) 不要 keepdims，形狀 (M,) 與 b 相同"))
            elif isinstance(db, np.ndarray) and db.shape == (N,):
                grade.hint(Msg("db is summed over the wrong axis: sum over the batch, "
                               "dout.sum(axis=0)", "db 加總的軸錯了：要對 batch 加總，dout.sum(axis=0)"))
            db = expect_array(db, "FullyConnected.db", (M,))
            if np.allclose(db, want_db / N, rtol=1e-6, atol=1e-9):
                grade.hint(Msg("db is the mean of dout over the batch: sum over the batch, not mean "
                               "(db = dout.sum(axis=0))",
                               "db 是 dout 對 batch 的平均：要加總而不是平均（db = dout.sum(axis=0)）"))
            expect_close(db, want_db, "db" + label)
    if grade.failed("dW") and grade.passed("dx", "db"):
        grade.hint(Msg("dW is wrong: dW = x.T @ dout, with x the input forward kept",
                       "dW 不對：dW = x.T @ dout，x 是 forward 存下來的輸入"))
    elif grade.failed("dx") and grade.passed("dW", "db"):
        grade.hint(Msg("dx is wrong: dx = dout @ W.T", "dx 不對：dx = dout @ W.T"))


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
            out = expect_array(out, "ReLU.forward(x)", shape)
            if np.allclose(out[keep > 0], keep[keep > 0]) and np.any(out[keep < 0] != 0):
                grade.hint(Msg("negative inputs must give exactly 0: out = max(0, x) "
                               "(np.maximum(x, 0)), not a leaky slope",
                               "負的輸入要輸出 0：out = max(0, x)（np.maximum(x, 0)），不是 leaky 的斜率"))
            expect_close(out, ol.relu(keep), f"ReLU.forward output (shape {shape})")
        dout = oracles.away_from_zero(rng, shape)
        with grade.part("backward"):
            dx = relu.backward(dout)
            dx = expect_array(dx, "ReLU.backward(dout)", shape)
            if np.allclose(dx, (keep > 0).astype(float)):
                grade.hint(Msg("dx is the 0/1 mask alone: multiply by dout, dx = dout * (x > 0)",
                               "dx 只有 0/1 遮罩：要乘上 dout，dx = dout * (x > 0)"))
            elif np.allclose(dx, np.where(dout > 0, dout, 0.0)):
                grade.hint(Msg("the mask must come from forward's input x (cache it), not from dout: "
                               "dx = dout * (x > 0)",
                               "遮罩要用 forward 的輸入 x（存在 cache），不是 dout：dx = dout * (x > 0)"))
            expect_close(dx, ol.elementwise_grad(ol.relu, keep, dout),
                         f"ReLU.backward dx (shape {shape})")


# Large |x|: exp(-x) overflows for x < -709.78, exp(x) for x > 709.78.
EXTREMES = np.array([1000.0, -1000.0, 745.0, -745.0, 710.0, -710.0, 800.0, -800.0, 40.0, -40.0, 0.0])


SIGMOID_STABLE_HINT = Msg(
    "overflow for large |x|: use exp(-|x|), which never overflows: σ(x) = 1/(1+z) for x ≥ 0 "
    "and z/(1+z) for x < 0, with z = exp(-|x|) (np.where evaluates both branches, so each must "
    "be safe for every x)",
    "|x| 很大時溢位：改用不會溢位的 exp(-|x|)：令 z = exp(-|x|)，x ≥ 0 時 σ(x) = 1/(1+z)，"
    "x < 0 時 σ(x) = z/(1+z)（np.where 兩個分支都會算，所以兩邊都要對所有 x 安全）")


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
            expect_close(out, ol.sigmoid(keep), f"Sigmoid.forward output (shape {shape})")
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = sig.backward(dout)
            dx = expect_array(dx, "Sigmoid.backward(dout)", shape)
            if np.allclose(dx, dout * keep * (1 - keep), rtol=1e-6, atol=1e-8):
                grade.hint(Msg("dx uses x instead of σ(x): dx = dout · σ(x) · (1 − σ(x)), with the "
                               "σ(x) forward computed (cache the output)",
                               "dx 用了 x 而不是 σ(x)：dx = dout · σ(x) · (1 − σ(x))，σ(x) 是 forward 的輸出（存進 cache）"))
            elif np.allclose(dx, ol.sigmoid(keep) * (1 - ol.sigmoid(keep)), rtol=1e-6, atol=1e-8):
                grade.hint(Msg("dx is missing dout: dx = dout · σ(x) · (1 − σ(x))",
                               "dx 少乘了 dout：dx = dout · σ(x) · (1 − σ(x))"))
            expect_close(dx, ol.elementwise_grad(ol.sigmoid, keep, dout),
                         f"Sigmoid.backward dx (shape {shape})", rtol=1e-6, atol=1e-9)
    with grade.part("stable"):
        x = rng.permutation(np.concatenate([EXTREMES, rng.uniform(710, 1200, 4) * [1, -1, 1, -1]]))
        x = x.reshape(3, 5)
        keep = x.copy()
        sig = layers.Sigmoid()
        dout = rng.standard_normal(x.shape)
        with StrictNumerics(student, "Sigmoid with |x| up to 1200", SIGMOID_STABLE_HINT):
            out = sig.forward(x)
            dx = sig.backward(dout)
        for got, want, name in [(out, ol.sigmoid(keep), "Sigmoid.forward(x) for large |x|"),
                                (dx, dout * ol.sigmoid(keep) * (1 - ol.sigmoid(keep)),
                                 "Sigmoid.backward(dout) for large |x|")]:
            got = expect_array(got, name.split(" for")[0], x.shape)
            if not np.all(np.isfinite(got)):
                grade.hint(SIGMOID_STABLE_HINT)
            expect_close(got, want, name, rtol=1e-9, atol=1e-12)
