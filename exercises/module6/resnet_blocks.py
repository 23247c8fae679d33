import numpy as np

from given.model_utils import params_and_grads_of

from ..module5.layers import Conv2D, ReLU
from .batchnorm import BatchNorm2D


class BasicBlock:
    """
    ResNet Basic Block:
    x -> Conv3x3 -> BN -> ReLU -> Conv3x3 -> BN -> (+x) -> ReLU
    """

    def __init__(self, in_channels, out_channels, stride=1):
        """
        Parameters
        ----------
        in_channels : int
        out_channels : int
        stride : int
            If stride > 1, need to downsample the shortcut
        """
        self.conv1 = Conv2D(in_channels, out_channels, 3, stride=stride, padding=1)
        self.bn1 = BatchNorm2D(out_channels)
        self.relu1 = ReLU()

        self.conv2 = Conv2D(out_channels, out_channels, 3, stride=1, padding=1)
        self.bn2 = BatchNorm2D(out_channels)
        self.relu2 = ReLU()

        # Shortcut: identity if same shape, otherwise 1x1 conv
        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Conv2D(in_channels, out_channels, 1, stride=stride)
            self.shortcut_bn = BatchNorm2D(out_channels)

        self.cache = None

    def forward(self, x):
        """
        Forward pass.

        Parameters
        ----------
        x : np.ndarray, shape (N, C_in, H, W)
        """
        # TODO: 實作
        # 記得處理 shortcut
        pass

    def backward(self, dout):
        """
        Backward pass.
        """
        # TODO: 實作
        # 梯度要分到兩條路徑然後相加
        pass

    def get_params_and_grads(self):
        return params_and_grads_of(self)


class Bottleneck:
    """
    ResNet Bottleneck Block (選做):
    x -> Conv1x1 -> BN -> ReLU -> Conv3x3 -> BN -> ReLU -> Conv1x1 -> BN -> (+shortcut) -> ReLU

    The 1x1 convolutions shrink the channels to `mid_channels` for the expensive 3x3 one and
    expand them again to mid_channels * expansion. The shortcut is a 1x1 conv + BN
    (projection) whenever the shape changes.
    """
    expansion = 4

    def __init__(self, in_channels, mid_channels, stride=1):
        """
        Parameters
        ----------
        in_channels : int
        mid_channels : int
            Channels of the 3x3 convolution; the block outputs mid_channels * 4.
        stride : int
            Stride of the 3x3 convolution (and of the projection shortcut).
        """
        out_channels = mid_channels * self.expansion
        self.conv1 = Conv2D(in_channels, mid_channels, 1)
        self.bn1 = BatchNorm2D(mid_channels)
        self.relu1 = ReLU()

        self.conv2 = Conv2D(mid_channels, mid_channels, 3, stride=stride, padding=1)
        self.bn2 = BatchNorm2D(mid_channels)
        self.relu2 = ReLU()

        self.conv3 = Conv2D(mid_channels, out_channels, 1)
        self.bn3 = BatchNorm2D(out_channels)
        self.relu3 = ReLU()

        self.shortcut = None
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Conv2D(in_channels, out_channels, 1, stride=stride)
            self.shortcut_bn = BatchNorm2D(out_channels)

        self.cache = None

    def forward(self, x):
        # TODO: 實作（選做）
        # 三個 conv 的主路徑 + shortcut，相加後再 ReLU
        pass

    def backward(self, dout):
        # TODO: 實作（選做）
        # 梯度要分到兩條路徑然後相加
        pass

    def get_params_and_grads(self):
        return params_and_grads_of(self)
