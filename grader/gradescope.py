"""Gradescope: build an uploadable autograder, and the run it performs there.

    python -m grader gradescope-bundle autograder.zip [--module 5] [--lang zh-TW]

The zip holds setup.sh and run_autograder (Gradescope's entry points) and, from the
committed tree (git HEAD, like the student release), the grader with every suite (public
and hidden), the given code and the exercises tree (files a submission lacks fall back to
it). On Gradescope, run_autograder calls `python -m grader gradescope-run` with the options
the bundle was built with, which grades ROOT/submission and writes
ROOT/results/results.json. The root is $AUTOGRADER_ROOT (default /autograder), so the same
scripts run against a fake layout in the tests.
"""
import argparse
import os
import shlex
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from .cli import new_seed
from .formats import VISIBILITIES, gradescope_results, write_json
from .i18n import LANGS
from .release import ReleaseError, committed_files, require_clean
from .results import FEEDBACK
from .runner import load_checks, run_checks, select_checks
from .submissions import SubmissionError, assemble
from .target import PROJECT_ROOT
from . import modules, sandbox

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
if command -v apt-get >/dev/null; then
    apt-get update
    # bubblewrap: the sandbox every submission's code runs in (without it, the grader falls
    # back to running student code as an unprivileged uid, since Gradescope runs it as root);
    # python3-venv: the grader's own environment (Debian-based images refuse pip installs
    # into the system Python).
    apt-get install -y bubblewrap python3 python3-venv
