"""Meetups, read side: who among the attendees follows, known-in-person share, turnout.

Pure reads of the tables of migration 2 joined with the follower spells (see
`analytics.metrics.lists` for what spells can say). Definitions:
- Known in person: a follower the user marked by hand, or the follower of a confirmed match.
  Suggested and rejected matches do not count.
- The share of followers known in person is over the latest follower list.
- A follower before an event: a spell of theirs covers the day before the event.
- Followed after an event: not a follower the day before, and first seen in a list dated from
  the event day to `within_days` later. Lists are snapshots, so "first seen" is the first list
  that shows them: the precision is the spacing of the lists.
- When no follower list is dated on or before the day before the event, whether an attendee
  followed before is unknown, and is said so instead of counted as "no".
- Repeat attendees: the same person at two events or more. A person is the follower of their
  confirmed match; else a handle or a name that a confirmed match of another event carries;
  else their first handle, else their accent-folded name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd

from analytics.i18n import N_, _
from analytics.meetups.matching import Attendee, Candidate, Matcher, NameIndex, normalize_url

DEFAULT_WITHIN_DAYS = 30

# What the follower lists say of an attendee: stored as these English words, shown through _().
RELATION_BEFORE = N_("follower before")
RELATION_AFTER = N_("followed after")
RELATION_LATER = N_("followed later")
RELATION_LEFT = N_("had unfollowed")
RELATION_UNKNOWN = N_("unknown (no follower list before the event)")

FOLLOWER_CANDIDATES_SQL = """
WITH members AS (
    SELECT DISTINCT member_id FROM spells WHERE account_id = $account_id AND kind = 'follower'
)
SELECT p.member_key, p.handle, p.name, p.profile_url
FROM members m
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
ORDER BY p.member_key
"""

# Everyone who has followed the account, as FOLLOWER_CANDIDATES_SQL reads them, with their place
# in its order (the followers' order, which settles equal name scores).
_FOLLOWERS_CTE = """
members AS (
    SELECT DISTINCT member_id FROM spells WHERE account_id = $account_id AND kind = 'follower'
),
followers AS (
    SELECT p.member_id, p.member_key, p.handle, p.name, p.profile_url, row_number() OVER (ORDER BY p.member_key) - 1 AS position
    FROM members m JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
)"""
# Every follower with a name: place in the followers' order, member id, and the name's form
# (`matching.ascii_form`: lower case, every run of characters other than letters and digits a
# space, the words sorted) written here for an ASCII name, exactly as Python would
# (tests/test_meetups.py checks both agree); any other name as it is, which Python folds once
# however many followers bear it (matching.NameIndex).
_ASCII_FORM = "array_to_string(list_sort(string_split(trim(regexp_replace(lower(name), '[^a-z0-9]+', ' ', 'g')), ' ')), ' ')"
FOLLOWER_NAMES_SQL = f"""
WITH {_FOLLOWERS_CTE}
SELECT CASE WHEN regexp_matches(name, '[^\\x00-\\x7F]') THEN name ELSE {_ASCII_FORM} END AS text, position, member_id
FROM followers WHERE name <> ''
"""  # noqa: S608 - the interpolated parts are constants
# What the followers' names of an account depend on, read in a few milliseconds: the store file and
# the account's imports (profiles and spells change only when an import lands or is deleted; a
# match decided or a person marked known changes neither). With the last import id drawn: once an
# import is deleted, the imports left are those of an earlier state, but the profiles it wrote keep
# what it wrote (see _follower_names).
FOLLOWER_STATE_SQL = """
SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
       (SELECT last_value FROM duckdb_sequences() WHERE database_name = current_database() AND sequence_name = 'import_ids'),
       count(*), bit_xor(hash(import_id, sha256, format, rows, date_min, date_max))
