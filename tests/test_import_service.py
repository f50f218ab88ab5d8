"""The import service end to end: idempotence, overlapping exports, atomicity (an exception, a
second thread, a SIGKILL), typed follower anchors and account deletion."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from analytics.errors import BadExportError
from analytics.ingest import load, service
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, import_sources
from analytics.meetups.store import import_event, mark_known
from analytics.store import Store, open_store
from analytics.store.accounts import delete_account, delete_import
from tests.conftest import import_bytes
from tests.storedump import dump, tables

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2026, 3, 1)


def counts_csv(start: dt.date, days: int, base: int) -> bytes:
    rows = [f"{(start + dt.timedelta(days=i)).isoformat()},{base + i}" for i in range(days)]
    return ("date,followers\n" + "\n".join(rows) + "\n").encode()


def list_csv(handles: list[str]) -> bytes:
    return ("handle,name,bio\n" + "".join(f"{h},Name {h},bio of {h}\n" for h in handles)).encode()


def followers(store: Store, account: str = "me") -> dict[dt.date, int]:
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            "SELECT day, value FROM daily_latest JOIN accounts USING (account_id) "
            "WHERE name = ? AND metric = 'followers' ORDER BY day",
            [account],
        ).fetchall()
    finally:
        cursor.close()
    return dict(rows)


def only(outcomes: list[service.Outcome], status: str = "imported") -> service.Outcome:
    assert len(outcomes) == 1, outcomes
    assert outcomes[0].status == status, outcomes[0]
    return outcomes[0]


# --- idempotence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        {"counts.csv": counts_csv(DAY, 10, 100)},
        {"followers.csv": list_csv(["ann", "bob", "cy"])},
        {"followers-2026-03-01.csv": list_csv(["ann", "bob"])},
        {"instagram.zip": (ROOT / "tests/fixtures/instagram/instagram-jdoe-2026-02-18-AbCdEfGh.zip").read_bytes()},
        {
            "followers_1.json": (ROOT / "tests/fixtures/instagram/followers_1.json").read_bytes(),
            "followers_2.json": (ROOT / "tests/fixtures/instagram/followers_2.json").read_bytes(),
        },
    ],
    ids=["counts", "undated-list", "list-dated-by-name", "zip", "pages"],
)
def test_same_upload_twice_changes_nothing(store: Store, files: dict[str, bytes]) -> None:
    first = import_bytes(store, files, snapshot_date=None)
    assert [o.status for o in first] == ["imported"]
    before = dump(store)
    version = store.version()
    second = import_bytes(store, files)
    assert [o.status for o in second] == ["unchanged"]
    assert second[0].import_id == first[0].import_id
    assert "already imported" in second[0].summary
    assert dump(store) == before
    assert store.version() == version


def test_same_list_with_the_same_snapshot_date_twice(store: Store) -> None:
    data = list_csv(["ann", "bob"])
    only(import_bytes(store, {"f.csv": data}, snapshot_date=DAY))
    before = dump(store)
    only(import_bytes(store, {"f.csv": data}, snapshot_date=DAY), "unchanged")
    assert dump(store) == before


# --- overlapping daily exports ----------------------------------------------------------------


@pytest.mark.parametrize("older_first", [True, False])
def test_overlapping_exports_the_one_ending_later_wins(store: Store, older_first: bool) -> None:
    early = counts_csv(DAY, 10, 100)  # Mar 1..10: 100..109
    late = counts_csv(DAY + dt.timedelta(days=4), 11, 200)  # Mar 5..15: 200..210
    order = [("early.csv", early), ("late.csv", late)]
    if not older_first:
        order.reverse()
    ids = {name: only(import_bytes(store, {name: data})).import_id for name, data in order}

    expected = {DAY + dt.timedelta(days=i): 100 + i for i in range(4)}
    expected |= {DAY + dt.timedelta(days=4 + i): 200 + i for i in range(11)}
    assert followers(store) == expected

    # Deleting the later export brings the older values back for the shared days.
    late_id = ids["late.csv"]
    assert late_id is not None
    delete_import(store, "me", late_id)
    assert followers(store) == {DAY + dt.timedelta(days=i): 100 + i for i in range(10)}


def test_same_end_date_the_newest_import_wins(store: Store) -> None:
    only(import_bytes(store, {"a.csv": counts_csv(DAY, 5, 100)}))
    second = only(import_bytes(store, {"b.csv": counts_csv(DAY + dt.timedelta(days=2), 3, 500)}))
    assert followers(store) == {DAY: 100, DAY + dt.timedelta(days=1): 101, **{DAY + dt.timedelta(days=2 + i): 500 + i for i in range(3)}}
    assert second.import_id is not None
    delete_import(store, "me", second.import_id)
    assert followers(store) == {DAY + dt.timedelta(days=i): 100 + i for i in range(5)}


def test_delete_import_of_another_account_is_refused(store: Store) -> None:
    mine = only(import_bytes(store, {"a.csv": counts_csv(DAY, 3, 100)}, account="me"))
    only(import_bytes(store, {"b.csv": counts_csv(DAY, 3, 100)}, account="other"))
    before = dump(store)
    with pytest.raises(Exception, match="does not belong to account 'other'"):
        delete_import(store, "other", mine.import_id)  # type: ignore[arg-type]
    assert dump(store) == before


# --- failures midway --------------------------------------------------------------------------


def _raise_after(original: Any, error: BaseException) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise error

    return wrapper


@pytest.mark.parametrize(
    "target",
    ["load.insert_snapshot", "load.remove_snapshot", "service.finish_import", "service.load_parsed"],
)
def test_failure_midway_leaves_every_table_as_before(store: Store, monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    only(import_bytes(store, {"counts.csv": counts_csv(DAY, 5, 100)}))
    only(import_bytes(store, {"f.csv": list_csv(["ann", "bob"])}, snapshot_date=DAY))
    before = dump(store)
    version = store.version()

    module_name, name = target.split(".")
    module = {"load": load, "service": service}[module_name]
    monkeypatch.setattr(module, name, _raise_after(getattr(module, name), RuntimeError("disk on fire")))
    # A list for an existing date (so the replacement path runs) together with daily values.
    replacement = b"snapshot_date,handle\n2026-03-01,cy\n2026-03-01,dee\n2026-03-02,cy\n"
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_bytes(store, {"g.csv": replacement})
    assert dump(store) == before
    assert store.version() == version

    # The store is still usable: the same import works once the fault is gone.
    monkeypatch.undo()
    only(import_bytes(store, {"g.csv": replacement}))
    assert dump(store) != before


def test_palier_error_midway_fails_only_that_file(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    only(import_bytes(store, {"f.csv": list_csv(["ann", "bob"])}, snapshot_date=DAY))
    before = dump(store)

    def refuse(cursor: Any, account_id: int, kind: str, day: dt.date, import_id: int) -> None:
        raise BadExportError("g.csv", "snapshot", "something", "something else")

    monkeypatch.setattr(load, "insert_snapshot", refuse)
    outcomes = import_bytes(store, {"g.csv": list_csv(["cy"]), "counts.csv": counts_csv(DAY, 3, 7)}, snapshot_date=DAY + dt.timedelta(days=1))
    assert {o.name: o.status for o in outcomes} == {"g.csv": "failed", "counts.csv": "imported"}
    after = dump(store)
    assert after["spells"] == before["spells"] and after["snapshots"] == before["snapshots"]
    assert len(after["imports"]) == len(before["imports"]) + 1


# --- concurrency ------------------------------------------------------------------------------


def test_two_threads_importing_at_once_both_succeed(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    original = service.load_parsed

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        # Widen the window in which the other thread would write, were writes not serialised.
        events.append(("start", threading.current_thread().name))
        time.sleep(0.2)
        result = original(*args, **kwargs)
        events.append(("end", threading.current_thread().name))
        return result

    monkeypatch.setattr(service, "load_parsed", slow_load)
    barrier = threading.Barrier(2)
    results: dict[str, list[service.Outcome]] = {}
    errors: list[BaseException] = []

    def run(name: str, files: dict[str, bytes]) -> None:
        try:
            barrier.wait()
            results[name] = import_bytes(store, files, snapshot_date=DAY)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=run, name="lists", args=("lists", {"f.csv": list_csv(["ann", "bob", "cy"])})),
        threading.Thread(target=run, name="counts", args=("counts", {"c.csv": counts_csv(DAY, 5, 100)})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    assert {name: [o.status for o in outcomes] for name, outcomes in results.items()} == {
        "lists": ["imported"],
        "counts": ["imported"],
    }
    # One writer at a time: every start is followed by its own end.
    assert len(events) == 4
    assert events[0][1] == events[1][1] and events[2][1] == events[3][1]
    assert [e[0] for e in events] == ["start", "end", "start", "end"]
    # Both landed in the one account both threads asked for.
    cursor = store.cursor()
    assert cursor.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
    assert cursor.execute("SELECT count(*) FROM imports").fetchone() == (2,)
    assert cursor.execute("SELECT count(*) FROM spells").fetchone() == (3,)
    assert len(followers(store)) == 5


def test_two_threads_importing_the_same_file_import_it_once(store: Store) -> None:
    barrier = threading.Barrier(2)
    statuses: list[str] = []

    def run() -> None:
        barrier.wait()
        statuses.extend(o.status for o in import_bytes(store, {"f.csv": list_csv(["ann", "bob"])}, snapshot_date=DAY))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == ["imported", "unchanged"]
    cursor = store.cursor()
    assert cursor.execute("SELECT count(*) FROM imports").fetchone() == (1,)
    assert cursor.execute("SELECT count(*) FROM spells").fetchone() == (2,)


# --- SIGKILL ----------------------------------------------------------------------------------

KILL_SCRIPT = r"""
import datetime as dt, sys, time
sys.path.insert(0, sys.argv[1])
from analytics.ingest import load
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, import_sources
from analytics.store import open_store

