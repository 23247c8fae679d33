"""python -m grader: grade a tree and print a scorecard."""
import argparse
import os
import secrets
import sys

from rich.console import Console

from . import __version__
from .i18n import LANGS, detect_lang, t
from .report import build, summarize, write
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

exit codes: 0 graded (and at least --fail-under), 1 below --fail-under, 2 bad usage or target.
"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m grader", description="Grade a CNN-from-scratch tree with the hidden "
        "suites and print a scorecard. 用隱藏測試批改 CNN 作業並列出成績。",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", default="exercises", metavar="exercises|reference|PATH",
                   help="the tree to grade: a directory holding module5/ (and module6/); "
                        "default exercises. Example: --target reference")
    p.add_argument("--module", type=int, choices=(5, 6), action="append",
                   help="grade only this module (repeatable); default: every module the "
                        "target has. Example: --module 5")
    p.add_argument("-k", dest="pattern", metavar="PATTERN",
                   help="only checks whose id contains PATTERN or matches it as a glob. "
                        "Example: -k conv2d, -k 'm5.*.backward'")
    p.add_argument("--list", action="store_true", help="list the checks and their points, "
                   "run nothing")
    p.add_argument("--lang", choices=LANGS, help="language of the scorecard; default from the "
                   "locale (zh_* gives zh-TW). Example: --lang zh-TW")
    p.add_argument("--seed", type=int, help="seed of the random inputs; default a new one each "
                   "run, printed on the scorecard. Example: --seed 1234")
    p.add_argument("--json", metavar="FILE", help="also write a JSON report "
                   "(docs/json-report.md). Example: --json report.json")
    p.add_argument("--verbose", action="store_true", help="show every part of every check, "
                   "full messages and what your code printed")
    p.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when the required "
                   "score is below PCT percent. Example: --fail-under 100")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), metavar="N",
                   help="suite files graded in parallel (default: 2, or 1 on one core)")
    p.add_argument("--timeout-scale", type=float, default=1.0, metavar="X",
                   help="multiply every check's time limit by X, for slow machines or slow "
                        "(loop-based) code. Example: --timeout-scale 3")
    p.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                   help="memory cap of each process running your code (default 2048)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    if args.timeout_scale <= 0:
        p.error("--timeout-scale must be positive")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
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
    modules = args.module or available_modules(target)
    specs = select_checks(checks, modules, args.pattern)
    if not specs:
        err.print(f"grader: {t('no_checks', lang)}: module {modules}, -k {args.pattern!r}")
        return 2
    seed = args.seed if args.seed is not None else secrets.randbelow(1_000_000)
    with LiveProgress(console, specs, lang) as live:
        run = run_checks(target, specs, seed=seed, jobs=args.jobs,
                         timeout_scale=args.timeout_scale, memory_mb=args.memory_mb,
                         on_event=live.on_event)
    render(console, specs, run, lang, verbose=args.verbose)
    if args.json:
        write(args.json, build(specs, run, lang))
    _, total = summarize(specs, run.results)
    if args.fail_under is not None and total["percent"] < args.fail_under:
        err.print(t("below", lang, score=total["percent"], limit=args.fail_under))
        return 1
    return 0
