"""Code that raises earns nothing for what the raise left unjudged (issue 10, item 1).

Each mutant is the reference with one method wrapped to raise RuntimeError on one case of a
check only (a condition on the layer's settings or the call count), so everything else the
check judges is still right. The check must take away exactly the parts that needed the
failed call — once a backward raised in any case, no part judged from a backward passes —
and keep every other part's points: a raise in one case costs that part, not the check.

A completeness test requires a mutant here for every check whose body judges several cases
(its source loops with grade.cases) and for every check with several parts.
"""
import importlib
import inspect
import re
import textwrap

import pytest

from grader.results import PartResult

from conftest import ROOT, copy_tree

INJECT = '''

# --- injected by tests/grader/test_mutants_raising.py -------------------------------------
def _raise_on_one_case(cls, name, when):
    original = getattr(cls, name)
    calls = [0]

    def wrapper(self, *args, **kwargs):
        calls[0] += 1
        if when(self, calls[0], args):
            raise RuntimeError("injected failure in " + cls.__name__ + "." + name)
        return original(self, *args, **kwargs)

    setattr(cls, name, wrapper)


_raise_on_one_case({cls}, "{method}", lambda self, n, args: {when})
'''

INJECT_FUNCTION = '''

# --- injected by tests/grader/test_mutants_raising.py -------------------------------------
_original_{name} = {name}
_calls_{name} = [0]


def {name}(*args, **kwargs):
    _calls_{name}[0] += 1
    n = _calls_{name}[0]
    if {when}:
        raise RuntimeError("injected failure in {name}")
    return _original_{name}(*args, **kwargs)
'''

# (check, file, class or function, method or None, condition, parts that keep their points)
# `n` is the call count of that method in the check's worker, `self` the layer, `args` the
# call's arguments.
MUTANTS = [
    ("m5.conv2d.forward", "module5/layers.py", "Conv2D", "forward", "self.stride == 3",
     {"basic", "padding", "non_square"}),
    ("m5.conv2d.backward", "module5/layers.py", "Conv2D", "backward", "self.stride == 3", set()),
    ("m5.fc.backward", "module5/layers.py", "FullyConnected", "backward", "n == 3", set()),
    ("m5.relu", "module5/layers.py", "ReLU", "backward", "n == 2", {"forward"}),
    ("m5.sigmoid", "module5/layers.py", "Sigmoid", "backward", "n == 2", {"forward", "stable"}),
    ("m5.cross_entropy", "module5/loss.py", "cross_entropy_loss", None, "n == 2", {"stable"}),
    ("m5.optim.momentum", "module5/optim.py", "MomentumSGD", "step", "n == 3",
     {"first_step", "per_parameter"}),
    ("m5.maxpool.forward", "module5/layers.py", "MaxPool2D", "forward",
     "args[0].shape[-2:] == (7, 5)", {"basic", "overlapping"}),
    ("m5.maxpool.backward", "module5/layers.py", "MaxPool2D", "backward",
     "args[0].shape[-2:] == (3, 3)", {"basic", "ties"}),
    ("m6.batchnorm.backward", "module6/batchnorm.py", "BatchNorm2D", "backward", "n == 2", set()),
    ("m6.basicblock.identity", "module6/resnet_blocks.py", "BasicBlock", "forward",
     "args[0].shape[1] == 2", {"shape"}),
    ("m6.basicblock.projection", "module6/resnet_blocks.py", "BasicBlock", "forward",
     "self.conv1.stride == 1", {"stride"}),
    ("m6.basicblock.backward", "module6/resnet_blocks.py", "BasicBlock", "backward",
     "n == 2", set()),
    ("m6.bottleneck", "module6/resnet_blocks.py", "Bottleneck", "backward", "n == 2",
     {"forward"}),
    ("m6.convtranspose.forward", "module6/transposed_conv.py", "ConvTranspose2D", "forward",
     "self.output_padding != 0", {"scatter"}),
    ("m6.convtranspose.backward", "module6/transposed_conv.py", "ConvTranspose2D", "backward",
     "n == 2", set()),
    ("m6.upsample.nearest", "module6/upsample.py", "Upsample", "backward", "n == 2",
     {"forward"}),
    ("m6.upsample.bilinear", "module6/upsample.py", "Upsample", "backward", "n == 2",
     {"forward"}),
    ("m6.unet.encoder", "module6/unet.py", "UNetEncoder", "backward", "n == 2", {"forward"}),
    ("m6.unet.decoder", "module6/unet.py", "UNetDecoder", "backward", "n == 2", {"forward"}),
    ("m6.unet.gradcheck", "module6/unet.py", "SimpleUNet", "backward", "True", set()),
    ("m6.unet.transposed", "module6/unet.py", "SimpleUNet", "backward", "True", set()),
    ("m6.unet.shapes", "module6/unet.py", "SimpleUNet", "forward",
     "self.head.W.shape[0] > 3", {"nearest", "bilinear"}),
    ("m5.network.shapes", "module5/network.py", "SimpleConvNet", "backward", "True",
     {"mnist", "cifar"}),
    ("m5.network.gradcheck", "module5/network.py", "SimpleConvNet", "backward", "True", set()),
    ("m6.batchnorm.forward", "module6/batchnorm.py", "BatchNorm2D", "forward",
     "not self.training", {"train", "running"}),
    ("m5.optim.sgd", "module5/optim.py", "SGD", "step", "n == 2", set()),
    ("m5.optim.schedules", "module5/optim.py", "step_decay", None, "n == 2",
     {"constant", "exponential"}),
    ("m5.init", "module5/weight_init.py", "xavier_init", None, "n == 1", {"he"}),
    ("m5.softmax", "module5/loss.py", "softmax", None, "n == 2", {"stable"}),
    ("m5.layers.no_input_mutation", "module5/layers.py", "Conv2D", "forward", "True",
     {"fc", "relu", "sigmoid", "pool"}),
    ("m5.layers.params_live", "module5/layers.py", "Conv2D", "get_params_and_grads", "True",
     {"fc"}),
]


