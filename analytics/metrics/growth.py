"""Growth: the follower curve by day, week or month, growth rates, comparisons, milestones.

Everything here works on the daily series of `analytics.metrics.followers.follower_series`.
Functions named `*_of` take that frame (already cut to a range with `in_range` if wanted) and are
pure; the others take a cursor and an account id and read the series first.

Daily net change ("effective net", `followers.day_change`): the change of the follower curve
where it is known (linearly interpolated across days without a total, so a week-long gap spreads
its change over the week instead of one spike), else the day's net where a source states it
(export flows or follower lists). Sums over days then always equal the headline net of
`analytics.metrics.headline`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, use_language
from analytics.metrics.followers import day_change, follower_series, in_range
from analytics.metrics.headline import NO_POSTS, headline_of

Granularity = Literal["day", "week", "month"]
GRANULARITIES: tuple[Granularity, ...] = ("day", "week", "month")

# Fewer known days than this and a trend or rate says nothing worth showing.
MIN_DAYS = 7

PROJECTION_WINDOW_DAYS = 90
# Past this horizon a straight-line projection is fiction, whatever the arithmetic says.
PROJECTION_MAX_DAYS = 3 * 365
BAND_Z = 1.96

PROJECTION_METHOD_TEXT = N_("""\
Projection: a straight line fitted by least squares to the follower curve of the last \
{window} days (fewer if the history is shorter, at least {min_days}); its slope is \
the trend in followers per day. The band is a 95% range for the total h days ahead, built from \
the spread of the daily net changes in the same window (standard deviation s over n days): \
trend x h +/- {band_z} x s x sqrt(h + h^2/n). The first term is the day-to-day noise adding up, \
the second the uncertainty of the trend itself. The milestone is the next round number above \
today's total (a multiple of half the current power of ten: 100, 150, ..., 1,000, 1,500, \
2,000, ..., 10,000, 15,000, ...). Its date is where the line reaches it; the date range is where \
the top and the bottom of the band reach it. When the trend is flat or negative the milestone is \
"not reached at the current trend"; when the band's bottom never reaches it, the range is open \
ended. Nothing is projected beyond {max_years} years. Without any stated \
total, the same is done on the change since the first day.\
""")


def projection_method() -> str:
    """The projection method in the current language, its figures in its number format."""
    return _(PROJECTION_METHOD_TEXT).format(
        window=PROJECTION_WINDOW_DAYS, min_days=MIN_DAYS, band_z=format_number(BAND_Z, 2),
        max_years=PROJECTION_MAX_DAYS // 365,
    )


# In English, as the docs and the report quote it; the page shows projection_method().
with use_language("en"):
    PROJECTION_METHOD = projection_method()

RATE_METHOD = N_("""\
Growth rate of a period: its net change divided by the follower total on the day before the \
period starts, where totals are known; where only changes are known (no stated total), the net \
change per day instead.\
""")



def STARTS_AFTER() -> str:  # noqa: N802 - read as the sentence it returns
    """Why a comparison period is missing: "The data starts on {first}, after {start}."."""
    return _("The data starts on {first}, after {start}.")


PERIOD_COLUMNS = (
    "period", "period_end", "days", "complete", "gained", "lost", "net",
    "followers_start", "followers", "change", "impressions",
)


def effective_net(series: pd.DataFrame) -> pd.Series:
    """Each day's change (`followers.day_change`): the difference of the follower curve where it is
    known, else the stated net. Taken from the series' `day_change` column when it has one, so a
    period cut out of the whole series keeps its first day's change."""
    if series.empty:
        return pd.Series(dtype="float64")
    if "day_change" in series:
        return series["day_change"].astype("float64")
    return day_change(series["followers"], series["net"]).set_axis(series.index)


def period_start(days: pd.Series, granularity: Granularity) -> pd.Series:
    """The first day of each day's period (ISO weeks start on Monday)."""
    if granularity == "day":
        return days.dt.normalize()
    if granularity == "week":
        # ISO weeks: Monday to Sunday.
        return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()
    if granularity == "month":
        return days.dt.to_period("M").dt.start_time.astype(days.dtype)
    raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}, not {granularity!r}")


