"""Charts of posting activity against follower change.

DataFrame in, plotly Figure out; the frames are those of `analytics.metrics.activity` and
`analytics.metrics.followers.follower_series`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analytics.charts import (
    FOLLOWERS_COLOR,
    FONT,
    GAINED_COLOR,
    LOST_COLOR,
    MUTED_COLOR,
    base_layout,
    empty_figure,
    localize_date_axes,
)
from analytics.i18n import (
    _,
    format_change,
    format_date,
    format_number,
    ngettext,
    plotly_locale,
    weekday_names,
)

POSTS_COLOR = "#7a5195"
QUIET_FILL = "#9aa0ab"
BEST_COLOR = "#ef8a17"
# Past this many days, daily bars are thinner than a pixel on a laptop screen: show weeks.
WEEKLY_AFTER_DAYS = 120


def _weekly_posts(daily_posts: pd.DataFrame) -> pd.DataFrame:
    weekly = daily_posts.set_index("day")["posts"].resample("W-MON", label="left", closed="left").sum()
    return weekly.reset_index().rename(columns={"index": "day"})


# Share of the chart's span a quiet-period label needs to itself: about eight labels across.
QUIET_LABEL_ROOM = 0.12


def _span_days(series: pd.DataFrame, daily_posts: pd.DataFrame) -> float:
    days = pd.concat([pd.to_datetime(series["day"]), pd.to_datetime(daily_posts["day"])]) if not (
        series.empty and daily_posts.empty) else pd.Series(dtype="datetime64[us]")
    days = days.dropna()
    return float((days.max() - days.min()).days + 1) if not days.empty else 1.0


def posting_timeline(
    series: pd.DataFrame,
    daily_posts: pd.DataFrame,
    quiet: pd.DataFrame | None = None,
    period: Literal["day", "week", "auto"] = "auto",
) -> go.Figure:
    """Followers on top, posts per day (or week) below, one time axis; quiet periods shaded.

    `series` is `follower_series`, `daily_posts` is `posts_per_day`, `quiet` is `quiet_periods`.
    """
    title = _("Followers and posting")
    locale = plotly_locale()
    has_followers = not series.empty
    has_posts = not daily_posts.empty
    if not has_followers and not has_posts:
        return empty_figure(title, _("No follower data and no posts in this period."))
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.06,
    )
    if has_followers:
        days = pd.to_datetime(series["day"])
        absolute = series["followers"].notna().any()
        if absolute:
            values, label, fmt = series["followers"].astype("float64"), _("Followers"), ",.0f"
        else:
            # Without a stated total, the honest curve is the change since the first day.
            values = series["change"].astype("float64") - float(series["change"].iloc[0])
            label, fmt = _("Change since {date}").format(date=format_date(days.iloc[0])), "+,.0f"
        figure.add_trace(
            go.Scatter(
                x=days, y=values, name=label, mode="lines", connectgaps=True,
                line={"color": FOLLOWERS_COLOR, "width": 2.2},
                hovertemplate=f"%{{x|{locale.day_hover_format}}}<br><b>%{{y:{fmt}}}</b> {label.lower()}<extra></extra>",
            ),
            row=1, col=1,
        )
        figure.update_yaxes(title_text=label, row=1, col=1, tickformat=",d" if absolute else "+,d")
    if has_posts:
        span_days = (daily_posts["day"].max() - daily_posts["day"].min()).days + 1
        weekly = period == "week" or (period == "auto" and span_days > WEEKLY_AFTER_DAYS)
        bars = _weekly_posts(daily_posts) if weekly else daily_posts
        posts_per = _("Posts per week") if weekly else _("Posts per day")
        hover_day = locale.week_hover_format if weekly else locale.day_hover_format
        figure.add_trace(
            go.Bar(
                x=bars["day"], y=bars["posts"].astype("int64").tolist(), name=posts_per,
                marker_color=POSTS_COLOR,
                hovertemplate=f"%{{x|{hover_day}}}<br>" + _("<b>%{y}</b> posts") + "<extra></extra>",
            ),
            row=2, col=1,
        )
        figure.update_yaxes(title_text=posts_per, row=2, col=1, tickformat=",d", rangemode="tozero")
    quiet_rows = list(quiet.itertuples()) if quiet is not None else []
    span_days = _span_days(series, daily_posts)
    labelled_until: pd.Timestamp | None = None
    for period_row in quiet_rows:
        start = pd.Timestamp(period_row.start)
        # The shaded band covers the whole last quiet day.
        end = pd.Timestamp(period_row.end) + pd.Timedelta(days=1)
        shade = {"x0": start, "x1": end, "fillcolor": QUIET_FILL, "opacity": 0.18, "line_width": 0, "layer": "below"}
        # A label needs room: at a low threshold quiet periods come every few days and their labels
        # would pile on each other. Only a band far enough from the last labelled one gets one (the
        # table beside the chart lists them all).
        room = pd.Timedelta(days=max(1.0, span_days * QUIET_LABEL_ROOM))
        labelled = labelled_until is None or start >= labelled_until + room
        label = {}
        if labelled:
            labelled_until = start
            # A band the period cuts says the whole silence, not the days of it in view.
            run_days = int(getattr(period_row, "run_days", period_row.days))
            label = {
                "annotation_text": ngettext("{count} day quiet", "{count} days quiet", run_days).format(
                    count=format_number(run_days)
                ),
                "annotation_position": "top left",
                "annotation_font": {"size": 11, "color": MUTED_COLOR},
            }
        figure.add_vrect(**shade, row=1, col=1, **label)
        figure.add_vrect(**shade, row=2, col=1)
    figure.update_layout(
        separators=locale.separators,
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        height=520,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        font={"family": FONT, "size": 13},
        hovermode="x unified",
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        bargap=0.1,
    )
    figure.update_xaxes(showgrid=False, ticks="outside", showline=True, linecolor="#c9ccd3")
    figure.update_yaxes(gridcolor="#eceef2", zerolinecolor="#c9ccd3")
    figure.update_xaxes(title_text=_("Date"), row=2, col=1)
    return localize_date_axes(figure)  # made without base_layout: its date ticks in the reader's order


def quiet_active_bars(table: pd.DataFrame, min_days: int = 7) -> go.Figure:
    """Average net follows per day on quiet days against active days (`QuietVsActive.table`)."""
    title = _("Net follows per day: quiet against active")
    if table.empty or table["days"].sum() == 0:
        return empty_figure(title, _("Not enough data to compare quiet and active periods."))
    labels = {"quiet": _("Quiet ({count}+ days without a post)").format(count=min_days), "active": _("Active")}
    values = table["net_per_day"].astype("float64").tolist()
    figure = go.Figure(
        go.Bar(
            x=[labels.get(str(s), str(s)) for s in table["state"]],
            y=values,
            marker_color=[GAINED_COLOR if (not math.isnan(v) and v >= 0) else LOST_COLOR for v in values],
            text=["" if math.isnan(v) else format_change(v, 1) for v in values],
            textposition="outside",
            customdata=table["days"].astype("int64").tolist(),
            hovertemplate="%{x}<br>" + _("<b>%{y:+.2f}</b> followers a day<br>over %{customdata} days") + "<extra></extra>",
        )
    )
    base_layout(figure, title, _("Net follows per day"), height=320)
    figure.update_yaxes(tickformat="+,.1f")
    figure.update_layout(showlegend=False)
    return figure


def lag_correlation_bars(table: pd.DataFrame, best_lag: int | None) -> go.Figure:
    """Correlation of posting with net follows k days later, per k; the best lag highlighted."""
    title = _("Posting and follows: correlation by lag")
    if table.empty or best_lag is None:
        return empty_figure(title, _("Not enough data to relate posting to follows."))
    r = table["r"].astype("float64").to_numpy()
    low = table["ci_low"].astype("float64").to_numpy()
    high = table["ci_high"].astype("float64").to_numpy()
    lags = table["lag"].astype("int64").tolist()
    hover = [
        ngettext("Follows {count} day after posting", "Follows {count} days after posting", lag).format(count=lag)
        + ("" if math.isnan(value) else f"<br>r = {format_number(value, 2)}")
        + ("" if math.isnan(lo) else " " + _("(95% interval {low} to {high})").format(
            low=format_number(lo, 2), high=format_number(hi, 2)))
        + "<br>" + ngettext("{count} day", "{count} days", int(n)).format(count=format_number(int(n)))
        for lag, value, lo, hi, n in zip(lags, r, low, high, table["n"], strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=lags,
            y=np.where(np.isnan(r), None, r).tolist(),
            marker_color=[BEST_COLOR if lag == best_lag else FOLLOWERS_COLOR for lag in lags],
            error_y={
                "type": "data", "symmetric": False,
                "array": np.nan_to_num(high - r).tolist(), "arrayminus": np.nan_to_num(r - low).tolist(),
                "color": MUTED_COLOR, "thickness": 1,
            },
            text=["" if math.isnan(v) else format_number(v, 2) for v in r],
            textposition="outside",
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    base_layout(figure, title, _("Correlation (r)"), height=360)
    figure.update_xaxes(
        title_text=_("Days between posting and follows (lag)"), tickmode="array", tickvals=lags,
        ticktext=[_("same day") if lag == 0 else str(lag) for lag in lags],
    )
    figure.update_yaxes(range=[-1, 1], tickformat=".1f")
    figure.update_layout(showlegend=False)
    figure.add_annotation(
        x=best_lag, y=1, yref="y", text=_("best lag"), showarrow=False, yanchor="top",
        font={"color": BEST_COLOR, "size": 12},
    )
    figure.update_layout(title={"subtitle": {"text": _("Error bars: 95% interval. Correlation is not causation.")}})
    return figure


def _two_lines(text: str) -> str:
    """`text` broken at the space nearest its middle (Plotly does not wrap titles)."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return text[:cut] + "<br>" + text[cut + 1:]


