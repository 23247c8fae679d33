"""The one guarded intake of a submission, for every route (batch, Gradescope, --target on an
archive): read a folder, a .zip, a .tar.gz/.tgz/.tar or loose .py files without trusting
them, find the student's tree in it, and lay that tree over a copy of the exercises tree.

Reading never follows a link: a folder is walked with lstat and every file opened with
O_NOFOLLOW; a link or a special file (FIFO, device, socket) anywhere outside the skipped
folders refuses the submission, in a folder as in an archive. Sizes are capped from the
headers and again while reading. Every problem is a SubmissionError with a one-line message.

Which tree is the student's: a folder holding a module folder (module5/, ...) with a .py file
is a candidate, unless its path names a folder that is not the student's work (reference/,
tests/, grader/, ...: NOT_THE_STUDENT). One candidate is graded; two are an error, never a
guess. Without a candidate, loose files named like the learner's (layers.py, unet.py, ...)
go to their module (a Gradescope upload of the changed files).
"""
import hashlib
import os
import shutil
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import modules
from .target import PROJECT_ROOT

BASE_TREE = PROJECT_ROOT / "exercises"
# A submission is source code: anything bigger is a mistake (a data set, a .venv) or an attack.
MAX_FILE_BYTES = 1024 * 1024          # one .py file read
MAX_TOTAL_BYTES = 50 * 1024 * 1024    # everything an archive unpacks to; the archive itself
MAX_ENTRIES = 20_000                  # files and folders of one submission
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
# Folders never read (in a folder, never entered; in an archive, counted but not unpacked):
# caches, environments, version control. Hidden folders (.git, .venv, ...) too.
SKIPPED_DIRS = frozenset({"__pycache__", "__MACOSX", "node_modules", "venv", "site-packages"})
# A candidate tree under one of these is not the student's work.
NOT_THE_STUDENT = frozenset({"reference", "solution", "solutions", "tests", "test", "grader",
                             "given", "demos", "benchmarks", "docs"})
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_MB = 1024 * 1024


class SubmissionError(ValueError):
    """The submission cannot be graded; the message says why, in one line."""


@dataclass
class Intake:
    """What the intake graded: `folder` inside the submission ("." its top, "(loose files)"),
    the tree-relative `files` placed, and the candidate folders it passed over."""
    folder: str
    files: list
    ignored: list = field(default_factory=list)

    def describe(self):
        where = "loose files" if self.folder == LOOSE else f"folder {self.folder}"
        text = f"graded {where}: {', '.join(self.files)}"
        if self.ignored:
            text += f"; not graded: {', '.join(f'{d}/' for d in self.ignored)}"
        return text


LOOSE = "(loose files)"


# --- reading ---------------------------------------------------------------------------------

def _wanted(parts):
    """A .py file the intake reads (not in a skipped folder, not macOS metadata)."""
    return parts[-1].endswith(".py") and not parts[-1].startswith("._") and not _skipped(parts[:-1])


def _skipped(dirs):
    return any(d in SKIPPED_DIRS or d.startswith(".") for d in dirs)


def _read_capped(stream, label):
    data = stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SubmissionError(f"{label} is too big (over {MAX_FILE_BYTES // 1024} KB; "
                              f"a submission is source code)")
    return data


class _Budget:
    """The caps of one submission, counted as entries are met."""

    def __init__(self, name):
        self.name, self.entries, self.bytes = name, 0, 0

    def add(self, size=0):
        self.entries += 1
        self.bytes += max(size, 0)
        if self.entries > MAX_ENTRIES:
            raise SubmissionError(f"{self.name} has too many files (over {MAX_ENTRIES})")
        if self.bytes > MAX_TOTAL_BYTES:
            raise SubmissionError(f"{self.name} is too big (over {MAX_TOTAL_BYTES // _MB} MB "
                                  f"unpacked; leave out data sets and .venv/)")


def _kind_problem(mode, label):
    """A one-line refusal for a link or a special file, else None."""
    if stat.S_ISLNK(mode):
        return f"symbolic link in the submission: {label} (links are never followed)"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return f"special file in the submission: {label} (FIFO, device or socket)"
    return None


