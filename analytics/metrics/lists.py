"""Follower-list churn: who joined and left between snapshots, quick unfollows, cohort retention.

Everything here reads the spells (member, first_seen, last_seen) and the snapshot dates, never
whole snapshots: a member is in the snapshot of date d iff one of their spells has
first_seen <= d and (last_seen IS NULL or last_seen >= d).

What lists can and cannot say, and how each metric copes:
- A list says who is there on its date, not when they followed. A follow lands on the first
  snapshot that shows it (`first_seen`), an unfollow on the first snapshot that no longer shows
  it (the snapshot after `last_seen`). Precision is the spacing of the snapshots.
- Members of the very first snapshot may have followed years before: their follow date is
  unknown (left-censored), so they are left out of quick unfollows and of the cohorts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import N_, _, ngettext

# The dimension the analysis keeps these lists' counts under, and the fingerprint they must carry.
from analytics.metrics.kept import LIST_COUNTS, fingerprint

PROFILE_COLUMNS = (
    "handle", "name", "bio", "location", "followers_count", "following_count", "posts_count",
    "verified", "default_avatar", "created_at", "profile_url",
)
_PROFILE_SELECT = ", ".join(f"p.{c}" for c in PROFILE_COLUMNS)

SNAPSHOT_DATES_SQL = """
SELECT snapshot_date, members
FROM snapshots
WHERE account_id = $account_id AND kind = $kind
ORDER BY snapshot_date
"""

# Joiners: a spell covering `end` that started after `start`, of a member with no spell covering
# `start` (left and came back in between: no net change). Leavers: a spell covering `start` that
# ended before `end`, of a member with no spell covering `end`. A member's spells never overlap,
# so a joiner's spell covering `start` can only be one that ended before `end`, that is a
# leaver's candidate spell, and the other way round: each side is checked against the other's
# candidates, two small sets picked out on dates, and no key of the whole list is hashed (a
# million of them took a tenth of a second per check).
#
# Then each change's members with their profiles, most followed first, at most $limit of each
# (NULL: all), and how many there are in all; ties go to the member met first (the lower member
# id). Profiles are read twice, narrowly: the follower count to rank every changed member (not the
# text key: reading a million keys to break ties took a quarter of the comparison of two lists a
# year apart; lists far apart rank only the most followed, see _changes_among_most_followed),
# then the whole profile of the kept rows only, by
# row id (new followers were appended last, so their rows sit in the last row groups and the rest
# are skipped). Two lists a year apart differ by more than a million members on a large account,
# and the bios are the bulk of the profiles.
_CANDIDATE_CTES = """
WITH joined_candidates AS (
    SELECT member_id, first_seen, last_seen FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen > $start AND first_seen <= $end AND (last_seen IS NULL OR last_seen >= $end)
),
left_candidates AS (
    SELECT member_id, first_seen, last_seen FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND last_seen >= $start AND last_seen < $end AND first_seen <= $start
),
"""
_CHANGED_CTE = """
changed AS (
    SELECT 'joined' AS change, * FROM joined_candidates
    WHERE member_id NOT IN (SELECT member_id FROM left_candidates)
    UNION ALL
    SELECT 'left' AS change, * FROM left_candidates
    WHERE member_id NOT IN (SELECT member_id FROM joined_candidates)
),
"""
# Every changed member ranked by its profile's follower count: a join of the changed members with
# the profiles. (One join: filtering the profiles to the changed members first joined them twice:
# a year apart, 1.7 million members, 0.5 s against 0.3 s.)
_EVERY_CHANGED_RANKED = """
changed_rows AS (
    SELECT c.change, c.member_id, c.first_seen, c.last_seen, r.followers_count AS rank_followers, r.profile_row
    FROM changed c LEFT JOIN (
        SELECT rowid AS profile_row, member_id, followers_count FROM profiles
        WHERE account_id = $account_id
    ) r ON r.member_id = c.member_id
),
"""
# Only the changed members among the account's $pool most followed profiles, in the order the
# ranking uses (follower count, then member id): see count_list_changes. The candidates are
# narrowed to the pool before the two sides are checked against each other; the totals count
# every candidate instead, less the members in both (left and came back): one semi-join of the
# two sides where the full ranking makes two anti-joins. (A member has at most one spell covering
# a list's day, so each side holds a member once.)
#
# The pool's profiles are fetched by member id (`profile_row` holds it): the pool may come from a
# ranking read before (given_ranking below), whose row ids a checkpoint may have moved since.
_MOST_FOLLOWED_POOL = """
pool AS (
    SELECT member_id, followers_count FROM profiles
    WHERE account_id = $account_id
    ORDER BY followers_count DESC NULLS LAST, member_id LIMIT $pool
),
"""
# The same pool from the ranking the caller keeps (`ranking`, registered as `given_ranking`): its
# first rows are the account's most followed, in the ranking's order, at least $pool of them.
_GIVEN_POOL = """
pool AS (SELECT member_id, followers_count FROM given_ranking),
"""
_MOST_FOLLOWED_CHANGED_RANKED = """
pool_joined AS (SELECT * FROM joined_candidates WHERE member_id IN (SELECT member_id FROM pool)),
pool_left AS (SELECT * FROM left_candidates WHERE member_id IN (SELECT member_id FROM pool)),
changed_rows AS (
    SELECT c.change, c.member_id, c.first_seen, c.last_seen, t.followers_count AS rank_followers, t.member_id AS profile_row
    FROM (
        SELECT 'joined' AS change, * FROM pool_joined WHERE member_id NOT IN (SELECT member_id FROM pool_left)
        UNION ALL
        SELECT 'left' AS change, * FROM pool_left WHERE member_id NOT IN (SELECT member_id FROM pool_joined)
    ) c JOIN pool t ON t.member_id = c.member_id
),
came_back AS (
    SELECT count(*) AS members FROM joined_candidates WHERE member_id IN (SELECT member_id FROM left_candidates)
),
totals AS (
    SELECT 'joined' AS change, (SELECT count(*) FROM joined_candidates) - (SELECT members FROM came_back) AS total
    UNION ALL
    SELECT 'left', (SELECT count(*) FROM left_candidates) - (SELECT members FROM came_back)
),
"""
_EVERY_TOTAL = "(SELECT change, count(*) AS total FROM changed GROUP BY change)"
_RANKED_CHANGES = """
-- The first $limit of each change by a top-N each, and the totals by a count: two lists a year
-- apart change by more than a million members, and numbering them all (a window) took 3 s.
-- $only (NULL, 'joined' or 'left') lists one change's members: the page shows one list at a time,
-- and the profiles of the other's 1,000, read from every row group, were a third of the query.
kept AS (
    (SELECT * FROM changed_rows WHERE change = 'joined' AND ($only IS NULL OR $only = 'joined')
     ORDER BY rank_followers DESC NULLS LAST, member_id LIMIT $limit)
    UNION ALL
    (SELECT * FROM changed_rows WHERE change = 'left' AND ($only IS NULL OR $only = 'left')
     ORDER BY rank_followers DESC NULLS LAST, member_id LIMIT $limit)
),
{fetch}
-- Every change's total, with its kept members or, when none are listed, alone (`listed` false).
SELECT t.change, k.member_id IS NOT NULL AS listed, p.member_key, k.first_seen, k.last_seen, {profile}, t.total
FROM {totals} t
LEFT JOIN kept k ON k.change = t.change
LEFT JOIN p ON p.profile_row = k.profile_row
ORDER BY t.change, k.rank_followers DESC NULLS LAST, k.member_id
"""  # the placeholders take constants: the totals' source, how profiles are fetched, their column list
_FETCH_BY_ROW = "p AS (SELECT rowid AS profile_row, * FROM profiles WHERE rowid IN (SELECT profile_row FROM kept))"
_FETCH_BY_MEMBER = """p AS (SELECT member_id AS profile_row, * FROM profiles
       WHERE account_id = $account_id AND member_id IN (SELECT profile_row FROM kept))"""
LIST_CHANGES_SQL = _CANDIDATE_CTES + _CHANGED_CTE + _EVERY_CHANGED_RANKED + _RANKED_CHANGES.format(
    totals=_EVERY_TOTAL, fetch=_FETCH_BY_ROW, profile=_PROFILE_SELECT)
_AMONG_POOL = _MOST_FOLLOWED_CHANGED_RANKED + _RANKED_CHANGES.format(
    totals="totals", fetch=_FETCH_BY_MEMBER, profile=_PROFILE_SELECT)
LIST_CHANGES_AMONG_MOST_FOLLOWED_SQL = _CANDIDATE_CTES + _MOST_FOLLOWED_POOL + _AMONG_POOL
LIST_CHANGES_AMONG_GIVEN_POOL_SQL = _CANDIDATE_CTES + _GIVEN_POOL + _AMONG_POOL
# The account's profiles in the order the changes are ranked (follower count, then the member met
# first), the first $count: the pool above, read once and kept by a caller that compares many
# pairs of lists (the Churn page, per store version: the ranking does not depend on the lists).
MOST_FOLLOWED_SQL = """
SELECT member_id, followers_count FROM profiles
WHERE account_id = $account_id
ORDER BY followers_count DESC NULLS LAST, member_id LIMIT $count
"""
# The spells started after `start` up to `end` (as many as the joiners or more) and the account's
# profiles: about a millisecond on the year of a million.
STARTED_BETWEEN_SQL = """
SELECT count(*), (SELECT count(*) FROM profiles WHERE account_id = $account_id)
FROM spells WHERE account_id = $account_id AND kind = $kind AND first_seen > $start AND first_seen <= $end
"""

# Per pair of consecutive snapshots: spells starting at a snapshot joined there; spells ending
# at the previous snapshot left by this one.
CHANGES_BY_SNAPSHOT_SQL = """
WITH snaps AS (
    SELECT snapshot_date, members, lag(snapshot_date) OVER (ORDER BY snapshot_date) AS previous_date
    FROM snapshots WHERE account_id = $account_id AND kind = $kind
),
starts AS (
    SELECT first_seen AS day, count(*) AS n FROM spells
    WHERE account_id = $account_id AND kind = $kind GROUP BY first_seen
),
ends AS (
    SELECT last_seen AS day, count(*) AS n FROM spells
    WHERE account_id = $account_id AND kind = $kind AND last_seen IS NOT NULL GROUP BY last_seen
)
SELECT s.snapshot_date, s.previous_date, s.members,
       coalesce(st.n, 0) AS joined, coalesce(en.n, 0) AS "left"
