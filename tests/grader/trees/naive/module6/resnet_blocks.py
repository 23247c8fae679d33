"""ResNet blocks of the naive loop-style tree used by the fairness tests, built from its own
naive layers."""
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
        """out = ReLU(BN(conv2(ReLU(BN(conv1(x))))) + shortcut(x))."""
        h = self.conv1.forward(x)
        h = self.bn1.forward(h)
        h = self.relu1.forward(h)
        h = self.conv2.forward(h)
        h = self.bn2.forward(h)
        if self.shortcut is None:
            s = x
        else:
            s = self.shortcut.forward(x)
            s = self.shortcut_bn.forward(s)
        return self.relu2.forward(h + s)

    def backward(self, dout):
        """The sum sends its gradient down both paths; the two gradients at x add up."""
        d_sum = self.relu2.backward(dout)
        d = self.bn2.backward(d_sum)
        d = self.conv2.backward(d)
        d = self.relu1.backward(d)
        d = self.bn1.backward(d)
        dx_main = self.conv1.backward(d)
        if self.shortcut is None:
            dx_short = d_sum
        else:
            d_s = self.shortcut_bn.backward(d_sum)
            dx_short = self.shortcut.backward(d_s)
        return dx_main + dx_short

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
        h = self.relu1.forward(self.bn1.forward(self.conv1.forward(x)))
        h = self.relu2.forward(self.bn2.forward(self.conv2.forward(h)))
        h = self.bn3.forward(self.conv3.forward(h))
        if self.shortcut is None:
            s = x
        else:
            s = self.shortcut_bn.forward(self.shortcut.forward(x))
        return self.relu3.forward(h + s)

    def backward(self, dout):
        d_sum = self.relu3.backward(dout)
        d = self.conv3.backward(self.bn3.backward(d_sum))
        d = self.conv2.backward(self.bn2.backward(self.relu2.backward(d)))
        dx_main = self.conv1.backward(self.bn1.backward(self.relu1.backward(d)))
        if self.shortcut is None:
            return dx_main + d_sum
        return dx_main + self.shortcut.backward(self.shortcut_bn.backward(d_sum))

    def get_params_and_grads(self):
        return params_and_grads_of(self)
