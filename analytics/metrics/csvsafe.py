"""CSV exports that a spreadsheet cannot run: formula cells are neutralised (CSV injection).

Follower names, bios and locations are written by strangers. A bio such as
`=HYPERLINK("http://evil.example", "click")` in an exported CSV becomes a live formula once the
file is opened in Excel, LibreOffice or Google Sheets. Following the OWASP CSV Injection
guidance, every text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe, which spreadsheets read as "this is text" and do not display. Quoting and
embedded quotes are left to the csv writer, which quotes every text field.

Numbers stay numbers: only text cells are touched, so a negative count remains a number.
"""

from __future__ import annotations

import csv
from typing import Any

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
CSV_METHOD = (
    "Text cells starting with =, +, -, @, a tab or a carriage return are prefixed with an apostrophe "
    "so that spreadsheets show them as text instead of running them as formulas (OWASP CSV injection)."
)


def neutralise(value: Any) -> Any:
    """The cell as text a spreadsheet will not evaluate (non-text values are returned as they are)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names are neutralised."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            out[column] = series.map(neutralise, na_action="ignore")
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV bytes of `frame` with formulas neutralised, ready for a download button.

    A byte-order mark is written so Excel opens accented names correctly.
    """
    # Every text field quoted: a bare carriage return inside a bio must not end the row.
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8-sig")
