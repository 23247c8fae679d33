"""The Module 5 demo (`python -m <tree>.module5.train_lenet`, logic in demos/lenet.py).

The command-line tests run the real entry points in a subprocess from the repository root;
the others call `run` / `main` in-process with the reference modules, or with a copy of the
reference tree into which one unfinished or buggy function has been patched.
"""
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from demos.lenet import main, run
from reference.module5 import network, optim
from tests.support.demo_runs import assert_stopped, patched_reference

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--data", "synthetic", "--no-download", "--epochs", "1",
         "--n-train", "256", "--n-test", "128"]


def demo(tree, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", f"{tree}.module5.train_lenet", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def quiet():
    return Console(file=io.StringIO(), width=200)


# --------------------------------------------------------------------------- CLI

def test_reference_cli_trains_one_epoch_on_generated_digits():
    proc = demo("reference", *SMALL)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    data_line = next(line for line in proc.stdout.splitlines() if line.startswith("Data:"))
    assert "generated digits" in data_line
    assert "44,426 parameters" in proc.stdout           # LeNet on (1, 28, 28)
    row = re.search(r"^\s+1\s+0\.01\s+(\d+\.\d+)\s+(\d+\.\d)%\s+(\d+\.\d)%\s+\d+\.\ds$",
                    proc.stdout, re.M)
    assert row, proc.stdout
    done = re.search(r"Done: test accuracy (\d+\.\d)% after 1 epoch on synthetic", proc.stdout)
    assert done and done.group(1) == row.group(3)


def test_exercises_tree_names_the_todo_without_a_traceback():
    proc = demo("exercises", *SMALL)
    assert_stopped(proc.returncode, proc.stdout, proc.stderr, [
        "SimpleConvNet.forward returned None: it is still a TODO in exercises/module5/network.py",
        "SimpleConvNet.__init__"])                      # the other skeleton that already ran


def test_missing_mnist_without_download_fails_with_advice(tmp_path):
    proc = demo("reference", "--data", "mnist", "--no-download", "--data-dir", str(tmp_path))
    assert_stopped(proc.returncode, proc.stdout, proc.stderr,
                   ["MNIST is not available", "--data synthetic"])
    assert list(tmp_path.rglob("*.gz")) == []             # nothing was fetched


def test_help_lists_every_option_with_an_example():
    proc = demo("reference", "--help")
    assert proc.returncode == 0
    for option in ("--epochs", "--n-train", "--n-test", "--batch-size", "--lr", "--momentum",
                   "--schedule", "--data", "--data-dir", "--no-download", "--seed"):
        assert option in proc.stdout
    assert "examples:" in proc.stdout
    assert "python -m exercises.module5.train_lenet --epochs" in proc.stdout


def test_bad_argument_is_a_usage_error(capsys):
    assert main(["--epochs", "0"], network=network, optim=optim) == 2
    assert "--epochs: must be at least 1" in capsys.readouterr().err


# --------------------------------------------------------------------------- training

@pytest.mark.slow
def test_reference_learns_generated_digits_well_above_chance():
    # Measured with seeds 0-7: final test accuracy 0.935-0.995 (seed 0: 0.99); chance is 0.1.
    result = run(["--data", "synthetic", "--no-download", "--epochs", "3", "--n-train", "1000",
                  "--n-test", "200", "--seed", "0"], network=network, optim=optim,
                 console=quiet())
    assert result["dataset"] == "synthetic"
    assert result["parameters"] == 44426
    epochs = result["epochs"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert [e["lr"] for e in epochs] == pytest.approx([0.01, 0.01, 0.005])   # step, every 2
    assert epochs[-1]["train_loss"] < 0.5 * epochs[0]["train_loss"]
    assert result["test_accuracy"] == epochs[-1]["test_accuracy"] > 0.8
    assert epochs[-1]["train_accuracy"] > 0.8


def test_same_seed_same_run_and_plain_sgd_with_exponential_decay():
    args = ["--data", "synthetic", "--no-download", "--epochs", "2", "--n-train", "64",
            "--n-test", "32", "--momentum", "0", "--schedule", "exp", "--batch-size", "16"]
    first = run(args, network=network, optim=optim, console=quiet())
    again = run(args, network=network, optim=optim, console=quiet())
    assert [e["lr"] for e in first["epochs"]] == pytest.approx([0.01, 0.009])
    assert [e["train_loss"] for e in first["epochs"]] == [e["train_loss"] for e in again["epochs"]]


def test_main_returns_zero_and_prints_the_data_set_first(capsys):
    assert main(SMALL[:-4] + ["--n-train", "32", "--n-test", "16", "--momentum", "0"],
                network=network, optim=optim) == 0
    out = capsys.readouterr().out
    assert out.startswith("Data: generated digits")
    assert "SGD(lr=0.01)" in out and "MomentumSGD" not in out


def test_nan_loss_stops_with_advice(capsys):
    code = main(SMALL[:-4] + ["--n-train", "256", "--n-test", "16", "--lr", "1e8"],
                network=network, optim=optim)
    err = capsys.readouterr().err
    assert code == 1
    assert re.search(r"loss became NaN at epoch 1, batch \d+: lower --lr", err), err


# --------------------------------------------------------------------------- learner mistakes

# Appended to one file of Module 5 in a copy of the reference tree; the later definition
# shadows the solved one, and network.py picks it up through its relative imports.
BROKEN = {
    "conv_forward_todo": ("layers.py", '''
class Conv2D(Conv2D):
    def forward(self, x):
        """A skeleton again."""
        # TODO: 實作
        pass
''', ["Conv2D.forward returned None: it is still a TODO in", "layers.py",
      "That made SimpleConvNet.forward fail with TypeError"]),
    "loss_todo": ("loss.py", '''
def cross_entropy_loss(scores, y):
    pass
''', ["cross_entropy_loss returned None: it is still a TODO in", "loss.py"]),
    "step_rebinds": ("optim.py", '''
class SGD(SGD):
    def step(self, params_and_grads):
        for param, grad in params_and_grads:
            param = param - self.lr * grad
''', ["SGD.step changed no parameter", "optim.py:", "in place"]),
    "relu_raises": ("layers.py", '''
class ReLU(ReLU):
    def forward(self, x):
        return x.reshape(len(x), 7, -1)
''', ["SimpleConvNet.forward raised ValueError: cannot reshape", "layers.py:",
      "in ReLU.forward", "return x.reshape(len(x), 7, -1)"]),
    "decay_todo": ("optim.py", '''
def step_decay(base_lr, epoch, drop=0.5, epochs_per_drop=10):
    pass
''', ["step_decay returned None: it is still a TODO in", "optim.py"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_learner_mistake_is_named_with_its_file(case, tmp_path, monkeypatch, capsys):
    filename, patch, expected = BROKEN[case]
    with patched_reference(tmp_path, monkeypatch, f"broken_{case}", f"module5/{filename}",
                           patch) as tree:
        code = main(SMALL[:-4] + ["--n-train", "32", "--n-test", "16", "--momentum", "0"],
                    network=tree("module5.network"), optim=tree("module5.optim"))
    captured = capsys.readouterr()
    assert_stopped(code, captured.out, captured.err, expected)
    assert "epoch " not in captured.out                   # stopped before training started
