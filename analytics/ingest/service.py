"""Importing files: expand zips and folders, detect, parse, group pages, load in one transaction.

Each import (a file, a zip or folder, or the pages of one snapshot) is one transaction: it lands
whole or not at all. Its identity is the SHA-256 of its bytes, so importing it again changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics.errors import BadExportError, PalierError
from analytics.i18n import N_, _, format_number
from analytics.ingest.bundle import folder_members, is_zip, zip_members
from analytics.ingest.fastlist import CarefulReadNeeded, CsvMembers
from analytics.ingest.formats.linkedin_workbook import is_xlsx
from analytics.ingest.load import (
    Detail,
    LoadCounts,
    finish_import,
    load_parsed,
    record_import,
    record_rows,
    stage_lists,
)
from analytics.ingest.model import (
    DAILY_DTYPES,
    MemberList,
    Parsed,
    SourceFile,
    concat_members,
    has_rows,
    typed_frame,
)
from analytics.ingest.registry import (
    ANALYTICS_CSV_FORMATS,
    detect,
    format_label,
    named_in_bundle,
    wanted_in_bundle,
)
from analytics.ingest.summary import SummaryFacts, summary_line
from analytics.ingest.values import date_in_name, plausible_day
from analytics.store import Store
from analytics.store.accounts import (
    PLATFORMS,
    find_account,
    get_or_create_account,
    normalize_platform,
    today,
)

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MANUAL_ANCHOR_FORMAT = "manual_followers"
# Whether the account has an import of that file name (see _load_prepared); whether it has an
# import of those bytes.
IMPORTED_NAME_SQL = "SELECT EXISTS (SELECT 1 FROM imports WHERE account_id = ? AND file_name = ?)"
IMPORTED_SQL = "SELECT import_id FROM imports WHERE account_id = ? AND sha256 = ?"
# A count typed by the user beats any export's count for the same day.
MANUAL_EXPORT_END = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class FolderSource:
    """An unzipped archive folder given on the command line."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.name


Source = SourceFile | FolderSource


@dataclass
class ImportOptions:
    account: str
    platform: str | None = None
    snapshot_date: dt.date | None = None
    followers_on: dict[dt.date, int] = field(default_factory=dict)
    today: dt.date | None = None


@dataclass
class Prepared:
    """A parsed import, not yet written. `checksum`: the bytes' SHA-256, or the file whose
    checksum may still be computed on a thread (SourceFile.checksum_in_background)."""

    name: str
    checksum: str | SourceFile
    parsed: Parsed

    @property
    def sha256(self) -> str:
        return self.checksum if isinstance(self.checksum, str) else self.checksum.sha256

    @property
    def sha256_ready(self) -> bool:
        return isinstance(self.checksum, str) or self.checksum.sha256_ready

    @property
    def label(self) -> str:
        return format_label(self.parsed.format)


@dataclass
class Outcome:
    """What happened to one import, for the command line and the Import page."""

    name: str
    status: str  # 'imported', 'unchanged' or 'failed'
    format: str | None = None
    label: str | None = None
    import_id: int | None = None
    rows: int = 0
    summary: str = ""
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    facts: SummaryFacts | None = None  # an import's figures, for a line of its own (the collect command's)

    def line(self) -> str:
        if self.status == "failed":
            return _("{name}: FAILED: {error}").format(name=self.name, error=self.error)
        return _("{name}: {summary}").format(name=self.name, summary=self.summary)


def read_paths(paths: Sequence[Path]) -> list[Source]:
    sources: list[Source] = []
    for path in paths:
        if path.is_dir():
            sources.append(FolderSource(path))
        elif path.is_file():
            # Path-backed: read when needed, and not at all by the generic list's fast path.
            sources.append(SourceFile(path.name, path=path))
        else:
            raise PalierError(_("{path}: no such file or folder.").format(path=path))
    return sources


