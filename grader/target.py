"""Finding and validating the tree to grade."""
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
