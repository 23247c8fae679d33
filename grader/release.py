"""python -m grader release OUT_DIR: the student repository, built from the committed tree.

What a student receives (a GitHub Classroom template, a zip for the course page): the
learner's tree `exercises/`, the course library `given/`, the demos, the module texts, the
kit's set-up, and the grader with its public checks only. Never `reference/`, the hidden
checks, the project's own tests, the benchmarks or the instructor's tools.

Everything comes from git HEAD, not from the working copy: an instructor's uncommitted
edits (a TODO filled in to try something) never reach students. A dirty `exercises/` is
refused unless --allow-dirty (and then still left out, with a warning).

The release's own `python3 kit.py test` runs what makes sense for a student at any stage:
the course library's tests that need nothing but `given/`, and tests/test_your_tree.py,
which checks that every file of the tree imports and keeps the course's API (the classes,
methods and signatures the grader calls, recorded from the skeleton at release time).
"""
import argparse
import ast
import io
import json
import re
import subprocess
import sys
import tarfile
from collections import namedtuple
from pathlib import Path

from . import modules, skeleton
from .target import PROJECT_ROOT

#: What ships, as paths in the repository (a folder ships what git tracks under it).
SHIPPED = ("kit.py", "pyproject.toml", "exercises", "given", "demos", "grader",
           "docs/module5.md", "docs/module6.md", "docs/json-report.md", "tests/given")
#: Inside what ships, what never does: instructor tools.
WITHHELD = ("grader/audit", "grader/audit.py", "grader/mutants.py")
#: A shipped course-library test that imports any of these is left out (it needs the
#: reference or the grader's oracles, which students do not have).
FOREIGN_IMPORTS = ("reference", "grader.suites", "tests")


class ReleaseError(Exception):
    """The release cannot be built; the message says why and what to do."""


# -- the committed tree ------------------------------------------------------------------
def _git(repo, *args, binary=False):
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True)
    except FileNotFoundError:
        raise ReleaseError("git is not installed: the release is built from the committed "
                           "tree, so it needs git") from None
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode(errors="replace").strip().splitlines()
        raise ReleaseError(f"git {' '.join(args)} failed: {detail[-1] if detail else exc}") \
            from None
    return done.stdout if binary else done.stdout.decode()


def head_commit(repo):
    try:
        return _git(repo, "rev-parse", "HEAD").strip()
    except ReleaseError as exc:
        raise ReleaseError(f"{repo} is not a git checkout with a commit ({exc}): the release "
                           f"and the Gradescope bundle are built from the committed tree") \
            from None


def dirty(repo, paths):
    """The uncommitted changes (git status lines) under `paths`."""
    out = _git(repo, "status", "--porcelain", "--untracked-files=all", "--", *paths)
    return [line for line in out.splitlines() if line.strip()]


def committed_files(repo, paths, withheld=()):
    """{repository path: bytes} of every file git HEAD holds under `paths`, minus those
    under `withheld`. Symbolic links are refused: nothing in the kit is one."""
    archive = _git(repo, "archive", "--format=tar", "HEAD", "--", *paths, binary=True)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isdir():
                continue
            if not member.isfile():
                raise ReleaseError(f"{member.name} in HEAD is not a regular file")
            if any(member.name == w or member.name.startswith(w.rstrip("/") + "/")
                   for w in withheld):
                continue
            files[member.name] = tar.extractfile(member).read()
    return files


def require_clean(repo, allow_dirty, paths=("exercises",)):
    """Refuse uncommitted changes under `paths` (they would not be in the release), unless
    `allow_dirty`; then return a warning naming them."""
    changes = dirty(repo, paths)
    if not changes:
        return None
    listed = ", ".join(line[3:] for line in changes[:5]) + (" ..." if len(changes) > 5 else "")
    if not allow_dirty:
        raise ReleaseError(f"uncommitted changes in {', '.join(paths)}/ ({listed}): commit "
                           f"them, or pass --allow-dirty to build from HEAD without them")
    return f"warning: uncommitted changes left out (built from HEAD): {listed}"


