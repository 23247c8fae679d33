"""Small trusted oracles the suites judge against. Written independently of any tree:
plain loops over kernel offsets or windows, on the tiny shapes the suites use. The suites
never import reference/."""
import numpy as np

from given.gradcheck import numerical_gradient


def conv2d(x, W, b, stride, pad):
    """Cross-correlation as a sum over kernel offsets (p, q): each offset adds one strided
    slice of the padded input times W[:, :, p, q]."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (Wd + 2 * pad - kw) // stride + 1
    out = np.zeros((N, F, Ho, Wo)) + b[None, :, None, None]
    for p in range(kh):
        for q in range(kw):
            patch = xp[:, :, p:p + stride * Ho:stride, q:q + stride * Wo:stride]
            out += np.einsum("nchw,fc->nfhw", patch, W[:, :, p, q])
    return out


def conv2d_grads(x, W, b, stride, pad, dout):
    """Exact gradients of sum(conv2d(x) * dout): conv2d is linear in each of x, W and b, so
    the central difference of the oracle is exact up to rounding."""
    def f_x(v):
        return conv2d(v, W, b, stride, pad)
    dx = numerical_gradient(f_x, x.copy(), dout)
    dW = numerical_gradient(lambda v: conv2d(x, v, b, stride, pad), W.copy(), dout)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dW, db


def conv2d_backward(x, W, stride, pad, dout):
    """Analytic (dx, dW, db) of sum(conv2d(x, W, b) * dout), offset by offset like conv2d:
    the slice offset (p, q) read from the padded input gets dout times W[:, :, p, q] back,
    and W[:, :, p, q] gets dout against that slice. For training runs the suites do
    themselves, where central differences would be far too slow."""
    N, C, H, Wd = x.shape
    F, _, kh, kw = W.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dW = np.empty_like(W)
    for p in range(kh):
        for q in range(kw):
            window = (slice(None), slice(None), slice(p, p + stride * Ho, stride),
                      slice(q, q + stride * Wo, stride))
            dW[:, :, p, q] = np.einsum("nfhw,nchw->fc", dout, xp[window])
            dxp[window] += np.einsum("nfhw,fc->nchw", dout, W[:, :, p, q])
    return dxp[:, :, pad:pad + H, pad:pad + Wd], dW, dout.sum(axis=(0, 2, 3))


def maxpool2d(x, k, stride, dout=None):
    """Max over each window, scanning row-major and keeping the first strict maximum
    (PyTorch's tie rule); with `dout`, also the routed gradient."""
    N, C, H, W = x.shape
    Ho, Wo = (H - k) // stride + 1, (W - k) // stride + 1
    out = np.empty((N, C, Ho, Wo))
    dx = np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * stride:i * stride + k, j * stride:j * stride + k].reshape(N, C, -1)
            arg = win.argmax(axis=-1)   # numpy's argmax also returns the first maximum
            out[:, :, i, j] = np.take_along_axis(win, arg[..., None], -1)[..., 0]
            if dout is not None:
                p, q = np.divmod(arg, k)
                n_idx, c_idx = np.indices((N, C))
                np.add.at(dx, (n_idx, c_idx, i * stride + p, j * stride + q), dout[:, :, i, j])
    return (out, dx) if dout is not None else out


def channel(a):
    """(C,) -> (1, C, 1, 1): broadcast a per-channel vector over NCHW."""
    return np.asarray(a)[None, :, None, None]


def bn_train(x, gamma, beta, eps=1e-5):
    """BatchNorm2D train-mode forward: per-channel biased statistics over (N, H, W)."""
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    return channel(gamma) * (x - channel(mean)) / np.sqrt(channel(var) + eps) + channel(beta)


def bn_train_backward(x, gamma, dout, eps=1e-5):
    """Analytic (dx, dgamma, dbeta) of sum(bn_train(x, gamma, beta) * dout): the batch mean
    and variance depend on every x of the channel, so with M = N·H·W,
    dx = (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) / sqrt(var + eps), dx̂ = dout · gamma."""
    mean = channel(x.mean(axis=(0, 2, 3)))
    inv_std = 1.0 / np.sqrt(channel(x.var(axis=(0, 2, 3))) + eps)
    x_hat = (x - mean) * inv_std
    dx_hat = dout * channel(gamma)
    dx = inv_std * (dx_hat - dx_hat.mean(axis=(0, 2, 3), keepdims=True)
                    - x_hat * (dx_hat * x_hat).mean(axis=(0, 2, 3), keepdims=True))
    return dx, (dout * x_hat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))


def log_softmax(s):
    s = s - s.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


def softmax(s):
    return np.exp(log_softmax(s))


def cross_entropy(scores, y):
    N = len(y)
    lp = log_softmax(scores)
    d = np.exp(lp)
    d[np.arange(N), y] -= 1
    return -lp[np.arange(N), y].mean(), d / N


def sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def away_from_zero(rng, shape, margin=0.05):
    x = rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + margin)


def distinct(rng, shape, gap=0.01):
    """Values with no ties and no near-ties (so argmax is stable under tiny perturbations)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * gap - n * gap / 2).reshape(shape)
