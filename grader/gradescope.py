"""Gradescope: build an uploadable autograder, and the run it performs there.

    python -m grader gradescope-bundle autograder.zip [--module 5]

The zip holds setup.sh and run_autograder (Gradescope's entry points) and the grader, its
hidden suites, the given code and the exercises tree (files a submission lacks fall back to
it). On Gradescope, run_autograder calls `python -m grader gradescope-run`, which grades
/autograder/submission and writes /autograder/results/results.json. The root is
$AUTOGRADER_ROOT (default /autograder), so the same script runs against a fake layout in
the tests.
"""
import argparse
import os
import tempfile
import time
import zipfile
from pathlib import Path

from .cli import new_seed
from .formats import gradescope_results, write_json
from .runner import load_checks, run_checks, select_checks
from .submissions import SubmissionError, assemble
from .target import PROJECT_ROOT
from . import modules, sandbox

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
cd /autograder/source
apt-get update
# bubblewrap: the sandbox every submission's code runs in (without it, the grader falls back
# to running student code as an unprivileged uid, since Gradescope runs it as root).
apt-get install -y bubblewrap
if ! command -v python3 >/dev/null; then
    apt-get install -y python3 python3-pip
fi
python3 -m pip install --upgrade pip
python3 -m pip install .
# Only root (the grader) may read the hidden suites: a worker that had to fall back to an
# unprivileged uid cannot read them either.
chmod -R go-rwx grader/suites
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
export OPENBLAS_NUM_THREADS=1
exec "${{PYTHON:-python3}}" -m grader gradescope-run --root "$ROOT"{modules}
"""

INCLUDE = ("pyproject.toml", "README.md", "grader", "given", "exercises")


def _files():
    for name in INCLUDE:
        path = PROJECT_ROOT / name
        if path.is_file():
            yield path
            continue
        for f in sorted(path.rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc":
                yield f


def build_bundle(out, numbers=None):
    flags = "".join(f" --module {m}" for m in numbers or [])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH),
                           ("run_autograder", RUN_AUTOGRADER.format(modules=flags))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            z.writestr(info, text)
        for f in _files():
            z.write(f, str(f.relative_to(PROJECT_ROOT)))
    return out


def run_on_gradescope(root, numbers=None, timeout_scale=1.0, lang="en", sandbox_mode="require"):
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
            assemble(root / "submission", tree, base=PROJECT_ROOT / "exercises")
        except SubmissionError as exc:
            write_json(out, {"score": 0, "execution_time": round(time.monotonic() - started, 2),
                             "output": f"Could not grade this submission: {exc}. Upload your "
                                       f"{modules.dirs_text('and')} files (or a zip of them).",
                             "stdout_visibility": "hidden", "tests": []})
            return out
        seed = new_seed()
        run = run_checks(str(tree), specs, seed=seed, jobs=min(2, os.cpu_count() or 1),
                         timeout_scale=timeout_scale, sandbox_mode=sandbox_mode)
    write_json(out, gradescope_results(run, lang))
    return out


def bundle_main(argv):
    p = argparse.ArgumentParser(prog="python -m grader gradescope-bundle",
                                description="Build a Gradescope autograder zip.",
                                epilog="example: python -m grader gradescope-bundle "
                                       "autograder.zip --module 5")
    p.add_argument("out", metavar="OUT.zip")
    modules.add_module_option(p, help="only this module's checks (repeatable); default all")
    args = p.parse_args(argv)
    build_bundle(args.out, args.module)
    print(f"wrote {args.out}: upload it as the autograder on Gradescope "
          f"(Configure Autograder → Zip file upload)")
    return 0


def run_main(argv):
    p = argparse.ArgumentParser(prog="python -m grader gradescope-run",
                                description="What run_autograder does on Gradescope.")
    p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    modules.add_module_option(p, help="only this module's checks (repeatable); default all")
    p.add_argument("--timeout-scale", type=float, default=1.0)
    p.add_argument("--lang", choices=("en", "zh-TW"), default="en")
    from .cli import add_sandbox_options
    add_sandbox_options(p, default="require")
    args = p.parse_args(argv)
    out = run_on_gradescope(args.root, args.module, args.timeout_scale, args.lang, args.sandbox)
    print(f"wrote {out}")
    return 0
