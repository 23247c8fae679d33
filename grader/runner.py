"""Run the hidden suites against a target: the suite files are split into `jobs` groups, one
pytest process per group, run in parallel, each reporting results as JSON lines on a pipe
(grader/plugin.py).

The runner trusts the suites but checks what reaches it all the same: exactly one result per
expected check id (the first; later ones and unknown ids are dropped), a known status, points
clamped to [0, the check's max] with the max taken from the registry, every text cleaned and
capped. A run has a global deadline; a suite process that dies, stops or overruns is reported
as what happened, and the checks it did not report are run again once in a fresh process,
then reported one by one.
"""
import importlib
import json
import os
import pkgutil
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import sandbox, suites
from .checks import REGISTRY
from .results import CheckResult
from .sanitize import clean

SUITES_DIR = Path(suites.__file__).resolve().parent


def load_checks():
    """Import every suite module so that REGISTRY holds every check, in file order."""
    for info in sorted(pkgutil.iter_modules([str(SUITES_DIR)]), key=lambda i: i.name):
        if info.name.startswith("test_"):
            importlib.import_module(f"{suites.__name__}.{info.name}")
    return dict(REGISTRY)


def select_checks(checks, numbers=None, pattern=None):
    """Checks of the modules numbered `numbers` whose id contains `pattern` (or matches it as
    a glob); a pattern that is a check's full id selects that check alone. `pattern` may be
    None (every check), one string, or a list of them (-k given several times): the union,
    in the checks' own order."""
    import fnmatch
    patterns = [pattern] if isinstance(pattern, str) else [p for p in pattern or () if p]
    if not patterns:
        return [spec for spec in checks.values() if not numbers or spec.module in numbers]

    def wanted(spec, pat):
        if pat in checks:
            return spec.id == pat
        return pat in spec.id or fnmatch.fnmatch(spec.id, pat)
    return [spec for spec in checks.values() if (not numbers or spec.module in numbers)
            and any(wanted(spec, pat) for pat in patterns)]


@dataclass
class Run:
    target: str
    seed: int
    results: dict = field(default_factory=dict)       # id -> CheckResult, in the specs' order
    wall_time: float = 0.0
    isolation: dict = field(default_factory=dict)     # sandbox.Isolation.to_dict()


def run_checks(target, specs, seed=0, jobs=2, timeout_scale=1.0, memory_mb=2048,
               on_event=None, sandbox_mode="auto"):
    """Grade `specs` against directory `target`; returns a Run with exactly one result per
    check. `sandbox_mode`: "auto" (the strongest isolation available, else none), "require"
    (sandbox.SandboxUnavailable when there is none) or "off"."""
    started = time.monotonic()
    isolation = sandbox.detect(sandbox_mode)
    by_file = {}
    for spec in specs:
        by_file.setdefault(spec.file, []).append(spec)
    run = Run(target=str(target), seed=seed, isolation=isolation.to_dict())
    lock = threading.Lock()
    expected = {spec.id: spec for spec in specs}

    def emit(event):
        """An event from a suite process's pipe (checked by accept_event), or a CheckResult
        the runner made itself for a check no suite process reported."""
        with lock:
            if isinstance(event, CheckResult):
                event = {"event": "result", "result": event} \
                    if event.id not in run.results else None
            else:
                event = accept_event(event, expected, run.results)
            if event is None:
                return
            if event["event"] == "result":
                run.results[event["result"].id] = event["result"]
            if on_event is not None:
                on_event(event)

    def reported():
        with lock:          # the other groups' threads add results meanwhile
            return set(run.results)

    stage = sandbox.Stage(target)
    try:
        def one_group(files):
            group = [s for f in files for s in by_file[f]]
            _run_suite_files(files, group, stage, isolation, seed, timeout_scale, memory_mb,
                             emit, reported)

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in [pool.submit(one_group, g) for g in _groups(by_file, jobs)]:
                future.result()
    finally:
        stage.cleanup()
    for spec in specs:        # the guarantee: one result per check, whatever happened
        if spec.id not in run.results:
            emit(CheckResult.lost(spec, *NOT_REPORTED))
    run.results = {spec.id: run.results[spec.id] for spec in specs}
    run.wall_time = round(time.monotonic() - started, 2)
    return run


def accept_event(event, expected, results):
    """The event as the runner will use it, or None to drop it: only "start" and "result"
    events of expected checks, one result per check; a result becomes a CheckResult joined
    with its spec, every field checked and cleaned (CheckResult.from_wire)."""
    if not isinstance(event, dict) or event.get("event") not in ("start", "result"):
        return None
    if event["event"] == "start":
        check_id = event.get("id")
        if not isinstance(check_id, str) or check_id not in expected or check_id in results:
            return None
        return {"event": "start", "id": check_id}
    raw = event.get("result")
    if not isinstance(raw, dict):
        return None
    check_id = raw.get("id")
    if not isinstance(check_id, str) or check_id not in expected or check_id in results:
        return None
    return {"event": "result", "result": CheckResult.from_wire(raw, expected[check_id])}


