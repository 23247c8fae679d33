"""python -m grader bench (grader/bench.py): every row timed against its baselines, TODO and
TIMEOUT rows, student code in the sandbox, --threads inside the worker, bad input, and the
JSON report's fields. --quick shapes throughout; no speed is asserted, only that numbers
are there and where they came from."""
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader import bench, sandbox

ROOT = Path(__file__).resolve().parents[2]
KEYS = [r.key for r in bench.rows(quick=True)]
LAYERS = "module5/layers.py"
TOP_FIELDS = {"kind", "version", "grader", "target", "quick", "threads", "repeats",
              "timeout_s", "lang", "isolation", "gemm", "torch", "reference", "rows",
              "left_out", "wall_s"}
ROW_FIELDS = {"key", "name", "layer", "role", "input_shape", "status", "ms", "runs", "detail",
              "reference_ms", "torch_ms", "torch_error", "gemm_limit_ms", "flops",
              "x_reference", "x_torch", "x_gemm"}


def run_bench(*args, env=None):
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", "bench", *args], cwd=ROOT,
                          text=True, capture_output=True, timeout=240, env=env)
    done.seconds = time.monotonic() - start
    return done


def bench_json(tmp_path, *args, env=None):
    """(completed process, report) of a bench run that writes --json."""
    out = tmp_path / f"bench{len(list(tmp_path.glob('bench*.json')))}.json"
    done = run_bench(*args, "--json", str(out), env=env)
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text(encoding="utf-8"))


def table_line(stdout, name):
    """The cells of the table row that starts with the row's name."""
    for line in stdout.splitlines():
        if line.startswith(name + "  "):
            return line[len(name):].split()
    raise AssertionError(f"no table row {name!r} in:\n{stdout}")


def number(cell):
    return float(cell.rstrip("*"))


def test_reference_quick_times_every_row_against_every_baseline(tmp_path):
    done, data = bench_json(tmp_path, "--target", "reference", "--quick")
    assert set(data) == TOP_FIELDS
    assert [row["key"] for row in data["rows"]] == KEYS and data["left_out"] == []
    assert data["reference"]["status"] == "self" and data["threads"] == 1
    assert data["gemm"]["gflops"] > 0 and data["gemm"]["threads_env"] == "1"
    has_torch = importlib.util.find_spec("torch") is not None
    assert data["torch"]["available"] is has_torch, data["torch"]
    if has_torch:
        assert data["torch"]["threads"] == 1
    for row in data["rows"]:
        assert set(row) == ROW_FIELDS
        assert row["status"] == "OK" and row["ms"] > 0 and row["runs"] >= 1, row
        assert row["x_reference"] == pytest.approx(1.0)
        assert (row["flops"] is None) is (row["x_gemm"] is None), row
        assert row["x_gemm"] is None or row["x_gemm"] == pytest.approx(
            row["ms"] / row["gemm_limit_ms"])
        if has_torch:
            assert row["torch_ms"] > 0 and row["x_torch"] == pytest.approx(
                row["ms"] / row["torch_ms"]), row
        assert row["torch_error"] is None, row
        shape, ms, x_ref, x_torch, x_gemm = table_line(done.stdout, row["name"])
        assert shape == "×".join(map(str, row["input_shape"]))
        assert number(ms) > 0 and number(x_ref) == 1.0
        assert (number(x_torch) > 0) if has_torch else x_torch == "n/a"
        assert (x_gemm == "—") if row["flops"] is None else number(x_gemm) > 0
    for line in ("threads: 1 · numpy GEMM", "isolation: ", "median of 3 runs"):
        assert line in done.stdout
    assert "Conv2D 1→6 k5" in done.stderr           # progress on stderr, one line a row


def test_json_fields_are_the_documented_ones():
    documented = set(re.findall(r'"(\w+)":', bench.__doc__))
    assert TOP_FIELDS | ROW_FIELDS <= documented, (TOP_FIELDS | ROW_FIELDS) - documented


