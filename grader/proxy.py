"""The trusted side of the process boundary: start a worker, talk to it, and present the
student's modules and objects as local-looking proxies.

    student = Student(target)                 # no process yet: started on first use
    layers = student.module("module5.layers")
    conv = layers.Conv2D(3, 4, 3, stride=2)   # the object lives in the worker
    conv.W = W                                # arrays cross by value
    out = conv.forward(x)                     # a plain numpy array, copied back
    student.close()

Every request has a deadline (the check's). A worker that misses it is killed
(WorkerTimeout); one that dies (sys.exit, os._exit, a segfault, the memory cap) raises
WorkerCrashed; an exception in student code raises StudentError. After a timeout or a crash
the next request starts a fresh worker.
"""
import multiprocessing as mp
import os
import signal
import sys
import time
import types
import zlib

from .codec import CodecError, Ref, decode, encode
from .i18n import Msg
from . import worker as worker_module


class StudentError(Exception):
    """Student code raised an exception."""

    def __init__(self, type_name, message, where):
        self.type_name, self.message, self.where = type_name, message, where
        super().__init__(self.short())

    def short(self):
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        if len(text) > 200:
            text = text[:197] + "..."
        if self.where:
            path, line, func, code = self.where
            text += f" ({path}:{line} in {func}" + (f": {code}" if code else "") + ")"
        return text


class MissingAttribute(AttributeError):
    """A student's object lacks an attribute the check reads (e.g. dW before backward
    stores it)."""

    def __init__(self, owner, name):
        self.owner, self.name = owner, name
        super().__init__(f"{owner} has no attribute {name!r}")


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


MALFORMED = Msg("the worker sent a malformed reply", "worker 回傳了格式錯誤的資料")


def _context():
    # forkserver: each worker is a fork of a small single-threaded server that already
    # imported numpy, so it starts in milliseconds and is safe on macOS too; Windows has
    # only spawn.
    if sys.platform == "win32":
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["numpy", "grader.worker"])
    return ctx


_CTX = None


def describe_exit(code):
    """Why a worker ended, in both languages."""
    if code is None:
        return Msg("the worker vanished", "worker 消失了")
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        en, zh = {"SIGSEGV": (" (segmentation fault)", "（segmentation fault，記憶體存取錯誤）"),
                  "SIGKILL": (" (killed: out of memory?)", "（被強制結束：記憶體不足？）"),
                  "SIGABRT": (" (aborted)", "（abort）"),
                  "SIGBUS": (" (bus error)", "（bus error）")}.get(name, ("", ""))
        return Msg(f"the worker was killed by {name}{en}", f"worker 被 {name} 結束{zh}")
    return Msg(f"the worker exited with code {code}", f"worker 以結束碼 {code} 結束")


