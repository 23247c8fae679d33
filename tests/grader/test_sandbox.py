"""What a worker can and cannot do, per isolation mechanism (grader/sandbox.py).

Each test runs code inside a real worker through the proxy: a tiny tree whose module
`module5/probe.py` executes the code it is given and returns `result`. A mechanism this
machine lacks is skipped with the reason.
"""
import os
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from grader import sandbox
from grader.errors import ForbiddenCode, StudentError
from grader.proxy import Student

ROOT = Path(__file__).resolve().parents[2]
PROBE = '''
def run(code):
    scope = {}
    exec(code, scope)
    return scope.get("result")
'''
#: Mechanisms that hide the host's file system and run in their own PID and network namespaces.
NAMESPACED = ("bwrap", "unshare")


def available(mechanism):
    old = os.environ.get("GRADER_SANDBOX")
    os.environ["GRADER_SANDBOX"] = mechanism
    try:
        return sandbox._probe(mechanism) is not None
    finally:
        if old is None:
            del os.environ["GRADER_SANDBOX"]
        else:
            os.environ["GRADER_SANDBOX"] = old


@pytest.fixture(params=sandbox.MECHANISMS)
def mechanism(request, monkeypatch):
    if sys.platform != "linux" and request.param != "none":
        pytest.skip("Linux only")
    if not available(request.param):
        pytest.skip(f"the {request.param} mechanism does not work on this machine")
    if request.param == "uid" and not sandbox.stdlib_shared() and "probe" in request.fixturenames:
        pytest.skip("the interpreter's standard library is private here (a pyenv under /root): "
                    "uid workers import only what the worker preloads; "
                    "test_every_mechanism_grades_the_reference covers uid")
    monkeypatch.setenv("GRADER_SANDBOX", request.param)
    sandbox._DETECTED.clear()
    return request.param


@pytest.fixture
def probe(tmp_path, mechanism):
    tree = tmp_path / "tree"
    (tree / "module5").mkdir(parents=True)
    (tree / "module5" / "probe.py").write_text(PROBE)
    student = Student(str(tree), deadline=time.monotonic() + 60)

    def run(code):
        return student.module("module5.probe").run(textwrap.dedent(code))
    run.student = student
    yield run
    student.close()


def test_the_worker_keeps_only_its_channel_and_a_scrubbed_environment(probe, mechanism):
    fds = probe("import os\nresult = sorted(int(f) for f in os.listdir('/proc/self/fd'))")
    assert len(fds) <= 5 and fds[:3] == [0, 1, 2], fds     # + the channel + listdir's own
    env = probe("import os\nresult = dict(os.environ)")
    assert not {"GRADER_EVENTS_FD", "PYTHONPATH", "VIRTUAL_ENV"} & set(env), env
    assert set(env) <= {"PATH", "LANG", "LC_ALL", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED",
                        "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "HOME",
                        "TMPDIR", "PWD"}, env


def test_limits_are_set_before_student_code(probe, mechanism):
    limits = probe("""
        import resource
        result = {n: resource.getrlimit(getattr(resource, n))[0]
                  for n in ("RLIMIT_AS", "RLIMIT_NOFILE", "RLIMIT_FSIZE", "RLIMIT_CORE", "RLIMIT_NPROC")}
    """)
    assert limits["RLIMIT_AS"] == 2048 * 1024 * 1024
    assert limits["RLIMIT_NOFILE"] == 256 and limits["RLIMIT_CORE"] == 0
    assert limits["RLIMIT_FSIZE"] == 64 * 1024 * 1024 and limits["RLIMIT_NPROC"] == 64


def test_the_trusted_side_is_out_of_sight_and_out_of_reach(probe, mechanism):
    me = os.getpid()
    seen = probe(f"""
        import os, signal
        result = {{"visible": os.path.exists("/proc/{me}/cmdline")}}
        try:
            os.kill({me}, 0)
            result["signal"] = "sent"
        except OSError as exc:
            result["signal"] = type(exc).__name__
    """)
    if mechanism == "none":
        assert seen == {"visible": True, "signal": "sent"}      # what "none" means
        return
    assert seen["signal"] in ("ProcessLookupError", "PermissionError"), seen
    if mechanism in NAMESPACED:
        assert not seen["visible"], seen


def test_the_file_system_is_read_only_outside_a_private_tmp(probe, mechanism, tmp_path):
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("untouched")
    os.chmod(tmp_path, 0o755)
    outside = tmp_path / "new.txt"          # a path the worker must not be able to create
    if mechanism == "none":
        pytest.skip("none writes wherever the user can (documented)")
    got = probe(f"""
        import os, tempfile
        result = {{}}
        for path in ({str(sentinel)!r}, {str(outside)!r}, {str(ROOT / "new.txt")!r}):
            try:
                with open(path, "a") as f:
                    f.write("changed")
                result[path] = "written"
            except OSError as exc:
                result[path] = type(exc).__name__
        with tempfile.NamedTemporaryFile("w", delete=True) as f:
            f.write("scratch")
            result["tmp"] = "ok"
    """)
    assert got["tmp"] == "ok"
    assert sentinel.read_text() == "untouched" and not outside.exists()
    assert not (ROOT / "new.txt").exists()
    assert all(v != "written" for k, v in got.items() if k != "tmp"), got


