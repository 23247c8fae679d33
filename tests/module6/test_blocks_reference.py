"""The Module 6 reference ResNet blocks (BasicBlock, Bottleneck) against loop oracles and
numerical gradients.

The oracles are plain loops over tiny shapes (convolution, train-mode batch norm, ReLU:
tests/support/loop_oracles.py) composed as the seed's diagram says:
    BasicBlock: y = ReLU(BN(conv3x3(ReLU(BN(conv3x3_s(x))))) + S(x))
    Bottleneck: y = ReLU(BN(conv1x1(ReLU(BN(conv3x3_s(ReLU(BN(conv1x1(x)))))))) + S(x)),
    output channels mid * 4,
with S(x) = x when the shape is kept, else BN(conv1x1_stride(x)) (projection).

Thresholds:
- forward vs oracle: `rtol=1e-10, atol=1e-10`. Each stage is a few hundred float64
  products summed in another order (~1e-14), and batch norm divides by a standard deviation
  that is O(1) here; two or three stages stay far below 1e-10, while a missing shortcut,
  a shortcut without BN or a ReLU in the wrong place changes outputs by O(1).
- gradient checks: relative error < 1e-7 (`GRAD_TOL`) over sampled coordinates, h = 1e-5,
  float64, random upstream gradient, measured by `scaled_error` below: given.gradcheck's
  `rel_error` with its floor `eps` raised from 1e-8 to 1% of the gradient array's largest
  entry. Why: through three to five conv/BN stages the central difference carries ~1e-9 of
  absolute rounding noise (u * |f| / h, with f summed over ~150 outputs each rounded at
  every stage), and a sampled entry of dx can be as small as 3e-5 while the largest is ~5
  (measured: 6.7e-6 plain relative error on such an entry of a Bottleneck's dx). With the
  1 % floor, every entry at least 1 % of the largest is still compared relatively to 1e-7,
  and the small ones absolutely to 1e-9 of the array's scale; any real mistake (a missing
  shortcut gradient, a wrong BN term, a stride dropped) is wrong by 1e-2 or more.

Kinks and batch norm. A central difference is only valid when f(v + h) and f(v - h) lie on
the same linear piece of every ReLU as the point where backward ran. Train-mode batch norm
makes this non-local: nudging ONE input coordinate moves the batch mean and variance of its
channel, so EVERY normalised value of that channel moves, and with it every ReLU after it.
Instead of reasoning about margins, `KinkGuard` wraps the forward of every ReLU (and
MaxPool2D) inside the block, records its pattern (x > 0; the argmax of each pooling
window) on every evaluation, and the test asserts that no evaluation of the numerical
check saw a pattern different from the unperturbed one. The seeds are fixed; the guard
turns an unlucky draw into a clear failure instead of a mysterious gradient error.

Conv biases before a train-mode BN have a gradient of exactly 0 (BN subtracts the batch
mean, which absorbs any per-channel constant), so a relative error is meaningless there
(0 vs rounding noise). For those the tests assert the analytic gradient is 0 to 1e-12 and
the numerical one is 0 to 1e-7 (its rounding noise is ~u * |f| / h ~ 1e-10); in eval mode
the same biases are checked like every other parameter.
"""
import numpy as np
import pytest

from given.gradcheck import numerical_gradient
from given.model_utils import set_training
from reference.module5.layers import Conv2D, ReLU
from reference.module6.batchnorm import BatchNorm2D
from reference.module6.resnet_blocks import BasicBlock, Bottleneck
from tests.support.layer_checks import forward_backward_unmodified
from tests.support.loop_oracles import bn_train_oracle, conv_oracle, relu

from kink_guard import KinkGuard, layers_of, scaled_error
from model_tools import assert_set_training_switches_every_bn, randomize

GRAD_TOL = 1e-7
CLOSE = dict(rtol=1e-10, atol=1e-10)


# ----------------------------------------------------------------------------- oracles

def conv_bn(x, conv, bn, relu_after):
    out = bn_train_oracle(conv_oracle(x, conv.W, conv.b, conv.stride, conv.padding),
                          bn.gamma, bn.beta)
    return relu(out) if relu_after else out


def shortcut_oracle(block, x):
    if block.shortcut is None:
        return x
    return conv_bn(x, block.shortcut, block.shortcut_bn, relu_after=False)


def basic_block_oracle(block, x):
    out = conv_bn(x, block.conv1, block.bn1, relu_after=True)
    out = conv_bn(out, block.conv2, block.bn2, relu_after=False)
    return relu(out + shortcut_oracle(block, x))


