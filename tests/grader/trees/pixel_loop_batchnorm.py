"""BatchNorm2D written with four nested Python loops over (channel, sample, row, column):
every statistic, every normalised value and every gradient one scalar at a time. The
slowest honest style there is; tests/grader/test_naive_trees.py grades the reference with
this class in place of its own (module6/batchnorm.py)."""
import numpy as np


class BatchNorm2D:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.training = True
        self.cache = None

    def forward(self, x):
        N, C, H, W = x.shape
        M = N * H * W
        out = np.zeros(x.shape)
        x_hat = np.zeros(x.shape)
        inv_stds = np.zeros(C)
        for c in range(C):
            if self.training:
                total = 0.0
                for n in range(N):
                    for i in range(H):
                        for j in range(W):
                            total += x[n, c, i, j]
                mu = total / M
                squares = 0.0
                for n in range(N):
                    for i in range(H):
                        for j in range(W):
                            squares += (x[n, c, i, j] - mu) ** 2
                var = squares / M
                unbiased = squares / (M - 1) if M > 1 else var
                m = self.momentum
                self.running_mean[c] = (1 - m) * self.running_mean[c] + m * mu
                self.running_var[c] = (1 - m) * self.running_var[c] + m * unbiased
            else:
                mu, var = self.running_mean[c], self.running_var[c]
            inv_std = 1.0 / np.sqrt(var + self.eps)
            inv_stds[c] = inv_std
            for n in range(N):
                for i in range(H):
                    for j in range(W):
                        x_hat[n, c, i, j] = (x[n, c, i, j] - mu) * inv_std
                        out[n, c, i, j] = self.gamma[c] * x_hat[n, c, i, j] + self.beta[c]
        self.cache = (x_hat, inv_stds, self.training)
        return out

    def backward(self, dout):
        x_hat, inv_stds, training = self.cache
        N, C, H, W = dout.shape
        M = N * H * W
        dx = np.zeros(dout.shape)
        self.dgamma = np.zeros(C)
        self.dbeta = np.zeros(C)
        for c in range(C):
            sum_d, sum_dx_hat = 0.0, 0.0
            for n in range(N):
                for i in range(H):
                    for j in range(W):
                        g = dout[n, c, i, j]
                        sum_d += g
                        sum_dx_hat += g * x_hat[n, c, i, j]
            self.dbeta[c], self.dgamma[c] = sum_d, sum_dx_hat
            scale = self.gamma[c] * inv_stds[c]
            for n in range(N):
                for i in range(H):
                    for j in range(W):
                        g = dout[n, c, i, j]
                        if training:
                            # dx = γ/σ · (g − mean(g) − x̂ · mean(g · x̂))
                            dx[n, c, i, j] = scale * (g - sum_d / M
                                                      - x_hat[n, c, i, j] * sum_dx_hat / M)
                        else:
                            dx[n, c, i, j] = scale * g
        return dx

    def get_params_and_grads(self):
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]
