"""Opening the store, running a query, writing in a transaction.

One DuckDB connection per process; every query gets its own cursor (DuckDB cursors are safe
to use from the thread that made them, and Streamlit runs each browser session in its own
thread). Writes take a process-wide lock, so two sessions importing at once queue instead of
failing on a write-write conflict. Extension autoinstall and autoload are off: Palier never
reaches the network at run time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics import settings
from analytics.errors import StoreBusyError, StoreError
from analytics.i18n import _
from analytics.store.migrations import MIGRATIONS

_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    number INTEGER PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS store_meta (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO store_meta VALUES ('data_version', 0) ON CONFLICT DO NOTHING;
"""

# A new store's catalog in one script (analytics.store.schema), its first line naming the
# migrations it holds.
SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_HEADER = "-- migrations: "

BUMP_VERSION_SQL = "UPDATE store_meta SET value = value + 1 WHERE key = 'data_version'"
VERSION_SQL = "SELECT value FROM store_meta WHERE key = 'data_version'"


class Store:
    """An open store. Use `cursor()` for reads and `transaction()` for writes."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self._connection = connection
        self.path = path
        self.read_only = read_only
        self._write_lock = threading.RLock()
        self._beside: list[tuple[threading.Thread, Callable[[], None] | None]] = []
        self._beside_lock = threading.Lock()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self._connection.cursor()

    def run_beside(self, target: Callable[[], None], name: str, stop: Callable[[], None] | None = None) -> threading.Thread:
        """Run `target` in a thread of its own, beside the pages (the audience analysis an import
        starts). `close()` and `compact()` call its `stop` and wait for it to end, rather than pull
        the connection from under its queries (DuckDB refuses to close a connection in use)."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        with self._beside_lock:
            self._beside = [(t, s) for t, s in self._beside if t.is_alive()]
            self._beside.append((thread, stop))
        thread.start()
        return thread

    def _wait_beside(self) -> None:
        with self._beside_lock:
            running = [(t, s) for t, s in self._beside if t.is_alive() and t is not threading.current_thread()]
        for _thread, stop in running:
            if stop is not None:
                stop()
        for thread, _stop in running:
            thread.join()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One serialised write transaction; rolled back whole on any exception."""
        if self.read_only:
            raise StoreError(
                _(
                    "The store {path} is open read-only (another Palier process is writing to it): "
                    "close that process to import or delete."
                ).format(path=self.path)
            )
        with self._write_lock, write_transaction(self._connection) as cursor:
            yield cursor

    def version(self) -> int:
        """Changes with every committed write: the cache key of everything computed from the store."""
        cursor = self.cursor()
        try:
            row = cursor.execute(VERSION_SQL).fetchone()
        finally:
            cursor.close()
        return int(row[0]) if row else 0

    def checkpoint(self) -> None:
        """Write the WAL into the file, so deleted data is gone from the file itself."""
        with self._write_lock:
            cursor = self.cursor()
            try:
                cursor.execute("CHECKPOINT")
            finally:
                cursor.close()

    def compact(self) -> None:
        """Rewrite the store into a fresh file and swap it in.

        DuckDB marks deleted rows' blocks free but leaves their bytes in the file, so a deleted
        account's follower names stay readable in it. Erasure therefore copies what is left into
        a new file (tables, views and sequence positions) and atomically replaces the old one.
        Reads running in other sessions at that instant fail once and succeed on their rerun.
        """
        if self.read_only:
            raise StoreError(_('The store {path} is open read-only: it cannot be compacted.').format(path=self.path))
        fresh = self.path.with_name(self.path.name + ".compact")
        fresh.unlink(missing_ok=True)
        self._wait_beside()  # before the write lock, which the work beside may need to finish
        with self._write_lock:
            cursor = self.cursor()
            try:
                cursor.execute("CHECKPOINT")
                name = cursor.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
                cursor.execute(f"ATTACH '{_sql_string(str(fresh))}' AS palier_compact")
                cursor.execute(f'COPY FROM DATABASE "{_sql_identifier(name)}" TO palier_compact')
                cursor.execute("DETACH palier_compact")
            except duckdb.Error as exc:
                fresh.unlink(missing_ok=True)
                raise StoreError(
                    _("Compacting {path} failed: {splitlines}").format(path=self.path, splitlines=str(exc).splitlines()[0])
                ) from None
            finally:
                cursor.close()
            self._connection.close()
            os.replace(fresh, self.path)
            self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
            self._connection = _connect(self.path, False)

    def close(self) -> None:
        self._wait_beside()
        self._connection.close()


@contextmanager
def write_transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction on a cursor of `connection`, bumping the data version (the cache
    key of everything computed from the store); rolled back whole on any exception. Callers
    serialise writes: `Store.transaction` holds the store's lock around it."""
    cursor = connection.cursor()
    cursor.execute("BEGIN TRANSACTION")
    try:
        yield cursor
        cursor.execute(BUMP_VERSION_SQL)
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    finally:
        cursor.close()


