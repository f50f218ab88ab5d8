"""Why followers left between two lists, whether renames can be seen, and history from one download.

Read-only: cursor and parameters in, figures out. The verdicts are written by
`analytics.collect.losses` (the public APIs' answers) into `loss_verdicts` (migration 8).

- `loss_breakdown`: the followers in one list and not in a later one, by cause. One function
  for the Churn page ("15 fewer: 9 unfollowed, 5 deactivated, 1 suspended") and for
  `report --json`'s "losses" (the latest two lists).
- `identity_of`: whether an account's members are keyed on a stable platform id (a renamed
  account stays the same member) or on handles only (a rename looks like one who left and one
  who came).
- `followers_by_follow_date`: the current followers by the day they followed, where the
  export says it (Instagram's timestamps, LinkedIn's "Connected On"): a lower bound of the past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.i18n import N_, _, format_percent, use_language
from analytics.metrics.plateaus import PURGE_MIN_LOSSES

# The causes, in the order they are shown. "renamed" is not a loss: the same account under a
# new address still follows (Mastodon's move to a new account that follows in the later list).
CAUSES = ("unfollowed", "deactivated", "suspended", "deleted", "purge", "renamed", "unknown")
# What the API checker may store; "purge" is decided here, from how many left at once.
VERDICTS = ("unfollowed", "deactivated", "suspended", "deleted", "renamed", "unknown")
GONE = ("deactivated", "suspended", "deleted")
# Many accounts gone from the platform between the same two lists: a platform purge. The same
# floor as a purge day of the follower series (analytics.metrics.plateaus), and most of the
# losses, so that a handful of deletions among hundreds of unfollows is not called a purge.
PURGE_MIN_GONE = PURGE_MIN_LOSSES
PURGE_MIN_SHARE = 0.5

LOSSES_METHOD_TEXT = N_("""\
Why followers left: for Bluesky and Mastodon accounts, Palier asks the platform's public API \
about each follower who is in one list and not in the next. An account the API still shows \
has unfollowed; Bluesky's AccountDeactivated and AccountTakedown answers and "Profile not \
found" give deactivated, suspended and deleted; Mastodon's 404 gives deleted, its "suspended" \
flag suspended, and a "moved" account is deactivated (renamed when its new account follows in \
the later list). A follower known by a stable id (X account id, Bluesky DID) who changed handle \
is the same follower: counted as renamed, never as a loss. Where an export has handles only \
(Instagram, a Mastodon following CSV), a renamed account looks like one who left and one who came. \
When at least {min_gone} of the accounts that left are gone from the platform \
(deactivated, suspended or deleted) and they are at least {min_share} of the losses, they \
are counted as a platform purge. Losses not checked (other platforms, or no check yet) are \
unknown. A follower who is back in a later list had a gap: not counted as a loss.\
""")


def losses_method() -> str:
    """Why followers left, the method, in the current language."""
    return _(LOSSES_METHOD_TEXT).format(min_gone=PURGE_MIN_GONE, min_share=format_percent(PURGE_MIN_SHARE, 0))


with use_language("en"):
    LOSSES_METHOD = losses_method()

# The follower lists of an account, oldest first.
LISTS_SQL = """
SELECT snapshot_date FROM snapshots
WHERE account_id = $a AND kind = 'follower'
ORDER BY snapshot_date
"""

# Members in the list of $since and not in the list of $until ($since < $until), with their
# verdict for that loss, and whether they are back in a list after $until (a gap). Written in
# parts: the members themselves (LOST_MEMBERS_SQL, for the checker and its report) and their
# counts by verdict (LOST_COUNTS_SQL, for the breakdown) read the same losses.
#
# A member's spells never overlap (tests/test_spells.py): one spell covers a list's day, so a
# member is at most once in `lost`. A member of the first list who is not in the second is one
# whose spell covering $since ended before $until; a spell covering $until would start after it,
# so only the spells started after $since are looked at. Both sides are then the few spells that
# began or ended between the lists, not every member of each list, and the subqueries are
# uncorrelated (`IN` a set: DuckDB decorrelated an `EXISTS` per member by grouping every member
# of the first list). Two lists a year apart: 0.17 s before, 0.06 s; a day apart, 0.24 s and 0.02 s.
_LOST_CTE = """
WITH lost AS (
    SELECT s.member_id, s.last_seen FROM spells s
    WHERE s.account_id = $a AND s.kind = 'follower'
      AND s.first_seen <= $since AND s.last_seen >= $since AND s.last_seen < $until
      AND s.member_id NOT IN (
          SELECT t.member_id FROM spells t
          WHERE t.account_id = $a AND t.kind = 'follower' AND t.first_seen > $since AND t.first_seen <= $until
            AND coalesce(t.last_seen, DATE '9999-12-31') >= $until)
)
"""
_RETURNED = """l.member_id IN (SELECT r.member_id FROM spells r WHERE r.account_id = $a AND r.kind = 'follower'
                              AND r.first_seen > $until) AS returned"""
