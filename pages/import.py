"""Import: choose an account, upload exports, preview them, import; see and undo past imports."""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from analytics.i18n import N_, _, format_number
from analytics.ingest.service import ImportOptions, Outcome
from analytics.ui import gate, import_view, reads, widgets
from analytics.ui.store import store_or_stop
from analytics.ui.text import escape_markdown as esc
from analytics.ui.text import show_error
from analytics.uploads import ImportJob, Previewed

log = logging.getLogger("palier.import")

# xls/xlsx: LinkedIn analytics workbooks; opml/xml: RSS reader exports, refused with why.
UPLOAD_TYPES = ["csv", "json", "js", "zip", "xls", "xlsx", "opml", "xml"]
# Date pickers show ISO days: Streamlit's picker has no French month names.
UPLOAD_HELP = N_(
    "X archive (zip), X or LinkedIn analytics CSVs, Instagram JSON, Bluesky or Mastodon exports, "
    "Social Blade CSV, or Palier's generic follower-count and follower-list CSVs."
)
READ_ONLY = N_(
    "The store is open read-only because another Palier window or command is using it: "
    "close that one to import or delete."
)

# Owners only: app.py leaves this page out of a viewer's navigation; this stops one who gets here anyway.
# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
gate.require_owner()

st.title(_("Import"))
st.caption(_(
    "Files are read on this computer and stored in its own database file; nothing is sent anywhere. "
    "Importing the same file twice changes nothing."
))

store = store_or_stop()
if store.read_only:
    st.warning(_(READ_ONLY))
version = store.version()
accounts = reads.accounts(version)
names: list[str] = accounts["name"].tolist()
handles = dict(zip(accounts["name"], accounts["handle"], strict=True))

notice = st.session_state.pop("import_notice", None)
if notice:
    st.success(esc(notice), icon=":material/check_circle:")

st.subheader(_("1. Account"))
account_name, platform, existing = import_view.account_or_new("import", names, version, label=_("Import into"), with_platform=True)
handle = handles.get(account_name) if existing else None
if isinstance(handle, str) and handle:
    st.caption(_("Handle: {handle}").format(handle=esc(handle)))

st.subheader(_("2. Files"))
round_ = st.session_state.get("import_upload_round", 0)
files = st.file_uploader(
    _("Exports (CSV, JSON, JS, ZIP, XLS or XLSX; several at once)"), type=UPLOAD_TYPES, accept_multiple_files=True,
    key=f"import_files_{round_}", help=_(UPLOAD_HELP),
) or []
# The browser refuses a bigger file before sending it (server.maxUploadSize): say so beforehand,
# with the way to import it anyway.
st.caption(_(
    "Up to {size} MB per file. A bigger export, such as a whole "
    "X archive with its videos, is imported from its unzipped folder with `python -m analytics import`."
).format(size=format_number(int(st.get_option("server.maxUploadSize")))))

with st.expander(_("Dates and follower totals (optional)"), expanded=False):
    snapshot_date = st.date_input(
        _("Snapshot date"), value=None, format=widgets.date_input_format(), key="import_snapshot_date",
        help=_(
            "The day of follower lists that do not say theirs. Without it: the export's own date, "
            "a YYYY-MM-DD in the file name, else today."
        ),
    )
    st.markdown(_(
        "**Follower total on a date**: anchors the follower curve when your exports give only daily "
        "gains and losses (the X account overview). Read the total on your profile."
    ))
    day_col, total_col = st.columns(2)
    total_day = day_col.date_input(_("On"), value=None, format=widgets.date_input_format(), key="import_total_day")
    total = total_col.number_input(_("Followers"), min_value=0, value=None, step=1, key="import_total")
    if (total_day is None) != (total is None):
        st.warning(_("Give both the date and the follower total, or neither: one alone is ignored."))

followers_on: dict[dt.date, int] = {}
if isinstance(total_day, dt.date) and total is not None:
    followers_on[total_day] = int(total)
options = ImportOptions(
    account=account_name,
    platform=platform,
    snapshot_date=snapshot_date if isinstance(snapshot_date, dt.date) else None,
    followers_on=followers_on,
)

prepared: list[Previewed | Outcome] = import_view.preview_uploads(files) if files else []
ready = [item for item in prepared if isinstance(item, Previewed)]
if prepared:
    import_view.show_preview(prepared, options)

missing = []
if not account_name:
    missing.append(_("an account name"))
if not ready and not followers_on:
    missing.append(_("a file Palier can read (or a follower total)"))
# A running import is kept in the session, with the account it writes to and the uploader's
# round: a click elsewhere during a long import reruns the page, and the next run follows the
# same import instead of losing it or starting another. (A plain tuple: classes defined in this
# script are new ones on every run.)
running: tuple[ImportJob, str, int] | None = st.session_state.get("import_job")
clicked = st.button(
    _("Import"), type="primary", icon=":material/download:", key="import_go",
    disabled=bool(missing) or store.read_only or running is not None,
    help=_("Needs {what}.").format(what=_(" and ").join(missing)) if missing else None,
)
if clicked and running is None:
    try:
        # The preview's list counts let the bar cross a file of daily lists once, not per list.
        lists = {item.item.name: len(item.lists) for item in ready}
        running = (ImportJob(store, files, options, lists).start(), account_name, round_)
    except Exception as exc:  # noqa: BLE001 - a full disk while saving the uploads reads as a sentence
        log.exception("saving the uploads failed")
        show_error(_("The files could not be saved to a temporary file, so nothing was imported: {error}").format(error=exc))
    else:
        st.session_state["import_job"] = running
if running is not None:
    job, job_account, job_round = running
    outcomes = import_view.follow_import(job)
    st.session_state.pop("import_job", None)
    st.session_state["import_outcomes"] = [(o.status, import_view.outcome_line(o), list(o.notes)) for o in outcomes]
    if any(o.status != "failed" for o in outcomes):
        # A fresh uploader (the files are in), and the account picked for what follows.
        st.session_state["import_upload_round"] = job_round + 1
        st.session_state["import_account_next"] = job_account
        st.session_state.pop("import_preview", None)
    st.rerun()

last_outcomes = st.session_state.pop("import_outcomes", None)
if last_outcomes:
    import_view.show_outcomes(last_outcomes)

if existing:
    st.subheader(_("3. Imports into this account"))
    import_view.import_history(store, account_name, version)
    import_view.delete_account_section(store, account_name, names)
