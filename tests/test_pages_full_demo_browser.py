"""Every page on the FULL demo (18 months, 2,500 followers, a list a day), as a new user sees it
(#15 items 4 and 7): at 1440x900 each page answers within about three screens until the user opens
more, its methods one click away; on a 390x844 phone the morning check and the period presets fit
the first screen without being cut off; the Audience page's countries map is drawn; and no page
asks any host but this server.

The demo is loaded once for the module (about two minutes on a busy machine), as the app loads it
on a first start."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.test_browser import ARTIFACTS, _browser_page, _serve, _wait_until_idle

pytestmark = pytest.mark.browser

# About three screens of 900 px: a page taller than this before anything is opened buries its answer.
MAX_PAGE_HEIGHT = 2_700
WIDE, PHONE = (1440, 900), (390, 844)
# Page title -> a text the page shows once its answer is there (the first Audience visit analyses
# the profiles: minutes on the full demo).
PAGES = {
    "Overview": "Followers now",
    "Growth": "Milestones and projection",
    "Churn & plateaus": "Who followed and who left",
    "Activity": "Does posting bring followers?",
    "Audience": "Followers flagged",
    "Import": "Imports into this account",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
FIRST_VISIT_MS = 600_000


@pytest.fixture(scope="module")
def full_demo_server(tmp_path_factory: pytest.TempPathFactory, full_demo_file: Path) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("full-demo-server")
    db = folder / "palier.duckdb"
    shutil.copyfile(full_demo_file, db)  # the full demo (tests/conftest.py), as a first start loads it
    yield from _serve(db, folder)


def _idle(page: Any) -> None:
    """Until the script run is over (Streamlit marks its app root), then as the other browser tests."""
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'",
        timeout=FIRST_VISIT_MS,
    )
    _wait_until_idle(page)


# The page's height: Streamlit scrolls inside its main block, so the taller of it and the body.
HEIGHT_JS = "Math.max(document.body.scrollHeight, document.querySelector('[data-testid=stMain]').scrollHeight)"
# How long opened expanders may take to lay out their content on a loaded machine.
OPEN_TIMEOUT_MS = 15_000


def _height(page: Any) -> int:
    return int(page.evaluate(f"() => {HEIGHT_JS}"))


def _height_after_opening(page: Any, closed: int) -> int:
    """The height once the opened expanders have grown the page, or as it is after the timeout.

    A fixed pause read the height before the layout on a loaded machine (CI saw Overview at 1796 px
    open and closed); waiting for the growth still fails when an expander adds nothing."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"closed => {HEIGHT_JS} > closed", arg=closed, timeout=OPEN_TIMEOUT_MS)
    except PlaywrightTimeout:
        pass  # the caller's assertion reports the heights
    return _height(page)


def _open(page: Any, expect: Any, title: str) -> None:
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(page.get_by_text(PAGES[title]).first).to_be_visible(timeout=FIRST_VISIT_MS)
    _idle(page)
    assert page.locator("[data-testid=stException]").count() == 0, title


def _record_hosts(page: Any, hosts: set[str]) -> None:
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or request.url))


def test_every_page_fits_three_screens_until_opened(full_demo_server: str) -> None:
    heights: dict[str, tuple[int, int]] = {}
    tabs: dict[str, int] = {}
    hosts: set[str] = set()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with _browser_page() as (page, expect):
        _record_hosts(page, hosts)
        page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
        page.goto(full_demo_server)
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        for title in PAGES:
            _open(page, expect, title)
            closed = _height(page)
            page.screenshot(path=str(ARTIFACTS / f"full-demo-{title.split()[0].lower()}.png"))
            # Open every expander in view: the methods are there, one click away, not removed.
            expanders = page.locator("[data-testid=stExpander] summary")
            opened_any = False
            for i in range(expanders.count()):
                if expanders.nth(i).is_visible():
                    expanders.nth(i).click()
                    opened_any = True
            heights[title] = (closed, _height_after_opening(page, closed) if opened_any else _height(page))
            tabs[title] = page.get_by_role("tab").count()
            if opened_any:
                assert heights[title][1] > closed, (title, heights)
    print("page heights on the full demo at 1440x900 (closed, expanders opened):", heights)
    for title, (closed, _opened) in heights.items():
        assert closed <= MAX_PAGE_HEIGHT, (title, heights)
        if title != "Import":
            # The rest of each analysis page waits behind tabs.
            assert tabs[title] >= 2, (title, tabs)
    assert hosts <= LOCAL_HOSTS, hosts


def test_the_countries_map_is_drawn_from_this_server_only(full_demo_server: str) -> None:
    hosts: set[str] = set()
    with _browser_page() as (page, expect):
        _record_hosts(page, hosts)
        page.set_viewport_size({"width": WIDE[0], "height": WIDE[1]})
        page.goto(full_demo_server + "/audience")
        expect(page.get_by_role("heading", name="Audience", exact=True)).to_be_visible()
        expect(page.get_by_text(PAGES["Audience"]).first).to_be_visible(timeout=FIRST_VISIT_MS)
        _idle(page)
        page.get_by_role("tab", name="Languages and places").click()
        chart = page.locator("[data-testid=stPlotlyChart]").filter(has_text="Where followers say they are")
        expect(chart).to_be_visible()
        # Drawn: the world's outlines (one filled path per class and the land) and the countries with followers.
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('[data-testid=stPlotlyChart]'))"
            ".some(c => c.innerText.includes('Where followers say they are') && c.querySelectorAll('.scatterlayer path.js-fill').length >= 2)"
        )
        box = chart.bounding_box()
        assert box is not None and box["height"] > 300, box
        legend = chart.locator("g.legend").first.text_content() or ""
        assert "Followers" in legend, legend
        chart.screenshot(path=str(ARTIFACTS / "full-demo-countries-map.png"))
        assert page.locator("[data-testid=stException]").count() == 0
    assert hosts <= LOCAL_HOSTS, hosts


def test_a_phone_gets_the_morning_check_and_every_preset_in_its_first_screen(full_demo_server: str) -> None:
    with _browser_page() as (page, expect):
        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        page.goto(full_demo_server)
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        expect(page.get_by_text("Last 28 days").first).to_be_visible(timeout=FIRST_VISIT_MS)
        _idle(page)
        page.screenshot(path=str(ARTIFACTS / "full-demo-overview-phone.png"))
        main = page.locator("[data-testid=stMain]")
        assert main.evaluate("element => element.scrollTop") == 0
        # The six figures of the morning check, all on the first screen: two or three cards a line.
        cards = page.locator("[data-testid=stMain] [data-testid=stMetric]")
        labels = ("Followers now", "Since yesterday", "Gained yesterday", "Lost yesterday", "Last 7 days", "Last 28 days")
        boxes = []
        for label in labels:
            box = cards.filter(has_text=label).first.bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE[1], (label, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], (label, box)
            boxes.append(box)
        # No card over another.
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                apart = (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                         or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])
                assert apart, (a, b)
        # Every period preset within the screen's width, none cut off.
        group = page.locator("[data-testid=stMain] [data-testid=stButtonGroup]").first
        assert all(label in group.inner_text() for label in ("7D", "28D", "90D", "12M", "All")), group.inner_text()
        buttons = group.locator("button")  # the six presets, and the label's help icon
        assert buttons.count() >= 6
        for i in range(buttons.count()):
            box = buttons.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE[0], (i, box)
        # Nothing wider than the phone: no sideways scroll.
        assert int(page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollWidth")) <= PHONE[0]
