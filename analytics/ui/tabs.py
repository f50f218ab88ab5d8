"""Tabs whose hidden panels cost nothing: only the open tab's content runs and is sent.

By default `st.tabs` runs every tab's content and sends it all to the browser, which draws every
chart and table of the closed tabs too: on Churn or Audience, four to six charts nobody looks at
before a click, and most of the browser's time before the first screen (issue 16, measured by
`python -m benchmarks.pages`). Tabs made here track which one is open (`on_change="rerun"`): a
click on another tab reruns the page, which then draws that tab alone.

`PALIER_EAGER_TABS=1` runs every tab's content again, as before: for the page tests (AppTest has
no browser to click a tab, and they read every tab's figures in one run).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer

EAGER_ENV = "PALIER_EAGER_TABS"


def eager() -> bool:
    return os.environ.get(EAGER_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def lazy_tabs(labels: Sequence[str], *, key: str) -> Sequence[TabContainer]:
    """`st.tabs(labels)`, of which only the open tab's content is to be drawn (see `is_open`).
    `key`: stable across languages (the labels are translated), unique on the page.

    The open tab's place is kept too: Streamlit takes tabs whose labels changed (a count in one,
    "Matches to review (3)" once a match is decided; another language) for new tabs, and would
    open the first; they open at the same place instead (the `default` given)."""
    if eager():
        return st.tabs(list(labels))
    drawn = st.tabs(list(labels), key=key, on_change="rerun", default=_label_at_kept_place(labels, key))
    st.session_state[_place_key(key)] = next((place for place, tab in enumerate(drawn) if tab.open), 0)
    return drawn


def _place_key(key: str) -> str:
    return f"{key}.place"


def _label_at_kept_place(labels: Sequence[str], key: str) -> str:
    place = st.session_state.get(_place_key(key), 0)
    return labels[place] if isinstance(place, int) and 0 <= place < len(labels) else labels[0]


def open_label(labels: Sequence[str], *, key: str) -> str | None:
    """The label of the tab `lazy_tabs(labels, key=key)` will open, known before it is drawn (so
    that a page computes only what that tab shows); None when every tab is drawn (eager). The open
    tab is kept in the session under `key` as its label, and its place: when the labels change,
    the tab at that place opens."""
    if eager():
        return None
    current = st.session_state.get(key)
    return current if current in labels else _label_at_kept_place(labels, key)


def is_open(tab: TabContainer) -> bool:
    """Whether to draw this tab's content: it is the open one, or tabs are not tracked (eager)."""
    return tab.open is not False