FROM snaps s
LEFT JOIN starts st ON st.day = s.snapshot_date
LEFT JOIN ends en ON en.day = s.previous_date
WHERE s.previous_date IS NOT NULL
ORDER BY s.snapshot_date
"""

# The first snapshot no longer showing a spell's member is the snapshot after its last_seen.
# The latest of them with their profiles, at most $limit (NULL: all), and how many in all: a year
# of a large account's lists holds tens of thousands, and only the kept rows' profiles are read
# whole (by row id, as in LIST_CHANGES_SQL).
QUICK_UNFOLLOWS_SQL = f"""
WITH snaps AS (
    SELECT snapshot_date, lead(snapshot_date) OVER (ORDER BY snapshot_date) AS next_date
    FROM snapshots WHERE account_id = $account_id AND kind = $kind
),
quick AS (
    SELECT s.member_id, s.first_seen, s.last_seen, n.next_date AS absent_on,
           datediff('day', s.first_seen, n.next_date) AS days_followed, count(*) OVER () AS total
    FROM spells s JOIN snaps n ON n.snapshot_date = s.last_seen
    WHERE s.account_id = $account_id AND s.kind = $kind AND s.last_seen IS NOT NULL
      AND s.first_seen > (SELECT min(snapshot_date) FROM snaps)
      AND n.next_date IS NOT NULL
      AND datediff('day', s.first_seen, n.next_date) <= $within_days
      AND ($start IS NULL OR s.first_seen >= $start)
      AND ($end IS NULL OR s.first_seen <= $end)
    QUALIFY $limit IS NULL OR row_number() OVER (ORDER BY n.next_date DESC, s.member_id) <= $limit
),
rows_ AS (
    SELECT rowid AS profile_row, member_id, member_key FROM profiles
    WHERE account_id = $account_id AND member_id IN (SELECT member_id FROM quick)
),
p AS (SELECT rowid AS profile_row, * EXCLUDE (member_key) FROM profiles WHERE rowid IN (SELECT profile_row FROM rows_))
SELECT r.member_key, s.* EXCLUDE (member_id), {_PROFILE_SELECT}
FROM quick s LEFT JOIN rows_ r ON r.member_id = s.member_id LEFT JOIN p ON p.profile_row = r.profile_row
ORDER BY s.absent_on DESC, r.member_key
"""  # noqa: S608 - the interpolated part is a constant column list

GAINED_AFTER_FIRST_SQL = """
SELECT count(*) FROM spells
WHERE account_id = $account_id AND kind = $kind
  AND first_seen > (SELECT min(snapshot_date) FROM snapshots WHERE account_id = $account_id AND kind = $kind)
  AND ($start IS NULL OR first_seen >= $start)
  AND ($end IS NULL OR first_seen <= $end)
