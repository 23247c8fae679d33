"""Generated segmentation data: filled circles and squares on a noisy background.

Each image holds 1 to 3 shapes, each a filled circle or an axis-aligned filled square of
random size, position and brightness, on a background of random brightness, plus Gaussian
noise. The shapes are placed so that their bounding boxes stay at least one pixel apart
(so no two shapes touch), which makes every shape one connected region of its mask.
Circle and square differ only in outline, not in brightness: a model must look at shape
to tell them apart, which is what the U-Net's receptive field is for.

Usage::

    X, masks = make_shapes(200, size=32)         # (200, 1, 32, 32) float64, (200, 32, 32) int64
    masks.max()                                  # 2: 0 background, 1 circle, 2 square
    mean_iou(pred, masks, n_classes=3)           # pred: (200, 32, 32) labels
"""
from __future__ import annotations

import numpy as np

__all__ = ["BACKGROUND", "CIRCLE", "SQUARE", "CLASS_NAMES", "make_shapes", "mean_iou"]

BACKGROUND, CIRCLE, SQUARE = 0, 1, 2
#: Class names by label for ``classes=3``; with ``classes=2`` label 1 means "shape".
CLASS_NAMES = ("background", "circle", "square")

_MIN_SIZE, _MAX_SIZE = 16, 64
_MAX_SHAPES = 3
_PLACEMENT_TRIES = 30      # per extra shape; a shape that finds no free spot is left out


def make_shapes(n, size=64, seed=0, classes=3, noise=0.1):
    """Generate ``n`` grey images of circles and squares with their segmentation masks.

    Parameters
    ----------
    n : int
        Number of images (0 is allowed).
    size : int
        Height = width of the images, 16..64. Shape radii (half side lengths for squares)
        are drawn from about ``[0.1, 0.2] * size``, at least 2.5 pixels, so even 16x16
        circles and squares differ in outline.
    seed : int or np.random.SeedSequence
        Seeds a private ``np.random.default_rng``; the global random state is never touched,
        and the same arguments give the same images.
    classes : {3, 2}
        3: mask 0 = background, 1 = circle, 2 = square. 2: mask 0 = background, 1 = any shape
        (the images are the same as with ``classes=3``).
    noise : float
        Standard deviation of the additive Gaussian pixel noise (>= 0); values are clipped
        to [0, 1] afterwards.

    Returns
    -------
    X : np.ndarray, shape (n, 1, size, size), float64 in [0, 1]
        Background brightness in [0, 0.3], each shape brighter by 0.35..0.7.
    masks : np.ndarray, shape (n, size, size), int64 in 0..classes-1
        The label of every pixel, exactly the pixels each shape was drawn on.
    """
    n = _check_int(n, "n", low=0)
    size = _check_int(size, "size", low=_MIN_SIZE, high=_MAX_SIZE)
    if classes not in (2, 3):
        raise ValueError(f"classes must be 2 or 3, got {classes!r}")
    noise = float(noise)
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")

    rng = np.random.default_rng(seed)
    X = np.empty((n, 1, size, size))
    masks = np.zeros((n, size, size), dtype=np.int64)
    rows, cols = np.ogrid[:size, :size]
    r_min = max(2.5, 0.1 * size)
    r_max = max(r_min + 1.0, 0.2 * size)
    for k in range(n):
        background = rng.uniform(0.0, 0.3)
        image = np.full((size, size), background)
        boxes = []                              # (top, left, bottom, right), inclusive
        for _ in range(rng.integers(1, _MAX_SHAPES + 1)):
            kind = CIRCLE if rng.random() < 0.5 else SQUARE
            for _try in range(_PLACEMENT_TRIES):
                r = rng.uniform(r_min, r_max)
                cy, cx = rng.uniform(r, size - 1 - r, size=2)
                box = _bounding_box(kind, cy, cx, r)
                # One free pixel between boxes keeps every shape its own connected region.
                if all(_apart(box, other) for other in boxes):
                    break
            else:
                continue                        # crowded image: fewer shapes
            boxes.append(box)
            if kind == CIRCLE:
                inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= r * r
            else:
                top, left, bottom, right = box
                inside = (rows >= top) & (rows <= bottom) & (cols >= left) & (cols <= right)
            image[inside] = background + rng.uniform(0.35, 0.7)
            masks[k][inside] = kind if classes == 3 else 1
        X[k, 0] = image
    if noise > 0:
        # Drawn after all shapes, so the noise level changes nothing but the noise.
        X += rng.normal(0.0, noise, size=X.shape)
    np.clip(X, 0.0, 1.0, out=X)
    return X, masks


def _bounding_box(kind, cy, cx, r):
    """Inclusive pixel bounds of the shape centred at (cy, cx) with radius / half side r."""
    if kind == CIRCLE:
        # Pixels (i, j) with (i - cy)^2 + (j - cx)^2 <= r^2 lie within these bounds.
        return (int(np.ceil(cy - r)), int(np.ceil(cx - r)),
                int(np.floor(cy + r)), int(np.floor(cx + r)))
    # A square covers whole pixels: side 2 * round(r) + 1 centred on the nearest pixel.
    h = int(round(r))
    i, j = int(round(cy)), int(round(cx))
    return (i - h, j - h, i + h, j + h)


def _apart(a, b):
    """True when boxes a and b have at least one pixel of space between them."""
    return a[2] + 1 < b[0] or b[2] + 1 < a[0] or a[3] + 1 < b[1] or b[3] + 1 < a[1]


def mean_iou(pred, masks, n_classes) -> float:
    """Mean intersection over union of label maps, pooled over all images.

    For each class c in 0..n_classes-1 that occurs in ``pred`` or in ``masks``::

        IoU_c = |pred == c  and  masks == c| / |pred == c  or  masks == c|

    counted over every pixel of every image; the result is the mean of these IoUs.
    Classes absent from both are left out (they have no union), so a perfect prediction
    scores 1.0 whatever classes appear. The background counts as a class.

    Parameters
    ----------
    pred : array of int, shape (N, H, W) (or any shape equal to masks')
        Predicted labels, e.g. ``logits.argmax(axis=1)``.
    masks : array of int, same shape
        True labels.
    n_classes : int
        Labels must lie in 0..n_classes-1.

    Returns
    -------
    float in [0, 1]

    Raises
    ------
    ValueError
        Different shapes, no pixels, non-integer labels or labels out of range.
    """
    pred = np.asarray(pred)
    masks = np.asarray(masks)
    n_classes = _check_int(n_classes, "n_classes", low=1)
    if pred.shape != masks.shape:
        raise ValueError(f"pred has shape {pred.shape} but masks has shape {masks.shape}")
    if pred.size == 0:
        raise ValueError("mean_iou needs at least one pixel")
    for name, labels in (("pred", pred), ("masks", masks)):
        if not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
            raise ValueError(f"{name} must hold integer labels, got dtype {labels.dtype}")
        low, high = int(labels.min()), int(labels.max())
        if low < 0 or high >= n_classes:
            raise ValueError(f"{name} has labels in {low}..{high}, outside 0..{n_classes - 1}")
    pred = pred.astype(np.int64).ravel()
    masks = masks.astype(np.int64).ravel()
    # One pass: the joint histogram of (truth, prediction) is the confusion matrix.
    confusion = np.bincount(masks * n_classes + pred, minlength=n_classes * n_classes)
    confusion = confusion.reshape(n_classes, n_classes)
    intersection = np.diag(confusion)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    present = union > 0
    return float(np.mean(intersection[present] / union[present]))


def _check_int(value, name, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"in {low}..{high}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return value
