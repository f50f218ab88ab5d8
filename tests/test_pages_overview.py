"""The Overview page's parts under AppTest on real store files (issue 15 items 1-2, issue 14 items
5-7): the daily table, accounts without followers or with one list, milestones on the curve."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

from analytics.i18n.formats import MINUS
from analytics.metrics import followers, headline
from tests.pages_helpers import APP, infos, metrics, seed
from tests.test_overview_browser import x_overview

FIXTURES = Path(__file__).parent / "fixtures" / "x"
LEGACY = "tweet_activity_metrics_palier_demo_20210801_20210901_en.csv"
TIMEOUT = 60


def run(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.run()
    assert not at.exception, at.exception
    return at


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_daily_table_newest_first_with_its_csv(db: Path) -> None:
    counts = b"date,followers\n2026-01-01,500\n2026-01-02,510\n2026-01-03,495\n"
    seed(db, {"counts.csv": counts}, account="me")
    at = run({"account": "me", "period": "all"})
    (table,) = at.dataframe
    shown = table.value
    assert list(shown.columns) == list(headline.DAILY_TABLE_COLUMNS)
    assert [str(day) for day in shown["date"]] == ["2026-01-03", "2026-01-02", "2026-01-01"]
    assert shown["followers"].tolist() == [495, 510, 500]
    assert shown["change"].tolist()[:2] == [-15, 10]
    assert shown["gained"].isna().all() and shown["lost"].isna().all()  # totals only: no gains or losses
    (download,) = [b for b in at.get("download_button") if b.proto.label.startswith("Download the daily table")]
    assert download.proto.label == "Download the daily table (CSV)"
    # The morning check: the day-to-day difference of the totals.
    assert metrics(at)["Since yesterday"] == "−15"


def test_posts_only_account_has_no_follower_chart(db: Path) -> None:
    seed(db, {LEGACY: (FIXTURES / LEGACY).read_bytes()}, account="legacy")
    at = run({"account": "legacy", "period": "all"})
    assert not at.get("plotly_chart")
    assert "no follower information" in infos(at)
    shown = metrics(at)
    assert "Followers now" not in shown and "Followers" not in shown
    assert shown["Posts"] not in ("0", "—")


def test_one_follower_list_shows_its_count_and_date(db: Path) -> None:
    seed(db, {"list.csv": b"handle,name\nalice,Alice\nbob,Bob\ncarol,Carol\n"}, account="one",
         snapshot_date=dt.date(2025, 3, 1))
    at = run({"account": "one"})
    assert not at.get("plotly_chart")
    assert "3 followers on 01 Mar 2025, from one follower list" in infos(at)


def test_milestone_without_a_total_is_a_change(db: Path) -> None:
    seed(db, {"account_overview_analytics.csv": x_overview()}, account="flows")
    at = run({"account": "flows", "period": "all"})
    curve = figures(at)[0]
    marks = [t for t in curve["data"] if t.get("name") == "Milestone"]
    assert marks, [t.get("name") for t in curve["data"]]
    labels = marks[0]["customdata"]  # every star's label, in its hover; beside it where it fits
    assert labels and all(label.startswith("+") and " since " in label for label in labels), labels
    assert {text for text in marks[0]["text"] if text} <= set(labels)
    assert not any("followers" in label for label in labels)


def test_milestone_with_totals_is_a_follower_count(db: Path) -> None:
    counts = b"date,followers\n2026-01-01,980\n2026-01-05,1010\n"
    seed(db, {"counts.csv": counts}, account="me")
    at = run({"account": "me", "period": "all"})
    curve = figures(at)[0]
    (marks,) = [t for t in curve["data"] if t.get("name") == "Milestone"]
    assert marks["text"] == ["1,000 followers"]
    assert marks["textposition"] == ["top left"]  # on the last day: its label to the left, inside the plot
    assert marks["customdata"] == ["1,000 followers"]  # and in the hover
    assert "Passed 1,000 followers on" in "\n".join(m.value for m in at.markdown)


def test_period_figures_match_the_headline_function(db: Path) -> None:
    seed(db, {"account_overview_analytics.csv": x_overview()}, account="flows")
    at = run({"account": "flows", "period": "7d"})
    from analytics.store import open_store
    from analytics.store.accounts import require_account
    store = open_store(db)
    try:
        cursor = store.cursor()
        series = followers.follower_series(cursor, require_account(cursor, "flows").account_id)
        posts = headline.daily_posts(cursor, require_account(cursor, "flows").account_id)
        cursor.close()
    finally:
        store.close()
    last = series["day"].max().date()
    comparison = headline.against_previous(series, posts, last - dt.timedelta(days=6), last)
    shown = metrics(at)
    assert shown["Gained"] == f"{comparison.current.gained:,.0f}"
    assert shown["Lost"] == f"{comparison.current.lost:,.0f}"
    assert shown["Posts"] == f"{comparison.current.posts:,}"
    deltas = {m.label: m.delta for m in at.metric}
    change = comparison.change("gained")
    assert change is not None
    assert deltas["Gained"] == (f"{change:+,.0f}".replace("-", MINUS) if change else "0")


# A day-by-day total that rises, falls, then rises more and more slowly: periods against the
# periods before give deltas of both signs on Overview and Growth.
def _wavy_totals() -> bytes:
    first = dt.date(2026, 1, 1)
    steps = [40] * 30 + [-30] * 15 + [50] * 8 + [10] * 7  # the last week gains less than the one before
    totals = [1000 + sum(steps[:n]) for n in range(60)]
    return ("date,followers\n" + "".join(f"{first + dt.timedelta(days=n)},{t}\n" for n, t in enumerate(totals))).encode()


def _signed_deltas(at: AppTest) -> list[tuple[str, str, int, int]]:
    """(label, delta text, arrow, colour) of every metric whose delta carries a sign."""
    return [(m.label, m.proto.delta, m.proto.direction, m.proto.color) for m in at.metric
            if m.proto.delta and m.proto.delta.lstrip()[:1] in ("+", MINUS, "-", "0")]


def test_a_loss_is_drawn_going_down_in_red_with_the_minus_of_every_other_number(db: Path) -> None:
    """Streamlit reads a delta's arrow from a leading ASCII "-": the typographic minus that every
    other change uses would draw a loss going up, in green (Growth's "vs previous period" did)."""
    from streamlit.proto.Metric_pb2 import Metric

    seed(db, {"counts.csv": _wavy_totals()}, account="wavy")
    seen: set[int] = set()
    for page, period in (("pages/overview.py", "7d"), ("pages/overview.py", "28d"), ("pages/growth.py", "7d"),
                         ("pages/growth.py", "28d"), ("pages/overview.py", "all")):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params.update({"account": "wavy", "period": period})
        at.switch_page(page).run()
        assert not at.exception, at.exception
        deltas = _signed_deltas(at)
        assert deltas, (page, period)
        for label, text, arrow, colour in deltas:
            assert not text.lstrip().startswith("-"), (label, text)  # the minus sign, never a hyphen
            falling = text.lstrip().startswith(MINUS)
            rising = text.lstrip().startswith("+")
            expected_arrow = Metric.MetricDirection.DOWN if falling else Metric.MetricDirection.UP if rising else Metric.MetricDirection.NONE
            assert arrow == expected_arrow, (page, period, label, text)
            good = rising != (label == "Lost")
            expected_colour = Metric.MetricColor.GRAY if not (falling or rising) else Metric.MetricColor.GREEN if good else Metric.MetricColor.RED
            assert colour == expected_colour, (page, period, label, text)
            seen.add(arrow)
    # Both directions were drawn: the test can tell a loss from a gain.
    assert {Metric.MetricDirection.DOWN, Metric.MetricDirection.UP} <= seen


def test_milestone_labels_go_where_the_curve_is_not() -> None:
    """A label beside its star on the side the curve leaves empty (above-left of a rise, below-left
    of a fall), and to the right in the first third: to the left it would cover the axis' numbers."""
    import pandas as pd

    from analytics.charts.marks import readable_labels

    days = pd.date_range("2026-10-01", periods=31)
    rise = pd.Series([100.0 + 10 * n for n in range(31)], index=days)
    fall = pd.Series([500.0 - 10 * n for n in range(31)], index=days)
    marks = [days[0], days[5], days[20], days[30]]
    for curve, expected in ((rise, ["bottom right", "bottom right", "top left", "top left"]),
                            (fall, ["top right", "top right", "bottom left", "bottom left"])):
        readable = readable_labels(marks, [curve[d] for d in marks], ["a", "b", "c", "d"], curve.index, curve)
        assert readable.sides == expected
        assert readable.shown == ["a", "b", "c", "d"]  # a sixth of the height apart or more: all shown


def test_milestones_close_together_keep_their_stars_and_show_the_labels_that_fit() -> None:
    """Ten round numbers passed within weeks on a two-year curve were written one over the other:
    the latest is labelled, then each one far enough from every label kept, across or up."""
    import pandas as pd

    from analytics.charts.marks import MIN_ACROSS, MIN_UP, readable_labels

    curve = pd.Series(600.0 + 3 * pd.RangeIndex(730), index=pd.date_range("2025-01-01", periods=730))
    crossed = [650 + 50 * k for k in range(8)] + [1500, 2000, 2500]  # 650 ... 1,000, then 1,500 ...
    days = [curve.index[curve >= m][0] for m in crossed]
    values = [float(curve[d]) for d in days]
    labels = [f"{m} followers" for m in crossed]
    readable = readable_labels(days, values, labels, curve.index, curve)
    shown = [i for i, text in enumerate(readable.shown) if text]
    assert readable.shown[-1] == "2500 followers"  # the latest always
    assert all(readable.shown[i] == labels[i] for i in shown)
    width, height = 729.0, float(curve.max() - curve.min())
    for i in shown:
        for j in shown:
            if i < j:
                apart_across = abs((days[j] - days[i]).days) >= MIN_ACROSS * width
                apart_up = abs(values[j] - values[i]) >= MIN_UP * height
                assert apart_across or apart_up, (labels[i], labels[j])
    # Not every label was dropped, and not every one kept: the eight close ones are thinned.
    assert 4 <= len(shown) < len(crossed), readable.shown
