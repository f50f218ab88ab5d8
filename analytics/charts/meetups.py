"""Meetups charts: the turnout of followers per event.

The frame is `analytics.metrics.meetups.turnout`. Event names come from the user's form but
may be pasted from anywhere: Plotly reads a subset of HTML in labels (including links), so
every name is HTML-escaped before it becomes a category or a hover text.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from analytics.charts import (
    FOLLOWERS_COLOR,
    GAINED_COLOR,
    MUTED_COLOR,
    base_layout,
    empty_figure,
)
from analytics.i18n import _, format_date, format_number

ATTENDEES_COLOR = "#c9ccd3"
MAX_LABEL = 28


def _label(name: object, day: object) -> str:
    """The event's name over its day: side by side, two events' labels ran into each other on a
    phone ("Apéro open data (3 juin 2026)Meetup Data…")."""
    text = str(name)
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    return html.escape(text) + "<br>" + html.escape(format_date(pd.Timestamp(day)))  # type: ignore[arg-type]


def turnout_figure(turnout: pd.DataFrame, within_days: int = 30) -> go.Figure:
    """Per event, oldest first: attendees, attendees matched to followers, of whom followers
    the day before, and followers gained within `within_days` after."""
    title = _("Turnout of followers by event")
    if turnout.empty:
        return empty_figure(title, _("No event yet: add an attendee list above."))
    table = turnout.sort_values(["event_date", "event_id"]).reset_index(drop=True)
    # Two events of the same name and day stay two bars: the id breaks the tie invisibly.
    labels = [_label(n, d) for n, d in zip(table["name"], table["event_date"], strict=True)]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} #{int(table['event_id'].iloc[i])}"
    series = (
        (_("Attendees"), "attendees", ATTENDEES_COLOR),
        (_("Matched to followers"), "matched", FOLLOWERS_COLOR),
        (_("Followers the day before"), "followers_before", MUTED_COLOR),
        (_("Followed within {count} days").format(count=within_days), "followed_after", GAINED_COLOR),
    )
    fig = go.Figure()
    for name, column, color in series:
        values = table[column].astype("int64").tolist()
        fig.add_bar(
            x=labels,
            y=values,
            name=name,
            marker_color=color,
            text=[format_number(v) for v in values],
            textposition="outside",
            hovertemplate="%{x}<br>" + html.escape(name) + ": %{y}<extra></extra>",
        )
    base_layout(fig, title, _("People"))
    # Four series: on a phone their legend wraps to four lines, which above the plot would run over
    # the title; below the plot it only pushes the margin down.
    fig.update_layout(barmode="group", bargap=0.25,
                      legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.3 if len(labels) <= 4 else -0.5,
                              "yanchor": "top"})
    fig.update_xaxes(type="category", tickangle=0 if len(labels) <= 4 else -30)
    top = max(int(table["attendees"].max()), 1)
    fig.update_yaxes(range=[0, top * 1.18])
    return fig
