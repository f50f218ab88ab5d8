"""One measurement, run in its own process (`python -m benchmarks.worker KIND JSON-ARGS`).

Each measurement runs in a fresh process so that its peak memory (`own_peak_kib`, read from the
kernel at the end) is its own, and so no cache of an earlier run makes a later one look fast. The
worker prints one JSON line: the timed seconds and whatever else the measurement reports.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any


def palier_import(store: str, files: list[str], account: str, before: list[str]) -> dict[str, Any]:
    """Import `files` through Palier's service (as `python -m analytics import` does) into the
    store at `store`, after importing `before` untimed (the previous snapshot, when measuring the
    daily case). Timed: opening the store, the import and closing it (the checkpoint)."""
    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store

    if before:
        store_ = open_store(store)
        outcomes = import_sources(store_, read_paths([Path(f) for f in before]), ImportOptions(account))
        store_.close()
        assert all(o.status == "imported" for o in outcomes), [o.line() for o in outcomes]
    started = time.perf_counter()
    opened = open_store(store)
    outcomes = import_sources(opened, read_paths([Path(f) for f in files]), ImportOptions(account))
    opened.close()
    seconds = time.perf_counter() - started
    failed = [o.line() for o in outcomes if o.status != "imported"]
    if failed:
        raise SystemExit("import failed: " + "; ".join(failed))
    return {"seconds": seconds, "lines": [o.line() for o in outcomes]}


def duckdb_read(db: str, file: str) -> dict[str, Any]:
    """The floor: DuckDB's own `read_csv` of the file into a table of a fresh database file."""
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(db)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE followers AS SELECT * FROM read_csv('{file}')")
    rows = con.execute("SELECT count(*) FROM followers").fetchone()
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows[0] if rows else 0}


def pandas_diff(previous: str, current: str) -> dict[str, Any]:
    """What a notebook would do: read both snapshots with pandas, merge on the id, keep joiners
    and leavers."""
    import pandas as pd

    started = time.perf_counter()
    before = pd.read_csv(previous, dtype={"id": "string"})
    after = pd.read_csv(current, dtype={"id": "string"})
    merged = before[["id"]].merge(after, on="id", how="outer", indicator=True)
    joined = merged[merged["_merge"] == "right_only"]
    left = merged[merged["_merge"] == "left_only"]
    return {"seconds": time.perf_counter() - started, "joined": len(joined), "left": len(left)}


def polars_diff(previous: str, current: str) -> dict[str, Any]:
    """The same notebook with Polars: read both snapshots, find joiners and leavers by id."""
    import polars as pl

    started = time.perf_counter()
    before = pl.read_csv(previous, schema_overrides={"id": pl.String})
    after = pl.read_csv(current, schema_overrides={"id": pl.String})
    joined = after.join(before.select("id"), on="id", how="anti")
    left = before.select("id").join(after.select("id"), on="id", how="anti")
    return {"seconds": time.perf_counter() - started, "joined": joined.height, "left": left.height}


def changed_rows(db: str, previous: str, current: str) -> dict[str, Any]:
    """The least an importer that converts only the rows that changed must do: DuckDB reads the
    current file (every column as text, nothing converted or checked), hashes every row, and
    finds the rows whose hash is not among the previous day's (kept in a table of the database
    file, built untimed). Nothing is written; no member ids, spells or profiles. The file's own
    checksum (how an importer knows a file it has seen) is timed apart: `checksum_seconds`."""
    import csv
    import hashlib

    import duckdb

    def reader(path: str) -> str:
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        return (f"read_csv('{path}', header = false, skip = 1, columns = {columns}, auto_detect = false, "
                "quote = '\"', escape = '\"', delim = ',', strict_mode = true, max_line_size = 1000000)")

    def row_hash(path: str) -> str:
        with open(path, newline="", encoding="utf-8") as handle:
            width = len(next(csv.reader(handle)))
        return "hash(" + ", ".join(f"c{i}" for i in range(width)) + ")"

    Path(db).unlink(missing_ok=True)
    con = duckdb.connect(db)
    con.execute("SET enable_progress_bar = false")
    con.execute(f"CREATE TABLE yesterday AS SELECT {row_hash(previous)} AS h FROM {reader(previous)}")
    con.close()
    started = time.perf_counter()
    digest = hashlib.sha256()
    with open(current, "rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    checksum = time.perf_counter() - started
    started = time.perf_counter()
    con = duckdb.connect(db)
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = false")
    row = con.execute(
        f"SELECT count(*) FROM (SELECT {row_hash(current)} AS h FROM {reader(current)}) t "
        "WHERE h NOT IN (SELECT h FROM yesterday)"
    ).fetchone()
    con.close()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "checksum_seconds": checksum, "changed": row[0] if row else 0}


