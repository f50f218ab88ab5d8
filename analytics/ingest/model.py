"""What a parser produces, and what a format declares.

Parsers turn one source file into a `Parsed`: plain pandas frames with fixed columns and dtypes,
no database in sight. The loader (`analytics.ingest.load`) writes a `Parsed` in one transaction.
Keeping the two apart lets every parser be tested on bytes alone.

Dtypes are explicit everywhere: pandas 3 turns a column holding a large integer and a missing
value into float64, which would corrupt follower ids above 2**53 and counts alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mmap
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

from analytics.ingest.textio import Decoded, bomless_utf16_codec, decode

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from analytics.ingest.fastlist import CsvMembers

ListKind = Literal["follower", "following"]

# Daily metrics are stored long (day, metric, value) so that every export contributes the
# metrics it knows without erasing the others'. These are the names parsers may use.
DAILY_METRICS: dict[str, str] = {
    "followers": "follower total on that day",
    "following": "accounts followed on that day",
    "posts_total": "posts published in total (as a profile counter reports it)",
    "new_follows": "new followers that day",
    "unfollows": "followers lost that day",
    # Exports that give only the day's balance (YouTube 'Subscribers', TikTok 'Difference in
    # followers'): gains and losses stay unknown, never split into made-up ones.
    "net_follows": "net follower change that day (gained minus lost), where the export gives no split",
    "impressions": "impressions",
    "engagements": "engagements",
    "likes": "likes",
    "bookmarks": "bookmarks",
    "shares": "shares",
    "replies": "replies",
    "reposts": "reposts (retweets)",
    "profile_visits": "profile visits (user profile clicks)",
    "posts_created": "posts created that day (X 'Create Post')",
    "posts_published": "posts published that day (legacy 'Tweets published')",
    "video_views": "video views",
    "media_views": "media views",
    "media_engagements": "media engagements",
    "url_clicks": "URL clicks",
    "hashtag_clicks": "hashtag clicks",
    "detail_expands": "detail expands",
    "permalink_clicks": "permalink clicks",
    "post_follows": "follows attributed to posts (legacy 'follows', not all new followers)",
    "sponsored_follows": "new followers from sponsored content (LinkedIn)",
    "organic_follows": "organic new followers (LinkedIn)",
    "auto_invited_follows": "auto-invited new followers (LinkedIn)",
}

DAILY_DTYPES: dict[str, str] = {"day": "datetime64[us]", "metric": "string", "value": "Int64"}

# One row per post. `post_id` is a string: X ids are 19-digit snowflakes above 2**53.
POST_DTYPES: dict[str, str] = {
    "post_id": "string",
    "posted_at": "datetime64[us]",  # UTC, naive; midnight when the export gives a date only
    "has_time": "boolean",  # False when the export gives the date only
    "text": "string",
    "link": "string",
    "kind": "string",  # 'post', 'reply', 'repost', or missing when the export cannot tell
    "impressions": "Int64",
    "likes": "Int64",
    "engagements": "Int64",
    "bookmarks": "Int64",
    "shares": "Int64",
    "new_follows": "Int64",
    "replies": "Int64",
    "reposts": "Int64",
    "profile_visits": "Int64",
    "detail_expands": "Int64",
    "url_clicks": "Int64",
    "hashtag_clicks": "Int64",
    "permalink_clicks": "Int64",
}

# One row per member of a follower or following list. `member_key` is the stable identity the
# spells are keyed on: the platform id where the export has one (X accountId, Bluesky DID),
# else the lower-cased handle or address. Everything else is the member's profile as of the
# snapshot; missing means "this export does not say", which never erases a known value.
MEMBER_DTYPES: dict[str, str] = {
    "member_key": "string",
    "platform_id": "string",
    "handle": "string",
    "name": "string",
    "bio": "string",
    "location": "string",
    "followers_count": "Int64",
    "following_count": "Int64",
    "posts_count": "Int64",
    "created_at": "datetime64[us]",
    "last_post_at": "datetime64[us]",
    "default_avatar": "boolean",
    "verified": "boolean",
    "followed_at": "datetime64[us]",  # when the follow happened, where the export says
    "profile_url": "string",
}


def typed_frame(rows: Iterable[dict[str, object]] | pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """A frame with exactly the given columns and dtypes; absent columns are all missing."""
    import pandas as pd
    if not isinstance(rows, pd.DataFrame):
        return _typed_from_records(list(rows), dtypes)
    frame = rows
    out = pd.DataFrame(index=frame.index)
    for column, dtype in dtypes.items():
        if column in frame.columns:
            series = frame[column]
            if dtype.startswith("datetime64"):
                series = pd.to_datetime(series, utc=True).dt.tz_localize(None)
            elif dtype == "Int64" and series.dtype == object:
                # Python ints of any size go through object; never through float.
                series = pd.array([None if v is None or v is pd.NA else int(v) for v in series], dtype="Int64")
            out[column] = pd.Series(series, index=frame.index).astype(dtype)
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype=dtype)
    return out.reset_index(drop=True)


def _typed_from_records(records: list[dict[str, object]], dtypes: dict[str, str]) -> pd.DataFrame:
    """Column by column from the records: `pd.DataFrame(records)` would turn a column of whole
    numbers with a gap into float64, rounding any count above 2**53 (2**63 - 1 came back as
    2**63 and failed)."""
    import pandas as pd
    columns: dict[str, object] = {}
    for column, dtype in dtypes.items():
        values = [record.get(column) for record in records]
        if dtype == "Int64":
            columns[column] = pd.array([None if v is None or v is pd.NA else int(v) for v in values], dtype="Int64")
        elif dtype.startswith("datetime64"):
            columns[column] = pd.to_datetime(pd.Series(values, dtype=object), utc=True).dt.tz_localize(None).astype(dtype).array
        else:
            columns[column] = pd.Series(values, dtype=object).astype(dtype).array
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


def has_rows(frame: pd.DataFrame | None) -> bool:
    """Whether a Parsed's daily values or posts hold any row (None: the file gave none)."""
    return frame is not None and not frame.empty


