"""`python -m benchmarks.firststart`: the first chart after `streamlit run app.py` on a fresh store.

Issue 16, target 1: the first chart within 10 s of `make run` once the dependencies are installed,
on a fresh store with the demo. Measured as a user sees it: Chromium (Playwright) is open, then
`streamlit run app.py` starts on an empty store (PALIER_DB in a new temporary folder, the full
demo); the clock runs from launching the server to the first Plotly chart visible in the page
(`.js-plotly-plot`). The page is then watched until the demo's progress line has gone for good:
the time to all daily lists loaded.

The baseline runs beside it: the same, for a minimal Streamlit script that draws one Plotly chart
of as many points as the demo has days (what Streamlit itself needs to start and draw a chart on
this machine). Runs are interleaved (Palier, baseline, Palier, baseline...) so a busier minute
weighs on both; the figures are medians, with every run listed.

The section is written into docs/benchmarks.md between the `<!-- firststart -->` markers (added at
the end when absent); `python -m benchmarks` runs it too (BENCH_SKIP=firststart leaves it out).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import sections

ROOT = Path(__file__).resolve().parent.parent
SECTION_START, SECTION_END = "<!-- firststart -->", "<!-- /firststart -->"
CHART = ".js-plotly-plot, [data-testid='stPlotlyChart']"
PROGRESS = ".st-key-demo_lists_progress"  # analytics.ui.demo_progress.PROGRESS_KEY
TARGET_SECONDS = 10.0
CHROMIUM = os.environ.get("PALIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# The progress line counts as gone once it has been absent this long (its fragment redraws it
# every 2 s; a redraw never leaves it absent for more than an instant).
GONE_SECONDS = 5.0
BASELINE_POINTS = 549  # the demo's days: its follower curve's points
BASELINE_SCRIPT = f'''"""One Plotly chart: what Streamlit needs to start and draw a chart on this machine."""
import datetime as dt

import plotly.graph_objects as go
import streamlit as st

days = [dt.date(2025, 5, 1) + dt.timedelta(days=i) for i in range({BASELINE_POINTS})]
st.title("Baseline")
st.plotly_chart(go.Figure(go.Scatter(x=days, y=[600 + 3.5 * i for i in range(len(days))], mode="lines")))
'''


@dataclass
class Run:
    """One launch: seconds from launching the server."""

    server: float  # its health check answered
    chart: float  # the first chart visible
    progress_seen: bool = False  # Palier: the demo's progress line was on the page with the first chart
    lists: float | None = None  # Palier: the progress line gone for good (every daily list in)
    # Palier: Overview opened in a second tab (its own session) while the lists load, and in a
    # third once they are in: seconds from opening it to its first chart.
    tab_loading: float | None = None
    tab_after: float | None = None
    errors: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"streamlit did not answer on port {port}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tab_to_chart(browser: Any, port: int) -> float:
    """Seconds from opening Overview in a new tab (a session of its own) to its first chart."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        started = time.monotonic()
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        page.wait_for_selector(CHART, state="visible", timeout=600_000)
        return time.monotonic() - started
    finally:
        context.close()


def launch(browser: Any, script: Path, cwd: Path, env: dict[str, str], port: int, *, palier: bool,
           lists_timeout: float) -> Run:
    """Start `streamlit run script` and time it in a new browser page."""
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_health(port, process, started + 300)
        server = time.monotonic() - started
        page.goto(f"http://127.0.0.1:{port}/", wait_until="commit")
        page.wait_for_selector(CHART, state="visible", timeout=600_000)
        run = Run(server=server, chart=time.monotonic() - started)
        if not palier:
            return run
        run.progress_seen = page.locator(PROGRESS).count() > 0
        run.tab_loading = _tab_to_chart(browser, port)
        gone_since: float | None = None
        deadline = time.monotonic() + lists_timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            if page.locator(PROGRESS).count() > 0:
                gone_since = None
            elif gone_since is None:
                gone_since = now
            elif now - gone_since >= GONE_SECONDS:
                run.lists = gone_since - started
                break
            time.sleep(0.25)
        if run.lists is not None:
            run.tab_after = _tab_to_chart(browser, port)
        errors = page.locator("[data-testid='stAlertContentError']")
        run.errors = [errors.nth(i).inner_text() for i in range(errors.count())]
        return run
    finally:
        context.close()
        stop_server(process)


