"""The schema a new store starts with: the catalog the migrations leave, written out.

Replaying every migration on an empty file took 0.08 s of each new store (every first import,
every test's store), where running their result as one script takes 0.015 s. So a new, empty
file is made from `schema.sql` in one transaction (`connection.apply_migrations`), and an existing
store still takes the migrations it lacks, one by one. The file is written by
`python -m analytics.store.schema` from the migrations themselves, never by hand:
`tests/test_store.py` checks that it is what they give now, and that a store made from it has the
catalog of one migrated step by step. Its first line names the migrations it holds; while they
are not exactly MIGRATIONS (a migration added since, a test running the first few), new stores
take the migrations instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import duckdb

from analytics.store.connection import _BOOKKEEPING, _CONFIG, SCHEMA_FILE, SCHEMA_HEADER
from analytics.store.migrations import MIGRATIONS, Migration

# The catalog, in an order that runs: sequences before the tables whose defaults draw from them,
# tables and views in the order they were made (a view reads the tables and views before it).
_CATALOG_SQL = """
SELECT sql FROM (
    SELECT 0 AS part, sequence_oid AS oid, sql FROM duckdb_sequences() WHERE NOT temporary
    UNION ALL SELECT 1, table_oid, sql FROM duckdb_tables() WHERE NOT temporary
    UNION ALL SELECT 2, view_oid, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary
    UNION ALL SELECT 3, index_oid, sql FROM duckdb_indexes() WHERE sql IS NOT NULL
) ORDER BY part, oid
"""


def render(migrations: Sequence[Migration] = MIGRATIONS) -> str:
    """schema.sql as `migrations` leave an empty store: their catalog, one statement a line."""
    config: dict[str, str | bool | int | float | list[str]] = dict(_CONFIG)
    con = duckdb.connect(config=config)
    try:
        con.execute(_BOOKKEEPING)
        for migration in migrations:
            con.execute(migration.sql)
        statements = [row[0].strip().rstrip(";") for row in con.execute(_CATALOG_SQL).fetchall()]
    finally:
        con.close()
    header = SCHEMA_HEADER + " ".join(str(m.number) for m in migrations)
    return "\n".join([header, "-- Written by `python -m analytics.store.schema` from the migrations: do not edit."]
                     + [statement + ";" for statement in statements]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
