"""YouTube Studio analytics export (Advanced mode → Export → CSV).

The download is a zip or folder `Content <start>_<end> <channel>` holding three CSVs:
- `Totals.csv`: `Date,<the chart's metric>`, the whole channel per day. With `Subscribers` it is
  the daily NET change (gained − lost, negative on some days), stored as `net_follows`; with
  `Subscribers gained` or `Subscribers lost` chosen as the chart's metric, it is that series.
  It never states a subscriber total: the curve is the change since the first day until a
  total is typed on the Import page.
- `Chart data.csv`: the same metric per day for each CHARTED item only (a few videos or
  countries), not the channel: read, checked, and left out of the channel's figures.
- `Table data.csv`: one row per item over the whole period, with a `Total` row: no days, so
  its subscriber totals are said in the outcome, not stored. With Date chosen as the dimension
  (inferred from "the first column is the dimension"; no such file was seen) it has one row per
  day and every chosen metric, `Subscribers gained` and `Subscribers lost` included: read like
  Totals.csv, the daily gains and losses stored.
Excel re-saves write `13-06-2025` or `1/1/2022`: the order is settled by the file as a whole
(`dayorder`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.ingest.csvread import (
    CsvTable,
    normalize_name,
    read_csv,
    require_rows,
    split_header,
)
from analytics.ingest.formats.dayorder import settle_dates
from analytics.ingest.model import (
    DAILY_DTYPES,
    ExportFormat,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import parse_int

if TYPE_CHECKING:
    import pandas as pd

WHERE_TO_GET = (
    "YouTube Studio → Analytics → Advanced mode → Export current view → Comma-separated values (.csv); "
    "choose Subscribers (or Subscribers gained / lost) as the chart's metric, and upload the "
    "'Content <start>_<end> <channel>' zip or its Totals.csv."
)
# Chart metric -> daily metric. Subscribers is the net change, never a total.
_METRICS: dict[str, str] = {
    "subscribers": "net_follows",
    "subscribers_gained": "new_follows",
    "subscribers_lost": "unfollows",
    "views": "video_views",
    "impressions": "impressions",
    "likes": "likes",
    "shares": "shares",
    "comments_added": "replies",
}
_NOT_NEGATIVE = {"new_follows", "unfollows", "video_views", "impressions"}
# Every metric name seen in Studio exports, to recognise a Totals.csv of another metric.
_KNOWN_METRICS = {
    normalize_name(name)
    for name in (
        "Views", "Watch time (hours)", "Subscribers", "Subscribers gained", "Subscribers lost", "Impressions",
        "Impressions click-through rate (%)", "Average view duration", "Average percentage viewed (%)",
        "Stayed to watch (%)", "Engaged views", "Unique viewers", "New viewers", "Returning viewers",
        "Regular viewers", "Casual viewers", "Likes", "Dislikes", "Likes (vs. dislikes) (%)", "Shares",
        "Comments added", "YouTube Premium views", "Shown in feed", "Viewed (vs. swiped away) (%)",
        "Estimated revenue (USD)",
    )
}
_DIMENSIONS = {"content", "subscription_status", "geography", "traffic_source", "device_type", "date"}
_SUBSCRIBER_METRICS = ("Subscribers", "Subscribers gained", "Subscribers lost")


def _header(source: SourceFile) -> list[str]:
    return [normalize_name(h) for h in split_header(source.head)]


def _sniff_totals(source: SourceFile) -> bool:
    header = _header(source)
    return len(header) == 2 and header[0] == "date" and header[1] in _KNOWN_METRICS


def _sniff_chart(source: SourceFile) -> bool:
    header = _header(source)
    return (
        len(header) >= 3 and header[0] == "date" and header[1] in _DIMENSIONS and header[-1] in _KNOWN_METRICS
    )


def _sniff_table(source: SourceFile) -> bool:
    header = _header(source)
    return len(header) >= 2 and header[0] in _DIMENSIONS - {"date"} and any(h in _KNOWN_METRICS for h in header[1:])


def _sniff_by_date(source: SourceFile) -> bool:
    """Table data.csv with Date chosen as the dimension: days, then metrics, and a Total row."""
    header = _header(source)
    second = source.head.splitlines()[1:2]
    return (
        len(header) >= 2
        and header[0] == "date"
        and all(h in _KNOWN_METRICS for h in header[1:])
        and bool(second)
        and second[0].split(",", 1)[0].strip().lower() == "total"
    )


def _days(table: CsvTable, date_col: int, file: str, indexes: list[int] | None = None) -> tuple[list[pd.Timestamp], list[str]]:
    import pandas as pd
    indexes = list(range(len(table.rows))) if indexes is None else indexes
    values = [table.rows[i][date_col] for i in indexes]
    wheres = [table.where(i, date_col) for i in indexes]
    days, note = settle_dates(values, file, wheres)
    return [pd.Timestamp(d) for d in days], [note] if note else []


def _parse_daily(source: SourceFile, key: str) -> Parsed:
    """Totals.csv (`Date,<metric>`) or a Date-dimension Table data.csv (`Date,<metrics…>`, a
    Total row first): one row per day for the whole channel."""
    table = read_csv(source.text, source.name)
    date_col = table.require("Date")
    indexes = [i for i, row in enumerate(table.rows) if row[date_col].strip().lower() != "total"]
    if not indexes:
        require_rows(table, "at least one day")
        raise BadExportError(source.name, f"after the header (line {table.header_line})", "at least one day", "only a Total row")
    columns = {c: _METRICS[normalize_name(h)] for c, h in enumerate(table.header) if normalize_name(h) in _METRICS}
    if not columns:
        raise BadExportError(
            source.name,
            f"header (line {table.header_line})",
            f"a metric Palier stores ({', '.join(repr(m) for m in _SUBSCRIBER_METRICS)} for followers)",
            f"the columns {', '.join(repr(h) for h in table.header)}: choose Subscribers as the chart's metric in "
            "Advanced mode and export again",
        )
    days, notes = _days(table, date_col, source.name, indexes)
    seen: set[pd.Timestamp] = set()
    split = {"new_follows", "unfollows"} <= set(columns.values())
    rows: list[dict[str, object]] = []
    for day, i in zip(days, indexes, strict=True):
        if day in seen:
            raise BadExportError(source.name, table.where(i, date_col), "one row per day", f"{day:%Y-%m-%d} twice")
        seen.add(day)
        for col, metric in columns.items():
            value = parse_int(table.rows[i][col], source.name, table.where(i, col))
            if value is None:  # empty cells occur (`2012-04-16,`): no figure that day
                continue
            if value < 0 and metric in _NOT_NEGATIVE:
                raise BadExportError(source.name, table.where(i, col), "a count of 0 or more", str(value))
            if metric == "net_follows" and split:
                continue  # gained minus lost says it
            rows.append({"day": day, "metric": metric, "value": value})
    if "net_follows" in columns.values() and not split:
        notes.append("YouTube gives the net subscriber change per day, not the total nor gains and losses apart")
    return Parsed(
        format=key, platform="youtube", daily=typed_frame(rows, DAILY_DTYPES), rows=len(table.rows), notes=notes + table.notes
    )


def parse_totals(source: SourceFile) -> Parsed:
    return _parse_daily(source, "youtube_totals")


def parse_by_date(source: SourceFile) -> Parsed:
    return _parse_daily(source, "youtube_table_by_date")


def parse_chart(source: SourceFile) -> Parsed:
    table = read_csv(source.text, source.name)
    require_rows(table, "at least one day")
    date_col = table.require("Date")
    metric_col = len(table.header) - 1
    _days(table, date_col, source.name)  # checks every date, and their order
    for i, row in enumerate(table.rows):
        parse_int(row[metric_col], source.name, table.where(i, metric_col))
    items = len({row[1] for row in table.rows})
    return Parsed(
        format="youtube_chart",
        platform="youtube",
        rows=len(table.rows),
        notes=[
            (
                f"Chart data.csv gives {table.header[metric_col]!r} for the {items} charted items only, not the whole "
                "channel: nothing stored from it (Totals.csv holds the channel's figure)"
            )
        ],
    )


def parse_table(source: SourceFile) -> Parsed:
    table = read_csv(source.text, source.name)
    require_rows(table, "a 'Total' row")
    notes: list[str] = []
    total = next((i for i, row in enumerate(table.rows) if row[0].strip().lower() == "total"), None)
    if total is not None:
        said = []
        for name in _SUBSCRIBER_METRICS:
            col = table.column(name)
            if col is not None:
                value = parse_int(table.rows[total][col], source.name, table.where(total, col))
                if value is not None:
                    said.append(f"{name} {value:,}")
        if said:
            notes.append(
                f"Table data.csv's Total row over the whole period: {', '.join(said)} (no days: not stored; "
                "Totals.csv holds the days)"
            )
    if not notes:
        notes.append("Table data.csv has no days: nothing stored from it (Totals.csv holds the days)")
    return Parsed(format="youtube_table", platform="youtube", rows=len(table.rows), notes=notes)


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="youtube_table_by_date",
        label="YouTube Studio table by date (Table data.csv with the Date dimension)",
        platform="youtube",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_by_date,
        parse=parse_by_date,
        member_pattern=r"(?:^|/)Table data\.csv$",
    ),
    ExportFormat(
        key="youtube_totals",
        label="YouTube Studio daily totals (Totals.csv)",
        platform="youtube",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_totals,
        parse=parse_totals,
        member_pattern=r"(?:^|/)Totals\.csv$",
    ),
    ExportFormat(
        key="youtube_chart",
        label="YouTube Studio chart data (Chart data.csv)",
        platform="youtube",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_chart,
        parse=parse_chart,
        member_pattern=r"(?:^|/)Chart data\.csv$",
    ),
    ExportFormat(
        key="youtube_table",
        label="YouTube Studio table data (Table data.csv)",
        platform="youtube",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_table,
        parse=parse_table,
        member_pattern=r"(?:^|/)Table data\.csv$",
    ),
)
