"""Asking the public APIs why followers left: `check-losses`, and one pass after each `collect`.

For the followers in one list and not in the next (`analytics.metrics.losses.lost_members`), the
platform's public API says whether the account is still there (it unfollowed), deactivated,
suspended or deleted. Requests go through the collector's client (`http.py`: pacing, timeouts,
retries with backoff). Every answer is fetched before anything is written; the verdicts are
written in one transaction (`loss_verdicts`, migration 8), a new check of a loss replacing the
old verdict.

Bluesky (FORMATS.md section 7): `app.bsky.actor.getProfiles` (25 DIDs a request) omits the
accounts it cannot show; each omitted one is asked again with `app.bsky.actor.getProfile`, which
answers 400 with the error `AccountDeactivated` or `AccountTakedown`, or "Profile not found" for
a deleted account. Mastodon: `/api/v1/accounts/lookup?acct=user@domain` on the account's server,
then `/api/v1/accounts/:id` when the lookup finds nothing and the id is known; 404 (or 410) is a
deleted account, `"suspended": true` a suspended one, `"moved"` a deactivated one (renamed when
the new account follows in the later list).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd

from analytics.collect import bluesky as bsky
from analytics.collect import mastodon as masto
from analytics.collect.http import CollectError, HttpClient
from analytics.i18n import N_, _
from analytics.metrics.losses import CAUSES, follower_lists, lost_members
from analytics.store import Store
from analytics.store.accounts import require_account

PROFILES_BATCH = 25  # getProfiles' limit of actors per request
CHECKED_PLATFORMS = ("bluesky", "mastodon")

# Where the account's platform has no public API to ask (or is not known).
NOT_CHECKABLE = N_(
    "Account {name!r} is on {platform}: only Bluesky and Mastodon accounts can be checked against a public API. "
    "Its losses stay 'unknown' (a follower back in a later list still counts as a gap)."
)
NO_MASTODON_SERVER = (
    "Account {name!r} has no Mastodon address on record, so Palier does not know which server to ask: "
    "pass it with --api-url https://your.server."
)
NOT_ENOUGH_LISTS = N_("Account {name!r} has {count} follower list(s): two are needed to see who left.")
# The causes as the command's summary names them (stored and counted in English).
CAUSE_WORDS = {
    "unfollowed": N_("unfollowed"), "deactivated": N_("deactivated"), "suspended": N_("suspended"),
    "deleted": N_("deleted"), "purge": N_("purge"), "renamed": N_("renamed"), "unknown": N_("unknown"),
}

DELETE_VERDICTS_SQL = "DELETE FROM loss_verdicts WHERE account_id = $a AND member_id = $m AND absent_on = $d"
INSERT_VERDICT_SQL = """
INSERT INTO loss_verdicts (account_id, member_id, absent_on, cause, detail, checked_at)
VALUES ($a, $m, $d, $cause, $detail, $at)
"""
IN_LIST_SQL = """
SELECT EXISTS (
    SELECT 1 FROM spells s JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
    WHERE s.account_id = $a AND s.kind = 'follower' AND lower(p.member_key) = lower($key)
      AND s.first_seen <= $d AND coalesce(s.last_seen, DATE '9999-12-31') >= $d)
"""


@dataclass(frozen=True)
class Verdict:
    cause: str  # one of analytics.metrics.losses.VERDICTS
    detail: str | None = None


@dataclass
class CheckResult:
    account: str
    since: dt.date | None
    until: dt.date | None
    verdicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CAUSES, 0))
    requests: int = 0
    note: str | None = None  # why nothing was checked

    def line(self) -> str:
        if self.note:
            return self.note
        checked = sum(self.verdicts.values())
        found = ", ".join(str(n) + " " + _(CAUSE_WORDS.get(cause, cause)) for cause, n in self.verdicts.items() if n)
        text = _("{account}: {checked} follower(s) who left between {since} and {until} checked ({requests} requests)").format(
            account=self.account, checked=checked, since=self.since, until=self.until, requests=self.requests)
        return text + (f": {found}." if found else ".")


def _error_of(body: bytes) -> tuple[str, str]:
    """An XRPC or Mastodon error body's (error, message), empty strings when absent."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("error") or ""), str(data.get("message") or "")


def check_bluesky(dids: Sequence[str], client: HttpClient, api_url: str | None = None) -> dict[str, Verdict]:
    """Verdicts for Bluesky accounts (by DID) that stopped following."""
    base = bsky.xrpc_base(api_url)
    verdicts: dict[str, Verdict] = {}
    for start in range(0, len(dids), PROFILES_BATCH):
        batch = list(dids[start : start + PROFILES_BATCH])
        url = f"{base}app.bsky.actor.getProfiles?" + urlencode([("actors", did) for did in batch])
        answer = client.get(url).json("a list of Bluesky profiles")
        shown = {p.get("did") for p in (answer.get("profiles") or []) if isinstance(p, dict)} if isinstance(answer, dict) else set()
        for did in batch:
            if did in shown:
                verdicts[did] = Verdict("unfollowed")
                continue
            one = client.get(f"{base}app.bsky.actor.getProfile?" + urlencode({"actor": did}), accept=(400, 404))
            if 200 <= one.status <= 299:
                # Shown alone though omitted from the batch: there, so it unfollowed.
                verdicts[did] = Verdict("unfollowed")
                continue
            error, message = _error_of(one.body)
            if error == "AccountDeactivated":
                verdicts[did] = Verdict("deactivated", error)
            elif error == "AccountTakedown":
                verdicts[did] = Verdict("suspended", error)
            elif "not found" in message.lower() or "not found" in error.lower():
                verdicts[did] = Verdict("deleted", message or error)
            else:
                verdicts[did] = Verdict("unknown", f"HTTP {one.status} {error} {message}".strip())
    return verdicts


