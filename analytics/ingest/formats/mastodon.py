"""Mastodon: followers API pages (arrays of Account), one Account (the account itself), and the
data export's following_accounts.csv.

Members are keyed on the full address `user@domain`, lower-cased: Mastodon ids are per
instance, and the `acct` of an account local to the instance that answered has no domain (it is
taken from the profile URL then). The followers list cannot be exported from the settings, only
read from the API; its pages carry no follow dates.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlparse

from analytics.errors import BadExportError
from analytics.i18n import N_, _
from analytics.ingest.csvread import normalize_name, read_csv, require_rows, split_header
from analytics.ingest.formats.jsonread import describe, head_has_key, head_start, load_json
from analytics.ingest.model import MEMBER_DTYPES, ExportFormat, MemberList, Parsed, SourceFile, typed_frame
from analytics.ingest.values import check_count, parse_iso_datetime

FOLLOWERS_WHERE = (
    "Save the responses of https://<instance>/api/v1/accounts/<id>/followers?limit=80 (follow the Link "
    "header's next page) as .json files and upload them together."
)
ACCOUNT_WHERE = "Save https://<instance>/api/v1/accounts/lookup?acct=<you> as a .json file."
FOLLOWING_WHERE = "Mastodon → Preferences → Import and export → Data export → Follows (following_accounts.csv)."
DEFAULT_AVATAR_SUFFIX = "/avatars/original/missing.png"
_BLOCK_END = {"p", "div", "blockquote", "li", "ul", "ol", "pre"}


class _NoteText(HTMLParser):
    """Plain text of an account note: `<br>` is a line break, a paragraph end a blank line.

    Link parts Mastodon hides with `<span class="invisible">` (the scheme, the URL's tail) are
    kept: together with the visible part they spell the whole URL, which is what plain text needs.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_END:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        # HTML whitespace collapses; only tags make line breaks.
        self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))

    def text(self) -> str:
        joined = "".join(self.parts)
        joined = re.sub(r" *\n *", "\n", joined)
        return re.sub(r"\n{3,}", "\n\n", joined).strip()


def note_text(html: str) -> str:
    """Account note HTML → plain text (entities unescaped, tags dropped, line breaks kept)."""
    if "<" not in html:
        return unescape(html).strip()
    parser = _NoteText()
    parser.feed(html)
    parser.close()
    return parser.text()


def _sniff_followers(source: SourceFile) -> bool:
    return (
        head_start(source).startswith("[")
        and head_has_key(source, "acct")
        and head_has_key(source, "username")
    )


def _sniff_account(source: SourceFile) -> bool:
    return (
        head_start(source).startswith("{")
        and head_has_key(source, "acct")
        and head_has_key(source, "username")
        and head_has_key(source, "followers_count")
    )


def _sniff_following(source: SourceFile) -> bool:
    header = {normalize_name(h) for h in split_header(source.head)}
    return "account_address" in header


def _text(account: dict[str, object], key: str, file: str, where: str) -> str | None:
    value = account.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadExportError(file, where, _('a text in {key}').format(key=repr(key)), describe(value))
    return value


def _count(account: dict[str, object], key: str, file: str, where: str) -> int | None:
    value = account.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadExportError(file, f"{where}, {key!r}", _("a whole number"), describe(value))
    # -1 is how Mastodon says the account hides the count.
    return None if value < 0 else check_count(value, file, f"{where}, {key!r}")


def _address(account: dict[str, object], file: str, where: str) -> str:
    """`user@domain` as written (case kept); local accounts get the domain of their URL."""
    acct = _text(account, "acct", file, where) or _text(account, "username", file, where)
    if not acct:
        raise BadExportError(file, where, _("an account with 'acct'"), describe(account))
    acct = acct.lstrip("@")
    if "@" in acct:
        return acct
    for key in ("url", "uri"):
        host = urlparse(_text(account, key, file, where) or "").hostname
        if host:
            return f"{acct}@{host}"
    raise BadExportError(file, where, "a 'url' giving the domain of the local account " + repr(acct), _("none"))


def _moment(value: str | None, file: str, where: str) -> dt.datetime | None:
    if not value:
        return None
    if len(value) == 10:  # last_status_at is a date only since Mastodon 3.1
        try:
            return dt.datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            pass
    return parse_iso_datetime(value, file, where)


