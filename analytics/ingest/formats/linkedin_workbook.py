"""LinkedIn analytics workbooks as downloaded: the company page `.xls` and the creator `.xlsx`.

- Company page (Analytics → Followers → Export, `<page>_followers_<ms>.xls`, an old BIFF
  workbook): the `New followers` sheet, `Date, Sponsored followers, Organic followers,
  Auto-invited followers, Total followers`, one row per day. `Total followers` there is the day's
  sum of NEW followers, not the follower count (stored as `new_follows`). There is no unfollow
  column.
- Creator analytics (Analytics → Export, `.xlsx`): the `FOLLOWERS` sheet, A1 `Total followers on
  M/D/YYYY` and B1 the total (stored as that day's follower total), then `Date, New followers`
  rows.
No real file of either was seen (FORMATS.md §17, medium confidence). Exports in other languages
translate the sheet names and headers, so each sheet is also recognised by its content: a
company sheet by five columns whose last is the sum of the three before it, a creator sheet by a
total on a date above a table of days and counts. Both are read with python-calamine.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from python_calamine import CalamineError, CalamineWorkbook

from analytics.errors import BadExportError
from analytics.ingest.csvread import normalize_name
from analytics.ingest.formats.dayorder import settle_dates
from analytics.ingest.model import (
    DAILY_DTYPES,
    ExportFormat,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import parse_int

if TYPE_CHECKING:
    pass

COMPANY_WHERE = (
    "LinkedIn company page → Analytics → Followers → Export: upload the <page>_followers_<number>.xls as downloaded."
)
CREATOR_WHERE = (
    "LinkedIn → your profile → Analytics → Export (creator analytics): upload the Content_…xlsx or "
    "AggregateAnalytics_…xlsx as downloaded."
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_COMPANY_SHEET_NAMES = {"new_followers"}
_CREATOR_SHEET_NAMES = {"followers", "seguidores", "abonnes", "abonnés", "follower", "seguaci", "volgers"}
_COMPANY_HEADER = ("Date", "Sponsored followers", "Organic followers", "Auto-invited followers", "Total followers")
_COMPANY_METRICS = ("sponsored_follows", "organic_follows", "auto_invited_follows", "new_follows")
_DATE_IN_TEXT = re.compile(r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2})")
_HEADER_ROWS = 5  # the creator sheet's header is on row 3; the company sheet's on row 1

Cell = object


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]


def is_workbook(prefix: bytes) -> bool:
    """An .xls (OLE2 compound file) or .xlsx (a zip whose first member is an OOXML part)."""
    return prefix.startswith(_OLE2) or (prefix[:4] == b"PK\x03\x04" and b"[Content_Types].xml" in prefix[:2048])


def is_xlsx(data: bytes) -> bool:
    """Whether a zip is an Excel workbook rather than an archive of exports."""
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _sniff(source: SourceFile) -> bool:
    # The prefix first: a ten-million-line CSV on disk must not be read whole to rule it out.
    prefix = source.prefix
    return prefix.startswith(_OLE2) or (prefix[:4] == b"PK\x03\x04" and is_xlsx(source.data))


def _sheets(source: SourceFile) -> list[Sheet]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(source.data))
        sheets = []
        for name in workbook.sheet_names:
            rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets.append(Sheet(name, [list(row) for row in rows]))
        return sheets
    except (CalamineError, ValueError, OSError) as exc:
        raise BadExportError(
            source.name, "the whole file", "a readable Excel workbook (.xls or .xlsx)", f"a damaged one ({str(exc)[:120]})"
        ) from None


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def _where(sheet: Sheet, row: int, column: int) -> str:
    return f"sheet {sheet.name!r}, cell {chr(ord('A') + column)}{row + 1}"


def _count(sheet: Sheet, row: int, column: int, file: str) -> int | None:
    cell = sheet.rows[row][column] if column < len(sheet.rows[row]) else None
    if isinstance(cell, bool):
        raise BadExportError(file, _where(sheet, row, column), "a whole number", repr(cell))
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if not cell.is_integer():
            raise BadExportError(file, _where(sheet, row, column), "a whole number", repr(cell))
        return int(cell)
    return parse_int(_text(cell), file, _where(sheet, row, column))


def _is_number(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return False
    if isinstance(cell, int | float):
        return True
    return isinstance(cell, str) and re.fullmatch(r"\s*-?[\d,.\s]+\s*", cell) is not None and any(c.isdigit() for c in cell)


def _is_date(cell: Cell) -> bool:
    return isinstance(cell, dt.date) or (isinstance(cell, str) and _DATE_IN_TEXT.fullmatch(cell.strip()) is not None)


def _data_rows(sheet: Sheet, start: int, width: int) -> list[int]:
    """Rows from `start` whose first cell is a date and next `width - 1` cells numbers."""
    found = []
    for index in range(start, len(sheet.rows)):
        row = sheet.rows[index]
        if not any(_text(c) for c in row):
            continue
        if len(row) >= width and _is_date(row[0]) and all(_is_number(c) or _text(c) == "" for c in row[1:width]):
            found.append(index)
        else:
            break
    return found


def _company_sheet(sheets: list[Sheet]) -> tuple[Sheet, int] | None:
    """The 'New followers' sheet and its header row: by name and header, else by content."""
    expected = [normalize_name(h) for h in _COMPANY_HEADER]
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:_HEADER_ROWS]):
            if [normalize_name(_text(c)) for c in row[:5]] == expected:
                return sheet, index
    for sheet in sheets:
        if not sheet.rows or len(sheet.rows[0]) < 5:
            continue
        days = _data_rows(sheet, 1, 5)
        if days and all(_sum_checks(sheet.rows[i]) for i in days):
            return sheet, 0
    return None


def _sum_checks(row: list[Cell]) -> bool:
    try:
        numbers = [float(_text(c).replace(",", "") or 0) for c in row[1:5]]
    except ValueError:
        return False
    return numbers[3] == numbers[0] + numbers[1] + numbers[2]


def _creator_sheet(sheets: list[Sheet]) -> tuple[Sheet, int] | None:
    """The FOLLOWERS sheet and the row of its first day: a total on a date, then days."""
    for by_name in (True, False):
        for sheet in sheets:
            if by_name != (normalize_name(sheet.name) in {normalize_name(n) for n in _CREATOR_SHEET_NAMES}):
                continue
            if not sheet.rows or len(sheet.rows[0]) < 2:
                continue
            if not (_DATE_IN_TEXT.search(_text(sheet.rows[0][0])) and _is_number(sheet.rows[0][1])):
                continue
            for start in range(1, min(len(sheet.rows), _HEADER_ROWS)):
                if _data_rows(sheet, start, 2):
                    return sheet, start
    return None


def _dates(sheet: Sheet, indexes: list[int], file: str, extra: list[tuple[str, str]]) -> tuple[list[dt.date], list[str]]:
    """The dates of the rows (and of extra texts such as A1's), their order settled together."""
    values = [_text(sheet.rows[i][0]) for i in indexes] + [text for text, _ in extra]
    wheres = [_where(sheet, i, 0) for i in indexes] + [where for _, where in extra]
    days, note = settle_dates(values, file, wheres)
    return days, [note] if note else []


def _stated_day(text: str, file: str, where: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    first, second, year = (int(part) for part in re.split(r"[/.-]", text))
    try:
        return dt.date(year, second, first) if first > 12 else dt.date(year, first, second)
    except ValueError:
        raise BadExportError(file, where, "a date like 'Total followers on 3/15/2026'", repr(text)) from None


def parse(source: SourceFile) -> Parsed:
    sheets = _sheets(source)
    company = _company_sheet(sheets)
    if company is not None:
        return _parse_company(source, *company)
    creator = _creator_sheet(sheets)
    if creator is not None:
        return _parse_creator(source, *creator)
    raise BadExportError(
        source.name,
        "sheets",
        "LinkedIn's 'New followers' sheet (Date, Sponsored, Organic, Auto-invited and Total followers) or its "
        "creator 'FOLLOWERS' sheet ('Total followers on M/D/YYYY' in A1 above Date and New followers)",
        f"the sheets {', '.join(repr(s.name) for s in sheets[:10])} with neither",
    )


def _parse_company(source: SourceFile, sheet: Sheet, header: int) -> Parsed:
    import pandas as pd
    indexes = _data_rows(sheet, header + 1, 5)
    following = next((i for i in range(header + 1 + len(indexes), len(sheet.rows)) if any(_text(c) for c in sheet.rows[i])), None)
    if following is not None:
        row = sheet.rows[following]
        raise BadExportError(
            source.name, _where(sheet, following, 0), "a date followed by four counts",
            ", ".join(repr(_text(c)) for c in row[:5]),
        )
    if not indexes:
        raise BadExportError(source.name, f"sheet {sheet.name!r} after row {header + 1}", "at least one day", "no rows")
    days, notes = _dates(sheet, indexes, source.name, [])
    rows: list[dict[str, object]] = []
    for day, index in zip(days, indexes, strict=True):
        for column, metric in enumerate(_COMPANY_METRICS, start=1):
            value = _count(sheet, index, column, source.name)
            if value is None:
                continue
            if value < 0:
                raise BadExportError(source.name, _where(sheet, index, column), "a number of new followers of 0 or more", str(value))
            rows.append({"day": pd.Timestamp(day), "metric": metric, "value": value})
    notes.append(f"read from the sheet {sheet.name!r}: new followers per day only (LinkedIn gives no unfollows)")
    return Parsed(
        format="linkedin_company_workbook", platform="linkedin", daily=typed_frame(rows, DAILY_DTYPES), rows=len(indexes), notes=notes
    )


def _parse_creator(source: SourceFile, sheet: Sheet, start: int) -> Parsed:
    import pandas as pd
    indexes = _data_rows(sheet, start, 2)
    stated = _DATE_IN_TEXT.search(_text(sheet.rows[0][0]))
    assert stated is not None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", _text(sheet.rows[indexes[0]][0])):
        # Days stored as real dates: only A1's text has an order to settle, US month first
        # ("Total followers on M/D/YYYY") unless its first number can only be a day.
        days, notes = _dates(sheet, indexes, source.name, [])
        total_day = _stated_day(stated[1], source.name, _where(sheet, 0, 0))
    else:
        days, notes = _dates(sheet, indexes, source.name, [(stated[1], _where(sheet, 0, 0))])
        total_day = days.pop()
    total = _count(sheet, 0, 1, source.name)
    rows: list[dict[str, object]] = []
    if total is not None:
        if total < 0:
            raise BadExportError(source.name, _where(sheet, 0, 1), "a follower total of 0 or more", str(total))
        rows.append({"day": pd.Timestamp(total_day), "metric": "followers", "value": total})
    for day, index in zip(days, indexes, strict=True):
        value = _count(sheet, index, 1, source.name)
        if value is None:
            continue
        if value < 0:
            raise BadExportError(source.name, _where(sheet, index, 1), "a number of new followers of 0 or more", str(value))
        rows.append({"day": pd.Timestamp(day), "metric": "new_follows", "value": value})
    notes.append(f"read from the sheet {sheet.name!r}: new followers per day only (LinkedIn gives no unfollows)")
    return Parsed(
        format="linkedin_creator_workbook", platform="linkedin", daily=typed_frame(rows, DAILY_DTYPES), rows=len(indexes), notes=notes
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="linkedin_company_workbook",
        label="LinkedIn company page followers workbook (.xls)",
        platform="linkedin",
        where_to_get=COMPANY_WHERE,
        sniff=_sniff,
        parse=parse,
    ),
    ExportFormat(
        key="linkedin_creator_workbook",
        label="LinkedIn creator analytics workbook (.xlsx, FOLLOWERS sheet)",
        platform="linkedin",
        where_to_get=CREATOR_WHERE,
        # One reader recognises both workbooks by their sheets: the first format's sniff answers.
        sniff=lambda source: False,
        parse=parse,
    ),
)
