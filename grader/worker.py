"""The worker: the only process that runs student code.

It imports the target tree under a private package name, keeps the student's objects in a
handle table, and answers requests from the trusted side (grader/proxy.py) over a pipe in
the safe format of grader/codec.py. It judges nothing: the trusted side chooses every input
and checks every output, so whatever student code does in here (monkeypatching numpy, the
codec, this module) cannot raise a score.
"""
import importlib
import importlib.util
import io
import os
import sys
import traceback

from .codec import Ref, decode, encode

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


class Server:
    def __init__(self, conn, target, package):
        self.conn, self.target, self.package = conn, target, package
        self.objects = {}
        self.ids = {}

    def ref(self, obj):
        """Keep `obj` here and return its handle. Bound methods are marked so the trusted
        side can call them without another round trip."""
        key = id(obj)
        handle = self.ids.get(key)
        if handle is None or self.objects[handle] is not obj:
            handle = len(self.objects) + 1
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
        op, args = request[0], self.resolve(request[1:])
        if op == "import":
            import_tree(self.target, self.package)
            return importlib.import_module(f"{self.package}.{args[0]}")
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

            import numpy as np
            np.random.seed(args[0])
            random.seed(args[0])
            return None
        if op == "output":
            return sys.stdout.text()
        if op == "given":
            # Given (course) code run next to the student's objects, e.g. a whole training
            # loop in one request. Only modules of the `given` package.
            module, func = args[0], args[1]
            if not (module == "given" or module.startswith("given.")):
                raise ValueError(f"not a given module: {module}")
            return getattr(importlib.import_module(module), func)(*args[2], **args[3])
        if op == "numpy":
            import numpy
            return numpy
        if op == "ping":
            return "pong"
        raise ValueError(f"unknown request {op!r}")

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
                payload = encode({"ok": value}, self.ref)
            except SystemExit as exc:
                where = student_frame(exc.__traceback__, self.target)
                self.conn.send_bytes(encode({"exit": [_exit_code(exc.code), where]}))
                os._exit(_exit_code(exc.code) or 0)
            except BaseException as exc:  # the student's exception, whatever it is
                payload = encode({"err": [type(exc).__name__, _message(exc),
                                          student_frame(exc.__traceback__, self.target)]})
            self.conn.send_bytes(payload)


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


def main(conn, target, package, memory_mb):
    """Entry point of the worker process."""
    if memory_mb and sys.platform != "win32":
        import resource
        cap = int(memory_mb) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # Output goes to a capped buffer, never to the grader's terminal (C-level writes too).
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = sys.stderr = CappedText()
    sys.dont_write_bytecode = True  # leave no __pycache__ in the student's tree
    Server(conn, target, package).serve()
