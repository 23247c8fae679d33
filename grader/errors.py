"""The error types the transport (grader/proxy.py) raises and scoring (grader/checks.py,
grader/expect.py, the suites) classifies: what can go wrong when the trusted side asks
student code for something. They know nothing of sockets or of points.
"""
import fnmatch

#: Exceptions numpy raises for arrays of the wrong shape or size: their messages rarely
#: say which arrays, so the shapes in the failing frame are shown beside them.
SHAPE_ERRORS = ("ValueError", "IndexError", "AxisError")


class StudentError(Exception):
    """Student code raised an exception. `arrays` are (name, shape) of the arrays in the
    innermost frame of the student's code when it raised."""

    def __init__(self, type_name, message, where, arrays=()):
        self.type_name, self.message, self.where = type_name, message, where
        self.arrays = list(arrays)
        super().__init__(self.short())

    def short(self):
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        if len(text) > 200:
            text = text[:197] + "..."
        if self.where:
            path, line, func, code = self.where
            text += f" ({path}:{line} in {func}" + (f": {code}" if code else "") + ")"
        shapes = self.shapes()
        if shapes:
            text += f"; arrays there: {shapes}"
        return text

    def shapes(self):
        """"x (2, 3, 0, 0), out (2, 4)" when the error is about shapes or sizes (or an array
        there is empty), else ""."""
        if not self.arrays:
            return ""
        empty = any(0 in shape for _, shape in self.arrays)
        if self.type_name not in SHAPE_ERRORS and not empty:
            return ""
        return ", ".join(f"{name} {tuple(shape)}" for name, shape in self.arrays)


class MissingAttribute(AttributeError):
    """A student's object lacks an attribute the check reads (e.g. dW before backward
    stores it)."""

    def __init__(self, owner, name):
        super().__init__(f"{owner} has no attribute {name!r}")
        # After the base class, whose __init__ (3.10+) resets `name` to None.
        self.owner, self.name = owner, name


class ForbiddenCode(Exception):
    """Student code used what the course forbids: a deep-learning framework, the reference
    solutions, or the grader's own suites. `items` are (what, where) pairs."""

    def __init__(self, items):
        self.items = items
        super().__init__("; ".join(what for what, _ in items))


class StudentCall:
    """What a request asked of student code, for the check's bookkeeping (checks.Grade
    .call_failed): the object (worker generation, handle) or None, its type and the member."""

    __slots__ = ("obj", "owner", "member")

    def __init__(self, obj, owner, member):
        self.obj, self.owner, self.member = obj, owner, member

    @property
    def label(self):
        return f"{self.owner}.{self.member}" if self.member else self.owner

    def matches(self, patterns):
        """Whether a `needs` entry names this call: the member or Owner.member, globs allowed."""
        return any(fnmatch.fnmatchcase(self.member or "", p)
                   or fnmatch.fnmatchcase(self.label, p) for p in patterns)


class WorkerGone(Exception):
    """The worker can no longer answer; the check ends here."""


class WorkerTimeout(WorkerGone):
    def __init__(self, seconds, doing):
        self.seconds, self.doing = seconds, doing
        super().__init__(f"no answer within {seconds:.1f} s while {doing}")


class WorkerCrashed(WorkerGone):
    def __init__(self, reason):
        self.reason = reason          # a Msg
        super().__init__(reason["en"])


#: The exception the worker raises instead of calling a method known to hang (its message is
#: the method's label); the proxy turns it into KnownHang with what the run recorded.
KNOWN_HANG = "KnownHang"


class KnownHang(Exception):
    """A call reached student code that did not return within its limit in an earlier check
    of this run (`label`: "Conv2D.backward", or "import module5.layers"; `check`: the check
    that waited; `seconds`: how long it waited). It is not called again: the later check
    reports TIMEOUT at once instead of waiting out a limit of its own."""

    def __init__(self, label, check, seconds):
        self.label, self.check, self.seconds = label, check, seconds
        super().__init__(f"{label} did not return within {seconds:.0f} s in {check}")
