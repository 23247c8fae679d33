"""The JSON report (--json FILE). Schema documented in docs/json-report.md."""
import json
import platform
from datetime import datetime, timezone

from . import __version__

SCHEMA = "cnn-kit-grader-report/1"


def summarize(results):
    """Per-module totals of CheckResults: required points and bonus points apart."""
    modules = {}
    for r in results:
        spec = r.spec
        m = modules.setdefault(spec.module, {"module": spec.module, "points": 0.0,
                                             "max_points": 0.0, "bonus_points": 0.0,
                                             "bonus_max_points": 0.0})
        earned = float(r.points)
        if spec.optional:
            m["bonus_points"] += earned
            m["bonus_max_points"] += spec.points
        else:
            m["points"] += earned
            m["max_points"] += spec.points
    for m in modules.values():
        m["percent"] = round(100.0 * m["points"] / m["max_points"], 2) if m["max_points"] else 100.0
        for key in ("points", "max_points", "bonus_points", "bonus_max_points"):
            m[key] = round(m[key], 4)
    total = {key: round(sum(m[key] for m in modules.values()), 4)
             for key in ("points", "max_points", "bonus_points", "bonus_max_points")}
    total["percent"] = round(100.0 * total["points"] / total["max_points"], 2) \
        if total["max_points"] else 100.0
    return [modules[k] for k in sorted(modules)], total


def build(run, lang, feedback="fix"):
    modules, total = summarize(run.results.values())
    checks = []
    for r in run.results.values():
        spec = r.spec
        checks.append({
            "id": spec.id, "module": spec.module, "title": spec.title.get(lang),
            "optional": spec.optional, "status": r.status, "points": r.points,
            "max_points": spec.points,
            "message": (r.message or {}).get(lang, ""),
            "hint": (r.advice(feedback) or {}).get(lang, ""),
            "doc": r.doc, "mistake": r.mistake, "duration": r.duration,
            "round_trips": r.round_trips,
            "parts": [{"name": p.name, "status": p.status, "points": p.points,
                       "max_points": p.max_points, "message": (p.message or {}).get(lang, "")}
                      for p in r.parts],
        })
    return {
        "schema": SCHEMA, "grader_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(), "target": run.target, "seed": run.seed,
        "lang": lang, "wall_time": run.wall_time,
        "round_trips": sum(r.round_trips for r in run.results.values()),
        "isolation": run.isolation or {"mechanism": "none", "detail": ""},
        "modules": modules, "total": total,
        "checks": checks,
    }


def write(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
