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

from grader.checks import Msg, check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError

DOC = "docs/module6.md#upsampling"

# (N, C, H, W, scale): non-square inputs, scale 2 (the U-Net's) and 3.
CASES = [(2, 3, 3, 4, 2), (1, 2, 5, 3, 2), (2, 2, 4, 5, 3), (1, 1, 1, 3, 2)]


# -- oracles ----------------------------------------------------------------------------
def nearest(x, s):
    N, C, H, W = x.shape
    out = np.empty((N, C, H * s, W * s))
    for i in range(H * s):
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
    N, C, H, W = x.shape
    Ah, Aw = bilinear_weights(H, s, convention), bilinear_weights(W, s, convention)
    out = np.zeros((N, C, H * s, W * s))
    for i in range(H * s):
        for j in range(W * s):
            out[:, :, i, j] = np.einsum("a,ncab,b->nc", Ah[i], x, Aw[j])
    return out


def bilinear_backward(dout, s, shape, convention="pytorch"):
    """Output pixel (i, j) hands dout[i, j] back to the (up to) four pixels it blended,
    each times its weight."""
    N, C, H, W = shape
    Ah, Aw = bilinear_weights(H, s, convention), bilinear_weights(W, s, convention)
    dx = np.zeros(shape)
    for i in range(H * s):
        for j in range(W * s):
            dx += np.einsum("a,nc,b->ncab", Ah[i], dout[:, :, i, j], Aw[j])
    return dx


def interior(n_in, s):
    """Output indices along one axis where no clamp is active (the source lies between two
    input pixels): there a border mistake cannot show."""
    return [i for i in range(n_in * s)
            if (i + 0.5) / s - 0.5 >= 0 and math.floor((i + 0.5) / s - 0.5) + 1 <= n_in - 1]


def close(a, b):
    return isinstance(a, np.ndarray) and a.shape == b.shape and np.allclose(a, b, rtol=1e-7, atol=1e-9)


def draw_case(rng, case):
    N, C, H, W, s = case
    # Sizes move a little per run, so a hard-coded answer cannot fit.
    return N, C, H + int(rng.integers(0, 2)), W + int(rng.integers(0, 2)), s


SHAPE_HINT = Msg("Upsample.forward returns (N, C, H·s, W·s): repeat each pixel s times along "
                 "axis 2 (H) and s times along axis 3 (W) — once per axis, never along N or C",
                 "Upsample.forward 應回傳 (N, C, H·s, W·s)：每個像素沿第 2 軸（H）重複 s 次、沿第 3 軸（W）"
                 "重複 s 次——每個軸各一次，不要動 N 或 C")


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
        N, C, H, W, s = draw_case(rng, case)
        shape = (N, C, H * s, W * s)
        layer = up_module.Upsample(scale_factor=s, mode="nearest")
        x = rng.standard_normal((N, C, H, W))
        label = f" (x of shape {(N, C, H, W)}, scale {s})"
        with grade.part("forward"):
            out = layer.forward(x)
            if isinstance(out, np.ndarray) and out.shape != shape and out.size == math.prod(shape):
                grade.hint(SHAPE_HINT)
            out = expect_array(out, "Upsample.forward(x)", shape)
            if close(out, np.tile(x, (1, 1, s, s))):
                grade.hint(Msg("np.tile repeats the whole image side by side; nearest repeats each "
                               "pixel s times: out[i, j] = x[i // s, j // s] "
                               "(x.repeat(s, axis=2).repeat(s, axis=3))",
                               "np.tile 是把整張圖並排複製；nearest 是把每個像素重複 s 次："
                               "out[i, j] = x[i // s, j // s]（x.repeat(s, axis=2).repeat(s, axis=3)）"))
            expect_close(out, nearest(x, s), "Upsample.forward output" + label)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = expect_array(layer.backward(dout), "Upsample.backward(dout)", (N, C, H, W))
            want = nearest_backward(dout, s)
            corner = dout[:, :, ::s, ::s]
            if close(dx, corner) or close(dx, dout[:, :, s - 1::s, s - 1::s]):
                grade.hint(Msg("dx takes one output pixel per block: each input pixel was copied to "
                               "s×s output pixels, so its gradient is the SUM of that s×s block of "
                               "dout (+=, or dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))), not "
                               "an assignment (=)",
                               "dx 每個區塊只取了一個輸出像素：每個輸入像素被複製到 s×s 個輸出像素，"
                               "所以它的梯度是 dout 中那個 s×s 區塊的「總和」（用 +=，或 "
                               "dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))），不是指定（=）"))
            elif close(dx, want / (s * s)):
                grade.hint(Msg("dx is the mean of each s×s block: take the sum — every copy of the "
                               "pixel passes its whole gradient back",
                               "dx 是每個 s×s 區塊的平均：要用總和——像素的每個複本都把完整的梯度傳回來"))
            elif close(dx, dout.reshape(N, C, s, H, s, W).sum(axis=(2, 4))):
                grade.hint(Msg("dx sums the wrong pixels: reshape dout to (N, C, H, s, W, s) (each "
                               "input row's s copies are adjacent), not (N, C, s, H, s, W)",
                               "dx 加總到錯的像素：dout 要 reshape 成 (N, C, H, s, W, s)（同一列的 s 個複本相鄰），"
                               "不是 (N, C, s, H, s, W)"))
            expect_close(dx, want, "Upsample.backward dx" + label)


