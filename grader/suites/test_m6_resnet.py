"""Module 6: ResNet blocks — BasicBlock (identity and projection shortcut, forward and
backward), Bottleneck (bonus), and a residual stack that trains better than the same stack
without its shortcuts.

The block oracles below are written from the block diagrams, on top of the suite's conv
oracle; the learner's blocks get the oracle's parameters through their sub-layers'
attributes (conv1.W, bn1.gamma, …, names from the seed's __init__). BatchNorm is in
training mode throughout, as a freshly built block is. Gradients are judged against
central differences of the oracle; inputs whose oracle pre-activations come within 1e-3 of
a ReLU kink are redrawn, so a difference never straddles a kink.
"""
import math
import time

import numpy as np

from given.experiments import residual as rx
from given.gradcheck import numerical_gradient
from grader.checks import CheckTimeout, Mismatch, check
from grader.expect import expect_array, expect_close
from grader.errors import StudentError, WorkerTimeout

from . import budget, hints, oracle_layers, oracles, toolkit
from .oracles_m5_layers import relu
from .oracles_m5_training import todo

BLOCK_DOC = "docs/module6.md#resnet-basicblock"
BOTTLENECK_DOC = "docs/module6.md#bottleneck"
RVP_DOC = "docs/module6.md#residual-vs-plain"
EPS = 1e-5
KINK = 1e-3
GRAD_TOL = dict(rtol=1e-5, atol=1e-7)

H = hints.table("m6_resnet")

CONV = ("W", "b")
BN = ("gamma", "beta")
BASIC_MAIN = (("conv1", CONV), ("bn1", BN), ("conv2", CONV), ("bn2", BN))
BOTTLENECK_MAIN = BASIC_MAIN + (("conv3", CONV), ("bn3", BN))
SHORTCUT = (("shortcut", CONV), ("shortcut_bn", BN))


# -- trusted oracles ----------------------------------------------------------------------
channel, bn_train = oracles.channel, oracles.bn_train


def conv_bn(x, P, conv, bn, stride=1, pad=0):
    return bn_train(oracles.conv2d(x, P[conv + ".W"], P[conv + ".b"], stride, pad),
                    P[bn + ".gamma"], P[bn + ".beta"])


def basic_parts(x, P, stride):
    """(main path F(x) before the addition, shortcut S(x), relu1's input): S is x itself
    without a projection (no "shortcut.W" in P)."""
    z1 = conv_bn(x, P, "conv1", "bn1", stride, 1)
    main = conv_bn(relu(z1), P, "conv2", "bn2", 1, 1)
    short = conv_bn(x, P, "shortcut", "shortcut_bn", stride, 0) if "shortcut.W" in P else x
    return main, short, [z1]


def bottleneck_parts(x, P, stride):
    z1 = conv_bn(x, P, "conv1", "bn1")
    z2 = conv_bn(relu(z1), P, "conv2", "bn2", stride, 1)
    main = conv_bn(relu(z2), P, "conv3", "bn3")
    short = conv_bn(x, P, "shortcut", "shortcut_bn", stride, 0) if "shortcut.W" in P else x
    return main, short, [z1, z2]


def block_out(parts, x, P, stride):
    main, short, _ = parts(x, P, stride)
    return relu(main + short)


def kink_distance(parts, x, P, stride):
    main, short, inner = parts(x, P, stride)
    return min(float(np.min(np.abs(z))) for z in inner + [main + short])


def block_grads(parts, x, P, stride, dout, names):
    """Central-difference gradients of sum(block_out * dout) w.r.t. x and each P[name]."""
    dx = numerical_gradient(lambda v: block_out(parts, v, P, stride), x.copy(), dout)
    grads = {}
    for name in names:
        def f(v, name=name):
            return block_out(parts, x, dict(P, **{name: v}), stride)
        grads[name] = numerical_gradient(f, P[name].copy(), dout)
    return dx, grads


