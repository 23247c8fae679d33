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

To name a gradient's mistake (mistakes/m6_unet.py), a wrong block is rebuilt in trusted
layers with the learner's own parameters (TrustedEncoder, TrustedDecoder); only when that
copy reproduces every output the learner's block gave is its gradient the right answer the
known mistakes are compared with. It never judges: the probes do.

The IoU check trains the learner's SimpleUNet with the course's own loop
(given.experiments.segmentation.segmentation_loop: train_segmentation's batches and momentum
SGD on get_params_and_grads()), run here: this side shuffles, computes the loss, calls forward and
backward through the proxy and writes the updates into the worker's parameter arrays. Then
it judges on held-out images that it draws only after training, from the check's seed,
which never reaches the worker (the worker's numpy is seeded with derive.worker_seed).
Every number that decides the score — the held-out loss and the IoU — is computed here from
the logits the model returns.
"""
import functools
import math
import time
from contextlib import contextmanager

import numpy as np

from given.data.shapes import make_shapes, mean_iou
from given.experiments.segmentation import pixel_cross_entropy, segmentation_loop
from grader.checks import CheckTimeout, Mismatch, Todo, check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError, WorkerTimeout
from grader.proxy import RemoteObject

from . import budget, hints, oracle_layers, oracles, toolkit
from .derive import worker_seed
from .oracles_m6_upsample import bilinear, nearest, up_backward
from .toolkit import close, live_pairs, pair_list, probe_gradient

DOC = "docs/module6.md#u-net"
IOU_DOC = "docs/module6.md#u-net-iou"

H = hints.table("m6_unet")


# -- helpers ----------------------------------------------------------------------------
def check_params(model, what, f, rng, pick=None):
    """toolkit.check_params with this suite's hints."""
    toolkit.check_params(model, what, f, rng, H("params_are_copies"), H("every_layer_lists_params"),
                         pick=pick)


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
    `what` names the output, `on` what was changed: an H(...) entry, or a name (a str) that
    reads the same in both languages."""
    rel = relative_change(before, after)
    if not rel >= DEPENDS:
        raise Mismatch(H("output_ignores", what=what, on=on, rel=rel))


def require_param_dependence(model, what, output, rng, pick=None, label=None,
                             on=None):
    """Move every (or every `pick`ed) parameter array of `model` by ~10 % of its scale, in the
    worker's live arrays, and require output() to change; then restore them exactly."""
    values, handles = live_pairs(model, what)
    chosen = list(range(len(values)) if pick is None else pick(len(values)))
    if not chosen:
        raise Mismatch(H("no_pairs", what=what), H("every_layer_lists_params"))
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
    require_change(before, after, label or H("the_output"), on or H("its_parameters"))


def expect_pair(value, name, names, shapes, hint):
    """A 2-tuple of float64 arrays of the given shapes (the blocks return pairs)."""
    if value is None:
        raise Todo(name)
    if isinstance(value, np.ndarray) or not isinstance(value, (tuple, list)) or len(value) != 2:
        what = f"an array of shape {value.shape}" if isinstance(value, np.ndarray) else type(value).__name__
        raise Mismatch(H("not_a_pair", name=name, first=names[0], second=names[1], got=what), hint)
    a, b = value
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) \
            and a.shape == tuple(shapes[1]) and b.shape == tuple(shapes[0]) and shapes[0] != shapes[1]:
        raise Mismatch(H("pair_swapped", name=name, first=names[0], second=names[1]), hint)
    return (expect_array(a, f"{names[0]} ({name}[0])", shapes[0]),
            expect_array(b, f"{names[1]} ({name}[1])", shapes[1]))


def even(rng, low, high):
    return 2 * int(rng.integers(low, high + 1))


# -- trusted copies of the learner's blocks, to name a mistake ---------------------------
def stage_shapes(c_in, c_out):
    """The parameters of Conv3x3 → BN → ReLU, twice, in attribute order: W, b, gamma, beta."""
    return [(c_out, c_in, 3, 3), (c_out,), (c_out,), (c_out,),
            (c_out, c_out, 3, 3), (c_out,), (c_out,), (c_out,)]


