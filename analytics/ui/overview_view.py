"""The Overview page's parts: the morning check (the first screen), the period's figures against
the previous period, the follower curve with its milestones, and the daily table.

Every figure comes from analytics.metrics.headline through the cached reads: nothing is
computed here but words and formats."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from analytics.charts.overview import anchor_count, anchors_marked, follower_curve, gains_losses, has_flows, with_milestones
from analytics.i18n import N_, _, format_change, format_date, format_number, format_table_date, ngettext
from analytics.metrics.headline import METHODS, Comparison, Headline
from analytics.metrics.notable import Notable
from analytics.ui import reads, tables, widgets
from analytics.ui.downloads import csv_download_button
from analytics.ui.widgets import Period, chart_config

# Gains and losses in the daily table: the colours of the gains-and-losses chart.
GAIN_STYLE = "color: #1a7f37"
LOSS_STYLE = "color: #c62828"


# --- Formats ------------------------------------------------------------------------------------


def _count(value: float | None) -> str:
    return format_number(value)


def _net(figures: Headline | None) -> float | None:
    return figures.net_change if figures is not None else None


# --- What the account has -------------------------------------------------------------------------


def has_follower_information(series: pd.DataFrame) -> bool:
    """Whether any day says something about followers: a total, or gains and losses."""
    return bool(not series.empty and (series["followers"].notna().any() or series["net"].notna().any()))


def single_list(series: pd.DataFrame) -> bool:
    """One stated total and no gains or losses: a single follower list (or one total)."""
    return bool(not series.empty and anchor_count(series) == 1 and not has_flows(series))


# --- The morning check ----------------------------------------------------------------------------


def morning_check_section(account: str, version: int) -> None:
    """Followers now; the last day's gains, losses and net; the last 7 and 28 days against the 7
    and 28 before. "Yesterday" is the last day with data: exports come a day or more late."""
    check = reads.morning_check(account, version)
    if check.as_of is None:
        return
    # One wrapping row, not st.columns: columns stack one card per row under 640 px, which pushes
    # the 28 days off a phone's first screen; a wrapping row keeps two or three cards per line there
    # and all six on one line at 1440 px. Each card stretches from its own content's width.
    row = st.container(horizontal=True, wrap=True, gap="small", key="morning_check")
    row.metric(
        _("Followers now"), _count(check.followers), border=True, width="stretch",
        help=_("The follower total at the end of {date}.").format(date=format_date(check.followers_date))
        if check.followers_date else _("No export states a follower total."),
    )
    yesterday = check.yesterday
    row.metric(
        _("Since yesterday"), format_change(_net(yesterday)), border=True, width="stretch",
        help=_("Followers at the end of {date} minus at the end of the day before.").format(
            date=format_date(check.as_of)
        ),
    )
    row.metric(
        _("Gained yesterday"), _count(yesterday.gained if yesterday else None), border=True, width="stretch",
        help=_("New followers on {date}; — where only totals are known.").format(date=format_date(check.as_of)),
    )
    row.metric(
        _("Lost yesterday"), _count(yesterday.lost if yesterday else None), border=True, width="stretch",
        help=_("Followers lost on {date}; — where only totals are known.").format(date=format_date(check.as_of)),
    )
    _window_metric(row, _("Last 7 days"), check.last_7, 7)
    _window_metric(row, _("Last 28 days"), check.last_28, 28)
    # Under the figures, as their footnote: above them it pushed the last row off a phone's first screen.
    st.caption(
        _("Latest day with data: {date}. Arrows compare with the same number of days just before.").format(
            date=format_date(check.as_of, "long")
        )
    )


def _window_metric(row: object, label: str, comparison: Comparison | None, days: int) -> None:
    current = comparison.current if comparison else None
    row.metric(  # type: ignore[attr-defined]
        label, format_change(_net(current)), **widgets.change_delta(comparison.change("net") if comparison else None),
        border=True, width="stretch",
        help=ngettext(
            "Net change over the last {n} day, and against the {n} day before.",
            "Net change over the last {n} days, and against the {n} days before.", days,
        ).format(n=format_number(days)),
    )


# --- The notable facts ---------------------------------------------------------------------------


def notable_text(fact: Notable, first_day: dt.date | None) -> str:
    """One plain sentence for a fact of `analytics.metrics.notable.notable_of`, translated."""
    when = format_date(fact.day)
    if fact.kind == "plateau_started":
        return _("A plateau started on {date}: growth stalled.").format(date=when)
    if fact.kind == "plateau_ended":
        return _("A plateau ended on {date}: growth picked up again.").format(date=when)
    if fact.kind == "purge_day":
        return _("Purge day on {date}: {count} followers lost at once.").format(date=when, count=_count(fact.value))
    if fact.kind == "quiet_week":
        return _("No post from {start} to {end}.").format(start=when, end=format_date(fact.end))
    if fact.absolute:
        return _("Passed {count} followers on {date}.").format(count=_count(fact.value), date=when)
    # No stated total: a milestone is a change since the first day, never a follower count.
    return _("Reached {change} since {first} on {date}.").format(
        change=format_change(fact.value), first=format_date(first_day), date=when
    )


def milestone_label(fact: Notable, first_day: dt.date | None) -> str:
    """The short label of a milestone marker on the curve."""
    if fact.absolute:
        return _("{count} followers").format(count=_count(fact.value))
    return _("{change} since {first}").format(change=format_change(fact.value), first=format_date(first_day))


def notable_section(account: str, period: Period, version: int) -> list[Notable]:
    """One sentence naming the most recent notable fact of the period; the others one click away."""
    facts = reads.notable(account, period.start, period.end, version)
    first_day = _first_day(account, version)
    if not facts:
        st.markdown(":material/check_circle: " + _(
            "Nothing notable from {start} to {end}: no plateau, purge day, quiet week or milestone."
        ).format(start=format_date(period.start), end=format_date(period.end)))
        return facts
    # Texts hold dates and numbers only (no untrusted text), but markdown is kept out all the same.
    st.markdown(":material/campaign: " + _escape(notable_text(facts[0], first_day)))
    if len(facts) > 1:
        with st.expander(
            ngettext("{n} more notable day in the period", "{n} more notable days in the period", len(facts) - 1).format(
                n=format_number(len(facts) - 1)
            )
        ):
            for fact in facts[1:]:
                st.text(notable_text(fact, first_day))
    return facts


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_").replace("[", "\\[")


def _first_day(account: str, version: int) -> dt.date | None:
    series = reads.follower_series(account, version)
    changes = series.dropna(subset=["change"]) if not series.empty else series
    return changes["day"].iloc[0].date() if not changes.empty else None


# --- The period's figures ---------------------------------------------------------------------------


def period_section(account: str, period: Period, version: int, followers_known: bool) -> Comparison:
    """The chosen period's headline figures, each with its change against the previous period of
    the same length."""
    comparison = reads.against_previous(account, period.start, period.end, version)
    current = comparison.current
    st.caption(
        ngettext(
            "From {start} to {end} ({n} day), against the day before.",
            "From {start} to {end} ({n} days), against the {n} days before ({previous_start} to {previous_end}).",
            period.days,
        ).format(
            start=format_date(period.start), end=format_date(period.end), n=format_number(period.days),
            previous_start=format_date(period.previous_start), previous_end=format_date(period.previous_end),
        )
    )
    figures = [
        ("followers", _("Followers")), ("net", _("Net change")), ("gained", _("Gained")), ("lost", _("Lost")),
        ("posts", _("Posts")), ("impressions", _("Impressions")),
    ]
    if not followers_known:
        figures = figures[4:]
    # A wrapping row, as the morning check's: two or three cards per line on a phone, not one.
    row = st.container(horizontal=True, wrap=True, gap="small", key="period_figures")
    for name, label in figures:
        if name == "followers":
            value = _count(current.followers)
            # Followers at the end against the end of the previous period: the net change.
            delta = current.net_change if comparison.previous is not None else None
        elif name == "net":
            value, delta = format_change(current.net_change), comparison.change("net")
        else:
            value, delta = _count(getattr(current, name)), comparison.change(name)  # type: ignore[arg-type]
        row.metric(
            label, value, **widgets.change_delta(delta, rise_is_bad=name == "lost"), border=True,
            help=_(METHOD_HELP[name]), width="stretch",
        )
    return comparison


# Beside each figure, its one definition: analytics.metrics.headline.METHODS, the same words everywhere.
METHOD_HELP = METHODS


# --- What the account lacks --------------------------------------------------------------------------


def no_followers_section() -> None:
    """Posts or impressions only (legacy analytics, a content export): no follower chart."""
    st.info(
        _(
            "This account has posts and impressions but no follower information, so there is no follower "
            "curve. Followers come from an export with new follows and unfollows (the X account overview), "
            "a follower list (an X archive, an Instagram or LinkedIn download), a follower-count CSV or "
            "Social Blade, or a follower total you type on the Import page."
        )
    )
    widgets.link_to_import(_("Add follower data"), icon=":material/add_circle:")


def single_list_section(series: pd.DataFrame) -> None:
    """One follower list: its count and its date, not a one-point line chart."""
    known = series.dropna(subset=["followers"])
    row = known.iloc[-1]
    st.info(
        _(
            "{count} followers on {date}, from one follower list. A second list of a later date will show "
            "who followed and who left in between, and the curve."
        ).format(count=_count(float(row["followers"])), date=format_date(row["day"]))
    )


# --- Charts and the daily table ----------------------------------------------------------------------


def curve_section(account: str, period: Period, version: int, facts: list[Notable]) -> None:
    """The follower curve of the period, with its milestones, and the daily gains and losses."""
    figures, series = reads.headline(account, period.start, period.end, version)
    del figures
    if series.empty or not has_follower_information(series):
        st.info(_("No follower data in this period: choose a longer period."))
        return
    first_day = _first_day(account, version)
    marks = [(pd.Timestamp(fact.day), milestone_label(fact, first_day)) for fact in facts if fact.kind == "milestone"]
    st.plotly_chart(
        with_milestones(follower_curve(series), series, marks), config=chart_config(), key="follower_curve"
    )
    if anchors_marked(series):
        st.caption(_(
            "Points mark the days a total was stated (an export's count, a follower list's size, or a "
            "total you entered); between them the curve follows the daily gains and losses, or joins "
            "the points where those are not known."
        ))
    elif anchor_count(series):
        st.caption(ngettext(
            "{n} day of this period has a stated total; the curve follows the daily gains and losses around it.",
            "{n} days of this period have a stated total (an export's count, a follower list's size, or a total "
            "you entered); the curve follows the daily gains and losses between them.",
            anchor_count(series),
        ).format(n=format_number(anchor_count(series))))
    if marks:
        st.caption(_("Stars mark the milestones passed in the period."))
    if has_flows(series):
        st.plotly_chart(gains_losses(series), config=chart_config(), key="gains_losses")
    else:
        # An empty chart would only take room: say in words what would fill it.
        st.caption(_(
            "No daily gains and losses in this period: they come from exports with new follows and "
            "unfollows (the X account overview), or from two follower lists of different dates."
        ))


DAILY_LABELS = {
    "date": N_("Date"), "followers": N_("Followers"), "change": "±", "gained": N_("Gained"),
    "lost": N_("Lost"), "posts": N_("Posts"),
}


def daily_table_section(account: str, period: Period, version: int) -> None:
    """Social Blade's daily table: date, followers, ±, gained, lost, posts, newest first, gains
    green and losses red, and its spreadsheet-safe CSV."""
    table = reads.daily_table(account, period.start, period.end, version)
    if table.empty:
        st.info(_("No daily data in this period: choose a longer period."))
        return
    shown = table.copy()
    shown["date"] = pd.to_datetime(shown["date"]).dt.date
    formats: dict[str, Any] = {
        "date": lambda day: format_table_date(day), "change": lambda v: format_change(v),
        **{name: (lambda v: format_number(v)) for name in ("followers", "gained", "lost", "posts")},
    }
    styled = (
        shown.style
        .format(formats, na_rep="—")
        .map(_sign_style, subset=["change"])
        .map(lambda value: GAIN_STYLE if _positive(value) else "", subset=["gained"])
        .map(lambda value: LOSS_STYLE if _positive(value) else "", subset=["lost"])
        .relabel_index([_(DAILY_LABELS[c]) for c in shown.columns], axis="columns")
    )
    tables.dataframe(styled, hide_index=True, width="stretch", key="overview_daily_table")
    st.caption(_(
        "± is the change of the follower total from the day before; gained and lost are — where the data "
        "has totals only, posts are — where no export counts them."
    ))
    csv_download_button(
        _("Download the daily table (CSV)"), table, f"palier-{_safe(account)}-daily-{period.start}-{period.end}.csv",
        key="overview_daily_csv",
    )


def _positive(value: Any) -> bool:
    return bool(pd.notna(value) and float(value) > 0)


def _sign_style(value: Any) -> str:
    if pd.isna(value) or float(value) == 0:
        return ""
    return GAIN_STYLE if float(value) > 0 else LOSS_STYLE


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "-" for c in name).strip("-.") or "account"
