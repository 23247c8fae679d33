"""The README: the two commands first, every doc linked, every check listed with its section."""
import re
from pathlib import Path

from grader.modules import MODULES
from grader.runner import load_checks

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["python3 kit.py grade", "python3 kit.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "\npython3 kit.py test\n" in ci


def test_every_doc_is_linked_and_exists():
    for doc in [m.doc for m in MODULES] + ["docs/grading.md", "docs/json-report.md"]:
        assert f"]({doc})" in README, doc
        assert (ROOT / doc).exists(), doc


def test_every_check_is_listed_with_its_section():
    numbers = "|".join(str(m.number) for m in MODULES)
    rows = dict(re.findall(rf"^\| `(m(?:{numbers})\.[\w.]+)` \|.*\]\((docs/[\w.]+#[\w-]+)\) \|$",
                           README, flags=re.M))
    checks = load_checks()
    assert set(rows) == set(checks)
    for check_id, doc in rows.items():
        assert doc == checks[check_id].doc, check_id