def bottleneck_oracle(block, x):
    out = conv_bn(x, block.conv1, block.bn1, relu_after=True)
    out = conv_bn(out, block.conv2, block.bn2, relu_after=True)
    out = conv_bn(out, block.conv3, block.bn3, relu_after=False)
    return relu(out + shortcut_oracle(block, x))


# ----------------------------------------------------------------------------- helpers

def make(kind, args, seed):
    np.random.seed(seed)                         # the constructors draw with np.random
    block = (BasicBlock if kind == "basic" else Bottleneck)(*args)
    return randomize(block, np.random.default_rng(seed))


BLOCKS = [
    # (kind, constructor args, input shape, expected output shape, has projection)
    ("basic", (4, 4, 1), (2, 4, 5, 5), (2, 4, 5, 5), False),     # identity
    ("basic", (3, 4, 2), (2, 3, 6, 6), (2, 4, 3, 3), True),      # stride 2 + channels
    ("basic", (2, 4, 1), (2, 2, 4, 5), (2, 4, 4, 5), True),      # channels only
    ("basic", (3, 3, 2), (2, 3, 5, 5), (2, 3, 3, 3), True),      # stride only, odd size
    ("bottleneck", (8, 2, 1), (2, 8, 4, 4), (2, 8, 4, 4), False),  # identity: 8 = 2 * 4
    ("bottleneck", (3, 2, 2), (2, 3, 6, 5), (2, 8, 3, 3), True),   # projection
    ("bottleneck", (4, 2, 1), (2, 4, 3, 3), (2, 8, 3, 3), True),   # channels only
]


def block_id(case):
    kind, args, shape, _, proj = case
    return f"{kind}{args}-{'proj' if proj else 'identity'}"


ORACLE = {"basic": basic_block_oracle, "bottleneck": bottleneck_oracle}


# ----------------------------------------------------------------------------- forward

@pytest.mark.parametrize("case", BLOCKS, ids=block_id)
def test_forward_matches_loop_oracle(case):
    kind, args, shape, out_shape, projection = case
    block = make(kind, args, seed=400)
    assert (block.shortcut is not None) == projection
    if projection:
        assert isinstance(block.shortcut, Conv2D) and isinstance(block.shortcut_bn, BatchNorm2D)
        assert block.shortcut.W.shape[2:] == (1, 1) and block.shortcut.stride == args[2]
    x = np.random.default_rng(401).standard_normal(shape)
    out = block.forward(x)
    assert out.shape == out_shape
    np.testing.assert_allclose(out, ORACLE[kind](block, x), **CLOSE)
    assert np.all(out >= 0)


def test_bottleneck_expands_channels_by_four():
    assert Bottleneck.expansion == 4
    block = Bottleneck(6, 3)
    assert block.conv1.W.shape == (3, 6, 1, 1)
    assert block.conv2.W.shape == (3, 3, 3, 3)
    assert block.conv3.W.shape == (12, 3, 1, 1)
    assert block.shortcut.W.shape == (12, 6, 1, 1)


@pytest.mark.parametrize("kind,args", [("basic", (3, 3, 1)), ("bottleneck", (8, 2, 1))])
def test_identity_block_with_a_silent_branch_is_relu_of_x(kind, args):
    """With the last BN's gamma = beta = 0 the residual branch outputs 0: y = ReLU(x), and
    dx = dout * (x > 0) exactly -- the shortcut's "+1" carries the whole gradient."""
    block = make(kind, args, seed=402)
    last_bn = block.bn2 if kind == "basic" else block.bn3
    last_bn.gamma = np.zeros_like(last_bn.gamma)
    last_bn.beta = np.zeros_like(last_bn.beta)
    rng = np.random.default_rng(403)
    x = rng.standard_normal((2, args[0], 4, 4))
    dout = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(block.forward(x), relu(x))
    np.testing.assert_array_equal(block.backward(dout), np.where(x > 0, dout, 0.0))


# ----------------------------------------------------------------------------- gradients

