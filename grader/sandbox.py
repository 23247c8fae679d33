"""How a worker — the only kind of process that runs student code — is isolated.

Mechanisms, strongest first; `detect()` takes the first that works on this machine:

- ``bwrap`` (bubblewrap): own PID, mount, network, IPC and UTS namespaces; a file-system view
  of only the Python interpreter, numpy, the worker's own server code, the course's given
  code and the student's tree (a private copy), all read-only, plus a private size-capped
  tmpfs. As root, bwrap makes the namespaces itself and the worker drops to a fresh
  unprivileged uid before it reads a byte of student code; as any other user it runs in a
  user namespace as that user.
- ``unshare`` (util-linux, in a user namespace): the same namespaces; the worker's bootstrap,
  still in its private mount namespace, remounts the whole host view read-only and hides the
  grader's suites, the reference tree and the project's tests under empty tmpfs mounts.
- ``uid`` (root, where namespaces are refused, e.g. a container): the worker runs as a fresh
  unprivileged uid that owns nothing and can write nothing of the grader's; when its check
  ends every process of that uid is killed.
- ``none`` (macOS, Windows, or no mechanism): a plain child process with a scrubbed
  environment and the limits below. Only for a learner's own code on their own machine.

In every mechanism: no inherited descriptor but the worker's channel, a scrubbed environment,
limits on memory, processes, open files, file size and CPU time (set by the bootstrap before
student code runs), and the whole process tree killed when the check ends.

The environment variable GRADER_SANDBOX (one of MECHANISMS) forces a mechanism; the tests use
it to exercise each one.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .i18n import Msg

MECHANISMS = ("bwrap", "unshare", "uid", "none")
SANDBOXED = ("bwrap", "unshare", "uid")
PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
#: The worker's own server code: all a worker needs of the grader (never the suites).
WORKER_CODE = ("__init__.py", "worker.py", "codec.py", "forbidden.py", "i18n.py")
#: What the worker must never see; hidden where the mechanism can hide things, and guarded
#: against by name in every mechanism (grader/forbidden.py).
PROTECTED = (PACKAGE_DIR / "suites", PROJECT_ROOT / "reference", PROJECT_ROOT / "tests")
INSIDE = Path("/opt/cnn-kit")          # where bwrap shows the stage
TMP_BYTES = 64 * 1024 * 1024
UID_BASE, UID_SPAN = 1_200_000, 800_000   # fresh uids for workers; nothing on a host owns them


class SandboxUnavailable(RuntimeError):
    """A sandbox is required and none works here; the message says what to install."""


@dataclass(frozen=True)
class Isolation:
    mechanism: str
    detail: str

    @property
    def sandboxed(self):
        return self.mechanism in SANDBOXED

    def to_dict(self):
        return {"mechanism": self.mechanism, "detail": self.detail}

    def describe(self):
        """One bilingual line for the scorecard footer."""
        zh = {"bwrap": "bubblewrap 沙盒", "unshare": "unshare 沙盒",
              "uid": "以無權限的使用者身分執行", "none": "沒有沙盒"}[self.mechanism]
        return Msg(f"isolation: {self.mechanism} ({self.detail})",
                   f"隔離方式：{zh}（{self.detail}）")


NO_SANDBOX_HELP = ("no sandbox is available to run untrusted code: install bubblewrap "
                   "(Debian/Ubuntu: apt-get install bubblewrap), or allow user namespaces for "
                   "util-linux unshare, or run as root so workers can drop to an unprivileged "
                   "uid; --no-sandbox grades without one (only for code you trust)")


def _run_quietly(argv, timeout=10):
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=timeout).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _bwrap_version(path):
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "bubblewrap"
    except (OSError, subprocess.SubprocessError):
        return "bubblewrap"


def _probe(mechanism):
    """An Isolation if `mechanism` works here, else None. Each probe starts one tiny
    process in the same namespaces the workers get."""
    if sys.platform != "linux" and mechanism != "none":
        return None
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    if mechanism == "bwrap":
        path = shutil.which("bwrap")
        if path is None:
            return None
        flags = _bwrap_namespace_flags(root)
        if not _run_quietly([path, *flags, "--ro-bind", "/", "/", "--die-with-parent", "true"]):
            return None
        how = "as root, workers drop to a fresh uid" if root else "in a user namespace"
        return Isolation("bwrap", f"{_bwrap_version(path)}; pid, mount, net, ipc, uts "
                                  f"namespaces; {how}")
    if mechanism == "unshare":
        path = shutil.which("unshare")
        if path is None or (root and os.environ.get("GRADER_SANDBOX") != "unshare"):
            # Root's workers would stay root (mapped) in their namespaces: for root, bwrap or
            # the uid mechanism. Forcing it (GRADER_SANDBOX=unshare) lets the tests run it.
            return None
        if not _run_quietly([path, *_UNSHARE_FLAGS, "true"]):
            return None
        return Isolation("unshare", "util-linux unshare; user, pid, mount, net, ipc, uts "
                                    "namespaces; host file system read-only")
    if mechanism == "uid":
        if not root:
            return None
        detail = "no namespaces; workers run as a fresh unprivileged uid"
        if not stdlib_shared():
            detail += ("; the interpreter is in a private directory, so student code can "
                       "import only the modules the worker loads first")
        return Isolation("uid", detail)
    if mechanism == "none":
        return Isolation("none", "a plain child process with resource limits")
    raise ValueError(f"unknown sandbox mechanism {mechanism!r}")


_UNSHARE_FLAGS = ("--user", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount",
                  "--mount-proc", "--net", "--ipc", "--uts")


def stdlib_shared():
    """Whether another uid can read the interpreter's standard library (every directory on
    the way searchable by others): false for a pyenv Python under a 0700 /root."""
    import sysconfig
    path = Path(sysconfig.get_paths()["stdlib"]).resolve()
    for part in [path, *path.parents]:
        try:
            if not part.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


def _bwrap_namespace_flags(root):
    flags = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
             "--unshare-cgroup-try"]
    if not root:
        flags.insert(0, "--unshare-user")
    return flags


_DETECTED = {}


def detect(mode="auto"):
    """The isolation workers get.

    mode "auto": the strongest mechanism that works, else none; "require": the same, but
    SandboxUnavailable instead of none; "off": none. GRADER_SANDBOX forces a mechanism."""
    if mode == "off":
        return from_name("none")
    forced = os.environ.get("GRADER_SANDBOX", "")
    if forced:
        found = from_name(forced, source="GRADER_SANDBOX")
    else:
        found = _DETECTED.get("auto")
        if found is None:
            found = next(filter(None, (_probe(m) for m in MECHANISMS)))
            _DETECTED["auto"] = found
    if mode == "require" and not found.sandboxed:
        raise SandboxUnavailable(NO_SANDBOX_HELP)
    return found


def from_name(mechanism, source="the runner"):
    """The Isolation named by `source` (the runner detected once for the whole run, or
    GRADER_SANDBOX forces one), probed once per process."""
    if mechanism not in MECHANISMS:
        raise SandboxUnavailable(f"{source} named an unknown sandbox mechanism {mechanism!r}: "
                                 f"expected one of {', '.join(MECHANISMS)}")
    found = _DETECTED.get(mechanism) or _probe(mechanism)
    if found is None:
        raise SandboxUnavailable(f"{source} named the {mechanism} sandbox, which does not "
                                 f"work on this machine")
    _DETECTED[mechanism] = found
    return found


# -- the stage: what a worker may see --------------------------------------------------------
class Stage:
    """A private directory for one grading run: the worker's server code, the given code and
    a copy of the tree, readable by any uid (the uid mechanism's workers are nobody).

        stage/code/grader/{__init__,worker,codec,forbidden,i18n}.py
        stage/code/given/...            (all of it: data/, experiments/, ...; not the demos)
        stage/lib/numpy -> the numpy the grader uses (a link; bwrap binds it instead)
        stage/tree/<name of the target>/module5/...
    """

    def __init__(self, target, root=None):
        target = Path(target).resolve()
        self.owned = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="cnn-grader-"))
        self.tree = self.root / "tree" / target.name
        if self.owned:
            self._build(target)

    def _build(self, target):
        code = self.root / "code"
        (code / "grader").mkdir(parents=True)
        for name in WORKER_CODE:
            shutil.copyfile(PACKAGE_DIR / name, code / "grader" / name)
        shutil.copytree(PROJECT_ROOT / "given", code / "given",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        lib = self.root / "lib"
        lib.mkdir()
        for name, path in numpy_paths().items():
            (lib / name).symlink_to(path)
        copy_tree(target, self.tree)
        (self.root / "work").mkdir()
        _make_readable(self.root)

    def cleanup(self):
        if self.owned:
            shutil.rmtree(self.root, ignore_errors=True)


def numpy_paths():
    """{name: directory} of numpy's package and, for a wheel, its bundled libraries."""
    import numpy
    package = Path(numpy.__file__).resolve().parent
    found = {"numpy": package}
    libs = package.parent / "numpy.libs"
    if libs.is_dir():
        found["numpy.libs"] = libs
    return found


def copy_tree(src, dst):
    """Copy the student's files and folders (never links, devices or caches): the worker
    sees this snapshot, so the tree cannot change under a running check."""
    src, dst = Path(src), Path(dst)
    dst.mkdir(parents=True)
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__"
                             and not (here / d).is_symlink())
        rel = here.relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in filenames:
            path = here / name
            if path.is_symlink() or not path.is_file() or name.endswith((".pyc", ".pyo")):
                continue
            shutil.copyfile(path, dst / rel / name)