def _read_file(path, label):
    """A regular file's bytes, opened without following a link, capped while reading."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise SubmissionError(f"cannot read {label}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as f:
        problem = _kind_problem(os.fstat(fd).st_mode, label)
        if problem:
            raise SubmissionError(problem)
        return _read_capped(f, label)


def _read_folder(root):
    """{posix path: bytes} of the .py files under folder `root`, walked with lstat."""
    files, budget = {}, _Budget(root.name)
    pending = [()]
    while pending:
        rel_dir = pending.pop()
        try:
            names = sorted(os.listdir(root.joinpath(*rel_dir)))
        except OSError as exc:
            raise SubmissionError(f"cannot read {'/'.join(rel_dir) or root.name}: "
                                  f"{exc.strerror}") from None
        for name in names:
            parts = (*rel_dir, name)
            label = "/".join(parts)
            mode = os.lstat(root.joinpath(*parts)).st_mode
            if stat.S_ISDIR(mode) and _skipped((name,)):
                continue
            budget.add()
            problem = _kind_problem(mode, label)
            if problem:
                raise SubmissionError(problem)
            if stat.S_ISDIR(mode):
                pending.append(parts)
            elif _wanted(parts):
                files[label] = _read_file(root.joinpath(*parts), label)
                budget.bytes += len(files[label])
    return files


def _member_parts(name):
    """The safe parts of an archive member's name; SubmissionError for an absolute path, a
    drive, or `..` (a Windows zipper's backslashes are separators)."""
    posix = name.replace("\\", "/")
    path = PurePosixPath(posix)
    if posix.startswith("/") or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise SubmissionError(f"unsafe path in the archive: {name}")
    return tuple(p for p in path.parts if p not in ("", "."))


def _read_zip(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        raise SubmissionError(f"{path.name} is not a valid zip file (damaged or truncated?)") \
            from None
    files, budget, seen = {}, _Budget(path.name), set()
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise SubmissionError(f"{path.name} has too many files (over {MAX_ENTRIES})")
        for info in infos:
            parts = _member_parts(info.filename)
            label = "/".join(parts)
            if label in seen and not info.is_dir():
                raise SubmissionError(f"{path.name} holds {label} twice")
            seen.add(label)
            budget.add(info.file_size)
            if not parts or _skipped(parts[:-1]):
                continue
            mode = info.external_attr >> 16        # Unix mode; no type bits: a plain file
            problem = _kind_problem(mode, label) if stat.S_IFMT(mode) else None
            if problem:
                raise SubmissionError(problem)
            if info.is_dir() or not _wanted(parts):
                continue
            if info.flag_bits & 0x1:
                raise SubmissionError(f"encrypted entry in {path.name}: {label} "
                                      f"(zip it again without a password)")
            if info.compress_type not in _ZIP_METHODS:
                raise SubmissionError(f"unsupported compression method {info.compress_type} "
                                      f"for {label} in {path.name} (zip it again with "
                                      f"the standard deflate method)")
            try:
                with archive.open(info) as f:
                    files[label] = _read_capped(f, label)
            except SubmissionError:
                raise
            except Exception as exc:  # noqa: BLE001 - zlib, bz2, lzma, CRC: all "corrupt"
                raise SubmissionError(f"{path.name} is corrupt at {label} "
                                      f"({type(exc).__name__})") from None
    return files


def _read_tar(path):
    try:
        archive = tarfile.open(path, "r:*")
    except (tarfile.TarError, EOFError, OSError):
        raise SubmissionError(f"{path.name} is not a valid tar archive (truncated or corrupt?)") \
            from None
    files, budget = {}, _Budget(path.name)
    try:
        with archive:
            while True:
                info = archive.next()      # one header at a time: a bomb is stopped early
                if info is None:
                    break
                files.update(_tar_member(archive, info, budget))
    except SubmissionError:
        raise
    except Exception as exc:  # noqa: BLE001 - gzip, bz2, xz, tar header errors, EOF
        raise SubmissionError(f"{path.name} is truncated or corrupt ({type(exc).__name__})") \
            from None
    return files


def _tar_member(archive, info, budget):
    parts = _member_parts(info.name)
    label = "/".join(parts)
    budget.add(info.size)
    if not parts or _skipped(parts[:-1]):
        return {}
    if info.issym():
        raise SubmissionError(f"symbolic link in the submission: {label} (links are never "
                              f"followed)")
    if info.islnk():
        raise SubmissionError(f"hard link in the submission: {label} (links are never followed)")
    if info.isdir():
        return {}
    if not info.isreg():
        raise SubmissionError(f"special file in the submission: {label} (FIFO, device or "
                              f"socket)")
    if not _wanted(parts):
        return {}
    return {label: _read_capped(archive.extractfile(info), label)}


def _lstat_mode(path):
    try:
        return os.lstat(path).st_mode
    except OSError:
        return 0


def is_archive(path):
    return Path(path).name.lower().endswith(ARCHIVE_SUFFIXES)


def read_submission(source):
    """{posix path inside the submission: bytes} of its .py files, every guard applied.
    `source`: a folder, an archive, one .py file, or a {name: path} mapping of loose .py
    files (batch's NAME_layers.py, ...)."""
    if isinstance(source, dict):
        return {name: _read_file(path, Path(path).name) for name, path in source.items()}
    source = Path(source)
    try:
        mode = os.lstat(source).st_mode
    except OSError as exc:
        raise SubmissionError(f"cannot read {source.name}: {exc.strerror}") from None
    problem = _kind_problem(mode, source.name)
    if problem:
        raise SubmissionError(problem)
    if stat.S_ISDIR(mode):
        return _read_folder(source)
    if os.lstat(source).st_size > MAX_TOTAL_BYTES:
        raise SubmissionError(f"{source.name} is too big (over {MAX_TOTAL_BYTES // _MB} MB)")
    name = source.name.lower()
    if name.endswith(".zip"):
        return _read_zip(source)
    if name.endswith((".tar.gz", ".tgz", ".tar")):
        return _read_tar(source)
    if name.endswith(".py"):
        return {source.name: _read_file(source, source.name)}
    raise SubmissionError(f"{source.name} is not a folder, a .zip, a .tar.gz/.tgz or a .py file")


# --- choosing the student's tree ---------------------------------------------------------

def _module_index(parts):
    """Index of the first module folder among a file's folders, or None."""
    for i, part in enumerate(parts[:-1]):
        if modules.by_dir(part) is not None:
            return i
    return None


def _not_the_students(dirs):
    return any(d.lower() in NOT_THE_STUDENT for d in dirs)


def choose_tree(files, name="the submission"):
    """(Intake, {tree-relative path: bytes}) for the files read from one submission."""
    trees, ignored, loose = {}, set(), {}
    for path, data in files.items():
        parts = tuple(path.split("/"))
        i = _module_index(parts)
        if i is not None:
            root = "/".join(parts[:i]) or "."
            if _not_the_students(parts[:i]):
                ignored.add(root)
            else:
                trees.setdefault(root, {})["/".join(parts[i:])] = data
        elif modules.owner_of_file(parts[-1]) is not None and not _not_the_students(parts[:-1]):
            loose.setdefault(parts[-1], []).append((path, data))
    if len(trees) > 1:
        shown = ", ".join(f"{r}/" for r in sorted(trees))
        raise SubmissionError(f"{name} holds more than one tree ({shown}): keep only the one "
                              f"to grade")
    folder, placed = (next(iter(trees.items())) if trees else (LOOSE, {}))
    for file_name, copies in sorted(loose.items()):
        rel = f"{modules.get(modules.owner_of_file(file_name)).dir}/{file_name}"
        if rel in placed:
            continue
        if len(copies) > 1:
            raise SubmissionError(f"{name} holds {file_name} twice "
                                  f"({', '.join(p for p, _ in copies)}): keep one")
        placed[rel] = copies[0][1]
    if not placed:
        raise SubmissionError(_nothing_to_grade(name, ignored))
    return Intake(folder, sorted(placed), sorted(ignored)), placed


def _nothing_to_grade(name, ignored):
    first, last = modules.MODULES[0].files[0], modules.MODULES[-1].files[-1]
    numbers = "/".join(str(n) for n in modules.NUMBERS)
    text = f"{name} holds no Module {numbers} file ({first}, ..., {last})"
    if ignored:
        text += (f" outside {', '.join(f'{d}/' for d in sorted(ignored))} (not the student's "
                 f"work: not graded)")
    return text


# --- laying it over the exercises tree ---------------------------------------------------

def assemble(source, dest, base=BASE_TREE):
    """Build the tree to grade in `dest` from submission `source` (see read_submission):
    the base tree with the student's files laid over it. Returns the Intake (what was
    graded, from which folder); SubmissionError when the submission cannot be graded."""
    dest = Path(dest)
    name = Path(source).name if not isinstance(source, dict) else "the submission"
    intake, placed = choose_tree(read_submission(source), name)
    shutil.copytree(base, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for rel, data in placed.items():
        target = dest.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink():
            target.unlink()
        target.write_bytes(data)
    return intake


def content_hash(source):
    """sha256 over the submission's .py files (names and contents): unchanged submissions
    hash the same whatever their timestamps or archive format. Never raises: a submission
    that cannot be read hashes its refusal (and an archive its bytes), so it is not re-read
    while it stays the same."""
    h = hashlib.sha256()
    try:
        files = read_submission(source)
    except SubmissionError as exc:
        h.update(b"refused\0" + str(exc).encode())
        if not isinstance(source, dict) and stat.S_ISREG(_lstat_mode(source)):
            with open(source, "rb") as f:            # its size and first MB: bounded work
                h.update(str(os.fstat(f.fileno()).st_size).encode() + f.read(_MB))
        return h.hexdigest()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + files[path] + b"\0")
    return h.hexdigest()
