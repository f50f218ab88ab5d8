"""Only the open tab is drawn (analytics.ui.tabs, issue 16): the closed tabs' charts are neither
computed nor sent, and opening a tab draws it. The other page tests run every tab at once
(`PALIER_EAGER_TABS=1`, set in conftest.py); these run the app's way."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages_helpers import APP
from tests.test_pages_growth import ACTIVITY, CHURN, GROWTH, chart_keys

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


def _drawn(at: AppTest, label: str) -> int:
    """How many elements the tab of that label holds."""
    tab = next(tab for tab in at.tabs if tab.label == label)
    return len(tab.children)


def test_activity_keeps_the_threshold_tabs_and_waits_for_the_others(demo_db: Path, lazy: None) -> None:
    at = _run(ACTIVITY)
    keys = chart_keys(at)
    # The quiet periods and the lags are drawn (the answer above reads their widgets); the best
    # time to post waits for its tab.
    assert any("activity_quiet" in key for key in keys) and any("activity_lags" in key for key in keys), keys
    assert _drawn(at, "Best time to post") == 0
    opened = _run(ACTIVITY, "activity_tab", "Best time to post")
    assert _drawn(opened, "Best time to post") > 0
    assert any("activity_quiet" in key for key in chart_keys(opened))


def test_meetups_reads_why_attendees_are_unmatched_only_once_that_tab_is_open(
    db: Path, lazy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Why attendees are unmatched reads every follower's name: seconds at a million followers.
    from analytics.metrics import meetups as meetup_metrics
    from tests.test_pages_meetups import page, seed

    seed(db, event=True)
    reads: list[int] = []
    unmatched = meetup_metrics.unmatched_attendees

    def counted(cursor: duckdb.DuckDBPyConnection, account_id: int, event_id: int | None = None) -> pd.DataFrame:
        reads.append(1)
        return unmatched(cursor, account_id, event_id)

    monkeypatch.setattr(meetup_metrics, "unmatched_attendees", counted)
    at = page()
    assert not any(s.value == "Attendees not matched" for s in at.subheader) and reads == []
    review = next(tab.label for tab in at.tabs if tab.label.startswith("Matches to review"))
    at.session_state["meetups_tab"] = review  # what a click on the tab sets
    at.run()
    assert not at.exception, at.exception
    assert any(s.value == "Attendees not matched" for s in at.subheader) and reads == [1]


def _tabs_with_a_count() -> None:
    import streamlit as st

    from analytics.ui import tabs

    count = st.session_state.get("count", 1)
    drawn = tabs.lazy_tabs(["Turnout", f"To review ({count})", "Known"], key="counted_tab")
    st.write(f"open: {[tab.open for tab in drawn]}")


def test_a_tab_whose_label_changes_stays_open(lazy: None) -> None:
    # Streamlit takes tabs whose labels changed for new ones and opens the first: a decided match
    # changes "To review (1)" to "(0)", and the owner would be sent back to the first tab.
    at = AppTest.from_function(_tabs_with_a_count, default_timeout=TIMEOUT).run()
    assert at.markdown[0].value == "open: [True, False, False]"
    at.session_state["counted_tab"] = "To review (1)"
    at.run()
    assert at.markdown[0].value == "open: [False, True, False]"
    at.session_state["count"] = 0
    at.run()
    assert at.markdown[0].value == "open: [False, True, False]"
    at.run()
    assert at.markdown[0].value == "open: [False, True, False]"
    at.session_state["counted_tab"] = "Turnout"
    at.run()
    assert at.markdown[0].value == "open: [True, False, False]"
