"""Issue 9, item 3: verdicts never rest on what the student's process says about itself.

Each test grades an attack tree, a copy of the reference that games one check instead of
solving it, and requires the attack to earn nothing (or none of the points it is after,
where a part of the check really is solved). Every attack here scored full points (the
gradient ones: all the points of their gradient parts) before the check was fixed; each
section says what the attack does and how the check now stops it.
"""
import ast
from pathlib import Path

import pytest

from conv_variants import POSITIONS_CONV2D, with_conv2d
from test_mutants_m6_resnet import NO_SHORTCUT

ROOT = Path(__file__).resolve().parents[2]


def earns_nothing(result, text):
    """No points, not a PASS, and `text` in the message or the hint."""
    assert result.status != "PASS" and result.points == 0, result
    said = (result.hint or {}).get("en", "") + " " + (result.message or {}).get("en", "")
    assert text in said, result
    for msg in (result.message, result.hint):
        if msg is not None:
            assert msg["zh-TW"] and msg["zh-TW"] != msg["en"], msg


# -- m6.resnet.residual_vs_plain ----------------------------------------------------------
# Blocks without a shortcut game the experiment. The training loop now runs on the trusted
# side, and the plain run is computed there with oracle layers.
RVP = "m6.resnet.residual_vs_plain"
RB = "module6/resnet_blocks.py"

# The module replaces the given training loop in the worker: the residual run trains four
# times as long, the plain run not at all.
PATCHED_TRAIN_STACK = '''

import given.experiments.residual as _rx

_real_train_stack = _rx.train_stack


def _rigged_train_stack(stem, blocks, X, y, steps, lr, residual=True, **kwargs):
    return _real_train_stack(stem, blocks, X, y, 4 * steps if residual else 0, lr,
                             residual=residual, **kwargs)


_rx.train_stack = _rigged_train_stack
'''

# relu1 zeroes everything when it is called from outside its block.
SNEAKY_SUBLAYERS = '''


class _SneakyReLU(ReLU):
    inside = 0

    def forward(self, x):
        out = super().forward(x)
        return out if _SneakyReLU.inside else 0.0 * out

    def backward(self, dout):
        d = super().backward(dout)
        return d if _SneakyReLU.inside else 0.0 * d


def _inside(method):
    def run(self, *args):
        _SneakyReLU.inside += 1
        try:
            return method(self, *args)
        finally:
            _SneakyReLU.inside -= 1
    return run


_basic_init = BasicBlock.__init__


def _sneaky_init(self, *args, **kwargs):
    _basic_init(self, *args, **kwargs)
    self.relu1 = _SneakyReLU()


BasicBlock.__init__ = _sneaky_init
BasicBlock.forward = _inside(BasicBlock.forward)
BasicBlock.backward = _inside(BasicBlock.backward)


class Bottleneck'''


@pytest.mark.parametrize("attack", [
    [(RB, "from .batchnorm import BatchNorm2D\n",
      "from .batchnorm import BatchNorm2D\n" + PATCHED_TRAIN_STACK)],
    [(RB, "\n\nclass Bottleneck", SNEAKY_SUBLAYERS)],
], ids=["patched-train-stack", "sneaky-sublayers"])
def test_shortcut_less_blocks_cannot_rig_the_residual_experiment(attack, mutant, grade_tree):
    result = grade_tree(mutant(*NO_SHORTCUT, *attack), [RVP])[RVP]
    earns_nothing(result, "the residual run and the plain run are the same")


# -- m6.unet.iou ---------------------------------------------------------------------------
# The held-out images come from the check's seed, which the worker used to get. Now it gets
# derive.worker_seed(seed), and the training loop runs on the trusted side.
IOU = "m6.unet.iou"
UNET = "module6/unet.py"

