"""Forbidden code: deep-learning frameworks, the reference solutions, the grader's own suites.

The course asks for numpy only, and for the learner's own code. This module names a tree
that breaks those rules, in two places:

* ``scan_tree`` is the static scan, run on the trusted side before grading. It parses every
  ``.py`` file of a tree with :mod:`ast` (nothing is imported or run) and returns
  :class:`Finding` s: imports of a framework (``FRAMEWORKS``) or of the project packages
  ``reference``, ``grader`` and ``tests``, and string constants that spell a path into the
  reference solutions or the grader's suites and tests.
* ``install_guard`` is the runtime guard, installed inside the worker process before any
  student code runs: a ``sys.meta_path`` finder and an audit hook (PEP 578) that call the
  worker's ``report(what, where)`` and then refuse the import (:class:`ForbiddenImport`) or the
  file-system access (:class:`PermissionError`).

Detection, not prevention. Both halves exist to *name* the violation, so the scorecard can
say FORBIDDEN and why, instead of an opaque ImportError or a silent full score. Neither is a
security boundary: student code runs in the same interpreter as the guard and can reach the
guard's state, use ``ctypes`` or a subprocess, or simply build every name at run time. What
prevents the use is the sandbox (grader/sandbox.py): the protected directories are not in
the worker's file-system view and torch is not importable there. An audit hook is used
because Python code cannot remove one, so the naming survives ``sys.meta_path`` tampering.

What the guard sees (CPython 3.10-3.13, checked against the audit events table):
``import`` (the ``import`` statement and ``__import__``; ``importlib.import_module`` goes
through the finder only), ``open`` (``open``, ``io.open_code``, ``os.open``, ``pathlib`` reads,
the import system's own source reads), ``os.listdir`` and ``os.scandir`` (where
``Path.iterdir``, ``os.walk``, ``glob`` and ``shutil.copytree`` end up), ``os.walk``,
``os.fwalk``, ``glob.glob``, ``glob.glob/2`` (a pattern without wildcards lists nothing),
``shutil.copytree``, ``shutil.copyfile``, ``subprocess.Popen`` and ``os.system`` (a
protected working directory, or a word of the command line that is a protected path).

What it cannot see: ``os.stat``/``os.path.exists`` (no audit event), an ``open`` of a file
descriptor or one relative to a ``dir_fd`` (but the ``open`` of the directory itself is
seen), C code (``ctypes``, extension modules) calling ``open(2)`` directly, reads by a child
process beyond its command line. The static scan, for its part, sees only what the source
spells: a name or path built at run time (getattr, string methods, a data file) escapes it,
and then only the guard names the import or the read.
"""
import ast
import errno
import os
import re
import stat
import sys
from dataclasses import dataclass

from .i18n import Msg

# Top-level import names of deep-learning frameworks (and scikit-learn, for its neural nets).
FRAMEWORKS = frozenset({
    "torch", "torchvision", "tensorflow", "tf_keras", "keras", "jax", "jaxlib", "flax",
    "mxnet", "paddle", "chainer", "cupy", "theano", "caffe2", "onnx", "onnxruntime",
    "sklearn", "lightning", "pytorch_lightning",
})
# The project's own packages a tree must not import, and the kind of finding each one is.
PROJECT_PACKAGES = {"reference": "reference", "grader": "grader", "tests": "grader"}
KINDS = ("framework", "reference", "grader")
MAX_BYTES = 1_000_000          # larger files are skipped: no exercise file comes near this


@dataclass(frozen=True, order=True)
class Finding:
    """One forbidden thing in a tree.

    Attributes
    ----------
    path : str
        The file, relative to the tree, with ``/`` separators ("module5/layers.py").
    line : int
        1-based line of the offending statement or expression.
    what : str
        What was seen, short ("import torch", "reads …/reference/module5/layers.py").
    kind : str
        "framework", "reference" or "grader".
    """
    path: str
    line: int
    what: str
    kind: str


class ForbiddenImport(ImportError):
    """An import the course forbids. An ImportError, so an honest ``try: import torch /
    except ImportError:`` fallback keeps working (the guard still reports it)."""


def import_kind(name):
    """The kind of finding an absolute import of `name` is, or None when it is allowed."""
    top = name.partition(".")[0]
    if top in FRAMEWORKS:
        return "framework"
    return PROJECT_PACKAGES.get(top)


