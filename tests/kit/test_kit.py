"""kit.py explains its set-up failures and stops cleanly (issue 12, item 6).

Every test runs kit.py in a subprocess with its own KIT_VENV in a temp dir. The conditions
are simulated, never needed for real:
- a Python without ensurepip (Debian/Ubuntu without python3-venv): a wrapper hides the
  module (sys.modules["ensurepip"] = None, so importlib finds nothing, as when the package
  is absent), or lets venv build the environment and then fails its pip step exactly as
  CPython's venv does (upstream: the CalledProcessError of `python -m ensurepip ...`;
  Debian: its patched _setup_pip prints "ensurepip is not available" and exits 1);
- an unreachable package index: PIP_INDEX_URL at a closed port on 127.0.0.1, pip's config
  files switched off (PIP_CONFIG_FILE=os.devnull) and no PIP_* of this machine inherited;
- Ctrl-C: SIGINT to kit.py's whole process group (what a terminal sends), or to kit.py alone,
  once `grade --watch` is watching. These use a stand-in environment whose bin/python runs
  the interpreter of this test run (the project is installed there), so no install is needed.
"""
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.kit_env import stand_in_venv

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "kit.py"

WRAPPER = r'''
import runpy, subprocess, sys, sysconfig, venv
from pathlib import Path
mode, seen = sys.argv[1], Path(sys.argv[2])
sys.argv = sys.argv[3:]
if mode == "no-ensurepip":
    sys.modules["ensurepip"] = None     # importlib.util.find_spec("ensurepip") -> None
else:
    def _setup_pip(self, context):
        # venv has made the environment (its python exists) and now bootstraps pip.
        seen.write_text(str(Path(context.env_exec_cmd).exists()))
        cmd = [context.env_exec_cmd, "-m", "ensurepip", "--upgrade", "--default-pip"]
        if mode == "upstream":          # CPython's venv: check_output(cmd) raises
            raise subprocess.CalledProcessError(
                1, cmd, output=(context.env_exec_cmd + ": No module named ensurepip\n").encode())
        # Debian's venv (its _setup_pip when ensurepip/__main__.py is missing)
        print("""\
The virtual environment was not created successfully because ensurepip is not
available.  On Debian/Ubuntu systems, you need to install the python3-venv
package using the following command.

    apt install python{}-venv

You may need to use sudo with that command.  After installing the python3-venv
package, recreate your virtual environment.

Failing command: {}
""".format(sysconfig.get_python_version(), context.env_exec_cmd))
        sys.exit(1)
    venv.EnvBuilder._setup_pip = _setup_pip
runpy.run_path(sys.argv[0], run_name="__main__")
'''


def clean_env(**extra):
    """This machine's environment without any pip setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def kit(*args, venv_dir, env=None, wrapper=None, timeout=120):
    env = dict(env or clean_env(), KIT_VENV=str(venv_dir))
    cmd = [sys.executable, *(wrapper or []), str(KIT), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True,
                          timeout=timeout)


def debian_like():
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return False
    return any(word in text.lower() for word in ("id=debian", "id=ubuntu", "id_like=debian",
                                                   'id_like="debian', "id_like=ubuntu"))


def assert_install_hint(stderr):
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if debian_like():
        assert f"sudo apt install python{version}-venv" in stderr, stderr
        assert "python3-venv" in stderr
    else:
        assert "venv/ensurepip" in stderr, stderr


# --- a Python without ensurepip ----------------------------------------------------------

@pytest.fixture
def wrapper(tmp_path):
    script = tmp_path / "simulate.py"
    script.write_text(WRAPPER)
    return lambda mode: [str(script), mode, str(tmp_path / "seen.txt")]


def test_missing_ensurepip_says_what_to_install_and_creates_nothing(tmp_path, wrapper):
    venv_dir = tmp_path / "venv"
    r = kit("setup", venv_dir=venv_dir, wrapper=wrapper("no-ensurepip"))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "no ensurepip module" in r.stderr
    assert_install_hint(r.stderr)
    assert not venv_dir.exists()


@pytest.mark.parametrize("flavour", ["upstream", "debian"])
def test_failing_ensurepip_removes_the_venv_it_created(tmp_path, wrapper, flavour):
    venv_dir = tmp_path / "venv"
    r = kit("setup", venv_dir=venv_dir, wrapper=wrapper(flavour))
    assert (tmp_path / "seen.txt").read_text() == "True", "venv never got to its pip step"
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert f"the unfinished {venv_dir} was removed" in r.stderr
    assert "ensurepip" in r.stderr
    assert_install_hint(r.stderr)
    assert not venv_dir.exists()
    if flavour == "debian":             # Debian's own explanation stays visible
        assert "ensurepip is not\navailable" in r.stdout
    else:
        assert "No module named ensurepip" in r.stderr


def test_a_directory_that_was_there_is_never_removed(tmp_path, wrapper):
    venv_dir = tmp_path / "venv"
    venv_dir.mkdir()
    (venv_dir / "keep.txt").write_text("mine")
    r = kit("setup", venv_dir=venv_dir, wrapper=wrapper("upstream"))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (venv_dir / "keep.txt").read_text() == "mine"
    assert "was there before kit.py ran, so it was left as it is" in r.stderr


# --- no package index --------------------------------------------------------------------

@pytest.fixture(scope="module")
def pip_venv(tmp_path_factory):
    """A virtual environment with pip (kit.py would make the same one), made once."""
    path = tmp_path_factory.mktemp("kit") / "venv"
    r = subprocess.run([sys.executable, "-m", "venv", str(path)], capture_output=True,
                       text=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"this Python cannot create a venv with pip here: {r.stderr.strip()[-200:]}")
    return path


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]       # closed once the socket is: connections are refused


@pytest.mark.parametrize("retries", ["1", "0"], ids=["pip-warns", "pip-silent-probe"])
def test_unreachable_index_is_named_with_what_to_do(pip_venv, retries):
    """With retries pip warns about the connection; with none it says only "No matching
    distribution", and kit.py finds out by asking the index itself."""
    index = f"http://127.0.0.1:{closed_port()}/simple"
    r = kit("setup", venv_dir=pip_venv, env=clean_env(PIP_INDEX_URL=index, PIP_RETRIES=retries))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "No matching distribution found for setuptools" in r.stderr    # pip's own, visible
    assert f"the package index {index} is unreachable" in r.stderr
    assert "Connection refused" in r.stderr
    for advice in ("network", "proxy", "PIP_INDEX_URL", "PIP_FIND_LINKS"):
        assert advice in r.stderr.rsplit("unreachable", 1)[-1], advice
    assert (pip_venv / "pyvenv.cfg").exists()       # a working venv is kept