def _merge(parts: list[Parsed], name: str) -> Parsed:
    """One Parsed from the members of a bundle or the pages of a snapshot."""
    import pandas as pd
    platforms = {p.platform for p in parts if p.platform}
    if len(platforms) > 1:
        raise BadExportError(
            name, _("contents"), _("files of one platform"), _("files of {platforms}").format(platforms=", ".join(sorted(platforms)))
        )
    formats = sorted({p.format for p in parts})
    lists: dict[tuple[str, dt.date | None], list[pd.DataFrame | pa.Table]] = {}
    for part in parts:
        for member_list in part.lists:
            lists.setdefault((member_list.kind, member_list.snapshot_date), []).append(member_list.members)
    merged_lists = [
        MemberList(kind, concat_members(frames), day)  # type: ignore[arg-type]
        for (kind, day), frames in lists.items()
    ]
    # Several months of the same analytics export overlap: X revises its latest days, so on a day
    # two files give, the file reaching furthest (the newer export) wins; a post listed twice is
    # the same post, kept once with the newer file's figures.
    dailies = sorted((p.daily for p in parts if p.daily is not None and not p.daily.empty), key=lambda frame: frame["day"].max())
    postss = sorted((p.posts for p in parts if p.posts is not None and not p.posts.empty),
                    key=lambda frame: frame["posted_at"].max() if frame["posted_at"].notna().any() else pd.Timestamp.min)
    daily = (
        pd.concat(dailies, ignore_index=True).drop_duplicates(["day", "metric"], keep="last").reset_index(drop=True)
        if dailies else None
    )
    posts = (
        pd.concat(postss, ignore_index=True).drop_duplicates(["post_id"], keep="last").reset_index(drop=True)
        if postss else None
    )
    return Parsed(
        format=formats[0] if len(formats) == 1 else "+".join(formats),
        platform=platforms.pop() if platforms else None,
        daily=daily,
        posts=posts,
        lists=merged_lists,
        account_handle=next((p.account_handle for p in parts if p.account_handle), None),
        export_date=max((p.export_date for p in parts if p.export_date), default=None),
        profile_counts={k: v for p in parts for k, v in p.profile_counts.items()},
        rows=None if any(p.rows is None for p in parts) else sum(p.rows or 0 for p in parts),
        notes=[note for p in parts for note in p.notes],
    )


def _parse_one(source: SourceFile) -> Parsed:
    export_format = detect(source)
    parsed = export_format.parse(source)
    for note in source.decoded.notes if "decoded" in source.__dict__ else ():
        parsed.notes.append(note)
    return parsed


def _parse_bundle(name: str, members: list[SourceFile], platform: str | None = None) -> Parsed:
    if not members:
        raise BadExportError(name, _("contents"), _("at least one export file Palier reads"), _("none"))
    parts: list[Parsed] = []
    for member in sorted(members, key=lambda m: m.name):
        try:
            export_format = detect(member)
        except BadExportError:
            continue  # archives hold many files Palier does not read
        if not named_in_bundle(member.name) and export_format.key not in ANALYTICS_CSV_FORMATS:
            # A CSV of another kind (an archive's other tables): never read as a follower list.
            continue
        parts.append(export_format.parse(member))
        member.release()
    if not parts:
        shown = ", ".join(m.name.rsplit("/", 1)[-1] for m in members[:8])
        raise BadExportError(
            name, _("contents"), _("an export Palier reads"), _("only files it does not know ({files})").format(files=shown)
        )
    # Facebook's followers come undated and its friends dated; a person in both keeps the first
    # row read, so the followers file goes last and a friend's date is kept.
    parts.sort(key=lambda part: part.format == "facebook_followers")
    return _merge(_one_platform_of_a_meta_download(parts, platform), name)


# The Instagram download holds the linked Threads profile's lists too (your_instagram_activity/
# threads/): one archive, two accounts. An import goes to one account, so it reads the lists of
# the account's platform (Instagram unless the account or the user says Threads) and says what
# it left for the other.
_SHARED_DOWNLOAD = {"instagram", "threads"}
LEFT_OUT_NOTE = N_("This archive also holds {other} lists; they were left out: import it into a {other} account to read them.")


def _one_platform_of_a_meta_download(parts: list[Parsed], platform: str | None) -> list[Parsed]:
    platforms = {p.platform for p in parts if p.platform}
    if platforms != _SHARED_DOWNLOAD:
        return parts
    keep = platform if platform in _SHARED_DOWNLOAD else "instagram"
    other = next(iter(_SHARED_DOWNLOAD - {keep}))
    kept = [p for p in parts if p.platform != other]
    kept[0].notes.append(_(LEFT_OUT_NOTE).format(other=PLATFORMS[other]))
    return kept


