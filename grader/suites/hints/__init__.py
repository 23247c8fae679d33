"""The suites' messages as data: one bilingual table per suite file.

`hints/m5_loss.py` holds every message and hint of `test_m5_loss.py`, and so on: a module
whose only statement is `HINTS = {key: (English, 繁體中文)}`. Fields in braces are filled by
the check (`str.format` syntax, `{got:.6g}`); both languages name the same fields. A suite
loads its table once and reads entries by key:

    H = hints.table("m5_loss")
    grade.hint(H("softmax_batch_axis"))
    raise Mismatch(H("ce_not_a_pair", got=type(result).__name__))

A field's value may itself be bilingual (a Msg, or an (English, 繁體中文) pair): each
language then gets its own text.

A hint has two levels of detail (`--feedback`): `fix`, the concrete fix, and `concept`,
which names the misconception and where the module text explains it, without code. An
entry gives both as `{"fix": (English, 繁體中文), "concept": (English, 繁體中文)}`; the
Msg it returns carries the concept as `.concept`. An entry that is a plain pair has only
the fix: at the concept level the scorecard then names the check's topic and section. So a check body reads as judge, then hint, and the prose
lives here, where a teaching assistant can review and extend it (tests/grader/test_hints.py
checks every table against its suite: every key used exists, every entry is used, the
fields match).
"""
import ast
import string
from pathlib import Path

from grader.i18n import Msg

HERE = Path(__file__).resolve().parent


def fields(text):
    """The names of the fields of a format string, in order of first appearance."""
    names = []
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None:
            base = name.split(".")[0].split("[")[0]
            if not base or base.isdigit():
                raise ValueError(f"positional field in {text!r}: name every field")
            if base not in names:
                names.append(base)
    return names


class Table:
    """One suite's messages: table(key, **fields) -> Msg."""

    def __init__(self, name, entries):
        self.name = name
        self.entries = {}
        self.concepts = {}
        for key, entry in entries.items():
            if isinstance(entry, dict):
                if set(entry) != {"fix", "concept"}:
                    raise ValueError(f"hints/{name}.py: {key!r} as a dict takes exactly "
                                     f"'fix' and 'concept'")
                concept = self._pair(key, entry["concept"])
                if not set(fields(concept[0])) <= set(fields(entry["fix"][0])):
                    raise ValueError(f"hints/{name}.py: {key!r}'s concept names fields its "
                                     f"fix does not")
                self.concepts[key] = concept
                entry = entry["fix"]
            en, zh = self._pair(key, entry)
            self.entries[key] = (en, zh, frozenset(fields(en)))

    def _pair(self, key, pair):
        if not (isinstance(pair, tuple) and len(pair) == 2
                and all(isinstance(t, str) and t for t in pair)):
            raise ValueError(f"hints/{self.name}.py: {key!r} must be a pair of non-empty "
                             f"strings (English, 繁體中文)")
        en, zh = pair
        if set(fields(en)) != set(fields(zh)):
            raise ValueError(f"hints/{self.name}.py: {key!r} names fields {fields(en)} in "
                             f"English but {fields(zh)} in 繁體中文")
        return pair

    def fields(self, key):
        return self.entries[key][2]

    def __contains__(self, key):
        return key in self.entries

    def __call__(self, key, **values):
        try:
            en, zh, names = self.entries[key]
        except KeyError:
            raise KeyError(f"hints/{self.name}.py has no entry {key!r}") from None
        if set(values) != names:
            raise TypeError(f"hints/{self.name}.py {key!r} takes the fields {sorted(names)}, "
                            f"got {sorted(values)}")
        msg = Msg(en.format(**_language(values, 0)), zh.format(**_language(values, 1)))
        if key in self.concepts:
            cen, czh = self.concepts[key]
            msg.concept = Msg(cen.format(**_language(values, 0)),
                              czh.format(**_language(values, 1)))
        return msg


def _language(values, i):
    """The field values for one language: bilingual values give that language's text."""
    out = {}
    for name, value in values.items():
        if isinstance(value, Msg):
            value = value["en" if i == 0 else "zh-TW"]
        elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
            value = value[i]
        out[name] = value
    return out


def read(name):
    """The HINTS literal of hints/<name>.py, read as data (ast.literal_eval), not run."""
    source = (HERE / f"{name}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    body = [n for n in tree.body
            if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Assign) or \
            [getattr(t, "id", None) for t in body[0].targets] != ["HINTS"]:
        raise ValueError(f"hints/{name}.py must hold a docstring and one `HINTS = {{...}}`")
    return ast.literal_eval(body[0].value)


def table(name):
    """The Table of hints/<name>.py."""
    return Table(name, read(name))
