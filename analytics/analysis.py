"""The audience analysis step: per-profile features computed once, figures counted once.

Why: detecting the language of every bio (lingua), matching every location to a country and
fitting every bio to the account's topics (TF-IDF, NMF) took minutes on a million followers, and
the Audience page did it at every view. A profile's features depend only on its text (name, bio,
location) and on the account's topic model, so they are computed once per profile text and kept
in `profile_features`; a daily list adds about 0.5% new followers and changes about 1% of
profiles, and only those are analysed again. The figures the page opens on (the latest list,
the first one, the pair of them, the quality trend, the account's posts) are then counted by
DuckDB once per state of the account's imports and kept in `audience_cubes`, so a page view
reads a few hundred rows. So are every list's topic sizes (any two lists can be compared) and the
Churn page's opening lists of people (`list_people`: who joined and left between the latest two
lists, the latest quick unfollows), which needed the profiles of thousands of members.

Every follower is analysed; nothing is sampled. Identical texts are analysed once and counted as
many times as they occur, which gives exactly the result of analysing each profile.

The topic model (both TF-IDF spaces, the account's topic vector and the NMF topics) is fitted on
every profile of the account (each follower ever listed, with their latest profile) and its
posts, then kept. It is fitted again when the posts change, when the method changes
(FEATURES_VERSION), or when the profiles analysed since the last fit exceed REFIT_SHARE of the
profiles it was fitted on; until then new and changed profiles are projected into the kept model,
so a follower's fit and topic depend only on their text and the model.

`refresh_features(store, account_id)` brings one account up to date; it is idempotent and cheap
when nothing changed (one query). Its callers run it before they read the figures (the Audience
page's `audience_analysis`, the CLI's `analyse` and `report`, the HTML report); the import path does
not (an import must stay as fast as reading the file). What it keeps is read by
analytics.metrics.kept, which never writes: this module is the only writer of those tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import _, default_language, format_number, format_percent, normalize_language, use_language
from analytics.metrics import lists, textfit
from analytics.metrics.geo import countries_of
from analytics.metrics.kept import (
    FEATURES_VERSION,
    FIT_POOL,
    HISTOGRAM_BINS,
    KIND,
    LIST_COUNTS,
    LIST_PREFIX,
    PEOPLE_COLUMNS,
    PEOPLE_SHOWN,
    RETURNERS,
    _state_row,
    _text,
    fingerprint,
    is_current,
    pair_cube,
    people_list,
    post_cube,
    snapshot_cube,
)
from analytics.metrics.languages import PendingLanguages, detect_languages_beside
from analytics.metrics.quality import TREND_V2, TREND_V2_COLUMNS, quality_trend_of, quality_trend_of_v2
from analytics.store.accounts import ACCOUNT_BY_NAME_SQL
from analytics.store.connection import Store, write_transaction

# Refit the topic model when the profiles analysed since the fit exceed this share of those it
# was fitted on (new words and topics appear as the audience changes; daily lists change ~1.5%).
REFIT_SHARE = 0.2
TOPICS = 6  # topics found per account (textfit.cluster_texts' default)

ProgressFn = Callable[[str], None]

# --- SQL ---------------------------------------------------------------------------------------

# Profiles without features: new ones, and those whose name, bio or location the loader wrote
# since (it deletes their features: see analytics.ingest.load).
STALE_PROFILES_SQL = """
SELECT p.member_id, p.name, p.bio, p.location
FROM profiles p
WHERE p.account_id = $account_id
  AND NOT EXISTS (SELECT 1 FROM profile_features f WHERE f.account_id = p.account_id AND f.member_id = p.member_id)
"""
ALL_PROFILES_SQL = """
SELECT p.member_id, p.name, p.bio, p.location, f.member_id IS NOT NULL AS current, f.language, f.country
FROM profiles p
LEFT JOIN profile_features f ON f.account_id = p.account_id AND f.member_id = p.member_id
WHERE p.account_id = $account_id
"""
PROFILE_COUNT_SQL = "SELECT count(*) FROM profiles WHERE account_id = $account_id"
MODEL_TERMS_SQL = """
SELECT position, term, idf, weight FROM audience_terms
WHERE account_id = $account_id AND space = $space ORDER BY position
"""
MODEL_TOPICS_SQL = "SELECT topic, position, weight FROM audience_topics WHERE account_id = $account_id"
POST_TEXTS_SQL = """
SELECT text FROM posts
WHERE account_id = $account_id AND text IS NOT NULL AND trim(text) <> ''
ORDER BY post_id
"""
SNAPSHOT_DATES_SQL = """
SELECT snapshot_date FROM snapshots WHERE account_id = $account_id AND kind = $kind ORDER BY snapshot_date
"""
DELETE_ACCOUNT_SQL = {
    table: f"DELETE FROM {table} WHERE account_id = $account_id"  # noqa: S608 - fixed names
    for table in ("profile_features", "audience_state", "audience_terms", "audience_topics", "audience_cubes",
                  "audience_people", "list_people", "spell_grid")
}
DELETE_STALE_FEATURES_SQL = """
DELETE FROM profile_features
WHERE account_id = $account_id AND member_id IN (SELECT member_id FROM new_features)
"""
DELETE_ORPHAN_FEATURES_SQL = """
DELETE FROM profile_features f
WHERE f.account_id = $account_id
  AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.account_id = f.account_id AND p.member_id = f.member_id)
