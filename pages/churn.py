"""Churn and plateaus: plateaus on the follower curve, purge days kept apart from ordinary churn,
the step effect, churn rate per period, and from follower lists who followed and who left."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.ui import gate, reads, widgets
from analytics.charts.churn import churn_rate_figure, losses_figure, step_effect_figure
from analytics.charts.growth import follower_curve_figure
from analytics.charts.lists import cohort_heatmap, joined_left_bars
from analytics.metrics.growth import GRANULARITIES, Granularity, curve_of
from analytics.metrics.lists import RETENTION_4W_METHOD
from analytics.metrics.plateaus import CHURN_METHOD, PLATEAU_METHOD, PURGE_METHOD, STEP_METHOD

IMPORT_PAGE = widgets.IMPORT_PAGE
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
GRANULARITY_LABELS = {"day": "Day", "week": "Week", "month": "Month"}
QUICK_DAYS = 7
# Profiles are untrusted text: shown only through st.dataframe, never as markdown or HTML.
PROFILE_COLUMNS = {"handle": "Handle", "name": "Name", "bio": "Bio", "followers_count": "Followers"}
# Half a year of weekly cohorts keeps the heatmap's rows tall enough to read.
MAX_COHORTS = 26
# People listed per table: two lists months apart differ by tens of thousands on a large
# account, more than anyone reads and slow to send; the counts above the tables stay whole.
MAX_PEOPLE = 1_000
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


@st.fragment
def churn_rate_section(account: str, start: dt.date, end: dt.date) -> None:
    st.markdown("**Churn rate per period**")
    granularity: Granularity = st.segmented_control(
        "Per", GRANULARITIES, default="month" if (end - start).days > 120 else "week", required=True,
        format_func=lambda g: GRANULARITY_LABELS[g], key="churn_granularity",
    ) or "month"
    churn = reads.churn_by_period(account, granularity, start, end, version)
    if churn.empty or churn["lost"].isna().all():
        st.info("No losses are known in this period.")
        return
    st.plotly_chart(churn_rate_figure(churn, granularity), config=CHART_CONFIG, key="churn_rate")
    with st.expander("How the churn rate is computed"):
        st.markdown(CHURN_METHOD)


churn_rate_section(account, start, end)

# --- Step effect ------------------------------------------------------------------------------------

st.subheader("Step effect")
step = reads.step_effect(account, start, end, version)
if not step.enough_data:
    st.info(step.reason or "Not enough data for the step effect.")
else:
    cols = st.columns(3)
    cols[0].metric(
        "Loss day after a gain day",
        f"{step.p_loss_after_gain:.0%}" if step.p_loss_after_gain is not None else "—", border=True,
        help=f"{step.gain_then_loss} of {step.gain_days} gain days were followed by a loss day.",
    )
    cols[1].metric("If days were independent", f"{step.p_loss:.0%}" if step.p_loss is not None else "—",
                   border=True, help="Share of loss days among all the following days.")
    cols[2].metric("Volatility", f"{step.sd_net:,.1f} a day" if step.sd_net is not None else "—", border=True,
                   help="Standard deviation of the daily net change.")
    if step.ratio is not None and step.z is not None:
        if abs(step.z) < 2:
            reading = "no more often than chance would give: no clear step effect"
        elif step.ratio > 1:
            reading = f"{step.ratio:.1f} times as often as chance would give: gains tend to be taken back the next day"
        else:
            reading = f"less often than chance would give ({step.ratio:.1f} times): gains tend to hold"
        st.markdown(f"A day of gains is followed by a day of losses {reading} (z = {step.z:+.1f}).")
    figure = step_effect_figure(step)
    # The chart's volatility note sits just under the axis and runs into the category labels: lower it.
    figure.update_annotations(yshift=-22)
    figure.update_layout(margin={"b": 80})
    st.plotly_chart(figure, config=CHART_CONFIG, key="churn_step")
with st.expander("How the step effect is measured"):
    st.markdown(STEP_METHOD)

# --- From follower lists ------------------------------------------------------------------------------

st.subheader("Who followed and who left")
snapshots = reads.snapshot_dates(account, version)
if len(snapshots) < 2:
    have = f"This account has {len(snapshots)} follower list{'s' if len(snapshots) != 1 else ''}. "
    st.info(have + NO_LISTS)
    st.page_link(IMPORT_PAGE, label="Import follower lists", icon=":material/upload_file:")
    st.stop()


def _profiles(frame: pd.DataFrame, **dates: str) -> pd.DataFrame:
    """Profile columns, then the given date columns under their labels (`first_seen="First seen"`)."""
    return frame[[*PROFILE_COLUMNS, *dates]].rename(columns={**PROFILE_COLUMNS, **dates})


def _cut_note(shown: int, total: int) -> None:
    if shown < total:
        st.caption(f"The {shown:,} with the most followers of {total:,}: choose closer lists to see everyone.")


PROFILE_CONFIG = {
    "Handle": st.column_config.TextColumn(width="medium"),
    "Name": st.column_config.TextColumn(width="medium"),
    "Bio": st.column_config.TextColumn(width="large"),
    "Followers": st.column_config.NumberColumn(format="localized"),
    "First seen": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "Last in a list": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "Gone on": st.column_config.DateColumn(format="YYYY-MM-DD"),
}


@st.fragment
def list_changes_section(account: str, dates: list[dt.date], members: dict[dt.date, int]) -> None:
    newest_first = sorted(dates, reverse=True)

    def label(day: dt.date) -> str:
        return f"{day.isoformat()} ({members[day]:,} followers)"

    left, right = st.columns(2)
    # Keys hold the newest snapshot, so a new import moves the default to the latest pair.
    since = left.selectbox("From the list of", newest_first, index=1, format_func=label,
                           key=f"churn_from:{account}:{newest_first[0]}")
    until = right.selectbox("To the list of", newest_first, index=0, format_func=label,
                            key=f"churn_to:{account}:{newest_first[0]}")
    assert since is not None and until is not None
    changes = reads.list_changes(account, since, until, version, MAX_PEOPLE)
    if not changes.ok:
        st.info(changes.reason or "Choose two snapshot dates.")
        return
    cols = st.columns(3)
    cols[0].metric("Followed", f"{changes.joined:,}", border=True,
                   help=f"In the list of {changes.end} and not in that of {changes.start}.")
    cols[1].metric("Unfollowed", f"{changes.left:,}", border=True,
                   help=f"In the list of {changes.start} and not in that of {changes.end}.")
    cols[2].metric("Net", f"{changes.joined - changes.left:+,}", border=True)
    joined = changes.changes[changes.changes["change"] == "joined"]
    gone = changes.changes[changes.changes["change"] == "left"]
    tab_joined, tab_left = st.tabs([f"Followed ({changes.joined:,})", f"Unfollowed ({changes.left:,})"])
    with tab_joined:
        if joined.empty:
            st.info("Nobody followed between these two lists.")
        else:
            # Aggregates-only sharing: the counts above stay, the names do not.
            if gate.can_see_people():
                st.dataframe(_profiles(joined, first_seen="First seen"), hide_index=True, column_config=PROFILE_CONFIG, key="churn_joined")
                _cut_note(len(joined), changes.joined)
            else:
                st.caption(gate.PEOPLE_HIDDEN)
    with tab_left:
        if gone.empty:
            st.info("Nobody unfollowed between these two lists.")
        else:
            if gate.can_see_people():
                st.dataframe(_profiles(gone, first_seen="First seen", last_seen="Last in a list"), hide_index=True, column_config=PROFILE_CONFIG, key="churn_left")
                _cut_note(len(gone), changes.left)
            else:
                st.caption(gate.PEOPLE_HIDDEN)


list_changes_section(
    account,
    [d.date() for d in snapshots["snapshot_date"]],
    {d.date(): int(m) for d, m in zip(snapshots["snapshot_date"], snapshots["members"], strict=True)},
)

by_snapshot = reads.changes_by_snapshot(account, version)
st.plotly_chart(joined_left_bars(by_snapshot), config=CHART_CONFIG, key="churn_joined_left")

st.subheader(f"Unfollowed within {QUICK_DAYS} days")
# Followers first seen in the period; the unfollow itself may fall just after it.
quick = reads.quick_unfollows(account, QUICK_DAYS, start, end, version, MAX_PEOPLE)
if not quick.ok:
    st.info(quick.reason or "Not enough follower lists.")
else:
    cols = st.columns(2)
    cols[0].metric("Quick unfollows", f"{quick.count:,}", border=True,
                   help=f"Followers first seen in this period and gone within {QUICK_DAYS} days.")
    cols[1].metric("Share of followers gained", f"{quick.share:.1%}" if quick.share is not None else "—",
                   border=True, help=f"Of the {quick.gained:,} followers first seen after the first list.")
    if quick.members.empty:
        st.info(f"Nobody unfollowed within {QUICK_DAYS} days of following.")
    elif not gate.can_see_people():
        st.caption(gate.PEOPLE_HIDDEN)
    else:
        st.dataframe(
            _profiles(quick.members, first_seen="First seen", absent_on="Gone on", days_followed="Days followed"),
            hide_index=True, key="churn_quick", column_config=PROFILE_CONFIG,
        )
        if len(quick.members) < quick.count:
            st.caption(f"The {len(quick.members):,} latest of {quick.count:,}: narrow the period to see earlier ones.")
    st.caption(quick.method)

st.subheader("Cohort retention")
cohorts = reads.cohort_retention(account, version)
if not cohorts.ok:
    st.info(cohorts.reason or "Not enough follower lists.")
else:
    for note in cohorts.notes:
        st.info(note)
    if cohorts.cohort_retention_4w is not None:
        st.columns(3)[0].metric("Still following after 4 weeks", f"{cohorts.cohort_retention_4w:.0%}", border=True,
                                help=RETENTION_4W_METHOD + " All cohorts, whatever the period.")
    # The weeks of the period (a cohort is labelled by its Monday), the latest ones when there are many.
    table = cohorts.table
    in_weeks = table[(table["cohort"] > pd.Timestamp(start) - pd.Timedelta(days=7)) & (table["cohort"] <= pd.Timestamp(end))]
    shown_cohorts = in_weeks.tail(MAX_COHORTS)
    if shown_cohorts.empty:
        st.info("No follower was first seen in this period: widen it to see cohorts.")
    else:
        st.plotly_chart(cohort_heatmap(shown_cohorts, cohorts.weeks), config=CHART_CONFIG, key="churn_cohorts")
        if len(in_weeks) > len(shown_cohorts):
            st.caption(f"The last {MAX_COHORTS} of the {len(in_weeks)} weeks of this period: narrow the period "
                       "to see earlier weeks.")
    st.caption(cohorts.method)
