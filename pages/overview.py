"""Overview: an account's headline figures and its follower curve over a chosen period."""

from __future__ import annotations

import streamlit as st

from analytics.charts.overview import anchor_count, anchors_marked, follower_curve, gains_losses, has_flows
from analytics.ui import gate, reads, widgets
from analytics.ui.widgets import CHART_CONFIG

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Overview")

left, right = st.columns([1, 1])
store, version, account = widgets.pick_account(
    "overview",
    "No account yet. Import an export (X, Instagram, LinkedIn, Bluesky, Mastodon, Social Blade) "
        "or a follower-count CSV to see your follower curve here.",
    left,
)

first, last = widgets.account_data_range(account, version)

start, end = widgets.pick_period("overview", account, first, last, right)

figures, series = reads.headline(account, start, end, version)

followers_col, net_col, posts_col, impressions_col = st.columns(4)
if figures.followers is not None:
    on = f" on {figures.followers_date:%d %b %Y}" if figures.followers_date else ""
    followers_col.metric(
        "Followers", f"{figures.followers:,.0f}", border=True,
        help=f"The follower total{on}, from the latest stated total and the gains and losses since.",
    )
else:
    followers_col.metric(
        "Followers", "—", border=True,
        help="No export in this period states a follower total.",
    )
net_help = "Followers at the end of the period minus at its start."
if figures.gained is not None and figures.lost is not None:
    net_help += f" Gained {figures.gained:,.0f}, lost {figures.lost:,.0f}."
net_col.metric(
    "Net change",
    f"{figures.net_change:+,.0f}" if figures.net_change is not None else "—",
    border=True,
    help=net_help,
)
posts_col.metric("Posts", f"{figures.posts:,}", border=True, help="Posts published in the period.")
impressions_col.metric(
    "Impressions",
    f"{figures.impressions:,.0f}" if figures.impressions is not None else "—",
    border=True,
    help="Impressions in the period, from daily analytics or, without them, from the posts.",
)

if figures.followers is None:
    st.caption(
        "No follower total: the X account overview export gives daily gains and losses but never "
        "the total, so Palier shows the change since the first day instead of guessing. To see "
        "totals, add a **follower total on a date** (read it on your profile) on the Import page."
    )
    widgets.link_to_import("Add a follower total", icon=":material/add_circle:")

if series.empty:
    st.info("No data in this period: widen it with the period picker.")
    st.stop()

st.plotly_chart(follower_curve(series), config=CHART_CONFIG, key="follower_curve")
if anchors_marked(series):
    st.caption(
        "Points mark the days a total was stated (an export's count, a follower list's size, or a "
        "total you entered); between them the curve follows the daily gains and losses, or joins "
        "the points where those are not known."
    )
elif anchor_count(series):
    st.caption(
        f"{anchor_count(series):,} days of this period have a stated total (an export's count, a "
        "follower list's size, or a total you entered); the curve follows the daily gains and "
        "losses between them."
    )
if has_flows(series):
    st.plotly_chart(gains_losses(series), config=CHART_CONFIG, key="gains_losses")
else:
    # An empty chart would only take room: say in words what would fill it.
    st.caption(
        "No daily gains and losses in this period: they come from exports with new follows and "
        "unfollows (the X account overview), or from two follower lists of different dates."
    )
