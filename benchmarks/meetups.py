"""`python -m benchmarks.meetups`: Meetups on an account of a million followers, published.

An attendee list is matched to every follower the account has had: by handle, then by name
(`analytics.meetups.matching`). What a user waits for, each measured in a fresh process (the
followers' name index is kept in the process that read it, as a server keeps it):

- the import of one event of 60 attendees (20 who typed a follower's handle, 20 a follower's name
  with a letter dropped, 20 strangers), matching included;
- the matches to review (why each unmatched attendee is unmatched, with the followers who could
  be them), in the process that imported the event, and in a fresh one (a server started since);
- the Meetups page's first run (Streamlit's AppTest, as `benchmarks.pages`'s `page` worker).

Baselines run beside them: a notebook that reads every follower's name with DuckDB and scores
each attendee's name against all of them with rapidfuzz's `process.extract` (what matching by
name costs done the plain way), and a minimal Streamlit page holding one Plotly chart.

The store: the generated follower list of a million (`benchmarks.generate`), imported, whose
names are then made as varied as real ones: the generator draws a few hundred names, real
followers' names are mostly distinct. Each follower gets a first name and a last name from the
generator's pools of every language, a middle initial, and one in five a second last name
(207,179 distinct names of a million, counted on the store built). Handles stay the generator's (two in five beyond
ASCII, which real networks' handles are not: the slow way for a handle is measured too).

Run alone: `python -m benchmarks.meetups` (`--rounds N`, `--work DIR`, `--out PATH`,
`--no-write`); `make bench` runs it with the other benchmarks. It writes its section of
docs/benchmarks.md between the `<!-- meetups -->` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import sections

ROOT = Path(__file__).resolve().parent.parent
MARKS = ("<!-- meetups -->", "<!-- /meetups -->")
ACCOUNT = "bench"
FOLLOWERS = 1_000_000
EVENT_DAY = dt.date(2025, 1, 3)


def build_store(work: Path) -> Path:
    """The account of a million followers with varied names (see the module's docstring)."""
    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store
    from benchmarks.generate import LANGUAGES, follower_lists

    store_path = work / "meetups-1M.duckdb"
    if store_path.exists():
        return store_path
    lists = follower_lists(work / "lists", FOLLOWERS, [0])
    building = work / "building.duckdb"
    building.unlink(missing_ok=True)
    store = open_store(building)
    try:
        outcomes = import_sources(store, read_paths(lists), ImportOptions(ACCOUNT))
        assert all(o.status == "imported" for o in outcomes), [o.line() for o in outcomes]
        firsts = sorted({n for language in LANGUAGES.values() for n in language["first"]})
        lasts = sorted({n for language in LANGUAGES.values() for n in language["last"]})
        with store.transaction() as cursor:
            cursor.execute(
                """UPDATE profiles SET name = $firsts[1 + CAST(hash(member_id, 1) % len($firsts) AS BIGINT)] || ' '
                       || chr(CAST(65 + hash(member_id, 2) % 26 AS INTEGER)) || '. '
                       || $lasts[1 + CAST(hash(member_id, 3) % len($lasts) AS BIGINT)]
                       || CASE WHEN hash(member_id, 4) % 5 = 0 THEN '-' || $lasts[1 + CAST(hash(member_id, 5) % len($lasts) AS BIGINT)] ELSE '' END""",
                {"firsts": firsts, "lasts": lasts},
            )
        store.checkpoint()
    finally:
        store.close()
    shutil.rmtree(work / "lists", ignore_errors=True)
    building.rename(store_path)
    return store_path


def attendee_file(store_path: Path) -> bytes:
    """60 attendees, seeded: 20 typed handles of followers, 20 followers' names with a letter
    dropped, 20 strangers."""
    import csv
    import io
    import random

    import duckdb

    con = duckdb.connect(str(store_path), read_only=True)
    try:
        sampled = con.execute("SELECT handle, name FROM profiles ORDER BY hash(member_id, 7) LIMIT 40").fetchall()
    finally:
        con.close()
    rng = random.Random(16)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Name", "Handle"])
    for handle, name in sampled[:20]:
        writer.writerow([name, "@" + handle])
    for _handle, name in sampled[20:]:
        cut = rng.randrange(1, len(name) - 1)
        writer.writerow([name[:cut] + name[cut + 1 :], ""])
    for number in range(20):
        writer.writerow([f"Zebulon Quartermain {number}", ""])
    return out.getvalue().encode()


def _copy(store_path: Path, work: Path) -> Path:
    copy = work / "meetups-run.duckdb"
    shutil.copyfile(store_path, copy)
    Path(f"{copy}.wal").unlink(missing_ok=True)
    return copy


def measure(kind: str, store: str, attendees: str) -> dict[str, Any]:
    """One measure, in this (fresh) process."""
    from analytics.meetups.store import import_event
    from analytics.metrics.meetups import unmatched_attendees
    from analytics.store import open_store

    data = Path(attendees).read_bytes()
    if kind == "notebook":
        return _notebook(store, data)
    if kind == "minimal_page":
        return _minimal_page()
    if kind == "page":
        from benchmarks.worker import page

        drawn = page(store, "pages/meetups.py")
        return {"seconds": drawn["seconds"], "errors": drawn["errors"]}
    opened = open_store(store)
    try:
        started = time.perf_counter()
        if kind in ("event", "event_then_review"):
            outcome = import_event(opened, ACCOUNT, data, "attendees.csv", event_name="Meetup", event_date=EVENT_DAY)
            result: dict[str, Any] = {"seconds": time.perf_counter() - started, "line": outcome.line()}
            if kind == "event":
                return result
            started = time.perf_counter()
        cursor = opened.cursor()
        try:
            left = unmatched_attendees(cursor, int(cursor.execute("SELECT min(account_id) FROM accounts").fetchall()[0][0]))
        finally:
            cursor.close()
        return {"seconds": time.perf_counter() - started, "unmatched": len(left)}
    finally:
        opened.close()


def _notebook(store: str, data: bytes) -> dict[str, Any]:
    """The plain way to match names: every follower's name read and folded, each attendee's name
    scored against all of them."""
    import csv
    import io

    import duckdb
    from rapidfuzz import fuzz, process

    started = time.perf_counter()
    con = duckdb.connect(store, read_only=True)
    names = [row[0].lower() for row in con.execute("SELECT coalesce(name, '') FROM profiles").fetchall()]
    con.close()
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    found = [process.extract(row["Name"].lower(), names, scorer=fuzz.token_sort_ratio, score_cutoff=75, limit=20) for row in rows]
    return {"seconds": time.perf_counter() - started, "scored": len(found)}


MINIMAL_PAGE = """
import plotly.graph_objects as go
import streamlit as st

st.title("Baseline")
st.plotly_chart(go.Figure(go.Bar(x=list(range(60)), y=list(range(60)))), key="baseline")
"""


def _minimal_page() -> dict[str, Any]:
    """A minimal Streamlit page with one Plotly chart, its first run under AppTest (after a warm-up
    run, as `benchmarks.worker.page` warms the app up)."""
    from streamlit.testing.v1 import AppTest

    AppTest.from_string(MINIMAL_PAGE, default_timeout=120).run()
    app = AppTest.from_string(MINIMAL_PAGE.replace("Baseline", "Baseline page"), default_timeout=120)
    started = time.perf_counter()
    app.run()
    return {"seconds": time.perf_counter() - started}


def _run(kind: str, store: Path, attendees: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.meetups", "--measure", kind, "--store", str(store), "--attendees", str(attendees)]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout  # noqa: S603 - our own module
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def run(work: Path, rounds: int) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    store = build_store(work)
    attendees = work / "attendees.csv"
    attendees.write_bytes(attendee_file(store))
    event_store = _copy(store, work)
    first = _run("event", event_store, attendees)  # a store with the event, for the page and the review
    with_event = work / "meetups-event.duckdb"
    shutil.move(event_store, with_event)
    times: dict[str, list[float]] = {}
    details: dict[str, Any] = {"event": first.get("line")}
    for _round in range(rounds):
        for kind, on in (("event", store), ("event_then_review", store), ("review_fresh", with_event),
                         ("page", with_event), ("notebook", store), ("minimal_page", store)):
            target = _copy(on, work) if kind in ("event", "event_then_review") else on
            result = _run(kind if kind != "review_fresh" else "review", target, attendees)
            times.setdefault(kind, []).append(result["seconds"])
            for key in ("unmatched", "errors"):
                if key in result:
                    details[f"{kind}_{key}"] = result[key]
    return {"times": times, "details": details, "rounds": rounds, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


def render(result: dict[str, Any], command: str) -> str:
    times = result["times"]

    def median(kind: str) -> float:
        return float(statistics.median(times[kind]))

    def cell(kind: str) -> str:
        return f"{median(kind):.2f} s ({', '.join(f'{t:.2f}' for t in times[kind])})"

    page_ratio = median("page") / median("minimal_page")
    lines = [
        MARKS[0],
        "## Meetups on a million followers",
        "",
        f"- date: {result['date']}; command: `{command}`; {result['rounds']} rounds, each measure in a fresh process",
        f"- the event: {result['details'].get('event')}",
        "- the store, the attendees and the baselines: `benchmarks/meetups.py` (its docstring)",
        "",
        "| measure | median (each round) | against |",
        "|---|---|---|",
        f"| importing the event, matching included | {cell('event')} | the notebook: {median('event') / median('notebook'):.2f}x |",
        f"| the matches to review, in the process that imported the event | {cell('event_then_review')} | |",
        f"| the matches to review, in a fresh process (a server started since) | {cell('review_fresh')} | the notebook: {median('review_fresh') / median('notebook'):.2f}x |",
        f"| the Meetups page's first run, server time (AppTest) | {cell('page')} | the minimal page: {page_ratio:.2f}x |",
        f"| baseline: the notebook (every name read, each attendee scored with `process.extract`) | {cell('notebook')} | |",
        f"| baseline: a minimal page with one Plotly chart, server time (AppTest) | {cell('minimal_page')} | |",
        "",
        "Server time only, and a first run: the page's warm-up (`benchmarks.worker.page`) runs it on a small store",
        "without an event, so the event's tables and tabs are drawn here for the first time in the process. The",
        "first screen in a real browser, against the one-chart page, is `python -m benchmarks.pages` (its section).",
        "",
        MARKS[1],
    ]
    return "\n".join(lines) + "\n"


def write_section(out: Path, section: str) -> None:
    sections.write_section(out, *MARKS, section)


def section_of(text: str) -> str | None:
    return sections.section_of(text, *MARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.meetups", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "meetups")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--attendees", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        os.environ.setdefault("PALIER_DEMO", "0")
        print(json.dumps(measure(args.measure, args.store, args.attendees)), flush=True)
        return 0
    result = run(args.work, args.rounds)
    command = "python -m benchmarks.meetups " + " ".join(sys.argv[1:] if argv is None else argv)
    section = render(result, command.strip())
    print(section)
    if not args.no_write:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
