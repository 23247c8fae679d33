"""Module 6: the U-Net — encoder and decoder blocks, SimpleUNet's shapes, a whole-model
gradient check, and a learning outcome (mean IoU on generated circles and squares).

Gradients are checked numerically through the worker: f = Σ G·output for random upstream
gradients G (one per output for the encoder, which has two), central differences of f along
coordinates and random directions of the input and of the learner's live parameter arrays
(the handles of get_params_and_grads.keep()). BatchNorm stays in training mode, so f is
smooth except at ReLU kinks and max-pool ties; a probe whose difference quotient changes
with the step sits on one and is redrawn, never judged. No trusted oracle of the learner's
blocks exists here (their layer names are the learner's), so every gradient part also
requires the output to depend on what it differentiates (require_change): a constant
forward with a zero backward agrees with its own numerical gradient, and would pass.

The IoU check trains the learner's SimpleUNet with the course's own loop
(given.experiments.segmentation.segmentation_loop: train_segmentation's batches and momentum
SGD on get_params_and_grads()), run here: this side shuffles, computes the loss, calls forward and
backward through the proxy and writes the updates into the worker's parameter arrays. Then
it judges on held-out images that it draws only after training, from the check's seed,
which never reaches the worker (the worker's numpy is seeded with derive.worker_seed).
Every number that decides the score — the held-out loss and the IoU — is computed here from
the logits the model returns.
"""
import math
import time

import numpy as np

from given.data.shapes import make_shapes, mean_iou
from given.experiments.segmentation import pixel_cross_entropy, segmentation_loop
from grader.checks import CheckTimeout, Mismatch, Msg, Todo, check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError, WorkerTimeout
from grader.proxy import RemoteObject

from . import budget, oracles
from .derive import worker_seed
from . import toolkit
from .toolkit import live_pairs, pair_list, probe_gradient

DOC = "docs/module6.md#u-net"
IOU_DOC = "docs/module6.md#u-net-iou"



# -- helpers ----------------------------------------------------------------------------
def close(a, b, rtol=1e-7, atol=1e-9):
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
        and np.allclose(a, b, rtol=rtol, atol=atol)


COPY_HINT = Msg(
    "changing the arrays that get_params_and_grads() returned did not change the output: "
    "return the layers' own arrays (params_and_grads_of(self) collects them), not copies — "
    "training updates them in place",
    "改動 get_params_and_grads() 回傳的陣列不會影響輸出：要回傳各層自己的陣列（params_and_grads_of(self) "
    "會收集它們），不是複本——訓練時會原地更新它們")


EMPTY_HINT = Msg("every layer with parameters must contribute its own pairs "
                 "(params_and_grads_of(self) collects them)",
                 "每個有參數的層都要提供自己的參數（params_and_grads_of(self) 會收集它們）")


def check_params(model, what, f, rng, pick=None):
    """toolkit.check_params with this suite's hints."""
    toolkit.check_params(model, what, f, rng, COPY_HINT, EMPTY_HINT, pick=pick)


# A gradient check compares backward with central differences of the student's own
# forward: a forward whose output is a constant, with a backward of zeros, agrees
# perfectly. So each gradient part also requires the output to depend on what it
# differentiates: changed by an independent input, or by parameters moved ~10 %, the output
# must change by at least DEPENDS relative (the reference: ≥ 0.05 over 30 seeds, each).
DEPENDS = 1e-3


def relative_change(a, b):
    """|a − b| / (|a| + |b|) of two outputs (arrays or tuples of arrays), 0 for two zeros."""
    a = np.concatenate([np.ravel(v) for v in (a if isinstance(a, tuple) else (a,))])
    b = np.concatenate([np.ravel(v) for v in (b if isinstance(b, tuple) else (b,))])
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return float(np.linalg.norm(a - b)) / scale if scale > 0 else 0.0


def require_change(before, after, what, on):
    """Mismatch unless `after` differs from `before` by at least DEPENDS (relative).
    `what` names the output, `on` what was changed; both (english, chinese)."""
    rel = relative_change(before, after)
    if not rel >= DEPENDS:
        raise Mismatch(Msg(
            f"{what[0]} does not depend on {on[0]}: changing {on[0]} changed it by {rel:.2g} "
            f"(relative). An output that ignores {on[0]} agrees with a zero gradient, so its "
            f"gradient check proves nothing",
            f"{what[1]}與{on[1]}無關：改變{on[1]}，它只變了 {rel:.2g}（相對）。"
            f"不受{on[1]}影響的輸出和全 0 的梯度一致，梯度檢查因此沒有意義"))


