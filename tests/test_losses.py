"""Why followers left: the API checks against a local server on 127.0.0.1, the breakdown, report --json."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from analytics.cli import main as cli_main
from analytics.collect.bluesky import fetch_bluesky
from analytics.collect.fetched import store_fetched
from analytics.collect.losses import check_losses
from analytics.collect.mastodon import fetch_mastodon
from analytics.metrics import losses as ml
from analytics.metrics.report import account_report
from analytics.store import Store
from tests.collect_server import (
    CollectServer,
    Reply,
    bsky_did,
    bsky_page,
    bsky_profile,
    bsky_view,
    masto_account,
    running,
)
from tests.conftest import import_bytes
from tests.test_collect import FakeTime, client

HANDLE = "me.bsky.social"
ME_DID = "did:plc:me0000000000000000000000"
DAY1, DAY2 = dt.date(2026, 8, 1), dt.date(2026, 8, 2)
PROFILE = "/xrpc/app.bsky.actor.getProfile"
PROFILES = "/xrpc/app.bsky.actor.getProfiles"
FOLLOWERS = "/xrpc/app.bsky.graph.getFollowers"


@pytest.fixture
def server() -> Iterator[CollectServer]:
    with running() as started:
        yield started


def bluesky_list(server: CollectServer, store: Store, members: list[int], day: dt.date) -> None:
    profile = bsky_profile(ME_DID, HANDLE, len(members))
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100"},
                 Reply(body=bsky_page(profile, [bsky_view(n) for n in members], None)))
    fetched = fetch_bluesky(HANDLE, client(FakeTime()), day, api_url=server.base)
    assert store_fetched(store, "me", fetched, day).status == "imported"


def breakdown(store: Store, since: dt.date | None = None, until: dt.date | None = None) -> ml.LossBreakdown:
    cursor = store.cursor()
    try:
        row = cursor.execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
        assert row is not None
        account_id = int(row[0])
        return ml.loss_breakdown(cursor, account_id, since, until)
    finally:
        cursor.close()


def test_bluesky_losses_get_their_causes_from_the_api(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, list(range(1, 21)), DAY1)
    # 5 left: 1 and 2 still there (unfollowed), 3 deactivated, 4 taken down, 5 deleted.
    bluesky_list(server, store, list(range(6, 21)), DAY2)
    before = breakdown(store)
    assert before.lost == 5 and before.counts == {**dict.fromkeys(ml.CAUSES, 0), "unknown": 5}
    assert before.change == -5 and before.checked == 0

    server.route(PROFILES, {"actors": ",".join(bsky_did(n) for n in range(1, 6))},
                 Reply(body={"profiles": [bsky_view(1), bsky_view(2)]}))
    server.route(PROFILE, {"actor": bsky_did(3)}, Reply(400, {"error": "AccountDeactivated", "message": "Account is deactivated"}))
    server.route(PROFILE, {"actor": bsky_did(4)}, Reply(400, {"error": "AccountTakedown", "message": "Account has been suspended"}))
    server.route(PROFILE, {"actor": bsky_did(5)}, Reply(400, {"error": "InvalidRequest", "message": "Profile not found"}))
    fake = FakeTime()
    result = check_losses(store, "me", client(fake), api_url=server.base)
    assert result.verdicts == {**dict.fromkeys(ml.CAUSES, 0), "unfollowed": 2, "deactivated": 1, "suspended": 1, "deleted": 1}
    assert result.requests == 4  # one getProfiles for the five, one getProfile per omitted account
    assert all(r.path.startswith("/xrpc/") for r in server.requests)

    after = breakdown(store)
    assert after.counts == {**dict.fromkeys(ml.CAUSES, 0), "unfollowed": 2, "deactivated": 1, "suspended": 1, "deleted": 1}
    assert after.checked == 5 and (after.since, after.until) == (DAY1, DAY2)
    # Checking again replaces the verdicts: still five, not ten.
    check_losses(store, "me", client(fake), api_url=server.base)
    cursor = store.cursor()
    assert cursor.execute("SELECT count(*) FROM loss_verdicts").fetchone() == (5,)
    cursor.close()

    cursor = store.cursor()
    report = account_report(cursor, 1, "me")
    cursor.close()
    assert report["losses"] == {"from": "2026-08-01", "to": "2026-08-02", "unfollowed": 2, "deactivated": 1,
                                "suspended": 1, "deleted": 1, "purge": 0, "renamed": 0, "unknown": 0}


def test_a_failed_request_stores_no_verdict(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, [1, 2, 3], DAY1)
    bluesky_list(server, store, [3], DAY2)
    server.route(PROFILES, {"actors": f"{bsky_did(1)},{bsky_did(2)}"}, Reply(500, {"error": "InternalServerError"}))
    with pytest.raises(Exception, match="getProfiles"):
        check_losses(store, "me", client(FakeTime(), retries=1), api_url=server.base)
    cursor = store.cursor()
    assert cursor.execute("SELECT count(*) FROM loss_verdicts").fetchone() == (0,)
    cursor.close()


def test_many_accounts_gone_at_once_are_a_purge(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, list(range(1, 41)), DAY1)
    bluesky_list(server, store, list(range(31, 41)), DAY2)  # 30 left
    gone = list(range(1, 26))  # 25 of them deactivated
    server.route(PROFILES, {"actors": ",".join(bsky_did(n) for n in range(1, 26))}, Reply(body={"profiles": []}))
    server.route(PROFILES, {"actors": ",".join(bsky_did(n) for n in range(26, 31))},
                 Reply(body={"profiles": [bsky_view(n) for n in range(26, 31)]}))
    for n in gone:
        server.route(PROFILE, {"actor": bsky_did(n)}, Reply(400, {"error": "AccountDeactivated"}))
    check_losses(store, "me", client(FakeTime()), api_url=server.base)
    counts = breakdown(store).counts
    assert counts == {**dict.fromkeys(ml.CAUSES, 0), "purge": 25, "unfollowed": 5}


def test_a_follower_back_in_a_later_list_was_a_gap(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, [1, 2, 3], DAY1)
    bluesky_list(server, store, [1, 2], DAY2)
    bluesky_list(server, store, [1, 2, 3], DAY2 + dt.timedelta(days=1))
    gap = breakdown(store, DAY1, DAY2)
    assert gap.lost == 0 and gap.returned == 1 and gap.counts is not None and sum(gap.counts.values()) == 0


def test_mastodon_losses(server: CollectServer, store: Store) -> None:
    instance = "masto.example"
    me = masto_account("1", "me", instance, followers=4)
    people = [masto_account(str(100 + n), f"u{n}", instance) for n in range(1, 6)]

    def collect(members: list[dict[str, Any]], day: dt.date) -> None:
        server.route("/api/v1/accounts/lookup", {"acct": "me"}, Reply(body=me))
        server.route("/api/v1/accounts/1/followers", {"limit": "80"}, Reply(body=members))
        fetched = fetch_mastodon(f"@me@{instance}", client(FakeTime()), day, api_url=server.base)
        assert store_fetched(store, "me", fetched, day).status == "imported"

    collect(people, DAY1)
    new_u1 = masto_account("200", "u1new", instance)
    collect([people[4], new_u1], DAY2)  # u1 moved to u1new (who follows), u2..u4 left
    server.route("/api/v1/accounts/lookup", {"acct": "u1"}, Reply(body={**people[0], "moved": new_u1}))
    server.route("/api/v1/accounts/lookup", {"acct": "u2"}, Reply(body=people[1]))
    server.route("/api/v1/accounts/lookup", {"acct": "u3"}, Reply(body={**people[2], "suspended": True}))
    server.route("/api/v1/accounts/lookup", {"acct": "u4"}, Reply(404, {"error": "Record not found"}))
    server.route("/api/v1/accounts/104", None, Reply(404, {"error": "Record not found"}))
    result = check_losses(store, "me", client(FakeTime()), api_url=server.base)
    assert result.verdicts == {**dict.fromkeys(ml.CAUSES, 0), "renamed": 1, "unfollowed": 1, "suspended": 1, "deleted": 1}
    assert breakdown(store).counts == result.verdicts


def test_other_platforms_are_not_checked_and_stay_unknown(store: Store) -> None:
    for day, ids in ((DAY1, (1, 2, 3)), (DAY2, (1,))):
        csv = "id,handle\n" + "".join(f"{i},user{i}\n" for i in ids)
        import_bytes(store, {f"followers_{day.isoformat()}.csv": csv.encode()})
    result = check_losses(store, "me", client(FakeTime()))
    assert result.note and "only Bluesky and Mastodon" in result.note
    assert breakdown(store).counts == {**dict.fromkeys(ml.CAUSES, 0), "unknown": 2}


def test_check_losses_command_and_report_json(server: CollectServer, store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from analytics.store import open_store

    db = tmp_path / "cli.duckdb"
    cli_store = open_store(db)
    bluesky_list(server, cli_store, [1, 2], DAY1)
    bluesky_list(server, cli_store, [2], DAY2)
    cli_store.close()
    server.route(PROFILES, {"actors": bsky_did(1)}, Reply(body={"profiles": [bsky_view(1)]}))
    assert cli_main(["check-losses", "--db", str(db), "--account", "me", "--api-url", server.base, "--rate", "100"]) == 0
    assert "1 unfollowed" in capsys.readouterr().out
    assert cli_main(["report", "--db", str(db), "--account", "me", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["losses"]["unfollowed"] == 1 and report["losses"]["from"] == "2026-08-01"
    assert report["followers_by_follow_date"] == []


def test_identity_flag(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, [1, 2], DAY1)
    cursor = store.cursor()
    assert ml.identity_of(cursor, 1).keyed_by == "id" and not ml.identity_of(cursor, 1).renames_look_like_losses
    cursor.close()


def test_a_handle_change_is_a_rename_not_a_loss(server: CollectServer, store: Store) -> None:
    bluesky_list(server, store, [1, 2, 3], DAY1)
    profile = bsky_profile(ME_DID, HANDLE, 3)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    members = [bsky_view(1, "renamed.example.com"), bsky_view(2), bsky_view(3)]
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100"}, Reply(body=bsky_page(profile, members, None)))
    fetched = fetch_bluesky(HANDLE, client(FakeTime()), DAY2, api_url=server.base)
    store_fetched(store, "me", fetched, DAY2)
    result = breakdown(store)
    assert result.lost == 0 and result.change == 0
    assert result.counts == {**dict.fromkeys(ml.CAUSES, 0), "renamed": 1}
    cursor = store.cursor()
    assert cursor.execute("SELECT old_handle, new_handle, changed_on FROM handle_changes").fetchall() == [
        ("user1.bsky.social", "renamed.example.com", DAY2)]
    assert cursor.execute("SELECT handle FROM profiles WHERE member_key = ?", [bsky_did(1)]).fetchone() == (
        "renamed.example.com",)
    cursor.close()


def instagram_followers(people: list[tuple[str, int]]) -> bytes:
    entry = ('{"title": "", "media_list_data": [], "string_list_data": [{"href": "https://www.instagram.com/%s", '
             '"value": "%s", "timestamp": %d}]}')
    return ("[\n" + ",\n".join(entry % (u, u, t) for u, t in people) + "\n]").encode()


def test_current_followers_by_the_day_they_followed(store: Store) -> None:
    day = 86400
    base = 1_735_689_600  # 2025-01-01 00:00 UTC
    people = [("ann", base + 3600), ("bob", base + 7200), ("cy", base + 3 * day), ("dee", base + 10 * day + 60)]
    import_bytes(store, {"followers_1.json": instagram_followers(people)}, snapshot_date=dt.date(2025, 2, 1))
    cursor = store.cursor()
    frame = ml.followers_by_follow_date(cursor, 1)
    identity = ml.identity_of(cursor, 1)
    report = account_report(cursor, 1, "me")
    cursor.close()
    assert [(d.date().isoformat(), n) for d, n in zip(frame["day"], frame["followers"], strict=True)] == [
        ("2025-01-01", 2), ("2025-01-04", 3), ("2025-01-11", 4)]
    assert report["followers_by_follow_date"] == [
        {"date": "2025-01-01", "followers": 2}, {"date": "2025-01-04", "followers": 3},
        {"date": "2025-01-11", "followers": 4}]
    # Instagram has handles only: a rename would look like one who left and one who came.
    assert identity.keyed_by == "handle" and identity.renames_look_like_losses
    # Only the current followers count: one who left by the next list is no longer in the past drawn.
    import_bytes(store, {"followers_1.json": instagram_followers(people[1:])}, snapshot_date=dt.date(2025, 2, 2))
    cursor = store.cursor()
    frame = ml.followers_by_follow_date(cursor, 1)
    cursor.close()
    assert frame["followers"].tolist() == [1, 2, 3]


def test_collect_checks_the_losses_since_the_previous_list(server: CollectServer, store: Store) -> None:
    import io

    from analytics.collect.command import run_collect
    from tests.test_collect import parse

    bluesky_list(server, store, [1, 2, 3], DAY1)
    profile = bsky_profile(ME_DID, HANDLE, 1)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100"}, Reply(body=bsky_page(profile, [bsky_view(3)], None)))
    server.route(PROFILES, {"actors": f"{bsky_did(1)},{bsky_did(2)}"}, Reply(body={"profiles": [bsky_view(2)]}))
    server.route(PROFILE, {"actor": bsky_did(1)}, Reply(400, {"error": "AccountTakedown"}))
    fake = FakeTime()
    err = io.StringIO()
    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--quiet")
    assert run_collect(args, store, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY2,
                       stdout=io.StringIO(), stderr=err) == 0
    assert breakdown(store).counts == {**dict.fromkeys(ml.CAUSES, 0), "unfollowed": 1, "suspended": 1}


def test_a_failed_check_after_collect_keeps_the_list(server: CollectServer, store: Store) -> None:
    import io

    from analytics.collect.command import run_collect
    from tests.test_collect import parse

    bluesky_list(server, store, [1, 2], DAY1)
    profile = bsky_profile(ME_DID, HANDLE, 1)
    server.route(PROFILE, {"actor": HANDLE}, Reply(body=profile))
    server.route(FOLLOWERS, {"actor": HANDLE, "limit": "100"}, Reply(body=bsky_page(profile, [bsky_view(2)], None)))
    server.route(PROFILES, {"actors": bsky_did(1)}, Reply(403, {"error": "Forbidden"}))
    fake = FakeTime()
    err = io.StringIO()
    args = parse("--account", "me", "--bluesky", HANDLE, "--api-url", server.base, "--quiet", "--retries", "0")
    assert run_collect(args, store, sleep=fake.sleep, clock=fake.clock, wall=fake.wall, today=lambda: DAY2,
                       stdout=io.StringIO(), stderr=err) == 0
    assert "could not be checked" in err.getvalue() and "403" in err.getvalue()
    result = breakdown(store)
    assert result.until == DAY2 and result.counts is not None and result.counts["unknown"] == 1


def test_losses_between_any_two_lists_are_the_set_differences(store: Store) -> None:
    # Followers leave and come back (several spells each) in a seeded sequence of lists: between
    # every pair, the lost are those of the first list missing from the second, flagged as back
    # when a later list has them, and the breakdown counts the others.
    import random

    rng = random.Random(16)
    days = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(7)]
    members = {day: sorted({f"m{i}" for i in range(40) if rng.random() < 0.6}) for day in days}
    for day in days:
        csv = "handle\n" + "".join(f"{m}\n" for m in members[day])
        assert import_bytes(store, {f"followers_{day.isoformat()}.csv": csv.encode()}, snapshot_date=day)[0].status == "imported"
    cursor = store.cursor()
    account = cursor.execute("SELECT account_id FROM accounts").fetchall()[0][0]
    for i, since in enumerate(days):
        for until in days[i + 1:]:
            lost = set(members[since]) - set(members[until])
            later = {m for day in days if day > until for m in members[day]}
            rows = ml.lost_members(cursor, account, since, until)
            assert sorted(rows["member_key"]) == sorted(lost), (since, until)
            assert {k for k, back in zip(rows["member_key"], rows["returned"], strict=True) if back} == lost & later
            assert ml.loss_breakdown(cursor, account, since, until).lost == len(lost - later), (since, until)
