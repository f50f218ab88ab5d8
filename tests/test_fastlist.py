"""The generic list's fast path (DuckDB) against the careful reader (Python's csv): the same
file gives the same store, and bad input through the fast path keeps the careful reader's
precise message (file, line, field, expected, found)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from analytics.ingest import fastlist
from analytics.ingest.formats import generic
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, import_sources, read_paths
from analytics.store import Store, open_store


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """What an import writes, without the clock (import and account creation times)."""
    queries = {
        "imports": "SELECT import_id, account_id, file_name, sha256, format, rows, date_min, date_max, summary FROM imports",
        "snapshots": "SELECT * FROM snapshots",
        # Members by key: ids are drawn in whatever order the insert runs (in parallel on the fast path).
        "spells": "SELECT account_id, kind, member_key, first_seen, last_seen FROM member_spells",
        "profiles": "SELECT * EXCLUDE (member_id) FROM profiles",
    }
    cursor = store.cursor()
    try:
        return {name: sorted(cursor.execute(sql).fetchall(), key=repr) for name, sql in queries.items()}
    finally:
        cursor.close()

DAY = dt.date(2026, 3, 2)
HEADER = "id,handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar,verified\n"
ROWS = [
    '1001,alice,Alice Smith,"Data journalist, runner",Paris,1200,300,5400,2019-05-01T10:00:00Z,2026-03-01,false,true\n',
    '1002,@bob,  Bob  ,"Says ""hi""\nand more",,"1,234",12,7,2020-01-02,,true,false\n',
    "1003,ca rol,Carol\u00a0,\u3000日本語のプロフィール ,東京,0,-,89.0,2021-02-03 04:05:06,,yes,NO\n",
    ",Dave,Dave,,,,,,,,,\n",
    "1005,erin,Érin Dupont,Journaliste indépendante 🌍,Lyon,+15,16,17,2018-07-08T09:10:11.123Z,2025/12/31,,\n",
    "\n",
    " , , , , , , , , , , , \n",
]


def _write(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def _import(db: Path, files: list[Path], fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    store = open_store(db)
    try:
        outcomes = import_sources(store, read_paths(files), ImportOptions("me", snapshot_date=DAY))
        lines = [o.line() for o in outcomes]
        return lines + [repr(dump(store))]
    finally:
        store.close()


def _same_store(tmp_path: Path, rows: list[str], monkeypatch: pytest.MonkeyPatch, header: str = HEADER) -> list[str]:
    path = _write(tmp_path / "list.csv", rows, header)
    slow = _import(tmp_path / "slow.duckdb", [path], False, monkeypatch)
    fast = _import(tmp_path / "fast.duckdb", [path], True, monkeypatch)
    assert fast == slow
    return fast


def test_fast_path_reads_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    path = _write(tmp_path / "list.csv", ROWS)
    # On disk: left for the loader to read into the store, rows counted then.
    parsed = generic.parse_list(SourceFile(path.name, path=path))
    assert isinstance(parsed.lists[0].members, fastlist.CsvMembers)
    assert parsed.rows is None
    # In memory (a zip member, a collected page): read here, into Arrow.
    parsed = generic.parse_list(SourceFile(path.name, path.read_bytes()))
    assert isinstance(parsed.lists[0].members, pa.Table)
    assert parsed.rows == 5
    # The loader counts what it read.
    store = open_store(tmp_path / "s.duckdb")
    try:
        outcome = import_sources(store, read_paths([path]), ImportOptions("me", snapshot_date=DAY))[0]
        assert outcome.status == "imported" and outcome.rows == 5
        assert store.cursor().execute("SELECT rows FROM imports").fetchall() == [(5,)]
    finally:
        store.close()


def test_same_store_as_the_careful_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same_store(tmp_path, ROWS, monkeypatch)


def test_same_store_from_an_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = (HEADER + "".join(ROWS)).encode()
    results = []
    for fast in (False, True):
        monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
        store = open_store(tmp_path / f"{fast}.duckdb")
        try:
            import_sources(store, [SourceFile("list.csv", data)], ImportOptions("me", snapshot_date=DAY))
            results.append(dump(store))
        finally:
            store.close()
    assert results[0] == results[1]


def test_same_store_for_a_daily_series_with_snapshot_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    header = "handle,name,followers,snapshot_date\n"
    rows = [f"user{i},User {i},{i},2026-03-0{1 + (i % 3)}\n" for i in range(40)]
    _same_store(tmp_path, rows, monkeypatch, header)


def test_semicolons_and_a_following_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "following.csv"
    path.write_text("handle;name;followers\nalice;Smith, Alice;1,234\nbob;Bob;20\n")
    slow = _import(tmp_path / "slow.duckdb", [path], False, monkeypatch)
    fast = _import(tmp_path / "fast.duckdb", [path], True, monkeypatch)
    assert fast == slow and "following" in fast[0]


def test_successive_days_give_the_same_spells_and_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    days = []
    for number, members in enumerate(([1, 2, 3, 4], [2, 3, 4, 5], [1, 3, 5])):
        rows = [f"{m},user{m},User {m},bio {m},,{m * (number + 1)},1,1,,,,\n" for m in members]
        days.append(_write(tmp_path / f"followers_2026-03-0{number + 1}.csv", rows))
    # Out of order on purpose: the middle day arrives last.
    order = [days[0], days[2], days[1]]
    results = []
    for fast in (False, True):
        monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
        store = open_store(tmp_path / f"{fast}.duckdb")
        try:
            for path in order:
                import_sources(store, read_paths([path]), ImportOptions("me"))
            results.append(dump(store))
        finally:
            store.close()
    assert results[0] == results[1]


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        ("1001,alice,A,,,twelve,,,,,,\n", ["line 3", "'followers_count'", "a whole number", "'twelve'"]),
        ("1001,alice,A,,,,,,2024-13-45,,,\n", ["line 3", "'created_at'", "'2024-13-45'"]),
        ("1001,alice,A,,,,,,,,maybe,\n", ["line 3", "'default_avatar'", "true or false", "'maybe'"]),
        ("1001,,A,,,,,,,,,\n", ["line 3", "'handle'", "a handle", "an empty field"]),
        ("1001,alice,A,,,,,,,,,,extra\n", ["line 3", "12 fields like the header", "13 fields"]),
        ('1001,alice,"unclosed,,,,,,,,,\n', ["every quoted field to be closed"]),
        ("1001,alice,A,,,99999999999999999999,,,,,,\n", ["line 3", "a whole number below"]),
    ],
)
def test_bad_input_keeps_the_precise_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, fragments: list[str]
) -> None:
    path = _write(tmp_path / "bad.csv", [ROWS[0], row])
    slow = _import(tmp_path / "slow.duckdb", [path], False, monkeypatch)
    fast = _import(tmp_path / "fast.duckdb", [path], True, monkeypatch)
    assert fast == slow
    assert "FAILED" in fast[0]
    for fragment in fragments:
        assert fragment in fast[0], (fragment, fast[0])


def test_duplicates_and_latin1_take_the_careful_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    duplicate = _write(tmp_path / "dup.csv", [ROWS[0], ROWS[0].replace("Alice Smith", "Alice B")])
    assert fastlist.parse(SourceFile("dup.csv", path=duplicate), generic.LIST_COLUMNS, lambda *a: a) is None
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("handle,name\nzoe,Zoé\n".encode("cp1252"))
    assert fastlist.parse(SourceFile("latin1.csv", path=latin1), generic.LIST_COLUMNS, lambda *a: a) is None
    _same_store(tmp_path, [ROWS[0], ROWS[0].replace("Alice Smith", "Alice B")], monkeypatch)


def test_a_character_cut_by_the_end_of_the_sniffed_prefix_keeps_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whether the fast path applies is judged from the file's first 8 KB, which may end inside a
    # character of a bio. Whichever byte of a 2-, 3- or 4-byte character (or of one just before
    # the cut) the prefix ends on, the file is still UTF-8 and still read by DuckDB.
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    prefix = 8192
    for character in ("é", "€", "🌍"):
        width = len(character.encode("utf-8"))
        for shift in range(-4, width + 1):
            body = HEADER + ROWS[0]
            row = "1009,zed,Zed,"
            pad = prefix - len((body + row).encode("utf-8")) - width + shift
            path = tmp_path / f"cut-{width}-{shift}.csv"
            path.write_text(body + row + '"' + "x" * pad + character + 'y",Lyon,1,2,3,,,,\n', encoding="utf-8")
            source = SourceFile(path.name, path=path)
            assert fastlist.applies(source), (character, shift)
            assert isinstance(generic.parse_list(source).lists[0].members, fastlist.CsvMembers), (character, shift)
    # A byte that cannot start a UTF-8 character within the prefix still sends the file to the
    # careful reader (which reads it as Windows-1252).
    latin1 = tmp_path / "latin1-tail.csv"
    latin1.write_bytes((HEADER + ROWS[0]).encode("utf-8") + b'1009,zed,Zo\xe9,,,,,,,,,\n')
    assert not fastlist.applies(SourceFile(latin1.name, path=latin1))


def test_the_whitespace_written_out_is_pythons() -> None:
    assert fastlist.WHITESPACE == "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def test_strip_matches_python() -> None:
    values = ["a", " a", "a ", "\xa0x", "x\u3000", "é", "日本", "", "\u2029", "x\u2029y", "\t", None, "\u3000日本 ", "\x85z", "\x1cq\x1f"]
    con = duckdb.connect()
    rows = con.execute(f"SELECT {fastlist._strip_sql('v')} FROM (SELECT unnest($v) AS v, generate_subscripts($v, 1) AS i) ORDER BY i", {"v": values}).fetchall()
    assert [r[0] for r in rows] == [v.strip() if v is not None else None for v in values]


def test_a_list_on_disk_in_a_bundle_gives_the_same_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two lists of one day are merged in memory (`CsvMembers.materialize`) before loading."""
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    first = _write(tmp_path / "a" / "list.csv", ROWS[:2]) if (tmp_path / "a").mkdir() is None else None
    assert first is not None
    parsed = generic.parse_list(SourceFile(first.name, path=first))
    members = parsed.lists[0].members
    assert isinstance(members, fastlist.CsvMembers)
    table = members.materialize()
    assert isinstance(table, pa.Table) and table.num_rows == 2
    assert table.column("handle").to_pylist() == ["alice", "bob"]