def _cannot_open(path: Path, exc: duckdb.Error) -> StoreError:
    return StoreError(
        _(
            "The store {path} cannot be opened: {splitlines}. If it is damaged, move it aside "
            "(Palier will start a new one) or restore a copy."
        ).format(path=path, splitlines=str(exc).splitlines()[0])
    )


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


def _sql_identifier(text: str) -> str:
    return text.replace('"', '""')


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        # A bounded buffer pool: a list of ten million followers is read into a temp table
        # inside the import's transaction, and spills to `<store>.tmp` rather than taking the
        # machine's memory (DuckDB's default is 80% of it).
        config = dict(_CONFIG) | {"memory_limit": settings.MEMORY_LIMIT.value()}
        return duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        message = str(exc)
        if "lock" in message.lower():
            raise StoreBusyError(
                _(
                    "The store {path} is in use by another program ({splitlines}). "
                    "Close the other Palier window or command, or point PALIER_DB at another file."
                ).format(path=path, splitlines=message.splitlines()[0])
            ) from None
        # A file of random bytes is an IOException ("not a valid DuckDB database file"), and
        # needs the same way forward as a damaged one.
        raise _cannot_open(path, exc) from None
    except duckdb.Error as exc:
        raise _cannot_open(path, exc) from None


# Waiting for a busy store: short first tries, then four a second (a failed try costs a lock
# attempt, nothing more), so a command gets in soon after the dashboard lets go, before a
# page's next click takes the file again.
FIRST_RETRY = 0.05
LONGEST_RETRY = 0.25


def connect_waiting(
    path: Path, read_only: bool, wait: float, sleep: Callable[[float], None] = time.sleep
) -> duckdb.DuckDBPyConnection:
    """`_connect`, tried again with a growing pause while another process holds the file, for
    up to `wait` seconds; then the StoreBusyError of the last try."""
    deadline = time.monotonic() + wait
    pause = FIRST_RETRY
    while True:
        try:
            return _connect(path, read_only)
        except StoreBusyError:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_RETRY)


def open_store(
    path: Path | str, *, read_only: bool = False, allow_read_only_fallback: bool = False, wait: float = 0.0
) -> Store:
    """Open (and create or migrate) the store at `path`.

    With `wait`, a store another process holds is tried again for up to that many seconds
    before giving up (StoreBusyError). With `allow_read_only_fallback`, a store locked by
    another process is opened read-only when DuckDB allows it, so a second dashboard can still
    show charts.
    """
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = connect_waiting(path, read_only, wait)
    except StoreError:
        if read_only or not allow_read_only_fallback or not path.exists():
            raise
        connection = _connect(path, True)
        read_only = True
    store = Store(connection, path, read_only)
    if not read_only:
        migrate_or_close(store)
    return store


def migrate_or_close(store: Store) -> None:
    """Apply the missing migrations; on failure close the connection (else this process keeps
    the file locked) and raise a StoreError."""
    try:
        apply_migrations(store)
    except duckdb.Error as exc:
        # A damaged block is often found only by the first statement, not by connect().
        store._connection.close()
        raise _cannot_open(store.path, exc) from None
    except BaseException:
        store._connection.close()
        raise


