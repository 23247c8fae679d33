"""Training a segmentation model: pixel-wise softmax cross-entropy and a momentum-SGD loop.

Used by the U-Net demo and by the grader, so that both train the same way without relying
on the learner's optimizer: the demo calls `train_segmentation`, the grader drives the same
`segmentation_loop` from its own process and applies the update through handles on the
learner's parameter arrays.

Usage::

    X, masks = make_shapes(200, size=32)
    losses = train_segmentation(SimpleUNet(1, 3), X, masks, steps=150, lr=0.05)
"""
from __future__ import annotations

import numpy as np

__all__ = ["pixel_cross_entropy", "train_segmentation", "segmentation_loop", "shuffled_batches",
           "refresh_batchnorm_stats"]


def pixel_cross_entropy(logits, masks):
    """Softmax cross-entropy of every pixel, averaged over all N*H*W pixels.

    Parameters
    ----------
    logits : np.ndarray, shape (N, C, H, W)
        Class scores per pixel (before softmax).
    masks : np.ndarray of int, shape (N, H, W)
        True class per pixel, in 0..C-1.

    Returns
    -------
    loss : float
        ``-mean over (n, i, j) of log softmax(logits[n, :, i, j])[masks[n, i, j]]``.
    dlogits : np.ndarray, shape (N, C, H, W)
        ``(softmax - onehot) / (N*H*W)``: the image-classification convention
        ``(softmax - onehot) / N`` with every pixel counted as a sample.
    """
    logits = np.asarray(logits, dtype=np.float64)
    masks = np.asarray(masks)
    if logits.ndim != 4:
        raise ValueError(f"logits must have shape (N, C, H, W), got {logits.shape}")
    N, C, H, W = logits.shape
    if masks.shape != (N, H, W):
        raise ValueError(f"masks must have shape {(N, H, W)} for logits of shape "
                         f"{logits.shape}, got {masks.shape}")
    if not np.issubdtype(masks.dtype, np.integer):
        raise ValueError(f"masks must hold integer labels, got dtype {masks.dtype}")
    if masks.size and (masks.min() < 0 or masks.max() >= C):
        raise ValueError(f"masks has labels in {masks.min()}..{masks.max()}, "
                         f"outside 0..{C - 1}")
    # Subtracting each pixel's max keeps exp() from overflowing; log-softmax stays exact.
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(log_probs, masks[:, None].astype(np.intp), axis=1)
    count = N * H * W
    loss = -picked.sum() / count
    dlogits = np.exp(log_probs)
    np.put_along_axis(dlogits, masks[:, None].astype(np.intp),
                      np.take_along_axis(dlogits, masks[:, None].astype(np.intp), axis=1) - 1,
                      axis=1)
    return float(loss), dlogits / count


def train_segmentation(model, X, masks, steps, lr, batch_size=8, momentum=0.9, seed=0, *,
                       callback=None):
    """Train ``model`` on (X, masks) with mini-batch momentum SGD; return the batch losses.

    Each step takes the next ``batch_size`` images of a shuffled pass (reshuffled when a
    pass ends), computes ``pixel_cross_entropy(model.forward(x), m)``, calls
    ``model.backward`` and updates every pair of ``model.get_params_and_grads()`` in place::

        v = momentum * v - lr * grad;   param += v

    with one velocity per parameter array, starting at zero. The model's train/eval mode is
    left as it is (BatchNorm2D in training mode normalises with the batch statistics).

    Parameters
    ----------
    model : object with forward(x) -> logits (N, C, H, W), backward(dlogits),
        get_params_and_grads() -> list of (param, grad)
    X : np.ndarray, shape (n, C_in, H, W)
    masks : np.ndarray of int, shape (n, H, W)
    steps : int
        Number of updates (>= 0).
    lr : float or callable
        The learning rate, or a function ``lr(step) -> float`` of the step number
        (0..steps-1), e.g. a decay that lets BatchNorm's running statistics settle.
    batch_size : int
    momentum : float in [0, 1)
    seed : int
        Seeds the shuffling (a private generator).
    callback : callable, optional
        ``callback(step, loss)`` after each update (the demo's progress bar).

    Returns
    -------
    list of float
        The loss of each step's batch, before that step's update. Training stops early,
        after appending it, at the first loss that is not finite.

    Raises
    ------
    TypeError
        The model returned something other than the expected arrays (e.g. None from a
        method that is still a TODO); the message names the method.
    """
    if not 0 <= momentum < 1:
        raise ValueError("need 0 <= momentum < 1")
    name = type(model).__name__
    velocities = {}                  # id(param) -> velocity; the live arrays persist

    def update(rate):
        pairs = model.get_params_and_grads()
        if not isinstance(pairs, (list, tuple)):
            raise TypeError(f"{name}.get_params_and_grads returned {_describe(pairs)}; "
                            "expected a list of (param, grad) pairs")
        for pair in pairs:
            param, grad = pair
            if not (isinstance(param, np.ndarray) and isinstance(grad, np.ndarray)
                    and param.shape == grad.shape):
                raise TypeError(f"{name}.get_params_and_grads gave a pair "
                                f"({_describe(param)}, {_describe(grad)}); expected two "
                                "arrays of the same shape (did backward store every grad?)")
            v = velocities.get(id(param))
            if v is None:
                v = velocities[id(param)] = np.zeros_like(param)
            v *= momentum
            v -= rate * grad
            param += v

    return segmentation_loop(model.forward, model.backward, update, X, masks, steps, lr,
                             batch_size=batch_size, seed=seed, callback=callback, name=name)


