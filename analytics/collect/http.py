"""A polite HTTP client for the public Bluesky and Mastodon APIs.

Polite: it names itself (User-Agent with Palier's version), keeps to a request rate, waits when
the server says its quota is spent, and backs off exponentially on 429 and 5xx, honouring
`Retry-After`. Robust: every request has a timeout, bodies are size-capped, and every failure
becomes a `CollectError` saying which request failed, with what status, after how many retries.

Sleeping and time are injected so tests never wait for real.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from analytics import __version__
from analytics.errors import PalierError
from analytics.i18n import _, ngettext

USER_AGENT = f"Palier/{__version__} (local-first follower analytics; follower collector)"

Sleep = Callable[[float], None]
Clock = Callable[[], float]


class CollectError(PalierError):
    """A collection that could not finish. Nothing of it has been stored."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None, attempts: int = 0) -> None:
        self.url = url
        self.status = status
        self.attempts = attempts
        super().__init__(message)


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 20.0  # seconds, per connect and per read
    requests_per_second: float = 2.0  # 0 or less: no pacing (tests)
    retries: int = 5  # after the first attempt
    backoff: float = 2.0  # first wait; doubled at each retry
    max_backoff: float = 120.0
    # The longest wait Palier accepts from a server (Retry-After, rate-limit reset). Past it the
    # collection fails now rather than hang a cron job for hours.
    max_wait: float = 900.0
    max_bytes: int = 64 * 1024 * 1024  # one page is ~100 KB; anything near this is not an API answer


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    attempts: int

    def json(self, what: str) -> Any:
        """The body as JSON, or a CollectError naming the request and showing the start of the body."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            start = self.body[:120].decode("utf-8", errors="replace")
            raise CollectError(
                _('GET {url}: the answer is not valid JSON ({exc}); expected {what}, found {start}{value}').format(
                    url=self.url, exc=exc, what=what, start=repr(start), value='…' if len(self.body) > 120 else '',
                ),
                url=self.url,
                status=self.status,
                attempts=self.attempts,
            ) from None


class _Transient(Exception):
    """A failure worth retrying: timeout, dropped connection, 429, 5xx."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        super().__init__(reason)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


def _reset_delay(value: str | None, now: float) -> float | None:
    """Seconds until a rate-limit window resets. Bluesky sends epoch seconds, Mastodon an ISO
    time, the IETF draft delta-seconds: told apart by their shape."""
    if not value:
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = float(text)
        return max(0.0, number - now) if number > 1e9 else number
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


def parse_link_header(value: str | None) -> dict[str, str]:
    """`<url>; rel="next", <url>; rel="prev"` → {'next': url, 'prev': url}."""
    links: dict[str, str] = {}
    if not value:
        return links
    for match in re.finditer(r"<([^>]*)>\s*((?:;\s*[^,;<]*)*)", value):
        url, params = match.group(1), match.group(2)
        rel = re.search(r'rel\s*=\s*"?([^";,]+)"?', params)
        if rel:
            for name in rel.group(1).split():
                links.setdefault(name.lower(), url)
    return links


def same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def check_base_url(url: str) -> str:
    """An API base address: http(s) only, so `--api-url` can never read a local file."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CollectError(_("{url} is not an http(s) address like 'https://example.social'.").format(url=repr(url)))
    return url.strip()


def _server_message(body: bytes) -> str:
    """The API's own error text (XRPC `{"error","message"}`, Mastodon `{"error"}`), if any."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    if not isinstance(document, dict):
        return ""
    parts = [str(document[k]) for k in ("error", "message") if isinstance(document.get(k), str)]
    return ": " + " - ".join(parts) if parts else ""


