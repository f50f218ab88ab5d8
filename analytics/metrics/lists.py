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
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

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
# (NULL: all), and how many there are in all. Profiles are read twice, narrowly: the key and the
# follower count to rank every changed member, then the whole profile of the kept rows only, by
# row id (new followers were appended last, so their rows sit in the last row groups and the rest
# are skipped). Two lists a year apart differ by more than a million members on a large account,
# and the bios are the bulk of the profiles.
LIST_CHANGES_SQL = f"""
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
changed AS (
    SELECT 'joined' AS change, * FROM joined_candidates
    WHERE member_id NOT IN (SELECT member_id FROM left_candidates)
    UNION ALL
    SELECT 'left' AS change, * FROM left_candidates
    WHERE member_id NOT IN (SELECT member_id FROM joined_candidates)
),
ranked AS (
    SELECT c.change, r.member_key, c.first_seen, c.last_seen, r.followers_count AS rank_followers,
           r.profile_row, count(*) OVER (PARTITION BY c.change) AS total
    FROM changed c LEFT JOIN (
        SELECT rowid AS profile_row, member_id, member_key, followers_count FROM profiles
        WHERE account_id = $account_id AND member_id IN (SELECT member_id FROM changed)
    ) r ON r.member_id = c.member_id
    QUALIFY $limit IS NULL
        OR row_number() OVER (PARTITION BY c.change ORDER BY r.followers_count DESC NULLS LAST, r.member_key) <= $limit
),
p AS (SELECT rowid AS profile_row, * FROM profiles WHERE rowid IN (SELECT profile_row FROM ranked))
SELECT s.change, s.member_key, s.first_seen, s.last_seen, {_PROFILE_SELECT}, s.total
FROM ranked s LEFT JOIN p ON p.profile_row = s.profile_row
ORDER BY s.change, s.rank_followers DESC NULLS LAST, s.member_key
"""  # noqa: S608 - the interpolated part is a constant column list

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

QUICK_UNFOLLOW_METHOD = (
    "A quick unfollow is a follower first seen in one snapshot and gone from a snapshot at most "
    "{days} days later (days counted from the first snapshot that showed them to the first that no "
    "longer did). Followers already in your first snapshot are left out: when they followed is unknown."
)
COHORT_METHOD = (
    "Followers are grouped by the week (Monday to Sunday) of the first snapshot that showed them. "
    "A follower counts as still following after k weeks if they are in the first snapshot taken at "
    "least k weeks after they were first seen. A cell is empty when, for some follower of the week, "
    "no snapshot that late exists yet. Followers already in your first snapshot are left out."
)
RETENTION_4W_METHOD = (
    "Share of all followers gained (in weekly cohorts at least 4 weeks old) who still follow 4 weeks "
    "after they were first seen."
)


@dataclass(frozen=True)
class ListChanges:
    """Who joined and who left between two snapshots, with their latest known profile."""

    start: dt.date | None
    end: dt.date | None
    # change ("joined" / "left"), member_key, first_seen, last_seen, profile columns; most followed
    # first, at most the `limit` asked for of each change (the counts below are never cut)
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
) -> ListChanges:
    """Who is in the snapshot of `end` and not in that of `start` (joined), and the reverse (left).

    Both dates must be snapshot dates; by default the last two snapshots. Net changes only: a
    member who left and came back in between is in both snapshots and is neither. `joined` and
    `left` count everyone; `changes` lists, of each, the `limit` with the most followers (None:
    all of them).
    """
    dates = [d.date() for d in snapshot_dates(cursor, account_id, kind)["snapshot_date"]]
    if start is None and end is None:
        if len(dates) < 2:
            return ListChanges(None, None, _empty_changes(), 0, 0, _too_few_snapshots(len(dates), kind))
        start, end = dates[-2], dates[-1]
    if start is None or end is None:
        return ListChanges(start, end, _empty_changes(), 0, 0, "Choose two snapshot dates to compare.")
    start, end = _as_date(start), _as_date(end)
    if start > end:
        start, end = end, start
    missing = [d for d in (start, end) if d not in dates]
    if missing:
        shown = ", ".join(d.isoformat() for d in dates[-6:]) or "none"
        reason = f"No {kind} snapshot on {', '.join(d.isoformat() for d in missing)} (latest snapshots: {shown})."
        return ListChanges(start, end, _empty_changes(), 0, 0, reason)
    if start == end:
        return ListChanges(start, end, _empty_changes(), 0, 0, "The two snapshots are the same: choose two dates.")
    params = {"account_id": account_id, "kind": kind, "start": start, "end": end, "limit": _limit(limit)}
    rows = cursor.execute(LIST_CHANGES_SQL, params).df()
    totals = rows.groupby("change")["total"].first()
    changes = rows.drop(columns="total").reset_index(drop=True) if not rows.empty else _empty_changes()
    return ListChanges(start, end, changes, int(totals.get("joined", 0)), int(totals.get("left", 0)))


def _limit(limit: int | None) -> int | None:
    # The totals ride on the kept rows: a list cut to nothing would lose its count.
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for all), not {limit}")
    return limit


def _too_few_snapshots(count: int, kind: str) -> str:
    return (
        f"Not enough data: {count} {kind} snapshot{'s' if count != 1 else ''} imported; "
        "at least two are needed to see who joined and who left."
    )


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
    method = QUICK_UNFOLLOW_METHOD.format(days=within_days)
    snaps = snapshot_dates(cursor, account_id, kind)
    empty = pd.DataFrame(
        {c: pd.Series(dtype="object") for c in ["member_key", "first_seen", "last_seen", "absent_on", "days_followed", *PROFILE_COLUMNS]}
    )
    if len(snaps) < 3:
        # Two snapshots show joiners but nobody can have both joined and left.
        reason = (
            f"Not enough data: {len(snaps)} {kind} snapshot{'s' if len(snaps) != 1 else ''} imported; "
            "at least three are needed (a follower must appear after the first and then disappear)."
        )
        return QuickUnfollows(within_days, 0, 0, None, empty, method, reason)
    params = {"account_id": account_id, "kind": kind, "within_days": within_days, "start": start, "end": end}
    rows = cursor.execute(QUICK_UNFOLLOWS_SQL, {**params, "limit": _limit(limit)}).df()
    count = int(rows["total"].iloc[0]) if not rows.empty else 0
    members = rows.drop(columns="total")
    row = cursor.execute(GAINED_AFTER_FIRST_SQL, {k: params[k] for k in ("account_id", "kind", "start", "end")}).fetchone()
    gained = int(row[0]) if row else 0
    share = count / gained if gained else None
    return QuickUnfollows(within_days, count, gained, share, members, method)


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
        reason = "Not enough data: no follower was gained after the first snapshot."
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
        notes.append("Your snapshots span less than a week: no cohort is old enough yet.")
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
