"""Churn and plateaus: plateaus on the follower curve, purge days kept apart from ordinary churn,
the step effect, churn rate per period, and from follower lists who followed and who left."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.charts.churn import losses_figure
from analytics.charts.growth import follower_curve_figure
from analytics.charts.lists import joined_left_bars
from analytics.metrics.growth import curve_of
from analytics.metrics.plateaus import PLATEAU_METHOD, PURGE_METHOD
from analytics.ui import churn_view, gate, reads, widgets
from analytics.ui.widgets import CHART_CONFIG

NO_LISTS = (
    "Who followed and who unfollowed, quick unfollows and cohort retention come from follower lists: "
    "import at least two follower lists of this account taken on different days (an X archive's "
    "follower.js, Instagram followers_1.json, LinkedIn Connections.csv, Bluesky or Mastodon follower "
    "pages, or Palier's follower-list CSV). Daily lists give the sharpest picture."
)

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Churn & plateaus")

left, right = st.columns([1, 1])
store, version, account = widgets.pick_account(
    "churn",
    "No account yet. Import an export or follower lists to see who leaves and when growth stalls.",
    left,
)

first, last = widgets.account_data_range(account, version)

start, end = widgets.pick_period("churn", account, first, last, right)

series = reads.follower_series(account, version)
in_period = series[(series["day"] >= pd.Timestamp(start)) & (series["day"] <= pd.Timestamp(end))]

# --- Plateaus on the follower curve -----------------------------------------------------------------

st.subheader("Plateaus")
found = reads.plateaus(account, start, end, version)
purges = reads.purge_days(account, start, end, version)
if in_period.empty:
    st.info("No follower data in this period: widen it with the period picker.")
else:
    st.plotly_chart(
        follower_curve_figure(curve_of(in_period, account), found.table, purges, title="Followers, plateaus shaded"),
        config=CHART_CONFIG, key="churn_curve",
    )
if not found.enough_data:
    st.info(found.reason or "Not enough data to look for plateaus.")
elif found.table.empty:
    st.info("No plateau in this period: growth never stalled for long between two stretches of clear growth.")
else:
    table = found.table
    st.dataframe(
        pd.DataFrame({
            "From": table["start"], "To": table["end"], "Days": table["days"],
            "Net per day": table["mean_net_per_day"], "Net": table["net"],
            "Per day before": table["before_rate"], "Per day after": table["after_rate"],
            "Ongoing": table["ongoing"],
        }),
        hide_index=True, key="churn_plateaus",
        column_config={
            "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Net per day": st.column_config.NumberColumn(format="%+.1f"),
            "Net": st.column_config.NumberColumn(format="%+d"),
            "Per day before": st.column_config.NumberColumn(format="%+.1f"),
            "Per day after": st.column_config.NumberColumn(format="%+.1f"),
        },
    )
with st.expander("How plateaus are found"):
    st.markdown(PLATEAU_METHOD)

# --- Purge days and ordinary churn ------------------------------------------------------------------

st.subheader("Purge days and ordinary churn")
summary = reads.churn_summary(account, start, end, version)
if not summary.enough_data:
    st.info(summary.reason or "No losses are known in this period.")
else:
    cols = st.columns(4)
    cols[0].metric("Followers lost", f"{summary.lost:,.0f}" if summary.lost is not None else "—", border=True,
                   help="Losses in the period, purge days included.")
    cols[1].metric("Purge days", f"{summary.purge_days:,}", border=True,
                   help=f"Days flagged as likely purges; {summary.purge_excess:,.0f} followers lost above the usual on them.")
    # Per day rather than a rate over the whole period: 1,500 lost against 600 at the start of an
    # 18-month range is a "250% churn rate" nobody can read; the chart below gives rates per period.
    cols[2].metric("Lost per day", f"{summary.lost_per_day or 0:,.1f}", border=True,
                   help="Followers lost per day of the period, purge days included.")
    cols[3].metric("Excluding purges", f"{summary.lost_per_day_excl_purges or 0:,.1f}", border=True,
                   help="Losses per day with each purge day counted at its usual losses (ordinary churn).")
    if summary.losses_from_totals:
        st.caption("Some losses are only falls in the follower total (no stated unfollows): a lower bound.")
    losses = reads.daily_losses(account, start, end, version)
    st.plotly_chart(losses_figure(losses, purges, losses["baseline"]), config=CHART_CONFIG, key="churn_losses")
    if purges.empty:
        st.info("No purge day in this period: no day lost many times its usual number of followers.")
    else:
        st.dataframe(
            pd.DataFrame({
                "Day": purges["day"], "Lost": purges["lost"], "Usual (median)": purges["baseline"],
                "Times the usual": purges["ratio"], "Above the usual": purges["excess"],
            }),
            hide_index=True, key="churn_purges",
            column_config={
                "Day": st.column_config.DateColumn(format="ddd YYYY-MM-DD"),
                "Lost": st.column_config.NumberColumn(format="%d"),
                "Usual (median)": st.column_config.NumberColumn(format="%.1f"),
                "Times the usual": st.column_config.NumberColumn(format="%.0fx"),
                "Above the usual": st.column_config.NumberColumn(format="%.0f"),
            },
        )
with st.expander("How purge days are flagged"):
    st.markdown(PURGE_METHOD)


churn_view.churn_rate_section(account, start, end, version)

# --- Step effect ------------------------------------------------------------------------------------

st.subheader("Step effect")
churn_view.step_effect_section(account, start, end, version)

# --- From follower lists ------------------------------------------------------------------------------

st.subheader("Who followed and who left")
snapshots = reads.snapshot_dates(account, version)
if len(snapshots) < 2:
    have = f"This account has {len(snapshots)} follower list{'s' if len(snapshots) != 1 else ''}. "
    st.info(have + NO_LISTS)
    widgets.link_to_import("Import follower lists")
    st.stop()


churn_view.list_changes_section(
    account,
    [d.date() for d in snapshots["snapshot_date"]],
    {d.date(): int(m) for d, m in zip(snapshots["snapshot_date"], snapshots["members"], strict=True)},
    version,
)

by_snapshot = reads.changes_by_snapshot(account, version)
st.plotly_chart(joined_left_bars(by_snapshot), config=CHART_CONFIG, key="churn_joined_left")

st.subheader(f"Unfollowed within {churn_view.QUICK_DAYS} days")
churn_view.quick_unfollows_section(account, start, end, version)

st.subheader("Cohort retention")
churn_view.cohort_section(account, start, end, version)