_WITH_VERDICT = """
LEFT JOIN (
    -- The verdict of this loss: checked against the first list without the member, which is
    -- after $since and no later than $until.
    SELECT member_id, arg_max(cause, checked_at) AS cause, arg_max(detail, checked_at) AS detail,
           max(absent_on) AS absent_on
    FROM loss_verdicts
    WHERE account_id = $a AND absent_on > $since AND absent_on <= $until
    GROUP BY member_id
) v ON v.member_id = l.member_id
"""
LOST_MEMBERS_SQL = _LOST_CTE + f"""
SELECT l.member_id, l.last_seen, p.member_key, p.handle, p.platform_id, p.keyed_by_id, p.profile_url,
       {_RETURNED},
       v.cause, v.detail, v.absent_on
FROM lost l
JOIN profiles p ON p.account_id = $a AND p.member_id = l.member_id
{_WITH_VERDICT}
ORDER BY l.member_id
"""  # noqa: S608 - the interpolated parts are constants
# The same losses counted by (returned, cause): two lists a year apart lose 800,000 members,
# whose rows (with their handles and addresses) took 0.8 s to read only to be counted. No join
# with the profiles: every spell's member has one (the spells take its member id, migration 6).
LOST_COUNTS_SQL = _LOST_CTE + f"""
SELECT returned, cause, count(*) AS members FROM (
    SELECT {_RETURNED}, v.cause
    FROM lost l
    {_WITH_VERDICT}
)
GROUP BY ALL
"""  # noqa: S608 - the interpolated parts are constants

# Members in both lists whose handle changed between them: renamed, not lost.
RENAMED_SQL = """
SELECT count(DISTINCT h.member_id) FROM handle_changes h
WHERE h.account_id = $a AND h.changed_on > $since AND h.changed_on <= $until
  AND EXISTS (SELECT 1 FROM spells s WHERE s.account_id = $a AND s.kind = 'follower' AND s.member_id = h.member_id
              AND s.first_seen <= $since AND coalesce(s.last_seen, DATE '9999-12-31') >= $until)
"""

LIST_SIZE_SQL = "SELECT members FROM snapshots WHERE account_id = $a AND kind = 'follower' AND snapshot_date = $d"

IDENTITY_SQL = """
SELECT count(*) FILTER (WHERE keyed_by_id OR platform_id IS NOT NULL) AS by_id,
       count(*) AS members
FROM profiles WHERE account_id = $a
"""

# Current followers (in the latest follower list) by the day the export says they followed.
FOLLOW_DATES_SQL = """
WITH latest AS (
    SELECT max(snapshot_date) AS d FROM snapshots WHERE account_id = $a AND kind = 'follower'
)
SELECT CAST(p.followed_at AS DATE) AS day, count(*) AS n
FROM spells s
JOIN latest ON s.first_seen <= latest.d AND coalesce(s.last_seen, DATE '9999-12-31') >= latest.d
JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
WHERE s.account_id = $a AND s.kind = 'follower' AND p.followed_at IS NOT NULL
GROUP BY 1
ORDER BY 1
"""


@dataclass(frozen=True)
class LossBreakdown:
    since: dt.date | None  # the earlier list
    until: dt.date | None  # the later list
    lost: int = 0  # in the earlier list, not in the later one, and not back later
    # By cause, every cause of CAUSES present. "renamed" also counts the members in both lists
    # whose handle changed (keyed on a stable id, they are not among the lost).
    counts: dict[str, int] | None = None
    returned: int = 0  # not in the later list but back in a list after it: a gap, not a loss
    change: int | None = None  # the later list's size minus the earlier one's
    checked: int = 0  # losses with a verdict from an API
    reason: str | None = None  # why there is no breakdown (fewer than two lists)
    method: str = LOSSES_METHOD

    def as_json(self) -> dict[str, object]:
        """`report --json`'s "losses"."""
        counts = self.counts or dict.fromkeys(CAUSES, 0)
        return {"from": self.since.isoformat() if self.since else None,
                "to": self.until.isoformat() if self.until else None, **{c: counts[c] for c in CAUSES}}


def follower_lists(cursor: duckdb.DuckDBPyConnection, account_id: int) -> list[dt.date]:
    return [row[0] for row in cursor.execute(LISTS_SQL, {"a": account_id}).fetchall()]