def prepare(sources: Sequence[Source], platform: str | None = None) -> list[Prepared | Outcome]:
    """Parse every source; pages of one snapshot are merged. Failures come back as Outcomes.
    `platform` (the account's) picks which lists a download shared by two platforms gives."""
    prepared: list[Prepared | Outcome] = []
    groups: dict[str, list[tuple[SourceFile, Parsed]]] = {}
    for source in sources:
        try:
            if isinstance(source, FolderSource):
                members = folder_members(source.path, wanted_in_bundle)
                digest = hashlib.sha256("".join(sorted(m.sha256 for m in members)).encode()).hexdigest()
                prepared.append(Prepared(source.name, digest, _parse_bundle(source.name, members, platform)))
            elif is_zip(source.prefix) and not is_xlsx(source.data):  # an .xlsx is a zip too
                members = zip_members(source, wanted_in_bundle)
                prepared.append(Prepared(source.name, source.sha256, _parse_bundle(source.name, members, platform)))
            else:
                source.checksum_in_background()
                parsed = _parse_one(source)
                if parsed.group_key:
                    groups.setdefault(parsed.group_key, []).append((source, parsed))
                else:
                    prepared.append(Prepared(source.name, source, parsed))
        except PalierError as exc:
            prepared.append(Outcome(source.name, "failed", error=str(exc)))
    for pages in groups.values():
        pages.sort(key=lambda item: item[0].name)
        names = [source.base_name for source, _ in pages]
        if len(set(names)) < len(names):
            # Two files of the same name are two exports (two archives' follower.js), not two
            # pages of one list: merging them would make one snapshot out of two days.
            twice = sorted({n for n in names if names.count(n) > 1})
            for source, _parsed in pages:
                prepared.append(
                    Outcome(
                        source.name, "failed",
                        error=_(
                            "{file}: upload: expected the pages of one export, found several files named {names}: "
                            "import each export on its own"
                        ).format(file=source.name, names=", ".join(twice)),
                    )
                )
            continue
        if len(pages) == 1:
            source, parsed = pages[0]
            prepared.append(Prepared(source.name, source.sha256, parsed))
            continue
        name = " + ".join(source.name for source, _ in pages)
        digest = hashlib.sha256("".join(sorted(source.sha256 for source, _ in pages)).encode()).hexdigest()
        try:
            prepared.append(Prepared(name, digest, _merge([parsed for _, parsed in pages], name)))
        except PalierError as exc:
            prepared.append(Outcome(name, "failed", error=str(exc)))
    return prepared


def check_plausible_dates(item: Prepared, options: ImportOptions) -> None:
    """Every day an import would store lies between 2003 and tomorrow: a safety net behind the
    parsers (which name the line), for the days they give without one (an export date, a
    snapshot date chosen for the upload) and any format that does not check its own."""
    parsed = item.parsed
    moments: list[tuple[str, object]] = []
    if parsed.daily is not None:
        moments += _first_and_last("the daily values' dates", parsed.daily["day"])
    if parsed.posts is not None:
        moments += _first_and_last("the posts' dates", parsed.posts["posted_at"])
    if parsed.export_date is not None:
        moments.append(("the export's date", parsed.export_date))
    if parsed.profile_counts:
        moments.append(("the date of the profile's counts", undated_day(item, options)))
    moments += [("the list's date", day) for _, day in snapshot_dates(item, options)]
    for where, moment in moments:
        if moment is None:
            continue
        day = moment.date() if isinstance(moment, dt.datetime) else moment  # a pd.Timestamp is a datetime
        plausible_day(day, item.name, where)  # type: ignore[arg-type]


def _first_and_last(where: str, moments: pd.Series) -> list[tuple[str, object]]:
    """The first and last of a column of dates, missing ones left out (NaT is no date to check)."""
    known = moments.dropna()
    return [] if known.empty else [(where, known.min()), (where, known.max())]


def _starts_with_vowel(word: str) -> bool:
    return word[:1].lower() in "aeiou"


