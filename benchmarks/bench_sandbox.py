"""What the sandbox costs, measured in one run for every mechanism that works here.

    .venv/bin/python benchmarks/bench_sandbox.py [--batch N]

For each isolation mechanism (grader/sandbox.py; GRADER_SANDBOX forces one): the start of a
worker (spawn to "ready", and to the tree imported: what a check waits for when no spare
worker is ready), one round trip, the full grader run on the reference (both modules,
--jobs 2), and `batch` throughput on N copies of the reference. Ratios are to the
unsandboxed "none" in the same run. Figures, not assertions.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import sandbox  # noqa: E402
from grader.proxy import Student, close_launchers  # noqa: E402


def env_for(mechanism):
    return dict(os.environ, GRADER_SANDBOX=mechanism, OPENBLAS_NUM_THREADS="1")


def worker_start(mechanism, repeats=10):
    os.environ["GRADER_SANDBOX"] = mechanism
    sandbox._DETECTED.clear()
    ready, imported, trips = [], [], []
    stage = sandbox.Stage(ROOT / "reference")
    try:
        isolation = sandbox.detect("auto")
        launcher = sandbox.Launcher(stage, isolation)
        for _ in range(repeats):
            t = time.perf_counter()
            s = Student(str(ROOT / "reference"), stage=stage, isolation=isolation)
            s.worker = launcher.spawn(s.package)
            from grader.proxy import Channel
            from grader.codec import decode
            s.channel = Channel(s.worker.sock)
            decode(s.channel.recv(time.monotonic() + 30))
            ready.append(time.perf_counter() - t)
            s.module("module5.layers")
            imported.append(time.perf_counter() - t)
            t = time.perf_counter()
            for _ in range(200):
                s.request("ping")
            trips.append((time.perf_counter() - t) / 200)
            s.worker.kill()
    finally:
        close_launchers()
        stage.cleanup()
        del os.environ["GRADER_SANDBOX"]
        sandbox._DETECTED.clear()
    return statistics.median(ready), statistics.median(imported), statistics.median(trips)


def full_run(mechanism):
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        extra = ["--no-sandbox"] if mechanism == "none" else []
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "--target", "reference", "--seed", "0",
                        "--json", str(report), *extra], cwd=ROOT, check=True,
                       capture_output=True, env=env_for(mechanism))
        wall = time.perf_counter() - t
        data = json.loads(report.read_text())
    return wall, data["total"]["percent"], data["isolation"]["mechanism"]


def batch_rate(mechanism, n):
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        for i in range(n):
            shutil.copytree(ROOT / "reference", subs / f"student{i:02d}",
                            ignore=shutil.ignore_patterns("__pycache__"))
        extra = ["--no-sandbox"] if mechanism == "none" else []
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "batch", str(subs), "--out",
                        str(Path(tmp) / "g.csv"), "--jobs", "2", "--seed", "0", *extra],
                       cwd=ROOT, check=True, capture_output=True, env=env_for(mechanism))
        wall = time.perf_counter() - t
    return n / wall * 60


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=4, help="submissions for the batch figure")
    args = p.parse_args()
    rows = {}
    for mechanism in sandbox.MECHANISMS:
        os.environ["GRADER_SANDBOX"] = mechanism
        try:
            works = sandbox._probe(mechanism) is not None
        finally:
            del os.environ["GRADER_SANDBOX"]
        if not works:
            print(f"{mechanism:8s} not available here")
            continue
        ready, imported, trip = worker_start(mechanism)
        wall, percent, used = full_run(mechanism)
        rate = batch_rate(mechanism, args.batch)
        rows[mechanism] = (ready, imported, trip, wall, rate)
        print(f"{mechanism:8s} worker ready {ready * 1e3:5.1f} ms, tree imported "
              f"{imported * 1e3:5.1f} ms, round trip {trip * 1e6:4.0f} µs; full reference run "
              f"{wall:5.2f} s ({percent:g} %, isolation {used}); batch {rate:5.1f} "
              f"submissions/min", flush=True)
    base = rows.get("none")
    if base:
        for mechanism, (ready, imported, trip, wall, rate) in rows.items():
            print(f"{mechanism:8s} vs none: worker start {imported / base[1]:.2f}x, round trip "
                  f"{trip / base[2]:.2f}x, full run {wall / base[3]:.2f}x, batch "
                  f"throughput {rate / base[4]:.2f}x")


if __name__ == "__main__":
    main()
