"""Audience: who the followers are. Coherence with the account's editorial line, topic clusters
and how they changed, stayers against leavers and joiners, languages and countries, and the
follower quality audit (published rules, versioned)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics.metrics.quality import RULES_VERSION
from analytics.ui import audience_view, gate, reads, widgets

NO_LISTS = (
    "Audience figures come from follower lists with profiles: import at least one follower list of this "
    "account (Bluesky or Mastodon follower pages, a collector, LinkedIn Connections.csv, or Palier's "
    "follower-list CSV with bios). Two lists taken on different days add stayers, leavers and joiners."
)

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Audience")

left, right = st.columns([1, 1])
store, version, account = widgets.pick_account(
    "audience",
    "No account yet. Import follower lists with bios to see who your followers are.",
    left,
)

snapshots = reads.snapshot_dates(account, version)
if not snapshots.empty:
    # The first view after an import analyses the new and changed profiles once (all of them the
    # first time); every figure below then counts that analysis.
    version = reads.audience_analysis(
        account, f"Analysing the profiles imported since the last visit ({int(snapshots['members'].iloc[-1]):,} followers in "
        "the latest list): languages, countries, fit to your topics. This runs once per import.")
if snapshots.empty:
    st.info(NO_LISTS)
    widgets.link_to_import("Import follower lists")
    st.stop()

dates: list[dt.date] = [d.date() for d in snapshots["snapshot_date"]]
sizes: dict[dt.date, int] = {d.date(): int(m) for d, m in zip(snapshots["snapshot_date"], snapshots["members"], strict=True)}
first, last = dates[0], dates[-1]

# The period picks follower lists: the last one in it is "now", the first one "then".
start, end = widgets.pick_period("audience", account, first, last, right, help="Figures describe the last follower list of the period; stayers, leavers and joiners compare its first and last lists.")
in_period = [d for d in dates if start <= d <= end]
if not in_period:
    st.info(f"No follower list between {start:%d %b %Y} and {end:%d %b %Y}: widen the period "
            f"(lists from {first:%d %b %Y} to {last:%d %b %Y}).")
    st.stop()
since, as_of = in_period[0], in_period[-1]
followers_now = sizes[as_of]
people = gate.can_see_people()
st.caption(f"The list of {as_of:%d %b %Y} ({followers_now:,} followers), the last of the period; "
           f"{len(in_period):,} follower list{'s' if len(in_period) != 1 else ''} in the period.")


st.subheader("Coherence with your editorial line")
audience_view.coherence_section(account, as_of, version, people)

st.subheader("Topic clusters")
audience_view.clusters_section(account, as_of, version)
audience_view.cluster_change_section(account, sizes, since, as_of, version)

st.subheader("Stayers, leavers and joiners")
audience_view.groups_section(account, since, as_of, version)

st.subheader("Languages and places")
audience_view.languages_and_places(account, as_of, version)

st.subheader(f"Follower quality audit (rules {RULES_VERSION})")
audience_view.quality_audit_section(account, as_of, version, people)
