import numpy as np

class Layer:
    """Base class for layers."""
    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def get_params_and_grads(self):
        """List of (param, grad) pairs: the live arrays. Layers without parameters return []."""
        return []


class FullyConnected(Layer):
    def __init__(self, in_features, out_features):
        # Xavier initialization
        self.W = np.random.randn(in_features, out_features) * np.sqrt(2.0 / in_features)
        self.b = np.zeros(out_features)
        self.cache = None

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, D)

        Returns
        -------
        out : np.ndarray, shape (N, M)
        """
        # TODO: 實作
        # 記得存 cache 給 backward 用
        pass

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, M)
            Gradient of loss w.r.t. output

        Returns
        -------
        dx : np.ndarray, shape (N, D)
        """
        # TODO: 實作
        # 同時計算 self.dW 和 self.db
        pass

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class ReLU(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        # TODO: 實作
        pass

    def backward(self, dout):
        # TODO: 實作
        pass


class Sigmoid(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        """
        sigmoid(x) = 1 / (1 + exp(-x)), elementwise.
        Must not overflow for large |x| (e.g. x = ±1000).
        """
        # TODO: 實作
        # 注意數值穩定：x 很負時 exp(-x) 會 overflow
        pass

    def backward(self, dout):
        # TODO: 實作
        # σ(x) · (1 - σ(x))
        pass


class Conv2D(Layer):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding

        # He initialization
        self.W = np.random.randn(
            out_channels, in_channels, kernel_size, kernel_size
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
        out : np.ndarray, shape (N, C_out, H', W')

        H' = (H + 2*padding - kH) // stride + 1, likewise W'.
        Read kH, kW from self.W.shape: the grader also sets non-square kernels.
        """
        # TODO: 實作
        pass

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C_out, H', W')

        Returns
        -------
        dx : np.ndarray, shape (N, C_in, H, W)
        """
        # TODO: 實作
        # 這是最難的部分！
        pass

    def get_params_and_grads(self):
        # self.dW / self.db exist after the first backward
        return [(self.W, self.dW), (self.b, self.db)]


class MaxPool2D(Layer):
    def __init__(self, kernel_size, stride=None):
        self.kernel_size = kernel_size
        self.stride = stride if stride else kernel_size
        self.cache = None

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)

        Windows may overlap (stride < kernel_size). When a window holds its
        maximum more than once, the gradient goes to the first one (row-major).
        """
        # TODO: 實作
        # 記得存最大值的位置
        pass

    def backward(self, dout):
        # TODO: 實作
        pass


class Flatten(Layer):
    def __init__(self):
        self.cache = None

    def forward(self, x):
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.cache)
