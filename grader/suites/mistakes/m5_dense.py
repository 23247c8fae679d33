"""Known mistakes of test_m5_dense.py (FullyConnected, ReLU, Sigmoid): each computes what
that mistake returns on the check's inputs; its hint is the entry of the same key in
hints/m5_dense.py."""
import numpy as np

from .. import oracles
from . import mistake

FC = "docs/module5.md#fully-connected"
RELU = "docs/module5.md#relu"
SIGMOID = "docs/module5.md#sigmoid"


# -- FullyConnected forward ------------------------------------------------------------------
@mistake("m5.fc.forward", "out", doc=FC)
def fc_bias_missing(x, W):
    """x @ W: the bias is never added."""
    return x @ W


@mistake("m5.fc.forward", "out", doc=FC)
def fc_bias_subtracted(x, W, b):
    """x @ W − b: the bias subtracted."""
    return x @ W - b


# -- FullyConnected backward: dx ---------------------------------------------------------------
@mistake("m5.fc.backward", "dx", doc=FC)
def fc_dx_over_n(W, dout):
    """dout @ W.T divided by N, as if the mean's 1/N were not already in dout."""
    return dout @ W.T / len(dout)


@mistake("m5.fc.backward", "dx", doc=FC)
def fc_dx_transposed(W, dout):
    """W @ dout.T: dx of shape (D, N), the transpose of the right one."""
    return W @ dout.T


@mistake("m5.fc.backward", "dx", doc=FC)
def fc_dx_uses_dw(x, dout):
    """dout @ dW.T: the weight gradient where the weights belong."""
    return dout @ (x.T @ dout).T


# -- FullyConnected backward: dW ---------------------------------------------------------------
@mistake("m5.fc.backward", "dW", doc=FC)
def fc_dw_transposed(x, dout):
    """dout.T @ x: dW of shape (M, D), the transpose of W's."""
    return dout.T @ x


@mistake("m5.fc.backward", "dW", doc=FC)
def fc_dw_over_n(x, dout):
    """x.T @ dout divided by N, as if the mean's 1/N were not already in dout."""
    return x.T @ dout / len(dout)


@mistake("m5.fc.backward", "dW", doc=FC)
def fc_dw_from_output(x, W, b, dout):
    """out.T @ dout: forward cached its output instead of its input, so dW is (M, M)."""
    return (x @ W + b).T @ dout


# -- FullyConnected backward: db ---------------------------------------------------------------
@mistake("m5.fc.backward", "db", doc=FC)
def fc_db_extra_axis(dout):
    """dout.sum(axis=0, keepdims=True): db of shape (1, M), not (M,) like b."""
    return dout.sum(axis=0, keepdims=True)


@mistake("m5.fc.backward", "db", doc=FC)
def fc_db_wrong_axis(dout):
    """dout.sum(axis=1): one number per sample instead of one per output feature."""
    return dout.sum(axis=1)


@mistake("m5.fc.backward", "db", doc=FC)
def fc_db_mean(dout):
    """dout.mean(axis=0): the mean over the batch where the sum belongs."""
    return dout.mean(axis=0)


# -- ReLU --------------------------------------------------------------------------------------
@mistake("m5.relu", "out", doc=RELU)
def relu_leaky(x):
    """A leaky ReLU (slope 0.01 below zero) instead of exactly 0."""
    return np.where(x > 0, x, 0.01 * x)


@mistake("m5.relu", "out", doc=RELU)
def relu_max_reduces(x):
    """np.max(x, 0): the maximum over axis 0 (a reduction), not np.maximum(x, 0)."""
    return np.max(x, 0)


@mistake("m5.relu", "dx", doc=RELU)
def relu_mask_only(x):
    """The 0/1 mask x > 0 alone, never multiplied by dout."""
    return (x > 0).astype(float)


@mistake("m5.relu", "dx", doc=RELU)
def relu_mask_from_dout(dout):
    """dout where dout > 0: the mask taken from the upstream gradient, not from x."""
    return np.where(dout > 0, dout, 0.0)


@mistake("m5.relu", "dx", doc=RELU)
def relu_backward_no_mask(dout):
    """dout passed through unchanged: the mask is missing."""
    return dout


@mistake("m5.relu", "dx", doc=RELU)
def relu_mask_inverted(x, dout):
    """dout where x ≤ 0: the mask the wrong way round."""
    return np.where(x > 0, 0.0, dout)


@mistake("m5.relu", "dx", doc=RELU)
def relu_dx_times_output(x, dout):
    """dout * out: multiplied by the cached output max(0, x) instead of its mask."""
    return dout * np.maximum(x, 0.0)


# -- Sigmoid -----------------------------------------------------------------------------------
@mistake("m5.sigmoid", "out", doc=SIGMOID)
def sigmoid_sign_flipped(x):
    """σ(−x) = 1 / (1 + exp(x)): the minus sign lost, or the two stable branches swapped."""
    return oracles.sigmoid(-x)


@mistake("m5.sigmoid", "dx", doc=SIGMOID)
def sigmoid_dx_uses_x(x, dout):
    """dout · x · (1 − x): forward cached x, and backward used it as σ(x)."""
    return dout * x * (1 - x)


@mistake("m5.sigmoid", "dx", doc=SIGMOID)
def sigmoid_dx_no_dout(x):
    """σ(x) · (1 − σ(x)) alone, never multiplied by dout."""
    s = oracles.sigmoid(x)
    return s * (1 - s)


@mistake("m5.sigmoid", "dx", doc=SIGMOID)
def sigmoid_dx_tanh_rule(x, dout):
    """dout · (1 − σ²): tanh's derivative rule applied to the sigmoid."""
    s = oracles.sigmoid(x)
    return dout * (1 - s * s)


@mistake("m5.sigmoid", "dx", doc=SIGMOID)
def sigmoid_dx_sigmoid_of_output(x, dout):
    """The sigmoid applied again to the cached output: dout · σ(s) · (1 − σ(s)), s = σ(x)."""
    t = oracles.sigmoid(oracles.sigmoid(x))
    return dout * t * (1 - t)
