"""Plotly figures built from the metrics' DataFrames; no streamlit, no store, no SQL.

Keeping figures free of streamlit lets them be tested (and reused by a report) on a DataFrame.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.i18n import N_, _, plotly_locale

FOLLOWERS_COLOR = "#2f5fb3"
ANCHOR_COLOR = "#13294b"
GAINED_COLOR = "#2e9e5b"
LOST_COLOR = "#d1495b"
NET_COLOR = "#30343f"
MUTED_COLOR = "#6b7280"

# The one configuration of every chart's toolbar, in the app (st.plotly_chart) and the report:
# no Plotly logo, no box or lasso selection (nothing on a page reacts to a selection).
CHART_CONFIG: dict[str, object] = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

FONT = "Source Sans, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"

# Plotly reads its default template and builds its layout validators on the first figure a
# process makes (about 0.1 s): done once here, when the pages import their charts as the server
# starts, instead of inside the first visitor's render.
go.Figure(layout={"title": {"text": ""}, "xaxis": {"showgrid": False}, "yaxis": {"tickformat": ",d"}})


def unit_below(axis_title: str) -> str:
    """"Growth per day (% of followers at its start)" as two lines, its unit under its name: the
    rate charts are about 200 pixels tall, and their axis titles (45 characters, more in French)
    ran past both ends of the plot."""
    name, bracket, unit = axis_title.partition(" (")
    return f"{name}<br>({unit}" if bracket else axis_title


def base_layout(fig: go.Figure, title: str, y_title: str, height: int = 380) -> go.Figure:
    """The layout every Palier chart shares: a title, labelled axes, a legend that stays out
    of the data, dates on hover, and the current language's decimal mark and thousands
    separator (month and day names come with `plotly_locale().config` where the figure is drawn)."""
    fig.update_layout(
        separators=plotly_locale().separators,
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        height=height,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        font={"family": FONT, "size": 13},
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    fig.update_xaxes(title_text=None, showgrid=False, ticks="outside", showline=True, linecolor="#c9ccd3")
    fig.update_yaxes(title_text=y_title, gridcolor="#eceef2", zeroline=True, zerolinecolor="#c9ccd3", tickformat=",d")
    localize_date_axes(fig)
    return fig


def _has_dates(values: object) -> bool:
    if values is None:
        return False
    first = next(iter(values), None)  # type: ignore[call-overload]
    return isinstance(first, dt.date | np.datetime64 | pd.Timestamp)


def localize_date_axes(fig: go.Figure) -> go.Figure:
    """Date ticks in the current language's order ("7 févr." in French) on figures whose x is dates."""
    stops = plotly_locale().date_tickformatstops
    if stops and any(_has_dates(getattr(trace, "x", None)) for trace in fig.data):
        fig.update_xaxes(tickformatstops=list(stops))
    return fig


def empty_figure(title: str, message: str, height: int = 260) -> go.Figure:
    """A chart with nothing to draw says so in words instead of showing empty axes."""
    fig = go.Figure()
    fig.add_annotation(
        text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
        font={"size": 15, "color": MUTED_COLOR},
    )
    fig.update_layout(
        separators=plotly_locale().separators,
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        font={"family": FONT},
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return fig


# Bars on a date axis are as wide as Plotly guesses from the closest two bars of the same trace;
# a trace with one bar (a single purge day) gets a sliver that no width of screen shows. Every
# bar on a date axis therefore gets an explicit width: its period in milliseconds, less a gap.
DAY_MS = 86_400_000
BAR_FILL = 0.8

# One name per period, whole sentences so each language words them its own way.
GAINS_LOSSES_TITLES = {
    "day": N_("Followers gained and lost per day"),
    "week": N_("Followers gained and lost per week"),
    "month": N_("Followers gained and lost per month"),
}
GAINS_LOSSES_AXES = {"day": N_("Followers per day"), "week": N_("Followers per week"), "month": N_("Followers per month")}
ONLY_TOTALS_NOTE = N_("Only totals are known: the net change is shown, not gains and losses.")


def gains_losses_title(period: str) -> str:
    """The one name of the gains-and-losses chart, for a period of "day", "week" or "month"."""
    return _(GAINS_LOSSES_TITLES.get(period, GAINS_LOSSES_TITLES["day"]))


def bar_widths(starts: pd.Series, period: str = "day") -> list[float]:
    """The width of each bar starting at `starts` (a day, an ISO week or a calendar month), in ms."""
    if period == "week":
        days = np.full(len(starts), 7.0)
    elif period == "month":
        days = pd.to_datetime(starts).dt.days_in_month.to_numpy(dtype="float64")
    else:
        days = np.ones(len(starts))
    return [float(d * DAY_MS * BAR_FILL) for d in days]


def gains_losses_bars(
    x: pd.Series, gained: pd.Series, lost: pd.Series, net: pd.Series, period: str, hover_date: str, height: int = 340
) -> go.Figure:
    """The one gains-and-losses chart of every page and the report: gains up, losses down, the
    net change as a line, per day, week or month, under one name and in one look."""
    lost = lost.astype("float64")
    widths = bar_widths(x, period)
    # A day's bar is centred on its day; a week's or month's starts on the period's first day, so it
    # spans the days it stands for (offset 0: the bar's left edge at x).
    offset = None if period == "day" else 0
    centres = x
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=centres, y=gained, name=_("Gained"), marker_color=GAINED_COLOR, width=widths, offset=offset,
        hovertemplate="+%{y:,.0f}<extra>" + _("Gained") + "</extra>",
    ))
    fig.add_trace(go.Bar(
        x=centres, y=-lost, name=_("Lost"), marker_color=LOST_COLOR, width=widths, offset=offset, customdata=np.nan_to_num(lost),
        hovertemplate="−%{customdata:,.0f}<extra>" + _("Lost") + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=centres, y=net, name=_("Net"), mode="lines+markers" if len(x) <= 45 else "lines",
        line={"color": NET_COLOR, "width": 1.8}, marker={"size": 5}, connectgaps=False,
        hovertemplate="%{y:+,.0f}<extra>" + _("Net") + "</extra>",
    ))
    base_layout(fig, gains_losses_title(period), _(GAINS_LOSSES_AXES.get(period, GAINS_LOSSES_AXES["day"])), height=height)
    fig.update_layout(barmode="relative", bargap=0.15, hovermode="x unified")
    fig.update_xaxes(hoverformat=hover_date)
    if gained.isna().all() and net.notna().any():
        fig.add_annotation(text=_(ONLY_TOTALS_NOTE), showarrow=False, xref="paper", yref="paper", x=0.5, y=1.0,
                           yanchor="bottom")
    return fig