def _export_for(platform: str, account: str) -> str:
    # Whole sentences per English article ("an Instagram", "a LinkedIn"): other languages word them their way.
    if _starts_with_vowel(platform):
        return _("an {platform} export for account {name}").format(platform=platform, name=repr(account))
    return _("a {platform} export for account {name}").format(platform=platform, name=repr(account))


def _export_of(platform: str, label: str) -> str:
    if _starts_with_vowel(platform):
        return _("an {platform} export ({label})").format(platform=platform, label=label)
    return _("a {platform} export ({label})").format(platform=platform, label=label)


def undated_day(item: Prepared, options: ImportOptions) -> dt.date:
    """The date of what a file gives undated: the option, else the export's own date, else a
    YYYY-MM-DD in the file name, else today."""
    return options.snapshot_date or item.parsed.export_date or date_in_name(item.name) or options.today or today()


def snapshot_dates(item: Prepared, options: ImportOptions) -> list[tuple[MemberList, dt.date]]:
    """Each list's date: its own (a snapshot_date column), else `undated_day`."""
    fallback = undated_day(item, options)
    return [(member_list, member_list.snapshot_date or fallback) for member_list in item.parsed.lists]


def _with_profile_counts(item: Prepared, options: ImportOptions) -> Parsed:
    parsed = item.parsed
    if not parsed.profile_counts:
        return parsed
    import pandas as pd  # here: a list without profile counts (the daily import) never loads pandas

    day = pd.Timestamp(undated_day(item, options))
    extra = typed_frame(
        [{"day": day, "metric": metric, "value": value} for metric, value in parsed.profile_counts.items()],
        DAILY_DTYPES,
    )
    daily = pd.concat([parsed.daily, extra], ignore_index=True) if has_rows(parsed.daily) else extra
    return replace(parsed, daily=daily, profile_counts={})


def _summary_facts(item: Prepared, counts: LoadCounts) -> SummaryFacts:
    """What the import did, kept with it: its summary is written from these in the reader's language."""
    metrics = set(item.parsed.daily["metric"].dropna()) if item.parsed.daily is not None else set()
    return SummaryFacts(
        format=item.parsed.format, days=counts.days, posts=counts.posts,
        lists=tuple(counts.lists), replaced=tuple(counts.replaced), start=counts.date_min, end=counts.date_max,
        gains_only="new_follows" in metrics and not metrics & {"unfollows", "followers"},
    )


class _AlreadyImported(Exception):
    """Leaves a transaction that found nothing to write: rolled back, so the store's version (the
    cache key of every chart) does not move when a file is uploaded again."""

    def __init__(self, import_id: int) -> None:
        super().__init__(import_id)
        self.import_id = import_id


def import_identity(item: Prepared, options: ImportOptions) -> str:
    """What makes two imports the same: the bytes, plus the date the user gave (option or file
    name) to what the file leaves undated. A quiet account's follower list is byte-identical on
    two days; keyed on bytes alone, the second day's snapshot would be dropped as a duplicate."""
    parsed = item.parsed
    undated = bool(parsed.profile_counts) or any(m.snapshot_date is None for m in parsed.lists)
    explicit = options.snapshot_date or (None if parsed.export_date else date_in_name(item.name))
    if not undated or explicit is None:
        return item.sha256
    return hashlib.sha256(f"{item.sha256}\n{explicit.isoformat()}".encode()).hexdigest()


def load_prepared(store: Store, item: Prepared, options: ImportOptions, detail: Detail | None = None) -> Outcome:
    """Write one prepared import in one transaction (or recognise it as already there).

    `detail(fraction, message)` reports progress within the import (0 to 1, "reading followers",
    "comparing with the previous snapshot", ...); it may be called from another thread.
    """
    check_plausible_dates(item, options)
    try:
        try:
            return _load_prepared(store, item, options, detail)
        except CarefulReadNeeded as needed:
            # Rolled back: the careful reader reads the list (naming a bad line, or deduping),
            # unless the file was imported already (its checksum may have been computed while the
            # list was read, and not yet looked up: see _load_prepared).
            _raise_if_imported_already(store, item, options)
            if detail:
                detail(0.0, "checking every line of the list")
            return _load_prepared(store, _read_carefully(item, needed.members), options, detail)
    except _AlreadyImported as known:
        return Outcome(
            item.name, "unchanged", item.parsed.format, item.label, known.import_id, item.parsed.rows or 0,
            _("already imported as import #{import_id}: nothing changed").format(import_id=known.import_id),
        )


