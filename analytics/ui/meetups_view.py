"""The Meetups page's parts: the headline, adding an event, turnout, matches to review, the
people tables, followers known in person, and the upkeep (match again, delete an event).

Attendee names, handles, event names and places are untrusted text: they are shown in
st.dataframe cells (plain text) or escaped markdown, never as HTML or links. Every write goes
through `run_write`, which turns a failure into a notice the next run shows.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from analytics.charts.meetups import turnout_figure
from analytics.errors import PalierError
from analytics.i18n import _, format_number, ngettext
from analytics.meetups.matching import NAME_THRESHOLD
from analytics.meetups.store import (
    decide_match,
    delete_event,
    import_event,
    mark_known,
    match_again,
    match_by_hand,
    unmark_known,
)
from analytics.metrics.meetups import RELATION_AFTER, RELATION_BEFORE
from analytics.store import Store
from analytics.ui.reads import MeetupView, meetup_follower_search, meetup_unmatched
from analytics.ui.text import escape_markdown as esc
from analytics.ui.text import show_error
from analytics.ui.widgets import CHART_CONFIG

log = logging.getLogger("palier.meetups")

REVIEW_SHOWN = 15  # suggestions shown at once; the rest come as these are decided
SEARCH_SHOWN = 20
READ_ONLY = (
    "The store is open read-only because another Palier window or command is using it: "
    "close that one to add events or confirm matches."
)


def _handles(value: Any) -> str:
    if not isinstance(value, (list, tuple)):
        return ""
    return ", ".join("@" + h for h in value)


def _notice(kind: str, text: str) -> None:
    st.session_state["meetups_notice"] = (kind, text)


def run_write(store: Store, action: Any, *args: Any, **kwargs: Any) -> Any:
    """A write, with its failure as a sentence on the page instead of a traceback."""
    try:
        return action(store, *args, **kwargs)
    except PalierError as exc:
        _notice("error", str(exc))
    except Exception as exc:  # noqa: BLE001 - shown as a sentence; the traceback goes to the log
        log.exception("meetups write failed")
        _notice("error", f"Unexpected error ({type(exc).__name__}): {exc}")
    return None


def show_notice() -> None:
    """What the previous run's write did (kept in the session across its rerun), once."""
    notice = st.session_state.pop("meetups_notice", None)
    if notice:
        kind, text = notice
        if kind == "error":
            show_error(text)
        elif kind == "info":
            st.info(esc(text), icon=":material/info:")
        else:
            st.success(esc(text), icon=":material/check_circle:")


def headline(view: MeetupView) -> None:
    """Known in person, events, followers met, repeat attendees."""
    known_col, events_col, matched_col, repeat_col = st.columns(4)
    if view.share is not None:
        known_col.metric(
            "Known in person", f"{view.share:.1%}", border=True,
            help=f"{view.known:,} of the {view.listed:,} followers in the latest follower list "
            f"({view.list_date:%d %b %Y}) are known in person: marked by hand or a confirmed match."
            if view.list_date else None,
        )
    else:
        known_col.metric("Known in person", "—", border=True, help="No follower list imported for this account yet.")
    events_col.metric("Events", f"{len(view.turnout):,}", border=True)
    confirmed = view.attendees[view.attendees["match_status"] == "confirmed"] if not view.attendees.empty else view.attendees
    matched_col.metric(
        "Followers met", f"{confirmed['member_key'].nunique() if not confirmed.empty else 0:,}", border=True,
        help="Different people matched to a follower (confirmed matches), over all events.",
    )
    repeat_col.metric(
        "Repeat attendees", f"{len(view.repeat):,}", border=True, help="People who came to two events or more.",
    )
    if view.share is None:
        st.caption(
            "No follower list for this account: import one on the Import page to match attendees. "
            "Events can be added now and matched later with **Match again**."
        )


