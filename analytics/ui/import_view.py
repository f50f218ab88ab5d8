"""The Import page's parts: the account to write to, the preview of the uploads, a running
import's progress and outcomes, the history of past imports and the deletion of an account.

The Collect page shares the account picker (`account_or_new`): both write into an existing
account or a new one named on the spot.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.errors import PalierError
from analytics.i18n import N_, _, format_datetime, format_number, format_summary_date, ngettext
from analytics.ingest.model import empty_daily, empty_posts
from analytics.ingest.service import ImportOptions, Outcome
from analytics.ingest.summary import shown_summary
from analytics.store import Store
from analytics.store.accounts import PLATFORMS, delete_account, delete_import
from analytics.ui import tables
from analytics.ui.reads import imports
from analytics.ui.tables import localized
from analytics.ui.text import escape_markdown as esc
from analytics.ui.text import show_error
from analytics.ui.widgets import account_label
from analytics.uploads import ImportJob, ListShape, Previewed, preview

log = logging.getLogger("palier.import")

# Not a name anyone can type into a text box, so it cannot shadow a real account.
NEW_ACCOUNT = "\x00new"
# The preview table's columns, translated where shown.
PREVIEW_COLUMNS = [N_("File"), N_("Format"), N_("Rows"), N_("Days"), N_("Posts"), N_("Follower lists"), N_("From"), N_("To")]
HISTORY_SHOWN = 10  # newest imports shown; older ones fold into an expander
# A display guard only: Palier writes a file of daily lists' summary short already (a part for
# all its lists); a store written before that may hold a part per day.
SUMMARY_CHARS = 220
POLL_SECONDS = 0.2  # how often the progress bar of a running import is redrawn

NEW_ACCOUNT_LABEL = N_("New account…")
ACCOUNT_NAME = N_("Account name")
ACCOUNT_NAME_HELP = N_("Your name for this account in Palier, for example 'me-on-x'. One account per platform profile.")
PLATFORM_LABEL = N_("Platform (optional)")
DETECT_PLATFORM = N_("Detect from the files")
READING_FILES = N_("Reading the files…")
UNEXPECTED = N_("Unexpected error ({kind}): {error}")
NO_IMPORT_YET = N_("Nothing imported into this account yet.")
OLDER_IMPORT_LABEL = N_("Older import to see or delete")
OLDER_IMPORT_PLACEHOLDER = N_("Type a file name, a date or an import number")
DELETE_IMPORT_HELP = N_("Forget this import: its values, posts and follower lists.")
DELETED_IMPORT = N_("Deleted import #{import_id} ({file_name}).")
DELETED_ACCOUNT = N_("Deleted account {account} and everything imported into it.")
DELETE_ACCOUNT_TEXT = N_(
    "This removes the account and everything imported into it from the store file "
    "({file}). It cannot be undone; your export files are not touched."
)


# --- the account to write to -----------------------------------------------------------------


def account_or_new(
    page: str, names: list[str], version: int, *, label: str, with_platform: bool
) -> tuple[str, str | None, bool]:
    """An existing account, or "New account…" and a name typed for it: (name, platform chosen
    for a new one, whether it exists). Keys start with `page`; a selection asked for by the
    previous run (`{page}_account_next`, after a write) is applied before the widget is drawn,
    the only time a widget's state can be set."""
    if f"{page}_account_next" in st.session_state:
        st.session_state[f"{page}_account"] = st.session_state.pop(f"{page}_account_next")
    choice = st.selectbox(
        label, [*names, NEW_ACCOUNT], index=0, key=f"{page}_account",
        format_func=lambda name: _(NEW_ACCOUNT_LABEL) if name == NEW_ACCOUNT else account_label(name, version),
    )
    if choice is not None and choice != NEW_ACCOUNT:
        return choice, None, True
    name_col, platform_col = st.columns(2)
    name = name_col.text_input(
        _(ACCOUNT_NAME), placeholder="me-on-x", max_chars=80, key=f"{page}_new_name", help=_(ACCOUNT_NAME_HELP),
    ).strip()
    platform = None
    if with_platform:
        platform = platform_col.selectbox(
            _(PLATFORM_LABEL), [None, *PLATFORMS], format_func=lambda p: _(DETECT_PLATFORM) if p is None else PLATFORMS[p],
            key=f"{page}_new_platform",
        )
    return name, platform, False


# --- the preview of the uploads --------------------------------------------------------------


def _list_size(shape: ListShape, day: dt.date | None) -> str:
    # Whole sentences per case: each language orders its words its own way.
    followers = shape.kind == "follower"
    if shape.size is None:
        if day is None:
            text = (_("a list of followers on the dates in the file (counted when imported)") if followers
                    else _("a list of followed accounts on the dates in the file (counted when imported)"))
        else:
            text = (_("a list of followers on {date} (counted when imported)") if followers
                    else _("a list of followed accounts on {date} (counted when imported)"))
        return text.format(date=format_summary_date(day) if day else "")
    if day is None:
        text = (ngettext("{count} follower on the dates in the file", "{count} followers on the dates in the file", shape.size)
                if followers else
                ngettext("{count} followed account on the dates in the file", "{count} followed accounts on the dates in the file",
                         shape.size))
    else:
        text = (ngettext("{count} follower on {date}", "{count} followers on {date}", shape.size) if followers
                else ngettext("{count} followed account on {date}", "{count} followed accounts on {date}", shape.size))
    # Days as the import's own summary writes them (the line shown once imported).
    return text.format(count=format_number(shape.size), date=format_summary_date(day) if day else "")


