"""The headline figures of a period, defined once: every page, report and download calls these.

Figures of a period [start, end] (both days included):
- followers: the total at the end of the last day (or the last day of the period with a total);
- net: followers at the end of the last day minus followers at the end of the day before the
  first day; where no total is known, gained - lost (see `followers.day_change`: a sum of daily
  changes telescopes to exactly that difference);
- gained, lost: sums of the daily gains and losses (exports' new follows and unfollows, or
  follower lists' joiners and leavers);
- posts: posts listed by per-post exports, plus, on days none of them lists a post, the daily
  post counts of account exports (X overview "Create Post", legacy "Tweets published");
- impressions: daily impressions of account exports, else the sum over the listed posts.
Unknown is None (shown "—"), never 0.

Also the morning check: followers now, since yesterday, the last 7 and 28 days against the 7
and 28 before, a daily table (newest first) and the notable facts of a period.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pandas as pd

from analytics.i18n import N_
from analytics.metrics.followers import follower_series, in_range

# --- Method texts, shown beside each figure: marked for the catalog, shown through _() ----------

METHODS: dict[str, str] = {
    "followers": N_(
        "The follower total at the end of the period's last day: the latest stated total (an export's "
        "count, a follower list's size, a total you entered) plus the gains and losses since."
    ),
    "net": N_(
        "Followers at the end of the period's last day minus followers at the end of the day before its "
        "first day. Where no total is known, gained minus lost. Where the day before the data starts has "
        "no total and no gains or losses say what changed on the first day, from the first day's total."
    ),
    "gained": N_("New followers in the period, from the daily new follows of an export or the joiners between follower lists."),
    "lost": N_("Followers lost in the period, from the daily unfollows of an export or the leavers between follower lists."),
    "posts": N_(
        "Posts in the period: those listed by per-post exports (X content, legacy per-tweet, archive), and on "
        "days none lists a post, the daily counts of the X overview (Create Post) or the legacy daily "
        "export (Tweets published). — where no export says."
    ),
    "impressions": N_("Impressions in the period, from daily analytics or, without them, summed over the posts."),
    "change_vs_previous": N_("The same figure over the same number of days just before, and the difference."),
}

NO_FIGURE = "—"

# `daily_posts` of an account without any post count (pure callers that need no posts pass it).
NO_POSTS = pd.DataFrame({
    "day": pd.Series(dtype="datetime64[us]"), "posts": pd.Series(dtype="int64"),
    "impressions": pd.Series(dtype="float64"), "source": pd.Series(dtype="string"),
})

# Posts of per-post exports, per day, and the days each import's posts span: an export of posts
# covers every day from its first to its last post (days between them had none).
POSTS_BY_DAY_SQL = """
SELECT CAST(posted_at AS DATE) AS day, count(*) AS posts, sum(impressions) AS impressions
FROM posts WHERE account_id = $account_id AND posted_at IS NOT NULL
GROUP BY 1
"""

POST_IMPORT_SPANS_SQL = """
SELECT min(CAST(posted_at AS DATE)) AS first_day, max(CAST(posted_at AS DATE)) AS last_day
FROM posts_raw WHERE account_id = $account_id AND posted_at IS NOT NULL
GROUP BY import_id
"""

DAILY_POST_COUNTS_SQL = """
SELECT day,
       max(value) FILTER (WHERE metric = 'posts_created') AS created,
       max(value) FILTER (WHERE metric = 'posts_published') AS published
