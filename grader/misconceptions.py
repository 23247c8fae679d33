"""Misconception diagnosis: known wrong variants of a check's answer, named when they match.

A misconception is a small function that computes what one plausible mistake gives on the
check's own inputs — the sum where the mean belongs, the kernel not flipped, the momentum the
other way round. Each suite file `grader/suites/test_<suite>.py` has its catalogue in
`grader/suites/mistakes/<suite>.py`:

    @mistake("m5.cross_entropy", "loss", doc="docs/module5.md#softmax-and-cross-entropy")
    def ce_loss_sum(scores, y):
        '''The loss summed over the batch instead of averaged.'''
        return len(y) * oracles.cross_entropy(scores, y)[0]

The function's name is the misconception's key: its hint is the entry of that key in the
suite's hints table, with both levels (`fix` and `concept`), and `doc` is the section that
explains the idea. A check names the quantity it judges and the inputs it gave:

    expect_close(loss, want, "loss", mistakes=grade.diagnose("loss", scores=keep, y=y))

Only when the value is wrong are the variants of (check, quantity) computed, each from the
inputs its parameters name (copies). A variant that returns None does not apply to these
inputs (a stride mistake at stride 1); one that equals the right answer cannot explain the
error. The first variant the wrong value matches gives the hint, with its key (`.mistake`)
and section (`.doc`), which reach the result. A hint therefore never names a mistake whose
variant the answer did not match: a misconception's hint is not used any other way
(tests/grader/test_misconceptions.py reads the suites to be sure), and each has a mutant in
the shipped catalogue (grader/audit/) that must be diagnosed as exactly that mistake.
"""
import copy
import functools
import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: (check id, quantity) -> [Variant, ...], in the order the catalogues declare them.
REGISTRY = {}
#: key -> Variant: keys are unique over both modules.
BY_KEY = {}

KEY = re.compile(r"[a-z][a-z0-9_]{2,59}")
DOC = re.compile(r"docs/module[56]\.md#[a-z0-9-]+")
#: Never looser than this when deciding that a wrong answer is a known variant.
MATCH_RTOL, MATCH_ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class Variant:
    key: str
    check: str
    quantity: str
    doc: str
    suite: str          # the hints table holding its text: hints/<suite>.py
    compute: object
    params: tuple       # the inputs it reads

    def __call__(self, inputs):
        missing = [p for p in self.params if p not in inputs]
        if missing:
            raise TypeError(f"grader bug: misconception {self.key} reads {missing}, which "
                            f"the check's diagnose({self.quantity!r}, ...) does not give")
        return self.compute(**{p: copy.deepcopy(inputs[p]) for p in self.params})


def mistake(check, quantity, doc):
    """Register the decorated function as a known wrong variant of `quantity` in `check`."""
    def register(fn):
        key = fn.__name__
        if not KEY.fullmatch(key):
            raise ValueError(f"misconception key {key!r}: lower_case, 3 to 60 characters")
        if key in BY_KEY:
            raise ValueError(f"two misconceptions are called {key!r}")
        if not DOC.fullmatch(doc):
            raise ValueError(f"misconception {key}: doc {doc!r} is not docs/module5|6.md#anchor")
        suite = fn.__module__.rsplit(".", 1)[-1]
        params = tuple(inspect.signature(fn).parameters)
        variant = Variant(key, check, quantity, doc, suite, fn, params)
        BY_KEY[key] = variant
        REGISTRY.setdefault((check, quantity), []).append(variant)
        return fn
    return register


def load(suite_module):
    """Import the catalogue of the suite module "grader.suites.test_m5_loss" (or "m5_loss")."""
    name = suite_module.rsplit(".", 1)[-1].removeprefix("test_")
    return importlib.import_module(f"grader.suites.mistakes.{name}")


def load_all():
    """Import every catalogue (the suites import their own; the tests want them all)."""
    here = Path(__file__).resolve().parent / "suites" / "mistakes"
    for path in sorted(here.glob("*.py")):
        if path.name != "__init__.py":
            importlib.import_module(f"grader.suites.mistakes.{path.stem}")
    return BY_KEY


def _close(a, b, rtol, atol):
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1.0)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol * scale))


class Diagnosis:
    """The known mistakes of one quantity of one check, on the inputs the check gave."""

    def __init__(self, check, quantity, inputs):
        if (check, quantity) not in REGISTRY:
            raise KeyError(f"grader bug: no misconception is registered for {quantity!r} of "
                           f"{check} (grader/suites/mistakes/)")
        self.check, self.quantity = check, quantity
        self.variants = REGISTRY[(check, quantity)]
        self.inputs = inputs

    def match(self, got, want=None, rtol=1e-6, atol=1e-8):
        """The hint (a Msg with .mistake, .concept and .doc) of the first variant that `got`
        matches while `want` (the right answer; None when only the shape is known to be
        wrong) does not, or None."""
        got = np.asarray(got, dtype=np.float64)
        want = None if want is None else np.asarray(want, dtype=np.float64)
        rtol, atol = max(rtol, MATCH_RTOL), max(atol, MATCH_ATOL)
        for variant in self.variants:
            wrong = variant(self.inputs)
            if wrong is None:
                continue
            wrong = np.asarray(wrong, dtype=np.float64)
            if want is not None and _close(wrong, want, rtol, atol):
                continue            # this mistake changes nothing on these inputs
            if not np.all(np.isfinite(wrong)) or not _close(got, wrong, rtol, atol):
                continue
            return named(variant)
        return None


@functools.lru_cache(maxsize=None)
def _table(suite):
    from grader.suites import hints
    return hints.table(suite)


def named(variant):
    """The hint of `variant`: its table entry, carrying its key and section."""
    msg = _table(variant.suite)(variant.key)
    msg.mistake, msg.doc = variant.key, variant.doc
    return msg