def lost_members(cursor: duckdb.DuckDBPyConnection, account_id: int, since: dt.date, until: dt.date) -> pd.DataFrame:
    """Members in the list of `since` and not in the list of `until`, with their verdict if any.

    Columns: member_id, last_seen (the member's last list before leaving), member_key, handle, platform_id, keyed_by_id,
    profile_url, returned (back in a later list), cause, detail, absent_on."""
    return cursor.execute(LOST_MEMBERS_SQL, {"a": account_id, "since": since, "until": until}).df()


def causes_from_verdicts(verdicts: dict[object, int]) -> dict[str, int]:
    """Counts by cause from the losses' verdicts counted (None or a verdict the checker does not
    write: unknown); accounts gone from the platform together become a purge (see PURGE_MIN_GONE)."""
    counts = dict.fromkeys(CAUSES, 0)
    for verdict, members in verdicts.items():
        cause = verdict if isinstance(verdict, str) and verdict in VERDICTS else "unknown"
        counts[cause] += int(members)
    lost = sum(counts.values())
    gone = sum(counts[c] for c in GONE)
    if gone >= PURGE_MIN_GONE and gone >= PURGE_MIN_SHARE * lost:
        counts["purge"] = gone
        for cause in GONE:
            counts[cause] = 0
    return counts


def loss_breakdown(
    cursor: duckdb.DuckDBPyConnection, account_id: int, since: dt.date | None = None, until: dt.date | None = None
) -> LossBreakdown:
    """The followers lost between the lists of `since` and `until`, by cause (the latest two
    lists when not given)."""
    lists = follower_lists(cursor, account_id)
    if since is None or until is None:
        if len(lists) < 2:
            return LossBreakdown(None, None, counts=dict.fromkeys(CAUSES, 0),
                                 reason=_("Two follower lists are needed to see who left; this account has {count}.").format(
                                     count=len(lists)))
        since, until = lists[-2], lists[-1]
    if since >= until:
        since, until = until, since
    verdicts: dict[object, int] = {}
    returned = checked = 0
    for back, cause, members in cursor.execute(LOST_COUNTS_SQL, {"a": account_id, "since": since, "until": until}).fetchall():
        if back:
            returned += int(members)
            continue
        verdicts[cause] = verdicts.get(cause, 0) + int(members)
        checked += int(members) if cause is not None else 0
    sizes = [cursor.execute(LIST_SIZE_SQL, {"a": account_id, "d": d}).fetchone() for d in (since, until)]
    change = int(sizes[1][0]) - int(sizes[0][0]) if sizes[0] and sizes[1] else None
    counts = causes_from_verdicts(verdicts)
    # Renamed accounts keyed on a stable id are not among the lost: counted beside them.
    renamed = cursor.execute(RENAMED_SQL, {"a": account_id, "since": since, "until": until}).fetchone()
    counts["renamed"] += int(renamed[0]) if renamed else 0
    return LossBreakdown(
        since, until, lost=sum(verdicts.values()), counts=counts, returned=returned, change=change, checked=checked,
    )


@dataclass(frozen=True)
class Identity:
    keyed_by: str  # 'id' (a stable platform id), 'handle' (handles only), 'mixed' or 'none' (no members)
    members: int
    by_id: int

    @property
    def renames_look_like_losses(self) -> bool:
        """True when a renamed account would look like one who left and one who came."""
        return self.keyed_by in ("handle", "mixed")


def identity_of(cursor: duckdb.DuckDBPyConnection, account_id: int) -> Identity:
    """Whether the account's members are keyed on a stable id (X account id, Bluesky DID, Mastodon
    account) or on handles only (Instagram, a Mastodon following CSV)."""
    by_id, members = cursor.execute(IDENTITY_SQL, {"a": account_id}).fetchone() or (0, 0)
    if not members:
        kind = "none"
    elif by_id == members:
        kind = "id"
    elif by_id == 0:
        kind = "handle"
    else:
        kind = "mixed"
    return Identity(kind, int(members), int(by_id))


FOLLOW_DATES_METHOD = N_("""\
Your current followers by the day they followed, where the export says when each follower \
followed (Instagram, LinkedIn's "Connected On"). A lower bound of the past: those who followed \
and later left are not in the file, so the real count on each past day was at least this.\
""")


def followers_by_follow_date(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """Columns day, followers: the cumulative count of current followers by follow date, one row
    per day on which it changed. Empty when no current follower has a follow date."""
    rows = cursor.execute(FOLLOW_DATES_SQL, {"a": account_id}).df()
    if rows.empty:
        return pd.DataFrame({"day": pd.Series(dtype="datetime64[us]"), "followers": pd.Series(dtype="int64")})
    return pd.DataFrame({
        "day": pd.to_datetime(rows["day"]).astype("datetime64[us]"),
        "followers": rows["n"].astype("int64").cumsum(),
    })
