"""The learner's tree: importable, the seed's skeletons in place, every TODO a `pass` that
returns None, and the same public API as the reference."""
import importlib

import numpy as np
import pytest

from grader.skeleton import is_stub
from tests.support.exercise_tree import (SEEDS, Trees, first_line_out_of_order,
                                         lost_todo_comments, rand, seed_skeletons)

SEED = SEEDS / "002_3cf4cf498c125a5c.txt"
MODULES = ["layers", "loss", "network", "optim", "weight_init"]
TREES = Trees("module5")
source, functions = TREES.source, TREES.functions


def _after_forward(layer, x):
    layer.forward(x)
    return layer


# How to call each TODO stub. The test below also asserts that this table and the stubs
# found in the files are the same set, so neither can drift.
STUB_CALLS = {
    ("layers", "FullyConnected.forward"): lambda m: m.FullyConnected(3, 2).forward(rand(4, 3)),
    ("layers", "FullyConnected.backward"): lambda m: m.FullyConnected(3, 2).backward(rand(4, 2)),
    ("layers", "ReLU.forward"): lambda m: m.ReLU().forward(rand(2, 3)),
    ("layers", "ReLU.backward"): lambda m: _after_forward(m.ReLU(), rand(2, 3)).backward(rand(2, 3)),
    ("layers", "Sigmoid.forward"): lambda m: m.Sigmoid().forward(rand(2, 3)),
    ("layers", "Sigmoid.backward"): lambda m: m.Sigmoid().backward(rand(2, 3)),
    ("layers", "Conv2D.forward"): lambda m: m.Conv2D(1, 2, 3).forward(rand(1, 1, 5, 5)),
    ("layers", "Conv2D.backward"): lambda m: m.Conv2D(1, 2, 3).backward(rand(1, 2, 3, 3)),
    ("layers", "MaxPool2D.forward"): lambda m: m.MaxPool2D(2).forward(rand(1, 1, 4, 4)),
    ("layers", "MaxPool2D.backward"): lambda m: m.MaxPool2D(2).backward(rand(1, 1, 2, 2)),
    ("loss", "softmax"): lambda m: m.softmax(rand(2, 3)),
    ("loss", "cross_entropy_loss"): lambda m: m.cross_entropy_loss(rand(2, 3), np.array([0, 2])),
    ("network", "SimpleConvNet.__init__"): lambda m: m.SimpleConvNet.__init__(
        object.__new__(m.SimpleConvNet), (1, 28, 28), 10),
    ("network", "SimpleConvNet.forward"): lambda m: m.SimpleConvNet().forward(rand(1, 1, 28, 28)),
    ("network", "SimpleConvNet.backward"): lambda m: m.SimpleConvNet().backward(rand(1, 10)),
    ("network", "SimpleConvNet.get_params_and_grads"):
        lambda m: m.SimpleConvNet().get_params_and_grads(),
    ("optim", "SGD.step"): lambda m: m.SGD(0.1).step([(rand(2), rand(2))]),
    ("optim", "MomentumSGD.step"): lambda m: m.MomentumSGD(0.1).step([(rand(2), rand(2))]),
    ("optim", "constant"): lambda m: m.constant(0.1, 3),
    ("optim", "step_decay"): lambda m: m.step_decay(0.1, 3),
    ("optim", "exponential_decay"): lambda m: m.exponential_decay(0.1, 3),
    ("weight_init", "he_init"): lambda m: m.he_init((3, 4)),
    ("weight_init", "xavier_init"): lambda m: m.xavier_init((3, 4)),
}


@pytest.mark.parametrize("module", MODULES)
def test_exercise_modules_import(module):
    importlib.import_module(f"exercises.module5.{module}")


def test_stub_table_matches_the_files():
    found = {(module, name) for module in MODULES
             for name, fn in functions("exercises", module).items() if is_stub(fn)}
    assert found == set(STUB_CALLS)


@pytest.mark.parametrize("key", list(STUB_CALLS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_todo_returns_none(key):
    module = importlib.import_module(f"exercises.module5.{key[0]}")
    assert STUB_CALLS[key](module) is None


@pytest.mark.parametrize("module", MODULES)
def test_every_stub_keeps_a_chinese_todo_comment(module):
    lost = lost_todo_comments(source("exercises", module), is_stub)
    assert not lost, f"{module}: {lost} lost their TODO"


@pytest.mark.parametrize("module", MODULES)
def test_given_code_is_identical_in_both_trees(module):
    """Everything that is not a TODO (constructors, Flatten, plumbing) is the same code in
    both trees, so a learner never works against a different scaffold than the reference."""
    TREES.compare_given_code(module, is_stub)


@pytest.mark.parametrize("module", MODULES)
def test_public_api_equals_the_reference(module):
    """Classes, their methods and signatures (grader.audit.api, what the audit compares)."""
    diff = TREES.api_difference(module)
    assert diff is None, diff
    assert TREES.api("reference", module), f"{module} exposes nothing"


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the repository")
@pytest.mark.parametrize("module", ["layers", "loss", "network"])
def test_seed_skeleton_is_in_the_exercises_verbatim(module):
    """Every line of the seed's 程式碼骨架 appears, in order, in the exercise file (the
    file may add lines around them). The one line that must change is train's signature,
    which gains optimizer= and schedule=."""
    changed = {"def train(model, X_train, y_train, lr=0.01, epochs=10, batch_size=32):"}
    wanted = [line.strip() for line in seed_skeletons(SEED)[module].splitlines()
              if line.strip() not in changed]
    missing = first_line_out_of_order(wanted, source("exercises", module))
    assert missing is None, \
        f"seed line missing or out of order in exercises/module5/{module}.py: {missing!r}"