def raising_tree(tmp_path, file, owner, method, when):
    tree = copy_tree(ROOT / "reference", tmp_path / "tree")
    path = tree / file
    code = (INJECT.format(cls=owner, method=method, when=when) if method is not None
            else INJECT_FUNCTION.format(name=owner, when=when))
    path.write_text(path.read_text(encoding="utf-8") + code, encoding="utf-8")
    return tree


@pytest.mark.parametrize("check_id, file, owner, method, when, kept", MUTANTS,
                         ids=[f"{m[0]}:{m[2]}.{m[3] or ''}" for m in MUTANTS])
def test_a_raise_in_one_case_costs_only_what_needed_it(check_id, file, owner, method, when,
                                                       kept, tmp_path, grade_tree, checks):
    result = grade_tree(raising_tree(tmp_path, file, owner, method, when), [check_id])[check_id]
    spec = checks[check_id]
    parts = {p.name: p for p in result.parts} if result.parts else {
        "all": PartResult("all", result.status, result.points, result.max_points)}
    assert set(parts) == set(spec.parts)
    passed = {name for name, p in parts.items() if p.status == "PASS"}
    assert passed == kept, result
    share = {name: spec.points * w / sum(spec.parts.values()) for name, w in spec.parts.items()}
    assert result.points == pytest.approx(sum(share[n] for n in kept), abs=1e-4), result
    assert result.points < result.max_points, result
    text = " ".join(str((p.message or {}).get("en", "")) for p in parts.values()) + \
        str((result.message or {}).get("en", ""))
    assert "injected failure" in text, result


def test_every_multi_case_or_multi_part_check_has_a_raising_mutant(checks):
    covered = {m[0] for m in MUTANTS}
    wanted = set()
    for spec in checks.values():
        module = importlib.import_module(spec.file)
        source = textwrap.dedent(inspect.getsource(getattr(module, spec.func_name)))
        if "grade.cases(" in source or len(spec.parts) > 1:
            wanted.add(spec.id)
    learning = {"m5.network.overfit", "m6.unet.iou", "m6.resnet.residual_vs_plain",
                "m5.train.optimizer_schedule"}
    assert wanted - learning - covered == set()


def test_an_error_from_an_empty_window_shows_the_shapes_there(mutant, grade_tree):
    """A classic slip: the window is sliced with the wrong bounds, comes out empty, and
    numpy's message ("zero-size array to reduction operation ...") names no array."""
    tree = mutant(("module5/layers.py",
                   "        win = _windows(x, k, k, self.stride)               # (N, C, H', W', k, k)\n",
                   "        win = _windows(x, k, k, self.stride)\n"
                   "        window = x[:, :, x.shape[2]:, :k]\n"
                   "        window.max()\n"))
    result = grade_tree(tree, ["m5.maxpool.forward"])["m5.maxpool.forward"]
    assert result.status == "ERROR" and result.points == 0, result
    en = result.message["en"]
    assert "zero-size array" in en and "arrays there:" in en, en
    assert re.search(r"window \(\d+, \d+, 0, \d+\)", en), en
