"""docs/module5.md: the names it cites and its code. (Its anchors, the grader's links into it
and its check table are tested with docs/module6.md's in test_docs_structure.py.)

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
DOC_PATH = "docs/module5.md"

REFERENCE_MODULES = ("reference.module5.layers", "reference.module5.loss",
                     "reference.module5.network", "reference.module5.optim",
                     "reference.module5.weight_init", "given.gradcheck")
COMMAND_TIMEOUT = 120      # seconds per command; together they take ~15-30 s on an idle machine


# -- (c) the names the document cites --------------------------------------------------------

def test_cited_names_exist_in_the_named_file(doc):
    doc.assert_citations_resolve({"reference.module5.layers", "reference.module5.loss",
                                  "reference.module5.network", "reference.module5.optim",
                                  "reference.module5.weight_init", "given.gradcheck"})


def test_dotted_names_of_reference_objects_exist(doc):
    doc.assert_dotted_names_resolve(REFERENCE_MODULES, at_least=10)


# -- (d) the commands and snippets run --------------------------------------------------------

def test_the_document_shows_commands_and_snippets(doc):
    commands = doc.bash_commands()
    assert len(commands) >= 3, f"expected runnable commands in ```bash blocks, found {commands}"
    shown = {" ".join(t[:3]) for t in commands}
    assert "python -m grader" in shown and "python -m exercises.module5.train_lenet" in shown
    assert len(doc.snippets()) >= 8, "expected the runnable ```python snippets"


def test_bash_command_runs(bash_index, doc, runs):
    doc.assert_ran(runs, "bash", bash_index)


def test_python_snippet_runs(snippet_index, doc, runs):
    doc.assert_ran(runs, "python", snippet_index)
