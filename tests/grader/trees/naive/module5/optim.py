"""Optimizers and learning-rate schedules of the naive loop-style tree used by the fairness
tests: one parameter at a time."""
import numpy as np


class SGD:
    """Plain SGD: w = w - lr * grad."""

    def __init__(self, lr=0.01):
        self.lr = lr

    def step(self, params_and_grads):
        """Update every parameter in place (the model holds these very arrays)."""
        for param, grad in params_and_grads:
            param -= self.lr * grad


class MomentumSGD:
    """
    SGD with momentum:
        v = momentum * v - lr * grad
        w = w + v
    Every parameter has its own velocity v, starting at zeros.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.velocities = {}  # id(param) -> v, one velocity per parameter

    def step(self, params_and_grads):
        """One update of every (param, grad) pair, in place."""
        for param, grad in params_and_grads:
            key = id(param)
            if key not in self.velocities:
                self.velocities[key] = np.zeros_like(param)
            v = self.momentum * self.velocities[key] - self.lr * grad
            self.velocities[key] = v
            param += v


def constant(base_lr, epoch):
    """Fixed learning rate: lr = base_lr."""
    return base_lr


def step_decay(base_lr, epoch, drop=0.5, epochs_per_drop=10):
    """lr = base_lr * drop ** (epoch // epochs_per_drop), epoch counting from 0."""
    n_drops = epoch // epochs_per_drop
    return base_lr * drop ** n_drops


def exponential_decay(base_lr, epoch, decay_rate=0.9):
    """lr = base_lr * decay_rate ** epoch, epoch counting from 0."""
    return base_lr * decay_rate ** epoch
