"""The Churn & plateaus page's parts: churn rate per period, the step effect, and what follower
lists tell: who followed and who left, quick unfollows, cohort retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from analytics.charts.churn import churn_rate_figure, losses_figure, step_effect_figure
from analytics.charts.growth import follower_curve_figure
from analytics.charts.lists import cohort_heatmap, joined_left_bars
from analytics.i18n import N_, _, format_change, format_date, format_number, format_percent, ngettext
from analytics.metrics.growth import GRANULARITIES, Granularity, curve_of
from analytics.metrics.lists import RETENTION_4W_METHOD, Change
from analytics.metrics.losses import LossBreakdown, losses_method
from analytics.metrics.plateaus import CHURN_METHOD, plateau_method, purge_method, step_method
from analytics.ui import gate, lang, reads, tables, tabs
from analytics.ui.tables import localized
from analytics.ui.widgets import chart_config

NO_LISTS = N_(
    "Who followed and who unfollowed, quick unfollows and cohort retention come from follower lists: "
    "import at least two follower lists of this account taken on different days (an X archive's "
    "follower.js, Instagram followers_1.json, LinkedIn Connections.csv, Bluesky or Mastodon follower "
    "pages, or Palier's follower-list CSV). Daily lists give the sharpest picture."
)
# The causes in the order the sentence names them ("renamed" is not a loss: said apart).
LOSS_CAUSES = ("unfollowed", "deactivated", "suspended", "deleted", "purge", "unknown")


def cause_phrase(cause: str, count: int) -> str:
    """How each cause of a loss reads after its count ("9 unfollowed"): whole phrases, singular
    and plural, so each language can agree them."""
    phrases = {
        "unfollowed": ngettext("{count} unfollowed", "{count} unfollowed", count),
        "deactivated": ngettext("{count} deactivated", "{count} deactivated", count),
        "suspended": ngettext("{count} suspended", "{count} suspended", count),
        "deleted": ngettext("{count} deleted", "{count} deleted", count),
        "purge": ngettext("{count} in a platform purge", "{count} in a platform purge", count),
        "unknown": ngettext("{count} without a known cause", "{count} without a known cause", count),
    }
    return phrases[cause].format(count=format_number(count))

GRANULARITY_LABELS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
QUICK_DAYS = 7
# Profiles are untrusted text: shown only through st.dataframe, never as markdown or HTML.
PROFILE_COLUMNS = {"handle": N_("Handle"), "name": N_("Name"), "bio": N_("Bio"), "followers_count": N_("Followers")}
# Half a year of weekly cohorts keeps the heatmap's rows tall enough to read.
MAX_COHORTS = 26
# People listed per table: two lists months apart differ by tens of thousands on a large
# account, more than anyone reads and slow to send; the counts above the tables stay whole.
MAX_PEOPLE = 1_000


@lang.fragment
def churn_rate_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Churn rate per day, week or month; a fragment, so the choice reruns only this part."""
    granularity: Granularity = st.segmented_control(
        _("Per"), GRANULARITIES, default="month" if (end - start).days > 120 else "week", required=True,
        format_func=lambda g: _(GRANULARITY_LABELS[g]), key="churn_granularity",
    ) or "month"
    churn = reads.churn_by_period(account, granularity, start, end, version)
    if churn.empty or churn["lost"].isna().all():
        st.info(_("No losses are known in this period."))
        return
    st.plotly_chart(churn_rate_figure(churn, granularity), config=chart_config(), key="churn_rate")
    with st.expander(_("How the churn rate is computed")):
        st.markdown(_(CHURN_METHOD))



