"""The scorecard reads well at 80 columns and wider, in both languages: rendered with rich
Console(width=...) on known results (no grading), it never breaks an id, a path or a word
(CJK text included), never passes the width, carries no trailing padding when piped,
collapses a file none of whose checks has started, links the module text's sections as
terminal hyperlinks, shows one bonus marker, and says each message once with --verbose."""
import io
import re

import pytest
from rich.cells import cell_len
from rich.console import Console

from grader.i18n import Msg
from grader.layout import WIDE, units, wrap
from grader.results import CheckResult, PartResult
from grader.runner import Run, load_checks
from grader.scorecard import render, render_list

LANGS = ("en", "zh-TW")
WIDTHS = (80, 120)


@pytest.fixture(scope="module")
def checks():
    return load_checks()


def todo(spec):
    name = spec.id.split(".")[1]
    return CheckResult(spec=spec, status="TODO", points=0.0,
                       message=Msg(f"{name}.forward(x) returned None: still a TODO",
                                   f"{name}.forward(x) 回傳 None：這部分還是 TODO"))


def run_of(checks, results):
    return Run(target="/home/learner/cnn-student/exercises", seed=8231, results=results,
               wall_time=3.2, isolation={"mechanism": "bwrap", "detail": "bubblewrap 0.8.0"})


def mixed(checks):
    """Every status the scorecard shows, on real specs: Module 5's layers.py started, its
    other files untouched; Module 6 with a failing check and a bonus one."""
    results = {}
    for i, spec in checks.items():
        results[i] = todo(spec)
    spec = checks["m5.conv2d.backward"]
    results[spec.id] = CheckResult(
        spec=spec, status="PARTIAL", points=2.0,
        message=Msg("db: db (the bias gradient) is wrong: max relative error 0.5 at index [2]",
                    "db：db（bias 的梯度）不正確：最大相對誤差 0.5，位置 [2]"),
        hint=Msg("db is the sum of dout over the batch and both spatial axes: "
                 "db = dout.sum(axis=(0, 2, 3))",
                 "db 是 dout 對 batch 與兩個空間軸的總和：db = dout.sum(axis=(0, 2, 3))"),
        duration=0.31, parts=[PartResult("dx", "PASS", 1.0, 1.0), PartResult("dW", "PASS", 1.0, 1.0),
                              PartResult("db", "FAIL", 0.0, 1.0, Msg("db is wrong", "db 不正確"))])
    for i in ("m5.conv2d.forward", "m5.fc.forward", "m5.relu", "m6.bottleneck"):
        results[i] = CheckResult(spec=checks[i], status="PASS", points=checks[i].points,
                                 duration=0.12)
    spec = checks["m6.upsample.bilinear"]
    results[spec.id] = CheckResult(
        spec=spec, status="FAIL", points=0.0,
        message=Msg("Upsample.forward output (x of shape (2, 3, 4, 5), scale 2) is wrong",
                    "Upsample.forward 的輸出（x 的形狀 (2, 3, 4, 5)、scale 2）不正確"),
        hint=Msg("align_corners=True: sample at src = dst · (in − 1)/(out − 1); the course "
                 "uses align_corners=False, src = (dst + 0.5)/scale − 0.5",
                 "這是 align_corners=True：src = dst · (in − 1)/(out − 1)；課程用 align_corners=False，"
                 "src = (dst + 0.5)/scale − 0.5"))
    return run_of(checks, {i: results[i] for i in checks})


def rendered(run, lang, width, **kw):
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=kw.pop("terminal", False),
                      color_system=None if not kw.get("color") else "truecolor")
    kw.pop("color", None)
    render(console, run, lang, **kw)
    return out.getvalue()


def words(text):
    """The pieces a line must never split: Latin runs (words, ids, paths, formulas)."""
    return [u for u in units(text) if not u.isspace() and not re.search(f"[{WIDE}]", u)]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_broken_mid_word_nor_past_the_width(checks, lang, width):
    run = mixed(checks)
    text = rendered(run, lang, width, verbose=False)
    lines = text.splitlines()
    assert all(cell_len(line) <= width for line in lines), max(lines, key=cell_len)
    assert all(line == line.rstrip() for line in lines), "trailing padding when piped"
    shown = [r for r in run.results.values() if r.status != "TODO" or r.spec.id == "m5.init"]
    for r in shown:
        pieces = [r.spec.id, *words(r.spec.title[lang])]
        if r.status != "PASS":
            pieces += words((r.hint or r.message)[lang])
        for piece in pieces:
            if cell_len(piece) < width - 30:
                assert any(piece in line for line in lines), (piece, text)


@pytest.mark.parametrize("lang", LANGS)
def test_an_untouched_scorecard_fits_well_under_90_lines_at_80_columns(checks, lang):
    run = run_of(checks, {i: todo(s) for i, s in checks.items()})
    lines = rendered(run, lang, 80).splitlines()
    assert len(lines) < 45, "\n".join(lines)
    for path in ("exercises/module5/layers.py", "exercises/module6/unet.py"):
        row = [line for line in lines if path in line]
        assert len(row) == 1, lines
    counts = [int(n) for n in re.findall(r"(\d+) (?:checks|項檢查)", "\n".join(lines))]
    singles = sum(1 for line in lines if re.search(r"\bm\d\.\w", line))
    assert sum(counts) + singles == len(checks)        # every check accounted for once


