"""Every string the grader shows exists in English and in Traditional Chinese."""
import ast
import re
from pathlib import Path

import pytest

from grader.i18n import LABELS, Msg, detect_lang, pick, t

ROOT = Path(__file__).resolve().parents[2]
GRADER_FILES = sorted((ROOT / "grader").rglob("*.py"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def _calls(name):
    for path in GRADER_FILES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                yield path, node


def _literal_text(node):
    """The literal text of a str or f-string node ('' for other expressions)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _literal_text(node.left) + _literal_text(node.right)
    return ""


def test_every_label_has_both_languages():
    for key, pair in LABELS.items():
        assert len(pair) == 2 and all(pair), key
        en, zh = pair
        assert set(re.findall(r"{(\w+)", en)) == set(re.findall(r"{(\w+)", zh)), key


def test_every_msg_in_the_grader_is_translated():
    missing = []
    for path, call in _calls("Msg"):
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        if len(call.args) == 1 and isinstance(call.args[0], ast.Starred):
            continue                        # Msg(*title): titles are checked below
        if len(call.args) != 2:
            missing.append(f"{where}: Msg needs (english, chinese)")
            continue
        en, zh = (_literal_text(a) for a in call.args)
        # A literal English sentence needs a Chinese one (with Chinese characters) beside it.
        if re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", en) and not CJK.search(zh):
            missing.append(f"{where}: no Chinese text beside {en[:50]!r}")
    assert not missing, "\n".join(missing)


def test_every_check_title_has_chinese(checks):
    for spec in checks.values():
        assert spec.title["en"] and CJK.search(spec.title["zh-TW"]), spec.id


def test_msg_requires_both_languages():
    with pytest.raises(TypeError):
        Msg("only english")
    from grader.checks import Mismatch
    with pytest.raises(TypeError, match="both languages"):
        Mismatch("only english")


def test_language_choice(monkeypatch):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    assert detect_lang() == "zh-TW" and detect_lang("en") == "en"
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert detect_lang() == "en"
    assert t("PASS", "zh-TW") == "通過" and pick(Msg("a", "乙"), "zh-TW") == "乙"