FROM imports WHERE account_id = $account_id
"""
# The member keys of the followers an answer names.
MEMBER_KEYS_SQL = """
SELECT member_id, member_key FROM profiles WHERE account_id = $account_id AND list_contains(CAST($ids AS BIGINT[]), member_id)
"""

# An attendee's handle is looked up among the followers' handles, profile URLs and handle-like
# keys, each normalised as matching.candidate_keys does. Normalising a million of them in Python
# took 4 s; most are ASCII words (an X handle), dotted names (a Bluesky handle) or user@instance
# (Mastodon), whose normalised form SQL writes exactly (lower case, one leading '@' dropped,
# dots trimmed unless an instance follows; tests/test_meetups.py checks it against
# normalize_handle). Only the followers whose handle-like text is something else (an address,
# a URL, a letter beyond ASCII) or whose simple form is one of the attendees' are read into
# Python, where candidate_keys decides.
_SIMPLE_HANDLE = r"[A-Za-z0-9_]+|@?[A-Za-z0-9_.\-]+|@?[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-]+\.[A-Za-z]{2,}"


def _simple(text: str) -> str:
    """Whether SQL writes the normalised handle of `text` (a column) itself: empty, or simple."""
    return (
        f"({text} IS NULL OR {text} = '' OR (regexp_full_match({text}, '{_SIMPLE_HANDLE}')"
        f" AND NOT starts_with(lower({text}), 'www.')))"
    )


def _simple_form(text: str) -> str:
    """The normalised handle of a simple `text` (see _simple); NULL for an empty one."""
    user = f"regexp_replace({text}, '^@', '')"
    return f"(CASE WHEN {text} = '' THEN NULL WHEN contains({user}, '@') THEN lower({user}) ELSE trim(lower({user}), '.') END)"


# Keys that candidate_keys never reads as a handle: numeric ids and Bluesky DIDs.
_ID_KEY = "(starts_with(member_key, 'did:') OR regexp_full_match(member_key, '[0-9]+'))"
FOLLOWERS_BY_HANDLE_SQL = f"""
WITH {_FOLLOWERS_CTE}
SELECT member_key, handle, profile_url FROM followers
WHERE profile_url IS NOT NULL
   OR NOT {_simple("handle")} OR list_contains(CAST($handles AS VARCHAR[]), {_simple_form("handle")})
   OR (NOT {_ID_KEY} AND (NOT {_simple("member_key")} OR list_contains(CAST($handles AS VARCHAR[]), {_simple_form("member_key")})))
"""  # noqa: S608 - the interpolated parts are constants

LATEST_LIST_SQL = """
SELECT max(snapshot_date) FROM snapshots WHERE account_id = $account_id AND kind = 'follower'
"""

_KNOWN_CTE = """
known AS (
    SELECT member_key FROM known_in_person WHERE account_id = $account_id
    UNION
    SELECT member_key FROM meetup_matches WHERE account_id = $account_id AND status = 'confirmed'
)
"""

# A member's spells never overlap, so the spells covering a day are its list, one per member:
# counted as they are, without a DISTINCT over a million keys, and only the known members'
# keys are looked up.
KNOWN_SHARE_SQL = f"""
WITH listed AS (
    SELECT member_id FROM spells
    WHERE account_id = $account_id AND kind = 'follower'
      AND first_seen <= $day AND (last_seen IS NULL OR last_seen >= $day)
),
{_KNOWN_CTE}
SELECT (SELECT count(*) FROM listed) AS listed,
       (SELECT count(*) FROM listed WHERE member_id IN (
           SELECT member_id FROM profiles
           WHERE account_id = $account_id AND member_key IN (SELECT member_key FROM known))) AS known
"""  # noqa: S608 - the interpolated part is a constant

KNOWN_MEMBERS_SQL = """
WITH marks AS (
    SELECT member_key, 'marked by hand' AS how, added_at AS since, NULL::VARCHAR AS event, NULL::DATE AS event_date
    FROM known_in_person WHERE account_id = $account_id
    UNION ALL
    SELECT m.member_key, 'met at an event' AS how, NULL::TIMESTAMP AS since, e.name AS event, e.event_date
    FROM meetup_matches m
    JOIN meetup_attendees a ON a.attendee_id = m.attendee_id
    JOIN meetup_events e ON e.event_id = a.event_id
    WHERE m.account_id = $account_id AND m.status = 'confirmed'
),
listed AS (
    SELECT p.member_key FROM spells s
    JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
    WHERE s.account_id = $account_id AND s.kind = 'follower'
      AND s.first_seen <= $day AND (s.last_seen IS NULL OR s.last_seen >= $day)
      AND p.member_key IN (SELECT member_key FROM marks)
)
SELECT k.member_key, p.handle, p.name,
       bool_or(k.how = 'marked by hand') AS marked,
       count(k.event) AS events,
       max(k.event_date) AS last_event,
       k.member_key IN (SELECT member_key FROM listed) AS following_now
