"""Churn charts: daily losses with purge days, churn rate per period, step effect and volatility.

Frames and result objects from analytics.metrics.plateaus in, plotly Figures out. (Charts of
who left, from follower lists, live in analytics.charts.lists.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from analytics.charts import (
    LOST_COLOR,
    MUTED_COLOR,
    NET_COLOR,
    bar_widths,
    base_layout,
    empty_figure,
    unit_below,
)
from analytics.charts.growth import (
    PURGE_COLOR,
    SMALL_HEIGHT,
    period_hover,
)
from analytics.i18n import (
    N_,
    _,
    format_change,
    format_number,
    format_percent,
    plotly_locale,
)

if TYPE_CHECKING:
    from analytics.metrics.plateaus import StepEffect

HEIGHT = 380
EXPECTED_COLOR = "#b8bcc6"
CHURN_TITLES = {"day": N_("Churn rate per day"), "week": N_("Churn rate per week"), "month": N_("Churn rate per month")}
CHURN_AXES = {
    "day": N_("Lost per day (% of followers at its start)"),
    "week": N_("Lost per week (% of followers at its start)"),
    "month": N_("Lost per month (% of followers at its start)"),
}


def losses_figure(
    daily: pd.DataFrame, purges: pd.DataFrame, baseline: pd.Series | None = None, title: str | None = None
) -> go.Figure:
    """Daily losses (`day`, `lost` columns), purge days in a stronger colour, the usual level as a line.

    `baseline` (same index as `daily`) is the median the purge test compares with, if given.
    """
    title = title or _("Followers lost per day")
    locale = plotly_locale()
    known = daily[daily["lost"].notna()]
    if known.empty:
        return empty_figure(title, _("No day in this range has known losses."), SMALL_HEIGHT)
    is_purge = known["day"].isin(purges["day"]) if not purges.empty else pd.Series(False, index=known.index)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=known["day"][~is_purge], y=known["lost"][~is_purge], name=_("Ordinary losses"), marker_color=LOST_COLOR,
        width=bar_widths(known["day"][~is_purge]),
        hovertemplate=f"%{{x|{locale.day_hover_format}}}: " + _("%{y:,.0f} lost") + "<extra></extra>",
    ))
    if is_purge.any():
        part = purges.set_index("day").reindex(known["day"][is_purge])
        fig.add_trace(go.Bar(
            x=part.index, y=part["lost"], name=_("Purge day"), marker_color=PURGE_COLOR,
            # One bar alone in its trace: without a width Plotly draws it 0 px wide (issue 14).
            width=bar_widths(pd.Series(part.index)),
            customdata=part[["baseline", "ratio"]].to_numpy(),
            hovertemplate=(f"%{{x|{locale.day_hover_format}}}: "
                           + _("%{y:,.0f} lost, usual %{customdata[0]:,.0f} (x%{customdata[1]:.0f})")
                           + "<extra>" + _("Likely purge") + "</extra>"),
        ))
    if baseline is not None:
        line = baseline.reindex(known.index)
        fig.add_trace(go.Scatter(
            x=known["day"], y=line, mode="lines", name=_("Usual (28-day median)"), line={"color": NET_COLOR, "width": 1},
            hovertemplate=f"%{{x|{locale.date_format}}}: " + _("usual %{y:,.1f}") + "<extra></extra>",
        ))
    fig.update_layout(barmode="overlay", bargap=0.05)
    return base_layout(fig, title, _("Followers lost per day"), HEIGHT)


def churn_rate_figure(churn: pd.DataFrame, granularity: str = "month", title: str | None = None) -> go.Figure:
    """Churn per period (`churn_by_period_of` frame), with and without purge days.

    As % of the followers at the period's start where totals are known, else followers lost per day.
    """
    title = title or _(CHURN_TITLES.get(granularity, CHURN_TITLES["day"]))
    if churn.empty or churn["lost"].isna().all():
        return empty_figure(title, _("No losses known in this range."), SMALL_HEIGHT)
    relative = bool(churn["churn_rate"].notna().any())
    if relative:
        with_purges, without = churn["churn_rate"] * 100, churn["churn_rate_excl_purges"] * 100
        y_title = unit_below(_(CHURN_AXES.get(granularity, CHURN_AXES["day"])))
        fmt = _("%{y:.2f}%")
    else:
        with_purges, without = churn["lost_per_day"], churn["lost_per_day_excl_purges"]
        y_title = _("Followers lost per day")
        fmt = _("%{y:,.1f} a day")
    hover_date = period_hover(granularity)
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=churn["period"], y=without, name=_("Ordinary churn"), marker_color=LOST_COLOR,
        customdata=churn["lost_excl_purges"],
        hovertemplate=f"%{{x|{hover_date}}}: {fmt} " + _("(%{customdata:,.0f} lost)")
        + "<extra>" + _("Excluding purges") + "</extra>",
    ))
    has_purges = bool((churn["purge_excess"].fillna(0) > 0).any())
    if has_purges:
        fig.add_trace(go.Bar(
            x=churn["period"], y=with_purges - without, name=_("Purges"), marker_color=PURGE_COLOR,
            customdata=churn[["purge_excess", "lost"]].to_numpy(),
            hovertemplate=(f"%{{x|{hover_date}}}: "
                           + _("%{customdata[0]:,.0f} lost in purges (%{customdata[1]:,.0f} lost in all)")
                           + "<extra>" + _("Purges") + "</extra>"),
        ))
    fig.update_layout(barmode="stack", bargap=0.15)
    base_layout(fig, title, y_title, SMALL_HEIGHT + 40)
    fig.update_yaxes(tickformat=",.2~f")
    return fig


def step_effect_figure(step: StepEffect, title: str | None = None) -> go.Figure:
    """Observed chance of a loss day after a gain day (and of a gain after a loss), next to what
    independent days would give; the volatility in the subtitle."""
    title = title or _("Step effect: is a good day followed by a bad one?")
    if not step.enough_data or step.p_loss_after_gain is None or step.p_loss is None:
        return empty_figure(title, step.reason or _("Not enough data."), SMALL_HEIGHT)
    labels = [_("Loss day after a gain day")]
    observed = [step.p_loss_after_gain * 100]
    expected = [step.p_loss * 100]
    counts = [_("{count} of {total} gain days").format(count=format_number(step.gain_then_loss), total=format_number(step.gain_days))]
    if step.p_gain_after_loss is not None and step.p_gain is not None:
        labels.append(_("Gain day after a loss day"))
        observed.append(step.p_gain_after_loss * 100)
        expected.append(step.p_gain * 100)
        counts.append(_("{count} of {total} loss days").format(
            count=format_number(step.loss_then_gain), total=format_number(step.loss_days)
        ))
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=labels, y=observed, name=_("Observed"), marker_color=NET_COLOR, customdata=counts,
        text=[format_percent(v / 100, 0) for v in observed], textposition="outside",
        hovertemplate="%{x}: %{y:.1f}% (%{customdata})<extra>" + _("Observed") + "</extra>",
    ))
    fig.add_trace(go.Bar(
        x=labels, y=expected, name=_("If days were independent"), marker_color=EXPECTED_COLOR,
        text=[format_percent(v / 100, 0) for v in expected], textposition="outside",
        hovertemplate="%{x}: %{y:.1f}%<extra>" + _("If days were independent") + "</extra>",
    ))
    fig.update_layout(barmode="group", bargap=0.3)
    base_layout(fig, title, _("Share of next days (%)"), SMALL_HEIGHT + 40)
    fig.update_yaxes(range=[0, 110], tickformat=",d")
    fig.add_annotation(
        text=_(
            "Daily net: {mean} on average, standard deviation {sd}; "
            "day-to-day change: standard deviation {sd_change} ({pairs} pairs of days)"
        ).format(
            mean=format_change(step.mean_net, 1), sd=format_number(step.sd_net, 1),
            sd_change=format_number(step.sd_change, 1), pairs=format_number(step.pairs),
        ),
        showarrow=False, xref="paper", yref="paper", x=0, y=-0.12, xanchor="left", yanchor="top",
        font={"size": 12, "color": MUTED_COLOR},
    )
    fig.update_layout(margin={"b": 60})
    return fig


def volatility_figure(daily: pd.DataFrame, window: int = 28, title: str | None = None) -> go.Figure:
    """Daily net change (`day`, `net`) as bars with a rolling band of +/- one standard deviation."""
    title = title or _("Daily net change and its spread")
    locale = plotly_locale()
    known = daily[daily["net"].notna()]
    if len(known) < 2:
        return empty_figure(title, _("Not enough days with a known change."), SMALL_HEIGHT)
    mean = known["net"].rolling(window, min_periods=min(7, window)).mean()
    sd = known["net"].rolling(window, min_periods=min(7, window)).std()
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=known["day"], y=mean + sd, mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip", name="band top"))
    fig.add_trace(go.Scatter(
        x=known["day"], y=mean - sd, mode="lines", line={"width": 0}, fill="tonexty",
        fillcolor="rgba(48, 52, 63, 0.12)", name=_("{window}-day mean +/- 1 sd").format(window=window), customdata=sd,
        hovertemplate=f"%{{x|{locale.date_format}}}: " + _("standard deviation %{customdata:,.1f}") + "<extra></extra>",
    ))
    colors = [LOST_COLOR if v < 0 else NET_COLOR for v in known["net"]]
    fig.add_trace(go.Bar(x=known["day"], y=known["net"], name=_("Net change"), marker_color=colors,
                         hovertemplate=f"%{{x|{locale.day_hover_format}}}: %{{y:+,.0f}}<extra></extra>"))
    return base_layout(fig, title, _("Net change (followers per day)"), SMALL_HEIGHT + 40)