"""

# Spells grouped by (first_seen, last_seen): at most snapshots² rows, whatever the list size.
COHORT_SPELLS_SQL = """
SELECT first_seen, last_seen, count(*) AS n
FROM spells
WHERE account_id = $account_id AND kind = $kind
  AND first_seen > (SELECT min(snapshot_date) FROM snapshots WHERE account_id = $account_id AND kind = $kind)
GROUP BY first_seen, last_seen
"""

RETENTION_WEEKS: tuple[int, ...] = (1, 2, 4, 8, 12)

# The lists the Churn page opens on, kept by the audience analysis step (analytics.analysis)
# in `list_people` (migration 7), their counts in `audience_cubes`: who joined and who left between
# the latest two lists, and the latest quick unfollows over every list. Reading the profiles of a
# few thousand members among the millions of a year took most of the page's first second; the
# kept rows are those lists exactly, for the imports they were counted from (the fingerprint).
KEPT_PEOPLE = 1000  # rows kept of each list: the page shows 1,000
KEPT_QUICK_DAYS = 7  # the quick unfollows kept: within the page's 7 days
_KEPT_PROFILE = ", ".join(PROFILE_COLUMNS)
KEPT_COUNTS_SQL = """
SELECT value, members FROM audience_cubes
WHERE account_id = $account_id AND fingerprint = $fingerprint AND dimension = $dimension
  AND since_date IS NOT DISTINCT FROM $since AND snapshot_date IS NOT DISTINCT FROM $day
