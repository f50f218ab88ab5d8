"""Audience analytics: coherence orders built audiences, clusters, groups, languages, places,
charts, and the report's `audience` key."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics.analysis import refresh_all
from analytics.charts import audience as charts
from analytics.demo import CONTENT_HEADER
from analytics.metrics import audience, quality, textfit
from analytics.metrics.geo import countries_of, country_of, fold
from analytics.metrics.report import account_report
from analytics.store import Store, open_store
from tests.conftest import import_bytes

D = dt.date

POSTS = pd.Series([
    "New chart: rents since 2010, open data from the city #dataviz",
    "How we checked 40 figures on school budgets with open data",
    "Nouveau graphique : les loyers depuis 2010, données ouvertes #opendata",
    "Map of air quality per capita: the data and the code are online",
    "Journalisme de données : on a vérifié les budgets municipaux",
])
ON_TOPIC = [
    "Data journalist. Charts, maps and open data.",
    "Journaliste de données, cartes et budgets publics.",
    "Dataviz designer: charts about rents and budgets.",
    "Open data advocate, city budgets, air quality.",
    "Mapping air quality data for the city.",
    "Data reporter: school budgets and rents.",
]
SCATTERED = [
    "Runner. Coffee. Dad of two.",
    "Gardening, sourdough and too many houseplants.",
    "Football, musique et voyages.",
    "Photographer, mostly street and seaside.",
    "Data journalist. Charts, maps and open data.",
    "Board games, sci-fi, bad puns.",
]


def _fits(bios: list[str]) -> np.ndarray:
    return textfit.topic_space(POSTS, pd.Series(bios)).fits


def test_on_topic_audience_is_more_coherent_than_a_scattered_one() -> None:
    on, scattered = _fits(ON_TOPIC), _fits(SCATTERED)
    assert textfit.coherence_of(on) > 0.8 > 0.3 > textfit.coherence_of(scattered)  # type: ignore[operator]
    assert textfit.on_topic_share(on) == 1.0
    assert textfit.on_topic_share(scattered) == pytest.approx(1 / 6)
    assert 0.0 <= textfit.coherence_of(scattered) <= 1.0  # type: ignore[operator]


def test_fits_are_cosines_and_textless_followers_are_left_out() -> None:
    fits = _fits(["Data journalist, open data", "", "the and of", "Gardening"])
    assert 0 < fits[0] <= 1 and np.isnan(fits[1]) and np.isnan(fits[2]) and fits[3] == 0
    assert textfit.coherence_of(np.array([np.nan])) is None


def test_without_posts_the_followers_own_topics_stand_in() -> None:
    space = textfit.topic_space(pd.Series([], dtype="object"), pd.Series(ON_TOPIC))
    assert space.ok and space.basis == "followers" and "data" in space.terms["term"].tolist()
    nothing = textfit.topic_space(pd.Series([], dtype="object"), pd.Series(["", None]))
    assert not nothing.ok and nothing.reason


def test_account_topics_and_hashtags() -> None:
    space = textfit.topic_space(POSTS, pd.Series(ON_TOPIC))
    terms = space.terms["term"].tolist()
    assert "data" in terms[:5] and "the" not in terms and "les" not in terms
    tags = textfit.hashtags_of(POSTS)
    assert tags["hashtag"].tolist() == ["#dataviz", "#opendata"] or set(tags["hashtag"]) == {"#dataviz", "#opendata"}


def test_clusters_separate_two_topics_deterministically() -> None:
    bios = pd.Series(["data journalist open data charts"] * 8 + ["football fan season ticket"] * 8 + [""] * 2)
    first = textfit.cluster_texts(bios, k=2)
    second = textfit.cluster_texts(bios, k=2)
    assert first.ok and (first.labels == second.labels).all()
    assert len(set(first.labels[:8])) == 1 and len(set(first.labels[8:16])) == 1 and first.labels[0] != first.labels[8]
    assert (first.labels[16:] == textfit.NO_TOPIC).all()
    assert first.clusters["size"].tolist() == [8, 8, 2]
    assert not textfit.cluster_texts(pd.Series(["a bio"] * 3)).ok


@pytest.mark.parametrize(("bio", "language"), [
    ("Data journalist at the Ledger. Charts, maps and public records requests.", "en"),
    ("Journaliste de données. Cartes, graphiques et données publiques.", "fr"),
    ("Periodista de datos en Madrid. Mapas, gráficos y transparencia.", "es"),
    ("Datenjournalistin bei einer Zeitung. Karten, Grafiken und offene Daten.", "de"),
    ("Dad. Runner.", "unknown"),  # unrestricted lingua says Norwegian; too short here
    ("Fan of Bern", "unknown"),  # unrestricted lingua says German
    ("Data nerd", "unknown"),
    ("", "unknown"),
    (None, "unknown"),
    ("東京のデータジャーナリスト", "unknown"),  # outside the languages Palier detects
])
def test_language_of_bios(bio: str | None, language: str) -> None:
    assert audience.detect_languages(pd.Series([bio], dtype="object")).tolist() == [language]


def test_short_english_bios_are_never_german() -> None:
    bios = pd.Series(["Husband, father", "Coffee lover", "Views my own", "Teacher and runner", "Tech guy", "Writer"])
    assert "de" not in set(audience.detect_languages(bios))


@pytest.mark.parametrize(("location", "country"), [
    ("Montréal, QC", "CA"), ("montreal", "CA"), ("paris", "FR"), ("PARIS, FRANCE", "FR"), ("München", "DE"),
    ("Munich, Germany", "DE"), ("muenchen", "DE"), ("London", "GB"), ("New York, NY", "US"), ("Berlin, DE", "DE"),
    ("Cambridge, MA", "US"), ("Paris, Texas", "US"), ("London, Ontario", "CA"), ("Atlanta, Georgia", "US"),
    ("Georgia", "GE"), ("Bruxelles", "BE"), ("Genève", "CH"), ("España", "ES"), ("Allemagne", "DE"),
    ("Estados Unidos", "US"), ("Vereinigtes Königreich", "GB"), ("🇫🇷 Bretagne", "FR"), ("Barcelonna", "ES"),
    ("Somewhere over the rainbow", None), ("nice vibes only", None), ("", None), (None, None), ("CA", None),
])
def test_location_to_country(location: str | None, country: str | None) -> None:
    assert country_of(location) == country


def test_location_column_is_mapped_once_per_value() -> None:
    series = pd.Series(["Lyon", "lyon", None, "Toronto", "Lyon"])
    assert countries_of(series).fillna("-").tolist() == ["FR", "FR", "-", "CA", "FR"]
    assert fold("Île-de-France") == "ile de france" and fold("U.S.A.") == "usa"


# --- Against a store ------------------------------------------------------------------------


def _list(store: Store, day: dt.date, rows: list[tuple[str, str, str]]) -> None:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    body = "handle,bio,location,snapshot_date\n" + "".join(
        f"{h},{cell(b)},{cell(loc)},{day.isoformat()}\n" for h, b, loc in rows
    )
    assert import_bytes(store, {f"followers_{day.isoformat()}.csv": body.encode()})[0].status == "imported"
    refresh_all(store)  # the readers read what the analysis kept: run it after each import, as the pages do


def _posts(store: Store) -> None:
    """POSTS as an X Premium content export, the way a user uploads them."""
    lines = [CONTENT_HEADER]
    for number, text in enumerate(POSTS):
        post_id = str(1_900_000_000_000_000_000 + number)
        lines.append(f'{post_id},"Mon, Jan {5 + number}, 2026","{text}",https://x.com/me/status/{post_id}' + ",1" * 13)
    outcome = import_bytes(store, {"account_analytics_content_2026-01-01_2026-01-31.csv": "\n".join(lines).encode()})
    assert outcome[0].status == "imported", outcome[0].error
    refresh_all(store)


def _account(store: Store) -> int:
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    return int(row[0])


def test_groups_and_cluster_change_between_snapshots(store: Store) -> None:
    first = [(f"on{i}", ON_TOPIC[i], "Paris") for i in range(4)] + [(f"off{i}", SCATTERED[i], "London") for i in range(4)]
    # The off-topic followers leave, on-topic ones join.
    second = first[:4] + [(f"new{i}", ON_TOPIC[i], "Lyon") for i in range(4, 6)]
    _list(store, D(2026, 1, 1), first)
    _list(store, D(2026, 2, 1), second)
    cursor, account = store.cursor(), _account(store)
    # No posts: the followers' own topics stand in, and the result says so.
    coherence = audience.audience_coherence(cursor, account)
    assert coherence.ok and coherence.basis == "followers" and coherence.notes
    assert coherence.snapshot_date == D(2026, 2, 1) and coherence.followers == 6
    _posts(store)
    assert audience.audience_coherence(cursor, account).basis == "posts"
    groups = audience.group_coherence(cursor, account)
    table = groups.table.set_index("group")
    assert table["members"].to_dict() == {"stayed": 4, "left": 4, "joined": 2}
    assert groups.coherence("stayed") > groups.coherence("left")  # type: ignore[operator]
    assert not audience.group_coherence(cursor, account, D(2026, 1, 1), D(2026, 1, 5)).ok
    # The topics are the account's model (features.TOPICS of them, fewer on few bios), counted at both dates.
    change = audience.cluster_change(cursor, account)
    assert change.ok and change.table["size_start"].sum() == 8 and change.table["size_end"].sum() == 6
    assert (change.table["change"] == change.table["size_end"] - change.table["size_start"]).all()
    places = audience.location_mix(cursor, account)
    assert places.table.set_index("country")["followers"].to_dict() == {"FR": 6}
    early = audience.location_mix(cursor, account, D(2026, 1, 1)).table.set_index("country")["followers"].to_dict()
    assert early == {"FR": 4, "GB": 4}
    assert not audience.language_mix(cursor, account, D(2025, 1, 1)).ok


def test_an_account_without_lists_gets_reasons(store: Store) -> None:
    import_bytes(store, {"follower_counts.csv": b"date,followers\n2026-01-01,10\n"})
    cursor, account = store.cursor(), _account(store)
    for result in (audience.audience_coherence(cursor, account), audience.group_coherence(cursor, account),
                   audience.topic_clusters(cursor, account), audience.cluster_change(cursor, account),
                   audience.language_mix(cursor, account), audience.location_mix(cursor, account)):
        assert not result.ok and result.reason


# --- The demo account: figures, charts and the report key ---------------------------------


@pytest.fixture(scope="module")
def audience_demo(demo_store: Store) -> Store:
    """The small demo (a copy, tests/conftest.py), its kept figures refreshed."""
    refresh_all(demo_store)
    return demo_store


def _demo_id(store: Store) -> int:
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'demo'").fetchone()
    assert row is not None
    return int(row[0])


def test_demo_audience_figures_and_charts(audience_demo: Store) -> None:
    cursor, account = audience_demo.cursor(), _demo_id(audience_demo)
    coherence = audience.audience_coherence(cursor, account)
    assert coherence.ok and coherence.basis == "posts" and 0 < coherence.coherence < 1  # type: ignore[operator]
    assert {"data", "donnees"} & set(coherence.terms["term"])
    languages = audience.language_mix(cursor, account)
    assert languages.ok and {"en", "fr"} <= set(languages.table["language"])
    assert sum(languages.follower_shares().values()) == pytest.approx(1.0)
    figures = [
        charts.coherence_histogram(coherence),
        charts.clusters_figure(audience.topic_clusters(cursor, account)),
        charts.cluster_change_figure(audience.cluster_change(cursor, account)),
        charts.groups_figure(audience.group_coherence(cursor, account)),
        charts.languages_figure(languages),
        charts.countries_figure(audience.location_mix(cursor, account)),
        charts.quality_rules_figure(quality.quality_audit(cursor, account)),
        charts.quality_trend_figure(quality.quality_trend(cursor, account)),
    ]
    for figure in figures:
        assert isinstance(figure, go.Figure) and figure.data  # something drawn, not the empty message


def test_report_audience_key_shape(audience_demo: Store) -> None:
    report = account_report(audience_demo.cursor(), _demo_id(audience_demo), "demo")
    section = json.loads(json.dumps(report))["audience"]
    assert set(section) == {"coherence", "stayers_coherence", "leavers_coherence", "languages", "quality", "known_in_person"}
    for key in ("coherence", "stayers_coherence", "leavers_coherence"):
        assert section[key] is None or 0 <= section[key] <= 1
    assert section["coherence"] is not None
    assert all(0 <= v <= 1 for v in section["languages"].values()) and "en" in section["languages"]
    q = section["quality"]
    assert set(q) == {"rules_version", "audited", "egg", "spam", "mass_follower", "inactive", "new_account",
                      "suspicious_total", "quality_score"}
    assert q["rules_version"] == "v1" and q["audited"] > 0 and 0 <= q["quality_score"] <= 1
    assert q["suspicious_total"] <= q["egg"] + q["spam"] + q["mass_follower"]
    assert section["known_in_person"] is None or 0 <= section["known_in_person"] <= 1


def test_charts_say_why_when_there_is_nothing_to_draw(tmp_path: Path) -> None:
    store = open_store(tmp_path / "empty.duckdb")
    try:
        import_bytes(store, {"follower_counts.csv": b"date,followers\n2026-01-01,10\n"})
        cursor, account = store.cursor(), _account(store)
        figure = charts.coherence_histogram(audience.audience_coherence(cursor, account))
        assert not figure.data and figure.layout.annotations
        assert not charts.quality_rules_figure(quality.quality_audit(cursor, account)).data
    finally:
        store.close()
