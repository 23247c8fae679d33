"""U-Net blocks and SimpleUNet of the naive loop-style tree used by the fairness tests,
built from its own naive layers."""
import numpy as np

from given.model_utils import params_and_grads_of

from ..module5.layers import Conv2D, MaxPool2D, ReLU
from .batchnorm import BatchNorm2D
from .transposed_conv import ConvTranspose2D
from .upsample import Upsample


class UNetEncoder:
    """
    U-Net encoder block:
    Conv -> BN -> ReLU -> Conv -> BN -> ReLU -> MaxPool

    Convs are 3x3 with padding 1 (the size stays), MaxPool is 2x2.
    """

    def __init__(self, in_channels, out_channels):
        self.layers = [
            Conv2D(in_channels, out_channels, 3, padding=1),
            BatchNorm2D(out_channels),
            ReLU(),
            Conv2D(out_channels, out_channels, 3, padding=1),
            BatchNorm2D(out_channels),
            ReLU(),
        ]
        self.pool = MaxPool2D(2)

    def forward(self, x):
        """Returns (features before pooling, for the skip connection; pooled features)."""
        h = x
        for layer in self.layers:
            h = layer.forward(h)
        pooled = self.pool.forward(h)
        return h, pooled

    def backward(self, dout, dskip):
        """dout: gradient of the pooled output; dskip: gradient of the skip output. The
        features before pooling went to both, so their gradients add up."""
        d = self.pool.backward(dout)
        d = d + dskip
        for k in range(len(self.layers) - 1, -1, -1):
            d = self.layers[k].backward(d)
        return d

    def get_params_and_grads(self):
        return params_and_grads_of(self)


class UNetDecoder:
    """
    U-Net decoder block:
    Upsample -> Concat(skip) -> Conv -> BN -> ReLU -> Conv -> BN -> ReLU

    Concat puts x's channels first, then skip's: np.concatenate([x_up, skip], axis=1).
    upsample: 'nearest' or 'bilinear' (Upsample, factor 2), or 'transposed'
    (ConvTranspose2D(c, c, 2, stride=2) on x's c = in_channels - out_channels channels:
    the skip brings out_channels channels).
    backward(dout) returns (dx, dskip).
    """

    def __init__(self, in_channels, out_channels, upsample="nearest"):
        # in_channels 已經包含 skip connection 的 channels
        if upsample == "transposed":
            c = in_channels - out_channels
            self.up = ConvTranspose2D(c, c, 2, stride=2)
        else:
            self.up = Upsample(2, mode=upsample)
        self.layers = [
            Conv2D(in_channels, out_channels, 3, padding=1),
            BatchNorm2D(out_channels),
            ReLU(),
            Conv2D(out_channels, out_channels, 3, padding=1),
            BatchNorm2D(out_channels),
            ReLU(),
        ]

    def forward(self, x, skip):
        x_up = self.up.forward(x)
        self.split = x_up.shape[1]          # x's channels come first in the concatenation
        h = np.concatenate([x_up, skip], axis=1)
        for layer in self.layers:
            h = layer.forward(h)
        return h

    def backward(self, dout):
        d = dout
        for k in range(len(self.layers) - 1, -1, -1):
            d = self.layers[k].backward(d)
        d_up = d[:, :self.split]
        dskip = d[:, self.split:]
        dx = self.up.backward(d_up)
        return dx, dskip

    def get_params_and_grads(self):
        return params_and_grads_of(self)


class SimpleUNet:
    """
    Simplified U-Net for demonstration.

    Input: (N, 1, 64, 64)
    Output: (N, n_classes, 64, 64)

    (Any H, W divisible by 4 works.)
    enc1: in_channels -> 8, enc2: 8 -> 16, bottom: Conv3x3 16 -> 32 + BN + ReLU,
    dec2: 32 + 16 -> 16, dec1: 16 + 8 -> 8, head: Conv1x1 8 -> n_classes (logits).
    """

    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        self.enc1 = UNetEncoder(in_channels, 8)
        self.enc2 = UNetEncoder(8, 16)
        self.bottom = [Conv2D(16, 32, 3, padding=1), BatchNorm2D(32), ReLU()]
        self.dec2 = UNetDecoder(32 + 16, 16, upsample)
        self.dec1 = UNetDecoder(16 + 8, 8, upsample)
        self.head = Conv2D(8, n_classes, 1)

    def forward(self, x):
        skip1, h = self.enc1.forward(x)        # (N, 8, H, W), (N, 8, H/2, W/2)
        skip2, h = self.enc2.forward(h)        # (N, 16, H/2, W/2), (N, 16, H/4, W/4)
        for layer in self.bottom:
            h = layer.forward(h)               # (N, 32, H/4, W/4)
        h = self.dec2.forward(h, skip2)        # (N, 16, H/2, W/2)
        h = self.dec1.forward(h, skip1)        # (N, 8, H, W)
        return self.head.forward(h)            # (N, n_classes, H, W) logits

    def backward(self, dout):
        d = self.head.backward(dout)
        d, dskip1 = self.dec1.backward(d)
        d, dskip2 = self.dec2.backward(d)
        for k in range(len(self.bottom) - 1, -1, -1):
            d = self.bottom[k].backward(d)
        d = self.enc2.backward(d, dskip2)
        d = self.enc1.backward(d, dskip1)
        return d

    def get_params_and_grads(self):
        return params_and_grads_of(self)
