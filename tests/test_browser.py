"""Real-browser runs: `streamlit run app.py`, Chromium via Playwright. Import then Overview on an
empty store; Growth, Churn & plateaus, Activity and Audience on demo-like data.

AppTest runs the scripts but not the browser; this catches what only a browser shows (the
upload round trip over HTTP with XSRF on, Plotly drawing). Screenshots go to tests/artifacts/.
Skipped when no Chromium is found, unless PALIER_REQUIRE_BROWSER=1 (CI), where that fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser  # every test here starts Chromium

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COUNTS_CSV = "date,followers\n" + "".join(
    f"2025-01-{day:02d},{1000 + 7 * day - (day % 4) * 3}\n" for day in range(1, 29)
)
LAST_TOTAL = f"{1000 + 7 * 28 - (28 % 4) * 3:,}"
SERVER_START_SECONDS = 60
# Palier's navigation for the owner, as app.py builds it (not the files of pages/).
NAVIGATION = ["Overview", "Growth", "Churn & plateaus", "Activity", "Audience", "Meetups", "Import", "Collect"]
UI_TIMEOUT_MS = 30_000
SHARED_PASSWORD = "a long shared password"
# Screenshots are for people looking at the pages: PALIER_TEST_SCREENSHOTS=1 saves them into
# tests/artifacts/ (docs/screenshots/take.py takes the full set). Encoding a page thousands of
# pixels tall costs seconds that CI, which looks at none of them, need not spend.
SAVE_SCREENSHOTS = os.environ.get("PALIER_TEST_SCREENSHOTS") == "1"


def _chromium() -> str | None:
    found = os.environ.get("PALIER_CHROMIUM") or next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)
    return found or shutil.which("chromium")


def _require_or_skip(reason: str) -> None:
    if os.environ.get("PALIER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (PALIER_REQUIRE_BROWSER=1 makes this a failure)")
    pytest.skip(f"{reason}; set PALIER_REQUIRE_BROWSER=1 to make this a failure")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"streamlit exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"streamlit did not answer {url} within {SERVER_START_SECONDS}s:\n{log.read_text(errors='replace')}")


def _wait_until_idle(page: Any) -> None:
    """Until the script run is over: elements of the previous run linger, faded, until then."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]')"
        " && !document.querySelector('[data-stale=true]')"
    )
    page.wait_for_timeout(400)  # Plotly's first draw and the fonts settle


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    yield from _serve(tmp_path / "palier.duckdb", tmp_path)


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    """A server on demo-like data: the small demo's exports, with one month of its daily follower
    lists (every list would cost ten more seconds of import for nothing a page does not show)."""
    from analytics.demo import write_demo_files
    from analytics.ingest.model import SourceFile
    from analytics.ingest.service import ImportOptions, import_sources
    from analytics.store import open_store

    paths = write_demo_files(tmp_path / "demo", months=4, scale=0.05)
    lists = sorted(p for p in paths if p.name.startswith("followers_"))
    kept = [p for p in paths if p not in lists[:-1]]
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    try:
        outcomes = import_sources(store, [SourceFile(p.name, p.read_bytes()) for p in kept], ImportOptions("demo", platform="x"))
        assert {o.status for o in outcomes} == {"imported"}, [o.line() for o in outcomes]
    finally:
        store.close()
    yield from _serve(db, tmp_path)


@pytest.fixture
def shared_server(tmp_path: Path) -> Iterator[str]:
    """A Palier shared with an owner password (in a secrets file of its own, not the checkout's)."""
    from analytics.access import hash_password

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(f'[palier]\nowner_password_hash = "{hash_password(SHARED_PASSWORD)}"\n', encoding="utf-8")
    yield from _serve(tmp_path / "palier.duckdb", tmp_path, "--secrets.files", str(secrets))


