"""Dates that spreadsheets re-saved without saying their order: `13-06-2025` or `1/1/2022`.

Excel rewrites an ISO date in the computer's own style, day first or month first, and the file
does not say which. The file as a whole settles it: a first number above 12 can only be a day,
a second number above 12 only a day too; failing that, daily exports run one row per day, so the
reading whose dates follow each other a day apart is the right one. When neither settles it the
file is refused with how to choose, never read one way by guess.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence

from analytics.errors import BadExportError

_NUMERIC = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$")

HOW_TO_CHOOSE = (
    "save the sheet again with dates written as YYYY-MM-DD (Format Cells → Custom → yyyy-mm-dd), "
    "or download the export again without opening it in a spreadsheet"
)


def _try(parts: Sequence[tuple[int, int, int]], day_first: bool) -> list[dt.date] | None:
    try:
        return [dt.date(y, b, a) if day_first else dt.date(y, a, b) for a, b, y in parts]
    except ValueError:
        return None


def _daily(days: list[dt.date]) -> bool:
    """Whether the dates follow each other one day apart (in either direction); a date repeated
    (a stated total on the last day) does not break the run."""
    steps = {abs((later - earlier).days) for earlier, later in itertools.pairwise(days)}
    return 1 in steps and steps <= {0, 1}


def settle_dates(values: Sequence[str], file: str, wheres: Sequence[str]) -> tuple[list[dt.date], str | None]:
    """The dates of a column, and a note saying how a numeric order was settled (None for ISO).

    `wheres` names each value's place ("line 3, field 'Date'") for the error on a bad one."""
    iso: list[dt.date] = []
    numeric: list[tuple[int, int, int]] = []
    for value, where in zip(values, wheres, strict=True):
        if match := _ISO.match(value):
            try:
                iso.append(dt.date(int(match[1]), int(match[2]), int(match[3])))
            except ValueError:
                raise BadExportError(file, where, "a real date like '2024-08-21'", repr(value[:40])) from None
        elif match := _NUMERIC.match(value):
            numeric.append((int(match[1]), int(match[2]), int(match[3])))
        else:
            raise BadExportError(
                file, where, "a date like '2024-08-21' (or a re-saved '21-08-2024' or '8/21/2024')", repr(value[:40])
            )
        if iso and numeric:
            raise BadExportError(file, where, "dates written one way throughout, like the first one", repr(value[:40]))
    if not numeric:
        return iso, None
    day_first = _try(numeric, day_first=True)
    month_first = _try(numeric, day_first=False)
    if day_first is None and month_first is None:
        bad = next(i for i, (a, b, y) in enumerate(numeric) if max(a, b) > 12 or min(a, b) == 0)
        raise BadExportError(file, wheres[bad], "dates that are either all day first or all month first", repr(values[bad][:40]))
    if month_first is None:
        assert day_first is not None
        return day_first, "dates read day first (D-M-Y): a first number above 12 says so"
    if day_first is None:
        return month_first, "dates read month first (M/D/Y): a second number above 12 says so"
    if _daily(day_first) and not _daily(month_first):
        return day_first, "dates read day first (D-M-Y): read so, the rows are one day apart"
    if _daily(month_first) and not _daily(day_first):
        return month_first, "dates read month first (M/D/Y): read so, the rows are one day apart"
    raise BadExportError(
        file,
        wheres[0] if len(wheres) == 1 else f"{wheres[0]} to {wheres[-1]}",
        "dates whose order (day first or month first) the file settles",
        f"{values[0].strip()!r} to {values[-1].strip()!r}, which read both ways: {HOW_TO_CHOOSE}",
    )
