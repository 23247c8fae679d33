"""Report formats for CI and course platforms: JUnit XML and Gradescope's results.json.
(The JSON report is grader/report.py.)"""
import json
from xml.etree import ElementTree as ET

from .i18n import pick, t
from .report import summarize
from .sanitize import clean

FAILING = ("FAIL", "PARTIAL", "TODO", "TIMEOUT", "CRASH", "FORBIDDEN")


def _text(result, lang, feedback="fix"):
    lines = [pick(m, lang) for m in (result.message, result.advice(feedback)) if m]
    for part in result.parts:
        line = f"{part.name}: {part.status}"
        if part.message:
            line += f" ({pick(part.message, lang)})"
        lines.append(line)
    return "\n".join(lines)


def junit_xml(run, lang, feedback="fix"):
    """JUnit XML: one <testsuite> per module, one <testcase> per check. FAIL, PARTIAL, TODO,
    TIMEOUT and CRASH are <failure type="STATUS">, ERROR is <error>; points are properties."""
    modules, total = summarize(run.results.values())
    root = ET.Element("testsuites", name="cnn-kit grader", time=f"{run.wall_time:.3f}")
    for module in modules:
        results = [r for r in run.results.values() if r.spec.module == module["module"]]
        suite = ET.SubElement(
            root, "testsuite", name=f"module{module['module']}", tests=str(len(results)),
            failures=str(sum(r.status in FAILING for r in results)),
            errors=str(sum(r.status == "ERROR" for r in results)), skipped="0",
            time=f"{sum(r.duration for r in results):.3f}")
        props = ET.SubElement(suite, "properties")
        for key in ("points", "max_points", "bonus_points", "bonus_max_points", "percent"):
            ET.SubElement(props, "property", name=key, value=str(module[key]))
        ET.SubElement(props, "property", name="seed", value=str(run.seed))
        ET.SubElement(props, "property", name="isolation",
                      value=(run.isolation or {}).get("mechanism", "none"))
        for r in results:
            spec = r.spec
            case = ET.SubElement(suite, "testcase", classname=f"module{spec.module}",
                                 name=f"{spec.id} ({pick(spec.title, lang)})",
                                 time=f"{r.duration:.3f}")
            cprops = ET.SubElement(case, "properties")
            ET.SubElement(cprops, "property", name="points", value=str(r.points))
            ET.SubElement(cprops, "property", name="max_points", value=str(spec.points))
            ET.SubElement(cprops, "property", name="optional", value=str(spec.optional).lower())
            if r.status == "PASS":
                continue
            tag = "error" if r.status == "ERROR" else "failure"
            el = ET.SubElement(case, tag, type=r.status,
                               message=f"{r.status} {r.points:g}/{spec.points:g}: "
                                       f"{pick(r.message, lang)}"[:500])
            el.text = _text(r, lang, feedback)
    for el in root.iter():     # defence in depth: nothing XML 1.0 forbids, whatever its source
        el.text = clean(el.text, 100_000, multiline=True) if el.text else el.text
        for key, value in el.attrib.items():
            el.attrib[key] = clean(value, 100_000)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


#: Gradescope's visibility settings of a test or of the whole result.
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


def gradescope_results(run, lang, feedback="fix", public="visible", hidden="after_published",
                       seed="hidden"):
    """Gradescope's autograder results format. Bonus checks have max_score 0, so what they
    earn counts as extra credit; the top-level score is required + bonus points. A public
    check's test has the visibility `public`, a hidden check's `hidden`; tests are numbered
    per module (5.1, 5.2, …, 6.1, …). The run's seed (which reproduces its inputs) is a
    test of its own, worth nothing, with the visibility `seed`, and in extra_data."""
    _, total = summarize(run.results.values())
    tests, numbers = [], {}
    for r in run.results.values():
        spec = r.spec
        numbers[spec.module] = numbers.get(spec.module, 0) + 1
        tests.append({
            "name": f"{pick(spec.title, lang)} [{spec.id}]",
            "number": f"{spec.module}.{numbers[spec.module]}",
            "score": r.points,
            "max_score": 0 if spec.optional else spec.points,
            "status": "passed" if r.status == "PASS" else "failed",
            "output": f"{r.status}\n{_text(r, lang, feedback)}".strip()
                      + (f"\n\n{t('see', lang)} {r.doc}"
                         if r.doc and r.status != "PASS" else ""),
            "visibility": hidden if spec.hidden else public,
            "tags": [f"module{spec.module}", r.status.lower()]
                    + (["bonus"] if spec.optional else []) + (["hidden"] if spec.hidden else []),
        })
    tests.append({"name": f"{t('seed', lang)} {run.seed}", "score": 0, "max_score": 0,
                  "status": "passed", "visibility": seed,
                  "output": f"{t('reproduce', lang)}: python -m grader --seed {run.seed}"})
    required = t("required_total", lang)
    bonus = t("bonus_total", lang)
    return {
        "score": round(total["points"] + total["bonus_points"], 4),
        "execution_time": round(run.wall_time, 2),
        "output": (f"{required} {total['points']:g}/{total['max_points']:g} "
                   f"({total['percent']:.1f} %), {bonus} {total['bonus_points']:g}/"
                   f"{total['bonus_max_points']:g}"),
        "stdout_visibility": "hidden",
        "extra_data": {"seed": run.seed,
                       "isolation": (run.isolation or {}).get("mechanism", "none")},
        "tests": tests,
    }


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_json(path, data):
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
