"""Checksum-verified downloads with mirror fallback, for the course's data sets.

Usage::

    path = fetch("train-labels-idx1-ubyte.gz",
                 mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/",),
                 md5="d53e105ee54ea40749a09fcbcd1e9432",
                 dest_dir=default_data_dir() / "mnist")

A file is written under its final name only after its checksum matched, so an interrupted or
corrupted download never leaves a file that a later run would trust.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

__all__ = [
    "DownloadError",
    "DatasetUnavailable",
    "fetch",
    "md5sum",
    "default_data_dir",
]

_CHUNK = 1 << 16

# Errors that mean "this mirror did not deliver", as opposed to a bug in the caller:
# URLError/HTTPError/timeouts are OSErrors; a connection dropped mid-body raises
# http.client.IncompleteRead (an HTTPException, not an OSError); an unknown URL scheme
# raises ValueError.
_MIRROR_ERRORS = (OSError, http.client.HTTPException, ValueError)


class DownloadError(OSError):
    """Every mirror failed; the message has one line per mirror saying why.

    Attributes
    ----------
    failures : list of (str, str)
        ``(url, reason)`` for each mirror tried, in order.
    """

    def __init__(self, message, failures=()):
        super().__init__(message)
        self.failures = list(failures)


class DatasetUnavailable(OSError):
    """A data set is neither on disk nor obtainable (download disabled or failed)."""


def default_data_dir() -> Path:
    """Where data sets are cached: ``$CNN_KIT_DATA`` if set, else ``~/.cache/cnn-from-scratch``.

    Returns
    -------
    Path
        The directory (not created here).
    """
    env = os.environ.get("CNN_KIT_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "cnn-from-scratch"


def md5sum(path) -> str:
    """Hex MD5 digest of a file, read in chunks so large files need little memory.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
        32 lowercase hex digits.
    """
    digest = _new_md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(name, mirrors, md5, dest_dir, timeout=30, progress=True) -> Path:
    """Download ``name`` into ``dest_dir`` from the first mirror that delivers the right bytes.

    Parameters
    ----------
    name : str
        File name; the URL tried is ``mirror + name`` (a ``/`` is inserted if the mirror
        lacks one). ``file://`` mirrors work too.
    mirrors : sequence of str
        Base URLs, tried in order.
    md5 : str
        Expected hex MD5 digest of the file.
    dest_dir : str or Path
        Directory for the file; created if missing.
    timeout : float
        Seconds allowed for connecting and for each read.
    progress : bool
        Show a transient rich progress bar when stderr is a terminal and the size is known.

    Returns
    -------
    Path
        ``dest_dir / name``, whose MD5 equals ``md5``.

    Raises
    ------
    DownloadError
        If no mirror delivered a file with the expected checksum.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / name
    md5 = md5.lower()
    if target.is_file() and md5sum(target) == md5:
        return target

    failures = []
    for mirror in mirrors:
        url = _join(mirror, name)
        try:
            _download_verified(url, target, md5, timeout, progress)
            return target
        except _MIRROR_ERRORS as exc:
            failures.append((url, _describe(exc)))
    lines = [f"  {url}: {why}" for url, why in failures] or ["  (no mirrors given)"]
    raise DownloadError(
        f"could not download {name} into {dest_dir}; every mirror failed:\n" + "\n".join(lines),
        failures,
    )


class _ChecksumMismatch(ValueError):
    pass


def _new_md5():
    # MD5 guards against corruption here, not forgery; saying so keeps FIPS-mode builds happy.
    try:
        return hashlib.md5(usedforsecurity=False)
    except TypeError:  # pragma: no cover - Pythons built without the keyword
        return hashlib.md5()


def _join(mirror: str, name: str) -> str:
    # A forgotten trailing slash would otherwise glue the name onto the last path segment.
    return mirror + name if mirror.endswith("/") else mirror + "/" + name


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"{type(exc).__name__}: {exc.reason}"
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


def _download_verified(url, target: Path, md5: str, timeout, progress) -> None:
    """Stream ``url`` into a temp file next to ``target``, check it, then rename it into place.

    The temp file lives in the destination directory so the final ``os.replace`` is a rename
    on one file system, which is atomic: readers see either no file or the whole file.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            digest, received, expected = _stream(response, out, progress, target.name)
        if expected is not None and received != expected:
            raise _ChecksumMismatch(f"truncated: received {received} of {expected} bytes")
        got = digest.hexdigest()
        if got != md5:
            raise _ChecksumMismatch(f"checksum mismatch: expected md5 {md5}, got {got}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _content_length(response):
    value = response.headers.get("Content-Length") if response.headers else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _stream(response, out, progress, label):
    """Copy the response body to ``out``; return (md5 object, bytes received, expected size)."""
    digest = _new_md5()
    expected = _content_length(response)
    received = 0
    with _progress_bar(progress, expected, label) as advance:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            advance(len(chunk))
    return digest, received, expected


class _progress_bar:
    """Context manager yielding ``advance(nbytes)``; a no-op unless a bar is worth showing."""

    def __init__(self, enabled, total, label):
        self._bar = None
        self._task = None
        # A bar in a log file or a CI transcript is noise, and without a total it cannot
        # show progress, so only draw one for an interactive terminal and a known size.
        if enabled and total and sys.stderr is not None and sys.stderr.isatty():
            try:
                from rich.console import Console
                from rich.progress import (BarColumn, DownloadColumn, Progress,
                                           TimeRemainingColumn, TransferSpeedColumn)
            except ImportError:  # pragma: no cover - rich is a runtime dependency
                return
            self._bar = Progress(
                "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                TransferSpeedColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._task = self._bar.add_task(label, total=total)

    def __enter__(self):
        if self._bar is None:
            return lambda n: None
        self._bar.start()
        return lambda n: self._bar.advance(self._task, n)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()
        return False
