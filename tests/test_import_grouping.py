"""Files uploaded together: pages of one list merge; two exports of the same name do not."""

from __future__ import annotations

import datetime as dt

from analytics.ingest.registry import format_label
from analytics.store import Store
from tests.conftest import import_bytes

FOLLOWER_JS = b'window.YTD.follower.part0 = [\n  {\n    "follower" : {\n      "accountId" : "%s",\n      "userLink" : "https://twitter.com/intent/user?user_id=%s"\n    }\n  }\n]'


def test_two_follower_js_from_two_archives_are_refused_not_merged(store: Store) -> None:
    outcomes = import_bytes(
        store,
        {"a/follower.js": FOLLOWER_JS % (b"1", b"1"), "b/follower.js": FOLLOWER_JS % (b"2", b"2")},
        snapshot_date=dt.date(2026, 7, 25),
    )
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "several files named follower.js" in (outcomes[0].error or "")
    assert store.cursor().execute("SELECT count(*) FROM snapshots").fetchone() == (0,)


def test_archive_files_uploaded_loose_together_are_one_import(store: Store) -> None:
    account_js = b'window.YTD.account.part0 = [\n  {\n    "account" : {\n      "username" : "someone",\n      "accountId" : "9"\n    }\n  }\n]'
    outcomes = import_bytes(
        store, {"follower.js": FOLLOWER_JS % (b"1", b"1"), "account.js": account_js}, snapshot_date=dt.date(2026, 7, 25)
    )
    assert [o.status for o in outcomes] == ["imported"]
    assert outcomes[0].label == "X data archive: account (account.js), followers (follower.js)"
    assert store.cursor().execute("SELECT handle, platform FROM accounts").fetchone() == ("someone", "x")


def test_combined_labels_read_as_one_export() -> None:
    assert format_label("x_archive_follower+x_archive_tweets") == "X data archive: followers (follower.js), posts (tweets.js)"
    assert format_label("generic_counts") == "Follower-count history CSV (Palier generic)"
