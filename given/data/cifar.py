"""CIFAR-10: a safe reader for the python-pickle batches, and a loader that finds or downloads them.

Usage::

    data = load_cifar_subset(n_train=2000)      # CIFAR-10 if cached or downloadable, else generated
    print(data.description)                     # says which one, and why
    data.X_train.shape                          # (2000, 3, 32, 32) float64 in [0, 1]

The files (https://www.cs.toronto.edu/~kriz/cifar.html): ``cifar-10-python.tar.gz`` holds a
folder ``cifar-10-batches-py`` with ``data_batch_1`` .. ``data_batch_5`` (10000 training images
each) and ``test_batch`` (10000 test images). Each batch is a Python 2 pickle of a dict whose
``b"data"`` is a (10000, 3072) uint8 array, one image per row (1024 red, then 1024 green, then
1024 blue values, each plane row-major 32x32), and whose ``b"labels"`` is a list of 10000
ints in 0..9.

Safety: unpickling can run arbitrary code, and a downloaded or copied file is not trusted.
The batches are read with an unpickler that resolves only the three globals a pickled numpy
array needs (``_reconstruct``, ``ndarray``, ``dtype``) and refuses every other one
(`UnsafePickleError`). The archive is extracted only if every member is a plain file or
folder with a relative path inside the target folder (`UnsafeArchiveError` otherwise), and
with tarfile's ``filter="data"`` on Pythons that have it.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np

from .datasets import Dataset, _one_line, load_digits
from .download import DatasetUnavailable, DownloadError, default_data_dir, fetch

__all__ = [
    "CIFAR10_ARCHIVE",
    "CIFAR10_MD5",
    "CIFAR10_MIRRORS",
    "CIFAR10_FOLDER",
    "CIFAR10_CLASSES",
    "SOURCES",
    "UnsafePickleError",
    "UnsafeArchiveError",
    "cifar_dir",
    "read_batch",
    "extract_archive",
    "load_cifar10",
    "load_cifar_subset",
]

CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_MIRRORS = ("https://www.cs.toronto.edu/~kriz/",)
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
SOURCES = ("auto", "cifar", "synthetic")

_IMAGE_SHAPE = (3, 32, 32)
_ROW = 3 * 32 * 32


class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle asked for a global that a CIFAR batch never needs; nothing was run."""


class UnsafeArchiveError(ValueError):
    """A tar member would land outside the target folder or is not a plain file/folder."""


# --------------------------------------------------------------------------- unpickling

def _allowed_globals():
    # numpy >= 2 keeps the implementation in numpy._core; pickles written by numpy 1.x
    # (the real CIFAR batches) name numpy.core. Both names map to the same function, taken
    # from numpy._core when it exists so that numpy 2 raises no deprecation warning.
    try:
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - numpy < 2
        from numpy.core.multiarray import _reconstruct
    return {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }


class _BatchUnpickler(pickle.Unpickler):
    """Resolves only the globals needed to rebuild numpy arrays; refuses everything else.

    With these, a pickle can build dicts, lists, strings, numbers and plain ndarrays, and
    call nothing else: every callable a pickle can invoke comes through find_class.
    """

    _allowed = None

    def find_class(self, module, name):
        allowed = type(self)._allowed
        if allowed is None:
            allowed = type(self)._allowed = _allowed_globals()
        try:
            return allowed[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"refused to load {module}.{name}: a CIFAR-10 batch only needs numpy's "
                "array reconstruction (this file is not a CIFAR batch, or was tampered with)"
            ) from None

    def persistent_load(self, pid):
        raise UnsafePickleError("refused a persistent id: CIFAR-10 batches have none")


