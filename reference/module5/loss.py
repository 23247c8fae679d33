import numpy as np


def _log_softmax(x):
    """log softmax(x) row-wise, computed as  x - max - log(sum(exp(x - max))).

    Textbook form:  log softmax(x)[n, c] = x[n, c] - log(sum_k exp(x[n, k])).
    Subtracting the row maximum leaves softmax unchanged (it cancels in the ratio) and makes
    every exponent <= 0, so exp never overflows; the largest term is exp(0) = 1, so the sum is
    >= 1 and its log is finite.

    Parameters
    ----------
    x : np.ndarray, shape (N, C)

    Returns
    -------
    log_p : np.ndarray, shape (N, C)
        Every entry <= 0; exp(log_p) is softmax(x). Finite wherever x is, even where
        log(softmax(x)) would be log(0).
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
        p[n, c] = exp(x[n, c]) / sum_k exp(x[n, k])
    """
    # The row maximum cancels in the ratio; subtracting it keeps every exponent <= 0, so
    # exp cannot overflow for large scores.
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

    Raises
    ------
    ValueError
        If y is not N integer labels in [0, C).
    """
    y = np.asarray(y)
    N = scores.shape[0]
    if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold N={N} integer labels, got shape {y.shape} dtype {y.dtype}")
    if N and (y.min() < 0 or y.max() >= scores.shape[1]):
        raise ValueError(f"labels must lie in [0, {scores.shape[1]}), got {y.min()}..{y.max()}")
    # Through log softmax rather than log(softmax(...)): a probability that underflows to 0
    # would make the loss inf, while log softmax stays finite.
    log_p = _log_softmax(scores)
    rows = np.arange(N)
    loss = -log_p[rows, y].mean()
    dscores = np.exp(log_p)
    dscores[rows, y] -= 1.0
    dscores /= N
    return float(loss), dscores
