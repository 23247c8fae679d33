"""BatchNorm2D of the naive loop-style tree used by the fairness tests: a loop over the
channels, with the statistics summed sample by sample, and the CS231n staged backward."""
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
        x : (N, C, H, W) -> out : (N, C, H, W)

        Training: per channel, the batch mean and biased variance over (N, H, W) normalise
        it, and update the running statistics. Eval (training = False): the running
        statistics normalise, and nothing is updated.
        """
        N, C, H, W = x.shape
        M = N * H * W
        out = np.zeros(x.shape)
        x_hat = np.zeros(x.shape)
        mean = np.zeros(C)
        var = np.zeros(C)
        if self.training:
            new_mean = np.array(self.running_mean, dtype=float)
            new_var = np.array(self.running_var, dtype=float)
        for c in range(C):
            if self.training:
                total = 0.0
                for n in range(N):
                    total += np.sum(x[n, c])
                mu = total / M
                squares = 0.0
                for n in range(N):
                    squares += np.sum((x[n, c] - mu) ** 2)
                sigma2 = squares / M                       # biased: normalises the batch
                unbiased = sigma2 * M / (M - 1) if M > 1 else sigma2
                m = self.momentum
                new_mean[c] = (1 - m) * self.running_mean[c] + m * mu
                new_var[c] = (1 - m) * self.running_var[c] + m * unbiased
            else:
                mu = self.running_mean[c]
                sigma2 = self.running_var[c]
            mean[c], var[c] = mu, sigma2
            inv_std = 1.0 / np.sqrt(sigma2 + self.eps)
            for n in range(N):
                x_hat[n, c] = (x[n, c] - mu) * inv_std
                out[n, c] = self.gamma[c] * x_hat[n, c] + self.beta[c]
        if self.training:
            self.running_mean = new_mean
            self.running_var = new_var
        self.cache = (x, x_hat, mean, var, self.training)
        return out

    def backward(self, dout):
        """
        dout : (N, C, H, W) -> dx : (N, C, H, W); also sets self.dgamma and self.dbeta.

        Training mode, per channel (the CS231n computational graph, M = N*H*W):
            dx_hat = dout * gamma
            dvar   = sum(dx_hat * (x - mu)) * -1/2 * (var + eps)^(-3/2)
            dmu    = sum(-dx_hat / sqrt(var + eps)) + dvar * mean(-2 (x - mu))
            dx     = dx_hat / sqrt(var + eps) + dvar * 2 (x - mu) / M + dmu / M
        Eval mode: the running statistics are constants, dx = dx_hat / sqrt(var + eps).
        """
        x, x_hat, mean, var, training = self.cache
        N, C, H, W = x.shape
        M = N * H * W
        dx = np.zeros(x.shape)
        dgamma = np.zeros(C)
        dbeta = np.zeros(C)
        for c in range(C):
            for n in range(N):
                dgamma[c] += np.sum(dout[n, c] * x_hat[n, c])
                dbeta[c] += np.sum(dout[n, c])
            inv_std = 1.0 / np.sqrt(var[c] + self.eps)
            dx_hat = dout[:, c] * self.gamma[c]
            if not training:
                dx[:, c] = dx_hat * inv_std
                continue
            centred = x[:, c] - mean[c]
            dvar = 0.0
            for n in range(N):
                dvar += np.sum(dx_hat[n] * centred[n])
            dvar *= -0.5 * inv_std ** 3
            dmu = 0.0
            sum_centred = 0.0
            for n in range(N):
                dmu += np.sum(-dx_hat[n] * inv_std)
                sum_centred += np.sum(centred[n])
            dmu += dvar * (-2.0 * sum_centred / M)
            for n in range(N):
                dx[n, c] = dx_hat[n] * inv_std + dvar * 2.0 * centred[n] / M + dmu / M
        self.dgamma = dgamma
        self.dbeta = dbeta
        return dx

    def get_params_and_grads(self):
        # self.dgamma / self.dbeta exist after the first backward
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]
