"""The shipped mutant catalogue: single bugs a learner plausibly writes, each with the check(s)
meant to catch it and the words the hint (or message) must say.

A mutant is a copy of reference/ with one bug injected by text replacement: every edit's
`old` text must occur exactly once in its file (or in the function `within`, "Class.method",
so that an anchor need not quote a docstring or a neighbour). `python -m grader audit` grades
each mutant with its own checks and requires every one of them to catch it; the project's
tests (tests/grader/test_mutants_*.py) parametrize over this same catalogue, one test per
(mutant, check), so the two can never drift apart.

Adding a mutant: one `_one(...)` (or `_many(...)` when several checks must catch the same bug)
in the section of its file, with a short unique name; then `python -m grader audit -k NAME`.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import modules, skeleton


@dataclass(frozen=True)
class Expect:
    """`check` must catch the mutant: lose points, give `status`, and say `text` in its hint
    or message (English)."""
    check: str
    status: str
    text: str


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple      # ((file under the tree, old, new[, "Class.method"]), ...)
    expect: tuple     # (Expect, ...)

    @property
    def checks(self):
        return [e.check for e in self.expect]

    @property
    def files(self):
        """The tree's files this mutant edits ("module5/layers.py"), in edit order."""
        return list(dict.fromkeys(edit[0] for edit in self.edits))

    @property
    def modules(self):
        """The numbers of the modules whose checks judge this mutant."""
        return sorted({modules.of_check(c) for c in self.checks})


class EditError(AssertionError):
    """An edit's anchor is not in the file exactly once: the catalogue no longer fits the
    reference (an AssertionError, so that pytest shows it as a failed assertion)."""


def replace_once(text, old, new, within=None, where="the file"):
    """text with `old` replaced by `new`; `old` must occur exactly once — in the function
    `within` ("Class.method"), when given, so that an anchor need not quote a docstring or
    a neighbour to be unique."""
    if within is None:
        if text.count(old) != 1:
            raise EditError(f"mutation target not found exactly once in {where}: {old!r}")
        return text.replace(old, new)
    fn = skeleton.functions(text).get(within)
    if fn is None:
        raise EditError(f"no function {within} in {where}")
    lines = text.splitlines(keepends=True)
    head, body, tail = (lines[:fn.lineno - 1], "".join(lines[fn.lineno - 1:fn.end_lineno]),
                        lines[fn.end_lineno:])
    if body.count(old) != 1:
        raise EditError(f"mutation target not found exactly once in {within}: {old!r}")
    return "".join(head) + body.replace(old, new) + "".join(tail)


