"""Every supported export format, in detection order, and format detection."""

from __future__ import annotations

import re

from analytics.errors import BadExportError
from analytics.i18n import _
from analytics.ingest.csvread import split_header
from analytics.ingest.formats import (
    bluesky,
    facebook_dyi,
    facebook_insights,
    flickr,
    generic,
    instagram,
    linkedin,
    linkedin_workbook,
    mastodon,
    meta_insights,
    rss,
    socialblade,
    threads,
    tiktok,
    twitter_archive,
    twitter_legacy,
    x_premium,
    youtube,
)
from analytics.ingest.model import ExportFormat, SourceFile

# Specific formats first; Palier's generic CSVs last, since they accept loose headers.
FORMATS: tuple[ExportFormat, ...] = (
    *x_premium.FORMATS,
    *twitter_legacy.FORMATS,
    *twitter_archive.FORMATS,
    # Before Instagram: a bare array of Threads followers, or a page of Facebook followers,
    # has Instagram's shape.
    *threads.FORMATS,
    *facebook_dyi.FORMATS,
    *instagram.FORMATS,
    *linkedin.FORMATS,
    *bluesky.FORMATS,
    *mastodon.FORMATS,
    *linkedin_workbook.FORMATS,
    *tiktok.FORMATS,
    *youtube.FORMATS,
    *flickr.FORMATS,
    *rss.FORMATS,
    *socialblade.FORMATS,
    *meta_insights.FORMATS,
    *facebook_insights.FORMATS,
    *generic.FORMATS,
)

BY_KEY: dict[str, ExportFormat] = {f.key: f for f in FORMATS}


def format_label(key: str) -> str:
    """The label users see; a bundle's combined key ("a+b") reads "X data archive: followers, posts"."""
    labels = [_(BY_KEY[part].label) if part in BY_KEY else part for part in key.split("+")]
    if len(labels) == 1:
        return labels[0]
    prefixes = {label.split(": ", 1)[0] for label in labels}
    if len(prefixes) == 1 and all(": " in label for label in labels):
        return f"{prefixes.pop()}: " + ", ".join(label.split(": ", 1)[1] for label in labels)
    return " + ".join(labels)


def detect(source: SourceFile) -> ExportFormat:
    """The format of a file, from its content (and its name where content is ambiguous)."""
    for export_format in FORMATS:
        try:
            if export_format.sniff(source):
                return export_format
        except Exception:  # noqa: BLE001 - a sniffer must never stop detection of the others
            continue
    # Decoding first gives the precise error for empty, binary or mis-encoded files.
    text = source.text
    head = text.lstrip()[:200]
    if head.startswith(("{", "[", "window.")):
        seen = _("JSON starting {start}").format(start=repr(head[:80]))
    else:
        seen = _("the header {columns}").format(columns=", ".join(repr(h) for h in split_header(text)[:20]))
    # Short: what was seen and the way out, not the list of every format (the Import page and
    # the README list them).
    raise BadExportError(
        source.name,
        _("format"),
        _("one of the supported exports"),
        seen,
        _(
            "Upload the file as the platform exported it (the Import page lists the formats), or a CSV "
            "with a date column and a followers column, or a handle column for a follower list"
        ),
    )


# Analytics CSVs are downloaded one period at a time and kept under any name (a folder of months,
# `account_overview_analytics (3).csv`): inside a zip or folder every CSV is read, and kept when
# its content is one of these exports. Other CSVs there are skipped: an archive's other tables
# must not pass for a follower list through the generic format.
ANALYTICS_CSV_FORMATS = frozenset({"x_overview", "x_content", "twitter_legacy_tweets", "twitter_legacy_daily"})


def named_in_bundle(path: str) -> bool:
    """Whether a path inside a zip or folder has the name of a file some format reads."""
    normalized = path.replace("\\", "/")
    return any(f.member_pattern and re.search(f.member_pattern, normalized) for f in FORMATS)


def wanted_in_bundle(path: str) -> bool:
    """Whether a path inside a zip or folder is worth reading: a named member, or any CSV (read to
    see whether it is an analytics export, see ANALYTICS_CSV_FORMATS)."""
    if named_in_bundle(path):
        return True
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.lower().endswith(".csv") and not name.startswith(("._", "."))
