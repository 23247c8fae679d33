"""given.data.download: mirrors, checksums, atomic placement, error reports.

No network: the mirrors are file:// URLs of tmp directories, or a monkeypatched opener
that plays a misbehaving HTTP server.
"""
import hashlib
import io
import os
import sys
import urllib.error
import urllib.request
from email.message import Message

import pytest

from given.data import download
from given.data.download import DatasetUnavailable, DownloadError, default_data_dir, fetch, md5sum

NAME = "payload.bin"
GOOD = bytes(range(256)) * 300          # 76.8 kB: several read chunks
GOOD_MD5 = hashlib.md5(GOOD).hexdigest()


def make_mirror(root, content, name=NAME):
    """A directory serving ``name`` with ``content``; returns its file:// base URL."""
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(content)
    return root.as_uri() + "/"


def leftovers(dest):
    """Everything in ``dest`` except a completed download (temp files show up here)."""
    return sorted(p.name for p in dest.iterdir() if p.name != NAME)


class FakeResponse(io.BytesIO):
    """What urlopen returns, with a chosen Content-Length and an optional failure mid-body."""

    def __init__(self, body, length=None, fail_after=None, exc=None):
        super().__init__(body)
        self.headers = Message()
        if length is not None:
            self.headers["Content-Length"] = str(length)
        self._fail_after, self._exc, self._sent = fail_after, exc, 0

    def read(self, size=-1):
        if self._fail_after is not None and self._sent >= self._fail_after:
            raise self._exc
        chunk = super().read(size)
        self._sent += len(chunk)
        return chunk


def test_md5sum_known_digests(tmp_path):
    empty, abc = tmp_path / "empty", tmp_path / "abc"
    empty.write_bytes(b"")
    abc.write_bytes(b"abc")
    assert md5sum(empty) == "d41d8cd98f00b204e9800998ecf8427e"
    assert md5sum(abc) == "900150983cd24fb0d6963f7d28e17f72"


