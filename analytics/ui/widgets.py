"""What every dashboard shares: the account and period pickers, the link to the Import page,
and the one configuration of st.plotly_chart.

The account and the period are one choice for the whole dashboard, kept in the URL
(`?account=demo&period=28d`, or `?account=demo&period=custom&from=2026-10-01&to=2026-10-31`) so a
reload or a bookmark keeps them, and in the session so a move to another page keeps them too
(Streamlit drops the query string when the navigation changes page). Each page's widgets are
"controlled": their value is written from that shared choice before they are drawn, and their
on_change callbacks write the shared choice back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import streamlit as st

from analytics.charts import CHART_CONFIG
from analytics.i18n import N_, _, current_language, format_change, plotly_locale
from analytics.store import Store
from analytics.store.accounts import PLATFORMS
from analytics.ui.downloads import offer_report, report_period
from analytics.ui.gate import is_owner
from analytics.ui.reads import accounts, data_range
from analytics.ui.store import store_or_stop

__all__ = ["CHART_CONFIG", "chart_config", "DEFAULT_PRESET", "IMPORT_PAGE", "PRESETS", "PRESET_BUTTONS", "Period", "account_data_range",
           "date_input_format",
           "account_label", "change_delta", "link_to_import", "pick_account", "pick_period", "preferred_account",
           "resolve_period"]

IMPORT_PAGE = "pages/import.py"


# How a date picker spells its days, by language: French readers write the day first (04/10/2026).
DATE_INPUT_FORMATS = {"fr": "DD/MM/YYYY"}
DEFAULT_DATE_INPUT_FORMAT = "YYYY-MM-DD"


def date_input_format() -> str:
    """`st.date_input`'s `format` in the reader's language."""
    return DATE_INPUT_FORMATS.get(current_language(), DEFAULT_DATE_INPUT_FORMAT)


class MetricDelta(TypedDict):
    """st.metric's delta arguments: `row.metric(label, value, **change_delta(...))`."""

    delta: str | None
    delta_color: Literal["green", "red", "gray"]
    delta_arrow: Literal["up", "down", "off"]


def change_delta(change: float | None, template: str | None = None, *, rise_is_bad: bool = False) -> MetricDelta:
    """A metric's delta for a signed change, written as every other change is ("+12", "−15").

    Streamlit takes a delta's arrow and colour from a leading ASCII "-" only: given the
    typographic minus it draws a loss going up, in green. So both are set here from the number
    itself, rounded as `format_change` rounds it. `template` puts words around the change
    ("{change} vs previous period"); `rise_is_bad`: red going up (followers lost). None: no delta.
    """
    if change is None:
        return {"delta": None, "delta_color": "gray", "delta_arrow": "off"}
    text = format_change(change)
    rounded = round(change)
    if rounded == 0:
        color: Literal["green", "red", "gray"] = "gray"
        arrow: Literal["up", "down", "off"] = "off"
    else:
        arrow = "up" if rounded > 0 else "down"
        color = "green" if (rounded > 0) != rise_is_bad else "red"
    return {"delta": template.format(change=text) if template else text, "delta_color": color, "delta_arrow": arrow}


def chart_config() -> dict[str, Any]:
    """Every st.plotly_chart's config: the toolbar's (CHART_CONFIG) and the reader's language, which
    Plotly.js only knows from the config (month and day names in ticks and hovers, as the report has)."""
    return {**CHART_CONFIG, **plotly_locale().config}

GO_TO_IMPORT = N_("Go to the Import page")
ASK_THE_OWNER = N_("Ask the owner of this dashboard to import data.")
NO_DATA_YET = N_("This account has no data yet: import a file into it on the Import page.")
ACCOUNT = N_("Account")


def account_label(name: str, version: int) -> str:
    """"demo (X (Twitter))": the account with its platform, for pickers."""
    frame = accounts(version)
    platform = dict(zip(frame["name"], frame["platform"], strict=True)).get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


def link_to_import(label: str | None = None, icon: str = ":material/upload_file:") -> None:
    """The one way a page points to the Import page (for owners; viewers are told whom to ask).
    `label`: already translated; default "Go to the Import page"."""
    # Viewers have no Import page in their navigation: a link to it would be an error.
    if is_owner():
        st.page_link(IMPORT_PAGE, label=label if label is not None else _(GO_TO_IMPORT), icon=icon)
    else:
        st.caption(_(ASK_THE_OWNER))


