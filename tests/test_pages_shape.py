"""The pages stay thin and share one definition of what they all use (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analytics.charts import CHART_CONFIG
from analytics.export.html_report import REPORT_CHART_CONFIG
from analytics.ui import widgets

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "pages").glob("*.py"))
UI_MODULES = sorted((ROOT / "analytics" / "ui").glob("*.py"))
MAX_PAGE_LINES = 200


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_is_thin(page: Path) -> None:
    lines = page.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_PAGE_LINES, f"{page.name} has {lines} lines: move its parts to analytics/ui"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_page_defines_no_chart_configuration_and_no_path_to_import(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "displaylogo" not in text and "CHART_CONFIG =" not in text
    assert "pages/import.py" not in text  # widgets.link_to_import is the one way there


def test_one_chart_configuration_for_the_pages_and_the_report() -> None:
    assert widgets.CHART_CONFIG is CHART_CONFIG
    assert {k: v for k, v in REPORT_CHART_CONFIG.items() if k != "responsive"} == CHART_CONFIG


@pytest.mark.parametrize("module", UI_MODULES, ids=lambda p: p.name)
def test_ui_modules_import_at_the_top_only(module: Path) -> None:
    body = ast.parse(module.read_text(encoding="utf-8")).body
    kinds = [isinstance(node, (ast.Import, ast.ImportFrom)) for node in body]
    # The docstring, then the imports, then the rest: no import after the first other statement.
    first_other = next((i for i, (node, is_import) in enumerate(zip(body, kinds, strict=True))
                        if not is_import and not (i == 0 and isinstance(node, ast.Expr))), len(body))
    assert not any(kinds[first_other:]), f"{module.name} imports below its top"


def test_the_collect_page_is_owner_only_like_import() -> None:
    from analytics.ui.gate import OWNER_ONLY_PAGES

    assert {"import", "collect"} <= OWNER_ONLY_PAGES
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    assert 'st.Page("pages/collect.py"' in app and 'url_path="collect"' in app
