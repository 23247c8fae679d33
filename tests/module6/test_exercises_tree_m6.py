"""The learner's Module 6 tree: importable, the seed's skeletons in place, every TODO returns
None, the given (non-TODO) code identical to the reference, and the same public API."""
import importlib
import re

import pytest

from grader.skeleton import is_branching_stub, is_skeleton, is_stub
from tests.support.exercise_tree import (SEEDS, Trees, first_line_out_of_order, function_text,
                                         lost_todo_comments, rand, seed_skeletons)

SEED = SEEDS / "000_7f7b4b1fdabadde8.txt"
MODULES = ["batchnorm", "resnet_blocks", "upsample", "transposed_conv", "unet"]
TREES = Trees("module6")
source, functions = TREES.source, TREES.functions


def _eval(layer):
    layer.training = False
    return layer


def _bare(cls):
    return object.__new__(cls)


# How to call each TODO function with plausible arguments. The tests below assert that
# this table and the TODO functions found in the files are the same set.
STUB_CALLS = {
    ("batchnorm", "BatchNorm2D.forward"): lambda m: m.BatchNorm2D(3).forward(rand(2, 3, 4, 4)),
    ("batchnorm", "BatchNorm2D.forward[eval]"):
        lambda m: _eval(m.BatchNorm2D(3)).forward(rand(2, 3, 4, 4)),
    ("batchnorm", "BatchNorm2D.backward"): lambda m: m.BatchNorm2D(3).backward(rand(2, 3, 4, 4)),
    ("resnet_blocks", "BasicBlock.forward"): lambda m: m.BasicBlock(2, 2).forward(rand(2, 2, 4, 4)),
    ("resnet_blocks", "BasicBlock.backward"):
        lambda m: m.BasicBlock(2, 4, 2).backward(rand(2, 4, 2, 2)),
    ("resnet_blocks", "Bottleneck.forward"): lambda m: m.Bottleneck(8, 2).forward(rand(2, 8, 4, 4)),
    ("resnet_blocks", "Bottleneck.backward"): lambda m: m.Bottleneck(8, 2).backward(rand(2, 8, 4, 4)),
    ("upsample", "Upsample.forward"): lambda m: m.Upsample(2, "bilinear").forward(rand(1, 2, 3, 3)),
    ("upsample", "Upsample.backward"): lambda m: m.Upsample(2).backward(rand(1, 2, 6, 6)),
    ("transposed_conv", "ConvTranspose2D.forward"):
        lambda m: m.ConvTranspose2D(2, 3, 2, stride=2).forward(rand(1, 2, 3, 3)),
    ("transposed_conv", "ConvTranspose2D.backward"):
        lambda m: m.ConvTranspose2D(2, 3, 2, stride=2).backward(rand(1, 3, 6, 6)),
    ("unet", "UNetEncoder.__init__"): lambda m: m.UNetEncoder.__init__(_bare(m.UNetEncoder), 1, 8),
    ("unet", "UNetEncoder.forward"): lambda m: m.UNetEncoder(1, 8).forward(rand(1, 1, 8, 8)),
    ("unet", "UNetEncoder.backward"):
        lambda m: m.UNetEncoder(1, 8).backward(rand(1, 8, 4, 4), rand(1, 8, 8, 8)),
    ("unet", "UNetDecoder.__init__"):
        lambda m: m.UNetDecoder.__init__(_bare(m.UNetDecoder), 24, 8, "bilinear"),
    ("unet", "UNetDecoder.forward"):
        lambda m: m.UNetDecoder(24, 8).forward(rand(1, 16, 4, 4), rand(1, 8, 8, 8)),
    ("unet", "UNetDecoder.backward"): lambda m: m.UNetDecoder(24, 8).backward(rand(1, 8, 8, 8)),
    ("unet", "SimpleUNet.__init__"):
        lambda m: m.SimpleUNet.__init__(_bare(m.SimpleUNet), 1, 2, "transposed"),
    ("unet", "SimpleUNet.forward"): lambda m: m.SimpleUNet().forward(rand(1, 1, 16, 16)),
    ("unet", "SimpleUNet.backward"): lambda m: m.SimpleUNet().backward(rand(1, 2, 16, 16)),
}


def todo_functions():
    found = set()
    for module in MODULES:
        for name, fn in functions("exercises", module).items():
            if is_stub(fn):
                found.add((module, name))
            elif is_branching_stub(fn):
                found |= {(module, name), (module, f"{name}[eval]")}
    return found


@pytest.mark.parametrize("module", MODULES)
def test_exercise_modules_import(module):
    importlib.import_module(f"exercises.module6.{module}")


def test_stub_table_matches_the_files():
    assert todo_functions() == set(STUB_CALLS)