def empty_daily() -> pd.DataFrame:
    return typed_frame([], DAILY_DTYPES)


def empty_posts() -> pd.DataFrame:
    return typed_frame([], POST_DTYPES)


# What a member list holds: a frame (MEMBER_DTYPES), an Arrow table (the fast path, read into
# memory) or a list still on disk that the loader reads straight into the store.
Members = Union["pd.DataFrame", "pa.Table", "CsvMembers"]


def members_frame(members: Members) -> pd.DataFrame:
    """Members as a pandas frame of MEMBER_DTYPES (the fast path gives an Arrow table)."""
    import pandas as pd
    import pyarrow as pa
    if not isinstance(members, (pd.DataFrame, pa.Table)):
        members = members.materialize()
    if isinstance(members, pa.Table):
        return typed_frame(members.to_pandas(), MEMBER_DTYPES)
    return members


def concat_members(parts: list[Members]) -> Members:
    """Several lists' members as one frame, in order. An Arrow table stands for one fast-path
    list, free of duplicates; several lists may share members, so they become pandas, which
    the loader dedupes."""
    if len(parts) == 1:
        return parts[0]
    import pandas as pd

    return pd.concat([members_frame(p) for p in parts], ignore_index=True)


@dataclass
class MemberList:
    """One snapshot of a follower or following list."""

    kind: ListKind
    # MEMBER_DTYPES columns. The generic list's fast path gives an Arrow table instead, already
    # typed, without empty keys and without duplicates (at millions of rows, pandas would cost
    # more than the rest of the import), or for a file on disk a `CsvMembers` the loader reads.
    members: Members
    snapshot_date: dt.date | None = None  # None: the caller decides (option, file name, today)


