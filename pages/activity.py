"""Activity: first how posting moves followers (a sentence and posts under the follower curve),
then quiet periods, the relation by lag, the posts that brought followers and the best time to
post, each one click away in its tab."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.i18n import _
from analytics.ui import activity_view, gate, reads, tabs, widgets

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Activity"))

left, right = st.columns([1, 1.6])
store, version, account = widgets.pick_account(
    "activity",
    _("No account yet. Import a content export or an archive to see what your posting does to your followers."),
    left,
)

first, last = widgets.account_data_range(account, version)

start, end = widgets.pick_period("activity", account, first, last, right)

series = reads.follower_series(account, version)
in_period = series[(series["day"] >= pd.Timestamp(start)) & (series["day"] <= pd.Timestamp(end))]
daily_posts = reads.posts_per_day(account, start, end, version)

if daily_posts.empty:
    st.info(_(activity_view.NO_POSTS))
    widgets.link_to_import()

activity_view.answer(account, start, end, in_period, daily_posts, version)

# The first two tabs hold the threshold and the method the answer above reads: always drawn, so
# their widgets keep their values whichever tab is open. The last two wait for their click.
tab_quiet, tab_lags, tab_posts, tab_time = tabs.lazy_tabs(
    [_("Quiet against active"), _("By lag"), _("Posts that brought followers"), _("Best time to post")],
    key="activity_tab",
)
with tab_quiet:
    activity_view.quiet_section(account, start, end, version)
with tab_lags:
    activity_view.lag_section(account, start, end, version)
with tab_posts:
    if tabs.is_open(tab_posts):
        activity_view.posts_section(account, start, end, version)
with tab_time:
    if tabs.is_open(tab_time):
        activity_view.best_time_section(account, start, end, version)