def test_batchnorm_forward_is_the_only_branching_todo():
    branching = {(m, n) for m in MODULES for n, fn in functions("exercises", m).items()
                 if is_branching_stub(fn)}
    assert branching == {("batchnorm", "BatchNorm2D.forward")}


@pytest.mark.parametrize("key", list(STUB_CALLS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_todo_returns_none(key):
    module = importlib.import_module(f"exercises.module6.{key[0]}")
    assert STUB_CALLS[key](module) is None


@pytest.mark.parametrize("module", MODULES)
def test_every_todo_keeps_a_chinese_todo_comment(module):
    lost = lost_todo_comments(source("exercises", module), is_skeleton)
    assert not lost, f"{module}: {lost} lost their TODO"


def test_batchnorm_forward_keeps_both_todo_branches():
    fn = functions("exercises", "batchnorm")["BatchNorm2D.forward"]
    body = function_text(source("exercises", "batchnorm"), fn)
    assert "# TODO: 計算 batch mean/var，normalize，scale & shift" in body
    assert "# TODO: 用 running mean/var" in body


@pytest.mark.parametrize("module", MODULES)
def test_given_code_is_identical_in_both_trees(module):
    """Everything that is not a TODO (constructors, get_params_and_grads, Upsample's mode
    check) is the same code in both trees, docstrings aside. Private helpers of the
    reference (e.g. upsample._bilinear_matrix) are the reference's own business."""
    assert TREES.compare_given_code(module, is_skeleton) >= 1


def test_given_code_covers_what_the_learner_does_not_write():
    """The non-TODO functions, by name: what the exercises hand out complete."""
    given = {(m, n) for m in MODULES for n, fn in functions("exercises", m).items()
             if not is_skeleton(fn)}
    assert given == {
        ("batchnorm", "BatchNorm2D.__init__"), ("batchnorm", "BatchNorm2D.get_params_and_grads"),
        ("resnet_blocks", "BasicBlock.__init__"), ("resnet_blocks", "BasicBlock.get_params_and_grads"),
        ("resnet_blocks", "Bottleneck.__init__"), ("resnet_blocks", "Bottleneck.get_params_and_grads"),
        ("upsample", "Upsample.__init__"), ("upsample", "Upsample.get_params_and_grads"),
        ("transposed_conv", "ConvTranspose2D.__init__"),
        ("transposed_conv", "ConvTranspose2D.get_params_and_grads"),
        ("unet", "UNetEncoder.get_params_and_grads"), ("unet", "UNetDecoder.get_params_and_grads"),
        ("unet", "SimpleUNet.get_params_and_grads"),
    }


@pytest.mark.parametrize("module", MODULES)
def test_public_api_equals_the_reference(module):
    """Classes, their methods and signatures, and class attributes (Bottleneck.expansion):
    grader.audit.api, what the audit compares."""
    diff = TREES.api_difference(module)
    assert diff is None, diff
    assert TREES.api("reference", module), f"{module} exposes nothing"


def test_package_imports_are_relative():
    """Both trees reach Module 5 through the tree itself (`from ..module5.layers import`),
    never through `reference` or `exercises` by name, so any directory with the layout grades."""
    for tree in ("exercises", "reference"):
        for module in MODULES:
            text = source(tree, module)
            assert not re.search(r"^\s*(from|import)\s+(reference|exercises)\b", text, flags=re.M), \
                f"{tree}/module6/{module}.py imports a tree by name"


# --------------------------------------------------------------------------- the seed

# Lines the issue changes on purpose: the decoder and the U-Net gain `upsample=`.
AMENDED = {
    "unet": [
        ("class UNetDecoder:", "def __init__(self, in_channels, out_channels):",
         'def __init__(self, in_channels, out_channels, upsample="nearest"):'),
        ("class SimpleUNet:", "def __init__(self, in_channels=1, n_classes=2):",
         'def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):'),
    ],
}


def _amended_lines(module, skeleton):
    lines = [l.strip() for l in skeleton.splitlines()]
    for anchor, old, new in AMENDED.get(module, []):
        start = lines.index(anchor)
        lines[lines.index(old, start)] = new
    return lines


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the repository")
def test_seed_gives_the_three_skeletons():
    assert set(seed_skeletons(SEED)) >= {"batchnorm", "resnet_blocks", "unet"}


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the repository")
@pytest.mark.parametrize("module", ["batchnorm", "resnet_blocks", "unet"])
def test_seed_skeleton_is_in_the_exercises_verbatim(module):
    """Every line of the seed's 程式碼骨架 appears, in order, in the exercise file (the file
    may add lines around them: imports, docstrings, get_params_and_grads, Bottleneck). The
    only changed lines are the two `upsample=` signatures the issue asks for."""
    missing = first_line_out_of_order(_amended_lines(module, seed_skeletons(SEED)[module]),
                                      source("exercises", module))
    assert missing is None, \
        f"seed line missing or out of order in exercises/module6/{module}.py: {missing!r}"
