"""Writers wait their turn: the dashboard's store layer and the command line in two real processes.

A child process runs the dashboard's own store module (analytics.ui.store, the SharedStore the
pages read through) and keeps it open as a running server does; the command line and the
collector run as subprocesses beside it, as cron runs them. Waits are bounded; nothing asserts
on how long anything took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analytics.ingest.service import ImportOptions
from analytics.pending import APPLIED_LOG, Queue, apply_queued, queue_folder, queue_import
from analytics.store import open_store
from analytics.store.shared import SharedStore
from tests.collect_server import running
from tests.test_collect import HANDLE, bluesky_three_pages

ROOT = Path(__file__).resolve().parent.parent

DASHBOARD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from analytics.ui import store as ui_store

store = ui_store.get_store()
held = None

def imports():
    cursor = store.cursor()
    try:
        return cursor.execute("SELECT count(*) FROM imports").fetchone()[0]
    finally:
        cursor.close()

print("ready", imports(), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "read":
        print("imports", imports(), flush=True)
    elif command == "hold":  # a page in the middle of a long read: the file stays held
        held = store.cursor()
        held.execute("SELECT 1").fetchone()
        print("holding", flush=True)
    elif command == "release":
        held.close()
        held = None
        print("released", flush=True)
"""

COUNTS = "date,followers\n2026-01-01,100\n2026-01-03,130\n"
LIST = "handle,name\nalice,Alice\nbob,Bob\n"


class Dashboard:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()


