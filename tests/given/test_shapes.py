"""given.data.shapes: the circles-and-squares generator and mean IoU."""
from collections import deque

import numpy as np
import pytest

from given.data.shapes import BACKGROUND, CIRCLE, SQUARE, make_shapes, mean_iou


def components(mask):
    """4-connected regions of the non-zero pixels: a list of (label, [(row, col), ...])."""
    seen = np.zeros(mask.shape, dtype=bool)
    found = []
    for start in zip(*np.nonzero(mask)):
        if seen[start]:
            continue
        label, pixels, queue = mask[start], [], deque([start])
        seen[start] = True
        while queue:
            r, c = queue.popleft()
            pixels.append((r, c))
            for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                if 0 <= nr < mask.shape[0] and 0 <= nc < mask.shape[1] \
                        and not seen[nr, nc] and mask[nr, nc] != 0:
                    assert mask[nr, nc] == label, "two shapes touch"
                    seen[nr, nc] = True
                    queue.append((nr, nc))
        found.append((int(label), pixels))
    return found


# --------------------------------------------------------------------------- generator

@pytest.mark.parametrize("size", [16, 24, 32, 64])
def test_shapes_dtypes_ranges_and_labels(size):
    X, masks = make_shapes(40, size=size, seed=3)
    assert X.shape == (40, 1, size, size) and X.dtype == np.float64
    assert masks.shape == (40, size, size) and masks.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert set(np.unique(masks)) == {BACKGROUND, CIRCLE, SQUARE}   # 40 images: all occur
    counts = [len(components(m)) for m in masks]
    assert min(counts) >= 1 and max(counts) <= 3
    assert len(set(counts)) > 1                                    # not always the same number


def test_same_seed_same_data_other_seed_other_data():
    X1, m1 = make_shapes(10, size=32, seed=7)
    X2, m2 = make_shapes(10, size=32, seed=7)
    X3, m3 = make_shapes(10, size=32, seed=8)
    assert np.array_equal(X1, X2) and np.array_equal(m1, m2)
    assert not np.array_equal(m1, m3)


def test_the_global_random_state_is_untouched():
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    make_shapes(5, size=16, seed=0)
    assert np.random.rand() == expected


def test_masks_mark_exactly_the_drawn_shapes():
    # Without noise an image is piecewise constant: one background value, one per shape.
    X, masks = make_shapes(30, size=32, seed=1, noise=0.0)
    for image, mask in zip(X[:, 0], masks):
        background = image[mask == BACKGROUND]
        assert np.ptp(background) == 0.0
        for label, pixels in components(mask):
            rows, cols = np.array(pixels).T
            values = image[rows, cols]
            assert np.ptp(values) == 0.0                    # one brightness per shape
            assert values[0] >= background[0] + 0.35 - 1e-12  # brighter than the background
            height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
            fill = len(pixels) / (height * width)
            assert abs(height - width) <= 1
            if label == SQUARE:
                assert height == width and fill == 1.0      # a filled axis-aligned square
            else:
                assert label == CIRCLE
                assert 0.6 < fill < 0.9                      # about pi/4 of its bounding box
                assert height >= 5                           # radius >= 2.5 pixels


def test_shapes_have_one_pixel_of_space_between_them():
    _, masks = make_shapes(50, size=24, seed=2, noise=0.0)
    for mask in masks:
        boxes = []
        for _, pixels in components(mask):
            rows, cols = np.array(pixels).T
            boxes.append((rows.min(), cols.min(), rows.max(), cols.max()))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] + 1 < b[0] or b[2] + 1 < a[0] or a[3] + 1 < b[1] or b[3] + 1 < a[1]


def test_two_classes_merge_circles_and_squares_into_one_label():
    X3, m3 = make_shapes(12, size=32, seed=4)
    X2, m2 = make_shapes(12, size=32, seed=4, classes=2)
    assert np.array_equal(X2, X3)
    assert np.array_equal(m2, (m3 > 0).astype(np.int64))


def test_noise_level_is_the_standard_deviation_of_the_background():
    X0, masks = make_shapes(20, size=64, seed=5, noise=0.0)
    X1, masks1 = make_shapes(20, size=64, seed=5, noise=0.05)
    assert np.array_equal(masks, masks1)
    # The noise is drawn after all shapes, so only the noise differs; clipping at 0 and 1
    # is rare at this level.
    diff = (X1 - X0)[:, 0][masks == BACKGROUND]
    assert abs(diff.std() - 0.05) < 0.005


@pytest.mark.parametrize("kwargs", [dict(size=15), dict(size=65), dict(classes=4),
                                    dict(noise=-0.1), dict(n=-1), dict(size=32.0)])
def test_bad_arguments_are_refused(kwargs):
    args = dict(n=2, size=32)
    args.update(kwargs)
    with pytest.raises(ValueError):
        make_shapes(**args)


def test_zero_images():
    X, masks = make_shapes(0, size=16)
    assert X.shape == (0, 1, 16, 16) and masks.shape == (0, 16, 16)


# --------------------------------------------------------------------------- mean IoU

def test_mean_iou_hand_made_case():
    truth = np.array([[0, 0, 1, 1],
                      [0, 0, 1, 1],
                      [2, 2, 0, 0],
                      [2, 2, 0, 0]])
    pred = np.array([[0, 0, 1, 0],
                     [0, 0, 1, 1],
                     [2, 2, 2, 0],
                     [0, 2, 0, 0]])
    # background: |∩| = 7 of |∪| = 8 + 9 - 7 = 10; circle: 3 of 4; square: 3 of 5.
    expected = (7 / 10 + 3 / 4 + 3 / 5) / 3
    assert mean_iou(pred[None], truth[None], 3) == pytest.approx(expected, abs=1e-15)


def test_mean_iou_perfect_and_disjoint():
    masks = make_shapes(4, size=16, seed=0)[1]
    assert mean_iou(masks, masks, 3) == 1.0
    assert mean_iou(np.zeros((2, 3), dtype=int), np.ones((2, 3), dtype=int), 2) == 0.0


def test_mean_iou_skips_classes_absent_from_both():
    truth = np.array([[0, 1], [1, 1]])
    pred = np.array([[0, 1], [1, 0]])
    # class 2 appears nowhere: the mean is over background (1/2) and circle (2/3) only.
    assert mean_iou(pred, truth, 3) == pytest.approx((1 / 2 + 2 / 3) / 2)


def test_mean_iou_pools_pixels_over_images():
    truth = np.array([[[1, 1]], [[0, 0]]])
    pred = np.array([[[1, 0]], [[0, 0]]])
    # pooled: class 1: 1 of 2; class 0: 2 of 3. (A per-image mean would differ.)
    assert mean_iou(pred, truth, 2) == pytest.approx((1 / 2 + 2 / 3) / 2)


@pytest.mark.parametrize("pred, truth, n", [
    (np.zeros((2, 2), int), np.zeros((2, 3), int), 2),      # shapes differ
    (np.zeros((2, 2)), np.zeros((2, 2), int), 2),           # float labels
    (np.full((2, 2), 3), np.zeros((2, 2), int), 3),         # label out of range
    (np.zeros((0,), int), np.zeros((0,), int), 2),          # no pixels
])
def test_mean_iou_refuses_bad_input(pred, truth, n):
    with pytest.raises(ValueError):
        mean_iou(pred, truth, n)