def _groups(by_file, jobs):
    """Split the suite files into at most `jobs` groups of similar total time limit (longest
    first, each to the lightest group): one pytest process per group, since starting one
    costs more than most checks."""
    cost = {f: sum(s.timeout for s in specs) for f, specs in by_file.items()}
    groups = [[] for _ in range(max(1, min(jobs, len(by_file))))]
    loads = [0.0] * len(groups)
    for f in sorted(by_file, key=lambda f: -cost[f]):
        i = loads.index(min(loads))
        groups[i].append(f)
        loads[i] += cost[f]
    return [sorted(g) for g in groups if g]


NOT_REPORTED = ("the suite process ended without reporting this check",
                "測試套件的程序結束了，卻沒有回報這項檢查")
#: Beyond the sum of its checks' limits, a suite process gets this long (pytest's start, the
#: workers' starts) before the runner stops it.
RUN_SLACK = 60.0


def _run_suite_files(module_names, specs, stage, isolation, seed, timeout_scale, memory_mb,
                     emit, reported, retry=True):
    """Run `specs` (from suite modules `module_names`) in one pytest process; checks it did
    not report are run once more in a fresh one, then reported one by one."""
    outcome = _one_suite_process(module_names, specs, stage, isolation, seed, timeout_scale,
                                 memory_mb, emit)
    missing = [spec for spec in specs if spec.id not in reported()]
    if not missing:
        return
    if retry and outcome.get("kind") != "deadline":
        _run_suite_files(sorted({s.file for s in missing}), missing, stage, isolation, seed,
                         timeout_scale, memory_mb, emit, reported, retry=False)
        return
    en, zh = outcome.get("why", NOT_REPORTED)
    status = "TIMEOUT" if outcome.get("kind") == "deadline" else "ERROR"
    for spec in missing:
        emit(CheckResult.lost(spec, en, zh, status))


def _one_suite_process(module_names, specs, stage, isolation, seed, timeout_scale, memory_mb,
                       emit):
    paths = [str(SUITES_DIR / (m.rsplit(".", 1)[-1] + ".py")) for m in module_names]
    read_fd, write_fd = os.pipe()
    env = dict(os.environ, GRADER_EVENTS_FD=str(write_fd), PYTHONDONTWRITEBYTECODE="1")
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")
    # The suites import `grader` and `given`: make sure the child finds them wherever the
    # grader runs from.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SUITES_DIR.parent.parent)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    budget = sum(s.cap for s in specs) * timeout_scale + RUN_SLACK
    backstop = int(max(s.cap for s in specs) * timeout_scale + 60)
    cmd = [sys.executable, "-m", "pytest", *paths, "-p", "grader.plugin",
           "-c", str(SUITES_DIR / "pytest.ini"), "--rootdir", str(SUITES_DIR.parent.parent),
           "-q", "--no-header", "-o", f"timeout={backstop}",
           "--grader-target", str(stage.tree), "--grader-seed", str(seed),
           "--grader-stage", str(stage.root), "--grader-isolation", isolation.mechanism,
           "--grader-select", ",".join(s.id for s in specs),
           "--grader-timeout-scale", str(timeout_scale), "--grader-memory-mb", str(memory_mb)]
    outcome = {}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                stdin=subprocess.DEVNULL, pass_fds=(write_fd,),
                                cwd=str(SUITES_DIR.parent.parent), start_new_session=True)
        os.close(write_fd)
        deadline = time.monotonic() + budget
        buffer = b""
        with os.fdopen(read_fd, "rb", buffering=0) as events:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    outcome = {"kind": "deadline", "why": _stalled(proc, budget)}
                    break
                ready, _, _ = select.select([events], [], [], min(remaining, 1.0))
                if not ready:
                    continue
                chunk = events.read(1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                if len(buffer) > 4 * 1024 * 1024:
                    buffer = b""          # an endless line is nobody's result
                for line in lines:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        continue
                    emit(event)
        if not outcome:
            try:
                proc.wait(timeout=30)     # it closed the pipe: it is exiting
            except subprocess.TimeoutExpired:
                pass
        _kill_group(proc)
        if not outcome:
            code = proc.returncode
            if code not in (0, 1):
                log.seek(0)
                tail = " | ".join(log.read().decode(errors="replace").strip().splitlines()[-3:])
                tail = clean(tail, 300)
                what = (f"killed by {signal.Signals(-code).name}" if code < 0 and
                        -code in signal.Signals._value2member_map_ else f"exit code {code}")
                outcome = {"kind": "died", "why": (
                    f"the suite process ended early ({what}) without reporting this check"
                    + (f": {tail}" if tail else ""),
                    f"測試套件的程序提早結束（{what}），沒有回報這項檢查" + (f"：{tail}" if tail else ""))}
    return outcome


def _stalled(proc, budget):
    state = ""
    try:
        with open(f"/proc/{proc.pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        pass
    if state in ("T", "t"):
        return (f"the suite process was stopped (SIGSTOP) and did not finish within the run's "
                f"{budget:.0f} s", f"測試套件的程序被暫停（SIGSTOP），沒有在 {budget:.0f} 秒內完成")
    return (f"the suite process did not finish within the run's {budget:.0f} s",
            f"測試套件的程序沒有在 {budget:.0f} 秒內完成")


def _kill_group(proc):
    """The suite process and everything it started (its workers' sandboxes included)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
