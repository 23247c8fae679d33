"""How a check is declared, and how its outcome becomes a status and points.

A check is a pytest test function in grader/suites/ with the @check decorator:

    @check("m5.conv2d.backward", points=3, parts=("dx", "dW", "db"),
           title=("Conv2D backward", "Conv2D 反向傳播"),
           doc="docs/module5.md#conv2d-backward")
    def test_conv2d_backward(student, rng, grade):
        ...
        with grade.part("dx"):
            expect_close(dx, want_dx, "dx")

Each part earns an equal share of the points (or a weight: parts={"dx": 2, "dW": 1}). A
check without parts is one part. Failures raise Mismatch (FAIL) or Todo (TODO, the student's
code returned None); the decorator turns whatever happens into one CheckResult, so a check
never errors out of pytest.
"""
import functools
import time
from dataclasses import dataclass, field

from .forbidden import describe as describe_forbidden
from .i18n import Msg
from .proxy import ForbiddenCode, MissingAttribute, StudentError, WorkerCrashed, WorkerTimeout

STATUSES = ("PASS", "PARTIAL", "FAIL", "TODO", "TIMEOUT", "ERROR", "CRASH", "FORBIDDEN")
REGISTRY = {}


class Mismatch(Exception):
    """The student's answer is wrong. `hint` names the likely mistake."""

    def __init__(self, message, hint=None):
        self.msg = _bilingual(message)
        self.hint = hint
        super().__init__(self.msg["en"])


class Todo(Exception):
    """The student's function returned None: the skeleton's `pass` is still there."""

    def __init__(self, what):
        self.msg = Msg(f"{what} returned None: still a TODO",
                       f"{what} 回傳 None：這部分還是 TODO")
        super().__init__(self.msg["en"])


class CheckTimeout(Exception):
    """A check ran out of time and can say more than "no answer" (e.g. how slow the
    student's Conv2D measured): status TIMEOUT with this message."""

    def __init__(self, message):
        self.msg = _bilingual(message)
        super().__init__(self.msg["en"])


def _bilingual(message):
    if not isinstance(message, Msg):
        raise TypeError("give both languages: Msg(english, chinese)")
    return message


@dataclass
class CheckSpec:
    id: str
    module: int
    title: Msg
    points: float
    parts: dict
    optional: bool
    timeout: float
    doc: str
    func_name: str = ""
    file: str = ""


@dataclass
class PartResult:
    name: str
    status: str
    weight: float
    message: Msg = None


@dataclass
class CheckResult:
    id: str
    status: str
    points: float
    max_points: float
    message: Msg = None
    hint: Msg = None
    duration: float = 0.0
    parts: list = field(default_factory=list)
    output: str = ""

    def to_dict(self):
        """Plain JSON-ready data (Msg values become {"en": ..., "zh-TW": ...})."""
        plain = lambda m: dict(m) if m is not None else None
        return {"id": self.id, "status": self.status, "points": self.points,
                "max_points": self.max_points, "message": plain(self.message),
                "hint": plain(self.hint), "duration": self.duration, "output": self.output,
                "parts": [dict(p, message=plain(p["message"])) for p in self.parts]}


def check(id, points, title, parts=None, optional=False, timeout=10.0, doc=""):
    """Declare a check (see the module docstring). `timeout` is in seconds, before
    --timeout-scale; `optional` checks give bonus points (選做)."""
    if id in REGISTRY:
        raise ValueError(f"duplicate check id {id}")
    if isinstance(parts, (list, tuple)):
        parts = {name: 1.0 for name in parts}
    spec = CheckSpec(id=id, module=int(id.split(".")[0].lstrip("m")),
                     title=Msg(*title), points=points, parts=dict(parts or {"all": 1.0}),
                     optional=optional, timeout=timeout, doc=doc)

    def decorate(fn):
        spec.func_name, spec.file = fn.__name__, fn.__module__
        REGISTRY[id] = spec

        @functools.wraps(fn)
        def run(*args, **kwargs):
            grade = kwargs.get("grade")
            if grade is None:
                raise RuntimeError(f"check {id} must take the `grade` fixture")
            grade.run(fn, args, kwargs)

        run.check_spec = spec
        return run

    return decorate


