"""SimpleConvNet and the training loop of the naive loop-style tree used by the fairness
tests."""
import numpy as np

from .layers import Conv2D, ReLU, MaxPool2D, Flatten, FullyConnected
from .loss import cross_entropy_loss


class SimpleConvNet:
    """
    A simple CNN similar to LeNet.

    Architecture:
    Conv(6, 5x5) -> ReLU -> MaxPool(2x2) ->
    Conv(16, 5x5) -> ReLU -> MaxPool(2x2) ->
    Flatten -> FC(120) -> ReLU -> FC(84) -> ReLU -> FC(10)
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes=10):
        C, H, W = input_shape
        self.input_shape = tuple(input_shape)
        # spatial size after each stage: conv 5x5 without padding (-4), then pool 2x2 (// 2)
        h, w = H, W
        h, w = (h - 4) // 2, (w - 4) // 2
        h, w = (h - 4) // 2, (w - 4) // 2
        if h < 1 or w < 1:
            raise ValueError(f"input_shape {input_shape} is too small for two conv5 + pool2 stages")
        self.layers = []
        self.layers.append(Conv2D(C, 6, 5))
        self.layers.append(ReLU())
        self.layers.append(MaxPool2D(2))
        self.layers.append(Conv2D(6, 16, 5))
        self.layers.append(ReLU())
        self.layers.append(MaxPool2D(2))
        self.layers.append(Flatten())
        self.layers.append(FullyConnected(16 * h * w, 120))
        self.layers.append(ReLU())
        self.layers.append(FullyConnected(120, 84))
        self.layers.append(ReLU())
        self.layers.append(FullyConnected(84, num_classes))

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, dout):
        """Back through the layers in reverse; returns the gradient w.r.t. the input."""
        grad = dout
        for k in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[k].backward(grad)
        return grad

    def get_params_and_grads(self):
        pairs = []
        for layer in self.layers:
            for pair in layer.get_params_and_grads():
                pairs.append(pair)
        return pairs


def train(model, X_train, y_train, lr=0.01, epochs=10, batch_size=32,
          optimizer=None, schedule=None):
    """
    Training loop.

    optimizer : object with step(params_and_grads), e.g. SGD or MomentumSGD from optim.py.
        None keeps the plain update `param -= lr * grad`. An optimizer owns its learning
        rate: with one, the `lr` argument is not used.
    schedule : callable (base_lr, epoch) -> lr, e.g. step_decay from optim.py; epoch counts
        from 0. None keeps the rate constant.

    Returns
    -------
    history : list of float, the mean training loss of each epoch
    """
    n_samples = X_train.shape[0]
    if optimizer is None:
        base_lr = lr
    else:
        base_lr = optimizer.lr
    history = []

    for epoch in range(epochs):
        # the rate of this epoch, always computed from the rate before training
        if schedule is None:
            lr = base_lr
        else:
            lr = schedule(base_lr, epoch)
        if optimizer is not None:
            optimizer.lr = lr

        # Shuffle
        indices = np.random.permutation(n_samples)
        X_train = X_train[indices]
        y_train = y_train[indices]

        total_loss = 0

        for i in range(0, n_samples, batch_size):
            X_batch = X_train[i:i+batch_size]
            y_batch = y_train[i:i+batch_size]

            # Forward
            scores = model.forward(X_batch)

            # Loss
            loss, dscores = cross_entropy_loss(scores, y_batch)
            total_loss += loss * len(y_batch)

            # Backward
            model.backward(dscores)

            # Update
            if optimizer is not None:
                optimizer.step(model.get_params_and_grads())
            else:
                for param, grad in model.get_params_and_grads():
                    param -= lr * grad

        print(f"Epoch {epoch+1}, Loss: {total_loss / n_samples:.4f}")
        history.append(total_loss / n_samples)

    return history