def test_a_started_file_shows_each_check_and_an_untouched_one_collapses(checks):
    text = rendered(mixed(checks), "en", 100)
    assert "m5.conv2d.backward" in text and "PARTIAL 2/3" in text
    assert "exercises/module5/layers.py" not in text          # started: checks shown one by one
    assert "exercises/module5/loss.py: its 2 checks are all still TODO" in text


@pytest.mark.parametrize("lang,marker,other", [("en", "(bonus)", "選做"),
                                               ("zh-TW", "（選做）", "(bonus)")])
def test_one_bonus_marker_in_the_scorecards_language(checks, lang, marker, other):
    text = rendered(mixed(checks), lang, 120)
    row = next(line for line in text.splitlines() if "m6.bottleneck" in line)
    assert row.count(marker) == 1 and other not in row, row


def test_doc_sections_are_terminal_hyperlinks_to_the_local_file(checks):
    text = rendered(mixed(checks), "en", 120, terminal=True, color=True)
    assert "\x1b]8;" in text and "file://" in text and "docs/module6.md#" in text
    plain = rendered(mixed(checks), "en", 120)
    assert "\x1b" not in plain                                  # piped: no escapes at all


def test_verbose_says_each_message_once(checks):
    text = rendered(mixed(checks), "en", 100, verbose=True)
    assert text.count("is wrong: max relative error 0.5") == 1
    assert "dx: PASS" in text and "db: FAIL" in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("width", WIDTHS)
def test_list_never_truncates_a_title(checks, lang, width):
    out = io.StringIO()
    render_list(Console(file=out, width=width, force_terminal=False), list(checks.values()), lang)
    text = out.getvalue()
    assert "…" not in text
    joined = " ".join(line.strip() for line in text.splitlines())
    for spec in checks.values():
        assert spec.id in text
        for piece in words(spec.title[lang]):
            assert piece in joined, (spec.id, piece)
    assert all(cell_len(line) <= width and line == line.rstrip() for line in text.splitlines())


@pytest.mark.parametrize("width", [21, 33, 50])
def test_wrap_breaks_between_cjk_characters_and_spaces_only(width):
    text = "Conv2D 前向傳播（padding、stride、非正方形） m5.conv2d.forward"
    lines = [line.plain for line in wrap([(text, "")], width, indent=2)]
    assert all(cell_len(line) <= width for line in lines), lines
    for word in ("Conv2D", "padding", "stride", "m5.conv2d.forward"):
        assert any(word in line for line in lines), (word, lines)
    assert not any(line.lstrip().startswith(("、", "）", "，")) for line in lines), lines
    assert not any(line.rstrip().endswith("（") for line in lines), lines
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")


def test_a_picture_of_the_wrong_entries_keeps_its_rows(checks):
    """where_wrong's picture (a hint with line breaks) is drawn row by row, indented."""
    import numpy as np
    from grader.expect import where_wrong
    w = np.random.default_rng(0).standard_normal((1, 2, 5, 7))
    got = w.copy()
    got[..., 0, :] += 1
    spec = checks["m5.conv2d.backward"]
    result = CheckResult(spec=spec, status="FAIL", points=0.0, hint=where_wrong(
        got, w, got != w, "dx"), message=Msg("dx is wrong", "dx 不正確"))
    run = run_of(checks, {spec.id: result})
    for lang in LANGS:
        lines = rendered(run, lang, 80).splitlines()
        rows = [line.strip() for line in lines if set(line.strip()) <= {"█", "·"} and line.strip()]
        assert rows == ["█" * 7] + ["·" * 7] * 4, lines


@pytest.mark.parametrize("lang", LANGS)
def test_a_diagnosed_mistake_links_its_own_section_and_shows_its_level(checks, lang):
    """A known mistake's hint ends with the section that explains it, not the check's; at
    the concept level the scorecard shows the concept text and never the fix."""
    run = mixed(checks)
    spec = checks["m5.cross_entropy"]
    fix = Msg("loss is N times too large: average over the batch",
              "loss 大了 N 倍：要對 batch 取平均")
    concept = Msg("the loss sums over the batch where the course's convention is the mean",
                  "loss 對 batch 取了總和，而課程的慣例是平均")
    run.results[spec.id] = CheckResult(
        spec=spec, status="PARTIAL", points=2.0, message=Msg("loss is wrong", "loss 不正確"),
        hint=fix, concept=concept, mistake="ce_loss_times_n",
        hint_doc="docs/module5.md#softmax-gradient")
    text = rendered(run, lang, 120)
    assert fix[lang] in text and "docs/module5.md#softmax-gradient" in text
    assert spec.doc not in text
    text = rendered(run, lang, 120, feedback="concept")
    assert concept[lang] in text and fix[lang] not in text
    assert "docs/module5.md#softmax-gradient" in text