def _make_readable(root):
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)


# -- starting and stopping one worker ---------------------------------------------------------
@dataclass
class Limits:
    memory_mb: int = 2048
    processes: int = 64
    open_files: int = 256
    file_bytes: int = 64 * 1024 * 1024
    cpu_seconds: int = 900
    threads: int = 1          # BLAS/OpenMP threads (grading uses 1; `grader bench --threads`)

    def to_dict(self):
        return dict(vars(self))


class Worker:
    """One running sandboxed worker: its process, its channel socket, how to kill its tree."""

    def __init__(self, process, sock, isolation, uid=None, workdir=None):
        self.process, self.sock, self.isolation = process, sock, isolation
        self.uid, self.workdir = uid, workdir

    def exit_code(self, wait=5.0):
        """The worker's exit status as the kernel gives it for a plain child: negative for a
        signal. bwrap reports a signal as 128 + its number."""
        try:
            code = self.process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None
        if self.isolation.mechanism in ("bwrap", "unshare") and 128 < code < 128 + 65:
            return -(code - 128)
        return code

    def kill(self):
        """Kill the worker and every process it started."""
        try:
            self.sock.close()
        except OSError:
            pass
        mechanism = self.isolation.mechanism
        if self.process.poll() is None:
            try:
                # bwrap and unshare: the worker's PID namespace dies with its first process;
                # none: the worker leads its own process group.
                if mechanism in ("none", "uid"):
                    os.killpg(self.process.pid, signal.SIGKILL)
                else:
                    self.process.kill()
            except (ProcessLookupError, PermissionError):
                pass
        if mechanism == "uid" and self.uid is not None:
            _kill_uid(self.uid)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _kill_uid(uid):
    """Every process of `uid` (a fresh uid only this worker had): a child that becomes that
    uid and signals all it can, which is exactly those processes, however they detached."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(3):       # a fork bomb may refill between two rounds
                os.kill(-1, signal.SIGKILL)
        except BaseException:  # noqa: BLE001 - the child must never return into the grader
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def _fresh_uid():
    return UID_BASE + int.from_bytes(os.urandom(4), "big") % UID_SPAN


class Launcher:
    """Starts workers for one tree under one isolation. `spawn()` returns a started Worker
    (its bootstrap still importing numpy: the first request waits for it)."""

    def __init__(self, stage, isolation, limits=None):
        self.stage, self.isolation = stage, isolation
        self.limits = limits or Limits()
        self.python = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
        # The same for every worker of the run: worked out once, not per spawn.
        self.prefix = ([shutil.which("bwrap"), *self._bwrap_args(self.python)]
                       if isolation.mechanism == "bwrap" else
                       [shutil.which("unshare"), *_UNSHARE_FLAGS, "--"]
                       if isolation.mechanism == "unshare" else [])

    def spawn(self, package):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        mechanism = self.isolation.mechanism
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        uid = _fresh_uid() if mechanism == "uid" or (mechanism == "bwrap" and root) else None
        workdir = None
        if mechanism in ("uid", "none"):
            workdir = tempfile.mkdtemp(prefix="w-", dir=self.stage.root / "work")
            if uid is not None:
                os.chown(workdir, uid, uid)
        config = {"fd": child.fileno(), "package": package, "limits": self.limits.to_dict(),
                  "uid": uid, "mechanism": mechanism,
                  "protected": [str(p) for p in PROTECTED]}
        argv, kwargs = self._command(config, workdir)
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, pass_fds=(child.fileno(),),
                                       env=self._env(workdir), **kwargs)
        finally:
            child.close()
        return Worker(process, parent, self.isolation, uid=uid, workdir=workdir)

    # The bootstrap: the smallest program that gets the worker going, in isolated mode (-I:
    # no environment variables, no user site, no script directory on sys.path) and without
    # site (-S: no .pth files run from site-packages).
    BOOT = ("import sys; sys.path[:0] = [sys.argv[1] + '/code', sys.argv[1] + '/lib']; "
            "from grader.worker import boot; boot(sys.argv[1], sys.argv[2], sys.argv[3])")

    def _command(self, config, workdir):
        mechanism = self.isolation.mechanism
        if mechanism == "bwrap":     # bwrap shows the stage at INSIDE
            stage, tree = INSIDE, INSIDE / "tree" / self.stage.tree.name
        else:
            stage, tree = self.stage.root, self.stage.tree
        argv = [*self.prefix, self.python, "-I", "-S", "-B", "-c", self.BOOT, str(stage),
                str(tree), json.dumps(config)]
        if mechanism in ("bwrap", "unshare"):
            return argv, {"cwd": "/"}
        # uid and none lead their own process group (killed as one). With uid the bootstrap
        # starts as root and drops to the fresh uid itself, after the interpreter and numpy
        # are loaded: an interpreter under a private home (pyenv in /root) would otherwise be
        # unreadable to that uid.
        return argv, {"cwd": workdir, "start_new_session": True}

    def _env(self, workdir):
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
               **{var: str(self.limits.threads)
                  for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")}}
        if workdir is not None:
            env.update(HOME=workdir, TMPDIR=workdir)
        else:
            env.update(HOME="/tmp", TMPDIR="/tmp")
        if sys.platform == "win32":
            env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", "")
        return env

    def _bwrap_args(self, python):
        root = os.geteuid() == 0
        args = [*_bwrap_namespace_flags(root), "--die-with-parent", "--new-session",
                "--clearenv", "--hostname", "sandbox"]
        mounts = []     # (kind, source, destination)
        prefix = Path(sys.base_prefix).resolve()
        mounts.append(("ro", "/usr", "/usr"))
        for link in ("bin", "lib", "lib64", "sbin"):
            path = Path("/") / link
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                mounts.append(("ro", str(path), str(path)))
        if not str(prefix).startswith("/usr/"):
            mounts.append(("ro", str(prefix), str(prefix)))
        if not str(Path(python).parent).startswith((str(prefix), "/usr/")):
            mounts.append(("ro", python, python))
        # Hide every site-packages of the interpreter and of the system: only numpy, bound
        # below, is importable beside the standard library.
        for hidden in _site_dirs(prefix):
            mounts.append(("tmpfs", None, str(hidden)))
        for name, path in numpy_paths().items():
            mounts.append(("ro", str(path), str(INSIDE / "lib" / name)))
        mounts.append(("ro", str(self.stage.root / "code"), str(INSIDE / "code")))
        mounts.append(("ro", str(self.stage.tree), str(INSIDE / "tree" / self.stage.tree.name)))
        # Parents of every mount point exist and are traversable by the worker's uid (bwrap
        # would make them 0700 as root).
        parents = set()
        for _, _, dest in mounts:
            for parent in Path(dest).parents:
                if str(parent) != "/":
                    parents.add(parent)
        for parent in sorted(parents, key=lambda p: len(p.parts)):
            args += ["--perms", "0755", "--dir", str(parent)]
        for kind, source, dest in mounts:
            if kind == "ro":
                args += ["--ro-bind", source, dest]
            else:
                args += ["--perms", "0755", "--tmpfs", dest]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
                 "--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
        for key, value in self._env(None).items():
            args += ["--setenv", key, value]
        if root:
            # The bootstrap needs these two to become its fresh uid; it then has none at all.
            args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        return args


def _site_dirs(prefix):
    found = []
    candidates = list(Path(prefix).glob("lib/python3*/site-packages"))
    candidates += list(Path("/usr/lib/python3").glob("dist-packages"))
    candidates += list(Path("/usr/local/lib").glob("python3*/dist-packages"))
    candidates += list(Path("/usr/local/lib").glob("python3*/site-packages"))
    candidates += list(Path("/usr/lib").glob("python3*/site-packages"))
    candidates += list(Path("/usr/lib").glob("python3*/dist-packages"))
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            found.append(path.resolve())
    return sorted(set(found))
