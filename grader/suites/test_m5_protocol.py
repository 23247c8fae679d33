"""Module 5: the layer protocol. forward leaves its input as it was; get_params_and_grads
returns the layer's own parameter arrays (an optimizer changes them in place) with the
current gradients.

Arrays normally cross the process boundary by value, which would hide both properties. Here
the inputs and parameters are kept in the worker (student.keep): the layer receives the
worker's own array, and the trusted side reads it back afterwards (student.fetch) or asks
whether an array the layer returns is that very object (student.same).
"""
import numpy as np

from grader.checks import Mismatch, Todo, check
from grader.expect import expect_array

from . import hints, oracles

DOC = "docs/module5.md#layer-protocol"

H = hints.table("m5_protocol")


def first_change(before, after):
    if before.shape != after.shape:
        return f"its shape changed from {before.shape} to {after.shape}"
    same = (before == after) | (np.isnan(before) & np.isnan(after))
    idx = tuple(int(i) for i in np.argwhere(~same)[0])
    return f"x{list(idx)} was {before[idx]:.6g}, now {after[idx]:.6g}"


def mutation_cases(rng):
    """part -> (constructor name, args, kwargs, input)."""
    return {
        "fc": ("FullyConnected", (5, 3), {}, rng.standard_normal((4, 5))),
        "relu": ("ReLU", (), {}, oracles.away_from_zero(rng, (2, 3, 4, 4))),
        "sigmoid": ("Sigmoid", (), {}, 3 * rng.standard_normal((4, 6))),
        "conv": ("Conv2D", (2, 3, 3), {"stride": 1, "padding": 1},
                 rng.standard_normal((2, 2, 5, 5))),
        "pool": ("MaxPool2D", (2,), {}, oracles.distinct(rng, (2, 2, 4, 6))),
    }


@check("m5.layers.no_input_mutation", points=1, parts=("fc", "relu", "sigmoid", "conv", "pool"),
       title=("forward leaves its input unchanged", "forward 不修改輸入"), doc=DOC, hidden=True)
def test_no_input_mutation(student, rng, grade):
    layers = student.module("module5.layers")
    for part, (cls, args, kwargs, x) in mutation_cases(rng).items():
        with grade.part(part):
            layer = getattr(layers, cls)(*args, **kwargs)
            kept = student.keep(x)
            out = expect_array(layer.forward(kept), f"{cls}.forward(x)")
            after = student.fetch(kept)
            if not np.array_equal(after, x, equal_nan=True):
                raise Mismatch(H("forward_mutated_x", cls=cls, change=first_change(x, after)),
                               H("forward_mutation"))
            dx = layer.backward(rng.standard_normal(out.shape))
            expect_array(dx, f"{cls}.backward(dout)", x.shape)
            after = student.fetch(kept)
            if not np.array_equal(after, x, equal_nan=True):
                raise Mismatch(H("backward_mutated_x", cls=cls, change=first_change(x, after)),
                               H("backward_mutation"))


def param_cases(rng):
    """part -> (constructor, args, kwargs, W shape, b shape, input shape)."""
    D, M = 5, 3
    C, F = 2, 3
    return {
        "fc": ("FullyConnected", (D, M), {}, (D, M), (M,), (4, D)),
        "conv": ("Conv2D", (C, F, 3), {"stride": 1, "padding": 1}, (F, C, 3, 3), (F,),
                 (2, C, 4, 5)),
    }


def find_pairs(pairs, cls):
    """Validate the shape of get_params_and_grads()'s answer: a list of 2 (param, grad)."""
    if pairs is None:
        raise Todo(f"{cls}.get_params_and_grads()")
    if not isinstance(pairs, (list, tuple)) or len(pairs) != 2 or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        what = type(pairs).__name__
        if isinstance(pairs, (list, tuple)):
            what += f" of length {len(pairs)}"
        raise Mismatch(H("not_two_pairs", cls=cls, what=what))
    return pairs


@check("m5.layers.params_live", points=1, parts=("fc", "conv"),
       title=("get_params_and_grads returns the live arrays",
              "get_params_and_grads 回傳的是 layer 自己的陣列"), doc=DOC, hidden=True)
def test_params_live(student, rng, grade):
    layers = student.module("module5.layers")
    for part, (cls, args, kwargs, w_shape, b_shape, x_shape) in param_cases(rng).items():
        with grade.part(part):
            layer = getattr(layers, cls)(*args, **kwargs)
            W, b = rng.standard_normal(w_shape), rng.standard_normal(b_shape)
            W_kept, b_kept = student.keep(W), student.keep(b)
            layer.W = W_kept
            layer.b = b_kept
            for step in (1, 2):          # the second backward must show up in the pairs too
                x = rng.standard_normal(x_shape)
                out = expect_array(layer.forward(x), f"{cls}.forward(x)")
                dout = rng.standard_normal(out.shape)
                expect_array(layer.backward(dout), f"{cls}.backward(dout)", x.shape)
                pairs = find_pairs(layer.get_params_and_grads.keep(), cls)
                for name, kept, value in [("W", W_kept, W), ("b", b_kept, b)]:
                    if not np.array_equal(student.fetch(kept), value):
                        raise Mismatch(H("param_changed", cls=cls, name=name),
                                       H("param_changed_hint"))
                    matches = [p for p in pairs if student.same(p[0], kept)]
                    if not matches:
                        rebound = not student.same(student.attr(layer, name), kept)
                        raise Mismatch(H("no_pair_holds_param", cls=cls, name=name, step=step),
                                       H("param_rebound") if rebound else H("params_copied"))
                    # The paired gradient must be the layer's current one (its correctness is
                    # the backward checks' business).
                    grad = expect_array(student.fetch(matches[0][1]),
                                        f"the gradient paired with {cls}.{name}", value.shape)
                    current = expect_array(getattr(layer, "d" + name),
                                           f"{cls}.d{name}", value.shape)
                    if not np.array_equal(grad, current):
                        raise Mismatch(H("stale_gradient", cls=cls, name=name, step=step),
                                       H("stale_gradient_hint"))
