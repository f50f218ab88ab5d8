"""`cached_read`: st.cache_data keyed on the language and the store's file as well as on the
read's arguments.

A cached read may return text (a reason, a method, a label) written in the language of the run
that first computed it; a hosted app shares its caches between visitors, so the language is part
of every key: a French visitor never gets an English sentence cached by an English one.

The store's data version (every read's last argument) counts the writes of one store: two store
files can be at the same version, with the same account ids. The cache lives as long as the
process, so a process that opens another file (PALIER_DB changed, as each page test does) would
otherwise be served the figures of the first one: the file's path (`store_path`, the one the
pages open) is part of every key too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, ParamSpec, TypeVar

import streamlit as st

from analytics.i18n import current_language
from analytics.ui.store import store_path

P = ParamSpec("P")
R = TypeVar("R")


class LanguageKeyedRead(Generic[P, R]):
    """A read cached per language: call it as the read itself; `clear()` forgets every entry."""

    def __init__(self, read: Callable[P, R], max_entries: int) -> None:
        def keyed(language: str, store_file: str, *args: Any, **kwargs: Any) -> R:
            return read(*args, **kwargs)

        # st.cache_data tells functions apart by module and qualified name: the read's own.
        keyed.__module__ = read.__module__
        keyed.__qualname__ = read.__qualname__
        keyed.__name__ = read.__name__
        self._cached = st.cache_data(show_spinner=False, max_entries=max_entries)(keyed)
        functools.update_wrapper(self, read)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._cached(current_language(), str(store_path()), *args, **kwargs)

    def clear(self) -> None:
        self._cached.clear()


def cached_read(*, max_entries: int) -> Callable[[Callable[P, R]], LanguageKeyedRead[P, R]]:
    """Decorator: `@cached_read(max_entries=64)` in place of `@st.cache_data(show_spinner=False, max_entries=64)`."""

    def decorate(read: Callable[P, R]) -> LanguageKeyedRead[P, R]:
        return LanguageKeyedRead(read, max_entries)

    return decorate
