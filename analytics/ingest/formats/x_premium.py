"""X Premium analytics CSVs: the daily account overview and the per-post content export.

Both come from x.com/i/account_analytics. X has shipped two spellings of the content header
(FORMATS.md 2a and 2b); both are read by normalised column names, so case and the `Share` /
`Shares`, `Link` / `Post Link` differences do not matter. Detection looks at the header only:
browsers rename repeated downloads (`account_overview_analytics (1).csv`) and people rename files.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.csvread import CsvTable, normalize_name, read_csv, require_rows, split_header
from analytics.ingest.model import DAILY_DTYPES, POST_DTYPES, ExportFormat, Parsed, SourceFile, typed_frame
from analytics.ingest.values import parse_int, plausible_day

if TYPE_CHECKING:
    pass

PLATFORM = "x"

# X writes "Mon, Mar 2, 2026" (overview, current content) or "Mon Feb 17 2025" (older content);
# an Excel re-save rewrites dates in the machine's style, so ISO and US short dates are accepted
# too. strptime's %d and %m accept unpadded numbers.
DATE_FORMATS: tuple[str, ...] = (
    "%a, %b %d, %Y",
    "%a %b %d %Y",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d/%Y",
    "%m/%d/%y",
)
DATE_EXAMPLES = "'Mon, Mar 2, 2026', 'Mon Mar 02 2026', '2026-03-02' or '3/2/2026'"

# Overview column -> daily metric (DAILY_METRICS). The overview has no follower total.
OVERVIEW_METRICS: dict[str, tuple[str, ...]] = {
    "impressions": ("Impressions",),
    "likes": ("Likes",),
    "engagements": ("Engagements",),
    "bookmarks": ("Bookmarks",),
    "shares": ("Shares", "Share"),
    "new_follows": ("New follows",),
    "unfollows": ("Unfollows",),
    "replies": ("Replies",),
    "reposts": ("Reposts",),
    "profile_visits": ("Profile visits",),
    "posts_created": ("Create Post",),
    "video_views": ("Video views",),
    "media_views": ("Media views",),
}

# Content column -> posts column (POST_DTYPES). Current and older spellings normalise alike
# except where listed twice.
CONTENT_METRICS: dict[str, tuple[str, ...]] = {
    "impressions": ("Impressions",),
    "likes": ("Likes",),
    "engagements": ("Engagements",),
    "bookmarks": ("Bookmarks",),
    "shares": ("Shares", "Share"),
    "new_follows": ("New follows",),
    "replies": ("Replies",),
    "reposts": ("Reposts",),
    "profile_visits": ("Profile visits",),
    "detail_expands": ("Detail Expands",),
    "url_clicks": ("URL Clicks",),
    "hashtag_clicks": ("Hashtag Clicks",),
    "permalink_clicks": ("Permalink Clicks",),
}

# https://x.com/<handle>/status/<id>; the ghost row has `undefined` for the id. Older links and
# legacy permalinks use twitter.com.
STATUS_LINK = re.compile(
    r"^\s*https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?P<handle>[A-Za-z0-9_]{1,50})/status(?:es)?/(?P<id>\d+|undefined)\b"
)
POST_ID = re.compile(r"\d{1,20}")
ROUNDED_ID_NOTE = "post ids that a spreadsheet had rounded were read from each post's link"


def _normalized_header(source: SourceFile) -> set[str]:
    return {normalize_name(h) for h in split_header(source.head)}


def _sniff_overview(source: SourceFile) -> bool:
    header = _normalized_header(source)
    return {"date", "impressions", "unfollows"} <= header and "post_id" not in header


def _sniff_content(source: SourceFile) -> bool:
    header = _normalized_header(source)
    return {"post_id", "date", "impressions"} <= header and bool({"post_link", "link"} & header)


def parse_x_date(value: str, file: str, where: str) -> dt.date:
    text = value.strip()
    for fmt in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return plausible_day(day, file, where)
    raise BadExportError(file, where, _('a date like {DATE_EXAMPLES}').format(DATE_EXAMPLES=DATE_EXAMPLES), repr(value[:60]))


def count(table: CsvTable, row: list[str], i: int, col: int) -> int | None:
    """A non-negative whole number, or None when blank; errors name the line and the column."""
    value = parse_int(row[col], table.file, table.where(i, col))
    if value is not None and value < 0:
        raise BadExportError(table.file, table.where(i, col), _("a count of 0 or more"), str(value))
    return value


def handle_from_links(links: list[str]) -> str | None:
    """The exporting account's handle: the most common one in the status links."""
    seen: dict[str, int] = {}
    for link in links:
        match = STATUS_LINK.match(link)
        if match:
            seen[match["handle"]] = seen.get(match["handle"], 0) + 1
    return max(seen, key=lambda h: seen[h]) if seen else None


