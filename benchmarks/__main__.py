"""`python -m benchmarks` (`make bench`): Palier at scale, measured, written to docs/benchmarks.md.

Sizes come from `--sizes` or `BENCH_SIZES` (comma-separated follower counts, default
100000,1000000,10000000); `--quick` (or `BENCH_QUICK=1`) is a smoke run of about a minute:
100,000 followers, one run each, a week of daily snapshots. Generated files are kept in
`--work` (`BENCH_DIR`, default `data/bench/`) and reused by later runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import analysis as analysis_bench
from benchmarks import firststart as firststart_bench
from benchmarks import meetups as meetups_bench
from benchmarks import pages as browser_bench
from benchmarks import plateaus as plateau_bench
from benchmarks import sections
from benchmarks.generate import CHURN, follower_lists, x_exports

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024  # memory, as the OS reports it
SIZE_MB = 1_000_000  # store sizes, in the target's unit ("under 150 MB")
ACCOUNT = "bench"
GCPAUSE_MARKS = ("<!-- gcpause -->", "<!-- /gcpause -->")


def run_worker(kind: str, **args: Any) -> dict[str, Any]:
    """Run one measurement in a child process; add its peak memory (the worker's own `VmHWM`, else
    `ru_maxrss`, KiB on Linux; see `worker.own_peak_kib`)."""
    command = [sys.executable, "-m", "benchmarks.worker", kind, json.dumps(args)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    # wait4 gives this child's own resource usage; its ru_maxrss is the fallback only, since it
    # starts at this process's own high-water mark (worker.own_peak_kib).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} failed ({proc.returncode}): {out[-2000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    own = result.pop("own_peak_kib", None)
    result["peak_mb"] = (own if own is not None else usage.ru_maxrss) / 1024
    # The whole process: Python's start and the libraries' imports included.
    result["process_seconds"] = time.perf_counter() - started
    return result


def median_of(runs: int, kind: str, fresh: list[Path] | None = None, **args: Any) -> dict[str, Any]:
    """The median (by seconds) of `runs` runs; `fresh` paths are deleted before each run."""
    results = []
    for _ in range(runs):
        for path in fresh or ():
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
        results.append(run_worker(kind, **args))
    results.sort(key=lambda r: r["seconds"])
    chosen = dict(results[len(results) // 2])
    chosen["all"] = [round(r["seconds"], 2) for r in results]
    chosen["peak_mb_max"] = max(r["peak_mb"] for r in results)
    return chosen


def human(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


# A measure: the worker's kind, the files deleted before each run, the worker's arguments, and a
# store copied to the first of those files before each run (untimed), or None.
Measure = tuple[str, list[Path], dict[str, Any], Path | None]


def interleaved(runs: int, measures: dict[str, Measure]) -> dict[str, dict[str, Any]]:
    """Each measure run `runs` times, interleaved: round after round, one run of each in turn, so
    that a machine busier in one minute than the next weighs on every measure alike. Per measure:
    the median run (by seconds), its runs' seconds and whole-process seconds, per round."""
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, (kind, fresh, args, template) in measures.items():
            for path in fresh:
                path.unlink(missing_ok=True)
                Path(f"{path}.wal").unlink(missing_ok=True)
            if template is not None:
                shutil.copyfile(template, fresh[0])
            rounds[name].append(run_worker(kind, **args))
    chosen: dict[str, dict[str, Any]] = {}
    for name, results in rounds.items():
        ordered = sorted(results, key=lambda r: r["seconds"])
        pick = dict(ordered[len(ordered) // 2])
        pick["all"] = [round(r["seconds"], 2) for r in results]
        pick["process_all"] = [round(r["process_seconds"], 2) for r in results]
        pick["process_seconds"] = statistics.median(r["process_seconds"] for r in results)
        pick["peak_mb_max"] = max(r["peak_mb"] for r in results)
        chosen[name] = pick
    return chosen


def ratio(numerator: dict[str, Any], denominator: dict[str, Any], key: str = "all") -> float:
    """The median of the round-by-round ratios (runs of one round ran one after the other)."""
    return float(statistics.median(a / b for a, b in zip(numerator[key], denominator[key], strict=True)))


def bench_imports(work: Path, sizes: list[int], runs: int, big_runs: int) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        folder = work / f"lists-{human(n)}"
        print(f"[bench] generating {n:,}-follower lists in {folder}", file=sys.stderr, flush=True)
        previous, current = follower_lists(folder, n, [0, 1])
        size_mb = current.stat().st_size / SIZE_MB
        r = runs if n < 10_000_000 else min(runs, big_runs)
        store = work / f"import-{human(n)}.duckdb"
        floor_db = work / f"floor-{human(n)}.duckdb"
        changed_db = work / f"changed-{human(n)}.duckdb"
        print(f"[bench] {n:,}: Palier import, DuckDB read_csv, pandas, Polars ({r} interleaved rounds)", file=sys.stderr, flush=True)
        files = [str(current)]
        # The daily case starts from a store holding the previous day, made once and copied
        # before each run, so that the whole process's time is the next day's import alone.
        yesterday = work / f"yesterday-{human(n)}.duckdb"
        yesterday.unlink(missing_ok=True)
        run_worker("palier_import", store=str(yesterday), files=[str(previous)], account=ACCOUNT, before=[])
        measures: dict[str, Measure] = {
            "fresh": ("palier_import", [store], {"store": str(store), "files": files, "account": ACCOUNT, "before": []}, None),
            "daily": ("palier_import", [store], {"store": str(store), "files": files, "account": ACCOUNT, "before": []},
                      yesterday),
            "floor": ("duckdb_read", [floor_db], {"db": str(floor_db), "file": str(current)}, None),
            "polars": ("polars_diff", [], {"previous": str(previous), "current": str(current)}, None),
            "pandas": ("pandas_diff", [], {"previous": str(previous), "current": str(current)}, None),
            "changed": ("changed_rows", [changed_db], {"db": str(changed_db), "previous": str(previous),
                                                       "current": str(current)}, None),
        }
        row: dict[str, Any] = {"n": n, "file_mb": size_mb, **interleaved(r, measures)}
        for path in (store, floor_db, changed_db, yesterday):
            path.unlink(missing_ok=True)
            Path(f"{path}.wal").unlink(missing_ok=True)
        rows.append(row)
        print(f"[bench] {n:,}: {json.dumps({k: v['seconds'] for k, v in rows[-1].items() if isinstance(v, dict)})}",
              file=sys.stderr, flush=True)
    return rows


def bench_year(work: Path, n: int, days: int, years_of_exports: int, done: Path | None = None) -> dict[str, Any]:
    """A year of daily lists into one store, then X exports, then the audience analysis step.
    `done` (BENCH_YEAR_FROM): the JSON a `year` worker printed when run on its own (an hour of
    imports is run in the background, apart from the rest); its store is the .duckdb beside it."""
    if done is not None:
        year = json.loads(done.read_text().strip().splitlines()[-1])
        store = next(done.parent.glob("*.duckdb"))
        # Its peak memory, when it ran under `/usr/bin/time -v` with stderr in log.txt beside it.
        log = done.parent / "log.txt"
        peaks = [line for line in (log.read_text().splitlines() if log.exists() else []) if "Maximum resident" in line]
        year["peak_mb"] = int(peaks[-1].rsplit(":", 1)[1]) / 1024 if peaks else float("nan")
        n, days = year.get("n", n), len(year["per_day"]) - 1
    else:
        store = work / f"year-{human(n)}-{days}d.duckdb"
        store.unlink(missing_ok=True)
        Path(f"{store}.wal").unlink(missing_ok=True)
        print(f"[bench] {days} daily snapshots of {n:,} followers into {store}", file=sys.stderr, flush=True)
        year = run_worker("year", store=str(store), folder=str(work / "year-days"), n=n, days=days, account=ACCOUNT)
    lists_bytes = store.stat().st_size
    exports = x_exports(work / "x-exports", n, years_of_exports)
    extra = run_worker("import_files", store=str(store), files=[str(p) for p in exports], account=ACCOUNT)
    exports_bytes = store.stat().st_size
    print("[bench] the audience analysis step (python -m analytics analyse)", file=sys.stderr, flush=True)
    analysis = run_worker("analyse", store=str(store), account=ACCOUNT)
    # What the same data takes without the free blocks DuckDB keeps for later writes.
    copy = work / "compacted.duckdb"
    shutil.copyfile(store, copy)
    subprocess.run([sys.executable, "-m", "analytics", "compact", "--db", str(copy)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    compacted = copy.stat().st_size
    copy.unlink()
    sample = min(days, 7)
    naive = run_worker("naive_size", db=str(work / "naive.duckdb"), folder=str(work), n=n, sample_days=sample)
    return {
        "n": n, "days": days, "import": year, "store_bytes_lists": lists_bytes, "store_bytes_exports": exports_bytes,
        "store_bytes": store.stat().st_size, "store_bytes_compacted": compacted, "exports": extra, "export_files": len(exports), "analysis": analysis,
        "naive": naive, "naive_sample_days": sample, "store": store,
    }


def bench_pages(store: Path) -> list[dict[str, Any]]:
    results = []
    for page_file in sorted((ROOT / "pages").glob("*.py")):
        print(f"[bench] page {page_file.name}", file=sys.stderr, flush=True)
        try:
            result = run_worker("page", store=str(store), page_file=str(page_file))
        except RuntimeError as exc:
            result = {"seconds": None, "errors": [str(exc)[:300]]}
        result["page"] = f"pages/{page_file.name}"
        results.append(result)
    return results


# A day this much slower than the median is a day that left the daily path (33 days of 2026-12-04's
# first year run took the careful reader, 70 to 123 s against a median of 1.8 s): the page says
# which, so that the median and the total cannot hide them again.
SLOW_DAY_FACTOR = 5


def _slow_days(per_day: list[float]) -> str:
    median = statistics.median(per_day)
    slow = [(day, seconds) for day, seconds in enumerate(per_day) if day > 0 and seconds > SLOW_DAY_FACTOR * median]
    if not slow:
        return "none"
    shown = ", ".join(f"day {day + 1} ({seconds:.1f} s)" for day, seconds in slow[:10])
    return f"{len(slow)}: {shown}" + (", ..." if len(slow) > 10 else "")


def bench_report(store: Path, runs: int) -> dict[str, Any]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analytics", "report", "--account", ACCOUNT, "--json", "--db", str(store)],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
    return {"seconds": statistics.median(times), "all": [round(t, 2) for t in times]}


def machine() -> dict[str, str]:
    import duckdb

    memory = ""
    try:
        kib = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cores": str(os.cpu_count()), "cpu": cpu, "memory": memory, "python": platform.python_version(),
        "duckdb": duckdb.__version__, "os": platform.platform(),
    }


def s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def render(meta: dict[str, Any], imports: list[dict[str, Any]], year: dict[str, Any] | None,
           pages: list[dict[str, Any]], report: dict[str, Any] | None) -> str:
    m = meta["machine"]
    out = [
        "# Benchmarks",
        "",
        "Palier analyses every follower, not a sample (Followerwonk samples at most 100,000 followers,",
        "TwitterAudit 5,000). These figures are measured by `benchmarks/` and written by it; do not edit",
        "by hand: run the command below again.",
        "",
        f"- date: {meta['date']}",
        f"- command: `{meta['command']}`",
        f"- machine: {m['cores']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}",
        f"- Python {m['python']}, DuckDB {m['duckdb']}",
        f"- every figure is the median of {meta['runs']} runs (10,000,000: {meta['big_runs']}); each run is a fresh",
        "  process into a fresh store; peak memory is the process's own (`VmHWM`; the largest of the runs).",
        "- units: sizes of files and stores in MB of 1,000,000 bytes, memory in MB of 1,048,576 bytes.",
        "- the data: deterministic generated follower lists in Palier's generic list CSV (ids, handles,",
        "  names, bios up to 160 characters in eight languages and five scripts, locations, counts,",
        f"  dates), {CHURN:.1%} daily churn between consecutive days (`benchmarks/generate.py`).",
        "",
        "## One follower-list snapshot",
        "",
        "- **Palier, fresh store**: `import_sources` (what `python -m analytics import` runs) of one",
        "  snapshot into a new store, from opening the store to closing it.",
        "- **Palier, next day**: the same, into a store that already holds the previous day's snapshot",
        "  (the daily case: it finds who joined and who left).",
        "- **DuckDB floor**: `CREATE TABLE t AS SELECT * FROM read_csv(file)` into a new database file.",
        "- **pandas**: `pd.read_csv` of the previous and the current snapshot, then an outer merge on the",
        "  id to find joiners and leavers: what one would write in a notebook.",
        "",
        "The floor and the fresh import both write a whole list into a new store: the floor target",
        "(within 2x) compares them. pandas, like Palier's next day, compares a day with the day before:",
        "the pandas target (Palier at least 5x faster) compares those two.",
        "",
        "Issue 16 compares the next day with the floor (at most 1.0x) and with **Polars** (the same",
        "notebook as pandas, in Polars: within 1.5x), and the fresh import with the floor (within 1.5x).",
        "The machine is shared (2 cores, other work running), so absolute seconds are noisy: the runs",
        "are **interleaved** (round after round, one run of each measure in turn, each a fresh process)",
        "and each ratio is the **median of the round-by-round ratios**, the two runs of a round having",
        "run one after the other. Seconds are timed inside the process (from opening the store to",
        "closing it; Python's start and the imports of libraries left out); *whole process* ratios",
        "take them in.",
        "",
        "| followers | file | Palier fresh | Palier next day | DuckDB floor | Polars | pandas | next day / floor | next day / Polars | fresh / floor | the same, whole process | Palier peak memory (next day) | Polars peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for r in imports:
        f, d, fl, p = r["fresh"], r["daily"], r["floor"], r["pandas"]
        pl = r.get("polars")
        polars_peak = f"{pl['peak_mb_max']:,.0f} MB" if pl else "—"
        whole = (f"{ratio(d, fl, 'process_all'):.2f}x, " + (f"{ratio(d, pl, 'process_all'):.2f}x, " if pl else "—, ")
                 + f"{ratio(f, fl, 'process_all'):.2f}x") if "process_all" in d else "—"
        out.append(
            f"| {r['n']:,} | {r['file_mb']:.0f} MB | {s(f['seconds'])} | {s(d['seconds'])} | {s(fl['seconds'])} | "
            f"{s(pl['seconds']) if pl else '—'} | {s(p['seconds'])} | {ratio(d, fl):.2f}x | "
            f"{f'{ratio(d, pl):.2f}x' if pl else '—'} | {ratio(f, fl):.2f}x | {whole} | {d['peak_mb_max']:,.0f} MB | "
            f"{polars_peak} |"
        )
    out += ["", "Each run's seconds, in the order they ran (round by round):", ""]
    for r in imports:
        out.append(
            f"- {r['n']:,}: fresh {r['fresh']['all']}, next day {r['daily']['all']}, floor {r['floor']['all']}, "
            + (f"Polars {r['polars']['all']}, " if "polars" in r else "")
            + f"pandas {r['pandas']['all']}" + (f", changed rows {r['changed']['all']}" if "changed" in r else "")
        )
    changed_rows = [r for r in imports if "changed" in r]
    if changed_rows:
        out += [
            "",
            "### The least a next-day import can do",
            "",
            "An importer need not convert the rows that did not change: it can hash each raw row and",
            "convert only those whose hash is not among the previous day's. Even that importer must read",
            "and hash the whole file. **Changed rows** times DuckDB doing only that: reading the current",
            "file with every column as text, hashing every row and counting the rows whose hash is not",
            "in a table of the previous day's hashes. It converts nothing, checks nothing and writes",
            "nothing. **Checksum** is the SHA-256 of the file, which an importer needs to know a file it",
            "has already imported. pandas / 5 is what the pandas target allows.",
            "",
            "| followers | changed rows | rows that changed | checksum | both | pandas / 5 | pandas / both |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in changed_rows:
            c, p = r["changed"], r["pandas"]["seconds"]
            both = c["seconds"] + c["checksum_seconds"]
            out.append(
                f"| {r['n']:,} | {s(c['seconds'])} | {c['changed']:,} | {s(c['checksum_seconds'])} | {s(both)} | "
                f"{s(p / 5)} | {p / both:.1f}x |"
            )
    if year:
        imp = year["import"]
        per_day = imp["per_day"][:-1]
        days = year["days"]
        naive = year["naive"]
        out += [
            "",
            f"## {days} daily snapshots of {year['n']:,} followers",
            "",
            "One file a day (`followers_YYYY-MM-DD.csv`), imported one after the other into one store, then",
            f"{year['export_files']} X exports (daily account overview, a file per year, and content CSVs per",
            "quarter) of the years before. Sizes of files in MB of 1,000,000 bytes (the target's unit);",
            "memory in MB of 1,048,576 bytes.",
            "",
            f"- total import time of the {days} snapshots: {imp['seconds']:.0f} s (median day "
            f"{statistics.median(per_day):.2f} s, slowest {max(per_day):.2f} s, final checkpoint "
            f"{imp['per_day'][-1]:.2f} s); peak memory {imp['peak_mb']:,.0f} MB (the whole process, including"
            " the generator: an in-memory DuckDB holding the year's pool of profiles and writing each day's file)",
            f"- days over {SLOW_DAY_FACTOR} times the median day (the first, a fresh import, left out): {_slow_days(per_day)}",
            f"- X exports: {year['exports']['seconds']:.2f} s",
            f"- the audience analysis step (`python -m analytics analyse`, every profile of the year analysed once,"
            f" the topic model fitted, the page's figures counted): {year['analysis']['seconds']:.0f} s, peak memory"
            f" {year['analysis']['peak_mb']:,.0f} MB",
            f"- store on disk: **{year['store_bytes_lists'] / SIZE_MB:,.1f} MB** after the {days} lists"
            f" ({year['store_bytes_exports'] / SIZE_MB:,.1f} MB with the X exports, {year['store_bytes'] / SIZE_MB:,.1f} MB with the"
            f" audience analysis kept beside them; {year['store_bytes_compacted'] / SIZE_MB:,.1f} MB once compacted by"
            " `python -m analytics compact`)",
            *(["- size at the end of each 30 days (after a checkpoint): "
               + ", ".join(f"day {d}: {b / SIZE_MB:,.1f} MB" for d, b in imp["sizes"])] if imp.get("sizes") else []),
            *([] if days >= 365 or days < 2 else [
                f"- **not a full year in this run**: a linear extrapolation to 365 days of the growth measured"
                f" here (size after day 1 plus (size after day {days} minus size after day 1) x 364/{days - 1})"
                f" gives {(imp['first_day_bytes'] + (year['store_bytes_lists'] - imp['first_day_bytes']) * 364 / (days - 1)) / SIZE_MB:,.0f} MB"
                f" for the lists; extrapolated time: {imp['seconds'] * 365 / days:,.0f} s"
            ]),
            f"- the naive one-row-per-follower-per-day table, built in DuckDB for {year['naive_sample_days']} days and"
            f" extrapolated to {max(days, 365)} (x{max(days, 365) / year['naive_sample_days']:.1f}): membership only (account, day, member id)"
            f" {naive['membership'] * max(days, 365) / year['naive_sample_days'] / SIZE_MB:,.0f} MB; whole rows as exported"
            f" {naive['full'] * max(days, 365) / year['naive_sample_days'] / SIZE_MB:,.0f} MB",
        ]
    if pages:
        out += [
            "",
            "## Pages on that store",
            "",
            "Server-side render time with Streamlit's `AppTest` (no browser): the first run (cold caches),",
            "a second run (warm caches), and a change of the page's first select box other than the",
            "account to the option farthest from the current one (the rerun after a widget change; on",
            "Churn, the oldest list against the newest: two lists a year apart).",
            "",
            "| page | first run | second run | widget change | errors |",
            "|---|---:|---:|---:|---|",
        ]
        for p in pages:
            change = s(p.get("change")) + (f" ({p['widget']})" if p.get("widget") else "")
            errors = "; ".join(p.get("errors") or []) or "none"
            out.append(f"| `{p['page']}` | {s(p.get('seconds'))} | {s(p.get('warm'))} | {change} | {errors} |")
    if report:
        out += ["", f"`python -m analytics report --account {ACCOUNT} --json` on that store (a new process each time,"
                f" start-up included): {s(report['seconds'])} (runs: {report['all']})"]
    out += targets(imports, year, pages)
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        out += ["", notes.read_text().rstrip()]
    return "\n".join(out) + "\n"


def targets(imports: list[dict[str, Any]], year: dict[str, Any] | None, pages: list[dict[str, Any]]) -> list[str]:
    """Issues 6 and 16: the targets against this run's figures, met or not."""
    rows: list[tuple[str, str, bool | None]] = []
    by_n = {r["n"]: r for r in imports}
    if 1_000_000 in by_n:
        r = by_n[1_000_000]
        d, fl, f = r["daily"], r["floor"], r["fresh"]
        daily_floor = ratio(d, fl)
        rows.append(("1,000,000 next day at most 1.0x DuckDB's `read_csv` into a table (median of interleaved rounds)",
                     f"{daily_floor:.2f}x ({s(d['seconds'])} against {s(fl['seconds'])}; whole process "
                     f"{ratio(d, fl, 'process_all'):.2f}x)", daily_floor <= 1.0))
        if "polars" in r:
            daily_polars = ratio(d, r["polars"])
            rows.append(("1,000,000 next day within 1.5x the Polars notebook (both days read and diffed)",
                         f"{daily_polars:.2f}x ({s(d['seconds'])} against {s(r['polars']['seconds'])}; whole process "
                         f"{ratio(d, r['polars'], 'process_all'):.2f}x)", daily_polars <= 1.5))
        rows.append(("1,000,000 next day under 500 MB of memory", f"peak {d['peak_mb_max']:,.0f} MB",
                     d["peak_mb_max"] < 500))
        fresh_floor = ratio(f, fl)
        rows.append(("1,000,000 first import within 1.5x the floor", f"{fresh_floor:.2f}x ({s(f['seconds'])} against "
                     f"{s(fl['seconds'])})", fresh_floor <= 1.5))
    if 10_000_000 in by_n:
        r = by_n[10_000_000]
        peak = max(r["fresh"]["peak_mb_max"], r["daily"]["peak_mb_max"])
        rows.append(("10,000,000 next day at most 1.0x the floor", f"{ratio(r['daily'], r['floor']):.2f}x",
                     ratio(r["daily"], r["floor"]) <= 1.0))
        rows.append(("10,000,000 snapshot under 60 s, peak memory under 4 GB",
                     f"{s(r['fresh']['seconds'])} fresh, {s(r['daily']['seconds'])} next day, peak {peak:,.0f} MB",
                     r["fresh"]["seconds"] < 60 and r["daily"]["seconds"] < 60 and peak < 4096))
    if year:
        full = year["days"] >= 365
        size = year["store_bytes_lists"] / SIZE_MB
        whole = year["store_bytes"] / SIZE_MB
        rows.append((f"a year of daily {year['n']:,} lists under 150 MB (150,000,000 bytes)",
                     f"{size:,.1f} MB after {year['days']} days" + ("" if full else " (not a full year)")
                     + f"; with the X exports and the audience analysis {whole:,.1f} MB"
                     + (" (over 150 MB)" if whole >= 150 else "")
                     + f", {year['store_bytes_compacted'] / SIZE_MB:,.1f} MB compacted",
                     size < 150 if full else None))
    if pages:
        slow = [p for p in pages if p.get("seconds") is None or p["seconds"] >= 1 or (p.get("change") or 0) >= 1]
        worst = max((p.get("seconds") or 0, p["page"]) for p in pages)
        rows.append(("every page under 1 s on that store (first run and widget change)",
                     "all under 1 s" if not slow else
                     "over 1 s: " + ", ".join(f"`{p['page']}` {s(p.get('seconds'))} first, {s(p.get('change'))} change" for p in slow)
                     + f" (slowest first run {worst[0]:.2f} s)", not slow))
    if not rows:
        return []
    out = ["", "## Targets on this machine", "", "| target | result | met |", "|---|---|---|"]
    out += [f"| {t} | {r} | {'yes' if ok else 'no' if ok is not None else 'not measured'} |" for t, r, ok in rows]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "100000,1000000,10000000"))
    parser.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK", "") not in ("", "0"))
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--big-runs", type=int, default=int(os.environ.get("BENCH_BIG_RUNS", "3")),
                        help="runs at 10,000,000 followers and more")
    parser.add_argument("--year-size", type=int, default=int(os.environ.get("BENCH_YEAR_SIZE", "1000000")))
    parser.add_argument("--year-days", type=int, default=int(os.environ.get("BENCH_YEAR_DAYS", "365")))
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("BENCH_DIR", ROOT / "data" / "bench")))
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("BENCH_OUT", ROOT / "docs" / "benchmarks.md")))
    parser.add_argument("--skip", default=os.environ.get("BENCH_SKIP", ""),
                        help="comma list of: imports,year,pages,plateaus,browser,meetups,analysis,firststart")
    parser.add_argument("--year-from", type=Path, default=os.environ.get("BENCH_YEAR_FROM") or None,
                        help="the JSON output of a `year` worker run on its own, its store beside it")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.year_size, args.year_days = "100000", 1, 100_000, 7
    sizes = [int(x.replace("_", "")) for x in args.sizes.split(",") if x.strip()]
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    args.work.mkdir(parents=True, exist_ok=True)
    command = ("python -m benchmarks " + " ".join(sys.argv[1:])).strip()
    env = " ".join(f"{k}={os.environ[k]}" for k in sorted(os.environ) if k.startswith("BENCH_"))
    meta = {"date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "command": (env + " " + command).strip(),
            "runs": args.runs, "big_runs": min(args.runs, args.big_runs), "machine": machine()}
    saved = args.work / "results.json"
    if os.environ.get("BENCH_RENDER_ONLY"):
        # Write the page again from the figures of the last run (after editing NOTES.md).
        meta, imports, year, pages, report = json.loads(saved.read_text())
    else:
        imports = [] if "imports" in skip else bench_imports(args.work, sizes, args.runs, args.big_runs)
        year = None if "year" in skip else bench_year(args.work, args.year_size, args.year_days, 3, args.year_from)
        pages = bench_pages(year["store"]) if year and "pages" not in skip else []
        report = bench_report(year["store"], args.runs) if year and "pages" not in skip else None
        saved.write_text(json.dumps([meta, imports, year, pages, report], default=str))
    text = render(meta, imports, year, pages, report)
    # The plateau detector's section has its own command (`python -m benchmarks.plateaus`): run
    # it again here, or keep the one already on the page.
    old = plateau_bench.section_of(args.out.read_text()) if args.out.exists() else None
    # The pages in a real browser (`python -m benchmarks.pages`), on the demo and on the year's store.
    old_browser = browser_bench.section_of(args.out.read_text()) if args.out.exists() else None
    # Meetups on a million followers (`python -m benchmarks.meetups`).
    old_meetups = meetups_bench.section_of(args.out.read_text()) if args.out.exists() else None
    # The audience analysis of a million followers (`python -m benchmarks.analysis`).
    old_analysis = analysis_bench.section_of(args.out.read_text()) if args.out.exists() else None
    # Likewise the first start's (`python -m benchmarks.firststart`, issue 16 target 1).
    old_firststart = firststart_bench.section_of(args.out.read_text()) if args.out.exists() else None
    # The server's garbage collections (`python -m benchmarks.gcpause`, which prints JSON: its
    # section is written from it by hand) are not measured here: kept as they are.
    old_gcpause = sections.section_of(args.out.read_text(), *GCPAUSE_MARKS) if args.out.exists() else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    if "plateaus" not in skip:
        plateau_bench.main(["--out", str(args.out)])
    elif old:
        plateau_bench.write_section(args.out, old)
    if "browser" not in skip:
        stores = ["--store", f"{year['days']} daily lists of {year['n']:,} followers={year['store']}"] if year else []
        browser_bench.main(["--out", str(args.out), "--work", str(args.work / "pages"), "--rounds", str(args.runs),
                            *stores])
    elif old_browser:
        browser_bench.write_section(args.out, old_browser)
    if "meetups" not in skip:
        meetups_bench.main(["--out", str(args.out), "--rounds", str(args.runs), "--work", str(args.work / "meetups")])
    elif old_meetups:
        meetups_bench.write_section(args.out, old_meetups)
    if "analysis" not in skip:
        analysis_bench.main(["--out", str(args.out), "--rounds", str(args.runs), "--work", str(args.work / "analysis")])
    elif old_analysis:
        analysis_bench.write_section(args.out, old_analysis)
    if "firststart" not in skip:
        firststart_bench.main(["--out", str(args.out), "--runs", str(args.runs)])
    elif old_firststart:
        firststart_bench.write_section(args.out, old_firststart)
    if old_gcpause:
        sections.write_section(args.out, *GCPAUSE_MARKS, old_gcpause)
    print(text)
    if year and not os.environ.get("BENCH_KEEP_STORE"):
        shutil.rmtree(args.work / "year-days", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
