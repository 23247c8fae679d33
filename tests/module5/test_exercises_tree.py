"""The learner's tree: importable, the seed's skeletons in place, every TODO a `pass` that
returns None, and the same public API as the reference."""
import ast
import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "002_3cf4cf498c125a5c.txt"
MODULES = ["layers", "loss", "network", "optim", "weight_init"]


def source_tree(tree, module):
    path = ROOT / tree / "module5" / f"{module}.py"
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def functions(tree, module):
    """{qualified name: FunctionDef} for top-level functions and methods."""
    found = {}
    for node in source_tree(tree, module).body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    found[f"{node.name}.{item.name}"] = item
    return found


def is_stub(fn):
    """Body is an optional docstring and `pass`: what the seeds leave for the learner."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return len(body) == 1 and isinstance(body[0], ast.Pass)


def _x(*shape):
    return np.random.default_rng(0).standard_normal(shape)


def _after_forward(layer, x):
    layer.forward(x)
    return layer


# How to call each TODO stub. The test below also asserts that this table and the stubs
# found in the files are the same set, so neither can drift.
STUB_CALLS = {
    ("layers", "FullyConnected.forward"): lambda m: m.FullyConnected(3, 2).forward(_x(4, 3)),
    ("layers", "FullyConnected.backward"): lambda m: m.FullyConnected(3, 2).backward(_x(4, 2)),
    ("layers", "ReLU.forward"): lambda m: m.ReLU().forward(_x(2, 3)),
    ("layers", "ReLU.backward"): lambda m: _after_forward(m.ReLU(), _x(2, 3)).backward(_x(2, 3)),
    ("layers", "Sigmoid.forward"): lambda m: m.Sigmoid().forward(_x(2, 3)),
    ("layers", "Sigmoid.backward"): lambda m: m.Sigmoid().backward(_x(2, 3)),
    ("layers", "Conv2D.forward"): lambda m: m.Conv2D(1, 2, 3).forward(_x(1, 1, 5, 5)),
    ("layers", "Conv2D.backward"): lambda m: m.Conv2D(1, 2, 3).backward(_x(1, 2, 3, 3)),
    ("layers", "MaxPool2D.forward"): lambda m: m.MaxPool2D(2).forward(_x(1, 1, 4, 4)),
    ("layers", "MaxPool2D.backward"): lambda m: m.MaxPool2D(2).backward(_x(1, 1, 2, 2)),
    ("loss", "softmax"): lambda m: m.softmax(_x(2, 3)),
    ("loss", "cross_entropy_loss"): lambda m: m.cross_entropy_loss(_x(2, 3), np.array([0, 2])),
    ("network", "SimpleConvNet.__init__"): lambda m: m.SimpleConvNet.__init__(
        object.__new__(m.SimpleConvNet), (1, 28, 28), 10),
    ("network", "SimpleConvNet.forward"): lambda m: m.SimpleConvNet().forward(_x(1, 1, 28, 28)),
    ("network", "SimpleConvNet.backward"): lambda m: m.SimpleConvNet().backward(_x(1, 10)),
    ("network", "SimpleConvNet.get_params_and_grads"):
        lambda m: m.SimpleConvNet().get_params_and_grads(),
    ("optim", "SGD.step"): lambda m: m.SGD(0.1).step([(_x(2), _x(2))]),
    ("optim", "MomentumSGD.step"): lambda m: m.MomentumSGD(0.1).step([(_x(2), _x(2))]),
    ("optim", "constant"): lambda m: m.constant(0.1, 3),
    ("optim", "step_decay"): lambda m: m.step_decay(0.1, 3),
    ("optim", "exponential_decay"): lambda m: m.exponential_decay(0.1, 3),
    ("weight_init", "he_init"): lambda m: m.he_init((3, 4)),
    ("weight_init", "xavier_init"): lambda m: m.xavier_init((3, 4)),
}


@pytest.mark.parametrize("module", MODULES)
def test_exercise_modules_import(module):
    importlib.import_module(f"exercises.module5.{module}")


def test_stub_table_matches_the_files():
    found = {(module, name) for module in MODULES
             for name, fn in functions("exercises", module).items() if is_stub(fn)}
    assert found == set(STUB_CALLS)


@pytest.mark.parametrize("key", list(STUB_CALLS), ids=lambda k: f"{k[0]}.{k[1]}")
def test_every_todo_returns_none(key):
    module = importlib.import_module(f"exercises.module5.{key[0]}")
    assert STUB_CALLS[key](module) is None


@pytest.mark.parametrize("module", MODULES)
def test_every_stub_keeps_a_chinese_todo_comment(module):
    lines = (ROOT / "exercises" / "module5" / f"{module}.py").read_text(encoding="utf-8").splitlines()
    for name, fn in functions("exercises", module).items():
        if is_stub(fn):
            body = "\n".join(lines[fn.lineno - 1:fn.end_lineno])
            assert re.search(r"# TODO: .*[\u4e00-\u9fff]", body), f"{module}.{name} lost its TODO"


@pytest.mark.parametrize("module", MODULES)
def test_given_code_is_identical_in_both_trees(module):
    """Everything that is not a TODO (constructors, Flatten, plumbing) is the same code in
    both trees, so a learner never works against a different scaffold than the reference."""
    public = lambda fns: {k: v for k, v in fns.items() if not k.startswith("_")}
    ex, ref = public(functions("exercises", module)), public(functions("reference", module))
    assert set(ex) == set(ref), "the trees define different functions"
    src = (ROOT / "exercises" / "module5" / f"{module}.py").read_text(encoding="utf-8")
    for name, fn in ex.items():
        if is_stub(fn) or "TODO" in (ast.get_source_segment(src, fn) or ""):
            continue
        strip = lambda f: ast.dump(ast.Module(body=[b for b in f.body if not (
            isinstance(b, ast.Expr) and isinstance(b.value, ast.Constant))], type_ignores=[]))
        assert strip(fn) == strip(ref[name]), f"{module}.{name} differs between the trees"


@pytest.mark.parametrize("module", MODULES)
def test_public_api_equals_the_reference(module):
    ex = importlib.import_module(f"exercises.module5.{module}")
    ref = importlib.import_module(f"reference.module5.{module}")

    def api(mod):
        out = {}
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isclass(obj):
                out[name] = {m: str(inspect.signature(f)) for m, f in vars(obj).items()
                             if inspect.isfunction(f)}
            elif inspect.isfunction(obj):
                out[name] = str(inspect.signature(obj))
        return out

    assert api(ex) == api(ref)


def _seed_skeletons():
    text = SEED.read_text(encoding="utf-8")
    part = text[text.index("## 程式碼骨架"):]
    return dict(re.findall(r"### (\w+)\.py\s*```python\n(.*?)```", part, flags=re.S))


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seeds is not beside the repository")
@pytest.mark.parametrize("module", ["layers", "loss", "network"])
def test_seed_skeleton_is_in_the_exercises_verbatim(module):
    """Every line of the seed's 程式碼骨架 appears, in order, in the exercise file (the
    file may add lines around them). The one line that must change is train's signature,
    which gains optimizer= and schedule=."""
    skeleton = _seed_skeletons()[module]
    ours = [l.strip() for l in
            (ROOT / "exercises" / "module5" / f"{module}.py").read_text(encoding="utf-8").splitlines()]
    changed = {"def train(model, X_train, y_train, lr=0.01, epochs=10, batch_size=32):"}
    position = 0
    for line in (l.strip() for l in skeleton.splitlines()):
        if not line or line in changed:
            continue
        try:
            position = ours.index(line, position) + 1
        except ValueError:
            pytest.fail(f"seed line missing or out of order in exercises/module5/{module}.py: {line!r}")
