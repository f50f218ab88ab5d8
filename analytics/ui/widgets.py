"""What every dashboard shares: the account and period pickers, the link to the Import page,
and the one configuration of st.plotly_chart."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.charts import CHART_CONFIG
from analytics.i18n import N_, _
from analytics.store import Store
from analytics.store.accounts import PLATFORMS
from analytics.ui.downloads import offer_report, report_period
from analytics.ui.gate import is_owner
from analytics.ui.reads import accounts, data_range
from analytics.ui.store import store_or_stop

__all__ = ["CHART_CONFIG", "IMPORT_PAGE", "account_data_range", "account_label", "link_to_import", "pick_account",
           "pick_period"]

IMPORT_PAGE = "pages/import.py"
GO_TO_IMPORT = N_("Go to the Import page")
ASK_THE_OWNER = N_("Ask the owner of this dashboard to import data.")
NO_DATA_YET = N_("This account has no data yet: import a file into it on the Import page.")
ACCOUNT = N_("Account")


def account_label(name: str, version: int) -> str:
    """"demo (X (Twitter))": the account with its platform, for pickers."""
    frame = accounts(version)
    platform = dict(zip(frame["name"], frame["platform"], strict=True)).get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


def link_to_import(label: str | None = None, icon: str = ":material/upload_file:") -> None:
    """The one way a page points to the Import page (for owners; viewers are told whom to ask).
    `label`: already translated; default "Go to the Import page"."""
    # Viewers have no Import page in their navigation: a link to it would be an error.
    if is_owner():
        st.page_link(IMPORT_PAGE, label=label if label is not None else _(GO_TO_IMPORT), icon=icon)
    else:
        st.caption(_(ASK_THE_OWNER))


def pick_account(page: str, no_account: str, column: object = None) -> tuple[Store, int, str]:
    """The store, its version and the chosen account; stops the page with `no_account` when the
    store has none. The account's report download sits in the sidebar, the same place on every page
    (drawn once the page has run, for the period it shows: `downloads.sidebar_report`)."""
    store = store_or_stop()
    version = store.version()
    names: list[str] = accounts(version)["name"].tolist()
    if not names:
        st.info(no_account)
        link_to_import()
        st.stop()
    where = column if column is not None else st
    account = where.selectbox(  # type: ignore[attr-defined]
        _(ACCOUNT), names, index=0, format_func=lambda name: account_label(name, version), key=f"{page}_account"
    )
    assert account is not None
    offer_report(account, key=f"{page}_report")
    return store, version, account


def pick_period(
    page: str, account: str, first: dt.date, last: dt.date, column: object = None, help: str | None = None
) -> tuple[dt.date, dt.date]:
    """A date range within [first, last]; a half-picked range reads as open-ended."""
    where = column if column is not None else st
    # The key holds the account's range, so a new import (a wider range) resets the picker to it.
    period = where.date_input(  # type: ignore[attr-defined]
        "Period", value=(first, last), min_value=first, max_value=last, format="YYYY-MM-DD",
        key=f"{page}_period:{account}:{first}:{last}", help=help,
    )
    if isinstance(period, (tuple, list)):
        chosen = (period[0] if len(period) > 0 else first), (period[1] if len(period) > 1 else last)
    else:
        chosen = (period or first), last
    report_period(*chosen)  # the sidebar's report covers the period shown
    return chosen


def account_data_range(account: str, version: int) -> tuple[dt.date, dt.date]:
    """The account's first and last day with data; stops the page when it has none."""
    first, last = data_range(account, version)
    if first is None or last is None:
        st.info(_(NO_DATA_YET))
        link_to_import()
        st.stop()
    return first, last
