#!/usr/bin/env python3
"""One-command set-up and tasks for the CNN-from-scratch kit.

    python3 kit.py grade [ARGS...]   grade exercises/ (creates .venv on first use); ARGS go to
                                     python -m grader (see: python3 kit.py grade --help)
    python3 kit.py test  [ARGS...]   run the project's tests (pytest ARGS)
    python3 kit.py setup [--oracle] [--plots]
                                     create/refresh .venv; --oracle adds PyTorch 2.13.0 for
                                     the oracle tests, --plots adds matplotlib for PNG plots

Only the standard library is used here, so this runs on any Python >= 3.10. The virtual
environment lives in .venv (or $KIT_VENV); it is reinstalled only when pyproject.toml
changes or a new extra is asked for. Ctrl-C ends any task with exit code 130.
"""
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KIT_VENV", ROOT / ".venv"))
STAMP = VENV / "kit-stamp.json"
OS_RELEASE = Path("/etc/os-release")
DEFAULT_INDEX = "https://pypi.org/simple"
INTERRUPTED = 130       # the shell's code for a command ended by Ctrl-C (128 + SIGINT)

# What pip prints when it cannot connect (urllib3's retry warnings and the errors behind them).
NETWORK_MARKERS = ("Retrying (Retry(", "NewConnectionError", "Failed to establish a new connection",
                   "Max retries exceeded", "Temporary failure in name resolution",
                   "Name or service not known", "nodename nor servname", "Network is unreachable",
                   "No route to host", "ConnectTimeoutError", "ReadTimeoutError", "ProxyError",
                   "Connection refused", "Connection reset")
NOT_FOUND_MARKERS = ("No matching distribution found for", "Could not find a version that satisfies")


class KitError(Exception):
    """A set-up problem, with what to do about it; kit.py prints it and exits 1."""


def venv_python():
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def pyproject_hash():
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def read_stamp():
    try:
        return json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}


def ensure_venv(extras):
    """Create .venv and install the project with `extras` unless the stamp says it's there."""
    stamp = read_stamp()
    wanted = set(extras) | set(stamp.get("extras", []))
    if (venv_python().exists() and stamp.get("pyproject") == pyproject_hash()
            and set(extras) <= set(stamp.get("extras", []))):
        return
    if sys.version_info < (3, 10):
        sys.exit(f"kit.py: Python >= 3.10 is needed, this is {sys.version.split()[0]}")
    if not venv_python().exists():
        create_venv()
    spec = "." + (f"[{','.join(sorted(wanted))}]" if wanted else "")
    print(f"kit.py: installing {spec} into {VENV}", flush=True)
    cmd = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check",
           "-q", "-e", spec]
    code, output = run_teed(cmd)
    if code != 0:
        raise KitError(install_failure(output))
    STAMP.write_text(json.dumps({"pyproject": pyproject_hash(), "extras": sorted(wanted)}))


# --- creating the virtual environment ----------------------------------------------------

def python_version():
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def debian_like():
    try:
        fields = dict(line.split("=", 1) for line in OS_RELEASE.read_text().splitlines()
                      if "=" in line)
    except OSError:
        return False
    names = (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).replace('"', "").split()
    return bool({"debian", "ubuntu"} & set(names))


def venv_install_hint():
    """What to install so that this Python can make a virtual environment with pip."""
    if debian_like():
        return (f"install it with:  sudo apt install python{python_version()}-venv  "
                f"(python3-venv does it for the system's default python3), then run kit.py "
                f"again. If {sys.executable} is not the system's Python (pyenv, conda, a build "
                f"of your own), rebuild it with ensurepip or use another Python >= 3.10.")
    return ("install the venv/ensurepip part of this Python (python.org's installers include "
            "it; some Linux distributions package it separately, e.g. python3-venv), or run "
            "kit.py with another Python >= 3.10.")