"""
INSERT_FEATURES_SQL = """
INSERT INTO profile_features
SELECT $account_id, member_id, language, country, has_words, fit, topic FROM new_features
"""
INSERT_TERMS_SQL = "INSERT INTO audience_terms SELECT $account_id, space, position, term, idf, weight FROM new_terms"
INSERT_TOPICS_SQL = "INSERT INTO audience_topics SELECT $account_id, topic, position, weight FROM new_topics"
INSERT_CUBE_SQL = """
INSERT INTO audience_cubes
SELECT $account_id, $fingerprint, snapshot_date, since_date, dimension, value, members, with_text, score_sum, on_topic
FROM new_cube
"""
INSERT_PEOPLE_SQL = f"""
INSERT INTO audience_people
SELECT $account_id, $fingerprint, snapshot_date, list, rank, {", ".join(PEOPLE_COLUMNS)} FROM new_people
"""  # noqa: S608 - the interpolated part is a constant column list
# The Churn page's kept lists (analytics.metrics.lists), by column name: each list fills its own.
INSERT_LIST_PEOPLE_SQL = """
INSERT INTO list_people BY NAME
SELECT $account_id AS account_id, $fingerprint AS fingerprint, * FROM new_list_people
"""
INSERT_STATE_SQL = """
INSERT INTO audience_state VALUES ($account_id, $features_version, $fingerprint, $posts_hash, $basis, $fit_reason,
    $topics_reason, $profiles_fitted, $changed_since_fit, $fitted_at, $refreshed_at)
"""

# Every follower list's figures, for a period ending on any list: the Audience page's period
# picker and its two lists of the topic change may choose any of them, and counting one list's
# million members from the features (snapshot_cube, then the best fits) took 2 to 5 s per figure.
# Counted from spells, as quality.quality_trend_of counts its trend: a member is in the list of d
# when one of their spells covers d, so a count on d is that of the spells started by d less those
# ended before d (each spell adds +1 on its first list and -1 the day after its last; a member's
# spells never overlap, so nobody is counted twice). One pass over the spells for all the lists.
#
# Kept per list: the counts of the snapshot cube the Audience page reads (every follower, bios,
# languages, countries, topics), and the fit histogram, whose bin width depends on the list's best
# fit: that best fit is read from the POOL first spells in the page's order of fit (best first, then
# by key), exact for every list holding one of them (any spell after them fits no better). A list
# holding none of them, or lists with more than MAX_WIDTHS different widths, have no `fit_width`
# row: their figures are counted when asked.
LIST_CUBE_SQL = f"""
WITH s AS MATERIALIZED (
    SELECT p.member_key, s.first_seen, s.last_seen, f.language, f.country, f.topic, f.fit,
           trim(coalesce(p.bio, '')) <> '' AS has_bio
    FROM spells s
    LEFT JOIN profile_features f ON f.account_id = s.account_id AND f.member_id = s.member_id
    LEFT JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
    WHERE s.account_id = $account_id AND s.kind = $kind
),
e AS MATERIALIZED (
    SELECT first_seen AS day, 1 AS sign, language, country, topic, fit, has_bio FROM s
    UNION ALL
    SELECT last_seen + 1, -1, language, country, topic, fit, has_bio FROM s WHERE last_seen IS NOT NULL
),
events AS (
    SELECT 'all' AS dimension, NULL::VARCHAR AS value, day, sum(sign) AS members,
           sum(sign) FILTER (WHERE fit IS NOT NULL) AS with_text, sum(sign * least(fit / $full_fit, 1)) AS score_sum,
           sum(sign) FILTER (WHERE fit >= $threshold) AS on_topic
    FROM e GROUP BY day
    UNION ALL
    SELECT 'bios', NULL, day, sum(sign) FILTER (WHERE has_bio), NULL, NULL, NULL FROM e GROUP BY day
    UNION ALL
    SELECT 'language', coalesce(language, 'unknown'), day, sum(sign), NULL, NULL, NULL FROM e GROUP BY 2, day
    UNION ALL
    SELECT 'country', coalesce(country, 'unknown'), day, sum(sign), NULL, NULL, NULL FROM e GROUP BY 2, day
    UNION ALL
    SELECT 'topic', CAST(coalesce(topic, -1) AS VARCHAR), day, sum(sign), NULL, NULL, NULL FROM e GROUP BY 2, day
),
lists AS (SELECT snapshot_date FROM snapshots WHERE account_id = $account_id AND kind = $kind),
pool AS (SELECT first_seen, last_seen, fit FROM s ORDER BY fit DESC NULLS LAST, member_key LIMIT $pool),
widths AS (
    -- as SNAPSHOT_CUBE_SQL's width, from the list's best fit
    SELECT d.snapshot_date, greatest(coalesce(max(p.fit), 0), 2 * $threshold) / {HISTOGRAM_BINS} AS w
    FROM lists d
    LEFT JOIN pool p ON p.first_seen <= d.snapshot_date AND (p.last_seen IS NULL OR p.last_seen >= d.snapshot_date)
    GROUP BY d.snapshot_date
    HAVING count(p.first_seen) > 0 OR (SELECT count(*) FROM s) <= $pool
),
chosen AS (SELECT w FROM widths GROUP BY w ORDER BY count(*) DESC, w LIMIT $max_widths),
bins AS (
    SELECT c.w, CAST(least(floor(e.fit / c.w), {HISTOGRAM_BINS - 1}) AS INTEGER) AS bin, e.day, sum(e.sign) AS n
    FROM e, chosen c WHERE e.fit IS NOT NULL GROUP BY ALL
)
SELECT d.snapshot_date, ev.dimension, ev.value, sum(ev.members) AS members, sum(ev.with_text) AS with_text,
       sum(ev.score_sum) AS score_sum, sum(ev.on_topic) AS on_topic