def _mastodon_verdict(account: object, follows_later: Callable[[str], bool]) -> Verdict:
    if not isinstance(account, dict):
        return Verdict("unknown", "not a Mastodon account")
    if account.get("suspended") is True:
        return Verdict("suspended", "suspended")
    moved = account.get("moved")
    if isinstance(moved, dict):
        new = str(moved.get("acct") or "")
        if new and follows_later(new):
            return Verdict("renamed", f"moved to {new}")
        return Verdict("deactivated", f"moved to {new}" if new else "moved")
    return Verdict("unfollowed")


def check_mastodon(
    members: pd.DataFrame, client: HttpClient, base: str, home: str, follows_later: Callable[[str], bool]
) -> dict[str, Verdict]:
    """Verdicts for Mastodon accounts (rows with member_key 'user@domain' and platform_id, the
    account id on the home server) that stopped following."""
    verdicts: dict[str, Verdict] = {}
    for row in members.itertuples():
        address = str(row.member_key)
        user, _, domain = address.partition("@")
        acct = user if domain == home else address
        answer = client.get(f"{base}/api/v1/accounts/lookup?" + urlencode({"acct": acct}), accept=(404, 410))
        if answer.status == 404 and isinstance(row.platform_id, str) and row.platform_id:
            answer = client.get(f"{base}/api/v1/accounts/{row.platform_id}", accept=(404, 410))
        if answer.status == 404:
            verdicts[address] = Verdict("deleted", "HTTP 404")
        elif answer.status == 410:
            verdicts[address] = Verdict("suspended", "HTTP 410 Gone")
        else:
            verdicts[address] = _mastodon_verdict(answer.json("a Mastodon account"), follows_later)
    return verdicts


def _absent_on(last_seen: object, lists: list[dt.date], until: dt.date) -> dt.date:
    """The first list after the member's last one (the later list when unknown)."""
    if isinstance(last_seen, (dt.date, pd.Timestamp)) and not pd.isna(last_seen):
        day = last_seen.date() if isinstance(last_seen, pd.Timestamp) else last_seen
        later = [d for d in lists if d > day]
        if later:
            return later[0]
    return until


def check_losses(
    store: Store,
    account_name: str,
    client: HttpClient,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    api_url: str | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None),
) -> CheckResult:
    """Ask the account's platform about the followers who left between two lists (the latest
    two by default) and store the verdicts. Raises CollectError, having stored nothing, when a
    request fails."""
    cursor = store.cursor()
    try:
        account = require_account(cursor, account_name)
        lists = follower_lists(cursor, account.account_id)
        if since is None or until is None:
            if len(lists) < 2:
                return CheckResult(account.name, None, None,
                                   note=_(NOT_ENOUGH_LISTS).format(name=account.name, count=len(lists)))
            since, until = lists[-2], lists[-1]
        if account.platform not in CHECKED_PLATFORMS:
            return CheckResult(account.name, since, until,
                               note=_(NOT_CHECKABLE).format(name=account.name, platform=account.platform or _("an unknown platform")))
        lost = lost_members(cursor, account.account_id, since, until)
    finally:
        cursor.close()
    lost = lost[~lost["returned"].astype(bool)]
    result = CheckResult(account.name, since, until)
    if lost.empty:
        return result
    before = client.requests
    if account.platform == "bluesky":
        by_key = check_bluesky(lost["member_key"].astype(str).tolist(), client, api_url)
    else:
        if not account.handle and not api_url:
            raise CollectError(NO_MASTODON_SERVER.format(name=account.name))
        _user, instance = masto.parse_address(account.handle or "@me", api_url)
        base = masto.api_base(instance, api_url)
        home = instance or ""
        later = until

        def follows_later(address: str) -> bool:
            key = address if "@" in address else f"{address}@{home}"
            reader = store.cursor()
            try:
                row = reader.execute(IN_LIST_SQL, {"a": account.account_id, "key": key, "d": later}).fetchone()
            finally:
                reader.close()
            return bool(row and row[0])

        by_key = check_mastodon(lost, client, base, home, follows_later)
    result.requests = client.requests - before
    checked_at = now()
    with store.transaction() as writer:
        rows = zip(lost["member_id"].astype("int64").tolist(), lost["member_key"].astype(str).tolist(),
                   lost["last_seen"].tolist(), strict=True)
        for member_id, key, last_seen in rows:
            verdict = by_key.get(key, Verdict("unknown"))
            params = {"a": account.account_id, "m": member_id, "d": _absent_on(last_seen, lists, until)}
            writer.execute(DELETE_VERDICTS_SQL, params)
            writer.execute(INSERT_VERDICT_SQL, {**params, "cause": verdict.cause, "detail": verdict.detail, "at": checked_at})
            result.verdicts[verdict.cause] += 1
    return result


__all__ = ["CheckResult", "CollectError", "Verdict", "check_bluesky", "check_losses", "check_mastodon"]
