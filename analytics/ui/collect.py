"""Collecting a follower list from the app: the Collect page's one write, and how a failure reads.

The page collects inside the app process, which already holds the store file open: it writes
through that connection, so the lock that makes the CLI spool its pages never applies here.
Kept apart from `reads`: the collector (urllib, its HTTP client) is loaded only by the Collect page.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.accounts import today as utc_today
from analytics.collect import last_collections as read_last_collections
from analytics.collect import store_fetched
from analytics.collect.command import Result, fetch
from analytics.errors import PalierError
from analytics.ui.store import get_store
from analytics.ui.text import literal

COLLECT_PLATFORMS = {"bluesky": "Bluesky", "mastodon": "Mastodon"}
NOT_COLLECTABLE = "Collection works for Bluesky and Mastodon, not {platform!r}."
READ_ONLY = "The store is open read-only (another Palier window or command is using it): nothing was stored."
FAILED = "The collection failed and nothing was stored: "


@st.cache_data(show_spinner=False, max_entries=32)
def last_collections(version: int) -> pd.DataFrame:
    """Per account, its latest collection (`analytics.collect.last_collections`)."""
    return read_last_collections(get_store())


def collect_now(
    account: str, platform: str, handle: str, api_url: str | None, progress: Callable[[int, int | None], None] | None
) -> Result:
    """Fetch `handle`'s follower list now and store it as today's snapshot of `account`.

    Returns the collector's `Result` (its `.line(account)` is the CLI's summary). Raises
    `PalierError` (a `CollectError` naming the request that failed) having stored nothing:
    everything is fetched before the one write. Owners only; the caller checks."""
    if platform not in COLLECT_PLATFORMS:
        raise PalierError(NOT_COLLECTABLE.format(platform=platform))
    # The CLI's own defaults (rate under the network's public limits, timeout, retries), so the
    # page is exactly as polite as `python -m analytics collect`.
    args = argparse.Namespace(
        account=account,
        bluesky=handle if platform == "bluesky" else None,
        mastodon=handle if platform == "mastodon" else None,
        api_url=api_url or None,
        rate=None,
        timeout=20.0,
        retries=5,
    )
    day = utc_today()
    fetched = fetch(args, day, sleep=time.sleep, clock=time.monotonic, wall=time.time, progress=progress)
    store = get_store()
    if store.read_only:
        raise PalierError(READ_ONLY)
    return Result(fetched, store_fetched(store, account, fetched, day), day)


def show_collect_error(message: str) -> None:
    """A failed collection: a plain sentence, then the collector's message verbatim (which request
    failed and why) as a code span, so its addresses cannot be clicked."""
    st.error(FAILED + literal(message), icon=":material/error:")
