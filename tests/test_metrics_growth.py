"""Growth metrics on small hand-built stores whose right answers are worked out here."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from analytics.charts import growth as growth_charts
from analytics.ingest.load import record_import
from analytics.metrics import growth
from analytics.metrics.followers import follower_series
from analytics.store import Store
from analytics.store.accounts import get_or_create_account
from tests.conftest import import_bytes

START = dt.date(2025, 1, 1)
_sha = itertools.count()

INSERT_DAILY_SQL = """
INSERT INTO daily_values (account_id, day, metric, value, import_id, export_end)
SELECT $account_id, CAST(day AS DATE), metric, value, $import_id, $export_end FROM test_daily
"""


def write_flows(
    store: Store,
    gained: Sequence[float],
    lost: Sequence[float],
    start: dt.date = START,
    anchor: int | None = 1000,
    account: str = "me",
) -> int:
    """Daily new follows / unfollows from `start`, and a stated total on the first day."""
    days = [pd.Timestamp(start + dt.timedelta(days=i)) for i in range(len(gained))]
    rows = [{"day": d, "metric": "new_follows", "value": int(g)} for d, g in zip(days, gained, strict=True)]
    rows += [{"day": d, "metric": "unfollows", "value": int(x)} for d, x in zip(days, lost, strict=True)]
    if anchor is not None:
        rows.append({"day": days[0], "metric": "followers", "value": anchor})
    frame = pd.DataFrame(rows)
    with store.transaction() as cursor:
        account_id = get_or_create_account(cursor, account, "x").account_id
        import_id = record_import(cursor, account_id, "flows.csv", f"test-{next(_sha)}", "x_premium", len(gained))
        cursor.register("test_daily", frame)
        try:
            cursor.execute(INSERT_DAILY_SQL, {"account_id": account_id, "import_id": import_id,
                                              "export_end": days[-1].date()})
        finally:
            cursor.unregister("test_daily")
    return account_id


def write_net(store: Store, net: Sequence[float], **kwargs: object) -> int:
    """Flows whose difference is `net`, with a few losses every day (so both columns move)."""
    gained = [max(n, 0) + 3 for n in net]
    lost = [max(-n, 0) + 3 for n in net]
    return write_flows(store, gained, lost, **kwargs)  # type: ignore[arg-type]


def series_of(store: Store, account_id: int) -> pd.DataFrame:
    cursor = store.cursor()
    try:
        return follower_series(cursor, account_id)
    finally:
        cursor.close()


# --- resampling ----------------------------------------------------------------------------------


def test_weekly_and_monthly_sums_and_last_values(store: Store) -> None:
    # 2025-01-06 is a Monday: 8 full weeks, Jan (26 days from the 6th) and Feb (28 days).
    gained = [(i % 5) + 2 for i in range(56)]
    lost = [i % 3 for i in range(56)]
    account_id = write_flows(store, gained, lost, start=dt.date(2025, 1, 6), anchor=500)
    cursor = store.cursor()
    weeks = growth.growth_by_period(cursor, account_id, "week")
    months = growth.growth_by_period(cursor, account_id, "month")
    days = growth.growth_by_period(cursor, account_id, "day")
    cursor.close()

    assert len(weeks) == 8 and weeks["complete"].all() and (weeks["days"] == 7).all()
    assert weeks["gained"].tolist() == [sum(gained[7 * w : 7 * w + 7]) for w in range(8)]
    assert weeks["lost"].tolist() == [sum(lost[7 * w : 7 * w + 7]) for w in range(8)]
    assert weeks["period"].dt.day_of_week.eq(0).all()
    # The first day's stated total already includes its own change.
    curve = 500 + np.cumsum(np.array(gained) - np.array(lost)) - (gained[0] - lost[0])
    assert weeks["followers"].tolist() == [curve[7 * w + 6] for w in range(8)]
    assert weeks["followers_start"].iloc[1] == curve[6]
    assert weeks["rate"].iloc[1] == pytest.approx(weeks["net"].iloc[1] / curve[6])
    assert (weeks["rate_kind"] == "relative").all()

    assert months["period"].dt.strftime("%Y-%m").tolist() == ["2025-01", "2025-02", "2025-03"]
    assert months["days"].tolist() == [26, 28, 2]
    assert months["gained"].iloc[1] == sum(gained[26:54])
    assert months["complete"].tolist() == [False, True, False]
    assert len(days) == 56 and days["gained"].sum() == sum(gained)


def test_counts_history_gives_net_from_the_curve(store: Store) -> None:
    # A count history has no flows: the change comes from the totals, gaps interpolated.
    csv = "date,followers\n2025-01-01,100\n2025-01-02,110\n2025-01-05,140\n2025-01-06,139\n"
    import_bytes(store, {"counts.csv": csv.encode()})
    cursor = store.cursor()
    account_id = int(cursor.execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()[0])
    days = growth.growth_by_period(cursor, account_id, "day")
    weeks = growth.growth_by_period(cursor, account_id, "week")
    cursor.close()
    assert days["net"].tolist()[1:] == [10, 10, 10, 10, -1]
    assert days["gained"].isna().all()
    assert weeks["net"].sum() == 39


def test_relative_only_series_uses_net_per_day(store: Store) -> None:
    account_id = write_net(store, [5] * 14, anchor=None)
    cursor = store.cursor()
    weeks = growth.growth_by_period(cursor, account_id, "week")
    cursor.close()
    assert weeks["rate"].isna().all() and (weeks["rate_kind"] == "per_day").all()
    assert weeks["net_per_day"].tolist() == [5.0] * len(weeks)


def test_follower_curves_long_frame(store: Store) -> None:
    first = write_net(store, [2] * 10, account="a")
    second = write_net(store, [1] * 5, account="b", anchor=None)
    cursor = store.cursor()
    curves = growth.follower_curves(cursor, {"a": first, "b": second})
    cursor.close()
    assert curves.groupby("account").size().to_dict() == {"a": 10, "b": 5}
    a, b = curves[curves["account"] == "a"], curves[curves["account"] == "b"]
    assert a["absolute"].all() and a["value"].iloc[-1] == 1018
    assert not b["absolute"].any() and b["value"].iloc[-1] == 5


def test_best_and_worst_weeks(store: Store) -> None:
    net = [5] * 7 + [20] * 7 + [-3] * 7 + [8] * 7
    account_id = write_net(store, net, start=dt.date(2025, 1, 6))
    cursor = store.cursor()
    rated = growth.growth_by_period(cursor, account_id, "week")
    cursor.close()
    ranked = growth.best_and_worst_of(rated, n=1)
    assert ranked.set_index("which")["net"].to_dict() == {"best": 140, "worst": -21}


# --- comparisons -------------------------------------------------------------------------------


def test_compare_with_previous_period_and_last_year(store: Store) -> None:
    # 2024-01-01 to 2025-03-31: +1/day in 2024, +4/day in 2025.
    days = (dt.date(2025, 3, 31) - dt.date(2024, 1, 1)).days + 1
    net = [1 if dt.date(2024, 1, 1) + dt.timedelta(days=i) < dt.date(2025, 1, 1) else 4 for i in range(days)]
    account_id = write_net(store, net, start=dt.date(2024, 1, 1))
    cursor = store.cursor()
    march = growth.compare_periods(cursor, account_id, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    january = growth.compare_periods(cursor, account_id, dt.date(2024, 1, 20), dt.date(2024, 1, 29))
    cursor.close()

    assert march.current is not None and march.current.net == 124 and march.current.days == 31
    assert march.previous is not None
    assert (march.previous.start, march.previous.end) == (dt.date(2025, 1, 29), dt.date(2025, 2, 28))
    assert march.previous.net == 124
    assert march.last_year is not None and march.last_year.net == 31
    assert march.net_vs_last_year == 93
    assert march.current.followers_start is not None
    assert march.current.rate == pytest.approx(124 / march.current.followers_start)

    assert january.previous is not None and january.previous.net == 10
    assert january.last_year is None and january.last_year_reason and "2024-01-01" in january.last_year_reason
    assert january.net_vs_last_year is None


def test_compare_before_the_data_starts_says_why(store: Store) -> None:
    account_id = write_net(store, [3] * 20)
    cursor = store.cursor()
    early = growth.compare_periods(cursor, account_id, dt.date(2025, 1, 5), dt.date(2025, 1, 14))
    outside = growth.compare_periods(cursor, account_id, dt.date(2024, 6, 1), dt.date(2024, 6, 30))
    cursor.close()
    assert early.current is not None and early.previous is None and early.previous_reason
    assert outside.current is None and outside.reason


# --- milestones and projection -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 100), (99, 100), (100, 150), (480, 500), (999, 1000), (1000, 1500), (1990, 2000), (9999, 10000),
     (12_345, 15_000), (120_000, 150_000)],
)
def test_next_milestone(value: float, expected: int) -> None:
    assert growth.next_milestone(value) == expected


def test_projection_on_a_linear_series(store: Store) -> None:
    # 1000 on day 0, +10 a day for 100 days: 1990 on 2025-04-10, so 2000 on 2025-04-11.
    account_id = write_net(store, [10] * 100)
    cursor = store.cursor()
    result = growth.projection(cursor, account_id)
    far = growth.projection(cursor, account_id, milestone=5000)
    cursor.close()
    assert result.enough_data and result.reason is None
    assert result.level == 1990 and result.milestone == 2000
    assert result.trend_per_day == pytest.approx(10)
    assert result.reached_on == dt.date(2025, 4, 11)
    # A noiseless line has a band of zero width.
    assert result.reached_earliest == result.reached_latest == result.reached_on
    assert far.reached_on == dt.date(2025, 4, 10) + dt.timedelta(days=301)
    assert far.path is not None and far.path["day"].iloc[-1].date() >= far.reached_on
    assert "least squares" in growth.PROJECTION_METHOD


def test_projection_band_brackets_the_date(store: Store) -> None:
    rng = np.random.default_rng(7)
    account_id = write_net(store, (10 + rng.integers(-8, 9, 120)).tolist())
    cursor = store.cursor()
    result = growth.projection(cursor, account_id, milestone=3000)
    cursor.close()
    assert result.reached_on is not None and result.reached_earliest is not None and result.reached_latest is not None
    assert result.reached_earliest < result.reached_on < result.reached_latest
    assert result.path is not None and (result.path["low"] <= result.path["high"]).all()


def test_projection_of_a_falling_series_is_not_reached(store: Store) -> None:
    account_id = write_net(store, [-2] * 60)
    cursor = store.cursor()
    result = growth.projection(cursor, account_id)
    cursor.close()
    assert result.enough_data and result.reached_on is None
    assert result.reason is not None and "not reached" in result.reason.lower()


def test_projection_not_enough_data_on_flat_and_short_series(store: Store) -> None:
    flat = write_net(store, [0] * 60, account="flat")
    short = write_net(store, [5, 6, 7], account="short")
    cursor = store.cursor()
    flat_result = growth.projection(cursor, flat)
    short_result = growth.projection(cursor, short)
    empty_result = growth.projection_of(follower_series(cursor, 9999))
    cursor.close()
    for result in (flat_result, short_result, empty_result):
        assert not result.enough_data and result.reason and result.reached_on is None


def test_short_and_empty_series_do_not_raise(store: Store) -> None:
    account_id = write_net(store, [5, -2, 7])
    cursor = store.cursor()
    series = follower_series(cursor, account_id)
    empty = follower_series(cursor, 9999)
    cursor.close()
    for granularity in growth.GRANULARITIES:
        assert len(growth.resample_of(series, granularity)) >= 1
        assert growth.resample_of(empty, granularity).empty
    assert growth.best_and_worst_of(growth.growth_rates_of(growth.resample_of(empty, "week"))).empty
    assert growth.compare_periods_of(empty, START, START).current is None


def test_milestones_passed(store: Store) -> None:
    account_id = write_net(store, [10] * 100)  # 1000 to 1990
    milestones = growth.milestones_passed_of(series_of(store, account_id))
    assert milestones["milestone"].tolist() == [1500]
    assert milestones["day"].iloc[0].date() == START + dt.timedelta(days=50)


# --- charts --------------------------------------------------------------------------------------


def _renders(fig: object) -> dict:
    return json.loads(fig.to_json())  # type: ignore[attr-defined]


def test_growth_charts_render(store: Store) -> None:
    rng = np.random.default_rng(3)
    net = np.concatenate([10 + rng.integers(-4, 5, 60), rng.integers(-2, 3, 30), 10 + rng.integers(-4, 5, 60)])
    first = write_net(store, net.tolist(), account="a")
    second = write_net(store, [4] * 150, account="b", anchor=800)
    cursor = store.cursor()
    curves = growth.follower_curves(cursor, {"a": first, "b": second})
    series = follower_series(cursor, first)
    cursor.close()
    from analytics.metrics.plateaus import plateaus_of, purge_days_of

    plateaus = plateaus_of(series).table
    purges = purge_days_of(series)
    fig = growth_charts.follower_curve_figure(curves, plateaus=plateaus, purges=purges)
    spec = _renders(fig)
    assert {t["name"] for t in spec["data"]} >= {"a", "b"}
    assert len(spec["layout"]["shapes"]) == len(plateaus) >= 1
    assert spec["layout"]["yaxis"]["title"]["text"]

    for granularity in growth.GRANULARITIES:
        periods = growth.growth_rates_of(growth.resample_of(series, granularity))
        fig = growth_charts.gains_losses_figure(periods, granularity)
        _renders(fig)
        assert [t.name for t in fig.data] == ["Gained", "Lost", "Net"]
        assert len(fig.data[1].y) == len(periods) and max(fig.data[1].y) <= 0  # losses point down
        spec = _renders(growth_charts.growth_rate_figure(periods, granularity))
        assert spec["data"][0]["type"] == "bar"

    result = growth.projection_of(series)
    spec = _renders(growth_charts.projection_figure(series, result))
    names = [t["name"] for t in spec["data"]]
    assert "Trend" in names and "Followers" in names and any("band" in (n or "") for n in names)

    empty = _renders(growth_charts.projection_figure(series.iloc[0:0], growth.projection_of(series.iloc[0:0])))
    assert empty["layout"]["annotations"]
    assert _renders(growth_charts.follower_curve_figure(growth.follower_curves(store.cursor(), {})))["layout"]["annotations"]
