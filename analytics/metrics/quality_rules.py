"""The follower quality rules, version `v1`: named, versioned constants and their SQL.

Apart from the audit (analytics.metrics.quality) because the analysis step and the kept figures'
readers count with the same SQL clauses; both import this leaf module, which imports nothing of
Palier. The rules' texts and the reasoning behind them are in analytics.metrics.quality's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_VERSION = "v1"


@dataclass(frozen=True)
class Rule:
    name: str
    text: str
    fields: tuple[str, ...]


EGG = Rule("egg", "Default avatar and empty bio.", ("default_avatar", "bio"))
SPAM = Rule(
    "spam",
    "No posts and following 700 or more; or no followers and 500 posts or more.",
    ("posts_count", "following_count", "followers_count"),
)
MASS_FOLLOWER = Rule(
    "mass_follower",
    "Following more than 1,500 accounts and at least 10 times more accounts than follow it.",
    ("following_count", "followers_count"),
)
INACTIVE = Rule("inactive", "Last post more than 180 days before the snapshot date.", ("last_post_at",))
NEW_ACCOUNT = Rule("new_account", "Account created less than 30 days before the snapshot date.", ("created_at",))

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
}
