"""Hardening: hostile follower text in a real browser, requests to other hosts, a second process on
the store, a damaged store, and erasure from the file itself (uploads over the limit: see
test_upload_browser.py).

The browser tests run `streamlit run app.py` and Chromium (Playwright); they are skipped when no
Chromium is found, unless PALIER_REQUIRE_BROWSER=1, where that fails. The others need no browser.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.store import open_store
from tests.conftest import import_bytes
from tests.test_browser import CHROMIUM_ARGS, _chromium, _require_or_skip, _serve, _wait_until_idle

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 60
UI_TIMEOUT_MS = 30_000
SERVER_START_SECONDS = 60

XSS = (
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "[click](javascript:alert(1))",
)
# The hostile account sorts first ("<" before letters), so every page opens on it.
HOSTILE_ACCOUNT = XSS[0]
COUNTS = "date,followers\n" + "".join(f"2025-01-{d:02d},{1000 + 7 * d - (d % 4) * 3}\n" for d in range(1, 29))
UNIQUE_HANDLE = "erasure-check-9c1b7e"

PROBE = """() => ({
    xss: typeof window.__xss,
    imgs: document.querySelectorAll('img[onerror], img[src="x"]').length,
    scripts: [...document.scripts].filter(s => (s.textContent || '').includes('__xss')).length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
        a => a.name.startsWith('on') && a.value.includes('__xss'))).length,
    jslinks: [...document.querySelectorAll('[href],[src],[action],[formaction]')].filter(e => ['href', 'src', 'action', 'formaction']
        .some(n => /^\\s*javascript:/i.test(e.getAttribute(n) || ''))).length,
})"""
CLEAN = {"xss": "undefined", "imgs": 0, "scripts": 0, "handlers": 0, "jslinks": 0}


def _field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def seed_hostile(path: Path) -> None:
    first = "handle,name,bio\nalice,Alice,hello\nbob,Bob,bye\n"
    second = "handle,name,bio\nalice,Alice,hello\n" + "".join(
        f"evil{i},{_field(text)},{_field(text)}\n" for i, text in enumerate(XSS)
    )
    store = open_store(path)
    try:
        # Hostile file names too: they are shown in the import history.
        assert import_bytes(store, {f"{XSS[2]}.csv": COUNTS.encode()}, account=HOSTILE_ACCOUNT)[0].status == "imported"
        import_bytes(store, {f"{XSS[0]}.csv": first.encode()}, account=HOSTILE_ACCOUNT, snapshot_date=dt.date(2025, 1, 10))
        import_bytes(store, {f"{XSS[1]}.csv": second.encode()}, account=HOSTILE_ACCOUNT, snapshot_date=dt.date(2025, 1, 20))
    finally:
        store.close()


def _browser_or_skip() -> str:
    chromium = _chromium()
    if chromium is None:
        _require_or_skip("No Chromium found")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require_or_skip("Playwright is not installed (pip install -r requirements-test.txt)")
    assert chromium is not None
    return chromium


@pytest.fixture
def hostile_server(tmp_path: Path) -> Iterator[str]:
    db = tmp_path / "palier.duckdb"
    seed_hostile(db)
    yield from _serve(db, tmp_path)


def _foreign(urls: list[str], origin: str) -> list[str]:
    own = urllib.parse.urlsplit(origin).netloc
    return [u for u in urls if urllib.parse.urlsplit(u).scheme not in ("data", "blob") and urllib.parse.urlsplit(u).netloc != own]


@pytest.mark.browser
def test_hostile_text_runs_nowhere_and_nothing_calls_another_host(hostile_server: str, tmp_path: Path) -> None:
    chromium = _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            page.goto(hostile_server)
            expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
            _wait_until_idle(page)
            links = page.locator("[data-testid=stSidebarNav] a")
            # A link reads "<icon name>\n\n<title>": the title is the last line.
            names = [links.nth(i).inner_text().strip().splitlines()[-1].strip() for i in range(links.count())]
            assert {"Overview", "Import"} <= set(names), names
            for name in names:
                page.locator("[data-testid=stSidebarNav] a", has_text=name).first.click()
                page.wait_for_timeout(300)
                _wait_until_idle(page)
                # Scroll everything into view: lazy parts (tabs, expanders' contents) get drawn.
                page.mouse.wheel(0, 20_000)
                page.wait_for_timeout(300)
                assert page.locator("[data-testid=stException]").count() == 0, name
                assert page.evaluate(PROBE) == CLEAN, name
                if name == "Import":
                    # The hostile file names are there, as text.
                    expect(page.get_by_text("onerror=window.__xss=1", exact=False).first).to_be_visible()
            # The Churn page's follower tables hold the hostile names (drawn as text on a canvas).
            assert dialogs == []

            # The report: with the names, downloaded as a visitor does, opened offline.
            page.locator("[data-testid=stSidebarNav] a", has_text="Overview").first.click()
            _wait_until_idle(page)
            page.get_by_text("Include who joined and who left, by name").click()
            _wait_until_idle(page)
            with page.expect_download() as info:
                page.get_by_role("button", name="Download report (HTML)").click()
            report = tmp_path / "report.html"
            info.value.save_as(report)
            assert "evil0" in report.read_text(encoding="utf-8")
            assert _foreign(requests, hostile_server) == [], _foreign(requests, hostile_server)

            offline = context.new_page()
            report_requests: list[str] = []
            offline.on("request", lambda request: report_requests.append(request.url))
            offline.goto(report.as_uri())
            expect(offline.locator(".js-plotly-plot").first).to_be_visible()
            offline.locator(".js-plotly-plot").first.hover()
            offline.wait_for_timeout(500)
            assert offline.evaluate(PROBE) == CLEAN
            assert offline.get_by_text("<script>window.__xss=1</script>").first.is_visible()
            assert [u for u in report_requests if not u.startswith("file:")] == []
            assert dialogs == []
        finally:
            browser.close()


# An upload over the limit, refused in the browser with nothing imported: test_upload_browser.py
# (test_an_upload_over_the_limit_is_refused_and_nothing_is_imported), which asserts all this one
# did (the reason shown, no preview, no traceback) and more.


# --- no browser needed --------------------------------------------------------------------------


@pytest.fixture
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PALIER_DEMO", "0")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    # The store opened by a page stays open in cache_resource: close it so the file is released.
    st.cache_resource.clear()
    st.cache_data.clear()


def _run(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error).replace("\\", "")


HOLDER = """
import sys, time
from analytics.store import open_store
store = open_store(sys.argv[1], read_only=sys.argv[2] == "ro")
print("ready", flush=True)
sys.stdin.readline()
store.close()
"""


class Holder:
    """Another Palier process with the store open, until closed."""

    def __init__(self, db: Path, mode: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(db), mode], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        self.process.wait(timeout=30)


def test_second_process_writing_gives_a_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None) -> None:
    db = tmp_path / "palier.duckdb"
    seed_hostile(db)
    monkeypatch.setenv("PALIER_DB", str(db))
    # Pages and commands wait this long for a busy store before saying so (PALIER_STORE_WAIT).
    monkeypatch.setenv("PALIER_STORE_WAIT", "1")
    holder = Holder(db, "rw")
    try:
        for page in (None, "pages/import.py"):
            st.cache_resource.clear()
            at = _run(page)
            assert "in use by another program" in _errors(at)
            assert "Close the other Palier window" in _errors(at)
        done = subprocess.run([sys.executable, "-m", "analytics", "accounts", "--db", str(db)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "in use by another program" in done.stderr and "Traceback" not in done.stderr
    finally:
        holder.close()


def test_second_process_reading_leaves_the_dashboard_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None) -> None:
    db = tmp_path / "palier.duckdb"
    seed_hostile(db)
    monkeypatch.setenv("PALIER_DB", str(db))
    holder = Holder(db, "ro")
    try:
        at = _run()
        assert at.metric and not at.error  # charts still show
        at.switch_page("pages/import.py").run()
        assert not at.exception
        assert "read-only" in at.warning[0].value
        assert at.button(key="import_go").disabled
    finally:
        st.cache_resource.clear()
        holder.close()


def test_damaged_store_gives_a_way_forward_on_the_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None) -> None:
    db = tmp_path / "palier.duckdb"
    db.write_bytes(os.urandom(64 * 1024))
    monkeypatch.setenv("PALIER_DB", str(db))
    for page in (None, "pages/import.py"):
        st.cache_resource.clear()
        at = _run(page)
        message = _errors(at)
        assert "cannot be opened" in message and "move it aside" in message, message
        assert not at.metric and not at.get("file_uploader")


def test_deleting_an_account_on_the_page_erases_it_from_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None) -> None:
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    try:
        lists = f"handle,name,bio\n{UNIQUE_HANDLE},Someone Unique,{UNIQUE_HANDLE} bio\nother,Other,x\n".encode()
        assert import_bytes(store, {"list.csv": lists}, account="gone", snapshot_date=dt.date(2025, 1, 1))[0].status == "imported"
        import_bytes(store, {"counts.csv": COUNTS.encode()}, account="kept")
        store.checkpoint()
    finally:
        store.close()
    assert UNIQUE_HANDLE.encode() in db.read_bytes()
    monkeypatch.setenv("PALIER_DB", str(db))

    at = _run("pages/import.py")
    at.selectbox(key="import_account").set_value("gone").run()
    at.text_input(key="import_confirm_gone").input("gone").run()
    at.button(key="import_delete_account").click().run()
    assert not at.exception
    assert "Deleted account gone" in " ".join(s.value for s in at.success).replace("\\", "")
    st.cache_resource.clear()  # close the page's connection: what is left is the file alone

    data = db.read_bytes()
    wal = db.with_name(db.name + ".wal")
    assert UNIQUE_HANDLE.encode() not in data
    assert not wal.exists() or UNIQUE_HANDLE.encode() not in wal.read_bytes()
    reopened = open_store(db)
    try:
        names = [r[0] for r in reopened.cursor().execute("SELECT name FROM accounts").fetchall()]
    finally:
        reopened.close()
    assert names == ["kept"]


def test_config_states_the_hardening_settings() -> None:
    import tomllib

    config: dict[str, Any] = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 200