def test_progress_within_one_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`detail(fraction, message)` goes from 0 to 1 and never backwards, naming each step; the
    in-file fractions come from a watcher thread polling DuckDB while the list is read."""
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    path = _write(tmp_path / "list.csv", [f"{1000 + i},user{i},User {i},bio {i},,{i},1,1,,,,\n" for i in range(3000)])
    seen: list[tuple[float, str]] = []
    store = open_store(tmp_path / "s.duckdb")
    try:
        outcome = import_sources(store, read_paths([path]), ImportOptions("me", snapshot_date=DAY), detail=lambda f, m: seen.append((f, m)))[0]
    finally:
        store.close()
    assert outcome.status == "imported"
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    messages = list(dict.fromkeys(m for _, m in seen))
    assert messages == ["reading the list", "comparing with the other snapshots", "updating profiles", "written"]


def test_a_first_list_draws_its_member_ids_as_one_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The fast path gives an account's first list the ids 1..n at once (drawn as a block, handed
    # out by row); the next list's newcomers draw theirs after the block, and every spell still
    # points at its own member's profile.
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    first = [f"{m},user{m},User {m},,,{m},1,1,,,,\n" for m in range(1, 41)]
    second = [f"{m},user{m},User {m},,,{m},1,1,,,,\n" for m in range(21, 51)]
    paths = [_write(tmp_path / "followers_2026-03-01.csv", first), _write(tmp_path / "followers_2026-03-02.csv", second)]
    store = open_store(tmp_path / "ids.duckdb")
    try:
        import_sources(store, read_paths(paths[:1]), ImportOptions("me"))
        cursor = store.cursor()
        ids = cursor.execute("SELECT member_id, member_key, followers_count FROM profiles ORDER BY member_id").fetchall()
        assert [i for i, _, _ in ids] == list(range(1, 41))
        assert sorted(int(k) for _, k, _ in ids) == list(range(1, 41))
        assert all(int(k) == count for _, k, count in ids)  # each id's row is its own member's
        import_sources(store, read_paths(paths[1:]), ImportOptions("me"))
        newcomers = cursor.execute("SELECT member_id FROM profiles WHERE CAST(member_key AS INTEGER) > 40").fetchall()
        assert sorted(i for (i,) in newcomers) == list(range(41, 51))
        spells = cursor.execute(
            "SELECT member_key, first_seen, last_seen FROM member_spells ORDER BY CAST(member_key AS INTEGER)"
        ).fetchall()
        expected = [(str(m), dt.date(2026, 3, 1), dt.date(2026, 3, 1)) for m in range(1, 21)]
        expected += [(str(m), dt.date(2026, 3, 1), None) for m in range(21, 41)]
        expected += [(str(m), dt.date(2026, 3, 2), None) for m in range(41, 51)]
        assert spells == expected
    finally:
        store.close()


# The next day's list, read against the stored profiles: rows that say exactly what the store
# holds keep only their member id; every other row goes through the fast path's conversion.
NEXT_HEADER = "id,handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar,verified\n"
FIRST_DAY = [
    '2001,anna,Anna,"Data, maps",Paris,10,20,30,2019-05-01T10:00:00Z,2026-03-01,false,true\n',
    "2002,ben,Ben,,,11,21,31,2019-05-02T10:00:00Z,,false,false\n",
    "2003,cleo,Cléo,Autrice 📚,Lyon,12,22,32,2019-05-03,2026-02-01,true,\n",
    "2004,dan,Dan,bye,,13,23,33,,,,\n",
    "2005,eve,Eve,,,14,24,34,2019-05-05T10:00:00Z,,false,false\n",
    "2006,finn,Finn,,,15,25,35,2019-05-06T10:00:00Z,,false,false\n",
]
NEXT_DAY = [
    FIRST_DAY[0],  # unchanged
    "2002,ben,Ben,,,99,21,31,2019-05-02T10:00:00Z,,false,false\n",  # a count moved
    "2003,cleo,Cléo B,Autrice 📚,Lyon,12,22,32,2019-05-03,2026-02-01,true,\n",  # a name changed
    # 2004 left; 2005 the same values in other spellings; 2006 blanks where values are stored
    "2005, eve ,Eve,,,+14,24,34.0,2019-05-05,,FALSE,no\n",
    "2006,finn,,,,,,,,,,\n",
    "2007,gus,Gus,new here,Nantes,1,2,3,2020-01-01T00:00:00Z,,false,false\n",  # joined
]


def _days(tmp_path: Path, second: list[str]) -> list[Path]:
    return [
        _write(tmp_path / "followers_2026-03-01.csv", FIRST_DAY, NEXT_HEADER),
        _write(tmp_path / "followers_2026-03-02.csv", second, NEXT_HEADER),
    ]


def _import_days(db: Path, paths: list[Path], fast: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0 if fast else 1 << 62)
    store = open_store(db)
    try:
        lines = [o.line() for path in paths for o in import_sources(store, read_paths([path]), ImportOptions("me"))]
        return lines + [repr(dump(store))]
    finally:
        store.close()


def _spy_next_day(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows each next-day read found unchanged."""
    from analytics.ingest import load

    found: list[int] = []
    real = load._stage_against_stored

    def spy(cursor: duckdb.DuckDBPyConnection, *args: object) -> load.StagedList:
        staged = real(cursor, *args)  # type: ignore[arg-type]
        assert staged.unchanged is not None
        found.append(cursor.execute(f"SELECT count(*) FROM {staged.unchanged}").fetchall()[0][0])
        return staged

    monkeypatch.setattr(load, "_stage_against_stored", spy)
    return found


