"""Time for the learning checks: a budget from the learner's own step time, and TIMEOUT
messages that name the slow layer, measured.

Time limits stop hangs; they do not grade speed. A learning check (overfit, residual vs
plain, U-Net IoU) times one training step of the learner's model before it trains, then
gives the whole run what it needs at that speed, with a margin:

    deadline = now + MARGIN · steps · step + SLACK,  within [declared timeout, hard cap]

(both × --timeout-scale; the cap is the check's `cap` in @check). Loops in any layer are
fine while the run fits under the cap. A run that cannot fit is stopped before it starts,
and a run that overruns its own budget stops there; either way the TIMEOUT message says
which of the learner's layers dominates a step — its time at the shapes of the run against
a vectorised layer timed here in the same run — and the --timeout-scale that would finish.
"""
import math
import time
from dataclasses import dataclass

import numpy as np

from grader.checks import Msg
from grader.errors import StudentError, WorkerGone

from . import hints
from . import oracle_layers as olay
from . import oracles_m5_training as ot

#: The run gets this many times its predicted length: room for a machine that gets busier.
MARGIN = 2.0
#: Seconds added to every budget (evaluation after training, a fresh worker, the proxy).
SLACK = 10.0
#: The profile of the learner's layers (after a TIMEOUT) gets this long, in a fresh worker.
PROFILE_SECONDS = 20.0
#: A layer this many times slower than the vectorised one is called slow (a loop over
#: output positions is 1-4x; loops over pixels or samples 30-1000x).
SLOW_RATIO = 5.0

H = hints.table("budget")


def fit(student, grade, timeout_scale, step_seconds, steps, likely=None):
    """Give the rest of the run (at most `steps` more steps of `step_seconds`) its budget:
    set the student's deadline and return (fits, need), `need` being the predicted seconds
    with the margin. A run that stops early once it has learned (`likely` steps are what it
    usually takes) is let run up to the cap when its `likely` steps fit, though all `steps`
    would not. When it does not fit, the deadline is left as it was."""
    now = time.monotonic()
    need = MARGIN * steps * step_seconds + SLACK
    cap_end = grade.started + grade.spec.cap * timeout_scale
    if now + need > cap_end:
        if likely is None or now + MARGIN * likely * step_seconds + SLACK > cap_end:
            return False, need
        need = cap_end - now
    student.deadline = max(student.deadline or now, now + need)
    return True, need


def cap_seconds(grade, timeout_scale):
    return grade.spec.cap * timeout_scale


def scale_needed(grade, timeout_scale, seconds_from_start):
    """The --timeout-scale under which a run of `seconds_from_start` fits under the cap."""
    return max(2, math.ceil(timeout_scale * seconds_from_start / cap_seconds(grade, timeout_scale)))


# -- what a training step is made of -------------------------------------------------------
@dataclass
class Probe:
    """One layer of a training step: `count` uses per step of the learner's `cls` (from
    `module`, built with `args`/`kwargs`) on inputs of `shape`; `trusted()` builds the
    vectorised layer it is timed against."""
    cls: str
    module: str
    args: tuple
    shape: tuple
    count: int
    trusted: object
    kwargs: dict = None

    @property
    def label(self):
        args = ", ".join([str(a) for a in self.args]
                         + [f"{k}={v!r}" for k, v in (self.kwargs or {}).items()])
        return f"{self.cls}({args}) on {self.shape}"


def _conv(C, F, k, p=0):
    def build():
        rng = np.random.default_rng(0)
        return olay.Conv2D(rng.standard_normal((F, C, k, k)) * 0.1, np.zeros(F), padding=p)
    return build


def _bn(C):
    return lambda: olay.BatchNorm2D(np.ones(C), np.zeros(C))


def conv(C, F, k, shape, count=1, padding=0):
    kwargs = {"padding": padding} if padding else {}
    return Probe("Conv2D", "module5.layers", (C, F, k), shape, count, _conv(C, F, k, padding),
                 kwargs)


def relu(shape, count=1):
    return Probe("ReLU", "module5.layers", (), shape, count, olay.ReLU)


def pool(shape, count=1):
    return Probe("MaxPool2D", "module5.layers", (2,), shape, count, olay.MaxPool2x2)


