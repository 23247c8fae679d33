"""Finding and validating the tree to grade: a folder, or an archive (a .zip, .tar.gz, ...)
that goes through the submissions' guarded intake into a temp tree."""
import atexit
import shutil
import sys
import tempfile
from pathlib import Path

from . import modules

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class TargetError(ValueError):
    """The target is not a gradable tree; the message is one line for the user."""


def resolve_target(name):
    """A directory path, or the name of one of the project's trees (exercises, reference).
    A path that exists relative to the working directory wins over the project's tree."""
    path = Path(name).expanduser()
    if not path.exists() and name in ("exercises", "reference"):
        path = PROJECT_ROOT / name
    if not path.exists():
        raise TargetError(f"target {name!r} does not exist")
    if path.is_file() and _is_archive(path):
        return unpack_target(path)
    if not path.is_dir():
        raise TargetError(f"target {name!r} is not a directory")
    path = path.resolve()
    if not available_modules(path):
        first = modules.MODULES[0]
        raise TargetError(f"target {name!r} is not a tree: it has no {modules.dirs_text()} "
                          f"directory with {', '.join(first.files[:2])}, ...")
    return path


def available_modules(path):
    """Module numbers whose directory exists in the tree with at least one expected file."""
    return [m.number for m in modules.MODULES
            if any((Path(path) / m.dir / f).is_file() for f in m.files)]


def _is_archive(path):
    from .submissions import is_archive
    return is_archive(path)


def unpack_target(path):
    """The tree to grade for archive `path`: laid over the exercises tree by the same intake
    as batch and Gradescope (so a whole-repository zip is graded on its exercises tree), in a
    temp dir removed at exit. Says on stderr which folder of the archive it graded."""
    from .submissions import SubmissionError, assemble
    tmp = Path(tempfile.mkdtemp(prefix="grader-target-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    try:
        intake = assemble(path, tmp / "tree")
    except SubmissionError as exc:
        raise TargetError(f"target {path.name!r}: {exc}") from None
    print(f"{path.name}: {intake.describe()}", file=sys.stderr)
    return tmp / "tree"
