"""Known mistakes of test_m6_upsample.py (Upsample nearest and bilinear, forward and
backward): each computes what that mistake returns on the check's inputs; its hint is the
entry of the same key in hints/m6_upsample.py.

The bilinear ones are built like the suite's oracle, one axis at a time: a (n_in·s, n_in)
matrix of blend weights per axis, with the wrong source coordinate, rounding, weights or
accumulation written into it exactly as the mistaken code would."""
import numpy as np

from . import mistake

NEAREST = "docs/module6.md#upsample-nearest"
BILINEAR = "docs/module6.md#upsample-bilinear"


# -- nearest: forward --------------------------------------------------------------------
@mistake("m6.upsample.nearest", "out", doc=NEAREST)
def nearest_tile(x, s):
    """np.tile: the whole image repeated side by side, not each pixel s times."""
    return np.tile(x, (1, 1, s, s))


@mistake("m6.upsample.nearest", "out", doc=NEAREST)
def nearest_repeat_wrong_axes(x, s):
    """Repeated along axes 1 and 2 (as if the layout were NHWC): C and H grow, W does not."""
    return x.repeat(s, axis=1).repeat(s, axis=2)


# -- nearest: backward -------------------------------------------------------------------
@mistake("m6.upsample.nearest", "dx", doc=NEAREST)
def nearest_dx_one_pixel(dout, s):
    """dout subsampled (dout[:, :, ::s, ::s]): one output pixel per block, not their sum."""
    return dout[:, :, ::s, ::s]


@mistake("m6.upsample.nearest", "dx", doc=NEAREST)
def nearest_dx_overwritten(dout, s):
    """dx[i // s, j // s] = dout[i, j] in a loop over the outputs: each copy overwrites the
    previous one, so the block's last pixel is all that is left."""
    return dout[:, :, s - 1::s, s - 1::s]