def _serve(db: Path, tmp_path: Path, *extra: str, settings: dict[str, str] | None = None) -> Iterator[str]:
    """`streamlit run app.py` on `db` (with `extra` flags, and `settings` over the environment:
    the demo is off unless they turn it on) until the test ends; its log must hold no traceback."""
    port = _free_port()
    env = dict(os.environ, PALIER_DB=str(db), PALIER_DEMO="0") | (settings or {})
    log = tmp_path / f"streamlit-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false",
                # Not watching the sources: an edit elsewhere in the checkout while a test runs
                # would make Streamlit drop and re-import modules under a running script.
                "--server.fileWatcherType", "none",
                *extra,
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(f"http://127.0.0.1:{port}/_stcore/health", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert "Traceback" not in log.read_text(errors="replace"), log.read_text(errors="replace")


def save_screenshot(page: Any, path: Path, *, full_page: bool = False) -> None:
    """`page.screenshot` into `path` when PALIER_TEST_SCREENSHOTS=1; nothing otherwise."""
    if SAVE_SCREENSHOTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=full_page)


def _labels(links: list[str]) -> list[str]:
    """A navigation link's text without its icon's name (the line before)."""
    return [text.split("\n")[-1] for text in links]


@contextmanager
def _browser_page() -> Iterator[tuple[Any, Any]]:
    """A Chromium page and Playwright's `expect`, both with the UI timeout; the test is skipped
    when Chromium or Playwright is missing (failed with PALIER_REQUIRE_BROWSER=1, as on CI)."""
    chromium = _chromium()
    if chromium is None:
        _require_or_skip("No Chromium found at " + ", ".join(CHROMIUM_CANDIDATES))
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _require_or_skip("Playwright is not installed (pip install -r requirements-test.txt)")
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)
            yield page, expect
        finally:
            browser.close()


def test_import_then_overview_in_a_browser(server: str, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    upload = tmp_path / "followers-2025-01.csv"
    upload.write_text(COUNTS_CSV, encoding="utf-8")

    with _browser_page() as (page, expect):
        # A bookmark as the first visit of a freshly started server: Streamlit would run the
        # file of pages/ alone, with the folder's own navigation ("app", "import", ...); the
        # page goes through app.py instead (analytics.ui.gate.through_app_navigation).
        page.goto(server + "/import")
        expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
        _wait_until_idle(page)
        nav = page.locator("[data-testid=stSidebarNav] a").all_inner_texts()
        assert _labels(nav) == NAVIGATION, nav
        assert page.get_by_text("Page not found").count() == 0
        page.get_by_label("Account name", exact=True).and_(page.locator("input")).fill("browser-test")
        page.get_by_label("Account name", exact=True).and_(page.locator("input")).press("Enter")
        page.locator("input[type=file]").set_input_files(str(upload))
        expect(page.get_by_text("Preview", exact=False).first).to_be_visible()
        expect(page.locator("[data-testid=stDataFrame]")).to_be_visible()
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page.locator("[data-testid=stAlertContentSuccess]")).to_contain_text("28 days")
        expect(page.get_by_text("Imports into this account")).to_be_visible()
        expect(page.get_by_role("button", name="Delete", exact=True)).to_be_visible()
        _wait_until_idle(page)
        assert page.locator("[data-testid=stException]").count() == 0
        save_screenshot(page, ARTIFACTS / "import.png", full_page=True)

        page.get_by_role("link", name="Overview").first.click()
        expect(page.locator(".js-plotly-plot").first).to_be_visible()
        expect(page.locator("[data-testid=stMetricValue]").first).to_have_text(LAST_TOTAL)
        assert page.locator("[data-testid=stException]").count() == 0
        _wait_until_idle(page)
        save_screenshot(page, ARTIFACTS / "overview.png", full_page=True)