def test_the_exercise_tree_gives_todo_rows_and_exit_0(tmp_path):
    done, data = bench_json(tmp_path, "--quick", "--no-torch", "--lang", "zh-TW")
    assert data["target"] == str(ROOT / "exercises") and data["lang"] == "zh-TW"
    assert [row["status"] for row in data["rows"]] == ["TODO"] * len(KEYS)
    assert all(row["ms"] is None and row["x_reference"] is None for row in data["rows"])
    rows = {row["key"]: row for row in data["rows"]}
    assert "Conv2D.forward" in rows["conv.resnet"]["detail"]
    assert "Upsample.forward" in rows["upsample.bilinear"]["detail"]
    assert "未完成" in done.stdout and "從零實作 CNN · 速度比較" in done.stdout
    assert "PyTorch：沒有量測（--no-torch）" in done.stdout


HANG = ("        x_shape, xp = self.cache\n",
        "        while True:\n            pass\n")


def test_a_hanging_backward_is_a_timeout_row_and_the_others_still_run(mutant, tmp_path):
    old, loop = HANG
    tree = mutant((LAYERS, old, loop + old, "Conv2D.backward"))
    limit = 3
    done, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                            "--timeout", str(limit), "-k", "conv.lenet1", "-k", "relu",
                            "-k", "maxpool")
    rows = {row["key"]: row for row in data["rows"]}
    assert list(rows) == ["conv.lenet1", "relu", "maxpool"]
    assert rows["conv.lenet1"]["status"] == "TIMEOUT" and rows["conv.lenet1"]["ms"] is None
    assert f"{limit} s" in rows["conv.lenet1"]["detail"]
    for key in ("relu", "maxpool"):
        assert rows[key]["status"] == "OK" and rows[key]["x_reference"] > 0, rows[key]
    assert data["reference"]["status"] == "measured"
    assert "TIMEOUT" in done.stdout
    # The hang cost its own limit, not the run: the worker was stopped on time.
    assert data["wall_s"] < limit + 25, data["wall_s"]


def test_a_slow_row_shows_its_warm_up_when_no_run_fits(mutant, tmp_path):
    """forward sleeps 1.5 s under a 3 s limit: the warm-up fits, a timed run cannot."""
    start = "        N, C, H, W = x.shape\n"
    tree = mutant((LAYERS, start, "        import time\n        time.sleep(1.5)\n" + start,
                   "Conv2D.forward"))
    done, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                            "--timeout", "3", "-k", "conv.lenet1")
    row = data["rows"][0]
    assert row["status"] == "OK" and row["runs"] == 0 and row["ms"] >= 1500, row
    assert table_line(done.stdout, row["name"])[1].endswith("*")
    assert "* no timed run fitted" in done.stdout


def test_a_rows_forbidden_import_or_crash_stays_in_that_row(mutant, tmp_path):
    start = "        N, C, H, W = x.shape\n"
    relu = "        self.cache = x > 0\n"
    tree = mutant((LAYERS, start, "        import torch\n" + start, "Conv2D.forward"),
                  (LAYERS, relu, "        import os\n        os._exit(3)\n" + relu,
                   "ReLU.forward"))
    _, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                         "-k", "conv.lenet1", "-k", "relu", "-k", "maxpool")
    rows = {row["key"]: row for row in data["rows"]}
    assert rows["conv.lenet1"]["status"] == "FORBIDDEN"
    assert "import torch" in rows["conv.lenet1"]["detail"]
    assert rows["relu"]["status"] == "CRASH" and "code 3" in rows["relu"]["detail"]
    assert rows["maxpool"]["status"] == "OK" and rows["maxpool"]["x_reference"] > 0


