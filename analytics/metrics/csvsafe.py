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

from analytics.i18n import N_, _

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
CSV_METHOD = N_(
    "Text cells starting with =, +, -, @, a tab or a carriage return are prefixed with an apostrophe "
    "so that spreadsheets show them as text instead of running them as formulas (OWASP CSV injection)."
)


# The headers of downloaded CSVs, in the reader's language. The English ones are the column names
# themselves; the French ones are among the headers Palier's generic list importer reads, so a
# downloaded list imports again.
CSV_HEADERS: dict[str, str] = {
    "rules_version": N_("rules_version"),
    "member_key": N_("member_key"),
    "handle": N_("handle"),
    "name": N_("name"),
    "bio": N_("bio"),
    "location": N_("location"),
    "followers_count": N_("followers_count"),
    "following_count": N_("following_count"),
    "posts_count": N_("posts_count"),
    "created_at": N_("created_at"),
    "last_post_at": N_("last_post_at"),
    "default_avatar": N_("default_avatar"),
    "rules": N_("rules"),
    "egg": N_("egg"),
    "spam": N_("spam"),
    "mass_follower": N_("mass_follower"),
    "inactive": N_("inactive"),
    "new_account": N_("new_account"),
}


def header(column: object) -> str:
    """A downloaded CSV's header for a column, in the current language."""
    name = str(column)
    return _(CSV_HEADERS[name]) if name in CSV_HEADERS else name


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

    A byte-order mark is written so Excel opens accented names correctly; the headers are in the
    current language (`CSV_HEADERS`).
    """
    # Every text field quoted: a bare carriage return inside a bio must not end the row.
    safe = neutralise_frame(frame.rename(columns=header))
    text = safe.to_csv(index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8-sig")
