"""Meetups, Churn and Growth in a French session show none of the English their older strings
had (issue #20 item 4; the words below are from those strings before they went through _())."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from analytics.meetups.store import import_event
from analytics.store import open_store
from tests.conftest import import_bytes
from tests.test_french_session import db, english_in, french_app, visible_text  # noqa: F401 - db is a fixture

ENGLISH = [
    # Meetups
    "Known in person", "Events", "Followers met", "Repeat attendees", "Add an event", "Turnout by event",
    "Followers who came", "All attendees", "Match again", "Find a follower", "No event yet", "Attendee",
    "Latest event", "New followers met", "follower before",
    # Churn
    "From the list of", "To the list of", "Followed", "Unfollowed", "Nobody followed", "Quick unfollows",
    "Loss day after a gain day", "Volatility", "First seen",
    # Growth
    "Net change", "Growth rate", "Per day", "Expected around", "Not at this trend", "Best and worst",
    # Anywhere
    "Not enough data", "the", "and", "with", "between",
]
FOLLOWERS_1 = b"handle,name\nzoe_c,Zoe Clarke\njose_m,Jose Martinez\npriya_p,Priya Patel\nsam_w,Sam Walker\n"
FOLLOWERS_2 = b"handle,name\nzoe_c,Zoe Clarke\npriya_p,Priya Patel\nsam_w,Sam Walker\nana_r,Ana Ruiz\n"
EVENT = b"Name,Twitter\nZoe Clarke,@zoe_c\nAna Ruiz,@ana_r\nQuentin Nobody,\n"


def _seed(path: Path) -> None:
    store = open_store(path)
    try:
        import_bytes(store, {"f1.csv": FOLLOWERS_1}, account="moi", snapshot_date=dt.date(2026, 3, 1))
        import_bytes(store, {"f2.csv": FOLLOWERS_2}, account="moi", snapshot_date=dt.date(2026, 3, 20))
        import_event(store, "moi", EVENT, "apero.csv", event_name="Apéro", event_date=dt.date(2026, 3, 10), place="Lyon")
    finally:
        store.close()


def english_words(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def test_meetups_churn_and_growth_in_french_show_no_english(db: Path) -> None:  # noqa: F811 - the fixture
    _seed(db)
    for page in ("pages/meetups.py", "pages/churn.py", "pages/growth.py"):
        at = french_app(page)
        text = visible_text(at) + "\n" + "\n".join(str(tab.label) for tab in at.tabs) \
            + "\n" + "\n".join(str(metric.label) for metric in at.metric)
        assert text.strip(), page
        found = [w for w in ENGLISH if english_words(text, w)] + english_in(text)
        assert found == [], (page, found)
    meetups = french_app("pages/meetups.py")
    assert "Rencontrés en vrai" in [metric.label for metric in meetups.metric]
