"""Hold under attack (issue 19): the import side. Absurd dates, counts beyond 64 bits, deep JSON,
zips that add up to too much, a deleted import's bytes, and the same input rules everywhere.
Every refusal is a PalierError naming the file, with the store unchanged (see test_bad_input)."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest

from analytics.ingest.bundle import zip_members
from analytics.ingest.model import SourceFile
from analytics.store import Store, open_store
from analytics.store.accounts import delete_import
from tests.conftest import import_bytes
from tests.test_bad_input import fails, imported, profiles

MAX = 2**63 - 1


# --- 7. deleting one import erases it from the file ---------------------------------------------


def test_deleting_an_import_erases_its_names_from_the_file(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    secret = "zed-the-deleted-secret"
    store = open_store(db)
    try:
        import_bytes(store, {"list.csv": b"handle,name\nalice,Alice\nbob,Bob\n"}, snapshot_date=dt.date(2026, 1, 1))
        second = import_bytes(
            store, {"list.csv": f"handle,name,bio\nalice,Alice,\n{secret},Zed Hidden,{secret} bio\n".encode()},
            snapshot_date=dt.date(2026, 1, 8),
        )[0]
        store.checkpoint()
        assert secret.encode() in db.read_bytes()
        assert second.import_id is not None
        delete_import(store, "me", second.import_id)
        assert [p[1] for p in profiles(store, "me")] == ["alice", "bob"]
    finally:
        store.close()
    wal = db.with_name(db.name + ".wal")
    for data in (db.read_bytes(), wal.read_bytes() if wal.exists() else b""):
        assert secret.encode() not in data
        assert b"Zed Hidden" not in data
    assert b"alice" in db.read_bytes()  # what is kept is still there


# --- 5. a zip's members add up ------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _list_of(n: int, rows: int) -> bytes:
    return ("handle,name\n" + "".join(f"user{n}_{i:07d},Name {i}\n" for i in range(rows))).encode()


def test_a_zip_whose_members_add_up_past_the_bound_is_refused(seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_MAX_UPLOAD_MB", "1")
    # Three Instagram pages of ~0.5 MB each: each under the per-member limit, together over 1 MB.
    page = b"[" + b",".join(
        b'{"title": "", "string_list_data": [{"href": "https://www.instagram.com/u%07d", "value": "u%07d", "timestamp": 1700000000}]}' % (i, i)
        for i in range(4_000)
    ) + b"]"
    assert 400_000 < len(page) < 1024 * 1024
    archive = _zip({f"connections/followers_and_following/followers_{n}.json": page for n in range(1, 4)})
    assert len(archive) < 1_000_000
    fails(seeded, {"three.zip": archive}, "three.zip", "the whole archive", "at most 1 MB uncompressed in all", "several uploads")


def test_zip_members_are_streamed_to_files_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_MAX_UPLOAD_MB", "4")
    members = zip_members(SourceFile("two.zip", _zip({"a.csv": _list_of(1, 1000), "b.csv": _list_of(2, 1000)})), lambda _: True)
    assert [m.name for m in members] == ["two.zip/a.csv", "two.zip/b.csv"]
    assert all(m.path is not None and not m.loaded for m in members)
    assert members[0].data == _list_of(1, 1000)
    paths = [m.path for m in members]
    assert all(p is not None and p.exists() for p in paths)
    del members
    import gc

    gc.collect()
    assert not any(p is not None and p.exists() for p in paths)  # the temporary files go with them


# --- 8. the same input rules everywhere -----------------------------------------------------------


def test_utf16_big_endian_without_bom_is_read_like_little_endian(seeded: Store) -> None:
    text = "handle,name\nalice,Alice\nzoé,Zoé\n"
    for codec in ("utf-16-le", "utf-16-be"):
        data = text.encode(codec)
        assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        outcome = imported(seeded, {f"list-{codec}.csv": data}, account=codec, snapshot_date=dt.date(2026, 3, 2))
        assert "decoded as UTF-16" in outcome.notes
        assert [p[1] for p in profiles(seeded, codec)] == ["alice", "zoé"]


def test_negative_followers_count_in_a_list_is_refused(seeded: Store) -> None:
    fails(seeded, {"list.csv": b"handle,name,followers_count\nalice,Alice,10\nbob,Bob,-3\n"},
          "list.csv", "line 3", "'followers_count'", "a count of 0 or more", "found -3", snapshot_date=dt.date(2026, 3, 3))


def test_negative_count_in_a_big_list_is_refused_by_the_fast_path_too(seeded: Store) -> None:
    rows = "".join(f"user{i:06d},Name {i},{i}\n" for i in range(40_000))
    data = ("handle,name,followers\n" + rows + "bad,Bad,-1\n").encode()
    fails(seeded, {"big.csv": data}, "big.csv", "line 40002", "a count of 0 or more", snapshot_date=dt.date(2026, 3, 3))


def test_repeated_column_names_are_refused(seeded: Store) -> None:
    fails(seeded, {"list.csv": b"handle,handle,name,name\nalice,bob,Alice,Bob\n"},
          "list.csv", "header (line 1)", "each column named once", "'handle', 'name' more than once", snapshot_date=dt.date(2026, 3, 3))
    fails(seeded, {"counts.csv": b"date,followers,Followers\n2026-03-01,1,2\n"}, "counts.csv", "'Followers' more than once")


def test_a_count_at_the_64_bit_limit_comes_back_exact(store: Store) -> None:
    imported(store, {"counts.csv": f"date,followers\n2026-03-01,{MAX}\n2026-03-02,5\n".encode()})
    imported(store, {"list.csv": f"handle,name,followers\nalice,Alice,{MAX}\nbob,Bob,\n".encode()}, snapshot_date=dt.date(2026, 3, 2))
    cursor = store.cursor()
    try:
        assert cursor.execute("SELECT value FROM daily_latest WHERE day = DATE '2026-03-01'").fetchone() == (MAX,)
    finally:
        cursor.close()
    assert [p[3] for p in profiles(store, "me")] == [MAX, None]
    fails(store, {"more.csv": f"date,followers\n2026-03-03,{MAX + 1}\n".encode()}, "more.csv", "line 2", "below 9,223,372,036,854,775,808")


# --- 3. plausible dates, and work that grows with the data, not the span -----------------------


def test_dates_before_2003_or_after_tomorrow_are_refused_everywhere(seeded: Store) -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    later = (tomorrow + dt.timedelta(days=1)).isoformat()
    fails(seeded, {"old.csv": b"date,followers\n2025-01-01,5\n0001-01-01,100\n"},
          "old.csv", "line 3", "field 'date'", "a date from 2003-01-01 to", "found 0001-01-01", "correct the date")
    fails(seeded, {"late.csv": f"date,followers\n{later},100\n".encode()}, "late.csv", "line 2", f"found {later}")
    socialblade = (
        b'{"status":{"success":true},"data":{"id":{"username":"jdoe"},"daily":['
        b'{"date":"2026-02-16","followers":1508},{"date":"9999-12-31","followers":1512}]}}'
    )
    fails(seeded, {"sb.json": socialblade}, "sb.json", "9999-12-31", "a date from 2003-01-01")
    fails(seeded, {"list.csv": b"handle,name,snapshot_date\nalice,Alice,2099-12-31\n"}, "list.csv", "line 2", "found 2099-12-31")
    # An undated list given an absurd date by the uploader is refused the same way.
    fails(seeded, {"list.csv": b"handle,name\nalice,Alice\n"}, "list.csv", "the list's date", "found 1999-12-31",
          snapshot_date=dt.date(1999, 12, 31))
    # The limits themselves are plausible.
    imported(seeded, {"edge.csv": f"date,followers\n2003-01-01,1\n{tomorrow.isoformat()},2\n".encode()}, account="edge")


def test_a_file_name_date_that_is_absurd_is_not_taken_for_the_snapshot_date() -> None:
    from analytics.ingest.values import date_in_name

    assert date_in_name("followers-1999-01-01.csv") is None
    assert date_in_name("followers-2026-01-02.csv") == dt.date(2026, 1, 2)


def test_a_gap_of_22_years_costs_work_in_days_of_data_not_the_square_of_the_span(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analytics.metrics import plateaus
    from analytics.metrics.followers import follower_series
    from analytics.metrics.report import account_report

    first, last = dt.date(2004, 1, 1), dt.date(2026, 11, 30)
    imported(store, {"counts.csv": f"date,followers\n{first},100\n2004-01-02,101\n{last},5000\n".encode()})
    imported(store, {"a.csv": b"handle,name\na,A\nb,B\n"}, snapshot_date=dt.date(2004, 1, 3))
    imported(store, {"b.csv": b"handle,name\na,A\nc,C\n"}, snapshot_date=last - dt.timedelta(days=1))
    searched: list[int] = []
    real_pelt = plateaus.pelt

    def counted(values: object, penalty: float, min_size: int) -> list[int]:
        searched.append(len(values))  # type: ignore[arg-type]
        return real_pelt(values, penalty, min_size)  # type: ignore[arg-type]

    monkeypatch.setattr(plateaus, "pelt", counted)
    cursor = store.cursor()
    try:
        series = follower_series(cursor, 1)
        report = account_report(cursor, 1, "me")
    finally:
        cursor.close()
    span = (last - first).days + 1
    # The daily grid is the data's own range, no more.
    assert len(series) == span
    assert report["growth"]["date_min"] == first.isoformat() and report["growth"]["date_max"] == last.isoformat()
    # The plateau search (ruptures' PELT in C) is given the data's own days, never a grid that
    # grows past them: with dates refused before 2003, at most ~8,800 days.
    assert searched, "the plateau search did not run"
    assert max(searched) <= span


# --- 4. no traceback from any file: the named cases --------------------------------------------


def test_deep_json_is_refused_with_a_message(seeded: Store) -> None:
    deep = b"[" * 50_000 + b"]" * 50_000
    fails(seeded, {"followers.json": b'{"subject":{"did":"did:plc:a","handle":"a.b"},"followers":' + deep + b"}"},
          "followers.json", "the JSON's nesting", "nested thousands of levels deep")
    fails(seeded, {"sb.json": b'{"status":{"success":true},"data":{"id":{"username":"x"},"daily":' + deep + b"}}"},
          "sb.json", "nested thousands of levels deep")


@pytest.mark.parametrize(
    ("name", "data", "where", "found"),
    [
        ("sb.json", b'{"status":{"success":true},"data":{"id":{"username":"x"},"daily":[{"date":"2026-02-16","followers":10000000000000000000000000}]}}',
         "daily[0].followers", "found 10000000000000000000000000"),
        ("profile.json", b'{"did":"did:plc:abc","handle":"jdoe.bsky.social","followersCount":100000000000000000000}',
         "key 'followersCount'", "found 100000000000000000000"),
        ("account.json", b'{"id":"1","username":"jdoe","acct":"jdoe","url":"https://mastodon.social/@jdoe","followers_count":'
         + str(10**30).encode() + b',"following_count":2,"statuses_count":3}', "'followers_count'", "found " + str(10**30)),
    ],
)
def test_counts_beyond_64_bits_are_refused_at_preview_with_the_place(
    seeded: Store, name: str, data: bytes, where: str, found: str
) -> None:
    from analytics.ingest.service import prepare

    # The preview (what the Import page shows first) already fails: not a clean preview, then a crash.
    (outcome,) = prepare([SourceFile(name, data)])
    assert getattr(outcome, "status", None) == "failed", outcome
    fails(seeded, {name: data}, name, where, "a whole number below 9,223,372,036,854,775,808", found)
