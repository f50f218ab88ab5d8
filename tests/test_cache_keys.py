"""The pages' caches are keyed on the store's file, not only on its data version.

A store's version counts its own writes, so two store files can be at the same version with the
same account ids; st.cache_data lives as long as the process. Without the file in the key, a
process that opens another store (PALIER_DB changed, as the page tests do one after another in a
worker) was served the first store's figures: Churn showed another test's followers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.store import open_store
from tests.conftest import import_bytes
from tests.pages_helpers import APP

TIMEOUT = 60


def _store(path: Path, start: int) -> int:
    """Thirty days of totals from `start`, +10 a day; the store's version after the import."""
    rows = "".join(f"{dt.date(2026, 3, 1) + dt.timedelta(days=n)},{start + 10 * n}\n" for n in range(30))
    store = open_store(path)
    try:
        assert [o.status for o in import_bytes(store, {"counts.csv": ("date,followers\n" + rows).encode()}, account="me")] == ["imported"]
        return store.version()
    finally:
        store.close()


def _followers_shown(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    monkeypatch.setenv("PALIER_DB", str(path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return [m.value for m in at.metric if m.label == "Followers"]


def test_two_stores_at_the_same_version_show_their_own_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_DEMO", "0")
    monkeypatch.delenv("PALIER_LANG", raising=False)
    first, second = tmp_path / "first.duckdb", tmp_path / "second.duckdb"
    assert _store(first, 1000) == _store(second, 5000)  # the same version, the same account id
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        assert _followers_shown(monkeypatch, first) == ["1,290"]
        # No cache cleared in between: the second store's own total, not the first's.
        assert _followers_shown(monkeypatch, second) == ["5,290"]
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
