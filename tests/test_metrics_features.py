"""The audience analysis step (analytics.analysis; its kept figures read by analytics.metrics.kept): weighted TF-IDF equals the expanded
corpus, the SQL quality rules equal the pandas reference, a refresh analyses only what changed,
and the kept figures equal the figures counted from the kept features."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from analytics import analysis
from analytics.metrics import audience, quality, textfit
from analytics.metrics import kept as kept_reads
from analytics.store import Store
from tests.conftest import import_bytes

D = dt.date
BIOS = [
    "Data journalist, charts and open data", "Runner and coffee lover", "Open data advocate, city budgets",
    "Journaliste de données et cartes", "Gardening and sourdough", "Football fan, season ticket",
    "Mapping air quality data", "Photographer of streets", "Board games and sci-fi", "Data reporter on rents",
]


def test_weighted_space_equals_the_corpus_with_every_duplicate() -> None:
    texts = np.array([textfit.clean_text(t) for t in BIOS[:4]], dtype=object)
    counts = np.array([3.0, 1.0, 2.0, 1.0])
    space, matrix = textfit.fit_space(texts, counts, (1, 1))
    expanded = [t for t, c in zip(texts, counts, strict=True) for _ in range(int(c))]
    reference = TfidfVectorizer(preprocessor=lambda t: t, token_pattern=textfit.TOKEN_PATTERN,
                                stop_words=sorted(textfit.STOP_WORDS), sublinear_tf=True, dtype=np.float32)
    expected = reference.fit_transform(expanded)
    assert list(space.terms) == list(reference.get_feature_names_out())
    assert space.idf == pytest.approx(reference.idf_, rel=1e-6)
    rows = [0, 3, 4, 6]  # the first copy of each distinct text in `expanded`
    assert matrix.toarray() == pytest.approx(expected.toarray()[rows], abs=1e-6)
    # A text projected later gets the vector it would have had in the fitted corpus.
    assert space.transform(texts).toarray() == pytest.approx(matrix.toarray(), abs=1e-6)


def _list(store: Store, day: dt.date, rows: list[tuple[str, str, str]]) -> None:
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    header = "handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar"
    lines = [header + ",snapshot_date"]
    for number, (handle, bio, place) in enumerate(rows):
        # Counts and dates vary so that every quality rule flags someone.
        following = (800, 3000, 100)[number % 3]
        posts = 0 if number % 4 == 0 else 600
        avatar = "true" if number % 5 == 0 else "false"
        last = "2025-01-01" if number % 2 else "2026-01-20"
        created = "2026-01-15" if number % 7 == 0 else "2015-01-01"
        lines.append(f"{handle},Name {handle},{cell(bio)},{cell(place)},{number % 3},{following},{posts},{created},{last},"
                     f"{avatar},{day.isoformat()}")
    outcome = import_bytes(store, {f"followers_{day.isoformat()}.csv": ("\n".join(lines) + "\n").encode()})
    assert outcome[0].status == "imported", outcome[0].error


def _account(store: Store) -> int:
    return int(store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchall()[0][0])


def _people(count: int) -> list[tuple[str, str, str]]:
    places = ["Paris", "London", "", "Montréal, QC", "Berlin"]
    return [(f"user{chr(97 + i % 26)}{chr(97 + i // 26)}", BIOS[i % len(BIOS)] if i % 6 else "", places[i % 5])
            for i in range(count)]


def test_a_refresh_analyses_only_new_and_changed_profiles(store: Store) -> None:
    first = _people(40)
    _list(store, D(2026, 2, 1), first)
    account = _account(store)
    full = analysis.refresh_features(store, account)
    assert not full.skipped and full.refitted and full.analysed == 40
    assert analysis.refresh_features(store, account).skipped  # nothing changed: one query
    # The next day: one follower changes their bio, one joins, one leaves.
    second = first[1:]
    second[0] = (second[0][0], "Football fan, season ticket", second[0][2])
    second.append(("newcomer", "Data journalist, charts and open data", "Lyon"))
    _list(store, D(2026, 2, 2), second)
    cursor = store.cursor()
    assert not kept_reads.is_current(cursor, account)
    step = analysis.refresh_features(store, account)
    assert not step.skipped and not step.refitted and step.analysed == 2
    stale = cursor.execute(analysis.STALE_PROFILES_SQL, {"account_id": account}).df()
    assert stale.empty and kept_reads.is_current(cursor, account)
    # The newcomer's bio is the text of other followers: the kept model gives it their features.
    rows = cursor.execute(
        "SELECT p.bio, f.language, f.fit, f.topic FROM profile_features f JOIN profiles p USING (account_id, member_id) "
        "WHERE f.account_id = ? AND p.bio = 'Data journalist, charts and open data'", [account]).df()
    assert len(rows) >= 2 and rows["topic"].nunique() == 1 and rows["language"].nunique() == 1


def test_kept_figures_equal_the_features_and_the_reference_rules(store: Store) -> None:
    _list(store, D(2026, 2, 1), _people(30))
    _list(store, D(2026, 2, 2), _people(36)[3:])
    cursor, account = store.cursor(), _account(store)
    analysis.refresh_features(store, account)
    state = kept_reads.current_state(cursor, account)
    assert state is not None
    day = D(2026, 2, 2)
    kept = kept_reads.kept_cube(cursor, account, state, day)
    counted = kept_reads.snapshot_cube(cursor, account, day)
    key = ["dimension", "value"]
    assert kept.sort_values(key).reset_index(drop=True)[["members"]].equals(
        counted.sort_values(key).reset_index(drop=True)[["members"]].astype("int64"))
    # Coherence from the kept counts equals textfit's formula over the kept fits of the list's members.
    fits = cursor.execute(
        "SELECT f.fit FROM profile_features f WHERE f.account_id = ? AND f.member_id IN "
        "(SELECT member_id FROM spells WHERE account_id = ? AND last_seen IS NULL)", [account, account]).df()["fit"]
    coherence = audience.audience_coherence(cursor, account)
    assert coherence.coherence == pytest.approx(textfit.coherence_of(fits.to_numpy(dtype="float64")), rel=1e-5)
    assert int(coherence.histogram["followers"].sum()) == coherence.with_text
    # The rules in SQL flag exactly whom the pandas reference flags.
    profiles = cursor.execute(
        "SELECT p.* FROM profiles p WHERE p.account_id = ? AND p.member_key IN "
        "(SELECT member_key FROM member_spells WHERE account_id = ? AND last_seen IS NULL)", [account, account]).df()
    reference = quality.audit_frame(profiles, day).summary
    audit = quality.quality_audit(cursor, account)
    assert audit.summary.counts == reference.counts and all(reference.counts.values())
    assert audit.summary.audited == reference.audited and audit.summary.suspicious_total == reference.suspicious_total
    assert audit.summary.quality_score == pytest.approx(reference.quality_score)
    assert audit.flagged_total == len(quality.audit_frame(profiles, day).flagged)
    csv = quality.flagged_csv_all(cursor, account).decode("utf-8-sig")
    assert len(csv.strip().splitlines()) == audit.flagged_total + 1


def test_an_import_since_the_analysis_makes_the_figures_wait_for_it(store: Store) -> None:
    # The readers only read (issue 13): after an import they say the analysis has not run, and
    # leave the store as it was; the caller runs the analysis step, then the figures are there.
    _list(store, D(2026, 2, 1), _people(20))
    cursor, account = store.cursor(), _account(store)
    waiting = audience.location_mix(cursor, account)
    assert waiting.reason == audience.NOT_ANALYSED and waiting.followers == 0
    assert not kept_reads.is_current(cursor, account)  # the read wrote nothing
    analysis.refresh_features(store, account)
    assert audience.location_mix(cursor, account).followers == 20
    _list(store, D(2026, 2, 2), _people(25))
    assert audience.location_mix(cursor, account).reason == audience.NOT_ANALYSED
    analysis.refresh_features(store, account)
    places = audience.location_mix(cursor, account)
    assert places.snapshot_date == D(2026, 2, 2) and places.followers == 25
    assert kept_reads.is_current(cursor, account)
    pd.testing.assert_frame_equal(places.table, audience.location_mix(cursor, account).table)


def _lists_with_returners(store: Store) -> dict[dt.date, list[tuple[str, str, str]]]:
    """Four lists of 40 people: followers leave (3 and 4 for good) and come back (0 to 2, a
    second spell each)."""
    people = _people(40)
    lists = {D(2026, 2, 1): people[0:30], D(2026, 2, 2): people[5:35], D(2026, 2, 3): people[0:3] + people[10:38],
             D(2026, 2, 4): people[10:40]}
    for day, rows in lists.items():
        _list(store, day, rows)
    return lists


def test_every_lists_topic_sizes_are_kept_and_equal_the_counted_ones(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = _lists_with_returners(store)
    cursor, account = store.cursor(), _account(store)
    analysis.refresh_features(store, account)
    state = kept_reads.current_state(cursor, account)
    assert state is not None and state.topics_reason is None
    topic_of = dict(cursor.execute(
        "SELECT p.handle, f.topic FROM profile_features f JOIN profiles p USING (account_id, member_id) "
        "WHERE f.account_id = ?", [account]).fetchall())
    assert len(set(topic_of.values())) > 1
    kept = kept_reads.kept_list_topics(cursor, account, state, list(lists))
    assert kept is not None
    for day, rows in lists.items():
        # The sizes worked out from who is in the list, and those counted from the features by one list's cube.
        expected = pd.Series([topic_of[handle] for handle, _, _ in rows]).value_counts().sort_index()
        assert kept[day].sort_index().to_dict() == expected.to_dict()
        cube = kept_reads.snapshot_cube(cursor, account, day)
        counted = cube[cube["dimension"] == "topic"]
        assert dict(zip(counted["value"].astype(int), counted["members"].astype(int), strict=True)) == expected.to_dict()
    # Two lists in the middle: their sizes come from the kept rows, without counting either list again.
    def no_counting(*_args: object, **_kwargs: object) -> pd.DataFrame:
        raise AssertionError("a list was counted again")

    with monkeypatch.context() as patch:
        patch.setattr(kept_reads, "snapshot_cube", no_counting)
        change = audience.cluster_change(cursor, account, D(2026, 2, 2), D(2026, 2, 3))
    assert change.ok
    sizes = change.table.set_index("cluster")
    assert sizes["size_start"].sum() == 30 and sizes["size_end"].sum() == 31
    assert sizes["size_end"].to_dict() == {c: int(kept[D(2026, 2, 3)].get(c, 0)) for c in sizes.index}
    # A snapshot cube holds only its own date's figures, never the rows kept for every list: a list
    # in the middle has no kept cube (its figures are counted when asked), the latest one has its own.
    assert kept_reads.kept_cube(cursor, account, state, D(2026, 2, 2)).empty
    kept_dimensions = set(kept_reads.kept_cube(cursor, account, state, D(2026, 2, 4))["dimension"])
    assert kept_dimensions.isdisjoint(kept_reads.APART_DIMENSIONS) and not any(d.startswith(kept_reads.LIST_PREFIX) for d in kept_dimensions)
    # An analysis kept before these rows existed: the lists are counted, with the same result.
    with monkeypatch.context() as patch:
        patch.setattr(kept_reads, "kept_list_topics", lambda *_args: None)
        pd.testing.assert_frame_equal(audience.cluster_change(cursor, account, D(2026, 2, 2), D(2026, 2, 3)).table, change.table)


def test_every_lists_figures_are_kept_and_equal_the_counted_ones(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    lists = _lists_with_returners(store)
    cursor, account = store.cursor(), _account(store)
    # A pool smaller than the spells (43 of them: three members came back) and lists of best fits of 5:
    # some lists hold enough of the pool, the others are counted.
    monkeypatch.setattr(kept_reads, "PEOPLE_SHOWN", 5)
    monkeypatch.setattr(analysis, "POOL", 12)
    analysis.refresh_features(store, account)
    state = kept_reads.current_state(cursor, account)
    assert state is not None
    key = ["dimension", "value"]
    served = 0
    for day in lists:
        kept = kept_reads.kept_list_cube(cursor, account, state, day)
        assert kept is not None
        counted = kept_reads.snapshot_cube(cursor, account, day)
        counted = counted[counted["dimension"].isin(kept["dimension"])].sort_values(key).reset_index(drop=True)
        kept = kept.sort_values(key).reset_index(drop=True)
        assert kept[key].astype(str).equals(counted[key].astype(str))
        for column in ("members", "with_text", "on_topic"):
            assert kept[column].fillna(0).astype("int64").tolist() == counted[column].fillna(0).astype("int64").tolist(), column
        assert kept["score_sum"].fillna(0).to_numpy() == pytest.approx(counted["score_sum"].fillna(0).to_numpy(), rel=1e-9)
        best = kept_reads.kept_best_fits(cursor, account, state, day)
        if best is not None:
            served += 1
            pd.testing.assert_frame_equal(best, kept_reads.people_list(cursor, account, day, "fit", limit=5))
    assert served >= 2
    # Stayers, leavers and joiners of every pair of lists, the three who came back included.
    dates = list(lists)
    for i, start in enumerate(dates):
        for end in dates[i + 1:]:
            kept = kept_reads.kept_pair_cube(cursor, account, state, start, end)
            assert kept is not None
            counted = kept_reads.pair_cube(cursor, account, start, end).set_index("value").reindex(["stayed", "left", "joined"])
            kept = kept.set_index("value")
            for column in ("members", "with_text", "on_topic"):
                assert kept[column].astype("int64").tolist() == counted[column].fillna(0).astype("int64").tolist(), (start, end, column)
            assert kept["score_sum"].to_numpy() == pytest.approx(counted["score_sum"].fillna(0).to_numpy(), rel=1e-9)
            members = {handle for handle, _, _ in lists[start]} & {handle for handle, _, _ in lists[end]}
            assert kept.loc["stayed", "members"] == len(members)

    # A list in the middle and the first one: every figure of the page without counting a list.
    middle = D(2026, 2, 3)

    def counting(*_args: object, **_kwargs: object) -> pd.DataFrame:
        raise AssertionError("a list was counted again")

    def read() -> tuple[object, ...]:
        return (audience.audience_coherence(cursor, account, middle), audience.topic_clusters(cursor, account, middle),
                audience.language_mix(cursor, account, middle), audience.location_mix(cursor, account, middle),
                audience.group_coherence(cursor, account, D(2026, 2, 1), middle))

    with monkeypatch.context() as patch:
        for name in ("snapshot_cube", "pair_cube"):
            patch.setattr(kept_reads, name, counting)
        assert kept_reads.kept_best_fits(cursor, account, state, middle) is not None
        patch.setattr(kept_reads, "people_list", counting)
        kept_figures = read()
    with monkeypatch.context() as patch:
        patch.setattr(kept_reads, "kept_list_cube", lambda *_args: None)
        patch.setattr(kept_reads, "kept_best_fits", lambda *_args: None)
        patch.setattr(kept_reads, "kept_cube", lambda *_args: pd.DataFrame())
        counted_figures = read()
    coherence, clusters, languages, places, groups = kept_figures
    assert coherence.followers == len(lists[middle]) and coherence.ok
    assert coherence.coherence == pytest.approx(counted_figures[0].coherence, rel=1e-9)
    assert (coherence.with_text, coherence.on_topic_share) == (counted_figures[0].with_text, counted_figures[0].on_topic_share)
    pd.testing.assert_frame_equal(coherence.histogram, counted_figures[0].histogram)
    # The page's list of best fits: the first 5 here (people_list's own default is the real 1,000).
    pd.testing.assert_frame_equal(coherence.members, counted_figures[0].members.head(len(coherence.members)))
    pd.testing.assert_frame_equal(clusters.table, counted_figures[1].table)
    pd.testing.assert_frame_equal(languages.table, counted_figures[2].table)
    pd.testing.assert_frame_equal(places.table, counted_figures[3].table)
    # Stayers are in both lists (the three who came back too), leavers in the first only, joiners in the middle one only.
    table = groups.table.set_index("group")
    assert table["members"].to_dict() == {"stayed": 23, "left": 7, "joined": 8}
    pd.testing.assert_frame_equal(groups.table, counted_figures[4].table, rtol=1e-9)
