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


def expect_array(value, name, shape=None, dtype=np.float64, mistakes=None):
    """`value` must be an ndarray of `shape` (tuple, or None for any) and `dtype`. A wrong
    shape is compared with the known mistakes (`grade.diagnose(...)`) of that shape."""
    if value is None:
        raise Todo(name)
    if not isinstance(value, np.ndarray):
        raise Mismatch(Msg(f"{name} should be a numpy array, got {_type_name(value)}",
                           f"{name} 應該是 numpy 陣列，但得到 {_type_name(value)}"))
    if shape is not None and value.shape != tuple(shape):
        known = mistakes.match(value) if mistakes is not None and \
            value.dtype.kind in "fiu" else None
        raise Mismatch(Msg(f"{name} has shape {value.shape}, expected {tuple(shape)}",
                           f"{name} 的形狀是 {value.shape}，應該是 {tuple(shape)}"),
                       known or _shape_hint(value.shape, tuple(shape)))
    if dtype is not None and value.dtype != dtype:
        hint = None
        if value.dtype == np.float32 and dtype == np.float64:
            hint = _leveled(
                Msg("float32 output: keep float64 (an np.zeros(..., dtype=np.float32) "
                    "or .astype(np.float32) somewhere?)",
                    "輸出是 float32：請維持 float64（是否有 dtype=np.float32 或 .astype(np.float32)？）"),
                Msg("the output lost precision: the course computes in double precision "
                    "(float64) throughout",
                    "輸出失去了精度：整個課程都以雙精度（float64）計算"))
        elif value.dtype.kind in "iub":
            hint = _leveled(
                Msg("integer output: an array was created with an integer dtype "
                    "(np.zeros_like of an int array?)",
                    "輸出是整數型別：某個陣列以整數型別建立（例如對 int 陣列用 np.zeros_like？）"),
                Msg("the output holds integers: an array took its type from integer data",
                    "輸出是整數：某個陣列的型別沿用了整數資料的型別"))
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


