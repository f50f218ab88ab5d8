"""The daily import on the command line loads no more than it uses (#16).

`python -m analytics import` of the next day's follower list is measured as a whole process
against DuckDB's own read of the file; pandas, NumPy and Arrow take about half a second to load,
a quarter of that floor. The next day's list is read by DuckDB against the stored profiles and
never becomes a frame, so none of them may be loaded, by the command line, the importers'
modules or the formats the registry lists. Each run is a real process on a real store file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
HEADER = "id,handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar,verified\n"
HEAVY = ("pandas", "numpy", "pyarrow")
# Run the command line in this process and report which of HEAVY it loaded, and its exit code.
PROBE = """
import json, sys
from analytics.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def _follower_list(path: Path, ids: range, renamed: set[int] = frozenset()) -> Path:  # type: ignore[assignment]
    """A generic follower list (FORMATS.md's Palier generic CSV) big enough for the fast path."""
    rows = []
    for i in ids:
        name = f"Renamed {i}" if i in renamed else f"Member {i}"
        rows.append(f'{i},member{i},{name},"Bio of member {i}, with a comma",Lyon,{i % 500},{i % 300},{i % 70},2019-05-01,2026-03-01,false,false\n')
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _cli(db: Path, csv: Path) -> dict[str, object]:
    argv = ["import", "--db", str(db), "--account", "me", str(csv)]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    *printed, last = done.stdout.strip().splitlines()
    result: dict[str, object] = json.loads(last)
    result["printed"] = printed
    return result


def test_the_next_days_import_loads_neither_pandas_nor_arrow(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    first = _follower_list(tmp_path / "followers_2026-03-01.csv", range(1, 6001))
    # The next day: 100 left, 50 joined, 30 renamed; the rest unchanged.
    second = _follower_list(tmp_path / "followers_2026-03-02.csv", range(101, 6051), renamed=set(range(200, 230)))
    assert second.stat().st_size > 256 * 1024  # the fast path's threshold (fastlist.FAST_MIN_BYTES)

    assert _cli(db, first)["code"] == 0
    next_day = _cli(db, second)

    assert next_day["code"] == 0
    assert next_day["printed"] == ["followers_2026-03-02.csv: Follower list snapshot CSV (Palier generic), 5,950 followers on 2026-03-02"]
    assert next_day["loaded"] == []
    # ...and the store says what the list says: 5,950 current followers, the renamed ones renamed.
    with duckdb.connect(str(db), read_only=True) as con:
        current = con.execute(
            "SELECT count(*) FROM spells WHERE kind = 'follower' AND last_seen IS NULL"
        ).fetchall()[0][0]
        names = dict(con.execute("SELECT member_key, name FROM profiles WHERE member_key IN ('200', '229', '230')").fetchall())
    assert current == 5950
    assert names == {"200": "Renamed 200", "229": "Renamed 229", "230": "Member 230"}


def test_the_command_lines_start_loads_no_command(tmp_path: Path) -> None:
    """Building the parser (every command's start) imports no command's modules."""
    probe = "import json, sys; import analytics.cli; print(json.dumps([m for m in sys.modules if m.startswith(('pandas', 'pyarrow', 'analytics.ingest', 'analytics.analysis', 'analytics.metrics', 'analytics.collect.command'))]))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == []
