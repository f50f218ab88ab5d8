"""Every figure the pages show, read through a cache keyed on the store's version and the inputs.

Each read is a `st.cache_data` whose last argument is the store's data version, so a write (an
import, a deletion) makes every cached figure stale at once without clearing anything. Results
are small frames and frozen dataclasses, which st.cache_data pickles as they are. Nothing here
takes an upload: one user's files must never land in a cache other sessions read. Every read is
keyed on the language too (`cached_read`): figures carry sentences (reasons, methods, labels).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from analytics import analysis as audience_analysis_step
from analytics.i18n import current_language
from analytics.metrics import activity, followers, growth, lists, overview
from analytics.metrics import audience as audience_metrics
from analytics.metrics import headline as headline_metrics
from analytics.metrics import kept as audience_features
from analytics.metrics import losses as loss_metrics
from analytics.metrics import meetups as meetup_metrics
from analytics.metrics import notable as notable_metrics
from analytics.metrics import plateaus as plateau_metrics  # the name `plateaus` is a cached read below
from analytics.metrics import quality as quality_metrics
from analytics.store.accounts import list_accounts, list_imports, require_account
from analytics.ui.cache import cached_read
from analytics.ui.store import get_store, on_account


@cached_read(max_entries=64)
def accounts(version: int) -> pd.DataFrame:
    """Every account (account_id, name, platform, handle, created_at, imports), by name."""
    return list_accounts(get_store())


@cached_read(max_entries=256)
def imports(account_name: str, version: int) -> pd.DataFrame:
    """The imports of one account, newest first."""
    return list_imports(get_store(), account_name)


@cached_read(max_entries=256)
def data_range(account_name: str, version: int) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the account has any data."""
    return on_account(account_name, overview.data_range)


