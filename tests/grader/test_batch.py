"""batch: a folder of any kind of upload graded into a gradebook with reasons, written after
every submission; shards of it merged into the same gradebook; the GitHub Actions workflow
that runs the shards. One real grading check (-k m5.softmax) keeps each run to seconds."""
import csv
import hashlib
import io
import os
import json
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader import batch
from grader.submissions import content_hash
from tests.grader.test_intake import SOLVED_LOSS, patch_zip_header, whole_repo, zip_folder

ROOT = Path(__file__).resolve().parents[2]
BATCH = [sys.executable, "-m", "grader", "batch"]
SELECTION = ["--module", "5", "-k", "m5.softmax", "--seed", "7", "--jobs", "2"]


def run(cmd, **kw):
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, **kw)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def rows_of(csv_path):
    return {row["submission"]: row for row in csv.DictReader(Path(csv_path).open(encoding="utf-8"))}


def make_class(folder):
    """Every kind of entry a course's submissions folder gets."""
    folder.mkdir()
    whole_repo(folder / "repo" / "cnn-kit-main")                 # Download ZIP, loss solved
    zip_folder(folder / "repo", folder / "alice.zip")
    shutil.rmtree(folder / "repo")
    whole_repo(folder / "mallory")                               # whole repo, loss untouched
    shutil.copy(ROOT / "exercises" / "module5" / "loss.py", folder / "mallory" / "exercises" / "module5")
    with tarfile.open(folder / "bob.tgz", "w:gz") as tar:
        tar.add(ROOT / "reference" / "module5" / "loss.py", "hw/module5/loss.py")
    (folder / "carol_loss.py").write_bytes(SOLVED_LOSS)           # a loose file, named
    (folder / "dave").mkdir()
    (folder / "dave" / "loss.py").write_bytes(SOLVED_LOSS)
    with zipfile.ZipFile(folder / "dave.zip", "w") as z:          # the same student twice
        z.writestr("loss.py", SOLVED_LOSS)
    (folder / "erin" / "module5").mkdir(parents=True)             # a syntax error
    broken = SOLVED_LOSS.decode().replace("def softmax(x):", "def softmax(x) (((:", 1)
    (folder / "erin" / "module5" / "loss.py").write_text(broken)
    with zipfile.ZipFile(folder / "frank.zip", "w") as z:
        z.writestr("module5/loss.py", SOLVED_LOSS)
    patch_zip_header(folder / "frank.zip", method=97)              # aborted the batch before
    (folder / "notes.txt").write_text("grade me gently")
    (folder / "stray.py").write_text("print('whose?')")
    (folder / "link").symlink_to(ROOT / "reference")
    return folder


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The class folder and its unsharded gradebook (one run, shared by the tests below)."""
    tmp = tmp_path_factory.mktemp("class")
    subs = make_class(tmp / "subs")
    out = tmp / "book" / "gradebook.csv"
    out.parent.mkdir()
    r = run([*BATCH, str(subs), "--out", str(out), *SELECTION])
    return subs, out, r.stdout


def test_batch_grades_every_kind_of_upload_and_refuses_what_it_cannot_use(graded_class):
    subs, out, stdout = graded_class
    rows = rows_of(out)
    assert set(rows) == {"alice", "mallory", "bob", "carol", "dave/", "dave.zip", "erin", "frank"}
    # A whole-repository upload is graded on its exercises tree: the solutions beside it
    # scored mallory 100 % before.
    assert rows["alice"]["folder"] == "cnn-kit-main/exercises" and rows["alice"]["percent"] == "100.0"
    assert rows["mallory"]["folder"] == "exercises" and rows["mallory"]["percent"] == "0.0"
    assert rows["mallory"]["m5.softmax"] == "0.0" and "m5.softmax TODO" in rows["mallory"]["reasons"]
    assert rows["bob"]["percent"] == "100.0" and rows["bob"]["folder"] == "hw"
    assert rows["carol"]["percent"] == "100.0" and rows["carol"]["entry"] == "carol_loss.py"
    for name in ("dave/", "dave.zip"):
        assert rows[name]["status"] == "error" and "name collision" in rows[name]["message"]
    assert "SyntaxError" in rows["erin"]["reasons"] and "loss.py" in rows["erin"]["reasons"]
    assert rows["frank"]["status"] == "error" and "compression method" in rows["frank"]["message"]
    book = json.loads(out.with_suffix(".json").read_text())
    by_name = {r["submission"]: r for r in book["submissions"]}
    assert "SyntaxError" in by_name["erin"]["checks"]["m5.softmax"]["reason"]
    assert "reason" not in by_name["alice"]["checks"]["m5.softmax"]          # it passed
    assert "graded folder cnn-kit-main/exercises" in by_name["alice"]["intake"]
    refused = {r["entry"]: r["reason"] for r in book["refused"]}
    assert set(refused) == {"notes.txt", "stray.py", "link"}
    assert "symbolic link" in refused["link"] and "NAME_layers.py" in refused["stray.py"]
    # The summary's counts are the rows' counts.
    assert "8 submissions: 5 graded, 3 could not be graded" in stdout
    assert "3 refused" in stdout and "refused notes.txt: not a submission" in stdout


def test_a_rerun_reuses_unchanged_rows_and_regrades_a_changed_one(graded_class, tmp_path):
    subs, out, _ = graded_class
    copy = tmp_path / "book"
    shutil.copytree(out.parent, copy)
    subs2 = shutil.copytree(subs, tmp_path / "subs", symlinks=True)
    r = run([*BATCH, str(subs2), "--out", str(copy / out.name), *SELECTION])
    assert "0 checked now" in r.stdout and "8 unchanged" in r.stdout
    (subs2 / "erin" / "module5" / "loss.py").write_bytes(SOLVED_LOSS)
    r = run([*BATCH, str(subs2), "--out", str(copy / out.name), *SELECTION])
    assert "1 checked now" in r.stdout and "7 unchanged" in r.stdout
    assert rows_of(copy / out.name)["erin"]["percent"] == "100.0"


def test_two_shards_merge_into_the_gradebook_of_one_run(graded_class, tmp_path):
    subs, out, _ = graded_class
    names = ["alice", "mallory", "bob", "carol", "dave", "erin", "frank", "notes.txt",
             "stray.py", "link"]
    assert {batch.shard_of(n, 2) for n in names} == {1, 2}     # both shards have work
    for k in (1, 2):
        run([*BATCH, str(subs), "--out", str(tmp_path / f"part-{k}.csv"), "--shard", f"{k}/2",
             *SELECTION])
    merged = tmp_path / "merged.csv"
    assert batch.merge_main([str(tmp_path / "part-2.json"), str(tmp_path / "part-1.csv"),
                             "--out", str(merged)]) == 0
    assert merged.read_text() == out.read_text()              # same rows, points, reasons
    one, both = (json.loads(p.with_suffix(".json").read_text()) for p in (out, merged))

    def comparable(book):
        return [{k: v for k, v in r.items() if k != "seconds"} for r in book["submissions"]]
    assert comparable(both) == comparable(one) and both["refused"] == one["refused"]
    assert both["seed"] == one["seed"] and both["shard"] is None


def test_a_shard_is_a_stable_slice_of_the_names():
    names = [f"student{i:03d}" for i in range(200)]
    shards = {n: batch.shard_of(n, 4) for n in names}
    assert set(shards.values()) == {1, 2, 3, 4}
    assert all(30 <= list(shards.values()).count(k) <= 70 for k in (1, 2, 3, 4))
    # The slice is a function of the name alone: another submission arriving moves nobody
    # (a split of the sorted names would move every name after it).
    assert batch.shard_of("student000", 4) == int(
        hashlib.sha256(b"student000").hexdigest(), 16) % 4 + 1
    assert [batch.shard_of(n, 4) for n in names] == list(shards.values())


def _part(index, count=2, **changes):
    book = {"schema": batch.SCHEMA, "grader_version": "1", "suites": "abc", "seed": 7,
            "modules": [5], "pattern": None, "checks": [{"id": "m5.softmax"}],
            "shard": {"index": index, "count": count}, "isolation": {"mechanism": "bwrap"},
            "submissions": [{"submission": f"s{index}", "status": "graded", "message": "",
                             "checks": {}}], "refused": []}
    book.update(changes)
    return f"part-{index}.json", book


@pytest.mark.parametrize("parts,words", [
    ([_part(1), _part(2, seed=8)], ["part-2.json", "seed"]),
    ([_part(1), _part(2, suites="xyz")], ["suites", "'abc'", "'xyz'"]),
    ([_part(1), _part(2, modules=[6])], ["modules"]),
    ([_part(1), _part(2, pattern="conv")], ["pattern"]),
    ([_part(1), _part(1)], ["shard 1/2 appears more than once"]),
    ([_part(1, 3), _part(3, 3)], ["missing shard 2/3"]),
    ([_part(1), _part(2, 3)], ["different numbers of shards"]),
    ([_part(1), _part(2, shard=None)], ["part-2.json is not a shard"]),
    ([_part(1), _part(2, submissions=[{"submission": "s1"}])], ["'s1'", "part-1.json", "part-2.json"]),
])
def test_merge_refuses_parts_that_are_not_one_run(parts, words):
    with pytest.raises(batch.MergeError) as exc:
        batch.merge_books(parts)
    message = str(exc.value)
    assert all(w in message for w in words), message
    assert "7" not in message and "8" not in message          # the seed is a secret


def test_merge_main_says_which_part_is_missing(tmp_path, capsys):
    label, book = _part(1)
    (tmp_path / label).write_text(json.dumps(book))
    assert batch.merge_main([str(tmp_path / label), str(tmp_path / "part-2.json"),
                             "--out", str(tmp_path / "g.csv")]) == 2
    assert "part-2.json does not exist" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()


CRASHING_BATCH = """
import json, os, sys, time
from grader import batch
from grader.submissions import content_hash
calls = []
def saved_rows():
    try:
        with open(os.environ["BOOK"]) as f:
            return len(json.load(f)["submissions"])
    except (OSError, ValueError):
        return -1
