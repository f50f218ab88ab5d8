"""The whole store as Parquet, for engines bigger than one laptop.

`python -m analytics export-parquet DIR` writes one folder per table, Hive-style
(`DIR/spells/account_id=1/month=2025-01/data_0.parquet`), which DuckDB, MotherDuck, Trino,
Spark, Polars and pandas all read as they are (`read_parquet('DIR/spells/**/*.parquet',
hive_partitioning = true)`). Every table holding an account's data is partitioned by
`account_id`, so one account can be shared or dropped as a folder; the large ones also by month
(daily values by day, spells by the month of first_seen, posts by the month posted), so an
engine reading a period skips the other months' files. The views `daily_latest` and `posts`
are written too, computed, so a reader needs none of Palier's SQL to get the values the pages
show.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from analytics.errors import PalierError
from analytics.i18n import _
from analytics.store import Store

# table -> SQL expression of its month partition (text 'YYYY-MM'), for the large tables.
MONTHLY: dict[str, str] = {
    "daily_values": "strftime(day, '%Y-%m')",
    "daily_latest": "strftime(day, '%Y-%m')",
    "spells": "strftime(first_seen, '%Y-%m')",
    "posts_raw": "strftime(posted_at, '%Y-%m')",
    "posts": "strftime(posted_at, '%Y-%m')",
}
VIEWS = ("daily_latest", "posts")


@dataclass(frozen=True)
class Exported:
    table: str
    rows: int
    folder: Path
    partitions: tuple[str, ...]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tables(cursor: duckdb.DuckDBPyConnection) -> list[tuple[str, list[str]]]:
    rows = cursor.execute(
        "SELECT t.table_name, list(c.column_name ORDER BY c.ordinal_position) "
        "FROM information_schema.tables t JOIN information_schema.columns c "
        "  ON c.table_schema = t.table_schema AND c.table_name = t.table_name "
        "WHERE t.table_schema = 'main' AND (t.table_type = 'BASE TABLE' OR t.table_name IN ?) "
        "GROUP BY t.table_name ORDER BY t.table_name",
        [list(VIEWS)],
    ).fetchall()
    return [(name, list(columns)) for name, columns in rows]


def export_parquet(store: Store, directory: Path | str) -> list[Exported]:
    """Write every table of the store under `directory` (created; each table's folder replaced)."""
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise PalierError(_('{target}: not a folder.').format(target=target))
    target.mkdir(parents=True, exist_ok=True)
    done: list[Exported] = []
    cursor = store.cursor()
    try:
        # One read transaction: every table is exported as of the same moment.
        cursor.execute("BEGIN TRANSACTION")
        for table, columns in _tables(cursor):
            folder = target / table
            if folder.exists():
                shutil.rmtree(folder)  # only the table's own folder: an export replaces the last one
            rows = int(cursor.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0])  # type: ignore[index]  # noqa: S608 - the interpolated parts are constants or quoted names
            partitions: tuple[str, ...] = ()
            select = f"SELECT * FROM {_quote(table)}"  # noqa: S608 - the interpolated parts are constants or quoted names
            if "account_id" in columns and rows:
                partitions = ("account_id",)
                if table in MONTHLY:
                    partitions += ("month",)
                    select = f"SELECT *, {MONTHLY[table]} AS month FROM {_quote(table)}"  # noqa: S608 - the interpolated parts are constants or quoted names
            if partitions:
                cursor.execute(
                    f"COPY ({select}) TO {_literal(str(folder))} "
                    f"(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ({', '.join(partitions)}))"
                )
            else:
                # Small or empty tables: one file, so an empty table still tells its columns.
                folder.mkdir(parents=True)
                cursor.execute(
                    f"COPY ({select}) TO {_literal(str(folder / 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)"
                )
            done.append(Exported(table, rows, folder, partitions))
        cursor.execute("COMMIT")
    except duckdb.Error as exc:
        cursor.execute("ROLLBACK")
        raise PalierError(_('Export to {target} failed: {splitlines}').format(target=target, splitlines=str(exc).splitlines()[0])) from None
    finally:
        cursor.close()
    return done
