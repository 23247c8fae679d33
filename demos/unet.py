"""The Module 6 U-Net demo: train the learner's SimpleUNet to label every pixel of generated
images as background, circle or square.

Both trees run it through a thin entry point that passes in their own modules::

    python -m exercises.module6.train_unet         # your SimpleUNet on circles and squares
    python -m reference.module6.train_unet         # the reference solution

Training uses the course's loop (given.experiments.segmentation.train_segmentation), so only
the learner's SimpleUNet (and the layers in it) is on trial. As in the other demos, a
function that still returns None, an exception, a wrong shape or a NaN loss ends the demo
with one paragraph naming the function and file, never a traceback.

Pictures: the loss curve (braille) and held-out examples (half-block images in colour, or
characters when the output is not a terminal) in the terminal, and a PNG when matplotlib is
installed (``pip install matplotlib``); it says so when it is not.
"""
import argparse
import math
import time

import numpy as np
from rich.text import Text

from .common import (MASK_CHARS, MASK_COLOURS, WITH_BATCHNORM, add_seed_option,
                     add_size_options, argument_parser, begin, braille_plot, diverged,
                     loss_text, moving_average, plural, positive_float, positive_int,
                     prog_name, progress, render_images, rgb, run_main, save_png, shrink)

EPILOG = """\
examples:
  python -m exercises.module6.train_unet
  python -m exercises.module6.train_unet --upsample bilinear --steps 400
  python -m reference.module6.train_unet --size 16 --steps 20 --n-train 32

The images are generated (given.data.shapes.make_shapes): 1-3 filled circles and squares of
random size, position and brightness on a noisy background; each pixel is labelled
background (0), circle (1) or square (2). Training uses
given.experiments.segmentation.train_segmentation (momentum SGD on the pixel-wise softmax
cross-entropy, the same loop the grader uses), so only your SimpleUNet (and the layers in
it) is on trial here.
"""

# Reference, 32x32, lr 0.05, batch 8 (seed 0): 250 steps reach a held-out mean IoU of 0.97
# with nearest or bilinear upsampling but only 0.56 with transposed convolutions, which
# reach 0.94 after 400 steps.
DEFAULT_STEPS = 250
DEFAULT_STEPS_TRANSPOSED = 400
N_CLASSES = 3
BN_REFRESH_IMAGES = 64


# --------------------------------------------------------------------------- CLI

def build_parser(prog=None):
    p = argument_parser(
        prog, "Train your SimpleUNet to label every pixel of generated images as\n"
              "background, circle or square; report the mean IoU on held-out\n"
              "images and show input, truth and prediction side by side.\n"
              "Any TODO left in your code is named, with its file.", EPILOG)
    p.add_argument("--size", type=_size, default=32,
                   help="image height and width, a multiple of 4 in 16..64 (default: 32)")
    add_size_options(p, n_train=256, n_test=100, batch_size=8,
                     test_help="held-out images for the IoU")
    p.add_argument("--steps", type=positive_int, default=None,
                   help=f"training steps (mini-batches) (default: {DEFAULT_STEPS}; "
                        f"{DEFAULT_STEPS_TRANSPOSED} with --upsample transposed, whose "
                        "freshly initialised kernels take longer to learn)")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="alternatively, passes over the training set (sets --steps)")
    p.add_argument("--lr", type=positive_float, default=0.05, help="learning rate (default: 0.05)")
    p.add_argument("--upsample", choices=("nearest", "bilinear", "transposed"), default="nearest",
                   help="how the decoder upsamples (default: nearest)")
    p.add_argument("--show", type=int, default=3, metavar="N",
                   help="held-out examples to draw (default: 3)")
    add_seed_option(p, "the images")
    p.add_argument("--png", default="unet_shapes.png", metavar="PATH",
                   help="where to save the pictures when matplotlib is installed "
                        "(default: unet_shapes.png)")
    return p


def _size(text):
    value = int(text)
    if not (16 <= value <= 64 and value % 4 == 0):
        raise argparse.ArgumentTypeError(f"must be a multiple of 4 in 16..64, got {text}")
    return value


