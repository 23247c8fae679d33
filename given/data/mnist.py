"""MNIST: the IDX file reader and a loader that finds, or downloads, the four standard files.

Usage::

    X_train, y_train, X_test, y_test = load_mnist()       # ~/.cache/cnn-from-scratch/mnist
    X_train.shape, X_train.dtype, y_train.dtype           # (60000, 1, 28, 28) float64 int64

The IDX format (http://yann.lecun.com/exdb/mnist/): a 4-byte magic number ``00 00 TT NN``
where ``TT`` is the element type and ``NN`` the number of dimensions, then ``NN`` big-endian
uint32 sizes, then the elements in C order, big-endian.
"""
from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from .download import DatasetUnavailable, DownloadError, default_data_dir, fetch

__all__ = [
    "IDX_DTYPES",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "read_idx",
    "load_mnist",
]

# Type byte -> big-endian numpy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

_GZIP_MAGIC = b"\x1f\x8b"
_SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def read_idx(path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not.

    Compression is detected from the gzip magic bytes, not the file name, because
    decompressed copies often keep their ``.gz`` name (and vice versa).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    np.ndarray
        Shape as stored in the header, native-endian dtype of the stored type
        (uint8, int8, int16, int32, float32 or float64); a writable copy.

    Raises
    ------
    ValueError
        Bad magic number, unknown type byte, zero dimensions, truncated header or data,
        trailing bytes, or a corrupt gzip stream; the message names the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    dtype, shape, offset = _parse_header(raw, path)
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    available = len(raw) - offset
    if available < expected:
        raise ValueError(
            f"{path}: truncated IDX data: header promises shape {shape} of {dtype.name} "
            f"({expected} bytes) but only {available} bytes follow"
        )
    if available > expected:
        raise ValueError(
            f"{path}: {available - expected} trailing bytes after the IDX data of shape {shape}"
        )
    data = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=offset)
    return data.reshape(shape).astype(dtype.newbyteorder("="))


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{path}: corrupt gzip stream ({exc or type(exc).__name__})") from exc


def _parse_header(raw: bytes, path: Path):
    """Return (dtype, shape, data offset) from the IDX header in ``raw``."""
    if len(raw) < 4:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes)")
    zero, type_byte, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise ValueError(
            f"{path}: not an IDX file: magic number {raw[:4].hex()} should start with 0000"
        )
    if type_byte not in IDX_DTYPES:
        known = ", ".join(f"0x{t:02X}" for t in IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX element type 0x{type_byte:02X} (known: {known})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions")
    offset = 4 + 4 * ndim
    if len(raw) < offset:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {offset} bytes, "
            f"file has {len(raw)}"
        )
    shape = struct.unpack(f">{ndim}I", raw[4:offset])
    return IDX_DTYPES[type_byte], shape, offset


def load_mnist(data_dir=None, download=True, mirrors=MNIST_MIRRORS, checksums=MNIST_FILES):
    """Load MNIST from ``data_dir/mnist/``, downloading the missing files if allowed.

    Each file may be present as the standard ``.gz`` or uncompressed under the same name
    without ``.gz``. Files already on disk are trusted if they parse (users' copies are
    often recompressed, so their checksums differ); downloads are checksum-verified.

    Parameters
    ----------
    data_dir : str or Path, optional
        Parent of the ``mnist`` folder; default ``default_data_dir()``.
    download : bool
        Fetch missing files from ``mirrors``.
    mirrors : sequence of str
        Base URLs, tried in order.
    checksums : dict
        ``.gz`` file name -> MD5 hex digest, for the four files.

    Returns
    -------
    X_train : np.ndarray, shape (60000, 1, 28, 28), float64 in [0, 1]
    y_train : np.ndarray, shape (60000,), int64 in 0..9
    X_test : np.ndarray, shape (10000, 1, 28, 28), float64 in [0, 1]
    y_test : np.ndarray, shape (10000,), int64 in 0..9

    Raises
    ------
    DatasetUnavailable
        Files missing and ``download`` is False, or every mirror failed.
    ValueError
        A file is not valid IDX, or images and labels disagree.
    """
    raw, _ = _load_mnist_raw(data_dir, download, mirrors, checksums)
    (Xtr, ytr), (Xte, yte) = raw["train"], raw["test"]
    return _to_float(Xtr), ytr.astype(np.int64), _to_float(Xte), yte.astype(np.int64)


def mnist_dir(data_dir=None) -> Path:
    """The folder the MNIST files live in: ``data_dir/mnist`` (default data dir if None)."""
    return Path(data_dir if data_dir is not None else default_data_dir()).expanduser() / "mnist"


def _to_float(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float64) / 255.0)[:, None, :, :]


def _load_mnist_raw(data_dir, download, mirrors, checksums):
    """Return ({"train": (uint8 images (n, 28, 28), labels (n,)), "test": ...}, folder).

    The uint8 form lets callers take subsets before paying 8 bytes per pixel.
    """
    folder = mnist_dir(data_dir)
    paths = _locate_files(folder, download, mirrors, checksums)
    raw = {}
    for split, (images_name, labels_name) in _SPLITS.items():
        images = read_idx(paths[images_name])
        labels = read_idx(paths[labels_name])
        _check_pair(images, labels, paths[images_name], paths[labels_name])
        raw[split] = (images, labels)
    return raw, folder


def _locate_files(folder: Path, download, mirrors, checksums):
    """Map each standard ``.gz`` name to a file on disk, fetching missing ones if allowed."""
    paths, missing = {}, []
    for name in MNIST_FILES:
        found = _existing(folder, name)
        if found is not None:
            paths[name] = found
        else:
            missing.append(name)
    if missing and not download:
        raise DatasetUnavailable(_missing_message(folder, missing, mirrors))
    for name in missing:
        try:
            paths[name] = fetch(name, mirrors, checksums[name], folder)
        except DownloadError as exc:
            lines = [f"  {url}: {why}" for url, why in exc.failures] or ["  (no mirrors given)"]
            raise DatasetUnavailable(
                f"MNIST file {name} is missing from {folder} and no mirror delivered it:\n"
                + "\n".join(lines)
            ) from exc
    return paths


def _existing(folder: Path, gz_name: str):
    for candidate in (folder / gz_name, folder / gz_name[: -len(".gz")]):
        if candidate.is_file():
            return candidate
    return None


def _missing_message(folder: Path, missing, mirrors) -> str:
    lines = [f"MNIST not found: {folder} lacks {', '.join(missing)} (or their unzipped forms)."]
    lines.append("Get them by calling load_mnist(download=True), or copy the files from")
    lines.extend(f"  {m}" for m in mirrors)
    lines.append(f"into {folder} (set $CNN_KIT_DATA to use another data directory).")
    return "\n".join(lines)


def _check_pair(images, labels, images_path, labels_path) -> None:
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path}: expected uint8 images of shape (n, 28, 28), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ValueError(
            f"{labels_path}: expected uint8 labels of shape (n,), got {labels.dtype} {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: label {int(labels.max())} outside 0..9")
