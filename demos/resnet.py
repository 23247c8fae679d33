"""The Module 6 residual demo: a network of the learner's BasicBlocks against the same network
without its shortcuts, trained side by side on the same data from the same start.

Both trees run it through a thin entry point that passes in their own modules::

    python -m exercises.module6.compare_resnet     # your BasicBlock vs the same, unwired
    python -m reference.module6.compare_resnet     # the reference solution

As in the Module 5 demo, every value the learner's code hands back is checked: a function
that still returns None (the skeleton's ``pass``), an exception, a wrong shape or a NaN loss
ends the demo with one paragraph naming the function and file, never a traceback.

Pictures: a braille plot of both loss curves in the terminal, and a PNG when matplotlib is
installed (``pip install matplotlib``); it says so when it is not.
"""
import copy
import math
import time

import numpy as np
from rich.markup import escape
from rich.text import Text

from given.experiments.residual import MAIN_PATH
from given.model_utils import set_training

from .common import (WITH_BATCHNORM, DemoError, accuracy, add_data_options, add_size_options,
                     argument_parser, begin, braille_plot, diverged, load_data, loss_text,
                     momentum, moving_average, plural, positive_float, positive_int, prog_name,
                     progress, run_main, save_png)

NUM_CLASSES = 10
WIDTH = 8                 # channels of the stem and of every block
STEM_POOL = 4             # the stem's max-pooling: 32x32 images -> 8x8 feature maps
EVAL_BATCH = 250

EPILOG = """\
examples:
  python -m exercises.module6.compare_resnet
  python -m exercises.module6.compare_resnet --depth 10 --epochs 5
  python -m reference.module6.compare_resnet --data synthetic --epochs 1 --n-train 256

Both networks: Conv3x3(3->8) + BN + ReLU + MaxPool 4x4 (32x32 -> 8x8), then --depth blocks of
Conv3x3 + BN + ReLU + Conv3x3 + BN (+ the shortcut in the residual one) + ReLU, then
global average pooling and a fully connected layer to 10 classes. The plain network is a
copy of the residual one (same weights) whose blocks skip the addition; both see the same
batches in the same order with the same optimizer settings.

--data auto uses CIFAR-10 when it is cached in --data-dir or can be downloaded there
(170 MB), and generated colour digits otherwise; the first line of output says which.
"""


# --------------------------------------------------------------------------- CLI

def build_parser(prog=None):
    p = argument_parser(
        prog, "Train two equally deep networks side by side, one of your BasicBlocks\n"
              "with their shortcuts and one without, on the same data with the same\n"
              "start, and compare their training losses: the shortcut is what lets\n"
              "the deep one train. Any TODO left in your code is named, with its file.",
        EPILOG)
    p.add_argument("--depth", type=positive_int, default=8,
                   help="BasicBlocks in each network, two 3x3 convs each (default: 8)")
    p.add_argument("--epochs", type=positive_int, default=3,
                   help="passes over the training set (default: 3)")
    add_size_options(p, n_train=1000, n_test=500, batch_size=32)
    p.add_argument("--lr", type=positive_float, default=0.05,
                   help="learning rate of MomentumSGD (default: 0.05)")
    p.add_argument("--momentum", type=momentum, default=0.9,
                   help="momentum of MomentumSGD (default: 0.9)")
    add_data_options(p, "cifar", "CIFAR-10", "generated colour digits")
    p.add_argument("--png", default="resnet_vs_plain.png", metavar="PATH",
                   help="where to save the loss curves when matplotlib is installed "
                        "(default: resnet_vs_plain.png)")
    return p


# --------------------------------------------------------------------------- entry point

def main(argv=None, *, resnet_blocks, layers, loss, optim):
    """Run the residual-vs-plain demo with one tree's modules; returns the exit code.

    0 after training, 1 when the learner's code or the data stops it (with a message),
    2 for bad command-line arguments, 130 on Ctrl-C.
    """
    parser = build_parser(prog_name(resnet_blocks, "compare_resnet"))
    return run_main(run, parser, argv, resnet_blocks=resnet_blocks, layers=layers, loss=loss,
                    optim=optim)