def training_steps(args):
    """Training steps for the parsed options: --epochs wins, then --steps, then the default."""
    if args.epochs is not None:
        return args.epochs * -(-args.n_train // args.batch_size)
    if args.steps is not None:
        return args.steps
    return DEFAULT_STEPS_TRANSPOSED if args.upsample == "transposed" else DEFAULT_STEPS


# --------------------------------------------------------------------------- entry point

def main(argv=None, *, unet, optim=None):
    """Run the U-Net demo with one tree's unet module; returns the exit code.

    `optim` is accepted for symmetry with the other demos; training uses the given
    momentum-SGD loop (given.experiments.segmentation.train_segmentation), not the
    learner's optimizer.
    """
    parser = build_parser(prog_name(unet, "train_unet"))
    return run_main(run, parser, argv, unet=unet, optim=optim)


def run(args, *, unet, optim=None, console=None):
    """Train SimpleUNet on circles and squares; returns the metrics. Raises DemoError.

    Returns a dict: parameters, losses (one per step), iou (mean over background, circle,
    square on the held-out images, BatchNorm in eval mode), class_iou (list of 3),
    pixel_accuracy, png, seconds, steps.
    """
    from given.data.shapes import CLASS_NAMES, make_shapes, mean_iou
    from given.experiments.segmentation import (pixel_cross_entropy, refresh_batchnorm_stats,
                                                train_segmentation)

    args, console, learner = begin(args, build_parser, unet, "train_unet", console)
    steps = training_steps(args)

    np.random.seed(args.seed)
    train_seed, test_seed = np.random.SeedSequence(args.seed).spawn(2)
    X, masks = make_shapes(args.n_train, args.size, seed=train_seed)
    X_test, masks_test = make_shapes(args.n_test, args.size, seed=test_seed)
    console.print(f"[bold]Data:[/] generated circles and squares (given.data.shapes.make_shapes), "
                  f"{args.size}×{args.size}, {args.n_train} train / {args.n_test} held-out "
                  "test images; labels background / circle / square")

    model = learner.call(unet.SimpleUNet, "SimpleUNet", in_channels=1, n_classes=N_CLASSES,
                         upsample=args.upsample, traced=True)
    n_params = _preflight(learner, model, X[:2], masks[:2], pixel_cross_entropy)
    console.print(f"[bold]Model:[/] SimpleUNet(upsample={args.upsample!r}) from "
                  f"{learner.show_path(unet.__file__)}, {n_params:,} parameters")
    console.print(f"[bold]Training:[/] {plural(steps, 'step')} of batch {args.batch_size}, "
                  f"momentum SGD (lr={args.lr:g}, momentum=0.9) on the pixel-wise softmax "
                  "cross-entropy (given.experiments.segmentation.train_segmentation)")

    start = time.perf_counter()
    with progress(console) as bar, \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        task = bar.add_task("training", total=steps, info="")
        recent = []

        def report(step, value):
            recent.append(value)
            del recent[:-10]
            bar.update(task, advance=1, info=f"loss {loss_text(float(np.mean(recent)))}")

        losses = learner.call(train_segmentation, "training SimpleUNet", model, X, masks,
                              steps, args.lr, batch_size=args.batch_size, seed=args.seed,
                              callback=report)
    seconds = time.perf_counter() - start
    if losses and not math.isfinite(losses[-1]):
        raise diverged("the loss", losses[-1], f"step {len(losses)}", args.lr)
    last = loss_text(float(np.mean(losses[-10:])))
    console.print(f"      loss {loss_text(losses[0])} → {last} (mean of the last "
                  f"{min(10, len(losses))} steps), {seconds:.1f} s")
    console.print(braille_plot([("training loss", moving_average(losses, 10), "bold cyan")],
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
    png = save_png(console, lambda fig: _draw_segmentation(fig, X_test[:max(shown, 1)],
                                                           masks_test, pred, iou, args),
                   args.png)
    return {"parameters": n_params, "losses": losses, "iou": iou, "class_iou": class_iou,
            "pixel_accuracy": accuracy, "png": str(png) if png else None,
            "seconds": seconds, "steps": steps}


# --------------------------------------------------------------------------- checked calls

def _preflight(learner, model, X, masks, pixel_cross_entropy):
    """forward, backward and get_params_and_grads once each, traced, on two images."""
    logits = _logits(learner, model, X, traced=True)
    _, dlogits = pixel_cross_entropy(logits, masks)
    learner.call(model.backward, "SimpleUNet.backward", dlogits, traced=True)
    pairs = learner.pairs(model, traced=True, nonempty=True, gradients=WITH_BATCHNORM)
    return sum(p.size for p, _ in pairs)


def _logits(learner, model, X, traced=False):
    """SimpleUNet.forward(X), checked: the logits, (len(X), N_CLASSES, H, W)."""
    name = "SimpleUNet.forward"
    logits = learner.call(model.forward, name, X, traced=traced)
    return learner.checked_array(type(model).forward, name, logits,
                                 (len(X), N_CLASSES, *X.shape[2:]), "the logits")


def _predict(learner, model, X, batch=50):
    return np.concatenate([_logits(learner, model, X[i:i + batch]).argmax(axis=1)
                           for i in range(0, len(X), batch)])


def _class_iou(pred, truth, n_classes):
    """IoU of each class (None where the class is in neither)."""
    out = []
    for c in range(n_classes):
        union = np.logical_or(pred == c, truth == c).sum()
        out.append(float(np.logical_and(pred == c, truth == c).sum() / union) if union else None)
    return out


# --------------------------------------------------------------------------- pictures

def _show_examples(console, X, masks, pred):
    size = X.shape[-1]
    # Three panels side by side must fit the terminal: halve the resolution when they don't.
    factor = 1 if 3 * size + 6 <= console.width else 2
    colour = console.color_system is not None
    console.print()
    legend = Text("Held-out examples   ", style="bold")
    for label, name in enumerate(("background", "circle", "square")):
        legend.append("■ " if colour else f"{MASK_CHARS[label]} ",
                      style=rgb(label, True) if colour else None)
        legend.append(name + "  ")
    console.print(legend)
    for image, mask, guess in zip(X, masks, pred):
        correct = float((guess == mask).mean())
        panels = [shrink(image[0], factor, False), shrink(mask, factor, True),
                  shrink(guess, factor, True)]
        console.print(render_images(panels, ["input", "truth", f"prediction {correct:.0%}"],
                                    colour=colour))


def _draw_segmentation(fig, X, masks, pred, iou, args):
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap([tuple(c / 255 for c in colour) for colour in MASK_COLOURS])
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
