"""The store: migrations, connection settings, the data version, locks and damaged files."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from analytics.errors import StoreError
from analytics.store import Store, connection, open_store
from analytics.store.connection import apply_migrations
from analytics.store.migrations import MIGRATIONS, Migration, latest_version
from tests.conftest import import_bytes
from tests.storedump import dump

ROOT = Path(__file__).resolve().parent.parent
COUNTS = b"date,followers\n2026-03-01,100\n2026-03-02,104\n"


# --- migrations -------------------------------------------------------------------------------


def test_migrations_are_recorded(store: Store) -> None:
    cursor = store.cursor()
    rows = cursor.execute("SELECT number, description FROM schema_migrations ORDER BY number").fetchall()
    assert rows == [(m.number, m.description) for m in MIGRATIONS]
    assert rows[-1][0] == latest_version()
    assert [m.number for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


# What a store's catalog is made of, to compare a store made from schema.sql with one migrated.
_CATALOG = {
    "tables": "SELECT table_name, sql FROM duckdb_tables() WHERE database_name = current_database()",
    "views": "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal",
    "columns": "SELECT table_name, column_index, column_name, data_type, column_default, is_nullable"
               " FROM duckdb_columns() WHERE database_name = current_database()",
    "constraints": "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints()"
                   " WHERE database_name = current_database()",
    "indexes": "SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE database_name = current_database()",
    "sequences": "SELECT sequence_name, start_value, min_value, max_value, increment_by, cycle, last_value, sql"
                 " FROM duckdb_sequences() WHERE database_name = current_database()",
    "migrations": "SELECT number, description FROM schema_migrations",
    "meta": "SELECT * FROM store_meta",
}


def _catalog(store: Store) -> dict[str, list[tuple[object, ...]]]:
    cursor = store.cursor()
    try:
        return {name: sorted(cursor.execute(sql).fetchall(), key=repr) for name, sql in _CATALOG.items()}
    finally:
        cursor.close()


def test_a_new_store_is_made_from_the_schema_the_migrations_give(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new file is made a store from schema.sql in one script; its catalog is the one the
    migrations give, run one by one (as an existing store takes them)."""
    made: list[list[int] | None] = []
    real = connection._create_from_schema

    def spy(*args: Any) -> list[int] | None:
        made.append(real(*args))
        return made[-1]

    monkeypatch.setattr(connection, "_create_from_schema", spy)
    from_schema = open_store(tmp_path / "new.duckdb")
    monkeypatch.setattr(connection, "SCHEMA_FILE", tmp_path / "no-schema.sql")
    migrated = open_store(tmp_path / "migrated.duckdb")
    try:
        assert made == [[m.number for m in MIGRATIONS], None]
        assert _catalog(from_schema) == _catalog(migrated)
        assert apply_migrations(from_schema) == []
    finally:
        from_schema.close()
        migrated.close()


def test_the_schema_file_is_the_one_the_migrations_give() -> None:
    from analytics.store import schema

    assert connection.SCHEMA_FILE.read_text(encoding="utf-8") == schema.render(), (
        "run `python -m analytics.store.schema` after adding a migration"
    )


