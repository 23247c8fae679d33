"""The structure both module documents share: their anchors, the links between sections, the
grader's links into them and their check tables. (What each document cites and runs is in
test_docs_module5.py and test_docs_module6.py.)

- every section anchor the course relies on exists, once, right before a heading, and the
  links between sections resolve;
- every `docs/moduleN.md#anchor` written anywhere in grader/, and every Module N check's
  `doc`, exists in the document;
- the document's check table names every Module N check, and names no check that does not
  exist.
"""
import re

import pytest

REQUIRED_ANCHORS = {
    "docs/module5.md": (5, (
        "computational-graph", "warm-up-1d", "fully-connected", "relu-and-sigmoid",
        "softmax-and-cross-entropy", "conv2d-forward", "conv2d-backward", "im2col",
        "max-pooling", "layer-protocol", "simplecnn", "weight-initialisation", "momentum",
        "learning-rate-schedules", "overfit-a-tiny-batch", "gradient-check",
    )),
    "docs/module6.md": (6, (
        "batchnorm-forward", "batchnorm-inference", "batchnorm-backward", "why-batchnorm",
        "resnet-basicblock", "degradation", "gradient-flow", "projection-shortcut",
        "bottleneck", "residual-vs-plain", "upsampling", "transposed-convolution", "u-net",
        "u-net-iou", "skip-connections", "gradient-check", "checks",
    )),
}


@pytest.fixture(scope="module", params=list(REQUIRED_ANCHORS))
def doc_path(request):
    return request.param


@pytest.fixture(scope="module")
def doc(doc_path, doc_loader):
    return doc_loader(doc_path)


def test_required_anchors_exist_once(doc, doc_path):
    found = doc.anchors()
    missing = [a for a in REQUIRED_ANCHORS[doc_path][1] if a not in found]
    assert not missing, f"{doc_path} lacks the anchors {missing}"
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


def test_every_grader_link_into_the_document_exists(doc, doc_path):
    links = doc.grader_links()
    assert links, f"no {doc_path}#… link found in grader/: did the suites move?"
    have = set(doc.anchors())
    missing = {a: files for a, files in links.items() if a not in have}
    assert not missing, f"the grader links to anchors {doc_path} lacks: {missing}"


def test_every_check_of_the_module_links_into_the_document(doc, doc_path, checks):
    module = REQUIRED_ANCHORS[doc_path][0]
    have = set(doc.anchors())
    mine = [spec for spec in checks.values() if spec.module == module]
    assert mine, f"no Module {module} checks registered"
    bad = {spec.id: spec.doc for spec in mine
           if not (spec.doc or "").startswith(f"{doc_path}#")
           or spec.doc.partition("#")[2] not in have}
    assert not bad, f"Module {module} checks whose doc link does not resolve in {doc_path}: {bad}"


def test_check_table_names_every_check_and_only_real_ones(doc, doc_path, checks):
    module = REQUIRED_ANCHORS[doc_path][0]
    mine = {spec.id for spec in checks.values() if spec.module == module}
    named = set(re.findall(rf"`(m{module}\.[a-z0-9_.]+)`", doc.text))
    unknown = sorted(named - set(checks))
    assert not unknown, f"{doc_path} names checks that do not exist: {unknown}"
    table = doc.section("checks")
    missing = sorted(i for i in mine if f"`{i}`" not in table)
    assert not missing, f"add these checks to the table in section 'checks' of {doc_path}: {missing}"
