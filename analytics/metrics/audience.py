"""Who the followers are: coherence with the account's editorial line, topic clusters, stayers
versus leavers versus joiners, languages and countries.

Pure metrics: a cursor and parameters in, a frozen dataclass out (a `reason` instead of an
exception when the data cannot say). The text method is in analytics.metrics.textfit, places in
analytics.metrics.geo. Every follower of a list is analysed: nothing is sampled.

Profiles are each member's latest known profile (the store keeps one per member), so a list of
last year is read with today's bios for members still known today, and with their last known
bio for those who left.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import importlib
import re
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.metrics import textfit
from analytics.metrics.geo import LOCATION_METHOD, country_name, countries_of
from analytics.metrics.lists import snapshot_dates

METHOD = (
    "Coherence with the editorial line. " + textfit.FIT_METHOD + " " + textfit.COHERENCE_METHOD
    + " When the account has no post with text, the followers' own mean vector (their dominant topics) "
    "stands in for the account's, and the result says so."
)
GROUPS_METHOD = (
    "Between two snapshots: stayers are in both, leavers only in the first, joiners only in the second "
    "(net changes, as on the Lists page). Each group's coherence is the same formula over its members, "
    "all fitted in one TF-IDF space with the account's posts."
)

POST_TEXTS_SQL = """
SELECT text FROM posts
WHERE account_id = $account_id AND text IS NOT NULL AND trim(text) <> ''
ORDER BY post_id
"""

_PROFILE_FIELDS = "p.handle, p.name, p.bio, p.location, p.followers_count, p.following_count, p.posts_count"

# The members of one snapshot (a spell covers the date) with their latest known profile.
MEMBERS_AT_SQL = f"""
WITH members AS (
    SELECT DISTINCT member_key FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $day AND (last_seen IS NULL OR last_seen >= $day)
)
SELECT m.member_key, {_PROFILE_FIELDS}
FROM members m
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_key = m.member_key
ORDER BY m.member_key
"""  # noqa: S608 - the interpolated part is a constant column list

# Stayers, leavers and joiners between two snapshot dates, one row per member of either.
GROUPS_SQL = f"""
WITH a AS (
    SELECT DISTINCT member_key FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $start AND (last_seen IS NULL OR last_seen >= $start)
),
b AS (
    SELECT DISTINCT member_key FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $end AND (last_seen IS NULL OR last_seen >= $end)
),
g AS (
    SELECT coalesce(a.member_key, b.member_key) AS member_key,
           CASE WHEN a.member_key IS NULL THEN 'joined' WHEN b.member_key IS NULL THEN 'left' ELSE 'stayed' END AS grp
    FROM a FULL OUTER JOIN b ON a.member_key = b.member_key
)
SELECT g.grp AS "group", g.member_key, {_PROFILE_FIELDS}
FROM g
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_key = g.member_key
ORDER BY g.grp, g.member_key
"""  # noqa: S608 - the interpolated part is a constant column list


# --- Shared reading ------------------------------------------------------------------------


def _as_date(value: dt.date | dt.datetime | pd.Timestamp) -> dt.date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _dates(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str) -> list[dt.date]:
    return [d.date() for d in snapshot_dates(cursor, account_id, kind)["snapshot_date"]]


def _pick_date(dates: list[dt.date], day: dt.date | None, kind: str) -> tuple[dt.date | None, str | None]:
    if not dates:
        return None, f"No {kind} list imported yet: audience figures need at least one."
    if day is None:
        return dates[-1], None
    day = _as_date(day)
    if day not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-6:])
        return day, f"No {kind} snapshot on {day.isoformat()} (latest snapshots: {shown})."
    return day, None


def members_at(cursor: duckdb.DuckDBPyConnection, account_id: int, day: dt.date, kind: str = "follower") -> pd.DataFrame:
    """The members of the snapshot of `day` with their latest known profile."""
    return cursor.execute(MEMBERS_AT_SQL, {"account_id": account_id, "kind": kind, "day": day}).df()


def post_texts(cursor: duckdb.DuckDBPyConnection, account_id: int) -> pd.Series:
    """The account's post texts (X escapes &, < and >: unescaped here)."""
    frame = cursor.execute(POST_TEXTS_SQL, {"account_id": account_id}).df()
    return frame["text"].astype(str).map(html.unescape)


