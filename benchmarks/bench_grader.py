"""Overhead of the grader's process boundary, measured in one run.

    .venv/bin/python benchmarks/bench_grader.py

Prints the cost of starting a worker, of one round trip, of calls that move arrays of
LeNet-batch size, and of a numerical gradient check done through the proxy (every
evaluation is a setitem on the student's own parameter plus a forward), next to the same
gradient check run in-process: their ratio is what the boundary costs a gradcheck.
"""
import time

import numpy as np

from grader.proxy import Student
from given.gradcheck import numerical_gradient
from reference.module5.layers import Conv2D


def per_call(fn, n):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def main():
    target = "reference"
    s = Student(target)
    s.module("module5.layers")              # the first worker also makes the stage
    starts = []
    for _ in range(5):
        other = Student(target)
        t = time.perf_counter()
        other.module("module5.layers")
        starts.append(time.perf_counter() - t)
        other.close()
    print(f"new worker + import of the tree: {min(starts) * 1e3:.1f} ms (best of 5)")
    layers = s.module("module5.layers")
    print(f"round trip (ping):               {per_call(lambda: s.request('ping'), 2000) * 1e6:.0f} µs")
    fc = layers.FullyConnected(4, 3)
    x = np.random.randn(2, 4)
    print(f"FC.forward on (2, 4):            {per_call(lambda: fc.forward(x), 2000) * 1e6:.0f} µs")
    conv = layers.Conv2D(1, 6, 5)
    xb = np.random.randn(32, 1, 28, 28)
    print(f"Conv2D.forward on (32,1,28,28):  {per_call(lambda: conv.forward(xb), 50) * 1e3:.2f} ms"
          f"  (in-process {per_call(lambda: Conv2D(1, 6, 5).forward(xb), 50) * 1e3:.2f} ms)")

    # Gradient of sum(conv(x) * dout) w.r.t. the student's own W, through the proxy.
    rng = np.random.default_rng(0)
    conv = layers.Conv2D(3, 4, 3)
    W = rng.standard_normal((4, 3, 3, 3))
    conv.W = W
    x = rng.standard_normal((2, 3, 6, 6))
    dout = rng.standard_normal((2, 4, 4, 4))
    W_remote = s.attr(conv, "W")
    calls_before = s.requests

    def remote_f(v):
        W_remote[...] = v
        return conv.forward(x)

    t = time.perf_counter()
    numerical_gradient(remote_f, W.copy(), dout)
    remote = time.perf_counter() - t
    calls = s.requests - calls_before
    local_conv = Conv2D(3, 4, 3)
    local_conv.W = W.copy()
    t = time.perf_counter()
    numerical_gradient(lambda v: local_conv.forward(x), local_conv.W, dout)
    local = time.perf_counter() - t
    print(f"gradcheck of W (108 coords) via proxy: {calls} calls in {remote * 1e3:.0f} ms "
          f"= {remote / calls * 1e6:.0f} µs/call; in-process {local * 1e3:.1f} ms "
          f"(boundary costs {remote / local:.1f}x)")
    s.close()


if __name__ == "__main__":
    main()
