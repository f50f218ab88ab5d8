"""Follower lists as spells: inserting and removing a snapshot.

A spell (member, first_seen, last_seen) says the member was in every snapshot from first_seen to
last_seen and not in the snapshot after last_seen; last_seen is NULL while the member is in the
latest snapshot. Snapshots may arrive in any order, so inserting one at date d looks at its
neighbours p (the snapshot before d) and n (the one after):

- a spell present at both p and n ("crossing") of a member absent at d is split in two;
- a spell ending at p (absent at n) of a member present at d is extended to d;
- a spell starting at n of a member present at d is moved back to d;
- a member present at d with none of these starts a spell [d, d] (open when d is the latest).

Appending the newest snapshot, the daily case, touches only the members who left or joined.
Removal is the inverse, merging the two spells of a member who was absent only at d.
All statements take the incoming members from the temp table `incoming(member_id)` (ids of profiles).
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress

import duckdb

NEIGHBOURS_SQL = """
SELECT
    (SELECT max(snapshot_date) FROM snapshots WHERE account_id = $a AND kind = $k AND snapshot_date < $d),
    (SELECT min(snapshot_date) FROM snapshots WHERE account_id = $a AND kind = $k AND snapshot_date > $d)
"""

# The open spells of the members not incoming end at the previous snapshot. Which members are
# incoming is read from a bitstring of their ids over their range ($low to $high), one bit a
# member, kept in a variable of the import's connection: the anti-join of a million open spells
# with a million incoming ids took 0.08 s at a million, the bitstring 0.02 s. (Read from a
# subquery in the UPDATE instead of a variable, it took 0.07 to 0.23 s.) The CASE keeps get_bit
# within the range.
INCOMING_RANGE_SQL = "SELECT min(member_id), max(member_id) FROM incoming"
SET_INCOMING_BITS_SQL = "SET VARIABLE palier_incoming = (SELECT bitstring_agg(member_id, $low, $high) FROM incoming)"
RESET_INCOMING_BITS_SQL = "RESET VARIABLE palier_incoming"
CLOSE_LEAVERS_AT_END_SQL = """
UPDATE spells SET last_seen = $p
WHERE account_id = $a AND kind = $k AND last_seen IS NULL
  AND NOT CASE WHEN member_id BETWEEN $low AND $high
               THEN get_bit(getvariable('palier_incoming'), member_id - $low) = 1 ELSE false END
"""
# No member incoming (an empty list): every open spell ends.
CLOSE_ALL_AT_END_SQL = "UPDATE spells SET last_seen = $p WHERE account_id = $a AND kind = $k AND last_seen IS NULL"

SPLIT_CROSSING_INSERT_SQL = """
INSERT INTO spells
SELECT account_id, kind, member_id, $n, last_seen FROM spells
WHERE account_id = $a AND kind = $k AND first_seen <= $p AND (last_seen IS NULL OR last_seen >= $n)
  AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.member_id = spells.member_id)
"""

SPLIT_CROSSING_CLOSE_SQL = """
UPDATE spells SET last_seen = $p
WHERE account_id = $a AND kind = $k AND first_seen <= $p AND (last_seen IS NULL OR last_seen >= $n)
  AND NOT EXISTS (SELECT 1 FROM incoming i WHERE i.member_id = spells.member_id)
"""

EXTEND_ENDING_AT_PREVIOUS_SQL = """
UPDATE spells SET last_seen = $d
WHERE account_id = $a AND kind = $k AND last_seen = $p
  AND EXISTS (SELECT 1 FROM incoming i WHERE i.member_id = spells.member_id)
"""

MOVE_STARTING_AT_NEXT_SQL = """
UPDATE spells SET first_seen = $d
WHERE account_id = $a AND kind = $k AND first_seen = $n
  AND EXISTS (SELECT 1 FROM incoming i WHERE i.member_id = spells.member_id)
"""

START_NEW_SQL = """
INSERT INTO spells
SELECT $a, $k, i.member_id, $d, CASE WHEN $n IS NULL THEN NULL ELSE $d END
FROM {candidates} i
WHERE NOT EXISTS (
    SELECT 1 FROM spells s
    WHERE s.account_id = $a AND s.kind = $k AND s.member_id = i.member_id
      AND s.first_seen <= $d AND (s.last_seen IS NULL OR s.last_seen >= $d)
)
"""

# The first snapshot of a list: no spell to compare with.
START_FIRST_SQL = """
INSERT INTO spells SELECT $a, $k, i.member_id, $d, NULL FROM incoming i
"""

RECORD_SNAPSHOT_SQL = """
INSERT INTO snapshots (account_id, kind, snapshot_date, members, import_id)
VALUES ($a, $k, $d, (SELECT count(*) FROM incoming), $import_id)
"""

# Removal.
REOPEN_ENDING_AT_PREVIOUS_SQL = """
UPDATE spells SET last_seen = NULL WHERE account_id = $a AND kind = $k AND last_seen = $p
"""

MERGE_PAIRS_SQL = """
CREATE OR REPLACE TEMP TABLE merge_pairs AS
SELECT before.member_id, after.last_seen AS merged_last_seen
FROM spells before JOIN spells after
  ON after.account_id = before.account_id AND after.kind = before.kind AND after.member_id = before.member_id
