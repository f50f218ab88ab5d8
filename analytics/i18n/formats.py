"""Numbers, percents, changes and dates in the current language, through Babel's CLDR data.

English is British English (`en_GB`): "2,553", "12.5%", "27 Feb 2027" and weeks from Monday, as
Palier always wrote them; French is `fr_FR`: "2 553" (U+202F), "12,5 %", "27 févr. 2027".
Plotly gets the same conventions from `plotly_locale()`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from analytics.i18n.catalog import _
from analytics.i18n.state import current_language

BABEL_LOCALES: dict[str, str] = {"en": "en_GB", "fr": "fr_FR"}
# A typographic minus: "−15" lines up with "+15", where a hyphen is shorter than a plus.
MINUS = "\u2212"
MISSING = "—"

DateLength = Literal["short", "medium", "long", "full"]
# Palier's English always wrote "01 Mar 2025" (strftime's %d %b %Y); CLDR's en_GB drops the zero.
_DATE_PATTERNS: dict[str, dict[str, str]] = {"en": {"medium": "dd MMM y"}}


@functools.cache
def _parsed_locale(code: str) -> Locale:
    # Parsed once per code: a page writes thousands of numbers and days (a table of 500 people, a
    # picker of 365 lists), and parsing the locale each time was a third of the cost.
    return Locale.parse(code)


def babel_locale(language: str | None = None) -> Locale:
    """The Babel locale of a language (default: the current one)."""
    return _parsed_locale(BABEL_LOCALES[language or current_language()])


@functools.cache
def _group_symbol(code: str) -> str:
    return str(babel_numbers.get_group_symbol(_parsed_locale(code)))


# Whole floats below this are exact: written by the fast path of format_number, as ints are.
_EXACT_WHOLE = 2**53


def format_number(value: float | None, decimals: int = 0) -> str:
    """2 553 (fr) / 2,553 (en); `decimals` fixes the digits after the decimal mark. None gives a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    code = BABEL_LOCALES[current_language()]
    whole = isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_WHOLE)
    if decimals <= 0 and whole:
        # A whole number, the usual case (counts): Python groups its digits by three, as both
        # languages' CLDR pattern does, and the group mark is the locale's. The same text as
        # Babel's (tests/test_i18n.py compares them), in a twentieth of the time. -0.0 is "0".
        text = f"{int(value):,}".replace(",", _group_symbol(code))
    else:
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        text = babel_numbers.format_decimal(value, format=pattern, locale=_parsed_locale(code))
    return text.replace("-", MINUS)


def format_percent(ratio: float | None, decimals: int = 1, *, fixed: bool = False) -> str:
    """A ratio as a percent with at most `decimals` digits: 0.125 gives "12,5 %" (fr) / "12.5%" (en);
    `fixed` keeps exactly `decimals` digits (0.5 gives "50.0%"), for figures read side by side."""
    if ratio is None or math.isnan(ratio):
        return MISSING
    locale = babel_locale()
    digit = "0" if fixed else "#"
    pattern = str(locale.percent_formats[None].pattern).replace("#,##0", "#,##0" + ("." + digit * decimals if decimals else ""))
    text = babel_numbers.format_percent(ratio, format=pattern, locale=locale)
    return text.replace("-", MINUS)


def format_change(value: float | None, decimals: int = 0) -> str:
    """A signed change: "+1 234", "−15", "0" (zero has no sign)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    magnitude = format_number(abs(value), decimals)
    if round(value, decimals) > 0:
        return "+" + magnitude
    if round(value, decimals) < 0:
        return MINUS + magnitude
    return magnitude


def _day_of(day: dt.date | dt.datetime | Any) -> dt.date:
    """The calendar day of a date, a datetime or a pandas Timestamp."""
    if hasattr(day, "to_pydatetime"):  # a pandas Timestamp
        day = day.to_pydatetime()
    return day.date() if isinstance(day, dt.datetime) else day


def format_date(day: dt.date | dt.datetime | Any, length: DateLength = "medium") -> str:
    """27 févr. 2027 / 27 Feb 2027 (medium); 27 février 2027 / 27 February 2027 (long)."""
    if day is None:
        return MISSING
    language = current_language()
    pattern = _DATE_PATTERNS.get(language, {}).get(length, length)
    text = _date_text(_day_of(day), pattern, language)
    # CLDR's en_GB abbreviates September "Sept", every other month in three letters; Palier's
    # English (and Plotly's axes beside it) write "Sep".
    return text.replace("Sept ", "Sep ") if language == "en" else text


@functools.lru_cache(maxsize=8192)
def _date_text(day: dt.date, pattern: str, language: str) -> str:
    # Kept: a page writes the same days again on every rerun (a picker of 365 lists labels each
    # of them twice), and Babel takes 30 to 50 µs a day.
    return str(babel_dates.format_date(day, pattern, locale=babel_locale(language)))


# A day in a table: English tables always wrote ISO days (2026-03-02) and keep them; French writes
# the day first (02/03/2026), as its date pickers do. Fixed width, so a column of days lines up.
_TABLE_DATE_PATTERNS: dict[str, str] = {"en": "yyyy-MM-dd", "fr": "dd/MM/yyyy"}
# The same with the weekday first ("Mon 2026-03-02", "lun. 02/03/2026").
_TABLE_WEEKDAY_PATTERNS: dict[str, str] = {"en": "EEE yyyy-MM-dd", "fr": "EEE dd/MM/yyyy"}


def format_table_date(day: dt.date | dt.datetime | Any, *, weekday: bool = False) -> str:
    """A day as a table cell writes it: 2026-03-02 (en) / 02/03/2026 (fr); `weekday` puts its
    abbreviated name first."""
    if day is None:
        return MISSING
    language = current_language()
    pattern = (_TABLE_WEEKDAY_PATTERNS if weekday else _TABLE_DATE_PATTERNS)[language]
    return _date_text(_day_of(day), pattern, language)


def format_summary_date(day: dt.date) -> str:
    """A day in an import's summary: ISO in English, as its summaries always read ("on
    2026-03-02"); the medium date in French ("le 2 mars 2026"), as French sentences write it."""
    return day.isoformat() if current_language() == "en" else format_date(day)


