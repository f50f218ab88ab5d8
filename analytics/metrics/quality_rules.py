"""The follower quality rules, version `v1`: named, versioned constants and their SQL.

Apart from the audit (analytics.metrics.quality) because the analysis step and the kept figures'
readers count with the same SQL clauses; both import this leaf module, which imports nothing of
Palier. The rules' texts and the reasoning behind them are in analytics.metrics.quality's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_VERSION = "v1"


def N_(msgid: str) -> str:  # noqa: N802 - the name Babel's extraction looks for
    """Marks a rule's text for the catalogs (analytics.i18n's N_: this leaf module imports nothing of
    Palier); the text is translated where shown, `_(rule.text)`."""
    return msgid


@dataclass(frozen=True)
class Rule:
    name: str
    text: str
    fields: tuple[str, ...]


EGG = Rule("egg", N_("Default avatar and empty bio."), ("default_avatar", "bio"))
SPAM = Rule(
    "spam",
    N_("No posts and following 700 or more; or no followers and 500 posts or more."),
    ("posts_count", "following_count", "followers_count"),
)
MASS_FOLLOWER = Rule(
    "mass_follower",
    N_("Following more than 1,500 accounts and at least 10 times more accounts than follow it."),
    ("following_count", "followers_count"),
)
INACTIVE = Rule("inactive", N_("Last post more than 180 days before the snapshot date."), ("last_post_at",))
NEW_ACCOUNT = Rule("new_account", N_("Account created less than 30 days before the snapshot date."), ("created_at",))

RULES: tuple[Rule, ...] = (EGG, SPAM, MASS_FOLLOWER, INACTIVE, NEW_ACCOUNT)
SUSPICIOUS_RULES: tuple[str, ...] = (EGG.name, SPAM.name, MASS_FOLLOWER.name)

SPAM_MIN_FOLLOWING = 700
SPAM_MIN_POSTS = 500
MASS_MIN_FOLLOWING = 1500  # strictly more than this
MASS_MIN_RATIO = 10
INACTIVE_DAYS = 180  # strictly more than this
NEW_ACCOUNT_DAYS = 30  # strictly less than this

AUDIT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for rule in RULES for f in rule.fields))

# The same rules in SQL over a profile `p` (DuckDB counts a million followers in a fraction of a
# second); `flag_rules` below is the reference they are tested against. Parameters: $day (the
# snapshot date), $spam_following, $spam_posts, $mass_following, $mass_ratio, $inactive_days,
# $new_days (RULE_PARAMS). A clause on an unknown field is false, as in `flag_rules`.
_EMPTY_BIO_SQL = "trim(coalesce(p.bio, ''), ' \t\n\r\f\v') = ''"
RULE_SQL: dict[str, str] = {
    EGG.name: f"coalesce(p.default_avatar, false) AND {_EMPTY_BIO_SQL}",
    SPAM.name: "coalesce((p.posts_count = 0 AND p.following_count >= $spam_following) "
               "OR (p.followers_count = 0 AND p.posts_count >= $spam_posts), false)",
    MASS_FOLLOWER.name: "coalesce(p.following_count > $mass_following "
                        "AND p.following_count >= $mass_ratio * p.followers_count, false)",
    INACTIVE.name: "coalesce(date_diff('day', CAST(p.last_post_at AS DATE), $day) > $inactive_days, false)",
    NEW_ACCOUNT.name: "coalesce(date_diff('day', CAST(p.created_at AS DATE), $day) < $new_days, false)",
}
AUDITED_SQL = "(" + " OR ".join(f"p.{f} IS NOT NULL" for f in AUDIT_FIELDS if f != "bio") + ")"
SUSPICIOUS_SQL = "(" + " OR ".join(f"({RULE_SQL[name]})" for name in SUSPICIOUS_RULES) + ")"
RULE_PARAMS: dict[str, int] = {
    "spam_following": SPAM_MIN_FOLLOWING, "spam_posts": SPAM_MIN_POSTS, "mass_following": MASS_MIN_FOLLOWING,
    "mass_ratio": MASS_MIN_RATIO, "inactive_days": INACTIVE_DAYS, "new_days": NEW_ACCOUNT_DAYS,
    "grace_days": 90,  # quality.DEFAULT_PROFILE_GRACE_DAYS (v2), asserted equal by tests/test_quality_v2_counts.py
}

# Rules v2 (analytics.metrics.quality's RULES_V2) in SQL over a profile `p` and the account's platform:
# default_profile is v1's egg, except on the platforms where every new account starts without an
# avatar or a bio (Bluesky, Mastodon): there only accounts known to be older than $grace_days count.
# The others are v1's clauses under fair names. `flag_rules_v2` is the reference.
NEW_ACCOUNT_DEFAULT_PLATFORMS_SQL = "('bluesky', 'mastodon')"
RULE_SQL_V2: dict[str, str] = {
    "default_profile": f"({RULE_SQL[EGG.name]}) AND (lower(coalesce((SELECT a.platform FROM accounts a "  # noqa: S608 - constants
                       f"WHERE a.account_id = $account_id), '')) NOT IN {NEW_ACCOUNT_DEFAULT_PLATFORMS_SQL} "
                       "OR coalesce(date_diff('day', CAST(p.created_at AS DATE), $day) > $grace_days, false))",
    "no_posts_many_follows": RULE_SQL[SPAM.name],
    "follows_many": RULE_SQL[MASS_FOLLOWER.name],
    "inactive": RULE_SQL[INACTIVE.name],
    "new_account": RULE_SQL[NEW_ACCOUNT.name],
}
RULE_NAMES_V2: tuple[str, ...] = tuple(RULE_SQL_V2)
PATTERN_RULE_NAMES_V2: tuple[str, ...] = ("default_profile", "no_posts_many_follows", "follows_many")