store_path, mode, size = sys.argv[2], sys.argv[3], int(sys.argv[4])
store = open_store(store_path)
original = load.insert_snapshot

def insert_then_wait(*args, **kwargs):
    original(*args, **kwargs)
    if mode == "inside":
        # Spells and the import row are written, the transaction is open: die here.
        print("inside", flush=True)
        time.sleep(60)

load.insert_snapshot = insert_then_wait
data = "handle,name,bio\n" + "".join(f"user{i},User {i},bio {i}\n" for i in range(size))
source = SourceFile("followers-2026-03-02.csv", data.encode())
print("starting", flush=True)
outcomes = import_sources(store, [source], ImportOptions("me"))
print("done " + outcomes[0].status, flush=True)
time.sleep(60)
"""


def _run_until(tmp_path: Path, store_path: Path, mode: str, size: int, marker: str, delay: float = 0.0) -> None:
    script = tmp_path / "kill_me.py"
    script.write_text(KILL_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(ROOT), str(store_path), mode, str(size)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(marker):
                break
        else:
            raise AssertionError(f"the importer ended early: {process.stderr.read() if process.stderr else ''}")
        if delay:
            time.sleep(delay)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def _seed(store_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    store = open_store(store_path)
    try:
        only(import_bytes(store, {"counts.csv": counts_csv(DAY, 5, 100)}))
        only(import_bytes(store, {"followers-2026-03-01.csv": list_csv(["ann", "user1", "user2"])}))
        return dump(store)
    finally:
        store.close()


def _assert_whole_or_nothing(store: Store, before: dict[str, list[tuple[Any, ...]]], size: int) -> str:
    after = dump(store)
    if after == before:
        return "nothing"
    # Otherwise the import is there entirely: its row, its snapshot and every spell and profile.
    cursor = store.cursor()
    imports = cursor.execute("SELECT import_id, summary FROM imports ORDER BY import_id").fetchall()
    assert len(imports) == len(before["imports"]) + 1
    new_id, summary = imports[-1]
    assert summary and f"{size:,} followers on 2026-03-02" in summary  # grouped as English writes it
    assert cursor.execute("SELECT members FROM snapshots WHERE import_id = ?", [new_id]).fetchone() == (size,)
    present = cursor.execute(
        "SELECT count(*) FROM spells WHERE first_seen <= DATE '2026-03-02' AND (last_seen IS NULL OR last_seen >= DATE '2026-03-02')"
    ).fetchone()
    assert present == (size,)
    assert cursor.execute("SELECT count(*) FROM profiles").fetchone() == (size + 1,)  # + ann
    assert store.version() == int(dict(before["store_meta"])["data_version"]) + 1
    return "whole"


def test_sigkill_inside_the_transaction_leaves_nothing(tmp_path: Path) -> None:
    store_path = tmp_path / "palier.duckdb"
    before = _seed(store_path)
    # Above one DuckDB row group (122,880 rows), so the open transaction writes to the file.
    size = 130_000
    _run_until(tmp_path, store_path, "inside", size, "inside")
    store = open_store(store_path)
    try:
        assert _assert_whole_or_nothing(store, before, size) == "nothing"
        # And the store takes the next import.
        only(import_bytes(store, {"followers-2026-03-03.csv": list_csv(["ann"])}))
    finally:
        store.close()


def test_sigkill_after_commit_keeps_the_whole_import(tmp_path: Path) -> None:
    store_path = tmp_path / "palier.duckdb"
    before = _seed(store_path)
    size = 20_000
    _run_until(tmp_path, store_path, "after", size, "done imported")
    store = open_store(store_path)
    try:
        assert _assert_whole_or_nothing(store, before, size) == "whole"
    finally:
        store.close()


@pytest.mark.parametrize("delay", [0.05, 0.4])
def test_sigkill_at_some_point_of_an_import_is_whole_or_nothing(tmp_path: Path, delay: float) -> None:
    # Where exactly the kill lands depends on the machine; either outcome is fine, a part is not.
    store_path = tmp_path / "palier.duckdb"
    before = _seed(store_path)
    size = 60_000
    _run_until(tmp_path, store_path, "anywhere", size, "starting", delay)
    store = open_store(store_path)
    try:
        _assert_whole_or_nothing(store, before, size)
    finally:
        store.close()


# --- follower anchors -------------------------------------------------------------------------


def test_followers_on_anchors(store: Store) -> None:
    only(import_bytes(store, {"counts.csv": counts_csv(DAY, 5, 100)}))
    anchors = {DAY + dt.timedelta(days=1): 555, DAY + dt.timedelta(days=10): 999}
    outcomes = import_sources(store, [], ImportOptions("me", followers_on=anchors))
    anchor = only(outcomes)
    assert anchor.format == service.MANUAL_ANCHOR_FORMAT
    # A typed count beats the export's count for the same day, and adds days the export lacks.
    expected = {DAY + dt.timedelta(days=i): 100 + i for i in range(5)} | anchors
    assert followers(store) == expected

    # The same anchors again: nothing changes, not even the version.
    before = dump(store)
    version = store.version()
    only(import_sources(store, [], ImportOptions("me", followers_on=dict(anchors))), "unchanged")
    assert dump(store) == before and store.version() == version

    # A later export for that day still loses to the typed count.
    only(import_bytes(store, {"later.csv": counts_csv(DAY, 12, 300)}))
    assert followers(store)[DAY + dt.timedelta(days=1)] == 555
    assert followers(store)[DAY + dt.timedelta(days=10)] == 999
    assert followers(store)[DAY] == 300

    # Deleting the anchors brings the exports' values back.
    assert anchor.import_id is not None
    delete_import(store, "me", anchor.import_id)
    assert followers(store) == {DAY + dt.timedelta(days=i): 300 + i for i in range(12)}


def test_followers_on_with_files_in_the_same_run(store: Store) -> None:
    options = ImportOptions("me", followers_on={DAY: 42})
    outcomes = import_sources(store, [SourceFile("counts.csv", counts_csv(DAY, 3, 100))], options)
    assert [o.status for o in outcomes] == ["imported", "imported"]
    assert followers(store) == {DAY: 42, DAY + dt.timedelta(days=1): 101, DAY + dt.timedelta(days=2): 102}


# --- deleting an account ----------------------------------------------------------------------


def _fill(store: Store, account: str, handles: list[str]) -> None:
    x = ROOT / "tests/fixtures/x"
    files = {
        "account_overview_analytics.csv": (x / "account_overview_analytics.csv").read_bytes(),
        "account_analytics_content_2026-07-06_2026-08-02.csv": (x / "account_analytics_content_2026-07-06_2026-08-02.csv").read_bytes(),
    }
    for name, data in files.items():
        only(import_bytes(store, {name: data}, account=account))
    only(import_bytes(store, {"followers-2026-03-01.csv": list_csv(handles)}, account=account))
    only(import_bytes(store, {"followers-2026-03-02.csv": list_csv(handles[1:])}, account=account))
    only(import_bytes(store, {"counts.csv": counts_csv(DAY, 4, 10)}, account=account))
    only(import_sources(store, [], ImportOptions(account, followers_on={DAY: 7})))
    # An event with one attendee matched by handle, and a follower marked known by hand.
    attendees = f"Name,Twitter\nSomeone,@{handles[1]}\n".encode()
    import_event(store, account, attendees, "event.csv", event_name="Meetup", event_date=dt.date(2026, 3, 5), place="Lyon")
    mark_known(store, account, handles[0].lower())
    # The audience analysis (migration 4's tables): derived from the bios, so it must go too.
    from analytics.analysis import refresh_features
    from analytics.store.accounts import require_account

    account_id = require_account(store.cursor(), account).account_id
    refresh_features(store, account_id)
    # A loss verdict (migration 8), written with check-losses' own statement, and a rename kept
    # in the profile's history: both name a member, so both must go with the account.
    from analytics.collect.losses import INSERT_VERDICT_SQL

    with store.transaction() as tx:
        member_id = tx.execute("SELECT min(member_id) FROM profiles WHERE account_id = ?", [account_id]).fetchall()[0][0]
        tx.execute(INSERT_VERDICT_SQL, {"a": account_id, "m": member_id, "d": DAY, "cause": "deactivated",
                                        "detail": "AccountDeactivated", "at": dt.datetime(2026, 3, 6)})
        tx.execute("INSERT INTO handle_changes VALUES (?, ?, ?, ?, ?)", [account_id, member_id, DAY, "old", "new"])


def _rows_of(store: Store, account_id: int) -> dict[str, list[tuple[Any, ...]]]:
    cursor = store.cursor()
    try:
        with_account = [
            r[0]
            for r in cursor.execute(
                "SELECT table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) "
                "WHERE column_name = 'account_id' AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        return {
            table: sorted(cursor.execute(f"SELECT * FROM {table} WHERE account_id = ?", [account_id]).fetchall(), key=repr)
            for table in with_account
        }
    finally:
        cursor.close()


def test_delete_account_removes_every_row_and_keeps_the_other(store: Store) -> None:
    # Ten bios or more, so the audience analysis finds topics and fills every one of its tables.
    _fill(store, "gone", ["ann", "bob", "shared"] + [f"gone{letter}" for letter in "abcdefghij"])
    _fill(store, "kept", ["shared", "zed", "yan"])
    cursor = store.cursor()
    ids = dict(cursor.execute("SELECT name, account_id FROM accounts").fetchall())
    gone_rows = _rows_of(store, ids["gone"])
    kept_rows = _rows_of(store, ids["kept"])
    # Every table holding account rows is filled for the account to delete, so the test proves something.
    assert {t for t, rows in gone_rows.items() if rows} == set(gone_rows) >= {
        "accounts", "imports", "daily_values", "posts_raw", "snapshots", "spells", "profiles",
        "meetup_events", "meetup_attendees", "meetup_matches", "known_in_person",
        "profile_features", "audience_state", "audience_terms", "audience_topics", "audience_cubes", "audience_people",
        "loss_verdicts", "handle_changes",
    }

    delete_account(store, "gone")
    assert all(rows == [] for rows in _rows_of(store, ids["gone"]).values())
    assert _rows_of(store, ids["kept"]) == kept_rows
    assert set(tables(store)) >= set(gone_rows)
    with pytest.raises(Exception, match="No account named 'gone'"):
        delete_account(store, "gone")


def test_delete_account_erases_the_data_from_the_file(tmp_path: Path) -> None:
    store = open_store(tmp_path / "palier.duckdb")
    try:
        handles = [f"secret{i:05d}" for i in range(3000)]
        only(import_bytes(store, {"followers-2026-03-01.csv": list_csv(handles)}, account="gone"))
        store.checkpoint()
        delete_account(store, "gone")
    finally:
        store.close()
    assert b"secret00042" not in (tmp_path / "palier.duckdb").read_bytes()
