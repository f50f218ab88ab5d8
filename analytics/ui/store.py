"""The store of this process: shared with other processes, the demo loaded on first start, read
one cursor at a time.

On first start the demo's account exports are imported before the first page draws (a few
seconds) and its daily follower lists in a background thread (`analytics.demo.start_demo`); the
`DemoLoading` that reports their progress lives with the store, so every tab of every session sees
the same progress (`demo_loading`, shown by `analytics.ui.demo_progress`).

The store is a `st.cache_resource` keyed on its path: one `SharedStore` per process, which holds
the file only while pages read or write it and lets go of it after `PALIER_STORE_IDLE` seconds,
so command-line imports, reports and cron collections get in while the dashboard runs; writes
they queued meanwhile (analytics.pending) are applied by it before it lets go. Each read opens
its own cursor and closes it: DuckDB cursors are not shared between threads, and Streamlit runs
each session in its own thread.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from analytics import access, settings
from analytics.errors import PalierError, StoreBusyError
from analytics.i18n import N_, _
from analytics.pending import Queue
from analytics.store import Store
from analytics.store.accounts import require_account
from analytics.store.shared import SharedStore
from analytics.ui.gate import access_config
from analytics.ui.gcfreeze import freeze_after_new_imports
from analytics.ui.text import escape_markdown, show_error

if TYPE_CHECKING:
    from analytics.demo import DemoLoading

_T = TypeVar("_T")

DEMO_SPINNER = N_("Loading the demo account (first start only)")
DEMO_FAILED = N_("The demo account could not be loaded: {error}")

log = logging.getLogger("palier.ui")

# Imported lazily by the first page (Overview's plateaus use ruptures, which loads SciPy: seconds on
# a loaded machine): loaded in the background from the moment the store opens, while it migrates
# and the demo's exports import (much of that in DuckDB, off the interpreter lock), so the first
# page finds them loaded. Nothing else changes: a page needing one before it is in waits for the
# import already under way, as it would have imported it itself.
WARM_IMPORTS = ("ruptures",)


def _warm_imports() -> None:
    def run() -> None:
        for name in WARM_IMPORTS:
            try:
                importlib.import_module(name)
            except ImportError:
                log.warning("could not import %s ahead of the first page", name)

    threading.Thread(target=run, name="palier-warm-imports", daemon=True).start()


@dataclass
class _Opened:
    store: Store
    # The demo is offered once per process: an empty store later on means the user deleted
    # everything, and the demo must not come back under their feet.
    demo_checked: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The demo's daily lists being imported in the background (None when no demo was started).
    demo: DemoLoading | None = None


def _close(opened: _Opened) -> None:
    opened.store.close()


# Dropped from the cache (cleared, or the server stopping): the file is let go of at once.
@st.cache_resource(show_spinner=False, on_release=_close)
def _open(path: str) -> _Opened:
    _warm_imports()
    # Held per use, not for the life of the server: a second dashboard or a command on the same
    # file waits its turn (at most PALIER_STORE_WAIT seconds) instead of being locked out.
    store = SharedStore(
        path,
        wait=settings.seconds(settings.STORE_WAIT),
        idle=settings.seconds(settings.STORE_IDLE),
        backlog=Queue(Path(path)),
    )
    return _Opened(store)


def get_store() -> Store:
    """The store at `store_path()`, opened once per process; the demo loaded on first
    start when the store is empty and `PALIER_DEMO` allows it. Raises `PalierError`."""
    opened = _open(str(store_path()))
    if not opened.demo_checked:
        with opened.lock:
            if not opened.demo_checked:
                opened.demo = _maybe_start_demo(opened.store)
                opened.demo_checked = True
    return opened.store


def demo_loading() -> DemoLoading | None:
    """The demo's background import of this process's store, once `get_store()` started it
    (None when the store was not empty, or the demo is off)."""
    return _open(str(store_path())).demo


def _maybe_start_demo(store: Store) -> DemoLoading | None:
    if store.read_only or not settings.demo_on_empty():
        return None
    try:
        # Imported here: the demo module is optional for the pages, and heavy (it builds files).
        from analytics.demo import DEMO_ACCOUNT, demo_unfinished, start_demo, store_is_empty
    except ImportError:
        return None
    size = settings.demo_size()
    # Empty: a first start. Or a first start stopped while the demo's lists loaded: finish it.
    if not (store_is_empty(store) or demo_unfinished(store, account=DEMO_ACCOUNT, **size)):
        return None
    try:
        # The account's exports now (what the first charts draw), the daily lists meanwhile.
        with st.spinner(_(DEMO_SPINNER)):
            # Held until the first page has drawn (run_page releases them): see start_demo.
            return start_demo(store, account=DEMO_ACCOUNT, held=True, **size)
    except PalierError as exc:
        # The demo is a courtesy: the app still works without it, so say why and carry on.
        log.warning("demo not loaded: %s", exc)
        st.warning(escape_markdown(_(DEMO_FAILED).format(error=exc)))
        return None


def store_or_stop() -> Store:
    """`get_store()`, or a plain-text error on the page and the end of this run."""
    try:
        store = get_store()
        # Opens the file now if the store had let go of it, so a store another process holds
        # for too long is said here, at the top of the page (and `read_only` is current).
        store.version()
        return store
    except PalierError as exc:
        show_error(str(exc))
        st.stop()


def run_page(page: StreamlitPage) -> None:
    """Run the page; a store another process held past PALIER_STORE_WAIT in the middle of it
    ends the page with that sentence, not a traceback. While the demo's daily lists load in the
    background, the next list file waits for the page (DemoLoading.page_drawing); once a page has
    run (or stopped), the lists, held so as not to slow the first page, may load."""
    # Before the page, not after it: what the last run built was collected after it (Streamlit's
    # collection), so only what lives on (modules, caches, sessions) is frozen. See gcfreeze.
    freeze_after_new_imports()
    loading = _demo_loading_or_none()
    try:
        with loading.page_drawing() if loading is not None else nullcontext():
            page.run()
    except StoreBusyError as exc:
        show_error(str(exc))
    finally:
        if loading is not None:
            loading.release()


def _demo_loading_or_none() -> DemoLoading | None:
    try:
        return demo_loading()
    except PalierError:
        return None  # no store, so no demo: the page says why


def on_account(account_name: str, read: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """One read of one account's figures, on its own cursor (closed after): `read(cursor,
    account_id, *args, **kwargs)`. Unknown accounts raise UnknownAccountError."""
    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        return read(cursor, account.account_id, *args, **kwargs)
    finally:
        cursor.close()


def store_path() -> Path:
    """`PALIER_DB` when set, else `[palier] db` from the secrets, else the default file."""
    if os.environ.get(settings.DB_PATH.env):
        return settings.db_path()
    try:
        configured = access_config().db
    except access.AccessConfigError:
        configured = None  # the gate shows that error; the store need not repeat it
    return Path(configured).expanduser() if configured else settings.db_path()

