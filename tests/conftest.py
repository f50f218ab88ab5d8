"""Shared fixtures: a fresh store file per test, and the fixture folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, Outcome, import_sources
from analytics.store import Store, open_store

FIXTURES = Path(__file__).parent / "fixtures"


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
