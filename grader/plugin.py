"""The pytest plugin that runs the hidden suites (loaded with `-p grader.plugin`).

It provides the fixtures checks use (`student`, `rng`, `grade`, `seed`), keeps only the
selected checks, and reports every check's result as a JSON line on the file descriptor in
$GRADER_EVENTS_FD (the runner reads them; grader/runner.py).
"""
import json
import os
import time
import hashlib

import numpy as np
import pytest

from . import sandbox
from .checks import Grade
from .results import CheckResult
from .forbidden import module_of, scan_tree
from .proxy import Student, close_launchers


def pytest_addoption(parser):
    group = parser.getgroup("grader")
    group.addoption("--grader-target", help="directory of the tree to grade")
    group.addoption("--grader-seed", type=int, default=0)
    group.addoption("--grader-select", default="", help="comma-separated check ids")
    group.addoption("--grader-timeout-scale", type=float, default=1.0)
    group.addoption("--grader-memory-mb", type=int, default=2048)
    group.addoption("--grader-stage", help="the run's sandbox stage (grader/sandbox.py); "
                    "default: one made for this process")
    group.addoption("--grader-isolation", choices=sandbox.MECHANISMS,
                    help="the isolation the runner chose; default: detected here")


class Events:
    def __init__(self):
        fd = os.environ.get("GRADER_EVENTS_FD")
        self.stream = os.fdopen(int(fd), "w", buffering=1) if fd else None

    def send(self, **event):
        if self.stream is not None:
            self.stream.write(json.dumps(event) + "\n")


def pytest_configure(config):
    config._grader_events = Events()
    config._grader_results = []
    target = config.getoption("grader_target")
    stage = config.getoption("grader_stage")
    if target:
        config._grader_stage = sandbox.Stage(target, root=stage) if stage else sandbox.Stage(target)
        name = config.getoption("grader_isolation")
        config._grader_isolation = sandbox.from_name(name) if name else sandbox.detect("auto")
        config._grader_findings = _static_findings(config._grader_stage.tree)


def _static_findings(tree):
    """{module number: [(what, where)]} of forbidden code the tree's source shows
    (grader/forbidden.py); the checks of that module earn nothing."""
    found = {}
    for finding in scan_tree(tree):
        found.setdefault(module_of(finding), []).append(
            (finding.what, (finding.path, finding.line)))
    return found


def pytest_unconfigure(config):
    close_launchers()
    stage = getattr(config, "_grader_stage", None)
    if stage is not None:
        stage.cleanup()


def pytest_collection_modifyitems(config, items):
    wanted = {s for s in config.getoption("grader_select").split(",") if s}
    if not wanted:
        return
    keep, drop = [], []
    for item in items:
        spec = getattr(item.function, "check_spec", None)
        (keep if spec is not None and spec.id in wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _spec(request):
    spec = getattr(request.node.function, "check_spec", None)
    if spec is None:
        raise RuntimeError(f"{request.node.nodeid} is not declared with @check")
    return spec


@pytest.fixture
def grade(request):
    g = Grade(_spec(request))
    request.node._grader_grade = g
    return g


def check_seed(base, check_id):
    """The seed check `check_id` gets for `--seed base`: the run's seed mixed with the id, so
    every check draws the same inputs whatever runs before it or in parallel. 64 bits of a
    hash: with a secret 63-bit run seed (the default), nobody can enumerate the seeds to find
    the one whose training data a worker was given, and so predict the held-out data."""
    digest = hashlib.sha256(f"check:{int(base)}:{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


@pytest.fixture
def seed(request):
    return check_seed(request.config.getoption("grader_seed"), _spec(request).id)


@pytest.fixture
def rng(seed):
    return np.random.default_rng(seed)


@pytest.fixture
def timeout_scale(request):
    return request.config.getoption("grader_timeout_scale")


@pytest.fixture
def student(request, grade, seed, timeout_scale):
    config = request.config
    deadline = grade.started + grade.spec.timeout * timeout_scale
    s = Student(config.getoption("grader_target"), memory_mb=config.getoption("grader_memory_mb"),
                deadline=deadline, stage=config._grader_stage,
                isolation=config._grader_isolation)
    s.observer = grade.call_failed
    # A timeout under a fixed limit (tiny inputs) means the code hangs: later checks do not
    # wait for it again. A learning check's limit is its budget, which measures speed.
    s.hang_check = grade.spec.id if grade.spec.cap <= grade.spec.timeout else None
    request.node._grader_student = s
    yield s
    request.node._grader_output = s.output() if s.process is not None else ""
    s.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    spec = getattr(item.function, "check_spec", None)
    events = item.config._grader_events
    if spec is not None:
        events.send(event="start", id=spec.id)
    started = time.monotonic()
    item._grader_reports = []
    yield
    if spec is None:
        return
    grade = getattr(item, "_grader_grade", None)
    failed = [r for r in item._grader_reports if r.failed]
    if grade is not None and not failed:
        static = getattr(item.config, "_grader_findings", {}).get(spec.module, [])
        if static:
            grade.forbid(static)
        result = grade.result(output=getattr(item, "_grader_output", ""))
        student = getattr(item, "_grader_student", None)
        result.round_trips = student.requests if student is not None else 0
    else:
        text = failed[0].longreprtext.strip().splitlines()[-1] if failed else "no result"
        status = "TIMEOUT" if "Timeout" in text else "ERROR"
        result = CheckResult.lost(spec, text[:300], text[:300], status)
        result.duration = round(time.monotonic() - started, 3)
    events.send(event="result", result=result.to_wire())
    item.config._grader_results.append(result)


def pytest_terminal_summary(terminalreporter, config):
    """Run by hand (pytest -p grader.plugin ...), show what each check scored."""
    results = getattr(config, "_grader_results", [])
    if results:
        terminalreporter.section("grader results")
    for r in results:
        line = f"{r.status:8s} {r.points:g}/{r.max_points:g}  {r.id}"
        if r.message:
            line += f"  {r.message['en']}"
        if r.hint:
            line += f"  [hint: {r.hint['en']}]"
        terminalreporter.write_line(line)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if hasattr(item, "_grader_reports"):
        item._grader_reports.append(outcome.get_result())
