"""Legacy analytics.twitter.com CSVs (until about 2023): per-tweet and daily tweet activity.

Every field is quoted, tweet text holds real newlines, counts are written as floats ("89.0")
and promoted columns are "-" when a tweet was not promoted. Only organic figures are stored:
the posts and daily tables have no promoted columns, and adding promoted reach to organic reach
would make these months incomparable with X Premium exports.

The site wrote headers in the UI language (`..._ja.csv`); their spelling was never verified, so
a file that looks like one of these exports with a non-English header is refused with a clear
message instead of being guessed at.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.csvread import (
    CsvTable,
    normalize_name,
    read_csv,
    require_rows,
    split_header,
)
from analytics.ingest.formats.x_premium import count, handle_from_links, post_id_of
from analytics.ingest.model import DAILY_DTYPES, POST_DTYPES, ExportFormat, Parsed, SourceFile, typed_frame
from analytics.ingest.values import parse_date, plausible_day

if TYPE_CHECKING:
    pass

PLATFORM = "x"

# Per-tweet column -> posts column. `favorites` is the pre-2015 name of `likes`; legacy
# `follows` (follows attributed to the tweet) is what X Premium calls a post's `New follows`.
TWEET_METRICS: dict[str, tuple[str, ...]] = {
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "reposts": ("retweets",),
    "replies": ("replies",),
    "likes": ("likes", "favorites"),
    "profile_visits": ("user profile clicks",),
    "url_clicks": ("url clicks",),
    "hashtag_clicks": ("hashtag clicks",),
    "detail_expands": ("detail expands",),
    "permalink_clicks": ("permalink clicks",),
    "new_follows": ("follows",),
}

# Daily column -> daily metric. Here `follows` are only the follows attributed to tweets, not
# all new followers, hence `post_follows` and never `new_follows`.
DAILY_METRICS_MAP: dict[str, tuple[str, ...]] = {
    "posts_published": ("Tweets published",),
    "impressions": ("impressions",),
    "engagements": ("engagements",),
    "reposts": ("retweets",),
    "replies": ("replies",),
    "likes": ("likes", "favorites"),
    "profile_visits": ("user profile clicks",),
    "url_clicks": ("url clicks",),
    "hashtag_clicks": ("hashtag clicks",),
    "detail_expands": ("detail expands",),
    "permalink_clicks": ("permalink clicks",),
    "post_follows": ("follows",),
    "media_views": ("media views",),
    "media_engagements": ("media engagements",),
}

TWEET_HEADER_START = ("Tweet id", "Tweet permalink", "Tweet text", "time")
DAILY_HEADER_START = ("Date", "Tweets published", "impressions", "engagements")
TWEET_COLUMNS = 40
DAILY_COLUMNS = 38

# tweet_activity_metrics_<handle>_<YYYYMMDD>_<YYYYMMDD>_<lang>.csv, maybe with " (1)".
FILE_NAME = re.compile(
    r"^(?P<daily>daily_)?tweet_activity_metrics_(?P<handle>\w+?)_(?P<start>\d{8})_(?P<end>\d{8})_(?P<lang>[A-Za-z-]+)",
    re.IGNORECASE,
)


def _name_match(source: SourceFile) -> re.Match[str] | None:
    return FILE_NAME.match(source.base_name)


def _normalized(header: list[str]) -> set[str]:
    return {normalize_name(h) for h in header}


def _all_quoted_fields(source: SourceFile) -> int:
    """How many fields the header has if every one of them is quoted (the legacy style), else 0."""
    line = source.head.split("\n", 1)[0].rstrip("\r")
    if not (line.startswith('"') and line.endswith('"')):
        return 0
    return len(split_header(source.head))


def _second_line(source: SourceFile) -> str:
    parts = source.head.split("\n", 2)
    return parts[1] if len(parts) > 1 else ""


def _looks_like_tweets(source: SourceFile) -> bool:
    """English or not: the per-tweet export's shape (40 quoted fields, tweet permalinks)."""
    match = _name_match(source)
    fields = _all_quoted_fields(source)
    if match and not match["daily"] and fields >= 20:
        return True
    return fields == TWEET_COLUMNS and "/status/" in _second_line(source)


def _looks_like_daily(source: SourceFile) -> bool:
    match = _name_match(source)
    fields = _all_quoted_fields(source)
    if match and match["daily"] and fields >= 20:
        return True
    return fields == DAILY_COLUMNS and re.match(r'^"\d{4}-\d{2}-\d{2}","', _second_line(source)) is not None


def _sniff_tweets(source: SourceFile) -> bool:
    header = _normalized(split_header(source.head))
    if {"tweet_id", "tweet_permalink", "time"} <= header:
        return True
    return "date" not in header and _looks_like_tweets(source)


def _sniff_daily(source: SourceFile) -> bool:
    header = _normalized(split_header(source.head))
    if {"date", "tweets_published", "impressions"} <= header:
        return True
    return "tweet_id" not in header and _looks_like_daily(source)


