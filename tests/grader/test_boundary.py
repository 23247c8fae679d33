"""The trusted side checks every byte that crosses: the runner's acceptance of results, the
channel's deadline and size cap, the schema of a worker's replies, and clean text."""
import socket
import struct
import threading
import time

import pytest

from grader import errors, proxy
from grader.checks import REGISTRY
from grader.codec import encode
from grader.runner import accept_event, load_checks
from grader.sanitize import clean, clean_tree


@pytest.fixture(scope="module")
def specs():
    load_checks()
    return {"m5.conv2d.backward": REGISTRY["m5.conv2d.backward"],
            "m5.relu": REGISTRY["m5.relu"]}


def result(check_id, **fields):
    base = {"id": check_id, "status": "PASS", "points": 3.0, "max_points": 3.0,
            "message": None, "hint": None, "duration": 0.1, "parts": [], "output": ""}
    return {"event": "result", "result": dict(base, **fields)}


def test_only_expected_ids_and_the_first_result_count(specs):
    seen = {}
    assert accept_event(result("m5.unknown"), specs, seen) is None
    first = accept_event(result("m5.relu", points=1.0, max_points=1.0), specs, seen)
    assert first["result"].points == specs["m5.relu"].points
    seen["m5.relu"] = first["result"]
    assert accept_event(result("m5.relu", status="FAIL", points=0.0), specs, seen) is None
    assert accept_event({"event": "start", "id": "m5.relu"}, specs, seen) is None


@pytest.mark.parametrize("points,expected", [(330, None), (-5, 0.0), (float("nan"), 0.0),
                                             (True, 0.0), ("3", 0.0), (1e308, None)])
def test_points_are_clamped_to_the_registry_max(specs, points, expected):
    spec = specs["m5.relu"]
    got = accept_event(result("m5.relu", points=points, max_points=999), specs, {})["result"]
    assert got.points == (spec.points if expected is None else expected)
    assert got.max_points == spec.points


def test_unknown_status_is_an_error_and_forbidden_earns_nothing(specs):
    got = accept_event(result("m5.relu", status="SUPERPASS"), specs, {})["result"]
    assert got.status == "ERROR" and got.points == 0.0
    got = accept_event(result("m5.relu", status="FORBIDDEN", points=1.0), specs, {})["result"]
    assert got.points == 0.0


def test_parts_come_from_the_spec_not_from_the_message(specs):
    spec = specs["m5.conv2d.backward"]
    forged = [{"name": "dx", "status": "PASS", "points": 100.0},
              {"name": "extra", "status": "PASS", "points": 100.0}]
    got = accept_event(result("m5.conv2d.backward", status="PARTIAL", points=3.0,
                              parts=forged), specs, {})["result"]
    assert [p.name for p in got.parts] == list(spec.parts)
    dx = got.parts[0]
    assert dx.points == dx.max_points == round(spec.points / len(spec.parts), 4)
    assert [p.status for p in got.parts[1:]] == ["ERROR"] * (len(spec.parts) - 1)


def test_texts_are_cleaned_and_capped(specs):
    nasty = "\x1b[2K\r\x1b[32mPASS\x1b[0m \x00\x0b\x0c bad \ud800 \x9b31m" + "x" * 5000
    got = accept_event(result("m5.relu", status="FAIL", points=0.0,
                              message={"en": nasty, "zh-TW": nasty}, output=nasty * 30),
                       specs, {})["result"]
    for text in (got.message["en"], got.message["zh-TW"], got.output):
        assert not any(ord(c) < 32 and c not in "\n\t" for c in text)
        assert "\x1b" not in text and "\ud800" not in text and "\x9b" not in text
    assert len(got.message["en"]) <= 2000 and len(got.output) <= 64 * 1024


def test_clean_keeps_ordinary_text_and_chinese():
    assert clean("dx 的值不正確：最大相對誤差 1e-3\n第二行", multiline=True) == \
        "dx 的值不正確：最大相對誤差 1e-3\n第二行"
    assert clean("a\nb\tc") == "a b c"
    assert clean_tree({"k\x1b": ["v\x07", ("w\r",)]}) == {"k": ["v", ("w\n",)]}


# -- the channel --------------------------------------------------------------------------
@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield proxy.Channel(a), b
    a.close()
    b.close()


def test_a_half_sent_message_times_out_at_the_deadline(pair):
    channel, peer = pair
    peer.sendall(struct.pack(">I", 1000) + b"x" * 10)      # then nothing
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.recv(time.monotonic() + 0.5)
    assert time.monotonic() - start < 1.5


def test_a_trickling_message_cannot_extend_the_deadline(pair):
    channel, peer = pair
    stop = threading.Event()

    def trickle():
        peer.sendall(struct.pack(">I", 10_000))
        while not stop.is_set():
            try:
                peer.send(b"x")
            except OSError:
                return
            time.sleep(0.05)
    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.recv(time.monotonic() + 0.6)
    stop.set()
    assert time.monotonic() - start < 1.5


