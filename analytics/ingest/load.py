"""Writing one parsed export into the store, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb

from analytics.ingest.fastlist import CarefulReadNeeded, CsvMembers, problems
from analytics.ingest.model import (
    MEMBER_DTYPES,
    POST_DTYPES,
    MemberList,
    Members,
    Parsed,
    concat_members,
    typed_frame,
)
from analytics.store.spells import existing_snapshot, insert_snapshot, remove_snapshot

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

INSERT_IMPORT_SQL = """
INSERT INTO imports (account_id, file_name, sha256, format, rows, date_min, date_max, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id
"""
UPDATE_IMPORT_SUMMARY_SQL = "UPDATE imports SET summary = ?, facts = ?, date_min = ?, date_max = ? WHERE import_id = ?"
UPDATE_IMPORT_ROWS_SQL = "UPDATE imports SET rows = ? WHERE import_id = ?"

log = logging.getLogger("palier.ingest")

INSERT_DAILY_SQL = """
INSERT INTO daily_values (account_id, day, metric, value, import_id, export_end)
SELECT $a, CAST(day AS DATE), metric, value, $import_id, $export_end FROM daily_frame
"""

_POST_COLUMNS = ", ".join(POST_DTYPES)
INSERT_POSTS_SQL = f"""
INSERT INTO posts_raw (account_id, import_id, {_POST_COLUMNS})
SELECT $a, $import_id, {_POST_COLUMNS} FROM posts_frame
"""  # noqa: S608 - the interpolated parts are constants or quoted names

# The stored profile (migration 5). A platform id equal to the member key (X, Bluesky, the
# generic list: the key is the id whenever an export gives one) is not stored twice:
# `keyed_by_id` says so; `platform_id` keeps only an id that differs (Mastodon keys members by
# address). Follow times are kept to the second; account creation and last post as dates
# (migration 6: Palier reads them in days).
_SECONDS = ("followed_at",)
_DAYS = ("created_at", "last_post_at")
# A profile whose text changes loses its audience features (the analysis step computes them again).
_TEXT = ("name", "bio", "location")
_STORED = ["keyed_by_id"] + [c for c in MEMBER_DTYPES if c != "member_key"]


def _incoming(column: str) -> str:
    """The incoming value of a stored column, from members_frame (m); missing (NULL) never
    erases what is known."""
    if column == "keyed_by_id":
        return "(CASE WHEN m.platform_id = m.member_key THEN true END)"
    if column == "platform_id":
        return "nullif(m.platform_id, m.member_key)"
    if column in _SECONDS:
        # Truncated: a cast rounds, and 23:59:59.999 would become the next day.
        return f"CAST(date_trunc('second', m.{column}) AS TIMESTAMP_S)"
    if column in _DAYS:
        return f"CAST(m.{column} AS DATE)"
    return f"m.{column}"


# A profile holds its member's fields as of the newest snapshot that holds the member: that
# snapshot's values overwrite (a missing value never erases a known one), an older snapshot
# only fills what is unknown.
# Written as set-based statements rather than one upsert: on a daily list of a million, nearly
# every profile is unchanged, and an upsert rewriting every row (bios included) cost more than
# the rest of the import. Only new members are inserted and only changed profiles rewritten;
# which snapshot is newer for a member comes from the spells, not from a date written on every
# profile every day (a million updates a day, and a store that grows with them).
# A new profile's stored columns, from members_frame (m) or the staged list read as m.
_NEW_PROFILE_VALUES = ", ".join(
    _incoming(c) if c != "keyed_by_id" else "coalesce(m.platform_id = m.member_key, false)" for c in _STORED
)
INSERT_ALL_PROFILES_SQL = f"""
INSERT INTO profiles (account_id, member_key, {", ".join(_STORED)})
SELECT $a, m.member_key, {_NEW_PROFILE_VALUES}
FROM members_frame m
"""  # noqa: S608 - the interpolated parts are constants or quoted names
INSERT_NEW_PROFILES_SQL = INSERT_ALL_PROFILES_SQL + """
WHERE NOT EXISTS (SELECT 1 FROM profiles p WHERE p.account_id = $a AND p.member_key = m.member_key)
"""  # noqa: S608 - the interpolated parts are constants or quoted names
HAS_PROFILES_SQL = "SELECT EXISTS (SELECT 1 FROM profiles WHERE account_id = $a)"

# An account's first list read into the store: its members' ids are drawn as one block, then
# given out in the order of the staged list's row ids (consecutive, from a base that DuckDB
# picks for a transaction's own rows). Drawn row by row (the column's default), the insert of
# a million profiles waits on the sequence: 1.3 to 1.5 s instead of 0.7 to 1.0.
RESERVE_MEMBER_IDS_SQL = "SELECT min(id), max(id) FROM (SELECT nextval('member_ids') AS id FROM range($n))"
STAGED_ROW_IDS_SQL = "SELECT min(rowid), max(rowid), count(*) FROM {table}"
INSERT_FIRST_PROFILES_SQL = f"""
INSERT INTO profiles (account_id, member_id, member_key, {", ".join(_STORED)})
SELECT $a, $first + (m.rowid - $base), m.member_key, {_NEW_PROFILE_VALUES}
FROM {{table}} m
"""  # noqa: S608 - the interpolated parts are constants or quoted names

_CHANGED = " OR ".join(f"({_incoming(c)} IS NOT NULL AND {_incoming(c)} IS DISTINCT FROM profiles.{c})" for c in _STORED)

# The profiles this snapshot changes, with what changes column by column. Each column is then
# updated on its own, only where it changes: DuckDB rewrites an updated column of a row group at
# the next checkpoint, so an UPDATE naming every column (bios included) for the 1% of profiles
# whose counts moved rewrote the whole table every day, and the store file grew with it.
#
# {members} is where the listed members' stored profiles come from (MEMBERS_BY_KEY or
# MEMBERS_BY_FOUND_ID, below).
CHANGED_SQL = f"""
CREATE OR REPLACE TEMP TABLE changed AS
SELECT profiles.member_id, {", ".join(f"{_incoming(c)} AS {c}" for c in _STORED)},
       {", ".join(f"({_incoming(c)} IS NOT NULL AND {_incoming(c)} IS DISTINCT FROM profiles.{c}) AS ch_{c}" for c in _STORED)},
       {", ".join(f"(profiles.{c} IS NULL AND {_incoming(c)} IS NOT NULL) AS fill_{c}" for c in _STORED)},
       {{later}} AS later
FROM {{members}}
WHERE {_CHANGED}
"""  # noqa: S608 - the interpolated parts are constants or quoted names
# Whether CHANGED_SQL would find any row, in a statement a third as long to plan (10 ms against
# 25 to 30 for a small list): a member's row with its stored values where the list has none is
# distinct from the stored row exactly when one of CHANGED_SQL's conditions holds. On most days of
# a daily list no stored profile moves, and CHANGED_SQL and its counts are then not run at all.
ANY_CHANGED_SQL = f"""
SELECT EXISTS (
    SELECT 1 FROM {{members}}
    WHERE ROW({", ".join(f"coalesce({_incoming(c)}, profiles.{c})" for c in _STORED)})
          IS DISTINCT FROM ROW({", ".join(f"profiles.{c}" for c in _STORED)})
)
"""  # noqa: S608 - the interpolated parts are constants or quoted names
# The listed members (m) with their stored profiles (`profiles`), matched by key; or, a next day,
# by the member ids its changed rows' keys were found to have (CHANGED_KEYS_SQL): a join on an
# integer, where the keys' text joined every stored key (a million: 0.09 to 0.13 s to 0.07 s).
MEMBERS_BY_KEY = "members_frame m JOIN profiles ON profiles.account_id = $a AND profiles.member_key = m.member_key"
MEMBERS_BY_FOUND_ID = """members_frame m JOIN {keys} k ON k.member_key = m.member_key
JOIN profiles ON profiles.account_id = $a AND profiles.member_id = k.member_id"""
# The snapshot is the account's newest (the daily case): it overwrites every changed profile.
NOT_LATER = "false"
# An older snapshot arrives: the members also seen later (in a list of either kind) only have
# gaps filled; the others take its values.
LATER = "profiles.member_id IN (SELECT member_id FROM seen_later)"
SEEN_LATER_SQL = """
CREATE OR REPLACE TEMP TABLE seen_later AS
SELECT DISTINCT s.member_id FROM spells s
JOIN (SELECT kind, max(snapshot_date) AS latest FROM snapshots WHERE account_id = $a GROUP BY kind) k
  ON k.kind = s.kind
WHERE s.account_id = $a AND coalesce(s.last_seen, k.latest) > $as_of
"""
CHANGED_COUNTS_SQL = "SELECT " + ", ".join(  # noqa: S608 - the interpolated parts are constants or quoted names
    [f"count(*) FILTER (WHERE ch_{c} AND NOT later)" for c in _STORED]
    + [f"count(*) FILTER (WHERE fill_{c} AND later)" for c in _STORED]
) + " FROM changed"
UPDATE_COLUMN_SQL = """
UPDATE profiles SET {column} = ch.{column} FROM changed ch
WHERE profiles.account_id = $a AND profiles.member_id = ch.member_id AND ch.{flag} AND {which}
"""
# A member keyed on a stable id whose handle changes in the account's newest list: the old
# handle is kept (migration 8), so the change reads as a rename (analytics.metrics.losses).
RECORD_HANDLE_CHANGES_SQL = """
INSERT INTO handle_changes (account_id, member_id, changed_on, old_handle, new_handle)
SELECT $a, ch.member_id, $as_of, p.handle, ch.handle FROM changed ch
JOIN profiles p ON p.account_id = $a AND p.member_id = ch.member_id
WHERE ch.ch_handle AND NOT ch.later AND p.handle IS NOT NULL
  AND (p.keyed_by_id OR p.platform_id IS NOT NULL)
"""
DELETE_TEXT_FEATURES_SQL = f"""
DELETE FROM profile_features
WHERE account_id = $a AND member_id IN (
    SELECT member_id FROM changed
    WHERE {" OR ".join(f"(ch_{c} AND NOT later) OR (fill_{c} AND later)" for c in _TEXT)})
"""  # noqa: S608 - the interpolated parts are constants or quoted names


def _update_profiles(cursor: duckdb.DuckDBPyConnection, account_id: int, day: dt.date, newest: bool,
                     keys: str | None = None) -> None:
    """Write what this snapshot changes in the profiles it holds (see CHANGED_SQL); `keys`, the
    table of CHANGED_KEYS_SQL when the list's changed rows were looked up."""
    members = MEMBERS_BY_KEY if keys is None else MEMBERS_BY_FOUND_ID.format(keys=keys)
    if not cursor.execute(ANY_CHANGED_SQL.format(members=members), {"a": account_id}).fetchall()[0][0]:
        return  # nothing to write: the usual day of a list whose members' profiles did not move
    params = {"a": account_id, "as_of": day}
    if not newest:
        cursor.execute(SEEN_LATER_SQL, params)
    cursor.execute(CHANGED_SQL.format(later=NOT_LATER if newest else LATER, members=members), {"a": account_id})
    counts = cursor.execute(CHANGED_COUNTS_SQL).fetchall()[0]
    width = len(_STORED)
    if counts[_STORED.index("handle")]:
        cursor.execute(RECORD_HANDLE_CHANGES_SQL, {"a": account_id, "as_of": day})
    for number, column in enumerate(_STORED):
        if counts[number]:
            cursor.execute(UPDATE_COLUMN_SQL.format(column=column, flag=f"ch_{column}", which="NOT ch.later"), {"a": account_id})
        if counts[width + number]:
            cursor.execute(UPDATE_COLUMN_SQL.format(column=column, flag=f"fill_{column}", which="ch.later"), {"a": account_id})
    if any(counts[_STORED.index(c)] or counts[width + _STORED.index(c)] for c in _TEXT):
        cursor.execute(DELETE_TEXT_FEATURES_SQL, {"a": account_id})
    cursor.execute("DROP TABLE changed")
    if not newest:
        cursor.execute("DROP TABLE seen_later")


NEWER_SNAPSHOT_SQL = "SELECT count(*) FROM snapshots WHERE account_id = $a AND snapshot_date > $as_of"

# The list's members by id (migration 6), once every member has a profile. An account's first
# list: its profiles are exactly the list's members, no join needed.
INCOMING_SQL = """
CREATE OR REPLACE TEMP TABLE incoming AS
SELECT p.member_id FROM profiles p
WHERE p.account_id = $a AND p.member_key IN (SELECT member_key FROM members_frame)
"""
INCOMING_FIRST_SQL = "CREATE OR REPLACE TEMP TABLE incoming AS SELECT member_id FROM profiles WHERE account_id = $a"
# A next day's list: the unchanged members by the id read with them, the others by key. Those
# others (a few percent of a daily list) are looked up once, each with the member id of the
# profile its key names (NULL: a member the store has never seen), and the duplicates' check,
# the insert of new profiles and the incoming members read that: each of the three scanned every
# key of the account's profiles (0.10 to 0.13 s at a million, now 0.04 s in all).
CHANGED_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE {keys} AS
SELECT m.member_key, p.member_id FROM {table} m
LEFT JOIN profiles p ON p.account_id = $a AND p.member_key = m.member_key
"""
INSERT_NEW_KEYS_SQL = INSERT_ALL_PROFILES_SQL + """
WHERE m.member_key IN (SELECT member_key FROM {keys} WHERE member_id IS NULL)
"""  # noqa: S608 - the interpolated parts are constants or quoted names
# The profiles just inserted drew ids above every id there was ($before): their row groups are the
# only ones read.
INCOMING_CHANGED_KEYS_SQL = """
CREATE OR REPLACE TEMP TABLE incoming_changed AS
SELECT member_id FROM {keys} WHERE member_id IS NOT NULL
UNION ALL
SELECT p.member_id FROM profiles p
WHERE p.account_id = $a AND p.member_id > $before
  AND p.member_key IN (SELECT member_key FROM {keys} WHERE member_id IS NULL)
"""
HIGHEST_MEMBER_ID_SQL = "SELECT coalesce(max(member_id), 0) FROM profiles"
INCOMING_WITH_UNCHANGED_SQL = """
CREATE OR REPLACE TEMP TABLE incoming AS
SELECT member_id FROM {unchanged} UNION ALL SELECT member_id FROM incoming_changed
"""

# A list on disk, read by DuckDB inside the import's transaction (see fastlist.CsvMembers).
READ_LIST_SQL = "CREATE OR REPLACE TEMP TABLE {table} AS {select}"
LIST_MEMBERS_SQL = "CREATE OR REPLACE TEMP VIEW members_frame AS SELECT * EXCLUDE (snapshot_date, bad) FROM {table}"

# Progress within one list, as fractions of its import: reading the file is most of it.
READ_SHARE = 0.7

Detail = Callable[[float, str], None]


@dataclass(frozen=True)
class StagedList:
    """A list on disk, read into the store's temp tables at the start of its import.

    `table` holds the typed, checked rows to write (`members_frame`); `rows` counts every member
    of the list. `unchanged` (a next-day list) names the table whose rows where `same` are the
    members read as exactly what the store holds: only their member ids are kept, and `table`
    holds the other rows only."""

    table: str
    rows: int
    unchanged: str | None = None
    keys: str | None = None  # a next day's: the other rows' keys and member ids (CHANGED_KEYS_SQL)


# Lists already read into the store: id(CsvMembers) -> what was read.
Staged = dict[int, StagedList]

# The next day's list, read against what the store holds.
#
# Converting and checking every field of a million rows costs more than DuckDB's own read_csv of
# the file into a table, and on the next day about 98% of the rows say exactly what the store
# already holds. So a list read into an account whose latest list of that kind has members is
# first compared, row by row, with those members' stored profiles, as text: a row whose every
# field is the canonical spelling of the stored value (the key its id, counts as digits, dates
# as the stored day, flags as true/false; an empty field is the stored blank) is a member
# unchanged, whose fields the careful reader would accept and convert to what is stored. Only
# the member id of such a row is kept. Every other row (a new member, a changed field, any other
# spelling, a row without an id) goes through the full conversion and checks of the fast path,
# so bad input is still flagged and sent to the careful reader. Rows are matched by a hash of
# their fields and a hash of their key, 128 bits computed on both sides in the same statement
# (nothing is kept in the store). Two hashes, not the key's text: at ten million the join's
# table of texts took 1.5 s more than one of numbers.
#
# An empty field is read as NULL (read_csv's default, quoted or not), and the stored blank is
# made NULL too (a blank text is '' when the fast path wrote it, NULL when the careful reader
# did): the file's side hashes its fields as they are read. Spelling each field's blank as ''
# on the file's side (a coalesce for every field, four for each date) made reading and hashing
# ten million rows take 7.5 s instead of 5.7 s.
#
# The stored profile's columns (migration 6), rendered as a generic list spells them.
_STORED_AS_TEXT: dict[str, str] = {
    "id": "p.member_key",
    "handle": "nullif(p.handle, '')",
    "name": "nullif(p.name, '')",
    "bio": "nullif(p.bio, '')",
    "location": "nullif(p.location, '')",
    "followers_count": "CAST(p.followers_count AS VARCHAR)",
    "following_count": "CAST(p.following_count AS VARCHAR)",
    "posts_count": "CAST(p.posts_count AS VARCHAR)",
    "created_at": "CAST(p.created_at AS VARCHAR)",
    "last_post_at": "CAST(p.last_post_at AS VARCHAR)",
    "default_avatar": "CASE p.default_avatar WHEN true THEN 'true' WHEN false THEN 'false' END",
    "verified": "CASE p.verified WHEN true THEN 'true' WHEN false THEN 'false' END",
}
# Stored as days: the list's date and time is the stored day when its first ten characters are.
_STORED_DAYS = ("created_at", "last_post_at")
# A time of day as the fast path's canonical `YYYY-MM-DDTHH:MM:SSZ` ends (what its strptime
# reads and prints back the same); parsing and printing each date was a third of the read.
_CANONICAL_TIME = "T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"

# The range of the current members' ids (open spells of the list's kind); NULLs when there are none.
CURRENT_RANGE_SQL = """
SELECT min(member_id), max(member_id) FROM spells WHERE account_id = $a AND kind = $k AND last_seen IS NULL
"""
# The current members, with the hashes of their key and of their stored fields. Which profiles
# are current is read from a bitstring of the open spells' ids over their range, one bit a
# member: a hash join of the open spells' ids (`member_id IN (...)`) cost a third of the
# statement (0.33 to 0.40 s against 0.23 to 0.25 s at a million; 2.6 to 3.4 s against 2.4 s at
# ten million). The CASE keeps get_bit within the range (a filter's conjuncts may be evaluated
# in any order).
CURRENT_PROFILES_SQL = """
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT hash(p.member_key) AS key_hash, p.member_id, hash({stored}) AS fields_hash
FROM profiles p
WHERE p.account_id = $a AND p.keyed_by_id
  AND CASE WHEN p.member_id BETWEEN $low AND $high THEN get_bit((
        SELECT bitstring_agg(member_id, $low, $high) FROM spells WHERE account_id = $a AND kind = $k AND last_seen IS NULL
      ), p.member_id - $low) = 1 ELSE false END
"""
# Each row of the file, joined with the current member whose stored fields it spells exactly:
# that member's id when the row is canonical and its two hashes are a current member's (the
# row is a member unchanged), else NULL and the row's raw fields (as a list) for the conversion.
# The join is LEFT, so its hash table is built from the current members (the right side) and the
# file is only streamed through it: DuckDB guesses a file's rows at a few dozen, and left to
# itself would build the table from the file, a million rows with all their text (see
# FIXED_BUILD_SIDE). One pass: the hashes of a million rows are neither kept nor joined again.
READ_AGAINST_STORED_SQL = """
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT c.member_id, CASE WHEN c.member_id IS NULL THEN {kept} END AS raw_fields
FROM (SELECT *, hash({key}) AS key_hash, CASE WHEN {canonical} THEN hash({raw}) END AS row_hash FROM {reader}) r
LEFT JOIN {current} c ON c.fields_hash = r.row_hash AND c.key_hash = r.key_hash
"""
# The optimizer that swaps a join's sides by estimated size: off for READ_AGAINST_STORED_SQL only.
FIXED_BUILD_SIDE = "SET GLOBAL disabled_optimizers = 'build_side_probe_side'"
DEFAULT_BUILD_SIDE = "RESET GLOBAL disabled_optimizers"
# The member ids of the unchanged rows.
UNCHANGED_IDS_SQL = """
CREATE OR REPLACE TEMP TABLE {table} AS
SELECT member_id FROM {seen} WHERE member_id IS NOT NULL
"""
# A member twice in the list (once unchanged, once not; or twice unchanged) goes to the careful
# reader, which keeps the first row. Counted as the ids less the distinct ids, the distinct ones
# as the set bits of a bitstring over the ids' range: a million ids in about 15 ms, where
# count(DISTINCT) hashes each (60 ms; 1.1 s against 0.07 s at ten million).
LIST_MEMBER_IDS_SQL = """
CREATE OR REPLACE TEMP TABLE {ids} AS
SELECT member_id FROM {unchanged}
UNION ALL
SELECT member_id FROM {keys} WHERE member_id IS NOT NULL
"""
MEMBER_ID_RANGE_SQL = "SELECT count(*), min(member_id), max(member_id) FROM {ids}"
DISTINCT_MEMBER_IDS_SQL = "SELECT bit_count(bitstring_agg(member_id, $low, $high)) FROM {ids}"


@dataclass
class LoadCounts:
    days: int = 0
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    posts: int = 0
    lists: list[tuple[str, dt.date, int]] = field(default_factory=list)
    replaced: list[tuple[str, dt.date, int]] = field(default_factory=list)
    rows: int = 0  # members of every list (the row count of a list read by the loader itself)


def _dedupe_members(members: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
    import pyarrow as pa
    if isinstance(members, pa.Table):
        return members  # one fast-path list: typed, keys present, no duplicates
    frame = typed_frame(members, MEMBER_DTYPES)
    frame = frame[frame["member_key"].notna() & (frame["member_key"].str.len() > 0)]
    return frame.drop_duplicates("member_key", keep="first").reset_index(drop=True)


def _one_list_per_day(lists: list[tuple[MemberList, dt.date]]) -> list[tuple[MemberList, dt.date]]:
    """Merge the lists that land on the same kind and date. Rows dated by a column and rows left
    undated can resolve to the same day; loaded one after the other, the second would replace
    the first as if it were a newer snapshot of that day."""
    frames: dict[tuple[str, dt.date], list[Members]] = {}
    for member_list, day in lists:
        frames.setdefault((member_list.kind, day), []).append(member_list.members)
    return [
        (MemberList(kind, concat_members(parts), day), day)  # type: ignore[arg-type]
        for (kind, day), parts in frames.items()
    ]


def record_import(
    cursor: duckdb.DuckDBPyConnection, account_id: int, file_name: str, sha256: str, format_key: str, rows: int
) -> int:
    row = cursor.execute(INSERT_IMPORT_SQL, [account_id, file_name, sha256, format_key, rows, None, None, None]).fetchone()
    assert row is not None
    return int(row[0])


def load_parsed(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    import_id: int,
    parsed: Parsed,
    lists: list[tuple[MemberList, dt.date]],
    detail: Detail | None = None,
    staged: Staged | None = None,
) -> LoadCounts:
    """Write the daily values, posts and dated member lists of one import."""
    counts = LoadCounts()
    dates: list[dt.date] = []

    daily = parsed.daily.dropna(subset=["day", "metric", "value"]) if parsed.daily is not None else None
    if daily is not None and not daily.empty:
        # One value per day and metric within a file: the last row written wins.
        daily = daily.drop_duplicates(["day", "metric"], keep="last")
        export_end = daily["day"].max().date()
        cursor.register("daily_frame", daily)
        try:
            cursor.execute(INSERT_DAILY_SQL, {"a": account_id, "import_id": import_id, "export_end": export_end})
        finally:
            cursor.unregister("daily_frame")
        days = daily["day"].dt.date
        counts.days = int(days.nunique())
        dates += [days.min(), days.max()]

    posts = parsed.posts[parsed.posts["post_id"].notna()].drop_duplicates("post_id", keep="first") if parsed.posts is not None else None
    if posts is not None and not posts.empty:
        cursor.register("posts_frame", posts)
        try:
            cursor.execute(INSERT_POSTS_SQL, {"a": account_id, "import_id": import_id})
        finally:
            cursor.unregister("posts_frame")
        counts.posts = len(posts)
        posted = posts["posted_at"].dropna()
        if not posted.empty:
            dates += [posted.min().date(), posted.max().date()]

    for member_list, day in sorted(_one_list_per_day(lists), key=lambda item: item[1]):
        size = _load_list(cursor, account_id, import_id, parsed, member_list, day, counts, staged or {}, detail)
        counts.lists.append((member_list.kind, day, size))
        dates.append(day)

    if dates:
        counts.date_min, counts.date_max = min(dates), max(dates)
    return counts


def finish_import(
    cursor: duckdb.DuckDBPyConnection, import_id: int, summary: str, counts: LoadCounts, facts: str | None = None
) -> None:
    """The import's summary as written now, and its facts (JSON) to write it again in any language."""
    cursor.execute(UPDATE_IMPORT_SUMMARY_SQL, [summary, facts, counts.date_min, counts.date_max, import_id])


def record_rows(cursor: duckdb.DuckDBPyConnection, import_id: int, rows: int) -> None:
    """The row count of an import whose lists were counted as they were loaded."""
    cursor.execute(UPDATE_IMPORT_ROWS_SQL, [rows, import_id])


@contextmanager
def _watching(cursor: duckdb.DuckDBPyConnection, detail: Detail | None, low: float, high: float, message: str) -> Iterator[None]:
    """Report DuckDB's own progress on the running statement, scaled to [low, high], from a
    watcher thread: the statement holds the calling thread until it is done."""
    if detail is None:
        yield
        return
    detail(low, message)
    # DuckDB tracks a statement's progress only with its progress bar on; it must not print.
    cursor.execute("SET enable_progress_bar = true")
    cursor.execute("SET enable_progress_bar_print = false")
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.25):
            try:
                percent = cursor.query_progress()
            except duckdb.Error:
                return
            if percent is not None and percent >= 0:
                detail(low + (high - low) * min(percent, 100.0) / 100.0, message)

    watcher = threading.Thread(target=watch, name="palier-import-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
    cursor.execute("RESET enable_progress_bar")
    cursor.execute("RESET enable_progress_bar_print")
    detail(high, message)


def stage_lists(
    cursor: duckdb.DuckDBPyConnection, parsed: Parsed, detail: Detail | None = None, account_id: int | None = None
) -> Staged:
    """Read every list on disk into a temp table, first thing in the import's transaction (before
    any id is drawn from a sequence, which a rollback would not give back). Whatever the fast
    path cannot vouch for (a row DuckDB will not read, a bad field, a member twice) sends the
    import back to the careful reader, which names the bad line or dedupes in file order:
    `CarefulReadNeeded` leaves the transaction, which rolls back. `account_id`: the existing
    account the import goes to (None for a new one), whose current members a next day's list is
    read against (see READ_AGAINST_STORED_SQL)."""
    staged: Staged = {}
    # Row order means nothing to an import's statements: without it DuckDB reads, inserts and
    # updates in parallel. For this transaction's cursor only (SESSION: a plain SET would be
    # global, and change the order other readers see).
    cursor.execute("SET SESSION preserve_insertion_order = false")
    for number, member_list in enumerate(parsed.lists):
        members = member_list.members
        if not isinstance(members, CsvMembers):
            continue
        table = f"list_rows_{number}"
        try:
            with _watching(cursor, detail, 0.0, READ_SHARE, "reading the list"):
                current = None if account_id is None else _current_range(cursor, account_id, member_list.kind, members)
                if account_id is not None and current is not None:
                    staged[id(members)] = _stage_against_stored(cursor, account_id, member_list.kind, members, number, current)
                    continue
                cursor.execute(READ_LIST_SQL.format(table=table, select=members.query.sql))
            rows, declined = problems(cursor, table)
        except duckdb.Error as exc:
            log.info("fast path declined %s: %s", members.name, str(exc).splitlines()[0])
            raise CarefulReadNeeded(members) from exc
        if declined:
            raise CarefulReadNeeded(members)
        staged[id(members)] = StagedList(table, rows)
    return staged


def _current_range(
    cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, members: CsvMembers
) -> tuple[int, int] | None:
    """The range of the current members' ids when the list can be read against the stored
    profiles (its rows give ids, the key of the members compared, and the account's latest list
    of its kind has members); None otherwise."""
    if members.query.raw("id") is None or not members.query.reader:
        return None
    low, high = cursor.execute(CURRENT_RANGE_SQL, {"a": account_id, "k": kind}).fetchall()[0]
    return None if low is None else (int(low), int(high))


@contextmanager
def _build_side_fixed(cursor: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """FIXED_BUILD_SIDE for the statements inside. The setting is the database's (DuckDB will not
    set it for one connection), so it is set and reset on a cursor of its own: the import's
    transaction may be aborted by then (a file that fails to read), and would refuse the reset.
    Reads of other sessions planned meanwhile lose only the side swap, never a result."""
    side = cursor.cursor()
    try:
        side.execute(FIXED_BUILD_SIDE)
        try:
            yield
        finally:
            side.execute(DEFAULT_BUILD_SIDE)
    finally:
        side.close()


def _stage_against_stored(
    cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str, members: CsvMembers, number: int,
    current_range: tuple[int, int],
) -> StagedList:
    """Read a next day's list (see READ_AGAINST_STORED_SQL): the unchanged members' ids in one
    table, the other rows converted and checked in another."""
    query = members.query
    current, seen = f"current_{number}", f"list_seen_{number}"
    unchanged, table = f"list_known_{number}", f"list_rows_{number}"
    names = [name for name, _ in query.columns if name in _STORED_AS_TEXT]
    every = [f"c{i}" for i in range(query.width)]

    def raw_text(name: str) -> str:
        raw = str(query.raw(name))
        return f"left({raw}, 10)" if name in _STORED_DAYS else raw

    canonical = [f"{query.raw('handle')} <> ''"]
    for name in _STORED_DAYS:
        raw = query.raw(name)
        if raw is not None:
            # The date is the stored day's; what follows it must be a time the fast path reads.
            canonical.append(
                f"({raw} IS NULL OR length({raw}) = 10 OR (length({raw}) = 20 AND "
                f"regexp_full_match(substr({raw}, 11), '{_CANONICAL_TIME}')))"
            )
    stored = ", ".join(_STORED_AS_TEXT[n] for n in names)
    low, high = current_range
    cursor.execute(CURRENT_PROFILES_SQL.format(table=current, stored=stored), {"a": account_id, "k": kind, "low": low, "high": high})
    with _build_side_fixed(cursor):
        cursor.execute(READ_AGAINST_STORED_SQL.format(
            table=seen, key=query.raw("id"), kept=f"[{', '.join(f'r.{c}' for c in every)}]", current=current,
            raw=", ".join(raw_text(n) for n in names), canonical=" AND ".join(canonical), reader=query.reader,
        ))
    cursor.execute(f"DROP TABLE {current}")
    cursor.execute(UNCHANGED_IDS_SQL.format(table=unchanged, seen=seen))
    cursor.execute(READ_LIST_SQL.format(
        table=table,
        select=query.convert(
            f"(SELECT {', '.join(f'raw_fields[{i + 1}] AS {c}' for i, c in enumerate(every))} "  # noqa: S608 - generated names
            f"FROM {seen} WHERE member_id IS NULL)"
        ),
    ))
    same_rows = cursor.execute(f"SELECT count(*) FROM {unchanged}").fetchall()[0][0]  # noqa: S608 - a generated name
    cursor.execute(f"DROP TABLE {seen}")
    changed_rows, declined = problems(cursor, table, allow_empty=True)
    if declined or changed_rows + same_rows == 0:
        raise CarefulReadNeeded(members)
    keys = f"list_keys_{number}"
    cursor.execute(CHANGED_KEYS_SQL.format(keys=keys, table=table), {"a": account_id})
    if _repeats_a_member(cursor, unchanged, keys, number):
        raise CarefulReadNeeded(members)
    return StagedList(table, changed_rows + same_rows, unchanged, keys)


def _repeats_a_member(cursor: duckdb.DuckDBPyConnection, unchanged: str, keys: str, number: int) -> bool:
    """Whether a member is in the list twice (see LIST_MEMBER_IDS_SQL)."""
    ids = f"list_member_ids_{number}"
    cursor.execute(LIST_MEMBER_IDS_SQL.format(ids=ids, unchanged=unchanged, keys=keys))
    count, low, high = cursor.execute(MEMBER_ID_RANGE_SQL.format(ids=ids)).fetchall()[0]
    # (After an error the transaction is aborted and rolls back with the table: nothing to tidy.)
    distinct = (
        count if count < 2
        else cursor.execute(DISTINCT_MEMBER_IDS_SQL.format(ids=ids), {"low": low, "high": high}).fetchall()[0][0]
    )
    cursor.execute(f"DROP TABLE {ids}")
    return bool(count != distinct)


def _reserve_member_ids(cursor: duckdb.DuckDBPyConnection, table: str, size: int) -> dict[str, int] | None:
    """`size` consecutive member ids drawn for the staged list `table`: {"first": the first id,
    "base": the list's first row id}, each row taking first + (row id - base). None when the
    list's row ids are not `size` consecutive numbers or the ids drawn are not one block (the
    insert then draws them row by row; the ids drawn here are left unused, a harmless gap)."""
    if size == 0:
        return None
    low, high, rows = cursor.execute(STAGED_ROW_IDS_SQL.format(table=table)).fetchall()[0]
    if rows != size or low is None or high - low != size - 1:
        return None
    first, last = cursor.execute(RESERVE_MEMBER_IDS_SQL, {"n": size}).fetchall()[0]
    return {"first": int(first), "base": int(low)} if last - first == size - 1 else None


def _load_list(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    import_id: int,
    parsed: Parsed,
    member_list: MemberList,
    day: dt.date,
    counts: LoadCounts,
    staged: Staged,
    detail: Detail | None,
) -> int:
    """Write one dated list: its spells, its snapshot and its members' profiles."""
    members = member_list.members
    in_store = isinstance(members, CsvMembers)
    unchanged: str | None = None
    keys: str | None = None
    if in_store:
        table, size, unchanged = staged[id(members)].table, staged[id(members)].rows, staged[id(members)].unchanged
        keys = staged[id(members)].keys
        cursor.execute(LIST_MEMBERS_SQL.format(table=table))
        # What members_frame holds: every row, or (a next day) the rows that are not unchanged.
        to_write = (
            size if unchanged is None
            else cursor.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 - a generated table name
        )
    else:
        frame = _dedupe_members(members)
        cursor.register("members_frame", frame)
        size = to_write = len(frame)
    counts.rows += size
    try:
        if detail:
            detail(READ_SHARE, "comparing with the other snapshots")
        replaced = existing_snapshot(cursor, account_id, member_list.kind, day)
        if replaced is not None:
            remove_snapshot(cursor, account_id, member_list.kind, day)
            counts.replaced.append((member_list.kind, day, replaced))
        params = {"a": account_id, "as_of": day}
        # Profiles first: spells refer to members by the id their profile draws (migration 6).
        # An account's first list: every profile is new (no anti-join against nothing).
        known = cursor.execute(HAS_PROFILES_SQL, {"a": account_id}).fetchall()[0][0]
        block = None if known or not in_store or unchanged is not None else _reserve_member_ids(cursor, table, size)
        before = 0
        if block is not None:
            inserted = cursor.execute(INSERT_FIRST_PROFILES_SQL.format(table=table), {"a": account_id, **block}).fetchall()[0][0]
        elif keys is not None:
            before = cursor.execute(HIGHEST_MEMBER_ID_SQL).fetchall()[0][0]
            inserted = cursor.execute(INSERT_NEW_KEYS_SQL.format(keys=keys), {"a": account_id}).fetchall()[0][0]
        else:
            inserted = cursor.execute(INSERT_NEW_PROFILES_SQL if known else INSERT_ALL_PROFILES_SQL, {"a": account_id}).fetchall()[0][0]
        if unchanged is not None and keys is not None:
            # The unchanged rows are members of the latest list: only the others may join.
            cursor.execute(INCOMING_CHANGED_KEYS_SQL.format(keys=keys), {"a": account_id, "before": before})
            cursor.execute(INCOMING_WITH_UNCHANGED_SQL.format(unchanged=unchanged))
        else:
            cursor.execute(INCOMING_SQL if known else INCOMING_FIRST_SQL, {"a": account_id})
        if unchanged is not None:
            insert_snapshot(cursor, account_id, member_list.kind, day, import_id, "incoming_changed")
            cursor.execute("DROP TABLE incoming_changed")
        else:
            insert_snapshot(cursor, account_id, member_list.kind, day, import_id)
        if detail:
            detail(READ_SHARE + (1 - READ_SHARE) / 2, "updating profiles")
        if inserted < to_write:
            # Members the store knew already: what this snapshot changes in their profiles. (A
            # first list inserts every profile as it is: nothing to compare.)
            newer = cursor.execute(NEWER_SNAPSHOT_SQL, params).fetchall()[0][0]
            _update_profiles(cursor, account_id, day, newest=not newer, keys=keys)
        cursor.execute("DROP TABLE incoming")
        if detail:
            detail(1.0, "written")
    finally:
        # After an error the transaction is aborted and rolls back with these: nothing to tidy.
        with suppress(duckdb.Error):
            if in_store:
                cursor.execute("DROP VIEW members_frame")
                cursor.execute(f"DROP TABLE {table}")
                if unchanged is not None:
                    cursor.execute(f"DROP TABLE {unchanged}")
                if keys is not None:
                    cursor.execute(f"DROP TABLE {keys}")
            else:
                cursor.unregister("members_frame")
    return size
