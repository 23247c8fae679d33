"""python -m grader bench: how fast each of your layers is, against vectorised baselines
measured in the same run on the same machine.

Every row is one forward + backward of a layer on a standard shape (or one training step of
a whole model: forward, loss, backward, an SGD update), timed as the median of --repeats
runs after a warm-up: untimed runs until WARM_S seconds or WARM_RUNS runs have gone into it
(at least one run), on every side alike. A fresh process's first runs still fault in memory
that its allocator later reuses (8 MB arrays take about ten runs to settle); a training loop
is long past that, and so is the timed part. Your code runs in sandboxed worker processes,
exactly as when grading (grader/proxy.py, grader/sandbox.py), one fresh worker per row, with
a time limit per row: a hang costs that row only (TIMEOUT) and the bench goes on. What the
grader's channel itself costs (a round trip per call, measured in the same worker; the
transfer of arrays that must cross) is subtracted. Inputs stay in the worker (Student.keep),
so they are sent once; results stay there too, and are released after each timed run
(Student.release), as a training loop drops the last step's: memory stays flat on both
sides, and the PyTorch baseline drops its results the same way.

Three baselines, all measured in this run with the same BLAS thread count (--threads):

* the reference tree (reference/), timed the same way in its own sandboxed worker; absent
  from a student release, where the column shows —;
* PyTorch CPU float64 (when installed), in one separate process that is asked for one row
  at a time: each row's sides are timed back to back, so a change in the machine's speed
  during the run lands on both; the same shapes, the same warm-up and median; without
  torch the column says so and nothing fails;
* numpy's achieved GEMM rate (an n×n float64 matrix product): the row's matrix-product
  FLOPs at that rate are the fastest an im2col layer can be. Layers without matrix
  products (ReLU, pooling, BatchNorm, upsampling) have no such limit (—).

A row whose code is still the skeleton's `pass` (read from source, never run) or returns
None says TODO; an exception ERROR; a dead worker CRASH; a framework import FORBIDDEN.

The --json FILE report holds the same numbers (times in milliseconds):

    {"kind": "cnn-kit-bench", "version": 1, "grader": str, "target": str, "quick": bool,
     "threads": int, "repeats": int, "timeout_s": float, "lang": str,
     "isolation": {"mechanism": str, "detail": str},
     "gemm": {"gflops": float|null, "n": int, "threads_env": str|null, "error": str|null},
     "torch": {"available": bool, "version": str|null, "threads": int|null,
               "reason": str|null},
     "reference": {"status": "measured"|"self"|"missing", "path": str|null},
     "rows": [{"key": str, "name": str, "layer": str, "role": str, "input_shape": [int],
               "status": "OK"|"TODO"|"ERROR"|"TIMEOUT"|"CRASH"|"FORBIDDEN",
               "ms": float|null, "runs": int, "detail": str,
               "reference_ms": float|null, "torch_ms": float|null, "torch_error": str|null,
               "gemm_limit_ms": float|null, "flops": int|null,
               "x_reference": float|null, "x_torch": float|null, "x_gemm": float|null}],
     "left_out": [{"key": str, "reason": str}], "wall_s": float}

`runs` is how many timed runs the median is of; 0 means no run fitted in the row's time
limit after the warm-up, and `ms` is then the warm-up's own time. `torch_error` is what
PyTorch raised on the row (its `torch_ms` is then null); a PyTorch process that died says
where in `torch.reason` instead.
"""
import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from . import __version__, sandbox, skeleton
from . import proxy
from .errors import ForbiddenCode, StudentError, WorkerCrashed, WorkerTimeout
from .i18n import LANGS, detect_lang, pick, t
from .proxy import RemoteMethod, RemoteObject, Student
from .target import PROJECT_ROOT, TargetError, available_modules, resolve_target

REFERENCE = PROJECT_ROOT / "reference"
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
#: A worker may start at most this many processes and threads (sandbox.Limits.processes).
MAX_THREADS = 32
DEFAULT_REPEATS, QUICK_REPEATS = 5, 3
#: The warm-up of every row on every side: untimed runs until this many seconds have gone
#: into them, or this many runs, whichever comes first (always at least one run).
WARM_S, WARM_RUNS = 0.25, 20
#: Seconds PyTorch's process may take to start (import torch) before it counts as absent.
TORCH_START_S = 120.0
DEFAULT_TIMEOUT = 60.0
GEMM_N, QUICK_GEMM_N = 1024, 256
#: Round trips timed to learn what one call through the channel costs.
PINGS = 15
#: The learning rate of the training steps' SGD update.
LR = 0.01
STATUSES = ("OK", "TODO", "ERROR", "TIMEOUT", "CRASH", "FORBIDDEN")

EPILOG = """\
examples:
  python -m grader bench                           your exercises/, 1 BLAS thread
  python -m grader bench --threads 2               2 BLAS threads (workers and baselines)
  python -m grader bench -k conv                   only the Conv2D rows
  python -m grader bench --target reference        the reference itself (× reference = 1.0)
  python -m grader bench --quick                   small shapes: a quick look, or for CI
  python -m grader bench --json bench.json         also write the numbers as JSON

rows (-k matches these keys, substring or glob):
  conv.lenet1 conv.lenet2 conv.resnet conv.unet fc.lenet relu maxpool batchnorm
  upsample.nearest upsample.bilinear convtranspose step.convnet step.unet

columns:
  ms            your forward + backward (or training step), median of --repeats runs after a
                warm-up, the grader's channel cost subtracted
  × reference   your time / the reference's: 1.0 is as fast as the course's vectorised
                solution, 50 is a loop where a matrix product belongs
  × PyTorch     your time / PyTorch CPU float64's with the same threads (n/a without torch:
                python3 kit.py setup --oracle installs it)
  × GEMM limit  your time / the row's matrix-product FLOPs at numpy's measured GEMM rate: the
                fastest this approach can be; — for a layer without matrix products

Speed is not graded: the bench only shows where your time goes. Timings on a busy machine
are noisy; every ratio compares numbers measured in this one run. TODO, ERROR, TIMEOUT,
CRASH and FORBIDDEN mean what they mean on the scorecard; the row's reason is printed under
the table. Your code runs sandboxed like everywhere in the grader (the header says which
isolation). The --json fields are listed in grader/bench.py's docstring.

exit codes: 0 the bench ran (whatever the rows say), 2 bad usage or target.
"""


