"""The Overview page's charts: the follower curve, and daily gains and losses.

Both take the output of `analytics.metrics.followers.follower_series` (already cut to the
period): day, followers, change, gained, lost, net, anchor, listed, flow_source, impressions.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.charts import (
    ANCHOR_COLOR,
    FOLLOWERS_COLOR,
    base_layout,
    empty_figure,
    gains_losses_bars,
    gains_losses_title,
)
from analytics.charts.marks import readable_labels
from analytics.i18n import _, format_date, plotly_locale

# Past this many days, daily bars are thinner than a pixel on a laptop screen: show weeks.
WEEKLY_AFTER_DAYS = 120
# Milestones stand out from the curve (blue) and the stated totals (grey rings).
MILESTONE_COLOR = "#b8860b"
# Past this many stated totals (daily follower lists state one every day), the points would
# bury the line: the curve itself is then made of stated totals, and the caption says so.
ANCHOR_POINTS_MAX = 60


def anchor_count(series: pd.DataFrame) -> int:
    """Days of the series with a stated total (an export's count, a list's size, a typed total)."""
    if series.empty:
        return 0
    return int((series["anchor"].fillna(False).astype(bool) & series["followers"].notna()).sum())


def anchors_marked(series: pd.DataFrame) -> bool:
    """Whether the follower curve marks its stated totals as points."""
    return 0 < anchor_count(series) <= ANCHOR_POINTS_MAX


def is_absolute(series: pd.DataFrame) -> bool:
    """Whether the series knows real follower totals (else only changes)."""
    return bool(not series.empty and series["followers"].notna().any())


def has_flows(series: pd.DataFrame) -> bool:
    """Whether any day of the series says how many followers came and went."""
    return bool(not series.empty and series["net"].notna().any())


def follower_curve(series: pd.DataFrame) -> go.Figure:
    """Absolute followers where the data has a total (anchor days as points); otherwise the
    change since the first day of the period, labelled as such, never an invented total."""
    if series.empty:
        return empty_figure(_("Followers"), _("No data in this period"))
    days = pd.to_datetime(series["day"])
    day_hover = plotly_locale().day_hover_format
    fig = go.Figure()
    if is_absolute(series):
        followers = series["followers"].astype("float64")
        known = int(followers.notna().sum())
        fig.add_trace(
            go.Scatter(
                x=days, y=followers, name=_("Followers"), mode="lines+markers" if known <= 2 else "lines",
                line={"color": FOLLOWERS_COLOR, "width": 2.5}, connectgaps=True,
                hovertemplate=f"%{{x|{day_hover}}}<br>" + _("<b>%{y:,.0f}</b> followers") + "<extra></extra>",
            )
        )
        anchored = series["anchor"].fillna(False).astype(bool) & followers.notna()
        if anchors_marked(series):
            fig.add_trace(
                go.Scatter(
                    x=days[anchored], y=followers[anchored], name=_("Stated total"), mode="markers",
                    marker={"color": "white", "size": 8, "line": {"color": ANCHOR_COLOR, "width": 2}},
                    hovertemplate=(
                        f"%{{x|{day_hover}}}<br>" + _("<b>%{y:,.0f}</b> followers")
                        + "<br>" + _("stated by an export, a list or you") + "<extra></extra>"
                    ),
                )
            )
        base_layout(fig, _("Followers"), _("Followers"))
        if len(fig.data) == 1:
            # One line needs no legend, nor the room kept for it above the plot.
            fig.update_layout(showlegend=False, margin={"t": 50})
        return fig

    first = days.iloc[0]
    since = format_date(first)
    change = series["change"].astype("float64") - float(series["change"].iloc[0])
    # Days no source speaks for are gaps, not flat stretches: a flat line would claim "no change".
    unknown = series["net"].isna()
    unknown.iloc[0] = False
    change = change.mask(unknown)
    fig.add_trace(
        go.Scatter(
            x=days, y=change, name=_("Change since {date}").format(date=since), mode="lines",
            line={"color": FOLLOWERS_COLOR, "width": 2.5}, connectgaps=True,
            hovertemplate=f"%{{x|{day_hover}}}<br>" + _("<b>%{{y:+,.0f}}</b> since {date}").format(date=since) + "<extra></extra>",
        )
    )
    base_layout(fig, _("Follower change since {date}").format(date=since), _("Change since {date}").format(date=since))
    fig.update_layout(
        title={"subtitle": {"text": _("This data has no follower total: the curve adds up gains minus losses.")}},
        showlegend=False,
    )
    fig.update_yaxes(tickformat="+,d")
    return fig


def _by_period(series: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    flows = series[["day", "gained", "lost", "net"]].copy()
    flows["day"] = pd.to_datetime(flows["day"])
    if len(flows) <= WEEKLY_AFTER_DAYS:
        return flows, "day"
    # min_count=1: a week no source speaks for stays unknown instead of reading as zero.
    weekly = flows.set_index("day").resample("W-MON", label="left", closed="left").sum(min_count=1)
    return weekly.reset_index(), "week"


def gains_losses(series: pd.DataFrame) -> go.Figure:
    """Followers gained (bars up), lost (bars down) and the net change (a line), per day, or
    per week over long periods."""
    if not has_flows(series):
        return empty_figure(
            gains_losses_title("day"),
            _(
                "No daily gains or losses in this data: they come from exports with new follows and "
                "unfollows,<br>or from two follower lists of different dates."
            ),
        )
    flows, period = _by_period(series)
    locale = plotly_locale()
    hover_date = locale.week_hover_format if period == "week" else locale.day_hover_format
    fig = gains_losses_bars(flows["day"], flows["gained"], flows["lost"], flows["net"], period, hover_date)
    return fig


def with_milestones(fig: go.Figure, series: pd.DataFrame, marks: list[tuple[pd.Timestamp, str]]) -> go.Figure:
    """Milestones as markers on the follower curve of `follower_curve(series)`: one point per
    (day, label), on the curve's own value that day, the label beside it and in the hover.
    The labels come from the caller, already worded: a follower total ("4,000 followers") only
    where the data has totals, else a change ("+4,000 since 7 Sep 2024")."""
    if series.empty or not marks or not fig.data:
        return fig
    curve = fig.data[0]
    by_day = pd.Series(list(curve.y), index=pd.to_datetime(pd.Series(list(curve.x)))).astype("float64")
    days, values, labels = [], [], []
    for day, label in marks:
        when = pd.Timestamp(day)
        if when in by_day.index and pd.notna(by_day[when]):
            days.append(when)
            values.append(float(by_day[when]))
            labels.append(label)
    if not days:
        return fig
    readable = readable_labels(days, values, labels, by_day.index, by_day)
    fig.add_trace(
        go.Scatter(
            x=days, y=values, name=_("Milestone"), mode="markers+text", text=readable.shown,
            textposition=readable.sides, customdata=labels,
            marker={"symbol": "star", "size": 14, "color": MILESTONE_COLOR, "line": {"color": "white", "width": 1}},
            textfont={"size": 12, "color": MILESTONE_COLOR}, cliponaxis=False,
            hovertemplate=f"%{{x|{plotly_locale().day_hover_format}}}<br>%{{customdata}}<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    return fig
