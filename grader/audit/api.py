"""The exercises tree against the reference: the same public API, and the same given code.

Read from source (never imported, so a broken tree is reported, not run):

- the API of a learner's file: its public top-level functions and classes (a leading `_` is
  the tree's own business), each class's bases, every method with its signature and
  decorators (`__init__` and private methods included), and its class attributes with their
  values (`Bottleneck.expansion = 4`);
- the given code: every public function the learner is handed complete (not a TODO skeleton
  by grader.skeleton, and no "TODO" in its text) must be the same code in both trees,
  docstrings aside.

A difference is reported as a unified diff, reference first; a changed line of the API
names its line in the file.
"""
import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

from .. import modules, skeleton


@dataclass
class Difference:
    file: str          # "module6/unet.py"
    kind: str          # "api", "given code", "missing file", "syntax error"
    name: str          # the function whose given code differs, or ""
    diff: str          # readable: a unified diff, or a sentence

    def to_dict(self):
        return {"file": self.file, "kind": self.kind, "name": self.name, "diff": self.diff}


def _signature(fn):
    decorators = "".join(f"@{ast.unparse(d)} " for d in fn.decorator_list)
    asynchronous = "async " if isinstance(fn, ast.AsyncFunctionDef) else ""
    returns = f" -> {ast.unparse(fn.returns)}" if fn.returns is not None else ""
    return f"{decorators}{asynchronous}def {fn.name}({ast.unparse(fn.args)}){returns}"


def _public(name):
    return not name.startswith("_")


def api_entries(source):
    """The public API of a module's text: (line of text, line number), in file order."""
    entries = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _public(node.name):
            entries.append((_signature(node), node.lineno))
        elif isinstance(node, ast.ClassDef) and _public(node.name):
            bases = ", ".join(ast.unparse(b) for b in node.bases + node.keywords)
            entries.append((f"class {node.name}({bases}):" if bases else f"class {node.name}:",
                            node.lineno))
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    entries.append((f"    {_signature(item)}", item.lineno))
                elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                    entries.append((f"    {ast.unparse(item)}", item.lineno))
    return entries


def api_lines(source):
    """The public API of a module's text, one line per item, in file order."""
    return [text for text, _ in api_entries(source)]


def unified_diff(old, new, fromfile, tofile, old_lines=None, new_lines=None, context=3):
    """A unified diff of the line lists `old` (the reference) and `new` (the exercises);
    with `old_lines`/`new_lines` (their line numbers in the files), each changed line ends
    with `# line N`, since the hunks count API items, not lines of the file."""
    out = [f"--- {fromfile}", f"+++ {tofile}"]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        out.append("@@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [f" {line}" for line in old[i1:i2]]
                continue
            out += [f"-{old[i]}" + (f"  # line {old_lines[i]}" if old_lines else "")
                    for i in range(i1, i2)]
            out += [f"+{new[j]}" + (f"  # line {new_lines[j]}" if new_lines else "")
                    for j in range(j1, j2)]
    return "\n".join(out)


def without_docstrings(fn):
    """FunctionDef `fn` with every docstring-like constant expression of its body left out
    (a copy; `fn` is untouched)."""
    copy = ast.parse(ast.unparse(fn)).body[0]
    copy.body = [b for b in copy.body if not (isinstance(b, ast.Expr)
                                             and isinstance(b.value, ast.Constant))] \
        or [ast.Pass()]
    return copy


def given_code(ex_source, ref_source, is_todo=skeleton.is_skeleton, where="the file"):
    """(number of functions compared, [Difference]) for the public functions the exercises
    file `ex_source` hands out complete (`is_todo` picks the TODOs, a grader.skeleton
    predicate): each must be the reference's code, docstrings aside."""
    ex, ref = skeleton.functions(ex_source), skeleton.functions(ref_source)
    compared, differences = 0, []
    for name, fn in ex.items():
        if not _public(name.split(".")[0]) or name not in ref:
            continue          # a function only one tree has is an API difference
        if is_todo(fn) or "TODO" in (ast.get_source_segment(ex_source, fn) or ""):
            continue
        compared += 1
        mine, theirs = without_docstrings(fn), without_docstrings(ref[name])
        if ast.dump(mine) != ast.dump(theirs):
            diff = unified_diff(ast.unparse(theirs).splitlines(), ast.unparse(mine).splitlines(),
                                f"reference/{where}:{ref[name].lineno} {name}",
                                f"exercises/{where}:{fn.lineno} {name}")
            differences.append(Difference(where, "given code", name, diff))
    return compared, differences


def api_difference(ex_source, ref_source, where="the file"):
    """A Difference when the two texts' public APIs differ, else None."""
    ex, ref = api_entries(ex_source), api_entries(ref_source)
    if [t for t, _ in ex] == [t for t, _ in ref]:
        return None
    diff = unified_diff([t for t, _ in ref], [t for t, _ in ex], f"reference/{where}",
                        f"exercises/{where}", [n for _, n in ref], [n for _, n in ex])
    return Difference(where, "api", "", diff)


@dataclass
class Comparison:
    files: list        # "module5/layers.py", ...
    compared: int      # given functions compared
    differences: list  # Difference

    @property
    def ok(self):
        return not self.differences

    def to_dict(self):
        return {"ok": self.ok, "files": self.files, "given_functions_compared": self.compared,
                "differences": [d.to_dict() for d in self.differences]}


def compare_file(exercises, reference, rel, is_todo=skeleton.is_skeleton):
    """(given functions compared, [Difference]) for one learner's file `rel`
    ("module5/layers.py") of the two trees."""
    texts = {}
    for label, root in (("exercises", exercises), ("reference", reference)):
        path = Path(root) / rel
        if not path.is_file():
            return 0, [Difference(rel, "missing file", "", f"{label}/{rel} does not exist")]
        texts[label] = path.read_text(encoding="utf-8")
        try:
            ast.parse(texts[label])
        except SyntaxError as exc:
            return 0, [Difference(rel, "syntax error", "",
                                  f"{label}/{rel}:{exc.lineno}: {exc.msg}")]
    differences = []
    api = api_difference(texts["exercises"], texts["reference"], rel)
    if api is not None:
        differences.append(api)
    compared, given = given_code(texts["exercises"], texts["reference"], is_todo, rel)
    return compared, differences + given


def compare_trees(exercises, reference, numbers=None):
    """Compare every learner's file of the modules numbered `numbers` (default all)."""
    files, compared, differences = [], 0, []
    for module in modules.MODULES:
        if numbers and module.number not in numbers:
            continue
        for name in module.files:
            rel = f"{module.dir}/{name}"
            n, found = compare_file(exercises, reference, rel)
            files.append(rel)
            compared += n
            differences += found
    return Comparison(files, compared, differences)