# One read: the migrations a store has, and whether its version row is there. When they are all
# of MIGRATIONS, opening writes nothing. The bookkeeping below is a write transaction of three
# statements, and the dashboard opens the file again after every idle spell (a tenth of the open).
_CURRENT_SQL = """
SELECT (SELECT list(number ORDER BY number) FROM schema_migrations),
       (SELECT count(*) FROM store_meta WHERE key = 'data_version')
"""


def _is_current(store: Store) -> bool:
    cursor = store.cursor()
    try:
        row = cursor.execute(_CURRENT_SQL).fetchone()
    except duckdb.CatalogException:
        return False  # a new file, or one from before the bookkeeping tables
    finally:
        cursor.close()
    return row is not None and row[0] == [m.number for m in MIGRATIONS] and row[1] == 1


# Whether the file holds nothing yet: no table, view or sequence of its own.
_EMPTY_SQL = """
SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database())
     + (SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() AND NOT internal)
     + (SELECT count(*) FROM duckdb_sequences() WHERE database_name = current_database()) = 0
"""


def _schema_script() -> str | None:
    """schema.sql when it holds exactly MIGRATIONS, else None."""
    try:
        text = SCHEMA_FILE.read_text(encoding="utf-8")
    except OSError:
        return None
    first = text.split("\n", 1)[0]
    numbers = first.removeprefix(SCHEMA_HEADER).split() if first.startswith(SCHEMA_HEADER) else []
    return text if numbers == [str(m.number) for m in MIGRATIONS] else None


def _create_from_schema(store: Store, cursor: duckdb.DuckDBPyConnection) -> list[int] | None:
    """Make an empty file a store in one transaction from schema.sql; the migrations it holds, or
    None when the file holds anything already or schema.sql is not that of MIGRATIONS."""
    script = _schema_script()
    if script is None or not cursor.execute(_EMPTY_SQL).fetchall()[0][0]:
        return None
    cursor.execute("BEGIN TRANSACTION")
    try:
        cursor.execute(script)
        cursor.executemany(
            "INSERT INTO schema_migrations (number, description) VALUES (?, ?)",
            [[m.number, m.description] for m in MIGRATIONS],
        )
        cursor.execute("INSERT INTO store_meta VALUES ('data_version', 0)")
        cursor.execute("COMMIT")
    except duckdb.Error as exc:
        cursor.execute("ROLLBACK")
        raise StoreError(
            _("Migration {number} failed on {path}: {exc}").format(number=MIGRATIONS[-1].number, path=store.path, exc=exc)
        ) from None
    return [m.number for m in MIGRATIONS]


def apply_migrations(store: Store) -> list[int]:
    """Run the migrations the store lacks; return their numbers. An empty file is made a store
    from schema.sql, the migrations' result in one script."""
    if _is_current(store):
        return []
    applied: list[int] = []
    with store._write_lock:
        cursor = store.cursor()
        try:
            created = _create_from_schema(store, cursor)
            if created is not None:
                return created
            cursor.execute(_BOOKKEEPING)
            done = {row[0] for row in cursor.execute("SELECT number FROM schema_migrations").fetchall()}
            for migration in MIGRATIONS:
                if migration.number in done:
                    continue
                cursor.execute("BEGIN TRANSACTION")
                try:
                    cursor.execute(migration.sql)
                    cursor.execute(
                        "INSERT INTO schema_migrations (number, description) VALUES (?, ?)",
                        [migration.number, migration.description],
                    )
                    cursor.execute("COMMIT")
                except duckdb.Error as exc:
                    cursor.execute("ROLLBACK")
                    raise StoreError(
                        _("Migration {number} failed on {path}: {exc}").format(number=migration.number, path=store.path, exc=exc)
                    ) from None
                applied.append(migration.number)
        finally:
            cursor.close()
    return applied
