"""A local stand-in for the Bluesky AppView and a Mastodon server, for the collector's tests.

It listens on 127.0.0.1 on a free port only, answers each route with queued replies (the last
one repeats), records every request, and shapes its bodies as FORMATS.md sections 7 and 8
describe: compact UTF-8 JSON, Bluesky profileViews with absent (not null) keys, Mastodon 4.3
Account objects with `-1` hidden counts and date-only `last_status_at`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = b""  # bytes as they are; anything else is encoded as compact JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeouts); kept short, the server must stop

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


def route_key(path: str, query: dict[str, str] | None = None) -> str:
    return path + "?" + urlencode(sorted((query or {}).items()))


class CollectServer:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                # A repeated parameter (getProfiles' actors) is one key, its values joined by commas.
                query: dict[str, str] = {}
                for name, value in parse_qsl(parts.query, keep_blank_values=True):
                    query[name] = f"{query[name]},{value}" if name in query else value
                reply = server._next(parts.path, query, {k.lower(): v for k, v in self.headers.items()})
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _next(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Seen(path, query, headers))
            queue = self.routes.get(route_key(path, query))
            if not queue:
                return Reply(404, {"error": "NotFound", "message": f"no route for {route_key(path, query)}"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def route(self, path: str, query: dict[str, str] | None, *replies: Reply) -> None:
        self.routes[route_key(path, query)] = list(replies)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running() -> Iterator[CollectServer]:
    server = CollectServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# --- Bluesky shapes (FORMATS.md section 7) ---

def bsky_did(n: int) -> str:
    return f"did:plc:{n:024d}"


def bsky_view(n: int, handle: str | None = None, *, avatar: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {"did": bsky_did(n), "handle": handle or f"user{n}.bsky.social", "displayName": f"User {n}"}
    if avatar:
        view["avatar"] = f"https://cdn.bsky.app/img/avatar/plain/{bsky_did(n)}/bafkreiavatar{n}@jpeg"
    view |= {
        "associated": {"chat": {"allowIncoming": "following"}, "activitySubscription": {"allowSubscriptions": "followers"}},
        "labels": [],
        "createdAt": "2024-11-19T22:03:11.456Z",
        "description": f"Bio of user {n} é",
        "indexedAt": "2025-01-02T03:04:05.678Z",
    }
    return view


def bsky_profile(did: str, handle: str, followers: int, follows: int = 12, posts: int = 340) -> dict[str, Any]:
    return {
        "did": did,
        "handle": handle,
        "displayName": "Me",
        "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
        "labels": [],
        "createdAt": "2023-05-02T17:41:09.873Z",
        "indexedAt": "2025-11-03T08:12:44.102Z",
        "followersCount": followers,
        "followsCount": follows,
        "postsCount": posts,
    }


def bsky_page(subject: dict[str, Any], followers: list[dict[str, Any]], cursor: str | None) -> dict[str, Any]:
    subject_view = {k: v for k, v in subject.items() if k not in ("followersCount", "followsCount", "postsCount")}
    page: dict[str, Any] = {"subject": subject_view}
    if cursor is not None:
        page["cursor"] = cursor
    page["followers"] = followers
    return page


# --- Mastodon shapes (FORMATS.md section 8a) ---

def masto_account(
    account_id: str, username: str, instance: str, *, local: bool = True, followers: int = 10,
    hide_collections: bool | None = None,
) -> dict[str, Any]:
    return {
        "id": account_id,
        "username": username,
        "acct": username if local else f"{username}@{instance}",
        "display_name": username.title(),
        "locked": False,
        "bot": False,
        "discoverable": None,
        "indexable": False,
        "group": False,
        "created_at": "2024-12-13T00:00:00.000Z",
        "note": f"<p>Hello from {username} &amp; co</p>",
        "url": f"https://{instance}/@{username}",
        "uri": f"https://{instance}/users/{username}",
        "avatar": f"https://{instance}/avatars/original/missing.png",
        "avatar_static": f"https://{instance}/avatars/original/missing.png",
        "header": f"https://{instance}/headers/original/missing.png",
        "header_static": f"https://{instance}/headers/original/missing.png",
        "followers_count": followers,
        "following_count": 3,
        "statuses_count": 42,
        "last_status_at": "2025-01-31",
        "hide_collections": hide_collections,
        "emojis": [],
        "fields": [],
    }
