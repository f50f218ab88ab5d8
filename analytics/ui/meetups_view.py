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
from analytics.i18n import N_, _, format_date, format_number, format_percent, ngettext
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
from analytics.ui import tables
from analytics.ui.reads import MeetupView, meetup_follower_search, meetup_unmatched
from analytics.ui.tables import localized
from analytics.ui.text import escape_markdown as esc
from analytics.ui.text import show_error
from analytics.ui.widgets import chart_config, date_input_format

log = logging.getLogger("palier.meetups")

REVIEW_SHOWN = 15  # suggestions shown at once; the rest come as these are decided
SEARCH_SHOWN = 20
PEOPLE_HEIGHT = 280  # about seven rows: the answer stays in the first screen; the table scrolls
READ_ONLY = N_(
    "The store is open read-only because another Palier window or command is using it: "
    "close that one to add events or confirm matches."
)
# How an attendee was matched and where the match stands (stored in English, shown through _()).
MATCH_WORDS = {
    "handle": N_("handle"), "fuzzy": N_("name"), "manual": N_("manual"),
    "confirmed": N_("confirmed"), "suggested": N_("suggested"), "rejected": N_("rejected"),
}


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
        _notice("error", _("Unexpected error ({kind}): {error}").format(kind=type(exc).__name__, error=exc))
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


def _confirmed(view: MeetupView) -> pd.DataFrame:
    attendees = view.attendees
    return attendees[attendees["match_status"] == "confirmed"] if not attendees.empty else attendees


def headline(view: MeetupView, within_days: int) -> None:
    """The answer: known in person, events, followers met, new followers met, repeat attendees."""
    # A wrapping row, not st.columns: two cards a line on a phone instead of one card a screen.
    row = st.container(horizontal=True, wrap=True, gap="small")
    if view.share is not None:
        row.metric(
            _("Known in person"), format_percent(view.share, 1, fixed=True), border=True, width="stretch",
            help=_("{known} of the {listed} followers in the latest follower list ({date}) are known in person: "
                   "marked by hand or a confirmed match.").format(
                known=format_number(view.known), listed=format_number(view.listed), date=format_date(view.list_date))
            if view.list_date else None,
        )
    else:
        row.metric(_("Known in person"), "—", border=True, width="stretch", help=_("No follower list imported for this account yet."))
    row.metric(_("Events"), format_number(len(view.turnout)), border=True, width="stretch")
    confirmed = _confirmed(view)
    row.metric(
        _("Followers met"), format_number(confirmed["member_key"].nunique() if not confirmed.empty else 0), border=True, width="stretch",
        help=_("Different people matched to a follower (confirmed matches), over all events."),
    )
    after = confirmed[confirmed["relation"] == RELATION_AFTER] if not confirmed.empty else confirmed
    row.metric(
        _("New followers met"), format_number(after["member_key"].nunique() if not after.empty else 0), border=True, width="stretch",
        help=_("Attendees who started following you within {days} days after their event.").format(days=within_days),
    )
    row.metric(
        _("Repeat attendees"), format_number(len(view.repeat)), border=True, width="stretch",
        help=_("People who came to two events or more."),
    )
    if view.share is None:
        st.caption(
            _("No follower list for this account: import one on the Import page to match attendees. "
              "Events can be added now and matched later with **Match again**.")
        )
    elif not view.turnout.empty:
        st.markdown(latest_event_sentence(view.turnout, within_days))


def latest_event_sentence(turnout: pd.DataFrame, within_days: int) -> str:
    """One sentence on the latest event: who came, how many followed already, how many since."""
    latest = turnout.sort_values(["event_date", "event_id"]).iloc[-1]
    came = ngettext("{count} attendee", "{count} attendees", int(latest["attendees"])).format(
        count=format_number(int(latest["attendees"]))
    )
    return _("Latest event, **{event}** ({date}): {came}, {followers} of them your followers, "
             "{new} new followers within {days} days.").format(
        event=esc(latest["name"]), date=format_date(pd.Timestamp(latest["event_date"])), came=came,
        followers=format_number(int(latest["matched"])), new=format_number(int(latest["followed_after"])), days=within_days,
    )