def require_param_dependence(model, what, output, rng, pick=None, label=None,
                             on=("its parameters", "它的參數")):
    """Move every (or every `pick`ed) parameter array of `model` by ~10 % of its scale, in the
    worker's live arrays, and require output() to change; then restore them exactly."""
    values, handles = live_pairs(model, what)
    chosen = list(range(len(values)) if pick is None else pick(len(values)))
    if not chosen:
        raise Mismatch(Msg(f"{what} returned no (param, grad) pairs", f"{what} 沒有回傳任何 (param, grad)"),
                       EMPTY_HINT)
    before = output()
    moved = []
    try:
        for k in chosen:
            P = expect_array(values[k][0], f"{what}[{k}][0]")
            scale = float(np.sqrt(np.mean(P ** 2))) + 0.1
            handles[k][0][...] = P + 0.1 * scale * rng.standard_normal(P.shape)
            moved.append(k)
        after = output()
    finally:
        for k in moved:
            handles[k][0][...] = values[k][0]
    require_change(before, after, label or ("the output", "輸出"), on)


def expect_pair(value, name, names, shapes, hint):
    """A 2-tuple of float64 arrays of the given shapes (the blocks return pairs)."""
    if value is None:
        raise Todo(name)
    if isinstance(value, np.ndarray) or not isinstance(value, (tuple, list)) or len(value) != 2:
        what = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise Mismatch(Msg(f"{name} should return a pair ({names[0]}, {names[1]}), got {what}",
                           f"{name} 應回傳一對 ({names[0]}, {names[1]})，但得到 {what}"), hint)
    a, b = value
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) \
            and a.shape == tuple(shapes[1]) and b.shape == tuple(shapes[0]) and shapes[0] != shapes[1]:
        raise Mismatch(Msg(f"{name} returned ({names[1]}, {names[0]}): the order is "
                           f"({names[0]}, {names[1]})",
                           f"{name} 回傳的是 ({names[1]}, {names[0]})：順序應該是 ({names[0]}, {names[1]})"), hint)
    return (expect_array(a, f"{names[0]} ({name}[0])", shapes[0]),
            expect_array(b, f"{names[1]} ({name}[1])", shapes[1]))


def even(rng, low, high):
    return 2 * int(rng.integers(low, high + 1))


# -- encoder ----------------------------------------------------------------------------
ENCODER_PAIR_HINT = Msg(
    "UNetEncoder.forward returns (skip, pooled): the features after the second ReLU (for the "
    "skip connection) and their 2×2 max-pool (for the next level)",
    "UNetEncoder.forward 回傳 (skip, pooled)：第二個 ReLU 之後的特徵（給 skip connection）與它們的 "
    "2×2 max-pool（給下一層）")
DSKIP_HINT = Msg(
    "dx does not depend on dskip: the features before pooling feed two consumers (the pool "
    "and the skip connection), so their gradient is the SUM of both — "
    "d = pool.backward(dout) + dskip, then back through the conv/BN/ReLU layers",
    "dx 與 dskip 無關：pooling 之前的特徵同時給了兩個地方（pool 與 skip connection），所以它的梯度是兩者的"
    "「總和」——d = pool.backward(dout) + dskip，再往回穿過 conv/BN/ReLU 各層")


@check("m6.unet.encoder", points=2, parts=("forward", "dx", "params"), needs={"params": ("backward",)},
       title=("UNetEncoder: (skip, pooled), and backward takes both gradients",
              "UNetEncoder：回傳 (skip, pooled)，反向傳播接收兩個梯度"), doc=DOC)