def segmentation_loop(forward, backward, update, X, masks, steps, lr, batch_size=8, seed=0,
                      callback=None, name="model"):
    """The loop of `train_segmentation`, with the parameter update left to the caller.

    The batches, the loss and the order of the calls are train_segmentation's; only the
    update is ``update(rate)``. So the grader can run this loop in its own process, on a
    model that lives in another one, and apply the same momentum SGD through its handles
    on the model's parameter arrays.

    Parameters
    ----------
    forward : callable
        ``forward(x) -> logits`` of shape (len(x), n_classes, H, W).
    backward : callable
        ``backward(dlogits)``; its result is not used.
    update : callable
        ``update(rate)``, after each backward: change the parameters with this step's
        learning rate.
    X, masks, steps, lr, batch_size, seed, callback :
        As in `train_segmentation`.
    name : str
        Names the model in the TypeError for logits of the wrong kind.

    Returns
    -------
    list of float
        As in `train_segmentation`.
    """
    X = np.asarray(X, dtype=np.float64)
    masks = np.asarray(masks)
    if len(X) != len(masks) or len(X) == 0:
        raise ValueError(f"X and masks must hold the same number (> 0) of images, "
                         f"got {len(X)} and {len(masks)}")
    if steps < 0 or batch_size < 1:
        raise ValueError("need steps >= 0 and batch_size >= 1")
    losses = []
    for step, idx in enumerate(shuffled_batches(len(X), batch_size, steps, seed)):
        x, m = X[idx], masks[idx]
        logits = forward(x)
        if not isinstance(logits, np.ndarray) or logits.ndim != 4 \
                or logits.shape[0] != len(x) or logits.shape[2:] != m.shape[1:]:
            raise TypeError(f"{name}.forward returned {_describe(logits)}; expected logits "
                            f"of shape ({len(x)}, n_classes, {m.shape[1]}, {m.shape[2]})")
        loss, dlogits = pixel_cross_entropy(logits, m)
        losses.append(loss)
        if not np.isfinite(loss):
            break
        backward(dlogits)
        update(lr(step) if callable(lr) else lr)
        if callback is not None:
            callback(step, loss)
    return losses


def shuffled_batches(n, batch_size, steps, seed=0):
    """The image indices of each of `steps` batches: the next `batch_size` of a shuffled
    pass over range(n), a new pass (reshuffled) when fewer than `batch_size` are left.

    Lazy, so a loop that stops early draws no more permutations than it used.
    """
    rng = np.random.default_rng(seed)
    order, cursor = rng.permutation(n), 0
    for _ in range(steps):
        if cursor + batch_size > n and cursor > 0:
            order, cursor = rng.permutation(n), 0
        yield order[cursor:cursor + batch_size]
        cursor += batch_size


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return "None" if value is None else f"a {type(value).__name__}"


def refresh_batchnorm_stats(model, X, batch_size=None):
    """Set every BatchNorm layer's running statistics to those of ``X`` under the final weights.

    During training the running averages trail the weights (with momentum 0.1 they mostly
    remember the last ~10 batches, taken while the weights still moved), which can cost an
    evaluation in eval mode several points of IoU. This runs the model once over ``X`` in
    training mode with each BatchNorm's ``momentum`` set to 1, so its running mean and
    (unbiased) variance become exactly those of ``X``'s activations, then restores the
    momenta and leaves the model in eval mode. No parameter changes.

    Parameters
    ----------
    model : a model whose BatchNorm layers have ``training``, ``momentum`` and running stats
    X : np.ndarray, shape (n, C_in, H, W)
        Training images, enough for stable statistics (a few dozen).
    batch_size : int, optional
        Ignored unless given: one forward pass over all of ``X`` is the exact statistic.
    """
    from ..model_utils import _walk, set_training

    layers = [layer for layer in _walk(model, set())
              if hasattr(layer, "training") and hasattr(layer, "momentum")]
    saved = [layer.momentum for layer in layers]
    try:
        for layer in layers:
            layer.momentum = 1.0
        set_training(model, True)
        model.forward(np.asarray(X, dtype=np.float64))
    finally:
        for layer, momentum in zip(layers, saved):
            layer.momentum = momentum
        set_training(model, False)
    return model
