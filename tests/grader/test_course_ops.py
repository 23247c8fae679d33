"""Course operations: JUnit XML, Gradescope results and bundle, --watch, the console script,
GitHub Classroom (batch grading: test_batch.py; the intake of uploads: test_intake.py)."""
import re
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace
from xml.etree import ElementTree as ET

import pytest

from grader import cli
from grader.formats import gradescope_results, junit_xml
from grader.runner import run_checks

ROOT = Path(__file__).resolve().parents[2]
CONV = ["m5.conv2d.forward", "m5.conv2d.backward"]
DB_BUG = ("module5/layers.py", "self.db = dout.sum(axis=(0, 2, 3))",
          "self.db = dout.sum(axis=(0, 2, 3)) * 2")


@pytest.fixture
def partial_run(mutant, checks):
    specs = [checks[i] for i in CONV]
    return specs, run_checks(str(mutant(DB_BUG)), specs, seed=3)


def test_junit_xml_reports_each_check_with_points(partial_run):
    specs, run = partial_run
    root = ET.fromstring(junit_xml(run, "en"))
    suite = root.find("testsuite")
    assert suite.get("name") == "module5" and suite.get("tests") == "2" and suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert [c.find("failure") is None for c in cases] == [True, False]
    failure = cases[1].find("failure")
    assert failure.get("type") == "PARTIAL" and "2/3" in failure.get("message")
    assert "db: FAIL" in failure.text
    props = {p.get("name"): p.get("value") for p in cases[1].find("properties")}
    assert props == {"points": "2.0", "max_points": "3", "optional": "false"}


def test_gradescope_results_format_with_partial_credit(partial_run):
    specs, run = partial_run
    data = gradescope_results(run, "zh-TW")
    assert set(data) == {"score", "execution_time", "output", "stdout_visibility", "tests",
                         "extra_data"}
    assert data["score"] == 4
    forward, backward, seed = data["tests"]                  # the seed is a test of its own
    assert seed["max_score"] == 0 and seed["visibility"] == "hidden"
    assert set(backward) == {"name", "number", "score", "max_score", "status", "output",
                             "visibility", "tags"}
    assert (forward["status"], forward["score"], forward["max_score"]) == ("passed", 2, 2)
    assert (backward["status"], backward["score"], backward["max_score"]) == ("failed", 2.0, 3)
    assert "db" in backward["output"] and "反向傳播" in backward["name"]
    assert backward["number"] == "5.2" and "partial" in backward["tags"]


def test_gradescope_bundle_runs_against_a_fake_autograder_root(tmp_path):
    bundle = tmp_path / "autograder.zip"
    r = subprocess.run([sys.executable, "-m", "grader", "gradescope-bundle", str(bundle),
                        "--module", "5"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "grader/cli.py", "grader/suites/test_m5_conv.py",
                "given/gradcheck.py", "exercises/module5/layers.py"} <= names
        assert not any(n.startswith("reference/") for n in names)
        z.extractall(tmp_path / "autograder" / "source")
    root = tmp_path / "autograder"
    # A submission with only the file the student changed: the reference's layers.py.
    (root / "submission").mkdir()
    shutil.copy(ROOT / "reference" / "module5" / "layers.py", root / "submission" / "layers.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(AUTOGRADER_ROOT=str(root), PYTHON=sys.executable)
    r = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    by_id = {t["name"].split("[")[-1].rstrip("]"): t for t in results["tests"]}
    assert by_id["m5.conv2d.backward"]["status"] == "passed"       # from the submission
    assert by_id["m5.softmax"]["status"] == "failed"                # loss.py fell back: TODO
    assert 0 < results["score"] < sum(t["max_score"] for t in results["tests"])
    assert "graded loose files: module5/layers.py" in results["output"]         # what was chosen


def test_gradescope_run_with_an_unusable_submission_still_writes_results(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "notes.txt").write_text("oops")
    r = subprocess.run([sys.executable, "-m", "grader", "gradescope-run", "--root", str(tmp_path)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0 and "Could not grade" in results["output"]


def test_watch_regrades_only_the_affected_module(tmp_path, checks):
    tree = shutil.copytree(ROOT / "reference", tmp_path / "tree",
                           ignore=shutil.ignore_patterns("__pycache__"))
    assert cli.affected_modules([tree / "module5" / "loss.py"], tree) == {5, 6}
    assert cli.affected_modules([tree / "module6" / "unet.py"], tree) == {6}
    assert cli.affected_modules([tree / "notes.py"], tree) == set()
    specs = [checks[i] for i in CONV]
    graded, first_done = [], threading.Event()
    args = SimpleNamespace(seed=1, jobs=1, timeout_scale=1.0, memory_mb=2048, verbose=False,
                           sandbox="auto", feedback="fix",
                           json=None, junit=None, gradescope=None)
    original = cli.grade

    def spy(args, target, chosen, lang, console):
        graded.append([s.id for s in chosen])
        try:
            return original(args, target, chosen, lang, console)
        finally:
            first_done.set()

    def touch_later():
        first_done.wait(120)
        time.sleep(1.0)             # the watcher takes its snapshot right after grading
        path = tree / "module5" / "layers.py"
        path.write_text(path.read_text() + "\n# saved again\n")

    cli.grade = spy
    try:
        threading.Thread(target=touch_later, daemon=True).start()
        from rich.console import Console
        assert cli.watch(args, tree, specs, "en", Console(file=open(os.devnull, "w")),
                         poll=0.2, max_rounds=2) == 0
    finally:
        cli.grade = original
    assert graded == [CONV, CONV]


def test_watch_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen([sys.executable, "-m", "grader", "--target", "reference", "-k",
                             "conv2d.forward", "--watch", "--lang", "en"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)                   # grade once, then watch
    assert proc.poll() is None, "--watch ended by itself"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "watching" in out and "stopped watching" in out and "Traceback" not in err


def test_console_script_is_installed_beside_python():
    script = Path(sys.executable).parent / "cnn-grader"
    if not script.exists():
        pytest.skip("the project is not installed in this environment (python3 kit.py setup does)")
    r = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "cnn-kit grader" in r.stdout


def test_classroom_workflow_has_a_step_per_required_check(checks, tmp_path):
    from grader.classroom import workflow_yaml
    from grader.runner import select_checks
    specs = select_checks(checks, [5])
    text = workflow_yaml(specs, [5])
    required = [s for s in specs if not s.optional and not s.hidden]   # public checks only
    commands = re.findall(r"command: \.venv/bin/python -m grader -k (\S+) --fail-under 100", text)
    assert commands == [s.id for s in required]
    assert sum(int(m) for m in re.findall(r"max-score: (\d+)", text)) == sum(s.points for s in required)
    runners = re.search(r"runners: (\S+)", text).group(1).split(",")
    assert len(runners) == len(required)
    for runner in runners:
        assert f"{runner.upper()}_RESULTS: \"${{{{ steps.{runner}.outputs.result }}}}\"" in text
    # The command a step runs selects exactly its check and passes on a correct tree.
    report = tmp_path / "one.json"
    r = subprocess.run([sys.executable, "-m", "grader", "-k", required[0].id, "--fail-under",
                        "100", "--target", "reference", "--json", str(report)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [c["id"] for c in json.loads(report.read_text())["checks"]] == [required[0].id]


def test_the_classroom_example_in_docs_is_what_the_command_prints():
    r = subprocess.run([sys.executable, "-m", "grader", "classroom-workflow"], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0
    assert r.stdout == (ROOT / "docs" / "examples" / "classroom.yml").read_text(encoding="utf-8")