def test_unet_encoder(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    N, Ci, Co = 2, 2, 3
    H, W = even(rng, 2, 3), even(rng, 2, 3)
    enc = unet.UNetEncoder(Ci, Co)
    x = rng.standard_normal((N, Ci, H, W))
    shapes = [(N, Co, H, W), (N, Co, H // 2, W // 2)]
    res = enc.forward(x)
    other = enc.forward(rng.standard_normal(x.shape))
    name = ("UNetEncoder.forward(x)", "UNetEncoder.forward(x)")
    on_x = ("its input x", "輸入 x")

    def depends_on_x():
        require_change(expect_pair(res, name[0], ("skip", "pooled"), shapes, ENCODER_PAIR_HINT),
                       expect_pair(other, name[0], ("skip", "pooled"), shapes, ENCODER_PAIR_HINT),
                       name, on_x)

    with grade.part("forward"):
        skip, pooled = expect_pair(res, "UNetEncoder.forward(x)", ("skip", "pooled"), shapes,
                                   ENCODER_PAIR_HINT)
        depends_on_x()
        if close(pooled, skip[:, :, ::2, ::2]) or not close(pooled, oracles.maxpool2d(skip, 2, 2)):
            grade.hint(Msg("pooled must be the 2×2 max-pool (stride 2) of skip: the pool comes "
                           "after the second Conv → BN → ReLU, and skip is what goes into it",
                           "pooled 應該是 skip 的 2×2 max-pool（stride 2）：pool 接在第二個 Conv → BN → ReLU 之後，"
                           "skip 就是送進 pool 的那個"))
        expect_close(pooled, oracles.maxpool2d(skip, 2, 2), "pooled (the 2×2 max-pool of skip)")
        if np.any(skip < 0):
            raise Mismatch(Msg("skip has negative values: it is taken after the second ReLU",
                               "skip 有負值：它應該取在第二個 ReLU 之後"), ENCODER_PAIR_HINT)
    with grade.shared("dx", "params") as step:
        expect_pair(res, "UNetEncoder.forward(x)", ("skip", "pooled"), shapes, ENCODER_PAIR_HINT)
    if not step.ok:
        return
    G_skip = rng.standard_normal(shapes[0])
    G_pool = rng.standard_normal(shapes[1])

    def f(v=None):
        out = expect_pair(enc.forward(x if v is None else v), "UNetEncoder.forward(x)",
                          ("skip", "pooled"), shapes, ENCODER_PAIR_HINT)
        return float(np.sum(G_skip * out[0]) + np.sum(G_pool * out[1]))

    def backward(dout, dskip):
        enc.forward(x)
        return expect_array(enc.backward(dout, dskip), "UNetEncoder.backward(dout, dskip)", x.shape)

    with grade.part("dx"):
        dx_pool = backward(G_pool, np.zeros_like(G_skip))
        dx_skip = backward(np.zeros_like(G_pool), G_skip)
        dx = backward(G_pool, G_skip)       # last: the parameter gradients are of this one
        depends_on_x()
        if close(dx, dx_pool):
            grade.hint(DSKIP_HINT)
        elif not close(dx, dx_pool + dx_skip, rtol=1e-6, atol=1e-9):
            grade.hint(Msg("backward(dout, dskip) is not the sum of backward(dout, 0) and "
                           "backward(0, dskip): add the two gradients where the branches meet, "
                           "d = pool.backward(dout) + dskip",
                           "backward(dout, dskip) 不等於 backward(dout, 0) 加上 backward(0, dskip)：兩條分支交會處"
                           "要把梯度相加，d = pool.backward(dout) + dskip"))
        probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                             "dx (UNetEncoder.backward with random dout and dskip)", rng)
    with grade.part("params"):
        what = "UNetEncoder.get_params_and_grads()"
        require_param_dependence(enc, what, lambda: expect_pair(
            enc.forward(x), name[0], ("skip", "pooled"), shapes, ENCODER_PAIR_HINT), rng,
            label=name)
        check_params(enc, what, f, rng)


# -- decoder ----------------------------------------------------------------------------
DECODER_PAIR_HINT = Msg(
    "UNetDecoder.backward(dout) returns (dx, dskip): the gradient of the input x (back through "
    "the upsampling) and of the skip features",
    "UNetDecoder.backward(dout) 回傳 (dx, dskip)：輸入 x 的梯度（要往回穿過上採樣）與 skip 特徵的梯度")
# (upsample, N, channels of x, channels of skip = out_channels, h, w): skip is (2h, 2w)
DECODER_CASES = [("nearest", 2, 4, 3, 2, 3), ("bilinear", 2, 3, 2, 3, 2)]


@check("m6.unet.decoder", points=2, parts=("forward", "dx", "dskip"),
       title=("UNetDecoder: uses the skip, and backward splits the gradient into (dx, dskip)",
              "UNetDecoder：用上 skip，反向傳播把梯度分成 (dx, dskip)"), doc=DOC)
def test_unet_decoder(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    for mode, N, Cx, Cs, h, w in grade.cases(DECODER_CASES):
        h, w = h + int(rng.integers(0, 2)), w + int(rng.integers(0, 2))
        dec = unet.UNetDecoder(Cx + Cs, Cs, upsample=mode)
        x = rng.standard_normal((N, Cx, h, w))
        skip = rng.standard_normal((N, Cs, 2 * h, 2 * w))
        shape = (N, Cs, 2 * h, 2 * w)
        name = f"UNetDecoder({Cx + Cs}, {Cs}, upsample={mode!r}).forward(x, skip)"
        label = f" (upsample={mode!r}, x {x.shape}, skip {skip.shape})"
        out = forward_with_concat_hint(grade, dec.forward, x, skip)
        # The outputs for a new skip and for a new x: the forward must use both, and each
        # gradient part stands only if the output depends on what it differentiates.
        new_skip = dec.forward(x, rng.standard_normal(skip.shape))
        new_x = dec.forward(rng.standard_normal(x.shape), skip)

        def depends_on(changed, on):
            require_change(expect_array(out, name, shape), expect_array(changed, name, shape),
                           (name, name), on)

        with grade.part("forward"):
            if isinstance(out, np.ndarray) and out.shape[1:] == (Cs, h, w):
                grade.hint(Msg("the output has x's size: upsample x by 2 first (self.up), then "
                               "concatenate the skip", "輸出和 x 一樣大：要先把 x 上採樣 2 倍（self.up），再接上 skip"))
            got = expect_array(out, name, shape)
            other = expect_array(new_skip, name, shape)
            if close(got, other):
                raise Mismatch(Msg(f"{name}: the output does not change when skip changes: "
                                   f"concatenate the skip with the upsampled x "
                                   f"(np.concatenate([x_up, skip], axis=1)) and convolve both",
                                   f"{name}：skip 改變時輸出不變：要把 skip 與上採樣後的 x 接起來"
                                   f"（np.concatenate([x_up, skip], axis=1)）再一起卷積"))
            other = expect_array(new_x, name, shape)
            if close(got, other):
                raise Mismatch(Msg(f"{name}: the output does not depend on x",
                                   f"{name}：輸出與 x 無關"))
        G = rng.standard_normal(shape)
        with grade.shared("dx", "dskip") as step:
            expect_array(dec.forward(x, skip), name, shape)
            dx, dskip = expect_pair(dec.backward(G), "UNetDecoder.backward(dout)", ("dx", "dskip"),
                                    (x.shape, skip.shape), DECODER_PAIR_HINT)
        if not step.ok:
            continue

        def f(xv, sv):
            return float(np.sum(G * expect_array(dec.forward(xv, sv), name, shape)))

        with grade.part("dx"):
            depends_on(new_x, ("x", "x"))
            probe_gradient(dx, x, lambda u, t: (f(x + t * u, skip) - f(x - t * u, skip)) / (2 * t),
                                 "dx" + label, rng)
        with grade.part("dskip"):
            depends_on(new_skip, ("skip", "skip"))
            if not np.any(dskip):
                grade.hint(Msg("dskip is all zeros: after the convolutions, split the gradient of "
                               "the concatenation — the skip's channels come after x's: "
                               "dskip = dcat[:, C_x:]",
                               "dskip 全是 0：穿過卷積層之後，要把串接的梯度拆開——skip 的 channel 排在 x 之後："
                               "dskip = dcat[:, C_x:]"))
            probe_gradient(dskip, skip,
                                 lambda u, t: (f(x, skip + t * u) - f(x, skip - t * u)) / (2 * t),
                                 "dskip" + label, rng, name="skip")
    if grade.failed("dx") and grade.passed("dskip"):
        grade.hint(Msg("dskip is right but dx is not: x's part of the concatenated gradient, "
                       "dcat[:, :C_x], must go back through the upsampling: "
                       "dx = self.up.backward(dcat[:, :C_x])",
                       "dskip 對但 dx 不對：串接梯度中屬於 x 的部分 dcat[:, :C_x] 要往回穿過上採樣："
                       "dx = self.up.backward(dcat[:, :C_x])"))
    elif grade.failed("dx", "dskip") and grade.passed("forward"):
        grade.hint(Msg("backward: through the two Conv → BN → ReLU stages in reverse, then split "
                       "the gradient of the concatenation by channel — the first C_x channels "
                       "go back through the upsampling to x, the rest are dskip (the same order "
                       "as in forward's concatenate)",
                       "backward：先反向穿過兩組 Conv → BN → ReLU，再依 channel 拆開串接的梯度——前 C_x 個 channel "
                       "往回穿過上採樣得到 dx，其餘是 dskip（順序與 forward 串接時相同）"))


# -- SimpleUNet shapes ------------------------------------------------------------------
def shape_hint(out, N, n, H, W):
    if not isinstance(out, np.ndarray) or out.ndim != 4:
        return None
    if out.shape[2:] in ((H // 2, W // 2), (H // 4, W // 4)):
        return Msg("the output is smaller than the input: each decoder upsamples by 2 and there "
                   "are as many decoders (2) as pooling encoders",
                   "輸出比輸入小：每個 decoder 上採樣 2 倍，decoder（2 個）要和做 pooling 的 encoder 一樣多")
    if out.shape[1] == 8 and n != 8:
        return Msg("8 output channels: the last layer is a 1×1 Conv2D(8, n_classes) that maps the "
                   "features to class scores", "輸出有 8 個 channel：最後一層是 1×1 的 Conv2D(8, n_classes)，把特徵變成各類別分數")
    if out.shape[1] != n:
        return Msg(f"{out.shape[1]} output channels for n_classes={n}: the head is "
                   f"Conv2D(8, n_classes, 1) — use the n_classes argument",
                   f"n_classes={n} 卻輸出 {out.shape[1]} 個 channel：head 是 Conv2D(8, n_classes, 1)——要用 n_classes 參數")
    return None


CONCAT_HINT = Msg(
    "the concatenation fails: the upsampled x and the skip must have the same H and W — "
    "upsample x by 2 before concatenating, and use the encoder's pre-pool features as the skip",
    "串接失敗：上採樣後的 x 與 skip 的 H、W 要相同——先把 x 上採樣 2 倍再串接，skip 要用 encoder "
    "pooling 之前的特徵")


def forward_with_concat_hint(grade, forward, *args):
    """forward(*args); a numpy concatenate error in student code gets CONCAT_HINT."""
    try:
        return forward(*args)
    except StudentError as exc:
        if exc.type_name in ("ValueError", "IndexError") and "concatenat" in exc.message + str(exc.where):
            grade.hint(CONCAT_HINT)
        raise


def unet_forward(grade, model, x, n, name, finite=True):
    """model.forward(x), validated: logits of shape (N, n, H, W), finite unless `finite` is
    False (during training, where a diverging loss ends the loop and gets its own hint)."""
    N, _, H, W = x.shape
    out = forward_with_concat_hint(grade, model.forward, x)
    hint = shape_hint(out, N, n, H, W)
    if hint is not None:
        grade.hint(hint)
    out = expect_array(out, name, (N, n, H, W))
    if finite and not np.all(np.isfinite(out)):
        raise Mismatch(Msg(f"{name} has non-finite values", f"{name} 有非有限值"))
    return out


@check("m6.unet.shapes", points=2, parts=("nearest", "bilinear", "n_classes"),
       title=("SimpleUNet maps (N, 1, 64, 64) to (N, n_classes, 64, 64)",
              "SimpleUNet 把 (N, 1, 64, 64) 變成 (N, n_classes, 64, 64)"), doc=DOC, timeout=20)
def test_unet_shapes(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    for mode in ("nearest", "bilinear"):
        with grade.part(mode):
            model = unet.SimpleUNet(in_channels=1, n_classes=2, upsample=mode)
            x = rng.standard_normal((1, 1, 64, 64))
            unet_forward(grade, model, x, 2, f"SimpleUNet(1, 2, upsample={mode!r}).forward(x)")
    with grade.part("n_classes"):
        for n in (3, int(rng.integers(4, 7))):
            model = unet.SimpleUNet(in_channels=1, n_classes=n, upsample="nearest")
            N = int(rng.integers(1, 3))
            x = rng.standard_normal((N, 1, 16, 16))
            unet_forward(grade, model, x, n, f"SimpleUNet(1, {n}).forward(x) with x {x.shape}")


# -- SimpleUNet whole-model gradient check ----------------------------------------------
GRAD_SHAPE = (2, 1, 8, 8)
RETURN_DX_HINT = Msg(
    "SimpleUNet.backward(dlogits) should return the gradient w.r.t. the input x (what the "
    "first encoder's backward returns), like every layer's backward",
    "SimpleUNet.backward(dlogits) 應該回傳對輸入 x 的梯度（第一個 encoder 的 backward 回傳值），"
    "和每一層的 backward 一樣")


def spread(rng, extra=6):
    """The first and last parameter arrays and `extra` others drawn at random."""
    def pick(n):
        rest = list(rng.permutation(np.arange(1, n - 1))[:extra]) if n > 2 else []
        return sorted({0, n - 1, *[int(i) for i in rest]})
    return pick


@check("m6.unet.gradcheck", points=3, parts=("input", "params"),
       title=("SimpleUNet whole-model gradient check (BatchNorm in training mode)",
              "SimpleUNet 整個模型的梯度檢查（BatchNorm 在訓練模式）"), doc=DOC, timeout=30)
def test_unet_gradcheck(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    model = unet.SimpleUNet(in_channels=1, n_classes=2, upsample="nearest")
    student.given("given.model_utils.set_training", model, True)
    x = rng.standard_normal(GRAD_SHAPE)
    N, _, H, W = GRAD_SHAPE
    G = rng.standard_normal((N, 2, H, W))
    name = "SimpleUNet.forward(x)"
    with grade.shared("input", "params") as step:
        logits = unet_forward(grade, model, x, 2, name)
    if not step.ok:
        return
    dx = model.backward(G)

    def f(v=None):
        return float(np.sum(G * expect_array(model.forward(x if v is None else v), name, G.shape)))

    with grade.part("input"):
        # After backward (a forward in between would replace what backward reads).
        require_change(logits, unet_forward(grade, model, rng.standard_normal(x.shape), 2, name),
                       (name, name), ("its input x", "輸入 x"))
        if dx is None:
            grade.hint(RETURN_DX_HINT)
        dx = expect_array(dx, "SimpleUNet.backward(dlogits)", x.shape)
        probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                             "dx (the gradient w.r.t. the input)", rng, directions=2)
    with grade.part("params"):
        what = "SimpleUNet.get_params_and_grads()"
        require_param_dependence(model, what, lambda: unet_forward(grade, model, x, 2, name),
                                 rng, label=(name, name))
        check_params(model, what, f, rng, pick=spread(rng))
    if grade.failed("input") and grade.passed("params"):
        grade.hint(Msg("the parameter gradients are right but dx is not: SimpleUNet.backward must "
                       "return what the first encoder's backward returns",
                       "參數的梯度正確但 dx 不對：SimpleUNet.backward 要回傳第一個 encoder 的 backward 的回傳值"))
    elif grade.failed("input", "params"):
        grade.hint(Msg("backward visits the blocks in reverse: head → dec1 → dec2 → bottom → enc2 → "
                       "enc1, and each decoder's dskip goes into the backward of the encoder that "
                       "produced that skip: enc2.backward(d, dskip2), enc1.backward(d, dskip1)",
                       "backward 依反序走過各區塊：head → dec1 → dec2 → bottom → enc2 → enc1，每個 decoder 的 "
                       "dskip 要送進產生那個 skip 的 encoder：enc2.backward(d, dskip2)、enc1.backward(d, dskip1)"))


# -- SimpleUNet with transposed-convolution upsampling (bonus) --------------------------
@check("m6.unet.transposed", points=1, parts=("shapes", "params"), optional=True,
       title=("SimpleUNet(upsample='transposed'): shapes and trained upsamplers",
              "SimpleUNet(upsample='transposed')：形狀與可訓練的上採樣層"), doc=DOC, timeout=20)
def test_unet_transposed(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    model = unet.SimpleUNet(in_channels=1, n_classes=2, upsample="transposed")
    x = rng.standard_normal((2, 1, 8, 8))
    G = rng.standard_normal((2, 2, 8, 8))
    name = "SimpleUNet(upsample='transposed').forward(x)"
    with grade.shared("shapes", "params") as step:
        unet_forward(grade, model, x, 2, name)
    if not step.ok:
        return
    with grade.part("shapes"):
        dx = model.backward(G)
        if dx is None:
            grade.hint(RETURN_DX_HINT)
        expect_array(dx, "SimpleUNet.backward(dlogits)", x.shape)
    with grade.part("params"):
        what = "SimpleUNet(upsample='transposed').get_params_and_grads()"
        values = pair_list(model.get_params_and_grads(), what)
        shapes = [getattr(p, "shape", None) for p, _ in values]
        positions = [shapes.index(s) if s in shapes else None for s in ((32, 32, 2, 2), (16, 16, 2, 2))]
        if None in positions:
            raise Mismatch(Msg(f"{what} has no ConvTranspose2D weights of shape (32, 32, 2, 2) and "
                               f"(16, 16, 2, 2): with upsample='transposed' each decoder upsamples "
                               f"with ConvTranspose2D(c, c, 2, stride=2), c = in_channels − "
                               f"out_channels, and its W and b are trained",
                               f"{what} 沒有形狀為 (32, 32, 2, 2) 與 (16, 16, 2, 2) 的 ConvTranspose2D 權重："
                               f"upsample='transposed' 時每個 decoder 用 ConvTranspose2D(c, c, 2, stride=2) 上採樣，"
                               f"c = in_channels − out_channels，它的 W 與 b 也要訓練"))

        def f():
            return float(np.sum(G * expect_array(model.forward(x), name, G.shape)))

        require_param_dependence(model, what, lambda: unet_forward(grade, model, x, 2, name),
                                 rng, pick=lambda n: positions, label=(name, name),
                                 on=("the ConvTranspose2D weights", "ConvTranspose2D 的權重"))
        check_params(model, what, f, rng, pick=lambda n: positions)


# -- U-Net IoU on circles and squares ----------------------------------------------------
# 16×16 images, shape vs background, noise 0.05, 60 steps. Measured over 30 run seeds: the
# reference reaches a held-out mean IoU of 0.958–0.994 (mean 0.982); a decoder that ignores
# its skip plateaus at 0.785–0.905 (its features come from the 4×4 and 8×8 maps only, so
# every outline is blurred). The threshold sits in the gap; more steps or a larger rate
# lift both alike. Time on this 2-core machine, idle: the reference ~1.5 s, a Conv2D that
# loops over output positions ~5 s, the naive loop-style tree ~0.85 s per step, ~55 s in
# all. The first step's time sets the budget (budget.fit, under the 360 s cap).
IOU_SIZE, IOU_CLASSES, IOU_NOISE = 16, 2, 0.05
IOU_TRAIN, IOU_TEST = 64, 64
IOU_STEPS, IOU_LR, IOU_BATCH, IOU_MOMENTUM = 60, 0.1, 8, 0.9
IOU_THRESHOLD = 0.93
IOU_TIMEOUT = 40.0
IOU_CAP = 360.0


PAIRS_HINT = Msg("every layer with parameters must keep dW/db (dgamma/dbeta) after backward, and "
                 "get_params_and_grads() must list (param, grad) pairs of the same shape",
                 "每個有參數的層在 backward 後都要存好 dW/db（dgamma/dbeta），"
                 "get_params_and_grads() 要列出形狀相同的 (param, grad)")


def describe(value):
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    return "None" if value is None else f"a {type(value).__name__}"


def train_unet(grade, model, X, masks, shuffle_seed, name):
    """Train the learner's model with the course's loop (given.experiments.segmentation
    .segmentation_loop: train_segmentation's batches, loss and momentum SGD), run here: this
    side shuffles, computes the loss and dlogits, calls model.forward / model.backward
    through the proxy, and applies v = β·v − lr·grad, param ← param + v to the live
    parameter arrays in the worker (handles of get_params_and_grads.keep(), written in
    place). Nothing of the check's own seed reaches the worker. Returns the batch losses."""
    what = "SimpleUNet.get_params_and_grads()"
    velocities = {}

    def stop(message):
        raise Mismatch(Msg(f"training stopped: {what} {message[0]}", f"訓練中止：{what} {message[1]}"),
                       PAIRS_HINT)

    def update(rate):
        try:
            values, handles = live_pairs(model, what)
        except Mismatch as exc:
            raise Mismatch(Msg("training stopped: ", "訓練中止：") + exc.msg, PAIRS_HINT) from None
        for k, ((P, dP), (handle, _)) in enumerate(zip(values, handles)):
            if not (isinstance(P, np.ndarray) and isinstance(dP, np.ndarray)
                    and P.shape == dP.shape and P.dtype == dP.dtype == np.float64
                    and isinstance(handle, RemoteObject)):
                stop((f"gave pair {k} as ({describe(P)}, {describe(dP)}); expected two "
                      f"float64 arrays of the same shape (did backward store every grad?)",
                      f"的第 {k} 組是 ({describe(P)}, {describe(dP)})；應該是兩個形狀相同的 "
                      f"float64 陣列（backward 有存好每個梯度嗎？）"))
            v = velocities.get(k)
            if v is None or v.shape != P.shape:
                v = velocities[k] = np.zeros_like(P)
            v *= IOU_MOMENTUM
            v -= rate * dP
            handle[...] = P + v

    return segmentation_loop(lambda x: unet_forward(grade, model, x, IOU_CLASSES, name, finite=False),
                             model.backward, update, X, masks, IOU_STEPS, IOU_LR,
                             batch_size=IOU_BATCH, seed=shuffle_seed, name="SimpleUNet")


def constant_guess_loss(masks, n_classes):
    """Pixel cross-entropy of the best constant prediction (the class frequencies)."""
    p = np.bincount(masks.ravel(), minlength=n_classes) / masks.size
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


@check("m6.unet.iou", points=3, parts={"learns": 1, "iou": 2},
       title=(f"SimpleUNet learns to segment circles and squares (held-out mean IoU ≥ {IOU_THRESHOLD})",
              f"SimpleUNet 學會分割圓形與方形（未見過的影像 mean IoU ≥ {IOU_THRESHOLD}）"),
       doc=IOU_DOC, timeout=IOU_TIMEOUT, cap=IOU_CAP)
def test_unet_iou(student, rng, grade, seed, timeout_scale):
    """Train the learner's SimpleUNet(1, 2, 'nearest') on 64 generated 16×16 images
    (shape vs background) for 60 steps of momentum SGD (lr 0.1, β 0.9, batch 8) with the
    course's own loop (run here, see train_unet), then switch BatchNorm to eval mode (running statistics — how a
    trained model is used; after 60 steps they have settled, and each image is then
    segmented on its own) and judge on 64 images drawn after training:
    learns — held-out pixel cross-entropy below half that of the best constant guess;
    iou — held-out mean IoU (background and shape) ≥ IOU_THRESHOLD."""
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    X, masks = make_shapes(IOU_TRAIN, size=IOU_SIZE, seed=np.random.SeedSequence([seed, 1]),
                           classes=IOU_CLASSES, noise=IOU_NOISE)
    model = unet.SimpleUNet(in_channels=1, n_classes=IOU_CLASSES, upsample="nearest")
    student.given("given.model_utils.set_training", model, True)
    xb, mb = X[:IOU_BATCH], masks[:IOU_BATCH]
    name = "SimpleUNet.forward(x)"
    what = ("training the U-Net", "U-Net 的訓練")
    probes = budget.unet_step(IOU_BATCH, IOU_SIZE)
    # One timed step (no update): it validates the model's answers before training, and
    # sets the budget of the run (60 steps and the held-out evaluation, ~2 steps' worth).
    steps = IOU_STEPS + 2
    step = None
    try:
        start = time.perf_counter()
        logits = unet_forward(grade, model, xb, IOU_CLASSES, name)
        _, dlogits = pixel_cross_entropy(logits, mb)
        model.backward(dlogits)
        step = time.perf_counter() - start
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, None,
                                                  steps, probes, "during")) from None
    if not budget.fit(student, grade, timeout_scale, step, steps)[0]:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  steps, probes, "before"))
    try:
        losses = train_unet(grade, model, X, masks, np.random.SeedSequence([seed, 3]), name)
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  steps, probes, "during")) from None
    # Held-out images, drawn only now: nothing in the worker could have seen them.
    X_test, masks_test = make_shapes(IOU_TEST, size=IOU_SIZE, seed=np.random.SeedSequence([seed, 2]),
                                     classes=IOU_CLASSES, noise=IOU_NOISE)
    try:
        student.given("given.model_utils.set_training", model, False)
        logits = unet_forward(grade, model, X_test, IOU_CLASSES,
                              name + " (eval mode, held-out images)")
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what, step,
                                                  steps, probes, "after")) from None
    pred = logits.argmax(axis=1)
    iou = mean_iou(pred, masks_test, IOU_CLASSES)
    loss, _ = pixel_cross_entropy(logits, masks_test)
    guess = constant_guess_loss(masks_test, IOU_CLASSES)
    after = (f"after {IOU_STEPS} steps of momentum SGD (lr {IOU_LR}, batch {IOU_BATCH}) on "
             f"{IOU_TRAIN} images, on {IOU_TEST} held-out {IOU_SIZE}×{IOU_SIZE} images")
    after_zh = (f"以 momentum SGD（lr {IOU_LR}、batch {IOU_BATCH}）在 {IOU_TRAIN} 張影像上訓練 {IOU_STEPS} 步之後，"
                f"在 {IOU_TEST} 張未見過的 {IOU_SIZE}×{IOU_SIZE} 影像上")
    with grade.part("learns"):
        if not loss < 0.5 * guess:
            raise Mismatch(Msg(f"the pixel cross-entropy is {loss:.4g} {after}; expected below "
                               f"{0.5 * guess:.3g} (half of the {guess:.3g} of always guessing the "
                               f"class frequencies)",
                               f"{after_zh} pixel cross-entropy 是 {loss:.4g}；應低於 {0.5 * guess:.3g}"
                               f"（永遠猜類別比例的 {guess:.3g} 的一半）"))
    with grade.part("iou"):
        if not iou >= IOU_THRESHOLD:
            raise Mismatch(Msg(f"mean IoU is {iou:.3f} {after}; expected at least {IOU_THRESHOLD}",
                               f"{after_zh} mean IoU 是 {iou:.3f}；應至少 {IOU_THRESHOLD}"))
    if grade.passed("learns", "iou"):
        return
    finite = isinstance(losses, list) and all(isinstance(v, float) and math.isfinite(v) for v in losses)
    if not np.all(np.isfinite(logits)) or (isinstance(losses, list) and not finite):
        grade.hint(Msg("training diverged (inf/NaN): do the gradient checks pass? A backward that "
                       "is too large by a constant factor makes lr = 0.1 explode",
                       "訓練發散（inf/NaN）：梯度檢查有通過嗎？backward 大了某個倍數時 lr = 0.1 會爆掉"))
        return
    if len(np.unique(pred)) == 1:
        grade.hint(Msg("the model predicts one class everywhere: it has not learned — check "
                       "m6.unet.gradcheck first, and that get_params_and_grads() returns the live "
                       "arrays (training updates them in place)",
                       "模型在每個位置都預測同一類：它沒有學到東西——先看 m6.unet.gradcheck，以及 "
                       "get_params_and_grads() 是否回傳真正的陣列（訓練時原地更新）"))
        return
    student.given("given.model_utils.set_training", model, True)
    train_logits = expect_array(model.forward(X_test), name, logits.shape)
    train_iou = mean_iou(train_logits.argmax(axis=1), masks_test, IOU_CLASSES)
    if train_iou >= IOU_THRESHOLD:
        grade.hint(Msg(f"with batch statistics (training mode) the same model reaches IoU "
                       f"{train_iou:.3f}, in eval mode only {iou:.3f}: BatchNorm2D's running "
                       f"statistics are off — running = (1 − momentum)·running + momentum·batch "
                       f"in training mode, and eval mode normalises with them",
                       f"同一個模型用 batch 統計量（訓練模式）IoU 可達 {train_iou:.3f}，在 eval 模式只有 {iou:.3f}："
                       f"BatchNorm2D 的 running 統計量有問題——訓練模式要更新 running = (1 − momentum)·running + "
                       f"momentum·batch，eval 模式要用它們來正規化"))
    elif grade.passed("learns"):
        grade.hint(Msg("the shapes are found but their outlines are not: the fine detail comes "
                       "through the skip connections — does each decoder concatenate its "
                       "encoder's pre-pool features and convolve them (see m6.unet.decoder)?",
                       "形狀有找到但邊界不準：細節要靠 skip connection 傳過來——每個 decoder 有把對應 encoder "
                       "pooling 前的特徵串接進來並卷積嗎（見 m6.unet.decoder）？"))
    else:
        grade.hint(Msg("the U-Net learns too little: check m6.unet.gradcheck and the BatchNorm2D "
                       "backward first — this check trains with plain momentum SGD on your "
                       "get_params_and_grads()",
                       "U-Net 學得太少：先看 m6.unet.gradcheck 與 BatchNorm2D 的 backward——這項檢查是用 "
                       "momentum SGD 直接更新你的 get_params_and_grads()"))