def add_event(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """The attendee file, the event's name, date and place, and the Add event button (owners)."""
    with st.expander("Add an event", icon=":material/group_add:", expanded=view.turnout.empty):
        round_ = st.session_state.get("meetups_upload_round", 0)
        upload = st.file_uploader(
            "Attendee list (CSV)", type=["csv"], key=f"meetups_file_{round_}",
            help="Meetup, Eventbrite or Luma export, or any CSV with a name column (Name, or First Name and "
            "Last Name) and optional handle columns (Twitter, X handle, Bluesky, Mastodon, LinkedIn, Profile URL). "
            "Only people who said yes, are attending or checked in are kept.",
        )
        name_col, date_col, place_col = st.columns([2, 1, 2])
        event_name = name_col.text_input("Event name", max_chars=200, key="meetups_event_name", placeholder="Data meetup #12")
        event_date = date_col.date_input("Date", value=None, format="YYYY-MM-DD", key="meetups_event_date")
        place = place_col.text_input("Place (optional)", max_chars=200, key="meetups_event_place", placeholder="Lyon")
        missing = [
            what for what, ok in (
                ("an attendee file", upload is not None),
                ("an event name", bool(event_name.strip())),
                ("a date", isinstance(event_date, dt.date)),
            ) if not ok
        ]
        if st.button(
            "Add event", type="primary", icon=":material/download:", key="meetups_import",
            disabled=bool(missing) or locked, help=("Needs " + ", ".join(missing) + ".") if missing else None,
        ):
            assert upload is not None and isinstance(event_date, dt.date)
            outcome = run_write(store, 
                import_event, account, upload.getvalue(), upload.name,
                event_name=event_name, event_date=event_date, place=place,
            )
            if outcome is not None:
                _notice("info" if outcome.status == "unchanged" else "success", outcome.line())
                for note in outcome.notes:
                    st.session_state.setdefault("meetups_notes", []).append(f"{outcome.file}: {note}")
                st.session_state["meetups_upload_round"] = round_ + 1
            st.rerun()
        for note in st.session_state.pop("meetups_notes", []):
            st.caption(esc(note))


def turnout(view: MeetupView, within_days: int) -> None:
    """Per event: attendees, followers among them, before and after."""
    st.plotly_chart(turnout_figure(view.turnout, within_days), config=CHART_CONFIG, key="meetups_turnout_chart")
    turnout_table = view.turnout.rename(
        columns={
            "name": "Event", "event_date": "Date", "place": "Place", "attendees": "Attendees",
            "matched": "Followers among them", "to_review": "To review", "followers_before": "Followers the day before",
            "followed_after": f"Followed within {within_days} days", "share": "Share of attendees",
        }
    ).drop(columns=["event_id"])
    turnout_table["Share of attendees"] = turnout_table["Share of attendees"] * 100
    st.dataframe(
        turnout_table, hide_index=True, key="meetups_turnout_table",
        column_config={
            "Event": st.column_config.TextColumn(width="medium"),
            "Place": st.column_config.TextColumn(width="medium"),
            "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Share of attendees": st.column_config.NumberColumn(format="%.0f%%"),
        },
    )
    st.caption(
        "Followers among them: attendees matched to a follower (confirmed). The day before: their "
        "follower list showed them the day before the event. Followed within N days: first seen in a "
        "follower list from the event day to N days later. Lists are snapshots, so dates are as precise "
        "as their spacing."
    )


def review(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """Name matches waiting for the owner's Confirm or Reject."""
    attendees = view.attendees
    suggested = attendees[attendees["match_status"] == "suggested"] if not attendees.empty else attendees
    st.subheader("Matches to review")
    if suggested.empty:
        st.caption(
            f"Nothing to review. Name matches score {NAME_THRESHOLD:.0f} or more out of 100 (accents, case "
            "and word order ignored); a handle the attendee gave is matched without review."
        )
    else:
        st.caption(
            f"{len(suggested):,} attendee{'s look' if len(suggested) != 1 else ' looks'} like a follower by name "
            f"(score {NAME_THRESHOLD:.0f}+ out of 100, accents and word order ignored). Confirm the ones that are the same person."
        )
        for row in suggested.head(REVIEW_SHOWN).itertuples(index=False):
            attendee_id = int(row.attendee_id)
            with st.container(border=True):
                text_col, score_col, yes_col, no_col = st.columns([6, 1, 2, 2], vertical_alignment="center")
                follower = f"@{row.follower_handle}" if isinstance(row.follower_handle, str) else str(row.member_key)
                follower_name = f" ({row.follower_name})" if isinstance(row.follower_name, str) else ""
                who = row.name if isinstance(row.name, str) else _handles(row.handles)
                text_col.markdown(f"**{esc(who)}** at {esc(row.event)} ({pd.Timestamp(row.event_date):%Y-%m-%d})")
                text_col.caption("looks like " + esc(follower + follower_name))
                score_col.markdown(f"{float(row.confidence):.0%}", help="Name similarity (token sort ratio on folded names).")
                if yes_col.button("Confirm", key=f"meetups_confirm_{attendee_id}", icon=":material/check:", disabled=locked):
                    confirmed = run_write(store, decide_match, account, attendee_id, "confirmed") is None
                    if confirmed and "meetups_notice" not in st.session_state:
                        _notice("success", f"Confirmed: {who} is {follower}.")
                    st.rerun()
                if no_col.button("Reject", key=f"meetups_reject_{attendee_id}", icon=":material/close:", disabled=locked):
                    rejected = run_write(store, decide_match, account, attendee_id, "rejected") is None
                    if rejected and "meetups_notice" not in st.session_state:
                        _notice("success", f"Rejected: {who} is not {follower}.")
                    st.rerun()
        if len(suggested) > REVIEW_SHOWN:
            st.caption(f"{len(suggested) - REVIEW_SHOWN:,} more after these.")


def _candidate_label(candidate: dict[str, Any]) -> str:
    """A follower offered for an attendee: handle, name and name score. Radio labels are markdown:
    the follower's handle and name (untrusted) are escaped."""
    handle = "@" + str(candidate["handle"]) if candidate.get("handle") else str(candidate["member_key"])
    name = f" ({candidate['name']})" if candidate.get("name") else ""
    return _("{follower}, name score {score}").format(follower=esc(handle + name), score=format_number(float(candidate["score"])))


def _candidate_at(offered: Sequence[dict[str, Any]], index: int) -> str:
    """The label of the `index`-th follower offered (the radio's options are the offers' indices)."""
    return _candidate_label(offered[index])


def unmatched(store: Store, account: str, view: MeetupView, version: int, locked: bool) -> None:
    """Attendees matched to nobody: why, and a choice between the followers who could be them
    (an attendee whose name several followers share is not dropped: the owner picks one)."""
    left = meetup_unmatched(account, version)
    st.subheader(_("Attendees not matched"))
    if left.empty:
        st.caption(_("Every attendee is matched to a follower or waits for review above."))
        return
    with_choice = int(sum(1 for c in left["candidates"] if len(c)))
    st.caption(ngettext(
        "{count} attendee is matched to nobody; {choice} of them can be matched by choosing a follower below.",
        "{count} attendees are matched to nobody; {choice} of them can be matched by choosing a follower below.",
        len(left),
    ).format(count=format_number(len(left)), choice=format_number(with_choice)))
    events = view.attendees.set_index("attendee_id")["event"] if not view.attendees.empty else pd.Series(dtype="object")
    # Attendees with candidates first: a choice is what the owner can act on.
    ordered = sorted(left.itertuples(index=False), key=lambda r: (len(r.candidates) == 0, int(r.event_id), int(r.line)))
    for row in ordered[:REVIEW_SHOWN]:
        attendee_id = int(row.attendee_id)
        who = row.name if isinstance(row.name, str) else _("line {line}").format(line=int(row.line))
        event = events.get(attendee_id, "")
        with st.container(border=True):
            st.markdown(_("**{who}** at {event}").format(who=esc(who), event=esc(event)))
            st.caption(esc(row.reason_text))
            if len(row.candidates):
                options = list(range(len(row.candidates)))
                choice_col, button_col = st.columns([4, 1], vertical_alignment="bottom")
                picked = choice_col.radio(
                    _("Which follower is {who}?").format(who=esc(who)), options, index=None,
                    format_func=functools.partial(_candidate_at, row.candidates),
                    key=f"meetups_pick_{attendee_id}", disabled=locked,
                )
                if button_col.button(_("Match"), key=f"meetups_match_{attendee_id}", icon=":material/link:",
                                     disabled=locked or picked is None):
                    chosen = row.candidates[int(picked)] if picked is not None else None
                    if chosen is not None and run_write(store, match_by_hand, account, attendee_id, str(chosen["member_key"])) is None \
                            and "meetups_notice" not in st.session_state:
                        _notice("success", _("Matched: {who} is {follower}.").format(who=esc(who), follower=_candidate_label(chosen)))
                    st.rerun()
    if len(ordered) > REVIEW_SHOWN:
        st.caption(_("{count} more after these.").format(count=format_number(len(ordered) - REVIEW_SHOWN)))


def _people(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Attendee": frame["name"],
            "Handles": [_handles(h) for h in frame["handles"]],
            "Event": frame["event"],
            "Date": pd.to_datetime(frame["event_date"]),
            "Follower": ["@" + h if isinstance(h, str) else "" for h in frame["follower_handle"]],
            "Match": [
                "" if not isinstance(s, str) else f"{m} ({s})" for m, s in zip(frame["method"], frame["match_status"], strict=True)
            ],
            "Followers list says": frame["relation"].fillna(""),
            "First seen after": pd.to_datetime(frame["first_seen_after"]),
        }
    )


PEOPLE_COLUMNS = {
    "Attendee": st.column_config.TextColumn(width="medium"),
    "Event": st.column_config.TextColumn(width="medium"),
    "Date": st.column_config.DateColumn(format="YYYY-MM-DD"),
    "First seen after": st.column_config.DateColumn(format="YYYY-MM-DD"),
}


def people(view: MeetupView, within_days: int) -> None:
    """Attendees who followed before, who followed after, who came again, and everyone."""
    attendees = view.attendees
    before_tab, after_tab, repeat_tab, all_tab = st.tabs(
        ["Followers before the event", f"Followed within {within_days} days", "Repeat attendees", "All attendees"]
    )
    with before_tab:
        before = attendees[attendees["relation"] == RELATION_BEFORE]
        if before.empty:
            st.caption("No confirmed attendee was a follower the day before their event.")
        else:
            st.dataframe(_people(before), hide_index=True, column_config=PEOPLE_COLUMNS, key="meetups_before")
    with after_tab:
        after = attendees[attendees["relation"] == RELATION_AFTER]
        if after.empty:
            st.caption(
                f"No confirmed attendee started following within {within_days} days of their event. Import follower "
                "lists from after the event, then **Match again** below."
            )
        else:
            st.dataframe(_people(after), hide_index=True, column_config=PEOPLE_COLUMNS, key="meetups_after")
    with repeat_tab:
        if view.repeat.empty:
            st.caption("Nobody came to two events or more yet.")
        else:
            st.dataframe(
                pd.DataFrame(
                    {
                        "Name": view.repeat["name"],
                        "Handle": ["@" + h if isinstance(h, str) else "" for h in view.repeat["handle"]],
                        "Follower": ["@" + h if isinstance(h, str) else "" for h in view.repeat["follower_handle"]],
                        "Events": view.repeat["events"],
                        "Last event": pd.to_datetime(view.repeat["last_event"]),
                        "Which": view.repeat["event_names"],
                    }
                ),
                hide_index=True, key="meetups_repeat",
                column_config={
                    "Last event": st.column_config.DateColumn(format="YYYY-MM-DD"),
                    "Which": st.column_config.TextColumn(width="large"),
                },
            )
    with all_tab:
        st.dataframe(_people(attendees), hide_index=True, column_config=PEOPLE_COLUMNS, key="meetups_all")


def known_in_person(store: Store, account: str, view: MeetupView, version: int, locked: bool, owner: bool) -> None:
    """Followers known in person: find and mark one (owners), the list, taking a mark back."""
    if owner:
        search_col, results_col = st.columns([1, 2])
        query = search_col.text_input("Find a follower", placeholder="handle or name", max_chars=80, key="meetups_search")
        if query.strip():
            found = meetup_follower_search(account, query.strip(), version)
            if found.empty:
                results_col.caption("No follower with that handle or name.")
            else:
                keys: list[str] = found["member_key"].astype(str).tolist()[:SEARCH_SHOWN]
                labels = {
                    str(r.member_key): (f"@{r.handle}" if isinstance(r.handle, str) else str(r.member_key))
                    + (f" ({r.name})" if isinstance(r.name, str) and r.name else "")
                    + ("" if bool(r.following_now) else ", no longer follows")
                    + (", known" if bool(r.known) else "")
                    for r in found.itertuples(index=False)
                }
                picked = results_col.selectbox("Follower", keys, format_func=lambda k: labels.get(k, k), key="meetups_pick")
                if results_col.button("Mark as known in person", key="meetups_mark", icon=":material/handshake:", disabled=locked):
                    if picked is not None:
                        run_write(store, mark_known, account, picked)
                        if "meetups_notice" not in st.session_state:
                            _notice("success", f"Marked {labels.get(picked, picked)} as known in person.")
                    st.rerun()

    known = view.known_members
    if known.empty:
        st.caption("Nobody yet: confirm matches above or mark followers by hand.")
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "Follower": [
                        "@" + h if isinstance(h, str) else str(k)
                        for h, k in zip(known["handle"], known["member_key"], strict=True)
                    ],
                    "Name": known["name"],
                    "How": [
                        "marked by hand" + (" and met" if e else "") if m else "met at an event"
                        for m, e in zip(known["marked"], known["events"], strict=True)
                    ],
                    "Events": known["events"],
                    "Follows now": known["following_now"],
                }
            ),
            hide_index=True, key="meetups_known",
        )
        marked = known[known["marked"]]
        if not marked.empty:
            with st.expander("Take back a mark made by hand"):
                mark_labels = {
                    str(k): ("@" + h if isinstance(h, str) else str(k)) for k, h in zip(marked["member_key"], marked["handle"], strict=True)
                }
                unmark = st.selectbox("Follower", list(mark_labels), format_func=lambda k: mark_labels[k], key="meetups_unmark_pick")
                if st.button("Remove the mark", key="meetups_unmark", disabled=locked) and unmark is not None:
                    run_write(store, unmark_known, account, unmark)
                    st.rerun()


def upkeep(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """Match again after newer follower lists; delete an event (owners)."""
    with st.expander("Match again, delete an event", icon=":material/settings:"):
        st.caption(
            "After importing newer follower lists, match again: open suggestions are recomputed, attendees "
            "without a match are tried again; confirmed and rejected matches are kept."
        )
        if st.button("Match again", key="meetups_rematch", icon=":material/refresh:", disabled=locked):
            result = run_write(store, match_again, account)
            if result is not None:
                _notice("success", f"{result[0]} new matches by handle, {result[1]} name matches to review.")
            st.rerun()
        event_labels = {
            int(r.event_id): f"#{int(r.event_id)} {r.name} ({pd.Timestamp(r.event_date):%Y-%m-%d})"
            for r in view.turnout.itertuples(index=False)
        }
        to_delete = st.selectbox("Event", list(event_labels), format_func=lambda e: event_labels[e], key="meetups_delete_pick")
        if st.button("Delete event", key="meetups_delete", icon=":material/delete:", disabled=locked) and to_delete is not None:
            deleted = run_write(store, delete_event, account, int(to_delete))
            if deleted is not None:
                _notice("success", f"Deleted event {deleted} with its attendees and matches.")
            st.rerun()
