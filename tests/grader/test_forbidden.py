"""grader/forbidden.py: the static scan for forbidden code, its messages, and the runtime
guard. The guard installs an audit hook, which no Python code can remove, so every guard
test runs in a fresh interpreter."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.forbidden import (FRAMEWORKS, MAX_BYTES, Finding, describe, kind_of, module_of,
                              scan_source, scan_tree)
from grader.i18n import Msg

ROOT = Path(__file__).resolve().parents[2]


def write(root, rel, text):
    path = Path(root) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def facts(findings):
    return [(f.path, f.line, f.what, f.kind) for f in findings]


# -- the static scan ------------------------------------------------------------------------
def test_framework_list_is_the_documented_one():
    assert FRAMEWORKS == {
        "torch", "torchvision", "tensorflow", "tf_keras", "keras", "jax", "jaxlib", "flax",
        "mxnet", "paddle", "chainer", "cupy", "theano", "caffe2", "onnx", "onnxruntime",
        "sklearn", "lightning", "pytorch_lightning"}


def test_framework_imports_of_every_form(tmp_path):
    write(tmp_path, "module5/layers.py", """\
        import numpy as np
        import torch
        import torch.nn.functional as F
        from tensorflow import keras
        import os, jax.numpy as jnp
        import importlib
        sk = importlib.import_module("sklearn.neural_network")
        tv = __import__("torchvision")
        from importlib import import_module
        ox = import_module("onnxruntime")
        import torchaudio_like_but_not_listed
        import numpy.typing
        jx = __import__("ja" + "x")
        """)
    assert facts(scan_tree(tmp_path)) == [
        ("module5/layers.py", 2, "import torch", "framework"),
        ("module5/layers.py", 3, "import torch.nn.functional", "framework"),
        ("module5/layers.py", 4, "from tensorflow import keras", "framework"),
        ("module5/layers.py", 5, "import jax.numpy", "framework"),
        ("module5/layers.py", 7, 'importlib.import_module("sklearn.neural_network")', "framework"),
        ("module5/layers.py", 8, '__import__("torchvision")', "framework"),
        ("module5/layers.py", 10, 'import_module("onnxruntime")', "framework"),
        ("module5/layers.py", 13, '__import__("jax")', "framework"),
    ]


def test_imports_of_the_project_packages(tmp_path):
    write(tmp_path, "module6/unet.py", """\
        import reference.module5.layers
        from reference.module5 import layers as ref_layers
        from grader.suites import oracles, oracles_m5_layers
        import grader.suites.oracles
        import tests.grader.conftest
        from grader.expect import expect_close
        from given.model_utils import params_and_grads_of
        import importlib
        oracles = importlib.import_module("grader.suites.oracles")
        """)
    assert facts(scan_tree(tmp_path)) == [
        ("module6/unet.py", 1, "import reference.module5.layers", "reference"),
        ("module6/unet.py", 2, "from reference.module5 import layers", "reference"),
        ("module6/unet.py", 3, "from grader.suites import oracles, oracles_m5_layers", "grader"),
        ("module6/unet.py", 4, "import grader.suites.oracles", "grader"),
        ("module6/unet.py", 5, "import tests.grader.conftest", "grader"),
        ("module6/unet.py", 6, "from grader.expect import expect_close", "grader"),
        ("module6/unet.py", 9, 'importlib.import_module("grader.suites.oracles")', "grader"),
    ]


def test_relative_imports_inside_the_tree_are_fine(tmp_path):
    write(tmp_path, "module6/resnet_blocks.py", """\
        from ..module5.layers import Conv2D, ReLU
        from . import batchnorm
        from .batchnorm import BatchNorm2D
        from .. import module5
        import importlib
        loss = importlib.import_module(".loss", package="mytree.module5")
        layers = __import__("layers", globals(), None, ["Conv2D"], 1)
        """)
    assert scan_tree(tmp_path) == []


def test_path_strings_into_the_reference_and_the_suites(tmp_path):
    write(tmp_path, "module5/loss.py", r"""
        import os, sys
        from pathlib import Path
        HERE = os.path.dirname(__file__)
        a = open("../reference/module5/layers.py").read()
        b = os.path.join(HERE, "..", "..", "reference", "module5", "loss.py")
        c = Path(__file__).parents[2] / "reference" / "module6"
        d = os.listdir("reference")
        e = "grader/suites"
        f = "suites/test_m5_conv.py"
        g = sys.modules["grader.suites.oracles_m5_layers"]
        h = "..\\reference\\module5\\optim.py"
        i = f"{HERE}/../../tests/grader/conftest.py"
        j = __file__.replace("exercises", "reference")
        k = Path(HERE).joinpath("..", "grader", "suites").read_text()
        m = (Path(HERE) / "..") / name / 2
        import subprocess
        l = subprocess.run(["cat", "../reference/module5/layers.py"])
        os.chdir(HERE + os.sep + ".." + os.sep + "reference")
        """)
    assert facts(scan_tree(tmp_path)) == [
        ("module5/loss.py", 5, "reads ../reference/module5/layers.py", "reference"),
        ("module5/loss.py", 6, "names the path …/../../reference/module5/loss.py", "reference"),
        ("module5/loss.py", 7, "names the path …/reference/module6", "reference"),
        ("module5/loss.py", 8, "lists reference", "reference"),
        ("module5/loss.py", 9, "names the path grader/suites", "grader"),
        ("module5/loss.py", 10, "names the path suites/test_m5_conv.py", "grader"),
        ("module5/loss.py", 11, "names the path grader.suites.oracles_m5_layers", "grader"),
        ("module5/loss.py", 12, "names the path ../reference/module5/optim.py", "reference"),
        ("module5/loss.py", 13, "names the path /../../tests/grader/conftest.py", "grader"),
        ("module5/loss.py", 14, "names the path reference", "reference"),
        ("module5/loss.py", 15, "reads …/../grader/suites", "grader"),
        ("module5/loss.py", 18, "runs cat ../reference/module5/layers.py", "reference"),
        ("module5/loss.py", 19, "enters …/../reference", "reference"),
    ]


def test_a_docstring_finding_is_on_the_line_of_the_path():
    source = 'def f():\n    """Loads the answer.\n\n    From reference/module5/layers.py.\n    """\n'
    assert facts(scan_source(source, "module5/x.py")) == [
        ("module5/x.py", 4, "names the path reference/module5/layers.py", "reference")]


def test_prose_and_ordinary_strings_are_fine(tmp_path):
    write(tmp_path, "module5/layers.py", '''\
        """Layers. The reference convention is NCHW; the grader also sets non-square kernels.

        (use `reference` in place of `exercises` for the reference solution), tests point them
        at local files, see https://docs.python.org/3/reference/datamodel.html, and run
        python -m reference.module5.train_lenet for the demo.
        """
        import os
        MODES = {"reference": 1, "grader": 2, "tests": 3}
        mode = "reference"
        label = "suites of tests"
        out = os.path.join("results", "run1")
        note = "The reference" + " implementation"
        ''')
    assert scan_tree(tmp_path) == []


def test_the_real_exercise_and_reference_trees_give_nothing():
    assert scan_tree(ROOT / "exercises") == []
    assert scan_tree(ROOT / "reference") == []
    assert scan_tree(ROOT / "given") == []


def test_syntax_errors_are_skipped_not_fatal(tmp_path):
    write(tmp_path, "module5/broken.py", "import torch\ndef f(:\n")
    (tmp_path / "module5" / "nul.py").write_bytes(b"import torch\n\x00\n")
    write(tmp_path, "module5/fine.py", "import jax\n")
    assert facts(scan_tree(tmp_path)) == [("module5/fine.py", 1, "import jax", "framework")]


def test_symlinks_are_never_followed(tmp_path):
    outside = tmp_path / "outside"
    write(outside, "evil.py", "import torch\n")
    write(outside, "pkg/evil2.py", "import keras\n")
    tree = tmp_path / "tree"
    write(tree, "module5/layers.py", "import numpy\n")
    (tree / "module5" / "link.py").symlink_to(outside / "evil.py")
    (tree / "module6").symlink_to(outside / "pkg", target_is_directory=True)
    assert scan_tree(tree) == []


def test_big_files_caches_hidden_dirs_and_fifos_are_skipped(tmp_path):
    big = "import torch\n" + "#" * (MAX_BYTES - len("import torch\n")) + "\n"
    write(tmp_path, "module5/big.py", big)                       # MAX_BYTES + 1 bytes
    write(tmp_path, "module5/edge.py", "import jax\n" + "#" * (MAX_BYTES - 12) + "\n")
    write(tmp_path, "module5/__pycache__/layers.py", "import torch\n")
    write(tmp_path, ".venv/lib/torch_user.py", "import torch\n")
    write(tmp_path, "module5/notes.txt", "import torch\n")
    os.mkfifo(tmp_path / "module5" / "pipe.py")                  # open() would block forever
    assert (tmp_path / "module5" / "big.py").stat().st_size == MAX_BYTES + 1
    assert (tmp_path / "module5" / "edge.py").stat().st_size == MAX_BYTES
    assert facts(scan_tree(tmp_path)) == [("module5/edge.py", 1, "import jax", "framework")]
    assert facts(scan_tree(tmp_path, max_bytes=100)) == []


def test_paths_are_tree_relative_posix_and_sorted(tmp_path):
    write(tmp_path, "module6/sub/deep.py", "import torch\n")
    write(tmp_path, "module5/b.py", "\n\nimport torch\nimport cupy\n")
    write(tmp_path, "top.py", "import mxnet\n")
    found = scan_tree(str(tmp_path))
    assert [(f.path, f.line) for f in found] == [
        ("module5/b.py", 3), ("module5/b.py", 4), ("module6/sub/deep.py", 1), ("top.py", 1)]
    assert [module_of(f) for f in found] == [5, 5, 6, None]


def test_findings_are_frozen():
    finding = Finding("module5/layers.py", 3, "import torch", "framework")
    with pytest.raises(AttributeError):
        finding.line = 4
    assert module_of(finding) == 5
    assert module_of(Finding("module6/unet.py", 1, "import jax", "framework")) == 6
    assert module_of(Finding("module56x.py", 1, "import jax", "framework")) is None


# -- messages -----------------------------------------------------------------------------------
def test_describe_a_framework_finding():
    msg = describe([Finding("module5/layers.py", 3, "import torch", "framework")])
    assert isinstance(msg, Msg)
    assert msg == Msg("uses a deep-learning framework: import torch (module5/layers.py:3); "
                      "the course asks for numpy only",
                      "使用了深度學習框架：import torch（module5/layers.py:3）；本課程只能用 numpy")


def test_describe_reference_and_grader_findings_one_line_per_kind():
    msg = describe([
        Finding("module6/unet.py", 2, "import grader.suites.oracles", "grader"),
        Finding("module5/loss.py", 5, "reads ../reference/module5/layers.py", "reference"),
    ])
    assert msg["en"] == (
        "uses the reference solutions: reads ../reference/module5/layers.py (module5/loss.py:5); "
        "the code must be your own\n"
        "uses the grader's own tests: import grader.suites.oracles (module6/unet.py:2); "
        "they are not part of the course material")
    assert msg["zh-TW"] == (
        "使用了參考解答：讀取 ../reference/module5/layers.py（module5/loss.py:5）；程式必須是你自己寫的\n"
        "使用了批改程式自己的測試：import grader.suites.oracles（module6/unet.py:2）；這些不是課程提供的材料")


def test_describe_what_the_guard_reported():
    assert describe("import torch") == Msg(
        "uses a deep-learning framework: import torch; the course asks for numpy only",
        "使用了深度學習框架：import torch；本課程只能用 numpy")
    assert describe(("lists reference/module6", ("/t/module6/unet.py", 9)))["zh-TW"] == (
        "使用了參考解答：列出 reference/module6（/t/module6/unet.py:9）；程式必須是你自己寫的")
    many = [(f"import torch.m{i}", None) for i in range(5)]
    assert describe(many)["en"] == (
        "uses a deep-learning framework: import torch.m0, import torch.m1, import torch.m2, "
        "and 2 more; the course asks for numpy only")
    assert describe(many)["zh-TW"] == (
        "使用了深度學習框架：import torch.m0、import torch.m1、import torch.m2，另有 2 處；"
        "本課程只能用 numpy")
    assert describe("runs a command on reference/module6")["zh-TW"] == (
        "使用了參考解答：執行指令存取 reference/module6；程式必須是你自己寫的")
    assert describe([]) == Msg("", "")


def test_kind_of_a_what():
    assert [kind_of(w) for w in (
        "import torch.nn", "from keras import layers", '__import__("jax")',
        "import reference", "import tests.grader", "reads reference/module5/layers.py",
        "lists tests", "reads grader/suites/oracles.py", "runs a command on reference/module6",
    )] == ["framework", "framework", "framework", "reference", "grader", "reference",
           "grader", "grader", "reference"]


# -- the runtime guard (each in a fresh interpreter) -------------------------------------------
STUDENT = "/student/tree/module5/layers.py"      # the file name the student's code runs as

CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
config = json.loads(sys.argv[2])
for name in config.get("preload", []):
    __import__(name)
from grader import forbidden
reports = []
def report(what, where):
    reports.append([what, list(where) if where else None])
    if config.get("report_fails"):
        raise RuntimeError("the report itself fails")
finder = forbidden.install_guard(report, protected_roots=config["protected"],
                                 **config.get("options", {}))
outcomes = []
for source in config["steps"]:
    namespace = {"__name__": "student"}
    try:
        exec(compile(source, config["filename"], "exec"), namespace)
        outcomes.append(["ok", namespace.get("result")])
    except BaseException as exc:
        outcomes.append([type(exc).__name__, str(exc)])
print(json.dumps({"outcomes": outcomes, "reports": reports,
                  "first_finder": bool(sys.meta_path) and sys.meta_path[0] is finder}))
"""


