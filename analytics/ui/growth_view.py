"""The Growth page's parts: this period against earlier ones, gains and losses per period, and
the projection with the milestones passed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import streamlit as st

from analytics.charts.growth import gains_losses_figure, growth_rate_figure, projection_figure
from analytics.i18n import _, format_date, format_number
from analytics.metrics.growth import GRANULARITIES, MIN_DAYS, PROJECTION_METHOD, RATE_METHOD, Granularity, PeriodFigures
from analytics.ui import reads
from analytics.ui.widgets import CHART_CONFIG, link_to_import

GRANULARITY_LABELS = {"day": "Day", "week": "Week", "month": "Month"}


def _row(label: str, figures: PeriodFigures) -> dict[str, object]:
    return {"Period": label, "From": figures.start, "To": figures.end, "Gained": figures.gained,
            "Lost": figures.lost, "Net": figures.net, "Growth rate": figures.rate,
            "Net per day": figures.net_per_day}


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
        _("Followers"), f"{current.followers_end:,.0f}" if current.followers_end is not None else "—", border=True,
        help=_("The total on {date}.").format(date=format_date(current.end)) if current.followers_end is not None
        else _("No follower total is known: only the change is."),
    )
    cols[1].metric(
        _("Net change"), f"{current.net:+,.0f}" if current.net is not None else "—",
        delta=_("{change} vs previous period").format(change=f"{comparison.net_vs_previous:+,.0f}")
        if comparison.net_vs_previous is not None else None,
        border=True, help=_("Followers gained minus lost over the period, against the same number of days before it."),
    )
    cols[2].metric(
        _("Growth rate"), f"{current.rate:+.2%}" if current.rate is not None else "—", border=True,
        help=_("Net change divided by the total on the day before the period starts.")
        if current.rate is not None else _("Needs a follower total at the start of the period."),
    )
    cols[3].metric(
        _("Per day"), f"{current.net_per_day:+,.1f}" if current.net_per_day is not None else "—", border=True,
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
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, key="growth_comparison",
            column_config={
                "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "Gained": st.column_config.NumberColumn(format="%d"),
                "Lost": st.column_config.NumberColumn(format="%d"),
                "Net": st.column_config.NumberColumn(format="%+d"),
                "Growth rate": st.column_config.NumberColumn(format="percent"),
                "Net per day": st.column_config.NumberColumn(format="%+.1f"),
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


@st.fragment
def periods_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Gains, losses and growth rate per day, week or month; a fragment, so the choice reruns only this part."""
    default = _default_granularity((end - start).days + 1)
    # The key holds the default: a much longer or shorter period starts again from a readable one.
    granularity: Granularity = st.segmented_control(
        "Per", GRANULARITIES, default=default, required=True,
        format_func=lambda g: GRANULARITY_LABELS[g], key=f"growth_granularity:{default}",
    ) or default
    periods = reads.growth_periods(account, granularity, start, end, version)
    if periods.empty or periods["net"].isna().all():
        st.info("No follower change is known in this period.")
        return
    st.plotly_chart(gains_losses_figure(periods, granularity), config=CHART_CONFIG, key="growth_gains_losses")
    st.plotly_chart(growth_rate_figure(periods, granularity), config=CHART_CONFIG, key="growth_rate")
    with st.expander("How the growth rate is computed"):
        st.markdown(RATE_METHOD)

    st.markdown(f"**Best and worst {granularity}s** (by net change; only complete {granularity}s compete)")
    best_worst = reads.best_and_worst(account, granularity, start, end, version)
    if best_worst.empty:
        st.info(f"Not enough data: no complete {granularity} with a known change in this period.")
        return
    # Numbers as floats (an unknown rate is blank, never "None"); the rank column has a name.
    shown = pd.DataFrame({
        _("Rank"): best_worst["which"].astype("object").map({"best": _("Best"), "worst": _("Worst")}),
        GRANULARITY_LABELS[granularity]: best_worst["period"],
        "Gained": pd.to_numeric(best_worst["gained"], errors="coerce").astype("float64"),
        "Lost": pd.to_numeric(best_worst["lost"], errors="coerce").astype("float64"),
        "Net": pd.to_numeric(best_worst["net"], errors="coerce").astype("float64"),
        "Growth rate": pd.to_numeric(best_worst["rate"], errors="coerce").astype("float64"),
        "Net per day": pd.to_numeric(best_worst["net_per_day"], errors="coerce").astype("float64"),
    })
    st.dataframe(
        shown, hide_index=True, key="growth_best_worst",
        column_config={
            GRANULARITY_LABELS[granularity]: st.column_config.DateColumn(
                format={"day": "ddd D MMM YYYY", "week": "[Week of] D MMM YYYY", "month": "MMMM YYYY"}[granularity]
            ),
            "Gained": st.column_config.NumberColumn(format="%d"),
            "Lost": st.column_config.NumberColumn(format="%d"),
            "Net": st.column_config.NumberColumn(format="%+d"),
            "Growth rate": st.column_config.NumberColumn(format="percent"),
            "Net per day": st.column_config.NumberColumn(format="%+.1f"),
        },
    )




def milestones_and_projection(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The next milestone and when the current trend reaches it; the milestones passed in the period."""
    projected = reads.projection(account, version)
    if not projected.enough_data:
        st.info(projected.reason or f"Not enough data: at least {MIN_DAYS} days are needed to project.")
    else:
        unit = "followers" if projected.absolute else "followers gained since the first day"
        cols = st.columns(4)
        cols[0].metric(
            _("Next milestone"),
            # Without a stated total the milestone is a change since the first day, never a count.
            (f"{projected.milestone:,}" if projected.absolute else projected.milestone_label or "—")
            if projected.milestone is not None else "—", border=True,
            help=f"The next round number above {projected.level:,.0f} {unit} on {projected.as_of:%d %b %Y}.",
        )
        cols[1].metric(
            "Expected around", f"{projected.reached_on:%d %b %Y}" if projected.reached_on else "Not at this trend",
            border=True,
            help=f"Trend: {projected.trend_per_day:+,.1f} a day over the last {projected.window_days} days.",
        )
        reached = projected.reached_on is not None
        cols[2].metric(
            "Earliest (95%)", f"{projected.reached_earliest:%d %b %Y}" if reached and projected.reached_earliest else "—",
            border=True, help="When the top of the 95% band reaches the milestone.",
        )
        cols[3].metric(
            "Latest (95%)",
            f"{projected.reached_latest:%d %b %Y}" if reached and projected.reached_latest else ("Maybe never" if reached else "—"),
            border=True, help="When the bottom of the 95% band reaches it; maybe never when the bottom does not rise.",
        )
        if projected.reason:
            st.info(projected.reason)
        st.plotly_chart(
            projection_figure(reads.follower_series(account, version), projected), config=CHART_CONFIG,
            key="growth_projection",
        )
        if not projected.absolute:
            st.caption("No follower total is known: the projection is of the change since the first day of data.")
    with st.expander("How the projection is made"):
        st.markdown(PROJECTION_METHOD)