def read_batch(path):
    """Read one CIFAR-10 python batch file, safely.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    images : np.ndarray, shape (n, 3, 32, 32), uint8
    labels : np.ndarray, shape (n,), int64 in 0..9

    Raises
    ------
    UnsafePickleError
        The pickle refers to anything but numpy's array reconstruction (a ValueError).
    ValueError
        Not a pickle, truncated, or not a dict with ``data`` (n, 3072) uint8 and ``labels``
        of length n in 0..9; the message names the file.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            # encoding="bytes": Python 2 str objects (the dict keys) stay bytes, as in the
            # official loading snippet; the array payload must stay bytes anyway.
            batch = _BatchUnpickler(f, encoding="bytes").load()
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{path}: {exc}") from None
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError,
            IndexError, KeyError, MemoryError, OverflowError) as exc:
        raise ValueError(f"{path}: not a readable CIFAR-10 batch "
                         f"({type(exc).__name__}: {exc})") from exc
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")
    data = _entry(batch, "data", path)
    labels = _entry(batch, "labels", path)
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == _ROW):
        got = (f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray)
               else type(data).__name__)
        raise ValueError(f"{path}: data must be a uint8 array of shape (n, {_ROW}), got {got}")
    try:
        labels = np.asarray(labels)
    except (TypeError, ValueError) as exc:   # e.g. ragged nested lists
        raise ValueError(f"{path}: labels are not a list of ints ({exc})") from exc
    if labels.shape != (len(data),) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{path}: labels must be {len(data)} ints, got "
                         f"{labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"{path}: labels outside 0..9 ({labels.min()}..{labels.max()})")
    return data.reshape(len(data), *_IMAGE_SHAPE), labels.astype(np.int64)


def _entry(batch, key, path):
    # Python 2 pickles give bytes keys; a batch re-pickled under Python 3 may have str keys.
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    raise ValueError(f"{path}: the batch has no {key!r} entry (keys: "
                     f"{sorted(map(repr, batch))})")


# --------------------------------------------------------------------------- archive

def extract_archive(archive, dest_dir) -> Path:
    """Safely extract the ``cifar-10-batches-py`` folder of ``archive`` into ``dest_dir``.

    Every member is checked before anything is written: it must be a regular file or a
    folder, with a relative path that stays inside ``dest_dir`` (no ``..``, no absolute
    path, no links or devices). Only members under ``cifar-10-batches-py/`` are extracted,
    first into a temporary folder inside ``dest_dir`` that is then renamed into place, so an
    interrupted extraction never leaves a half-written folder that a later run would trust.

    Parameters
    ----------
    archive : str or Path
        A ``.tar.gz`` (any compression tarfile detects).
    dest_dir : str or Path
        Created if missing.

    Returns
    -------
    Path
        ``dest_dir / "cifar-10-batches-py"``.

    Raises
    ------
    UnsafeArchiveError
        A member is a link, device or FIFO, or its path escapes ``dest_dir``.
    ValueError
        Not a readable tar archive, or it has no ``cifar-10-batches-py`` folder.
    """
    archive, dest_dir = Path(archive), Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / CIFAR10_FOLDER
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, archive)
            wanted = [m for m in members
                      if PurePosixPath(m.name).parts[:1] == (CIFAR10_FOLDER,)]
            if not any(m.isfile() for m in wanted):
                raise ValueError(f"{archive}: no {CIFAR10_FOLDER}/ folder in the archive")
            tmp = Path(tempfile.mkdtemp(prefix=".extract-", dir=dest_dir))
            try:
                if hasattr(tarfile, "data_filter"):
                    # Belt and braces: tarfile refuses on its own what _check_member missed.
                    tar.extractall(tmp, members=wanted, filter="data")
                else:  # pragma: no cover - Pythons before 3.11.4 / 3.10.12
                    tar.extractall(tmp, members=wanted)
                if target.exists():
                    shutil.rmtree(target)
                os.replace(tmp / CIFAR10_FOLDER, target)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except (tarfile.TarError, EOFError) as exc:
        raise ValueError(f"{archive}: not a readable tar archive ({exc})") from exc
    return target


def _check_member(member, archive):
    name = member.name
    path = PurePosixPath(name)
    if not (member.isfile() or member.isdir()):
        kind = "link" if (member.issym() or member.islnk()) else "special file"
        raise UnsafeArchiveError(f"{archive}: refused member {name!r}: a {kind}, "
                                 "not a plain file or folder")
    if path.is_absolute() or name.startswith(("/", "\\")) or ".." in path.parts \
            or ":" in (path.parts[0] if path.parts else "") or "\\" in name:
        raise UnsafeArchiveError(f"{archive}: refused member {name!r}: its path leads "
                                 "outside the target folder")


# --------------------------------------------------------------------------- loading

def cifar_dir(data_dir=None) -> Path:
    """The folder CIFAR-10 is cached in: ``data_dir/cifar10`` (default data dir if None)."""
    return Path(data_dir if data_dir is not None else default_data_dir()).expanduser() / "cifar10"


def load_cifar10(data_dir=None, download=True, *, mirrors=CIFAR10_MIRRORS, md5=CIFAR10_MD5,
                 dtype=np.float64):
    """Load all of CIFAR-10, downloading and extracting the archive if needed and allowed.

    Looked for, in order: the batches in ``data_dir/cifar10/cifar-10-batches-py/`` or in
    ``data_dir/cifar-10-batches-py/`` (where e.g. torchvision puts them); the archive
    ``data_dir/cifar10/cifar-10-python.tar.gz`` (extracted); a download of the archive into
    ``data_dir/cifar10/`` (checksum-verified, then extracted). Batches and archives already
    on disk are not checksummed (copies may be repacked) but are read just as carefully.

    Parameters
    ----------
    data_dir : str or Path, optional
        Default ``default_data_dir()`` (``$CNN_KIT_DATA`` or ``~/.cache/cnn-from-scratch``).
    download : bool
        Fetch the archive (about 170 MB) when nothing usable is on disk.
    mirrors : sequence of str
        Base URLs tried in order (tests use ``file://`` ones).
    md5 : str
        Expected MD5 of the downloaded archive.
    dtype : numpy float dtype
        Of the returned images. float64 needs 1.2 GB for the training set; float32 half.

    Returns
    -------
    X_train : np.ndarray, shape (50000, 3, 32, 32), dtype, in [0, 1]
    y_train : np.ndarray, shape (50000,), int64 in 0..9
    X_test : np.ndarray, shape (10000, 3, 32, 32), dtype, in [0, 1]
    y_test : np.ndarray, shape (10000,), int64 in 0..9
    (fewer images if the files on disk hold fewer)

    Raises
    ------
    DatasetUnavailable
        Nothing on disk and ``download`` is False, or every mirror failed.
    ValueError
        A file is unreadable, unsafe (`UnsafePickleError`, `UnsafeArchiveError`) or
        malformed.
    """
    raw, _ = _load_cifar_raw(data_dir, download, mirrors, md5)
    (Xtr, ytr), (Xte, yte) = raw["train"], raw["test"]
    return _to_float(Xtr, dtype), ytr, _to_float(Xte, dtype), yte


def _to_float(images, dtype=np.float64):
    # A Python float does not promote float32 arrays (NEP 50), so dtype is kept.
    return images.astype(dtype) / 255.0


def _load_cifar_raw(data_dir, download, mirrors, md5):
    """({"train": (uint8 (n, 3, 32, 32), int64 (n,)), "test": ...}, batches folder)."""
    folder = _locate_batches(data_dir, download, mirrors, md5)
    parts = [read_batch(folder / name) for name in TRAIN_BATCHES]
    train = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))
    return {"train": train, "test": read_batch(folder / TEST_BATCH)}, folder


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in TRAIN_BATCHES + (TEST_BATCH,))


def _locate_batches(data_dir, download, mirrors, md5) -> Path:
    home = cifar_dir(data_dir)
    for folder in (home / CIFAR10_FOLDER, home.parent / CIFAR10_FOLDER):
        if _complete(folder):
            return folder
    archive = home / CIFAR10_ARCHIVE
    if not archive.is_file():
        if not download:
            raise DatasetUnavailable(_missing_message(home, mirrors))
        try:
            archive = fetch(CIFAR10_ARCHIVE, mirrors, md5, home)
        except DownloadError as exc:
            lines = [f"  {url}: {why}" for url, why in exc.failures] or ["  (no mirrors given)"]
            raise DatasetUnavailable(
                f"CIFAR-10 ({CIFAR10_ARCHIVE}) is missing from {home} and no mirror "
                "delivered it:\n" + "\n".join(lines)) from exc
    folder = extract_archive(archive, home)
    if not _complete(folder):
        missing = [n for n in TRAIN_BATCHES + (TEST_BATCH,) if not (folder / n).is_file()]
        raise ValueError(f"{archive}: the archive lacks {', '.join(missing)}")
    return folder


def _missing_message(home: Path, mirrors) -> str:
    lines = [f"CIFAR-10 not found: neither {home / CIFAR10_FOLDER} nor {home / CIFAR10_ARCHIVE} "
             "exists."]
    lines.append("Get it by calling load_cifar10(download=True), or copy "
                 f"{CIFAR10_ARCHIVE} from")
    lines.extend(f"  {m}" for m in mirrors)
    lines.append(f"into {home} (set $CNN_KIT_DATA to use another data directory).")
    return "\n".join(lines)


def load_cifar_subset(source="auto", n_train=2000, n_test=500, data_dir=None, download=True,
                      seed=0, *, mirrors=CIFAR10_MIRRORS, md5=CIFAR10_MD5) -> Dataset:
    """``n_train`` + ``n_test`` labelled colour images (3, 32, 32): CIFAR-10 or a stand-in.

    Parameters
    ----------
    source : {"auto", "cifar", "synthetic"}
        ``"cifar"``: the real data or an error. ``"synthetic"``: generated colour digits
        (``given.data.synthetic.make_digits`` with image_shape (3, 32, 32), tinted per image),
        10 classes like CIFAR-10. ``"auto"``: CIFAR-10 if it is on disk (or can be
        downloaded when ``download``), else the generated set; ``description`` says which
        one and why.
    n_train, n_test : int
        Sizes of the splits; CIFAR subsets are drawn at random (seeded) without
        replacement from its 50000 train / 10000 test images.
    data_dir, download, mirrors, md5
        As for `load_cifar10`.
    seed : int
        Chooses the subsets or seeds the generator; same seed, same data.

    Returns
    -------
    given.data.datasets.Dataset
        ``name`` is ``"cifar10"`` or ``"synthetic"``; images float64 in [0, 1].

    Raises
    ------
    DatasetUnavailable
        ``source="cifar"`` and CIFAR-10 can be neither found nor downloaded.
    ValueError
        Unknown ``source``; a bad size; more CIFAR images requested than exist;
        ``source="cifar"`` and a file is unreadable or unsafe.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    for label, n in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{label} must be a non-negative int, got {n!r}")
    if source == "synthetic":
        return _synthetic(n_train, n_test, seed, "requested")
    try:
        raw, folder = _load_cifar_raw(data_dir, download, mirrors, md5)
    except (OSError, ValueError) as exc:
        if source == "cifar":
            raise
        # OSError: DatasetUnavailable or an unreadable file; ValueError: a corrupt or unsafe
        # file. Either way the demo can go on with generated images, and says why.
        return _synthetic(n_train, n_test, seed, f"CIFAR-10 not used: {_one_line(exc)}")
    rng = np.random.default_rng(seed)
    X_train, y_train = _subset(*raw["train"], n_train, rng, "train")
    X_test, y_test = _subset(*raw["test"], n_test, rng, "test")
    description = f"CIFAR-10 from {folder} ({n_train} train / {n_test} test)"
    return Dataset("cifar10", X_train, y_train, X_test, y_test, description)


def _synthetic(n_train, n_test, seed, why) -> Dataset:
    data = load_digits("synthetic", n_train=n_train, n_test=n_test, image_shape=_IMAGE_SHAPE,
                       seed=seed, download=False)
    description = (f"generated colour digits {_IMAGE_SHAPE}, 10 classes, a stand-in for "
                   f"CIFAR-10 ({n_train} train / {n_test} test; {why})")
    return dataclasses.replace(data, description=description)


def _subset(images, labels, n, rng, split):
    if n > len(images):
        raise ValueError(f"asked for {n} CIFAR-10 {split} images, only {len(images)} exist")
    # Subset while still uint8: the float64 training set would need 1.2 GB.
    idx = rng.choice(len(images), size=n, replace=False)
    return _to_float(images[idx]), labels[idx]

