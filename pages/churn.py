"""Churn & plateaus: first who followed and who left (and why they left), or, without lists, the
followers lost per day; plateaus, purge days, churn rate, the step effect and what lists tell
over time one click away, in tabs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.i18n import _, ngettext
from analytics.ui import churn_view, demo_progress, gate, reads, tabs, widgets

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Churn & plateaus"))

left, right = st.columns([1, 1.6])
store, version, account = widgets.pick_account(
    "churn",
    _("No account yet. Import an export or follower lists to see who leaves and when growth stalls."),
    left,
)

first, last = widgets.account_data_range(account, version)

start, end = widgets.pick_period("churn", account, first, last, right)

series = reads.follower_series(account, version)
in_period = series[(series["day"] >= pd.Timestamp(start)) & (series["day"] <= pd.Timestamp(end))]
purges = reads.purge_days(account, start, end, version)
snapshots = reads.snapshot_dates(account, version)
# While the demo's daily lists load on first start, their parts wait for all of them.
lists_loading = demo_progress.lists_loading(account)
has_lists = len(snapshots) >= 2 and not lists_loading

# --- The answer: who followed and who left, and why; without lists, the losses per day -------------

st.subheader(_("Who followed and who left"))
list_dates = [d.date() for d in snapshots["snapshot_date"]]
if has_lists:
    churn_view.list_changes_section(
        account,
        list_dates,
        {d.date(): int(m) for d, m in zip(snapshots["snapshot_date"], snapshots["members"], strict=True)},
        version,
    )
else:
    # Without two lists the losses come from the follower counts: the chart is the answer.
    churn_view.losses_section(account, start, end, purges, version)
    if lists_loading:
        demo_progress.still_loading_notice()
    else:
        have = ngettext(
            "This account has {count} follower list. ", "This account has {count} follower lists. ", len(snapshots)
        ).format(count=len(snapshots))
        st.info(have + _(churn_view.NO_LISTS))
        widgets.link_to_import(_("Import follower lists"))

# --- Second-order figures, one click away -------------------------------------------------------------

tab_names = [_("Plateaus"), _("Purge days"), _("Churn rate"), _("Step effect")]
if has_lists:
    tab_names.append(_("Lists over time"))
# Only the open tab is drawn (analytics.ui.tabs): the others wait for their click.
second = tabs.lazy_tabs(tab_names, key="churn_tab")
with second[0]:
    if tabs.is_open(second[0]):
        churn_view.plateaus_section(account, start, end, in_period, purges, version)
with second[1]:
    if tabs.is_open(second[1]):
        if has_lists:
            churn_view.losses_section(account, start, end, purges, version)
        churn_view.purge_table(purges)
with second[2]:
    if tabs.is_open(second[2]):
        churn_view.churn_rate_section(account, start, end, version)
with second[3]:
    if tabs.is_open(second[3]):
        churn_view.step_effect_section(account, start, end, version)
if has_lists:
    with second[4]:
        if tabs.is_open(second[4]):
            churn_view.lists_over_time(account, start, end, version)

# Last, once the page is drawn (kept per store version): what a first pick of a list far back reads.
if has_lists:
    churn_view.prepare_far_picks(account, list_dates, version)
