"""docs/module6.md: its links into docs/module5.md, the names it cites and its code, as
test_docs_module5.py (the machinery is in conftest.py; anchors, the grader's links and the
check table are in test_docs_structure.py).

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
DOC_PATH = "docs/module6.md"

# The demos first: a later module's short name wins, so `unet.X` means reference.module6.unet.
REFERENCE_MODULES = ("demos.resnet", "demos.unet",
                     "reference.module6.batchnorm", "reference.module6.resnet_blocks",
                     "reference.module6.upsample", "reference.module6.transposed_conv",
                     "reference.module6.unet", "reference.module5.layers", "given.gradcheck",
                     "given.model_utils", "given.experiments.segmentation", "given.data.shapes",
                     "given.experiments.residual")
COMMAND_TIMEOUT = 120      # seconds per command


# -- (a) anchors and links --------------------------------------------------------------------

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


# -- (c) the names the document cites --------------------------------------------------------

def test_cited_names_exist_in_the_named_file(doc):
    doc.assert_citations_resolve({"reference.module6.batchnorm", "reference.module6.resnet_blocks",
                                  "reference.module6.upsample", "reference.module6.transposed_conv",
                                  "reference.module6.unet", "given.gradcheck",
                                  "given.experiments.segmentation", "given.data.shapes",
                                  "given.experiments.residual"})


def test_every_section_names_its_functions(doc):
    """Each section that explains code says which function it describes, with its file."""
    # Sections are the anchored "## " headings; a subsection's anchor is part of its section.
    sections = re.split(r'^<a id="([^"]+)"></a>\n(?=## )', doc.text, flags=re.M)[1:]
    explained = dict(zip(sections[::2], sections[1::2]))
    descriptive = {"degradation", "checks"}     # background and the table: no code
    bare = [anchor for anchor, body in explained.items()
            if anchor not in descriptive and "對應程式：" not in body]
    assert not bare, f"sections without their 對應程式： line: {bare}"


def test_dotted_names_of_reference_objects_exist(doc):
    doc.assert_dotted_names_resolve(REFERENCE_MODULES, at_least=20)


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
    doc.assert_ran(runs, "bash", bash_index)


def test_long_command_is_valid(long_index, doc, runs):
    doc.assert_ran(runs, "sh", long_index)


def test_python_snippet_runs(snippet_index, doc, runs):
    doc.assert_ran(runs, "python", snippet_index)
