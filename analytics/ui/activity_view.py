"""The Activity page's parts: the answer (how posting moves followers, in a sentence and a chart),
then quiet against active periods, the relation by lag, the posts that brought followers and the
best time to post, each in its own tab."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import streamlit as st

from analytics.charts.activity import engagement_heatmap_figure, lag_correlation_bars, posting_timeline, quiet_active_bars
from analytics.i18n import N_, _, format_number, ngettext
from analytics.metrics.activity import DEFAULT_QUIET_DAYS, Correlation
from analytics.ui import reads, tables
from analytics.ui.tables import localized
from analytics.ui.text import escape_markdown
from analytics.ui.widgets import chart_config

TOP_POSTS = 15
BAR_LABELS: dict[Literal["auto", "day", "week"], str] = {"auto": N_("Auto"), "day": N_("Day"), "week": N_("Week")}
CORRELATION_LABELS: dict[Correlation, str] = {"pearson": N_("Pearson"), "spearman": N_("Spearman (ranks)")}
QUIET_DAYS_KEY = "activity_quiet_days"
CORRELATION_KEY = "activity_correlation"
NO_POSTS = N_(
    "No posts in this period. Posts come from a content export (X Premium content CSV, legacy tweet "
    "activity), an X archive's tweets.js, or the post counts of a daily account export."
)


def quiet_days() -> int:
    """The quiet-period threshold chosen in its tab (the chart above it reads it before the widget is drawn)."""
    return int(st.session_state.get(QUIET_DAYS_KEY) or DEFAULT_QUIET_DAYS)


def correlation_method() -> Correlation:
    chosen = st.session_state.get(CORRELATION_KEY)
    return chosen if chosen in CORRELATION_LABELS else "pearson"


def answer(account: str, start: dt.date, end: dt.date, in_period: pd.DataFrame, daily_posts: pd.DataFrame,
           version: int) -> None:
    """How posting moves followers: one sentence (the relation by lag) and one chart (posts under the curve)."""
    st.subheader(_("Does posting bring followers?"))
    lags = reads.lag_correlation(account, correlation_method(), start, end, version)
    left, right = st.columns([3, 1])
    with left:
        if lags.reason is not None:
            st.info(lags.reason)
        else:
            if lags.caution:
                # The way out of the caution: the period is the page's own choice.
                st.info(lags.caution + " " + _("Choose a longer period above to give it more days."),
                        icon=":material/warning:")
            st.markdown(lags.reading.removeprefix(lags.caution or "").strip())
    bars: Literal["auto", "day", "week"] = right.segmented_control(
        _("Posts per"), list(BAR_LABELS), default="auto", required=True, format_func=lambda b: _(BAR_LABELS[b]),
        key="activity_bars", help=_("Auto shows weeks when the period is longer than four months."),
    ) or "auto"
    quiet = reads.quiet_vs_active(account, quiet_days(), start, end, version)
    st.plotly_chart(
        posting_timeline(in_period, daily_posts, quiet.periods, bars), config=chart_config(), key="activity_timeline",
    )


def quiet_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Quiet periods (no post for at least N days) against active ones: the threshold, the bars, the table."""
    min_days = int(st.number_input(
        _("Quiet period: at least this many days without a post"), min_value=1, max_value=365,
        value=DEFAULT_QUIET_DAYS, step=1, key=QUIET_DAYS_KEY,
    ) or DEFAULT_QUIET_DAYS)
    quiet = reads.quiet_vs_active(account, min_days, start, end, version)
    if not quiet.ok:
        st.info(quiet.reason or _("Not enough data to compare quiet and active periods."))
    else:
        cols = st.columns([1, 1])
        with cols[0]:
            st.plotly_chart(quiet_active_bars(quiet.table, min_days), config=chart_config(), key="activity_quiet")
        with cols[1]:
            st.markdown(quiet.reading)
            tables.dataframe(
                localized(pd.DataFrame({
                    _("From"): quiet.periods["start"], _("To"): quiet.periods["end"], _("Days"): quiet.periods["days"],
                    _("Net"): quiet.periods["net"], _("Net per day"): quiet.periods["net_per_day"],
                }), {_("Days"): tables.number(), _("Net"): tables.change(), _("Net per day"): tables.change(1)}),
                hide_index=True, key="activity_quiet_periods",
                column_config={
                    _("From"): st.column_config.DateColumn(format=tables.date_column_format()),
                    _("To"): st.column_config.DateColumn(format=tables.date_column_format()),
                },
            )
    st.caption(quiet.method)


