"""Optimizers and learning-rate schedules (第七部分：優化技巧)."""
import numpy as np


class SGD:
    """Plain SGD: w = w - lr * grad.

    Parameters
    ----------
    lr : float
        Learning rate; train() may change self.lr every epoch (schedules).
    """

    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params_and_grads):
        """
        Update every parameter in place.

        Parameters
        ----------
        params_and_grads : list of (param, grad)
            e.g. model.get_params_and_grads(); param must be changed in place.
            Each grad is an np.ndarray of its param's shape.
        """
        for param, grad in params_and_grads:
            param -= self.lr * grad


class MomentumSGD:
    """
    SGD with momentum:
        v = β·v - lr·grad
        w = w + v
    Every parameter has its own velocity v, starting at zeros.

    Parameters
    ----------
    lr : float
        Learning rate; train() may change self.lr every epoch (schedules).
    momentum : float
        β, the fraction of the velocity kept from one step to the next.

    Attributes
    ----------
    velocities : dict
        id(param) -> v, an np.ndarray of param's shape.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.velocities = {}  # id(param) -> v, one velocity per parameter

    def step(self, params_and_grads):
        """
        Parameters
        ----------
        params_and_grads : list of (param, grad)
            e.g. model.get_params_and_grads(); param is changed in place. Each grad is an
            np.ndarray of its param's shape.
        """
        for param, grad in params_and_grads:
            # Keyed by identity: the live parameter arrays persist across steps.
            v = self.velocities.get(id(param))
            if v is None:
                v = self.velocities[id(param)] = np.zeros_like(param)
            v *= self.momentum
            v -= self.lr * grad
            param += v


def constant(base_lr, epoch):
    """Fixed learning rate: lr = base_lr.

    Parameters
    ----------
    base_lr : float
    epoch : int
        Counts from 0; not used.

    Returns
    -------
    lr : float
    """
    return base_lr


def step_decay(base_lr, epoch, drop=0.5, epochs_per_drop=10):
    """
    Step decay: multiply by `drop` every `epochs_per_drop` epochs.
        lr = base_lr * drop ** (epoch // epochs_per_drop)
    epoch counts from 0.

    Parameters
    ----------
    base_lr : float
    epoch : int
    drop : float
        Factor applied at every drop.
    epochs_per_drop : int

    Returns
    -------
    lr : float
    """
    return base_lr * drop ** (epoch // epochs_per_drop)


def exponential_decay(base_lr, epoch, decay_rate=0.9):
    """
    Exponential decay:
        lr = base_lr * decay_rate ** epoch
    epoch counts from 0.

    Parameters
    ----------
    base_lr : float
    epoch : int
    decay_rate : float
        Factor applied every epoch.

    Returns
    -------
    lr : float
    """
    return base_lr * decay_rate ** epoch
