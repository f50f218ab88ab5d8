"""Uploads on their way into the store (`analytics.uploads`): spooled to disk in chunks, imported
in a worker thread whose progress the page polls, temporary files gone afterwards (also after a
failure), the worker's exception handed to the caller. Real files and a real store."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from analytics.ingest.service import ImportOptions
from analytics.store import open_store
from analytics.uploads import CHUNK_BYTES, ImportJob, Previewed, preview, spooled

ROOT = Path(__file__).resolve().parent.parent


class Upload(io.BytesIO):
    """An in-memory upload as Streamlit gives one (its UploadedFile is a BytesIO with a name),
    remembering how much each read asked for."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name
        self.reads: list[int] = []

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def follower_list(count: int, start: int = 0) -> bytes:
    lines = ["handle,name,followers_count"] + [f"user{i:07d},User {i},{i % 997}" for i in range(start, start + count)]
    return ("\n".join(lines) + "\n").encode()


def test_spooled_copies_in_chunks_and_removes_the_folder(tmp_path: Path) -> None:
    data = follower_list(20_000) * 500  # about 15 MB: two chunks at least
    assert len(data) > 2 * CHUNK_BYTES
    upload = Upload("../../etc/followers 2025-03-01.csv", data)
    with spooled([upload]) as sources:
        (source,) = sources
        assert source.name == upload.name  # the user's name, for detection and dates
        assert source.path is not None and source.path.parent.name.startswith("palier-upload-")
        assert ".." not in source.path.name  # the path on disk is ours, not the upload's name
        assert source.path.read_bytes() == data
        assert not source.loaded  # nothing read into memory by spooling
        folder = source.path.parent
    assert not folder.exists()
    # Never one read of the whole file: at most a chunk at a time.
    assert upload.reads and all(0 < size <= CHUNK_BYTES for size in upload.reads)
    assert upload.tell() == 0  # rewound for the next run of the page


def test_spooled_removes_the_folder_when_the_body_fails() -> None:
    with pytest.raises(RuntimeError), spooled([Upload("a.csv", b"handle\nann\n")]) as sources:
        folder = sources[0].path.parent
        raise RuntimeError("parser bug")
    assert not folder.exists()


def test_preview_keeps_sizes_not_rows() -> None:
    (item,) = preview([Upload("followers-2025-03-01.csv", follower_list(50))])
    assert isinstance(item, Previewed)
    assert item.item.parsed.lists == []
    (shape,) = item.lists
    assert (shape.kind, shape.size) == ("follower", 50)
    ((_, day),) = item.list_dates(ImportOptions("me"))
    assert day.isoformat() == "2025-03-01"  # from the file name, as the import will date it


def test_preview_of_a_big_list_on_disk() -> None:
    """A list above the fast path's threshold is left on disk for the import to read straight
    into the store: the preview knows it holds a list, not yet its size."""
    (item,) = preview([Upload("followers.csv", follower_list(40_000))])
    assert isinstance(item, Previewed)
    (shape,) = item.lists
    assert (shape.kind, shape.size, shape.dated_by_rows) == ("follower", None, False)
    ((_, day),) = item.list_dates(ImportOptions("me", snapshot_date=dt.date(2025, 4, 2)))
    assert day == dt.date(2025, 4, 2)
    # With a snapshot_date column the file's dates win over the option, as in the import (or,
    # when the list is left on disk and its dates unread, none is made up for the preview).
    dated = b"snapshot_date," + follower_list(40_000).replace(b"\n", b"\n2025-05-01,")[:-len(b"2025-05-01,")]
    (item,) = preview([Upload("followers.csv", dated)])
    assert isinstance(item, Previewed)
    assert [day for _, day in item.list_dates(ImportOptions("me", snapshot_date=dt.date(2025, 4, 2)))] in (
        [dt.date(2025, 5, 1)], [None]
    )


