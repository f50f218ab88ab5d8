"""TikTok: the data download (`user_data_tiktok.json`) and the TikTok Studio analytics CSVs.

The data download lists followers and followed accounts with the date of each follow
(`FansList` / `Following`, newest first). Three layouts exist: `"Your Activity"` (2025),
`"Profile And Settings"` (US exports of 2026) and the older `"Activity" → "Follower List"`.
An empty list is `null`. The list can be shorter than the profile's own `followerCount`; both
are kept, and the outcome says so. Members are keyed on the lower-cased username (no numeric id
is given). Dates carry no time zone: read as UTC (unverified).

Studio's legacy `FollowerHistory.csv` gives the end-of-day total and the day's net change, with
dates WITHOUT a year (`"February 28"`, or `"8 de marzo"` on a Spanish account). The years are
inferred from the rows' order (oldest first) and the export date, which only a `YYYY-MM-DD` in
the file name can give; without one the file is refused with how to give it. Studio's newer
table (`New followers`, `Lost followers`, `Net growth`) is the only TikTok export with daily
gains and losses; `NAN` and `--` are missing values.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.ingest.csvread import (
    CsvTable,
    normalize_name,
    read_csv,
    require_rows,
    split_header,
)
from analytics.ingest.formats.jsonread import (
    describe,
    head_has_key,
    head_start,
    load_json,
)
from analytics.ingest.model import (
    DAILY_DTYPES,
    MEMBER_DTYPES,
    ExportFormat,
    ListKind,
    MemberList,
    Parsed,
    SourceFile,
    members_frame,
    typed_frame,
)
from analytics.ingest.values import date_in_name, parse_date, parse_int

if TYPE_CHECKING:
    pass

DOWNLOAD_WHERE = (
    "TikTok → Settings and privacy → Account → Download your data, format JSON: "
    "upload user_data_tiktok.json (or the .zip holding it)."
)
STUDIO_WHERE = (
    "TikTok Studio → Analytics → Followers → Download data: upload FollowerHistory.csv with the "
    "day you exported it in its name (FollowerHistory 2026-02-27.csv), since its dates have no year."
)
STUDIO_TABLE_WHERE = "TikTok Studio → Analytics → Overview (or Followers) → Download data: the CSV as downloaded."

# Top-level or section keys only TikTok's data download uses (the head holds the first 8 KB).
_DOWNLOAD_KEYS = (
    "Your Activity",
    "Profile And Settings",
    "FansList",
    "ProfileMap",
    "Follower List",
    "Following List",
    "Tiktok Live",
    "TikTok Live",
    "Tiktok Shopping",
    "Income Plus Wallet Transactions",
)
# (section, list object, array) for followers and following, in the three layouts.
_FOLLOWER_PATHS = (
    ("Your Activity", "Follower", "FansList"),
    ("Profile And Settings", "Follower", "FansList"),
    ("Activity", "Follower List", "FansList"),
)
_FOLLOWING_PATHS = (
    ("Your Activity", "Following", "Following"),
    ("Profile And Settings", "Following", "Following"),
    ("Activity", "Following List", "Following"),
)
_USERNAME_KEYS = ("UserName", "Username", "userName", "username")
_DATE_KEYS = ("Date", "date")

_HISTORY_COLUMNS = {"date", "followers", "difference_in_followers_from_previous_day"}
_MISSING = {"", "undefined", "nan", "--", "-", "n/a", "null"}

# Month names of the languages TikTok Studio writes dates in ("February 28", "8 de marzo",
# "28 février", "28. Februar"), lower-cased and without accents' variants kept both ways.
_MONTHS: dict[str, int] = {}
for _names in (
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"),
    ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
    ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"),
    ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "dezember"),
    ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"),
    ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"),
):
    for _number, _name in enumerate(_names, start=1):
        _MONTHS.setdefault(_name, _number)
        _MONTHS.setdefault(_name[:3], _number)
_MONTHS["setiembre"] = 9
_DAY_MONTH = re.compile(r"^\s*(?:(\d{1,2})\.?\s*(?:de\s+)?([^\W\d_]+)\.?|([^\W\d_]+)\.?\s+(\d{1,2}))\s*,?\s*$")

# Newer Studio table column -> daily metric.
_TABLE_METRICS: dict[tuple[str, ...], str] = {
    ("New followers",): "new_follows",
    ("Lost followers",): "unfollows",
    ("Total followers",): "followers",
    ("Video views",): "video_views",
    ("Profile views",): "profile_visits",
    ("Likes",): "likes",
    ("Shares",): "shares",
    ("Comments",): "replies",
}
_COUNTS_NOT_NEGATIVE = {"new_follows", "unfollows", "followers"}


# --- the data download ----------------------------------------------------------------------


def _sniff_download(source: SourceFile) -> bool:
    return head_start(source).startswith("{") and any(head_has_key(source, key) for key in _DOWNLOAD_KEYS)


def _find(document: dict[str, object], paths: tuple[tuple[str, str, str], ...], file: str) -> tuple[str, list[object]] | None:
    """The entries at the first path present: (the path as text, the entries; [] for null)."""
    for section, holder, array in paths:
        part = document.get(section)
        if not isinstance(part, dict) or holder not in part:
            continue
        inner = part[holder]
        where = f"{section} → {holder}"
        if inner is None:
            return where, []
        if not isinstance(inner, dict):
            raise BadExportError(file, f"key {where!r}", f"an object with {array!r}", describe(inner))
        entries = inner.get(array)
        if entries is None:  # TikTok writes an empty list as null
            return f"{where} → {array}", []
        if not isinstance(entries, list):
            raise BadExportError(file, f"key '{where} → {array}'", "an array of follows (or null)", describe(entries))
        return f"{where} → {array}", entries
    return None


def _follow(entry: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise BadExportError(file, where, "an object with 'Date' and 'UserName'", describe(entry))
    username = next((entry[k] for k in _USERNAME_KEYS if k in entry), None)
    if not isinstance(username, str) or not username.strip().lstrip("@"):
        raise BadExportError(file, f"{where}, 'UserName'", "a TikTok username", describe(username))
    handle = username.strip().lstrip("@")
    date = next((entry[k] for k in _DATE_KEYS if k in entry), None)
    followed_at = None
    if date is not None:
        if not isinstance(date, str):
            raise BadExportError(file, f"{where}, 'Date'", "a date like '2025-10-01 09:31:12'", describe(date))
        try:
            followed_at = dt.datetime.strptime(date.strip(), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            raise BadExportError(file, f"{where}, 'Date'", "a date like '2025-10-01 09:31:12'", repr(date[:40])) from None
    return {
        "member_key": handle.lower(),
        "handle": handle,
        "followed_at": followed_at,
        "profile_url": f"https://www.tiktok.com/@{handle}",
    }


def _profile_map(document: dict[str, object]) -> dict[str, object]:
    profile = document.get("Profile")
    info = profile.get("Profile Info") if isinstance(profile, dict) else None
    if not isinstance(info, dict):
        settings = document.get("Profile And Settings")
        info = settings.get("Profile Info") if isinstance(settings, dict) else None
    found = info.get("ProfileMap") if isinstance(info, dict) else None
    return found if isinstance(found, dict) else {}


def parse_download(source: SourceFile) -> Parsed:
    document = load_json(source, "a TikTok user_data_tiktok.json")
    if not isinstance(document, dict):
        raise BadExportError(source.name, "top level", "an object (TikTok user_data_tiktok.json)", describe(document))
    lists: list[MemberList] = []
    notes: list[str] = []
    rows = 0
    found_any = False
    for kind, paths in (("follower", _FOLLOWER_PATHS), ("following", _FOLLOWING_PATHS)):
        found = _find(document, paths, source.name)
        if found is None:
            continue
        found_any = True
        where, entries = found
        members = [_follow(entry, source.name, f"{where}[{i}]") for i, entry in enumerate(entries)]
        # A username listed twice (seen in other platforms' lists) is one member: the newest follow.
        frame = typed_frame(members, MEMBER_DTYPES).drop_duplicates("member_key", keep="first")
        lists.append(MemberList(_kind(kind), frame.reset_index(drop=True)))
        rows += len(entries)
        if kind == "follower" and len(frame):
            dated = frame["followed_at"].dropna()
            if len(dated):
                notes.append(
                    f"follow dates kept for {len(dated)} followers, from {dated.min():%Y-%m-%d} to {dated.max():%Y-%m-%d}: "
                    "they say when each current follower followed, not how many followed and left"
                )
    if not found_any:
        raise BadExportError(
            source.name,
            "keys 'Your Activity', 'Profile And Settings' and 'Activity'",
            "a 'Follower' object with 'FansList' (the followers section of the data download)",
            f"an object with the keys {', '.join(repr(k) for k in list(document)[:10])}: download the data again with "
            "'Followers' (Your Activity) included",
        )
    profile = _profile_map(document)
    counts: dict[str, int] = {}
    for key, metric in (("followerCount", "followers"), ("followingCount", "following")):
        value = profile.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            counts[metric] = value
    listed = next((len(members_frame(m.members)) for m in lists if m.kind == "follower"), None)
    if listed is not None and "followers" in counts and counts["followers"] != listed:
        notes.append(f"the follower list holds {listed} followers, the profile reports {counts['followers']}: TikTok leaves some out")
    username = profile.get("userName")
    return Parsed(
        format="tiktok_download",
        platform="tiktok",
        lists=lists,
        account_handle=username if isinstance(username, str) and username else None,
        profile_counts=counts,
        rows=rows,
        notes=notes,
    )


def _kind(kind: str) -> ListKind:
    return "follower" if kind == "follower" else "following"


# --- Studio: FollowerHistory.csv ------------------------------------------------------------


def _sniff_history(source: SourceFile) -> bool:
    return _HISTORY_COLUMNS <= {normalize_name(h) for h in split_header(source.head)}


def _month_day(value: str, file: str, where: str) -> tuple[int, int] | dt.date:
    """`"February 28"` → (2, 28); a date with its year (a re-saved file) is returned whole."""
    text = value.strip()
    if re.match(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}$", text):
        return parse_date(text, ("%Y-%m-%d", "%Y/%m/%d"), file, where)
    match = _DAY_MONTH.match(text)
    if match:
        day, name = (match[1], match[2]) if match[1] else (match[4], match[3])
        month = _MONTHS.get(name.lower()) or _MONTHS.get(name.lower()[:3])
        if month is not None and 1 <= int(day) <= 31:
            return month, int(day)
    raise BadExportError(file, where, "a day like 'February 28' (or '8 de marzo')", repr(value[:40]))


def _years(
    month_days: list[tuple[int, int]], export_date: dt.date, file: str, wheres: list[str]
) -> list[dt.date]:
    """Dates for year-less rows, oldest first, the last one on or before the export date."""
    last_month, last_day = month_days[-1]
    year = export_date.year if (last_month, last_day) <= (export_date.month, export_date.day) else export_date.year - 1
    days: list[dt.date] = []
    following: tuple[int, int] | None = None
    for index in range(len(month_days) - 1, -1, -1):
        month, day = month_days[index]
        if following is not None and (month, day) >= following:
            year -= 1  # the rows went back across a new year
        try:
            days.append(dt.date(year, month, day))
        except ValueError:
            raise BadExportError(
                file, wheres[index], f"a day that exists in {year} (the year inferred from the export date)", f"{month}/{day}"
            ) from None
        following = (month, day)
    return days[::-1]


def parse_history(source: SourceFile) -> Parsed:
    import pandas as pd
    table: CsvTable = read_csv(source.text, source.name)
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    followers_col = table.require("Followers")
    diff_col = table.require("Difference in followers from previous day")
    wheres = [table.where(i, date_col) for i in range(len(table.rows))]
    parsed_days = [_month_day(row[date_col], source.name, wheres[i]) for i, row in enumerate(table.rows)]
    notes = list(table.notes)
    if all(isinstance(d, dt.date) for d in parsed_days):
        days = [d for d in parsed_days if isinstance(d, dt.date)]
    elif any(isinstance(d, dt.date) for d in parsed_days):
        raise BadExportError(source.name, "field 'Date'", "dates written one way throughout", "some with a year and some without")
    else:
        export_date = date_in_name(source.name)
        first, last = table.rows[0][date_col].strip(), table.rows[-1][date_col].strip()
        if export_date is None:
            raise BadExportError(
                source.name,
                f"lines {table.lines[0]} to {table.lines[-1]}, field 'Date'",
                "the day you exported the file, to give years to TikTok's year-less dates",
                f"{first!r} to {last!r} and no YYYY-MM-DD in the file name: rename the file with the export "
                "day, e.g. 'FollowerHistory 2026-02-27.csv', and import it again",
            )
        month_days = [d for d in parsed_days if isinstance(d, tuple)]
        days = _years(month_days, export_date, source.name, wheres)
        notes.append(
            f"TikTok gives no years: {first!r} to {last!r} read as {days[0]:%Y-%m-%d} to {days[-1]:%Y-%m-%d}, "
            f"from the rows' order and the export date {export_date:%Y-%m-%d} in the file name"
        )
    rows: list[dict[str, object]] = []
    previous_known = False
    for i, row in enumerate(table.rows):
        total = _count(row[followers_col], source.name, table.where(i, followers_col))
        day = pd.Timestamp(days[i])
        if total is not None:
            if total < 0:
                raise BadExportError(source.name, table.where(i, followers_col), "a follower total of 0 or more", str(total))
            rows.append({"day": day, "metric": "followers", "value": total})
        net = _count(row[diff_col], source.name, table.where(i, diff_col))
        # The first day with a total says 0 even when the total jumps from nothing: not a change.
        if net is not None and previous_known:
            rows.append({"day": day, "metric": "net_follows", "value": net})
        previous_known = total is not None
    return Parsed(
        format="tiktok_follower_history",
        platform="tiktok",
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(table.rows),
        notes=notes,
    )


def _count(value: str, file: str, where: str) -> int | None:
    if value.strip().lower() in _MISSING:
        return None
    return parse_int(value, file, where)


# --- Studio: the newer single table ---------------------------------------------------------


def _sniff_table(source: SourceFile) -> bool:
    header = {normalize_name(h) for h in split_header(source.head)}
    if not {"date", "new_followers"} <= header:
        return False
    return "lost_followers" in header or {"total_followers", "reached_audience"} <= header


def parse_table(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    columns = {metric: table.column(*names) for names, metric in _TABLE_METRICS.items()}
    net_col = table.column("Net growth")
    rows: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        day = pd.Timestamp(parse_date(row[date_col], ("%Y/%m/%d", "%Y-%m-%d"), source.name, table.where(i, date_col)))
        values: dict[str, int] = {}
        for metric, col in columns.items():
            if col is None:
                continue
            value = _count(row[col], source.name, table.where(i, col))
            if value is None:
                continue
            if value < 0 and metric in _COUNTS_NOT_NEGATIVE:
                raise BadExportError(source.name, table.where(i, col), "a count of 0 or more", str(value))
            values[metric] = value
        # The net is new minus lost (62 of 62 days checked): kept only where they are not given.
        if net_col is not None and not {"new_follows", "unfollows"} <= values.keys():
            net = _count(row[net_col], source.name, table.where(i, net_col))
            if net is not None:
                values["net_follows"] = net
        rows += [{"day": day, "metric": metric, "value": value} for metric, value in values.items()]
    return Parsed(
        format="tiktok_studio_table",
        platform="tiktok",
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(table.rows),
        notes=list(table.notes),
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="tiktok_download",
        label="TikTok data download (user_data_tiktok.json)",
        platform="tiktok",
        where_to_get=DOWNLOAD_WHERE,
        sniff=_sniff_download,
        parse=parse_download,
        member_pattern=r"(?:^|/)user_data(?:_tiktok)?\.json$",
    ),
    ExportFormat(
        key="tiktok_follower_history",
        label="TikTok Studio follower history (FollowerHistory.csv)",
        platform="tiktok",
        where_to_get=STUDIO_WHERE,
        sniff=_sniff_history,
        parse=parse_history,
        member_pattern=r"(?:^|/)FollowerHistory[^/]*\.csv$",
    ),
    ExportFormat(
        key="tiktok_studio_table",
        label="TikTok Studio daily table (New followers, Lost followers, Net growth)",
        platform="tiktok",
        where_to_get=STUDIO_TABLE_WHERE,
        sniff=_sniff_table,
        parse=parse_table,
    ),
)
