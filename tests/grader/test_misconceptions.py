"""The misconception catalogue (grader/misconceptions.py, grader/suites/mistakes/): how a
wrong answer is matched against the known mistakes, and that the catalogue is whole — every
mistake has its texts at both levels, a section that exists, a check that asks for it and a
mutant in the shipped catalogue that must be diagnosed as exactly that mistake."""
import ast
import functools
import re
from pathlib import Path

import numpy as np
import pytest

from grader import misconceptions
from grader.audit.mutants import CATALOGUE
from grader.checks import CheckSpec, Grade
from grader.i18n import Msg
from grader.results import CheckResult
from grader.suites import hints

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "grader" / "suites"
#: The catalogue's size the feedback issue asks for (issue 13): at least 50 misconceptions.
AT_LEAST = 50

ALL = misconceptions.load_all()


@functools.lru_cache(maxsize=None)
def check_ids():
    from grader.runner import load_checks
    return frozenset(load_checks())


# -- the mechanism, on a catalogue of its own ---------------------------------------------
@pytest.fixture
def toy(monkeypatch):
    """A throwaway registry with two variants of ("toy.check", "out")."""
    monkeypatch.setattr(misconceptions, "REGISTRY", {})
    monkeypatch.setattr(misconceptions, "BY_KEY", {})
    calls = []

    def doubled(x):
        calls.append("doubled")
        return 2 * x

    def flipped(x, k):
        calls.append("flipped")
        return None if k == 0 else x[::-1]

    for fn in (doubled, flipped):
        fn.__module__ = "grader.suites.mistakes.toy"
        misconceptions.mistake("toy.check", "out", doc="docs/module5.md#relu-and-sigmoid")(fn)
    table = hints.Table("toy", {
        "doubled": {"fix": ("twice: halve it", "兩倍：除以 2"),
                    "concept": ("twice the value", "兩倍的值")},
        "flipped": {"fix": ("reversed: index forwards", "反了：正向索引"),
                    "concept": ("the order is reversed", "順序反了")}})
    monkeypatch.setattr(misconceptions, "_table", lambda suite: table)
    return calls


def test_a_wrong_answer_that_a_variant_computes_is_named(toy):
    x = np.array([1.0, 2.0, 3.0])
    hint = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1}).match(2 * x, x)
    assert hint["en"] == "twice: halve it" and hint["zh-TW"] == "兩倍：除以 2"
    assert hint.mistake == "doubled" and hint.doc == "docs/module5.md#relu-and-sigmoid"
    assert hint.concept["en"] == "twice the value"
    hint = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1}).match(x[::-1], x)
    assert hint.mistake == "flipped"


def test_no_variant_no_name(toy):
    """Noise, a nearly-right answer, another mistake: nothing is named."""
    x = np.array([1.0, 2.0, 3.0])
    diagnosis = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1})
    rng = np.random.default_rng(0)
    for got in (x + rng.normal(size=3), 2 * x + 1e-3, 3 * x, -x, np.zeros(3)):
        assert diagnosis.match(got, x) is None, got


def test_a_variant_that_changes_nothing_or_does_not_apply_is_skipped(toy):
    """A palindrome reversed is itself: that variant cannot explain an error, so an answer
    equal to it (which is the right one, doubled or not) is never called "reversed"; k=0
    makes `flipped` inapplicable."""
    x = np.array([1.0, 2.0, 1.0])
    assert misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1}).match(x, x) is None
    got = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 0}).match(2 * x, x)
    assert got.mistake == "doubled"


def test_variants_get_copies_and_run_only_when_asked(toy):
    x = np.array([1.0, 2.0, 3.0])
    diagnosis = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1})
    assert toy == []                      # nothing computed before a wrong answer needs it
    diagnosis.match(x[::-1], x)
    assert toy == ["doubled", "flipped"]

    def in_place(x):
        x *= 0
        return x
    in_place.__module__ = "grader.suites.mistakes.toy"
    misconceptions.mistake("toy.check", "other", doc="docs/module5.md#relu-and-sigmoid")(in_place)
    misconceptions.Diagnosis("toy.check", "other", {"x": x}).match(x, x)
    assert x.tolist() == [1.0, 2.0, 3.0]


def test_a_grader_bug_is_loud(toy):
    with pytest.raises(KeyError, match="no misconception is registered"):
        misconceptions.Diagnosis("toy.check", "nothing", {})
    with pytest.raises(TypeError, match="reads"):
        misconceptions.Diagnosis("toy.check", "out", {"x": np.ones(2)}).match(np.zeros(2),
                                                                            np.ones(2))
    with pytest.raises(ValueError, match="two misconceptions"):
        def doubled(x):
            return x
        doubled.__module__ = "grader.suites.mistakes.toy"
        misconceptions.mistake("toy.check", "out", doc="docs/module5.md#relu-and-sigmoid")(doubled)
    with pytest.raises(ValueError, match="doc"):
        def elsewhere(x):
            return x
        misconceptions.mistake("toy.check", "out", doc="https://example.com")(elsewhere)


