"""Only the open tab is drawn (analytics.ui.tabs, issue 16): the closed tabs' charts are neither
computed nor sent, and opening a tab draws it. The other page tests run every tab at once
(`PALIER_EAGER_TABS=1`, set in conftest.py); these run the app's way."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages_helpers import APP
from tests.test_pages_growth import CHURN, GROWTH, chart_keys

TIMEOUT = 120


def _run(page: str, tab_key: str | None = None, tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    if tab_key is not None:
        at.session_state[tab_key] = tab  # what a click on the tab sets
        at.run()
        assert not at.exception, at.exception
    return at


@pytest.fixture
def lazy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_EAGER_TABS", "0")


def test_churn_draws_only_the_open_tab(demo_db: Path, lazy: None) -> None:
    first = chart_keys(_run(CHURN))
    # The first tab (plateaus) is drawn; the churn rate and step effect tabs are not.
    assert any("churn_curve" in key for key in first), first
    assert not any("churn_rate" in key or "churn_step" in key for key in first), first
    opened = chart_keys(_run(CHURN, "churn_tab", "Churn rate"))
    assert any("churn_rate" in key for key in opened), opened
    assert not any("churn_curve" in key or "churn_step" in key for key in opened), opened


def test_growth_draws_only_the_open_tab(demo_db: Path, lazy: None) -> None:
    first = chart_keys(_run(GROWTH))
    assert any("growth_gains_losses" in key for key in first), first
    assert not any("growth_projection" in key for key in first), first
    opened = chart_keys(_run(GROWTH, "growth_tab", "Milestones and projection"))
    assert not any("growth_gains_losses" in key for key in opened), opened


def test_eager_tabs_draw_every_tab(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_EAGER_TABS", "1")
    keys = chart_keys(_run(CHURN))
    assert any("churn_curve" in key for key in keys) and any("churn_rate" in key for key in keys), keys
