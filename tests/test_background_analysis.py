"""The audience analysis an import starts in the background (analytics.analysis.analyse_in_background):
an import made in the dashboard starts it, a page joins the run in progress instead of starting a
second, its progress is worded in the page's language, what it raises reaches whoever follows it,
and closing the store stops it at its next step."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from analytics import analysis
from analytics.i18n import _, format_number, use_language
from analytics.ingest.service import ImportOptions
from analytics.metrics import kept
from analytics.store import Store, open_store
from analytics.uploads import ImportJob
from tests.conftest import import_bytes
from tests.test_uploads import Upload, follower_list


def _account_id(store: Store, name: str = "me") -> int:
    cursor = store.cursor()
    try:
        return int(cursor.execute("SELECT account_id FROM accounts WHERE name = ?", [name]).fetchall()[0][0])
    finally:
        cursor.close()


def _current(store: Store, account_id: int) -> bool:
    cursor = store.cursor()
    try:
        return kept.is_current(cursor, account_id)
    finally:
        cursor.close()


def test_an_import_in_the_dashboard_starts_the_audience_analysis(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    job = ImportJob(store, [Upload("followers-2025-03-01.csv", follower_list(3_000))], ImportOptions("me")).start()
    job.wait(None)  # type: ignore[arg-type]
    assert [o.status for o in job.result()] == ["imported"]
    account_id = _account_id(store)
    try:
        run = analysis.background_analysis(store, account_id)  # None once it has ended
        assert run is None or run.wait(120)
        assert _current(store, account_id)
    finally:
        store.close()


def test_closing_the_store_stops_a_run_at_its_next_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    outcome = import_bytes(store, {"followers_2025-03-01.csv": follower_list(500)})
    assert outcome[0].status == "imported", outcome[0].error
    account_id = _account_id(store)
    entered = threading.Event()
    runs: list[analysis.BackgroundAnalysis] = []
    real = analysis.countries_of  # type: ignore[attr-defined]

    def long_step(locations: pd.Series) -> pd.Series:
        # A step that lasts until the run is asked to stop (a long one would last minutes).
        entered.set()
        deadline = time.monotonic() + 120
        while not (runs and runs[0].cancelled) and time.monotonic() < deadline:
            time.sleep(0.01)
        return real(locations)

    monkeypatch.setattr(analysis, "countries_of", long_step)
    run = analysis.analyse_in_background(store, account_id)
    assert run is not None
    runs.append(run)
    assert entered.wait(120)
    store.close()  # asks the run to stop, and waits for it
    assert run.done and run.cancelled and run.result() is None
    store = open_store(db)
    try:
        assert not _current(store, account_id)  # nothing was written: the next view analyses
    finally:
        store.close()


def test_a_page_joins_the_run_in_progress_and_reads_its_progress_in_its_language(store: Store) -> None:
    outcome = import_bytes(store, {"followers_2025-03-01.csv": follower_list(2_000)})
    assert outcome[0].status == "imported", outcome[0].error
    account_id = _account_id(store)
    assert not _current(store, account_id)
    with store.transaction():
        # The run reads, then waits for the write lock held here: it is still running below.
        run = analysis.analyse_in_background(store, account_id, "fr")
        assert run is not None and not run.wait(0.2) and run.language == "fr"
        assert analysis.analyse_in_background(store, account_id, "en") is run
        assert analysis.background_analysis(store, account_id) is run
    assert run.wait(120)
    refresh = run.result()
    assert refresh is not None and refresh.analysed == 2_000 and _current(store, account_id)
    with use_language("fr"):
        assert run.message == _("Counting the audience figures…") != "Counting the audience figures…"
    assert analysis.background_analysis(store, account_id) is None
    # Current: a new run only checks so and ends.
    again = analysis.analyse_in_background(store, account_id)
    assert again is not None and again is not run and again.wait(120)
    refreshed = again.result()
    assert refreshed is not None and refreshed.skipped


def test_what_the_run_raises_reaches_whoever_follows_it(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    outcome = import_bytes(store, {"followers_2025-03-01.csv": follower_list(50)})
    assert outcome[0].status == "imported", outcome[0].error

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the analysis broke")

    monkeypatch.setattr(analysis, "refresh_features", broken)
    run = analysis.analyse_in_background(store, _account_id(store))
    assert run is not None and run.wait(120)
    with pytest.raises(RuntimeError, match="the analysis broke"):
        run.result()


def test_languages_are_detected_in_batches_with_a_call_back_between_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import languages

    bios = pd.Series(["Journaliste de données et cartes", "Data journalist, charts and open data",
                      "Periodista de datos y mapas", "Datenjournalist und Karten", "Giornalista di dati e mappe"])
    whole = languages.detect_languages(bios)
    calls: list[tuple[int, int]] = []
    monkeypatch.setattr(languages, "BATCH", 2)
    assert languages.detect_languages(bios, lambda done, total: calls.append((done, total))).tolist() == whole.tolist()
    # After each batch: the distinct texts detected so far, of all of them.
    assert calls == [(2, 5), (4, 5), (5, 5)] and whole.tolist()[0] == "fr"


def _list_with_bios() -> bytes:
    """300 followers, 30 distinct bios in five languages."""
    starts = ["Journaliste de données", "Data journalist and writer", "Periodista de datos", "Datenjournalist und Autor",
              "Giornalista di dati", "Consultante en marketing"]
    ends = ["cartes et graphiques", "open data lover", "mapas y gráficos", "Karten und Grafiken", "mappe e grafici"]
    rows = [f"user{i:04d},User {i},{starts[i % 6]} {ends[i // 6 % 5]}" for i in range(300)]
    return ("handle,name,bio\n" + "\n".join(rows) + "\n").encode()


def test_a_first_analysis_says_how_far_the_languages_are(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import languages

    outcome = import_bytes(store, {"followers_2025-03-01.csv": _list_with_bios()})
    assert outcome[0].status == "imported", outcome[0].error
    monkeypatch.setattr(languages, "BATCH", 4)
    said: list[str] = []
    with use_language("fr"):
        refresh = analysis.refresh_features(store, _account_id(store), progress=said.append)
        start = _("Detecting the languages of {count} bios (lingua)…").format(count=format_number(300))
        line = _("Detecting the languages of {count} bios (lingua): {share} done…")
    assert refresh.analysed == 300 and start in said and line != "Detecting the languages of {count} bios (lingua): {share} done…"
    head, tail = line.format(count=format_number(300), share="\0").split("\0")
    shares = [int(re.sub(r"\D", "", text[len(head):-len(tail)])) for text in said if text.startswith(head) and text.endswith(tail)]
    # A line per batch of four of the 30 distinct bios, in the run's language, up to all of them.
    assert len(shares) == 8 and shares[-1] == 100 and shares == sorted(shares) and shares[0] < 100
    # Then each step of fitting, in order.
    with use_language("fr"):
        fitting = [_("Fitting {count} bios to the topics (TF-IDF, NMF)…").format(count=format_number(300)),
                   _("Fitting the topic model on {count} distinct bios (NMF)…").format(count=format_number(30)),
                   _("Placing each follower among the topics ({count})…").format(count=format_number(300)),
                   _("Counting the audience figures…")]
    assert [line for line in said if line in fitting] == fitting


def _fit_until_cancelled(runs: list[analysis.BackgroundAnalysis]) -> tuple[threading.Event, Callable[..., analysis.Model]]:
    """A stand-in for the topic model's fit (a minute on a million real bios, with no way to stop
    inside it): it sets the event, then fits once the first of `runs` is cancelled."""
    entered = threading.Event()
    real_fit = analysis._fit_with_counts

    def long_fit(*args: object) -> analysis.Model:
        entered.set()
        deadline = time.monotonic() + 120
        while not (runs and runs[0].cancelled) and time.monotonic() < deadline:
            time.sleep(0.01)
        return real_fit(*args)  # type: ignore[arg-type]

    return entered, long_fit


def test_a_cancel_while_the_topic_model_is_fitted_stops_before_the_followers_are_placed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(tmp_path / "palier.duckdb")
    outcome = import_bytes(store, {"followers_2025-03-01.csv": follower_list(500)})
    assert outcome[0].status == "imported", outcome[0].error
    account_id = _account_id(store)
    runs: list[analysis.BackgroundAnalysis] = []
    placed: list[int] = []
    real_fits = analysis.Model.fits
    entered, long_fit = _fit_until_cancelled(runs)

    def counted_fits(self: analysis.Model, texts: object) -> object:
        placed.append(1)
        return real_fits(self, texts)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis, "_fit_with_counts", long_fit)
    monkeypatch.setattr(analysis.Model, "fits", counted_fits)
    run = analysis.analyse_in_background(store, account_id)
    assert run is not None
    runs.append(run)
    assert entered.wait(120)
    store.close()  # asks the run to stop, and waits for it
    assert run.done and run.cancelled and run.result() is None and placed == []

BIOS = pd.Series(["Journaliste de données et cartes", "Data journalist, charts and open data", None,
                  "Periodista de datos y mapas", "Datenjournalist und Karten", "Giornalista di dati e mappe",
                  "Data journalist, charts and open data", "ok", "Consultante en marketing digital B2B"])


def test_languages_detected_beside_are_the_ones_detected_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import languages

    here = languages.detect_languages(BIOS)
    monkeypatch.setattr(languages, "BESIDE_MIN", 0)

    def not_here(*args: object) -> list[str]:
        raise AssertionError("detected in this process")

    # Only the child detects them (it runs the module as it is, not as patched here).
    monkeypatch.setattr(languages, "_per_distinct", not_here)
    pending = languages.detect_languages_beside(BIOS)
    process = pending._process
    assert pending.beside and process is not None
    calls: list[tuple[int, int]] = []
    found = pending.result(lambda done, total: calls.append((done, total)))
    assert found.tolist() == here.tolist() and list(found.index) == list(BIOS.index)
    # The child's progress reaches the caller; the child has ended.
    assert calls and calls[-1][0] == calls[-1][1] and process.poll() is not None
    assert here.tolist()[0] == "fr" and here.tolist()[3] == "es"


def test_a_child_that_dies_loses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from analytics.metrics import languages

    here = languages.detect_languages(BIOS)
    monkeypatch.setattr(languages, "BESIDE_MIN", 0)
    # A child that reads its texts and ends without an answer (killed, out of memory).
    monkeypatch.setattr(languages, "_child_command", lambda: [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"])
    pending = languages.detect_languages_beside(BIOS)
    assert pending.beside
    assert pending.result().tolist() == here.tolist()


def _features(store: Store, account_id: int) -> list[tuple[object, ...]]:
    cursor = store.cursor()
    try:
        return cursor.execute(
            "SELECT member_id, language, country, has_words, fit, topic FROM profile_features WHERE account_id = ? ORDER BY member_id",
            [account_id],
        ).fetchall()
    finally:
        cursor.close()


def test_a_big_lists_languages_are_detected_beside_the_fitting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import languages

    kept_here: list[list[tuple[object, ...]]] = []
    for beside in (False, True):
        monkeypatch.setattr(languages, "BESIDE_MIN", 0 if beside else 1 << 40)
        store = open_store(tmp_path / f"palier-{beside}.duckdb")
        try:
            outcome = import_bytes(store, {"followers_2025-03-01.csv": _list_with_bios()})
            assert outcome[0].status == "imported", outcome[0].error
            account_id = _account_id(store)
            said: list[str] = []
            refresh = analysis.refresh_features(store, account_id, progress=said.append)
            assert refresh.analysed == 300
            kept_here.append(_features(store, account_id))
        finally:
            store.close()
        placing = next(i for i, line in enumerate(said) if line.startswith("Placing each follower"))
        done = [i for i, line in enumerate(said) if line.startswith("Detecting the languages") and line.endswith("done…")]
        # Beside: the fitting is said first, then how far the languages are; here, the other way.
        assert done and (min(done) > placing if beside else max(done) < placing)
    assert kept_here[0] == kept_here[1] and len(kept_here[0]) == 300
    assert {row[1] for row in kept_here[0]} >= {"fr", "es", "de", "it"}


def test_a_cancel_during_the_fitting_stops_the_languages_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from analytics.metrics import languages

    store = open_store(tmp_path / "palier.duckdb")
    outcome = import_bytes(store, {"followers_2025-03-01.csv": _list_with_bios()})
    assert outcome[0].status == "imported", outcome[0].error
    monkeypatch.setattr(languages, "BESIDE_MIN", 0)
    # A child still at work when the run is cancelled: only a kill ends it.
    monkeypatch.setattr(languages, "_child_command", lambda: [sys.executable, "-c", "import time; time.sleep(120)"])
    children: list[subprocess.Popen[bytes]] = []
    real_start = languages._start_child

    def recorded(raw: list[str]) -> subprocess.Popen[bytes]:
        children.append(real_start(raw))
        return children[-1]

    runs: list[analysis.BackgroundAnalysis] = []
    entered, long_fit = _fit_until_cancelled(runs)

    monkeypatch.setattr(languages, "_start_child", recorded)
    monkeypatch.setattr(analysis, "_fit_with_counts", long_fit)
    run = analysis.analyse_in_background(store, _account_id(store))
    assert run is not None
    runs.append(run)
    assert entered.wait(120)
    assert len(children) == 1
    store.close()
    assert run.done and run.cancelled and children[0].poll() is not None
