"""Gradescope as a course uses it: results per check with their visibility, numbered per
module, feedback in either language at either level of detail, the seed out of students'
sight, and an autograder zip built from the committed tree with a set-up that installs into
a virtual environment under the autograder root."""
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from grader import gradescope
from grader.formats import gradescope_results
from grader.release import ReleaseError
from grader.results import CheckResult, PartResult
from grader.runner import Run, load_checks
from grader.suites import hints

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def checks():
    return load_checks()


def fake_run(checks, ids, **overrides):
    """A Run with hand-made results (no grading): formats are tested on known data."""
    results = {}
    for i in ids:
        spec = checks[i]
        results[i] = overrides.get(i) or CheckResult(spec=spec, status="PASS", points=spec.points)
    return Run(target="t", seed=123456789, results=results, wall_time=1.5,
               isolation={"mechanism": "bwrap", "detail": ""})


def test_tests_are_numbered_per_module_and_hidden_checks_have_their_visibility(checks):
    ids = ["m5.relu", "m5.layers.params_live", "m5.softmax", "m6.batchnorm.forward",
           "m6.convtranspose.adjoint"]
    assert checks["m5.layers.params_live"].hidden and not checks["m5.relu"].hidden
    data = gradescope_results(fake_run(checks, ids), "en", public="after_due_date",
                              hidden="hidden", seed="after_published")
    tests = {t["name"].split("[")[-1].rstrip("]"): t for t in data["tests"] if "[" in t["name"]}
    assert [tests[i]["number"] for i in ids] == ["5.1", "5.2", "5.3", "6.1", "6.2"]
    assert {i: tests[i]["visibility"] for i in ids} == {
        "m5.relu": "after_due_date", "m5.layers.params_live": "hidden",
        "m5.softmax": "after_due_date", "m6.batchnorm.forward": "after_due_date",
        "m6.convtranspose.adjoint": "hidden"}


def test_the_seed_is_a_test_of_its_own_with_its_visibility(checks):
    data = gradescope_results(fake_run(checks, ["m5.relu"]), "zh-TW")
    seed = [t for t in data["tests"] if "123456789" in t["name"]]
    assert len(seed) == 1 and seed[0]["visibility"] == "hidden" and seed[0]["max_score"] == 0
    assert "123456789" not in data["output"] and data["extra_data"]["seed"] == 123456789
    others = [t for t in data["tests"] if t is not seed[0]]
    assert not any("123456789" in t["output"] for t in others)
    assert "必做" in data["output"]                     # the summary in the chosen language


def test_feedback_levels_name_the_mistake_without_the_fix(checks):
    spec = checks["m5.cross_entropy"]
    hint = hints.table("m5_loss")("ce_loss_times_n")
    result = CheckResult(spec=spec, status="PARTIAL", points=2.0, hint=hint,
                         concept=hint.concept,
                         message={"en": "loss: loss (N=4, C=3) is wrong", "zh-TW": "loss 不對"},
                         parts=[PartResult("loss", "FAIL", 0.0, 1.0)])
    run = fake_run(checks, [spec.id], **{spec.id: result})
    fix = gradescope_results(run, "en", feedback="fix")["tests"][0]["output"]
    concept = gradescope_results(run, "en", feedback="concept")["tests"][0]["output"]
    assert "−1/N Σ" in fix and "−1/N Σ" not in concept
    assert "the course's convention is the mean" in concept
    assert "loss (N=4, C=3) is wrong" in concept          # what is wrong: at every level
    zh = gradescope_results(run, "zh-TW", feedback="concept")["tests"][0]["output"]
    assert "課程的慣例是平均" in zh
    # A hint without concept text: the concept level names the topic and its section.
    plain = CheckResult(spec=spec, status="FAIL", points=0.0,
                        hint={"en": "use np.log(p) with p = ...", "zh-TW": "用 np.log(p)"})
    advice = plain.advice("concept")
    assert "np.log" not in advice["en"] and spec.doc in advice["en"]
    assert spec.title["zh-TW"] in advice["zh-TW"]


@pytest.fixture
def clone(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a checkout")
    repo = tmp_path / "kit"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(repo)], check=True)
    return repo


def test_the_bundle_is_the_committed_tree(clone, tmp_path):
    layers = clone / "exercises" / "module5" / "layers.py"
    layers.write_text(layers.read_text(encoding="utf-8") + "\nINSTRUCTOR_WAS_HERE = 1\n",
                      encoding="utf-8")
    with pytest.raises(ReleaseError, match="uncommitted changes in exercises"):
        gradescope.build_bundle(tmp_path / "a.zip", repo=clone)
    out = gradescope.build_bundle(tmp_path / "b.zip", [5], ["--lang", "zh-TW"], repo=clone,
                                  allow_dirty=True)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert "INSTRUCTOR_WAS_HERE" not in z.read("exercises/module5/layers.py").decode()
        run = z.read("run_autograder").decode()
        setup = z.read("setup.sh").decode()
    assert not any(n.startswith(("reference/", "tests/", "benchmarks/")) for n in names)
    assert "grader/suites/test_m5_protocol.py" in names          # hidden checks: they run here
    assert "--module 5 --lang zh-TW" in run
    # The set-up installs into a virtual environment under the autograder root, editable
    # (no copy of the suites in site-packages, which student code can read).
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in setup and 'cd "$ROOT/source"' in setup
    assert 'python3 -m venv "$ROOT/venv"' in setup
    assert '"$ROOT/venv/bin/python" -m pip install -e .' in setup
    assert "python3 -m pip install ." not in setup
    assert '$ROOT/venv/bin/python' in run


def test_the_command_line_feedback_level_reaches_the_report(tmp_path):
    """A loss summed over the batch, graded at each level: the JSON's hint is the fix or the
    concept, as asked."""
    import json
    import sys
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "reference", tree, ignore=shutil.ignore_patterns("__pycache__"))
    loss = tree / "module5" / "loss.py"
    text = loss.read_text(encoding="utf-8")
    assert text.count("loss = -log_p[rows, y].mean()") == 1
    loss.write_text(text.replace("loss = -log_p[rows, y].mean()", "loss = -log_p[rows, y].sum()"),
                    encoding="utf-8")
    hints_seen = {}
    for level in ("fix", "concept"):
        out = tmp_path / f"{level}.json"
        subprocess.run([sys.executable, "-m", "grader", "--target", str(tree), "--module", "5",
                        "-k", "m5.cross_entropy", "--feedback", level, "--lang", "en", "--json",
                        str(out)], cwd=ROOT, capture_output=True, timeout=120)
        hints_seen[level] = json.loads(out.read_text())["checks"][0]["hint"]
    assert "−1/N Σ" in hints_seen["fix"]
    assert "convention is the mean" in hints_seen["concept"] and "−1/N" not in hints_seen["concept"]