# -- hidden checks ---------------------------------------------------------------------
def _is_hidden_check(node):
    for deco in getattr(node, "decorator_list", []):
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "check":
            for kw in deco.keywords:
                if kw.arg == "hidden" and isinstance(kw.value, ast.Constant) and kw.value.value:
                    return True
    return False


def _is_check(node):
    return any(isinstance(d, ast.Call) and getattr(d.func, "id", None) == "check"
               for d in getattr(node, "decorator_list", []))


def _without(source, tree, drop):
    """`source` without the top-level definitions `drop(node)` says, decorators included."""
    lines = source.splitlines(keepends=True)
    cut = [(min(d.lineno for d in node.decorator_list), node.end_lineno)
           for node in tree.body if drop(node)]
    for start, end in sorted(cut, reverse=True):
        del lines[start - 1:end]
    return "".join(lines)


def without_hidden_checks(source):
    """(the suite's source without its hidden checks, how many checks are left). A removed
    check takes its decorators and body; everything else stays as written."""
    tree = ast.parse(source)
    left = sum(1 for node in tree.body if _is_check(node) and not _is_hidden_check(node))
    return _without(source, tree, _is_hidden_check), left


def _mistake_of(node):
    """The check id a known mistake's @mistake(...) names, or None."""
    for deco in getattr(node, "decorator_list", []):
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "mistake" and \
                deco.args and isinstance(deco.args[0], ast.Constant):
            return deco.args[0].value
    return None


def without_hidden_mistakes(source, hidden_ids):
    """(a misconception catalogue's source without the known mistakes of hidden checks, how
    many mistakes are left): a hidden check's mistakes would name it."""
    tree = ast.parse(source)
    left = sum(1 for node in tree.body if _mistake_of(node) not in (None, *hidden_ids))
    return _without(source, tree, lambda node: _mistake_of(node) in hidden_ids), left


# -- the student's own tests -------------------------------------------------------------
def _imports(source):
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def needs_more_than_given(source):
    return any(name == f or name.startswith(f + ".") for name in _imports(source)
               for f in FOREIGN_IMPORTS)


def api_of(source):
    """{name: parameter names, or None for a class} of the public top-level functions and
    classes of a module's source, with the classes' public methods and __init__ as
    "Class.method" (self included): the API the grader calls."""
    api = {node.name: None for node in ast.parse(source).body
           if isinstance(node, ast.ClassDef) and not node.name.startswith("_")}
    for name, fn in skeleton.functions(source).items():
        owner, _, method = name.rpartition(".")
        if not (owner or name).startswith("_") and (
                not method.startswith("_") or method == "__init__"):
            api[name] = [a.arg for a in fn.args.args]
    return dict(sorted(api.items()))


YOUR_TREE_TEST = '''"""Your tree keeps the course's API: every file imports, and every class, method and
function the grader calls is there with the parameters the course gave it (recorded from
the skeleton when this repository was made, in tests/api.json). Passing says nothing about
whether your code is right: `python3 kit.py grade` says that.

你的程式仍保有課程的介面：每個檔案都能 import，批改程式會呼叫的類別、方法與函式都在，參數也和骨架
一樣（建立這個 repository 時由骨架記錄在 tests/api.json）。通過不代表你的程式正確：要用
`python3 kit.py grade` 批改。"""
import importlib
import inspect
import json
from pathlib import Path

import pytest

API = json.loads((Path(__file__).parent / "api.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("module", sorted(API))
def test_your_file_keeps_the_course_api(module):
    obj = importlib.import_module("exercises." + module.replace("/", "."))
    for name, params in API[module].items():
        found = obj
        for part in name.split("."):
            assert hasattr(found, part), (f"exercises/{module}.py: {name} is missing (the "
                                          f"grader calls it) · {name} 不見了（批改程式會呼叫它）")
            found = getattr(found, part)
        if params is not None:
            got = list(inspect.signature(found).parameters)
            assert got == params, (f"exercises/{module}.py: {name}{tuple(got)} should take "
                                   f"{tuple(params)} as in the skeleton · "
                                   f"{name} 的參數應該和骨架一樣：{tuple(params)}")
'''


