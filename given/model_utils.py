"""Plumbing for models built from layers: collect parameters, switch train/eval mode.

Both walk an object's attributes (and lists/tuples of layers) in definition order, so a
block or model needs no bookkeeping of its own:

    def get_params_and_grads(self):
        return params_and_grads_of(self)
"""


def _children(obj):
    for value in vars(obj).values():
        if isinstance(value, (list, tuple)):
            yield from (v for v in value if hasattr(v, "__dict__"))
        elif hasattr(value, "forward") and hasattr(value, "__dict__"):
            yield value


def _walk(obj, seen):
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    for child in _children(obj):
        yield from _walk(child, seen)


def params_and_grads_of(model):
    """(param, grad) pairs of every layer inside `model` that has its own parameters, in
    attribute order, each layer once. Call after backward: the grads exist from then on."""
    pairs = []
    for layer in _walk(model, set()):
        is_leaf = next(_children(layer), None) is None
        if layer is not model and is_leaf and hasattr(layer, "get_params_and_grads"):
            pairs.extend(layer.get_params_and_grads())
    return pairs


def set_training(model, training):
    """Set `training` on every layer inside `model` that has it (BatchNorm2D): True for
    batch statistics, False for the running ones."""
    for layer in _walk(model, set()):
        if hasattr(layer, "training"):
            layer.training = training
    return model
