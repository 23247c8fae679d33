"""The Module 6 BatchNorm2D and ResNet-block checks: each fails on a plausible wrong
implementation with the intended status and hint; the untouched exercises are TODO on all
of them; the residual-vs-plain experiment separates the reference from shortcut-less
blocks on 20 of 20 seeds; and a tree whose Conv2D loops over output positions (vectorised
over batch and channels) passes every required check here within the default timeouts.
"""
import importlib
import math
import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conv_variants import POSITIONS_CONV2D, with_conv2d
from given.experiments import residual as rx
from given.gradcheck import numerical_gradient
# The two ways of losing the shortcut (NO_SHORTCUT, NO_SHORTCUT_GRADIENT) are mutants of the
# catalogue; the 20-seed evidence below and test_mutants_trusted_verdicts.py use them too.
from grader.audit.catalogue.m6_resnet import NO_SHORTCUT, NO_SHORTCUT_GRADIENT, RVP
from grader.audit.mutants import BN, LAYERS, cases
from grader.plugin import check_seed as plugin_check_seed
from grader.suites import oracle_layers, oracles
from grader.suites import test_m6_resnet as suite
from grader.worker import import_tree

ROOT = Path(__file__).resolve().parents[2]

BN_CHECKS = ["m6.batchnorm.forward", "m6.batchnorm.backward"]
BLOCK_CHECKS = ["m6.basicblock.identity", "m6.basicblock.projection", "m6.basicblock.backward",
                "m6.bottleneck", "m6.resnet.residual_vs_plain"]

# (mutant, check id) of the shipped catalogue (grader/audit/catalogue/) for these checks.
MUTANTS = cases(BN_CHECKS + BLOCK_CHECKS)


@pytest.mark.parametrize("entry,check_id", MUTANTS, ids=[f"{c}:{m.name}" for m, c in MUTANTS])
def test_mutant_is_caught(entry, check_id, caught):
    caught(entry, check_id)


def test_every_check_has_a_mutant():
    assert {c for _, c in MUTANTS} == set(BN_CHECKS + BLOCK_CHECKS)


def test_untouched_exercises_are_todo(grade_tree):
    ids = BN_CHECKS + BLOCK_CHECKS
    results = grade_tree(ROOT / "exercises", ids)
    assert {i: r.status for i, r in results.items()} == {i: "TODO" for i in ids}


@pytest.mark.parametrize("todo_file,message", [(LAYERS, "Conv2D.forward returned None"),
                                               (BN, "BatchNorm2D.forward returned None")])
def test_blocks_on_a_layer_that_is_still_todo_are_todo(todo_file, message, mutant, grade_tree):
    """Blocks built from a Conv2D or BatchNorm2D that is still a TODO: TODO, not an error."""
    tree = mutant((todo_file, (ROOT / "reference" / todo_file).read_text(encoding="utf-8"),
                   (ROOT / "exercises" / todo_file).read_text(encoding="utf-8")))
    results = grade_tree(tree, BLOCK_CHECKS)
    assert {i: r.status for i, r in results.items()} == {i: "TODO" for i in BLOCK_CHECKS}
    assert all(message in r.message["en"] for r in results.values()), results


# -- the 20-seed evidence for the residual-vs-plain experiment ------------------------------------
def check_seed(base):
    """The seed the grader gives this check for `--seed base`."""
    return plugin_check_seed(base, RVP)


_TREES = {}


def in_process_tree(root):
    """(module5.layers, module6.resnet_blocks) of the tree at `root`, imported here."""
    if root not in _TREES:
        package = import_tree(root, f"_m6_evidence_{len(_TREES)}").__name__
        _TREES[root] = (importlib.import_module(f"{package}.module5.layers"),
                        importlib.import_module(f"{package}.module6.resnet_blocks"))
    return _TREES[root]


