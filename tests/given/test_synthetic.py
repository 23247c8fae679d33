"""given.data.synthetic.make_digits and load_digits("synthetic"): shapes, balance, determinism,
and that the classes are learnable yet the images are not copies of each other."""
import numpy as np
import pytest

from given.data.datasets import Dataset, load_digits
from given.data.synthetic import FONT, make_digits
from grader.suites.oracles import cross_entropy

SHAPES = [(1, 28, 28), (3, 32, 32)]


def nearest_centroid_accuracy(X_train, y_train, X_test, y_test):
    Xtr = X_train.reshape(len(X_train), -1)
    Xte = X_test.reshape(len(X_test), -1)
    centroids = np.stack([Xtr[y_train == k].mean(axis=0) for k in range(10)])
    dist = ((Xte[:, None, :] - centroids[None]) ** 2).sum(axis=-1)
    return float((dist.argmin(axis=1) == y_test).mean())


def softmax_regression_accuracy(X_train, y_train, X_test, y_test, steps=200, lr=0.5):
    Xtr = X_train.reshape(len(X_train), -1)
    Xte = X_test.reshape(len(X_test), -1)
    W = np.zeros((Xtr.shape[1], 10))
    b = np.zeros(10)
    for _ in range(steps):
        _, dscores = cross_entropy(Xtr @ W + b, y_train)      # (softmax - onehot) / N
        W -= lr * Xtr.T @ dscores
        b -= lr * dscores.sum(axis=0)
    return float(((Xte @ W + b).argmax(axis=1) == y_test).mean())


def test_font_has_ten_distinct_glyphs():
    assert FONT.shape == (10, 7, 5)
    assert set(np.unique(FONT)) == {0.0, 1.0}
    flat = FONT.reshape(10, -1)
    assert len(np.unique(flat, axis=0)) == 10


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_dtypes_and_range(shape):
    X, y = make_digits(50, image_shape=shape, seed=1)
    assert X.shape == (50, *shape) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert set(np.unique(y)) == set(range(10))


def test_classes_are_balanced_with_the_remainder_spread():
    _, y = make_digits(1003, seed=0)
    counts = np.bincount(y, minlength=10)
    assert counts.sum() == 1003
    assert counts.max() - counts.min() == 1
    assert sorted(counts.tolist()) == [100] * 7 + [101] * 3


def test_labels_are_shuffled():
    _, y = make_digits(100, seed=0)
    assert not np.all(np.diff(y) >= 0)


def test_zero_images():
    X, y = make_digits(0)
    assert X.shape == (0, 1, 28, 28) and y.shape == (0,)