"""
KEPT_CHANGES_SQL = f"""
SELECT list AS change, member_key, first_seen, last_seen, {_KEPT_PROFILE} FROM list_people
WHERE account_id = $account_id AND fingerprint = $fingerprint AND list IN ('joined', 'left')
  AND since_date = $since AND snapshot_date = $day AND rank < $limit AND ($only IS NULL OR list = $only)
ORDER BY list, rank
"""  # noqa: S608 - the interpolated part is a constant column list
KEPT_QUICK_SQL = f"""
SELECT member_key, first_seen, last_seen, absent_on, days_followed, {_KEPT_PROFILE} FROM list_people
WHERE account_id = $account_id AND fingerprint = $fingerprint AND list = $list
  AND since_date IS NULL AND snapshot_date IS NULL AND rank < $limit
ORDER BY rank
"""  # noqa: S608 - the interpolated part is a constant column list

QUICK_UNFOLLOW_METHOD = N_(
    "A quick unfollow is a follower first seen in one snapshot and gone from a snapshot at most "
    "{days} days later (days counted from the first snapshot that showed them to the first that no "
    "longer did). Followers already in your first snapshot are left out: when they followed is unknown."
)
COHORT_METHOD = N_(
    "Followers are grouped by the week (Monday to Sunday) of the first snapshot that showed them. "
    "A follower counts as still following after k weeks if they are in the first snapshot taken at "
    "least k weeks after they were first seen. A cell is empty when, for some follower of the week, "
    "no snapshot that late exists yet. Followers already in your first snapshot are left out."
)
RETENTION_4W_METHOD = N_(
    "Share of all followers gained (in weekly cohorts at least 4 weeks old) who still follow 4 weeks "
    "after they were first seen."
)


# Where list changes take the account's most followed profiles from: called with the pool's size,
# returns at least that many of `most_followed`'s rows (or every profile).
Ranking = Callable[[int], pd.DataFrame]
# The two changes between lists, as the `change` column names them.
Change = Literal["joined", "left"]
CHANGES: tuple[Change, ...] = ("joined", "left")


@dataclass(frozen=True)
class ListChanges:
    """Who joined and who left between two snapshots, with their latest known profile."""

    start: dt.date | None
    end: dt.date | None
    # change ("joined" / "left"), member_key, first_seen, last_seen, profile columns; most followed
    # first, at most the `limit` asked for of each change, or of the one asked for (the counts
    # below are never cut)
    changes: pd.DataFrame
    joined: int
    left: int
    reason: str | None = None  # set when the comparison cannot be made

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class QuickUnfollows:
    """Follow-for-follow churn: followers gone within `within_days` of being first seen."""

    within_days: int
    count: int
    gained: int  # followers first seen after the first snapshot (those who could be counted)
    share: float | None  # count / gained
    # member_key, first_seen, last_seen, absent_on, days_followed, profile columns; latest first, at
    # most the `limit` asked for (`count` is never cut)
    members: pd.DataFrame
    method: str = ""
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class CohortRetention:
    """Weekly follower cohorts and the share still following after 1, 2, 4, 8, 12 weeks."""

    # cohort (Monday), gained, then per k: after_{k}w (share, NaN when too recent), kept_{k}w (count)
    table: pd.DataFrame
    weeks: tuple[int, ...]
    cohort_retention_4w: float | None
    method: str = COHORT_METHOD
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reason is None


def snapshot_dates(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> pd.DataFrame:
    """The account's snapshots of one list, oldest first: snapshot_date (datetime), members."""
    frame = cursor.execute(SNAPSHOT_DATES_SQL, {"account_id": account_id, "kind": kind}).df()
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
    frame["members"] = frame["members"].astype("int64")
    return frame


