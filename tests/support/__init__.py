"""Helpers the project's tests share across their directories (imported as `tests.support.…`;
the tests run with `python -m pytest` from the repository root, as `kit.py test` does).

- `loop_oracles`: plain-loop convolution, train-mode batch norm and ReLU, the independent
  oracles of the reference tests;
- `layer_checks`: a layer's gradients against given.gradcheck, and forward / backward
  leaving their inputs alone;
- `torch_oracle`: comparing our arrays with PyTorch float64 tensors;
- `exercise_tree`: reading the learner's tree and the seed's skeletons;
- `demo_runs`: a reference tree with one learner mistake patched in, and what a demo that
  stops at a TODO must say;
- `kit_env`: a stand-in for kit.py's installed .venv, to run its tasks without installing.

Their asserts are rewritten by pytest like a test module's, so a failure shows its values.
"""
import pytest

pytest.register_assert_rewrite(
    "tests.support.demo_runs", "tests.support.exercise_tree", "tests.support.layer_checks",
    "tests.support.loop_oracles", "tests.support.torch_oracle")
