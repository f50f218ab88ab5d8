"""Fetching a Bluesky account's profile and follower list from the public AppView.

`app.bsky.actor.getProfile?actor=HANDLE`, then `app.bsky.graph.getFollowers?actor=HANDLE&limit=100`
following `cursor` until a page has none. No authentication. The list can change while it is
read (a new follow shifts the pages), so followers are counted once by DID, a short or empty
page with a cursor is not the end, and a cursor seen twice stops the collection as an error.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

from analytics.collect.fetched import Fetched
from analytics.collect.http import CollectError, HttpClient, check_base_url
from analytics.i18n import _
from analytics.ingest.model import SourceFile

DEFAULT_API_URL = "https://public.api.bsky.app/xrpc/"
PAGE_LIMIT = 100

Progress = Callable[[int, int | None], None]


def normalize_handle(handle: str) -> str:
    """`@Me.bsky.social` → `me.bsky.social`; a DID is kept as is."""
    text = handle.strip().lstrip("@")
    if text.startswith("did:"):
        return text
    text = text.lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]*\.[a-z0-9-]+", text):
        raise CollectError(_("{handle} is not a Bluesky handle like 'me.bsky.social' (or a DID).").format(handle=repr(handle)))
    return text


def xrpc_base(api_url: str | None) -> str:
    """The XRPC root: `--api-url` may be given with or without its `/xrpc/` path."""
    base = check_base_url(api_url or DEFAULT_API_URL)
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/xrpc"):
        path += "/xrpc"
    return urlunsplit((parts.scheme, parts.netloc, path + "/", "", ""))


def _object(value: object, url: str, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise CollectError(
            _('GET {url}: expected {what} (a JSON object), found {name}.').format(url=url, what=what, name=type(value).__name__),
            url=url,
        )
    return value


def fetch_bluesky(
    handle: str,
    client: HttpClient,
    day: dt.date,
    *,
    api_url: str | None = None,
    progress: Progress | None = None,
    max_pages: int | None = None,
) -> Fetched:
    """Fetch everything one snapshot needs; raise CollectError (having written nothing) on any failure."""
    actor = normalize_handle(handle)
    base = xrpc_base(api_url)
    safe = re.sub(r"[^A-Za-z0-9.@_-]", "_", actor)

    profile_url = base + "app.bsky.actor.getProfile?" + urlencode({"actor": actor})
    profile_answer = client.get(profile_url)
    profile = _object(profile_answer.json("a Bluesky profile"), profile_url, "a Bluesky profile")
    did = profile.get("did")
    if not isinstance(did, str):
        raise CollectError(_("GET {profile_url}: the profile has no 'did'.").format(profile_url=profile_url), url=profile_url)
    count = profile.get("followersCount")
    expected = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
    sources = [SourceFile(f"bluesky-getProfile-{safe}-{day.isoformat()}.json", profile_answer.body)]
    if max_pages is None:
        # Generous (the list shifts while read) but finite: a server handing out endless
        # distinct cursors must not keep a cron job busy forever.
        max_pages = 2 * math.ceil(expected / PAGE_LIMIT) + 50 if expected is not None else 100_000

    seen: set[str] = set()
    cursors: set[str] = set()
    cursor: str | None = None
    pages = 0
    if progress:
        progress(0, expected)
    while True:
        query: dict[str, str | int] = {"actor": actor, "limit": PAGE_LIMIT}
        if cursor is not None:
            query["cursor"] = cursor
        url = base + "app.bsky.graph.getFollowers?" + urlencode(query)
        answer = client.get(url)
        page = _object(answer.json("a Bluesky getFollowers page"), url, "a getFollowers page")
        followers = page.get("followers")
        if not isinstance(followers, list):
            raise CollectError(
                _("GET {url}: expected a 'followers' array, found {dumps}").format(url=url, dumps=json.dumps(page)[:120]),
                url=url,
            )
        subject = page.get("subject")
        if isinstance(subject, dict) and subject.get("did") not in (None, did):
            raise CollectError(
                _('GET {url}: the page lists the followers of {get}, not of {did} ({actor}).').format(
                    url=url, get=subject.get('did'), did=did, actor=actor,
                ), url=url
            )
        pages += 1
        sources.append(SourceFile(f"bluesky-getFollowers-{safe}-{day.isoformat()}-p{pages:04d}.json", answer.body))
        for view in followers:
            if isinstance(view, dict) and isinstance(view.get("did"), str):
                seen.add(view["did"])
        if progress:
            progress(len(seen), expected)
        next_cursor = page.get("cursor")
        if not isinstance(next_cursor, str) or not next_cursor:
            break
        if next_cursor in cursors or next_cursor == cursor:
            raise CollectError(
                _(
                    'GET {url}: the server returned the cursor {next_cursor} a second time (a pagination loop) after {pages} pages; '
                    'stopped.'
                ).format(url=url, next_cursor=repr(next_cursor), pages=pages),
                url=url,
            )
        if pages >= max_pages:
            raise CollectError(
                _(
                    'GET {url}: still more pages after {pages} pages ({seen} followers, the profile says {expected}); stopped, the list '
                    'does not seem to end.'
                ).format(url=url, pages=pages, seen=len(seen), expected=expected),
                url=url,
            )
        cursors.add(next_cursor)
        cursor = next_cursor
    return Fetched("bluesky", actor, sources, len(seen), expected, pages, client.requests)