def step_effect_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Whether a day of gains is followed by a day of losses more often than chance, and the volatility."""
    step = reads.step_effect(account, start, end, version)
    if not step.enough_data:
        st.info(step.reason or _("Not enough data for the step effect."))
    else:
        cols = st.columns(3)
        cols[0].metric(
            _("Loss day after a gain day"), format_percent(step.p_loss_after_gain, 0), border=True,
            help=_("{count} of {days} gain days were followed by a loss day.").format(
                count=format_number(step.gain_then_loss), days=format_number(step.gain_days)),
        )
        cols[1].metric(_("If days were independent"), format_percent(step.p_loss, 0),
                       border=True, help=_("Share of loss days among all the following days."))
        cols[2].metric(_("Volatility"), _("{value} a day").format(value=format_number(step.sd_net, 1))
                       if step.sd_net is not None else "—", border=True,
                       help=_("Standard deviation of the daily net change."))
        if step.ratio is not None and step.z is not None:
            # The verdict in words; the z-score stays behind it (in the method), not in front.
            if abs(step.z) < 2:
                reading = _("A day of gains is followed by a day of losses no more often than chance would give: "
                            "no clear step effect.")
            elif step.ratio > 1:
                reading = _("A day of gains is followed by a day of losses {ratio} times as often as chance would "
                            "give: gains tend to be taken back the next day.").format(ratio=format_number(step.ratio, 1))
            else:
                reading = _("A day of gains is followed by a day of losses less often than chance would give: "
                            "gains tend to hold.")
            st.markdown(reading)
        figure = step_effect_figure(step)
        # A small picture: the two bars beside what chance would give say it at a glance.
        figure.update_annotations(yshift=-22)
        figure.update_layout(margin={"b": 80}, height=320)
        st.plotly_chart(figure, config=chart_config(), key="churn_step")
    with st.expander(_("How the step effect is measured")):
        st.markdown(step_method())


def _profiles(frame: pd.DataFrame, **dates: str) -> Styler:
    """Profile columns, then the given date columns under their labels (`first_seen="First seen"`),
    the numbers in the reader's language (days followed among them)."""
    labels = {column: _(label) for column, label in {**PROFILE_COLUMNS, **dates}.items()}
    shown = frame[[*PROFILE_COLUMNS, *dates]].rename(columns=labels)
    return localized(shown, {_("Followers"): tables.number(), _("Days followed"): tables.number()})


def _cut_note(shown: int, total: int) -> None:
    if shown < total:
        st.caption(_("The {shown} with the most followers of {total}: choose closer lists to see everyone.").format(
            shown=format_number(shown), total=format_number(total)))


def _profile_config() -> dict[str, Any]:
    """The people tables' columns, under their names in the reader's language."""
    return {
        _("Handle"): st.column_config.TextColumn(width="medium"),
        _("Name"): st.column_config.TextColumn(width="medium"),
        _("Bio"): st.column_config.TextColumn(width="large"),
        _("Followers"): st.column_config.NumberColumn(),
        _("First seen"): st.column_config.DateColumn(format=tables.date_column_format()),
        _("Last in a list"): st.column_config.DateColumn(format=tables.date_column_format()),
        _("Gone on"): st.column_config.DateColumn(format=tables.date_column_format()),
    }



@lang.fragment
def list_changes_section(account: str, dates: list[dt.date], members: dict[dt.date, int], version: int) -> None:
    """Who followed and who unfollowed between two chosen lists; a fragment, so a date reruns only this part."""
    newest_first = sorted(dates, reverse=True)

    def label(day: dt.date) -> str:
        return ngettext("{day} ({count} follower)", "{day} ({count} followers)", members[day]).format(
            day=format_date(day), count=format_number(members[day]))

    left, right = st.columns(2)
    # Keys hold the newest snapshot, so a new import moves the default to the latest pair.
    since = left.selectbox(_("From the list of"), newest_first, index=1, format_func=label,
                           key=f"churn_from:{account}:{newest_first[0]}")
    until = right.selectbox(_("To the list of"), newest_first, index=0, format_func=label,
                            key=f"churn_to:{account}:{newest_first[0]}")
    assert since is not None and until is not None
    # The tabs' labels are the lists' names alone (their counts are on the cards above), so the open
    # list stays open when another pair of lists is chosen, and is known before the tabs are drawn:
    # only its people are read (the other's 1,000 profiles were a third of the comparison).
    tab_key = f"churn_lists:{account}"
    tab_labels = [_("Followed"), _("Unfollowed")]
    shown = tabs.open_label(tab_labels, key=tab_key)
    only: Change | None = None if shown is None else ("left" if shown == tab_labels[1] else "joined")
    changes = reads.list_changes(account, since, until, version, MAX_PEOPLE, only)
    if not changes.ok:
        st.info(changes.reason or _("Choose two snapshot dates."))
        return
    breakdown = reads.loss_breakdown(account, since, until, version) if since != until else None
    # A wrapping row, not st.columns: the three stay on one line of a phone instead of three rows.
    row = st.container(horizontal=True, wrap=True, gap="small")
    in_not = _("In the list of {day} and not in that of {other}.")
    row.metric(_("Followed"), format_number(changes.joined), border=True, width="stretch",
               help=in_not.format(day=format_date(changes.end), other=format_date(changes.start)))
    row.metric(_("Unfollowed"), format_number(changes.left), border=True, width="stretch",
               help=in_not.format(day=format_date(changes.start), other=format_date(changes.end)))
    row.metric(_("Net"), format_change(changes.joined - changes.left), border=True, width="stretch")
    losses_sentence(account, breakdown, version)
    joined = changes.changes[changes.changes["change"] == "joined"]
    gone = changes.changes[changes.changes["change"] == "left"]
    # Only the open list is drawn (analytics.ui.tabs): the other table waits for its click.
    tab_joined, tab_left = tabs.lazy_tabs(tab_labels, key=tab_key)
    with tab_joined:
        if not tabs.is_open(tab_joined):
            pass
        elif joined.empty:
            st.info(_("Nobody followed between these two lists."))
        else:
            # Aggregates-only sharing: the counts above stay, the names do not.
            if gate.can_see_people():
                tables.dataframe(_profiles(joined, first_seen=N_("First seen")), hide_index=True,
                                 column_config=_profile_config(), key="churn_joined")
                _cut_note(len(joined), changes.joined)
            else:
                st.caption(_(gate.PEOPLE_HIDDEN))
    with tab_left:
        if not tabs.is_open(tab_left):
            pass
        elif gone.empty:
            st.info(_("Nobody unfollowed between these two lists."))
        else:
            if gate.can_see_people():
                tables.dataframe(
                    _profiles(gone, first_seen=N_("First seen"), last_seen=N_("Last in a list")),
                    hide_index=True, column_config=_profile_config(), key="churn_left",
                )
                _cut_note(len(gone), changes.left)
            else:
                st.caption(_(gate.PEOPLE_HIDDEN))



