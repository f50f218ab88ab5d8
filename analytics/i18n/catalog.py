"""The catalogs: `.po` files read with Babel and compiled in memory at first use, once per process."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from analytics.i18n.state import DEFAULT_LANGUAGE, current_language

DOMAIN = "palier"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language, built in memory from its .po once per process."""
    path = catalog_path(language)
    if language == DEFAULT_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    # Fuzzy entries are guesses `make i18n` made from an older msgid: never shown.
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(msgid: str) -> str:
    """The current language's text for an English msgid (the msgid itself when untranslated)."""
    return translations(current_language()).gettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, by the current language's plural rule (French: 0 and 1 are singular)."""
    return translations(current_language()).ngettext(singular, plural, n)


def N_(msgid: str) -> str:
    """Mark a string for extraction without translating it (module constants, translated where shown)."""
    return msgid
