"""Threads "Download your information" (JSON): followers.json and following.json.

No real file could be checked (FORMATS.md section 11); four parsers agree on the shape:
`{"text_post_app_text_post_app_followers": [{"title", "string_list_data": [{"href", "value",
"timestamp"}]}]}`, and `..._following` for following.json. The files sit alone, in a bare
`threads/` folder, or inside the Instagram download under `your_instagram_activity/threads/`.

Where the facts are low-confidence, the reader is tolerant: the username is taken from `value`,
else from the last segment of `href` (`threads.com/<u>` or `threads.net/@<u>`), else from
`title` (which may be a display name); a missing timestamp leaves the follow date unknown;
split pages (`followers_1.json`, ...) and a bare array of entries are read too. Members are
keyed on the lower-cased username and dated like Instagram's (`followed_at`, UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urlparse

from analytics.errors import BadExportError
from analytics.ingest.formats.instagram import fix_mojibake
from analytics.ingest.formats.jsonread import (
    describe,
    head_has_key,
    head_start,
    load_json,
)
from analytics.ingest.model import (
    MEMBER_DTYPES,
    ExportFormat,
    ListKind,
    MemberList,
    Parsed,
    SourceFile,
    typed_frame,
)

WHERE_TO_GET = (
    "Accounts Center → Your information and permissions → Export your information → the Threads profile → "
    "JSON: the .zip (or the Instagram download holding your_instagram_activity/threads/), "
    "or threads/followers.json and following.json."
)
UNVERIFIED_NOTE = (
    "The Threads export's layout is known from parsers only, not from a checked file: "
    "if followers look wrong, please report it."
)
_KEYS: dict[ListKind, str] = {
    "follower": "text_post_app_text_post_app_followers",
    "following": "text_post_app_text_post_app_following",
}
_THREADS_LINK = re.compile(r'"href"\s*:\s*"https?://(?:www\.)?threads\.(?:net|com)/')


def _sniff(kind: ListKind) -> Callable[[SourceFile], bool]:
    def sniff(source: SourceFile) -> bool:
        start = head_start(source)
        if start.startswith("{"):
            return head_has_key(source, _KEYS[kind])
        # A bare array of pages (reported for split files) is Instagram's shape: only a
        # Threads link tells it apart, and only followers are reported split.
        return kind == "follower" and start.startswith("[") and _THREADS_LINK.search(source.head) is not None

    return sniff


def _text(value: object, file: str, where: str, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadExportError(file, f"{where}, field {field!r}", "a text", describe(value))
    return fix_mojibake(value).strip() or None


def _from_href(href: str | None) -> str | None:
    if not href:
        return None
    parts = [p for p in urlparse(href).path.split("/") if p]
    return parts[-1].lstrip("@") or None if parts else None


def _member(entry: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise BadExportError(file, where, "an object with 'string_list_data'", describe(entry))
    items = entry.get("string_list_data") or []
    if not isinstance(items, list):
        raise BadExportError(file, f"{where}, field 'string_list_data'", "an array", describe(items))
    item = items[0] if items else {}
    if not isinstance(item, dict):
        raise BadExportError(file, f"{where}, string_list_data[0]", "an object with 'value', 'href' and 'timestamp'", describe(item))
    value = _text(item.get("value"), file, where, "value")
    href = _text(item.get("href"), file, where, "href")
    title = _text(entry.get("title"), file, where, "title")
    username = (value or _from_href(href) or title or "").lstrip("@")
    if not username:
        raise BadExportError(file, where, "a username in 'value', 'href' or 'title'", describe(entry))
    timestamp = item.get("timestamp")
    followed_at = None
    if timestamp is not None:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or timestamp < 0:
            raise BadExportError(file, f"{where}, field 'timestamp'", "a time in seconds since 1970", describe(timestamp))
        followed_at = dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)
    return {
        "member_key": username.lower(),
        "handle": username,
        # `title` is a display name per the write-up; it is kept only when it says something else.
        "name": title if title and title.lstrip("@") != username else None,
        "followed_at": followed_at,
        "profile_url": href,
    }


def _parse(source: SourceFile, kind: ListKind) -> Parsed:
    key = _KEYS[kind]
    document = load_json(source, f"a Threads {'followers' if kind == 'follower' else 'following'}.json")
    if isinstance(document, list) and kind == "follower":
        entries: object = document
    elif isinstance(document, dict) and key in document:
        entries = document[key]
    else:
        raise BadExportError(source.name, "top level", f"an object with {key!r}", describe(document))
    if not isinstance(entries, list):
        raise BadExportError(source.name, f"key {key!r}", "an array of entries", describe(entries))
    members = [_member(entry, source.name, f"{key} entry {i + 1}") for i, entry in enumerate(entries)]
    return Parsed(
        format=f"threads_{'followers' if kind == 'follower' else 'following'}",
        platform="threads",
        lists=[MemberList(kind, typed_frame(members, MEMBER_DTYPES))],
        rows=len(members),
        notes=[UNVERIFIED_NOTE],
        group_key="threads:followers" if kind == "follower" else None,
    )


def parse_followers(source: SourceFile) -> Parsed:
    return _parse(source, "follower")


def parse_following(source: SourceFile) -> Parsed:
    return _parse(source, "following")


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="threads_followers",
        label="Threads followers (followers.json)",
        platform="threads",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff("follower"),
        parse=parse_followers,
        member_pattern=r"(?:^|/)threads/followers(?:_\d+)?\.json$",
    ),
    ExportFormat(
        key="threads_following",
        label="Threads following (following.json)",
        platform="threads",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff("following"),
        parse=parse_following,
        member_pattern=r"(?:^|/)threads/following\.json$",
    ),
)
