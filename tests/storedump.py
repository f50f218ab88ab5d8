"""Helpers for the core tests: a full dump of the store, to prove that something wrote nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.store import Store

Dump = dict[str, list[tuple[Any, ...]]]


def tables(store: Store) -> list[str]:
    """Every base table of the store (views are derived, so comparing tables is enough)."""
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    finally:
        cursor.close()
    return [row[0] for row in rows]


def dump(store: Store) -> Dump:
    """Every row of every table, sorted, so two dumps compare equal exactly when the data does."""
    result: Dump = {}
    cursor = store.cursor()
    try:
        for table in tables(store):
            rows = cursor.execute(f'SELECT * FROM "{table}"').fetchall()
            result[table] = sorted(rows, key=repr)
    finally:
        cursor.close()
    return result


def counts(store: Store) -> dict[str, int]:
    return {table: len(rows) for table, rows in dump(store).items()}


def members_at(store: Store, account_id: int, day: dt.date, kind: str = "follower") -> set[str]:
    """The members on `day` as the spells say: first_seen <= day <= last_seen (open = still there)."""
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            "SELECT p.member_key FROM spells s JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id "
            "WHERE s.account_id = ? AND s.kind = ? AND s.first_seen <= ? AND (s.last_seen IS NULL OR s.last_seen >= ?)",
            [account_id, kind, day, day],
        ).fetchall()
    finally:
        cursor.close()
    return {row[0] for row in rows}
