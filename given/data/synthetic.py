"""Generated digits: a 10-class stand-in for MNIST when the real files are not available.

Each image is a digit from a 5x7 bitmap font, enlarged by a random integer factor per axis,
placed near the centre with a random shift, drawn with a random stroke intensity (and, for
colour images, a random tint), softened by a small blur, plus Gaussian noise, clipped to
[0, 1]. The classes are as easy to tell
apart as the font's glyphs, so small models learn them quickly, yet no two images are alike.

Usage::

    X, y = make_digits(1000)                          # (1000, 1, 28, 28) float64, (1000,) int64
    X, y = make_digits(500, image_shape=(3, 32, 32))  # tinted colour digits
"""
from __future__ import annotations

import numpy as np

__all__ = ["FONT", "make_digits"]

_GLYPHS = {
    0: (" ### ",
        "#   #",
        "#  ##",
        "# # #",
        "##  #",
        "#   #",
        " ### "),
    1: ("  #  ",
        " ##  ",
        "  #  ",
        "  #  ",
        "  #  ",
        "  #  ",
        "#####"),
    2: (" ### ",
        "#   #",
        "    #",
        "   # ",
        "  #  ",
        " #   ",
        "#####"),
    3: ("#####",
        "   # ",
        "  #  ",
        "   # ",
        "    #",
        "#   #",
        " ### "),
    4: ("   # ",
        "  ## ",
        " # # ",
        "#  # ",
        "#####",
        "   # ",
        "   # "),
    5: ("#####",
        "#    ",
        "#### ",
        "    #",
        "    #",
        "#   #",
        " ### "),
    6: ("  ## ",
        " #   ",
        "#    ",
        "#### ",
        "#   #",
        "#   #",
        " ### "),
    7: ("#####",
        "    #",
        "   # ",
        "  #  ",
        " #   ",
        " #   ",
        " #   "),
    8: (" ### ",
        "#   #",
        "#   #",
        " ### ",
        "#   #",
        "#   #",
        " ### "),
    9: (" ### ",
        "#   #",
        "#   #",
        " ####",
        "    #",
        "   # ",
        " ##  "),
}

#: The font as a (10, 7, 5) float64 array of 0/1 pixels, FONT[d] drawing digit d.
FONT = np.array(
    [[[ch == "#" for ch in row] for row in _GLYPHS[d]] for d in range(10)], dtype=np.float64
)
_GLYPH_H, _GLYPH_W = FONT.shape[1:]


def make_digits(n, image_shape=(1, 28, 28), seed=0, noise=0.1):
    """Generate ``n`` labelled digit images.

    Parameters
    ----------
    n : int
        Number of images; each class gets ``n // 10``, the first ``n % 10`` classes one more.
    image_shape : tuple of int
        ``(C, H, W)`` with C = 1 (grey) or 3 (colour, tinted per image); H >= 7 and W >= 5.
    seed : int or np.random.SeedSequence
        Seeds a private ``np.random.default_rng``; the global random state is never touched,
        and the same seed gives the same images.
    noise : float
        Standard deviation of the additive Gaussian pixel noise.

    Returns
    -------
    X : np.ndarray, shape (n, C, H, W), float64 in [0, 1]
    y : np.ndarray, shape (n,), int64 in 0..9
        Shuffled, so classes are interleaved.
    """
    C, H, W = _check_shape(image_shape)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n, rng)
    X = np.empty((n, C, H, W), dtype=np.float64)
    zooms = _zoom_range(H, W)
    for i, digit in enumerate(y):
        X[i] = _render(digit, (C, H, W), zooms, rng)
    X += noise * rng.standard_normal(X.shape)
    np.clip(X, 0.0, 1.0, out=X)
    return X, y


def _check_shape(image_shape):
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (C, H, W), got {image_shape}")
    C, H, W = (int(s) for s in image_shape)
    if C not in (1, 3):
        raise ValueError(f"image_shape needs 1 or 3 channels, got {C}")
    if H < _GLYPH_H or W < _GLYPH_W:
        raise ValueError(f"images must be at least {_GLYPH_H}x{_GLYPH_W}, got {H}x{W}")
    return C, H, W


def _balanced_labels(n, rng):
    y = np.repeat(np.arange(10, dtype=np.int64), n // 10)
    y = np.concatenate([y, np.arange(n % 10, dtype=np.int64)])
    return rng.permutation(y)


def _zoom_range(H, W):
    """Integer zoom factors (low, high) per axis: the glyph fills about half to 80 % of the side.

    Too small and the strokes drown in the noise; too large and shifting has no room left.
    """
    ranges = []
    for side, glyph in ((H, _GLYPH_H), (W, _GLYPH_W)):
        high = max(1, int(0.8 * side) // glyph)
        low = max(1, min(high, round(0.5 * side / glyph)))
        ranges.append((low, high))
    return ranges


def _render(digit, shape, zooms, rng):
    """One noiseless image of ``digit``: zoomed glyph at a random place, random intensity."""
    C, H, W = shape
    (zy_lo, zy_hi), (zx_lo, zx_hi) = zooms
    zy = int(rng.integers(zy_lo, zy_hi + 1))
    zx = int(rng.integers(zx_lo, zx_hi + 1))
    glyph = np.kron(FONT[digit], np.ones((zy, zx)))
    gh, gw = glyph.shape
    top = _jittered_offset(H, gh, rng)
    left = _jittered_offset(W, gw, rng)
    intensity = rng.uniform(0.6, 1.0)
    canvas = np.zeros((H, W))
    canvas[top:top + gh, left:left + gw] = intensity * glyph
    canvas = _soften(canvas)
    if C == 1:
        return canvas[None]
    # A tint whose brightest channel is 1 keeps the digit visible whatever the colour.
    tint = rng.uniform(0.3, 1.0, size=3)
    tint /= tint.max()
    return tint[:, None, None] * canvas[None]


def _jittered_offset(side, size, rng):
    """Start index placing ``size`` pixels near the centre of ``side``, give or take ~7 %.

    MNIST digits are centred too; shifting them anywhere would make a class's images share
    few pixels, and simple (linear, nearest-centroid) models could no longer learn them.
    """
    centre = (side - size) / 2
    jitter = max(1, round(side / 14))
    # A two-pixel margin, where there is room, keeps the blurred edge off the border
    # (MNIST leaves four).
    margin = min(2, (side - size) // 2)
    low = max(margin, int(np.floor(centre)) - jitter)
    high = min(side - size - margin, int(np.ceil(centre)) + jitter)
    return int(rng.integers(low, high + 1))


def _soften(canvas):
    """Blur with the [1, 2, 1] / 4 kernel along each axis: anti-aliased edges like MNIST's.

    Soft edges also let slightly shifted copies of a digit overlap, which is what makes the
    classes learnable by models without translation invariance.
    """
    padded = np.pad(canvas, 1)
    rows = 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:]
    return 0.25 * rows[:, :-2] + 0.5 * rows[:, 1:-1] + 0.25 * rows[:, 2:]
