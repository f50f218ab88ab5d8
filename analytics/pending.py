"""Writes waiting for the store: imports and collections queued while another process held it.

DuckDB lets one process hold the store file for writing. A command that cannot get it within
`PALIER_STORE_WAIT` seconds (the dashboard, a long import) queues its write here instead of
failing, and whichever Palier process holds the store next applies it: the dashboard as soon as
it is idle (analytics.store.shared), a command when it finishes. Nothing needs a human, and a
cron job's day is never lost.

The queue is the folder `<store file>.pending/` beside the store. Each write is one folder
holding `job.json` (what to do) and `files/` (copies of what to import, so the originals may be
deleted at once). It is written under a hidden name and renamed when complete, so a reader never
sees half a job. Applying a job is an ordinary import, which is idempotent (re-importing the
same bytes changes nothing), then the job's folder is removed: a crash between the two applies
it again, as a no-op. What was applied is appended to `applied.log` in the queue folder; a job
whose import failed moves to `failed/` there, with the reason in its `error.txt`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analytics.errors import PalierError, StoreBusyError
from analytics.ingest.bundle import folder_members
from analytics.ingest.registry import wanted_in_bundle
from analytics.ingest.service import (
    FolderSource,
    ImportOptions,
    Source,
    import_sources,
    read_paths,
)
from analytics.store import Store, open_store
from analytics.store.accounts import today as utc_today

log = logging.getLogger("palier.pending")

JOB_FILE = "job.json"
KNOCK = ".knock-"
# A knock older than this is from a command that was killed while waiting: ignored.
KNOCK_STALE_SECONDS = 3600
FILES = "files"
FAILED = "failed"
APPLIED_LOG = "applied.log"
VERSION = 1


def queue_folder(store_path: Path | str) -> Path:
    """Where writes for the store at `store_path` wait: `<store file>.pending/` beside it."""
    path = Path(store_path)
    return path.with_name(path.name + ".pending")


def _jobs(folder: Path) -> list[Path]:
    """Complete jobs, oldest first (their names start with the UTC time they were queued)."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    return sorted(
        Path(e.path) for e in entries if e.is_dir() and not e.name.startswith(".") and e.name != FAILED
    )


@dataclass(frozen=True)
class Queue:
    """The queue of one store file; `waiting` and `apply` make it the store's Backlog."""

    store_path: Path

    @property
    def folder(self) -> Path:
        return queue_folder(self.store_path)

    def waiting(self) -> bool:
        return bool(_jobs(self.folder))

    def knocked(self) -> bool:
        return knocked(self.store_path)

    def apply(self, store: Store) -> None:
        apply_queued(store)


# --- a command waiting at the door -----------------------------------------------------------


