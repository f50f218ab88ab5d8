"""The Churn & plateaus page's parts: churn rate per period, the step effect, and what follower
lists tell: who followed and who left, quick unfollows, cohort retention."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics.charts.churn import churn_rate_figure, step_effect_figure
from analytics.charts.lists import cohort_heatmap
from analytics.metrics.growth import GRANULARITIES, Granularity
from analytics.metrics.lists import RETENTION_4W_METHOD
from analytics.metrics.plateaus import CHURN_METHOD, STEP_METHOD
from analytics.ui import gate, reads
from analytics.ui.widgets import CHART_CONFIG

GRANULARITY_LABELS = {"day": "Day", "week": "Week", "month": "Month"}
QUICK_DAYS = 7
# Profiles are untrusted text: shown only through st.dataframe, never as markdown or HTML.
PROFILE_COLUMNS = {"handle": "Handle", "name": "Name", "bio": "Bio", "followers_count": "Followers"}
# Half a year of weekly cohorts keeps the heatmap's rows tall enough to read.
MAX_COHORTS = 26
# People listed per table: two lists months apart differ by tens of thousands on a large
# account, more than anyone reads and slow to send; the counts above the tables stay whole.
MAX_PEOPLE = 1_000


@st.fragment
def churn_rate_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Churn rate per day, week or month; a fragment, so the choice reruns only this part."""
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



def step_effect_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Whether a day of gains is followed by a day of losses more often than chance, and the volatility."""
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
def list_changes_section(account: str, dates: list[dt.date], members: dict[dt.date, int], version: int) -> None:
    """Who followed and who unfollowed between two chosen lists; a fragment, so a date reruns only this part."""
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



def quick_unfollows_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Followers first seen in the period who were gone within QUICK_DAYS days."""
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


def cohort_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Weekly cohorts of new followers and the share still following week after week."""
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
