"""Known mistakes of test_m6_resnet.py (BasicBlock, Bottleneck, residual against plain): each
computes what that mistake returns on the check's inputs; its hint is the entry of the same
key in hints/m6_resnet.py.

The blocks are recomputed here from the suite's oracles, as paths of stages (conv, its BN,
stride, padding, a ReLU after it or not), with their analytic backward: a block is its main
path and its shortcut path (no stages: the identity), added, then ReLU'd."""
import numpy as np

from ..oracles import bn_train, bn_train_backward, conv2d, conv2d_backward
from ..oracles_m5_layers import relu
from . import mistake

FORWARD = "docs/module6.md#basicblock-forward"
BACKWARD = "docs/module6.md#basicblock-backward"
LAST_RELU = "docs/module6.md#relu-after-addition"
PROJECTION = "docs/module6.md#projection-shortcut"
BOTTLENECK = "docs/module6.md#bottleneck"
RVP = "docs/module6.md#residual-vs-plain-check"


def _basic(stride, conv1_stride=True):
    """BasicBlock's main path; `conv1_stride` False puts the stride on conv2 instead."""
    s1, s2 = (stride, 1) if conv1_stride else (1, stride)
    return [("conv1", "bn1", s1, 1, True), ("conv2", "bn2", s2, 1, False)]


def _bottleneck(stride, conv2_stride=True):
    """Bottleneck's main path; `conv2_stride` False puts the stride on the first 1x1."""
    s1, s2 = (1, stride) if conv2_stride else (stride, 1)
    return [("conv1", "bn1", s1, 0, True), ("conv2", "bn2", s2, 1, True),
            ("conv3", "bn3", 1, 0, False)]


def _shortcut(P, stride):
    return [("shortcut", "shortcut_bn", stride, 0, False)] if "shortcut.W" in P else []


def _forward(x, P, stages):
    """The output of `stages` on x, and its tape for _backward."""
    tape, h = [], x
    for conv, bn, stride, pad, act in stages:
        c = conv2d(h, P[conv + ".W"], P[conv + ".b"], stride, pad)
        z = bn_train(c, P[bn + ".gamma"], P[bn + ".beta"])
        tape.append((h, c, z, conv, bn, stride, pad, act))
        h = relu(z) if act else z
    return h, tape


def _backward(d, P, tape):
    """The gradient at the path's input of d at its output (d itself for no stages)."""
    for h, c, z, conv, bn, stride, pad, act in reversed(tape):
        if act:
            d = d * (z > 0)
        d = bn_train_backward(c, P[bn + ".gamma"], d)[0]
        d = conv2d_backward(h, P[conv + ".W"], stride, pad, d)[0]
    return d


def _paths(x, P, main_stages, stride):
    main, main_tape = _forward(x, P, main_stages)
    short, short_tape = _forward(x, P, _shortcut(P, stride))
    return main, main_tape, short, short_tape


def _dx(x, P, stride, dout, main_stages, main=True, shortcut=True, mask=True,
        shortcut_from_dout=False):
    """dx of the block, with the mistakes as switches: a path's gradient left out, the last
    ReLU's mask not applied, or the shortcut fed dout instead of d_sum."""
    out, main_tape, short, short_tape = _paths(x, P, main_stages, stride)
    d_sum = dout * (out + short > 0) if mask else dout
    dx = np.zeros_like(x)
    if main:
        dx = dx + _backward(d_sum, P, main_tape)
    if shortcut:
        dx = dx + _backward(dout if shortcut_from_dout else d_sum, P, short_tape)
    return dx


# -- BasicBlock, identity shortcut: forward --------------------------------------------------
@mistake("m6.basicblock.identity", "output", doc=FORWARD)
def block_no_shortcut(x, P, stride):
    """ReLU(F(x)): the shortcut never added."""
    return relu(_forward(x, P, _basic(stride))[0])


@mistake("m6.basicblock.identity", "output", doc=LAST_RELU)
def block_no_last_relu(x, P, stride):
    """F(x) + x: the ReLU after the addition left out."""
    main, _, short, _ = _paths(x, P, _basic(stride), stride)
    return main + short


@mistake("m6.basicblock.identity", "output", doc=LAST_RELU)
def block_relu_before_addition(x, P, stride):
    """ReLU(F(x)) + x: the last ReLU applied to the main path before the addition."""
    main, _, short, _ = _paths(x, P, _basic(stride), stride)
    return relu(main) + short