def _read_secret_first(secret):
    """Conv2D.forward that first tries to read `secret` (outside its tree) and raises with
    what it read if it can."""
    code = textwrap.dedent(f"""\
        try:
            with open({str(secret)!r}) as f:
                leaked = f.read()
        except OSError:
            leaked = None
        if leaked is not None:
            raise RuntimeError("read outside the tree: " + leaked)
    """)
    start = "        N, C, H, W = x.shape\n"
    return (LAYERS, start, textwrap.indent(code, " " * 8) + start, "Conv2D.forward")


def test_student_layers_run_in_the_sandbox(mutant, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the grader's secret")
    os.chmod(secret, 0o600)
    tree = mutant(_read_secret_first(secret))
    args = ("--target", str(tree), "--quick", "--no-torch", "-k", "conv.lenet1")
    done, data = bench_json(tmp_path, *args)
    mechanism = data["isolation"]["mechanism"]
    assert f"isolation: {mechanism} (" in done.stdout
    row = data["rows"][0]
    if mechanism in sandbox.SANDBOXED:
        assert row["status"] == "OK", row
    else:                                       # what "none" means, and the header says so
        assert row["status"] == "ERROR" and "no sandbox" in done.stdout
    # The probe itself works: a plain process (--no-sandbox) does read the file.
    _, plain = bench_json(tmp_path, *args, "--no-sandbox")
    assert plain["isolation"]["mechanism"] == "none"
    assert plain["rows"][0]["status"] == "ERROR"
    assert "read outside the tree: the grader's secret" in plain["rows"][0]["detail"]


THREADS_PROBE = textwrap.dedent("""\
    import ctypes, os
    blas = "?"
    with open("/proc/self/maps") as maps:
        libs = [line.split()[-1] for line in maps if "openblas" in line.lower()]
    for path in libs[:1]:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                     "openblas_get_num_threads"):
            if hasattr(lib, name):
                blas = getattr(lib, name)()
                break
    raise RuntimeError(f"env={os.environ.get('OPENBLAS_NUM_THREADS')} blas={blas}")
""")


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/maps")
@pytest.mark.parametrize("threads", [1, 2])
def test_threads_reach_the_worker(threads, mutant, tmp_path):
    """ReLU.forward reports its worker's BLAS thread setting and what OpenBLAS itself runs
    with; the GEMM baseline process gets the same."""
    start = "        self.cache = x > 0\n"
    tree = mutant((LAYERS, start, textwrap.indent(THREADS_PROBE, " " * 8) + start,
                   "ReLU.forward"))
    _, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                         "--threads", str(threads), "-k", "relu")
    row = data["rows"][0]
    assert row["status"] == "ERROR", row
    found = re.search(r"env=(\S+) blas=(\S+)", row["detail"])
    assert found, row["detail"]
    assert found[1] == str(threads)
    if found[2] != "?":                         # OpenBLAS never runs more threads than CPUs
        assert int(found[2]) == min(threads, os.cpu_count() or 1), row["detail"]
    assert data["threads"] == threads and data["gemm"]["threads_env"] == str(threads)


def test_without_torch_the_column_says_so(tmp_path):
    fake = tmp_path / "site" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no torch on this machine')\n")
    env = dict(os.environ, PYTHONPATH=str(fake.parent))
    done, data = bench_json(tmp_path, "--target", "reference", "--quick", "-k", "relu",
                            env=env)
    assert data["torch"]["available"] is False
    assert "no torch on this machine" in data["torch"]["reason"]
    assert data["rows"][0]["status"] == "OK" and data["rows"][0]["x_torch"] is None
    assert "PyTorch: not measured (ImportError: no torch on this machine)" in done.stdout
    assert table_line(done.stdout, "ReLU")[3] == "n/a"


def _fake_torch(tmp_path, body):
    """A `torch` package whose import works and whose first use in a row (manual_seed) runs
    `body`: the environment that puts it first on the path."""
    fake = tmp_path / "site" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(textwrap.dedent(f"""\
        __version__ = "0.0-fake"
        _threads = 1
        def set_num_threads(n):
            global _threads
            _threads = n
        def get_num_threads():
            return _threads
        def manual_seed(seed):
            {body}
    """))
    return dict(os.environ, PYTHONPATH=str(fake.parent))


