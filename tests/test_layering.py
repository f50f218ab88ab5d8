"""The layers stay apart: a test, so a stray import fails CI instead of review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYTICS = ROOT / "analytics"

# module prefix -> packages it must not import
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "analytics.store": ("streamlit", "plotly", "analytics.ingest", "analytics.metrics", "analytics.charts"),
    "analytics.ingest": ("streamlit", "plotly", "analytics.metrics", "analytics.charts", "analytics.ui"),
    "analytics.metrics": ("streamlit", "plotly", "analytics.ingest", "analytics.charts", "analytics.ui"),
    "analytics.charts": ("streamlit", "duckdb", "analytics.store", "analytics.ingest", "analytics.ui"),
    "analytics": ("streamlit",),
}
ONLY_STREAMLIT_IMPORTER = "analytics.ui"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(module: str, imported: set[str]) -> list[str]:
    if module == ONLY_STREAMLIT_IMPORTER or module.startswith(ONLY_STREAMLIT_IMPORTER + "."):
        return []
    rules = [banned for prefix, banned in FORBIDDEN.items() if module == prefix or module.startswith(prefix + ".")]
    found = []
    for banned in (b for rule in rules for b in rule):
        found += [name for name in imported if name == banned or name.startswith(banned + ".")]
    return sorted(set(found))


@pytest.mark.parametrize("path", sorted(ANALYTICS.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_lower_layers_do_not_import_upper_ones(path: Path) -> None:
    module = _module_name(path)
    assert _violations(module, _imports(path)) == []


def test_the_rule_catches_a_streamlit_import() -> None:
    assert _violations("analytics.metrics.followers", {"streamlit"}) == ["streamlit"]
    assert _violations("analytics.ui.widgets", {"streamlit"}) == []
    assert _violations("analytics.ui_helpers", {"streamlit"}) == ["streamlit"]


def test_data_folder_holds_no_python() -> None:
    # Streamlit puts the entry file's folder first on sys.path: a data/ package would shadow.
    assert list((ROOT / "data").rglob("*.py")) == []


def test_pages_hold_no_sql_and_no_driver() -> None:
    for page in sorted((ROOT / "pages").glob("*.py")):
        imported = _imports(page)
        assert not any(name == "duckdb" or name.startswith("duckdb.") for name in imported), page
        text = page.read_text(encoding="utf-8")
        assert "SELECT " not in text and "INSERT " not in text, page


def test_pages_start_without_the_topic_model_libraries() -> None:
    # scikit-learn and SciPy take about a second to import: a server's first page (and every
    # page that fits no topic) must not wait for them. In a fresh interpreter, since this test
    # process may have imported them already.
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import analytics.ui.reads, analytics.ui.widgets, analytics.ui.gate, analytics.charts.overview, analytics.charts.growth, analytics.charts.churn\n"
        "import analytics.charts.audience, analytics.metrics.audience\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip().splitlines()[-1] == "[]", found.stderr[-2000:]
