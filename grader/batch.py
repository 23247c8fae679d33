"""python -m grader batch SUBMISSIONS_DIR --out gradebook.csv

Grades every submission in a folder, in parallel, each in its own temp tree, and writes a CSV
and a JSON gradebook (docs/batch.md). A submission is a sub-folder, a .zip, a .tar.gz/.tgz/
.tar, or loose files NAME_layers.py, NAME_loss.py, ... (one submission NAME); it may hold only
the files the student changed, or a whole copy of the kit (its exercises tree is graded).
Anything else in the folder is listed as refused, with the reason.

The gradebook is rewritten (atomically) after every submission: a crash keeps what was graded,
and re-running resumes, skipping submissions whose files did not change (content hash) as long
as the grader's suites, the seed and the selection are the same.

--shard K/N grades the K-th of N slices (by a hash of the submission's name: stable across
machines and when submissions are added); `merge` joins the parts into one gradebook.
"""
import argparse
import csv
import hashlib
import io
import json
import os
import stat
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__, modules, sandbox
from .cli import new_seed
from .i18n import LANGS
from .report import summarize
from .results import FEEDBACK
from .runner import SUITES_DIR, load_checks, run_checks, select_checks
from .submissions import SubmissionError, assemble, content_hash, is_archive

SCHEMA = "cnn-kit-gradebook/1"
REASON_CAP = 200          # characters of one check's reason in the gradebook
# The meta fields every part of one gradebook must share (merge refuses otherwise).
SHARED_META = ("schema", "grader_version", "suites", "seed", "modules", "pattern", "checks",
               "lang", "feedback")


def suites_fingerprint():
    h = hashlib.sha256(__version__.encode())
    for path in sorted(SUITES_DIR.glob("*.py")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


# --- the entries of the submissions folder -----------------------------------------------

@dataclass
class Entry:
    """One submission: `name` its gradebook row, `group` the student it belongs to (shards
    are cut by group), `label` what it is on disk, `source` what the intake reads (a path,
    or {file name: path} for loose files), `error` a reason not to grade it."""
    name: str
    group: str
    label: str
    source: object
    error: str = ""


def _loose_owner(name):
    """(student, learner file) for a loose `NAME_layers.py`, else None."""
    for module in modules.MODULES:
        for f in module.files:
            if name.endswith("_" + f) and len(name) > len(f) + 1:
                return name[:-len(f) - 1], f
    return None


def _archive_stem(name):
    lower = name.lower()
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if lower.endswith(suffix):
            return name[:-len(suffix)]
    return name


def _classify(path):
    """("folder"|"archive"|"loose", student name) or ("refused", reason) for one entry."""
    name = path.name
    mode = os.lstat(path).st_mode
    if name.startswith(".") or name.startswith("__"):
        return "refused", "hidden or metadata entry (not a submission)"
    if stat.S_ISLNK(mode):
        return "refused", "symbolic link (links are never followed)"
    if stat.S_ISDIR(mode):
        return "folder", name
    if not stat.S_ISREG(mode):
        return "refused", "special file (FIFO, device or socket)"
    if is_archive(name):
        return "archive", _archive_stem(name)
    if name.endswith(".py"):
        owner = _loose_owner(name)
        if owner is None:
            return "refused", ("a loose .py file that does not name its student: call it "
                               "NAME_layers.py, NAME_unet.py, ... or put it in a folder NAME/")
        return "loose", owner[0]
    return "refused", ("not a submission (a folder, a .zip, a .tar.gz/.tgz/.tar, or "
                       "NAME_<file>.py)")


def find_submissions(folder, skip=()):
    """(entries, refused) for a submissions folder: `refused` is [(entry name, reason)].
    Entries that name the same student (alice/ beside alice.zip) are each an error row,
    never one row for two submissions."""
    by_group, refused, loose = {}, [], {}
    for path in sorted(Path(folder).iterdir()):
        if path.name in skip:
            continue
        kind, value = _classify(path)
        if kind == "refused":
            refused.append((path.name, value))
        elif kind == "loose":
            loose.setdefault(value, {})[_loose_owner(path.name)[1]] = path
        else:
            by_group.setdefault(value, []).append(
                Entry(value, value, path.name + ("/" if kind == "folder" else ""), path))
    for group, files in loose.items():
        label = " + ".join(sorted(p.name for p in files.values()))
        by_group.setdefault(group, []).append(Entry(group, group, label, files))
    entries = []
    for group, found in sorted(by_group.items()):
        if len(found) == 1:
            entries.extend(found)
            continue
        labels = ", ".join(e.label for e in found)
        for e in found:
            entries.append(Entry(e.label, group, e.label, e.source,
                                 error=f"name collision: {labels} are all submission {group!r}; "
                                       f"keep one and grade again"))
    return entries, refused


def shard_of(name, count):
    """The shard (1..count) that grades the student `name`: a hash of the name alone, so the
    same on every machine and unmoved when other submissions come or go."""
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16) % count + 1


