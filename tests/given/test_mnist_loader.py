"""given.data.mnist (IDX reader, load_mnist) and given.data.datasets.load_digits with MNIST on disk.

The IDX files are written here with struct, byte by byte as the format specifies, so the
reader is checked against the format rather than against a writer of our own.
"""
import gzip
import hashlib
import struct

import numpy as np
import pytest

from given.data.datasets import load_digits
from given.data.download import DatasetUnavailable, DownloadError
from given.data.mnist import MNIST_FILES, MNIST_MIRRORS, load_mnist, read_idx

TYPE_CODES = {          # type byte -> (struct code, numpy dtype of the result)
    0x08: ("B", np.uint8),
    0x09: ("b", np.int8),
    0x0B: ("h", np.int16),
    0x0C: ("i", np.int32),
    0x0D: ("f", np.float32),
    0x0E: ("d", np.float64),
}

N_TRAIN, N_TEST = 5, 3


def idx_bytes(values, shape, type_byte=0x08):
    """The IDX encoding of ``values`` (a flat list) with the given shape and element type."""
    code = TYPE_CODES[type_byte][0]
    header = struct.pack(">BBBB", 0, 0, type_byte, len(shape))
    header += struct.pack(f">{len(shape)}I", *shape)
    return header + struct.pack(f">{len(values)}{code}", *values)


