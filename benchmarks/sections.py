"""A benchmark's own section of docs/benchmarks.md, between its two markers.

Each benchmark (imports, plateaus, pages, first start) writes its table between markers of its
own, so one can run again without touching the others' figures."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, start: str, end: str, section: str, *, empty: str = "") -> None:
    """Put `section` (markers included) between `start` and `end` in `path`, or append it when the
    page has no such markers. `empty`: the page's text when the file does not exist yet."""
    text = path.read_text() if path.exists() else empty
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    path.write_text(text)


def section_of(text: str, start: str, end: str) -> str | None:
    """The section of a docs page between `start` and `end`, markers included, or None."""
    if start not in text or end not in text:
        return None
    return start + text.split(start, 1)[1].split(end, 1)[0] + end + "\n"