@cached_read(max_entries=256)
def headline(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> tuple[overview.Headline, pd.DataFrame]:
    """Headline figures of a period and the daily follower series behind them."""
    # The series comes from its own cache, shared with the other pages and every period.
    return on_account(account_name, overview.headline, start, end, series=follower_series(account_name, version))


def clear_reads() -> None:
    """Forget cached reads (tests; the version key makes this unnecessary in the app)."""
    accounts.clear()
    imports.clear()
    data_range.clear()
    headline.clear()


# --- Growth, Churn & plateaus, Activity -----------------------------------------------------------
# Every figure of these pages starts from the account's daily follower series; it is read once
# per store version and the pure `*_of` functions work on the cached copy.


@cached_read(max_entries=64)
def follower_series(account_name: str, version: int) -> pd.DataFrame:
    """The account's whole daily follower series (`analytics.metrics.followers.follower_series`)."""
    return on_account(account_name, followers.follower_series)


def _series_in(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    return followers.in_range(follower_series(account_name, version), start, end)


@cached_read(max_entries=128)
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


@cached_read(max_entries=256)
def growth_periods(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    """Periods with gains, losses, net, totals and growth rates (`growth.growth_by_period`)."""
    return growth.growth_rates_of(growth.resample_of(_series_in(account_name, start, end, version), granularity))


@cached_read(max_entries=256)
def best_and_worst(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    """The three best and three worst periods by net change (`growth.best_and_worst_of`)."""
    return growth.best_and_worst_of(growth_periods(account_name, granularity, start, end, version))


@cached_read(max_entries=256)
def period_comparison(account_name: str, start: dt.date, end: dt.date, version: int) -> growth.PeriodComparison:
    """The period against the one before and the same dates a year earlier."""
    return growth.compare_periods_of(follower_series(account_name, version), start, end)


@cached_read(max_entries=128)
def projection(account_name: str, version: int) -> growth.Projection:
    """Where the current trend (the last days of data) leads, and the next milestone."""
    return growth.projection_of(follower_series(account_name, version))


@cached_read(max_entries=256)
def milestones_passed(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    return growth.milestones_passed_of(_series_in(account_name, start, end, version))


@cached_read(max_entries=256)
def plateaus(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> plateau_metrics.Plateaus:
    return plateau_metrics.plateaus_of(_series_in(account_name, start, end, version))


@cached_read(max_entries=256)
def purge_days(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    # Flagged on the whole series: the usual losses of a range's first days come from before it.
    flagged = plateau_metrics.purge_days_of(follower_series(account_name, version))
    return followers.in_range(flagged, start, end)


@cached_read(max_entries=256)
def daily_losses(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    """day, lost (falls in the total where losses are not stated), baseline (the purge test's median)."""
    full = follower_series(account_name, version)
    lost, _from_net = plateau_metrics.daily_losses(full)
    frame = pd.DataFrame({"day": full["day"], "lost": lost, "baseline": plateau_metrics.purge_baseline(lost),
                          "net": growth.effective_net(full)})
    return followers.in_range(frame, start, end)


@cached_read(max_entries=256)
def step_effect(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> plateau_metrics.StepEffect:
    return plateau_metrics.step_effect_of(_series_in(account_name, start, end, version))


@cached_read(max_entries=256)
def churn_by_period(
    account_name: str, granularity: growth.Granularity, start: dt.date | None, end: dt.date | None, version: int
) -> pd.DataFrame:
    full = follower_series(account_name, version)
    purges = plateau_metrics.purge_days_of(full)
    return plateau_metrics.churn_by_period_of(followers.in_range(full, start, end), granularity, purges)


@cached_read(max_entries=256)
def churn_summary(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> plateau_metrics.ChurnSummary:
    full = follower_series(account_name, version)
    return plateau_metrics.churn_summary_of(followers.in_range(full, start, end), plateau_metrics.purge_days_of(full))


@cached_read(max_entries=128)
def snapshot_dates(account_name: str, version: int) -> pd.DataFrame:
    """The account's follower-list snapshots, oldest first: snapshot_date, members."""
    return on_account(account_name, lists.snapshot_dates)


@cached_read(max_entries=128)
def changes_by_snapshot(account_name: str, version: int) -> pd.DataFrame:
    return on_account(account_name, lists.changes_by_snapshot)


@cached_read(max_entries=256)
def list_changes(
    account_name: str, start: dt.date, end: dt.date, version: int, limit: int | None = None,
    only: lists.Change | None = None,
) -> lists.ListChanges:
    """Who joined and who left between two snapshot dates, with the profiles of the `limit`
    most followed of each, or of the change `only` names (the counts are never cut). Lists far
    apart are compared among the most followed profiles, ranked once per store version."""

    def ranking(pool: int) -> pd.DataFrame:
        return most_followed(account_name, lists.ranking_size(pool), version)

    return on_account(account_name, lists.list_changes, start, end, limit=limit, only=only, ranking=ranking)


def prepare_ranking(account_name: str, start: dt.date, end: dt.date, version: int, limit: int) -> None:
    """Read and keep the ranking `list_changes` of `start` to `end` (`limit` of each change) asks
    for, if it asks for one: a page calls it once drawn, so that a first pick of lists that far
    apart does not rank the profiles while she waits (0.03 to 0.07 s on the year of a million)."""
    sized = pool_sizes(account_name, start, end, version, limit)
    if sized is not None:
        most_followed(account_name, lists.ranking_size(sized[0]), version)


@cached_read(max_entries=64)
def pool_sizes(account_name: str, start: dt.date, end: dt.date, version: int, limit: int) -> tuple[int, int] | None:
    return on_account(account_name, lists.pool_sizes, start, end, "follower", limit)


@cached_read(max_entries=16)
def most_followed(account_name: str, count: int, version: int) -> pd.DataFrame:
    """The account's `count` most followed profiles, as list changes rank them (the same for
    every pair of lists: Churn's list pickers compare many pairs)."""
    return on_account(account_name, lists.most_followed, count)


@cached_read(max_entries=256)
def quick_unfollows(
    account_name: str, within_days: int, start: dt.date | None, end: dt.date | None, version: int,
    limit: int | None = None,
) -> lists.QuickUnfollows:
    return on_account(account_name, lists.quick_unfollows, within_days, start, end, limit=limit)


@cached_read(max_entries=256)
def loss_breakdown(
    account_name: str, since: dt.date | None, until: dt.date | None, version: int
) -> loss_metrics.LossBreakdown:
    """The followers lost between two lists by cause (the latest two when not given)."""
    return on_account(account_name, loss_metrics.loss_breakdown, since, until)


@cached_read(max_entries=128)
def identity(account_name: str, version: int) -> loss_metrics.Identity:
    """Whether the account's members are keyed on stable ids or on handles only."""
    return on_account(account_name, loss_metrics.identity_of)


@cached_read(max_entries=128)
def followers_by_follow_date(account_name: str, version: int) -> pd.DataFrame:
    """Current followers by the day they followed (day, followers); empty without follow dates."""
    return on_account(account_name, loss_metrics.followers_by_follow_date)


@cached_read(max_entries=128)
def cohort_retention(account_name: str, version: int) -> lists.CohortRetention:
    return on_account(account_name, lists.cohort_retention)


@cached_read(max_entries=256)
def posts_per_day(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    """Posts per calendar day in the period (`activity.posts_per_day`): day, posts, source.
    Counted once on all the data and cut to each period: Activity's answer, its quiet periods and
    its lags all read it, and each count takes 15 to 25 ms on the year of a million."""
    if start is None and end is None:
        return on_account(account_name, activity.posts_per_day)
    return activity.clip_days(posts_per_day(account_name, None, None, version), start, end)


@cached_read(max_entries=256)
def quiet_vs_active(
    account_name: str, min_days: int, start: dt.date | None, end: dt.date | None, version: int
) -> activity.QuietVsActive:
    """Quiet periods (found on all posts, cut to the period) and net follows quiet against active."""
    return on_account(account_name, activity.quiet_vs_active, min_days, start=start, end=end,
                      series=follower_series(account_name, version),
                      all_posts=posts_per_day(account_name, None, None, version))


@cached_read(max_entries=256)
def lag_correlation(
    account_name: str, method: activity.Correlation, start: dt.date | None, end: dt.date | None, version: int
) -> activity.LagCorrelation:
    return on_account(account_name, activity.lag_correlation, method, start=start, end=end,
                      series=follower_series(account_name, version),
                      all_posts=posts_per_day(account_name, None, None, version))


@cached_read(max_entries=256)
def posts_with_follows(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> activity.PostFollows:
    return on_account(account_name, activity.posts_with_follows, start=start, end=end,
                      series=follower_series(account_name, version))


@cached_read(max_entries=256)
def engagement_heatmap(
    account_name: str, tz: str | None, start: dt.date | None, end: dt.date | None, version: int
) -> activity.EngagementHeatmap:
    return on_account(account_name, activity.engagement_heatmap, tz, start, end)


def clear_growth_reads() -> None:
    """Forget this section's cached reads (tests; the version key makes this unnecessary in the app)."""
    for cached in (
        follower_series, follower_curves, growth_periods, best_and_worst, period_comparison, projection, milestones_passed,
        plateaus, purge_days, daily_losses, step_effect, churn_by_period, churn_summary, snapshot_dates,
        changes_by_snapshot, list_changes, quick_unfollows, cohort_retention, posts_per_day,
        quiet_vs_active, lag_correlation, posts_with_follows, engagement_heatmap, loss_breakdown, identity,
        followers_by_follow_date,
    ):
        cached.clear()


# --- Audience -------------------------------------------------------------------------------------
# Audience figures count every follower of a snapshot from the per-profile analysis kept in the
# store (analytics.analysis; `audience_analysis` runs it when an import came since), so
# each read is small; each is cached on the store version, the account and the snapshot date(s).


ANALYSIS_POLL_SECONDS = 0.25  # how often the line under the spinner follows the analysis' progress


def audience_analysis_run(account_name: str, language: str | None = None) -> audience_analysis_step.BackgroundAnalysis | None:
    """The account's audience analysis when it is not current (analytics.analysis): the run an
    import started in the background, else a new one. None when it is current, or when the store
    is read-only (the figures then say why they wait)."""
    store = get_store()
    cursor = store.cursor()
    try:
        account = require_account(cursor, account_name)
        current = audience_features.is_current(cursor, account.account_id)
    finally:
        cursor.close()
    if current:
        return None
    return audience_analysis_step.analyse_in_background(store, account.account_id, language or current_language())


def audience_analysis(account_name: str, spinner: str) -> int:
    """Bring the account's audience analysis up to date (analytics.analysis), showing its
    progress: the first view after an import waits for the new and changed profiles to be
    analysed (all of them the first time), unless the analysis the import started is done.
    This page only follows the run, so leaving it meanwhile loses nothing. Returns the store's
    version afterwards. Not cached: it is one query when the analysis is current."""
    run = audience_analysis_run(account_name)
    if run is not None:
        with st.spinner(spinner):
            line = st.empty()
            shown = ""
            while not run.wait(ANALYSIS_POLL_SECONDS):
                # A run started in another language (another session's import, the demo's
                # loader) leaves its steps unsaid here: the spinner says what is happening.
                if run.message != shown and run.language == current_language():
                    shown = run.message
                    line.caption(shown)
            line.empty()
        run.result()  # what the run raised, raised here
    return get_store().version()


def flagged_csv(account_name: str) -> bytes:
    """Every flagged follower of the latest list as spreadsheet-safe CSV (built on click only)."""
    return on_account(account_name, quality_metrics.flagged_csv_all)


@cached_read(max_entries=32)
def audience_coherence(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.Coherence:
    """Coherence of the snapshot of `snapshot_date` (None: the latest) with the account's posts."""
    return on_account(account_name, audience_metrics.audience_coherence, snapshot_date)


@cached_read(max_entries=32)
def audience_groups(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> audience_metrics.GroupCoherence:
    """Coherence of stayers, leavers and joiners between two snapshot dates."""
    return on_account(account_name, audience_metrics.group_coherence, start, end)


@cached_read(max_entries=32)
def audience_clusters(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.Clusters:
    """Topic clusters of one snapshot's followers, from their bios."""
    return on_account(account_name, audience_metrics.topic_clusters, snapshot_date)


@cached_read(max_entries=64)
def audience_cluster_change(
    account_name: str, start: dt.date | None, end: dt.date | None, version: int
) -> audience_metrics.ClusterChange:
    """Cluster sizes at two snapshot dates, topics fitted on the members of both."""
    return on_account(account_name, audience_metrics.cluster_change, start, end)


@cached_read(max_entries=32)
def audience_languages(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.LanguageMix:
    """Languages of the followers' bios (detected once per bio by the analysis) against the account's posts."""
    return on_account(account_name, audience_metrics.language_mix, snapshot_date)


@cached_read(max_entries=32)
def audience_locations(account_name: str, snapshot_date: dt.date | None, version: int) -> audience_metrics.LocationMix:
    """Followers per country from their profile location."""
    return on_account(account_name, audience_metrics.location_mix, snapshot_date)


@cached_read(max_entries=32)
def quality_audit(account_name: str, version: int) -> quality_metrics.QualityAudit:
    """The quality audit (rules `quality_metrics.RULES_VERSION`) of the latest follower list."""
    return on_account(account_name, quality_metrics.quality_audit)


@cached_read(max_entries=32)
def quality_trend(account_name: str, version: int) -> quality_metrics.QualityTrend:
    """The quality score on every snapshot date."""
    return on_account(account_name, quality_metrics.quality_trend)


@cached_read(max_entries=32)
def quality_audit_v2(account_name: str, version: int) -> quality_metrics.QualityAudit:
    """The quality audit under rules v2 (fair words, rules per platform) of the latest follower list."""
    return on_account(account_name, quality_metrics.quality_audit_v2)


@cached_read(max_entries=32)
def quality_trend_v2(account_name: str, version: int) -> quality_metrics.QualityTrend:
    """The quality score under rules v2 on every follower list's date (the audit's rules)."""
    return on_account(account_name, quality_metrics.quality_trend_v2)


def flagged_csv_v2(account_name: str) -> bytes:
    """Every follower a v2 rule flags in the latest list, as spreadsheet-safe CSV (built on click only)."""
    return on_account(account_name, quality_metrics.flagged_csv_all_v2)


def clear_audience_reads() -> None:
    """Forget this section's cached reads (tests; the version key makes this unnecessary in the app)."""
    for cached in (audience_coherence, audience_groups, audience_clusters, audience_cluster_change,
                   audience_languages, audience_locations, quality_audit, quality_audit_v2, quality_trend,
                   quality_trend_v2):
        cached.clear()


# --- Meetups --------------------------------------------------------------------------------------
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


@cached_read(max_entries=64)
def meetup_view(account_name: str, within_days: int, version: int) -> MeetupView:
    cursor = get_store().cursor()
    try:
        account = require_account(cursor, account_name)
        known, listed, day = meetup_metrics.known_in_person_counts(cursor, account.account_id)
        # Read once for the three frames below (on a year of a million, 0.14 s a read).
        people = meetup_metrics.attendees(cursor, account.account_id, within_days=within_days)
        return MeetupView(
            known=known,
            listed=listed,
            list_date=day,
            share=meetup_metrics.known_in_person_share(cursor, account.account_id),
            turnout=meetup_metrics.turnout(cursor, account.account_id, within_days, people=people),
            attendees=people,
            repeat=meetup_metrics.repeat_attendees(cursor, account.account_id, people=people),
            known_members=meetup_metrics.known_members(cursor, account.account_id),
        )
    finally:
        cursor.close()


@cached_read(max_entries=64)
def meetup_unmatched(account_name: str, version: int) -> pd.DataFrame:
    """Attendees matched to nobody, each with why and the followers who could be them."""
    return on_account(account_name, meetup_metrics.unmatched_attendees)


@cached_read(max_entries=256)
def meetup_follower_search(account_name: str, query: str, version: int) -> pd.DataFrame:
    """Followers whose handle or name contains `query` (for marking known in person)."""
    return on_account(account_name, meetup_metrics.search_followers, query)


# --- The morning check (Overview) -------------------------------------------------------------------
# Pure `*_of` functions of analytics.metrics.headline on the cached follower series and daily posts:
# the same frames, so the same figures, as every other surface.


@cached_read(max_entries=64)
def daily_posts(account_name: str, version: int) -> pd.DataFrame:
    """Posts per day (`analytics.metrics.headline.daily_posts`)."""
    return on_account(account_name, headline_metrics.daily_posts)


@cached_read(max_entries=64)
def morning_check(account_name: str, version: int) -> headline_metrics.MorningCheck:
    """Followers now, since yesterday, the last 7 and 28 days against the 7 and 28 before."""
    return headline_metrics.morning_check_of(follower_series(account_name, version), daily_posts(account_name, version))


@cached_read(max_entries=256)
def against_previous(account_name: str, start: dt.date, end: dt.date, version: int) -> headline_metrics.Comparison:
    """The period's headline figures against the same number of days just before."""
    return headline_metrics.against_previous(
        follower_series(account_name, version), daily_posts(account_name, version), start, end
    )


@cached_read(max_entries=256)
def daily_table(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> pd.DataFrame:
    """date, followers, change, gained, lost, posts: one row per day, newest first."""
    return headline_metrics.daily_table_of(
        follower_series(account_name, version), daily_posts(account_name, version), start, end
    )


@cached_read(max_entries=256)
def notable(account_name: str, start: dt.date | None, end: dt.date | None, version: int) -> list[notable_metrics.Notable]:
    """Plateaus starting or ending, purge days, quiet weeks and milestones in the period, newest first."""
    return notable_metrics.notable_of(
        follower_series(account_name, version), daily_posts(account_name, version), start, end
    )