def module_of(finding):
    """The module number (5, 6) of a finding's file, or None outside moduleN/."""
    match = re.match(r"module(\d+)/", finding.path)
    return int(match.group(1)) if match else None


# -- the static scan ------------------------------------------------------------------------
# Path-looking text, matched after "\" became "/". Each pattern needs a "/" or a file or
# module name next to the word, so prose ("the reference convention", "the grader also
# sets") never matches. A boundary is the start, a separator, a quote, space or "=".
_B = r"(?:^|(?<=[/\s'\"=:(,]))"
_STRICT = [
    (re.compile(_B + r"(?:\.{1,2}/)*reference/(?:module\d|__init__\.py)(?![\w])", re.I),
     "reference"),
    (re.compile(_B + r"\.{1,2}/reference(?=/|$|[\s'\"])", re.I), "reference"),
    (re.compile(_B + r"grader/(?:suites|oracles)(?![\w])", re.I), "grader"),
    (re.compile(_B + r"suites/(?:test_m\d|oracles)", re.I), "grader"),
    (re.compile(r"(?<![\w])oracles_m\d", re.I), "grader"),
    (re.compile(_B + r"tests/(?:grader|module\d)(?![\w])", re.I), "grader"),
]
# A whole string that is a dotted module name of the protected packages
# (sys.modules["grader.suites.oracles"], import_module(name) with name built elsewhere).
_DOTTED = re.compile(r"(reference|grader|tests)\.(?:module\d|suites|grader)(?:\.\w+)*", re.I)
# Looser patterns, only for text that is certainly a path: the pieces given to open(),
# os.listdir(), os.path.join(), Path(...) / "...". There one bare segment is enough.
_LOOSE = [
    (re.compile(r"(?:^|/)reference(?:/|$)", re.I), "reference"),
    (re.compile(r"(?:^|/)(?:grader|suites|oracles\w*(?:\.py)?)(?:/|$)", re.I), "grader"),
]

HOLE = "…"                    # a piece of a path the scan cannot know (a variable, a call)
# Calls whose arguments are certainly paths (or command lines), by the verb a finding uses.
_READS = {"open", "read_text", "read_bytes", "open_code", "FileIO", "spec_from_file_location",
          "run_path", "SourceFileLoader", "SourcelessFileLoader", "loadtxt", "genfromtxt",
          "fromfile", "load", "copyfile", "copy", "copy2", "symlink", "link", "symlink_to",
          "hardlink_to"}
_LISTS = {"listdir", "scandir", "walk", "fwalk", "glob", "iglob", "iterdir", "rglob", "copytree"}
_RUNS = {"system", "popen", "Popen", "run", "call", "check_call", "check_output",
         "getoutput", "getstatusoutput", "execv", "execvp", "execl", "execlp", "spawnv"}
_VERB_OF = {**dict.fromkeys(_READS, "reads"), **dict.fromkeys(_LISTS, "lists"),
            **dict.fromkeys(_RUNS, "runs"), "chdir": "enters"}
_PATH_CLASSES = {"Path", "PurePath", "PosixPath", "WindowsPath", "PurePosixPath",
                 "PureWindowsPath"}
# Path methods that read or list the path they are called on: Path(...).read_text().
_PATH_METHODS = {"read_text", "read_bytes", "open", "iterdir", "glob", "rglob", "walk"}
_SAME_PATH = {"abspath", "normpath", "realpath", "expanduser", "fspath", "fsencode",
              "fsdecode", "resolve", "absolute", "str"}


