"""The worker: the only process that runs student code.

It is started inside a sandbox (grader/sandbox.py) by `boot`, which, before anything of the
student's is read, sets the resource limits, closes every inherited descriptor but its
channel, drops to its unprivileged uid where it has one and installs the forbidden-code guard
(grader/forbidden.py). Then it imports the target tree under a private package name, keeps
the student's objects in a handle table, and answers requests from the trusted side
(grader/proxy.py) over its channel in the safe format of grader/codec.py, one length-prefixed
frame per message. It judges nothing: the trusted side chooses every input, checks every
output, validates every frame it receives and runs every loop a verdict rests on, so whatever
student code does in here (monkeypatching numpy, the codec, this module) cannot raise a score.
"""
import importlib
import importlib.util
import io
import json
import os
import socket
import struct
import sys
import traceback

import numpy as np

from .codec import Ref, decode, encode

_NDARRAY = np.ndarray     # taken before student code runs: it may rebind numpy.ndarray

OUTPUT_CAP = 64 * 1024


class CappedText(io.TextIOBase):
    """stdout/stderr replacement that keeps the first OUTPUT_CAP characters of output."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = OUTPUT_CAP - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def text(self):
        tail = f"\n[... {self.dropped} more characters dropped]" if self.dropped else ""
        return "".join(self.parts) + tail


def import_tree(target, package):
    """Import directory `target` as package `package` (it need not hold __init__.py)."""
    if package in sys.modules:
        return sys.modules[package]
    init = os.path.join(target, "__init__.py")
    spec = importlib.util.spec_from_file_location(
        package, init if os.path.exists(init) else None, submodule_search_locations=[target])
    if spec is None or spec.loader is None:
        spec = importlib.machinery.ModuleSpec(package, None, is_package=True)
        spec.submodule_search_locations = [target]
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)
    return module


class KnownHang(Exception):
    """Raised instead of calling a method that did not return in an earlier check."""


def _refusing(label):
    def refuse(*args, **kwargs):
        raise KnownHang(label)
    refuse.__name__ = refuse.__qualname__ = label
    return refuse


def refuse_known_hangs(package, labels):
    """Replace every method "Class.method" of `labels` defined in the student's modules by
    one that raises KnownHang at once: a method that hung in an earlier check is not run
    again, whoever calls it."""
    wanted = {}
    for label in labels:
        owner, _, member = str(label).rpartition(".")
        if owner and member:
            wanted.setdefault(owner, set()).add(member)
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for obj in list(vars(module).values()):
            if isinstance(obj, type) and obj.__module__ == name and obj.__qualname__ in wanted:
                for member in wanted[obj.__qualname__] & set(vars(obj)):
                    setattr(obj, member, _refusing(f"{obj.__qualname__}.{member}"))


def student_frame(tb_or_frames, target):
    """(file relative to target, line, function, code) of the innermost frame in the
    student's tree, or None."""
    frames = traceback.extract_tb(tb_or_frames) if not isinstance(tb_or_frames, list) else tb_or_frames
    root = os.path.realpath(target) + os.sep
    for fr in reversed(frames):
        path = os.path.realpath(fr.filename)
        if path.startswith(root):
            return [os.path.relpath(path, os.path.dirname(root.rstrip(os.sep))), fr.lineno,
                    fr.name, (fr.line or "").strip()]
    return None


#: At most this many arrays of the failing frame are reported (the proxy's cap).
ARRAYS_CAP = 8


def frame_arrays(tb, target):
    """[name, shape] of the numpy arrays among the locals of the innermost frame in the
    student's tree when it raised, so a shape error can be shown with its shapes. Only exact
    ndarrays are read (type() runs no student code)."""
    root = os.path.realpath(target) + os.sep
    frame = None
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename).startswith(root):
            frame = tb.tb_frame
        tb = tb.tb_next
    if frame is None:
        return []
    found = []
    for name, value in list(frame.f_locals.items()):
        if type(name) is str and type(value) is _NDARRAY:
            found.append([name[:40], [int(n) for n in value.shape]])
            if len(found) == ARRAYS_CAP:
                break
    return found