# -- what is timed -----------------------------------------------------------------------
L5, LOSS, OPTIM, NET = ("module5/layers.py", "module5/loss.py", "module5/optim.py",
                        "module5/network.py")
BN, UP, CONVT, UNET = ("module6/batchnorm.py", "module6/upsample.py",
                       "module6/transposed_conv.py", "module6/unet.py")


def _fb(path, cls):
    return ((path, f"{cls}.forward"), (path, f"{cls}.backward"))


def _methods(path, cls, names=("__init__", "forward", "backward")):
    return tuple((path, f"{cls}.{n}") for n in names)


CONVNET_NEEDS = (_fb(L5, "Conv2D") + _fb(L5, "ReLU") + _fb(L5, "MaxPool2D")
                 + _fb(L5, "FullyConnected") + ((LOSS, "cross_entropy_loss"), (OPTIM, "SGD.step"))
                 + _methods(NET, "SimpleConvNet", ("__init__", "forward", "backward",
                                                   "get_params_and_grads")))
UNET_NEEDS = (_fb(L5, "Conv2D") + _fb(L5, "ReLU") + _fb(L5, "MaxPool2D")
              + _fb(BN, "BatchNorm2D") + _fb(UP, "Upsample") + ((OPTIM, "SGD.step"),)
              + _methods(UNET, "UNetEncoder") + _methods(UNET, "UNetDecoder")
              + _methods(UNET, "SimpleUNet"))


@dataclass
class Row:
    """One timed thing: `cls` of the tree's `module` built with `args`/`kwargs`, on inputs of
    `shape`. `kind` "layer" (forward + backward), "convnet" or "unet" (a training step);
    `flops` its matrix-product FLOPs (None: it has none); `needs` the (file, function) pairs
    whose skeleton makes it TODO; `modules` the course modules it needs."""
    key: str
    cls: str
    module: str
    args: tuple
    shape: tuple
    role: tuple                  # (English, 繁體中文)
    flops: int = None
    needs: tuple = ()
    kind: str = "layer"
    kwargs: dict = field(default_factory=dict)
    modules: tuple = (5,)
    classes: int = 0

    @property
    def label(self):
        """How the row's object is built: "Conv2D(64, 64, 3, padding=1)"."""
        args = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{self.cls}({', '.join(args)})"

    @property
    def short(self):
        """The table's name of the row: "Conv2D 64→64 k3 p1"."""
        a, kw = self.args, self.kwargs
        if self.cls in ("Conv2D", "ConvTranspose2D"):
            text = f"{self.cls} {a[0]}→{a[1]} k{a[2]}"
            for name, letter in (("stride", "s"), ("padding", "p")):
                text += f" {letter}{kw[name]}" if kw.get(name) else ""
            return text
        if self.cls == "FullyConnected":
            return f"FullyConnected {a[0]}→{a[1]}"
        if self.cls == "MaxPool2D":
            return f"MaxPool2D {a[0]}×{a[0]}"
        if self.cls == "Upsample":
            return f"Upsample ×{a[0]} {kw['mode']}"
        if self.cls == "BatchNorm2D":
            return f"BatchNorm2D {a[0]}"
        return self.cls                      # ReLU, and the networks of the training steps

    def spec(self):
        """What the PyTorch baseline needs to build and time the same thing."""
        return {"key": self.key, "cls": self.cls, "kind": self.kind, "args": list(self.args),
                "kwargs": self.kwargs, "shape": list(self.shape), "classes": self.classes}


def conv_flops(n, cin, cout, k, ho, wo):
    """Forward, dW and dx of a convolution: three products of 2·N·H'·W'·C_out·C_in·k² FLOPs."""
    return 3 * 2 * n * ho * wo * cout * cin * k * k


def _stage(size):
    """A side after a 5×5 convolution (no padding) and a 2×2 pooling."""
    return (size - 4) // 2


def lenet_flops(n, c, h, w, classes):
    """The matrix products of one SimpleConvNet training step (forward and backward)."""
    total = conv_flops(n, c, 6, 5, h - 4, w - 4)
    total += conv_flops(n, 6, 16, 5, _stage(h) - 4, _stage(w) - 4)
    features = 16 * _stage(_stage(h)) * _stage(_stage(w))
    for d, m in ((features, 120), (120, 84), (84, classes)):
        total += 3 * 2 * n * d * m
    return total


def unet_flops(n, c, size, classes):
    """The convolutions of one SimpleUNet training step: 3×3 (padding 1) at three sizes and
    the 1×1 head."""
    h, q, e = size, size // 2, size // 4
    convs = [(c, 8, h), (8, 8, h), (8, 16, q), (16, 16, q), (16, 32, e), (48, 16, q),
             (16, 16, q), (24, 8, h), (8, 8, h)]
    total = sum(conv_flops(n, i, o, 3, s, s) for i, o, s in convs)
    return total + conv_flops(n, 8, classes, 1, h, h)


def _conv(key, cin, cout, k, shape, role, padding=0):
    n, _, h, w = shape
    ho, wo = h + 2 * padding - k + 1, w + 2 * padding - k + 1
    return Row(key, "Conv2D", "module5.layers", (cin, cout, k), shape, role,
               conv_flops(n, cin, cout, k, ho, wo), _fb(L5, "Conv2D"),
               kwargs={"padding": padding} if padding else {})


