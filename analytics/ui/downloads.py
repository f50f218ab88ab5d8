"""Download buttons: the account's HTML report and spreadsheet-safe CSVs, built only when clicked."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.export.html_report import build_report
from analytics.metrics.csvsafe import to_safe_csv  # the shared neutraliser (=, +, -, @, tab, CR)
from analytics.ui.gate import is_owner
from analytics.ui.store import get_store

REPORT_PEOPLE = "Include who joined and who left, by name"
REPORT_PEOPLE_HELP = "Off by default: a report you send carries figures and charts, no personal data, unless you decide so."
REPORT_LABEL = "Download report (HTML)"
REPORT_HELP = "One HTML file: interactive charts, works offline, loads nothing from anywhere."


def report_download_button(account_name: str, *, key: str) -> None:
    """A button that downloads the account's self-contained HTML report. Built only when
    clicked (about 5 MB, mostly Plotly); with names only for an owner who asks for them."""
    store = get_store()
    people = False
    if is_owner():
        people = st.checkbox(
            REPORT_PEOPLE, value=False, key=f"{key}_people", help=REPORT_PEOPLE_HELP,
        )

    def _build() -> str:
        cursor = store.cursor()
        try:
            return build_report(cursor, account_name, people=people)
        finally:
            cursor.close()

    st.download_button(
        REPORT_LABEL, data=_build, file_name=_report_file_name(account_name), mime="text/html",
        icon=":material/download:", on_click="ignore", key=key,
        help=REPORT_HELP,
    )


def _report_file_name(account_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", account_name).strip("-.") or "account"
    return f"palier-{safe}-{dt.date.today().isoformat()}.html"


def csv_download_button(label: str, frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """A CSV download of a table, safe to open in a spreadsheet (no cell runs as a formula).
    For lists of people: call only when `can_see_people()`."""
    data: Callable[[], bytes] = lambda: to_safe_csv(frame)  # noqa: E731 - built on click only
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", on_click="ignore", key=key,
                       icon=":material/download:")
