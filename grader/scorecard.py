"""The rich scorecard: a live progress display while grading, then one block per module.

Laid out as lines, not a table, so that it reads at 80 columns as well as at 200 and pipes
without padding: per check a line with its status, points and title, a dim line with its id
and time, and, unless it passed, the hint (or message) with a terminal hyperlink to the
section of the module text. Text wraps between words and CJK characters, never inside a word
or an id (grader/layout.py). A learner file none of whose checks has started collapses to
one line with its count of TODO checks.
"""
from rich.cells import cell_len
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, \
    TimeElapsedColumn
from rich.style import Style
from rich.text import Text

from . import modules
from .i18n import pick, t
from .layout import wrap
from .report import summarize
from .target import PROJECT_ROOT

STYLE = {"PASS": "bold green", "PARTIAL": "bold yellow", "FAIL": "bold red",
         "TODO": "bold blue", "TIMEOUT": "bold magenta", "ERROR": "bold red",
         "CRASH": "bold red reverse", "FORBIDDEN": "bold white on red"}


class LiveProgress:
    """Progress bar over checks, naming the ones running now. Use as a context manager and
    pass `on_event` to the runner."""

    def __init__(self, console, specs, lang):
        self.console, self.lang = console, lang
        self.titles = {s.id: pick(s.title, lang) for s in specs}
        self.running = {}
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                                 transient=True)
        self.task = self.progress.add_task(t("grading", lang), total=len(specs))

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def on_event(self, event):
        if event.get("event") == "start":
            self.running[event["id"]] = True
        elif event.get("event") == "result":
            self.running.pop(event["result"].id, None)
            self.progress.advance(self.task)
        now = ", ".join(self.titles.get(i, i) for i in self.running)
        self.progress.update(self.task, description=f"{t('grading', self.lang)}: {now}"[:70])


def _points(value):
    return f"{value:g}" if value == int(value) else f"{value:.2f}".rstrip("0")


#: Columns before a check's title: status and points; the lines below a title start here too.
INDENT = 2


def doc_link(doc):
    """The section as text, and as a terminal hyperlink (OSC 8) to the local file."""
    path, _, anchor = doc.partition("#")
    url = (PROJECT_ROOT / path).as_uri() + (f"#{anchor}" if anchor else "")
    return Text(doc, style=Style(dim=True, link=url))


def title_text(spec, lang):
    """The title, and one bonus marker in the scorecard's language (kept on one line)."""
    segments = [(pick(spec.title, lang), "")]
    if spec.optional:
        tag = t("bonus_tag", lang)
        segments += [(" ", ""), (f"({tag})" if lang == "en" else f"（{tag}）", "italic cyan", True)]
    return segments


def _lead(status, points, lang):
    """The start of a check's first line: its status (room for a part count, " 3/4") and
    its points, aligned in every row."""
    pad = max(cell_len(t(s, lang)) for s in STYLE) + 6 - cell_len(status.plain)
    return Text(" " * INDENT) + status + Text(" " * max(pad, 1) + points.rjust(5) + "  ")


def check_lines(result, lang, width, feedback="fix", verbose=False):
    """The lines of one check: status, points and title; its id and time; the advice."""
    spec = result.spec
    status = Text(t(result.status, lang), style=STYLE.get(result.status, ""))
    if result.parts and result.status not in ("PASS", "TODO"):
        passed = sum(1 for p in result.parts if p.status == "PASS")
        status.append(f" {passed}/{len(result.parts)}")
    lead = _lead(status, f"{_points(result.points)}/{_points(spec.points)}", lang)
    title_at = cell_len(lead.plain)
    ident = (f"{spec.id} · {result.duration:.2f}s", "dim", True)
    lines = wrap([lead, *title_text(spec, lang), ("   ", ""), ident], width, indent=title_at)
    if len(lines) > 1 or not lines[0].plain.endswith(ident[0]):
        # The id does not fit beside the title: the title as it wraps, the id below it.
        lines = wrap([lead, *title_text(spec, lang)], width, indent=title_at)
        lines += wrap([(" " * title_at, ""), ident], width, indent=title_at)
    note = note_text(result, lang, feedback)
    if note is not None:
        lines += wrap([Text(" " * title_at), note], width, indent=title_at)
    if verbose:
        for line in detail_lines(result, lang, shown=note):
            lines += wrap([Text(" " * title_at), (line, "dim")], width, indent=title_at)
    return lines


def note_text(result, lang, feedback="fix"):
    """The advice line: the hint at the feedback level, else the message; then the section."""
    if result.status == "PASS":
        return None
    text = pick(result.advice(feedback), lang) or pick(result.message, lang)
    note = Text(text or "")
    if result.doc and result.status != "TODO":
        # After a picture (a hint with rows), the section goes on a line of its own.
        note.append("\n→ " if "\n" in (text or "") else "  → ", style="dim")
        note.append_text(doc_link(result.doc))
    return note if note.plain.strip() else None


