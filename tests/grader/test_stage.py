"""What a grading run's stage holds for its workers (grader/sandbox.py, Stage): the worker's
server code, the whole course library `given/` with its subpackages, and never the demos."""
from pathlib import Path

from grader.sandbox import WORKER_CODE, Stage

ROOT = Path(__file__).resolve().parents[2]


def test_the_stage_holds_all_of_given_and_no_demo():
    stage = Stage(ROOT / "reference")
    try:
        code = stage.root / "code"
        assert sorted(p.name for p in code.iterdir()) == ["given", "grader"]
        assert sorted(p.name for p in (code / "grader").iterdir()) == sorted(WORKER_CODE)
        staged = {p.relative_to(code / "given").as_posix()
                  for p in (code / "given").rglob("*.py")}
        assert staged == {p.relative_to(ROOT / "given").as_posix()
                          for p in (ROOT / "given").rglob("*.py")}
        assert {"model_utils.py", "gradcheck.py", "data/shapes.py",
                "experiments/segmentation.py", "experiments/residual.py"} <= staged
        assert not any("demo" in name for name in staged)
        assert (stage.tree / "module5" / "layers.py").is_file()
    finally:
        stage.cleanup()
