"""Conv2D implementations an honest learner might write, for the fairness tests: each must
pass every required check within the default time limits (a loop over output positions) or
fail only for time, with a message saying why (four nested loops).

Each is a whole `class Conv2D(Layer):` text for a copy of reference/module5/layers.py. What a
learner is handed complete (`__init__`, `get_params_and_grads`) is read from that file, and
what every loop version does around its loops (padding, the output size, the cache, the
crop of the padded gradient) is written once below; only the loops differ."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = "module5/layers.py"


def reference_conv2d_method(name):
    """The text of the reference Conv2D's method `name`, as it stands in the file."""
    text = (ROOT / "reference" / LAYERS).read_text(encoding="utf-8")
    conv = next(node for node in ast.parse(text).body
                if isinstance(node, ast.ClassDef) and node.name == "Conv2D")
    method = next(item for item in conv.body
                  if isinstance(item, ast.FunctionDef) and item.name == name)
    return "".join(text.splitlines(keepends=True)[method.lineno - 1:method.end_lineno])


FORWARD = '''    def forward(self, x):
        N, C, H, W = x.shape
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        Ho, Wo = (H + 2 * p - kh) // s + 1, (W + 2 * p - kw) // s + 1
{loops}        self.cache = (x.shape, xp)
        return out
'''

BACKWARD = '''    def backward(self, dout):
        (N, C, H, W), xp = self.cache
        F, _, kh, kw = self.W.shape
        s, p = self.stride, self.padding
        Ho, Wo = dout.shape[2], dout.shape[3]
        dxp = np.zeros_like(xp)
        dW = np.zeros_like(self.W)
{loops}        self.dW = dW
        self.db = dout.sum(axis=(0, 2, 3))
        return dxp[:, :, p:p + H, p:p + W]
'''


def loop_conv2d(doc, forward_loops, backward_loops):
    """`class Conv2D(Layer):` with docstring `doc`, the reference's __init__ and
    get_params_and_grads, and forward / backward whose loops are the given lines (indented
    for a method body, each ending in a newline)."""
    return (f'class Conv2D(Layer):\n    """{doc}"""\n\n'
            + reference_conv2d_method("__init__") + "\n"
            + FORWARD.format(loops=forward_loops) + "\n"
            + BACKWARD.format(loops=backward_loops) + "\n"
            + reference_conv2d_method("get_params_and_grads") + "\n\n")


POSITIONS_CONV2D = loop_conv2d(
    "Loops over output positions; vectorised over the batch and the channels (no im2col).",
    '''        out = np.empty((N, F, Ho, Wo))
        Wf = self.W.reshape(F, -1)
        for i in range(Ho):
            for j in range(Wo):
                patch = xp[:, :, i * s:i * s + kh, j * s:j * s + kw].reshape(N, -1)
                out[:, :, i, j] = patch @ Wf.T + self.b
''',
    '''        for i in range(Ho):
            for j in range(Wo):
                d = dout[:, :, i, j]
                dW += np.tensordot(d, xp[:, :, i * s:i * s + kh, j * s:j * s + kw], axes=(0, 0))
                dxp[:, :, i * s:i * s + kh, j * s:j * s + kw] += np.tensordot(d, self.W, axes=(1, 0))
''')

FOUR_LOOP_CONV2D = loop_conv2d(
    "Four nested Python loops (sample, filter, row, column); only the window sum is numpy.",
    '''        out = np.zeros((N, F, Ho, Wo))
        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        out[n, f, i, j] = np.sum(xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                                                 * self.W[f]) + self.b[f]
''',
    '''        for n in range(N):
            for f in range(F):
                for i in range(Ho):
                    for j in range(Wo):
                        g = dout[n, f, i, j]
                        dW[f] += g * xp[n, :, i * s:i * s + kh, j * s:j * s + kw]
                        dxp[n, :, i * s:i * s + kh, j * s:j * s + kw] += g * self.W[f]
''')


def with_conv2d(mutant, implementation):
    """A copy of the reference whose Conv2D class is `implementation`."""
    text = (ROOT / "reference" / LAYERS).read_text(encoding="utf-8")
    old = text[text.index("class Conv2D(Layer):"):text.index("class MaxPool2D(Layer):")]
    return mutant((LAYERS, old, implementation))
