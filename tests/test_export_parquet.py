"""`export-parquet`: the store as Hive-partitioned Parquet that DuckDB reads back as it is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from analytics.cli import main
from analytics.store import open_store
from tests.conftest import import_bytes

COUNTS = b"date,followers,following\n2026-01-30,100,50\n2026-02-02,104,51\n"
LIST_1 = b"id,handle,name,bio\n1,alice,Alice,Runner\n2,bob,Bob,\n3,carol,Carol,Hi\n"
LIST_2 = b"id,handle,name,bio\n1,alice,Alice,Runner\n3,carol,Carol,Hi\n4,dave,Dave,New\n"


def _seed(db: Path) -> None:
    store = open_store(db)
    try:
        import_bytes(store, {"counts.csv": COUNTS}, account="one")
        import_bytes(store, {"list.csv": LIST_1}, account="one", snapshot_date=dt.date(2026, 1, 31))
        import_bytes(store, {"list.csv": LIST_2}, account="one", snapshot_date=dt.date(2026, 2, 1))
        import_bytes(store, {"counts.csv": COUNTS}, account="two")
    finally:
        store.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def test_export_reads_back_equal_to_the_store(tmp_path: Path, capsys: object) -> None:
    db, out = tmp_path / "palier.duckdb", tmp_path / "parquet"
    _seed(db)
    assert main(["export-parquet", str(out), "--db", str(db)]) == 0
    # Hive-style folders: by account, and by month for the large tables.
    assert (out / "spells" / "account_id=1" / "month=2026-01").is_dir()
    assert (out / "daily_values" / "account_id=2" / "month=2026-02").is_dir()
    assert (out / "profiles" / "account_id=1").is_dir()

    con = duckdb.connect(str(db), read_only=True)
    try:
        for table, key in (
            ("spells", "account_id, kind, member_id, first_seen, last_seen"),
            ("daily_values", "account_id, day, metric, value, import_id, export_end"),
            ("daily_latest", "account_id, day, metric, value"),
            ("profiles", "account_id, member_id, member_key, handle, name, bio"),
            ("snapshots", "account_id, kind, snapshot_date, members, import_id"),
            ("accounts", "account_id, name"),
        ):
            stored = _rows(con, f"SELECT {key} FROM {table}")
            exported = _rows(
                con,
                f"SELECT {key} FROM read_parquet('{out}/{table}/**/*.parquet', hive_partitioning = true)",
            )
            assert exported == stored, table
            assert stored, table
        # The partition values come back typed: account_id as a number.
        kinds = con.execute(
            f"SELECT typeof(account_id) FROM read_parquet('{out}/spells/**/*.parquet', hive_partitioning = true) LIMIT 1"
        ).fetchone()
        assert kinds is not None and kinds[0] in ("BIGINT", "INTEGER")
    finally:
        con.close()

    # Exporting again replaces the folders instead of doubling the rows.
    assert main(["export-parquet", str(out), "--db", str(db)]) == 0
    count = duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}/spells/**/*.parquet', hive_partitioning = true)").fetchall()
    assert count == [(4,)]
