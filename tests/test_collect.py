"""The follower collector against a local server shaped like the real APIs (tests/collect_server.py).

Nothing here reaches the internet: every request goes to 127.0.0.1. Sleeps and clocks are
injected (FakeTime), so backoff and schedules are checked as recorded waits, never wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from analytics import __version__
from analytics.collect.arguments import add_collect_parser, parse_interval
from analytics.collect.bluesky import fetch_bluesky, normalize_handle, xrpc_base
from analytics.collect.command import run_collect
from analytics.collect.fetched import CollectError, last_collections, store_fetched
from analytics.collect.http import HttpClient, HttpPolicy, parse_link_header, parse_retry_after
from analytics.collect.mastodon import fetch_mastodon, parse_address
from analytics.store import Store, open_store
from tests.collect_server import CollectServer, Reply, bsky_page, bsky_profile, bsky_view, masto_account, running

DAY = dt.date(2026, 8, 1)
ME_DID = "did:plc:me00000000000000000000aa"
HANDLE = "me.bsky.social"
PROFILE = "/xrpc/app.bsky.actor.getProfile"
FOLLOWERS = "/xrpc/app.bsky.graph.getFollowers"
INSTANCE = "masto.example"


class FakeTime:
    """A clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        return 1_785_000_000.0 + self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server() -> Iterator[CollectServer]:
    with running() as started:
        yield started


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def client(fake: FakeTime, **policy: float) -> HttpClient:
    settings = {"timeout": 2.0, "requests_per_second": 0.0, "retries": 3, "backoff": 1.0} | policy
    return HttpClient(HttpPolicy(**settings), sleep=fake.sleep, clock=fake.clock, wall=fake.wall)  # type: ignore[arg-type]


def one(store: Store, sql: str, params: list[object] | None = None) -> object:
    cursor = store.cursor()
    try:
        row = cursor.execute(sql, params or []).fetchone()
    finally:
        cursor.close()
    assert row is not None
    return row[0]


def nothing_written(store: Store) -> bool:
    return all(one(store, f"SELECT count(*) FROM {t}") == 0 for t in ("imports", "snapshots", "spells", "daily_values"))


def bluesky_three_pages(server: CollectServer, profile_count: int = 251) -> None:
    """250 distinct followers over 3 pages; #99 is on pages 1 and 2; page 2 is short but not last;
    #7 has a handle that no longer resolves."""
    profile = bsky_profile(ME_DID, HANDLE, profile_count)
    base = {"actor": HANDLE, "limit": "100"}
    page1 = [bsky_view(n, "handle.invalid" if n == 7 else None, avatar=n % 5 != 0) for n in range(0, 100)]
    page2 = [bsky_view(n) for n in range(99, 180)]
    page3 = [bsky_view(n) for n in range(180, 250)]
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, base, Reply(body=bsky_page(profile, page1, "c1")))
    server.route(FOLLOWERS, base | {"cursor": "c1"}, Reply(body=bsky_page(profile, page2, "c2")))
    server.route(FOLLOWERS, base | {"cursor": "c2"}, Reply(body=bsky_page(profile, page3, None)))


def collect_bluesky(server: CollectServer, store: Store, fake: FakeTime, day: dt.date = DAY, **policy: float):  # type: ignore[no-untyped-def]
    fetched = fetch_bluesky(HANDLE, client(fake, **policy), day, api_url=server.base)
    return fetched, store_fetched(store, "me", fetched, day)


# --- Bluesky ---