def test_an_oversized_reply_is_refused_before_it_is_read(pair):
    channel, peer = pair
    peer.sendall(struct.pack(">I", proxy.REPLY_CAP + 1))
    with pytest.raises(proxy._Malformed, match="cap"):
        channel.recv(time.monotonic() + 1)


# -- replies' schema ----------------------------------------------------------------------
class FakeWorker:
    def __init__(self, sock):
        self.sock, self.process = sock, None

    def kill(self):
        self.sock.close()

    def exit_code(self, wait=0):
        return None


@pytest.mark.parametrize("reply", [
    [1, 2, 3], {"ok": 1, "err": 2}, {"okay": 1}, {"err": ["ValueError", 3, None]},
    {"err": ["E", "m", ["f.py", "not a line", "fn", ""]]}, {"exit": ["3", None]},
    {"ok": 1, "forbidden": "torch"}, {"ok": 1, "forbidden": [["torch", ["f.py", "x"]]]},
    {"err": ["E", "m", None, "x"]}, {"err": ["E", "m", None, [["x", [2, -1]]]]},
    {"err": ["E", "m", None, [["x", [2, True]]]]}, {"err": ["E", "m", None, [["x", [1]]] * 9]},
])
def test_a_reply_that_breaks_the_schema_is_a_crash_of_that_check(reply):
    a, b = socket.socketpair()
    student = proxy.Student.__new__(proxy.Student)
    student.deadline, student.requests, student.forbidden = time.monotonic() + 5, 0, []
    student.own_stage, student.stage, student.pending = False, None, []
    student.worker, student.channel = FakeWorker(a), proxy.Channel(a)
    payload = encode(reply)
    b.sendall(struct.pack(">I", len(payload)) + payload)
    with pytest.raises(errors.WorkerCrashed) as info:
        student.request("ping")
    assert "malformed" in info.value.reason["en"]
    b.close()


def test_a_forbidden_report_in_any_reply_ends_the_check():
    a, b = socket.socketpair()
    student = proxy.Student.__new__(proxy.Student)
    student.deadline, student.requests, student.forbidden = time.monotonic() + 5, 0, []
    student.own_stage, student.stage, student.pending = False, None, []
    student.worker, student.channel = FakeWorker(a), proxy.Channel(a)
    payload = encode({"ok": 1, "forbidden": [["import torch", ["layers.py", 3]]]})
    b.sendall(struct.pack(">I", len(payload)) + payload)
    with pytest.raises(errors.ForbiddenCode) as info:
        student.request("ping")
    assert info.value.items == [("import torch", ("layers.py", 3))]
    b.close()


# -- the trusted children: a suite process that stops or dies ------------------------------
def _suite_processes():
    import os
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                ppid = next(int(l.split()[1]) for l in f if l.startswith("PPid:"))
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except (OSError, StopIteration):
            continue
        if ppid == os.getpid() and b"grader.plugin" in cmdline:
            found.append(int(pid))
    return found


def _signal_first_suite_process(signum, once):
    import os

    def on_event(event):
        if event["event"] == "start" and not once:
            for pid in _suite_processes():
                os.kill(pid, signum)
                once.append(pid)
    return on_event


@pytest.mark.parametrize("ids", [["m5.relu", "m5.sigmoid", "m5.softmax"]])
def test_a_killed_suite_process_is_replaced_and_every_check_still_runs(ids):
    import signal
    from grader.runner import run_checks
    from pathlib import Path
    load_checks()
    once = []
    run = run_checks(Path(__file__).resolve().parents[2] / "reference",
                     [REGISTRY[i] for i in ids], jobs=1,
                     on_event=_signal_first_suite_process(signal.SIGKILL, once))
    assert once, "no suite process was found: the test proves nothing"
    assert set(run.results) == set(ids)
    assert {r.status for r in run.results.values()} == {"PASS"}


def test_a_stopped_suite_process_ends_at_the_run_deadline_with_every_check_reported(monkeypatch):
    import signal
    from grader import runner
    from pathlib import Path
    load_checks()
    monkeypatch.setattr(runner, "RUN_SLACK", 4.0)
    ids = ["m5.relu", "m5.sigmoid"]
    once = []
    start = time.monotonic()
    run = runner.run_checks(Path(__file__).resolve().parents[2] / "reference",
                            [REGISTRY[i] for i in ids], jobs=1, timeout_scale=0.1,
                            on_event=_signal_first_suite_process(signal.SIGSTOP, once))
    elapsed = time.monotonic() - start
    assert once and elapsed < 30, elapsed
    assert set(run.results) == set(ids)
    for r in run.results.values():
        assert r.status == "TIMEOUT" and r.points == 0.0, r
        assert "stopped (SIGSTOP)" in r.message["en"]
    assert not _suite_processes()
