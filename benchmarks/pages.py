"""`python -m benchmarks.pages`: every page's first screen in a real browser, against a minimal page.

Issue 16, target 2: "every page draws its first screen within 2x the time Streamlit takes to draw
a minimal page holding one Plotly chart of the same number of points, in a real browser; a widget
change reruns in under 0.5 s of server time; Download report in under 1 s."

Two servers run side by side, from the same Python: Palier (`streamlit run app.py` on the store
measured) and the baseline, a one-line Streamlit script drawing one `st.plotly_chart` of a line of
N points (N from the URL, `?n=`). Each measure opens a NEW browser context (no cache, no session:
a new visitor) at 1440x900 and times, from `page.goto` to the moment it holds, the **first screen
drawn**:

- the script run is over: `stApp`'s `data-test-script-state` is `notRunning` (Streamlit's running
  indicator gone; `initial`, before the first run starts, does not count), with at least one
  element drawn in the main area, no element left stale and no skeleton (an element whose code is
  still loading) on the first screen;
- every Plotly chart the first screen shows is drawn: each `stPlotlyChart` that is displayed
  (not in a closed tab or expander) and whose top is within the 900 pixels of the window holds
  Plotly's `.main-svg` and its traces (`.plot` or pie/bar layers).

Rounds are interleaved: page, baseline of that page's N, next page..., round after round; N is
the number of points of the page's largest chart (the sum of its traces' points, counted in the
browser from each chart's data), measured on the page in the same round. A page without a chart
is compared with the baseline drawing an empty chart (N = 0). Round 1 is the first visit of each
page after the servers start (cold caches: the store's reads, the imported modules); the later
rounds are new visitors on a warm server. The ratio is the median of the round-by-round ratios.

Widget changes and the report: one browser session changes the period preset (Overview), the
account (Overview, when the store has two or more), the quiet-period threshold (Activity, in its
tab, open on arrival), Churn's first list to the oldest (two lists as far apart as the store
holds: a fragment, which reruns alone) and clicks Download report twice (the second click gets
the report built by the first, from the cache). Each is timed twice: in the browser (from the
click to the run over and the charts drawn, or to the file received) and on the server, by
Palier's own timer (`analytics/ui/timing.py`: the script run, the fragment's run, or the
report's build, as the server timed it in the log named by `PALIER_RUN_LOG`). Each round changes
to a value no earlier round chose (the next preset, the next threshold, the next oldest list):
the figures are cached for every session, and a repeated change would time the cache.

Writes its section of docs/benchmarks.md (between `<!-- pages-browser -->` markers).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import sections

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1440, "height": 900}
MARK_START, MARK_END = "<!-- pages-browser -->", "<!-- /pages-browser -->"

# The navigation of app.py: (title, URL path).
PAGES = [("Overview", ""), ("Growth", "growth"), ("Churn & plateaus", "churn"), ("Activity", "activity"),
         ("Audience", "audience"), ("Meetups", "meetups"), ("Import", "import"), ("Collect", "collect")]

BASELINE_APP = textwrap.dedent('''
    """The baseline of benchmarks/pages.py: one Plotly chart of n points (`?n=`), nothing else."""
    import plotly.graph_objects as go
    import streamlit as st

    n = int(st.query_params.get("n", "0"))
    st.plotly_chart(go.Figure(go.Scatter(x=list(range(n)), y=[(i * 7919) % 1000 for i in range(n)])))
''').lstrip()

# The first screen is drawn (see the module's docstring). Returns false, or the page's facts.
FIRST_SCREEN_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || main.querySelectorAll('[data-testid="stElementContainer"]').length === 0) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  // An element whose code is still loading (Plotly's chunk, say) shows Streamlit's skeleton.
  for (const skeleton of main.querySelectorAll('[data-testid="stSkeleton"]')) {
    if (skeleton.offsetParent !== null && skeleton.getBoundingClientRect().top < window.innerHeight) return false;
  }
  const charts = Array.from(main.querySelectorAll('[data-testid="stPlotlyChart"]'));
  let onScreen = 0;
  for (const chart of charts) {
    const box = chart.getBoundingClientRect();
    const shown = chart.offsetParent !== null && box.height > 0;
    if (!shown || box.top >= window.innerHeight) continue;
    onScreen += 1;
    const plot = chart.querySelector('.js-plotly-plot');
    if (!plot || !plot.querySelector('.main-svg') || !plot._fullLayout) return false;
  }
  let points = 0;
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    let sum = 0;
    for (const trace of (plot.data || [])) {
      const values = trace.x || trace.y || trace.values || trace.z || trace.lat || [];
      sum += values.length || 0;
    }
    points = Math.max(points, sum);
  }
  return {charts: charts.length, onScreen: onScreen, points: points,
          bytes: JSON.stringify(Array.from(main.querySelectorAll('.js-plotly-plot')).map(p => p.data || [])).length};
}
"""

