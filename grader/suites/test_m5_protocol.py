"""Module 5: the layer protocol. forward leaves its input as it was; get_params_and_grads
returns the layer's own parameter arrays (an optimizer changes them in place) with the
current gradients.

Arrays normally cross the process boundary by value, which would hide both properties. Here
the inputs and parameters are kept in the worker (student.keep): the layer receives the
worker's own array, and the trusted side reads it back afterwards (student.fetch) or asks
whether an array the layer returns is that very object (student.same).
"""
import numpy as np

from grader.checks import Mismatch, Msg, Todo, check
from grader.expect import expect_array

from . import oracles

DOC = "docs/module5.md#layer-protocol"

MUTATION_HINT = Msg(
    "forward must leave x as it was and return a new array: the caller may still need x "
    "(a residual shortcut, the next gradient check). Use out-of-place operations "
    "(np.maximum(x, 0), x @ W + b) or work on x.copy(); never x[...] = ..., x *= ... or out=x",
    "forward 不可以改動 x，要回傳新的陣列：呼叫端可能還需要 x（例如殘差連接、下一次梯度檢查）。"
    "請用不會原地修改的運算（np.maximum(x, 0)、x @ W + b），或先 x.copy()；"
    "不要 x[...] = ...、x *= ... 或 out=x")
BACKWARD_MUTATION_HINT = Msg(
    "backward wrote into the input forward kept (self.cache is the caller's x, not a copy): "
    "compute dx in a new array",
    "backward 改到了 forward 存下的輸入（self.cache 就是呼叫端的 x，不是複本）：dx 要放在新的陣列裡")


def first_change(before, after):
    if before.shape != after.shape:
        return f"its shape changed from {before.shape} to {after.shape}"
    idx = tuple(int(i) for i in np.argwhere(~((before == after) | (np.isnan(before) & np.isnan(after))))[0])
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
       title=("forward leaves its input unchanged", "forward 不修改輸入"), doc=DOC)
def test_no_input_mutation(student, rng, grade):
    layers = student.module("module5.layers")
    for part, (cls, args, kwargs, x) in mutation_cases(rng).items():
        with grade.part(part):
            layer = getattr(layers, cls)(*args, **kwargs)
            kept = student.keep(x)
            out = expect_array(layer.forward(kept), f"{cls}.forward(x)")
            after = student.fetch(kept)
            if not np.array_equal(after, x, equal_nan=True):
                raise Mismatch(Msg(f"{cls}.forward(x) modified x in place: {first_change(x, after)}",
                                   f"{cls}.forward(x) 原地修改了 x：{first_change(x, after)}"),
                               MUTATION_HINT)
            dx = layer.backward(rng.standard_normal(out.shape))
            expect_array(dx, f"{cls}.backward(dout)", x.shape)
            after = student.fetch(kept)
            if not np.array_equal(after, x, equal_nan=True):
                raise Mismatch(Msg(f"{cls}.backward changed the x given to forward: "
                                   f"{first_change(x, after)}",
                                   f"{cls}.backward 改到了傳給 forward 的 x：{first_change(x, after)}"),
                               BACKWARD_MUTATION_HINT)


def param_cases(rng):
    """part -> (constructor, args, kwargs, W shape, b shape, input shape)."""
    D, M = 5, 3
    C, F = 2, 3
    return {
        "fc": ("FullyConnected", (D, M), {}, (D, M), (M,), (4, D)),
        "conv": ("Conv2D", (C, F, 3), {"stride": 1, "padding": 1}, (F, C, 3, 3), (F,), (2, C, 4, 5)),
    }


COPY_HINT = Msg(
    "get_params_and_grads must return the layer's own arrays, not copies: "
    "[(self.W, self.dW), (self.b, self.db)]; the optimizer updates each param in place "
    "(param -= lr * grad), and MomentumSGD keeps one velocity per param object",
    "get_params_and_grads 要回傳 layer 自己的陣列而不是複本：[(self.W, self.dW), (self.b, self.db)]；"
    "optimizer 會原地更新每個參數（param -= lr * grad），MomentumSGD 也依參數物件各存一個速度")
REBIND_HINT = Msg(
    "the layer replaced its parameter with a new array (self.W = ... in forward or backward, "
    "or .astype, which copies): keep the array the layer was given and only change it in place",
    "layer 把參數換成了新的陣列（在 forward 或 backward 裡 self.W = ...，或 .astype 會複製）："
    "要一直使用原本給它的陣列，只能原地修改")
STALE_HINT = Msg(
    "the gradients in get_params_and_grads are stale: build the list when it is called, "
    "after backward has set self.dW and self.db (do not store the pairs once in __init__ "
    "or on the first call)",
    "get_params_and_grads 裡的梯度是舊的：要在呼叫時才建立串列，也就是 backward 設好 self.dW、"
    "self.db 之後（不要在 __init__ 或第一次呼叫時就存起來）")


def find_pairs(pairs, cls):
    """Validate the shape of get_params_and_grads()'s answer: a list of 2 (param, grad)."""
    if pairs is None:
        raise Todo(f"{cls}.get_params_and_grads()")
    if not isinstance(pairs, (list, tuple)) or len(pairs) != 2 or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
        what = type(pairs).__name__ + (f" of length {len(pairs)}" if isinstance(pairs, (list, tuple)) else "")
        raise Mismatch(Msg(f"{cls}.get_params_and_grads() should return two (param, grad) pairs, "
                           f"got a {what}",
                           f"{cls}.get_params_and_grads() 應回傳兩組 (param, grad)，但得到 {what}"))
    return pairs


@check("m5.layers.params_live", points=1, parts=("fc", "conv"),
       title=("get_params_and_grads returns the live arrays",
              "get_params_and_grads 回傳的是 layer 自己的陣列"), doc=DOC)
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
                        raise Mismatch(Msg(f"{cls}.{name} changed during forward/backward",
                                           f"{cls}.{name} 在 forward/backward 中被改動了"),
                                       Msg("forward and backward must not change the parameters: "
                                           "backward only stores the gradients; the optimizer updates",
                                           "forward 與 backward 不可以改動參數：backward 只存梯度，更新交給 optimizer"))
                    matches = [p for p in pairs if student.same(p[0], kept)]
                    if not matches:
                        rebound = not student.same(student.attr(layer, name), kept)
                        raise Mismatch(Msg(f"no pair of {cls}.get_params_and_grads() holds the "
                                           f"array set as {cls}.{name} (after backward {step})",
                                           f"{cls}.get_params_and_grads() 沒有任何一組是設定給 "
                                           f"{cls}.{name} 的那個陣列（第 {step} 次 backward 之後）"),
                                       REBIND_HINT if rebound else COPY_HINT)
                    # The paired gradient must be the layer's current one (its correctness is
                    # the backward checks' business).
                    grad = expect_array(student.fetch(matches[0][1]),
                                        f"the gradient paired with {cls}.{name}", value.shape)
                    current = expect_array(getattr(layer, "d" + name),
                                           f"{cls}.d{name}", value.shape)
                    if not np.array_equal(grad, current):
                        raise Mismatch(Msg(f"the gradient paired with {cls}.{name} is not the "
                                           f"current {cls}.d{name} (after backward {step})",
                                           f"與 {cls}.{name} 配對的梯度不是目前的 {cls}.d{name}"
                                           f"（第 {step} 次 backward 之後）"), STALE_HINT)
