"""Field parsers shared by the format modules; each error names the file and the place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Literal

from analytics.errors import BadExportError
from analytics.i18n import _, format_date, format_number

_TRUE = {"true", "yes", "y", "1", "t", "x", "vrai", "oui"}
_FALSE = {"false", "no", "n", "0", "f", "", "faux", "non"}
_BIGINT_LIMIT = 2**63
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
# No social network Palier reads existed before 2003 (LinkedIn, the oldest, opened in May 2003).
# A day before it, or after tomorrow (tomorrow: an export made in a time zone ahead of ours), is
# a typo or a damaged file; accepted, it would also stretch every daily grid over centuries.
EARLIEST_DAY = dt.date(2003, 1, 1)
MSG_PLAUSIBLE_DAY = "a date from {earliest} to {latest} (correct the date in the file, or remove the row)"


def latest_plausible_day() -> dt.date:
    """Tomorrow, by the computer's local date."""
    return dt.date.today() + dt.timedelta(days=1)


def plausible_day(day: dt.date, file: str, where: str) -> dt.date:
    """`day` itself when a network could have written it; else BadExportError naming the place."""
    if isinstance(day, dt.datetime):
        day_only = day.date()
    else:
        day_only = day
    latest = latest_plausible_day()
    if not EARLIEST_DAY <= day_only <= latest:
        raise BadExportError(
            file, where, MSG_PLAUSIBLE_DAY.format(earliest=EARLIEST_DAY.isoformat(), latest=latest.isoformat()),
            day_only.isoformat(),
        )
    return day


def check_count(number: int, file: str, where: str) -> int:
    """A count (followers, posts, ...) that fits in the store: 0 or more and below 2**63."""
    if number < 0:
        raise BadExportError(file, where, "a count of 0 or more", str(number))
    if number >= _BIGINT_LIMIT:
        shown = str(number) if len(str(number)) <= 40 else f"a number of {len(str(number))} digits"
        raise BadExportError(file, where, f"a whole number below {_BIGINT_LIMIT:,}", shown)
    return number


def json_count(value: object, file: str, where: str) -> int:
    """A count as JSON writes it (an integer, or a float with nothing after the point), checked
    by `check_count`; a float is never trusted beyond 2**53, where it has already been rounded."""
    if isinstance(value, bool):
        raise BadExportError(file, where, "a count", repr(value))
    if isinstance(value, float):
        if not value.is_integer() or abs(value) >= 2**53:
            raise BadExportError(file, where, "a whole number written without a decimal point", repr(value))
        value = int(value)
    if not isinstance(value, int):
        raise BadExportError(file, where, "a count", type(value).__name__)
    return check_count(value, file, where)


def parse_int(value: str, file: str, where: str, *, blank: int | None = None) -> int | None:
    """Whole numbers as exports write them: `12`, `"1,234"` (only where a thousands separator
    cannot be a delimiter), `89.0`. Blank gives `blank`. `-` (legacy 'not promoted') is missing."""
    text = value.strip()
    if text in ("", "-"):
        return blank
    if text.isascii() and text.isdigit():
        # Plain digits, nearly every count of a big list: what the patterns below would give,
        # without their six lookups (a careful read of a million rows spent 20 s in them).
        digits = int(text)
        if digits < _BIGINT_LIMIT:
            return digits
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    elif re.fullmatch(r"[+-]?\d+,0*", cleaned):
        # A French spreadsheet's decimal comma on a whole number: "2553,00".
        cleaned = cleaned.replace(",", ".")
    number: int | None = None
    if re.fullmatch(r"[+-]?\d+", cleaned):
        number = int(cleaned)
    elif re.fullmatch(r"[+-]?\d+\.0*", cleaned):
        number = int(cleaned.split(".")[0])
    if number is None:
        raise BadExportError(file, where, _("a whole number"), repr(value[:60]))
    if not -_BIGINT_LIMIT <= number < _BIGINT_LIMIT:
        # Counts are stored as 64-bit integers; a larger one would stop the import with an
        # OverflowError far from the file and line that caused it.
        raise BadExportError(
            file, where, _("a whole number below {limit}").format(limit=format_number(_BIGINT_LIMIT)), repr(value[:60])
        )
    return number