def lag_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The correlation of posting with follows 0 to 7 days later, and how it is measured."""
    method: Correlation = st.segmented_control(
        _("Correlation"), list(CORRELATION_LABELS), default="pearson", required=True,
        format_func=lambda m: _(CORRELATION_LABELS[m]), key=CORRELATION_KEY,
        help=_("Spearman compares ranks: one viral day weighs less."),
    ) or "pearson"
    lags = reads.lag_correlation(account, method, start, end, version)
    if lags.reason is not None:
        st.info(lags.reason)
    else:
        st.plotly_chart(lag_correlation_bars(lags.table, lags.best_lag), config=chart_config(), key="activity_lags")
    with st.expander(_("How the relation is measured")):
        st.markdown(lags.method_text)


def posts_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """The posts that brought at least one follower, ranked, and which export says so."""
    brought = reads.posts_with_follows(account, start, end, version)
    if not brought.ok:
        st.info(brought.reason or _("No posts in this period."))
        return
    some = brought.brought_followers
    if some.empty:
        st.info(_("No post in this period brought a follower that the exports can show. {method}").format(
            method=brought.method_text))
        return
    top = some.head(TOP_POSTS)
    # Post text is untrusted: a dataframe cell shows it as text, never as markdown or HTML.
    shown = pd.DataFrame({
        _("Rank"): top["rank"], _("Posted"): top["posted_at"], _("Followers"): top["followers"], _("Post"): top["text"],
        _("Impressions"): top["impressions"],
    })
    if brought.method == "window":
        shown[_("Posts sharing the window")] = top["shared_with"]
    tables.dataframe(
        # Tall enough for every row: the ranking is the point, not a scroll box.
        localized(shown, {_("Rank"): tables.number(), _("Followers"): tables.number(), _("Impressions"): tables.number(),
                          _("Posts sharing the window"): tables.number()}),
        hide_index=True, key="activity_top_posts", height=35 * (len(shown) + 1) + 3,
        column_config={
            _("Posted"): st.column_config.DatetimeColumn(
                format=tables.datetime_column_format() if top["has_time"].any() else tables.date_column_format()),
            _("Post"): st.column_config.TextColumn(width="large"),
        },
    )
    st.caption(ngettext(
        "The {shown} post of {count} in this period that brought followers.",
        "The {shown} posts of {count} in this period that brought the most followers.",
        len(top),
    ).format(shown=format_number(len(top)), count=format_number(len(some))) + " " + brought.method_text)


def best_time_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Engagement rate by weekday and hour, where posts have times; else what it needs."""
    heatmap = reads.engagement_heatmap(account, None, start, end, version)
    if heatmap.ok:
        # A time zone only matters once there are timed posts to place.
        tz = st.text_input(_("Time zone"), value="UTC", key="activity_tz",
                           help=_("An IANA name such as Europe/Paris or America/New_York.")).strip() or "UTC"
        if tz != "UTC":
            heatmap = reads.engagement_heatmap(account, tz, start, end, version)
    if not heatmap.ok:
        # The reason can quote the typed time zone: shown as text.
        st.info(escape_markdown(heatmap.reason or _("No post with a known time.")))
        return
    for note in heatmap.notes:
        st.caption(note)
    # Hours down, weekdays across: seven columns stay readable on a phone.
    st.plotly_chart(engagement_heatmap_figure(heatmap.cells, hours_down=True), config=chart_config(),
                    key="activity_heatmap")
    st.caption(_("{method} {count} posts.").format(method=heatmap.method, count=format_number(heatmap.posts_used)))
