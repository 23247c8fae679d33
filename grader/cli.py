"""python -m grader: grade a tree and print a scorecard."""
import argparse
import os
import secrets
import sys
import time
from pathlib import Path

from rich.console import Console

from . import __version__, modules, sandbox
from .i18n import LANGS, detect_lang, t
from .formats import gradescope_results, junit_xml, write_json, write_text
from .report import build, summarize, write
from .results import FEEDBACK
from .runner import load_checks, run_checks, select_checks
from .scorecard import LiveProgress, render, render_list
from .target import TargetError, available_modules, resolve_target

EPILOG = """\
examples:
  python -m grader                              grade exercises/ (all modules it has)
  python -m grader --target reference           the reference solutions (should be 100 %)
  python -m grader --target ~/hw5 --module 5    a student's tree, Module 5 only
  python -m grader -k conv2d --verbose          only the Conv2D checks, with every part
  python -m grader --list                       what is checked, with points
  python -m grader --seed 1234                  reproduce a run (its seed is on the scorecard)
  python -m grader --json report.json --fail-under 60   for CI
  python -m grader --watch                      re-grade whenever you save a file
  python -m grader --target ~/sub --untrusted   someone else's code: sandbox or refuse

sandbox: student code always runs in separate worker processes; on Linux they are also
sandboxed (bubblewrap, else util-linux unshare, else — as root — an unprivileged uid): no
network, no view of the grader's files, limits on memory, processes and time. The scorecard's
last line says which isolation a run had. batch and Gradescope refuse to grade without one.

other commands (each has --help):
  python -m grader bench --threads 2                           your layers' speed vs vectorised
  python -m grader release ../cnn-student                      the students' repository
  python -m grader audit                                       the instructor's checks of the kit
  python -m grader batch SUBMISSIONS_DIR --out gradebook.csv   grade a whole class
  python -m grader merge part-*.json --out gradebook.csv       join the gradebooks of shards
  python -m grader shard-workflow --shards 4 > .github/workflows/grade-class.yml   shards on CI
  python -m grader gradescope-bundle autograder.zip            build a Gradescope autograder
  python -m grader classroom-workflow > .github/workflows/classroom.yml   GitHub Classroom

exit codes: 0 graded (and at least --fail-under), 1 below --fail-under, 2 bad usage or target.
"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m grader", description="Grade a CNN-from-scratch tree with the hidden "
        "suites and print a scorecard. 用隱藏測試批改 CNN 作業並列出成績。",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="exercises", metavar="exercises|reference|PATH",
                   help=f"the tree to grade: a directory holding {modules.dirs_text('and/or')}; "
                        "default exercises. Example: --target reference")
    modules.add_module_option(p)
    p.add_argument("-k", dest="pattern", metavar="PATTERN", action="append",
                   help="only checks whose id contains PATTERN or matches it as a glob; "
                        "repeatable: -k A -k B selects the checks of either. "
                        "Example: -k conv2d, -k 'm5.*.backward', -k conv2d -k relu")
    p.add_argument("--list", action="store_true", help="list the checks and their points, "
                   "run nothing")
    p.add_argument("--lang", choices=LANGS, help="language of the scorecard; default from the "
                   "locale (zh_* gives zh-TW). Example: --lang zh-TW")
    p.add_argument("--seed", type=int, help="seed of the random inputs; default a new one each "
                   "run, printed on the scorecard. Example: --seed 1234")
    p.add_argument("--json", metavar="FILE", help="also write a JSON report "
                   "(docs/json-report.md). Example: --json report.json")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML (one test case per "
                   "check) for CI systems. Example: --junit grader.xml")
    p.add_argument("--gradescope", metavar="FILE", help="also write Gradescope's results.json "
                   "format. Example: --gradescope results.json")
    p.add_argument("--watch", action="store_true", help="keep running: re-grade the affected "
                   "module whenever a .py file in the target is saved (Ctrl-C stops)")
    p.add_argument("--feedback", choices=FEEDBACK, default="fix",
                   help="hint detail: fix (default) gives the concrete fix; concept names the "
                        "mistake and the module text's section without it")
    p.add_argument("--verbose", action="store_true", help="show every part of every check, "
                   "full messages and what your code printed")
    p.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when the required "
                   "score is below PCT percent. Example: --fail-under 100")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="suite files graded in parallel (default: 2, or 1 on one core)")
    p.add_argument("--timeout-scale", type=float, default=1.0, metavar="X",
                   help="multiply every check's time limit by X, for slow machines. The "
                        "training checks already give slow (loop-based) code the time its own "
                        "speed needs, up to a cap; a TIMEOUT names the X that would finish. "
                        "Example: --timeout-scale 3")
    p.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                   help="memory cap of each process running your code (default 2048)")
    add_sandbox_options(p, default="auto")
    p.add_argument("--version", action="version", version=f"cnn-kit grader {__version__}")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.timeout_scale <= 0:
        p.error("--timeout-scale must be positive")
    return args


def add_sandbox_options(p, default):
    """--untrusted / --no-sandbox. `default` "auto" (a local run: the sandbox when there is
    one) or "require" (batch, Gradescope: refuse to grade without one)."""
    group = p.add_mutually_exclusive_group()
    if default == "auto":
        group.add_argument("--untrusted", dest="sandbox", action="store_const", const="require",
                           default="auto", help="the code is not yours (a student's "
                           "submission): refuse to grade unless a sandbox (bubblewrap, "
                           "unshare, or root dropping to an unprivileged uid) is available")
    else:
        p.set_defaults(sandbox="require")
    group.add_argument("--no-sandbox", dest="sandbox", action="store_const", const="off",
                       help="run student code as a plain process, without a sandbox (only for "
                            "code you trust; the default uses one when available" +
                            ("" if default == "auto" else ", and refuses to grade without") + ")")


SUBCOMMANDS = {"release": "grader.release:main", "audit": "grader.audit:main",
               "batch": "grader.batch:main", "merge": "grader.batch:merge_main",
               "shard-workflow": "grader.shards:workflow_main",
               "gradescope-bundle": "grader.gradescope:bundle_main",
               "gradescope-run": "grader.gradescope:run_main",
               "classroom-workflow": "grader.classroom:main",
               "bench": "grader.bench:main"}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in SUBCOMMANDS:
        import importlib
        import importlib.util
        module, func = SUBCOMMANDS[argv[0]].split(":")
        if importlib.util.find_spec(module) is None:      # the student release has no audit
            print(f"grader: `{argv[0]}` is an instructor's command, not in this copy of the "
                  f"grader (a student release)", file=sys.stderr)
            return 2
        return getattr(importlib.import_module(module), func)(argv[1:])
    args = parse_args(argv)
    lang = detect_lang(args.lang)
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False, soft_wrap=True)  # one line, never wrapped
    checks = load_checks()
    if args.list:
        render_list(console, select_checks(checks, args.module, args.pattern), lang)
        return 0
    try:
        target = resolve_target(args.target)
    except TargetError as exc:
        err.print(f"grader: {exc}")
        return 2
    numbers = args.module or available_modules(target)
    specs = select_checks(checks, numbers, args.pattern)
    if not specs:
        ks = " ".join(f"-k {k!r}" for k in args.pattern or ()) or "-k None"
        err.print(f"grader: {t('no_checks', lang)}: module {numbers}, {ks}")
        return 2
    try:
        sandbox.detect(args.sandbox)
    except sandbox.SandboxUnavailable as exc:
        err.print(f"grader: {exc}", markup=False)
        return 2
    if args.watch:
        return watch(args, target, specs, lang, console)
    total = grade(args, target, specs, lang, console)
    if args.fail_under is not None and total["percent"] < args.fail_under:
        err.print(t("below", lang, score=total["percent"], limit=args.fail_under))
        return 1
    return 0


def new_seed():
    """A fresh secret run seed: 63 bits, so it cannot be guessed or enumerated from the data
    a check hands to student code (grader/plugin.py check_seed)."""
    return secrets.randbits(63)


def grade(args, target, specs, lang, console):
    """One grading run: live progress, scorecard, the report files asked for."""
    seed = args.seed if args.seed is not None else new_seed()
    with LiveProgress(console, specs, lang) as live:
        run = run_checks(target, specs, seed=seed, jobs=args.jobs,
                         timeout_scale=args.timeout_scale, memory_mb=args.memory_mb,
                         on_event=live.on_event, sandbox_mode=args.sandbox)
    render(console, run, lang, verbose=args.verbose, feedback=args.feedback)
    if args.json:
        write(args.json, build(run, lang, args.feedback))
    if args.junit:
        write_text(args.junit, junit_xml(run, lang, args.feedback))
    if args.gradescope:
        write_json(args.gradescope, gradescope_results(run, lang, args.feedback))
    return summarize(run.results.values())[1]


def _snapshot(target):
    return {p: p.stat().st_mtime_ns for p in Path(target).rglob("*.py")
            if "__pycache__" not in p.parts}


def affected_modules(changed, target):
    """Modules to re-grade for changed files: a module's own, and every module built on it
    (Module 6 on Module 5's layers: a Module 5 file affects both)."""
    hit = set()
    for path in changed:
        parts = Path(path).relative_to(target).parts
        module = modules.by_dir(parts[0]) if parts else None
        if module is not None:
            hit |= modules.affected_by(module.number)
    return hit


def watch(args, target, specs, lang, console, poll=1.0, max_rounds=None):
    """Re-grade whenever a .py file in the target changes (polling the standard library's
    stat; no extra dependency). Ctrl-C stops cleanly."""
    chosen = specs
    rounds = 0
    try:
        while True:
            console.clear()
            grade(args, target, chosen, lang, console)
            rounds += 1
            if max_rounds is not None and rounds >= max_rounds:
                return 0
            console.print(t("watching", lang, target=target), style="bold cyan")
            before = _snapshot(target)
            while True:
                time.sleep(poll)
                after = _snapshot(target)
                changed = [p for p in set(before) | set(after) if before.get(p) != after.get(p)]
                hit = affected_modules(changed, target)
                chosen = [s for s in specs if s.module in hit]
                if chosen:
                    break
                before = after
    except KeyboardInterrupt:
        # A second Ctrl-C (an impatient key, or kit.py's forwarded one) while saying so
        # must not turn the clean stop into a traceback.
        import signal
        try:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:          # not the main thread: nothing to guard
            previous = None
        try:
            console.print(t("stopped", lang))
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        return 0
