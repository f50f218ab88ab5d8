"""The Audience page's score over time counts rules v2, as the audit beside it does (#15 item 5):
on every list's date the trend equals the reference `flag_rules_v2` over that list's members, its
last point is the audit's score, and the analysis step keeps the same numbers."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from analytics.analysis import refresh_features
from analytics.metrics import kept, quality
from analytics.store import Store
from tests.conftest import import_bytes

HEADER = "handle,bio,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar"
# The profiles (the store keeps each member's latest) and the lists they are in.
PROFILES = {
    # A default profile created 2026-03-01: on Bluesky it becomes a pattern 91 days later, 2026-05-31.
    "young_egg": ",3,50,2,2026-03-01,2026-05-30,true",
    "old_egg": ",3,50,2,2024-01-01,2026-05-30,true",  # a pattern everywhere, on every date
    "ageless_egg": ",3,50,2,,2026-05-30,true",  # creation unknown: never a pattern on Bluesky
    # Last post 2025-12-01: inactive from 2026-05-31 (more than 180 days).
    "fading": "Data,100,100,500,2015-01-01,2025-12-01,false",
    "many": "Maps,10,3000,40,2015-01-01,2026-05-30,false",  # follows many
    "good": "Maps,100,100,500,2015-01-01,2026-05-30,false",
    "leaver": "Maps,100,100,500,2015-01-01,2026-05-30,false",  # good, then gone
    "bare": ",,,,,,",  # no field a rule reads: not audited
}
LISTS = {
    dt.date(2026, 5, 1): ["young_egg", "old_egg", "ageless_egg", "fading", "many", "good", "leaver", "bare"],
    dt.date(2026, 5, 30): ["young_egg", "old_egg", "ageless_egg", "fading", "many", "good", "bare"],
    dt.date(2026, 6, 15): ["young_egg", "old_egg", "ageless_egg", "fading", "good", "bare"],
}


def _import_lists(store: Store, platform: str) -> int:
    for day, members in LISTS.items():
        body = HEADER + ",snapshot_date\n" + "".join(f"{m},{PROFILES[m]},{day.isoformat()}\n" for m in members)
        outcome = import_bytes(store, {f"followers_{day.isoformat()}.csv": body.encode()}, platform=platform)
        assert outcome[0].status == "imported", outcome[0].error
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    return int(row[0])


def _reference(day: dt.date, platform: str) -> dict[str, float | None]:
    """What flag_rules_v2 says of the list of `day`."""
    members = LISTS[day]
    csv = HEADER + "\n" + "\n".join(f"{m},{PROFILES[m]}" for m in members)
    profiles = pd.read_csv(io.StringIO(csv), parse_dates=["created_at", "last_post_at"])
    flags = quality.flag_rules_v2(profiles, day, platform)
    audited = flags["audited"]
    return {
        "members": len(members), "audited": int(audited.sum()), "pattern": int((flags["pattern"] & audited).sum()),
        "inactive": int((flags["inactive"] & audited).sum()), "quality_score": quality.quality_score_v2(flags),
    }


@pytest.mark.parametrize("platform", ["bluesky", "x"])
def test_the_trend_counts_each_list_as_the_reference_rules_do(store: Store, platform: str) -> None:
    account_id = _import_lists(store, platform)
    trend = quality.quality_trend_v2(store.cursor(), account_id)
    assert trend.ok and trend.method == quality.TREND_METHOD_V2
    table = trend.table
    assert [d.date() for d in table["snapshot_date"]] == list(LISTS)
    for row in table.to_dict("records"):
        day = pd.Timestamp(row["snapshot_date"]).date()
        got = {name: row[name] for name in ("members", "audited", "pattern", "inactive", "quality_score")}
        assert got == pytest.approx(_reference(day, platform)), (day, platform)


def test_the_default_profile_counts_from_the_day_it_is_old_enough_on_bluesky(store: Store) -> None:
    account_id = _import_lists(store, "bluesky")
    table = quality.quality_trend_v2(store.cursor(), account_id).table.set_index("snapshot_date")
    # 2026-05-30: young_egg is 90 days old, not yet a pattern; 2026-06-15: it is. old_egg always is.
    assert table.loc[pd.Timestamp("2026-05-30"), "pattern"] == 2  # old_egg, many
    assert table.loc[pd.Timestamp("2026-06-15"), "pattern"] == 2  # old_egg, young_egg (many left)
    assert table.loc[pd.Timestamp("2026-06-15"), "inactive"] == 1  # fading, 196 days after its last post
    # v1 knows no platform: young_egg is "suspicious" on every date, the score differs.
    v1 = quality.quality_trend(store.cursor(), account_id).table.set_index("snapshot_date")
    assert v1.loc[pd.Timestamp("2026-05-30"), "suspicious"] == 4  # the three eggs and many
    on_30_may = pd.Timestamp("2026-05-30")
    assert v1["quality_score"].to_dict()[on_30_may] != table["quality_score"].to_dict()[on_30_may]


@pytest.mark.parametrize("platform", ["bluesky", "mastodon", "x"])
def test_the_last_point_is_the_audits_score(store: Store, platform: str) -> None:
    account_id = _import_lists(store, platform)
    cursor = store.cursor()
    audit = quality.quality_audit_v2(cursor, account_id)
    trend = quality.quality_trend_v2(cursor, account_id)
    assert audit.ok and trend.ok
    assert trend.table["quality_score"].iloc[-1] == pytest.approx(audit.summary.quality_score)
    assert trend.table["pattern"].iloc[-1] == audit.summary.suspicious_total


def test_the_analysis_step_keeps_the_same_trend(store: Store) -> None:
    account_id = _import_lists(store, "bluesky")
    counted = quality.quality_trend_v2(store.cursor(), account_id).table
    refresh_features(store, account_id)
    cursor = store.cursor()
    state = kept.current_state(cursor, account_id)
    assert state is not None
    assert not kept.kept_dimension(cursor, account_id, state, quality.TREND_V2).empty  # read from what was kept
    pd.testing.assert_frame_equal(quality.quality_trend_v2(cursor, account_id).table, counted, check_dtype=False)


def test_no_list_and_no_profile_say_so(store: Store) -> None:
    assert quality.quality_trend_v2(store.cursor(), 1).reason == "No follower list imported yet."
    body = "handle,snapshot_date\nsomeone,2026-05-01\n"
    import_bytes(store, {"followers_2026-05-01.csv": body.encode()}, platform="x")
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    assert quality.quality_trend_v2(store.cursor(), int(row[0])).reason == quality.NO_PROFILE_REASON
