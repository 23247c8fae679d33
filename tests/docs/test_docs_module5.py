"""docs/module5.md: its anchors, the grader's links into it, the names it cites, its code.

- (a) every section anchor the course relies on exists, once, right before a heading;
- (b) every `docs/module5.md#anchor` written anywhere in grader/ (and every Module 5 check's
  `doc`) exists in the document, and the document's check table names every Module 5 check;
- (c) every function, class or method the document names exists in the reference tree:
  a name in backticks followed by its file, as in "`Conv2D.backward`（`reference/module5/layers.py`）"
  or "`he_init`、`xavier_init`（`reference/module5/weight_init.py`）", is imported from that
  file; any other backticked `Name.attr` whose `Name` is a class or function of the reference
  (or `module.attr` with a reference module's short name) must resolve too;
- (d) every ```bash line starting with `python -m` exits 0, and every ```python block runs,
  from the repository root with this interpreter. The document is written for learners, who
  run it on their own `exercises/` tree; that tree is unfinished by design, so `exercises.`
  module paths are run as `reference.` (the only rewrite). Grader commands run as written.
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
DOC = ROOT / "docs" / "module5.md"
TEXT = DOC.read_text(encoding="utf-8")

REQUIRED_ANCHORS = (
    "computational-graph", "warm-up-1d", "fully-connected", "relu-and-sigmoid",
    "softmax-and-cross-entropy", "conv2d-forward", "conv2d-backward", "im2col", "max-pooling",
    "layer-protocol", "simplecnn", "weight-initialisation", "momentum",
    "learning-rate-schedules", "overfit-a-tiny-batch", "gradient-check",
)
REFERENCE_MODULES = ("reference.module5.layers", "reference.module5.loss",
                     "reference.module5.network", "reference.module5.optim",
                     "reference.module5.weight_init", "given.gradcheck")
COMMAND_TIMEOUT = 120      # seconds per command; together they take ~15-30 s on an idle machine


# -- helpers --------------------------------------------------------------------------------

ANCHOR_RE = re.compile(r'<a id="([^"]+)"></a>')


def anchors():
    return ANCHOR_RE.findall(TEXT)


def fenced_blocks(language):
    """The bodies of the ```language fences, in order."""
    return [m.group(1) for m in re.finditer(r"^```" + language + r"\n(.*?)^```", TEXT, re.M | re.S)]


def resolve(module_name, dotted):
    obj = importlib.import_module(module_name)
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def prose():
    """The document without its fenced blocks (names in code are checked by running it)."""
    return re.sub(r"^```.*?^```", "", TEXT, flags=re.M | re.S)


# -- (a) anchors ------------------------------------------------------------------------------

def test_required_anchors_exist_once():
    found = anchors()
    missing = [a for a in REQUIRED_ANCHORS if a not in found]
    assert not missing, f"docs/module5.md lacks the anchors {missing}"
    duplicated = sorted({a for a in found if found.count(a) > 1})
    assert not duplicated, f"anchors defined more than once: {duplicated}"


def test_every_anchor_sits_right_before_a_heading():
    lines = TEXT.splitlines()
    for k, line in enumerate(lines):
        m = ANCHOR_RE.fullmatch(line.strip())
        if m:
            following = lines[k + 1] if k + 1 < len(lines) else ""
            assert following.startswith("#"), \
                f"<a id=\"{m.group(1)}\"> (line {k + 1}) is not followed by a heading: {following!r}"


def test_internal_links_resolve():
    targets = set(re.findall(r"\]\(#([^)]+)\)", TEXT))
    assert targets, "expected links between sections"
    missing = sorted(targets - set(anchors()))
    assert not missing, f"links to missing anchors: {missing}"


# -- (b) the grader's links -------------------------------------------------------------------

def grader_links():
    """{anchor: [files]} for every docs/module5.md#anchor written in grader/ (suites included)."""
    links = {}
    for path in sorted((ROOT / "grader").rglob("*.py")):
        for anchor in re.findall(r"docs/module5\.md#([A-Za-z0-9_-]+)", path.read_text(encoding="utf-8")):
            links.setdefault(anchor, []).append(str(path.relative_to(ROOT)))
    return links


def test_every_grader_link_into_module5_exists():
    links = grader_links()
    assert links, "no docs/module5.md#… link found in grader/: did the suites move?"
    have = set(anchors())
    missing = {a: files for a, files in links.items() if a not in have}
    assert not missing, f"the grader links to anchors docs/module5.md lacks: {missing}"


@pytest.fixture(scope="module")
def checks():
    from grader.runner import load_checks
    return load_checks()


def test_every_module5_check_doc_exists(checks):
    have = set(anchors())
    bad = {}
    for spec in checks.values():
        doc = spec.doc or ""
        if doc.startswith("docs/module5.md"):
            anchor = doc.partition("#")[2]
            if not anchor or anchor not in have:
                bad[spec.id] = doc
    assert not bad, f"checks whose doc link does not resolve: {bad}"


def test_check_table_names_every_module5_check_and_only_real_ones(checks):
    m5 = {spec.id for spec in checks.values() if spec.module == 5}
    assert m5, "no Module 5 checks registered"
    named = set(re.findall(r"`(m5\.[a-z0-9_.]+)`", TEXT))
    unknown = sorted(named - set(checks))
    assert not unknown, f"docs/module5.md names checks that do not exist: {unknown}"
    table = TEXT.split('<a id="checks"></a>', 1)[-1]
    missing = sorted(i for i in m5 if f"`{i}`" not in table)
    assert not missing, f"add these checks to the table in section 'checks' of docs/module5.md: {missing}"


# -- (c) the names the document cites --------------------------------------------------------

NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
CITATION_RE = re.compile(
    r"((?:`" + NAME + r"`\s*(?:、|，|,|與|和)\s*)*`" + NAME + r"`)"
    r"\s*[（(]`((?:reference|given)/[\w/]+\.py)`[）)]")


def cited_names():
    """[(module, name)] from "`A`、`B`（`reference/…/file.py`）" in the prose."""
    pairs = []
    for m in CITATION_RE.finditer(prose()):
        module = m.group(2)[:-3].replace("/", ".")
        pairs += [(module, n) for n in re.findall(r"`(" + NAME + r")`", m.group(1))]
    return pairs


def reference_namespace():
    """{short name: (module, name)} for the classes/functions defined in the reference files,
    and {module short name: (module, '')}."""
    known = {}
    for module_name in REFERENCE_MODULES:
        module = importlib.import_module(module_name)
        known[module_name.rsplit(".", 1)[1]] = (module_name, "")
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module_name:
                known.setdefault(name, (module_name, name))
    return known


def test_cited_names_exist_in_the_named_file():
    pairs = cited_names()
    assert len(pairs) >= 30, f"expected the document to cite its functions with their files, found {pairs}"
    files = {m for m, _ in pairs}
    assert {"reference.module5.layers", "reference.module5.loss", "reference.module5.network",
            "reference.module5.optim", "reference.module5.weight_init", "given.gradcheck"} <= files
    missing = []
    for module, name in pairs:
        try:
            resolve(module, name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name} in {module} ({exc})")
    assert not missing, "docs/module5.md names what the reference does not have: " + "; ".join(missing)


def test_dotted_names_of_reference_objects_exist():
    known = reference_namespace()
    checked, missing = 0, []
    for span in set(re.findall(r"`(" + NAME + r")`", prose())):
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
    assert checked >= 10, f"expected many `Class.method` names in the document, checked {checked}"
    assert not missing, "these names do not exist in the reference: " + ", ".join(sorted(missing))


# -- (d) the commands and snippets run --------------------------------------------------------

def bash_commands():
    commands = []
    for block in fenced_blocks("bash"):
        for line in block.replace("\\\n", " ").splitlines():
            tokens = shlex.split(line, comments=True)
            if tokens[:2] == ["python", "-m"]:
                commands.append(tokens)
    return commands


def on_reference(text):
    """exercises.module5 → reference.module5: the learner's tree is unfinished by design."""
    return re.sub(r"\bexercises\.(module\d)", r"reference.\1", text)


def command_argv(tokens):
    return [sys.executable, "-m", on_reference(tokens[2]), *tokens[3:]]


BASH = bash_commands()
SNIPPETS = fenced_blocks("python")


def _run(argv):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONIOENCODING="utf-8", COLUMNS="100")
    try:
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=COMMAND_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {COMMAND_TIMEOUT} s"
    return proc.returncode, (proc.stdout[-3000:] + "\n--- stderr ---\n" + proc.stderr[-3000:])


@pytest.fixture(scope="module")
def runs():
    """Start every command and snippet at once (a few at a time) and hand out the futures."""
    jobs = {("bash", k): command_argv(tokens) for k, tokens in enumerate(BASH)}
    jobs.update({("python", k): [sys.executable, "-c", on_reference(code)]
                 for k, code in enumerate(SNIPPETS)})
    with ThreadPoolExecutor(max_workers=3) as pool:
        yield {key: pool.submit(_run, argv) for key, argv in jobs.items()}


def test_the_document_shows_commands_and_snippets():
    assert len(BASH) >= 3, f"expected runnable commands in ```bash blocks, found {BASH}"
    shown = {" ".join(t[:3]) for t in BASH}
    assert "python -m grader" in shown and "python -m exercises.module5.train_lenet" in shown
    assert len(SNIPPETS) >= 8, "expected the runnable ```python snippets"


@pytest.mark.parametrize("k", range(len(BASH)), ids=[" ".join(t[2:]) for t in BASH])
def test_bash_command_runs(k, runs):
    code, output = runs[("bash", k)].result()
    assert code == 0, f"`{shlex.join(BASH[k])}` (run as {command_argv(BASH[k])[1:]}) " \
                      f"exited {code}:\n{output}"


@pytest.mark.parametrize("k", range(len(SNIPPETS)),
                         ids=[f"snippet{k}-" + s.splitlines()[-1][:30] for k, s in enumerate(SNIPPETS)])
def test_python_snippet_runs(k, runs):
    code, output = runs[("python", k)].result()
    assert code == 0, f"snippet {k} of docs/module5.md failed (exit {code}):\n" \
                      f"{SNIPPETS[k][:400]}\n...\n{output}"
