"""The Growth, Churn & plateaus and Activity pages, run headless with AppTest on real store files.

Each page is run on an empty store (a friendly message, nothing else), on small stores built
from Palier's generic CSVs (a count history with a planted plateau and purge, follower lists
with hostile profile text), and on the demo at a small scale. The figures on the page are
compared with what `analytics.metrics` returns for the same data.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.metrics import activity, followers, growth, lists, plateaus
from analytics.store import open_store
from analytics.store.accounts import require_account
from tests.pages_helpers import APP, infos, metrics, seed, texts

GROWTH, CHURN, ACTIVITY = "pages/growth.py", "pages/churn.py", "pages/activity.py"
TIMEOUT = 60
START = dt.date(2025, 1, 1)
DAYS = 150
PLATEAU = range(60, 90)  # days with no growth between two stretches of +10 a day
PURGE_DAY = 120  # 100 followers gone at once


def _counts_csv() -> bytes:
    total, lines = 1000, ["date,followers"]
    for day in range(DAYS):
        if day:
            # A small deterministic wobble so the noise estimate is not zero.
            step = (day % 3) - 1 if day in PLATEAU else 10 + (day % 3) - 1
            total += step - (100 if day == PURGE_DAY else 0)
        lines.append(f"{START + dt.timedelta(days=day)},{total}")
    return ("\n".join(lines) + "\n").encode()


COUNTS_CSV = _counts_csv()
HOSTILE_BIO = "**bold** [click](https://evil.example) <b>x</b> :red[alarm]"
LIST_1 = b"handle,name,bio,followers_count\nalice,Alice,Maps,10\nbob,Bob,Charts,20\ncarol,Carol,Data,30\n"
LIST_2 = (
    "handle,name,bio,followers_count\nalice,Alice,Maps,10\ncarol,Carol,Data,30\n"
    f'dave,Dave,"{HOSTILE_BIO}",40\nerin,Erin,,50\n'
).encode()
LIST_3 = b"handle,name,bio,followers_count\nalice,Alice,Maps,10\ncarol,Carol,Data,30\nerin,Erin,,50\n"
LIST_DATES = (dt.date(2025, 2, 1), dt.date(2025, 2, 4), dt.date(2025, 2, 8))


def seed_lists(path: Path, account: str = "lists") -> None:
    for data, day in zip((LIST_1, LIST_2, LIST_3), LIST_DATES, strict=True):
        seed(path, {"followers.csv": data}, account=account, snapshot_date=day)


def with_cursor(path: Path, account: str, read: Any) -> Any:
    """What a metric returns on the store file, read before the app opens it."""
    store = open_store(path)
    cursor = store.cursor()
    try:
        return read(cursor, require_account(cursor, account).account_id)
    finally:
        cursor.close()
        store.close()


def run(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    # These tests read figures over each account's whole data, the default period before the
    # shared period picker (28 days since): ask for it as a bookmark would.
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def chart_keys(at: AppTest) -> list[str]:
    return [chart.proto.id for chart in at.get("plotly_chart")]


# Dataframes carry no key in AppTest 1.67: each table of these pages has a column of its own.
TABLE_MARKERS = {
    "growth_best_worst": "Net per day",  # also in growth_comparison, told apart below
    "growth_comparison": "Period",
    "churn_plateaus": "Per day before",
    "churn_purges": "Times the usual",
    "churn_joined": "Handle",
    "churn_left": "Last in a list",
    "churn_quick": "Days followed",
    "activity_quiet_periods": "Net per day",
    "activity_top_posts": "Rank",
}


def frame(at: AppTest, key: str) -> pd.DataFrame:
    """The table a page showed under `key`, found by its marker column."""
    marker = TABLE_MARKERS[key]
    for element in at.dataframe:
        value = element.value
        if marker not in value.columns:
            continue
        if key == "growth_best_worst" and "Period" in value.columns:
            continue
        if key == "churn_joined" and ("Last in a list" in value.columns or "Days followed" in value.columns):
            continue
        return value
    raise AssertionError(f"no table {key!r} among {[list(d.value.columns) for d in at.dataframe]}")


def selectbox(at: AppTest, label: str) -> Any:
    return next(s for s in at.selectbox if s.label == label)


def segmented(at: AppTest, label: str) -> Any:
    return next(s for s in at.segmented_control if s.label == label)


# --- Empty store ------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [GROWTH, CHURN, ACTIVITY])
def test_empty_store_says_what_to_import(db: Path, page: str) -> None:
    at = run(page)
    assert "No account yet" in at.info[0].value
    assert "Import" in at.get("page_link")[0].proto.label
    assert not at.get("plotly_chart") and not at.metric and not at.error


# --- Growth -----------------------------------------------------------------------------------------


def test_growth_from_a_count_history(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    series = with_cursor(db, "counts", followers.follower_series)
    first, last = START, START + dt.timedelta(days=DAYS - 1)
    comparison = growth.compare_periods_of(series, first, last)
    projected = growth.projection_of(series)
    at = run(GROWTH)
    assert at.title[0].value == "Growth"
    assert at.multiselect(key="growth_accounts").value == ["counts"]
    shown = metrics(at)
    assert comparison.current is not None and comparison.current.followers_end is not None
    assert shown["Followers"] == f"{comparison.current.followers_end:,.0f}"
    assert shown["Net change"] == f"{comparison.current.net:+,.0f}"
    assert shown["Growth rate"] == f"{comparison.current.rate:+.2%}"
    assert shown["Next milestone"] == f"{projected.milestone:,}"
    assert projected.reached_on is not None
    assert shown["Expected around"] == f"{projected.reached_on:%d %b %Y}"
    # The whole history is chosen: nothing before it to compare with, and the page says why.
    assert "No comparison with the previous period: The data starts on 2025-01-01" in infos(at)
    assert "No comparison with the same dates a year earlier" in infos(at)
    keys = chart_keys(at)
    assert any("growth_curves" in k for k in keys) and any("growth_projection" in k for k in keys)
    assert any("growth_gains_losses" in k for k in keys) and any("growth_rate" in k for k in keys)
    # 150 days: weeks by default; the best week is the one the metrics rank first.
    assert segmented(at, "Per").value == "week"
    best = growth.best_and_worst_of(growth.growth_rates_of(growth.resample_of(series, "week")))
    table = frame(at, "growth_best_worst")
    assert table["Net"].tolist() == best["net"].tolist()
    assert "Projection: a straight line" in texts(at)  # the method is on the page


def test_growth_later_period_compares_and_granularity_switches(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    series = with_cursor(db, "counts", followers.follower_series)
    start, end = dt.date(2025, 4, 1), dt.date(2025, 4, 30)
    comparison = growth.compare_periods_of(series, start, end)
    at = run(GROWTH)
    at.date_input[0].set_value((start, end)).run()
    assert not at.exception
    assert comparison.previous is not None and comparison.net_vs_previous is not None
    table = frame(at, "growth_comparison")
    assert table["Net"].tolist()[:2] == [comparison.current.net, comparison.previous.net]  # type: ignore[union-attr]
    assert "No comparison with the same dates a year earlier" in infos(at)
    # 30 days: daily bars by default; months on request.
    assert segmented(at, "Per").value == "day"
    segmented(at, "Per").set_value("month").run()
    assert not at.exception
    months = growth.growth_rates_of(growth.resample_of(followers.in_range(series, start, end), "month"))
    assert frame(at, "growth_best_worst")["Net"].tolist() == months["net"].tolist()


def test_growth_side_by_side_with_an_account_without_total(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    seed_lists(db)
    at = run(GROWTH)
    at.multiselect(key="growth_accounts").set_value(["counts", "lists"]).run()
    assert not at.exception
    # Details follow the first account until another is chosen.
    assert at.selectbox(key="growth_focus").value == "counts"
    at.selectbox(key="growth_focus").set_value("lists").run()
    assert not at.exception
    assert metrics(at)["Followers"] == "3"  # alice, carol, erin on the last list
    at.multiselect(key="growth_accounts").set_value([]).run()
    assert not at.exception
    assert "Choose at least one account" in infos(at)


# --- Churn & plateaus ----------------------------------------------------------------------------


def test_churn_plateau_and_purge_from_a_count_history(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    series = with_cursor(db, "counts", followers.follower_series)
    found = plateaus.plateaus_of(series)
    purges = plateaus.purge_days_of(series)
    summary = plateaus.churn_summary_of(series, purges)
    step = plateaus.step_effect_of(series)
    assert len(found.table) == 1 and purges["day"].tolist() == [pd.Timestamp(START + dt.timedelta(days=PURGE_DAY))]
    at = run(CHURN)
    assert at.title[0].value == "Churn & plateaus"
    listed = frame(at, "churn_plateaus")
    assert listed["From"].tolist() == found.table["start"].tolist()
    assert listed["Days"].tolist() == found.table["days"].tolist()
    assert frame(at, "churn_purges")["Lost"].tolist() == purges["lost"].tolist()
    shown = metrics(at)
    assert shown["Purge days"] == "1"
    assert shown["Followers lost"] == f"{summary.lost:,.0f}"
    assert shown["Excluding purges"] == f"{summary.lost_per_day_excl_purges:,.1f}"
    assert shown["Loss day after a gain day"] == f"{step.p_loss_after_gain:.0%}"
    assert "Plateaus: the daily net change is cut into segments" in texts(at)
    # No follower list: the page says what to import instead of empty tables.
    assert "import at least two follower lists" in infos(at)
    assert not at.selectbox or all(s.label != "From the list of" for s in at.selectbox)


def test_churn_who_followed_and_left_shows_profiles_as_text(db: Path) -> None:
    seed_lists(db)
    expected = with_cursor(db, "lists", lambda c, a: lists.list_changes(c, a, LIST_DATES[0], LIST_DATES[1]))
    at = run(CHURN)
    # The last two lists by default: erin stayed, dave left.
    assert selectbox(at, "From the list of").value == LIST_DATES[1]
    assert selectbox(at, "To the list of").value == LIST_DATES[2]
    assert metrics(at)["Followed"] == "0" and metrics(at)["Unfollowed"] == "1"
    left = frame(at, "churn_left")
    assert left["Handle"].tolist() == ["dave"]
    # Untrusted text reaches the page only as a dataframe cell, verbatim, never as markdown.
    assert left["Bio"].tolist() == [HOSTILE_BIO]
    assert "evil.example" not in texts(at) + infos(at)

    selectbox(at, "From the list of").set_value(LIST_DATES[0]).run()
    selectbox(at, "To the list of").set_value(LIST_DATES[1]).run()
    assert not at.exception
    joined = frame(at, "churn_joined")
    assert set(joined["Handle"]) == {"dave", "erin"} == set(expected.changes.loc[expected.changes["change"] == "joined", "handle"])
    assert frame(at, "churn_left")["Handle"].tolist() == ["bob"]
    # dave: first seen on Feb 4, gone from the Feb 8 list: a quick unfollow.
    assert metrics(at)["Quick unfollows"] == "1"
    assert frame(at, "churn_quick")["Handle"].tolist() == ["dave"]

    # The same list on both sides is a reason, not an error.
    selectbox(at, "From the list of").set_value(LIST_DATES[1]).run()
    assert not at.exception
    assert "The two snapshots are the same" in infos(at)


def test_churn_opens_on_the_lists_the_analysis_kept(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics import analysis as features

    seed_lists(db)
    store = open_store(db)
    try:
        cursor = store.cursor()
        account = require_account(cursor, "lists").account_id
        counted = lists.list_changes(cursor, account, LIST_DATES[1], LIST_DATES[2])
        features.refresh_features(store, account)
    finally:
        store.close()

    def no_counting(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the page counted a list the analysis kept")

    with monkeypatch.context() as patch:
        patch.setattr(lists, "count_list_changes", no_counting)
        patch.setattr(lists, "count_quick_unfollows", no_counting)
        at = run(CHURN)
    # The same figures and people as counted from the spells, read from the analysis.
    assert (metrics(at)["Followed"], metrics(at)["Unfollowed"]) == (str(counted.joined), str(counted.left)) == ("0", "1")
    left = frame(at, "churn_left")
    assert left["Handle"].tolist() == ["dave"] and left["Bio"].tolist() == [HOSTILE_BIO]
    assert metrics(at)["Quick unfollows"] == "1" and frame(at, "churn_quick")["Handle"].tolist() == ["dave"]

    # Another pair of lists was not kept: it is counted, in the section's own rerun.
    selectbox(at, "From the list of").set_value(LIST_DATES[0]).run()
    selectbox(at, "To the list of").set_value(LIST_DATES[1]).run()
    assert not at.exception
    assert set(frame(at, "churn_joined")["Handle"]) == {"dave", "erin"}
    assert frame(at, "churn_left")["Handle"].tolist() == ["bob"]


def test_churn_ranks_the_most_followed_once_drawn_so_that_a_pick_far_back_does_not(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics.ui.churn_view import MAX_PEOPLE

    dates = with_cursor(demo_db, "demo", lambda c, a: [d.date() for d in lists.snapshot_dates(c, a)["snapshot_date"]])
    # The small demo's first and latest lists are far enough apart that their changes are read
    # from the most followed profiles: a ranking of this size.
    sized = with_cursor(demo_db, "demo", lambda c, a: lists.pool_sizes(c, a, dates[0], dates[-1], "follower", MAX_PEOPLE))
    assert sized is not None
    expected = with_cursor(demo_db, "demo", lambda c, a: lists.list_changes(c, a, dates[0], dates[-1]))
    ranked: list[int] = []
    read_from_ranking: list[bool] = []
    rank, among = lists.most_followed, lists._changes_among_most_followed

    def ranking(cursor: Any, account_id: int, count: int) -> pd.DataFrame:
        ranked.append(count)
        return rank(cursor, account_id, count)

    def changes(cursor: Any, params: dict[str, Any], given: Any = None) -> pd.DataFrame | None:
        rows = among(cursor, params, given)
        read_from_ranking.append(rows is not None and given is not None)
        return rows

    monkeypatch.setattr(lists, "most_followed", ranking)
    monkeypatch.setattr(lists, "_changes_among_most_followed", changes)
    at = run(CHURN)
    # Ranked once the page was drawn (the default pair, a day apart, needs no ranking).
    assert ranked == [lists.ranking_size(sized[0])]
    assert not any(read_from_ranking)

    selectbox(at, "From the list of").set_value(dates[0]).run()
    assert not at.exception
    # The pick read its changes from that ranking, kept: nothing was ranked again.
    assert read_from_ranking[-1] and ranked == [lists.ranking_size(sized[0])]
    assert (metrics(at)["Followed"], metrics(at)["Unfollowed"]) == (f"{expected.joined:,}", f"{expected.left:,}")


# --- Activity -------------------------------------------------------------------------------------


def test_activity_without_posts_says_what_to_import(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    at = run(ACTIVITY)
    assert at.title[0].value == "Activity"
    assert "No posts in this period" in infos(at)
    assert "no posts imported" in infos(at)
    assert "No post with a known time" in infos(at)


def test_pages_on_the_small_demo(demo_db: Path) -> None:
    def read(cursor: Any, account_id: int) -> tuple[Any, ...]:
        return (
            activity.quiet_vs_active(cursor, account_id),
            activity.lag_correlation(cursor, account_id),
            activity.posts_with_follows(cursor, account_id),
            plateaus.purge_days_of(followers.follower_series(cursor, account_id)),
            lists.quick_unfollows(cursor, account_id),
        )

    quiet, lags, brought, purges, quick = with_cursor(demo_db, "demo", read)
    at = run(ACTIVITY)
    assert quiet.ok and quiet.reading in texts(at)
    assert frame(at, "activity_quiet_periods")["Days"].tolist() == quiet.periods["days"].tolist()
    if lags.reason is None:
        assert lags.reading.removeprefix(lags.caution or "").strip() in texts(at)
        if lags.caution:  # with the way out of it
            assert f"{lags.caution} Choose a longer period above to give it more days." in infos(at)
    else:
        assert lags.reason in infos(at)
    top = frame(at, "activity_top_posts")
    assert top["Followers"].tolist() == brought.posts["followers"].head(len(top)).tolist()
    assert top["Post"].tolist() == brought.posts["text"].head(len(top)).tolist()

    # A longer threshold finds fewer (or as many) quiet periods; the page follows the metric.
    at.number_input(key="activity_quiet_days").set_value(14).run()
    assert not at.exception
    longer = with_cursor(demo_db, "demo", lambda c, a: activity.quiet_vs_active(c, a, 14))
    assert (longer.reason or longer.reading) in infos(at) + texts(at)

    at.switch_page(CHURN).run()
    assert not at.exception
    assert metrics(at)["Purge days"] == f"{len(purges)}"
    assert metrics(at)["Quick unfollows"] == f"{quick.count:,}"
    assert any("churn_cohorts" in k for k in chart_keys(at))

    at.switch_page(GROWTH).run()
    assert not at.exception
    assert any("growth_projection" in k for k in chart_keys(at))


def test_a_short_relation_is_cautioned_with_the_way_out_and_no_strength(db: Path) -> None:
    """Forty days of posts and follows: the relation is read from too few days. The page says so,
    says how to give it more days, and calls the relation neither strong nor weak."""
    from tests.test_headline import x_overview

    seed(db, {"account_overview_analytics.csv": x_overview()}, account="short")
    lags = with_cursor(db, "short", lambda cursor, account_id: activity.lag_correlation(cursor, account_id))
    assert lags.reason is None and lags.caution is not None
    at = run(ACTIVITY)
    assert f"{lags.caution} Choose a longer period above to give it more days." in infos(at)
    shown = texts(at)
    assert "too few to tell a relation from chance" in shown
    assert not any(f"a {strength} relation" in shown for strength in ("strong", "moderate", "weak"))