def _as_date(value: dt.date | dt.datetime | pd.Timestamp) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _empty_changes() -> pd.DataFrame:
    columns = ["change", "member_key", "first_seen", "last_seen", *PROFILE_COLUMNS]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def list_changes(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "follower",
    limit: int | None = None,
    only: Change | None = None,
    ranking: Ranking | None = None,
) -> ListChanges:
    """Who is in the snapshot of `end` and not in that of `start` (joined), and the reverse (left).

    Both dates must be snapshot dates; by default the last two snapshots. Net changes only: a
    member who left and came back in between is in both snapshots and is neither. `joined` and
    `left` count everyone; `changes` lists, of each, the `limit` with the most followers (None:
    all of them); of one change only when `only` names it ("joined" or "left"). `ranking`: where
    to take the account's most followed profiles from (`most_followed`'s rows, kept by the caller)
    instead of ranking them again.
    """
    dates = [d.date() for d in snapshot_dates(cursor, account_id, kind)["snapshot_date"]]
    if start is None and end is None:
        if len(dates) < 2:
            return ListChanges(None, None, _empty_changes(), 0, 0, _too_few_snapshots(len(dates), kind))
        start, end = dates[-2], dates[-1]
    if start is None or end is None:
        return ListChanges(start, end, _empty_changes(), 0, 0, _("Choose two snapshot dates to compare."))
    start, end = _as_date(start), _as_date(end)
    if start > end:
        start, end = end, start
    missing = [d for d in (start, end) if d not in dates]
    if missing:
        shown = ", ".join(d.isoformat() for d in dates[-6:]) or "none"
        reason = _("No {kind} snapshot on {days} (latest snapshots: {shown}).").format(
            kind=kind, days=", ".join(d.isoformat() for d in missing), shown=shown)
        return ListChanges(start, end, _empty_changes(), 0, 0, reason)
    if start == end:
        return ListChanges(start, end, _empty_changes(), 0, 0, _("The two snapshots are the same: choose two dates."))
    kept = _kept_changes(cursor, account_id, start, end, kind, _limit(limit), _only(only))
    return kept if kept is not None else count_list_changes(cursor, account_id, start, end, kind, limit, only, ranking)


def count_list_changes(
    cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date, end: dt.date, kind: str = "follower",
    limit: int | None = None, only: Change | None = None, ranking: Ranking | None = None,
) -> ListChanges:
    """`list_changes` of two snapshot dates (start before end), counted from the spells."""
    params = {"account_id": account_id, "kind": kind, "start": start, "end": end, "limit": _limit(limit),
              "only": _only(only)}
    rows = _changes_among_most_followed(cursor, params, ranking) if limit is not None else None
    if rows is None:
        rows = cursor.execute(LIST_CHANGES_SQL, params).df()
    totals = rows.groupby("change")["total"].first()
    listed = rows[rows["listed"]]
    changes = listed.drop(columns=["listed", "total"]).reset_index(drop=True) if not listed.empty else _empty_changes()
    return ListChanges(start, end, changes, int(totals.get("joined", 0)), int(totals.get("left", 0)))


# Two lists far apart differ by much of the account (a year apart: 1.7 million changed members of
# 2.8 million profiles), and ranking every changed member joins each with its profile. The most
# followed profiles come first in the ranking's own order, so when the first `pool` of them hold
# `limit` members of each change, those are each change's first `limit` exactly. Tried when the
# spells started between the lists are at least a fifth of the profiles, with a pool expected to
# hold POOL_MARGIN times `limit` joiners; a pool that holds too few (few leavers, or the changes
# among the least followed) falls back to ranking them all. A year apart, the page's 1,000 of
# each: 0.33 to 0.39 s against 0.17 to 0.18 s.
POOL_MIN_SHARE = 0.2
POOL_MARGIN = 4


