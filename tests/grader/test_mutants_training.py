"""The Module 5 network, optimizer, schedule, initialisation, train() and speed checks: each
fails on a plausible wrong implementation with the intended status and hint; the untouched
exercises are TODO on all of them; and the grader is fair to honest loop-based learners
(issue 3, item 8):

(a) a Conv2D that loops over output positions (vectorised over batch and channels, no
    im2col) passes every required check of these suites and the Conv2D checks;
(b) a Conv2D with four nested Python loops passes the shape and whole-network gradient
    checks, and on the overfit check either passes or gets a TIMEOUT whose message says how
    slow its Conv2D measured and what to do.
"""
import importlib
import re

from pathlib import Path

import numpy as np
import pytest
from conv_variants import FOUR_LOOP_CONV2D, POSITIONS_CONV2D, with_conv2d

from grader.suites import oracles_m5_training as ot
from grader.worker import import_tree

ROOT = Path(__file__).resolve().parents[2]

NET = "module5/network.py"
LAYERS = "module5/layers.py"
OPTIM = "module5/optim.py"
INIT = "module5/weight_init.py"

TRAINING_CHECKS = ["m5.network.shapes", "m5.network.gradcheck", "m5.network.overfit",
                   "m5.optim.sgd", "m5.optim.momentum", "m5.optim.schedules", "m5.init",
                   "m5.train.optimizer_schedule", "m5.conv2d.vectorised"]
CONV_CHECKS = ["m5.conv2d.forward", "m5.conv2d.backward"]

MUTANTS = [
    # (check id, edits, expected status, text the hint or message must contain)
    # -- SimpleConvNet shapes
    ("m5.network.shapes",
     [(NET, "FullyConnected(16 * h * w, 120), ReLU(),", "FullyConnected(256, 120), ReLU(),")],
     "PARTIAL", "the first FullyConnected takes 16·h·w inputs"),
    ("m5.network.shapes",
     [(NET, "for pair in layer.get_params_and_grads()]",
       "for pair in layer.get_params_and_grads()][:-2]")],
     "PARTIAL", "expected 10 (param, grad) pairs"),
    # -- whole-network gradient check
    ("m5.network.gradcheck",
     [(NET, "        return dout\n", "        pass\n")],
     "PARTIAL", "should return the gradient w.r.t. the input"),
    ("m5.network.gradcheck",
     [(NET, "return [pair for layer in self.layers for pair in layer.get_params_and_grads()]",
       "return [(p.copy(), g) for layer in self.layers for p, g in layer.get_params_and_grads()]")],
     "PARTIAL", "not copies"),
    ("m5.network.gradcheck",
     [(LAYERS, "self.dW = x.T @ dout", "self.dW = 0.5 * (x.T @ dout)")],
     "PARTIAL", "the numerical gradient is"),
    # -- overfit a tiny batch
    ("m5.network.overfit",
     [(NET, "optimizer.step(model.get_params_and_grads())", "optimizer.step([])")],
     "FAIL", "the updates never reach the network"),
    ("m5.network.overfit",
     [(OPTIM, "v -= self.lr * grad", "v += self.lr * grad")],
     "FAIL", "expected below"),
    # -- SGD
    ("m5.optim.sgd",
     [(OPTIM, "param -= self.lr * grad", "param = param - self.lr * grad")],
     "FAIL", "update it in place"),
    ("m5.optim.sgd",
     [(OPTIM, "def __init__(self, lr=0.01):\n        self.lr = lr\n",
       "def __init__(self, lr=0.01):\n        self.lr = self._lr = lr\n"),
      (OPTIM, "param -= self.lr * grad", "param -= self._lr * grad")],
     "FAIL", "step must read self.lr when it runs"),
    # -- MomentumSGD
    ("m5.optim.momentum",
     [(OPTIM, "v = self.velocities.get(id(param))", "v = self.velocities.get(0)"),
      (OPTIM, "v = self.velocities[id(param)] = np.zeros_like(param)",
       "v = self.velocities[0] = np.zeros_like(param)")],
     "PARTIAL", "every parameter needs its own velocity"),
    ("m5.optim.momentum",
     [(OPTIM, "v = self.velocities.get(id(param))", "v = None")],
     "PARTIAL", "keep each velocity between steps"),
    ("m5.optim.momentum",
     [(OPTIM, "v -= self.lr * grad", "v += self.lr * grad")],
     "FAIL", "wrong sign"),
    # -- schedules
    ("m5.optim.schedules",
     [(OPTIM, "return base_lr * drop ** (epoch // epochs_per_drop)",
       "return base_lr * drop ** (epoch / epochs_per_drop)")],
     "PARTIAL", "integer division"),
    ("m5.optim.schedules",
     [(OPTIM, "return base_lr * decay_rate ** epoch", "return base_lr * decay_rate ** (epoch + 1)")],
     "PARTIAL", "epoch 0 gives base_lr"),
    ("m5.optim.schedules",
     [(OPTIM, "    return base_lr\n", "    return base_lr * 0.1 ** epoch\n")],
     "PARTIAL", "constant("),
    # -- weight initialisation
    ("m5.init",
     [(INIT, "return shape[1] * receptive, shape[0] * receptive", "return shape[1], shape[0]")],
     "FAIL", "your std matches sqrt(2 / C_in) with C_in ="),
    ("m5.init",
     [(INIT, "fan_in, _ = _fans(tuple(shape))", "_, fan_in = _fans(tuple(shape))")],
     "PARTIAL", "he_init: your std matches sqrt(2 / M)"),
    # -- train() with optimizer and schedule
    ("m5.train.optimizer_schedule",
     [(NET, "lr = base_lr if schedule is None else schedule(base_lr, epoch)", "lr = base_lr")],
     "FAIL", "the rate never changes"),
    ("m5.train.optimizer_schedule",
     [(NET, "schedule(base_lr, epoch)", "schedule(base_lr, epoch + 1)")],
     "FAIL", "off by one epoch"),
    ("m5.train.optimizer_schedule",
     [(NET, "optimizer.step(model.get_params_and_grads())",
       "[p.__isub__(lr * g) for p, g in model.get_params_and_grads()]")],
     "FAIL", "the schedule is used but not the optimizer"),
    ("m5.train.optimizer_schedule",
     [(NET, "schedule(base_lr, epoch)",
       "schedule(base_lr if optimizer is None else optimizer.lr, epoch)")],
     "FAIL", "applied to the current rate"),
    # -- the speed bonus: correct values first, then the ratio
    ("m5.conv2d.vectorised",
     [(LAYERS, "self.db = dout_rows.sum(axis=0)", "self.db = dout_rows.mean(axis=0)")],
     "FAIL", "db is wrong"),
]