def rows(quick=False):
    """Every row, at the standard shapes (or the small ones of --quick)."""
    if quick:
        lenet, lenet2, res, unet, small, n_net, unet_step = (
            (2, 1, 28, 28), (2, 6, 14, 14), (2, 16, 16, 16), (2, 8, 32, 32), (2, 8, 16, 16),
            4, (2, 1, 32, 32))
    else:
        lenet, lenet2, res, unet, small, n_net, unet_step = (
            (64, 1, 28, 28), (64, 6, 14, 14), (32, 64, 32, 32), (8, 32, 64, 64),
            (8, 32, 32, 32), 64, (8, 1, 64, 64))
    n_fc = lenet[0]
    c_res, c_unet, c_small = res[1], unet[1], small[1]
    n_s, _, h_s, w_s = small
    return [
        _conv("conv.lenet1", 1, 6, 5, lenet, ("LeNet conv1", "LeNet conv1")),
        _conv("conv.lenet2", 6, 16, 5, lenet2, ("LeNet conv2", "LeNet conv2")),
        _conv("conv.resnet", c_res, c_res, 3, res, ("a ResNet layer", "ResNet 的一層"), 1),
        _conv("conv.unet", c_unet, c_unet, 3, unet, ("a U-Net layer", "U-Net 的一層"), 1),
        Row("fc.lenet", "FullyConnected", "module5.layers", (256, 120), (n_fc, 256),
            ("LeNet fc1", "LeNet fc1"), 3 * 2 * n_fc * 256 * 120, _fb(L5, "FullyConnected")),
        Row("relu", "ReLU", "module5.layers", (), unet, ("U-Net activation",
            "U-Net 的激活函數"), None, _fb(L5, "ReLU")),
        Row("maxpool", "MaxPool2D", "module5.layers", (2,), unet, ("U-Net pooling",
            "U-Net 的池化"), None, _fb(L5, "MaxPool2D")),
        Row("batchnorm", "BatchNorm2D", "module6.batchnorm", (c_unet,), unet,
            ("U-Net BatchNorm", "U-Net 的 BatchNorm"), None, _fb(BN, "BatchNorm2D"),
            modules=(6,)),
        Row("upsample.nearest", "Upsample", "module6.upsample", (2,), small,
            ("U-Net decoder", "U-Net 解碼器"), None, _fb(UP, "Upsample"),
            kwargs={"mode": "nearest"}, modules=(6,)),
        Row("upsample.bilinear", "Upsample", "module6.upsample", (2,), small,
            ("U-Net decoder", "U-Net 解碼器"), None, _fb(UP, "Upsample"),
            kwargs={"mode": "bilinear"}, modules=(6,)),
        Row("convtranspose", "ConvTranspose2D", "module6.transposed_conv",
            (c_small, c_small, 2), small, ("U-Net, transposed", "U-Net 的 transposed"),
            3 * 2 * n_s * h_s * w_s * c_small * c_small * 4, _fb(CONVT, "ConvTranspose2D"),
            kwargs={"stride": 2}, modules=(6,)),
        Row("step.convnet", "SimpleConvNet", "module5.network", ((1, 28, 28), 10),
            (n_net, 1, 28, 28), ("training step", "訓練一步"),
            lenet_flops(n_net, 1, 28, 28, 10), CONVNET_NEEDS, kind="convnet", classes=10),
        Row("step.unet", "SimpleUNet", "module6.unet", (1, 2, "nearest"), unet_step,
            ("training step", "訓練一步"), unet_flops(unet_step[0], 1, unet_step[2], 2),
            UNET_NEEDS, kind="unet", modules=(5, 6), classes=2),
    ]


def select(all_rows, patterns):
    """The rows whose key contains one of `patterns` or matches it as a glob."""
    if not patterns:
        return list(all_rows)
    import fnmatch
    return [r for r in all_rows
            if any(p in r.key or fnmatch.fnmatchcase(r.key, p) for p in patterns)]


def first_stub(tree, needs):
    """The first function of `needs` that is still the skeleton's TODO in `tree` (read from
    source with grader/skeleton.py, never run), or None."""
    parsed = {}
    for rel, name in needs:
        if rel not in parsed:
            try:
                parsed[rel] = skeleton.functions((Path(tree) / rel).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, ValueError):
                parsed[rel] = {}
        fn = parsed[rel].get(name)
        if fn is not None and skeleton.is_skeleton(fn):
            return name
    return None


# -- timing one row in a worker ------------------------------------------------------------
@dataclass
class Timing:
    status: str
    ms: float = None
    runs: int = 0
    detail: str = ""


class _Todo(Exception):
    pass


class _Bad(Exception):
    pass


def _seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _array(value, what, lang):
    """A kept array handle, or TODO (None) / ERROR (anything else)."""
    if value is None:
        raise _Todo(t("bench_todo_none", lang, name=what))
    if not isinstance(value, RemoteObject) or value.type_name != "ndarray":
        kind = value.type_name if isinstance(value, RemoteObject) else type(value).__name__
        raise _Bad(t("bench_not_array", lang, name=what, kind=kind))
    return value


class _Prepared:
    """A row set up in its worker: `run()` is one timed forward + backward (or step) and
    returns the handles of its results, released after timing; `warm` the warm-up's seconds,
    `crossing` the arrays that cross the channel per run."""

    def __init__(self, run, warm, crossing=()):
        self.run, self.warm, self.crossing = run, warm, list(crossing)


