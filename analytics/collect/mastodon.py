"""Fetching a Mastodon account and its follower list from its home server's public API.

`/api/v1/accounts/lookup?acct=user`, then `/api/v1/accounts/:id/followers?limit=80`, following
the `rel="next"` URL of the `Link` header. No authentication. The lookup must be made on the
account's home server: another server only knows the followers it federates with, and a
partial list would read as unfollows. Followers are counted once by account id; a next link
seen twice, or pointing to another server, stops the collection as an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from urllib.parse import quote, urlencode, urljoin, urlsplit, urlunsplit

from analytics.collect.fetched import Fetched
from analytics.collect.http import (
    CollectError,
    HttpClient,
    check_base_url,
    parse_link_header,
    same_origin,
)
from analytics.i18n import _
from analytics.ingest.model import SourceFile

PAGE_LIMIT = 80

Progress = Callable[[int, int | None], None]


def parse_address(address: str, api_url: str | None = None) -> tuple[str, str | None]:
    """`@user@instance` (or `user@instance`) → ('user', 'instance'); `@user` alone only with --api-url."""
    text = address.strip()
    if text.startswith("https://") or text.startswith("http://"):
        # A profile URL, https://instance/@user, as people copy it from the browser.
        parts = urlsplit(text)
        match = re.fullmatch(r"/@([A-Za-z0-9_]+)/?", parts.path)
        if match and parts.hostname:
            return match.group(1), parts.hostname
    match = re.fullmatch(r"@?([A-Za-z0-9_]+)(?:@([A-Za-z0-9.-]+\.[A-Za-z0-9-]+))?", text)
    if not match or (match.group(2) is None and api_url is None):
        raise CollectError(_("{address} is not a Mastodon address like '@user@mastodon.social'.").format(address=repr(address)))
    return match.group(1), (match.group(2).lower() if match.group(2) else None)


def api_base(instance: str | None, api_url: str | None) -> str:
    base = check_base_url(api_url) if api_url else f"https://{instance}"
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if path.endswith("/api/v1"):
        path = path[: -len("/api/v1")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def fetch_mastodon(
    address: str,
    client: HttpClient,
    day: dt.date,
    *,
    api_url: str | None = None,
    progress: Progress | None = None,
    max_pages: int | None = None,
) -> Fetched:
    """Fetch everything one snapshot needs; raise CollectError (having written nothing) on any failure."""
    user, instance = parse_address(address, api_url)
    base = api_base(instance, api_url)
    host = instance or urlsplit(base).hostname or "instance"
    handle = f"{user}@{host}"
    safe = re.sub(r"[^A-Za-z0-9.@_-]", "_", handle)

    lookup_url = f"{base}/api/v1/accounts/lookup?" + urlencode({"acct": user})
    try:
        answer = client.get(lookup_url)
    except CollectError as exc:
        if exc.status == 404:
            raise CollectError(
                _(
                    "{exc} No account {user} on {hostname}: check the address, and if your server's address differs from your handle's "
                    "domain, pass it with --api-url https://your.server."
                ).format(exc=exc, user=repr(user), hostname=urlsplit(base).hostname),
                url=exc.url, status=exc.status, attempts=exc.attempts,
            ) from None
        raise
    account = answer.json("a Mastodon account")
    if not isinstance(account, dict) or not isinstance(account.get("id"), (str, int)):
        raise CollectError(_("GET {lookup_url}: expected a Mastodon account with an 'id'.").format(lookup_url=lookup_url), url=lookup_url)
    acct = str(account.get("acct") or "")
    if "@" in acct:
        raise CollectError(
            _(
                "GET {lookup_url}: {acct} is not local to {hostname}: collect on the account's home server (another server only knows "
                "part of its followers)."
            ).format(lookup_url=lookup_url, acct=repr(acct), hostname=urlsplit(base).hostname),
            url=lookup_url,
        )
    if account.get("hide_collections") is True:
        raise CollectError(
            _(
                "@{handle} hides its followers list (Preferences → Privacy: 'Hide your social graph'): the public API returns no "
                "follower, so there is nothing to collect. Nothing was stored."
            ).format(handle=handle)
        )
    count = account.get("followers_count")
    # -1 is Mastodon's way of saying the count is hidden.
    expected = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None
    sources = [SourceFile(f"mastodon-account-{safe}-{day.isoformat()}.json", answer.body)]
    if max_pages is None:
        max_pages = 2 * math.ceil(expected / PAGE_LIMIT) + 50 if expected is not None else 100_000

    seen: set[str] = set()
    visited: set[str] = set()
    url: str | None = f"{base}/api/v1/accounts/{quote(str(account['id']), safe='')}/followers?limit={PAGE_LIMIT}"
    pages = 0
    if progress:
        progress(0, expected)
    while url is not None:
        visited.add(url)
        page_answer = client.get(url)
        page = page_answer.json("a Mastodon followers page (an array of accounts)")
        if not isinstance(page, list):
            raise CollectError(
                _('GET {url}: expected an array of accounts, found {name}.').format(url=url, name=type(page).__name__),
                url=url,
            )
        pages += 1
        if page:
            # An empty array is not kept: it holds nothing and no importer recognises it.
            sources.append(SourceFile(f"mastodon-followers-{safe}-{day.isoformat()}-p{pages:04d}.json", page_answer.body))
        for item in page:
            if isinstance(item, dict) and item.get("id") is not None:
                seen.add(str(item["id"]))
        if progress:
            progress(len(seen), expected)
        link = parse_link_header(page_answer.headers.get("link")).get("next")
        if not link:
            break
        next_url = urljoin(url, link)
        if not same_origin(next_url, base):
            raise CollectError(
                _('GET {url}: the next page is on another server ({next_url}); stopped.').format(url=url, next_url=next_url),
                url=url,
            )
        if next_url in visited:
            raise CollectError(
                _(
                    'GET {url}: the next page link points back to a page already read (a pagination loop) after {pages} pages; stopped.'
                ).format(url=url, pages=pages),
                url=url,
            )
        if pages >= max_pages:
            raise CollectError(
                _(
                    'GET {url}: still more pages after {pages} pages ({seen} followers, the account says {expected}); stopped, the list '
                    'does not seem to end.'
                ).format(url=url, pages=pages, seen=len(seen), expected=expected),
                url=url,
            )
        url = next_url
    if not seen and expected:
        raise CollectError(
            _(
                '@{handle} has {expected} followers but the public API listed none (the server may restrict its API to signed-in '
                'users). Nothing was stored.'
            ).format(handle=handle, expected=expected)
        )
    return Fetched("mastodon", handle, sources, len(seen), expected, pages, client.requests)
