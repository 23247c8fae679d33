"""Every label the grader prints, in English and 繁體中文. Check titles and hints carry
both languages themselves (grader.checks.Msg)."""
import locale
import os

LANGS = ("en", "zh-TW")


class Msg(dict):
    """A bilingual text: Msg("English", "繁體中文")."""

    def __init__(self, en, zh):
        super().__init__({"en": en, "zh-TW": zh})

    def __add__(self, other):
        return Msg(self["en"] + other["en"], self["zh-TW"] + other["zh-TW"])


LABELS = {
    "PASS": ("PASS", "通過"),
    "PARTIAL": ("PARTIAL", "部分通過"),
    "FAIL": ("FAIL", "失敗"),
    "TODO": ("TODO", "未完成"),
    "TIMEOUT": ("TIMEOUT", "逾時"),
    "ERROR": ("ERROR", "錯誤"),
    "CRASH": ("CRASH", "崩潰"),
    "FORBIDDEN": ("FORBIDDEN", "禁止使用"),
    "check": ("Check", "檢查項目"),
    "status": ("Status", "狀態"),
    "points": ("Points", "分數"),
    "time": ("Time", "時間"),
    "hint": ("Hint", "提示"),
    "module": ("Module {n}", "Module {n}"),
    "bonus_tag": ("bonus", "選做"),
    "required_total": ("required", "必做"),
    "bonus_total": ("bonus", "選做加分"),
    "total": ("Total", "總分"),
    "seed": ("seed", "隨機種子"),
    "target": ("target", "批改目錄"),
    "wall": ("wall time", "總耗時"),
    "isolation": ("isolation", "隔離方式"),
    "no_sandbox_warning": ("no sandbox: your code ran as a plain process ({detail}); fine for "
                           "your own code, never for grading others'",
                           "沒有沙盒：你的程式以一般程序執行（{detail}）；批改自己的程式可以，"
                           "批改別人的程式不行"),
    "reproduce": ("reproduce with", "重現這次結果"),
    "grading": ("Grading", "批改中"),
    "see": ("see", "參見"),
    "title": ("CNN from scratch · grader", "從零實作 CNN · 自動批改"),
    "no_checks": ("no check matches", "沒有符合的檢查項目"),
    "list_header": ("Checks", "檢查項目"),
    "required": ("required", "必做"),
    "optional": ("optional (bonus)", "選做（加分）"),
    "output": ("output of your code", "你的程式輸出"),
    "review_concept": ("review the idea behind {title}", "請複習「{title}」背後的觀念"),
    "review_where": (" ({doc})", "（{doc}）"),
    "untouched": ("{path}: its {n} checks are all still TODO",
                  "{path}：{n} 項檢查都還是 TODO（未完成）"),
    "watching": ("watching {target}: save a file to re-grade, Ctrl-C to stop",
                 "監看 {target} 中：存檔就會重新批改，按 Ctrl-C 結束"),
    "stopped": ("stopped watching", "已停止監看"),
    "below": ("score {score:.1f} % is below --fail-under {limit:g} %",
              "分數 {score:.1f} % 低於 --fail-under {limit:g} %"),
}


def detect_lang(explicit=None):
    """--lang if given, else zh-TW when the locale is Chinese (zh_TW, zh_HK, zh_*), else en."""
    if explicit:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh-TW" if value.lower().startswith("zh") else "en"
    try:
        current = locale.getlocale()[0] or ""
    except ValueError:
        current = ""
    return "zh-TW" if current.lower().startswith("zh") else "en"


def t(key, lang, **fields):
    en, zh = LABELS[key]
    return (zh if lang == "zh-TW" else en).format(**fields)


def pick(msg, lang):
    """The text of a bilingual message (a dict with 'en' and 'zh-TW'), or ''."""
    if not msg:
        return ""
    return msg.get(lang) or msg.get("en", "")