def _terminal(func):
    """The last name of a call's function: open, join, import_module..."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


class _PathText:
    """The text a path expression spells, with HOLE for what is not a constant.

    Marks every node it read in `used`, so the constants inside a path already reported are
    not reported a second time on their own."""

    def __init__(self, used):
        self.used = used

    def __call__(self, node):
        try:
            return self._text(node)
        except RecursionError:    # a pathologically deep expression: say nothing about it
            return HOLE

    def _text(self, node):
        self.used.add(node)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node.value
            if isinstance(node.value, bytes):
                return node.value.decode("latin-1")
            return HOLE
        if isinstance(node, ast.JoinedStr):
            return "".join(self._text(v) if isinstance(v, ast.Constant) else HOLE
                           for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._text(node.left) + "/" + self._text(node.right)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._text(node.left) + self._text(node.right)
        if isinstance(node, ast.Attribute) and node.attr in ("sep", "altsep"):
            return "/"                                   # os.sep, os.path.sep
        if isinstance(node, (ast.List, ast.Tuple)):
            return " ".join(self._text(e) for e in node.elts)
        if isinstance(node, ast.Call):
            name = _terminal(node.func)
            args = list(node.args)
            if name == "join" and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Constant) \
                    and isinstance(node.func.value.value, str) and len(args) == 1 \
                    and isinstance(args[0], (ast.List, ast.Tuple)):
                # "/".join(["reference", "module5"])
                return node.func.value.value.join(self._text(e) for e in args[0].elts)
            if name == "join" or name in _PATH_CLASSES:
                return "/".join(self._text(a) for a in args) if args else HOLE
            if name == "joinpath" and isinstance(node.func, ast.Attribute):
                return "/".join([self._text(node.func.value)] + [self._text(a) for a in args])
            if name in _SAME_PATH and args:
                return self._text(args[0])
            if name in _SAME_PATH and isinstance(node.func, ast.Attribute):
                return self._text(node.func.value)       # Path(...).resolve()
        return HOLE


def _tidy(text):
    """Path text with "\\" as "/", runs of "/" and of holes collapsed."""
    text = re.sub(r"/+", "/", text.replace("\\", "/"))
    return re.sub(HOLE + "+", HOLE, text)


def _match(text, loose):
    """(kind, matched text, newlines before the match) for text that points at a protected
    place, else None."""
    text = _tidy(text)
    for pattern, kind in _STRICT:
        match = pattern.search(text)
        if match:
            # The whole word around the match: a path, not the docstring it sits in.
            start = max(text.rfind(c, 0, match.start()) for c in " \t\n'\"(`") + 1
            ends = [i for i in (text.find(c, match.end()) for c in " \t\n'\")`,") if i >= 0]
            word = text if loose else text[start:min(ends, default=len(text))]
            return kind, word.rstrip(".:;"), text.count("\n", 0, match.start())
    for pattern, kind in _LOOSE if loose else []:
        if pattern.search(text):
            return kind, text, 0
    match = _DOTTED.fullmatch(text.strip())
    if match:
        return PROJECT_PACKAGES[match.group(1).lower()], text.strip(), 0
    return None


def _short(text, limit=80):
    return text if len(text) <= limit else text[:limit - 1] + HOLE


def _import_call(node):
    """The module name of __import__("x") / importlib.import_module("x") with a constant
    name, resolved when relative with a constant package; else None."""
    name = _terminal(node.func)
    if name not in ("__import__", "import_module"):
        return None
    if name == "import_module" and isinstance(node.func, ast.Attribute) \
            and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "importlib"):
        return None
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    target = node.args[0] if node.args else keywords.get("name")
    if target is None:
        return None
    # A constant, or constants glued together ("tor" + "ch"): fold it.
    module = _PathText(set())(target)
    if HOLE in module or not re.fullmatch(r"\.*[\w.]+", module):
        return None
    if name == "__import__":
        level = node.args[4] if len(node.args) > 4 else keywords.get("level")
        if isinstance(level, ast.Constant) and isinstance(level.value, int) and level.value > 0:
            return None                   # relative: resolved inside the tree
        return module
    if module.startswith("."):
        package = node.args[1] if len(node.args) > 1 else keywords.get("package")
        if isinstance(package, ast.Constant) and isinstance(package.value, str):
            return package.value          # only its top-level name matters
        return None
    return module


def scan_source(source, path):
    """The findings in one file's source (str or bytes); [] when it does not parse.

    Parameters
    ----------
    source : str or bytes
        The file's contents (bytes honour a coding cookie, as Python does).
    path : str
        The tree-relative path stored in each finding.
    """
    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []          # not Python: the grader reports syntax errors on its own
    found = set()
    used = set()          # nodes already part of a reported path expression
    text_of = _PathText(used)

    def add(node, what, kind, below=0):
        found.add(Finding(path, getattr(node, "lineno", 0) + below, what, kind))

    def check_path(node, verb, where):
        hit = _match(text_of(node), loose=True)
        if hit:
            add(where, f"{verb} {_short(hit[1])}", hit[0])

    # ast.walk is breadth first, so an outer call or path expression is seen before the
    # pieces inside it and claims them.
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                kind = import_kind(alias.name)
                if kind:
                    add(node, f"import {alias.name}", kind)
        elif isinstance(node, ast.ImportFrom):
            # Relative imports (level > 0) stay inside the tree: that is how module6 uses
            # module5. An absolute one names its package.
            if node.level == 0 and node.module:
                kind = import_kind(node.module)
                if kind:
                    names = ", ".join(a.name for a in node.names[:3])
                    more = ", …" if len(node.names) > 3 else ""
                    add(node, f"from {node.module} import {names}{more}", kind)
        elif isinstance(node, ast.Call) and node not in used:
            module = _import_call(node)
            if module is not None:
                used.update(ast.walk(node))       # its name is not a path string as well
                kind = import_kind(module)
                if kind:
                    add(node, f'{ast.unparse(node.func)}("{module}")', kind)
                continue
            name = _terminal(node.func)
            verb = _VERB_OF.get(name)
            if verb is not None:
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    check_path(arg, verb, node)
                if isinstance(node.func, ast.Attribute) and name in _PATH_METHODS:
                    check_path(node.func.value, verb, node)     # Path(...).read_text()
            elif name == "join" or name in _PATH_CLASSES or name == "joinpath":
                check_path(node, "names the path", node)
            elif name == "replace":
                # __file__.replace("exercises", "reference"): a bare segment swapped in.
                for arg in node.args[1:2]:
                    check_path(arg, "names the path", node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and node not in used:
            # Path(...) / "reference": dividing by a string only makes sense for paths (and
            # a division of numbers spells nothing but holes).
            check_path(node, "names the path", node)
        elif isinstance(node, ast.Constant) and node not in used \
                and isinstance(node.value, (str, bytes)):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            hit = _match(text, loose=False)
            if hit:
                # A docstring's finding is on the line of the match, not of the string.
                add(node, f"names the path {_short(hit[1].strip())}", hit[0], below=hit[2])
    return sorted(found)


def _read_capped(path, cap):
    """The bytes of regular file `path`, not following a symlink; None when it is not a
    regular file, is larger than `cap` or cannot be read."""
    try:
        info = os.lstat(path)
        # A FIFO or device named x.py would block or never end; a symlink could leave the tree.
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 16, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return None if size > cap else b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def scan_tree(root, max_bytes=MAX_BYTES):
    """Statically scan every ``.py`` file under `root` for forbidden code.

    Parameters
    ----------
    root : str or os.PathLike
        The tree to scan (the directory holding module5/, module6/).
    max_bytes : int
        Files larger than this are skipped unread.

    Returns
    -------
    list of Finding
        Sorted by path, then line. Skipped: ``__pycache__`` and hidden directories (``.git``,
        ``.venv``: never imported by the grader), symbolic links (never followed, to files or
        directories), files that do not parse, and files over `max_bytes`.
    """
    root = os.fspath(root)
    findings = []
    for directory, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            full = os.path.join(directory, name)
            source = _read_capped(full, max_bytes)
            if source is None:
                continue
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            findings.extend(scan_source(source, rel))
    return sorted(findings)


# -- messages ---------------------------------------------------------------------------------
_VERBS_ZH = {"reads": "讀取", "writes": "寫入", "lists": "列出", "globs": "搜尋檔案",
             "copies": "複製", "runs a command on": "執行指令存取", "runs": "執行指令",
             "enters": "切換到", "names the path": "寫出路徑"}
_SHOWN = 3


def kind_of(what):
    """The kind ("framework", "reference", "grader") of a guard's or a finding's `what`."""
    match = re.match(r"(?:import|from)\s+([\w.]+)", what) \
        or re.match(r"[\w.]*(?:__import__|import_module)\(\"([\w.]+)", what)
    if match:
        return import_kind(match.group(1)) or "grader"
    if re.search(r"(?:^|[\s/])reference(?:/|$|\s)", what):
        return "reference"
    return "grader"


def _what_zh(what):
    for verb, zh in _VERBS_ZH.items():
        if what.startswith(verb + " "):
            return zh + " " + what[len(verb) + 1:]
    return what


def _items(entries):
    """Normalise describe()'s argument to [(kind, what, location or None)]."""
    if isinstance(entries, (Finding, str)) or (
            isinstance(entries, tuple) and len(entries) == 2 and isinstance(entries[0], str)):
        entries = [entries]
    items = []
    for entry in entries:
        if isinstance(entry, Finding):
            items.append((entry.kind, entry.what, f"{entry.path}:{entry.line}"))
        elif isinstance(entry, str):
            items.append((kind_of(entry), entry, None))
        else:                                   # (what, where) as the guard reported it
            what, where = entry
            location = f"{where[0]}:{where[1]}" if where else None
            items.append((kind_of(what), what, location))
    return items


