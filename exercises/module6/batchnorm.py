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
            # TODO: 計算 batch mean/var，normalize，scale & shift
            # 更新 running statistics
            pass
        else:
            # TODO: 用 running mean/var
            pass

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
        # TODO: 實作
        # 這個推導比較複雜，可以參考 CS231n 的筆記
        pass

    def get_params_and_grads(self):
        # self.dgamma / self.dbeta exist after the first backward
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]
