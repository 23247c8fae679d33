"""The performance targets of the course kit, measured in one run and printed.

    .venv/bin/python benchmarks/bench_targets.py

- the full grader run on the reference (both modules): wall time, target < 60 s
  (and Module 5 alone, target < 20 s);
- the reference U-Net's mean IoU on held-out circles/squares at the demo's defaults,
  target >= 0.9.
Figures, not assertions: these depend on the machine; the tests assert correctness.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]


def grader_wall(*args):
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "r.json"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "--target", "reference", "--seed", "0",
                        "--json", str(report), *args], cwd=ROOT, check=True,
                       capture_output=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        wall = time.perf_counter() - t
        data = json.loads(report.read_text())
    return wall, data["total"]


def main():
    for label, args, target in (("Module 5", ["--module", "5"], 20), ("both modules", [], 60)):
        wall, total = grader_wall(*args)
        print(f"grader on the reference, {label}: {wall:.1f} s (target < {target} s), "
              f"{total['points']:g}/{total['max_points']:g} required, "
              f"bonus {total['bonus_points']:g}/{total['bonus_max_points']:g}")
    from demos import unet as unet_demo
    from reference.module6 import unet
    args = unet_demo.build_parser().parse_args(["--png", os.devnull])
    t = time.perf_counter()
    result = unet_demo.run(args, unet=unet, console=Console(file=open(os.devnull, "w")))
    print(f"reference U-Net, demo defaults: mean IoU {result['iou']:.3f} (target >= 0.9), "
          f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
