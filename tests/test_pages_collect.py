"""The Collect page ("Collect followers from Bluesky or Mastodon"), run with AppTest.

Every request goes to the local stand-in of tests/collect_server.py on 127.0.0.1, through the
page's "API address" field: nothing here reaches the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.store import open_store
from analytics.ui import gate, text
from analytics.ui.store import get_store
from tests.collect_server import CollectServer, Reply, bsky_page, bsky_profile, bsky_view, running
from tests.conftest import import_bytes
from tests.pages_helpers import APP, ROOT, plain

IMPORT_PAGE = "pages/import.py"
COLLECT_PAGE = "pages/collect.py"
TIMEOUT = 60

HANDLE = "me.bsky.social"
ME_DID = "did:plc:me00000000000000000000aa"
PROFILE = "/xrpc/app.bsky.actor.getProfile"
FOLLOWERS = "/xrpc/app.bsky.graph.getFollowers"
OWNER_PW, VIEWER_PW = "owner correct horse", "viewer battery staple"


@pytest.fixture
def server() -> Iterator[CollectServer]:
    with running() as started:
        yield started


def two_pages(server: CollectServer) -> None:
    """150 distinct followers over two pages (#99 listed twice); the profile says 151."""
    profile = bsky_profile(ME_DID, HANDLE, 151)
    base = {"actor": HANDLE, "limit": "100"}
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, base, Reply(body=bsky_page(profile, [bsky_view(n) for n in range(100)], "c1")))
    server.route(FOLLOWERS, base | {"cursor": "c1"}, Reply(body=bsky_page(profile, [bsky_view(n) for n in range(99, 150)], None)))


def run(secrets: dict[str, Any] | None = None, password: str | None = None, page: str | None = COLLECT_PAGE) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if secrets:
        at.secrets = secrets
    at.run()
    assert not at.exception, at.exception
    if password is not None:
        at.text_input(key="palier_password").input(password)
        at.button[0].click()  # the sign-in form's submit button
        at.run()
        assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def collect_button(at: AppTest) -> Any:
    found = [b for b in at.button if b.label == "Collect now"]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def collect(at: AppTest, account: str, handle: str, api_url: str) -> AppTest:
    """Name a new account in the picker, fill the form, press Collect now."""
    at.text_input(key="collect_new_name").input(account).run()
    assert not at.exception, at.exception
    at.radio(key=f"collect_platform_{account}").set_value("bluesky")
    at.text_input(key=f"collect_handle_{account}").input(handle)
    at.text_input(key=f"collect_api_url_{account}").input(api_url)
    collect_button(at).click().run()
    assert not at.exception, at.exception
    return at


def the_table(at: AppTest) -> Any:
    tables = [df.value for df in at.dataframe if "Handle" in df.value.columns]
    assert len(tables) == 1
    return tables[0]


def counts(store: Any) -> dict[str, int]:
    cursor = store.cursor()
    try:
        return {t: cursor.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("imports", "snapshots", "daily_values")}
    finally:
        cursor.close()


def test_no_collection_yet_explains_and_offers_the_form(db: Path) -> None:
    at = run()
    assert not at.exception
    assert any(s.value == "Collect followers from Bluesky or Mastodon" for s in at.subheader)
    captions = " ".join(c.value for c in at.caption)
    assert "Nothing collected yet" in captions
    text = " ".join(m.value for m in at.markdown)
    assert "cannot be fetched back in time" in text
    assert any("python -m analytics collect --account me --bluesky me.bsky.social" in c.value for c in at.code)
    assert not [df for df in at.dataframe if "Handle" in df.value.columns]
    # No account chosen yet: nothing to store into.
    assert collect_button(at).disabled