def test_suites_reference_and_tests_are_not_there(probe, mechanism):
    paths = [ROOT / "grader" / "suites" / "oracles.py", ROOT / "reference" / "module5" / "layers.py",
             ROOT / "tests" / "grader" / "conftest.py"]
    code = f"""
        result = {{}}
        for path in {[str(p) for p in paths]!r}:
            try:
                with open(path) as f:
                    result[path] = len(f.read())
            except OSError as exc:
                result[path] = type(exc).__name__
    """
    try:
        got = probe(code)
    except ForbiddenCode as exc:
        # The guard names the attempt (every mechanism); with no namespaces it is what stops it.
        assert any("reference" in what or "suites" in what or "tests" in what
                   for what, _ in exc.items), exc.items
        return
    assert all(isinstance(v, str) for v in got.values()), got


def test_no_network(probe, mechanism):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        got = probe(f"""
            import socket
            s = socket.socket()
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", {port}))
                result = "connected"
            except OSError as exc:
                result = type(exc).__name__
        """)
    finally:
        server.close()
    if mechanism in NAMESPACED:
        assert got != "connected", got
    else:
        assert got in ("connected", "ConnectionRefusedError")   # documented: no net namespace


def _alive(token):
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if token.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def test_nothing_the_check_started_survives_it(probe, mechanism):
    if mechanism == "none":
        pytest.skip("none kills only the worker's process group (documented)")
    token = f"daemon-{uuid.uuid4().hex}"
    probe(f"""
        import os, subprocess, sys
        for _ in range(3):
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", {token!r}],
                             start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        result = True
    """)
    assert _alive(token), "the daemons did not start: the test proves nothing"
    probe.student.close()
    deadline = time.monotonic() + 5
    while _alive(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(token)


def test_a_fork_bomb_meets_the_process_cap(probe, mechanism):
    if mechanism == "none" or (mechanism == "unshare" and os.geteuid() == 0):
        pytest.skip("no process cap for this mechanism here (uid 0 is exempt)")
    got = probe("""
        import os, time
        children = []
        try:
            for _ in range(200):
                pid = os.fork()
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
            result = len(children)
        except OSError as exc:
            result = (len(children), type(exc).__name__)
    """)
    assert isinstance(got, tuple) and got[0] < 64 and got[1] == "BlockingIOError", got


def test_a_required_sandbox_is_refused_without_one(monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", "none")
    sandbox._DETECTED.clear()
    with pytest.raises(sandbox.SandboxUnavailable, match="bubblewrap"):
        sandbox.detect("require")
    assert sandbox.detect("auto").mechanism == "none"


def test_untrusted_and_batch_fail_closed_in_one_line(tmp_path):
    env = dict(os.environ, GRADER_SANDBOX="none")
    graded = subprocess.run([sys.executable, "-m", "grader", "--target", "reference",
                             "--untrusted", "-k", "m5.relu"], capture_output=True, text=True,
                            cwd=ROOT, env=env, timeout=120)
    assert graded.returncode == 2 and "install bubblewrap" in graded.stderr, graded
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    batch = subprocess.run([sys.executable, "-m", "grader", "batch", str(tmp_path / "subs"),
                            "--out", str(tmp_path / "g.csv")], capture_output=True, text=True,
                           cwd=ROOT, env=env, timeout=120)
    assert batch.returncode == 2 and "install bubblewrap" in batch.stderr, batch
    assert not (tmp_path / "g.csv").exists()
    ok = subprocess.run([sys.executable, "-m", "grader", "--target", "reference", "--no-sandbox",
                         "--untrusted", "-k", "m5.relu"], capture_output=True, text=True,
                        cwd=ROOT, env=env, timeout=120)
    assert ok.returncode == 2 and "not allowed with argument" in ok.stderr   # one or the other
    local = subprocess.run([sys.executable, "-m", "grader", "--target", "reference",
                            "--no-sandbox", "-k", "m5.relu", "--lang", "en"],
                           capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert local.returncode == 0 and "isolation: none" in local.stdout
    assert "no sandbox" in local.stdout


def test_student_errors_still_carry_their_line(probe, mechanism):
    with pytest.raises(StudentError) as info:
        probe("raise ValueError('shapes \\x1b[31mdo not\\x1b[0m line up')")
    assert info.value.type_name == "ValueError"
    assert "\x1b" not in info.value.message and "do not" in info.value.message


def test_every_mechanism_grades_the_reference(mechanism, grade_tree):
    results = grade_tree(ROOT / "reference", ["m5.conv2d.forward", "m5.conv2d.backward",
                                               "m5.network.gradcheck", "m6.batchnorm.forward"])
    assert {i: r.status for i, r in results.items()} == dict.fromkeys(results, "PASS")


def test_gradescope_fails_closed_and_its_setup_installs_the_sandbox(tmp_path, monkeypatch):
    import json
    import zipfile
    from grader import gradescope
    monkeypatch.setenv("GRADER_SANDBOX", "none")
    sandbox._DETECTED.clear()
    root = tmp_path / "autograder"
    (root / "submission" / "module5").mkdir(parents=True)
    (root / "submission" / "module5" / "layers.py").write_text(
        (ROOT / "reference" / "module5" / "layers.py").read_text())
    out = gradescope.run_on_gradescope(root, numbers=[5])
    results = json.loads(out.read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "install bubblewrap" in results["output"]
    bundle = gradescope.build_bundle(tmp_path / "autograder.zip", [5])
    with zipfile.ZipFile(bundle) as z:
        setup = z.read("setup.sh").decode()
    assert "apt-get install -y bubblewrap" in setup
    assert "chmod -R go-rwx grader/suites" in setup
