"""Meetups: import event attendee lists, see which followers came, review matches, mark people
known in person.

Attendee names, handles, event names and places are untrusted text: they are shown in
st.dataframe cells (plain text) or escaped markdown, never as HTML or links.
"""

from __future__ import annotations

import streamlit as st

from analytics.ui import demo_progress, gate, meetups_view, reads, widgets

NO_ACCOUNT = "No account yet. Import a follower list first: attendees are matched against it."
WITHIN_HELP = (
    "An attendee who was not a follower the day before an event and shows up in a follower list "
    "dated up to this many days after it counts as a follower gained after the event."
)

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Meetups")
st.caption(
    "Who among your followers you meet offline. Add the attendee list of an event (a Meetup, "
    "Eventbrite or Luma CSV export): attendees are matched to your followers by handle, then by "
    "name for you to confirm. Email addresses in the file are never stored."
)

# Shared Palier: viewers see the figures; only the owner writes, and only some visitors see people.
owner = gate.is_owner()
people_ok = gate.can_see_people()
account_col, within_col = st.columns([2, 1])
store, version, account = widgets.pick_account("meetups", NO_ACCOUNT, account_col)
locked = store.read_only or not owner
within_days = int(
    within_col.number_input(
        "Followed within (days after an event)", min_value=1, max_value=365, value=30, step=1, key="meetups_within",
        help=WITHIN_HELP,
    )
)

if demo_progress.lists_loading(account):
    # Attendees are matched against the follower lists: not against half of the demo's.
    demo_progress.still_loading_notice()
    st.stop()

meetups_view.show_notice()
if store.read_only and owner:
    st.warning(meetups_view.READ_ONLY)

view = reads.meetup_view(account, within_days, version)
meetups_view.headline(view)
if owner:
    meetups_view.add_event(store, account, view, locked)
if view.turnout.empty:
    st.info("No event yet for this account" + (": add an attendee list above." if owner else "."))
    st.stop()

st.subheader("Turnout by event")
meetups_view.turnout(view, within_days)

if owner and people_ok:
    meetups_view.review(store, account, view, locked)
    meetups_view.unmatched(store, account, view, version, locked)

st.subheader("People")
if not people_ok:
    st.caption(gate.PEOPLE_HIDDEN)
    st.stop()
meetups_view.people(view, within_days)

st.subheader("Known in person")
meetups_view.known_in_person(store, account, view, version, locked, owner)
if owner:
    meetups_view.upkeep(store, account, view, locked)