def test_collect_now_stores_one_snapshot_and_lists_it(db: Path, server: CollectServer) -> None:
    two_pages(server)
    at = collect(run(), "me", HANDLE, server.base)

    assert not at.error, [e.value for e in at.error]
    success = plain(at.success[0].value)
    assert "me: 150 followers of `me.bsky.social` collected from Bluesky" in success
    assert "(the profile says 151)" in success and "stored as import #" in success
    # Every request went to the local server, and no further than it.
    assert {seen.path for seen in server.requests} == {PROFILE, FOLLOWERS}

    store = get_store()
    assert counts(store)["imports"] == 1
    cursor = store.cursor()
    try:
        members = cursor.execute("SELECT members FROM snapshots WHERE kind = 'follower'").fetchall()
    finally:
        cursor.close()
    assert members == [(150,)]

    table = the_table(at)
    assert table["Account"].tolist() == ["me"]
    assert table["Platform"].tolist() == ["Bluesky"]
    assert table["Handle"].tolist() == [HANDLE]
    assert table["Followers"].tolist() == [150] and table["Profile says"].tolist() == [151]
    assert "Nothing collected yet" not in " ".join(c.value for c in at.caption)
    # The picker now holds the new account, and the form offers the handle again.
    assert at.selectbox(key="collect_account").value == "me"
    assert at.text_input(key="collect_handle_me").value == HANDLE


def test_a_server_error_is_shown_and_nothing_is_written(db: Path, server: CollectServer) -> None:
    hostile = "[click me](https://evil.example) <b>bold</b>"
    # Retry-After: 0 keeps the five retries of a 500 instant.
    server.route(PROFILE, {"actor": HANDLE}, Reply(500, {"error": "InternalServerError", "message": hostile}, {"Retry-After": "0"}))
    at = collect(run(), "me", HANDLE, server.base)

    assert not at.success
    assert len(at.error) == 1
    shown = at.error[0].value
    assert shown.startswith("The collection failed and nothing was stored: `GET http://127.0.0.1:")
    assert "app.bsky.actor.getProfile" in shown and "HTTP 500" in shown and "after 5 retries" in shown
    assert "Traceback" not in shown
    # The whole message is one code span: no link (not even the bare URLs) and no HTML renders.
    assert shown.endswith("`") and shown.count("`") == 2 and hostile in shown
    assert counts(get_store()) == {"imports": 0, "snapshots": 0, "daily_values": 0}
    assert "Nothing collected yet" in " ".join(c.value for c in at.caption)


def test_a_bad_handle_says_so(db: Path, server: CollectServer) -> None:
    at = collect(run(), "me", "not a handle", server.base)
    assert len(at.error) == 1 and "is not a Bluesky handle" in plain(at.error[0].value)
    assert not server.requests
    assert counts(get_store())["imports"] == 0


def test_a_viewer_never_sees_the_form(db: Path) -> None:
    # An account to show: the viewer's Overview of an empty store is another page's matter.
    store = open_store(db)
    try:
        outcomes = import_bytes(store, {"counts.csv": b"date,followers\n2025-01-01,100\n2025-01-05,110\n"}, account="me")
        assert [o.status for o in outcomes] == ["imported"]
    finally:
        store.close()
    fast = access.MIN_ITERATIONS
    secrets = {"palier": {
        "owner_password_hash": access.hash_password(OWNER_PW, iterations=fast),
        "viewer_password_hash": access.hash_password(VIEWER_PW, iterations=fast),
    }}
    viewer = run(secrets, VIEWER_PW, page=None)
    # Neither the Import nor the Collect page is in a viewer's navigation at all...
    for owner_only in (IMPORT_PAGE, COLLECT_PAGE):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            viewer.switch_page(owner_only)
    assert not [b for b in viewer.button if b.label == "Collect now"]

    # ...and run directly, it stops before the section.
    page = AppTest.from_file(str(ROOT / COLLECT_PAGE), default_timeout=TIMEOUT)
    page.secrets = secrets
    page.run()
    config = access.parse_config(secrets)
    assert config.viewer_password is not None
    page.session_state["palier_visitor"] = gate.Visitor("viewer", "password", "viewer", config, config.viewer_password.digest)
    page.run()
    assert not page.exception
    assert "Only the owner" in page.error[0].value
    assert not [b for b in page.button if b.label == "Collect now"]
    assert not [s for s in page.subheader if "Collect" in s.value]

    owner = run(secrets, OWNER_PW)
    assert collect_button(owner)


def test_literal_keeps_any_text_in_one_code_span() -> None:
    assert text.literal("me@mastodon.social") == "`me@mastodon.social`"
    assert text.literal("a `b` c") == "``a `b` c``"
    assert text.literal("`x``") == "``` `x`` ```"
    assert text.literal("two\nlines") == "`two lines`"
