"""`python -m benchmarks.gcpause --store demo.duckdb`: the server's full garbage collections, with
and without the freeze of what the imports built (analytics.ui.gcfreeze).

Streamlit runs a full collection after every script run. Two servers are started on copies of the
store, one after the other, the same way (`streamlit run app.py`), except that the second has
`freeze_after_new_imports` replaced by a function doing nothing (the baseline, as before the
freeze). A browser visits every page `--rounds` times in each; a `gc.callbacks` hook in the server
adds up the time of each generation's collections, written at exit. Prints one line per server.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.firststart import free_port, stop_server, wait_for_health
from benchmarks.pages import CHROMIUM, CHROMIUM_FLAGS, ROOT, VIEWPORT

PAGES = ("Growth", "Churn & plateaus", "Activity", "Audience", "Import", "Overview")

# Run in the server's interpreter: time every collection by generation, write the sums at exit.
SERVER = """
import atexit, gc, json, os, sys, time
sums = {"count": [0, 0, 0], "seconds": [0.0, 0.0, 0.0]}
started = [0.0]
def timing(phase, info):
    if phase == "start":
        started[0] = time.perf_counter()
    else:
        sums["count"][info["generation"]] += 1
        sums["seconds"][info["generation"]] += time.perf_counter() - started[0]
gc.callbacks.append(timing)
def report():
    with open(os.environ["GC_REPORT"], "w") as out:
        json.dump(sums, out)
# At exit: Streamlit installs its own SIGTERM handler, which stops the server and returns.
atexit.register(report)
if os.environ.get("GC_NO_FREEZE") == "1":
    import analytics.ui.gcfreeze as gcfreeze
    gcfreeze.freeze_after_new_imports = lambda: False
sys.argv = ["streamlit", "run", "app.py", "--server.headless", "true", "--server.port", sys.argv[1],
            "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
from streamlit.web.cli import main
main()
"""


def _visit(url: str, rounds: int) -> None:
    from playwright.sync_api import sync_playwright

    done = "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]  # a plain dict for ViewportSize
        page.goto(url)
        page.wait_for_selector("[data-testid=stMetric]", timeout=300_000)
        for _ in range(rounds):
            for name in PAGES:
                page.get_by_role("link", name=name).first.click()
                page.wait_for_timeout(300)
                page.wait_for_function(done, timeout=300_000)
        browser.close()


def measure(store: Path, rounds: int, freeze: bool) -> dict[str, object]:
    folder = Path(tempfile.mkdtemp(prefix="gcpause-"))
    db, report = folder / "palier.duckdb", folder / "gc.json"
    shutil.copyfile(store, db)
    port = free_port()
    env = dict(os.environ, PALIER_DB=str(db), PALIER_DEMO="0", GC_REPORT=str(report), GC_NO_FREEZE="0" if freeze else "1")
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_health(port, server, time.monotonic() + 120)
        _visit(f"http://127.0.0.1:{port}", rounds)
    finally:
        stop_server(server)
    sums = json.loads(report.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    return {"freeze": freeze, "page_visits": rounds * len(PAGES) + 1, **sums}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store file (copied, never written)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for freeze in (True, False):
        print(json.dumps(measure(args.store, args.rounds, freeze)))


if __name__ == "__main__":
    main()
