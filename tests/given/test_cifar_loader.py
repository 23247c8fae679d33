"""given.data.cifar: the restricted unpickler, safe extraction, download, cache and fallback.

No network and no real CIFAR-10: the tests write tiny batches in the real format (Python 2
pickles, protocol 2, of dicts with byte-string keys and a (n, 3072) uint8 array pickled by
numpy.core.multiarray._reconstruct), pack them as cifar-10-python.tar.gz, and serve that
from a file:// mirror.
"""
import hashlib
import io
import os
import pickle
import pickletools
import struct
import tarfile

import numpy as np
import pytest

from given.data import cifar
from given.data.cifar import (CIFAR10_ARCHIVE, CIFAR10_FOLDER, UnsafeArchiveError,
                              UnsafePickleError, extract_archive, load_cifar10, load_cifar_subset,
                              read_batch)
from given.data.download import DatasetUnavailable, DownloadError

PER_BATCH = 6                 # images per tiny batch: 30 train, 6 test
NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


# --------------------------------------------------------------------------- the real format

class Py2Pickler(pickle._Pickler):
    """Writes what Python 2 + numpy 1.x wrote: str as BINSTRING, numpy.core module names."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_str(self, obj):
        data = obj if isinstance(obj, bytes) else obj.encode("latin1")
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str
    dispatch[str] = _save_py2_str

    def save_global(self, obj, name=None):
        module = getattr(obj, "__module__", "")
        if module.startswith("numpy._core"):          # numpy 1.x called it numpy.core
            module = module.replace("numpy._core", "numpy.core")
            self.write(pickle.GLOBAL + f"{module}\n{obj.__name__}\n".encode())
            self.memoize(obj)
        else:
            super().save_global(obj, name)


def batch_bytes(images, labels, label=b"training batch 1 of 5"):
    batch = {b"batch_label": label, b"labels": [int(v) for v in labels],
             b"data": images.reshape(len(images), -1),
             b"filenames": [b"img_%d.png" % i for i in range(len(images))]}
    out = io.BytesIO()
    Py2Pickler(out, protocol=2).dump(batch)
    return out.getvalue()


def tiny_split(seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(PER_BATCH, 3, 32, 32), dtype=np.uint8)
    labels = rng.integers(0, 10, size=PER_BATCH)
    return images, labels


def write_batches(folder):
    """The six batches in `folder`; returns {name: (images, labels)}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for k, name in enumerate(NAMES):
        images, labels = tiny_split(k)
        (folder / name).write_bytes(batch_bytes(images, labels))
        written[name] = (images, labels)
    return written


def make_archive(path, tmp_path):
    """cifar-10-python.tar.gz as the real one is laid out; returns (written, md5)."""
    src = tmp_path / "src"
    written = write_batches(src / CIFAR10_FOLDER)
    meta = io.BytesIO()
    Py2Pickler(meta, protocol=2).dump({b"label_names": [b"airplane", b"automobile"],
                                       b"num_cases_per_batch": 10000, b"num_vis": 3072})
    (src / CIFAR10_FOLDER / "batches.meta").write_bytes(meta.getvalue())
    (src / CIFAR10_FOLDER / "readme.html").write_text("<html></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        tar.add(src / CIFAR10_FOLDER, arcname=CIFAR10_FOLDER)
    return written, hashlib.md5(path.read_bytes()).hexdigest()


def expected_split(written, names):
    images = np.concatenate([written[n][0] for n in names])
    labels = np.concatenate([written[n][1] for n in names])
    return images.astype(np.float64) / 255, labels


# --------------------------------------------------------------------------- reading

def test_the_test_writer_produces_a_python2_numpy1_pickle():
    images, labels = tiny_split(0)
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(batch_bytes(images, labels))]
    assert ("PROTO", 2) in ops
    assert ("GLOBAL", "numpy.core.multiarray _reconstruct") in ops
    assert ("SHORT_BINSTRING", "data") in ops            # Python 2 str, not unicode
    assert not any(name in ("BINUNICODE", "SHORT_BINBYTES") for name, _ in ops)