def env(db: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PALIER_DB": str(db), "PALIER_DEMO": "0", **extra}


@contextmanager
def dashboard(db: Path, tmp_path: Path, idle: str = "0.5") -> Iterator[Dashboard]:
    script = tmp_path / "dashboard.py"
    script.write_text(DASHBOARD)
    process = subprocess.Popen(
        [sys.executable, str(script), str(ROOT)], cwd=tmp_path, env=env(db, PALIER_STORE_IDLE=idle),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("ready"), process.stderr.read() if process.stderr else first
        yield Dashboard(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cli(db: Path, *args: str | Path, wait: str = "60") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        cwd=ROOT, env=env(db, PALIER_STORE_WAIT=wait), capture_output=True, text=True, timeout=180,
    )


def queued_jobs(db: Path) -> list[str]:
    folder = queue_folder(db)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name != "failed") if folder.exists() else []


def test_command_line_import_and_stats_run_while_the_dashboard_runs(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    counts = tmp_path / "counts.csv"
    counts.write_text(COUNTS)
    followers = tmp_path / "followers_2026-01-02.csv"
    followers.write_text(LIST)
    # Idle for ten minutes before letting go on its own: the commands get in because they knock.
    with dashboard(db, tmp_path, idle="600") as app:
        assert app.ask("read") == "imports 0"  # the dashboard has the store open and has read it
        imported = cli(db, "import", counts, followers, "--account", "me")
        assert imported.returncode == 0, imported.stderr
        assert "queued" not in imported.stdout and imported.stdout.count("followers") >= 2
        stats = cli(db, "stats", "--account", "me", "--json")
        assert stats.returncode == 0, stats.stderr
        figures = json.loads(stats.stdout)
        assert figures["followers"]["listed"] == 2 and figures["daily"]["days"] == 2
        # The dashboard sees the command's import on its next read.
        assert app.ask("read") == "imports 2"
        report = cli(db, "report", "--account", "me", "--json")
        assert report.returncode == 0, report.stderr
    assert queued_jobs(db) == []


def test_writes_queued_while_the_dashboard_is_busy_are_stored_without_anyone(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    counts = tmp_path / "counts.csv"
    counts.write_text(COUNTS)
    with running() as server, dashboard(db, tmp_path) as app:
        bluesky_three_pages(server)
        assert app.ask("hold") == "holding"
        # The dashboard is busy for longer than the commands wait (1 s here): they queue.
        imported = cli(db, "import", counts, "--account", "me", wait="1")
        assert imported.returncode == 0, imported.stderr
        assert "the import is queued in" in imported.stdout and str(queue_folder(db)) in imported.stdout
        collected = cli(db, "collect", "--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--quiet", wait="1")
        assert collected.returncode == 0, collected.stderr
        assert "so they are queued in" in collected.stdout and APPLIED_LOG in collected.stdout
        assert len(queued_jobs(db)) == 2
        counts.unlink()  # a queued import keeps its own copy of the files
        # A read cannot be queued: it says the store is busy, in a sentence.
        busy = cli(db, "stats", "--account", "me", wait="0.5")
        assert busy.returncode == 2 and "in use by another program" in busy.stderr and "Traceback" not in busy.stderr

        # The page's long read ends; the dashboard applies the queue, then lets go of the file.
        assert app.ask("release") == "released"
        deadline = time.monotonic() + 60
        while queued_jobs(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queued_jobs(db) == []
        assert app.ask("read") == "imports 2"
        stats = cli(db, "stats", "--account", "me", "--json")
        assert stats.returncode == 0, stats.stderr
        figures = json.loads(stats.stdout)
        assert figures["followers"]["listed"] == 250 and figures["daily"]["days"] >= 2
    log = (queue_folder(db) / APPLIED_LOG).read_text("utf-8")
    assert "collection of me.bsky.social" in log and "counts.csv" in log
    assert not (queue_folder(db) / "failed").exists()


def test_a_queued_import_is_applied_once_and_again_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    open_store(db).close()
    counts = tmp_path / "counts.csv"
    counts.write_text(COUNTS)
    queue_import(db, [counts], ImportOptions("me"))
    second = queue_import(db, [counts], ImportOptions("me"))  # the same file queued twice
    store = open_store(db)
    try:
        lines = apply_queued(store)
        assert len(lines) == 2 and "already imported" in lines[1]
        assert apply_queued(store) == []  # nothing left
        assert store.cursor().execute("SELECT count(*) FROM imports").fetchone() == (1,)
    finally:
        store.close()
    assert not second.exists() and queued_jobs(db) == []


def test_a_queued_job_that_fails_is_set_aside_with_its_reason(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    bad = tmp_path / "counts.csv"
    bad.write_text("date,followers\n2026-01-01,many\n")
    job = queue_import(db, [bad], ImportOptions("me"))
    store = open_store(db)
    try:
        lines = apply_queued(store)
    finally:
        store.close()
    assert len(lines) == 1 and "FAILED" in lines[0]
    kept = queue_folder(db) / "failed" / job.name
    assert "counts.csv" in (kept / "error.txt").read_text("utf-8")
    assert queued_jobs(db) == []


def test_the_shared_store_lets_go_when_idle_and_applies_the_queue_first(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    store = SharedStore(db, wait=5, idle=0.1, backlog=Queue(db), tick=0.05)
    try:
        cursor = store.cursor()
        counts = tmp_path / "counts.csv"
        counts.write_text(COUNTS)
        queue_import(db, [counts], ImportOptions("me"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and store.held is False:
            time.sleep(0.05)
        assert store.held  # an open cursor keeps the file
        assert queued_jobs(db)  # and nothing is applied under a running read
        cursor.close()
        while (queued_jobs(db) or store.held) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert queued_jobs(db) == [] and not store.held
        # Used again, it opens the file again and sees what was applied.
        assert store.cursor().execute("SELECT count(*) FROM imports").fetchone() == (1,)
    finally:
        store.close()


@pytest.mark.parametrize("wait", ["x", "-3"])
def test_a_bad_wait_setting_reads_as_the_default(wait: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics import settings

    monkeypatch.setenv(settings.STORE_WAIT.env, wait)
    assert settings.seconds(settings.STORE_WAIT) == float(settings.STORE_WAIT.default)
