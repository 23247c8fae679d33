"""The trusted side of the process boundary: start a sandboxed worker, talk to it, and
present the student's modules and objects as local-looking proxies.

    student = Student(target)                 # no process yet: started on first use
    layers = student.module("module5.layers")
    conv = layers.Conv2D(3, 4, 3, stride=2)   # the object lives in the worker
    conv.W = W                                # arrays cross by value
    out = conv.forward(x)                     # a plain numpy array, copied back
    student.close()

Every byte from a worker is untrusted. Each reply has one deadline for the whole message
(the check's), a size cap enforced before it is read, and a schema: anything else ends the
worker (WorkerCrashed, "malformed reply"). Every string in a reply is stripped of control
characters and capped (grader/sanitize.py) before any check sees it. A worker that misses the
deadline is killed with its whole process tree (WorkerTimeout); one that dies (sys.exit,
os._exit, a signal, a limit) raises WorkerCrashed; an exception in student code raises
StudentError; forbidden code seen in the worker (a framework, the reference, the suites)
raises ForbiddenCode. After a timeout or a crash the next request starts a fresh worker.
"""
import atexit
import hashlib
import json
import os
import select
import signal
import struct
import time
import zlib
from pathlib import Path

from .codec import CodecError, Ref, decode, encode
from .errors import (KNOWN_HANG, ForbiddenCode, KnownHang, MissingAttribute, StudentCall,
                     StudentError, WorkerCrashed,
                     WorkerGone, WorkerTimeout)
from .i18n import Msg
from .sanitize import MESSAGE_CAP, NAME_CAP, OUTPUT_CAP, clean, clean_tree
from . import sandbox

#: The largest reply the trusted side reads; the suites' largest legitimate one is < 1 MiB.
REPLY_CAP = 32 * 1024 * 1024
#: A fresh worker must say it is ready within this (it imports numpy), whatever the check's
#: own deadline.
START_SECONDS = 20.0
#: How often a call that is still waiting asks whether another check found it hangs.
HANG_POLL = 0.5


MALFORMED = Msg("the worker sent a malformed reply", "worker 回傳了格式錯誤的資料")


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
                  "SIGBUS": (" (bus error)", "（bus error）"),
                  "SIGXCPU": (" (CPU time limit)", "（超過 CPU 時間上限）"),
                  "SIGXFSZ": (" (file size limit)", "（超過檔案大小上限）")}.get(name, ("", ""))
        return Msg(f"the worker was killed by {name}{en}", f"worker 被 {name} 結束{zh}")
    return Msg(f"the worker exited with code {code}", f"worker 以結束碼 {code} 結束")


class _Malformed(Exception):
    pass


class Channel:
    """The trusted end of a worker's channel. Every operation has a deadline for the whole
    message; a reply's announced length is checked against the cap before it is read."""

    def __init__(self, sock):
        self.sock = sock
        sock.setblocking(False)

    def _wait(self, want_write, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        r, w, _ = select.select([] if want_write else [self.sock],
                                [self.sock] if want_write else [], [], remaining)
        if not r and not w:
            raise TimeoutError

    def send(self, data, deadline):
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            self._wait(True, deadline)
            try:
                sent = self.sock.send(view[:1 << 20])
            except BlockingIOError:
                continue
            view = view[sent:]

    def _read(self, n, deadline):
        buf = bytearray()
        while len(buf) < n:
            self._wait(False, deadline)
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def readable(self, deadline, every, stop):
        """Wait until a reply starts arriving or `deadline` passes (TimeoutError), asking
        `stop()` every `every` seconds meanwhile: when it says so, give up at once (its
        exception propagates)."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            r, _, _ = select.select([self.sock], [], [], min(remaining, every))
            if r:
                return
            stop()

    def recv(self, deadline, cap=REPLY_CAP):
        (n,) = struct.unpack(">I", self._read(4, deadline))
        if n > cap:
            raise _Malformed(f"a reply of {n} bytes (the cap is {cap})")
        return self._read(n, deadline)


def _where(value):
    """A validated (path, line, function, code) of the student's frame, or None."""
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 4 or not isinstance(value[1], int)
            or isinstance(value[1], bool)
            or not all(isinstance(v, str) for v in (value[0], value[2], value[3]))):
        raise _Malformed("a bad source location")
    return [clean(value[0], NAME_CAP), value[1], clean(value[2], NAME_CAP),
            clean(value[3], MESSAGE_CAP)]


