"""docs/module6.md: its anchors, the grader's links into it, the names it cites, its code.

The same four kinds of checks as test_docs_module5.py (the machinery is in conftest.py):

- (a) every section anchor the course relies on exists, once, right before a heading; the
  links between sections, and into docs/module5.md, resolve;
- (b) every `docs/module6.md#anchor` written anywhere in grader/ (and every Module 6 check's
  `doc`) exists in the document, and the check table names every Module 6 check and only
  real ones;
- (c) every function, class or method the document names with its file, as in
  "`BatchNorm2D.backward`（`reference/module6/batchnorm.py`）", exists in that file; any other
  backticked `Name.attr` whose `Name` is a class or function of the reference or of the
  given modules it cites (or `module.attr` with such a module's short name) resolves too;
- (d) every ```bash `python -m` line exits 0 and every ```python block runs (on the
  reference: `exercises.` runs as `reference.`); the ```sh lines — the full-length demo runs
  whose results the document quotes, tens of seconds each — are validated with `--help`.
  The commands in ```bash blocks use small settings: together with the snippets they take
  about 20-40 s on an idle two-core machine.
"""
import re
import shlex

DOC_PATH = "docs/module6.md"

REQUIRED_ANCHORS = (
    "batchnorm-forward", "batchnorm-inference", "batchnorm-backward", "why-batchnorm",
    "resnet-basicblock", "degradation", "gradient-flow", "projection-shortcut", "bottleneck",
    "residual-vs-plain", "upsampling", "transposed-convolution", "u-net", "u-net-iou",
    "skip-connections", "gradient-check", "checks",
)
REFERENCE_MODULES = ("reference.module6.batchnorm", "reference.module6.resnet_blocks",
                     "reference.module6.upsample", "reference.module6.transposed_conv",
                     "reference.module6.unet", "reference.module5.layers", "given.gradcheck",
                     "given.model_utils", "given.segmentation", "given.shapes",
                     "given.residual_experiment", "given.demo_m6")
COMMAND_TIMEOUT = 120      # seconds per command


# -- (a) anchors and links --------------------------------------------------------------------

def test_required_anchors_exist_once(doc):
    found = doc.anchors()
    missing = [a for a in REQUIRED_ANCHORS if a not in found]
    assert not missing, f"docs/module6.md lacks the anchors {missing}"
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


def test_links_into_other_docs_resolve(doc):
    links = doc.cross_links()
    assert ("module5.md", "computational-graph") in links, \
        "expected the link to Module 5's chain-rule section ('分岔就相加')"
    missing = []
    for name, anchor in sorted(links):
        path = doc.path.parent / name
        if not path.exists():
            missing.append(f"{name} (no such file)")
        elif f'<a id="{anchor}"></a>' not in path.read_text(encoding="utf-8"):
            missing.append(f"{name}#{anchor}")
    assert not missing, f"docs/module6.md links to anchors that do not exist: {missing}"


# -- (b) the grader's links -------------------------------------------------------------------

def test_every_grader_link_into_module6_exists(doc):
    links = doc.grader_links()
    assert links, "no docs/module6.md#… link found in grader/: did the suites move?"
    have = set(doc.anchors())
    missing = {a: files for a, files in links.items() if a not in have}
    assert not missing, f"the grader links to anchors docs/module6.md lacks: {missing}"


def test_every_module6_check_doc_exists(doc, checks):
    have = set(doc.anchors())
    m6 = [spec for spec in checks.values() if spec.module == 6]
    assert m6, "no Module 6 checks registered"
    bad = {}
    for spec in m6:
        link = spec.doc or ""
        anchor = link.partition("#")[2]
        if not link.startswith("docs/module6.md#") or anchor not in have:
            bad[spec.id] = link
    assert not bad, f"Module 6 checks whose doc link does not resolve in docs/module6.md: {bad}"


