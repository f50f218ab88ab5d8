"""Bluesky XRPC responses saved as JSON: app.bsky.graph.getFollowers (and getFollows) pages, and
app.bsky.actor.getProfile of the account itself.

Members are keyed on their DID, which survives handle changes; a handle that no longer resolves
reads `handle.invalid` and is kept as is. The follower list has no follow dates. getProfile's
counters carry no date either: the import service dates them like a snapshot.
"""

from __future__ import annotations

import datetime as dt

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.formats.jsonread import describe, head_has_key, head_start, load_json
from analytics.ingest.model import MEMBER_DTYPES, ExportFormat, ListKind, MemberList, Parsed, SourceFile, typed_frame
from analytics.ingest.values import check_count, parse_iso_datetime

LIST_WHERE = (
    "Save the responses of https://public.api.bsky.app/xrpc/app.bsky.graph.getFollowers?actor=<handle>&limit=100 "
    "(follow `cursor` until the last page, which has none) and upload all pages together."
)
PROFILE_WHERE = "Save https://public.api.bsky.app/xrpc/app.bsky.actor.getProfile?actor=<handle> as a .json file."
_PROFILE_COUNTS = {"followersCount": "followers", "followsCount": "following", "postsCount": "posts_total"}
# getFollowers lists followers, getFollows lists the accounts followed; same page shape.
_LIST_KEYS: dict[str, ListKind] = {"followers": "follower", "follows": "following"}


def _list_key(source: SourceFile) -> str | None:
    if not head_start(source).startswith("{") or '"did:' not in source.head:
        return None
    for key in _LIST_KEYS:
        if head_has_key(source, key):
            return key
    return None


def _sniff_list(source: SourceFile) -> bool:
    return _list_key(source) is not None


def _sniff_profile(source: SourceFile) -> bool:
    return (
        head_start(source).startswith("{")
        and head_has_key(source, "did")
        and head_has_key(source, "followersCount")
        and _list_key(source) is None
    )


def _optional_text(view: dict[str, object], key: str, file: str, where: str) -> str | None:
    value = view.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadExportError(file, where, _('a text in {key}').format(key=repr(key)), describe(value))
    return value


def _member(view: object, file: str, where: str, notes: list[str]) -> dict[str, object]:
    if not isinstance(view, dict):
        raise BadExportError(file, where, _("a profile with 'did' and 'handle'"), describe(view))
    did = view.get("did")
    handle = view.get("handle")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise BadExportError(file, where, _("a 'did' like 'did:plc:…'"), describe(did))
    if not isinstance(handle, str) or not handle:
        raise BadExportError(file, where, _("a 'handle'"), describe(handle))
    created_at: dt.datetime | None = None
    created = _optional_text(view, "createdAt", file, where)
    if created:
        try:
            created_at = parse_iso_datetime(created, file, where)
        except BadExportError:
            # Some self-hosted accounts carry odd createdAt values; one must not sink the list.
            notes.append(f"{where}: createdAt {created[:40]!r} is not a date, left empty")
    verification = view.get("verification")
    verified = None
    if isinstance(verification, dict):
        verified = verification.get("verifiedStatus") == "valid"
    return {
        "member_key": did,
        "platform_id": did,
        "handle": handle,
        "name": _optional_text(view, "displayName", file, where),
        "bio": _optional_text(view, "description", file, where),
        "created_at": created_at,
        # No `avatar` key means the default avatar (absent keys are never written as null).
        "default_avatar": "avatar" not in view,
        "verified": verified,
        "profile_url": f"https://bsky.app/profile/{did}",
    }


def parse_list(source: SourceFile) -> Parsed:
    document = load_json(source, "a Bluesky getFollowers response")
    if not isinstance(document, dict):
        raise BadExportError(source.name, _("top level"), _("an object with 'subject' and 'followers'"), describe(document))
    key = next((k for k in _LIST_KEYS if k in document), None)
    if key is None:
        raise BadExportError(source.name, _("top level"), _("the key 'followers' (or 'follows')"), describe(document))
    views = document[key]
    if not isinstance(views, list):
        raise BadExportError(source.name, _('key {key}').format(key=repr(key)), _("an array of profiles"), describe(views))
    subject = document.get("subject")
    if not isinstance(subject, dict) or not isinstance(subject.get("did"), str):
        raise BadExportError(source.name, _("key 'subject'"), _("the profile of the account whose list this is"), describe(subject))
    notes: list[str] = []
    members = [_member(view, source.name, f"{key}[{i}]", notes) for i, view in enumerate(views)]
    handle = subject.get("handle")
    return Parsed(
        format="bluesky_followers",
        platform="bluesky",
        lists=[MemberList(_LIST_KEYS[key], typed_frame(members, MEMBER_DTYPES))],
        account_handle=handle if isinstance(handle, str) and handle != "handle.invalid" else None,
        rows=len(members),
        notes=notes,
        # Every page of one account's list, uploaded together, is one snapshot.
        group_key=f"bluesky:{key}:{subject['did']}",
    )


def parse_profile(source: SourceFile) -> Parsed:
    document = load_json(source, "a Bluesky getProfile response")
    if not isinstance(document, dict):
        raise BadExportError(source.name, _("top level"), _("a profile object"), describe(document))
    counts: dict[str, int] = {}
    for key, metric in _PROFILE_COUNTS.items():
        value = document.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise BadExportError(source.name, _("key {key}").format(key=repr(key)), _("a count of 0 or more"), describe(value))
        # Checked here, not at import: a count above 64 bits must fail the preview too.
        counts[metric] = check_count(value, source.name, _("key {key}").format(key=repr(key)))
    if not counts:
        raise BadExportError(source.name, _("top level"), _("followersCount, followsCount or postsCount"), describe(document))
    handle = document.get("handle")
    return Parsed(
        format="bluesky_profile",
        platform="bluesky",
        account_handle=handle if isinstance(handle, str) and handle != "handle.invalid" else None,
        profile_counts=counts,
        rows=1,
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="bluesky_followers",
        label=N_("Bluesky followers or follows (getFollowers / getFollows JSON pages)"),
        platform="bluesky",
        where_to_get=LIST_WHERE,
        sniff=_sniff_list,
        parse=parse_list,
    ),
    ExportFormat(
        key="bluesky_profile",
        label=N_("Bluesky profile counters (getProfile JSON)"),
        platform="bluesky",
        where_to_get=PROFILE_WHERE,
        sniff=_sniff_profile,
        parse=parse_profile,
    ),
)
