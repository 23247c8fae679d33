"""Known mistakes of test_m6_unet.py (the U-Net's encoder and decoder blocks): each computes
what that mistake returns on the check's inputs; its hint is the entry of the same key in
hints/m6_unet.py.

The gradients' mistakes read what the check's trusted copy of the learner's block computed
(test_m6_unet.TrustedDecoder): `dcat`, the gradient of the concatenation in the order the
learner's forward laid it out (`order`, "x_first" as documented or "skip_first"), and `cx`,
the channels of x."""
import numpy as np

from ..oracles_m6_upsample import up_backward
from . import mistake

BACKWARD = "docs/module6.md#u-net-backward"
STRUCTURE = "docs/module6.md#u-net-structure"


# -- encoder -----------------------------------------------------------------------------
@mistake("m6.unet.encoder", "pooled", doc=STRUCTURE)
def encoder_pooled_strided(skip):
    """Every second pixel of skip (skip[:, :, ::2, ::2]) instead of the 2×2 max-pool."""
    return skip[:, :, ::2, ::2]


@mistake("m6.unet.encoder", "dx", doc=BACKWARD)
def encoder_dx_ignores_dskip(dx_pool):
    """The skip's gradient never added: dx is what the learner's backward gives with
    dskip = 0 (dx_pool)."""
    return dx_pool


# -- decoder: dx -------------------------------------------------------------------------
@mistake("m6.unet.decoder", "dx", doc=BACKWARD)
def decoder_split_skip_first(dcat, order, mode, cx):
    """Forward concatenates (up(x), skip), backward splits as if the skip came first: x's
    gradient taken from the last C_x channels."""
    if order != "x_first":
        return None
    return up_backward(mode, dcat[:, dcat.shape[1] - cx:])


@mistake("m6.unet.decoder", "dx", doc=BACKWARD)
def decoder_concat_skip_first(dcat, order, mode, cx):
    """Forward concatenates (skip, up(x)), the other order, and backward splits in the
    documented one: x's gradient taken from the first C_x channels, which hold the skip's."""
    if order != "skip_first":
        return None
    return up_backward(mode, dcat[:, :cx])


@mistake("m6.unet.decoder", "dx", doc=BACKWARD)
def decoder_split_at_skip_channels(dcat, order, mode, cx):
    """The split at the skip's channel count (self.split = skip.shape[1]): x's gradient is
    the first C_skip channels, and dx has the skip's channel count."""
    if order != "x_first":
        return None
    return up_backward(mode, dcat[:, :dcat.shape[1] - cx])


@mistake("m6.unet.decoder", "dx", doc=BACKWARD)
def decoder_dx_not_upsampled_back(dcat, order, cx):
    """x's part of the gradient returned as it is, never sent back through the upsampling:
    dx at the skip's resolution, twice x's size."""
    return dcat[:, :cx] if order == "x_first" else dcat[:, dcat.shape[1] - cx:]


# -- decoder: dskip ----------------------------------------------------------------------
@mistake("m6.unet.decoder", "dskip", doc=BACKWARD)
def decoder_dskip_zero(dcat, cx):
    """dskip returned as zeros: the skip's channels of the gradient never handed back."""
    return np.zeros_like(dcat[:, cx:])


@mistake("m6.unet.decoder", "dskip", doc=BACKWARD)
def decoder_dskip_whole_gradient(dcat):
    """The whole gradient of the concatenation returned as dskip, not the skip's channels."""
    return dcat
