"""The Module 6 demos (`python -m <tree>.module6.compare_resnet` / `.train_unet`, logic in
demos/resnet.py and demos/unet.py, their pictures in demos/common.py).

The command-line tests run the real entry points in a subprocess from the repository root
with tiny settings; the others call the `*_run` functions in-process with the reference
modules, or with a copy of the reference tree into which one unfinished function is patched.
"""
import importlib.util
import io
import pickle
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from demos import resnet as resnet_demo
from demos import unet as unet_demo
from demos.common import Learner, braille_plot, render_images
from reference.module5 import layers, loss, optim
from reference.module6 import resnet_blocks, unet
from tests.support.demo_runs import assert_stopped, patched_reference

ROOT = Path(__file__).resolve().parents[2]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
RESNET_SMALL = ["--data", "synthetic", "--no-download", "--epochs", "1", "--n-train", "64",
                "--n-test", "32", "--depth", "2"]
UNET_SMALL = ["--size", "16", "--n-train", "16", "--n-test", "8", "--steps", "8",
              "--batch-size", "4", "--show", "2"]
MODULES = dict(resnet_blocks=resnet_blocks, layers=layers, loss=loss, optim=optim)


def demo(tree, script, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", f"{tree}.module6.{script}", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def quiet():
    return Console(file=io.StringIO(), width=120)


def assert_png(proc, png):
    if HAS_MATPLOTLIB:
        assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"Saved: {png}" in proc.stdout
    else:
        assert not png.exists()
        assert "No PNG: matplotlib is not installed" in proc.stdout


# --------------------------------------------------------------------------- compare_resnet

def test_reference_compare_resnet_falls_back_to_generated_data_and_says_so(tmp_path):
    png = tmp_path / "curves.png"
    proc = demo("reference", "compare_resnet", *RESNET_SMALL[2:], "--data", "auto",
                "--no-download", "--data-dir", str(tmp_path / "empty"), "--png", str(png))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    data_line = proc.stdout.splitlines()[0]
    assert data_line.startswith("Data: generated colour digits (3, 32, 32)")
    assert "CIFAR-10 not used: CIFAR-10 not found" in data_line
    assert "5 conv layers each (2 BasicBlocks" in proc.stdout
    assert re.search(r"^\s+1\s+\d+\.\d{4}\s+\d+\.\d{4}\s+\d+\.\d%\s+\d+\.\d%", proc.stdout, re.M)
    assert re.search(r"Done: final training loss residual \d+\.\d{4} vs plain \d+\.\d{4}",
                     proc.stdout)
    assert "━━ residual" in proc.stdout and "━━ plain" in proc.stdout
    assert re.search("[\u2801-\u28ff]", proc.stdout)               # the braille curves
    assert_png(proc, png)


def write_tiny_cifar(folder, per_batch=6):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": [int(v) for v in rng.integers(0, 10, per_batch)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=3))


def test_reference_compare_resnet_on_cifar_batches_from_the_data_dir(tmp_path):
    write_tiny_cifar(tmp_path / "cifar10" / "cifar-10-batches-py")
    png = tmp_path / "out" / "c.png"
    proc = demo("reference", "compare_resnet", "--data", "cifar", "--no-download",
                "--data-dir", str(tmp_path), "--epochs", "1", "--n-train", "24", "--n-test",
                "6", "--depth", "1", "--batch-size", "12", "--png", str(png))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("Data: CIFAR-10 from ")
    assert "(24 train / 6 test)" in proc.stdout
    assert_png(proc, png)


@pytest.mark.parametrize("script, args, expected", [
    ("compare_resnet", RESNET_SMALL,
     ["Conv2D.forward returned None: it is still a TODO in exercises/module5/layers.py",
      "Finish it"]),
    ("train_unet", UNET_SMALL,
     ["SimpleUNet.forward returned None: it is still a TODO in exercises/module6/unet.py",
      "SimpleUNet.__init__"]),
], ids=["compare_resnet", "train_unet"])
def test_exercises_demo_names_the_todo_without_a_traceback(script, args, expected, tmp_path):
    proc = demo("exercises", script, *args, "--png", str(tmp_path / "x.png"))
    assert_stopped(proc.returncode, proc.stdout, proc.stderr, expected)
    assert not (tmp_path / "x.png").exists()


def test_compare_resnet_help_and_usage_errors(capsys):
    proc = demo("reference", "compare_resnet", "--help")
    assert proc.returncode == 0
    for option in ("--depth", "--epochs", "--n-train", "--batch-size", "--lr", "--data",
                   "--data-dir", "--no-download", "--seed", "--png"):
        assert option in proc.stdout
    assert "python -m exercises.module6.compare_resnet --depth" in proc.stdout
    assert resnet_demo.main(["--depth", "0"], **MODULES) == 2
    assert "--depth: must be at least 1" in capsys.readouterr().err
    assert resnet_demo.main(["--data", "mnist"], **MODULES) == 2


def test_missing_cifar_without_download_fails_with_advice(tmp_path, capsys):
    code = resnet_demo.main(["--data", "cifar", "--no-download", "--data-dir",
                                str(tmp_path)], **MODULES)
    err = capsys.readouterr().err
    assert code == 1
    assert "CIFAR-10 is not available" in err and "--data synthetic" in err
    assert list(tmp_path.iterdir()) == []


def test_twins_start_equal_and_differ_only_in_the_shortcut():
    learner = Learner(resnet_blocks)
    np.random.seed(0)
    residual, plain = resnet_demo._build_nets(learner, resnet_blocks, layers, depth=2)
    for a, b in zip(residual.blocks, plain.blocks):
        for attr in ("conv1", "conv2"):
            wa, wb = getattr(a, attr).W, getattr(b, attr).W
            assert np.array_equal(wa, wb) and wa is not wb
    x = np.random.default_rng(0).random((3, 3, 32, 32))
    res, pl = residual.forward(learner, x), plain.forward(learner, x)
    assert res.shape == pl.shape == (3, 10)
    # The plain twin is exactly the residual net with each block's "+ x" removed.
    h = x
    for layer in plain.stem:
        h = layer.forward(h)
    for block in plain.blocks:
        h = block.relu2.forward(block.bn2.forward(block.conv2.forward(
            block.relu1.forward(block.bn1.forward(block.conv1.forward(h))))))
    np.testing.assert_allclose(pl, plain.fc.forward(h.mean(axis=(2, 3))), rtol=1e-12)
    assert not np.allclose(res, pl)


def test_same_seed_same_losses_and_the_result_dict():
    args = RESNET_SMALL + ["--n-train", "32", "--png", "/nonexistent/never-written.png"]
    first = resnet_demo.run(args, **MODULES, console=quiet())
    again = resnet_demo.run(args, **MODULES, console=quiet())
    assert first["batch_losses"] == again["batch_losses"]
    assert first["dataset"] == "synthetic" and first["depth"] == 2
    assert len(first["batch_losses"]["residual"]) == 1 == len(first["epochs"])
    assert first["final_loss"]["plain"] == first["epochs"][-1]["plain_loss"]


# --------------------------------------------------------------------------- train_unet

def test_reference_train_unet_runs_and_shows_the_pictures(tmp_path):
    png = tmp_path / "seg.png"
    proc = demo("reference", "train_unet", *UNET_SMALL, "--png", str(png))
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Traceback" not in out
    assert proc.stdout.startswith("Data: generated circles and squares")
    assert "SimpleUNet(upsample='nearest') from reference/module6/unet.py" in proc.stdout
    assert re.search(r"Done: mean IoU 0\.\d{3} on 8 held-out images \(background \d\.\d\d",
                     proc.stdout)
    # Not a terminal: characters instead of colours, 2 examples of 16 / 2 = 8 lines each.
    headers = [line for line in proc.stdout.splitlines() if line.startswith("input")]
    assert len(headers) == 2 and "truth" in headers[0] and "prediction" in headers[0]
    assert "o circle" in proc.stdout and "# square" in proc.stdout
    assert_png(proc, png)


def test_train_unet_usage_errors(capsys):
    assert unet_demo.main(["--size", "30"], unet=unet) == 2
    assert "multiple of 4 in 16..64" in capsys.readouterr().err
    assert unet_demo.main(["--upsample", "cubic"], unet=unet) == 2


def test_train_unet_epochs_set_the_steps_and_the_metrics_are_consistent():
    result = unet_demo.run(UNET_SMALL[:-2] + ["--epochs", "2", "--show", "0", "--png",
                                               "/nonexistent/x.png"],
                            unet=unet, console=quiet())
    assert result["steps"] == 8 and len(result["losses"]) == 8       # 2 x ceil(16 / 4)
    present = [v for v in result["class_iou"] if v is not None]
    assert result["iou"] == pytest.approx(np.mean(present))
    assert 0 <= result["pixel_accuracy"] <= 1


def test_default_steps_depend_on_the_upsampling():
    parse = unet_demo.build_parser().parse_args
    assert unet_demo.training_steps(parse([])) == 250
    assert unet_demo.training_steps(parse(["--upsample", "bilinear"])) == 250
    assert unet_demo.training_steps(parse(["--upsample", "transposed"])) == 400
    assert unet_demo.training_steps(parse(["--upsample", "transposed", "--steps", "7"])) == 7
    assert unet_demo.training_steps(parse(["--steps", "7", "--epochs", "3", "--n-train", "20"])) == 9


def test_nan_loss_stops_with_advice(capsys):
    # BatchNorm keeps a large --lr finite; only an absurd one overflows the weights.
    code = unet_demo.main(UNET_SMALL + ["--lr", "1e300", "--png", "/nonexistent/x.png"],
                           unet=unet)
    assert code == 1
    assert re.search(r"the loss became (NaN|infinite) at step \d+: lower --lr",
                     capsys.readouterr().err)


# --------------------------------------------------------------------------- learner mistakes

BROKEN = {
    "block_forward_todo": ("module6/resnet_blocks.py", '''
class BasicBlock(BasicBlock):
    def forward(self, x):
        """A skeleton again."""
        # TODO: 實作
        pass
''', "compare_resnet", ["BasicBlock.forward returned None: it is still a TODO in",
                        "resnet_blocks.py"]),
    "decoder_forward_todo": ("module6/unet.py", '''
class UNetDecoder(UNetDecoder):
    def forward(self, x, skip):
        pass


class SimpleUNet(SimpleUNet):
    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        super().__init__(in_channels, n_classes, upsample)
        self.dec2 = UNetDecoder(32 + 16, 16, upsample)
''', "train_unet", ["UNetDecoder.forward returned None: it is still a TODO in", "unet.py",
                    "That made SimpleUNet.forward fail with"]),
    "block_backward_drops_shortcut": ("module6/resnet_blocks.py", '''
class BasicBlock(BasicBlock):
    def backward(self, dout):
        super().backward(dout)
''', "compare_resnet", ["BasicBlock.backward returned None", "resnet_blocks.py",
                        "Is a `return` missing?"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_learner_mistake_is_named_with_its_file(case, tmp_path, monkeypatch, capsys):
    filename, patch, script, expected = BROKEN[case]
    with patched_reference(tmp_path, monkeypatch, f"broken_m6_{case}", filename, patch) as tree:
        if script == "compare_resnet":
            code = resnet_demo.main(
                RESNET_SMALL + ["--n-train", "16", "--png", str(tmp_path / "x.png")],
                resnet_blocks=tree("module6.resnet_blocks"), layers=tree("module5.layers"),
                loss=tree("module5.loss"), optim=tree("module5.optim"))
        else:
            code = unet_demo.main(UNET_SMALL + ["--png", str(tmp_path / "x.png")],
                                   unet=tree("module6.unet"))
    captured = capsys.readouterr()
    assert_stopped(code, captured.out, captured.err, expected)


# --------------------------------------------------------------------------- drawing

def test_braille_plot_axes_legend_and_gaps():
    text = braille_plot([("a", [3.0, 2.0, float("nan"), 1.0], "red"), ("b", [2.0, 2.0], "blue")],
                        width=20, height=5, x_label="batch").plain
    lines = text.splitlines()
    assert len(lines) == 5 + 3
    assert lines[0].startswith("3.000 ┤") and lines[4].startswith("1.000 ┤")
    assert lines[6].rstrip().endswith("4 batches")
    assert "━━ a" in lines[7] and "━━ b" in lines[7]
    assert braille_plot([("x", [float("nan")], "red")]).plain == "(nothing to plot)"
    assert "┤" in braille_plot([("flat", [1.0, 1.0, 1.0], "red")], width=10, height=3).plain


def test_render_images_characters_and_colours():
    image = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    mask = np.array([[0, 1], [0, 1], [2, 2], [2, 2]])
    plain = render_images([image, mask], ["in", "m"], colour=False, gap=1).plain.splitlines()
    assert plain == ["in m ", " @ .o", "@@ ##"]
    coloured = render_images([image, mask], ["in", "m"], colour=True, gap=1)
    assert coloured.plain.splitlines()[1] == "▀▀ ▀▀"
    styles = {str(span.style) for span in coloured.spans}
    assert any("rgb(0,170,255)" in s for s in styles)       # circle colour
