"""The Growth page's parts: this period against earlier ones, gains and losses per period, and
the projection with the milestones passed."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from analytics.charts.growth import gains_losses_figure, growth_rate_figure, projection_figure
from analytics.i18n import N_, _, format_change, format_date, format_number, format_percent
from analytics.i18n.formats import MINUS
from analytics.metrics.growth import GRANULARITIES, MIN_DAYS, RATE_METHOD, Granularity, PeriodFigures, projection_method
from analytics.ui import lang, reads, tables
from analytics.ui.tables import localized
from analytics.ui.widgets import change_delta, chart_config, link_to_import

GRANULARITY_LABELS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
# The comparison and best-and-worst tables' columns: English names, shown through _().
GAINED, LOST, NET, RATE, NET_PER_DAY = N_("Gained"), N_("Lost"), N_("Net"), N_("Growth rate"), N_("Net per day")


def _number_columns() -> dict[str, Any]:
    # No format: the numbers read as the Styler of `_numbers` writes them, in the reader's language.
    return {_(column): st.column_config.NumberColumn() for column in (GAINED, LOST, NET, RATE, NET_PER_DAY)}


def _numbers(frame: pd.DataFrame) -> Styler:
    """The comparison and best-and-worst tables' numbers in the reader's language."""
    return localized(frame, {_(GAINED): tables.number(), _(LOST): tables.number(), _(NET): tables.change(),
                             _(RATE): tables.percent(2), _(NET_PER_DAY): tables.change(1)})


# Whole sentences per unit: "best and worst weeks" is not "best and worst week" + "s" in French.
BEST_AND_WORST = {
    "day": lambda: _("**Best and worst days** (by net change; only complete days compete)"),
    "week": lambda: _("**Best and worst weeks** (by net change; only complete weeks compete)"),
    "month": lambda: _("**Best and worst months** (by net change; only complete months compete)"),
}
NO_COMPLETE = {
    "day": lambda: _("Not enough data: no complete day with a known change in this period."),
    "week": lambda: _("Not enough data: no complete week with a known change in this period."),
    "month": lambda: _("Not enough data: no complete month with a known change in this period."),
}


def _period_label(granularity: Granularity, day: Any) -> str:
    """A day, a week or a month as the best-and-worst table names it: "dim. 25 oct. 2026",
    "Week of 19 Oct 2026", "octobre 2026"."""
    if granularity == "day":
        return format_date(day, "EEE d MMM y")  # type: ignore[arg-type]  # a CLDR pattern, passed through
    if granularity == "week":
        return _("Week of {date}").format(date=format_date(day, "d MMM y"))  # type: ignore[arg-type]
    return format_date(day, "LLLL y")  # type: ignore[arg-type]


def _signed_percent(ratio: float) -> str:
    return ("+" if ratio >= 0 else MINUS) + format_percent(abs(ratio), 2, fixed=True)


def _row(label: str, figures: PeriodFigures) -> dict[str, object]:
    return {_("Period"): label, _("From"): figures.start, _("To"): figures.end, _(GAINED): figures.gained,
            _(LOST): figures.lost, _(NET): figures.net, _(RATE): figures.rate, _(NET_PER_DAY): figures.net_per_day}


FollowerShape = Literal["curve", "one", "none"]


def follower_shape(account: str, version: int) -> FollowerShape:
    """What the account's follower data can draw: a curve (totals or changes on several days),
    one count (a single follower list), or nothing (posts or impressions only)."""
    series = reads.follower_series(account, version)
    if series.empty:
        return "none"
    totals = int(series["followers"].notna().sum())
    changes = int(series["net"].notna().sum())
    if totals == 0 and changes == 0:
        return "none"
    # A single list sets one total and no change: a line through one point says nothing.
    if changes == 0 and int(series["anchor"].fillna(False).sum()) <= 1:
        return "one"
    return "curve"


def no_follower_data(account: str, version: int) -> None:
    """An account whose exports say nothing about followers: what it has, and what would add them."""
    st.info(_(
        "No follower information for this account: its imports hold posts or impressions only, so there is "
        "no follower chart. A follower count comes from an X overview export (daily new follows and "
        "unfollows), a follower-count CSV or Social Blade history, or a follower list (an X archive, an "
        "Instagram or LinkedIn download, Bluesky or Mastodon); the Activity page shows the posts."
    ), icon=":material/info:")
    link_to_import(_("Import follower data"))


def one_count(account: str, version: int) -> None:
    """An account with one follower list: its count and its date; a curve needs a second list."""
    series = reads.follower_series(account, version)
    known = series.dropna(subset=["followers"])
    count, day = float(known["followers"].iloc[-1]), known["day"].iloc[-1]
    st.metric(
        _("Followers on {date}").format(date=format_date(day)), format_number(count), border=True,
        help=_("The size of the follower list of that day."),
    )
    st.info(_(
        "One follower list so far: its count and date, no curve yet. Import a later list of the same account "
        "(or a follower-count history) to see how it grows; the Audience page reads this list already."
    ), icon=":material/history:")


def headline_figures(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The period's headline figures: followers, net change against the period before, rate, per day."""
    comparison = reads.period_comparison(account, start, end, version)
    current = comparison.current
    if current is None:
        st.info(comparison.reason or _("No figures for this period."))
        return
    # One wrapping row, not st.columns: two cards a line on a phone instead of one (metrics stretch).
    cols = [st.container(horizontal=True, wrap=True, gap="small")] * 4
    cols[0].metric(
        _("Followers"), format_number(current.followers_end), border=True,
        help=_("The total on {date}.").format(date=format_date(current.end)) if current.followers_end is not None
        else _("No follower total is known: only the change is."),
    )
    cols[1].metric(
        _("Net change"), format_change(current.net),
        **change_delta(comparison.net_vs_previous, _("{change} vs previous period")),
        border=True, help=_("Followers gained minus lost over the period, against the same number of days before it."),
    )
    cols[2].metric(
        _("Growth rate"), _signed_percent(current.rate) if current.rate is not None else "—", border=True,
        help=_("Net change divided by the total on the day before the period starts.")
        if current.rate is not None else _("Needs a follower total at the start of the period."),
    )
    cols[3].metric(
        _("Per day"), format_change(current.net_per_day, 1), border=True,
        help=_("Net change per day of the period."),
    )


