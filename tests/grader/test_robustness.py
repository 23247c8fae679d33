"""Broken student code never breaks the scorecard: hangs, exits, segfaults, memory blow-ups
and exceptions each cost only the check they happen in."""
import pytest

LAYERS = "module5/layers.py"
FORWARD_START = "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n"
CONV = ["m5.conv2d.forward", "m5.conv2d.backward"]


def inject(mutant, code):
    """Conv2D.forward runs `code` first."""
    body = "".join(f"        {line}\n" for line in code.splitlines())
    return mutant((LAYERS, FORWARD_START, body + FORWARD_START))


@pytest.mark.parametrize("code,what", [
    ("while True:\n    pass", "a Python loop"),
    ("a = np.ones((4000, 4000))\nfor _ in range(1000):\n    a = a @ a", "long numpy calls"),
])
def test_a_hang_is_a_timeout_of_that_check_only(code, what, mutant, grade_tree):
    tree = inject(mutant, code)
    results = grade_tree(tree, CONV, timeout_scale=0.1)
    for check_id in CONV:
        assert results[check_id].status == "TIMEOUT", (what, results[check_id])
        assert results[check_id].duration < 5, "the worker was not stopped in time"


@pytest.mark.parametrize("code,expected", [
    ("import sys\nsys.exit(3)", "sys.exit(3) at mutant1/module5/layers.py:"),
    ("import os\nos._exit(7)", "exited with code 7"),
    ("import ctypes\nctypes.string_at(0)", "SIGSEGV"),
])
def test_exits_and_segfaults_are_crashes(code, expected, mutant, grade_tree):
    results = grade_tree(inject(mutant, code), CONV)
    for check_id in CONV:
        assert results[check_id].status == "CRASH", results[check_id]
        assert expected in results[check_id].message["en"]


def test_memory_blow_up_is_stopped_by_the_cap(mutant, grade_tree):
    tree = inject(mutant, "hog = np.ones(8 * 1024 ** 3 // 8)  # 8 GiB")
    result = grade_tree(tree, ["m5.conv2d.forward"], memory_mb=1024)["m5.conv2d.forward"]
    assert result.status in ("ERROR", "CRASH"), result
    assert "MemoryError" in result.message["en"] or "killed" in result.message["en"]


def test_student_exception_shows_type_message_and_their_line(mutant, grade_tree):
    tree = inject(mutant, "raise ValueError('shapes do not line up')")
    result = grade_tree(tree, ["m5.conv2d.forward"])["m5.conv2d.forward"]
    assert result.status == "ERROR"
    message = result.message["en"]
    assert "ValueError: shapes do not line up" in message
    assert "module5/layers.py:" in message and "in forward" in message


def test_printing_is_captured_not_shown(mutant, grade_tree, capfd):
    tree = inject(mutant, "print('debug: forward called')")
    result = grade_tree(tree, ["m5.conv2d.forward"])["m5.conv2d.forward"]
    assert result.status == "PASS"
    assert "debug: forward called" in result.output
    assert "debug: forward called" not in capfd.readouterr().out


def test_a_syntax_error_is_an_error_with_its_line(mutant, grade_tree):
    tree = mutant((LAYERS, "class Flatten(Layer):", "class Flatten(Layer)"))
    result = grade_tree(tree, ["m5.conv2d.forward"])["m5.conv2d.forward"]
    assert result.status == "ERROR"
    assert "SyntaxError" in result.message["en"] and "layers.py" in result.message["en"]


def test_an_object_that_claims_equality_gains_nothing(mutant, grade_tree):
    tree = mutant((LAYERS, "        self.cache = (x.shape, xp)\n        return out\n",
                   "        class Anything(np.ndarray):\n"
                   "            def __eq__(self, other):\n"
                   "                return True\n"
                   "        return np.zeros(1).view(Anything)\n"))
    result = grade_tree(tree, ["m5.conv2d.forward"])["m5.conv2d.forward"]
    assert result.status == "FAIL"
    assert "should be a numpy array, got" in result.message["en"] and "Anything" in result.message["en"]


def test_float32_output_is_named(mutant, grade_tree):
    tree = mutant((LAYERS, "        self.cache = (x.shape, xp)\n        return out\n",
                   "        self.cache = (x.shape, xp)\n        return out.astype(np.float32)\n"))
    result = grade_tree(tree, ["m5.conv2d.forward"])["m5.conv2d.forward"]
    assert result.status == "FAIL"
    assert "float32 output: keep float64" in result.hint["en"]