WHERE before.account_id = $a AND before.kind = $k AND before.last_seen = $p AND after.first_seen = $n
"""

MERGE_EXTEND_SQL = """
UPDATE spells SET last_seen = m.merged_last_seen
FROM merge_pairs m
WHERE spells.account_id = $a AND spells.kind = $k AND spells.member_id = m.member_id AND spells.last_seen = $p
"""

MERGE_DROP_SQL = """
DELETE FROM spells
WHERE account_id = $a AND kind = $k AND first_seen = $n
  AND member_id IN (SELECT member_id FROM merge_pairs)
"""

DROP_ONLY_AT_SQL = """
DELETE FROM spells
WHERE account_id = $a AND kind = $k AND first_seen = $d
  AND (last_seen = $d OR (last_seen IS NULL AND $n IS NULL))
"""

MOVE_STARTING_AT_REMOVED_SQL = """
UPDATE spells SET first_seen = $n WHERE account_id = $a AND kind = $k AND first_seen = $d
"""

PULL_BACK_ENDING_AT_REMOVED_SQL = """
UPDATE spells SET last_seen = $p WHERE account_id = $a AND kind = $k AND last_seen = $d
"""

FORGET_SNAPSHOT_SQL = "DELETE FROM snapshots WHERE account_id = $a AND kind = $k AND snapshot_date = $d"

SNAPSHOT_EXISTS_SQL = "SELECT import_id FROM snapshots WHERE account_id = $a AND kind = $k AND snapshot_date = $d"


def _neighbours(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    row = cursor.execute(NEIGHBOURS_SQL, {"a": account_id, "k": kind, "d": day}).fetchone()
    assert row is not None
    return row[0], row[1]


def existing_snapshot(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, day: dt.date) -> int | None:
    row = cursor.execute(SNAPSHOT_EXISTS_SQL, {"a": account_id, "k": kind, "d": day}).fetchone()
    return None if row is None else int(row[0])


def _close_leavers_at_end(cursor: duckdb.DuckDBPyConnection, params: dict[str, object]) -> None:
    """End at the previous snapshot the open spells of the members not incoming (CLOSE_LEAVERS_AT_END_SQL)."""
    low, high = cursor.execute(INCOMING_RANGE_SQL).fetchall()[0]
    if low is None:
        cursor.execute(CLOSE_ALL_AT_END_SQL, params)
        return
    cursor.execute(SET_INCOMING_BITS_SQL, {"low": low, "high": high})
    try:
        cursor.execute(CLOSE_LEAVERS_AT_END_SQL, {**params, "low": low, "high": high})
    finally:
        with suppress(duckdb.Error):  # an aborted transaction refuses it; the variable is small
            cursor.execute(RESET_INCOMING_BITS_SQL)


def insert_snapshot(
    cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, day: dt.date, import_id: int,
    joining: str = "incoming",
) -> None:
    """Insert the members in temp table `incoming` as the snapshot of `day` (which must be new).

    `joining`: a temp table of the incoming members that may start a spell when `day` is the
    newest snapshot, when the caller knows the others to be members of the latest one (who keep
    their open spell): the daily case then looks for new spells among the few who changed, not
    among the million who did not."""
    previous, following = _neighbours(cursor, account_id, kind, day)
    base = {"a": account_id, "k": kind}
    if previous is not None:
        if following is None:
            _close_leavers_at_end(cursor, {**base, "p": previous})
        else:
            cursor.execute(SPLIT_CROSSING_INSERT_SQL, {**base, "p": previous, "n": following})
            cursor.execute(SPLIT_CROSSING_CLOSE_SQL, {**base, "p": previous, "n": following})
            cursor.execute(EXTEND_ENDING_AT_PREVIOUS_SQL, {**base, "p": previous, "d": day})
    if following is not None:
        cursor.execute(MOVE_STARTING_AT_NEXT_SQL, {**base, "n": following, "d": day})
    if previous is None and following is None:
        # Spells exist only between snapshots: the first one starts every member's spell (an
        # anti-join against nothing costs seconds at ten million).
        cursor.execute(START_FIRST_SQL, {**base, "d": day})
    else:
        candidates = joining if following is None else "incoming"
        cursor.execute(START_NEW_SQL.format(candidates=candidates), {**base, "d": day, "n": following})
    cursor.execute(RECORD_SNAPSHOT_SQL, {**base, "d": day, "import_id": import_id})


def remove_snapshot(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, day: dt.date) -> None:
    """Remove the snapshot of `day`, leaving the spells as if it had never been imported."""
    previous, following = _neighbours(cursor, account_id, kind, day)
    base = {"a": account_id, "k": kind}
    if previous is not None:
        if following is None:
            # Members who left at `day` were still there at `previous`, now the latest.
            cursor.execute(REOPEN_ENDING_AT_PREVIOUS_SQL, {**base, "p": previous})
        else:
            cursor.execute(MERGE_PAIRS_SQL, {**base, "p": previous, "n": following})
            cursor.execute(MERGE_EXTEND_SQL, {**base, "p": previous})
            cursor.execute(MERGE_DROP_SQL, {**base, "n": following})
            cursor.execute("DROP TABLE merge_pairs")
    cursor.execute(DROP_ONLY_AT_SQL, {**base, "d": day, "n": following})
    if following is not None:
        cursor.execute(MOVE_STARTING_AT_REMOVED_SQL, {**base, "d": day, "n": following})
    if previous is not None and following is not None:
        cursor.execute(PULL_BACK_ENDING_AT_REMOVED_SQL, {**base, "d": day, "p": previous})
    cursor.execute(FORGET_SNAPSHOT_SQL, {**base, "d": day})