@mistake("m6.upsample.nearest", "dx", doc=NEAREST)
def nearest_dx_mean(dout, s):
    """The mean of each s×s block instead of its sum."""
    N, C, Hs, Ws = dout.shape
    return dout.reshape(N, C, Hs // s, s, Ws // s, s).mean(axis=(3, 5))


@mistake("m6.upsample.nearest", "dx", doc=NEAREST)
def nearest_dx_wrong_reshape(dout, s):
    """dout reshaped to (N, C, s, H, s, W): the sums gather pixels s·H apart, which are
    not the copies of one input pixel."""
    N, C, Hs, Ws = dout.shape
    return dout.reshape(N, C, s, Hs // s, s, Ws // s).sum(axis=(2, 4))


# -- bilinear: the weights of one axis, as each mistake builds them ----------------------
def _weights(n_in, s, src, i0, swap=False, assign=False, first_only=False):
    """Row i blends x[i0] and x[i1], i1 = min(i0 + 1, n_in − 1), with t = src − i0 on i1
    (on i0 when `swap`); `assign` writes the weights with = (the second overwrites the
    first where i0 == i1); `first_only` drops the i1 term. A negative i0 wraps, as numpy's
    indexing does."""
    A = np.zeros((n_in * s, n_in))
    for i in range(n_in * s):
        t = src[i] - i0[i]
        i1 = min(i0[i] + 1, n_in - 1)
        w0, w1 = (t, 1.0 - t) if swap else (1.0 - t, t)
        if assign:
            A[i, i0[i]] = w0
            A[i, i1] = w1
        else:
            A[i, i0[i]] += w0
            if not first_only:
                A[i, i1] += w1
    return A


def _half_pixel(n_in, s, clamp=True):
    src = (np.arange(n_in * s) + 0.5) / s - 0.5
    return np.maximum(src, 0.0) if clamp else src


def _floor(src):
    return np.floor(src).astype(int)


def _up(x, Ah, Aw):
    return np.einsum("ia,ncab,jb->ncij", Ah, x, Aw)


def _down(dout, Ah, Aw):
    """The adjoint of _up: what a backward built on these weights returns."""
    return np.einsum("ia,ncij,jb->ncab", Ah, dout, Aw)


def _forward(x, s, weights):
    return _up(x, weights(x.shape[2], s), weights(x.shape[3], s))


# -- bilinear: forward -------------------------------------------------------------------
@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_align_corners(x, s):
    """align_corners=True: src = i·(H − 1)/(H·s − 1), the corners aligned, not the centres."""
    def weights(n_in, s):
        n_out = n_in * s
        src = np.arange(n_out) * (n_in - 1) / (n_out - 1) if n_in > 1 else np.zeros(n_out)
        return _weights(n_in, s, src, _floor(src))
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_no_half_pixel(x, s):
    """src = i / s: the pixels' corners aligned instead of their centres."""
    def weights(n_in, s):
        src = np.arange(n_in * s) / s
        return _weights(n_in, s, src, _floor(src))
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_no_clamp(x, s):
    """src not clamped at 0: the first outputs get i0 = −1, which reads the last row."""
    def weights(n_in, s):
        src = _half_pixel(n_in, s, clamp=False)
        return _weights(n_in, s, src, _floor(src))
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_truncated_index(x, s):
    """src not clamped, and i0 = int(src), which rounds −0.25 up to 0: t = src − i0 is
    negative there and the first outputs extrapolate past x[0]."""
    def weights(n_in, s):
        src = _half_pixel(n_in, s, clamp=False)
        return _weights(n_in, s, src, np.trunc(src).astype(int))
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_weights_swapped(x, s):
    """t · x[i0] + (1 − t) · x[i1]: the larger weight on the farther neighbour."""
    def weights(n_in, s):
        src = _half_pixel(n_in, s)
        return _weights(n_in, s, src, _floor(src), swap=True)
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_border_overwrite(x, s):
    """The two weights written with = (A[i, i0] = 1 − t; A[i, i1] = t): at the last rows
    i0 == i1 and t overwrites 1 − t, so the border loses weight."""
    def weights(n_in, s):
        src = _half_pixel(n_in, s)
        return _weights(n_in, s, src, _floor(src), assign=True)
    return _forward(x, s, weights)


@mistake("m6.upsample.bilinear", "out", doc=BILINEAR)
def bilinear_gives_nearest(x, s):
    """mode='bilinear' computes the nearest-neighbour copy."""
    return x.repeat(s, axis=2).repeat(s, axis=3)


# -- bilinear: backward ------------------------------------------------------------------
@mistake("m6.upsample.bilinear", "dx", doc=BILINEAR)
def bilinear_dx_nearest(dout, s):
    """The nearest-mode gradient (block sums) in bilinear mode."""
    N, C, Hs, Ws = dout.shape
    return dout.reshape(N, C, Hs // s, s, Ws // s, s).sum(axis=(3, 5))


@mistake("m6.upsample.bilinear", "dx", doc=BILINEAR)
def bilinear_dx_first_neighbour(dout, s):
    """dx[i0] += (1 − t) · dout[i] without dx[i1] += t · dout[i]: each output hands its
    gradient to one of the pixels it blended, on each axis."""
    def weights(n_in):
        src = _half_pixel(n_in, s)
        return _weights(n_in, s, src, _floor(src), first_only=True)
    return _down(dout, weights(dout.shape[2] // s), weights(dout.shape[3] // s))


@mistake("m6.upsample.bilinear", "dx", doc=BILINEAR)
def bilinear_dx_fancy_add(dout, s):
    """dx[:, :, i0] += (1 − t) · dout with an index array that repeats (the s outputs
    between two inputs share i0): numpy's += on fancy indices does not accumulate, only the
    last repeat counts. One axis at a time, H then W."""
    def back(d, axis):
        n_in = d.shape[axis] // s
        src = _half_pixel(n_in, s)
        i0 = _floor(src)
        i1 = np.minimum(i0 + 1, n_in - 1)
        d = np.moveaxis(d, axis, 0)
        t = (src - i0).reshape((-1,) + (1,) * (d.ndim - 1))
        out = np.zeros((n_in,) + d.shape[1:])
        out[i0] += (1.0 - t) * d
        out[i1] += t * d
        return np.moveaxis(out, 0, axis)
    return back(back(dout, 2), 3)
