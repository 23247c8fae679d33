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

    Parameters
    ----------
    input_shape : tuple of int, (C, H, W)
        The shape of one image; H and W must leave at least 1x1 after the two stages.
    num_classes : int
        Length of each score row.

    Attributes
    ----------
    layers : list of Layer
        The 13 layers above, in order.

    Raises
    ------
    ValueError
        If input_shape is too small for two conv5 + pool2 stages.
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
        """
        Parameters
        ----------
        x : np.ndarray, shape (N, C, H, W)
            A batch of images of input_shape.

        Returns
        -------
        scores : np.ndarray, shape (N, num_classes)
            Raw scores (logits), for cross_entropy_loss.
        """
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout):
        """The chain rule through the layers in reverse order; each stores its own gradients.

        Parameters
        ----------
        dout : np.ndarray, shape (N, num_classes)
            Gradient of the loss w.r.t. the scores (dscores of cross_entropy_loss).

        Returns
        -------
        dx : np.ndarray, shape (N, C, H, W)
            Gradient w.r.t. the images.
        """
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def get_params_and_grads(self):
        """
        Returns
        -------
        params_and_grads : list of (np.ndarray, np.ndarray)
            The (param, grad) pairs of every layer, in layer order: (W, dW), (b, db) of
            conv1, conv2, fc1, fc2, fc3; each grad has its param's shape. Valid after the
            first backward.
        """
        return [pair for layer in self.layers for pair in layer.get_params_and_grads()]


def train(model, X_train, y_train, lr=0.01, epochs=10, batch_size=32,
          optimizer=None, schedule=None):
    """
    Training loop.

    Parameters
    ----------
    model : SimpleConvNet
        Or anything with forward, backward and get_params_and_grads.
    X_train : np.ndarray, shape (N, C, H, W)
    y_train : np.ndarray, shape (N,)
        Integer labels.
    lr : float
        Learning rate of the plain update (and the base rate of the schedule).
    epochs : int
    batch_size : int
        The last batch of an epoch may be smaller.
    optimizer : object with step(params_and_grads), e.g. SGD or MomentumSGD from optim.py.
        None keeps the plain update `param -= lr * grad`. An optimizer owns its learning
        rate: with one, the `lr` argument is not used.
    schedule : callable (base_lr, epoch) -> lr, e.g. step_decay from optim.py; epoch counts
        from 0. None keeps the rate constant.

    Returns
    -------
    history : list of float, the mean training loss of each epoch

    Every epoch reshuffles the data with np.random and prints its mean loss.
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