FROM lists d JOIN events ev ON ev.day <= d.snapshot_date
GROUP BY ALL
HAVING sum(ev.members) <> 0 OR ev.dimension IN ('all', 'bios')
UNION ALL
SELECT wd.snapshot_date, 'fit_bin', CAST(b.bin AS VARCHAR), sum(b.n), NULL, any_value(wd.w), NULL
FROM widths wd JOIN bins b ON b.w = wd.w AND b.day <= wd.snapshot_date
GROUP BY wd.snapshot_date, b.bin
HAVING sum(b.n) <> 0
UNION ALL
SELECT snapshot_date, 'fit_width', NULL, 0, NULL, w, NULL FROM widths WHERE w IN (SELECT w FROM chosen)
"""  # noqa: S608 - the interpolated parts are constants
POOL = 10 * PEOPLE_SHOWN  # spells kept in the order of fit: enough to hold the best 1,000 of any list
MAX_WIDTHS = 8

# The POOL first spells in the page's order of fit, with what the page's list of best fits shows:
# the best fits of a list are the first PEOPLE_SHOWN of them that it holds (exact when it holds that
# many, or when the pool holds every spell).
FIT_POOL_SQL = """
WITH pool AS (
    SELECT p.member_key, s.first_seen, s.last_seen, f.fit, p.handle, p.name, p.bio, p.followers_count,
           p.following_count, p.posts_count, p.created_at, p.last_post_at, p.default_avatar
    FROM spells s
    LEFT JOIN profile_features f ON f.account_id = s.account_id AND f.member_id = s.member_id
    LEFT JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
    WHERE s.account_id = $account_id AND s.kind = $kind
    ORDER BY f.fit DESC NULLS LAST, p.member_key, s.first_seen LIMIT $pool
)
SELECT x.member_key, x.first_seen, x.last_seen, x.handle, x.name, x.bio, x.fit, x.followers_count, x.following_count,
       x.posts_count, x.created_at, x.last_post_at, x.default_avatar
FROM pool x
ORDER BY x.fit DESC NULLS LAST, x.member_key, x.first_seen
"""
SPELL_COUNT_SQL = "SELECT count(*) FROM spells WHERE account_id = $account_id AND kind = $kind"

# Stayers, leavers and joiners between any two lists (the Audience page's period may start and
# end on any list; counting two lists' members took over a second). A member is in both lists when
# one spell covers both, or when two of their spells do (they left and came back in between). The
# spells are kept grouped by their first and last list in `spell_grid` (INSERT_GRID_SQL: at most
# lists² cells, about 67,000 for a year of daily lists), so the first term is a sum over the cells
# started by the earlier list and not ended before the later one; the spells of the members who
# came back are kept whole (RETURNER_SPELLS_SQL, usually few: at most MAX_RETURNER_SPELLS, else
# the pair is counted when asked) for the second term. Leavers and joiners are each list's members
# less the stayers.
INSERT_GRID_SQL = """
INSERT INTO spell_grid
SELECT $account_id, $fingerprint, s.first_seen, s.last_seen, count(*), count(f.fit), sum(least(f.fit / $full_fit, 1)),
       count(*) FILTER (WHERE f.fit >= $threshold)
