"""Speed of the Module 5 reference, as ratios measured in one run.

    .venv/bin/python benchmarks/bench_module5.py

Prints, for Conv2D and MaxPool2D forward+backward on LeNet-sized batches, the time of the
reference, of a loop-over-output-positions version (vectorised over batch and channels, what
an honest learner who skips im2col writes), and of a four-nested-loop version, and the ratios.
PyTorch's float64 CPU time is printed too when torch is installed. Figures, not assertions:
timing belongs here, not in unit tests.
"""
import time

import numpy as np

from reference.module5.layers import Conv2D, MaxPool2D
from reference.module5.loss import cross_entropy_loss
from reference.module5.network import SimpleConvNet


def best_of(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def conv_positions(x, W, b, dout, s=1):
    """Loop over output positions only; every iteration is a (N, C*k*k) x (C*k*k, F) product."""
    N, C, H, Wd = x.shape
    F, _, k, _ = W.shape
    Ho, Wo = (H - k) // s + 1, (Wd - k) // s + 1
    Wm = W.reshape(F, -1)
    out = np.empty((N, F, Ho, Wo))
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for i in range(Ho):
        for j in range(Wo):
            patch = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, -1)
            out[:, :, i, j] = patch @ Wm.T + b
    for i in range(Ho):
        for j in range(Wo):
            patch = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, -1)
            dW += (dout[:, :, i, j].T @ patch).reshape(W.shape)
            dx[:, :, i * s:i * s + k, j * s:j * s + k] += (dout[:, :, i, j] @ Wm).reshape(N, C, k, k)
    return out, dx, dW


def conv_four_loops(x, W, b, dout):
    N, C, H, Wd = x.shape
    F, _, k, _ = W.shape
    Ho, Wo = H - k + 1, Wd - k + 1
    out = np.empty((N, F, Ho, Wo))
    dx, dW = np.zeros_like(x), np.zeros_like(W)
    for n in range(N):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + k, j:j + k] * W[f]) + b[f]
                    dW[f] += dout[n, f, i, j] * x[n, :, i:i + k, j:j + k]
                    dx[n, :, i:i + k, j:j + k] += dout[n, f, i, j] * W[f]
    return out, dx, dW


def main():
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}")
    print(f"{'case':44s} {'reference':>10s} {'positions':>10s} {'4 loops':>10s}  ratios")
    for label, (N, C, H, F, k) in {
        "conv1 of LeNet, batch 32 (32,1,28,28)->6": (32, 1, 28, 6, 5),
        "conv2 of LeNet, batch 32 (32,6,12,12)->16": (32, 6, 12, 16, 5),
    }.items():
        conv = Conv2D(C, F, k)
        x = rng.standard_normal((N, C, H, H))
        dout = rng.standard_normal((N, F, H - k + 1, H - k + 1))
        ref = best_of(lambda: (conv.forward(x), conv.backward(dout)))
        pos = best_of(lambda: conv_positions(x, conv.W, conv.b, dout))
        loops = best_of(lambda: conv_four_loops(x[:4], conv.W, conv.b, dout[:4]), repeat=1) * N / 4
        print(f"{label:44s} {ref * 1e3:8.2f}ms {pos * 1e3:8.2f}ms {loops * 1e3:8.0f}ms"
              f"  positions/ref {pos / ref:5.1f}x  loops/ref {loops / ref:6.0f}x")
    pool = MaxPool2D(2)
    x = rng.standard_normal((32, 6, 24, 24))
    t = best_of(lambda: pool.backward(pool.forward(x)))
    print(f"{'maxpool 2x2, batch 32 (32,6,24,24)':44s} {t * 1e3:8.2f}ms")
    np.random.seed(0)
    model = SimpleConvNet()
    X, y = rng.standard_normal((32, 1, 28, 28)), rng.integers(0, 10, 32)

    def step():
        _, d = cross_entropy_loss(model.forward(X), y)
        model.backward(d)

    t = best_of(step)
    print(f"{'SimpleConvNet forward+backward, batch 32':44s} {t * 1e3:8.2f}ms"
          f"  ({32 / t:,.0f} images/s)")
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return
    xt = torch.tensor(rng.standard_normal((32, 1, 28, 28)), requires_grad=True)
    Wt = torch.tensor(rng.standard_normal((6, 1, 5, 5)), requires_grad=True)
    conv = Conv2D(1, 6, 5)
    conv.W = Wt.detach().numpy().copy()
    xn = xt.detach().numpy().copy()
    g = torch.ones(32, 6, 24, 24, dtype=torch.float64)
    tt = best_of(lambda: F.conv2d(xt, Wt).backward(g))
    tr = best_of(lambda: (conv.forward(xn), conv.backward(g.numpy())))
    print(f"{'conv1 vs torch float64 CPU':44s} reference/torch {tr / tt:5.1f}x")


if __name__ == "__main__":
    main()
