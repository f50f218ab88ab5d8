"""Uploads through the Import page in a real browser (issue 5): a big follower list with its
progress bar, a file over the upload limit, and two sessions importing at the same time.

Each test runs `streamlit run app.py` (the shared helper in tests/test_browser.py) and Chromium
through Playwright, then stops the server and reads the store file it wrote. Skipped when no
Chromium is found, unless PALIER_REQUIRE_BROWSER=1, where that fails.

The big list is 20 MB by default, to keep the suite quick. The issue's figure is 150 MB:

    PALIER_BIG_UPLOAD_MB=150 .venv/bin/pytest -q -s tests/test_upload_browser.py -k big

prints the Streamlit server's peak resident memory (VmHWM) and writes it, with the file's size
and row count, to tests/artifacts/upload-memory.json.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.test_browser import ARTIFACTS, CHROMIUM_ARGS, _serve, _wait_until_idle, save_screenshot
from tests.test_hardening_browser import _browser_or_skip

pytestmark = pytest.mark.browser  # every test here starts Chromium

ROOT = Path(__file__).resolve().parent.parent
UI_TIMEOUT_MS = 30_000
BIG_MB = float(os.environ.get("PALIER_BIG_UPLOAD_MB", "20"))
SEED = 20260301

# Records every text the progress bar shows, from before the click to the end of the import:
# a bar drawn and gone between two polls of the test is still seen.
WATCH_PROGRESS = """() => {
    window.__progress = [];
    const look = () => document.querySelectorAll('[data-testid=stProgress]').forEach(bar => {
        const text = bar.innerText.trim() || '(bar)';
        if (window.__progress[window.__progress.length - 1] !== text) window.__progress.push(text);
    });
    new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
}"""

WORDS = ("data", "journalist", "runner", "coffee", "python", "maps", "music", "cycling", "photo", "science",
         "teacher", "design", "football", "books", "climate", "startup", "open source", "travel", "cats", "food")
PLACES = ("Paris", "Lyon", "Berlin", "Montréal", "Lisbon", "Austin", "Tokyo", "", "", "Nairobi", "São Paulo")


def write_follower_list(path: Path, target_bytes: int, seed: int = SEED, prefix: str = "u") -> int:
    """A generic follower-list CSV of about `target_bytes`, from a seeded generator; its row count."""
    rng = random.Random(seed)
    header = "handle,id,name,bio,location,followers_count,following_count,posts_count,created_at,default_avatar,verified\n"
    rows = 0
    written = len(header)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(header)
        lines: list[str] = []
        while written < target_bytes:
            bio = " ".join(rng.choices(WORDS, k=rng.randint(2, 9)))
            created = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(6000))
            line = (
                f"{prefix}{rows:08d},{seed % 1000}{rows:09d},Person {rows},\"{bio}, {rng.choice(WORDS)}\","
                f"{rng.choice(PLACES)},{int(rng.paretovariate(1.2) * 40)},{rng.randint(0, 5000)},"
                f"{rng.randint(0, 40_000)},{created.isoformat()},{'true' if rng.random() < 0.08 else 'false'},"
                f"{'true' if rng.random() < 0.02 else 'false'}\n"
            )
            lines.append(line)
            written += len(line.encode("utf-8"))
            rows += 1
            if len(lines) >= 10_000:
                out.writelines(lines)
                lines.clear()
        out.writelines(lines)
    return rows


@contextlib.contextmanager
def serving(db: Path, tmp_path: Path, *flags: str) -> Iterator[str]:
    """The shared helper's server, stopped when the block ends (so the test can then open the
    store file it wrote; its log is checked for tracebacks on the way out)."""
    server = _serve(db, tmp_path, *flags)
    url = next(server)
    try:
        yield url
    finally:
        next(server, None)


def server_pid(url: str) -> int:
    """The process of the Streamlit server listening on `url`'s port (the helper starts it
    as `python -m streamlit run app.py ... --server.port N`)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in argv and b"--server.port" in argv and argv[argv.index(b"--server.port") + 1] == port.encode():
            return int(proc.name)
    raise AssertionError(f"no Streamlit process on port {port}")


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def stats(db: Path, account: str) -> dict[str, Any]:
    """`python -m analytics stats --json`: what the store holds, read as a user would."""
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "stats", "--account", account, "--json", "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def open_import_page(page: Any, url: str, account: str) -> None:
    page.goto(url)
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    page.get_by_role("link", name="Import").first.click()
    expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
    name = page.get_by_label("Account name", exact=True).and_(page.locator("input"))
    name.fill(account)
    name.press("Enter")
    _wait_until_idle(page)