def run(args, *, resnet_blocks, layers, loss, optim, console=None):
    """Train the residual and the plain network; returns the metrics. Raises DemoError.

    `args` is an argparse.Namespace or a list of command-line strings. Returns a dict:
    dataset, description, parameters, depth, epochs (a list of {epoch, residual_loss,
    plain_loss, residual_accuracy, plain_accuracy, residual_grad, plain_grad, seconds}),
    batch_losses ({"residual": [...], "plain": [...]}), final_loss ({"residual", "plain"}),
    png (path or None), seconds.
    """
    from given.data.cifar import load_cifar_subset

    args, console, learner = begin(args, build_parser, resnet_blocks, "compare_resnet", console)

    np.random.seed(args.seed)             # the layers initialise with np.random.randn
    data = load_data(args, load_cifar_subset, "CIFAR-10", "generated images", console)

    if not hasattr(resnet_blocks, "BatchNorm2D"):   # resnet_blocks imports it from batchnorm
        raise DemoError(f"{learner.show_path(resnet_blocks.__file__)} does not import "
                        "BatchNorm2D (from .batchnorm import BatchNorm2D), which the demo uses.")
    residual, plain = _build_nets(learner, resnet_blocks, layers, args.depth)
    pairs = _preflight(args, learner, loss, optim, residual, plain, data)
    convs = 1 + 2 * args.depth
    console.print(f"[bold]Models:[/] {convs} conv layers each ({args.depth} BasicBlocks from "
                  f"{learner.show_path(resnet_blocks.__file__)}), "
                  f"{sum(p.size for p, _ in pairs):,} parameters, identical initial weights; "
                  "[bold]residual[/] adds each block's input to its output, [bold]plain[/] "
                  "does not")
    optimizers = {name: learner.call(optim.MomentumSGD, "MomentumSGD", lr=args.lr,
                                     momentum=args.momentum)
                  for name in ("residual", "plain")}
    console.print(f"[bold]Training:[/] {plural(args.epochs, 'epoch')}, batch "
                  f"{args.batch_size}, MomentumSGD(lr={args.lr:g}, momentum={args.momentum:g}) "
                  "each, the same batches in the same order")

    nets = {"residual": residual, "plain": plain}
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # NaN checked below
        history, batch_losses = _train_pair(args, learner, loss, nets, optimizers, data,
                                            console)
    seconds = time.perf_counter() - start

    final = {name: history[-1][f"{name}_loss"] for name in nets}
    width = max(20, min(72, console.width - 12))
    window = max(1, -(-len(data.y_train) // args.batch_size) // 2)
    console.print()
    console.print(Text(f"Training loss per batch (moving average of {window}):", style="bold"))
    console.print(braille_plot(
        [("residual", moving_average(batch_losses["residual"], window), "bold cyan"),
         ("plain", moving_average(batch_losses["plain"], window), "bold magenta")],
        width=width, height=12, x_label="batch"))
    verdict = ("the residual network trained better" if final["residual"] < final["plain"]
               else "the plain network did as well or better this time (try a larger --depth)")
    console.print(f"[bold green]Done:[/] final training loss residual "
                  f"{loss_text(final['residual'])} vs plain {loss_text(final['plain'])}: "
                  f"{verdict}. Test accuracy {history[-1]['residual_accuracy']:.1%} vs "
                  f"{history[-1]['plain_accuracy']:.1%} on {escape(data.name)}, "
                  f"{seconds:.1f} s.")
    png = save_png(console, lambda fig: _draw_losses(fig, args, data, batch_losses, history,
                                                     window), args.png)
    return {"dataset": data.name, "description": data.description,
            "parameters": sum(p.size for p, _ in pairs), "depth": args.depth,
            "epochs": history, "batch_losses": batch_losses, "final_loss": final,
            "png": str(png) if png else None, "seconds": seconds}


# --------------------------------------------------------------------------- the two networks

class _GlobalAvgPool:
    """(N, C, H, W) -> (N, C): the mean of each channel. Given code, not the learner's."""

    def forward(self, x):
        self.shape = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, dout):
        N, C, H, W = self.shape
        return np.broadcast_to(dout[:, :, None, None] / (H * W), self.shape).copy()

    def get_params_and_grads(self):
        return []


class _Step:
    """One layer of a network, called through the learner wrapper with its output checked."""

    def __init__(self, layer, name, out_shape):
        self.layer, self.name, self.out_shape = layer, name, out_shape

    def forward(self, learner, x, traced):
        self.in_shape = x.shape
        fn = type(self.layer).forward
        out = learner.call(self.layer.forward, f"{self.name}.forward", x, traced=traced)
        return learner.checked_array(fn, f"{self.name}.forward", out, self.out_shape(x.shape),
                                     "its output")

    def backward(self, learner, dout, traced):
        fn = type(self.layer).backward
        dx = learner.call(self.layer.backward, f"{self.name}.backward", dout, traced=traced)
        return learner.checked_array(fn, f"{self.name}.backward", dx, self.in_shape,
                                     "the gradient for its input")


def _same(shape):
    return shape


def _pooled(shape):
    return (*shape[:2], shape[2] // STEM_POOL, shape[3] // STEM_POOL)


class _ClassifierNet:
    """stem -> blocks -> global average pooling -> FC, residual or plain.

    The plain variant runs each block's own layers (MAIN_PATH: conv1, bn1, relu1, conv2,
    bn2, relu2) in sequence, which is the block without the addition; so both networks
    consist of the very same kinds of layers, and a copy of one has exactly the other's
    weights.
    """

    def __init__(self, stem, blocks, fc, residual):
        self.residual = residual
        self.stem, self.blocks, self.fc = stem, blocks, fc
        conv, bn, relu, pool = stem
        steps = [_Step(conv, type(conv).__name__, lambda s: (s[0], WIDTH, *s[2:])),
                 _Step(bn, type(bn).__name__, _same), _Step(relu, type(relu).__name__, _same),
                 _Step(pool, type(pool).__name__, _pooled)]
        for block in blocks:
            if residual:
                steps.append(_Step(block, type(block).__name__, _same))
            else:
                for attr in MAIN_PATH:
                    layer = getattr(block, attr)
                    steps.append(_Step(layer, type(layer).__name__, _same))
        self.pool = _GlobalAvgPool()
        steps.append(_Step(self.pool, "global average pooling", lambda s: s[:2]))
        steps.append(_Step(fc, type(fc).__name__, lambda s: (s[0], NUM_CLASSES)))
        self.steps = steps

    def forward(self, learner, x, traced=False):
        for step in self.steps:
            x = step.forward(learner, x, traced)
        return x

    def backward(self, learner, dscores, traced=False):
        for step in reversed(self.steps):
            dscores = step.backward(learner, dscores, traced)

    def owners(self):
        """The objects whose get_params_and_grads() hold every parameter, in order."""
        conv, bn, _, _ = self.stem
        owners = [conv, bn]
        for block in self.blocks:
            if self.residual:
                owners.append(block)
            else:
                owners.extend(getattr(block, a) for a in ("conv1", "bn1", "conv2", "bn2"))
        return owners + [self.fc]

    def params(self, learner, traced=False):
        pairs = []
        for owner in self.owners():
            pairs.extend(learner.pairs(owner, traced=traced, gradients=WITH_BATCHNORM))
        return pairs

    def set_training(self, training):
        for layer in [*self.stem, *self.blocks, self.fc]:
            set_training(layer, training)


def _build_nets(learner, resnet_blocks, layers, depth):
    """The residual network from the tree's layers, and its plain twin (a deep copy)."""
    stem = [learner.call(layers.Conv2D, "Conv2D", 3, WIDTH, 3, padding=1, traced=True),
            learner.call(resnet_blocks.BatchNorm2D, "BatchNorm2D", WIDTH, traced=True),
            learner.call(layers.ReLU, "ReLU", traced=True),
            learner.call(layers.MaxPool2D, "MaxPool2D", STEM_POOL, traced=True)]
    blocks = [learner.call(resnet_blocks.BasicBlock, "BasicBlock", WIDTH, WIDTH, traced=True)
              for _ in range(depth)]
    fc = learner.call(layers.FullyConnected, "FullyConnected", WIDTH, NUM_CLASSES, traced=True)
    for block in blocks:
        missing = [a for a in MAIN_PATH if not hasattr(block, a)]
        if missing:
            fn = type(block).__init__
            raise DemoError(f"BasicBlock has no attribute {', '.join(missing)} "
                            f"({learner.where(fn)}): the demo builds the plain network from "
                            f"the block's {', '.join(MAIN_PATH)} as the seed's "
                            "__init__ names them.")
    residual = _ClassifierNet(stem, blocks, fc, residual=True)
    # Deep-copying stem, blocks and head together gives the twin exactly the same weights
    # (and fresh, independent arrays), whatever the learner's layers keep inside.
    twin_stem, twin_blocks, twin_fc = copy.deepcopy((stem, blocks, fc))
    plain = _ClassifierNet(twin_stem, twin_blocks, twin_fc, residual=False)
    return residual, plain


# --------------------------------------------------------------------------- training

def _preflight(args, learner, loss, optim, residual, plain, data):
    """Every learner function once, traced, on two images, so that a TODO anywhere is named
    before training starts; one optimizer step on copies of the parameters. Returns the
    residual network's (param, grad) pairs."""
    X, y = data.X_train[:2], data.y_train[:2]
    pairs = None
    for net in (residual, plain):
        scores = net.forward(learner, X, traced=True)
        _, dscores = learner.loss(loss, scores, y, traced=True)
        net.backward(learner, dscores, traced=True)
        got = net.params(learner, traced=True)
        pairs = pairs or got
    trial = learner.call(optim.MomentumSGD, "MomentumSGD", lr=args.lr, momentum=args.momentum,
                         traced=True)
    learner.check_step(trial, [(p.copy(), g.copy()) for p, g in pairs])
    # The two twins ran one training-mode forward each: BN running stats moved alike.
    return pairs


def _train_pair(args, learner, loss, nets, optimizers, data, console):
    rng = np.random.default_rng(args.seed)
    n = len(data.y_train)
    n_batches = -(-n // args.batch_size)
    history = []
    batch_losses = {name: [] for name in nets}
    console.print(f"[bold]{'epoch':>5}  {'residual loss':>13}  {'plain loss':>10}  "
                  f"{'residual acc':>12}  {'plain acc':>9}  {'|∇W| first conv (res/plain)':>27}"
                  f"  {'time':>6}[/]")
    with progress(console) as bar:
        task = bar.add_task("training", total=args.epochs * n_batches, info="")
        for epoch in range(args.epochs):
            start = time.perf_counter()
            order = rng.permutation(n)
            sums = {name: 0.0 for name in nets}
            grads = {name: 0.0 for name in nets}
            for b in range(n_batches):
                idx = order[b * args.batch_size:(b + 1) * args.batch_size]
                X, y = data.X_train[idx], data.y_train[idx]
                for name, net in nets.items():
                    scores = net.forward(learner, X)
                    value, dscores = learner.loss(loss, scores, y)
                    if not math.isfinite(value):
                        raise diverged(f"the {name} network's loss", value,
                                       f"epoch {epoch + 1}, batch {b + 1}", args.lr)
                    net.backward(learner, dscores)
                    pairs = net.params(learner)
                    grads[name] += float(np.linalg.norm(pairs[0][1]))   # the first conv's dW
                    learner.call(optimizers[name].step, "MomentumSGD.step", pairs)
                    sums[name] += value * len(y)
                    batch_losses[name].append(value)
                done = b * args.batch_size + len(y)
                bar.update(task, advance=1, description=f"epoch {epoch + 1}/{args.epochs}",
                           info=f"loss residual {loss_text(sums['residual'] / done)} "
                                f"plain {loss_text(sums['plain'] / done)}")
            row = {"epoch": epoch + 1}
            for name, net in nets.items():
                row[f"{name}_loss"] = sums[name] / n
                row[f"{name}_accuracy"] = _accuracy(learner, net, data.X_test, data.y_test)
                row[f"{name}_grad"] = grads[name] / n_batches
            row["seconds"] = time.perf_counter() - start
            history.append(row)
            console.print(f"{epoch + 1:>5}  {loss_text(row['residual_loss']):>13}  "
                          f"{loss_text(row['plain_loss']):>10}  "
                          f"{row['residual_accuracy']:>12.1%}  {row['plain_accuracy']:>9.1%}  "
                          f"{row['residual_grad']:>13.3g} / {row['plain_grad']:<11.3g}  "
                          f"{row['seconds']:>5.1f}s")
    return history, batch_losses


def _accuracy(learner, net, X, y):
    """Test accuracy with BatchNorm in eval mode (running statistics)."""
    net.set_training(False)
    try:
        return accuracy(lambda xb: net.forward(learner, xb), X, y, EVAL_BATCH)
    finally:
        net.set_training(True)


def _draw_losses(fig, args, data, batch_losses, history, window):
    ax, ax2 = fig.subplots(1, 2)
    colours = {"residual": "tab:blue", "plain": "tab:red"}
    for name, losses in batch_losses.items():
        ax.plot(losses, color=colours[name], alpha=0.25, linewidth=0.8)
        ax.plot(moving_average(losses, window), color=colours[name], label=name)
    ax.set_xlabel("batch")
    ax.set_ylabel("training loss")
    ax.set_title(f"{1 + 2 * args.depth} conv layers on {data.name}")
    ax.legend()
    epochs = [h["epoch"] for h in history]
    for name in batch_losses:
        ax2.plot(epochs, [h[f"{name}_accuracy"] for h in history], "o-", color=colours[name],
                 label=name)
    ax2.set_xlabel("epoch")
    ax2.set_xticks(epochs)
    ax2.set_ylabel("test accuracy (BatchNorm in eval mode)")
    ax2.set_ylim(0, 1)
    ax2.legend()
    ax2.set_title(f"{len(data.y_test)} test images")
    fig.tight_layout()