def _raise_if_imported_already(store: Store, item: Prepared, options: ImportOptions) -> None:
    """_raise_if_imported outside a write (a write transaction would bump the store's version)."""
    cursor = store.cursor()
    try:
        known = find_account(cursor, options.account.strip())
        if known is not None:
            _raise_if_imported(cursor, known.account_id, import_identity(item, options))
    finally:
        cursor.close()


def _raise_if_imported(cursor: duckdb.DuckDBPyConnection, account_id: int, identity: str) -> None:
    existing = cursor.execute(IMPORTED_SQL, [account_id, identity]).fetchone()
    if existing is not None:
        raise _AlreadyImported(int(existing[0]))


def _read_carefully(item: Prepared, deferred: CsvMembers) -> Prepared:
    """The import with the list on disk read by the careful reader instead."""
    careful = deferred.careful()
    lists: list[MemberList] = []
    for member_list in item.parsed.lists:
        if member_list.members is deferred:
            lists += [replace(c, kind=member_list.kind, snapshot_date=c.snapshot_date or member_list.snapshot_date) for c in careful.lists]
        else:
            lists.append(member_list)
    notes = item.parsed.notes + [note for note in careful.notes if note not in item.parsed.notes]
    rows = careful.rows if len(item.parsed.lists) == 1 else item.parsed.rows
    return replace(item, parsed=replace(item.parsed, lists=lists, notes=notes, rows=rows))


def _load_prepared(store: Store, item: Prepared, options: ImportOptions, detail: Detail | None) -> Outcome:
    platform = normalize_platform(options.platform)
    with store.transaction() as cursor:
        known = find_account(cursor, options.account.strip())
        # A big file's checksum may still be computed (SourceFile.checksum_in_background): its
        # list is read into the store meanwhile, and the import rolls back if the checksum then
        # shows the file was imported already. Unless the account has an import of that name:
        # then it is likely the same file again (a folder of daily lists imported once more),
        # and waiting for its checksum spares reading it (a million rows: 0.5 s against 1.9 s).
        checked = item.sha256_ready or (
            known is not None and bool(cursor.execute(IMPORTED_NAME_SQL, [known.account_id, item.name]).fetchall()[0][0])
        )
        if known is not None and checked:
            _raise_if_imported(cursor, known.account_id, import_identity(item, options))
        staged = stage_lists(cursor, item.parsed, detail, known.account_id if known is not None else None)
        identity = import_identity(item, options)
        if known is not None and not checked:
            _raise_if_imported(cursor, known.account_id, identity)
        # Only the user's own --platform goes to get_or_create_account: the file's platform is
        # checked just below, where the error can name the file (and a new account takes it).
        account = get_or_create_account(cursor, options.account, platform)
        if item.parsed.platform and account.platform and item.parsed.platform != account.platform:
            raise BadExportError(
                item.name,
                _("platform"),
                _export_for(PLATFORMS[account.platform], account.name),
                _export_of(PLATFORMS[item.parsed.platform], _(item.label)),
            )
        if account.platform is None and item.parsed.platform:
            cursor.execute("UPDATE accounts SET platform = ? WHERE account_id = ?", [item.parsed.platform, account.account_id])
        if item.parsed.account_handle:
            cursor.execute(
                "UPDATE accounts SET handle = ? WHERE account_id = ? AND handle IS NULL",
                [item.parsed.account_handle, account.account_id],
            )
        import_id = record_import(cursor, account.account_id, item.name, identity, item.parsed.format, item.parsed.rows or 0)
        parsed = _with_profile_counts(item, options)
        counts = load_parsed(cursor, account.account_id, import_id, parsed, snapshot_dates(item, options), detail, staged)
        facts = _summary_facts(item, counts)
        # The line as written now stays beside the facts: what an older Palier (or a reader of
        # the store file) shows.
        summary = summary_line(facts)
        finish_import(cursor, import_id, summary, counts, facts.to_json())
        if item.parsed.rows is None:
            record_rows(cursor, import_id, counts.rows)
    rows = item.parsed.rows if item.parsed.rows is not None else counts.rows
    return Outcome(item.name, "imported", item.parsed.format, item.label, import_id, rows, summary, notes=item.parsed.notes,
                   facts=facts)