def guarded(steps, protected=(), cwd=None, **config):
    """Run each source of `steps` after install_guard in a new interpreter:
    ([[outcome, result or message], ...], [[what, where], ...], whether the guard's finder
    is still sys.meta_path[0] at the end)."""
    config = {"steps": list(steps), "protected": [str(p) for p in protected],
              "filename": STUDENT, **config}
    done = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), json.dumps(config)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return out["outcomes"], out["reports"], out["first_finder"]


def test_frameworks_are_refused_and_reported_once():
    outcomes, reports, first = guarded([
        "import torch",                               # installed here: refused all the same
        "import torch\n",
        "import theano",                              # not installed: still reported first
        '__import__("tensorflow")',
        'import importlib\nimportlib.import_module("jax.numpy")',
        "try:\n    import torch\nexcept ImportError:\n    torch = None\nresult = torch",
        "import sys\n"
        "result = [m for m in ('torch', 'theano', 'tensorflow', 'jax') if m in sys.modules]",
    ])
    message = "import of 'torch' is not allowed in this course (numpy only, and your own code)"
    assert outcomes == [
        ["ForbiddenImport", message], ["ForbiddenImport", message],
        ["ForbiddenImport", message.replace("torch", "theano")],
        ["ForbiddenImport", message.replace("torch", "tensorflow")],
        ["ForbiddenImport", message.replace("torch", "jax")],
        ["ok", None],
        ["ok", []],
    ]
    assert reports == [["import torch", [STUDENT, 1]], ["import theano", [STUDENT, 1]],
                       ["import tensorflow", [STUDENT, 1]], ["import jax", [STUDENT, 2]]]
    assert first is True                          # the finder asks before any other one


