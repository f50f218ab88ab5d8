"""The language of this browser session: chosen in the sidebar, kept in the address, else the browser's.

`apply_language()` runs first on every script run (app.py calls it before building the
navigation, so the page titles are translated too). It decides, in this order:
1. `?lang=fr` in the address (a reload, a bookmark or a shared link keeps the choice);
2. what this session picked in the sidebar (kept in session_state, should a page move lose the
   address's parameter: it is then written back);
3. the browser's language (`st.context.locale`, navigator.language);
4. `PALIER_LANG`, the server's default (English without it).
It sets the i18n ContextVar for this run (each run has its own context, so visitors never share
one) and draws the selector. The selector lists each language in its own name: a visitor who
cannot read the current language still finds theirs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast, overload

import streamlit as st

from analytics.i18n import LANGUAGES, _, default_language, normalize_language, set_language
from analytics.ui import timing

_F = TypeVar("_F", bound=Callable[..., Any])

LANG_PARAM = "lang"
# Each language named in itself, never translated.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français"}
_WIDGET_KEY = "palier_language"
_CHOSEN_KEY = "palier_language_chosen"


def browser_language() -> str | None:
    """The browser's language when Palier speaks it (fr-FR, fr-CA give fr), else None."""
    try:
        return normalize_language(st.context.locale)
    except Exception:  # noqa: BLE001 - no browser (AppTest, a bare script run): no preference
        return None


def _address_language() -> str | None:
    return normalize_language(st.query_params.get(LANG_PARAM))


def session_language() -> str:
    """The language this run speaks (see the module docstring for the order)."""
    chosen = st.session_state.get(_CHOSEN_KEY)
    return _address_language() or normalize_language(chosen) or browser_language() or default_language()


def _on_pick() -> None:
    # A callback runs before the next run's script: that run already speaks the new language.
    picked = normalize_language(st.session_state.get(_WIDGET_KEY))
    if picked is None:  # the segmented control was clicked off: keep the language in use
        return
    st.session_state[_CHOSEN_KEY] = picked
    st.query_params[LANG_PARAM] = picked


def apply_language() -> str:
    """Set this run's language, keep an explicit choice in the address, draw the selector."""
    language = set_language(session_language())
    explicit = _address_language() or normalize_language(st.session_state.get(_CHOSEN_KEY))
    if explicit:
        st.session_state[_CHOSEN_KEY] = explicit
        if st.query_params.get(LANG_PARAM) != explicit:
            st.query_params[LANG_PARAM] = explicit
    # The widget shows the language in use (it may come from the address or the browser).
    st.session_state[_WIDGET_KEY] = language
    st.sidebar.segmented_control(
        _("Language"), list(LANGUAGES), format_func=LANGUAGE_NAMES.__getitem__, key=_WIDGET_KEY,
        on_change=_on_pick, selection_mode="single",
    )
    return language


@overload
def fragment(body: _F) -> _F: ...
@overload
def fragment(body: None = None, *, run_every: float | None = None) -> Callable[[_F], _F]: ...
def fragment(body: _F | None = None, *, run_every: float | None = None) -> _F | Callable[[_F], _F]:
    """`st.fragment` whose own reruns speak the session's language. A widget inside a fragment
    reruns the fragment alone: app.py (and apply_language) does not run, and the rerun starts in
    a context of its own, where the language would be the server's default. Each run is timed
    (`timing.timed("fragment")`, a no-op unless PALIER_RUN_LOG is set). Use it as
    `@lang.fragment` or `@lang.fragment(run_every=...)`."""

    def decorate(function: _F) -> _F:
        @functools.wraps(function)
        def in_the_session_language(*args: Any, **kwargs: Any) -> Any:
            set_language(session_language())
            # Timed for the browser benchmark: a fragment's own rerun is no script run of app.py.
            with timing.timed("fragment", function.__name__):
                return function(*args, **kwargs)

        return cast(_F, st.fragment(in_the_session_language, run_every=run_every))

    return decorate(body) if body is not None else decorate
