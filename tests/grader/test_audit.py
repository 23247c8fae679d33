"""`python -m grader audit`, piece by piece (grader/audit/): the shipped mutant catalogue is
large enough, covers every learner's file and every check, fits the reference and is the one
the project's mutant tests grade; a survivor, a broken or mismatched mutant and a reference
below 100 % make the audit exit 1 and say so; an API drift of the exercises is reported with
a readable diff. The whole audit runs in .ci/run."""
import json
import re
from pathlib import Path

import pytest

import test_mutants_conv
import test_mutants_layers
import test_mutants_m6_resnet
import test_mutants_m6_unet
import test_mutants_training
from grader import modules
from grader.audit import api, grade_reference, main
from grader.audit.mutants import (BY_NAME, CATALOGUE, LAYERS, Expect, Mutant, apply_edits,
                                  copy_tree, coverage, replace_once, select)
from grader.results import STATUSES

ROOT = Path(__file__).resolve().parents[2]
TEST_FILES = (test_mutants_layers, test_mutants_conv, test_mutants_training,
              test_mutants_m6_resnet, test_mutants_m6_unet)


# -- the catalogue --------------------------------------------------------------------------
def test_the_catalogue_has_at_least_30_mutants_on_every_file_of_both_modules():
    assert len(CATALOGUE) >= 30
    counts = coverage()
    learners = {f"{m.dir}/{name}" for m in modules.MODULES for name in m.files}
    assert set(counts) == learners, "a mutant edits a file that is not a learner's"
    assert all(counts[f] >= 1 for f in learners), counts
    assert {n for m in CATALOGUE for n in m.modules} == set(modules.NUMBERS)


def test_every_check_of_the_suites_has_a_mutant_and_every_entry_is_well_formed(checks):
    assert {c for m in CATALOGUE for c in m.checks} == set(checks)
    for m in CATALOGUE:
        assert re.fullmatch(r"[a-z0-9]+(-[a-zA-Z0-9]+)+", m.name) and len(m.name) <= 40, m.name
        assert m.edits and m.expect, m.name
        assert len(m.checks) == len(set(m.checks)), m.name
        for e in m.expect:
            assert e.status in STATUSES and e.status not in ("PASS", "TODO"), (m.name, e)
            assert e.text.strip() or e.mistake, (m.name, e)


def test_every_edit_fits_the_reference_once():
    for m in CATALOGUE:
        texts = {}
        for rel, old, new, *within in m.edits:
            text = texts.get(rel) or (ROOT / "reference" / rel).read_text(encoding="utf-8")
            texts[rel] = replace_once(text, old, new, *within, where=rel)
            assert texts[rel] != text, (m.name, "the edit changes nothing")


def test_the_mutant_tests_grade_exactly_the_catalogue():
    """One test per (mutant, check) of the catalogue, in exactly one test file: the audit
    and the project's tests hold one copy of each mutant."""
    tested = [(m.name, c) for f in TEST_FILES for m, c in f.MUTANTS]
    assert len(tested) == len(set(tested))
    assert set(tested) == {(m.name, e.check) for m in CATALOGUE for e in m.expect}


def test_selection_by_name_check_file_and_module():
    assert [m.name for m in select(["ce-sum"])] == ["ce-sum"]
    assert {m.name for m in select(["m5.conv2d.vectorised"])} == {"conv-db-mean"}
    assert all("module6/unet.py" in m.files for m in select(["*unet.py"]))
    both = select(["bn-dbeta-mean", "ce-sum"])
    assert [m.name for m in both] == ["ce-sum", "bn-dbeta-mean"]          # catalogue order
    assert [m.name for m in select(["ce-sum"], numbers=[6])] == []
    # A Module 5 edit judged by a Module 6 check belongs to both modules.
    assert BY_NAME["conv-pad-one-side"].modules == [5, 6]


