"""python -m grader batch SUBMISSIONS_DIR --out gradebook.csv

Grades every submission in a folder (each a sub-folder or a .zip; a submission may hold only
the files the student changed), in parallel, each in its own temp tree; writes a CSV and a
JSON gradebook. Re-running skips submissions whose files did not change (content hash), as
long as the grader's suites and the seed are the same.
"""
import argparse
import csv
import hashlib
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__, modules, sandbox
from .cli import new_seed
from .report import summarize
from .runner import SUITES_DIR, load_checks, run_checks, select_checks
from .submissions import SubmissionError, assemble, content_hash


def suites_fingerprint():
    h = hashlib.sha256(__version__.encode())
    for path in sorted(SUITES_DIR.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def find_submissions(folder):
    entries = []
    for path in sorted(Path(folder).iterdir()):
        if path.name.startswith(".") or path.name.startswith("__"):
            continue
        if path.is_dir() or path.suffix.lower() == ".zip":
            entries.append(path)
    return entries


def grade_one(path, specs, seed, timeout_scale, memory_mb, sandbox_mode="require"):
    """One submission's gradebook row: never raises."""
    started = time.monotonic()
    row = {"submission": path.stem if path.is_file() else path.name, "hash": content_hash(path),
           "status": "graded", "message": "", "checks": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            tree = Path(tmp) / "tree"
            intake = assemble(path, tree)
            row.update(files=intake.files, folder=intake.folder)
            run = run_checks(str(tree), specs, seed=seed, jobs=1,
                             timeout_scale=timeout_scale, memory_mb=memory_mb,
                             sandbox_mode=sandbox_mode)
    except SubmissionError as exc:
        row.update(status="error", message=str(exc))
        run = None
    except Exception as exc:  # noqa: BLE001 - one broken submission never stops the batch
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
        run = None
    if run is not None:
        _, total = summarize(run.results.values())
        row["total"] = total
        row["checks"] = {i: {"status": r.status, "points": r.points}
                         for i, r in run.results.items()}
        row["isolation"] = run.isolation.get("mechanism", "none")
    row["seconds"] = round(time.monotonic() - started, 2)
    return row


def write_gradebook(csv_path, json_path, specs, rows, meta):
    ids = [s.id for s in specs]
    with open(csv_path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "status", "percent", "points", "max_points", "bonus_points",
                    "message", "isolation", *ids])
        for row in rows:
            total = row.get("total", {})
            w.writerow([row["submission"], row["status"], total.get("percent", ""),
                        total.get("points", ""), total.get("max_points", ""),
                        total.get("bonus_points", ""), row["message"], row.get("isolation", ""),
                        *[row["checks"].get(i, {}).get("points", "") for i in ids]])
    with open(json_path, "w", encoding="utf-8") as f:
        json.dump({**meta, "submissions": rows}, f, ensure_ascii=False, indent=2)
        f.write("\n")


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m grader batch", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__, epilog="example:\n  python -m grader batch submissions/ "
        "--out gradebook.csv --jobs 2\n\nexit codes: 0 done (even if some submissions "
        "could not be graded: see their status), 2 bad usage.")
    p.add_argument("folder", metavar="SUBMISSIONS_DIR")
    p.add_argument("--out", default="gradebook.csv", metavar="CSV",
                   help="CSV gradebook (default gradebook.csv); the JSON one is written next "
                        "to it with the .json suffix and also serves as the cache")
    modules.add_module_option(p, help="grade only this module (repeatable); default all")
    p.add_argument("-k", dest="pattern", metavar="PATTERN",
                   help="only checks whose id contains PATTERN or matches it as a glob")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="submissions graded at once (default 2)")
    p.add_argument("--seed", type=int, help="seed of the random inputs; default: the one "
                   "stored in the existing JSON gradebook, else a new secret one")
    p.add_argument("--timeout-scale", type=float, default=1.0)
    p.add_argument("--memory-mb", type=int, default=2048)
    p.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    from .cli import add_sandbox_options
    add_sandbox_options(p, default="require")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    err = Console(stderr=True, soft_wrap=True)
    folder = Path(args.folder)
    if not folder.is_dir():
        err.print(f"grader batch: {folder} is not a folder")
        return 2
    try:
        isolation = sandbox.detect(args.sandbox)
    except sandbox.SandboxUnavailable as exc:
        err.print(f"grader batch: {exc}", markup=False)
        return 2
    json_path = Path(args.out).with_suffix(".json")
    previous = {}
    if json_path.exists():
        try:
            previous = json.loads(json_path.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
    fingerprint = suites_fingerprint()
    seed = args.seed if args.seed is not None else previous.get("seed", new_seed())
    reusable = {}
    if (not args.force and previous.get("suites") == fingerprint
            and previous.get("seed") == seed and previous.get("modules") == args.module
            and previous.get("pattern") == args.pattern):
        reusable = {r["submission"]: r for r in previous.get("submissions", [])}
    specs = select_checks(load_checks(), args.module, args.pattern)
    if not specs:
        err.print(f"grader batch: no check matches -k {args.pattern!r}")
        return 2
    submissions = find_submissions(folder)
    if not submissions:
        err.print(f"grader batch: no submission (folder or .zip) in {folder}")
        return 2
    rows, todo = {}, []
    for path in submissions:
        name = path.stem if path.is_file() else path.name
        old = reusable.get(name)
        if old is not None and old.get("hash") == content_hash(path):
            rows[name] = old
        else:
            todo.append(path)
    console = Console(stderr=True)
    started = time.monotonic()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"grading ({len(rows)} unchanged, skipped)", total=len(todo))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {pool.submit(grade_one, p, specs, seed, args.timeout_scale,
                                   args.memory_mb, args.sandbox): p for p in todo}
            for future in as_completed(futures):
                row = future.result()
                rows[row["submission"]] = row
                progress.update(task, advance=1, description=f"graded {row['submission']}")
    elapsed = time.monotonic() - started
    ordered = [rows[k] for k in sorted(rows)]
    meta = {"schema": "cnn-kit-gradebook/1", "grader_version": __version__, "suites": fingerprint,
            "seed": seed, "modules": args.module, "pattern": args.pattern,
            "isolation": isolation.to_dict(),
            "checks": [{"id": s.id, "max_points": s.points, "optional": s.optional} for s in specs]}
    write_gradebook(args.out, json_path, specs, ordered, meta)
    rate = len(todo) / elapsed * 60 if todo and elapsed > 0 else 0
    Console(soft_wrap=True).print(
        f"{len(ordered)} submissions: {len(todo)} graded in {elapsed:.1f}s"
        + (f" ({rate:.1f}/min)" if todo else "") + f", {len(ordered) - len(todo)} unchanged; "
        f"{sum(r['status'] != 'graded' for r in ordered)} could not be graded. "
        f"Wrote {args.out} and {json_path}.")
    return 0