def _require_english(table: CsvTable, expected: tuple[str, ...], what: str) -> None:
    if table.column(expected[0]) is not None:
        return
    shown = ", ".join(repr(h) for h in table.header[:6])
    raise BadExportError(
        table.file,
        _('header (line {header_line})').format(header_line=table.header_line),
        _('the English column names of the legacy {what} ({value}, ...)').format(what=what, value=', '.join(repr(n) for n in expected)),
        _(
            'the columns {shown}, ...: this looks like the same export in another language. Palier reads only the English header, '
            'because the translated column names have not been verified; please report this header so it can be supported'
        ).format(shown=shown),
    )


def _tweet_time(value: str, file: str, where: str) -> dt.datetime:
    text = value.strip()
    for fmt in ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M"):
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
        return parsed
    raise BadExportError(file, where, _("a time like '2021-08-31 19:53 +0000'"), repr(value[:60]))


def _handle_from_name(source: SourceFile) -> str | None:
    match = _name_match(source)
    return match["handle"] if match else None


def _promoted_count(table: CsvTable) -> int:
    col = table.column("promoted impressions")
    if col is None:
        return 0
    return sum(1 for row in table.rows if row[col].strip() not in ("", "-"))


def parse_tweets(source: SourceFile) -> Parsed:
    table = read_csv(source.text, source.name)
    _require_english(table, TWEET_HEADER_START, "tweet activity export (tweet_activity_metrics_*.csv)")
    require_rows(table, "at least one tweet")
    id_col = table.require("Tweet id")
    link_col = table.require("Tweet permalink")
    text_col = table.require("Tweet text")
    time_col = table.require("time")
    table.require("impressions")
    columns = {metric: table.column(*names) for metric, names in TWEET_METRICS.items()}
    notes = list(table.notes)
    posts: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        link = row[link_col].strip()
        post: dict[str, object] = {
            "post_id": post_id_of(row[id_col], link, source.name, table.where(i, id_col), notes),
            "posted_at": _tweet_time(row[time_col], source.name, table.where(i, time_col)),
            "has_time": True,
            "text": html.unescape(row[text_col]) or None,
            "link": link or None,
        }
        for metric, col in columns.items():
            post[metric] = None if col is None else count(table, row, i, col)
        posts.append(post)
    promoted = _promoted_count(table)
    if promoted:
        notes.append(f"{promoted} promoted tweet{'s' if promoted > 1 else ''}: only organic figures are kept")
    return Parsed(
        format="twitter_legacy_tweets",
        platform=PLATFORM,
        posts=typed_frame(posts, POST_DTYPES),
        account_handle=handle_from_links([row[link_col] for row in table.rows]) or _handle_from_name(source),
        rows=len(posts),
        notes=notes,
    )


def parse_daily(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    _require_english(table, DAILY_HEADER_START, "daily tweet activity export (daily_tweet_activity_metrics_*.csv)")
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    table.require("impressions")
    columns = {metric: table.column(*names) for metric, names in DAILY_METRICS_MAP.items()}
    rows: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        day = pd.Timestamp(
            plausible_day(
                parse_date(row[date_col], ("%Y-%m-%d", "%m/%d/%Y"), source.name, table.where(i, date_col)),
                source.name,
                table.where(i, date_col),
            )
        )
        for metric, col in columns.items():
            if col is None:
                continue
            value = count(table, row, i, col)
            if value is not None:
                rows.append({"day": day, "metric": metric, "value": value})
    notes = list(table.notes)
    promoted = _promoted_count(table)
    if promoted:
        notes.append(f"{promoted} day{'s' if promoted > 1 else ''} with promoted tweets: only organic figures are kept")
    return Parsed(
        format="twitter_legacy_daily",
        platform=PLATFORM,
        daily=typed_frame(rows, DAILY_DTYPES),
        account_handle=_handle_from_name(source),
        rows=len(table.rows),
        notes=notes,
    )


WHERE_TO_GET = (
    "analytics.twitter.com → Tweets → Export data (the site closed in 2023; files saved before then "
    "are named {}tweet_activity_metrics_<handle>_<start>_<end>_<lang>.csv)"
)

FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="twitter_legacy_tweets",
        label=N_("Legacy Twitter analytics: tweet activity CSV (per tweet)"),
        platform=PLATFORM,
        where_to_get=WHERE_TO_GET.format("") + ", 'By Tweet'.",
        sniff=_sniff_tweets,
        parse=parse_tweets,
    ),
    ExportFormat(
        key="twitter_legacy_daily",
        label=N_("Legacy Twitter analytics: daily tweet activity CSV"),
        platform=PLATFORM,
        where_to_get=WHERE_TO_GET.format("daily_") + ", 'By day'.",
        sniff=_sniff_daily,
        parse=parse_daily,
    ),
)
