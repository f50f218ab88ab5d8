"""Facebook, Meta Business Suite and Threads importers (issue #18, part A): detection from content,
parsing, end-to-end loads, re-imports and damaged files.

Expected values are worked out by hand from the fixtures under tests/fixtures/facebook/ and
tests/fixtures/threads/, written by tests/fixtures/facebook/make_fixtures.py from
/work/shared/FORMATS.md sections 10 and 11.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from analytics.ingest.formats import facebook_dyi, meta_insights, threads
from analytics.ingest.model import SourceFile
from analytics.ingest.registry import detect, named_in_bundle
from analytics.store import Store
from tests.conftest import import_bytes
from tests.test_bad_input import fails
from tests.test_import_platforms import one, parse, profile, rows

D = dt.date
T = dt.datetime
FB = Path("facebook")
LEGACY_2018 = FB / "Facebook Insights Data Export - Palier Demo Page - 2018-07-25.csv"
LEGACY_2014 = FB / "Facebook Insights Data Export - Palier Demo Page - 2014-01-01 - 2014-01-05.csv"
DYI = FB / "dyi/connections"
THREADS_ZIP = Path("threads/instagram-jdoe-2026-02-18-ThReAdS1.zip")


def upload(store: Store, fixtures: Path, *paths: Path, account: str = "me", **options: Any) -> list[Any]:
    return import_bytes(store, {p.name: (fixtures / p).read_bytes() for p in paths}, account=account, **options)


def daily_of(store: Store, metric: str, account: str = "me") -> dict[dt.date, int]:
    return dict(
        rows(
            store,
            "SELECT day, value FROM daily_latest JOIN accounts USING (account_id) WHERE metric = ? AND name = ? ORDER BY day",
            [metric, account],
        )
    )


def state(store: Store) -> list[Any]:
    return [
        rows(store, f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("imports", "snapshots", "spells", "profiles", "daily_values", "accounts")
    ]


# --- detection: from the content, whatever the file is called ------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (FB / "Follows.csv", "meta_insights"),
        (FB / "Follows (1).csv", "meta_insights"),
        (FB / "Follows-resaved.csv", "meta_insights"),
        (FB / "Visits.csv", "meta_insights"),
        (LEGACY_2018, "facebook_insights_page"),
        (LEGACY_2014, "facebook_insights_page"),
        (DYI / "followers/people_who_followed_you.json", "facebook_followers"),
        (DYI / "followers/who_you've_followed.json", "facebook_following"),
        (DYI / "friends/your_friends.json", "facebook_friends"),
        (Path("threads/threads/followers.json"), "threads_followers"),
        (Path("threads/threads/following.json"), "threads_following"),
    ],
)
def test_each_fixture_is_detected_from_its_content(fixtures: Path, path: Path, key: str) -> None:
    data = (fixtures / path).read_bytes()
    assert detect(SourceFile(path.name, data)).key == key
    # Renamed, the file is still recognised: detection reads the content.
    assert detect(SourceFile("download" + path.suffix, data)).key == key


def test_bundle_patterns_pick_the_meta_members_and_leave_the_others() -> None:
    # The name rule (named_in_bundle); any other CSV of a bundle is read only to see whether it is an
    # X analytics export, and skipped otherwise (tests/test_import_analytics_bundle.py).
    assert named_in_bundle("export/Follows (1).csv")
    assert named_in_bundle("export/Link clicks.csv")
    assert not named_in_bundle("export/Reach.csv")
    assert not named_in_bundle("export/Audience.csv")
    assert named_in_bundle("connections/followers/who_you've_followed.json")
    assert named_in_bundle("connections/friends/your_friends.json")
    assert not named_in_bundle("connections/friends/people_you_may_know.json")
    assert named_in_bundle("your_instagram_activity/threads/following.json")


def test_social_blade_counts_named_following_are_not_facebook() -> None:
    data = json.dumps({"following": [1, 2]}).encode()
    assert not facebook_dyi.FORMATS[1].sniff(SourceFile("following.json", data))


# --- 10a. Meta Business Suite per-metric CSVs ----------------------------------------------------


def test_meta_fixture_keeps_the_real_bytes(fixtures: Path) -> None:
    data = (fixtures / FB / "Follows.csv").read_bytes()
    assert data.startswith(codecs.BOM_UTF16_LE)
    text = data[2:].decode("utf-16-le")
    assert text.startswith('sep=,\n"Follows"\n"Date","Primary"\n"2025-03-06T01:00:00","3"\n')
    assert '"2025-03-10T00:00:00"' in text and text.endswith('"1"\n\n')


def test_meta_follows_keep_the_date_across_the_daylight_saving_switch(fixtures: Path) -> None:
    parsed = parse(fixtures / FB / "Follows.csv")
    assert parsed.platform is None  # "Follows" names no platform: it fits either account
    assert parsed.rows == 7
    assert dict(zip(parsed.daily["day"].dt.date, parsed.daily["value"], strict=True)) == {
        D(2025, 3, 6): 3, D(2025, 3, 7): 0, D(2025, 3, 8): 5, D(2025, 3, 9): 2,
        D(2025, 3, 10): 0, D(2025, 3, 11): 7, D(2025, 3, 12): 1,
    }
    assert set(parsed.daily["metric"]) == {"new_follows"}
    assert meta_insights.GAINS_ONLY_NOTE in parsed.notes


def test_meta_instagram_follows_missing_days_are_zero(fixtures: Path) -> None:
    parsed = parse(fixtures / FB / "Follows (1).csv")
    assert parsed.platform == "instagram"
    assert parsed.rows == 4
    values = dict(zip(parsed.daily["day"].dt.date, parsed.daily["value"], strict=True))
    assert values == {
        D(2025, 10, 30): 2, D(2025, 10, 31): 0, D(2025, 11, 1): 0, D(2025, 11, 2): 4,
        D(2025, 11, 3): 1, D(2025, 11, 4): 0, D(2025, 11, 5): 0, D(2025, 11, 6): 6,
    }
    assert "4 day(s) missing between 2025-10-30 and 2025-11-06 were counted as 0" in " ".join(parsed.notes)


def test_meta_excel_semicolon_resave_is_read(fixtures: Path) -> None:
    parsed = parse(fixtures / FB / "Follows-resaved.csv")
    assert parsed.platform == "facebook"
    assert list(parsed.daily["value"]) == [4, 0, 9]
    assert list(parsed.daily["day"].dt.date) == [D(2025, 10, 31), D(2025, 11, 1), D(2025, 11, 2)]


def test_meta_visits_are_profile_visits(fixtures: Path) -> None:
    parsed = parse(fixtures / FB / "Visits.csv")
    assert set(parsed.daily["metric"]) == {"profile_visits"}
    assert list(parsed.daily["value"]) == [10, 11, 12, 13, 14, 15, 16]
    assert meta_insights.GAINS_ONLY_NOTE not in parsed.notes


def test_meta_follows_import_says_gains_only_and_reimport_changes_nothing(store: Store, fixtures: Path) -> None:
    first = upload(store, fixtures, FB / "Follows.csv", FB / "Visits.csv", platform="facebook")
    assert [o.status for o in first] == ["imported", "imported"]
    assert meta_insights.GAINS_ONLY_NOTE in first[0].notes
    assert first[0].summary.startswith("Meta Business Suite insights CSV") and "7 days" in first[0].summary
    assert first[0].summary.endswith("new follows only: gains, no losses")
    assert "gains" not in first[1].summary  # visits are not follows
    assert daily_of(store, "new_follows") == {D(2025, 3, 6) + dt.timedelta(days=i): v for i, v in enumerate([3, 0, 5, 2, 0, 7, 1])}
    assert daily_of(store, "unfollows") == {}
    assert daily_of(store, "followers") == {}
    assert one(store, "SELECT platform FROM accounts") == "facebook"
    before = state(store)
    again = upload(store, fixtures, FB / "Follows.csv", FB / "Visits.csv", platform="facebook")
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert state(store) == before


def test_meta_instagram_follows_refused_for_a_facebook_account(store: Store, fixtures: Path) -> None:
    upload(store, fixtures, FB / "Follows-resaved.csv")
    outcome = upload(store, fixtures, FB / "Follows (1).csv")[0]
    assert outcome.status == "failed"
    assert "expected a Facebook export" in str(outcome.error) and "found an Instagram export" in str(outcome.error)


def meta_bytes(*lines: str) -> bytes:
    return codecs.BOM_UTF16_LE + ("\n".join(lines) + "\n\n").encode("utf-16-le")


HEAD = ("sep=,", '"Facebook follows"', '"Date","Primary"')


@pytest.mark.parametrize(
    ("lines", "fragments"),
    [
        ((*HEAD, '"2025-01-01T01:00:00","3"', '"2025-01-02T01:00:00","x3"'), ("line 5, field 'Primary'", "expected a whole number", "found 'x3'")),
        ((*HEAD, '"2025-01-01T01:00:00","3"', '"2025-13-02T01:00:00","3"'), ("line 5, field 'Date'", "expected a date like '2025-01-01T00:00:00'", "found '2025-13-02T01:00:00'")),
        ((*HEAD, '"2025-01-01T01:00:00","-3"'), ("line 4, field 'Primary'", "a count of 0 or more", "found -3")),
        ((*HEAD, '"2025-01-01T01:00:00","3"', '"2025-01-01T00:00:00","1"'), ("line 5, field 'Date'", "one row per day (2025-01-01 is on line 4 already)", "a second row")),
        ((*HEAD, '"2025-01-01T01:00:00","3","9"'), ("line 4", "expected 2 fields (Date, Primary)", "found 3 fields")),
        (("sep=,", '"Facebook reach"', '"Date","Primary"', '"2025-01-01T01:00:00","3"'), ("line 2", "a series Palier stores", "'Facebook reach', which Palier does not store")),
        ((*HEAD,), ("after the header", "at least one day", "no data rows")),
        (("sep=,", '"Age & gender"', '"","Women","Men"', '"18-24","10.6","6.5"'), ("line 2", "a daily series", "the audience block 'Age & gender'")),
        (("sep=,", '"Follows"', '"Day","Primary"', '"2025-01-01T01:00:00","3"'), ("line 3", 'expected the header "Date","Primary" under the title', "found '\"Day\",\"Primary\"'")),
        (
            (*HEAD, '"2025-01-01T01:00:00","3"', "", '"Instagram follows"', '"Date","Primary"', '"2025-01-01T00:00:00","1"'),
            ("line 6", "the series of one platform ('Facebook follows')", "'Instagram follows' too"),
        ),
    ],
)
def test_damaged_meta_csv_names_the_line_and_field(seeded: Store, lines: tuple[str, ...], fragments: tuple[str, ...]) -> None:
    fails(seeded, {"Follows.csv": meta_bytes(*lines)}, "Follows.csv", *fragments)


# --- 10b. Legacy Facebook Insights page export ------------------------------------------------------


def test_legacy_insights_both_byte_variants_read_the_same(fixtures: Path) -> None:
    raw = (fixtures / LEGACY_2014).read_bytes()
    assert b"\r\n" in raw and b"Coru\xf1a" in raw and b"1/1/2014," in raw  # cp1252, CRLF, M/D/YYYY
    assert (fixtures / LEGACY_2018).read_bytes().startswith(codecs.BOM_UTF8)
    new, old = parse(fixtures / LEGACY_2018), parse(fixtures / LEGACY_2014)
    assert new.platform == old.platform == "facebook"
    assert new.rows == old.rows == 5  # the description row is not a day

    def series(parsed: Any, metric: str) -> list[int]:
        return list(parsed.daily[parsed.daily["metric"] == metric]["value"])

    assert series(new, "followers") == [1200, 1203, 1203, 1210, 1208]
    assert series(old, "followers") == [200, 203, 203, 210, 208]
    for parsed in (new, old):
        assert series(parsed, "new_follows") == [4, 4, 0, 7, 0]
        assert series(parsed, "unfollows") == [0, 1, 0, 0, 2]  # blank cells are 0
    assert list(old.daily["day"].dt.date.unique()) == [D(2014, 1, d) for d in range(1, 6)]


def test_legacy_insights_import_and_reimport(store: Store, fixtures: Path) -> None:
    first = upload(store, fixtures, LEGACY_2014)
    assert [o.status for o in first] == ["imported"]
    assert "decoded as Windows-1252 (Latin-1), not UTF-8" in first[0].notes
    assert "gains, no losses" not in first[0].summary  # the export has unlikes and a total
    assert daily_of(store, "followers") == {D(2014, 1, d): v for d, v in zip(range(1, 6), [200, 203, 203, 210, 208], strict=True)}
    assert daily_of(store, "unfollows")[D(2014, 1, 5)] == 2
    before = state(store)
    assert [o.status for o in upload(store, fixtures, LEGACY_2014)] == ["unchanged"]
    assert state(store) == before


LEGACY_HEAD = 'Date,"Lifetime Total Likes","Daily New Likes","Daily Unlikes"\n,"Lifetime: total","Daily: new","Daily: unlikes"\n'


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("2018-04-01,10,1,\n2018-04-02,1O,2,\n", ("line 4, field 'Lifetime Total Likes'", "expected a whole number", "found '1O'")),
        ("2018-04-01,10,1,\n04.02.2018,11,1,\n", ("line 4, field 'Date'", "expected a date like '2026-03-02'", "found '04.02.2018'")),
        ("2018-04-01,10,1,\n,11,1,\n", ("line 4, field 'Date'", "a date like '2018-04-01' or '4/1/2018'", "an empty cell")),
        ("2018-04-01,10,-1,\n", ("line 3, field 'Daily New Likes'", "a count of 0 or more", "found -1")),
        ("2018-04-01,10,1\n", ("line 3", "4 fields like the header on line 1", "found 3 fields")),
        ("", ("after the header (line 1)", "at least one day", "no data rows")),
    ],
)
def test_damaged_legacy_insights_names_the_line_and_field(seeded: Store, body: str, fragments: tuple[str, ...]) -> None:
    name = "Facebook Insights Data Export - Page - 2018-04-03.csv"
    fails(seeded, {name: (LEGACY_HEAD + body).encode()}, name, *fragments)


# --- 10c. Facebook "Download your information" -----------------------------------------------------


def test_facebook_followers_are_names_only_and_say_so(fixtures: Path) -> None:
    parsed = parse(fixtures / DYI / "followers/people_who_followed_you.json")
    frame = parsed.lists[0].members
    assert parsed.lists[0].kind == "follower"
    assert list(frame["name"]) == ["Ana Lima", "Tr\u1ea7n V\u0103n An", "Bruno Costa", "Ana Lima"]
    assert list(frame["member_key"]) == ["name:ana lima", "name:tr\u1ea7n v\u0103n an", "name:bruno costa", "name:ana lima"]
    assert frame["followed_at"].isna().all()
    assert facebook_dyi.NAMES_ONLY_NOTE in parsed.notes
    assert facebook_dyi.SAME_NAME_NOTE.format(count=1) in parsed.notes


def test_facebook_followed_and_friends_carry_their_dates(fixtures: Path) -> None:
    following = parse(fixtures / DYI / "followers/who_you've_followed.json").lists[0]
    assert following.kind == "following"
    assert list(following.members["name"]) == ["Palier Demo Page", "Chlo\u00e9 Martin"]
    assert list(following.members["followed_at"]) == [T(2026, 5, 20, 8, 15, 20), T(2025, 12, 1, 19, 0, 0)]
    friends = parse(fixtures / DYI / "friends/your_friends.json")
    assert friends.lists[0].kind == "follower"
    assert list(friends.lists[0].members["followed_at"]) == [T(2026, 4, 2, 10, 30), T(2019, 6, 9, 7, 5)]
    assert facebook_dyi.FRIENDS_NOTE in friends.notes


def test_facebook_download_zip_is_one_import_with_friends_dates_kept(store: Store, fixtures: Path) -> None:
    outcomes = upload(store, fixtures, FB / "facebook-jdoe-2026-05-24-Xy12Ab.zip")
    assert [o.status for o in outcomes] == ["imported"]
    assert facebook_dyi.NAMES_ONLY_NOTE in outcomes[0].notes
    # Followers and friends are one follower list: Ana, Trần, Bruno (in both) and Dee.
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots ORDER BY kind") == [
        ("follower", D(2026, 5, 24), 4),
        ("following", D(2026, 5, 24), 2),
    ]
    assert profile(store, "name:bruno costa", "followed_at") == (T(2026, 4, 2, 10, 30),)
    assert profile(store, "name:ana lima", "followed_at") == (None,)
    assert one(store, "SELECT platform FROM accounts") == "facebook"
    before = state(store)
    assert [o.status for o in upload(store, fixtures, FB / "facebook-jdoe-2026-05-24-Xy12Ab.zip")] == ["unchanged"]
    assert state(store) == before


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        ({"followers_v3": [{"name": "Ana"}, {"name": 7}]}, ("followers_v3 entry 2, field 'name'", "expected a person's or page's name", "found int '7'")),
        ({"followers_v3": [{"name": "Ana"}, {"name": ""}]}, ("followers_v3 entry 2, field 'name'", "found str ''")),
        ({"following_v3": [{"name": "Ana", "timestamp": "yesterday"}]}, ("following_v3 entry 1, field 'timestamp'", "a time in seconds since 1970", "found str 'yesterday'")),
        ({"friends_v2": ["Ana"]}, ("friends_v2 entry 1", "expected an object with 'name'", "found str 'Ana'")),
    ],
)
def test_damaged_facebook_download_names_the_entry_and_field(seeded: Store, document: object, fragments: tuple[str, ...]) -> None:
    fails(seeded, {"connections.json": json.dumps(document, indent=2).encode()}, "connections.json", *fragments)


def test_cut_facebook_download_names_line_and_column(seeded: Store, fixtures: Path) -> None:
    data = (fixtures / DYI / "followers/who_you've_followed.json").read_bytes()[:-30]
    fails(seeded, {"who_you've_followed.json": data}, "who_you've_followed.json", "line ", "column", "the file is cut short")


# --- 11. Threads ---------------------------------------------------------------------------------------


def test_threads_followers_tolerate_the_unverified_fields(fixtures: Path) -> None:
    parsed = parse(fixtures / "threads/threads/followers.json")
    assert parsed.platform == "threads" and parsed.group_key == "threads:followers"
    frame = parsed.lists[0].members
    assert list(frame["member_key"]) == ["pixel.garden", "ze_ramos", "night.owl", "quiet.one"]
    assert list(frame["handle"]) == ["pixel.garden", "ze_ramos", "Night.Owl", "quiet.one"]  # the link gives Night.Owl
    assert frame["name"][1] == "Z\u00e9 Ramos"  # mojibake title undone
    assert frame["name"].isna()[[0, 2, 3]].all()
    assert frame["followed_at"][0] == T(2026, 2, 17, 21, 4, 11)
    assert frame["followed_at"].isna()[3]  # no timestamp: the follow date is unknown
    assert frame["profile_url"][2] == "https://www.threads.net/@Night.Owl"
    assert threads.UNVERIFIED_NOTE in parsed.notes


def test_threads_files_import_alone_with_follow_dates_like_instagram(store: Store, fixtures: Path) -> None:
    outcomes = upload(store, fixtures, Path("threads/threads/followers.json"), Path("threads/threads/following.json"), snapshot_date=D(2026, 2, 18))
    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert one(store, "SELECT platform FROM accounts") == "threads"
    assert rows(store, "SELECT kind, members FROM snapshots ORDER BY kind") == [("follower", 4), ("following", 1)]
    assert profile(store, "ze_ramos", "followed_at", "name") == (T(2025, 11, 30, 6, 0), "Z\u00e9 Ramos")


def test_threads_split_page_as_a_bare_array_is_threads_not_instagram(fixtures: Path) -> None:
    document = json.loads((fixtures / "threads/threads/followers.json").read_bytes())
    page = json.dumps(document["text_post_app_text_post_app_followers"][:2], indent=2).encode()
    assert detect(SourceFile("followers_1.json", page)).key == "threads_followers"


def test_instagram_download_gives_instagram_lists_and_says_threads_was_left(store: Store, fixtures: Path) -> None:
    outcome = upload(store, fixtures, THREADS_ZIP)[0]
    assert outcome.status == "imported", outcome
    assert one(store, "SELECT platform FROM accounts") == "instagram"
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", D(2026, 2, 18), 1)]
    assert any("also holds Threads lists" in note for note in outcome.notes)


@pytest.mark.parametrize("platform", ["threads", None])
def test_instagram_download_gives_threads_lists_to_a_threads_account(store: Store, fixtures: Path, platform: str | None) -> None:
    if platform is None:  # the account is already a Threads account
        upload(store, fixtures, Path("threads/threads/following.json"), snapshot_date=D(2026, 1, 1))
    outcome = upload(store, fixtures, THREADS_ZIP, platform=platform)[0]
    assert outcome.status == "imported", outcome
    assert one(store, "SELECT platform FROM accounts") == "threads"
    assert rows(store, "SELECT kind, members FROM snapshots WHERE snapshot_date = ? ORDER BY kind", [D(2026, 2, 18)]) == [
        ("follower", 4),
        ("following", 1),
    ]
    assert any("also holds Instagram lists" in note for note in outcome.notes)
    assert profile(store, "pixel.garden", "followed_at") == (T(2026, 2, 17, 21, 4, 11),)
    before = state(store)
    assert upload(store, fixtures, THREADS_ZIP, platform=platform)[0].status == "unchanged"
    assert state(store) == before


@pytest.mark.parametrize(
    ("entries", "fragments"),
    [
        ([{"title": "", "string_list_data": [{"value": "a", "timestamp": "soon"}]}], ("entry 1, field 'timestamp'", "a time in seconds since 1970", "found str 'soon'")),
        ([{"title": "", "string_list_data": [{"timestamp": 1}]}], ("entry 1", "a username in 'value', 'href' or 'title'")),
        ([{"title": "", "string_list_data": "a"}], ("entry 1, field 'string_list_data'", "expected an array", "found str 'a'")),
        ([{"title": 5, "string_list_data": [{"value": "a"}]}], ("entry 1, field 'title'", "expected a text", "found int '5'")),
    ],
)
def test_damaged_threads_file_names_the_entry_and_field(seeded: Store, entries: list[object], fragments: tuple[str, ...]) -> None:
    data = json.dumps({"text_post_app_text_post_app_followers": entries}, indent=2).encode()
    fails(seeded, {"followers.json": data}, "followers.json", "text_post_app_text_post_app_followers", *fragments)


def facebook_page(*names: str) -> bytes:
    # The reported split layout: Instagram's entry shape, a display name in `value` (low confidence).
    return json.dumps([{"title": "", "string_list_data": [{"value": instagram_mojibake(n)}]} for n in names], indent=2).encode()


def instagram_mojibake(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def test_facebook_split_follower_pages_are_one_list_named_by_their_file(store: Store) -> None:
    page1, page2 = facebook_page("Ana Lima", "Chlo\u00e9 Martin"), facebook_page("Bruno Costa")
    assert detect(SourceFile("people_who_followed_you_1.json", page1)).key == "facebook_followers_pages"
    # The same bytes under Instagram's name are Instagram's: only the name tells these apart.
    assert detect(SourceFile("followers_1.json", page1)).key == "instagram_followers"
    outcomes = import_bytes(
        store, {"people_who_followed_you_1.json": page1, "people_who_followed_you_2.json": page2}, snapshot_date=D(2026, 5, 24)
    )
    assert [o.status for o in outcomes] == ["imported"]
    assert facebook_dyi.NAMES_ONLY_NOTE in outcomes[0].notes
    assert rows(store, "SELECT kind, members FROM snapshots") == [("follower", 3)]
    assert profile(store, "name:chlo\u00e9 martin", "name") == ("Chlo\u00e9 Martin",)


def test_damaged_facebook_follower_page_names_the_entry(seeded: Store) -> None:
    data = json.dumps([{"string_list_data": [{"value": "Ana"}]}, {"string_list_data": [{"timestamp": 5}]}]).encode()
    fails(seeded, {"people_who_followed_you_1.json": data}, "people_who_followed_you_1.json", "follower entry 2, field 'name'", "found null")
