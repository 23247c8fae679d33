"""given.experiments.segmentation: pixel-wise cross-entropy, the momentum-SGD loop, BatchNorm
refresh."""
import numpy as np
import pytest

from given.data.shapes import make_shapes
from given.gradcheck import numerical_gradient
from given.experiments.segmentation import (pixel_cross_entropy, refresh_batchnorm_stats,
                                            segmentation_loop, shuffled_batches,
                                            train_segmentation)
from reference.module6.unet import SimpleUNet


def loop_cross_entropy(logits, masks):
    """Oracle: -log softmax of the true class, pixel by pixel, in plain Python floats."""
    N, C, H, W = logits.shape
    total = 0.0
    for n in range(N):
        for i in range(H):
            for j in range(W):
                scores = [float(logits[n, c, i, j]) for c in range(C)]
                top = max(scores)
                log_sum = top + np.log(sum(np.exp(s - top) for s in scores))
                total += log_sum - scores[masks[n, i, j]]
    return total / (N * H * W)


# --------------------------------------------------------------------------- pixel CE

def test_pixel_cross_entropy_matches_a_loop_oracle():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 4, 5)) * 3
    masks = rng.integers(0, 3, size=(2, 4, 5))
    loss, dlogits = pixel_cross_entropy(logits, masks)
    assert isinstance(loss, float)
    assert loss == pytest.approx(loop_cross_entropy(logits, masks), rel=1e-12)
    assert dlogits.shape == logits.shape


def test_pixel_cross_entropy_gradient_is_numerically_right():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 4, 3, 3))
    masks = rng.integers(0, 4, size=(2, 3, 3))
    _, dlogits = pixel_cross_entropy(logits, masks)
    numeric = numerical_gradient(lambda _: pixel_cross_entropy(logits, masks)[0], logits, h=1e-6)
    np.testing.assert_allclose(dlogits, numeric, rtol=1e-6, atol=1e-10)
    # (softmax - onehot) / (N*H*W): each pixel's gradient sums to zero over the classes.
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)


def test_pixel_cross_entropy_is_stable_for_huge_logits():
    logits = np.zeros((1, 2, 1, 2))
    logits[0, 0] = 1000.0                      # softmax saturates; exp(1000) would overflow
    loss, dlogits = pixel_cross_entropy(logits, np.array([[[0, 1]]]))
    assert loss == pytest.approx(500.0)          # pixel 0: 0, pixel 1: 1000, mean 500
    assert np.all(np.isfinite(dlogits))
    np.testing.assert_allclose(dlogits[0, :, 0, 1], [0.5, -0.5])


@pytest.mark.parametrize("logits, masks", [
    (np.zeros((2, 3, 4)), np.zeros((2, 4), int)),            # not 4-D
    (np.zeros((2, 3, 4, 4)), np.zeros((2, 4, 5), int)),      # mask shape
    (np.zeros((1, 3, 2, 2)), np.full((1, 2, 2), 3)),         # label out of range
    (np.zeros((1, 3, 2, 2)), np.zeros((1, 2, 2))),           # float labels
])
def test_pixel_cross_entropy_refuses_bad_input(logits, masks):
    with pytest.raises(ValueError):
        pixel_cross_entropy(logits, masks)


# --------------------------------------------------------------------------- training loop

class PixelLinear:
    """A 1x1 convolution without bias: logits[n, o] = sum_c W[o, c] x[n, c]."""

    def __init__(self, W):
        self.W = W.copy()
        self.dW = None
        self.forward_calls = 0

    def forward(self, x):
        self.x = x
        self.forward_calls += 1
        return np.einsum("oc,nchw->nohw", self.W, x)

    def backward(self, dout):
        self.dW = np.einsum("nohw,nchw->oc", dout, self.x)
        return np.einsum("oc,nohw->nchw", self.W, dout)

    def get_params_and_grads(self):
        return [(self.W, self.dW)]


def test_train_segmentation_is_momentum_sgd_on_the_given_loss():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(4, 2, 3, 3))
    masks = rng.integers(0, 3, size=(4, 3, 3))
    W0 = rng.normal(size=(3, 2))
    model = PixelLinear(W0)
    schedule = [0.5, 0.25, 0.125]
    seen = []
    losses = train_segmentation(model, X, masks, steps=3, lr=lambda s: schedule[s],
                                batch_size=4, momentum=0.8, seed=0,
                                callback=lambda step, loss: seen.append((step, loss)))
    # Full batches: the shuffling does not change the (mean) loss, so a plain loop agrees.
    W, v, expected = W0.copy(), np.zeros_like(W0), []
    oracle = PixelLinear(W)
    for lr in schedule:
        loss, d = pixel_cross_entropy(oracle.forward(X), masks)
        oracle.backward(d)
        expected.append(loss)
        v = 0.8 * v - lr * oracle.dW
        oracle.W += v
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    np.testing.assert_allclose(model.W, oracle.W, rtol=1e-12)
    assert seen == list(enumerate(losses))
    assert losses[-1] < losses[0]


