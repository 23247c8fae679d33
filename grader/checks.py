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

A part's points mean the part was fully judged and right:

- A part judged over several cases is judged inside `for case in grade.cases(CASES):`; it is
  complete only when that loop has run to its end. A part judged in one block is complete
  when the block ends (entering it again is a grader bug, reported as one).
- A call to student code that fails (raises, times out, crashes, or reads an attribute that
  is not there) inside a part's block costs that part, whatever it scored before, even when
  the check caught the exception and went on.
- A check that stops early (anything escaping the check's body) costs every part that was
  not complete: none is left passed on the cases it never reached.
- `needs={"dW": ("backward",)}` on @check says a part also depends on calls made outside its
  block (here: dW is read after backward): a failed `backward` anywhere in the check costs
  it. Names match the member (`backward`) or the qualified name (`Conv2D.backward`).
"""
import functools
import time
from dataclasses import dataclass, field

from . import modules
from .forbidden import describe as describe_forbidden
from .i18n import Msg
from .results import CheckResult, PartResult
from .errors import (ForbiddenCode, KnownHang, MissingAttribute, StudentError, WorkerCrashed,
                     WorkerTimeout)

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
    needs: dict = field(default_factory=dict)
    cap: float = 0.0          # the longest a check may take (seconds); at least timeout
    hidden: bool = False      # not in the student release (Gradescope and batch only)
    func_name: str = ""
    file: str = ""

    def __post_init__(self):
        self.cap = max(self.cap, self.timeout)


@dataclass
class _Part:
    """A part's verdict while the check runs (its weight; points are counted at the end)."""
    name: str
    status: str
    weight: float
    message: Msg = None


def check(id, points, title, parts=None, optional=False, timeout=10.0, doc="", needs=None,
          cap=None, hidden=False):
    """Declare a check (see the module docstring). `timeout` is in seconds, before
    --timeout-scale; `cap` is the hard limit of a check that sets its own budget from the
    learner's measured speed (suites/budget.py), default the timeout; `optional` checks
    give bonus points (選做); `needs` maps a part to the student members it depends on
    beyond its own blocks; a `hidden` check never ships in the student release (it runs
    only in the Gradescope bundle and in batch: grader/release.py)."""
    if id in REGISTRY:
        raise ValueError(f"duplicate check id {id}")
    if isinstance(parts, (list, tuple)):
        parts = {name: 1.0 for name in parts}
    parts = dict(parts or {"all": 1.0})
    needs = {name: tuple(members) for name, members in (needs or {}).items()}
    unknown = set(needs) - set(parts)
    if unknown:
        raise ValueError(f"check {id}: needs names unknown parts {sorted(unknown)}")
    spec = CheckSpec(id=id, module=modules.of_check(id),
                     title=Msg(*title), points=points, parts=parts,
                     optional=optional, timeout=timeout, doc=doc, needs=needs, cap=cap or 0.0,
                     hidden=hidden)

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


@dataclass
class CallFailure:
    """A call to student code that failed during a check: what was called (a
    errors.StudentCall), the status and message it earned, and the parts whose block it was
    in."""
    call: object
    status: str
    message: Msg
    parts: tuple = ()


NOT_FULLY_JUDGED = Msg("not fully judged: the check stopped before it had judged every case",
                       "沒有完整檢查：這項檢查在判斷完所有情況之前就停止了")


class Grade:
    """Collects the outcome of one check: its parts, a hint, the final status (the rules are
    in the module docstring)."""

    def __init__(self, spec):
        self.spec = spec
        self.parts = {}          # name -> _Part, in the order they finished
        self.hints = []          # given by the check itself: they name the mistake
        self.auto_hints = []     # derived from the shape of an error (a factor, a sign)
        self.message = None
        self.status = None
        self.started = time.monotonic()
        self.failures = []       # CallFailure, in order
        self.open = []           # the part blocks running now, innermost last
        self.complete = set()    # parts whose judgement has ended
        self.pending = set()     # parts judged inside the running grade.cases loop
        self.loops = 0

    # -- used by checks -------------------------------------------------------------
    class _Block:
        """A block of the check's body judging `names`: a failure inside costs each of them;
        a clean end passes them, unless the block is `shared` (a precondition of theirs,
        such as a forward their judgement starts from), which passes nothing."""

        def __init__(self, grade, names, shared=False):
            self.grade, self.names, self.shared = grade, names, shared
            self.ok = False       # True once the block has ended cleanly

        def __enter__(self):
            grade = self.grade
            for name in self.names:
                if name not in grade.spec.parts:
                    raise KeyError(f"check {grade.spec.id} has no part {name!r}")
                if name in grade.complete:
                    raise RuntimeError(
                        f"grader bug: part {name!r} of {grade.spec.id} is judged again after "
                        f"its judgement ended; judge it per case inside grade.cases(...)")
            grade.open.append(self.names)
            self.first_failure = len(grade.failures)
            return self

        def __exit__(self, kind, exc, tb):
            grade = self.grade
            grade.open.pop()
            if not self.shared:
                (grade.pending if grade.loops else grade.complete).update(self.names)
            if exc is None:
                failed = grade.failures[self.first_failure:]
                if failed:
                    # The block went on after a call failed (and was caught): what it judged
                    # rests on that call, so the failure is the verdict.
                    for name in self.names:
                        grade._record(name, failed[0].status, failed[0].message)
                    return False
                self.ok = True
                if not self.shared:
                    for name in self.names:
                        grade._record(name, "PASS")
                return False
            outcome = _classify(exc)
            if outcome is None:
                return False     # the grader itself broke
            status, message, hint = outcome
            for name in self.names:
                grade._record(name, status, message)
            if hint and hint not in grade.auto_hints:
                grade.auto_hints.append(hint)
            # The worker is gone or the code is disqualified: the check ends here.
            return status not in ("TIMEOUT", "CRASH", "FORBIDDEN")

    class _Cases:
        def __init__(self, grade, items):
            self.grade, self.items = grade, iter(items)
            grade.loops += 1

        def __iter__(self):
            return self

        def __next__(self):
            try:
                return next(self.items)
            except StopIteration:
                grade = self.grade
                grade.loops -= 1
                if grade.loops == 0:
                    grade.complete |= grade.pending
                    grade.pending.clear()
                raise

    def part(self, name):
        """with grade.part("dx"): judge part dx (it passes if the block ends cleanly)."""
        return Grade._Block(self, (name,))

    def shared(self, *names):
        """with grade.shared("dx", "dW") as step: a step every one of these parts needs (the
        call their judgement starts from): a failure costs them all, success passes none of
        them. After the block, `step.ok` says whether it ended cleanly (else skip the case)."""
        return Grade._Block(self, names, shared=True)

    def cases(self, items):
        """Iterate over the check's cases: the parts judged inside are complete only once
        every case has been judged."""
        return Grade._Cases(self, items)

    def diagnose(self, quantity, **inputs):
        """The known mistakes of `quantity` in this check, on these inputs: pass it to
        expect_close(..., mistakes=) (grader/misconceptions.py)."""
        from .misconceptions import Diagnosis, load
        load(self.spec.file)
        return Diagnosis(self.spec.id, quantity, inputs)

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
        self.parts[name] = _Part(name, status, self.spec.parts[name], message)

    # -- used by the proxy ------------------------------------------------------------
    def call_failed(self, call, exc):
        """Student.observer: a call to student code failed. The block that is running cannot
        pass (see _Block); if it comes after an earlier failure, it is explained as a
        consequence of that one."""
        outcome = _classify(exc)
        if outcome is None:
            return
        status, message, hint = outcome
        if self.failures and status in ("TODO", "ERROR", "FAIL"):
            status, message = _consequence(call, exc, status, message, self.failures)
            exc.grader_outcome = (status, message, hint)
        self.failures.append(CallFailure(call, status, message, self.open[-1] if self.open else ()))

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
                if name in self.complete and name in self.parts:
                    continue
                if name in self.parts and self.parts[name].status == "PASS":
                    # Passed on the cases it reached, but the check never judged the rest.
                    self.parts[name] = _Part(name, self.status, self.spec.parts[name],
                                                  NOT_FULLY_JUDGED)
                elif name not in self.parts:
                    # The parts the check had not reached share the reason it stopped.
                    self.parts[name] = _Part(name, self.status, self.spec.parts[name])

    def _apply_needs(self):
        """A part that declared it depends on a member loses its pass when a call of that
        member failed anywhere in the check."""
        for name, members in self.spec.needs.items():
            for failure in self.failures:
                if name not in failure.parts and failure.call.matches(members):
                    self._record(name, failure.status, failure.message)
                    break

    def forbid(self, items):
        """Student code used forbidden code somewhere in this check: the check earns nothing,
        whatever its parts found."""
        self.status, self.message = "FORBIDDEN", forbidden_message(items)

    def result(self, output=""):
        self._apply_needs()
        if list(self.spec.parts) == ["all"]:
            self.parts.setdefault("all", _Part("all", "PASS", 1.0))
        for name in self.spec.parts:
            # A declared part the check never judged earns nothing: a check must not hand
            # out points it did not test.
            self.parts.setdefault(name, _Part(name, "ERROR", self.spec.parts[name], Msg(
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
            status = self.status     # keep the stop reason visible
        message = self.message
        if message is None:
            failing = [p for p in parts if p.status != "PASS" and p.message]
            if failing:
                message = failing[0].message
                if len(parts) > 1 and status != "TODO":
                    message = Msg(f"{failing[0].name}: ", f"{failing[0].name}：") + message
        shares = [round(self.spec.points * p.weight / total, 4) for p in parts]
        # A diagnosed misconception names the mistake itself: it comes before anything else.
        hints = self.hints + self.auto_hints
        hint = ([h for h in hints if getattr(h, "mistake", None)] + hints or [None])[0]
        return CheckResult(
            spec=self.spec, status=status, points=points, message=message, hint=hint,
            concept=getattr(hint, "concept", None), mistake=getattr(hint, "mistake", None),
            hint_doc=getattr(hint, "doc", None),
            duration=round(time.monotonic() - self.started, 3), output=output,
            parts=[PartResult(p.name, p.status, share if p.status == "PASS" else 0.0, share,
                              p.message)
                   for p, share in zip(parts, shares)] if len(parts) > 1 else [])


def _consequence(call, exc, status, message, failures):
    """(status, message) of a failure that followed earlier ones in the same check. After a
    failed call on the same object, a missing attribute is what that call never set, and any
    other error most likely its consequence: the earlier error is named as the one to fix.
    After a failure elsewhere, a missing attribute only mentions it."""
    same = [f for f in failures if call.obj is not None and f.call.obj == call.obj]
    if same:
        first = same[-1]
        if isinstance(exc, MissingAttribute):
            return first.status, Msg(
                f"{exc.owner}.{exc.name} does not exist because {first.call.label} failed "
                f"earlier in this check, before it could set it; fix that error first: ",
                f"{exc.owner}.{exc.name} 不存在，因為這項檢查稍早的 {first.call.label} 已經出錯，"
                f"沒能設定它；請先修正那個錯誤：") + first.message
        return status, message + Msg(
            f" (probably a consequence of the earlier error in {first.call.label} on the same "
            f"object: ", f"（很可能是同一個物件稍早在 {first.call.label} 出錯的後果：") \
            + first.message + Msg(")", "）")
    if isinstance(exc, MissingAttribute):
        last = failures[-1]
        return status, message + Msg(
            f" (earlier in this check {last.call.label} failed: if it should have set "
            f"{exc.name}, fix that first: ",
            f"（這項檢查稍早 {last.call.label} 出錯了：如果 {exc.name} 應該由它設定，請先修正它：") \
            + last.message + Msg(")", "）")
    return status, message


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
    explained = getattr(exc, "grader_outcome", None)
    if explained is not None:
        return explained
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
    if isinstance(exc, KnownHang):
        return ("TIMEOUT", Msg(
            f"{exc.label} did not return within {exc.seconds:.0f} s in {exc.check}, so it is "
            f"not called again in this run: fix that hang first, then grade again",
            f"{exc.label} 在 {exc.check} 中 {exc.seconds:.0f} 秒內沒有回傳，這次批改不再呼叫它："
            f"請先修正這個卡住的地方，再重新批改"), None)
    if isinstance(exc, WorkerCrashed):
        return "CRASH", exc.reason, None
    if isinstance(exc, ForbiddenCode):
        return "FORBIDDEN", forbidden_message(exc.items), None
    if isinstance(exc, AssertionError):
        return "FAIL", Msg(str(exc) or "assertion failed", str(exc) or "檢查未通過"), None
    return None
