"""LinkedIn: the member data export's Connections.csv, and a company page's "New followers" sheet.

A connection is mutual, so Connections.csv is read as the account's follower list (kind
'follower'). Members are keyed on their profile URL, which survives a change of name; rows
without a URL (deleted or restricted profiles) fall back to `name:<first> <last>`.

The company page export is an .xls workbook; its "New followers" sheet saved as CSV has one row
per day of *new* followers. `Total followers` there is that day's sum, not the follower count,
so it is stored as `new_follows` and never as `followers`.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.csvread import CsvTable, normalize_name, read_csv, require_rows, split_header
from analytics.ingest.model import DAILY_DTYPES, MEMBER_DTYPES, ExportFormat, MemberList, Parsed, SourceFile, typed_frame
from analytics.ingest.values import parse_date, parse_int, plausible_day

if TYPE_CHECKING:
    pass

CONNECTIONS_WHERE = (
    "LinkedIn → Me → Settings & Privacy → Data privacy → Get a copy of your data → Connections; "
    "upload Connections.csv from the archive (the 'Notes:' lines at the top are fine)."
)
COMPANY_WHERE = (
    "LinkedIn company page → Analytics → Followers → Export; open the .xls and save its "
    "'New followers' sheet as CSV (for example 'New followers-Table 1.csv')."
)
# The header's line is searched for within the first lines: the preamble is 3 lines today.
_MAX_PREAMBLE_LINES = 10
_CONNECTION_COLUMNS = {"first_name", "last_name", "connected_on"}
_COMPANY_COLUMNS = {"date", "organic_followers", "total_followers"}
# Company sheet column -> daily metric.
_COMPANY_METRICS: dict[tuple[str, ...], str] = {
    ("Sponsored followers",): "sponsored_follows",
    ("Organic followers",): "organic_follows",
    ("Auto-invited followers", "Auto invited followers"): "auto_invited_follows",
    ("Total followers",): "new_follows",
}
_CONNECTED_WITH_TIME = ("%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%y %I:%M %p")
_CONNECTED_DATE = ("%d %b %Y", "%d %B %Y", "%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d")


def _lines(text: str) -> list[str]:
    # The same physical lines read_csv counts when it skips a preamble.
    return list(io.StringIO(text, newline=""))[:_MAX_PREAMBLE_LINES]


def _header_line_index(text: str) -> int | None:
    """How many lines precede the Connections.csv header, or None when there is none."""
    for index, line in enumerate(_lines(text)):
        normalized = {normalize_name(h) for h in split_header(line)}
        if _CONNECTION_COLUMNS <= normalized:
            return index
    return None


def _sniff_connections(source: SourceFile) -> bool:
    return _header_line_index(source.head) is not None


def _sniff_company(source: SourceFile) -> bool:
    return _COMPANY_COLUMNS <= {normalize_name(h) for h in split_header(source.head)}


def _connected_on(value: str, file: str, where: str) -> dt.datetime | None:
    text = value.strip()
    if not text:
        return None
    for fmt in _CONNECTED_WITH_TIME:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    for fmt in _CONNECTED_DATE:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise BadExportError(file, where, _("a date like '18 Feb 2026' (or '1/8/18, 6:14 PM' in 2018 exports)"), repr(value[:60]))


def _profile_key(url: str) -> str:
    return url.strip().lower().rstrip("/")


def _slug(url: str) -> str | None:
    """`https://www.linkedin.com/in/jane-doe-1a2b3c/` → `jane-doe-1a2b3c`."""
    parts = [p for p in urlparse(url.strip()).path.split("/") if p]
    if len(parts) >= 2 and parts[0] in ("in", "pub"):
        return unquote(parts[1])
    return None


def parse_connections(source: SourceFile) -> Parsed:
    text = source.text
    skip = _header_line_index(text)
    if skip is None:
        raise BadExportError(
            source.name,
            _('the first {MAX_PREAMBLE_LINES} lines').format(MAX_PREAMBLE_LINES=_MAX_PREAMBLE_LINES),
            _("the header 'First Name,Last Name,URL,Email Address,Company,Position,Connected On'"),
            _("no such line"),
        )
    table: CsvTable = read_csv(text, source.name, skip_lines=skip)
    require_rows(table, "at least one connection")
    first_col = table.require("First Name")
    last_col = table.require("Last Name")
    connected_col = table.require("Connected On")
    url_col = table.column("URL", "Profile URL")  # absent from the 2018 export
    company_col = table.column("Company")
    position_col = table.column("Position")
    members: list[dict[str, object]] = []
    skipped = 0
    hidden: dict[str, int] = {}
    for i, row in enumerate(table.rows):
        name = f"{row[first_col].strip()} {row[last_col].strip()}".strip()
        url = row[url_col].strip() if url_col is not None else ""
        connected = row[connected_col].strip()
        if url:
            key = _profile_key(url)
        elif name:
            key = f"name:{name.lower()}"
        elif connected:
            # A member who hides their profile from exports: LinkedIn gives only the date. They
            # are connections all the same (LinkedIn's own count includes them), so they count,
            # nameless. The key (date and rank among that date's hidden rows) stays the same in
            # the next export as long as they stay hidden, so they are not seen to leave and return.
            hidden[connected] = hidden.get(connected, 0) + 1
            key = f"hidden:{connected.lower()}:{hidden[connected]}"
        else:
            skipped += 1
            continue
        # Position and Company are kept verbatim (trailing spaces included): they are the
        # member's own text, shown as written.
        about = [row[c] for c in (position_col, company_col) if c is not None and row[c].strip()]
        members.append(
            {
                "member_key": key,
                "handle": _slug(url) if url else None,
                "name": name or None,
                "bio": "\n".join(about) or None,
                "followed_at": _connected_on(row[connected_col], source.name, table.where(i, connected_col)),
                "profile_url": url or None,
            }
        )
    notes = list(table.notes)
    hidden_count = sum(hidden.values())
    if hidden_count:
        notes.append(
            f"{hidden_count:,} connection{'s' if hidden_count > 1 else ''} hidden by the member (only 'Connected On' "
            "given) counted without a name"
        )
    if skipped:
        notes.append(f"{skipped} rows without a name, profile URL or connection date were skipped")
    return Parsed(
        format="linkedin_connections",
        platform="linkedin",
        lists=[MemberList("follower", typed_frame(members, MEMBER_DTYPES))],
        rows=len(table.rows),
        notes=notes,
    )


def parse_company(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    columns = {metric: table.column(*names) for names, metric in _COMPANY_METRICS.items()}
    if columns["new_follows"] is None:
        table.require("Total followers")
    rows: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        day = plausible_day(
            parse_date(row[date_col], ("%m/%d/%Y", "%Y-%m-%d"), source.name, table.where(i, date_col)),
            source.name,
            table.where(i, date_col),
        )
        for metric, col in columns.items():
            if col is None:
                continue
            value = parse_int(row[col], source.name, table.where(i, col))
            if value is None:
                continue
            if value < 0:
                raise BadExportError(source.name, table.where(i, col), _("a number of new followers of 0 or more"), str(value))
            rows.append({"day": pd.Timestamp(day), "metric": metric, "value": value})
    return Parsed(
        format="linkedin_company_followers",
        platform="linkedin",
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(table.rows),
        notes=list(table.notes),
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="linkedin_connections",
        label=N_("LinkedIn connections (Connections.csv)"),
        platform="linkedin",
        where_to_get=CONNECTIONS_WHERE,
        sniff=_sniff_connections,
        parse=parse_connections,
        member_pattern=r"(?:^|/)Connections\.csv$",
    ),
    ExportFormat(
        key="linkedin_company_followers",
        label=N_("LinkedIn company page new followers (CSV of the 'New followers' sheet)"),
        platform="linkedin",
        where_to_get=COMPANY_WHERE,
        sniff=_sniff_company,
        parse=parse_company,
    ),
)
