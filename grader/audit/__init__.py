"""python -m grader audit: prove, for the instructor, that the suites are fit to grade a class.

Three parts, each required to pass (docs/audit.md):

1. reference — reference/ scores 100 % on two seeds, required checks and bonus alike;
2. api — exercises/ has the reference's public API (classes, methods, signatures, class
   attributes) and the same given (non-TODO) code, docstrings aside (grader/audit/api.py);
3. mutants — every mutant of the shipped catalogue (grader/audit/catalogue/: single bugs a
   learner plausibly writes) is caught by each check it names: the check loses points and
   its hint or message says the catalogue's words, or it diagnoses the known mistake the
   catalogue names (grader/misconceptions.py).

It prints the mutation score and, per mutant, which check caught it; exit status 1 on any
survivor, a reference below 100 % or an API difference.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, \
    TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .. import misconceptions, modules, sandbox
from ..report import summarize
from ..runner import load_checks, run_checks, select_checks
from . import api, mutants as catalogue_module
from .mutants import CATALOGUE, EditError, caught_by, judge, make_tree, said

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("reference", "api", "mutants")

EPILOG = """\
what it does:
  reference  grades reference/ with every check on seeds S and S+1 (S = --seed, default 0);
             every check must PASS with full points, the bonus checks included.
  api        compares exercises/ with reference/, file by file: public functions and
             classes, methods and their signatures, class attributes, and the code of every
             function handed out complete (not a TODO), docstrings aside. A difference is
             printed as a unified diff (reference first).
  mutants    for each mutant of the catalogue (grader/audit/catalogue/), copies reference/
             to a temporary directory, applies its edit (one bug), and grades the copy with
             only the check(s) the catalogue names, on seed S. Each check must lose points
             and its hint or message must contain the catalogue's text (e.g. the mutant
             "fc-no-bias" must get "the bias is missing") — or, for a mutant of a known
             misconception (grader/suites/mistakes/), diagnose exactly that mistake (the
             mutant "ce-sum" must be diagnosed as ce_loss_times_n); no other mutant may be
             diagnosed as a known mistake. The catalogue's status and a Chinese hint are
             required too.

