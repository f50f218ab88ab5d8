"""Writing one parsed export into the store, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from analytics.ingest.model import MEMBER_DTYPES, POST_DTYPES, MemberList, Parsed, concat_members, typed_frame
from analytics.ingest.spells import existing_snapshot, insert_snapshot, remove_snapshot

INSERT_IMPORT_SQL = """
INSERT INTO imports (account_id, file_name, sha256, format, rows, date_min, date_max, summary)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING import_id
"""
UPDATE_IMPORT_SUMMARY_SQL = "UPDATE imports SET summary = ?, date_min = ?, date_max = ? WHERE import_id = ?"

INSERT_DAILY_SQL = """
INSERT INTO daily_values (account_id, day, metric, value, import_id, export_end)
SELECT $a, CAST(day AS DATE), metric, value, $import_id, $export_end FROM daily_frame
"""

_POST_COLUMNS = ", ".join(POST_DTYPES)
INSERT_POSTS_SQL = f"""
INSERT INTO posts_raw (account_id, import_id, {_POST_COLUMNS})
SELECT $a, $import_id, {_POST_COLUMNS} FROM posts_frame
"""  # noqa: S608 - column names are constants

_PROFILE_COLUMNS = [c for c in MEMBER_DTYPES if c != "member_key"]

# A profile's fields as of its newest snapshot: a member's newest snapshot overwrites what it
# says (a missing value never erases a known one), an older snapshot only fills what is unknown.
# Written as three set-based statements rather than one upsert: on a daily list of a million,
# nearly every profile is unchanged, and an upsert rewriting every column of every row (bios
# included) cost more than the rest of the import. Only new members are inserted, only changed
# profiles are rewritten, and the others have just their `as_of` date moved.
INSERT_NEW_PROFILES_SQL = f"""
INSERT INTO profiles (account_id, member_key, {", ".join(_PROFILE_COLUMNS)}, as_of)
SELECT $a, m.member_key, {", ".join(f"m.{c}" for c in _PROFILE_COLUMNS)}, $as_of FROM members_frame m
WHERE NOT EXISTS (SELECT 1 FROM profiles p WHERE p.account_id = $a AND p.member_key = m.member_key)
"""  # noqa: S608 - column names are constants

_CHANGED = " OR ".join(f"(m.{c} IS NOT NULL AND m.{c} IS DISTINCT FROM profiles.{c})" for c in _PROFILE_COLUMNS)
UPDATE_CHANGED_PROFILES_SQL = f"""
UPDATE profiles SET
    {", ".join(f"{c} = coalesce(m.{c}, profiles.{c})" for c in _PROFILE_COLUMNS)},
    as_of = $as_of
FROM members_frame m
WHERE profiles.account_id = $a AND profiles.member_key = m.member_key AND profiles.as_of <= $as_of
  AND ({_CHANGED})
"""  # noqa: S608 - column names are constants

CONFIRM_PROFILES_SQL = """
UPDATE profiles SET as_of = $as_of
FROM members_frame m
WHERE profiles.account_id = $a AND profiles.member_key = m.member_key AND profiles.as_of < $as_of
"""

# A profile seen in an older snapshot only fills what the newer ones left unknown.
FILL_OLDER_PROFILES_SQL = f"""
UPDATE profiles SET
    {", ".join(f"{c} = coalesce(profiles.{c}, m.{c})" for c in _PROFILE_COLUMNS)}
FROM members_frame m
WHERE profiles.account_id = $a AND profiles.member_key = m.member_key AND profiles.as_of > $as_of
  AND ({" OR ".join(f"(profiles.{c} IS NULL AND m.{c} IS NOT NULL)" for c in _PROFILE_COLUMNS)})
"""  # noqa: S608 - column names are constants

INCOMING_SQL = "CREATE OR REPLACE TEMP TABLE incoming AS SELECT DISTINCT member_key FROM members_frame"


@dataclass
class LoadCounts:
    days: int = 0
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    posts: int = 0
    lists: list[tuple[str, dt.date, int]] = field(default_factory=list)
    replaced: list[tuple[str, dt.date, int]] = field(default_factory=list)


def _dedupe_members(members: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
    if isinstance(members, pa.Table):
        return members  # one fast-path list: typed, keys present, no duplicates
    frame = typed_frame(members, MEMBER_DTYPES)
    frame = frame[frame["member_key"].notna() & (frame["member_key"].str.len() > 0)]
    return frame.drop_duplicates("member_key", keep="first").reset_index(drop=True)


def _one_list_per_day(lists: list[tuple[MemberList, dt.date]]) -> list[tuple[MemberList, dt.date]]:
    """Merge the lists that land on the same kind and date. Rows dated by a column and rows left
    undated can resolve to the same day; loaded one after the other, the second would replace
    the first as if it were a newer snapshot of that day."""
    frames: dict[tuple[str, dt.date], list[pd.DataFrame | pa.Table]] = {}
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
) -> LoadCounts:
    """Write the daily values, posts and dated member lists of one import."""
    counts = LoadCounts()
    dates: list[dt.date] = []

    daily = parsed.daily.dropna(subset=["day", "metric", "value"])
    if not daily.empty:
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

    posts = parsed.posts[parsed.posts["post_id"].notna()].drop_duplicates("post_id", keep="first")
    if not posts.empty:
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
        members = _dedupe_members(member_list.members)
        cursor.register("members_frame", members)
        try:
            replaced = existing_snapshot(cursor, account_id, member_list.kind, day)
            if replaced is not None:
                remove_snapshot(cursor, account_id, member_list.kind, day)
                counts.replaced.append((member_list.kind, day, replaced))
            cursor.execute(INCOMING_SQL)
            insert_snapshot(cursor, account_id, member_list.kind, day, import_id)
            for statement in (INSERT_NEW_PROFILES_SQL, UPDATE_CHANGED_PROFILES_SQL, CONFIRM_PROFILES_SQL):
                cursor.execute(statement, {"a": account_id, "as_of": day})
            cursor.execute(FILL_OLDER_PROFILES_SQL, {"a": account_id, "as_of": day})
            cursor.execute("DROP TABLE incoming")
        finally:
            cursor.unregister("members_frame")
        counts.lists.append((member_list.kind, day, len(members)))
        dates.append(day)

    if dates:
        counts.date_min, counts.date_max = min(dates), max(dates)
    return counts


def finish_import(cursor: duckdb.DuckDBPyConnection, import_id: int, summary: str, counts: LoadCounts) -> None:
    cursor.execute(UPDATE_IMPORT_SUMMARY_SQL, [summary, counts.date_min, counts.date_max, import_id])
