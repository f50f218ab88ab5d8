"""A new browser tab loads the chart library while the server computes its first page
(analytics.ui.warmup), not once the page's first chart arrives: checked in Chromium on a page
that draws no chart at all (Import, on an empty store), where the library is then loaded for
the hidden chart alone, which is gone from the page once the page has run.

The library is Streamlit's own script chunk for Plotly charts (PlotlyChart.<hash>.js among
Streamlit's static files): the browser's record of the resources it fetched shows it loaded it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.ui.warmup import PRELOAD_KEY
from tests.test_browser import _browser_page, _serve, _wait_until_idle

pytestmark = pytest.mark.browser

PLOTLY_CHUNK = "/static/js/PlotlyChart."
LOADED_MS = 30_000


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path / "palier.duckdb", tmp_path)


def test_a_new_tab_loads_the_chart_library_while_the_page_runs(empty_server: str) -> None:
    with _browser_page() as (page, expect):
        page.goto(empty_server + "/import")
        expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
        _wait_until_idle(page)
        # The page drew no chart, yet the browser loaded the library: for the hidden chart.
        assert page.locator("[data-testid=stPlotlyChart]:visible").count() == 0
        page.wait_for_function(
            "chunk => performance.getEntriesByType('resource').some(entry => entry.name.includes(chunk))",
            arg=PLOTLY_CHUNK, timeout=LOADED_MS,
        )
        # The page removed the hidden chart once it had run: nothing of it is left, visible or not.
        assert page.locator(f".st-key-{PRELOAD_KEY}").count() == 0
        assert page.locator(".js-plotly-plot").count() == 0
        assert page.locator("[data-testid=stException]").count() == 0
