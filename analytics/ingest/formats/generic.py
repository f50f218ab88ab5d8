"""Palier's own generic CSVs: a follower-count history and a follower-list snapshot.

Both accept common header spellings in English and in French (case, spaces, accents:
`Followers` / `follower_count` / `Abonnés`), comma, semicolon or tab separators, and dates as
`YYYY-MM-DD`, ISO datetimes, or `DD/MM/YYYY` as a French Excel writes them (the order of
day and month settled by the whole file, see values.numeric_date_order). The README documents
the columns.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest import fastlist
from analytics.ingest.csvread import (
    CsvTable,
    normalize_name,
    read_csv,
    require_rows,
    split_header,
)
from analytics.ingest.model import (
    DAILY_DTYPES,
    MEMBER_DTYPES,
    ExportFormat,
    ListKind,
    MemberList,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import (
    DateOrder,
    check_count,
    numeric_date_order,
    parse_bool,
    parse_date,
    parse_int,
    parse_iso_datetime,
    parse_numeric_date,
    plausible_day,
)

if TYPE_CHECKING:
    pass

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ")

# French spellings as a French spreadsheet heads them, accents dropped by normalize_name.
DATE_NAMES = ("date", "day", "snapshot_date", "jour", "date_du_releve")
FOLLOWER_NAMES = (
    "followers", "follower_count", "followers_count", "follower", "followers_total", "total_followers",
    "abonnes", "nombre_d_abonnes", "nb_abonnes", "total_abonnes",
)
FOLLOWING_NAMES = (
    "following", "following_count", "follows", "follows_count", "friends", "friends_count",
    "abonnements", "nombre_d_abonnements", "nb_abonnements",
)
POSTS_NAMES = (
    "posts", "posts_count", "post_count", "tweets", "statuses", "statuses_count", "media_count",
    "publications", "nombre_de_publications", "nb_publications",
)

# List columns: canonical name -> accepted spellings (normalised).
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "handle": (
        "handle", "username", "user_name", "screen_name", "login", "acct", "account", "user",
        "pseudo", "identifiant", "nom_d_utilisateur", "compte",
    ),
    "id": ("id", "user_id", "account_id", "userid", "did"),
    "name": ("name", "display_name", "displayname", "full_name", "nom", "nom_affiche", "nom_complet"),
    "bio": ("bio", "description", "note", "about", "biographie"),
    "location": ("location", "place", "city", "lieu", "localisation", "ville"),
    "followers_count": FOLLOWER_NAMES,
    "following_count": FOLLOWING_NAMES,
    "posts_count": POSTS_NAMES,
    "created_at": ("created_at", "created", "joined", "account_created", "join_date", "cree_le", "date_de_creation", "inscrit_le"),
    "last_post_at": (
        "last_post_at", "last_post", "last_status_at", "last_tweet_at", "last_active",
        "derniere_publication", "date_de_derniere_publication",
    ),
    "default_avatar": ("default_avatar", "default_profile_image", "no_avatar", "egg", "avatar_par_defaut", "tete_d_oeuf"),
    "verified": ("verified", "is_verified", "blue_verified", "verifie", "certifie"),
    "snapshot_date": ("snapshot_date", "snapshot", "collected_on", "as_of", "date_du_releve", "releve_du"),
}


def _has(header: list[str], names: tuple[str, ...]) -> bool:
    normalized = {normalize_name(h) for h in header}
    return any(normalize_name(n) in normalized for n in names)


def _sniff_counts(source: SourceFile) -> bool:
    header = split_header(source.head)
    return _has(header, ("date", "day", "jour")) and _has(header, FOLLOWER_NAMES) and not _has(header, LIST_COLUMNS["handle"])


def _sniff_list(source: SourceFile) -> bool:
    return _has(split_header(source.head), LIST_COLUMNS["handle"])


def _parse_day(value: str, file: str, where: str, order: DateOrder | None = None) -> dt.date:
    text = value.strip()
    if "T" in text or text.endswith("Z"):
        return plausible_day(parse_iso_datetime(text, file, where).date(), file, where)
    if order is not None:
        day = parse_numeric_date(text, order, file, where)
        if day is not None:
            return plausible_day(day, file, where)
    return plausible_day(parse_date(text, DATE_FORMATS, file, where), file, where)


def _column_order(table: CsvTable, col: int | None) -> DateOrder | None:
    """The day/month order of a date column's `dd/mm/yyyy` values, settled over the whole file."""
    if col is None:
        return None
    return numeric_date_order(table.values(col), table.file, lambda i: table.where(i, col))