FROM marks k
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_key = k.member_key
GROUP BY k.member_key, p.handle, p.name
ORDER BY last_event DESC NULLS LAST, lower(coalesce(p.handle, k.member_key))
"""

EVENTS_SQL = """
SELECT e.event_id, e.name, e.event_date, e.place, e.file_name, e.imported_at,
       (SELECT count(*) FROM meetup_attendees a WHERE a.event_id = e.event_id) AS attendees
FROM meetup_events e
WHERE e.account_id = $account_id
ORDER BY e.event_date DESC, e.event_id DESC
"""

ATTENDEES_SQL = """
WITH att AS (
    SELECT a.attendee_id, a.event_id, e.name AS event, e.event_date, e.place, a.line, a.name,
           a.name_key, a.handle, a.handles, a.profile_url, a.response,
           m.member_key, m.method, m.confidence, m.status AS match_status
    FROM meetup_attendees a
    JOIN meetup_events e ON e.event_id = a.event_id
    LEFT JOIN meetup_matches m ON m.attendee_id = a.attendee_id
    WHERE a.account_id = $account_id AND ($event_id IS NULL OR a.event_id = $event_id)
),
rel AS (
    SELECT att.attendee_id,
           bool_or(s.first_seen <= att.event_date - 1
                   AND (s.last_seen IS NULL OR s.last_seen >= att.event_date - 1)) AS follower_before,
           min(s.first_seen) FILTER (WHERE s.first_seen > att.event_date - 1) AS first_seen_after,
           bool_or(s.last_seen IS NULL) AS following_now
    FROM att
    JOIN profiles pm ON pm.account_id = $account_id AND pm.member_key = att.member_key
    JOIN spells s ON s.account_id = $account_id AND s.kind = 'follower' AND s.member_id = pm.member_id
    WHERE att.match_status = 'confirmed'
    GROUP BY att.attendee_id
)
SELECT att.*, p.handle AS follower_handle, p.name AS follower_name,
       rel.follower_before, rel.first_seen_after, rel.following_now
FROM att
LEFT JOIN rel ON rel.attendee_id = att.attendee_id
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_key = att.member_key
ORDER BY att.event_date DESC, att.event_id DESC, att.line
"""

SEARCH_FOLLOWERS_SQL = f"""
WITH members AS (
    SELECT member_id, bool_or(last_seen IS NULL) AS following_now FROM spells
    WHERE account_id = $account_id AND kind = 'follower' GROUP BY member_id
),
{_KNOWN_CTE}
SELECT p.member_key, p.handle, p.name, m.following_now,
       p.member_key IN (SELECT member_key FROM known) AS known
FROM members m
JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
WHERE contains(lower(coalesce(p.handle, p.member_key)), $query)
   OR contains(strip_accents(lower(coalesce(p.name, ''))), $query)