sandbox: the mutants and the reference run like student code, in the grader's worker
processes and, by default, in the strongest sandbox this machine has (bubblewrap, else
unshare, else a fresh uid as root; none if nothing works — the reference is the
instructor's own code). --untrusted refuses to run without a sandbox; --no-sandbox never
uses one. The isolation used is printed at the end and written to --json.

examples:
  python -m grader audit                         everything (about a minute on 2 cores)
  python -m grader audit --list                  the catalogue: names, files, checks, texts
  python -m grader audit -k softmax -k ce-       only these mutants (name, check id or file)
  python -m grader audit --only mutants --module 6   Module 6's mutants, nothing else
  python -m grader audit --only api --exercises ~/course/exercises
  python -m grader audit --json audit.json       for CI: every verdict as JSON

adding a mutant: an entry in grader/audit/catalogue/ (a short name, the edit, the check, the
status and the words the hint must say); the project's tests grade it too
(tests/grader/test_mutants_*.py parametrize over the catalogue).

exit codes: 0 everything passed; 1 a survivor, a mismatch or a broken mutant, the reference
below 100 %, or an API difference; 2 bad usage (a -k that matches nothing, a missing tree,
--untrusted without a sandbox).
"""


def parse_args(argv):
    from ..cli import add_sandbox_options
    p = argparse.ArgumentParser(
        prog="python -m grader audit", description="For instructors: require the reference "
        "to score 100 %, the exercises to have the reference's API and given code, and every "
        "shipped mutant to be caught by the check meant to catch it; print the mutation "
        "score.", epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=PARTS, action="append", metavar="PART",
                   help="run only this part (repeatable): reference, api or mutants; "
                        "default all three. Example: --only mutants")
    modules.add_module_option(p, help="only this module's checks, files and mutants "
                              "(repeatable; a mutant belongs to the modules of its checks)")
    p.add_argument("-k", dest="patterns", action="append", metavar="PATTERN",
                   help="only the mutants whose name, check id or edited file contains "
                        "PATTERN or matches it as a glob (repeatable: any of them). "
                        "Example: -k bn- -k 'm5.fc.*'")
    p.add_argument("--list", action="store_true", help="list the catalogue's mutants (with -k "
                   "and --module: the chosen ones), run nothing")
    p.add_argument("--seed", type=int, default=0, help="seed S: the reference is graded on S "
                   "and S+1, the mutants on S (default 0, so runs are reproducible)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="gradings run in parallel, each in its own worker processes "
                        "(default: 2, or 1 on one core)")
    p.add_argument("--json", metavar="FILE", help="also write every verdict as JSON. "
                   "Example: --json audit.json")
    p.add_argument("--reference", default=str(ROOT / "reference"), metavar="PATH",
                   help="the reference tree (default: the kit's reference/)")
    p.add_argument("--exercises", default=str(ROOT / "exercises"), metavar="PATH",
                   help="the learner's tree to compare with it (default: the kit's exercises/)")
    p.add_argument("--timeout-scale", type=float, default=1.0, metavar="X",
                   help="multiply every check's time limit by X (a slow or busy machine)")
    p.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                   help="memory cap of each worker process (default 2048)")
    add_sandbox_options(p, default="auto")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.timeout_scale <= 0:
        p.error("--timeout-scale must be positive")
    return args


# ------------------------------------------------------------------ outcomes
@dataclass
class ReferenceOutcome:
    seed: int
    results: dict                 # check id -> CheckResult
    total: dict = field(default_factory=dict)
    error: str = ""

    @property
    def failures(self):
        return [r for r in self.results.values()
                if r.status != "PASS" or r.points < r.max_points]

    @property
    def ok(self):
        return not self.error and not self.failures and bool(self.results)

    def to_dict(self):
        return {"seed": self.seed, "ok": self.ok, "error": self.error, **self.total,
                "failures": [{"id": r.id, "status": r.status, "points": r.points,
                              "max_points": r.max_points, "says": said(r).strip()}
                             for r in self.failures]}


@dataclass
class MutantOutcome:
    mutant: object                # mutants.Mutant
    results: dict = field(default_factory=dict)     # check id -> CheckResult
    error: str = ""
    seconds: float = 0.0

    def problems(self, expect):
        return judge(expect, self.results.get(expect.check))

    @property
    def caught_by(self):
        """The checks that caught it (lost points, said the words)."""
        return [e.check for e in self.mutant.expect
                if caught_by(e, self.results.get(e.check))]

    @property
    def verdict(self):
        """caught: every check caught it as the catalogue says; SURVIVED: a check it names
        did not catch it; MISMATCH: caught, but not with the catalogue's status or with no
        Chinese hint; BROKEN: the edit no longer fits the reference, or grading failed."""
        if self.error:
            return "BROKEN"
        if len(self.caught_by) < len(self.mutant.expect):
            return "SURVIVED"
        if any(self.problems(e) for e in self.mutant.expect):
            return "MISMATCH"
        return "caught"

    def to_dict(self):
        out = {"name": self.mutant.name, "files": self.mutant.files, "verdict": self.verdict,
               "caught_by": self.caught_by, "named_by": named_by(self),
               "seconds": self.seconds, "error": self.error, "checks": []}
        for e in self.mutant.expect:
            r = self.results.get(e.check)
            out["checks"].append({
                "check": e.check, "expected_status": e.status, "expected_text": e.text,
                "expected_mistake": e.mistake, "mistake": r.mistake if r else None,
                "status": r.status if r else None, "points": r.points if r else None,
                "max_points": r.max_points if r else None, "says": said(r).strip() if r else "",
                "problems": [] if self.error else self.problems(e)})
        return out


# ------------------------------------------------------------------ grading
def grade_reference(reference, specs, seed, options):
    try:
        run = run_checks(str(reference), specs, seed=seed, jobs=1, **options)
    except Exception as exc:       # the audit reports it; it does not stop the others
        return ReferenceOutcome(seed, {}, error=f"{type(exc).__name__}: {exc}")
    return ReferenceOutcome(seed, run.results, summarize(run.results.values())[1])


def grade_mutant(mutant, reference, checks, seed, options):
    """Grade one mutant: a temporary copy of `reference` with its edits, its checks only."""
    started = time.monotonic()
    outcome = MutantOutcome(mutant)
    try:
        with tempfile.TemporaryDirectory(prefix="grader-audit-") as tmp:
            tree = make_tree(reference, Path(tmp) / "tree", mutant.edits)
            specs = [checks[c] for c in dict.fromkeys(mutant.checks)]
            outcome.results = run_checks(str(tree), specs, seed=seed, jobs=1,
                                         **options).results
    except EditError as exc:
        outcome.error = f"the edit no longer fits the reference: {exc}"
    except KeyError as exc:
        outcome.error = f"no check {exc}"
    except Exception as exc:
        outcome.error = f"{type(exc).__name__}: {exc}"
    outcome.seconds = round(time.monotonic() - started, 2)
    return outcome


# ------------------------------------------------------------------ rendering
VERDICT_STYLE = {"caught": "bold green", "SURVIVED": "bold red", "MISMATCH": "bold yellow",
                 "BROKEN": "bold red reverse"}


def _ok(flag):
    return Text("ok", style="bold green") if flag else Text("FAILED", style="bold red")


def render_reference(console, outcomes):
    console.print(Text("1. The reference scores 100 %", style="bold"))
    for o in outcomes:
        line = Text(f"   seed {o.seed}: ")
        if o.error:
            line.append(o.error, style="red")
        else:
            t = o.total
            line.append(f"required {t['points']:g}/{t['max_points']:g} ({t['percent']} %) · "
                        f"bonus {t['bonus_points']:g}/{t['bonus_max_points']:g}  ")
            line.append_text(_ok(o.ok))
        console.print(line)
        for r in o.failures:
            console.print(f"     {r.id}: {r.status} {r.points:g}/{r.max_points:g} — "
                          f"{said(r).strip()}", markup=False, highlight=False)


def render_api(console, comparison, exercises, reference):
    console.print(Text("2. The exercises have the reference's API and given code", style="bold"))
    head = Text(f"   {exercises} against {reference}: {len(comparison.files)} files, "
                f"{comparison.compared} given functions compared  ")
    head.append_text(_ok(comparison.ok))
    console.print(head)
    for d in comparison.differences:
        console.print(Text(f"   {d.file}: {d.kind}" + (f" of {d.name}" if d.name else ""),
                           style="bold red"))
        for line in d.diff.splitlines():
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else ""
            console.print(Text("     " + line, style=style), soft_wrap=True)


def render_mutants(console, outcomes):
    console.print(Text("3. Every mutant is caught by the check that names its bug",
                       style="bold"))
    table = Table(box=box.SIMPLE_HEAD, expand=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("mutant", no_wrap=True)
    table.add_column("file", no_wrap=True)
    table.add_column("caught by", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for i, o in enumerate(outcomes, 1):
        by = Text()
        for e in o.mutant.expect:
            r = o.results.get(e.check)
            if by:
                by.append("\n")
            mark = e.check in o.caught_by
            by.append(e.check, style="" if mark else "red")
            by.append(f" {r.status if r else '—'}", style="dim")
        files = ", ".join(f.split("/", 1)[1] for f in o.mutant.files)
        table.add_row(str(i), o.mutant.name, files, by,
                      Text(o.verdict, style=VERDICT_STYLE[o.verdict]), f"{o.seconds:.1f}s")
    console.print(table)
    for o in outcomes:
        if o.verdict == "caught":
            continue
        console.print(Text(f"   {o.mutant.name}: {o.verdict}", style=VERDICT_STYLE[o.verdict]))
        if o.error:
            console.print(f"     {o.error}", markup=False, highlight=False, soft_wrap=True)
        for e in o.mutant.expect:
            for problem in ([] if o.error else o.problems(e)):
                console.print(f"     {e.check}: {problem}", markup=False, highlight=False,
                              soft_wrap=True)


def named_by(outcome):
    """How a caught mutant's bug is named, the weakest over its checks: "misconception" (a
    known mistake diagnosed), "hint" (the catalogue's words are in the hint) or "message"
    (only the message says them); None when it was not caught."""
    if outcome.verdict != "caught":
        return None
    levels = []
    for e in outcome.mutant.expect:
        r = outcome.results.get(e.check)
        if e.mistake is not None:
            levels.append(0)
        else:
            levels.append(1 if e.text in (r.hint or {}).get("en", "") else 2)
    return ("misconception", "hint", "message")[max(levels)]


def score_of(outcomes):
    caught = sum(1 for o in outcomes if o.verdict == "caught")
    total = len(outcomes)
    named = [named_by(o) for o in outcomes]
    diagnosed = {e.mistake for o in outcomes if o.verdict == "caught"
                 for e in o.mutant.expect if e.mistake}
    return {"caught": caught, "total": total,
            "percent": round(100.0 * caught / total, 1) if total else 100.0,
            "named": {level: named.count(level) for level in ("misconception", "hint", "message")},
            "misconceptions": {"diagnosed": len(diagnosed),
                               "catalogue": len(misconceptions.load_all())}}


def render_list(console, chosen):
    table = Table(box=box.SIMPLE_HEAD, expand=False, title=f"{len(chosen)} mutants",
                  title_justify="left")
    table.add_column("mutant", no_wrap=True)
    table.add_column("file", no_wrap=True)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("the hint must say", overflow="fold")
    for m in chosen:
        files = ", ".join(m.files)
        for i, e in enumerate(m.expect):
            table.add_row(m.name if i == 0 else "", files if i == 0 else "", e.check,
                          e.status, f"the known mistake {e.mistake}" if e.mistake else e.text)
    console.print(table)


# ------------------------------------------------------------------ the command
def main(argv=None, catalogue=CATALOGUE):
    """The `audit` subcommand. `catalogue`: the mutants to choose from (the project's tests
    pass their own)."""
    args = parse_args(sys.argv[1:] if argv is None else list(argv))
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 140)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    parts = args.only or list(PARTS)
    chosen = catalogue_module.select(args.patterns, args.module, catalogue)
    if args.list:
        render_list(console, chosen)
        return 0
    if "mutants" in parts and not chosen:
        err.print(f"grader audit: no mutant matches -k {args.patterns} --module {args.module}",
                  markup=False)
        return 2
    for label, path in (("reference", args.reference), ("exercises", args.exercises)):
        if (label == "reference" or "api" in parts) and not Path(path).is_dir():
            err.print(f"grader audit: the {label} tree {path} is not a directory", markup=False)
            return 2
    try:
        isolation = sandbox.detect(args.sandbox)
    except sandbox.SandboxUnavailable as exc:
        err.print(f"grader audit: {exc}", markup=False)
        return 2
    started = time.monotonic()
    checks = load_checks()
    report = {"seed": args.seed, "parts": parts, "isolation": isolation.to_dict()}
    ok = True

    comparison = None
    if "api" in parts:
        comparison = api.compare_trees(args.exercises, args.reference, args.module)
        report["api"] = comparison.to_dict()
        ok &= comparison.ok

    options = {"timeout_scale": args.timeout_scale, "memory_mb": args.memory_mb,
               "sandbox_mode": args.sandbox}
    tasks = []          # (kind, callable), the long ones first
    if "reference" in parts:
        specs = select_checks(checks, args.module)
        tasks += [("reference", lambda s=s: grade_reference(args.reference, specs, s, options))
                  for s in (args.seed, args.seed + 1)]
    if "mutants" in parts:
        tasks += [("mutant", lambda m=m: grade_mutant(m, args.reference, checks, args.seed,
                                                      options)) for m in chosen]
    results = _run_all(tasks, args.jobs, err)
    references = [r for kind, r in results if kind == "reference"]
    outcomes = [r for kind, r in results if kind == "mutant"]

    if references:
        render_reference(console, references)
        report["reference"] = [r.to_dict() for r in references]
        ok &= all(r.ok for r in references)
    if comparison is not None:
        render_api(console, comparison, args.exercises, args.reference)
    if "mutants" in parts:
        render_mutants(console, outcomes)
        score = score_of(outcomes)
        report["mutants"] = [o.to_dict() for o in outcomes]
        report["score"] = score
        report["coverage"] = catalogue_module.coverage([o.mutant for o in outcomes])
        ok &= score["caught"] == score["total"]
        line = Text(f"Mutation score: {score['caught']}/{score['total']} caught "
                    f"({score['percent']} %)  ", style="bold")
        line.append_text(_ok(score["caught"] == score["total"]))
        console.print(line)
        console.print("per file: " + " · ".join(f"{f} {n}" for f, n in
                                                 report["coverage"].items()),
                      markup=False, soft_wrap=True)
        named, known = score["named"], score["misconceptions"]
        console.print(f"the bug named: {named['misconception']} diagnosed as a known "
                      f"misconception, {named['hint']} by the hint's words, {named['message']} "
                      f"only by the message; {known['diagnosed']} of the catalogue's "
                      f"{known['catalogue']} misconceptions diagnosed", markup=False,
                      soft_wrap=True)
    wall = round(time.monotonic() - started, 1)
    report["wall_time"] = wall
    report["passed"] = bool(ok)
    verdict = Text("audit passed" if ok else "audit FAILED",
                   style="bold green" if ok else "bold red")
    verdict.append(f" · {', '.join(parts)} · seed {args.seed} · wall time {wall}s · "
                   f"isolation: {isolation.mechanism}", style="")
    console.print(verdict)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return 0 if ok else 1


def _run_all(tasks, jobs, err):
    """Run the (kind, callable) tasks on `jobs` threads (each grading starts its own worker
    processes), with a progress bar on stderr; [(kind, outcome)] in the tasks' order."""
    if not tasks:
        return []
    progress = Progress(TextColumn("auditing"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=err, transient=True)
    with progress, ThreadPoolExecutor(max_workers=jobs) as pool:
        bar = progress.add_task("audit", total=len(tasks))
        futures = []
        for kind, fn in tasks:
            future = pool.submit(fn)
            future.add_done_callback(lambda _: progress.advance(bar))
            futures.append((kind, future))
        return [(kind, future.result()) for kind, future in futures]