def test_same_seed_same_data_other_seed_other_data():
    X1, y1 = make_digits(40, seed=7)
    X2, y2 = make_digits(40, seed=7)
    X3, _ = make_digits(40, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_global_random_state_is_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    make_digits(30, image_shape=(3, 32, 32), seed=0)
    after = np.random.get_state()[1]
    np.testing.assert_array_equal(before, after)
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    make_digits(30)
    assert np.random.rand() == expected


@pytest.mark.parametrize("shape", SHAPES)
def test_no_two_images_are_identical(shape):
    X, _ = make_digits(500, image_shape=shape, seed=0)
    assert len(np.unique(X.reshape(500, -1), axis=0)) == 500


def test_images_vary_beyond_noise():
    # Without noise, variation must still come from zoom, shift and intensity.
    X, y = make_digits(200, seed=0, noise=0.0)
    ones = X[y == 1].reshape(-1, 28 * 28)
    assert len(np.unique(ones, axis=0)) > len(ones) // 2
    assert len(np.unique(ones.max(axis=1).round(6))) > 5          # random stroke intensity


def test_noiseless_background_is_black_and_digit_is_bright():
    X, _ = make_digits(100, seed=0, noise=0.0)
    assert np.all(X[:, :, 0, :] == 0.0) and np.all(X[:, :, :, 0] == 0.0)   # borders
    assert X.reshape(100, -1).max(axis=1).min() > 0.4


def test_noise_level_controls_background_spread():
    quiet, _ = make_digits(200, seed=0, noise=0.02)
    loud, _ = make_digits(200, seed=0, noise=0.2)
    corner = (slice(None), 0, slice(0, 3), slice(0, 3))        # always background
    assert quiet[corner].std() < 0.02 < loud[corner].std()


def test_colour_images_have_per_image_tints():
    X, _ = make_digits(100, image_shape=(3, 32, 32), seed=0, noise=0.0)
    channel_means = X.mean(axis=(2, 3))                       # (100, 3)
    ratios = channel_means / channel_means.max(axis=1, keepdims=True)
    assert np.allclose(ratios.max(axis=1), 1.0)
    assert ratios.min(axis=1).std() > 0.1                     # tints differ between images
    assert (ratios.min(axis=1) < 0.9).mean() > 0.5            # and are not grey


@pytest.mark.parametrize("shape", SHAPES)
def test_nearest_centroid_learns_well_above_chance(shape):
    X_train, y_train = make_digits(1000, image_shape=shape, seed=0)
    X_test, y_test = make_digits(500, image_shape=shape, seed=1)
    assert nearest_centroid_accuracy(X_train, y_train, X_test, y_test) > 0.6


def test_softmax_regression_learns_grey_digits():
    X_train, y_train = make_digits(1000, seed=0)
    X_test, y_test = make_digits(500, seed=1)
    assert softmax_regression_accuracy(X_train, y_train, X_test, y_test) > 0.85


@pytest.mark.parametrize("kwargs, message", [
    (dict(image_shape=(2, 28, 28)), "1 or 3 channels"),
    (dict(image_shape=(1, 6, 28)), "at least 7x5"),
    (dict(image_shape=(28, 28)), r"\(C, H, W\)"),
    (dict(noise=-0.1), "noise"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_digits(10, **kwargs)


def test_negative_n_is_rejected():
    with pytest.raises(ValueError, match="n must be"):
        make_digits(-1)


def test_smallest_images_still_fit():
    X, y = make_digits(20, image_shape=(1, 7, 5), seed=0)
    assert X.shape == (20, 1, 7, 5)


# ---------------------------------------------------------------- load_digits("synthetic")

def test_load_digits_synthetic(tmp_path):
    data = load_digits("synthetic", n_train=100, n_test=30, data_dir=tmp_path, seed=2)
    assert isinstance(data, Dataset)
    assert data.name == "synthetic"
    assert data.X_train.shape == (100, 1, 28, 28) and data.X_test.shape == (30, 1, 28, 28)
    assert data.image_shape == (1, 28, 28) and data.num_classes == 10
    assert np.bincount(data.y_train).tolist() == [10] * 10
    assert data.description.startswith("generated digits")
    assert "100 train / 30 test" in data.description
    assert list(tmp_path.iterdir()) == []                     # never touched the disk


def test_load_digits_synthetic_train_and_test_differ_and_are_seeded():
    a = load_digits("synthetic", n_train=50, n_test=50, seed=0)
    b = load_digits("synthetic", n_train=50, n_test=50, seed=0)
    c = load_digits("synthetic", n_train=50, n_test=50, seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.X_test, b.X_test)
    assert not np.array_equal(a.X_train, a.X_test)
    assert not np.array_equal(a.X_train, c.X_train)
    # A neighbouring seed must not reuse the other split's images.
    assert not np.array_equal(c.X_train, a.X_test)


def test_load_digits_synthetic_colour():
    data = load_digits("synthetic", n_train=20, n_test=10, image_shape=(3, 32, 32))
    assert data.X_train.shape == (20, 3, 32, 32)
    assert "(3, 32, 32)" in data.description


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="cifar"), "source must be one of"),
    (dict(source="synthetic", n_train=-1), "n_train"),
    (dict(source="synthetic", n_test=2.5), "n_test"),
])
def test_load_digits_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_digits(**kwargs)
