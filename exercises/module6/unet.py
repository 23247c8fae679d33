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
        # TODO: 初始化層
        pass

    def forward(self, x):
        # TODO: 返回 pool 前的特徵（給 skip connection 用）和 pool 後的
        pass

    def backward(self, dout, dskip):
        # TODO: 實作
        pass

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
        # TODO: 初始化層
        pass

    def forward(self, x, skip):
        # TODO: 實作
        pass

    def backward(self, dout):
        # TODO: 實作
        pass

    def get_params_and_grads(self):
        return params_and_grads_of(self)


class SimpleUNet:
    """
    Simplified U-Net for demonstration.

    Input: (N, 1, 64, 64)
    Output: (N, n_classes, 64, 64)

    (Any H, W divisible by 4 works.) Suggested sizes:
    enc1: in_channels -> 8, enc2: 8 -> 16, bottom: Conv3x3 16 -> 32 + BN + ReLU,
    dec2: 32 + 16 -> 16, dec1: 16 + 8 -> 8, head: Conv1x1 8 -> n_classes (logits).
    """

    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        # TODO: 初始化 encoder 和 decoder
        pass

    def forward(self, x):
        # TODO: 實作完整 forward
        pass

    def backward(self, dout):
        # TODO: 實作完整 backward
        pass

    def get_params_and_grads(self):
        return params_and_grads_of(self)
