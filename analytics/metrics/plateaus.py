"""Plateaus ("paliers"), the step effect, purge days and churn rates.

Pure functions on the daily series of `analytics.metrics.followers.follower_series` (the `*_of`
functions) and thin wrappers that read it from the store. Each method is published as a constant
the pages show next to the figure. Not enough data is an answer (`enough_data=False` and a
`reason`), never an exception.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, format_percent, use_language
from analytics.metrics.followers import follower_series, in_range
from analytics.metrics.growth import (
    Granularity,
    effective_net,
    period_start,
    resample_of,
)

# --- Purge days ---------------------------------------------------------------------------------

PURGE_MULTIPLE = 5.0
PURGE_MIN_LOSSES = 20
PURGE_WINDOW_DAYS = 28
# A median of fewer days than this is not "the usual".
PURGE_MIN_HISTORY = 7

PURGE_METHOD_TEXT = N_("""\
Purge days: a day whose losses are more than {multiple} times the median of the losses of \
the previous {window} days (at least {history} of them known) and at least \
{min_losses}. Such days are most likely platform purges (spam or bot sweeps) or mass \
deactivations rather than people choosing to unfollow, so they are kept apart from ordinary \
churn: the churn rate "excluding purges" counts a purge day with its usual losses (the median) \
only. Where daily losses are not known but the total is, a fall in the total counts as losses \
(a lower bound).\
""")


def purge_method() -> str:
    """The purge-day method in the current language, its thresholds in its number format."""
    return _(PURGE_METHOD_TEXT).format(
        multiple=format_number(PURGE_MULTIPLE), window=PURGE_WINDOW_DAYS, history=PURGE_MIN_HISTORY,
        min_losses=PURGE_MIN_LOSSES,
    )

# --- Plateaus -----------------------------------------------------------------------------------

PLATEAU_MIN_DAYS = 14
PLATEAU_MAX_RATIO = 0.2
PLATEAU_ABS_FLOOR = 2.0  # followers per day
PLATEAU_ABS_SHARE = 0.001  # of the follower total, per day
SEGMENT_MIN_DAYS = 7
SEGMENT_PENALTY_FACTOR = 3.0
GROWTH_MIN_T = 3.0

PLATEAU_METHOD_TEXT = N_("""\
Plateaus: the daily net change is cut into segments of steady mean by PELT (Killick, Fearnhead \
and Eckley, 2012, as implemented by the ruptures library: the exact segmentation minimising the squared error plus a penalty of \
{penalty} x sigma^2 x ln(n) per cut, where sigma is the day-to-day noise estimated \
robustly from the median absolute difference between consecutive days and n the number of days; \
segments of at least {segment_days} days). Purge days count with their usual losses only, so a \
one-day purge is not read as a stall. A segment grows clearly when its mean daily net is above \
zero by at least {growth_t} standard errors (sigma / sqrt(days)). A segment whose mean daily \
net is, in absolute value, below {max_ratio} of a clearly growing neighbour's is low, \
and consecutive low segments are joined (so a wobble inside a plateau does not cut it in two). \
Such a run is a plateau when: it lasts at least {min_days} days; the segments on both \
sides of it grow clearly; its mean daily net, in absolute value, is below \
{max_ratio} of the mean daily net of those surrounding segments and below \
max({abs_floor}, {abs_share} of the follower total) per day (the second test \
is skipped when no total is known). A plateau at either end of the data needs growth on its one \
side only; one that runs to the last day is marked ongoing. Steady growth, however noisy day to \
day, has no such segment and so no plateau.\
""")


def plateau_method() -> str:
    """The plateau method in the current language, its thresholds in its number format."""
    return _(PLATEAU_METHOD_TEXT).format(
        penalty=format_number(SEGMENT_PENALTY_FACTOR), segment_days=SEGMENT_MIN_DAYS, growth_t=format_number(GROWTH_MIN_T),
        max_ratio=format_percent(PLATEAU_MAX_RATIO, 0), min_days=PLATEAU_MIN_DAYS, abs_floor=format_number(PLATEAU_ABS_FLOOR),
        abs_share=format_percent(PLATEAU_ABS_SHARE, 1),
    )

