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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import pandas as pd
import streamlit as st

from analytics import settings
from analytics.errors import PalierError
from analytics.metrics import activity, followers, growth, lists, overview  # Growth, Churn, Activity pages
from analytics.metrics import plateaus as plateau_metrics  # the name `plateaus` is a cached read below
from analytics.store import Store, open_store
from analytics.store.accounts import list_accounts, list_imports, require_account

_T = TypeVar("_T")

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
    """The store at `store_path()`, opened once per process; the demo loaded on first
    start when the store is empty and `PALIER_DEMO` allows it. Raises `PalierError`."""
    opened = _open(str(store_path()))
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


def _on_account(account_name: str, read: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """One read of one account's figures, on its own cursor (closed after): `read(cursor,
    account_id, *args, **kwargs)`. Unknown accounts raise UnknownAccountError."""
    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        return read(cursor, account.account_id, *args, **kwargs)
    finally:
        cursor.close()


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
    return _on_account(account_name, overview.data_range)


@st.cache_data(show_spinner=False, max_entries=256)
def headline(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> tuple[overview.Headline, pd.DataFrame]:
    """Headline figures of a period and the daily follower series behind them."""
    # The series comes from its own cache, shared with the other pages and every period.
    return _on_account(account_name, overview.headline, start, end, series=follower_series(account_name, version))


def clear_reads() -> None:
    """Forget cached reads (tests; the version key makes this unnecessary in the app)."""
    accounts.clear()
    imports.clear()
    data_range.clear()
    headline.clear()


# --- Growth, Churn & plateaus, Activity pages (issue 3) ----------------------------------------
# Every figure of these pages starts from the account's daily follower series; it is read once
# per store version and the pure `*_of` functions work on the cached copy. Results are small
# frames and frozen dataclasses, which st.cache_data pickles as they are.


@st.cache_data(show_spinner=False, max_entries=64)
def follower_series(account_name: str, version: int) -> pd.DataFrame:
    """The account's whole daily follower series (`analytics.metrics.followers.follower_series`)."""
    return _on_account(account_name, followers.follower_series)


def _series_in(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    return followers.in_range(follower_series(account_name, version), start, end)


@st.cache_data(show_spinner=False, max_entries=128)
def follower_curves(
    account_names: tuple[str, ...], start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    """Several accounts' curves side by side (`growth.follower_curves` on the cached series)."""
    frames = [growth.curve_of(_series_in(name, start, end, version), name) for name in account_names]
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        # Every account is empty in this range: the first one's empty curve keeps the columns.
        return growth.curve_of(_series_in(account_names[0], start, end, version), account_names[0])
    return pd.concat(frames, ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=256)
def growth_periods(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    """Periods with gains, losses, net, totals and growth rates (`growth.growth_by_period`)."""
    return growth.growth_rates_of(growth.resample_of(_series_in(account_name, start, end, version), granularity))


@st.cache_data(show_spinner=False, max_entries=256)
def best_and_worst(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    """The three best and three worst periods by net change (`growth.best_and_worst_of`)."""
    return growth.best_and_worst_of(growth_periods(account_name, granularity, start, end, version))


@st.cache_data(show_spinner=False, max_entries=256)
def period_comparison(account_name: str, start: dt.date, end: dt.date, version: int) -> growth.PeriodComparison:
    """The period against the one before and the same dates a year earlier."""
    return growth.compare_periods_of(follower_series(account_name, version), start, end)


@st.cache_data(show_spinner=False, max_entries=128)
def projection(account_name: str, version: int) -> growth.Projection:
    """Where the current trend (the last days of data) leads, and the next milestone."""
    return growth.projection_of(follower_series(account_name, version))


@st.cache_data(show_spinner=False, max_entries=256)
def milestones_passed(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    return growth.milestones_passed_of(_series_in(account_name, start, end, version))


@st.cache_data(show_spinner=False, max_entries=256)
def plateaus(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> plateau_metrics.Plateaus:
    return plateau_metrics.plateaus_of(_series_in(account_name, start, end, version))


@st.cache_data(show_spinner=False, max_entries=256)
def purge_days(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    # Flagged on the whole series: the usual losses of a range's first days come from before it.
    flagged = plateau_metrics.purge_days_of(follower_series(account_name, version))
    return followers.in_range(flagged, start, end)


@st.cache_data(show_spinner=False, max_entries=256)
def daily_losses(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    """day, lost (falls in the total where losses are not stated), baseline (the purge test's median)."""
    full = follower_series(account_name, version)
    lost, _from_net = plateau_metrics.daily_losses(full)
    frame = pd.DataFrame({"day": full["day"], "lost": lost, "baseline": plateau_metrics.purge_baseline(lost),
                          "net": growth.effective_net(full)})
    return followers.in_range(frame, start, end)


@st.cache_data(show_spinner=False, max_entries=256)
def step_effect(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> plateau_metrics.StepEffect:
    return plateau_metrics.step_effect_of(_series_in(account_name, start, end, version))


@st.cache_data(show_spinner=False, max_entries=256)
def churn_by_period(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    full = follower_series(account_name, version)
    purges = plateau_metrics.purge_days_of(full)
    return plateau_metrics.churn_by_period_of(followers.in_range(full, start, end), granularity, purges)


@st.cache_data(show_spinner=False, max_entries=256)
def churn_summary(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> plateau_metrics.ChurnSummary:
    full = follower_series(account_name, version)
    return plateau_metrics.churn_summary_of(followers.in_range(full, start, end), plateau_metrics.purge_days_of(full))


@st.cache_data(show_spinner=False, max_entries=128)
def snapshot_dates(account_name: str, version: int) -> pd.DataFrame:
    """The account's follower-list snapshots, oldest first: snapshot_date, members."""
    return _on_account(account_name, lists.snapshot_dates)


@st.cache_data(show_spinner=False, max_entries=128)
def changes_by_snapshot(account_name: str, version: int) -> pd.DataFrame:
    return _on_account(account_name, lists.changes_by_snapshot)


@st.cache_data(show_spinner=False, max_entries=256)
def list_changes(
    account_name: str, start: dt.date, end: dt.date, version: int, limit: int | None = None
) -> lists.ListChanges:
    """Who joined and who left between two snapshot dates, with the profiles of the `limit`
    most followed of each (the counts are never cut)."""
    return _on_account(account_name, lists.list_changes, start, end, limit=limit)


@st.cache_data(show_spinner=False, max_entries=256)
def quick_unfollows(
    account_name: str, within_days: int, start: dt.date | None, end: dt.date | None, version: int,
    limit: int | None = None,
) -> lists.QuickUnfollows:
    return _on_account(account_name, lists.quick_unfollows, within_days, start, end, limit=limit)


@st.cache_data(show_spinner=False, max_entries=128)
def cohort_retention(account_name: str, version: int) -> lists.CohortRetention:
    return _on_account(account_name, lists.cohort_retention)


@st.cache_data(show_spinner=False, max_entries=256)
def posts_per_day(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    """Posts per calendar day in the period (`activity.posts_per_day`): day, posts, source."""
    return _on_account(account_name, activity.posts_per_day, start=start, end=end)


@st.cache_data(show_spinner=False, max_entries=256)
def quiet_vs_active(
    account_name: str, min_days: int, start: dt.date | None, end: dt.date | None, version: int
) -> activity.QuietVsActive:
    """Quiet periods (found on all posts, cut to the period) and net follows quiet against active."""
    return _on_account(account_name, activity.quiet_vs_active, min_days, start=start, end=end,
                       series=follower_series(account_name, version))


@st.cache_data(show_spinner=False, max_entries=256)
def lag_correlation(
    account_name: str, method: activity.Correlation, start: dt.date | None, end: dt.date | None, version: int
) -> activity.LagCorrelation:
    return _on_account(account_name, activity.lag_correlation, method, start=start, end=end,
                       series=follower_series(account_name, version))


@st.cache_data(show_spinner=False, max_entries=256)
def posts_with_follows(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> activity.PostFollows:
    return _on_account(account_name, activity.posts_with_follows, start=start, end=end,
                       series=follower_series(account_name, version))


@st.cache_data(show_spinner=False, max_entries=256)
def engagement_heatmap(
    account_name: str, tz: str | None, start: dt.date | None, end: dt.date | None, version: int
) -> activity.EngagementHeatmap:
    return _on_account(account_name, activity.engagement_heatmap, tz, start, end)


def clear_growth_reads() -> None:
    """Forget this section's cached reads (tests; the version key makes this unnecessary in the app)."""
    for cached in (
        follower_series, follower_curves, growth_periods, best_and_worst, period_comparison, projection, milestones_passed,
        plateaus, purge_days, daily_losses, step_effect, churn_by_period, churn_summary, snapshot_dates,
        changes_by_snapshot, list_changes, quick_unfollows, cohort_retention, posts_per_day,
        quiet_vs_active, lag_correlation, posts_with_follows, engagement_heatmap,
    ):
        cached.clear()


# --- end of the Growth, Churn & plateaus, Activity section -------------------------------------


# === Audience page (issue 4) =================================================================
# Audience figures count every follower of a snapshot from the per-profile analysis kept in the
# store (analytics.analysis; `audience_analysis` runs it when an import came since), so
# each read is small; each is cached on the store version, the account and the snapshot date(s).
# Results are frozen dataclasses of frames, pickled as they are.
# Imported here, not at the top: this section stays one block, apart from the other pages'.

from analytics import analysis as audience_analysis_step  # noqa: E402
from analytics.metrics import audience as audience_metrics  # noqa: E402
from analytics.metrics import kept as audience_features  # noqa: E402
from analytics.metrics import quality as quality_metrics  # noqa: E402


def audience_analysis(account_name: str, spinner: str) -> int:
    """Bring the account's audience analysis up to date (analytics.analysis), showing its
    progress: the first view after an import analyses the new and changed profiles (all of them
    the first time). Returns the store's version afterwards. Not cached: it is one query when
    the analysis is current; a read-only store leaves it to the figures to say why."""
    store = get_store()
    cursor = store.cursor()
    try:
        account = require_account(cursor, account_name)
        current = audience_features.is_current(cursor, account.account_id)
    finally:
        cursor.close()
    if current or store.read_only:
        return store.version()
    with st.spinner(spinner):
        line = st.empty()
        audience_analysis_step.refresh_features(store, account.account_id, progress=lambda message: line.caption(message))
        line.empty()
    return store.version()


def flagged_csv(account_name: str) -> bytes:
    """Every flagged follower of the latest list as spreadsheet-safe CSV (built on click only)."""
    return _on_account(account_name, quality_metrics.flagged_csv_all)


@st.cache_data(show_spinner=False, max_entries=32)
def audience_coherence(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.Coherence:
    """Coherence of the snapshot of `snapshot_date` (None: the latest) with the account's posts."""
    return _on_account(account_name, audience_metrics.audience_coherence, snapshot_date)


@st.cache_data(show_spinner=False, max_entries=32)
def audience_groups(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> audience_metrics.GroupCoherence:
    """Coherence of stayers, leavers and joiners between two snapshot dates."""
    return _on_account(account_name, audience_metrics.group_coherence, start, end)


@st.cache_data(show_spinner=False, max_entries=32)
def audience_clusters(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.Clusters:
    """Topic clusters of one snapshot's followers, from their bios."""
    return _on_account(account_name, audience_metrics.topic_clusters, snapshot_date)


@st.cache_data(show_spinner=False, max_entries=64)
def audience_cluster_change(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> audience_metrics.ClusterChange:
    """Cluster sizes at two snapshot dates, topics fitted on the members of both."""
    return _on_account(account_name, audience_metrics.cluster_change, start, end)


@st.cache_data(show_spinner=False, max_entries=32)
def audience_languages(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.LanguageMix:
    """Languages of the followers' bios (detected once per bio by the analysis) against the account's posts."""
    return _on_account(account_name, audience_metrics.language_mix, snapshot_date)


@st.cache_data(show_spinner=False, max_entries=32)
def audience_locations(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.LocationMix:
    """Followers per country from their profile location."""
    return _on_account(account_name, audience_metrics.location_mix, snapshot_date)


@st.cache_data(show_spinner=False, max_entries=32)
def quality_audit(account_name: str, version: int) -> quality_metrics.QualityAudit:
    """The quality audit (rules `quality_metrics.RULES_VERSION`) of the latest follower list."""
    return _on_account(account_name, quality_metrics.quality_audit)


@st.cache_data(show_spinner=False, max_entries=32)
def quality_trend(account_name: str, version: int) -> quality_metrics.QualityTrend:
    """The quality score on every snapshot date."""
    return _on_account(account_name, quality_metrics.quality_trend)


def clear_audience_reads() -> None:
    """Forget this section's cached reads (tests; the version key makes this unnecessary in the app)."""
    for cached in (audience_coherence, audience_groups, audience_clusters, audience_cluster_change,
                   audience_languages, audience_locations, quality_audit, quality_trend):
        cached.clear()


# === end of the Audience section =============================================================


# --- the page header shared by the dashboards ----------------------------------------------------

IMPORT_PAGE = "pages/import.py"


def account_label(name: str, version: int) -> str:
    """"demo (X (Twitter))": the account with its platform, for pickers."""
    from analytics.store.accounts import PLATFORMS

    frame = accounts(version)
    platform = dict(zip(frame["name"], frame["platform"], strict=True)).get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


def link_to_import(label: str = "Go to the Import page") -> None:
    # Viewers have no Import page in their navigation: a link to it would be an error.
    if is_owner():
        st.page_link(IMPORT_PAGE, label=label, icon=":material/upload_file:")
    else:
        st.caption("Ask the owner of this dashboard to import data.")


def pick_account(page: str, no_account: str, column: object = None) -> tuple[Store, int, str]:
    """The store, its version and the chosen account; stops the page with `no_account` when the
    store has none. The account's report download sits in the sidebar, the same place on every page."""
    store = store_or_stop()
    version = store.version()
    names: list[str] = accounts(version)["name"].tolist()
    if not names:
        st.info(no_account)
        link_to_import()
        st.stop()
    where = column if column is not None else st
    account = where.selectbox(  # type: ignore[attr-defined]
        "Account", names, index=0, format_func=lambda name: account_label(name, version), key=f"{page}_account"
    )
    assert account is not None
    with st.sidebar:
        report_download_button(account, key=f"{page}_report")
    return store, version, account


def pick_period(
    page: str, account: str, first: dt.date, last: dt.date, column: object = None, help: str | None = None  # noqa: A002 - st.*(help=)
) -> tuple[dt.date, dt.date]:
    """A date range within [first, last]; a half-picked range reads as open-ended."""
    where = column if column is not None else st
    # The key holds the account's range, so a new import (a wider range) resets the picker to it.
    period = where.date_input(  # type: ignore[attr-defined]
        "Period", value=(first, last), min_value=first, max_value=last, format="YYYY-MM-DD",
        key=f"{page}_period:{account}:{first}:{last}", help=help,
    )
    if isinstance(period, (tuple, list)):
        return (period[0] if len(period) > 0 else first), (period[1] if len(period) > 1 else last)
    return (period or first), last


def account_data_range(account: str, version: int) -> tuple[dt.date, dt.date]:
    """The account's first and last day with data; stops the page when it has none."""
    first, last = data_range(account, version)
    if first is None or last is None:
        st.info("This account has no data yet: import a file into it on the Import page.")
        link_to_import()
        st.stop()
    return first, last


# --- showing untrusted text -------------------------------------------------------------------

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# also defuses Streamlit's own markup (`:red[...]`, `:material/...:`, `$...$` maths).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&%=\"'@/^])")


# Streamlit's markdown also turns bare URLs, www. names and e-mail addresses into links, escaped
# or not (GFM autolink literals): an invisible word joiner inside each pattern defuses them.
_WORD_JOINER = "\u2060"
_AUTOLINK_PARTS = re.compile(r"(://|@|(?<![0-9A-Za-z])www\.)", re.IGNORECASE)


def escape_markdown(text: object) -> str:
    """Text (a file name, a handle, an error quoting a file) made inert for st.markdown."""
    unlinked = _AUTOLINK_PARTS.sub(lambda m: m.group(0)[:-1] + _WORD_JOINER + m.group(0)[-1], str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def show_error(message: str) -> None:
    """An error as plain text in a red box: never a traceback, never a link."""
    st.error(escape_markdown(message))


def stop_with_error(message: str) -> NoReturn:
    show_error(message)
    st.stop()


# --- Meetups page (analytics/meetups, analytics/metrics/meetups.py) ------------------------------
# Reads only: the page writes through analytics.meetups.store, and each write bumps the store's
# version, which is part of every key below.


@dataclass(frozen=True)
class MeetupView:
    """Everything the Meetups page shows for one account, read in one go."""

    known: int  # followers of the latest list known in person
    listed: int  # size of the latest follower list
    list_date: dt.date | None
    share: float | None
    turnout: pd.DataFrame
    attendees: pd.DataFrame
    repeat: pd.DataFrame
    known_members: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=64)
def meetup_view(account_name: str, within_days: int, version: int) -> MeetupView:
    # Imported here, not at the top: this section stays one block, apart from the other pages'.
    from analytics.metrics import meetups as meetup_metrics

    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        known, listed, day = meetup_metrics.known_in_person_counts(cursor, account.account_id)
        return MeetupView(
            known=known,
            listed=listed,
            list_date=day,
            share=meetup_metrics.known_in_person_share(cursor, account.account_id),
            turnout=meetup_metrics.turnout(cursor, account.account_id, within_days),
            attendees=meetup_metrics.attendees(cursor, account.account_id, within_days=within_days),
            repeat=meetup_metrics.repeat_attendees(cursor, account.account_id),
            known_members=meetup_metrics.known_members(cursor, account.account_id),
        )
    finally:
        cursor.close()


@st.cache_data(show_spinner=False, max_entries=256)
def meetup_follower_search(account_name: str, query: str, version: int) -> pd.DataFrame:
    """Followers whose handle or name contains `query` (for marking known in person)."""
    from analytics.metrics import meetups as meetup_metrics

    return _on_account(account_name, meetup_metrics.search_followers, query)


# === Access: sign-in, roles, shared reports (issue 5) ====================================
# The rules are pure in `analytics.access`; this section only reads the secrets, draws the
# sign-in form and remembers who signed in, in this browser session's own session_state (never
# in a cache: caches are shared by every visitor of a hosted app).

import os  # noqa: E402 - kept inside this section, so its edits stay in one place
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Literal  # noqa: E402

from streamlit import config as _st_config  # noqa: E402

from analytics import access  # noqa: E402

# Pages only an owner may open: import and delete, settings. Matched on the page's url_path.
OWNER_ONLY_PAGES = frozenset({"import", "settings"})
_VISITOR_KEY = "palier_visitor"
_THROTTLE = access.Throttle()


@dataclass(frozen=True)
class Visitor:
    role: access.Role
    method: Literal["local", "oidc", "password"]
    name: str | None
    config: access.AccessConfig
    # Which stored hash admitted a password visitor: when the owner changes or removes it,
    # sessions it opened lose their role at their next run.
    proof: bytes = b""


def _secrets() -> dict[str, Any]:
    """st.secrets as a dict; {} when no secrets file exists. A file that exists but cannot be
    read is an error, never "no secrets": that would open a shared app to everyone."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        paths = [Path(p).expanduser() for p in (_st_config.get_option("secrets.files") or [])]
        if any(p.exists() for p in paths):
            raise access.AccessConfigError(
                "The secrets file cannot be read (is it valid TOML?): nobody can sign in until it is fixed."
            ) from None
        return {}


def access_config() -> access.AccessConfig:
    """The sharing settings. Raises `access.AccessConfigError`."""
    return access.parse_config(_secrets())


def store_path() -> Path:
    """`PALIER_DB` when set, else `[palier] db` from the secrets, else the default file."""
    if os.environ.get(settings.DB_PATH.env):
        return settings.db_path()
    try:
        configured = access_config().db
    except access.AccessConfigError:
        configured = None  # the gate shows that error; the store need not repeat it
    return Path(configured).expanduser() if configured else settings.db_path()


def _oidc_identity() -> dict[str, Any] | None:
    """st.user when someone signed in with OpenID Connect, else None."""
    user = st.user
    if user.get("is_logged_in") is not True:
        return None
    return {k: user.get(k) for k in ("email", "email_verified", "name")}


def _password_proof(config: access.AccessConfig, role: access.Role) -> bytes:
    hashed = config.owner_password if role == access.OWNER else config.viewer_password
    return hashed.digest if hashed else b""


def _sign_in_form(config: access.AccessConfig) -> None:
    st.title("Palier")
    st.markdown("This Palier is shared: sign in to see it.")
    for provider in config.oidc_providers:
        label = f"Sign in with {provider.title()}" if provider else "Sign in"
        if st.button(label, type="primary", icon=":material/login:", key=f"palier_login_{provider or 'default'}"):
            if provider:
                st.login(provider)
            else:
                st.login()
    if not config.passwords:
        return
    with st.form("palier_password_form", clear_on_submit=True):
        password = st.text_input("Password", type="password", key="palier_password")
        submitted = st.form_submit_button("Sign in with the password")
    if not submitted:
        return
    wait = _THROTTLE.wait_seconds()
    if wait > 0:
        st.error(f"Too many wrong passwords: try again in {wait:.0f} seconds.")
        return
    decision = access.decide(config, password=password or "")
    if decision.role is None:
        _THROTTLE.failed()
        st.error(decision.reason)
        return
    _THROTTLE.succeeded()
    st.session_state[_VISITOR_KEY] = Visitor(
        decision.role, "password", decision.role, config, _password_proof(config, decision.role)
    )
    st.rerun()


def _signed_in(config: access.AccessConfig) -> Visitor | None:
    saved = st.session_state.get(_VISITOR_KEY)
    if isinstance(saved, Visitor) and saved.method == "password":
        if saved.proof and saved.proof == _password_proof(config, saved.role):
            return Visitor(saved.role, "password", saved.name, config, saved.proof)
        st.session_state.pop(_VISITOR_KEY, None)
    identity = _oidc_identity() if config.oidc_providers else None
    if identity is None:
        return None
    decision = access.decide(config, email=identity.get("email"), email_verified=identity.get("email_verified"))
    if decision.role is None:
        st.title("Palier")
        show_error(decision.reason)
        if st.button("Sign out", key="palier_refused_logout"):
            st.logout()
        st.stop()
    return Visitor(decision.role, "oidc", str(identity.get("email")), config)


def require_access() -> Visitor:
    """Who is visiting; when sharing is configured and nobody has signed in, the sign-in
    form and the end of this run. Call first on every run (app.py does)."""
    try:
        config = access_config()
    except access.AccessConfigError as exc:
        st.title("Palier")
        stop_with_error(f"Sharing is misconfigured, so nobody can see this Palier: {exc}")
    if not config.sharing:
        return Visitor(access.OWNER, "local", None, config)
    visitor = _signed_in(config)
    if visitor is None:
        _sign_in_form(config)
        st.stop()
    return visitor


def show_visitor(visitor: Visitor) -> None:
    """Who is signed in, with what role, and a way out (in the sidebar); nothing locally."""
    if visitor.method == "local":
        return
    with st.sidebar:
        what = "owner" if visitor.role == access.OWNER else "viewer"
        if visitor.role == access.VIEWER and visitor.config.share_mode == "aggregates":
            what += ", figures only"
        who = f"{visitor.name} ({what})" if visitor.method == "oidc" else f"Signed in as {what}"
        st.caption(escape_markdown(who))
        if visitor.method == "oidc":
            if st.button("Sign out", icon=":material/logout:", key="palier_logout"):
                st.logout()
        else:
            # A callback runs before the next run draws anything: that run is already signed out.
            st.button("Sign out", icon=":material/logout:", key="palier_logout", on_click=_forget_visitor)


def _forget_visitor() -> None:
    st.session_state.pop(_VISITOR_KEY, None)


def through_app_navigation() -> None:
    """Make sure this run went through app.py's navigation; if not, rerun so that it does.

    A `pages/` folder beside app.py makes Streamlit start each server in its older navigation
    (a page per file of the folder), which it leaves only once app.py has called st.navigation.
    So when the first visit after a start asks for a page by its address (a bookmark of /churn),
    Streamlit runs pages/churn.py by itself: the sidebar lists the files ("app", "activity"),
    an address that is not a file's name is "not found" (so the Import page's file is import.py,
    after its address /import), and every later visitor of that server gets the same. Called first by every
    page: the older navigation is switched off and the run
    starts again, through app.py, on the page asked for. (app.py needs no call: when the older
    navigation runs it, its st.navigation takes over and switches the older one off itself.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        # Only a session's first run starts again: a later one may carry a click, which a rerun
        # would drop. (A server leaves the older navigation on its first run; AppTest, which
        # turns it back on for every run, only ever gets here on later ones.)
        if not st.session_state:
            st.rerun()


def visible_pages(pages: Sequence[Any], visitor: Visitor) -> list[Any]:
    """The pages of the navigation this visitor may open: viewers lose import and settings
    (a page left out of st.navigation cannot be reached by its URL either)."""
    if access.can_import(visitor.role):
        return list(pages)
    return [page for page in pages if getattr(page, "url_path", "") not in OWNER_ONLY_PAGES]


def require_owner() -> Visitor:
    """For owner-only pages: a viewer who reaches one anyway gets a message, not the page."""
    visitor = require_access()
    if not access.can_import(visitor.role):
        stop_with_error("Only the owner of this Palier can import, delete or change settings.")
    return visitor


def is_owner() -> bool:
    return access.can_import(require_access().role)


def can_see_people() -> bool:
    """Whether this visitor may see followers' names, handles and bios. Pages that list
    people (Churn's joiners and leavers, Audience, Meetups) show their tables only when True,
    and say why when not."""
    visitor = require_access()
    return access.can_see_people(visitor.config, visitor.role)


PEOPLE_HIDDEN = "This Palier is shared as figures only: follower names, handles and bios are not shown."


# --- downloads --------------------------------------------------------------------------------


def report_download_button(account_name: str, *, key: str) -> None:
    """A button that downloads the account's self-contained HTML report. Built only when
    clicked (about 5 MB, mostly Plotly); with names only for an owner who asks for them."""
    from analytics.export.html_report import build_report

    store = get_store()
    people = False
    if is_owner():
        people = st.checkbox(
            "Include who joined and who left, by name", value=False, key=f"{key}_people",
            help="Off by default: a report you send carries figures and charts, no personal data, unless you decide so.",
        )

    def _build() -> str:
        cursor = store.cursor()
        try:
            return build_report(cursor, account_name, people=people)
        finally:
            cursor.close()

    st.download_button(
        "Download report (HTML)", data=_build, file_name=_report_file_name(account_name), mime="text/html",
        icon=":material/download:", on_click="ignore", key=key,
        help="One HTML file: interactive charts, works offline, loads nothing from anywhere.",
    )


def _report_file_name(account_name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", account_name).strip("-.") or "account"
    return f"palier-{safe}-{dt.date.today().isoformat()}.html"


def csv_download_button(label: str, frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """A CSV download of a table, safe to open in a spreadsheet (no cell runs as a formula).
    For lists of people: call only when `can_see_people()`."""
    from analytics.metrics.csvsafe import to_safe_csv  # the shared neutraliser (=, +, -, @, tab, CR)

    data: Callable[[], bytes] = lambda: to_safe_csv(frame)  # noqa: E731 - built on click only
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", on_click="ignore", key=key,
                       icon=":material/download:")


# --- Collection (issue 7: the Import page's last collections and "Collect now") ---------------
# The page collects inside the app process, which already holds the store file open: it writes
# through that connection, so the lock that makes the CLI spool its pages never applies here.

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from analytics.collect.command import Result


@st.cache_data(show_spinner=False, max_entries=32)
def last_collections(version: int) -> pd.DataFrame:
    """Per account, its latest collection (`analytics.collect.last_collections`)."""
    from analytics.collect import last_collections as read_last_collections

    return read_last_collections(get_store())


def collect_now(
    account: str, platform: str, handle: str, api_url: str | None, progress: Callable[[int, int | None], None] | None
) -> Result:
    """Fetch `handle`'s follower list now and store it as today's snapshot of `account`.

    Returns the collector's `Result` (its `.line(account)` is the CLI's summary). Raises
    `PalierError` (a `CollectError` naming the request that failed) having stored nothing:
    everything is fetched before the one write. Owners only; the caller checks."""
    import argparse
    import time

    from analytics.collect import store_fetched
    from analytics.collect.command import Result, fetch

    # Imported here: the collector (urllib, its HTTP client) is needed only when someone collects.
    from analytics.store.accounts import today as utc_today

    if platform not in ("bluesky", "mastodon"):
        raise PalierError(f"Collection works for Bluesky and Mastodon, not {platform!r}.")
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
        raise PalierError("The store is open read-only (another Palier window or command is using it): nothing was stored.")
    return Result(fetched, store_fetched(store, account, fetched, day), day)


def literal(text: str) -> str:
    """Untrusted text as a markdown code span: shown verbatim, never a link.

    `escape_markdown` stops markdown links and HTML, but the renderer still turns bare addresses
    into links (the failed request's URL, a server's message quoting one, an `@user@instance`
    read as an e-mail): nothing inside a code span is parsed or linked."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}" if flat.startswith("`") or flat.endswith("`") else f"{fence}{flat}{fence}"


def show_collect_error(message: str) -> None:
    """A failed collection: a plain sentence, then the collector's message verbatim (which request
    failed and why) as a code span, so its addresses cannot be clicked."""
    st.error("The collection failed and nothing was stored: " + literal(message), icon=":material/error:")


# --- end of the Collection section -------------------------------------------------------------
