import numpy as np


def _batchnorm_backward(dout, x_hat, gamma, inv_std, dgamma, dbeta):
    """Gradient through x_hat = (x - mean) * inv_std when mean and var are the batch's own.

    Per channel, over its M = N*H*W values (the sums run over n, h, w), the textbook form is
        dx = inv_std / M * (M * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))
    with dx_hat = dout * gamma. Its three terms are the three paths from x to x_hat: directly,
    through the mean (every x moves it by 1/M), and through the variance
    (d var / dx = 2 (x - mean) / M). In eval mode only the direct path exists:
    dx = dx_hat * inv_std.

    Parameters
    ----------
    dout : np.ndarray, shape (N, C, H, W)
    x_hat : np.ndarray, shape (N, C, H, W)
        The normalised input of the forward pass.
    gamma, inv_std : np.ndarray, shape (C,)
        The scale, and 1 / sqrt(var + eps) of the batch.
    dgamma, dbeta : np.ndarray, shape (C,)
        sum(dout * x_hat) and sum(dout), as the backward computed them.

    Returns
    -------
    dx : np.ndarray, shape (N, C, H, W)
    """
    M = dout.size // dout.shape[1]
    # dx_hat = dout * gamma with gamma constant per channel: gamma comes out of the bracket
    # into the scale, and the bracket's two sums are then dbeta and dgamma, already computed
    # (no pass over the data again). Dividing the bracket by M turns them into means, and
    # every term stays at the scale of dout instead of M times it.
    mean_d = (dbeta / M)[None, :, None, None]
    mean_dx = (dgamma / M)[None, :, None, None]
    scale = (gamma * inv_std)[None, :, None, None]
    # dx = scale * (dout - mean_d - x_hat * mean_dx), step by step in one new array: each
    # step rewrites it in place instead of writing the next temporary to fresh memory.
    dx = x_hat * mean_dx
    dx += mean_d
    np.subtract(dout, dx, out=dx)
    dx *= scale
    return dx


class BatchNorm2D:
    """
    Batch Normalization over the channels of a batch of images, shape (N, C, H, W).

    Every channel c is normalised with the mean and biased variance of its N*H*W values,
    then scaled and shifted by learnable parameters:
        out[:, c] = gamma[c] * (x[:, c] - mean[c]) / sqrt(var[c] + eps) + beta[c]
    In training (self.training True) mean and var are the batch's and the running
    statistics are updated; in eval mode (False) the running statistics are used instead.
    The constructor's Parameters are in __init__'s docstring.

    Attributes
    ----------
    gamma, beta : np.ndarray, shape (C,)
        Scale (starts at 1) and shift (starts at 0).
    running_mean, running_var : np.ndarray, shape (C,)
        Start at 0 and 1.
    dgamma, dbeta : np.ndarray, shape (C,)
        Set by backward.
    training : bool
    cache : tuple
        (x_hat, inv_std, training) of the last forward.
    """

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

        Notes
        -----
        Training: mean and var (biased, divided by n = N*H*W) over axes (0, 2, 3), then
            running_mean <- (1 - momentum) * running_mean + momentum * mean
            running_var  <- (1 - momentum) * running_var  + momentum * var * n / (n - 1)
        Eval: mean and var are the running statistics, which stay unchanged. Both modes:
            x_hat = (x - mean) / sqrt(var + eps),   out = gamma * x_hat + beta
        """
        if self.training:
            n = x.shape[0] * x.shape[2] * x.shape[3]
            mean = x.mean(axis=(0, 2, 3))
            centred = x - mean[None, :, None, None]
            # biased (divided by n): what normalises the batch; a sum of products per channel
            var = np.einsum("nchw,nchw->c", centred, centred) / n
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            # the running variance estimates the population: unbiased (PyTorch's convention)
            self.running_var = (1 - m) * self.running_var + m * var * n / max(n - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
            centred = x - mean[None, :, None, None]
        inv_std = 1.0 / np.sqrt(var + self.eps)
        # centred is this call's own array: normalised in place, and out scaled and shifted
        # in place, so no step writes a temporary to fresh memory
        x_hat = np.multiply(centred, inv_std[None, :, None, None], out=centred)
        self.cache = (x_hat, inv_std, self.training)
        out = x_hat * self.gamma[None, :, None, None]
        out += self.beta[None, :, None, None]
        return out

    def backward(self, dout):
        """
        Parameters
        ----------
        dout : np.ndarray, shape (N, C, H, W)

        Returns
        -------
        dx : np.ndarray, shape (N, C, H, W)

        Also computes self.dgamma and self.dbeta

        Notes
        -----
        dgamma = sum of dout * x_hat, dbeta = sum of dout, both over axes (0, 2, 3), shape
        (C,); dx_hat = dout * gamma. The step from dx_hat to dx depends on the mode the
        forward ran in (see `_batchnorm_backward`, which reuses dgamma and dbeta).
        """
        x_hat, inv_std, training = self.cache
        self.dgamma = np.einsum("nchw,nchw->c", dout, x_hat)     # the sum of dout * x_hat
        self.dbeta = dout.sum(axis=(0, 2, 3))
        gamma = self.gamma                                        # dx_hat = dout * gamma
        if not training:
            # running statistics are constants: x_hat is an affine function of x
            return dout * (gamma * inv_std)[None, :, None, None]
        # In training, mean and var depend on every x of the channel.
        return _batchnorm_backward(dout, x_hat, gamma, inv_std, self.dgamma, self.dbeta)

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            [(gamma, dgamma), (beta, dbeta)], each of shape (C,): the live arrays. The
            running statistics are not parameters: no gradient trains them.
        """
        # self.dgamma / self.dbeta exist after the first backward
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]
