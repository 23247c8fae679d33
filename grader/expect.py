"""Judging what student code returned: type first, then shape and dtype, then values.

Every helper raises Todo for None (the skeleton's `pass`) and Mismatch with a bilingual
message for anything wrong, naming the worst element and, where the error has a telling
shape, the likely mistake (a factor of N, a flipped sign, a transpose, float32).
Values arrive through grader/codec.py, so they are plain numpy arrays and Python/numpy
numbers: an object with a clever __eq__ cannot reach this code.
"""
import numpy as np

from .checks import Mismatch, Msg, Todo
from .errors import StudentError


def expect_array(value, name, shape=None, dtype=np.float64):
    """`value` must be an ndarray of `shape` (tuple, or None for any) and `dtype`."""
    if value is None:
        raise Todo(name)
    if not isinstance(value, np.ndarray):
        raise Mismatch(Msg(f"{name} should be a numpy array, got {_type_name(value)}",
                           f"{name} 應該是 numpy 陣列，但得到 {_type_name(value)}"))
    if shape is not None and value.shape != tuple(shape):
        raise Mismatch(Msg(f"{name} has shape {value.shape}, expected {tuple(shape)}",
                           f"{name} 的形狀是 {value.shape}，應該是 {tuple(shape)}"),
                       _shape_hint(value.shape, tuple(shape)))
    if dtype is not None and value.dtype != dtype:
        hint = None
        if value.dtype == np.float32 and dtype == np.float64:
            hint = Msg("float32 output: keep float64 (an np.zeros(..., dtype=np.float32) "
                       "or .astype(np.float32) somewhere?)",
                       "輸出是 float32：請維持 float64（是否有 dtype=np.float32 或 .astype(np.float32)？）")
        elif value.dtype.kind in "iub":
            hint = Msg("integer output: an array was created with an integer dtype "
                       "(np.zeros_like of an int array?)",
                       "輸出是整數型別：某個陣列以整數型別建立（例如對 int 陣列用 np.zeros_like？）")
        raise Mismatch(Msg(f"{name} has dtype {value.dtype}, expected {np.dtype(dtype)}",
                           f"{name} 的 dtype 是 {value.dtype}，應該是 {np.dtype(dtype)}"), hint)
    return value


def expect_scalar(value, name):
    """A real number (Python or numpy scalar, or a 0-d / size-1 array); returns a float."""
    if value is None:
        raise Todo(name)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "fiu":
        return float(value.reshape(()))
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)) \
            or isinstance(value, (complex, np.complexfloating)):
        raise Mismatch(Msg(f"{name} should be a number, got {_type_name(value)}",
                           f"{name} 應該是一個數字，但得到 {_type_name(value)}"))
    return float(value)


def expect_close(got, want, name, rtol=1e-6, atol=1e-8, shape_hint=None):
    """`got` (already validated as an array) must match `want` elementwise."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        raise Mismatch(Msg(f"{name} has shape {got.shape}, expected {want.shape}",
                           f"{name} 的形狀是 {got.shape}，應該是 {want.shape}"),
                       _shape_hint(got.shape, want.shape))
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise Mismatch(Msg(f"{name} has a non-finite value {got[tuple(bad)]} at index {tuple(bad)}",
                           f"{name} 在 index {tuple(bad)} 有非有限值 {got[tuple(bad)]}"),
                       Msg("overflow: subtract the max before exp, or use exp(-|x|)",
                           "數值溢位：exp 之前先減去最大值，或改用 exp(-|x|)"))
    err = np.abs(got - want)
    tol = atol + rtol * np.abs(want)
    if np.all(err <= tol):
        return
    worst = np.unravel_index(np.argmax(err - tol), err.shape) if err.ndim else ()
    rel = float(np.max(err / np.maximum(np.abs(want) + np.abs(got), 1e-300)))
    message = Msg(
        f"{name} is wrong: max relative error {rel:.2e}; worst at index {tuple(int(i) for i in worst)}: "
        f"got {got[worst]:.6g}, expected {want[worst]:.6g}",
        f"{name} 的值不正確：最大相對誤差 {rel:.2e}；最差在 index {tuple(int(i) for i in worst)}："
        f"得到 {got[worst]:.6g}，應該是 {want[worst]:.6g}")
    raise Mismatch(message, value_hint(got, want, name))


def value_hint(got, want, name):
    """A hint when `got` is a recognisable distortion of `want`."""
    if not np.any(got):
        return Msg(f"{name} is all zeros: is it ever computed or written back?",
                   f"{name} 全部是 0：有沒有真的計算或寫回？")
    flat_w, flat_g = want.ravel(), got.ravel()
    denom = float(flat_w @ flat_w)
    if denom > 0:
        k = float(flat_g @ flat_w) / denom
        if abs(k) > 1e-12 and np.allclose(flat_g, k * flat_w, rtol=1e-5, atol=1e-9 * max(1.0, abs(k))):
            if np.isclose(k, -1.0):
                return Msg(f"{name} has the wrong sign", f"{name} 的正負號相反")
            if k > 1:
                return Msg(f"{name} is {k:.4g} times too large", f"{name} 大了 {k:.4g} 倍")
            return Msg(f"{name} is {1 / k:.4g} times too small", f"{name} 小了 {1 / k:.4g} 倍")
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, want, rtol=1e-6, atol=1e-9):
        return Msg(f"{name} is transposed", f"{name} 被轉置了")
    return None


def _shape_hint(got, want):
    if len(got) == len(want) and tuple(reversed(got)) == tuple(want):
        return Msg("the axes are reversed: a missing or extra transpose?",
                   "軸的順序反了：少了或多了一次轉置？")
    if int(np.prod(got)) == int(np.prod(want)):
        return Msg("right number of elements, wrong shape: reshape to the expected shape",
                   "元素個數正確但形狀不對：請 reshape 成正確形狀")
    return None


def _type_name(value):
    if value is None:
        return "None"
    remote = getattr(type(value), "type_name", None)
    if isinstance(remote, property):          # a student's object, still in the worker
        return value.type_name
    return type(value).__name__


class StrictNumerics:
    """Inside: numpy in the worker raises on overflow, invalid results (nan) and division by
    zero, as the project's own stability tests do; such an exception becomes a FAIL with
    `hint`. Underflow to 0 is fine. Student code cannot gain from undoing this: the values
    are still compared with the oracle.

        with StrictNumerics(student, "Sigmoid with |x| up to 1200", hint):
            out = layer.forward(x)
    """

    def __init__(self, student, what, hint):
        self.np = student.numpy()
        self.what, self.hint = what, hint
        self.old = None

    def __enter__(self):
        self.old = self.np.seterr(over="raise", invalid="raise", divide="raise", under="ignore")
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, StudentError) and exc.type_name == "FloatingPointError":
            at = f" ({exc.where[0]}:{exc.where[1]}: {exc.where[3]})" if exc.where else ""
            raise Mismatch(Msg(f"{self.what}: numpy reported \"{exc.message}\"{at}",
                               f"{self.what}：numpy 回報「{exc.message}」{at}"), self.hint) from None
        if exc is None:
            self.np.seterr(**self.old)
        return False
