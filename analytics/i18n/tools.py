"""`python -m analytics.i18n.tools`: extract the strings from the code and update the catalogs.

`make i18n` runs it. Extraction reads analytics/, pages/ and app.py with Babel's Python
extractor (keywords `_`, `N_`, `ngettext`); the template `palier.pot` is rewritten and each
language's `.po` is updated: new msgids are added empty (to translate), msgids the code no
longer uses are dropped. tests/test_i18n.py runs the same extraction and fails until every
msgid is translated and none is left over.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract as extract_file
from babel.messages.pofile import read_po, write_po

from analytics.i18n.catalog import DOMAIN, LOCALES_DIR, catalog_path
from analytics.i18n.state import DEFAULT_LANGUAGE, LANGUAGES

ROOT = LOCALES_DIR.parent.parent.parent
SOURCES: tuple[str, ...] = ("analytics", "pages", "app.py")
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
# Tests, benchmarks and the i18n tools hold no user-facing strings.
SKIPPED_DIRS = {"__pycache__", ".venv", "tests", "benchmarks"}


def _python_files() -> list[tuple[Path, Path]]:
    """(directory to extract from, file) pairs, in a stable order."""
    files: list[tuple[Path, Path]] = []
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            files.append((ROOT, path))
        elif path.is_dir():
            files += [(ROOT, f) for f in sorted(path.rglob("*.py")) if not SKIPPED_DIRS & set(f.relative_to(ROOT).parts)]
    return files


def extract() -> Catalog:
    """Every msgid the code marks, with the places it appears."""
    catalog = Catalog(project="Palier", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for _root, path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        with path.open("rb") as source:
            for lineno, message, comments, context in extract_file(
                "python", source, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",), options={}
            ):
                catalog.add(message, None, [(relative, lineno)], auto_comments=comments, context=context,
                            flags=("python-brace-format",) if _is_brace_format(message) else ())
    return catalog


def _is_brace_format(message: str | tuple[str, ...]) -> bool:
    texts = message if isinstance(message, tuple) else (message,)
    return any("{" in text for text in texts)


def read_catalog(language: str) -> Catalog:
    with catalog_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language, domain=DOMAIN)


def update() -> None:
    """Rewrite the template and merge it into every language's catalog."""
    template = extract()
    LOCALES_DIR.mkdir(parents=True, exist_ok=True)
    if TEMPLATE.exists():
        with TEMPLATE.open("rb") as pot:
            previous = read_po(pot)
        # Same msgids, same creation date: re-running `make i18n` leaves no diff to merge.
        if [m.id for m in previous if m.id] == [m.id for m in template if m.id]:
            template.creation_date = previous.creation_date
    with TEMPLATE.open("wb") as pot:
        write_po(pot, template, width=100, omit_header=False, sort_output=False, no_location=False)
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        path = catalog_path(language)
        if path.exists():
            catalog = read_catalog(language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="Palier", charset="utf-8", fuzzy=False)
        # No fuzzy matching: a guessed translation of a changed sentence is worse than none,
        # and the test then names the msgid to translate.
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as po_file:
            write_po(po_file, catalog, width=100, include_previous=False)


def main(argv: list[str] | None = None) -> int:
    update()
    for language in LANGUAGES:
        if language == DEFAULT_LANGUAGE:
            continue
        catalog = read_catalog(language)
        missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
        print(f"{catalog_path(language).relative_to(ROOT)}: {len([m for m in catalog if m.id])} messages, {len(missing)} to translate")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