# -- building the learner's blocks ------------------------------------------------------------
def draw_params(rng, layout, shapes):
    """Random parameters for `layout` ((sub-layer, kind) pairs); conv shapes from `shapes`."""
    P = {}
    for name, kind in layout:
        if kind is CONV:
            F, C, k = shapes[name]
            P[name + ".W"] = rng.standard_normal((F, C, k, k)) * np.sqrt(2.0 / (C * k * k))
            P[name + ".b"] = 0.5 * rng.standard_normal(F)
        else:
            F = shapes[name]
            P[name + ".gamma"] = rng.uniform(0.5, 1.5, F) * rng.choice([-1.0, 1.0], F)
            P[name + ".beta"] = 0.5 * rng.standard_normal(F)
    return P


def set_params(block, P):
    """Give the learner's block the oracle's parameters, through its sub-layers (two
    requests: the sub-layers, then every parameter)."""
    names = list(dict.fromkeys(key.split(".")[0] for key in P))
    layers = dict(zip(names, toolkit.read_attrs([(block, name) for name in names])))
    toolkit.write_attrs([(layers[key.split(".")[0]], key.split(".")[1], value.copy())
                         for key, value in P.items()])


def basic_shapes(C_in, C_out):
    return {"conv1": (C_out, C_in, 3), "bn1": C_out, "conv2": (C_out, C_out, 3), "bn2": C_out,
            "shortcut": (C_out, C_in, 1), "shortcut_bn": C_out}


def bottleneck_shapes(C_in, mid):
    out = 4 * mid
    return {"conv1": (mid, C_in, 1), "bn1": mid, "conv2": (mid, mid, 3), "bn2": mid,
            "conv3": (out, mid, 1), "bn3": out, "shortcut": (out, C_in, 1), "shortcut_bn": out}


