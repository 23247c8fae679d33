"""What a check found: one CheckResult from the check that judged to the scorecard.

A suite process builds it (checks.Grade.result) and sends it to the runner as plain JSON
(`to_wire`). The runner does not take that data on trust: `from_wire` keeps a known status,
clamps points to what the check's spec allows, cleans and caps every text, and joins the
result with its spec, once. From then on the scorecard, the JSON report, JUnit, Gradescope
and the gradebook read the spec through `result.spec`.
"""
import math
import re
from dataclasses import dataclass, field

from .i18n import LANGS, Msg, t
from .sanitize import OUTPUT_CAP, clean

STATUSES = ("PASS", "PARTIAL", "FAIL", "TODO", "TIMEOUT", "ERROR", "CRASH", "FORBIDDEN")
#: Levels of hint detail (--feedback): the concrete fix, or the misconception named only.
FEEDBACK = ("fix", "concept")
#: Characters kept of one message (each language).
MESSAGE_CAP = 2000
#: What a diagnosed misconception's key and section look like (anything else is dropped).
MISTAKE_KEY = re.compile(r"[a-z][a-z0-9_]{2,59}")
DOC_LINK = re.compile(r"docs/module[56]\.md#[a-z0-9-]{1,80}")


@dataclass
class PartResult:
    name: str
    status: str
    points: float
    max_points: float
    message: Msg = None


@dataclass
class CheckResult:
    spec: object              # checks.CheckSpec: id, title, points, doc, module, optional
    status: str
    points: float
    message: Msg = None       # what is wrong (every feedback level shows it)
    hint: Msg = None          # the likely mistake and its concrete fix (--feedback fix)
    concept: Msg = None       # the same mistake named without its fix (--feedback concept)
    mistake: str = None       # the key of the misconception diagnosed (grader/misconceptions.py)
    hint_doc: str = None      # the section explaining it (a docs/module5.md link)
    duration: float = 0.0
    parts: list = field(default_factory=list)     # PartResult, when the check has parts
    output: str = ""          # what the student's code printed
    round_trips: int = 0      # requests to the student's worker the check made

    @property
    def id(self):
        return self.spec.id

    @property
    def doc(self):
        """The section to read: the diagnosed mistake's, else the check's."""
        return self.hint_doc or self.spec.doc

    @property
    def max_points(self):
        return self.spec.points

    def to_wire(self):
        """Plain JSON data for the pipe from a suite process (Msg → {"en", "zh-TW"})."""
        return {"id": self.id, "status": self.status, "points": self.points,
                "max_points": self.max_points, "message": _plain(self.message),
                "hint": _plain(self.hint), "concept": _plain(self.concept),
                "mistake": self.mistake, "hint_doc": self.hint_doc,
                "duration": self.duration, "output": self.output,
                "round_trips": self.round_trips,
                "parts": [{"name": p.name, "status": p.status, "points": p.points,
                           "max_points": p.max_points, "message": _plain(p.message)}
                          for p in self.parts]}

    @classmethod
    def from_wire(cls, raw, spec):
        """The result `raw` (JSON data from a suite process) claims for `spec`, as the runner
        accepts it: unknown statuses become ERROR, points are clamped to the spec's, a part
        earns only if it passed and the check's points are at most its parts', FORBIDDEN
        earns nothing, texts are cleaned."""
        status = raw.get("status") if raw.get("status") in STATUSES else "ERROR"
        raw_parts = raw.get("parts") if isinstance(raw.get("parts"), list) else []
        by_name = {p.get("name"): p for p in raw_parts if isinstance(p, dict)}
        weights = sum(spec.parts.values()) or 1.0
        parts = []
        for name in (spec.parts if len(spec.parts) > 1 else ()):
            part = by_name.get(name, {})
            share = round(spec.points * spec.parts[name] / weights, 4)
            part_status = part.get("status") if part.get("status") in STATUSES else "ERROR"
            parts.append(PartResult(
                name, part_status,
                _clamp(part.get("points"), share) if part_status == "PASS" else 0.0,
                share, _msg(part.get("message"))))
        points = _clamp(raw.get("points"), spec.points)
        if status not in ("PASS", "PARTIAL"):
            points = min(points, sum(p.points for p in parts)) if parts else 0.0
        if status == "FORBIDDEN":
            points = 0.0
        duration = raw.get("duration")
        duration = float(duration) if isinstance(duration, (int, float)) and not isinstance(
            duration, bool) and math.isfinite(duration) and duration >= 0 else 0.0
        output = raw.get("output")
        trips = raw.get("round_trips")
        trips = int(trips) if isinstance(trips, int) and not isinstance(trips, bool) \
            and 0 <= trips < 10 ** 9 else 0
        return cls(round_trips=trips, spec=spec, status=status, points=points, message=_msg(raw.get("message")),
                   hint=_msg(raw.get("hint")), concept=_msg(raw.get("concept")),
                   mistake=_matching(raw.get("mistake"), MISTAKE_KEY),
                   hint_doc=_matching(raw.get("hint_doc"), DOC_LINK),
                   duration=round(duration, 3), parts=parts,
                   output=clean(output, OUTPUT_CAP, multiline=True)
                   if isinstance(output, str) else "")

    def advice(self, feedback="fix"):
        """The hint at a feedback level: "fix" gives the concrete fix; "concept" names the
        mistake (or, when the hint has no concept text, the check's topic) and the module
        text's section, never the fix. None when there is nothing to advise."""
        if self.status == "PASS" or self.hint is None:
            return None
        if feedback == "fix":
            return self.hint
        if self.concept is not None:
            return self.concept
        title, doc = self.spec.title, self.doc
        where = {lang: (t("review_where", lang, doc=doc) if doc else "") for lang in LANGS}
        return Msg(t("review_concept", "en", title=title["en"]) + where["en"],
                   t("review_concept", "zh-TW", title=title["zh-TW"]) + where["zh-TW"])

    @classmethod
    def lost(cls, spec, en, zh, status="ERROR"):
        """No result reached the runner for `spec`: the grader's own failure, worth 0."""
        return cls(spec=spec, status=status, points=0.0,
                   message=Msg(f"internal grader error: {en}", f"批改程式內部錯誤：{zh}"))


def _plain(message):
    return dict(message) if message is not None else None


def _matching(value, pattern):
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _clamp(value, top):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return round(min(max(float(value), 0.0), float(top)), 4)


def _msg(value):
    """A cleaned bilingual message, or None."""
    if not isinstance(value, dict):
        return None
    en, zh = value.get("en"), value.get("zh-TW")
    if not isinstance(en, str):
        return None
    return Msg(clean(en, MESSAGE_CAP, multiline=True),
               clean(zh if isinstance(zh, str) else en, MESSAGE_CAP, multiline=True))
