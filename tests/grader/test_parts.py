"""The rules that make a part's points mean "fully judged and right" (grader/checks.py):
cases, shared steps, revocation by a failed call or an early stop, `needs`, and messages
that name an earlier failure as the cause of a later one."""
import pytest

from grader.checks import CheckSpec, Grade, Mismatch, Msg
from grader.errors import MissingAttribute, StudentCall, StudentError, WorkerTimeout


def spec(parts, needs=None):
    return CheckSpec(id="m5.test.parts", module=5, title=Msg("t", "t"), points=3.0,
                     parts={p: 1.0 for p in parts}, optional=False, timeout=10.0, doc="",
                     needs=needs or {})


def raised(owner="Conv2D", member="backward", obj=(1, 7), message="boom"):
    return StudentCall(obj, owner, member), StudentError("ValueError", message, None)


def statuses(result):
    return {p.name: p.status for p in result.parts}


def run(grade, body):
    grade.run(body, (), {})
    return grade.result()


def test_a_stop_after_some_cases_revokes_the_parts_judged_per_case():
    grade = Grade(spec(["dx", "dW", "single"]))

    def body():
        with grade.part("single"):
            pass
        for case in grade.cases([1, 2, 3]):
            if case == 3:
                raise Mismatch(Msg("forward is wrong in case 3", "第 3 個情況 forward 錯"))
            with grade.part("dx"):
                pass
            with grade.part("dW"):
                pass

    result = run(grade, body)
    assert statuses(result) == {"dx": "FAIL", "dW": "FAIL", "single": "PASS"}
    assert result.points == pytest.approx(1.0)
    assert "not fully judged" in result.parts[0].message["en"]


def test_parts_judged_per_case_stand_once_every_case_ran():
    grade = Grade(spec(["dx", "after"]))

    def body():
        for _ in grade.cases(range(3)):
            with grade.part("dx"):
                pass
        raise Mismatch(Msg("the last step failed", "最後一步失敗"))

    result = run(grade, body)
    assert statuses(result) == {"dx": "PASS", "after": "FAIL"}


def test_judging_a_finished_part_again_is_a_grader_bug():
    grade = Grade(spec(["dx"]))

    def body():
        for _ in range(2):
            with grade.part("dx"):
                pass

    result = run(grade, body)
    assert result.status == "ERROR" and "grader bug" in result.message["en"]


def test_a_failed_call_costs_the_part_whose_block_runs_even_after_earlier_passes():
    grade = Grade(spec(["dx", "db"]))

    def body():
        for case in grade.cases([1, 2]):
            with grade.part("dx"):
                if case == 2:
                    grade.call_failed(*raised())
            with grade.part("db"):
                pass

    result = run(grade, body)
    assert statuses(result) == {"dx": "ERROR", "db": "PASS"}


def test_a_timeout_in_a_part_costs_it_and_stops_the_check():
    grade = Grade(spec(["a", "b", "c"]))

    def body():
        with grade.part("a"):
            pass
        with grade.part("b"):
            call = StudentCall((1, 2), "Conv2D", "forward")
            exc = WorkerTimeout(3.0, "in Conv2D.forward")
            grade.call_failed(call, exc)
            raise exc

    result = run(grade, body)
    assert statuses(result) == {"a": "PASS", "b": "TIMEOUT", "c": "TIMEOUT"}
    assert result.status == "TIMEOUT"


def test_a_shared_step_costs_every_part_it_names_and_passes_none():
    grade = Grade(spec(["loss", "dscores", "stable"]))
    seen = []

    def body():
        for case in grade.cases([1, 2]):
            with grade.shared("loss", "dscores") as step:
                if case == 2:
                    raise StudentError("ValueError", "bad", None)
            seen.append(step.ok)
            if not step.ok:
                continue
            with grade.part("loss"):
                pass
            with grade.part("dscores"):
                pass
        with grade.part("stable"):
            pass

    result = run(grade, body)
    assert seen == [True, False]
    assert statuses(result) == {"loss": "ERROR", "dscores": "ERROR", "stable": "PASS"}

    grade = Grade(spec(["a", "b"]))

    def only_shared():
        with grade.shared("a", "b"):
            pass

    assert statuses(run(grade, only_shared)) == {"a": "ERROR", "b": "ERROR"}   # never judged


