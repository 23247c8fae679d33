"""Finding and validating the tree to grade."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODULE_FILES = {
    5: ("layers.py", "loss.py", "network.py", "optim.py", "weight_init.py"),
    6: ("batchnorm.py", "resnet_blocks.py", "upsample.py", "transposed_conv.py", "unet.py"),
}


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
        raise TargetError(f"target {name!r} is not a tree: it has no module5/ or module6/ "
                          f"directory with {', '.join(MODULE_FILES[5][:2])}, ...")
    return path


def available_modules(path):
    """Module numbers whose directory exists in the tree with at least one expected file."""
    return [m for m, files in MODULE_FILES.items()
            if any((Path(path) / f"module{m}" / f).is_file() for f in files)]