# -- the mutants part --------------------------------------------------------------------------
def test_a_survivor_a_mismatch_and_a_broken_mutant_fail_the_audit(tmp_path, capsys):
    real = BY_NAME["fc-no-bias"]
    harmless = Mutant("fc-harmless-comment",
                      ((LAYERS, "return x @ self.W + self.b", "return x @ self.W + self.b  # ok"),),
                      (Expect("m5.fc.forward", "FAIL", "the bias is missing"),))
    mismatch = Mutant("fc-no-bias-partial", real.edits,
                      (Expect("m5.fc.forward", "PARTIAL", "the bias is missing"),))
    broken = Mutant("fc-gone", ((LAYERS, "no such line", "x"),),
                    (Expect("m5.fc.forward", "FAIL", "the bias is missing"),))
    out = tmp_path / "audit.json"
    code = main(["--only", "mutants", "--json", str(out)],
                catalogue=[real, harmless, mismatch, broken])
    text = capsys.readouterr().out
    assert code == 1, text
    report = json.loads(out.read_text(encoding="utf-8"))
    verdicts = {m["name"]: m["verdict"] for m in report["mutants"]}
    assert verdicts == {"fc-no-bias": "caught", "fc-harmless-comment": "SURVIVED",
                        "fc-no-bias-partial": "MISMATCH", "fc-gone": "BROKEN"}
    assert {k: report["score"][k] for k in ("caught", "total", "percent")} == \
        {"caught": 1, "total": 4, "percent": 25.0}
    assert report["score"]["named"] == {"misconception": 1, "hint": 0, "message": 0}
    assert report["passed"] is False
    by = {m["name"]: m for m in report["mutants"]}
    assert by["fc-no-bias"]["caught_by"] == ["m5.fc.forward"]
    assert by["fc-harmless-comment"]["caught_by"] == []
    assert by["fc-harmless-comment"]["checks"][0]["status"] == "PASS"
    assert "Mutation score: 1/4 caught (25.0 %)" in text
    assert re.search(r"fc-harmless-comment: SURVIVED\s+m5\.fc\.forward: lost no points", text)
    assert "status FAIL, the catalogue expects PARTIAL" in text
    assert "the edit no longer fits the reference" in text and "'no such line'" in text
    assert "audit FAILED" in text


