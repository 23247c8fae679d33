"""Gradient-check tools for models with ReLU, max-pooling and train-mode batch norm, shared
by the Module 6 reference tests (the reasons are in test_blocks_reference.py's docstring).

- `scaled_error`: given.gradcheck's sampling and rel_error, with the error floor at `floor`
  times the largest |analytic| entry.
- `KinkGuard`: records the ReLU / max-pool pattern of every forward, so a numerical check
  whose perturbation crossed a kink or a pooling tie fails clearly instead of mysteriously.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from given.gradcheck import numerical_gradient, rel_error
from reference.module5.layers import MaxPool2D, ReLU


def scaled_error(f, x, analytic, dout=None, num_checks=None, seed=0, floor=0.01):
    """Like given.gradcheck.gradient_check (same sampling of coordinates), but the relative
    error's floor is `floor` times the largest |analytic| entry (see the module doc)."""
    analytic = np.asarray(analytic, dtype=np.float64)
    assert analytic.shape == x.shape
    if num_checks is None or num_checks >= x.size:
        indices = list(np.ndindex(*x.shape))
    else:
        flat = np.random.default_rng(seed).choice(x.size, size=num_checks, replace=False)
        indices = [np.unravel_index(i, x.shape) for i in flat]
    numeric = numerical_gradient(f, x, dout, indices=indices)
    picked = tuple(np.array(indices).T)
    return rel_error(analytic[picked], numeric[picked], eps=floor * np.max(np.abs(analytic)))


def layers_of(obj, cls, seen=None):
    """Every instance of `cls` reachable through attributes and lists, found independently
    of given.model_utils."""
    seen = set() if seen is None else seen
    if id(obj) in seen or not hasattr(obj, "__dict__"):
        return []
    seen.add(id(obj))
    found = [obj] if isinstance(obj, cls) else []
    for value in vars(obj).values():
        for v in (value if isinstance(value, (list, tuple)) else [value]):
            if hasattr(v, "__dict__") and not callable(v):
                found += layers_of(v, cls, seen)
    return found


def pattern(layer, x):
    if isinstance(layer, ReLU):
        return x > 0
    k, s = layer.kernel_size, layer.stride
    win = sliding_window_view(x, (k, k), axis=(2, 3))[:, :, ::s, ::s]
    return win.reshape(*win.shape[:4], k * k).argmax(axis=-1)


class KinkGuard:
    """Records the ReLU / max-pool pattern of every forward of a model (see module doc).

    with KinkGuard(model) as guard:
        out = guard.forward(lambda: model.forward(x))      # the base pattern
        ...backward...
        err = gradient_check(guard.watch(f), ...)           # every evaluation compared
    assert guard.crossings == 0
    """

    def __init__(self, model):
        self.layers = layers_of(model, (ReLU, MaxPool2D))
        assert self.layers, "nothing to guard"
        self.base, self.seen, self.evaluations, self.crossings = None, [], 0, 0
        self.relu_margin = math.inf

    def __enter__(self):
        for layer in self.layers:
            layer.forward = self._recording(layer, type(layer).forward.__get__(layer))
        return self

    def __exit__(self, *exc):
        for layer in self.layers:
            del layer.forward

    def _recording(self, layer, forward):
        def recorded(x):
            self.seen.append(pattern(layer, x))
            if self.base is None and isinstance(layer, ReLU):
                self.relu_margin = min(self.relu_margin, float(np.min(np.abs(x))))
            return forward(x)
        return recorded

    def forward(self, run):
        self.seen = []
        out = run()
        self.base = self.seen
        return out

    def watch(self, f):
        def guarded(v):
            self.seen = []
            out = f(v)
            self.evaluations += 1
            same = len(self.seen) == len(self.base) and all(
                np.array_equal(a, b) for a, b in zip(self.seen, self.base))
            self.crossings += not same
            return out
        return guarded

    def assert_no_crossing(self):
        assert self.evaluations > 0 and self.crossings == 0, (
            f"{self.crossings} of {self.evaluations} evaluations crossed a ReLU kink or a "
            "max-pool tie: the draw is too close to one, choose another seed")