def _period_length(start: pd.Timestamp, granularity: Granularity) -> int:
    if granularity == "day":
        return 1
    if granularity == "week":
        return 7
    return int(start.days_in_month)


def _empty_periods() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in PERIOD_COLUMNS})
    return frame.astype({"period": "datetime64[us]", "period_end": "datetime64[us]", "days": "int64", "complete": "bool"})


def resample_of(series: pd.DataFrame, granularity: Granularity = "day") -> pd.DataFrame:
    """One row per day, ISO week or calendar month.

    gained / lost / net / impressions are sums (NaN where no day of the period knows them);
    followers and change are the last known values of the period; followers_start is the total on
    the day before the period (NaN where unknown); `complete` says the data covers the whole period,
    so a half week at either end is not compared with full ones.
    """
    if series.empty:
        return _empty_periods()
    frame = series.copy()
    frame["net"] = effective_net(series)
    frame["period"] = period_start(frame["day"], granularity)
    groups = frame.groupby("period", sort=True)
    out = pd.DataFrame({
        "period_end": groups["day"].max(),
        "days": groups["day"].count().astype("int64"),
        "gained": groups["gained"].sum(min_count=1),
        "lost": groups["lost"].sum(min_count=1),
        "net": groups["net"].sum(min_count=1),
        "followers": groups["followers"].last(),
        "change": groups["change"].last(),
        "impressions": groups["impressions"].sum(min_count=1),
    })
    out.index.name = "period"
    out = out.reset_index()
    out["complete"] = [
        days == _period_length(start, granularity) for start, days in zip(out["period"], out["days"], strict=True)
    ]
    out["followers_start"] = _followers_before(frame, groups)
    return out[list(PERIOD_COLUMNS)]


def _followers_before(frame: pd.DataFrame, groups: pd.api.typing.DataFrameGroupBy) -> np.ndarray:
    """Total on the day before each period: the first day's total less that day's change."""
    first_followers = groups["followers"].first().to_numpy(dtype="float64")
    first_rows = groups.head(1)
    first_net = first_rows["net"].fillna(0).to_numpy(dtype="float64")
    first_known = first_rows["followers"].notna().to_numpy()
    # `first()` skips NaN; only trust it when the period's first day itself has a total.
    return np.where(first_known, first_followers - first_net, np.nan)


def growth_rates_of(periods: pd.DataFrame) -> pd.DataFrame:
    """Adds net_per_day, rate (net / followers_start, NaN where no total) and rate_kind."""
    out = periods.copy()
    out["net_per_day"] = out["net"] / out["days"].where(out["days"] > 0)
    start = out["followers_start"].where(out["followers_start"] > 0)
    out["rate"] = out["net"] / start
    out["rate_kind"] = pd.Series(np.where(out["rate"].notna(), "relative", "per_day"), index=out.index, dtype="string")
    return out