def _account_object(value: object, file: str, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise BadExportError(file, where, _("a Mastodon account object"), describe(value))
    return value


def _member(value: object, file: str, where: str) -> dict[str, object]:
    account = _account_object(value, file, where)
    address = _address(account, file, where)
    avatar = _text(account, "avatar", file, where)
    note = _text(account, "note", file, where)
    account_id = account.get("id")
    return {
        "member_key": address.lower(),
        # Ids are the answering instance's own, not global: kept for reference only.
        "platform_id": str(account_id) if account_id is not None else None,
        "handle": address,
        "name": _text(account, "display_name", file, where),
        "bio": note_text(note) if note is not None else None,
        "followers_count": _count(account, "followers_count", file, where),
        "following_count": _count(account, "following_count", file, where),
        "posts_count": _count(account, "statuses_count", file, where),
        "created_at": _moment(_text(account, "created_at", file, where), file, f"{where}, 'created_at'"),
        "last_post_at": _moment(_text(account, "last_status_at", file, where), file, f"{where}, 'last_status_at'"),
        "default_avatar": None if avatar is None else avatar.endswith(DEFAULT_AVATAR_SUFFIX),
        "profile_url": _text(account, "url", file, where),
    }


def parse_followers(source: SourceFile) -> Parsed:
    document = load_json(source, "a Mastodon followers API response")
    if not isinstance(document, list):
        raise BadExportError(source.name, _("top level"), _("an array of accounts"), describe(document))
    members = [_member(item, source.name, f"account {i + 1}") for i, item in enumerate(document)]
    return Parsed(
        format="mastodon_followers",
        platform="mastodon",
        lists=[MemberList("follower", typed_frame(members, MEMBER_DTYPES))],
        rows=len(members),
        # Pagination is in the HTTP Link header, so pages cannot say whose list they are:
        # every followers page uploaded together is one snapshot.
        group_key="mastodon:followers",
    )


def parse_account(source: SourceFile) -> Parsed:
    account = _account_object(load_json(source, "a Mastodon account"), source.name, "top level")
    counts: dict[str, int] = {}
    for key, metric in (("followers_count", "followers"), ("following_count", "following"), ("statuses_count", "posts_total")):
        value = _count(account, key, source.name, "top level")
        if value is not None:
            counts[metric] = value
    notes = [] if "followers" in counts else ["the account hides its follower count: no follower total stored"]
    return Parsed(
        format="mastodon_account",
        platform="mastodon",
        account_handle=_address(account, source.name, "top level"),
        profile_counts=counts,
        rows=1,
        notes=notes,
    )


def parse_following(source: SourceFile) -> Parsed:
    table = read_csv(source.text, source.name, allow_short_rows=True)
    require_rows(table, "at least one followed account")
    address_col = table.require("Account address")
    members: list[dict[str, object]] = []
    for i, row in enumerate(table.rows):
        address = row[address_col].strip().lstrip("@")
        user, _at, domain = address.partition("@")
        if not user or not domain:
            raise BadExportError(source.name, table.where(i, address_col), _("an address like 'user@domain'"), repr(address[:60]))
        members.append(
            {
                "member_key": address.lower(),
                "handle": address,
                "profile_url": f"https://{domain}/@{user}",
            }
        )
    return Parsed(
        format="mastodon_following",
        platform="mastodon",
        lists=[MemberList("following", typed_frame(members, MEMBER_DTYPES))],
        rows=len(table.rows),
        notes=list(table.notes),
    )


FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        key="mastodon_followers",
        label=N_("Mastodon followers (API JSON pages)"),
        platform="mastodon",
        where_to_get=FOLLOWERS_WHERE,
        sniff=_sniff_followers,
        parse=parse_followers,
    ),
    ExportFormat(
        key="mastodon_account",
        label=N_("Mastodon account counters (API account JSON)"),
        platform="mastodon",
        where_to_get=ACCOUNT_WHERE,
        sniff=_sniff_account,
        parse=parse_account,
    ),
    ExportFormat(
        key="mastodon_following",
        label=N_("Mastodon following (following_accounts.csv)"),
        platform="mastodon",
        where_to_get=FOLLOWING_WHERE,
        sniff=_sniff_following,
        parse=parse_following,
        member_pattern=r"(?:^|/)following_accounts\.csv$",
    ),
)
