"""A store shared with other processes: opened for each use, let go of when idle.

DuckDB lets one process hold a store file for writing, and no other process may then open it,
not even to read. A dashboard that kept its connection for as long as it runs would lock every
command out, cron jobs included. `SharedStore` is the dashboard's store: every cursor and write
takes a lease on the connection (opening the file if needed, waiting for another process to let
go of it); a background thread closes the file once no lease is out and nothing was read or
written for `idle` seconds. Before closing, it applies the writes other processes queued beside
the store while they could not get in (`Backlog`, see analytics.pending), and while the file is
closed it keeps watching for queued work, opening the file again to apply it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, Self, cast

import duckdb

from analytics.errors import StoreBusyError, StoreError
from analytics.i18n import N_, _
from analytics.store.connection import (
    FIRST_RETRY,
    LONGEST_RETRY,
    Store,
    _connect,
    migrate_or_close,
)

log = logging.getLogger("palier.store")

# How often the idle check runs: a command waiting for the store gets it within about TICK of
# the last read ending (it knocks), a queued write within about idle + TICK.
TICK = 0.2
CLOSED = N_("The store {path} was closed.")


class Backlog(Protocol):
    """Writes queued by processes that could not open the store."""

    def waiting(self) -> bool:
        """Whether anything is queued (cheap: called every TICK while the store is open or queued work waits)."""
        ...

    def apply(self, store: Store) -> None:
        """Apply everything queued, each write once; never raises for one bad entry."""
        ...

    def knocked(self) -> bool:
        """Whether another process is waiting for the store right now."""
        ...


class _LeasedCursor:
    """A DuckDB cursor that gives its lease back when closed (or collected unclosed)."""

    def __init__(self, raw: duckdb.DuckDBPyConnection, release: Callable[[], None]) -> None:
        self._raw = raw
        self._release = release
        self._done = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._raw.close()
        finally:
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        # A cursor dropped without close() must not keep the file held for ever.
        if not self._done:
            self._done = True
            try:
                self._release()
            except Exception:  # noqa: BLE001, S110 - at interpreter exit the lock may be gone; nothing to give back then
                pass


class SharedStore(Store):
    """The store for a long-running process (the dashboard): held only while in use."""

    def __init__(
        self, path: Path | str, *, wait: float, idle: float, backlog: Backlog | None = None, tick: float = TICK
    ) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._wait = wait
        self._idle = idle
        self._backlog = backlog
        self._tick = tick
        # Reentrant: a cursor collected unclosed gives its lease back from __del__, which may run
        # in a thread that already holds the lock.
        self._state = threading.RLock()
        self._users = 0
        self._last_used = time.monotonic()
        self._closed = False
        self._reaper: threading.Thread | None = None
        connection, read_only = self._open_file()
        super().__init__(connection, path, read_only)
        self._held = True
        if not read_only:
            try:
                migrate_or_close(self)
            except BaseException:
                self._held = False
                self._closed = True
                raise
        with self._state:
            self._start_reaper()

    def _open_file(self) -> tuple[duckdb.DuckDBPyConnection, bool]:
        """The file opened for writing, waiting up to `wait` seconds for another process to let
        go of it; read-only at once when the other process only reads (DuckDB allows several
        readers, and a second dashboard still shows charts). Raises StoreBusyError after the wait."""
        deadline = time.monotonic() + self._wait
        pause = FIRST_RETRY
        while True:
            try:
                return _connect(self.path, False), False
            except StoreBusyError as busy:
                try:
                    return _connect(self.path, True), True
                except StoreError:
                    pass
                left = deadline - time.monotonic()
                if left <= 0:
                    raise busy from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, LONGEST_RETRY)

    @property
    def held(self) -> bool:
        """Whether this process has the store file open right now."""
        return self._held

    # --- leases ---------------------------------------------------------------------------------

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        with self._state:
            if self._closed:
                raise StoreError(_(CLOSED).format(path=self.path))
            if not self._held:
                # Waits (bounded) for a command that holds the file to finish.
                self._connection, self.read_only = self._open_file()
                self._held = True
            self._users += 1
            self._last_used = time.monotonic()
            self._start_reaper()
            return self._connection

    def _give_back(self) -> None:
        with self._state:
            self._users -= 1
            self._last_used = time.monotonic()

    @contextmanager
    def _lease(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = self._acquire()
        try:
            yield connection
        finally:
            self._give_back()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        connection = self._acquire()
        try:
            raw = connection.cursor()
        except BaseException:
            self._give_back()
            raise
        # Used exactly as a DuckDB cursor; only close() differs (it also gives the lease back).
        return cast(duckdb.DuckDBPyConnection, _LeasedCursor(raw, self._give_back))

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        # Store.transaction refuses a read-only hold with its message, and serialises writes.
        with self._lease(), super().transaction() as cursor:
            yield cursor

    def checkpoint(self) -> None:
        with self._lease():
            super().checkpoint()

    def compact(self) -> None:
        with self._lease():
            super().compact()

    def close(self) -> None:
        self._wait_beside()
        with self._state:
            self._closed = True
            if self._held:
                self._connection.close()
                self._held = False

    # --- letting go when idle -----------------------------------------------------------------

    def _start_reaper(self) -> None:
        if self._reaper is None and not self._closed:
            self._reaper = threading.Thread(target=self._reap, name=f"palier-store-idle:{self.path.name}", daemon=True)
            self._reaper.start()

    def _queued(self) -> bool:
        try:
            return self._backlog is not None and self._backlog.waiting()
        except OSError:
            log.exception("cannot read the queue of %s", self.path)
            return False

    def _knocked(self) -> bool:
        try:
            return self._backlog is not None and self._backlog.knocked()
        except OSError:
            return False

    def _reap(self) -> None:
        while True:
            time.sleep(self._tick)
            with self._state:
                if self._closed:
                    self._reaper = None
                    return
                if not self._held:
                    if not self._queued():
                        self._reaper = None  # the next lease starts another
                        return
                    try:
                        self._connection = _connect(self.path, False)
                    except StoreError:
                        continue  # another process holds it: it applies the queue when it lets go
                    self._held = True
                    self.read_only = False
                    self._last_used = time.monotonic() - self._idle
                # Reopening costs about 0.1 s, so the file is kept between a user's clicks; but a
                # command knocking gets it as soon as no read is running.
                idle = 0.0 if self._knocked() else self._idle
                if self._users or time.monotonic() - self._last_used < idle:
                    continue
                if self.read_only or not self._queued():
                    self._connection.close()
                    self._held = False
                    continue  # the next round sees work queued while the file was closing
                self._users += 1
            try:
                assert self._backlog is not None
                self._backlog.apply(self)
            except Exception:
                log.exception("applying the queued writes of %s failed", self.path)
            finally:
                self._give_back()