@pytest.mark.parametrize("body", ["raise RuntimeError('no float64 kernels')",
                                  "import os; os._exit(7)"])
def test_a_failing_pytorch_row_leaves_its_column_empty_and_the_run_goes_on(body, tmp_path):
    """PyTorch's process answers its header, then fails every row: by an exception (it
    stays up and answers each row) or by dying at the first row (every later row is
    None at once). Either way the rows' own times stand, and the run ends."""
    env = _fake_torch(tmp_path, body)
    done, data = bench_json(tmp_path, "--target", "reference", "--quick", "-k", "relu",
                            "-k", "maxpool", "--lang", "en", env=env)
    assert data["torch"]["available"] is True and data["torch"]["version"] == "0.0-fake"
    for row in data["rows"]:
        assert row["status"] == "OK" and row["ms"] > 0, row
        assert row["torch_ms"] is None and row["x_torch"] is None, row
    assert table_line(done.stdout, "ReLU")[3] == "—"
    if "_exit" in body:                     # the death is said, and cost no time limit
        assert data["torch"]["reason"] == "relu: exit code 7", data["torch"]
        assert "PyTorch's process stopped at row relu: exit code 7" in done.stdout
        assert data["wall_s"] < 30, data["wall_s"]
    else:                                   # each row's exception is said under the table
        assert data["torch"]["reason"] is None
        for row in data["rows"]:
            assert row["torch_error"] == "RuntimeError: no float64 kernels", row
        said = " ".join(done.stdout.split())          # one line for the rows' one error
        assert said.count("PyTorch raised on") == 1, done.stdout
        assert ("PyTorch raised on ReLU, MaxPool2D 2×2 (no × PyTorch there): RuntimeError: "
                "no float64 kernels") in said, done.stdout


def test_each_rows_sides_are_timed_back_to_back(mutant, tmp_path):
    """The progress lines (stderr, one per step) show the order: every row's own time, its
    reference's, then PyTorch's, before the next row starts."""
    done, data = bench_json(tmp_path, "--target", str(mutant()), "--quick", "-k", "relu",
                            "-k", "maxpool", "--lang", "en")
    steps = [line.split(": ", 1)[-1].strip() for line in done.stderr.splitlines()]
    want = ["ReLU · U-Net activation", "ReLU · reference", "ReLU · PyTorch",
            "MaxPool2D 2×2 · U-Net pooling", "MaxPool2D 2×2 · reference",
            "MaxPool2D 2×2 · PyTorch"]
    if not data["torch"]["available"]:
        want = [w for w in want if "PyTorch" not in w]
    assert [s for s in steps if s in want] == want, done.stderr


@pytest.mark.parametrize("seconds,fits,runs", [
    (0.0, True, bench.WARM_RUNS),       # fast: the run count ends it
    (0.06, True, 5),                    # slow: WARM_S ends it (0.06 s first + 4 x 0.06 s)
    (0.0, False, 1),                    # nothing more fits in the row's limit
])
def test_the_warm_up_stops_at_its_time_its_run_count_or_the_limit(seconds, fits, runs,
                                                                  monkeypatch):
    monkeypatch.setattr(bench, "WARM_S", 0.25)
    monkeypatch.setattr(bench, "_seconds", lambda fn: (fn(), seconds)[1])
    made = []
    assert bench.warm_up(lambda: made.append(1), seconds, lambda estimate: fits) == runs
    assert len(made) == runs - 1            # the first run is the caller's own


