"""A fragment's own rerun speaks the session's language (in a real browser).

A widget inside an `st.fragment` reruns only the fragment: app.py, where the language of the run
is set, does not run again, and the fragment's run starts in a context of its own. Churn's list
changes are a fragment: in a French session, picking another list must leave every word of it
French. AppTest cannot see this (it reruns the whole script on a widget change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import ARTIFACTS, _browser_page, _serve, _wait_until_idle, save_screenshot

pytestmark = pytest.mark.browser

DAYS = [dt.date(2026, 2, 1) + dt.timedelta(days=i) for i in range(3)]
# Who is in each list: some leave, some join, so both counts and both tables have rows.
MEMBERS = {0: ["ana", "bob", "cid", "dee"], 1: ["ana", "bob", "eve"], 2: ["ana", "eve", "fay", "gus"]}


def _serve_lists(tmp_path: Path, members: dict[int, list[str]]) -> Iterator[str]:
    """A server on a store holding one follower list a day, the day's members as given."""
    from analytics.store import open_store
    from tests.conftest import import_bytes

    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    try:
        for index, day in enumerate(DAYS):
            body = "handle,followers_count\n" + "".join(f"{m},{10 * (i + 1)}\n" for i, m in enumerate(members[index]))
            outcome = import_bytes(store, {f"followers_{day.isoformat()}.csv": body.encode()}, account="me")
            assert outcome[0].status == "imported", outcome[0].error
    finally:
        store.close()
    yield from _serve(db, tmp_path)


@pytest.fixture
def lists_server(tmp_path: Path) -> Iterator[str]:
    yield from _serve_lists(tmp_path, MEMBERS)


@pytest.fixture
def nobody_left_lately_server(tmp_path: Path) -> Iterator[str]:
    # cid left between the first two lists; nobody left between the last two (eve followed).
    yield from _serve_lists(tmp_path, {0: ["ana", "bob", "cid"], 1: ["ana", "bob", "dee"], 2: ["ana", "bob", "dee", "eve"]})


def test_a_fragment_rerun_stays_in_french(lists_server: str) -> None:
    with _browser_page() as (page, expect):
        page.goto(f"{lists_server}/churn?lang=fr")
        _wait_until_idle(page)
        main = page.get_by_test_id("stMain")
        expect(main.get_by_text("De la liste du", exact=True)).to_be_visible()
        # The first list instead of the one before the newest: the fragment reruns alone.
        # Found by its label, not its place: one CI run read 1 joined, not 3 (the two older lists),
        # as if the oldest had been chosen in "To".
        main.get_by_test_id("stSelectbox").filter(has_text="De la liste du").click()
        page.get_by_role("option").last.click()
        _wait_until_idle(page)
        expect(main.get_by_test_id("stMetric").first).to_contain_text("3")
        save_screenshot(page, ARTIFACTS / "churn-fragment-fr.png")
        text = main.inner_text()
        assert "De la liste du" in text and "Nouveaux abonnés" in text, text
        assert not {"From the list of", "Followed", "Unfollowed", "Net"} & set(text.splitlines()), text
        # Days in French too: "1 févr. 2026", not "01 Feb 2026".
        assert "1 févr. 2026" in text and "Feb 2026" not in text, text


def test_the_open_list_stays_open_and_alone_when_another_pair_is_chosen(nobody_left_lately_server: str) -> None:
    # Only the open list's people are read (churn_view.list_changes_section), so which list is open
    # is known before the tabs are drawn: the tabs are named without their counts (on the cards
    # above), and the list chosen stays open when another pair of lists is chosen.
    with _browser_page() as (page, expect):
        page.goto(f"{nobody_left_lately_server}/churn")
        _wait_until_idle(page)
        main = page.get_by_test_id("stMain")
        followed, unfollowed = (main.get_by_role("tab", name=name, exact=True) for name in ("Followed", "Unfollowed"))
        expect(followed).to_have_attribute("aria-selected", "true")
        people = main.get_by_role("tabpanel").filter(has=page.get_by_test_id("stDataFrame"))
        expect(people).to_have_count(1)  # eve, the one who followed between the last two lists
        unfollowed.click()
        _wait_until_idle(page)
        expect(main.get_by_text("Nobody unfollowed between these two lists.")).to_be_visible()
        expect(people).to_have_count(0)
        # The first list instead: cid left since. The list of who unfollowed stays open, now with cid.
        main.get_by_test_id("stSelectbox").filter(has_text="From the list of").click()
        page.get_by_role("option").last.click()
        _wait_until_idle(page)
        expect(main.get_by_test_id("stMetric").nth(1)).to_contain_text("1")
        expect(unfollowed).to_have_attribute("aria-selected", "true")
        expect(main.get_by_text("Nobody unfollowed between these two lists.")).to_have_count(0)
        expect(people).to_have_count(1)
        save_screenshot(page, ARTIFACTS / "churn-unfollowed-kept-open.png")
        followed.click()
        _wait_until_idle(page)
        expect(followed).to_have_attribute("aria-selected", "true")
        expect(people).to_have_count(1)
        expect(main.get_by_test_id("stMetric").first).to_contain_text("2")  # dee and eve