def measure(runs: int, port: int | None, lists_timeout: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PALIER_")}
    base_env |= {"PALIER_LANG": "en", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    load_before = os.getloadavg()
    palier: list[Run] = []
    baseline: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="palier-firststart-") as temp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        script = Path(temp) / "baseline.py"
        script.write_text(BASELINE_SCRIPT)
        try:
            for number in range(runs):
                # Palier on a fresh store: a new folder each run, the full demo.
                store = Path(temp) / f"run-{number}" / "palier.duckdb"
                store.parent.mkdir()
                env = base_env | {"PALIER_DB": str(store), "PALIER_DEMO": "1"}
                print(f"[firststart] run {number + 1}/{runs}: Palier", file=sys.stderr, flush=True)
                palier.append(launch(browser, ROOT / "app.py", ROOT, env, port or free_port(), palier=True,
                                     lists_timeout=lists_timeout))
                print(f"[firststart]   {palier[-1]}", file=sys.stderr, flush=True)
                print(f"[firststart] run {number + 1}/{runs}: baseline", file=sys.stderr, flush=True)
                baseline.append(launch(browser, script, Path(temp), base_env, port or free_port(), palier=False,
                                       lists_timeout=0))
                print(f"[firststart]   {baseline[-1]}", file=sys.stderr, flush=True)
        finally:
            browser.close()
    return {"palier": palier, "baseline": baseline, "load_before": load_before, "load_after": os.getloadavg()}


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.1f}" for x in load)


def render(result: dict[str, Any], command: str, date: str) -> str:
    palier: list[Run] = result["palier"]
    baseline: list[Run] = result["baseline"]
    chart = statistics.median(r.chart for r in palier)
    base = statistics.median(r.chart for r in baseline)
    ratios = [p.chart / b.chart for p, b in zip(palier, baseline, strict=True)]
    lists = [r.lists for r in palier if r.lists is not None]
    seen = sum(r.progress_seen for r in palier)
    errors = sorted({e for r in palier for e in r.errors})
    out = [
        SECTION_START,
        "## First start: the first chart after `streamlit run app.py`",
        "",
        f"- date: {date}; command: `{command}`",
        f"- machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average (1, 5, 15 min)"
        f" {_load(result['load_before'])} before, {_load(result['load_after'])} after: the machine is shared,"
        " so seconds move with the load; the baseline, run beside Palier, moves with it.",
        "- from launching `streamlit run` on a fresh store (a new PALIER_DB, the full demo: 18 months, 549 daily"
        " follower lists) to the first Plotly chart visible in Chromium (Playwright, a 1440x900 page opened as"
        " soon as the server answers its health check). **Baseline**: the same for a minimal Streamlit script"
        f" drawing one Plotly chart of {BASELINE_POINTS} points. **All lists loaded**: until the demo's"
        f" progress line has left the page (absent for {GONE_SECONDS:.0f} s), from the same launch.",
        f"- {len(palier)} runs of each, interleaved; medians.",
        "",
        "| | server answers | first chart | first chart / baseline | progress line shown with it | all lists loaded |"
        " Overview in a new tab while the lists load | the same once they are in |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| Palier | {_s(statistics.median(r.server for r in palier))} | **{_s(chart)}** |"
        f" {statistics.median(ratios):.2f}x | {seen} of {len(palier)} | {_s(statistics.median(lists) if lists else None)} |"
        f" {_s(_median(r.tab_loading for r in palier))} | {_s(_median(r.tab_after for r in palier))} |",
        f"| baseline (one Plotly chart) | {_s(statistics.median(r.server for r in baseline))} | {_s(base)} | 1.00x |"
        " — | — | — | — |",
        "",
        "Each run, in the order they ran: Palier first chart "
        + ", ".join(_s(r.chart) for r in palier) + "; baseline " + ", ".join(_s(r.chart) for r in baseline)
        + "; all lists loaded " + ", ".join(_s(r.lists) for r in palier)
        + "; Overview in a new tab while the lists load " + ", ".join(_s(r.tab_loading) for r in palier)
        + ", once they are in " + ", ".join(_s(r.tab_after) for r in palier) + ".",
        "",
        f"Target 1 (first chart within {TARGET_SECONDS:.0f} s of the start): "
        + ("**met**" if chart <= TARGET_SECONDS else "**not met on this run**")
        + f" ({_s(chart)}; Streamlit alone took {_s(base)} to draw one chart, so Palier's own share was"
        f" {_s(max(0.0, chart - base))}).",
    ]
    if errors:
        out += ["", "Errors shown on the page: " + "; ".join(errors)]
    out.append(SECTION_END)
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put `section` between the markers of `path` (added at the end when absent)."""
    sections.write_section(path, SECTION_START, SECTION_END, section, empty="")


def section_of(text: str) -> str | None:
    """This benchmark's section of a docs page, markers included, or None."""
    return sections.section_of(text, SECTION_START, SECTION_END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.firststart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_FIRSTSTART_RUNS", "3")))
    parser.add_argument("--port", type=int, default=None, help="the servers' port (default: a free one)")
    parser.add_argument("--lists-timeout", type=float, default=1800.0,
                        help="seconds to wait for every daily list after the first chart")
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("BENCH_OUT", ROOT / "docs" / "benchmarks.md")))
    args = parser.parse_args(argv)
    result = measure(args.runs, args.port, args.lists_timeout)
    command = " ".join(["python -m benchmarks.firststart", *(sys.argv[1:] if argv is None else argv)])
    section = render(result, command, dt.datetime.now().strftime("%Y-%m-%d %H:%M"))
    write_section(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
