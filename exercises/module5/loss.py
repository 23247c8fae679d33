import numpy as np

def softmax(x):
    """
    Numerically stable softmax.

    Parameters
    ----------
    x : np.ndarray, shape (N, C)
    """
    # TODO: 實作
    pass


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
        Mean over the batch.
    dscores : np.ndarray, shape (N, C)
        Gradient w.r.t. scores
        (softmax - onehot) / N
    """
    # TODO: 實作
    pass
