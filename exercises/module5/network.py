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
        # TODO: 初始化所有層
        pass

    def forward(self, x):
        # TODO: 前向傳播
        pass

    def backward(self, dout):
        # TODO: 反向傳播
        pass

    def get_params_and_grads(self):
        # TODO: 返回所有可訓練參數和它們的梯度
        pass


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
        # TODO: 有 schedule 時，用 schedule(base_lr, epoch) 算出這個 epoch 的 learning rate
        # （有 optimizer 時要設定到 optimizer.lr）
        lr = base_lr

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
            # TODO: 有 optimizer 時改用 optimizer.step(model.get_params_and_grads())
            for param, grad in model.get_params_and_grads():
                param -= lr * grad

        print(f"Epoch {epoch+1}, Loss: {total_loss / n_samples:.4f}")
        history.append(total_loss / n_samples)

    return history