def year(store: str, folder: str, n: int, days: int, account: str) -> dict[str, Any]:
    """Import `days` daily snapshots of an `n`-follower account, one file a day, the way a daily
    collection does. Each day's file is generated, imported (timed), then deleted."""
    import duckdb

    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store
    from benchmarks.generate import build_pool, write_day

    generator = duckdb.connect()
    generator.execute("SET enable_progress_bar = false")
    build_pool(generator, n, days)
    opened = open_store(store)
    per_day: list[float] = []
    sizes: list[tuple[int, int]] = []
    first_size = 0
    try:
        for day in range(days):
            path = write_day(generator, day, Path(folder))
            started = time.perf_counter()
            outcomes = import_sources(opened, read_paths([path]), ImportOptions(account))
            per_day.append(time.perf_counter() - started)
            path.unlink()
            if any(o.status != "imported" for o in outcomes):
                raise SystemExit("import failed: " + "; ".join(o.line() for o in outcomes))
            if day == 0:
                # The size after the first snapshot: what the later days add is the growth.
                opened.checkpoint()
                first_size = Path(store).stat().st_size
            if day % 30 == 29:
                # The size as the month ends, after a checkpoint (what a restart would leave).
                opened.checkpoint()
                sizes.append((day + 1, Path(store).stat().st_size))
            if day % 10 == 0:
                print(f"day {day}: {per_day[-1]:.2f} s", file=sys.stderr, flush=True)
        started = time.perf_counter()
        opened.checkpoint()
        per_day.append(time.perf_counter() - started)
    finally:
        opened.close()
        generator.close()
    return {"seconds": sum(per_day), "per_day": per_day, "first_day_bytes": first_size, "sizes": sizes}


def import_files(store: str, files: list[str], account: str) -> dict[str, Any]:
    """Import extra files (the X exports) into an existing store, timed."""
    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store

    started = time.perf_counter()
    opened = open_store(store)
    outcomes = import_sources(opened, read_paths([Path(f) for f in files]), ImportOptions(account, platform="x"))
    opened.close()
    failed = [o.line() for o in outcomes if o.status == "failed"]
    if failed:
        raise SystemExit("import failed: " + "; ".join(failed))
    return {"seconds": time.perf_counter() - started, "lines": [o.line() for o in outcomes]}


def naive_size(db: str, folder: str, n: int, sample_days: int) -> dict[str, Any]:
    """The one-row-per-follower-per-day table, built for `sample_days` days in DuckDB: bytes on
    disk of (a) membership only (account, day, member id) and (b) the whole row as exported."""
    import duckdb

    from benchmarks.generate import build_pool, day_query

    generator = duckdb.connect()
    generator.execute("SET enable_progress_bar = false")
    build_pool(generator, n, sample_days)
    sizes: dict[str, int] = {}
    for kind in ("membership", "full"):
        path = Path(f"{db}.{kind}")
        path.unlink(missing_ok=True)
        generator.execute(f"ATTACH '{path}' AS naive")
        columns = "1 AS account_id, DATE '2025-01-01' + {d} AS day, id AS member_key" if kind == "membership" else (
            "1 AS account_id, DATE '2025-01-01' + {d} AS day, *"
        )
        for d in range(sample_days):
            select = f"SELECT {columns.format(d=d)} FROM ({day_query(d)})"
            if d == 0:
                generator.execute(f"CREATE TABLE naive.snapshots AS {select}")
            else:
                generator.execute(f"INSERT INTO naive.snapshots {select}")
        generator.execute("DETACH naive")
        sizes[kind] = path.stat().st_size
        path.unlink()
    generator.close()
    return {"seconds": 0.0, **sizes}


ACCOUNT_OF_PAGES = "warm-up"  # the warm-up store's account, apart from the measured one


def _page_app(page_file: str, like: Any = None) -> Any:
    """The app as a visitor opens it, on `page_file`: through app.py's navigation, since a page
    links to the others (`st.page_link`), which Streamlit finds only among the registered pages.

    `like`: an app already run, whose installed components this one takes. A server looks for
    them once, when it starts (`Runtime.__init__`); each AppTest looks for them on its first run,
    reading the metadata of every installed package: 0.3 to 0.4 s that no visitor waits for,
    which was most of some pages' first run here."""
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    app = AppTest.from_file(str(root / "app.py"), default_timeout=600)
    if like is not None:
        # AppTest keeps the components it found in this attribute and looks again only without it.
        app._bidi_component_manager = like._bidi_component_manager
    # Before the first run Streamlit finds the page by its file name: app.py's url_paths are those names.
    return app.switch_page(str(Path(page_file).resolve().relative_to(root)))


