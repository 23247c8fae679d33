"""Run the hidden suites against a target: the suite files are split into `jobs` groups, one
pytest process per group, run in parallel, each reporting results as JSON lines on a pipe
(grader/plugin.py)."""
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import suites
from .checks import REGISTRY, Msg

SUITES_DIR = Path(suites.__file__).resolve().parent


def load_checks():
    """Import every suite module so that REGISTRY holds every check, in file order."""
    for info in sorted(pkgutil.iter_modules([str(SUITES_DIR)]), key=lambda i: i.name):
        if info.name.startswith("test_"):
            importlib.import_module(f"{suites.__name__}.{info.name}")
    return dict(REGISTRY)


def select_checks(checks, modules=None, pattern=None):
    """Checks of the given modules whose id contains `pattern` (or matches it as a glob); a
    pattern that is a check's full id selects that check alone."""
    import fnmatch
    if pattern in checks:
        return [checks[pattern]] if not modules or checks[pattern].module in modules else []
    chosen = []
    for spec in checks.values():
        if modules and spec.module not in modules:
            continue
        if pattern and pattern not in spec.id and not fnmatch.fnmatch(spec.id, pattern):
            continue
        chosen.append(spec)
    return chosen


@dataclass
class Run:
    target: str
    seed: int
    results: dict = field(default_factory=dict)       # id -> result dict
    wall_time: float = 0.0


def run_checks(target, specs, seed=0, jobs=2, timeout_scale=1.0, memory_mb=2048,
               on_event=None):
    """Grade `specs` against directory `target`; returns a Run with a result per check."""
    started = time.monotonic()
    by_file = {}
    for spec in specs:
        by_file.setdefault(spec.file, []).append(spec)
    run = Run(target=str(target), seed=seed)
    lock = threading.Lock()

    def emit(event):
        with lock:
            if event.get("event") == "result":
                run.results[event["result"]["id"]] = event["result"]
            if on_event is not None:
                on_event(event)

    def one_group(files):
        _run_suite_files(files, [s for f in files for s in by_file[f]], target, seed,
                         timeout_scale, memory_mb, emit)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(one_group, g) for g in _groups(by_file, jobs)]:
            future.result()
    run.wall_time = round(time.monotonic() - started, 2)
    return run


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


def _run_suite_files(module_names, specs, target, seed, timeout_scale, memory_mb, emit):
    paths = [str(SUITES_DIR / (m.rsplit(".", 1)[-1] + ".py")) for m in module_names]
    read_fd, write_fd = os.pipe()
    env = dict(os.environ, GRADER_EVENTS_FD=str(write_fd), PYTHONDONTWRITEBYTECODE="1")
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")
    # The suites import `grader` and `given`: make sure the child finds them wherever the
    # grader runs from.
    env["PYTHONPATH"] = os.pathsep.join(
        [str(SUITES_DIR.parent.parent)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    backstop = int(max(s.timeout for s in specs) * timeout_scale + 60)
    cmd = [sys.executable, "-m", "pytest", *paths, "-p", "grader.plugin",
           "-c", str(SUITES_DIR / "pytest.ini"), "--rootdir", str(SUITES_DIR.parent.parent),
           "-q", "--no-header", "-o", f"timeout={backstop}",
           "--grader-target", str(target), "--grader-seed", str(seed),
           "--grader-select", ",".join(s.id for s in specs),
           "--grader-timeout-scale", str(timeout_scale), "--grader-memory-mb", str(memory_mb)]
    seen = set()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                pass_fds=(write_fd,), cwd=str(SUITES_DIR.parent.parent))
        os.close(write_fd)
        with os.fdopen(read_fd, "r") as events:
            for line in events:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "result":
                    seen.add(event["result"]["id"])
                emit(event)
        proc.wait()
        log.seek(0)
        tail = log.read().decode(errors="replace").strip().splitlines()[-5:]
    for spec in specs:
        if spec.id not in seen:
            # The suite process ended without reporting this check: a grader problem,
            # never the student's (their code runs in workers, not here).
            reason = " | ".join(tail) or f"exit code {proc.returncode}"
            emit({"event": "result", "result": {
                "id": spec.id, "status": "ERROR", "points": 0.0, "max_points": spec.points,
                "message": Msg(f"internal grader error: the suite did not report ({reason[-300:]})",
                               f"批改程式內部錯誤：測試套件沒有回報結果（{reason[-300:]}）"),
                "hint": None, "duration": 0.0, "parts": [], "output": ""}})