def growth_by_period(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    granularity: Granularity = "day",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Periods with sums, totals and growth rates (see `resample_of`, `growth_rates_of`)."""
    series = in_range(follower_series(cursor, account_id), start, end)
    return growth_rates_of(resample_of(series, granularity))


def follower_curves(
    cursor: duckdb.DuckDBPyConnection,
    accounts: Mapping[str, int],
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Several accounts' curves side by side: account, day, followers, change, value, absolute.

    `value` is the total where the account has one, else the change since its first day; the
    `absolute` column says which, so a chart never puts a change on a total's axis unlabelled.
    """
    frames = [curve_of(in_range(follower_series(cursor, account_id), start, end), name) for name, account_id in accounts.items()]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({
            "account": pd.Series(dtype="string"), "day": pd.Series(dtype="datetime64[us]"),
            "followers": pd.Series(dtype="float64"), "change": pd.Series(dtype="float64"),
            "value": pd.Series(dtype="float64"), "absolute": pd.Series(dtype="bool"),
        })
    return pd.concat(frames, ignore_index=True)


def curve_of(series: pd.DataFrame, account: str = "") -> pd.DataFrame:
    absolute = bool(series["followers"].notna().any()) if not series.empty else False
    out = pd.DataFrame({
        "account": pd.Series([account] * len(series), dtype="string"),
        "day": series["day"].to_numpy(),
        "followers": series["followers"].to_numpy(dtype="float64"),
        "change": series["change"].to_numpy(dtype="float64"),
    })
    out["value"] = out["followers"] if absolute else out["change"]
    out["absolute"] = absolute
    return out


def best_and_worst_of(rated: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The n periods with the largest and the smallest net change (`which`: 'best' / 'worst').

    Only complete periods compete (a three-day week at the edge would always look worst), unless
    none is complete. Ranked by net change: periods of one granularity have the same length, and
    the net is what the user feels; the rate is kept alongside.
    """
    known = rated[rated["net"].notna()]
    if "complete" in known and known["complete"].any():
        known = known[known["complete"]]
    if known.empty:
        return known.assign(which=pd.Series(dtype="string"))
    best = known.nlargest(n, "net").assign(which="best")
    worst = known.nsmallest(n, "net").assign(which="worst")
    # On a short or even history a period can rank in both; it is shown once, as a best.
    worst = worst[~worst["period"].isin(best["period"])]
    out = pd.concat([best, worst], ignore_index=True)
    out["which"] = out["which"].astype("string")
    return out


# --- Comparing a period with the one before and with the same period a year earlier ---------


@dataclass(frozen=True)
class PeriodFigures:
    start: dt.date
    end: dt.date
    days: int
    gained: float | None
    lost: float | None
    net: float | None
    followers_start: float | None  # the day before `start`
    followers_end: float | None
    rate: float | None  # net / followers_start
    net_per_day: float | None
    followers_date: dt.date | None = None  # the day of `followers_end`: the period's last day with a total


@dataclass(frozen=True)
class PeriodComparison:
    current: PeriodFigures | None
    previous: PeriodFigures | None  # the same number of days just before
    last_year: PeriodFigures | None  # the same dates a year earlier
    reason: str | None = None  # why `current` is missing
    previous_reason: str | None = None
    last_year_reason: str | None = None

    @property
    def net_vs_previous(self) -> float | None:
        return _difference(self.current, self.previous)

    @property
    def net_vs_last_year(self) -> float | None:
        return _difference(self.current, self.last_year)


def _difference(a: PeriodFigures | None, b: PeriodFigures | None) -> float | None:
    if a is None or b is None or a.net is None or b.net is None:
        return None
    return a.net - b.net


def _number(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def period_figures_of(series: pd.DataFrame, start: dt.date, end: dt.date) -> PeriodFigures | None:
    """Figures of [start, end] (inclusive), or None when the data does not cover both ends.
    `series` is the account's whole series: the followers, net, gained and lost are the period's
    headline figures (`analytics.metrics.headline.headline_of`), the same as on every page."""
    if series.empty:
        return None
    first, last = series["day"].iloc[0].date(), series["day"].iloc[-1].date()
    if start < first or end > last:
        return None
    figures, _part = headline_of(series, NO_POSTS, start, end)
    net = figures.net_change
    followers_start = figures.followers_start
    days = (end - start).days + 1
    return PeriodFigures(
        start=start,
        end=end,
        days=days,
        gained=figures.gained,
        lost=figures.lost,
        net=net,
        followers_start=followers_start,
        followers_end=figures.followers,
        followers_date=figures.followers_date,
        rate=net / followers_start if net is not None and followers_start else None,
        net_per_day=net / days if net is not None else None,
    )


def _year_before(day: dt.date) -> dt.date:
    # 29 February a year earlier is 28 February.
    return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()


def compare_periods_of(series: pd.DataFrame, start: dt.date, end: dt.date) -> PeriodComparison:
    """[start, end] against the same number of days just before, and the same dates a year earlier."""
    if end < start:
        return PeriodComparison(None, None, None, reason=_("The period ends before it starts."))
    current = period_figures_of(series, start, end)
    if current is None:
        return PeriodComparison(None, None, None, reason=_("The data does not cover this period."))
    length = (end - start).days + 1
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end - dt.timedelta(days=length - 1)
    previous = period_figures_of(series, prev_start, prev_end)
    ly_start, ly_end = _year_before(start), _year_before(end)
    last_year = period_figures_of(series, ly_start, ly_end)
    first = series["day"].iloc[0].date()
    return PeriodComparison(
        current=current,
        previous=previous,
        last_year=last_year,
        previous_reason=None if previous else STARTS_AFTER().format(first=first.isoformat(), start=prev_start.isoformat()),
        last_year_reason=None if last_year else STARTS_AFTER().format(first=first.isoformat(), start=ly_start.isoformat()),
    )


def compare_periods(cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date, end: dt.date) -> PeriodComparison:
    return compare_periods_of(follower_series(cursor, account_id), start, end)


# --- Milestones and projection -----------------------------------------------------------------


def next_milestone(value: float) -> int:
    """The next round number strictly above `value`: a multiple of half its power of ten, 100 at least."""
    if value < 100:
        return 100
    step = 10 ** int(math.floor(math.log10(value))) // 2
    return int((math.floor(value / step) + 1) * step)


@dataclass(frozen=True)
class Projection:
    enough_data: bool
    reason: str | None
    method: str = PROJECTION_METHOD
    absolute: bool = False  # the level is a follower total; else a change since the first day
    as_of: dt.date | None = None
    level: float | None = None  # total (or change) on `as_of`
    window_days: int = 0
    trend_per_day: float | None = None
    noise_sd: float | None = None  # standard deviation of the daily net in the window
    milestone: int | None = None
    reached_on: dt.date | None = None  # None: not reached at the current trend (see reason)
    reached_earliest: dt.date | None = None
    reached_latest: dt.date | None = None  # None with reached_on set: the band's bottom never gets there
    path: pd.DataFrame | None = None  # day, expected, low, high (from as_of on)
    since: dt.date | None = None  # without a stated total: the first day the change counts from

    @property
    def milestone_label(self) -> str | None:
        """The milestone as what it is: a follower count, or a change since the first day (with no
        stated total it is never shown as if it were a count)."""
        if self.milestone is None:
            return None
        if self.absolute:
            return f"{self.milestone:,} followers"
        since = f" since {self.since:%-d %b %Y}" if self.since else " since the first day"
        return f"+{self.milestone:,}{since}"


def projection_of(
    series: pd.DataFrame,
    window_days: int = PROJECTION_WINDOW_DAYS,
    milestone: int | None = None,
    horizon_days: int | None = None,
) -> Projection:
    """Where the trend of the last `window_days` leads, and when it passes the next milestone.

    See PROJECTION_METHOD. `milestone` overrides the next round number; `horizon_days` is how far
    the drawn path goes (by default to the milestone's latest date, within the maximum).
    """
    if series.empty:
        return Projection(False, _("No follower data for this account."))
    absolute = bool(series["followers"].notna().any())
    level_col = "followers" if absolute else "change"
    levels = series[level_col].astype("float64")
    if absolute:
        levels = levels.interpolate(method="linear", limit_area="inside")
    frame = pd.DataFrame({"day": series["day"], "level": levels, "net": effective_net(series)})
    frame = frame[frame["level"].notna()]
    if frame.empty:
        return Projection(False, _("No follower data for this account."))
    last_day = frame["day"].iloc[-1]
    window = frame[frame["day"] > last_day - pd.Timedelta(days=window_days)]
    if len(window) < MIN_DAYS:
        return Projection(False, _('Not enough data: {window} days with a known total, {MIN_DAYS} needed.').format(
                              window=len(window), MIN_DAYS=MIN_DAYS),
                          absolute=absolute)
    x = ((window["day"] - last_day) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    y = window["level"].to_numpy(dtype="float64")
    if float(np.ptp(y)) == 0.0:
        return Projection(False, _('Flat: the total did not change in the last {window} days, so no milestone is reached '
                                   'at the current trend.').format(window=len(window)),
                          absolute=absolute, as_of=last_day.date(),
                          level=float(y[-1]), window_days=len(window), trend_per_day=0.0, noise_sd=0.0)
    slope, _intercept = np.polyfit(x, y, 1)
    nets = window["net"].iloc[1:].dropna().to_numpy(dtype="float64")
    noise = float(np.std(nets, ddof=1)) if len(nets) >= 2 else 0.0
    n = float(len(window))
    level = float(y[-1])
    target = milestone if milestone is not None else next_milestone(level if absolute else max(level, 0.0))
    as_of = last_day.date()
    base = dict(absolute=absolute, as_of=as_of, level=level, window_days=len(window),
                trend_per_day=float(slope), noise_sd=noise, milestone=target,
                since=None if absolute else series["day"].iloc[0].date())

    def band(h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        expected = level + slope * h
        spread = BAND_Z * noise * np.sqrt(h + h * h / n)
        return expected, expected - spread, expected + spread

    horizon = np.arange(0, PROJECTION_MAX_DAYS + 1, dtype="float64")
    expected, low, high = band(horizon)

    def first_reach(values: np.ndarray) -> dt.date | None:
        hits = np.nonzero(values >= target)[0]
        return (last_day + pd.Timedelta(days=int(hits[0]))).date() if len(hits) else None

    reached_on = first_reach(expected) if slope > 0 else None
    earliest = first_reach(high)
    latest = first_reach(low) if reached_on is not None else None
    if reached_on is None:
        reason = (_("Not reached at the current trend (flat or falling).") if slope <= 0
                  else _("Not reached within {years} years at the current trend.").format(years=PROJECTION_MAX_DAYS // 365))
    else:
        reason = None
    last_h = horizon_days
    if last_h is None:
        ends = [d for d in (latest, reached_on) if d is not None]
        last_h = (max(ends) - as_of).days if ends else min(window_days, PROJECTION_MAX_DAYS)
        last_h = max(last_h, 30)
    last_h = int(min(last_h, PROJECTION_MAX_DAYS))
    path = pd.DataFrame({
        "day": pd.date_range(last_day, periods=last_h + 1, freq="D", unit="us"),
        "expected": expected[: last_h + 1],
        "low": low[: last_h + 1],
        "high": high[: last_h + 1],
    })
    return Projection(True, reason, reached_on=reached_on, reached_earliest=earliest,
                      reached_latest=latest, path=path, **base)


def projection(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    end: dt.date | None = None,
    window_days: int = PROJECTION_WINDOW_DAYS,
    milestone: int | None = None,
) -> Projection:
    """The projection as of `end` (the last day of data by default)."""
    return projection_of(in_range(follower_series(cursor, account_id), None, end), window_days, milestone)


def milestones_passed_of(series: pd.DataFrame, steps: Iterable[int] | None = None) -> pd.DataFrame:
    """The days the total first reached each round number within the series: milestone, day."""
    known = series.dropna(subset=["followers"])
    if known.empty:
        return pd.DataFrame({"milestone": pd.Series(dtype="int64"), "day": pd.Series(dtype="datetime64[us]")})
    low, high = float(known["followers"].iloc[0]), float(known["followers"].max())
    if steps is None:
        marks: list[int] = []
        mark = next_milestone(low)
        while mark <= high:
            marks.append(mark)
            mark = next_milestone(mark)
    else:
        marks = sorted(m for m in steps if low < m <= high)
    rows = []
    for mark in marks:
        hit = known[known["followers"] >= mark]
        rows.append({"milestone": mark, "day": hit["day"].iloc[0]})
    return pd.DataFrame(rows).astype({"milestone": "int64", "day": "datetime64[us]"}) if rows else pd.DataFrame(
        {"milestone": pd.Series(dtype="int64"), "day": pd.Series(dtype="datetime64[us]")})