def _stats(db: Path, account: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "analytics", "stats", "--account", account, "--json", "--db", str(db)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def test_import_job_imports_in_a_thread_and_cleans_up(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    try:
        files = [Upload("followers-2025-03-01.csv", follower_list(30_000)), Upload("counts.csv", b"date,followers\n2025-03-01,30000\n")]
        job = ImportJob(store, files, ImportOptions("me"))
        folder = job.folder
        assert sorted(p.stat().st_size for p in folder.iterdir()) == sorted(len(f.getvalue()) for f in files)
        assert job.snapshot().fraction == 0.0 and not job.done
        job.start()
        shown = [job.snapshot()]
        while not job.wait(0.01):
            shown.append(job.snapshot())
        outcomes = job.result()
        assert [o.status for o in outcomes] == ["imported", "imported"], [o.line() for o in outcomes]
        assert not folder.exists()
        assert job.snapshot().text == "Done" and job.snapshot().fraction == 1.0
        # The bar only moves forward while files are written, and stays within 0 to 1.
        assert all(0.0 <= p.fraction <= 1.0 for p in shown)
        assert all(p.text for p in shown)
    finally:
        store.close()
    assert _stats(db, "me")["followers"]["listed"] == 30_000


def test_import_job_hands_the_workers_exception_to_the_caller(tmp_path: Path) -> None:
    store = open_store(tmp_path / "palier.duckdb")
    job = ImportJob(store, [Upload("followers.csv", follower_list(10))], ImportOptions("me"))
    # A real fault: the store's connection is gone when the worker writes.
    store.close()
    job.start()
    assert job.wait(60)
    with pytest.raises(duckdb.Error):
        job.result()
    assert not job.folder.exists()


def test_progress_follows_the_files_and_the_detail_within_one(tmp_path: Path) -> None:
    """The callbacks the import service calls (possibly from other threads) drive the bar."""
    store = open_store(tmp_path / "palier.duckdb")
    try:
        job = ImportJob(store, [], ImportOptions("me"))
        assert job.snapshot().text.startswith("Reading the files")
        job._on_file(1, 4, "b.csv")
        job._on_detail(0.5, "writing")
        shown = job.snapshot()
        assert shown.fraction == pytest.approx(1.5 / 4)
        assert shown.text == "File 2 of 4: b.csv (writing, 50%)"
        # The file's next daily list starts again from 0: the bar stays, the text counts lists.
        job._on_detail(0.2, "reading the list")
        assert job.snapshot().fraction == pytest.approx(1.5 / 4)
        assert job.snapshot().text == "File 2 of 4: b.csv (list 2: reading the list, 20%)"
        job._on_detail(7.0, "writing")  # out of range: clamped
        assert job.snapshot().fraction == pytest.approx(2 / 4)
        job._on_file(2, 4, "c.csv")  # the next file starts without a detail
        assert job.snapshot().text == "File 3 of 4: c.csv"
        job.start()  # nothing to import: it ends at once, and takes its folder with it
        assert job.wait(60) and job.result() == [] and not job.folder.exists()
    finally:
        store.close()


def test_a_file_of_daily_lists_crosses_the_bar_once(tmp_path: Path) -> None:
    """The service reports each list of a file from 0 to 1; knowing the file holds 4 lists
    (from the preview), the bar crosses the file once."""
    store = open_store(tmp_path / "palier.duckdb")
    try:
        job = ImportJob(store, [], ImportOptions("me"), lists={"daily.csv": 4})
        job._on_file(0, 1, "daily.csv")
        seen = []
        for _ in range(4):
            for fraction in (0.0, 0.5, 1.0):
                job._on_detail(fraction, "step")
                seen.append(job.snapshot().fraction)
        assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
        assert seen[2] == pytest.approx(0.25)  # the first list done: a quarter of the file
        assert job.snapshot().text == "File 1 of 1: daily.csv (list 4 of 4: step, 100%)"
        job.start()
        assert job.wait(60) and job.result() == []
    finally:
        store.close()