def detail_lines(result, lang, shown=None):
    """--verbose: the message (unless it is what the advice line shows), every part, and
    what the student's code printed."""
    lines = []
    message = pick(result.message, lang)
    if message and (shown is None or message not in shown.plain):
        lines.append(message)
    for part in result.parts:
        line = f"{part.name}: {t(part.status, lang)}"
        if part.message and pick(part.message, lang) not in (shown.plain if shown else ""):
            line += f" — {pick(part.message, lang)}"
        lines.append(line)
    if result.output:
        lines.append(f"{t('output', lang)}:")
        lines.extend(result.output.rstrip().splitlines()[:20])
    return lines


def untouched_files(results):
    """{learner file: its results} for each file of which at least two checks ran and every
    one is still TODO: the scorecard shows such a file on one line."""
    by_file = {}
    for r in results:
        f = modules.file_of_check(r.spec.id)
        if f is not None:
            by_file.setdefault(f, []).append(r)
    return {f: rs for f, rs in by_file.items()
            if len(rs) >= 2 and all(r.status == "TODO" for r in rs)}


def collapsed_lines(path, results, lang, width):
    points = sum(r.spec.points for r in results)
    lead = _lead(Text(t("TODO", lang), style=STYLE["TODO"]), f"0/{_points(points)}", lang)
    what = t("untouched", lang, path=f"exercises/{path}", n=len(results))
    return wrap([lead, (what, "")], width, indent=cell_len(lead.plain))


def render(console, run, lang, verbose=False, feedback="fix"):
    width = max(40, console.width)
    per_module, total = summarize(run.results.values())
    console.print()
    console.print(Text(t("title", lang), style="bold"))
    for module in per_module:
        mine = [r for r in run.results.values() if r.spec.module == module["module"]]
        console.print()
        header = Text(t("module", lang, n=module["module"]), style="bold")
        header.append(f" · {t('required_total', lang)} {_points(module['points'])}/"
                      f"{_points(module['max_points'])} ({module['percent']:.1f} %)")
        if module["bonus_max_points"]:
            header.append(f" · {t('bonus_total', lang)} {_points(module['bonus_points'])}/"
                          f"{_points(module['bonus_max_points'])}")
        _print(console, wrap([header], width))
        collapsed = {} if verbose else untouched_files(mine)
        done = set()
        for r in mine:
            path = modules.file_of_check(r.spec.id)
            if path in collapsed:
                if path not in done:
                    done.add(path)
                    _print(console, collapsed_lines(path, collapsed[path], lang, width))
                continue
            _print(console, check_lines(r, lang, width, feedback, verbose))
    summary = Text(f"{t('total', lang)}: {_points(total['points'])}/"
                   f"{_points(total['max_points'])} ({total['percent']:.1f} %)", style="bold")
    if total["bonus_max_points"]:
        summary.append(f" · {t('bonus_total', lang)} {_points(total['bonus_points'])}/"
                       f"{_points(total['bonus_max_points'])}", style="bold")
    console.print()
    _print(console, wrap([summary], width))
    _print(console, wrap([(f"{t('seed', lang)} {run.seed} · {t('target', lang)} {run.target} · "
                           f"{t('wall', lang)} {run.wall_time:.1f}s · {t('reproduce', lang)} "
                           f"--seed {run.seed}", "dim")], width, indent=2))
    isolation = run.isolation or {"mechanism": "none", "detail": ""}
    _print(console, wrap([(f"{t('isolation', lang)}: {isolation['mechanism']} "
                           f"({isolation['detail']})", "dim")], width, indent=2))
    if isolation["mechanism"] == "none":
        _print(console, wrap([(t("no_sandbox_warning", lang, detail=isolation["detail"]),
                               "yellow")], width, indent=2))
    return total


def _print(console, lines):
    for line in lines:
        console.print(line, soft_wrap=True, crop=False, overflow="ignore", no_wrap=True)


def render_list(console, specs, lang):
    """--list: every check with its points and title, never truncated."""
    width = max(40, console.width)
    _print(console, [Text(t("list_header", lang), style="bold")])
    for spec in specs:
        kind = t("optional" if spec.optional else "required", lang)
        lead = Text(f"  {spec.id}", style="bold")
        lead.append(f"  {_points(spec.points)} · {kind}", style="dim")
        _print(console, wrap([lead], width, indent=4))
        parts = "" if list(spec.parts) == ["all"] else f" [{', '.join(spec.parts)}]"
        _print(console, wrap([("    ", ""), (pick(spec.title, lang) + parts, "")], width,
                             indent=4))