def record_follower_counts(store: Store, options: ImportOptions) -> Outcome | None:
    """Store follower totals the user typed (`--followers-on D=N`) as their own import."""
    if not options.followers_on:
        return None
    import pandas as pd

    items = sorted(options.followers_on.items())
    name = "followers entered by hand: " + ", ".join(f"{d.isoformat()}={n}" for d, n in items)
    daily = typed_frame(
        [{"day": pd.Timestamp(d), "metric": "followers", "value": n} for d, n in items], DAILY_DTYPES
    )
    digest = hashlib.sha256(f"{options.account}\n{name}".encode()).hexdigest()
    try:
        return _record_follower_counts(store, options, name, daily, digest, items)
    except _AlreadyImported as known:
        return Outcome(name, "unchanged", MANUAL_ANCHOR_FORMAT, "follower totals", known.import_id, len(items), "already recorded")


def _record_follower_counts(
    store: Store, options: ImportOptions, name: str, daily: pd.DataFrame, digest: str, items: list[tuple[dt.date, int]]
) -> Outcome:
    with store.transaction() as cursor:
        account = get_or_create_account(cursor, options.account, normalize_platform(options.platform))
        existing = cursor.execute(
            "SELECT import_id FROM imports WHERE account_id = ? AND sha256 = ?", [account.account_id, digest]
        ).fetchone()
        if existing is not None:
            raise _AlreadyImported(int(existing[0]))
        import_id = record_import(cursor, account.account_id, name, digest, MANUAL_ANCHOR_FORMAT, len(items))
        cursor.register("daily_frame", daily)
        try:
            cursor.execute(
                "INSERT INTO daily_values SELECT ?, CAST(day AS DATE), metric, value, ?, ? FROM daily_frame",
                [account.account_id, import_id, MANUAL_EXPORT_END],
            )
        finally:
            cursor.unregister("daily_frame")
        counts = LoadCounts(days=len(items), date_min=items[0][0], date_max=items[-1][0])
        facts = SummaryFacts(format=MANUAL_ANCHOR_FORMAT, totals=len(items))
        finish_import(cursor, import_id, summary_line(facts), counts, facts.to_json())
    return Outcome(name, "imported", MANUAL_ANCHOR_FORMAT, "follower totals", import_id, len(items),
                   _("{count} follower totals recorded").format(count=format_number(len(items))))


def _account_platform(store: Store, options: ImportOptions) -> str | None:
    """The platform the user chose, else the existing account's (None for a new account)."""
    try:
        chosen = normalize_platform(options.platform)
    except PalierError:
        return None  # reported by the import itself, with the file's name
    if chosen:
        return chosen
    cursor = store.cursor()
    try:
        account = find_account(cursor, options.account.strip())
    finally:
        cursor.close()
    return account.platform if account else None


def import_sources(
    store: Store,
    sources: Sequence[Source],
    options: ImportOptions,
    progress: Callable[[int, int, str], None] | None = None,
    detail: Detail | None = None,
) -> list[Outcome]:
    """Import every source, each in its own transaction; a failure does not stop the others.

    `progress(done, total, name)` is called before each import; `detail(fraction, message)`
    within one (see `load_prepared`)."""
    outcomes: list[Outcome] = []
    prepared = prepare(sources, _account_platform(store, options))
    total = len(prepared) + (1 if options.followers_on else 0)
    for number, item in enumerate(prepared, start=1):
        if progress:
            progress(number - 1, total, item.name)
        if isinstance(item, Outcome):
            outcomes.append(item)
            continue
        try:
            outcomes.append(load_prepared(store, item, options, detail))
        except PalierError as exc:
            outcomes.append(Outcome(item.name, "failed", item.parsed.format, item.label, error=str(exc)))
    try:
        anchor = record_follower_counts(store, options)
    except PalierError as exc:
        anchor = Outcome("follower totals", "failed", error=str(exc))
    if anchor:
        outcomes.append(anchor)
    if progress:
        progress(total, total, "done")
    return outcomes