def test_needs_revokes_a_part_when_a_call_it_depends_on_failed_elsewhere():
    grade = Grade(spec(["dx", "params"], needs={"params": ("backward",)}))

    def body():
        with grade.part("dx"):
            call, exc = raised(member="backward")
            grade.call_failed(call, exc)
            raise exc

    def then_params():
        try:
            body()
        except StudentError:
            pass
        with grade.part("params"):
            pass

    result = run(grade, then_params)
    assert statuses(result) == {"dx": "ERROR", "params": "ERROR"}
    assert "boom" in result.parts[1].message["en"]


def test_needs_matches_members_and_qualified_names():
    call = StudentCall((1, 1), "Conv2D", "backward")
    assert call.matches(("backward",)) and call.matches(("Conv2D.backward",))
    assert call.matches(("*.backward",)) and not call.matches(("forward", "ReLU.backward"))


def test_a_missing_attribute_after_a_failed_call_names_that_call_as_the_cause():
    grade = Grade(spec(["dx", "dW"]))

    def body():
        with grade.part("dx"):
            call, exc = raised(message="shapes do not align")
            grade.call_failed(call, exc)
            raise exc
        # (never: the part above swallowed it)

    def both():
        body()
        with grade.part("dW"):
            missing = MissingAttribute("Conv2D", "dW")
            grade.call_failed(StudentCall((1, 7), "Conv2D", "dW"), missing)
            raise missing

    result = run(grade, both)
    dW = result.parts[1]
    assert dW.status == "ERROR"
    en = dW.message["en"]
    assert "Conv2D.dW does not exist because Conv2D.backward failed earlier" in en
    assert "shapes do not align" in en and "因為" in dW.message["zh-TW"]


def test_a_later_error_on_the_same_object_is_shown_as_a_likely_consequence():
    grade = Grade(spec(["a", "b"]))

    def body():
        with grade.part("a"):
            call, exc = raised(member="forward", message="first")
            grade.call_failed(call, exc)
            raise exc

    def both():
        body()
        with grade.part("b"):
            call = StudentCall((1, 7), "Conv2D", "backward")
            exc = StudentError("TypeError", "'NoneType' object is not subscriptable", None)
            grade.call_failed(call, exc)
            raise exc

    result = run(grade, both)
    en = result.parts[1].message["en"]
    assert "NoneType" in en and "consequence of the earlier error in Conv2D.forward" in en


def test_a_shape_error_shows_the_arrays_of_the_failing_frame():
    exc = StudentError("ValueError", "operands could not be broadcast together", None,
                       [("x", (2, 3, 5, 5)), ("w", (4, 3, 3, 3))])
    assert "arrays there: x (2, 3, 5, 5), w (4, 3, 3, 3)" in exc.short()
    empty = StudentError("RuntimeError", "nothing", None, [("window", (2, 0))])
    assert "window (2, 0)" in empty.short()
    other = StudentError("RuntimeError", "nothing", None, [("x", (2, 3))])
    assert "arrays there" not in other.short()


def test_a_missing_attribute_after_a_failure_elsewhere_only_mentions_it():
    grade = Grade(spec(["fc", "conv"]))

    def body():
        with grade.part("fc"):
            call, exc = raised(owner="FullyConnected", obj=(1, 3), message="fc broke")
            grade.call_failed(call, exc)
            raise exc

    def both():
        body()
        with grade.part("conv"):
            missing = MissingAttribute("Conv2D", "dW")
            grade.call_failed(StudentCall((1, 9), "Conv2D", "dW"), missing)
            raise missing

    result = run(grade, both)
    conv = result.parts[1]
    assert conv.status == "TODO", conv
    en = conv.message["en"]
    assert "Conv2D.dW does not exist" in en and "because" not in en
    assert "earlier in this check FullyConnected.backward failed" in en and "fc broke" in en
