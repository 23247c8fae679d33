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
changes or a new extra is asked for.
"""
import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("KIT_VENV", ROOT / ".venv"))
STAMP = VENV / "kit-stamp.json"


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
        print(f"kit.py: creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = "." + (f"[{','.join(sorted(wanted))}]" if wanted else "")
    print(f"kit.py: installing {spec} into {VENV}", flush=True)
    cmd = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check",
           "-q", "-e", spec]
    if subprocess.call(cmd, cwd=ROOT) != 0:
        sys.exit("kit.py: installation failed (see pip's output above)")
    STAMP.write_text(json.dumps({"pyproject": pyproject_hash(), "extras": sorted(wanted)}))


def run(args):
    # One BLAS thread per process: on small matrices OpenBLAS's thread pool mostly spins, and
    # on a busy 2-core machine it made training ~15x slower. The user's own setting wins.
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
        env.setdefault(var, "1")
    return subprocess.call([str(venv_python()), *args], cwd=ROOT, env=env)


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
