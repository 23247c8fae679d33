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

Reading the document, resolving names and running its code are shared with
test_docs_module6.py: see conftest.py (the fixtures `doc`, `checks`, `runs` and the
parameters `bash_index`, `snippet_index`).
"""
import re
import shlex

DOC_PATH = "docs/module5.md"

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


# -- (a) anchors ------------------------------------------------------------------------------

def test_required_anchors_exist_once(doc):
    found = doc.anchors()
    missing = [a for a in REQUIRED_ANCHORS if a not in found]
    assert not missing, f"docs/module5.md lacks the anchors {missing}"
    duplicated = sorted({a for a in found if found.count(a) > 1})
    assert not duplicated, f"anchors defined more than once: {duplicated}"


def test_every_anchor_sits_right_before_a_heading(doc):
    lines = doc.text.splitlines()
    for k, line in enumerate(lines):
        m = re.fullmatch(r'<a id="([^"]+)"></a>', line.strip())
        if m:
            following = lines[k + 1] if k + 1 < len(lines) else ""
            assert following.startswith("#"), \
                f"<a id=\"{m.group(1)}\"> (line {k + 1}) is not followed by a heading: {following!r}"


def test_internal_links_resolve(doc):
    targets = doc.internal_links()
    assert targets, "expected links between sections"
    missing = sorted(targets - set(doc.anchors()))
    assert not missing, f"links to missing anchors: {missing}"


# -- (b) the grader's links -------------------------------------------------------------------

def test_every_grader_link_into_module5_exists(doc):
    links = doc.grader_links()
    assert links, "no docs/module5.md#… link found in grader/: did the suites move?"
    have = set(doc.anchors())
    missing = {a: files for a, files in links.items() if a not in have}
    assert not missing, f"the grader links to anchors docs/module5.md lacks: {missing}"


def test_every_module5_check_doc_exists(doc, checks):
    have = set(doc.anchors())
    bad = {}
    for spec in checks.values():
        link = spec.doc or ""
        if link.startswith("docs/module5.md"):
            anchor = link.partition("#")[2]
            if not anchor or anchor not in have:
                bad[spec.id] = link
    assert not bad, f"checks whose doc link does not resolve: {bad}"


def test_check_table_names_every_module5_check_and_only_real_ones(doc, checks):
    m5 = {spec.id for spec in checks.values() if spec.module == 5}
    assert m5, "no Module 5 checks registered"
    named = set(re.findall(r"`(m5\.[a-z0-9_.]+)`", doc.text))
    unknown = sorted(named - set(checks))
    assert not unknown, f"docs/module5.md names checks that do not exist: {unknown}"
    table = doc.section("checks")
    missing = sorted(i for i in m5 if f"`{i}`" not in table)
    assert not missing, f"add these checks to the table in section 'checks' of docs/module5.md: {missing}"


# -- (c) the names the document cites --------------------------------------------------------

def test_cited_names_exist_in_the_named_file(doc):
    pairs = doc.cited_names()
    assert len(pairs) >= 30, f"expected the document to cite its functions with their files, found {pairs}"
    files = {m for m, _ in pairs}
    assert {"reference.module5.layers", "reference.module5.loss", "reference.module5.network",
            "reference.module5.optim", "reference.module5.weight_init", "given.gradcheck"} <= files
    missing = []
    for module, name in pairs:
        try:
            doc.resolve(module, name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name} in {module} ({exc})")
    assert not missing, "docs/module5.md names what the reference does not have: " + "; ".join(missing)


def test_dotted_names_of_reference_objects_exist(doc):
    checked, missing = doc.missing_dotted_names(REFERENCE_MODULES)
    assert checked >= 10, f"expected many `Class.method` names in the document, checked {checked}"
    assert not missing, "these names do not exist in the reference: " + ", ".join(missing)


# -- (d) the commands and snippets run --------------------------------------------------------

def test_the_document_shows_commands_and_snippets(doc):
    commands = doc.bash_commands()
    assert len(commands) >= 3, f"expected runnable commands in ```bash blocks, found {commands}"
    shown = {" ".join(t[:3]) for t in commands}
    assert "python -m grader" in shown and "python -m exercises.module5.train_lenet" in shown
    assert len(doc.snippets()) >= 8, "expected the runnable ```python snippets"


def test_bash_command_runs(bash_index, doc, runs):
    tokens = doc.bash_commands()[bash_index]
    code, output = runs[("bash", bash_index)].result()
    assert code == 0, f"`{shlex.join(tokens)}` (run as {doc.command_argv(tokens)[1:]}) " \
                      f"exited {code}:\n{output}"


def test_python_snippet_runs(snippet_index, doc, runs):
    code, output = runs[("python", snippet_index)].result()
    assert code == 0, f"snippet {snippet_index} of docs/module5.md failed (exit {code}):\n" \
                      f"{doc.snippets()[snippet_index][:400]}\n...\n{output}"
