"""The DuckDB store: connection, schema, migrations."""

from analytics.store.connection import Store, open_store

__all__ = ["Store", "open_store"]