@pytest.mark.parametrize("check_id,edits,status,hint", MUTANTS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(check_id, edits, status, hint, caught):
    caught(check_id, edits, status, hint)


def test_untouched_exercises_are_todo(grade_tree):
    results = grade_tree(ROOT / "exercises", TRAINING_CHECKS)
    assert {i: r.status for i, r in results.items()} == {i: "TODO" for i in TRAINING_CHECKS}


# -- fairness to honest loop-based learners (issue 3, item 8) -----------------------------
def test_positions_loop_conv2d_passes_every_required_check(mutant, grade_tree, checks):
    required = [i for i in TRAINING_CHECKS + CONV_CHECKS if not checks[i].optional]
    results = grade_tree(with_conv2d(mutant, POSITIONS_CONV2D), required + ["m5.conv2d.vectorised"])
    assert {i: results[i].status for i in required} == {i: "PASS" for i in required}, results
    # ... and it is no im2col: the speed bonus says so.
    bonus = results["m5.conv2d.vectorised"]
    assert bonus.status == "FAIL" and "loop over the kh·kw kernel offsets" in bonus.hint["en"]


def test_four_loop_conv2d_passes_shapes_and_gradients_and_a_tiny_limit_names_it(
        mutant, grade_tree):
    tree = with_conv2d(mutant, FOUR_LOOP_CONV2D)
    results = grade_tree(tree, ["m5.network.shapes", "m5.network.gradcheck"])
    assert {i: r.status for i, r in results.items()} == \
        {"m5.network.shapes": "PASS", "m5.network.gradcheck": "PASS"}, results
    # At default limits it trains too (tests/grader/test_naive_trees.py); a tiny scale makes
    # the budget too short, and the TIMEOUT names Conv2D with its measured time.
    overfit = grade_tree(tree, ["m5.network.overfit"], timeout_scale=0.05)["m5.network.overfit"]
    assert overfit.status == "TIMEOUT", overfit
    en, zh = overfit.message["en"], overfit.message["zh-TW"]
    assert re.search(r"Most of each step is your Conv2D: \d+ ms per step", en), en
    assert re.search(r"--timeout-scale \d+", en) and re.search(r"--timeout-scale \d+", zh), zh


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_the_trusted_lenet_forward_is_the_reference_network(shape):
    """The overfit and gradient checks judge ot.lenet_forward of the parameters: on the
    reference it is the reference's own forward, whatever order the parameters come in."""
    package = import_tree(str(ROOT / "reference"), "_lenet_reference").__name__
    network = importlib.import_module(f"{package}.module5.network")
    rng = np.random.default_rng(0)
    model = network.SimpleConvNet(input_shape=shape, num_classes=7)
    for layer in model.layers:                      # biases too: all of them matter
        if hasattr(layer, "b"):
            layer.b = rng.standard_normal(layer.b.shape)
    x = rng.standard_normal((3, *shape))
    model.backward(np.zeros_like(model.forward(x)))
    params = [p for p, _ in model.get_params_and_grads()]
    ordered = ot.lenet_parameters(params[::-1], shape, 7)
    assert [p.shape for p in ordered] == ot.lenet_param_shapes(*shape, 7)
    np.testing.assert_allclose(ot.lenet_forward(ordered, x), model.forward(x), rtol=1e-10,
                               atol=1e-10)
    assert ot.lenet_parameters(params[:-1], shape, 7) is None