def out_shape(N, C_out, Hi, W, stride):
    return (N, C_out, (Hi - 1) // stride + 1, (W - 1) // stride + 1)


def require_layers(student, rng, backward=False):
    """The blocks are built from Conv2D, ReLU and BatchNorm2D: if one of them is still a TODO,
    so is this check (rather than an error deep inside the block)."""
    layers = student.module("module5.layers")
    bn_module = student.module("module6.batchnorm")
    x = rng.standard_normal((2, 2, 3, 3))
    for what, layer in (("Conv2D", layers.Conv2D(2, 2, 3, padding=1)), ("ReLU", layers.ReLU()),
                        ("BatchNorm2D", bn_module.BatchNorm2D(2))):
        if layer.forward(x) is None:
            raise todo(H("layer_forward_todo", layer=what))
        if backward and layer.backward(x) is None:
            raise todo(H("layer_backward_todo", layer=what))


def new_block(student, rng, kind, C_in, C_mid_or_out, stride, N, Hi, W):
    """A learner's block with oracle parameters and an input x away from every ReLU kink:
    (block, P, x)."""
    module = student.module("module6.resnet_blocks")
    if kind == "basic":
        block = module.BasicBlock(C_in, C_mid_or_out, stride=stride)
        C_out = C_mid_or_out
        layout, shapes, parts = BASIC_MAIN, basic_shapes(C_in, C_out), basic_parts
    else:
        block = module.Bottleneck(C_in, C_mid_or_out, stride=stride)
        C_out = 4 * C_mid_or_out
        layout, shapes, parts = BOTTLENECK_MAIN, bottleneck_shapes(C_in, C_mid_or_out), bottleneck_parts
    if stride != 1 or C_in != C_out:
        layout = layout + SHORTCUT
    for _ in range(50):
        P = draw_params(rng, layout, shapes)
        x = rng.standard_normal((N, C_in, Hi, W))
        if kink_distance(parts, x, P, stride) > KINK:
            break
    set_params(block, P)
    return block, P, x, parts, out_shape(N, C_out, Hi, W, stride)


# -- BasicBlock forward ---------------------------------------------------------------------------
def check_block_forward(student, rng, grade, part, kind, C_in, C_out, stride, N, Hi, Wi):
    with grade.part(part):
        block, P, x, parts, shape = new_block(student, rng, kind, C_in, C_out, stride, N, Hi, Wi)
        name = "BasicBlock" if kind == "basic" else "Bottleneck"
        label = f"{name}({C_in}, {C_out}, stride={stride}).forward(x), x of shape {x.shape}"
        try:
            out = block.forward(x)
        except StudentError as exc:
            if "broadcast" in exc.message and (stride != 1 or C_in != shape[1]):
                grade.hint(H("paths_differ_in_shape"))
            raise
        out = expect_array(out, label, shape)
        expect_close(out, block_out(parts, x, P, stride), label,
                     mistakes=grade.diagnose("output", x=x, P=P, stride=stride))


@check("m6.basicblock.identity", points=2, parts=("shape", "output"),
       title=("BasicBlock with the identity shortcut: ReLU(F(x) + x)",
              "BasicBlock（恆等捷徑 identity shortcut）：ReLU(F(x) + x)"), doc=BLOCK_DOC)
def test_basicblock_identity(student, rng, grade):
    require_layers(student, rng)
    module = student.module("module6.resnet_blocks")
    with grade.part("shape"):
        for N, C, Hi, W in ((2, 3, 5, 5), (1, 4, 4, 6)):
            block = module.BasicBlock(C, C)
            x = rng.standard_normal((N, C, Hi, W))
            expect_array(block.forward(x), f"BasicBlock({C}, {C}).forward(x), x of shape "
                         f"{(N, C, Hi, W)}", (N, C, Hi, W))
    for N, C, Hi, W in grade.cases(((2, 3, 5, 5), (3, 2, 4, 6))):
        check_block_forward(student, rng, grade, "output", "basic", C, C, 1, N, Hi, W)


@check("m6.basicblock.projection", points=2, parts=("stride", "channels"),
       title=("BasicBlock with a projection shortcut (stride 2, channel change)",
              "BasicBlock（projection shortcut：stride 2、channel 改變）"), doc=BLOCK_DOC)
def test_basicblock_projection(student, rng, grade):
    require_layers(student, rng)
    for part, *case in grade.cases((("stride", 2, 2, 2, 2, 6, 6), ("stride", 2, 4, 2, 2, 5, 7),
                                    ("channels", 2, 3, 1, 2, 4, 4))):
        check_block_forward(student, rng, grade, part, "basic", *case)


# -- BasicBlock backward -------------------------------------------------------------------------
def check_block_backward(student, rng, grade, kind, C_in, C_out, stride, N, Hi, Wi):
    block, P, x, parts, shape = new_block(student, rng, kind, C_in, C_out, stride, N, Hi, Wi)
    name = "BasicBlock" if kind == "basic" else "Bottleneck"
    label = f" ({name}({C_in}, {C_out}, stride={stride}), x of shape {x.shape})"
    expect_array(block.forward(x), f"{name}.forward(x)", shape)
    dout = rng.standard_normal(shape)
    dx = block.backward(dout)
    want_dx, want = block_grads(parts, x, P, stride, dout, list(P))
    with grade.part("dx"):
        dx = expect_array(dx, f"{name}.backward(dout)", x.shape)
        expect_close(dx, want_dx, "dx" + label, **GRAD_TOL,
                     mistakes=grade.diagnose("dx", x=x, P=P, stride=stride, dout=dout))
    for key in P:
        layer, attr = key.split(".")
        part = "shortcut_params" if layer.startswith("shortcut") else "main_params"
        grad_attr = "d" + attr
        with grade.part(part):
            got = expect_array(getattr(getattr(block, layer), grad_attr),
                               f"{name}.{layer}.{grad_attr}", P[key].shape)
            expect_close(got, want[key], f"{layer}.{grad_attr}" + label, **GRAD_TOL)


@check("m6.basicblock.backward", points=3, parts=("dx", "main_params", "shortcut_params"),
       title=("BasicBlock backward through both paths (dx, parameter gradients)",
              "BasicBlock 兩條路徑的反向傳播（dx、參數梯度）"), doc=BLOCK_DOC, timeout=20)
def test_basicblock_backward(student, rng, grade):
    require_layers(student, rng, backward=True)
    for case in grade.cases(((3, 3, 1, 2, 4, 4), (2, 4, 2, 2, 5, 5))):
        check_block_backward(student, rng, grade, "basic", *case)
    if grade.failed("shortcut_params") and grade.passed("main_params"):
        grade.hint(H("shortcut_params_from_d_sum"))


# -- Bottleneck (選做) -----------------------------------------------------------------------------
@check("m6.bottleneck", points=2, parts=("forward", "backward"), optional=True,
       title=("Bottleneck block: 1x1 → 3x3 → 1x1, expansion 4",
              "Bottleneck 區塊：1x1 → 3x3 → 1x1，expansion 4"),
       doc=BOTTLENECK_DOC, timeout=20)
def test_bottleneck(student, rng, grade):
    require_layers(student, rng, backward=True)
    for case in grade.cases(((8, 2, 1, 2, 4, 4), (3, 2, 2, 2, 5, 5))):
        check_block_forward(student, rng, grade, "forward", "bottleneck", *case)
    with grade.part("backward"):
        for C_in, mid, stride, N, Hi, Wi in ((8, 2, 1, 2, 3, 3), (3, 2, 2, 2, 4, 4)):
            block, P, x, parts, shape = new_block(student, rng, "bottleneck", C_in, mid, stride,
                                                  N, Hi, Wi)
            label = f" (Bottleneck({C_in}, {mid}, stride={stride}), x of shape {x.shape})"
            expect_array(block.forward(x), "Bottleneck.forward(x)", shape)
            dout = rng.standard_normal(shape)
            dx = expect_array(block.backward(dout), "Bottleneck.backward(dout)", x.shape)
            want_dx, want = block_grads(parts, x, P, stride, dout, list(P))
            expect_close(dx, want_dx, "dx" + label, **GRAD_TOL,
                         mistakes=grade.diagnose("dx", x=x, P=P, stride=stride, dout=dout))
            for key in P:
                layer, attr = key.split(".")
                got = expect_array(getattr(getattr(block, layer), "d" + attr),
                                   f"Bottleneck.{layer}.d{attr}", P[key].shape)
                expect_close(got, want[key], f"{layer}.d{attr}" + label, **GRAD_TOL)


# -- residual against plain ---------------------------------------------------------------------
RVP = dict(depth=8, width=8, size=7, n=16, steps=25, lr=0.1)
LOSS_MARGIN = 1.3      # plain final loss / residual final loss must reach this
GRAD_MARGIN = 0.2      # residual first-layer gradient / plain's must reach this
RVP_TIMEOUT = 20.0
RVP_CAP = 240.0
#: A known mistake's run (the plain run, or oracle blocks with the same bug) and the
#: learner's are one computation: their figures agree to what 25 steps of SGD make of
#: rounding (measured with the reference's and a position-loop Conv2D: ≤ 1e-5 relative for
#: the plain run, ≤ 1e-14 for a residual one).
RVP_MATCH_RTOL = 1e-3


def rvp_setup(seed, depth=RVP["depth"], width=RVP["width"], size=RVP["size"], n=RVP["n"]):
    """Everything both runs share, drawn from `seed`: data, the stem's and every block's
    initial parameters, the head's initial weights."""
    rng = np.random.default_rng(seed)
    X, y = rx.make_data(n, size, seed=int(rng.integers(2 ** 31)))
    stem = {"W": rng.standard_normal((width, 1, 3, 3)) * np.sqrt(2.0 / 9), "b": np.zeros(width)}
    blocks = []
    for _ in range(depth):
        P = {}
        for conv, bn in (("conv1", "bn1"), ("conv2", "bn2")):
            P[conv + ".W"] = rng.standard_normal((width, width, 3, 3)) * np.sqrt(2.0 / (9 * width))
            P[conv + ".b"] = np.zeros(width)
            P[bn + ".gamma"] = np.ones(width)
            P[bn + ".beta"] = np.zeros(width)
        blocks.append(P)
    head = rx.head_init(width, rx.NUM_CLASSES, seed=int(rng.integers(2 ** 31)))
    return {"X": X, "y": y, "stem": stem, "blocks": blocks, "head": head}


def rvp_build(layers, resnet_blocks, setup):
    """Fresh stem and blocks (the learner's classes, remote or local) with the setup's
    parameters: each run gets its own objects, so nothing carries over between runs."""
    width = setup["stem"]["W"].shape[0]
    stem = layers.Conv2D(1, width, 3, padding=1)
    stem.W = setup["stem"]["W"].copy()
    stem.b = setup["stem"]["b"].copy()
    blocks = []
    for P in setup["blocks"]:
        block = resnet_blocks.BasicBlock(width, width)
        set_params(block, P)
        blocks.append(block)
    return stem, blocks


def rvp_plain_build(setup):
    """The plain run's stem and blocks: trusted oracle layers (oracle_layers) with the
    setup's parameters. Student code never touches the baseline it is measured against."""
    stem = oracle_layers.Conv2D(setup["stem"]["W"], setup["stem"]["b"], padding=1)
    return stem, [oracle_layers.MainPath(P) for P in setup["blocks"]]


def rvp_train(stem, blocks, setup, residual, progress=None):
    """Train stem + blocks + the given head with full-batch SGD (RVP["steps"] steps, rate
    RVP["lr"]), from here: forward and backward calls on `stem` and `blocks` (the learner's
    objects through the proxy, or oracle layers), the head's loss and gradient
    (rx.head_loss) computed here, and every update computed here from this side's own copy
    of the parameters, then set on the layer (layer.W = W − lr·dW). The same computation
    as given.experiments.residual.train_stack. With `residual` False each block runs as its
    main path, rx.MAIN_PATH in sequence.

    Returns {"loss": the training loss after the last step (inf if not finite),
    "first_grad": |stem.dW| at the initial parameters}. `progress["step_seconds"]` gets the
    first step's time, for a TIMEOUT message."""
    X, y = setup["X"], setup["y"]
    width = setup["stem"]["W"].shape[0]
    shape = (X.shape[0], width, X.shape[2], X.shape[3])
    W, b = (np.array(a, dtype=np.float64) for a in setup["head"])
    # (layer, its name, parameter name, this side's value): the blocks' sub-layers under
    # the names BasicBlock.__init__ gives them.
    slots = [(stem, "the stem", p, setup["stem"][p].copy()) for p in CONV]
    for k, (block, P) in enumerate(zip(blocks, setup["blocks"])):
        layers = {}
        for key, value in P.items():
            name, attr = key.split(".")
            if name not in layers:
                layers[name] = getattr(block, name)
            slots.append((layers[name], f"block {k + 1}: {name}", attr, value.copy()))
    paths = [[getattr(block, name) for name in rx.MAIN_PATH] for block in blocks] \
        if not residual else None
    first_grad = None
    for step in range(RVP["steps"] + 1):
        start = time.perf_counter()
        h = expect_array(stem.forward(X), "Conv2D.forward(x) (the stem)", shape)
        for k, block in enumerate(blocks):
            if residual:
                h = expect_array(block.forward(h), f"BasicBlock.forward(x) (block {k + 1})", shape)
            else:
                for name, layer in zip(rx.MAIN_PATH, paths[k]):
                    h = expect_array(layer.forward(h), f"block {k + 1}: {name}.forward(x)", shape)
        loss, dh, dW, db = rx.head_loss(h, W, b, y)
        if step == RVP["steps"]:
            return {"loss": loss if np.isfinite(loss) else math.inf, "first_grad": first_grad}
        for k in reversed(range(len(blocks))):
            if residual:
                dh = expect_array(blocks[k].backward(dh),
                                  f"BasicBlock.backward(dout) (block {k + 1})", shape)
            else:
                for name, layer in reversed(list(zip(rx.MAIN_PATH, paths[k]))):
                    dh = expect_array(layer.backward(dh), f"block {k + 1}: {name}.backward(dout)",
                                      shape)
        expect_array(stem.backward(dh), "Conv2D.backward(dout) (the stem)", X.shape)
        # Every gradient in one request, every update in another.
        grads = toolkit.read_attrs([(layer, "d" + attr) for layer, _, attr, _ in slots])
        for i, ((layer, where, attr, value), grad) in enumerate(zip(slots, grads)):
            grad = expect_array(grad, f"{where}: d{attr}", value.shape)
            if step == 0 and i == 0:
                first_grad = float(np.linalg.norm(grad))
            slots[i] = (layer, where, attr, value - RVP["lr"] * grad)
        toolkit.write_attrs([(layer, attr, value) for layer, _, attr, value in slots])
        W -= RVP["lr"] * dW
        b -= RVP["lr"] * db
        if step == 0 and progress is not None:
            progress["step_seconds"] = time.perf_counter() - start
            if "first_step" in progress:
                progress["first_step"](progress["step_seconds"])


def rvp_residual(layers, resnet_blocks, setup, progress=None):
    """The residual run: the learner's stem and BasicBlocks, fresh, with the setup's
    parameters, trained from here."""
    return rvp_train(*rvp_build(layers, resnet_blocks, setup), setup, True, progress)


def rvp_plain(setup):
    """The plain run: the same stem and blocks without the shortcuts, all oracle layers,
    trained in this process."""
    return rvp_train(*rvp_plain_build(setup), setup, False)


class OracleBlock(oracle_layers.MainPath):
    """BasicBlock(width, width) in oracle layers, ReLU(F(x) + x). With `shortcut_gradient`
    False its backward returns the main path's dx alone: what such a learner's block trains
    like, for the diagnosis (grader/suites/mistakes/m6_resnet.py)."""

    def __init__(self, P, shortcut_gradient=True):
        super().__init__(P)
        self.shortcut_gradient = shortcut_gradient

    def forward(self, x):
        h = self.relu1.forward(self.bn1.forward(self.conv1.forward(x)))
        return self.relu2.forward(self.bn2.forward(self.conv2.forward(h)) + x)

    def backward(self, dout):
        d_sum = self.relu2.backward(dout)
        d = self.conv2.backward(self.bn2.backward(d_sum))
        dx = self.conv1.backward(self.bn1.backward(self.relu1.backward(d)))
        return dx + d_sum if self.shortcut_gradient else dx


def rvp_oracle_residual(setup, shortcut_gradient=True):
    """The residual run in oracle layers: what a correct block gives (or, with
    `shortcut_gradient` False, a block whose backward forgets `+ d_sum`)."""
    stem = oracle_layers.Conv2D(setup["stem"]["W"], setup["stem"]["b"], padding=1)
    blocks = [OracleBlock(P, shortcut_gradient) for P in setup["blocks"]]
    return rvp_train(stem, blocks, setup, True)


def rvp_experiment(layers, resnet_blocks, seed, progress=None):
    """Both runs from the same setup: {"residual": run, "plain": run, "setup": setup}."""
    setup = rvp_setup(seed)
    return {"residual": rvp_residual(layers, resnet_blocks, setup, progress),
            "plain": rvp_plain(setup), "setup": setup}


def rvp_figures(run):
    """What the diagnosis compares: [final training loss, first layer's gradient norm]."""
    return np.array([run["loss"], run["first_grad"]])


def rvp_verdict(outcome):
    """(passed, message, hint) for an experiment's outcome."""
    res, plain = outcome["residual"], outcome["plain"]
    Lr, Lp = res["loss"], plain["loss"]
    ratio = Lp / Lr if Lr > 0 else math.inf
    g_ratio = res["first_grad"] / plain["first_grad"] if plain["first_grad"] > 0 else math.inf
    steps = RVP["steps"]
    figures = H("rvp_figures", steps=steps, loss_residual=Lr, loss_plain=Lp, ratio=ratio,
                loss_margin=LOSS_MARGIN, grad_residual=res["first_grad"],
                grad_plain=plain["first_grad"], grad_ratio=g_ratio, grad_margin=GRAD_MARGIN)
    loss_ok = ratio >= LOSS_MARGIN
    grad_ok = g_ratio >= GRAD_MARGIN
    if loss_ok and grad_ok:
        return True, figures, None
    hint = None
    if not grad_ok:
        hint = H("rvp_gradient_lost")
    elif not math.isfinite(Lr):
        hint = H("rvp_loss_not_finite")
    return False, H("rvp_not_better", figures=figures), hint


@check("m6.resnet.residual_vs_plain", points=3,
       title=("A residual stack trains better than the same stack without shortcuts",
              "residual 堆疊比拿掉 shortcut 的同一個堆疊訓練得更好"),
       doc=RVP_DOC, timeout=RVP_TIMEOUT, cap=RVP_CAP)
def test_residual_vs_plain(student, grade, seed, timeout_scale):
    """The experiment. A stem (the learner's Conv2D, 1 → 8 channels, 3x3), 8 of the learner's
    BasicBlock(8, 8) — 17 conv layers — and a given head (global average pooling, linear,
    softmax cross-entropy) are trained twice with full-batch SGD (lr 0.1, 25 steps) on the
    same 16 generated 7x7 digit images (10 classes, given.experiments.residual.make_data):

    - residual: the learner's stem and blocks, every block's own forward/backward;
    - plain: the same stack without `+ x`, every block as its main path conv1 → bn1 → relu1
      → conv2 → bn2 → relu2, all in trusted oracle layers (oracle_layers) in this process:
      student code cannot touch the baseline it is measured against.

    Both runs start from the same parameters (drawn from this check's seed; the learner's
    get them through the sub-layers' attributes) and see the same data, so the shortcut is
    the only difference. Both are trained here (rvp_train, the computation of
    given.experiments.residual.train_stack): the residual one by forward/backward calls
    through the proxy, reading each gradient and setting each updated parameter, with the
    parameter values kept on this side. The two figures:

    1. final training loss: plain / residual ≥ 1.3. Without the shortcuts, 17 layers of
       conv + BN + ReLU scramble the input at initialisation and SGD makes slow progress;
       with them, each block starts near the identity and the loss falls fast.
    2. the first layer's gradient at the initial parameters: residual / plain ≥ 0.2. The
       identity paths carry the gradient down to the stem, where it is of the same order
       as the plain stack's; a backward without `+ d_sum` squeezes it through every
       block's main path, and it arrives 10-50 times weaker.

    Measured over 120 seeds (the 20 of tests/grader/test_mutants_m6_resnet.py, which
    asserts them, and 100 more): the reference's loss ratio is ≥ 1.55 (median ≈ 2.5) and
    its gradient ratio ≥ 0.34. A block without the shortcut gives 1 and 1: both runs are
    the same computation (up to rounding: the plain run's layers are the oracle's). A block that adds x in forward but forgets the
    shortcut's gradient in backward gives a loss ratio ≤ 1.1 (its early layers follow a
    wrong gradient) and a gradient ratio ≤ 0.1. Each margin sits near the geometric mean
    of the reference's worst seed and the broken block's best (1.55 and 1.1; 0.34 and
    0.1), so a correct learner passes on every seed, and both broken blocks fail.

    Time: the reference needs about 1 s for both runs (the plain one ~0.4 s here), the
    naive loop-style tree ~25 s. The first step's time sets the budget of the run
    (budget.fit, under the 240 s cap); a run that cannot fit stops there with a TIMEOUT
    that names the slow layer and the --timeout-scale that would do.
    """
    require_layers(student, np.random.default_rng(seed), backward=True)
    layers = student.module("module5.layers")
    resnet_blocks = student.module("module6.resnet_blocks")
    what = H("rvp_what")
    steps = RVP["steps"] + 1
    probes = budget.residual_step(RVP["n"], RVP["width"], RVP["size"], RVP["depth"])

    def first_step(seconds):
        """After the first step: the budget for the rest, or a TIMEOUT if it cannot fit."""
        if not budget.fit(student, grade, timeout_scale, seconds, steps)[0]:
            raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what,
                                                      seconds, steps, probes, "before"))

    progress = {"first_step": first_step}
    try:
        outcome = rvp_experiment(layers, resnet_blocks, seed, progress)
    except WorkerTimeout:
        raise CheckTimeout(budget.timeout_message(student, grade, timeout_scale, what,
                                                  progress.get("step_seconds"), steps, probes,
                                                  "during")) from None
    passed, message, hint = rvp_verdict(outcome)
    if passed:
        return
    # Only a failed run pays for the oracle runs the diagnosis compares it with (~0.4 s each).
    setup = outcome["setup"]
    known = grade.diagnose("figures", plain=outcome["plain"], setup=setup,
                           residual_run=rvp_oracle_residual)
    grade.hint(known.match(rvp_figures(outcome["residual"]),
                           rvp_figures(rvp_oracle_residual(setup)), rtol=RVP_MATCH_RTOL))
    grade.hint(hint)
    raise Mismatch(message)
