"""The Audience page, run headless with AppTest on real store files.

On an empty store (a friendly message), on small stores built from Palier's generic follower-list
CSVs with bios (two of them hostile: they must reach the page only as dataframe cells), on an
id-only list (the audit says why it cannot run), for a viewer of an aggregates-only share (no
names, handles, bios or CSV), and on the demo at a small scale. Figures on the page are compared
with what `analytics.metrics` returns for the same data.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.charts.audience import RULE_WORDS
from analytics.demo import CONTENT_HEADER
from analytics.metrics import audience, quality
from analytics.store import open_store
from analytics.store.accounts import require_account
from tests.pages_helpers import APP, infos, metrics, plain, seed

T = TypeVar("T")

AUDIENCE = "pages/audience.py"
TIMEOUT = 90
IMG_BIO = "<img src=x onerror=alert(1)>"
LINK_BIO = "[click](javascript:alert(1))"
HOSTILE = (IMG_BIO, LINK_BIO)
POSTS = [
    "New chart: rents since 2010, open data from the city #dataviz",
    "How we checked 40 figures on school budgets with open data",
    "Map of air quality per capita: the data and the code are online #opendata",
    "Open data on city budgets: the charts and the maps",
]
HEADER = "handle,name,bio,location,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar"
# handle, name, bio, location, followers, following, posts, created, last post, default avatar
ROWS: dict[str, tuple[str, ...]] = {
    "ana": ("Ana", "Data journalist. Charts, maps and open data.", "Paris", "300", "200", "900", "2015-01-01", "2026-01-28", "false"),
    "ben": ("Ben", "Dataviz designer: charts about rents and budgets.", "Lyon", "120", "150", "400", "2016-03-01", "2026-01-20", "false"),
    "cleo": ("Cleo", "Open data advocate, city budgets, air quality.", "London", "80", "90", "300", "2017-05-01", "2026-01-15", "false"),
    "dan": ("Dan", "Mapping air quality data for the city.", "Berlin", "50", "60", "200", "2018-01-01", "2026-01-10", "false"),
    "eve": ("Eve", "Data reporter: school budgets and rents.", "Montréal, QC", "70", "80", "250", "2019-01-01", "2026-01-05", "false"),
    "fay": ("Fay", "Runner. Coffee. Dad of two.", "Madrid", "40", "100", "50", "2020-01-01", "2025-01-01", "false"),
    "gus": ("Gus", "Gardening, sourdough and too many houseplants.", "", "30", "40", "60", "2020-06-01", "2026-01-25", "false"),
    "hal": ("Hal", "Football, music and travel.", "Rome", "20", "3000", "10", "2021-01-01", "2026-01-25", "false"),
    "ivy": ("Ivy", "Photographer, mostly street and seaside.", "", "60", "70", "500", "2014-01-01", "2026-01-25", "false"),
    "egg": ("", "", "", "0", "800", "0", "2025-12-28", "", "true"),
    "xss": ("Img", IMG_BIO, "Paris", "10", "20", "30", "2019-01-01", "2026-01-25", "false"),
    "lnk": ("Link", LINK_BIO, "Paris", "10", "20", "30", "2019-01-01", "2026-01-25", "false"),
    "jo": ("Jo", "Journalist covering open data, charts and city budgets.", "Paris", "90", "90", "90", "2018-01-01", "2026-01-25", "false"),
    "kim": ("Kim", "Data editor: maps, charts, rents and air quality.", "Lyon", "90", "90", "90", "2018-01-01", "2026-01-25", "false"),
}
FIRST, SECOND = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
# Off-topic followers leave, on-topic ones join; the hostile bios stay on both lists.
FIRST_LIST = ["ana", "ben", "cleo", "dan", "eve", "fay", "gus", "hal", "ivy", "egg", "xss", "lnk"]
SECOND_LIST = ["ana", "ben", "cleo", "dan", "eve", "ivy", "egg", "xss", "lnk", "jo", "kim"]
OWNER_PW, VIEWER_PW = "owner correct horse", "viewer battery staple"


def _cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def list_csv(day: dt.date, handles: list[str]) -> bytes:
    lines = [HEADER + ",snapshot_date"]
    lines += [",".join([h, *(_cell(v) for v in ROWS[h])]) + f",{day.isoformat()}" for h in handles]
    return ("\n".join(lines) + "\n").encode()


def posts_csv() -> bytes:
    """POSTS as an X Premium content export, the way a user uploads them."""
    lines = [CONTENT_HEADER]
    for number, text in enumerate(POSTS):
        post_id = str(1_900_000_000_000_000_000 + number)
        lines.append(f'{post_id},"Mon, Jan {5 + number}, 2026","{text}",https://x.com/me/status/{post_id}' + ",1" * 13)
    return "\n".join(lines).encode()


def seed_audience(path: Path) -> None:
    seed(path, {f"followers_{FIRST}.csv": list_csv(FIRST, FIRST_LIST)})
    seed(path, {f"followers_{SECOND}.csv": list_csv(SECOND, SECOND_LIST)})
    seed(path, {"account_analytics_content_2026-01-01_2026-01-31.csv": posts_csv()})


def with_cursor(path: Path, read: Any, account: str = "me") -> Any:
    """What a metric returns on the store file, read before the app opens it, after the analysis
    step has run (as the page runs it before its reads: the readers only read)."""
    from analytics.analysis import analyse_if_writable

    store = open_store(path)
    cursor = store.cursor()
    try:
        account_id = require_account(cursor, account).account_id
        analyse_if_writable(store, account_id)
        return read(cursor, account_id)
    finally:
        cursor.close()
        store.close()


def run(page: str = AUDIENCE, secrets: dict[str, Any] | None = None, password: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if secrets:
        at.secrets = secrets
    # These tests read figures over each account's whole data, the default period before the
    # shared period picker (28 days since): ask for it as a bookmark would.
    at.query_params["period"] = "all"
    at.run()
    assert not at.exception, at.exception
    if password is not None:
        at.text_input(key="palier_password").input(password)
        at.button[0].click()  # the sign-in form's submit button
        at.run()
        assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Every piece of markdown the page drew: markdown, captions, infos, headings, expanders."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [h.value for h in at.subheader] + [t.value for t in at.title] + [e.label for e in at.expander]
    return "\n".join(plain(p) for p in parts)


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Plotly figures by their key (the element id ends with the user key)."""
    found = {}
    for chart in at.get("plotly_chart"):
        key = chart.proto.id.rsplit("-", 1)[-1] if "-" in chart.proto.id else chart.proto.id
        found[key] = json.loads(chart.proto.spec)
    return found


