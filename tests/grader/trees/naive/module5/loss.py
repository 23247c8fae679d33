"""Softmax and cross-entropy of the naive loop-style tree used by the fairness tests:
one sample (one row of scores) at a time."""
import numpy as np


def softmax(x):
    """
    Numerically stable softmax, row by row: subtract the row's max before exp.

    x : (N, C) -> p : (N, C), rows sum to 1
    """
    N = x.shape[0]
    p = np.zeros(x.shape)
    for n in range(N):
        shifted = x[n] - np.max(x[n])      # every exponent <= 0: exp cannot overflow
        e = np.exp(shifted)
        p[n] = e / np.sum(e)
    return p


def cross_entropy_loss(scores, y):
    """
    Softmax + cross-entropy, averaged over the batch, computed sample by sample.

    Parameters
    ----------
    scores : (N, C) raw scores (logits)
    y : (N,) integer labels

    Returns
    -------
    loss : float, -1/N sum_n log softmax(scores)[n, y_n]
    dscores : (N, C), (softmax - onehot) / N
    """
    y = np.asarray(y)
    N, C = scores.shape
    if y.shape != (N,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold N={N} integer labels, got shape {y.shape} dtype {y.dtype}")
    total = 0.0
    dscores = np.zeros((N, C))
    for n in range(N):
        label = int(y[n])
        if label < 0 or label >= C:
            raise ValueError(f"labels must lie in [0, {C}), got {label}")
        shifted = scores[n] - np.max(scores[n])
        log_sum = np.log(np.sum(np.exp(shifted)))   # the sum is >= 1: the log is finite
        log_p = shifted - log_sum                   # log-softmax, never log(0)
        total += -log_p[label]
        dscores[n] = np.exp(log_p)
        dscores[n, label] -= 1.0
    return float(total / N), dscores / N
