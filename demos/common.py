"""What the demos share: calling the learner's code, command-line options, progress, pictures.

- The learner's code (`Learner`, `DemoError`): every call into a tree goes through a
  `Learner`, which turns a function that still returns None (the skeleton's ``pass``), an
  exception or a wrong return value into one `DemoError` paragraph naming the function and
  its file, never a traceback. A tracer records which of the tree's functions ran during
  the few traced (preflight) calls, so the innermost unfinished one is named.
- Command line (`argument_parser`, `add_size_options`, `add_data_options`,
  `add_seed_option`, `positive_int`, `positive_float`, `momentum`, `prog_name`, `run_main`,
  `begin`), data (`load_data`).
- Progress and text (`progress`, `diverged`, `accuracy`, `loss_text`, `plural`).
- Pictures in the terminal (`braille_plot`, `moving_average`, `render_images`, `shrink`,
  `rgb`, `MASK_COLOURS`, `MASK_CHARS`) and as a PNG when matplotlib is installed
  (`save_png`; it says so when it is not).
"""
import argparse
import ast
import functools
import inspect
import linecache
import math
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)
from rich.style import Style
from rich.text import Text

from grader import skeleton

FINISH = "Finish it (see the TODO comments there), then run the demo again."
#: What the backward passes of a Module 6 model store (Learner.pairs names them).
WITH_BATCHNORM = "dW, db, dgamma and dbeta"


class DemoError(Exception):
    """A problem the demo explains in plain words (exit code 1, no traceback)."""


# =========================================================================== command line

