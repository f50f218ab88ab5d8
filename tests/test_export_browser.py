"""No table offers a raw export: Streamlit's own "Download as CSV" in st.dataframe's toolbar wrote
cells such as =HYPERLINK(...) from followers' bios raw, and a spreadsheet runs them. Palier turns
it off (client.disableDataExport in .streamlit/config.toml); its own download buttons write
formula-safe CSV. The browser check (every table of every page hovered, its toolbar read) runs in
the walk through the pages of tests/test_browser.py (`no_table_offers_a_raw_download`), which
opens them anyway: one server and one browser instead of two."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def test_the_config_turns_the_toolbar_export_off() -> None:
    config: dict[str, Any] = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