def bn(C, shape, count=1):
    return Probe("BatchNorm2D", "module6.batchnorm", (C,), shape, count, _bn(C))


def fc(D, M, n, count=1):
    def build():
        return olay.FullyConnected(np.random.default_rng(0).standard_normal((D, M)) * 0.1,
                                   np.zeros(M))
    return Probe("FullyConnected", "module5.layers", (D, M), (n, D), count, build)


def upsample(shape, count=1):
    return Probe("Upsample", "module6.upsample", (2,), shape, count, olay.UpsampleNearest2x,
                 {"mode": "nearest"})


def lenet_step(n):
    """SimpleConvNet on (n, 1, 28, 28): the layers of one training step."""
    return [conv(1, 6, 5, (n, 1, 28, 28)), relu((n, 6, 24, 24)), pool((n, 6, 24, 24)),
            conv(6, 16, 5, (n, 6, 12, 12)), relu((n, 16, 8, 8)), pool((n, 16, 8, 8)),
            fc(256, 120, n), fc(120, 84, n), fc(84, 10, n)]


def residual_step(n, width, size, depth):
    """The residual-vs-plain stack: a stem and `depth` BasicBlock(width, width)."""
    s = (n, width, size, size)
    return [conv(1, width, 3, (n, 1, size, size), padding=1), bn(width, s), relu(s),
            conv(width, width, 3, s, count=2 * depth, padding=1),
            bn(width, s, count=2 * depth), relu(s, count=2 * depth)]


def unet_step(n, size, in_channels=1):
    """SimpleUNet(in_channels, 2, 'nearest') on (n, in_channels, size, size)."""
    h, q, e = size, size // 2, size // 4
    return [
        conv(in_channels, 8, 3, (n, in_channels, h, h), padding=1),
        conv(8, 8, 3, (n, 8, h, h), padding=1),
        bn(8, (n, 8, h, h), count=4), relu((n, 8, h, h), count=4), pool((n, 8, h, h)),
        conv(8, 16, 3, (n, 8, q, q), padding=1),
        conv(16, 16, 3, (n, 16, q, q), count=2, padding=1),
        bn(16, (n, 16, q, q), count=4), relu((n, 16, q, q), count=4), pool((n, 16, q, q)),
        conv(16, 32, 3, (n, 16, e, e), padding=1), bn(32, (n, 32, e, e)), relu((n, 32, e, e)),
        upsample((n, 32, e, e)), conv(48, 16, 3, (n, 48, q, q), padding=1),
        upsample((n, 16, q, q)), conv(24, 8, 3, (n, 24, h, h), padding=1),
        conv(8, 8, 3, (n, 8, h, h), padding=1), conv(8, 2, 1, (n, 8, h, h))]


# -- measuring ---------------------------------------------------------------------------
def _step(layer, x):
    """One forward + backward of `layer` (a learner's or a trusted one) on x."""
    out = layer.forward(x)
    layer.backward(np.ones_like(out) if isinstance(out, np.ndarray) else np.ones(1))


def profile(student, probes, seconds=PROFILE_SECONDS):
    """[(probe, learner's seconds or math.inf, vectorised seconds)] for one forward +
    backward of each probe (best of two when it is quick), the learner's in a fresh worker
    with its own deadline of `seconds` in all."""
    student.close()
    student.deadline = time.monotonic() + seconds
    rng = np.random.default_rng(0)
    rows, alive = [], True
    for probe in probes:
        x = rng.standard_normal(probe.shape)
        trusted_layer = probe.trusted()
        trusted = ot.min_time(lambda: _step(trusted_layer, x), 3)
        mine = math.inf
        if alive:
            try:
                layer = getattr(student.module(probe.module), probe.cls)(
                    *probe.args, **(probe.kwargs or {}))
                mine = ot.min_time(lambda: _step(layer, x), 1)
                if mine < 0.2:
                    mine = min(mine, ot.min_time(lambda: _step(layer, x), 1))
                    # What the grader's own transfer costs for these arrays, measured the
                    # same way: small layers are mostly that.
                    mine -= ot.min_time(lambda: _transfer(student, x), 2)
                    mine = max(mine, 1e-6)
            except WorkerGone:
                alive = False
            except StudentError:
                pass
        rows.append((probe, mine, trusted))
    student.close()
    return rows


