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

from grader.audit.mutants import OPTIM, cases
from grader.suites import oracles_m5_training as ot
from grader.worker import import_tree

ROOT = Path(__file__).resolve().parents[2]

TRAINING_CHECKS = ["m5.network.shapes", "m5.network.gradcheck", "m5.network.overfit",
                   "m5.optim.sgd", "m5.optim.momentum", "m5.optim.schedules", "m5.init",
                   "m5.train.optimizer_schedule", "m5.conv2d.vectorised"]
CONV_CHECKS = ["m5.conv2d.forward", "m5.conv2d.backward"]

# (mutant, check id) of the shipped catalogue (grader/audit/catalogue/) for these checks.
MUTANTS = cases(TRAINING_CHECKS)


@pytest.mark.parametrize("entry,check_id", MUTANTS, ids=[f"{c}:{m.name}" for m, c in MUTANTS])
def test_mutant_is_caught(entry, check_id, caught):
    caught(entry, check_id)


def test_every_check_has_a_mutant():
    assert {c for _, c in MUTANTS} == set(TRAINING_CHECKS)


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


# -- the known mistakes of the optimizer checks ---------------------------------------------
def test_every_init_mistake_is_told_apart_on_nearly_every_seed():
    """m5.init names a wrong std only where no other known mistake (nor the right rule)
    draws stds within the separation on every shape it judges: on the shapes the check
    draws, that still leaves each mistake named for at least 95 seeds of 100."""
    from grader.plugin import check_seed
    from grader.suites.mistakes import m5_optim as mistakes
    from grader.suites.test_m5_optim import init_shapes
    shapes = [list(init_shapes(np.random.default_rng(check_seed(s, "m5.init"))).values())
              for s in range(100)]
    for key, (inits, _) in mistakes._STDS.items():
        for init in inits:
            told = sum(mistakes._std(key, init, s) is not None for s in shapes)
            assert told >= 95, (key, init, told)


def test_momentum_in_the_other_form_passes_the_momentum_check(mutant, grade_tree):
    """v = β·v + grad, w −= lr·v is the course's momentum while the rate is fixed: the
    momentum check passes it; only train() with a schedule tells them apart (and names it,
    train_momentum_lr_outside)."""
    result = grade_tree(mutant((OPTIM, "            v -= self.lr * grad\n            param += v\n",
                                "            v += grad\n            param -= self.lr * v\n")),
                        ["m5.optim.momentum"])["m5.optim.momentum"]
    assert result.status == "PASS", result
