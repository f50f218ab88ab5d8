"""Instagram, LinkedIn, Bluesky, Mastodon and Social Blade importers: parsing and end-to-end loads.

Expected values are worked out by hand from the fixtures under tests/fixtures/<platform>/, which
reproduce the real files' bytes (see /work/shared/FORMATS.md sections 5-9).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from analytics.errors import BadExportError
from analytics.ingest.formats import bluesky, instagram, linkedin, mastodon, socialblade
from analytics.ingest.model import SourceFile
from analytics.ingest.registry import detect, wanted_in_bundle
from analytics.store import Store
from tests.conftest import import_bytes, import_fixture

D = dt.date
T = dt.datetime
SNAP = D(2026, 2, 18)


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    cursor = store.cursor()
    try:
        return cursor.execute(sql, params or []).fetchall()
    finally:
        cursor.close()


def one(store: Store, sql: str, params: list[Any] | None = None) -> Any:
    found = rows(store, sql, params)
    assert len(found) == 1, found
    return found[0][0] if len(found[0]) == 1 else found[0]


def profile(store: Store, key: str, *columns: str) -> tuple[Any, ...]:
    return rows(store, f"SELECT {', '.join(columns)} FROM profiles WHERE member_key = ?", [key])[0]


def parse(path: Path) -> Any:
    source = SourceFile(path.name, path.read_bytes())
    return detect(source).parse(source)


def daily(store: Store, metric: str) -> dict[dt.date, int]:
    return dict(rows(store, "SELECT day, value FROM daily_latest WHERE metric = ? ORDER BY day", [metric]))


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("instagram/followers_1.json", "instagram_followers"),
        ("instagram/followers_2.json", "instagram_followers"),
        ("instagram/following.json", "instagram_following"),
        ("instagram/following_2024.json", "instagram_following"),
        ("linkedin/Connections.csv", "linkedin_connections"),
        ("linkedin/Connections_2018.csv", "linkedin_connections"),
        ("linkedin/New followers-Table 1.csv", "linkedin_company_followers"),
        ("bluesky/getFollowers-1.json", "bluesky_followers"),
        ("bluesky/getFollowers-2.json", "bluesky_followers"),
        ("bluesky/getProfile.json", "bluesky_profile"),
        ("mastodon/followers-page1.json", "mastodon_followers"),
        ("mastodon/account.json", "mastodon_account"),
        ("mastodon/following_accounts.csv", "mastodon_following"),
        ("socialblade/socialblade-jdoe.json", "socialblade_statistics"),
    ],
)
def test_each_fixture_is_detected_as_its_format(fixtures: Path, path: str, key: str) -> None:
    source = SourceFile(Path(path).name, (fixtures / path).read_bytes())
    assert detect(source).key == key


def test_mastodon_followers_named_like_instagram_pages_are_still_mastodon(fixtures: Path) -> None:
    source = SourceFile("followers_1.json", (fixtures / "mastodon/followers-page1.json").read_bytes())
    assert detect(source).key == "mastodon_followers"


def test_bundle_patterns_pick_the_instagram_and_linkedin_members() -> None:
    assert wanted_in_bundle("connections/followers_and_following/followers_1.json")
    assert wanted_in_bundle("connections/followers_and_following/followers_12.json")
    assert wanted_in_bundle("connections/followers_and_following/following.json")
    assert wanted_in_bundle("Basic_LinkedInDataExport_02-18-2026/Connections.csv")
    assert not wanted_in_bundle("connections/followers_and_following/pending_follow_requests.json")


# --- Instagram ---------------------------------------------------------------------------------


def test_instagram_fixture_keeps_the_real_pretty_print(fixtures: Path) -> None:
    data = (fixtures / "instagram/followers_1.json").read_bytes()
    assert b'"media_list_data": [\n      \n    ],' in data
    assert not data.endswith(b"\n")
    assert data.isascii()


def test_instagram_followers_page_parses_usernames_dates_and_links(fixtures: Path) -> None:
    parsed = parse(fixtures / "instagram/followers_1.json")
    assert parsed.platform == "instagram"
    assert parsed.group_key == "instagram:followers"
    (members,) = parsed.lists
    assert members.kind == "follower"
    frame = members.members
    assert list(frame["member_key"]) == ["maria.lopez", "pixel.garden", "tom_baker"]
    assert list(frame["followed_at"]) == [T(2026, 2, 17, 9, 30), T(2026, 1, 5, 22, 15, 10), T(2025, 11, 30, 0, 0, 5)]
    assert frame["profile_url"][1] == "https://www.instagram.com/pixel.garden"


def test_instagram_following_both_shapes(fixtures: Path) -> None:
    new = parse(fixtures / "instagram/following.json").lists[0]
    assert new.kind == "following"
    assert list(new.members["member_key"]) == ["maria.lopez", "nasa", "coffee.lab"]
    assert list(new.members["handle"]) == ["maria.lopez", "nasa", "coffee.lab"]
    assert new.members["profile_url"][1] == "https://www.instagram.com/_u/nasa"
    assert new.members["followed_at"][1] == T(2024, 7, 20, 20, 17, 40)
    assert new.members["name"].isna().all()  # the title is the username, not a name

    old = parse(fixtures / "instagram/following_2024.json").lists[0]
    assert list(old.members["member_key"]) == ["natgeo", "nasa"]
    assert old.members["followed_at"][1] == T(2023, 9, 9, 9, 9, 9)
    assert old.members["profile_url"][0] == "https://www.instagram.com/natgeo"


def test_instagram_pages_uploaded_together_are_one_snapshot_and_one_import(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(
        store, fixtures / "instagram/followers_2.json", fixtures / "instagram/followers_1.json", snapshot_date=SNAP
    )
    assert [o.status for o in outcomes] == ["imported"]
    assert outcomes[0].name == "followers_1.json + followers_2.json"
    assert one(store, "SELECT count(*) FROM imports") == 1
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", SNAP, 5)]
    keys = [r[0] for r in rows(store, "SELECT member_key FROM member_spells WHERE first_seen = ? AND last_seen IS NULL ORDER BY 1", [SNAP])]
    assert keys == ["maria.lopez", "old.friend", "pixel.garden", "tom_baker", "zed_99"]
    assert profile(store, "zed_99", "followed_at", "profile_url") == (T(2021, 3, 14, 15, 9, 26), "https://www.instagram.com/zed_99")
    assert one(store, "SELECT platform FROM accounts") == "instagram"


def test_instagram_zip_reads_followers_and_following_and_dates_from_the_name(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "instagram/instagram-jdoe-2026-02-18-AbCdEfGh.zip")
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots ORDER BY kind") == [
        ("follower", SNAP, 3),
        ("following", SNAP, 3),
    ]
    # pending_follow_requests.json is in the zip but is not a list of followers.
    assert one(store, "SELECT count(*) FROM profiles WHERE member_key = 'secret.acct'") == 0
    assert one(store, "SELECT count(*) FROM member_spells WHERE member_key = 'maria.lopez'") == 2


def test_instagram_mojibake_is_fixed_only_where_it_is_mojibake() -> None:
    assert instagram.fix_mojibake("\u00c3\u00a1") == "á"
    assert instagram.fix_mojibake("Jos\u00c3\u00a9 \u00f0\u009f\u0098\u008a") == "José 😊"
    assert instagram.fix_mojibake("café") == "café"  # Latin-1 é alone is not UTF-8: kept
    assert instagram.fix_mojibake("Łódź") == "Łódź"  # not Latin-1 at all: kept
    assert instagram.fix_mojibake("plain") == "plain"


def test_instagram_mojibake_in_the_file_is_fixed() -> None:
    data = (
        b'{\n  "relationships_following": [\n    {\n      "title": "Jos\\u00c3\\u00a9 Pe\\u00c3\\u00b1a",\n'
        b'      "media_list_data": [\n        \n      ],\n      "string_list_data": [\n        {\n'
        b'          "href": "https://www.instagram.com/jose.pena",\n          "value": "jose.pena",\n'
        b'          "timestamp": 1700000000\n        }\n      ]\n    }\n  ]\n}'
    )
    parsed = instagram.parse_following(SourceFile("following.json", data))
    frame = parsed.lists[0].members
    assert frame["name"][0] == "José Peña"
    assert frame["member_key"][0] == "jose.pena"
    assert frame["followed_at"][0] == T(2023, 11, 14, 22, 13, 20)


def test_truncated_instagram_json_names_line_and_column(store: Store, fixtures: Path) -> None:
    data = (fixtures / "instagram/followers_1.json").read_bytes()
    cut = data[: data.index(b"1771320600") + 5]  # line 11: `        "timestamp": 17713`
    outcomes = import_bytes(store, {"followers_1.json": cut})
    assert outcomes[0].status == "failed"
    assert "followers_1.json: line 11, column 27: expected complete JSON" in (outcomes[0].error or "")
    assert "cut short" in (outcomes[0].error or "")
    assert one(store, "SELECT count(*) FROM imports") == 0


def test_damaged_json_is_reported_as_damaged_with_its_position(fixtures: Path) -> None:
    data = (fixtures / "bluesky/getFollowers-2.json").read_bytes().replace(b'"handle":"erin', b'"handle" "erin', 1)
    with pytest.raises(BadExportError) as caught:
        bluesky.parse_list(SourceFile("page.json", data))
    assert data.isascii()
    # 1-based column of the quote where the ':' was expected (the page is ASCII: bytes = characters).
    column = data.index(b'"handle" "erin') + len(b'"handle" ') + 1
    assert caught.value.where == f"line 1, column {column}"
    assert "damaged" in caught.value.found


def test_instagram_entry_without_username_is_refused() -> None:
    data = b'[\n  {\n    "title": "",\n    "string_list_data": [\n      {\n        "timestamp": 1700000000\n      }\n    ]\n  }\n]'
    with pytest.raises(BadExportError) as caught:
        instagram.parse_followers(SourceFile("followers_1.json", data))
    assert caught.value.where == "follower entry 1"


# --- LinkedIn ----------------------------------------------------------------------------------


def test_linkedin_fixture_keeps_the_preamble_and_no_trailing_newline(fixtures: Path) -> None:
    data = (fixtures / "linkedin/Connections.csv").read_bytes()
    lines = data.split(b"\n")
    assert lines[0] == b"Notes:"
    assert lines[1].startswith(b'"When exporting your connection data') and lines[1].endswith(b'answer/261"')
    assert lines[2] == b""
    assert lines[3] == b"First Name,Last Name,URL,Email Address,Company,Position,Connected On"
    assert not data.endswith(b"\n")


def test_linkedin_connections_with_preamble_end_to_end(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "linkedin/Connections.csv", snapshot_date=SNAP)
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", SNAP, 5)]
    assert sorted(r[0] for r in rows(store, "SELECT member_key FROM member_spells")) == [
        "https://www.linkedin.com/in/chris-lee-%c3%a9",
        "https://www.linkedin.com/in/hidden-member",
        "https://www.linkedin.com/in/marcorossi",
        "https://www.linkedin.com/in/zoe-lukasiewicz-4a1b2c",
        "name:анна петрова",
    ]
    assert profile(store, "https://www.linkedin.com/in/zoe-lukasiewicz-4a1b2c", "name", "bio", "followed_at", "handle") == (
        "Zoë Łukasiewicz",
        "Sr. Director Platform \nLifted, an Upwork Company™",
        T(2026, 2, 18),
        "zoe-lukasiewicz-4a1b2c",
    )
    # URL keys lose the trailing slash and the case; the profile URL is kept as written.
    assert profile(store, "https://www.linkedin.com/in/marcorossi", "name", "bio", "profile_url", "followed_at") == (
        "Marco Rossi",
        "Acme",
        "https://www.linkedin.com/in/MarcoRossi/",
        T(2026, 1, 3),
    )
    # "Lee " in the file: names are trimmed.
    assert profile(store, "https://www.linkedin.com/in/chris-lee-%c3%a9", "name") == ("Chris 🚀 Lee",)
    assert profile(store, "name:анна петрова", "name", "profile_url", "followed_at") == ("Анна Петрова", None, T(2025, 12, 5))
    assert profile(store, "https://www.linkedin.com/in/hidden-member", "name") == (None,)
    assert one(store, "SELECT platform FROM accounts") == "linkedin"


def test_linkedin_2018_connections_without_preamble_or_url(fixtures: Path) -> None:
    parsed = parse(fixtures / "linkedin/Connections_2018.csv")
    frame = parsed.lists[0].members
    assert parsed.lists[0].kind == "follower"
    assert list(frame["member_key"]) == ["name:abhishek kumar", "name:priya shah", "name:ravi menon"]
    assert list(frame["followed_at"]) == [T(2018, 1, 8, 18, 14), T(2017, 12, 25, 11, 2), T(2016, 10, 3, 9, 0)]
    assert frame["bio"][2] == "Owner\nMenon & Sons, Ltd."
    assert frame["profile_url"].isna().all()


def test_linkedin_bad_connected_on_names_the_line() -> None:
    data = b"First Name,Last Name,URL,Email Address,Company,Position,Connected On\nA,B,,,,,yesterday"
    with pytest.raises(BadExportError) as caught:
        linkedin.parse_connections(SourceFile("Connections.csv", data))
    assert caught.value.where == "line 2, field 'Connected On'"


def test_linkedin_company_new_followers_are_daily_sums_not_totals(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "linkedin/New followers-Table 1.csv")
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "new_follows") == {D(2026, 2, 14): 6, D(2026, 2, 15): 5, D(2026, 2, 16): 0}
    assert daily(store, "sponsored_follows") == {D(2026, 2, 14): 0, D(2026, 2, 15): 2, D(2026, 2, 16): 0}
    assert daily(store, "organic_follows") == {D(2026, 2, 14): 5, D(2026, 2, 15): 3, D(2026, 2, 16): 0}
    assert daily(store, "auto_invited_follows") == {D(2026, 2, 14): 1, D(2026, 2, 15): 0, D(2026, 2, 16): 0}
    assert daily(store, "followers") == {}
    assert one(store, "SELECT date_min, date_max FROM imports") == (D(2026, 2, 14), D(2026, 2, 16))


# --- Bluesky -----------------------------------------------------------------------------------


def test_bluesky_fixture_is_compact_raw_utf8(fixtures: Path) -> None:
    data = (fixtures / "bluesky/getFollowers-1.json").read_bytes()
    assert b"\\u" not in data and "Léa Martin 🌿".encode() in data
    assert b"\n" not in data.replace(b"\\n", b"")


def test_bluesky_two_pages_and_profile_end_to_end(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(
        store,
        fixtures / "bluesky/getFollowers-1.json",
        fixtures / "bluesky/getProfile.json",
        fixtures / "bluesky/getFollowers-2.json",
        snapshot_date=SNAP,
    )
    assert sorted((o.name, o.status) for o in outcomes) == [
        ("getFollowers-1.json + getFollowers-2.json", "imported"),
        ("getProfile.json", "imported"),
    ]
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", SNAP, 5)]
    assert one(store, "SELECT count(*) FROM spells WHERE first_seen = ? AND last_seen IS NULL", [SNAP]) == 5
    # The profile's counters are dated on the snapshot date; it counts 7 followers, 5 listed.
    assert daily(store, "followers") == {SNAP: 7}
    assert daily(store, "following") == {SNAP: 3}
    assert daily(store, "posts_total") == {SNAP: 128}
    assert one(store, "SELECT platform, handle FROM accounts") == ("bluesky", "jdoe.bsky.social")

    lea = profile(store, "did:plc:lm4tq2vzk7bwe3xn5ryd6hcu", "handle", "name", "bio", "created_at", "default_avatar", "verified")
    assert lea == ("lea.bsky.social", "Léa Martin 🌿", "Photographe.\nLyon 📷", dt.date(2023, 4, 12), False, None)  # stored as the day
    assert profile(store, "did:plc:b0bxr7mtd2q4kzn6wve3hyja", "name", "bio", "default_avatar") == ("", None, True)
    # The DID is the member's key: stored once, with a flag saying the key is the platform's id.
    assert profile(store, "did:plc:c4rnvw2kq7xb3mzt6hye5dul", "handle", "keyed_by_id", "platform_id", "profile_url") == (
        "handle.invalid",
        True,
        None,
        "https://bsky.app/profile/did:plc:c4rnvw2kq7xb3mzt6hye5dul",
    )
    assert profile(store, "did:plc:dq7zkm3xw4vbn2te6ryh5cla", "verified") == (True,)
    assert profile(store, "did:web:erin.example.org", "created_at") == (dt.date(2024, 9, 30),)  # truncated, not rounded


def test_bluesky_pages_of_different_accounts_are_not_merged(fixtures: Path) -> None:
    page = json.loads((fixtures / "bluesky/getFollowers-2.json").read_bytes())
    page["subject"]["did"] = "did:plc:someoneelse0000000000000"
    other = bluesky.parse_list(SourceFile("other.json", json.dumps(page).encode()))
    mine = parse(fixtures / "bluesky/getFollowers-1.json")
    assert other.group_key != mine.group_key
    assert mine.group_key == "bluesky:followers:did:plc:jd2ck5xq7wzv3ntm4yhe6rfa"


def test_bluesky_file_into_an_instagram_account_is_refused(store: Store, fixtures: Path) -> None:
    assert import_fixture(store, fixtures / "instagram/followers_1.json", account="ig")[0].status == "imported"
    outcome = import_fixture(store, fixtures / "bluesky/getFollowers-1.json", account="ig")[0]
    assert outcome.status == "failed"
    assert "Instagram export for account 'ig'" in (outcome.error or "")
    assert "Bluesky" in (outcome.error or "")
    assert one(store, "SELECT count(*) FROM imports") == 1
    assert one(store, "SELECT count(*) FROM profiles WHERE member_key LIKE 'did:%'") == 0


# --- Mastodon ----------------------------------------------------------------------------------


def test_mastodon_note_html_to_text() -> None:
    html = (
        '<p>Hello &amp; welcome!<br />Second line</p><p>Links: <a href="https://example.com/some/long/path">'
        '<span class="invisible">https://</span><span class="ellipsis">example.com/some/lo</span>'
        '<span class="invisible">ng/path</span></a></p>'
    )
    assert mastodon.note_text(html) == "Hello & welcome!\nSecond line\n\nLinks: https://example.com/some/long/path"
    assert mastodon.note_text("<p>a<br>b<br/>c</p>") == "a\nb\nc"
    assert mastodon.note_text("") == ""
    assert mastodon.note_text("Tom &amp; Jerry") == "Tom & Jerry"


def test_mastodon_pages_and_account_end_to_end(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(
        store,
        fixtures / "mastodon/followers-page1.json",
        fixtures / "mastodon/followers-page2.json",
        fixtures / "mastodon/account.json",
        snapshot_date=SNAP,
    )
    assert sorted((o.name, o.status) for o in outcomes) == [
        ("account.json", "imported"),
        ("followers-page1.json + followers-page2.json", "imported"),
    ]
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", SNAP, 4)]
    assert sorted(r[0] for r in rows(store, "SELECT member_key FROM member_spells")) == [
        "alice@mastodon.social",  # local: the domain comes from the URL
        "bob@mastodon.social",
        "carol@hachyderm.io",
        "weatherbot@botsin.space",  # a bot is a member like any other
    ]
    alice = profile(
        store, "alice@mastodon.social",
        "handle", "name", "bio", "followers_count", "following_count", "posts_count", "last_post_at", "created_at", "default_avatar",
    )
    assert alice == (
        "Alice@mastodon.social",
        "Alice 🌻",
        "Hello & welcome!\nSecond line\n\nLinks: https://example.com/some/long/path #python",
        None,  # -1: hidden
        210,
        1534,
        dt.date(2026, 2, 16),
        dt.date(2022, 11, 8),
        False,
    )
    carol = profile(store, "carol@hachyderm.io", "handle", "bio", "default_avatar", "last_post_at", "created_at", "platform_id")
    assert carol == ("Carol@hachyderm.io", "@dan <3 \"quotes\" 'single'", True, None, dt.date(2024, 12, 13), "111222333444555666")
    assert profile(store, "weatherbot@botsin.space", "followers_count", "profile_url") == (88, "https://botsin.space/@weatherbot")
    assert daily(store, "followers") == {SNAP: 4}
    assert daily(store, "posts_total") == {SNAP: 42}
    assert one(store, "SELECT platform, handle FROM accounts") == ("mastodon", "jdoe@mastodon.social")


def test_mastodon_account_hiding_its_follower_count_stores_no_total(fixtures: Path) -> None:
    account = json.loads((fixtures / "mastodon/account.json").read_bytes())
    account["followers_count"] = -1
    parsed = mastodon.parse_account(SourceFile("account.json", json.dumps(account).encode()))
    assert parsed.profile_counts == {"following": 3, "posts_total": 42}
    assert parsed.account_handle == "jdoe@mastodon.social"


def test_mastodon_following_accounts_csv(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "mastodon/following_accounts.csv", snapshot_date=SNAP)
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("following", SNAP, 3)]
    assert sorted(r[0] for r in rows(store, "SELECT member_key FROM member_spells WHERE kind = 'following'")) == [
        "carol@hachyderm.io",
        "sam@mastodon.social",
        "weatherbot@botsin.space",
    ]
    assert profile(store, "carol@hachyderm.io", "handle", "profile_url") == ("Carol@hachyderm.io", "https://hachyderm.io/@Carol")


def test_mastodon_following_address_without_domain_is_refused() -> None:
    data = b"Account address,Show boosts,Notify on new posts,Languages\nbob,true,false,\n"
    with pytest.raises(BadExportError) as caught:
        mastodon.parse_following(SourceFile("following_accounts.csv", data))
    assert caught.value.where == "line 2, field 'Account address'"


# --- Social Blade ------------------------------------------------------------------------------


def test_socialblade_unsorted_daily_end_to_end(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "socialblade/socialblade-jdoe.json")
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "followers") == {D(2026, 2, 14): 1500, D(2026, 2, 15): 1503, D(2026, 2, 16): 1508, D(2026, 2, 17): 1512}
    assert daily(store, "following") == {D(2026, 2, 14): 299, D(2026, 2, 15): 300, D(2026, 2, 16): 300, D(2026, 2, 17): 301}
    assert daily(store, "posts_total")[D(2026, 2, 17)] == 4210
    assert one(store, "SELECT platform, handle FROM accounts") == (None, "jdoe")
    assert one(store, "SELECT date_min, date_max, rows FROM imports") == (D(2026, 2, 14), D(2026, 2, 17), 4)


def test_socialblade_parse_sorts_days(fixtures: Path) -> None:
    parsed = parse(fixtures / "socialblade/socialblade-jdoe.json")
    followers = parsed.daily[parsed.daily["metric"] == "followers"]
    assert [d.date() for d in followers["day"]] == [D(2026, 2, 14), D(2026, 2, 15), D(2026, 2, 16), D(2026, 2, 17)]
    assert parsed.platform is None


@pytest.mark.parametrize("wrapper", ["full", "no_status", "bare_data"])
def test_socialblade_wrappers_are_optional(fixtures: Path, wrapper: str) -> None:
    document = json.loads((fixtures / "socialblade/socialblade-jdoe.json").read_bytes())
    if wrapper == "no_status":
        document = {"data": document["data"]}
    elif wrapper == "bare_data":
        document = document["data"]
    source = SourceFile("sb.json", json.dumps(document, indent=2).encode())
    assert detect(source).key == "socialblade_statistics"
    parsed = socialblade.parse(source)
    assert parsed.account_handle == "jdoe"
    assert parsed.daily is not None
    assert len(parsed.daily) == 12


def test_socialblade_error_response_is_reported() -> None:
    data = b'{"status":{"success":false,"status":401,"error":"Invalid credentials"}}'
    with pytest.raises(BadExportError) as caught:
        socialblade.parse(SourceFile("sb.json", data))
    assert "Invalid credentials" in caught.value.found


# --- re-import ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paths",
    [
        ["instagram/followers_1.json", "instagram/followers_2.json"],
        ["instagram/instagram-jdoe-2026-02-18-AbCdEfGh.zip"],
        ["linkedin/Connections.csv"],
        ["linkedin/New followers-Table 1.csv"],
        ["bluesky/getFollowers-1.json", "bluesky/getFollowers-2.json", "bluesky/getProfile.json"],
        ["mastodon/followers-page1.json", "mastodon/followers-page2.json", "mastodon/account.json"],
        ["mastodon/following_accounts.csv"],
        ["socialblade/socialblade-jdoe.json"],
    ],
)
def test_reimport_changes_nothing(store: Store, fixtures: Path, paths: list[str]) -> None:
    files = [fixtures / p for p in paths]
    first = import_fixture(store, *files, snapshot_date=SNAP)
    assert {o.status for o in first} == {"imported"}

    def state() -> list[Any]:
        return [
            rows(store, f"SELECT * FROM {table} ORDER BY ALL")
            for table in ("imports", "snapshots", "spells", "profiles", "daily_values", "accounts")
        ]

    before = state()
    again = import_fixture(store, *files, snapshot_date=SNAP)
    assert {o.status for o in again} == {"unchanged"}
    assert state() == before
