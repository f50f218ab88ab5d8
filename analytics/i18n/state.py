"""The current language: a ContextVar per session (Streamlit script thread), PALIER_LANG by default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from analytics.settings import LANGUAGE

LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LANG_ENV = LANGUAGE.env

_language: ContextVar[str | None] = ContextVar("palier_language", default=None)


def normalize_language(code: str | None) -> str | None:
    """`fr`, `FR`, `fr_FR`, `fr-CA`, `fr_FR.UTF-8` give "fr"; a language Palier lacks gives None."""
    if not code:
        return None
    base = code.strip().split(".")[0].replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def default_language() -> str:
    """The language `PALIER_LANG` names (read each time, so a test or a shell can change it), else English."""
    return _language_or_default(LANGUAGE.value())


# Every `_()` outside a session asks for the default: the careful reader names a field per cell
# of a list, so parsing the same few spellings again showed in profiles of the demo's import.
@lru_cache(maxsize=16)
def _language_or_default(code: str) -> str:
    return normalize_language(code) or DEFAULT_LANGUAGE


def current_language() -> str:
    """The language of this session (or of this command-line run)."""
    return _language.get() or default_language()


def set_language(code: str | None) -> str:
    """Set this context's language; an unknown or empty code falls back to the default. Returns the one set."""
    language = normalize_language(code) or default_language()
    _language.set(language)
    return language


@contextmanager
def use_language(code: str | None) -> Iterator[str]:
    """Run a block in a language, then restore the previous one (reports, tests)."""
    token = _language.set(normalize_language(code) or default_language())
    try:
        yield current_language()
    finally:
        _language.reset(token)