def _changes_among_most_followed(
    cursor: duckdb.DuckDBPyConnection, params: dict[str, Any], ranking: Ranking | None = None
) -> pd.DataFrame | None:
    """LIST_CHANGES_SQL's rows read from the most followed profiles only, or None when that
    cannot give them (see POOL_MIN_SHARE); the pool taken from `ranking` when given."""
    limit = int(params["limit"])
    sized = pool_sizes(cursor, params["account_id"], params["start"], params["end"], params["kind"], limit)
    if sized is None:
        return None
    pool, profiles = sized
    if ranking is None:
        rows = cursor.execute(LIST_CHANGES_AMONG_MOST_FOLLOWED_SQL, {**params, "pool": pool}).df()
    else:
        given = ranking(pool)
        if len(given) < min(pool, profiles):
            raise ValueError(f"the ranking gave {len(given)} profiles where {min(pool, profiles)} were asked for")
        cursor.register("given_ranking", given)
        try:
            rows = cursor.execute(LIST_CHANGES_AMONG_GIVEN_POOL_SQL, params).df()
        finally:
            cursor.unregister("given_ranking")
    for change in CHANGES if params["only"] is None else (params["only"],):
        of_change = rows[rows["change"] == change]
        # Exact when the pool gave the first `limit` (or the whole change): every changed member
        # has a profile (spells take their member's id from it, migration 6), so each one the
        # pool left out ranks after those it holds, blank counts included. (The totals are
        # counted from every candidate: each change has its row.)
        if int(of_change["listed"].sum()) < min(limit, int(of_change["total"].iloc[0])):
            return None
    return rows


def pool_sizes(cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date, end: dt.date, kind: str,
               limit: int) -> tuple[int, int] | None:
    """How many of the most followed profiles list changes of `start` to `end` (the first `limit`
    of each change) are read from, with the account's profiles; None when they rank every changed
    member instead (see POOL_MIN_SHARE)."""
    counted = {"account_id": account_id, "kind": kind, "start": start, "end": end}
    started, profiles = cursor.execute(STARTED_BETWEEN_SQL, counted).fetchall()[0]
    if not profiles or started < POOL_MIN_SHARE * profiles:
        return None
    return math.ceil(POOL_MARGIN * limit * profiles / started), int(profiles)


def most_followed(cursor: duckdb.DuckDBPyConnection, account_id: int, count: int) -> pd.DataFrame:
    """The account's `count` most followed profiles, in the order list changes are ranked
    (member_id, followers_count): what a caller keeps and gives `list_changes` as its `ranking`."""
    return cursor.execute(MOST_FOLLOWED_SQL, {"account_id": account_id, "count": count}).df()


def ranking_size(pool: int) -> int:
    """How many of the most followed to keep for a pool of `pool`: the next power of two, so that
    the pools of most pairs of lists (a few thousand, each pair its own) share one kept ranking."""
    return 1 << max(pool - 1, 0).bit_length()


def _kept_fingerprint(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, limit: int | None) -> int | None:
    """The fingerprint kept lists must carry to be read, or None when none can serve this call."""
    if kind != "follower" or limit is None or limit > KEPT_PEOPLE:
        return None
    return fingerprint(cursor, account_id)


def _kept_counts(cursor: duckdb.DuckDBPyConnection, account_id: int, fingerprint: int, since: dt.date | None,
                 day: dt.date | None) -> dict[str, int] | None:
    params = {"account_id": account_id, "fingerprint": fingerprint, "dimension": LIST_COUNTS, "since": since, "day": day}
    try:
        rows = cursor.execute(KEPT_COUNTS_SQL, params).fetchall()
    except duckdb.CatalogException:  # a store opened read-only before migration 4
        return None
    return {str(value): int(members) for value, members in rows} or None


def _kept_changes(cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date, end: dt.date, kind: str,
                  limit: int | None, only: Change | None) -> ListChanges | None:
    """The changes between two lists as the analysis kept them; None when it did not keep this pair."""
    print_ = _kept_fingerprint(cursor, account_id, kind, limit)
    counts = _kept_counts(cursor, account_id, print_, start, end) if print_ is not None else None
    if counts is None or "joined" not in counts or "left" not in counts:
        return None
    params = {"account_id": account_id, "fingerprint": print_, "since": start, "day": end, "limit": limit, "only": only}
    try:
        rows = cursor.execute(KEPT_CHANGES_SQL, params).df()
    except duckdb.CatalogException:  # a store opened read-only before migration 7
        return None
    changes = rows if not rows.empty else _empty_changes()
    return ListChanges(start, end, changes, counts["joined"], counts["left"])