def test_forbidden_import_is_an_import_error():
    outcomes, _, _ = guarded([
        "from grader.forbidden import ForbiddenImport\n"
        "result = [issubclass(ForbiddenImport, ImportError)]\n"
        "try:\n    import keras\nexcept ModuleNotFoundError:\n    result.append('not found')\n"
        "except ImportError as exc:\n    result.append(exc.name)",
    ])
    assert outcomes == [["ok", [True, "keras"]]]


def test_project_packages_not_yet_imported_are_refused(tmp_path):
    outcomes, reports, _ = guarded([
        "import grader.suites",
        "from grader.suites import oracles",
        "import reference.module5.layers",
        "import tests",
        "from grader import i18n, forbidden, codec\nresult = codec.__name__",
        "import given.data.shapes\nresult = given.data.shapes.__name__",
    ], preload=["grader.codec"])
    assert outcomes == [
        ["ForbiddenImport", "import of 'grader.suites' is not allowed in this course "
                            "(numpy only, and your own code)"],
        ["ForbiddenImport", "import of 'grader.suites' is not allowed in this course "
                            "(numpy only, and your own code)"],
        ["ForbiddenImport", "import of 'reference.module5.layers' is not allowed in this "
                            "course (numpy only, and your own code)"],
        ["ForbiddenImport", "import of 'tests' is not allowed in this course "
                            "(numpy only, and your own code)"],
        ["ok", "grader.codec"],                        # imported before the guard: unaffected
        ["ok", "given.data.shapes"],
    ]
    # The import statement names the whole module (the audit event fires before any finder).
    assert reports == [["import grader.suites", [STUDENT, 1]],
                       ["import reference.module5.layers", [STUDENT, 1]],
                       ["import tests", [STUDENT, 1]]]


