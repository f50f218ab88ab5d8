"""French and English (issue #20): the catalog matches the code, formats follow the language,
errors and the command line speak it, and French spreadsheets import.

The catalog check extracts with Babel from analytics/, pages/ and app.py, as `make i18n` does,
then compares: a msgid without a French translation fails, and so does a translation the code
no longer uses (as tests/test_docs.py does for the settings).
"""

from __future__ import annotations

import ast
import codecs
import contextvars
import datetime as dt
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from analytics.errors import BadExportError
from analytics.i18n import (
    _,
    current_language,
    format_change,
    format_date,
    format_number,
    format_percent,
    month_names,
    ngettext,
    normalize_language,
    plotly_locale,
    set_language,
    use_language,
    week_start,
    weekday_names,
)
from analytics.i18n.tools import extract, read_catalog
from analytics.store import Store
from tests.conftest import import_bytes

ROOT = Path(__file__).resolve().parent.parent
NNBSP = "\u202f"
NBSP = "\xa0"


# --- the catalog against the code ------------------------------------------------------------


def _ids(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _forms(text: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's id or string as its forms (one, or singular and plurals): Babel types them as a
    string, a tuple or a list."""
    assert text is not None
    return (text,) if isinstance(text, str) else tuple(text)


def test_every_msgid_in_the_code_has_a_french_translation_and_none_is_left_over() -> None:
    code = {_ids(m.id): m for m in extract() if m.id}
    catalog = {_ids(m.id): m for m in read_catalog("fr") if m.id}
    assert len(code) > 100  # the extraction found the code's strings
    untranslated = sorted(
        key for key, m in catalog.items()
        if key in code and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    )
    assert sorted(set(code) - set(catalog)) == [], "msgids missing from the catalog: run `make i18n` and translate"
    assert untranslated == [], "msgids without a French translation"
    assert sorted(set(catalog) - set(code)) == [], "translations the code no longer uses: run `make i18n`"


def test_no_msgid_hides_inside_an_f_string() -> None:
    # Babel's extractor does not look inside f-string expressions: `f"{_('Left')}"` would be
    # shown untranslated without the catalog test noticing.
    hidden = []
    for path in sorted((ROOT / "analytics").rglob("*.py")) + sorted((ROOT / "pages").rglob("*.py")) + [ROOT / "app.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in ("_", "ngettext", "N_"):
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert hidden == []


def test_placeholders_are_kept_in_every_translation() -> None:
    for message in read_catalog("fr"):
        if not message.id:
            continue
        ids = _forms(message.id)
        strings = _forms(message.string)
        wanted = set(re.findall(r"\{(\w*)\}", ids[-1]))
        for string in strings:
            assert set(re.findall(r"\{(\w*)\}", string)) <= wanted | set(re.findall(r"\{(\w*)\}", ids[0])), message.id
            assert set(re.findall(r"\{(\w*)\}", ids[0])) - {"count"} <= set(re.findall(r"\{(\w*)\}", string)), message.id


def test_the_catalog_uses_the_glossary_terms() -> None:
    french = " ".join(" ".join(_forms(m.string)) for m in read_catalog("fr") if m.id)
    assert "abonnés" in french and "désabonnements" in french and "palier" in french.lower()
    # One term per idea: the glossary's, never its synonyms. Quoted names ('New followers', a
    # platform's sheet), placeholders and file or API names (followers_1.json, getFollowers) are not prose.
    prose = re.sub(r"\{[^}]*\}|'[^']*'|\S*[._/]\S*|\b\w*[a-z][A-Z]\w*\b", " ", french)
    words = {word.lower() for word in re.findall(r"\w+", prose)}
    assert words & {"follower", "followers", "suiveurs", "posts", "unfollows", "churn"} == set()


# --- the language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [("fr", "fr"), ("FR", "fr"), ("fr_FR", "fr"), ("fr-CA", "fr"), ("fr_FR.UTF-8", "fr"), ("en_US", "en"), ("de", None), ("", None)],
)
def test_language_codes(code: str, expected: str | None) -> None:
    assert normalize_language(code) == expected


def test_default_from_palier_lang_and_one_language_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # In an empty context, as a fresh session or command starts: an earlier test in the same
    # worker (a CLI run, a page run) may have set this thread's language.
    contextvars.Context().run(_default_and_per_thread, monkeypatch)


def _default_and_per_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALIER_LANG", "fr_FR.UTF-8")
    assert current_language() == "fr"
    monkeypatch.setenv("PALIER_LANG", "xx")
    assert current_language() == "en"
    seen: dict[str, str] = {}

    def session(name: str, language: str) -> None:
        set_language(language)
        barrier.wait()  # both threads have set theirs before either reads
        seen[name] = _("a whole number")

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=session, args=(n, lang)) for n, lang in (("a", "fr"), ("b", "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"a": "un nombre entier", "b": "a whole number"}
    assert current_language() == "en"  # this thread's language was never set


def test_use_language_restores_the_previous_one() -> None:
    with use_language("fr"):
        assert _("a whole number") == "un nombre entier"
        with use_language("en"):
            assert _("a whole number") == "a whole number"
        assert current_language() == "fr"


def test_french_plural_rule_counts_zero_and_one_as_singular() -> None:
    with use_language("fr"):
        assert [ngettext("{count} day", "{count} days", n).format(count=n) for n in (0, 1, 2)] == ["0 jour", "1 jour", "2 jours"]
    with use_language("en"):
        assert [ngettext("{count} day", "{count} days", n).format(count=n) for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]


# --- formats ---------------------------------------------------------------------------------


def test_numbers_percents_and_changes() -> None:
    with use_language("fr"):
        assert format_number(2553) == f"2{NNBSP}553"
        assert format_number(1234567.891, 2) == f"1{NNBSP}234{NNBSP}567,89"
        assert format_percent(0.125) == f"12,5{NBSP}%"
        assert format_percent(0.5) == f"50{NBSP}%"
        assert format_change(1234) == f"+1{NNBSP}234"
        assert format_change(-15) == "\u221215"
        assert format_change(0) == "0"
    with use_language("en"):
        assert format_number(2553) == "2,553"
        assert format_percent(0.125) == "12.5%"
        assert format_change(1234) == "+1,234"
        assert format_change(-15) == "\u221215"
        assert format_number(None) == "—"


@pytest.mark.parametrize("language", ["en", "fr"])
def test_whole_numbers_are_written_as_babel_writes_them(language: str) -> None:
    """format_number writes whole numbers without Babel (a table of 500 people calls it thousands
    of times): its text must stay Babel's, digit groups and marks included, for ints, whole
    floats and numpy ints, negative or not, in both languages."""
    import numpy as np
    from babel import numbers as babel_numbers

    from analytics.i18n.formats import MINUS, babel_locale

    whole = [0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 2_097_152_003, 10**15 + 7]
    whole += [-v for v in whole if v]
    # Typed as what a page hands over: ints, floats and numpy's ints (a frame's cells).
    values: list[Any] = [*whole, *(float(v) for v in whole), *(np.int64(v) for v in whole)]
    with use_language(language):
        for value in values:
            expected = babel_numbers.format_decimal(value, format="#,##0", locale=babel_locale()).replace("-", MINUS)
            assert format_number(value) == expected, (language, value)
        # Not whole, or not exact as a float: still Babel's, rounded its way.
        assert format_number(2.5) == babel_numbers.format_decimal(2.5, format="#,##0", locale=babel_locale())
        assert format_number(2.0**60) == babel_numbers.format_decimal(2.0**60, format="#,##0", locale=babel_locale())


def test_dates_months_and_week_start() -> None:
    day = dt.date(2027, 2, 27)
    with use_language("fr"):
        assert format_date(day) == "27 févr. 2027"
        assert format_date(day, "long") == "27 février 2027"
        assert month_names()[:3] == ["janvier", "février", "mars"]
        assert weekday_names()[0] == "lundi"
        assert week_start() == 0  # Monday
    with use_language("en"):
        assert format_date(day) == "27 Feb 2027"
        assert format_date(dt.datetime(2027, 2, 27, 9, 30), "long") == "27 February 2027"
        assert weekday_names()[0] == "Monday"
        assert week_start() == 0


def test_plotly_locale_matches_the_number_and_date_formats() -> None:
    with use_language("fr"):
        locale = plotly_locale()
        assert locale.separators == "," + NNBSP
        fmt = locale.config["locales"]["fr"]["format"]
        assert locale.config["locale"] == "fr"
        assert fmt["shortMonths"][1] == "févr." and fmt["days"][1] == "lundi" and fmt["days"][0] == "dimanche"
        assert locale.date_format == "%-d %b %Y"
        assert "semaine du" in locale.week_hover_format
    with use_language("en"):
        assert plotly_locale().separators == ".,"
        assert plotly_locale().config["locales"]["en"]["format"]["shortMonths"][1] == "Feb"


# --- errors in the user's language -----------------------------------------------------------


def _ambiguous_counts() -> bytes:
    return "jour;abonnés\r\n01/09/2026;100\r\n02/09/2026;104\r\n".encode("cp1252")


@pytest.mark.parametrize(
    ("language", "fragments"),
    [
        ("en", ["counts.csv: line 2, field 'jour': expected a date whose order the file settles",
                "'01/09/2026', which reads as 1 September 2026 or as 9 January 2026",
                "Write the dates as year-month-day (2026-09-01) to choose"]),
        ("fr", ["counts.csv : ligne 2, champ 'jour' : attendu une date dont le fichier fixe l’ordre",
                "'01/09/2026', qui se lit 1 septembre 2026 ou 9 janvier 2026",
                "Écrivez les dates en année-mois-jour (2026-09-01) pour choisir"]),
    ],
)
def test_an_ambiguous_date_is_refused_in_the_users_language(store: Store, language: str, fragments: list[str]) -> None:
    with use_language(language):
        [outcome] = import_bytes(store, {"counts.csv": _ambiguous_counts()})
    assert outcome.status == "failed" and outcome.error
    for fragment in fragments:
        assert fragment in outcome.error, (fragment, outcome.error)
    assert len(outcome.error.split()) < 50  # short: no list of formats


def test_a_bad_number_names_file_line_and_field_in_french() -> None:
    with use_language("fr"):
        error = BadExportError("a.csv", _("line {line}, field {field}").format(line=3, field="'abonnés'"), _("a whole number"), "'12a'")
    assert str(error) == "a.csv : ligne 3, champ 'abonnés' : attendu un nombre entier, trouvé '12a'"


# --- French spreadsheets ---------------------------------------------------------------------


def _daily(store: Store, account: str = "me") -> list[tuple[dt.date, str, int]]:
    cursor = store.cursor()
    try:
        return cursor.execute(
            "SELECT day, metric, value FROM daily_latest JOIN accounts USING (account_id) WHERE name = ? ORDER BY day, metric",
            [account],
        ).fetchall()
    finally:
        cursor.close()


FRENCH_COUNTS = "Jour;Abonnés;Abonnements\r\n01/09/2026;2 553;100\r\n13/09/2026;2 560,00;101\r\n"
EXPECTED = [
    (dt.date(2026, 9, 1), "followers", 2553), (dt.date(2026, 9, 1), "following", 100),
    (dt.date(2026, 9, 13), "followers", 2560), (dt.date(2026, 9, 13), "following", 101),
]


@pytest.mark.parametrize(
    "encode",
    [lambda text: text.encode("cp1252"), lambda text: codecs.BOM_UTF8 + text.encode("utf-8")],
    ids=["windows-1252", "utf-8-bom"],
)
def test_a_french_excel_count_history_imports(store: Store, encode: object) -> None:
    # Excel in a French locale: semicolons, CRLF, dd/mm/yyyy, a no-break space in thousands, decimal commas.
    data = encode(FRENCH_COUNTS.replace("2 553", "2\xa0553"))  # type: ignore[operator]
    [outcome] = import_bytes(store, {"abonnés.csv": data})
    assert outcome.status == "imported", outcome
    assert _daily(store) == EXPECTED
    again = import_bytes(store, {"abonnés.csv": data})
    assert again[0].status == "unchanged" and _daily(store) == EXPECTED


def test_english_headers_with_a_day_above_12_settle_01_09_as_day_first(store: Store) -> None:
    data = b"date,followers\n01/09/2026,10\n13/09/2026,12\n"
    assert import_bytes(store, {"c.csv": data})[0].status == "imported"
    assert [row[0] for row in _daily(store)] == [dt.date(2026, 9, 1), dt.date(2026, 9, 13)]


def test_a_second_number_above_12_settles_month_first(store: Store) -> None:
    data = b"date,followers\n01/09/2026,10\n01/13/2026,12\n"
    assert import_bytes(store, {"c.csv": data})[0].status == "imported"
    assert [row[0] for row in _daily(store)] == [dt.date(2026, 1, 9), dt.date(2026, 1, 13)]


def test_both_orders_in_one_file_is_refused(store: Store) -> None:
    data = b"date,followers\n13/09/2026,10\n09/14/2026,12\n"
    [outcome] = import_bytes(store, {"c.csv": data})
    assert outcome.status == "failed" and outcome.error
    assert "line 3, field 'date'" in outcome.error and "day first as in '13/09/2026'" in outcome.error
    assert _daily(store) == []


def test_an_ambiguous_file_writes_nothing(store: Store) -> None:
    [outcome] = import_bytes(store, {"counts.csv": _ambiguous_counts()})
    assert outcome.status == "failed"
    assert _daily(store) == []


def test_a_french_follower_list_imports(store: Store) -> None:
    text = "Pseudo;Nom;Biographie;Abonnés;Créé le\r\n@alice;Alice Dupont;Blogueuse, café;1 234;05/03/2019\r\nbob;Bob;;12;25/12/2020\r\n"
    [outcome] = import_bytes(store, {"abonnés.csv": text.encode("cp1252")}, snapshot_date=dt.date(2026, 9, 1))
    assert outcome.status == "imported", outcome
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            "SELECT handle, name, bio, followers_count, CAST(created_at AS DATE) FROM profiles ORDER BY handle"
        ).fetchall()
    finally:
        cursor.close()
    assert rows == [
        ("alice", "Alice Dupont", "Blogueuse, café", 1234, dt.date(2019, 3, 5)),
        ("bob", "Bob", "", 12, dt.date(2020, 12, 25)),  # an empty field, as the careful reader keeps it
    ]


# --- the command line in French --------------------------------------------------------------


def _cli(*args: str, db: Path, lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PALIER_DEMO": "0", "PALIER_LANG": lang}
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args, "--db", str(db)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_the_command_line_speaks_palier_lang(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    bad = tmp_path / "compte.csv"
    bad.write_text("date;abonnés\n2026-09-01;douze\n", encoding="utf-8")
    failed = _cli("import", str(bad), "--account", "moi", db=db, lang="fr_FR.UTF-8")
    assert failed.returncode == 2
    assert failed.stderr.strip() == (
        "compte.csv : ÉCHEC : compte.csv : ligne 2, champ 'abonnés' : attendu un nombre entier, trouvé 'douze'"
    )
    good = tmp_path / "compte2.csv"
    good.write_text(FRENCH_COUNTS, encoding="utf-8")
    done = _cli("import", str(good), "--account", "moi", db=db, lang="fr")
    assert done.returncode == 0, done.stderr
    assert "2 jours" in done.stdout and "Historique" in done.stdout
    empty = _cli("accounts", db=tmp_path / "vide.duckdb", lang="fr")
    assert empty.stdout.startswith("Aucun compte pour l’instant")
    english = _cli("accounts", db=tmp_path / "vide.duckdb", lang="en")
    assert english.stdout.startswith("No account yet")


# --- Plotly in French, offline, in a real browser --------------------------------------------


def _french_chart_in_a_browser(tmp_path: Path, first: str, last: str) -> tuple[list[str], list[str], str]:
    """A French daily chart from `first` to `last` drawn by Plotly.js offline: its x ticks, its y
    ticks and the hover text at its middle."""
    import pandas as pd
    import plotly.graph_objects as go

    from analytics.charts import base_layout
    from tests.test_browser import _browser_page

    with use_language("fr"):
        days = pd.date_range(first, last)
        fig = go.Figure(go.Scatter(
            x=days, y=[2553.5 + 10 * i for i in range(len(days))],
            hovertemplate="%{x|" + plotly_locale().day_hover_format + "}: %{y:,.1f}<extra></extra>",
        ))
        base_layout(fig, "t", "y")
        page_file = tmp_path / "fr.html"
        page_file.write_text(fig.to_html(include_plotlyjs=True, config=plotly_locale().config), encoding="utf-8")
    with _browser_page() as (page, _expect):
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(page_file.as_uri())
        page.wait_for_selector(".xtick text")
        x_ticks = [str(t.text_content()) for t in page.query_selector_all(".xtick text")]
        y_ticks = [str(t.text_content()) for t in page.query_selector_all(".ytick text")]
        box = page.query_selector(".nsewdrag").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".hovertext text")
        hover = str(page.query_selector(".hovertext text").text_content())
    return x_ticks, y_ticks, hover


def test_a_french_chart_draws_french_ticks_and_hovers_offline(tmp_path: Path) -> None:
    """Plotly.js knows only English month names; the locale travels in the figure's config
    (no bundle fetched: every request but the file itself is refused)."""
    x_ticks, y_ticks, hover = _french_chart_in_a_browser(tmp_path, "2027-01-01", "2027-04-30")
    assert "7 févr." in x_ticks and "7 mars" in x_ticks
    assert f"3{NNBSP}000" in y_ticks
    assert re.fullmatch(rf"(lun|mar|mer|jeu|ven|sam|dim)\. \d{{1,2}} (mars|avr\.|févr\.) 2027: \d{NNBSP}\d{{3}},5", hover), hover


def test_a_french_week_is_ticked_by_day_without_hours(tmp_path: Path) -> None:
    """A week of days is ticked a day apart: each tick a day ("26 oct."), never "26 oct. 00:00"
    (Plotly's hours stop used to reach a whole day, and it takes the first stop that fits)."""
    x_ticks, _y, _hover = _french_chart_in_a_browser(tmp_path, "2026-10-25", "2026-10-31")
    assert "26 oct." in x_ticks and "30 oct." in x_ticks, x_ticks
    assert not [tick for tick in x_ticks if ":" in tick], x_ticks


def test_a_downloaded_csv_has_french_headers_that_import_again(store: Store) -> None:
    import pandas as pd

    from analytics.metrics import quality
    from tests.test_metrics_quality import SNAP, profile

    rows = [profile(member_key="x1", handle="oeuf", name="Œuf", bio="", default_avatar=True)]
    audit = quality.audit_frame(pd.DataFrame(rows), SNAP)
    with use_language("fr"):
        data = quality.flagged_csv(audit)
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith('"version_des_règles","clé","identifiant","nom","biographie","abonnés","abonnements"')
    with use_language("en"):
        assert quality.flagged_csv(audit).decode("utf-8-sig").startswith('"rules_version","member_key","handle"')
    [outcome] = import_bytes(store, {"signalés.csv": data}, snapshot_date=SNAP)
    assert outcome.status == "imported", outcome


def test_every_fragment_goes_through_the_language_aware_decorator() -> None:
    # A fragment's own rerun skips app.py, where the run's language is set: `st.fragment` used
    # directly would speak English in a French session after its first widget change
    # (tests/test_fragments_browser.py shows it in a browser). Only analytics/ui/lang.py calls it.
    sources = [*ROOT.joinpath("analytics").rglob("*.py"), *ROOT.joinpath("pages").glob("*.py"), ROOT / "app.py"]
    direct = [
        str(path.relative_to(ROOT)) for path in sources
        if path != ROOT / "analytics" / "ui" / "lang.py" and re.search(r"\bst\.fragment\b", path.read_text(encoding="utf-8"))
    ]
    assert direct == []
