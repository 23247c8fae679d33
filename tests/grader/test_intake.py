"""The guarded intake of a submission (grader/submissions.py): which tree of an upload is
graded, and every way a folder or an archive can be hostile or broken. Each test is an attack
or a broken upload; none of them grades (test_batch.py does), so they take milliseconds."""
import io
import os
import struct
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

from grader import submissions
from grader.submissions import SubmissionError, assemble, content_hash

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = (ROOT / "exercises" / "module5" / "layers.py").read_bytes()
SOLUTION = (ROOT / "reference" / "module5" / "layers.py").read_bytes()
SOLVED_LOSS = (ROOT / "reference" / "module5" / "loss.py").read_bytes()


def _copy_modules(src, dst):
    for module_dir in ("module5", "module6"):
        for f in sorted((src / module_dir).glob("*.py")):
            target = dst / module_dir / f.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())


def whole_repo(top):
    """What "Download ZIP" of the kit (or a collected Classroom repository) holds after the
    student edited only exercises/module5/loss.py: the solutions, the project's test trees
    and the exercises tree side by side."""
    _copy_modules(ROOT / "exercises", top / "exercises")
    _copy_modules(ROOT / "reference", top / "reference")
    _copy_modules(ROOT / "tests" / "grader" / "trees" / "naive", top / "tests" / "grader" / "trees" / "naive")
    (top / "tests" / "module5").mkdir(parents=True, exist_ok=True)
    (top / "tests" / "module5" / "layers.py").write_bytes(SOLUTION)   # a loose copy in tests/
    (top / "README.md").write_text("# kit\n")
    (top / "exercises" / "module5" / "loss.py").write_bytes(SOLVED_LOSS)   # the student's work
    return top


def zip_folder(folder, out, prefix=""):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(Path(folder).rglob("*")):
            if f.is_file():
                z.write(f, prefix + str(f.relative_to(folder)))
    return out


