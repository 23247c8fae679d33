"""Known mistakes of test_m5_network.py (SimpleConvNet): each computes what that mistake
returns on the check's inputs; its hint is the entry of the same key in hints/m5_network.py.

The scores are judged against the network the parameters define (oracles_m5_training.
lenet_forward), so a forward built differently is computed here from the same parameters."""
import numpy as np

from .. import oracles
from .. import oracles_m5_training as ot
from . import mistake

DOC = "docs/module5.md#simplecnn"


@mistake("m5.network.gradcheck", "scores", doc=DOC)
def net_softmax_in_forward(params, x):
    """forward ends in a softmax: probabilities where raw scores (logits) belong."""
    return oracles.softmax(ot.lenet_forward(params, x))


@mistake("m5.network.gradcheck", "scores", doc=DOC)
def net_relu_after_last_layer(params, x):
    """A ReLU after the last FullyConnected too: scores that can never be negative."""
    return np.maximum(ot.lenet_forward(params, x), 0.0)


@mistake("m5.network.gradcheck", "scores", doc=DOC)
def net_fc_without_relu(params, x):
    """No ReLU between the FullyConnected layers: FC → FC → FC, one affine map."""
    f1W, f1b, f2W, f2b, f3W, f3b = params[4:]
    h = ot.lenet_features(params, x)
    return ((h @ f1W + f1b) @ f2W + f2b) @ f3W + f3b
