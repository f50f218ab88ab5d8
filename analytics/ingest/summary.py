"""An import's summary: the facts an import leaves (its format, days, posts, lists, the lists it
replaced, its dates) and the line they make in the reader's language.

The facts are kept with the import as JSON (`imports.facts`, migration 9), so the line is written
when it is read: the Import page's history in the session's language, the command line in
PALIER_LANG's, with that language's numbers and dates ("5,950 followers on 2026-03-02", "5 950
abonnés le 2 mars 2026"). `imports.summary` keeps the line as written at import time: an import
made before the facts were kept has only that text, and shows it as it is (`shown_summary`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from analytics.i18n import N_, _, format_number, format_summary_date, ngettext
from analytics.ingest.registry import format_label

# Past this many lists (a file of daily lists holds dozens), a summary names them in one part.
SUMMARY_LISTS = 3
GAINS_ONLY_SUMMARY = N_("new follows only: gains, no losses")

# (kind, day, size) of a list loaded; (kind, day, import id) of a list replaced.
ListFact = tuple[str, dt.date, int]


@dataclass(frozen=True)
class SummaryFacts:
    """What an import did, in figures: enough to write its summary in any language."""

    format: str  # the format's key (registry), its label written at display time
    days: int = 0
    posts: int = 0
    lists: tuple[ListFact, ...] = ()
    replaced: tuple[ListFact, ...] = ()
    start: dt.date | None = None  # the dates of the daily values and posts (shown when no list is)
    end: dt.date | None = None
    gains_only: bool = False  # new follows without unfollows nor totals
    totals: int | None = None  # follower totals typed by hand (`--followers-on`)

    def to_json(self) -> str:
        return json.dumps({
            "format": self.format, "days": self.days, "posts": self.posts,
            "lists": [[kind, day.isoformat(), size] for kind, day, size in self.lists],
            "replaced": [[kind, day.isoformat(), import_id] for kind, day, import_id in self.replaced],
            "start": self.start.isoformat() if self.start else None, "end": self.end.isoformat() if self.end else None,
            "gains_only": self.gains_only, "totals": self.totals,
        })

    @classmethod
    def from_json(cls, text: str) -> SummaryFacts:
        data: dict[str, Any] = json.loads(text)

        def day(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        def facts(rows: list[list[Any]]) -> tuple[ListFact, ...]:
            return tuple((str(kind), dt.date.fromisoformat(day), int(number)) for kind, day, number in rows)

        return cls(
            format=str(data["format"]), days=int(data.get("days") or 0), posts=int(data.get("posts") or 0),
            lists=facts(data.get("lists") or []), replaced=facts(data.get("replaced") or []),
            start=day(data.get("start")), end=day(data.get("end")), gains_only=bool(data.get("gains_only")),
            totals=int(data["totals"]) if data.get("totals") is not None else None,
        )


def summary_line(facts: SummaryFacts) -> str:
    """The summary in the current language: "Follower list snapshot CSV (Palier generic), 5,950
    followers on 2026-03-02" / "… 5 950 abonnés le 2 mars 2026"."""
    if facts.totals is not None:
        return _("follower totals entered by hand ({count})").format(count=format_number(facts.totals))
    parts = [format_label(facts.format)]
    if facts.days:
        parts.append(ngettext("{count} day", "{count} days", facts.days).format(count=format_number(facts.days)))
    if facts.posts:
        parts.append(ngettext("{count} post", "{count} posts", facts.posts).format(count=format_number(facts.posts)))
    parts += _lists_part(facts.lists)
    parts += replaced_parts(facts)
    if facts.start and facts.end and not facts.lists:
        parts.append(_("{start} to {end}").format(start=format_summary_date(facts.start), end=format_summary_date(facts.end)))
    if facts.gains_only:
        parts.append(_(GAINS_ONLY_SUMMARY))
    return ", ".join(parts)


def replaced_parts(facts: SummaryFacts) -> list[str]:
    """A part per list the import replaced (a second list of the same day): "replaced the follower
    list of 2026-03-02 from import #1"."""
    parts = []
    for kind, day, import_id in facts.replaced:
        text = (
            _("replaced the follower list of {day} from import #{import_id}")
            if kind == "follower"
            else _("replaced the following list of {day} from import #{import_id}")
        )
        parts.append(text.format(day=format_summary_date(day), import_id=import_id))
    return parts


def _lists_part(lists: tuple[ListFact, ...]) -> list[str]:
    """A part per list, or one part for many: their count, sizes and dates, so the Import page and
    the history show a file of daily lists in one short line."""
    if len(lists) <= SUMMARY_LISTS:
        parts = []
        for kind, day, size in lists:
            if kind == "follower":
                text = ngettext("{count} follower on {day}", "{count} followers on {day}", size)
            else:
                text = _("{count} following on {day}")
            parts.append(text.format(count=format_number(size), day=format_summary_date(day)))
        return parts
    sizes = [size for _kind, _day, size in lists]
    days = sorted(day for _kind, day, _size in lists)
    if {kind for kind, _day, _size in lists} == {"follower"}:
        text = _("{count} follower lists of {low} to {high}, {start} to {end}")
    else:
        text = _("{count} lists of {low} to {high}, {start} to {end}")
    return [text.format(count=format_number(len(lists)), low=format_number(min(sizes)), high=format_number(max(sizes)),
                        start=format_summary_date(days[0]), end=format_summary_date(days[-1]))]


def shown_summary(summary: object, facts: object, fallback: str) -> str:
    """An import's summary as the history shows it: written from its facts in the reader's
    language; an import made before the facts were kept shows its stored text (else `fallback`).
    Either may be missing (None, or NaN from a frame)."""
    if isinstance(facts, str) and facts:
        try:
            return summary_line(SummaryFacts.from_json(facts))
        except (ValueError, KeyError, TypeError):
            pass  # facts this version cannot read: the text written with them still says it
    return summary if isinstance(summary, str) and summary else fallback