def test_a_schema_file_of_other_migrations_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the migrations are not the ones schema.sql was written from (one added since), a new
    store takes the migrations."""
    extra = Migration(latest_version() + 1, "a test table", "CREATE TABLE test_extra (a INTEGER);")
    monkeypatch.setattr(connection, "MIGRATIONS", (*MIGRATIONS, extra))
    store = open_store(tmp_path / "new.duckdb")
    try:
        cursor = store.cursor()
        assert cursor.execute("SELECT max(number) FROM schema_migrations").fetchone() == (extra.number,)
        assert cursor.execute("SELECT count(*) FROM test_extra").fetchone() == (0,)
    finally:
        store.close()


def test_rerunning_migrations_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    import_bytes(store, {"counts.csv": COUNTS})
    before = dump(store)
    assert apply_migrations(store) == []
    assert dump(store) == before
    store.close()
    # Reopening runs them again: still nothing to do, nothing changed.
    store = open_store(path)
    try:
        assert dump(store) == before
        assert apply_migrations(store) == []
    finally:
        store.close()


def test_a_new_migration_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "palier.duckdb"
    open_store(path).close()
    extra = Migration(latest_version() + 1, "a test table", "CREATE TABLE test_extra (a INTEGER);")
    monkeypatch.setattr(connection, "MIGRATIONS", (*MIGRATIONS, extra))
    store = open_store(path)
    try:
        cursor = store.cursor()
        assert cursor.execute("SELECT max(number) FROM schema_migrations").fetchone() == (extra.number,)
        assert apply_migrations(store) == []
    finally:
        store.close()


def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "palier.duckdb"
    open_store(path).close()
    broken = Migration(latest_version() + 1, "broken", "CREATE TABLE half_done (a INTEGER); SELECT * FROM no_such_table;")
    monkeypatch.setattr(connection, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(StoreError, match=f"Migration {broken.number} failed"):
        open_store(path)
    # The failed open released the file, and the half-done migration left nothing behind.
    monkeypatch.undo()
    store = open_store(path)
    try:
        cursor = store.cursor()
        assert cursor.execute("SELECT max(number) FROM schema_migrations").fetchone() == (latest_version(),)
        names = {r[0] for r in cursor.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "half_done" not in names
    finally:
        store.close()


def test_migration_6_numbers_members_once_and_keeps_every_spell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store written before migration 6 (members by text key in spells and features) comes out
    with the same spells by key, one id per member in order of first appearance, features kept
    only where they were current, and new members numbered after the old ones."""
    import datetime as dt

    path = tmp_path / "palier.duckdb"
    monkeypatch.setattr(connection, "MIGRATIONS", MIGRATIONS[:5])
    old = open_store(path)
    cursor = old.cursor()
    cursor.execute("INSERT INTO accounts (account_id, name) VALUES (1, 'me')")
    spells = [  # (kind, key, first_seen, last_seen)
        ("follower", "b", dt.date(2026, 3, 2), None),
        ("follower", "a", dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
        ("follower", "a", dt.date(2026, 3, 3), None),
        ("following", "a", dt.date(2026, 3, 1), None),
        ("follower", "orphan", dt.date(2026, 3, 2), None),  # a spell whose profile went missing
    ]
    for kind, key, first, last in spells:
        cursor.execute("INSERT INTO spells VALUES (1, ?, ?, ?, ?)", [kind, key, first, last])
    for key, bio, created in (("a", "Data journalist", "2019-05-01 10:00:00"), ("b", "Runner", "2020-01-02 23:59:59")):
        cursor.execute(
            "INSERT INTO profiles (account_id, member_key, keyed_by_id, bio, created_at, as_of) VALUES (1, ?, true, ?, ?, ?)",
            [key, bio, created, dt.date(2026, 3, 3)],
        )
    # Features of a were computed from its current text; b's from a text it no longer has.
    cursor.execute("""INSERT INTO profile_features
        SELECT 1, member_key, hash(coalesce(name, ''), coalesce(bio, ''), coalesce(location, '')), 'en', NULL, true, 0.5, 2
        FROM profiles WHERE member_key = 'a'""")
    cursor.execute("INSERT INTO profile_features VALUES (1, 'b', 42, 'en', NULL, true, 0.1, 1)")
    cursor.close()
    old.close()

    monkeypatch.undo()
    store = open_store(path)
    try:
        cursor = store.cursor()
        assert sorted(cursor.execute("SELECT kind, member_key, first_seen, last_seen FROM member_spells").fetchall(),
                      key=repr) == sorted(spells, key=repr)
        ids = dict(cursor.execute("SELECT member_key, member_id FROM profiles").fetchall())
        assert ids == {"a": 1, "b": 2, "orphan": 3}  # a first seen on 1 March, b and orphan on the 2nd
        assert "as_of" not in {r[0] for r in cursor.execute("DESCRIBE profiles").fetchall()}
        # Creation dates become days, truncated (23:59:59 stays on its day).
        assert cursor.execute("SELECT created_at FROM profiles WHERE member_key = 'b'").fetchone() == (dt.date(2020, 1, 2),)
        assert cursor.execute("SELECT member_id, fit FROM profile_features").fetchall() == [(1, 0.5)]
    finally:
        cursor.close()
    # Members met later are numbered after the old ones.
    import_bytes(store, {"followers.csv": b"id,handle\nc,carol\nb,bob\n"}, snapshot_date=dt.date(2026, 3, 4))
    cursor = store.cursor()
    try:
        assert cursor.execute("SELECT member_id FROM profiles WHERE member_key = 'c'").fetchone() == (4,)
    finally:
        cursor.close()
        store.close()


# --- connection settings ----------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["autoinstall_known_extensions", "autoload_known_extensions"])
def test_extension_autoinstall_and_autoload_are_off(store: Store, setting: str) -> None:
    # Every cursor is its own DuckDB connection: check one, as every query uses one.
    cursor = store.cursor()
    try:
        assert cursor.execute(f"SELECT current_setting('{setting}')").fetchone() == (False,)
    finally:
        cursor.close()


# --- version ----------------------------------------------------------------------------------


def test_version_moves_on_commit_only(store: Store) -> None:
    start = store.version()
    with store.transaction() as cursor:
        cursor.execute("INSERT INTO accounts (name) VALUES ('a')")
    assert store.version() == start + 1

    with pytest.raises(RuntimeError), store.transaction() as cursor:
        cursor.execute("INSERT INTO accounts (name) VALUES ('b')")
        raise RuntimeError("changed my mind")
    assert store.version() == start + 1
    assert store.cursor().execute("SELECT name FROM accounts").fetchall() == [("a",)]

    # A statement failing inside the transaction rolls it back too.
    with pytest.raises(duckdb.Error), store.transaction() as cursor:
        cursor.execute("INSERT INTO accounts (name) VALUES ('c')")
        cursor.execute("INSERT INTO accounts (name) VALUES ('a')")  # UNIQUE
    assert store.version() == start + 1

    import_bytes(store, {"counts.csv": COUNTS})
    assert store.version() == start + 2
    import_bytes(store, {"counts.csv": COUNTS})  # unchanged: no write, no new version
    assert store.version() == start + 2
    failed = import_bytes(store, {"counts.csv": b"date,followers\n2026-03-01,x\n"})
    assert failed[0].status == "failed"
    assert store.version() == start + 2


def test_version_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    import_bytes(store, {"counts.csv": COUNTS})
    version = store.version()
    store.close()
    store = open_store(path)
    try:
        assert store.version() == version >= 1
    finally:
        store.close()


# --- a store held by another process ----------------------------------------------------------

HOLDER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from analytics.store import open_store
store = open_store(sys.argv[2], read_only=sys.argv[3] == "ro")
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


@contextmanager
def held(path: Path, mode: str, tmp_path: Path) -> Iterator[None]:
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    process = subprocess.Popen(
        [sys.executable, str(script), str(ROOT), str(path), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("holding"), process.stderr.read() if process.stderr else line
        yield
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_second_process_read_write_gets_a_clear_store_error(tmp_path: Path) -> None:
    path = tmp_path / "palier.duckdb"
    open_store(path).close()
    with held(path, "rw", tmp_path):
        with pytest.raises(StoreError) as caught:
            open_store(path)
        message = str(caught.value)
        assert str(path) in message and "in use by another program" in message
        assert "Close the other Palier window" in message
        # A sentence, not a chained driver traceback.
        assert caught.value.__cause__ is None and caught.value.__suppress_context__

        # DuckDB 2.0 refuses read-only opens too while another process holds the file
        # read-write, so the fallback cannot help and says the same thing.
        with pytest.raises(StoreError, match="in use by another program"):
            open_store(path, allow_read_only_fallback=True)
        with pytest.raises(StoreError, match="in use by another program"):
            open_store(path, read_only=True)
    # Once the other process is gone, the store opens normally.
    open_store(path).close()


def test_read_only_fallback_when_the_other_process_only_reads(tmp_path: Path) -> None:
    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    import_bytes(store, {"counts.csv": COUNTS})
    store.close()
    with held(path, "ro", tmp_path):
        with pytest.raises(StoreError, match="in use by another program"):
            open_store(path)
        fallback = open_store(path, allow_read_only_fallback=True)
        try:
            assert fallback.read_only
            assert fallback.cursor().execute("SELECT count(*) FROM daily_values").fetchone() == (2,)
            with pytest.raises(StoreError, match="read-only"):
                with fallback.transaction():
                    pass
            failed = import_bytes(fallback, {"more.csv": b"date,followers\n2026-03-03,110\n"})
            assert failed[0].status == "failed" and "read-only" in (failed[0].error or "")
        finally:
            fallback.close()


# --- damaged files ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [5, 4096, 300_000])
def test_random_bytes_give_a_store_error_saying_what_to_do(tmp_path: Path, size: int) -> None:
    path = tmp_path / "palier.duckdb"
    path.write_bytes(random.Random(size).randbytes(size))
    with pytest.raises(StoreError) as caught:
        open_store(path)
    message = str(caught.value)
    assert str(path) in message
    assert "move it aside" in message and "restore a copy" in message
    assert caught.value.__cause__ is None
    # The failed open let go of the file: moving it aside and starting again works.
    path.rename(tmp_path / "damaged.duckdb")
    open_store(path).close()


def test_every_damaged_block_gives_a_store_error_or_opens(tmp_path: Path) -> None:
    """Damage each block of a real store in turn: opening it either works (the block is not read
    at start) or says what to do; never a raw driver error."""
    good = tmp_path / "good.duckdb"
    store = open_store(good)
    import_bytes(store, {"counts.csv": COUNTS})
    store.checkpoint()
    store.close()
    header = 3 * 4096  # the file header and the two database headers
    block = 256 * 1024
    refused = 0
    for number in range((good.stat().st_size - header) // block + 1):
        damaged = tmp_path / f"damaged-{number}.duckdb"
        shutil.copy(good, damaged)
        with damaged.open("r+b") as handle:
            handle.seek(header + number * block)
            handle.write(b"\xa5" * 64)
        try:
            open_store(damaged).close()
        except StoreError as exc:
            assert "move it aside" in str(exc), exc
            refused += 1
    assert refused >= 1  # the first block holds the catalog


def test_opening_a_directory_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "a-folder"
    os.mkdir(path)
    with pytest.raises(StoreError, match="cannot be opened"):
        open_store(path)


def test_compact_keeps_data_views_and_sequence_positions(tmp_path: Path) -> None:
    store = open_store(tmp_path / "palier.duckdb")
    try:
        with store.transaction() as cursor:
            cursor.execute("INSERT INTO accounts (name) VALUES ('a'), ('b'), ('c')")
            cursor.execute("DELETE FROM accounts WHERE name = 'c'")
        version = store.version()
        store.compact()
        cursor = store.cursor()
        assert cursor.execute("SELECT account_id, name FROM accounts ORDER BY 1").fetchall() == [(1, "a"), (2, "b")]
        with store.transaction() as write:
            write.execute("INSERT INTO accounts (name) VALUES ('d')")
        # A new id never reuses the deleted one's: imports and caches key on ids.
        assert cursor.execute("SELECT account_id FROM accounts WHERE name = 'd'").fetchone() == (4,)
        assert cursor.execute("SELECT count(*) FROM daily_latest").fetchone() == (0,)
        assert store.version() == version + 1
        assert not (tmp_path / "palier.duckdb.compact").exists()
    finally:
        store.close()


def test_opening_a_current_store_writes_nothing(tmp_path: Path) -> None:
    """Every migration there and the version row too: apply_migrations returns without the write
    lock (it would wait here, where another thread holds it), so opening the file is a read."""
    import threading

    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    try:
        finished = threading.Event()

        def migrate() -> None:
            apply_migrations(store)
            finished.set()

        with store._write_lock:
            worker = threading.Thread(target=migrate)
            worker.start()
            assert finished.wait(5), "apply_migrations waited for the write lock on a current store"
        worker.join()
    finally:
        store.close()


def test_a_store_missing_its_version_row_gets_it_back(tmp_path: Path) -> None:
    path = tmp_path / "palier.duckdb"
    store = open_store(path)
    try:
        with store.transaction() as cursor:
            cursor.execute("DELETE FROM store_meta WHERE key = 'data_version'")
    finally:
        store.close()
    store = open_store(path)
    try:
        cursor = store.cursor()
        assert cursor.execute("SELECT count(*) FROM store_meta WHERE key = 'data_version'").fetchone() == (1,)
    finally:
        store.close()