def test_a_next_day_read_against_the_store_gives_the_careful_readers_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _days(tmp_path, NEXT_DAY)
    slow = _import_days(tmp_path / "slow.duckdb", paths, False, monkeypatch)
    found = _spy_next_day(monkeypatch)
    fast = _import_days(tmp_path / "fast.duckdb", paths, True, monkeypatch)
    assert fast == slow
    # Only Anna's row says what the store holds as it holds it; Eve's other spellings, Finn's
    # blanks, Ben's and Cléo's changes and Gus went through the conversion.
    assert found == [1]
    assert "6 followers on 2026-03-02" in fast[1]


def test_a_next_day_with_every_row_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    second = [row for row in FIRST_DAY if not row.startswith("2004")]
    paths = _days(tmp_path, second)
    slow = _import_days(tmp_path / "slow.duckdb", paths, False, monkeypatch)
    found = _spy_next_day(monkeypatch)
    fast = _import_days(tmp_path / "fast.duckdb", paths, True, monkeypatch)
    assert fast == slow and found == [5]
    assert "5 followers on 2026-03-02" in fast[1]


def test_blanks_stored_by_either_reader_match_empty_fields_quoted_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A blank is stored as '' by the fast path and as NULL by the careful reader; an empty field
    is read as NULL, quoted ("") or not. Every pairing is the same blank: the first day read by
    either reader, the next day's blanks empty or quoted, every row is a member unchanged."""
    quoted = [row.replace(",,", ',"",') for row in FIRST_DAY if not row.startswith("2004")]
    assert quoted != [row for row in FIRST_DAY if not row.startswith("2004")]
    for first_fast in (False, True):
        for second in (quoted, [row for row in FIRST_DAY if not row.startswith("2004")]):
            folder = tmp_path / f"{first_fast}-{second is quoted}"
            folder.mkdir()
            first_path, second_path = _days(folder, second)
            found = _spy_next_day(monkeypatch)
            monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0 if first_fast else 1 << 62)
            store = open_store(folder / "store.duckdb")
            try:
                import_sources(store, read_paths([first_path]), ImportOptions("me"))
                monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
                import_sources(store, read_paths([second_path]), ImportOptions("me"))
                fast = dump(store)
            finally:
                store.close()
            slow = _import_days(folder / "slow.duckdb", [first_path, second_path], False, monkeypatch)
            assert found == [5], (first_fast, second is quoted)
            assert repr(fast) == slow[-1]


