"""Time limits stop hangs; they do not grade speed (issue 10, items 2 and 3).

A learning check sets its budget from the learner's own measured step time (under a hard
cap, grader/suites/budget.py). When a run cannot fit, or overruns, the TIMEOUT message names
the layer that is slow — measured, against a vectorised layer timed in the same run — never
one that is not, and says which --timeout-scale would finish. The small --timeout-scale
values here make the cap tiny, so each case ends in seconds.

Whole trees in loop style passing every required check at the default limits are graded in
test_naive_trees.py (marker `trees`: minutes, run by .ci/run).
"""
import re

import pytest

from conftest import ROOT
from naive import with_naive

OVERFIT, RVP, IOU = "m5.network.overfit", "m6.resnet.residual_vs_plain", "m6.unet.iou"
LAYERS, BN, UNET = "module5/layers.py", "module6/batchnorm.py", "module6/unet.py"


def timeout_text(result):
    assert result.status == "TIMEOUT", result
    assert result.points == 0, result
    en, zh = result.message["en"], result.message["zh-TW"]
    assert zh != en and "--timeout-scale" in zh, zh
    return en


def test_a_loop_maxpool_is_named_as_the_slow_layer_not_conv2d(mutant, grade_tree):
    """The issue's case: a four-loop MaxPool2D made a step too slow, and the hint blamed a
    Conv2D as fast as the baseline. The message now names MaxPool2D, with its figures."""
    tree = with_naive(mutant, {LAYERS: ["MaxPool2D"]})
    en = timeout_text(grade_tree(tree, [OVERFIT], timeout_scale=0.05)[OVERFIT])
    assert "Most of each step is your MaxPool2D" in en, en
    assert re.search(r"MaxPool2D: \d+ ms per step .* a vectorised MaxPool2D takes \d+\.\d ms "
                     r"here \(\d+× faster\)", en), en
    assert "your Conv2D" not in en and "Vectorise Conv2D" not in en, en
    assert re.search(r"one training step took \d+\.\d{3} s", en), en
    assert re.search(r"--timeout-scale \d+", en), en


def test_a_loop_batchnorm_is_named_and_the_suggested_scale_finishes(mutant, grade_tree):
    tree = with_naive(mutant, {BN: ["BatchNorm2D"]})
    en = timeout_text(grade_tree(tree, [RVP], timeout_scale=0.05)[RVP])
    assert "Most of each step is your BatchNorm2D" in en and "your Conv2D" not in en, en
    assert "stopped at the start" in en, en
    scale = int(re.search(r"--timeout-scale (\d+)", en).group(1))
    result = grade_tree(tree, [RVP], timeout_scale=scale)[RVP]
    assert result.status == "PASS", result


def test_a_slow_model_class_is_not_blamed_on_its_layers(mutant, grade_tree):
    """The time goes into SimpleUNet.forward itself: no layer is named as slow."""
    tree = mutant((UNET, "        skip1, x = self.enc1.forward(x)",
                   "        import time\n        time.sleep(0.5)\n"
                   "        skip1, x = self.enc1.forward(x)", "SimpleUNet.forward"))
    result = grade_tree(tree, [IOU], timeout_scale=0.1)[IOU]
    en = timeout_text(result)
    assert result.duration < 30, result            # stopped at the start, not at the cap
    assert "the time goes elsewhere" in en and "Most of each step" not in en, en
    assert re.search(r"one training step took 0\.[5-9]\d\d s, so its 62 steps", en), en


def test_at_reference_speed_no_layer_is_blamed(grade_tree):
    en = timeout_text(grade_tree(ROOT / "reference", [OVERFIT], timeout_scale=0.02)[OVERFIT])
    assert "No layer of yours is far from a vectorised one" in en, en


def test_a_deadline_after_training_says_the_final_evaluation_overran(mutant, grade_tree):
    """Training finishes; the held-out evaluation (BatchNorm in eval mode) hangs."""
    tree = mutant((UNET, "        skip1, x = self.enc1.forward(x)",
                   "        if not self.bottom[1].training:\n"
                   "            import time\n            time.sleep(600)\n"
                   "        skip1, x = self.enc1.forward(x)", "SimpleUNet.forward"))
    en = timeout_text(grade_tree(tree, [IOU])[IOU])
    assert "training finished, but the final evaluation did not finish" in en, en


# (check, seconds each Conv2D.forward sleeps, --timeout-scale): a run longer than the
# check's fixed limit at that scale, shorter than its budget.
SLOWER = [(OVERFIT, 0.1, 0.25), (RVP, 0.02, 0.34), (IOU, 0.03, 0.34)]


@pytest.mark.parametrize("check_id, sleep, scale", SLOWER)
def test_a_learning_check_gets_more_time_for_slower_code(check_id, sleep, scale, mutant,
                                                         grade_tree, checks):
    """Code several times slower than the reference passes where the fixed limit used to
    stop it: its budget follows its own step time."""
    spec = checks[check_id]
    assert spec.cap > spec.timeout
    tree = mutant((LAYERS, "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n",
                   f"        __import__('time').sleep({sleep})\n"
                   "        N, C, H, W = x.shape\n        C_out, C_in, kh, kw = self.W.shape\n"))
    result = grade_tree(tree, [check_id], timeout_scale=scale)[check_id]
    assert result.status == "PASS", result
    assert result.duration > spec.timeout * scale, result


def test_the_budget_follows_the_step_time_between_the_timeout_and_the_cap():
    import time as clock
    from types import SimpleNamespace

    from grader.suites import budget

    now = clock.monotonic()
    grade = SimpleNamespace(started=now, spec=SimpleNamespace(cap=100.0, timeout=20.0))
    student = SimpleNamespace(deadline=now + 20.0)
    # Fast code keeps the check's own limit; slower code gets 2 x steps x step + 10 s.
    assert budget.fit(student, grade, 1.0, 0.01, 80) == (True, pytest.approx(11.6))
    assert student.deadline == pytest.approx(now + 20.0, abs=0.1)
    assert budget.fit(student, grade, 1.0, 0.5, 80)[0]
    assert student.deadline == pytest.approx(now + 90.0, abs=0.1)
    # 80 steps of 1 s cannot fit under the cap: stopped, the deadline untouched ...
    assert budget.fit(student, grade, 1.0, 1.0, 80)[0] is False
    assert student.deadline == pytest.approx(now + 90.0, abs=0.1)
    # ... unless the run usually stops after 30: then it may train up to the cap.
    assert budget.fit(student, grade, 1.0, 1.0, 80, likely=30)[0]
    assert student.deadline == pytest.approx(now + 100.0, abs=0.1)
    # --timeout-scale stretches the cap.
    assert budget.fit(student, grade, 2.0, 1.0, 80)[0]