def one_file_zip(out, name="module5/layers.py", data=SOLUTION, method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(out, "w", method) as z:
        z.writestr(name, data)
    return out


def patch_zip_header(path, flags_or=0, method=None):
    """Rewrite the general-purpose flags / compression method of the (only) entry, in the
    local header and the central directory: what an encrypting or exotic zipper writes."""
    raw = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = raw.index(signature)
        flags, = struct.unpack_from("<H", raw, at + flags_at)
        struct.pack_into("<H", raw, at + flags_at, flags | flags_or)
        if method is not None:
            struct.pack_into("<H", raw, at + flags_at + 2, method)
    path.write_bytes(bytes(raw))
    return path


def tar_with(out, members, mode="w:gz"):
    """members: [(TarInfo, bytes or None)]."""
    with tarfile.open(out, mode) as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return out


def member(name, kind=tarfile.REGTYPE, **fields):
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def refused(source, tmp_path, *words):
    """The intake refuses `source` with a one-line message holding `words`, and the content
    hash (computed before grading, in the batch's main thread) does not raise either."""
    with pytest.raises(SubmissionError) as exc:
        assemble(source, tmp_path / "tree")
    message = str(exc.value)
    assert "\n" not in message and all(w in message for w in words), message
    assert len(content_hash(source)) == 64
    return message


# --- which tree of an upload is the student's -------------------------------------------

def test_a_whole_repository_upload_is_graded_on_its_exercises_tree_not_the_solutions(tmp_path):
    upload = whole_repo(tmp_path / "upload" / "cnn-kit-main")
    tree = tmp_path / "tree"
    intake = assemble(tmp_path / "upload", tree)
    # The attack: every */module5/*.py mapped to module5/, the last in sorted order (the
    # solutions, or the project's test trees) won, and the upload scored 100 %.
    assert (tree / "module5" / "layers.py").read_bytes() == EXERCISE
    assert (tree / "module5" / "loss.py").read_bytes() == SOLVED_LOSS
    assert intake.folder == "cnn-kit-main/exercises"
    assert "module5/loss.py" in intake.files
    assert {"cnn-kit-main/reference", "cnn-kit-main/tests/grader/trees/naive"} <= set(intake.ignored)
    assert "cnn-kit-main/exercises" in intake.describe()
    assert upload.is_dir()


def test_a_whole_repository_zip_is_graded_on_its_exercises_tree(tmp_path):
    whole_repo(tmp_path / "kit")
    upload = zip_folder(tmp_path / "kit", tmp_path / "cnn-kit-main.zip", prefix="cnn-kit-main/")
    tree = tmp_path / "tree"
    intake = assemble(upload, tree)
    assert (tree / "module5" / "layers.py").read_bytes() == EXERCISE
    assert intake.folder == "cnn-kit-main/exercises"


def test_two_candidate_trees_are_an_error_not_a_guess(tmp_path):
    upload = tmp_path / "upload"
    _copy_modules(ROOT / "exercises", upload / "exercises")
    _copy_modules(ROOT / "reference", upload / "exercises_backup")     # a second copy
    message = refused(upload, tmp_path, "exercises", "exercises_backup")
    assert "two" in message or "more than one" in message


def test_only_the_solutions_in_an_upload_is_not_graded_as_the_students_work(tmp_path):
    upload = tmp_path / "upload"
    _copy_modules(ROOT / "reference", upload / "reference")
    refused(upload, tmp_path, "no Module", "reference")


def test_loose_files_of_a_gradescope_upload_keep_working(tmp_path):
    upload = tmp_path / "submission"
    upload.mkdir()
    (upload / "layers.py").write_bytes(SOLUTION)
    intake = assemble(upload, tmp_path / "tree")
    assert intake.files == ["module5/layers.py"]
    assert (tmp_path / "tree" / "module5" / "layers.py").read_bytes() == SOLUTION
    assert (tmp_path / "tree" / "module5" / "loss.py").read_bytes() == \
        (ROOT / "exercises" / "module5" / "loss.py").read_bytes()


def test_two_loose_copies_of_one_file_are_an_error(tmp_path):
    upload = tmp_path / "upload"
    (upload / "a").mkdir(parents=True)
    (upload / "b").mkdir()
    (upload / "a" / "layers.py").write_bytes(SOLUTION)
    (upload / "b" / "layers.py").write_bytes(EXERCISE)
    refused(upload, tmp_path, "a/layers.py", "b/layers.py")


# --- links, special files, sizes in folders ----------------------------------------------

def test_a_symlink_to_the_solutions_is_refused_not_followed(tmp_path):
    upload = tmp_path / "upload"
    (upload / "module5").mkdir(parents=True)
    (upload / "module5" / "layers.py").symlink_to(ROOT / "reference" / "module5" / "layers.py")
    refused(upload, tmp_path, "symbolic link", "module5/layers.py")


def test_a_dangling_symlink_is_a_message_not_a_crash(tmp_path):
    upload = tmp_path / "upload"
    (upload / "module5").mkdir(parents=True)
    (upload / "module5" / "loss.py").write_bytes(SOLVED_LOSS)
    (upload / "module5" / "layers.py").symlink_to(tmp_path / "nowhere.py")
    refused(upload, tmp_path, "symbolic link")


def test_a_linked_folder_is_refused(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "module5").symlink_to(ROOT / "reference" / "module5")
    refused(upload, tmp_path, "symbolic link", "module5")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    upload = tmp_path / "upload"
    (upload / "module5").mkdir(parents=True)
    os.mkfifo(upload / "module5" / "layers.py")
    outcome = []

    def intake():
        try:
            assemble(upload, tmp_path / "tree")
        except SubmissionError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=intake, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "reading a FIFO blocked the intake"
    assert outcome and "special file" in outcome[0]


def test_a_huge_file_in_a_folder_is_refused_while_reading(tmp_path):
    upload = tmp_path / "upload"
    (upload / "module5").mkdir(parents=True)
    with open(upload / "module5" / "layers.py", "wb") as f:   # sparse: costs no disk
        f.truncate(submissions.MAX_FILE_BYTES + 1)
    refused(upload, tmp_path, "too big", "module5/layers.py")


def test_too_many_files_in_a_folder_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_ENTRIES", 20)
    upload = tmp_path / "upload"
    (upload / "module5").mkdir(parents=True)
    for i in range(25):
        (upload / "module5" / f"f{i}.txt").write_text("x")
    refused(upload, tmp_path, "too many files")


def test_caches_and_version_control_folders_are_not_read(tmp_path):
    upload = tmp_path / "upload"
    _copy_modules(ROOT / "exercises", upload)
    (upload / ".venv" / "lib").mkdir(parents=True)
    (upload / ".venv" / "lib" / "python").symlink_to("/usr/bin/python3")
    _copy_modules(ROOT / "reference", upload / ".git" / "old")
    intake = assemble(upload, tmp_path / "tree")
    assert intake.folder == "." and (tmp_path / "tree" / "module5" / "layers.py").read_bytes() == EXERCISE


# --- zip archives ------------------------------------------------------------------------

def test_a_zip_with_a_symlink_is_refused(tmp_path):
    upload = tmp_path / "link.zip"
    with zipfile.ZipFile(upload, "w") as z:
        info = zipfile.ZipInfo("module5/layers.py")
        info.external_attr = (0o120777) << 16
        z.writestr(info, "/work/main/reference/module5/layers.py")
    refused(upload, tmp_path, "symbolic link", "module5/layers.py")


def test_a_zip_with_a_fifo_entry_is_refused(tmp_path):
    upload = tmp_path / "fifo.zip"
    with zipfile.ZipFile(upload, "w") as z:
        info = zipfile.ZipInfo("module5/layers.py")
        info.external_attr = (0o010644) << 16
        z.writestr(info, "")
    refused(upload, tmp_path, "special file", "module5/layers.py")


def test_a_zip_with_an_unsupported_compression_method_is_a_message(tmp_path):
    upload = patch_zip_header(one_file_zip(tmp_path / "odd.zip"), method=97)
    refused(upload, tmp_path, "compression method", "module5/layers.py")


def test_an_encrypted_zip_entry_is_a_message(tmp_path):
    upload = patch_zip_header(one_file_zip(tmp_path / "secret.zip"), flags_or=0x1)
    refused(upload, tmp_path, "encrypted", "module5/layers.py")


def test_a_corrupt_zip_entry_is_a_message(tmp_path):
    upload = one_file_zip(tmp_path / "corrupt.zip", method=zipfile.ZIP_DEFLATED)
    raw = bytearray(upload.read_bytes())
    start = raw.index(b"PK\x03\x04") + 30 + len("module5/layers.py")
    for i in range(start + 10, start + 200):
        raw[i] ^= 0x5A
    upload.write_bytes(bytes(raw))
    refused(upload, tmp_path, "corrupt")


def test_a_truncated_zip_is_a_message(tmp_path):
    upload = one_file_zip(tmp_path / "cut.zip")
    upload.write_bytes(upload.read_bytes()[:300])
    refused(upload, tmp_path, "not a valid zip")


def test_a_zip_with_an_unsafe_path_is_refused(tmp_path):
    for name in ("../module5/layers.py", "/module5/layers.py", "..\\module5\\layers.py"):
        refused(one_file_zip(tmp_path / "unsafe.zip", name=name), tmp_path, "unsafe path")


def test_a_zip_bomb_is_refused_from_its_headers(tmp_path):
    upload = tmp_path / "bomb.zip"
    with zipfile.ZipFile(upload, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("module5/layers.py", SOLUTION)
        z.writestr("data.bin", b"\0" * (submissions.MAX_TOTAL_BYTES + 1))
    refused(upload, tmp_path, "too big")


def test_a_big_file_in_a_zip_is_refused_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_FILE_BYTES", 1000)
    refused(one_file_zip(tmp_path / "big.zip"), tmp_path, "too big", "module5/layers.py")


def test_a_zip_with_too_many_files_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_ENTRIES", 20)
    upload = tmp_path / "many.zip"
    with zipfile.ZipFile(upload, "w") as z:
        for i in range(25):
            z.writestr(f"module5/f{i}.txt", "x")
    refused(upload, tmp_path, "too many files")


def test_a_zip_naming_one_file_twice_is_refused(tmp_path):
    upload = tmp_path / "twice.zip"
    with zipfile.ZipFile(upload, "w") as z:
        z.writestr("module5/layers.py", EXERCISE)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # zipfile warns about the duplicate
            z.writestr("module5/layers.py", SOLUTION)
    refused(upload, tmp_path, "twice", "module5/layers.py")


# --- tar archives ------------------------------------------------------------------------

@pytest.mark.parametrize("suffix,mode", [(".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar", "w")])
def test_a_tar_archive_is_graded_like_a_zip(tmp_path, suffix, mode):
    upload = tar_with(tmp_path / f"alice{suffix}", [(member("hw/module5/layers.py"), SOLUTION),
                                                    (member("hw", tarfile.DIRTYPE), None)], mode)
    intake = assemble(upload, tmp_path / "tree")
    assert intake.folder == "hw" and intake.files == ["module5/layers.py"]
    assert (tmp_path / "tree" / "module5" / "layers.py").read_bytes() == SOLUTION


@pytest.mark.parametrize("kind,words", [
    (tarfile.SYMTYPE, "symbolic link"), (tarfile.LNKTYPE, "link"),
    (tarfile.FIFOTYPE, "special file"), (tarfile.CHRTYPE, "special file"),
    (tarfile.BLKTYPE, "special file")])
def test_a_tar_with_a_link_or_a_device_is_refused(tmp_path, kind, words):
    target = {"linkname": "../../reference/module5/layers.py"} if kind in (
        tarfile.SYMTYPE, tarfile.LNKTYPE) else {}
    upload = tar_with(tmp_path / "bad.tar.gz", [(member("module5/loss.py"), SOLVED_LOSS),
                                                (member("module5/layers.py", kind, **target), None)])
    refused(upload, tmp_path, words, "module5/layers.py")


@pytest.mark.parametrize("name", ["../module5/layers.py", "/module5/layers.py"])
def test_a_tar_with_an_unsafe_path_is_refused(tmp_path, name):
    upload = tar_with(tmp_path / "unsafe.tgz", [(member(name), SOLUTION)])
    refused(upload, tmp_path, "unsafe path")


def test_a_truncated_tar_gz_is_a_message(tmp_path):
    upload = tar_with(tmp_path / "cut.tar.gz", [(member("module5/layers.py"), SOLUTION),
                                                (member("module5/loss.py"), SOLVED_LOSS)])
    upload.write_bytes(upload.read_bytes()[:len(upload.read_bytes()) // 2])
    refused(upload, tmp_path, "truncated or corrupt")


def test_a_tar_bomb_is_refused_from_its_headers(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_TOTAL_BYTES", 10_000)
    upload = tar_with(tmp_path / "bomb.tgz", [(member("module5/layers.py"), SOLUTION),
                                             (member("data.bin"), b"\0" * 20_000)])
    refused(upload, tmp_path, "too big")


def test_content_hash_ignores_timestamps_and_sees_content(tmp_path):
    a = one_file_zip(tmp_path / "a.zip")
    b = tmp_path / "b"
    (b / "module5").mkdir(parents=True)
    (b / "module5" / "layers.py").write_bytes(SOLUTION)
    first = content_hash(b)
    os.utime(b / "module5" / "layers.py", (1, 1))
    assert content_hash(b) == first
    (b / "module5" / "layers.py").write_bytes(EXERCISE)
    assert content_hash(b) != first
    assert content_hash(a) == content_hash(one_file_zip(tmp_path / "a2.zip"))


# --- --target on an archive --------------------------------------------------------------

def test_target_on_a_whole_repository_zip_grades_its_exercises_tree(tmp_path):
    import json
    import subprocess
    import sys
    whole_repo(tmp_path / "kit")
    upload = zip_folder(tmp_path / "kit", tmp_path / "cnn-kit-main.zip", prefix="cnn-kit-main/")
    report = tmp_path / "report.json"
    r = subprocess.run([sys.executable, "-m", "grader", "--target", str(upload), "--module", "5",
                        "-k", "m5.softmax", "-k", "m5.conv2d.forward", "--json", str(report), "--lang", "en"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    status = {c["id"]: c["status"] for c in json.loads(report.read_text())["checks"]}
    # The student solved loss.py only: the solutions in reference/ earn nothing.
    assert status["m5.softmax"] == "PASS" and status["m5.conv2d.forward"] == "TODO"
    assert "cnn-kit-main/exercises" in r.stderr


def test_target_on_a_broken_archive_is_a_one_line_error(tmp_path):
    import subprocess
    import sys
    upload = patch_zip_header(one_file_zip(tmp_path / "odd.zip"), method=97)
    r = subprocess.run([sys.executable, "-m", "grader", "--target", str(upload)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "compression method" in r.stderr and "Traceback" not in r.stderr
