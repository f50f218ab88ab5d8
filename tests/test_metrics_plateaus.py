"""Plateaus, step effect, purge days and churn rates on hand-built stores with known answers."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics.charts import churn as churn_charts
from analytics.metrics import plateaus as pl
from analytics.metrics.followers import follower_series
from analytics.store import Store
from tests.conftest import import_bytes
from tests.test_metrics_growth import START, series_of, write_flows, write_net


def noisy(rng: np.random.Generator, mean: float, days: int, spread: int) -> list[int]:
    return (mean + rng.integers(-spread, spread + 1, days)).astype(int).tolist()


def day(offset: int) -> pd.Timestamp:
    return pd.Timestamp(START + dt.timedelta(days=offset))


# --- plateaus --------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_planted_plateau_is_found_once_with_its_boundaries(store: Store, seed: int) -> None:
    rng = np.random.default_rng(seed)
    net = noisy(rng, 10, 60, 5) + noisy(rng, 0, 30, 3) + noisy(rng, 10, 60, 5)
    cursor = store.cursor()
    result = pl.plateaus(cursor, write_net(store, net))
    cursor.close()
    assert result.enough_data and result.reason is None
    assert len(result.table) == 1
    found = result.table.iloc[0]
    assert abs((found["start"] - day(60)).days) <= 3
    assert abs((found["end"] - day(89)).days) <= 3
    assert found["days"] >= 14 and abs(found["mean_net_per_day"]) < 2
    assert found["before_rate"] == pytest.approx(10, abs=2) and found["after_rate"] == pytest.approx(10, abs=2)
    assert not found["ongoing"]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_steady_noisy_growth_has_no_plateau(store: Store, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Noise as large as the growth itself: many single days go down, no stretch does.
    result = pl.plateaus_of(series_of(store, write_net(store, noisy(rng, 6, 240, 8))))
    assert result.enough_data and result.table.empty


def test_a_slowdown_is_not_a_plateau_but_a_stall_at_the_end_is(store: Store) -> None:
    rng = np.random.default_rng(5)
    slowdown = write_net(store, noisy(rng, 10, 90, 4) + noisy(rng, 5, 90, 4), account="slow")
    stall = write_net(store, noisy(rng, 10, 90, 4) + noisy(rng, 0, 30, 2), account="stall")
    assert pl.plateaus_of(series_of(store, slowdown)).table.empty
    table = pl.plateaus_of(series_of(store, stall)).table
    assert len(table) == 1 and bool(table["ongoing"].iloc[0]) and np.isnan(table["after_rate"].iloc[0])
    assert abs((table["start"].iloc[0] - day(90)).days) <= 3


def test_a_purge_in_steady_growth_is_not_a_plateau(store: Store) -> None:
    rng = np.random.default_rng(9)
    gained = noisy(rng, 15, 120, 4)
    lost = noisy(rng, 5, 120, 2)
    lost[70] = 400
    result = pl.plateaus_of(series_of(store, write_flows(store, gained, lost)))
    assert result.table.empty


def test_plateau_not_enough_data(store: Store) -> None:
    flat = pl.plateaus_of(series_of(store, write_net(store, [0] * 60, account="flat")))
    short = pl.plateaus_of(series_of(store, write_net(store, [4, 5, 6], account="short")))
    empty = pl.plateaus_of(series_of(store, 9999))
    for result in (flat, short, empty):
        assert not result.enough_data and result.reason and result.table.empty
        assert list(result.table.columns) == list(pl.PLATEAU_COLUMNS)
    assert "flat" in (flat.reason or "").lower() and "not enough data" in (short.reason or "").lower()


def test_pelt_finds_exact_cuts_on_a_noiseless_step() -> None:
    values = np.array([10.0] * 30 + [0.0] * 20 + [10.0] * 30)
    assert pl.pelt(values, penalty=1.0, min_size=7) == [30, 50]
    assert pl.pelt(np.full(50, 3.0), penalty=1.0, min_size=7) == []


def test_the_method_names_its_thresholds() -> None:
    for text in ("PELT", "14 days", "20%", "purge"):
        assert text.lower() in pl.PLATEAU_METHOD.lower()


# --- purge days ---------------------------------------------------------------------------------


def test_a_purge_day_is_flagged_and_kept_apart_from_churn(store: Store) -> None:
    rng = np.random.default_rng(4)
    lost = rng.integers(3, 9, 40).tolist()  # 3 to 8 a day
    lost[30] = 80
    gained = [12] * 40
    account_id = write_flows(store, gained, lost, anchor=2000)
    cursor = store.cursor()
    purges = pl.purge_days(cursor, account_id)
    summary = pl.churn_summary(cursor, account_id)
    cursor.close()
    assert purges["day"].tolist() == [day(30)]
    baseline = float(np.median(lost[2:30]))
    assert purges["baseline"].iloc[0] == baseline
    assert purges["excess"].iloc[0] == 80 - baseline and not purges["from_net"].iloc[0]

    assert summary.enough_data and summary.purge_days == 1 and not summary.losses_from_totals
    assert summary.lost == sum(lost)
    assert summary.followers_start == 2000 - (12 - lost[0])
    assert summary.churn_rate == pytest.approx(sum(lost) / summary.followers_start)
    assert summary.churn_rate_excl_purges == pytest.approx((sum(lost) - 80 + baseline) / summary.followers_start)
    assert summary.lost_per_day_excl_purges == pytest.approx((sum(lost) - 80 + baseline) / 40)


def test_a_small_spike_under_twenty_is_not_a_purge(store: Store) -> None:
    lost = [0, 1, 2] * 10 + [15] + [1] * 5  # 15 is 15 times the usual, but under 20
    account_id = write_flows(store, [5] * len(lost), lost)
    series = series_of(store, account_id)
    assert pl.purge_days_of(series).empty
    assert pl.purge_days_of(series, min_losses=10)["day"].tolist() == [day(30)]


def test_a_fall_in_a_count_history_counts_as_losses(store: Store) -> None:
    totals = [1000 + 5 * i for i in range(30)] + [1145 - 60, 1090]
    csv = "date,followers\n" + "".join(f"{(START + dt.timedelta(days=i)).isoformat()},{v}\n" for i, v in enumerate(totals))
    import_bytes(store, {"counts.csv": csv.encode()})
    cursor = store.cursor()
    account_id = int(cursor.execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()[0])
    purges = pl.purge_days(cursor, account_id)
    cursor.close()
    assert purges["day"].tolist() == [day(30)] and purges["lost"].iloc[0] == 60 and purges["from_net"].iloc[0]


# --- churn rate ---------------------------------------------------------------------------------


def test_churn_rate_per_week_with_and_without_purges(store: Store) -> None:
    lost = [4] * 28
    lost[20] = 100  # a purge in the third week (2025-01-20 to 01-26)
    account_id = write_flows(store, [10] * 28, lost, start=dt.date(2025, 1, 6), anchor=1000)
    cursor = store.cursor()
    weeks = pl.churn_by_period(cursor, account_id, "week")
    cursor.close()
    assert weeks["lost"].tolist() == [28, 28, 124, 28]
    assert weeks["purge_excess"].tolist() == [0, 0, 96, 0]
    assert weeks["lost_excl_purges"].tolist() == [28] * 4
    start_third = weeks["followers_start"].iloc[2]
    assert start_third == 1000 + 6 * 13  # the total on day 13 (day 0's stated total includes its change)
    assert weeks["churn_rate"].iloc[2] == pytest.approx(124 / start_third)
    assert weeks["churn_rate_excl_purges"].iloc[2] == pytest.approx(28 / start_third)
    assert (weeks["rate_kind"] == "relative").all()


def test_churn_without_totals_is_per_day(store: Store) -> None:
    account_id = write_flows(store, [10] * 14, [2] * 14, start=dt.date(2025, 1, 6), anchor=None)
    churn = pl.churn_by_period_of(series_of(store, account_id), "week")
    assert churn["churn_rate"].isna().all() and churn["lost_per_day"].tolist() == [2.0, 2.0]
    assert (churn["rate_kind"] == "per_day").all()


def test_churn_with_no_known_losses_says_so(store: Store) -> None:
    csv = "date,followers\n2025-01-01,10\n2025-01-02,12\n"
    import_bytes(store, {"counts.csv": csv.encode()})
    assert pl.churn_summary_of(series_of(store, 9999)).enough_data is False
    summary = pl.churn_summary_of(series_of(store, 1))
    # Growth only, and a fall in the total is the only loss signal: zero, flagged as a floor.
    assert summary.enough_data and summary.lost == 0 and summary.losses_from_totals


# --- step effect --------------------------------------------------------------------------------


def test_step_effect_on_an_alternating_series(store: Store) -> None:
    net = [10, -5] * 30
    cursor = store.cursor()
    step = pl.step_effect(cursor, write_net(store, net))
    cursor.close()
    assert step.enough_data
    # 60 days, 59 pairs; the first days of the pairs are days 0..58, half of them gains.
    assert step.pairs == 59 and step.gain_days == 30 and step.gain_then_loss == 30
    assert step.p_loss_after_gain == 1.0
    assert step.p_loss == pytest.approx(30 / 59)  # loss days among the second days (1..59)
    assert step.ratio == pytest.approx(59 / 30)
    assert step.z is not None and step.z > 3
    known = np.array(net, dtype=float)
    assert step.sd_net == pytest.approx(known.std(ddof=1))
    assert step.sd_change == pytest.approx(np.diff(known).std(ddof=1))


def test_step_effect_on_independent_days_is_near_one(store: Store) -> None:
    rng = np.random.default_rng(11)
    step = pl.step_effect_of(series_of(store, write_net(store, rng.choice([8, -6], 400).tolist())))
    assert step.ratio is not None and 0.8 < step.ratio < 1.2 and abs(step.z or 0) < 2.5


def test_step_effect_in_a_range_and_not_enough_data(store: Store) -> None:
    account_id = write_net(store, [10, -5] * 30)
    cursor = store.cursor()
    ranged = pl.step_effect(cursor, account_id, START + dt.timedelta(days=10), START + dt.timedelta(days=19))
    cursor.close()
    assert not ranged.enough_data and ranged.pairs == 9 and "not enough" in (ranged.reason or "").lower()
    flat = pl.step_effect_of(series_of(store, write_net(store, [0] * 30, account="flat")))
    short = pl.step_effect_of(series_of(store, write_net(store, [1, -1, 1], account="short")))
    assert not flat.enough_data and "flat" in (flat.reason or "").lower()
    assert not short.enough_data and short.reason


# --- charts --------------------------------------------------------------------------------------


def _renders(fig: object) -> dict:
    return json.loads(fig.to_json())  # type: ignore[attr-defined]


def test_churn_charts_render(store: Store) -> None:
    rng = np.random.default_rng(2)
    lost = rng.integers(3, 9, 70).tolist()
    lost[40] = 90
    account_id = write_flows(store, (10 + rng.integers(-5, 6, 70)).tolist(), lost)
    cursor = store.cursor()
    series = follower_series(cursor, account_id)
    cursor.close()
    purges = pl.purge_days_of(series)
    losses, _ = pl.daily_losses(series)
    fig = churn_charts.losses_figure(series.assign(lost=losses), purges, pl.purge_baseline(losses))
    _renders(fig)
    assert [t.name for t in fig.data] == ["Ordinary losses", "Purge day", "Usual (28-day median)"]
    assert list(fig.data[1].y) == [90]

    for granularity in ("day", "week", "month"):
        churn = pl.churn_by_period_of(series, granularity)
        fig = churn_charts.churn_rate_figure(churn, granularity)
        _renders(fig)
        assert [t.name for t in fig.data] == ["Ordinary churn", "Purges"]
        assert fig.layout.yaxis.title.text

    step = pl.step_effect_of(series)
    fig = churn_charts.step_effect_figure(step)
    _renders(fig)
    assert [t.name for t in fig.data] == ["Observed", "If days were independent"]
    assert len(fig.layout.annotations) == 1
    assert _renders(churn_charts.volatility_figure(series))["data"]

    nothing = series.iloc[0:0]
    for fig in (
        churn_charts.losses_figure(nothing, pl.purge_days_of(nothing)),
        churn_charts.churn_rate_figure(pl.churn_by_period_of(nothing, "week"), "week"),
        churn_charts.step_effect_figure(pl.step_effect_of(nothing)),
        churn_charts.volatility_figure(nothing),
    ):
        assert _renders(fig)["layout"]["annotations"] and not fig.data
