"""A French session shows no English on the pages this branch speaks for (Import, Collect, the
sign-in form, the sidebar and the navigation), and ?lang=fr survives a page move (issue #20).

AppTest runs app.py as the server does; the address's ?lang=fr is its query parameter. The
English words below are taken from those pages: any of them in a French run is a string that
skipped _() (or lost its translation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element

from analytics.access import MIN_ITERATIONS, hash_password
from analytics.i18n import use_language
from tests.pages_helpers import APP

TIMEOUT = 60
IMPORT_PAGE = "pages/import.py"
COLLECT_PAGE = "pages/collect.py"
# Words and phrases of the English pages; none may be seen in French.
ENGLISH = [
    "Overview", "Growth", "Churn", "Activity", "Meetups", "Collect now", "Account name", "New account",
    "Import into", "Files", "Dates and follower totals", "Snapshot date", "Followers", "Preview",
    "Store into", "Platform", "Handle", "API address", "Nothing collected yet", "History cannot be fetched",
    "Sign in", "Password", "This Palier is shared", "Language", "Download report", "Go to the Import page",
    "per file", "nothing is sent anywhere", "Needs",
]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "palier.duckdb"
    monkeypatch.setenv("PALIER_DB", str(path))
    monkeypatch.setenv("PALIER_DEMO", "0")
    monkeypatch.delenv("PALIER_LANG", raising=False)
    return path


def visible_text(at: AppTest) -> str:
    """Every text a visitor reads: titles, markdown, captions, messages, widget labels, helps,
    options and placeholders."""
    parts: list[str] = []
    for kind in ("title", "subheader", "header", "markdown", "caption", "info", "warning", "error", "success"):
        for element in at.get(kind):
            assert isinstance(element, Element), element  # these kinds are elements, never blocks
            parts.append(str(element.value))
    for kind in ("selectbox", "text_input", "date_input", "number_input", "file_uploader", "button", "radio",
                 "checkbox", "download_button", "expander", "button_group"):
        for element in at.get(kind):
            proto = getattr(element, "proto", None)
            for field in ("label", "help", "placeholder"):
                parts.append(str(getattr(proto, field, "") or getattr(element, field, "") or ""))
            parts += [str(option) for option in getattr(proto, "options", []) if isinstance(option, str)]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)]


def french_app(page: str | None = None, secrets: dict[str, object] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = "fr"
    if secrets:
        at.secrets = secrets
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def test_the_import_page_in_french_shows_no_english(db: Path) -> None:
    at = french_app(IMPORT_PAGE)
    text = visible_text(at)
    assert "Importer" in text and "Fichiers" in text and "Nouveau compte…" in text
    assert english_in(text) == []


def test_date_pickers_write_the_day_first_in_french(db: Path) -> None:
    """A French reader writes 04/10/2026: the Import page's date pickers say it so, English ones stay ISO."""
    french = french_app(IMPORT_PAGE)
    assert {d.proto.format for d in french.date_input} == {"DD/MM/YYYY"}, [d.proto.format for d in french.date_input]
    english = AppTest.from_file(APP, default_timeout=TIMEOUT)
    english.run()
    english.switch_page(IMPORT_PAGE).run()
    assert english.date_input and {d.proto.format for d in english.date_input} == {"YYYY-MM-DD"}


def test_the_collect_page_in_french_shows_no_english(db: Path) -> None:
    at = french_app(COLLECT_PAGE)
    text = visible_text(at)
    assert "Collecter maintenant" in text and "Rien n’a encore été collecté" in text
    assert english_in(text) == []


def test_the_sign_in_form_in_french_shows_no_english(db: Path) -> None:
    secrets: dict[str, object] = {"palier": {"viewer_password_hash": hash_password("a viewer secret", iterations=MIN_ITERATIONS)}}
    at = french_app(secrets=secrets)
    text = visible_text(at)
    assert "Se connecter avec le mot de passe" in text and "Mot de passe" in text
    assert english_in(text) == []


def test_the_language_stays_french_across_a_page_move(db: Path) -> None:
    # AppTest re-reads a selectbox's value through its format_func in this (the test's) thread.
    with use_language("fr"):
        _page_move()


def _page_move() -> None:
    at = french_app(IMPORT_PAGE)
    assert [t.value for t in at.title] == ["Importer"]
    at.switch_page(COLLECT_PAGE).run()
    assert not at.exception
    assert at.query_params["lang"] in ("fr", ["fr"])
    assert "Collecter" in [t.value for t in at.title]
    at.switch_page(IMPORT_PAGE).run()
    assert "Importer" in [t.value for t in at.title]
    assert english_in(visible_text(at)) == []


def test_english_is_the_default_and_the_words_list_catches_it(db: Path) -> None:
    # The same check on an English run finds the English words: the list is not empty by mistake.
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(IMPORT_PAGE).run()
    found = english_in(visible_text(at))
    assert "Import into" in found and "Account name" in found and len(found) >= 5
