"""An import's summary, written once by the import and shown as it is by the Import page."""

from __future__ import annotations

from analytics.store import Store
from tests.conftest import import_bytes


def _daily_lists(days: int) -> bytes:
    """Palier's follower-list CSV with a snapshot_date column: one list per day, one more member each day."""
    rows = ["handle,name,snapshot_date"]
    for day in range(1, days + 1):
        rows += [f"user{n},User {n},2026-03-{day:02d}" for n in range(10 + day)]
    return ("\n".join(rows) + "\n").encode()


def test_a_file_of_daily_lists_is_summarised_in_one_part(store: Store) -> None:
    [outcome] = import_bytes(store, {"followers.csv": _daily_lists(5)})
    assert outcome.status == "imported"
    assert outcome.summary.endswith(", 5 follower lists of 11 to 15, 2026-03-01 to 2026-03-05"), outcome.summary
    assert " followers on " not in outcome.summary
    cursor = store.cursor()
    try:
        stored = cursor.execute("SELECT summary FROM imports").fetchone()
    finally:
        cursor.close()
    assert stored == (outcome.summary,)


def test_three_lists_are_still_named_one_by_one(store: Store) -> None:
    [outcome] = import_bytes(store, {"followers.csv": _daily_lists(3)})
    parts = outcome.summary.split(", ")
    assert parts[-3:] == ["11 followers on 2026-03-01", "12 followers on 2026-03-02", "13 followers on 2026-03-03"]
