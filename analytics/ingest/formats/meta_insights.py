"""Meta Business Suite Insights export (2025-2026): one CSV per metric, Facebook and Instagram alike.

The bytes Meta writes: UTF-16LE with a BOM, LF, a `sep=,` line (Excel's separator hint), the
localized metric title on its own line, the header `"Date","Primary"`, then one quoted row per
day, oldest first, and an empty line at the end. An Excel re-save in a `;` locale drops the
`sep=` line and the quotes and is UTF-8 (`Facebook follows;` / `Date;Primary`); both are read.

Three facts shape the reading (FORMATS.md section 10a):
- the time part follows US Pacific daylight saving (`T01:00:00` in winter, `T00:00:00` in
  summer), so only the date part is kept;
- some series leave out their zero days (Instagram follows), so a day missing between the first
  and the last row is 0, not a gap in the data;
- `Follows` counts new follows only: there is no unfollows series and no running total, so the
  file gives gains only, which the import says.

The title does not always name the platform (`Follows`, `Views`); the file then fits an account
of either platform. A file can reportedly stack a Facebook block and an Instagram block (low
confidence): blocks of one platform are read, two platforms in one file are refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

from analytics.errors import BadExportError
from analytics.ingest.csvread import normalize_name
from analytics.ingest.model import (
    DAILY_DTYPES,
    ExportFormat,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import parse_int

if TYPE_CHECKING:
    pass

WHERE_TO_GET = (
    "Meta Business Suite → Insights → Export (Facebook or Instagram): upload Follows.csv (new follows "
    "per day), and Visits.csv, Views.csv, Interactions.csv or Link clicks.csv if you want them."
)
# User-facing notes, kept together for the translation catalogs.
GAINS_ONLY_NOTE = (
    "Meta's Follows series counts new follows only: with no unfollows and no follower total in the file, "
    "Palier shows gains only (losses and the total stay unknown unless another export gives them)."
)
FILLED_NOTE = "{count} day(s) missing between {first} and {last} were counted as 0 (Meta leaves out zero days)."
TIME_NOTE = "only the date of each row is kept (Meta's hour moves with US daylight saving time)"

_HEADER = ["date", "primary"]
# Title words (English and the pt-BR titles a parser knows) -> daily metric. Reach and Viewers
# have no place among Palier's metrics; Audience.csv has no `Date,Primary` header at all.
_METRIC_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("follows", "follow", "seguidores", "seguidos"), "new_follows"),
    (("visits", "visitas"), "profile_visits"),
    (("link_clicks", "cliques_no_link"), "url_clicks"),
    (("interactions", "interacoes"), "engagements"),
    # Meta's "Views" replaced "Impressions" in 2024: times content was shown.
    (("views", "visualizacoes"), "impressions"),
)
_PLATFORM_WORDS = (("facebook", "facebook"), ("instagram", "instagram"))
_AUDIENCE_BLOCKS = {"Age & gender", "Top countries", "Top cities", "Top pages"}
_SUPPORTED = "Follows, Visits, Views, Interactions or Link clicks"


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n?|\n", text)


def _fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error:
        return [line]


def _delimiter_of(header_line: str) -> str | None:
    for delimiter in (",", ";", "\t"):
        if [normalize_name(f) for f in _fields(header_line, delimiter)] == _HEADER:
            return delimiter
    return None


def _sniff(source: SourceFile) -> bool:
    lines = _lines(source.head)[:6]
    if lines[0].strip().lower() == "sep=," and len(lines) > 1 and lines[1].startswith('"'):
        # Meta's own bytes, whatever the chart: Audience.csv is then refused with a reason
        # rather than reported as an unknown format.
        return True
    for index, line in enumerate(lines[:4]):
        if _delimiter_of(line) is not None:
            # The title line sits right above the header (after an optional `sep=` line).
            return index >= 1 and lines[index - 1].strip() != "" and not lines[index - 1].startswith("sep=")
    return False


def _metric_of(title: str) -> str | None:
    # Accents folded so that a translated title (`Interações`) meets its ASCII spelling.
    words = normalize_name(unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode())
    for names, metric in _METRIC_WORDS:
        if any(re.search(rf"(^|_){re.escape(n)}(_|$)", words) for n in names):
            return metric
    return None


def _platform_of(title: str) -> str | None:
    lowered = title.lower()
    return next((platform for word, platform in _PLATFORM_WORDS if word in lowered), None)


def _day(value: str, file: str, where: str) -> dt.date:
    # `2025-01-01T01:00:00`: the hour is Meta's daylight-saving artefact, the date is the day.
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BadExportError(file, where, "a date like '2025-01-01T00:00:00'", repr(value[:60])) from None


def parse(source: SourceFile) -> Parsed:
    import pandas as pd
    file = source.name
    lines = _lines(source.text)
    delimiter: str | None = None
    if lines and lines[0].strip().lower().startswith("sep="):
        delimiter = lines[0].strip()[4:5] or ","
    # Blocks: a title line, the header, then rows until a blank line.
    values: dict[dt.date, int] = {}
    first_line: dict[dt.date, int] = {}
    metric: str | None = None
    platforms: set[str] = set()
    titles: list[str] = []
    title: str | None = None
    in_rows = False
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if number == 1 and line.lower().startswith("sep="):
            continue
        if not line:
            in_rows = False
            title = None
            continue
        if not in_rows:
            found = _delimiter_of(line)
            if found is None:
                if title is not None and title.strip('"') in _AUDIENCE_BLOCKS:
                    raise BadExportError(
                        file, f"line {number - 1}", f"a daily series ({_SUPPORTED})",
                        f"the audience block {title.strip(chr(34))!r} (Audience.csv: shares of followers, not counts), "
                        "which Palier does not import",
                    )
                if title is not None:
                    raise BadExportError(file, f"line {number}", 'the header "Date","Primary" under the title', repr(line[:80]))
                title = line
                continue
            if title is None:
                raise BadExportError(file, f"line {number}", "a metric title line above the header", "the header alone")
            delimiter = delimiter or found
            name = " ".join(f for f in _fields(title, found) if f.strip()).strip()
            block_metric = _metric_of(name)
            if block_metric is None:
                raise BadExportError(
                    file, f"line {number - 1}", f"a series Palier stores ({_SUPPORTED})",
                    f"{name[:80]!r}, which Palier does not store: import Follows.csv for followers",
                )
            if metric is not None and block_metric != metric:
                raise BadExportError(file, f"line {number - 1}", f"one metric per file ({titles[0]!r})", repr(name[:80]))
            metric = block_metric
            platform = _platform_of(name)
            if platform and platforms and platform not in platforms:
                raise BadExportError(
                    file, f"line {number - 1}", f"the series of one platform ({titles[0]!r})",
                    f"{name[:80]!r} too: save each platform's block as its own file",
                )
            if platform:
                platforms.add(platform)
            titles.append(name)
            in_rows = True
            continue
        cells = _fields(line, delimiter or ",")
        if len(cells) == 3 and cells[2] == "" and delimiter == ";":
            cells = cells[:2]  # Excel's `;` re-save may end rows with the separator
        if len(cells) != 2:
            raise BadExportError(file, f"line {number}", "2 fields (Date, Primary)", f"{len(cells)} fields: {line[:80]!r}")
        day = _day(cells[0], file, f"line {number}, field 'Date'")
        value = parse_int(cells[1], file, f"line {number}, field 'Primary'", blank=0)
        assert value is not None
        if value < 0:
            raise BadExportError(file, f"line {number}, field 'Primary'", "a count of 0 or more", str(value))
        if day in values:
            raise BadExportError(
                file, f"line {number}, field 'Date'", f"one row per day ({day.isoformat()} is on line {first_line[day]} already)",
                "a second row for that day",
            )
        values[day] = value
        first_line[day] = number
    if metric is None:
        raise BadExportError(file, "the whole file", 'a metric title and the header "Date","Primary"', "neither")
    if not values:
        raise BadExportError(file, "after the header", "at least one day", "no data rows")
    first, last = min(values), max(values)
    filled = 0
    day = first
    while day <= last:
        if day not in values:
            values[day] = 0
            filled += 1
        day += dt.timedelta(days=1)
    rows = [{"day": pd.Timestamp(d), "metric": metric, "value": v} for d, v in sorted(values.items())]
    notes = [TIME_NOTE]
    if filled:
        notes.append(FILLED_NOTE.format(count=filled, first=first.isoformat(), last=last.isoformat()))
    if metric == "new_follows":
        notes.append(GAINS_ONLY_NOTE)
    if delimiter == ";":
        notes.append("read as semicolon-separated (an Excel re-save)")
    return Parsed(
        format="meta_insights",
        platform=platforms.pop() if platforms else None,
        daily=typed_frame(rows, DAILY_DTYPES),
        rows=len(first_line),
        notes=notes,
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="meta_insights",
        label="Meta Business Suite insights CSV (Follows.csv and other per-metric files)",
        platform=None,
        where_to_get=WHERE_TO_GET,
        sniff=_sniff,
        parse=parse,
        # Only the series Palier stores; Reach.csv, Viewers.csv and Audience.csv stay in the zip.
        member_pattern=r"(?:^|/)(?:Follows|Visits|Views|Interactions|Link clicks)(?: \(\d+\))?\.csv$",
    ),
)
