"""No table offers a raw export: Streamlit's own "Download as CSV" in st.dataframe's toolbar wrote
cells such as =HYPERLINK(...) from followers' bios raw, and a spreadsheet runs them. Palier turns
it off (client.disableDataExport in .streamlit/config.toml); its own download buttons write
formula-safe CSV. Checked in a real browser, on every page with a table, hovering each table."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tests.test_browser import _browser_page, _wait_until_idle, demo_server  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
# Growth shows its tables at once (this period against others, best and worst periods); the
# others' tables are checked when shown without a click.
PAGES = ("/growth", "/churn", "/activity", "/audience", "/import")


def test_the_config_turns_the_toolbar_export_off() -> None:
    config: dict[str, Any] = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


def test_no_table_offers_a_raw_csv_download(demo_server: str) -> None:  # noqa: F811 - the fixture
    tables = 0
    with _browser_page() as (page, expect):
        for path in PAGES:
            page.goto(demo_server + path)
            expect(page.locator("h1").first).to_be_visible()
            if path == "/growth":
                page.locator("[data-testid=stDataFrame]").first.wait_for(state="attached")
            _wait_until_idle(page)
            frames = page.locator("[data-testid=stDataFrame]")
            for number in range(frames.count()):
                frame = frames.nth(number)
                if not frame.is_visible():
                    continue  # in a closed expander or tab
                frame.scroll_into_view_if_needed()
                frame.hover()
                toolbar = frame.locator("[data-testid=stElementToolbar]")
                # The toolbar shows (its search and fullscreen stay): the check below can fail.
                expect(toolbar.get_by_role("button").first).to_be_visible()
                labels = [(b.get_attribute("aria-label") or b.inner_text()) for b in toolbar.get_by_role("button").all()]
                assert not any("download" in label.lower() for label in labels), (path, labels)
                tables += 1
    assert tables >= 1
