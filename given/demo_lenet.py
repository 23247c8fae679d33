"""The Module 5 demo: train SimpleConvNet (LeNet-style) on handwritten digits.

Both trees run it through a thin entry point that passes in their own modules::

    python -m exercises.module5.train_lenet      # your code
    python -m reference.module5.train_lenet      # the reference solution

The training loop lives here rather than in `network.train` so that it can draw a progress
bar per batch and check every value the learner's code hands back: a function that still
returns None (the skeleton's `pass`), an exception, a wrong shape or a NaN loss each end the
demo with one friendly paragraph naming the function and file, never a traceback.

Data: real MNIST when it is cached or can be downloaded, else a generated digit set; the
first line of output says which one was used (`given.datasets.load_digits`).
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
import time
from pathlib import Path

if "numpy" not in sys.modules:
    # The demo's matrix products are thin (150 columns at most): BLAS threads only add
    # overhead there, and on a busy machine they made an epoch ten times slower. Takes effect only when this module is imported before numpy (the entry
    # points do so) and only if the user has not chosen a thread count.
    if not any(v in os.environ for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                         "GOTO_NUM_THREADS")):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread setting above)
from rich.console import Console  # noqa: E402
from rich.markup import escape
from rich.text import Text
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

NUM_CLASSES = 10
FINISH = "Finish it (see the TODO comments there), then run the demo again."
EVAL_BATCH = 500   # evaluation only keeps activations, so larger batches are fine

EPILOG = """\
examples:
  python -m exercises.module5.train_lenet
  python -m exercises.module5.train_lenet --epochs 5 --lr 0.05 --momentum 0
  python -m reference.module5.train_lenet --data synthetic --epochs 1 --n-train 256

