import numpy as np

class BatchNorm2D:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        """
        Batch Normalization for 2D inputs (images).

        Parameters
        ----------
        num_features : int
            Number of channels
        eps : float
            Small constant for numerical stability
        momentum : float
            Momentum for running statistics

        Conventions (PyTorch's): normalise with the biased batch variance;
        running = (1 - momentum) * running + momentum * batch_stat, where
        running_var takes the unbiased variance (divide by n - 1, n = N*H*W).
        """
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum

        # Learnable parameters
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)

        # Running statistics (for inference)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)

        self.cache = None
        self.training = True

    def forward(self, x):
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        out : np.ndarray, shape (N, C, H, W)
        """
        if self.training:
            n = x.shape[0] * x.shape[2] * x.shape[3]
            mean = x.mean(axis=(0, 2, 3))
            var = x.var(axis=(0, 2, 3))            # biased: what normalises the batch
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            # the running variance estimates the population: unbiased (PyTorch's convention)
            self.running_var = (1 - m) * self.running_var + m * var * n / max(n - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean[None, :, None, None]) * inv_std[None, :, None, None]
        self.cache = (x_hat, inv_std, self.training)
        return self.gamma[None, :, None, None] * x_hat + self.beta[None, :, None, None]

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        dx : np.ndarray, shape (N, C, H, W)

        Also computes self.dgamma and self.dbeta
        """
        x_hat, inv_std, training = self.cache
        self.dgamma = (dout * x_hat).sum(axis=(0, 2, 3))
        self.dbeta = dout.sum(axis=(0, 2, 3))
        dx_hat = dout * self.gamma[None, :, None, None]
        scale = inv_std[None, :, None, None]
        if not training:
            # running statistics are constants: x_hat is an affine function of x
            return dx_hat * scale
        # In training, mean and var depend on every x of the channel. With M = N*H*W:
        # dx = inv_std / M * (M * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))
        mean_d = dx_hat.mean(axis=(0, 2, 3), keepdims=True)
        mean_dx = (dx_hat * x_hat).mean(axis=(0, 2, 3), keepdims=True)
        return scale * (dx_hat - mean_d - x_hat * mean_dx)

    def get_params_and_grads(self):
        # self.dgamma / self.dbeta exist after the first backward
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]
