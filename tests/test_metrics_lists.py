"""Follower-list churn on small hand-built stores whose right answers are worked out here."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analytics.charts.lists import cohort_heatmap, joined_left_bars
from analytics.metrics import lists
from analytics.store import Store, open_store
from tests.conftest import import_bytes

D = dt.date


def snapshot(store: Store, day: dt.date, rows: list[str], header: str = "handle") -> None:
    # The date as a column too: identical bytes would be taken as the same import again.
    body = header + ",snapshot_date\n" + "".join(f"{row},{day.isoformat()}\n" for row in rows)
    outcome = import_bytes(store, {f"followers_{day.isoformat()}.csv": body.encode()})
    assert outcome[0].status == "imported", outcome[0].error


def simple(store: Store, day: dt.date, handles: list[str]) -> None:
    snapshot(store, day, handles)


def account_id(store: Store) -> int:
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    return int(row[0])


def test_snapshot_dates_in_order_with_sizes(store: Store) -> None:
    simple(store, D(2026, 1, 9), ["a", "b"])
    simple(store, D(2026, 1, 2), ["a"])
    dates = lists.snapshot_dates(store.cursor(), account_id(store))
    assert [d.date() for d in dates["snapshot_date"]] == [D(2026, 1, 2), D(2026, 1, 9)]
    assert dates["members"].tolist() == [1, 2]


def test_joiners_and_leavers_between_two_snapshots_with_profiles(store: Store) -> None:
    header = "handle,name,bio,followers_count"
    snapshot(store, D(2026, 2, 1), ["alice,Alice,Bakes,10", "bob,Bob,Runs,200", "carol,Carol,Sings,30"], header)
    snapshot(store, D(2026, 2, 8), ["alice,Alice,Bakes,11", "dave,Dave,Draws,5000", "erin,Erin,,7"], header)
    result = lists.list_changes(store.cursor(), account_id(store), D(2026, 2, 1), D(2026, 2, 8))
    assert result.ok and (result.joined, result.left) == (2, 2)
    joined = result.changes[result.changes["change"] == "joined"]
    left = result.changes[result.changes["change"] == "left"]
    # Biggest accounts first: the ones worth a look.
    assert joined["handle"].tolist() == ["dave", "erin"]
    assert joined["name"].tolist() == ["Dave", "Erin"]
    assert joined["bio"].iloc[0] == "Draws"
    assert joined["followers_count"].tolist() == [5000, 7]
    assert left["handle"].tolist() == ["bob", "carol"]
    assert left["bio"].tolist() == ["Runs", "Sings"]
    # Default: the last two snapshots; order of the dates does not matter.
    assert lists.list_changes(store.cursor(), account_id(store)).joined == 2
    assert lists.list_changes(store.cursor(), account_id(store), D(2026, 2, 8), D(2026, 2, 1)).left == 2


def test_changes_across_several_snapshots_are_net(store: Store) -> None:
    simple(store, D(2026, 3, 1), ["a", "b"])
    simple(store, D(2026, 3, 2), ["a"])  # b leaves...
    simple(store, D(2026, 3, 3), ["a", "b", "c"])  # ...and comes back; c joins
    simple(store, D(2026, 3, 4), ["b", "c"])  # a leaves
    cursor = store.cursor()
    first_last = lists.list_changes(cursor, account_id(store), D(2026, 3, 1), D(2026, 3, 4))
    assert sorted(zip(first_last.changes["change"], first_last.changes["member_key"], strict=True)) == [("joined", "c"), ("left", "a")]
    per_snapshot = lists.changes_by_snapshot(cursor, account_id(store))
    assert per_snapshot["joined"].tolist() == [0, 2, 0]
    assert per_snapshot["left"].tolist() == [1, 0, 1]
    assert per_snapshot["net"].tolist() == [-1, 2, -1]
    assert [d.date() for d in per_snapshot["previous_date"]] == [D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 3)]


def test_list_changes_explains_instead_of_failing(store: Store) -> None:
    cursor = store.cursor()
    empty = lists.list_changes(cursor, 1)
    assert not empty.ok and "at least two" in (empty.reason or "")
    simple(store, D(2026, 1, 1), ["a"])
    simple(store, D(2026, 1, 8), ["b"])
    wrong_day = lists.list_changes(cursor, account_id(store), D(2026, 1, 1), D(2026, 1, 5))
    assert not wrong_day.ok and "2026-01-05" in (wrong_day.reason or "")
    assert wrong_day.changes.empty


def test_quick_unfollows_count_within_seven_days_only(store: Store) -> None:
    snapshot(store, D(2026, 1, 1), ["base,Base", "early,Early"], "handle,name")
    snapshot(store, D(2026, 1, 3), ["base,Base", "early,Early", "flash,Flash", "slow,Slow"], "handle,name")
    # `early` was in the first snapshot: when it followed is unknown, so it never counts.
    snapshot(store, D(2026, 1, 10), ["base,Base", "slow,Slow"], "handle,name")  # flash gone 7 days later
    snapshot(store, D(2026, 1, 13), ["base,Base"], "handle,name")  # slow gone 10 days later
    result = lists.quick_unfollows(store.cursor(), account_id(store))
    assert result.ok
    assert result.count == 1
    assert result.members["handle"].tolist() == ["flash"]
    assert result.members["days_followed"].tolist() == [7]
    assert result.members["absent_on"].iloc[0].date() == D(2026, 1, 10)
    assert result.gained == 2 and result.share == pytest.approx(0.5)
    assert "7 days" in result.method
    wider = lists.quick_unfollows(store.cursor(), account_id(store), within_days=10)
    assert wider.count == 2


def test_changes_between_any_two_lists_match_set_differences(store: Store) -> None:
    # Members leave and come back (several spells each) in a seeded random sequence of lists:
    # between every pair of lists, joiners and leavers are the plain set differences.
    import random

    rng = random.Random(6)
    days = [D(2026, 6, 1) + dt.timedelta(days=i) for i in range(8)]
    members = {day: sorted({f"m{i}" for i in range(30) if rng.random() < 0.6}) for day in days}
    for day in days:
        simple(store, day, members[day])
    cursor = store.cursor()
    for i, start in enumerate(days):
        for end in days[i + 1:]:
            result = lists.list_changes(cursor, account_id(store), start, end, limit=5)
            joined = set(members[end]) - set(members[start])
            left = set(members[start]) - set(members[end])
            assert (result.joined, result.left) == (len(joined), len(left)), (start, end)
            everyone = lists.list_changes(cursor, account_id(store), start, end).changes
            assert set(everyone.loc[everyone["change"] == "joined", "member_key"]) == joined
            assert set(everyone.loc[everyone["change"] == "left", "member_key"]) == left


def test_limited_lists_keep_the_most_followed_and_count_everyone(store: Store) -> None:
    # Six joiners and five leavers with distinct follower counts: the limit cuts the lists, never
    # the counts, and keeps the most followed of each change in the unlimited order.
    header = "handle,name,bio,followers_count"
    stay = ["stay,Stay,,1"]
    leavers = [f"old{i},Old {i},Bio {i},{10 * i}" for i in range(1, 6)]
    joiners = [f"new{i},New {i},Bio {i},{100 * i}" for i in range(1, 7)]
    snapshot(store, D(2026, 4, 1), stay + leavers, header)
    snapshot(store, D(2026, 4, 2), stay + joiners, header)
    cursor = store.cursor()
    everyone = lists.list_changes(cursor, account_id(store), D(2026, 4, 1), D(2026, 4, 2))
    cut = lists.list_changes(cursor, account_id(store), D(2026, 4, 1), D(2026, 4, 2), limit=2)
    assert (everyone.joined, everyone.left) == (cut.joined, cut.left) == (6, 5)
    assert len(everyone.changes) == 11
    for change, expected in (("joined", ["new6", "new5"]), ("left", ["old5", "old4"])):
        kept = cut.changes[cut.changes["change"] == change].reset_index(drop=True)
        assert kept["handle"].tolist() == expected
        whole = everyone.changes[everyone.changes["change"] == change].head(2).reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, whole)
    # A limit of 0 would leave no row to carry the counts: refused rather than a wrong zero.
    with pytest.raises(ValueError):
        lists.list_changes(cursor, account_id(store), D(2026, 4, 1), D(2026, 4, 2), limit=0)



def test_changes_read_from_the_most_followed_are_the_full_ranking(store: Store) -> None:
    # Lists far apart change by much of the account: the first `limit` of each change are then
    # read from the most followed profiles only (lists._changes_among_most_followed). Between
    # every pair of a seeded sequence of lists (members coming and going, follower counts tied or
    # blank), that read gives exactly the full ranking's rows, or declines and the full ranking runs.
    import random

    rng = random.Random(16)
    header = "handle,name,bio,followers_count"
    counts = {f"m{i}": rng.choice(["", "5", "5", str(rng.randrange(1_000))]) for i in range(120)}
    days = [D(2026, 7, 1) + dt.timedelta(days=i) for i in range(6)]
    for day in days:
        present = [m for m in counts if rng.random() < 0.55]
        snapshot(store, day, [f"{m},{m.upper()},,{counts[m]}" for m in present], header)
    cursor = store.cursor()
    read_from_pool = declined = 0
    for i, start in enumerate(days):
        for end in days[i + 1:]:
            for limit, only in itertools.product((1, 4, 15, 80), (None, *lists.CHANGES)):
                params = {"account_id": account_id(store), "kind": "follower", "start": start, "end": end,
                          "limit": limit, "only": only}
                whole = cursor.execute(lists.LIST_CHANGES_SQL, params).df()
                pooled = lists._changes_among_most_followed(cursor, params)
                if pooled is None:
                    declined += 1
                    continue
                read_from_pool += 1
                pd.testing.assert_frame_equal(pooled, whole)
                # The same from a ranking read before and kept (the page's), of the size it keeps.
                asked: list[int] = []

                def kept_ranking(pool: int, asked: list[int] = asked) -> pd.DataFrame:
                    asked.append(pool)
                    return lists.most_followed(store.cursor(), account_id(store), lists.ranking_size(pool))

                given = lists._changes_among_most_followed(cursor, params, kept_ranking)
                assert given is not None and len(asked) == 1
                pd.testing.assert_frame_equal(given, whole)
                listed = whole[whole["listed"]].drop(columns=["listed", "total"]).reset_index(drop=True)
                assert lists.list_changes(cursor, account_id(store), start, end, limit=limit, only=only).changes.equals(
                    listed)
    # Both ways are taken: the test reads the pool, and sees it decline.
    assert read_from_pool > 10 and declined > 0, (read_from_pool, declined)


def test_equally_followed_changes_are_listed_in_the_order_they_were_met(store: Store) -> None:
    # Ties go to the member the store met first (the lower member id), not to the key's spelling:
    # "zed" was in a list before "amy", so "zed" leads although "amy" sorts first as text.
    header = "handle,name,bio,followers_count"
    snapshot(store, D(2026, 5, 1), ["stay,Stay,,1", "zed,Zed,,50"], header)
    snapshot(store, D(2026, 5, 2), ["stay,Stay,,1"], header)
    snapshot(store, D(2026, 5, 3), ["stay,Stay,,1", "amy,Amy,,50", "zed,Zed,,50", "bob,Bob,,900"], header)
    changes = lists.list_changes(store.cursor(), account_id(store), D(2026, 5, 2), D(2026, 5, 3), limit=2)
    assert changes.joined == 3
    assert changes.changes["handle"].tolist() == ["bob", "zed"]
    assert changes.changes["member_key"].tolist() == ["bob", "zed"]

def test_limited_quick_unfollows_keep_the_latest_and_count_everyone(store: Store) -> None:
    simple(store, D(2026, 5, 1), ["base"])
    simple(store, D(2026, 5, 2), ["base", "a", "b", "c"])
    simple(store, D(2026, 5, 3), ["base", "c"])  # a and b gone a day later
    simple(store, D(2026, 5, 4), ["base"])  # c gone two days later
    cursor = store.cursor()
    everyone = lists.quick_unfollows(cursor, account_id(store))
    cut = lists.quick_unfollows(cursor, account_id(store), limit=2)
    assert everyone.count == cut.count == 3 and everyone.share == cut.share == pytest.approx(1.0)
    assert everyone.members["handle"].tolist() == ["c", "a", "b"]  # latest first, then by key
    pd.testing.assert_frame_equal(cut.members, everyone.members.head(2))


def test_quick_unfollows_need_three_snapshots(store: Store) -> None:
    simple(store, D(2026, 1, 1), ["a"])
    simple(store, D(2026, 1, 2), ["b"])
    result = lists.quick_unfollows(store.cursor(), account_id(store))
    assert not result.ok and result.count == 0 and "three" in (result.reason or "")


def _weekly(store: Store) -> list[dt.date]:
    """Weekly snapshots on Mondays from 2026-01-05 for 14 weeks, with planted churn."""
    days = [D(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(14)]
    gone = {  # member -> first snapshot without them
        "n1": D(2026, 1, 19), "n2": D(2026, 2, 2), "n3": D(2026, 3, 9), "m1": D(2026, 3, 16),
    }
    joined = {"n1": D(2026, 1, 12), "n2": D(2026, 1, 12), "n3": D(2026, 1, 12), "n4": D(2026, 1, 12),
              "m1": D(2026, 3, 2), "m2": D(2026, 3, 2), "k1": D(2026, 3, 30)}
    for day in days:
        members = ["base1", "base2"] + [m for m, j in joined.items() if j <= day and (m not in gone or day < gone[m])]
        simple(store, day, members)
    return days


@pytest.fixture(scope="module")
def weekly_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    # Fourteen imports take seconds: built once, read by the tests below (which never write).
    opened = open_store(Path(tmp_path_factory.mktemp("weekly")) / "palier.duckdb")
    _weekly(opened)
    yield opened
    opened.close()


def test_cohort_retention_planted(weekly_store: Store) -> None:
    store = weekly_store
    result = lists.cohort_retention(store.cursor(), account_id(store))
    assert result.ok
    table = result.table.set_index("cohort")
    assert [d.date() for d in table.index] == [D(2026, 1, 12), D(2026, 3, 2), D(2026, 3, 30)]
    assert table["gained"].tolist() == [4, 2, 1]
    shares = table[[f"after_{k}w" for k in (1, 2, 4, 8, 12)]]
    assert shares.loc[pd.Timestamp(2026, 1, 12)].tolist() == [0.75, 0.75, 0.5, 0.25, 0.25]
    march = shares.loc[pd.Timestamp(2026, 3, 2)].tolist()
    assert march[:3] == [1.0, 0.5, 0.5]
    assert math.isnan(march[3]) and math.isnan(march[4])  # too recent to tell
    late = shares.loc[pd.Timestamp(2026, 3, 30)].tolist()
    assert late[0] == 1.0 and all(math.isnan(v) for v in late[1:])
    assert table.loc[pd.Timestamp(2026, 1, 12), "kept_4w"] == 2
    # (2 of 4 in January + 1 of 2 in March) / 6; the late cohort is too young.
    assert result.cohort_retention_4w == pytest.approx(0.5)
    assert lists.cohort_retention_4w(store.cursor(), account_id(store)) == pytest.approx(0.5)


def test_cohorts_group_by_monday_week_and_wait_for_a_late_enough_snapshot(store: Store) -> None:
    simple(store, D(2026, 1, 5), ["base"])  # a Monday
    simple(store, D(2026, 1, 7), ["base", "p"])  # Wednesday
    simple(store, D(2026, 1, 9), ["base", "p", "q"])  # Friday
    simple(store, D(2026, 1, 19), ["base", "p", "q"])
    table = lists.cohort_retention(store.cursor(), account_id(store)).table
    assert [d.date() for d in table["cohort"]] == [D(2026, 1, 5)]
    assert table["gained"].tolist() == [2]
    assert table["after_1w"].tolist() == [1.0]
    assert math.isnan(table["after_2w"].iloc[0])


def test_cohort_retention_not_enough_data(store: Store) -> None:
    result = lists.cohort_retention(store.cursor(), 1)
    assert not result.ok and result.cohort_retention_4w is None and result.table.empty
    simple(store, D(2026, 1, 5), ["a"])
    simple(store, D(2026, 1, 6), ["a"])
    result = lists.cohort_retention(store.cursor(), account_id(store))
    assert not result.ok and "no follower was gained" in (result.reason or "")


def test_list_charts_build(weekly_store: Store) -> None:
    store = weekly_store
    cursor = store.cursor()
    retention = lists.cohort_retention(cursor, account_id(store))
    heatmap = cohort_heatmap(retention.table, retention.weeks)
    assert len(heatmap.data) == 1 and heatmap.data[0].type == "heatmap"
    assert list(heatmap.data[0].x) == ["after 1 week", "after 2 weeks", "after 4 weeks", "after 8 weeks", "after 12 weeks"]
    assert list(heatmap.data[0].text[0]) == ["75%", "75%", "50%", "25%", "25%"]
    assert heatmap.data[0].text[1][3] == ""  # too recent: an empty cell, not 0%
    assert "Week of 2026-01-12 (4)" in list(heatmap.data[0].y)
    payload = json.loads(heatmap.to_json())
    assert payload["layout"]["title"]["text"]

    bars = joined_left_bars(lists.changes_by_snapshot(cursor, account_id(store)))
    names = [trace.name for trace in bars.data]
    assert names == ["Joined", "Left"]
    assert sum(bars.data[0].y) == 7 and sum(bars.data[1].y) == -4  # left drawn below zero
    assert json.loads(bars.to_json())["layout"]["barmode"] == "relative"

    empty = cohort_heatmap(lists.cohort_retention(cursor, 999).table, lists.RETENTION_WEEKS)
    assert len(empty.data) == 0 and empty.layout.annotations


def test_the_analysis_keeps_the_churn_pages_lists_exactly_as_counted(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics import analysis as features

    header = "handle,name,bio,location,followers_count,verified,created_at"

    def row(handle: str, followers: int, bio: str = "") -> str:
        return f"{handle},{handle.title()},{bio or 'Bio of ' + handle},Paris,{followers},{str(followers % 2 == 0).lower()},2020-03-0{followers % 9 + 1}"

    stay = [row("base", 1)]
    leavers = [row(f"old{i}", 10 * i) for i in range(1, 6)]
    joiners = [row(f"new{i}", 100 * i) for i in range(1, 7)]
    snapshot(store, D(2026, 4, 1), stay + leavers, header)
    snapshot(store, D(2026, 4, 2), stay + joiners + [row("flash", 3)], header)
    snapshot(store, D(2026, 4, 3), stay + joiners, header)  # flash gone a day after following
    cursor, account = store.cursor(), account_id(store)
    counted = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), limit=lists.KEPT_PEOPLE)
    counted_everyone = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3))
    quick = lists.quick_unfollows(cursor, account, lists.KEPT_QUICK_DAYS, limit=lists.KEPT_PEOPLE)
    assert (counted.joined, counted.left, quick.count, quick.gained) == (0, 1, 1, 7)
    # Two kept of each list, so that a longer list must be counted again.
    monkeypatch.setattr(lists, "KEPT_PEOPLE", 2)
    features.refresh_features(store, account)

    def no_counting(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("counted again instead of read from the analysis")

    with monkeypatch.context() as patch:
        patch.setattr(lists, "count_list_changes", no_counting)
        patch.setattr(lists, "count_quick_unfollows", no_counting)
        kept = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), limit=2)
        # One list at a time (the page's open tab): its rows alone, both counts still.
        kept_left = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), limit=2, only="left")
        kept_joined = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), limit=2, only="joined")
        # The whole period the page opens on holds every list: the kept quick unfollows answer it.
        kept_quick = lists.quick_unfollows(cursor, account, 7, D(2025, 1, 1), D(2027, 1, 1), limit=1)
    assert (kept.joined, kept.left) == (counted.joined, counted.left)
    pd.testing.assert_frame_equal(kept.changes, counted.changes)
    assert (kept_left.joined, kept_left.left, kept_joined.joined, kept_joined.left) == (0, 1, 0, 1)
    pd.testing.assert_frame_equal(kept_left.changes, counted.changes)  # the one leaver: flash
    assert kept_joined.changes.empty
    assert (kept_quick.count, kept_quick.gained, kept_quick.share) == (quick.count, quick.gained, quick.share)
    pd.testing.assert_frame_equal(kept_quick.members, quick.members)
    assert kept_quick.members["handle"].tolist() == ["flash"] and kept_quick.members["days_followed"].tolist() == [1]
    # Questions the kept lists cannot answer are counted: everyone, more than were kept, another
    # pair of lists, a period that leaves out the list flash followed on.
    pd.testing.assert_frame_equal(lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3)).changes,
                                  counted_everyone.changes)
    first_pair = lists.list_changes(cursor, account, D(2026, 4, 1), D(2026, 4, 2), limit=3)
    assert (first_pair.joined, first_pair.left) == (7, 5)
    assert first_pair.changes.groupby("change").size().to_dict() == {"joined": 3, "left": 3}
    assert first_pair.changes["handle"].head(3).tolist() == ["new6", "new5", "new4"]
    # Counted, one list at a time: that list's rows as in both, and both counts, even when the
    # list asked for is empty (nobody followed between the last two lists).
    for only in ("joined", "left"):
        one = lists.list_changes(cursor, account, D(2026, 4, 1), D(2026, 4, 2), limit=3, only=only)
        assert (one.joined, one.left) == (7, 5)
        # The same rows and values; a count column may come as pandas' nullable integers (the other
        # list's count rides on a row of its own with no profile).
        pd.testing.assert_frame_equal(
            one.changes, first_pair.changes[first_pair.changes["change"] == only].reset_index(drop=True),
            check_dtype=False)
    nobody = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), only="joined")
    assert (nobody.joined, nobody.left, nobody.changes.empty) == (0, 1, True)
    with pytest.raises(ValueError, match="only must be one of"):
        lists.list_changes(cursor, account, D(2026, 4, 1), D(2026, 4, 2), only="gone")  # type: ignore[arg-type]
    assert lists.quick_unfollows(cursor, account, 7, D(2026, 4, 3), None, limit=1).count == 0
    # An import since the analysis (flash is back, with a new bio): the kept lists were counted from
    # other imports and are not read; the lists show each member's latest profile.
    snapshot(store, D(2026, 4, 4), stay + joiners + [row("flash", 3, "A new bio")], header)
    again = lists.list_changes(cursor, account, D(2026, 4, 2), D(2026, 4, 3), limit=2)
    assert again.left == 1 and again.changes["bio"].tolist() == ["A new bio"]


def test_a_kept_ranking_is_sized_to_be_shared_and_must_hold_the_pool(store: Store) -> None:
    assert [lists.ranking_size(n) for n in (1, 2, 3, 1000, 1024, 1025, 6250)] == [1, 2, 4, 1024, 1024, 2048, 8192]
    header = "handle,followers_count"
    snapshot(store, D(2026, 6, 1), [f"a{i},{i}" for i in range(10)], header)
    snapshot(store, D(2026, 6, 2), [f"b{i},{i}" for i in range(10)], header)
    cursor = store.cursor()
    ranking = lists.most_followed(cursor, account_id(store), 3)
    assert ranking["followers_count"].tolist() == [9, 9, 8]  # a9 and b9, the member met first first
    # A ranking shorter than the pool it was asked for is refused, not read as the whole account.
    with pytest.raises(ValueError, match="the ranking gave 3 profiles"):
        lists.list_changes(cursor, account_id(store), D(2026, 6, 1), D(2026, 6, 2), limit=1, ranking=lambda _n: ranking)
    # The registered ranking does not outlive the read.
    assert "given_ranking" not in {row[0] for row in cursor.execute("SELECT view_name FROM duckdb_views()").fetchall()}
