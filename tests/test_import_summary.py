"""An import's summary: its facts kept with it, its line written in the reader's language (the
Import page's history, the command line), an older import's stored text shown as it is."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.i18n import use_language
from analytics.ingest.summary import shown_summary
from analytics.store import Store, connection, open_store
from analytics.store.accounts import list_imports
from analytics.store.migrations import MIGRATIONS
from tests.conftest import import_bytes
from tests.test_french_session import french_app

ROOT = Path(__file__).resolve().parent.parent


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


# --- the summary in the reader's language (issue #20) ------------------------------------------

NNBSP = "\u202f"  # French thousands separator (CLDR)
FRENCH_LIST = f"Liste d’abonnés à une date en CSV (générique Palier), 1{NNBSP}200 abonnés le 2 mars 2026"
ENGLISH_LIST = "Follower list snapshot CSV (Palier generic), 1,200 followers on 2026-03-02"


def _list(size: int, first: int = 0) -> bytes:
    return ("handle,name\n" + "".join(f"user{n},User {n}\n" for n in range(first, first + size))).encode()


def _stored(store: Store) -> list[tuple[str, str | None, str | None]]:
    cursor = store.cursor()
    try:
        return [(str(r[0]), r[1], r[2]) for r in cursor.execute(
            "SELECT file_name, summary, facts FROM imports ORDER BY import_id").fetchall()]
    finally:
        cursor.close()


def test_an_english_import_reads_in_french_with_french_numbers_and_dates(store: Store) -> None:
    with use_language("en"):
        [outcome] = import_bytes(store, {"followers.csv": _list(1200)}, snapshot_date=dt.date(2026, 3, 2))
        # English stays as it was, the count grouped as English groups it.
        assert outcome.line() == f"followers.csv: {ENGLISH_LIST}"
    [(_name, summary, facts)] = _stored(store)
    assert summary == ENGLISH_LIST and facts is not None
    with use_language("fr"):
        assert shown_summary(summary, facts, "?") == FRENCH_LIST
    with use_language("en"):
        assert shown_summary(summary, facts, "?") == ENGLISH_LIST


def test_a_replaced_list_and_daily_values_in_french(store: Store) -> None:
    with use_language("en"):
        import_bytes(store, {"followers.csv": _list(1200)}, snapshot_date=dt.date(2026, 3, 2))
        import_bytes(store, {"again.csv": _list(1300, first=5)}, snapshot_date=dt.date(2026, 3, 2))
        counts = "date,followers\n" + "".join(f"2026-01-{d:02d},{1000 + d}\n" for d in range(1, 13))
        import_bytes(store, {"counts.csv": counts.encode()})
    rows = _stored(store)
    with use_language("fr"):
        replaced = shown_summary(rows[1][1], rows[1][2], "?")
        history = shown_summary(rows[2][1], rows[2][2], "?")
    assert replaced.endswith(f"1{NNBSP}300 abonnés le 2 mars 2026, remplace la liste d’abonnés du 2 mars 2026 de l’import n°1"), replaced
    assert history == "Historique du nombre d’abonnés en CSV (générique Palier), 12 jours, du 1 janv. 2026 au 12 janv. 2026", history
    assert rows[1][1] is not None and "replaced the follower list of 2026-03-02 from import #1" in rows[1][1]


def test_an_import_made_before_the_facts_keeps_its_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store written before migration 9 holds summaries as text only: they show as they are."""
    path = tmp_path / "palier.duckdb"
    monkeypatch.setattr(connection, "MIGRATIONS", MIGRATIONS[:8])
    old = open_store(path)
    with old.transaction() as cursor:
        cursor.execute("INSERT INTO accounts (account_id, name) VALUES (1, 'moi')")
        cursor.execute("INSERT INTO imports (account_id, file_name, sha256, format, rows, summary) "
                       "VALUES (1, 'old.csv', 'abc', 'generic_list', 3, 'Follower list, 3 followers on 2025-01-02')")
    old.close()
    monkeypatch.undo()
    store = open_store(path)
    try:
        [row] = list(list_imports(store, "moi").itertuples())
        assert not isinstance(row.facts, str)  # the new column, empty for an older import
        with use_language("fr"):
            assert shown_summary(row.summary, row.facts, str(row.format)) == "Follower list, 3 followers on 2025-01-02"
    finally:
        store.close()


def test_the_import_page_history_in_french(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "palier.duckdb"
    monkeypatch.setenv("PALIER_DB", str(path))
    monkeypatch.setenv("PALIER_DEMO", "0")
    monkeypatch.delenv("PALIER_LANG", raising=False)
    store = open_store(path)
    try:
        with use_language("en"):
            import_bytes(store, {"followers.csv": _list(1200)}, account="moi", snapshot_date=dt.date(2026, 3, 2))
    finally:
        store.close()
    at = french_app("pages/import.py")
    captions = "\n".join(str(c.value) for c in at.caption)
    assert FRENCH_LIST in captions.replace("\\", ""), captions
    assert "followers on" not in captions


def test_the_command_line_prints_the_summary_in_palier_lang(tmp_path: Path) -> None:
    listing = tmp_path / "followers_2026-03-02.csv"
    listing.write_bytes(_list(1200))
    printed = {}
    for language in ("fr", "en"):
        env = {**os.environ, "PALIER_DEMO": "0", "PALIER_LANG": language}
        done = subprocess.run(
            [sys.executable, "-m", "analytics", "import", "--db", str(tmp_path / f"{language}.duckdb"), "--account", "moi", str(listing)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        printed[language] = done.stdout.strip()
    assert printed["fr"] == f"followers_2026-03-02.csv : {FRENCH_LIST}", printed
    assert printed["en"] == f"followers_2026-03-02.csv: {ENGLISH_LIST}", printed
