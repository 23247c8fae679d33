"""The command line: options, exit codes, the JSON report's schema."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def grader(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, text=True,
                          capture_output=True, timeout=300)


def test_help_explains_options_with_examples():
    r = grader("--help")
    assert r.returncode == 0
    for option in ("--target", "--module", "-k", "--list", "--lang", "--seed", "--json",
                   "--verbose", "--fail-under", "--jobs", "--timeout-scale"):
        assert option in r.stdout
    assert "examples:" in r.stdout and "exit codes:" in r.stdout


def test_version():
    r = grader("--version")
    assert r.returncode == 0 and r.stdout.strip().split()[-1][0].isdigit()


@pytest.mark.parametrize("target,expected", [("/no/such/dir", "does not exist"),
                                             ("README.md", "not a directory"),
                                             ("tests", "not a tree")])
def test_bad_target_is_one_line_and_exit_2(target, expected):
    r = grader("--target", target)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_no_matching_check_is_exit_2():
    r = grader("--target", "reference", "-k", "no-such-check")
    assert r.returncode == 2


def test_list_shows_checks_without_running(tmp_path):
    r = grader("--list", "--module", "5")
    assert r.returncode == 0
    assert "m5.conv2d.backward" in r.stdout and "dx, dW, db" in r.stdout


def test_fail_under_gives_exit_1_below_and_0_at_the_bar():
    assert grader("--target", "exercises", "-k", "conv2d", "--fail-under", "50").returncode == 1
    r = grader("--target", "reference", "-k", "conv2d", "--fail-under", "100")
    assert r.returncode == 0, r.stdout + r.stderr


def test_scorecard_in_chinese_and_seed_shown():
    r = grader("--target", "reference", "-k", "conv2d", "--lang", "zh-TW", "--seed", "42")
    assert r.returncode == 0
    assert "通過" in r.stdout and "隨機種子 42" in r.stdout


def check_schema(report):
    """The schema documented in docs/json-report.md."""
    assert report["schema"] == "cnn-kit-grader-report/1"
    for key, kind in {"grader_version": str, "created": str, "python": str, "target": str,
                      "seed": int, "lang": str, "wall_time": (int, float), "round_trips": int,
                      "modules": list,
                      "total": dict, "checks": list, "isolation": dict}.items():
        assert isinstance(report[key], kind), key
    assert set(report["isolation"]) == {"mechanism", "detail"}
    assert report["isolation"]["mechanism"] in ("bwrap", "unshare", "uid", "none")
    totals = {"points", "max_points", "bonus_points", "bonus_max_points", "percent"}
    assert set(report["total"]) == totals
    for m in report["modules"]:
        assert set(m) == totals | {"module"}
    for c in report["checks"]:
        assert set(c) == {"id", "module", "title", "optional", "status", "points", "max_points",
                          "message", "hint", "doc", "mistake", "duration", "round_trips",
                          "parts"}
        assert c["status"] in ("PASS", "PARTIAL", "FAIL", "TODO", "TIMEOUT", "ERROR", "CRASH",
                               "FORBIDDEN")
        assert 0 <= c["points"] <= c["max_points"]
        assert c["mistake"] is None or isinstance(c["mistake"], str)
        assert isinstance(c["round_trips"], int) and c["round_trips"] >= 0
        for p in c["parts"]:
            assert set(p) == {"name", "status", "points", "max_points", "message"}


def test_json_report_follows_the_schema_and_reproduces_with_the_seed(tmp_path, mutant):
    tree = mutant(("module5/layers.py", "self.db = dout.sum(axis=(0, 2, 3))",
                   "self.db = dout.sum(axis=(0, 2, 3)) * 2"))
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        r = grader("--target", str(tree), "-k", "conv2d", "--seed", "7", "--json", str(out))
        assert r.returncode == 0
    a, b = json.loads(first.read_text()), json.loads(second.read_text())
    check_schema(a)
    backward = next(c for c in a["checks"] if c["id"] == "m5.conv2d.backward")
    assert backward["status"] == "PARTIAL" and backward["points"] == 2
    assert [p["status"] for p in backward["parts"]] == ["PASS", "PASS", "FAIL"]
    assert a["seed"] == 7 and a["total"]["points"] == 4
    # Same seed, same inputs: identical messages (they quote the worst element's values).
    assert [c["message"] for c in a["checks"]] == [c["message"] for c in b["checks"]]


def test_a_failure_outside_the_parts_after_some_passed_is_partial():
    """Points earned by finished parts stay, and the status says so (PARTIAL, not FAIL)."""
    from grader.checks import CheckSpec, Grade, Mismatch, Msg
    spec = CheckSpec(id="m5.demo", module=5, title=Msg("demo", "示範"), points=2,
                     parts={"a": 1.0, "b": 1.0}, optional=False, timeout=1, doc="")
    grade = Grade(spec)

    def body(grade):
        with grade.part("a"):
            pass
        raise Mismatch(Msg("b went wrong", "b 出錯"))

    grade.run(body, (), {"grade": grade})
    result = grade.result()
    assert (result.status, result.points) == ("PARTIAL", 1.0)
    assert [p.status for p in result.parts] == ["PASS", "FAIL"]


def test_a_part_the_check_never_judged_earns_nothing():
    from grader.checks import CheckSpec, Grade, Msg
    spec = CheckSpec(id="m5.demo2", module=5, title=Msg("demo", "示範"), points=2,
                     parts={"a": 1.0, "b": 1.0}, optional=False, timeout=1, doc="")
    grade = Grade(spec)

    def body(grade):
        with grade.part("a"):
            pass                      # "b" is forgotten: it must not pass by default

    grade.run(body, (), {"grade": grade})
    result = grade.result()
    assert result.points == 1.0 and result.status == "PARTIAL"
    assert result.parts[1].status == "ERROR" and "never judged" in result.parts[1].message["en"]


def test_k_is_repeatable_and_selects_the_union():
    both = grader("--list", "--module", "5", "-k", "conv2d", "-k", "m5.relu")
    assert both.returncode == 0, both.stderr
    assert "m5.conv2d.forward" in both.stdout and "m5.relu" in both.stdout
    assert "m5.softmax" not in both.stdout and "-k PATTERN" in grader("--help").stdout
    assert "repeatable" in grader("--help").stdout


def test_select_checks_takes_none_a_string_or_a_list(checks):
    from grader.runner import select_checks
    everything = select_checks(checks, [5])
    assert select_checks(checks, [5], None) == everything == select_checks(checks, [5], [])
    relu = select_checks(checks, [5], "m5.relu")
    conv = select_checks(checks, [5], "conv2d")
    assert [s.id for s in relu] == ["m5.relu"] and conv and "m5.relu" not in [s.id for s in conv]
    union = select_checks(checks, [5], ["conv2d", "m5.relu"])
    assert {s.id for s in union} == {s.id for s in conv + relu}
    assert [s.id for s in union] == [s.id for s in everything if s in union]   # checks' order
    assert select_checks(checks, [6], ["m5.relu"]) == []                      # module filter
    assert [s.id for s in select_checks(checks, None, ["m5.*.backward", "m5.relu"])] == [
        s.id for s in everything if s.id == "m5.relu" or
        (s.id.startswith("m5.") and s.id.endswith(".backward"))]


def test_a_command_missing_from_this_copy_says_so(monkeypatch, capsys):
    """The student release has no audit: `python -m grader audit` there explains itself."""
    from grader import cli
    monkeypatch.setitem(cli.SUBCOMMANDS, "audit", "grader.not_shipped_here:main")
    assert cli.main(["audit"]) == 2
    assert "instructor's command, not in this copy" in capsys.readouterr().err
