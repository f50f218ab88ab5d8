"""The Collect page's parts: each account's last collection, the form, "Collect now" and its outcome.

The page collects inside the app process and writes through its shared store (which opens the
file for the write if it had let go of it, waiting for a command that holds it).
Kept apart from `reads`: the collector (urllib, its HTTP client) is loaded only by the Collect page.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics.collect.command import Result, fetch
from analytics.collect.fetched import last_collections as read_last_collections
from analytics.collect.fetched import store_fetched
from analytics.errors import PalierError
from analytics.i18n import N_, _, format_number, ngettext
from analytics.store.accounts import PLATFORMS
from analytics.store.accounts import today as utc_today
from analytics.ui import tables
from analytics.ui.cache import cached_read
from analytics.ui.store import get_store
from analytics.ui.tables import localized
from analytics.ui.text import escape_markdown as esc
from analytics.ui.text import literal, show_error

log = logging.getLogger("palier.collect")

COLLECT_PLATFORMS = {"bluesky": "Bluesky", "mastodon": "Mastodon"}
COLLECT_EXAMPLES = {"bluesky": "me.bsky.social", "mastodon": "@me@mastodon.social"}
HANDLE_NEEDED = N_("Give a handle to collect, like {example}.")
NOT_COLLECTABLE = N_("Collection works for Bluesky and Mastodon, not '{platform}'.")
READ_ONLY = N_("The store is open read-only (another Palier window or command is using it): nothing was stored.")
FAILED = N_("The collection failed and nothing was stored: {error}")
COLLECTION_FAILED = N_("Collection failed: nothing was stored")
# The table of last collections: column names, translated where shown.
ACCOUNT, PLATFORM, HANDLE = N_("Account"), N_("Platform"), N_("Handle")
COLLECTED_AT, SNAPSHOT_OF, FOLLOWERS, PROFILE_SAYS = N_("Collected at"), N_("Snapshot of"), N_("Followers"), N_("Profile says")


@cached_read(max_entries=32)
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
        raise PalierError(_(NOT_COLLECTABLE).format(platform=platform))
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
        raise PalierError(_(READ_ONLY))
    return Result(fetched, store_fetched(store, account, fetched, day), day)


def show_collect_error(message: str) -> None:
    """A failed collection: a plain sentence, then the collector's message verbatim (which request
    failed and why) as a code span, so its addresses cannot be clicked."""
    st.error(_(FAILED).format(error=literal(message)), icon=":material/error:")


def collection_table(collected: pd.DataFrame) -> None:
    """Per account, its last collection: when, which handle, how many followers."""
    # Handles are untrusted text: st.dataframe shows cells as plain text, never markdown or links.
    shown = pd.DataFrame({
        _(ACCOUNT): collected["account"].astype("string"),
        _(PLATFORM): collected["platform"].map(lambda p: PLATFORMS.get(p, p) if isinstance(p, str) else p).astype("string"),
        _(HANDLE): collected["handle"].astype("string"),
        _(COLLECTED_AT): pd.to_datetime(collected["last_collected_at"]),
        _(SNAPSHOT_OF): pd.to_datetime(collected["snapshot_date"]),
        _(FOLLOWERS): collected["followers"],
        _(PROFILE_SAYS): collected["profile_followers"],
    })
    # Days in digits, in the language's order: the browser draws the cells and knows no French month names.
    tables.dataframe(
        localized(shown, {_(FOLLOWERS): tables.number(), _(PROFILE_SAYS): tables.number()}),
        hide_index=True,
        column_config={
            _(ACCOUNT): st.column_config.TextColumn(),
            _(PLATFORM): st.column_config.TextColumn(),
            _(HANDLE): st.column_config.TextColumn(width="medium"),
            _(COLLECTED_AT): st.column_config.DatetimeColumn(format=tables.datetime_column_format()),
            _(SNAPSHOT_OF): st.column_config.DateColumn(format=tables.date_column_format()),
            _(FOLLOWERS): st.column_config.NumberColumn(help=_("Followers listed by the collection.")),
            _(PROFILE_SAYS): st.column_config.NumberColumn(
                help=_("The follower count on the profile; empty when the profile hides it.")
            ),
        },
    )


def collect_form(account: str, account_platform: str | None, collected: pd.DataFrame) -> None:
    """Platform, handle, optional API address, and the Collect now button (owners only)."""
    # Start from this account's last collection: collecting again is the common case.
    previous = collected[collected["account"] == account] if account else collected.iloc[0:0]
    last_platform = str(previous["platform"].iloc[0]) if not previous.empty else None
    last_handle = str(previous["handle"].iloc[0]) if not previous.empty and pd.notna(previous["handle"].iloc[0]) else ""
    default_platform = last_platform or (account_platform if account_platform in COLLECT_PLATFORMS else "bluesky")

    # Keyed on the account so switching accounts shows that account's last handle.
    with st.form(key=f"collect_form_{account}", border=True):
        platform_col, handle_col = st.columns([1, 2])
        platform = platform_col.radio(
            _(PLATFORM), list(COLLECT_PLATFORMS), index=list(COLLECT_PLATFORMS).index(default_platform),
            format_func=COLLECT_PLATFORMS.__getitem__, horizontal=True, key=f"collect_platform_{account}",
        )
        handle = handle_col.text_input(
            _(HANDLE), value=last_handle, max_chars=300, key=f"collect_handle_{account}",
            placeholder=_("me.bsky.social or @me@mastodon.social"),
            help=_("A Bluesky handle like me.bsky.social, or a Mastodon address like @me@mastodon.social."),
        )
        if account:
            st.caption(_("Stores into the account chosen above: {account}").format(account=esc(account)))
        else:
            st.caption(_("Choose an account above, or New account… and a name, to store into."))
        with st.expander(_("API address (advanced)"), expanded=False):
            api_url = st.text_input(
                _("API address"), value="", max_chars=300, key=f"collect_api_url_{account}",
                placeholder=_("https://public.api.bsky.app/xrpc/ or https://INSTANCE"),
                help=_(
                    "Only for a self-hosted server, or a Mastodon account whose home server differs "
                    "from its handle's domain. Empty: the public Bluesky API, or your handle's instance."
                ),
            ).strip()
        submitted = st.form_submit_button(
            _("Collect now"), type="primary", icon=":material/cloud_download:", disabled=not account,
        )
    if not submitted:
        return
    if not handle.strip():
        show_error(_(HANDLE_NEEDED).format(example=COLLECT_EXAMPLES[platform]))
        return
    _collect_with_progress(account, platform, handle.strip(), api_url or None)
    # A rerun redraws the table above with the new collection (the store's version changed).
    st.rerun()


def _collect_with_progress(account: str, platform: str, handle: str, api_url: str | None) -> None:
    """Collect, with a progress bar; the outcome is kept for the next run to show."""
    with st.status(_("Collecting {handle}").format(handle=literal(handle)), expanded=True) as status:
        bar = st.progress(0.0, text=_("Reading the profile…"))

        def _progress(fetched: int, expected: int | None) -> None:
            if expected:
                text = ngettext("{fetched} of {count} follower fetched", "{fetched} of {count} followers fetched", expected)
                bar.progress(min(fetched / expected, 1.0),
                             text=text.format(fetched=format_number(fetched), count=format_number(expected)))
            else:
                # The profile hides its count: no fraction to show, only how far the list got.
                text = ngettext("{count} follower fetched (the profile hides its total)",
                                "{count} followers fetched (the profile hides its total)", fetched)
                bar.progress(0.0, text=text.format(count=format_number(fetched)))

        try:
            result = collect_now(account, platform, handle, api_url, _progress)
        except PalierError as exc:
            status.update(label=_(COLLECTION_FAILED), state="error")
            st.session_state["collect_outcome"] = ("failed", "", str(exc))
        except Exception as exc:  # noqa: BLE001 - shown as a sentence; the traceback goes to the log
            log.exception("collection failed")
            status.update(label=_(COLLECTION_FAILED), state="error")
            st.session_state["collect_outcome"] = (
                "failed", "", _("Unexpected error ({kind}): {error}").format(kind=type(exc).__name__, error=exc)
            )
        else:
            status.update(label=_("Collected"), state="complete")
            st.session_state["collect_outcome"] = (
                result.outcome.status, result.fetched.handle, result.line(account), *result.outcome.notes
            )
            # The picker keeps the account just written (a new one appears in it after the rerun).
            st.session_state["collect_account_next"] = account


def show_collect_outcome() -> None:
    """What the last "Collect now" of this session did, once."""
    outcome = st.session_state.pop("collect_outcome", None)
    if not outcome:
        return
    status, handle, line, *notes = outcome
    if status == "failed":
        show_collect_error(line)
    else:
        # The handle as a code span: an @user@instance must not turn into a mail link.
        shown = esc(line)
        if handle and handle in line:
            before, after = line.split(handle, 1)
            shown = esc(before) + literal(handle) + esc(after)
        if status == "unchanged":
            st.info(shown, icon=":material/info:")
        else:
            st.success(shown, icon=":material/check_circle:")
    for note in notes:
        st.caption(esc(note))