def _prepare_layer(student, row, rng, lang):
    layer = getattr(student.module(row.module), row.cls)(*row.args, **row.kwargs)
    x = student.keep(rng.standard_normal(row.shape))
    forward, backward = RemoteMethod(layer, "forward"), RemoteMethod(layer, "backward")
    start = time.perf_counter()
    out = _array(forward.keep(x), f"{row.cls}.forward", lang)
    first = time.perf_counter() - start
    dout = student.keep(rng.standard_normal(tuple(out.shape)))
    start = time.perf_counter()
    if backward.keep(dout) is None:
        raise _Todo(t("bench_todo_none", lang, name=f"{row.cls}.backward"))
    warm = first + time.perf_counter() - start

    def run():
        return forward.keep(x), backward.keep(dout)
    return _Prepared(run, warm)


def _prepare_convnet(student, row, rng, lang):
    model = getattr(student.module(row.module), row.cls)(*row.args)
    loss = student.module("module5.loss")
    sgd = student.module("module5.optim").SGD(LR)
    x = student.keep(rng.standard_normal(row.shape))
    y = student.keep(rng.integers(0, row.classes, row.shape[0]))
    calls = [RemoteMethod(model, "forward"), RemoteMethod(loss, "cross_entropy_loss"),
             RemoteMethod(model, "backward"), RemoteMethod(model, "get_params_and_grads"),
             RemoteMethod(sgd, "step")]
    forward, xent, backward, params, step = calls

    def run(check=False):
        scores = forward.keep(x)
        if check:
            _array(scores, f"{row.cls}.forward", lang)
        result = xent.keep(scores, y)
        if check and (not isinstance(result, tuple) or len(result) != 2):
            if result is None:
                raise _Todo(t("bench_todo_none", lang, name="cross_entropy_loss"))
            raise _Bad(t("bench_not_pair", lang, name="cross_entropy_loss"))
        dx = backward.keep(result[1])
        pairs = params.keep()
        if check and pairs is None:
            raise _Todo(t("bench_todo_none", lang, name=f"{row.cls}.get_params_and_grads"))
        return scores, result, dx, step.keep(pairs)
    warm = _seconds(lambda: student.release(run(check=True)))
    return _Prepared(run, warm)


def _prepare_unet(student, row, rng, lang):
    from given.experiments.segmentation import pixel_cross_entropy
    model = getattr(student.module(row.module), row.cls)(*row.args)
    sgd = student.module("module5.optim").SGD(LR)
    n, _, h, w = row.shape
    x = student.keep(rng.standard_normal(row.shape))
    masks = rng.integers(0, row.classes, (n, h, w))
    forward, backward = RemoteMethod(model, "forward"), RemoteMethod(model, "backward")
    params, step = RemoteMethod(model, "get_params_and_grads"), RemoteMethod(sgd, "step")
    shapes = []

    def run(check=False):
        logits = forward(x)            # the loss is the course's given code, run here
        if check:
            if logits is None:
                raise _Todo(t("bench_todo_none", lang, name=f"{row.cls}.forward"))
            if not isinstance(logits, np.ndarray) or logits.shape != (n, row.classes, h, w):
                got = getattr(logits, "shape", type(logits).__name__)
                raise _Bad(t("bench_bad_logits", lang, got=got,
                             want=(n, row.classes, h, w)))
            shapes.append(logits.shape)
        try:
            _, dlogits = pixel_cross_entropy(logits, masks)
        except (TypeError, ValueError) as exc:     # logits of another shape or kind
            raise _Bad(f"pixel_cross_entropy: {exc}") from None
        dx = backward.keep(dlogits)
        pairs = params.keep()
        if check and pairs is None:
            raise _Todo(t("bench_todo_none", lang, name=f"{row.cls}.get_params_and_grads"))
        return dx, step.keep(pairs)
    warm = _seconds(lambda: student.release(run(check=True)))
    # The logits come back and their gradient goes out: two arrays of that shape per run.
    return _Prepared(run, warm, crossing=[shapes[0], shapes[0]])


PREPARE = {"layer": _prepare_layer, "convnet": _prepare_convnet, "unet": _prepare_unet}


def _channel_costs(student, crossing):
    """(seconds of one round trip, seconds of sending the `crossing` arrays) in this
    worker, each a median."""
    rtt = float(np.median([_seconds(lambda: student.request("ping", doing="timing the channel"))
                           for _ in range(PINGS)]))
    transfer = 0.0
    for shape in crossing:
        payload = np.zeros(shape)
        once = float(np.median([_seconds(lambda: student.request(
            "ping", payload, doing="timing the channel")) for _ in range(3)]))
        transfer += max(once - rtt, 0.0)
    return rtt, transfer


def time_row(student, row, repeats, limit, seed, lang):
    """Timing of `row` in a fresh worker of `student`: the median of up to `repeats` runs
    after a warm-up, all within `limit` seconds (fewer runs when they would not fit)."""
    student.close()
    student.deadline = time.monotonic() + limit
    student.forbidden = []          # what one row's code did is that row's (a check's) own
    try:
        student.seed(seed)
        prepared = PREPARE[row.kind](student, row, np.random.default_rng(seed), lang)
        rtt, transfer = _channel_costs(student, prepared.crossing)
        warm_up(lambda: student.release(prepared.run()), prepared.warm,
                lambda estimate: time.monotonic() + 1.2 * estimate <= student.deadline)
        times = []
        while len(times) < repeats:
            estimate = max(times) if times else prepared.warm
            if time.monotonic() + 1.2 * estimate > student.deadline:
                break
            before = student.requests
            start = time.perf_counter()
            results = prepared.run()
            seconds = time.perf_counter() - start
            overhead = (student.requests - before) * rtt + transfer
            times.append(max(seconds - overhead, 1e-6))
            # Results are dropped between runs, as a training loop drops last step's: memory
            # stays flat, and each run reuses what the previous one freed.
            student.release(results)
        if not times:
            return Timing("OK", prepared.warm * 1e3, 0)
        return Timing("OK", float(np.median(times)) * 1e3, len(times))
    except _Todo as exc:
        return Timing("TODO", detail=str(exc))
    except _Bad as exc:
        return Timing("ERROR", detail=str(exc))
    except WorkerTimeout:
        return Timing("TIMEOUT", detail=t("bench_timeout", lang, seconds=limit))
    except WorkerCrashed as exc:
        return Timing("CRASH", detail=pick(exc.reason, lang))
    except ForbiddenCode as exc:
        return Timing("FORBIDDEN", detail=str(exc))
    except StudentError as exc:
        return Timing("ERROR", detail=exc.short())
    finally:
        student.close()