def test_allowed_prefixes_let_a_late_worker_import_through():
    outcomes, reports, _ = guarded(
        ["import grader.codec\nresult = grader.codec.__name__", "import grader.report"],
        options={"allowed_prefixes": ["given", "grader.codec"]})
    assert outcomes[0] == ["ok", "grader.codec"]
    assert outcomes[1][0] == "ForbiddenImport"
    assert reports == [["import grader.report", [STUDENT, 1]]]


def test_removing_the_finder_does_not_unblock_the_import_statement():
    outcomes, reports, first = guarded([
        "import sys\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if 'forbidden' not in type(f).__module__]\n"
        "result = len(sys.meta_path)",
        "import jax",
    ])
    assert outcomes[0][0] == "ok" and outcomes[1][0] == "ForbiddenImport"
    assert reports == [["import jax", [STUDENT, 1]]]
    assert first is False                         # the audit hook refused it on its own


@pytest.fixture
def secret(tmp_path):
    """A protected root with two files, an ordinary directory and a link into the root."""
    root = tmp_path / "secret"
    write(root, "answer.py", "ANSWER = 42\n")
    write(root, "sub/other.py", "OTHER = 1\n")
    write(tmp_path, "ok/data.txt", "fine\n")
    (tmp_path / "ok" / "link.py").symlink_to(root / "answer.py")
    return root