def values(encoded: Any) -> list[float]:
    """A trace's numbers: Plotly 7 sends numeric arrays as base64 typed arrays."""
    if isinstance(encoded, dict) and "bdata" in encoded:
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=np.dtype(encoded["dtype"])).tolist()
    return list(encoded)


def chart_ids(at: AppTest) -> str:
    return " ".join(chart.proto.id for chart in at.get("plotly_chart"))


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The table a page showed with these columns (dataframes carry no key in AppTest 1.67)."""
    for element in at.dataframe:
        if all(c in element.value.columns for c in columns):
            return element.value
    raise AssertionError(f"no table with {columns} among {[list(d.value.columns) for d in at.dataframe]}")


def selectbox(at: AppTest, label: str) -> Any:
    return next(s for s in at.selectbox if s.label == label)


def flagged_buttons(at: AppTest) -> list[Any]:
    """The page's CSV download (the sidebar's HTML report button is every page's, not this one's)."""
    return [b for b in at.get("download_button") if "flagged" in b.proto.label]


# --- Empty store and accounts without lists ------------------------------------------------------


def test_empty_store_says_what_to_import(db: Path) -> None:
    at = run()
    assert at.title[0].value == "Audience"
    assert "No account yet" in at.info[0].value
    assert "Import" in at.get("page_link")[0].proto.label
    assert not at.get("plotly_chart") and not at.metric and not at.error


def test_an_account_without_follower_lists_says_what_to_import(db: Path) -> None:
    seed(db, {"counts.csv": b"date,followers\n2026-01-01,10\n2026-01-02,12\n"})
    at = run()
    assert "import at least one follower list" in infos(at)
    assert not at.get("plotly_chart") and not at.error


def test_an_id_only_list_gets_reasons_not_errors(db: Path) -> None:
    seed(db, {f"followers_{FIRST}.csv": f"handle,id,snapshot_date\nalice,101,{FIRST}\nbob,102,{FIRST}\n".encode()})
    reason = with_cursor(db, lambda c, a: quality.quality_audit(c, a).reason)
    at = run()
    shown = infos(at)
    assert reason and reason in shown and "cannot run" in shown
    # One list, no bios: every section says why it has nothing to show.
    assert "stayers, leavers and joiners need two" in shown
    assert "Not enough bios" in shown or "Not enough data" in shown
    assert "a change needs two" in shown
    # The rules are on the page even when they cannot run.
    rules = table(at, "Rule", "Flags a follower when")
    # Rules v2 (issue 17 item 5): fair words, per platform; v1 still documented in the method.
    assert rules["Flags a follower when"].tolist() == [r.text for r in quality.RULES_V2]
    assert "Follower quality audit (rules v2)" in texts(at)
    assert quality.QUALITY_METHOD in [m.value for m in at.markdown]
    assert not at.error


# --- A small store from follower-list CSVs with bios -------------------------------------------


def test_figures_match_the_metrics_and_bios_stay_plain_text(db: Path) -> None:
    seed_audience(db)

    def read(cursor: Any, account_id: int) -> tuple[Any, ...]:
        return (
            audience.audience_coherence(cursor, account_id, SECOND),
            audience.group_coherence(cursor, account_id, FIRST, SECOND),
            audience.topic_clusters(cursor, account_id, SECOND),
            audience.language_mix(cursor, account_id, SECOND),
            audience.location_mix(cursor, account_id, SECOND),
            quality.quality_audit_v2(cursor, account_id),
            quality.quality_trend_v2(cursor, account_id),
        )

    coherence, groups, clusters, languages, places, audit, trend = with_cursor(db, read)
    assert coherence.ok and coherence.basis == "posts" and groups.ok and audit.ok and trend.ok
    at = run()
    shown = metrics(at)

    # Coherence: the score, the on-topic share, who was judged; the method in an expander.
    assert shown["Coherence score"] == f"{coherence.coherence:.2f}"
    assert shown["On-topic followers"] == f"{coherence.on_topic_share:.0%}"
    assert shown["Followers judged"] == f"{coherence.with_text:,}"
    assert [m.delta for m in at.metric if m.label == "Followers judged"] == [f"of {coherence.followers:,}"]
    assert any(e.label == "How the coherence score is computed" for e in at.expander)
    assert audience.METHOD in [m.value for m in at.markdown]
    assert table(at, "Term", "Weight")["Term"].tolist() == coherence.terms["term"].head(10).tolist()
    assert set(table(at, "Hashtag", "Uses")["Hashtag"]) == {"#dataviz", "#opendata"}
    fits = table(at, "Handle", "Fit")
    expected = coherence.members.sort_values("fit", ascending=False, na_position="last", kind="stable")
    assert fits["Handle"].tolist() == expected["handle"].tolist()
    assert fits["Fit"].tolist() == pytest.approx(expected["fit"].astype("float64").tolist(), nan_ok=True)

    # Untrusted bios: verbatim in dataframe cells, nowhere in markdown, captions or charts.
    assert set(HOSTILE) <= set(fits["Bio"])
    drawn = texts(at) + json.dumps([json.loads(c.proto.spec) for c in at.get("plotly_chart")])
    for bio in HOSTILE:
        assert bio not in drawn
    assert "javascript" not in texts(at) and "onerror" not in texts(at)

    # Stayers, leavers, joiners between the first and last lists of the period (the whole history).
    for group, word in (("stayed", "Stayers"), ("left", "Leavers"), ("joined", "Joiners")):
        value = groups.coherence(group)
        assert shown[f"{word} coherence"] == ("—" if value is None else f"{value:.2f}")
    assert groups.coherence("joined") > groups.coherence("left")

    # Topic clusters of the last list, sizes as the metric counts them.
    assert clusters.ok
    topics = table(at, "Topic", "Followers", "Share")
    assert topics["Followers"].tolist() == clusters.table["size"].tolist()

    # Languages and countries: the chart's bars are the metric's shares.
    assert languages.ok and places.ok
    figures = charts(at)
    assert values(figures["audience_languages"]["data"][0]["y"]) == pytest.approx(languages.table["follower_share"].tolist())
    assert f"{places.located:,} of {places.followers:,} followers" in texts(at)
    assert "audience_countries" in figures and "audience_countries_map" in figures

    # The quality audit: score, counts per rule, flagged followers with their rules, the trend.
    summary = audit.summary
    assert shown["Audience quality score"] == f"{summary.quality_score:.0%}"
    assert shown["Followers audited"] == f"{summary.audited:,}"
    assert shown["Profile patterns"] == f"{summary.suspicious_total:,}"
    assert summary.rules_version == "v2" and "Suspicious" not in shown
    counts = table(at, "Rule", "Followers", "Share of audited")
    assert counts["Followers"].tolist() == [summary.counts[r.name] for r in quality.RULES_V2]
    flagged = table(at, "Handle", "Rules")
    assert flagged["Handle"].tolist() == audit.flagged["handle"].tolist()
    words = {name: str(word) for name, word in RULE_WORDS.items()}
    assert flagged["Rules"].tolist() == [", ".join(words[n] for n in r.split(", ")) for r in audit.flagged["rules"]]
    assert "Default profile, No posts, many follows" in flagged.set_index("Handle").loc["egg", "Rules"]
    assert shown["Followers flagged"] == f"{(audit.flagged_total or 0) / summary.audited:.0%}"
    assert "audience_quality_trend" in figures and "audience_quality_rules" in figures
    # The trend counts the audit's rules (v2): one figure, one function, its last point the score above.
    assert values(figures["audience_quality_trend"]["data"][0]["y"]) == pytest.approx(trend.table["quality_score"].tolist())
    assert trend.table["quality_score"].iloc[-1] == pytest.approx(summary.quality_score)
    assert "rules v2" in figures["audience_quality_trend"]["layout"]["title"]["text"]
    [csv_button] = flagged_buttons(at)
    assert "rules v2" in csv_button.proto.label
    assert not at.error


def test_flagged_csv_of_the_page_is_spreadsheet_safe(db: Path) -> None:
    seed_audience(db)
    audit = with_cursor(db, lambda c, a: quality.quality_audit(c, a))
    data = quality.flagged_csv(audit).decode("utf-8-sig")
    # No flagged cell starts a formula; the hostile bios are quoted text.
    assert "\n=" not in data and ',"=' not in data
    assert data.splitlines()[0].startswith('"rules_version"')


def test_cluster_change_dates_rerun_the_fragment(db: Path) -> None:
    seed_audience(db)
    change = with_cursor(db, lambda c, a: audience.cluster_change(c, a, FIRST, SECOND))
    at = run()
    assert selectbox(at, "From the list of").value == FIRST and selectbox(at, "To the list of").value == SECOND
    assert change.ok
    shown = table(at, "Topic", "Change")
    assert shown["Change"].tolist() == change.table["change"].tolist()
    assert shown[f"On {FIRST}"].sum() == len(FIRST_LIST) and shown[f"On {SECOND}"].sum() == len(SECOND_LIST)

    # The same list on both sides is a reason, not an error.
    selectbox(at, "From the list of").set_value(SECOND).run()
    assert not at.exception
    assert "The two snapshots are the same" in infos(at)


MIDDLE = dt.date(2026, 1, 15)
MIDDLE_LIST = ["ana", "ben", "cleo", "fay", "egg", "xss", "lnk", "jo"]


def _seed_with_a_middle_list(db: Path) -> tuple[dt.date, list[str]]:
    """The audience store with one more follower list between its first and second."""
    seed_audience(db)
    seed(db, {f"followers_{MIDDLE}.csv": list_csv(MIDDLE, MIDDLE_LIST)})
    return MIDDLE, MIDDLE_LIST


def _after_the_analysis(db: Path, compute: Callable[[Any, int], T]) -> T:
    """`compute(cursor, account id)` on the store after the analysis step has run on it."""
    from analytics import analysis as features

    store = open_store(db)
    try:
        cursor = store.cursor()
        account = require_account(cursor, "me").account_id
        features.refresh_features(store, account)
        return compute(cursor, account)
    finally:
        store.close()


def test_any_two_lists_topics_come_from_the_analysis(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import kept as features

    middle, middle_list = _seed_with_a_middle_list(db)
    # The middle list counted from the features.
    cube = _after_the_analysis(db, lambda cursor, account: features.snapshot_cube(cursor, account, middle))
    counted = cube[cube["dimension"] == "topic"]
    expected = dict(zip(counted["value"].astype(int), counted["members"].astype(int), strict=True))
    assert sum(expected.values()) == len(middle_list)

    def no_counting(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the page counted a list's members again")

    monkeypatch.setattr(features, "snapshot_cube", no_counting)
    at = run()
    selectbox(at, "From the list of").set_value(middle).run()
    assert not at.exception
    shown = table(at, "Topic", "Change")
    change = with_cursor(db, lambda c, a: audience.cluster_change(c, a, middle, SECOND))
    assert change.ok and shown["Change"].tolist() == change.table["change"].tolist()
    sizes = dict(zip(change.table["cluster"].astype(int), shown[f"On {middle}"].astype(int), strict=True))
    assert {k: v for k, v in sizes.items() if v} == expected
    assert shown[f"On {SECOND}"].sum() == len(SECOND_LIST)


def test_a_period_ending_on_any_list_reads_the_analysis(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analytics.metrics import kept as features

    middle, middle_list = _seed_with_a_middle_list(db)
    expected, later = _after_the_analysis(db, lambda cursor, account: (
        (audience.audience_coherence(cursor, account, middle), audience.language_mix(cursor, account, middle),
         audience.group_coherence(cursor, account, FIRST, middle)),
        audience.group_coherence(cursor, account, middle, SECOND),
    ))

    def no_counting(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("the page counted a list's members again")

    with monkeypatch.context() as patch:
        for name in ("snapshot_cube", "pair_cube", "people_list"):
            patch.setattr(features, name, no_counting)
        at = run()
        at.date_input[0].set_value((FIRST, middle)).run()
        assert not at.exception, at.exception
        coherence, languages, groups = expected
        assert f"The list of 15 Jan 2026 ({len(middle_list)} followers)" in texts(at)
        assert metrics(at)["Coherence score"] == f"{coherence.coherence:.2f}"
        assert f"{languages.followers:,} bios and {languages.posts:,} posts" in texts(at)
        assert metrics(at)["Stayers coherence"] == f"{groups.coherence('stayed'):.2f}"
        assert table(at, "Handle", "Fit")["Handle"].tolist() == coherence.members["handle"].tolist()
        # A period starting on a later list: its stayers, leavers and joiners are read too.
        at.date_input[0].set_value((middle, SECOND)).run()
        assert not at.exception, at.exception
        assert "Between the lists of 15 Jan 2026 and 01 Feb 2026." in texts(at)
        assert metrics(at)["Leavers coherence"] == f"{later.coherence('left'):.2f}"


def test_a_period_with_one_list_says_why_groups_are_missing(db: Path) -> None:
    seed_audience(db)
    at = run()
    at.date_input[0].set_value((SECOND, SECOND)).run()
    assert not at.exception
    assert "the period holds one follower list" in infos(at)
    # The change still compares two lists: the latest two.
    assert selectbox(at, "From the list of").value == FIRST


def test_aggregates_share_hides_people_from_viewers(db: Path) -> None:
    seed_audience(db)
    fast = access.MIN_ITERATIONS
    secrets = {"palier": {
        "owner_password_hash": access.hash_password(OWNER_PW, iterations=fast),
        "viewer_password_hash": access.hash_password(VIEWER_PW, iterations=fast),
        "share_mode": "aggregates",
    }}
    viewer = run(secrets=secrets, password=VIEWER_PW)
    assert viewer.title[0].value == "Audience"
    shown = " ".join(df.value.to_string() for df in viewer.dataframe)
    for secret in ("ana", "Data journalist", "Cleo", *HOSTILE):
        assert secret not in shown
    assert not any("Handle" in df.value.columns or "Bio" in df.value.columns for df in viewer.dataframe)
    assert not flagged_buttons(viewer)
    assert any("figures only" in c.value for c in viewer.caption)
    # Figures and charts stay.
    assert {"Coherence score", "Audience quality score", "Profile patterns", "Followers flagged"} <= set(metrics(viewer))
    assert "audience_coherence" in chart_ids(viewer) and "audience_quality_rules" in chart_ids(viewer)

    owner = run(secrets=secrets, password=OWNER_PW)
    assert set(HOSTILE) <= set(table(owner, "Handle", "Fit")["Bio"])


# --- The demo, small ---------------------------------------------------------------------------------


def test_the_small_demo(demo_db: Path) -> None:
    def read(cursor: Any, account_id: int) -> tuple[Any, ...]:
        return (
            audience.audience_coherence(cursor, account_id),
            audience.language_mix(cursor, account_id),
            quality.quality_audit_v2(cursor, account_id),
            audience.location_mix(cursor, account_id),
        )

    coherence, languages, audit, places = with_cursor(demo_db, read, account="demo")
    at = run()
    shown = metrics(at)
    assert shown["Coherence score"] == f"{coherence.coherence:.2f}"
    assert shown["Audience quality score"] == f"{audit.summary.quality_score:.0%}"
    assert f"{languages.followers:,} bios and {languages.posts:,} posts" in texts(at)
    assert f"{places.located:,} of {places.followers:,} followers" in texts(at)
    ids = chart_ids(at)
    for key in ("audience_coherence", "audience_clusters", "audience_cluster_change", "audience_groups",
                "audience_languages", "audience_countries", "audience_countries_map", "audience_quality_rules",
                "audience_quality_trend"):
        assert key in ids, key
    assert len(table(at, "Handle", "Rules")) == len(audit.flagged)

    # Another pair of lists reruns the change alone and still matches the metric.
    dates = sorted(selectbox(at, "From the list of").options)
    later = dt.date.fromisoformat(dates[len(dates) // 2][:10])
    selectbox(at, "From the list of").set_value(later).run()
    assert not at.exception
    to = selectbox(at, "To the list of").value
    change = with_cursor(demo_db, lambda c, a: audience.cluster_change(c, a, later, to), account="demo")
    if change.ok:
        assert table(at, "Topic", "Change")["Change"].tolist() == change.table["change"].tolist()
    else:
        assert (change.reason or "") in infos(at)