#: At most this many arrays of a failing frame are shown.
ARRAYS_CAP = 8


def _arrays(value):
    """Validated [(name, shape)] of a student error's frame."""
    if not isinstance(value, list) or len(value) > ARRAYS_CAP:
        raise _Malformed("a bad array list")
    arrays = []
    for entry in value:
        if (not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str)
                or not isinstance(entry[1], list) or len(entry[1]) > 32
                or not all(type(n) is int and 0 <= n < 1 << 62 for n in entry[1])):
            raise _Malformed("a bad array entry")
        arrays.append((clean(entry[0], NAME_CAP), tuple(entry[1])))
    return arrays


def _forbidden_items(value):
    if not isinstance(value, list) or len(value) > 100:
        raise _Malformed("a bad forbidden list")
    items = []
    for entry in value:
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
            raise _Malformed("a bad forbidden entry")
        where = entry[1]
        if where is not None:
            if (not isinstance(where, list) or len(where) != 2 or not isinstance(where[0], str)
                    or not isinstance(where[1], int)):
                raise _Malformed("a bad forbidden location")
            where = (clean(where[0], NAME_CAP), where[1])
        items.append((clean(entry[0], 200), where))
    return items


def _shared_launcher(stage, isolation, memory_mb, threads=1, prefetch=True):
    """One launcher per (stage, isolation, memory, threads) in this process. With `prefetch`
    it keeps one spare worker started ahead, so a check rarely waits for a worker's start;
    without (a benchmark), no spare imports numpy in the background while code is timed."""
    key = (str(stage.root), isolation.mechanism, memory_mb, threads, prefetch)
    launcher = _LAUNCHERS.get(key)
    if launcher is None:
        launcher = _LAUNCHERS[key] = _Prefetching(
            sandbox.Launcher(stage, isolation,
                             sandbox.Limits(memory_mb=memory_mb, threads=threads)), prefetch)
    return launcher


class _Prefetching:
    def __init__(self, launcher, prefetch=True):
        self.launcher, self.spare, self.prefetch = launcher, None, prefetch

    def take(self, package):
        worker, self.spare = self.spare, None
        if worker is None or worker.process.poll() is not None:
            if worker is not None:
                worker.kill()
            worker = self.launcher.spawn(package)
        if self.prefetch:
            self.spare = self.launcher.spawn(package)
        return worker

    def close(self):
        if self.spare is not None:
            self.spare.kill()
            self.spare = None


_LAUNCHERS = {}


def close_launchers():
    """Kill the spare workers (the runner's pytest processes call this at the end)."""
    for launcher in _LAUNCHERS.values():
        launcher.close()
    _LAUNCHERS.clear()


