"""Meetups, write side: each function is one transaction via `store.transaction()`.

An event is keyed on (account, SHA-256 of the file): importing the same attendee file again
changes nothing, not even the store's data version. Matching runs inside the import's
transaction, so an event never exists without its suggestions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.errors import PalierError
from analytics.i18n import N_, _, ngettext
from analytics.meetups.attendees import AttendeeList, parse_attendees
from analytics.metrics.meetups import follower_matcher
from analytics.store import Store
from analytics.store.accounts import require_account

MAX_EVENT_NAME = 200
MAX_PLACE = 200

FIND_EVENT_SQL = "SELECT event_id, name, event_date FROM meetup_events WHERE account_id = ? AND sha256 = ?"
INSERT_EVENT_SQL = """
INSERT INTO meetup_events (account_id, name, event_date, place, file_name, sha256)
VALUES (?, ?, ?, ?, ?, ?) RETURNING event_id
"""
INSERT_ATTENDEES_SQL = """
INSERT INTO meetup_attendees (account_id, event_id, line, name, name_key, handle, handles, profile_url, response)
SELECT $account_id, $event_id, line, name, name_key, handle, handles, profile_url, response FROM attendee_frame
"""
ATTENDEE_IDS_SQL = "SELECT attendee_id, line FROM meetup_attendees WHERE event_id = ?"
UNMATCHED_SQL = """
SELECT a.attendee_id, a.name, a.handles, a.profile_url
FROM meetup_attendees a
WHERE a.account_id = $account_id AND ($event_id IS NULL OR a.event_id = $event_id)
  AND NOT EXISTS (SELECT 1 FROM meetup_matches m WHERE m.attendee_id = a.attendee_id)
ORDER BY a.attendee_id
"""
DROP_SUGGESTIONS_SQL = """
DELETE FROM meetup_matches WHERE account_id = $account_id AND status = 'suggested'
  AND ($event_id IS NULL OR attendee_id IN (SELECT attendee_id FROM meetup_attendees WHERE event_id = $event_id))
