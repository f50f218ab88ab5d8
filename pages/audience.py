"""Audience: who the followers are. The answer first (a coherence verdict that says what the score
compares against, the share of followers a quality rule flags, the top topics), then tabs: topic
clusters, the quality audit (rules v2, by rule), coherence in detail, stayers against leavers and
joiners, languages and countries, how the topics changed."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.i18n import _, format_date, format_number, ngettext
from analytics.ui import audience_view, demo_progress, gate, reads, tabs, widgets

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Audience"))

left, right = st.columns([1, 1.6])
store, version, account = widgets.pick_account(
    "audience",
    _("No account yet. Import follower lists with bios to see who your followers are."),
    left,
)

if demo_progress.lists_loading(account):
    # On first start: no analysis of half the demo's lists; the page reruns when they are in.
    demo_progress.still_loading_notice()
    st.stop()

snapshots = reads.snapshot_dates(account, version)
if not snapshots.empty:
    # The first view after an import analyses the new and changed profiles once (all of them the
    # first time); every figure below then counts that analysis.
    version = reads.audience_analysis(
        account, _("Analysing the profiles imported since the last visit ({count} followers in the latest list): "
                   "languages, countries, fit to your topics. This runs once per import.").format(
                       count=format_number(int(snapshots["members"].iloc[-1]))))
if snapshots.empty:
    st.info(_("Audience figures come from follower lists with profiles: import at least one follower list of this "
              "account (Bluesky or Mastodon follower pages, a collector, LinkedIn Connections.csv, or Palier's "
              "follower-list CSV with bios). Two lists taken on different days add stayers, leavers and joiners."))
    widgets.link_to_import(_("Import follower lists"))
    st.stop()

dates: list[dt.date] = [d.date() for d in snapshots["snapshot_date"]]
sizes: dict[dt.date, int] = {d.date(): int(m) for d, m in zip(snapshots["snapshot_date"], snapshots["members"], strict=True)}
first, last = dates[0], dates[-1]

# The period picks follower lists: the last one in it is "now", the first one "then".
start, end = widgets.pick_period(
    "audience", account, first, last, right,
    help=_("Figures describe the last follower list of the period; stayers, leavers and joiners compare its first "
           "and last lists."))
in_period = [d for d in dates if start <= d <= end]
if not in_period:
    st.info(_("No follower list between {start} and {end}: widen the period (lists from {first} to {last}).").format(
        start=format_date(start), end=format_date(end), first=format_date(first), last=format_date(last)))
    st.stop()
since, as_of = in_period[0], in_period[-1]
people = gate.can_see_people()
st.caption(ngettext(
    "The list of {date} ({followers} followers), the last of the period; {count} follower list in the period.",
    "The list of {date} ({followers} followers), the last of the period; {count} follower lists in the period.",
    len(in_period),
).format(date=format_date(as_of), followers=format_number(sizes[as_of]), count=format_number(len(in_period))))

audience_view.answer_section(account, as_of, version)

# Only the open tab is drawn (analytics.ui.tabs): the others wait for their click.
topics, audit, coherence, groups, places, change = tabs.lazy_tabs(
    [_(label) for label in audience_view.TABS], key="audience_tab")
with topics:
    if tabs.is_open(topics):
        audience_view.clusters_section(account, as_of, version)
with audit:
    if tabs.is_open(audit):
        st.subheader(_("Follower quality audit (rules {version})").format(version=audience_view.RULES_VERSION_V2))
        audience_view.quality_audit_section(account, as_of, version, people)
with coherence:
    if tabs.is_open(coherence):
        st.subheader(_("Coherence with your editorial line"))
        audience_view.coherence_section(account, as_of, version, people)
with groups:
    if tabs.is_open(groups):
        audience_view.groups_section(account, since, as_of, version)
with places:
    if tabs.is_open(places):
        audience_view.languages_and_places(account, as_of, version)
with change:
    if tabs.is_open(change):
        audience_view.cluster_change_section(account, sizes, since, as_of, version)