def test_md5sum_of_a_multi_chunk_file(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(GOOD * 4)
    assert md5sum(path) == hashlib.md5(GOOD * 4).hexdigest()


def test_default_data_dir_honours_env(tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_KIT_DATA", str(tmp_path / "data"))
    assert default_data_dir() == tmp_path / "data"


def test_default_data_dir_without_env_is_under_home_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("CNN_KIT_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".cache" / "cnn-from-scratch"


def test_exceptions_are_oserrors():
    assert issubclass(DownloadError, OSError)
    assert issubclass(DatasetUnavailable, OSError)


def test_fetch_from_file_mirror(tmp_path):
    mirror = make_mirror(tmp_path / "mirror", GOOD)
    dest = tmp_path / "dest" / "nested"         # created on demand
    path = fetch(NAME, [mirror], GOOD_MD5, dest, progress=False)
    assert path == dest / NAME
    assert path.read_bytes() == GOOD
    assert leftovers(dest) == []


def test_fetch_accepts_mirror_without_trailing_slash_and_uppercase_md5(tmp_path):
    mirror = make_mirror(tmp_path / "mirror", GOOD).rstrip("/")
    path = fetch(NAME, [mirror], GOOD_MD5.upper(), tmp_path / "dest", progress=False)
    assert path.read_bytes() == GOOD


def test_missing_file_on_first_mirror_falls_through_to_second(tmp_path):
    empty = (tmp_path / "empty")
    empty.mkdir()
    good = make_mirror(tmp_path / "good", GOOD)
    path = fetch(NAME, [empty.as_uri() + "/", good], GOOD_MD5, tmp_path / "dest",
                 progress=False)
    assert path.read_bytes() == GOOD


def test_wrong_checksum_tries_next_mirror(tmp_path):
    bad = make_mirror(tmp_path / "bad", b"not the file")
    good = make_mirror(tmp_path / "good", GOOD)
    dest = tmp_path / "dest"
    path = fetch(NAME, [bad, good], GOOD_MD5, dest, progress=False)
    assert path.read_bytes() == GOOD
    assert leftovers(dest) == []


def test_all_mirrors_failing_raises_download_error_listing_each(tmp_path):
    bad = make_mirror(tmp_path / "bad", b"corrupted bytes")
    (tmp_path / "empty").mkdir()
    missing = (tmp_path / "empty").as_uri() + "/"
    dest = tmp_path / "dest"
    with pytest.raises(DownloadError) as info:
        fetch(NAME, [bad, missing], GOOD_MD5, dest, progress=False)
    lines = str(info.value).splitlines()
    assert NAME in lines[0]
    assert len(lines) == 3                                   # header + one per mirror
    assert lines[1].strip().startswith(bad + NAME) and "checksum mismatch" in lines[1]
    assert GOOD_MD5 in lines[1]
    assert lines[2].strip().startswith(missing + NAME) and "URLError" in lines[2]
    assert [url for url, _ in info.value.failures] == [bad + NAME, missing + NAME]
    # Neither the final name nor a temp file survives a failed download.
    assert list(dest.iterdir()) == []


def test_no_mirrors_raises_download_error(tmp_path):
    with pytest.raises(DownloadError, match="no mirrors"):
        fetch(NAME, [], GOOD_MD5, tmp_path, progress=False)


def test_existing_good_file_is_not_downloaded_again(tmp_path, monkeypatch):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / NAME).write_bytes(GOOD)
    os.utime(dest / NAME, (1_000_000, 1_000_000))

    def no_network(*args, **kwargs):
        raise AssertionError("fetch opened a URL although the file was already there")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    path = fetch(NAME, ["https://example.invalid/"], GOOD_MD5, dest, progress=False)
    assert path == dest / NAME
    assert path.stat().st_mtime == 1_000_000                 # untouched


def test_existing_corrupt_file_is_replaced(tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / NAME).write_bytes(b"half a downl")
    mirror = make_mirror(tmp_path / "mirror", GOOD)
    path = fetch(NAME, [mirror], GOOD_MD5, dest, progress=False)
    assert path.read_bytes() == GOOD
    assert leftovers(dest) == []


def test_existing_corrupt_file_survives_when_all_mirrors_fail(tmp_path):
    # Replacement is atomic: a failed attempt must not destroy what was there.
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / NAME).write_bytes(b"old")
    bad = make_mirror(tmp_path / "bad", b"also wrong")
    with pytest.raises(DownloadError):
        fetch(NAME, [bad], GOOD_MD5, dest, progress=False)
    assert (dest / NAME).read_bytes() == b"old"
    assert leftovers(dest) == []


def test_http_error_is_reported_with_status(tmp_path, monkeypatch):
    def not_found(url, timeout=None):
        raise urllib.error.HTTPError(url, 404, "Not Found", Message(), None)

    monkeypatch.setattr(urllib.request, "urlopen", not_found)
    with pytest.raises(DownloadError) as info:
        fetch(NAME, ["https://a.example/", "https://b.example/"], GOOD_MD5, tmp_path,
              progress=False)
    lines = str(info.value).splitlines()
    assert "https://a.example/payload.bin: HTTP 404 Not Found" in lines[1]
    assert "https://b.example/payload.bin: HTTP 404 Not Found" in lines[2]


def test_timeout_is_passed_to_the_opener(tmp_path, monkeypatch):
    seen = []

    def opener(url, timeout=None):
        seen.append((url, timeout))
        return FakeResponse(GOOD, length=len(GOOD))

    monkeypatch.setattr(urllib.request, "urlopen", opener)
    fetch(NAME, ["https://a.example/"], GOOD_MD5, tmp_path, timeout=7, progress=False)
    assert seen == [("https://a.example/payload.bin", 7)]


def test_truncated_body_is_rejected_and_cleaned_up(tmp_path, monkeypatch):
    # The server promised more bytes than it sent, then closed the connection cleanly.
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout=None: FakeResponse(GOOD[:1000], length=len(GOOD)))
    with pytest.raises(DownloadError, match=r"truncated: received 1000 of 76800 bytes"):
        fetch(NAME, ["https://a.example/"], GOOD_MD5, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_connection_reset_mid_body_tries_next_mirror(tmp_path, monkeypatch):
    def opener(url, timeout=None):
        if url.startswith("https://flaky"):
            return FakeResponse(GOOD, length=len(GOOD), fail_after=65536,
                                exc=ConnectionResetError("reset by peer"))
        return FakeResponse(GOOD, length=len(GOOD))

    monkeypatch.setattr(urllib.request, "urlopen", opener)
    path = fetch(NAME, ["https://flaky.example/", "https://ok.example/"], GOOD_MD5, tmp_path,
                 progress=False)
    assert path.read_bytes() == GOOD
    assert leftovers(tmp_path) == []


def test_interrupt_propagates_and_leaves_no_temp_file(tmp_path, monkeypatch):
    monkeypatch.setattr(
        urllib.request, "urlopen",
        lambda url, timeout=None: FakeResponse(GOOD, fail_after=65536, exc=KeyboardInterrupt()),
    )
    with pytest.raises(KeyboardInterrupt):
        fetch(NAME, ["https://a.example/", "https://b.example/"], GOOD_MD5, tmp_path,
              progress=False)
    assert list(tmp_path.iterdir()) == []


def test_progress_is_silent_when_not_a_terminal(tmp_path, capsys):
    mirror = make_mirror(tmp_path / "mirror", GOOD)
    path = fetch(NAME, [mirror], GOOD_MD5, tmp_path / "dest", progress=True)
    assert path.read_bytes() == GOOD
    assert capsys.readouterr() == ("", "")


def test_progress_bar_on_a_terminal_still_downloads_correctly(tmp_path, monkeypatch):
    class FakeTTY(io.StringIO):
        def isatty(self):
            return True

    fake = FakeTTY()
    monkeypatch.setattr(sys, "stderr", fake)
    mirror = make_mirror(tmp_path / "mirror", GOOD)
    path = fetch(NAME, [mirror], GOOD_MD5, tmp_path / "dest", progress=True)
    assert path.read_bytes() == GOOD
    assert leftovers(tmp_path / "dest") == []
    # The bar drew on stderr (rich writes control sequences), never on stdout.
    assert fake.getvalue() != ""


def test_progress_bar_helper_is_a_no_op_without_a_size(monkeypatch):
    bar = download._progress_bar(True, None, "x")
    assert bar._bar is None
    with bar as advance:
        assert advance(10) is None
