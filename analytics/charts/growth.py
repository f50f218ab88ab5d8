"""Growth charts: follower curves with plateaus and purges, gains and losses, rates, projection.

DataFrames (from analytics.metrics.growth / plateaus) in, plotly Figures out; no store, no
Streamlit. An empty input gives a figure that says why instead of blank axes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from analytics.charts import (
    FOLLOWERS_COLOR,
    GAINED_COLOR,
    LOST_COLOR,
    base_layout,
    empty_figure,
    gains_losses_bars,
    gains_losses_title,
    unit_below,
)
from analytics.charts.marks import readable_labels
from analytics.i18n import N_, _, format_date, format_number, plotly_locale

if TYPE_CHECKING:
    from analytics.metrics.growth import Projection

GAIN_COLOR = GAINED_COLOR
LOSS_COLOR = LOST_COLOR
PLATEAU_COLOR = "rgba(233, 196, 106, 0.28)"
PLATEAU_LEGEND_COLOR = "rgba(233, 196, 106, 0.7)"
PURGE_COLOR = "#b3001b"
BAND_COLOR = "rgba(47, 95, 179, 0.15)"
MILESTONE_COLOR = "#7a4fb8"
FOLLOW_DATES_COLOR = "#5b7083"
HEIGHT = 420
SMALL_HEIGHT = 300

# Whole phrases per period, so that each language can word them (and agree them) its own way.
GAINED_LOST_TITLES = {
    "day": N_("Followers gained and lost per day"),
    "week": N_("Followers gained and lost per week"),
    "month": N_("Followers gained and lost per month"),
}
FOLLOWERS_PER = {"day": N_("Followers per day"), "week": N_("Followers per week"), "month": N_("Followers per month")}
GROWTH_TITLES = {"day": N_("Growth rate per day"), "week": N_("Growth rate per week"), "month": N_("Growth rate per month")}
GROWTH_AXES = {
    "day": N_("Growth per day (% of followers at its start)"),
    "week": N_("Growth per week (% of followers at its start)"),
    "month": N_("Growth per month (% of followers at its start)"),
}
PERIOD_AXES = {"day": N_("Date"), "week": N_("Week"), "month": N_("Month")}


def period_hover(granularity: str) -> str:
    """The d3 date format of a period in hovers, in the current language's order."""
    locale = plotly_locale()
    return {"day": locale.day_hover_format, "week": locale.week_hover_format, "month": locale.month_format}.get(
        granularity, locale.date_format
    )


def _phrase(table: dict[str, str], granularity: str) -> str:
    return _(table.get(granularity, table["day"]))


def message_figure(title: str, message: str, height: int = SMALL_HEIGHT) -> go.Figure:
    """A figure that says why there is nothing to draw."""
    return empty_figure(title, message, height)


def _layout(fig: go.Figure, title: str, x_title: str | None, y_title: str, height: int = HEIGHT) -> go.Figure:
    base_layout(fig, title, y_title, height)
    fig.update_xaxes(title_text=x_title)
    return fig


