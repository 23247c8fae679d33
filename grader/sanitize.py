"""Making text from student code safe to show or store.

Everything a worker sends that ends up in front of a person or in a file — exception
messages, printed output, type and function names, file names — passes through `clean` on the
trusted side first. It removes what a terminal, an XML parser or a JSON consumer would act on
instead of showing: C0 and C1 control characters (ESC starts the ANSI sequences that could
redraw a scorecard row as "PASS"; NUL and most C0 characters are illegal in XML 1.0), DEL,
lone surrogates (not encodable as UTF-8), and the non-characters U+FFFE/U+FFFF; newlines and
tabs stay where asked. And it caps the length, so a student cannot flood a report.
"""
import re

# C0 controls except \t and \n, DEL, C1 controls, lone surrogates, U+FFFE and U+FFFF.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

MESSAGE_CAP = 500       # an exception message
NAME_CAP = 120          # a type, function or file name
OUTPUT_CAP = 64 * 1024  # what a worker printed


def clean(text, cap=MESSAGE_CAP, multiline=False):
    """`text` (anything; non-strings are turned into their str) without unsafe characters
    and at most `cap` characters long (an ellipsis marks a cut). With `multiline=False`
    newlines and tabs become spaces."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - whatever it is, it is not shown
            text = "<unprintable>"
    if multiline:
        text = _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    else:
        text = _UNSAFE_ONE_LINE.sub(" ", text.replace("\r\n", " "))
    if len(text) > cap:
        text = text[:max(cap - 1, 0)] + "…"
    return text


def clean_tree(value, cap=MESSAGE_CAP):
    """`value` with every string in it (dict keys too) cleaned; other values unchanged."""
    if isinstance(value, str):
        return clean(value, cap, multiline=True)
    if isinstance(value, list):
        return [clean_tree(v, cap) for v in value]
    if isinstance(value, tuple):
        return tuple(clean_tree(v, cap) for v in value)
    if isinstance(value, dict):
        return {clean_tree(k, cap): clean_tree(v, cap) for k, v in value.items()}
    return value