def fake(entry, *args, **kwargs):
    calls.append(entry.name)
    if len(calls) == int(os.environ["CRASH_AT"]):
        # The crash comes while grading this one, after the earlier ones were done (a real
        # grading takes seconds: give the batch the time it had to record them).
        deadline = time.monotonic() + 10
        while saved_rows() < len(calls) - 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        os._exit(3)                       # a hard crash: no cleanup, no final write
    print("GRADED", entry.name, flush=True)
    return {"submission": entry.name, "entry": entry.label, "hash": content_hash(entry.source),
            "status": "graded", "message": "", "folder": "", "checks": {}}
batch.grade_one = fake
sys.exit(batch.main(sys.argv[1:]))
"""


def test_a_crash_keeps_the_rows_graded_so_far_and_a_rerun_resumes(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    names = [f"s{i}" for i in range(5)]
    for name in names:
        (subs / f"{name}_loss.py").write_text(f"# {name}\n")
    out = tmp_path / "gradebook.csv"
    cmd = [sys.executable, "-c", CRASHING_BATCH, str(subs), "--out", str(out), "--jobs", "1",
           "--no-sandbox", "--seed", "1", "-k", "m5.softmax"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "CRASH_AT": "3", "BOOK": str(out.with_suffix(".json"))})
    assert r.returncode == 3
    first = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("GRADED")]
    assert len(first) == 2 and set(rows_of(out)) == set(first)
    assert {row["submission"] for row in json.loads(out.with_suffix(".json").read_text())["submissions"]} == set(first)
    assert not list(tmp_path.glob(".gradebook*.tmp"))
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "CRASH_AT": "0", "BOOK": str(out.with_suffix(".json"))})
    assert r.returncode == 0, r.stderr
    second = [line.split()[1] for line in r.stdout.splitlines() if line.startswith("GRADED")]
    assert sorted(first + second) == names                   # resumed: nobody graded twice
    assert set(rows_of(out)) == set(names) and "2 unchanged" in r.stdout


def test_the_gradebook_is_replaced_atomically(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text("old\n")
    with pytest.raises(UnicodeEncodeError):
        batch.write_atomic(path, "half a row\n" + "\ud800")   # the write fails half-way
    assert path.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


def test_find_submissions_keeps_the_gradebook_out_of_the_entries(tmp_path):
    (tmp_path / "alice").mkdir()
    (tmp_path / "gradebook.csv").write_text("")
    (tmp_path / "gradebook.json").write_text("{}")
    entries, refused = batch.find_submissions(tmp_path, skip={"gradebook.csv", "gradebook.json"})
    assert [e.name for e in entries] == ["alice"] and refused == []


def test_loose_files_of_one_student_are_one_submission(tmp_path):
    for name in ("zoe_layers.py", "zoe_weight_init.py", "zoe_resnet_blocks.py"):
        (tmp_path / name).write_text("#")
    entries, refused = batch.find_submissions(tmp_path)
    assert [(e.name, sorted(e.source)) for e in entries] == [
        ("zoe", ["layers.py", "resnet_blocks.py", "weight_init.py"])]
    assert content_hash(entries[0].source) and refused == []


def test_the_shard_workflow_in_docs_is_what_the_command_prints(capsys):
    from grader import shards
    assert shards.workflow_main(["--shards", "4"]) == 0
    text = capsys.readouterr().out
    assert text == (ROOT / "docs" / "examples" / "batch-shards.yml").read_text(encoding="utf-8")


def test_the_shard_workflow_runs_each_shard_once_and_merges_them_all(capsys):
    from grader import shards
    shards.workflow_main(["--shards", "3", "--module", "5", "-k", "m5.conv*"])
    text = capsys.readouterr().out
    assert re.search(r"shard: \[1, 2, 3\]", text) and "needs: grade" in text
    command = re.search(r"run: >-\n((?:\s+\S.*\n)+?)\s+- name", text).group(1)
    argv = " ".join(command.split()).replace("${{ matrix.shard }}", "2")
    argv = shlex.split(argv.replace('"${GRADER_SEED:-$RUN_ID}"', "123"))
    assert argv[:4] == [".venv/bin/python", "-m", "grader", "batch"]
    args = batch.parse_args(argv[4:])
    assert args.shard == (2, 3) and args.seed == 123 and args.module == [5]
    assert args.pattern == ["m5.conv*"] and args.out == "part-2.csv"
    merge = re.search(r"run: \.venv/bin/python -m grader merge (.*)", text).group(1).split()
    merged = batch.merge_parser().parse_args(merge)
    assert merged.parts == [f"parts/part-{k}.json" for k in (1, 2, 3)]
    assert "path: part-${{ matrix.shard }}.*" in text and "pattern: gradebook-part-*" in text


def test_csv_reasons_name_each_check_that_did_not_pass():
    book = {"checks": [{"id": "a"}, {"id": "b"}], "submissions": [
        {"submission": "x", "status": "graded", "message": "", "total": {"percent": 50.0},
         "checks": {"a": {"status": "PASS", "points": 1.0},
                    "b": {"status": "ERROR", "points": 0.0,
                          "reason": "SyntaxError: '(' was never closed (loss.py, line 4)"}}}]}
    row = next(csv.DictReader(io.StringIO(batch.csv_text(book))))
    assert row["reasons"] == "b ERROR: SyntaxError: '(' was never closed (loss.py, line 4)"
    assert (row["a"], row["b"], row["percent"]) == ("1.0", "0.0", "50.0")


def test_the_summary_ranks_the_known_mistakes_a_class_made():
    def row(*mistakes):
        return {"checks": {f"c{i}": {"status": "FAIL", "mistake": m}
                           for i, m in enumerate(mistakes)}}
    book = {"submissions": [row("b", None), row("a", "b"), row("b"), {"checks": {}}]}
    assert batch.common_mistakes(book) == [("b", "c0", 2), ("a", "c0", 1), ("b", "c1", 1)]
    assert batch.mistakes_lines({"submissions": [row(None)]}) == []


def test_reasons_and_hints_in_the_language_and_detail_asked_for(tmp_path):
    """--lang zh-TW --feedback concept: the gradebook a Chinese-speaking course hands back."""
    subs = tmp_path / "subs"
    (subs / "ana" / "module5").mkdir(parents=True)
    text = (ROOT / "reference" / "module5" / "loss.py").read_text(encoding="utf-8")
    assert text.count("loss = -log_p[rows, y].mean()") == 1
    (subs / "ana" / "module5" / "loss.py").write_text(
        text.replace("loss = -log_p[rows, y].mean()", "loss = -log_p[rows, y].sum()"))
    for lang, feedback in (("zh-TW", "concept"), ("en", "fix")):
        out = tmp_path / f"{lang}-{feedback}.csv"
        r = run([*BATCH, str(subs), "--out", str(out), "--module", "5", "-k",
                 "m5.cross_entropy", "--seed", "7", "--lang", lang, "--feedback", feedback])
        check = json.loads(out.with_suffix(".json").read_text())["submissions"][0]["checks"][
            "m5.cross_entropy"]
        assert check["mistake"] == "ce_loss_times_n"          # the known mistake, by its key
        assert "1  ce_loss_times_n  (m5.cross_entropy)" in r.stdout
        if lang == "zh-TW":
            assert "課程的慣例是平均" in check["hint"] and "−1/N" not in check["hint"]
            assert re.search(r"[\u4e00-\u9fff]", check["reason"]), check
        else:
            assert "−1/N Σ" in check["hint"] and not re.search(r"[\u4e00-\u9fff]", check["reason"])
