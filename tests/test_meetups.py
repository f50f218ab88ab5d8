"""Meetups: attendee CSVs, matching to followers, decisions, and the figures read from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import BadExportError, PalierError
from analytics.meetups.attendees import parse_attendees
from analytics.meetups.matching import NAME_THRESHOLD, Candidate, Matcher, fold_name, normalize_handle
from analytics.meetups.store import (
    decide_match,
    delete_event,
    import_event,
    mark_known,
    match_again,
    match_by_hand,
    unmark_known,
)
from analytics.metrics import meetups as m
from analytics.store import Store
from analytics.store.accounts import delete_account, require_account
from tests.conftest import import_bytes, import_fixture
from tests.storedump import dump

FIXTURES = Path(__file__).parent / "fixtures" / "meetups"
MEETUP = FIXTURES / "meetup_rsvps.csv"
EVENTBRITE = FIXTURES / "eventbrite_attendees.csv"
LUMA = FIXTURES / "luma_guests.csv"

# The follower lists of account "me": weekly-ish snapshots around three events.
LIST_FEB = (
    "handle,name\nZoeClarke_,Zoe Clarke\njose_m,Jose Martinez\nleo_dubois,Leo Dubois\npriya_p,Priya Patel\n"
    "emma1,Emma Smith\nemma2,Emma Smith\nsam_w,Sam Walker\n"
)
LIST_MAR = LIST_FEB + "analima@mastodon.social,Ana Lima\n"
LIST_APR = LIST_MAR + "olivia.bsky.social,Olivia Nguyen\n"
LISTS = ((dt.date(2026, 2, 20), LIST_FEB), (dt.date(2026, 3, 10), LIST_MAR), (dt.date(2026, 4, 20), LIST_APR))
MEETUP_DAY = dt.date(2026, 3, 5)
EVENTBRITE_DAY = dt.date(2026, 4, 8)
LUMA_DAY = dt.date(2026, 5, 10)


def _lists(store: Store, account: str = "me") -> None:
    for day, text in LISTS:
        outcomes = import_bytes(store, {"followers.csv": text.encode()}, account=account, snapshot_date=day)
        assert [o.status for o in outcomes] == ["imported"]


def _event(store: Store, path: Path, day: dt.date, account: str = "me", name: str | None = None):  # noqa: ANN202
    return import_event(store, account, path.read_bytes(), path.name, event_name=name or path.stem, event_date=day, place="Lyon")


def _account_id(store: Store, name: str = "me") -> int:
    cursor = store.cursor()
    try:
        return require_account(cursor, name).account_id
    finally:
        cursor.close()


def _read(store: Store, fn, *args, **kwargs):  # noqa: ANN001, ANN202
    cursor = store.cursor()
    try:
        return fn(cursor, _account_id(store), *args, **kwargs)
    finally:
        cursor.close()


def _by_name(frame, event: str | None = None) -> dict[str, dict]:  # noqa: ANN001
    rows = frame if event is None else frame[frame["event"] == event]
    return {r["name"]: r for r in rows.to_dict("records")}


@pytest.fixture
def loaded(store: Store) -> Store:
    _lists(store)
    for path, day in ((MEETUP, MEETUP_DAY), (EVENTBRITE, EVENTBRITE_DAY), (LUMA, LUMA_DAY)):
        assert _event(store, path, day).status == "imported"
    return store


# --- parsing ---------------------------------------------------------------------------------------


def test_meetup_export_keeps_yes_only() -> None:
    parsed = parse_attendees(MEETUP.read_bytes(), MEETUP.name)
    names = [a.name for a in parsed.attendees]
    assert names == ["José Martínez", "Zoë Clarke", "Léa Dubois", "Priya Patel"]  # No and Waitlist dropped
    assert parsed.skipped == {"RSVP 'No'": 1, "RSVP 'Waitlist'": 1}
    zoe = parsed.attendees[1]
    assert zoe.handles == ("zoeclarke_",) and zoe.line == 3
    assert zoe.name_key == "zoe clarke"
    # A Meetup profile URL names no social handle.
    assert parsed.attendees[0].handles == ()


def test_eventbrite_export_first_last_names_and_statuses() -> None:
    parsed = parse_attendees(EVENTBRITE.read_bytes(), EVENTBRITE.name)
    assert [a.name for a in parsed.attendees] == ["Priya Patel", "Jose Martinez", "Olivia Nguyen"]
    assert [a.response for a in parsed.attendees] == ["Checked In", "Attending", "Attending"]
    assert parsed.attendees[0].handles == ("priya_p",)  # https://twitter.com/Priya_P?s=20
    assert parsed.attendees[2].handles == ("olivia.bsky.social",)
    assert parsed.columns["name"] == "First Name + Last Name"  # never the buyer's
    assert parsed.skipped == {"Attendee Status 'Not Attending'": 1, "Attendee Status 'Refunded'": 1}


def test_luma_export_approved_or_checked_in() -> None:
    parsed = parse_attendees(LUMA.read_bytes(), LUMA.name)
    # Chloé was on the waitlist but checked in: she came.
    assert [a.name for a in parsed.attendees] == ["Priya Patel", "Zoe Clarke", "Ana Lima", "Chloé Moreau"]
    assert parsed.attendees[2].handles == ("analima@mastodon.social",)
    assert parsed.skipped == {"approval_status 'declined'": 1}


def test_emails_are_never_kept() -> None:
    for path in (EVENTBRITE, LUMA):
        parsed = parse_attendees(path.read_bytes(), path.name)
        assert "@example.com" not in repr(parsed.attendees)


def test_plain_list_without_status_and_duplicate_tickets() -> None:
    data = b"name,Twitter\nAnn Lee,@annlee\nAnn Lee,@annlee\n,\nBob,\n"
    parsed = parse_attendees(data, "list.csv")
    assert [(a.name, a.handles) for a in parsed.attendees] == [("Ann Lee", ("annlee",)), ("Bob", ())]
    assert parsed.skipped == {"listed twice": 1}


@pytest.mark.parametrize(
    ("data", "where", "expected"),
    [
        (b"", "the whole file", "an export with data"),
        (b"Name,RSVP\n", "after the header (line 1)", "at least one attendee row"),
        (b"Email,Ticket\na@b.c,1\n", "header (line 1)", "a name column"),
        (b"Name,RSVP\nAnn,Yes\nBob,Yes,extra\n", "line 3", "2 fields like the header on line 1"),
        (b"Name,RSVP\nAnn,No\nBob,Waitlist\n", "lines 2 to 3", "at least one attendee who came"),
        (b'Name,RSVP\n"Ann,Yes\n', "line 2", "every quoted field to be closed"),
    ],
    ids=["empty", "header only", "no name column", "ragged", "nobody came", "open quote"],
)
def test_bad_attendee_files(data: bytes, where: str, expected: str) -> None:
    with pytest.raises(BadExportError) as raised:
        parse_attendees(data, "event.csv")
    assert raised.value.file == "event.csv"
    assert raised.value.where == where
    assert expected in raised.value.expected
    assert str(raised.value).startswith("event.csv: ")


def test_a_bad_file_writes_nothing(store: Store) -> None:
    _lists(store)
    before = dump(store)
    with pytest.raises(BadExportError, match="line 3"):
        import_event(store, "me", b"Name\nAnn\nBob,x\n", "bad.csv", event_name="E", event_date=MEETUP_DAY)
    with pytest.raises(PalierError, match="event name"):
        import_event(store, "me", MEETUP.read_bytes(), MEETUP.name, event_name="  ", event_date=MEETUP_DAY)
    assert dump(store) == before


# --- handles and names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "handle"),
    [
        ("@Alice", "alice"),
        ("alice", "alice"),
        ("https://x.com/Alice", "alice"),
        ("https://twitter.com/alice?s=20", "alice"),
        ("x.com/alice/", "alice"),
        ("https://bsky.app/profile/alice.bsky.social", "alice.bsky.social"),
        ("@alice.bsky.social", "alice.bsky.social"),
        ("https://mastodon.social/@Bob", "bob@mastodon.social"),
        ("@bob@mastodon.social", "bob@mastodon.social"),
        ("https://www.linkedin.com/in/carol-d/", "carol-d"),
        ("https://example.org/blog", None),
        ("https://x.com/intent/follow", None),
        ("N/A", None),
        ("none", None),
        ("", None),
    ],
)
def test_normalize_handle(cell: str, handle: str | None) -> None:
    assert normalize_handle(cell) == handle


def test_fold_name() -> None:
    assert fold_name("José  Martínez") == "jose martinez"
    assert fold_name("Zoë") == fold_name("Zoe") == "zoe"
    assert fold_name("Søren Ødegård") == "soren odegard"


def test_the_quick_ways_for_plain_text_give_what_the_full_steps_give() -> None:
    # fold_name skips the Unicode steps for an ASCII name, normalize_handle its steps for a cell of
    # ASCII letters, digits and underscores (an index of a million followers does both a million
    # times). Every such text, seeded, must come out as the full steps write it.
    import random

    from analytics.meetups import matching

    rng = random.Random(20261203)
    alphabet = "aZ09_ .-@/:'\t,!éØ"
    texts = ["", "_", "__", "none", "NONE", "n_a", "N_A", "nil", "non", "Aucun", "pas_de_compte", "a", "_x_", "0", "@alice",
             "Alice_B", "bob.smith", "x.com/alice", "http:x", "www.x", "Jose Martinez", "José", "ÉMILE"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))) for _ in range(20_000)]
    texts += ["".join(rng.choice("abcXYZ019_") for _ in range(rng.randrange(1, 14))) for _ in range(20_000)]
    quick_names = quick_handles = 0
    for text in texts:
        assert fold_name(text) == (matching._fold_unicode(text) if text else ""), text
        quick_names += text.isascii()
        if text:
            assert normalize_handle(text) == matching._normalize_handle_text(text), text
            quick_handles += bool(matching._PLAIN_HANDLE.fullmatch(text))
    assert quick_names > 20_000 and quick_handles > 20_000  # both quick ways were taken


def test_names_folded_piece_by_piece_are_folded_as_a_whole() -> None:
    # NameIndex folds each whitespace-separated piece once for all names (fold_by_words): seeded
    # names of every kind of character (accents precomposed or combining, ligatures, wide and
    # non-breaking spaces, scripts without case, underscores, punctuation) fold the same both ways.
    import random

    from analytics.meetups.matching import fold_by_words

    rng = random.Random(4)
    pieces = ["a", "É", "e\u0301", "\u0308", "ß", "ﬁ", "Ø", "İ", "Σ", "翔", "Щ", "_", "-", "'", ".", "1", "²",
              " ", "\u00a0", "\u3000", "\t", "\u2028", "Ａ", "Ⅳ", "ǅ", "\u0345"]
    words: dict[str, str] = {}
    names = ["", " ", "Jean-Pierre  Élodie", "Søren\u00a0Kierkegaard", "O'Neil_Jr"]
    names += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(20_000)]
    for name in names:
        assert fold_by_words(name, words) == fold_name(name), repr(name)
    assert len(words) < len(names)  # pieces were shared


def test_candidates_read_column_by_column_are_those_read_row_by_row() -> None:
    from analytics.meetups.matching import candidates_from_frame

    frame = pd.DataFrame({
        "member_key": ["1", "alice", "3", "4"],
        "handle": ["One", None, pd.NA, "four"],
        "name": pd.array(["Ann", pd.NA, "Cé", None], dtype="string"),
        "profile_url": [None, "https://x.com/alice", float("nan"), "x.com/four"],
    })
    expected = [Candidate("1", "One", "Ann", None), Candidate("alice", None, None, "https://x.com/alice"),
                Candidate("3", None, "Cé", None), Candidate("4", "four", None, "x.com/four")]
    assert candidates_from_frame(frame) == expected


def test_matcher_rules() -> None:
    matcher = Matcher(
        [
            Candidate("1", "JoseM", "Jose Martinez", None),
            Candidate("2", "zoe", "Zoe", None),
            Candidate("3", "leo", "Leo Dubois", None),
            Candidate("4", "e1", "Emma Smith", None),
            Candidate("5", "e2", "Emma Smith", None),
            Candidate("6", "bob@mastodon.social", "Bob", "https://mastodon.social/@bob"),
        ]
    )
    assert matcher.match("Anyone", ["josem"]).member_key == "1"  # handle first, whatever the name
    assert matcher.match("B.", ["bob@mastodon.social"]).method == "handle"
    fuzzy = matcher.match("José Martínez", [])
    assert (fuzzy.member_key, fuzzy.method, fuzzy.confidence) == ("1", "fuzzy", 1.0)
    assert matcher.match("Zoë", []).member_key == "2"
    assert matcher.match("Martinez Jose", []).member_key == "1"  # word order does not matter
    # "Léa Dubois" vs "Leo Dubois" scores 90: below the threshold, two different people.
    assert NAME_THRESHOLD > 90
    assert matcher.match("Léa Dubois", []) is None
    # Two followers named Emma Smith: no coin toss.
    assert matcher.match("Emma Smith", []) is None


# --- import, idempotence, matching ---------------------------------------------------------------------


def test_import_matches_by_handle_and_suggests_by_name(loaded: Store) -> None:
    people = _read(loaded, m.attendees)
    meetup = _by_name(people, "meetup_rsvps")
    assert (meetup["Zoë Clarke"]["member_key"], meetup["Zoë Clarke"]["method"], meetup["Zoë Clarke"]["match_status"]) == (
        "zoeclarke_", "handle", "confirmed",
    )
    assert (meetup["José Martínez"]["member_key"], meetup["José Martínez"]["method"]) == ("jose_m", "fuzzy")
    assert meetup["José Martínez"]["match_status"] == "suggested"
    assert meetup["José Martínez"]["confidence"] == 1.0
    assert pd.isna(meetup["Léa Dubois"]["member_key"])  # the near miss "Leo Dubois" (90) is not matched
    eventbrite = _by_name(people, "eventbrite_attendees")
    assert eventbrite["Priya Patel"]["member_key"] == "priya_p"  # from https://twitter.com/Priya_P?s=20
    assert eventbrite["Olivia Nguyen"]["member_key"] == "olivia.bsky.social"  # from a bsky.app URL
    luma = _by_name(people, "luma_guests")
    assert luma["Ana Lima"]["member_key"] == "analima@mastodon.social"  # from https://mastodon.social/@analima
    assert luma["Zoe Clarke"]["match_status"] == "suggested"


def test_reimporting_the_same_file_changes_nothing(loaded: Store) -> None:
    before = dump(loaded)
    version = loaded.version()
    again = import_event(loaded, "me", LUMA.read_bytes(), "renamed.csv", event_name="Other", event_date=dt.date(2027, 1, 1))
    assert again.status == "unchanged"
    assert "already imported as event #3" in again.line()
    assert dump(loaded) == before
    assert loaded.version() == version


def test_confirm_and_reject_persist(loaded: Store) -> None:
    people = _by_name(_read(loaded, m.attendees), "meetup_rsvps")
    jose = int(people["José Martínez"]["attendee_id"])
    decide_match(loaded, "me", jose, "confirmed")
    people = _by_name(_read(loaded, m.attendees), "meetup_rsvps")
    assert people["José Martínez"]["match_status"] == "confirmed"
    decide_match(loaded, "me", jose, "rejected")
    assert _by_name(_read(loaded, m.attendees), "meetup_rsvps")["José Martínez"]["match_status"] == "rejected"
    # Matching again keeps the decision: a rejected follower is not suggested again.
    match_again(loaded, "me")
    assert _by_name(_read(loaded, m.attendees), "meetup_rsvps")["José Martínez"]["match_status"] == "rejected"
    with pytest.raises(PalierError, match="not 'maybe'"):
        decide_match(loaded, "me", jose, "maybe")
    lea = int(people["Léa Dubois"]["attendee_id"])
    with pytest.raises(PalierError, match="has no match"):
        decide_match(loaded, "me", lea, "confirmed")
    match_by_hand(loaded, "me", lea, "leo_dubois")
    lea_row = _by_name(_read(loaded, m.attendees), "meetup_rsvps")["Léa Dubois"]
    assert (lea_row["member_key"], lea_row["method"], lea_row["match_status"]) == ("leo_dubois", "manual", "confirmed")


def test_decisions_stay_within_the_account(loaded: Store) -> None:
    _lists(loaded, account="other")
    jose = int(_by_name(_read(loaded, m.attendees), "meetup_rsvps")["José Martínez"]["attendee_id"])
    with pytest.raises(PalierError, match="not an attendee"):
        decide_match(loaded, "other", jose, "confirmed")
    with pytest.raises(PalierError, match="not in any follower list"):
        mark_known(loaded, "me", "nobody_here")


def test_match_again_after_a_newer_list(store: Store) -> None:
    import_bytes(store, {"followers.csv": LIST_FEB.encode()}, account="me", snapshot_date=dt.date(2026, 2, 20))
    assert _event(store, EVENTBRITE, EVENTBRITE_DAY).by_handle == 1  # Priya; Olivia does not follow yet
    import_bytes(store, {"followers.csv": LIST_APR.encode()}, account="me", snapshot_date=dt.date(2026, 4, 20))
    assert match_again(store, "me") == (1, 1)  # Olivia by handle; Jose's suggestion recomputed
    olivia = _by_name(_read(store, m.attendees))["Olivia Nguyen"]
    assert olivia["member_key"] == "olivia.bsky.social"
    assert olivia["relation"] == m.RELATION_AFTER


# --- figures ------------------------------------------------------------------------------------------


def test_known_in_person_share(loaded: Store) -> None:
    # Latest list (Apr 20) has 9 followers; handle matches are confirmed: zoe, priya, olivia, ana.
    assert _read(loaded, m.known_in_person_share) == pytest.approx(4 / 9)
    mark_known(loaded, "me", "sam_w")
    mark_known(loaded, "me", "sam_w")  # twice changes nothing
    mark_known(loaded, "me", "priya_p")  # already known through a match: counted once
    assert _read(loaded, m.known_in_person_share) == pytest.approx(5 / 9)
    known = _read(loaded, m.known_members).set_index("member_key")
    assert bool(known.loc["sam_w", "marked"]) and known.loc["sam_w", "events"] == 0
    assert bool(known.loc["priya_p", "marked"]) and known.loc["priya_p", "events"] == 2
    unmark_known(loaded, "me", "sam_w")
    assert _read(loaded, m.known_in_person_share) == pytest.approx(4 / 9)
    # A rejected match no longer counts.
    zoe = int(_by_name(_read(loaded, m.attendees), "meetup_rsvps")["Zoë Clarke"]["attendee_id"])
    decide_match(loaded, "me", zoe, "rejected")
    assert _read(loaded, m.known_in_person_share) == pytest.approx(3 / 9)


def test_known_in_person_share_without_a_list(store: Store) -> None:
    import_bytes(store, {"counts.csv": b"date,followers\n2026-01-01,10\n"}, account="me")
    assert _read(store, m.known_in_person_share) is None


def test_followers_before_the_event(loaded: Store) -> None:
    before = _read(loaded, m.followers_before)
    assert sorted(zip(before["event"], before["member_key"], strict=True)) == [
        ("eventbrite_attendees", "priya_p"),
        ("luma_guests", "analima@mastodon.social"),  # first seen Mar 10, long before May 10
        ("meetup_rsvps", "priya_p"),
        ("meetup_rsvps", "zoeclarke_"),
    ]


def test_followers_gained_after(loaded: Store) -> None:
    # Olivia came on Apr 8 and is first seen on Apr 20: 12 days later.
    gained = _read(loaded, m.followers_gained_after, 30)
    assert list(gained["member_key"]) == ["olivia.bsky.social"]
    assert _read(loaded, m.followers_gained_after, 7).empty
    later = _by_name(_read(loaded, m.attendees, within_days=7))["Olivia Nguyen"]
    assert later["relation"] == m.RELATION_LATER


def test_before_is_unknown_without_an_earlier_list(store: Store) -> None:
    import_bytes(store, {"followers.csv": LIST_APR.encode()}, account="me", snapshot_date=dt.date(2026, 4, 20))
    _event(store, EVENTBRITE, EVENTBRITE_DAY)
    people = _by_name(_read(store, m.attendees))
    # The only list is dated after the event: whether Priya followed before is not known.
    assert people["Priya Patel"]["relation"] == m.RELATION_UNKNOWN
    assert _read(store, m.followers_gained_after).empty


def test_repeat_attendees(loaded: Store) -> None:
    repeat = _read(loaded, m.repeat_attendees).set_index("person")
    # Priya came three times (twice matched by handle, once only suggested by name: her name
    # is carried by her confirmed matches); Zoe twice; Jose twice, by his folded name alone.
    assert repeat.loc["member:priya_p", "events"] == 3
    assert repeat.loc["member:zoeclarke_", "events"] == 2
    assert repeat.loc["name:jose martinez", "events"] == 2
    assert list(repeat["events"]) == sorted(repeat["events"], reverse=True)
    assert len(repeat) == 3


def test_turnout_per_event(loaded: Store) -> None:
    table = _read(loaded, m.turnout).set_index("name")
    meetup = table.loc["meetup_rsvps"]
    assert (meetup["attendees"], meetup["matched"], meetup["to_review"], meetup["followers_before"]) == (4, 2, 1, 2)
    assert meetup["share"] == pytest.approx(0.5)
    eventbrite = table.loc["eventbrite_attendees"]
    assert (eventbrite["attendees"], eventbrite["matched"], eventbrite["followed_after"]) == (3, 2, 1)
    assert list(table["place"]) == ["Lyon"] * 3
    assert list(_read(loaded, m.turnout)["event_date"].astype(str)) == ["2026-05-10", "2026-04-08", "2026-03-05"]


def test_turnout_and_repeat_attendees_take_the_attendees_read_once(loaded: Store) -> None:
    # What the Meetups page does: one read of the attendees for the three frames.
    people = _read(loaded, m.attendees, within_days=7)
    pd.testing.assert_frame_equal(_read(loaded, m.turnout, 7, people=people), _read(loaded, m.turnout, 7))
    pd.testing.assert_frame_equal(_read(loaded, m.repeat_attendees, people=people), _read(loaded, m.repeat_attendees))
    # The frame given is not changed by either.
    pd.testing.assert_frame_equal(people, _read(loaded, m.attendees, within_days=7))


def test_search_followers(loaded: Store) -> None:
    found = _read(loaded, m.search_followers, "josé")
    assert list(found["member_key"]) == ["jose_m"]
    assert list(_read(loaded, m.search_followers, "@Emma")["member_key"]) == ["emma1", "emma2"]
    assert _read(loaded, m.search_followers, "  ").empty


def test_delete_event_and_delete_account(loaded: Store) -> None:
    _lists(loaded, account="other")
    _event(loaded, MEETUP, MEETUP_DAY, account="other")
    mark_known(loaded, "me", "sam_w")
    delete_event(loaded, "me", 1)
    assert len(_read(loaded, m.events)) == 2
    with pytest.raises(PalierError, match="does not belong"):
        delete_event(loaded, "other", 2)
    delete_account(loaded, "me")
    cursor = loaded.cursor()
    try:
        for table in ("meetup_events", "meetup_attendees", "meetup_matches", "known_in_person"):
            owners = {r[0] for r in cursor.execute(f"SELECT DISTINCT account_id FROM {table}").fetchall()}
            assert 1 not in owners, table
        assert cursor.execute("SELECT count(*) FROM meetup_attendees").fetchone()[0] == 4  # the other account's
    finally:
        cursor.close()


# ---------------------------------------------------------------------------------------------
# Meetups say why (issue 14, item 12)


def test_several_followers_of_one_name_are_offered_and_each_unmatched_attendee_has_a_reason(store: Store) -> None:
    emma = [f"emma_smith_{i}" for i in range(5)]
    people = "".join(f"{h},Emma Smith\n" for h in emma) + "leo_d,Leo Dubois\nann,Ann Lee\n"
    assert import_bytes(store, {"followers.csv": f"handle,name\n{people}".encode()}, account="me",
                        snapshot_date=dt.date(2026, 1, 1))[0].status == "imported"
    data = b"Name\nEmma Smith\nAnn Lee\nLea Dubois\nNobody Known\n"
    result = import_event(store, "me", data, "event.csv", event_name="Meetup", event_date=dt.date(2026, 2, 1))
    assert result.suggested == 1  # Ann Lee; the five Emma Smiths are a choice, not a coin toss
    cursor = store.cursor()
    try:
        account_id = require_account(cursor, "me").account_id
        unmatched = m.unmatched_attendees(cursor, account_id).set_index("name")
    finally:
        cursor.close()
    assert set(unmatched.index) == {"Emma Smith", "Lea Dubois", "Nobody Known"}
    several = unmatched.loc["Emma Smith"]
    assert several["reason"] == "several" and "choose" in several["reason_text"]
    assert sorted(c["handle"] for c in several["candidates"]) == emma
    below = unmatched.loc["Lea Dubois"]
    assert below["reason"] == "below_threshold" and [c["handle"] for c in below["candidates"]] == ["leo_d"]
    assert f"threshold of {NAME_THRESHOLD:.0f}" in below["reason_text"]
    assert unmatched.loc["Nobody Known", "reason"] == "no_follower"
    assert unmatched.loc["Nobody Known", "reason_text"] == "No follower of that name."
    # Choosing one of the candidates is a manual match: the attendee is no longer unmatched.
    attendee = int(several["attendee_id"])
    match_by_hand(store, "me", attendee, several["candidates"][2]["member_key"])
    cursor = store.cursor()
    try:
        assert "Emma Smith" not in set(m.unmatched_attendees(cursor, account_id)["name"])
    finally:
        cursor.close()


def test_the_demo_homonyms_and_a_seven_name_list(full_demo_copy: Path) -> None:
    from analytics.store import open_store

    store = open_store(full_demo_copy)
    try:
        cursor = store.cursor()
        try:
            account_id = require_account(cursor, "demo").account_id
            current = cursor.execute(
                "SELECT p.name, count(*) AS n FROM spells s JOIN profiles p ON p.account_id = s.account_id "
                "AND p.member_id = s.member_id WHERE s.account_id = $a AND s.kind = 'follower' AND s.last_seen IS NULL "
                "AND p.name IS NOT NULL GROUP BY p.name ORDER BY n DESC, p.name", {"a": account_id}).df()
        finally:
            cursor.close()
        shared = current.iloc[0]
        assert shared["n"] >= 5  # the demo's five current followers of the same name
        unique = current[current["n"] == 1]["name"].tolist()
        # Four followers whose names are far from every other follower's (a clear suggestion each).
        chosen = [n for n in unique if n.isascii() and " " in n and len(n) > 8][:4]
        names = [chosen[0], "Quentin Zabriskie-Oyelaran", chosen[1], str(shared["name"]), chosen[2],
                 "Marguerite Vandersloot", chosen[3]]
        data = ("Name\n" + "\n".join(names) + "\n").encode()
        result = import_event(store, "demo", data, "seven.csv", event_name="Seven", event_date=dt.date(2026, 11, 1))
        assert result.attendees == 7
        cursor = store.cursor()
        try:
            unmatched = m.unmatched_attendees(cursor, account_id, result.event_id).set_index("name")
            matched = m.attendees(cursor, account_id, result.event_id)
        finally:
            cursor.close()
        found = set(matched[matched["member_key"].notna()]["name"])
        # Each of the four is matched, or else told why with its candidates: never dropped silently.
        for name in chosen:
            assert name in found or (name in unmatched.index and unmatched.loc[name, "candidates"]), name
        assert len(found) + len(unmatched) == 7
        assert unmatched.loc[str(shared["name"]), "reason"] == "several"
        assert len(unmatched.loc[str(shared["name"]), "candidates"]) >= int(shared["n"])
        for stranger in ("Quentin Zabriskie-Oyelaran", "Marguerite Vandersloot"):
            assert unmatched.loc[stranger, "reason"] in ("no_follower", "below_threshold")
            assert unmatched.loc[stranger, "reason_text"]
    finally:
        store.close()


def test_turnout_labels_put_each_day_under_its_event_and_stay_text() -> None:
    """Two events' labels side by side ran into each other on a phone: the day goes under the
    name. A pasted name stays text (Plotly reads some HTML in labels): only our line break is markup."""
    import pandas as pd

    from analytics.charts.meetups import turnout_figure

    table = pd.DataFrame({
        "event_id": [1, 2], "name": ["Apéro open data", "<b>Meetup</b>"],
        "event_date": [dt.date(2026, 6, 3), dt.date(2026, 9, 16)], "place": ["Lyon", None],
        "attendees": [23, 28], "matched": [14, 18], "to_review": [0, 0], "followers_before": [11, 14],
        "followed_after": [3, 4], "share": [0.6, 0.64],
    })
    labels = list(turnout_figure(table).data[0].x)
    assert labels[0] == "Apéro open data<br>03 Jun 2026"
    assert labels[1] == "&lt;b&gt;Meetup&lt;/b&gt;<br>16 Sep 2026"


def test_names_scored_all_at_once_give_what_one_extract_an_attendee_gave() -> None:
    """`Matcher` scores every attendee's name in one `process.cdist`; the rules are those of one
    `process.extract` an attendee (threshold, ties, closest below it, at most MAX_CANDIDATES in
    the followers' order). Seeded followers with many shared names, attendees with typos,
    swapped words, accents, unknown and empty names: the same answers both ways."""
    import random

    from rapidfuzz import fuzz, process

    from analytics.meetups.matching import CLOSE_SCORE, MAX_CANDIDATES, Candidate, Matcher, Unmatched, fold_name

    rng = random.Random(16)
    firsts = ["Emma", "Léa", "Leo", "José", "Jose", "Zoë", "Chloé", "Noah", "Hugo", "Inès", "Jon", "John", "Anna", "Ana"]
    lasts = ["Smith", "Dubois", "Martínez", "Martinez", "Nguyen", "Müller", "Muller", "Bernard", "Leroy", "Moreau"]
    candidates = [
        Candidate(str(1000 + n), f"user{n}", f"{rng.choice(firsts)} {rng.choice(lasts)}" if n % 17 else "", None)
        for n in range(3000)
    ]
    unique = ["Søren Kierkegaard", "Olivia Nguyen-Park", "Bartholomew Oyelaran", "Maëlle Rousseau-Vidal"]
    candidates += [Candidate(str(9000 + n), f"solo{n}", name, None) for n, name in enumerate(unique)]
    matcher = Matcher(candidates)
    # The reference: every follower's folded name, in the followers' order.
    folded_names = {c.member_key: fold_name(c.name) for c in candidates if fold_name(c.name)}
    name_keys, names_in_order = list(folded_names), list(folded_names.values())

    def typo(name: str) -> str:
        i = rng.randrange(1, len(name) - 1)
        return name[:i] + name[i + 1 :]

    people = [f"{rng.choice(firsts)} {rng.choice(lasts)}" for _ in range(30)]
    names: list[str | None] = [*people, *(typo(p) for p in people), *(" ".join(reversed(p.split())) for p in people)]
    names += ["Zebulon Quartermain", "Q", "", None, "Emma Smithson", "Léa Duboi", "Jon Smith"]
    names += [*unique, *(typo(u) for u in unique), "Soren Kierkegard", "Kierkegaard Søren"]
    attendees: list[tuple[str | None, list[str], str | None]] = [(name, [], None) for name in names]

    def reference_match(name: str | None) -> tuple[str, float] | None:
        folded = fold_name(name)
        if not folded:
            return None
        best = process.extract(folded, names_in_order, scorer=fuzz.token_sort_ratio, score_cutoff=matcher.threshold, limit=2)
        if not best or (len(best) > 1 and best[1][1] >= best[0][1]):
            return None
        return name_keys[best[0][2]], float(best[0][1])

    def reference_explain(name: str | None) -> Unmatched | None:
        if reference_match(name) is not None:
            return None
        folded = fold_name(name)
        if not folded:
            return Unmatched("no_name", ())
        found = process.extract(folded, names_in_order, scorer=fuzz.token_sort_ratio, score_cutoff=CLOSE_SCORE, limit=MAX_CANDIDATES)
        if not found:
            return Unmatched("no_follower", ())
        best = found[0][1]
        if best >= matcher.threshold:
            return Unmatched("several", tuple((name_keys[i], float(s)) for _, s, i in found if s >= best))
        return Unmatched("below_threshold", ((name_keys[found[0][2]], float(best)),))

    matched = matcher.match_many(attendees)
    explained = matcher.explain_many(attendees)
    assert [None if found is None else (found.member_key, found.confidence) for found in matched] == [
        None if r is None else (r[0], round(r[1] / 100.0, 4)) for r in (reference_match(n) for n in names)
    ]
    assert explained == [reference_explain(n) for n in names]
    reasons = {w.reason for w in explained if w is not None}
    assert reasons == {"no_name", "no_follower", "several", "below_threshold"}  # every rule was exercised
    assert sum(found is not None for found in matched) >= len(unique)
    assert any(w is not None and len(w.candidates) == MAX_CANDIDATES for w in explained)  # cut at the limit


def test_the_forms_sql_writes_for_names_and_handles_are_pythons() -> None:
    # follower_matcher reads the followers' names and handles without a Python object each: SQL
    # writes an ASCII name's form and a simple handle's normalised form. Seeded texts of every
    # shape: where SQL writes a form, it is the one Python gives (normalize_handle may refuse the
    # handle outright: a "none", a text with no letter, which its Python check then drops).
    import random

    import duckdb

    from analytics.meetups.matching import sorted_words

    rng = random.Random(20261204)
    pieces = ["a", "Z", "0", "_", ".", "-", "@", " ", "\t", "/", ":", "é", "Ø", "'", ",", "www.", "http:", "none", "N_A", "x.com/"]
    texts = ["", "@", "...", "@.alice.", "Bob@Mastodon.Social", "@bob@mastodon.social", "a@b", "WWW.x.org", "www.x@y.com",
             "n.a", "Zoe_Clarke", "olivia.bsky.social", "x.com/alice", "https://bsky.app/profile/a.b", "Émile", "did:plc:abc", "0042"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 9))) for _ in range(20_000)]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[text] for text in texts])
    rows = con.execute(f"SELECT text, {m._simple('text')}, {m._simple_form('text')} FROM t").fetchall()
    simple_shapes = set()
    for text, simple, form in rows:
        if simple and text:
            assert normalize_handle(text) in (None, form), text
            simple_shapes.add(("@" in text.lstrip("@"), "." in text))
    assert sum(bool(simple) for _t, simple, _f in rows) > 2_000 and sum(not simple for _t, simple, _f in rows) > 2_000
    assert simple_shapes == {(False, False), (False, True), (True, True)}  # a word, a dotted name, user@instance

    names = ["", "Jose Martinez", "martinez  JOSE", "Zoe_Clarke-Smith", "  A.B.  c ", "___", "O'Neil\tJr."]
    names += ["".join(rng.choice("abcXY 019_-.,'\t!") for _ in range(rng.randrange(1, 16))) for _ in range(5_000)]
    con.execute("CREATE TABLE n (name VARCHAR)")
    con.executemany("INSERT INTO n VALUES (?)", [[name] for name in names])
    for name, form in con.execute(f"SELECT name, {m._ASCII_FORM} FROM n").fetchall():
        assert form == sorted_words(fold_name(name)), name


def test_the_follower_matcher_read_from_the_store_answers_as_one_built_from_every_follower(store: Store) -> None:
    # follower_matcher reads only the followers an attendee's handle can name and the names grouped;
    # Matcher(candidates_from_frame(follower_candidates(...))) builds every follower. On seeded
    # followers (handles of every shape, shared and foreign names), the same answers both ways.
    import random

    from analytics.meetups.matching import candidates_from_frame

    rng = random.Random(1204)
    firsts = ["Emma", "Léa", "Leo", "José", "Jose", "Zoë", "Noah", "Hugo", "Jon", "John", "翔太", "Алексей", "O'Neil"]
    lasts = ["Smith", "Dubois", "Martínez", "Martinez", "Müller", "Muller", "Leroy", "佐藤", "Иванов", "Nguyen-Park"]
    shapes = ["user{n}", "User_{n}", "@u{n}", "u{n}.bsky.social", "u{n}@mastodon.social", "lucía{n}", "陽菜{n}",
              "https://x.com/U{n}", ".dot{n}.", "none", "n_a", "shared"]
    rows = ["id,handle,name"]  # keyed by a numeric id, by an id like a handle, or by their handle
    handles = []
    for n in range(1500):
        handle = rng.choice(shapes).format(n=n)
        handles.append(handle)
        name = f"{rng.choice(firsts)} {rng.choice(lasts)}" if n % 13 else ""
        name = f"Bartholomew Oyelaran {n}" if n % 100 == 1 else name
        key = 1000 + n if n % 2 else f"Acct{n}" if n % 6 == 4 else ""
        rows.append(f'{key},"{handle}","{name}"')
    outcomes = import_bytes(store, {"followers.csv": ("\n".join(rows) + "\n").encode()}, snapshot_date=dt.date(2026, 2, 1))
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]
    # Followers with profile URLs too (an Instagram export links each profile).
    instagram = Path(__file__).parent / "fixtures" / "instagram" / "followers_1.json"
    assert [o.status for o in import_fixture(store, instagram, snapshot_date=dt.date(2026, 2, 2))] == ["imported"]

    asked = [normalize_handle(h) for h in rng.sample(handles, 200)] + ["shared", "nobody"]
    asked += [f"acct{n}" for n in range(4, 400, 6)]
    attendees: list[tuple[str | None, list[str], str | None]] = [(None, [h], None) for h in asked if h]
    attendees += [(f"{rng.choice(firsts)} {rng.choice(lasts)}", [], None) for _ in range(40)]
    attendees += [(f"Bartholomew Oyelaran {n}", [], None) for n in (1, 101, 1401)]
    attendees += [(None, [], "https://www.instagram.com/tom_baker/"), (None, ["nobody"], "instagram.com/maria.lopez")]
    attendees += [("Emma Smyth", ["nobody"], None), ("x", [], "https://x.com/U7"), (None, [], None), ("Zebulon Q", [], None)]
    cursor = store.cursor()
    try:
        account_id = _account_id(store)
        everyone = Matcher(candidates_from_frame(m.follower_candidates(cursor, account_id)))
        read = m.follower_matcher(cursor, account_id, attendees)
        assert read.match_many(attendees) == everyone.match_many(attendees)
        assert read.explain_many(attendees) == everyone.explain_many(attendees)
        found = everyone.match_many(attendees)
    finally:
        cursor.close()
    assert sum(f is not None and f.method == "handle" for f in found) > 100  # handles of every shape were found
    assert sum(f is not None and f.method == "fuzzy" for f in found) > 0


def test_the_followers_names_are_read_once_until_an_import_changes_them(store: Store, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    # The name index of a million followers takes seconds to read, and the matches to review are
    # read again after every decision: it is kept while the account's imports stay the same.
    from analytics.meetups.matching import NameIndex
    from analytics.store import open_store
    from analytics.store.accounts import delete_import, list_imports

    reads: list[int] = []
    of_names = NameIndex.of_names.__func__  # type: ignore[attr-defined]

    def counted(cls, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        reads.append(1)
        return of_names(cls, *args, **kwargs)

    monkeypatch.setattr(NameIndex, "of_names", classmethod(counted))
    asked: list[tuple[str | None, list[str], str | None]] = [("Maëlle Rousseau-Vidal", [], None), ("Priya Patel", [], None)]

    def matched(on: Store) -> list[str | None]:
        cursor = on.cursor()
        try:
            found = m.follower_matcher(cursor, _account_id(on), asked).match_many(asked)
        finally:
            cursor.close()
        return [None if f is None else f.member_key for f in found]

    _lists(store)
    assert matched(store) == [None, "priya_p"] and len(reads) == 1
    assert _event(store, MEETUP, MEETUP_DAY).status == "imported"  # a write that leaves the followers as they were
    assert matched(store) == [None, "priya_p"] and len(reads) == 1
    newer = LIST_APR + "maelle_rv,Maëlle Rousseau-Vidal\n"
    assert [o.status for o in import_bytes(store, {"followers.csv": newer.encode()}, snapshot_date=dt.date(2026, 5, 1))] == ["imported"]
    assert matched(store) == ["maelle_rv", "priya_p"] and len(reads) == 2
    delete_import(store, "me", int(list_imports(store, "me")["import_id"].max()))
    assert matched(store) == [None, "priya_p"] and len(reads) == 3
    # Another store file whose account and imports are numbered alike is read on its own.
    other = open_store(str(tmp_path / "other.duckdb"))
    try:
        import_bytes(other, {"followers.csv": (LIST_FEB.replace("Priya Patel", "Priya Other")).encode()}, snapshot_date=dt.date(2026, 2, 20))
        assert matched(other) == [None, None] and len(reads) == 4
    finally:
        other.close()