def _only(only: str | None) -> Change | None:
    if only is None:
        return None
    for change in CHANGES:
        if only == change:
            return change
    raise ValueError(f"only must be one of {CHANGES} (or None for both), not {only!r}")


def _limit(limit: int | None) -> int | None:
    # A limit of none lists nobody: the caller means a count alone, which `joined` and `left` give.
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for all), not {limit}")
    return limit


def _too_few_snapshots(count: int, kind: str) -> str:
    return ngettext(
        "Not enough data: {count} {kind} snapshot imported; at least two are needed to see who joined and who left.",
        "Not enough data: {count} {kind} snapshots imported; at least two are needed to see who joined and who left.",
        count,
    ).format(count=count, kind=kind)


def changes_by_snapshot(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> pd.DataFrame:
    """Per snapshot after the first: snapshot_date, previous_date, members, joined, left, net."""
    frame = cursor.execute(CHANGES_BY_SNAPSHOT_SQL, {"account_id": account_id, "kind": kind}).df()
    for column in ("snapshot_date", "previous_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("members", "joined", "left"):
        frame[column] = frame[column].astype("int64")
    frame["net"] = frame["joined"] - frame["left"]
    return frame


def quick_unfollows(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    within_days: int = 7,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "follower",
    limit: int | None = None,
) -> QuickUnfollows:
    """Followers gone within `within_days` of being first seen (optionally first seen in [start, end]).

    `count` counts them all; `members` lists the `limit` latest (None: all of them)."""
    method = _(QUICK_UNFOLLOW_METHOD).format(days=within_days)
    snaps = snapshot_dates(cursor, account_id, kind)
    empty = pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ["member_key", "first_seen", "last_seen", "absent_on", "days_followed", *PROFILE_COLUMNS]}
    )
    if len(snaps) < 3:
        # Two snapshots show joiners but nobody can have both joined and left.
        reason = ngettext(
            "Not enough data: {count} {kind} snapshot imported; at least three are needed (a follower must appear "
            "after the first and then disappear).",
            "Not enough data: {count} {kind} snapshots imported; at least three are needed (a follower must appear "
            "after the first and then disappear).",
            len(snaps),
        ).format(count=len(snaps), kind=kind)
        return QuickUnfollows(within_days, 0, 0, None, empty, method, reason)
    # Every follower counted here was first seen on a list: a period holding every list counts them all.
    first, last = snaps["snapshot_date"].iloc[0].date(), snaps["snapshot_date"].iloc[-1].date()
    if (start is None or _as_date(start) <= first) and (end is None or _as_date(end) >= last):
        kept = _kept_quick(cursor, account_id, within_days, kind, _limit(limit))
        if kept is not None:
            return kept
    return count_quick_unfollows(cursor, account_id, within_days, start, end, kind, limit)


def count_quick_unfollows(
    cursor: duckdb.DuckDBPyConnection, account_id: int, within_days: int = 7, start: dt.date | None = None,
    end: dt.date | None = None, kind: str = "follower", limit: int | None = None,
) -> QuickUnfollows:
    """`quick_unfollows` counted from the spells (three snapshots or more)."""
    params = {"account_id": account_id, "kind": kind, "within_days": within_days, "start": start, "end": end}
    rows = cursor.execute(QUICK_UNFOLLOWS_SQL, {**params, "limit": _limit(limit)}).df()
    count = int(rows["total"].iloc[0]) if not rows.empty else 0
    members = rows.drop(columns="total")
    row = cursor.execute(GAINED_AFTER_FIRST_SQL, {k: params[k] for k in ("account_id", "kind", "start", "end")}).fetchone()
    gained = int(row[0]) if row else 0
    share = count / gained if gained else None
    return QuickUnfollows(within_days, count, gained, share, members, _(QUICK_UNFOLLOW_METHOD).format(days=within_days))


def kept_quick_list(within_days: int) -> str:
    """The name under which the quick unfollows within `within_days` are kept."""
    return f"quick_{within_days}"


def _kept_quick(cursor: duckdb.DuckDBPyConnection, account_id: int, within_days: int, kind: str,
                limit: int | None) -> QuickUnfollows | None:
    """The quick unfollows over every list as the analysis kept them; None when it did not keep them."""
    print_ = _kept_fingerprint(cursor, account_id, kind, limit) if within_days == KEPT_QUICK_DAYS else None
    counts = _kept_counts(cursor, account_id, print_, None, None) if print_ is not None else None
    name = kept_quick_list(within_days)
    if counts is None or name not in counts or "gained" not in counts:
        return None
    params = {"account_id": account_id, "fingerprint": print_, "list": name, "limit": limit}
    try:
        members = cursor.execute(KEPT_QUICK_SQL, params).df()
    except duckdb.CatalogException:  # a store opened read-only before migration 7
        return None
    count, gained = counts[name], counts["gained"]
    return QuickUnfollows(within_days, count, gained, count / gained if gained else None, members,
                          _(QUICK_UNFOLLOW_METHOD).format(days=within_days))