def test_no_index_with_an_empty_wheelhouse_is_not_called_unreachable(pip_venv, tmp_path):
    r = kit("setup", venv_dir=pip_venv,
            env=clean_env(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(tmp_path)))
    assert r.returncode == 1
    assert "unreachable" not in r.stderr
    assert "to use no package index" in r.stderr and str(tmp_path) in r.stderr


def test_a_reachable_index_without_the_package_is_not_called_unreachable(pip_venv, tmp_path):
    (tmp_path / "simple").mkdir()
    r = kit("setup", venv_dir=pip_venv,
            env=clean_env(PIP_INDEX_URL=(tmp_path / "simple").as_uri(), PIP_RETRIES="0"))
    assert r.returncode == 1
    assert "No matching distribution found for setuptools" in r.stderr
    assert "unreachable" not in r.stderr
    assert r.stderr.rstrip().endswith("installation failed (see pip's output above)")


# --- grading through kit.py: -k twice, Ctrl-C --------------------------------------------

@pytest.fixture
def ready_venv(tmp_path):
    """A stand-in for an installed .venv (tests.support.kit_env)."""
    return stand_in_venv(ROOT / "pyproject.toml", tmp_path / "venv")


def test_k_twice_selects_both(ready_venv):
    both = kit("grade", "--list", "-k", "m5.relu", "-k", "conv2d.forward", venv_dir=ready_venv)
    one = kit("grade", "--list", "-k", "conv2d.forward", venv_dir=ready_venv)
    assert both.returncode == 0 and one.returncode == 0, both.stderr + one.stderr
    assert "m5.relu" in both.stdout and "m5.conv2d.forward" in both.stdout
    assert "m5.relu" not in one.stdout


def start_watch(venv_dir):
    env = dict(clean_env(), KIT_VENV=str(venv_dir))
    proc = subprocess.Popen([sys.executable, str(KIT), "grade", "--target", "reference",
                             "--module", "5", "-k", "m5.relu", "--watch", "--lang", "en"],
                            cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out, watching = [], threading.Event()

    def read():
        for line in proc.stdout:
            out.append(line)
            if "watching" in line:
                watching.set()
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if not watching.wait(180):
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("grade --watch never started watching:\n" + "".join(out))
    return proc, out, reader


@pytest.mark.parametrize("to", ["group", "kit-alone"])
def test_ctrl_c_on_grade_watch_ends_cleanly_with_130(ready_venv, to):
    """"group": what a terminal does (kit.py and the grader both get SIGINT); "kit-alone":
    kit.py passes it on to the grader."""
    if not hasattr(os, "killpg"):
        pytest.skip("no process groups on this system")
    proc, out, reader = start_watch(ready_venv)
    if to == "group":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGINT)
    try:
        err = proc.stderr.read()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    reader.join(10)
    stdout = "".join(out)
    assert proc.returncode == 130, stdout + err
    assert "Traceback" not in stdout + err
    assert stdout.count("stopped watching") == 1, stdout
    assert stdout.rstrip().endswith("stopped watching")
    assert err.strip() == "", err        # the one line is the grader's; kit.py adds nothing