@mistake("m6.basicblock.identity", "output", doc=FORWARD)
def block_addition_before_bn2(x, P, stride):
    """ReLU(bn2(conv2(…) + x)): the shortcut added to conv2's output, before bn2."""
    if "shortcut.W" in P:
        return None
    a1 = _forward(x, P, _basic(stride)[:1])[0]          # relu1's output
    c2 = conv2d(a1, P["conv2.W"], P["conv2.b"], 1, 1)
    return relu(bn_train(c2 + x, P["bn2.gamma"], P["bn2.beta"]))


# -- BasicBlock, projection shortcut: forward -------------------------------------------------
@mistake("m6.basicblock.projection", "output", doc=PROJECTION)
def block_projection_without_bn(x, P, stride):
    """ReLU(F(x) + shortcut(x)): the 1x1 projection without its BatchNorm."""
    main = _forward(x, P, _basic(stride))[0]
    return relu(main + conv2d(x, P["shortcut.W"], P["shortcut.b"], stride, 0))


@mistake("m6.basicblock.projection", "output", doc=PROJECTION)
def block_stride_on_conv2(x, P, stride):
    """The stride on the second 3x3 convolution instead of the first (same output shape)."""
    if stride == 1:
        return None
    main, _, short, _ = _paths(x, P, _basic(stride, conv1_stride=False), stride)
    return relu(main + short)


# -- BasicBlock backward: dx --------------------------------------------------------------------
@mistake("m6.basicblock.backward", "dx", doc=BACKWARD)
def block_dx_no_shortcut_gradient(x, P, stride, dout):
    """The main path's dx alone: the shortcut's gradient (d_sum, or its projection's) never
    added."""
    return _dx(x, P, stride, dout, _basic(stride), shortcut=False)


@mistake("m6.basicblock.backward", "dx", doc=BACKWARD)
def block_dx_only_shortcut(x, P, stride, dout):
    """The shortcut's gradient alone: the main path's dx never added."""
    return _dx(x, P, stride, dout, _basic(stride), main=False)


@mistake("m6.basicblock.backward", "dx", doc=BACKWARD)
def block_dx_shortcut_from_dout(x, P, stride, dout):
    """The shortcut's gradient taken from dout, before the last ReLU's mask, not d_sum."""
    return _dx(x, P, stride, dout, _basic(stride), shortcut_from_dout=True)


@mistake("m6.basicblock.backward", "dx", doc=BACKWARD)
def block_dx_no_last_relu_mask(x, P, stride, dout):
    """d_sum = dout: backward skips the last ReLU, both paths get the unmasked gradient."""
    return _dx(x, P, stride, dout, _basic(stride), mask=False)


# -- Bottleneck --------------------------------------------------------------------------------
@mistake("m6.bottleneck", "output", doc=BOTTLENECK)
def bottleneck_no_shortcut(x, P, stride):
    """ReLU(F(x)): the Bottleneck's shortcut never added."""
    return relu(_forward(x, P, _bottleneck(stride))[0])


@mistake("m6.bottleneck", "output", doc=BOTTLENECK)
def bottleneck_stride_on_first_conv(x, P, stride):
    """The stride on the first 1x1 convolution (the original paper's place) instead of the
    3x3 one, which the seed's docstring asks for."""
    if stride == 1:
        return None
    main, _, short, _ = _paths(x, P, _bottleneck(stride, conv2_stride=False), stride)
    return relu(main + short)


@mistake("m6.bottleneck", "dx", doc=BOTTLENECK)
def bottleneck_dx_no_shortcut_gradient(x, P, stride, dout):
    """The Bottleneck's main-path dx alone: the shortcut's gradient never added."""
    return _dx(x, P, stride, dout, _bottleneck(stride), shortcut=False)


# -- residual against plain: [final training loss, first layer's gradient norm] ---------------
def _figures(run):
    return np.array([run["loss"], run["first_grad"]])


@mistake("m6.resnet.residual_vs_plain", "figures", doc=RVP)
def rvp_no_shortcut(plain):
    """Blocks without the shortcut in forward and backward: the residual run is the plain
    run, the same computation."""
    return _figures(plain)


@mistake("m6.resnet.residual_vs_plain", "figures", doc=RVP)
def rvp_shortcut_gradient_dropped(setup, residual_run):
    """Blocks that add x in forward but return the main path's dx alone: the run of such
    blocks in oracle layers."""
    return _figures(residual_run(setup, shortcut_gradient=False))