def copy_tree(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return Path(dst)


def apply_edits(tree, edits):
    """Apply `edits` ((file, old, new[, within]), ...) to the files of directory `tree`."""
    tree = Path(tree)
    for rel, old, new, *within in edits:
        path = tree / rel
        path.write_text(replace_once(path.read_text(encoding="utf-8"), old, new, *within,
                                     where=rel), encoding="utf-8")
    return tree


def make_tree(reference, dst, edits):
    """A copy of `reference` at `dst` with `edits` applied; returns its path."""
    return apply_edits(copy_tree(reference, dst), edits)


def said(result):
    """What a result says in English: its hint and its message."""
    return (result.hint or {}).get("en", "") + " " + (result.message or {}).get("en", "")


def judge(expect, result):
    """What is wrong with `result` (a CheckResult, or None when the check gave none) against
    Expect `expect`: [] when the check caught the mutant as the catalogue says. The first
    two problems mean the mutant survived that check."""
    if result is None:
        return ["no result"]
    problems = []
    if not result.points < result.max_points:
        problems.append(f"lost no points ({result.points}/{result.max_points}, {result.status})")
    if expect.text not in said(result):
        problems.append(f"the hint does not say {expect.text!r}; it says {said(result).strip()!r}")
    if result.status != expect.status:
        problems.append(f"status {result.status}, the catalogue expects {expect.status}")
    if result.hint is not None and not (result.hint["zh-TW"]
                                        and result.hint["zh-TW"] != result.hint["en"]):
        problems.append("the hint has no Chinese text of its own")
    return problems


def caught_by(expect, result):
    """Did the check of `expect` catch the mutant: lose points, with the bug named?"""
    return result is not None and result.points < result.max_points \
        and expect.text in said(result)


def _one(name, check, edits, status, text):
    return Mutant(name, tuple(tuple(e) for e in edits), (Expect(check, status, text),))


def _many(name, edits, expect):
    """A bug that several checks must catch: expect {check: (status, text)}."""
    return Mutant(name, tuple(tuple(e) for e in edits),
                  tuple(Expect(c, s, t) for c, (s, t) in expect.items()))


LAYERS = "module5/layers.py"
LOSS = "module5/loss.py"
NET = "module5/network.py"
OPTIM = "module5/optim.py"
INIT = "module5/weight_init.py"
BN = "module6/batchnorm.py"
RB = "module6/resnet_blocks.py"
UP = "module6/upsample.py"
TC = "module6/transposed_conv.py"
UNET = "module6/unet.py"

# ---------------------------------------------------------------- Module 5: layers and loss
PAIRS = "return [(self.W, self.dW), (self.b, self.db)]"
SOFTMAX_SHIFT = "shifted = x - x.max(axis=1, keepdims=True)\n    e = np.exp(shifted)"
SIGMOID_OUT = "out = np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))"
POOL_ADD = "return _add_windows(np.zeros(x_shape, dtype=dout.dtype), dwin, self.stride)"
# "=" where the windows' gradients must add up ("+="): the last window writing a pixel wins.
POOL_ASSIGN = """dx = np.zeros(x_shape, dtype=dout.dtype)
        Ho, Wo, s = arg.shape[2], arg.shape[3], self.stride
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + s * Ho:s, j:j + s * Wo:s] = dwin[..., i, j]
        return dx"""
CONV_PAD = ("xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n        win",
            "xp = np.pad(x, ((0, 0), (0, 0), (0, 2 * p), (0, 2 * p)))\n        win")

_M5_LAYERS = [
    _one("fc-no-bias", "m5.fc.forward",
         [(LAYERS, "return x @ self.W + self.b", "return x @ self.W")],
         "FAIL", "the bias is missing"),
    _one("fc-float32", "m5.fc.forward",
         [(LAYERS, "return x @ self.W + self.b", "return (x @ self.W + self.b).astype(np.float32)")],
         "FAIL", "float32 output"),
    _one("fc-dW-transposed", "m5.fc.backward",
         [(LAYERS, "self.dW = x.T @ dout", "self.dW = dout.T @ x")],
         "PARTIAL", "dW is transposed"),
    _one("fc-db-mean", "m5.fc.backward",
         [(LAYERS, "self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)")],
         "PARTIAL", "sum over the batch, not mean"),
    _one("fc-db-keepdims", "m5.fc.backward",
         [(LAYERS, "self.db = dout.sum(axis=0)", "self.db = dout.sum(axis=0, keepdims=True)")],
         "PARTIAL", "db has an extra axis"),
    _one("fc-dx-over-N", "m5.fc.backward",
         [(LAYERS, "return dout @ self.W.T", "return dout @ self.W.T / len(dout)")],
         "PARTIAL", "dx is N times too small"),
    _one("relu-backward-mask-only", "m5.relu",
         [(LAYERS, "return np.where(self.cache, dout, 0.0)", "return self.cache.astype(float)")],
         "PARTIAL", "multiply by dout"),
    _one("relu-backward-mask-from-dout", "m5.relu",
         [(LAYERS, "return np.where(self.cache, dout, 0.0)",
           "return np.where(dout > 0, dout, 0.0)")],
         "PARTIAL", "the mask must come from forward's input x"),
    _one("relu-leaky", "m5.relu",
         [(LAYERS, "return np.where(self.cache, x, 0.0)", "return np.where(self.cache, x, 0.01 * x)")],
         "PARTIAL", "negative inputs must give exactly 0"),
    _one("sigmoid-exp-minus-x", "m5.sigmoid",
         [(LAYERS, SIGMOID_OUT, "out = 1.0 / (1.0 + np.exp(-x))")],
         "PARTIAL", "use exp(-|x|)"),
    _one("sigmoid-exp-x", "m5.sigmoid",
         [(LAYERS, SIGMOID_OUT, "out = np.exp(x) / (1.0 + np.exp(x))")],
         "PARTIAL", "use exp(-|x|)"),
    # both branches of np.where are evaluated for every x
    _one("sigmoid-where-overflows", "m5.sigmoid",
         [(LAYERS, SIGMOID_OUT,
           "out = np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))")],
         "PARTIAL", "np.where evaluates both branches"),
    _one("sigmoid-backward-no-dout", "m5.sigmoid",
         [(LAYERS, "return dout * s * (1.0 - s)", "return s * (1.0 - s)")],
         "PARTIAL", "dx is missing dout"),
    _one("softmax-no-shift", "m5.softmax",
         [(LOSS, SOFTMAX_SHIFT, "shifted = x\n    e = np.exp(shifted)")],
         "PARTIAL", "subtract each row's max first"),
    _one("softmax-global-max", "m5.softmax",
         [(LOSS, SOFTMAX_SHIFT, "shifted = x - x.max()\n    e = np.exp(shifted)")],
         "PARTIAL", "each row's own max"),
    _one("softmax-batch-axis", "m5.softmax",
         [(LOSS, "return e / e.sum(axis=1, keepdims=True)",
           "return e / e.sum(axis=0, keepdims=True)")],
         "FAIL", "normalised over the batch axis"),
    _one("ce-sum", "m5.cross_entropy",
         [(LOSS, "loss = -log_p[rows, y].mean()", "loss = -log_p[rows, y].sum()")],
         "PARTIAL", "average over the batch: the convention is the mean"),
    _one("ce-grad-not-over-N", "m5.cross_entropy",
         [(LOSS, "dscores /= N", "dscores /= 1.0")],
         "PARTIAL", "divide by N"),
    _one("ce-log-of-softmax", "m5.cross_entropy",
         [(LOSS, "log_p = _log_softmax(scores)", "log_p = np.log(softmax(scores))")],
         "PARTIAL", "compute log-softmax directly"),
    # log(p + eps): finite, but the loss is capped at -log(eps)
    _one("ce-log-eps", "m5.cross_entropy",
         [(LOSS, "log_p = _log_softmax(scores)", "log_p = np.log(softmax(scores) + 1e-12)")],
         "PARTIAL", "log(p + ε) caps the loss"),
    _one("ce-no-one-hot", "m5.cross_entropy",
         [(LOSS, "dscores[rows, y] -= 1.0", "dscores[rows, y] -= 0.0")],
         "PARTIAL", "dscores lacks the one-hot"),
    _one("maxpool-stride-is-k", "m5.maxpool.forward",
         [(LAYERS, "win = _windows(x, k, k, self.stride)", "win = _windows(x, k, k, k)")],
         "PARTIAL", "overlapping windows fail"),
    # H used for both axes
    _one("maxpool-square-only", "m5.maxpool.forward",
         [(LAYERS, "win = _windows(x, k, k, self.stride)",
           "win = _windows(x[:, :, :, :x.shape[2]], k, k, self.stride)")],
         "PARTIAL", "non-square input fails"),
    _one("maxpool-backward-assign", "m5.maxpool.backward",
         [(LAYERS, POOL_ADD, POOL_ASSIGN)],
         "PARTIAL", "+= not =: overlapping windows share pixels"),
    # every tied maximum gets the gradient
    _one("maxpool-backward-all-ties", "m5.maxpool.backward",
         [(LAYERS, "self.cache = (x.shape, arg)",
           "self.cache = (x.shape, arg, flat == flat.max(axis=-1, keepdims=True))"),
          (LAYERS, "x_shape, arg = self.cache", "x_shape, arg, mask = self.cache"),
          (LAYERS, "np.put_along_axis(dwin, arg[..., None], dout[..., None], axis=-1)",
           "dwin = mask * dout[..., None]")],
         "PARTIAL", "a window with equal maxima sends its gradient to the first one"),
    # the last maximum instead of the first
    _one("maxpool-backward-last-max", "m5.maxpool.backward",
         [(LAYERS, "arg = flat.argmax(axis=-1)",
           "arg = k * k - 1 - flat[..., ::-1].argmax(axis=-1)")],
         "PARTIAL", "PyTorch's rule"),
    _one("relu-forward-in-place", "m5.layers.no_input_mutation",
         [(LAYERS, "return np.where(self.cache, x, 0.0)", "x[~self.cache] = 0.0; return x")],
         "PARTIAL", "forward must leave x as it was"),
    _one("sigmoid-abs-in-place", "m5.layers.no_input_mutation",
         [(LAYERS, "z = np.exp(-np.abs(x))", "z = np.exp(-np.abs(x, out=x))")],
         "PARTIAL", "Sigmoid.forward(x) modified x in place"),
    _one("fc-backward-writes-cache", "m5.layers.no_input_mutation",
         [(LAYERS, "        x = self.cache\n", "        x = self.cache\n        x -= x.mean(axis=0)\n")],
         "PARTIAL", "backward wrote into the input forward kept"),
    _one("fc-params-copies", "m5.layers.params_live",
         [(LAYERS, PAIRS, "return [(self.W.copy(), self.dW), (self.b.copy(), self.db)]",
           "FullyConnected.get_params_and_grads")],
         "PARTIAL", "not copies"),
    _one("conv-params-stale", "m5.layers.params_live",
         [(LAYERS, PAIRS,
           'return self.__dict__.setdefault("_pairs", [(self.W, self.dW), (self.b, self.db)])',
           "Conv2D.get_params_and_grads")],
         "PARTIAL", "stale"),
    _one("fc-replaces-W", "m5.layers.params_live",
         [(LAYERS, "self.cache = x\n        return x @ self.W + self.b",
           "self.cache = x\n        self.W = self.W.astype(np.float64)\n"
           "        return x @ self.W + self.b")],
         "PARTIAL", "replaced its parameter with a new array"),
]

# ---------------------------------------------------------------- Module 5: Conv2D
_M5_CONV = [
    _one("conv-stride-1", "m5.conv2d.forward",
         [(LAYERS, "win = _windows(xp, kh, kw, s)  ", "win = _windows(xp, kh, kw, 1)  ")],
         "PARTIAL", "stride is wrong"),
    # The same Conv2D is what the transposed-conv adjoint check measures ConvTranspose2D by.
    _many("conv-pad-one-side", [(LAYERS, *CONV_PAD)],
          {"m5.conv2d.forward": ("PARTIAL", "padding is wrong"),
           "m6.convtranspose.adjoint": ("FAIL", "your Module 5 Conv2D is not")}),
    _one("conv-dx-flipped-kernel", "m5.conv2d.backward",
         [(LAYERS, "dcols = dout_rows @ self.W.reshape(C_out, -1)",
           "dcols = dout_rows @ self.W[:, :, ::-1, ::-1].reshape(C_out, -1)")],
         "PARTIAL", "dx is wrong but dW and db are right"),
    # The speed bonus judges the values first, then the ratio.
    _many("conv-db-mean",
          [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout_rows.mean(axis=0)")],
          {"m5.conv2d.backward": ("PARTIAL", "db sums dout over the batch"),
           "m5.conv2d.vectorised": ("FAIL", "db is wrong")}),
    _one("conv-dW-over-N", "m5.conv2d.backward",
         [(LAYERS, "self.dW = (dout_rows.T @ cols).reshape(self.W.shape)",
           "self.dW = (dout_rows.T @ cols).reshape(self.W.shape) / N")],
         "PARTIAL", "dW is wrong"),
]

# ---------------------------------------------------------------- Module 5: network, training
_M5_TRAINING = [
    # -- SimpleConvNet shapes
    _one("net-fc-fixed-inputs", "m5.network.shapes",
         [(NET, "FullyConnected(16 * h * w, 120), ReLU(),", "FullyConnected(256, 120), ReLU(),")],
         "PARTIAL", "the first FullyConnected takes 16·h·w inputs"),
    _one("net-params-missing-last", "m5.network.shapes",
         [(NET, "for pair in layer.get_params_and_grads()]",
           "for pair in layer.get_params_and_grads()][:-2]")],
         "PARTIAL", "expected 10 (param, grad) pairs"),
    # -- whole-network gradient check
    _one("net-backward-returns-none", "m5.network.gradcheck",
         [(NET, "        return dout\n", "        pass\n")],
         "PARTIAL", "should return the gradient w.r.t. the input"),
    _one("net-params-copies", "m5.network.gradcheck",
         [(NET, "return [pair for layer in self.layers for pair in layer.get_params_and_grads()]",
           "return [(p.copy(), g) for layer in self.layers for p, g in layer.get_params_and_grads()]")],
         "PARTIAL", "not copies"),
    _one("fc-dW-halved", "m5.network.gradcheck",
         [(LAYERS, "self.dW = x.T @ dout", "self.dW = 0.5 * (x.T @ dout)")],
         "PARTIAL", "the numerical gradient is"),
    # -- overfit a tiny batch
    _one("train-step-nothing", "m5.network.overfit",
         [(NET, "optimizer.step(model.get_params_and_grads())", "optimizer.step([])")],
         "FAIL", "the updates never reach the network"),
    # -- SGD
    _one("sgd-not-in-place", "m5.optim.sgd",
         [(OPTIM, "param -= self.lr * grad", "param = param - self.lr * grad")],
         "FAIL", "update it in place"),
    _one("sgd-lr-frozen", "m5.optim.sgd",
         [(OPTIM, "def __init__(self, lr=0.01):\n        self.lr = lr\n",
           "def __init__(self, lr=0.01):\n        self.lr = self._lr = lr\n"),
          (OPTIM, "param -= self.lr * grad", "param -= self._lr * grad")],
         "FAIL", "step must read self.lr when it runs"),
    # -- MomentumSGD
    _one("momentum-one-velocity", "m5.optim.momentum",
         [(OPTIM, "v = self.velocities.get(id(param))", "v = self.velocities.get(0)"),
          (OPTIM, "v = self.velocities[id(param)] = np.zeros_like(param)",
           "v = self.velocities[0] = np.zeros_like(param)")],
         "PARTIAL", "every parameter needs its own velocity"),
    _one("momentum-forgets-velocity", "m5.optim.momentum",
         [(OPTIM, "v = self.velocities.get(id(param))", "v = None")],
         "PARTIAL", "keep each velocity between steps"),
    # Gradient ascent: the optimizer check names the sign, the overfit check sees the loss.
    _many("momentum-sign", [(OPTIM, "v -= self.lr * grad", "v += self.lr * grad")],
          {"m5.optim.momentum": ("FAIL", "wrong sign"),
           "m5.network.overfit": ("FAIL", "expected below")}),
    # -- schedules
    _one("step-decay-true-division", "m5.optim.schedules",
         [(OPTIM, "return base_lr * drop ** (epoch // epochs_per_drop)",
           "return base_lr * drop ** (epoch / epochs_per_drop)")],
         "PARTIAL", "integer division"),
    _one("exp-decay-off-by-one", "m5.optim.schedules",
         [(OPTIM, "return base_lr * decay_rate ** epoch",
           "return base_lr * decay_rate ** (epoch + 1)")],
         "PARTIAL", "epoch 0 gives base_lr"),
    _one("constant-decays", "m5.optim.schedules",
         [(OPTIM, "    return base_lr\n", "    return base_lr * 0.1 ** epoch\n")],
         "PARTIAL", "constant("),
    # -- weight initialisation
    _one("fans-without-receptive-field", "m5.init",
         [(INIT, "return shape[1] * receptive, shape[0] * receptive", "return shape[1], shape[0]")],
         "FAIL", "your std matches sqrt(2 / C_in) with C_in ="),
    _one("he-uses-fan-out", "m5.init",
         [(INIT, "fan_in, _ = _fans(tuple(shape))", "_, fan_in = _fans(tuple(shape))")],
         "PARTIAL", "he_init: your std matches sqrt(2 / M)"),
    # -- train() with optimizer and schedule
    _one("train-ignores-schedule", "m5.train.optimizer_schedule",
         [(NET, "lr = base_lr if schedule is None else schedule(base_lr, epoch)", "lr = base_lr")],
         "FAIL", "the rate never changes"),
    _one("train-schedule-off-by-one", "m5.train.optimizer_schedule",
         [(NET, "schedule(base_lr, epoch)", "schedule(base_lr, epoch + 1)")],
         "FAIL", "off by one epoch"),
    _one("train-ignores-optimizer", "m5.train.optimizer_schedule",
         [(NET, "optimizer.step(model.get_params_and_grads())",
           "[p.__isub__(lr * g) for p, g in model.get_params_and_grads()]")],
         "FAIL", "the schedule is used but not the optimizer"),
    _one("train-schedule-compounds", "m5.train.optimizer_schedule",
         [(NET, "schedule(base_lr, epoch)",
           "schedule(base_lr if optimizer is None else optimizer.lr, epoch)")],
         "FAIL", "applied to the current rate"),
]

# ---------------------------------------------------------------- Module 6: BatchNorm2D, ResNet
# BasicBlock's end of forward and its whole tail of backward (Bottleneck has look-alikes:
# the class that follows makes each match unique).
BASIC_ADD = "        return self.relu2.forward(out + identity)\n"
BASIC_BACKWARD_TAIL = (
    "        if self.shortcut is None:\n"
    "            return dx + d_sum\n"
    "        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n")
BASIC_PROJECTION = ("identity = self.shortcut_bn.forward(self.shortcut.forward(x))\n"
                    "        return self.relu2.forward(out + identity)")
BOTTLENECK_ADD = "return self.relu3.forward(out + identity)"
BOTTLENECK_IDENTITY_GRAD = ("dx = self.conv1.backward(self.bn1.backward(self.relu1.backward(d)))\n"
                            "        if self.shortcut is None:\n            return dx + d_sum")

# The two ways of losing the shortcut, for the residual-vs-plain experiment.
NO_SHORTCUT = (  # neither `+ identity` in forward nor `+ d_sum` in backward
    (RB, BASIC_ADD, "        return self.relu2.forward(out)\n"),
    (RB, BASIC_BACKWARD_TAIL, "        return dx\n", "BasicBlock.backward"),
)
NO_SHORTCUT_GRADIENT = (NO_SHORTCUT[1],)   # adds x in forward, forgets its gradient in backward

RVP = "m6.resnet.residual_vs_plain"

_M6_RESNET = [
    # -- BatchNorm2D forward
    _one("bn-running-var-biased", "m6.batchnorm.forward",
         [(BN, "m * var * n / max(n - 1, 1)", "m * var")],
         "PARTIAL", "running_var uses the biased variance"),
    _one("bn-momentum-reversed", "m6.batchnorm.forward",
         [(BN, "m = self.momentum\n", "m = 1 - self.momentum\n")],
         "PARTIAL", "the momentum is applied the other way round"),
    _one("bn-eval-uses-batch-stats", "m6.batchnorm.forward",
         [(BN, "        if self.training:\n            n = ", "        if True:\n            n = ")],
         "PARTIAL", "eval mode still normalises with the batch's statistics"),
    _one("bn-eval-updates-running", "m6.batchnorm.forward",
         [(BN, "            mean, var = self.running_mean, self.running_var\n",
           "            mean, var = self.running_mean, self.running_var\n"
           "            self.running_mean = 0.9 * mean + 0.1 * x.mean(axis=(0, 2, 3))\n")],
         "PARTIAL", "eval mode changed the running statistics"),
    _one("bn-unbiased-var", "m6.batchnorm.forward",
         [(BN, "var = x.var(axis=(0, 2, 3))            #", "var = x.var(axis=(0, 2, 3), ddof=1)  #")],
         "PARTIAL", "normalised with the unbiased variance"),
    _one("bn-eps-outside-sqrt", "m6.batchnorm.forward",
         [(BN, "inv_std = 1.0 / np.sqrt(var + self.eps)",
           "inv_std = 1.0 / (np.sqrt(var) + self.eps)")],
         "PARTIAL", "eps belongs inside the square root"),
    _one("bn-no-affine", "m6.batchnorm.forward",
         [(BN, "return self.gamma[None, :, None, None] * x_hat + self.beta[None, :, None, None]",
           "return x_hat")],
         "PARTIAL", "the output is x̂ itself"),
    _one("bn-global-stats", "m6.batchnorm.forward",
         [(BN, "mean = x.mean(axis=(0, 2, 3))", "mean = x.mean(axis=(0, 2, 3)) * 0 + x.mean()"),
          (BN, "var = x.var(axis=(0, 2, 3))            #",
           "var = x.var(axis=(0, 2, 3)) * 0 + x.var()  #")],
         "PARTIAL", "the statistics are over the wrong axes"),
    # -- BatchNorm2D backward
    _one("bn-dx-as-constants", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)", "return scale * dx_hat")],
         "PARTIAL", "dx ignores that the batch mean and variance depend on x"),
    _one("bn-dx-no-var-path", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)",
           "return scale * (dx_hat - mean_d)")],
         "PARTIAL", "dx misses the path through the variance"),
    _one("bn-dx-no-mean-path", "m6.batchnorm.backward",
         [(BN, "return scale * (dx_hat - mean_d - x_hat * mean_dx)",
           "return scale * (dx_hat - x_hat * mean_dx)")],
         "PARTIAL", "dx misses the path through the mean"),
    _one("bn-dx-no-gamma", "m6.batchnorm.backward",
         [(BN, "dx_hat = dout * self.gamma[None, :, None, None]", "dx_hat = dout")],
         "PARTIAL", "dx lacks the factor gamma"),
    _one("bn-dbeta-mean", "m6.batchnorm.backward",
         [(BN, "self.dbeta = dout.sum(axis=(0, 2, 3))", "self.dbeta = dout.mean(axis=(0, 2, 3))")],
         "PARTIAL", "dbeta"),
    # -- BasicBlock, identity shortcut
    _one("block-no-shortcut-forward", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out)\n")],
         "PARTIAL", "the shortcut is missing"),
    _one("block-relu-before-add", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return self.relu2.forward(out) + identity\n")],
         "PARTIAL", "ReLU comes after the addition"),
    _one("block-no-last-relu", "m6.basicblock.identity",
         [(RB, BASIC_ADD, "        return out + identity\n")],
         "PARTIAL", "the last ReLU is missing"),
    # -- BasicBlock, projection shortcut
    _one("block-projection-no-bn", "m6.basicblock.projection",
         [(RB, BASIC_PROJECTION, BASIC_PROJECTION.replace(
             "self.shortcut_bn.forward(self.shortcut.forward(x))", "self.shortcut.forward(x)"))],
         "FAIL", "a 1x1 Conv2D followed by its own BatchNorm2D"),
    _one("block-projection-is-x", "m6.basicblock.projection",
         [(RB, "        if self.shortcut is None:\n            identity = x\n        else:\n"
               "            identity = self.shortcut_bn.forward(self.shortcut.forward(x))\n"
               "        return self.relu2.forward(out + identity)",
           "        identity = x\n        return self.relu2.forward(out + identity)")],
         "ERROR", "the shortcut is shortcut_bn(shortcut(x)), not x itself"),
    # -- BasicBlock backward; the experiment sees the same bug as a vanishing gradient
    _many("block-backward-no-dsum", NO_SHORTCUT_GRADIENT,
          {"m6.basicblock.backward": ("PARTIAL", "dx lacks the shortcut's gradient"),
           RVP: ("FAIL", "the gradient hardly reaches the first layer")}),
    _one("block-backward-drops-projection-grad", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n",
             "        self.shortcut.backward(self.shortcut_bn.backward(d_sum))\n        return dx\n"),
           "BasicBlock.backward")],
         "PARTIAL", "dx lacks the shortcut's gradient"),
    _one("block-backward-projection-from-dout", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "self.shortcut_bn.backward(d_sum)", "self.shortcut_bn.backward(dout)"),
           "BasicBlock.backward")],
         "PARTIAL", "the shortcut's parameters get their gradients from d_sum too"),
    _one("block-backward-only-shortcut", "m6.basicblock.backward",
         [(RB, BASIC_BACKWARD_TAIL, BASIC_BACKWARD_TAIL.replace(
             "        if self.shortcut is None:\n            return dx + d_sum\n",
             "        if self.shortcut is None:\n            return d_sum\n"),
           "BasicBlock.backward")],
         "PARTIAL", "dx is only the shortcut's gradient"),
    # -- Bottleneck (選做)
    _one("bottleneck-no-shortcut", "m6.bottleneck",
         [(RB, BOTTLENECK_ADD, "return self.relu3.forward(out)")],
         "FAIL", "the shortcut is missing"),
    _one("bottleneck-backward-no-dsum", "m6.bottleneck",
         [(RB, BOTTLENECK_IDENTITY_GRAD, BOTTLENECK_IDENTITY_GRAD.replace("return dx + d_sum",
                                                                          "return dx"))],
         "PARTIAL", "dx lacks the shortcut's gradient"),
    # -- residual against plain: a block without its shortcut, forward and backward
    _one("block-no-shortcut", RVP, NO_SHORTCUT,
         "FAIL", "the residual run and the plain run are the same"),
]