def test_bluesky_three_pages_make_one_snapshot_with_the_profile_count(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    seen: list[tuple[int, int | None]] = []
    fetched = fetch_bluesky(HANDLE, client(fake), DAY, api_url=server.base, progress=lambda n, e: seen.append((n, e)))
    outcome = store_fetched(store, "me", fetched, DAY)

    assert outcome.status == "imported"
    assert (fetched.followers, fetched.expected, fetched.pages, fetched.requests) == (250, 251, 3, 4)
    assert seen == [(0, 251), (100, 251), (180, 251), (250, 251)]
    assert [s.name for s in fetched.sources] == [
        f"bluesky-getProfile-{HANDLE}-2026-08-01.json",
        *(f"bluesky-getFollowers-{HANDLE}-2026-08-01-p{n:04d}.json" for n in (1, 2, 3)),
    ]
    assert one(store, "SELECT count(*) FROM imports") == 1
    assert one(store, "SELECT format FROM imports") == "bluesky_followers"
    assert str(one(store, "SELECT file_name FROM imports")).startswith(f"collected from bluesky: {HANDLE} on 2026-08-01")
    assert one(store, "SELECT members FROM snapshots WHERE kind = 'follower' AND snapshot_date = ?", [DAY]) == 250
    assert one(store, "SELECT count(DISTINCT member_key) FROM member_spells WHERE kind = 'follower'") == 250
    assert one(store, "SELECT count(*) FROM member_spells WHERE member_key = ?", ["did:plc:000000000000000000000099"]) == 1
    assert one(store, "SELECT value FROM daily_values WHERE metric = 'followers' AND day = ?", [DAY]) == 251
    assert one(store, "SELECT handle FROM profiles WHERE member_key = ?", ["did:plc:000000000000000000000007"]) == "handle.invalid"
    assert one(store, "SELECT platform FROM accounts WHERE name = 'me'") == "bluesky"
    assert one(store, "SELECT handle FROM accounts WHERE name = 'me'") == HANDLE
    agents = {r.headers.get("user-agent", "") for r in server.requests}
    assert len(agents) == 1 and agents.pop().startswith(f"Palier/{__version__} ")


def test_collecting_again_the_same_day_changes_nothing_and_the_next_day_adds_a_snapshot(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    assert collect_bluesky(server, store, fake)[1].status == "imported"
    assert collect_bluesky(server, store, fake)[1].status == "unchanged"
    # An unchanged list is still the snapshot of the next day: history must not have holes.
    assert collect_bluesky(server, store, fake, DAY + dt.timedelta(days=1))[1].status == "imported"
    assert one(store, "SELECT count(*) FROM snapshots") == 2
    assert one(store, "SELECT count(*) FROM imports") == 2


def test_a_second_collection_the_same_day_with_other_followers_replaces_that_day(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    collect_bluesky(server, store, fake)
    profile = bsky_profile(ME_DID, HANDLE, 3)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100"}, Reply(body=bsky_page(profile, [bsky_view(n) for n in (1, 2, 3)], None)))
    _, outcome = collect_bluesky(server, store, fake)
    assert "replaced the follower list of 2026-08-01" in outcome.summary
    assert one(store, "SELECT members FROM snapshots") == 3
    frame = last_collections(store)
    assert frame.loc[0, "followers"] == 3 and frame.loc[0, "profile_followers"] == 3


def test_429_with_retry_after_seconds_then_success(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    server.route(PROFILE, {"actor": HANDLE}, Reply(429, {"error": "RateLimitExceeded"}, {"Retry-After": "7"}), Reply(body=profile))
    fetched, outcome = collect_bluesky(server, store, fake)
    assert outcome.status == "imported" and fetched.requests == 5
    assert fake.sleeps == [7.0]


def test_429_with_an_http_date_and_500_back_off(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    retry_at = dt.datetime.fromtimestamp(fake.wall() + 30, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    server.route(PROFILE, {"actor": HANDLE}, Reply(429, b"", {"Retry-After": retry_at}), Reply(body=profile))
    page = bsky_page(profile, [bsky_view(n) for n in range(99, 180)], "c2")
    server.route(
        FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c1"},
        Reply(500, {"error": "InternalServerError"}), Reply(502, b"<html>bad gateway</html>"), Reply(body=page),
    )
    _, outcome = collect_bluesky(server, store, fake)
    assert outcome.status == "imported"
    # 30 s from Retry-After (to the second), then exponential backoff 1 s, 2 s.
    assert [round(s) for s in fake.sleeps] == [30, 1, 2]


def test_5xx_until_retries_run_out_is_a_clear_error_and_writes_nothing(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c2"}, Reply(503, {"error": "Unavailable", "message": "down"}))
    with pytest.raises(CollectError) as caught:
        collect_bluesky(server, store, fake)
    message = str(caught.value)
    assert "cursor=c2" in message and "HTTP 503" in message and "down" in message
    assert "after 3 retries (4 attempts)" in message
    assert caught.value.status == 503 and caught.value.attempts == 4
    assert fake.sleeps == [1.0, 2.0, 4.0]
    assert nothing_written(store)


def test_a_retry_after_longer_than_accepted_fails_at_once(server: CollectServer, fake: FakeTime) -> None:
    server.route(PROFILE, {"actor": HANDLE}, Reply(429, b"", {"Retry-After": "86400"}))
    with pytest.raises(CollectError, match="asks to wait 86400 s"):
        fetch_bluesky(HANDLE, client(fake), DAY, api_url=server.base)
    assert fake.sleeps == []


def test_a_timeout_is_a_clear_error_and_writes_nothing(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    slow = Reply(body=bsky_page(profile, [bsky_view(300)], None), delay=1.0)
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c1"}, slow)
    with pytest.raises(CollectError) as caught:
        collect_bluesky(server, store, fake, timeout=0.1, retries=1)
    message = str(caught.value)
    assert "timed out" in message and "cursor=c1" in message and "after 1 retry (2 attempts)" in message
    assert nothing_written(store)


def test_malformed_json_is_a_clear_error_and_writes_nothing(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c2"}, Reply(body=b'{"subject":{"did":"did:plc:x"},"followers":[{"did'))
    with pytest.raises(CollectError, match=r"cursor=c2: the answer is not valid JSON"):
        collect_bluesky(server, store, fake)
    assert nothing_written(store)


def test_a_page_the_importer_rejects_writes_nothing_not_even_the_profile(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    broken = bsky_page(profile, [{"did": "did:plc:zz", "handle": 12}], None)
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c2"}, Reply(body=broken))
    with pytest.raises(CollectError, match="could not be read.*Nothing was stored"):
        collect_bluesky(server, store, fake)
    assert nothing_written(store)


def test_a_cursor_loop_is_stopped(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100", "cursor": "c2"}, Reply(body=bsky_page(profile, [], "c1")))
    with pytest.raises(CollectError, match="cursor 'c1' a second time"):
        collect_bluesky(server, store, fake)
    assert nothing_written(store)


def test_endless_distinct_cursors_are_stopped(server: CollectServer, fake: FakeTime) -> None:
    profile = bsky_profile(ME_DID, HANDLE, 1)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    base = {"actor": HANDLE, "limit": "100"}
    server.route(FOLLOWERS, base, Reply(body=bsky_page(profile, [], "k0")))
    for n in range(60):
        server.route(FOLLOWERS, base | {"cursor": f"k{n}"}, Reply(body=bsky_page(profile, [], f"k{n + 1}")))
    with pytest.raises(CollectError, match="does not seem to end"):
        fetch_bluesky(HANDLE, client(fake), DAY, api_url=server.base)


def test_an_unknown_handle_is_not_retried(server: CollectServer, fake: FakeTime) -> None:
    server.route(PROFILE, {"actor": "nobody.bsky.social"}, Reply(400, {"error": "InvalidRequest", "message": "Profile not found"}))
    with pytest.raises(CollectError, match="HTTP 400 Bad Request: InvalidRequest - Profile not found"):
        fetch_bluesky("@Nobody.bsky.social", client(fake), DAY, api_url=server.base)
    assert len(server.requests) == 1 and fake.sleeps == []


def test_requests_are_paced_and_a_spent_quota_waits_for_its_reset(server: CollectServer, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    reset = str(int(fake.wall()) + 40)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile, headers={"RateLimit-Remaining": "0", "RateLimit-Reset": reset}))
    fetch_bluesky(HANDLE, client(fake, requests_per_second=4.0), DAY, api_url=server.base)
    assert fake.sleeps[0] == pytest.approx(40, abs=1)
    assert fake.sleeps[1:] == [0.25, 0.25]


# --- Mastodon ---


def mastodon_pages(server: CollectServer, followers_count: int = -1, hide: bool | None = None) -> None:
    """Two pages linked by `Link`; follower 105 is on both; page 1 is short (70 < 80)."""
    me = masto_account("109", "me", INSTANCE, followers=followers_count, hide_collections=hide)
    server.route("/api/v1/accounts/lookup", {"acct": "me"}, Reply(body=me))
    first = [masto_account(str(n), f"f{n}", INSTANCE, local=n % 2 == 0) for n in range(100, 170)]
    second = [masto_account(str(n), f"f{n}", INSTANCE, local=n % 2 == 0) for n in (105, *range(170, 180))]
    path = "/api/v1/accounts/109/followers"
    base = server.base
    server.route(path, {"limit": "80"}, Reply(body=first, headers={
        "Link": f'<{base}{path}?limit=80&max_id=170>; rel="next", <{base}{path}?limit=80&since_id=100>; rel="prev"'}))
    server.route(path, {"limit": "80", "max_id": "170"}, Reply(body=second, headers={
        "Link": f'<{base}{path}?limit=80&since_id=170>; rel="prev"'}))


def test_mastodon_link_pagination_with_a_hidden_follower_count(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    mastodon_pages(server, followers_count=-1)
    seen: list[tuple[int, int | None]] = []
    fetched = fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base, progress=lambda n, e: seen.append((n, e)))
    outcome = store_fetched(store, "me-masto", fetched, DAY)
    assert outcome.status == "imported"
    assert (fetched.followers, fetched.expected, fetched.pages, fetched.handle) == (80, None, 2, f"me@{INSTANCE}")
    assert seen == [(0, None), (70, None), (80, None)]
    assert one(store, "SELECT members FROM snapshots WHERE kind = 'follower'") == 80
    assert one(store, "SELECT count(*) FROM daily_values WHERE metric = 'followers'") == 0
    assert one(store, "SELECT value FROM daily_values WHERE metric = 'posts_total'") == 42
    assert one(store, "SELECT count(*) FROM member_spells WHERE member_key = ?", [f"f105@{INSTANCE}"]) == 1
    assert one(store, "SELECT platform FROM accounts WHERE name = 'me-masto'") == "mastodon"
    frame = last_collections(store)
    assert frame.loc[0, "handle"] == f"me@{INSTANCE}" and frame.loc[0, "followers"] == 80
    assert frame.loc[0, "profile_followers"] is pd.NA


def test_mastodon_account_count_is_stored_when_shown(server: CollectServer, store: Store, fake: FakeTime) -> None:
    mastodon_pages(server, followers_count=81)
    fetched = fetch_mastodon(f"me@{INSTANCE}", client(fake), DAY, api_url=server.base)
    store_fetched(store, "me", fetched, DAY)
    assert one(store, "SELECT value FROM daily_values WHERE metric = 'followers'") == 81


def test_mastodon_hidden_followers_list_is_refused(server: CollectServer, store: Store, fake: FakeTime) -> None:
    mastodon_pages(server, followers_count=12, hide=True)
    with pytest.raises(CollectError, match="hides its followers list"):
        fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base)
    assert len(server.requests) == 1


def test_mastodon_empty_list_is_an_empty_snapshot_when_the_count_is_zero(
    server: CollectServer, store: Store, fake: FakeTime
) -> None:
    server.route("/api/v1/accounts/lookup", {"acct": "me"}, Reply(body=masto_account("109", "me", INSTANCE, followers=0)))
    server.route("/api/v1/accounts/109/followers", {"limit": "80"}, Reply(body=[]))
    fetched = fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base)
    assert store_fetched(store, "me", fetched, DAY).status == "imported"
    assert one(store, "SELECT members FROM snapshots") == 0


def test_mastodon_next_link_to_another_server_and_loops_are_refused(server: CollectServer, fake: FakeTime) -> None:
    mastodon_pages(server)
    path = "/api/v1/accounts/109/followers"
    server.route(path, {"limit": "80"}, Reply(body=[masto_account("1", "a", INSTANCE)], headers={"Link": '<https://elsewhere.example/x>; rel="next"'}))
    with pytest.raises(CollectError, match="another server"):
        fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base)
    server.route(path, {"limit": "80"}, Reply(body=[masto_account("1", "a", INSTANCE)], headers={"Link": f'<{path}?limit=80>; rel="next"'}))
    with pytest.raises(CollectError, match="pagination loop"):
        fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base)


def test_mastodon_unknown_account_says_how_to_fix_it(server: CollectServer, fake: FakeTime) -> None:
    with pytest.raises(CollectError, match="HTTP 404.*--api-url"):
        fetch_mastodon(f"@ghost@{INSTANCE}", client(fake), DAY, api_url=server.base)


def test_mastodon_remote_account_is_refused(server: CollectServer, fake: FakeTime) -> None:
    server.route("/api/v1/accounts/lookup", {"acct": "me"}, Reply(body=masto_account("5", "me", "other.example", local=False)))
    with pytest.raises(CollectError, match="home server"):
        fetch_mastodon(f"@me@{INSTANCE}", client(fake), DAY, api_url=server.base)


# --- Small parsers ---


def test_retry_after_link_and_address_parsing() -> None:
    now = 1_785_000_000.0
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after(None, now) is None and parse_retry_after("soon", now) is None
    date = dt.datetime.fromtimestamp(now + 90, dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(date, now) == pytest.approx(90)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0
    links = parse_link_header('<https://m.example/api/v1/accounts/1/followers?limit=80&max_id=9>; rel="next", <https://m.example/p?since_id=3>; rel="prev"')
    assert links == {"next": "https://m.example/api/v1/accounts/1/followers?limit=80&max_id=9", "prev": "https://m.example/p?since_id=3"}
    assert parse_link_header(None) == {}
    assert parse_address("@me@Mastodon.Social") == ("me", "mastodon.social")
    assert parse_address("https://fosstodon.org/@jo") == ("jo", "fosstodon.org")
    assert parse_address("@me", "https://self.example") == ("me", None)
    with pytest.raises(CollectError):
        parse_address("@me")
    assert normalize_handle("@Me.bsky.social ") == "me.bsky.social"
    with pytest.raises(CollectError):
        normalize_handle("not a handle")
    assert xrpc_base(None) == "https://public.api.bsky.app/xrpc/"
    assert xrpc_base("https://pds.example") == "https://pds.example/xrpc/"
    with pytest.raises(CollectError):
        xrpc_base("file:///etc/passwd")


def test_intervals() -> None:
    assert [parse_interval(t) for t in ("30m", "6h", "24h", "1d", "1.5h")] == [1800, 21600, 86400, 86400, 5400]
    for bad in ("24", "1w", "1m", "h"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_interval(bad)


# --- The command ---


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m analytics")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", type=Path, default=None)
    add_collect_parser(parser.add_subparsers(dest="command", required=True), common)
    return parser.parse_args(["collect", *argv])


def test_collect_once_prints_a_summary(server: CollectServer, store: Store, fake: FakeTime) -> None:
    bluesky_three_pages(server)
    out, err = io.StringIO(), io.StringIO()
    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--timeout", "2")
    code = run_collect(args, store, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY, stdout=out, stderr=err)
    assert code == 0
    assert out.getvalue() == (
        f"me: 250 followers of {HANDLE} collected from Bluesky for 2026-08-01 (the profile says 251), "
        "3 pages in 4 requests; stored as import #1.\n"
    )
    assert err.getvalue() == ""  # a short list shows no progress outside a terminal
    assert fake.sleeps == [pytest.approx(1 / 3)] * 3  # Bluesky's default pace, 3 requests per second


def test_collect_once_failure_raises_for_the_cli(server: CollectServer, store: Store, fake: FakeTime) -> None:
    args = parse("--account", "me", "--mastodon", "@ghost@masto.example", "--api-url", server.base, "--quiet")
    with pytest.raises(CollectError):
        run_collect(args, store, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY)
    assert nothing_written(store)


def test_every_loop_keeps_to_the_schedule_and_survives_a_failed_round(
    server: CollectServer, tmp_path: Path, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    profile = bsky_profile(ME_DID, HANDLE, 251)
    # Round 1 succeeds; round 2 meets a 500 (no retries); round 3 succeeds again.
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile), Reply(500, {"error": "InternalServerError"}), Reply(body=profile))
    path = tmp_path / "loop.duckdb"
    store = open_store(path)
    days = iter([DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=2)])
    out, err = io.StringIO(), io.StringIO()
    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--every", "24h", "--retries", "0", "--rate", "1000")
    code = run_collect(
        args, store, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: next(days),
        max_rounds=3, stdout=out, stderr=err,
    )
    assert code == 0
    loop_sleeps = [s for s in fake.sleeps if s > 3600]
    assert len(loop_sleeps) == 2 and all(abs(s - 86400) < 1 for s in loop_sleeps)
    assert out.getvalue().count("stored as import") == 2
    assert "collection failed: GET" in err.getvalue() and "HTTP 500" in err.getvalue()
    # The store was released between rounds: it opens again here, with rounds 1 and 3 in it.
    reopened = open_store(path)
    try:
        assert one(reopened, "SELECT count(*) FROM snapshots") == 2
        assert sorted(last_collections(reopened)["snapshot_date"].astype(str)) == ["2026-08-03"]
    finally:
        reopened.close()
    store.close()


def test_every_loop_ends_cleanly_on_ctrl_c(server: CollectServer, tmp_path: Path, fake: FakeTime) -> None:
    bluesky_three_pages(server)

    def interrupt(seconds: float) -> None:
        if seconds > 60:
            raise KeyboardInterrupt
        fake.sleep(seconds)

    store = open_store(tmp_path / "c.duckdb")
    err = io.StringIO()
    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--every", "6h", "--quiet")
    code = run_collect(args, store, sleep=interrupt, clock=fake.clock, wall=fake.wall, today=lambda: DAY, stdout=io.StringIO(), stderr=err)
    assert code == 0 and err.getvalue().endswith("stopped.\n")
    store.close()


def test_last_collections_ignores_uploads(store: Store) -> None:
    from tests.conftest import FIXTURES, import_fixture

    import_fixture(store, FIXTURES / "bluesky" / "getFollowers-1.json", FIXTURES / "bluesky" / "getFollowers-2.json")
    frame = last_collections(store)
    assert frame.empty and list(frame.columns) == [
        "account", "platform", "handle", "last_collected_at", "snapshot_date", "followers", "profile_followers",
    ]


def test_progress_outside_a_terminal_is_a_line_per_tenth_then_storing() -> None:
    from analytics.collect.command import ProgressPrinter

    stream = io.StringIO()
    printer = ProgressPrinter(stream, "me.bsky.social")
    for fetched in range(0, 5001, 100):
        printer(fetched, 5003)
    printer.done(storing=True)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "me.bsky.social: 0 / 5,003 followers"
    assert len(lines) == 12 and lines[-2] == "me.bsky.social: 5,000 / 5,003 followers"
    assert lines[-1] == "me.bsky.social: storing 5,000 followers…"
    quiet = io.StringIO()
    short = ProgressPrinter(quiet, "x")
    short(80, None)
    short.done(storing=True)
    assert quiet.getvalue() == ""


def test_a_lazily_opened_store_is_opened_after_the_fetch_and_closed(
    server: CollectServer, tmp_path: Path, fake: FakeTime
) -> None:
    bluesky_three_pages(server)
    path = tmp_path / "lazy.duckdb"
    opened: list[int] = []

    def opener() -> Store:
        opened.append(len(server.requests))
        return open_store(path)

    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--db", str(path))
    assert run_collect(args, opener, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY, stdout=io.StringIO()) == 0
    assert opened == [4]  # after all four requests
    reopened = open_store(path)  # closed again: this process can open it afresh
    try:
        assert one(reopened, "SELECT members FROM snapshots") == 250
    finally:
        reopened.close()


def test_a_busy_store_queues_the_fetched_day_and_the_next_holder_stores_it(
    server: CollectServer, tmp_path: Path, fake: FakeTime
) -> None:
    """The opener gave up (another process held the store past PALIER_STORE_WAIT): the day is
    queued beside the store, not lost, and no command is asked of anyone. Here the store is free
    again at once, so the collector applies its own queued write (the two-process case is in
    tests/test_writers.py)."""
    from analytics.errors import StoreBusyError
    from analytics.pending import APPLIED_LOG, queue_folder

    bluesky_three_pages(server)
    path = tmp_path / "busy.duckdb"

    def busy() -> Store:
        raise StoreBusyError(f"The store {path} is in use by another program (lock).")

    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--db", str(path))
    out = io.StringIO()
    assert run_collect(args, busy, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY,
                       stdout=out, stderr=io.StringIO()) == 0
    assert "queued, then stored as soon as it was free" in out.getvalue()
    assert "250 followers on 2026-08-01" in out.getvalue()
    folder = queue_folder(path)
    assert [p.name for p in folder.iterdir()] == [APPLIED_LOG]  # the job's folder is gone once applied
    assert "collection of me.bsky.social for 2026-08-01" in (folder / APPLIED_LOG).read_text("utf-8")
    stored = open_store(path)
    try:
        assert one(stored, "SELECT members FROM snapshots") == 250
        assert one(stored, "SELECT value FROM daily_values WHERE metric = 'followers'") == 251
    finally:
        stored.close()