fi
python3 -m venv "$ROOT/venv"
# Editable: the environment points at this source tree and holds no copy of the suites
# (site-packages is visible to student code; grader/suites here is not).
"$ROOT/venv/bin/python" -m pip install --upgrade pip
"$ROOT/venv/bin/python" -m pip install -e .
# Only root (the grader) may read the hidden suites: a worker that had to fall back to an
# unprivileged uid cannot read them either.
chmod -R go-rwx grader/suites
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
export OPENBLAS_NUM_THREADS=1
PY="${{PYTHON:-$ROOT/venv/bin/python}}"
[ -x "$PY" ] || PY=python3
exec "$PY" -m grader gradescope-run --root "$ROOT"{options}
"""

#: What the bundle holds, from git HEAD (never reference/, the tests or the instructor's
#: tools).
INCLUDE = ("pyproject.toml", "README.md", "kit.py", "grader", "given", "exercises")
WITHHELD = ("grader/audit", "grader/audit.py", "grader/mutants.py")


def build_bundle(out, numbers=None, options=(), repo=PROJECT_ROOT, allow_dirty=False):
    """Write the autograder zip to `out` from the committed tree of `repo`; `options` are
    the gradescope-run options baked into run_autograder. Uncommitted changes in exercises/
    are refused unless `allow_dirty` (they are left out either way). Returns `out`."""
    require_clean(repo, allow_dirty)
    files = committed_files(repo, INCLUDE, WITHHELD)
    flags = "".join(f" --module {m}" for m in numbers or []) + "".join(
        f" {shlex.quote(o)}" for o in options)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH),
                           ("run_autograder", RUN_AUTOGRADER.format(options=flags))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, text)
        for name in sorted(files):
            z.writestr(name, files[name])
    return out


def run_on_gradescope(root, numbers=None, timeout_scale=1.0, lang="en", sandbox_mode="require",
                      feedback="concept", visibility=("visible", "after_published", "hidden")):
    """Grade ROOT/submission, write ROOT/results/results.json; never raises for a bad
    submission (Gradescope must always get a results file)."""
    root = Path(root)
    results_dir = root / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / "results.json"
    started = time.monotonic()
    specs = select_checks(load_checks(), numbers)
    try:
        sandbox.detect(sandbox_mode)
    except sandbox.SandboxUnavailable as exc:
        # Fail closed: no points, and a reason the instructor sees (the test output is
        # hidden from students only if they cannot see it; this names no secret).
        write_json(out, {"score": 0, "execution_time": 0.0,
                         "output": f"The autograder could not grade: {exc}",
                         "stdout_visibility": "hidden", "tests": []})
        return out
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        tree = Path(tmp) / "tree"
        try:
            intake = assemble(root / "submission", tree, base=PROJECT_ROOT / "exercises")
        except SubmissionError as exc:
            write_json(out, {"score": 0, "execution_time": round(time.monotonic() - started, 2),
                             "output": f"Could not grade this submission: {exc}. Upload your "
                                       f"{modules.dirs_text('and')} files (or a zip of them).",
                             "stdout_visibility": "hidden", "tests": []})
            return out
        seed = new_seed()
        run = run_checks(str(tree), specs, seed=seed, jobs=min(2, os.cpu_count() or 1),
                         timeout_scale=timeout_scale, sandbox_mode=sandbox_mode)
    public, hidden, seed_visibility = visibility
    results = gradescope_results(run, lang, feedback, public, hidden, seed_visibility)
    results["output"] += f"\n{intake.describe()}"
    write_json(out, results)
    return out


def _add_feedback_options(p):
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the feedback students read (default en)")
    p.add_argument("--feedback", choices=FEEDBACK, default="concept",
                   help="hint detail: concept names the mistake and the module text's section; "
                        "fix adds the concrete fix (default concept)")
    p.add_argument("--public-visibility", choices=VISIBILITIES, default="visible",
                   help="Gradescope visibility of the public checks' results (default visible)")
    p.add_argument("--hidden-visibility", choices=VISIBILITIES, default="after_published",
                   help="visibility of the hidden checks' results (default after_published)")
    p.add_argument("--seed-visibility", choices=VISIBILITIES, default="hidden",
                   help="visibility of the line with the run's seed (default hidden: the seed "
                        "reproduces the checks' inputs)")


def _feedback_options(args):
    return ["--lang", args.lang, "--feedback", args.feedback,
            "--public-visibility", args.public_visibility,
            "--hidden-visibility", args.hidden_visibility,
            "--seed-visibility", args.seed_visibility]


def bundle_main(argv):
    p = argparse.ArgumentParser(prog="python -m grader gradescope-bundle",
                                description="Build a Gradescope autograder zip from the "
                                            "committed tree (git HEAD): every check, public "
                                            "and hidden; never reference/ or the tests.",
                                epilog="example: python -m grader gradescope-bundle "
                                       "autograder.zip --module 5 --lang zh-TW")
    p.add_argument("out", metavar="OUT.zip")
    modules.add_module_option(p, help="only this module's checks (repeatable); default all")
    _add_feedback_options(p)
    p.add_argument("--allow-dirty", action="store_true",
                   help="build even with uncommitted changes in exercises/ (they are left out)")
    args = p.parse_args(argv)
    try:
        warning = require_clean(PROJECT_ROOT, args.allow_dirty)
        build_bundle(args.out, args.module, _feedback_options(args), allow_dirty=True)
    except ReleaseError as exc:
        print(f"grader gradescope-bundle: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"grader gradescope-bundle: {warning}", file=sys.stderr)
    print(f"wrote {args.out}: upload it as the autograder on Gradescope "
          f"(Configure Autograder → Zip file upload)")
    return 0


def run_main(argv):
    p = argparse.ArgumentParser(prog="python -m grader gradescope-run",
                                description="What run_autograder does on Gradescope.")
    p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    modules.add_module_option(p, help="only this module's checks (repeatable); default all")
    p.add_argument("--timeout-scale", type=float, default=1.0)
    _add_feedback_options(p)
    from .cli import add_sandbox_options
    add_sandbox_options(p, default="require")
    args = p.parse_args(argv)
    out = run_on_gradescope(args.root, args.module, args.timeout_scale, args.lang, args.sandbox,
                            args.feedback, (args.public_visibility, args.hidden_visibility,
                                            args.seed_visibility))
    print(f"wrote {out}")
    return 0