# -- baselines in their own processes ------------------------------------------------------
def child_env(threads):
    """The environment of a baseline process: this one's, with `threads` BLAS threads and
    the project importable."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.update({var: str(threads) for var in THREAD_VARS})
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def _argv(entry):
    """The command line of a baseline process running `entry`, a function of this module."""
    return [sys.executable, "-c", f"from grader.bench import {entry}; {entry}()"]


def _last_line(text, code):
    """What a baseline process said last on stderr, or its exit code."""
    return (text.strip().splitlines() or [f"exit code {code}"])[-1][:200]


def _child(entry, spec, threads, timeout):
    """Run `entry` in a fresh interpreter with `spec` on stdin; return the JSON objects it
    printed, one per line. The process is killed after `timeout` seconds."""
    try:
        done = subprocess.run(_argv(entry), input=json.dumps(spec), capture_output=True,
                              text=True, env=child_env(threads), cwd=str(PROJECT_ROOT),
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return [{"failed": f"no answer within {timeout:g} s"}]
    found = []
    for line in done.stdout.splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    if done.returncode != 0:
        found.append({"failed": _last_line(done.stderr, done.returncode)})
    return found


def warm_up(once, first, fits=lambda estimate: True):
    """Untimed runs of `once` after a first run that took `first` seconds, until WARM_S
    seconds or WARM_RUNS runs have gone into the warm-up, or (`fits`, given the slowest run
    so far) the next run would not fit. Returns the runs made, the first included."""
    runs, spent, slowest = 1, first, first
    while spent < WARM_S and runs < WARM_RUNS and fits(slowest):
        seconds = _seconds(once)
        runs, spent, slowest = runs + 1, spent + seconds, max(slowest, seconds)
    return runs


def _median_seconds(fn, repeats):
    warm_up(fn, _seconds(fn))
    return float(np.median([_seconds(fn) for _ in range(repeats)]))


def gemm_child():
    """In a baseline process: numpy's float64 GEMM rate on an n×n product."""
    spec = json.load(sys.stdin)
    n, repeats = spec["n"], spec["repeats"]
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    seconds = _median_seconds(lambda: a @ b, repeats)
    print(json.dumps({"gflops": 2 * n ** 3 / seconds / 1e9, "n": n,
                      "threads_env": os.environ.get("OPENBLAS_NUM_THREADS")}), flush=True)


def measure_gemm(threads, quick, repeats):
    n = QUICK_GEMM_N if quick else GEMM_N
    lines = _child("gemm_child", {"n": n, "repeats": repeats}, threads, timeout=300)
    found = next((o for o in lines if "gflops" in o), None)
    if found is None:
        why = next((o["failed"] for o in lines if "failed" in o), "no result")
        return {"gflops": None, "n": n, "threads_env": None, "error": why}
    return dict(found, error=None)


def torch_child():
    """In a baseline process: PyTorch CPU float64 times of rows asked for one at a time.

    The first line on stdin is {"threads", "repeats"}; the answer is a header line,
    {"torch": version, "threads": n} or {"missing": why}. Every later line is a row's spec
    with its "seed", answered by {"key", "ms"} or {"key", "error"}. The end of stdin ends it.
    """
    spec = json.loads(sys.stdin.readline())
    try:
        import torch
    except Exception as exc:  # noqa: BLE001 - any failure to import means no baseline
        print(json.dumps({"missing": f"{type(exc).__name__}: {exc}"[:200]}), flush=True)
        return
    torch.set_num_threads(spec["threads"])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}),
          flush=True)
    for line in iter(sys.stdin.readline, ""):
        row = json.loads(line)
        try:
            seconds = _torch_seconds(torch, row, spec["repeats"], row["seed"])
            print(json.dumps({"key": row["key"], "ms": seconds * 1e3}), flush=True)
        except Exception as exc:  # noqa: BLE001 - one row's failure is that row's
            print(json.dumps({"key": row["key"], "error": f"{type(exc).__name__}: {exc}"}),
                  flush=True)
    sys.stdout.flush()
    os._exit(0)          # everything is said; torch's own teardown takes seconds


def _torch_module(torch, row):
    nn = torch.nn
    a, kw = row["args"], row["kwargs"]
    build = {
        "Conv2D": lambda: nn.Conv2d(a[0], a[1], a[2], stride=kw.get("stride", 1),
                                    padding=kw.get("padding", 0)),
        "FullyConnected": lambda: nn.Linear(a[0], a[1]),
        "ReLU": nn.ReLU,
        "MaxPool2D": lambda: nn.MaxPool2d(a[0], kw.get("stride")),
        "BatchNorm2D": lambda: nn.BatchNorm2d(a[0]),
        "Upsample": lambda: nn.Upsample(scale_factor=a[0], mode=kw["mode"], align_corners=(
            False if kw["mode"] == "bilinear" else None)),
        "ConvTranspose2D": lambda: nn.ConvTranspose2d(a[0], a[1], a[2],
                                                      stride=kw.get("stride", 1),
                                                      padding=kw.get("padding", 0)),
        "SimpleConvNet": lambda: _torch_lenet(nn, row["shape"][1:], row["classes"]),
        "SimpleUNet": lambda: _torch_unet(torch, row["shape"][1], row["classes"]),
    }[row["cls"]]
    return build().double()