def create_venv():
    """A new virtual environment with pip at VENV. When that fails, the half-made one is
    removed (never a directory that was there before) and the error says what to install."""
    try:
        import venv
    except ImportError:
        venv = None
    if venv is None or importlib.util.find_spec("ensurepip") is None:
        what = "venv" if venv is None else "ensurepip"
        raise KitError(f"this Python ({sys.executable}, {python_version()}) has no {what} "
                       f"module, so it cannot create {VENV} with pip: {venv_install_hint()}")
    existed = VENV.exists()
    print(f"kit.py: creating {VENV}", flush=True)
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except KeyboardInterrupt:
        discard_unfinished_venv(existed)
        raise
    except (Exception, SystemExit) as exc:
        # SystemExit: Debian's venv prints its own "ensurepip is not available" and exits;
        # CalledProcessError: upstream's venv when `python -m ensurepip` fails in the new
        # environment; OSError: permissions, a full disk.
        detail = ""
        if isinstance(exc, subprocess.CalledProcessError):
            out = exc.output.decode(errors="replace") if isinstance(exc.output, bytes) \
                else (exc.output or "")
            tail = " | ".join(out.strip().splitlines()[-3:])
            detail = f" ({' '.join(map(str, exc.cmd))} failed" + (f": {tail})" if tail else ")")
        elif not isinstance(exc, SystemExit):
            detail = f" ({type(exc).__name__}: {exc})"
        left = discard_unfinished_venv(existed)
        ensurepip = isinstance(exc, (subprocess.CalledProcessError, SystemExit))
        raise KitError(f"could not create the virtual environment {VENV}{detail}; {left}"
                       + (f"\nkit.py: pip could not be set up in it (ensurepip): "
                          f"{venv_install_hint()}" if ensurepip else "")) from None


def discard_unfinished_venv(existed):
    if existed:
        return (f"{VENV} was there before kit.py ran, so it was left as it is: remove it "
                f"yourself (rm -rf {VENV}) if it is a broken virtual environment")
    shutil.rmtree(VENV, ignore_errors=True)
    return f"the unfinished {VENV} was removed"


# --- installing, and explaining pip's failures -------------------------------------------

def run_teed(cmd):
    """Run `cmd`, its output shown as it comes (on stderr) and also returned."""
    lines = []
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        for raw in proc.stdout:
            line = raw.decode(errors="replace")
            lines.append(line)
            sys.stderr.write(line)
            sys.stderr.flush()
        return proc.wait(), "".join(lines)
    except KeyboardInterrupt:
        stop(proc)
        raise