def _listing(items):
    """(English, Chinese) text of up to _SHOWN items and how many more there are."""
    en, zh = [], []
    for _, what, location in items[:_SHOWN]:
        en.append(f"{what} ({location})" if location else what)
        zh.append(f"{_what_zh(what)}（{location}）" if location else _what_zh(what))
    more = len(items) - _SHOWN
    en_text, zh_text = ", ".join(en), "、".join(zh)
    if more > 0:
        en_text += f", and {more} more"
        zh_text += f"，另有 {more} 處"
    return en_text, zh_text


def describe(findings_or_what):
    """The bilingual message for forbidden code, one line per kind.

    Parameters
    ----------
    findings_or_what : Finding, str, (what, where) or an iterable of those
        Findings of ``scan_tree``, or what the runtime guard reported (``where`` is a
        ``(filename, line)`` pair or None).

    Returns
    -------
    grader.i18n.Msg
        Empty texts when there is nothing to describe.
    """
    items = _items(findings_or_what)
    lines = []
    for kind in KINDS:
        mine = [i for i in items if i[0] == kind]
        if not mine:
            continue
        en, zh = _listing(mine)
        if kind == "framework":
            lines.append(Msg(f"uses a deep-learning framework: {en}; "
                             "the course asks for numpy only",
                             f"使用了深度學習框架：{zh}；本課程只能用 numpy"))
        elif kind == "reference":
            lines.append(Msg(f"uses the reference solutions: {en}; the code must be your own",
                             f"使用了參考解答：{zh}；程式必須是你自己寫的"))
        else:
            lines.append(Msg(f"uses the grader's own tests: {en}; "
                             "they are not part of the course material",
                             f"使用了批改程式自己的測試：{zh}；這些不是課程提供的材料"))
    message = Msg("", "")
    for number, line in enumerate(lines):
        message = message + (Msg("\n", "\n") if number else Msg("", "")) + line
    return message