def test_the_warm_up_runs_in_the_students_worker(mutant, tmp_path):
    """ReLU.forward raises on its 10th call. Without a warm-up a --quick row calls it 4 times
    (one first run, three timed): the row would be OK. The warm-up (up to WARM_RUNS runs of a
    sub-millisecond row) reaches the 10th call, so the row is ERROR with that message."""
    start = "        self.cache = x > 0\n"
    count = ("        global CALLS\n        CALLS = globals().get('CALLS', 0) + 1\n"
             "        if CALLS == 10:\n            raise RuntimeError('call 10 reached')\n")
    tree = mutant((LAYERS, start, count + start, "ReLU.forward"))
    _, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                         "-k", "relu")
    row = data["rows"][0]
    assert bench.WARM_RUNS >= 10
    assert row["status"] == "ERROR" and "call 10 reached" in row["detail"], row


def test_a_tree_without_module6_leaves_its_rows_out(tmp_path):
    tree = tmp_path / "tree"
    sandbox.copy_tree(ROOT / "reference" / "module5", tree / "module5")
    done, data = bench_json(tmp_path, "--target", str(tree), "--quick", "--no-torch",
                            "-k", "relu", "-k", "upsample.nearest")
    assert [row["key"] for row in data["rows"]] == ["relu"]
    assert data["left_out"] == [{"key": "upsample.nearest",
                                 "reason": "left out: the tree has no module6/"}]
    assert "upsample.nearest: left out" in done.stdout


def test_without_the_reference_tree_its_column_is_empty(mutant, tmp_path, monkeypatch,
                                                        capsys):
    """A student release has no reference/: the bench still runs, × reference shows —."""
    monkeypatch.setattr(bench, "REFERENCE", tmp_path / "no-reference")
    out = tmp_path / "bench.json"
    code = bench.main(["--target", str(mutant()), "--quick", "--no-torch", "-k", "relu",
                       "--json", str(out), "--lang", "en"])
    data = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0 and data["reference"] == {"status": "missing", "path": None}
    row = data["rows"][0]
    assert row["status"] == "OK" and row["reference_ms"] is None and row["x_reference"] is None
    stdout = capsys.readouterr().out
    assert "reference: not in this copy" in stdout
    assert table_line(stdout, "ReLU")[2] == "—"


@pytest.mark.parametrize("args,expected", [
    (("--threads", "0"), "--threads must be between 1 and"),
    (("--threads", "two"), "invalid int value"),
    (("--repeats", "0"), "--repeats must be at least 1"),
    (("--target", "README.md"), "not a directory"),
    (("--target", "tests"), "not a tree"),
    (("--target", "/no/such/dir"), "does not exist"),
    (("-k", "no-such-row"), "no row matches"),
])
def test_bad_input_is_one_line_and_exit_2(args, expected):
    done = run_bench(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], lines
    assert lines[0].startswith("grader bench: ") and done.stdout == ""


def test_the_bench_ships_no_line_of_the_solutions():
    """grader/bench.py ships in the student release (test_release's rule, applied here
    before the file is committed): no line of the reference that the exercises lack."""
    given = {line.strip() for p in (ROOT / "exercises").rglob("*.py")
             for line in p.read_text(encoding="utf-8").splitlines()}
    solution = {line.strip() for p in (ROOT / "reference").rglob("*.py")
                for line in p.read_text(encoding="utf-8").splitlines()
                if len(line.strip()) > 30 and not line.strip().startswith(("#", '"'))} - given
    mine = {line.strip() for line in Path(bench.__file__).read_text(encoding="utf-8")
            .splitlines()}
    assert len(solution) > 100 and not solution & mine, sorted(solution & mine)


def test_help_answers_what_the_columns_and_options_mean():
    done = run_bench("--help")
    assert done.returncode == 0
    for option in ("--target", "--threads", "--repeats", "--quick", "--timeout", "-k",
                   "--no-torch", "--json", "--lang", "--no-sandbox"):
        assert option in done.stdout
    for words in ["examples:", "exit codes:", "× GEMM limit", "× reference", *KEYS]:
        assert words in done.stdout
    main_help = subprocess.run([sys.executable, "-m", "grader", "--help"], cwd=ROOT,
                               text=True, capture_output=True, timeout=60)
    assert "python -m grader bench" in main_help.stdout
