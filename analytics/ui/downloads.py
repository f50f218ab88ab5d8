"""Download buttons: the account's HTML report and spreadsheet-safe CSVs, built only when clicked.

The report button sits in the sidebar, the same place on every page, and reports the period the
page shows. The account is known early (its picker) but the period only later (its picker may
sit below), so the button is offered in two steps within one run: `pick_account` reserves its
place (`offer_report`), the period picker names the period (`report_period`), and app.py draws
it once the page has run (`sidebar_report`). A page that stops early draws no report.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from analytics.export.html_report import build_report
from analytics.i18n import N_, _, current_language, format_date
from analytics.metrics.csvsafe import to_safe_csv  # the shared neutraliser (=, +, -, @, tab, CR)
from analytics.ui import reads
from analytics.ui.gate import is_owner
from analytics.ui.store import get_store, store_path
from analytics.ui.timing import timed

REPORT_PEOPLE = N_("Include who joined and who left, by name")
REPORT_PEOPLE_HELP = N_("Off by default: a report you send carries figures and charts, no personal data, unless you decide so.")
REPORT_LABEL = N_("Download report (HTML)")
REPORT_HELP = N_("One HTML file: interactive charts, works offline, loads nothing from anywhere.")
REPORT_PERIOD_HELP = N_(
    "One HTML file of the period shown, {start} to {end}: interactive charts, works offline, loads nothing from anywhere."
)


@dataclass
class _ReportOffer:
    account: str
    key: str
    slot: Any  # the sidebar container reserved for the button
    start: dt.date | None = None
    end: dt.date | None = None
    drawn: bool = False


# One offer per script run (each run has its own context): never a previous run's container.
_offer: ContextVar[_ReportOffer | None] = ContextVar("palier_report_offer", default=None)


def offer_report(account_name: str, *, key: str) -> None:
    """Reserve the report button's place in the sidebar for this account (drawn after the page)."""
    _offer.set(_ReportOffer(account_name, key, st.sidebar.container()))


def report_period(start: dt.date | None, end: dt.date | None) -> None:
    """The period the page shows: the report covers it (called by the period picker, which
    draws the button in its reserved place at once)."""
    offer = _offer.get()
    if offer is not None and not offer.drawn:
        offer.start, offer.end = start, end
        _draw(offer)


def _draw(offer: _ReportOffer) -> None:
    offer.drawn = True
    with offer.slot:
        report_download_button(offer.account, key=offer.key, start=offer.start, end=offer.end)


@contextmanager
def sidebar_report() -> Iterator[None]:
    """Around the page's run (app.py): afterwards, draw the report button the page offered."""
    token = _offer.set(None)
    try:
        yield
        offer = _offer.get()
        if offer is not None and not offer.drawn:
            _draw(offer)
    finally:
        _offer.reset(token)


def report_download_button(
    account_name: str, *, key: str, start: dt.date | None = None, end: dt.date | None = None
) -> None:
    """A button that downloads the account's self-contained HTML report of [start, end] (None:
    the whole history). Built only when clicked (about 5 MB, mostly Plotly); with names only for
    an owner who asks for them."""
    version = get_store().version()
    people = False
    if is_owner():
        people = st.checkbox(
            _(REPORT_PEOPLE), value=False, key=f"{key}_people", help=_(REPORT_PEOPLE_HELP),
        )
    # Streamlit builds the file outside this run (no language set there): the language is
    # captured now, as the period is.
    language = current_language()

    def _build() -> str:
        with timed("report", account_name):
            return _report(account_name, people, language, start, end, version, str(store_path()))

    if start is not None and end is not None:
        help_text = _(REPORT_PERIOD_HELP).format(start=format_date(start), end=format_date(end))
    else:
        help_text = _(REPORT_HELP)
    st.download_button(
        _(REPORT_LABEL), data=_build, file_name=_report_file_name(account_name, start, end), mime="text/html",
        icon=":material/download:", on_click="ignore", key=key, help=help_text,
    )


# A report is built once per store version, account, period, language and choice of names: a second
# click, another visitor or another page asking for the same period gets the file at once (about
# 5 MB each: a few kept). Its "generated" time is that of its first build, of the same data.
@st.cache_data(show_spinner=False, max_entries=8)
def _report(
    account_name: str, people: bool, language: str, start: dt.date | None, end: dt.date | None, version: int,
    store_file: str,  # the version counts one file's writes: another file may be at the same count
) -> str:
    # The report counts the audience from the analysis: the run an import started is joined, not
    # done again beside it.
    run = reads.audience_analysis_run(account_name, language)
    if run is not None:
        run.wait()
        run.result()
    cursor = get_store().cursor()
    try:
        return build_report(cursor, account_name, people=people, language=language, start=start, end=end)
    finally:
        cursor.close()


def _report_file_name(account_name: str, start: dt.date | None = None, end: dt.date | None = None) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", account_name).strip("-.") or "account"
    if start is not None and end is not None:
        return f"palier-{safe}-{start.isoformat()}-{end.isoformat()}.html"
    return f"palier-{safe}-{dt.date.today().isoformat()}.html"


def csv_download_button(label: str, frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """A CSV download of a table, safe to open in a spreadsheet (no cell runs as a formula).
    For lists of people: call only when `can_see_people()`."""
    data: Callable[[], bytes] = lambda: to_safe_csv(frame)  # noqa: E731 - built on click only
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", on_click="ignore", key=key,
                       icon=":material/download:")