class Grade:
    """Collects the outcome of one check: its parts, a hint, the final status."""

    def __init__(self, spec):
        self.spec = spec
        self.parts = {}          # name -> PartResult, in the order they finished
        self.hints = []          # given by the check itself: they name the mistake
        self.auto_hints = []     # derived from the shape of an error (a factor, a sign)
        self.message = None
        self.status = None
        self.started = time.monotonic()

    # -- used by checks -------------------------------------------------------------
    class _Part:
        def __init__(self, grade, name):
            self.grade, self.name = grade, name

        def __enter__(self):
            return self

        def __exit__(self, kind, exc, tb):
            if exc is None:
                self.grade._record(self.name, "PASS")
                return False
            outcome = _classify(exc)
            if outcome is None or outcome[0] in ("TIMEOUT", "CRASH", "FORBIDDEN"):
                return False     # the worker is gone, the code is disqualified, or the grader broke
            status, message, hint = outcome
            self.grade._record(self.name, status, message)
            if hint and hint not in self.grade.auto_hints:
                self.grade.auto_hints.append(hint)
            return True

    def part(self, name):
        if name not in self.spec.parts:
            raise KeyError(f"check {self.spec.id} has no part {name!r}")
        return Grade._Part(self, name)

    def hint(self, message):
        if message and message not in self.hints:
            self.hints.append(message)

    def passed(self, *names):
        return all(self.parts.get(n) and self.parts[n].status == "PASS" for n in names)

    def failed(self, *names):
        return all(self.parts.get(n) and self.parts[n].status != "PASS" for n in names)

    def _record(self, name, status, message=None):
        previous = self.parts.get(name)
        if previous is not None and previous.status != "PASS":
            return                # a part that failed once stays failed
        self.parts[name] = PartResult(name, status, self.spec.parts[name], message)

    # -- used by the decorator ------------------------------------------------------
    def run(self, fn, args, kwargs):
        try:
            fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - every outcome becomes a status
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            outcome = _classify(exc)
            if outcome is None:
                import traceback
                outcome = ("ERROR", Msg("internal grader error: " + "".join(
                    traceback.format_exception_only(type(exc), exc)).strip(),
                    "批改程式內部錯誤：" + "".join(
                    traceback.format_exception_only(type(exc), exc)).strip()), None)
            self.status, self.message, hint = outcome
            if hint and hint not in self.auto_hints:
                self.auto_hints.append(hint)
            for name in self.spec.parts:
                if name not in self.parts:
                    # The parts the check had not reached share the reason it stopped.
                    self.parts[name] = PartResult(name, self.status, self.spec.parts[name])

    def forbid(self, items):
        """Student code used forbidden code somewhere in this check: the check earns nothing,
        whatever its parts found."""
        self.status, self.message = "FORBIDDEN", forbidden_message(items)

    def result(self, output=""):
        if list(self.spec.parts) == ["all"]:
            self.parts.setdefault("all", PartResult("all", "PASS", 1.0))
        for name in self.spec.parts:
            # A declared part the check never judged earns nothing: a check must not hand
            # out points it did not test.
            self.parts.setdefault(name, PartResult(name, "ERROR", self.spec.parts[name], Msg(
                f"internal grader error: part {name} was never judged",
                f"批改程式內部錯誤：部分 {name} 沒有被檢查")))
        parts = [self.parts[n] for n in self.spec.parts]
        total = sum(p.weight for p in parts)
        earned = sum(p.weight for p in parts if p.status == "PASS")
        points = round(self.spec.points * earned / total, 4)
        status = _combine([p.status for p in parts])
        if self.status == "FORBIDDEN":
            status, points = "FORBIDDEN", 0.0
            for part in parts:
                part.status = "FORBIDDEN"
        elif self.status in ("TIMEOUT", "CRASH", "ERROR"):
            status = self.status     # keep the stop reason visible; points stay earned
        message = self.message
        if message is None:
            failing = [p for p in parts if p.status != "PASS" and p.message]
            if failing:
                message = failing[0].message
                if len(parts) > 1 and status != "TODO":
                    message = Msg(f"{failing[0].name}: ", f"{failing[0].name}：") + message
        return CheckResult(
            id=self.spec.id, status=status, points=points, max_points=self.spec.points,
            message=message, hint=(self.hints + self.auto_hints or [None])[0],
            duration=round(time.monotonic() - self.started, 3), output=output,
            parts=[{"name": p.name, "status": p.status,
                    "points": round(self.spec.points * p.weight / total, 4)
                    if p.status == "PASS" else 0.0,
                    "max_points": round(self.spec.points * p.weight / total, 4),
                    "message": p.message} for p in parts] if len(parts) > 1 else [])


def forbidden_message(items):
    """The bilingual message naming what forbidden code was used, and where."""
    return describe_forbidden(items)


def _combine(statuses):
    if all(s == "PASS" for s in statuses):
        return "PASS"
    if any(s == "PASS" for s in statuses):
        return "PARTIAL"
    if all(s == "TODO" for s in statuses):
        return "TODO"
    for s in ("CRASH", "TIMEOUT", "ERROR", "FAIL"):
        if s in statuses:
            return s
    return "FAIL"


def _classify(exc):
    """(status, message, hint) for an exception raised inside a check, or None for an
    exception that means the grader itself is broken."""
    if isinstance(exc, Mismatch):
        return "FAIL", exc.msg, exc.hint
    if isinstance(exc, Todo):
        return "TODO", exc.msg, None
    if isinstance(exc, CheckTimeout):
        return "TIMEOUT", exc.msg, None
    if isinstance(exc, MissingAttribute):
        return "TODO", Msg(f"{exc.owner}.{exc.name} does not exist: it should be set "
                           f"(self.{exc.name} = ...); still a TODO?",
                           f"{exc.owner}.{exc.name} 不存在：應該要設定 self.{exc.name} = ...（還是 TODO？）"), None
    if isinstance(exc, StudentError):
        text = exc.short()
        return "ERROR", Msg(text, text), None     # the student's own words: not translated
    if isinstance(exc, WorkerTimeout):
        return ("TIMEOUT", Msg(f"no answer within the time limit ({exc.doing}); the worker was stopped",
                               f"超過時間限制仍未完成（{exc.doing}），已停止執行"), None)
    if isinstance(exc, WorkerCrashed):
        return "CRASH", exc.reason, None
    if isinstance(exc, ForbiddenCode):
        return "FORBIDDEN", forbidden_message(exc.items), None
    if isinstance(exc, AssertionError):
        return "FAIL", Msg(str(exc) or "assertion failed", str(exc) or "檢查未通過"), None
    return None
