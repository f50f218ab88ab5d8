"""The morning check's figures (issue 15, items 1-2), strict JSON, LinkedIn's hidden connections
(issue 14, items 4 and 9). Fixtures written from ../shared/FORMATS.md."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analytics import cli
from analytics.metrics import headline, notable
from analytics.metrics.followers import follower_series
from analytics.store import Store, open_store
from analytics.store.accounts import require_account
from tests.conftest import import_bytes
from tests.test_headline import x_overview

LAST = dt.date(2026, 3, 1) + dt.timedelta(days=39)


def _ids(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    cursor = store.cursor()
    try:
        account_id = require_account(cursor, "me").account_id
        return follower_series(cursor, account_id), headline.daily_posts(cursor, account_id)
    finally:
        cursor.close()


def test_morning_check_from_daily_flows(store: Store) -> None:
    import_bytes(store, {"account_overview_analytics.csv": x_overview()}, account="me")
    series, posts = _ids(store)
    check = headline.morning_check_of(series, posts)
    assert check.as_of == LAST
    i = 39  # the last day of the fixture: gained 20 + (i*7)%13, lost 3 + (i*5)%7
    assert check.yesterday is not None
    assert (check.yesterday.gained, check.yesterday.lost) == (20 + (i * 7) % 13, 3 + (i * 5) % 7)
    assert check.yesterday.gained is not None and check.yesterday.lost is not None
    assert check.yesterday.net_change == check.yesterday.gained - check.yesterday.lost
    assert check.last_7 is not None and check.last_7.previous is not None
    week = [20 + (j * 7) % 13 - 3 - (j * 5) % 7 for j in range(33, 40)]
    week_before = [20 + (j * 7) % 13 - 3 - (j * 5) % 7 for j in range(26, 33)]
    assert check.last_7.current.net_change == sum(week)
    assert check.last_7.change("net") == sum(week) - sum(week_before)
    assert check.last_7.current.posts == sum((j * 3) % 4 for j in range(33, 40))
    # 28 days against the 28 before: the fixture has 40 days, so no previous period.
    assert check.last_28 is not None and check.last_28.previous is None and check.last_28.change("net") is None
    # No stated total: "followers now" is unknown, never a made-up count.
    assert check.followers is None


def test_daily_table_newest_first_totals_only(store: Store) -> None:
    counts = b"date,followers\n2026-01-01,500\n2026-01-02,510\n2026-01-03,495\n"
    import_bytes(store, {"counts.csv": counts}, account="me")
    series, posts = _ids(store)
    table = headline.daily_table_of(series, posts)
    assert list(table.columns) == list(headline.DAILY_TABLE_COLUMNS)
    assert [d.date() for d in table["date"]] == [dt.date(2026, 1, 3), dt.date(2026, 1, 2), dt.date(2026, 1, 1)]
    assert table["followers"].tolist() == [495, 510, 500]
    # Totals only: the day-to-day difference is the change; gains and losses are unknown.
    assert table["change"].iloc[0] == -15 and table["change"].iloc[1] == 10 and math.isnan(table["change"].iloc[2])
    assert table["gained"].isna().all() and table["lost"].isna().all() and table["posts"].isna().all()


def test_daily_table_from_lists(store: Store) -> None:
    import_bytes(store, {"f.csv": b"handle,name\na,A\nb,B\n"}, account="me", snapshot_date=dt.date(2026, 1, 1))
    import_bytes(store, {"f.csv": b"handle,name\nb,B\nc,C\nd,D\n"}, account="me", snapshot_date=dt.date(2026, 1, 2))
    series, posts = _ids(store)
    table = headline.daily_table_of(series, posts)
    newest = table.iloc[0]
    assert (newest["followers"], newest["change"], newest["gained"], newest["lost"]) == (3, 1, 2, 1)


def test_notable_finds_a_purge_day_a_quiet_week_and_a_milestone() -> None:
    days = pd.date_range("2026-01-01", periods=60, freq="D", unit="us")
    gained = pd.Series(12.0, index=range(60))
    lost = pd.Series(2.0, index=range(60))
    lost.iloc[40] = 300.0  # a purge
    net = gained - lost
    followers = 900 + net.cumsum()
    series = pd.DataFrame({"day": days, "followers": followers, "change": net.cumsum(), "gained": gained,
                           "lost": lost, "net": net, "anchor": False, "listed": float("nan"),
                           "flow_source": "export", "impressions": float("nan"), "day_change": net})
    series["flow_source"] = series["flow_source"].astype("string")
    posted = [d for i, d in enumerate(days) if not 10 <= i < 20]
    posts = pd.DataFrame({"day": pd.Series(posted, dtype="datetime64[us]"), "posts": 1,
                          "impressions": float("nan"), "source": "posts"})
    facts = notable.notable_of(series, posts, None, None)
    kinds = {f.kind: f for f in facts}
    assert kinds["purge_day"].day == dt.date(2026, 2, 10) and kinds["purge_day"].value == 300
    assert kinds["quiet_week"].day == dt.date(2026, 1, 11) and kinds["quiet_week"].end == dt.date(2026, 1, 20)
    # 900 + 10 a day passes 1,000 on day 10 (Jan 10).
    assert any(f.kind == "milestone" and f.value == 1000 and f.day == dt.date(2026, 1, 10) for f in facts)
    assert notable.notable_sentence(kinds["purge_day"]) == "Purge day on 10 Feb 2026: 300 followers lost at once."
    # Within a later period only what happened in it.
    later = notable.notable_of(series, posts, dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert {f.kind for f in later} == {"purge_day"}


def test_a_milestone_without_a_stated_total_is_a_change() -> None:
    days = pd.date_range("2024-09-07", periods=30, freq="D", unit="us")
    net = pd.Series(10.0, index=range(30))
    series = pd.DataFrame({"day": days, "followers": float("nan"), "change": net.cumsum(), "gained": net,
                           "lost": 0.0, "net": net, "anchor": False, "listed": float("nan"),
                           "flow_source": "export", "impressions": float("nan"), "day_change": net})
    facts = [f for f in notable.notable_of(series, headline.NO_POSTS, None, None) if f.kind == "milestone"]
    assert facts and all(not f.absolute for f in facts)
    sentence = notable.notable_sentence(facts[-1], first_day=dt.date(2024, 9, 7))
    assert sentence == "Reached +100 since 7 Sep 2024 on 16 Sep 2024."


def test_accounts_json_is_strict_for_an_unknown_handle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    import_bytes(store, {"counts.csv": b"date,followers\n2026-01-01,5\n"}, account="me")
    store.close()
    assert cli.main(["accounts", "--db", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert "NaN" not in out
    rows = json.loads(out, parse_constant=lambda name: pytest.fail(f"{name} in --json output"))
    assert rows == [{"name": "me", "platform": None, "handle": None, "imports": 1}]
    for command in (["stats", "--account", "me", "--json"], ["report", "--account", "me", "--json"]):
        assert cli.main([command[0], "--db", str(path), *command[1:]]) == 0
        def no_constant(name: str, where: str = command[0]) -> object:
            pytest.fail(f"{name} in {where}")

        json.loads(capsys.readouterr().out, parse_constant=no_constant)


CONNECTIONS = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    'You will only see email addresses for connections who have allowed them. '
    'https://www.linkedin.com/help/linkedin/answer/261"\n'
    "\n"
    "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
    "Ana,Lopez,https://www.linkedin.com/in/ana-lopez-1a2b3c,,Acme,Sr. Director Platform ,18 Feb 2026\n"
    ",,,,,,18 Feb 2026\n"
    ",,,,,,18 Feb 2026\n"
    'Bo,Chen,https://www.linkedin.com/in/bo-chen,,"Lifted, an Upwork Company™",,02 Jan 2026\n'
    ",,,,,,05 Nov 2025"
)


def test_linkedin_connections_hidden_by_the_member_count(store: Store) -> None:
    outcomes = import_bytes(store, {"Connections.csv": CONNECTIONS.encode()}, account="me")
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]
    assert any("3 connections hidden by the member" in note for note in outcomes[0].notes), outcomes[0].notes
    cursor = store.cursor()
    try:
        members = cursor.execute("SELECT members FROM snapshots").fetchone()
    finally:
        cursor.close()
    assert members == (5,)
    # The same file again: nothing changes (the hidden rows keep their keys).
    again = import_bytes(store, {"Connections.csv": CONNECTIONS.encode()}, account="me")
    assert [o.status for o in again] == ["unchanged"]


def test_projection_milestone_without_a_total_reads_as_a_change() -> None:
    from analytics.metrics.growth import projection_of

    days = pd.date_range("2024-09-07", periods=60, freq="D", unit="us")
    net = pd.Series([60.0 + (i % 5) for i in range(60)])
    series = pd.DataFrame({"day": days, "followers": float("nan"), "change": net.cumsum(), "gained": net,
                           "lost": 0.0, "net": net, "day_change": net})
    result = projection_of(series)
    assert not result.absolute and result.milestone is not None
    assert result.milestone_label == f"+{result.milestone:,} since 7 Sep 2024"
    with_total = projection_of(series.assign(followers=1000 + net.cumsum()))
    assert with_total.milestone_label == f"{with_total.milestone:,} followers"


def test_a_lone_purge_bar_has_a_width_and_gains_and_losses_have_one_look() -> None:
    from analytics.charts import DAY_MS, gains_losses_title
    from analytics.charts.churn import losses_figure
    from analytics.charts.growth import gains_losses_figure
    from analytics.charts.overview import gains_losses
    from analytics.metrics.growth import resample_of

    days = pd.date_range("2026-01-01", periods=90, freq="D", unit="us")
    daily = pd.DataFrame({"day": days, "lost": [3.0] * 89 + [400.0]})
    purges = pd.DataFrame({"day": days[-1:], "lost": [400.0], "baseline": [3.0], "ratio": [133.0]})
    fig = losses_figure(daily, purges)
    purge = next(t for t in fig.data if t.name == "Purge day")
    assert len(purge.x) == 1 and purge.width is not None and purge.width[0] >= 0.5 * DAY_MS
    assert all(w >= 0.5 * DAY_MS for w in next(t for t in fig.data if t.name == "Ordinary losses").width)

    net = pd.Series([5.0] * 90)
    series = pd.DataFrame({"day": days, "followers": 100 + net.cumsum(), "change": net.cumsum(), "gained": net + 1,
                           "lost": pd.Series([1.0] * 90), "net": net, "day_change": net, "impressions": float("nan")})
    overview_fig = gains_losses(series)
    growth_fig = gains_losses_figure(resample_of(series, "day"), "day")
    assert overview_fig.layout.title.text == growth_fig.layout.title.text == gains_losses_title("day")
    for a, b in zip(overview_fig.data, growth_fig.data, strict=True):
        assert (a.name, a.type, a.marker.color) == (b.name, b.type, b.marker.color)
    assert overview_fig.data[0].width[0] >= 0.5 * DAY_MS
