"""The Meetups page under AppTest: empty, with data, an upload through the page, a confirmation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.meetups.store import import_event
from analytics.store import open_store
from tests.conftest import import_bytes
from tests.pages_helpers import APP, ROOT, metrics

PAGE = "pages/meetups.py"
TIMEOUT = 60
FIXTURES = ROOT / "tests" / "fixtures" / "meetups"
FOLLOWERS = b"handle,name\nZoeClarke_,Zoe Clarke\njose_m,Jose Martinez\npriya_p,Priya Patel\nsam_w,Sam Walker\n"
HOSTILE = b"Name,Twitter\n[click](https://evil.example) <b>x</b>,@zoeclarke_\n:red[Jose] Martinez,\n"


def seed(path: Path, *, event: bool) -> None:
    store = open_store(path)
    try:
        import_bytes(store, {"followers.csv": FOLLOWERS}, account="me", snapshot_date=dt.date(2026, 2, 20))
        if event:
            data = (FIXTURES / "meetup_rsvps.csv").read_bytes()
            import_event(store, "me", data, "meetup_rsvps.csv", event_name="Data meetup", event_date=dt.date(2026, 3, 5), place="Lyon")
    finally:
        store.close()


def page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe on the page with these columns (AppTest finds dataframes by position)."""
    for frame in at.dataframe:
        if set(columns) <= set(frame.value.columns):
            return frame.value
    raise AssertionError(f"no dataframe with the columns {columns}")


def test_without_any_account(db: Path) -> None:
    at = page()
    assert at.title[0].value == "Meetups"
    assert "No account yet" in at.info[0].value


def test_account_without_events(db: Path) -> None:
    seed(db, event=False)
    at = page()
    assert not at.exception and not at.error
    # No event is no figure (not "0.0%" known in person): the way to the first event instead.
    assert not at.metric
    assert "No event yet" in at.info[0].value
    assert at.button(key="meetups_import").disabled


def test_page_with_an_event_and_a_confirmation(db: Path) -> None:
    seed(db, event=True)
    at = page()
    assert not at.exception and not at.error
    # Zoë and Priya by handle, of 4 followers.
    assert metrics(at)["Known in person"] == "50.0%"
    assert metrics(at)["Followers met"] == "2"
    turnout = table(at, "Event", "To review")
    assert turnout.loc[0, "Event"] == "Data meetup"
    assert (turnout.loc[0, "Attendees"], turnout.loc[0, "Followers among them"], turnout.loc[0, "To review"]) == (4, 2, 1)
    assert at.get("plotly_chart")

    confirm = [b for b in at.button if b.key and b.key.startswith("meetups_confirm_")]
    assert len(confirm) == 1  # José Martínez ~ Jose Martinez
    confirm[0].click().run()
    assert not at.exception and not at.error
    assert "Confirmed" in at.success[0].value
    assert metrics(at)["Known in person"] == "75.0%"
    assert not [b for b in at.button if b.key and b.key.startswith("meetups_confirm_")]
    before = table(at, "Attendee", "Followers list says")
    assert sorted(before["Attendee"]) == ["José Martínez", "Priya Patel", "Zoë Clarke"]