def student_readme(public, hidden):
    """The release's README, in both languages: the two commands, then the public checks
    (id, titles, points, section) and how many hidden checks each module has."""
    lines = [
        "# CNN from scratch · 從零實作 CNN", "",
        "```bash",
        "python3 kit.py grade    # set up on first use, then grade your exercises/ · "
        "第一次會自動安裝，然後批改你的 exercises/",
        "python3 kit.py test     # your files import and keep the course's API · "
        "檢查你的檔案能 import 且保有課程的介面",
        "```", "",
        "Work in `exercises/` (the TODO comments say what to write). `grade` passes its "
        "arguments to `python -m grader` (e.g. `python3 kit.py grade -k conv2d --verbose`); "
        "Python ≥ 3.10, nothing else to install.", "",
        "在 `exercises/` 裡作答（TODO 註解說明要寫什麼）。`grade` 後面的參數會交給 "
        "`python -m grader`（例如 `python3 kit.py grade -k conv2d --verbose`）；需要 Python ≥ 3.10，"
        "不用另外安裝其他東西。", "",
        "The derivations: [docs/module5.md](docs/module5.md), [docs/module6.md](docs/module6.md). "
        "推導與說明見上面兩份文件。", "",
    ]
    for module in modules.MODULES:
        mine = [s for s in public if s.module == module.number]
        if not mine:
            continue
        lines += [f"**Module {module.number}**", "",
                  "| check | what it covers · 檢查內容 | points |", "| --- | --- | --- |"]
        for s in mine:
            bonus = " (bonus · 選做)" if s.optional else ""
            lines.append(f"| `{s.id}` | {s.title['en']} · {s.title['zh-TW']} | "
                         f"{s.points:g}{bonus} |")
        count = sum(1 for s in hidden if s.module == module.number)
        if count:
            lines += ["", f"{count} more check{'s' if count > 1 else ''} of Module "
                      f"{module.number} run only when your submission is graded · "
                      f"另有 {count} 項 Module {module.number} 的檢查只在正式批改時執行。"]
        lines.append("")
    return "\n".join(lines)


CHECK_ID = re.compile(r"`(m\d+\.[\w.]+)`")


def _without_rows(text, hidden):
    """A module text that no longer names the hidden checks: a line naming only hidden
    checks (a check-table row, a section's "對應檢查" line) goes, and a hidden check is cut
    out of a list that also names public ones (`a`、`b`)."""
    hidden_ids = {s.id for s in hidden}
    kept = []
    for line in text.splitlines(keepends=True):
        named = CHECK_ID.findall(line)
        if named and all(i in hidden_ids for i in named):
            continue
        for i in set(named) & hidden_ids:
            line = line.replace(f"、`{i}`", "").replace(f"`{i}`、", "")
        kept.append(line)
    return "".join(kept)


