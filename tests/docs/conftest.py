"""What the docs tests share: reading a docs/*.md file, resolving the names it cites, and
running the commands and snippets it shows.

A test module names its document and what it cites, at module level:

    DOC_PATH = "docs/module6.md"
    REFERENCE_MODULES = ("reference.module6.batchnorm", ...)   # for `Class.method` names
    COMMAND_TIMEOUT = 120                                       # seconds per command (optional)

and gets, from here:

- the fixture `doc`: a MarkdownDoc of that file (anchors, fenced blocks, prose, links, the
  names cited as "`Name`（`reference/…/file.py`）" (or `given/…`, `demos/…`), the commands),
  which also carries the checks `assert_citations_resolve`, `assert_dotted_names_resolve`
  and `assert_ran` (test modules never import conftest: two test directories have one);
- the fixture `checks`: every registered grader check, {id: CheckSpec};
- the parameters `bash_index`, `snippet_index` and `long_index`, one test per ```bash
  command, ```python snippet and ```sh command of the document;
- the fixture `runs`: {("bash" | "python" | "sh", k): Future of (exit code, output)}, every
  command and snippet started at once, a few at a time, so a test only waits for its own.

How each kind runs, from the repository root with this interpreter:

- ```bash lines starting with `python -m` run as written, except that `exercises.moduleN`
  runs as `reference.moduleN` (the learner's tree is unfinished by design) and a demo that
  saves a picture (compare_resnet, train_unet) gets `--png` into a temporary directory
  (argparse keeps the last), so the test leaves nothing in the working tree;
- ```python blocks run with `python -c`, with the same exercises → reference rewrite;
- ```sh lines starting with `python -m` are the long runs a document quotes results from
  (tens of seconds each): they are only validated, by running them with `--help` appended
  (argparse converts and checks every value before it) and requiring every `--option` they
  use to appear in that help.
"""
import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 120
WORKERS = 3
PICTURE_DEMOS = (".compare_resnet", ".train_unet")     # demos with a --png option

ANCHOR_RE = re.compile(r'<a id="([^"]+)"></a>')
NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
CITATION_RE = re.compile(
    r"((?:`" + NAME + r"`\s*(?:、|，|,|與|和)\s*)*`" + NAME + r"`)"
    r"\s*[（(]`((?:reference|given|demos)/[\w/]+\.py)`[）)]")