def _torch_lenet(nn, chw, classes):
    c, h, w = chw
    h, w = _stage(_stage(h)), _stage(_stage(w))
    return nn.Sequential(nn.Conv2d(c, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * h * w, 120),
                         nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, classes))


def _torch_unet(torch, cin, classes):
    """The reference SimpleUNet (module6/unet.py) in PyTorch, nearest upsampling."""
    nn = torch.nn

    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                             nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1, self.enc2, self.pool = block(cin, 8), block(8, 16), nn.MaxPool2d(2)
            self.bottom = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32),
                                        nn.ReLU())
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.dec2, self.dec1 = block(48, 16), block(24, 8)
            self.head = nn.Conv2d(8, classes, 1)

        def forward(self, x):
            skip1 = self.enc1(x)
            skip2 = self.enc2(self.pool(skip1))
            x = self.bottom(self.pool(skip2))
            x = self.dec2(torch.cat([self.up(x), skip2], 1))
            x = self.dec1(torch.cat([self.up(x), skip1], 1))
            return self.head(x)
    return UNet()


def _torch_seconds(torch, row, repeats, seed):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = _torch_module(torch, row)
    x = torch.from_numpy(rng.standard_normal(row["shape"]))
    if row["kind"] == "layer":
        x.requires_grad_(True)                  # the course's layers compute dx too
        dout = torch.from_numpy(rng.standard_normal(tuple(model(x).shape)))

        def once():
            x.grad = None
            model.zero_grad(set_to_none=True)
            out = model(x)
            out.backward(dout)
    else:
        n, _, h, w = row["shape"]
        labels = (n,) if row["kind"] == "convnet" else (n, h, w)
        y = torch.from_numpy(rng.integers(0, row["classes"], labels))
        params = list(model.parameters())
        loss = torch.nn.functional.cross_entropy    # the mean over samples (and pixels)

        def once():
            for p in params:
                p.grad = None
            out = model(x)
            loss(out, y).backward()
            with torch.no_grad():                   # the course's SGD: w -= lr * grad
                for p in params:
                    p.sub_(LR * p.grad)
    return _median_seconds(once, repeats)


class TorchBaseline:
    """PyTorch's side of the bench: one process (torch_child) for the whole run, asked for
    a row right after that row's other sides, so each row's times are measured back to
    back. `info` is the report's {"available", "version", "threads", "reason"}."""

    def __init__(self, threads, repeats, limit):
        self.limit = limit
        self.info = {"available": False, "version": None, "threads": None, "reason": None}
        self.answers = queue.Queue()
        self.errors = tempfile.TemporaryFile(mode="w+")     # read only when it fails
        self.process = subprocess.Popen(
            _argv("torch_child"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errors, text=True, env=child_env(threads), cwd=str(PROJECT_ROOT))
        threading.Thread(target=self._read, daemon=True).start()
        self._send({"threads": threads, "repeats": repeats})
        head = self._answer(TORCH_START_S)
        if head is not None and "torch" in head:
            self.info.update(available=True, version=head["torch"], threads=head["threads"])
        else:
            self.info["reason"] = (head or {}).get("missing") or self._failure()
            self.close()

    def _read(self):
        for line in self.process.stdout:
            try:
                self.answers.put(json.loads(line))
            except ValueError:
                continue
        self.answers.put(None)                              # the process has ended

    def _send(self, obj):
        try:
            self.process.stdin.write(json.dumps(obj) + "\n")
            self.process.stdin.flush()
        except (OSError, ValueError):                      # it died: _answer says so
            pass

    def _answer(self, timeout):
        """The process's next line, or None when it ended or was silent for `timeout` s
        (then it is killed, and every later row is None)."""
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            self.process.kill()
            self.process.wait()
            return None

    def _failure(self, waited=TORCH_START_S):
        """Why no answer came: the process was silent for `waited` s (and was killed), or
        what it said last."""
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        if code in (None, -9):
            return f"no answer within {waited:g} s"
        self.errors.seek(0)
        return _last_line(self.errors.read(), code)

    def ms(self, row, seed):
        """(PyTorch's median time of `row` in milliseconds, None), or (None, what it raised
        on the row), or (None, None) when the process is gone (every later row too)."""
        if self.process.poll() is not None:
            return None, None
        self._send(dict(row.spec(), seed=seed))
        answer = self._answer(30 + self.limit)
        if answer is None:
            self.info["reason"] = f"{row.key}: {self._failure(30 + self.limit)}"
            return None, None
        return answer.get("ms"), answer.get("error", "")[:300] or None

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.errors.close()


# -- the command ---------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message):
        """Bad usage: one line on stderr and exit code 2."""
        print(f"grader bench: {message} (see --help)", file=sys.stderr)
        sys.exit(2)


def parse_args(argv):
    from .cli import add_sandbox_options
    p = _Parser(prog="python -m grader bench", epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
                description="Time the forward + backward of every layer of a tree (and a "
                "training step of each network) against the reference, PyTorch and numpy's "
                "GEMM rate, all measured in this run. 每一層的速度與向量化版本比較。")
    p.add_argument("--target", default="exercises", metavar="exercises|reference|PATH",
                   help="the tree to time; default exercises. Example: --target ~/hw5")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help=f"BLAS threads of every worker and baseline (1..{MAX_THREADS}; "
                        "default 1, as when grading). Example: --threads 2")
    p.add_argument("--repeats", type=int, metavar="K",
                   help=f"timed runs per row after the warm-up; the median is shown (default "
                        f"{DEFAULT_REPEATS}, {QUICK_REPEATS} with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="small shapes (batch 2-4): seconds instead of a minute; for CI")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                   help=f"time limit per row in seconds (default {DEFAULT_TIMEOUT:g}): a row "
                        "over it says TIMEOUT; a slow row gets fewer runs to fit")
    p.add_argument("-k", dest="pattern", metavar="PATTERN", action="append",
                   help="only rows whose key contains PATTERN or matches it as a glob; "
                        "repeatable (keys below). Example: -k conv -k step.*")
    p.add_argument("--no-torch", action="store_true",
                   help="leave out the PyTorch baseline (it takes a few seconds to import)")
    p.add_argument("--json", metavar="FILE", help="also write the numbers as JSON. "
                   "Example: --json bench.json")
    p.add_argument("--lang", choices=LANGS, help="language of the output; default from the "
                   "locale. Example: --lang zh-TW")
    p.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                   help="memory cap of each process running your code (default 2048)")
    add_sandbox_options(p, default="auto")
    args = p.parse_args(argv)
    if not 1 <= args.threads <= MAX_THREADS:
        p.error(f"--threads must be between 1 and {MAX_THREADS}, got {args.threads}")
    if args.repeats is not None and args.repeats < 1:
        p.error(f"--repeats must be at least 1, got {args.repeats}")
    if not args.timeout > 0:
        p.error(f"--timeout must be positive, got {args.timeout:g}")
    if args.memory_mb < 256:
        p.error(f"--memory-mb must be at least 256, got {args.memory_mb}")
    return args