class Server:
    def __init__(self, conn, target, package):
        self.conn, self.target, self.package = conn, target, package
        self.objects = {}
        self.ids = {}
        self.next_handle = 1      # handles are never reused, even after a release
        self.violations = []      # [what, where] of forbidden code, as grader/forbidden.py saw it

    def forbidden(self, what, where):
        entry = [str(what), list(where) if where else None]
        if entry not in self.violations:
            self.violations.append(entry)

    def ref(self, obj):
        """Keep `obj` here and return its handle. Bound methods are marked so the trusted
        side can call them without another round trip."""
        key = id(obj)
        handle = self.ids.get(key)
        if handle is None or self.objects.get(handle) is not obj:
            handle, self.next_handle = self.next_handle, self.next_handle + 1
            self.objects[handle] = obj
            self.ids[key] = handle
        kind = type(obj)
        name = getattr(obj, "__qualname__", None) if callable(obj) else None
        is_method = hasattr(obj, "__self__") and hasattr(obj, "__func__")
        return Ref(handle, name or kind.__qualname__, is_method)

    def resolve(self, value):
        if isinstance(value, Ref):
            return self.objects[value.handle]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def keep_arrays(self, value):
        """Arrays in `value` become handles: they stay here, so the trusted side can change
        them in place (setitem) and test identity (same) on the student's own objects."""
        if isinstance(value, Plain):
            return value
        if isinstance(value, list):
            return [self.keep_arrays(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.keep_arrays(v) for v in value)
        if isinstance(value, (int, float, str, bool)) or value is None:
            return value
        return self.ref(value)

    def handle(self, request):
        if request[0] == "batch":
            # Writes into arrays the trusted side queued, then the request they travel
            # with: in order; the reply is the last one's.
            *writes, last = request[1]
            if not all(isinstance(w, list) and w and w[0] == "setitem" for w in writes) or \
                    not isinstance(last, list) or not last or last[0] == "batch":
                raise ValueError("a batch is writes into arrays, then one request")
            for write in writes:
                self.handle(write)
            return self.handle(last)
        if request[0] == "release":
            # The trusted side is done with these handles (results it has read): let go of
            # their objects, so that a long loop of calls (the bench) does not keep every
            # result alive. A handle released twice, or never given, is ignored.
            for ref in request[1]:
                obj = self.objects.pop(ref.handle, None) if isinstance(ref, Ref) else None
                if obj is not None and self.ids.get(id(obj)) == ref.handle:
                    del self.ids[id(obj)]
            return None
        op, args = request[0], self.resolve(request[1:])
        if op == "import":
            import_tree(self.target, self.package)
            module = importlib.import_module(f"{self.package}.{args[0]}")
            refuse_known_hangs(self.package, args[1] if len(args) > 1 else [])
            return module
        if op == "getattr":
            return getattr(args[0], args[1])
        if op == "setattr":
            setattr(args[0], args[1], args[2])
            return None
        if op == "call":
            return args[0](*args[1], **args[2])
        if op == "callmethod":
            return getattr(args[0], args[1])(*args[2], **args[3])
        if op == "callmethod_ref":
            return self.keep_arrays(getattr(args[0], args[1])(*args[2], **args[3]))
        if op == "getattrs":
            return [getattr(obj, name) for obj, name in args[0]]
        if op == "setattrs":
            for obj, name, value in args[0]:
                setattr(obj, name, value)
            return None
        if op == "getattr_ref":
            return self.keep_arrays(getattr(args[0], args[1]))
        if op == "keep":
            return self.keep_arrays(args[0])
        if op == "fetch":
            return Plain(args[0])
        if op == "getitem":
            return args[0][args[1]]
        if op == "setitem":
            args[0][args[1]] = args[2]
            return None
        if op == "same":
            return args[0] is args[1]
        if op == "seed":
            import random

            np.random.seed(args[0])
            random.seed(args[0])
            return None
        if op == "output":
            return sys.stdout.text()
        if op == "given":
            # Course plumbing that only sets state on the student's own objects (train/eval
            # mode). Loops and anything a verdict rests on run on the trusted side instead.
            module, func = args[0], args[1]
            if module != "given.model_utils":
                raise ValueError(f"not a given plumbing module: {module}")
            return getattr(importlib.import_module(module), func)(*args[2], **args[3])
        if op == "numpy":
            import numpy
            return numpy
        if op == "ping":
            return "pong"
        raise ValueError(f"unknown request {op!r}")

    def reply(self, message):
        if self.violations:
            message["forbidden"] = self.violations
        self.conn.send_bytes(encode(message, self.ref))

    def serve(self):
        while True:
            try:
                data = self.conn.recv_bytes()
            except (EOFError, OSError):
                return
            try:
                value = self.handle(decode(data))
                if isinstance(value, Plain):
                    value = value.value
                message = {"ok": value}
                self.reply(message)
                continue
            except SystemExit as exc:
                where = student_frame(exc.__traceback__, self.target)
                self.reply({"exit": [_exit_code(exc.code), where]})
                os._exit(_exit_code(exc.code) or 0)
            except BaseException as exc:  # the student's exception, whatever it is
                message = {"err": [_type_name(exc), _message(exc),
                                   student_frame(exc.__traceback__, self.target),
                                   frame_arrays(exc.__traceback__, self.target)]}
            try:
                self.reply(message)
            except BaseException as exc:  # noqa: BLE001 - e.g. a value the codec refuses
                self.reply({"err": [_type_name(exc), _message(exc), None]})


class Plain:
    """Marks a value to be sent by value (fetch of a kept array)."""

    def __init__(self, value):
        self.value = value


def _exit_code(code):
    return code if isinstance(code, int) else (0 if code is None else 1)


def _message(exc):
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable message>"
    return text[:500]


def _type_name(exc):
    try:
        return type(exc).__name__
    except BaseException:  # noqa: BLE001
        return "Exception"


class FrameSocket:
    """The worker's end of its channel: frames of a 4-byte big-endian length and a payload."""

    def __init__(self, fd):
        self.sock = socket.socket(fileno=fd)
        self.sock.setblocking(True)

    def _exactly(self, n):
        chunks, got = [], 0
        while got < n:
            chunk = self.sock.recv(min(n - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def recv_bytes(self):
        (n,) = struct.unpack(">I", self._exactly(4))
        return self._exactly(n)

    def send_bytes(self, data):
        self.sock.sendall(struct.pack(">I", len(data)) + data)


def _set_limits(limits):
    import resource
    pairs = [("RLIMIT_CORE", 0), ("RLIMIT_NOFILE", limits["open_files"]),
             ("RLIMIT_FSIZE", limits["file_bytes"]), ("RLIMIT_CPU", limits["cpu_seconds"])]
    if limits.get("memory_mb"):
        pairs.append(("RLIMIT_AS", int(limits["memory_mb"]) * 1024 * 1024))
    if limits.get("processes"):
        pairs.append(("RLIMIT_NPROC", limits["processes"]))
    for name, value in pairs:
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass


def _close_other_fds(keep):
    try:
        fds = [int(n) for n in os.listdir("/proc/self/fd")]
    except OSError:
        fds = range(3, 1024)
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _drop_to(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")


def _readonly_host_view(protected, stage):
    """The unshare mechanism: in the worker's own mount namespace (it is the mapped root of
    its user namespace), make every mount read-only, hide what a worker must never see under
    empty tmpfs mounts, and give it a private /tmp (other runs' temp trees live in the host's)
    that still shows this run's stage, read-only."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
    MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18

    def mount(source, target, fstype, flags, data=None):
        enc = lambda v: v.encode() if isinstance(v, str) else v
        if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
            raise SystemExit(f"mount {target}: errno {ctypes.get_errno()}")

    mount(None, "/", None, MS_REC | MS_PRIVATE)
    for path in protected:
        if os.path.isdir(path):
            mount("none", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k")
    with open("/proc/self/mountinfo") as f:
        points = [(line.split()[4].replace("\\040", " "), line.split()[5]) for line in f]
    flag_of = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
    for point, options in points:
        if point == "/proc" or point.startswith(("/proc/", "/dev")):
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for option in options.split(","):
            flags |= flag_of.get(option, 0)
        libc.mount(None, point.encode(), None, flags, None)   # best effort per mount
    stage = os.path.realpath(stage)
    keep = os.open(stage, os.O_PATH | os.O_DIRECTORY)
    mount("none", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    if stage.startswith("/tmp/"):
        os.makedirs(stage)
        mount(f"/proc/self/fd/{keep}", stage, None, MS_BIND | MS_REC)
        mount(None, stage, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.close(keep)
    os.chdir("/tmp")


#: Loaded before the worker drops its privileges: with the uid mechanism, an interpreter
#: installed in a private home (pyenv under /root) is unreadable once the worker is nobody.
PRELOAD = ("numpy", "numpy.random", "numpy.linalg", "numpy.fft", "numpy.lib.stride_tricks",
           "abc", "collections", "contextlib", "copy", "dataclasses", "enum", "functools",
           "itertools", "math", "numbers", "operator", "random", "re", "string", "textwrap",
           "time", "typing", "warnings", "zlib")


def boot(stage, target, config_json):
    """Entry point of a sandboxed worker (grader/sandbox.py starts it). A failure before the
    worker is ready is sent to the trusted side as {"failed": reason}, so it can say why."""
    config = json.loads(config_json)
    fd = int(config["fd"])
    try:
        server = _prepare(stage, target, config, fd)
    except BaseException as exc:  # noqa: BLE001 - whatever stops the start is reported
        FrameSocket(fd).send_bytes(encode({"failed": f"{_type_name(exc)}: {_message(exc)}"}))
        os._exit(70)
    server.conn.send_bytes(encode({"ready": os.getpid()}))
    server.serve()


def _prepare(stage, target, config, fd):
    from . import forbidden     # and what it imports: before the worker may be nobody
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if sys.platform != "win32":
        _close_other_fds(fd)
        if config.get("mechanism") == "unshare":
            _readonly_host_view(config.get("protected", []), stage)
        _set_limits(config["limits"])
        if config.get("uid") is not None:
            _drop_to(int(config["uid"]))
    # Output goes to a capped buffer, never to the grader's terminal (C-level writes too).
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    os.close(devnull)
    sys.stdout = sys.stderr = CappedText()
    sys.dont_write_bytecode = True
    server = Server(FrameSocket(fd), target, config["package"])
    forbidden.install_guard(server.forbidden, protected_roots=config.get("protected", ()),
                            allowed_roots=(target,))
    return server
