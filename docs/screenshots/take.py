"""Screenshots of every page, in English and in French, at desktop and phone width.

    python docs/screenshots/take.py                 # the demo, every page
    python docs/screenshots/take.py --pages meetups --langs fr --widths 1440
    python docs/screenshots/take.py --store data/palier.duckdb   # a copy of your own store

It builds the demo account in a temporary store (`python -m analytics demo`: its exports, its
daily follower lists and its two meetups), starts `streamlit run app.py` on that store, and saves each
page as docs/screenshots/<page>-<lang>-<width>.png: 1440x900 and 390x844, English and French
(`?lang=fr`). Each shot waits until the script run is over (no running indicator, nothing
stale) and every chart has drawn; it is the whole page unless `--first-screen` asks for the
first screen only. The browser is the system Chromium, offline: any request to a host other
than the local server is refused. Nothing is written outside the temporary folder but the PNGs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Page name (the file name's first part) and its URL path under the server.
PAGES: dict[str, str] = {
    "overview": "", "growth": "growth", "churn": "churn", "activity": "activity", "audience": "audience",
    "meetups": "meetups", "import": "import", "collect": "collect",
}
SIZES: dict[int, int] = {1440: 900, 390: 844}
LANGS = ("en", "fr")
DEMO_ACCOUNT = "demo"
STARTUP_SECONDS = 600  # a first start on a loaded machine imports nothing (the store is built before) but is slow
RUN_TIMEOUT_MS = 240_000  # one page's script run, its reads cold


def _free_port(preferred: int) -> int:
    """`preferred` when it is free, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port")


def _run(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def build_store(folder: Path, source: Path | None, env: dict[str, str]) -> Path:
    """The store to photograph: a copy of `source`, or the demo."""
    db = folder / "palier.duckdb"
    if source is not None:
        shutil.copy2(source, db)
        wal = source.with_name(source.name + ".wal")
        if wal.exists():
            shutil.copy2(wal, db.with_name(db.name + ".wal"))
    else:
        print("building the demo store…", flush=True)
        _run("-m", "analytics", "demo", "--db", str(db), env=env)
    return db


@contextlib.contextmanager
def serve(db: Path, port: int, env: dict[str, str], log: Path) -> Iterator[str]:
    """`streamlit run app.py` on `db` until the block ends."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env={**env, "PALIER_DB": str(db)}, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise SystemExit(f"streamlit stopped:\n{log.read_text(errors='replace')}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(url + "/_stcore/health", timeout=5) as answer:  # noqa: S310 - local
                    if answer.status == 200:
                        break
            if time.monotonic() > deadline:
                raise SystemExit("streamlit did not start")
            time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


# What is still coming: the script run (stApp's data-test-script-state), Streamlit's running
# indicator, elements of the previous run (stale),
# skeletons of elements not drawn yet, spinners, and charts without their SVG.
PENDING_JS = """() => {
    const pending = document.querySelectorAll(
        '[data-testid=stStatusWidget], [data-stale=true], [data-testid=stSkeleton], [data-testid=stSpinner]').length;
    const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
        .filter(chart => !chart.querySelector('.main-svg')).length;
    const main = document.querySelector('[data-testid=stMain]');
    // The app's own word for its script run: "running" until the run is over.
    const app = document.querySelector('[data-testid=stApp]');
    const running = !app || app.getAttribute('data-test-script-state') !== 'notRunning' ? 1 : 0;
    return [pending + charts + running, main ? main.innerText.length : -1];
}"""
QUIET_POLLS = 3  # the page unchanged and nothing pending for this many polls in a row
POLL_MS = 700


def wait_until_drawn(page: Any) -> None:
    """Until the script run is over and nothing is pending, the page's text unchanged for a while
    (a fragment or a chart may still draw after the run)."""
    page.wait_for_selector("[data-testid=stMainBlockContainer] h1", timeout=RUN_TIMEOUT_MS)
    deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
    last: list[int] | None = None
    quiet = 0
    while time.monotonic() < deadline:
        state = page.evaluate(PENDING_JS)
        quiet = quiet + 1 if state == last and state[0] == 0 else 0
        if quiet >= QUIET_POLLS:
            page.wait_for_timeout(500)  # fonts and Plotly's transitions settle
            return
        last = state
        page.wait_for_timeout(POLL_MS)
    print("  (the page was still changing when the time ran out)", flush=True)


# The page's height: Streamlit scrolls inside one of its blocks (which one changes between versions),
# so the tallest scrollable content of any element.
FULL_HEIGHT_JS = """() => Math.max(document.documentElement.scrollHeight,
    ...[...document.querySelectorAll('[data-testid]')].map(element => element.scrollHeight))"""


def shoot(page: Any, path: Path, width: int, height: int, first_screen: bool) -> None:
    page.set_viewport_size({"width": width, "height": height})
    wait_until_drawn(page)
    if not first_screen:
        # Streamlit scrolls inside its main block: grow the window to the block's height.
        full = int(page.evaluate(FULL_HEIGHT_JS))
        if full > height:
            page.set_viewport_size({"width": width, "height": full})
            # Charts newly in view draw now.
            wait_until_drawn(page)
    page.screenshot(path=str(path), full_page=not first_screen)
    page.set_viewport_size({"width": width, "height": height})


def take(url: str, out: Path, pages: list[str], langs: list[str], widths: list[int], first_screen: bool) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for lang in langs:
                for width in widths:
                    context = browser.new_context(
                        viewport={"width": width, "height": SIZES[width]}, locale="fr-FR" if lang == "fr" else "en-GB",
                        device_scale_factor=1,
                    )
                    # Offline: the local server only.
                    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
                                  or route.request.url.startswith("data:") else route.abort())
                    page = context.new_page()
                    for name in pages:
                        target = f"{url}/{PAGES[name]}?lang={lang}"
                        page.goto(target, timeout=RUN_TIMEOUT_MS)
                        path = out / f"{name}-{lang}-{width}.png"
                        shoot(page, path, width, SIZES[width], first_screen)
                        if page.locator("[data-testid=stException]").count():
                            print(f"  {path.name}: the page shows an exception", flush=True)
                        print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)
                        saved.append(path)
                    context.close()
        finally:
            browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--langs", nargs="+", choices=list(LANGS), default=list(LANGS))
    parser.add_argument("--widths", nargs="+", type=int, choices=list(SIZES), default=list(SIZES))
    parser.add_argument("--store", type=Path, help="photograph a copy of this store instead of the demo")
    parser.add_argument("--first-screen", action="store_true", help="the first screen only, not the whole page")
    parser.add_argument("--port", type=int, default=8641, help="the server's port (another free one if taken)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go (default: docs/screenshots)")
    args = parser.parse_args(argv)

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"No Chromium at {CHROMIUM}.")
    args.out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PALIER_DEMO": "0", "PYTHONPATH": str(ROOT)}
    env.pop("PALIER_LANG", None)  # the language comes from ?lang= in each URL
    with tempfile.TemporaryDirectory(prefix="palier-shots-") as tmp:
        folder = Path(tmp)
        db = build_store(folder, args.store, env)
        log = folder / "streamlit.log"
        with serve(db, _free_port(args.port), env, log) as url:
            saved = take(url, args.out, args.pages, args.langs, args.widths, args.first_screen)
        if "Traceback" in log.read_text(errors="replace"):
            print(log.read_text(errors="replace"), file=sys.stderr)
            print("the server logged a traceback (above)", file=sys.stderr)
            return 1
    print(f"{len(saved)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