def prepare_far_picks(account: str, dates: list[dt.date], version: int) -> None:
    """After the page is drawn: the most followed profiles that the oldest list against the newest
    would rank, so that picking a list far back (the first pick of many) finds them kept. Lists
    closer together rank no more than that, or rank every changed member."""
    if len(dates) >= 3:
        reads.prepare_ranking(account, min(dates), max(dates), version, MAX_PEOPLE)


def quick_unfollows_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Followers first seen in the period who were gone within QUICK_DAYS days."""
    # Followers first seen in the period; the unfollow itself may fall just after it.
    quick = reads.quick_unfollows(account, QUICK_DAYS, start, end, version, MAX_PEOPLE)
    if not quick.ok:
        st.info(quick.reason or _("Not enough follower lists."))
    else:
        cols = st.columns(2)
        cols[0].metric(_("Quick unfollows"), format_number(quick.count), border=True,
                       help=_("Followers first seen in this period and gone within {days} days.").format(days=QUICK_DAYS))
        cols[1].metric(_("Share of followers gained"), format_percent(quick.share, 1, fixed=True),
                       border=True, help=_("Of the {count} followers first seen after the first list.").format(
                           count=format_number(quick.gained)))
        if quick.members.empty:
            st.info(_("Nobody unfollowed within {days} days of following.").format(days=QUICK_DAYS))
        elif not gate.can_see_people():
            st.caption(_(gate.PEOPLE_HIDDEN))
        else:
            tables.dataframe(
                _profiles(quick.members, first_seen=N_("First seen"), absent_on=N_("Gone on"), days_followed=N_("Days followed")),
                hide_index=True, key="churn_quick", column_config=_profile_config(),
            )
            if len(quick.members) < quick.count:
                st.caption(_("The {shown} latest of {total}: narrow the period to see earlier ones.").format(
                    shown=format_number(len(quick.members)), total=format_number(quick.count)))
        st.caption(quick.method)


def cohort_section(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Weekly cohorts of new followers and the share still following week after week."""
    cohorts = reads.cohort_retention(account, version)
    if not cohorts.ok:
        st.info(cohorts.reason or _("Not enough follower lists."))
    else:
        for note in cohorts.notes:
            st.info(note)
        if cohorts.cohort_retention_4w is not None:
            st.columns(3)[0].metric(_("Still following after 4 weeks"), format_percent(cohorts.cohort_retention_4w, 0), border=True,
                                    help=_(RETENTION_4W_METHOD) + " " + _("All cohorts, whatever the period."))
        # The weeks of the period (a cohort is labelled by its Monday), the latest ones when there are many.
        table = cohorts.table
        in_weeks = table[(table["cohort"] > pd.Timestamp(start) - pd.Timedelta(days=7)) & (table["cohort"] <= pd.Timestamp(end))]
        shown_cohorts = in_weeks.tail(MAX_COHORTS)
        if shown_cohorts.empty:
            st.info(_("No follower was first seen in this period: widen it to see cohorts."))
        else:
            st.plotly_chart(cohort_heatmap(shown_cohorts, cohorts.weeks), config=chart_config(), key="churn_cohorts")
            if len(in_weeks) > len(shown_cohorts):
                st.caption(_("The last {shown} of the {total} weeks of this period: narrow the period "
                             "to see earlier weeks.").format(shown=MAX_COHORTS, total=len(in_weeks)))
        st.caption(_(cohorts.method))


