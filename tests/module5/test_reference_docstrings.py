"""The reference documents every public class, method and function of Module 5 and Module 6
numpy-style (issue 11, item 6): a docstring with a `Parameters` section naming every argument,
a `Returns` section when something is returned, and the array shapes involved, written like
`(N, C, H, W)` (or at least the word `shape`). The module-level helpers that hold the maths
(`_windows`, `_log_softmax`, `_bilinear_matrix`, ...) are held to the same standard: they are
where a reader of the reference learns the formula.

One file for both modules, so the rule is stated once.
"""
import ast
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

MODULES = [f"reference.module5.{m}" for m in ("layers", "loss", "network", "optim", "weight_init")]
MODULES += [f"reference.module6.{m}" for m in ("batchnorm", "resnet_blocks", "transposed_conv",
                                                "unet", "upsample")]

# Callables that need no array shape in their docstring: the learning-rate schedules take and
# return scalars (base_lr, epoch -> lr), and Upsample has no parameters (it returns []).
NO_SHAPE = {
    "reference.module5.optim.constant",
    "reference.module5.optim.step_decay",
    "reference.module5.optim.exponential_decay",
    "reference.module6.upsample.Upsample.get_params_and_grads",
}

# A shape such as (N, C, H, W), (N,), (D, M), (N*H'*W', C*kh*kw) or (N, C, H * s, W * s).
SHAPE = re.compile(r"\([A-Z][^()\n]*,[^()\n]*\)|\bshape\b")


def own_doc(obj):
    """The object's own docstring, cleaned; inspect.getdoc would fall back to a base class's."""
    return inspect.cleandoc(obj.__doc__) if obj.__doc__ else ""


def section(doc, title):
    """Body of the numpy-style section `title` (header, then a dashed underline), or None."""
    lines = doc.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.strip() == title and re.fullmatch(r"-{%d,}" % len(title), lines[i + 1].strip()):
            body = []
            for j in range(i + 2, len(lines)):
                if j + 1 < len(lines) and lines[j].strip() and \
                        re.fullmatch(r"-{3,}", lines[j + 1].strip()):
                    break  # the next section begins
                body.append(lines[j])
            return "\n".join(body)
    return None


def documents(body, name):
    """The section lists `name` as an entry: `name : type` (or `a, name : type`)."""
    return re.search(r"^\s*(?:\w+\s*,\s*)*%s\s*(?:,\s*\w+\s*)*:" % re.escape(name), body,
                     flags=re.M) is not None


def arguments(fn):
    return [p for p in inspect.signature(fn).parameters if p not in ("self", "cls")]


def returns_a_value(fn):
    """Its own body returns something other than None, or it is an abstract interface
    (`raise NotImplementedError`) whose overrides do."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    body = tree.body[0]
    found = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Return) and child.value is not None and not (
                    isinstance(child.value, ast.Constant) and child.value.value is None):
                found.append(child)
            if isinstance(child, ast.Raise) and "NotImplementedError" in ast.dump(child):
                found.append(child)
            visit(child)
    visit(body)
    return bool(found)


def _collect():
    """[(qualified name, kind, object)] for every class, method and module-level function
    the reference's Module 5 and 6 files define: public ones, plus private module-level
    helpers (the maths); methods are those not starting with `_`."""
    items = []
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if getattr(obj, "__module__", None) != module_name:
                continue  # imported from elsewhere
            qualified = f"{module_name}.{name}"
            if inspect.isclass(obj) and not name.startswith("_"):
                items.append((qualified, "class", obj))
                for attr, member in vars(obj).items():
                    if inspect.isfunction(member) and not attr.startswith("_"):
                        items.append((f"{qualified}.{attr}", "method", member))
            elif inspect.isfunction(obj):
                items.append((qualified, "function", obj))
    return items


ITEMS = _collect()
CALLABLES = [(q, obj) for q, kind, obj in ITEMS if kind != "class"]
CLASSES = [(q, obj) for q, kind, obj in ITEMS if kind == "class"]


def test_the_walk_sees_both_modules():
    names = {q for q, _, _ in ITEMS}
    assert len(CLASSES) >= 15 and len(CALLABLES) >= 55, (len(CLASSES), len(CALLABLES))
    for expected in ("reference.module5.layers.Conv2D.backward",
                     "reference.module5.loss.cross_entropy_loss",
                     "reference.module6.unet.SimpleUNet.forward",
                     "reference.module6.upsample._bilinear_matrix"):
        assert expected in names
    assert NO_SHAPE <= names, "the exemption list names something that no longer exists"


@pytest.mark.parametrize("qualified, fn", CALLABLES, ids=[q for q, _ in CALLABLES])
def test_callable_has_a_numpy_style_docstring(qualified, fn):
    doc = own_doc(fn)
    assert doc, f"{qualified} has no docstring"
    params, returns = section(doc, "Parameters"), section(doc, "Returns")
    assert params is not None or returns is not None, \
        f"{qualified}: no numpy-style Parameters or Returns section"
    args = arguments(fn)
    if args:
        assert params is not None, f"{qualified}: no Parameters section for {args}"
        missing = [a for a in args if not documents(params, a)]
        assert not missing, f"{qualified}: Parameters does not list {missing}"
    if returns_a_value(fn):
        assert returns is not None and returns.strip(), f"{qualified}: no Returns section"
    if qualified not in NO_SHAPE:
        assert SHAPE.search(doc), f"{qualified}: the docstring gives no array shape"


@pytest.mark.parametrize("qualified, cls", CLASSES, ids=[q for q, _ in CLASSES])
def test_class_documents_its_constructor(qualified, cls):
    doc = own_doc(cls)
    assert doc, f"{qualified} has no class docstring"
    init = vars(cls).get("__init__")
    args = arguments(init) if init is not None else []
    if args:
        # numpydoc allows the constructor's Parameters in the class or in __init__'s docstring
        bodies = [section(d, "Parameters") for d in (doc, own_doc(init))]
        bodies = [b for b in bodies if b is not None]
        assert bodies, f"{qualified}: no Parameters section for the constructor {args}"
        missing = [a for a in args if not any(documents(b, a) for b in bodies)]
        assert not missing, f"{qualified}: constructor Parameters do not list {missing}"
