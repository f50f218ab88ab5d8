"""First start in a real browser (issue 16, target 1): `streamlit run app.py` on an empty store
with the demo on. Overview draws a chart from the demo's exports while its daily lists still load
in the background; a second tab (Churn) shows the progress line and says the lists are coming
(no "import lists"); once they are in, the line goes away on both tabs and Churn shows the lists.

The demo is made small (PALIER_DEMO_SCALE, PALIER_DEMO_MONTHS: six months, about 180 daily lists)
so that its lists load in well under a minute on a quiet machine, yet for far longer than the
first page takes to draw. Nothing is stubbed: the lists go through the importers in the server's
background thread. The test fails if the progress line is never shown (it is asserted on both
tabs before the lists are in) or never goes away.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import ARTIFACTS, _browser_page, _serve

pytestmark = pytest.mark.browser

SMALL_DEMO = {"PALIER_DEMO": "1", "PALIER_DEMO_SCALE": "0.05", "PALIER_DEMO_MONTHS": "6"}
PROGRESS = ".st-key-demo_lists_progress"  # analytics.ui.demo_progress.PROGRESS_KEY
CHART = "[data-testid=stPlotlyChart] .js-plotly-plot"
FIRST_PAGE_MS = 120_000  # a loaded machine: the server's first run imports the demo's exports
LISTS_MS = 900_000  # every daily list, on a loaded machine


@pytest.fixture
def first_start_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path / "palier.duckdb", tmp_path, settings=SMALL_DEMO)


def test_first_start_charts_while_the_lists_load(first_start_server: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _browser_page() as (page, expect):
        page.goto(first_start_server)
        expect(page.locator(CHART).first).to_be_visible(timeout=FIRST_PAGE_MS)
        # The first page drew from the exports; the lists are still loading, and it says so.
        expect(page.locator(PROGRESS)).to_be_visible()
        expect(page.locator(PROGRESS)).to_contain_text("the demo's daily follower list")

        # A second tab: its own Streamlit session (Playwright opens it in a context of its own).
        assert page.context.browser is not None
        churn = page.context.browser.new_page(viewport={"width": 1400, "height": 1000})
        churn.set_default_timeout(FIRST_PAGE_MS)
        churn.goto(first_start_server + "/churn")
        expect(churn.get_by_role("heading", name="Churn & plateaus")).to_be_visible()
        expect(churn.locator(PROGRESS)).to_be_visible()
        expect(churn.get_by_text("The demo's daily follower lists are still being loaded")).to_be_visible()
        # Not the message for an account without lists.
        expect(churn.get_by_text("Import follower lists")).to_have_count(0)
        expect(churn.get_by_text("From the list of")).to_have_count(0)
        churn.screenshot(path=str(ARTIFACTS / "firststart-churn-loading.png"), full_page=True)

        # Every list in: the page reran by itself, with the lists' part and no progress line.
        expect(churn.get_by_text("From the list of")).to_be_visible(timeout=LISTS_MS)
        expect(churn.locator(PROGRESS)).to_have_count(0)
        expect(churn.get_by_text("still being loaded")).to_have_count(0)
        expect(page.locator(PROGRESS)).to_have_count(0)
        expect(page.locator(CHART).first).to_be_visible()
        churn.screenshot(path=str(ARTIFACTS / "firststart-churn-loaded.png"), full_page=True)
