"""Optimizers and learning-rate schedules (第七部分：優化技巧)."""
import numpy as np


class SGD:
    """Plain SGD: w = w - lr * grad."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params_and_grads):
        """
        Update every parameter in place.

        Parameters
        ----------
        params_and_grads : list of (param, grad)
            e.g. model.get_params_and_grads(); param must be changed in place.
        """
        # TODO: 實作
        # 注意要「原地」更新 param（param -= ...），模型才會看到新的值
        pass


class MomentumSGD:
    """
    SGD with momentum:
        v = β·v - lr·grad
        w = w + v
    Every parameter has its own velocity v, starting at zeros.
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
        """
        # TODO: 實作
        # 每個參數各自一個 velocity（第一次看到時從 0 開始）
        pass


def constant(base_lr, epoch):
    """Fixed learning rate: lr = base_lr."""
    # TODO: 實作
    pass


def step_decay(base_lr, epoch, drop=0.5, epochs_per_drop=10):
    """
    Step decay: multiply by `drop` every `epochs_per_drop` epochs.
        lr = base_lr * drop ** (epoch // epochs_per_drop)
    epoch counts from 0.
    """
    # TODO: 實作
    pass


def exponential_decay(base_lr, epoch, decay_rate=0.9):
    """
    Exponential decay:
        lr = base_lr * decay_rate ** epoch
    epoch counts from 0.
    """
    # TODO: 實作
    pass
