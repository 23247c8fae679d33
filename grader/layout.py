"""Wrapping mixed English and Chinese text by terminal cells, never inside a word.

rich wraps at spaces, and folds a "word" that does not fit at any character. Chinese text has
no spaces, so a title such as 前向傳播（padding、stride、非正方形） is one word to it, and a
narrow column cuts `stride` in two. Here a line may break between two CJK characters, or at a
space; never inside a run of Latin letters, digits or an id such as m5.conv2d.forward; never
before closing punctuation (，。）…) or after opening punctuation (（「…). Only a single unit
wider than the whole line is folded, as it must be.
"""
import re

from rich.cells import cell_len
from rich.text import Text

#: Wide characters: CJK ideographs, kana, Hangul, full-width forms and CJK punctuation.
WIDE = "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f" \
       "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
#: A line never starts with these, and never ends with the openers.
CLOSING = set("，。、：；！？）」』】》〉％…—,.;:!?)]}")
OPENING = set("（「『【《〈([{")
_UNIT = re.compile(rf"\s+|[{WIDE}]|[^\s{WIDE}]+")


def units(text):
    """The unbreakable pieces of `text`, spaces included as their own pieces; a newline is
    a piece of its own (a hard break)."""
    pieces = []
    for i, part in enumerate(text.split("\n")):
        if i:
            pieces.append("\n")
        pieces += _UNIT.findall(part)
    merged = []
    for piece in pieces:
        if merged and not piece.isspace() and not merged[-1].isspace() and piece != "\n" \
                and merged[-1] != "\n" and (
                piece[0] in CLOSING or merged[-1][-1] in OPENING):
            merged[-1] += piece          # keep punctuation with its neighbour
        else:
            merged.append(piece)
    return merged


def wrap(segments, width, indent=0):
    """Lines (rich Text) of `segments` — each a (text, style), a (text, style, True) that must
    stay on one line, or a Text — at most `width` cells each; lines after the first are
    indented by `indent` spaces. Leading spaces of the first line are kept; a line that wraps
    starts with its indent, never with a space. Trailing spaces are dropped, so piped output
    carries no padding."""
    width = max(width, indent + 8)
    pieces = []
    for segment in segments:
        if isinstance(segment, Text):
            for span_text, style in _styled_runs(segment):
                pieces += [(u, style) for u in units(span_text)]
        elif len(segment) == 3 and segment[2]:
            pieces.append(segment[:2])
        else:
            text, style = segment[:2]
            pieces += [(u, style) for u in units(text)]
    lines, line, used = [], Text(), 0
    for piece, style in pieces:
        size = cell_len(piece)
        if piece == "\n":                # a hard break: the next line starts at the indent
            lines.append(_rstrip(line))
            line, used = Text(" " * indent), indent
            continue
        if piece.isspace():              # kept; at a break it ends the line and is dropped
            line.append(piece, style)
            used += size
            continue
        if used + size > width and line.plain.strip() and used > (indent if lines else 0):
            lines.append(_rstrip(line))
            line, used = Text(" " * indent), indent
        while used + size > width:       # a unit wider than a whole line: fold it
            room = width - used
            head, piece = _take_cells(piece, room)
            line.append(head, style)
            lines.append(line)
            line, used = Text(" " * indent), indent
            size = cell_len(piece)
        line.append(piece, style)
        used += size
    if used or not lines:
        lines.append(_rstrip(line))
    return lines


def _take_cells(text, cells):
    taken = 0
    for i, ch in enumerate(text):
        taken += cell_len(ch)
        if taken > cells:
            return text[:i], text[i:]
    return text, ""


def _rstrip(line):
    line.rstrip()
    return line


def _styled_runs(text):
    """(substring, style) runs of a rich Text, its spans resolved left to right."""
    plain = text.plain
    cuts = sorted({0, len(plain), *[s.start for s in text.spans], *[s.end for s in text.spans]})
    for a, b in zip(cuts, cuts[1:]):
        styles = [s.style for s in text.spans if s.start <= a and s.end >= b]
        yield plain[a:b], (styles[-1] if styles else text.style)