@dataclass
class Parsed:
    """Everything one export file (or bundle) says, ready to load."""

    format: str  # ExportFormat.key
    platform: str | None  # 'x', 'instagram', 'linkedin', 'bluesky', 'mastodon', or None (any)
    # DAILY_DTYPES and POSTS_DTYPES frames; None when the file gives none. No empty frame is made
    # for them: a follower list alone (the daily import) then never loads pandas (#16).
    daily: pd.DataFrame | None = None
    posts: pd.DataFrame | None = None
    lists: list[MemberList] = field(default_factory=list)
    account_handle: str | None = None  # the exporting account's handle, when the file says
    export_date: dt.date | None = None  # when the export was made, when the file says
    # Counters of the exporting account's own profile (`followers`, `following`, `posts_total`)
    # when the file gives them without a date (Bluesky getProfile): stored as daily values on
    # the date resolved for its lists (option, export date, file name, today).
    profile_counts: dict[str, int] = field(default_factory=dict)
    rows: int | None = 0  # data rows read (for the summary); None: counted when loaded
    notes: list[str] = field(default_factory=list)
    # Files with the same group key in one upload are pages of one snapshot (Bluesky
    # getFollowers pages, Instagram followers_1.json and followers_2.json): merged, one import.
    group_key: str | None = None


# A file at least this big has its checksum computed on a thread while it is imported
# (SourceFile.checksum_in_background); a smaller one is hashed in a few milliseconds.
BACKGROUND_CHECKSUM_BYTES = 8 * 1024 * 1024