def comparison(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The period beside the period before and the same dates a year earlier, as a table."""
    comparison = reads.period_comparison(account, start, end, version)
    current = comparison.current
    if current is None:
        st.info(comparison.reason or _("No figures for this period."))
        return
    rows = [_row(_("This period"), current)]
    if comparison.previous is not None:
        rows.append(_row(_("Previous period (as many days)"), comparison.previous))
    if comparison.last_year is not None:
        rows.append(_row(_("Same dates a year earlier"), comparison.last_year))
    if len(rows) > 1:
        tables.dataframe(
            _numbers(pd.DataFrame(rows)), hide_index=True, key="growth_comparison",
            column_config={
                _("From"): st.column_config.DateColumn(format=tables.date_column_format()),
                _("To"): st.column_config.DateColumn(format=tables.date_column_format()),
                **_number_columns(),
            },
        )
    # The data not reaching back is a fact about the imports, not an error: said calmly, once.
    if comparison.previous_reason:
        st.info(_("No comparison with the previous period: {reason}").format(reason=comparison.previous_reason),
                icon=":material/history:")
    if comparison.last_year_reason:
        st.info(_("No comparison with the same dates a year earlier: {reason}").format(
            reason=comparison.last_year_reason), icon=":material/history:")


def milestones_line(passed: pd.DataFrame) -> None:
    """The milestones passed in the period, as one sentence under the curve that marks them."""
    if passed.empty:
        return
    # One line rather than a table: a dozen round numbers read best as a sentence.
    passed_text = ", ".join(
        _("{milestone} ({date})").format(milestone=format_number(m), date=format_date(d))
        for m, d in zip(passed["milestone"], passed["day"], strict=True)
    )
    st.markdown(_("**Milestones passed in this period:** {milestones}.").format(milestones=passed_text))


def _default_granularity(days: int) -> Granularity:
    # About 30 to 80 bars: readable on a laptop whatever the period.
    return "day" if days <= 90 else ("week" if days <= 550 else "month")


@lang.fragment
def periods_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Gains, losses and growth rate per day, week or month; a fragment, so the choice reruns only this part."""
    default = _default_granularity((end - start).days + 1)
    # The key holds the default: a much longer or shorter period starts again from a readable one.
    granularity: Granularity = st.segmented_control(
        _("Per"), GRANULARITIES, default=default, required=True,
        format_func=lambda g: _(GRANULARITY_LABELS[g]), key=f"growth_granularity:{default}",
    ) or default
    periods = reads.growth_periods(account, granularity, start, end, version)
    if periods.empty or periods["net"].isna().all():
        st.info(_("No follower change is known in this period."))
        return
    st.plotly_chart(gains_losses_figure(periods, granularity), config=chart_config(), key="growth_gains_losses")
    st.plotly_chart(growth_rate_figure(periods, granularity), config=chart_config(), key="growth_rate")
    with st.expander(_("How the growth rate is computed")):
        st.markdown(_(RATE_METHOD))

    st.markdown(BEST_AND_WORST[granularity]())
    best_worst = reads.best_and_worst(account, granularity, start, end, version)
    if best_worst.empty:
        st.info(NO_COMPLETE[granularity]())
        return
    # Numbers as floats (an unknown rate is blank, never "None"); the rank column has a name.
    shown = pd.DataFrame({
        _("Rank"): best_worst["which"].astype("object").map({"best": _("Best"), "worst": _("Worst")}),
        # Written by Babel, in the reader's language: the table's date formats speak English only.
        _(GRANULARITY_LABELS[granularity]): [_period_label(granularity, d) for d in best_worst["period"]],
        _(GAINED): pd.to_numeric(best_worst["gained"], errors="coerce").astype("float64"),
        _(LOST): pd.to_numeric(best_worst["lost"], errors="coerce").astype("float64"),
        _(NET): pd.to_numeric(best_worst["net"], errors="coerce").astype("float64"),
        _(RATE): pd.to_numeric(best_worst["rate"], errors="coerce").astype("float64"),
        _(NET_PER_DAY): pd.to_numeric(best_worst["net_per_day"], errors="coerce").astype("float64"),
    })
    tables.dataframe(
        _numbers(shown), hide_index=True, key="growth_best_worst",
        column_config={
            **_number_columns(),
        },
    )




def milestones_and_projection(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The next milestone and when the current trend reaches it; the milestones passed in the period."""
    projected = reads.projection(account, version)
    if not projected.enough_data:
        st.info(projected.reason or _("Not enough data: at least {days} days are needed to project.").format(days=MIN_DAYS))
    else:
        cols = st.columns(4)
        cols[0].metric(
            _("Next milestone"),
            # Without a stated total the milestone is a change since the first day, never a count.
            (format_number(projected.milestone) if projected.absolute else projected.milestone_label or "—")
            if projected.milestone is not None else "—", border=True,
            help=(_("The next round number above {level} followers on {date}.") if projected.absolute
                  else _("The next round number above {level} followers gained since the first day, on {date}.")).format(
                level=format_number(projected.level), date=format_date(projected.as_of)),
        )
        cols[1].metric(
            _("Expected around"), format_date(projected.reached_on) if projected.reached_on else _("Not at this trend"),
            border=True,
            help=_("Trend: {trend} a day over the last {days} days.").format(
                trend=format_change(projected.trend_per_day, 1), days=projected.window_days),
        )
        reached = projected.reached_on is not None
        cols[2].metric(
            _("Earliest (95%)"), format_date(projected.reached_earliest) if reached and projected.reached_earliest else "—",
            border=True, help=_("When the top of the 95% band reaches the milestone."),
        )
        cols[3].metric(
            _("Latest (95%)"),
            format_date(projected.reached_latest) if reached and projected.reached_latest
            else (_("Maybe never") if reached else "—"),
            border=True, help=_("When the bottom of the 95% band reaches it; maybe never when the bottom does not rise."),
        )
        if projected.reason:
            st.info(projected.reason)
        st.plotly_chart(
            projection_figure(reads.follower_series(account, version), projected), config=chart_config(),
            key="growth_projection",
        )
        if not projected.absolute:
            st.caption(_("No follower total is known: the projection is of the change since the first day of data."))
    with st.expander(_("How the projection is made")):
        st.markdown(projection_method())