class _Progress:
    """The row being timed: a transient bar on a terminal, plain lines otherwise."""

    def __init__(self, console, total, lang):
        self.console, self.total, self.lang, self.done = console, total, lang, 0
        self.bar = None
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                MofNCompleteColumn(), console=console, transient=True)
            self.task = self.bar.add_task(t("bench_progress", lang), total=total)
            self.bar.start()

    def show(self, what):
        text = f"{t('bench_progress', self.lang)}: {what}"
        if self.bar is not None:
            self.bar.update(self.task, description=text[:70])
        else:
            self.console.print(f"[{self.done + 1}/{self.total}] {text}", markup=False)

    def advance(self):
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)

    def stop(self):
        if self.bar is not None:
            self.bar.stop()


def _ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _ms_text(ms):
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.3g}"


def _ratio_text(x):
    if x is None:
        return "—"
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def _ratio_style(x):
    return "" if x is None else "green" if x <= 2 else "yellow" if x <= 10 else "red"


def run_bench(args, target, lang, err):
    """Time every selected row; return the report (the JSON document)."""
    started = time.monotonic()
    isolation = sandbox.detect(args.sandbox)
    quick = args.quick
    repeats = args.repeats or (QUICK_REPEATS if quick else DEFAULT_REPEATS)
    present = set(available_modules(target))
    chosen, left_out = [], []
    for row in select(rows(quick), args.pattern):
        missing = [n for n in row.modules if n not in present]
        if missing:
            left_out.append({"key": row.key, "reason": t("bench_left_out", lang,
                                                         dir=f"module{missing[0]}")})
        else:
            chosen.append(row)
    same = REFERENCE.is_dir() and os.path.realpath(target) == os.path.realpath(REFERENCE)
    has_reference = REFERENCE.is_dir() and bool(available_modules(REFERENCE))
    ref_status = "self" if same else "measured" if has_reference else "missing"
    steps = 1 + len(chosen) * (1 if ref_status != "measured" else 2)
    steps += 0 if args.no_torch else len(chosen)
    progress = _Progress(err, steps, lang)
    student = reference = baseline = None
    try:
        progress.show(t("bench_progress_gemm", lang))
        gemm = measure_gemm(args.threads, quick, repeats)
        progress.advance()
        student = Student(str(target), memory_mb=args.memory_mb, isolation=isolation,
                          threads=args.threads, prefetch=False)
        if ref_status == "measured":
            reference = Student(str(REFERENCE), memory_mb=args.memory_mb, isolation=isolation,
                                threads=args.threads, prefetch=False)
        if args.no_torch:
            torch_info = {"available": False, "version": None, "threads": None,
                          "reason": "--no-torch"}
        else:
            progress.show(t("bench_progress_torch", lang))
            baseline = TorchBaseline(args.threads, repeats, args.timeout)
            torch_info = baseline.info
        results, torch_rows = [], {}        # {row key: (PyTorch ms, what it raised)}
        for i, row in enumerate(chosen):
            stub = first_stub(target, row.needs)
            progress.show(f"{row.short} · {pick(dict(zip(LANGS, row.role)), lang)}")
            if stub is not None:
                mine = Timing("TODO", detail=t("bench_todo_stub", lang, name=stub))
            else:
                mine = time_row(student, row, repeats, args.timeout, 1000 + i, lang)
            progress.advance()
            ref_ms = mine.ms if ref_status == "self" else None
            if reference is not None:
                progress.show(f"{row.short} · reference")
                if mine.status == "OK":
                    ref_ms = time_row(reference, row, repeats, args.timeout, 1000 + i,
                                      lang).ms
                progress.advance()
            if baseline is not None:
                progress.show(f"{row.short} · PyTorch")
                if torch_info["available"]:
                    torch_rows[row.key] = baseline.ms(row, 1000 + i)
                progress.advance()
            results.append((row, mine, ref_ms))
    finally:
        progress.stop()
        for s in (student, reference, baseline):
            if s is not None:
                s.close()
        proxy.close_launchers()
    return _report(args, target, lang, isolation, repeats, gemm, torch_info, torch_rows,
                   ref_status, results, left_out, time.monotonic() - started)


