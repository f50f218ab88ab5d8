"""Posting activity against follower change, on stores whose right answers are planted."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.charts.activity import (
    engagement_heatmap_figure,
    lag_correlation_bars,
    posting_timeline,
    quiet_active_bars,
)
from analytics.ingest.load import record_import
from analytics.metrics import activity
from analytics.metrics.followers import follower_series
from analytics.store import Store
from analytics.store.accounts import get_or_create_account
from tests.conftest import import_bytes

D = dt.date
T = dt.datetime


def seed(
    store: Store,
    posts: list[dict[str, Any]] | None = None,
    flows: dict[dt.date, tuple[int, int]] | None = None,
    daily: dict[dt.date, dict[str, int]] | None = None,
) -> int:
    """Write posts and daily values as one import; return the account id."""
    posts, flows, daily = posts or [], flows or {}, daily or {}
    with store.transaction() as cursor:
        account = get_or_create_account(cursor, "me", None)
        digest = hashlib.sha256(repr((posts, flows, daily)).encode()).hexdigest()
        import_id = record_import(cursor, account.account_id, "seed.csv", digest, "test", len(posts) + len(flows))
        rows = [
            (
                account.account_id, p["id"], import_id, p["at"], p.get("has_time", True), p.get("kind", "post"),
                p.get("impressions"), p.get("engagements"), p.get("new_follows"),
            )
            for p in posts
        ]
        if rows:
            cursor.executemany(
                "INSERT INTO posts_raw (account_id, post_id, import_id, posted_at, has_time, kind, impressions,"
                " engagements, new_follows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        values = [(day, "new_follows", g) for day, (g, _) in flows.items()] + [
            (day, "unfollows", lost) for day, (_, lost) in flows.items()
        ] + [(day, metric, v) for day, metrics in daily.items() for metric, v in metrics.items()]
        if values:
            end = max(day for day, _, _ in values)
            cursor.executemany(
                "INSERT INTO daily_values (account_id, day, metric, value, import_id, export_end) VALUES (?, ?, ?, ?, ?, ?)",
                [(account.account_id, day, metric, v, import_id, end) for day, metric, v in values],
            )
        return account.account_id


def days(start: dt.date, count: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(count)]


def daily_posts(per_day: dict[dt.date, int]) -> list[dict[str, Any]]:
    return [
        {"id": f"{day.isoformat()}-{i}", "at": T(day.year, day.month, day.day, 12)}
        for day, count in per_day.items() for i in range(count)
    ]


# ---------------------------------------------------------------------------------------------
# Posts per day


def test_posts_per_day_fills_silent_days_and_filters_kinds(store: Store) -> None:
    account = seed(store, [
        {"id": "1", "at": T(2026, 1, 1, 9)}, {"id": "2", "at": T(2026, 1, 1, 23, 59)},
        {"id": "3", "at": T(2026, 1, 3, 0, 1), "kind": "reply"},
        {"id": "4", "at": T(2026, 1, 12, 8), "kind": "repost"},
    ])
    daily = activity.posts_per_day(store.cursor(), account)
    assert daily["posts"].tolist()[:4] == [2, 0, 1, 0] and len(daily) == 12
    assert set(daily["source"]) == {"posts"}
    originals = activity.posts_per_day(store.cursor(), account, kinds=("post",))
    assert originals["posts"].tolist() == [2]
    weekly = activity.posts_per_period(daily, "week")
    # 2026-01-01 is a Thursday: its week starts Monday 2025-12-29.
    assert [d.date() for d in weekly["day"]] == [D(2025, 12, 29), D(2026, 1, 5), D(2026, 1, 12)]
    assert weekly["posts"].tolist() == [3, 0, 1]


def test_posts_per_day_falls_back_on_daily_post_counts(store: Store) -> None:
    account = seed(store, daily={D(2026, 1, 1): {"posts_created": 3}, D(2026, 1, 2): {"posts_created": 0},
                                 D(2026, 1, 3): {"posts_created": 1}})
    daily = activity.posts_per_day(store.cursor(), account)
    assert daily["posts"].tolist() == [3, 0, 1] and set(daily["source"]) == {"daily"}
    assert activity.posts_per_day(store.cursor(), 999).empty


# ---------------------------------------------------------------------------------------------
# Quiet periods


def _quiet_store(store: Store) -> int:
    """Posts every day from Jan 1 to Feb 9 except Jan 11-20 (10 days) and Jan 25-27 (3 days).
    Net +4 a day while posting, -2 a day during the 10 quiet days."""
    quiet = set(days(D(2026, 1, 11), 10))
    short_gap = set(days(D(2026, 1, 25), 3))
    span = days(D(2026, 1, 1), 40)
    posts = daily_posts({d: 1 for d in span if d not in quiet | short_gap})
    flows = {d: ((1, 3) if d in quiet else (5, 1)) for d in span}
    return seed(store, posts, flows)


def _spans(periods: pd.DataFrame) -> list[tuple[dt.date, dt.date, int]]:
    # Plain tuples (name=None): attributes of pandas-stubs' named rows are a union of every scalar
    # type, and a comprehension over them took mypy a second per line.
    rows = periods[["start", "end", "days"]].itertuples(index=False, name=None)
    return [(start.date(), end.date(), int(days)) for start, end, days in rows]


def test_quiet_period_found_with_its_boundaries(store: Store) -> None:
    account = _quiet_store(store)
    periods = activity.quiet_periods(store.cursor(), account)
    assert _spans(periods) == [(D(2026, 1, 11), D(2026, 1, 20), 10)]
    shorter = activity.quiet_periods(store.cursor(), account, min_days=3)
    assert [(start, days) for start, _end, days in _spans(shorter)] == [(D(2026, 1, 11), 10), (D(2026, 1, 25), 3)]


def test_net_per_day_quiet_against_active(store: Store) -> None:
    account = _quiet_store(store)
    result = activity.quiet_vs_active(store.cursor(), account)
    assert result.ok
    assert result.quiet_net_per_day == pytest.approx(-2.0)
    assert result.active_net_per_day == pytest.approx(4.0)
    table = result.table.set_index("state")
    assert table.loc["quiet", "days"] == 10 and table.loc["active", "days"] == 30
    assert table.loc["quiet", "lost_per_day"] == pytest.approx(3.0)
    assert result.periods["net"].tolist() == [-20.0]
    assert "-2.0 a day" in result.reading and "+4.0 a day" in result.reading
    assert "7 days" in result.method


def test_a_period_cuts_quiet_runs_at_its_edges(store: Store) -> None:
    account = _quiet_store(store)
    cursor = store.cursor()
    inside = activity.quiet_periods(cursor, account, start=D(2026, 1, 15), end=D(2026, 2, 1))
    assert _spans(inside) == [(D(2026, 1, 15), D(2026, 1, 20), 6)]
    assert inside["run_days"].tolist() == [10]  # the whole silence, from 11 January
    # The chart names the whole silence, not the 6 days of it in view (under a threshold of 7).
    band = posting_timeline(follower_series(cursor, account), activity.posts_per_day(cursor, account), inside)
    assert [a.text for a in band.layout.annotations if "quiet" in (a.text or "")] == ["10 days quiet"]
    result = activity.quiet_vs_active(cursor, account, start=D(2026, 1, 15), end=D(2026, 2, 1))
    table = result.table.set_index("state")
    assert table.loc["quiet", "days"] == 6 and table.loc["active", "days"] == 12
    assert result.quiet_net_per_day == pytest.approx(-2.0) and result.active_net_per_day == pytest.approx(4.0)
    assert len(activity.posts_per_day(cursor, account, start=D(2026, 1, 15), end=D(2026, 1, 16))) == 2
    ranked = activity.posts_with_follows(cursor, account, start=D(2026, 2, 1))
    assert ranked.posts["posted_at"].min() >= pd.Timestamp(2026, 2, 1)


def test_posts_counted_once_give_what_each_read_counts_itself(store: Store) -> None:
    """Activity counts the posts per day once, on all the data, and hands them to the quiet
    periods and the lags (analytics.ui.reads): the same answers as when each counts them."""
    account = _quiet_store(store)
    cursor = store.cursor()
    all_posts = activity.posts_per_day(cursor, account)
    for start, end in [(None, None), (D(2026, 1, 15), D(2026, 2, 1)), (D(2026, 1, 25), None)]:
        assert activity.clip_days(all_posts, start, end).equals(activity.posts_per_day(cursor, account, start=start, end=end))
        given = activity.quiet_vs_active(cursor, account, 5, start=start, end=end, all_posts=all_posts)
        counted = activity.quiet_vs_active(cursor, account, 5, start=start, end=end)
        assert given.periods.equals(counted.periods) and given.table.equals(counted.table)
        assert (given.reading, given.reason) == (counted.reading, counted.reason)
        lags = activity.lag_correlation(cursor, account, start=start, end=end, min_days=10, all_posts=all_posts)
        lags_counted = activity.lag_correlation(cursor, account, start=start, end=end, min_days=10)
        assert lags.table.equals(lags_counted.table) and lags.reason == lags_counted.reason


def test_quiet_vs_active_explains_missing_data(store: Store) -> None:
    no_posts = activity.quiet_vs_active(store.cursor(), 1)
    assert not no_posts.ok and "no posts" in (no_posts.reason or "")
    account = seed(store, daily_posts({d: 1 for d in days(D(2026, 1, 1), 20)}), {d: (1, 0) for d in days(D(2026, 1, 1), 20)})
    never_quiet = activity.quiet_vs_active(store.cursor(), account)
    assert not never_quiet.ok and "No quiet period" in (never_quiet.reason or "")


def test_list_changes_are_spread_over_their_gap(store: Store) -> None:
    for day, members in [(D(2026, 1, 1), "a"), (D(2026, 1, 5), "a\nb\nc\nd\ne"), (D(2026, 1, 6), "a\nb")]:
        import_bytes(store, {f"followers_{day}.csv": f"handle\n{members}\n".encode()})
    flows = activity.daily_follower_change(store.cursor(), 1)
    by_day = flows.set_index("day")
    # +4 between Jan 1 and Jan 5: one a day on Jan 2..5, not 4 on Jan 5.
    assert by_day.loc["2026-01-02":"2026-01-05", "net"].tolist() == [1.0, 1.0, 1.0, 1.0]
    assert not by_day.loc["2026-01-05", "exact"]
    assert by_day.loc["2026-01-06", "exact"] and by_day.loc["2026-01-06", "net"] == -3.0
    assert flows["net"].sum() == follower_series(store.cursor(), 1)["net"].sum()


# ---------------------------------------------------------------------------------------------
# Lag correlation


def _lag_store(store: Store, count: int, lag: int = 1) -> int:
    rng = np.random.default_rng(7)
    span = days(D(2025, 6, 1), count)
    posts_per_day = rng.integers(0, 6, size=count)
    noise = rng.integers(0, 3, size=count)
    # Posting at t brings 3 followers a post on day t + lag, on top of a little noise.
    gains = [10 + 3 * int(posts_per_day[i - lag]) + int(noise[i]) if i >= lag else 10 for i in range(count)]
    posts = daily_posts({d: int(n) for d, n in zip(span, posts_per_day, strict=True)})
    return seed(store, posts, {d: (g, 10) for d, g in zip(span, gains, strict=True)})


def test_lag_planted_at_one_day_is_the_best_lag(store: Store) -> None:
    account = _lag_store(store, 120)
    result = activity.lag_correlation(store.cursor(), account)
    assert result.ok and result.reason is None and result.caution is None
    assert result.best_lag == 1
    assert result.best_r is not None and result.best_r > 0.8
    assert result.table["lag"].tolist() == list(range(8))
    others = result.table[result.table["lag"] != 1]["r"].abs()
    assert (others < 0.4).all()
    low, high = result.table.loc[1, ["ci_low", "ci_high"]]
    assert low < result.best_r < high
    assert result.reading.startswith("On days after you post more, you tend to gain more followers")
    assert f"r = {result.best_r:.2f} at a lag of 1 day" in result.reading
    assert "correlation is not causation" in result.reading
    spearman = activity.lag_correlation(store.cursor(), account, method="spearman")
    assert spearman.best_lag == 1 and "Spearman" in spearman.method_text


def test_short_series_gives_a_caution_not_an_exception(store: Store) -> None:
    account = _lag_store(store, 30)
    result = activity.lag_correlation(store.cursor(), account)
    assert result.reason is None and not result.ok
    assert result.caution is not None and "30 days" in result.caution and "60" in result.caution
    assert result.reading.startswith("Only 30 days")
    # What the days show, never a relation of some strength under the caution.
    assert "too few to tell a relation from chance" in result.reading
    assert not any(word in result.reading for word in ("strong", "moderate", "weak", "tend to"))


def test_too_little_or_flat_data_gives_a_reason(store: Store) -> None:
    empty = activity.lag_correlation(store.cursor(), 1)
    assert empty.reason and empty.best_lag is None and empty.table.empty
    account = seed(store, daily_posts({d: 1 for d in days(D(2026, 1, 1), 90)}),
                   {d: (i % 5, 1) for i, d in enumerate(days(D(2026, 1, 1), 90))})
    flat = activity.lag_correlation(store.cursor(), account)
    assert flat.reason and "No variation" in flat.reason and "posts per day" in flat.reason


def test_tiny_overlap_gives_a_reason(store: Store) -> None:
    account = _lag_store(store, 6)
    result = activity.lag_correlation(store.cursor(), account)
    assert result.reason and "only 6 days" in result.reason and result.best_r is None


# ---------------------------------------------------------------------------------------------
# Posts that brought followers


def test_posts_ranked_by_their_new_follows(store: Store) -> None:
    account = seed(store, [
        {"id": "a", "at": T(2026, 1, 1, 9), "new_follows": 5},
        {"id": "b", "at": T(2026, 1, 2, 9), "new_follows": 12},
        {"id": "c", "at": T(2026, 1, 3, 9)},
        {"id": "d", "at": T(2026, 1, 4, 9), "new_follows": 0},
    ])
    result = activity.posts_with_follows(store.cursor(), account)
    assert result.ok and result.method == "export" and "content export" in result.method_text
    assert result.posts["post_id"].tolist() == ["b", "a", "d", "c"]
    assert result.posts["followers"].tolist()[:3] == [12, 5, 0]
    assert result.posts["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(result.posts["rank"].iloc[3])


def test_followers_gained_in_48_hours_when_posts_have_no_new_follows(store: Store) -> None:
    span = days(D(2026, 1, 1), 15)
    account = seed(
        store,
        [{"id": "early", "at": T(2026, 1, 2, 8)}, {"id": "mid", "at": T(2026, 1, 10, 8)},
         {"id": "next", "at": T(2026, 1, 11, 20)}, {"id": "last", "at": T(2026, 1, 15, 8)}],
        {d: (d.day, 0) for d in span},  # gained = the day of the month
    )
    result = activity.posts_with_follows(store.cursor(), account)
    assert result.ok and result.method == "window" and "48 hours" in result.method_text
    by_id = result.posts.set_index("post_id")
    assert by_id.loc["early", "followers"] == 2 + 3
    assert by_id.loc["mid", "followers"] == 10 + 11
    assert by_id.loc["next", "followers"] == 11 + 12
    assert by_id.loc["last", "followers"] == 15  # the day after is not in the data yet
    assert by_id.loc["mid", "shared_with"] == 1 and by_id.loc["early", "shared_with"] == 0
    assert result.posts["post_id"].tolist() == ["next", "mid", "last", "early"]


def test_no_follower_data_for_the_window_method(store: Store) -> None:
    account = seed(store, [{"id": "x", "at": T(2026, 1, 2, 8)}])
    result = activity.posts_with_follows(store.cursor(), account)
    assert not result.ok and result.method == "window" and "content export" in (result.reason or "")
    assert not activity.posts_with_follows(store.cursor(), 999).ok


# ---------------------------------------------------------------------------------------------
# Weekday x hour


def _heatmap_store(store: Store) -> int:
    return seed(store, [
        {"id": "mon1", "at": T(2026, 1, 5, 9, 30), "impressions": 100, "engagements": 10},  # a Monday
        {"id": "mon2", "at": T(2026, 1, 12, 9, 10), "impressions": 300, "engagements": 10},
        {"id": "fri", "at": T(2026, 1, 9, 18, 0), "impressions": 50, "engagements": 5},
        {"id": "dateonly", "at": T(2026, 1, 6), "has_time": False, "impressions": 10, "engagements": 9},
        {"id": "unseen", "at": T(2026, 1, 7, 7), "impressions": 0, "engagements": 0},
    ])


def test_engagement_heatmap_cells(store: Store) -> None:
    account = _heatmap_store(store)
    result = activity.engagement_heatmap(store.cursor(), account)
    assert result.ok and result.posts_used == 3
    cells = result.cells.set_index(["weekday", "hour"])
    assert sorted(cells.index) == [(0, 9), (4, 18)]
    assert cells.loc[(0, 9), "posts"] == 2
    assert cells.loc[(0, 9), "rate"] == pytest.approx(20 / 400)  # a ratio of sums, not a mean of rates
    assert cells.loc[(4, 18), "rate"] == pytest.approx(0.1)
    assert cells.loc[(4, 18), "weekday_name"] == "Friday"
    assert result.notes and "1 timed post" in result.notes[0]


def test_engagement_heatmap_in_a_time_zone(store: Store) -> None:
    account = seed(store, [{"id": "late", "at": T(2026, 1, 5, 23, 30), "impressions": 10, "engagements": 1}])
    paris = activity.engagement_heatmap(store.cursor(), account, tz="Europe/Paris")
    assert paris.cells[["weekday", "hour"]].values.tolist() == [[1, 0]]  # Monday 23:30 UTC is Tuesday 00:30
    assert "Europe/Paris" in paris.method
    assert not activity.engagement_heatmap(store.cursor(), account, tz="Nowhere/Land").ok


def test_engagement_heatmap_without_times(store: Store) -> None:
    account = seed(store, [{"id": "d", "at": T(2026, 1, 6), "has_time": False, "impressions": 10, "engagements": 1}])
    result = activity.engagement_heatmap(store.cursor(), account)
    assert not result.ok and "dates only" in (result.reason or "") and result.cells.empty


# ---------------------------------------------------------------------------------------------
# Charts


def test_posting_timeline_shares_its_time_axis_and_shades_quiet_periods(store: Store) -> None:
    account = _quiet_store(store)
    cursor = store.cursor()
    figure = posting_timeline(
        follower_series(cursor, account), activity.posts_per_day(cursor, account), activity.quiet_periods(cursor, account)
    )
    kinds = [trace.type for trace in figure.data]
    assert kinds == ["scatter", "bar"]
    assert figure.data[0].xaxis == "x" and figure.data[1].xaxis == "x2"
    assert figure.layout.xaxis.matches == "x2" or figure.layout.xaxis2.matches == "x"
    shaded = [shape for shape in figure.layout.shapes if shape.type == "rect"]
    assert len(shaded) == 2  # the one quiet period, on both panels
    payload = json.loads(figure.to_json())
    assert payload["layout"]["title"]["text"] and payload["layout"]["height"] >= 400
    weekly = posting_timeline(follower_series(cursor, account), activity.posts_per_day(cursor, account), None, period="week")
    assert sum(weekly.data[1].y) == 27


def test_lag_chart_highlights_the_best_lag(store: Store) -> None:
    account = _lag_store(store, 120)
    result = activity.lag_correlation(store.cursor(), account)
    figure = lag_correlation_bars(result.table, result.best_lag)
    bars = figure.data[0]
    assert list(bars.x) == list(range(8))
    colours = list(bars.marker.color)
    assert len(set(colours)) == 2 and colours.count(colours[1]) == 1
    assert json.loads(figure.to_json())["layout"]["yaxis"]["range"] == [-1, 1]
    empty = lag_correlation_bars(activity.lag_correlation(store.cursor(), 999).table, None)
    assert len(empty.data) == 0


def test_engagement_heatmap_figure_and_quiet_bars(store: Store) -> None:
    account = _heatmap_store(store)
    cells = activity.engagement_heatmap(store.cursor(), account).cells
    figure = engagement_heatmap_figure(cells)
    heat = figure.data[0]
    assert heat.type == "heatmap" and len(heat.z) == 7 and len(heat.z[0]) == 24
    assert heat.z[0][9] == pytest.approx(5.0)  # percent
    assert heat.z[1][9] is None or math.isnan(heat.z[1][9])
    assert list(heat.y)[0] == "Monday"
    assert json.loads(figure.to_json())["data"][0]["type"] == "heatmap"
    assert len(engagement_heatmap_figure(cells.iloc[0:0]).data) == 0



def test_quiet_active_bars(store: Store) -> None:
    quiet = activity.quiet_vs_active(store.cursor(), _quiet_store(store))
    bars = quiet_active_bars(quiet.table, quiet.min_days)
    assert list(bars.data[0].x) == ["Quiet (7+ days without a post)", "Active"]
    assert list(bars.data[0].y) == pytest.approx([-2.0, 4.0])
    assert json.loads(bars.to_json())["layout"]["title"]["text"]
    assert len(quiet_active_bars(activity.quiet_vs_active(store.cursor(), 999).table).data) == 0
