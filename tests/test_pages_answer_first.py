"""Growth, Churn & plateaus and Activity answer first (#15 item 4), on stores of each shape: one
follower list, posts only, a count history, handle-keyed lists with a loss, Bluesky lists whose
losses were checked against a local API server; and the chart fixes behind them (#14 items 5, 6,
8, 11; #17 items 1-3). Each page is run headless with AppTest on a real store file."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.charts.activity import engagement_heatmap_figure, posting_timeline
from analytics.charts.growth import follow_dates_figure
from analytics.i18n import format_date
from analytics.metrics import followers, growth
from analytics.metrics import losses as ml
from analytics.store import open_store
from analytics.ui.churn_view import loss_sentence
from tests.pages_helpers import infos, metrics, seed, texts
from tests.test_pages_growth import ACTIVITY, CHURN, COUNTS_CSV, GROWTH, LIST_DATES, chart_keys, frame, run, seed_lists, with_cursor

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT_CSV = (FIXTURES / "x" / "account_analytics_content_2024-11-21_2025-02-19.csv").read_bytes()
LEGACY_TWEETS = "tweet_activity_metrics_palier_demo_20210801_20210901_en.csv"
DAY = 86_400
BASE = 1_735_689_600  # 2025-01-01 00:00 UTC
FOLLOWED = [("ann", BASE + 3600), ("bob", BASE + 7200), ("cy", BASE + 3 * DAY), ("dee", BASE + 10 * DAY + 60)]


def instagram_followers(people: list[tuple[str, int]]) -> bytes:
    """Instagram's followers_1.json (FORMATS.md): one entry per follower with the time they followed."""
    entry = ('{"title": "", "media_list_data": [], "string_list_data": [{"href": "https://www.instagram.com/%s", '
             '"value": "%s", "timestamp": %d}]}')
    return ("[\n" + ",\n".join(entry % (u, u, t) for u, t in people) + "\n]").encode()


def _decoded(value: Any) -> Any:
    """Plotly's JSON packs number arrays as {"dtype", "bdata"} (base64): read them back as lists."""
    if isinstance(value, dict) and set(value) >= {"dtype", "bdata"}:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).tolist()
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def chart_spec(at: AppTest, key: str) -> dict[str, Any]:
    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    spec: dict[str, Any] = _decoded(json.loads(chart.proto.spec))
    return spec


def order_of(at: AppTest) -> list[str]:
    """The main block's elements in page order, as kinds and labels (to see what comes first)."""
    seen: list[str] = []

    def walk(node: Any) -> None:
        for child in getattr(node, "children", {}).values():
            kind = getattr(child, "type", "")
            if kind == "metric":
                seen.append(f"metric:{child.label}")
            elif kind == "plotly_chart":
                seen.append(f"chart:{child.proto.id}")
            elif kind == "tab":
                seen.append(f"tab:{child.label}")
            elif kind == "markdown":
                seen.append(f"text:{child.value}")
            walk(child)

    walk(at.main)
    return seen


def first_index(order: list[str], prefix: str) -> int:
    return next(i for i, item in enumerate(order) if item.startswith(prefix))


# --- Growth -----------------------------------------------------------------------------------------


def test_growth_of_one_list_shows_its_count_date_and_follow_dates(db: Path) -> None:
    seed(db, {"followers_1.json": instagram_followers(FOLLOWED)}, account="insta", snapshot_date=dt.date(2025, 2, 1))
    by_date = with_cursor(db, "insta", ml.followers_by_follow_date)
    at = run(GROWTH)
    assert not at.exception
    label = "Followers on " + format_date(dt.date(2025, 2, 1))
    assert metrics(at) == {label: "4"}  # the count and its date, nothing computed from one point
    keys = chart_keys(at)
    assert not any("growth_curves" in k for k in keys)  # no one-point line
    assert any("growth_follow_dates" in k for k in keys)
    spec = chart_spec(at, "growth_follow_dates")
    assert spec["data"][0]["y"] == by_date["followers"].tolist() == [2, 3, 4]
    assert "lower bound" in spec["layout"]["yaxis"]["title"]["text"]
    shown = texts(at) + infos(at)
    assert "A lower bound of the past" in shown and "One follower list so far" in shown
    # Never "Details from … to …" followed by "The data does not cover this period" (#14 item 6).
    assert "Details" not in shown and "does not cover" not in shown
    assert not at.tabs  # no gains, comparisons or projection to open for one list