def pip_config():
    """pip's settings as `pip config list` shows them (files and PIP_* variables), as
    (key, value) pairs in increasing precedence."""
    try:
        out = subprocess.run([str(venv_python()), "-m", "pip", "config", "list"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rank = {"global": 0, "user": 1, "site": 2, ":env:": 3}
    pairs = []
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if not sep or "." not in key:
            continue
        variant, name = key.rsplit(".", 1)
        section = variant.split(".")[0] if variant != ":env:" else variant
        pairs.append((rank.get(section, 0), name, value.strip().strip("'\"")))
    return [(name, value) for _, name, value in sorted(pairs, key=lambda p: p[0])]


def probe(url, timeout=5.0):
    """None when `url` answers (any HTTP status counts), else why not."""
    import urllib.error
    import urllib.parse
    import urllib.request
    if url.startswith("file:"):
        path = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
        return None if os.path.exists(path) else f"{path} does not exist"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return str(getattr(exc, "reason", exc))


def connection_error(lines):
    """The socket's own words in pip's connection warnings, e.g. "[Errno 111] Connection
    refused", rather than urllib3's whole repr."""
    import re
    for line in reversed(lines):
        found = re.search(r"\[Errno -?\d+\][^'\")\]]*|Temporary failure in name resolution|"
                          r"Name or service not known|Network is unreachable|"
                          r"(?:ConnectTimeout|ReadTimeout|Proxy|SSL)Error", line)
        if found:
            return found.group(0).strip()
    return "pip could not connect"


def install_failure(output):
    """The message for a failed `pip install`; pip's own output has been shown above it."""
    head = "kit.py: installation failed (see pip's output above)"
    if "No module named pip" in output:
        return (f"{head}: {VENV} has no pip, an unfinished virtual environment (perhaps from an "
                f"earlier failed set-up): remove it (rm -rf {VENV}) and run kit.py again")
    network = [line.strip() for line in output.splitlines()
               if any(m in line for m in NETWORK_MARKERS)]
    not_found = any(m in output for m in NOT_FOUND_MARKERS)
    if not network and not not_found:
        return head
    config = dict(pip_config())
    index = config.get("index-url", DEFAULT_INDEX).split()[0]
    if not network and config.get("no-index", "").lower() in ("1", "true", "yes", "on"):
        return (f"{head}.\nkit.py: pip is told to use no package index (PIP_NO_INDEX / "
                f"no-index), and the wheel directories it was given (find-links: "
                f"{config.get('find-links') or 'none'}) lack what is named above: put those "
                f"wheels there (pip download -d DIR ... on a machine with network).")
    why = connection_error(network) if network else probe(index)
    if why is None:
        return head          # the index answers: pip's "no matching distribution" is real
    if len(why) > 200:
        why = why[:200] + "..."
    return (f"{head}.\nkit.py: the package index {index} is unreachable ({why}), so pip could "
            f"not download what the kit needs; its \"No matching distribution found\" means "
            f"only that.\nkit.py: to fix: connect to the network; or set a proxy (https_proxy="
            f"http://HOST:PORT, or PIP_PROXY); or use a reachable index or mirror "
            f"(PIP_INDEX_URL=URL); or install offline from a wheelhouse (PIP_NO_INDEX=1 "
            f"PIP_FIND_LINKS=DIR, with DIR filled elsewhere by: pip download -d DIR "
            f"'setuptools>=77' -r <the dependencies in pyproject.toml>).")


# --- running a task in the virtual environment -------------------------------------------

def stop(proc):
    """After Ctrl-C: give the child (which got the same SIGINT from the terminal) time to end
    on its own; if it did not get it (a signal to kit.py alone), pass it on; then insist."""
    steps = [(lambda: None, 3.0)]
    if os.name != "nt":
        steps.append((lambda: proc.send_signal(signal.SIGINT), 10.0))
    steps += [(proc.terminate, 5.0), (proc.kill, 5.0)]
    for act, grace in steps:
        if proc.poll() is not None:
            return
        try:
            act()
            proc.wait(timeout=grace)
            return
        except (subprocess.TimeoutExpired, KeyboardInterrupt):  # Ctrl-C again: the next step
            continue
        except OSError:
            return


def run(args):
    # One BLAS thread per process: on small matrices OpenBLAS's thread pool mostly spins, and
    # on a busy 2-core machine it made training ~15x slower. The user's own setting wins.
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")
    proc = subprocess.Popen([str(venv_python()), *args], cwd=ROOT, env=env)
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        stop(proc)
        return INTERRUPTED       # the child has said what it stopped (e.g. "stopped watching")
    if os.name != "nt" and code == -signal.SIGINT:
        return INTERRUPTED
    return code


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    task, rest = argv[0], argv[1:]
    if task == "setup":
        unknown = [a for a in rest if a not in ("--oracle", "--plots")]
        if unknown:
            sys.exit(f"kit.py setup: unknown option {unknown[0]} (see python3 kit.py --help)")
        extras = ["test"] + ["oracle"] * ("--oracle" in rest) + ["plots"] * ("--plots" in rest)
        ensure_venv(extras)
        return 0
    if task == "test":
        ensure_venv(["test"])
        return run(["-m", "pytest", *rest])
    if task == "grade":
        ensure_venv([])
        return run(["-m", "grader", *rest])
    sys.exit(f"kit.py: unknown task {task!r} (see python3 kit.py --help)")


def cli(argv):
    """main() with kit.py's own failures as one message and Ctrl-C as exit code 130."""
    try:
        return main(argv)
    except KitError as exc:
        print(f"kit.py: {exc}" if not str(exc).startswith("kit.py:") else str(exc),
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kit.py: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