def loss_sentence(breakdown: LossBreakdown) -> str | None:
    """"15 fewer: 9 unfollowed, 5 deactivated, 1 suspended" for two lists; None without a breakdown."""
    if breakdown.reason is not None or breakdown.counts is None or breakdown.since is None or breakdown.until is None:
        return None
    counts = breakdown.counts
    parts = [cause_phrase(cause, counts[cause]) for cause in LOSS_CAUSES if counts.get(cause, 0)]
    if breakdown.change is None:
        head = ngettext("{count} left", "{count} left", breakdown.lost).format(count=format_number(breakdown.lost))
    elif breakdown.change < 0:
        head = ngettext("{count} fewer", "{count} fewer", -breakdown.change).format(count=format_number(-breakdown.change))
    elif breakdown.change > 0:
        head = ngettext("{count} more", "{count} more", breakdown.change).format(count=format_number(breakdown.change))
    else:
        head = _("As many as before")
    if not parts:
        text = _("{head} between the lists of {since} and {until}; nobody left.")
    elif breakdown.change is None or breakdown.change < 0:
        text = _("{head} between the lists of {since} and {until}: {causes}.")
    else:
        # More followers overall, yet some left: said as who left, so the gain does not hide them.
        text = _("{head} between the lists of {since} and {until}; of those who left, {causes}.")
    sentence = text.format(head=head, since=format_date(breakdown.since), until=format_date(breakdown.until),
                           causes=", ".join(parts))
    extras = []
    if counts.get("renamed", 0):
        extras.append(ngettext("{count} follower changed handle: the same follower, not a loss.",
                               "{count} followers changed handle: the same followers, not losses.",
                               counts["renamed"]).format(count=format_number(counts["renamed"])))
    if breakdown.returned:
        extras.append(ngettext("{count} missing from the later list came back afterwards: a gap, not a loss.",
                               "{count} missing from the later list came back afterwards: gaps, not losses.",
                               breakdown.returned).format(count=format_number(breakdown.returned)))
    return " ".join([sentence, *extras])


def losses_sentence(account: str, breakdown: LossBreakdown | None, version: int) -> None:
    """Why the followers who left between two lists left, in one sentence, and the rename caveat."""
    if breakdown is None:
        return
    sentence = loss_sentence(breakdown)
    if sentence is None:
        return
    st.markdown(f"**{sentence}**")
    notes = []
    if breakdown.counts and breakdown.counts.get("unknown", 0):
        notes.append(_("A cause is known where a platform was asked: for Bluesky and Mastodon, run "
                       "python -m analytics check-losses --account NAME, or collect again."))
    if reads.identity(account, version).renames_look_like_losses:
        notes.append(_("These lists know followers by handle only: a follower who renamed looks like one "
                       "who left and one who came."))
    if notes:
        st.caption(" ".join(notes))
    with st.expander(_("How the causes are found")):
        st.markdown(losses_method())


def losses_section(account: str, start: dt.date, end: dt.date, purges: pd.DataFrame, version: int) -> None:
    """Followers lost in the period: the figures, and the losses per day with purge days marked."""
    summary = reads.churn_summary(account, start, end, version)
    if not summary.enough_data:
        st.info(summary.reason or _("No losses are known in this period."))
        return
    cols = st.columns(4)
    cols[0].metric(_("Followers lost"), format_number(summary.lost), border=True,
                   help=_("Losses in the period, purge days included."))
    cols[1].metric(_("Purge days"), format_number(summary.purge_days), border=True,
                   help=_("Days flagged as likely purges; {excess} followers lost above the usual on them.").format(
                       excess=format_number(summary.purge_excess)))
    # Per day rather than a rate over the whole period: 1,500 lost against 600 at the start of an
    # 18-month range is a "250% churn rate" nobody can read; the churn rate tab gives rates per period.
    cols[2].metric(_("Lost per day"), format_number(summary.lost_per_day or 0, 1), border=True,
                   help=_("Followers lost per day of the period, purge days included."))
    cols[3].metric(_("Excluding purges"), format_number(summary.lost_per_day_excl_purges or 0, 1), border=True,
                   help=_("Losses per day with each purge day counted at its usual losses (ordinary churn)."))
    if summary.losses_from_totals:
        st.caption(_("Some losses are only falls in the follower total (no stated unfollows): a lower bound."))
    losses = reads.daily_losses(account, start, end, version)
    st.plotly_chart(losses_figure(losses, purges, losses["baseline"]), config=chart_config(), key="churn_losses")


