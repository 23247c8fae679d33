"""The shipped mutant catalogue: single bugs a learner plausibly writes, each with the check(s)
meant to catch it and the words the hint (or message) must say.

A mutant is a copy of reference/ with one bug injected by text replacement: every edit's
`old` text must occur exactly once in its file (or in the function `within`, "Class.method",
so that an anchor need not quote a docstring or a neighbour). `python -m grader audit` grades
each mutant with its own checks and requires every one of them to catch it; the project's
tests (tests/grader/test_mutants_*.py) parametrize over this same catalogue, one test per
(mutant, check), so the two can never drift apart.

Adding a mutant: one `_one(...)` (or `_many(...)` when several checks must catch the same bug)
in the catalogue file of its area (grader/audit/catalogue/), with a short unique name; then
`python -m grader audit -k NAME`. A mutant of a known misconception expects named("key"):
the check must diagnose that mistake. Any other mutant must not be diagnosed as one.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import modules, skeleton


@dataclass(frozen=True)
class Expect:
    """`check` must catch the mutant: lose points, give `status`, and say `text` in its hint
    or message (English) — or, with `mistake`, diagnose exactly that known misconception
    (grader/misconceptions.py), whose hint then says what the bug is."""
    check: str
    status: str
    text: str = ""
    mistake: str = None


@dataclass(frozen=True)
class Named:
    """In the catalogue, in place of a text: the misconception the check must diagnose."""
    key: str


def named(key):
    return Named(key)


def _expect(check, status, text):
    if isinstance(text, Named):
        return Expect(check, status, mistake=text.key)
    return Expect(check, status, text)


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple      # ((file under the tree, old, new[, "Class.method"]), ...)
    expect: tuple     # (Expect, ...)

    @property
    def checks(self):
        return [e.check for e in self.expect]

    @property
    def files(self):
        """The tree's files this mutant edits ("module5/layers.py"), in edit order."""
        return list(dict.fromkeys(edit[0] for edit in self.edits))

    @property
    def modules(self):
        """The numbers of the modules whose checks judge this mutant."""
        return sorted({modules.of_check(c) for c in self.checks})


class EditError(AssertionError):
    """An edit's anchor is not in the file exactly once: the catalogue no longer fits the
    reference (an AssertionError, so that pytest shows it as a failed assertion)."""


def replace_once(text, old, new, within=None, where="the file"):
    """text with `old` replaced by `new`; `old` must occur exactly once — in the function
    `within` ("Class.method"), when given, so that an anchor need not quote a docstring or
    a neighbour to be unique."""
    if within is None:
        if text.count(old) != 1:
            raise EditError(f"mutation target not found exactly once in {where}: {old!r}")
        return text.replace(old, new)
    fn = skeleton.functions(text).get(within)
    if fn is None:
        raise EditError(f"no function {within} in {where}")
    lines = text.splitlines(keepends=True)
    head, body, tail = (lines[:fn.lineno - 1], "".join(lines[fn.lineno - 1:fn.end_lineno]),
                        lines[fn.end_lineno:])
    if body.count(old) != 1:
        raise EditError(f"mutation target not found exactly once in {within}: {old!r}")
    return "".join(head) + body.replace(old, new) + "".join(tail)


def copy_tree(src, dst):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return Path(dst)


def apply_edits(tree, edits):
    """Apply `edits` ((file, old, new[, within]), ...) to the files of directory `tree`."""
    tree = Path(tree)
    for rel, old, new, *within in edits:
        path = tree / rel
        path.write_text(replace_once(path.read_text(encoding="utf-8"), old, new, *within,
                                     where=rel), encoding="utf-8")
    return tree


def make_tree(reference, dst, edits):
    """A copy of `reference` at `dst` with `edits` applied; returns its path."""
    return apply_edits(copy_tree(reference, dst), edits)


def said(result):
    """What a result says in English: its hint and its message."""
    return (result.hint or {}).get("en", "") + " " + (result.message or {}).get("en", "")