def engagement_heatmap_figure(cells: pd.DataFrame, hours_down: bool = False) -> go.Figure:
    """Engagement rate (%) by weekday (rows, Monday on top) and hour of posting (columns).

    `hours_down`: hours as rows and the seven weekdays (abbreviated) as columns, which stays
    readable on a phone: seven columns fit 390 px with their numbers, twenty-four do not."""
    title = _("Engagement rate by weekday and hour of posting")
    if cells.empty:
        return empty_figure(title, _("No post with a known time, impressions and engagements."))
    days = weekday_names()
    rate = np.full((7, 24), np.nan)
    posts = np.zeros((7, 24), dtype=int)
    impressions = np.zeros((7, 24))
    for row in cells.itertuples():
        rate[row.weekday, row.hour] = row.rate * 100
        posts[row.weekday, row.hour] = row.posts
        impressions[row.weekday, row.hour] = row.impressions
    hours = [f"{h:02d}:00" for h in range(24)]
    text = [["" if math.isnan(v) else format_number(v, 1) for v in line] for line in rate]
    hover = [
        [
            _("{day} {hour}: no post").format(day=days[d], hour=hours[h]) if posts[d, h] == 0
            else f"{days[d]} {hours[h]}<br>"
            + _("<b>{rate}</b> engagement rate").format(rate=format_number(rate[d, h], 2) + "%")
            + "<br>"
            + ngettext("{count} post", "{count} posts", int(posts[d, h])).format(count=format_number(int(posts[d, h])))
            + ", "
            + _("{count} impressions").format(count=format_number(impressions[d, h]))
            for h in range(24)
        ]
        for d in range(7)
    ]
    z = np.where(np.isnan(rate), None, rate)
    if hours_down:
        short_days = weekday_names("abbreviated")
        # The hover keeps the full day names; only the axis is short.
        z, text, hover = z.T, [list(col) for col in zip(*text, strict=True)], [list(col) for col in zip(*hover, strict=True)]
        x_values, y_values = short_days, hours
    else:
        x_values, y_values = hours, days
    figure = go.Figure(
        go.Heatmap(
            z=z.tolist(),
            x=x_values,
            y=y_values,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            colorscale="Viridis",
            # Hours down (the phone's layout): the colour bar under the grid, so the seven columns get the width.
            colorbar={"title": {"text": _("Engagement<br>rate"), "side": "top"}, "ticksuffix": "%", "orientation": "h",
                      "y": -0.02, "yanchor": "top", "thickness": 12} if hours_down
            else {"title": {"text": _("Engagement<br>rate")}, "ticksuffix": "%"},
            xgap=1,
            ygap=1,
            hoverongaps=False,
        )
    )
    figure.update_layout(
        separators=plotly_locale().separators,
        # Hours down: the title on two lines and no "Weekday" over the day names (they say it), so
        # that at 390 px neither runs past the edge nor over the other.
        title={"text": _two_lines(title) if hours_down else title, "x": 0, "xanchor": "left", "font": {"size": 17}},
        height=700 if hours_down else 380,
        margin={"l": 10, "r": 10, "t": 90, "b": 10} if hours_down else {"l": 10, "r": 10, "t": 70, "b": 10},
        font={"family": FONT, "size": 13},
        xaxis={"title": {"text": None if hours_down else _("Hour posted")}, "tickangle": 0 if hours_down else -45,
               "side": "top" if hours_down else "bottom"},
        yaxis={"title": {"text": _("Hour posted") if hours_down else _("Weekday")}, "autorange": "reversed"},
        plot_bgcolor="white",
        paper_bgcolor="white",
    )
    return figure