FROM daily_latest
WHERE account_id = $account_id AND metric IN ('posts_created', 'posts_published')
GROUP BY day
"""


@dataclass(frozen=True)
class Headline:
    followers: float | None  # total at the end of the period, if an anchor allows it
    followers_date: dt.date | None
    net_change: float | None
    gained: float | None
    lost: float | None
    posts: int | None  # None: no export says how many posts
    impressions: float | None
    absolute: bool  # the curve is anchored to real totals
    start: dt.date | None = None  # the days of data the figures cover
    end: dt.date | None = None
    followers_start: float | None = None  # at the end of the day before `start`

    @property
    def net(self) -> float | None:
        return self.net_change


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)
    return None if math.isnan(number) or math.isinf(number) else number


# --- Posts per day ----------------------------------------------------------------------------


def daily_posts(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """day, posts, impressions (of the listed posts), source ('posts' / 'daily'): one row per day
    some export counts the posts of. A day with posts listed by a per-post export takes them;
    a day without takes the account export's daily count (X "Create Post", legacy "Tweets
    published") where there is one, else 0 when it lies inside the span of a per-post import
    (the days between its first and last post had none), else it is unknown and left out.

    The store keeps no file-level period for per-post exports (a zip of several months is one
    import), so "a day no per-post export covers" is read as "a day with no post listed"."""
    listed = cursor.execute(POSTS_BY_DAY_SQL, {"account_id": account_id}).df()
    spans = cursor.execute(POST_IMPORT_SPANS_SQL, {"account_id": account_id}).df()
    daily = cursor.execute(DAILY_POST_COUNTS_SQL, {"account_id": account_id}).df()
    rows: dict[pd.Timestamp, tuple[int, float | None, str]] = {}
    for first, last in zip(spans["first_day"], spans["last_day"], strict=True):
        for day in pd.date_range(pd.Timestamp(first), pd.Timestamp(last), freq="D", unit="us"):
            rows[day] = (0, None, "posts")
    for day, created, published in zip(daily["day"], daily["created"], daily["published"], strict=True):
        count = _number(created) if _number(created) is not None else _number(published)
        if count is not None:
            rows[pd.Timestamp(day)] = (int(count), None, "daily")
    for day, count, impressions in zip(listed["day"], listed["posts"], listed["impressions"], strict=True):
        rows[pd.Timestamp(day)] = (int(count), _number(impressions), "posts")
    days = sorted(rows)
    return pd.DataFrame({
        "day": pd.Series(days, dtype="datetime64[us]"),
        "posts": pd.Series([rows[d][0] for d in days], dtype="int64"),
        "impressions": pd.Series([rows[d][1] for d in days], dtype="float64"),
        "source": pd.Series([rows[d][2] for d in days], dtype="string"),
    })


# --- The period figures -----------------------------------------------------------------------


def headline_of(
    series: pd.DataFrame, posts: pd.DataFrame, start: dt.date | None, end: dt.date | None
) -> tuple[Headline, pd.DataFrame]:
    """The figures of [start, end] from the account's WHOLE follower series and `daily_posts`,
    and the part of the series inside the period. Pure: every surface passes the same frames."""
    part = in_range(series, start, end)
    post_part = in_range(posts, start, end) if not posts.empty else posts
    post_count = int(post_part["posts"].sum()) if not post_part.empty else None
    if part.empty:
        listed = _number(post_part["impressions"].sum(min_count=1)) if not post_part.empty else None
        return Headline(None, None, None, None, None, post_count, listed, False, start, end), part
    known = part.dropna(subset=["followers"])
    absolute = bool(series["followers"].notna().any())
    followers = _number(known["followers"].iloc[-1]) if not known.empty else None
    followers_date = known["day"].iloc[-1].date() if not known.empty else None
    changes = part["day_change"] if "day_change" in part else part["net"]
    net = _number(changes.sum(min_count=1))
    # Interpolated totals (a count history with gaps) leave float noise in the sum: 4 decimals is
    # what every surface shows at most.
    net = None if net is None else round(net, 4)
    flows_known = bool(part["net"].notna().any())
    followers_end = _number(part["followers"].iloc[-1])
    followers_start = followers_end - net if followers_end is not None and net is not None else None
    daily_impressions = part["impressions"].dropna()
    impressions: float | None
    if not daily_impressions.empty:
        impressions = float(daily_impressions.sum())
    else:
        impressions = _number(post_part["impressions"].sum(min_count=1)) if not post_part.empty else None
    figures = Headline(
        followers=followers,
        followers_date=followers_date,
        net_change=net,
        gained=_number(part["gained"].sum(min_count=1)) if flows_known else None,
        lost=_number(part["lost"].sum(min_count=1)) if flows_known else None,
        posts=post_count,
        impressions=impressions,
        absolute=absolute,
        start=part["day"].iloc[0].date(),
        end=part["day"].iloc[-1].date(),
        followers_start=followers_start,
    )
    return figures, part


def period_headline(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None,
    end: dt.date | None,
    series: pd.DataFrame | None = None,
    posts: pd.DataFrame | None = None,
) -> tuple[Headline, pd.DataFrame]:
    """`headline_of` read from the store (`series`, `posts`: the whole frames, when held already)."""
    series = follower_series(cursor, account_id) if series is None else series
    posts = daily_posts(cursor, account_id) if posts is None else posts
    return headline_of(series, posts, start, end)


def headline_record(figures: Headline) -> dict[str, Any]:
    """The figures as JSON-safe values (ints where whole, None where unknown)."""

    def whole(value: float | None) -> int | float | None:
        if value is None:
            return None
        return round(value) if float(value).is_integer() else round(value, 4)

    return {
        "date_min": figures.start.isoformat() if figures.start else None,
        "date_max": figures.end.isoformat() if figures.end else None,
        "followers_start": whole(figures.followers_start),
        "followers_end": whole(figures.followers),
        "followers_date": figures.followers_date.isoformat() if figures.followers_date else None,
        "gained": whole(figures.gained),
        "lost": whole(figures.lost),
        "net": whole(figures.net_change),
        "posts": figures.posts,
        "impressions": whole(figures.impressions),
    }


# --- The morning check ------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    current: Headline
    previous: Headline | None  # None: the data does not reach back that far

    def change(self, figure: Literal["net", "gained", "lost", "posts", "impressions"]) -> float | None:
        """The figure now minus the same figure over the previous period."""
        if self.previous is None:
            return None
        name = "net_change" if figure == "net" else figure
        now, before = getattr(self.current, name), getattr(self.previous, name)
        return None if now is None or before is None else float(now) - float(before)


def _covers(series: pd.DataFrame, posts: pd.DataFrame, start: dt.date, end: dt.date) -> bool:
    days = [frame["day"] for frame in (series, posts) if not frame.empty]
    if not days:
        return False
    first: dt.date = min(d.min() for d in days).date()
    last: dt.date = max(d.max() for d in days).date()
    return first <= start and end <= last


def against_previous(series: pd.DataFrame, posts: pd.DataFrame, start: dt.date, end: dt.date) -> Comparison:
    """[start, end] against the same number of days just before it."""
    length = (end - start).days + 1
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end - dt.timedelta(days=length - 1)
    current, _ = headline_of(series, posts, start, end)
    previous = headline_of(series, posts, prev_start, prev_end)[0] if _covers(series, posts, prev_start, prev_end) else None
    return Comparison(current, previous)


@dataclass(frozen=True)
class MorningCheck:
    as_of: dt.date | None  # the last day with data
    followers: float | None
    followers_date: dt.date | None
    yesterday: Headline | None  # the last day of data (the figures "since yesterday")
    last_7: Comparison | None
    last_28: Comparison | None


def _last_day(series: pd.DataFrame, posts: pd.DataFrame) -> dt.date | None:
    days = [frame["day"].max() for frame in (series, posts) if not frame.empty]
    return max(days).date() if days else None


def morning_check_of(series: pd.DataFrame, posts: pd.DataFrame) -> MorningCheck:
    """Followers now; the last day's gains, losses and net; the last 7 and 28 days against the 7
    and 28 before. "Now" is the last day with data, not the calendar's today: exports lag."""
    last = _last_day(series, posts)
    if last is None:
        return MorningCheck(None, None, None, None, None, None)
    now, _ = headline_of(series, posts, None, last)
    yesterday, _ = headline_of(series, posts, last, last)
    week = against_previous(series, posts, last - dt.timedelta(days=6), last)
    month = against_previous(series, posts, last - dt.timedelta(days=27), last)
    return MorningCheck(last, now.followers, now.followers_date, yesterday, week, month)