def profile_texts(frame: pd.DataFrame) -> pd.Series:
    """Bio and name, the text a follower's fit is computed from."""
    bio = frame["bio"].fillna("").astype(str) if "bio" in frame.columns else pd.Series("", index=frame.index)
    name = frame["name"].fillna("").astype(str) if "name" in frame.columns else pd.Series("", index=frame.index)
    return (bio + " " + name).str.strip()


# --- Coherence -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Coherence:
    """How well the followers of one snapshot fit the account's editorial line."""

    snapshot_date: dt.date | None
    basis: str | None  # "posts", or "followers" when the account has no post with text
    coherence: float | None  # see textfit.COHERENCE_METHOD
    on_topic_share: float | None  # fit >= textfit.ON_TOPIC_THRESHOLD
    followers: int
    with_text: int  # followers with a bio or name holding a word (those judged)
    terms: pd.DataFrame  # term, weight: the account's topics
    hashtags: pd.DataFrame  # hashtag, uses: in the account's posts
    members: pd.DataFrame  # member_key, handle, name, bio, fit, score, on_topic
    threshold: float = textfit.ON_TOPIC_THRESHOLD
    method: str = METHOD
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reason is None


def _fit_members(members: pd.DataFrame, posts: pd.Series) -> tuple[textfit.TopicSpace, pd.DataFrame]:
    space = textfit.topic_space(posts, profile_texts(members))
    out = members[[c for c in ("member_key", "handle", "name", "bio") if c in members.columns]].copy()
    out["fit"] = space.fits
    out["score"] = textfit.follower_score(space.fits)
    out["on_topic"] = pd.array(np.where(np.isnan(space.fits), None, space.fits >= textfit.ON_TOPIC_THRESHOLD), dtype="boolean")
    return space, out.reset_index(drop=True)


def _basis_note(basis: str) -> list[str]:
    if basis == "followers":
        return ["The account has no post with text: coherence is measured against the followers' own dominant "
                "topics (how concentrated the audience is), not against the account's editorial line."]
    return []