def test_reading_and_listing_a_protected_root_is_refused(secret, tmp_path):
    answer = str(secret / "answer.py")
    outcomes, reports, _ = guarded([
        f"open({answer!r}).read()",
        f"open({answer!r}, 'rb')",                               # same what: reported once
        f"import os\nos.listdir({str(secret)!r})",
        f"import os\nos.close(os.open({str(secret / 'sub' / 'other.py')!r}, os.O_RDONLY))",
        f"import pathlib\nresult = pathlib.Path({answer!r}).read_text()",
        f"result = open({str(tmp_path / 'ok' / 'link.py')!r}).read()",
        f"import os\nresult = [sorted(d) for _, d, _ in os.walk({str(secret)!r})]",
        f"import glob\nresult = glob.glob('*.py', root_dir={str(secret)!r})",
        f"open({str(secret / 'new.py')!r}, 'w')",
    ], protected=[secret])
    denied = "[Errno 13] the grader forbids this in student code: "
    assert outcomes == [
        ["PermissionError", denied + "'secret/answer.py'"],
        ["PermissionError", denied + "'secret/answer.py'"],
        ["PermissionError", denied + "'secret'"],
        ["PermissionError", denied + "'secret/sub/other.py'"],
        ["PermissionError", denied + "'secret/answer.py'"],
        ["PermissionError", denied + "'secret/answer.py'"],
        ["PermissionError", denied + "'secret'"],
        ["PermissionError", denied + "'secret/*.py'"],
        ["PermissionError", denied + "'secret/new.py'"],
    ]
    assert reports == [
        ["reads secret/answer.py", [STUDENT, 1]],
        ["lists secret", [STUDENT, 2]],
        ["reads secret/sub/other.py", [STUDENT, 2]],
        ["globs secret/*.py", [STUDENT, 2]],
        ["writes secret/new.py", [STUDENT, 1]],
    ]


def test_relative_paths_are_resolved_against_the_working_directory(secret, tmp_path):
    outcomes, reports, _ = guarded([
        "open('secret/sub/other.py')",
        "import os\nos.chdir('secret')\nresult = os.getcwd()",
        "open('answer.py')",
        "import os\nos.listdir()",
        "import os\nos.chdir('..')\nresult = open('ok/data.txt').read()",
    ], protected=[secret], cwd=tmp_path)
    denied = "[Errno 13] the grader forbids this in student code: "
    assert outcomes == [
        ["PermissionError", denied + "'secret/sub/other.py'"],
        ["ok", str(secret)],                  # changing directory reads nothing
        ["PermissionError", denied + "'secret/answer.py'"],
        ["PermissionError", denied + "'secret'"],
        ["ok", "fine\n"],
    ]
    assert [what for what, _ in reports] == [
        "reads secret/sub/other.py", "reads secret/answer.py", "lists secret"]