def _list_sizes(lists: list[tuple[ListShape, dt.date | None]]) -> str:
    """A file of daily lists holds dozens: past three, give the count and the range of sizes
    (the dates are in the From and To columns)."""
    counts = [shape.size for shape, _ in lists if shape.size is not None]
    if len(lists) > 3 and len(counts) == len(lists):
        return _("{count} lists of {smallest} to {largest}").format(
            count=format_number(len(lists)), smallest=format_number(min(counts)), largest=format_number(max(counts))
        )
    return "; ".join(_list_size(shape, day) for shape, day in lists)


def _preview_row(previewed: Previewed, options: ImportOptions) -> dict[str, Any]:
    """What one prepared import holds, in the words of the preview table."""
    item = previewed.item
    parsed = item.parsed
    daily = parsed.daily if parsed.daily is not None else empty_daily()
    posts = parsed.posts if parsed.posts is not None else empty_posts()
    days = pd.to_datetime(daily["day"]).dropna()
    posted = pd.to_datetime(posts["posted_at"]).dropna()
    lists = previewed.list_dates(options)
    dates: list[dt.date] = [d.date() for d in (*days.agg(["min", "max"]), *posted.agg(["min", "max"])) if pd.notna(d)]
    dates += [day for _, day in lists if day is not None]
    sizes = _list_sizes(lists)
    return {
        _("File"): item.name,
        _("Format"): item.label,
        _("Rows"): parsed.rows,
        _("Days"): int(days.dt.normalize().nunique()),
        _("Posts"): len(posts),
        _("Follower lists"): sizes or "—",
        _("From"): min(dates) if dates else None,
        _("To"): max(dates) if dates else None,
    }


def preview_uploads(files: Sequence[Any]) -> list[Previewed | Outcome]:
    """Parse the uploads once per set of files. Kept in this session only: one user's files
    must never land in a cache other sessions read."""
    key = tuple(getattr(f, "file_id", f.name) for f in files)
    cached = st.session_state.get("import_preview")
    if cached is not None and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    try:
        with st.spinner(_(READING_FILES)):
            prepared = preview(files)
    except Exception as exc:  # noqa: BLE001 - a parser bug (or a full disk) must read as a message, not a traceback
        log.exception("preview failed")
        failed = _(UNEXPECTED).format(kind=type(exc).__name__, error=exc)
        prepared = [Outcome(", ".join(f.name for f in files), "failed", error=failed)]
    st.session_state["import_preview"] = (key, prepared)
    return prepared


def show_preview(prepared: list[Previewed | Outcome], options: ImportOptions) -> None:
    """The preview table of the files Palier can read, then why each other file cannot be."""
    ready = [item for item in prepared if isinstance(item, Previewed)]
    st.markdown(_("**Preview**: nothing is imported until you press Import."))
    if ready:
        tables.dataframe(
            # Int64: a list not counted yet shows a dash, not "None".
            localized(pd.DataFrame([_preview_row(item, options) for item in ready], columns=[_(c) for c in PREVIEW_COLUMNS])
                      .astype({_("Rows"): "Int64"}), {}, counts=True),
            hide_index=True,
            column_config={
                _("File"): st.column_config.TextColumn(width="medium"),
                _("Format"): st.column_config.TextColumn(width="medium"),
                _("Follower lists"): st.column_config.TextColumn(width="medium"),
                _("Rows"): st.column_config.NumberColumn(),
                _("Days"): st.column_config.NumberColumn(),
                _("Posts"): st.column_config.NumberColumn(),
                _("From"): st.column_config.DateColumn(format=tables.date_column_format()),
                _("To"): st.column_config.DateColumn(format=tables.date_column_format()),
            },
        )
    for item in prepared:
        if isinstance(item, Outcome):
            show_error(outcome_line(item))


# --- a running import and its outcomes -------------------------------------------------------


def follow_import(job: ImportJob) -> list[Outcome]:
    """Redraw one progress bar from the worker's state until the import ends (Streamlit elements
    are drawn from this, the script thread, only). Its outcomes; what the worker raised becomes a
    failed outcome, a sentence rather than a traceback."""
    # Where the import is now: a run that comes back to a running import does not start from 0.
    shown = job.snapshot()
    bar = st.progress(shown.fraction, text=esc(shown.text))
    while not job.wait(POLL_SECONDS):
        shown = job.snapshot()
        bar.progress(shown.fraction, text=esc(shown.text))
    bar.progress(1.0, text=_("Done"))
    try:
        return job.result()
    except PalierError as exc:
        return [Outcome("import", "failed", error=str(exc))]
    except Exception as exc:  # noqa: BLE001 - shown as a sentence; the traceback goes to the log
        log.error("import failed", exc_info=exc)
        return [Outcome("import", "failed", error=_(UNEXPECTED).format(kind=type(exc).__name__, error=exc))]