def test_a_big_follower_list_uploads_with_a_progress_bar(tmp_path: Path) -> None:
    chromium = _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    upload = tmp_path / "followers-2025-03-01.csv"
    rows = write_follower_list(upload, int(BIG_MB * 1024 * 1024))
    size = upload.stat().st_size
    # Guards against a stuck upload or import, scaled to the file (not a measure of speed).
    slow_ms = UI_TIMEOUT_MS + int(size / 1024 / 1024 * 4000)
    db = tmp_path / "palier.duckdb"
    with serving(db, tmp_path) as url:
        pid = server_pid(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(UI_TIMEOUT_MS)
                expect.set_options(timeout=UI_TIMEOUT_MS)
                open_import_page(page, url, "big")
                expect(page.get_by_text("Up to 200 MB per file")).to_be_visible()
                before = memory_kb(pid)

                page.locator("input[type=file]").set_input_files(str(upload))
                expect(page.get_by_text("Preview", exact=False).first).to_be_visible(timeout=slow_ms)
                preview = page.locator("[data-testid=stDataFrame]")
                expect(preview).to_be_visible()
                _wait_until_idle(page)
                assert page.locator("[data-testid=stException]").count() == 0
                uploaded = memory_kb(pid)

                page.evaluate(WATCH_PROGRESS)
                page.get_by_role("button", name="Import", exact=True).click()
                # The page is left as soon as the import's bar is drawn, which the observer records
                # the moment it is. (Waiting for the bar to be visible polled: on a loaded machine it
                # could miss a short import and wait out its timeout, and by then the outcome had
                # been shown and was left behind with the page.)
                page.wait_for_function("() => (window.__progress || []).length > 0", timeout=slow_ms)
                # Leaving the page during the import neither stops it nor loses its outcome: back
                # on the page, the same import is followed to its end.
                page.get_by_role("link", name="Overview").first.click()
                expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
                page.get_by_role("link", name="Import").first.click()
                expect(page.get_by_role("heading", name="Import", exact=True)).to_be_visible()
                with contextlib.suppress(Exception):  # the bar, followed again, for people to see
                    page.locator("[data-testid=stProgress]").first.wait_for(state="visible", timeout=2_000)
                    save_screenshot(page, ARTIFACTS / "import-progress.png", full_page=True)
                success = page.locator("[data-testid=stAlertContentSuccess]")
                expect(success).to_contain_text(re.compile(rf"({rows}|{rows:,}) followers on 2025-03-01"), timeout=slow_ms)
                _wait_until_idle(page)
                assert page.locator("[data-testid=stException]").count() == 0
                assert page.locator("[data-testid=stAlertContentError]").count() == 0
                save_screenshot(page, ARTIFACTS / "import-big.png", full_page=True)
                seen = page.evaluate("() => window.__progress")
                assert seen, "no progress bar was drawn during the import"
                assert any(t.startswith(("Reading the files", "File 1 of 1")) for t in seen), seen
                after = memory_kb(pid)
            finally:
                browser.close()
    report = {
        "file_mb": round(size / 1024 / 1024, 1),
        "rows": rows,
        "server_rss_before_upload_mb": round(before["VmRSS"] / 1024),
        # Streamlit's share: the upload received, held in memory, and previewed.
        "server_peak_rss_after_upload_and_preview_mb": round(uploaded["VmHWM"] / 1024),
        "server_peak_rss_mb": round(after["VmHWM"] / 1024),
        "server_rss_after_import_mb": round(after["VmRSS"] / 1024),
        "progress_texts": seen[:12],
    }
    (ARTIFACTS / "upload-memory.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print("\nbig upload:", json.dumps(report))
    # The page's own share is bounded: Streamlit holds the upload (its request body and its
    # stored copy), the page spools it in chunks and previews it from disk. Reading the whole
    # file into Python bytes, text or rows at the preview would cost several times the file.
    assert uploaded["VmHWM"] - before["VmRSS"] <= 3 * size / 1024 + 150 * 1024, report
    # The store holds every follower of the list, as one snapshot.
    followers = stats(db, "big")["followers"]
    assert (followers["listed"], followers["snapshots"]) == (rows, 1)


def test_an_upload_over_the_limit_is_refused_and_nothing_is_imported(tmp_path: Path) -> None:
    chromium = _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    big = tmp_path / "followers-2025-01-01.csv"
    write_follower_list(big, 1024 * 1024 + 300_000)  # over the 1 MB limit
    db = tmp_path / "palier.duckdb"
    # The limit is lowered for the test: "over the limit" is then 1.3 MB, not 201 MB.
    with serving(db, tmp_path, "--server.maxUploadSize", "1") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            open_import_page(page, url, "too-big")
            # The page states the limit next to the uploader, before anyone tries.
            expect(page.get_by_text("Up to 1 MB per file")).to_be_visible()
            page.locator("input[type=file]").set_input_files(str(big))
            # Refused in the browser, with a visible reason; the server never gets the file.
            expect(page.get_by_text("or smaller", exact=False).first).to_be_visible()
            _wait_until_idle(page)
            assert page.get_by_text("Preview", exact=False).count() == 0
            assert page.get_by_role("button", name="Import", exact=True).is_disabled()
            assert page.locator("[data-testid=stException]").count() == 0
            save_screenshot(page, ARTIFACTS / "import-over-limit.png", full_page=True)
        finally:
            browser.close()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM accounts").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


def test_two_sessions_importing_at_the_same_time_both_succeed(tmp_path: Path) -> None:
    chromium = _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    # Two lists of one account, a week apart, big enough for the fast path and for each import to
    # last long enough for its progress bar to be drawn (at 1.5 MB, a quiet machine imported one
    # before the browser drew the bar, and the page reruns to its outcome at once; at 4 MB, 2 runs
    # of 11 on 2026-12-03, the imports having become faster).
    first, second = tmp_path / "followers-2025-03-01.csv", tmp_path / "followers-2025-03-08.csv"
    first_rows = write_follower_list(first, 8 * 1024 * 1024, seed=1, prefix="a")
    second_rows = write_follower_list(second, 8 * 1024 * 1024, seed=2, prefix="b")
    db = tmp_path / "palier.duckdb"
    with serving(db, tmp_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            expect.set_options(timeout=UI_TIMEOUT_MS * 2)
            pages = []
            # Two browser contexts: two cookie jars, two Streamlit sessions.
            for upload in (first, second):
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(UI_TIMEOUT_MS * 2)
                open_import_page(page, url, "shared")
                page.locator("input[type=file]").set_input_files(str(upload))
                expect(page.locator("[data-testid=stDataFrame]")).to_be_visible()
                _wait_until_idle(page)
                page.evaluate(WATCH_PROGRESS)
                pages.append(page)
            # Both clicks go out before either import can end: the two runs overlap on the server.
            for page in pages:
                page.get_by_role("button", name="Import", exact=True).dispatch_event("click")
            for page, rows, day in zip(pages, (first_rows, second_rows), ("2025-03-01", "2025-03-08"), strict=True):
                expect(page.locator("[data-testid=stAlertContentSuccess]")).to_contain_text(
                    re.compile(rf"({rows}|{rows:,}) followers on {day}")
                )
                _wait_until_idle(page)
                assert page.locator("[data-testid=stException]").count() == 0
                assert page.locator("[data-testid=stAlertContentError]").count() == 0
                assert page.evaluate("() => window.__progress"), "no progress bar in one session"
        finally:
            browser.close()
    with duckdb.connect(str(db), read_only=True) as con:
        imported = con.execute(
            "SELECT i.file_name FROM imports i JOIN accounts a USING (account_id) WHERE a.name = 'shared' ORDER BY 1"
        ).fetchall()
        assert imported == [(first.name,), (second.name,)]
        assert con.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    followers = stats(db, "shared")["followers"]
    assert (followers["snapshots"], followers["listed"]) == (2, second_rows)