def morning_check(cursor: duckdb.DuckDBPyConnection, account_id: int) -> MorningCheck:
    return morning_check_of(follower_series(cursor, account_id), daily_posts(cursor, account_id))


DAILY_TABLE_COLUMNS = ("date", "followers", "change", "gained", "lost", "posts")


def daily_table_of(
    series: pd.DataFrame, posts: pd.DataFrame, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """date, followers, change (±), gained, lost, posts: one row per day, newest first.

    Totals only: the day-to-day difference is the change, gained and lost are unknown (NaN).
    Lists: gains and losses from the lists, on the day of the later list. Posts: NaN where no
    export counts them. Every value here adds up to the period's headline figures."""
    part = in_range(series, start, end)
    if part.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[us]" if c == "date" else "float64")
                             for c in DAILY_TABLE_COLUMNS})
    change = part["day_change"] if "day_change" in part else part["net"]
    frame = pd.DataFrame({
        "date": part["day"].to_numpy(),
        "followers": part["followers"].to_numpy(dtype="float64"),
        "change": change.to_numpy(dtype="float64"),
        "gained": part["gained"].to_numpy(dtype="float64"),
        "lost": part["lost"].to_numpy(dtype="float64"),
    })
    by_day = posts.set_index("day")["posts"].astype("float64") if not posts.empty else pd.Series(dtype="float64")
    frame["posts"] = by_day.reindex(pd.DatetimeIndex(frame["date"])).to_numpy(dtype="float64")
    return frame.iloc[::-1].reset_index(drop=True)


def daily_table(
    cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    return daily_table_of(follower_series(cursor, account_id), daily_posts(cursor, account_id), start, end)
