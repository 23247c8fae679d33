"""One entry point for the digit data the demos train on: real MNIST or generated digits.

Usage::

    data = load_digits()              # MNIST if cached or downloadable, else generated digits
    print(data.description)           # says which one, and why
    data.X_train.shape                # (2000, 1, 28, 28)

``source="synthetic"`` never touches the disk or the network, which is what tests and
offline classrooms want; ``source="mnist"`` insists on the real thing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .download import DatasetUnavailable, DownloadError
from .mnist import MNIST_FILES, MNIST_MIRRORS, _load_mnist_raw, _to_float
from .synthetic import make_digits

__all__ = ["Dataset", "DatasetUnavailable", "load_digits", "SOURCES"]

SOURCES = ("auto", "mnist", "synthetic")
_MNIST_SHAPE = (1, 28, 28)


@dataclass
class Dataset:
    """A train/test split of images and labels.

    Attributes
    ----------
    name : str
        ``"mnist"`` or ``"synthetic"``.
    X_train : np.ndarray, shape (n_train, C, H, W), float64 in [0, 1]
    y_train : np.ndarray, shape (n_train,), int64 in 0..9
    X_test : np.ndarray, shape (n_test, C, H, W), float64 in [0, 1]
    y_test : np.ndarray, shape (n_test,), int64 in 0..9
    description : str
        One line for humans: where the data came from and why.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    description: str

    @property
    def num_classes(self) -> int:
        return 10

    @property
    def image_shape(self) -> tuple:
        return tuple(self.X_train.shape[1:])


def load_digits(source="auto", n_train=2000, n_test=500, image_shape=(1, 28, 28),
                data_dir=None, download=True, seed=0, *,
                mirrors=MNIST_MIRRORS, checksums=MNIST_FILES) -> Dataset:
    """Load ``n_train`` + ``n_test`` labelled digit images.

    Parameters
    ----------
    source : {"auto", "mnist", "synthetic"}
        ``"mnist"``: the real data or an error. ``"synthetic"``: ``make_digits``.
        ``"auto"``: MNIST if it is on disk (or can be downloaded when ``download``), else
        generated digits; ``description`` tells which and why.
    n_train, n_test : int
        Sizes of the splits. MNIST subsets are drawn at random (seeded) without replacement
        from its 60000 train / 10000 test images.
    image_shape : tuple of int
        ``(C, H, W)``. MNIST exists only as (1, 28, 28); other shapes mean generated digits.
    data_dir : str or Path, optional
        Parent of the ``mnist`` folder; default ``default_data_dir()``.
    download : bool
        Allow fetching missing MNIST files.
    seed : int
        Chooses the MNIST subsets or seeds the generator; same seed, same data.
    mirrors, checksums
        Passed to ``load_mnist``'s download (tests point them at local files).

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetUnavailable
        ``source="mnist"`` and MNIST can be neither found nor downloaded.
    ValueError
        Unknown ``source``; ``source="mnist"`` with a shape other than (1, 28, 28);
        more MNIST images requested than exist.
    """
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")
    _check_sizes(n_train, n_test)
    image_shape = tuple(int(s) for s in image_shape)

    if source == "synthetic":
        return _synthetic(n_train, n_test, image_shape, seed, "requested")
    if image_shape != _MNIST_SHAPE:
        if source == "mnist":
            raise ValueError(f"MNIST images are {_MNIST_SHAPE}, not {image_shape}")
        return _synthetic(n_train, n_test, image_shape, seed,
                          f"MNIST has no {image_shape} images")
    if source == "mnist":
        raw, folder = _load_mnist_raw(data_dir, download, mirrors, checksums)
    else:
        try:
            raw, folder = _load_mnist_raw(data_dir, download, mirrors, checksums)
        except (OSError, ValueError) as exc:
            # OSError: DatasetUnavailable or an unreadable file; ValueError: a corrupt file.
            # Either way the course can go on with generated digits, and says why.
            return _synthetic(n_train, n_test, image_shape, seed,
                              f"MNIST not used: {_one_line(exc)}")
    # Outside the fallback: asking for more images than MNIST has is the caller's mistake.
    return _mnist_subsets(raw, folder, n_train, n_test, seed)


def _one_line(exc: BaseException) -> str:
    """The gist of why a data set (MNIST, CIFAR-10) could not be loaded, on one line for
    ``Dataset.description``."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if isinstance(exc.__cause__, DownloadError):
        # The first line says a download failed; the per-mirror lines say why.
        return " ".join(lines[:1] + ["; ".join(lines[1:])])
    return lines[0]


def _check_sizes(n_train, n_test) -> None:
    for label, n in (("n_train", n_train), ("n_test", n_test)):
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"{label} must be a non-negative int, got {n!r}")


def _synthetic(n_train, n_test, image_shape, seed, why) -> Dataset:
    # Independent child seeds keep train and test disjoint draws, each balanced over classes.
    train_seed, test_seed = np.random.SeedSequence(seed).spawn(2)
    X_train, y_train = make_digits(n_train, image_shape, seed=train_seed)
    X_test, y_test = make_digits(n_test, image_shape, seed=test_seed)
    description = (f"generated digits {image_shape} ({n_train} train / {n_test} test; {why})")
    return Dataset("synthetic", X_train, y_train, X_test, y_test, description)


def _mnist_subsets(raw, folder, n_train, n_test, seed) -> Dataset:
    rng = np.random.default_rng(seed)
    X_train, y_train = _subset(*raw["train"], n_train, rng, "train")
    X_test, y_test = _subset(*raw["test"], n_test, rng, "test")
    description = f"MNIST from {folder} ({n_train} train / {n_test} test)"
    return Dataset("mnist", X_train, y_train, X_test, y_test, description)


def _subset(images, labels, n, rng, split):
    if n > len(images):
        raise ValueError(f"asked for {n} MNIST {split} images, only {len(images)} exist")
    # Subset while still uint8: converting all 60000 images to float64 first costs 376 MB.
    idx = rng.choice(len(images), size=n, replace=False)
    return _to_float(images[idx]), labels[idx].astype(np.int64)