PLATEAU_COLUMNS = ("start", "end", "days", "mean_net_per_day", "net", "before_rate", "after_rate", "ongoing")

# --- Step effect and churn ---------------------------------------------------------------------

STEP_MIN_PAIRS = 14

STEP_METHOD_TEXT = N_("""\
Step effect: among pairs of consecutive days whose net changes are both known, how often a day \
of gains (net above zero) is followed by a day of losses (net below zero), against the share of \
loss days among all the following days, which is what independent days would give. A ratio \
above 1 means gains tend to be taken back the next day. z is the difference in binomial standard \
errors (|z| above 2: unlikely to be chance). Volatility: the standard deviation of the daily net \
change and of its day-to-day difference. At least {min_pairs} pairs are needed.\
""")


def step_method() -> str:
    """The step-effect method in the current language."""
    return _(STEP_METHOD_TEXT).format(min_pairs=STEP_MIN_PAIRS)

CHURN_METHOD = N_("""\
Churn rate of a period: the followers lost during it divided by the follower total on the day \
before it starts, where totals are known; else followers lost per day. Given twice: with purge \
days as they are, and with each purge day counted at its usual losses (see purge days).\
""")

# The methods in English, as the report's JSON and the docs quote them; pages show *_method().
with use_language("en"):
    PURGE_METHOD = purge_method()
    PLATEAU_METHOD = plateau_method()
    STEP_METHOD = step_method()


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


# --- Purge days ---------------------------------------------------------------------------------

PURGE_FRAME_COLUMNS = {
    "day": "datetime64[us]", "lost": "float64", "baseline": "float64", "ratio": "float64",
    "excess": "float64", "from_net": "bool",
}