class _Checksums:
    """One thread computes the checksums asked for, one after another, in the order asked: the
    files of one import are imported in that order, and a year of daily lists imported at once
    would otherwise start 365 threads, all reading their files while the first one is imported."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], str], Future[str]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def submit(self, compute: Callable[[], str]) -> Future[str]:
        future: Future[str] = Future()
        self._queue.put((compute, future))
        with self._lock:
            if self._worker is None:
                # A daemon: a checksum nobody waits for any more must not hold the process open.
                self._worker = threading.Thread(target=self._run, name="palier checksums", daemon=True)
                self._worker.start()
        return future

    def _run(self) -> None:
        while True:
            compute, future = self._queue.get()
            try:
                future.set_result(compute())
            except BaseException as exc:  # noqa: BLE001 - handed over to whoever reads sha256
                future.set_exception(exc)


_CHECKSUMS = _Checksums()


class SourceFile:
    """One file's name (as the user knows it) and bytes.

    Made from bytes (an upload, a zip member) or from a path (the command line). A path-backed
    file is read only when something needs all of its bytes: format detection reads the first
    8 KB, the hash streams it, and the generic list's fast path hands the path to DuckDB, so a
    10-million-follower CSV is never held in memory as bytes, then text, then rows.
    """

    def __init__(self, name: str, data: bytes | None = None, *, path: Path | None = None) -> None:
        if data is None and path is None:
            raise ValueError("a SourceFile needs bytes or a path")
        self.name = name
        self.path = path
        if data is not None:
            self.__dict__["data"] = data

    def __repr__(self) -> str:
        return f"SourceFile({self.name!r}, path={self.path!r})"

    @cached_property
    def data(self) -> bytes:
        assert self.path is not None
        return self.path.read_bytes()

    def release(self) -> None:
        """Forget the bytes and text read from a path-backed file (they are read again if
        needed): a bundle's members are parsed one after another, not all held at once."""
        if self.path is not None:
            for cached in ("data", "decoded"):
                self.__dict__.pop(cached, None)

    @property
    def loaded(self) -> bool:
        """Whether the bytes are in memory (always for uploads)."""
        return "data" in self.__dict__

    @cached_property
    def prefix(self) -> bytes:
        """The first 8 KB as bytes, without reading the rest of a path-backed file."""
        if self.loaded or self.path is None:
            return self.data[:8192]
        with self.path.open("rb") as handle:
            return handle.read(8192)

    @cached_property
    def size(self) -> int:
        return len(self.data) if self.loaded or self.path is None else self.path.stat().st_size

    @cached_property
    def decoded(self) -> Decoded:
        return decode(self.data, self.name)

    @property
    def text(self) -> str:
        return self.decoded.text

    @cached_property
    def head(self) -> str:
        """The first few KB as text for format detection; never raises."""
        chunk = self.prefix
        for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
            if chunk.startswith(bom):
                return chunk[len(bom) :].decode(codec, errors="ignore")
        bomless = bomless_utf16_codec(chunk)
        if bomless:
            # The same test as the decoder's, so detection sees the header the reader will read.
            return chunk.decode(bomless, errors="ignore")
        return _head_text(chunk)

    @contextmanager
    def _mapped(self) -> Iterator[mmap.mmap | None]:
        """A path-backed file mapped into memory (None where it cannot be: an empty file, a file
        system that cannot map). Mapped, a hash or a search reads the page cache itself instead
        of a copy of each chunk (0.95 s against 1.1 to 1.2 s for 1.5 GB)."""
        assert self.path is not None
        with self.path.open("rb") as handle:
            try:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                yield None
                return
            with mapped:
                yield mapped

    def _chunks(self) -> Iterator[bytes]:
        assert self.path is not None
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                yield chunk

    def _compute_sha256(self) -> str:
        if self.loaded or self.path is None:
            return hashlib.sha256(self.data).hexdigest()
        with self._mapped() as mapped:
            if mapped is not None:
                return hashlib.sha256(mapped).hexdigest()
        digest = hashlib.sha256()
        for chunk in self._chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def _stream_sha256(self) -> str:
        """The checksum read through a buffer, for the background: mapped, the file's pages
        fault in one by one and the faults stall DuckDB's threads meanwhile (a next day of ten
        million rows: no faster than hashing first; read through a buffer, 0.93x)."""
        assert self.path is not None
        with self.path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()

    @cached_property
    def _sha256(self) -> Future[str]:
        done: Future[str] = Future()
        done.set_result(self._compute_sha256())
        return done

    def checksum_in_background(self) -> None:
        """Start the SHA-256 of a big path-backed file on the checksums' thread (_Checksums);
        `sha256` waits for it. hashlib lets go of the GIL while it hashes, and DuckDB leaves part of the cores idle
        while it reads the list (a next day's import of ten million rows kept two cores 87% busy):
        hashed first, the checksum of that file (1.5 GB) took 1.0 s on one core while the other
        waited. An error reading the file is raised where `sha256` is read, as before."""
        if "_sha256" in self.__dict__ or self.loaded or self.path is None or self.size < BACKGROUND_CHECKSUM_BYTES:
            return
        self.__dict__["_sha256"] = _CHECKSUMS.submit(self._stream_sha256)

    @property
    def sha256(self) -> str:
        return self._sha256.result()

    @property
    def sha256_ready(self) -> bool:
        """Whether reading `sha256` returns at once (no checksum still being computed)."""
        return "_sha256" not in self.__dict__ or self._sha256.done()

    @cached_property
    def has_nul(self) -> bool:
        """Whether a NUL byte occurs anywhere (such a file is refused by the careful reader)."""
        if self.loaded or self.path is None:
            return b"\x00" in self.data
        with self._mapped() as mapped:
            if mapped is not None:
                return mapped.find(b"\x00") != -1
        return any(b"\x00" in chunk for chunk in self._chunks())

    @property
    def base_name(self) -> str:
        return self.name.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ExportFormat:
    """A supported export: how to recognise it and how to parse it."""

    key: str
    label: str  # shown to users: "X Premium account overview CSV"
    platform: str | None
    where_to_get: str  # where a user downloads it, for the README and the error on unknown files
    sniff: Callable[[SourceFile], bool]  # cheap, on `source.head` and the name; never raises
    parse: Callable[[SourceFile], Parsed]
    # Which members of a zip or folder this format may read (matched against the path inside).
    member_pattern: str | None = None


def _head_text(chunk: bytes) -> str:
    """A head that is not UTF-8 is Windows-1252 (what textio.decode would read it as): a French
    Excel's `abonnés` header must reach the sniffers as `abonnés`, not as `abonns`."""
    try:
        return chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(chunk) - 3 and exc.reason == "unexpected end of data":
            return chunk[: exc.start].decode("utf-8", errors="ignore")  # a character cut by the head's end
        return chunk.decode("cp1252", errors="ignore")