# -- the runtime guard ------------------------------------------------------------------------
# Path segments that mark the reference solutions and the suites wherever they are (an
# installed copy in site-packages, a copy in /tmp), besides the caller's protected roots.
_SEGMENTS = re.compile(r"(?:^|/)((?:reference/module\d|grader/suites)(?:/|$).*)")
_PATH_EVENTS = {"open": "reads", "os.listdir": "lists", "os.scandir": "lists",
                "os.walk": "lists", "os.fwalk": "lists", "glob.glob": "globs",
                "glob.glob/2": "globs", "shutil.copytree": "copies",
                "shutil.copyfile": "copies"}
_COMMAND_EVENTS = {"subprocess.Popen", "os.system"}
_EVENTS = frozenset(_PATH_EVENTS) | _COMMAND_EVENTS | {"import"}
_installed = []


def _inside(path, roots):
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class _Guard:
    """The state behind install_guard: one finder, one audit hook, one report-once set."""

    def __init__(self, report, protected_roots, allowed_prefixes, allowed_roots):
        self.report = report
        self.protected = self._roots(protected_roots)
        self.allowed_roots = self._roots(allowed_roots)
        self.allowed = tuple(allowed_prefixes)
        self.seen = set()
        import threading                      # already imported by every interpreter
        self.local = threading.local()
        stdlib = os.path.dirname(os.path.abspath(os.__file__))
        self.stdlib = {stdlib, os.path.realpath(stdlib)}
        self.here = {os.path.abspath(__file__), os.path.realpath(__file__)}

    @staticmethod
    def _roots(paths):
        roots = set()
        for path in paths:
            path = os.fsdecode(os.fspath(path))
            roots.update({os.path.abspath(path), os.path.realpath(path)})
        return tuple(sorted(roots))

    # -- naming ---------------------------------------------------------------------------
    def _skip_frame(self, filename):
        if filename.startswith("<frozen") or os.path.abspath(filename) in self.here:
            return True
        absolute = os.path.abspath(filename)
        in_site = re.search(r"[/\\](?:site|dist)-packages[/\\]", absolute)
        if _inside(absolute, self.stdlib) and not in_site:
            return True
        numpy = sys.modules.get("numpy")
        numpy_file = getattr(numpy, "__file__", None)
        if isinstance(numpy_file, str):
            numpy_dir = os.path.dirname(os.path.abspath(numpy_file))
            if _inside(absolute, (numpy_dir, os.path.realpath(numpy_dir))):
                return True
        return False

    def where(self):
        """(filename, line) of the innermost frame outside stdlib, numpy and this module."""
        frame = sys._getframe(1)
        while frame is not None:
            if not self._skip_frame(frame.f_code.co_filename):
                return (frame.f_code.co_filename, frame.f_lineno)
            frame = frame.f_back
        return None

    def flag(self, what):
        """Report `what` once. The reentrancy flag is set by the caller."""
        if what in self.seen:
            return
        self.seen.add(what)
        try:
            self.report(what, self.where())
        except Exception:       # noqa: BLE001 - a failing report must not unblock the access
            pass

    # -- imports --------------------------------------------------------------------------
    def forbidden_import(self, name):
        """True for a module the guard refuses: a forbidden top-level name, not yet
        imported, and not under an allowed prefix."""
        if import_kind(name) is None or name in sys.modules:
            return False
        return not any(name == p or name.startswith(p + ".") for p in self.allowed)

    def refuse_import(self, name):
        if not getattr(self.local, "busy", False):
            self.local.busy = True
            try:
                self.flag(f"import {name}")
            finally:
                self.local.busy = False
        raise ForbiddenImport(f"import of {name!r} is not allowed in this course "
                              "(numpy only, and your own code)", name=name)

    # -- paths ----------------------------------------------------------------------------
    def _own_package_dirs(self):
        """The __path__ directories of the top-level packages already imported (the tree
        the worker is grading is one): a copy of reference/ graded as a tree lives under
        .../reference/module5 too, and reading it is how it gets imported."""
        dirs = []
        for name, module in list(sys.modules.items()):
            if "." in name or name in PROJECT_PACKAGES:
                continue
            try:
                paths = list(getattr(module, "__path__", None) or ())
            except Exception:     # noqa: BLE001 - a student's module object may be anything
                continue
            for path in paths:
                if isinstance(path, str):
                    dirs += [os.path.abspath(path), os.path.realpath(path)]
        return dirs

    def protected_display(self, path):
        """How to name `path` when it is protected (e.g. "reference/module5/layers.py"),
        else None."""
        if path is None:
            path = "."                           # os.listdir() and os.scandir() default
        elif isinstance(path, int):
            return None                          # a file descriptor: its open was checked
        try:
            path = os.fsdecode(os.fspath(path))
        except TypeError:
            return None
        # Both spellings: abspath names what the code asked for, realpath what a symlink in
        # an unprotected place leads to.
        for candidate in dict.fromkeys((os.path.abspath(path), os.path.realpath(path))):
            if _inside(candidate, self.allowed_roots):
                continue
            for root in self.protected:
                if _inside(candidate, (root,)):
                    base = os.path.dirname(root.rstrip(os.sep))
                    return os.path.relpath(candidate, base).replace(os.sep, "/")
            match = _SEGMENTS.search(candidate.replace(os.sep, "/"))
            if match and not _inside(candidate, self._own_package_dirs()):
                return match.group(1)
        return None

    def command_display(self, args):
        """The protected place a command line names (its working directory or a word with
        a "/" in it), or None."""
        if len(args) >= 3:
            words, cwd = args[1], args[2]        # subprocess.Popen: executable, args, cwd, env
        else:
            words, cwd = (args[0] if args else ""), None     # os.system(command)
        if isinstance(words, (str, bytes)):
            words = os.fsdecode(words).split()
        if cwd is not None:
            shown = self.protected_display(cwd)
            if shown:
                return shown
        for word in words:
            try:
                word = os.fsdecode(os.fspath(word))
            except TypeError:
                continue
            if "/" in word or os.sep in word:
                shown = self.protected_display(word.strip("'\""))
                if shown:
                    return shown
        return None

    @staticmethod
    def _bytecode_probe(event, args):
        """True for the import system looking for a cached .pyc that is not there: refused
        like any other open, but not reported, since the source read that follows names the
        same file (spec_from_file_location, runpy)."""
        if event != "open" or not args or not isinstance(args[0], (str, bytes)):
            return False
        path = os.fsdecode(args[0])
        return (path.endswith(".pyc") and os.path.basename(os.path.dirname(path)) == "__pycache__"
                and not os.path.exists(path))

    def audit(self, event, args):
        # The cheapest possible test first: this runs for every audited operation.
        if event not in _EVENTS or getattr(self.local, "busy", False):
            return
        if event == "import":
            name = args[0] if args else None
            if isinstance(name, str) and self.forbidden_import(name):
                self.refuse_import(name)
            return
        what = shown = None
        self.local.busy = True       # abspath, realpath and report() must not come back here
        try:
            if event in _COMMAND_EVENTS:
                shown = self.command_display(args)
                what = f"runs a command on {shown}" if shown else None
            else:
                shown = self.protected_display(args[0] if args else None)
                if event == "glob.glob/2" and shown is None and len(args) > 2 and args[2]:
                    root_dir = os.fsdecode(os.fspath(args[2]))     # glob(pattern, root_dir=...)
                    shown = self.protected_display(os.path.join(root_dir, os.fsdecode(args[0])))
                verb = _PATH_EVENTS[event]
                if event == "open" and shown is not None:
                    mode, flags = (args[1], args[2]) if len(args) > 2 else ("r", 0)
                    writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                        (mode is None and isinstance(flags, int)
                         and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
                    verb = "writes" if writing else "reads"
                what = f"{verb} {shown}" if shown else None
            if what is not None and not self._bytecode_probe(event, args):
                self.flag(what)
        except (TypeError, ValueError):
            what = None      # an argument of a shape the OS call will reject on its own
        finally:
            self.local.busy = False
        if what is not None:
            raise PermissionError(errno.EACCES, "the grader forbids this in student code", shown)


class _Finder:
    """The sys.meta_path finder: refuses forbidden names before any other finder looks.

    It only sees modules that are not in sys.modules yet, so what the worker imported before
    the guard (numpy, grader.codec, ...) keeps working."""

    def __init__(self, guard):
        self.guard = guard

    def find_spec(self, name, path=None, target=None):
        if self.guard.forbidden_import(name):
            self.guard.refuse_import(name)
        return None                       # not ours: the next finder decides

    def invalidate_caches(self):
        pass


def install_guard(report, protected_roots=(), allowed_prefixes=("given",), *, allowed_roots=()):
    """Install the runtime guard in this process, for good (an audit hook cannot be removed).

    Parameters
    ----------
    report : callable(what: str, where: tuple or None)
        Called once per distinct `what` ("import torch", "reads reference/module5/layers.py");
        `where` is (filename, line) of the innermost frame outside the standard library,
        numpy and this module, or None. Exceptions it raises are swallowed.
    protected_roots : iterable of path
        Absolute directories nothing may open or list: the project's reference/,
        grader/suites/ and tests/. Paths through ``reference/module5``, ``reference/module6``
        or ``grader/suites`` segments are protected wherever they are.
    allowed_prefixes : iterable of str
        Dotted module-name prefixes never refused ("given" is the course's helper package;
        add e.g. "grader.codec" for a module the worker itself imports late).
    allowed_roots : iterable of path
        Directories never refused even under a protected segment, e.g. the tree being
        graded when it is a copy of reference/. The __path__ of every top-level package
        already imported is exempt from the segment rule anyway, which covers the tree once
        the worker has created its package.

    Returns
    -------
    object
        The finder placed at ``sys.meta_path[0]``.

    Raises
    ------
    RuntimeError
        When a guard is already installed in this process.
    """
    if _installed:
        raise RuntimeError("the forbidden-code guard is already installed in this process")
    guard = _Guard(report, protected_roots, allowed_prefixes, allowed_roots)
    finder = _Finder(guard)
    sys.meta_path.insert(0, finder)
    sys.addaudithook(guard.audit)
    _installed.append(guard)
    return finder