def format_datetime(moment: dt.datetime, length: DateLength = "medium") -> str:
    """A date and time in the current language, e.g. "27 févr. 2027 à 09:30"."""
    date_text = format_date(moment, length)
    time_text = babel_dates.format_time(moment, "short", locale=babel_locale())
    return _("{date} at {time}").format(date=date_text, time=time_text)


def week_start() -> int:
    """The first day of a week, 0 = Monday (both languages: CLDR for fr_FR and en_GB)."""
    return int(babel_locale().first_week_day)


def month_names(width: Literal["wide", "abbreviated", "narrow"] = "wide") -> list[str]:
    """January..December in the current language (stand-alone forms, as on an axis or a menu)."""
    names = babel_locale().months["stand-alone"][width]
    return [str(names[month]) for month in range(1, 13)]


def weekday_names(width: Literal["wide", "abbreviated", "narrow"] = "wide") -> list[str]:
    """Monday..Sunday in the current language."""
    names = babel_locale().days["stand-alone"][width]
    return [str(names[day]) for day in range(7)]


@dataclass(frozen=True)
class PlotlyLocale:
    """What a Plotly figure needs to speak the current language, offline.

    `separators` goes in the layout (decimal mark then thousands separator). Plotly.js only knows
    English month and day names unless a locale is registered; no locale bundle is loaded by
    Streamlit or by a self-contained report, so `config` carries one inline (`locales` is a
    Plotly.js config key) built from Babel's names: pass it as `st.plotly_chart(fig,
    config=...)` or `fig.to_html(config=...)`. Then `%b`, `%A` in tick and hover formats read
    "févr.", "lundi" in French, and the formats below put day before month.
    """

    language: str
    separators: str
    date_format: str
    day_hover_format: str
    week_hover_format: str
    month_format: str
    config: dict[str, Any] = field(default_factory=dict)
    # Plotly's automatic date ticks put the month first ("Feb 7"); where the language puts the
    # day first, these stops replace them ("7 févr.", "févr. 2027", "2027"). Empty: Plotly's own.
    date_tickformatstops: tuple[dict[str, Any], ...] = ()


DAY_MS = 86_400_000  # a day in milliseconds, the unit of Plotly's date ticks


def plotly_locale() -> PlotlyLocale:
    """The current language's Plotly settings (see PlotlyLocale)."""
    language = current_language()
    locale = babel_locale(language)
    decimal = str(locale.number_symbols["latn"]["decimal"])
    group = str(locale.number_symbols["latn"]["group"])
    months_wide = babel_locale(language).months["format"]["wide"]
    months_short = babel_locale(language).months["format"]["abbreviated"]
    days_wide = babel_locale(language).days["format"]["wide"]
    days_short = babel_locale(language).days["format"]["abbreviated"]
    # d3 counts days from Sunday; CLDR from Monday.
    d3_days = [str(days_wide[(i + 6) % 7]) for i in range(7)]
    d3_short_days = [str(days_short[(i + 6) % 7]) for i in range(7)]
    d3_format = {
        "decimal": decimal,
        "thousands": group,
        "grouping": [3],
        "currency": ["", " €"] if language == "fr" else ["£", ""],
        "dateTime": "%A %e %B %Y, %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": d3_days,
        "shortDays": d3_short_days,
        "months": [str(months_wide[m]) for m in range(1, 13)],
        "shortMonths": [str(months_short[m]) for m in range(1, 13)],
    }
    config = {"locale": language, "locales": {language: {"dictionary": {}, "format": d3_format}}}
    if language == "fr":
        return PlotlyLocale(
            language=language,
            separators=decimal + group,
            date_format="%-d %b %Y",
            day_hover_format="%a %-d %b %Y",
            week_hover_format=_("Week of {date}").format(date="%-d %b %Y"),
            month_format="%B %Y",
            config=config,
            # Plotly takes the first stop whose range holds the tick step, both ends included: the
            # hours stop ends just short of a day, or daily ticks would read "25 oct. 00:00".
            date_tickformatstops=(
                {"dtickrange": [None, DAY_MS - 1], "value": "%-d %b %H:%M"},
                {"dtickrange": [DAY_MS, "M1"], "value": "%-d %b"},
                {"dtickrange": ["M1", "M12"], "value": "%b %Y"},
                {"dtickrange": ["M12", None], "value": "%Y"},
            ),
        )
    return PlotlyLocale(
        language=language,
        separators=decimal + group,
        date_format="%d %b %Y",
        day_hover_format="%a %d %b %Y",
        week_hover_format=_("Week of {date}").format(date="%d %b %Y"),
        month_format="%B %Y",
        config=config,
    )
