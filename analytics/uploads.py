"""Uploads on their way into the store: spooled to disk, imported in a worker thread.

Streamlit hands the Import page each upload as an in-memory file. Passing its bytes on
(`getvalue()`) would add a full copy per file, then the parsers would add more (text, rows); a
follower list of 150 MB would cost several times that. Instead each upload is copied to a
temporary file in chunks of `CHUNK_BYTES` and handed to the import service as a path-backed
`SourceFile`, which the generic list's fast path gives to DuckDB to read from disk.

The import itself runs in a worker thread (`ImportJob`) so that the page's script thread stays
free to redraw one progress bar from the job's `snapshot()`: Streamlit elements may only be
touched from the script thread, while the import service reports progress from whichever thread
it runs in (its in-file `detail` callback may come from a thread watching DuckDB).

No Streamlit here: uploads are anything with `name`, `read(size)` and `seek()`.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from analytics import analysis
from analytics.i18n import _, current_language, format_percent
from analytics.ingest import service
from analytics.ingest.fastlist import CsvMembers
from analytics.ingest.model import MemberList, SourceFile
from analytics.ingest.service import ImportOptions, Outcome, Prepared
from analytics.store import Store

# Bytes copied at a time from an upload to its temporary file: the only extra memory an upload
# costs on its way to disk.
CHUNK_BYTES = 8 * 1024 * 1024


class Upload(Protocol):
    """What is needed of an upload (Streamlit's UploadedFile, or any binary file with a name)."""

    name: str

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...


def _spool(uploads: Sequence[Upload], folder: Path) -> list[SourceFile]:
    sources: list[SourceFile] = []
    for number, upload in enumerate(uploads):
        # The name on disk is ours: an upload's name is untrusted text (slashes, `..`), and the
        # import service reads the user's name from `SourceFile.name`, not from the path. The
        # suffix is neutral so that DuckDB never guesses a compression from it.
        target = folder / f"upload-{number:04d}.data"
        upload.seek(0)
        with target.open("wb") as out:
            while chunk := upload.read(CHUNK_BYTES):
                out.write(chunk)
        # Left where it was found: Streamlit keeps the same file object across reruns.
        upload.seek(0)
        sources.append(SourceFile(upload.name, path=target))
    return sources


@contextmanager
def spooled(uploads: Sequence[Upload]) -> Iterator[list[SourceFile]]:
    """The uploads as path-backed SourceFiles in a fresh temporary folder, removed on exit
    (also when the body raises)."""
    folder = Path(tempfile.mkdtemp(prefix="palier-upload-"))
    try:
        yield _spool(uploads, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class ListShape:
    """One follower or following list of a previewed file, without its members."""

    kind: str
    # None: not counted yet. A big list on disk is read by the import itself, straight into the
    # store, so the preview knows its size (and its dates, when a column gives them) only then.
    size: int | None
    snapshot_date: dt.date | None
    dated_by_rows: bool = False

    @staticmethod
    def of(member_list: MemberList) -> ListShape:
        members = member_list.members
        if isinstance(members, CsvMembers):
            return ListShape(member_list.kind, None, member_list.snapshot_date, dated_by_rows=members.query.dated)
        return ListShape(member_list.kind, len(members), member_list.snapshot_date)


@dataclass(frozen=True)
class Previewed:
    """A prepared import as the Import page's preview keeps it between runs: its member lists
    reduced to their sizes, so a big list's rows are not held in the session while the owner
    decides (and no list refers to a temporary file that is gone)."""

    item: Prepared  # with `parsed.lists` emptied
    lists: tuple[ListShape, ...]

    @staticmethod
    def of(item: Prepared) -> Previewed:
        shapes = tuple(ListShape.of(m) for m in item.parsed.lists)
        return Previewed(replace(item, parsed=replace(item.parsed, lists=[])), shapes)

    def list_dates(self, options: ImportOptions) -> list[tuple[ListShape, dt.date | None]]:
        """Each list's date as the import will give it (`service.snapshot_dates`): its own,
        else the date of what the file leaves undated; None when rows give their own dates."""
        fallback = service.undated_day(self.item, options)
        return [(s, s.snapshot_date or (None if s.dated_by_rows else fallback)) for s in self.lists]


def preview(uploads: Sequence[Upload]) -> list[Previewed | Outcome]:
    """What the uploads hold (`service.prepare`), read from temporary files that are removed
    before this returns: the import spools the uploads again."""
    with spooled(uploads) as sources:
        return [Previewed.of(item) if isinstance(item, Prepared) else item for item in service.prepare(sources)]


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows: the overall fraction (0 to 1) and one line of text."""

    fraction: float
    text: str


class ImportJob:
    """One import (`service.import_sources`) running in its own thread.

    The script thread starts it, polls `snapshot()` to draw the progress bar, and takes
    `result()` once `done`. The callbacks only write plain values under a lock, so they are
    safe whichever thread calls them. The job owns the temporary folder of its uploads and
    removes it when the import ends, successful or not."""

    def __init__(
        self,
        store: Store,
        uploads: Sequence[Upload],
        options: ImportOptions,
        lists: Mapping[str, int] | None = None,
    ) -> None:
        """`lists`: how many member lists each import holds, by name (from the preview), so that
        the bar crosses a file of daily lists once rather than once per list."""
        self._lock = threading.Lock()
        self._file = 0  # files finished
        self._files = 0  # files in all (0 until the service has read them)
        self._name = ""
        self._lists = dict(lists or {})
        self._detail = 0.0  # fraction of the current file (the most reported so far)
        self._last_detail = 0.0  # the fraction reported last
        self._part = 1  # which list of the current file, for a file of several
        self._message = ""
        self._outcomes: list[Outcome] | None = None
        self._error: BaseException | None = None
        self._finished = threading.Event()
        self._language = current_language()  # the page's: the analysis that follows words its progress in it
        self._folder = Path(tempfile.mkdtemp(prefix="palier-upload-"))
        try:
            sources = _spool(uploads, self._folder)
        except BaseException:
            shutil.rmtree(self._folder, ignore_errors=True)
            raise
        self._thread = threading.Thread(
            target=self._run, args=(store, sources, options), name="palier-import", daemon=True
        )

    @property
    def folder(self) -> Path:
        """The temporary folder holding the spooled uploads (gone once the job is done)."""
        return self._folder

    def start(self) -> ImportJob:
        self._thread.start()
        return self

    def _on_file(self, done: int, total: int, name: str) -> None:
        with self._lock:
            self._file, self._files, self._name = done, total, name
            self._detail, self._last_detail, self._part, self._message = 0.0, 0.0, 1, ""

    def _on_detail(self, fraction: float, message: str) -> None:
        value = min(max(float(fraction), 0.0), 1.0)
        with self._lock:
            # A file of daily lists reports each list's steps from 0 again. The bar never goes
            # back (that reads as the import starting over); the text counts the lists instead.
            if value < self._last_detail:
                self._part += 1
            self._last_detail = value
            count = self._lists.get(self._name, 1)
            within = (self._part - 1 + value) / count if count > self._part - 1 else value
            self._detail = max(self._detail, min(within, 1.0))
            self._message = message

    def _run(self, store: Store, sources: list[SourceFile], options: ImportOptions) -> None:
        try:
            outcomes = service.import_sources(store, sources, options, progress=self._on_file, detail=self._on_detail)
            with self._lock:
                self._outcomes = outcomes
            if any(outcome.status == "imported" for outcome in outcomes):
                # What the Audience page and the report would otherwise wait for when first opened.
                analysis.analyse_account_in_background(store, options.account, self._language)
        except BaseException as exc:  # noqa: BLE001 - handed to the script thread by result()
            with self._lock:
                self._error = exc
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._finished.set()

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for the end; whether it has ended."""
        return self._finished.wait(seconds)

    def snapshot(self) -> Progress:
        with self._lock:
            file, files, name, detail, message = self._file, self._files, self._name, self._detail, self._message
            part, last, count = self._part, self._last_detail, self._lists.get(name, 1)
        # Worded here, in the thread of the page that asks (the worker's thread has no language).
        if self.done:
            return Progress(1.0, _("Done"))
        step = " ({message}, {share})".format(message=message, share=format_percent(detail, 0)) if message else ""
        if message and (part > 1 or count > 1):
            list_of = (_("list {part} of {count}") if count >= part else _("list {part}")).format(part=part, count=count)
            step = " ({list_of}: {message}, {share})".format(list_of=list_of, message=message, share=format_percent(last, 0))
        if files == 0:
            # Before its first file count the service is reading (parsing) the uploads: the bar
            # follows the file being read, when the service says how far it is.
            return Progress(detail, _("Reading the files") + (step or "…"))
        if name == "done":
            return Progress(1.0, _("Done"))
        return Progress(min((file + detail) / files, 1.0), _("File {number} of {files}: {name}").format(
            number=min(file + 1, files), files=files, name=name) + step)

    def result(self) -> list[Outcome]:
        """The outcomes; raises what the worker raised. Call once `done`."""
        if not self.done:
            raise RuntimeError("the import is still running")
        if self._error is not None:
            raise self._error
        assert self._outcomes is not None
        return self._outcomes
