"""The README documents what the code does: settings and formats are checked against the code."""

from __future__ import annotations

import re
from pathlib import Path

from analytics.ingest.registry import FORMATS
from analytics.settings import PROJECT_ROOT, SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _table_after(marker: str) -> list[list[str]]:
    start = README.index(marker)
    rows = []
    for line in README[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue
        rows.append(cells)
    return rows[1:]  # without the header row


def test_settings_table_matches_the_settings() -> None:
    documented = {row[0].strip("`"): (row[1].strip("`"), row[2]) for row in _table_after("settings-table")}
    declared = {
        s.env: (str(Path(s.default).relative_to(PROJECT_ROOT)) if s.default.startswith(str(PROJECT_ROOT)) else s.default, s.help)
        for s in SETTINGS
    }
    assert documented == declared


def test_every_format_is_documented_with_where_to_get_it() -> None:
    documented = {row[0] for row in _table_after("formats-table")}
    labels = {f.label for f in FORMATS}
    assert labels <= documented, sorted(labels - documented)
    assert all(f.where_to_get.strip() for f in FORMATS)


def test_readme_commands_exist() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"^make (\w+)", README, flags=re.MULTILINE):
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_every_analytics_part_is_described_in_the_architecture_notes() -> None:
    notes = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    analytics = PROJECT_ROOT / "analytics"
    parts = sorted(f"{folder.name}/" for folder in analytics.iterdir() if folder.is_dir() and any(folder.glob("*.py")))
    assert parts and "analysis.py" in notes
    missing = [part for part in parts if f"**`{part}`**" not in notes]
    assert missing == [], f"docs/architecture.md has no paragraph for analytics/{missing}"
