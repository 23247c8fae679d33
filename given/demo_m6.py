"""The Module 6 demos: residual vs plain networks, and a U-Net segmenting circles and squares.

Both trees run them through thin entry points that pass in their own modules::

    python -m exercises.module6.compare_resnet     # your BasicBlock vs the same, unwired
    python -m exercises.module6.train_unet         # your SimpleUNet on circles and squares

(``reference`` in place of ``exercises`` runs the reference solution). As in the Module 5
demo (given/demo_lenet.py, whose helpers these reuse), every value the learner's code hands
back is checked: a function that still returns None (the skeleton's ``pass``), an exception,
a wrong shape or a NaN loss ends the demo with one paragraph naming the function and file,
never a traceback.

Pictures: both demos draw in the terminal (rich: a braille loss plot; half-block images in
colour, or characters when the output is not a terminal) and write a PNG when matplotlib is
installed (``pip install matplotlib``); they say so when it is not.
"""
# First: demo_lenet limits numpy's BLAS threads, which only works before numpy is imported.
from given.demo_lenet import (DemoError, _Learner, _loss_text, _plural,  # noqa: I001
                              _positive_float, _positive_int)

import argparse
import copy
import math
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.style import Style
from rich.text import Text

from given.model_utils import set_training

__all__ = ["compare_resnet_main", "compare_resnet_run", "train_unet_main", "train_unet_run",
           "braille_plot", "render_images"]

NUM_CLASSES = 10
WIDTH = 8                 # channels of the stem and of every block
STEM_POOL = 4             # the stem's max-pooling: 32x32 images -> 8x8 feature maps
EVAL_BATCH = 250


# =========================================================================== shared pieces

def _main(run, parser, argv, **modules):
    """Parse, run, and turn DemoError / Ctrl-C into an exit code (0, 1, 2 or 130)."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:          # --help, or an argparse error already printed
        return exc.code if isinstance(exc.code, int) else 1
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        run(args, **modules)
    except DemoError as exc:
        err.print(Text("✗ ", style="bold red") + Text(str(exc)))
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return 0


def _prog(module, script):
    package = getattr(module, "__package__", None)
    return f"python -m {package}.{script}" if package else None


def _progress(console):
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    # Off when output is not a terminal (a log, a pipe): a bar is noise there.
    return Progress(*columns, console=console, transient=True,
                    disable=not console.is_terminal)


def _checked_array(learner, fn, name, value, shape, what):
    """`value` if it is a float array of `shape` (None = any), else a DemoError naming `name`."""
    if isinstance(value, np.ndarray) and (shape is None or value.shape == tuple(shape)) \
            and np.issubdtype(value.dtype, np.number):
        return value
    expected = f"{what}, an array of shape {tuple(shape)}" if shape is not None else what
    raise DemoError(learner.returned(name, fn, value, expected))


def _check_pairs(learner, owner, pairs, name):
    """The (param, grad) list of `owner`, validated like the Module 5 demo does."""
    fn = type(owner).get_params_and_grads
    expected = "a list of (param, grad) pairs of arrays with equal shapes"
    ok = isinstance(pairs, (list, tuple))
    for pair in pairs if ok else ():
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            ok = False
            break
        param, grad = pair
        if grad is None and isinstance(param, np.ndarray):
            raise DemoError(f"{name} returned a gradient that is None for a parameter of "
                            f"shape {param.shape} ({learner.where(fn)}): did backward store "
                            "every gradient (dW, db, dgamma, dbeta)?")
        if not (isinstance(param, np.ndarray) and isinstance(grad, np.ndarray)
                and param.shape == grad.shape):
            ok = False
            break
    if not ok:
        raise DemoError(learner.returned(name, fn, pairs, expected))
    return list(pairs)


def _matplotlib():
    """(Figure, FigureCanvasAgg), or None when matplotlib is not installed.

    The object-oriented API draws off-screen without pyplot's global state or a display.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure, FigureCanvasAgg