# ---------------------------------------------------------------- Module 6: Upsample, U-Net
BILINEAR_SRC = "src = np.maximum((np.arange(n_out) + 0.5) / scale - 0.5, 0.0)"

_M6_UNET = [
    # -- Upsample: nearest and bilinear are separate code paths
    _one("upsample-backward-picks", "m6.upsample.nearest",
         [(UP, "return dout.reshape(N, C, H, s, W, s).sum(axis=(3, 5))",
           "return dout[:, :, ::s, ::s].copy()")],
         "PARTIAL", "the SUM of that s×s block"),
    _one("upsample-tile", "m6.upsample.nearest",
         [(UP, "return x.repeat(s, axis=2).repeat(s, axis=3)", "return np.tile(x, (1, 1, s, s))")],
         "PARTIAL", "np.tile repeats the whole image"),
    _one("bilinear-align-corners", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = np.arange(n_out) * (n_in - 1) / max(n_out - 1, 1)")],
         "FAIL", "align_corners=True"),
    _one("bilinear-no-clamp", "m6.upsample.bilinear",
         [(UP, BILINEAR_SRC, "src = (np.arange(n_out) + 0.5) / scale - 0.5")],
         "FAIL", "clamp at the border"),
    # -- ConvTranspose2D (選做)
    _many("convtranspose-crop-one-side",
          [(TC, "return Y[:, :, p:p + H_out, p:p + W_out] + self.b[None, :, None, None]",
            "return Y[:, :, :H_out, :W_out] + self.b[None, :, None, None]")],
          {"m6.convtranspose.forward": ("FAIL", "cropped from one side only"),
           "m6.convtranspose.adjoint": ("FAIL", "ConvTranspose2D is not its adjoint")}),
    _one("convtranspose-no-output-padding", "m6.convtranspose.forward",
         [(TC, "W_full = (W - 1) * s + kw + self.output_padding", "W_full = (W - 1) * s + kw")],
         "PARTIAL", "output_padding is ignored"),
    _one("convtranspose-db-mean", "m6.convtranspose.backward",
         [(TC, "self.db = dout.sum(axis=(0, 2, 3))", "self.db = dout.mean(axis=(0, 2, 3))")],
         "PARTIAL", "db sums dout over the batch"),
    # -- U-Net
    _one("unet-backward-returns-none", "m6.unet.gradcheck",
         [(UNET, "        return self.enc1.backward(d, dskip1)\n",
           "        self.enc1.backward(d, dskip1)\n")],
         "PARTIAL", "should return the gradient w.r.t. the input"),
    # The encoder check builds UNetEncoder alone; the gradcheck sees it in the whole U-Net.
    _many("encoder-backward-no-dskip",
          [(UNET, "d = self.pool.backward(dout) + dskip", "d = self.pool.backward(dout)")],
          {"m6.unet.encoder": ("PARTIAL", "dx does not depend on dskip"),
           "m6.unet.gradcheck": ("FAIL", "enc1.backward(d, dskip1)")}),
    # m6.unet.transposed probes the upsamplers' weights, whose gradients come from the decoders.
    _one("decoder-transposed-is-upsample", "m6.unet.transposed",
         [(UNET, "            self.up = ConvTranspose2D(up_channels, up_channels, 2, stride=2)",
           "            self.up = Upsample(2)")],
         "PARTIAL", "no ConvTranspose2D weights"),
    _one("decoder-dskip-zeros", "m6.unet.decoder",
         [(UNET, "return self.up.backward(d_up), dskip",
           "return self.up.backward(d_up), np.zeros_like(dskip)")],
         "PARTIAL", "dskip is all zeros"),
    _one("unet-head-two-classes", "m6.unet.shapes",
         [(UNET, "self.head = Conv2D(8, n_classes, 1)", "self.head = Conv2D(8, 2, 1)")],
         "PARTIAL", "use the n_classes argument"),
    # A ReLU after the head: logits that can never be negative. The gradient check and the
    # IoU still passed it on most seeds (8 of 14); the shapes check names it.
    _one("unet-relu-after-head", "m6.unet.shapes",
         [(UNET, "return self.head.forward(x)", "return np.maximum(self.head.forward(x), 0.0)",
           "SimpleUNet.forward")],
         "PARTIAL", "with no ReLU after it"),
    # A decoder that ignores its skip: the U-Net still learns (learns passes) but its
    # outlines are blurred (IoU 0.785–0.905 over 30 seeds, threshold 0.93).
    _many("decoder-ignores-skip",
          [(UNET, "x = np.concatenate([x, skip], axis=1)",
            "x = np.concatenate([x, np.zeros_like(skip)], axis=1)")],
          {"m6.unet.decoder": ("PARTIAL", "does not change when skip changes"),
           "m6.unet.iou": ("PARTIAL", "through the skip connections")}),
    # Concatenating before upsampling.
    _many("decoder-concat-before-upsample",
          [(UNET, "x = self.up.forward(x)\n", "x = self.up.forward(x)[:, :, ::2, ::2]\n")],
          {"m6.unet.decoder": ("ERROR", "upsample x by 2 before concatenating"),
           "m6.unet.shapes": ("ERROR", "upsample x by 2 before concatenating")}),
]