class Student:
    """A connection to the student's tree, through one worker process at a time."""

    def __init__(self, target, memory_mb=2048, deadline=None):
        self.target = os.path.realpath(target)
        self.package = "_target_%08x" % zlib.crc32(self.target.encode())
        self.memory_mb = memory_mb
        self.deadline = deadline          # time.monotonic() value, or None
        self.process = self.conn = None
        self.requests = 0
        self.last_output = ""

    # -- process management ---------------------------------------------------------
    def start(self):
        global _CTX
        if _CTX is None:
            _CTX = _context()
        parent, child = _CTX.Pipe()
        self.process = _CTX.Process(target=worker_module.main, daemon=True,
                                    args=(child, self.target, self.package, self.memory_mb))
        # multiprocessing re-imports the parent's __main__ in every child it starts (pytest,
        # or the caller's script): slow, and it would run that script. The worker needs
        # nothing from it, so hide it while the child is prepared.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self.process.start()
        finally:
            sys.modules["__main__"] = main
        child.close()
        self.conn = parent

    def close(self):
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=5)
            self.conn.close()
        self.process = self.conn = None

    def restart(self):
        self.close()
        self.start()

    # -- requests ---------------------------------------------------------------------
    def remaining(self):
        return None if self.deadline is None else self.deadline - time.monotonic()

    def request(self, *message, doing="waiting for student code"):
        if self.process is None:
            self.start()
        self.requests += 1
        try:
            self.conn.send_bytes(encode(list(message)))
        except (BrokenPipeError, OSError):
            raise self._crashed() from None
        timeout = self.remaining()
        if timeout is not None and not self.conn.poll(max(timeout, 0)):
            self.close()
            raise WorkerTimeout(max(0.0, timeout), doing)
        try:
            data = self.conn.recv_bytes()
        except (EOFError, OSError):
            raise self._crashed() from None
        try:
            reply = decode(data)
        except CodecError:
            self.close()
            raise WorkerCrashed(MALFORMED) from None
        if not isinstance(reply, dict) or len(reply) != 1:
            self.close()
            raise WorkerCrashed(MALFORMED)
        (kind, body), = reply.items()
        if kind == "ok":
            return self._wrap(body)
        if kind == "err":
            raise StudentError(*body)
        if kind == "exit":
            code, where = body
            self.close()
            at = f" at {where[0]}:{where[1]}" if where else ""
            raise WorkerCrashed(Msg(f"student code called sys.exit({code}){at}",
                                    f"學生程式呼叫了 sys.exit({code}){at}"))
        self.close()
        raise WorkerCrashed(MALFORMED)

    def _crashed(self):
        process = self.process
        if process is not None:
            process.join(timeout=5)
        reason = describe_exit(None if process is None else process.exitcode)
        self.close()
        return WorkerCrashed(reason)

    def _wrap(self, value):
        if isinstance(value, Ref):
            return RemoteObject(self, value)
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._wrap(v) for v in value)
        if isinstance(value, dict):
            return {k: self._wrap(v) for k, v in value.items()}
        return value

    # -- conveniences -----------------------------------------------------------------
    def module(self, dotted):
        """The student's module `dotted` (e.g. "module5.layers") as a proxy."""
        return self.request("import", dotted, doing=f"importing {dotted}")

    def keep(self, value):
        """Copy `value` into the worker and keep it there: passing the returned proxy as an
        argument passes the worker's own array, so in-place changes stay visible."""
        return self.request("keep", value, doing="sending data")

    def fetch(self, remote):
        """The current value of a kept array (or any remote object that is plain data)."""
        return self.request("fetch", _unwrap(remote), doing="reading data")

    def attr(self, obj, name):
        """obj.name as a handle even if it is an array (to change it in place or compare
        identity)."""
        return self.request("getattr_ref", _unwrap(obj), name,
                            doing=f"reading {obj.type_name}.{name}")

    def same(self, a, b):
        """Whether two remote handles are the very same object in the worker."""
        return bool(self.request("same", _unwrap(a), _unwrap(b), doing="comparing objects"))

    def given(self, dotted, *args, **kwargs):
        """Run given code in the worker on the student's objects (args may be remote
        objects): student.given("given.model_utils.set_training", model, False)."""
        module, func = dotted.rsplit(".", 1)
        return self.request("given", module, func, _unwrap(list(args)), _unwrap(kwargs),
                            doing=f"in {dotted}")

    def numpy(self):
        """The worker's numpy module (e.g. to make it raise on overflow: numpy().seterr)."""
        return self.request("numpy", doing="reaching numpy")

    def seed(self, n):
        self.request("seed", int(n))

    def output(self):
        """What student code printed so far in the current worker (capped)."""
        if self.process is None:
            return self.last_output
        try:
            return self.request("output", doing="reading output")
        except WorkerGone:
            return ""


def _unwrap(value):
    if isinstance(value, RemoteObject):
        return value._ref
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


class RemoteObject:
    """A student's object (module, class, instance, function) living in the worker."""

    __slots__ = ("_student", "_ref", "_methods")

    def __init__(self, student, ref):
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_methods", set())

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self._methods:
            return RemoteMethod(self, name)
        try:
            value = self._student.request("getattr", self._ref, name,
                                          doing=f"reading {self._ref.type_name}.{name}")
        except StudentError as exc:
            if exc.type_name == "AttributeError":
                raise MissingAttribute(self._ref.type_name, name) from None
            raise
        if isinstance(value, RemoteObject) and value._ref.is_method:
            self._methods.add(name)
            return RemoteMethod(self, name)
        return value

    def __setattr__(self, name, value):
        self._student.request("setattr", self._ref, name, _unwrap(value),
                              doing=f"setting {self._ref.type_name}.{name}")

    def __call__(self, *args, **kwargs):
        return self._student.request("call", self._ref, _unwrap(list(args)), _unwrap(kwargs),
                                     doing=f"calling {self._ref.type_name}")

    def __getitem__(self, index):
        return self._student.request("getitem", self._ref, _unwrap(index),
                                     doing=f"indexing {self._ref.type_name}")

    def __setitem__(self, index, value):
        self._student.request("setitem", self._ref, _unwrap(index), _unwrap(value),
                              doing=f"writing into {self._ref.type_name}")

    def __repr__(self):
        return f"<student {self._ref.type_name}>"

    @property
    def type_name(self):
        return self._ref.type_name


class RemoteMethod:
    __slots__ = ("owner", "name")

    def __init__(self, owner, name):
        self.owner, self.name = owner, name

    def keep(self, *args, **kwargs):
        """Call, but leave the arrays of the result in the worker (as handles)."""
        owner = self.owner
        return owner._student.request(
            "callmethod_ref", owner._ref, self.name, _unwrap(list(args)), _unwrap(kwargs),
            doing=f"in {owner._ref.type_name}.{self.name}")

    def __call__(self, *args, **kwargs):
        owner = self.owner
        return owner._student.request(
            "callmethod", owner._ref, self.name, _unwrap(list(args)), _unwrap(kwargs),
            doing=f"in {owner._ref.type_name}.{self.name}")
