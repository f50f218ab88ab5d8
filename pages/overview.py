"""Overview: the morning check first (followers now, since yesterday, the last 7 and 28 days, what
is notable), then the chosen period against the one before, its follower curve and its daily table."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import _
from analytics.ui import gate, overview_view, reads, tabs, widgets

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Overview"))

left, right = st.columns([1, 3])
store, version, account = widgets.pick_account(
    "overview",
    _("No account yet. Import an export (X, Instagram, LinkedIn, Bluesky, Mastodon, Social Blade) "
      "or a follower-count CSV to see your follower curve here."),
    left,
)
first, last = widgets.account_data_range(account, version)
period = widgets.pick_period("overview", account, first, last, right)

series = reads.follower_series(account, version)
followers_known = overview_view.has_follower_information(series)

if followers_known:
    overview_view.morning_check_section(account, version)
facts = overview_view.notable_section(account, period, version)
overview_view.period_section(account, period, version, followers_known)

if not followers_known:
    overview_view.no_followers_section()
elif overview_view.single_list(series):
    overview_view.single_list_section(series)
else:
    # Only the open tab is drawn (analytics.ui.tabs): the table waits for its click.
    curve_tab, table_tab = tabs.lazy_tabs([_("Follower curve"), _("Daily table")], key="overview_tab")
    with curve_tab:
        if tabs.is_open(curve_tab):
            overview_view.curve_section(account, period, version, facts)
    with table_tab:
        if tabs.is_open(table_tab):
            overview_view.daily_table_section(account, period, version)