def add_event(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """The attendee file, the event's name, date and place, and the Add event button (owners)."""
    with st.expander(_("Add an event"), icon=":material/group_add:", expanded=view.turnout.empty):
        round_ = st.session_state.get("meetups_upload_round", 0)
        upload = st.file_uploader(
            _("Attendee list (CSV)"), type=["csv"], key=f"meetups_file_{round_}",
            help=_("Meetup, Eventbrite or Luma export, or any CSV with a name column (Name, or First Name and "
                   "Last Name) and optional handle columns (Twitter, X handle, Bluesky, Mastodon, LinkedIn, Profile URL). "
                   "Only people who said yes, are attending or checked in are kept."),
        )
        name_col, date_col, place_col = st.columns([2, 1, 2])
        event_name = name_col.text_input(
            _("Event name"), max_chars=200, key="meetups_event_name", placeholder=_("Data meetup #12")
        )
        event_date = date_col.date_input(_("Date"), value=None, format=date_input_format(), key="meetups_event_date")
        place = place_col.text_input(_("Place (optional)"), max_chars=200, key="meetups_event_place", placeholder="Lyon")
        missing = [
            what for what, ok in (
                (_("an attendee file"), upload is not None),
                (_("an event name"), bool(event_name.strip())),
                (_("a date"), isinstance(event_date, dt.date)),
            ) if not ok
        ]
        if st.button(
            _("Add event"), type="primary", icon=":material/download:", key="meetups_import",
            disabled=bool(missing) or locked, help=_("Needs {what}.").format(what=", ".join(missing)) if missing else None,
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
    st.plotly_chart(
        turnout_figure(view.turnout, within_days), config=chart_config(), key="meetups_turnout_chart"
    )
    share = _("Share of attendees")
    turnout_table = view.turnout.rename(
        columns={
            "name": _("Event"), "event_date": _("Date"), "place": _("Place"), "attendees": _("Attendees"),
            "matched": _("Followers among them"), "to_review": _("To review"),
            "followers_before": _("Followers the day before"),
            "followed_after": _("Followed within {count} days").format(count=within_days), "share": share,
        }
    ).drop(columns=["event_id"])
    turnout_table[share] = turnout_table[share] * 100
    tables.dataframe(
        localized(turnout_table, {share: tables.percent(0, of_hundred=True)}, counts=True),
        hide_index=True, key="meetups_turnout_table",
        column_config={
            _("Event"): st.column_config.TextColumn(width="medium"),
            _("Place"): st.column_config.TextColumn(width="medium"),
            _("Date"): st.column_config.DateColumn(format=tables.date_column_format()),
        },
    )
    st.caption(
        _("Followers among them: attendees matched to a follower (confirmed). The day before: their "
          "follower list showed them the day before the event. Followed within N days: first seen in a "
          "follower list from the event day to N days later. Lists are snapshots, so dates are as precise "
          "as their spacing.")
    )


def review(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """Name matches waiting for the owner's Confirm or Reject."""
    attendees = view.attendees
    suggested = attendees[attendees["match_status"] == "suggested"] if not attendees.empty else attendees
    st.subheader(_("Matches to review"))
    if suggested.empty:
        st.caption(
            _("Nothing to review. Name matches score {threshold} or more out of 100 (accents, case "
              "and word order ignored); a handle the attendee gave is matched without review.").format(
                threshold=format_number(NAME_THRESHOLD))
        )
    else:
        st.caption(ngettext(
            "{count} attendee looks like a follower by name (score {threshold}+ out of 100, accents and word order "
            "ignored). Confirm the ones that are the same person.",
            "{count} attendees look like a follower by name (score {threshold}+ out of 100, accents and word order "
            "ignored). Confirm the ones that are the same person.",
            len(suggested),
        ).format(count=format_number(len(suggested)), threshold=format_number(NAME_THRESHOLD)))
        for row in suggested.head(REVIEW_SHOWN).itertuples(index=False):
            attendee_id = int(row.attendee_id)
            with st.container(border=True):
                text_col, score_col, yes_col, no_col = st.columns([6, 1, 2, 2], vertical_alignment="center")
                follower = f"@{row.follower_handle}" if isinstance(row.follower_handle, str) else str(row.member_key)
                follower_name = f" ({row.follower_name})" if isinstance(row.follower_name, str) else ""
                who = row.name if isinstance(row.name, str) else _handles(row.handles)
                text_col.markdown(_("**{who}** at {event} ({date})").format(
                    who=esc(who), event=esc(row.event), date=format_date(pd.Timestamp(row.event_date))))
                text_col.caption(_("looks like {follower}").format(follower=esc(follower + follower_name)))
                score_col.markdown(format_percent(float(row.confidence), 0),
                                   help=_("Name similarity (token sort ratio on folded names)."))
                if yes_col.button(_("Confirm"), key=f"meetups_confirm_{attendee_id}", icon=":material/check:", disabled=locked):
                    confirmed = run_write(store, decide_match, account, attendee_id, "confirmed") is None
                    if confirmed and "meetups_notice" not in st.session_state:
                        _notice("success", _("Confirmed: {who} is {follower}.").format(who=who, follower=follower))
                    st.rerun()
                if no_col.button(_("Reject"), key=f"meetups_reject_{attendee_id}", icon=":material/close:", disabled=locked):
                    rejected = run_write(store, decide_match, account, attendee_id, "rejected") is None
                    if rejected and "meetups_notice" not in st.session_state:
                        _notice("success", _("Rejected: {who} is not {follower}.").format(who=who, follower=follower))
                    st.rerun()
        if len(suggested) > REVIEW_SHOWN:
            st.caption(_("{count} more after these.").format(count=format_number(len(suggested) - REVIEW_SHOWN)))


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


def _match_words(method: Any, status: Any) -> str:
    if not isinstance(status, str):
        return ""
    return "{method} ({status})".format(method=_(MATCH_WORDS.get(str(method), str(method))), status=_(MATCH_WORDS.get(status, status)))


def _people(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("Attendee"): frame["name"],
            _("Handles"): [_handles(h) for h in frame["handles"]],
            _("Event"): frame["event"],
            _("Date"): pd.to_datetime(frame["event_date"]),
            _("Follower"): ["@" + h if isinstance(h, str) else "" for h in frame["follower_handle"]],
            _("Match"): [_match_words(m, s) for m, s in zip(frame["method"], frame["match_status"], strict=True)],
            _("Followers list says"): [_(r) if isinstance(r, str) else "" for r in frame["relation"]],
            _("First seen after"): pd.to_datetime(frame["first_seen_after"]),
        }
    )


def _people_columns() -> dict[str, Any]:
    return {
        _("Attendee"): st.column_config.TextColumn(width="medium"),
        _("Event"): st.column_config.TextColumn(width="medium"),
        _("Date"): st.column_config.DateColumn(format=tables.date_column_format()),
        _("First seen after"): st.column_config.DateColumn(format=tables.date_column_format()),
    }


def people(view: MeetupView, within_days: int) -> None:
    """The answer's people: followers who came, new followers met, who came again, everyone."""
    attendees = view.attendees
    before = attendees[attendees["relation"] == RELATION_BEFORE]
    after = attendees[attendees["relation"] == RELATION_AFTER]
    before_tab, after_tab, repeat_tab, all_tab = st.tabs([
        _("Followers who came ({count})").format(count=format_number(len(before))),
        _("New followers met ({count})").format(count=format_number(len(after))),
        _("Repeat attendees ({count})").format(count=format_number(len(view.repeat))),
        _("All attendees ({count})").format(count=format_number(len(attendees))),
    ])
    with before_tab:
        if before.empty:
            st.caption(_("No confirmed attendee was a follower the day before their event."))
        else:
            tables.dataframe(_people(before), hide_index=True, column_config=_people_columns(), key="meetups_before", height=PEOPLE_HEIGHT)
    with after_tab:
        if after.empty:
            st.caption(
                _("No confirmed attendee started following within {days} days of their event. Import follower "
                  "lists from after the event, then **Match again** below.").format(days=within_days)
            )
        else:
            tables.dataframe(_people(after), hide_index=True, column_config=_people_columns(), key="meetups_after", height=PEOPLE_HEIGHT)
    with repeat_tab:
        if view.repeat.empty:
            st.caption(_("Nobody came to two events or more yet."))
        else:
            tables.dataframe(
                localized(pd.DataFrame(
                    {
                        _("Name"): view.repeat["name"],
                        _("Handle"): ["@" + h if isinstance(h, str) else "" for h in view.repeat["handle"]],
                        _("Follower"): ["@" + h if isinstance(h, str) else "" for h in view.repeat["follower_handle"]],
                        _("Events"): view.repeat["events"],
                        _("Last event"): pd.to_datetime(view.repeat["last_event"]),
                        _("Which"): view.repeat["event_names"],
                    }
                ), {}, counts=True),
                hide_index=True, key="meetups_repeat", height=PEOPLE_HEIGHT,
                column_config={
                    _("Last event"): st.column_config.DateColumn(format=tables.date_column_format()),
                    _("Which"): st.column_config.TextColumn(width="large"),
                },
            )
    with all_tab:
        tables.dataframe(_people(attendees), hide_index=True, column_config=_people_columns(), key="meetups_all", height=PEOPLE_HEIGHT)


def known_in_person(store: Store, account: str, view: MeetupView, version: int, locked: bool, owner: bool) -> None:
    """Followers known in person: find and mark one (owners), the list, taking a mark back."""
    if owner:
        search_col, results_col = st.columns([1, 2])
        query = search_col.text_input(
            _("Find a follower"), placeholder=_("handle or name"), max_chars=80, key="meetups_search"
        )
        if query.strip():
            found = meetup_follower_search(account, query.strip(), version)
            if found.empty:
                results_col.caption(_("No follower with that handle or name."))
            else:
                keys: list[str] = found["member_key"].astype(str).tolist()[:SEARCH_SHOWN]
                labels = {
                    str(r.member_key): (f"@{r.handle}" if isinstance(r.handle, str) else str(r.member_key))
                    + (f" ({r.name})" if isinstance(r.name, str) and r.name else "")
                    + ("" if bool(r.following_now) else _(", no longer follows"))
                    + (_(", known") if bool(r.known) else "")
                    for r in found.itertuples(index=False)
                }
                picked = results_col.selectbox(_("Follower"), keys, format_func=lambda k: labels.get(k, k), key="meetups_pick")
                if results_col.button(_("Mark as known in person"), key="meetups_mark", icon=":material/handshake:", disabled=locked):
                    if picked is not None:
                        run_write(store, mark_known, account, picked)
                        if "meetups_notice" not in st.session_state:
                            _notice("success", _("Marked {follower} as known in person.").format(follower=labels.get(picked, picked)))
                    st.rerun()

    known = view.known_members
    if known.empty:
        st.caption(_("Nobody yet: confirm matches above or mark followers by hand."))
    else:
        tables.dataframe(
            pd.DataFrame(
                {
                    _("Follower"): [
                        "@" + h if isinstance(h, str) else str(k)
                        for h, k in zip(known["handle"], known["member_key"], strict=True)
                    ],
                    _("Name"): known["name"],
                    _("How"): [
                        (_("marked by hand and met") if e else _("marked by hand")) if m else _("met at an event")
                        for m, e in zip(known["marked"], known["events"], strict=True)
                    ],
                    _("Events"): known["events"],
                    _("Follows now"): known["following_now"],
                }
            ).pipe(localized, {}, counts=True),
            hide_index=True, key="meetups_known",
        )
        marked = known[known["marked"]]
        if not marked.empty:
            with st.expander(_("Take back a mark made by hand")):
                mark_labels = {
                    str(k): ("@" + h if isinstance(h, str) else str(k)) for k, h in zip(marked["member_key"], marked["handle"], strict=True)
                }
                unmark = st.selectbox(_("Follower"), list(mark_labels), format_func=lambda k: mark_labels[k], key="meetups_unmark_pick")
                if st.button(_("Remove the mark"), key="meetups_unmark", disabled=locked) and unmark is not None:
                    run_write(store, unmark_known, account, unmark)
                    st.rerun()


def upkeep(store: Store, account: str, view: MeetupView, locked: bool) -> None:
    """Match again after newer follower lists; delete an event (owners)."""
    with st.expander(_("Match again, delete an event"), icon=":material/settings:"):
        st.caption(
            _("After importing newer follower lists, match again: open suggestions are recomputed, attendees "
              "without a match are tried again; confirmed and rejected matches are kept.")
        )
        if st.button(_("Match again"), key="meetups_rematch", icon=":material/refresh:", disabled=locked):
            result = run_write(store, match_again, account)
            if result is not None:
                _notice("success", " ".join((
                    ngettext("{count} new match by handle,", "{count} new matches by handle,", result[0]).format(count=result[0]),
                    ngettext("{count} name match to review.", "{count} name matches to review.", result[1]).format(count=result[1]),
                )))
            st.rerun()
        event_labels = {
            int(r.event_id): f"#{int(r.event_id)} {r.name} ({format_date(pd.Timestamp(r.event_date))})"
            for r in view.turnout.itertuples(index=False)
        }
        to_delete = st.selectbox(_("Event"), list(event_labels), format_func=lambda e: event_labels[e], key="meetups_delete_pick")
        if st.button(_("Delete event"), key="meetups_delete", icon=":material/delete:", disabled=locked) and to_delete is not None:
            deleted = run_write(store, delete_event, account, int(to_delete))
            if deleted is not None:
                _notice("success", _("Deleted event {event} with its attendees and matches.").format(event=deleted))
            st.rerun()
