import numpy as np


def _log_softmax(x):
    """log softmax(x) row-wise, computed as  x - max - log(sum(exp(x - max))).

    Subtracting the row maximum leaves softmax unchanged (it cancels in the ratio) and makes
    every exponent <= 0, so exp never overflows; the largest term is exp(0) = 1, so the sum is
    >= 1 and its log is finite.
    """
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(x):
    """
    Numerically stable softmax.

    Parameters
    ----------
    x : np.ndarray, shape (N, C)

    Returns
    -------
    p : np.ndarray, shape (N, C), rows sum to 1
    """
    shifted = x - x.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy_loss(scores, y):
    """
    Softmax + Cross-Entropy loss.

    Parameters
    ----------
    scores : np.ndarray, shape (N, C)
        Raw scores (logits)
    y : np.ndarray, shape (N,)
        True labels (integers)

    Returns
    -------
    loss : float
        Mean over the batch:  -1/N sum_n log softmax(scores)[n, y_n]
    dscores : np.ndarray, shape (N, C)
        Gradient w.r.t. scores
        (softmax - onehot) / N
    """
    y = np.asarray(y)
    N = scores.shape[0]
    if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold N={N} integer labels, got shape {y.shape} dtype {y.dtype}")
    if N and (y.min() < 0 or y.max() >= scores.shape[1]):
        raise ValueError(f"labels must lie in [0, {scores.shape[1]}), got {y.min()}..{y.max()}")
    log_p = _log_softmax(scores)
    rows = np.arange(N)
    loss = -log_p[rows, y].mean()
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    dscores /= N
    return float(loss), dscores