def follower_curve_figure(
    curves: pd.DataFrame,
    plateaus: pd.DataFrame | None = None,
    purges: pd.DataFrame | None = None,
    marked_account: str | None = None,
    title: str | None = None,
    milestones: pd.DataFrame | None = None,
) -> go.Figure:
    """One line per account (`follower_curves` frame); plateaus shaded, purge days marked,
    milestones passed (`milestones_passed` frame: milestone, day) as markers.

    Plateaus, purges and milestones belong to one account, `marked_account` (the first one by
    default): their markers sit on its curve.
    """
    title = title or _("Followers")
    if curves.empty:
        return message_figure(title, _("No follower data in this range."), HEIGHT)
    fig = go.Figure()
    accounts = list(dict.fromkeys(curves["account"].tolist()))
    all_absolute = bool(curves["absolute"].all())
    any_absolute = bool(curves["absolute"].any())
    for number, account in enumerate(accounts):
        part = curves[curves["account"] == account]
        absolute = bool(part["absolute"].iloc[0])
        what = _("followers") if absolute else _("change since first day")
        fig.add_trace(go.Scatter(
            x=part["day"], y=part["value"], mode="lines", name=account or _("Followers"),
            line={"color": FOLLOWERS_COLOR} if number == 0 else None,
            hovertemplate=f"%{{y:,.0f}} {what}<extra>{account}</extra>",
        ))
    marked = marked_account if marked_account is not None else accounts[0]
    if plateaus is not None:
        for row in plateaus.itertuples(index=False):
            # The shaded band covers whole days: to the end of the plateau's last day.
            fig.add_vrect(
                x0=row.start, x1=row.end + pd.Timedelta(days=1), fillcolor=PLATEAU_COLOR, line_width=0, layer="below",
            )
        if not plateaus.empty:
            # A legend entry for the shading, which shapes do not get.
            fig.add_trace(go.Scatter(
                x=[None], y=[None], mode="markers", name=_("Plateau"),
                marker={"symbol": "square", "size": 12, "color": PLATEAU_LEGEND_COLOR},
            ))
    if purges is not None and not purges.empty:
        part = curves[curves["account"] == marked].set_index("day")["value"]
        on_curve = purges[purges["day"].isin(part.index)]
        fig.add_trace(go.Scatter(
            x=on_curve["day"], y=part.reindex(on_curve["day"]).to_numpy(), mode="markers", name=_("Purge day"),
            marker={"symbol": "x", "size": 11, "color": PURGE_COLOR},
            customdata=on_curve[["lost", "baseline"]].to_numpy(),
            hovertemplate=_("Purge: %{customdata[0]:,.0f} lost (usual %{customdata[1]:,.0f})") + "<extra></extra>",
        ))
    if milestones is not None and not milestones.empty:
        part = curves[curves["account"] == marked].set_index("day")["value"]
        days = pd.to_datetime(milestones["day"])
        drawn = days.isin(part.index)
        passed = milestones[drawn.to_numpy()]
        star_values = part.reindex(days[drawn]).to_numpy()
        numbers = [format_number(m) for m in passed["milestone"]]
        readable = readable_labels(list(days[drawn]), [float(v) for v in star_values], numbers, part.index, part)
        fig.add_trace(go.Scatter(
            x=days[drawn], y=star_values, mode="markers+text", name=_("Milestone"),
            marker={"symbol": "star", "size": 12, "color": MILESTONE_COLOR},
            # The round number beside its star: one glance says which one was passed when.
            text=readable.shown, textposition=readable.sides, customdata=numbers,
            textfont={"size": 11, "color": MILESTONE_COLOR},
            hovertemplate=_("Passed %{customdata}") + "<extra></extra>",
        ))
    if all_absolute:
        y_title = _("Followers")
    elif any_absolute:
        y_title = _("Followers (change since first day where no total is known)")
    else:
        y_title = _("Change in followers since first day")
    return _layout(fig, title, _("Date"), y_title)