def purge_table(purges: pd.DataFrame) -> None:
    """The purge days of the period, or why there are none, and how they are flagged."""
    if purges.empty:
        st.info(_("No purge day in this period: no day lost many times its usual number of followers."))
    else:
        tables.dataframe(
            localized(pd.DataFrame({
                _("Day"): purges["day"], _("Lost"): purges["lost"], _("Usual (median)"): purges["baseline"],
                _("Times the usual"): purges["ratio"], _("Above the usual"): purges["excess"],
            }), {
                # The weekday's name from Babel: the table's own date patterns know English names only.
                _("Day"): tables.table_date(weekday=True), _("Lost"): tables.number(),
                _("Usual (median)"): tables.number(1),
                _("Times the usual"): lambda ratio: _("{times}x").format(times=format_number(float(ratio))),
                _("Above the usual"): tables.number(),
            }),
            hide_index=True, key="churn_purges",
            # No formats: each column reads as the Styler writes it, the values stay sortable.
            column_config={
                _("Day"): st.column_config.DateColumn(),
                **{_(column): st.column_config.NumberColumn() for column in (
                    N_("Lost"), N_("Usual (median)"), N_("Times the usual"), N_("Above the usual"))},
            },
        )
    with st.expander(_("How purge days are flagged")):
        st.markdown(purge_method())


def plateaus_section(
    account: str, start: dt.date, end: dt.date, in_period: pd.DataFrame, purges: pd.DataFrame, version: int
) -> None:
    """The follower curve with its plateaus shaded and purge days marked, and the plateaus' table."""
    found = reads.plateaus(account, start, end, version)
    if in_period.empty:
        st.info(_("No follower data in this period: widen it with the period picker."))
    else:
        st.plotly_chart(
            follower_curve_figure(curve_of(in_period, account), found.table, purges,
                                  title=_("Followers, plateaus shaded")),
            config=chart_config(), key="churn_curve",
        )
    if not found.enough_data:
        st.info(found.reason or _("Not enough data to look for plateaus."))
    elif found.table.empty:
        st.info(_("No plateau in this period: growth never stalled for long between two stretches of clear growth."))
    else:
        table = found.table
        tables.dataframe(
            localized(pd.DataFrame({
                _("From"): table["start"], _("To"): table["end"], _("Days"): table["days"],
                _("Net per day"): table["mean_net_per_day"], _("Net"): table["net"],
                _("Per day before"): table["before_rate"], _("Per day after"): table["after_rate"],
                _("Ongoing"): table["ongoing"],
            }), {
                _("Days"): tables.number(), _("Net per day"): tables.change(1), _("Net"): tables.change(),
                _("Per day before"): tables.change(1), _("Per day after"): tables.change(1),
            }),
            hide_index=True, key="churn_plateaus",
            column_config={
                _("From"): st.column_config.DateColumn(format=tables.date_column_format()),
                _("To"): st.column_config.DateColumn(format=tables.date_column_format()),
                **{_(column): st.column_config.NumberColumn() for column in (
                    N_("Days"), N_("Net per day"), N_("Net"), N_("Per day before"), N_("Per day after"))},
            },
        )
    with st.expander(_("How plateaus are found")):
        st.markdown(plateau_method())


def lists_over_time(account: str, start: dt.date, end: dt.date, version: int) -> None:
    """Joiners and leavers list by list, quick unfollows and weekly cohorts."""
    st.plotly_chart(joined_left_bars(reads.changes_by_snapshot(account, version)), config=chart_config(),
                    key="churn_joined_left")
    st.markdown("**" + _("Unfollowed within {days} days").format(days=QUICK_DAYS) + "**")
    quick_unfollows_section(account, start, end, version)
    st.markdown("**" + _("Cohort retention") + "**")
    cohort_section(account, start, end, version)
