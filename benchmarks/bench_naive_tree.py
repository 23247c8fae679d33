"""Time the naive loop-style tree (tests/grader/trees/naive) against reference/.

One forward + backward of each layer at the sizes the grader's training checks use, and one
training step (forward, loss, backward, momentum update) of SimpleConvNet and SimpleUNet;
the best of a few runs each, on the same inputs for both trees.

    .venv/bin/python benchmarks/bench_naive_tree.py [--repeats N]

The grader's budgets (grader/suites/budget.py) make these ratios a matter of time, not of
points: tests/grader/test_naive_trees.py grades the naive tree at the default limits.
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "grader" / "trees"))

import numpy as np  # noqa: E402

from given.experiments.segmentation import pixel_cross_entropy  # noqa: E402
from grader.suites.oracles_m5_training import min_time  # noqa: E402

import reference.module5.layers as R_layers  # noqa: E402
import reference.module5.loss as R_loss  # noqa: E402
import reference.module5.network as R_net  # noqa: E402
import reference.module5.optim as R_optim  # noqa: E402
import reference.module6.batchnorm as R_bn  # noqa: E402
import reference.module6.transposed_conv as R_tc  # noqa: E402
import reference.module6.unet as R_unet  # noqa: E402
import reference.module6.upsample as R_up  # noqa: E402

import naive.module5.layers as N_layers  # noqa: E402
import naive.module5.loss as N_loss  # noqa: E402
import naive.module5.network as N_net  # noqa: E402
import naive.module5.optim as N_optim  # noqa: E402
import naive.module6.batchnorm as N_bn  # noqa: E402
import naive.module6.transposed_conv as N_tc  # noqa: E402
import naive.module6.unet as N_unet  # noqa: E402
import naive.module6.upsample as N_up  # noqa: E402

TREES = {
    "naive": dict(layers=N_layers, loss=N_loss, net=N_net, optim=N_optim, bn=N_bn, tc=N_tc,
                  unet=N_unet, up=N_up),
    "reference": dict(layers=R_layers, loss=R_loss, net=R_net, optim=R_optim, bn=R_bn, tc=R_tc,
                      unet=R_unet, up=R_up),
}



def layer_step(make, x_shape):
    """A callable running forward + backward of a fresh layer on fixed inputs."""
    def setup(t):
        np.random.seed(0)
        layer = make(t)
        rng = np.random.default_rng(0)
        x = rng.standard_normal(x_shape)
        dout = rng.standard_normal(layer.forward(x).shape)

        def run():
            layer.forward(x)
            layer.backward(dout)
        return run
    return setup


def lenet_step(batch):
    def setup(t):
        np.random.seed(0)
        model = t["net"].SimpleConvNet(input_shape=(1, 28, 28), num_classes=10)
        opt = t["optim"].MomentumSGD(lr=0.005, momentum=0.9)
        rng = np.random.default_rng(0)
        X, y = rng.standard_normal((batch, 1, 28, 28)), rng.integers(0, 10, batch)

        def run():
            scores = model.forward(X)
            _, dscores = t["loss"].cross_entropy_loss(scores, y)
            model.backward(dscores)
            opt.step(model.get_params_and_grads())
        return run
    return setup


def unet_step(batch, size):
    def setup(t):
        np.random.seed(0)
        model = t["unet"].SimpleUNet(in_channels=1, n_classes=2, upsample="nearest")
        opt = t["optim"].MomentumSGD(lr=0.1, momentum=0.9)
        rng = np.random.default_rng(0)
        X = rng.standard_normal((batch, 1, size, size))
        masks = rng.integers(0, 2, (batch, size, size))

        def run():
            logits = model.forward(X)
            _, dlogits = pixel_cross_entropy(logits, masks)
            model.backward(dlogits)
            opt.step(model.get_params_and_grads())
        return run
    return setup


CASES = [
    ("Conv2D(1, 6, 5)", "(20, 1, 28, 28)", layer_step(lambda t: t["layers"].Conv2D(1, 6, 5), (20, 1, 28, 28))),
    ("Conv2D(6, 16, 5)", "(20, 6, 12, 12)", layer_step(lambda t: t["layers"].Conv2D(6, 16, 5), (20, 6, 12, 12))),
    ("MaxPool2D(2)", "(20, 6, 24, 24)", layer_step(lambda t: t["layers"].MaxPool2D(2), (20, 6, 24, 24))),
    ("BatchNorm2D(8)", "(8, 8, 16, 16)", layer_step(lambda t: t["bn"].BatchNorm2D(8), (8, 8, 16, 16))),
    ("Upsample(2, nearest)", "(8, 16, 8, 8)", layer_step(lambda t: t["up"].Upsample(2, "nearest"), (8, 16, 8, 8))),
    ("Upsample(2, bilinear)", "(8, 16, 8, 8)", layer_step(lambda t: t["up"].Upsample(2, "bilinear"), (8, 16, 8, 8))),
    ("ConvTranspose2D(16, 16, 2, s=2)", "(8, 16, 8, 8)",
     layer_step(lambda t: t["tc"].ConvTranspose2D(16, 16, 2, stride=2), (8, 16, 8, 8))),
    ("Conv2D(8, 8, 3, padding=1)", "(8, 8, 16, 16)",
     layer_step(lambda t: t["layers"].Conv2D(8, 8, 3, padding=1), (8, 8, 16, 16))),
    ("SimpleConvNet step", "batch 20, 1x28x28", lenet_step(20)),
    ("SimpleUNet(1, 2) step", "batch 8, 1x16x16", unet_step(8, 16)),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (best is kept)")
    args = parser.parse_args()
    rows = []
    for name, shape, setup in CASES:
        naive = min_time(setup(TREES["naive"]), args.repeats)
        ref = min_time(setup(TREES["reference"]), max(args.repeats, 5))
        rows.append((name, shape, naive, ref))
    w0, w1 = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
    print(f"one forward + backward (steps: + loss + MomentumSGD update), best of "
          f"{args.repeats} (naive) / {max(args.repeats, 5)} (reference)")
    print(f"{'layer':<{w0}}  {'input':<{w1}}  {'naive ms':>10}  {'reference ms':>12}  {'naive/ref':>9}")
    for name, shape, naive, ref in rows:
        print(f"{name:<{w0}}  {shape:<{w1}}  {naive * 1e3:>10.1f}  {ref * 1e3:>12.2f}  "
              f"{naive / ref:>8.0f}x")


if __name__ == "__main__":
    main()
