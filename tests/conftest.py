"""Shared fixtures: a fresh store per test, the fixture folder, and for the page tests a store
file the app opens (`db`) and a copy of the small demo (`demo_db`)."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

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


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "palier.duckdb")
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
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The store file the app opens (`PALIER_DB`), empty, without the demo."""
    path = tmp_path / "palier.duckdb"
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
    """The small demo, loaded once; each test reads a copy, so no test sees another's caches."""
    path = tmp_path_factory.mktemp("demo") / "palier.duckdb"
    store = open_store(path)
    try:
        load_demo(store, **SMALL_DEMO)  # type: ignore[arg-type]
    finally:
        store.close()
    return path


@pytest.fixture
def demo_db(db: Path, demo_file: Path) -> Path:
    """`db` holding a copy of the small demo."""
    db.write_bytes(demo_file.read_bytes())
    return db


@pytest.fixture(scope="session")
def full_demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FULL demo, as a first start loads it (18 months, a list a day), built once per test run.

    It takes most of a minute, and three modules need it: under xdist the first worker to ask builds
    it in the run's folder shared by the workers (under a lock), the others wait for it and read
    it. Tests get a copy (`full_demo_copy`). Without xdist the run's own folder is used, never a
    folder an earlier run could have left."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = shared / "full-demo"
    path = folder / "palier.duckdb"
    with (shared / "full-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / "complete").exists():
                shutil.rmtree(folder, ignore_errors=True)  # a build that failed half-way
                folder.mkdir()
                store = open_store(path)
                try:
                    load_demo(store)  # the defaults: what a first start loads
                finally:
                    store.close()
                (folder / "complete").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


@pytest.fixture
def full_demo_copy(tmp_path: Path, full_demo_file: Path) -> Path:
    """A copy of the full demo's store for this test alone (it may write to it)."""
    target = tmp_path / "full-demo.duckdb"
    shutil.copyfile(full_demo_file, target)
    return target
