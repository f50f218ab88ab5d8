"""A folder or a zip of analytics CSVs imports as one upload (issue 14, item 3).

X overview and content CSVs and legacy per-tweet and daily files, two months of each, written
from ../shared/FORMATS.md sections 1-3 (headers, quoting, date forms, row order, line endings).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from analytics.ingest.model import SourceFile
from analytics.ingest.service import FolderSource, ImportOptions, import_sources
from analytics.metrics.headline import daily_posts
from analytics.store import Store
from analytics.store.accounts import require_account
from tests.conftest import import_bytes

OVERVIEW_HEADER = (
    "Date,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Unfollows,Replies,Reposts,"
    "Profile visits,Create Post,Video views,Media views"
)
CONTENT_HEADER = (
    "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Replies,"
    "Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,Permalink Clicks"
)
METRICS = [
    "impressions", "engagements", "engagement rate", "retweets", "replies", "likes", "user profile clicks",
    "url clicks", "hashtag clicks", "detail expands", "permalink clicks", "app opens", "app installs", "follows",
    "email tweet", "dial phone", "media views", "media engagements",
]
TWEETS_HEADER = ["Tweet id", "Tweet permalink", "Tweet text", "time", *METRICS, *(f"promoted {m}" for m in METRICS)]
DAILY_HEADER = ["Date", "Tweets published", *METRICS, *(f"promoted {m}" for m in METRICS)]


def quoted(fields: list[str]) -> str:
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields)


def x_date(day: dt.date) -> str:
    return f'"{day:%a}, {day:%b} {day.day}, {day:%Y}"'


def overview(first: dt.date, days: int, follows: int) -> bytes:
    rows = [f"{x_date(first + dt.timedelta(days=i))},500,5,20,0,0,{follows},1,0,0,10,2,0,0" for i in range(days)]
    return (OVERVIEW_HEADER + "\n" + "\n".join(reversed(rows))).encode()


def content(posts: list[tuple[str, dt.date]]) -> bytes:
    rows = [f'{pid},{x_date(day)},Hello &amp; welcome,https://x.com/me/status/{pid},100,1,5,0,0,1,0,0,1,0,0,0,0'
            for pid, day in posts]
    return (CONTENT_HEADER + "\n" + "\n".join(rows)).encode()


def legacy_tweets(posts: list[tuple[str, dt.datetime]]) -> bytes:
    rows = [quoted(TWEETS_HEADER)]
    for pid, when in sorted(posts, key=lambda p: p[1], reverse=True):
        metrics = ["89.0", "5.0", "0.056", "1.0", "0.0", "2.0", "1.0", "0.0", "0.0", "1.0", "0.0", "0", "0", "0", "0", "0",
                   "0", "0"]
        rows.append(quoted([pid, f"https://twitter.com/me/status/{pid}", "line one\nline two",
                            f"{when:%Y-%m-%d %H:%M} +0000", *metrics, *["-"] * 18]))
    return ("\n".join(rows) + "\n").encode()


def legacy_daily(first: dt.date, days: int, published: int) -> bytes:
    rows = [quoted(DAILY_HEADER)]
    for i in range(days):
        day = first + dt.timedelta(days=i)
        rows.append(quoted([day.isoformat(), str(published), "1088", "20", "0.018", *["1"] * 15, *["-"] * 18]))
    return ("\n".join(rows) + "\n").encode()


def files() -> dict[str, bytes]:
    return {
        # Two overview exports overlapping on 2025-02-01: the later one (revised by X) wins there.
        "account_overview_analytics.csv": overview(dt.date(2025, 1, 1), 32, follows=3),
        "account_overview_analytics (1).csv": overview(dt.date(2025, 2, 1), 28, follows=4),
        "account_analytics_content_2025-01-01_2025-01-31.csv": content(
            [("1880000000000000001", dt.date(2025, 1, 5)), ("1880000000000000002", dt.date(2025, 1, 20))]),
        # The same post listed again in the next month's file: one post.
        "account_analytics_content_2025-01-20_2025-02-28.csv": content(
            [("1880000000000000002", dt.date(2025, 1, 20)), ("1880000000000000003", dt.date(2025, 2, 10))]),
        "legacy/tweet_activity_metrics_me_20210801_20210901_en.csv": legacy_tweets(
            [("1430000000000000001", dt.datetime(2021, 8, 3, 9, 15)), ("1430000000000000002", dt.datetime(2021, 8, 30, 18, 2))]),
        "legacy/tweet_activity_metrics_me_20210901_20211001_en.csv": legacy_tweets(
            [("1440000000000000001", dt.datetime(2021, 9, 12, 7, 40))]),
        "legacy/daily_tweet_activity_metrics_me_20210801_20210901_en.csv": legacy_daily(dt.date(2021, 8, 1), 31, 1),
        "legacy/daily_tweet_activity_metrics_me_20211001_20211101_en.csv": legacy_daily(dt.date(2021, 10, 1), 31, 2),
        # Something else that sits in such a folder: not a follower list, skipped.
        "notes/budget.csv": b"handle,name\nnot,a follower list\n",
    }


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(f"analytics/{name}", data)
    return buffer.getvalue()


def check(store: Store) -> None:
    cursor = store.cursor()
    try:
        account_id = require_account(cursor, "me").account_id
        follows = dict(cursor.execute(
            "SELECT day, value FROM daily_latest WHERE account_id = $a AND metric = 'new_follows'", {"a": account_id}
        ).fetchall())
        assert len(follows) == 59
        assert follows[dt.date(2025, 1, 31)] == 3 and follows[dt.date(2025, 2, 1)] == 4
        posts = cursor.execute("SELECT count(*) FROM posts WHERE account_id = $a", {"a": account_id}).fetchone()
        assert posts == (6,)
        lists = cursor.execute("SELECT count(*) FROM snapshots WHERE account_id = $a", {"a": account_id}).fetchone()
        assert lists == (0,)
        per_day = daily_posts(cursor, account_id).set_index("day")
        # Days with listed tweets take them; the others take the daily file's count where it has one.
        assert per_day.loc["2021-08-01", "posts"] == 1 and per_day.loc["2021-08-01", "source"] == "daily"
        assert per_day.loc["2021-08-03", "posts"] == 1 and per_day.loc["2021-08-03", "source"] == "posts"
        assert per_day.loc["2021-10-15", "posts"] == 2 and per_day.loc["2021-10-15", "source"] == "daily"
        # September has no daily file: its days without a listed tweet are 0 inside the posts' span.
        assert per_day.loc["2021-09-20", "posts"] == 0 and per_day.loc["2021-09-20", "source"] == "posts"
        # 2025: the overview's Create Post (2 a day) except where the content files list posts.
        assert per_day.loc["2025-01-05", "posts"] == 1 and per_day.loc["2025-01-06", "posts"] == 2
    finally:
        cursor.close()


def test_a_zip_of_analytics_csvs_imports_as_one_upload(store: Store) -> None:
    archive = zipped(files())
    outcomes = import_bytes(store, {"analytics.zip": archive}, account="me")
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]
    check(store)
    # Importing the same zip again changes nothing.
    again = import_bytes(store, {"analytics.zip": archive}, account="me")
    assert [o.status for o in again] != ["imported"], [o.line() for o in again]
    check(store)


def test_a_folder_of_analytics_csvs_imports_as_one_upload(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "my analytics"
    for name, data in files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    outcomes = import_sources(store, [FolderSource(folder)], ImportOptions("me"))
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]
    check(store)


def test_a_zip_of_unrelated_csvs_is_still_refused(store: Store) -> None:
    outcomes = import_sources(store, [SourceFile("other.zip", zipped({"budget.csv": b"handle,name\na,b\n"}))],
                              ImportOptions("me"))
    assert [o.status for o in outcomes] == ["failed"]
    assert "other.zip" in (outcomes[0].error or "")