def test_the_caught_mutants_pass_the_audit(capsys):
    assert main(["--only", "mutants", "-k", "fc-no-bias", "-k", "softmax-batch-axis"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"fc-no-bias\s+layers\.py\s+m5\.fc\.forward FAIL\s+caught", text), text
    assert "Mutation score: 2/2 caught (100.0 %)" in text and "audit passed" in text
    assert re.search(r"the bug named: 2 diagnosed as a known misconception, 0 by the hint's "
                     r"words, 0 only by the message; 2 of the catalogue's \d+ misconceptions",
                     text), text


def test_a_diagnosis_must_be_the_one_the_catalogue_declares(capsys):
    """A mutant of a known mistake diagnosed as another, or one whose bug is diagnosed
    though the catalogue does not say so, is a MISMATCH: no hint names an undeclared
    mistake unnoticed."""
    edits = BY_NAME["ce-sum"].edits
    other = Mutant("ce-sum-as-no-onehot", edits,
                   (Expect("m5.cross_entropy", "PARTIAL", mistake="ce_no_onehot"),))
    undeclared = Mutant("ce-sum-undeclared", edits, (Expect("m5.cross_entropy", "PARTIAL", "loss"),))
    assert main(["--only", "mutants"], catalogue=[BY_NAME["ce-sum"], other, undeclared]) == 1
    text = capsys.readouterr().out
    assert "diagnosed ce_loss_times_n, the catalogue expects ce_no_onehot" in text, text
    assert "named the mistake ce_loss_times_n, which this mutant is not" in text, text
    assert "Mutation score: 1/3 caught" in text


# -- the reference part ------------------------------------------------------------------------
def test_a_reference_below_100_percent_fails(tmp_path, checks, mutant):
    specs = [checks["m5.fc.forward"], checks["m5.relu"]]
    options = {"timeout_scale": 1.0, "memory_mb": 2048, "sandbox_mode": "auto"}
    good = grade_reference(ROOT / "reference", specs, 0, options)
    assert good.ok and good.total["percent"] == 100.0, good
    bad = grade_reference(mutant(*BY_NAME["fc-no-bias"].edits), specs, 0, options)
    assert not bad.ok and [r.id for r in bad.failures] == ["m5.fc.forward"]
    assert bad.to_dict()["failures"][0]["status"] == "FAIL"


def test_the_command_fails_on_a_reference_below_100_percent(mutant, capsys):
    tree = mutant(*BY_NAME["bn-no-affine"].edits)
    assert main(["--only", "reference", "--module", "6", "--reference", str(tree)]) == 1
    text = capsys.readouterr().out
    assert re.search(r"seed 0: required [\d.]+/[\d.]+ \([\d.]+ %\).*FAILED", text), text
    assert re.search(r"seed 1: .*FAILED", text), text
    assert "m6.batchnorm.forward: PARTIAL" in text and "the output is x̂ itself" in text


# -- the API part ------------------------------------------------------------------------------
def drifted_exercises(tmp_path):
    """A copy of exercises/ with a renamed method, a changed signature and changed given code."""
    return apply_edits(copy_tree(ROOT / "exercises", tmp_path / "exercises"), [
        ("module5/layers.py", "def backward(self, dout):", "def backwards(self, dout):",
         "Conv2D.backward"),
        ("module6/unet.py", 'def __init__(self, in_channels=1, n_classes=2, upsample="nearest"):',
         'def __init__(self, in_channels=1, n_classes=3, upsample="nearest"):'),
        ("module6/batchnorm.py", "self.momentum = momentum", "self.momentum = 0.1"),
    ])


def test_an_api_drift_is_reported_with_a_readable_diff(tmp_path, capsys):
    tree = drifted_exercises(tmp_path)
    comparison = api.compare_trees(tree, ROOT / "reference")
    found = {(d.file, d.kind, d.name): d.diff for d in comparison.differences}
    assert list(found) == [("module5/layers.py", "api", ""),
                           ("module6/batchnorm.py", "given code", "BatchNorm2D.__init__"),
                           ("module6/unet.py", "api", "")]
    layers = found[("module5/layers.py", "api", "")]
    assert layers.startswith("--- reference/module5/layers.py\n+++ exercises/module5/layers.py\n")
    # Each changed line of the API names its line in the file; the class is the context.
    assert re.search(r"^-    def backward\(self, dout\)  # line \d+$", layers, re.M), layers
    assert re.search(r"^\+    def backwards\(self, dout\)  # line \d+$", layers, re.M), layers
    assert re.search(r"^ class Conv2D\(Layer\):$", layers, re.M), layers
    unet = found[("module6/unet.py", "api", "")]
    assert re.search(r"^-    def __init__\(self, in_channels=1, n_classes=2, upsample='nearest'\)"
                     r"  # line \d+$", unet, re.M), unet
    assert re.search(r"^\+    def __init__\(self, in_channels=1, n_classes=3, upsample='nearest'\)"
                     r"  # line \d+$", unet, re.M), unet
    # Given code: the function's code, docstrings aside, headed by where it starts.
    given = found[("module6/batchnorm.py", "given code", "BatchNorm2D.__init__")]
    assert re.match(r"--- reference/module6/batchnorm\.py:\d+ BatchNorm2D\.__init__\n", given)
    assert "\n-    self.momentum = momentum\n+    self.momentum = 0.1\n" in given, given
    assert '"""' not in given

    out = tmp_path / "audit.json"
    assert main(["--only", "api", "--exercises", str(tree), "--json", str(out)]) == 1
    text = capsys.readouterr().out
    printed = [line.strip() for line in text.splitlines()]
    for diff in found.values():
        assert all(line.strip() in printed for line in diff.splitlines()), (diff, text)
    assert "module6/batchnorm.py: given code of BatchNorm2D.__init__" in text
    assert "audit FAILED" in text
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["api"]["ok"] is False
    assert [d["diff"] for d in report["api"]["differences"]] == list(found.values())


def test_the_exercises_have_the_references_api(capsys):
    assert main(["--only", "api"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"10 files, \d+ given functions compared\s+ok", text), text


def test_a_missing_file_and_a_syntax_error_are_differences(tmp_path):
    tree = copy_tree(ROOT / "exercises", tmp_path / "exercises")
    (tree / "module5" / "optim.py").unlink()
    (tree / "module6" / "upsample.py").write_text("def broken(:\n", encoding="utf-8")
    found = {(d.file, d.kind): d.diff for d in api.compare_trees(tree, ROOT / "reference")
             .differences}
    assert found[("module5/optim.py", "missing file")].endswith("module5/optim.py does not exist")
    assert found[("module6/upsample.py", "syntax error")].startswith("exercises/module6/upsample.py:1")


# -- the command line --------------------------------------------------------------------------
def test_help_answers_what_runs_where_and_the_exit_codes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for words in ("--jobs", "--seed", "--module", "-k PATTERN", "--json", "--only", "--list",
                  "sandbox", "bubblewrap", "S+1", "exit codes", "grader/audit/catalogue/"):
        assert words in text, words


def test_list_and_a_pattern_that_matches_nothing(capsys):
    assert main(["--list", "-k", "bn-"]) == 0
    text = capsys.readouterr().out
    assert "bn-eps-outside-sqrt" in text and "the known mistake bn_eps_outside_sqrt" in text
    assert "fc-no-bias" not in text
    assert main(["--only", "mutants", "-k", "no-such-mutant"]) == 2
    assert "no mutant matches" in capsys.readouterr().err