def pick_account(page: str, no_account: str, column: object = None) -> tuple[Store, int, str]:
    """The store, its version and the chosen account; stops the page with `no_account` when the
    store has none. The account's report download sits in the sidebar, the same place on every page
    (drawn once the page has run, for the period it shows: `downloads.sidebar_report`)."""
    store = store_or_stop()
    version = store.version()
    names: list[str] = accounts(version)["name"].tolist()
    if not names:
        st.info(no_account)
        link_to_import()
        st.stop()
    where = column if column is not None else st
    key = f"{page}_account"
    st.session_state[key] = preferred_account(names)
    account = where.selectbox(  # type: ignore[attr-defined]
        _("Account"), names, format_func=lambda name: account_label(name, version), key=key,
        on_change=_account_changed, args=(key,),
    )
    assert account is not None
    st.session_state[ACCOUNT_STATE] = account
    _set_query_param(ACCOUNT_PARAM, account)
    offer_report(account, key=f"{page}_report")
    return store, version, account


# --- The shared period -------------------------------------------------------------------------

ACCOUNT_PARAM, PERIOD_PARAM, FROM_PARAM, TO_PARAM = "account", "period", "from", "to"
# Session keys of the shared choice (not widget keys: a widget's state is dropped when its page is left).
ACCOUNT_STATE, PERIOD_STATE = "palier_account", "palier_period"

# Preset code (in the URL) -> its label and its length: days, or calendar months.
PRESETS: dict[str, str] = {
    "7d": N_("7 days"),
    "28d": N_("28 days"),
    "90d": N_("90 days"),
    "12m": N_("12 months"),
    "all": N_("All"),
    "custom": N_("Custom"),
}
# What the preset buttons say: short, as X Analytics' "7D 28D 3M 1Y", and a calendar for a custom
# range, so the six fit one line of a 390 px phone in English and French (a segmented control does
# not wrap: longer labels were cut off) and a part of a 1440 px page.
PRESET_BUTTONS: dict[str, str] = {
    "7d": N_("7D"),
    "28d": N_("28D"),
    "90d": N_("90D"),
    "12m": N_("12M"),
    "all": N_("All"),
}
CUSTOM_BUTTON = ":material/date_range:"  # an icon: no word to translate, as narrow in every language
PRESETS_HELP = N_(
    "7D, 28D, 90D: the last 7, 28 or 90 days up to the latest day with data. 12M: the last 12 months. "
    "All: every day with data. The calendar: the days picked in the date range. Each figure is compared "
    "with the same number of days just before."
)


def preset_button(code: str) -> str:
    """What the preset's button shows, translated."""
    return _(PRESET_BUTTONS[code]) if code in PRESET_BUTTONS else CUSTOM_BUTTON
DATE_RANGE_WIDTH = 215  # px: "2026-10-04 – 2026-10-31" and the calendar icon
DEFAULT_PRESET = "28d"
PRESET_DAYS = {"7d": 7, "28d": 28, "90d": 90}


@dataclass(frozen=True)
class Period:
    """The chosen days [start, end] (both included), the preset that chose them, and the previous
    period of the same length just before. Unpacks as `start, end = period`."""

    start: dt.date
    end: dt.date
    preset: str
    previous_start: dt.date
    previous_end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __iter__(self) -> Iterator[dt.date]:
        # The pickers of round 1 returned (start, end): pages written for them keep working.
        return iter((self.start, self.end))


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def resolve_period(
    preset: str | None, first: dt.date, last: dt.date, start: Any = None, end: Any = None
) -> Period:
    """The days a preset (or a custom range) means for data spanning [first, last].

    Presets end on the last day with data, not on the calendar's today (exports lag), and are cut
    at the first day with data. A custom range is kept within [first, last]; an unknown preset or
    an unreadable range is the default preset."""
    code = preset if preset in PRESETS else DEFAULT_PRESET
    begin, finish = _as_date(start), _as_date(end)
    if code == "custom" and (begin is not None or finish is not None):
        begin = min(max(begin or first, first), last)
        finish = min(max(finish or last, first), last)
        if finish < begin:
            begin, finish = finish, begin
    else:
        code = DEFAULT_PRESET if code == "custom" else code
        finish = last
        if code == "all":
            begin = first
        elif code == "12m":
            begin = _year_before(last) + dt.timedelta(days=1)
        else:
            begin = last - dt.timedelta(days=PRESET_DAYS[code] - 1)
        begin = max(begin, first)
    length = (finish - begin).days + 1
    previous_end = begin - dt.timedelta(days=1)
    return Period(begin, finish, code, previous_end - dt.timedelta(days=length - 1), previous_end)


def _query_param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value if isinstance(value, str) and value else None