def audience_coherence(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, kind: str = "follower"
) -> Coherence:
    """Coherence of the snapshot of `snapshot_date` (default: the latest) with the account's posts."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    posts = post_texts(cursor, account_id)
    hashtags = textfit.hashtags_of(posts)
    empty_members = pd.DataFrame({c: pd.Series(dtype="object") for c in ("member_key", "handle", "name", "bio", "fit", "score", "on_topic")})
    empty_terms = pd.DataFrame({"term": pd.Series(dtype="string"), "weight": pd.Series(dtype="float64")})
    if reason is not None or day is None:
        return Coherence(day, None, None, None, 0, 0, empty_terms, hashtags, empty_members, reason=reason)
    members = members_at(cursor, account_id, day, kind)
    space, fitted = _fit_members(members, posts)
    with_text = int(fitted["fit"].notna().sum())
    if not space.ok:
        return Coherence(day, space.basis, None, None, len(members), with_text, space.terms, hashtags, fitted, reason=space.reason)
    return Coherence(
        day, space.basis, textfit.coherence_of(space.fits), textfit.on_topic_share(space.fits), len(members), with_text,
        space.terms, hashtags, fitted, notes=_basis_note(space.basis),
    )


# --- Stayers, leavers, joiners ------------------------------------------------------------


@dataclass(frozen=True)
class GroupCoherence:
    start: dt.date | None
    end: dt.date | None
    table: pd.DataFrame  # group (stayed/left/joined), members, with_text, coherence, on_topic_share
    members: pd.DataFrame  # group, member_key, handle, name, bio, fit, score, on_topic
    basis: str | None = None
    method: str = GROUPS_METHOD
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.reason is None

    def coherence(self, group: str) -> float | None:
        row = self.table[self.table["group"] == group]
        if row.empty or pd.isna(row["coherence"].iloc[0]):
            return None
        return float(row["coherence"].iloc[0])


GROUPS: tuple[str, ...] = ("stayed", "left", "joined")


def _empty_groups() -> pd.DataFrame:
    return pd.DataFrame({
        "group": pd.Series(GROUPS, dtype="object"),
        "members": pd.Series([0, 0, 0], dtype="int64"),
        "with_text": pd.Series([0, 0, 0], dtype="int64"),
        "coherence": pd.Series([np.nan] * 3, dtype="float64"),
        "on_topic_share": pd.Series([np.nan] * 3, dtype="float64"),
    })


def group_coherence(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "follower",
) -> GroupCoherence:
    """Mean coherence of stayers, leavers and joiners between two snapshot dates (default: the
    first and the latest snapshot, the whole history)."""
    dates = _dates(cursor, account_id, kind)
    empty_members = pd.DataFrame({c: pd.Series(dtype="object") for c in ("group", "member_key", "handle", "name", "bio", "fit", "score", "on_topic")})
    if len(dates) < 2:
        reason = f"Not enough data: {len(dates)} {kind} snapshot(s); stayers and leavers need two."
        return GroupCoherence(None, None, _empty_groups(), empty_members, reason=reason)
    start = dates[0] if start is None else _as_date(start)
    end = dates[-1] if end is None else _as_date(end)
    if start > end:
        start, end = end, start
    missing = [d.isoformat() for d in (start, end) if d not in dates]
    if missing or start == end:
        reason = (f"No {kind} snapshot on {', '.join(missing)}." if missing else "The two snapshots are the same: choose two dates.")
        return GroupCoherence(start, end, _empty_groups(), empty_members, reason=reason)
    frame = cursor.execute(GROUPS_SQL, {"account_id": account_id, "kind": kind, "start": start, "end": end}).df()
    space, fitted = _fit_members(frame, post_texts(cursor, account_id))
    fitted.insert(0, "group", frame["group"].to_numpy())
    rows = []
    for group in GROUPS:
        fits = fitted.loc[fitted["group"] == group, "fit"].to_numpy(dtype="float64")
        coherence = textfit.coherence_of(fits) if space.ok else None
        share = textfit.on_topic_share(fits) if space.ok else None
        rows.append({"group": group, "members": len(fits), "with_text": int((~np.isnan(fits)).sum()),
                     "coherence": np.nan if coherence is None else coherence,
                     "on_topic_share": np.nan if share is None else share})
    table = pd.DataFrame(rows)
    return GroupCoherence(start, end, table, fitted, space.basis, reason=space.reason, notes=_basis_note(space.basis))


# --- Topic clusters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    snapshot_date: dt.date | None
    table: pd.DataFrame  # cluster, label, top_terms, size, share
    members: pd.DataFrame  # member_key, handle, bio, cluster
    method: str = textfit.CLUSTER_METHOD
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class ClusterChange:
    start: dt.date | None
    end: dt.date | None
    table: pd.DataFrame  # cluster, label, top_terms, size_start, size_end, change
    method: str = textfit.CLUSTER_METHOD + " Topics are found once on the members of either snapshot, then counted in each."
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def topic_clusters(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, k: int = 6, kind: str = "follower"
) -> Clusters:
    """Topic clusters of the followers of one snapshot (default: the latest), from their bios."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    empty_members = pd.DataFrame({c: pd.Series(dtype="object") for c in ("member_key", "handle", "bio", "cluster")})
    if reason is not None or day is None:
        return Clusters(day, textfit._cluster_frame([], [], [], 0), empty_members, reason=reason)
    members = members_at(cursor, account_id, day, kind)
    found = textfit.cluster_texts(members["bio"], k=k)
    out = members[["member_key", "handle", "bio"]].copy().reset_index(drop=True)
    out["cluster"] = found.labels
    return Clusters(day, found.clusters, out, reason=found.reason)


def cluster_change(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    k: int = 6,
    kind: str = "follower",
) -> ClusterChange:
    """Cluster sizes at two snapshot dates (default: first and latest), topics fitted on both."""
    dates = _dates(cursor, account_id, kind)
    columns = ["cluster", "label", "top_terms", "size_start", "size_end", "change"]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    if len(dates) < 2:
        return ClusterChange(None, None, empty, reason=f"Not enough data: {len(dates)} {kind} snapshot(s); a change needs two.")
    start = dates[0] if start is None else _as_date(start)
    end = dates[-1] if end is None else _as_date(end)
    if start > end:
        start, end = end, start
    missing = [d.isoformat() for d in (start, end) if d not in dates]
    if missing or start == end:
        reason = f"No {kind} snapshot on {', '.join(missing)}." if missing else "The two snapshots are the same: choose two dates."
        return ClusterChange(start, end, empty, reason=reason)
    frame = cursor.execute(GROUPS_SQL, {"account_id": account_id, "kind": kind, "start": start, "end": end}).df()
    found = textfit.cluster_texts(frame["bio"], k=k)
    if not found.ok:
        return ClusterChange(start, end, empty, reason=found.reason)
    groups = frame["group"].to_numpy()
    labels = pd.Series(found.labels)
    at_start = labels[np.isin(groups, ("stayed", "left"))].value_counts()
    at_end = labels[np.isin(groups, ("stayed", "joined"))].value_counts()
    table = found.clusters[["cluster", "label", "top_terms"]].copy()
    table["size_start"] = table["cluster"].map(at_start).fillna(0).astype("int64")
    table["size_end"] = table["cluster"].map(at_end).fillna(0).astype("int64")
    table["change"] = table["size_end"] - table["size_start"]
    return ClusterChange(start, end, table.reset_index(drop=True))