class KnownHangs:
    """The student code that did not return within its limit in this run ("Conv2D.backward",
    "import module5.layers"), shared by the run's suite processes as one small file per label
    in a folder of the stage that no worker sees (bwrap binds only the tree and the code; the
    folder is the grader's own, mode 0700). The first check that waited is kept."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def _path(self, label):
        return self.folder / (hashlib.sha256(label.encode()).hexdigest()[:20] + ".json")

    def record(self, label, check, seconds):
        path = self._path(label)
        if path.exists():
            return
        self.folder.mkdir(mode=0o700, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"label": label, "check": check, "seconds": seconds}))
        os.replace(tmp, path)

    def get(self, label):
        """(check, seconds) recorded for `label`, or None."""
        try:
            entry = json.loads(self._path(label).read_text())
        except (OSError, ValueError):
            return None
        return entry["check"], float(entry["seconds"])

    def labels(self):
        """Every label recorded so far, sorted."""
        found = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else ():
            try:
                found.append(json.loads(path.read_text())["label"])
            except (OSError, ValueError, KeyError):
                continue
        return sorted(found)


class Student:
    """A connection to the student's tree, through one sandboxed worker at a time.

    `stage` is the run's sandbox.Stage (a private copy of the tree; made here when None) and
    `isolation` the run's sandbox.Isolation (detected here when None)."""

    def __init__(self, target, memory_mb=2048, deadline=None, stage=None, isolation=None,
                 threads=1, prefetch=True):
        self.own_stage = stage is None
        self.stage = stage if stage is not None else sandbox.Stage(target)
        if self.own_stage:
            atexit.register(self.stage.cleanup)
        self.isolation = isolation if isolation is not None else sandbox.detect("auto")
        self.target = str(self.stage.tree)
        self.package = "_target_%08x" % zlib.crc32(os.path.realpath(target).encode())
        self.memory_mb = memory_mb
        self.threads, self.prefetch = threads, prefetch     # see _shared_launcher
        self.pending = []                 # writes into arrays, sent with the next request
        self.hangs = KnownHangs(self.stage.root / "known-hangs")
        # The check whose timeouts mark code as hanging (the plugin sets it for checks with
        # a fixed limit; a learning check's budget measures speed, and slow is not hung).
        self.hang_check = None
        self.deadline = deadline          # time.monotonic() value, or None
        self.worker = self.channel = None
        self.requests = 0
        self.forbidden = []               # (what, where) seen in any worker of this check
        self.generation = 0               # which worker: handles are only unique within one
        self.observer = None              # called as observer(StudentCall, exc) on failure

    @property
    def process(self):
        return None if self.worker is None else self.worker.process

    # -- process management ---------------------------------------------------------
    def start(self):
        launcher = _shared_launcher(self.stage, self.isolation, self.memory_mb, self.threads,
                                    self.prefetch)
        self.generation += 1
        self.worker = launcher.take(self.package)
        self.channel = Channel(self.worker.sock)
        deadline = time.monotonic() + START_SECONDS
        try:
            hello = decode(self.channel.recv(deadline, cap=4096))
        except (TimeoutError, EOFError, OSError, CodecError, _Malformed):
            raise self._crashed(Msg("the worker did not start", "worker 沒有啟動成功")) from None
        if isinstance(hello, dict) and isinstance(hello.get("failed"), str):
            why = clean(hello["failed"], MESSAGE_CAP)
            raise self._crashed(Msg(f"the worker did not start: {why}",
                                    f"worker 沒有啟動成功：{why}"))
        if not isinstance(hello, dict) or "ready" not in hello:
            raise self._crashed(MALFORMED)

    def close(self):
        if self.worker is not None:
            self.worker.kill()
        self.worker = self.channel = None
        self.pending = []
        if self.own_stage and self.stage is not None:
            close_launchers()

    def restart(self):
        self.close()
        self.start()

    # -- requests ---------------------------------------------------------------------
    def remaining(self):
        return None if self.deadline is None else self.deadline - time.monotonic()

    def request(self, *message, doing="waiting for student code", call=None):
        """Send one request and return its reply's value. `call` (a StudentCall) says which
        student member it runs: a failure is then reported to the observer (a missing
        attribute as MissingAttribute)."""
        if call is None:
            return self._exchange(message, doing)
        try:
            return self._exchange(message, doing, call)
        except StudentError as exc:
            failure = exc
            if message[0] == "getattr" and exc.type_name == "AttributeError":
                failure = MissingAttribute(call.owner, call.member)
            elif exc.type_name == KNOWN_HANG:
                known = self.hangs.get(exc.message)
                if known is not None:     # only what this run recorded: never the worker's word
                    failure = KnownHang(exc.message, *known)
            self._report(call, failure)
            if failure is exc:
                raise
            raise failure from None
        except (WorkerGone, ForbiddenCode) as exc:
            if isinstance(exc, WorkerTimeout) and self.hang_check is not None:
                label = call.label if call.member else \
                    (f"import {call.owner}" if message[0] == "import" else None)
                if label is not None:
                    self.hangs.record(label, self.hang_check, exc.seconds)
            self._report(call, exc)
            raise
        except KnownHang as exc:          # another check found it hangs while this one waited
            self._report(call, exc)
            raise

    def _report(self, call, exc):
        if self.observer is not None:
            self.observer(call, exc)

    def call(self, obj, member):
        """The StudentCall for `member` of remote `obj`."""
        ref = obj._ref if isinstance(obj, RemoteObject) else obj
        return StudentCall((self.generation, ref.handle), ref.type_name, member)

    def defer(self, *message):
        """Queue a write into one of the worker's arrays (setitem on an ndarray handle): it
        returns nothing the trusted side waits for, so it travels with the next request, in
        order, instead of costing a round trip of its own."""
        self.pending.append(list(message))

    def _stop_if_known(self, call):
        """While a call waits: when another check of the run has meanwhile recorded that this
        very member hangs, stop waiting for it (the worker is stopped)."""
        if call is None or not call.member:
            return lambda: None

        def stop():
            known = self.hangs.get(call.label)
            if known is not None and known[0] != self.hang_check:
                self.close()
                raise KnownHang(call.label, *known)
        return stop

    def _exchange(self, message, doing, call=None):
        if self.worker is None:
            self.start()
            self.pending = []             # writes into a dead worker's arrays go with it
        if self.pending:
            message, self.pending = ("batch", [*self.pending, list(message)]), []
        self.requests += 1
        deadline = self.deadline if self.deadline is not None else time.monotonic() + 3600
        doing = clean(doing, 200)
        allowed = max(0.0, deadline - time.monotonic())
        try:
            self.channel.send(encode(list(message)), deadline)
            self.channel.readable(deadline, HANG_POLL, self._stop_if_known(call))
            data = self.channel.recv(deadline)
        except TimeoutError:
            self.close()
            raise WorkerTimeout(allowed, doing) from None
        except (EOFError, OSError):
            raise self._crashed() from None
        except _Malformed as exc:
            raise self._crashed(MALFORMED + Msg(f": {exc}", f"：{exc}")) from None
        try:
            reply = decode(data)
        except CodecError:
            raise self._crashed(MALFORMED) from None
        try:
            return self._judge_reply(reply)
        except _Malformed as exc:
            raise self._crashed(MALFORMED + Msg(f": {exc}", f"：{exc}")) from None

    def _judge_reply(self, reply):
        if not isinstance(reply, dict):
            raise _Malformed("not a message")
        extra = set(reply) - {"ok", "err", "exit", "forbidden"}
        kinds = [k for k in ("ok", "err", "exit") if k in reply]
        if extra or len(kinds) != 1:
            raise _Malformed("unknown fields")
        if "forbidden" in reply:
            for item in _forbidden_items(reply["forbidden"]):
                if item not in self.forbidden:
                    self.forbidden.append(item)
        kind = kinds[0]
        body = reply[kind]
        if kind == "exit":
            if not isinstance(body, list) or len(body) != 2 or not isinstance(body[0], int):
                raise _Malformed("a bad exit")
            code, where = body[0], _where(body[1])
            self.close()
            at = f" at {where[0]}:{where[1]}" if where else ""
            raise WorkerCrashed(Msg(f"student code called sys.exit({code}){at}",
                                    f"學生程式呼叫了 sys.exit({code}){at}"))
        if self.forbidden:
            raise ForbiddenCode(list(self.forbidden))
        if kind == "err":
            if (not isinstance(body, list) or len(body) not in (3, 4)
                    or not isinstance(body[0], str) or not isinstance(body[1], str)):
                raise _Malformed("a bad error")
            raise StudentError(clean(body[0], NAME_CAP), clean(body[1], MESSAGE_CAP),
                               _where(body[2]), _arrays(body[3] if len(body) == 4 else []))
        return self._wrap(clean_tree(body, OUTPUT_CAP))

    def _crashed(self, reason=None):
        worker = self.worker
        code = None if worker is None else worker.exit_code(wait=5)
        self.close()
        return WorkerCrashed(reason or describe_exit(code))

    def _wrap(self, value):
        if isinstance(value, Ref):
            value.type_name = clean(value.type_name, NAME_CAP)
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
        """The student's module `dotted` (e.g. "module5.layers") as a proxy. The worker gets
        the methods known to hang in this run: it replaces each by one that raises at once,
        so no later call waits for it, from the trusted side or from the student's own code
        (a block's backward calling Conv2D.backward). A module whose import hung is not
        imported again."""
        known = self.hangs.get(f"import {dotted}")
        if known is not None:
            exc = KnownHang(f"import {dotted}", *known)
            self._report(StudentCall(None, dotted, None), exc)
            raise exc
        return self.request("import", dotted, [label for label in self.hangs.labels()
                                               if not label.startswith("import ")],
                            doing=f"importing {dotted}", call=StudentCall(None, dotted, None))

    def keep(self, value):
        """Copy `value` into the worker and keep it there: passing the returned proxy as an
        argument passes the worker's own array, so in-place changes stay visible."""
        return self.request("keep", value, doing="sending data")

    def release(self, *values):
        """Let the worker drop the objects behind these handles (results, possibly nested in
        tuples and lists): in a long loop of calls its memory then stays flat. A released
        handle must not be used again."""
        refs = []

        def collect(value):
            if isinstance(value, RemoteObject):
                refs.append(value._ref)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    collect(v)
        collect(values)
        if refs:
            self.request("release", refs, doing="releasing results")

    def fetch(self, remote):
        """The current value of a kept array (or any remote object that is plain data)."""
        return self.request("fetch", _unwrap(remote), doing="reading data")

    def attr(self, obj, name):
        """obj.name as a handle even if it is an array (to change it in place or compare
        identity)."""
        return self.request("getattr_ref", _unwrap(obj), name,
                            doing=f"reading {obj.type_name}.{name}", call=self.call(obj, name))

    def getattrs(self, pairs):
        """[getattr(obj, name) for obj, name in pairs] in one request. When one fails, they
        are read again one at a time, so that the failure is reported for its own object and
        attribute, exactly as a single read's would be."""
        pairs = list(pairs)
        try:
            return self.request("getattrs", [[_unwrap(o), n] for o, n in pairs],
                                doing="reading attributes")
        except StudentError:
            return [getattr(o, n) for o, n in pairs]

    def setattrs(self, triples):
        """setattr(obj, name, value) for each triple, in one request (one at a time again
        when one fails, as getattrs)."""
        triples = list(triples)
        try:
            self.request("setattrs", [[_unwrap(o), n, _unwrap(v)] for o, n, v in triples],
                         doing="setting attributes")
        except StudentError:
            for o, n, v in triples:
                setattr(o, n, v)

    def same(self, a, b):
        """Whether two remote handles are the very same object in the worker."""
        return self.request("same", _unwrap(a), _unwrap(b), doing="comparing objects") is True

    def given(self, dotted, *args, **kwargs):
        """Run given plumbing (given.model_utils only) in the worker on the student's
        objects: student.given("given.model_utils.set_training", model, False)."""
        module, func = dotted.rsplit(".", 1)
        return self.request("given", module, func, _unwrap(list(args)), _unwrap(kwargs),
                            doing=f"in {dotted}", call=StudentCall(None, dotted, None))

    def numpy(self):
        """The worker's numpy module (e.g. to make it raise on overflow: numpy().seterr)."""
        return self.request("numpy", doing="reaching numpy")

    def seed(self, n):
        self.request("seed", int(n))

    def output(self):
        """What student code printed so far in the current worker (capped, cleaned)."""
        if self.worker is None:
            return ""
        try:
            text = self.request("output", doing="reading output")
        except (WorkerGone, StudentError, ForbiddenCode):
            return ""
        return text if isinstance(text, str) else ""     # cleaned, as every reply is


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
        student = self._student
        value = student.request("getattr", self._ref, name,
                                doing=f"reading {self._ref.type_name}.{name}",
                                call=student.call(self, name))
        if isinstance(value, RemoteObject) and value._ref.is_method:
            self._methods.add(name)
            return RemoteMethod(self, name)
        return value

    def __setattr__(self, name, value):
        self._student.request("setattr", self._ref, name, _unwrap(value),
                              doing=f"setting {self._ref.type_name}.{name}",
                              call=self._student.call(self, name))

    def __call__(self, *args, **kwargs):
        return self._student.request("call", self._ref, _unwrap(list(args)), _unwrap(kwargs),
                                     doing=f"calling {self._ref.type_name}",
                                     call=self._student.call(self, None))

    def __getitem__(self, index):
        return self._student.request("getitem", self._ref, _unwrap(index),
                                     doing=f"indexing {self._ref.type_name}",
                                     call=self._student.call(self, "[]"))

    def __setitem__(self, index, value):
        if self._ref.type_name == "ndarray":
            # A write into one of the worker's arrays (a gradient probe's parameter): it goes
            # with the next request (Student.defer).
            self._student.defer("setitem", self._ref, _unwrap(index), _unwrap(value))
            return
        self._student.request("setitem", self._ref, _unwrap(index), _unwrap(value),
                              doing=f"writing into {self._ref.type_name}",
                              call=self._student.call(self, "[]"))

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
            doing=f"in {owner._ref.type_name}.{self.name}",
            call=owner._student.call(owner, self.name))

    def __call__(self, *args, **kwargs):
        owner = self.owner
        return owner._student.request(
            "callmethod", owner._ref, self.name, _unwrap(list(args)), _unwrap(kwargs),
            doing=f"in {owner._ref.type_name}.{self.name}",
            call=owner._student.call(owner, self.name))