ORDER BY m.following_now DESC, lower(coalesce(p.handle, p.member_key))
LIMIT $limit
"""  # noqa: S608 - the interpolated part is a constant

# The handle and name of the followers offered to choose from.
OFFERED_PROFILES_SQL = """
SELECT member_key, handle, name FROM profiles WHERE account_id = $account_id AND list_contains(CAST($keys AS VARCHAR[]), member_key)
"""

SNAPSHOT_BOUNDS_SQL = """
SELECT min(snapshot_date), max(snapshot_date) FROM snapshots WHERE account_id = $account_id AND kind = 'follower'
"""


def follower_candidates(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """Everyone who has followed the account (any follower list), with their latest profile:
    member_key, handle, name, profile_url. Past followers are kept: someone met at a 2025
    meetup who unfollowed since is still that person."""
    return cursor.execute(FOLLOWER_CANDIDATES_SQL, {"account_id": account_id}).df()


def follower_matcher(cursor: duckdb.DuckDBPyConnection, account_id: int, attendees: Sequence[Attendee]) -> Matcher:
    """The matcher of `attendees` against everyone who has followed the account: what
    `Matcher(candidates_from_frame(follower_candidates(...)))` answers for them, read without
    building a Python object per follower (a million followers: 14 s to a few)."""
    names = _follower_names(cursor, account_id)
    handles = sorted({handle for _name, typed, _url in attendees for handle in typed})
    if not handles and not any(normalize_url(url) for _name, _typed, url in attendees):
        return Matcher((), names=names, handles=handles)  # nobody to look up by handle or URL
    rows = cursor.execute(FOLLOWERS_BY_HANDLE_SQL, {"account_id": account_id, "handles": handles}).fetchall()
    return Matcher((Candidate(str(key), handle, None, url) for key, handle, url in rows), names=names, handles=handles)


# The name indexes of the accounts matched last, by FOLLOWER_STATE_SQL: a million followers' index
# takes 1 to 3 s to read and 50 to 100 MB to hold, and the matches to review are read again after
# every decision (which changes the store's version, not the followers). Two at most: the account
# of an import and the one on screen.
_NAMES_KEPT = 2
_names_kept: OrderedDict[tuple[object, ...], NameIndex] = OrderedDict()
_names_lock = threading.Lock()


def _follower_names(cursor: duckdb.DuckDBPyConnection, account_id: int) -> NameIndex:
    """The followers' names as matching.NameIndex reads them (see FOLLOWER_NAMES_SQL), kept while
    the account's imports stay the same (see _names_kept)."""

    def keys(ids: Sequence[int]) -> dict[int, str]:
        found = cursor.execute(MEMBER_KEYS_SQL, {"account_id": account_id, "ids": list(ids)}).fetchall()
        return {int(member_id): str(key) for member_id, key in found}

    state = cursor.execute(FOLLOWER_STATE_SQL, {"account_id": account_id}).fetchall()[0]
    kept_as = None if state[0] is None else (account_id, *state)  # an in-memory store: not kept
    with _names_lock:
        kept = _names_kept.get(kept_as) if kept_as else None
        if kept is not None:
            _names_kept.move_to_end(kept_as)
            return dataclasses.replace(kept, keys=keys)
    index = _read_follower_names(cursor, account_id, keys)
    if kept_as:
        with _names_lock:
            _names_kept[kept_as] = index
            while len(_names_kept) > _NAMES_KEPT:
                _names_kept.popitem(last=False)
    return index


def _read_follower_names(
    cursor: duckdb.DuckDBPyConnection, account_id: int, keys: Callable[[Sequence[int]], dict[int, str]]
) -> NameIndex:
    """The followers' names read as Arrow (see FOLLOWER_NAMES_SQL), each distinct text once."""
    import pyarrow as pa

    table = cursor.sql(FOLLOWER_NAMES_SQL, params={"account_id": account_id}).to_arrow_table()
    texts = table.column("text").combine_chunks()
    encoded = texts.dictionary_encode() if len(texts) else pa.array([], pa.string()).dictionary_encode()
    return NameIndex.of_names(
        encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False),
        table.column("position").to_numpy(), table.column("member_id").to_numpy(), keys,
    )


def latest_list_date(cursor: duckdb.DuckDBPyConnection, account_id: int) -> dt.date | None:
    row = cursor.execute(LATEST_LIST_SQL, {"account_id": account_id}).fetchone()
    return row[0] if row and row[0] is not None else None


def known_in_person_share(cursor: duckdb.DuckDBPyConnection, account_id: int) -> float | None:
    """The share of the latest follower list known in person; None without a follower list."""
    day = latest_list_date(cursor, account_id)
    if day is None:
        return None
    row = cursor.execute(KNOWN_SHARE_SQL, {"account_id": account_id, "day": day}).fetchone()
    if row is None or not row[0]:
        return None
    return int(row[1]) / int(row[0])