def parse_shard(text):
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shard wants K/N (e.g. 2/4), not {text!r}") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"--shard {text}: K must be between 1 and N")
    return index, count


# --- grading one submission --------------------------------------------------------------

def reason(result, lang="en"):
    """One line saying why a check did not pass: its message's first line, else its failed
    parts, else its status."""
    text = ""
    if result.message:
        text = next((line.strip() for line in result.message[lang].splitlines()
                     if line.strip()), "")
    if not text:
        text = ", ".join(f"{p.name}: {p.status}" for p in result.parts if p.status != "PASS")
    text = text or result.status
    return text if len(text) <= REASON_CAP else text[:REASON_CAP - 1] + "…"


def _error_row(row, message):
    row.update(status="error", message=message)
    return row


def grade_one(entry, specs, seed, timeout_scale, memory_mb, sandbox_mode="require", lang="en",
              feedback="fix"):
    """One submission's gradebook row: never raises. Each check that did not pass carries
    its one-line reason, and its hint at the `feedback` level, in `lang`."""
    started = time.monotonic()
    row = {"submission": entry.name, "entry": entry.label, "hash": content_hash(entry.source),
           "status": "graded", "message": "", "folder": "", "checks": {}}
    run = None
    try:
        if entry.error:
            return _error_row(row, entry.error)
        with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
            tree = Path(tmp) / "tree"
            intake = assemble(entry.source, tree)
            row.update(files=intake.files, folder=intake.folder, intake=intake.describe())
            run = run_checks(str(tree), specs, seed=seed, jobs=1,
                             timeout_scale=timeout_scale, memory_mb=memory_mb,
                             sandbox_mode=sandbox_mode)
    except SubmissionError as exc:
        _error_row(row, str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken submission never stops the batch
        _error_row(row, f"{type(exc).__name__}: {exc}")
    finally:
        row["seconds"] = round(time.monotonic() - started, 2)
    if run is not None:
        row["total"] = summarize(run.results.values())[1]
        row["checks"] = {i: {"status": r.status, "points": r.points,
                             **({"reason": reason(r, lang),
                                 "hint": (r.advice(feedback) or {}).get(lang, ""),
                                 "mistake": r.mistake}
                                if r.status != "PASS" else {})}
                         for i, r in run.results.items()}
        row["isolation"] = run.isolation.get("mechanism", "none")
    return row


# --- the gradebook -----------------------------------------------------------------------

CSV_HEAD = ["submission", "entry", "status", "percent", "points", "max_points", "bonus_points",
            "message", "folder", "isolation", "reasons"]


def csv_text(book):
    """The CSV gradebook for a JSON one: a row per submission, points per check, and the
    reasons of the checks that did not pass."""
    ids = [c["id"] for c in book["checks"]]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([*CSV_HEAD, *ids])
    for row in book["submissions"]:
        total, checks = row.get("total", {}), row.get("checks", {})
        reasons = " | ".join(f"{i} {c['status']}: {c['reason']}" for i, c in checks.items()
                             if c.get("reason"))
        w.writerow([row["submission"], row.get("entry", ""), row["status"],
                    total.get("percent", ""), total.get("points", ""),
                    total.get("max_points", ""), total.get("bonus_points", ""), row["message"],
                    row.get("folder", ""), row.get("isolation", ""), reasons,
                    *[checks.get(i, {}).get("points", "") for i in ids]])
    return out.getvalue()


def write_atomic(path, text):
    """Replace `path` by `text` all at once: a temp file in the same folder, then
    os.replace (a crash leaves the old file or the new one, never half of one)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_gradebook(csv_path, json_path, book):
    """The JSON (the cache, written first) and the CSV, each atomically."""
    rows = sorted(book["submissions"], key=lambda r: r["submission"])
    book = {**book, "submissions": rows,
            "refused": sorted(book.get("refused", []), key=lambda r: r["entry"])}
    write_atomic(json_path, json.dumps(book, ensure_ascii=False, indent=2) + "\n")
    write_atomic(csv_path, csv_text(book))


def load_book(json_path):
    try:
        return json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --- the batch command -------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m grader batch", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__, epilog="examples:\n  python -m grader batch submissions/ "
        "--out gradebook.csv --jobs 2\n  python -m grader batch submissions/ --shard 2/4 "
        "--seed 1234 --out part-2.csv\n\nexit codes: 0 done (even if some submissions "
        "could not be graded: see their status), 2 bad usage.")
    p.add_argument("folder", metavar="SUBMISSIONS_DIR")
    p.add_argument("--out", default="gradebook.csv", metavar="CSV",
                   help="CSV gradebook (default gradebook.csv); the JSON one is written next "
                        "to it with the .json suffix and also serves as the cache")
    modules.add_module_option(p, help="grade only this module (repeatable); default all")
    p.add_argument("-k", dest="pattern", metavar="PATTERN", action="append",
                   help="only checks whose id contains PATTERN or matches it as a glob "
                        "(repeatable: the checks of either)")
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the reasons and hints in the gradebook (default en)")
    p.add_argument("--feedback", choices=FEEDBACK, default="fix",
                   help="detail of each check's hint in the JSON gradebook: fix (default) or "
                        "concept")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="submissions graded at once (default 2)")
    p.add_argument("--seed", type=int, help="seed of the random inputs; default: the one "
                   "stored in the existing JSON gradebook, else a new secret one (give the "
                   "same --seed to every shard)")
    p.add_argument("--shard", type=parse_shard, metavar="K/N",
                   help="grade only the K-th of N slices of the submissions (a hash of each "
                        "name); merge the parts with `python -m grader merge`")
    p.add_argument("--timeout-scale", type=float, default=1.0)
    p.add_argument("--memory-mb", type=int, default=2048)
    p.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    from .cli import add_sandbox_options
    add_sandbox_options(p, default="require")
    return p.parse_args(argv)


def _reusable(previous, meta, force):
    """Rows of the previous gradebook that still hold: same suites, seed and selection."""
    if force or any(previous.get(k) != meta[k] for k in SHARED_META):
        return {}
    return {r["submission"]: r for r in previous.get("submissions", [])}


def _in_shard(entries, refused, shard):
    if shard is None:
        return entries, refused
    index, count = shard
    return ([e for e in entries if shard_of(e.group, count) == index],
            [r for r in refused if shard_of(r[0], count) == index])


def main(argv):
    args = parse_args(argv)
    err = Console(stderr=True, soft_wrap=True)
    folder, out = Path(args.folder), Path(args.out)
    if not folder.is_dir():
        err.print(f"grader batch: {folder} is not a folder", markup=False)
        return 2
    try:
        isolation = sandbox.detect(args.sandbox)
    except sandbox.SandboxUnavailable as exc:
        err.print(f"grader batch: {exc}", markup=False)
        return 2
    specs = select_checks(load_checks(), args.module, args.pattern)
    if not specs:
        err.print(f"grader batch: no check matches -k {args.pattern!r}", markup=False)
        return 2
    json_path = out.with_suffix(".json")
    previous = load_book(json_path)
    seed = args.seed if args.seed is not None else previous.get("seed", new_seed())
    book = {"schema": SCHEMA, "grader_version": __version__, "suites": suites_fingerprint(),
            "seed": seed, "modules": args.module, "pattern": args.pattern,
            "lang": args.lang, "feedback": args.feedback,
            "checks": [{"id": s.id, "max_points": s.points, "optional": s.optional}
                       for s in specs],
            "shard": ({"index": args.shard[0], "count": args.shard[1]} if args.shard else None),
            "isolation": isolation.to_dict()}
    reusable = _reusable(previous, book, args.force)
    skip = {out.name, json_path.name} if out.resolve().parent == folder.resolve() else set()
    entries, refused = _in_shard(*find_submissions(folder, skip), args.shard)
    if not entries and not refused and args.shard is None:
        err.print(f"grader batch: no submission (a folder, .zip, .tar.gz or NAME_<file>.py) "
                  f"in {folder}", markup=False)
        return 2
    book["refused"] = [{"entry": name, "reason": why} for name, why in refused]
    rows, todo = {}, []
    for entry in entries:
        old = reusable.get(entry.name)
        if entry.error:                  # nothing to grade: the row is its reason
            rows[entry.name] = grade_one(entry, specs, seed, args.timeout_scale,
                                         args.memory_mb, args.sandbox, args.lang, args.feedback)
        elif old is not None and old.get("hash") == content_hash(entry.source):
            rows[entry.name] = old
        else:
            todo.append(entry)
    started = time.monotonic()
    _grade_all(todo, rows, book, out, json_path, specs, seed, args)
    _print_summary(book, rows, todo, refused, time.monotonic() - started, out, json_path)
    return 0


def _grade_all(todo, rows, book, out, json_path, specs, seed, args):
    """Grade `todo` into `rows`, rewriting the gradebook after every submission."""
    def save():
        write_gradebook(out, json_path, {**book, "submissions": list(rows.values())})

    save()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True)) as progress:
        task = progress.add_task(f"grading ({len(rows)} unchanged, skipped)", total=len(todo))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(grade_one, e, specs, seed, args.timeout_scale,
                                   args.memory_mb, args.sandbox, args.lang, args.feedback)
                       for e in todo]
            for future in as_completed(futures):
                row = future.result()
                rows[row["submission"]] = row
                save()
                progress.update(task, advance=1, description=f"graded {row['submission']}")


def _print_summary(book, rows, todo, refused, elapsed, out, json_path):
    errors = sum(r["status"] != "graded" for r in rows.values())
    rate = len(todo) / elapsed * 60 if todo and elapsed > 0 else 0
    shard = book["shard"]
    lines = [(f"shard {shard['index']}/{shard['count']}: " if shard else "")
             + f"{len(rows)} submissions: {len(rows) - errors} graded, {errors} could not be "
             f"graded (see their message); {len(todo)} checked now in {elapsed:.1f}s"
             + (f" ({rate:.1f}/min)" if todo else "") + f", {len(rows) - len(todo)} unchanged "
             f"since the last run; {len(refused)} refused."]
    lines += [f"  refused {name}: {why}" for name, why in refused]
    lines += mistakes_lines({"submissions": list(rows.values())})
    lines.append(f"Wrote {out} and {json_path}.")
    Console(soft_wrap=True, highlight=False).print("\n".join(lines), markup=False)


def common_mistakes(book, top=5):
    """[(mistake key, check id, number of submissions)] of the known mistakes diagnosed most
    often (grader/misconceptions.py), most frequent first: what to revisit in class."""
    counts = {}
    for row in book["submissions"]:
        for check, c in row.get("checks", {}).items():
            if c.get("mistake"):
                key = (c["mistake"], check)
                counts[key] = counts.get(key, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(key, check, n) for (key, check), n in ranked[:top]]


def mistakes_lines(book):
    common = common_mistakes(book)
    if not common:
        return []
    return ["Known mistakes diagnosed most often (submissions):"] + [
        f"  {n:4d}  {key}  ({check})" for key, check, n in common]


# --- merging shard gradebooks ------------------------------------------------------------

class MergeError(ValueError):
    """The parts do not make one gradebook; the message says which part and why."""


def _same_meta(parts):
    first_label, first = parts[0]
    for label, part in parts[1:]:
        for key in SHARED_META:
            if part.get(key) != first.get(key):
                shown = ("" if key in ("seed", "checks")       # the seed is a secret
                         else f" ({first.get(key)!r} against {part.get(key)!r})")
                raise MergeError(f"{label} and {first_label} differ in {key}{shown}: they are "
                                 f"not parts of one batch run")


def _check_shards(parts):
    counts = {}
    for label, part in parts:
        shard = part.get("shard")
        if not shard:
            raise MergeError(f"{label} is not a shard gradebook (made without --shard)")
        counts.setdefault(shard["count"], {}).setdefault(shard["index"], []).append(label)
    if len(counts) > 1:
        raise MergeError("the parts were cut into different numbers of shards: "
                         + ", ".join(f"{n} ({', '.join(sum(by.values(), []))})"
                                     for n, by in sorted(counts.items())))
    (count, by_index), = counts.items()
    twice = {k: v for k, v in by_index.items() if len(v) > 1}
    if twice:
        raise MergeError("; ".join(f"shard {k}/{count} appears more than once: {', '.join(v)}"
                                   for k, v in sorted(twice.items())))
    missing = [k for k in range(1, count + 1) if k not in by_index]
    if missing:
        raise MergeError(f"missing shard{'s' if len(missing) > 1 else ''} "
                         + ", ".join(f"{k}/{count}" for k in missing))


def merge_books(parts):
    """One gradebook from [(label, shard gradebook)]: every shard 1..N exactly once, all from
    one run (suites, seed, selection); MergeError otherwise."""
    if not parts:
        raise MergeError("no gradebook part given")
    _same_meta(parts)
    _check_shards(parts)
    rows, refused, owner = [], [], {}
    for label, part in parts:
        for row in part.get("submissions", []):
            if row["submission"] in owner:
                raise MergeError(f"submission {row['submission']!r} is in both "
                                 f"{owner[row['submission']]} and {label}")
            owner[row["submission"]] = label
            rows.append(row)
        refused.extend(part.get("refused", []))
    isolations = {json.dumps(p.get("isolation"), sort_keys=True) for _, p in parts}
    isolation = (parts[0][1].get("isolation") if len(isolations) == 1 else
                 {"mechanism": "mixed", "parts": {label: p.get("isolation") for label, p in parts}})
    meta = {k: parts[0][1].get(k) for k in SHARED_META}
    return {**meta, "shard": None, "merged_from": [label for label, _ in parts],
            "isolation": isolation, "submissions": rows, "refused": refused}


def merge_parser():
    p = argparse.ArgumentParser(
        prog="python -m grader merge", description="Merge the gradebooks of `batch --shard "
        "K/N` runs into one CSV and JSON gradebook. Refuses parts from different runs "
        "(suites, seed, modules, -k) and missing or duplicated shards.",
        epilog="example:\n  python -m grader merge part-1.json part-2.json --out gradebook.csv"
               "\n\nexit codes: 0 merged, 2 the parts do not make one gradebook.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("parts", nargs="+", metavar="PART.json",
                   help="the shards' JSON gradebooks (a .csv path means the .json beside it)")
    p.add_argument("--out", default="gradebook.csv", metavar="CSV",
                   help="merged CSV gradebook (default gradebook.csv), the JSON beside it")
    return p


def merge_main(argv):
    args = merge_parser().parse_args(argv)
    err = Console(stderr=True, soft_wrap=True)
    parts = []
    for name in args.parts:
        path = Path(name).with_suffix(".json")
        if not path.is_file():
            err.print(f"grader merge: {path} does not exist (did its shard fail?)", markup=False)
            return 2
        book = load_book(path)
        if book.get("schema") != SCHEMA:
            err.print(f"grader merge: {path} is not a gradebook ({SCHEMA})", markup=False)
            return 2
        parts.append((path.name, book))
    try:
        merged = merge_books(parts)
    except MergeError as exc:
        err.print(f"grader merge: {exc}", markup=False)
        return 2
    out = Path(args.out)
    write_gradebook(out, out.with_suffix(".json"), merged)
    Console(soft_wrap=True, highlight=False).print("\n".join(
        [f"merged {len(parts)} shards: {len(merged['submissions'])} submissions, "
         f"{len(merged['refused'])} refused."] + mistakes_lines(merged)
        + [f"Wrote {out} and {out.with_suffix('.json')}."]), markup=False)
    return 0