def test_read_batch_gives_images_in_channel_planes(tmp_path):
    images, labels = tiny_split(1)
    path = tmp_path / "data_batch_1"
    path.write_bytes(batch_bytes(images, labels))
    got_images, got_labels = read_batch(path)
    assert got_images.dtype == np.uint8 and got_images.shape == (PER_BATCH, 3, 32, 32)
    assert np.array_equal(got_images, images)
    # Row layout: 1024 red values, 1024 green, 1024 blue, each plane row-major.
    row = images.reshape(PER_BATCH, -1)[2]
    assert got_images[2, 0, 0, 1] == row[1] and got_images[2, 1, 0, 0] == row[1024]
    assert got_images[2, 2, 31, 31] == row[3071] and got_images[2, 0, 1, 0] == row[32]
    assert got_labels.dtype == np.int64 and np.array_equal(got_labels, labels)


def test_read_batch_accepts_a_python3_repickle_with_str_keys(tmp_path):
    images, labels = tiny_split(2)
    path = tmp_path / "batch"
    with open(path, "wb") as f:
        pickle.dump({"data": images.reshape(PER_BATCH, -1),
                     "labels": [int(v) for v in labels]}, f, protocol=4)
    assert np.array_equal(read_batch(path)[0], images)


class SystemCall:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_malicious_pickle_is_refused_before_anything_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "data_batch_1"
    images, labels = tiny_split(3)
    batch = {b"data": images.reshape(PER_BATCH, -1), b"labels": [int(v) for v in labels],
             b"x": SystemCall(f"echo pwned > {marker}")}
    path.write_bytes(pickle.dumps(batch, protocol=3))
    assert b"system" in path.read_bytes()
    with pytest.raises(UnsafePickleError, match=r"refused to load (posix|nt|os)\.system"):
        read_batch(path)
    assert not marker.exists()
    assert issubclass(UnsafePickleError, ValueError)


@pytest.mark.parametrize("module, name", [
    ("builtins", "eval"), ("builtins", "getattr"), ("subprocess", "Popen"),
    ("numpy", "load"), ("numpy.core.multiarray", "scalar"), ("numpy", "frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
])
def test_every_other_global_is_refused(tmp_path, module, name):
    path = tmp_path / "batch"
    # A protocol-0 pickle that would call module.name('1+1').
    path.write_bytes(f"c{module}\n{name}\n(S'1+1'\ntR.".encode())
    with pytest.raises(UnsafePickleError, match=f"refused to load {module}.{name}"):
        read_batch(path)


def test_persistent_ids_are_refused(tmp_path):
    path = tmp_path / "batch"
    path.write_bytes(b"Pfoo\n.")
    with pytest.raises(UnsafePickleError):
        read_batch(path)


@pytest.mark.parametrize("payload, message", [
    (b"not a pickle at all", "not a readable CIFAR-10 batch"),
    (pickle.dumps([1, 2, 3], protocol=2), "expected a pickled dict"),
    (pickle.dumps({b"labels": [1]}, protocol=3), "no 'data' entry"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.float32), b"labels": [1, 2]}, protocol=3),
     "uint8 array of shape"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, protocol=3),
     "labels must be 2 ints"),
    (pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [10]}, protocol=3),
     "labels outside 0..9"),
])
def test_malformed_batches_are_named(tmp_path, payload, message):
    path = tmp_path / "batch"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=message):
        read_batch(path)


# --------------------------------------------------------------------------- loading

def test_load_from_the_cache_folder(tmp_path):
    written = write_batches(tmp_path / "cifar10" / CIFAR10_FOLDER)
    X_train, y_train, X_test, y_test = load_cifar10(tmp_path, download=False)
    exp_X, exp_y = expected_split(written, NAMES[:5])
    assert X_train.dtype == np.float64 and X_train.shape == (5 * PER_BATCH, 3, 32, 32)
    np.testing.assert_array_equal(X_train, exp_X)
    np.testing.assert_array_equal(y_train, exp_y)
    exp_X, exp_y = expected_split(written, NAMES[5:])
    np.testing.assert_array_equal(X_test, exp_X)
    np.testing.assert_array_equal(y_test, exp_y)
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0


def test_load_from_a_torchvision_style_folder_and_in_float32(tmp_path):
    write_batches(tmp_path / CIFAR10_FOLDER)
    X_train, _, _, _ = load_cifar10(tmp_path, download=False, dtype=np.float32)
    assert X_train.dtype == np.float32 and X_train.shape == (5 * PER_BATCH, 3, 32, 32)