def test_a_member_back_with_the_same_profile_is_not_read_as_a_current_member(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the current members (open spells) are compared: Anna, who left on the second day,
    comes back on the third with the profile the store holds, and starts a new spell. Her member
    id is the account's first, below the range of the current members' ids that the read looks
    them up in."""
    paths = _days(tmp_path, FIRST_DAY[1:]) + [_write(tmp_path / "followers_2026-03-03.csv", FIRST_DAY, NEXT_HEADER)]
    slow = _import_days(tmp_path / "slow.duckdb", paths, False, monkeypatch)
    found = _spy_next_day(monkeypatch)
    fast = _import_days(tmp_path / "fast.duckdb", paths, True, monkeypatch)
    assert fast == slow
    assert found == [5, 5]
    store = open_store(tmp_path / "fast.duckdb")
    try:
        spells = store.cursor().execute(
            "SELECT s.first_seen, s.last_seen FROM spells s JOIN profiles p USING (account_id, member_id)"
            " WHERE p.member_key = '2001' ORDER BY s.first_seen"
        ).fetchall()
    finally:
        store.close()
    assert spells == [(dt.date(2026, 3, 1), dt.date(2026, 3, 1)), (dt.date(2026, 3, 3), None)]


def _build_side_tables(plan: dict[str, Any]) -> list[str]:
    """The tables scanned under each hash join's build side (its second child), in a JSON plan."""
    def scanned(node: dict[str, Any]) -> list[str]:
        extra = node.get("extra_info", {})
        table = extra.get("Table", "") if isinstance(extra, dict) else ""
        return ([table] if table else []) + [t for child in node.get("children", []) for t in scanned(child)]

    found: list[str] = []
    if "HASH_JOIN" in plan.get("name", "") and len(plan.get("children", [])) == 2:
        found += scanned(plan["children"][1])
    return found + [t for child in plan.get("children", []) for t in _build_side_tables(child)]


def test_a_next_day_streams_the_file_through_the_stored_members(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The join of READ_AGAINST_STORED_SQL builds its hash table from the current members, not
    from the file (which DuckDB, left to itself, guesses at a few dozen rows and builds from:
    a million rows with all their text); the optimizer turned off for it is on again after the
    import, and after an import whose read fails."""
    from analytics.ingest import load

    builds: list[list[str]] = []

    class Explaining:
        def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
            self.inner = cursor

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.lstrip().startswith("CREATE OR REPLACE TEMP TABLE list_seen_"):
                select = sql.split(" AS\n", 1)[1]
                plan = self.inner.execute("EXPLAIN (FORMAT JSON) " + select).fetchall()[0][1]
                builds.append([t for node in json.loads(plan) for t in _build_side_tables(node)])
            return self.inner.execute(sql, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    real = load._stage_against_stored
    monkeypatch.setattr(load, "_stage_against_stored", lambda cursor, *args: real(Explaining(cursor), *args))  # type: ignore[arg-type]
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    paths = _days(tmp_path, NEXT_DAY)
    broken = _write(tmp_path / "followers_2026-03-03.csv", FIRST_DAY[:2] + ['2009,zoe,"Zoé\n' * 3], NEXT_HEADER)
    store = open_store(tmp_path / "fast.duckdb")
    try:
        for path in paths + [broken]:
            import_sources(store, read_paths([path]), ImportOptions("me"))
        optimizers = store.cursor().execute("SELECT current_setting('disabled_optimizers')").fetchall()[0][0]
    finally:
        store.close()
    assert [t.rsplit(".", 1)[-1] for t in builds[0]] == ["current_0"], builds
    assert len(builds) == 2 and optimizers == ""


@pytest.mark.parametrize(
    ("row", "fragments"),
    [
        # The stored day, but no time of day: the careful reader refuses what the hash would not see.
        ("2001,anna,Anna,\"Data, maps\",Paris,10,20,30,2019-05-01T25:00:00Z,2026-03-01,false,true\n", ["'created_at'", "2019-05-01T25:00:00Z"]),
        ("2001,anna,Anna,\"Data, maps\",Paris,10,20,30,2019-05-01T10:00:00Z,2026-03-01xx,false,true\n", ["'last_post_at'", "2026-03-01xx"]),
        ("2001,anna,Anna,\"Data, maps\",Paris,ten,20,30,2019-05-01T10:00:00Z,2026-03-01,false,true\n", ["'followers_count'", "'ten'"]),
        ("2001,,Anna,\"Data, maps\",Paris,10,20,30,2019-05-01T10:00:00Z,2026-03-01,false,true\n", ["'handle'", "an empty field"]),
    ],
)
def test_bad_input_on_a_next_day_keeps_the_precise_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row: str, fragments: list[str]
) -> None:
    paths = _days(tmp_path, [row] + FIRST_DAY[1:])
    slow = _import_days(tmp_path / "slow.duckdb", paths, False, monkeypatch)
    fast = _import_days(tmp_path / "fast.duckdb", paths, True, monkeypatch)
    assert fast == slow
    assert "FAILED" in fast[1] and "line 2" in fast[1]
    for fragment in fragments:
        assert fragment in fast[1], (fragment, fast[1])


def test_a_member_twice_on_a_next_day_takes_the_careful_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Twice unchanged, and once unchanged once changed: the careful reader keeps the first row.
    for number, second in enumerate(([FIRST_DAY[0]] + FIRST_DAY, FIRST_DAY + [FIRST_DAY[0].replace("Anna", "Anna Z")])):
        folder = tmp_path / str(number)
        folder.mkdir()
        paths = _days(folder, second)
        slow = _import_days(folder / "slow.duckdb", paths, False, monkeypatch)
        fast = _import_days(folder / "fast.duckdb", paths, True, monkeypatch)
        assert fast == slow and "6 followers on 2026-03-02" in fast[1]


# A big file's checksum is computed on a thread while its list is read into the store
# (SourceFile.checksum_in_background); the import stops, rolled back, if it shows the file was
# imported already.
def _checksum_held_until_staged(monkeypatch: pytest.MonkeyPatch, until_asked: bool = False) -> dict[str, int]:
    """Every file's checksum is computed in the background and finishes only once a list has
    been read into the store (or the careful reader has started): an import that waited for it
    first would fail. `until_asked`: finishes only once the import asks for it instead (it is
    never ready before). Returns counts of what ran."""
    import threading

    from analytics.ingest import load, model, service

    ran = {"staged": 0, "careful": 0, "checksums": 0, "asked": 0}
    moved = threading.Condition()
    monkeypatch.setattr(model, "BACKGROUND_CHECKSUM_BYTES", 0)
    monkeypatch.setattr(fastlist, "FAST_MIN_BYTES", 0)
    compute = SourceFile._stream_sha256

    def held(self: SourceFile) -> str:
        with moved:
            ran["checksums"] += 1
            after = ran["staged"] + ran["careful"]
            if until_asked:
                assert moved.wait_for(lambda: ran["asked"] > 0, 10), "the checksum was never asked for"
            else:
                assert moved.wait_for(lambda: ran["staged"] + ran["careful"] > after, 10), "the checksum was waited for first"
        return compute(self)

    real_stage, real_careful = load.stage_lists, service._read_carefully

    def stage(*args: Any, **kwargs: Any) -> Any:
        try:
            return real_stage(*args, **kwargs)
        finally:
            with moved:
                ran["staged"] += 1
                moved.notify_all()

    def careful(*args: Any) -> Any:
        with moved:
            ran["careful"] += 1
            moved.notify_all()
        return real_careful(*args)

    def asked(self: SourceFile) -> str:
        with moved:
            ran["asked"] += 1
            moved.notify_all()
        return self._sha256.result()  # what SourceFile.sha256 reads

    monkeypatch.setattr(SourceFile, "_stream_sha256", held)
    monkeypatch.setattr(SourceFile, "sha256", property(asked))
    monkeypatch.setattr(service, "stage_lists", stage)
    monkeypatch.setattr(service, "_read_carefully", careful)
    return ran


def test_the_checksum_computed_meanwhile_is_the_files_and_nul_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from analytics.ingest import model

    monkeypatch.setattr(model, "BACKGROUND_CHECKSUM_BYTES", 0)
    body = b"id,handle\n" + b"".join(b"%d,member%d\n" % (i, i) for i in range(50_000))
    for name, data in (("plain.csv", body), ("nul.csv", body[:300_000] + b"\x00" + body[300_000:])):
        path = tmp_path / name
        path.write_bytes(data)
        source = SourceFile(name, path=path)
        source.checksum_in_background()
        assert "_sha256" in source.__dict__  # started
        assert source.sha256 == hashlib.sha256(data).hexdigest()
        assert source.sha256_ready
        assert source.has_nul == (b"\x00" in data)
        uploaded = SourceFile(name, data)
        uploaded.checksum_in_background()  # bytes in memory: hashed when asked, on this thread
        assert "_sha256" not in uploaded.__dict__
        assert uploaded.sha256 == source.sha256 and uploaded.has_nul == source.has_nul


def test_a_file_imported_again_is_found_once_its_checksum_is_known(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same bytes under another name: read into the store while the checksum is computed,
    # then found, and rolled back.
    paths = _days(tmp_path, NEXT_DAY)
    store = open_store(tmp_path / "store.duckdb")
    try:
        for path in paths:
            assert [o.status for o in import_sources(store, read_paths([path]), ImportOptions("me"))] == ["imported"]
        before, version = dump(store), store.version()
        ran = _checksum_held_until_staged(monkeypatch)
        for path in paths:
            again = tmp_path / f"again_{path.name}"
            again.write_bytes(path.read_bytes())
            outcomes = import_sources(store, read_paths([again]), ImportOptions("me"))
            assert [o.status for o in outcomes] == ["unchanged"], [o.line() for o in outcomes]
        assert (ran["staged"], ran["careful"], ran["checksums"]) == (2, 0, 2)
        assert dump(store) == before and store.version() == version  # rolled back: nothing written
    finally:
        store.close()


def test_a_file_imported_again_under_its_name_is_found_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A folder of daily lists imported once more: each file's name is an import's already, so
    # its checksum is waited for and nothing is read.
    paths = _days(tmp_path, NEXT_DAY)
    store = open_store(tmp_path / "store.duckdb")
    try:
        for path in paths:
            assert [o.status for o in import_sources(store, read_paths([path]), ImportOptions("me"))] == ["imported"]
        before = dump(store)
        ran = _checksum_held_until_staged(monkeypatch, until_asked=True)
        outcomes = import_sources(store, read_paths(paths), ImportOptions("me"))
        assert [o.status for o in outcomes] == ["unchanged", "unchanged"], [o.line() for o in outcomes]
        assert ran["staged"] == 0 and ran["careful"] == 0 and ran["checksums"] == 2
        assert dump(store) == before
    finally:
        store.close()


def test_a_file_the_careful_reader_read_is_found_imported_before_it_reads_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A member twice: the fast path declines, the careful reader dedupes. Imported again, the
    # checksum says so before the careful reader reads the whole file a second time.
    paths = _days(tmp_path, [FIRST_DAY[0]] + FIRST_DAY)
    store = open_store(tmp_path / "store.duckdb")
    try:
        for path in paths:
            assert [o.status for o in import_sources(store, read_paths([path]), ImportOptions("me"))] == ["imported"]
        before = dump(store)
        ran = _checksum_held_until_staged(monkeypatch)
        again = tmp_path / f"again_{paths[1].name}"  # the date in its name, as the first had
        again.write_bytes(paths[1].read_bytes())
        outcomes = import_sources(store, read_paths([again]), ImportOptions("me"))
        assert [o.status for o in outcomes] == ["unchanged"], [o.line() for o in outcomes]
        assert (ran["staged"], ran["careful"], ran["checksums"]) == (1, 0, 1)
        assert dump(store) == before
    finally:
        store.close()


def test_a_new_file_whose_checksum_comes_after_its_list_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _days(tmp_path, NEXT_DAY)
    expected = _import_days(tmp_path / "plain.duckdb", paths, True, monkeypatch)
    ran = _checksum_held_until_staged(monkeypatch)
    assert _import_days(tmp_path / "held.duckdb", paths, True, monkeypatch) == expected
    assert ran["staged"] == 2 and ran["checksums"] == 2


def test_background_checksums_run_one_at_a_time_in_the_order_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year of daily lists imported at once: their checksums are computed one after another,
    the first file's first, not all at once while the first file is imported."""
    import hashlib
    import threading
    import time

    from analytics.ingest import model

    monkeypatch.setattr(model, "BACKGROUND_CHECKSUM_BYTES", 0)
    running, most, done = [0], [0], []
    lock = threading.Lock()
    compute = SourceFile._stream_sha256

    def watched(self: SourceFile) -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        try:
            return compute(self)
        finally:
            with lock:
                running[0] -= 1
                done.append(self.name)

    monkeypatch.setattr(SourceFile, "_stream_sha256", watched)
    sources = []
    for number in range(8):
        path = tmp_path / f"day{number}.csv"
        path.write_bytes(b"id,handle\n%d,member\n" % number)
        sources.append(SourceFile(path.name, path=path))
    for source in sources:
        source.checksum_in_background()
    assert [s.sha256 for s in sources] == [hashlib.sha256(s.path.read_bytes()).hexdigest() for s in sources if s.path]
    assert most[0] == 1
    assert done == [s.name for s in sources]