def evidence(base, roots):
    """The experiment for `--seed base` on the trees `roots` ({name: path}), in this
    process, with the check's own functions: each tree's residual run, and the plain run
    (oracle layers, the same for every tree). Returns {name: (passed, plain/residual loss,
    residual/plain first-layer gradient, run)} and the plain run; under "oracle" and
    "oracle_no_gradient", the residual runs in oracle layers the diagnosis compares with."""
    setup = suite.rvp_setup(check_seed(base))
    plain = suite.rvp_plain(setup)
    figures = {}
    for name, root in roots.items():
        run = suite.rvp_residual(*in_process_tree(root), setup)
        passed = suite.rvp_verdict({"residual": run, "plain": plain})[0]
        figures[name] = (passed, plain["loss"] / run["loss"],
                         run["first_grad"] / plain["first_grad"], run)
    for name, shortcut_gradient in (("oracle", True), ("oracle_no_gradient", False)):
        figures[name] = (None, None, None, suite.rvp_oracle_residual(setup, shortcut_gradient))
    return figures, plain


def given_plain_run(root, setup):
    """The plain run as given.experiments.residual.train_stack computes it, on the learner's
    own sub-layers (what the check did before it moved the plain run to oracle layers)."""
    stem, blocks = suite.rvp_build(*in_process_tree(root), setup)
    run = rx.train_stack(stem, blocks, setup["X"], setup["y"], suite.RVP["steps"],
                         suite.RVP["lr"], residual=False, head=setup["head"])
    return {"loss": run["losses"][-1], "first_grad": run["first_grad_norm"]}


def same_run(a, b):
    """The first gradients agree to rounding; the final losses to what 25 steps of SGD on a
    17-layer plain stack make of rounding (the trajectory amplifies a 1e-16 difference by
    ~3x a step near the end: measured ≤ 1e-5 relative)."""
    return math.isclose(a["first_grad"], b["first_grad"], rel_tol=1e-12) \
        and math.isclose(a["loss"], b["loss"], rel_tol=1e-4)


@pytest.mark.slow
def test_residual_vs_plain_separates_the_reference_from_shortcut_less_blocks_on_20_seeds(mutant):
    """For --seed 0..19: the reference passes; a block without its shortcut (forward and
    backward) fails, and so does one that adds x in forward but drops `+ d_sum` in backward;
    the oracle blocks (suite.rvp_oracle_residual) train exactly as the reference's and,
    without the shortcut's gradient, as the second mutant's.
    The trusted plain run (oracle layers) is the plain run the margins were measured with
    (the reference's sub-layers in given.experiments.residual.train_stack), and a block
    without its shortcut trains exactly as it does. Seeds run in parallel on two processes
    (forked: each imports the trees once)."""
    roots = {"reference": str(ROOT / "reference"),
             "no_shortcut": str(mutant(*NO_SHORTCUT)),
             "no_gradient": str(mutant(*NO_SHORTCUT_GRADIENT))}
    seeds = range(20)
    if "fork" in multiprocessing.get_all_start_methods():
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(evidence, seeds, [roots] * len(seeds)))
            given = list(pool.map(given_plain_run, [roots["reference"]] * len(seeds),
                                  [suite.rvp_setup(check_seed(b)) for b in seeds]))
    else:
        results = [evidence(base, roots) for base in seeds]
        given = [given_plain_run(roots["reference"], suite.rvp_setup(check_seed(b))) for b in seeds]
    table = {base: {name: (f[0], round(f[1], 3), round(f[2], 3)) for name, f in figures.items()
                    if name in roots}
             for base, (figures, _) in zip(seeds, results)}
    for base, (figures, plain), old in zip(seeds, results, given):
        assert same_run(plain, old), (base, plain, old)
        assert {name: figures[name][0] for name in roots} == \
            {"reference": True, "no_shortcut": False, "no_gradient": False}, (base, table[base])
        # Without the shortcut both runs are one and the same computation; the oracle
        # blocks train as the reference's, and with the same bug as the mutant's (what the
        # check's diagnosis rests on).
        assert same_run(figures["no_shortcut"][3], plain), (base, table[base])
        assert same_run(figures["reference"][3], figures["oracle"][3]), base
        assert same_run(figures["no_gradient"][3], figures["oracle_no_gradient"][3]), base
    # The margins hold with room to spare on every seed.
    assert min(t["reference"][1] for t in table.values()) >= 1.2 * suite.LOSS_MARGIN, table
    assert min(t["reference"][2] for t in table.values()) >= 1.4 * suite.GRAD_MARGIN, table
    assert max(t["no_gradient"][2] for t in table.values()) <= suite.GRAD_MARGIN / 2, table