# -- bilinear ---------------------------------------------------------------------------
ALIGN_HINT = Msg(
    "your bilinear upsampling uses align_corners=True (src = i·(H−1)/(H·s−1), corners on "
    "corners); this course uses PyTorch's default align_corners=False: src = (i + 0.5)/s − 0.5, "
    "clamped at 0",
    "你的 bilinear 用的是 align_corners=True（src = i·(H−1)/(H·s−1)，角對齊角）；本課程採用 PyTorch 的"
    "預設 align_corners=False：src = (i + 0.5)/s − 0.5，小於 0 時夾到 0")
HALF_PIXEL_HINT = Msg(
    "the half-pixel offset is missing: output pixel i samples src = (i + 0.5)/s − 0.5, not i/s "
    "(pixel centres, not pixel corners, are aligned)",
    "少了半個像素的位移：輸出像素 i 取樣的位置是 src = (i + 0.5)/s − 0.5，不是 i/s（對齊的是像素中心，不是角）")
CLAMP_HINT = Msg(
    "the border is wrong but the interior is right: clamp at the border — src = max(src, 0) "
    "(at the first row src is negative), and i1 = min(i0 + 1, H − 1) at the last; a negative "
    "index in numpy silently reads the last row",
    "內部正確但邊界錯了：邊界要夾住——src = max(src, 0)（第一列的 src 是負的），最後一列 i1 = min(i0 + 1, H − 1)；"
    "numpy 的負索引會默默讀到最後一列")
INDEX_HINT = Msg(
    "an index ran past the border: clamp at the border — i1 = min(i0 + 1, H − 1) at the last "
    "row/column, and src = max(src, 0) at the first",
    "索引超出邊界：邊界要夾住——最後一列／行 i1 = min(i0 + 1, H − 1)，第一列／行 src = max(src, 0)")
BLEND_HINT = Msg(
    "bilinear is separable: out = (1 − t)·x[i0] + t·x[i1] along H, then the same along W, with "
    "t = src − i0 (t multiplies the FAR neighbour i1)",
    "bilinear 可以分開做：先沿 H 算 out = (1 − t)·x[i0] + t·x[i1]，再沿 W 做一樣的事，t = src − i0"
    "（t 乘的是較遠的鄰居 i1）")


@check("m6.upsample.bilinear", points=2, parts=("forward", "backward"),
       title=("Upsample bilinear (align_corners=False): forward and backward",
              "Upsample bilinear（align_corners=False）：前向與反向傳播"), doc=DOC)
def test_upsample_bilinear(student, rng, grade):
    up_module = student.module("module6.upsample")
    for case in grade.cases(CASES):
        N, C, H, W, s = draw_case(rng, case)
        shape = (N, C, H * s, W * s)
        layer = up_module.Upsample(scale_factor=s, mode="bilinear")
        x = rng.standard_normal((N, C, H, W))
        label = f" (x of shape {(N, C, H, W)}, scale {s})"
        with grade.part("forward"):
            out = call(layer.forward, x, grade, INDEX_HINT)
            if isinstance(out, np.ndarray) and out.shape != shape and out.size == math.prod(shape):
                grade.hint(SHAPE_HINT)
            out = expect_array(out, "Upsample.forward(x)", shape)
            want = bilinear(x, s)
            if not close(out, want):
                if close(out, bilinear(x, s, "align_corners")):
                    grade.hint(ALIGN_HINT)
                elif close(out, bilinear(x, s, "no_half_pixel")):
                    grade.hint(HALF_PIXEL_HINT)
                else:
                    rows, cols = interior(H, s), interior(W, s)
                    inner = np.ix_(range(N), range(C), rows, cols)
                    if rows and cols and np.allclose(out[inner], want[inner], rtol=1e-7, atol=1e-9):
                        grade.hint(CLAMP_HINT)
                    elif close(out, nearest(x, s)):
                        grade.hint(Msg("mode='bilinear' gives the nearest-neighbour result: blend the "
                                       "two neighbours, (1 − t)·x[i0] + t·x[i1]",
                                       "mode='bilinear' 卻得到 nearest 的結果：要混合兩個鄰居，(1 − t)·x[i0] + t·x[i1]"))
                    else:
                        grade.hint(BLEND_HINT)
            expect_close(out, want, "Upsample.forward output" + label)
        dout = rng.standard_normal(shape)
        with grade.part("backward"):
            dx = call(layer.backward, dout, grade, INDEX_HINT)
            dx = expect_array(dx, "Upsample.backward(dout)", (N, C, H, W))
            want = bilinear_backward(dout, s, (N, C, H, W))
            if not close(dx, want):
                if close(dx, bilinear_backward(dout, s, (N, C, H, W), "align_corners")):
                    grade.hint(ALIGN_HINT)
                elif close(dx, nearest_backward(dout, s)):
                    grade.hint(Msg("dx is the nearest-mode gradient (block sums): in bilinear mode "
                                   "each output pixel hands dout back to the (up to) four input "
                                   "pixels it blended, each times its weight",
                                   "dx 是 nearest 模式的梯度（區塊加總）：bilinear 模式中，每個輸出像素要把 dout "
                                   "乘上各自的權重，還給它混合的（最多）四個輸入像素"))
                else:
                    grade.hint(Msg("backward is the transpose of forward: with out = A_H · x · A_Wᵀ, "
                                   "dx = A_Hᵀ · dout · A_W — every input pixel receives each output "
                                   "gradient times the weight it had in that output (+=: the "
                                   "contributions add up)",
                                   "backward 是 forward 的轉置：out = A_H · x · A_Wᵀ，則 dx = A_Hᵀ · dout · A_W——"
                                   "每個輸入像素收到每個輸出梯度乘上它在該輸出中的權重（用 +=：貢獻要加總）"))
            expect_close(dx, want, "Upsample.backward dx" + label)