# --- Languages -----------------------------------------------------------------------------

# The languages a bio may be detected as. Restricting lingua to a plausible set is what makes
# short texts usable: unrestricted, "Dad. Runner." comes out Norwegian and "Fan of Bern" German.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de", "it", "pt", "nl")
UNKNOWN = "unknown"
MIN_CONFIDENCE = 0.5  # lingua's confidence of the best language, among LANGUAGES
MIN_LETTERS = 10  # letters left once links, mentions and digits are gone
LANGUAGE_METHOD = (
    "Languages are detected with lingua (offline n-gram models, high-accuracy mode) restricted to "
    f"{', '.join(LANGUAGES)}, on bios (followers) and post texts (the account) without links, @mentions "
    f"and digits. A text is 'unknown' when it has fewer than {MIN_LETTERS} letters or the best language's "
    f"confidence is below {MIN_CONFIDENCE:.2f} (short or ambiguous texts: 'Data nerd' could be Italian). "
    "Every follower is analysed; identical texts are detected once."
)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@\w+|\d+")


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    """The lingua detector, built once per process (its models take about 3 s to load)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


def detect_languages(texts: pd.Series) -> pd.Series:
    """ISO 639-1 code per text (LANGUAGES), or UNKNOWN; see LANGUAGE_METHOD."""
    raw = texts.fillna("").astype(str)
    cleaned = raw.map(lambda t: " ".join(_NOISE.sub(" ", html.unescape(t)).replace("#", " ").split()))
    letters = cleaned.map(lambda t: len(_LETTER.findall(t)))
    candidates = pd.unique(cleaned[letters >= MIN_LETTERS].to_numpy(dtype=object))
    found: dict[str, str] = {}
    if len(candidates):
        values = _detector().compute_language_confidence_values_in_parallel(list(candidates))
        for text, ranking in zip(candidates, values, strict=True):
            best = ranking[0] if ranking else None
            if best is not None and best.value >= MIN_CONFIDENCE:
                found[text] = best.language.iso_code_639_1.name.lower()
    return pd.Series([found.get(t, UNKNOWN) for t in cleaned], index=texts.index, dtype="object")


@dataclass(frozen=True)
class LanguageMix:
    snapshot_date: dt.date | None
    table: pd.DataFrame  # language, followers, follower_share, posts, post_share (unknown last)
    followers: int
    posts: int
    seconds: float  # time spent detecting, for the page to show on big lists
    method: str = LANGUAGE_METHOD
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def follower_shares(self) -> dict[str, float]:
        return {str(r.language): float(r.follower_share) for r in self.table.itertuples() if r.followers > 0}


def language_mix(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, kind: str = "follower"
) -> LanguageMix:
    """Languages of the followers' bios against the languages of the account's posts."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    empty = pd.DataFrame({"language": pd.Series(dtype="object"), "followers": pd.Series(dtype="int64"),
                          "follower_share": pd.Series(dtype="float64"), "posts": pd.Series(dtype="int64"),
                          "post_share": pd.Series(dtype="float64")})
    if reason is not None or day is None:
        return LanguageMix(day, empty, 0, 0, 0.0, reason=reason)
    members = members_at(cursor, account_id, day, kind)
    posts = post_texts(cursor, account_id)
    began = time.perf_counter()
    follower_langs = detect_languages(members["bio"])
    post_langs = detect_languages(posts)
    seconds = time.perf_counter() - began
    f_counts, p_counts = follower_langs.value_counts(), post_langs.value_counts()
    order = [c for c in LANGUAGES if c in f_counts.index or c in p_counts.index] + [UNKNOWN]
    table = pd.DataFrame({"language": order})
    table["followers"] = table["language"].map(f_counts).fillna(0).astype("int64")
    table["posts"] = table["language"].map(p_counts).fillna(0).astype("int64")
    table["follower_share"] = table["followers"] / len(members) if len(members) else np.nan
    table["post_share"] = table["posts"] / len(posts) if len(posts) else np.nan
    table = table[["language", "followers", "follower_share", "posts", "post_share"]]
    return LanguageMix(day, table, len(members), len(posts), seconds)


