"""Flickr account data: `followers_part001.json` from "Your Flickr Data", read tolerantly.

The only description of this file (FORMATS.md §14, LOW confidence, from a document wrong about a
sibling file) gives `{"followers": {"<name>": "https://www.flickr.com/people/<id>/", ...}}`: a
follower list with names and profile links, and no dates. That shape is read, plus two near
variants (a list of objects with a name and a URL, or name → object with a URL); anything else
is refused with what was found, so a real file's shape can be reported. Flickr keeps no follower
history: each file is one snapshot, dated by the import's snapshot date.
"""

from __future__ import annotations

from urllib.parse import urlparse

from analytics.errors import BadExportError
from analytics.ingest.formats.jsonread import (
    describe,
    head_has_key,
    head_start,
    load_json,
)
from analytics.ingest.model import (
    MEMBER_DTYPES,
    ExportFormat,
    MemberList,
    Parsed,
    SourceFile,
    typed_frame,
)

WHERE_TO_GET = (
    "Flickr → Settings → Your Flickr Data → Request my Flickr data: upload followers_part001.json from the "
    "account data zip (its shape is unverified: tell us if Palier refuses yours)."
)
_SHAPE = "'followers' holding name → profile URL (the only description of this file, unverified)"
_URL_KEYS = ("url", "profile_url", "href", "link")
_NAME_KEYS = ("name", "username", "screen_name", "title")


def _sniff(source: SourceFile) -> bool:
    return head_start(source).startswith("{") and head_has_key(source, "followers") and "flickr.com" in source.head


def _member(name: object, url: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(url, str) or "flickr.com" not in url:
        raise BadExportError(file, where, "a Flickr profile URL (https://www.flickr.com/people/…)", describe(url))
    parts = [p for p in urlparse(url.strip()).path.split("/") if p]
    handle = parts[1] if len(parts) >= 2 and parts[0] in ("people", "photos") else None
    if handle is None:
        raise BadExportError(file, where, "a Flickr profile URL (https://www.flickr.com/people/…)", repr(url[:80]))
    return {
        "member_key": handle.lower(),
        "handle": handle,
        "name": name.strip() if isinstance(name, str) and name.strip() else None,
        "profile_url": url.strip(),
    }


def parse(source: SourceFile) -> Parsed:
    document = load_json(source, "a Flickr followers_part001.json")
    followers = document.get("followers") if isinstance(document, dict) else None
    members: list[dict[str, object]] = []
    if isinstance(followers, dict):
        for name, value in followers.items():
            where = f"followers → {name[:60]!r}"
            if isinstance(value, dict):
                value = next((value[k] for k in _URL_KEYS if k in value), None)
            members.append(_member(name, value, source.name, where))
    elif isinstance(followers, list):
        for i, entry in enumerate(followers):
            where = f"followers[{i}]"
            if not isinstance(entry, dict):
                raise BadExportError(source.name, where, "an object with a name and a profile URL", describe(entry))
            name = next((entry[k] for k in _NAME_KEYS if k in entry), None)
            members.append(_member(name, next((entry[k] for k in _URL_KEYS if k in entry), None), source.name, where))
    else:
        found = describe(followers) if isinstance(document, dict) and "followers" in document else describe(document)
        raise BadExportError(source.name, "key 'followers'", _SHAPE, f"{found}: this file's shape is not the one known")
    frame = typed_frame(members, MEMBER_DTYPES).drop_duplicates("member_key").reset_index(drop=True)
    return Parsed(
        format="flickr_followers",
        platform="flickr",
        lists=[MemberList("follower", frame)],
        rows=len(members),
        notes=["Flickr gives followers without dates and no follower history: one list per download"],
        group_key="flickr:followers",
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="flickr_followers",
        label="Flickr followers (followers_part001.json, unverified shape)",
        platform="flickr",
        where_to_get=WHERE_TO_GET,
        sniff=_sniff,
        parse=parse,
        member_pattern=r"(?:^|/)followers_part\d+\.json$",
    ),
)
