"""X / Twitter importers: X Premium CSVs, legacy analytics.twitter.com CSVs, the data archive.

Expected values are read off the fixtures in tests/fixtures/x (written by make_fixtures.py).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.errors import BadExportError
from analytics.ingest.model import DAILY_METRICS, Parsed, SourceFile
from analytics.ingest.registry import FORMATS, detect, wanted_in_bundle
from analytics.ingest.service import FolderSource, ImportOptions, import_sources
from analytics.store import Store
from analytics.store.accounts import get_or_create_account
from tests.conftest import import_bytes, import_fixture

X = Path(__file__).parent / "fixtures" / "x"
OVERVIEW_A = X / "account_overview_analytics.csv"
OVERVIEW_B = X / "account_overview_analytics (1).csv"
CONTENT = X / "account_analytics_content_2026-07-06_2026-08-02.csv"
CONTENT_OLDER = X / "account_analytics_content_2024-11-21_2025-02-19.csv"
LEGACY_TWEETS = X / "tweet_activity_metrics_palier_demo_20210801_20210901_en.csv"
LEGACY_2015 = X / "tweet_activity_metrics_palier_old_20150601_20150701_en.csv"
LEGACY_DAILY = X / "daily_tweet_activity_metrics_palier_demo_20210801_20210806_en.csv"
ARCHIVE = X / "twitter-2026-07-25-1a2b3c4d5e6f"
DATA = ARCHIVE / "data"
OLD_TWEET_JS = X / "old-archive" / "tweet.js"


def parse(path: Path, name: str | None = None, data: bytes | None = None) -> tuple[str, Parsed]:
    source = SourceFile(name or path.name, path.read_bytes() if data is None else data)
    export_format = detect(source)
    return export_format.key, export_format.parse(source)


def query(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    cursor = store.cursor()
    try:
        return cursor.execute(sql, params or []).fetchall()
    finally:
        cursor.close()


def daily(store: Store, day: dt.date, metric: str) -> int | None:
    rows = query(store, "SELECT value FROM daily_latest WHERE day = ? AND metric = ?", [day, metric])
    return rows[0][0] if rows else None


def archive_zip(with_top_folder: bool = False) -> bytes:
    """The archive as X serves it: data/*.js at the root, plus files Palier does not read."""
    buffer = io.BytesIO()
    prefix = f"{ARCHIVE.name}/" if with_top_folder else ""
    members = {"Your archive.html": b"<html></html>", "assets/js/main.js": b"window.YTD = {};"}
    members.update({f"data/{path.name}": path.read_bytes() for path in sorted(DATA.iterdir())})
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            # A fixed timestamp keeps the zip's bytes, hence its identity, the same on every call.
            info = zipfile.ZipInfo(prefix + name, date_time=(2026, 7, 25, 12, 22, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --- fixtures are what FORMATS.md says the real files are ---------------------------------------


def _values(frame: pd.DataFrame) -> dict[tuple[dt.date, str], Any]:
    """(day, metric) -> value. Plain tuples (name=None): attributes of pandas-stubs' named rows are
    a union of every scalar type, slow for mypy to check."""
    rows = frame[["day", "metric", "value"]].itertuples(index=False, name=None)
    return {(day.date(), str(metric)): value for day, metric, value in rows}


def test_fixture_bytes_follow_the_real_formats() -> None:
    for path in (OVERVIEW_A, OVERVIEW_B, CONTENT):
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and not data.endswith(b"\n")
    older = CONTENT_OLDER.read_bytes()
    assert older.count(b"\r\n") == older.count(b"\n") == 4 and older.endswith(b"\r\n")
    for path in (LEGACY_TWEETS, LEGACY_DAILY, LEGACY_2015):
        assert path.read_bytes().endswith(b'"\n')
    follower = (DATA / "follower.js").read_bytes()
    assert follower.startswith(b'window.YTD.follower.part0 = [\n  {\n    "follower" : {\n      "accountId" : "')
    assert not follower.endswith(b"\n")
    assert b'"hashtags" : [ ]' in (DATA / "tweets.js").read_bytes()
    assert b'"files" : [ {' in (DATA / "manifest.js").read_bytes()


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (OVERVIEW_A, "x_overview"),
        (OVERVIEW_B, "x_overview"),
        (CONTENT, "x_content"),
        (CONTENT_OLDER, "x_content"),
        (LEGACY_TWEETS, "twitter_legacy_tweets"),
        (LEGACY_2015, "twitter_legacy_tweets"),
        (LEGACY_DAILY, "twitter_legacy_daily"),
        (DATA / "follower.js", "x_archive_follower"),
        (DATA / "following.js", "x_archive_following"),
        (DATA / "tweets.js", "x_archive_tweets"),
        (DATA / "tweets-part1.js", "x_archive_tweets"),
        (OLD_TWEET_JS, "x_archive_tweets"),
        (DATA / "account.js", "x_archive_account"),
        (DATA / "manifest.js", "x_archive_manifest"),
    ],
)
def test_detected_from_content_whatever_the_name(path: Path, key: str) -> None:
    assert parse(path)[0] == key
    assert parse(path, name="download.txt")[0] == key


def test_archive_files_palier_does_not_read_are_not_detected() -> None:
    with pytest.raises(BadExportError):
        detect(SourceFile("like.js", (DATA / "like.js").read_bytes()))


# --- X Premium account overview -------------------------------------------------------------------


def test_overview_parses_unpadded_dates_newest_first_and_no_follower_total() -> None:
    key, parsed = parse(OVERVIEW_A)
    assert key == "x_overview" and parsed.platform == "x" and parsed.rows == 9
    assert parsed.daily is not None
    frame = parsed.daily
    assert set(frame["metric"]) == {
        "impressions", "likes", "engagements", "bookmarks", "shares", "new_follows", "unfollows",
        "replies", "reposts", "profile_visits", "posts_created", "video_views", "media_views",
    }
    assert set(frame["metric"]) <= set(DAILY_METRICS)
    assert "followers" not in set(frame["metric"])
    assert len(frame) == 9 * 13
    days = sorted(frame["day"].dt.date.unique())
    assert days[0] == dt.date(2026, 2, 25) and days[-1] == dt.date(2026, 3, 5) and len(days) == 9
    values = _values(frame)
    assert values[(dt.date(2026, 3, 5), "impressions")] == 610750
    assert values[(dt.date(2026, 3, 2), "posts_created")] == 4  # "Mon, Mar 2, 2026"
    assert values[(dt.date(2026, 3, 2), "video_views")] == 12
    assert values[(dt.date(2026, 3, 1), "profile_visits")] == 41
    assert values[(dt.date(2026, 2, 27), "media_views")] == 7
    assert values[(dt.date(2026, 3, 3), "unfollows")] == 6
    assert str(frame["value"].dtype) == "Int64"


def test_overviews_overlapping_the_later_ending_export_wins(store: Store) -> None:
    # B (Mar 3 - Mar 10) first, then A (Feb 25 - Mar 5): A is the newer import, but B ends later.
    outcomes = import_fixture(store, OVERVIEW_B) + import_fixture(store, OVERVIEW_A)
    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert daily(store, dt.date(2026, 3, 5), "impressions") == 612004
    assert daily(store, dt.date(2026, 3, 4), "new_follows") == 22
    assert daily(store, dt.date(2026, 3, 4), "impressions") == 48390
    assert daily(store, dt.date(2026, 3, 2), "impressions") == 52004  # only in A
    assert daily(store, dt.date(2026, 2, 25), "impressions") == 27777
    assert daily(store, dt.date(2026, 3, 10), "profile_visits") == 90
    assert query(store, "SELECT count(DISTINCT day) FROM daily_latest")[0][0] == 14
    assert query(store, "SELECT count(*) FROM daily_latest WHERE metric = 'followers'")[0][0] == 0
    assert query(store, "SELECT name, platform FROM accounts") == [("me", "x")]
    imports = query(store, "SELECT file_name, format, rows, date_min, date_max FROM imports ORDER BY import_id")
    assert imports == [
        ("account_overview_analytics (1).csv", "x_overview", 8, dt.date(2026, 3, 3), dt.date(2026, 3, 10)),
        ("account_overview_analytics.csv", "x_overview", 9, dt.date(2026, 2, 25), dt.date(2026, 3, 5)),
    ]


def test_reimporting_the_same_overview_changes_nothing(store: Store) -> None:
    first = import_fixture(store, OVERVIEW_A)
    before = query(store, "SELECT count(*), sum(value) FROM daily_values")
    again = import_fixture(store, OVERVIEW_A)
    assert first[0].status == "imported"
    assert again[0].status == "unchanged" and again[0].import_id == first[0].import_id
    assert query(store, "SELECT count(*), sum(value) FROM daily_values") == before
    assert query(store, "SELECT count(*) FROM imports")[0][0] == 1


def test_overview_after_an_excel_resave(store: Store) -> None:
    text = OVERVIEW_A.read_text(encoding="utf-8")
    text = text.replace('"Thu, Mar 5, 2026"', "2026-03-05").replace('"Wed, Mar 4, 2026"', "3/4/2026")
    data = b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8") + b"\r\n"
    key, parsed = parse(OVERVIEW_A, name="account_overview_analytics (2).csv", data=data)
    assert key == "x_overview"
    values = _values(parsed.daily)
    assert values[(dt.date(2026, 3, 5), "impressions")] == 610750
    assert values[(dt.date(2026, 3, 4), "likes")] == 301


def test_bad_number_names_file_line_and_field(store: Store) -> None:
    data = OVERVIEW_A.read_bytes().replace(b'"Wed, Mar 4, 2026",48211,301,', b'"Wed, Mar 4, 2026",48211,3O1,')
    outcome = import_bytes(store, {"account_overview_analytics.csv": data})[0]
    assert outcome.status == "failed"
    assert outcome.error == (
        "account_overview_analytics.csv: line 3, field 'Likes': expected a whole number, found '3O1'"
    )
    assert query(store, "SELECT count(*) FROM daily_values")[0][0] == 0


def test_bad_date_says_which_styles_are_read() -> None:
    data = OVERVIEW_A.read_bytes().replace(b'"Sun, Mar 1, 2026"', b"01.03.2026")
    with pytest.raises(BadExportError) as caught:
        parse(OVERVIEW_A, data=data)
    assert caught.value.where == "line 6, field 'Date'"
    assert "'Mon, Mar 2, 2026'" in caught.value.expected and "'01.03.2026'" == caught.value.found


def test_x_file_refused_by_an_instagram_account(store: Store) -> None:
    with store.transaction() as cursor:
        get_or_create_account(cursor, "insta", "instagram")
    outcome = import_fixture(store, OVERVIEW_A, account="insta")[0]
    assert outcome.status == "failed"
    assert "Instagram" in (outcome.error or "") and "X Premium account overview CSV" in (outcome.error or "")
    assert query(store, "SELECT count(*) FROM imports")[0][0] == 0
    assert query(store, "SELECT platform FROM accounts WHERE name = 'insta'") == [("instagram",)]


# --- X Premium content ---------------------------------------------------------------------------


def test_content_current_variant() -> None:
    key, parsed = parse(CONTENT)
    assert key == "x_content" and parsed.account_handle == "palier_demo"
    assert parsed.rows == 5  # the ghost status/undefined row is skipped
    assert any("status/undefined" in note for note in parsed.notes)
    assert parsed.posts is not None
    posts = parsed.posts
    # The file order, unsorted, is kept: nothing relies on it.
    assert list(posts["post_id"]) == [
        "2081234567890123457", "2079876543210987651", "2085555555555555553", "2077777777777777771", "2083333333333333339",
    ]
    assert str(posts["post_id"].dtype) == "string"
    assert all(int(i) > 2**53 and float(int(i)) != int(i) for i in posts["post_id"])
    by_id = posts.set_index("post_id")
    assert by_id.loc["2081234567890123457", "text"] == "Shipping the new dashboard today & it feels great"
    assert by_id.loc["2079876543210987651", "text"] == 'Hot take: CSV is a "format", not a standard'
    assert by_id.loc["2085555555555555553", "text"] == "Followers > likes < replies? https://t.co/AbCdEf1234"
    assert by_id.loc["2083333333333333339", "text"] == "Thread \U0001f9f5 on spells, snapshots & churn"
    assert by_id.loc["2079876543210987651", "posted_at"] == pd.Timestamp("2026-07-09")
    assert by_id.loc["2085555555555555553", "posted_at"] == pd.Timestamp("2026-08-01")
    assert not posts["has_time"].any()
    assert by_id.loc["2083333333333333339", "link"] == "https://x.com/palier_demo/status/2083333333333333339"
    row = by_id.loc["2081234567890123457"]
    assert [int(row[c]) for c in ("impressions", "likes", "engagements", "bookmarks", "shares", "new_follows")] == [
        12045, 88, 310, 7, 2, 4,
    ]
    assert [int(row[c]) for c in ("replies", "reposts", "profile_visits", "detail_expands")] == [12, 9, 40, 101]
    assert [int(row[c]) for c in ("url_clicks", "hashtag_clicks", "permalink_clicks")] == [23, 0, 5]
    assert posts["kind"].isna().all()


def test_content_older_variant_crlf_and_old_spellings() -> None:
    key, parsed = parse(CONTENT_OLDER)
    assert key == "x_content" and parsed.rows == 3 and parsed.account_handle == "palier_demo"
    by_id = parsed.posts.set_index("post_id")
    assert list(by_id.index) == ["1891234567890123457", "1887654321098765431", "1863333333333333331"]
    assert by_id.loc["1887654321098765431", "posted_at"] == pd.Timestamp("2025-02-05")  # "Wed Feb 05 2025"
    assert by_id.loc["1891234567890123457", "text"] == "Year two of building in public & still shipping"
    assert by_id.loc["1863333333333333331", "text"] == "Launch day, finally"
    assert [int(v) for v in by_id["shares"]] == [1, 0, 9]  # "Share"
    assert [int(v) for v in by_id["url_clicks"]] == [7, 0, 88]  # "Url clicks"
    assert [int(v) for v in by_id["detail_expands"]] == [90, 20, 501]  # "Detail expands"
    assert not any("\r" in t for t in by_id["text"])


def test_content_end_to_end_keeps_ids_exact(store: Store) -> None:
    outcomes = import_fixture(store, CONTENT, CONTENT_OLDER)
    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert query(store, "SELECT count(*) FROM posts")[0][0] == 8
    assert query(store, "SELECT count(*) FROM posts WHERE post_id LIKE '%undefined%' OR post_id = ''")[0][0] == 0
    row = query(
        store, "SELECT post_id, posted_at, has_time, text, impressions FROM posts WHERE post_id = ?", ["2085555555555555553"]
    )
    assert row == [
        ("2085555555555555553", dt.datetime(2026, 8, 1), False, "Followers > likes < replies? https://t.co/AbCdEf1234", 870)
    ]
    assert query(store, "SELECT handle, platform FROM accounts") == [("palier_demo", "x")]
    assert query(store, "SELECT sum(impressions) FROM posts")[0][0] == 12045 + 3300 + 870 + 402 + 9876 + 5012 + 1450 + 20311


def test_content_ids_rounded_by_a_spreadsheet_come_back_from_the_link() -> None:
    data = CONTENT.read_bytes().replace(b"2081234567890123457,", b"2.08123E+18,", 1)
    _, parsed = parse(CONTENT, data=data)
    assert parsed.posts is not None
    assert "2081234567890123457" in set(parsed.posts["post_id"])
    assert any("rounded" in note for note in parsed.notes)
    broken = data.replace(b"https://x.com/palier_demo/status/2081234567890123457", b"")
    with pytest.raises(BadExportError) as caught:
        parse(CONTENT, data=broken)
    assert caught.value.where == "line 2, field 'Post id'"
    assert "rounded" in caught.value.found


# --- legacy analytics.twitter.com ----------------------------------------------------------------


def test_legacy_tweets_multiline_text_floats_and_promoted_dash() -> None:
    key, parsed = parse(LEGACY_TWEETS)
    assert key == "twitter_legacy_tweets" and parsed.platform == "x" and parsed.rows == 3
    assert parsed.account_handle == "palier_demo"
    by_id = parsed.posts.set_index("post_id")
    assert list(by_id.index) == ["1432431456789012481", "1428000000000000001", "1422222222222222223"]
    first = by_id.loc["1432431456789012481"]
    assert first["text"] == (
        "Three things I learned this month:\n1. spells beat snapshots\n2. ids are strings & never floats\n3. ship it"
    )
    assert first["posted_at"] == pd.Timestamp("2021-08-31 19:53") and bool(first["has_time"])
    assert [int(first[c]) for c in ("impressions", "engagements", "reposts", "replies", "likes", "profile_visits")] == [
        89, 5, 1, 0, 3, 1,
    ]
    boosted = by_id.loc["1428000000000000001"]
    # Organic figures only: the promoted 1200 impressions are not added.
    assert int(boosted["impressions"]) == 2310 and int(boosted["new_follows"]) == 2 and int(boosted["url_clicks"]) == 18
    assert by_id.loc["1422222222222222223", "text"] == "@someone Thanks! <3"
    assert any("promoted" in note for note in parsed.notes)


def test_legacy_tweets_older_favorites_header() -> None:
    key, parsed = parse(LEGACY_2015)
    assert key == "twitter_legacy_tweets" and parsed.account_handle == "palier_old"
    by_id = parsed.posts.set_index("post_id")
    assert [int(v) for v in by_id["likes"]] == [7, 4]
    assert by_id.loc["612345678901234567", "posted_at"] == pd.Timestamp("2015-06-20 18:30")


def test_legacy_daily_follows_are_post_follows(store: Store) -> None:
    key, parsed = parse(LEGACY_DAILY)
    assert key == "twitter_legacy_daily" and parsed.rows == 5
    assert parsed.daily is not None
    metrics = set(parsed.daily["metric"])
    assert "new_follows" not in metrics and "followers" not in metrics
    assert {"post_follows", "posts_published", "profile_visits", "reposts", "media_engagements"} <= metrics
    assert metrics <= set(DAILY_METRICS)
    outcome = import_fixture(store, LEGACY_DAILY)[0]
    assert outcome.status == "imported"
    assert daily(store, dt.date(2021, 8, 1), "impressions") == 1088
    assert daily(store, dt.date(2021, 8, 2), "post_follows") == 1
    assert daily(store, dt.date(2021, 8, 4), "post_follows") == 3
    assert daily(store, dt.date(2021, 8, 4), "posts_published") == 3
    assert daily(store, dt.date(2021, 8, 4), "profile_visits") == 15
    assert daily(store, dt.date(2021, 8, 4), "reposts") == 6
    assert daily(store, dt.date(2021, 8, 1), "media_views") == 12
    assert daily(store, dt.date(2021, 8, 2), "new_follows") is None
    assert query(store, "SELECT handle FROM accounts") == [("palier_demo",)]


def test_legacy_tweets_end_to_end(store: Store) -> None:
    assert import_fixture(store, LEGACY_TWEETS, LEGACY_2015)[0].status == "imported"
    rows = query(store, "SELECT post_id, posted_at, has_time, likes FROM posts ORDER BY posted_at")
    assert rows == [
        ("607000000000000003", dt.datetime(2015, 6, 5, 9, 1), True, 4),
        ("612345678901234567", dt.datetime(2015, 6, 20, 18, 30), True, 7),
        ("1422222222222222223", dt.datetime(2021, 8, 2, 12, 0), True, 1),
        ("1428000000000000001", dt.datetime(2021, 8, 18, 7, 5), True, 60),
        ("1432431456789012481", dt.datetime(2021, 8, 31, 19, 53), True, 3),
    ]
    text = query(store, "SELECT text FROM posts WHERE post_id = '1432431456789012481'")[0][0]
    assert text.count("\n") == 3


def test_legacy_bad_float_names_line_and_field() -> None:
    data = LEGACY_TWEETS.read_bytes().replace(b'"2310.0"', b'"2310.5"')
    with pytest.raises(BadExportError) as caught:
        parse(LEGACY_TWEETS, data=data)
    # The first tweet spans lines 2-5 (its text holds three newlines): the second starts on line 6.
    assert caught.value.where == "line 6, field 'impressions'"


def test_localised_legacy_header_gives_a_clear_error(store: Store) -> None:
    header, rest = LEGACY_TWEETS.read_text(encoding="utf-8").split("\n", 1)
    japanese = ["ツイートID", "ツイートの固定リンク", "ツイート本文", "時間"] + [f"指標{i}" for i in range(36)]
    data = (",".join(f'"{h}"' for h in japanese) + "\n" + rest).encode("utf-8")
    for name in ("tweet_activity_metrics_palier_demo_20210801_20210901_ja.csv", "renamed.csv"):
        outcome = import_bytes(store, {name: data})[0]
        assert outcome.status == "failed"
        assert "another language" in (outcome.error or "") and "'ツイートID'" in (outcome.error or "")
        assert outcome.format is None  # refused while parsing, before anything is loaded
    daily_header, daily_rest = LEGACY_DAILY.read_text(encoding="utf-8").split("\n", 1)
    localised = ",".join(f'"列{i}"' for i in range(38)) + "\n" + daily_rest
    outcome = import_bytes(store, {"daily_tweet_activity_metrics_x_20210801_20210806_ja.csv": localised.encode()})[0]
    assert outcome.status == "failed" and "another language" in (outcome.error or "")


# --- the data archive ----------------------------------------------------------------------------


def assert_archive_loaded(store: Store) -> None:
    assert query(store, "SELECT kind, snapshot_date, members FROM snapshots ORDER BY kind") == [
        ("follower", dt.date(2026, 7, 25), 5),
        ("following", dt.date(2026, 7, 25), 3),
    ]
    assert query(store, "SELECT member_key FROM member_spells WHERE kind = 'follower' AND last_seen IS NULL ORDER BY member_key") == [
        ("1590244130579529729",), ("2029719331123384322",), ("38554421",), ("4740447921",), ("879431244420927493",),
    ]
    assert query(store, "SELECT first_seen FROM member_spells WHERE member_key = '38554421' AND kind = 'following'") == [
        (dt.date(2026, 7, 25),)
    ]
    profile = query(
        store, "SELECT keyed_by_id, platform_id, handle, profile_url FROM profiles WHERE member_key = '2029719331123384322'"
    )
    assert profile == [(True, None, None, "https://twitter.com/intent/user?user_id=2029719331123384322")]
    posts = query(store, "SELECT post_id, posted_at, has_time, kind, likes, reposts, text FROM posts ORDER BY post_id")
    assert posts == [
        ("2070000000000000007", dt.datetime(2026, 6, 1, 10, 0), True, "reply", 1, 0, "@ghost thanks"),
        ("2080900000000000001", dt.datetime(2026, 7, 23, 6, 0, 5), True, "post", 12, 4, "Caf\u00e9 metrics \u2615 <3 my followers"),
        ("2080931505732235401", dt.datetime(2026, 7, 24, 21, 10), True, "repost", 0, 0, "RT @someone: A chart worth sharing"),
        ("2080932810697666894", dt.datetime(2026, 7, 25, 8, 26, 58), True, "reply", 3, 0, "@Cryptoze Agreed & noted: spells > snapshots"),
    ]
    assert query(store, "SELECT handle, platform FROM accounts") == [("palier_demo", "x")]
    assert query(store, "SELECT count(*) FROM imports")[0][0] == 1


def test_archive_as_downloaded_zip(store: Store) -> None:
    # No date in this name: the snapshot date comes from manifest.js.
    outcomes = import_bytes(store, {"my archive.zip": archive_zip()})
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]
    assert_archive_loaded(store)
    again = import_bytes(store, {"my archive.zip": archive_zip()})
    assert again[0].status == "unchanged"
    assert query(store, "SELECT count(*) FROM spells")[0][0] == 8


def test_archive_zip_with_a_top_folder(store: Store) -> None:
    outcomes = import_bytes(store, {"archive.zip": archive_zip(with_top_folder=True)})
    assert outcomes[0].status == "imported"
    assert_archive_loaded(store)


def test_archive_as_unzipped_folder(store: Store) -> None:
    outcomes = import_sources(store, [FolderSource(ARCHIVE)], ImportOptions("me"))
    assert [o.status for o in outcomes] == ["imported"]
    assert_archive_loaded(store)
    outcomes = import_sources(store, [FolderSource(DATA)], ImportOptions("me"))
    assert outcomes[0].status == "unchanged"  # the same files, picked from data/ itself


def test_member_patterns_pick_archive_files() -> None:
    wanted = [
        "data/follower.js", "data/following.js", "data/tweets.js", "data/tweets-part1.js", "data/tweet.js",
        "data/account.js", "data/manifest.js", "twitter-2026-07-25-1a2b/data/tweets-part12.js",
    ]
    unwanted = ["data/like.js", "data/deleted-tweets.js", "data/tweet-headers.js", "data/tweetdeck.js", "data/block.js"]
    x_patterns = [f for f in FORMATS if f.key.startswith("x_archive")]
    assert all(f.member_pattern for f in x_patterns)
    assert all(wanted_in_bundle(p) for p in wanted)
    assert not any(wanted_in_bundle(p) for p in unwanted)


def test_loose_archive_files_form_one_import(store: Store) -> None:
    files = {name: (DATA / name).read_bytes() for name in ("follower.js", "manifest.js", "account.js")}
    outcomes = import_bytes(store, files)
    assert [o.status for o in outcomes] == ["imported"]
    assert outcomes[0].name == "account.js + follower.js + manifest.js"
    # manifest.js dates the follower list: its generationDate, not today.
    assert query(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("follower", dt.date(2026, 7, 25), 5)]
    assert query(store, "SELECT handle FROM accounts") == [("palier_demo",)]


def test_single_archive_files(store: Store) -> None:
    outcome = import_fixture(store, DATA / "tweets-part1.js")[0]
    assert outcome.status == "imported" and outcome.format == "x_archive_tweets"
    outcome = import_fixture(store, OLD_TWEET_JS)[0]
    assert outcome.status == "imported"
    assert query(store, "SELECT post_id, posted_at, kind, likes, reposts, text FROM posts ORDER BY post_id") == [
        ("1150000000000000001", dt.datetime(2019, 7, 12, 14, 3), "post", 7, 2, 'Old archive, old "tweet.js"'),
        ("1150000000000000003", dt.datetime(2019, 7, 12, 15, 0), "reply", 0, 0, "@friend yes!"),
        ("2070000000000000007", dt.datetime(2026, 6, 1, 10, 0), "reply", 1, 0, "@ghost thanks"),
    ]
    assert import_fixture(store, DATA / "account.js")[0].status == "imported"
    assert query(store, "SELECT handle FROM accounts") == [("palier_demo",)]


def test_follower_js_alone_takes_the_snapshot_option(store: Store) -> None:
    outcome = import_fixture(store, DATA / "follower.js", snapshot_date=dt.date(2026, 8, 1))[0]
    assert outcome.status == "imported"
    assert query(store, "SELECT snapshot_date, members FROM snapshots") == [(dt.date(2026, 8, 1), 5)]


def test_archive_bad_count_names_line_and_field() -> None:
    data = (DATA / "tweets.js").read_bytes().replace(b'"favorite_count" : "12"', b'"favorite_count" : "12x"')
    line = data.decode().split("\n").index('      "favorite_count" : "12x",') + 1
    with pytest.raises(BadExportError) as caught:
        parse(DATA / "tweets.js", data=data)
    assert str(caught.value) == f"tweets.js: line {line}, field 'favorite_count': expected a whole number, found '12x'"


def test_archive_damaged_json_names_the_line() -> None:
    data = (DATA / "follower.js").read_bytes()[:-40]
    with pytest.raises(BadExportError) as caught:
        parse(DATA / "follower.js", data=data)
    assert caught.value.where.startswith("line ")
    bad_id = (DATA / "follower.js").read_bytes().replace(b'"accountId" : "38554421"', b'"accountId" : "3855x"')
    with pytest.raises(BadExportError) as caught:
        parse(DATA / "follower.js", data=bad_id)
    assert caught.value.where == "line 16, field 'accountId'"


def test_empty_following_list_is_an_empty_snapshot(store: Store) -> None:
    outcome = import_bytes(store, {"following.js": b"window.YTD.following.part0 = [ ]"}, snapshot_date=dt.date(2026, 7, 1))[0]
    assert outcome.status == "imported"
    assert query(store, "SELECT kind, snapshot_date, members FROM snapshots") == [("following", dt.date(2026, 7, 1), 0)]


def test_archive_and_premium_posts_merge(store: Store) -> None:
    # The archive gives the exact time, the content CSV the impressions: the posts view keeps both.
    tweet = {
        "tweet": {
            "id_str": "2081234567890123457",
            "created_at": "Tue Jul 14 16:45:10 +0000 2026",
            "full_text": "Shipping the new dashboard today &amp; it feels great",
            "favorite_count": "90",
            "retweet_count": "9",
        }
    }
    data = ("window.YTD.tweets.part0 = " + json.dumps([tweet], indent=2, separators=(",", " : "))).encode()
    assert import_bytes(store, {"tweets.js": data})[0].status == "imported"
    assert import_fixture(store, CONTENT)[0].status == "imported"
    row = query(store, "SELECT posted_at, has_time, impressions, likes, kind FROM posts WHERE post_id = '2081234567890123457'")
    assert row == [(dt.datetime(2026, 7, 14, 16, 45, 10), True, 12045, 88, "post")]
