"""Helpers of the fault catalogue (test_fault_catalogue.py): attack trees, the real grading
command, and the checks every case makes on what came out.

An attack tree is a copy of reference/ or exercises/ in a temp dir with attack code injected
(text edits that must match exactly once). The attack code is real: it does what an
adversarial student's code would do from inside a worker — walk /proc to the trusted
processes, write into their descriptors, signal them, fork daemons, read and write other
trees — so an undefended grader falls for it. Every attack also tries to leave a mark outside
its temp dir (the project root, $HOME, sentinel files), and every process it starts carries
the case's unique token (in its argv, or as its comm name), so that what survives can be found
and killed by id.

Bounded by construction, even against a grader that defends nothing: daemons live at most a
few minutes, a fork bomb makes at most 255 processes that each sleep 30 s, the biggest reply
is 100 MB, and every fixture kills what carries its token.
"""
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
HOME = Path.home()

LAYERS = "module5/layers.py"
FORWARD_START = "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n"
# Conv2D.forward's last lines (MaxPool2D.forward also ends with `return out`).
FORWARD_RETURN = "        self.cache = (x.shape, xp)\n        return out\n"
STATUSES = {"PASS", "PARTIAL", "FAIL", "TODO", "TIMEOUT", "ERROR", "CRASH", "FORBIDDEN"}
#: Text a person or a parser may see: no C0 control but \n and \t (no ESC, no \r, no NUL),
#: no DEL or C1 control (\x9b is a one-byte CSI), no lone surrogate.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
WHOLE_RUN_BOUND = 60.0       # seconds for a whole tree (the reference alone takes ~5 s)
MEMORY_BOUND = 1 << 30       # bytes of resident memory for any trusted process


# -- the attack library, injected into every attack tree ---------------------------------
LIB = r'''
import os, sys, time


def _fault_mark():
    """Name this process after the case's token (what survives can be found by it)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(15, _FAULT["comm"].encode(), 0, 0, 0)
    except Exception:
        pass


def _fault_ppid(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _fault_ancestors():
    out, pid = [], os.getpid()
    for _ in range(32):
        pid = _fault_ppid(pid)
        if pid <= 1:
            break
        out.append(pid)
    return out


def _fault_cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def _fault_environ(pid):
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    env = {}
    for item in data.split(b"\0"):
        key, sep, value = item.partition(b"=")
        if sep:
            env[key.decode(errors="replace")] = value.decode(errors="replace")
    return env


def _fault_trusted():
    """This worker's ancestors that run the hidden suites (pytest -p grader.plugin)."""
    return [p for p in _fault_ancestors() if "grader.plugin" in " ".join(_fault_cmdline(p))]


def _fault_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def _fault_events_fds(pids):
    """Write ends of the trusted processes' result channels, opened anew through /proc."""
    fds = []
    for pid in pids:
        fd = _fault_environ(pid).get("GRADER_EVENTS_FD")
        if fd:
            try:
                fds.append(os.open("/proc/%d/fd/%s" % (pid, fd), os.O_WRONLY))
            except OSError:
                pass
    return fds


def _fault_once(key):
    """True the first time in this grading run (a lock file beside the tree; where that
    cannot be written, every time)."""
    try:
        os.close(os.open(os.path.join(_FAULT["mark"], "once-" + key),
                         os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False
    except OSError:
        return True


def _fault_daemon(body):
    """Run body() in a double-forked, setsid'd process that outlives this one."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid:
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
        return True
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        _fault_mark()
        body()
    except BaseException:
        pass
    os._exit(0)


_FAULT_SLEEPER = """import os, sys, time
end = time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        open(sys.argv[2], "a").close()
        os.utime(sys.argv[2])
    except Exception:
        pass
    time.sleep(0.5)
"""


def _fault_become(seconds, light):
    """Replace this process by a marked sleeper that lives `seconds`: a Python loop that
    touches a file (light=False), or /bin/sleep with the token as argv[0]; a plain loop
    where neither can be executed. Never returns."""
    _fault_mark()
    touch = os.path.join(_FAULT["mark"], "alive-%d" % os.getpid())
    argv0 = "fault-" + _FAULT["token"]
    attempts = [("/bin/sleep", [argv0, str(int(seconds))])]
    python = (sys.executable, [sys.executable, "-c", _FAULT_SLEEPER, str(seconds), touch, argv0])
    attempts.insert(len(attempts) if light else 0, python)
    for path, argv in attempts:
        try:
            os.execv(path, argv)
        except Exception:
            pass
    end = time.time() + seconds
    while time.time() < end:
        time.sleep(0.5)
    os._exit(0)


def _fault_escape():
    """Try to leave a mark outside the submission: files in the project and in $HOME,
    overwrite some sentinels, delete others."""
    name = "fault-" + _FAULT["token"] + ".txt"
    for d in _FAULT["escape_dirs"] + [os.path.expanduser("~")]:
        try:
            with open(os.path.join(d, name), "w") as f:
                f.write("written by student code\n")
        except Exception:
            pass
    for path in _FAULT["sentinels"]:
        try:
            with open(path, "w") as f:
                f.write("overwritten by student code\n")
        except Exception:
            pass
    for path in _FAULT["doomed"]:
        try:
            os.remove(path)
        except Exception:
            pass
'''


