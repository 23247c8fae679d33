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

    For (1, 28, 28): 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4, so FC(16*4*4=256, 120);
    for (3, 32, 32): 32 -> 28 -> 14 -> 10 -> 5, so FC(16*5*5=400, 120).
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes=10):
        C, H, W = input_shape
        self.input_shape = tuple(input_shape)
        self.layers = [
            Conv2D(C, 6, 5), ReLU(), MaxPool2D(2),
            Conv2D(6, 16, 5), ReLU(), MaxPool2D(2),
            Flatten(),
        ]
        h, w = H, W
        for _ in range(2):  # conv 5x5 (no padding) then 2x2 pooling, twice
            h, w = (h - 4) // 2, (w - 4) // 2
        if h < 1 or w < 1:
            raise ValueError(f"input_shape {input_shape} is too small for two conv5 + pool2 stages")
        self.layers += [
            FullyConnected(16 * h * w, 120), ReLU(),
            FullyConnected(120, 84), ReLU(),
            FullyConnected(84, num_classes),
        ]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def get_params_and_grads(self):
        return [pair for layer in self.layers for pair in layer.get_params_and_grads()]


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
    base_lr = lr if optimizer is None else optimizer.lr
    history = []

    for epoch in range(epochs):
        lr = base_lr if schedule is None else schedule(base_lr, epoch)
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