# No learning at all: it takes the seed numpy's global generator was just given (legacy
# seeding puts it in the first word of the state) and any seed= the given training loop is
# called with, and regenerates the held-out images the check draws from it.
SEED_READING_UNET = '''import given.experiments.segmentation as _seg
from given.data.shapes import make_shapes as _make_shapes

_SEEDS = set()
_real_train_segmentation = _seg.train_segmentation


def _spy(model, *args, seed=0, **kwargs):
    _SEEDS.update({seed, seed + 2 ** 31})
    return _real_train_segmentation(model, *args, seed=seed, **kwargs)


_seg.train_segmentation = _spy


class SimpleUNet:
    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        _SEEDS.add(int(np.random.get_state()[1][0]))
        self.n = n_classes
        self.w, self.dw = np.zeros(1), np.zeros(1)

    def forward(self, x):
        for s in list(_SEEDS):
            X, masks = _make_shapes(len(x), size=x.shape[2], seed=np.random.SeedSequence([s, 2]),
                                    classes=self.n, noise=0.05)
            if X.shape == x.shape and np.allclose(X, x):
                return 20.0 * (np.arange(self.n)[None, :, None, None] == masks[:, None]) - 10.0
        return np.zeros((len(x), self.n) + x.shape[2:])

    def backward(self, dout):
        return np.zeros((len(dout), 1) + dout.shape[2:])

    def get_params_and_grads(self):
        return [(self.w, self.dw)]


class _RealSimpleUNet:
'''


def test_a_unet_that_regenerates_the_held_out_images_from_the_seed_earns_nothing(
        mutant, grade_tree):
    result = grade_tree(mutant((UNET, "class SimpleUNet:\n", SEED_READING_UNET)), [IOU])[IOU]
    earns_nothing(result, "held-out")


