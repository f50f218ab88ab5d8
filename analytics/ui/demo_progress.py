"""The demo's daily follower lists, loading in the background on first start: said on every page.

The first page draws from the demo account's exports within seconds (`analytics.demo.start_demo`);
its 549 daily lists take a minute or more. Meanwhile every page shows one progress line, refreshed
by a fragment every REFRESH_SECONDS (only the line reruns, not the page: its figures are not
recomputed for each month that lands), and the page reruns once when the lists are in, so it
shows them. The parts that need the lists (Churn's who followed and who left, Audience, Meetups)
say they are still being loaded (`lists_loading`), rather than asking the user to import lists,
and run no analysis on half the lists. A failure of the background import is shown on every page.
"""

from __future__ import annotations

import streamlit as st

from analytics.errors import PalierError
from analytics.i18n import N_, _, format_number, ngettext
from analytics.ui.lang import fragment
from analytics.ui.store import demo_loading, get_store
from analytics.ui.text import show_error

# How often the progress line asks how far the lists are (a lock and five numbers: cheap).
REFRESH_SECONDS = 2.0
# The progress line's container: its class (st-key-...) is what tests and the benchmark look for.
PROGRESS_KEY = "demo_lists_progress"

WRITING = N_("Preparing the demo's daily follower lists…")
# No count here: the page does not rerun while the lists load (the progress line above does).
STILL_LOADING = N_(
    "The demo's daily follower lists are still being loaded (see the progress line above). This part needs "
    "them: it appears here by itself when they are in."
)
LOAD_FAILED = N_("The demo's daily follower lists could not all be loaded: {error}")


def show_progress() -> None:
    """On every page, above it: the lists' progress while they load, their error if they failed.

    Called from app.py before the page runs. Starts the store (and so the demo on first start)
    itself, so the very first page already shows the line; a store that cannot be opened is
    left for the page to say."""
    try:
        get_store()
    except PalierError:
        return
    loading = demo_loading()
    if loading is None:
        return
    _done, _total, _current, finished, error = loading.status()
    if not finished:
        _progress_line()
    elif error:
        show_error(_(LOAD_FAILED).format(error=error))


@fragment(run_every=REFRESH_SECONDS)
def _progress_line() -> None:
    loading = demo_loading()
    if loading is None:
        return
    done, total, _current, finished, _error = loading.status()
    if finished:
        # Once, in every session that showed the line: the page draws again, with every list
        # (or with the error above it).
        st.rerun()
    with st.container(key=PROGRESS_KEY):
        st.progress(done / total if total else 0.0, text=progress_text(done, total))


def progress_text(done: int, total: int) -> str:
    """"Loading the demo's daily follower lists: 120 of 549", or what comes before the count."""
    if total == 0:
        return _(WRITING)
    return ngettext(
        "Loading the demo's daily follower list: {done} of {total}",
        "Loading the demo's daily follower lists: {done} of {total}",
        total,
    ).format(
        done=format_number(done), total=format_number(total)
    )


def lists_loading(account: str) -> bool:
    """Whether `account` is the demo whose daily lists are still being loaded in the background."""
    loading = demo_loading()
    return loading is not None and account == loading.account and not loading.status()[3]


def still_loading_notice() -> None:
    """Said where a part of a page needs the demo's lists: they are coming, no import needed."""
    st.info(_(STILL_LOADING))
