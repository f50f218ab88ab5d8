"""Untrusted text shown through markdown stays text: no markup, no link of any kind."""

from __future__ import annotations

import re

import pytest

from analytics.ui.text import escape_markdown

# What GFM autolink literals turn into links, once markdown escapes are read.
AUTOLINKS = (re.compile(r"https?://", re.IGNORECASE), re.compile(r"(?<![\w])www\.", re.IGNORECASE),
             re.compile(r"[A-Za-z0-9._+-]@[A-Za-z0-9-]"))


def _as_rendered(escaped: str) -> str:
    return re.sub(r"\\(.)", r"\1", escaped)


@pytest.mark.parametrize(
    "hostile",
    [
        "GET https://evil.example/x failed: HTTP 500",
        "see WWW.evil.example now",
        "me@mastodon.social",
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        ":red[alarm] $x$ **bold**",
    ],
)
def test_escaped_text_has_no_link_and_no_markup(hostile: str) -> None:
    rendered = _as_rendered(escape_markdown(hostile))
    assert not any(pattern.search(rendered) for pattern in AUTOLINKS)
    # Every markup character is escaped, so the visible text is the original, word joiners aside.
    assert rendered.replace("\u2060", "") == hostile
    assert re.search(r"(?<!\\)[\[\]<>*:$]", escape_markdown(hostile)) is None