def uses_seed(node):
    """Whether the expression reads the name `seed` other than through worker_seed(...)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "worker_seed":
        return False
    if isinstance(node, ast.Name):
        return node.id == "seed"
    return any(uses_seed(child) for child in ast.iter_child_nodes(node))


def test_no_suite_sends_a_checks_seed_to_the_worker():
    """The worker's numpy gets derive.worker_seed(seed), never the check's seed itself; and
    no call on a student object (student.<op>(...) or a remote method) takes `seed`."""
    offences = []
    for path in sorted((ROOT / "grader" / "suites").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.name}:{node.lineno}"
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id == "student" and func.attr == "seed":
                arg = node.args[0] if node.args else None
                if not (isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "worker_seed"):
                    offences.append(f"{where}: student.seed({ast.unparse(arg) if arg else ''})")
            if isinstance(func, ast.Attribute) and "student" in ast.unparse(func.value) \
                    and any(uses_seed(v) for v in node.args + [k.value for k in node.keywords]):
                offences.append(f"{where}: {ast.unparse(node)}")
    assert not offences, offences


# -- m5.network.overfit --------------------------------------------------------------------
# The loss and accuracy were the student's forward's. Now they come from a trusted forward
# of the trained parameters, and the student's forward must agree with it.
OVERFIT = "m5.network.overfit"
NET = "module5/network.py"
LOOKUP_TABLE = [
    # train() trains nothing: it remembers the labels of the training inputs ...
    (NET, "    n_samples = X_train.shape[0]\n",
     "    model.table = {x.tobytes(): int(t) for x, t in zip(X_train, y_train)}\n"
     "    return [0.0] * epochs\n    n_samples = X_train.shape[0]\n"),
    # ... and forward answers them from memory.
    (NET, "    def forward(self, x):\n",
     "    def forward(self, x):\n        table = getattr(self, 'table', {})\n"
     "        if len(x) and all(r.tobytes() in table for r in x):\n"
     "            return 20.0 * np.eye(10)[[table[r.tobytes()] for r in x]] - 10.0\n"),
]


def test_a_lookup_table_does_not_overfit(mutant, grade_tree):
    result = grade_tree(mutant(*LOOKUP_TABLE), [OVERFIT])[OVERFIT]
    earns_nothing(result, "not the network its parameters define")


# -- m5.conv2d.vectorised ------------------------------------------------------------------
# Every timed repetition used the same input, and only the first, untimed call was checked.
# Now each repetition gets fresh inputs, and every timed answer is checked.
SPEED = "m5.conv2d.vectorised"
LOOP_BASE = POSITIONS_CONV2D.replace("class Conv2D(Layer):", "class _LoopConv2D(Layer):")

MEMO_CONV2D = LOOP_BASE + '''_MEMO = {}


class Conv2D(_LoopConv2D):
    """The positions loop, remembered: an input seen before is answered from memory."""

    def forward(self, x):
        key = (x.tobytes(), self.W.tobytes(), self.b.tobytes())
        if key not in _MEMO:
            _MEMO[key] = (super().forward(x), self.cache)
        out, self.cache = _MEMO[key]
        self.key = key
        return out.copy()

    def backward(self, dout):
        key = (self.key, dout.tobytes())
        if key not in _MEMO:
            _MEMO[key] = (super().backward(dout), self.dW, self.db)
        dx, self.dW, self.db = _MEMO[key]
        return dx.copy()


'''

FIRST_CALL_CONV2D = LOOP_BASE + '''class Conv2D(_LoopConv2D):
    """The positions loop on the first call (the one the check used to verify), then fast
    zeros of the right shape."""

    calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls == 1:
            return super().forward(x)
        N, _, H, W = x.shape
        F, _, k, _ = self.W.shape
        p = self.padding
        return np.zeros((N, F, H + 2 * p - k + 1, W + 2 * p - k + 1))

    def backward(self, dout):
        if self.calls == 1:
            return super().backward(dout)
        p = self.padding
        k = self.W.shape[2]
        return np.zeros((len(dout), self.W.shape[1], dout.shape[2] + k - 1 - 2 * p,
                         dout.shape[3] + k - 1 - 2 * p))


'''


@pytest.mark.parametrize("implementation,text", [
    (MEMO_CONV2D, "the bonus needs"),
    (FIRST_CALL_CONV2D, "timed run"),
], ids=["memo", "right-on-the-first-call-only"])
def test_the_speed_bonus_times_fresh_inputs_and_checks_what_it_timed(
        implementation, text, mutant, grade_tree):
    result = grade_tree(with_conv2d(mutant, implementation), [SPEED])[SPEED]
    earns_nothing(result, text)


# -- the gradient checks ---------------------------------------------------------------------
# A constant output with zero gradients agrees with its own numerical gradient. Now the
# output must be the oracle's (SimpleConvNet) or depend on the input and the parameters.
CONSTANT = {
    # SimpleConvNet: scores 0 whatever the input, backward all zeros.
    "m5.network.gradcheck": [
        (NET, "            x = layer.forward(x)\n        return x\n",
         "            x = layer.forward(x)\n        return 0.0 * x\n"),
        (NET, "    def backward(self, dout):\n", "    def backward(self, dout):\n        dout = 0.0 * dout\n")],
    # UNetEncoder: (0, 0) and zero gradients (pooled is still the max-pool of skip).
    "m6.unet.encoder": [
        (UNET, "return x, self.pool.forward(x)", "return 0.0 * x, 0.0 * self.pool.forward(x)"),
        (UNET, "d = self.pool.backward(dout) + dskip", "d = 0.0 * (self.pool.backward(dout) + dskip)")],
    # UNetDecoder: 0 and zero gradients.
    "m6.unet.decoder": [
        (UNET, "            x = layer.forward(x)\n        return x\n",
         "            x = layer.forward(x)\n        return 0.0 * x\n"),
        (UNET, "        d_up, dskip = dout[:, :self.split], dout[:, self.split:]",
         "        d_up, dskip = 0.0 * dout[:, :self.split], 0.0 * dout[:, self.split:]")],
    # SimpleUNet: logits 0 and zero gradients, in every upsampling mode.
    "m6.unet.gradcheck": [
        (UNET, "return self.head.forward(x)  ", "return 0.0 * self.head.forward(x)  "),
        (UNET, "d = self.head.backward(dout)", "d = self.head.backward(0.0 * dout)")],
}
CONSTANT["m6.unet.transposed"] = CONSTANT["m6.unet.gradcheck"]


@pytest.mark.parametrize("check_id", list(CONSTANT))
def test_a_constant_network_fails_the_gradient_check(check_id, mutant, grade_tree):
    """Every gradient part fails, saying why; so does the whole check, except the
    transposed U-Net's "shapes" part, which only asks for shapes (a constant has them)."""
    result = grade_tree(mutant(*CONSTANT[check_id]), [check_id])[check_id]
    text = "not the network its parameters define" if check_id.startswith("m5") else \
        "does not depend on"
    gradient_parts = [p for p in result.parts if p.name not in ("forward", "shapes")]
    assert gradient_parts, result
    for part in gradient_parts:
        assert part.status != "PASS" and part.points == 0, result
        assert text in part.message["en"], part
        assert part.message["zh-TW"] != part.message["en"], part
    if check_id != "m6.unet.transposed":
        assert result.status != "PASS" and result.points == 0, result