def _save_png(console, draw, path):
    """Call draw(figure) and save it as `path`; say what happened either way."""
    mpl = _matplotlib()
    if mpl is None:
        console.print("[yellow]No PNG:[/] matplotlib is not installed "
                      "(pip install matplotlib to get one).")
        return None
    Figure, FigureCanvasAgg = mpl
    fig = Figure(figsize=(9, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    draw(fig)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    except OSError as exc:
        console.print(f"[yellow]No PNG:[/] could not write {escape(str(path))}: {exc}")
        return None
    console.print(f"[bold]Saved:[/] {escape(str(path))}")
    return path


# --------------------------------------------------------------------------- terminal plot

# Braille cells are 2 dots wide and 4 high; bit of the dot at (row, col) inside a cell.
_BRAILLE_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def braille_plot(series, width=60, height=12, x_label="step", y_format="{:.3f}"):
    """A line plot in braille characters, one colour per series, as a rich Text.

    Parameters
    ----------
    series : list of (label, values, style)
        ``values`` a sequence of floats (non-finite ones are skipped); all series share the
        axes, each spread over the full width.
    width, height : int
        Plot area in characters (each holds 2 x 4 dots).
    x_label : str
        Name of the horizontal axis, printed under it with its range.
    y_format : str
        Format of the y-axis tick labels.

    Returns
    -------
    rich.text.Text
        Lines of the plot with a y axis (max, middle, min) and a legend; where two series
        share a cell it is drawn in the first series' style.
    """
    finite = [float(v) for _, values, _ in series for v in values if math.isfinite(v)]
    if not finite:
        return Text("(nothing to plot)")
    lo, hi = min(finite), max(finite)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    dots_w, dots_h = 2 * width, 4 * height
    cells = [[[0] * width for _ in range(height)] for _ in series]
    longest = max(len(values) for _, values, _ in series)
    for s, (_, values, _) in enumerate(series):
        points = [(i, float(v)) for i, v in enumerate(values) if math.isfinite(v)]
        span = max(len(values) - 1, 1)
        dots = [(round(i / span * (dots_w - 1)), round((v - lo) / (hi - lo) * (dots_h - 1)))
                for i, v in points]
        # Join neighbouring points so a steep drop reads as a line, not scattered dots.
        for (x0, y0), (x1, y1) in zip(dots, dots[1:] or dots):
            n = max(abs(x1 - x0), abs(y1 - y0), 1)
            for k in range(n + 1):
                x = round(x0 + (x1 - x0) * k / n)
                y = dots_h - 1 - round(y0 + (y1 - y0) * k / n)     # row 0 is the top
                cells[s][y // 4][x // 2] |= _BRAILLE_BITS[y % 4][x % 2]
    ticks = {0: hi, height // 2: (hi + lo) / 2, height - 1: lo}
    labels = {r: y_format.format(v) for r, v in ticks.items()}
    pad = max(len(t) for t in labels.values())
    text = Text()
    for r in range(height):
        text.append(f"{labels.get(r, ''):>{pad}} ┤" if r in labels else " " * pad + " │",
                    style="dim")
        for c in range(width):
            bits = 0
            style = None
            for s, (_, _, s_style) in enumerate(series):
                if cells[s][r][c]:
                    bits |= cells[s][r][c]
                    style = style or s_style
            text.append(chr(0x2800 + bits) if bits else " ", style=style)
        text.append("\n")
    text.append(" " * pad + " └" + "─" * width + "\n", style="dim")
    plural = x_label + ("es" if x_label.endswith(("s", "sh", "ch", "x")) else "s")
    right = f"{longest} {plural}" if longest != 1 else f"1 {x_label}"
    text.append(" " * (pad + 2) + "0" + right.rjust(width - 1) + "\n", style="dim")
    text.append(" " * (pad + 2))
    for i, (label, _, style) in enumerate(series):
        text.append("━━ ", style=style)
        text.append(label + ("    " if i < len(series) - 1 else ""))
    return text


def _moving_average(values, window):
    """Trailing mean over up to `window` values: per-batch losses are too noisy to read."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(idx - window, 0)
    return (sums[idx] - sums[start]) / (idx - start)


# --------------------------------------------------------------------------- terminal images

#: Colours of the mask labels: background, circle, square.
MASK_COLOURS = ((40, 40, 48), (0, 170, 255), (255, 150, 30))
_MASK_CHARS = ".o#"
_GREY_RAMP = " .:-=+*#%@"


def render_images(panels, titles, colour=True, gap=3):
    """Images side by side as a rich Text, 1 character per pixel column and 2 pixel rows.

    Parameters
    ----------
    panels : list of np.ndarray, shape (H, W) each
        float arrays in [0, 1] are drawn grey; integer arrays are masks (labels 0, 1, 2
        drawn in MASK_COLOURS).
    titles : list of str
        One heading per panel.
    colour : bool
        True: upper-half blocks ('▀') with the upper pixel as foreground and the lower one
        as background colour. False: characters only (a grey ramp for images, '.', 'o', '#'
        for background, circle, square), every second row, for logs and plain terminals.

    Returns
    -------
    rich.text.Text
    """
    H, W = panels[0].shape
    text = Text()
    for k, title in enumerate(titles):
        text.append(title[:W].ljust(W) + (" " * gap if k < len(panels) - 1 else ""),
                    style="bold")
    text.append("\n")
    for r in range(0, H, 2):
        for k, panel in enumerate(panels):
            is_mask = np.issubdtype(panel.dtype, np.integer)
            for c in range(W):
                top = panel[r, c]
                if colour:
                    bottom = panel[r + 1, c] if r + 1 < H else top
                    text.append("▀", style=Style(color=_rgb(top, is_mask),
                                                 bgcolor=_rgb(bottom, is_mask)))
                elif is_mask:
                    text.append(_MASK_CHARS[int(top) % len(_MASK_CHARS)])
                else:
                    level = int(np.clip(top, 0, 1) * (len(_GREY_RAMP) - 1) + 0.5)
                    text.append(_GREY_RAMP[level])
            if k < len(panels) - 1:
                text.append(" " * gap)
        text.append("\n")
    return text


def _rgb(value, is_mask):
    if is_mask:
        r, g, b = MASK_COLOURS[int(value) % len(MASK_COLOURS)]
    else:
        r = g = b = int(round(float(np.clip(value, 0, 1)) * 255))
    return f"rgb({r},{g},{b})"


def _shrink(image, factor, is_mask):
    """Every `factor`-th pixel (masks) or the mean of each factor x factor patch (images)."""
    if factor == 1:
        return image
    if is_mask:
        return image[::factor, ::factor]
    H, W = image.shape
    h, w = H // factor, W // factor
    return image[:h * factor, :w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))


# =========================================================================== compare_resnet

RESNET_EPILOG = """\
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


def build_resnet_parser(prog=None):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train two equally deep networks side by side, one of your BasicBlocks\n"
                    "with their shortcuts and one without, on the same data with the same\n"
                    "start, and compare their training losses: the shortcut is what lets\n"
                    "the deep one train. Any TODO left in your code is named, with its file.",
        epilog=RESNET_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--depth", type=_positive_int, default=8,
                   help="BasicBlocks in each network, two 3x3 convs each (default: 8)")
    p.add_argument("--epochs", type=_positive_int, default=3,
                   help="passes over the training set (default: 3)")
    p.add_argument("--n-train", type=_positive_int, default=1000,
                   help="training images (default: 1000)")
    p.add_argument("--n-test", type=_positive_int, default=500, help="test images (default: 500)")
    p.add_argument("--batch-size", type=_positive_int, default=32,
                   help="mini-batch size (default: 32)")
    p.add_argument("--lr", type=_positive_float, default=0.05,
                   help="learning rate of MomentumSGD (default: 0.05)")
    p.add_argument("--momentum", type=_momentum, default=0.9,
                   help="momentum of MomentumSGD (default: 0.9)")
    p.add_argument("--data", choices=("auto", "cifar", "synthetic"), default="auto",
                   help="auto: CIFAR-10 if available, else generated colour digits; cifar: "
                        "CIFAR-10 or fail; synthetic: generated colour digits (default: auto)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where CIFAR-10 is cached / downloaded to (default: the loader's cache)")
    p.add_argument("--no-download", action="store_true",
                   help="never touch the network; use only files already in --data-dir")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the data, the shuffling and np.random (weight init) (default: 0)")
    p.add_argument("--png", default="resnet_vs_plain.png", metavar="PATH",
                   help="where to save the loss curves when matplotlib is installed "
                        "(default: resnet_vs_plain.png)")
    return p


def _momentum(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def compare_resnet_main(argv=None, *, resnet_blocks, layers, loss, optim):
    """Run the residual-vs-plain demo with one tree's modules; returns the exit code.

    0 after training, 1 when the learner's code or the data stops it (with a message),
    2 for bad command-line arguments, 130 on Ctrl-C.
    """
    parser = build_resnet_parser(_prog(resnet_blocks, "compare_resnet"))
    return _main(compare_resnet_run, parser, argv, resnet_blocks=resnet_blocks,
                 layers=layers, loss=loss, optim=optim)


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
        return _checked_array(learner, fn, f"{self.name}.forward", out,
                              self.out_shape(x.shape), "its output")

    def backward(self, learner, dout, traced):
        fn = type(self.layer).backward
        dx = learner.call(self.layer.backward, f"{self.name}.backward", dout, traced=traced)
        return _checked_array(learner, fn, f"{self.name}.backward", dx, self.in_shape,
                              "the gradient for its input")


def _same(shape):
    return shape


def _pooled(shape):
    return (*shape[:2], shape[2] // STEM_POOL, shape[3] // STEM_POOL)


class _ClassifierNet:
    """stem -> blocks -> global average pooling -> FC, residual or plain.

    The plain variant runs each block's own layers (conv1, bn1, relu1, conv2, bn2, relu2)
    in sequence, which is the block without the addition; so both networks consist of the
    very same kinds of layers, and a copy of one has exactly the other's weights.
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
                for attr in ("conv1", "bn1", "relu1", "conv2", "bn2", "relu2"):
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
            name = f"{type(owner).__name__}.get_params_and_grads"
            got = learner.call(owner.get_params_and_grads, name, traced=traced)
            pairs.extend(_check_pairs(learner, owner, got, name))
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
        missing = [a for a in ("conv1", "bn1", "relu1", "conv2", "bn2", "relu2")
                   if not hasattr(block, a)]
        if missing:
            fn = type(block).__init__
            raise DemoError(f"BasicBlock has no attribute {', '.join(missing)} "
                            f"({learner.where(fn)}): the demo builds the plain network from "
                            "the block's conv1, bn1, relu1, conv2, bn2, relu2 as the seed's "
                            "__init__ names them.")
    residual = _ClassifierNet(stem, blocks, fc, residual=True)
    # Deep-copying stem, blocks and head together gives the twin exactly the same weights
    # (and fresh, independent arrays), whatever the learner's layers keep inside.
    twin_stem, twin_blocks, twin_fc = copy.deepcopy((stem, blocks, fc))
    plain = _ClassifierNet(twin_stem, twin_blocks, twin_fc, residual=False)
    return residual, plain


def _load_cifar(args):
    from given.cifar import load_cifar_subset
    from given.download import DatasetUnavailable

    try:
        return load_cifar_subset(source=args.data, n_train=args.n_train, n_test=args.n_test,
                                 data_dir=args.data_dir, download=not args.no_download,
                                 seed=args.seed)
    except DatasetUnavailable as exc:
        raise DemoError(f"CIFAR-10 is not available: {exc}\n"
                        "  Use --data synthetic (or --data auto) to train on generated "
                        "images instead" + ("" if not args.no_download else
                                            ", or drop --no-download to fetch CIFAR-10") + ".")
    except (OSError, ValueError) as exc:
        raise DemoError(f"could not load the {args.data} data: {type(exc).__name__}: {exc}")


def compare_resnet_run(args, *, resnet_blocks, layers, loss, optim, console=None):
    """Train the residual and the plain network; returns the metrics. Raises DemoError.

    `args` is an argparse.Namespace or a list of command-line strings. Returns a dict:
    dataset, description, parameters, depth, epochs (a list of {epoch, residual_loss,
    plain_loss, residual_accuracy, plain_accuracy, residual_grad, plain_grad, seconds}),
    batch_losses ({"residual": [...], "plain": [...]}), final_loss ({"residual", "plain"}),
    png (path or None), seconds.
    """
    if not isinstance(args, argparse.Namespace):
        args = build_resnet_parser(_prog(resnet_blocks, "compare_resnet")).parse_args(args)
    console = console or Console(highlight=False, soft_wrap=True)
    learner = _Learner(resnet_blocks)

    np.random.seed(args.seed)             # the layers initialise with np.random.randn
    data = _load_cifar(args)
    console.print(f"[bold]Data:[/] {escape(str(data.description))}")
    console.print(f"      train {len(data.y_train)} × {tuple(data.X_train.shape[1:])}, "
                  f"test {len(data.y_test)}")

    if not hasattr(resnet_blocks, "BatchNorm2D"):   # resnet_blocks imports it from batchnorm
        raise DemoError(f"{learner.show_path(resnet_blocks.__file__)} does not import "
                        "BatchNorm2D (from .batchnorm import BatchNorm2D), which the demo uses.")
    residual, plain = _build_nets(learner, resnet_blocks, layers, args.depth)
    pairs = _preflight_resnet(args, learner, loss, optim, residual, plain, data)
    convs = 1 + 2 * args.depth
    console.print(f"[bold]Models:[/] {convs} conv layers each ({args.depth} BasicBlocks from "
                  f"{learner.show_path(resnet_blocks.__file__)}), "
                  f"{sum(p.size for p, _ in pairs):,} parameters, identical initial weights; "
                  "[bold]residual[/] adds each block's input to its output, [bold]plain[/] "
                  "does not")
    optimizers = {name: learner.call(optim.MomentumSGD, "MomentumSGD", lr=args.lr,
                                     momentum=args.momentum)
                  for name in ("residual", "plain")}
    console.print(f"[bold]Training:[/] {_plural(args.epochs, 'epoch')}, batch "
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
        [("residual", _moving_average(batch_losses["residual"], window), "bold cyan"),
         ("plain", _moving_average(batch_losses["plain"], window), "bold magenta")],
        width=width, height=12, x_label="batch"))
    verdict = ("the residual network trained better" if final["residual"] < final["plain"]
               else "the plain network did as well or better this time (try a larger --depth)")
    console.print(f"[bold green]Done:[/] final training loss residual "
                  f"{_loss_text(final['residual'])} vs plain {_loss_text(final['plain'])}: "
                  f"{verdict}. Test accuracy {history[-1]['residual_accuracy']:.1%} vs "
                  f"{history[-1]['plain_accuracy']:.1%} on {escape(data.name)}, "
                  f"{seconds:.1f} s.")
    png = _save_png(console, lambda fig: _draw_losses(fig, args, data, batch_losses, history,
                                                      window), args.png)
    return {"dataset": data.name, "description": data.description,
            "parameters": sum(p.size for p, _ in pairs), "depth": args.depth,
            "epochs": history, "batch_losses": batch_losses, "final_loss": final,
            "png": str(png) if png else None, "seconds": seconds}


def _preflight_resnet(args, learner, loss, optim, residual, plain, data):
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
    with _progress(console) as progress:
        task = progress.add_task("training", total=args.epochs * n_batches, info="")
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
                        raise DemoError(f"the {name} network's loss became "
                                        f"{'NaN' if math.isnan(value) else 'infinite'} at "
                                        f"epoch {epoch + 1}, batch {b + 1}: lower --lr (it is "
                                        f"{args.lr:g} now).")
                    net.backward(learner, dscores)
                    pairs = net.params(learner)
                    grads[name] += float(np.linalg.norm(pairs[0][1]))   # the first conv's dW
                    learner.call(optimizers[name].step, "MomentumSGD.step", pairs)
                    sums[name] += value * len(y)
                    batch_losses[name].append(value)
                done = b * args.batch_size + len(y)
                progress.update(task, advance=1,
                                description=f"epoch {epoch + 1}/{args.epochs}",
                                info=f"loss residual {_loss_text(sums['residual'] / done)} "
                                     f"plain {_loss_text(sums['plain'] / done)}")
            row = {"epoch": epoch + 1}
            for name, net in nets.items():
                row[f"{name}_loss"] = sums[name] / n
                row[f"{name}_accuracy"] = _accuracy(learner, net, data.X_test, data.y_test)
                row[f"{name}_grad"] = grads[name] / n_batches
            row["seconds"] = time.perf_counter() - start
            history.append(row)
            console.print(f"{epoch + 1:>5}  {_loss_text(row['residual_loss']):>13}  "
                          f"{_loss_text(row['plain_loss']):>10}  "
                          f"{row['residual_accuracy']:>12.1%}  {row['plain_accuracy']:>9.1%}  "
                          f"{row['residual_grad']:>13.3g} / {row['plain_grad']:<11.3g}  "
                          f"{row['seconds']:>5.1f}s")
    return history, batch_losses


def _accuracy(learner, net, X, y):
    """Test accuracy with BatchNorm in eval mode (running statistics)."""
    net.set_training(False)
    try:
        correct = 0
        for i in range(0, len(y), EVAL_BATCH):
            scores = net.forward(learner, X[i:i + EVAL_BATCH])
            correct += int((scores.argmax(axis=1) == y[i:i + EVAL_BATCH]).sum())
    finally:
        net.set_training(True)
    return correct / max(len(y), 1)


def _draw_losses(fig, args, data, batch_losses, history, window):
    ax, ax2 = fig.subplots(1, 2)
    colours = {"residual": "tab:blue", "plain": "tab:red"}
    for name, losses in batch_losses.items():
        ax.plot(losses, color=colours[name], alpha=0.25, linewidth=0.8)
        ax.plot(_moving_average(losses, window), color=colours[name], label=name)
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


# =========================================================================== train_unet

UNET_EPILOG = """\
examples:
  python -m exercises.module6.train_unet
  python -m exercises.module6.train_unet --upsample bilinear --steps 400
  python -m reference.module6.train_unet --size 16 --steps 20 --n-train 32

The images are generated (given.shapes.make_shapes): 1-3 filled circles and squares of
random size, position and brightness on a noisy background; each pixel is labelled
background (0), circle (1) or square (2). Training uses given.segmentation.train_segmentation
(momentum SGD on the pixel-wise softmax cross-entropy, the same loop the grader uses), so
only your SimpleUNet (and the layers in it) is on trial here.
"""


# Reference, 32x32, lr 0.05, batch 8 (seed 0): 250 steps reach a held-out mean IoU of 0.97
# with nearest or bilinear upsampling but only 0.56 with transposed convolutions, which
# reach 0.94 after 400 steps.
DEFAULT_STEPS = 250
DEFAULT_STEPS_TRANSPOSED = 400


def build_unet_parser(prog=None):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train your SimpleUNet to label every pixel of generated images as\n"
                    "background, circle or square; report the mean IoU on held-out\n"
                    "images and show input, truth and prediction side by side.\n"
                    "Any TODO left in your code is named, with its file.",
        epilog=UNET_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=_size, default=32,
                   help="image height and width, a multiple of 4 in 16..64 (default: 32)")
    p.add_argument("--n-train", type=_positive_int, default=256,
                   help="training images (default: 256)")
    p.add_argument("--n-test", type=_positive_int, default=100,
                   help="held-out images for the IoU (default: 100)")
    p.add_argument("--steps", type=_positive_int, default=None,
                   help=f"training steps (mini-batches) (default: {DEFAULT_STEPS}; "
                        f"{DEFAULT_STEPS_TRANSPOSED} with --upsample transposed, whose "
                        "freshly initialised kernels take longer to learn)")
    p.add_argument("--epochs", type=_positive_int, default=None,
                   help="alternatively, passes over the training set (sets --steps)")
    p.add_argument("--batch-size", type=_positive_int, default=8,
                   help="mini-batch size (default: 8)")
    p.add_argument("--lr", type=_positive_float, default=0.05, help="learning rate (default: 0.05)")
    p.add_argument("--upsample", choices=("nearest", "bilinear", "transposed"), default="nearest",
                   help="how the decoder upsamples (default: nearest)")
    p.add_argument("--show", type=int, default=3, metavar="N",
                   help="held-out examples to draw (default: 3)")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the images, the shuffling and np.random (weight init) (default: 0)")
    p.add_argument("--png", default="unet_shapes.png", metavar="PATH",
                   help="where to save the pictures when matplotlib is installed "
                        "(default: unet_shapes.png)")
    return p


def _size(text):
    value = int(text)
    if not (16 <= value <= 64 and value % 4 == 0):
        raise argparse.ArgumentTypeError(f"must be a multiple of 4 in 16..64, got {text}")
    return value


def unet_steps(args):
    """Training steps for the parsed options: --epochs wins, then --steps, then the default."""
    if args.epochs is not None:
        return args.epochs * -(-args.n_train // args.batch_size)
    if args.steps is not None:
        return args.steps
    return DEFAULT_STEPS_TRANSPOSED if args.upsample == "transposed" else DEFAULT_STEPS


def train_unet_main(argv=None, *, unet, optim=None):
    """Run the U-Net demo with one tree's unet module; returns the exit code.

    `optim` is accepted for symmetry with the other demos; training uses the given
    momentum-SGD loop (given.segmentation.train_segmentation), not the learner's optimizer.
    """
    parser = build_unet_parser(_prog(unet, "train_unet"))
    return _main(train_unet_run, parser, argv, unet=unet, optim=optim)


N_CLASSES = 3
BN_REFRESH_IMAGES = 64


def train_unet_run(args, *, unet, optim=None, console=None):
    """Train SimpleUNet on circles and squares; returns the metrics. Raises DemoError.

    Returns a dict: parameters, losses (one per step), iou (mean over background, circle,
    square on the held-out images, BatchNorm in eval mode), class_iou (list of 3),
    pixel_accuracy, png, seconds.
    """
    from given.segmentation import (pixel_cross_entropy, refresh_batchnorm_stats,
                                    train_segmentation)
    from given.shapes import CLASS_NAMES, make_shapes, mean_iou

    if not isinstance(args, argparse.Namespace):
        args = build_unet_parser(_prog(unet, "train_unet")).parse_args(args)
    console = console or Console(highlight=False, soft_wrap=True)
    learner = _Learner(unet)
    steps = unet_steps(args)

    np.random.seed(args.seed)
    train_seed, test_seed = np.random.SeedSequence(args.seed).spawn(2)
    X, masks = make_shapes(args.n_train, args.size, seed=train_seed)
    X_test, masks_test = make_shapes(args.n_test, args.size, seed=test_seed)
    console.print(f"[bold]Data:[/] generated circles and squares (given.shapes.make_shapes), "
                  f"{args.size}×{args.size}, {args.n_train} train / {args.n_test} held-out "
                  "test images; labels background / circle / square")

    model = learner.call(unet.SimpleUNet, "SimpleUNet", in_channels=1, n_classes=N_CLASSES,
                         upsample=args.upsample, traced=True)
    n_params = _preflight_unet(learner, model, X[:2], masks[:2], pixel_cross_entropy)
    console.print(f"[bold]Model:[/] SimpleUNet(upsample={args.upsample!r}) from "
                  f"{learner.show_path(unet.__file__)}, {n_params:,} parameters")
    console.print(f"[bold]Training:[/] {_plural(steps, 'step')} of batch {args.batch_size}, "
                  f"momentum SGD (lr={args.lr:g}, momentum=0.9) on the pixel-wise softmax "
                  "cross-entropy (given.segmentation.train_segmentation)")

    start = time.perf_counter()
    with _progress(console) as progress, \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        task = progress.add_task("training", total=steps, info="")
        recent = []

        def report(step, value):
            recent.append(value)
            del recent[:-10]
            progress.update(task, advance=1, info=f"loss {_loss_text(float(np.mean(recent)))}")

        losses = learner.call(train_segmentation, "training SimpleUNet", model, X, masks,
                              steps, args.lr, batch_size=args.batch_size, seed=args.seed,
                              callback=report)
    seconds = time.perf_counter() - start
    if losses and not math.isfinite(losses[-1]):
        raise DemoError(f"the loss became {'NaN' if math.isnan(losses[-1]) else 'infinite'} "
                        f"at step {len(losses)}: lower --lr (it is {args.lr:g} now).")
    last = _loss_text(float(np.mean(losses[-10:])))
    console.print(f"      loss {_loss_text(losses[0])} → {last} (mean of the last "
                  f"{min(10, len(losses))} steps), {seconds:.1f} s")
    console.print(braille_plot([("training loss", _moving_average(losses, 10), "bold cyan")],
                               width=max(20, min(60, console.width - 12)), height=8,
                               x_label="step"))

    # BatchNorm's running averages trail the weights; recompute them under the final
    # weights, then predict in eval mode as a deployed model would.
    refresh_images = X[:BN_REFRESH_IMAGES]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        learner.call(refresh_batchnorm_stats, "recomputing BatchNorm statistics", model,
                     refresh_images)
        pred = _predict(learner, model, X_test)
    iou = mean_iou(pred, masks_test, N_CLASSES)
    class_iou = _class_iou(pred, masks_test, N_CLASSES)
    accuracy = float((pred == masks_test).mean())
    per_class = ", ".join(f"{name} {value:.2f}" for name, value in zip(CLASS_NAMES, class_iou)
                          if value is not None)
    console.print(f"[bold green]Done:[/] mean IoU {iou:.3f} on {args.n_test} held-out images "
                  f"({per_class}); pixel accuracy {accuracy:.1%}. (BatchNorm in eval mode, "
                  f"running statistics recomputed on {len(refresh_images)} training images.)")

    shown = min(max(args.show, 0), args.n_test)
    if shown:
        _show_examples(console, X_test[:shown], masks_test[:shown], pred[:shown])
    png = _save_png(console, lambda fig: _draw_segmentation(fig, X_test[:max(shown, 1)],
                                                            masks_test, pred, iou, args),
                    args.png)
    return {"parameters": n_params, "losses": losses, "iou": iou, "class_iou": class_iou,
            "pixel_accuracy": accuracy, "png": str(png) if png else None,
            "seconds": seconds, "steps": steps}


def _preflight_unet(learner, model, X, masks, pixel_cross_entropy):
    """forward, backward and get_params_and_grads once each, traced, on two images."""
    name = "SimpleUNet.forward"
    logits = learner.call(model.forward, name, X, traced=True)
    _checked_array(learner, type(model).forward, name, logits,
                   (len(X), N_CLASSES, *X.shape[2:]), "the logits")
    _, dlogits = pixel_cross_entropy(logits, masks)
    learner.call(model.backward, "SimpleUNet.backward", dlogits, traced=True)
    name = "SimpleUNet.get_params_and_grads"
    pairs = _check_pairs(learner, model, learner.call(model.get_params_and_grads, name,
                                                      traced=True), name)
    if not pairs:
        raise DemoError(learner.returned(name, type(model).get_params_and_grads, pairs,
                                         "a non-empty list of (param, grad) pairs"))
    return sum(p.size for p, _ in pairs)


def _predict(learner, model, X, batch=50):
    labels = []
    for i in range(0, len(X), batch):
        name = "SimpleUNet.forward"
        logits = learner.call(model.forward, name, X[i:i + batch])
        logits = _checked_array(learner, type(model).forward, name, logits,
                                (len(X[i:i + batch]), N_CLASSES, *X.shape[2:]), "the logits")
        labels.append(logits.argmax(axis=1))
    return np.concatenate(labels)


def _class_iou(pred, truth, n_classes):
    """IoU of each class (None where the class is in neither)."""
    out = []
    for c in range(n_classes):
        union = np.logical_or(pred == c, truth == c).sum()
        out.append(float(np.logical_and(pred == c, truth == c).sum() / union) if union else None)
    return out


def _show_examples(console, X, masks, pred):
    size = X.shape[-1]
    # Three panels side by side must fit the terminal: halve the resolution when they don't.
    factor = 1 if 3 * size + 6 <= console.width else 2
    colour = console.color_system is not None
    console.print()
    legend = Text("Held-out examples   ", style="bold")
    for label, name in enumerate(("background", "circle", "square")):
        legend.append("■ " if colour else f"{_MASK_CHARS[label]} ",
                      style=_rgb(label, True) if colour else None)
        legend.append(name + "  ")
    console.print(legend)
    for image, mask, guess in zip(X, masks, pred):
        correct = float((guess == mask).mean())
        panels = [_shrink(image[0], factor, False), _shrink(mask, factor, True),
                  _shrink(guess, factor, True)]
        console.print(render_images(panels, ["input", "truth", f"prediction {correct:.0%}"],
                                    colour=colour))


def _draw_segmentation(fig, X, masks, pred, iou, args):
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap([tuple(c / 255 for c in rgb) for rgb in MASK_COLOURS])
    rows = len(X)
    fig.set_size_inches(7.5, 2.5 * rows)
    axes = fig.subplots(rows, 3, squeeze=False)
    for r in range(rows):
        panels = ((X[r, 0], "input", dict(cmap="gray", vmin=0, vmax=1)),
                  (masks[r], "truth", dict(cmap=cmap, vmin=0, vmax=2)),
                  (pred[r], "prediction", dict(cmap=cmap, vmin=0, vmax=2)))
        for ax, (image, title, style) in zip(axes[r], panels):
            ax.imshow(image, interpolation="nearest", **style)
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title)
    fig.suptitle(f"SimpleUNet (upsample={args.upsample}): mean IoU {iou:.3f} on "
                 f"{args.n_test} held-out images")
    fig.tight_layout()
