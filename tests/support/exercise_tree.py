"""Reading the learner's tree (exercises/) beside the reference, and the seed's skeletons,
for tests/module5/test_exercises_tree.py and tests/module6/test_exercises_tree_m6.py. Which
function is still a TODO is grader.skeleton's to say (its predicates are passed in); the
API and given-code comparison is the instructor audit's (grader.audit.api), asked here."""
import re
from pathlib import Path

import numpy as np

from grader import skeleton
from grader.audit import api

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
CHINESE_TODO = re.compile(r"# TODO: .*[\u4e00-\u9fff]")


def rand(*shape):
    """A standard-normal array of that shape (the same on every call): an argument for a
    TODO function."""
    return np.random.default_rng(0).standard_normal(shape)


class Trees:
    """One package ("module5") of the exercises and reference trees."""

    def __init__(self, package):
        self.package = package

    def source(self, tree, module):
        """The text of <tree>/<package>/<module>.py."""
        return (ROOT / tree / self.package / f"{module}.py").read_text(encoding="utf-8")

    def functions(self, tree, module):
        """{qualified name: FunctionDef} of that file (grader.skeleton.functions)."""
        return skeleton.functions(self.source(tree, module))

    def where(self, module):
        """The file's path inside a tree: "module5/layers.py"."""
        return f"{self.package}/{module}.py"

    def compare_given_code(self, module, is_todo):
        """Asserts that both trees define the same public functions in `module`, and that
        each one the learner is handed complete (not `is_todo`, a grader.skeleton predicate,
        and no "TODO" in its text) is the same code in both, docstrings aside — the
        comparison `python -m grader audit` makes (grader.audit.api.given_code), whose diff
        the failure shows. Returns how many were compared."""
        def public(fns):
            return {k for k in fns if not k.split(".")[0].startswith("_")}
        assert public(self.functions("exercises", module)) == \
            public(self.functions("reference", module)), "the trees define different functions"
        compared, differences = api.given_code(self.source("exercises", module),
                                               self.source("reference", module), is_todo,
                                               self.where(module))
        assert not differences, "\n".join(d.diff for d in differences)
        return compared

    def api_difference(self, module):
        """The readable diff of the two trees' public API of `module` (classes, methods,
        signatures, class attributes: grader.audit.api), or None when they are the same."""
        found = api.api_difference(self.source("exercises", module),
                                   self.source("reference", module), self.where(module))
        return None if found is None else found.diff

    def api(self, tree, module):
        """The public API of <tree>/<package>/<module>.py, one line per item."""
        return api.api_lines(self.source(tree, module))


def function_text(source, fn):
    """The lines of FunctionDef `fn` in `source`, comments included."""
    return "\n".join(source.splitlines()[fn.lineno - 1:fn.end_lineno])


def lost_todo_comments(source, is_todo):
    """The qualified names of the functions of `source` that `is_todo` picks (a
    grader.skeleton predicate) whose lines hold no `# TODO:` comment in Chinese."""
    return [name for name, fn in skeleton.functions(source).items()
            if is_todo(fn) and not CHINESE_TODO.search(function_text(source, fn))]


def seed_skeletons(seed):
    """{module: code} of the ```python blocks under "### <module>.py" in the seed's
    程式碼骨架 section."""
    text = seed.read_text(encoding="utf-8")
    part = text[text.index("## 程式碼骨架"):]
    return dict(re.findall(r"### (\w+)\.py\s*```python\n(.*?)```", part, flags=re.S))


def first_line_out_of_order(wanted, source):
    """The first of the non-blank `wanted` lines (stripped) that is not found in `source`
    after the previous one, or None when all are there in order."""
    ours = [line.strip() for line in source.splitlines()]
    position = 0
    for line in wanted:
        if not line:
            continue
        try:
            position = ours.index(line, position) + 1
        except ValueError:
            return line
    return None