# Before a widget change: note when the script starts running (a rerun may be over before a poll).
ARM_JS = """() => {
  window.__palierSawRun = false;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__palierSawRun = true;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def log(message: str) -> None:
    print(f"[pages] {message}", file=sys.stderr, flush=True)


@dataclass
class Server:
    """A `streamlit run` on 127.0.0.1, stopped by `stop()` (its own process group)."""

    script: Path
    port: int
    env: dict[str, str]
    cwd: Path
    proc: subprocess.Popen[bytes] | None = None
    started_seconds: float = 0.0

    def start(self, timeout: float = 300) -> None:
        command = [sys.executable, "-m", "streamlit", "run", str(self.script), "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                   "--server.runOnSave", "false"]
        started = time.perf_counter()
        output = open(self.cwd / f"server-{self.port}.log", "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env}, stdout=output,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        self.started_seconds = time.perf_counter() - started
                        return
            except OSError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit on port {self.port} stopped; see {output.name}")
        raise RuntimeError(f"streamlit on port {self.port} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
        self.proc = None


@dataclass
class RunLog:
    """The server's own timings (`PALIER_RUN_LOG`, written by analytics/ui/timing.py)."""

    path: Path

    def since(self, started: float, kind: str) -> list[float]:
        if not self.path.exists():
            return []
        lines = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        return [line["seconds"] for line in lines if line["kind"] == kind and line["started"] >= started]


@dataclass
class Timings:
    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    baseline: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    widgets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def first_screen(browser: Any, url: str, timeout_ms: int = 300_000) -> dict[str, Any]:
    """Open `url` in a new context; seconds until the first screen is drawn, with its facts."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        handle = page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=timeout_ms)
        seconds = time.perf_counter() - started
        facts: dict[str, Any] = handle.json_value()
        return {"seconds": seconds, **facts}
    finally:
        context.close()


def wait_rerun(page: Any, timeout_ms: int = 300_000) -> None:
    """After a widget change: the rerun started (seen by ARM_JS's observer), then its first screen drawn."""
    page.wait_for_function("() => window.__palierSawRun === true", polling="raf", timeout=timeout_ms)
    page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=timeout_ms)


def timed_change(page: Any, runs: RunLog, action: Any, kind: str = "run") -> dict[str, Any]:
    if kind in ("run", "fragment"):
        page.evaluate(ARM_JS)
    started_at = time.time()
    started = time.perf_counter()
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - one failed change is reported, the others still run
        log(f"change failed: {exc!s:.300}")
        return {"seconds": None, "server": None, "server_runs": 0, "error": str(exc)[:200]}
    seconds = time.perf_counter() - started
    time.sleep(0.3)  # the timer's line is written as the run ends, a moment after the browser saw it
    server = runs.since(started_at, kind)
    return {"seconds": seconds, "server": max(server) if server else None, "server_runs": len(server)}