def parse_counts(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    require_rows(table)
    date_col = table.require(*DATE_NAMES)
    order = _column_order(table, date_col)
    metrics = {
        "followers": table.require(*FOLLOWER_NAMES),
        "following": table.column(*FOLLOWING_NAMES),
        "posts_total": table.column(*POSTS_NAMES),
    }
    rows = []
    for i, row in enumerate(table.rows):
        day = _parse_day(row[date_col], source.name, table.where(i, date_col), order)
        for metric, col in metrics.items():
            if col is None:
                continue
            value = parse_int(row[col], source.name, table.where(i, col))
            if value is not None:
                if value < 0:
                    raise BadExportError(source.name, table.where(i, col), _("a count of 0 or more"), str(value))
                rows.append({"day": pd.Timestamp(day), "metric": metric, "value": value})
    return Parsed(
        format="generic_counts",
        platform=None,
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(table.rows),
        notes=list(table.notes),
    )


def _optional(table: CsvTable, canonical: str) -> int | None:
    return table.column(*LIST_COLUMNS[canonical])


def _list_kind(source: SourceFile) -> ListKind:
    # A generic list is a follower list unless its name says it is the accounts followed.
    return "following" if "following" in source.base_name.lower() else "follower"


def parse_list(source: SourceFile) -> Parsed:
    kind = _list_kind(source)
    # Big lists: DuckDB reads and checks them in SQL. It declines (None) whatever it cannot
    # vouch for, and the careful reader below then parses the file and names the bad field.
    fast = fastlist.parse(
        source,
        LIST_COLUMNS,
        lambda lists, rows, notes: Parsed(
            format="generic_list", platform=None, rows=rows, notes=notes,
            lists=[MemberList(kind, members, day) for day, members in lists],
        ),
        careful=lambda: parse_list_carefully(source),
    )
    if isinstance(fast, Parsed):
        return fast
    return parse_list_carefully(source)


def parse_list_carefully(source: SourceFile) -> Parsed:
    """The careful reader: Python's csv module, each field checked, the bad one named."""
    kind = _list_kind(source)
    table = read_csv(source.text, source.name, allow_short_rows=True)
    require_rows(table, _("at least one follower row"))
    cols = {name: _optional(table, name) for name in LIST_COLUMNS}
    orders = {name: _column_order(table, cols[name]) for name in ("created_at", "last_post_at", "snapshot_date")}
    handle_col = table.require(*LIST_COLUMNS["handle"])
    by_date: dict[dt.date | None, list[dict[str, object]]] = {}
    for i, row in enumerate(table.rows):
        handle = row[handle_col].strip().lstrip("@")
        if not handle:
            raise BadExportError(source.name, table.where(i, handle_col), _("a handle"), _("an empty field"))

        def text(name: str) -> str | None:
            col = cols[name]
            return None if col is None else row[col].strip()

        # Each field is read with its place left blank, and the place ("line 12, field 'bio'")
        # is worded only when the field is refused: worded for each of a million rows' nine
        # checked fields, it took a third of the careful reader's time.
        def number(name: str) -> int | None:
            col = cols[name]
            if col is None:
                return None
            try:
                # The same rule as a counts CSV: a negative or 64-bit-overflowing count is refused.
                value = parse_int(row[col], source.name, "")
                return None if value is None else check_count(value, source.name, "")
            except BadExportError as exc:
                raise exc.at(table.where(i, col)) from None

        def moment(name: str) -> dt.datetime | None:
            col = cols[name]
            if col is None or not row[col].strip():
                return None
            value = row[col].strip()
            try:
                if len(value) <= 10:
                    return dt.datetime.combine(_parse_day(value, source.name, "", orders[name]), dt.time())
                return parse_iso_datetime(value, source.name, "")
            except BadExportError as exc:
                raise exc.at(table.where(i, col)) from None

        def flag(name: str) -> bool | None:
            col = cols[name]
            if col is None:
                return None
            try:
                return parse_bool(row[col], source.name, "")
            except BadExportError as exc:
                raise exc.at(table.where(i, col)) from None

        platform_id = text("id") or None
        member = {
            "member_key": platform_id or handle.lower(),
            "platform_id": platform_id,
            "handle": handle,
            "name": text("name"),
            "bio": text("bio"),
            "location": text("location"),
            "followers_count": number("followers_count"),
            "following_count": number("following_count"),
            "posts_count": number("posts_count"),
            "created_at": moment("created_at"),
            "last_post_at": moment("last_post_at"),
            "default_avatar": flag("default_avatar"),
            "verified": flag("verified"),
        }
        snapshot_col = cols["snapshot_date"]
        snapshot = None
        if snapshot_col is not None and row[snapshot_col].strip():
            snapshot = _parse_day(row[snapshot_col], source.name, table.where(i, snapshot_col), orders["snapshot_date"])
        by_date.setdefault(snapshot, []).append(member)
    lists = [MemberList(kind, typed_frame(members, MEMBER_DTYPES), day) for day, members in by_date.items()]
    return Parsed(format="generic_list", platform=None, lists=lists, rows=len(table.rows), notes=list(table.notes))


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="generic_counts",
        label=N_("Follower-count history CSV (Palier generic)"),
        platform=None,
        where_to_get=N_("Any spreadsheet with a date and a follower count per row (see the README's column list)."),
        sniff=_sniff_counts,
        parse=parse_counts,
    ),
    ExportFormat(
        key="generic_list",
        label=N_("Follower list snapshot CSV (Palier generic)"),
        platform=None,
        where_to_get=N_("Any follower list with a handle per row, from a tool or written by hand (see the README)."),
        sniff=_sniff_list,
        parse=parse_list,
    ),
)
