"""The account report: the figures of every page in one dict, for `report --json`.

One computation, two views: each figure is taken from the same function a page calls.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import duckdb
import pandas as pd

from analytics.metrics.activity import lag_correlation, quiet_vs_active
from analytics.metrics.audience import audience_report
from analytics.metrics.followers import follower_series
from analytics.metrics.headline import (
    METHODS,
    Headline,
    headline_record,
    period_headline,
)
from analytics.metrics.lists import cohort_retention, quick_unfollows
from analytics.metrics.losses import followers_by_follow_date, loss_breakdown
from analytics.metrics.plateaus import plateaus_of, purge_days_of


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _int(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(round(number))


def _day(value: Any) -> str | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def growth_section(headline: Headline) -> dict[str, Any]:
    """The period's headline figures (`analytics.metrics.headline`), as every page shows them."""
    return headline_record(headline)


def account_report(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    account_name: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """Growth (the headline figures of [start, end], all the data by default), plateaus, quiet
    periods, posting against follows, purges and churn."""
    series = follower_series(cursor, account_id)
    figures, _part = period_headline(cursor, account_id, start, end, series=series)
    purges = purge_days_of(series)
    found = plateaus_of(series)
    # The series read once for every figure: each read scans every follower spell twice.
    quiet = quiet_vs_active(cursor, account_id, series=series)
    lags = lag_correlation(cursor, account_id, series=series)
    # Only the count is reported: one row carries it, no need to read everyone's profile.
    quick = quick_unfollows(cursor, account_id, limit=1)
    cohorts = cohort_retention(cursor, account_id)
    return {
        "account": account_name,
        "growth": growth_section(figures),
        "methods": dict(METHODS),
        "plateaus": [{"start": _day(r.start), "end": _day(r.end)} for r in found.table.itertuples()],
        "quiet_periods": [
            {"start": _day(r.start), "end": _day(r.end), "days": int(r.days), "net_per_day": _rounded(_num(r.net_per_day), 2)}
            for r in quiet.periods.itertuples()
        ],
        "activity": {
            "net_per_day_active": _rounded(quiet.active_net_per_day, 2),
            "net_per_day_quiet": _rounded(quiet.quiet_net_per_day, 2),
            # A correlation computed on too little data is not reported as a finding.
            "best_lag_days": lags.best_lag if lags.reason is None else None,
            "lag_correlation": _rounded(lags.best_r, 3) if lags.reason is None else None,
        },
        "purge_days": [_day(day) for day in purges["day"]],
        "churn": {
            "unfollowed_within_7_days": quick.count if quick.reason is None else None,
            "cohort_retention_4w": _rounded(cohorts.cohort_retention_4w, 4),
        },
        "audience": audience_report(cursor, account_id),
        "losses": loss_breakdown(cursor, account_id).as_json(),
        "followers_by_follow_date": [
            {"date": _day(r.day), "followers": int(r.followers)}
            for r in followers_by_follow_date(cursor, account_id).itertuples()
        ],
    }
