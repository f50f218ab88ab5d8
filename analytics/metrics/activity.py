"""Posting activity against follower change: posts per day, quiet periods, the lag relation,
the posts that brought followers, and when engagement is best.

"When I slowed down my posting, my follower count went down": every function here puts a
number, a method and a plain-language reading on that sentence, or says why the data cannot.

Daily follower change comes from `follower_series`. Exports with daily new follows / unfollows
give exact days. Follower lists give a change per pair of snapshots: when the snapshots are a
day apart that is a daily figure too; when they are further apart the change is known only
for the whole gap. Averages (quiet against active days) spread such a change evenly over the
days of its gap; the lag correlation, which needs real day-to-day variation, uses exact days only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, ngettext
from analytics.metrics.followers import follower_series
from analytics.metrics.headline import daily_posts

POSTS_PER_DAY_SQL = """
SELECT CAST(posted_at AS DATE) AS day, count(*) AS posts
FROM posts
WHERE account_id = $account_id AND posted_at IS NOT NULL
  AND ($kinds IS NULL OR list_contains(CAST($kinds AS VARCHAR[]), coalesce(kind, 'post')))
GROUP BY 1
ORDER BY 1
"""

# Account-level exports count posts per day without listing them: the fallback when no post
# is stored. X's "Create Post" first, the legacy "Tweets published" next.
DAILY_POST_COUNTS_SQL = """
SELECT day, metric, value
FROM daily_latest
WHERE account_id = $account_id AND metric IN ('posts_created', 'posts_published')
ORDER BY day
"""

POSTS_SQL = """
SELECT post_id, posted_at, has_time, text, link, kind, impressions, likes, engagements, new_follows
FROM posts
WHERE account_id = $account_id AND posted_at IS NOT NULL
  AND ($kinds IS NULL OR list_contains(CAST($kinds AS VARCHAR[]), coalesce(kind, 'post')))
