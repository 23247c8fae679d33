"""The suites' messages live in their hint tables (grader/suites/hints/), never inline.

For each suite file `test_m5_loss.py` (or support module `budget.py`) the table is
`hints/m5_loss.py` (`hints/budget.py`). These tests read the sources, not a run: every
message key a suite uses exists in its table with exactly the fields it passes, every entry
is used, and no Chinese prose is left in a suite outside a check's title.
"""
import ast
import re
from pathlib import Path

import pytest

from grader import misconceptions
from grader.suites import hints

SUITES = Path(hints.__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def suite_files():
    return sorted(p for p in SUITES.glob("*.py") if p.name != "__init__.py")


def table_name(path):
    return path.stem[len("test_"):] if path.stem.startswith("test_") else path.stem


def tables():
    return sorted(p.stem for p in (SUITES / "hints").glob("*.py") if p.name != "__init__.py")


def uses(path):
    """[(key, sorted keyword names, line)] of every H(...) call in the file, and the name
    given to hints.table(...) (None if the file loads no table)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls, loaded = [], None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "table" and \
                isinstance(func.value, ast.Name) and func.value.id == "hints":
            assert len(node.args) == 1 and isinstance(node.args[0], ast.Constant), \
                f"{path.name}:{node.lineno}: hints.table takes the table's name as a literal"
            loaded = node.args[0].value
        elif isinstance(func, ast.Name) and func.id == "H":
            assert node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and len(node.args) == 1, \
                f"{path.name}:{node.lineno}: H(...) takes one literal key and keyword fields"
            assert all(k.arg for k in node.keywords), \
                f"{path.name}:{node.lineno}: H(...) fields must be named, not **unpacked"
            calls.append((node.args[0].value, sorted(k.arg for k in node.keywords), node.lineno))
    return calls, loaded


def titles(tree):
    """The ids of the string constants inside a @check(title=...) keyword."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "check":
            for k in node.keywords:
                if k.arg == "title":
                    inside |= {id(c) for c in ast.walk(k.value) if isinstance(c, ast.Constant)}
    return inside


@pytest.mark.parametrize("path", suite_files(), ids=lambda p: p.name)
def test_no_prose_outside_the_table(path):
    """Chinese text in a suite outside a check's title is a message that belongs in the
    table: a Msg(...) or an (English, 繁體中文) pair written inline."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    allowed = titles(tree)
    inline = [f"{path.name}:{n.lineno}: {n.value[:40]!r}" for n in ast.walk(tree)
              if isinstance(n, ast.Constant) and isinstance(n.value, str)
              and CJK.search(n.value) and id(n) not in allowed]
    assert not inline, "messages written inline instead of in hints/" + \
        f"{table_name(path)}.py:\n" + "\n".join(inline)


@pytest.mark.parametrize("path", suite_files(), ids=lambda p: p.name)
def test_every_key_exists_with_its_fields(path):
    calls, loaded = uses(path)
    if not calls:
        assert loaded is None, f"{path.name} loads a table it never reads"
        return
    assert loaded == table_name(path), \
        f"{path.name} must read its own table, hints.table({table_name(path)!r})"
    table = hints.table(loaded)
    for key, names, line in calls:
        assert key in table, f"{path.name}:{line}: no entry {key!r} in hints/{loaded}.py"
        assert names == sorted(table.fields(key)), \
            f"{path.name}:{line}: {key!r} takes {sorted(table.fields(key))}, passed {names}"


@pytest.mark.parametrize("path", suite_files(), ids=lambda p: p.name)
def test_the_name_H_is_only_the_table(path):
    """`N, C, H, W = x.shape` in a function that also says H("key") calls an int: nothing
    in a file that loads a table may bind H but `H = hints.table(...)` at the top (heights
    are Hi there)."""
    if uses(path)[1] is None:
        return                   # loads no table (an oracle module): H is free there
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(t) for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Call)
           and getattr(n.value.func, "attr", None) == "table" for t in n.targets}
    bound = [n.lineno for n in ast.walk(tree)
             if (isinstance(n, ast.Name) and n.id == "H" and isinstance(n.ctx, ast.Store)
                 and id(n) not in top)
             or (isinstance(n, ast.arg) and n.arg == "H")
             or (isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == "H")]
    assert not bound, f"{path.name} binds H at lines {bound}: name image heights Hi"


def given_as_hints(path):
    """[(key, line)] of the H("key") entries a file passes as a hint: to grade.hint(...), as
    the second argument of Mismatch(...), or as the third of StrictNumerics(...)."""
    positions = {"hint": 0, "Mismatch": 1, "StrictNumerics": 2}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in positions or len(node.args) <= positions[name]:
            continue
        arg = node.args[positions[name]]
        if isinstance(arg, ast.Call) and getattr(arg.func, "id", None) == "H" and arg.args:
            found.append((arg.args[0].value, node.lineno))
    return found


@pytest.mark.parametrize("path", suite_files(), ids=lambda p: p.name)
def test_every_hint_has_a_concept_level(path):
    """A hint says the misconception without its fix at --feedback concept: its entry is
    {"fix": ..., "concept": ...}. (A hint handed on through a variable is checked where it
    reaches a result: grader.audit.mutants.judge requires a concept on every mutant's.)"""
    loaded = uses(path)[1]
    if loaded is None:
        return
    table = hints.table(loaded)
    bare = sorted({f"{key} (line {line})" for key, line in given_as_hints(path)
                   if key not in table.concepts})
    assert not bare, f"{path.name} gives hints without a concept level: {bare}"


@pytest.mark.parametrize("name", tables())
def test_every_entry_is_used_and_bilingual(name):
    path = SUITES / (f"test_{name}.py" if (SUITES / f"test_{name}.py").exists() else f"{name}.py")
    assert path.exists(), f"hints/{name}.py belongs to no suite file"
    table = hints.table(name)          # validates: pairs of strings, same fields
    used = {key for key, _, _ in uses(path)[0]}
    used |= {key for key, v in misconceptions.load_all().items() if v.suite == name}
    unused = sorted(set(table.entries) - used)
    assert not unused, f"hints/{name}.py entries {path.name} never uses: {unused}"
    texts = [(key, en, zh) for key, (en, zh, _) in table.entries.items()]
    texts += [(f"{key} (concept)", en, zh) for key, (en, zh) in table.concepts.items()]
    for key, en, zh in texts:
        assert CJK.search(zh), f"hints/{name}.py {key!r}: the second text must be 繁體中文"
        assert not CJK.search(en), f"hints/{name}.py {key!r}: the first text must be English"


def test_a_table_is_data_only(tmp_path, monkeypatch):
    """hints/*.py is read with ast.literal_eval: code there is refused, not run."""
    (tmp_path / "bad.py").write_text('import os\nHINTS = {"k": ("a", "甲")}\n', encoding="utf-8")
    (tmp_path / "calls.py").write_text('HINTS = {"k": ("a".upper(), "甲")}\n', encoding="utf-8")
    monkeypatch.setattr(hints, "HERE", tmp_path)
    with pytest.raises(ValueError, match="one `HINTS"):
        hints.table("bad")
    with pytest.raises(ValueError):
        hints.table("calls")


def test_a_hint_with_two_levels():
    table = hints.Table("demo", {"k": {"fix": ("divide by {n}", "除以 {n}"),
                                       "concept": ("a mean, not a sum", "是平均不是總和")}})
    msg = table("k", n=4)
    assert msg["en"] == "divide by 4" and msg.concept == {"en": "a mean, not a sum",
                                                          "zh-TW": "是平均不是總和"}
    assert not hasattr(hints.Table("demo", {"k": ("a", "甲")})("k"), "concept")
    with pytest.raises(ValueError, match="exactly 'fix' and 'concept'"):
        hints.Table("demo", {"k": {"fix": ("a", "甲")}})
    with pytest.raises(ValueError, match="concept names fields"):
        hints.Table("demo", {"k": {"fix": ("a", "甲"), "concept": ("{x}", "{x}")}})


def test_fields_and_bilingual_values():
    table = hints.Table("demo", {"k": ("{name} is {value:.2g}", "{name} 是 {value:.2g}")})
    msg = table("k", name=("the loss", "損失"), value=0.123)
    assert msg == {"en": "the loss is 0.12", "zh-TW": "損失 是 0.12"}
    with pytest.raises(TypeError, match="takes the fields"):
        table("k", name="x")
    with pytest.raises(KeyError, match="no entry"):
        table("missing")
    with pytest.raises(ValueError, match="names fields"):
        hints.Table("demo", {"k": ("{a}", "{b}")})
    with pytest.raises(ValueError, match="name every field"):
        hints.Table("demo", {"k": ("{}", "{}")})


#: What code looks like in a text: a call, an index, numpy or self, a keyword argument, an
#: operator a sentence never uses, a snake_case identifier.
CODE = re.compile(r"np\.|axis=|self\.|\w+\(|\[.*\]|==|\+=|\.T\b|@|keepdims|\w_\w")


@pytest.mark.parametrize("name", tables())
def test_a_concept_gives_no_code(name):
    """--feedback concept names the misconception and where the module text explains it;
    the code of the fix is the fix level's."""
    table = hints.table(name)
    coded = {key: CODE.search(en or "") or CODE.search(zh or "")
             for key, (en, zh) in table.concepts.items()}
    coded = {key: m.group(0) for key, m in coded.items() if m}
    assert not coded, f"hints/{name}.py concepts with code in them: {coded}"