def short_summary(summary: str) -> str:
    """An import's summary as written by the import, cut at a part boundary if it is long."""
    return summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS].rsplit(", ", 1)[0] + ", …"


def outcome_line(outcome: Outcome) -> str:
    if outcome.status == "imported":
        return _("{name}: {summary}").format(name=outcome.name, summary=short_summary(outcome.summary))
    if outcome.status != "failed":
        return outcome.line()
    error = outcome.error or _("failed")
    # Palier's errors about a file already start with its name.
    return error if error.startswith(outcome.name) else _("{name}: {summary}").format(name=outcome.name, summary=error)


def show_outcomes(outcomes: list[tuple[str, str, list[str]]]) -> None:
    for status, line, notes in outcomes:
        if status == "imported":
            st.success(esc(line), icon=":material/check_circle:")
        elif status == "unchanged":
            st.info(esc(line), icon=":material/info:")
        else:
            show_error(line)
        for note in notes:
            st.caption(esc(note))


# --- past imports, deleting an account -------------------------------------------------------


def _history_row(store: Store, account_name: str, row: Any) -> None:
    """One past import: what it was, when, and a button to forget it."""
    import_id = int(row.import_id)
    with st.container(border=True):
        text_col, when_col, button_col = st.columns([6, 2, 1], vertical_alignment="center")
        text_col.markdown(f"**#{import_id}** {esc(row.file_name)}")
        text_col.caption(esc(short_summary(shown_summary(row.summary, row.facts, str(row.format)))))
        when_col.caption(_("Imported {moment}").format(moment=format_datetime(pd.Timestamp(row.imported_at).to_pydatetime())))
        if button_col.button(
            _("Delete"), key=f"import_delete_{import_id}", icon=":material/delete:",
            disabled=store.read_only, help=_(DELETE_IMPORT_HELP),
        ):
            try:
                delete_import(store, account_name, import_id)
            except PalierError as exc:
                show_error(str(exc))
            else:
                st.session_state["import_notice"] = _(DELETED_IMPORT).format(import_id=import_id, file_name=row.file_name)
                st.rerun()


def import_history(store: Store, account_name: str, version: int) -> None:
    """The account's imports, newest first, each with a Delete button; the oldest folded away."""
    history = imports(account_name, version)
    if history.empty:
        st.caption(_(NO_IMPORT_YET))
    rows = list(history.itertuples(index=False))
    for row in rows[:HISTORY_SHOWN]:
        _history_row(store, account_name, row)
    if len(rows) > HISTORY_SHOWN:
        older: list[Any] = rows[HISTORY_SHOWN:]
        with st.expander(ngettext("{count} older import", "{count} older imports", len(older)).format(count=format_number(len(older)))):
            # One picker, not a row per import: a year of daily lists drew 1,500 elements (a
            # bordered row, its text and its button each), and the page's first screen waited on
            # them in the browser (2.1x the one-chart page on the year of a million, 0.8x on the demo).
            by_id = {int(row.import_id): row for row in older}
            picked = st.selectbox(
                _(OLDER_IMPORT_LABEL), options=list(by_id), index=None, key=f"import_older_{account_name}",
                format_func=lambda import_id: _older_import_option(by_id[import_id]),
                placeholder=_(OLDER_IMPORT_PLACEHOLDER),
            )
            if picked is not None:
                _history_row(store, account_name, by_id[picked])


def _older_import_option(row: Any) -> str:
    """An older import as the picker lists it (plain text: a select box shows no markdown)."""
    moment = format_datetime(pd.Timestamp(row.imported_at).to_pydatetime())
    return _("#{import_id} {file_name} (imported {moment})").format(import_id=int(row.import_id), file_name=row.file_name, moment=moment)


def delete_account_section(store: Store, account_name: str, names: list[str]) -> None:
    """Deleting the account, once its name is typed again."""
    with st.expander(_("Delete this account"), icon=":material/warning:"):
        st.markdown(_(DELETE_ACCOUNT_TEXT).format(file=esc(settings.db_path().name)))
        typed = st.text_input(_("Type the account name to confirm"), key=f"import_confirm_{account_name}")
        if st.button(
            _("Delete account"), type="primary", key="import_delete_account",
            disabled=typed.strip() != account_name or store.read_only,
        ):
            try:
                delete_account(store, account_name)
            except PalierError as exc:
                show_error(str(exc))
            else:
                remaining = [n for n in names if n != account_name]
                st.session_state["import_account_next"] = remaining[0] if remaining else NEW_ACCOUNT
                st.session_state["import_notice"] = _(DELETED_ACCOUNT).format(account=account_name)
                st.rerun()