def _report(args, target, lang, isolation, repeats, gemm, torch_info, torch_rows, ref_status,
            results, left_out, wall):
    rate = gemm.get("gflops")
    out_rows = []
    for row, mine, ref_ms in results:
        ok = mine.status == "OK"
        limit_ms = row.flops / (rate * 1e9) * 1e3 if row.flops and rate else None
        tms, terr = torch_rows.get(row.key, (None, None))      # (ms, what PyTorch raised)
        out_rows.append({
            "key": row.key, "name": row.short, "layer": row.label, "role": row.role[0],
            "input_shape": list(row.shape), "status": mine.status,
            "ms": mine.ms if ok else None, "runs": mine.runs, "detail": mine.detail,
            "reference_ms": ref_ms, "torch_ms": tms, "torch_error": terr,
            "gemm_limit_ms": limit_ms,
            "flops": row.flops,
            "x_reference": _ratio(mine.ms, ref_ms) if ok else None,
            "x_torch": _ratio(mine.ms, tms) if ok else None,
            "x_gemm": _ratio(mine.ms, limit_ms) if ok else None})
    return {"kind": "cnn-kit-bench", "version": 1, "grader": __version__,
            "target": str(target), "quick": bool(args.quick), "threads": args.threads,
            "repeats": repeats, "timeout_s": args.timeout, "lang": lang,
            "isolation": isolation.to_dict(), "gemm": gemm, "torch": torch_info,
            "reference": {"status": ref_status,
                          "path": None if ref_status == "missing" else str(REFERENCE)},
            "rows": out_rows, "left_out": left_out, "wall_s": wall}


def render(console, report, lang):
    """The header, the table and the notes."""
    console.print(t("bench_title", lang), style="bold")
    gemm, torch_info, ref = report["gemm"], report["torch"], report["reference"]
    iso = report["isolation"]
    console.print(f"{t('target', lang)}: {report['target']}", markup=False)
    line = f"{t('bench_threads', lang)}: {report['threads']} · "
    if gemm["gflops"] is not None:
        line += t("bench_gemm", lang, gflops=gemm["gflops"], n=gemm["n"])
    else:
        line += t("bench_no_gemm", lang, why=gemm["error"])
    console.print(line, markup=False)
    if torch_info["available"]:
        console.print(t("bench_torch", lang, version=torch_info["version"],
                        threads=torch_info["threads"]), markup=False)
        if torch_info["reason"]:
            console.print(t("bench_torch_stopped", lang, why=torch_info["reason"]),
                          style="yellow", markup=False)
    else:
        console.print(t("bench_no_torch", lang, why=torch_info["reason"]), markup=False)
    key = {"self": "bench_reference_self", "measured": "bench_reference",
           "missing": "bench_no_reference"}[ref["status"]]
    console.print(t(key, lang, path=ref["path"]), markup=False)
    console.print(t("bench_repeats", lang, repeats=report["repeats"],
                    limit=report["timeout_s"]), markup=False)
    console.print(f"{t('isolation', lang)}: {iso['mechanism']} ({iso['detail']})",
                  markup=False)
    if iso["mechanism"] not in sandbox.SANDBOXED:
        console.print(t("no_sandbox_warning", lang, detail=iso["detail"]), style="yellow",
                      markup=False)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column(t("bench_layer", lang), no_wrap=True)
    table.add_column(t("bench_shape", lang), no_wrap=True)
    for name in ("bench_ms", "bench_x_reference", "bench_x_torch", "bench_x_gemm"):
        table.add_column(t(name, lang), justify="right", no_wrap=True)   # two-line headers
    notes, one_run = {}, False          # {(status, reason): [row names]}
    for row in report["rows"]:
        role = ROLES.get(row["key"], (row["role"], row["role"]))
        label = Text(row["name"])
        label.append("\n" + pick(dict(zip(LANGS, role)), lang), style="dim")
        shape = "×".join(str(n) for n in row["input_shape"])
        if row["status"] != "OK":
            status = t(row["status"], lang)
            table.add_row(label, shape, Text(status, style="bold red"), "—", "—", "—")
            notes.setdefault((status, row["detail"]), []).append(row["name"])
            continue
        ms = _ms_text(row["ms"]) + ("*" if row["runs"] == 0 else "")
        one_run = one_run or row["runs"] == 0
        x_ref = row["x_reference"]
        x_torch = _ratio_text(row["x_torch"]) if torch_info["available"] else "n/a"
        table.add_row(label, shape, ms, Text(_ratio_text(x_ref), style=_ratio_style(x_ref)),
                      x_torch, _ratio_text(row["x_gemm"]))
    console.print(table)
    if one_run:
        console.print(t("bench_one_run", lang), markup=False)
    for left in report["left_out"]:
        console.print(f"{left['key']}: {left['reason']}", markup=False)
    for (status, detail), names in notes.items():
        console.print(f"{status} {', '.join(names)}: {detail}", markup=False, style="red")
    raised = {}                         # {what PyTorch raised: [row names]}
    for row in report["rows"]:
        if row["torch_error"]:
            raised.setdefault(row["torch_error"], []).append(row["name"])
    for why, names in raised.items():
        console.print(t("bench_torch_row_failed", lang, names=", ".join(names), why=why),
                      markup=False, style="yellow")
    console.print(t("bench_legend", lang), markup=False, style="dim")
    console.print(f"{t('wall', lang)}: {report['wall_s']:.1f} s", markup=False)


#: {key: (role in English, in 繁體中文)} of every row (the same at every size).
ROLES = {r.key: r.role for r in rows()}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    lang = detect_lang(args.lang)
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        target = resolve_target(args.target)
    except TargetError as exc:
        err.print(f"grader bench: {exc}", markup=False)
        return 2
    try:
        sandbox.detect(args.sandbox)
    except sandbox.SandboxUnavailable as exc:
        err.print(f"grader bench: {exc}", markup=False)
        return 2
    if not select(rows(args.quick), args.pattern):
        ks = " ".join(f"-k {k!r}" for k in args.pattern)
        err.print(f"grader bench: {t('bench_no_rows', lang)}: {ks}", markup=False)
        return 2
    report = run_bench(args, target, lang, err)
    render(console, report, lang)
    if args.json:
        from .formats import write_json
        write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
