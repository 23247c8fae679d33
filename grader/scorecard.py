"""The rich scorecard: a live progress display while grading, then a table per module."""
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, \
    TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .i18n import pick, t
from .report import summarize

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


def render(console, run, lang, verbose=False, feedback="fix"):
    modules, total = summarize(run.results.values())
    console.print()
    console.print(Text(t("title", lang), style="bold"))
    for module in modules:
        table = Table(title=t("module", lang, n=module["module"]), box=box.SIMPLE_HEAD,
                      title_justify="left", title_style="bold", expand=False)
        table.add_column(t("check", lang), overflow="fold", max_width=44)
        table.add_column(t("status", lang), no_wrap=True)
        table.add_column(t("points", lang), justify="right", no_wrap=True)
        table.add_column(t("time", lang), justify="right", no_wrap=True)
        table.add_column(t("hint", lang), overflow="fold")
        for r in run.results.values():
            spec = r.spec
            if spec.module != module["module"]:
                continue
            title = Text(pick(spec.title, lang))
            if spec.optional:
                title.append(f" ({t('bonus_tag', lang)})", style="italic cyan")
            title.append(f"\n{spec.id}", style="dim")
            status = Text(t(r.status, lang), style=STYLE.get(r.status, ""))
            if r.parts and r.status not in ("PASS", "TODO"):
                passed = sum(1 for p in r.parts if p.status == "PASS")
                status.append(f" {passed}/{len(r.parts)}")
            points = f"{_points(r.points)}/{_points(spec.points)}"
            note = hint_text(r, lang, feedback)
            table.add_row(title, status, points, f"{r.duration:.2f}s", note)
            if verbose:
                for line in detail_lines(r, lang):
                    table.add_row("", "", "", "", Text(line, style="dim"))
        console.print(table)
        bonus = ""
        if module["bonus_max_points"]:
            bonus = (f" · {t('bonus_total', lang)} {_points(module['bonus_points'])}/"
                     f"{_points(module['bonus_max_points'])}")
        console.print(f"  {t('module', lang, n=module['module'])}: {t('required_total', lang)} "
                      f"{_points(module['points'])}/{_points(module['max_points'])} "
                      f"({module['percent']:.1f} %){bonus}")
    bonus = ""
    if total["bonus_max_points"]:
        bonus = (f" · {t('bonus_total', lang)} {_points(total['bonus_points'])}/"
                 f"{_points(total['bonus_max_points'])}")
    console.print(Text(f"\n{t('total', lang)}: {_points(total['points'])}/"
                       f"{_points(total['max_points'])} ({total['percent']:.1f} %){bonus}",
                       style="bold"))
    console.print(f"{t('seed', lang)} {run.seed} · {t('target', lang)} {run.target} · "
                  f"{t('wall', lang)} {run.wall_time:.1f}s · {t('reproduce', lang)} "
                  f"--seed {run.seed}", style="dim", markup=False)
    isolation = run.isolation or {"mechanism": "none", "detail": ""}
    console.print(f"{t('isolation', lang)}: {isolation['mechanism']} ({isolation['detail']})",
                  style="dim", markup=False)
    if isolation["mechanism"] == "none":
        console.print(t("no_sandbox_warning", lang, detail=isolation["detail"]),
                      style="yellow", markup=False)
    return total


def hint_text(result, lang, feedback="fix"):
    """One line for the table: the hint at the feedback level if any, else the message;
    plus the doc section."""
    if result.status == "PASS":
        return Text("")
    text = pick(result.advice(feedback), lang) or pick(result.message, lang)
    note = Text(text)
    if result.spec.doc and result.status != "TODO":
        note.append(f"  → {result.spec.doc}", style="dim")
    return note


def detail_lines(result, lang):
    lines = []
    if result.message:
        lines.append(pick(result.message, lang))
    for part in result.parts:
        line = f"{part.name}: {part.status}"
        if part.message:
            line += f" — {pick(part.message, lang)}"
        lines.append(line)
    if result.output:
        lines.append(f"{t('output', lang)}:")
        lines.extend(result.output.rstrip().splitlines()[:20])
    return lines


def render_list(console, specs, lang):
    table = Table(title=t("list_header", lang), box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column(t("check", lang))
    table.add_column(t("points", lang), justify="right")
    table.add_column("", no_wrap=True)
    for spec in specs:
        parts = "" if list(spec.parts) == ["all"] else f" [{', '.join(spec.parts)}]"
        table.add_row(spec.id, pick(spec.title, lang) + parts, _points(spec.points),
                      t("optional" if spec.optional else "required", lang))
    console.print(table)