"""
INSERT_MATCH_SQL = """
INSERT INTO meetup_matches (attendee_id, account_id, member_key, method, confidence, status, decided_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""
ATTENDEE_OWNER_SQL = "SELECT account_id FROM meetup_attendees WHERE attendee_id = ?"
MATCH_OF_SQL = "SELECT status FROM meetup_matches WHERE attendee_id = ?"
DECIDE_SQL = "UPDATE meetup_matches SET status = ?, decided_at = current_timestamp WHERE attendee_id = ?"
DELETE_MATCH_SQL = "DELETE FROM meetup_matches WHERE attendee_id = ?"
IS_FOLLOWER_SQL = """
SELECT 1 FROM spells s JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
WHERE s.account_id = ? AND s.kind = 'follower' AND p.member_key = ? LIMIT 1
"""
MARK_SQL = """
INSERT INTO known_in_person (account_id, member_key, source) VALUES (?, ?, ?)
ON CONFLICT (account_id, member_key) DO NOTHING
"""
UNMARK_SQL = "DELETE FROM known_in_person WHERE account_id = ? AND member_key = ?"
EVENT_OWNER_SQL = "SELECT account_id, name FROM meetup_events WHERE event_id = ?"
DELETE_EVENT_SQLS = (
    "DELETE FROM meetup_matches WHERE attendee_id IN (SELECT attendee_id FROM meetup_attendees WHERE event_id = ?)",
    "DELETE FROM meetup_attendees WHERE event_id = ?",
    "DELETE FROM meetup_events WHERE event_id = ?",
)

DECISIONS = ("confirmed", "rejected")


@dataclass
class EventImport:
    """What importing one attendee list did."""

    file: str
    status: str  # 'imported' or 'unchanged'
    event_id: int
    event_name: str
    event_date: dt.date
    attendees: int = 0
    by_handle: int = 0
    suggested: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.status == "unchanged":
            return _("{file}: already imported as event #{event_id} ({event}, {date}); nothing changed.").format(
                file=self.file, event_id=self.event_id, event=self.event_name, date=self.event_date.isoformat()
            )
        return " ".join((
            ngettext("{file}: {event} on {date}, {count} attendee;", "{file}: {event} on {date}, {count} attendees;",
                     self.attendees).format(file=self.file, event=self.event_name, date=self.event_date.isoformat(),
                                            count=self.attendees),
            ngettext("{count} follower recognised by handle,", "{count} followers recognised by handle,",
                     self.by_handle).format(count=self.by_handle),
            ngettext("{count} name match to review.", "{count} name matches to review.", self.suggested).format(
                count=self.suggested
            ),
        ))


class _AlreadyImported(Exception):
    """Rolls the transaction back when another session imported the same file meanwhile."""

    def __init__(self, event_id: int, name: str, day: dt.date) -> None:
        super().__init__(event_id)
        self.event_id, self.name, self.day = event_id, name, day


# One sentence per field, so that each language can word (and agree) it.
_NEEDED = {"name": N_("An event name is needed."), "place": N_("An event place is needed.")}
_TOO_LONG = {
    "name": N_("The event name is {length} characters long: at most {limit}."),
    "place": N_("The event place is {length} characters long: at most {limit}."),
}


def _clean(text: str | None, what: str, limit: int, required: bool) -> str | None:
    value = " ".join((text or "").split())
    if not value:
        if required:
            raise PalierError(_(_NEEDED[what]))
        return None
    if len(value) > limit:
        raise PalierError(_(_TOO_LONG[what]).format(length=len(value), limit=limit))
    return value


def import_event(
    store: Store,
    account_name: str,
    data: bytes,
    file_name: str,
    *,
    event_name: str,
    event_date: dt.date,
    place: str | None = None,
) -> EventImport:
    """Import one attendee CSV as an event and match its attendees; raises BadExportError for a
    bad file, PalierError for bad form values. The same file again is 'unchanged'."""
    name = _clean(event_name, "name", MAX_EVENT_NAME, required=True)
    assert name is not None
    where = _clean(place, "place", MAX_PLACE, required=False)
    if not isinstance(event_date, dt.date):
        raise PalierError(_("An event date is needed."))
    if isinstance(event_date, dt.datetime):
        event_date = event_date.date()
    parsed = parse_attendees(data, file_name)
    try:
        with store.transaction() as cursor:
            account = require_account(cursor, account_name)
            found = cursor.execute(FIND_EVENT_SQL, [account.account_id, parsed.sha256]).fetchone()
            if found is not None:
                raise _AlreadyImported(int(found[0]), found[1], found[2])
            row = cursor.execute(
                INSERT_EVENT_SQL, [account.account_id, name, event_date, where, file_name, parsed.sha256]
            ).fetchone()
            assert row is not None
            event_id = int(row[0])
            _insert_attendees(cursor, account.account_id, event_id, parsed)
            by_handle, suggested = _match(cursor, account.account_id, event_id)
    except _AlreadyImported as already:
        return EventImport(file_name, "unchanged", already.event_id, already.name, already.day)
    result = EventImport(
        file_name, "imported", event_id, name, event_date, len(parsed.attendees), by_handle, suggested, list(parsed.notes)
    )
    return result


def _insert_attendees(cursor: duckdb.DuckDBPyConnection, account_id: int, event_id: int, parsed: AttendeeList) -> None:
    attendee_frame = pd.DataFrame(
        {
            "line": pd.Series([a.line for a in parsed.attendees], dtype="int64"),
            "name": pd.Series([a.name for a in parsed.attendees], dtype="object"),
            "name_key": pd.Series([a.name_key for a in parsed.attendees], dtype="object"),
            "handle": pd.Series([a.handle for a in parsed.attendees], dtype="object"),
            "handles": pd.Series([list(a.handles) for a in parsed.attendees], dtype="object"),
            "profile_url": pd.Series([a.profile_url for a in parsed.attendees], dtype="object"),
            "response": pd.Series([a.response for a in parsed.attendees], dtype="object"),
        }
    )
    cursor.register("attendee_frame", attendee_frame)
    try:
        cursor.execute(INSERT_ATTENDEES_SQL, {"account_id": account_id, "event_id": event_id})
    finally:
        cursor.unregister("attendee_frame")


def _match(cursor: duckdb.DuckDBPyConnection, account_id: int, event_id: int | None) -> tuple[int, int]:
    """Match the attendees that have no match row yet; return (by handle, by name)."""
    pending = cursor.execute(UNMATCHED_SQL, {"account_id": account_id, "event_id": event_id}).fetchall()
    if not pending:
        return 0, 0
    attendees = [(name, list(handles or []), profile_url) for _, name, handles, profile_url in pending]
    found_all = follower_matcher(cursor, account_id, attendees).match_many(attendees)
    rows = []
    by_handle = suggested = 0
    for (attendee_id, *_attendee), found in zip(pending, found_all, strict=True):
        if found is None:
            continue
        # A handle the attendee typed needs no review; a name match is only a suggestion.
        status = "confirmed" if found.method == "handle" else "suggested"
        decided = dt.datetime.now(dt.UTC).replace(tzinfo=None) if status == "confirmed" else None
        rows.append([attendee_id, account_id, found.member_key, found.method, found.confidence, status, decided])
        if found.method == "handle":
            by_handle += 1
        else:
            suggested += 1
    if rows:
        cursor.executemany(INSERT_MATCH_SQL, rows)
    return by_handle, suggested


def match_again(store: Store, account_name: str, event_id: int | None = None) -> tuple[int, int]:
    """Match again after new follower lists: suggestions are recomputed, confirmed and rejected
    matches are kept as decided. Returns (new matches by handle, suggestions)."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        if event_id is not None:
            _own_event(cursor, account.account_id, account_name, event_id)
        cursor.execute(DROP_SUGGESTIONS_SQL, {"account_id": account.account_id, "event_id": event_id})
        return _match(cursor, account.account_id, event_id)


def _own_attendee(cursor: duckdb.DuckDBPyConnection, account_id: int, account_name: str, attendee_id: int) -> None:
    owner = cursor.execute(ATTENDEE_OWNER_SQL, [attendee_id]).fetchone()
    if owner is None or int(owner[0]) != account_id:
        raise PalierError(
            _("Attendee #{attendee_id} is not an attendee of account {account_name}'s events.").format(
                attendee_id=attendee_id, account_name=repr(account_name),
            )
        )


def _own_event(cursor: duckdb.DuckDBPyConnection, account_id: int, account_name: str, event_id: int) -> str:
    owner = cursor.execute(EVENT_OWNER_SQL, [event_id]).fetchone()
    if owner is None or int(owner[0]) != account_id:
        raise PalierError(
            _('Event #{event_id} does not belong to account {account_name}.').format(event_id=event_id, account_name=repr(account_name))
        )
    return str(owner[1])


def decide_match(store: Store, account_name: str, attendee_id: int, decision: str) -> None:
    """Confirm or reject an attendee's match (a decision can be changed later)."""
    if decision not in DECISIONS:
        raise PalierError(_("A match is 'confirmed' or 'rejected', not {decision}.").format(decision=repr(decision)))
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        _own_attendee(cursor, account.account_id, account_name, attendee_id)
        if cursor.execute(MATCH_OF_SQL, [attendee_id]).fetchone() is None:
            raise PalierError(
                _('Attendee #{attendee_id} has no match to {decision}.').format(attendee_id=attendee_id, decision=decision[:-2])
            )
        cursor.execute(DECIDE_SQL, [decision, attendee_id])


def match_by_hand(store: Store, account_name: str, attendee_id: int, member_key: str) -> None:
    """Match an attendee to a follower the user chose (method 'manual', confirmed)."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        _own_attendee(cursor, account.account_id, account_name, attendee_id)
        if cursor.execute(IS_FOLLOWER_SQL, [account.account_id, member_key]).fetchone() is None:
            raise PalierError(
                _('{member_key} is not in any follower list of account {account_name}.').format(
                    member_key=repr(member_key), account_name=repr(account_name),
                )
            )
        cursor.execute(DELETE_MATCH_SQL, [attendee_id])
        cursor.execute(
            INSERT_MATCH_SQL,
            [attendee_id, account.account_id, member_key, "manual", 1.0, "confirmed", dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )


def mark_known(store: Store, account_name: str, member_key: str, source: str = "manual") -> None:
    """Mark a follower as known in person (marking twice changes nothing)."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        if cursor.execute(IS_FOLLOWER_SQL, [account.account_id, member_key]).fetchone() is None:
            raise PalierError(
                _('{member_key} is not in any follower list of account {account_name}.').format(
                    member_key=repr(member_key), account_name=repr(account_name),
                )
            )
        cursor.execute(MARK_SQL, [account.account_id, member_key, source])


def unmark_known(store: Store, account_name: str, member_key: str) -> None:
    """Take back a mark made by hand (confirmed matches stay: reject them to undo those)."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        cursor.execute(UNMARK_SQL, [account.account_id, member_key])


def delete_event(store: Store, account_name: str, event_id: int) -> str:
    """Forget an event, its attendees and their matches; returns the event's name."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        name = _own_event(cursor, account.account_id, account_name, event_id)
        for sql in DELETE_EVENT_SQLS:
            cursor.execute(sql, [event_id])
        return name
