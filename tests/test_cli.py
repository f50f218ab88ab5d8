"""The command line, run as a user runs it: a subprocess, a real store file, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

STATS_SHAPE = {
    "account": None,
    "daily": {"days", "date_min", "date_max", "new_follows", "unfollows", "impressions"},
    "posts": {"count", "date_min", "date_max", "impressions"},
    "followers": {"latest_count", "latest_count_date", "listed", "following_listed", "mutuals", "snapshots"},
}


def run(*args: str | Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PALIER_DEMO": "0"}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_stats_has_the_documented_shape_and_values(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    counts = write(tmp_path / "counts.csv", "date,followers\n2026-01-01,100\n2026-01-03,130\n")
    first = write(tmp_path / "followers_2026-01-02.csv", "handle,name\nalice,Alice\nbob,Bob\n")
    second = write(tmp_path / "followers_2026-01-03.csv", "handle,name\nalice,Alice\ncarol,Carol\ndave,Dave\n")
    following = write(tmp_path / "following_2026-01-03.csv", "handle\ncarol\nzed\n")

    done = run("import", counts, first, second, "--account", "me", db=db)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) == 3
    assert run("import", following, "--account", "me", db=db).returncode == 0

    stats = run("stats", "--account", "me", "--json", db=db)
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert set(figures) == set(STATS_SHAPE)
    for section, keys in STATS_SHAPE.items():
        if keys is not None:
            assert set(figures[section]) == keys
    assert figures["account"] == "me"
    assert figures["daily"] == {
        "days": 2, "date_min": "2026-01-01", "date_max": "2026-01-03",
        "new_follows": None, "unfollows": None, "impressions": None,
    }
    assert figures["posts"] == {"count": 0, "date_min": None, "date_max": None, "impressions": None}
    assert figures["followers"] == {
        "latest_count": 130,  # the stated total beats the list's size on the same day
        "latest_count_date": "2026-01-03",
        "listed": 3,
        "following_listed": 2,  # a generic list whose file name says "following"
        "mutuals": 1,  # carol
        "snapshots": 2,
    }


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    counts = write(tmp_path / "counts.csv", "date,followers\n2026-01-01,100\n")
    assert run("import", counts, "--account", "me", db=db).returncode == 0
    again = run("import", counts, "--account", "me", db=db)
    assert again.returncode == 0
    assert "nothing changed" in again.stdout
    accounts = json.loads(run("accounts", "--json", db=db).stdout)
    assert accounts == [{"name": "me", "platform": None, "handle": None, "imports": 1}]


def test_bad_input_exits_2_with_the_message_on_stderr(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    bad = write(tmp_path / "counts.csv", "date,followers\n2026-01-01,lots\n")
    done = run("import", bad, "--account", "me", db=db)
    assert done.returncode == 2
    assert "counts.csv" in done.stderr and "line 2" in done.stderr and "'lots'" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_followers_on_anchors_and_delete_removes_the_account(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    counts = write(tmp_path / "counts.csv", "date,followers\n2026-01-01,100\n")
    done = run("import", counts, "--account", "me", "--followers-on", "2026-02-01=150", db=db)
    assert done.returncode == 0, done.stderr
    stats = json.loads(run("stats", "--account", "me", "--json", db=db).stdout)
    assert stats["followers"]["latest_count"] == 150
    assert stats["followers"]["latest_count_date"] == "2026-02-01"
    assert run("delete", "--account", "me", db=db).returncode == 0
    assert json.loads(run("accounts", "--json", db=db).stdout) == []
    missing = run("stats", "--account", "me", "--json", db=db)
    assert missing.returncode == 2 and "No account named 'me'" in missing.stderr


def test_a_bad_option_value_is_explained(tmp_path: Path) -> None:
    done = run("import", tmp_path, "--account", "me", "--followers-on", "yesterday", db=tmp_path / "s.duckdb")
    assert done.returncode == 2
    assert "YYYY-MM-DD=N" in done.stderr


def test_compact_gives_back_free_blocks_and_keeps_the_data(tmp_path: Path) -> None:
    """A day that changes every follower's counts rewrites those columns at the checkpoint and
    leaves the old blocks free inside the file; `compact` rewrites the file without them."""
    db = tmp_path / "s.duckdb"
    header = "id,handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar,verified\n"
    days = []
    for day in (2, 3):
        rows = "".join(f"{1000 + i},user{i},User {i},bio {i},,{i * day},{i + day},1,,,,\n" for i in range(20000))
        days.append(write(tmp_path / f"followers_2026-01-0{day}.csv", header + rows))
    for path in days:
        assert run("import", path, "--account", "me", db=db).returncode == 0
    before = db.stat().st_size
    done = run("compact", db=db)
    assert done.returncode == 0, done.stderr
    assert "Compacted" in done.stdout and db.stat().st_size < before
    stats = json.loads(run("stats", "--account", "me", "--json", db=db).stdout)
    assert stats["followers"]["listed"] == 20000 and stats["followers"]["snapshots"] == 2
    # The member id sequence moved with the data: a member met after compacting gets a new id.
    newcomer = write(tmp_path / "followers_2026-01-04.csv", header + "999999,newcomer,,,,,,,,,,\n1000,user0,,,,,,,,,,\n")
    assert run("import", newcomer, "--account", "me", db=db).returncode == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = con.execute("SELECT count(*), count(DISTINCT member_id) FROM profiles").fetchone()
        assert ids == (20001, 20001)
    finally:
        con.close()
