"""`python -m benchmarks.analysis`: the audience analysis of a million followers, published.

The Audience page's first view after an import, and the report, wait for the audience analysis
(`analytics.analysis.refresh_features`): each follower's language, country, fit and topic, then the
figures the page opens on. What is measured, each in a fresh process (`python -m analytics
analyse`, start-up included, and the analysis' own time as it reports it):

- the first analysis of a million followers whose bios and names are as varied as real ones (the
  store of `benchmarks.meetups`, 207,000 distinct names, its bios lengthened by two phrases drawn
  for each: 644,000 distinct bios, 300,000 followers without one);
- the first analysis of that store with the generator's bios (14,000 distinct);
- the first analysis of the generated list of a million (a few hundred distinct names);
- the next day's: that list analysed, the next day's list imported (about 2% of the profiles new
  or changed), analysed again.

The baseline run beside them, on each of the two stores of varied names: a notebook that reads
every follower's bio and name with DuckDB and computes each one's fit the plain way, with
scikit-learn's TfidfVectorizer (the analysis' own settings, `textfit.make_vectorizer`) over every
follower's bio and name joined, and the cosine to their mean (what the fits alone cost done the
straightforward way; the analysis also detects languages and countries, finds topics and counts
the page's figures).

Run alone: `python -m benchmarks.analysis` (`--rounds N`, `--work DIR`, `--out PATH`,
`--no-write`); `make bench` runs it with the other benchmarks. It writes its section of
docs/benchmarks.md between the `<!-- analysis -->` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import meetups, sections

ROOT = Path(__file__).resolve().parent.parent
MARKS = ("<!-- analysis -->", "<!-- /analysis -->")
ACCOUNT = meetups.ACCOUNT
FOLLOWERS = meetups.FOLLOWERS
# "audience analysis of account 1: ... 22.0 s": the analysis' own time, as the command says it.
_SAID = re.compile(r"([\d,]+(?:\.\d+)?) s$")


def _import(store_path: Path, lists: list[Path]) -> None:
    from analytics.ingest.service import ImportOptions, import_sources, read_paths
    from analytics.store import open_store

    store = open_store(store_path)
    try:
        outcomes = import_sources(store, read_paths(lists), ImportOptions(ACCOUNT))
        assert all(o.status == "imported" for o in outcomes), [o.line() for o in outcomes]
        store.checkpoint()
    finally:
        store.close()


def _varied_bios(varied_names: Path, work: Path) -> Path:
    """The store of varied names, its bios made as varied as real ones: each bio that is not empty
    gets two more phrases from the generator's pools of every language (644,000 distinct bios a
    million, where the generator alone writes 14,000)."""
    from analytics.store import open_store
    from benchmarks.generate import LANGUAGES

    store_path = work / "varied-bios-1M.duckdb"
    if store_path.exists():
        return store_path
    building = work / "building.duckdb"
    shutil.copyfile(varied_names, building)
    phrases = sorted({phrase for language in LANGUAGES.values() for phrase in language["bio"]})
    store = open_store(building)
    try:
        with store.transaction() as cursor:
            cursor.execute(
                """UPDATE profiles SET bio = bio || ' · ' || $phrases[1 + CAST(hash(member_id, 11) % len($phrases) AS BIGINT)]
                       || ' · ' || $phrases[1 + CAST(hash(member_id, 12) % len($phrases) AS BIGINT)]
                   WHERE coalesce(bio, '') <> ''""",
                {"phrases": phrases},
            )
        store.checkpoint()
    finally:
        store.close()
    building.rename(store_path)
    return store_path


def build_stores(work: Path) -> dict[str, Path]:
    """The stores each measure starts from (kept in `work` between runs)."""
    from benchmarks.generate import follower_lists

    work.mkdir(parents=True, exist_ok=True)
    varied = meetups.build_store(work)
    bios = _varied_bios(varied, work)
    plain = work / "plain-1M.duckdb"
    next_day = work / "next-day-1M.duckdb"
    if not plain.exists() or not next_day.exists():
        lists = follower_lists(work / "lists", FOLLOWERS, [0, 1])
        building = work / "building.duckdb"
        building.unlink(missing_ok=True)
        _import(building, lists[:1])
        shutil.copyfile(building, plain)
        # The next day: the first list analysed, then the second imported.
        _analyse(building)
        _import(building, lists[1:])
        building.rename(next_day)
        shutil.rmtree(work / "lists", ignore_errors=True)
    return {"first_bios": bios, "first_varied": varied, "first_plain": plain, "next_day": next_day}


def _analyse(store: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "analytics", "analyse", "--db", str(store)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603 - our own module
    seconds = time.perf_counter() - started
    said = done.stdout.strip().splitlines()[-1]
    found = _SAID.search(said)
    return {"seconds": seconds, "analysis": float(found.group(1).replace(",", "")) if found else None, "said": said}


def notebook(store: str) -> dict[str, Any]:
    """Every follower's fit the plain way (see the module's docstring)."""
    import duckdb
    import numpy as np

    from analytics.metrics import textfit

    started = time.perf_counter()
    con = duckdb.connect(store, read_only=True)
    texts = [f"{bio} {name}".strip() for bio, name in
             con.execute("SELECT coalesce(bio, ''), coalesce(name, '') FROM profiles").fetchall()]
    con.close()
    matrix = textfit.make_vectorizer().fit_transform(texts)
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    fits = matrix @ (centroid / np.linalg.norm(centroid))
    return {"seconds": time.perf_counter() - started, "fits": int(len(fits))}


def _copy(store: Path, work: Path) -> Path:
    copy = work / "analysis-run.duckdb"
    shutil.copyfile(store, copy)
    Path(f"{copy}.wal").unlink(missing_ok=True)
    return copy


def run(work: Path, rounds: int) -> dict[str, Any]:
    stores = build_stores(work)
    times: dict[str, list[float]] = {}
    details: dict[str, Any] = {}
    for _round in range(rounds):
        for kind, store in stores.items():
            result = _analyse(_copy(store, work))
            times.setdefault(kind, []).append(result["seconds"])
            times.setdefault(f"{kind}_analysis", []).append(result["analysis"])
            details[kind] = result["said"]
        for kind, store in (("notebook_bios", stores["first_bios"]), ("notebook", stores["first_varied"])):
            command = [sys.executable, "-m", "benchmarks.analysis", "--notebook", str(store)]
            out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout  # noqa: S603 - our own module
            times.setdefault(kind, []).append(json.loads(out.strip().splitlines()[-1])["seconds"])
    (work / "analysis-run.duckdb").unlink(missing_ok=True)
    return {"times": times, "details": details, "rounds": rounds, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}


def render(result: dict[str, Any], command: str) -> str:
    times = result["times"]

    def median(kind: str) -> float:
        return float(statistics.median(times[kind]))

    def cell(kind: str) -> str:
        return f"{median(kind):.1f} s ({', '.join(f'{t:.1f}' for t in times[kind])})"

    def row(label: str, kind: str, baseline: str = "notebook") -> str:
        return (f"| {label} | {cell(kind)} | {cell(kind + '_analysis')} | "
                f"{median(kind) / median(baseline):.2f}x |")

    lines = [
        MARKS[0],
        "## The audience analysis of a million followers",
        "",
        f"- date: {result['date']}; command: `{command}`; {result['rounds']} rounds, each measure in a fresh process",
        "- the stores and the baseline: `benchmarks/analysis.py` (its docstring)",
        *(f"- {kind}: {said}" for kind, said in result["details"].items()),
        "",
        "| analysis | whole process, median (each round) | the analysis as it reports itself | against the notebook (whole process) |",
        "|---|---|---|---|",
        row("first, a million varied bios and names", "first_bios", "notebook_bios"),
        row("first, a million varied names", "first_varied"),
        row("first, the generated list (a few hundred names)", "first_plain"),
        row("the next day (about 2% new or changed)", "next_day"),
        f"| baseline: the notebook (every fit the plain way), varied bios and names | {cell('notebook_bios')} | | |",
        f"| baseline: the notebook, varied names (the rows below the first compare with it) | {cell('notebook')} | | |",
        "",
        MARKS[1],
    ]
    return "\n".join(lines) + "\n"


def write_section(out: Path, section: str) -> None:
    sections.write_section(out, *MARKS, section)


def section_of(text: str) -> str | None:
    return sections.section_of(text, *MARKS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analysis", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "analysis")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--notebook", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.notebook:
        os.environ.setdefault("PALIER_DEMO", "0")
        print(json.dumps(notebook(args.notebook)), flush=True)
        return 0
    result = run(args.work, args.rounds)
    command = "python -m benchmarks.analysis " + " ".join(sys.argv[1:] if argv is None else argv)
    section = render(result, command.strip())
    print(section)
    if not args.no_write:
        write_section(args.out, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