class MarkdownDoc:
    """One docs/*.md file, read once."""

    def __init__(self, rel_path):
        self.rel = rel_path                         # "docs/module6.md"
        self.path = ROOT / rel_path
        self.text = self.path.read_text(encoding="utf-8")

    # -- structure -------------------------------------------------------------------------
    def anchors(self):
        return ANCHOR_RE.findall(self.text)

    def fenced_blocks(self, language):
        """The bodies of the ```language fences, in order."""
        return [m.group(1) for m in
                re.finditer(r"^```" + language + r"\n(.*?)^```", self.text, re.M | re.S)]

    def prose(self):
        """The document without its fenced blocks (names in code are checked by running it)."""
        return re.sub(r"^```.*?^```", "", self.text, flags=re.M | re.S)

    def internal_links(self):
        """Targets of [text](#anchor) links."""
        return set(re.findall(r"\]\(#([^)]+)\)", self.text))

    def cross_links(self):
        """{(other file, anchor)} of [text](other.md#anchor) links to a sibling document."""
        return set(re.findall(r"\]\(([\w-]+\.md)#([^)]+)\)", self.text))

    def grader_links(self):
        """{anchor: [files]} for every `docs/<this file>#anchor` written in grader/."""
        pattern = re.escape(self.rel) + r"#([A-Za-z0-9_-]+)"
        links = {}
        for path in sorted((ROOT / "grader").rglob("*.py")):
            for anchor in re.findall(pattern, path.read_text(encoding="utf-8")):
                links.setdefault(anchor, []).append(str(path.relative_to(ROOT)))
        return links

    def section(self, anchor):
        """The text from <a id="anchor"></a> to the end of the document."""
        return self.text.split(f'<a id="{anchor}"></a>', 1)[-1]

    # -- names -----------------------------------------------------------------------------
    def cited_names(self):
        """[(module, name)] from "`A`、`B`（`reference/…/file.py`）" in the prose."""
        pairs = []
        for m in CITATION_RE.finditer(self.prose()):
            module = m.group(2)[:-3].replace("/", ".")
            pairs += [(module, n) for n in re.findall(r"`(" + NAME + r")`", m.group(1))]
        return pairs

    def backticked_names(self):
        """Every `dotted.name` in backticks in the prose."""
        return set(re.findall(r"`(" + NAME + r")`", self.prose()))

    # -- commands --------------------------------------------------------------------------
    def _python_m_lines(self, language):
        commands = []
        for block in self.fenced_blocks(language):
            for line in block.replace("\\\n", " ").splitlines():
                tokens = shlex.split(line, comments=True)
                if tokens[:2] == ["python", "-m"]:
                    commands.append(tokens)
        return commands

    def bash_commands(self):
        """Token lists of the `python -m` lines in ```bash blocks (run by the tests)."""
        return self._python_m_lines("bash")

    def long_commands(self):
        """Token lists of the `python -m` lines in ```sh blocks (validated, not run)."""
        return self._python_m_lines("sh")

    def snippets(self):
        return self.fenced_blocks("python")

    # -- the module-level helpers, for the test modules (which do not import conftest) ------
    def assert_citations_resolve(self, files, at_least=30):
        """At least `at_least` names cited with their file, citing every module of `files`
        ("reference.module6.unet"), and every one imports from the file it is cited with."""
        pairs = self.cited_names()
        assert len(pairs) >= at_least, \
            f"expected the document to cite its functions with their files, found {pairs}"
        cited = {m for m, _ in pairs}
        assert files <= cited, f"sections that cite no function of {sorted(files - cited)}"
        missing = []
        for module, name in pairs:
            try:
                resolve(module, name)
            except (ImportError, AttributeError) as exc:
                missing.append(f"{name} in {module} ({exc})")
        assert not missing, f"{self.rel} names what the reference does not have: " + "; ".join(missing)

    def assert_ran(self, runs, kind, k):
        """The k-th ```bash command, ```python snippet or ```sh command (`kind` "bash",
        "python" or "sh") of `runs` exited 0."""
        code, output = runs[(kind, k)].result()
        if kind == "python":
            assert code == 0, f"snippet {k} of {self.rel} failed (exit {code}):\n" \
                              f"{self.snippets()[k][:400]}\n...\n{output}"
        elif kind == "bash":
            tokens = self.bash_commands()[k]
            assert code == 0, f"`{shlex.join(tokens)}` (run as {command_argv(tokens)[1:]}) " \
                              f"exited {code}:\n{output}"
        else:
            tokens = self.long_commands()[k]
            assert code == 0, f"`{shlex.join(tokens)}` is not a valid command (checked with " \
                              f"--help, exit {code}):\n{output}"

    def assert_dotted_names_resolve(self, module_names, at_least):
        """At least `at_least` backticked `Name.attr` whose head is a class, a function or the
        short name of one of `module_names` are checked, and every one of them resolves."""
        checked, missing = missing_dotted_names(self, module_names)
        assert checked >= at_least, \
            f"expected many `Class.method` names in the document, checked {checked}"
        assert not missing, "these names do not exist in the reference: " + ", ".join(missing)


_DOCS = {}


def load_doc(rel_path):
    if rel_path not in _DOCS:
        _DOCS[rel_path] = MarkdownDoc(rel_path)
    return _DOCS[rel_path]


def resolve(module_name, dotted):
    obj = importlib.import_module(module_name)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def reference_namespace(module_names):
    """{short name: (module, name)} for the classes/functions defined in those modules,
    and {module short name: (module, '')}."""
    known = {}
    for module_name in module_names:
        module = importlib.import_module(module_name)
        known[module_name.rsplit(".", 1)[1]] = (module_name, "")
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module_name:
                known.setdefault(name, (module_name, name))
    return known