def _transfer(student, x):
    student.request("ping", x, doing="timing the transfer")
    student.request("ping", x, doing="timing the transfer")


def slow_layer_text(rows, step=None):
    """Msg naming the layer class that takes most of a step, with its time per step against
    a vectorised one, and every other class that is far from vectorised; or, when the
    layers take much less than the measured `step`, that the time goes elsewhere."""
    classes = {}
    for probe, mine, trusted in rows:
        entry = classes.setdefault(probe.cls, {"mine": 0.0, "trusted": 0.0, "uses": 0,
                                               "worst": (probe, mine)})
        entry["mine"] += probe.count * mine
        entry["trusted"] += probe.count * trusted
        entry["uses"] += probe.count
        if probe.count * mine > entry["worst"][0].count * entry["worst"][1]:
            entry["worst"] = (probe, mine)
    if not classes:
        return Msg("", "")
    ranked = sorted(classes.items(), key=lambda kv: -kv[1]["mine"])
    name, top = ranked[0]
    example = top["worst"][0].label
    if math.isinf(top["mine"]):
        return H("layer_hangs", name=name, example=example, seconds=PROFILE_SECONDS)
    total = sum(entry["mine"] for entry in classes.values())
    ratio = top["mine"] / top["trusted"] if top["trusted"] > 0 else math.inf
    if step is not None and total < 0.5 * step:
        return H("time_elsewhere", total_ms=total * 1e3, step_ms=step * 1e3, name=name,
                 top_ms=top["mine"] * 1e3)
    if ratio < SLOW_RATIO:
        return H("machine_slow", name=name, top_ms=top["mine"] * 1e3, ratio=ratio)
    others = [f"{n} {e['mine'] * 1e3:.0f} ms ({e['mine'] / e['trusted']:.0f}×)"
              for n, e in ranked[1:] if e["trusted"] > 0 and e["mine"] / e["trusted"] >= SLOW_RATIO
              and e["mine"] >= 0.2 * total]
    comma = H("list_separator")
    more = (H("also_slow", layers=Msg(comma["en"].join(others), comma["zh-TW"].join(others)))
            if others else Msg("", ""))
    uses = H("uses_plural", n=top["uses"]) if top["uses"] > 1 else H("uses", n=top["uses"])
    return H("slowest_layer", name=name, top_ms=top["mine"] * 1e3, uses=uses, example=example,
             total_ms=total * 1e3, trusted_ms=top["trusted"] * 1e3, ratio=ratio, more=more)


def timeout_message(student, grade, timeout_scale, what, step, steps, probes, stage,
                    done=None):
    """The TIMEOUT Msg of a learning check. `what` (a Msg) names the run, `step` the
    measured seconds of one step (None if none finished), `steps` the run's length (at
    most), `done` how many were done if known, `stage` "before" (stopped before training: it
    cannot fit), "during" or "after" (training done, the final evaluation overran)."""
    cap = cap_seconds(grade, timeout_scale)
    elapsed = time.monotonic() - grade.started
    rows = profile(student, probes)
    layers = slow_layer_text(rows, step)
    if step is None:
        head = H("no_step", what=what)
        # The layers' own times give a lower bound of a step, and so of the scale.
        estimate = sum(probe.count * mine for probe, mine, _ in rows)
        scale = (scale_needed(grade, timeout_scale, elapsed + MARGIN * steps * estimate + SLACK)
                 if 0 < estimate < math.inf else None)
    else:
        need = MARGIN * steps * step + SLACK
        scale = scale_needed(grade, timeout_scale, elapsed + need if stage == "before" else need)
        figures = H("figures", step=step, steps=steps, total=steps * step, need=need, cap=cap)
        if stage == "before":
            head = H("stopped_before", what=what, figures=figures)
        elif stage == "after":
            head = H("stopped_after", what=what, figures=figures)
        else:
            head = H("stopped_during", what=what, figures=figures)
            if done is not None:
                head = head + H("steps_done", done=done, steps=steps)
    tail = H("scale_to_use", scale=scale) if scale else H("scale_unknown")
    return head + H("sentence_end") + layers + tail
