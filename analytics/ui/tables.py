"""Tables in the reader's language: the numbers and days a st.dataframe shows, written by
analytics.i18n as the metric cards beside them are ("2 553", "+1,5", "12,5 %", "02/03/2026").

Streamlit's own number formats are printf patterns or "localized", which is the browser's
locale, not the language chosen in the sidebar; so a table's numbers go through a pandas Styler
whose display values are our formatters' text. st.dataframe draws a Styler's display value in a
number column whose column_config sets no `format`, and keeps the number itself underneath: a
click on the header still sorts 1 234 after 999. Days keep their DateColumn (sorted as days),
with the language's pattern (`date_column_format`): the browser knows no French month names, so
the pattern has none. A missing value is a dash ("—"), as in the cards: `dataframe` draws every
table with it (Streamlit's own is the English word "None").

    dataframe(localized(frame, {"Net": change(), "Rate": percent(1)}), column_config={
        "Net": st.column_config.NumberColumn(),            # no format: the Styler's text shows
        "From": st.column_config.DateColumn(format=date_column_format()),
    })
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from analytics.i18n import current_language, format_change, format_number, format_percent, format_table_date
from analytics.i18n.formats import MISSING

Formatter = Callable[[Any], str]

# A DateColumn's pattern per language: dayjs tokens, digits only, the days as the date pickers write
# them (analytics.ui.widgets.date_input_format).
DATE_COLUMN_FORMATS = {"en": "YYYY-MM-DD", "fr": "DD/MM/YYYY"}
DATETIME_COLUMN_FORMATS = {"en": "YYYY-MM-DD HH:mm", "fr": "DD/MM/YYYY HH:mm"}


def date_column_format() -> str:
    """A DateColumn's `format` in the reader's language: 2026-03-02 (en), 02/03/2026 (fr)."""
    return DATE_COLUMN_FORMATS[current_language()]


def datetime_column_format() -> str:
    """A DatetimeColumn's `format` in the reader's language, to the minute."""
    return DATETIME_COLUMN_FORMATS[current_language()]


def progress_percent_format() -> str:
    """A ProgressColumn's printf `format` for a 0-100 value, whole percents in the reader's language
    ("50%", "50 %"). A progress bar takes no Styler text, so the pattern is the language's own:
    Babel's percent of a sample with its digits made a printf slot."""
    sample = format_percent(0.5, 0)
    return sample.replace("%", "%%").replace("50", "%.0f", 1)


def number(decimals: int = 0) -> Formatter:
    """1 234 / 1,234; `decimals` digits after the decimal mark (1,5 / 1.5)."""
    return lambda value: format_number(float(value), decimals)


def change(decimals: int = 0) -> Formatter:
    """A signed change: +1 234, −15, 0."""
    return lambda value: format_change(float(value), decimals)


def percent(decimals: int = 1, *, of_hundred: bool = False) -> Formatter:
    """A share as a percent with exactly `decimals` digits (12,5 % / 12.5%); `of_hundred` when the
    column holds 12.5 rather than 0.125."""
    scale = 100.0 if of_hundred else 1.0
    return lambda value: format_percent(float(value) / scale, decimals, fixed=True)


def table_date(*, weekday: bool = False) -> Formatter:
    """A day as a table writes it (02/03/2026, with "lun." first if `weekday`), for a day column
    shown through a Styler: its DateColumn then sets no `format`."""
    return lambda value: format_table_date(value, weekday=weekday)


def localized(frame: pd.DataFrame, formats: Mapping[str, Formatter], *, counts: bool = False) -> Styler:
    """`frame` with its numbers (and any day column given a formatter) written in the reader's
    language; missing values as a dash. `counts`: every number column not in `formats` is a
    count (`number()`).

    Every number column needs a formatter: one left to the Styler would show pandas' own
    "0.500000". Raises ValueError naming it, so a new column cannot slip through in English.
    """
    known: dict[Any, Callable[[object], str] | str | None] = {
        column: formatter for column, formatter in formats.items() if column in frame.columns
    }
    numeric = [
        column for column in frame.columns
        if column not in known and pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])
    ]
    # A text column with no value at all can come typed as numbers (all NaN): dashes, like any missing value.
    known.update({column: number() for column in numeric if frame[column].isna().all()})
    unformatted = [column for column in numeric if column not in known]
    if counts:
        known.update({column: number() for column in unformatted})
    elif unformatted:
        raise ValueError(f"number columns without a formatter: {unformatted}")
    # na_rep: the Styler writes a missing value (None, NaN, NA, NaT) itself, never calling a formatter.
    return frame.style.format(known, na_rep=MISSING)


def dataframe(data: pd.DataFrame | Styler, **options: Any) -> Any:
    """`st.dataframe(data, **options)` with a missing value written as every figure of the app writes
    it ("—"): Streamlit draws a missing cell as the English word "None" whatever the Styler's text
    for it (a blank name or bio, a count not given), in French too. Every table goes through here
    (tests/test_french_tables.py reads the code for any other st.dataframe)."""
    return st.dataframe(data, placeholder=MISSING, **options)