# -- building ----------------------------------------------------------------------------
def build(out, repo=PROJECT_ROOT, all_checks=False, allow_dirty=False):
    """Write the student repository into `out` (a new or empty folder). Returns
    (the commit it was built from, the public checks, the hidden checks left out, a warning
    or None)."""
    out, repo = Path(out), Path(repo)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty: the release goes into a new folder")
    commit = head_commit(repo)
    warning = require_clean(repo, allow_dirty)
    files = committed_files(repo, SHIPPED, WITHHELD)
    specs = _checks_of(files)
    hidden = [] if all_checks else [s for s in specs if s.hidden]
    public = [s for s in specs if s not in hidden]
    for path in sorted(files):
        if path.startswith("grader/suites/test_") and not all_checks:
            source, left = without_hidden_checks(files[path].decode("utf-8"))
            files[path] = source.encode("utf-8")
            if left == 0:
                del files[path]
                table = "grader/suites/hints/" + Path(path).stem[len("test_"):] + ".py"
                files.pop(table, None)
        elif path.startswith("grader/suites/mistakes/") and not all_checks and \
                Path(path).name != "__init__.py":
            source, left = without_hidden_mistakes(files[path].decode("utf-8"),
                                                   {s.id for s in hidden})
            files[path] = source.encode("utf-8")
            if left == 0:
                del files[path]
        elif path.startswith("tests/") and needs_more_than_given(files[path].decode("utf-8")):
            del files[path]
    for path in [p for p in files if p.startswith("docs/")]:
        files[path] = _without_rows(files[path].decode("utf-8"), hidden).encode("utf-8")
    api = {}
    for path, data in files.items():
        if path.startswith("exercises/") and path.endswith(".py") and \
                modules.owner_of_file(Path(path).name) is not None:
            api[path[len("exercises/"):-len(".py")]] = api_of(data.decode("utf-8"))
    files["tests/api.json"] = (json.dumps(api, indent=1, sort_keys=True) + "\n").encode()
    files["tests/test_your_tree.py"] = YOUR_TREE_TEST.encode("utf-8")
    files["README.md"] = student_readme(public, hidden).encode("utf-8")
    out.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (out / "kit.py").chmod(0o755)
    return commit, public, hidden, warning


#: What the release needs to know of a check, as HEAD declares it.
CheckInfo = namedtuple("CheckInfo", "id module title points optional hidden")


def _checks_of(files):
    """The checks the committed suites declare (not the working copy's): loaded by a fresh
    interpreter from a scratch copy of the committed grader."""
    import tempfile
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
            "from grader.runner import load_checks; "
            "print(json.dumps([[s.id, s.module, dict(s.title), s.points, s.optional, s.hidden] "
            "for s in load_checks().values()]))")
    with tempfile.TemporaryDirectory(prefix="release-checks-") as tmp:
        for path, data in files.items():
            if path.startswith(("grader/", "given/")):
                (Path(tmp) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / path).write_bytes(data)
        done = subprocess.run([sys.executable, "-c", code, tmp], capture_output=True,
                              text=True, cwd=tmp)
    if done.returncode != 0:
        raise ReleaseError("the committed suites do not load: "
                           + (done.stderr.strip().splitlines() or ["?"])[-1])
    return [CheckInfo(*row) for row in json.loads(done.stdout)]


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m grader release",
        description="Build the student repository from the committed tree (git HEAD): "
                    "exercises/, given/, demos/, the module texts, kit.py and the grader with "
                    "its public checks; never reference/, the hidden checks, the project's "
                    "tests or the instructor's tools. Use the folder as the GitHub Classroom "
                    "template, or zip it for the course page.")
    p.add_argument("out", metavar="OUT_DIR", help="a new (or empty) folder for the release")
    p.add_argument("--all-checks", action="store_true",
                   help="ship the hidden checks too (the course lets students run every check)")
    p.add_argument("--allow-dirty", action="store_true",
                   help="build even with uncommitted changes in exercises/ (they are left "
                        "out: the release is HEAD)")
    args = p.parse_args(argv)
    try:
        commit, public, hidden, warning = build(args.out, all_checks=args.all_checks,
                                                allow_dirty=args.allow_dirty)
    except ReleaseError as exc:
        print(f"grader release: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"grader release: {warning}", file=sys.stderr)
    print(f"release of {commit[:12]} in {args.out}: {len(public)} public checks"
          + (f", {len(hidden)} hidden checks left out" if hidden else "")
          + "; no reference/, no project tests")
    return 0
