"""The Audience page in a real browser at 1440x900: it answers on the first screen (the coherence
verdict, the share flagged, the top topics), stays under about three screens until the user opens
more, and asks no host but 127.0.0.1 (#15 item 4)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.test_browser import ARTIFACTS, _browser_page, _wait_until_idle, demo_server, save_screenshot  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1440, 900
SCREENS = 3


def test_audience_answers_first_and_fits_three_screens(demo_server: str) -> None:  # noqa: F811 - the fixture
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hosts: set[str] = set()
    with _browser_page() as (page, expect):
        page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
        page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
        page.goto(demo_server)
        expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
        page.get_by_role("link", name="Audience").first.click()
        expect(page.get_by_role("heading", name="Audience", exact=True)).to_be_visible()
        # The first visit analyses the profiles once (a spinner), then the answer shows.
        expect(page.get_by_text("in 10 of your followers").first).to_be_visible(timeout=180_000)
        _wait_until_idle(page)
        assert page.locator("[data-testid=stException]").count() == 0
        main = page.locator("[data-testid=stMain]")
        assert main.evaluate("element => element.scrollTop") == 0

        # The answer is on the first screen, without a scroll: verdict, flagged share, top topics.
        verdict = page.get_by_text("in 10 of your followers").first
        flagged = page.get_by_text("Followers flagged").first
        topics = page.locator("[data-testid=stDataFrame]").first
        for element in (verdict, flagged, topics):
            box = element.bounding_box()
            assert box is not None and box["y"] + box["height"] <= HEIGHT, box
        assert "what your posts talk about" in verdict.inner_text()

        # Under about three screens before anything is opened; the methods are closed.
        height = main.evaluate("element => element.scrollHeight")
        assert height <= SCREENS * HEIGHT, f"{height} px tall"
        assert page.locator("[data-testid=stExpander] details[open]").count() == 0
        save_screenshot(page, ARTIFACTS / "audience-first-screen.png")

        # One click away: the audit tab with its filter by rule and a count per rule.
        page.get_by_role("tab", name="Quality audit").click()
        expect(page.get_by_text("Flagged followers by rule")).to_be_visible()
        expect(page.get_by_role("button", name="All flagged").or_(page.get_by_role("radio", name="All flagged")).first).to_be_visible()
    assert hosts <= {"127.0.0.1"}, hosts