def lib_source(config):
    """The attack library with its configuration, to put at the top of a student file."""
    return f"_FAULT = {config!r}\n" + LIB + "\n\n"


# -- the case -----------------------------------------------------------------------------
class Attack:
    """One case: its token, its temp dirs, the sentinels its attack code tries to change,
    and the project's state before it ran. `cleanup()` kills whatever carries the token and
    removes whatever the attack left."""

    def __init__(self, base):
        self.token = secrets.token_hex(6)
        self.comm = "flt" + self.token               # 15 characters: a whole comm name
        self.base = Path(base)
        self.outside = self.base / "outside"         # beside the tree, not inside it
        self.mark = self.base / "mark"               # lock and touch files of the attack
        self.exfil = self.base / "exfil"             # where a raid would put what it read
        self.out = self.base / "out"                 # the grader's report files
        for d in (self.outside, self.mark, self.exfil, self.out):
            d.mkdir(parents=True, exist_ok=True)
        self.keep = [self.outside / "sentinel-keep.txt",
                     HOME / f".fault-sentinel-{self.token}-keep"]
        self.doomed = [self.outside / "sentinel-doomed.txt",
                       HOME / f".fault-sentinel-{self.token}-doomed"]
        self.sentinel_text = f"sentinel {self.token}\n"
        for path in self.keep + self.doomed:
            path.write_text(self.sentinel_text)
        self.escape_dirs = [ROOT, ROOT / "given", HOME]
        self.project_before = project_snapshot()
        self.trees = 0

    def config(self, **extra):
        return {"token": self.token, "comm": self.comm, "mark": str(self.mark),
                "exfil": str(self.exfil), "root": str(ROOT),
                "escape_dirs": [str(d) for d in self.escape_dirs],
                "sentinels": [str(p) for p in self.keep],
                "doomed": [str(p) for p in self.doomed], **extra}

    # -- trees --------------------------------------------------------------------------
    def tree(self, source="reference", edits=(), lib=(), files=None, **config):
        """A copy of `source` (reference or exercises) whose `files` ({relpath: text}) are
        replaced, then `edits`: (relpath, old, new) text replacements that must match exactly
        once, (relpath, None, text) appended. Every file in `lib` gets the attack library
        (with `config`) at its top."""
        self.trees += 1
        tree = self.base / f"tree{self.trees}"
        shutil.copytree(ROOT / source, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for rel, text in (files or {}).items():
            (tree / rel).write_text(text, encoding="utf-8")
        for rel, old, new in edits:
            path = tree / rel
            text = path.read_text(encoding="utf-8")
            if old is None:
                text = text + "\n\n" + new
            else:
                assert text.count(old) == 1, f"attack anchor not found exactly once in {rel}: {old!r}"
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")
        for rel in lib:
            path = tree / rel
            path.write_text(lib_source(self.config(**config)) + path.read_text(encoding="utf-8"),
                            encoding="utf-8")
        return tree

    def inject_forward(self, code, source="reference", more=(), **config):
        """The reference with `code` run first in Conv2D.forward (the library available)."""
        body = "".join(f"        {line}\n" if line else "\n" for line in code.splitlines())
        return self.tree(source, [(LAYERS, FORWARD_START, body + FORWARD_START), *more],
                         lib=[LAYERS], **config)

    # -- afterwards ---------------------------------------------------------------------
    def token_files(self):
        found = []
        for d in self.escape_dirs:
            found += [p for p in Path(d).glob(f"*{self.token}*")
                      if p not in self.keep + self.doomed]
        for sub in ("reference", "grader", "given", "exercises", "tests"):
            found += [p for p in (ROOT / sub).rglob(f"*{self.token}*")]
        return sorted(set(found))

    def cleanup(self):
        left = kill_marked(self.token, self.comm)
        for path in self.token_files() + self.keep + self.doomed:
            try:
                path.unlink()
            except OSError:
                pass
        return left


def project_snapshot():
    """sha256 of every file of the project's reference/ and given/ trees."""
    snap = {}
    for sub in ("reference", "given"):
        for path in sorted((ROOT / sub).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                snap[str(path.relative_to(ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return snap


def tree_hash(folder):
    h = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            h[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return h


# -- processes ---------------------------------------------------------------------------
def _proc_table():
    """{pid: (ppid, state, comm, cmdline bytes)} of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        head, _, rest = stat.rpartition(")")
        fields = rest.split()
        if len(fields) < 2:
            continue
        comm = head.partition("(")[2]
        table[pid] = (int(fields[1]), fields[0], comm, cmd)
    return table


def marked_processes(token, comm):
    """{pid: description} of live processes carrying the token (argv) or the comm name."""
    me = os.getpid()
    found = {}
    for pid, (_, state, name, cmd) in _proc_table().items():
        if pid == me or state in ("Z", "X"):
            continue
        if name == comm or token.encode() in cmd:
            found[pid] = (cmd.replace(b"\0", b" ").decode(errors="replace")[:120] or name)
    return found


def kill_marked(token, comm, patience=15.0):
    """SIGKILL, by pid, every process carrying the token until none is left (a fork bomb
    may still be forking). Returns those still alive after `patience` seconds."""
    deadline = time.monotonic() + patience
    while True:
        found = marked_processes(token, comm)
        if not found or time.monotonic() > deadline:
            return found
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


def descendants(root):
    table = _proc_table()
    children = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            out.append(child)
            todo.append(child)
    return out, table


def _vm_hwm(pid):
    """Peak resident set size of `pid` so far, in bytes (0 if unreadable)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples the peak RSS of the grader's trusted processes — the command itself and its
    pytest processes (-p grader.plugin) — every 50 ms while it runs."""

    def __init__(self, root_pid):
        super().__init__(daemon=True)
        self.root_pid, self.peak, self.who = root_pid, 0, ""
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            pids, table = descendants(self.root_pid)
            for pid in [self.root_pid] + pids:
                cmd = table.get(pid, (0, "", "", b""))[3]
                if pid != self.root_pid and b"grader.plugin" not in cmd:
                    continue
                hwm = _vm_hwm(pid)
                if hwm > self.peak:
                    self.peak = hwm
                    self.who = cmd.replace(b"\0", b" ").decode(errors="replace")[:80]
            self.stopped.wait(0.05)


@dataclass
class Outcome:
    command: list
    returncode: int
    seconds: float
    timed_out: bool
    stdout_bytes: bytes
    stderr: str
    peak_rss: int = 0
    peak_who: str = ""

    @property
    def stdout(self):
        return self.stdout_bytes.decode("utf-8", errors="replace")


def run_grader(args, bound, out_dir, env=None, watch_memory=False):
    """`python -m grader ARGS` from the project root, in its own session, stopped (with all
    its descendants) after `bound` seconds. Output goes to files, so a process that keeps a
    copy of the grader's stdout cannot hold the run open."""
    out_dir = Path(out_dir)
    environment = dict(os.environ, COLUMNS="200", LINES="60", PYTHONDONTWRITEBYTECODE="1")
    environment.pop("FORCE_COLOR", None)
    environment["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    environment.update(env or {})
    command = [PY, "-m", "grader", *[str(a) for a in args]]
    n = len(list(out_dir.glob("stdout-*")))
    stdout_path, stderr_path = out_dir / f"stdout-{n}.txt", out_dir / f"stderr-{n}.txt"
    started = time.monotonic()
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        proc = subprocess.Popen(command, cwd=str(ROOT), stdout=so, stderr=se, stdin=subprocess.DEVNULL,
                                env=environment, start_new_session=True)
    watch = MemoryWatch(proc.pid) if watch_memory else None
    if watch is not None:
        watch.start()
    timed_out = False
    try:
        proc.wait(timeout=bound)
    except subprocess.TimeoutExpired:
        timed_out = True
        stop_tree(proc)
    seconds = time.monotonic() - started
    if watch is not None:
        watch.stopped.set()
        watch.join()
    return Outcome(command, proc.returncode, round(seconds, 2), timed_out,
                   stdout_path.read_bytes(), stderr_path.read_text(errors="replace"),
                   watch.peak if watch else 0, watch.who if watch else "")


def stop_tree(proc):
    """SIGKILL the grader's process group and every descendant (by pid)."""
    pids, _ = descendants(proc.pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


@lru_cache(maxsize=None)
def sandbox_flags():
    """--untrusted when the grader has it: the catalogue grades attack trees as what they
    are, someone else's code."""
    help_text = subprocess.run([PY, "-m", "grader", "--help"], cwd=str(ROOT), capture_output=True,
                               text=True, env=dict(os.environ, PYTHONPATH=str(ROOT))).stdout
    return ("--untrusted",) if "--untrusted" in help_text else ()


@lru_cache(maxsize=None)
def all_checks():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from grader.runner import load_checks
    return load_checks()


def selected(tree, pattern=None, modules=None):
    from grader.runner import select_checks
    from grader.target import available_modules
    return select_checks(all_checks(), modules or available_modules(tree), pattern)


def bound_for(specs):
    """Seconds a run of `specs` may take: the longest time limit and 30 s to start and end."""
    return 30.0 + max(s.timeout for s in specs)


@dataclass
class Graded:
    outcome: Outcome
    specs: list
    report: dict = None
    junit: bytes = None
    gradescope: dict = None
    problems: list = field(default_factory=list)    # reading the outputs

    def result(self, check_id):
        for c in (self.report or {}).get("checks", []):
            if c["id"] == check_id:
                return c
        return {"id": check_id, "status": "MISSING", "points": None, "max_points": None,
                "message": "(no result in the report)"}

    def summary(self):
        if not self.report:
            return "no report"
        return ", ".join(f"{c['id']} {c['status']} {c['points']}/{c['max_points']}"
                         for c in self.report["checks"])


def grade(attack, tree, pattern=None, modules=None, seed=1, bound=None, verbose=False,
          watch_memory=False, extra=()):
    """Grade `tree` with the real command: JSON, JUnit and Gradescope reports, --lang en."""
    specs = selected(tree, pattern, modules)
    assert specs, f"no check selected by -k {pattern!r} / --module {modules}"
    n = len(list(attack.out.glob("report-*.json")))
    paths = {k: attack.out / f"{k}-{n}.{ext}" for k, ext in
             (("report", "json"), ("junit", "xml"), ("gradescope", "json"))}
    args = ["--target", tree, "--seed", seed, "--lang", "en", "--json", paths["report"],
            "--junit", paths["junit"], "--gradescope", paths["gradescope"], *sandbox_flags(), *extra]
    if pattern:
        args += ["-k", pattern]
    for m in modules or []:
        args += ["--module", m]
    if verbose:
        args.append("--verbose")
    outcome = run_grader(args, bound or bound_for(specs), attack.out, watch_memory=watch_memory)
    graded = Graded(outcome, specs)
    for key in ("report", "gradescope"):
        if paths[key].exists():
            try:
                setattr(graded, key, json.loads(paths[key].read_bytes().decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as exc:
                graded.problems.append(f"{paths[key].name} is not valid UTF-8 JSON: {exc}")
    if paths["junit"].exists():
        graded.junit = paths["junit"].read_bytes()
    return graded


# -- verdicts ----------------------------------------------------------------------------
class Verdict:
    """Collects every problem of a case, so one failure shows all that went wrong."""

    def __init__(self, what):
        self.what, self.problems = what, []

    def expect(self, ok, problem):
        if not ok:
            self.problems.append(problem)
        return ok

    def done(self):
        assert not self.problems, (f"{self.what}: {len(self.problems)} problem(s)\n- "
                                   + "\n- ".join(self.problems))


def finished(v, outcome, bound):
    v.expect(not outcome.timed_out, f"the grader did not finish within {bound:.0f} s (stopped)")
    v.expect(outcome.timed_out or outcome.returncode == 0,
             f"the grader exited with {outcome.returncode}: {outcome.stderr.strip()[-400:]}")


def sound_report(v, graded, bound=None, isolation="bwrap"):
    """The run finished in time with a complete, clamped report from a sandbox."""
    finished(v, graded.outcome, bound or bound_for(graded.specs))
    for problem in graded.problems:
        v.expect(False, problem)
    report = graded.report
    if not v.expect(report is not None, "no JSON report was written"):
        return
    ids = [c["id"] for c in report.get("checks", [])]
    want = [s.id for s in graded.specs]
    v.expect(sorted(ids) == sorted(want) and len(set(ids)) == len(ids),
             f"the report's checks are not exactly one per selected check: missing "
             f"{sorted(set(want) - set(ids))}, unexpected {sorted(set(ids) - set(want))}, "
             f"{len(ids) - len(set(ids))} duplicated")
    specs = {s.id: s for s in graded.specs}
    for c in report.get("checks", []):
        spec = specs.get(c["id"])
        v.expect(c.get("status") in STATUSES, f"{c['id']}: unknown status {c.get('status')!r}")
        if spec is None:
            continue
        v.expect(c.get("max_points") == spec.points,
                 f"{c['id']}: max_points {c.get('max_points')!r}, the check is worth {spec.points}")
        points = c.get("points")
        v.expect(isinstance(points, (int, float)) and 0 <= points <= spec.points,
                 f"{c['id']}: {points!r} points, outside [0, {spec.points}]")
        for part in c.get("parts", []):
            v.expect(0 <= part.get("points", -1) <= part.get("max_points", 0) <= spec.points,
                     f"{c['id']} part {part.get('name')}: {part.get('points')} of {part.get('max_points')}")
    total = report.get("total", {})
    required = sum(s.points for s in graded.specs if not s.optional)
    bonus = sum(s.points for s in graded.specs if s.optional)
    v.expect(0 <= total.get("points", -1) <= required and total.get("max_points") == required,
             f"total {total.get('points')}/{total.get('max_points')}, the checks are worth {required}")
    v.expect(0 <= total.get("bonus_points", -1) <= bonus,
             f"bonus {total.get('bonus_points')}, the optional checks are worth {bonus}")
    v.expect(0 <= total.get("percent", -1) <= 100, f"total percent {total.get('percent')}")
    got = (report.get("isolation") or {}).get("mechanism")
    v.expect(got == isolation, f"isolation mechanism {got!r}, expected {isolation!r} "
                               f"({report.get('isolation')!r})")


def keeps_points(v, graded, healthy):
    """Checks the attack never touches earn what the reference earns: everything."""
    for check_id in healthy:
        r = graded.result(check_id)
        if not v.expect(r["status"] != "MISSING", f"healthy check {check_id}: no result in the report"):
            continue
        v.expect(r["status"] == "PASS" and r["points"] == r["max_points"],
                 f"healthy check {check_id} lost points: {r['status']} {r['points']}/"
                 f"{r['max_points']} {str(r.get('message'))[:200]}")


def no_points(v, graded, ids, statuses=None, names=None):
    """Each of `ids` earns nothing (and has one of `statuses`, with a message naming one of
    `names`, when given)."""
    for check_id in ids:
        r = graded.result(check_id)
        if not v.expect(r["status"] != "MISSING", f"{check_id}: no result in the report"):
            continue
        v.expect(r["points"] == 0, f"{check_id} earned {r['points']}/{r['max_points']} "
                                   f"({r['status']}): the attack paid")
        if statuses is not None:
            v.expect(r["status"] in statuses, f"{check_id} is {r['status']}, expected one of "
                                              f"{sorted(statuses)}: {str(r.get('message'))[:200]}")
        if names is not None:
            text = f"{r.get('message')} {r.get('hint')}"
            v.expect(any(n in text for n in names),
                     f"{check_id}: the message does not name what was tried ({' or '.join(names)}): "
                     f"{text[:200]!r}")


def untouched(v, attack):
    """Nothing outside the case's temp dir changed: sentinels, the project, $HOME."""
    for path in attack.keep:
        v.expect(path.exists() and path.read_text() == attack.sentinel_text,
                 f"sentinel {path} was overwritten or removed by student code")
    for path in attack.doomed:
        v.expect(path.exists(), f"sentinel {path} was deleted by student code")
    left = attack.token_files()
    v.expect(not left, f"student code wrote outside its tree: {[str(p) for p in left]}")
    after = project_snapshot()
    changed = sorted(k for k in set(after) | set(attack.project_before)
                     if after.get(k) != attack.project_before.get(k))
    v.expect(not changed, f"the project's files changed: {changed[:10]}")


def no_survivors(v, attack, grace=5.0):
    """No process started by student code is alive `grace` seconds after the run."""
    deadline = time.monotonic() + grace
    while True:
        found = marked_processes(attack.token, attack.comm)
        if not found or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    sample = list(found.items())[:3]
    v.expect(not found, f"{len(found)} process(es) started by student code still alive "
                        f"{grace:.0f} s after the run, e.g. {sample}")


def common(v, attack, graded, bound=None):
    sound_report(v, graded, bound)
    untouched(v, attack)
    no_survivors(v, attack)


# -- text safety -------------------------------------------------------------------------
def unsafe_in(value, where, found):
    """Every string inside `value` (JSON-like) that holds an unsafe character."""
    if isinstance(value, str):
        m = UNSAFE.search(value)
        if m:
            found.append(f"{where}: {m.group()!r} in {value[max(0, m.start() - 30):m.end() + 30]!r}")
    elif isinstance(value, dict):
        for k, x in value.items():
            unsafe_in(k, where, found)
            unsafe_in(x, f"{where}.{k}", found)
    elif isinstance(value, list):
        for i, x in enumerate(value):
            unsafe_in(x, f"{where}[{i}]", found)
    return found


def xml_strings(root):
    for el in root.iter():
        yield el.tag, el.tag
        for k, x in el.attrib.items():
            yield f"{el.tag}@{k}", x
        for text in (el.text, el.tail):
            if text:
                yield el.tag, text


def clean_outputs(v, graded):
    """JSON report, JUnit XML, Gradescope results and the terminal scorecard hold no unsafe
    character, and the XML parses."""
    found = []
    if v.expect(graded.report is not None, "no JSON report to inspect"):
        unsafe_in(graded.report, "report", found)
    if v.expect(graded.gradescope is not None, "no Gradescope results to inspect"):
        unsafe_in(graded.gradescope, "gradescope", found)
    if v.expect(graded.junit is not None, "no JUnit XML to inspect"):
        try:
            text = graded.junit.decode("utf-8")
        except UnicodeDecodeError as exc:
            v.expect(False, f"the JUnit XML is not UTF-8: {exc}")
            text = graded.junit.decode("utf-8", errors="replace")
        try:
            root = ET.fromstring(graded.junit)
        except ET.ParseError as exc:
            v.expect(False, f"the JUnit XML does not parse: {exc}")
        else:
            for where, s in xml_strings(root):
                unsafe_in(s, f"junit {where}", found)
        unsafe_in(text, "junit (raw)", found)
    try:
        out = graded.outcome.stdout_bytes.decode("utf-8")
    except UnicodeDecodeError as exc:
        v.expect(False, f"the terminal output is not UTF-8: {exc}")
        out = graded.outcome.stdout
    unsafe_in(out, "terminal", found)
    for problem in found[:12]:
        v.expect(False, problem)
    v.expect(len(found) <= 12, f"... and {len(found) - 12} more unsafe strings")
