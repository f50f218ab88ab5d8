"""Import: choose an account, upload exports, preview them, import; see and undo past imports."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from analytics import settings, ui_cache
from analytics.store.accounts import PLATFORMS, delete_account, delete_import
from analytics.errors import PalierError
from analytics.ingest.service import ImportOptions, Outcome
from analytics.ui_cache import escape_markdown as esc
from analytics.uploads import ImportJob, ListShape, Previewed, preview

log = logging.getLogger("palier.import")

# Not a name anyone can type into a text box, so it cannot shadow a real account.
NEW_ACCOUNT = "\x00new"
UPLOAD_TYPES = ["csv", "json", "js", "zip"]
PREVIEW_COLUMNS = ["File", "Format", "Rows", "Days", "Posts", "Follower lists", "From", "To"]
HISTORY_SHOWN = 10  # newest imports shown; older ones fold into an expander
SUMMARY_CHARS = 220  # a file of daily lists has a summary line per day
POLL_SECONDS = 0.2  # how often the progress bar of a running import is redrawn


def _list_size(shape: ListShape, day: dt.date | None) -> str:
    noun = "followers" if shape.kind == "follower" else "following"
    when = f"on {day.isoformat()}" if day else "on the dates in the file"
    if shape.size is None:
        return f"a list of {noun} {when} (counted when imported)"
    return f"{shape.size:,} {noun} {when}"


def _list_sizes(lists: list[tuple[ListShape, dt.date | None]]) -> str:
    """A file of daily lists holds dozens: past three, give the count and the range of sizes
    (the dates are in the From and To columns)."""
    counts = [shape.size for shape, _ in lists if shape.size is not None]
    if len(lists) > 3 and len(counts) == len(lists):
        return f"{len(lists)} lists of {min(counts):,} to {max(counts):,}"
    return "; ".join(_list_size(shape, day) for shape, day in lists)


def _preview_row(previewed: Previewed, options: ImportOptions) -> dict[str, Any]:
    """What one prepared import holds, in the words of the preview table."""
    item = previewed.item
    parsed = item.parsed
    days = pd.to_datetime(parsed.daily["day"]).dropna()
    posted = pd.to_datetime(parsed.posts["posted_at"]).dropna()
    lists = previewed.list_dates(options)
    dates: list[dt.date] = [d.date() for d in (*days.agg(["min", "max"]), *posted.agg(["min", "max"])) if pd.notna(d)]
    dates += [day for _, day in lists if day is not None]
    sizes = _list_sizes(lists)
    return {
        "File": item.name,
        "Format": item.label,
        "Rows": parsed.rows,
        "Days": int(days.dt.normalize().nunique()),
        "Posts": len(parsed.posts),
        "Follower lists": sizes or "—",
        "From": min(dates) if dates else None,
        "To": max(dates) if dates else None,
    }


def _preview(files: Sequence[Any]) -> list[Previewed | Outcome]:
    """Parse the uploads once per set of files. Kept in this session only: one user's files
    must never land in a cache other sessions read."""
    key = tuple(getattr(f, "file_id", f.name) for f in files)
    cached = st.session_state.get("import_preview")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with st.spinner("Reading the files…"):
            prepared = preview(files)
    except Exception as exc:  # noqa: BLE001 - a parser bug (or a full disk) must read as a message, not a traceback
        log.exception("preview failed")
        prepared = [Outcome(", ".join(f.name for f in files), "failed", error=f"Unexpected error ({type(exc).__name__}): {exc}")]
    st.session_state["import_preview"] = (key, prepared)
    return prepared


def _follow(job: ImportJob) -> list[Outcome]:
    """Redraw one progress bar from the worker's state until the import ends (Streamlit elements
    are drawn from this, the script thread, only). Its outcomes; what the worker raised becomes a
    failed outcome, a sentence rather than a traceback."""
    # Where the import is now: a run that comes back to a running import does not start from 0.
    shown = job.snapshot()
    bar = st.progress(shown.fraction, text=esc(shown.text))
    while not job.wait(POLL_SECONDS):
        shown = job.snapshot()
        bar.progress(shown.fraction, text=esc(shown.text))
    bar.progress(1.0, text="Done")
    try:
        return job.result()
    except PalierError as exc:
        return [Outcome("import", "failed", error=str(exc))]
    except Exception as exc:  # noqa: BLE001 - shown as a sentence; the traceback goes to the log
        log.error("import failed", exc_info=exc)
        return [Outcome("import", "failed", error=f"Unexpected error ({type(exc).__name__}): {exc}")]


def _outcome_line(outcome: Outcome) -> str:
    if outcome.status == "imported":
        # A file of daily lists names every day: summarised as in the history below.
        return f"{outcome.name}: {_short_summary(outcome.summary)}"
    if outcome.status != "failed":
        return outcome.line()
    error = outcome.error or "failed"
    # Palier's errors about a file already start with its name.
    return error if error.startswith(outcome.name) else f"{outcome.name}: {error}"


def _show_outcomes(outcomes: list[tuple[str, str, list[str]]]) -> None:
    for status, line, notes in outcomes:
        if status == "imported":
            st.success(esc(line), icon=":material/check_circle:")
        elif status == "unchanged":
            st.info(esc(line), icon=":material/info:")
        else:
            ui_cache.show_error(line)
        for note in notes:
            st.caption(esc(note))


_LIST_PART = re.compile(r"^(\d+) (followers|following) on (\d{4}-\d{2}-\d{2})$")


def _short_summary(summary: str) -> str:
    """An import's summary names every list it held, a part per day for a file of daily
    lists: past three, they become one part with the count, the sizes and the dates."""
    parts = summary.split(", ")
    lists = [m for m in (_LIST_PART.match(part) for part in parts) if m]
    if len(lists) > 3:
        sizes = [int(m.group(1)) for m in lists]
        days = sorted(m.group(3) for m in lists)
        kinds = {m.group(2) for m in lists}
        noun = "follower lists" if kinds == {"followers"} else "lists"
        parts = [part for part in parts if not _LIST_PART.match(part)]
        parts.append(f"{len(lists)} {noun} of {min(sizes):,} to {max(sizes):,}, {days[0]} to {days[-1]}")
        summary = ", ".join(parts)
    return summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS].rsplit(", ", 1)[0] + ", …"


def _history_row(row: Any) -> None:
    """One past import: what it was, when, and a button to forget it."""
    import_id = int(row.import_id)
    short = _short_summary(str(row.summary or row.format))
    with st.container(border=True):
        text_col, when_col, button_col = st.columns([6, 2, 1], vertical_alignment="center")
        text_col.markdown(f"**#{import_id}** {esc(row.file_name)}")
        text_col.caption(esc(short))
        when_col.caption(f"Imported {pd.Timestamp(row.imported_at):%Y-%m-%d %H:%M}")
        if button_col.button(
            "Delete", key=f"import_delete_{import_id}", icon=":material/delete:",
            disabled=store.read_only, help="Forget this import: its values, posts and follower lists.",
        ):
            try:
                delete_import(store, account_name, import_id)
            except PalierError as exc:
                ui_cache.show_error(str(exc))
            else:
                st.session_state["import_notice"] = f"Deleted import #{import_id} ({row.file_name})."
                st.rerun()


# Owners only: app.py leaves this page out of a viewer's navigation; this stops one who gets here anyway.
# The first visit of a freshly started server may run this file without app.py: go through it.
ui_cache.through_app_navigation()
ui_cache.require_owner()

st.title("Import")
st.caption(
    "Files are read on this computer and stored in its own database file; nothing is sent anywhere. "
    "Importing the same file twice changes nothing."
)

store = ui_cache.store_or_stop()
if store.read_only:
    st.warning(
        "The store is open read-only because another Palier window or command is using it: "
        "close that one to import or delete."
    )
version = store.version()
accounts = ui_cache.accounts(version)
names: list[str] = accounts["name"].tolist()
platforms = dict(zip(accounts["name"], accounts["platform"], strict=True))
handles = dict(zip(accounts["name"], accounts["handle"], strict=True))

# A selection asked for by the previous run (after an import or a deletion): a widget's state
# can only be set before the widget is drawn.
if "import_account_next" in st.session_state:
    st.session_state["import_account"] = st.session_state.pop("import_account_next")
notice = st.session_state.pop("import_notice", None)
if notice:
    st.success(esc(notice), icon=":material/check_circle:")


def _account_label(name: str) -> str:
    if name == NEW_ACCOUNT:
        return "New account…"
    platform = platforms.get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


st.subheader("1. Account")
choice = st.selectbox("Import into", [*names, NEW_ACCOUNT], index=0, format_func=_account_label, key="import_account")
platform: str | None = None
if choice == NEW_ACCOUNT or choice is None:
    name_col, platform_col = st.columns(2)
    account_name = name_col.text_input(
        "Account name", placeholder="me-on-x", max_chars=80, key="import_new_name",
        help="Your name for this account in Palier, for example 'me-on-x'. One account per platform profile.",
    ).strip()
    platform = platform_col.selectbox(
        "Platform (optional)", [None, *PLATFORMS], format_func=lambda p: "Detect from the files" if p is None else PLATFORMS[p],
        key="import_new_platform",
    )
    existing = False
else:
    account_name = choice
    existing = True
    handle = handles.get(account_name)
    if isinstance(handle, str) and handle:
        st.caption("Handle: " + esc(handle))

st.subheader("2. Files")
round_ = st.session_state.get("import_upload_round", 0)
files = st.file_uploader(
    "Exports (CSV, JSON, JS or ZIP; several at once)",
    type=UPLOAD_TYPES,
    accept_multiple_files=True,
    key=f"import_files_{round_}",
    help="X archive (zip), X or LinkedIn analytics CSVs, Instagram JSON, Bluesky or Mastodon exports, "
    "Social Blade CSV, or Palier's generic follower-count and follower-list CSVs.",
) or []
# The browser refuses a bigger file before sending it (server.maxUploadSize): say so beforehand,
# with the way to import it anyway.
st.caption(
    f"Up to {int(st.get_option('server.maxUploadSize')):,} MB per file. A bigger export, such as a whole "
    "X archive with its videos, is imported from its unzipped folder with `python -m analytics import`."
)

with st.expander("Dates and follower totals (optional)", expanded=False):
    snapshot_date = st.date_input(
        "Snapshot date", value=None, format="YYYY-MM-DD", key="import_snapshot_date",
        help="The day of follower lists that do not say theirs. Without it: the export's own date, "
        "a YYYY-MM-DD in the file name, else today.",
    )
    st.markdown(
        "**Follower total on a date**: anchors the follower curve when your exports give only daily "
        "gains and losses (the X account overview). Read the total on your profile."
    )
    day_col, total_col = st.columns(2)
    total_day = day_col.date_input("On", value=None, format="YYYY-MM-DD", key="import_total_day")
    total = total_col.number_input("Followers", min_value=0, value=None, step=1, key="import_total")
    if (total_day is None) != (total is None):
        st.warning("Give both the date and the follower total, or neither: one alone is ignored.")

followers_on: dict[dt.date, int] = {}
if isinstance(total_day, dt.date) and total is not None:
    followers_on[total_day] = int(total)
options = ImportOptions(
    account=account_name,
    platform=platform,
    snapshot_date=snapshot_date if isinstance(snapshot_date, dt.date) else None,
    followers_on=followers_on,
)

prepared: list[Previewed | Outcome] = _preview(files) if files else []
ready = [item for item in prepared if isinstance(item, Previewed)]
if prepared:
    st.markdown("**Preview**: nothing is imported until you press Import.")
    if ready:
        st.dataframe(
            # Int64: a list not counted yet shows an empty cell, not "None".
            pd.DataFrame([_preview_row(item, options) for item in ready], columns=PREVIEW_COLUMNS).astype({"Rows": "Int64"}),
            hide_index=True,
            column_config={
                "File": st.column_config.TextColumn(width="medium"),
                "Format": st.column_config.TextColumn(width="medium"),
                "Follower lists": st.column_config.TextColumn(width="medium"),
                "Rows": st.column_config.NumberColumn(format="localized"),
                "Days": st.column_config.NumberColumn(format="localized"),
                "Posts": st.column_config.NumberColumn(format="localized"),
                "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
            },
        )
    for item in prepared:
        if isinstance(item, Outcome):
            ui_cache.show_error(_outcome_line(item))

missing = []
if not account_name:
    missing.append("an account name")
if not ready and not followers_on:
    missing.append("a file Palier can read (or a follower total)")
# A running import is kept in the session, with the account it writes to and the uploader's
# round: a click elsewhere during a long import reruns the page, and the next run follows the
# same import instead of losing it or starting another. (A plain tuple: classes defined in this
# script are new ones on every run.)
running: tuple[ImportJob, str, int] | None = st.session_state.get("import_job")
clicked = st.button(
    "Import", type="primary", icon=":material/download:", key="import_go",
    disabled=bool(missing) or store.read_only or running is not None,
    help=("Needs " + " and ".join(missing) + ".") if missing else None,
)
if clicked and running is None:
    try:
        # The preview's list counts let the bar cross a file of daily lists once, not per list.
        lists = {item.item.name: len(item.lists) for item in ready}
        running = (ImportJob(store, files, options, lists).start(), account_name, round_)
    except Exception as exc:  # noqa: BLE001 - a full disk while saving the uploads reads as a sentence
        log.exception("saving the uploads failed")
        ui_cache.show_error(f"The files could not be saved to a temporary file, so nothing was imported: {exc}")
    else:
        st.session_state["import_job"] = running
if running is not None:
    job, job_account, job_round = running
    outcomes = _follow(job)
    st.session_state.pop("import_job", None)
    st.session_state["import_outcomes"] = [(o.status, _outcome_line(o), list(o.notes)) for o in outcomes]
    if any(o.status != "failed" for o in outcomes):
        # A fresh uploader (the files are in), and the account picked for what follows.
        st.session_state["import_upload_round"] = job_round + 1
        st.session_state["import_account_next"] = job_account
        st.session_state.pop("import_preview", None)
    st.rerun()

last_outcomes = st.session_state.pop("import_outcomes", None)
if last_outcomes:
    _show_outcomes(last_outcomes)

# --- Collect followers from Bluesky or Mastodon (issue 7) ---------------------------------------
# The collector itself is analytics/collect (also `python -m analytics collect`); this section
# shows each account's last collection and lets the owner collect into the account picked in 1.

COLLECT_PLATFORMS = {"bluesky": "Bluesky", "mastodon": "Mastodon"}
COLLECT_EXAMPLES = {"bluesky": "me.bsky.social", "mastodon": "@me@mastodon.social"}
CRON_LINE = "0 6 * * * cd /path/to/palier && .venv/bin/python -m analytics collect --account me --bluesky me.bsky.social"


def _collection_table(collected: pd.DataFrame) -> None:
    # Handles are untrusted text: st.dataframe shows cells as plain text, never markdown or links.
    shown = pd.DataFrame({
        "Account": collected["account"].astype("string"),
        "Platform": collected["platform"].map(lambda p: PLATFORMS.get(p, p) if isinstance(p, str) else p).astype("string"),
        "Handle": collected["handle"].astype("string"),
        "Collected at": pd.to_datetime(collected["last_collected_at"]),
        "Snapshot of": pd.to_datetime(collected["snapshot_date"]),
        "Followers": collected["followers"],
        "Profile says": collected["profile_followers"],
    })
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "Account": st.column_config.TextColumn(),
            "Platform": st.column_config.TextColumn(),
            "Handle": st.column_config.TextColumn(width="medium"),
            "Collected at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Snapshot of": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Followers": st.column_config.NumberColumn(format="localized", help="Followers listed by the collection."),
            "Profile says": st.column_config.NumberColumn(
                format="localized", help="The follower count on the profile; empty when the profile hides it."
            ),
        },
    )


def _collect_form(account: str, collected: pd.DataFrame) -> None:
    """Owners only: platform, handle, optional API address, and the Collect now button."""
    # Start from this account's last collection: collecting again is the common case.
    previous = collected[collected["account"] == account] if account else collected.iloc[0:0]
    last_platform = str(previous["platform"].iloc[0]) if not previous.empty else None
    last_handle = str(previous["handle"].iloc[0]) if not previous.empty and pd.notna(previous["handle"].iloc[0]) else ""
    picked_platform = platforms.get(account) if account else None
    default_platform = last_platform or (picked_platform if picked_platform in COLLECT_PLATFORMS else "bluesky")

    # Keyed on the account so switching accounts in 1. shows that account's last handle.
    with st.form(key=f"collect_form_{account}", border=True):
        platform_col, handle_col = st.columns([1, 2])
        collect_platform = platform_col.radio(
            "Platform", list(COLLECT_PLATFORMS), index=list(COLLECT_PLATFORMS).index(default_platform),
            format_func=COLLECT_PLATFORMS.__getitem__, horizontal=True, key=f"collect_platform_{account}",
        )
        collect_handle = handle_col.text_input(
            "Handle", value=last_handle, max_chars=300, key=f"collect_handle_{account}",
            placeholder="me.bsky.social or @me@mastodon.social",
            help="A Bluesky handle like me.bsky.social, or a Mastodon address like @me@mastodon.social.",
        )
        if account:
            st.caption("Stores into the account chosen in 1. Account: " + esc(account))
        else:
            st.caption("Choose an account in 1. Account, or New account… and a name, to store into.")
        with st.expander("API address (advanced)", expanded=False):
            api_url = st.text_input(
                "API address", value="", max_chars=300, key=f"collect_api_url_{account}",
                placeholder="https://public.api.bsky.app/xrpc/ or https://INSTANCE",
                help="Only for a self-hosted server, or a Mastodon account whose home server differs "
                "from its handle's domain. Empty: the public Bluesky API, or your handle's instance.",
            ).strip()
        submitted = st.form_submit_button(
            "Collect now", type="primary", icon=":material/cloud_download:", disabled=not account,
        )
    if not submitted:
        return
    if not collect_handle.strip():
        ui_cache.show_error(f"Give a handle to collect, like {COLLECT_EXAMPLES[collect_platform]}.")
        return

    with st.status("Collecting " + ui_cache.literal(collect_handle.strip()), expanded=True) as status:
        bar = st.progress(0.0, text="Reading the profile…")

        def _progress(fetched: int, expected: int | None) -> None:
            if expected:
                bar.progress(min(fetched / expected, 1.0), text=f"{fetched:,} of {expected:,} followers fetched")
            else:
                # The profile hides its count: no fraction to show, only how far the list got.
                bar.progress(0.0, text=f"{fetched:,} followers fetched (the profile hides its total)")

        try:
            result = ui_cache.collect_now(account, collect_platform, collect_handle.strip(), api_url or None, _progress)
        except PalierError as exc:
            status.update(label="Collection failed: nothing was stored", state="error")
            st.session_state["collect_outcome"] = ("failed", "", str(exc))
        except Exception as exc:  # noqa: BLE001 - shown as a sentence; the traceback goes to the log
            log.exception("collection failed")
            status.update(label="Collection failed: nothing was stored", state="error")
            st.session_state["collect_outcome"] = ("failed", "", f"Unexpected error ({type(exc).__name__}): {exc}")
        else:
            status.update(label="Collected", state="complete")
            st.session_state["collect_outcome"] = (
                result.outcome.status, result.fetched.handle, result.line(account), *result.outcome.notes
            )
            # The picker keeps the account just written (a new one appears in it after the rerun).
            st.session_state["import_account_next"] = account
    # A rerun redraws the table above with the new collection (the store's version changed).
    st.rerun()


st.subheader("Collect followers from Bluesky or Mastodon")
st.markdown(
    "Palier can read an account's public follower list from the Bluesky or Mastodon API (no login) "
    "and store it as today's snapshot. **History cannot be fetched back in time**: the platforms keep "
    "no past lists, so a day not collected is lost. Collect every day, for example with cron:"
)
st.code(CRON_LINE, language="bash", wrap_lines=True)
collected = ui_cache.last_collections(version)
if collected.empty:
    st.caption(
        "Nothing collected yet. A collection fetches the profile and every page of its follower list, "
        "then stores them as one import: a collection that fails stores nothing."
    )
else:
    st.markdown("**Last collection of each account**")
    _collection_table(collected)

collect_outcome = st.session_state.pop("collect_outcome", None)
if collect_outcome:
    collect_status, collect_handle_shown, collect_line, *collect_notes = collect_outcome
    if collect_status == "failed":
        ui_cache.show_collect_error(collect_line)
    else:
        # The handle as a code span: an @user@instance must not turn into a mail link.
        shown = esc(collect_line)
        if collect_handle_shown and collect_handle_shown in collect_line:
            before, after = collect_line.split(collect_handle_shown, 1)
            shown = esc(before) + ui_cache.literal(collect_handle_shown) + esc(after)
        if collect_status == "unchanged":
            st.info(shown, icon=":material/info:")
        else:
            st.success(shown, icon=":material/check_circle:")
    for note in collect_notes:
        st.caption(esc(note))

if not ui_cache.is_owner():
    pass  # viewers see when accounts were last collected, never the form
elif store.read_only:
    st.caption("Collecting needs the store for writing: close the other Palier window or command first.")
else:
    _collect_form(account_name, collected)


if existing:
    st.subheader("3. Imports into this account")
    history = ui_cache.imports(account_name, version)
    if history.empty:
        st.caption("Nothing imported into this account yet.")
    rows = list(history.itertuples(index=False))
    for row in rows[:HISTORY_SHOWN]:
        _history_row(row)
    if len(rows) > HISTORY_SHOWN:
        with st.expander(f"{len(rows) - HISTORY_SHOWN} older imports"):
            for row in rows[HISTORY_SHOWN:]:
                _history_row(row)

    with st.expander("Delete this account", icon=":material/warning:"):
        st.markdown(
            "This removes the account and everything imported into it from the store file "
            f"({esc(settings.db_path().name)}). It cannot be undone; your export files are not touched."
        )
        typed = st.text_input("Type the account name to confirm", key=f"import_confirm_{account_name}")
        if st.button(
            "Delete account", type="primary", key="import_delete_account",
            disabled=typed.strip() != account_name or store.read_only,
        ):
            try:
                delete_account(store, account_name)
            except PalierError as exc:
                ui_cache.show_error(str(exc))
            else:
                remaining = [n for n in names if n != account_name]
                st.session_state["import_account_next"] = remaining[0] if remaining else NEW_ACCOUNT
                st.session_state["import_notice"] = f"Deleted account {account_name} and everything imported into it."
                st.rerun()