def trusted_stages(P):
    """Conv3x3 → BN → ReLU, twice, in trusted layers holding the parameters P."""
    olay = oracle_layers
    return [olay.Conv2D(P[0], P[1], padding=1), olay.BatchNorm2D(P[2], P[3]), olay.ReLU(),
            olay.Conv2D(P[4], P[5], padding=1), olay.BatchNorm2D(P[6], P[7]), olay.ReLU()]


def learner_values(block, what, shapes):
    """The learner's parameter arrays if get_params_and_grads() lists exactly `shapes` (the
    block built as its docstring says), else None. Asked only once an answer is wrong."""
    try:
        pairs = pair_list(block.get_params_and_grads(), what)
    except (StudentError, Mismatch, Todo):
        return None
    values = [p for p, _ in pairs]
    if [getattr(v, "shape", None) for v in values] != shapes:
        return None
    return values


def reproduces(model, seen):
    """Whether `model` gives every (inputs, output) in `seen`: the learner's block is then
    this one, and the trusted gradient is the right answer."""
    def same(a, b):
        if isinstance(b, tuple):
            return isinstance(a, tuple) and len(a) == len(b) and all(map(same, a, b))
        return close(a, b, rtol=1e-6)
    return all(same(model.forward(*inputs), out) for inputs, out in seen)


class TrustedEncoder:
    """UNetEncoder in trusted layers, with given parameters."""

    def __init__(self, P):
        self.layers, self.pool = trusted_stages(P), oracle_layers.MaxPool2x2()

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x, self.pool.forward(x)

    def backward(self, dout, dskip):
        d = self.pool.backward(dout) + dskip
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d


