"""Residual against plain: train a stack of the learner's BasicBlocks with and without the
shortcut, everything else equal.

    stem   = Conv2D(1, 8, 3, padding=1)                 # the learner's layers
    blocks = [BasicBlock(8, 8) for _ in range(8)]
    X, y = make_data(16, size=7, seed=0)
    run = train_stack(stem, blocks, X, y, steps=25, lr=0.1, residual=True, seed=0)
    run["losses"]            # training loss before every step, then after the last one

With `residual=False` each block runs as its six sub-layers in sequence,

    conv1 -> bn1 -> relu1 -> conv2 -> bn2 -> relu2

that is the same block without `+ x` (the names come from BasicBlock.__init__), so the
plain stack has exactly the residual stack's layers and parameters. Give both runs fresh
blocks with the same parameter values (`parameters` lists them) and the same data: then
the shortcut is the only difference.

The head is given numpy code, not a learner's layer: global average pooling, then a linear
layer, then softmax cross-entropy (mean over the batch). Updates are plain SGD on every
parameter, in place.

The grader (m6.resnet.residual_vs_plain) runs this computation from its own process
instead: the same steps, with the learner's stem and blocks driven through its proxy for
the residual run and its own oracle layers for the plain one, so no verdict rests on code
running next to the learner's. `head_loss`, `make_data` and `MAIN_PATH` are shared with it.
"""
import numpy as np

from ..data.synthetic import make_digits

#: BasicBlock's main path, in forward order (attribute names from BasicBlock.__init__).
MAIN_PATH = ("conv1", "bn1", "relu1", "conv2", "bn2", "relu2")
NUM_CLASSES = 10


def make_data(n, size=7, seed=0):
    """`n` generated digit images, (n, 1, size, size), centred to mean 0, and their labels."""
    X, y = make_digits(n, image_shape=(1, size, size), seed=seed)
    return X - X.mean(), y


# -- the stack ------------------------------------------------------------------------
def block_forward(block, x, residual=True):
    """The block itself, or (residual=False) its main path without the shortcut."""
    if residual:
        return block.forward(x)
    for name in MAIN_PATH:
        x = getattr(block, name).forward(x)
    return x


def block_backward(block, dout, residual=True):
    if residual:
        return block.backward(dout)
    for name in reversed(MAIN_PATH):
        dout = getattr(block, name).backward(dout)
    return dout


def stack_forward(stem, blocks, X, residual=True):
    h = stem.forward(X)
    for block in blocks:
        h = block_forward(block, h, residual)
    return h


def stack_backward(stem, blocks, dh, residual=True):
    """Backward through the blocks and the stem; returns the gradient w.r.t. the input."""
    for block in reversed(blocks):
        dh = block_backward(block, dh, residual)
    return stem.backward(dh)


def parameters(stem, blocks, residual=True):
    """(layer, parameter name, gradient name) of every trained parameter, in a fixed order:
    the stem's W and b, then per block conv1, bn1, conv2, bn2 (and the projection shortcut,
    when a block has one and the run is residual)."""
    conv = (("W", "dW"), ("b", "db"))
    bn = (("gamma", "dgamma"), ("beta", "dbeta"))
    slots = [(stem, p, g) for p, g in conv]
    for block in blocks:
        for name, kind in (("conv1", conv), ("bn1", bn), ("conv2", conv), ("bn2", bn)):
            slots += [(getattr(block, name), p, g) for p, g in kind]
        if residual and getattr(block, "shortcut", None) is not None:
            slots += [(block.shortcut, p, g) for p, g in conv]
            slots += [(block.shortcut_bn, p, g) for p, g in bn]
    return slots


# -- the head: global average pooling, linear, softmax cross-entropy ------------------
def head_init(channels, num_classes=NUM_CLASSES, seed=0):
    """(W, b): W ~ N(0, 1/channels), b = 0."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((channels, num_classes)) / np.sqrt(channels), np.zeros(num_classes)


def head_loss(h, W, b, y):
    """Mean cross-entropy of softmax(mean_{H,W}(h) @ W + b).

    Returns (loss, dh, dW, db)."""
    N, C, H, Wd = h.shape
    f = h.mean(axis=(2, 3))
    s = f @ W + b
    s = s - s.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    rows = np.arange(N)
    loss = float(-log_p[rows, y].mean())
    ds = np.exp(log_p)
    ds[rows, y] -= 1.0
    ds /= N
    dh = np.broadcast_to((ds @ W.T)[:, :, None, None] / (H * Wd), h.shape).copy()
    return loss, dh, f.T @ ds, ds.sum(axis=0)


# -- training ---------------------------------------------------------------------------
def train_stack(stem, blocks, X, y, steps, lr, residual=True, seed=0, head=None):
    """Train stem + blocks + head with full-batch SGD for `steps` steps.

    Parameters
    ----------
    stem : layer with forward/backward and W, b, dW, db (the learner's Conv2D)
    blocks : list of BasicBlock
    X, y : the training batch
    steps : int
    lr : float
    residual : bool
        False runs every block without its shortcut (MAIN_PATH in sequence).
    seed : int
        Seeds the head's initial weights (when `head` is None).
    head : (W, b) or None
        Initial head weights; copied, never changed.

    Returns
    -------
    dict with
        losses : list of float, the loss before each step and, last, after the final one
        first_grad_norm : float, |dW| of the stem (the first layer) at the first step
        input_grad_norm : float, |dL/dX| at the first step
        head : (W, b) after training
    """
    h = stack_forward(stem, blocks, X, residual)
    W, b = head_init(h.shape[1], NUM_CLASSES, seed) if head is None else head
    W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
    slots = parameters(stem, blocks, residual)
    losses, first_grad_norm, input_grad_norm = [], None, None
    for step in range(steps):
        if step:
            h = stack_forward(stem, blocks, X, residual)
        loss, dh, dW, db = head_loss(h, W, b, y)
        losses.append(loss)
        dX = stack_backward(stem, blocks, dh, residual)
        if step == 0:
            first_grad_norm = float(np.linalg.norm(stem.dW))
            input_grad_norm = float(np.linalg.norm(dX))
        for layer, p, g in slots:
            param = getattr(layer, p)
            param -= lr * getattr(layer, g)
        W -= lr * dW
        b -= lr * db
    losses.append(head_loss(stack_forward(stem, blocks, X, residual), W, b, y)[0])
    return {"losses": losses, "first_grad_norm": first_grad_norm,
            "input_grad_norm": input_grad_norm, "head": (W, b)}