def daily_losses(series: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Losses per day, and whether each came from a fall in the total (no stated losses)."""
    lost = series["lost"].astype("float64")
    falls = (-effective_net(series)).clip(lower=0)
    from_net = lost.isna() & falls.notna()
    return lost.where(lost.notna(), falls), from_net


def purge_baseline(losses: pd.Series, window: int = PURGE_WINDOW_DAYS) -> pd.Series:
    """Median losses of the `window` days before each day (NaN until enough are known)."""
    return losses.shift(1).rolling(window, min_periods=min(PURGE_MIN_HISTORY, window)).median()


def purge_days_of(
    series: pd.DataFrame,
    multiple: float = PURGE_MULTIPLE,
    min_losses: float = PURGE_MIN_LOSSES,
    window: int = PURGE_WINDOW_DAYS,
) -> pd.DataFrame:
    """The days flagged as likely purges: day, lost, baseline (median), ratio, excess, from_net."""
    if series.empty:
        return _empty(PURGE_FRAME_COLUMNS)
    losses, from_net = daily_losses(series)
    baseline = purge_baseline(losses, window)
    flagged = (losses > multiple * baseline) & (losses >= min_losses) & baseline.notna()
    if not flagged.any():
        return _empty(PURGE_FRAME_COLUMNS)
    out = pd.DataFrame({
        "day": series["day"][flagged].to_numpy(),
        "lost": losses[flagged].to_numpy(),
        "baseline": baseline[flagged].to_numpy(),
        "from_net": from_net[flagged].to_numpy(dtype="bool"),
    })
    out["ratio"] = out["lost"] / out["baseline"].where(out["baseline"] > 0)
    out["excess"] = out["lost"] - out["baseline"]
    return out[list(PURGE_FRAME_COLUMNS)].astype(PURGE_FRAME_COLUMNS)


def _purge_excess(series: pd.DataFrame, purges: pd.DataFrame) -> pd.Series:
    """Per day of `series`: losses above the usual on purge days, 0 elsewhere."""
    excess = pd.Series(0.0, index=series.index)
    if not purges.empty:
        by_day = purges.set_index("day")["excess"]
        excess = series["day"].map(by_day).fillna(0.0).astype("float64").set_axis(series.index)
    return excess


def purge_days(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    multiple: float = PURGE_MULTIPLE,
    min_losses: float = PURGE_MIN_LOSSES,
) -> pd.DataFrame:
    # The baseline of the first days of the range comes from the days before it.
    flagged = purge_days_of(follower_series(cursor, account_id), multiple, min_losses)
    return in_range(flagged, start, end)


# --- Plateaus -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Plateaus:
    enough_data: bool
    reason: str | None
    table: pd.DataFrame  # PLATEAU_COLUMNS, one row per plateau
    segments: pd.DataFrame = field(default_factory=lambda: _empty({
        "start": "datetime64[us]", "end": "datetime64[us]", "days": "int64", "mean_net_per_day": "float64"}))
    noise_sd: float | None = None
    method: str = PLATEAU_METHOD


def _empty_plateaus() -> pd.DataFrame:
    return _empty({
        "start": "datetime64[us]", "end": "datetime64[us]", "days": "int64", "mean_net_per_day": "float64",
        "net": "float64", "before_rate": "float64", "after_rate": "float64", "ongoing": "bool",
    })


def robust_noise(values: np.ndarray) -> float:
    """Day-to-day noise, insensitive to the level shifts being looked for (MAD of differences)."""
    if len(values) < 3:
        return 0.0
    diffs = np.diff(values)
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    sigma = 1.4826 * mad / math.sqrt(2)
    if sigma == 0.0:
        # Counts that are mostly equal (e.g. 0 or 1 a day) give a zero MAD while still noisy.
        sigma = float(np.std(diffs)) / math.sqrt(2)
    return sigma


def pelt(values: np.ndarray, penalty: float, min_size: int) -> list[int]:
    """Cut points (start index of each segment after the first) of the piecewise-constant mean
    that minimises squared error + `penalty` per cut: PELT (Killick, Fearnhead & Eckley, 2012).

    Exact, unlike binary segmentation, which misses a short dip between two long equal stretches
    (its best single cut barely helps), precisely the shape of a plateau. ruptures' PELT in C
    (`KernelCPD` with the linear kernel, whose cost is the squared error) replaced a hand-written
    one: the same cuts on every series of `python -m benchmarks.plateaus`, in less time. Its
    pruning cannot discard starts on a long run of identical days, where the work grows with the
    square of the days; dates are plausible (2003 to tomorrow, so at most ~8,800 days) and the
    daily grid is the data's own range, which keeps that within a second in C.
    """
    n = len(values)
    if n < 2 * min_size:
        return []
    # Imported here: pages that never look for plateaus do not load ruptures (and SciPy).
    import ruptures

    signal = np.asarray(values, dtype="float64").reshape(-1, 1)
    ends = ruptures.KernelCPD(kernel="linear", min_size=min_size, jump=1).fit(signal).predict(pen=penalty)
    return [int(b) for b in ends if 0 < int(b) < n]


def _organic_net(series: pd.DataFrame, purges: pd.DataFrame) -> pd.Series:
    return effective_net(series) + _purge_excess(series, purges)


def plateaus_of(
    series: pd.DataFrame,
    min_days: int = PLATEAU_MIN_DAYS,
    max_ratio: float = PLATEAU_MAX_RATIO,
    abs_floor: float = PLATEAU_ABS_FLOOR,
    abs_share: float = PLATEAU_ABS_SHARE,
) -> Plateaus:
    """Stretches of near-zero growth between (or after, or before) clear growth: see PLATEAU_METHOD."""
    empty = _empty_plateaus()
    if series.empty:
        return Plateaus(False, _("No follower data for this account."), empty)
    net = _organic_net(series, purge_days_of(series))
    known = net.notna()
    days = series["day"][known].reset_index(drop=True)
    values = net[known].to_numpy(dtype="float64")
    needed = min_days + SEGMENT_MIN_DAYS
    if len(values) < needed:
        return Plateaus(
            False,
            _('Not enough data: {values} days with a known change, {needed} needed.').format(values=len(values), needed=needed),
            empty,
        )
    if not np.any(values != 0):
        return Plateaus(False, _("Flat: the follower count does not change in this range, so there is no growth "
                        "for a plateau to interrupt."), empty)
    sigma = robust_noise(values)
    # A tiny floor so a noiseless series is not cut at floating-point dust.
    penalty = max(SEGMENT_PENALTY_FACTOR * sigma * sigma * math.log(len(values)), 1e-9 * (1.0 + float(np.var(values))))
    bounds = [0, *pelt(values, penalty, SEGMENT_MIN_DAYS), len(values)]
    segs = pd.DataFrame({
        "start": [days[a] for a in bounds[:-1]],
        "end": [days[b - 1] for b in bounds[1:]],
        "days": [b - a for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
        "mean_net_per_day": [float(values[a:b].mean()) for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
    }).astype({"start": "datetime64[us]", "end": "datetime64[us]", "days": "int64"})
    totals = series["followers"].astype("float64").set_axis(series["day"])
    table = _plateau_table(segs, totals, sigma, min_days, max_ratio, abs_floor, abs_share, days.iloc[-1])
    return Plateaus(True, None, table, segs, sigma)


def _plateau_table(
    segs: pd.DataFrame,
    totals: pd.Series,
    sigma: float,
    min_days: int,
    max_ratio: float,
    abs_floor: float,
    abs_share: float,
    last_day: pd.Timestamp,
) -> pd.DataFrame:
    means = segs["mean_net_per_day"].to_numpy()
    lengths = segs["days"].to_numpy()
    stderr = sigma / np.sqrt(lengths) if sigma > 0 else np.zeros(len(lengths))
    growing = (means > 0) & (means >= GROWTH_MIN_T * stderr)
    # A segment is low when it is far below a growing neighbour; runs of low segments are merged,
    # so a plateau cut in two by a small wobble is still found whole.
    low = np.zeros(len(segs), dtype=bool)
    for i in range(len(segs)):
        neighbours = [j for j in (i - 1, i + 1) if 0 <= j < len(segs) and growing[j]]
        if neighbours:
            ref = max(means[j] for j in neighbours)
            low[i] = abs(means[i]) <= max_ratio * ref
    rows = []
    i = 0
    while i < len(segs):
        if not low[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(segs) and low[j + 1]:
            j += 1
        rows.append(_judge_run(segs, means, lengths, growing, i, j, totals, min_days, max_ratio, abs_floor,
                               abs_share, last_day))
        i = j + 1
    found = [r for r in rows if r is not None]
    if not found:
        return _empty_plateaus()
    return pd.DataFrame(found).astype(_empty_plateaus().dtypes.to_dict())


def _judge_run(
    segs: pd.DataFrame, means: np.ndarray, lengths: np.ndarray, growing: np.ndarray, i: int, j: int,
    totals: pd.Series, min_days: int, max_ratio: float, abs_floor: float, abs_share: float, last_day: pd.Timestamp,
) -> dict[str, object] | None:
    days = int(lengths[i : j + 1].sum())
    net = float((means[i : j + 1] * lengths[i : j + 1]).sum())
    mean = net / days
    before = float(means[i - 1]) if i > 0 else None
    after = float(means[j + 1]) if j + 1 < len(segs) else None
    sides = [(k, m) for k, m in ((i - 1, before), (j + 1, after)) if m is not None]
    if days < min_days or not sides or not all(growing[k] for k, _ in sides):
        return None
    ref = sum(m * lengths[k] for k, m in sides) / sum(lengths[k] for k, _ in sides)
    if abs(mean) > max_ratio * ref:
        return None
    start, end = segs["start"].iloc[i], segs["end"].iloc[j]
    level = totals.get(start, np.nan)
    if not np.isnan(level) and abs(mean) > max(abs_floor, abs_share * level):
        return None
    return {
        "start": start, "end": end, "days": days, "mean_net_per_day": mean, "net": net,
        "before_rate": np.nan if before is None else before, "after_rate": np.nan if after is None else after,
        "ongoing": bool(end == last_day),
    }


def plateaus(
    cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> Plateaus:
    return plateaus_of(in_range(follower_series(cursor, account_id), start, end))


# --- Step effect and volatility ------------------------------------------------------------------


@dataclass(frozen=True)
class StepEffect:
    enough_data: bool
    reason: str | None
    pairs: int = 0  # consecutive days with both nets known
    gain_days: int = 0  # first days of pairs with net > 0
    loss_days: int = 0  # first days of pairs with net < 0
    gain_then_loss: int = 0
    loss_then_gain: int = 0
    p_loss_after_gain: float | None = None  # observed
    p_loss: float | None = None  # expected if days were independent
    ratio: float | None = None  # observed / expected
    z: float | None = None
    p_gain_after_loss: float | None = None
    p_gain: float | None = None
    mean_net: float | None = None
    sd_net: float | None = None  # volatility of the daily net
    sd_change: float | None = None  # volatility of the day-to-day difference of the net
    method: str = STEP_METHOD


def step_effect_of(series: pd.DataFrame) -> StepEffect:
    if series.empty:
        return StepEffect(False, _("No follower data for this account."))
    net = effective_net(series).to_numpy(dtype="float64")
    today, tomorrow = net[:-1], net[1:]
    both = ~np.isnan(today) & ~np.isnan(tomorrow)
    today, tomorrow = today[both], tomorrow[both]
    pairs = int(both.sum())
    if pairs < STEP_MIN_PAIRS:
        return StepEffect(
            False,
            _('Not enough data: {pairs} pairs of consecutive days, {STEP_MIN_PAIRS} needed.').format(
                pairs=pairs, STEP_MIN_PAIRS=STEP_MIN_PAIRS,
            ),
            pairs=pairs,
        )
    known = net[~np.isnan(net)]
    diffs = tomorrow - today
    volatility = dict(mean_net=float(known.mean()), sd_net=float(known.std(ddof=1)), sd_change=float(diffs.std(ddof=1)))
    gain_days, loss_days = int((today > 0).sum()), int((today < 0).sum())
    if gain_days == 0 or loss_days + int((tomorrow < 0).sum()) == 0 and int((tomorrow > 0).sum()) == 0:
        return StepEffect(False, _("Flat: no day of gains (or no day of losses) in this range, so no step to measure."),
                          pairs=pairs, gain_days=gain_days, loss_days=loss_days, **volatility)
    p_loss = float((tomorrow < 0).mean())
    p_gain = float((tomorrow > 0).mean())
    gain_then_loss = int(((today > 0) & (tomorrow < 0)).sum())
    loss_then_gain = int(((today < 0) & (tomorrow > 0)).sum())
    observed = gain_then_loss / gain_days
    se = math.sqrt(p_loss * (1 - p_loss) / gain_days)
    return StepEffect(
        enough_data=True,
        reason=None,
        pairs=pairs,
        gain_days=gain_days,
        loss_days=loss_days,
        gain_then_loss=gain_then_loss,
        loss_then_gain=loss_then_gain,
        p_loss_after_gain=observed,
        p_loss=p_loss,
        ratio=observed / p_loss if p_loss > 0 else None,
        z=(observed - p_loss) / se if se > 0 else None,
        p_gain_after_loss=loss_then_gain / loss_days if loss_days else None,
        p_gain=p_gain,
        **volatility,
    )


def step_effect(
    cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> StepEffect:
    return step_effect_of(in_range(follower_series(cursor, account_id), start, end))


# --- Churn rate ----------------------------------------------------------------------------------


def churn_by_period_of(
    series: pd.DataFrame,
    granularity: Granularity = "month",
    purges: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per period: lost, purge_excess, lost_excl_purges, followers_start, churn_rate (lost /
    followers_start) and churn_rate_excl_purges (NaN where no total), lost_per_day(_excl_purges),
    rate_kind ('relative' / 'per_day'), losses_from_totals (some losses are only falls in the
    total, so a lower bound)."""
    periods = resample_of(series, granularity)
    if periods.empty:
        return periods.assign(purge_excess=pd.Series(dtype="float64"), lost_excl_purges=pd.Series(dtype="float64"),
                              churn_rate=pd.Series(dtype="float64"), churn_rate_excl_purges=pd.Series(dtype="float64"),
                              lost_per_day=pd.Series(dtype="float64"),
                              lost_per_day_excl_purges=pd.Series(dtype="float64"),
                              losses_from_totals=pd.Series(dtype="bool"),
                              rate_kind=pd.Series(dtype="string"))
    if purges is None:
        purges = purge_days_of(series)
    losses, from_net = daily_losses(series)
    keys = period_start(series["day"], granularity)
    lost = losses.groupby(keys).sum(min_count=1)
    estimated = from_net.groupby(keys).any()
    excess = _purge_excess(series, purges).groupby(keys).sum()
    out = periods[["period", "period_end", "days", "complete", "followers_start"]].copy()
    out["lost"] = out["period"].map(lost).astype("float64")
    out["purge_excess"] = out["period"].map(excess).fillna(0.0).astype("float64")
    out["lost_excl_purges"] = out["lost"] - out["purge_excess"]
    # Losses read off falls in the total are a floor: the same day's gains hide the rest.
    out["losses_from_totals"] = out["period"].map(estimated).fillna(False).astype("bool")
    start = out["followers_start"].where(out["followers_start"] > 0)
    out["churn_rate"] = out["lost"] / start
    out["churn_rate_excl_purges"] = out["lost_excl_purges"] / start
    out["lost_per_day"] = out["lost"] / out["days"]
    out["lost_per_day_excl_purges"] = out["lost_excl_purges"] / out["days"]
    out["rate_kind"] = pd.Series(np.where(out["churn_rate"].notna(), "relative", "per_day"), index=out.index,
                                 dtype="string")
    return out


def churn_by_period(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    granularity: Granularity = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    full = follower_series(cursor, account_id)
    purges = purge_days_of(full)
    return churn_by_period_of(in_range(full, start, end), granularity, purges)


@dataclass(frozen=True)
class ChurnSummary:
    enough_data: bool
    reason: str | None
    days: int = 0
    lost: float | None = None
    purge_days: int = 0
    purge_excess: float = 0.0  # losses above the usual on purge days
    followers_start: float | None = None
    churn_rate: float | None = None  # lost / followers_start, purge days included
    churn_rate_excl_purges: float | None = None
    lost_per_day: float | None = None
    lost_per_day_excl_purges: float | None = None
    losses_from_totals: bool = False  # some losses are falls in the total only: a lower bound
    method: str = CHURN_METHOD


def churn_summary_of(series: pd.DataFrame, purges: pd.DataFrame | None = None) -> ChurnSummary:
    """Churn over the whole of `series`, with and without purge days."""
    periods = churn_by_period_of(series, "day", purges)
    known = periods[periods["lost"].notna()]
    if known.empty:
        return ChurnSummary(False, _("No day in this range has known losses."))
    if purges is None:
        purges = purge_days_of(series)
    in_series = purges[purges["day"].isin(series["day"])] if not purges.empty else purges
    lost = float(known["lost"].sum())
    excess = float(known["purge_excess"].sum())
    start = periods["followers_start"].iloc[0]
    start_total = float(start) if pd.notna(start) and start > 0 else None
    days = len(series)
    return ChurnSummary(
        enough_data=True,
        reason=None,
        days=days,
        lost=lost,
        purge_days=len(in_series),
        purge_excess=excess,
        followers_start=start_total,
        churn_rate=lost / start_total if start_total else None,
        churn_rate_excl_purges=(lost - excess) / start_total if start_total else None,
        lost_per_day=lost / days,
        lost_per_day_excl_purges=(lost - excess) / days,
        losses_from_totals=bool(known["losses_from_totals"].any()),
    )


def churn_summary(
    cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> ChurnSummary:
    full = follower_series(cursor, account_id)
    return churn_summary_of(in_range(full, start, end), purge_days_of(full))