def test_growth_without_follower_data_says_what_would_add_it(db: Path) -> None:
    seed(db, {"account_analytics_content_2024-11-21_2025-02-19.csv": CONTENT_CSV}, account="posts")
    at = run(GROWTH)
    assert not at.exception
    assert not at.get("plotly_chart") and not at.metric
    shown = infos(at)
    assert "No follower information for this account" in shown
    assert "follower-count CSV" in shown and "follower list" in shown
    assert "Import follower data" in [link.proto.label for link in at.get("page_link")]


def test_growth_answers_first_with_milestones_on_the_curve(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    series = with_cursor(db, "counts", followers.follower_series)
    passed = growth.milestones_passed_of(series)
    assert not passed.empty
    at = run(GROWTH)
    order = order_of(at)
    # The figures and the curve come before the first tab; the projection waits in a tab.
    assert first_index(order, "metric:Followers") < first_index(order, "chart:") < first_index(order, "tab:")
    assert first_index(order, "chart:") == first_index(order, "chart:" + [k for k in chart_keys(at) if "growth_curves" in k][0])
    assert [t.label for t in at.tabs] == ["Gains and losses", "Against earlier periods", "Milestones and projection"]
    stars = [t for t in chart_spec(at, "growth_curves")["data"] if t.get("name") == "Milestone"]
    assert len(stars) == 1
    assert pd.to_datetime(stars[0]["x"]).tolist() == passed["day"].tolist()
    assert stars[0]["customdata"] == [f"{m:,}" for m in passed["milestone"]]
    assert stars[0]["text"][-1] == f"{passed['milestone'].iloc[-1]:,}"  # the latest always beside its star
    # The best and worst weeks: a named rank column, numbers or blanks, never "None" (#14 item 11).
    table = frame(at, "growth_best_worst")
    assert "" not in table.columns and set(table["Rank"]) <= {"Best", "Worst"}
    assert all(table[c].dtype == "float64" for c in ("Gained", "Lost", "Net", "Growth rate", "Net per day"))
    assert "None" not in table.astype(str).to_string()


# --- Churn ------------------------------------------------------------------------------------------


def test_churn_opens_on_who_left_and_why_with_the_rename_caveat(db: Path) -> None:
    seed_lists(db)
    breakdown = with_cursor(db, "lists", lambda c, a: ml.loss_breakdown(c, a, LIST_DATES[1], LIST_DATES[2]))
    assert breakdown.change == -1 and breakdown.counts is not None and breakdown.counts["unknown"] == 1
    at = run(CHURN)
    expected = (f"1 fewer between the lists of {format_date(LIST_DATES[1])} and {format_date(LIST_DATES[2])}: "
                "1 without a known cause.")
    assert loss_sentence(breakdown) == expected
    order = order_of(at)
    sentence = order.index(f"text:**{expected}**")
    assert sentence < first_index(order, "tab:")
    assert first_index(order, "metric:Followed") < sentence
    # Handles only (a follower-list CSV): a rename would look like a loss and a gain, and the page says so.
    assert "know followers by handle only" in texts(at)
    assert [t.label for t in at.tabs][:5] == ["Followed", "Unfollowed", "Plateaus", "Purge days", "Churn rate"]


def test_churn_without_lists_opens_on_the_losses_per_day(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    at = run(CHURN)
    order = order_of(at)
    assert first_index(order, "metric:Followers lost") < first_index(order, "chart:") < first_index(order, "tab:")
    assert "churn_losses" in order[first_index(order, "chart:")]
    # The purge day's bar is drawn with a width (a bar on a date axis is 0 px wide without one).
    bars = [t for t in chart_spec(at, "churn_losses")["data"] if t.get("type") == "bar"]
    assert bars and all(t.get("width") for t in bars)
    assert "import at least two follower lists" in infos(at)


def test_churn_names_the_causes_the_api_gave(db: Path) -> None:
    from analytics.collect.losses import check_losses
    from tests.collect_server import Reply, bsky_did, bsky_view, running
    from tests.test_collect import FakeTime, client
    from tests.test_losses import DAY1, DAY2, PROFILE, PROFILES, bluesky_list

    with running() as server:
        store = open_store(db)
        try:
            bluesky_list(server, store, list(range(1, 21)), DAY1)
            bluesky_list(server, store, list(range(6, 21)), DAY2)
            server.route(PROFILES, {"actors": ",".join(bsky_did(n) for n in range(1, 6))},
                         Reply(body={"profiles": [bsky_view(1), bsky_view(2)]}))
            server.route(PROFILE, {"actor": bsky_did(3)}, Reply(400, {"error": "AccountDeactivated", "message": "x"}))
            server.route(PROFILE, {"actor": bsky_did(4)}, Reply(400, {"error": "AccountTakedown", "message": "x"}))
            server.route(PROFILE, {"actor": bsky_did(5)}, Reply(400, {"error": "InvalidRequest", "message": "Profile not found"}))
            check_losses(store, "me", client(FakeTime()), api_url=server.base)
        finally:
            store.close()
    at = run(CHURN)
    expected = (f"5 fewer between the lists of {format_date(DAY1)} and {format_date(DAY2)}: "
                "2 unfollowed, 1 deactivated, 1 suspended, 1 deleted.")
    assert f"**{expected}**" in [m.value for m in at.markdown]
    # Keyed on Bluesky DIDs: no rename caveat, and every cause is known.
    assert "handle only" not in texts(at) and "check-losses" not in texts(at)


# --- Activity ---------------------------------------------------------------------------------------


def test_activity_answers_first_and_lists_only_posts_that_brought_some(db: Path) -> None:
    seed(db, {"account_analytics_content_2024-11-21_2025-02-19.csv": CONTENT_CSV}, account="posts")
    at = run(ACTIVITY)
    order = order_of(at)
    assert first_index(order, "chart:") < first_index(order, "tab:")
    assert "activity_timeline" in order[first_index(order, "chart:")]
    assert [t.label for t in at.tabs] == ["Quiet against active", "By lag", "Posts that brought followers", "Best time to post"]
    content = pd.read_csv(FIXTURES / "x" / "account_analytics_content_2024-11-21_2025-02-19.csv")
    brought = content[content["New follows"] > 0]
    top = frame(at, "activity_top_posts")
    assert len(top) == min(15, len(brought)) and (top["Followers"] > 0).all()
    assert sorted(top["Followers"].tolist(), reverse=True) == sorted(brought["New follows"].tolist(), reverse=True)[: len(top)]
    assert "the X content export ('New follows')" in texts(at)
    # Best time to post: what it needs, and which exports carry post times (#14 item 8).
    shown = infos(at)
    assert "X content exports give dates only" in shown and "tweet_activity_metrics_*.csv" in shown


def test_activity_credits_the_legacy_export(db: Path) -> None:
    seed(db, {LEGACY_TWEETS: (FIXTURES / "x" / LEGACY_TWEETS).read_bytes()}, account="legacy")
    at = run(ACTIVITY)
    assert not at.exception
    assert "legacy tweet activity export" in texts(at) and "X content export" not in texts(at)
    assert (frame(at, "activity_top_posts")["Followers"] > 0).all()
    assert any("activity_heatmap" in k for k in chart_keys(at))


# --- The charts behind them ---------------------------------------------------------------------------


def test_quiet_labels_do_not_pile_up_at_a_low_threshold() -> None:
    days = pd.date_range("2025-01-01", periods=120, freq="D", unit="us")
    series = pd.DataFrame({"day": days, "followers": range(1000, 1120), "change": range(120)})
    posted = days[::3]  # a post every third day: a one-day threshold finds a quiet period every three days
    posts = pd.DataFrame({"day": posted, "posts": 1})
    quiet = pd.DataFrame({"start": posted[:-1] + pd.Timedelta(days=1), "end": posted[:-1] + pd.Timedelta(days=2),
                          "days": 2})
    figure = posting_timeline(series, posts, quiet)
    labels = [a for a in figure.layout.annotations if "quiet" in (a.text or "")]
    assert 0 < len(labels) <= 9 < len(quiet)
    starts = sorted(pd.Timestamp(a.x) for a in labels)
    assert all((b - a).days >= 120 * 0.12 for a, b in zip(starts, starts[1:], strict=False))
    assert len([s for s in figure.layout.shapes if s.type == "rect"]) == 2 * len(quiet)  # every band still shaded


def test_heatmap_hours_down_fits_a_phone() -> None:
    cells = pd.DataFrame({"weekday": [0, 2], "hour": [9, 18], "rate": [0.05, 0.02], "posts": [2, 1],
                          "impressions": [1000.0, 500.0]})
    heat = engagement_heatmap_figure(cells, hours_down=True).data[0]
    assert len(heat.z) == 24 and len(heat.z[0]) == 7
    assert heat.z[9][0] == pytest.approx(5.0) and heat.z[18][2] == pytest.approx(2.0)
    assert list(heat.x)[0] == "Mon" and list(heat.y)[9] == "09:00"


def test_follow_dates_figure_is_a_labelled_step_line() -> None:
    by_date = pd.DataFrame({"day": pd.to_datetime(["2025-01-01", "2025-01-04"]), "followers": [2, 3]})
    figure = follow_dates_figure(by_date)
    assert figure.data[0].line.shape == "hv" and list(figure.data[0].y) == [2, 3]
    assert "lower bound" in figure.layout.yaxis.title.text
