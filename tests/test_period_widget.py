"""The shared account and period pickers (analytics/ui/widgets.py): presets, the URL, the session.

The pages are run with Streamlit's AppTest against a real store file; a "reload" or a bookmark is
a new AppTest given the query string the previous one ended with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import cast

import pytest
from streamlit.testing.v1 import AppTest

from analytics.ui.widgets import resolve_period
from tests.pages_helpers import APP, metrics, seed

TIMEOUT = 60
CHURN_PAGE = "pages/churn.py"
GROWTH_PAGE = "pages/growth.py"
OVERVIEW_PAGE = "pages/overview.py"

# 2025-01-01 .. 2025-03-31 (90 days), a total every day: day n (0-based) has 1000 + n followers.
FIRST, LAST = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
DAILY_CSV = ("date,followers\n" + "".join(
    f"{FIRST + dt.timedelta(days=n)},{1000 + n}\n" for n in range((LAST - FIRST).days + 1)
)).encode()
OTHER_CSV = b"date,followers\n2024-06-01,50\n2024-06-30,80\n"


def run(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception, at.exception
    return at


def period_shown(at: AppTest, page: str = "overview") -> tuple[str, tuple[dt.date, dt.date]]:
    # The widgets' values are typed for every mode; these two are a preset code and a date range.
    preset = cast(str, at.segmented_control(key=f"{page}_period_preset").value)
    days = cast("Iterable[dt.date]", at.date_input(key=f"{page}_period").value)
    return preset, cast("tuple[dt.date, dt.date]", tuple(days))


# --- What a preset means ---------------------------------------------------------------------------


@pytest.mark.parametrize(("preset", "start"), [
    ("7d", dt.date(2025, 3, 25)), ("28d", dt.date(2025, 3, 4)), ("90d", FIRST), ("12m", FIRST), ("all", FIRST),
])
def test_presets_end_on_the_last_day_with_data(preset: str, start: dt.date) -> None:
    period = resolve_period(preset, FIRST, LAST)
    assert (period.start, period.end, period.preset) == (start, LAST, preset)
    # The previous period has the same length and ends the day before.
    assert period.previous_end == start - dt.timedelta(days=1)
    assert (period.previous_end - period.previous_start).days + 1 == period.days


def test_twelve_months_is_a_calendar_year() -> None:
    period = resolve_period("12m", dt.date(2020, 1, 1), dt.date(2026, 10, 31))
    assert (period.start, period.days) == (dt.date(2025, 11, 1), 365)
    assert resolve_period("12m", dt.date(2020, 1, 1), dt.date(2024, 2, 29)).start == dt.date(2023, 3, 1)


def test_custom_ranges_are_kept_inside_the_data() -> None:
    period = resolve_period("custom", FIRST, LAST, "2024-12-01", dt.date(2025, 1, 10))
    assert (period.start, period.end, period.preset) == (FIRST, dt.date(2025, 1, 10), "custom")
    swapped = resolve_period("custom", FIRST, LAST, dt.date(2025, 2, 10), dt.date(2025, 2, 1))
    assert (swapped.start, swapped.end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 10))
    open_ended = resolve_period("custom", FIRST, LAST, "2025-03-01", None)
    assert (open_ended.start, open_ended.end) == (dt.date(2025, 3, 1), LAST)
    # Unreadable: the default preset, not an error.
    assert resolve_period("custom", FIRST, LAST, "yesterday", "soon").preset == "28d"
    assert resolve_period("fortnight", FIRST, LAST).preset == "28d"


def test_a_period_unpacks_as_start_and_end() -> None:
    start, end = resolve_period("7d", FIRST, LAST)
    assert (start, end) == (dt.date(2025, 3, 25), LAST)


# --- The URL and the session ---------------------------------------------------------------------


def test_default_is_28_days_and_goes_into_the_url(db: Path) -> None:
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run()
    assert period_shown(at) == ("28d", (dt.date(2025, 3, 4), LAST))
    assert at.query_params == {"account": "me", "period": "28d"}
    assert metrics(at)["Net change"] == "+28"  # 1089 - 1061: the total the day before the period


def test_a_preset_click_changes_figures_and_url(db: Path) -> None:
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run()
    at.segmented_control(key="overview_period_preset").set_value("7d").run()
    assert not at.exception
    assert period_shown(at) == ("7d", (dt.date(2025, 3, 25), LAST))
    assert at.query_params["period"] == "7d"
    assert metrics(at)["Net change"] == "+7"


def test_editing_the_dates_makes_a_custom_period_in_the_url(db: Path) -> None:
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run()
    at.date_input(key="overview_period").set_value((dt.date(2025, 1, 10), dt.date(2025, 1, 20))).run()
    assert not at.exception
    assert period_shown(at) == ("custom", (dt.date(2025, 1, 10), dt.date(2025, 1, 20)))
    assert at.query_params == {"account": "me", "period": "custom", "from": "2025-01-10", "to": "2025-01-20"}
    assert metrics(at)["Net change"] == "+11"
    # Back to a preset: the range leaves the URL.
    at.segmented_control(key="overview_period_preset").set_value("all").run()
    assert at.query_params == {"account": "me", "period": "all"}
    assert period_shown(at) == ("all", (FIRST, LAST))


def test_a_bookmark_opens_on_its_account_and_period(db: Path) -> None:
    seed(db, {"counts.csv": OTHER_CSV}, account="another")
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run({"account": "me", "from": "2025-02-01", "to": "2025-02-28", "lang": "en"})
    assert at.selectbox(key="overview_account").value == "me"
    assert period_shown(at) == ("custom", (dt.date(2025, 2, 1), dt.date(2025, 2, 28)))
    # Other keys of the URL (the language) are left alone.
    assert at.query_params["lang"] == "en" and at.query_params["period"] == "custom"
    reloaded = run(dict(at.query_params))
    assert period_shown(reloaded) == period_shown(at)
    assert metrics(reloaded) == metrics(at)


def test_a_bad_url_falls_back_to_the_defaults(db: Path) -> None:
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run({"account": "nobody", "period": "forever"})
    assert at.selectbox(key="overview_account").value == "me"
    assert period_shown(at)[0] == "28d"
    assert at.query_params == {"account": "me", "period": "28d"}


def test_account_and_period_follow_the_user_to_another_page(db: Path) -> None:
    seed(db, {"counts.csv": OTHER_CSV}, account="another")
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run()
    assert at.selectbox(key="overview_account").value == "another"
    at.selectbox(key="overview_account").set_value("me").run()
    at.segmented_control(key="overview_period_preset").set_value("90d").run()
    # Streamlit's navigation drops the query string on a page change: the session keeps the choice.
    at.query_params.clear()
    at.switch_page(CHURN_PAGE).run()
    assert not at.exception
    assert at.selectbox(key="churn_account").value == "me"
    assert period_shown(at, "churn") == ("90d", (FIRST, LAST))
    assert at.query_params == {"account": "me", "period": "90d"}
    at.query_params.clear()
    at.switch_page(GROWTH_PAGE).run()
    assert not at.exception
    assert period_shown(at, "growth")[0] == "90d"
    assert at.query_params["period"] == "90d"
    at.switch_page(OVERVIEW_PAGE).run()
    assert at.selectbox(key="overview_account").value == "me"
    assert period_shown(at) == ("90d", (FIRST, LAST))
    assert at.query_params == {"account": "me", "period": "90d"}


def test_a_preset_is_cut_at_each_accounts_own_data(db: Path) -> None:
    seed(db, {"counts.csv": OTHER_CSV}, account="another")
    seed(db, {"counts.csv": DAILY_CSV}, account="me")
    at = run({"account": "me", "period": "7d"})
    at.selectbox(key="overview_account").set_value("another").run()
    # The same preset, on the other account's last seven days of data.
    assert period_shown(at) == ("7d", (dt.date(2024, 6, 24), dt.date(2024, 6, 30)))