class TrustedDecoder:
    """UNetDecoder ('nearest' or 'bilinear') in trusted layers, with given parameters; the
    concatenation in the documented order (x's channels first) or, `skip_first`, the other:
    a learner's forward may take either, and its backward must then split the same way."""

    def __init__(self, P, mode, skip_first):
        self.layers, self.mode, self.skip_first = trusted_stages(P), mode, skip_first

    @property
    def order(self):
        return "skip_first" if self.skip_first else "x_first"

    def forward(self, x, skip):
        up = nearest(x, 2) if self.mode == "nearest" else bilinear(x, 2)
        self.cx = x.shape[1]
        x = np.concatenate([skip, up] if self.skip_first else [up, skip], axis=1)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """(dcat, dx, dskip): the gradient of the concatenation, and its two parts."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        cs = dout.shape[1] - self.cx
        d_up, dskip = (dout[:, cs:], dout[:, :cs]) if self.skip_first else \
            (dout[:, :self.cx], dout[:, self.cx:])
        return dout, up_backward(self.mode, d_up), dskip


@contextmanager
def naming(grade, diagnose):
    """A judgement that raises Mismatch when the answer is wrong: before the Mismatch goes
    on, grade.hint(diagnose()), the known mistake the answer matches (or None)."""
    try:
        yield
    except Mismatch:
        grade.hint(diagnose())
        raise


# -- encoder ----------------------------------------------------------------------------
@check("m6.unet.encoder", points=2, parts=("forward", "dx", "params"), needs={"params": ("backward",)},
       title=("UNetEncoder: (skip, pooled), and backward takes both gradients",
              "UNetEncoder：回傳 (skip, pooled)，反向傳播接收兩個梯度"), doc=DOC)
def test_unet_encoder(student, rng, grade, seed):
    student.seed(worker_seed(seed))
    unet = student.module("module6.unet")
    N, Ci, Co = 2, 2, 3
    Hi, Wi = even(rng, 2, 3), even(rng, 2, 3)
    enc = unet.UNetEncoder(Ci, Co)
    x = rng.standard_normal((N, Ci, Hi, Wi))
    shapes = [(N, Co, Hi, Wi), (N, Co, Hi // 2, Wi // 2)]
    res = enc.forward(x)
    x_other = rng.standard_normal(x.shape)
    other = enc.forward(x_other)
    name = "UNetEncoder.forward(x)"
    on_x = H("its_input_x")

    def depends_on_x():
        require_change(expect_pair(res, name, ("skip", "pooled"), shapes, H("encoder_pair")),
                       expect_pair(other, name, ("skip", "pooled"), shapes, H("encoder_pair")),
                       name, on_x)

    with grade.part("forward"):
        skip, pooled = expect_pair(res, "UNetEncoder.forward(x)", ("skip", "pooled"), shapes,
                                   H("encoder_pair"))
        depends_on_x()
        want = oracles.maxpool2d(skip, 2, 2)
        known = grade.diagnose("pooled", skip=skip)
        if not close(pooled, want) and known.match(pooled, want) is None:
            grade.hint(H("encoder_pooled_is_maxpool"))
        expect_close(pooled, want, "pooled (the 2×2 max-pool of skip)", mistakes=known)
        if np.any(skip < 0):
            raise Mismatch(H("encoder_skip_negative"), H("encoder_pair"))
    with grade.shared("dx", "params") as step:
        expect_pair(res, "UNetEncoder.forward(x)", ("skip", "pooled"), shapes, H("encoder_pair"))
    if not step.ok:
        return
    G_skip = rng.standard_normal(shapes[0])
    G_pool = rng.standard_normal(shapes[1])

    def f(v=None):
        out = expect_pair(enc.forward(x if v is None else v), "UNetEncoder.forward(x)",
                          ("skip", "pooled"), shapes, H("encoder_pair"))
        return float(np.sum(G_skip * out[0]) + np.sum(G_pool * out[1]))

    def backward(dout, dskip):
        enc.forward(x)
        return expect_array(enc.backward(dout, dskip), "UNetEncoder.backward(dout, dskip)", x.shape)

    def known_dx_mistake():
        values = learner_values(enc, "UNetEncoder.get_params_and_grads()", stage_shapes(Ci, Co))
        if values is None:
            return None
        trusted = TrustedEncoder(values)
        if not reproduces(trusted, [((x,), tuple(res)), ((x_other,), tuple(other))]):
            return None
        trusted.forward(x)
        return grade.diagnose("dx", dx_pool=dx_pool).match(dx, trusted.backward(G_pool, G_skip))

    with grade.part("dx"):
        dx_pool = backward(G_pool, np.zeros_like(G_skip))
        dx_skip = backward(np.zeros_like(G_pool), G_skip)
        dx = backward(G_pool, G_skip)       # last: the parameter gradients are of this one
        depends_on_x()
        if not close(dx, dx_pool + dx_skip, rtol=1e-6, atol=1e-9):
            grade.hint(H("encoder_backward_not_additive"))
        with naming(grade, known_dx_mistake):
            probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                           "dx (UNetEncoder.backward with random dout and dskip)", rng)
    with grade.part("params"):
        what = "UNetEncoder.get_params_and_grads()"
        require_param_dependence(enc, what, lambda: expect_pair(
            enc.forward(x), name, ("skip", "pooled"), shapes, H("encoder_pair")), rng,
            label=name)
        check_params(enc, what, f, rng)


# -- decoder ----------------------------------------------------------------------------
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
        skip_b = rng.standard_normal(skip.shape)
        new_skip = dec.forward(x, skip_b)
        x_b = rng.standard_normal(x.shape)
        new_x = dec.forward(x_b, skip)

        def depends_on(changed, on):
            require_change(expect_array(out, name, shape), expect_array(changed, name, shape),
                           name, on)

        with grade.part("forward"):
            if isinstance(out, np.ndarray) and out.shape[1:] == (Cs, h, w):
                grade.hint(H("decoder_output_x_size"))
            got = expect_array(out, name, shape)
            other = expect_array(new_skip, name, shape)
            if close(got, other):
                raise Mismatch(H("decoder_ignores_skip", name=name))
            other = expect_array(new_x, name, shape)
            if close(got, other):
                raise Mismatch(H("decoder_ignores_x", name=name))
        G = rng.standard_normal(shape)

        seen = [((x, skip), out), ((x, skip_b), new_skip), ((x_b, skip), new_x)]

        # These read this case's arrays: they are called only while this case is judged.
        def trusted_answer():
            """(dcat, dx, dskip, order) of the trusted decoder that reproduces this one, or
            None."""
            values = learner_values(dec, "UNetDecoder.get_params_and_grads()",
                                    stage_shapes(Cx + Cs, Cs))
            if values is None:
                return None
            for skip_first in (False, True):
                trusted = TrustedDecoder(values, mode, skip_first)
                if reproduces(trusted, seen):
                    trusted.forward(x, skip)
                    return (*trusted.backward(G), trusted.order)
            return None

        answer = functools.cache(trusted_answer)   # computed once, when needed

        def known_mistake(quantity, got):
            """The known mistake of dx or dskip that `got` matches, if the answer is known."""
            if not isinstance(got, np.ndarray) or answer() is None:
                return None
            dcat, right_dx, right_dskip, order = answer()
            if quantity == "dx":
                known = grade.diagnose("dx", dcat=dcat, order=order, mode=mode, cx=Cx)
                return known.match(got, right_dx)
            return grade.diagnose("dskip", dcat=dcat, cx=Cx).match(got, right_dskip)

        with grade.shared("dx", "dskip") as step:
            expect_array(dec.forward(x, skip), name, shape)
            back = dec.backward(G)
            pair = tuple(back) if isinstance(back, (tuple, list)) and len(back) == 2 \
                else (None, None)
            with naming(grade, lambda: known_mistake("dx", pair[0])
                        or known_mistake("dskip", pair[1])):
                dx, dskip = expect_pair(back, "UNetDecoder.backward(dout)", ("dx", "dskip"),
                                        (x.shape, skip.shape), H("decoder_pair"))
        if not step.ok:
            continue

        def f(xv, sv):
            return float(np.sum(G * expect_array(dec.forward(xv, sv), name, shape)))

        with grade.part("dx"):
            depends_on(new_x, "x")
            with naming(grade, lambda: known_mistake("dx", dx)):
                probe_gradient(dx, x,
                               lambda u, t: (f(x + t * u, skip) - f(x - t * u, skip)) / (2 * t),
                               "dx" + label, rng)
        with grade.part("dskip"):
            depends_on(new_skip, "skip")
            with naming(grade, lambda: known_mistake("dskip", dskip)):
                probe_gradient(dskip, skip,
                               lambda u, t: (f(x, skip + t * u) - f(x, skip - t * u)) / (2 * t),
                               "dskip" + label, rng, name="skip")
    if grade.failed("dx") and grade.passed("dskip"):
        grade.hint(H("decoder_dx_through_upsampling"))
    elif grade.failed("dx", "dskip") and grade.passed("forward"):
        grade.hint(H("decoder_backward_split"))


# -- SimpleUNet shapes ------------------------------------------------------------------
def shape_hint(out, N, n, Hi, Wi):
    if not isinstance(out, np.ndarray) or out.ndim != 4:
        return None
    if out.shape[2:] in ((Hi // 2, Wi // 2), (Hi // 4, Wi // 4)):
        return H("unet_output_too_small")
    if out.shape[1] == 8 and n != 8:
        return H("unet_eight_channels")
    if out.shape[1] != n:
        return H("unet_channels_vs_classes", channels=out.shape[1], n=n)
    return None


def forward_with_concat_hint(grade, forward, *args):
    """forward(*args); a numpy concatenate error in student code gets H("concat_fails")."""
    try:
        return forward(*args)
    except StudentError as exc:
        if exc.type_name in ("ValueError", "IndexError") and "concatenat" in exc.message + str(exc.where):
            grade.hint(H("concat_fails"))
        raise


def unet_forward(grade, model, x, n, name, finite=True):
    """model.forward(x), validated: logits of shape (N, n, H, W), finite unless `finite` is
    False (during training, where a diverging loss ends the loop and gets its own hint)."""
    N, _, Hi, Wi = x.shape
    out = forward_with_concat_hint(grade, model.forward, x)
    hint = shape_hint(out, N, n, Hi, Wi)
    if hint is not None:
        grade.hint(hint)
    out = expect_array(out, name, (N, n, Hi, Wi))
    if finite and not np.all(np.isfinite(out)):
        raise Mismatch(H("non_finite", name=name))
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
            name = f"SimpleUNet(1, 2, upsample={mode!r}).forward(x)"
            logits = unet_forward(grade, model, x, 2, name)
            # Logits are scores, not probabilities: at initialisation about half are negative
            # (all 8192 ≥ 0 by chance: both classes' eight head weights positive, p ≈ 2^-16).
            if np.all(logits >= 0):
                raise Mismatch(H("logits_never_negative", name=name))
    with grade.part("n_classes"):
        for n in (3, int(rng.integers(4, 7))):
            model = unet.SimpleUNet(in_channels=1, n_classes=n, upsample="nearest")
            N = int(rng.integers(1, 3))
            x = rng.standard_normal((N, 1, 16, 16))
            unet_forward(grade, model, x, n, f"SimpleUNet(1, {n}).forward(x) with x {x.shape}")


# -- SimpleUNet whole-model gradient check ----------------------------------------------
GRAD_SHAPE = (2, 1, 8, 8)


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
    N, _, Hi, Wi = GRAD_SHAPE
    G = rng.standard_normal((N, 2, Hi, Wi))
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
                       name, H("its_input_x"))
        if dx is None:
            grade.hint(H("unet_backward_returns_dx"))
        dx = expect_array(dx, "SimpleUNet.backward(dlogits)", x.shape)
        probe_gradient(dx, x, lambda u, h: (f(x + h * u) - f(x - h * u)) / (2 * h),
                             "dx (the gradient w.r.t. the input)", rng, directions=2)
    with grade.part("params"):
        what = "SimpleUNet.get_params_and_grads()"
        require_param_dependence(model, what, lambda: unet_forward(grade, model, x, 2, name),
                                 rng, label=name)
        check_params(model, what, f, rng, pick=spread(rng))
    if grade.failed("input") and grade.passed("params"):
        grade.hint(H("unet_params_right_dx_wrong"))
    elif grade.failed("input", "params"):
        grade.hint(H("unet_backward_order"))


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
            grade.hint(H("unet_backward_returns_dx"))
        expect_array(dx, "SimpleUNet.backward(dlogits)", x.shape)
    with grade.part("params"):
        what = "SimpleUNet(upsample='transposed').get_params_and_grads()"
        values = pair_list(model.get_params_and_grads(), what)
        shapes = [getattr(p, "shape", None) for p, _ in values]
        positions = [shapes.index(s) if s in shapes else None for s in ((32, 32, 2, 2), (16, 16, 2, 2))]
        if None in positions:
            raise Mismatch(H("no_transposed_weights", what=what))

        def f():
            return float(np.sum(G * expect_array(model.forward(x), name, G.shape)))

        require_param_dependence(model, what, lambda: unet_forward(grade, model, x, 2, name),
                                 rng, pick=lambda n: positions, label=name,
                                 on=H("transposed_weights"))
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

    def stop(reason):
        raise Mismatch(H("training_stopped", reason=reason), H("training_pairs"))

    def update(rate):
        try:
            values, handles = live_pairs(model, what)
        except Mismatch as exc:
            raise Mismatch(H("training_stopped", reason=exc.msg), H("training_pairs")) from None
        for k, ((P, dP), (handle, _)) in enumerate(zip(values, handles)):
            if not (isinstance(P, np.ndarray) and isinstance(dP, np.ndarray)
                    and P.shape == dP.shape and P.dtype == dP.dtype == np.float64
                    and isinstance(handle, RemoteObject)):
                stop(H("pair_not_float_arrays", what=what, k=k, param=describe(P),
                       grad=describe(dP)))
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
    what = H("iou_what")
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
    after = H("iou_after", steps=IOU_STEPS, lr=IOU_LR, batch=IOU_BATCH, n_train=IOU_TRAIN,
              n_test=IOU_TEST, size=IOU_SIZE)
    with grade.part("learns"):
        if not loss < 0.5 * guess:
            raise Mismatch(H("iou_loss_too_high", loss=loss, after=after, limit=0.5 * guess,
                             guess=guess))
    with grade.part("iou"):
        if not iou >= IOU_THRESHOLD:
            raise Mismatch(H("iou_too_low", iou=iou, after=after, threshold=IOU_THRESHOLD))
    if grade.passed("learns", "iou"):
        return
    finite = isinstance(losses, list) and all(isinstance(v, float) and math.isfinite(v) for v in losses)
    if not np.all(np.isfinite(logits)) or (isinstance(losses, list) and not finite):
        grade.hint(H("iou_diverged"))
        return
    if len(np.unique(pred)) == 1:
        grade.hint(H("iou_one_class"))
        return
    student.given("given.model_utils.set_training", model, True)
    train_logits = expect_array(model.forward(X_test), name, logits.shape)
    train_iou = mean_iou(train_logits.argmax(axis=1), masks_test, IOU_CLASSES)
    if train_iou >= IOU_THRESHOLD:
        grade.hint(H("iou_running_statistics", train_iou=train_iou, iou=iou))
    elif grade.passed("learns"):
        grade.hint(H("iou_outlines"))
    else:
        grade.hint(H("iou_learns_too_little"))
