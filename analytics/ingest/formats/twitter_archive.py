"""The Twitter/X data archive (`twitter-YYYY-MM-DD-<hex>.zip`): the `data/*.js` files Palier reads.

Each file is a JavaScript assignment, `window.YTD.<type>.part<N> = [ ... ]`, around pretty JSON
in which every number is a string. Palier reads the follower and following lists (ids only: the
archive has no handles, names or follow dates), the tweets, the account (for the handle) and
`manifest.js` (for the date the archive was generated, which dates the lists).

The archive arrives as the zip, as its unzipped folder, or as loose files picked from `data/`.
Every format here shares the group key `x_archive`, so loose files uploaded together become one
import, exactly as if they had come in the zip.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from analytics.errors import BadExportError
from analytics.i18n import _
from analytics.ingest.model import (
    MEMBER_DTYPES,
    POST_DTYPES,
    ExportFormat,
    ListKind,
    MemberList,
    Parsed,
    SourceFile,
    typed_frame,
)
from analytics.ingest.values import parse_int, parse_iso_datetime

PLATFORM = "x"
GROUP_KEY = "x_archive"

_YTD = re.compile(r"^\s*window\.YTD\.(?P<type>\w+)\.part(?P<part>\d+)\s*=")
_THAR = re.compile(r"^\s*window\.__THAR_CONFIG\s*=")
_DIGITS = re.compile(r"\d{1,20}")
_WS = " \t\r\n"


def _ytd_type(source: SourceFile) -> str | None:
    match = _YTD.match(source.head)
    return match["type"] if match else None


@dataclass(frozen=True)
class Entry:
    """One element of an archive file's array, and where it sits in the text."""

    value: Any
    text: str
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.text.count("\n", 0, self.start) + 1

    def where(self, key: str, value: Any = None) -> str:
        """`line N, field 'key'`, N being the line of that key inside this entry when it is found."""
        pattern = re.escape(json.dumps(key)) + r"\s*:"
        if value is not None:
            pattern += r"\s*" + re.escape(json.dumps(value, ensure_ascii=False))
        match = re.compile(pattern).search(self.text, self.start, self.end)
        at = match.start() if match else self.start
        return f"line {self.text.count(chr(10), 0, at) + 1}, field {key!r}"


def _entries(source: SourceFile) -> Iterator[Entry]:
    """Each element of the assigned array, kept with its position for errors a person can find."""
    text = source.text
    equals = text.find("=")
    if equals < 0 or not _YTD.match(text):
        raise BadExportError(source.name, _("line 1"), _("'window.YTD.<type>.part0 = [' (a Twitter archive file)"), repr(text[:60]))
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        while at < len(text) and text[at] in _WS:
            at += 1
        return at

    def fail(at: int, expected: str) -> BadExportError:
        found = repr(text[at : at + 40]) if at < len(text) else "the end of the file"
        return BadExportError(source.name, _('line {value}').format(value=text.count(chr(10), 0, at) + 1), expected, found)

    pos = skip(equals + 1)
    if pos >= len(text) or text[pos] != "[":
        raise fail(pos, _("'[' after '=' (the archive's array of entries)"))
    pos = skip(pos + 1)
    if pos < len(text) and text[pos] == "]":
        pos = skip(pos + 1)
    else:
        while True:
            start = pos
            try:
                value, pos = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise BadExportError(
                    source.name,
                    _('line {lineno}, column {colno}').format(lineno=exc.lineno, colno=exc.colno),
                    _("valid JSON"),
                    exc.msg,
                ) from None
            yield Entry(value, text, start, pos)
            pos = skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos = skip(pos + 1)
                break
            raise fail(pos, _("',' or ']' between entries"))
    if text[pos:].strip(_WS + ";"):
        raise fail(pos, _("nothing after the closing ']'"))


def _field(entry: Entry, key: str, source: SourceFile) -> dict[str, Any]:
    """The object under `key` in one entry (`{"follower" : {...}}`)."""
    inner = entry.value.get(key) if isinstance(entry.value, dict) else None
    if not isinstance(inner, dict):
        value = entry.value
        found = f"keys {', '.join(repr(k) for k in value)}" if isinstance(value, dict) else type(value).__name__
        raise BadExportError(
            source.name,
            _('line {line}').format(line=entry.line),
            _('an entry {{"{key}" : {{...}}}}').format(key=key),
            found,
        )
    return inner


def _digits(value: Any, source: SourceFile, where: str, what: str) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _DIGITS.fullmatch(text):
        raise BadExportError(source.name, where, _('{what} made of digits').format(what=what), repr(value))
    return text