class HttpClient:
    """GET with pacing, retries and timeouts. One client per collection: it counts requests."""

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        *,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        wall: Clock = time.time,
    ) -> None:
        self.policy = policy or HttpPolicy()
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._last_start: float | None = None
        self._not_before: float | None = None
        self.requests = 0
        self._opener = urllib.request.build_opener()

    def _pace(self) -> None:
        now = self._clock()
        wait = 0.0
        if self._not_before is not None:
            wait = max(wait, self._not_before - now)
        if self._last_start is not None and self.policy.requests_per_second > 0:
            wait = max(wait, self._last_start + 1.0 / self.policy.requests_per_second - now)
        if wait > 0:
            self._sleep(wait)
        self._not_before = None
        self._last_start = self._clock()

    def _once(self, url: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})  # noqa: S310 - http(s) only
        timeout = self.policy.timeout
        self.requests += 1
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                status = answer.status
                headers = {k.lower(): v for k, v in answer.headers.items()}
                body = answer.read(self.policy.max_bytes + 1)
        except urllib.error.HTTPError as exc:
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            try:
                body = exc.read(64 * 1024)
            except (OSError, http.client.HTTPException):
                body = b""
            return exc.code, headers, body
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, socket.gaierror):
                # A misspelt server name will not heal in a minute: no retries.
                raise CollectError(
                    _('GET {url}: cannot find the server {hostname} ({value}): check the address (and --api-url).').format(
                        url=url, hostname=repr(urlsplit(url).hostname), value=reason.strerror or reason,
                    ),
                    url=url,
                    attempts=1,
                ) from None
            if isinstance(reason, TimeoutError):
                raise _Transient(f"no answer within {timeout:g} s (timed out)") from None
            raise _Transient(f"connection failed ({reason})") from None
        except TimeoutError:
            raise _Transient(f"no answer within {timeout:g} s (timed out)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient(f"connection broken ({type(exc).__name__}: {exc})") from None
        if len(body) > self.policy.max_bytes:
            raise CollectError(
                _('GET {url}: the answer is larger than {value} MB, which no API page is.').format(
                    url=url, value=self.policy.max_bytes // (1024 * 1024),
                ),
                url=url,
                status=status,
                attempts=1,
            )
        return status, headers, body

    def _note_quota(self, headers: Mapping[str, str]) -> None:
        """When the server says the quota is spent, wait for its reset instead of earning a 429."""
        remaining = headers.get("ratelimit-remaining") or headers.get("x-ratelimit-remaining")
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        delay = _reset_delay(headers.get("ratelimit-reset") or headers.get("x-ratelimit-reset"), self._wall())
        if delay:
            self._not_before = self._clock() + min(delay, self.policy.max_wait)

    def get(self, url: str, *, accept: Collection[int] = ()) -> Response:
        """GET `url`; a status in `accept` (an API's answer about a missing account: 400, 404,
        410) is returned as a Response instead of raised."""
        policy = self.policy
        attempt = 0
        while True:
            attempt += 1
            self._pace()
            try:
                status, headers, body = self._once(url)
                if status == 429 or 500 <= status <= 599:
                    reason = f"HTTP {status} {http.client.responses.get(status, '')}".rstrip()
                    raise _Transient(
                        reason + _server_message(body), status, parse_retry_after(headers.get("retry-after"), self._wall())
                    )
            except _Transient as failure:
                retries_done = attempt - 1
                if retries_done >= policy.retries:
                    raise CollectError(
                        ngettext(
                            "GET {url} failed: {reason}, after {count} retry ({attempt} attempts).",
                            "GET {url} failed: {reason}, after {count} retries ({attempt} attempts).",
                            retries_done,
                        ).format(url=url, reason=failure.reason, count=retries_done, attempt=attempt),
                        url=url,
                        status=failure.status,
                        attempts=attempt,
                    ) from None
                wait = min(policy.backoff * 2 ** (attempt - 1), policy.max_backoff)
                if failure.retry_after is not None:
                    if failure.retry_after > policy.max_wait:
                        raise CollectError(
                            _(
                                'GET {url} failed: {reason}; the server asks to wait {retry_after:.0f} s (Retry-After), more than the '
                                '{max_wait:.0f} s Palier waits. Try again later.'
                            ).format(url=url, reason=failure.reason, retry_after=failure.retry_after, max_wait=policy.max_wait),
                            url=url,
                            status=failure.status,
                            attempts=attempt,
                        ) from None
                    wait = failure.retry_after
                self._sleep(wait)
                continue
            if not 200 <= status <= 299 and status not in accept:
                raise CollectError(
                    f"GET {url} failed: HTTP {status} {http.client.responses.get(status, '')}".rstrip()
                    + _server_message(body) + " (not retried: the server answered that the request itself is wrong).",
                    url=url,
                    status=status,
                    attempts=attempt,
                )
            self._note_quota(headers)
            return Response(url, status, headers, body, attempt)