def check_block_gradients(block, x, training, n_input=24, n_param=4):
    """Guarded numerical check of dx and of every parameter (sampled coordinates)."""
    set_training(block, training)
    dout = np.random.default_rng(7).standard_normal(block.forward(x).shape)
    biases_before_bn = {id(c.b) for c in layers_of(block, Conv2D)} if training else set()
    with KinkGuard(block) as guard:
        guard.forward(lambda: block.forward(x))
        dx = block.backward(dout)
        pairs = block.get_params_and_grads()
        errors = {"x": scaled_error(guard.watch(lambda v: block.forward(v)), x, dx, dout,
                                    num_checks=n_input)}
        for i, (p, g) in enumerate(pairs):
            f = guard.watch(lambda v: block.forward(x))
            if id(p) in biases_before_bn:
                numeric = numerical_gradient(f, p, dout)
                assert np.max(np.abs(g)) < 1e-12, "conv bias before train-mode BN: grad must be 0"
                assert np.max(np.abs(numeric)) < 1e-7
            else:
                errors[f"param {i} {p.shape}"] = scaled_error(f, p, g, dout, num_checks=n_param,
                                                               seed=i)
    assert guard.evaluations > 2 * n_input and guard.crossings == 0, (
        f"{guard.crossings} evaluations crossed a ReLU kink (base margin {guard.relu_margin:.2e}):"
        " the draw is too close to a kink, choose another seed")
    bad = {k: v for k, v in errors.items() if not v < GRAD_TOL}
    assert not bad, f"relative errors above {GRAD_TOL}: {bad}"
    return errors


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("case", BLOCKS, ids=block_id)
def test_gradients(case, training):
    kind, args, shape, _, _ = case
    block = make(kind, args, seed=410)
    x = np.random.default_rng(411).standard_normal(shape)
    errors = check_block_gradients(block, x, training)
    n_params = len(block.get_params_and_grads())
    assert len(errors) == 1 + (n_params if not training else n_params - len(layers_of(block, Conv2D)))


# ----------------------------------------------------------------------------- protocol

@pytest.mark.parametrize("case", BLOCKS, ids=block_id)
def test_params_and_grads_are_the_live_arrays(case):
    """Count: each conv and each BN brings two pairs (W, b; gamma, beta), the shortcut's
    conv + BN included. Identity: every pair is a (param, grad) attribute pair of one layer."""
    kind, args, shape, _, projection = case
    block = make(kind, args, seed=420)
    x = np.random.default_rng(421).standard_normal(shape)
    out = block.forward(x)
    block.backward(np.random.default_rng(422).standard_normal(out.shape))
    convs, bns = layers_of(block, Conv2D), layers_of(block, BatchNorm2D)
    n_layers = (2 if kind == "basic" else 3) + (1 if projection else 0)
    assert len(convs) == n_layers and len(bns) == n_layers
    pairs = block.get_params_and_grads()
    assert len(pairs) == 4 * n_layers
    live = {(id(c.W), id(c.dW)) for c in convs} | {(id(c.b), id(c.db)) for c in convs}
    live |= {(id(b.gamma), id(b.dgamma)) for b in bns} | {(id(b.beta), id(b.dbeta)) for b in bns}
    assert {(id(p), id(g)) for p, g in pairs} == live
    # An in-place step through the pairs changes the block's output.
    for p, g in pairs:
        p -= 0.1 * g
    assert not np.allclose(block.forward(x), out)


@pytest.mark.parametrize("case", [BLOCKS[0], BLOCKS[1], BLOCKS[5]], ids=block_id)
def test_set_training_switches_every_bn(case):
    kind, args, shape, _, _ = case
    block = make(kind, args, seed=430)
    x = np.random.default_rng(431).standard_normal(shape)
    assert_set_training_switches_every_bn(block, x, slice(None, 1), tol=1e-13)


@pytest.mark.parametrize("case", BLOCKS, ids=block_id)
def test_forward_and_backward_leave_inputs_unmodified(case):
    kind, args, shape, _, _ = case
    block = make(kind, args, seed=440)
    rng = np.random.default_rng(441)
    x = rng.standard_normal(shape)
    dx = forward_backward_unmodified(block, x, rng)
    assert dx.shape == x.shape and dx.dtype == np.float64


# ----------------------------------------------------------------------------- the tools

def test_kink_guard_sees_a_crossing_and_the_metric_sees_a_wrong_gradient():
    """The two tools above are not vacuous: a coordinate within h of ReLU's kink is
    reported, and a block gradient missing the shortcut's "+1" fails the metric by far."""
    class Holder:
        def __init__(self):
            self.relu = ReLU()

    model = Holder()
    x = np.array([[3e-6, 1.0, -2.0]])
    with KinkGuard(model) as guard:
        guard.forward(lambda: model.relu.forward(x))
        numerical_gradient(guard.watch(lambda v: model.relu.forward(v)), x, np.ones((1, 3)))
    assert guard.evaluations == 6 and guard.crossings == 1
    assert "forward" not in vars(model.relu)            # the wrapper is removed again

    block = make("basic", (3, 3, 1), seed=450)
    x = np.random.default_rng(451).standard_normal((2, 3, 4, 4))
    out = block.forward(x)
    dout = np.random.default_rng(452).standard_normal(out.shape)
    wrong = block.backward(dout) - np.where(out > 0, dout, 0.0)    # residual path dropped
    assert scaled_error(lambda v: block.forward(v), x, wrong, dout, num_checks=10) > 1e-2