def cohort_retention(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    weeks: tuple[int, ...] = RETENTION_WEEKS,
    kind: str = "follower",
) -> CohortRetention:
    """Followers gained each week and the share of them still following k weeks later."""
    snaps = np.array(sorted(snapshot_dates(cursor, account_id, kind)["snapshot_date"].to_numpy(dtype="datetime64[D]")))
    empty = _empty_cohorts(weeks)
    if len(snaps) < 2:
        return CohortRetention(empty, weeks, None, reason=_too_few_snapshots(len(snaps), kind))
    spells = cursor.execute(COHORT_SPELLS_SQL, {"account_id": account_id, "kind": kind}).df()
    if spells.empty:
        reason = _("Not enough data: no follower was gained after the first snapshot.")
        return CohortRetention(empty, weeks, None, reason=reason)
    first_seen = pd.to_datetime(spells["first_seen"]).to_numpy(dtype="datetime64[D]")
    last_seen = pd.to_datetime(spells["last_seen"]).to_numpy(dtype="datetime64[D]")
    counts = spells["n"].to_numpy(dtype="int64")
    frame = pd.DataFrame({"cohort": _monday(first_seen), "n": counts})
    latest = snaps[-1]
    for k in weeks:
        target = first_seen + np.timedelta64(7 * k, "D")
        position = np.searchsorted(snaps, target, side="left")
        known = position < len(snaps)
        checked_on = snaps[np.minimum(position, len(snaps) - 1)]
        # NaT compares False, so an open spell (still following) needs its own test.
        still = np.isnat(last_seen) | (last_seen >= checked_on)
        frame[f"kept_{k}w"] = np.where(still, counts, 0)
        frame[f"known_{k}w"] = np.where(known, counts, 0)
    grouped = frame.groupby("cohort", sort=True).sum()
    table = pd.DataFrame({"cohort": pd.to_datetime(grouped.index), "gained": grouped["n"].to_numpy()})
    for k in weeks:
        complete = grouped[f"known_{k}w"].to_numpy() == grouped["n"].to_numpy()
        kept = grouped[f"kept_{k}w"].to_numpy()
        table[f"after_{k}w"] = np.where(complete, kept / grouped["n"].to_numpy(), np.nan)
        table[f"kept_{k}w"] = pd.array(np.where(complete, kept, 0), dtype="Int64")
        table.loc[~complete, f"kept_{k}w"] = pd.NA
    table = table.reset_index(drop=True)
    notes = []
    if latest - snaps[0] < np.timedelta64(7 * min(weeks), "D"):
        notes.append(_("Your snapshots span less than a week: no cohort is old enough yet."))
    return CohortRetention(table, weeks, retention_4w(table), notes=notes)


def retention_4w(table: pd.DataFrame) -> float | None:
    """Kept after 4 weeks over gained, summed over the cohorts old enough (None if none is)."""
    if "after_4w" not in table.columns:
        return None
    ready = table[table["after_4w"].notna()]
    gained = float(ready["gained"].sum())
    if gained == 0:
        return None
    share = float(ready["kept_4w"].astype("float64").sum()) / gained
    return None if math.isnan(share) else share


def _monday(days: np.ndarray) -> np.ndarray:
    # 1970-01-01 was a Thursday: shift by 3 so whole weeks start on Mondays.
    day_numbers = days.astype("int64")
    return ((day_numbers + 3) // 7 * 7 - 3).astype("datetime64[D]")


def _empty_cohorts(weeks: tuple[int, ...]) -> pd.DataFrame:
    columns: dict[str, pd.Series] = {
        "cohort": pd.Series(dtype="datetime64[us]"),
        "gained": pd.Series(dtype="int64"),
    }
    for k in weeks:
        columns[f"after_{k}w"] = pd.Series(dtype="float64")
        columns[f"kept_{k}w"] = pd.Series(dtype="Int64")
    return pd.DataFrame(columns)


def cohort_retention_4w(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> float | None:
    """The headline figure alone: see RETENTION_4W_METHOD (None when no cohort is old enough)."""
    return cohort_retention(cursor, account_id, kind=kind).cohort_retention_4w
