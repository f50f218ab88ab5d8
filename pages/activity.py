"""Activity: posting against follower change. Posts under the follower curve on one time axis,
quiet periods, the lagged relation, the posts that brought followers, and when engagement is best."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pandas as pd
import streamlit as st

from analytics.charts.activity import (
    engagement_heatmap_figure,
    lag_correlation_bars,
    posting_timeline,
    quiet_active_bars,
)
from analytics.metrics.activity import DEFAULT_QUIET_DAYS, Correlation
from analytics.ui import gate, reads, widgets
from analytics.ui.text import escape_markdown
from analytics.ui.widgets import CHART_CONFIG

TOP_POSTS = 15
BAR_LABELS = {"auto": "Auto", "day": "Day", "week": "Week"}
CORRELATION_LABELS = {"pearson": "Pearson", "spearman": "Spearman (ranks)"}

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Activity")

left, right = st.columns([1, 1])
store, version, account = widgets.pick_account(
    "activity",
    "No account yet. Import a content export or an archive to see what your posting does to your followers.",
    left,
)

first, last = widgets.account_data_range(account, version)

start, end = widgets.pick_period("activity", account, first, last, right)

series = reads.follower_series(account, version)
in_period = series[(series["day"] >= pd.Timestamp(start)) & (series["day"] <= pd.Timestamp(end))]
daily_posts = reads.posts_per_day(account, start, end, version)

if daily_posts.empty:
    st.info(
        "No posts in this period. Posts come from a content export (X Premium content CSV, legacy tweet "
        "activity), an X archive's tweets.js, or the post counts of a daily account export."
    )
    widgets.link_to_import()


# --- Posting under the follower curve, quiet periods --------------------------------------------------


@st.fragment
def timeline_section(account: str, start: dt.date, end: dt.date) -> None:
    left, right = st.columns([1, 1])
    bars: Literal["auto", "day", "week"] = left.segmented_control(
        "Posts per", list(BAR_LABELS), default="auto", required=True, format_func=lambda b: BAR_LABELS[b],
        key="activity_bars", help="Auto shows weeks when the period is longer than four months.",
    ) or "auto"
    min_days = int(right.number_input(
        "Quiet period: at least this many days without a post", min_value=1, max_value=365,
        value=DEFAULT_QUIET_DAYS, step=1, key="activity_quiet_days",
    ) or DEFAULT_QUIET_DAYS)
    quiet = reads.quiet_vs_active(account, min_days, start, end, version)
    st.plotly_chart(
        posting_timeline(in_period, daily_posts, quiet.periods, bars), config=CHART_CONFIG, key="activity_timeline",
    )
    st.subheader("Quiet against active")
    if not quiet.ok:
        st.info(quiet.reason or "Not enough data to compare quiet and active periods.")
    else:
        cols = st.columns([1, 1])
        with cols[0]:
            st.plotly_chart(quiet_active_bars(quiet.table, min_days), config=CHART_CONFIG, key="activity_quiet")
        with cols[1]:
            st.markdown(quiet.reading)
            st.dataframe(
                pd.DataFrame({
                    "From": quiet.periods["start"], "To": quiet.periods["end"], "Days": quiet.periods["days"],
                    "Net": quiet.periods["net"], "Net per day": quiet.periods["net_per_day"],
                }),
                hide_index=True, key="activity_quiet_periods",
                column_config={
                    "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "Net": st.column_config.NumberColumn(format="%+.0f"),
                    "Net per day": st.column_config.NumberColumn(format="%+.1f"),
                },
            )
    st.caption(quiet.method)


timeline_section(account, start, end)

# --- Posting and follows, with a lag ---------------------------------------------------------------


@st.fragment
def lag_section(account: str, start: dt.date, end: dt.date) -> None:
    st.subheader("Does posting bring followers?")
    method: Correlation = st.segmented_control(
        "Correlation", list(CORRELATION_LABELS), default="pearson", required=True,
        format_func=lambda m: CORRELATION_LABELS[m], key="activity_correlation",
        help="Spearman compares ranks: one viral day weighs less.",
    ) or "pearson"
    lags = reads.lag_correlation(account, method, start, end, version)
    if lags.reason is not None:
        st.info(lags.reason)
    else:
        if lags.caution:
            st.info(lags.caution, icon=":material/warning:")
        st.markdown(lags.reading.removeprefix(lags.caution or "").strip())
        st.plotly_chart(lag_correlation_bars(lags.table, lags.best_lag), config=CHART_CONFIG, key="activity_lags")
    with st.expander("How the relation is measured"):
        st.markdown(lags.method_text)


lag_section(account, start, end)

# --- Posts that brought followers -----------------------------------------------------------------

st.subheader("Posts that brought followers")
brought = reads.posts_with_follows(account, start, end, version)
if not brought.ok:
    st.info(brought.reason or "No posts in this period.")
else:
    top = brought.posts.head(TOP_POSTS)
    # Post text is untrusted: a dataframe cell shows it as text, never as markdown or HTML.
    shown = pd.DataFrame({
        "Rank": top["rank"], "Posted": top["posted_at"], "Followers": top["followers"], "Post": top["text"],
        "Impressions": top["impressions"],
    })
    if brought.method == "window":
        shown["Posts sharing the window"] = top["shared_with"]
    st.dataframe(
        # Tall enough for every row: the ranking is the point, not a scroll box.
        shown, hide_index=True, key="activity_top_posts", height=35 * (len(shown) + 1) + 3,
        column_config={
            "Posted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm" if top["has_time"].any() else "YYYY-MM-DD"),
            "Followers": st.column_config.NumberColumn(format="%d"),
            "Post": st.column_config.TextColumn(width="large"),
            "Impressions": st.column_config.NumberColumn(format="localized"),
        },
    )
    st.caption(f"The {min(TOP_POSTS, len(brought.posts))} posts of {len(brought.posts):,} in this period that "
               f"brought the most followers. {brought.method_text}")

# --- When engagement is best ---------------------------------------------------------------------


@st.fragment
def heatmap_section(account: str, start: dt.date, end: dt.date) -> None:
    st.subheader("When engagement is best")
    heatmap = reads.engagement_heatmap(account, None, start, end, version)
    if heatmap.ok:
        # A time zone only matters once there are timed posts to place.
        tz = st.text_input("Time zone", value="UTC", key="activity_tz",
                           help="An IANA name such as Europe/Paris or America/New_York.").strip() or "UTC"
        if tz != "UTC":
            heatmap = reads.engagement_heatmap(account, tz, start, end, version)
    if not heatmap.ok:
        # The reason can quote the typed time zone: shown as text.
        st.info(escape_markdown(heatmap.reason or "No post with a known time."))
        return
    for note in heatmap.notes:
        st.caption(note)
    st.plotly_chart(engagement_heatmap_figure(heatmap.cells), config=CHART_CONFIG, key="activity_heatmap")
    st.caption(f"{heatmap.method} {heatmap.posts_used:,} posts.")


heatmap_section(account, start, end)