@contextmanager
def knocking(store_path: Path) -> Iterator[None]:
    """While a command waits for the store, a file in the queue folder says so: the dashboard
    then lets go of the store as soon as no page is reading, instead of after its idle time."""
    folder = queue_folder(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    knock = folder / f"{KNOCK}{os.getpid()}-{secrets.token_hex(3)}"
    knock.touch()
    try:
        yield
    finally:
        knock.unlink(missing_ok=True)


def knocked(store_path: Path) -> bool:
    """Whether a command is waiting for the store now."""
    try:
        entries = list(os.scandir(queue_folder(store_path)))
    except FileNotFoundError:
        return False
    now = time.time()
    for entry in entries:
        if entry.name.startswith(KNOCK):
            try:
                if now - entry.stat().st_mtime < KNOCK_STALE_SECONDS:
                    return True
            except FileNotFoundError:
                continue  # the command got in meanwhile
    return False


def open_waiting(store_path: Path, wait: float) -> Store:
    """The store for a command: at once if free; else knocking, and waiting up to `wait`
    seconds (StoreBusyError after that)."""
    try:
        return open_store(store_path)
    except StoreBusyError:
        if wait <= 0:
            raise
    with knocking(store_path):
        return open_store(store_path, wait=wait)


# --- queuing ------------------------------------------------------------------------------------


def _new_job(store_path: Path, manifest: dict[str, Any], write_files: Any) -> Path:
    folder = queue_folder(store_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    name = f"{stamp}-{manifest['kind']}-{os.getpid()}-{secrets.token_hex(3)}"
    partial = folder / f".{name}.part"
    try:
        (partial / FILES).mkdir(parents=True)
        manifest["files"] = write_files(partial / FILES)
        (partial / JOB_FILE).write_text(json.dumps({"version": VERSION, **manifest}, ensure_ascii=False, indent=1), "utf-8")
        final = folder / name
        partial.rename(final)  # atomic: a job is seen whole or not at all
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def queue_import(store_path: Path, paths: list[Path], options: ImportOptions) -> Path:
    """Queue an import of files and folders (copied: the originals may go at once). Returns the job's folder."""
    day = options.today or utc_today()  # an undated list is of the day it was queued, not applied

    def write(files: Path) -> list[str]:
        names: list[str] = []
        for number, source in enumerate(read_paths(paths)):
            slot = files / str(number)
            slot.mkdir()
            if isinstance(source, FolderSource):
                # Only the members an import reads: an archive folder's videos stay where they are.
                for member in folder_members(source.path, wanted_in_bundle):
                    target = slot / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.data)
                (slot / source.name).mkdir(exist_ok=True)
            else:
                assert source.path is not None
                shutil.copyfile(source.path, slot / source.name)
            names.append(f"{number}/{source.name}")
        return names

    manifest = {
        "kind": "import",
        "account": options.account,
        "platform": options.platform,
        "snapshot_date": options.snapshot_date.isoformat() if options.snapshot_date else None,
        "followers_on": {d.isoformat(): n for d, n in sorted(options.followers_on.items())},
        "today": day.isoformat(),
    }
    return _new_job(store_path, manifest, write)


def queue_collection(store_path: Path, account: str, fetched: Any, day: dt.date) -> Path:
    """Queue a collection (analytics.collect.Fetched) to be stored as the snapshot of `day`."""

    def write(files: Path) -> list[str]:
        names: list[str] = []
        for number, source in enumerate(fetched.sources):
            slot = files / str(number)
            slot.mkdir()
            (slot / source.name).write_bytes(source.data)
            names.append(f"{number}/{source.name}")
        return names

    manifest = {
        "kind": "collection",
        "account": account,
        "day": day.isoformat(),
        "platform": fetched.platform,
        "handle": fetched.handle,
        "followers": fetched.followers,
        "expected": fetched.expected,
        "pages": fetched.pages,
        "requests": fetched.requests,
        "notes": list(fetched.notes),
    }
    return _new_job(store_path, manifest, write)


# --- applying -----------------------------------------------------------------------------------


def _apply_import(store: Store, job: Path, manifest: dict[str, Any]) -> list[str]:
    options = ImportOptions(
        account=manifest["account"],
        platform=manifest.get("platform"),
        snapshot_date=dt.date.fromisoformat(manifest["snapshot_date"]) if manifest.get("snapshot_date") else None,
        followers_on={dt.date.fromisoformat(d): int(n) for d, n in manifest.get("followers_on", {}).items()},
        today=dt.date.fromisoformat(manifest["today"]),
    )
    sources: list[Source] = read_paths([job / FILES / name for name in manifest["files"]])
    outcomes = import_sources(store, sources, options)
    failed = [o.line() for o in outcomes if o.status == "failed"]
    if failed:
        raise PalierError("; ".join(failed))
    return [f"{options.account}: {o.line()}" for o in outcomes]


def _apply_collection(store: Store, job: Path, manifest: dict[str, Any]) -> list[str]:
    # Imported here: the collector's HTTP client is loaded only where a collection is stored.
    from analytics.collect.fetched import Fetched, store_fetched
    from analytics.ingest.model import SourceFile

    sources = [SourceFile(Path(name).name, (job / FILES / name).read_bytes()) for name in manifest["files"]]
    fetched = Fetched(
        platform=manifest["platform"], handle=manifest["handle"], sources=sources,
        followers=int(manifest["followers"]), expected=manifest.get("expected"), pages=int(manifest["pages"]),
        requests=int(manifest.get("requests", 0)), notes=list(manifest.get("notes", [])),
    )
    day = dt.date.fromisoformat(manifest["day"])
    outcome = store_fetched(store, manifest["account"], fetched, day)
    return [f"{manifest['account']}: collection of {fetched.handle} for {day}: {outcome.line()}"]


def _log(folder: Path, lines: list[str]) -> None:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    with (folder / APPLIED_LOG).open("a", encoding="utf-8") as handle:
        for line in lines:
            handle.write(f"[{stamp}] {line}\n")


def apply_queued(store: Store) -> list[str]:
    """Apply every queued write of `store`, oldest first; return one line per import done.

    Call with the store open for writing (it is then this process's alone: DuckDB's lock is what
    makes a job applied by one process at a time). A job that fails moves to `failed/` with its
    reason; it never stops the others."""
    folder = queue_folder(store.path)
    lines: list[str] = []
    for job in _jobs(folder):
        try:
            manifest = json.loads((job / JOB_FILE).read_text("utf-8"))
            kind = manifest.get("kind")
            if kind == "import":
                done = _apply_import(store, job, manifest)
            elif kind == "collection":
                done = _apply_collection(store, job, manifest)
            else:
                raise PalierError(f"{job / JOB_FILE}: kind: expected 'import' or 'collection', found {kind!r}")
        except StoreBusyError:
            raise  # not the job's fault: left queued for the next holder
        except Exception as exc:  # noqa: BLE001 - one bad job must not keep the others waiting
            reason = str(exc) if isinstance(exc, PalierError) else f"Unexpected error ({type(exc).__name__}): {exc}"
            failed = folder / FAILED / job.name
            failed.parent.mkdir(parents=True, exist_ok=True)
            job.rename(failed)
            (failed / "error.txt").write_text(reason + "\n", "utf-8")
            _log(folder, [f"FAILED {job.name}: {reason} (kept in {failed})"])
            log.warning("queued write %s failed: %s", job.name, reason)
            lines.append(f"queued write {job.name} FAILED: {reason} (kept in {failed})")
            continue
        _log(folder, [f"applied {job.name}: {line}" for line in done])
        shutil.rmtree(job)
        lines += [f"queued write applied: {line}" for line in done]
    return lines


def release(store: Store) -> list[str]:
    """Close a store opened for writing after applying the queue, then make sure nothing was
    queued while it closed (a command that gave up waiting just then): open it again to apply
    that, unless another process holds it now (that one applies it when it lets go)."""
    lines: list[str] = []
    path = store.path
    try:
        if not store.read_only:
            lines += apply_queued(store)
    finally:
        store.close()
    while _jobs(queue_folder(path)):
        try:
            again = open_store(path)
        except StoreBusyError:
            break
        try:
            lines += apply_queued(again)
        finally:
            again.close()
    return lines


def hand_over(store_path: Path) -> list[str]:
    """After queuing: apply the queue now if the store has just become free (one try, no
    waiting); else the process holding it applies it when it lets go. The lines of what was applied."""
    try:
        store = open_store(store_path)
    except StoreBusyError:
        return []
    return release(store)