def _set_query_param(name: str, value: str | None) -> None:
    # Only this widget's keys are touched: others (the language, say) stay in the URL.
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def _shared_account() -> str | None:
    """The session's account, else the URL's (a reload or a bookmark starts a new session)."""
    chosen = st.session_state.get(ACCOUNT_STATE)
    return chosen if isinstance(chosen, str) else _query_param(ACCOUNT_PARAM)


def preferred_account(names: list[str]) -> str | None:
    """The shared account if it is among `names`, else the first: for pages that pick accounts
    with their own widget (Growth's multiselect) to start on the account chosen elsewhere."""
    wanted = _shared_account()
    return wanted if wanted in names else (names[0] if names else None)


def _account_changed(key: str) -> None:
    st.session_state[ACCOUNT_STATE] = st.session_state[key]


def _shared_period() -> tuple[str, dt.date | None, dt.date | None]:
    """(preset, from, to) of the session, else of the URL; `?from=..&to=..` alone is a custom range."""
    chosen = st.session_state.get(PERIOD_STATE)
    if isinstance(chosen, tuple) and len(chosen) == 3:
        return chosen
    preset = _query_param(PERIOD_PARAM)
    begin, finish = _as_date(_query_param(FROM_PARAM)), _as_date(_query_param(TO_PARAM))
    if preset is None and (begin is not None or finish is not None):
        preset = "custom"
    return preset or DEFAULT_PRESET, begin, finish


def _preset_changed(key: str, range_key: str) -> None:
    code = st.session_state.get(key)
    if code is None:  # a click on the selected preset unselects it: keep the choice as it was
        return
    if code == "custom":
        # Custom starts from the days on screen, for the date range to edit.
        shown = st.session_state.get(range_key)
        begin, finish = (tuple(shown) + (None, None))[:2] if isinstance(shown, (tuple, list)) else (None, None)
        st.session_state[PERIOD_STATE] = ("custom", _as_date(begin), _as_date(finish))
    else:
        st.session_state[PERIOD_STATE] = (code, None, None)


def _range_changed(key: str) -> None:
    picked = st.session_state.get(key)
    days = [_as_date(day) for day in picked] if isinstance(picked, (tuple, list)) else [_as_date(picked)]
    days = [day for day in days if day is not None]
    if not days:
        return
    # A half-picked range reads as open-ended: from its day to the last day with data.
    st.session_state[PERIOD_STATE] = ("custom", days[0], days[1] if len(days) > 1 else None)


def pick_period(
    page: str, account: str, first: dt.date, last: dt.date, column: object = None,
    help: str | None = None,  # noqa: A002 - Streamlit's name for a widget's tooltip
) -> Period:
    """The shared period within [first, last]: presets (7, 28, 90 days, 12 months, all) and a date
    range showing the days they cover; editing the range makes it a custom period. Kept in the URL
    and across pages. `account` is unused since the period became shared; kept for callers."""
    del account
    where = column if column is not None else st
    preset_key, range_key = f"{page}_period_preset", f"{page}_period"
    code, begin, finish = _shared_period()
    period = resolve_period(code, first, last, begin, finish)
    st.session_state[preset_key] = period.preset
    st.session_state[range_key] = (period.start, period.end)
    # Presets and dates on one line where they fit, the dates wrapping under the presets where they
    # do not (half a page, a phone); st.columns would squeeze the presets until they are cut off.
    row = where.container(horizontal=True, wrap=True, gap="small", vertical_alignment="bottom")  # type: ignore[attr-defined]
    row.segmented_control(
        _("Period"), list(PRESETS), format_func=preset_button, key=preset_key,
        on_change=_preset_changed, args=(preset_key, range_key), required=True, width="content",
        help=_(PRESETS_HELP) + ("\n\n" + help if help else ""),
    )
    row.date_input(
        _("Days"), min_value=first, max_value=last, format=date_input_format(), key=range_key,
        on_change=_range_changed, args=(range_key,), label_visibility="collapsed", width=DATE_RANGE_WIDTH,
    )
    st.session_state[PERIOD_STATE] = (
        period.preset, period.start if period.preset == "custom" else None,
        period.end if period.preset == "custom" else None,
    )
    _set_query_param(PERIOD_PARAM, period.preset)
    custom = period.preset == "custom"
    _set_query_param(FROM_PARAM, period.start.isoformat() if custom else None)
    _set_query_param(TO_PARAM, period.end.isoformat() if custom else None)
    report_period(period.start, period.end)  # the sidebar's report covers the period shown
    return period


def account_data_range(account: str, version: int) -> tuple[dt.date, dt.date]:
    """The account's first and last day with data; stops the page when it has none."""
    first, last = data_range(account, version)
    if first is None or last is None:
        st.info(_(NO_DATA_YET))
        link_to_import()
        st.stop()
    return first, last
