"""Known mistakes of test_m5_loss.py (softmax, softmax + cross-entropy): each computes what
that mistake returns on the check's inputs; its hint is the entry of the same key in
hints/m5_loss.py."""
import numpy as np

from .. import oracles
from . import mistake

DOC = "docs/module5.md#softmax-and-cross-entropy"
GRADIENT = "docs/module5.md#softmax-gradient"
UNDERFLOW = "docs/module5.md#log-softmax-underflow"


def _exp(x):
    return np.exp(x - x.max(axis=1, keepdims=True))


@mistake("m5.softmax", "probabilities", doc=DOC)
def softmax_batch_axis(x):
    """Normalised over the batch (axis 0) instead of over each sample's classes."""
    e = _exp(x)
    return e / e.sum(axis=0, keepdims=True)


@mistake("m5.softmax", "probabilities", doc=DOC)
def softmax_not_normalised(x):
    """exp of the shifted logits, never divided by their sum."""
    return _exp(x)


@mistake("m5.softmax", "probabilities", doc=DOC)
def softmax_whole_batch_sum(x):
    """exp(x) / exp(x).sum() with no axis: the whole batch normalised as one distribution."""
    e = np.exp(x - x.max())
    return e / e.sum()


@mistake("m5.cross_entropy", "loss", doc=DOC)
def ce_per_sample(scores, y):
    """One loss per sample, not their mean."""
    log_p = np.log(oracles.softmax(scores))
    return -log_p[np.arange(len(y)), y]


@mistake("m5.cross_entropy", "loss", doc=DOC)
def ce_loss_times_n(scores, y):
    """The sum over the batch instead of the mean."""
    return len(y) * oracles.cross_entropy(scores, y)[0]


@mistake("m5.cross_entropy", "loss", doc=DOC)
def ce_loss_over_classes(scores, y):
    """The mean over every entry of the N×C one-hot product: divided by N·C, not N."""
    return oracles.cross_entropy(scores, y)[0] / scores.shape[1]


@mistake("m5.cross_entropy", "loss", doc=UNDERFLOW)
def ce_log_eps(scores, y):
    """−log(p + 1e-12): finite where p underflows to 0, but capped near 27.6."""
    p = oracles.softmax(scores)[np.arange(len(y)), y]
    return -np.mean(np.log(p + 1e-12))


@mistake("m5.cross_entropy", "dscores", doc=GRADIENT)
def ce_dscores_times_n(scores, y):
    """The gradient of the sum, where the loss is the mean."""
    return len(y) * oracles.cross_entropy(scores, y)[1]


@mistake("m5.cross_entropy", "dscores", doc=GRADIENT)
def ce_dscores_over_classes(scores, y):
    """The gradient divided by N·C, as for a mean over every entry."""
    return oracles.cross_entropy(scores, y)[1] / scores.shape[1]


@mistake("m5.cross_entropy", "dscores", doc=GRADIENT)
def ce_no_onehot(scores, y):
    """softmax / N: the −1 at each true class is missing."""
    return oracles.softmax(scores) / len(y)


@mistake("m5.cross_entropy", "dscores", doc=GRADIENT)
def ce_dscores_sign_flipped(scores, y):
    """(onehot − softmax) / N: the gradient of the log-likelihood, not of the loss."""
    return -oracles.cross_entropy(scores, y)[1]
