"""Trees built from the naive loop-style tree (tests/grader/trees/naive/): the whole tree,
or the reference with some of its classes swapped for the naive ones."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAIVE = Path(__file__).resolve().parent / "trees" / "naive"


def class_source(path, name):
    """The text of top-level class `name` in `path`, up to the next top-level statement."""
    text = Path(path).read_text(encoding="utf-8")
    start = re.search(rf"^class {name}\b", text, flags=re.M).start()
    body = text.index("\n", start) + 1
    rest = re.search(r"^\S", text[body:], flags=re.M)
    return text[start:body + rest.start()] if rest else text[start:]


def with_naive(mutant, swaps, source=None):
    """mutant fixture + {"module5/layers.py": ["MaxPool2D"], ...} -> a copy of the reference
    whose named classes are the naive tree's (or those of the file `source`)."""
    edits = []
    for rel, names in swaps.items():
        for name in names:
            old = class_source(ROOT / "reference" / rel, name)
            new = class_source(source or NAIVE / rel, name)
            edits.append((rel, old, new.rstrip("\n") + "\n\n\n"))
    return mutant(*edits)