FROM spells s
LEFT JOIN profile_features f ON f.account_id = s.account_id AND f.member_id = s.member_id
WHERE s.account_id = $account_id AND s.kind = $kind
GROUP BY s.first_seen, s.last_seen
"""
RETURNER_SPELLS_SQL = """
WITH returners AS (
    SELECT member_id FROM spells WHERE account_id = $account_id AND kind = $kind
    GROUP BY member_id HAVING count(*) > 1
)
SELECT p.member_key, s.first_seen, s.last_seen, f.fit
FROM spells s
SEMI JOIN returners r ON r.member_id = s.member_id
LEFT JOIN profile_features f ON f.account_id = s.account_id AND f.member_id = s.member_id
LEFT JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
WHERE s.account_id = $account_id AND s.kind = $kind
ORDER BY p.member_key, s.first_seen
LIMIT $limit
"""
MAX_RETURNER_SPELLS = 100_000


# --- Text features ------------------------------------------------------------------------------


def _cleaned(texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """textfit.clean_text over a column, each distinct text once: (the distinct cleaned texts, in
    the order they first occur, and each row's position among them)."""
    codes, uniques = pd.factorize(texts.fillna("").astype(str), sort=False)
    cleaned = pd.Series([textfit.clean_text(t) for t in uniques], dtype=object)
    clean_codes, distinct = pd.factorize(cleaned, sort=False)
    return np.asarray(distinct, dtype=object), np.asarray(clean_codes, dtype=np.int64)[codes]


def post_texts(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.Series:
    """The account's post texts, X's escapes undone (as audience.post_texts)."""
    frame = cursor.execute(POST_TEXTS_SQL, {"account_id": account_id}).df()
    return frame["text"].astype(str).map(html.unescape)


def _posts_hash(posts: pd.Series) -> int:
    digest = hashlib.blake2b("\x00".join(posts.tolist()).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits a signed BIGINT as well as the UBIGINT column


# --- The account's model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """The kept topic model of an account: enough to analyse any new profile the same way."""

    fit_space: textfit.WeightedSpace | None
    centroid: np.ndarray | None  # the account's topic vector in fit_space (unit length)
    basis: str | None
    fit_reason: str | None
    topic_space: textfit.WeightedSpace | None
    components: np.ndarray | None  # topics x terms of topic_space (NMF)
    topics_reason: str | None

    def fits(self, texts: textfit.Texts) -> tuple[np.ndarray, np.ndarray]:
        """(has_words, fit) per cleaned text; fit NaN without words or without a model."""
        nan = np.full(len(texts), np.nan)
        if self.fit_space is None or self.centroid is None or not len(texts):
            return np.zeros(len(texts), dtype=bool), nan
        matrix = self.fit_space.transform(texts)
        has_words = np.asarray(matrix.getnnz(axis=1) > 0)
        fits = np.asarray(matrix @ self.centroid, dtype="float64").ravel()
        fits[~has_words] = np.nan
        return has_words, fits

    def topics(self, texts: np.ndarray) -> np.ndarray:
        if self.topic_space is None or self.components is None or not len(texts):
            return np.full(len(texts), textfit.NO_TOPIC, dtype="int64")
        return textfit.assign_topics(self.topic_space.transform(texts), self.components)


def _load_model(cursor: duckdb.DuckDBPyConnection, account_id: int, state: dict[str, Any]) -> Model:
    params = {"account_id": account_id}
    fit_terms = cursor.execute(MODEL_TERMS_SQL, {**params, "space": "fit"}).df()
    topic_terms = cursor.execute(MODEL_TERMS_SQL, {**params, "space": "topics"}).df()
    fit_space = centroid = topic_space = components = None
    if not fit_terms.empty and not _text(state["fit_reason"]):
        fit_space = textfit.WeightedSpace(fit_terms["term"].to_numpy(dtype=object), fit_terms["idf"].to_numpy("float64"), (1, 1))
        centroid = fit_terms["weight"].fillna(0).to_numpy("float32")
    if not topic_terms.empty and not _text(state["topics_reason"]):
        topic_space = textfit.WeightedSpace(topic_terms["term"].to_numpy(dtype=object), topic_terms["idf"].to_numpy("float64"), (1, 2))
        rows = cursor.execute(MODEL_TOPICS_SQL, params).df()
        k = int(rows["topic"].max()) + 1 if not rows.empty else 0
        components = np.zeros((k, len(topic_terms)), dtype="float64")
        components[rows["topic"].to_numpy("int64"), rows["position"].to_numpy("int64")] = rows["weight"].to_numpy("float64")
    return Model(fit_space, centroid, _text(state["basis"]), _text(state["fit_reason"]), topic_space, components,
                 _text(state["topics_reason"]))


def _model_frames(model: Model) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    if model.fit_space is not None and model.centroid is not None:
        frames.append(pd.DataFrame({"space": "fit", "position": np.arange(len(model.fit_space.terms), dtype="int32"),
                                    "term": model.fit_space.terms, "idf": model.fit_space.idf,
                                    "weight": model.centroid.astype("float64")}))
    if model.topic_space is not None:
        frames.append(pd.DataFrame({"space": "topics", "position": np.arange(len(model.topic_space.terms), dtype="int32"),
                                    "term": model.topic_space.terms, "idf": model.topic_space.idf, "weight": np.nan}))
    terms = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {"space": pd.Series(dtype="object"), "position": pd.Series(dtype="int32"), "term": pd.Series(dtype="object"),
         "idf": pd.Series(dtype="float64"), "weight": pd.Series(dtype="float64")})
    if model.components is not None:
        topic, position = np.nonzero(model.components)
        topics = pd.DataFrame({"topic": topic.astype("int16"), "position": position.astype("int32"),
                               "weight": model.components[topic, position].astype("float64")})
    else:
        topics = pd.DataFrame({"topic": pd.Series(dtype="int16"), "position": pd.Series(dtype="int32"),
                               "weight": pd.Series(dtype="float64")})
    return terms, topics


# --- Refresh ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refresh:
    """What one refresh did."""

    account_id: int
    skipped: bool  # already current: nothing computed
    analysed: int  # profiles whose features were computed
    profiles: int
    refitted: bool  # the topic model was fitted again
    seconds: float
    steps: dict[str, float]

    def line(self) -> str:
        if self.skipped:
            return _("audience analysis of account {account}: up to date ({profiles} profiles)").format(
                account=self.account_id, profiles=format_number(self.profiles))
        model = _("topic model fitted again, ") if self.refitted else ""
        return _("audience analysis of account {account}: {analysed} of {profiles} profiles analysed, {model}{seconds} s").format(
            account=self.account_id, analysed=format_number(self.analysed), profiles=format_number(self.profiles),
            model=model, seconds=format_number(self.seconds, 1))


@contextmanager
def _writing(target: Store | duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """One write transaction on a Store (its lock, its version bump) or on a bare connection."""
    if isinstance(target, Store):
        with target.transaction() as cursor:
            yield cursor
    else:
        with write_transaction(target) as cursor:
            yield cursor


def refresh_features(
    target: Store | duckdb.DuckDBPyConnection, account_id: int, *, progress: ProgressFn | None = None, force: bool = False
) -> Refresh:
    """Bring the audience analysis of one account up to date with its imports.

    Analyses the profiles that are new or whose name, bio or location changed (all of them the
    first time, or when FEATURES_VERSION changes), refits the topic model when needed (see the
    module docstring), then counts the figures the Audience page opens on. Computes outside the
    write transaction and writes in one short transaction, so an import is never kept waiting
    for the analysis. Idempotent: when nothing changed it returns at once (`skipped`).
    `target` is the Store (preferred: its write lock) or a writable cursor. `progress` is told
    each step, and again between the batches of the longest (the bios' languages); what it raises
    stops the analysis there, with nothing written (BackgroundAnalysis.cancel).
    """
    began = time.perf_counter()
    say = progress or (lambda _message: None)
    steps: dict[str, float] = {}

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - since, 3)
        return now

    reader = target.cursor()
    pending: PendingLanguages | None = None
    try:
        print_ = fingerprint(reader, account_id)
        row = _state_row(reader, account_id)
        profiles_total = int(reader.execute(PROFILE_COUNT_SQL, {"account_id": account_id}).fetchall()[0][0])
        if (not force and row is not None and int(row["features_version"]) == FEATURES_VERSION
                and int(row["fingerprint"]) == print_):
            return Refresh(account_id, True, 0, profiles_total, False, time.perf_counter() - began, steps)
        mark = time.perf_counter()
        posts = post_texts(reader, account_id)
        posts_hash = _posts_hash(posts)
        same_method = row is not None and int(row["features_version"]) == FEATURES_VERSION
        changed = 0 if row is None else int(row["changed_since_fit"])
        stale_only = same_method and not force and int(row["posts_hash"]) == posts_hash  # type: ignore[index]
        if stale_only:
            say(_("Finding the profiles changed since the last analysis…"))
            profiles = reader.execute(STALE_PROFILES_SQL, {"account_id": account_id}).df()
            refit = changed + len(profiles) > REFIT_SHARE * max(int(row["profiles_fitted"]), 1)  # type: ignore[index]
        else:
            refit = True
        if refit:
            say(_("Reading {count} profiles…").format(count=format_number(profiles_total)))
            profiles = reader.execute(ALL_PROFILES_SQL, {"account_id": account_id}).df()
            if not same_method:
                profiles["current"] = False
            profiles["current"] = profiles["current"].fillna(False).astype(bool)
        else:
            profiles["current"] = False
        mark = step("read", mark)

        # Model-free features (language, country) only where the text changed.
        todo = ~profiles["current"].to_numpy(dtype=bool)
        languages = profiles["language"].to_numpy(dtype=object) if "language" in profiles else np.full(len(profiles), None, dtype=object)
        countries = profiles["country"].to_numpy(dtype=object) if "country" in profiles else np.full(len(profiles), None, dtype=object)
        languages = languages.copy()
        countries = countries.copy()
        bios = format_number(int(todo.sum()))

        def detected(done: int, total: int) -> None:
            # The longest step of a first analysis (about two minutes for 644,000 distinct
            # bios): how far it is, said between batches, where a cancel also stops it.
            say(_("Detecting the languages of {count} bios (lingua): {share} done…").format(
                count=bios, share=format_percent(done / total, 0)))

        # A big list's languages are detected in a process of their own, beside the fitting
        # below (languages.BESIDE_MIN); a smaller one's here and now, as before.
        pending = detect_languages_beside(profiles.loc[todo, "bio"].reset_index(drop=True)) if todo.any() else None
        if pending is not None:
            say(_("Detecting the languages of {count} bios (lingua)…").format(count=bios))
            if not pending.beside:
                languages[todo] = pending.result(detected).to_numpy(dtype=object)
                mark = step("languages", mark)
            say(_("Matching {count} locations to countries…").format(count=format_number(int(todo.sum()))))
            found = countries_of(profiles.loc[todo, "location"].reset_index(drop=True))
            countries[todo] = found.astype(object).where(found.notna(), None).to_numpy(dtype=object)
            mark = step("countries", mark)

        # Model features (fit, topic): every profile on a refit, else the changed ones.
        fitting = format_number(len(profiles) if refit else int(todo.sum()))
        say(_("Fitting {count} bios to the topics (TF-IDF, NMF)…").format(count=fitting))
        # A follower's fit is read from their bio and name joined, their topic from the bio: each
        # distinct bio and name is cleaned and tokenised once (textfit.JoinedTexts).
        topic_distinct, topic_inverse = _cleaned(profiles["bio"])
        names, name_of = _cleaned(profiles["name"])
        distinct, inverse, counts = textfit.JoinedTexts.of(topic_distinct, topic_inverse, names, name_of)
        topic_counts = np.bincount(topic_inverse, minlength=len(topic_distinct)).astype("float64")
        mark = step("clean", mark)
        # Each of the three steps of fitting says so: a step of a first analysis of a million
        # real bios lasts up to a minute, and what it says is where a cancel stops it.
        placing = _("Placing each follower among the topics ({count})…").format(count=fitting)
        if refit:
            say(_("Fitting the topic model on {count} distinct bios (NMF)…").format(count=format_number(len(topic_distinct))))
            model = _fit_with_counts(posts, distinct, counts, topic_distinct, topic_counts)
            mark = step("fit_model", mark)
            say(placing)
            has_words, fits = model.fits(distinct)
            has_words, fits = has_words[inverse], fits[inverse]
            topics = model.topics(topic_distinct)[topic_inverse]
            rows = np.ones(len(profiles), dtype=bool)
            changed = 0
            fitted = len(profiles)
        else:
            model = _load_model(reader, account_id, row)  # type: ignore[arg-type]
            say(placing)
            has_words, fits = model.fits(distinct)
            has_words, fits = has_words[inverse], fits[inverse]
            topics = model.topics(topic_distinct)[topic_inverse]
            rows = todo
            changed += int(todo.sum())
            fitted = int(row["profiles_fitted"])  # type: ignore[index]
        mark = step("fit_profiles", mark)
        if pending is not None and pending.beside:
            say(_("Detecting the languages of {count} bios (lingua)…").format(count=bios))
            languages[todo] = pending.result(detected).to_numpy(dtype=object)
            mark = step("languages", mark)
        new_features = pd.DataFrame({
            "member_id": profiles["member_id"].to_numpy(dtype="int32")[rows],
            "language": languages[rows],
            "country": countries[rows],
            "has_words": has_words[rows],
            "fit": np.where(np.isnan(fits[rows]), None, fits[rows]).astype(object) if rows.any() else np.array([], dtype=object),
            "topic": topics[rows].astype("int16"),
        })
        new_features["fit"] = pd.to_numeric(new_features["fit"], errors="coerce").astype("float32")
        new_features["language"] = new_features["language"].fillna("unknown")
        terms, topic_weights = _model_frames(model) if refit else (None, None)
    finally:
        if pending is not None:
            pending.close()  # a cancel or an error during the fitting stops the detection too
        reader.close()

    say(_("Counting the audience figures…"))
    with _writing(target) as cursor:
        if fingerprint(cursor, account_id) != print_:
            # An import landed meanwhile: what was computed may miss its profiles. The next
            # refresh (the next page view, or the caller's next call) analyses them.
            return Refresh(account_id, False, 0, profiles_total, False, time.perf_counter() - began, steps)
        params = {"account_id": account_id}
        cursor.register("new_features", new_features)
        if refit:
            for table in ("profile_features", "audience_terms", "audience_topics"):
                cursor.execute(DELETE_ACCOUNT_SQL[table], params)
            cursor.register("new_terms", terms)
            cursor.register("new_topics", topic_weights)
            cursor.execute(INSERT_TERMS_SQL, params)
            cursor.execute(INSERT_TOPICS_SQL, params)
        else:
            cursor.execute(DELETE_STALE_FEATURES_SQL, params)
        cursor.execute(INSERT_FEATURES_SQL, params)
        cursor.execute(DELETE_ORPHAN_FEATURES_SQL, params)
        for table in ("audience_cubes", "audience_people", "audience_state"):
            cursor.execute(DELETE_ACCOUNT_SQL[table], params)
        mark = step("write_features", mark)
        _write_cubes(cursor, account_id, print_, posts)
        mark = step("cubes", mark)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        fitted_at = now if refit else pd.Timestamp(row["fitted_at"]).to_pydatetime()  # type: ignore[index]
        cursor.execute(INSERT_STATE_SQL, {
            **params, "features_version": FEATURES_VERSION, "fingerprint": print_, "posts_hash": posts_hash,
            "basis": model.basis, "fit_reason": model.fit_reason, "topics_reason": model.topics_reason,
            "profiles_fitted": fitted, "changed_since_fit": changed, "fitted_at": fitted_at, "refreshed_at": now,
        })
        for name in ("new_features", "new_terms", "new_topics"):
            try:
                cursor.unregister(name)
            except (duckdb.Error, KeyError):
                pass
    return Refresh(account_id, False, int(rows.sum()), profiles_total, refit, time.perf_counter() - began, steps)


def refresh_all(store: Store, *, progress: ProgressFn | None = None) -> list[Refresh]:
    """`refresh_features` for every account of the store."""
    cursor = store.cursor()
    try:
        ids = [int(r[0]) for r in cursor.execute("SELECT account_id FROM accounts ORDER BY account_id").fetchall()]
    finally:
        cursor.close()
    return [refresh_features(store, account_id, progress=progress) for account_id in ids]


def _fit_with_counts(posts: pd.Series, fit_texts: textfit.Texts, counts: np.ndarray, topic_texts: np.ndarray,
                     topic_counts: np.ndarray) -> Model:
    clean_posts = np.array([textfit.clean_text(t) for t in posts.fillna("").astype(str)], dtype=object)
    clean_posts = clean_posts[np.array([t.strip() != "" for t in clean_posts], dtype=bool)] if len(clean_posts) else clean_posts
    space = textfit.weighted_topic_space(clean_posts, fit_texts, counts)
    found = textfit.weighted_clusters(topic_texts, topic_counts, k=TOPICS)
    return Model(space.space, space.centroid, space.basis, space.reason, found.space, found.components, found.reason)


def _write_cubes(cursor: duckdb.DuckDBPyConnection, account_id: int, print_: int, posts: pd.Series) -> None:
    """Count and keep the figures the Audience page opens on (see the module docstring), every
    list's topic sizes, and the lists of people the Churn page opens on."""
    listed = cursor.execute(SNAPSHOT_DATES_SQL, {"account_id": account_id, "kind": KIND}).df()["snapshot_date"]
    dates = [pd.Timestamp(d).date() for d in listed]
    frames: list[pd.DataFrame] = []
    people: list[pd.DataFrame] = []

    def tagged(frame: pd.DataFrame, day: dt.date | None, since: dt.date | None = None) -> pd.DataFrame:
        return frame.assign(snapshot_date=day, since_date=since)

    frames.append(tagged(post_cube(posts), None))
    for day in dict.fromkeys(dates[-1:] + dates[:1]):
        frames.append(tagged(snapshot_cube(cursor, account_id, day), day))
    if dates:
        for which in ("fit", "flagged"):
            chosen = people_list(cursor, account_id, dates[-1], which)
            chosen.insert(0, "rank", np.arange(len(chosen), dtype="int32"))
            chosen.insert(0, "list", which)
            chosen.insert(0, "snapshot_date", pd.Timestamp(dates[-1]))
            people.append(chosen)
    if len(dates) >= 2:
        frames.append(tagged(pair_cube(cursor, account_id, dates[0], dates[-1]), dates[-1], dates[0]))
    churn_counts, list_people = _churn_lists(cursor, account_id, dates)
    frames.append(churn_counts)
    if dates:
        frames += _every_list(cursor, account_id, print_, dates, list_people)
    trend = quality_trend_of(cursor, account_id)
    if not trend.empty:
        for column in ("members", "audited", "suspicious", "inactive", "good"):
            frames.append(pd.DataFrame({"dimension": "trend", "value": column, "members": trend[column].to_numpy(),
                                        "snapshot_date": pd.to_datetime(trend["snapshot_date"]).dt.date, "since_date": None}))
    # The page's score over time counts rules v2, as its audit does (one figure, one function).
    trend_v2 = quality_trend_of_v2(cursor, account_id)
    if not trend_v2.empty:
        for column in TREND_V2_COLUMNS:
            frames.append(pd.DataFrame({"dimension": TREND_V2, "value": column, "members": trend_v2[column].to_numpy(),
                                        "snapshot_date": pd.to_datetime(trend_v2["snapshot_date"]).dt.date,
                                        "since_date": None}))
    cube = pd.concat(frames, ignore_index=True)
    for column in ("with_text", "on_topic"):
        cube[column] = (pd.to_numeric(cube.get(column), errors="coerce").astype("Int64") if column in cube
                        else pd.array([pd.NA] * len(cube), dtype="Int64"))
    cube["score_sum"] = pd.to_numeric(cube["score_sum"], errors="coerce").astype("float64") if "score_sum" in cube else np.nan
    cube["members"] = pd.to_numeric(cube["members"], errors="coerce").fillna(0).astype("int64")
    cube["value"] = cube["value"].astype(object).where(cube["value"].notna(), None)
    cube["snapshot_date"] = pd.to_datetime(cube["snapshot_date"])
    cube["since_date"] = pd.to_datetime(cube["since_date"])
    cube = cube[["snapshot_date", "since_date", "dimension", "value", "members", "with_text", "score_sum", "on_topic"]]
    cursor.register("new_cube", cube)
    cursor.execute(INSERT_CUBE_SQL, {"account_id": account_id, "fingerprint": print_})
    cursor.unregister("new_cube")
    if people:
        cursor.register("new_people", pd.concat(people, ignore_index=True))
        cursor.execute(INSERT_PEOPLE_SQL, {"account_id": account_id, "fingerprint": print_})
        cursor.unregister("new_people")
    # One insert per list: their columns differ (a quick unfollow has a date gone, the pool a fit).
    for frame in list_people:
        cursor.register("new_list_people", frame)
        cursor.execute(INSERT_LIST_PEOPLE_SQL, {"account_id": account_id, "fingerprint": print_})
        cursor.unregister("new_list_people")


def _every_list(cursor: duckdb.DuckDBPyConnection, account_id: int, print_: int, dates: list[dt.date],
                people: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Every list's figures (LIST_CUBE_SQL) as cube rows, and the spell grid written (INSERT_GRID_SQL);
    the fit pool (FIT_POOL_SQL) and the returners' spells are appended to `people`, the frames for
    list_people."""
    params = {"account_id": account_id, "kind": KIND, "threshold": textfit.ON_TOPIC_THRESHOLD, "full_fit": textfit.FULL_FIT}
    cube = cursor.execute(LIST_CUBE_SQL, {**params, "pool": POOL, "max_widths": MAX_WIDTHS}).df()
    frames = [cube.assign(dimension=LIST_PREFIX + cube["dimension"], since_date=None)]
    pool = cursor.execute(FIT_POOL_SQL, {"account_id": account_id, "kind": KIND, "pool": POOL}).df()
    people.append(pool.assign(list=FIT_POOL, rank=np.arange(len(pool), dtype="int32")))
    spells = int(cursor.execute(SPELL_COUNT_SQL, {"account_id": account_id, "kind": KIND}).fetchall()[0][0])
    # Whether the pool holds every spell: then the best fits of any list are in it.
    frames.append(pd.DataFrame({"dimension": [FIT_POOL], "value": [None], "members": [spells], "with_text": [len(pool)],
                                "snapshot_date": [None], "since_date": [None]}))
    cursor.execute(INSERT_GRID_SQL, {**params, "fingerprint": print_})
    returners = cursor.execute(RETURNER_SPELLS_SQL, {"account_id": account_id, "kind": KIND,
                                                     "limit": MAX_RETURNER_SPELLS + 1}).df()
    if len(returners) <= MAX_RETURNER_SPELLS:  # more: pairs of lists are counted when asked
        people.append(returners.assign(list=RETURNERS, rank=np.arange(len(returners), dtype="int32")))
        frames.append(pd.DataFrame({"dimension": [RETURNERS], "value": [None], "members": [len(returners)],
                                    "snapshot_date": [None], "since_date": [None]}))
    return frames


def _churn_lists(cursor: duckdb.DuckDBPyConnection, account_id: int,
                 dates: list[dt.date]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The Churn page's opening lists, counted from the spells as the page would: who joined and
    who left between the latest two lists, the quick unfollows over every list. Returns their
    counts (cube rows) and their people (list_people rows, a frame per list); none with one list."""
    if len(dates) < 2:
        return pd.DataFrame(columns=["dimension", "value", "members", "snapshot_date", "since_date"]), []
    start, end = dates[-2], dates[-1]
    changes = lists.count_list_changes(cursor, account_id, start, end, KIND, limit=lists.KEPT_PEOPLE)
    people = changes.changes.rename(columns={"change": "list"})
    people["rank"] = people.groupby("list").cumcount().astype("int32")
    people["since_date"], people["snapshot_date"] = pd.Timestamp(start), pd.Timestamp(end)
    counts = [{"dimension": LIST_COUNTS, "value": change, "members": total, "snapshot_date": end, "since_date": start}
              for change, total in (("joined", changes.joined), ("left", changes.left))]
    frames = [people]
    if len(dates) >= 3:  # a quick unfollow needs a list after the one that first showed the follower
        quick = lists.count_quick_unfollows(cursor, account_id, lists.KEPT_QUICK_DAYS, kind=KIND, limit=lists.KEPT_PEOPLE)
        name = lists.kept_quick_list(lists.KEPT_QUICK_DAYS)
        frames.append(quick.members.assign(list=name, rank=np.arange(len(quick.members), dtype="int32")))
        counts += [{"dimension": LIST_COUNTS, "value": value, "members": members, "snapshot_date": None, "since_date": None}
                   for value, members in ((name, quick.count), ("gained", quick.gained))]
    return pd.DataFrame(counts), [f for f in frames if not f.empty]



def analyse_if_writable(target: Store | duckdb.DuckDBPyConnection, account_id: int) -> bool:
    """`refresh_features` for a caller about to read the figures (a report, the CLI): True when the
    analysis is current afterwards, False when the store is read-only (another Palier process holds
    it) and the analysis could not run: the readers then say so (audience.NOT_ANALYSED)."""
    if isinstance(target, Store) and target.read_only:
        return False
    try:
        refresh_features(target, account_id)
    except duckdb.Error:  # read-only: a second Palier process holds the store
        return False
    return True


# --- In the background ------------------------------------------------------------------------
# After an import, the Audience page's first view and the report wait for this step: for a million
# followers the first time, 15 s to four minutes as they have few or many distinct bios, then about
# 10 s on each next day (`python -m benchmarks.analysis`).
# An import made in the dashboard starts it at once in a thread of its own (analytics.uploads), so
# that by the time she opens Audience or asks for the report it is done or under way; a page that
# needs it joins the run in progress rather than starting a second one (both would compute the
# same thing on the same two cores). One run per store file and account, in this process.

MAX_RUNS = 3  # an import that lands during a run makes it stale: it runs again, at most this often


class _Cancelled(Exception):
    """Raised from a cancelled run's progress callback: the analysis stops where it is."""


class BackgroundAnalysis:
    """`refresh_features` of one account running in its own thread.

    Progress messages are worded in the language given at the start (a thread of its own has no
    session, so no language): `language`. `wait` and `message` may be called from any thread;
    `result` raises what the run raised."""

    def __init__(self, store: Store, account_id: int, language: str | None) -> None:
        self._lock = threading.Lock()
        self._message = ""
        self._error: BaseException | None = None
        self._refresh: Refresh | None = None
        self._finished = threading.Event()
        self._cancel = threading.Event()
        self._store, self._account_id = store, account_id
        self.language = normalize_language(language) or default_language()  # of `message`

    def _say(self, message: str) -> None:
        if self._cancel.is_set():
            raise _Cancelled
        with self._lock:
            self._message = message

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Stop at the next step (or batch of bios): the store is being closed or compacted, which
        would otherwise wait for the whole run. Nothing is written; the next view starts again."""
        self._cancel.set()

    def _run(self) -> None:
        store, account_id = self._store, self._account_id
        try:
            with use_language(self.language):
                for _attempt in range(MAX_RUNS):
                    refresh = refresh_features(store, account_id, progress=self._say)
                    with self._lock:
                        self._refresh = refresh
                    if refresh.skipped or _is_current(store, account_id):
                        break
        except _Cancelled:
            pass  # result() is then None
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads result()
            with self._lock:
                self._error = exc
        finally:
            self._finished.set()

    def start(self) -> BackgroundAnalysis:
        # Beside the pages: closing or compacting the store stops the run and waits for it.
        self._store.run_beside(self._run, f"palier-analysis-{self._account_id}", stop=self.cancel)
        return self

    @property
    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, seconds: float | None = None) -> bool:
        """Wait up to `seconds` (None: until the end) for the end; whether it has ended."""
        return self._finished.wait(seconds)

    @property
    def message(self) -> str:
        with self._lock:
            return self._message

    def result(self) -> Refresh | None:
        """The last refresh's figures (None if it was cancelled before any); raises what the run
        raised. Call once `done`."""
        if not self.done:
            raise RuntimeError("the analysis is still running")
        with self._lock:
            if self._error is not None:
                raise self._error
            return self._refresh


_BACKGROUND: dict[tuple[str, int], BackgroundAnalysis] = {}
_BACKGROUND_LOCK = threading.Lock()


def _is_current(store: Store, account_id: int) -> bool:
    cursor = store.cursor()
    try:
        return is_current(cursor, account_id)
    finally:
        cursor.close()


def analyse_in_background(store: Store, account_id: int, language: str | None = None) -> BackgroundAnalysis | None:
    """The account's analysis in a thread of its own: the run in progress if there is one, else a
    new one. None when the store is read-only (another Palier process writes to it: the figures
    then say why they wait)."""
    if store.read_only:
        return None
    key = (str(store.path), account_id)
    with _BACKGROUND_LOCK:
        running = _BACKGROUND.get(key)
        if running is None or running.done:
            running = _BACKGROUND[key] = BackgroundAnalysis(store, account_id, language).start()
        return running


def analyse_account_in_background(store: Store, account_name: str, language: str | None = None) -> BackgroundAnalysis | None:
    """`analyse_in_background` for the account of that name (after an import into it); None when
    there is no such account or the store is read-only."""
    cursor = store.cursor()
    try:
        found = cursor.execute(ACCOUNT_BY_NAME_SQL, [account_name]).fetchall()
    finally:
        cursor.close()
    return analyse_in_background(store, int(found[0][0]), language) if found else None


def background_analysis(store: Store, account_id: int) -> BackgroundAnalysis | None:
    """The account's analysis running in the background, if one is (None once it has ended)."""
    with _BACKGROUND_LOCK:
        running = _BACKGROUND.get((str(store.path), account_id))
    return running if running is not None and not running.done else None
