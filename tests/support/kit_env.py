"""A stand-in for the .venv that `python3 kit.py setup` makes, so that tests can run kit.py's
tasks without installing anything."""
import hashlib
import json
import os
import sys

import pytest


def stand_in_venv(pyproject, where):
    """Make `where` look like an installed kit environment for `pyproject`: bin/python runs
    this test run's interpreter (which has numpy, rich and pytest), and the stamp says that
    pyproject.toml, with the test extra, is installed. POSIX only (a shell script)."""
    if os.name == "nt":
        pytest.skip("the stand-in venv is a POSIX shell script")
    (where / "bin").mkdir(parents=True)
    python = where / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    digest = hashlib.sha256(pyproject.read_bytes()).hexdigest()
    (where / "kit-stamp.json").write_text(json.dumps({"pyproject": digest, "extras": ["test"]}))
    return where