def parse_date(value: str, formats: tuple[str, ...], file: str, where: str) -> dt.date:
    """A date in one of the given strptime formats. `%-d` style unpadded days parse with `%d`."""
    text = value.strip()
    iso_shape = len(text) == 10 and text[4] == text[7] == "-" and text.isascii() and text.replace("-", "").isdigit()
    if iso_shape and formats[:1] == ("%Y-%m-%d",):
        # The ISO day, nearly every date of a big list: what strptime gives for this exact shape,
        # a tenth of its time (a careful read of a million rows spent 16 s in strptime).
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # the loop below refuses it as before
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    example = dt.date(2026, 3, 2).strftime(formats[0]) if formats else "2026-03-02"
    raise BadExportError(file, where, _("a date like {example}").format(example=repr(example)), repr(value[:60]))


def parse_iso_datetime(value: str, file: str, where: str) -> dt.datetime:
    """ISO-8601 with or without milliseconds and `Z`; returns naive UTC."""
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadExportError(
            file, where, _("an ISO date and time like {example}").format(example="'2026-03-02T10:00:00Z'"), repr(value[:60])
        ) from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def parse_bool(value: str, file: str, where: str) -> bool | None:
    text = value.strip().lower()
    if text == "":
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadExportError(file, where, _("true or false"), repr(value[:60]))


def date_in_name(name: str) -> dt.date | None:
    """The last valid `YYYY-MM-DD` in a file name, if any."""
    found = None
    for match in _DATE_IN_NAME.finditer(name):
        try:
            day = dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            continue
        # "backup-1999-01-01" or a version number is not the day of the export.
        if EARLIEST_DAY <= day <= latest_plausible_day():
            found = day
    return found


# 02/03/2026, 2/3/2026, 02.03.2026, 02-03-2026: day and month in an order the value cannot tell.
_NUMERIC_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
DateOrder = Literal["day_first", "month_first"]


def numeric_date_order(values: Sequence[str], file: str, where: Callable[[int], str]) -> DateOrder | None:
    """The order of `dd/mm/yyyy`-style dates, settled by the file as a whole.

    A first number above 12 anywhere means day first (13/09/2026), a second above 12 means month
    first (09/13/2026); both is a contradiction, and neither (only 01/09/2026-style dates that
    read both ways) is refused with the way out, unless every such date has day = month.
    None when no value is written that way. `where(i)` names row i in messages.
    """
    day_first: int | None = None
    month_first: int | None = None
    ambiguous: int | None = None
    for i, value in enumerate(values):
        match = _NUMERIC_DATE.fullmatch(value.strip())
        if not match:
            continue
        first, second = int(match[1]), int(match[3])
        if first > 12 and day_first is None:
            day_first = i
        elif second > 12 and month_first is None:
            month_first = i
        elif first != second and first <= 12 and second <= 12 and ambiguous is None:
            ambiguous = i
        if day_first is not None and month_first is not None:
            later, earlier, earlier_order = (
                (month_first, day_first, _("day first"))
                if month_first > day_first
                else (day_first, month_first, _("month first"))
            )
            raise BadExportError(
                file,
                where(later),
                _("dates written in one order, {order} as in {example}").format(
                    order=earlier_order, example=repr(values[earlier].strip())
                ),
                repr(values[later].strip()[:60]),
                _("Write every date in one order, or as year-month-day (2026-09-01)"),
            )
    if day_first is not None:
        return "day_first"
    if month_first is not None:
        return "month_first"
    if ambiguous is not None:
        value = values[ambiguous].strip()
        match = _NUMERIC_DATE.fullmatch(value)
        assert match is not None
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        raise BadExportError(
            file,
            where(ambiguous),
            _("a date whose order the file settles (a day above 12 somewhere, like 13/09/2026)"),
            _("{value}, which reads as {day_first} or as {month_first}").format(
                value=repr(value[:60]), day_first=_long_date(first, second, year), month_first=_long_date(second, first, year)
            ),
            _("Write the dates as year-month-day (2026-09-01) to choose"),
        )
    return "day_first" if any(_NUMERIC_DATE.fullmatch(v.strip()) for v in values) else None


def _long_date(day: int, month: int, year: int) -> str:
    try:
        return format_date(dt.date(year, month, day), "long")
    except ValueError:
        return f"{day:02d}/{month:02d}/{year}"


def parse_numeric_date(value: str, order: DateOrder, file: str, where: str) -> dt.date | None:
    """A `dd/mm/yyyy` (or `mm/dd/yyyy`) date in the order the file settled; None when not written that way."""
    match = _NUMERIC_DATE.fullmatch(value.strip())
    if not match:
        return None
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    day, month = (first, second) if order == "day_first" else (second, first)
    try:
        return dt.date(year, month, day)
    except ValueError:
        example = "31/12/2026" if order == "day_first" else "12/31/2026"
        raise BadExportError(file, where, _("a date like {example}").format(example=repr(example)), repr(value[:60])) from None
