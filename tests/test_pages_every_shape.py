"""A visitor never sees a traceback: every page, as a viewer and as the owner, on stores of every
shape. Activity, Churn and Audience raised StreamlitPageNotFoundError for a viewer (they linked to
the Import page, which a viewer's navigation does not hold) on a store with only a follower-count
CSV and on an account with a single follower list; no page may link to a page its visitor cannot
open (analytics.ui.widgets.link_to_import checks the role)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.store import Store, open_store
from tests.conftest import import_bytes
from tests.test_access import VIEWER_PW, access_throttle_reset, app, passwords, sign_in

FIXTURES = Path(__file__).resolve().parent / "fixtures"
COUNTS = b"date,followers\n2025-01-01,100\n2025-01-05,110\n2025-01-10,105\n"
LIST_1 = b"handle,name,bio\nalice,Alice,hello\nbob,Bob,hi\n"
LIST_2 = b"handle,name,bio\nalice,Alice,hello\ncarol,Carol,data and maps\n"

VIEWER_PAGES = ["pages/overview.py", "pages/growth.py", "pages/churn.py", "pages/activity.py",
                "pages/audience.py", "pages/meetups.py"]
OWNER_PAGES = [*VIEWER_PAGES, "pages/import.py", "pages/collect.py"]


def _totals(store: Store) -> None:
    assert import_bytes(store, {"counts.csv": COUNTS}, account="acme")[0].status == "imported"


def _flows(store: Store) -> None:
    # The X account overview: daily new follows and unfollows, no follower total.
    path = FIXTURES / "x" / "account_overview_analytics.csv"
    assert import_bytes(store, {path.name: path.read_bytes()}, account="acme")[0].status == "imported"


def _one_list(store: Store) -> None:
    assert import_bytes(store, {"list.csv": LIST_1}, account="acme", snapshot_date=dt.date(2025, 1, 2))[0].status == "imported"


def _lists(store: Store) -> None:
    _one_list(store)
    assert import_bytes(store, {"list.csv": LIST_2}, account="acme", snapshot_date=dt.date(2025, 1, 9))[0].status == "imported"


def _posts(store: Store) -> None:
    path = FIXTURES / "x" / "tweet_activity_metrics_palier_demo_20210801_20210901_en.csv"
    assert import_bytes(store, {path.name: path.read_bytes()}, account="acme")[0].status == "imported"


def _empty(store: Store) -> None:
    pass


SHAPES: dict[str, Callable[[Store], None]] = {
    "empty": _empty, "totals only": _totals, "flows only": _flows, "one list": _one_list,
    "several lists": _lists, "posts only": _posts,
}


@pytest.fixture(params=list(SHAPES))
def shaped_db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "palier.duckdb"
    monkeypatch.setenv("PALIER_DB", str(path))
    monkeypatch.setenv("PALIER_DEMO", "0")
    store = open_store(path)
    try:
        SHAPES[request.param](store)
    finally:
        store.close()
    st.cache_resource.clear()
    st.cache_data.clear()
    access_throttle_reset()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def _visit(at: AppTest, pages: list[str], role: str) -> None:
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (role, page, [e.message for e in at.exception])
        shown = " ".join(e.value for e in at.error)
        assert "Traceback" not in shown and "Unexpected error" not in shown, (role, page, shown)
        if role == "viewer":
            # A viewer is pointed at the owner, never at a page of theirs.
            assert not any(getattr(link, "proto", None) and "import" in str(link.proto.page).lower()
                           for link in at.get("page_link")), page


def test_every_page_as_a_viewer(shaped_db: Path) -> None:
    at = sign_in(app(passwords()), VIEWER_PW)
    _visit(at, VIEWER_PAGES, "viewer")


def test_every_page_as_the_owner(shaped_db: Path) -> None:
    at = app()  # local use: the owner
    _visit(at, OWNER_PAGES, "owner")


def test_only_the_link_helper_links_to_pages() -> None:
    """One place decides whether a visitor may be sent to a page: analytics.ui.widgets."""
    root = Path(__file__).resolve().parent.parent
    files = [*sorted((root / "pages").glob("*.py")), *sorted((root / "analytics" / "ui").glob("*.py"))]
    linking = [f.name for f in files if f.name != "widgets.py" and ("page_link(" in f.read_text() or "switch_page(" in f.read_text())]
    assert linking == []
