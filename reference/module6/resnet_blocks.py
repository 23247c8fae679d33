import numpy as np

from given.model_utils import params_and_grads_of

from ..module5.layers import Conv2D, ReLU
from .batchnorm import BatchNorm2D


class BasicBlock:
    """
    ResNet Basic Block:
    x -> Conv3x3 -> BN -> ReLU -> Conv3x3 -> BN -> (+x) -> ReLU

    Both convolutions have padding 1; the first one carries the stride. When the shape
    changes (stride != 1 or in_channels != out_channels) the shortcut is a 1x1 Conv2D with
    that stride followed by its own BatchNorm2D, so that F(x) and S(x) can be added:
        y = ReLU(F(x) + S(x)),   S(x) = x or shortcut_bn(shortcut(x))
    The constructor's Parameters are in __init__'s docstring. get_params_and_grads returns
    the (param, grad) pairs of conv1, bn1, conv2, bn2 (then shortcut, shortcut_bn), in that
    order, each grad of its param's shape.
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

        Returns
        -------
        out : np.ndarray, shape (N, C_out, H', W'),  H' = (H - 1) // stride + 1, likewise W'
        """
        out = self.relu1.forward(self.bn1.forward(self.conv1.forward(x)))
        out = self.bn2.forward(self.conv2.forward(out))
        if self.shortcut is None:
            identity = x
        else:
            identity = self.shortcut_bn.forward(self.shortcut.forward(x))
        return self.relu2.forward(out + identity)

    def backward(self, dout):
        """
        Backward pass.

        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)
            The main path's gradient plus the shortcut's: dx = dF/dx + dS/dx, where dS/dx
            is d_sum itself for the identity shortcut.
        """
        # y = ReLU(F(x) + S(x)): the sum passes its gradient unchanged to both paths,
        # and the two gradients reaching x add up (S = identity gives the "+1").
        d_sum = self.relu2.backward(dout)
        d_main = self.conv2.backward(self.bn2.backward(d_sum))
        dx = self.conv1.backward(self.bn1.backward(self.relu1.backward(d_main)))
        if self.shortcut is None:
            return dx + d_sum
        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every sublayer with parameters, in attribute order
            (conv1, bn1, conv2, bn2, then the projection shortcut and its BN if there is
            one); each grad has its param's shape.
        """
        return params_and_grads_of(self)


class Bottleneck:
    """
    ResNet Bottleneck Block (選做):
    x -> Conv1x1 -> BN -> ReLU -> Conv3x3 -> BN -> ReLU -> Conv1x1 -> BN -> (+shortcut) -> ReLU

    The 1x1 convolutions shrink the channels to `mid_channels` for the expensive 3x3 one and
    expand them again to mid_channels * expansion. The shortcut is a 1x1 conv + BN
    (projection) whenever the shape changes.
    The constructor's Parameters are in __init__'s docstring.
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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C_in, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, 4 * mid_channels, H', W'),  H' = (H - 1) // stride + 1
        """
        out = self.relu1.forward(self.bn1.forward(self.conv1.forward(x)))
        out = self.relu2.forward(self.bn2.forward(self.conv2.forward(out)))
        out = self.bn3.forward(self.conv3.forward(out))
        if self.shortcut is None:
            identity = x
        else:
            identity = self.shortcut_bn.forward(self.shortcut.forward(x))
        return self.relu3.forward(out + identity)

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, 4 * mid_channels, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)
            The main path's gradient plus the shortcut's, as in BasicBlock.backward.
        """
        d_sum = self.relu3.backward(dout)
        d = self.conv3.backward(self.bn3.backward(d_sum))
        d = self.conv2.backward(self.bn2.backward(self.relu2.backward(d)))
        dx = self.conv1.backward(self.bn1.backward(self.relu1.backward(d)))
        if self.shortcut is None:
            return dx + d_sum
        return dx + self.shortcut.backward(self.shortcut_bn.backward(d_sum))

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every sublayer, in attribute order (conv1, bn1,
            conv2, bn2, conv3, bn3, then shortcut and shortcut_bn if present); each grad
            has its param's shape.
        """
        return params_and_grads_of(self)
