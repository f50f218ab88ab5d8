"""What is notable in a period: a plateau starting or ending, a purge day, a quiet week, a
milestone passed. Structured facts a page turns into one sentence.

Its own module because it reads the plateau search and the milestones (metrics.plateaus and
metrics.growth), which themselves read the headline figures (metrics.headline): kept apart, the
three import in one direction only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analytics.i18n import _, format_change, format_date, format_number
from analytics.metrics.followers import in_range
from analytics.metrics.growth import milestones_passed_of, next_milestone
from analytics.metrics.plateaus import plateaus_of, purge_days_of

# A day without a leading zero: "7 sept. 2024" (a CLDR pattern, read by Babel).
DAY_PATTERN = "d MMM y"


def _day(day: dt.date) -> str:
    """The day as these sentences write it: "7 Sep 2024", "7 sept. 2024"."""
    return format_date(day, DAY_PATTERN)  # type: ignore[arg-type]  # a CLDR pattern, passed through


# --- Notable facts ----------------------------------------------------------------------------

NotableKind = Literal["plateau_started", "plateau_ended", "purge_day", "quiet_week", "milestone"]


@dataclass(frozen=True)
class Notable:
    """One fact a page can put in a sentence (see `notable_sentence`)."""

    kind: NotableKind
    day: dt.date  # when it happened (a plateau's start or end, the purge, the quiet week's start)
    value: float | None = None  # purge: followers lost that day; milestone: the round number
    end: dt.date | None = None  # quiet week: its last day
    absolute: bool = True  # milestone: a follower total, or a change since the first day


def notable_of(
    series: pd.DataFrame, posts: pd.DataFrame, start: dt.date | None, end: dt.date | None, quiet_days: int = 7
) -> list[Notable]:
    """Plateaus starting or ending, purge days, quiet weeks (no post for `quiet_days` days between
    posts) and milestones passed within [start, end], most recent first."""
    facts: list[Notable] = []
    if not series.empty:
        found = plateaus_of(series)
        # Columns zipped rather than itertuples(): pandas-stubs types a named tuple's fields as a
        # union of every scalar type, while a column's values are the Timestamps and numbers it holds.
        plateaus = found.table
        for started, ended, ongoing in zip(plateaus["start"], plateaus["end"], plateaus["ongoing"], strict=True):
            if _inside(started, start, end):
                facts.append(Notable("plateau_started", started.date()))
            if not bool(ongoing) and _inside(ended, start, end):
                facts.append(Notable("plateau_ended", ended.date()))
        purges = in_range(purge_days_of(series), start, end)
        for day, lost in zip(purges["day"], purges["lost"], strict=True):
            facts.append(Notable("purge_day", day.date(), value=float(lost)))
        part = in_range(series, start, end)
        if part["followers"].notna().any():
            # Only round numbers the period crossed: the total on the day before it is the floor, so
            # the period's first total does not "pass" every milestone below it.
            before = series[series["day"] < part["day"].iloc[0]].tail(1)
            passed = milestones_passed_of(pd.concat([before, part]))
            for day, milestone in zip(passed["day"], passed["milestone"], strict=True):
                if _inside(day, start, end):
                    facts.append(Notable("milestone", day.date(), value=float(milestone)))
        else:
            # No stated total: a milestone is a change since the first day, never a follower count.
            changes = series[["day", "change"]].dropna()
            if not changes.empty:
                mark = next_milestone(max(float(changes["change"].iloc[0]), 0.0))
                for day, value in zip(changes["day"], changes["change"], strict=True):
                    while value >= mark:
                        if _inside(day, start, end):
                            facts.append(Notable("milestone", day.date(), value=float(mark), absolute=False))
                        mark = next_milestone(mark)
    if not posts.empty:
        active = posts[posts["posts"] > 0]["day"].sort_values().reset_index(drop=True)
        for previous, following in zip(active.iloc[:-1], active.iloc[1:], strict=True):
            gap_start = previous + pd.Timedelta(days=1)
            gap_end = following - pd.Timedelta(days=1)
            if (gap_end - gap_start).days + 1 >= quiet_days and _overlaps(gap_start, gap_end, start, end):
                facts.append(Notable("quiet_week", gap_start.date(), end=gap_end.date()))
    return sorted(facts, key=lambda fact: fact.day, reverse=True)


def _inside(day: pd.Timestamp, start: dt.date | None, end: dt.date | None) -> bool:
    return (start is None or day >= pd.Timestamp(start)) and (end is None or day <= pd.Timestamp(end))


def _overlaps(first: pd.Timestamp, last: pd.Timestamp, start: dt.date | None, end: dt.date | None) -> bool:
    return (end is None or first <= pd.Timestamp(end)) and (start is None or last >= pd.Timestamp(start))


def first_date(series: pd.DataFrame) -> dt.date | None:
    return series["day"].iloc[0].date() if not series.empty else None


def notable_sentence(fact: Notable, first_day: dt.date | None = None) -> str:
    """One plain sentence for a fact, in the reader's language."""
    when = _day(fact.day)
    if fact.kind == "plateau_started":
        return _("A plateau started on {when}: growth stalled.").format(when=when)
    if fact.kind == "plateau_ended":
        return _("A plateau ended on {when}: growth picked up again.").format(when=when)
    if fact.kind == "purge_day":
        return _("Purge day on {when}: {count} followers lost at once.").format(when=when, count=format_number(fact.value))
    if fact.kind == "quiet_week":
        assert fact.end is not None
        return _("No post from {when} to {end}.").format(when=when, end=_day(fact.end))
    if fact.absolute:
        return _("Passed {count} followers on {when}.").format(count=format_number(fact.value), when=when)
    if first_day:
        return _("Reached {change} since {first} on {when}.").format(
            change=format_change(fact.value), first=_day(first_day), when=when)
    return _("Reached {change} since the first day on {when}.").format(change=format_change(fact.value), when=when)