# --- Countries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationMix:
    snapshot_date: dt.date | None
    table: pd.DataFrame  # country (ISO2 or "unknown"), country_name, followers, share; unknown last
    followers: int
    located: int
    method: str = LOCATION_METHOD
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def location_mix(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, kind: str = "follower"
) -> LocationMix:
    """Followers per country from their free-text profile location (see LOCATION_METHOD)."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    empty = pd.DataFrame({"country": pd.Series(dtype="object"), "country_name": pd.Series(dtype="object"),
                          "followers": pd.Series(dtype="int64"), "share": pd.Series(dtype="float64")})
    if reason is not None or day is None:
        return LocationMix(day, empty, 0, 0, reason=reason)
    members = members_at(cursor, account_id, day, kind)
    countries = countries_of(members["location"]).fillna(UNKNOWN)
    counts = countries.value_counts()
    known = counts.drop(UNKNOWN, errors="ignore").sort_values(ascending=False, kind="stable")
    ordered = pd.concat([known, counts.reindex([UNKNOWN]).dropna()])
    table = pd.DataFrame({"country": ordered.index.astype(str), "followers": ordered.to_numpy(dtype="int64")})
    table["country_name"] = [UNKNOWN if c == UNKNOWN else country_name(c) for c in table["country"]]
    table["share"] = table["followers"] / len(members) if len(members) else np.nan
    table = table[["country", "country_name", "followers", "share"]]
    located = int(known.sum())
    reason = None if located else "No follower location matched a country (empty locations or places the gazetteer does not hold)."
    return LocationMix(day, table, len(members), located, reason=reason)


# --- Known in person (the meetups feature) --------------------------------------------------


def known_in_person(cursor: duckdb.DuckDBPyConnection, account_id: int) -> float | None:
    """Share of followers met in person, from the meetups feature when it is installed.

    Looked up by name so this module works with or without that feature; None when it is absent
    or cannot say.
    """
    try:
        meetups = importlib.import_module("analytics.metrics.meetups")
    except ImportError:
        return None
    function = getattr(meetups, "known_in_person_share", None)
    if not callable(function):
        return None
    # Its own cursor: a result left half-read (fetchone) must not block the caller's cursor.
    own = cursor.cursor()
    try:
        value = function(own, account_id)
    except duckdb.CatalogException:  # a store opened before the meetups migration existed
        return None
    finally:
        own.close()
    return None if value is None or np.isnan(float(value)) else float(value)


# --- Report --------------------------------------------------------------------------------


def _share(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 4)


def audience_report(cursor: duckdb.DuckDBPyConnection, account_id: int) -> dict[str, Any]:
    """The report's `audience` key: coherence, stayers/leavers, languages, quality, known in person.

    Counts are over the latest follower list; stayers and leavers over the whole history (first
    to latest snapshot); null wherever the data cannot say.
    """
    from analytics.metrics.quality import RULES, RULES_VERSION, quality_audit

    coherence = audience_coherence(cursor, account_id)
    groups = group_coherence(cursor, account_id)
    languages = language_mix(cursor, account_id)
    audit = quality_audit(cursor, account_id)
    quality: dict[str, Any] = {"rules_version": RULES_VERSION}
    if audit.ok:
        summary = audit.summary
        quality.update({"audited": summary.audited, **{r.name: summary.counts[r.name] for r in RULES},
                        "suspicious_total": summary.suspicious_total, "quality_score": _share(summary.quality_score)})
    else:
        quality.update(dict.fromkeys(("audited", *(r.name for r in RULES), "suspicious_total", "quality_score")))
    return {
        "coherence": _share(coherence.coherence) if coherence.ok else None,
        "stayers_coherence": _share(groups.coherence("stayed")) if groups.ok else None,
        "leavers_coherence": _share(groups.coherence("left")) if groups.ok else None,
        "languages": {k: round(v, 4) for k, v in languages.follower_shares().items()} if languages.ok else {},
        "quality": quality,
        "known_in_person": _share(known_in_person(cursor, account_id)),
    }