def test_train_segmentation_walks_the_data_in_shuffled_batches():
    X = np.arange(10, dtype=float).reshape(10, 1, 1, 1)
    masks = np.zeros((10, 1, 1), dtype=int)
    seen = []

    class Recorder(PixelLinear):
        def forward(self, x):
            seen.append(sorted(x.ravel().astype(int)))
            return super().forward(x)

    train_segmentation(Recorder(np.zeros((2, 1))), X, masks, steps=4, lr=0.1, batch_size=4,
                       seed=5)
    assert [len(b) for b in seen] == [4, 4, 4, 4]
    assert sorted(seen[0] + seen[1]) == sorted(set(seen[0] + seen[1]))   # no repeats in a pass
    # The third batch would only have 2 images left: a new pass starts instead.
    assert len(set(seen[2] + seen[3])) == 8


def test_segmentation_loop_with_an_update_from_outside_is_train_segmentation():
    """The grader's way: the loop drives forward/backward, and the update computes the new
    parameters out of place and writes them into the model's array (as through a handle).
    It is the same computation as train_segmentation's in-place momentum SGD."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 2, 3, 3))
    masks = rng.integers(0, 3, size=(10, 3, 3))
    W0 = rng.normal(size=(3, 2))
    inside, outside = PixelLinear(W0), PixelLinear(W0)
    want = train_segmentation(inside, X, masks, steps=7, lr=0.3, batch_size=4, momentum=0.9,
                              seed=11)
    v = np.zeros_like(W0)

    def update(rate):
        nonlocal v
        v = 0.9 * v - rate * outside.dW
        outside.W[...] = outside.W + v

    got = segmentation_loop(outside.forward, outside.backward, update, X, masks, steps=7,
                            lr=0.3, batch_size=4, seed=11)
    assert got == want
    assert np.array_equal(outside.W, inside.W)
    assert not np.array_equal(outside.W, W0)


def test_shuffled_batches_draws_a_new_pass_only_when_one_is_used_up():
    batches = [list(b) for b in shuffled_batches(10, 4, 5, seed=2)]
    assert [len(b) for b in batches] == [4] * 5
    rng = np.random.default_rng(2)
    first, second = rng.permutation(10), rng.permutation(10)
    # 10 images, batches of 4: two from each pass, the last 2 of a pass are skipped.
    assert batches[0] == list(first[:4]) and batches[1] == list(first[4:8])
    assert batches[2] == list(second[:4]) and batches[3] == list(second[4:8])


def test_train_segmentation_names_a_forward_that_returns_none():
    class Todo(PixelLinear):
        def forward(self, x):
            pass

    with pytest.raises(TypeError, match=r"Todo\.forward returned None"):
        train_segmentation(Todo(np.zeros((2, 1))), np.zeros((2, 1, 2, 2)),
                           np.zeros((2, 2, 2), int), steps=1, lr=0.1)


def test_train_segmentation_stops_at_a_nan_loss():
    model = PixelLinear(np.full((2, 1), np.nan))
    losses = train_segmentation(model, np.ones((2, 1, 2, 2)), np.zeros((2, 2, 2), int),
                                steps=5, lr=0.1)
    assert len(losses) == 1 and np.isnan(losses[0])
    assert model.dW is None                      # no backward after the NaN


def test_train_segmentation_lowers_the_loss_of_the_reference_unet():
    np.random.seed(0)
    X, masks = make_shapes(16, size=16, seed=0)
    model = SimpleUNet(in_channels=1, n_classes=3)
    losses = train_segmentation(model, X, masks, steps=30, lr=0.05, batch_size=4)
    assert len(losses) == 30 and all(np.isfinite(losses))
    # Measured: 1.73 on the first batch, 0.28 over the last five steps.
    assert np.mean(losses[-5:]) < 0.6 * losses[0]


def test_refresh_batchnorm_stats_sets_the_statistics_of_the_given_images():
    np.random.seed(1)
    X, masks = make_shapes(12, size=16, seed=1)
    model = SimpleUNet(in_channels=1, n_classes=3)
    train_segmentation(model, X[:8], masks[:8], steps=3, lr=0.05, batch_size=4)
    refresh_batchnorm_stats(model, X)
    conv, bn = model.enc1.layers[0], model.enc1.layers[1]
    features = conv.forward(X)
    np.testing.assert_allclose(bn.running_mean, features.mean(axis=(0, 2, 3)), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, features.var(axis=(0, 2, 3), ddof=1), rtol=1e-10)
    assert bn.momentum == 0.1 and bn.training is False          # restored, eval mode
    assert all(layer.training is False for layer in model.dec1.layers if hasattr(layer, "training"))
