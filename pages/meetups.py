"""Meetups: first the answer (which followers came, how many, the new ones met), then the
turnout by event, the matches to review, followers known in person and adding an event, one
click away in tabs and expanders.

Attendee names, handles, event names and places are untrusted text: they are shown in
st.dataframe cells (plain text) or escaped markdown, never as HTML or links.
"""

from __future__ import annotations

import streamlit as st

from analytics.i18n import _, format_number
from analytics.ui import demo_progress, gate, meetups_view, reads, tabs, widgets

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Meetups"))
st.caption(
    _("Which of your followers you met at events, and who followed you after. Attendee lists (Meetup, "
      "Eventbrite or Luma CSV) are matched to your followers by handle, then by name for you to confirm; "
      "email addresses are never stored.")
)

# Shared Palier: viewers see the figures; only the owner writes, and only some visitors see people.
owner = gate.is_owner()
people_ok = gate.can_see_people()
account_col, within_col = st.columns([2, 1])
store, version, account = widgets.pick_account(
    "meetups", _("No account yet. Import a follower list first: attendees are matched against it."), account_col
)
locked = store.read_only or not owner
within_days = int(
    within_col.number_input(
        _("Followed within (days after an event)"), min_value=1, max_value=365, value=30, step=1, key="meetups_within",
        help=_("An attendee who was not a follower the day before an event and shows up in a follower list "
               "dated up to this many days after it counts as a follower gained after the event."),
    )
)

if demo_progress.lists_loading(account):
    # Attendees are matched against the follower lists: not against half of the demo's.
    demo_progress.still_loading_notice()
    st.stop()

meetups_view.show_notice()
if store.read_only and owner:
    st.warning(_(meetups_view.READ_ONLY))

# --- The answer: who of her followers came, how many, the new ones met -----------------------------

view = reads.meetup_view(account, within_days, version)
if view.turnout.empty:
    # No event is no figure, not 0 %: the way to the first one instead.
    st.info(_("No event yet for this account: add an attendee list below.") if owner else _("No event yet for this account."))
    if owner:
        meetups_view.add_event(store, account, view, locked)
    st.stop()
meetups_view.headline(view, within_days)

if people_ok:
    meetups_view.people(view, within_days)
else:
    st.caption(_(gate.PEOPLE_HIDDEN))

# --- The rest, one click away ---------------------------------------------------------------------------

to_review = int((view.attendees["match_status"] == "suggested").sum()) if not view.attendees.empty else 0
tab_names = [_("Turnout by event")]
if owner and people_ok:
    tab_names.append(_("Matches to review ({count})").format(count=format_number(to_review)))
if people_ok:
    tab_names.append(_("Known in person"))
# Only the open tab is drawn (analytics.ui.tabs): why attendees are unmatched reads every
# follower's name (seconds at a million followers), only once that tab is opened.
rest = tabs.lazy_tabs(tab_names, key="meetups_tab")
with rest[0]:
    if tabs.is_open(rest[0]):
        meetups_view.turnout(view, within_days)
if owner and people_ok:
    with rest[1]:
        if tabs.is_open(rest[1]):
            meetups_view.review(store, account, view, locked)
            meetups_view.unmatched(store, account, view, version, locked)
if people_ok:
    with rest[-1]:
        if tabs.is_open(rest[-1]):
            meetups_view.known_in_person(store, account, view, version, locked, owner)
if owner:
    meetups_view.add_event(store, account, view, locked)
    meetups_view.upkeep(store, account, view, locked)