def test_archive_on_disk_is_extracted_without_download(tmp_path):
    written, _ = make_archive(tmp_path / "data" / "cifar10" / CIFAR10_ARCHIVE, tmp_path)
    _, y_train, _, y_test = load_cifar10(tmp_path / "data", download=False)
    assert np.array_equal(y_test, written["test_batch"][1])
    assert (tmp_path / "data" / "cifar10" / CIFAR10_FOLDER / "data_batch_5").is_file()
    assert not list((tmp_path / "data" / "cifar10").glob(".extract-*"))   # temp dir gone


def test_download_from_a_mirror_with_the_right_checksum(tmp_path):
    mirror = tmp_path / "mirror"
    written, md5 = make_archive(mirror / CIFAR10_ARCHIVE, tmp_path)
    data_dir = tmp_path / "cache"
    X_train, y_train, X_test, y_test = load_cifar10(
        data_dir, download=True, mirrors=(mirror.as_uri() + "/",), md5=md5)
    np.testing.assert_array_equal(X_test, expected_split(written, NAMES[5:])[0])
    assert (data_dir / "cifar10" / CIFAR10_ARCHIVE).read_bytes() == \
        (mirror / CIFAR10_ARCHIVE).read_bytes()
    # Cached now: the mirror is no longer needed.
    (mirror / CIFAR10_ARCHIVE).unlink()
    again = load_cifar10(data_dir, download=False)
    np.testing.assert_array_equal(again[1], y_train)


def test_wrong_checksum_is_an_error_and_leaves_no_file(tmp_path):
    mirror = tmp_path / "mirror"
    make_archive(mirror / CIFAR10_ARCHIVE, tmp_path)
    data_dir = tmp_path / "cache"
    with pytest.raises(DatasetUnavailable, match="checksum mismatch") as info:
        load_cifar10(data_dir, mirrors=(mirror.as_uri() + "/",), md5="0" * 32)
    assert isinstance(info.value.__cause__, DownloadError)
    assert list((data_dir / "cifar10").iterdir()) == []


def test_missing_without_download_says_where_to_put_it(tmp_path):
    with pytest.raises(DatasetUnavailable, match="CIFAR-10 not found") as info:
        load_cifar10(tmp_path, download=False)
    assert str(tmp_path / "cifar10") in str(info.value)
    assert cifar.CIFAR10_MIRRORS[0] in str(info.value)
    assert not (tmp_path / "cifar10").exists()


def test_the_official_constants():
    assert cifar.CIFAR10_MD5 == "c58f30108f718f92721af3b95e74349a"
    assert cifar.CIFAR10_ARCHIVE == "cifar-10-python.tar.gz"
    assert cifar.CIFAR10_MIRRORS == ("https://www.cs.toronto.edu/~kriz/",)


def test_a_malicious_batch_inside_the_folder_stops_the_loader(tmp_path):
    folder = tmp_path / "cifar10" / CIFAR10_FOLDER
    write_batches(folder)
    marker = tmp_path / "pwned"
    (folder / "data_batch_3").write_bytes(pickle.dumps(SystemCall(f"touch {marker}"), 2))
    with pytest.raises(UnsafePickleError, match="data_batch_3"):
        load_cifar10(tmp_path, download=False)
    assert not marker.exists()


# --------------------------------------------------------------------------- extraction

