"""The Module 6 reference against PyTorch, used as a float64 oracle.

Covered, forward AND backward (autograd with a random upstream gradient, never all ones):
- BatchNorm2D vs ``F.batch_norm``: several train-mode steps (``training=True,
  momentum=0.1``) with torch updating its own running_mean / running_var tensors in place,
  then eval mode (``training=False``) on the accumulated statistics;
- ConvTranspose2D vs ``F.conv_transpose2d``: hand-picked and >= 15 random configurations
  (stride 1-3, padding 0-2, output_padding < stride, non-square inputs); dx, dW, db;
- Upsample vs ``F.interpolate`` (nearest; bilinear with ``align_corners=False``), scale 2-4;
- BasicBlock and Bottleneck vs the same block written with ``torch.nn.functional`` (conv with
  bias, as our Conv2D has one; train-mode ``F.batch_norm``; ReLU; identity or 1x1-conv + BN
  projection shortcut), weights copied from ours: output, running statistics, dx and the
  gradient of every parameter;
- SimpleUNet (all three upsampling modes) vs the same network in torch.nn.functional.

Tolerances: ``np.testing.assert_allclose(ours, torch, rtol=RTOL, atol=ATOL)`` with
RTOL = ATOL = 1e-10, as in Module 5. Both sides are float64 (u = 1.1e-16) on the same
input arrays; every value is a sum of at most a few hundred O(1) products per stage, so the
libraries' different summation orders differ by ~1e-14 per stage, and batch norm's division
by the batch standard deviation can amplify that a little per stage. Measured worst cases:
2e-15 (BN, Upsample), 2e-14 (ConvTranspose2D, ResNet blocks), 1e-13 (SimpleUNet gradients,
eleven stages). 1e-10 thus leaves three orders of margin over rounding while any real
mistake (biased vs unbiased
running variance: a factor n/(n-1); align_corners=True; a flipped kernel; a missing
shortcut) is off by 1e-3 or much more. Conv biases that feed a train-mode BN have a
gradient of exactly 0 on both sides up to rounding (~1e-16): the absolute part covers it.

Every forward is also checked to leave its input unmodified.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from reference.module5.layers import Conv2D  # noqa: E402
from reference.module6.batchnorm import BatchNorm2D  # noqa: E402
from reference.module6.resnet_blocks import BasicBlock, Bottleneck  # noqa: E402
from reference.module6.transposed_conv import ConvTranspose2D  # noqa: E402
from reference.module6.unet import SimpleUNet  # noqa: E402
from reference.module6.upsample import Upsample  # noqa: E402
from tests.support.torch_oracle import close, forward_checked, leaf, t64  # noqa: E402

from kink_guard import layers_of  # noqa: E402
from model_tools import randomize  # noqa: E402

pytestmark = pytest.mark.torch


# --------------------------------------------------------------------------- helpers
class Mirror:
    """Torch counterparts of our layers, sharing COPIES of their parameters.

    Each parameter array becomes one leaf tensor (keyed by the array's id), each BN gets
    its own running-stat tensors, so after both forwards and backwards the gradients and
    statistics can be compared layer by layer. Build the mirror before our forward: our
    train-mode BN replaces its running-stat arrays."""

    def __init__(self):
        self.leaves, self.stats = {}, []

    def p(self, array):
        if id(array) not in self.leaves:
            self.leaves[id(array)] = leaf(array)
        return self.leaves[id(array)]

    def conv(self, layer, h):
        return F.conv2d(h, self.p(layer.W), self.p(layer.b), stride=layer.stride, padding=layer.padding)

    def conv_t(self, layer, h):
        return F.conv_transpose2d(h, self.p(layer.W), self.p(layer.b), stride=layer.stride,
                                  padding=layer.padding, output_padding=layer.output_padding)

    def bn(self, layer, h):
        rm, rv = t64(layer.running_mean), t64(layer.running_var)
        self.stats.append((layer, rm, rv))
        return F.batch_norm(h, rm, rv, self.p(layer.gamma), self.p(layer.beta),
                            training=layer.training, momentum=layer.momentum, eps=layer.eps)

    def compare(self, model, what):
        """Every (param, grad) pair of ours against the leaf's autograd gradient, and every
        BN's running statistics against torch's."""
        pairs = model.get_params_and_grads()
        assert len(pairs) == len(self.leaves), f"{what}: {len(pairs)} pairs, torch has {len(self.leaves)}"
        for i, (p, g) in enumerate(pairs):
            close(p, self.leaves[id(p)], f"{what}: param {i} changed")
            close(g, self.leaves[id(p)].grad, f"{what}: grad of param {i} {p.shape}")
        for j, (layer, rm, rv) in enumerate(self.stats):
            close(layer.running_mean, rm, f"{what}: BN {j} running_mean")
            close(layer.running_var, rv, f"{what}: BN {j} running_var")


def matches_torch(model, x, torch_forward, rng, what):
    """Our model's forward of x and backward of a random upstream gradient (from `rng`) next
    to torch_forward(mirror, x as a leaf tensor), the Mirror built before our forward: the
    output, dx, every parameter and its gradient, and every BN's running statistics."""
    m = Mirror()
    xt = leaf(x)
    yt = torch_forward(m, xt)
    out = forward_checked(lambda: model.forward(x), x)
    close(out, yt, f"{what}: output")
    dout = rng.standard_normal(out.shape)
    yt.backward(t64(dout))
    close(model.backward(dout), xt.grad, f"{what}: dx")
    m.compare(model, what)


# --------------------------------------------------------------------------- BatchNorm2D
BN_STEPS = [(2, 3, 3), (4, 2, 5), (1, 4, 4), (3, 1, 2), (2, 5, 5), (5, 1, 1)]


@pytest.mark.parametrize("C", [1, 3])
def test_batchnorm_train_steps_and_eval_match_torch(C):
    rng = np.random.default_rng(700 + C)
    bn = BatchNorm2D(C)
    bn.gamma = rng.uniform(0.5, 2.0, C) * rng.choice([-1.0, 1.0], C)
    bn.beta = rng.standard_normal(C)
    gt, bt = leaf(bn.gamma), leaf(bn.beta)
    rm, rv = t64(bn.running_mean), t64(bn.running_var)
    for step, (N, H, W) in enumerate(BN_STEPS):
        x = rng.standard_normal((N, C, H, W)) * (step + 1) + rng.standard_normal((1, C, 1, 1)) * 3
        xt = leaf(x)
        yt = F.batch_norm(xt, rm, rv, gt, bt, training=True, momentum=0.1, eps=1e-5)
        out = forward_checked(lambda: bn.forward(x), x)
        close(out, yt, f"step {step}: train forward")
        close(bn.running_mean, rm, f"step {step}: running_mean")
        close(bn.running_var, rv, f"step {step}: running_var (unbiased)")
        dout = rng.standard_normal(out.shape)
        gt.grad = bt.grad = None
        yt.backward(t64(dout))
        close(bn.backward(dout), xt.grad, f"step {step}: train dx")
        close(bn.dgamma, gt.grad, f"step {step}: train dgamma")
        close(bn.dbeta, bt.grad, f"step {step}: train dbeta")

    bn.training = False
    x = rng.standard_normal((3, C, 4, 3))
    xt = leaf(x)
    gt.grad = bt.grad = None
    rm_before, rv_before = rm.clone(), rv.clone()
    yt = F.batch_norm(xt, rm, rv, gt, bt, training=False, momentum=0.1, eps=1e-5)
    assert torch.equal(rm, rm_before) and torch.equal(rv, rv_before)
    out = forward_checked(lambda: bn.forward(x), x)
    close(out, yt, "eval forward")
    close(bn.running_mean, rm, "eval leaves running_mean")
    close(bn.running_var, rv, "eval leaves running_var")
    dout = rng.standard_normal(out.shape)
    yt.backward(t64(dout))
    close(bn.backward(dout), xt.grad, "eval dx")
    close(bn.dgamma, gt.grad, "eval dgamma")
    close(bn.dbeta, bt.grad, "eval dbeta")


# --------------------------------------------------------------------------- ConvTranspose2D
# (N, C_in, C_out, H, W, k, stride, padding, output_padding)
CONVT_CASES = [
    (2, 3, 2, 3, 3, 2, 2, 0, 0),     # the U-Net upsampler
    (1, 2, 3, 4, 3, 3, 1, 0, 0),
    (2, 2, 2, 3, 5, 3, 2, 1, 1),
    (1, 1, 2, 2, 5, 4, 3, 2, 2),
    (2, 3, 1, 4, 2, 3, 3, 0, 1),
    (1, 2, 2, 5, 5, 1, 2, 0, 1),
    (1, 1, 1, 1, 1, 3, 2, 1, 0),
    (2, 2, 3, 2, 3, 5, 1, 2, 0),
    (3, 4, 4, 3, 4, 4, 2, 1, 0),
]


def _random_convt_cases(count, seed):
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < count:
        n, cin, cout = (int(v) for v in rng.integers(1, [4, 5, 5]))
        k, s, p = int(rng.integers(1, 5)), int(rng.integers(1, 4)), int(rng.integers(0, 3))
        op = int(rng.integers(0, s))
        h, w = (int(v) for v in rng.integers(1, 8, size=2))
        if (min(h, w) - 1) * s - 2 * p + k + op < 1:
            continue                        # the padding would crop everything
        cases.append((n, cin, cout, h, w, k, s, p, op))
    return cases


RANDOM_CONVT_CASES = _random_convt_cases(18, seed=20240607)


def _convt_id(c):
    return "N{}-C{}to{}-{}x{}-k{}-s{}-p{}-op{}".format(*c)


def test_convt_configs_cover_the_grid():
    cases = CONVT_CASES + RANDOM_CONVT_CASES
    assert len(RANDOM_CONVT_CASES) >= 15
    assert {c[6] for c in cases} >= {1, 2, 3}, "strides 1-3"
    assert {c[7] for c in cases} >= {0, 1, 2}, "paddings 0-2"
    assert {c[8] for c in cases} >= {0, 1, 2}, "output_padding 0-2"
    assert any(c[3] != c[4] for c in cases), "non-square inputs"
    assert all(c[8] < c[6] for c in cases)


ALL_CONVT = list(enumerate(CONVT_CASES + RANDOM_CONVT_CASES))


@pytest.mark.parametrize("index,case", ALL_CONVT,
                         ids=[("" if i < len(CONVT_CASES) else f"rand{i - len(CONVT_CASES)}-")
                              + _convt_id(c) for i, c in ALL_CONVT])
def test_conv_transpose2d_matches_torch(index, case):
    n, cin, cout, h, w, k, s, p, op = case
    rng = np.random.default_rng(1000 + index)
    layer = ConvTranspose2D(cin, cout, k, stride=s, padding=p, output_padding=op)
    layer.W = rng.standard_normal((cin, cout, k, k))
    layer.b = rng.standard_normal(cout)
    x = rng.standard_normal((n, cin, h, w))
    m = Mirror()
    xt = leaf(x)
    yt = m.conv_t(layer, xt)
    out = forward_checked(lambda: layer.forward(x), x, layer.W, layer.b)
    close(out, yt, "ConvTranspose2D forward")
    dout = rng.standard_normal(out.shape)
    yt.backward(t64(dout))
    close(layer.backward(dout), xt.grad, "ConvTranspose2D dx")
    m.compare(layer, "ConvTranspose2D")


# --------------------------------------------------------------------------- Upsample
UP_CASES = [
    # (N, C, H, W, scale)
    (2, 3, 4, 4, 2), (1, 2, 3, 5, 2), (2, 1, 1, 1, 2), (1, 2, 1, 4, 2), (1, 1, 5, 1, 3),
    (1, 1, 4, 3, 3), (1, 2, 2, 3, 4), (3, 2, 7, 6, 2),
]


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("case", UP_CASES, ids=lambda c: "N{}C{}-{}x{}-s{}".format(*c))
def test_upsample_matches_interpolate(mode, case):
    n, c, h, w, s = case
    rng = np.random.default_rng(800 + UP_CASES.index(case))
    x = rng.standard_normal((n, c, h, w))
    up = Upsample(s, mode=mode)
    xt = leaf(x)
    kwargs = {"align_corners": False} if mode == "bilinear" else {}
    yt = F.interpolate(xt, scale_factor=s, mode=mode, **kwargs)
    out = forward_checked(lambda: up.forward(x), x)
    close(out, yt, f"Upsample {mode} forward")
    dout = rng.standard_normal(out.shape)
    yt.backward(t64(dout))
    close(up.backward(dout), xt.grad, f"Upsample {mode} dx")


# --------------------------------------------------------------------------- ResNet blocks
def torch_basic_block(m, block, x):
    out = F.relu(m.bn(block.bn1, m.conv(block.conv1, x)))
    out = m.bn(block.bn2, m.conv(block.conv2, out))
    shortcut = x if block.shortcut is None else m.bn(block.shortcut_bn, m.conv(block.shortcut, x))
    return F.relu(out + shortcut)


def torch_bottleneck(m, block, x):
    out = F.relu(m.bn(block.bn1, m.conv(block.conv1, x)))
    out = F.relu(m.bn(block.bn2, m.conv(block.conv2, out)))
    out = m.bn(block.bn3, m.conv(block.conv3, out))
    shortcut = x if block.shortcut is None else m.bn(block.shortcut_bn, m.conv(block.shortcut, x))
    return F.relu(out + shortcut)


BLOCK_CASES = [
    # (class, args, input shape, projection)
    (BasicBlock, (4, 4, 1), (2, 4, 5, 5), False),
    (BasicBlock, (3, 4, 2), (2, 3, 6, 6), True),
    (BasicBlock, (2, 4, 1), (3, 2, 4, 5), True),
    (BasicBlock, (3, 3, 2), (2, 3, 7, 5), True),
    (Bottleneck, (8, 2, 1), (2, 8, 4, 4), False),
    (Bottleneck, (3, 2, 2), (2, 3, 6, 5), True),
]


@pytest.mark.parametrize("steps", [2])
@pytest.mark.parametrize("case", BLOCK_CASES,
                         ids=lambda c: f"{c[0].__name__}{c[1]}-{'proj' if c[3] else 'identity'}")
def test_resnet_block_matches_torch(case, steps):
    """Train mode, two steps with fresh batches (the second step starts from the running
    statistics the first one left), then one eval-mode step."""
    cls, args, shape, projection = case
    np.random.seed(900)
    block = randomize(cls(*args), np.random.default_rng(901))
    assert (block.shortcut is not None) == projection
    torch_block = torch_basic_block if cls is BasicBlock else torch_bottleneck
    rng = np.random.default_rng(902)
    for step in range(steps + 1):
        if step == steps:
            for bn in (b for b in vars(block).values() if isinstance(b, BatchNorm2D)):
                bn.training = False
        x = rng.standard_normal(shape)
        matches_torch(block, x, lambda m, xt: torch_block(m, block, xt), rng, f"step {step}: block")


# --------------------------------------------------------------------------- SimpleUNet
def torch_unet(m, model, x, mode):
    """The documented wiring, reading our convs / BNs / transposed convs in definition order."""
    convs, bns = layers_of(model, Conv2D), layers_of(model, BatchNorm2D)
    ups = layers_of(model, ConvTranspose2D)

    def cbr(h):
        return F.relu(m.bn(bns.pop(0), m.conv(convs.pop(0), h)))

    def up(h):
        if mode == "transposed":
            return m.conv_t(ups.pop(0), h)
        kwargs = {"align_corners": False} if mode == "bilinear" else {}
        return F.interpolate(h, scale_factor=2, mode=mode, **kwargs)

    skip1 = cbr(cbr(x))
    skip2 = cbr(cbr(F.max_pool2d(skip1, 2)))
    h = cbr(F.max_pool2d(skip2, 2))
    h = cbr(cbr(torch.cat([up(h), skip2], dim=1)))
    h = cbr(cbr(torch.cat([up(h), skip1], dim=1)))
    out = m.conv(convs.pop(0), h)
    assert not convs and not bns and not ups
    return out


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "transposed"])
def test_simple_unet_matches_torch(mode):
    np.random.seed(950)
    model = randomize(SimpleUNet(in_channels=2, n_classes=3, upsample=mode),
                      np.random.default_rng(951))
    rng = np.random.default_rng(952)
    x = rng.standard_normal((2, 2, 8, 12))
    matches_torch(model, x, lambda m, xt: torch_unet(m, model, xt, mode), rng, f"SimpleUNet {mode}")
