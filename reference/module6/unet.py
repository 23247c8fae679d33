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

    Parameters
    ----------
    in_channels : int
    out_channels : int
        Channels of both convolutions' outputs.

    Attributes
    ----------
    layers : list
        Conv2D, BatchNorm2D, ReLU, Conv2D, BatchNorm2D, ReLU.
    pool : MaxPool2D
    """

    def __init__(self, in_channels, out_channels):
        self.layers = [
            Conv2D(in_channels, out_channels, 3, padding=1), BatchNorm2D(out_channels), ReLU(),
            Conv2D(out_channels, out_channels, 3, padding=1), BatchNorm2D(out_channels), ReLU(),
        ]
        self.pool = MaxPool2D(2)

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, in_channels, H, W)
            H and W even.

        Returns
        -------
        skip : np.ndarray, shape (N, out_channels, H, W)
            The features before pooling, for the decoder's skip connection.
        out : np.ndarray, shape (N, out_channels, H / 2, W / 2)
            The pooled features, for the next stage.
        """
        for layer in self.layers:
            x = layer.forward(x)
        return x, self.pool.forward(x)

    def backward(self, dout, dskip):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, out_channels, H / 2, W / 2)
            Gradient w.r.t. the pooled output.
        dskip : np.ndarray, shape (N, out_channels, H, W)
            Gradient w.r.t. the skip output (from the decoder).

        Returns
        -------
        dx : np.ndarray, shape (N, in_channels, H, W)
        """
        # The features before pooling feed two consumers (the pool and the skip), so their
        # gradient is the sum of both.
        d = self.pool.backward(dout) + dskip
        for layer in reversed(self.layers):
            d = layer.backward(d)
        return d

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every sublayer with parameters, in attribute order
            (the convolutions and BatchNorms of `layers`); each grad has its param's shape.
        """
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

    Parameters
    ----------
    in_channels : int
        Channels after the concatenation: x's (after upsampling) plus the skip's.
    out_channels : int
        Channels of both convolutions' outputs, and of the skip.
    upsample : str
        'nearest', 'bilinear' or 'transposed'.

    Attributes
    ----------
    up : Upsample or ConvTranspose2D
    layers : list
        Conv2D, BatchNorm2D, ReLU, Conv2D, BatchNorm2D, ReLU.
    split : int
        Set by forward: the channels of the upsampled x, where backward splits dout.
    """

    def __init__(self, in_channels, out_channels, upsample="nearest"):
        # in_channels 已經包含 skip connection 的 channels
        if upsample == "transposed":
            up_channels = in_channels - out_channels
            self.up = ConvTranspose2D(up_channels, up_channels, 2, stride=2)
        else:
            self.up = Upsample(2, mode=upsample)
        self.layers = [
            Conv2D(in_channels, out_channels, 3, padding=1), BatchNorm2D(out_channels), ReLU(),
            Conv2D(out_channels, out_channels, 3, padding=1), BatchNorm2D(out_channels), ReLU(),
        ]

    def forward(self, x, skip):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, in_channels - out_channels, h, w)
            The features from the stage below.
        skip : np.ndarray, shape (N, out_channels, 2h, 2w)
            The encoder's features at this resolution.

        Returns
        -------
        out : np.ndarray, shape (N, out_channels, 2h, 2w)
        """
        x = self.up.forward(x)
        self.split = x.shape[1]
        x = np.concatenate([x, skip], axis=1)
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, out_channels, 2h, 2w)

        Returns
        -------
        dx : np.ndarray, shape (N, in_channels - out_channels, h, w)
            Through the upsampling.
        dskip : np.ndarray, shape (N, out_channels, 2h, 2w)
            The skip's channels of the gradient, for the encoder.
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        # Concatenation routes each channel's gradient back to where it came from.
        d_up, dskip = dout[:, :self.split], dout[:, self.split:]
        return self.up.backward(d_up), dskip

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every sublayer with parameters, in attribute order
            (`up` if it is a ConvTranspose2D, then `layers`); each grad has its param's shape.
        """
        return params_and_grads_of(self)


class SimpleUNet:
    """
    Simplified U-Net for demonstration.

    Input: (N, 1, 64, 64)
    Output: (N, n_classes, 64, 64)

    (Any H, W divisible by 4 works.) Suggested sizes:
    enc1: in_channels -> 8, enc2: 8 -> 16, bottom: Conv3x3 16 -> 32 + BN + ReLU,
    dec2: 32 + 16 -> 16, dec1: 16 + 8 -> 8, head: Conv1x1 8 -> n_classes (logits).

    Parameters
    ----------
    in_channels : int
        Channels of the input images.
    n_classes : int
        Channels of the output: one score map per class.
    upsample : str
        The decoders' upsampling: 'nearest', 'bilinear' or 'transposed'.

    Attributes
    ----------
    enc1, enc2 : UNetEncoder
    bottom : list
        Conv2D(16, 32, 3, padding=1), BatchNorm2D(32), ReLU().
    dec2, dec1 : UNetDecoder
    head : Conv2D

    Notes
    -----
    forward(x) takes x of shape (N, in_channels, H, W), H and W divisible by 4, and returns
    the logits, shape (N, n_classes, H, W): per-pixel class scores.
    """

    def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):
        self.enc1 = UNetEncoder(in_channels, 8)
        self.enc2 = UNetEncoder(8, 16)
        self.bottom = [Conv2D(16, 32, 3, padding=1), BatchNorm2D(32), ReLU()]
        self.dec2 = UNetDecoder(32 + 16, 16, upsample)
        self.dec1 = UNetDecoder(16 + 8, 8, upsample)
        self.head = Conv2D(8, n_classes, 1)

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, in_channels, H, W)
            H and W divisible by 4 (two 2x2 poolings).

        Returns
        -------
        logits : np.ndarray, shape (N, n_classes, H, W)
            Per-pixel class scores (no softmax: the loss applies it).
        """
        skip1, x = self.enc1.forward(x)          # (N, 8, H, W), (N, 8, H/2, W/2)
        skip2, x = self.enc2.forward(x)          # (N, 16, H/2, W/2), (N, 16, H/4, W/4)
        for layer in self.bottom:
            x = layer.forward(x)                 # (N, 32, H/4, W/4)
        x = self.dec2.forward(x, skip2)          # (N, 16, H/2, W/2)
        x = self.dec1.forward(x, skip1)          # (N, 8, H, W)
        return self.head.forward(x)              # (N, n_classes, H, W) logits

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, n_classes, H, W)
            Gradient w.r.t. the logits.

        Returns
        -------
        dx : np.ndarray, shape (N, in_channels, H, W)
            Each encoder receives the gradient from below plus its skip's, from the
            decoder at the same resolution.
        """
        d = self.head.backward(dout)
        d, dskip1 = self.dec1.backward(d)
        d, dskip2 = self.dec2.backward(d)
        for layer in reversed(self.bottom):
            d = layer.backward(d)
        d = self.enc2.backward(d, dskip2)
        return self.enc1.backward(d, dskip1)

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every sublayer with parameters, in attribute order
            (enc1, enc2, bottom, dec2, dec1, head); each grad has its param's shape.
        """
        return params_and_grads_of(self)