def argument_parser(prog, description, epilog):
    """An ArgumentParser that keeps the line breaks of `description` and `epilog`."""
    return argparse.ArgumentParser(prog=prog, description=description, epilog=epilog,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_size_options(p, n_train, n_test, batch_size, test_help="test images"):
    """--n-train, --n-test and --batch-size with these defaults."""
    p.add_argument("--n-train", type=positive_int, default=n_train,
                   help=f"training images (default: {n_train})")
    p.add_argument("--n-test", type=positive_int, default=n_test,
                   help=f"{test_help} (default: {n_test})")
    p.add_argument("--batch-size", type=positive_int, default=batch_size,
                   help=f"mini-batch size (default: {batch_size})")


def add_data_options(p, key, name, generated):
    """--data auto|`key`|synthetic, --data-dir, --no-download and --seed, for a data set
    `name` (e.g. "MNIST") that falls back to `generated` (e.g. "generated digits")."""
    p.add_argument("--data", choices=("auto", key, "synthetic"), default="auto",
                   help=f"auto: {name} if available, else {generated}; {key}: {name} or "
                        f"fail; synthetic: {generated} (default: auto)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help=f"where {name} is cached / downloaded to (default: the loader's cache)")
    p.add_argument("--no-download", action="store_true",
                   help="never touch the network; use only files already in --data-dir")
    add_seed_option(p, "the data")


def add_seed_option(p, data):
    p.add_argument("--seed", type=int, default=0,
                   help=f"seeds {data}, the shuffling and np.random (weight init) (default: 0)")


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def momentum(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def prog_name(module, script):
    """"python -m <the module's package>.<script>", as the learner typed it (or None)."""
    package = getattr(module, "__package__", None)
    return f"python -m {package}.{script}" if package else None


def run_main(run, parser, argv, **modules):
    """Parse `argv`, call run(args, **modules) and turn what stops it into an exit code:
    0 after training, 1 when the learner's code or the data stops it (with a message), 2 for
    bad command-line arguments, 130 on Ctrl-C."""
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


def begin(args, build_parser, module, script, console=None):
    """What every demo's run() starts with: (args, console, learner). `args` is parsed with
    build_parser(prog) when it is a list of strings; the Learner is for `module`'s tree."""
    if not isinstance(args, argparse.Namespace):
        args = build_parser(prog_name(module, script)).parse_args(args)
    return args, console or Console(highlight=False, soft_wrap=True), Learner(module)


def load_data(args, loader, name, generated, console):
    """loader(...) with the options of add_data_options, its failures as DemoErrors; prints
    which data set it is (the first line of output) and its sizes."""
    from given.data.download import DatasetUnavailable

    try:
        data = loader(source=args.data, n_train=args.n_train, n_test=args.n_test,
                      data_dir=args.data_dir, download=not args.no_download, seed=args.seed)
    except DatasetUnavailable as exc:
        raise DemoError(f"{name} is not available: {exc}\n"
                        "  Use --data synthetic (or --data auto) to train on "
                        f"{generated} instead" + ("" if not args.no_download else
                                                  f", or drop --no-download to fetch {name}")
                        + ".")
    except (OSError, ValueError) as exc:
        raise DemoError(f"could not load the {args.data} data: {type(exc).__name__}: {exc}")
    console.print(f"[bold]Data:[/] {escape(str(data.description))}")
    console.print(f"      train {len(data.y_train)} × {tuple(data.X_train.shape[1:])}, "
                  f"test {len(data.y_test)}")
    return data


# =========================================================================== progress and text

def progress(console):
    """A progress bar with a field `info` (e.g. the running loss); off when the output is
    not a terminal (a log, a pipe), where a bar is noise."""
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.fields[info]}"),
               TimeElapsedColumn(), TimeRemainingColumn())
    return Progress(*columns, console=console, transient=True,
                    disable=not console.is_terminal)


def diverged(what, value, where, lr):
    """The DemoError for a loss that became NaN or infinite at `where`."""
    return DemoError(f"{what} became {'NaN' if math.isnan(value) else 'infinite'} at {where}: "
                     f"lower --lr (it is {lr:g} now).")


def accuracy(scores_of, X, y, batch):
    """The fraction of `y` that the argmax of scores_of(X[i:i + batch]) gets right."""
    correct = 0
    for i in range(0, len(y), batch):
        correct += int((scores_of(X[i:i + batch]).argmax(axis=1) == y[i:i + batch]).sum())
    return correct / max(len(y), 1)


def loss_text(loss):
    return f"{loss:.4f}" if abs(loss) < 1e4 else f"{loss:.3e}"


def plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


# =========================================================================== the learner's code

class Learner:
    """Calls into one tree and turns whatever goes wrong there into a DemoError.

    `module` is any module of the tree (e.g. its module5.network): every frame in a file
    below the tree's root (e.g. exercises/) is the learner's.
    """

    def __init__(self, module):
        self.root = str(Path(module.__file__).resolve().parent.parent) + os.sep
        self.tracer = _Tracer(self.root)   # shared: TODOs seen accumulate over traced calls
        self.last_tracer = None

    # -- generic call -------------------------------------------------------------------
    def call(self, fn, name, *args, traced=False, **kwargs):
        """fn(*args, **kwargs); an exception becomes a DemoError naming `name`. `traced`
        records which of the tree's functions ran (slow: for the preflight calls only)."""
        tracer = self.tracer if traced else None
        try:
            if tracer:
                with tracer:
                    return fn(*args, **kwargs)
            return fn(*args, **kwargs)
        except DemoError:
            raise
        except Exception as exc:       # the learner's bug: explain it, no traceback
            raise DemoError(self._explain_exception(name, exc, tracer)) from None
        finally:
            self.last_tracer = tracer

    def returned(self, name, fn, value, expected):
        """The message for a wrong return value; names a TODO when there is one."""
        tracer = self.last_tracer
        if value is None:
            if _is_todo(fn):
                return self._todo_message(name, fn, tracer)
            todo = self.tracer.first_todo()
            if todo:
                return self._todo_message(*todo, tracer)
            return (f"{name} returned None ({self.where(fn)}): it should return {expected}. "
                    "Is a `return` missing?" + self._none_note(tracer, skip=fn))
        got = (f"an array of shape {value.shape}" if isinstance(value, np.ndarray)
               else f"{type(value).__name__} {_short(value)}")
        return (f"{name} returned {got} ({self.where(fn)}): it should return {expected}."
                + self._none_note(tracer, skip=fn))

    # -- checked results ----------------------------------------------------------------
    def checked_array(self, fn, name, value, shape, what):
        """`value` if it is a numeric array of `shape` (None = any), else a DemoError
        naming `name` (whose function is `fn`)."""
        if isinstance(value, np.ndarray) and (shape is None or value.shape == tuple(shape)) \
                and np.issubdtype(value.dtype, np.number):
            return value
        expected = f"{what}, an array of shape {tuple(shape)}" if shape is not None else what
        raise DemoError(self.returned(name, fn, value, expected))

    def pairs(self, owner, traced=False, nonempty=False, gradients="dW and db"):
        """owner.get_params_and_grads(), called and checked: a list of (param, grad) pairs
        of arrays with equal shapes (at least one when `nonempty`). `gradients` names what
        backward should have stored, for the message about a gradient that is None."""
        fn = type(owner).get_params_and_grads
        name = f"{type(owner).__name__}.get_params_and_grads"
        pairs = self.call(owner.get_params_and_grads, name, traced=traced)
        expected = (f"a {'non-empty ' if nonempty else ''}list of (param, grad) pairs of "
                    "arrays with equal shapes")
        ok = isinstance(pairs, (list, tuple)) and (len(pairs) > 0 or not nonempty)
        for pair in pairs if ok else ():
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                ok = False
                break
            param, grad = pair
            if grad is None and isinstance(param, np.ndarray):
                raise DemoError(f"{name} returned a gradient that is None for a parameter of "
                                f"shape {param.shape} ({self.where(fn)}): did "
                                f"{type(owner).__name__}.backward (and each layer's backward) "
                                f"store {gradients}?")
            if not (isinstance(param, np.ndarray) and isinstance(grad, np.ndarray)
                    and param.shape == grad.shape):
                ok = False
                break
        if not ok:
            raise DemoError(self.returned(name, fn, pairs, expected))
        return list(pairs)

    def loss(self, loss_module, scores, y, traced=False):
        """loss_module.cross_entropy_loss(scores, y), checked: (float loss, dscores)."""
        fn = loss_module.cross_entropy_loss
        out = self.call(fn, "cross_entropy_loss", scores, y, traced=traced)
        expected = f"(loss, dscores) with a float loss and dscores of shape {scores.shape}"
        if not (isinstance(out, tuple) and len(out) == 2):
            raise DemoError(self.returned("cross_entropy_loss", fn, out, expected))
        loss, dscores = out
        try:
            loss = float(loss)
        except (TypeError, ValueError):
            loss = None
        if loss is None or not (isinstance(dscores, np.ndarray) and dscores.shape == scores.shape):
            raise DemoError(self.returned("cross_entropy_loss", fn, out, expected))
        return loss, dscores

    def check_step(self, optimizer, pairs):
        """optimizer.step(pairs), traced; a DemoError when it changed no parameter."""
        name = f"{type(optimizer).__name__}.step"
        before = [p.copy() for p, _ in pairs]
        self.call(optimizer.step, name, pairs, traced=True)
        if any(np.any(g != 0) for _, g in pairs) and all(
                np.array_equal(b, p) for b, (p, _) in zip(before, pairs)):
            fn = type(optimizer).step
            if _is_todo(fn):
                raise DemoError(f"{name} changed no parameter: it is still a TODO in "
                                f"{self.where(fn, line=False)}\n  {FINISH}")
            raise DemoError(f"{name} changed no parameter ({self.where(fn)}). Update each "
                            "array in place (param -= ..., param += v): `param = param - ...` "
                            "only rebinds the loop variable and the model never sees it.")

    # -- messages -----------------------------------------------------------------------
    def show_path(self, filename):
        path = Path(filename).resolve()
        try:
            return str(path.relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(path)

    def where(self, fn, line=True):
        code = _code_of(fn)
        if code is None:
            return "?"
        path = self.show_path(code.co_filename)
        return f"{path}:{code.co_firstlineno}" if line else path

    def _todo_message(self, name, fn, tracer):
        code = _code_of(fn)
        qual = _qualname(fn) or name
        path = self.where(fn, line=False)
        if code is not None and code.co_name == "__init__":
            text = f"{qual} is still a TODO in {path} (its body is only `pass`)"
        else:
            text = f"{qual} returned None: it is still a TODO in {path}"
        others = [t for t in self.tracer.todos() if _code_of(t[1]) is not code]
        if others:
            text += "\n  Also still TODO on the way:" + "".join(
                f"\n    {_qualname(f)}  ({self.where(f)})" for _, f in others)
        return text + "\n  " + FINISH

    def _none_note(self, tracer, skip=None):
        if not tracer:
            return ""
        skip_code = _code_of(skip)
        names = [f"{q} ({self.show_path(c.co_filename)}:{c.co_firstlineno})"
                 for q, c in tracer.none_returns() if c is not skip_code]
        if not names:
            return ""
        return (f"\n  Note: {', '.join(names)} returned None on the way: is a `return` "
                "missing?")

    def _explain_exception(self, name, exc, tracer):
        what = f"{type(exc).__name__}: {exc}"
        at = ""
        tb = exc.__traceback__
        while tb is not None:              # keep the innermost frame in the learner's tree
            frame = tb.tb_frame
            if os.path.abspath(frame.f_code.co_filename).startswith(self.root):
                line = linecache.getline(frame.f_code.co_filename, tb.tb_lineno).strip()
                at = (f"\n  at {self.show_path(frame.f_code.co_filename)}:{tb.tb_lineno} "
                      f"in {_frame_qualname(frame)}" + (f"\n      {line}" if line else ""))
            tb = tb.tb_next
        todo = self.tracer.first_todo()
        if todo:
            head = self._todo_message(*todo, tracer)[:-len(FINISH) - 3]
            return f"{head}\n  That made {name} fail with {what}{at}\n  {FINISH}"
        return f"{name} raised {what}{at}" + self._none_note(tracer)


def _code_of(fn):
    if fn is None:
        return None
    if isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    if isinstance(fn, type):
        fn = fn.__init__
    return getattr(fn, "__code__", None)


def _qualname(fn):
    if isinstance(fn, functools.partial):
        fn = fn.func
    code = _code_of(fn)
    if hasattr(fn, "__qualname__") and not isinstance(fn, type):
        return fn.__qualname__
    return getattr(code, "co_qualname", getattr(code, "co_name", None))


@functools.lru_cache(maxsize=None)
def _code_is_todo(code):
    """True when the function's body is only `pass` (after its docstring): a skeleton."""
    try:
        source = textwrap.dedent(inspect.getsource(code))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return False
    func = tree.body[0] if tree.body else None
    return isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and skeleton.is_stub(func)


def _is_todo(fn):
    code = _code_of(fn)
    return code is not None and _code_is_todo(code)


class _Tracer:
    """Records which of the tree's functions ran during traced calls, and which returned None.

    Only used for the few preflight calls (sys.settrace is slow); it lets the demo name the
    innermost unfinished function, e.g. Conv2D.forward, rather than the network that
    called it. Calls accumulate over all traced calls; None returns are per call.
    """

    def __init__(self, root):
        self.root = root
        self.calls = {}          # code -> qualname, in first-call order
        self._none = {}          # code -> qualname: returned None (not by raising), this call
        self._raising = set()

    def __enter__(self):
        self._none = {}
        self._previous = sys.gettrace()
        sys.settrace(self._global)
        return self

    def __exit__(self, *exc):
        sys.settrace(self._previous)
        return False

    def _global(self, frame, event, arg):
        code = frame.f_code
        if event != "call" or not os.path.abspath(code.co_filename).startswith(self.root):
            return None
        if code not in self.calls:
            self.calls[code] = _frame_qualname(frame)
        frame.f_trace_lines = False
        return self._local

    def _local(self, frame, event, arg):
        if event == "exception":
            self._raising.add(id(frame))
        elif event == "return":
            raising = id(frame) in self._raising
            self._raising.discard(id(frame))
            code = frame.f_code
            if arg is None and not raising and code.co_name not in ("__init__", "step"):
                self._none.setdefault(code, self.calls.get(code, code.co_name))
        return self._local

    def todos(self):
        """(qualname, function stand-in) of each skeleton function that ran, in call order."""
        return [(q, _CodeRef(c, q)) for c, q in self.calls.items() if _code_is_todo(c)]

    def first_todo(self):
        todos = self.todos()
        return todos[0] if todos else None

    def none_returns(self):
        return [(q, c) for c, q in self._none.items()]


class _CodeRef:
    """Lets a bare code object stand where the message helpers expect a function."""

    def __init__(self, code, qualname):
        self.__code__ = code
        self.__qualname__ = qualname


def _frame_qualname(frame):
    code = frame.f_code
    if hasattr(code, "co_qualname"):
        return code.co_qualname
    self = frame.f_locals.get("self")
    return f"{type(self).__name__}.{code.co_name}" if self is not None else code.co_name


# =========================================================================== terminal plot

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
    labels_x = x_label + ("es" if x_label.endswith(("s", "sh", "ch", "x")) else "s")
    right = f"{longest} {labels_x}" if longest != 1 else f"1 {x_label}"
    text.append(" " * (pad + 2) + "0" + right.rjust(width - 1) + "\n", style="dim")
    text.append(" " * (pad + 2))
    for i, (label, _, style) in enumerate(series):
        text.append("━━ ", style=style)
        text.append(label + ("    " if i < len(series) - 1 else ""))
    return text


def moving_average(values, window):
    """Trailing mean over up to `window` values: per-batch losses are too noisy to read."""
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) == 0:
        return values
    sums = np.cumsum(np.insert(values, 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    start = np.maximum(idx - window, 0)
    return (sums[idx] - sums[start]) / (idx - start)


# =========================================================================== terminal images

#: Colours of the mask labels: background, circle, square.
MASK_COLOURS = ((40, 40, 48), (0, 170, 255), (255, 150, 30))
#: Characters of the mask labels where there is no colour: background, circle, square.
MASK_CHARS = ".o#"
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
                    text.append("▀", style=Style(color=rgb(top, is_mask),
                                                 bgcolor=rgb(bottom, is_mask)))
                elif is_mask:
                    text.append(MASK_CHARS[int(top) % len(MASK_CHARS)])
                else:
                    level = int(np.clip(top, 0, 1) * (len(_GREY_RAMP) - 1) + 0.5)
                    text.append(_GREY_RAMP[level])
            if k < len(panels) - 1:
                text.append(" " * gap)
        text.append("\n")
    return text


def rgb(value, is_mask):
    """The rich colour of a pixel: a mask label's MASK_COLOURS entry, or a grey level."""
    if is_mask:
        r, g, b = MASK_COLOURS[int(value) % len(MASK_COLOURS)]
    else:
        r = g = b = int(round(float(np.clip(value, 0, 1)) * 255))
    return f"rgb({r},{g},{b})"


def shrink(image, factor, is_mask):
    """Every `factor`-th pixel (masks) or the mean of each factor x factor patch (images)."""
    if factor == 1:
        return image
    if is_mask:
        return image[::factor, ::factor]
    H, W = image.shape
    h, w = H // factor, W // factor
    return image[:h * factor, :w * factor].reshape(h, factor, w, factor).mean(axis=(1, 3))


# =========================================================================== PNG

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


def save_png(console, draw, path):
    """Call draw(figure) and save it as `path`; say what happened either way. Returns the
    path, or None when matplotlib is missing or the file could not be written."""
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
