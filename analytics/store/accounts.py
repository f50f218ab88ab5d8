"""Accounts and their imports: list, create, delete (erasure included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from analytics.errors import PalierError, UnknownAccountError
from analytics.i18n import _
from analytics.store.connection import Store
from analytics.store.spells import remove_snapshot

if TYPE_CHECKING:
    import pandas as pd

PLATFORMS: dict[str, str] = {
    "x": "X (Twitter)",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "facebook": "Facebook",
    "threads": "Threads",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "flickr": "Flickr",
}

PLATFORM_ALIASES = {"twitter": "x", "x": "x", "ig": "instagram", "bsky": "bluesky", "fb": "facebook"}

LIST_ACCOUNTS_SQL = """
SELECT a.account_id, a.name, a.platform, a.handle, a.created_at,
       (SELECT count(*) FROM imports i WHERE i.account_id = a.account_id) AS imports
FROM accounts a ORDER BY a.name
"""
ACCOUNT_BY_NAME_SQL = "SELECT account_id, name, platform, handle FROM accounts WHERE name = ?"
CREATE_ACCOUNT_SQL = "INSERT INTO accounts (name, platform, handle) VALUES (?, ?, ?) RETURNING account_id"
SET_PLATFORM_SQL = "UPDATE accounts SET platform = ? WHERE account_id = ?"
SET_HANDLE_SQL = "UPDATE accounts SET handle = ? WHERE account_id = ? AND handle IS NULL"
LIST_IMPORTS_SQL = """
SELECT import_id, file_name, format, rows, imported_at, date_min, date_max, summary, facts, sha256
FROM imports WHERE account_id = ? ORDER BY import_id DESC
"""
IMPORT_SNAPSHOTS_SQL = "SELECT kind, snapshot_date FROM snapshots WHERE import_id = ? ORDER BY snapshot_date DESC"
ACCOUNT_TABLES = (
    "daily_values", "posts_raw", "snapshots", "spells", "profiles", "imports",
    # Meetups (migration 2): matches and attendees before their events, known in person.
    "meetup_matches", "meetup_attendees", "meetup_events", "known_in_person",
    # The audience analysis (migration 4): features, model and figures derived from the bios.
    "profile_features", "audience_state", "audience_terms", "audience_topics", "audience_cubes", "audience_people",
    # Lists of people and the spell grid kept by the analysis (migration 7).
    "list_people", "spell_grid",
    # Why followers left, and handle changes (migration 8).
    "loss_verdicts", "handle_changes",
)


@dataclass(frozen=True)
class Account:
    account_id: int
    name: str
    platform: str | None
    handle: str | None


def normalize_platform(platform: str | None) -> str | None:
    if platform is None or not platform.strip():
        return None
    key = platform.strip().lower()
    key = PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise PalierError(
            _('Unknown platform {platform}: expected one of {value}.').format(platform=repr(platform), value=', '.join(PLATFORMS))
        )
    return key


def list_accounts(store: Store) -> pd.DataFrame:
    cursor = store.cursor()
    try:
        return cursor.execute(LIST_ACCOUNTS_SQL).df()
    finally:
        cursor.close()


def find_account(cursor: duckdb.DuckDBPyConnection, name: str) -> Account | None:
    row = cursor.execute(ACCOUNT_BY_NAME_SQL, [name]).fetchone()
    return None if row is None else Account(int(row[0]), row[1], row[2], row[3])


def require_account(cursor: duckdb.DuckDBPyConnection, name: str) -> Account:
    account = find_account(cursor, name)
    if account is None:
        known = [r[0] for r in cursor.execute("SELECT name FROM accounts ORDER BY name").fetchall()]
        if known:
            message = _("No account named {name}. Known accounts: {known}.").format(name=repr(name), known=", ".join(known))
        else:
            message = _("No account named {name}. The store has no account yet.").format(name=repr(name))
        raise UnknownAccountError(message)
    return account


def get_or_create_account(cursor: duckdb.DuckDBPyConnection, name: str, platform: str | None) -> Account:
    name = name.strip()
    if not name:
        raise PalierError(_("An account name is needed (for example 'me-on-x')."))
    account = find_account(cursor, name)
    if account is None:
        row = cursor.execute(CREATE_ACCOUNT_SQL, [name, platform, None]).fetchone()
        assert row is not None
        return Account(int(row[0]), name, platform, None)
    if platform and account.platform and platform != account.platform:
        raise PalierError(
            _('Account {name} is a {platform} account, not {other}: choose another account name for this platform.').format(
                name=repr(name), platform=PLATFORMS[account.platform], other=PLATFORMS[platform],
            )
        )
    return account


def list_imports(store: Store, account_name: str) -> pd.DataFrame:
    cursor = store.cursor()
    try:
        account = require_account(cursor, account_name)
        return cursor.execute(LIST_IMPORTS_SQL, [account.account_id]).df()
    finally:
        cursor.close()


def delete_import(store: Store, account_name: str, import_id: int) -> None:
    """Forget one import: its values, posts and snapshots (older overlapping values reappear)."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        owner = cursor.execute("SELECT account_id FROM imports WHERE import_id = ?", [import_id]).fetchone()
        if owner is None or int(owner[0]) != account.account_id:
            raise PalierError(
                _('Import #{import_id} does not belong to account {account_name}.').format(
                    import_id=import_id, account_name=repr(account_name),
                )
            )
        for kind, day in cursor.execute(IMPORT_SNAPSHOTS_SQL, [import_id]).fetchall():
            remove_snapshot(cursor, account.account_id, kind, day)
        cursor.execute("DELETE FROM daily_values WHERE import_id = ?", [import_id])
        cursor.execute("DELETE FROM posts_raw WHERE import_id = ?", [import_id])
        cursor.execute("DELETE FROM imports WHERE import_id = ?", [import_id])
        _drop_orphan_profiles(cursor, account.account_id)
    # As for an account: deleted rows' bytes stay in the file until it is rewritten.
    store.compact()


def _drop_orphan_profiles(cursor: duckdb.DuckDBPyConnection, account_id: int) -> None:
    cursor.execute(
        """DELETE FROM profiles WHERE account_id = ? AND NOT EXISTS (
               SELECT 1 FROM spells s WHERE s.account_id = profiles.account_id AND s.member_id = profiles.member_id)""",
        [account_id],
    )


def delete_account(store: Store, account_name: str) -> None:
    """Remove the account and everything derived from it, from the store file itself."""
    with store.transaction() as cursor:
        account = require_account(cursor, account_name)
        for table in ACCOUNT_TABLES:
            cursor.execute(f"DELETE FROM {table} WHERE account_id = ?", [account.account_id])  # noqa: S608 - fixed names
        cursor.execute("DELETE FROM accounts WHERE account_id = ?", [account.account_id])
    store.compact()


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
