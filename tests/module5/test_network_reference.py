"""SimpleConvNet and the training loop of the Module 5 reference."""
import functools

import numpy as np
import pytest

from given.gradcheck import gradient_check
from reference.module5.layers import Conv2D, FullyConnected
from reference.module5.network import SimpleConvNet, train
from reference.module5.optim import SGD, MomentumSGD, step_decay

LENET_SHAPES = {
    (1, 28, 28): [(6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (256, 120), (120,),
                  (120, 84), (84,), (84, 10), (10,)],
    (3, 32, 32): [(6, 3, 5, 5), (6,), (16, 6, 5, 5), (16,), (400, 120), (120,),
                  (120, 84), (84,), (84, 10), (10,)],
}


@pytest.mark.parametrize("input_shape", list(LENET_SHAPES))
def test_output_and_parameter_shapes(input_shape):
    rng = np.random.default_rng(0)
    model = SimpleConvNet(input_shape=input_shape)
    x = rng.standard_normal((3, *input_shape))
    scores = model.forward(x)
    assert scores.shape == (3, 10) and scores.dtype == np.float64
    dx = model.backward(rng.standard_normal((3, 10)))
    assert dx.shape == x.shape
    pairs = model.get_params_and_grads()
    assert [p.shape for p, _ in pairs] == LENET_SHAPES[input_shape]
    assert all(p.shape == g.shape for p, g in pairs)


def test_params_are_live_so_an_update_changes_the_output():
    rng = np.random.default_rng(1)
    model = SimpleConvNet()
    x = rng.standard_normal((2, 1, 28, 28))
    before = model.forward(x)
    model.backward(rng.standard_normal((2, 10)))
    for param, grad in model.get_params_and_grads():
        param -= 0.1 * grad
    assert not np.allclose(model.forward(x), before)


def test_whole_network_gradient_on_a_tiny_input():
    """Sampled coordinates of every parameter and of the input, float64, with a random
    upstream gradient on the scores (its entries are O(1), unlike the 1/N-scaled gradient
    of the mean loss, so no checked entry is so small that rounding in the difference
    quotient dominates). Threshold 1e-7 as for single layers; inputs are random normals,
    so a sampled coordinate sits within h = 1e-5 of a ReLU kink or a pooling tie with
    negligible probability (fixed seed)."""
    np.random.seed(2)
    rng = np.random.default_rng(2)
    model = SimpleConvNet(input_shape=(1, 16, 16), num_classes=4)
    x = rng.standard_normal((2, 1, 16, 16))
    dout = rng.standard_normal((2, 4))
    model.forward(x)
    dx = model.backward(dout)
    for i, (param, grad) in enumerate(model.get_params_and_grads()):
        err = gradient_check(lambda _: model.forward(x), param, grad.copy(), dout,
                             num_checks=15, seed=i)
        assert err < 1e-7, f"parameter {i}: {err:.1e}"
    assert gradient_check(lambda v: model.forward(v), x, dx, dout, num_checks=30) < 1e-7


def test_bad_input_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="too small"):
        SimpleConvNet(input_shape=(1, 8, 8))
    model = SimpleConvNet(input_shape=(1, 28, 28))
    with pytest.raises(ValueError, match="input channels"):
        model.forward(np.zeros((1, 3, 28, 28)))


@pytest.mark.slow
@pytest.mark.parametrize("input_shape", list(LENET_SHAPES))
def test_overfits_twenty_samples(input_shape):
    """Overfit a tiny batch first: 20 random images with 10 labels, full-batch momentum SGD.
    The reference needs 35-60 epochs on seeds 0-4; 150 is the bound."""
    np.random.seed(3)
    rng = np.random.default_rng(3)
    X = rng.random((20, *input_shape))
    y = np.arange(20) % 10
    model = SimpleConvNet(input_shape=input_shape)
    history = train(model, X, y, epochs=150, batch_size=20, optimizer=MomentumSGD(0.01, 0.9))
    accuracy = np.mean(model.forward(X).argmax(axis=1) == y)
    assert accuracy == 1.0
    assert history[-1] < 0.05 < history[0]


class _Linear:
    """A one-parameter model whose gradient is known: scores = x * w, so train's arithmetic
    can be checked by hand."""

    def __init__(self):
        self.w = np.zeros((1, 2))

    def forward(self, x):
        self.x = x
        return x @ self.w

    def backward(self, dout):
        self.dw = self.x.T @ dout
        return dout @ self.w.T

    def get_params_and_grads(self):
        return [(self.w, self.dw)]


def test_train_plain_sgd_matches_hand_computation(capsys):
    # One sample x = 1 with label 0; logits (w0, w1) start at 0, softmax (1/2, 1/2):
    # dscores = (-1/2, 1/2), dw = dscores, so after one step with lr 0.2: w = (0.1, -0.1).
    model = _Linear()
    history = train(model, np.ones((1, 1)), np.array([0]), lr=0.2, epochs=1, batch_size=1)
    np.testing.assert_allclose(model.w, [[0.1, -0.1]], rtol=1e-15)
    assert history == [pytest.approx(np.log(2))]
    assert "Epoch 1, Loss: 0.6931" in capsys.readouterr().out


def test_train_uses_the_optimizer_and_sets_its_scheduled_rate():
    calls = []

    class Spy(SGD):
        def step(self, params_and_grads):
            calls.append(self.lr)
            super().step(params_and_grads)

    model = _Linear()
    schedule = functools.partial(step_decay, drop=0.5, epochs_per_drop=2)
    history = train(model, np.ones((4, 1)), np.zeros(4, dtype=int), lr=123.0, epochs=5,
                    batch_size=2, optimizer=Spy(lr=0.4), schedule=schedule)
    # Two batches per epoch; the optimizer's own rate (not lr=123) is the base rate.
    assert calls == [0.4, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1]
    assert len(history) == 5 and history == sorted(history, reverse=True)


def test_train_schedule_without_optimizer_scales_the_plain_update():
    model = _Linear()
    train(model, np.ones((1, 1)), np.array([0]), lr=0.2, epochs=1, batch_size=1,
          schedule=lambda base, epoch: base / 4)
    np.testing.assert_allclose(model.w, [[0.025, -0.025]], rtol=1e-15)


def test_layers_used_are_the_reference_ones():
    model = SimpleConvNet()
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D", "ReLU", "MaxPool2D", "Conv2D", "ReLU", "MaxPool2D", "Flatten",
                     "FullyConnected", "ReLU", "FullyConnected", "ReLU", "FullyConnected"]
    assert isinstance(model.layers[0], Conv2D) and isinstance(model.layers[-1], FullyConnected)
