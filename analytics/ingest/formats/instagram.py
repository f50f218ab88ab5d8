"""Instagram "Download your information" (JSON): followers_1.json, followers_2.json, ..., following.json.

Two entry shapes exist for following.json: until mid-2025 the username is in
`string_list_data[0].value`; newer exports put it in `title`, drop `value` and link with a
`/_u/<username>` deep link. Both are read. Instagram has no numeric id in these files, so members
are keyed on the lower-cased username (a renamed account looks like one leaving and one joining).

Text is ASCII JSON in which non-ASCII characters are UTF-8 bytes escaped one by one as Latin-1
code points (`\\u00c3\\u00a1` for `á`); `fix_mojibake` undoes that.
"""

from __future__ import annotations

import datetime as dt
import re

from analytics.errors import BadExportError
from analytics.i18n import N_, _
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
    "Instagram → Accounts Center → Your information and permissions → Download your information → "
    "Some of your information → Followers and following, format JSON; upload the .zip or "
    "connections/followers_and_following/followers_1.json and following.json."
)
_FOLLOWERS_NAME = re.compile(r"^followers(?:_\d+)?\.json$", re.IGNORECASE)
# Older exports (before 2023) wrapped followers in an object like following.json.
_FOLLOWER_KEYS = ("relationships_followers",)
_FOLLOWING_KEYS = ("relationships_following",)


def fix_mojibake(text: str) -> str:
    """`JosÃ©` → `José`: undo UTF-8 bytes escaped as Latin-1, only when that round trip is valid."""
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _sniff_followers(source: SourceFile) -> bool:
    start = head_start(source)
    if start.startswith("["):
        return head_has_key(source, "string_list_data") or (
            # An empty list has no key to recognise it by; its name must do.
            _FOLLOWERS_NAME.match(source.base_name) is not None and start[1:].lstrip().startswith("]")
        )
    return start.startswith("{") and any(head_has_key(source, k) for k in _FOLLOWER_KEYS)


def _sniff_following(source: SourceFile) -> bool:
    return head_start(source).startswith("{") and any(head_has_key(source, k) for k in _FOLLOWING_KEYS)


def _text(value: object, file: str, where: str, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadExportError(file, where, _('a text in {field}').format(field=repr(field)), describe(value))
    return fix_mojibake(value)


def _member(entry: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise BadExportError(file, where, _("an object with 'title' and 'string_list_data'"), describe(entry))
    items = entry.get("string_list_data") or []
    if not isinstance(items, list):
        raise BadExportError(file, where, _("'string_list_data' to be an array"), describe(items))
    item = items[0] if items else {}
    if not isinstance(item, dict):
        raise BadExportError(
            file,
            _('{where}, string_list_data[0]').format(where=where),
            _("an object with 'href' and 'timestamp'"),
            describe(item),
        )
    value = _text(item.get("value"), file, where, "value")
    title = _text(entry.get("title"), file, where, "title")
    username = (value or title or "").strip().lstrip("@")
    if not username:
        raise BadExportError(
            file, where, _("a username in 'string_list_data[0].value' or in 'title'"), describe(entry)
        )
    timestamp = item.get("timestamp")
    followed_at = None
    if timestamp is not None:
        if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
            raise BadExportError(file, where, _("'timestamp' in seconds since 1970"), describe(timestamp))
        try:
            followed_at = dt.datetime.fromtimestamp(timestamp, dt.UTC).replace(tzinfo=None)
        except (OverflowError, OSError, ValueError):
            # Beyond the years a datetime holds (or NaN): damaged, not a moment.
            raise BadExportError(file, where, _("'timestamp' in seconds since 1970"), describe(timestamp)) from None
    return {
        "member_key": username.lower(),
        "handle": username,
        # When both are present (unverified), the title is a display name, not the username.
        "name": title if value and title and title != value else None,
        "followed_at": followed_at,
        "profile_url": _text(item.get("href"), file, where, "href") or None,
    }


def _entries(document: object, file: str, keys: tuple[str, ...], expected: str, *, array: bool) -> list[object]:
    if array and isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in keys:
            if key in document:
                entries = document[key]
                if not isinstance(entries, list):
                    raise BadExportError(file, _('key {key}').format(key=repr(key)), _("an array of entries"), describe(entries))
                return entries
    raise BadExportError(file, _("top level"), expected, describe(document))


def _parse(source: SourceFile, kind: ListKind) -> Parsed:
    if kind == "follower":
        document = load_json(source, "an Instagram followers_1.json")
        entries = _entries(
            document, source.name, _FOLLOWER_KEYS, "an array of followers (followers_1.json)", array=True
        )
        label = "follower"
    else:
        document = load_json(source, "an Instagram following.json")
        entries = _entries(
            document,
            source.name,
            _FOLLOWING_KEYS,
            "an object with 'relationships_following' (following.json)",
            array=False,
        )
        label = "relationships_following"
    members = [_member(entry, source.name, f"{label} entry {i + 1}") for i, entry in enumerate(entries)]
    return Parsed(
        format=f"instagram_{'followers' if kind == 'follower' else 'following'}",
        platform="instagram",
        lists=[MemberList(kind, typed_frame(members, MEMBER_DTYPES))],
        rows=len(members),
        # followers_1.json, followers_2.json... uploaded together are one list.
        group_key="instagram:followers" if kind == "follower" else None,
    )


def parse_followers(source: SourceFile) -> Parsed:
    return _parse(source, "follower")


def parse_following(source: SourceFile) -> Parsed:
    return _parse(source, "following")


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="instagram_followers",
        label=N_("Instagram followers (followers_1.json)"),
        platform="instagram",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_followers,
        parse=parse_followers,
        member_pattern=r"(?:^|/)followers(?:_\d+)?\.json$",
    ),
    ExportFormat(
        key="instagram_following",
        label=N_("Instagram following (following.json)"),
        platform="instagram",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff_following,
        parse=parse_following,
        member_pattern=r"(?:^|/)following\.json$",
    ),
)