ORDER BY posted_at, post_id
"""

TIMED_POSTS_SQL = """
SELECT post_id, posted_at, impressions, engagements
FROM posts
WHERE account_id = $account_id AND has_time AND posted_at IS NOT NULL
"""

Correlation = Literal["pearson", "spearman"]

DEFAULT_QUIET_DAYS = 7
MAX_LAG = 7
MIN_LAG_DAYS = 60
# Below this, a correlation is noise whatever the caution says: none is computed.
MIN_PAIRS = 10
# |r| below this reads as "no clear relation".
CLEAR_R = 0.1

QUIET_METHOD = N_(
    "A quiet period is a run of at least {days} days without a post, between your first and your "
    "last post on record (before and after, Palier cannot tell silence from missing data). Net "
    "follows per day are averaged over quiet days and over the other (active) days of the same range. "
    "Where follower lists are further apart than a day, their change is spread evenly over the days between them."
)
LAG_METHOD = N_(
    "{name} correlation between posts per day and net follows (gained minus lost) per day, with "
    "the follows taken 0 to {max_lag} days after the posting day. Only days whose follower change is "
    "known for that day alone count (daily exports, or follower lists a day apart). The best lag is "
    "the one with the strongest correlation, either sign. Picking the best of {lags} lags flatters "
    "it, and shared trends (an account that grows and posts more over the same months) inflate it."
)
EXPORT_FOLLOWS_METHOD = N_("New follows per post, as {sources} reports them.")
# Which export gave the per-post follows, by import format (a bundle's format joins its parts with "+").
FOLLOWS_SOURCES = {
    "x_content": N_("the X content export ('New follows')"),
    "twitter_legacy_tweets": N_("the legacy tweet activity export ('follows', the follows Twitter attributed to the tweet)"),
}
FOLLOWS_SOURCES_SQL = """
SELECT DISTINCT i.format
FROM posts_raw p JOIN imports i ON i.import_id = p.import_id
WHERE p.account_id = $account_id AND p.new_follows IS NOT NULL
ORDER BY 1
"""
WINDOW_FOLLOWS_METHOD = N_(
    "Followers gained on the day of the post and the day after (the daily data has no hours, so "
    "this stands for the {hours} hours after it). A post sharing those days with other posts shares "
    "their gains: `shared_with` counts them."
)
# What "best time to post" needs, and which exports carry it (FORMATS.md 2-4): said on the page.
BEST_TIME_NEEDS_BOTH = N_(
    "The best time to post needs each post's time and its impressions and engagements: the legacy "
    "Twitter analytics per-tweet export (tweet_activity_metrics_*.csv) has all three; the X archive "
    "(tweets.js) has the times, and adds them to the X content export's figures for the same posts."
)
BEST_TIME_NEEDS = N_(
    "No post with a known time in this period. The X content exports give dates only, so they cannot "
    "place posts by hour."
)
HEATMAP_METHOD = N_(
    "Engagement rate = engagements / impressions, summed over the posts of each weekday and hour "
    "({zone}). Only posts whose time is known and which have impressions and engagements count."
)


# ---------------------------------------------------------------------------------------------
# Posts per day


def posts_per_day(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    kinds: tuple[str, ...] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """One row per calendar day from the first to the last post: day, posts (0 on days without),
    source ('posts' from stored posts, or 'daily' from an account export's post counts).

    Without `kinds`, the posts of `analytics.metrics.headline.daily_posts` (per-post exports on the
    days they cover, daily counts elsewhere). `kinds` keeps only those post kinds ('post', 'reply',
    'repost'; a post of unknown kind counts as 'post'): daily counts cannot be split by kind, so
    then only listed posts count. `start` / `end` cut the result to a period.
    """
    if kinds is None:
        # Every post: the same count as the headline's (per-post exports where they cover the day,
        # the account exports' daily counts elsewhere), from the one function that defines it.
        combined = daily_posts(cursor, account_id)
        if combined.empty:
            return _empty_posts()
        index = pd.date_range(combined["day"].min(), combined["day"].max(), freq="D", unit="us")
        by_day = combined.set_index("day")
        frame = pd.DataFrame({
            "day": index,
            "posts": by_day["posts"].reindex(index, fill_value=0).to_numpy(dtype="int64"),
            "source": by_day["source"].reindex(index).fillna("posts" if (combined["source"] == "posts").any() else "daily")
            .to_numpy(),
        }).astype({"source": "string"})
        return clip_days(frame, start, end)
    params = {"account_id": account_id, "kinds": list(kinds)}
    counts = cursor.execute(POSTS_PER_DAY_SQL, params).df()
    source = "posts"
    if counts.empty:
        return _empty_posts()
    counts["day"] = pd.to_datetime(counts["day"])
    index = pd.date_range(counts["day"].min(), counts["day"].max(), freq="D", unit="us")
    posts = counts.set_index("day")["posts"].astype("int64").reindex(index, fill_value=0)
    frame = pd.DataFrame({"day": index, "posts": posts.to_numpy(), "source": source}).astype({"source": "string"})
    return clip_days(frame, start, end)


def clip_days(frame: pd.DataFrame, start: dt.date | None, end: dt.date | None, column: str = "day") -> pd.DataFrame:
    """Rows whose `column` falls in [start, end] (either bound optional)."""
    keep = pd.Series(True, index=frame.index)
    if start is not None:
        keep &= frame[column] >= pd.Timestamp(start)
    if end is not None:
        keep &= frame[column] < pd.Timestamp(end) + pd.Timedelta(days=1)
    return frame[keep].reset_index(drop=True)


def clip_periods(periods: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """Quiet periods cut to [start, end]: one that began before `start` keeps only its days inside
    (`days`, over which its follows are counted), and the length of the whole run in `run_days`: a
    period of 28 days opening two days into a nine-day silence holds a quiet period of 9 days, not
    one of 2 under a threshold of 7."""
    out = periods.copy()
    out["run_days"] = out["days"].astype("int64")
    if start is not None:
        out["start"] = out["start"].clip(lower=pd.Timestamp(start))
    if end is not None:
        out["end"] = out["end"].clip(upper=pd.Timestamp(end))
    out = out[out["start"] <= out["end"]].copy()
    out["days"] = ((out["end"] - out["start"]).dt.days + 1).astype("int64")
    return out.reset_index(drop=True)


def _empty_posts() -> pd.DataFrame:
    return pd.DataFrame(
        {"day": pd.Series(dtype="datetime64[us]"), "posts": pd.Series(dtype="int64"), "source": pd.Series(dtype="string")}
    )


def posts_per_period(daily: pd.DataFrame, period: Literal["day", "week"] = "day") -> pd.DataFrame:
    """`posts_per_day` as is, or summed per week (weeks start on Monday, labelled by it)."""
    if period == "day" or daily.empty:
        return daily[["day", "posts"]].copy()
    weekly = daily.set_index("day")["posts"].resample("W-MON", label="left", closed="left").sum()
    return weekly.reset_index().rename(columns={"index": "day"})


# ---------------------------------------------------------------------------------------------
# Daily follower change, day by day


def daily_follower_change(
    cursor: duckdb.DuckDBPyConnection, account_id: int, series: pd.DataFrame | None = None
) -> pd.DataFrame:
    """day, gained, lost, net (NaN where unknown) and exact (the figure is that day's alone).

    A follower-list change covering several days is spread evenly over them (exact False).
    `series` is the account's `follower_series` when the caller already holds it (the pages
    keep one per store version): reading it again costs two scans of every follower spell.
    """
    return _spread_list_changes(follower_series(cursor, account_id) if series is None else series)


def _spread_list_changes(series: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"day": pd.to_datetime(series["day"])})
    for column in ("gained", "lost", "net"):
        out[column] = series[column].astype("float64").to_numpy()
    if series.empty:
        out["exact"] = pd.Series(dtype="bool")
        return out
    source = series["flow_source"].astype("string")
    from_export = source.eq("export").fillna(False).to_numpy(dtype=bool)
    exact = from_export.copy()
    snapshot_days = out["day"].to_numpy()[series["listed"].notna().to_numpy()]
    list_rows = np.flatnonzero(source.eq("lists").fillna(False).to_numpy(dtype=bool))
    days = out["day"].to_numpy()
    for row in list_rows:
        day = days[row]
        before = np.searchsorted(snapshot_days, day, side="left")
        if before == 0:
            continue
        previous = snapshot_days[before - 1]
        if day - previous == np.timedelta64(1, "D"):
            exact[row] = True
            continue
        span = (days > previous) & (days <= day) & ~from_export
        width = int(span.sum())
        for column in ("gained", "lost", "net"):
            out.loc[span, column] = float(series[column].iloc[row]) / width
    out["exact"] = exact
    return out


# ---------------------------------------------------------------------------------------------
# Quiet periods


def find_quiet_periods(daily_posts: pd.DataFrame, min_days: int = DEFAULT_QUIET_DAYS) -> pd.DataFrame:
    """Runs of at least `min_days` days with no post in a `posts_per_day` frame: start, end, days.

    The frame starts and ends on posting days, so every run found lies between two posts.
    """
    columns = {"start": "datetime64[us]", "end": "datetime64[us]", "days": "int64"}
    if daily_posts.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    silent = (daily_posts["posts"].to_numpy() == 0).astype(np.int8)
    # Edges of runs of zeros: +1 where a run starts, -1 one past where it ends.
    edges = np.diff(np.concatenate([[0], silent, [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    lengths = ends - starts + 1
    keep = lengths >= max(1, int(min_days))
    days = daily_posts["day"].to_numpy()
    return pd.DataFrame(
        {"start": days[starts[keep]], "end": days[ends[keep]], "days": lengths[keep].astype("int64")}
    ).astype(columns)


def quiet_periods(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    min_days: int = DEFAULT_QUIET_DAYS,
    kinds: tuple[str, ...] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Runs of at least `min_days` days without a post (start, end, days), oldest first.

    Found on all the data, then cut to [start, end]: a quiet run crossing the period's edge
    still counts, with only its days inside the period.
    """
    return clip_periods(find_quiet_periods(posts_per_day(cursor, account_id, kinds), min_days), start, end)


@dataclass(frozen=True)
class QuietVsActive:
    """Net follows per day during quiet periods against active periods."""

    min_days: int
    periods: pd.DataFrame  # start, end, days, days_with_data, net, net_per_day
    table: pd.DataFrame  # state ('quiet' / 'active'), days, gained_per_day, lost_per_day, net_per_day
    quiet_net_per_day: float | None
    active_net_per_day: float | None
    reading: str
    method: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def quiet_vs_active(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    min_days: int = DEFAULT_QUIET_DAYS,
    kinds: tuple[str, ...] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    series: pd.DataFrame | None = None,
    all_posts: pd.DataFrame | None = None,
) -> QuietVsActive:
    """Quiet periods with the follower change during each, and quiet against active per day.
    `series`: the account's `follower_series`, when already read; `all_posts`: its
    `posts_per_day` for `kinds` over all the data, when already read."""
    method = _(QUIET_METHOD).format(days=min_days)
    if all_posts is None:
        all_posts = posts_per_day(cursor, account_id, kinds)
    periods = clip_periods(find_quiet_periods(all_posts, min_days), start, end)
    daily_posts = clip_days(all_posts, start, end)
    flows = daily_follower_change(cursor, account_id, series)
    return _compare_quiet_active(daily_posts, periods, flows, min_days, method)


def _compare_quiet_active(
    daily_posts: pd.DataFrame, periods: pd.DataFrame, flows: pd.DataFrame, min_days: int, method: str
) -> QuietVsActive:
    periods = periods.copy()
    periods["days_with_data"] = pd.Series(dtype="int64")
    periods["net"] = pd.Series(dtype="float64")
    periods["net_per_day"] = pd.Series(dtype="float64")
    empty_table = pd.DataFrame(
        {"state": pd.Series(dtype="string"), "days": pd.Series(dtype="int64"),
         **{c: pd.Series(dtype="float64") for c in ("gained_per_day", "lost_per_day", "net_per_day")}}
    )

    def fail(reason: str) -> QuietVsActive:
        return QuietVsActive(min_days, periods, empty_table, None, None, reason, method, reason)

    if daily_posts.empty:
        return fail(_("Not enough data: no posts imported (import a content export or an archive)."))
    if flows.empty or flows["net"].isna().all():
        return fail(_("Not enough data: no daily follower change (import daily new follows, or follower lists)."))
    frame = daily_posts[["day", "posts"]].merge(flows, on="day", how="left")
    quiet = np.zeros(len(frame), dtype=bool)
    for i, period in periods.iterrows():
        inside = ((frame["day"] >= period["start"]) & (frame["day"] <= period["end"])).to_numpy()
        quiet |= inside
        known = frame.loc[inside, "net"].dropna()
        periods.loc[i, "days_with_data"] = len(known)
        if len(known):
            periods.loc[i, "net"] = float(known.sum())
            periods.loc[i, "net_per_day"] = float(known.mean())
    periods["days_with_data"] = periods["days_with_data"].astype("int64")
    frame["state"] = np.where(quiet, "quiet", "active")
    known = frame[frame["net"].notna()]
    if periods.empty:
        return fail(_('No quiet period: you never went {min_days} days or more without posting in this data.').format(min_days=min_days))
    rows = []
    for state in ("quiet", "active"):
        part = known[known["state"] == state]
        rows.append({
            "state": state,
            "days": len(part),
            "gained_per_day": float(part["gained"].mean()) if len(part) else math.nan,
            "lost_per_day": float(part["lost"].mean()) if len(part) else math.nan,
            "net_per_day": float(part["net"].mean()) if len(part) else math.nan,
        })
    table = pd.DataFrame(rows).astype({"state": "string", "days": "int64"})
    quiet_days, active_days = int(table["days"].iloc[0]), int(table["days"].iloc[1])
    if quiet_days == 0 or active_days == 0:
        unknown_all, unknown_any = (
            (_("Not enough data: the follower change is unknown on every quiet day."),
             _("Not enough data: no quiet day has a known follower change."))
            if quiet_days == 0 else
            (_("Not enough data: the follower change is unknown on every active day."),
             _("Not enough data: no active day has a known follower change."))
        )
        return QuietVsActive(min_days, periods, table, None, None, unknown_all, method, unknown_any)
    quiet_rate = float(table["net_per_day"].iloc[0])
    active_rate = float(table["net_per_day"].iloc[1])
    reading = _(
        "During quiet periods ({min_days}+ days without a post) your followers changed by "
        "{quiet_rate} a day on average, against {active_rate} a day when you were posting "
        "({quiet_days} quiet days, {active_days} active days with follower data)."
    ).format(min_days=min_days, quiet_rate=_signed(quiet_rate), active_rate=_signed(active_rate),
             quiet_days=format_number(quiet_days), active_days=format_number(active_days))
    if min(quiet_days, active_days) < min_days:
        reading += " " + _("Few days on one side: a rough comparison.")
    return QuietVsActive(min_days, periods, table, quiet_rate, active_rate, reading, method)


def _signed(value: float) -> str:
    # A hyphen-minus, as this sentence always wrote it; the digits in the reader's number format.
    return ("-" if value < 0 else "+") + format_number(abs(value), 1 if abs(value) < 10 else 0)


# ---------------------------------------------------------------------------------------------
# Lagged correlation


@dataclass(frozen=True)
class LagCorrelation:
    """Correlation of posts per day with net follows k days later, k = 0..max_lag."""

    method: Correlation
    table: pd.DataFrame  # lag, r, n, ci_low, ci_high (95%, Fisher z; NaN where n < 4)
    best_lag: int | None
    best_r: float | None
    days: int  # days with both posting and exact follower data
    reading: str
    method_text: str
    caution: str | None = None  # computed, but too short to trust
    reason: str | None = None  # not computed

    @property
    def ok(self) -> bool:
        return self.reason is None and self.caution is None


def lag_correlation(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    method: Correlation = "pearson",
    max_lag: int = MAX_LAG,
    min_days: int = MIN_LAG_DAYS,
    kinds: tuple[str, ...] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    series: pd.DataFrame | None = None,
    all_posts: pd.DataFrame | None = None,
) -> LagCorrelation:
    """How daily posting volume relates to daily net follows 0..max_lag days later (posting days
    in [start, end]; the follows of the last ones may fall after `end`). `series`: the account's
    `follower_series`, when already read; `all_posts`: its `posts_per_day` for `kinds` over all
    the data, when already read."""
    daily_posts = (
        posts_per_day(cursor, account_id, kinds, start, end) if all_posts is None else clip_days(all_posts, start, end)
    )
    return correlate_lags(daily_posts, daily_follower_change(cursor, account_id, series), method, max_lag, min_days)


def correlate_lags(
    daily_posts: pd.DataFrame,
    flows: pd.DataFrame,
    method: Correlation = "pearson",
    max_lag: int = MAX_LAG,
    min_days: int = MIN_LAG_DAYS,
) -> LagCorrelation:
    """The pure part of `lag_correlation`, on a `posts_per_day` and a `daily_follower_change` frame."""
    name = _("Spearman (rank)") if method == "spearman" else "Pearson"
    method_text = _(LAG_METHOD).format(name=name, max_lag=max_lag, lags=max_lag + 1)
    empty = pd.DataFrame({"lag": pd.Series(dtype="int64"), **{c: pd.Series(dtype="float64") for c in ("r", "n", "ci_low", "ci_high")}})

    def fail(reason: str, days: int = 0) -> LagCorrelation:
        return LagCorrelation(method, empty, None, None, days, reason, method_text, None, reason)

    if daily_posts.empty:
        return fail(_("Not enough data: no posts imported."))
    exact = flows[flows["exact"] & flows["net"].notna()] if not flows.empty else flows
    if exact.empty:
        return fail(
            _("Not enough data: no day has its own follower change (import an export with daily new "
            "follows and unfollows, or daily follower lists).")
        )
    posts = daily_posts.set_index("day")["posts"].astype("float64")
    net = exact.set_index("day")["net"].astype("float64")
    days = int(posts.index.isin(net.index).sum())
    rows = []
    for lag in range(max_lag + 1):
        later = net.reindex(posts.index + pd.Timedelta(days=lag)).to_numpy()
        both = ~np.isnan(later)
        x, y = posts.to_numpy()[both], later[both]
        r = _correlation(x, y, method) if len(x) >= 3 else math.nan
        low, high = _fisher_interval(r, len(x))
        rows.append({"lag": lag, "r": r, "n": float(len(x)), "ci_low": low, "ci_high": high})
    table = pd.DataFrame(rows).astype({"lag": "int64"})
    if days < MIN_PAIRS:
        return fail(
            _('Not enough data: only {days} days have both posts and a daily follower change '
              '(at least {min_days} are needed to say anything).').format(days=days, min_days=min_days),
            days,
        )
    if table["r"].isna().all():
        overlap = posts[posts.index.isin(net.index)]
        what = _("posts per day") if overlap.nunique() <= 1 else _("daily net follows")
        return fail(_('No variation: your {what} are the same every day, so nothing can correlate.').format(what=what), days)
    best = int(table["r"].abs().idxmax())
    best_lag, best_r = int(table["lag"].iloc[best]), float(table["r"].iloc[best])
    caution = None
    if days < min_days:
        caution = _(
            "Only {days} days have both posts and a daily follower change; at least {min_days} "
            "are needed before this relation means much."
        ).format(days=days, min_days=min_days)
    reading = _lag_reading(best_lag, best_r, caution, max_lag)
    return LagCorrelation(method, table, best_lag, best_r, days, reading, method_text, caution)


def _correlation(x: np.ndarray, y: np.ndarray, method: Correlation) -> float:
    if method == "spearman":
        # Spearman = Pearson on ranks (ties share their mean rank); no scipy needed.
        x = pd.Series(x).rank().to_numpy()
        y = pd.Series(y).rank().to_numpy()
    if np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def _fisher_interval(r: float, n: int) -> tuple[float, float]:
    if math.isnan(r) or n < 4:
        return math.nan, math.nan
    if abs(r) >= 1:
        return r, r
    z, spread = math.atanh(r), 1.959964 / math.sqrt(n - 3)
    return math.tanh(z - spread), math.tanh(z + spread)


def _lag_reading(lag: int, r: float, caution: str | None, max_lag: int = MAX_LAG) -> str:
    when = {0: _("On days you post more"), 1: _("On days after you post more")}.get(
        lag, _("{count} days after you post more").format(count=lag))
    at = _("on the same day") if lag == 0 else ngettext("at a lag of {count} day", "at a lag of {count} days", lag).format(count=lag)
    r_text = format_number(r, 2)
    if abs(r) < CLEAR_R:
        text = _(
            "No clear relation between how much you post and your net follows over the next {max_lag} days "
            "(strongest: r = {r} {at})."
        ).format(max_lag=max_lag, r=r_text, at=at)
    elif caution:
        # Too few days: what the days show, without calling it a relation of any strength (a
        # "strong relation" under "too few days to mean much" read as a contradiction).
        direction = _("gained more followers") if r > 0 else _("gained fewer followers (or lost more)")
        text = _("{when}, you {direction} on these few days (r = {r} {at}): too few to tell a relation from "
                 "chance.").format(when=when, direction=direction, r=r_text, at=at)
    else:
        direction = _("gain more followers") if r > 0 else _("gain fewer followers (or lose more)")
        strength = _("weak") if abs(r) < 0.3 else (_("moderate") if abs(r) < 0.5 else _("strong"))
        text = _("{when}, you tend to {direction} (r = {r} {at}, a {strength} relation); correlation is not causation.").format(
            when=when, direction=direction, r=r_text, at=at, strength=strength)
    if caution:
        text = f"{caution} {text}"
    return text


# ---------------------------------------------------------------------------------------------
# Posts that brought followers


@dataclass(frozen=True)
class PostFollows:
    """Posts ranked by the followers they brought, and how that was measured."""

    posts: pd.DataFrame  # post_id, posted_at, has_time, text, link, kind, impressions, engagements,
    #                      followers (the measure), shared_with (other posts in the window), rank
    method: Literal["export", "window"] | None
    method_text: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    @property
    def brought_followers(self) -> pd.DataFrame:
        """Only the posts that brought at least one follower: what "Posts that brought followers"
        lists (a post with 0 or an unknown count brought none that anyone can show)."""
        return self.posts[self.posts["followers"].fillna(0) > 0].reset_index(drop=True)


def posts_with_follows(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    window_hours: int = 48,
    kinds: tuple[str, ...] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    series: pd.DataFrame | None = None,
) -> PostFollows:
    """Posts by followers brought: the export's per-post new follows where any post has them,
    else followers gained in the `window_hours` after each post (whole days). `series`: the
    account's `follower_series`, when already read."""
    posts = cursor.execute(POSTS_SQL, {"account_id": account_id, "kinds": list(kinds) if kinds else None}).df()
    columns = ["post_id", "posted_at", "has_time", "text", "link", "kind", "impressions", "engagements"]
    posts["posted_at"] = pd.to_datetime(posts["posted_at"])
    posts = clip_days(posts, start, end, column="posted_at")
    if posts.empty:
        return PostFollows(_empty_post_follows(columns), None, "", _("Not enough data: no posts in this period."))
    if posts["new_follows"].notna().any():
        ranked = posts[columns].copy()
        ranked["followers"] = posts["new_follows"].astype("Float64")
        ranked["shared_with"] = pd.array([pd.NA] * len(ranked), dtype="Int64")
        return PostFollows(_ranked(ranked), "export", _(EXPORT_FOLLOWS_METHOD).format(sources=_follows_sources(cursor, account_id)))
    method_text = _(WINDOW_FOLLOWS_METHOD).format(hours=window_hours)
    flows = daily_follower_change(cursor, account_id, series)
    exact = flows[flows["exact"] & flows["gained"].notna()] if not flows.empty else flows
    if exact.empty:
        reason = _(
            "No per-post new follows and no daily follower gains to attribute: import the X content "
            "export (it has new follows per post), or daily new follows."
        )
        return PostFollows(_empty_post_follows(columns), "window", method_text, reason)
    gained = exact.set_index("day")["gained"]
    window_days = max(1, math.ceil(window_hours / 24))
    post_days = posts["posted_at"].dt.normalize()
    per_day_posts = post_days.value_counts()
    followers, shared = [], []
    for day in post_days:
        window = [day + pd.Timedelta(days=k) for k in range(window_days)]
        known = [gained[d] for d in window if d in gained.index]
        # A window none of whose days is known says nothing, rather than "zero followers".
        followers.append(float(sum(known)) if known else math.nan)
        others = sum(int(per_day_posts.get(d, 0)) for d in [day - pd.Timedelta(days=k) for k in range(-window_days + 1, window_days)])
        shared.append(others - 1)
    ranked = posts[columns].copy()
    ranked["followers"] = pd.array(followers, dtype="Float64")
    ranked["shared_with"] = pd.array(shared, dtype="Int64")
    return PostFollows(_ranked(ranked), "window", method_text)


def _follows_sources(cursor: duckdb.DuckDBPyConnection, account_id: int) -> str:
    formats = {part for (key,) in cursor.execute(FOLLOWS_SOURCES_SQL, {"account_id": account_id}).fetchall()
               for part in key.split("+")}
    named = [_(FOLLOWS_SOURCES[f]) for f in sorted(formats) if f in FOLLOWS_SOURCES]
    # An import of another format (none today): name what each known export calls the column.
    if named:
        return _(" and ").join(named)
    return _("the per-post export (the X content export's 'New follows', the legacy tweet activity's 'follows')")


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.sort_values(["followers", "posted_at"], ascending=[False, True], na_position="last").reset_index(drop=True)
    # Typed on its own line: np.where's and pd.array's overloads in one expression took mypy a second.
    ranks: np.ndarray[Any, np.dtype[np.object_]] = np.where(frame["followers"].isna(), pd.NA, np.arange(1, len(frame) + 1))
    frame["rank"] = pd.array(ranks, dtype="Int64")
    return frame


def _empty_post_follows(columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["followers"] = pd.Series(dtype="Float64")
    frame["shared_with"] = pd.Series(dtype="Int64")
    frame["rank"] = pd.Series(dtype="Int64")
    return frame


# ---------------------------------------------------------------------------------------------
# Weekday x hour engagement


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class EngagementHeatmap:
    """Engagement rate by weekday and hour of posting (only cells with posts)."""

    cells: pd.DataFrame  # weekday (0 = Monday), weekday_name, hour, posts, impressions, engagements, rate
    posts_used: int
    method: str
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reason is None


def engagement_heatmap(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    tz: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> EngagementHeatmap:
    """Engagement rate per weekday and hour; times are UTC unless `tz` names a time zone."""
    zone = tz or "UTC"
    method = _(HEATMAP_METHOD).format(zone=_("times in {zone}").format(zone=zone))
    columns = {"weekday": "int64", "weekday_name": "string", "hour": "int64", "posts": "int64",
               "impressions": "float64", "engagements": "float64", "rate": "float64"}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    posts = cursor.execute(TIMED_POSTS_SQL, {"account_id": account_id}).df()
    posts["posted_at"] = pd.to_datetime(posts["posted_at"])
    posts = clip_days(posts, start, end, column="posted_at")
    if posts.empty:
        reason = _(BEST_TIME_NEEDS) + " " + _(BEST_TIME_NEEDS_BOTH)
        return EngagementHeatmap(empty, 0, method, reason)
    usable = posts[posts["impressions"].notna() & (posts["impressions"] > 0) & posts["engagements"].notna()].copy()
    notes = []
    skipped = len(posts) - len(usable)
    if skipped:
        notes.append(ngettext("{count} timed post without impressions or engagements left out.",
                              "{count} timed posts without impressions or engagements left out.", skipped).format(count=skipped))
    if usable.empty:
        reason = _("Not enough data: no post with a known time has impressions and engagements.") + " " + _(BEST_TIME_NEEDS_BOTH)
        return EngagementHeatmap(empty, 0, method, reason, notes)
    moments = pd.to_datetime(usable["posted_at"])
    if tz:
        try:
            moments = moments.dt.tz_localize("UTC").dt.tz_convert(tz)
        except (KeyError, ValueError):  # an unknown zone name is the user's input, not a bug
            return EngagementHeatmap(empty, 0, method, _('Unknown time zone {tz}.').format(tz=repr(tz)), notes)
    usable["weekday"] = moments.dt.day_of_week.to_numpy()
    usable["hour"] = moments.dt.hour.to_numpy()
    usable["impressions"] = usable["impressions"].astype("float64")
    usable["engagements"] = usable["engagements"].astype("float64")
    cells = (
        usable.groupby(["weekday", "hour"])
        .agg(posts=("post_id", "count"), impressions=("impressions", "sum"), engagements=("engagements", "sum"))
        .reset_index()
    )
    # Ratio of sums: a post seen 10 times with 5 likes must not outweigh one seen 10,000 times.
    cells["rate"] = cells["engagements"] / cells["impressions"]
    cells["weekday_name"] = [WEEKDAYS[d] for d in cells["weekday"]]
    return EngagementHeatmap(cells[list(columns)].astype(columns), len(usable), method, None, notes)