def post_id_of(raw: str, link: str, file: str, where: str, notes: list[str]) -> str:
    """The post id as a string of digits, from the id column or else from the post's link."""
    text = raw.strip()
    if POST_ID.fullmatch(text):
        return text
    match = STATUS_LINK.match(link)
    if match and match["id"] != "undefined":
        # A spreadsheet re-save turns 19-digit ids into 2.08123E+18; the link keeps them whole.
        if ROUNDED_ID_NOTE not in notes:
            notes.append(ROUNDED_ID_NOTE)
        return match["id"]
    found = repr(raw[:60])
    if re.fullmatch(r"[0-9.,]+[eE][+]?\d+", text):
        found += " (a spreadsheet rounded the 19-digit id: import the file as downloaded)"
    raise BadExportError(file, where, _("a post id made of digits like '2081234567890123457'"), found)


def parse_overview(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    table.require("Impressions")
    columns = {metric: table.column(*names) for metric, names in OVERVIEW_METRICS.items()}
    notes = list(table.notes)
    missing = [names[0] for metric, names in OVERVIEW_METRICS.items() if columns[metric] is None]
    if missing:
        notes.append(f"columns not in this file: {', '.join(missing)}")
    rows: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        day = pd.Timestamp(parse_x_date(row[date_col], source.name, table.where(i, date_col)))
        for metric, col in columns.items():
            if col is None:
                continue
            value = count(table, row, i, col)
            if value is not None:
                rows.append({"day": day, "metric": metric, "value": value})
    return Parsed(
        format="x_overview",
        platform=PLATFORM,
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(table.rows),
        notes=notes,
    )


def _is_ghost(row: list[str], id_col: int, date_col: int, link: str) -> bool:
    # X adds a row for a post it cannot resolve: empty id and date, link ending status/undefined.
    match = STATUS_LINK.match(link)
    return not row[id_col].strip() and not row[date_col].strip() and (match is None or match["id"] == "undefined")


def parse_content(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    require_rows(table, "at least one post")
    id_col = table.require("Post id")
    date_col = table.require("Date")
    text_col = table.column("Post text")
    link_col = table.require("Post Link", "Link")
    columns = {metric: table.column(*names) for metric, names in CONTENT_METRICS.items()}
    notes = list(table.notes)
    posts: list[dict[str, object]] = []
    ghosts = 0
    for i, row in enumerate(table.rows):
        link = row[link_col].strip()
        if _is_ghost(row, id_col, date_col, link):
            ghosts += 1
            continue
        post_id = post_id_of(row[id_col], link, source.name, table.where(i, id_col), notes)
        day = parse_x_date(row[date_col], source.name, table.where(i, date_col))
        text = html.unescape(row[text_col]) if text_col is not None else ""
        post: dict[str, object] = {
            "post_id": post_id,
            "posted_at": pd.Timestamp(day),
            "has_time": False,
            # An empty text says nothing; None lets an archive's full text show instead.
            "text": text or None,
            "link": link or None,
        }
        for metric, col in columns.items():
            post[metric] = None if col is None else count(table, row, i, col)
        posts.append(post)
    if ghosts:
        notes.append(f"skipped {ghosts} placeholder row{'s' if ghosts > 1 else ''} without a post (status/undefined)")
    return Parsed(
        format="x_content",
        platform=PLATFORM,
        posts=typed_frame(posts, POST_DTYPES),
        account_handle=handle_from_links([row[link_col] for row in table.rows]),
        rows=len(posts),
        notes=notes,
    )


WHERE_TO_GET = "x.com → More → Premium → Analytics (x.com/i/account_analytics) → Export data"

FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="x_overview",
        label=N_("X Premium account overview CSV"),
        platform=PLATFORM,
        where_to_get=f"{WHERE_TO_GET} → Account overview (account_overview_analytics.csv).",
        sniff=_sniff_overview,
        parse=parse_overview,
    ),
    ExportFormat(
        key="x_content",
        label=N_("X Premium content CSV (per post)"),
        platform=PLATFORM,
        where_to_get=f"{WHERE_TO_GET} → Content (account_analytics_content_<start>_<end>.csv).",
        sniff=_sniff_content,
        parse=parse_content,
    ),
)
