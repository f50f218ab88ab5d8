"""Facebook "Download your information" (JSON): followers, followed (following) and friends.

The 2026 files (FORMATS.md section 10c):
- `connections/followers/people_who_followed_you.json`: `{"followers_v3": [{"name": ...}]}`,
  names only: no timestamp, no link, no id;
- `connections/followers/who_you've_followed.json`: `{"following_v3": [{"name", "timestamp"}]}`;
- `connections/friends/your_friends.json`: `{"friends_v2": [{"name", "timestamp"}]}`.
Older layouts use `followers_v2` / `following_v2` (2020-22) and `followers` / `following` /
`friends` (2018-19); all are read by their key, whatever the file is called.

A friendship is mutual and a friend follows you, so friends are read as followers, with the
date the friendship began as the day they followed. Display names are the only identity: members
are keyed on the lower-cased name, so a renamed person looks like one leaving and one arriving,
and two people sharing a name count once. The import says so. Non-ASCII names come as Latin-1
escaped UTF-8 bytes (`Tr\\u00e1\\u00ba\\u00a7n`), undone as for Instagram.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from analytics.errors import BadExportError
from analytics.ingest.formats.instagram import fix_mojibake
from analytics.ingest.formats.jsonread import describe, head_start, load_json
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
    "Facebook → Accounts Center → Your information and permissions → Download your information → "
    "Connections, format JSON: the .zip, or connections/followers/people_who_followed_you.json, "
    "who_you've_followed.json and connections/friends/your_friends.json."
)
# User-facing notes, kept together for the translation catalogs.
NAMES_ONLY_NOTE = (
    "Facebook gives followers' names only: when each one followed, and any id or link, cannot be known. "
    "People are matched by name between exports, so a renamed follower looks like one leaving and one arriving."
)
SAME_NAME_NOTE = "{count} name(s) appear more than once: with no id to tell them apart, each name counts once."
FRIENDS_NOTE = "Friends are read as followers, each dated by the day the friendship began."
UNDATED_NOTE = "{count} entries have no date: when they followed cannot be known."

# Top-level key -> (list kind, what the entries are).
_KEYS: dict[str, tuple[ListKind, str]] = {
    "followers_v3": ("follower", "followers"),
    "followers_v2": ("follower", "followers"),
    "followers": ("follower", "followers"),
    "following_v3": ("following", "following"),
    "following_v2": ("following", "following"),
    "following": ("following", "following"),
    "friends_v2": ("follower", "friends"),
    "friends": ("follower", "friends"),
}
# The key must open an array. The versioned keys (`followers_v3`, `friends_v2`) are Facebook's
# own; the 2018 keys are common words (Social Blade's daily counts have `following`), so they
# count only when the array holds named entries.
_SNIFF = re.compile(r'^\{\s*"(' + "|".join(_KEYS) + r')"\s*:\s*\[\s*(\]|\{\s*"name"\s*:)?')
_PLAIN_KEYS = {"followers", "following", "friends"}


def _key_of(source: SourceFile) -> str | None:
    match = _SNIFF.match(head_start(source))
    if match is None or (match[1] in _PLAIN_KEYS and match[2] is None):
        return None
    return match[1]


def _sniff_kind(kind: ListKind, what: str) -> Callable[[SourceFile], bool]:
    def sniff(source: SourceFile) -> bool:
        key = _key_of(source)
        return key is not None and _KEYS[key] == (kind, what)

    return sniff


def _member(entry: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise BadExportError(file, where, "an object with 'name'", describe(entry))
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadExportError(file, f"{where}, field 'name'", "a person's or page's name", describe(name))
    timestamp = entry.get("timestamp")
    followed_at = None
    if timestamp is not None:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or timestamp < 0:
            raise BadExportError(file, f"{where}, field 'timestamp'", "a time in seconds since 1970", describe(timestamp))
        followed_at = dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)
    shown = fix_mojibake(name).strip()
    return {"member_key": f"name:{shown.lower()}", "name": shown, "followed_at": followed_at}


def _parse(source: SourceFile, kind: ListKind, what: str) -> Parsed:
    document = load_json(source, "a Facebook connections file")
    keys = [k for k, v in _KEYS.items() if v == (kind, what)]
    if not isinstance(document, dict) or not any(k in document for k in keys):
        raise BadExportError(source.name, "top level", f"an object with {' or '.join(repr(k) for k in keys)}", describe(document))
    key = next(k for k in keys if k in document)
    entries = document[key]
    if not isinstance(entries, list):
        raise BadExportError(source.name, f"key {key!r}", "an array of entries", describe(entries))
    members = [_member(entry, source.name, f"{key} entry {i + 1}") for i, entry in enumerate(entries)]
    return _parsed(members, kind, what)


def _parsed(members: list[dict[str, object]], kind: ListKind, what: str) -> Parsed:
    keys_seen = [m["member_key"] for m in members]
    repeated = len(keys_seen) - len(set(keys_seen))
    undated = sum(1 for m in members if m["followed_at"] is None)
    notes: list[str] = []
    if kind == "follower" and what == "followers" and undated:
        notes.append(NAMES_ONLY_NOTE)
    elif undated:
        notes.append(UNDATED_NOTE.format(count=undated))
    if what == "friends":
        notes.append(FRIENDS_NOTE)
    if repeated:
        notes.append(SAME_NAME_NOTE.format(count=repeated))
    return Parsed(
        format=f"facebook_{what}",
        platform="facebook",
        lists=[MemberList(kind, typed_frame(members, MEMBER_DTYPES))],
        rows=len(members),
        notes=notes,
    )


# Big accounts' followers reportedly come split, as `people_who_followed_you_1.json`, ... holding
# a bare array of `string_list_data` entries (one fixture generator says so: low confidence).
# That is Instagram's followers_1.json shape, so only the file name tells them apart; the reader
# takes the name from `value`, `name` or `title`, whichever is there.
_PAGE_NAME = re.compile(r"^people_who_followed_you_\d+\.json$", re.IGNORECASE)


def _sniff_follower_page(source: SourceFile) -> bool:
    return _PAGE_NAME.match(source.base_name) is not None and head_start(source).startswith("[")


def _page_member(entry: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise BadExportError(file, where, "an object with 'string_list_data'", describe(entry))
    items = entry.get("string_list_data") or [{}]
    if not isinstance(items, list) or not isinstance(items[0], dict):
        raise BadExportError(file, f"{where}, field 'string_list_data'", "an array of objects", describe(items))
    item = items[0]
    name = item.get("value") or entry.get("name") or entry.get("title")
    flat = {"name": name, "timestamp": item.get("timestamp", entry.get("timestamp"))}
    return _member(flat, file, where)


def parse_follower_page(source: SourceFile) -> Parsed:
    document = load_json(source, "a Facebook people_who_followed_you_1.json")
    if not isinstance(document, list):
        raise BadExportError(source.name, "top level", "an array of followers", describe(document))
    members = [_page_member(entry, source.name, f"follower entry {i + 1}") for i, entry in enumerate(document)]
    parsed = _parsed(members, "follower", "followers")
    parsed.group_key = "facebook:followers"
    return parsed


def _parser(kind: ListKind, what: str) -> Callable[[SourceFile], Parsed]:
    def parse(source: SourceFile) -> Parsed:
        return _parse(source, kind, what)

    return parse


def _format(what: str, kind: ListKind, label: str, member_pattern: str) -> ExportFormat:
    return ExportFormat(
        key=f"facebook_{what}",
        label=label,
        platform="facebook",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_kind(kind, what),
        parse=_parser(kind, what),
        member_pattern=member_pattern,
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="facebook_followers_pages",
        label="Facebook followers, split (people_who_followed_you_1.json, _2.json…)",
        platform="facebook",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_follower_page,
        parse=parse_follower_page,
        member_pattern=r"(?:^|/)people_who_followed_you_\d+\.json$",
    ),
    _format(
        "followers", "follower", "Facebook followers (people_who_followed_you.json)",
        r"(?:^|/)(?:people_who_followed_you(?:_\d+)?|followers)\.json$",
    ),
    _format(
        "following", "following", "Facebook followed (who_you've_followed.json)",
        r"(?:^|/)(?:who_you've_followed|following)\.json$",
    ),
    _format(
        "friends", "follower", "Facebook friends (your_friends.json)",
        r"(?:^|/)(?:your_friends|friends)\.json$",
    ),
)