CATALOGUE = tuple(_M5_LAYERS + _M5_CONV + _M5_TRAINING + _M6_RESNET + _M6_UNET)
BY_NAME = {m.name: m for m in CATALOGUE}
assert len(BY_NAME) == len(CATALOGUE), "two mutants share a name"


def cases(check_ids, catalogue=CATALOGUE):
    """(mutant, check id) of every expectation of the catalogue whose check is in
    `check_ids`: what one test file of the project grades, one test each."""
    wanted = set(check_ids)
    return [(m, e.check) for m in catalogue for e in m.expect if e.check in wanted]


def select(patterns=None, numbers=None, catalogue=CATALOGUE):
    """The mutants of the modules numbered `numbers` (by their checks) that match any of
    `patterns`: a substring or glob of the name, of a check id or of an edited file."""
    import fnmatch
    chosen = []
    for m in catalogue:
        if numbers and not set(m.modules) & set(numbers):
            continue
        if patterns:
            keys = [m.name, *m.checks, *m.files]
            if not any(p in k or fnmatch.fnmatch(k, p) for p in patterns for k in keys):
                continue
        chosen.append(m)
    return chosen


def coverage(catalogue=CATALOGUE):
    """{learner's file ("module5/layers.py"): number of mutants editing it}, every file of
    every module listed (0 when none)."""
    counts = {f"{mod.dir}/{name}": 0 for mod in modules.MODULES for name in mod.files}
    for m in catalogue:
        for rel in m.files:
            counts[rel] = counts.get(rel, 0) + 1
    return counts