def test_the_oracle_layers_are_the_oracles():
    """The plain run's trusted layers (grader/suites/oracle_layers.py) compute the suite
    oracles' convolution and batch norm, and their backward is the numerical gradient."""
    rng = np.random.default_rng(0)
    for pad, k in ((1, 3), (0, 3), (2, 5), (0, 1)):
        x = rng.standard_normal((2, 3, 6, 5))
        W, b = rng.standard_normal((4, 3, k, k)), rng.standard_normal(4)
        conv = oracle_layers.Conv2D(W, b, padding=pad)
        out = conv.forward(x)
        np.testing.assert_allclose(out, oracles.conv2d(x, W, b, 1, pad), rtol=1e-12, atol=1e-12)
        dout = rng.standard_normal(out.shape)
        dx = conv.backward(dout)
        want = oracles.conv2d_grads(x, W, b, 1, pad, dout)      # central differences
        for got, exact, numerical in zip((dx, conv.dW, conv.db),
                                         oracles.conv2d_backward(x, W, 1, pad, dout), want):
            np.testing.assert_allclose(got, exact, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(exact, numerical, rtol=1e-7, atol=1e-8)
    x = rng.standard_normal((3, 2, 4, 4)) * 2 + 1
    gamma, beta = rng.uniform(0.5, 1.5, 2), rng.standard_normal(2)
    bn = oracle_layers.BatchNorm2D(gamma, beta)
    out = bn.forward(x)
    np.testing.assert_allclose(out, oracles.bn_train(x, gamma, beta), rtol=1e-12)
    dout = rng.standard_normal(out.shape)
    dx = bn.backward(dout)
    for got, f, at in ((dx, lambda u: oracles.bn_train(u, gamma, beta), x),
                       (bn.dgamma, lambda u: oracles.bn_train(x, u, beta), gamma),
                       (bn.dbeta, lambda u: oracles.bn_train(x, gamma, u), beta)):
        np.testing.assert_allclose(got, numerical_gradient(f, at.copy(), dout), rtol=1e-6,
                                   atol=1e-8)
    relu = oracle_layers.ReLU()
    np.testing.assert_array_equal(relu.forward(x - 1), np.maximum(x - 1, 0))
    np.testing.assert_array_equal(relu.backward(dout), dout * (x - 1 > 0))


# -- fairness: a Conv2D that loops over output positions ------------------------------------------
def test_positions_loop_conv2d_passes_every_required_check(mutant, grade_tree, checks):
    tree = with_conv2d(mutant, POSITIONS_CONV2D)
    required = [i for i in BN_CHECKS + BLOCK_CHECKS if not checks[i].optional]
    results = grade_tree(tree, required)
    assert {i: r.status for i, r in results.items()} == {i: "PASS" for i in required}, results


def test_slow_conv2d_times_out_with_its_speed_and_what_to_do(mutant, grade_tree):
    """A Conv2D that takes 10 ms per forward, under a twentieth of the limits: the budget
    cannot fit, and the TIMEOUT says how long one step took, that Conv2D is the slow layer,
    and which --timeout-scale would do."""
    tree = mutant((LAYERS, "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n",
                   "        __import__('time').sleep(0.01)\n"
                   "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n"))
    result = grade_tree(tree, [RVP], timeout_scale=0.05)[RVP]
    assert result.status == "TIMEOUT", result
    for lang in ("en", "zh-TW"):
        text = result.message[lang]
        assert re.search(r"\d+\.\d{3} ", text) and re.search(r"--timeout-scale \d+", text), text
    en = result.message["en"]
    assert re.search(r"took 0\.[1-9]\d\d s", en), en
    assert "Most of each step is your Conv2D" in en, en