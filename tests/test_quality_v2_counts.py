"""Rules v2 counted by the store (the analysis step's cube and the Audience page's audit) match
the reference `flag_rules_v2`, per platform."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from analytics.analysis import refresh_features
from analytics.metrics import kept, quality
from analytics.metrics.quality_rules import RULE_PARAMS
from analytics.store import Store
from tests.conftest import import_bytes

DAY = dt.date(2026, 6, 1)
HEADER = "handle,bio,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar"
ROWS = [
    "young_egg,,3,50,2,2026-04-01,2026-05-30,true",      # default profile, 61 days old (not new: 30+)
    "old_egg,,3,50,2,2024-01-01,2026-05-30,true",        # default profile, years old
    "quiet,Data,100,100,500,2015-01-01,2025-09-01,false",  # inactive (273 days)
    "many,Maps,10,3000,40,2015-01-01,2026-05-30,false",   # follows many
    "good,Maps,100,100,500,2015-01-01,2026-05-30,false",
]


def _store_with(store: Store, platform: str) -> int:
    body = HEADER + ",snapshot_date\n" + "".join(f"{r},{DAY.isoformat()}\n" for r in ROWS)
    outcome = import_bytes(store, {f"followers_{DAY.isoformat()}.csv": body.encode()}, platform=platform)
    assert outcome[0].status == "imported", outcome[0].error
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    return int(row[0])


def test_grace_days_are_one_constant() -> None:
    assert RULE_PARAMS["grace_days"] == quality.DEFAULT_PROFILE_GRACE_DAYS


@pytest.mark.parametrize(("platform", "default_profiles"), [("bluesky", 1), ("mastodon", 1), ("x", 2)])
def test_store_counts_match_the_reference_rules(store: Store, platform: str, default_profiles: int) -> None:
    account_id = _store_with(store, platform)
    cursor = store.cursor()
    assert quality.account_platform(cursor, account_id) == platform
    audit = quality.quality_audit_v2(cursor, account_id)
    assert audit.ok and audit.summary.rules_version == "v2"
    counts = audit.summary.counts
    assert counts["default_profile"] == default_profiles
    assert counts["inactive"] == 1 and counts["follows_many"] == 1 and counts["no_posts_many_follows"] == 0
    # The reference, over the same profiles.
    profiles = pd.read_csv(io.StringIO(HEADER + "\n" + "\n".join(ROWS)), parse_dates=["created_at", "last_post_at"])
    flags = quality.flag_rules_v2(profiles, DAY, platform)
    assert counts == {r.name: int(flags[r.name].sum()) for r in quality.RULES_V2}
    assert audit.summary.quality_score == pytest.approx(quality.quality_score_v2(flags))
    assert audit.flagged_total == int(flags[[r.name for r in quality.RULES_V2]].any(axis=1).sum())
    assert sorted(audit.flagged["handle"]) == sorted(profiles.loc[flags[[r.name for r in quality.RULES_V2]].any(axis=1), "handle"])
    # The young default profile is listed only where the platform makes it unusual.
    assert ("young_egg" in set(audit.flagged["handle"])) == (platform == "x")
    assert "v2" in quality.flagged_csv_all_v2(cursor, account_id).decode()


def test_the_analysis_step_keeps_the_v2_counts(store: Store) -> None:
    account_id = _store_with(store, "bluesky")
    refresh_features(store, account_id)
    cursor = store.cursor()
    state = kept.current_state(cursor, account_id)
    assert state is not None
    cube = kept.kept_cube(cursor, account_id, state, DAY)
    by_rule = cube[cube["dimension"] == "rule_v2"]
    rules = dict(zip(by_rule["value"].tolist(), by_rule["members"].tolist(), strict=True))
    assert rules["default_profile"] == 1 and rules["inactive"] == 1
    assert quality.quality_audit_v2(cursor, account_id).summary.counts["default_profile"] == 1
