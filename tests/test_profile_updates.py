"""A later list moves each stored profile field it changes, and only those; a blank count, date or
flag never erases a known value; an older list only fills gaps. Checked column by column, because the loader
first asks whether anything moved at all (analytics.ingest.load.ANY_CHANGED_SQL) and skips the
per-column writes when nothing did: a change that check missed would be lost here."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.store import Store
from tests.conftest import import_bytes

HEADER = "id,handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar,verified"
ALICE = ["101", "alice", "Alice", "hello", "Paris", "10", "20", "30", "2020-01-02", "2025-02-01", "false", "false"]
BOB = ["102", "bob", "Bob", "bye", "Lyon", "1", "2", "3", "2019-05-06", "2025-01-15", "true", "false"]
# A changed value for each column after the id, as the stored column reads it back.
CHANGES = {
    "handle": ("alice_renamed", "alice_renamed"),
    "name": ("Alice B.", "Alice B."),
    "bio": ("new bio", "new bio"),
    "location": ("Marseille", "Marseille"),
    "followers_count": ("11", 11),
    "following_count": ("21", 21),
    "posts_count": ("31", 31),
    "created_at": ("2020-01-03", dt.date(2020, 1, 3)),
    "last_post_at": ("2025-02-20", dt.date(2025, 2, 20)),
    "default_avatar": ("true", True),
    "verified": ("true", True),
}
COLUMNS = HEADER.split(",")


def _list(*rows: list[str]) -> bytes:
    return (HEADER + "\n" + "".join(",".join(row) + "\n" for row in rows)).encode()


def _stored(store: Store, column: str) -> dict[str, object]:
    cursor = store.cursor()
    try:
        rows = cursor.execute(f"SELECT member_key, {column} FROM profiles ORDER BY member_key").fetchall()  # noqa: S608 - a column name of this test
    finally:
        cursor.close()
    return dict(rows)


def _import(store: Store, data: bytes, day: int) -> None:
    outcomes = import_bytes(store, {f"list-{day}.csv": data}, snapshot_date=dt.date(2025, 3, day))
    assert [o.status for o in outcomes] == ["imported"], [o.line() for o in outcomes]


@pytest.mark.parametrize("column", sorted(CHANGES))
def test_a_later_list_moves_the_field_it_changes(store: Store, column: str) -> None:
    _import(store, _list(ALICE, BOB), 1)
    before = _stored(store, column)
    changed = list(ALICE)
    changed[COLUMNS.index(column)] = CHANGES[column][0]
    _import(store, _list(changed, BOB), 2)
    after = _stored(store, column)
    assert after["101"] == CHANGES[column][1], (column, before, after)
    assert after["102"] == before["102"]


def test_a_blank_count_date_or_flag_erases_nothing_and_a_blank_text_empties_it(store: Store) -> None:
    # A blank bio in an export is an emptied bio; a blank count, date or flag is not known.
    _import(store, _list(ALICE, BOB), 1)
    before = {column: _stored(store, column) for column in CHANGES}
    blank = [ALICE[0], ALICE[1]] + [""] * (len(ALICE) - 2)
    _import(store, _list(blank, BOB), 2)
    after = {column: _stored(store, column) for column in CHANGES}
    for column in CHANGES:
        expected = "" if column in ("name", "bio", "location") else before[column]["101"]
        assert after[column]["101"] == expected, column
        assert after[column]["102"] == before[column]["102"], column


def test_an_older_list_fills_gaps_and_moves_nothing_known(store: Store) -> None:
    partial = list(ALICE)
    partial[COLUMNS.index("followers_count")] = ""
    _import(store, _list(partial, BOB), 5)
    assert _stored(store, "followers_count")["101"] is None
    older = list(ALICE)
    older[COLUMNS.index("name")] = "Old Alice"
    _import(store, _list(older, BOB), 1)
    assert _stored(store, "followers_count")["101"] == 10  # a gap, filled by the older list
    assert _stored(store, "name")["101"] == "Alice"  # known from the newer list: kept
