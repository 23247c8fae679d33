import numpy as np


class ConvTranspose2D:
    """
    Transposed convolution (反卷積，選做), PyTorch's conv_transpose2d semantics.

    Every input pixel scatters a copy of the kernel, scaled by its value, into the output:
        Y[n, :, i*s : i*s+k, j*s : j*s+k] += x[n, c, i, j] * W[c, :, :, :]
    then `padding` rows/columns are cropped from each border.
    Output size: H_out = (H - 1) * stride - 2 * padding + kernel_size + output_padding.
    Its forward is the input-gradient (backward) of Conv2D with the same weights, and its
    backward is an ordinary convolution.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0):
        if not 0 <= output_padding < max(stride, 1):
            raise ValueError("output_padding must be smaller than stride")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.output_padding = output_padding

        # weight layout (C_in, C_out, k, k), as in PyTorch
        self.W = np.random.randn(
            in_channels, out_channels, kernel_size, kernel_size
        ) * np.sqrt(2.0 / (in_channels * kernel_size * kernel_size))
        self.b = np.zeros(out_channels)
        self.cache = None

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C_in, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C_out, H_out, W_out)
        """
        # TODO: 實作（選做）
        # 每個輸入像素把 kernel 乘上自己的值「撒」到輸出上，最後裁掉 padding
        pass

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H_out, W_out)

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)

        Also computes self.dW and self.db
        """
        # TODO: 實作（選做）
        # backward 是一般的卷積
        pass

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]