def test_check_table_names_every_module6_check_and_only_real_ones(doc, checks):
    m6 = {spec.id for spec in checks.values() if spec.module == 6}
    named = set(re.findall(r"`(m6\.[a-z0-9_.]+)`", doc.text))
    unknown = sorted(named - set(checks))
    assert not unknown, f"docs/module6.md names checks that do not exist: {unknown}"
    table = doc.section("checks")
    missing = sorted(i for i in m6 if f"`{i}`" not in table)
    assert not missing, f"add these checks to the table in section 'checks' of docs/module6.md: {missing}"


# -- (c) the names the document cites --------------------------------------------------------

def test_cited_names_exist_in_the_named_file(doc):
    pairs = doc.cited_names()
    assert len(pairs) >= 30, f"expected the document to cite its functions with their files, found {pairs}"
    files = {m for m, _ in pairs}
    expected = {"reference.module6.batchnorm", "reference.module6.resnet_blocks",
                "reference.module6.upsample", "reference.module6.transposed_conv",
                "reference.module6.unet", "given.gradcheck", "given.segmentation",
                "given.shapes", "given.residual_experiment"}
    assert expected <= files, f"sections that cite no function of {sorted(expected - files)}"
    missing = []
    for module, name in pairs:
        try:
            doc.resolve(module, name)
        except (ImportError, AttributeError) as exc:
            missing.append(f"{name} in {module} ({exc})")
    assert not missing, "docs/module6.md names what the reference does not have: " + "; ".join(missing)


def test_every_section_names_its_functions(doc):
    """Each section that explains code says which function it describes, with its file."""
    sections = re.split(r'^<a id="([^"]+)"></a>$', doc.text, flags=re.M)[1:]
    explained = dict(zip(sections[::2], sections[1::2]))
    descriptive = {"degradation", "checks"}     # background and the table: no code
    bare = [anchor for anchor, body in explained.items()
            if anchor not in descriptive and "對應程式：" not in body]
    assert not bare, f"sections without their 對應程式： line: {bare}"


def test_dotted_names_of_reference_objects_exist(doc):
    checked, missing = doc.missing_dotted_names(REFERENCE_MODULES)
    assert checked >= 20, f"expected many `Class.method` names in the document, checked {checked}"
    assert not missing, "these names do not exist in the reference: " + ", ".join(missing)


# -- (d) the commands and snippets run --------------------------------------------------------

def test_the_document_shows_commands_and_snippets(doc):
    commands = doc.bash_commands()
    shown = {" ".join(t[:3]) for t in commands}
    assert {"python -m grader", "python -m exercises.module6.compare_resnet",
            "python -m exercises.module6.train_unet"} <= shown, shown
    long_runs = {" ".join(t[:3]) for t in doc.long_commands()}
    assert {"python -m exercises.module6.compare_resnet",
            "python -m exercises.module6.train_unet"} <= long_runs, \
        "the full-length runs whose results the document quotes belong in ```sh blocks"
    assert len(doc.snippets()) >= 10, "expected the runnable ```python snippets"


def test_snippets_use_the_learners_tree(doc):
    """Snippets import from exercises (the learner's code); the test runs them on reference."""
    direct = [k for k, s in enumerate(doc.snippets()) if re.search(r"\breference\.module", s)]
    assert not direct, f"snippets {direct} import reference.… directly: use exercises.…"


def test_bash_command_runs(bash_index, doc, runs):
    tokens = doc.bash_commands()[bash_index]
    code, output = runs[("bash", bash_index)].result()
    assert code == 0, f"`{shlex.join(tokens)}` (run as {doc.command_argv(tokens)[1:]}) " \
                      f"exited {code}:\n{output}"


def test_long_command_is_valid(long_index, doc, runs):
    tokens = doc.long_commands()[long_index]
    code, output = runs[("sh", long_index)].result()
    assert code == 0, f"`{shlex.join(tokens)}` is not a valid command (checked with --help, " \
                      f"exit {code}):\n{output}"


def test_python_snippet_runs(snippet_index, doc, runs):
    code, output = runs[("python", snippet_index)].result()
    assert code == 0, f"snippet {snippet_index} of docs/module6.md failed (exit {code}):\n" \
                      f"{doc.snippets()[snippet_index][:400]}\n...\n{output}"
