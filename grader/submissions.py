"""Turning a submission (a folder or a .zip, whole tree or only the changed files) into a
gradable tree: the exercises tree with the student's files laid over it."""
import hashlib
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from . import modules
from .target import PROJECT_ROOT

BASE_TREE = PROJECT_ROOT / "exercises"
MAX_ZIP_BYTES = 50 * 1024 * 1024      # a submission is source code; anything bigger is a mistake


class SubmissionError(ValueError):
    """The submission cannot be graded; the message says why, in one line."""


def _python_files(root):
    return sorted(p for p in Path(root).rglob("*.py")
                  if "__pycache__" not in p.parts and not p.name.startswith("._"))


def _place(root):
    """{relative path in the tree: file} for the student's .py files under `root`.

    A file whose parent is a module's folder (module5/, …) keeps that place (wherever it sits
    inside the submission); a loose file with a known name (layers.py, unet.py, ...) goes to
    its module; anything else is ignored."""
    placed = {}
    for path in _python_files(root):
        parts = path.relative_to(root).parts
        for i, part in enumerate(parts[:-1]):
            if modules.by_dir(part) is not None:
                placed[str(PurePosixPath(*parts[i:]))] = path
                break
        else:
            owner = modules.owner_of_file(path.name)
            if owner is not None:
                placed.setdefault(f"{modules.get(owner).dir}/{path.name}", path)
    return placed


def _extract(zip_path, dest):
    try:
        archive = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile:
        raise SubmissionError(f"{Path(zip_path).name} is not a valid zip file") from None
    with archive:
        total = 0
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts:
                raise SubmissionError(f"unsafe path in zip: {info.filename}")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(f"symbolic link in zip: {info.filename}")
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise SubmissionError("zip unpacks to more than 50 MB")
        archive.extractall(dest)
    return dest


def assemble(source, dest, base=BASE_TREE):
    """Build the tree to grade in `dest` from submission `source` (folder or .zip).
    Returns the list of the student's files placed (tree-relative paths)."""
    source, dest = Path(source), Path(dest)
    if source.is_file() and source.suffix.lower() == ".zip":
        source = _extract(source, dest.parent / (dest.name + "-unzipped"))
    elif not source.is_dir():
        raise SubmissionError(f"{source.name} is neither a folder nor a .zip")
    placed = _place(source)
    if not placed:
        first, last = modules.MODULES[0].files[0], modules.MODULES[-1].files[-1]
        numbers = "/".join(str(n) for n in modules.NUMBERS)
        raise SubmissionError(f"{source.name} holds no Module {numbers} file "
                              f"({first}, ..., {last})")
    shutil.copytree(base, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for rel, path in placed.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return sorted(placed)


def content_hash(source):
    """sha256 over the submission's .py files (names and contents): unchanged submissions
    hash the same whatever their timestamps."""
    h = hashlib.sha256()
    source = Path(source)
    if source.is_file():
        try:
            with zipfile.ZipFile(source) as archive:
                for name in sorted(n for n in archive.namelist() if n.endswith(".py")):
                    h.update(name.encode() + b"\0" + archive.read(name) + b"\0")
        except zipfile.BadZipFile:
            h.update(source.read_bytes())
        return h.hexdigest()
    for path in _python_files(source):
        h.update(str(path.relative_to(source)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()
