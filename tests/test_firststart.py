"""First start (issue 16, target 1): the demo's exports are in before the first page draws, its
daily lists load in the background with a progress line on every page; the pages that need the
lists say they are still loading (not "import lists"), and a failure is shown on every page.

AppTest runs app.py in this process against a real store file and the real background import of
a small demo (the settings PALIER_DEMO_SCALE and PALIER_DEMO_MONTHS). AppTest's switch_page runs
a page's file without app.py, so the progress line and the error (drawn by app.py above every
page) are checked here on the first page only; the browser test (test_firststart_browser.py)
checks them on a second tab, through a server and Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import settings
from analytics.demo import DemoLoading
from analytics.ui import store as ui_store
from analytics.ui.demo_progress import progress_text
from analytics.ui.store import demo_loading
from tests.pages_helpers import APP, infos, plain

TIMEOUT = 120
CHURN = "pages/churn.py"
AUDIENCE = "pages/audience.py"
MEETUPS = "pages/meetups.py"
SMALL_DEMO = {"PALIER_DEMO": "1", "PALIER_DEMO_SCALE": "0.05", "PALIER_DEMO_MONTHS": "4"}


@pytest.fixture
def first_start(db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`db`, empty, with the small demo turned on: the first run starts it."""
    for name, value in SMALL_DEMO.items():
        monkeypatch.setenv(name, value)
    yield db
    loading = demo_loading()
    if loading is not None:  # the thread writes to the store: let it end before the store closes
        loading.wait(300)


def _run(page: str | None = None, at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def _progress(at: AppTest) -> list[str]:
    return [plain(p.proto.text) for p in at.get("progress")]


def test_the_demo_size_settings() -> None:
    assert settings.demo_size() == {"scale": 1.0, "months": 18}


def test_the_demo_size_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_DEMO_SCALE", "0.05")
    monkeypatch.setenv("PALIER_DEMO_MONTHS", "4")
    assert settings.demo_size() == {"scale": 0.05, "months": 4}
    monkeypatch.setenv("PALIER_DEMO_SCALE", "lots")
    monkeypatch.setenv("PALIER_DEMO_MONTHS", "-2")
    assert settings.demo_size() == {"scale": 1.0, "months": 18}


def test_the_progress_counts_daily_lists_in_the_language() -> None:
    assert progress_text(0, 0) == "Preparing the demo's daily follower lists…"
    assert progress_text(1200, 5490) == "Loading the demo's daily follower lists: 1,200 of 5,490"
    assert progress_text(1, 1) == "Loading the demo's daily follower list: 1 of 1"


def test_first_start_shows_progress_then_the_lists(first_start: Path) -> None:
    at = _run()
    loading = demo_loading()
    assert loading is not None and loading.account == "demo"
    # The first page drew from the exports, the lists still on their way.
    assert at.title[0].value == "Overview"
    assert _progress(at), "no progress line on the first page"
    assert "Loading the demo's daily follower lists" in _progress(at)[0] or "Preparing" in _progress(at)[0]

    # A page that needs the lists says they are coming, and asks for no import.
    at.switch_page(CHURN).run()
    assert not at.exception
    if not loading.status()[3]:
        assert "still being loaded" in infos(at)
        assert "import at least two follower lists" not in infos(at)
        assert not [s for s in at.selectbox if s.label == "From the list of"]
    assert loading.wait(300) and loading.status()[4] is None
    done, total = loading.status()[:2]
    assert done == total > 100  # four months of daily lists

    # Done: no progress line, and the lists' part of Churn is there.
    at.run()
    assert not at.exception
    assert not _progress(at)
    assert "still being loaded" not in infos(at)
    assert [s for s in at.selectbox if s.label == "From the list of"]


def test_pages_that_need_the_lists_wait_for_them(first_start: Path) -> None:
    """Audience and Meetups neither analyse nor match against half the demo's lists."""
    at = _run()
    loading = demo_loading()
    assert loading is not None
    for page in (AUDIENCE, MEETUPS):
        at.switch_page(page).run()
        assert not at.exception
        if loading.status()[3]:
            pytest.skip("the small demo's lists were all in before this page ran (a fast machine)")
        assert "still being loaded" in infos(at), page
    assert loading.wait(300)
    at.switch_page(AUDIENCE).run()
    assert not at.exception
    assert "still being loaded" not in infos(at)


def test_a_failed_background_import_is_said_on_every_page(db: Path) -> None:
    # The process's store as it is after a first start whose lists failed (the demo off in `db`,
    # so nothing else starts one).
    opened = ui_store._open(str(ui_store.store_path()))
    failed = DemoLoading(total=549, account="demo")
    failed._finish("followers_2025-06-01_2025-06-30.csv: line 2: **bold** <b>html</b> [link](http://x.example)")
    opened.demo, opened.demo_checked = failed, True
    for _visit in range(2):  # every visit (each AppTest is a new session through app.py), not once
        at = _run()
        errors = [plain(e.value) for e in at.error]
        assert any(
            "could not all be loaded" in e and "**bold** <b>html</b> [link](http" in e for e in errors
        ), errors
        # Plain text: every markdown character escaped.
        assert any("\\*\\*bold\\*\\*" in e.value for e in at.error)
        assert not _progress(at)