def _every_chart_drawn_at_full_height(page: Any, path: Path) -> None:
    """Every chart of the page drawn (a check), then its screenshot into `path` when asked
    (save_screenshot). Streamlit scrolls inside its main block and Plotly draws a chart once it is
    in view, so the window is grown to the page's height first."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": int(height) + 40})
    charts = page.locator("[data-testid=stPlotlyChart]").count()
    # Plotly draws a chart once it is in view: wait until every chart has its SVG.
    page.wait_for_function(f"() => document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= {charts}")
    page.wait_for_timeout(600)
    save_screenshot(page, path, full_page=True)
    page.set_viewport_size({"width": 1400, "height": 1000})


def no_table_offers_a_raw_download(page: Any, expect: Any, where: str) -> int:
    """No table on the page offers Streamlit's "Download as CSV" (it wrote cells such as
    =HYPERLINK(...) from followers' bios raw, and a spreadsheet runs them; .streamlit/config.toml
    turns it off and Palier's own buttons write formula-safe CSV). Each table in view is hovered
    and its toolbar read; returns how many were checked."""
    tables = 0
    frames = page.locator("[data-testid=stDataFrame]")
    for number in range(frames.count()):
        frame = frames.nth(number)
        if not frame.is_visible():
            continue  # in a closed expander or tab
        frame.scroll_into_view_if_needed()
        frame.hover()
        toolbar = frame.locator("[data-testid=stElementToolbar]")
        # The toolbar shows (its search and fullscreen stay): the check below can fail.
        expect(toolbar.get_by_role("button").first).to_be_visible()
        labels = [(b.get_attribute("aria-label") or b.inner_text()) for b in toolbar.get_by_role("button").all()]
        assert not any("download" in label.lower() for label in labels), (where, labels)
        tables += 1
    return tables


def test_growth_churn_activity_in_a_browser(demo_server: str) -> None:
    """Every analysis page on demo-like data: its answer, no exception, every chart drawn, and no
    table offering a raw CSV download (tests/test_export_browser.py: one walk, both checks)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tables = 0
    # Page title, then a text each page shows only when its data is there.
    visits = {
        "growth": ("Growth", "Milestones and projection"),
        "churn": ("Churn & plateaus", "Who followed and who left"),
        "activity": ("Activity", "Does posting bring followers?"),
        # The audit sits behind its tab (#15 item 4): the tab is what shows.
        "audience": ("Audience", "Quality audit"),
    }
    with _browser_page() as (page, expect):
        page.goto(demo_server)
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        for name, (title, shown) in visits.items():
            page.get_by_role("link", name=title).first.click()
            expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
            expect(page.get_by_role("heading", name=shown).or_(page.get_by_role("tab", name=shown)).first).to_be_visible()
            expect(page.locator(".js-plotly-plot").first).to_be_visible()
            _wait_until_idle(page)
            assert page.locator("[data-testid=stException]").count() == 0, name
            _every_chart_drawn_at_full_height(page, ARTIFACTS / f"{name}.png")
            tables += no_table_offers_a_raw_download(page, expect, name)
        # Meetups has no chart until an event is imported (this demo-like store has none).
        page.get_by_role("link", name="Meetups").first.click()
        expect(page.get_by_role("heading", name="Meetups", exact=True)).to_be_visible()
        # No event, no figure (not "0.0%" known in person): the way to the first event instead.
        expect(page.get_by_text("No event yet for this account").first).to_be_visible()
        expect(page.get_by_text("Repeat attendees")).to_have_count(0)
        _wait_until_idle(page)
        assert page.locator("[data-testid=stException]").count() == 0, "meetups"
        _every_chart_drawn_at_full_height(page, ARTIFACTS / "meetups.png")
        # The import history is a table too.
        page.get_by_role("link", name="Import").first.click()
        expect(page.get_by_text("Imports into this account")).to_be_visible()
        _wait_until_idle(page)
        tables += no_table_offers_a_raw_download(page, expect, "import")
        assert tables >= 1


# The pages' heights are measured on the full demo, every page (tests/test_pages_full_demo_browser.py).


def test_a_bookmark_on_a_shared_palier_signs_in_then_opens_its_page(shared_server: str) -> None:
    # The first visit of a freshly started shared Palier is a bookmark of /churn: the sign-in form
    # shows, nothing of a page before it, and signing in opens Churn with Palier's navigation.
    with _browser_page() as (page, expect):
        page.goto(shared_server + "/churn")
        expect(page.get_by_text("This Palier is shared: sign in to see it.")).to_be_visible()
        _wait_until_idle(page)
        assert page.locator("h1").all_inner_texts() == ["Palier"]
        assert page.locator("[data-testid=stMetric]").count() == 0
        assert page.get_by_text("Page not found").count() == 0
        page.locator("input[type=password]").fill(SHARED_PASSWORD)
        page.get_by_role("button", name="Sign in with the password").click()
        expect(page.get_by_role("heading", name="Churn & plateaus", exact=True)).to_be_visible()
        expect(page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Import")).to_be_visible()
        nav = page.locator("[data-testid=stSidebarNav] a").all_inner_texts()
        assert _labels(nav) == NAVIGATION, nav