def tar_with(path, *members):
    """A tar.gz with the given (TarInfo, bytes or None) members."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def regular(name, data=b"x"):
    info = tarfile.TarInfo(name)
    info.type = tarfile.REGTYPE
    return info, data


def link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


@pytest.mark.parametrize("member", [
    regular("../evil.txt"),
    regular(f"{CIFAR10_FOLDER}/../../evil.txt"),
    regular("/tmp/evil-absolute.txt"),
    link(f"{CIFAR10_FOLDER}/data_batch_1", "/etc/passwd"),
    link(f"{CIFAR10_FOLDER}/data_batch_2", "../../outside", tarfile.LNKTYPE),
], ids=["parent", "nested-parent", "absolute", "symlink", "hardlink"])
def test_unsafe_tar_members_are_refused_and_nothing_is_written(tmp_path, member):
    archive = tar_with(tmp_path / "a.tar.gz", regular(f"{CIFAR10_FOLDER}/test_batch"), member)
    dest = tmp_path / "dest" / "inner"
    with pytest.raises(UnsafeArchiveError, match="refused member"):
        extract_archive(archive, dest)
    assert not (dest / CIFAR10_FOLDER).exists()
    assert not (tmp_path / "dest" / "evil.txt").exists()
    assert not (tmp_path / "evil.txt").exists()


def test_unsafe_archive_in_the_cache_is_refused_by_the_loader(tmp_path):
    tar_with(tmp_path / "cifar10" / CIFAR10_ARCHIVE, regular(f"{CIFAR10_FOLDER}/test_batch"),
             regular("../escaped.txt"))
    with pytest.raises(UnsafeArchiveError):
        load_cifar10(tmp_path, download=False)
    assert not (tmp_path / "escaped.txt").exists()


def test_only_the_batches_folder_is_extracted(tmp_path):
    archive = tar_with(tmp_path / "a.tar.gz", regular(f"{CIFAR10_FOLDER}/test_batch", b"t"),
                       regular("elsewhere/other.txt"))
    folder = extract_archive(archive, tmp_path / "out")
    assert folder == tmp_path / "out" / CIFAR10_FOLDER
    assert (folder / "test_batch").read_bytes() == b"t"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [CIFAR10_FOLDER]


def test_not_an_archive_is_a_value_error(tmp_path):
    bad = tmp_path / CIFAR10_ARCHIVE
    bad.write_bytes(b"garbage" * 10)
    with pytest.raises(ValueError, match="not a readable tar archive"):
        extract_archive(bad, tmp_path / "out")


# --------------------------------------------------------------------------- subsets, fallback

def test_subset_of_the_real_format(tmp_path):
    write_batches(tmp_path / "cifar10" / CIFAR10_FOLDER)
    data = load_cifar_subset("cifar", n_train=10, n_test=4, data_dir=tmp_path, download=False,
                             seed=1)
    assert data.name == "cifar10"
    assert str(tmp_path / "cifar10" / CIFAR10_FOLDER) in data.description
    assert data.X_train.shape == (10, 3, 32, 32) and data.X_train.dtype == np.float64
    assert data.y_train.shape == (10,) and data.y_train.dtype == np.int64
    assert data.X_test.shape == (4, 3, 32, 32)
    again = load_cifar_subset("auto", n_train=10, n_test=4, data_dir=tmp_path, seed=1)
    assert np.array_equal(again.X_train, data.X_train)
    with pytest.raises(ValueError, match="asked for 31 CIFAR-10 train images, only 30 exist"):
        load_cifar_subset("auto", n_train=31, n_test=1, data_dir=tmp_path)


def test_auto_falls_back_to_generated_images_and_says_why(tmp_path):
    data = load_cifar_subset("auto", n_train=20, n_test=10, data_dir=tmp_path, download=False)
    assert data.name == "synthetic"
    assert data.X_train.shape == (20, 3, 32, 32) and data.num_classes == 10
    assert data.description.startswith("generated colour digits (3, 32, 32)")
    assert "CIFAR-10 not used: CIFAR-10 not found" in data.description
    assert "\n" not in data.description


def test_auto_falls_back_when_the_download_fails(tmp_path):
    data = load_cifar_subset("auto", n_train=5, n_test=5, data_dir=tmp_path,
                             mirrors=((tmp_path / "no-mirror").as_uri() + "/",))
    assert data.name == "synthetic"
    assert "no mirror delivered it" in data.description


def test_auto_falls_back_on_a_refused_pickle(tmp_path):
    folder = tmp_path / "cifar10" / CIFAR10_FOLDER
    write_batches(folder)
    (folder / "test_batch").write_bytes(pickle.dumps(SystemCall("true"), 2))
    data = load_cifar_subset("auto", n_train=5, n_test=5, data_dir=tmp_path, download=False)
    assert data.name == "synthetic" and "refused to load" in data.description


def test_synthetic_on_request_and_cifar_or_fail(tmp_path):
    data = load_cifar_subset("synthetic", n_train=10, n_test=10, data_dir=tmp_path, seed=3)
    assert data.name == "synthetic" and "requested" in data.description
    same = load_cifar_subset("synthetic", n_train=10, n_test=10, seed=3)
    assert np.array_equal(data.X_train, same.X_train)
    with pytest.raises(DatasetUnavailable):
        load_cifar_subset("cifar", n_train=1, n_test=1, data_dir=tmp_path, download=False)
    with pytest.raises(ValueError, match="source must be one of"):
        load_cifar_subset("mnist")
    with pytest.raises(ValueError, match="n_train"):
        load_cifar_subset("synthetic", n_train=-1)
