"""Throughput of batch grading: submissions per minute on this machine.

    .venv/bin/python benchmarks/bench_batch.py [N] [--module 5]

Makes N copies of reference/ (full trees: every check runs to completion, the slowest
realistic case) in a temp dir and runs `python -m grader batch` on them with --jobs 1 and
--jobs 2, printing the wall time and submissions per minute of each.
"""
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 6
    extra = [a for a in sys.argv[1:] if not a.isdigit()]
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(n):
            shutil.copytree(ROOT / "reference", subs / f"student{i:03d}",
                            ignore=shutil.ignore_patterns("__pycache__"))
        for jobs in (1, 2):
            out = Path(tmp) / f"book{jobs}.csv"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "grader", "batch", str(subs), "--out", str(out),
                            "--jobs", str(jobs), "--force", *extra], cwd=ROOT, check=True,
                           capture_output=True)
            wall = time.perf_counter() - t
            print(f"--jobs {jobs}: {n} submissions in {wall:.1f} s = {n / wall * 60:.1f} per minute"
                  f" ({wall / n:.1f} s each)")


if __name__ == "__main__":
    main()