--data auto uses MNIST when it is cached in --data-dir or can be downloaded there, and a
generated digit set otherwise; the first line of output says which one was used.
"""


# --------------------------------------------------------------------------- CLI

def build_parser(prog=None):
    p = argparse.ArgumentParser(
        prog=prog,
        description="Train SimpleConvNet (Conv-ReLU-Pool x2, FC 120-84-10) on handwritten\n"
                    "digits with mini-batch SGD: a progress bar per epoch, then its loss and\n"
                    "accuracy. Any TODO left in your code is named, with its file.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--epochs", type=_positive_int, default=3, help="passes over the training set (default: 3)")
    p.add_argument("--n-train", type=_positive_int, default=2000, help="training images (default: 2000)")
    p.add_argument("--n-test", type=_positive_int, default=500, help="test images (default: 500)")
    p.add_argument("--batch-size", type=_positive_int, default=32, help="mini-batch size (default: 32)")
    p.add_argument("--lr", type=_positive_float, default=0.01, help="base learning rate (default: 0.01)")
    p.add_argument("--momentum", type=_momentum, default=0.9,
                   help="momentum β of MomentumSGD; 0 means plain SGD (default: 0.9)")
    p.add_argument("--schedule", choices=("constant", "step", "exp"), default="step",
                   help="learning-rate schedule: constant; step = step_decay, halved every "
                        "2 epochs; exp = exponential_decay, ×0.9 per epoch (default: step)")
    p.add_argument("--data", choices=("auto", "mnist", "synthetic"), default="auto",
                   help="auto: MNIST if available, else generated digits; mnist: MNIST or "
                        "fail; synthetic: generated digits (default: auto)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where MNIST is cached / downloaded to (default: the loader's cache)")
    p.add_argument("--no-download", action="store_true",
                   help="never touch the network; use only files already in --data-dir")
    p.add_argument("--seed", type=int, default=0,
                   help="seeds the data, the shuffling and np.random (weight init) (default: 0)")
    return p


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _momentum(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def _prog_name(network):
    package = getattr(network, "__package__", None)
    return f"python -m {package}.train_lenet" if package else None


# --------------------------------------------------------------------------- entry point

class DemoError(Exception):
    """A problem the demo explains in plain words (exit code 1, no traceback)."""


def main(argv=None, *, network, optim):
    """Run the demo; `network` and `optim` are the calling tree's module5 modules.

    Returns the exit code: 0 after training, 1 when the learner's code or the data stops
    it (with a message), 2 for bad command-line arguments, 130 on Ctrl-C.
    """
    try:
        args = build_parser(_prog_name(network)).parse_args(argv)
    except SystemExit as exc:          # --help, or an argparse error already printed
        return exc.code if isinstance(exc.code, int) else 1
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        run(args, network=network, optim=optim)
    except DemoError as exc:
        err.print(Text("✗ ", style="bold red") + Text(str(exc)))
        return 1
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return 0


def run(args, *, network, optim, console=None):
    """Train and evaluate; returns the metrics. Raises DemoError with a friendly message.

    `args` is an argparse.Namespace from build_parser() or a list of command-line strings.

    Returns a dict: dataset (name), description, parameters (count), epochs (a list of
    {epoch, lr, train_loss, train_accuracy, test_accuracy, seconds}), test_accuracy and
    train_loss of the last epoch, seconds (total).
    """
    if not isinstance(args, argparse.Namespace):
        args = build_parser(_prog_name(network)).parse_args(args)
    console = console or Console(highlight=False, soft_wrap=True)
    learner = _Learner(network)

    np.random.seed(args.seed)              # the layers initialise with np.random.randn
    data = _load_data(args)
    console.print(f"[bold]Data:[/] {escape(str(data.description))}")
    console.print(f"      train {len(data.y_train)} × {tuple(data.X_train.shape[1:])}, "
                  f"test {len(data.y_test)}")

    model = learner.call(network.SimpleConvNet, "SimpleConvNet", traced=True,
                         input_shape=tuple(data.X_train.shape[1:]), num_classes=NUM_CLASSES)
    schedule, schedule_text = _schedule(optim, args.schedule)
    pairs = _preflight(args, learner, network, optim, model, schedule, data)
    console.print(f"[bold]Model:[/] SimpleConvNet from {learner.show_path(network.__file__)}, "
                  f"{sum(p.size for p, _ in pairs):,} parameters in {len(pairs)} arrays")
    optimizer, opt_text = _optimizer(args, learner, optim)
    console.print(f"[bold]Training:[/] {_plural(args.epochs, 'epoch')}, batch {args.batch_size}, "
                  f"{opt_text}, {schedule_text}")

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # NaN is checked below
        history = _train(args, learner, network, model, optimizer, schedule, data, console)

    last = history[-1]
    total = sum(h["seconds"] for h in history)
    console.print(f"[bold green]Done:[/] test accuracy {last['test_accuracy']:.1%} after "
                  f"{_plural(len(history), 'epoch')} on {escape(data.name)} "
                  f"(chance is {1 / NUM_CLASSES:.0%}), {total:.1f} s.")
    return {
        "dataset": data.name,
        "description": data.description,
        "parameters": sum(p.size for p, _ in pairs),
        "epochs": history,
        "test_accuracy": last["test_accuracy"],
        "train_loss": last["train_loss"],
        "seconds": total,
    }


# --------------------------------------------------------------------------- data

def _load_data(args):
    from given.datasets import load_digits
    from given.download import DatasetUnavailable

    try:
        data = load_digits(source=args.data, n_train=args.n_train, n_test=args.n_test,
                           data_dir=args.data_dir, download=not args.no_download,
                           seed=args.seed)
    except DatasetUnavailable as exc:
        raise DemoError(f"MNIST is not available: {exc}\n"
                        "  Use --data synthetic (or --data auto) to train on generated "
                        "digits instead" + ("" if not args.no_download else
                                            ", or drop --no-download to fetch MNIST") + ".")
    except (OSError, ValueError) as exc:
        raise DemoError(f"could not load the {args.data} data: "
                        f"{type(exc).__name__}: {exc}")
    return data


# --------------------------------------------------------------------------- training

def _schedule(optim, name):
    if name == "constant":
        return optim.constant, "constant learning rate"
    if name == "step":
        return (functools.partial(optim.step_decay, epochs_per_drop=2),
                "step_decay (×0.5 every 2 epochs)")
    return optim.exponential_decay, "exponential_decay (×0.9 per epoch)"


def _optimizer(args, learner, optim):
    if args.momentum > 0:
        return (learner.call(optim.MomentumSGD, "MomentumSGD", lr=args.lr, momentum=args.momentum),
                f"MomentumSGD(lr={args.lr:g}, momentum={args.momentum:g})")
    return learner.call(optim.SGD, "SGD", lr=args.lr), f"SGD(lr={args.lr:g})"


def _preflight(args, learner, network, optim, model, schedule, data):
    """Every learner function the training needs, once and traced, so that a TODO anywhere
    on the way is reported by name before the progress bar starts: forward, loss and
    backward on two images, the schedule, and one optimizer step on copies of the
    parameters (the model itself is not changed). Returns the (param, grad) pairs."""
    X, y = data.X_train[:2], data.y_train[:2]
    scores = learner.forward(model, X, traced=True)
    _, dscores = learner.loss(network, scores, y, traced=True)
    learner.call(model.backward, "SimpleConvNet.backward", dscores, traced=True)
    pairs = learner.params(model, traced=True)
    learner.schedule(schedule, args.lr, 0)
    trial, _ = _optimizer(args, learner, optim)
    learner.check_step(trial, [(p.copy(), g.copy()) for p, g in pairs])
    return pairs


def _train(args, learner, network, model, optimizer, schedule, data, console):
    rng = np.random.default_rng(args.seed)
    n = len(data.y_train)
    n_batches = -(-n // args.batch_size)
    history = []
    console.print(f"[bold]{'epoch':>5}  {'lr':>9}  {'train loss':>10}  {'train acc':>9}  "
                  f"{'test acc':>8}  {'time':>7}[/]")
    for epoch in range(args.epochs):
        start = time.perf_counter()
        lr = learner.schedule(schedule, args.lr, epoch)
        optimizer.lr = lr
        order = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
                   TimeElapsedColumn(), TimeRemainingColumn())
        # Off when output is not a terminal (a log, a pipe): a bar is noise there.
        with Progress(*columns, console=console, transient=True,
                      disable=not console.is_terminal) as progress:
            task = progress.add_task(f"epoch {epoch + 1}/{args.epochs}", total=n_batches, loss="-")
            for b in range(n_batches):
                idx = order[b * args.batch_size:(b + 1) * args.batch_size]
                X, y = data.X_train[idx], data.y_train[idx]
                scores = learner.forward(model, X)
                loss, dscores = learner.loss(network, scores, y)
                if not math.isfinite(loss):
                    raise DemoError(f"loss became {'NaN' if math.isnan(loss) else 'infinite'} "
                                    f"at epoch {epoch + 1}, batch {b + 1}: lower --lr "
                                    f"(it is {lr:g} now).")
                learner.call(model.backward, "SimpleConvNet.backward", dscores)
                pairs = learner.params(model)
                learner.call(optimizer.step, f"{type(optimizer).__name__}.step", pairs)
                loss_sum += loss * len(y)
                correct += int((scores.argmax(axis=1) == y).sum())
                running = loss_sum / (b * args.batch_size + len(y))
                progress.update(task, advance=1, loss=_loss_text(running))
        train_loss, train_acc = loss_sum / n, correct / n
        test_acc = _accuracy(learner, model, data.X_test, data.y_test)
        seconds = time.perf_counter() - start
        history.append({"epoch": epoch + 1, "lr": lr, "train_loss": train_loss,
                        "train_accuracy": train_acc, "test_accuracy": test_acc,
                        "seconds": seconds})
        console.print(f"{epoch + 1:>5}  {lr:>9.3g}  {_loss_text(train_loss):>10}  {train_acc:>9.1%}  "
                      f"{test_acc:>8.1%}  {seconds:>6.1f}s")
    return history


def _accuracy(learner, model, X, y):
    correct = 0
    for i in range(0, len(y), EVAL_BATCH):
        scores = learner.forward(model, X[i:i + EVAL_BATCH])
        correct += int((scores.argmax(axis=1) == y[i:i + EVAL_BATCH]).sum())
    return correct / len(y)


# --------------------------------------------------------------------------- learner calls

class _Learner:
    """Calls into one tree and turns whatever goes wrong there into a DemoError."""

    def __init__(self, network):
        # The tree root (e.g. exercises/): any frame in a file below it is the learner's.
        self.root = str(Path(network.__file__).resolve().parent.parent) + os.sep
        self.tracer = _Tracer(self.root)   # shared: TODOs seen accumulate over traced calls
        self.last_tracer = None

    # -- generic call -------------------------------------------------------------------
    def call(self, fn, name, *args, traced=False, **kwargs):
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

    # -- the specific calls -------------------------------------------------------------
    def forward(self, model, X, traced=False):
        fn = type(model).forward
        scores = self.call(model.forward, "SimpleConvNet.forward", X, traced=traced)
        if not (isinstance(scores, np.ndarray) and scores.shape == (len(X), NUM_CLASSES)):
            raise DemoError(self.returned("SimpleConvNet.forward", fn, scores,
                                          f"the class scores, an array of shape ({len(X)}, "
                                          f"{NUM_CLASSES}) for {len(X)} images"))
        return scores

    def loss(self, network, scores, y, traced=False):
        fn = network.cross_entropy_loss
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

    def params(self, model, traced=False):
        fn = type(model).get_params_and_grads
        name = "SimpleConvNet.get_params_and_grads"
        pairs = self.call(model.get_params_and_grads, name, traced=traced)
        expected = "a non-empty list of (param, grad) pairs of arrays with equal shapes"
        ok = isinstance(pairs, (list, tuple)) and len(pairs) > 0
        for pair in pairs if ok else ():
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
                ok = False
                break
            param, grad = pair
            if grad is None and isinstance(param, np.ndarray):
                raise DemoError(f"{name} returned a gradient that is None for a parameter of "
                                f"shape {param.shape} ({self.where(fn)}): did "
                                "SimpleConvNet.backward (and each layer's backward) store "
                                "dW and db?")
            if not (isinstance(param, np.ndarray) and isinstance(grad, np.ndarray)
                    and param.shape == grad.shape):
                ok = False
                break
        if not ok:
            raise DemoError(self.returned(name, fn, pairs, expected))
        return pairs

    def schedule(self, schedule, base_lr, epoch):
        fn = schedule.func if isinstance(schedule, functools.partial) else schedule
        name = fn.__name__
        lr = self.call(schedule, name, base_lr, epoch, traced=True)
        if isinstance(lr, (int, float, np.floating, np.integer)) and not isinstance(lr, bool):
            if math.isfinite(lr) and lr > 0:
                return float(lr)
        raise DemoError(self.returned(name, fn, lr, f"a positive learning rate, e.g. "
                                                    f"{name}({base_lr:g}, 0) = {base_lr:g}"))

    def check_step(self, optimizer, pairs):
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


def _loss_text(loss):
    return f"{loss:.4f}" if abs(loss) < 1e4 else f"{loss:.3e}"


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _short(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


@functools.lru_cache(maxsize=None)
def _code_is_todo(code):
    """True when the function's body is only `pass` (after its docstring): a skeleton."""
    try:
        source = textwrap.dedent(inspect.getsource(code))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return False
    func = tree.body[0] if tree.body else None
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = func.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Pass)


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