def test_expect_close_names_the_mistake_before_any_pattern(toy):
    from grader.checks import Mismatch
    from grader.expect import expect_array, expect_close
    x = np.array([1.0, 2.0, 3.0])
    diagnosis = misconceptions.Diagnosis("toy.check", "out", {"x": x, "k": 1})
    with pytest.raises(Mismatch) as exc:
        expect_close(2 * x, x, "out", mistakes=diagnosis)
    assert exc.value.hint.mistake == "doubled"     # not the generic "2 times too large"
    with pytest.raises(Mismatch) as exc:
        expect_close(3 * x, x, "out", mistakes=diagnosis)
    assert not hasattr(exc.value.hint, "mistake") and "3 times too large" in exc.value.hint["en"]
    with pytest.raises(Mismatch) as exc:               # a shape a variant has
        expect_array(np.ones((3, 1)), "out", (3,), mistakes=diagnosis)
    assert not hasattr(exc.value.hint, "mistake")


def test_the_diagnosis_reaches_the_result_and_survives_the_pipe_only_if_well_formed():
    spec = CheckSpec("toy.check", 5, Msg("t", "題"), 1.0, {"all": 1.0}, False, 1.0,
                     "docs/module5.md#checks")
    grade = Grade(spec)
    generic = Msg("generic", "一般")
    named = Msg("named", "命名")
    named.mistake, named.doc, named.concept = "doubled", "docs/module5.md#fully-connected", \
        Msg("idea", "觀念")
    grade.auto_hints += [generic, named]
    grade._record("all", "FAIL", Msg("wrong", "錯"))
    result = grade.result()
    assert result.hint == named and result.mistake == "doubled"      # the named one wins
    assert result.doc == "docs/module5.md#fully-connected"
    back = CheckResult.from_wire(result.to_wire(), spec)
    assert (back.mistake, back.hint_doc, back.concept) == (
        "doubled", "docs/module5.md#fully-connected", Msg("idea", "觀念"))
    forged = dict(result.to_wire(), mistake="<b>x</b>", hint_doc="file:///etc/passwd")
    back = CheckResult.from_wire(forged, spec)
    assert back.mistake is None and back.hint_doc is None and back.doc == spec.doc


# -- the catalogue ---------------------------------------------------------------------------
def test_the_catalogue_is_large_enough():
    assert len(ALL) >= AT_LEAST, f"{len(ALL)} misconceptions; the course asks for {AT_LEAST}"
    for module in (5, 6):
        assert any(v.check.startswith(f"m{module}.") for v in ALL.values())


@pytest.mark.parametrize("key", sorted(ALL))
def test_each_mistake_is_whole(key):
    """Texts at both levels without fields, a section that exists, a docstring saying what
    the mistake is, a check that exists and whose suite asks for this quantity, and never
    used as a hint any other way."""
    v = ALL[key]
    table = hints.table(v.suite)
    assert key in table, f"hints/{v.suite}.py has no entry {key!r}"
    assert key in table.concepts, f"hints/{v.suite}.py {key!r} needs both 'fix' and 'concept'"
    assert not table.fields(key), f"{key}: a misconception's hint takes no fields"
    path, anchor = v.doc.split("#")
    assert f'<a id="{anchor}"></a>' in (ROOT / path).read_text(encoding="utf-8"), v.doc
    assert (v.compute.__doc__ or "").strip(), f"{key}: say in a docstring what the mistake is"
    assert v.check in check_ids(), f"{key}: no check {v.check}"
    suite = (SUITES / f"test_{v.suite}.py").read_text(encoding="utf-8")
    assert re.search(rf'diagnose\(\s*"{re.escape(v.quantity)}"', suite), \
        f"test_{v.suite}.py never diagnoses {v.quantity!r}"
    direct = [n.lineno for n in ast.walk(ast.parse(suite)) if isinstance(n, ast.Call)
              and getattr(n.func, "id", None) == "H" and n.args
              and isinstance(n.args[0], ast.Constant) and n.args[0].value == key]
    assert not direct, (f"test_{v.suite}.py uses {key!r} directly at lines {direct}: a "
                        f"misconception is named only when its variant matched")


def test_each_mistake_has_a_mutant_that_must_be_diagnosed_as_it():
    expected = {}
    for m in CATALOGUE:
        for e in m.expect:
            if e.mistake is not None:
                assert e.mistake in ALL, f"mutant {m.name}: no misconception {e.mistake}"
                assert ALL[e.mistake].check == e.check, \
                    f"mutant {m.name}: {e.mistake} is a mistake of {ALL[e.mistake].check}"
                expected.setdefault(e.mistake, []).append(m.name)
    missing = sorted(set(ALL) - set(expected))
    assert not missing, f"misconceptions without a mutant in grader/audit/catalogue/: {missing}"


def test_every_check_that_diagnoses_is_registered():
    """A suite's diagnose("q", ...) names a quantity its catalogue has (else a wrong answer
    would raise a grader bug instead of failing)."""
    quantities = {(v.suite, v.quantity) for v in ALL.values()}
    for path in SUITES.glob("test_*.py"):
        suite = path.stem.removeprefix("test_")
        for q in re.findall(r'diagnose\(\s*"([^"]+)"', path.read_text(encoding="utf-8")):
            assert (suite, q) in quantities, f"{path.name} diagnoses {q!r}: not in mistakes/{suite}.py"
