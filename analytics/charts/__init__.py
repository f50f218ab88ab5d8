"""Plotly figures built from the metrics' DataFrames; no streamlit, no store, no SQL.

Keeping figures free of streamlit lets them be tested (and reused by a report) on a DataFrame.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.i18n import plotly_locale

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
