"""Charts of follower-list churn: cohort retention heatmap, joined / left bars per snapshot.

DataFrame in, plotly Figure out; the frames are those of `analytics.metrics.lists`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.charts import FONT, GAINED_COLOR, LOST_COLOR, base_layout, empty_figure
from analytics.i18n import (
    _,
    format_date,
    format_number,
    format_percent,
    ngettext,
    plotly_locale,
)


def _weeks_label(k: int) -> str:
    return ngettext("after {count} week", "after {count} weeks", k).format(count=k)


def cohort_heatmap(table: pd.DataFrame, weeks: tuple[int, ...] = (1, 2, 4, 8, 12)) -> go.Figure:
    """Rows: weekly cohorts (oldest on top); columns: weeks later; cells: % still following."""
    title = _("Follower retention by week gained")
    if table.empty:
        return empty_figure(title, _("Not enough data: import at least two follower lists a week or more apart."))
    columns = [f"after_{k}w" for k in weeks]
    shares = table[columns].to_numpy(dtype="float64")
    percent = shares * 100
    rows = [
        # ISO dates: the cohort rows sort and line up as a column of equal-width labels.
        _("Week of {date}").format(date=pd.Timestamp(cohort).date().isoformat()) + f" ({format_number(int(gained))})"
        for cohort, gained in zip(table["cohort"], table["gained"], strict=True)
    ]
    text = [["" if math.isnan(v) else format_percent(v / 100, 0) for v in row] for row in percent]
    hover = [
        [
            (
                _("{cohort} gained<br>{weeks}: too recent to tell").format(cohort=rows[i], weeks=_weeks_label(k))
                if math.isnan(percent[i][j])
                else _("{cohort} gained<br>{weeks}: {percent} still following ({kept} of {gained})").format(
                    cohort=rows[i], weeks=_weeks_label(k), percent=format_percent(percent[i][j] / 100, 0),
                    kept=format_number(int(table[f"kept_{k}w"].iloc[i])), gained=format_number(int(table["gained"].iloc[i])),
                )
            )
            for j, k in enumerate(weeks)
        ]
        for i in range(len(rows))
    ]
    figure = go.Figure(
        go.Heatmap(
            z=np.where(np.isnan(percent), None, percent).tolist(),
            x=[_weeks_label(k) for k in weeks],
            y=rows,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="Blues",
            zmin=0,
            zmax=100,
            colorbar={"title": {"text": _("% still<br>following")}, "ticksuffix": "%"},
            xgap=2,
            ygap=2,
        )
    )
    figure.update_layout(
        separators=plotly_locale().separators,
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        font={"family": FONT, "size": 13},
        xaxis={"title": {"text": _("Time since first seen")}, "side": "top"},
        yaxis={"title": {"text": _("Week gained (followers gained)")}, "autorange": "reversed"},
        height=min(900, 170 + 28 * len(rows)),
        margin={"l": 10, "r": 10, "t": 110, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure


def joined_left_bars(changes: pd.DataFrame) -> go.Figure:
    """Followers who joined (up) and left (down) at each snapshot, against the one before."""
    title = _("Followers joined and left between snapshots")
    if changes.empty:
        return empty_figure(title, _("Not enough data: at least two follower lists are needed."))
    previous = [format_date(pd.Timestamp(d)) for d in changes["previous_date"]]
    day = plotly_locale().date_format
    figure = go.Figure()
    figure.add_bar(
        x=changes["snapshot_date"],
        y=changes["joined"].astype("int64").tolist(),
        name=_("Joined"),
        marker_color=GAINED_COLOR,
        customdata=previous,
        hovertemplate=f"%{{x|{day}}}: " + _("%{y} joined since %{customdata}") + "<extra></extra>",
    )
    figure.add_bar(
        x=changes["snapshot_date"],
        y=(-changes["left"].astype("int64")).tolist(),
        name=_("Left"),
        marker_color=LOST_COLOR,
        customdata=np.column_stack([previous, [format_number(v) for v in changes["left"].astype("int64")]]).tolist(),
        hovertemplate=f"%{{x|{day}}}: " + _("%{customdata[1]} left since %{customdata[0]}") + "<extra></extra>",
    )
    base_layout(figure, title, _("Followers (left below zero)"), height=360)
    figure.update_xaxes(title_text=_("Snapshot date"))
    figure.update_layout(barmode="relative", hovermode="x unified")
    return figure
