"""The pages' way into the store: one shared connection and cached reads.

This is the only module under `analytics/` that imports streamlit; the pages call it and
`analytics.charts`, never the store or SQL directly.

Caching rules, because a hosted Streamlit app shares its caches between every browser session:
- the store is a `st.cache_resource` keyed on its path (one DuckDB connection per process, as
  `analytics.store` expects);
- every read is a `st.cache_data` keyed on the store's data version and the inputs, so a write
  (an import, a deletion) makes every cached figure stale at once without clearing anything;
- nothing computed from one user's uploads is cached here: the Import page keeps its previews
  in that session's `st.session_state`.
Each read opens its own cursor and closes it: DuckDB cursors are not shared between threads,
and Streamlit runs each session in its own thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import NoReturn

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.accounts import list_accounts, list_imports, require_account
from analytics.errors import PalierError
from analytics.metrics import overview
from analytics.store import Store, open_store

DEMO_SPINNER = "Loading the demo account (first start only)"

log = logging.getLogger("palier.ui")


@dataclass
class _Opened:
    store: Store
    # The demo is offered once per process: an empty store later on means the user deleted
    # everything, and the demo must not come back under their feet.
    demo_checked: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


@st.cache_resource(show_spinner=False)
def _open(path: str) -> _Opened:
    # A second dashboard on the same file still shows charts, read-only.
    return _Opened(open_store(path, allow_read_only_fallback=True))


def get_store() -> Store:
    """The store at `settings.db_path()`, opened once per process; the demo loaded on first
    start when the store is empty and `PALIER_DEMO` allows it. Raises `PalierError`."""
    opened = _open(str(settings.db_path()))
    if not opened.demo_checked:
        with opened.lock:
            if not opened.demo_checked:
                _maybe_load_demo(opened.store)
                opened.demo_checked = True
    return opened.store


def _maybe_load_demo(store: Store) -> None:
    if store.read_only or not settings.demo_on_empty():
        return
    try:
        # Imported here: the demo module is optional for the pages, and heavy (it builds files).
        from analytics.demo import load_demo, store_is_empty
    except ImportError:
        return
    if not store_is_empty(store):
        return
    try:
        with st.spinner(DEMO_SPINNER):
            load_demo(store, account="demo")
    except PalierError as exc:
        # The demo is a courtesy: the app still works without it, so say why and carry on.
        log.warning("demo not loaded: %s", exc)
        st.warning(escape_markdown(f"The demo account could not be loaded: {exc}"))


def store_or_stop() -> Store:
    """`get_store()`, or a plain-text error on the page and the end of this run."""
    try:
        return get_store()
    except PalierError as exc:
        show_error(str(exc))
        st.stop()


# --- cached reads -----------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=64)
def accounts(version: int) -> pd.DataFrame:
    """Every account (account_id, name, platform, handle, created_at, imports), by name."""
    return list_accounts(get_store())


@st.cache_data(show_spinner=False, max_entries=256)
def imports(account_name: str, version: int) -> pd.DataFrame:
    """The imports of one account, newest first."""
    return list_imports(get_store(), account_name)


@st.cache_data(show_spinner=False, max_entries=256)
def data_range(account_name: str, version: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the account has any data."""
    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        return overview.data_range(cursor, account.account_id)
    finally:
        cursor.close()


@st.cache_data(show_spinner=False, max_entries=256)
def headline(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> tuple[overview.Headline, pd.DataFrame]:
    """Headline figures of a period and the daily follower series behind them."""
    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        return overview.headline(cursor, account.account_id, start, end)
    finally:
        cursor.close()


def clear_reads() -> None:
    """Forget cached reads (tests; the version key makes this unnecessary in the app)."""
    accounts.clear()
    imports.clear()
    data_range.clear()
    headline.clear()


# --- showing untrusted text -------------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# also defuses Streamlit's own markup (`:red[...]`, `:material/...:`, `$...$` maths).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&%=\"'@/^])")


def escape_markdown(text: object) -> str:
    """Text (a file name, a handle, an error quoting a file) made inert for st.markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def show_error(message: str) -> None:
    """An error as plain text in a red box: never a traceback, never a link."""
    st.error(escape_markdown(message))


def stop_with_error(message: str) -> NoReturn:
    show_error(message)
    st.stop()
