"""Quality rules v2: fair words, rules per platform; v1 unchanged."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from analytics.metrics import quality as q

DAY = dt.date(2026, 6, 1)


def profiles() -> pd.DataFrame:
    return pd.DataFrame({
        "member_key": ["new", "old", "unknown_age", "active"],
        "default_avatar": [True, True, True, False],
        "bio": ["", "", None, "Hello"],
        "created_at": [pd.Timestamp("2026-05-20"), pd.Timestamp("2025-01-01"), pd.NaT, pd.Timestamp("2020-01-01")],
        "last_post_at": [pd.Timestamp("2026-05-30"), pd.Timestamp("2025-06-01"), pd.NaT, pd.Timestamp("2026-05-31")],
        "posts_count": [1, 10, None, 300],
        "following_count": [50, 20, None, 100],
        "followers_count": [2, 5, None, 80],
    })


def test_a_default_avatar_is_normal_on_a_new_bluesky_or_mastodon_account() -> None:
    for platform in ("bluesky", "mastodon"):
        flags = q.flag_rules_v2(profiles(), DAY, platform)
        assert flags["default_profile"].tolist() == [False, True, False, False]
    # Elsewhere (and in v1) a default avatar and an empty bio count whatever the account's age.
    assert q.flag_rules_v2(profiles(), DAY, "x")["default_profile"].tolist() == [True, True, True, False]
    assert q.flag_rules(profiles(), DAY)["egg"].tolist() == [True, True, True, False]


def test_v2_scores_and_inactive() -> None:
    flags = q.flag_rules_v2(profiles(), DAY, "bluesky")
    assert flags["inactive"].tolist() == [False, True, False, False]
    assert flags["pattern"].tolist() == [False, True, False, False]
    # Audited: new, old, active (unknown_age has a known avatar: audited too) = 4; good: new, unknown_age, active.
    assert q.quality_score_v2(flags) == 3 / 4


def test_v2_words_are_fair_and_v1_is_still_documented() -> None:
    texts = [q.QUALITY_METHOD_V2.split(f"Rules {q.RULES_VERSION} (")[0], *(r.text for r in q.RULES_V2),
             *(r.name for r in q.RULES_V2)]
    for text in texts:
        for word in q.UNFAIR_WORDS:
            assert not re.search(rf"\b{word}", text, re.IGNORECASE), (word, text)
    assert "inactive" in q.QUALITY_METHOD_V2 and "unreachable" in q.QUALITY_METHOD_V2.lower()
    assert q.RULES_VERSION == "v1" and q.RULES_VERSION_V2 == "v2"
    assert f"Rules {q.RULES_VERSION}" in q.QUALITY_METHOD_V2