def widget_changes(browser: Any, app: str, runs: RunLog, rounds: int, download_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Period preset, account, quiet-period threshold and Download report, `rounds` times each."""
    results: dict[str, list[dict[str, Any]]] = {"period preset (Overview)": [], "account (Overview)": [],
                                               "quiet-period threshold (Activity)": [],
                                               CHURN_CHANGE: [], "Download report": [],
                                               "Download report, again": []}
    for round_ in range(rounds):
        context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
        try:
            one_session(context.new_page(), app, runs, round_, download_dir, results)
        finally:
            context.close()
    return {name: values for name, values in results.items() if values}


CHURN_CHANGE = "first list to the oldest (Churn)"


def one_session(page: Any, app: str, runs: RunLog, round_: int, download_dir: Path,
                results: dict[str, list[dict[str, Any]]]) -> None:
    """One visitor: Overview, a preset, the report (twice: built, then from the cache), another
    account; then Activity's threshold."""
    page.goto(f"{app}/?period=28d", wait_until="commit")
    page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=300_000)
    presets = page.locator('[data-testid="stMain"] [data-testid="stButtonGroup"]').first
    # The presets' English labels (analytics.ui.widgets.PRESET_BUTTONS). Each round another one:
    # the figures are cached for every session, and a round repeating an earlier change would
    # time the cache, not the work.
    target = ("90D", "12M", "All")[round_ % 3]

    def change_preset() -> None:
        presets.get_by_text(target, exact=True).click()
        wait_rerun(page)

    results["period preset (Overview)"].append(timed_change(page, runs, change_preset))

    for attempt, name in enumerate(("Download report", "Download report, again")):
        saved = download_dir / f"report-{round_}-{attempt}.html"
        saved.unlink(missing_ok=True)

        def download(path: Path = saved) -> None:
            with page.expect_download(timeout=300_000) as info:
                page.locator('[data-testid="stSidebar"] [data-testid="stDownloadButton"] button').first.click()
            info.value.save_as(path)

        result = timed_change(page, runs, download, kind="report")
        if saved.exists():
            result["bytes"] = saved.stat().st_size
        results[name].append(result)

    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]').first.click()
    options = page.locator('[role="option"]')
    count = options.count()
    if count >= 2:
        selected = page.locator('[role="option"][aria-selected="true"]')
        current = selected.first.inner_text() if selected.count() else ""
        other = next(i for i in range(count) if options.nth(i).inner_text() != current)

        def switch() -> None:
            options.nth(other).click()
            wait_rerun(page)

        results["account (Overview)"].append(timed_change(page, runs, switch))
    else:
        page.keyboard.press("Escape")

    page.goto(f"{app}/activity?period=all", wait_until="commit")
    page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=300_000)
    # The threshold sits in the first tab ("Quiet against active"), open on arrival.
    box = page.locator('[data-testid="stMain"] [data-testid="stNumberInput"] input').first
    if box.count():
        new_value = int(box.input_value() or "0") + 1 + round_

        def threshold() -> None:
            box.fill(str(new_value))
            box.press("Enter")
            wait_rerun(page)

        results["quiet-period threshold (Activity)"].append(timed_change(page, runs, threshold))

    page.goto(f"{app}/churn", wait_until="commit")
    page.wait_for_function(FIRST_SCREEN_JS, polling="raf", timeout=300_000)
    # "From the list of", the second select box (after the account's), lists the newest first.
    lists = page.locator('[data-testid="stMain"] [data-testid="stSelectbox"]')
    if lists.count() >= 3:
        lists.nth(1).click()
        listbox = page.locator('[role="listbox"]').first
        # The options are drawn as they scroll into view: the oldest is last once at the bottom.
        # Round after round the next oldest (a pair a round has compared is cached).
        listbox.evaluate("box => { box.scrollTop = box.scrollHeight; }")
        page.wait_for_timeout(300)
        options = page.locator('[role="option"]')
        oldest = options.nth(max(0, options.count() - 1 - round_))

        def first_list() -> None:
            oldest.click()
            wait_rerun(page)

        results[CHURN_CHANGE].append(timed_change(page, runs, first_list, kind="fragment"))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(store: Path, rounds: int, port: int, work: Path, pages: list[tuple[str, str]],
            widget_rounds: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    run_log = RunLog(work / "runs.jsonl")
    run_log.path.unlink(missing_ok=True)
    baseline_script = work / "baseline_app.py"
    baseline_script.write_text(BASELINE_APP)
    app = Server(ROOT / "app.py", port, {"PALIER_DB": str(store), "PALIER_DEMO": "0",
                                         "PALIER_RUN_LOG": str(run_log.path)}, work)
    baseline = Server(baseline_script, port + 1, {}, work)
    loads = [load_average()]
    timings = Timings()
    started = dt.datetime.now(dt.timezone.utc)
    try:
        app.start()
        baseline.start()
        log(f"servers up (Palier {app.started_seconds:.1f} s, baseline {baseline.started_seconds:.1f} s)")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                for round_ in range(rounds):
                    for title, path in pages:
                        result = first_screen(browser, f"http://127.0.0.1:{port}/{path}")
                        result["server"] = run_log.since(time.time() - result["seconds"] - 1, "run")
                        timings.pages.setdefault(title, []).append(result)
                        base = first_screen(browser, f"http://127.0.0.1:{port + 1}/?n={result['points']}")
                        timings.baseline.setdefault(title, []).append(base)
                        log(f"round {round_ + 1} {title}: {result['seconds']:.2f} s ({result['points']} points, "
                            f"{result['charts']} charts) / baseline {base['seconds']:.2f} s")
                    loads.append(load_average())
                if widget_rounds:
                    timings.widgets = widget_changes(browser, f"http://127.0.0.1:{port}", run_log, widget_rounds, work)
                    for name, values in timings.widgets.items():
                        log(f"{name}: " + ", ".join(f"{v['seconds']} s (server {v['server']})" for v in values))
                    loads.append(load_average())
            finally:
                browser.close()
    finally:
        app.stop()
        baseline.stop()
    return {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "loads": loads, "rounds": rounds,
            "store": str(store), "pages": timings.pages, "baseline": timings.baseline, "widgets": timings.widgets,
            "app_start": app.started_seconds, "baseline_start": baseline.started_seconds}


def ratios(page_runs: list[dict[str, Any]], base_runs: list[dict[str, Any]]) -> list[float]:
    return [p["seconds"] / b["seconds"] for p, b in zip(page_runs, base_runs, strict=True)]


def render(results: list[tuple[str, dict[str, Any]]], command: str) -> str:
    """The section of docs/benchmarks.md: one table per store measured."""
    out = [MARK_START, "## Pages in a real browser (issue 16, target 2)", "",
           f"- command: `{command}`; written by `benchmarks/pages.py`, whose docstring defines each measure.",
           "- **first screen drawn**: from `page.goto` in a new browser context (Chromium headless, 1440x900, no",
           "  cache, a new session) until the script run is over (`stApp`'s `data-test-script-state` is",
           "  `notRunning`, at least one element drawn, none stale) and every Plotly chart displayed in the first",
           "  900 pixels holds its drawn SVG. Polled on every animation frame.",
           "- **baseline**: a Streamlit script holding one `st.plotly_chart` of a line of N points, N the number of",
           "  points of the page's largest chart (counted in the browser, all its traces), served by a second",
           "  `streamlit run` beside Palier's. Rounds interleave page and baseline; **ratio** is the median of",
           "  the round-by-round ratios; round 1 is each page's first visit after the servers started (cold",
           "  caches), the later rounds new visitors on a warm server.",
           "- **server**: Palier's own timer around the script run (`analytics/ui/timing.py`, on only when",
           "  `PALIER_RUN_LOG` is set), the median over the rounds.", ""]
    for label, result in results:
        loads = ", ".join(result["loads"])
        out += [f"### {label}", "",
                f"- store: {result['store_label']}; measured {result['started']}, {result['rounds']} rounds;"
                f" load average (1, 5, 15 min) before and after each round: {loads}",
                f"- servers started in {result['app_start']:.1f} s (Palier) and {result['baseline_start']:.1f} s"
                " (baseline)", "",
                "| page | charts (on the first screen) | largest chart, points | first visit (cold) | baseline | "
                "new visitor, median | baseline, median | ratio, median | ratio, cold | server, median | within 2x |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for title, runs in result["pages"].items():
            base = result["baseline"][title]
            warm, warm_base = runs[1:] or runs, base[1:] or base
            rs = ratios(runs, base)
            server = [max(r["server"]) for r in runs if r.get("server")]
            ratio = statistics.median(rs)
            out.append(
                f"| {title} | {runs[-1]['charts']} ({runs[-1]['onScreen']}) | {runs[-1]['points']:,} | "
                f"{runs[0]['seconds']:.2f} s | {base[0]['seconds']:.2f} s | "
                f"{statistics.median(r['seconds'] for r in warm):.2f} s | "
                f"{statistics.median(r['seconds'] for r in warm_base):.2f} s | {ratio:.2f}x | {rs[0]:.2f}x | "
                + (f"{statistics.median(server):.2f} s" if server else "—")
                + f" | {'yes' if ratio <= 2 else 'no'} |")
        out += ["", "Each round's seconds (page / baseline):", ""]
        for title, runs in result["pages"].items():
            pairs = ", ".join(f"{p['seconds']:.2f}/{b['seconds']:.2f}"
                              for p, b in zip(runs, result["baseline"][title], strict=True))
            out.append(f"- {title}: {pairs}")
        if result.get("widgets"):
            out += ["", "| change | browser, each run | server, each run | server, median | target | met |",
                    "|---|---|---|---:|---|---|"]
            for name, values in result["widgets"].items():
                limit = 1.0 if name.startswith("Download report") else 0.5
                server = [v["server"] for v in values if v["server"] is not None]
                median = statistics.median(server) if server else None
                sizes = [v["bytes"] for v in values if "bytes" in v]
                size = f" ({sizes[0] / 1e6:.1f} MB)" if sizes else ""
                browser_runs = ", ".join("failed" if v["seconds"] is None else f"{v['seconds']:.2f} s" for v in values)
                server_runs = ", ".join("—" if v["server"] is None else f"{v['server']:.2f} s" for v in values)
                out.append(
                    f"| {name}{size} | {browser_runs} | {server_runs} | "
                    + ("—" if median is None else f"{median:.2f} s")
                    + f" | under {limit:g} s of server time | "
                    + ("—" if median is None else ("yes" if median < limit else "no")) + " |")
        out.append("")
    notes = ROOT / "benchmarks" / "PAGES.md"
    if notes.exists():
        out += [notes.read_text().rstrip(), ""]
    out.append(MARK_END)
    return "\n".join(out) + "\n"


def write_section(doc: Path, section: str) -> None:
    """Replace the marked section of `doc` (or append it), leaving the rest of the page as it is."""
    sections.write_section(doc, MARK_START, MARK_END, section, empty="# Benchmarks\n")


def section_of(text: str) -> str | None:
    """This benchmark's section of a docs page, markers included, or None."""
    return sections.section_of(text, MARK_START, MARK_END)


def demo_store(work: Path) -> Path:
    """The demo, built once by `python -m analytics demo` into `work` (reused by later runs)."""
    store = work / "demo.duckdb"
    if not store.exists():
        log(f"building the demo store in {store}")
        subprocess.run([sys.executable, "-m", "analytics", "demo", "--db", str(store)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        second_account(store)
        # The audience analysis runs once after an import (the Audience page would run it on its
        # first visit, with its own progress message): done here, as after a user's import.
        for account in ("demo", SECOND_ACCOUNT):
            subprocess.run([sys.executable, "-m", "analytics", "analyse", "--account", account, "--db", str(store)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    else:
        second_account(store)
    return store


SECOND_ACCOUNT = "second"


def second_account(store: Path) -> None:
    """A second, smaller account (the demo's simulation over four months at a twentieth of the
    scale) beside the demo, so that switching account can be timed."""
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        names = {row[0] for row in con.execute("SELECT name FROM accounts").fetchall()}
    finally:
        con.close()
    if SECOND_ACCOUNT in names:
        return
    log(f"adding the account {SECOND_ACCOUNT!r} to {store}")
    code = ("import sys; from analytics.demo import load_demo; from analytics.store import open_store; "
            "s = open_store(sys.argv[1]); load_demo(s, account=sys.argv[2], months=4, scale=0.05); s.close()")
    subprocess.run([sys.executable, "-c", code, str(store), SECOND_ACCOUNT], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_PAGES_DIR") or
                                                         Path(tempfile.gettempdir()) / "palier-bench-pages"))
    parser.add_argument("--store", action="append", default=[],
                        help="LABEL=PATH of a store to measure besides the demo (repeatable), e.g. "
                             "'a year of 100,000 followers=/tmp/year.duckdb'")
    parser.add_argument("--no-demo", action="store_true", help="measure only the --store ones")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_PAGES_ROUNDS", "3")))
    parser.add_argument("--widget-rounds", type=int, default=int(os.environ.get("BENCH_WIDGET_ROUNDS", "3")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PAGES_PORT", "8621")))
    parser.add_argument("--pages", default="", help="comma list of URL paths (overview for the first page)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw timings here")
    parser.add_argument("--from-json", type=Path, action="append", default=[],
                        help="write the section from the raw timings of earlier runs (--json), measuring nothing")
    parser.add_argument("--command", default="", help="with --from-json: the commands that measured them")
    args = parser.parse_args(argv)
    if args.from_json:
        saved = [tuple(pair) for path in args.from_json for pair in json.loads(path.read_text())]
        section = render(saved, args.command or "python -m benchmarks.pages")
        write_section(args.out, section)
        print(section)
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    wanted = {p.strip() for p in args.pages.split(",") if p.strip()}
    pages = [(t, p) for t, p in PAGES if not wanted or (p or "overview") in wanted]
    stores: list[tuple[str, Path]] = [] if args.no_demo else [("the demo", demo_store(args.work))]
    for item in args.store:
        label, _, path = item.partition("=")
        stores.append((label.strip(), Path(path.strip())))
    results = []
    for label, store in stores:
        log(f"measuring {label} ({store})")
        result = measure(store, args.rounds, args.port, args.work, pages, args.widget_rounds)
        result["store_label"] = f"{label} (`{store.name}`)"
        results.append((label, result))
    command = "python -m benchmarks.pages " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    section = render(results, command.strip())
    write_section(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