def test_the_page_reads_the_attendees_once(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The turnout, the people and the repeat attendees are one read of the attendees (on a year of
    # a million followers, 0.14 s a read); the figures are those of the checks above.
    from analytics.metrics import meetups as meetup_metrics

    seed(db, event=True)
    reads: list[int] = []
    read = meetup_metrics.attendees

    def counted(*args: Any, **kwargs: Any) -> pd.DataFrame:
        reads.append(1)
        return read(*args, **kwargs)

    monkeypatch.setattr(meetup_metrics, "attendees", counted)
    at = page()
    assert not at.exception and not at.error
    assert len(reads) == 1
    assert metrics(at)["Followers met"] == "2"
    turnout = table(at, "Event", "To review")
    assert (turnout.loc[0, "Attendees"], turnout.loc[0, "Followers among them"], turnout.loc[0, "To review"]) == (4, 2, 1)


def test_mark_a_follower_known_in_person(db: Path) -> None:
    seed(db, event=True)
    at = page()
    at.text_input(key="meetups_search").input("sam").run()
    assert not at.exception
    assert at.selectbox(key="meetups_pick").value == "sam_w"
    at.button(key="meetups_mark").click().run()
    assert not at.exception and not at.error
    assert metrics(at)["Known in person"] == "75.0%"
    known = table(at, "Follower", "How")
    assert "@sam_w" in list(known["Follower"])


def test_upload_an_attendee_file_through_the_page(db: Path) -> None:
    seed(db, event=False)
    at = page()
    at.file_uploader(key="meetups_file_0").set_value(("people.csv", HOSTILE, "text/csv")).run()
    at.text_input(key="meetups_event_name").input("Apéro <script>").run()
    at.date_input(key="meetups_event_date").set_value(dt.date(2026, 3, 1)).run()
    assert not at.button(key="meetups_import").disabled
    at.button(key="meetups_import").click().run()
    assert not at.exception and not at.error
    assert "people.csv: Apéro <script> on 2026-03-01, 2 attendees" in at.success[0].value.replace("\\", "")
    # Untrusted names reach the page only as dataframe cells and escaped markdown.
    everyone = table(at, "Attendee", "Handles")
    assert "[click](https://evil.example) <b>x</b>" in list(everyone["Attendee"])
    for block in [*at.markdown, *at.caption]:
        assert "](https://evil" not in block.value and ":red[" not in block.value

    # The same file again changes nothing, and says so.
    at.file_uploader(key="meetups_file_1").set_value(("people.csv", HOSTILE, "text/csv")).run()
    at.text_input(key="meetups_event_name").input("Again").run()
    at.button(key="meetups_import").click().run()
    assert not at.exception
    assert "already imported as event #1" in at.info[0].value.replace("\\", "")
    assert at.metric[1].value == "1"


def test_a_bad_attendee_file_is_a_sentence(db: Path) -> None:
    seed(db, event=False)
    at = page()
    at.file_uploader(key="meetups_file_0").set_value(("bad.csv", b"Email,Ticket\na@b.c,1\n", "text/csv")).run()
    at.text_input(key="meetups_event_name").input("E").run()
    at.date_input(key="meetups_event_date").set_value(dt.date(2026, 3, 1)).run()
    at.button(key="meetups_import").click().run()
    assert not at.exception
    assert "bad.csv: header (line 1): expected a name column" in at.error[0].value.replace("\\", "")


def test_shared_as_figures_only(db: Path) -> None:
    from analytics import access

    seed(db, event=True)
    fast = access.MIN_ITERATIONS
    secrets = {"palier": {
        "owner_password_hash": access.hash_password("owner pw for meetups", iterations=fast),
        "viewer_password_hash": access.hash_password("viewer pw for meetups", iterations=fast),
        "share_mode": "aggregates",
    }}
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets = secrets
    at.run()
    at.text_input(key="palier_password").input("viewer pw for meetups")
    at.button[0].click()  # the sign-in form's submit button
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert metrics(at)["Known in person"] == "50.0%"  # figures stay
    shown = " ".join(df.value.to_string() for df in at.dataframe)
    for name in ("Zoë", "Priya", "José", "zoeclarke_"):
        assert name not in shown
    assert not [b for b in at.button if b.key and b.key.startswith("meetups_")]  # a viewer writes nothing
    assert any("figures only" in c.value for c in at.caption)


# Two current followers share one name (the demo has five of the same name): the attendee is
# offered as a choice between them, and every attendee matched to nobody says why.
NAMESAKES = (b"handle,name\nalex_m1,Alex Martin\nalex_m2,Alex Martin\nzoe_c,Zoe Clarke\n")
NAMESAKE_EVENT = b"Name\nAlex Martin\nQuentin Nobody\nZoe Clarke\n"


def _seed_namesakes(path: Path) -> None:
    store = open_store(path)
    try:
        import_bytes(store, {"followers.csv": NAMESAKES}, account="me", snapshot_date=dt.date(2026, 2, 20))
        import_event(store, "me", NAMESAKE_EVENT, "luma.csv", event_name="Namesakes", event_date=dt.date(2026, 3, 5))
    finally:
        store.close()


def test_an_attendee_with_namesakes_is_a_choice_and_unmatched_ones_say_why(db: Path) -> None:
    from analytics.metrics.meetups import unmatched_attendees

    _seed_namesakes(db)
    store = open_store(db)
    try:
        cursor = store.cursor()
        account_id = int(cursor.execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchall()[0][0])
        expected = unmatched_attendees(cursor, account_id)
    finally:
        store.close()
    assert set(expected["name"]) >= {"Alex Martin", "Quentin Nobody"}
    at = page()
    assert not at.exception and not at.error
    assert any(s.value == "Attendees not matched" for s in at.subheader)
    captions = " ".join(c.value for c in at.caption)
    for reason in expected["reason_text"]:
        assert reason.replace(".", "") in captions.replace("\\", "").replace(".", "")
    # Alex Martin: a choice between the two followers of that name, best first.
    alex = expected[expected["name"] == "Alex Martin"].iloc[0]
    assert alex["reason"] == "several" and {c["handle"] for c in alex["candidates"]} == {"alex_m1", "alex_m2"}
    radio = at.radio(key=f"meetups_pick_{int(alex['attendee_id'])}")
    assert len(radio.options) == 2 and radio.value is None
    assert at.button(key=f"meetups_match_{int(alex['attendee_id'])}").disabled
    # Nobody of Quentin's name: a reason, no choice.
    quentin = expected[expected["name"] == "Quentin Nobody"].iloc[0]
    assert len(quentin["candidates"]) == 0
    assert not [r for r in at.radio if r.key == f"meetups_pick_{int(quentin['attendee_id'])}"]

    # Choosing the second follower matches the attendee by hand.
    chosen = alex["candidates"][1]
    radio.set_value(1).run()
    at.button(key=f"meetups_match_{int(alex['attendee_id'])}").click().run()
    assert not at.exception and not at.error
    assert "Matched" in at.success[0].value
    matched = table(at, "Attendee", "Follower")
    row = matched[matched["Attendee"] == "Alex Martin"].iloc[0]
    assert row["Follower"] == "@" + chosen["handle"] and "manual" in row["Match"]
    assert not [r for r in at.radio if r.key == f"meetups_pick_{int(alex['attendee_id'])}"]