def mnist_like(n, seed):
    """n 28x28 uint8 images (with 0 and 255 in each) and labels 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[:, 0, 0], images[:, 0, 1] = 0, 255
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def encoded_mnist():
    """{gz file name: uncompressed IDX bytes} for a tiny MNIST, plus the arrays."""
    Xtr, ytr = mnist_like(N_TRAIN, 1)
    Xte, yte = mnist_like(N_TEST, 2)
    files = {
        "train-images-idx3-ubyte.gz": idx_bytes(Xtr.ravel().tolist(), Xtr.shape),
        "train-labels-idx1-ubyte.gz": idx_bytes(ytr.tolist(), ytr.shape),
        "t10k-images-idx3-ubyte.gz": idx_bytes(Xte.ravel().tolist(), Xte.shape),
        "t10k-labels-idx1-ubyte.gz": idx_bytes(yte.tolist(), yte.shape),
    }
    return files, (Xtr, ytr, Xte, yte)


def write_mnist_dir(folder, compressed=True):
    """Write the tiny MNIST into ``folder``: as .gz files, or unzipped without the suffix."""
    folder.mkdir(parents=True, exist_ok=True)
    files, arrays = encoded_mnist()
    written = {}
    for name, raw in files.items():
        if compressed:
            data = gzip.compress(raw)
            (folder / name).write_bytes(data)
        else:
            data = raw
            (folder / name[:-3]).write_bytes(data)
        written[name] = hashlib.md5(data).hexdigest()
    return written, arrays


# ---------------------------------------------------------------- read_idx

@pytest.mark.parametrize("type_byte", sorted(TYPE_CODES))
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_every_type(tmp_path, type_byte, compress):
    rng = np.random.default_rng(type_byte)
    dtype = TYPE_CODES[type_byte][1]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        expected = rng.integers(info.min, info.max, size=(2, 3, 4), endpoint=True).astype(dtype)
    else:
        expected = rng.standard_normal((2, 3, 4)).astype(dtype)
    raw = idx_bytes(expected.ravel().tolist(), expected.shape, type_byte)
    path = tmp_path / "array.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)

    got = read_idx(path)
    assert got.dtype == dtype
    assert got.dtype.isnative
    assert got.shape == (2, 3, 4)
    np.testing.assert_array_equal(got, expected)
    got[0, 0, 0] = 0                                   # a writable array, not a view of bytes


def test_read_idx_big_endian_byte_order(tmp_path):
    # 0x0102 as a big-endian short is 258; read little-endian it would be 513.
    path = tmp_path / "short.idx"
    path.write_bytes(bytes([0, 0, 0x0B, 1, 0, 0, 0, 1, 0x01, 0x02]))
    np.testing.assert_array_equal(read_idx(path), np.array([258], dtype=np.int16))


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    raw = idx_bytes([1, 2, 3], (3,))
    zipped_without_suffix = tmp_path / "labels-idx1-ubyte"
    plain_with_gz_suffix = tmp_path / "labels-idx1-ubyte.gz"
    zipped_without_suffix.write_bytes(gzip.compress(raw))
    plain_with_gz_suffix.write_bytes(raw)
    np.testing.assert_array_equal(read_idx(zipped_without_suffix), [1, 2, 3])
    np.testing.assert_array_equal(read_idx(plain_with_gz_suffix), [1, 2, 3])


def test_read_idx_empty_dimension(tmp_path):
    path = tmp_path / "empty.idx"
    path.write_bytes(idx_bytes([], (0, 28, 28)))
    got = read_idx(path)
    assert got.shape == (0, 28, 28) and got.dtype == np.uint8


@pytest.mark.parametrize("content, message", [
    (b"", "too short"),
    (b"\x00\x00", "too short"),
    (bytes([0, 1, 0x08, 1, 0, 0, 0, 1, 7]), "magic number 00010801"),
    (bytes([0x50, 0x4B, 3, 4]) + bytes(20), "not an IDX file"),         # a zip archive
    (bytes([0, 0, 0x0A, 1, 0, 0, 0, 1, 7]), "unknown IDX element type 0x0A"),
    (bytes([0, 0, 0x08, 0]), "0 dimensions"),
    (bytes([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0]), "truncated IDX header"),
    (bytes([0, 0, 0x08, 1, 0, 0, 0, 4, 1, 2, 3]), "truncated IDX data"),
    (bytes([0, 0, 0x0C, 1, 0, 0, 0, 1, 0, 0, 0]), "truncated IDX data"),   # 3 of 4 bytes
    (bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3]), "1 trailing bytes"),
])
def test_read_idx_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_truncated_data_inside_gzip(tmp_path):
    path = tmp_path / "short.gz"
    path.write_bytes(gzip.compress(idx_bytes([1, 2, 3], (3,))[:-1]))
    with pytest.raises(ValueError, match="truncated IDX data") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_read_idx_rejects_a_cut_off_gzip_stream(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(list(range(200)), (200,)))[:30])
    with pytest.raises(ValueError, match="corrupt gzip") as info:
        read_idx(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------- load_mnist

def check_loaded(result, arrays):
    X_train, y_train, X_test, y_test = result
    Xtr, ytr, Xte, yte = arrays
    assert X_train.shape == (N_TRAIN, 1, 28, 28) and X_test.shape == (N_TEST, 1, 28, 28)
    assert X_train.dtype == np.float64 and X_test.dtype == np.float64
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(X_train[:, 0], Xtr / 255.0)
    np.testing.assert_array_equal(X_test[:, 0], Xte / 255.0)
    assert X_train.min() == 0.0 and X_train.max() == 1.0
    np.testing.assert_array_equal(y_train, ytr)
    np.testing.assert_array_equal(y_test, yte)


def test_mnist_constants():
    assert list(MNIST_FILES) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert MNIST_FILES["train-images-idx3-ubyte.gz"] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"
    assert MNIST_FILES["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"
    assert all(len(md5) == 32 for md5 in MNIST_FILES.values())
    assert MNIST_MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert all(m.endswith("/") for m in MNIST_MIRRORS)


def test_load_mnist_from_gz_files(tmp_path):
    _, arrays = write_mnist_dir(tmp_path / "mnist")
    check_loaded(load_mnist(tmp_path, download=False), arrays)


def test_load_mnist_from_unzipped_files(tmp_path):
    _, arrays = write_mnist_dir(tmp_path / "mnist", compressed=False)
    check_loaded(load_mnist(tmp_path, download=False), arrays)


def test_load_mnist_from_a_mix_of_zipped_and_unzipped(tmp_path):
    folder = tmp_path / "mnist"
    _, arrays = write_mnist_dir(folder)
    raw = gzip.decompress((folder / "t10k-images-idx3-ubyte.gz").read_bytes())
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    (folder / "t10k-images-idx3-ubyte").write_bytes(raw)
    check_loaded(load_mnist(tmp_path, download=False), arrays)


def test_load_mnist_default_dir_comes_from_env(tmp_path, monkeypatch):
    _, arrays = write_mnist_dir(tmp_path / "mnist")
    monkeypatch.setenv("CNN_KIT_DATA", str(tmp_path))
    check_loaded(load_mnist(download=False), arrays)


def test_load_mnist_downloads_from_file_mirror(tmp_path):
    md5s, arrays = write_mnist_dir(tmp_path / "server")
    data_dir = tmp_path / "data"
    result = load_mnist(data_dir, mirrors=[(tmp_path / "server").as_uri() + "/"],
                        checksums=md5s)
    check_loaded(result, arrays)
    stored = sorted(p.name for p in (data_dir / "mnist").iterdir())
    assert stored == sorted(MNIST_FILES)
    for name, md5 in md5s.items():
        assert hashlib.md5((data_dir / "mnist" / name).read_bytes()).hexdigest() == md5


def test_load_mnist_downloads_only_the_missing_files(tmp_path):
    md5s, arrays = write_mnist_dir(tmp_path / "server")
    folder = tmp_path / "data" / "mnist"
    write_mnist_dir(folder, compressed=False)
    (folder / "train-labels-idx1-ubyte").unlink()
    server_without_others = tmp_path / "server2"
    server_without_others.mkdir()
    (server_without_others / "train-labels-idx1-ubyte.gz").write_bytes(
        (tmp_path / "server" / "train-labels-idx1-ubyte.gz").read_bytes())
    check_loaded(load_mnist(tmp_path / "data", mirrors=[server_without_others.as_uri() + "/"],
                            checksums=md5s), arrays)
    assert (folder / "train-labels-idx1-ubyte.gz").is_file()
    assert not (folder / "train-images-idx3-ubyte.gz").exists()


def test_load_mnist_without_download_reports_where_it_looked(tmp_path):
    with pytest.raises(DatasetUnavailable) as info:
        load_mnist(tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message
    for name in MNIST_FILES:
        assert name in message
    assert "download=True" in message and MNIST_MIRRORS[0] in message


def test_load_mnist_with_one_file_missing_names_only_that_file(tmp_path):
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetUnavailable, match="lacks t10k-labels-idx1-ubyte.gz \\(") as info:
        load_mnist(tmp_path, download=False)
    assert "train-images" not in str(info.value).splitlines()[0]


def test_load_mnist_wrong_checksum_is_unavailable_and_leaves_nothing(tmp_path):
    md5s, _ = write_mnist_dir(tmp_path / "server")
    wrong = dict(md5s, **{"train-images-idx3-ubyte.gz": "0" * 32})
    data_dir = tmp_path / "data"
    with pytest.raises(DatasetUnavailable, match="checksum mismatch") as info:
        load_mnist(data_dir, mirrors=[(tmp_path / "server").as_uri() + "/"], checksums=wrong)
    assert isinstance(info.value.__cause__, DownloadError)
    assert list((data_dir / "mnist").iterdir()) == []


def test_load_mnist_rejects_count_mismatch(tmp_path):
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes([1, 2, 3, 4], (4,))))
    with pytest.raises(ValueError, match="5 images but .* 4 labels"):
        load_mnist(tmp_path, download=False)


def test_load_mnist_rejects_images_of_the_wrong_size(tmp_path):
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes([0] * (3 * 32 * 32), (3, 32, 32))))
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\)"):
        load_mnist(tmp_path, download=False)


def test_load_mnist_rejects_labels_out_of_range(tmp_path):
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes([1, 2, 12], (3,))))
    with pytest.raises(ValueError, match="label 12 outside 0..9"):
        load_mnist(tmp_path, download=False)


# ---------------------------------------------------------------- load_digits with MNIST

def test_load_digits_mnist_takes_seeded_subsets(tmp_path):
    _, (Xtr, ytr, Xte, yte) = write_mnist_dir(tmp_path / "mnist")
    data = load_digits("mnist", n_train=4, n_test=2, data_dir=tmp_path, download=False, seed=3)
    assert data.name == "mnist"
    assert data.X_train.shape == (4, 1, 28, 28) and data.X_test.shape == (2, 1, 28, 28)
    assert data.y_train.dtype == np.int64 and data.X_train.dtype == np.float64
    # Every drawn image is a distinct source image carrying its own label.
    source = (Xtr / 255.0).reshape(N_TRAIN, -1)
    rows = [int(np.flatnonzero((source == x.ravel()).all(axis=1))[0]) for x in data.X_train]
    assert len(set(rows)) == 4
    np.testing.assert_array_equal(data.y_train, ytr[rows])
    again = load_digits("mnist", n_train=4, n_test=2, data_dir=tmp_path, download=False, seed=3)
    np.testing.assert_array_equal(again.X_train, data.X_train)
    np.testing.assert_array_equal(again.y_test, data.y_test)
    assert "MNIST" in data.description and str(tmp_path / "mnist") in data.description
    assert "4 train / 2 test" in data.description


def test_load_digits_auto_prefers_mnist_when_present(tmp_path):
    write_mnist_dir(tmp_path / "mnist")
    data = load_digits("auto", n_train=5, n_test=3, data_dir=tmp_path, download=False)
    assert data.name == "mnist"
    assert data.description.startswith("MNIST from")


def test_load_digits_auto_downloads_mnist_when_allowed(tmp_path):
    md5s, _ = write_mnist_dir(tmp_path / "server")
    data = load_digits("auto", n_train=5, n_test=3, data_dir=tmp_path / "data",
                       mirrors=[(tmp_path / "server").as_uri() + "/"], checksums=md5s)
    assert data.name == "mnist"
    assert (tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_load_digits_auto_falls_back_when_nothing_on_disk(tmp_path):
    data = load_digits("auto", n_train=20, n_test=10, data_dir=tmp_path, download=False)
    assert data.name == "synthetic"
    assert data.X_train.shape == (20, 1, 28, 28) and data.y_test.shape == (10,)
    assert data.description.startswith("generated digits")
    assert "MNIST not found" in data.description
    assert str(tmp_path / "mnist") in data.description
    assert "\n" not in data.description


def test_load_digits_auto_falls_back_when_every_mirror_fails(tmp_path):
    (tmp_path / "empty").mkdir()
    mirror = (tmp_path / "empty").as_uri() + "/"
    data = load_digits("auto", n_train=20, n_test=10, data_dir=tmp_path / "data",
                       mirrors=[mirror])
    assert data.name == "synthetic"
    assert "no mirror delivered it" in data.description
    assert mirror + "train-images-idx3-ubyte.gz" in data.description


def test_load_digits_auto_falls_back_on_a_corrupt_file(tmp_path):
    folder = tmp_path / "mnist"
    write_mnist_dir(folder)
    (folder / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8bnot really gzip")
    data = load_digits("auto", n_train=20, n_test=10, data_dir=tmp_path, download=False)
    assert data.name == "synthetic"
    assert "corrupt gzip" in data.description
    assert "train-images-idx3-ubyte.gz" in data.description


def test_load_digits_mnist_when_missing_raises(tmp_path):
    with pytest.raises(DatasetUnavailable):
        load_digits("mnist", data_dir=tmp_path, download=False)


def test_load_digits_mnist_refuses_other_shapes(tmp_path):
    write_mnist_dir(tmp_path / "mnist")
    with pytest.raises(ValueError, match="MNIST images are"):
        load_digits("mnist", image_shape=(3, 32, 32), data_dir=tmp_path, download=False)


def test_load_digits_auto_uses_synthetic_for_other_shapes(tmp_path):
    write_mnist_dir(tmp_path / "mnist")
    data = load_digits("auto", n_train=20, n_test=10, image_shape=(3, 32, 32),
                       data_dir=tmp_path, download=False)
    assert data.name == "synthetic"
    assert data.X_train.shape == (20, 3, 32, 32)
    assert "MNIST has no (3, 32, 32) images" in data.description


@pytest.mark.parametrize("source", ["mnist", "auto"])
def test_load_digits_mnist_asking_for_too_many_images(tmp_path, source):
    # A request error, not a reason for "auto" to fall back silently.
    write_mnist_dir(tmp_path / "mnist")
    with pytest.raises(ValueError, match="asked for 4 MNIST test images, only 3 exist"):
        load_digits(source, n_train=5, n_test=4, data_dir=tmp_path, download=False)