def missing_dotted_names(doc, module_names):
    """(how many backticked `Name.attr` were checked, the ones that do not resolve): any
    name whose head is a class or function of those modules, or a module's short name."""
    known = reference_namespace(module_names)
    checked, missing = 0, []
    for span in doc.backticked_names():
        head, _, rest = span.partition(".")
        if not rest or head not in known:
            continue
        module, name = known[head]
        dotted = f"{name}.{rest}" if name else rest
        checked += 1
        try:
            resolve(module, dotted)
        except AttributeError:
            missing.append(f"`{span}` ({module}.{dotted})")
    return checked, sorted(missing)


def on_reference(text):
    """exercises.moduleN → reference.moduleN: the learner's tree is unfinished by design."""
    return re.sub(r"\bexercises\.(module\d)", r"reference.\1", text)


def command_argv(tokens):
    return [sys.executable, "-m", on_reference(tokens[2]), *tokens[3:]]


def run_argv(argv, timeout):
    """(exit code or None on timeout, the tail of stdout and stderr)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONIOENCODING="utf-8", COLUMNS="100")
    try:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    return proc.returncode, (proc.stdout[-3000:] + "\n--- stderr ---\n" + proc.stderr[-3000:])


def long_command_check(argv, timeout):
    """Run a long command with --help appended: exit 0, and every --option it uses is one
    the program knows (unknown options are only reported after --help has exited)."""
    code, output = run_argv([*argv, "--help"], timeout)
    if code != 0:
        return code, output
    unknown = [t.split("=", 1)[0] for t in argv[3:]
               if t.startswith("--") and t.split("=", 1)[0] not in output]
    if unknown:
        return 2, f"options not in --help: {unknown}\n{output}"
    return 0, output


# -- pytest wiring --------------------------------------------------------------------------

def _doc_of(module):
    path = getattr(module, "DOC_PATH", None)
    return load_doc(path) if path else None


def pytest_generate_tests(metafunc):
    doc = _doc_of(metafunc.module)
    if doc is None:
        return
    if "bash_index" in metafunc.fixturenames:
        commands = doc.bash_commands()
        metafunc.parametrize("bash_index", range(len(commands)),
                             ids=[" ".join(t[2:]) for t in commands])
    if "snippet_index" in metafunc.fixturenames:
        snippets = doc.snippets()
        metafunc.parametrize("snippet_index", range(len(snippets)),
                             ids=[f"snippet{k}-" + s.splitlines()[-1][:30]
                                  for k, s in enumerate(snippets)])
    if "long_index" in metafunc.fixturenames:
        commands = doc.long_commands()
        metafunc.parametrize("long_index", range(len(commands)),
                             ids=[" ".join(t[2:]) for t in commands])


@pytest.fixture(scope="module")
def doc(request):
    found = _doc_of(request.module)
    assert found is not None, f"{request.module.__name__} sets no DOC_PATH"
    return found


@pytest.fixture(scope="session")
def doc_loader():
    """load_doc, for a test module that checks several documents alike (it overrides `doc`)."""
    return load_doc


@pytest.fixture(scope="module")
def checks():
    from grader.runner import load_checks
    return load_checks()


@pytest.fixture(scope="module")
def runs(request, doc, tmp_path_factory):
    """Start every command and snippet of the document at once (a few at a time) and hand
    out the futures."""
    timeout = getattr(request.module, "COMMAND_TIMEOUT", DEFAULT_TIMEOUT)
    pictures = tmp_path_factory.mktemp("doc-pictures")
    jobs = {}
    for k, tokens in enumerate(doc.bash_commands()):
        argv = command_argv(tokens)
        if tokens[2].endswith(PICTURE_DEMOS) and "--help" not in tokens:
            argv += ["--png", str(pictures / f"bash{k}.png")]
        jobs[("bash", k)] = (run_argv, argv)
    for k, code in enumerate(doc.snippets()):
        jobs[("python", k)] = (run_argv, [sys.executable, "-c", on_reference(code)])
    for k, tokens in enumerate(doc.long_commands()):
        jobs[("sh", k)] = (long_command_check, command_argv(tokens))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        yield {key: pool.submit(fn, argv, timeout) for key, (fn, argv) in jobs.items()}
