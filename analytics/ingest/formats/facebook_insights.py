"""Legacy Facebook Insights "Export Data", page level (about 2011 to 2020).

Row 1 names the metrics (644 to 2,681 columns, many of them dynamic), row 2 describes each
one with its first cell empty, and one row per day follows, oldest first. Palier reads three
columns: `Lifetime Total Likes` (the running page-like total, stored as the follower total, since
page likes were what a page's audience was counted in then), `Daily New Likes` (gains) and
`Daily Unlikes` (losses). An empty gain or loss cell is 0: the real files leave `Daily Unlikes`
blank on most days.

Two byte variants exist (FORMATS.md section 10b): the 2018 file is UTF-8 with a BOM, LF and ISO
dates; the 2014-2016 files seen are CRLF Windows-1252 with `M/D/YYYY` dates (an Excel re-save,
it seems). The decoder and the CSV reader take both; dates are read in either form.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.ingest.csvread import normalize_name, read_csv, split_header
from analytics.ingest.model import (
    DAILY_DTYPES,
    ExportFormat,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import parse_date, parse_int

if TYPE_CHECKING:
    pass

WHERE_TO_GET = (
    "Facebook page → Insights → Export Data → Page data (until about 2020): "
    "'Facebook Insights Data Export - <Page> - <date>.csv' (not the Post Level or Video files)."
)
PAGE_LIKES_NOTE = (
    "Lifetime Total Likes (page likes) are stored as the follower total; Daily New Likes and Daily Unlikes as gains and losses."
)
EMPTY_DAYS_NOTE = "{count} day(s) without any likes figure were left unknown."
_REQUIRED = {"date", "lifetime_total_likes"}
_METRICS: dict[str, str] = {
    "Lifetime Total Likes": "followers",
    "Daily New Likes": "new_follows",
    "Daily Unlikes": "unfollows",
}
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def _sniff(source: SourceFile) -> bool:
    return _REQUIRED <= {normalize_name(h) for h in split_header(source.head)}


def parse(source: SourceFile) -> Parsed:
    import pandas as pd
    table = read_csv(source.text, source.name)
    date_col = table.require("Date")
    columns = {metric: table.require(name) if metric == "followers" else table.column(name) for name, metric in _METRICS.items()}
    rows: list[dict[str, object]] = []
    days = 0
    empty_days = 0
    for i, row in enumerate(table.rows):
        if not row[date_col].strip():
            # The description row (`Lifetime: The total number of people who have liked your Page.`).
            if i == 0:
                continue
            raise BadExportError(source.name, table.where(i, date_col), "a date like '2018-04-01' or '4/1/2018'", "an empty cell")
        day = pd.Timestamp(parse_date(row[date_col], _DATE_FORMATS, source.name, table.where(i, date_col)))
        days += 1
        present = [(metric, col) for metric, col in columns.items() if col is not None]
        if all(not row[col].strip() for _, col in present):
            empty_days += 1  # no figure at all that day: left unknown rather than read as 0
            continue
        for metric, col in present:
            value = parse_int(row[col], source.name, table.where(i, col), blank=None if metric == "followers" else 0)
            if value is None:
                continue
            if value < 0:
                raise BadExportError(source.name, table.where(i, col), "a count of 0 or more", str(value))
            rows.append({"day": day, "metric": metric, "value": value})
    if not days:
        raise BadExportError(source.name, f"after the header (line {table.header_line})", "at least one day", "no data rows")
    return Parsed(
        format="facebook_insights_page",
        platform="facebook",
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=days,
        notes=[*table.notes, PAGE_LIKES_NOTE, *([EMPTY_DAYS_NOTE.format(count=empty_days)] if empty_days else [])],
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="facebook_insights_page",
        label="Facebook Insights page data export (legacy CSV)",
        platform="facebook",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff,
        parse=parse,
    ),
)