def page(store: str, page_file: str) -> dict[str, Any]:
    """Render one page with Streamlit's AppTest on the store: the first run (cold caches), a
    second run (warm), and where the page has a select box, one widget change: its first select box
    other than the account, to the option farthest from the current one."""
    import tempfile

    import streamlit as st

    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store
    from benchmarks.generate import follower_lists, x_exports

    os.environ["PALIER_DEMO"] = "0"
    # A running server has imported the page's modules and drawn its first charts (Plotly and
    # its dataframe layer initialise once per process, 0.3 to 0.6 s) long before a visitor opens
    # a page: run the page once on a small store with a few lists first, so that the timed run
    # measures the work on the data, with every cache empty.
    with tempfile.TemporaryDirectory() as small:
        folder = Path(small)
        os.environ["PALIER_DB"] = str(folder / "small.duckdb")
        small_store = open_store(folder / "small.duckdb")
        files = follower_lists(folder / "lists", 2_000, [0, 1, 2]) + x_exports(folder / "x", 2_000, 1)
        import_sources(small_store, read_paths(files), ImportOptions(ACCOUNT_OF_PAGES))
        small_store.close()
        warm_up = _page_app(page_file).run()
        st.cache_resource.clear()
        st.cache_data.clear()
    os.environ["PALIER_DB"] = store
    app = _page_app(page_file, like=warm_up)
    # Each timed run starts with the harness's own garbage (the warm-up's objects) collected, so
    # that a collection of it cannot fall inside a timed run.
    gc.collect()
    started = time.perf_counter()
    app.run()
    cold = time.perf_counter() - started
    errors = [str(e.value)[:200] for e in app.exception] + [str(e.value)[:200] for e in app.error]
    gc.collect()
    started = time.perf_counter()
    app.run()
    warm = time.perf_counter() - started
    change: float | None = None
    widget = ""
    candidates = [w for w in app.selectbox if len(getattr(w, "options", [])) > 1 and "ccount" not in (w.label or "")]
    if candidates:
        box = candidates[0]
        widget = f"select box {box.label!r}"
        options = list(box.options)
        current = options.index(str(box.value)) if str(box.value) in options else 0
        # The option farthest from the current one: on Churn, the oldest list against the newest
        # (two lists a year apart, the slowest comparison), not the neighbouring list.
        farthest = 0 if current >= len(options) / 2 else len(options) - 1
        widget += f" from option {current + 1} to {farthest + 1} of {len(options)}"
        gc.collect()
        started = time.perf_counter()
        box.select_index(farthest).run()
        change = time.perf_counter() - started
    return {"seconds": cold, "warm": warm, "change": change, "widget": widget, "errors": errors}


def analyse(store: str, account: str) -> dict[str, Any]:
    """The audience analysis step, as a user runs it after imports."""
    import contextlib
    import io

    from analytics.cli import main as cli

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # this process's stdout carries the result
        code = cli(["analyse", "--account", account, "--db", store])
    if code != 0:
        raise SystemExit(f"analyse failed with exit code {code}")
    return {"seconds": time.perf_counter() - started}


KINDS = {
    "palier_import": palier_import,
    "duckdb_read": duckdb_read,
    "pandas_diff": pandas_diff,
    "polars_diff": polars_diff,
    "changed_rows": changed_rows,
    "year": year,
    "import_files": import_files,
    "naive_size": naive_size,
    "page": page,
    "analyse": analyse,
}


def own_peak_kib() -> int | None:
    """This process's peak resident memory since it started (`VmHWM`), None off Linux.

    Not `ru_maxrss`: Python starts a child with vfork, and at exec Linux records the parent's
    high-water mark as the child's, so a child started by a parent that once held 1 GB reports at
    least 1 GB (seen: every measure of a run that generated its million-follower files in the
    parent read 1,184 MB, the generator's peak). `VmHWM` belongs to the memory the process got at
    exec."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def main() -> None:
    kind, args = sys.argv[1], json.loads(sys.argv[2])
    result = KINDS[kind](**args)
    result["own_peak_kib"] = own_peak_kib()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
