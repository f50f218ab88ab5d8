"""Headline figures for a period, and the account summary behind `stats --json`."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import Any

import duckdb
import pandas as pd

from analytics.metrics import headline as headline_module
from analytics.metrics.followers import follower_series

DATA_RANGE_SQL = """
SELECT min(day), max(day) FROM (
    SELECT day FROM daily_values WHERE account_id = $account_id
    UNION ALL SELECT snapshot_date FROM snapshots WHERE account_id = $account_id
    UNION ALL SELECT CAST(posted_at AS DATE) FROM posts_raw WHERE account_id = $account_id
)
"""

DAILY_STATS_SQL = """
SELECT count(DISTINCT day) AS days, min(day) AS date_min, max(day) AS date_max,
       sum(value) FILTER (WHERE metric = 'new_follows') AS new_follows,
       sum(value) FILTER (WHERE metric = 'unfollows') AS unfollows,
       sum(value) FILTER (WHERE metric = 'impressions') AS impressions
FROM daily_latest WHERE account_id = $account_id
"""

POST_STATS_SQL = """
SELECT count(*) AS count, CAST(min(posted_at) AS DATE) AS date_min, CAST(max(posted_at) AS DATE) AS date_max,
       sum(impressions) AS impressions
FROM posts WHERE account_id = $account_id
"""

LATEST_LISTS_SQL = """
WITH latest AS (
    SELECT kind, max(snapshot_date) AS day FROM snapshots WHERE account_id = $account_id GROUP BY kind
),
current_members AS (
    SELECT s.kind, s.member_id FROM spells s JOIN latest l ON l.kind = s.kind
    WHERE s.account_id = $account_id AND s.first_seen <= l.day AND (s.last_seen IS NULL OR s.last_seen >= l.day)
)
SELECT
    (SELECT count(*) FROM current_members WHERE kind = 'follower') AS listed,
    (SELECT count(*) FROM current_members WHERE kind = 'following') AS following_listed,
    CASE WHEN (SELECT count(*) FROM latest) = 2 THEN (
        SELECT count(*) FROM current_members f JOIN current_members g
          ON f.member_id = g.member_id AND f.kind = 'follower' AND g.kind = 'following') END AS mutuals,
    (SELECT count(*) FROM snapshots WHERE account_id = $account_id AND kind = 'follower') AS snapshots,
    (SELECT count(*) FROM latest WHERE kind = 'follower') AS has_followers,
    (SELECT count(*) FROM latest WHERE kind = 'following') AS has_following
"""


# See `headline`: the old Overview page cannot show an unknown post count.
UNKNOWN_POSTS_AS_ZERO_FOR_THE_OLD_PAGE = True

# The headline figures are defined once, in analytics.metrics.headline; this name stays for callers.
Headline = headline_module.Headline


def data_range(cursor: duckdb.DuckDBPyConnection, account_id: int) -> tuple[dt.date | None, dt.date | None]:
    row = cursor.execute(DATA_RANGE_SQL, {"account_id": account_id}).fetchone()
    return (row[0], row[1]) if row else (None, None)


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return float(value)


def headline(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None,
    end: dt.date | None,
    series: pd.DataFrame | None = None,
) -> tuple[Headline, pd.DataFrame]:
    """The headline figures of a period and the daily follower series they come from
    (`analytics.metrics.headline.period_headline`). `series`: the account's WHOLE
    `follower_series`, when the caller already holds it (the day before the period is needed).

    Transitional: today's Overview page formats `posts` with `:,` and cannot show None, so unknown
    posts come back as 0 here until the page (being rewritten in parallel) shows None as "—";
    then it calls `period_headline` directly and this shim goes. Every other surface (report
    --json/--html, Activity, the daily table) already says None."""
    figures, part = headline_module.period_headline(cursor, account_id, start, end, series=series)
    if figures.posts is None and UNKNOWN_POSTS_AS_ZERO_FOR_THE_OLD_PAGE:
        figures = replace(figures, posts=0)
    return figures, part


def _iso(value: Any) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if hasattr(value, "date") else None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def account_stats(cursor: duckdb.DuckDBPyConnection, account_id: int, account_name: str) -> dict[str, Any]:
    """The summary printed by `python -m analytics stats --json` (null where unknown)."""
    daily = cursor.execute(DAILY_STATS_SQL, {"account_id": account_id}).fetchone()
    posts = cursor.execute(POST_STATS_SQL, {"account_id": account_id}).fetchone()
    lists = cursor.execute(LATEST_LISTS_SQL, {"account_id": account_id}).fetchone()
    assert daily is not None and posts is not None and lists is not None
    series = follower_series(cursor, account_id)
    known = series.dropna(subset=["followers"]) if not series.empty else series
    days = int(daily[0])
    return {
        "account": account_name,
        "daily": {
            "days": days,
            "date_min": _iso(daily[1]),
            "date_max": _iso(daily[2]),
            "new_follows": _int(daily[3]),
            "unfollows": _int(daily[4]),
            "impressions": _int(daily[5]),
        },
        "posts": {
            "count": int(posts[0]),
            "date_min": _iso(posts[1]),
            "date_max": _iso(posts[2]),
            "impressions": _int(posts[3]),
        },
        "followers": {
            "latest_count": _int(known["followers"].iloc[-1]) if not known.empty else None,
            "latest_count_date": _iso(known["day"].iloc[-1]) if not known.empty else None,
            "listed": int(lists[0]) if lists[4] else None,
            "following_listed": int(lists[1]) if lists[5] else None,
            "mutuals": _int(lists[2]),
            "snapshots": int(lists[3]),
        },
    }
