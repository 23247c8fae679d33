"""Student code that hung once is not waited for again (issue 14, item 3): a timeout under a
check's fixed limit records the method ("Conv2D.backward") or the import in the run's stage;
a later check's worker replaces that method by one that raises at once, so neither the
trusted side nor the student's own code (a block calling Conv2D.backward) waits again, and
the check reports TIMEOUT naming the check that measured the hang.

The unit tests below use the proxy on a tiny tree; the end-to-end ones (marker `fault`, run
by .ci/run) grade whole trees whose Conv2D.backward never returns."""
import os
import stat
import time
from pathlib import Path

import pytest

from grader import sandbox
from grader.checks import _classify
from grader.errors import KnownHang, StudentError, WorkerTimeout
from grader.proxy import Student

SOURCE = '''
import numpy as np


class Slow:
    def hang(self):
        while True:
            pass

    def numpy_hang(self):
        a = np.ones((3000, 3000))
        for _ in range(1000):
            a = a @ a
        return a

    def fine(self, x):
        return 2 * x


class Outer:
    def run(self):
        return Slow().hang()


class KnownHang(Exception):
    pass


def forge():
    raise KnownHang("Slow.fine")
'''


@pytest.fixture
def stage(tmp_path):
    tree = tmp_path / "tree"
    (tree / "mod").mkdir(parents=True)
    (tree / "mod" / "code.py").write_text(SOURCE)
    (tree / "mod" / "stuck.py").write_text("while True:\n    pass\n")
    made = sandbox.Stage(tree)
    yield tree, made
    made.cleanup()


def student(stage, seconds, check="m9.first"):
    tree, made = stage
    s = Student(str(tree), stage=made, isolation=sandbox.detect("auto"),
                deadline=time.monotonic() + seconds)
    s.hang_check = check
    return s


def timed(fn):
    started = time.monotonic()
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - what it raised is the result
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


@pytest.mark.parametrize("method", ["hang", "numpy_hang"])
def test_a_method_that_hung_raises_at_once_in_a_later_check(stage, method):
    first = student(stage, 2.0)
    exc, _ = timed(lambda: getattr(first.module("mod.code").Slow(), method)())
    first.close()
    assert isinstance(exc, WorkerTimeout), exc
    assert first.hangs.get(f"Slow.{method}") == ("m9.first", pytest.approx(2.0, abs=0.5))

    later = student(stage, 30.0, check="m9.second")
    code = later.module("mod.code")
    exc, seconds = timed(lambda: getattr(code.Slow(), method)())
    assert isinstance(exc, KnownHang) and seconds < 1.0, (exc, seconds)
    assert (exc.label, exc.check) == (f"Slow.{method}", "m9.first")
    status, message, _ = _classify(exc)
    assert status == "TIMEOUT" and "m9.first" in message["en"] and "m9.first" in message["zh-TW"]
    assert code.Slow().fine(3) == 6                       # the rest of the class still runs
    later.close()


def test_the_students_own_call_of_it_is_refused_too(stage):
    first = student(stage, 2.0)
    assert isinstance(timed(lambda: first.module("mod.code").Slow().hang())[0], WorkerTimeout)
    first.close()
    later = student(stage, 30.0)
    exc, seconds = timed(lambda: later.module("mod.code").Outer().run())
    later.close()
    assert isinstance(exc, KnownHang) and seconds < 1.0, (exc, seconds)


def test_a_call_waiting_on_it_stops_when_another_check_finds_it_hangs(stage):
    """Two suite processes meet the same hang at once: the one still waiting stops as soon
    as the other records it, instead of waiting out its own limit."""
    import threading
    waiting = student(stage, 30.0, check="m9.waiting")
    slow = waiting.module("mod.code").Slow()
    threading.Timer(1.0, waiting.hangs.record, ("Slow.hang", "m9.other", 5.0)).start()
    exc, seconds = timed(slow.hang)
    waiting.close()
    assert isinstance(exc, KnownHang) and exc.check == "m9.other", exc
    assert seconds < 3.0, seconds


def test_an_import_that_hung_is_not_tried_again(stage):
    first = student(stage, 2.0)
    assert isinstance(timed(lambda: first.module("mod.stuck"))[0], WorkerTimeout)
    first.close()
    later = student(stage, 30.0)
    exc, seconds = timed(lambda: later.module("mod.stuck"))
    assert isinstance(exc, KnownHang) and exc.label == "import mod.stuck" and seconds < 0.5
    assert later.worker is None                           # decided without a worker
    later.close()


def test_a_budgeted_check_records_nothing(stage):
    """A learning check's limit is its budget: a timeout there says slow, not hung."""
    first = student(stage, 2.0, check=None)
    assert isinstance(timed(lambda: first.module("mod.code").Slow().hang())[0], WorkerTimeout)
    first.close()
    assert first.hangs.labels() == []


def test_a_forged_known_hang_is_the_students_own_error(stage):
    """Student code raising an exception named KnownHang for a label the run never recorded
    stays an ERROR of its own: only the trusted side's record makes a TIMEOUT."""
    s = student(stage, 10.0)
    exc, _ = timed(lambda: s.module("mod.code").forge())
    s.close()
    assert isinstance(exc, StudentError) and exc.type_name == "KnownHang", exc


def test_the_records_are_the_graders_own(stage):
    tree, made = stage
    s = student(stage, 1.5)
    timed(lambda: s.module("mod.code").Slow().hang())
    s.close()
    folder = made.root / "known-hangs"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert Path(made.tree) not in folder.parents          # not in the tree a worker sees


# -- whole trees ------------------------------------------------------------------------------
HANGS = {"a Python loop": "while True:\n    pass",
         "a numpy call": "a = np.ones((3000, 3000))\nfor _ in range(1000):\n    a = a @ a"}


@pytest.mark.fault
@pytest.mark.parametrize("what", sorted(HANGS))
def test_a_hang_in_conv2d_backward_is_waited_for_once_per_process(what, mutant, grade_tree):
    body = "".join(f"        {line}\n" for line in HANGS[what].splitlines())
    tree = mutant(("module5/layers.py", "        x_shape, xp = self.cache\n",
                   body + "        x_shape, xp = self.cache\n", "Conv2D.backward"))
    started = time.monotonic()
    results = grade_tree(tree, sandbox_mode="require")
    wall = time.monotonic() - started
    timeouts = [r for r in results.values() if r.status == "TIMEOUT"]
    refused = [r for r in timeouts if "not called again" in (r.message or {}).get("en", "")]
    waited = [r for r in timeouts if r not in refused]
    seen = f"{what}: {wall:.0f} s in all; waited: {[(r.id, r.duration) for r in waited]}"
    # Only the first checks to meet the hang wait out their limits (one per suite process
    # running at that moment); one already waiting in the other process stops when the hang
    # is recorded, before its own limit; every later one is refused at once. (The wall time,
    # ~22 s here on 2 cores, against 172 s before, is a figure, not asserted.)
    assert results["m5.conv2d.backward"] in waited, seen
    assert len(waited) <= 3 and len(refused) >= 10, seen
    late = [r for r in refused if r.duration >= 3]
    assert len(late) <= 1 and all(r.duration < 0.9 * r.spec.timeout for r in late), seen
    assert all(r.duration < 3 for r in refused if r not in late), seen
    # What does not need Conv2D.backward still passes.
    for check_id in ("m5.conv2d.forward", "m5.fc.backward", "m6.batchnorm.backward",
                     "m6.upsample.bilinear"):
        assert results[check_id].status == "PASS", results[check_id]