def judge(expect, result):
    """What is wrong with `result` (a CheckResult, or None when the check gave none) against
    Expect `expect`: [] when the check caught the mutant as the catalogue says. The first
    two problems mean the mutant survived that check."""
    if result is None:
        return ["no result"]
    problems = []
    if not result.points < result.max_points:
        problems.append(f"lost no points ({result.points}/{result.max_points}, {result.status})")
    if expect.mistake is not None and result.mistake != expect.mistake:
        problems.append(f"diagnosed {result.mistake or 'no known mistake'}, the catalogue "
                        f"expects {expect.mistake}; it says {said(result).strip()!r}")
    elif expect.mistake is None and result.mistake is not None:
        problems.append(f"named the mistake {result.mistake}, which this mutant is not "
                        f"(say so in the catalogue with named({result.mistake!r}), or fix "
                        f"the variant that matched)")
    if expect.text not in said(result):
        problems.append(f"the hint does not say {expect.text!r}; it says {said(result).strip()!r}")
    if result.status != expect.status:
        problems.append(f"status {result.status}, the catalogue expects {expect.status}")
    if result.hint is not None and not (result.hint["zh-TW"]
                                        and result.hint["zh-TW"] != result.hint["en"]):
        problems.append("the hint has no Chinese text of its own")
    if result.hint is not None and result.concept is None:
        problems.append("the hint has no concept level (--feedback concept): give its table "
                        "entry {'fix': ..., 'concept': ...}")
    return problems


def caught_by(expect, result):
    """Did the check of `expect` catch the mutant: lose points, with the bug named?"""
    if result is None or not result.points < result.max_points:
        return False
    if expect.mistake is not None:
        return result.mistake == expect.mistake
    return expect.text in said(result)


def _one(name, check, edits, status, text):
    """A bug that `check` must catch; `text` is the words it must say, or named("key"), the
    misconception it must diagnose."""
    return Mutant(name, tuple(tuple(e) for e in edits), (_expect(check, status, text),))


def _many(name, edits, expect):
    """A bug that several checks must catch: expect {check: (status, text or named(...))}."""
    return Mutant(name, tuple(tuple(e) for e in edits),
                  tuple(_expect(c, s, t) for c, (s, t) in expect.items()))


LAYERS = "module5/layers.py"
LOSS = "module5/loss.py"
NET = "module5/network.py"
OPTIM = "module5/optim.py"
INIT = "module5/weight_init.py"
BN = "module6/batchnorm.py"
RB = "module6/resnet_blocks.py"
UP = "module6/upsample.py"
TC = "module6/transposed_conv.py"
UNET = "module6/unet.py"

# The catalogue's files import the helpers above, so they are read last.
from .catalogue import CATALOGUE  # noqa: E402

BY_NAME = {m.name: m for m in CATALOGUE}
assert len(BY_NAME) == len(CATALOGUE), "two mutants share a name"


def cases(check_ids, catalogue=CATALOGUE):
    """(mutant, check id) of every expectation of the catalogue whose check is in
    `check_ids`: what one test file of the project grades, one test each."""
    wanted = set(check_ids)
    return [(m, e.check) for m in catalogue for e in m.expect if e.check in wanted]


def select(patterns=None, numbers=None, catalogue=CATALOGUE):
    """The mutants of the modules numbered `numbers` (by their checks) that match any of
    `patterns`: a substring or glob of the name, of a check id or of an edited file."""
    import fnmatch
    chosen = []
    for m in catalogue:
        if numbers and not set(m.modules) & set(numbers):
            continue
        if patterns:
            keys = [m.name, *m.checks, *m.files]
            if not any(p in k or fnmatch.fnmatch(k, p) for p in patterns for k in keys):
                continue
        chosen.append(m)
    return chosen


def coverage(catalogue=CATALOGUE):
    """{learner's file ("module5/layers.py"): number of mutants editing it}, every file of
    every module listed (0 when none)."""
    counts = {f"{mod.dir}/{name}": 0 for mod in modules.MODULES for name in mod.files}
    for m in catalogue:
        for rel in m.files:
            counts[rel] = counts.get(rel, 0) + 1
    return counts