def follow_dates_figure(by_date: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Current followers by the day they followed (`followers_by_follow_date`: day, followers): a
    step line, since the count only changes on the days someone followed, labelled a lower bound."""
    title = title or _("Your current followers by the day they followed")
    if by_date.empty:
        return message_figure(title, _("No follower in the exports says when they followed."))
    locale = plotly_locale()
    fig = go.Figure(go.Scatter(
        x=by_date["day"], y=by_date["followers"], mode="lines", line={"shape": "hv", "color": FOLLOW_DATES_COLOR},
        fill="tozeroy", fillcolor="rgba(91, 112, 131, 0.12)", name=_("At least"),
        hovertemplate=f"%{{x|{locale.day_hover_format}}}<br>" + _("at least %{y:,.0f} followers") + "<extra></extra>",
    ))
    _layout(fig, title, _("Date"), _("Followers (lower bound)"), SMALL_HEIGHT)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def gains_losses_figure(periods: pd.DataFrame, granularity: str = "day", title: str | None = None) -> go.Figure:
    """Gains up, losses down, net as a line, per period (`resample_of` frame)."""
    title = title or gains_losses_title(granularity)
    if periods.empty:
        return message_figure(title, _("No follower data in this range."), HEIGHT)
    fig = gains_losses_bars(periods["period"], periods["gained"], periods["lost"], periods["net"], granularity,
                            period_hover(granularity), height=HEIGHT)
    if title != gains_losses_title(granularity):
        fig.update_layout(title_text=title)
    return fig


def growth_rate_figure(periods: pd.DataFrame, granularity: str = "month", title: str | None = None) -> go.Figure:
    """Growth rate per period (`growth_rates_of` frame): % of the total where known, else net per day."""
    title = title or _phrase(GROWTH_TITLES, granularity)
    if periods.empty or periods["net"].isna().all():
        return message_figure(title, _("No follower changes known in this range."))
    relative = bool(periods["rate"].notna().any())
    values = periods["rate"] * 100 if relative else periods["net_per_day"]
    colors = [GAIN_COLOR if v >= 0 else LOSS_COLOR for v in values.fillna(0)]
    hover_date = period_hover(granularity)
    if relative:
        hover = f"%{{x|{hover_date}}}: " + _("%{y:+.2f}%% (net %{customdata:+,.0f})") + "<extra></extra>"
        y_title = unit_below(_phrase(GROWTH_AXES, granularity))
    else:
        hover = f"%{{x|{hover_date}}}: " + _("%{y:+,.1f} a day (net %{customdata:+,.0f})") + "<extra></extra>"
        y_title = _("Net change per day (followers)")
    fig = go.Figure(go.Bar(
        x=periods["period"], y=values, marker_color=colors, customdata=periods["net"], hovertemplate=hover,
        name=_("Growth rate"),
    ))
    fig = _layout(fig, title, _phrase(PERIOD_AXES, granularity), y_title, SMALL_HEIGHT + 40)
    # Rates are small fractions: whole-number ticks would read 0, 0, 1.
    fig.update_yaxes(tickformat=",.2~f")
    fig.update_layout(showlegend=False)
    return fig


def projection_figure(
    series: pd.DataFrame, projection: Projection, history_days: int = 180, title: str | None = None
) -> go.Figure:
    """Recent curve, the trend line with its band, the milestone and when it is reached."""
    title = title or _("Projection")
    if not projection.enough_data or projection.path is None:
        return message_figure(title, projection.reason or _("Not enough data to project."), HEIGHT)
    level_col = "followers" if projection.absolute else "change"
    what = _("followers") if projection.absolute else _("change since first day")
    day = plotly_locale().date_format
    recent = series[series["day"] > series["day"].max() - pd.Timedelta(days=history_days)]
    path = projection.path
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=recent["day"], y=recent[level_col], mode="lines", name=_("Followers"), line={"color": FOLLOWERS_COLOR},
        hovertemplate=f"%{{x|{day}}}: %{{y:,.0f}} {what}<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=path["day"], y=path["high"], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip",
        name="band top",
    ))
    fig.add_trace(go.Scatter(
        x=path["day"], y=path["low"], mode="lines", line={"width": 0}, fill="tonexty", fillcolor=BAND_COLOR,
        name=_("95% band"), customdata=path["high"],
        hovertemplate=f"%{{x|{day}}}: " + _("%{y:,.0f} to %{customdata:,.0f}") + "<extra>" + _("95% band") + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=path["day"], y=path["expected"], mode="lines", name=_("Trend"), line={"dash": "dash", "color": FOLLOWERS_COLOR},
        hovertemplate=f"%{{x|{day}}}: "
        + _("%{{y:,.0f}} expected ({trend} a day)").format(trend=format_number(projection.trend_per_day or 0, 1))
        + "<extra></extra>",
    ))
    if projection.milestone is not None:
        fig.add_hline(
            y=projection.milestone, line={"color": GAIN_COLOR, "dash": "dot"},
            annotation_text=format_number(projection.milestone), annotation_position="top left",
        )
    if projection.reached_on is not None:
        reached = pd.Timestamp(projection.reached_on)
        fig.add_trace(go.Scatter(
            x=[reached], y=[projection.milestone], mode="markers", name=_("Milestone reached"),
            marker={"size": 10, "color": GAIN_COLOR},
            hovertemplate=_reach_text(projection) + "<extra></extra>",
        ))
    elif projection.reason:
        fig.add_annotation(text=projection.reason, showarrow=False, xref="paper", yref="paper", x=0.5, y=1.0,
                           yanchor="bottom")
    y_title = _("Followers") if projection.absolute else _("Change in followers since first day")
    return _layout(fig, title, _("Date"), y_title)


def _reach_text(projection: Projection) -> str:
    assert projection.reached_on is not None and projection.milestone is not None
    text = _("{milestone} around {day}").format(
        milestone=projection.milestone_label, day=format_date(projection.reached_on)
    )
    if projection.reached_earliest is not None and projection.reached_latest is not None:
        text += " " + _("(between {earliest} and {latest})").format(
            earliest=format_date(projection.reached_earliest), latest=format_date(projection.reached_latest)
        )
    elif projection.reached_earliest is not None:
        text += " " + _("(from {earliest}; maybe never at the low end)").format(earliest=format_date(projection.reached_earliest))
    return text
