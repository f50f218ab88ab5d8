"""RSS readers: an OPML file is recognised, and refused with why.

Feedly's and Inoreader's OPML exports (FORMATS.md §15) list the feeds the READER follows: no
subscriber counts and no dates. No RSS service gives a feed's subscriber counts any more
(FeedBurner's API is gone). Recognising the file lets Palier say so instead of "unknown format",
and say how to track a feed's audience by hand.
"""

from __future__ import annotations

import re

from analytics.errors import BadExportError
from analytics.ingest.model import ExportFormat, Parsed, SourceFile

WHERE_TO_GET = (
    "Nowhere: an RSS reader's OPML export lists the feeds you read, and no RSS service gives subscriber "
    "counts. Type a feed's known subscriber total on the Import page, or keep a follower-count CSV."
)
REFUSAL = (
    "{feeds} feeds this reader subscribes to: an OPML file says what you read, not who reads you, and no RSS "
    "service gives subscriber counts any more. To follow a feed's audience, type its subscriber total on the "
    "Import page (Dates and follower totals) or import a follower-count CSV (date,followers)"
)


def _sniff(source: SourceFile) -> bool:
    head = source.head.lstrip()[:2000].lower()
    return head.startswith(("<?xml", "<opml")) and "<opml" in head


def parse(source: SourceFile) -> Parsed:
    feeds = len(re.findall(r"<outline\b[^>]*\bxmlUrl\s*=", source.text, flags=re.IGNORECASE))
    raise BadExportError(source.name, "the whole file", "followers or follower counts", f"an OPML list of {REFUSAL.format(feeds=feeds)}")


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="rss_opml",
        label="RSS reader subscriptions (OPML): recognised and refused, no follower data",
        platform=None,
        where_to_get=WHERE_TO_GET,
        sniff=_sniff,
        parse=parse,
    ),
)
