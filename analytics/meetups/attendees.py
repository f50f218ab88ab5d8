"""Attendee lists: the CSVs Meetup, Eventbrite and Luma export, or any CSV with a name column.

What is read, by header (compared normalised: `First Name`, `first_name` and `FIRST-NAME` are
one name):
- the name: `Name`, `Full name`, `Attendee name`…, else first and last name columns
  (`First Name`/`Last Name`, Eventbrite's `Attendee first name`/`Attendee last name`, Luma's
  `first_name`/`last_name`). Buyer columns are never read: the buyer is not the attendee.
- handles: any column whose header names a network (`Twitter`, `X handle`, `Bluesky`,
  `Mastodon`, `LinkedIn`, `Instagram`, or a question like "What is your Twitter / X handle?"),
  or `Handle`/`Username`; and URLs from `Profile URL`, `Website`.
- the response: `Attendee Status` (Eventbrite), `RSVP`/`Response` (Meetup), `approval_status`
  (Luma), `Status`; only yes, attending, going, approved (Luma's "going") and checked in are
  kept. A file without such a column is taken as a list of attendees.
- Email addresses are never read, let alone stored: matching does not need them, and an
  attendee list is not a mailing list.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from analytics.errors import BadExportError
from analytics.i18n import _, ngettext
from analytics.ingest.csvread import CsvTable, normalize_name, read_csv, require_rows
from analytics.ingest.textio import decode
from analytics.meetups.matching import fold_name, normalize_handle

FULL_NAME_COLUMNS = ("Name", "Full name", "Attendee name", "Attendee full name", "Participant", "Participant name", "Nom", "Nom complet")
FIRST_NAME_COLUMNS = ("Attendee first name", "First Name", "First", "Given name", "Prénom", "Prenom")
LAST_NAME_COLUMNS = ("Attendee last name", "Last Name", "Last", "Surname", "Family name", "Nom de famille")
STATUS_COLUMNS = ("Attendee Status", "RSVP", "Response", "RSVP status", "RSVP response", "approval_status", "Status")
CHECKED_IN_COLUMNS = ("checked_in_at", "Checked in", "Check-in date")
GENERIC_HANDLE_COLUMNS = ("Handle", "Username", "Social handle", "Social media handle", "Pseudo")
URL_COLUMNS = ("Profile URL", "Profile", "Social profile", "Website", "Site", "URL")

# Normalised header words that name a network: the column holds that network's handle or URL.
NETWORK_WORDS = {
    "twitter": "x", "x": "x", "bluesky": "bluesky", "bsky": "bluesky", "mastodon": "mastodon",
    "fediverse": "mastodon", "linkedin": "linkedin", "instagram": "instagram", "threads": "threads",
}
KEPT_RESPONSES = {"yes", "y", "attending", "attended", "going", "approved", "checked in", "checked-in", "checked_in", "check in",
                  "oui", "present", "présent"}
MAX_ATTENDEES = 100_000  # a larger "attendee list" is a follower list uploaded on the wrong page


@dataclass(frozen=True)
class Attendee:
    line: int  # the row's line in the file, for messages
    name: str | None
    name_key: str  # the accent-folded name, to recognise a person across events
    handles: tuple[str, ...]  # normalised, most specific first
    handle: str | None  # the first of `handles`, for display
    profile_url: str | None
    response: str | None


@dataclass
class AttendeeList:
    file: str
    sha256: str
    attendees: list[Attendee]
    rows: int  # data rows in the file
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows
    notes: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # role -> header used


def _network_columns(table: CsvTable) -> list[int]:
    """Columns whose header names a network, or a generic handle column, in header order."""
    found: list[int] = []
    generic = {normalize_name(n) for n in GENERIC_HANDLE_COLUMNS}
    for index, header in enumerate(table.header):
        key = normalize_name(header)
        words = set(key.split("_"))
        if "email" in words or "e_mail" in key or "buyer" in words:
            continue
        if key in generic or "handle" in words or words & set(NETWORK_WORDS):
            found.append(index)
    return found


def _status_kept(value: str) -> bool:
    return value.strip().lower() in KEPT_RESPONSES


def parse_attendees(data: bytes, file: str) -> AttendeeList:
    """Read one attendee CSV; raise BadExportError naming the file, line, field on bad input."""
    text = decode(data, file).text
    table = read_csv(text, file)
    require_rows(table, "at least one attendee row")
    if len(table.rows) > MAX_ATTENDEES:
        raise BadExportError(
            file,
            _("the whole file"),
            _('at most {MAX_ATTENDEES:,} attendees').format(MAX_ATTENDEES=MAX_ATTENDEES),
            _('{rows:,} rows (a follower list?)').format(rows=len(table.rows)),
        )
    full = table.column(*FULL_NAME_COLUMNS)
    first = table.column(*FIRST_NAME_COLUMNS)
    last = table.column(*LAST_NAME_COLUMNS)
    handle_columns = _network_columns(table)
    url_columns = [i for i in (table.column(n) for n in URL_COLUMNS) if i is not None and i not in handle_columns]
    if full is None and first is None and not handle_columns:
        raise BadExportError(
            file,
            _('header (line {header_line})').format(header_line=table.header_line),
            _("a name column ('Name', or 'First Name' and 'Last Name', or 'Attendee first name') or a handle column"),
            _('the columns {value}').format(value=', '.join(repr(h) for h in table.header)),
        )
    status = table.column(*STATUS_COLUMNS)
    checked_in = table.column(*CHECKED_IN_COLUMNS)
    columns = {
        "name": table.header[full] if full is not None else " + ".join(table.header[i] for i in (first, last) if i is not None),
        "handles": ", ".join(table.header[i] for i in handle_columns),
        "response": table.header[status] if status is not None else "",
    }
    result = AttendeeList(file, hashlib.sha256(data).hexdigest(), [], len(table.rows), columns=columns)
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for number, row in enumerate(table.rows):
        line = table.lines[number]
        response = row[status].strip() if status is not None else None
        came = checked_in is not None and bool(row[checked_in].strip())
        if status is not None and not came and not _status_kept(row[status]):
            result.skipped[table.header[status] + " " + (repr(response) if response else _("(blank)"))] += 1
            continue
        if full is not None and row[full].strip():
            name = row[full].strip()
        else:
            parts = [row[i].strip() for i in (first, last) if i is not None]
            name = " ".join(p for p in parts if p)
        handles: list[str] = []
        for index in handle_columns:
            cell = row[index].strip()
            handle = normalize_handle(cell)
            if handle and handle not in handles:
                handles.append(handle)
        profile_url: str | None = None
        for index in [*handle_columns, *url_columns]:
            cell = row[index].strip()
            if "/" in cell:
                profile_url = profile_url or cell
                handle = normalize_handle(cell)
                if handle and handle not in handles:
                    handles.append(handle)
        if not name and not handles:
            result.skipped[_("no name and no handle")] += 1
            continue
        key = (fold_name(name), tuple(handles))
        if key in seen:
            # Eventbrite writes one row per ticket: a person with two tickets is one attendee.
            result.skipped[_("listed twice")] += 1
            continue
        seen.add(key)
        result.attendees.append(
            Attendee(line, name or None, fold_name(name), tuple(handles), handles[0] if handles else None, profile_url, response)
        )
    if not result.attendees:
        reasons = ", ".join(f"{reason} ({n})" for reason, n in result.skipped.most_common(4))
        raise BadExportError(
            file,
            _('lines {lines} to {lines2}').format(lines=table.lines[0], lines2=table.lines[-1]),
            _("at least one attendee who came (yes, attending, approved or checked in)"),
            _('{rows} rows, none kept: {reasons}').format(rows=result.rows, reasons=reasons),
        )
    if result.skipped:
        skipped = ", ".join(
            ngettext("{count} row: {reason}", "{count} rows: {reason}", n).format(count=n, reason=reason)
            for reason, n in result.skipped.most_common()
        )
        result.notes.append(_("skipped {rows}").format(rows=skipped))
    result.notes.extend(table.notes)
    return result