def _count(inner: dict[str, Any], key: str, entry: Entry, source: SourceFile) -> int | None:
    value = inner.get(key)
    if value is None:
        return None
    where = entry.where(key, value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise BadExportError(source.name, where, _("a whole number"), repr(value))
    number = parse_int(str(value), source.name, where)
    if number is not None and number < 0:
        raise BadExportError(source.name, where, _("a count of 0 or more"), str(number))
    return number


def _sniff_list(kind: ListKind) -> Callable[[SourceFile], bool]:
    def sniff(source: SourceFile) -> bool:
        return _ytd_type(source) == kind

    return sniff


def _parse_list(kind: ListKind) -> Callable[[SourceFile], Parsed]:
    def parse(source: SourceFile) -> Parsed:
        members: list[dict[str, object]] = []
        for entry in _entries(source):
            inner = _field(entry, kind, source)
            account_id = _digits(inner.get("accountId"), source, entry.where("accountId"), "an account id")
            link = inner.get("userLink")
            members.append(
                {
                    "member_key": account_id,
                    "platform_id": account_id,
                    "profile_url": link if isinstance(link, str) and link else None,
                }
            )
        notes = [f"{kind} list: account ids only (the archive has no handles or names)"] if members else []
        return Parsed(
            format=f"x_archive_{kind}",
            platform=PLATFORM,
            lists=[MemberList(kind, typed_frame(members, MEMBER_DTYPES))],
            rows=len(members),
            notes=notes,
            group_key=GROUP_KEY,
        )

    return parse


def _sniff_tweets(source: SourceFile) -> bool:
    return _ytd_type(source) in ("tweets", "tweet")


def _created_at(value: Any, source: SourceFile, where: str) -> dt.datetime:
    try:
        parsed = dt.datetime.strptime(str(value).strip(), "%a %b %d %H:%M:%S %z %Y")
    except ValueError:
        raise BadExportError(source.name, where, _("a time like 'Sat Jul 25 08:26:58 +0000 2026'"), repr(value)) from None
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def parse_tweets(source: SourceFile) -> Parsed:
    posts: list[dict[str, object]] = []
    for entry in _entries(source):
        value = entry.value
        # Archives from about 2019 wrote the tweet object without the {"tweet" : ...} wrapper.
        bare = isinstance(value, dict) and "tweet" not in value and "id_str" in value
        tweet: dict[str, Any] = value if bare else _field(entry, "tweet", source)
        id_key = "id_str" if "id_str" in tweet else "id"
        post_id = _digits(tweet.get(id_key), source, entry.where(id_key), "a tweet id")
        text = html.unescape(str(tweet.get("full_text", tweet.get("text", ""))))
        if text.startswith("RT @"):
            kind = "repost"
        elif _present(tweet.get("in_reply_to_status_id_str")) or _present(tweet.get("in_reply_to_status_id")):
            kind = "reply"
        else:
            kind = "post"
        posts.append(
            {
                "post_id": post_id,
                "posted_at": _created_at(tweet.get("created_at"), source, entry.where("created_at")),
                "has_time": True,
                "text": text or None,
                "kind": kind,
                "likes": _count(tweet, "favorite_count", entry, source),
                "reposts": _count(tweet, "retweet_count", entry, source),
            }
        )
    return Parsed(
        format="x_archive_tweets",
        platform=PLATFORM,
        posts=typed_frame(posts, POST_DTYPES),
        rows=len(posts),
        group_key=GROUP_KEY,
    )


def _sniff_account(source: SourceFile) -> bool:
    return _ytd_type(source) == "account"


def parse_account(source: SourceFile) -> Parsed:
    handle = None
    rows = 0
    for entry in _entries(source):
        inner = _field(entry, "account", source)
        rows += 1
        username = inner.get("username")
        if not isinstance(username, str) or not username.strip():
            raise BadExportError(source.name, entry.where("username"), _("the account's handle"), repr(username))
        handle = handle or username.strip().lstrip("@")
    return Parsed(format="x_archive_account", platform=PLATFORM, account_handle=handle, rows=rows, group_key=GROUP_KEY)


def _sniff_manifest(source: SourceFile) -> bool:
    return _THAR.match(source.head) is not None


def parse_manifest(source: SourceFile) -> Parsed:
    text = source.text
    body = text[text.index("=") + 1 :].strip().rstrip(";")
    try:
        config = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadExportError(
            source.name,
            _('line {lineno}').format(lineno=exc.lineno),
            _("valid JSON after 'window.__THAR_CONFIG ='"),
            exc.msg,
        ) from None
    if not isinstance(config, dict):
        raise BadExportError(source.name, _("line 1"), _("an object after 'window.__THAR_CONFIG ='"), type(config).__name__)
    archive_info = config.get("archiveInfo") if isinstance(config.get("archiveInfo"), dict) else {}
    generated = archive_info.get("generationDate")
    export_date = None
    if generated:
        export_date = parse_iso_datetime(str(generated), source.name, "field 'archiveInfo.generationDate'").date()
    user_info = config.get("userInfo") if isinstance(config.get("userInfo"), dict) else {}
    user_name = user_info.get("userName")
    return Parsed(
        format="x_archive_manifest",
        platform=PLATFORM,
        account_handle=user_name.strip() if isinstance(user_name, str) and user_name.strip() else None,
        export_date=export_date,
        group_key=GROUP_KEY,
    )


WHERE_TO_GET = "x.com → Settings → Your account → Download an archive of your data (a twitter-<date>-<id>.zip)"


def _archive_format(
    key: str, file: str, what: str, member: str, sniff: Callable[[SourceFile], bool], parse: Callable[[SourceFile], Parsed]
) -> ExportFormat:
    return ExportFormat(
        key=key,
        label=f"X data archive: {what} ({file})",
        platform=PLATFORM,
        where_to_get=f"{WHERE_TO_GET}; upload the zip as downloaded, its data/ folder, or data/{file} alone.",
        sniff=sniff,
        parse=parse,
        member_pattern=rf"(^|/)data/{member}$",
    )


FORMATS: tuple[ExportFormat, ...] = (
    _archive_format(
        "x_archive_follower", "follower.js", "followers", r"follower\.js", _sniff_list("follower"), _parse_list("follower")
    ),
    _archive_format(
        "x_archive_following", "following.js", "following", r"following\.js", _sniff_list("following"), _parse_list("following")
    ),
    # tweets.js, tweets-part1.js ... and tweet.js in archives from about 2019-2022.
    _archive_format("x_archive_tweets", "tweets.js", "posts", r"tweets?(-part\d+)?\.js", _sniff_tweets, parse_tweets),
    _archive_format("x_archive_account", "account.js", "account", r"account\.js", _sniff_account, parse_account),
    _archive_format("x_archive_manifest", "manifest.js", "manifest", r"manifest\.js", _sniff_manifest, parse_manifest),
)