def test_importing_a_protected_file_by_path_is_refused(secret):
    outcomes, reports, _ = guarded([
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('answer', {str(secret / 'answer.py')!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)",
        "import runpy\n"
        f"runpy.run_path({str(secret / 'sub' / 'other.py')!r})",
    ], protected=[secret])
    assert [o[0] for o in outcomes] == ["PermissionError", "PermissionError"]
    # Named at the student's own line, not inside importlib or runpy.
    assert reports == [["reads secret/answer.py", [STUDENT, 4]],
                       ["reads secret/sub/other.py", [STUDENT, 2]]]


def test_reference_and_suite_segments_are_protected_anywhere(tmp_path):
    copy = tmp_path / "site-packages"
    write(copy, "reference/module5/layers.py", "X = 1\n")
    write(copy, "reference/module6/unet.py", "X = 1\n")
    write(copy, "grader/suites/test_m5_conv.py", "X = 1\n")
    write(copy, "reference/notes.txt", "fine\n")
    outcomes, reports, _ = guarded([
        f"open({str(copy / 'reference' / 'module5' / 'layers.py')!r})",
        f"import os\nos.scandir({str(copy / 'reference' / 'module6')!r})",
        f"open({str(copy / 'grader' / 'suites' / 'test_m5_conv.py')!r})",
        f"result = open({str(copy / 'reference' / 'notes.txt')!r}).read()",
        "import subprocess\n"
        f"subprocess.run(['cat', {str(copy / 'reference' / 'module5' / 'layers.py')!r}])",
    ])
    assert [o[0] for o in outcomes] == [
        "PermissionError", "PermissionError", "PermissionError", "ok", "PermissionError"]
    assert outcomes[3] == ["ok", "fine\n"]
    assert reports == [
        ["reads reference/module5/layers.py", [STUDENT, 1]],
        ["lists reference/module6", [STUDENT, 2]],
        ["reads grader/suites/test_m5_conv.py", [STUDENT, 1]],
        ["runs a command on reference/module5/layers.py", [STUDENT, 2]],
    ]


def test_a_graded_copy_of_the_reference_tree_still_imports(tmp_path):
    # The worker grades a copy at <stage>/tree/reference: its own package directory.
    tree = tmp_path / "tree" / "reference"
    write(tree, "__init__.py", "")
    write(tree, "module5/__init__.py", "")
    write(tree, "module5/layers.py", "import numpy as np\nSCALE = np.float64(2.0)\n")
    write(tree, "module6/__init__.py", "")
    write(tree, "module6/unet.py",
          "from ..module5.layers import SCALE\nDOUBLE = float(SCALE) * 2\n")
    load = ("import importlib, importlib.util, sys\n"
            "spec = importlib.util.spec_from_file_location("
            f"'_target_1', {str(tree / '__init__.py')!r}, "
            f"submodule_search_locations=[{str(tree)!r}])\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "sys.modules['_target_1'] = module\n"
            "spec.loader.exec_module(module)\n"
            "result = importlib.import_module('_target_1.module6.unet').DOUBLE")
    outcomes, reports, _ = guarded([load], protected=[tmp_path / "elsewhere"], preload=["numpy"])
    assert outcomes == [["ok", 4.0]]
    assert reports == []


def test_ordinary_files_numpy_and_the_standard_library_still_work(secret, tmp_path):
    outcomes, reports, _ = guarded([
        "import numpy as np\nresult = float(np.arange(4).sum())",
        "import json, csv, fractions\nresult = json.dumps([1])",
        f"result = open({str(tmp_path / 'ok' / 'data.txt')!r}).read()",
        f"import os\nresult = sorted(os.listdir({str(tmp_path / 'ok')!r}))",
        f"open({str(tmp_path / 'ok' / 'out.txt')!r}, 'w').write('x')\nresult = 'written'",
    ], protected=[secret])
    assert outcomes == [["ok", 6.0], ["ok", "[1]"], ["ok", "fine\n"],
                        ["ok", ["data.txt", "link.py"]], ["ok", "written"]]
    assert reports == []


def test_a_failing_report_does_not_unblock(secret):
    outcomes, reports, _ = guarded([f"open({str(secret / 'answer.py')!r})", "import torch"],
                                protected=[secret], report_fails=True)
    assert [o[0] for o in outcomes] == ["PermissionError", "ForbiddenImport"]
    assert [what for what, _ in reports] == ["reads secret/answer.py", "import torch"]


def test_the_guard_installs_once():
    outcomes, _, _ = guarded([
        "from grader import forbidden\nforbidden.install_guard(print)",
    ])
    assert outcomes == [["RuntimeError",
                         "the forbidden-code guard is already installed in this process"]]