def known_in_person_counts(cursor: duckdb.DuckDBPyConnection, account_id: int) -> tuple[int, int, dt.date | None]:
    """(known, listed, list date) for the latest follower list; (0, 0, None) without one."""
    day = latest_list_date(cursor, account_id)
    if day is None:
        return 0, 0, None
    row = cursor.execute(KNOWN_SHARE_SQL, {"account_id": account_id, "day": day}).fetchone()
    return (int(row[1]), int(row[0]), day) if row else (0, 0, day)


def known_members(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """Every follower known in person: member_key, handle, name, marked (by hand), events
    (confirmed matches), last_event, following_now (in the latest follower list)."""
    day = latest_list_date(cursor, account_id) or dt.date.min
    return cursor.execute(KNOWN_MEMBERS_SQL, {"account_id": account_id, "day": day}).df()


def events(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.DataFrame:
    """The account's events, newest first: event_id, name, event_date, place, file_name,
    imported_at, attendees."""
    return cursor.execute(EVENTS_SQL, {"account_id": account_id}).df()


def attendees(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    event_id: int | None = None,
    within_days: int = DEFAULT_WITHIN_DAYS,
) -> pd.DataFrame:
    """Attendees with their match and what the follower lists say of them.

    Columns: attendee_id, event_id, event, event_date, place, line, name, name_key, handle,
    handles, profile_url, response, member_key, method, confidence, match_status
    ('suggested', 'confirmed', 'rejected' or missing), follower_handle, follower_name,
    follower_before, first_seen_after, following_now, relation (one of the RELATION_*
    labels for confirmed matches, else missing).
    """
    frame = cursor.execute(ATTENDEES_SQL, {"account_id": account_id, "event_id": event_id}).df()
    # DuckDB lists arrive as numpy arrays, whose truth value is ambiguous: tuples are plain.
    frame["handles"] = pd.Series([tuple(h) if h is not None else () for h in frame["handles"]], index=frame.index, dtype="object")
    bounds = cursor.execute(SNAPSHOT_BOUNDS_SQL, {"account_id": account_id}).fetchone()
    first_list = bounds[0] if bounds else None
    frame["relation"] = [
        _relation(row, first_list, within_days) for row in frame.itertuples(index=False)
    ] if not frame.empty else pd.Series(dtype="object")
    return frame


def _relation(row: Any, first_list: dt.date | None, within_days: int) -> str | None:
    if row.match_status != "confirmed":
        return None
    event_date = _day(row.event_date)
    day_before = event_date - dt.timedelta(days=1)
    first_seen_after = row.first_seen_after
    after = None if first_seen_after is None or pd.isna(first_seen_after) else _day(first_seen_after)
    before = row.follower_before
    if before is not None and not pd.isna(before) and bool(before):
        return RELATION_BEFORE
    seen_before_event = first_list is not None and first_list <= day_before
    # Without a list before the event, a first sighting in the very first list may be an old follow.
    if after is not None and (seen_before_event or (first_list is not None and after > first_list)):
        return RELATION_AFTER if after <= event_date + dt.timedelta(days=within_days) else RELATION_LATER
    if not seen_before_event:
        return RELATION_UNKNOWN
    return RELATION_LEFT


def _day(value: object) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, dt.date)
    return value


def followers_before(
    cursor: duckdb.DuckDBPyConnection, account_id: int, event_id: int | None = None
) -> pd.DataFrame:
    """Attendees (confirmed matches) who followed the account the day before their event."""
    frame = attendees(cursor, account_id, event_id)
    return frame[frame["relation"] == RELATION_BEFORE].reset_index(drop=True)


def followers_gained_after(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    within_days: int = DEFAULT_WITHIN_DAYS,
    event_id: int | None = None,
) -> pd.DataFrame:
    """Attendees (confirmed matches) who started following within `within_days` after their event."""
    frame = attendees(cursor, account_id, event_id, within_days)
    return frame[frame["relation"] == RELATION_AFTER].reset_index(drop=True)


def turnout(
    cursor: duckdb.DuckDBPyConnection, account_id: int, within_days: int = DEFAULT_WITHIN_DAYS,
    people: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per event, newest first: event_id, name, event_date, place, attendees, matched
    (confirmed matches to followers), to_review (suggested matches), followers_before,
    followed_after (within `within_days`), share (matched / attendees). `people`: the account's
    `attendees` with the same `within_days`, when the caller has read them already."""
    table = events(cursor, account_id)
    if people is None:
        people = attendees(cursor, account_id, within_days=within_days)
    grouped = people.groupby("event_id") if not people.empty else None
    columns = {
        "matched": lambda f: int((f["match_status"] == "confirmed").sum()),
        "to_review": lambda f: int((f["match_status"] == "suggested").sum()),
        "followers_before": lambda f: int((f["relation"] == RELATION_BEFORE).sum()),
        "followed_after": lambda f: int((f["relation"] == RELATION_AFTER).sum()),
    }
    for column, count in columns.items():
        if grouped is None:
            table[column] = pd.Series(0, index=table.index, dtype="int64")
        else:
            per_event = grouped.apply(count, include_groups=False)
            table[column] = table["event_id"].map(per_event).fillna(0).astype("int64")
    table["attendees"] = table["attendees"].astype("int64")
    table["share"] = (table["matched"] / table["attendees"].where(table["attendees"] > 0)).astype("float64")
    return table[
        ["event_id", "name", "event_date", "place", "attendees", "matched", "to_review", "followers_before", "followed_after", "share"]
    ]


def repeat_attendees(cursor: duckdb.DuckDBPyConnection, account_id: int, min_events: int = 2,
                     people: pd.DataFrame | None = None) -> pd.DataFrame:
    """People who came to `min_events` events or more, most events first: person, name,
    handle, member_key, follower_handle, events, first_event, last_event, event_names.
    `people`: the account's `attendees`, when the caller has read them already (any
    `within_days`: who came where does not depend on it)."""
    frame = attendees(cursor, account_id) if people is None else people
    columns = ["person", "name", "handle", "member_key", "follower_handle", "events", "first_event", "last_event", "event_names"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    confirmed = frame[frame["match_status"] == "confirmed"]
    by_handle: dict[str, str] = {}
    by_name: dict[str, set[str]] = {}
    for row in confirmed.itertuples(index=False):
        for handle in row.handles:
            by_handle.setdefault(handle, row.member_key)
        if row.name_key:
            by_name.setdefault(row.name_key, set()).add(row.member_key)

    def person(row: Any) -> str:
        if row.match_status == "confirmed":
            return "member:" + str(row.member_key)
        if row.match_status != "rejected":
            for handle in row.handles:
                if handle in by_handle:
                    return "member:" + by_handle[handle]
            members = by_name.get(row.name_key, set())
            if len(members) == 1:
                return "member:" + next(iter(members))
        handles = list(row.handles)
        return "handle:" + handles[0] if handles else "name:" + str(row.name_key)

    frame = frame.assign(person=[person(r) for r in frame.itertuples(index=False)])
    frame["member_key"] = frame["person"].where(frame["person"].str.startswith("member:")).str.removeprefix("member:")
    frame = frame.sort_values(["event_date", "event_id"])
    rows = []
    for key, group in frame.groupby("person", sort=False):
        count = int(group["event_id"].nunique())
        if count < min_events:
            continue
        named = group["name"].dropna()
        handles = group["handle"].dropna()
        follower = group.loc[group["match_status"] == "confirmed", "follower_handle"].dropna()
        per_event = group.drop_duplicates("event_id")
        rows.append({
            "person": key,
            "name": named.iloc[-1] if len(named) else None,
            "handle": handles.iloc[-1] if len(handles) else None,
            "member_key": group["member_key"].iloc[0],
            "follower_handle": follower.iloc[-1] if len(follower) else None,
            "events": count,
            "first_event": _day(per_event["event_date"].iloc[0]),
            "last_event": _day(per_event["event_date"].iloc[-1]),
            "event_names": "; ".join(per_event["event"].astype(str)),
        })
    result = pd.DataFrame(rows, columns=columns)
    if result.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return result.sort_values(["events", "last_event"], ascending=[False, False], ignore_index=True)


def search_followers(
    cursor: duckdb.DuckDBPyConnection, account_id: int, query: str, limit: int = 20
) -> pd.DataFrame:
    """Followers (current first, then past) whose handle or name contains `query`, ignoring
    case and accents: member_key, handle, name, following_now, known."""
    text = query.strip().lstrip("@").lower()
    if not text:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ("member_key", "handle", "name", "following_now", "known")})
    params = {"account_id": account_id, "query": text, "limit": limit}
    # Names are compared accent-free ("jose" finds "José"); the query is folded the same way.
    params["query"] = cursor.execute("SELECT strip_accents($q)", {"q": text}).fetchone()[0]  # type: ignore[index]
    return cursor.execute(SEARCH_FOLLOWERS_SQL, params).df()


UNMATCHED_ATTENDEES_SQL = """
SELECT a.attendee_id, a.event_id, a.line, a.name, a.handles, a.profile_url
FROM meetup_attendees a
WHERE a.account_id = $account_id AND ($event_id IS NULL OR a.event_id = $event_id)
  AND NOT EXISTS (SELECT 1 FROM meetup_matches m WHERE m.attendee_id = a.attendee_id)
ORDER BY a.event_id DESC, a.line
"""


def unmatched_attendees(
    cursor: duckdb.DuckDBPyConnection, account_id: int, event_id: int | None = None
) -> pd.DataFrame:
    """Attendees with no match, each with the reason and the followers who could be them.

    Columns: attendee_id, event_id, line, name, reason ('no_name', 'no_follower', 'several',
    'below_threshold'), reason_text (one plain sentence), candidates (a tuple of dicts:
    member_key, handle, name, score; best first). Choosing a candidate is a manual match
    (`analytics.meetups.store.match_by_hand`)."""
    pending = cursor.execute(UNMATCHED_ATTENDEES_SQL, {"account_id": account_id, "event_id": event_id}).df()
    columns = ["attendee_id", "event_id", "line", "name", "reason", "reason_text", "candidates"]
    if pending.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    rows: list[dict[str, object]] = []
    attendees: list[Attendee] = [
        (None if pd.isna(row.name) else str(row.name), [] if row.handles is None else list(row.handles),
         None if pd.isna(row.profile_url) else str(row.profile_url))
        for row in pending.itertuples(index=False)
    ]
    # Every attendee's name scored at once (Matcher.explain_many).
    explained = follower_matcher(cursor, account_id, attendees).explain_many(attendees)
    offered_keys = sorted({key for why in explained if why is not None for key, _score in why.candidates})
    profiles = cursor.execute(OFFERED_PROFILES_SQL, {"account_id": account_id, "keys": offered_keys}).df().set_index("member_key")
    for row, (name, _handles, _url), why in zip(pending.itertuples(index=False), attendees, explained, strict=True):
        offered: tuple[dict[str, float | str | None], ...]
        if why is None:
            # Matching again would find someone (new follower lists since): say so, offer nobody.
            why_reason, why_text, offered = "not_matched_yet", _("Matches a follower now: match again."), ()
        else:
            why_reason, why_text = why.reason, why.text
            offered = tuple(
                {"member_key": key, "handle": _text(profiles, key, "handle"), "name": _text(profiles, key, "name"),
                 "score": score}
                for key, score in why.candidates
            )
        rows.append({"attendee_id": int(row.attendee_id), "event_id": int(row.event_id), "line": int(row.line),
                     "name": name, "reason": why_reason, "reason_text": why_text, "candidates": offered})
    return pd.DataFrame(rows, columns=columns)


def _text(profiles: pd.DataFrame, key: str, column: str) -> str | None:
    if key not in profiles.index:
        return None
    value = profiles.at[key, column]
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