def expect_close(got, want, name, rtol=1e-6, atol=1e-8, mistakes=None):
    """`got` (already validated as an array) must match `want` elementwise. When it does
    not, the known mistakes (`mistakes=grade.diagnose(...)`, grader/misconceptions.py) are
    tried first, then the patterns of the error (a factor, a sign, where the wrong entries
    are)."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        known = mistakes.match(got, want) if mistakes is not None else None
        raise Mismatch(Msg(f"{name} has shape {got.shape}, expected {want.shape}",
                           f"{name} 的形狀是 {got.shape}，應該是 {want.shape}"),
                       known or _shape_hint(got.shape, want.shape))
    if not np.all(np.isfinite(got)):
        bad = np.argwhere(~np.isfinite(got))[0]
        raise Mismatch(Msg(f"{name} has a non-finite value {got[tuple(bad)]} at index {tuple(bad)}",
                           f"{name} 在 index {tuple(bad)} 有非有限值 {got[tuple(bad)]}"),
                       _leveled(Msg("overflow: subtract the max before exp, or use exp(-|x|)",
                                    "數值溢位：exp 之前先減去最大值，或改用 exp(-|x|)"),
                                Msg("a value overflowed: the computation is not numerically "
                                    "stable for large inputs (module text, softmax: overflow)",
                                    "數值溢位了：這個計算在輸入很大時數值不穩定（講義：softmax 的上溢）")))
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
    known = mistakes.match(got, want, rtol, atol) if mistakes is not None else None
    raise Mismatch(message, known or value_hint(got, want, name)
                   or where_wrong(got, want, err > tol, name))


def value_hint(got, want, name):
    """A hint when `got` is a recognisable distortion of `want` (an observation, the same at
    both feedback levels)."""
    hint = _value_hint(got, want, name)
    return _leveled(hint, hint) if hint is not None else None


def _value_hint(got, want, name):
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


#: The largest 2-D slice drawn as a picture of the wrong entries (rows, columns).
PICTURE_MAX = (12, 24)


def where_wrong(got, want, wrong, name):
    """See _where_wrong: an observation, the same at both feedback levels."""
    hint = _where_wrong(got, want, wrong, name)
    return _leveled(hint, hint) if hint is not None else None


def _where_wrong(got, want, wrong, name):
    """A hint from where the wrong entries are (`wrong`, a boolean mask of got's shape): the
    border only (padding), every s-th row or column (stride), one channel (indexing), two
    axes swapped, an output that is never negative where the expected one is (a ReLU too
    many), or negative where a ReLU's output cannot be (a ReLU missing or too early). It counts the wrong entries and, for a small image, draws the worst slice (█ wrong,
    · right). None when no pattern explains them."""
    count, total = int(wrong.sum()), wrong.size
    counted = Msg(f" ({count} of {total} entries wrong)", f"（{total} 個值中有 {count} 個錯）")
    swapped = _swapped_axes(got, want)
    if swapped is not None:
        a, b = swapped
        return Msg(f"{name} has axes {a} and {b} swapped: the values are right, their order "
                   f"is not (a transpose or reshape in the wrong order?)",
                   f"{name} 的第 {a} 軸與第 {b} 軸對調了：值是對的，排列順序不對（轉置或 reshape "
                   f"的順序錯了？）") + counted
    if np.all(got >= 0) and np.mean(want < 0) > 0.2:
        return Msg(f"{name} is never negative, but about half of the expected values are: is a "
                   f"ReLU (or abs, or a clip at 0) applied where there should be none?",
                   f"{name} 從來不是負的，但預期的值約有一半是負的：是不是在不該有的地方多了 ReLU"
                   f"（或 abs、在 0 截斷）？") + counted
    if np.all(want >= 0) and np.any(got < 0) and np.mean(want > 0) > 0.2:
        negative = int((got < 0).sum())
        return Msg(f"{name} has {negative} negative values, but every expected value is ≥ 0 "
                   f"(the output of a ReLU): the ReLU missing, or applied before the last "
                   f"addition?",
                   f"{name} 有 {negative} 個負值，但預期的值都 ≥ 0（ReLU 的輸出）：是少了 ReLU，"
                   f"還是 ReLU 放在最後一次相加之前？") + counted
    if got.ndim < 2 or count == total:
        return None
    picture = _picture(wrong)
    if got.ndim >= 3 and got.shape[1] > 1:
        channels = np.flatnonzero(wrong.any(axis=tuple(i for i in range(wrong.ndim) if i != 1)))
        if len(channels) == 1:
            return Msg(f"only channel {channels[0]} of {name} is wrong (an index or a slice "
                       f"along the channel axis?)",
                       f"{name} 只有第 {channels[0]} 個 channel 錯（channel 軸的 index 或 slice "
                       f"寫錯了？）") + counted + picture
    rows = wrong.any(axis=tuple(i for i in range(wrong.ndim) if i != wrong.ndim - 2))
    cols = wrong.any(axis=tuple(i for i in range(wrong.ndim) if i != wrong.ndim - 1))
    H, W = wrong.shape[-2:]
    if H >= 3 and W >= 3:
        inner = wrong[..., 1:-1, 1:-1]
        if not inner.any() and wrong.any():
            return Msg(f"only the border of {name} is wrong, the inside is right: padding "
                       f"(its width, or where the padded input is cropped)?",
                       f"{name} 只有邊框錯，內部是對的：padding 的問題（寬度，或裁掉 padding 的位置）？") \
                + counted + picture
    for axis, hit, size, what, zh in ((-2, rows, H, "rows", "列"), (-1, cols, W, "columns", "行")):
        step = _lattice(hit)
        if step is not None and size >= 2 * step:
            return Msg(f"one of every {step} {what} of {name} is wrong, the others are "
                       f"right: a stride used in the wrong place?",
                       f"{name} 每隔 {step} {zh}就有一{zh}錯，其他是對的：stride 用錯地方了？") \
                + counted + picture
    return None


def _swapped_axes(got, want):
    """(a, b) when got is want with axes a and b (of equal length) swapped."""
    for a in range(want.ndim):
        for b in range(a + 1, want.ndim):
            if want.shape[a] == want.shape[b] and want.shape[a] > 1 and \
                    np.allclose(got, np.swapaxes(want, a, b), rtol=1e-6, atol=1e-9):
                return a, b
    return None


def _lattice(hit):
    """s when exactly the indices r, r + s, r + 2s, ... are True (s ≥ 2), else None."""
    where = np.flatnonzero(hit)
    if len(where) < 2 or len(where) == len(hit):
        return None
    steps = np.diff(where)
    step = int(steps[0])
    if step >= 2 and np.all(steps == step) and where[0] < step and where[-1] + step >= len(hit):
        return step
    return None


def _picture(wrong):
    """The worst 2-D slice of the mask as lines of █ (wrong) and · (right), or an empty Msg
    when the image is too large to draw."""
    H, W = wrong.shape[-2:]
    if H > PICTURE_MAX[0] or W > PICTURE_MAX[1]:
        return Msg("", "")
    flat = wrong.reshape(-1, H, W)
    worst = flat[int(np.argmax(flat.sum(axis=(1, 2))))]
    lines = "\n".join("".join("█" if v else "·" for v in row) for row in worst)
    return Msg(f":\n{lines}", f"：\n{lines}")


def _shape_hint(got, want):
    if len(got) == len(want) and tuple(reversed(got)) == tuple(want):
        hint = Msg("the axes are reversed: a missing or extra transpose?",
                   "軸的順序反了：少了或多了一次轉置？")
        return _leveled(hint, hint)
    if int(np.prod(got)) == int(np.prod(want)):
        return _leveled(Msg("right number of elements, wrong shape: reshape to the expected shape",
                            "元素個數正確但形狀不對：請 reshape 成正確形狀"),
                        Msg("the right number of values in the wrong layout: the shape "
                            "convention is the one the layer's docstring gives",
                            "值的個數對了，排列方式不對：形狀要照該層 docstring 的約定"))
    return None


def _leveled(fix, concept):
    """`fix` carrying its concept-level text (--feedback concept): what the mistake is,
    without its fix."""
    fix.concept = concept
    return fix


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
