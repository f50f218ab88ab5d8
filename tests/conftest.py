"""Shared fixtures: a fresh store per test, the fixture folder, and for the page tests a store
file the app opens (`db`) and a copy of the small demo (`demo_db`)."""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.components.v2 import manifest_scanner

from analytics.demo import load_demo
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, Outcome, import_sources
from analytics.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"
# The page tests read every tab's figures in one run (AppTest has no browser to click a tab): the
# app draws only the open tab (analytics.ui.tabs), tests every tab, as before. test_lazy_tabs.py
# checks the app's way.
os.environ.setdefault("PALIER_EAGER_TABS", "1")
SMALL_DEMO = {"months": 4, "scale": 0.05}

# Each new AppTest scans the metadata of every installed distribution for Streamlit components
# (half a second: 1,700 metadata files parsed), where a server scans once, as it starts. The
# installed packages do not change while the tests run, so a test process scans once too; the
# page tests create hundreds of AppTests.
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


@pytest.fixture(scope="session")
def empty_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store file created and migrated once per test process. Creating one runs every migration
    (a tenth of a second); the hundreds of tests that start from an empty store each get a copy of
    this file, which `open_store` opens as it would any store already at the latest version."""
    path = tmp_path_factory.mktemp("empty-store") / "palier.duckdb"
    open_store(path).close()
    return path


def store_copy(template: Path, target: Path) -> Store:
    """Open a copy of the closed store file `template` at `target` (a test's own store)."""
    shutil.copyfile(template, target)
    return open_store(target)


@pytest.fixture
def store(tmp_path: Path, empty_store_file: Path) -> Iterator[Store]:
    opened = store_copy(empty_store_file, tmp_path / "palier.duckdb")
    yield opened
    opened.close()


# What `seeded` holds (tests/test_bad_input.py checks "writes nothing" against these rows).
SEED_DAY = dt.date(2026, 3, 2)
SEED_COUNTS = b"date,followers,following\n2026-03-01,100,50\n2026-03-02,104,51\n"
SEED_LIST = "handle,name,followers\nalice,Alice,10\nbob,Bob,20\n"


@pytest.fixture(scope="session")
def seeded_store_file(tmp_path_factory: pytest.TempPathFactory, empty_store_file: Path) -> Path:
    """A store holding a count history and a follower list, imported once per test process."""
    path = tmp_path_factory.mktemp("seeded-store") / "palier.duckdb"
    opened = store_copy(empty_store_file, path)
    try:
        outcomes = import_bytes(opened, {"counts.csv": SEED_COUNTS})
        outcomes += import_bytes(opened, {"list.csv": SEED_LIST.encode()}, snapshot_date=SEED_DAY)
        assert [o.status for o in outcomes] == ["imported", "imported"]
    finally:
        opened.close()
    return path


@pytest.fixture
def seeded(tmp_path: Path, seeded_store_file: Path) -> Iterator[Store]:
    """A store already holding data, so that 'writes nothing' is checked against real rows."""
    opened = store_copy(seeded_store_file, tmp_path / "palier.duckdb")
    yield opened
    opened.close()


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def import_bytes(
    store: Store,
    files: dict[str, bytes],
    account: str = "me",
    snapshot_date: dt.date | None = None,
    platform: str | None = None,
) -> list[Outcome]:
    """Import in-memory files as one upload, the way the Import page does."""
    sources = [SourceFile(name, data) for name, data in files.items()]
    return import_sources(store, sources, ImportOptions(account, platform=platform, snapshot_date=snapshot_date))


def import_fixture(store: Store, *paths: Path, account: str = "me", snapshot_date: dt.date | None = None) -> list[Outcome]:
    return import_bytes(store, {p.name: p.read_bytes() for p in paths}, account, snapshot_date)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, empty_store_file: Path) -> Iterator[Path]:
    """The store file the app opens (`PALIER_DB`), empty, without the demo. A copy of the migrated
    empty store, which is what the app's first open would make of a missing file (its nine
    migrations took a tenth of a second in each of the page tests)."""
    path = tmp_path / "palier.duckdb"
    shutil.copyfile(empty_store_file, path)
    monkeypatch.setenv("PALIER_DB", str(path))
    monkeypatch.setenv("PALIER_DEMO", "0")
    # Caches live as long as the process: a previous test's store or figures must not leak in.
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo, loaded once per test run (see `_built_once`); each test reads a copy, so no
    test sees another's caches."""

    def build(path: Path) -> None:
        store = open_store(path)
        try:
            outcomes = load_demo(store, **SMALL_DEMO)  # type: ignore[arg-type]
            assert {outcome.status for outcome in outcomes} == {"imported"}, outcomes
        finally:
            store.close()

    return _built_once(tmp_path_factory, "small-demo", build)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, demo_file: Path) -> Iterator[Store]:
    """A copy of the small demo, opened, shared by a module's read-only tests."""
    path = tmp_path_factory.mktemp("demo-store") / "palier.duckdb"
    shutil.copyfile(demo_file, path)
    store = open_store(path)
    yield store
    store.close()


@pytest.fixture
def demo_db(db: Path, demo_file: Path) -> Path:
    """`db` holding a copy of the small demo."""
    db.write_bytes(demo_file.read_bytes())
    return db


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A store file built once per test run, in `<name>/palier.duckdb`: under xdist the first
    worker to ask builds it in the run's folder shared by the workers (under a lock), the others
    wait for it and read it (building it in each worker cost the machine a build per worker).
    Without xdist the run's own folder is used, never a folder an earlier run could have left."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / name
    path = folder / "palier.duckdb"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / "complete").exists():
                shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
                folder.mkdir()
                build(path)
                (folder / "complete").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


@pytest.fixture(scope="session")
def full_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FULL demo, as a first start loads it (18 months, a list a day), built once per test run
    (`_built_once`): it takes most of a minute, and three modules need it. Tests get a copy
    (`full_demo_copy`)."""

    def build(path: Path) -> None:
        store = open_store(path)
        try:
            load_demo(store)  # the defaults: what a first start loads
        finally:
            store.close()

    return _built_once(tmp_path_factory, "full-demo", build)


@pytest.fixture
def full_demo_copy(tmp_path: Path, full_demo_file: Path) -> Path:
    """A copy of the full demo's store for this test alone (it may write to it)."""
    target = tmp_path / "full-demo.duckdb"
    shutil.copyfile(full_demo_file, target)
    return target
