"""Who the followers are: coherence with the account's editorial line, topic clusters, stayers
versus leavers versus joiners, languages and countries.

Pure metrics: a cursor and parameters in, a frozen dataclass out (a `reason` instead of an
exception when the data cannot say). The text method is in analytics.metrics.textfit, places in
analytics.metrics.geo. Every follower of a list is analysed: nothing is sampled.

Profiles are each member's latest known profile (the store keeps one per member), so a list of
last year is read with today's bios for members still known today, and with their last known
bio for those who left.

The per-profile work (language, country, fit, topic) is done once per profile text by the
analysis step, analytics.analysis, and kept in the store; these functions count its results
for the snapshots asked (figures the page opens on are counted once and kept too), read through
analytics.metrics.kept. They never run the analysis: their caller does first (the Audience page's
`audience_analysis`, the CLI, the report); when it has not run since the last import, they say so
(NOT_ANALYSED). Language detection is analytics.metrics.languages.
"""

from __future__ import annotations

import datetime as dt
import html
import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.i18n import N_, _, use_language
from analytics.metrics import kept as kept_figures
from analytics.metrics import meetups as meetup_metrics
from analytics.metrics import textfit
from analytics.metrics.geo import LOCATION_METHOD, country_name
from analytics.metrics.languages import LANGUAGE_METHOD as LANGUAGE_METHOD  # the page reads these here
from analytics.metrics.languages import LANGUAGES
from analytics.metrics.languages import UNKNOWN as UNKNOWN
from analytics.metrics.languages import detect_languages as detect_languages  # public here too (the page, the tests)
from analytics.metrics.lists import snapshot_dates
from analytics.metrics.quality import RULES, RULES_VERSION, quality_audit


def coherence_method() -> str:
    """Coherence with the editorial line, the whole method, in the current language."""
    return " ".join((
        _("Coherence with the editorial line."), textfit.fit_method(), textfit.coherence_method(),
        _("When the account has no post with text, the followers' own mean vector (the dominant topics of "
          "every follower the account has had) stands in for the account's, and the result says so."),
    ))


with use_language("en"):
    METHOD = coherence_method()
# Said after the topic method where two lists' topics are compared.
SAME_TOPICS_NOTE = N_("The topics are the account's, so both lists are counted in the same topics.")
GROUPS_METHOD = N_(
    "Between two snapshots: stayers are in both, leavers only in the first, joiners only in the second "
    "(net changes, as on the Lists page). Each group's coherence is the same formula over its members, "
    "all fitted in the account's one TF-IDF space with its posts."
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
    SELECT DISTINCT member_id FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $day AND (last_seen IS NULL OR last_seen >= $day)
)
SELECT p.member_key, {_PROFILE_FIELDS}
FROM members m
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
ORDER BY p.member_key
"""  # noqa: S608 - the interpolated part is a constant column list

# Stayers, leavers and joiners between two snapshot dates, one row per member of either.
GROUPS_SQL = kept_figures.PAIR_GROUPS_CTE + f"""SELECT g.grp AS "group", p.member_key, {_PROFILE_FIELDS}
FROM g
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = g.member_id
ORDER BY g.grp, p.member_key
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
        return None, _("No {kind} list imported yet: audience figures need at least one.").format(kind=kind)
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


# --- The analysis' results --------------------------------------------------------------------

NOT_ANALYSED = N_(
    "The audience analysis has not run since the last import, and this store is open read-only (another "
    "Palier process holds it): close that process, or run `python -m analytics analyse --account NAME`."
)
PEOPLE_SHOWN = kept_figures.PEOPLE_SHOWN

TERMS_SQL = """
SELECT term, weight FROM audience_terms
WHERE account_id = $account_id AND space = 'fit' AND weight > 0
ORDER BY weight DESC, position LIMIT $top
"""
# Each topic's strongest terms (at most $top), with their weight in it and over every topic: the
# names are chosen among them (textfit.topic_names), the table shows the first five.
TOPIC_TERMS_SQL = """
WITH ranked AS (
    SELECT t.topic, m.term, t.weight, sum(t.weight) OVER (PARTITION BY t.position) AS total,
           row_number() OVER (PARTITION BY t.topic ORDER BY t.weight DESC, t.position) AS rank
    FROM audience_topics t
    JOIN audience_terms m ON m.account_id = t.account_id AND m.space = 'topics' AND m.position = t.position
    WHERE t.account_id = $account_id
)
SELECT topic, list(term ORDER BY rank) AS terms, list(weight ORDER BY rank) AS weights, list(total ORDER BY rank) AS totals
FROM ranked WHERE rank <= $top GROUP BY topic ORDER BY topic
"""
def analysis_state(cursor: duckdb.DuckDBPyConnection, account_id: int) -> kept_figures.State | None:
    """The account's current analysis; None when it has not run since the last import. Only reads:
    the caller runs the analysis step first (analytics.analysis.refresh_features), and a reader
    given None says why (NOT_ANALYSED)."""
    return kept_figures.current_state(cursor, account_id)


def snapshot_figures(cursor: duckdb.DuckDBPyConnection, account_id: int, state: kept_figures.State | None, day: dt.date,
                     kind: str = "follower") -> pd.DataFrame:
    """The snapshot's cube (dimension, value, members, with_text, score_sum, on_topic): the kept one
    when the analysis counted it (whole for the first and latest lists, the figures read here for
    the others), else counted now."""
    if state is not None and kind == kept_figures.KIND:
        kept = kept_figures.kept_cube(cursor, account_id, state, day)
        if not kept.empty:
            return kept
        # Any other list: the figures this module reads, kept for every list.
        every = kept_figures.kept_list_cube(cursor, account_id, state, day)
        if every is not None:
            return every
    return kept_figures.snapshot_cube(cursor, account_id, day, kind)


def _rows(cube: pd.DataFrame, dimension: str) -> pd.DataFrame:
    return cube[cube["dimension"] == dimension]


def _count(cube: pd.DataFrame, dimension: str, column: str = "members", value: str | None = None) -> int:
    rows = _rows(cube, dimension)
    if value is not None:
        rows = rows[rows["value"] == value]
    return int(pd.to_numeric(rows[column], errors="coerce").fillna(0).sum()) if not rows.empty else 0


def _posts_figures(cursor: duckdb.DuckDBPyConnection, account_id: int, state: kept_figures.State | None) -> pd.DataFrame:
    if state is not None:
        kept = kept_figures.kept_cube(cursor, account_id, state, None)
        if not kept.empty:
            return kept
    return kept_figures.post_cube(post_texts(cursor, account_id))


def _people(cursor: duckdb.DuckDBPyConnection, account_id: int, state: kept_figures.State | None, day: dt.date,
            which: str, kind: str) -> pd.DataFrame:
    """The first people of a list (kept_figures.PEOPLE_COLUMNS): kept by the analysis, else read now."""
    if state is not None and kind == kept_figures.KIND:
        kept = kept_figures.kept_people(cursor, account_id, state, day, which)
        if kept is None and which == "fit":  # any other list's best fits, from the kept pool
            kept = kept_figures.kept_best_fits(cursor, account_id, state, day)
        if kept is not None:
            return kept
    return kept_figures.people_list(cursor, account_id, day, which, kind)


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
    members: pd.DataFrame  # member_key, handle, name, bio, fit, score, on_topic: the PEOPLE_SHOWN best fits first
    threshold: float = textfit.ON_TOPIC_THRESHOLD
    method: str = METHOD
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    # Followers per fit bin (bin_start, bin_end, followers), every judged follower counted.
    histogram: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"bin_start": pd.Series(dtype="float64"), "bin_end": pd.Series(dtype="float64"), "followers": pd.Series(dtype="int64")}))

    @property
    def ok(self) -> bool:
        return self.reason is None


def _with_scores(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[[c for c in ("member_key", "handle", "name", "bio") if c in frame.columns]].copy().reset_index(drop=True)
    fits = pd.to_numeric(frame["fit"], errors="coerce").to_numpy(dtype="float64") if "fit" in frame else np.full(len(out), np.nan)
    out["fit"] = fits
    out["score"] = textfit.follower_score(fits)
    # Typed on its own line: np.where's and pd.array's overloads, matched in one expression, took
    # mypy over a second.
    on_topic: np.ndarray[Any, np.dtype[np.object_]] = np.where(np.isnan(fits), None, fits >= textfit.ON_TOPIC_THRESHOLD)
    out["on_topic"] = pd.array(on_topic, dtype="boolean")
    return out


def _basis_note(basis: str | None) -> list[str]:
    if basis == "followers":
        return [_("The account has no post with text: coherence is measured against the followers' own dominant "
                  "topics (how concentrated the audience is), not against the account's editorial line.")]
    return []


def _terms(cursor: duckdb.DuckDBPyConnection, account_id: int, top: int = 20) -> pd.DataFrame:
    frame = cursor.execute(TERMS_SQL, {"account_id": account_id, "top": top}).df()
    return pd.DataFrame({"term": pd.array(frame["term"].astype(str), dtype="string"),
                         "weight": frame["weight"].astype("float64")})


def _hashtags(posts: pd.DataFrame) -> pd.DataFrame:
    rows = _rows(posts, "hashtag").sort_values(["members", "value"], ascending=[False, True], kind="stable")
    return pd.DataFrame({"hashtag": pd.array(rows["value"].astype(str), dtype="string"),
                         "uses": rows["members"].to_numpy(dtype="int64")})


def _histogram(cube: pd.DataFrame) -> pd.DataFrame:
    rows = _rows(cube, "fit_bin")
    bins = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")
    width = pd.to_numeric(rows["score_sum"], errors="coerce").to_numpy(dtype="float64")
    frame = pd.DataFrame({"bin_start": bins * width, "bin_end": (bins + 1) * width,
                          "followers": rows["members"].to_numpy(dtype="int64")})
    return frame.sort_values("bin_start", kind="stable").reset_index(drop=True)


def audience_coherence(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, kind: str = "follower"
) -> Coherence:
    """Coherence of the snapshot of `snapshot_date` (default: the latest) with the account's posts."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    member_columns = ("member_key", "handle", "name", "bio", "fit", "score", "on_topic")
    empty_members = pd.DataFrame({c: pd.Series(dtype="object") for c in member_columns})
    empty_terms = pd.DataFrame({"term": pd.Series(dtype="string"), "weight": pd.Series(dtype="float64")})
    if reason is not None or day is None:
        hashtags = textfit.hashtags_of(post_texts(cursor, account_id))
        return Coherence(day, None, None, None, 0, 0, empty_terms, hashtags, empty_members, reason=reason)
    state = analysis_state(cursor, account_id)
    hashtags = _hashtags(_posts_figures(cursor, account_id, state))
    if state is None:
        return Coherence(day, None, None, None, 0, 0, empty_terms, hashtags, empty_members, reason=_(NOT_ANALYSED))
    cube = snapshot_figures(cursor, account_id, state, day, kind)
    followers, with_text = _count(cube, "all"), _count(cube, "all", "with_text")
    terms = _terms(cursor, account_id) if state.fit_reason is None else empty_terms
    fitted = _with_scores(_people(cursor, account_id, state, day, "fit", kind))
    if state.fit_reason is not None:
        return Coherence(day, state.basis, None, None, followers, with_text, terms, hashtags, fitted, reason=state.fit_reason)
    score_sum, on_topic = float(_count_float(cube, "all", "score_sum")), _count(cube, "all", "on_topic")
    return Coherence(
        day, state.basis, score_sum / with_text if with_text else None, on_topic / with_text if with_text else None,
        followers, with_text, terms, hashtags, fitted, notes=_basis_note(state.basis), histogram=_histogram(cube),
    )


def _count_float(cube: pd.DataFrame, dimension: str, column: str) -> float:
    rows = _rows(cube, dimension)
    return float(pd.to_numeric(rows[column], errors="coerce").fillna(0).sum()) if not rows.empty else 0.0


# --- Stayers, leavers, joiners ------------------------------------------------------------


@dataclass(frozen=True)
class GroupCoherence:
    start: dt.date | None
    end: dt.date | None
    table: pd.DataFrame  # group (stayed/left/joined), members, with_text, coherence, on_topic_share
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


def _two_dates(dates: list[dt.date], start: dt.date | None, end: dt.date | None, kind: str,
               what: str) -> tuple[dt.date | None, dt.date | None, str | None]:
    if len(dates) < 2:
        return None, None, _("Not enough data: {count} {kind} snapshot(s); {what} two.").format(
            count=len(dates), kind=kind, what=what)
    start = dates[0] if start is None else _as_date(start)
    end = dates[-1] if end is None else _as_date(end)
    if start > end:
        start, end = end, start
    missing = [d.isoformat() for d in (start, end) if d not in dates]
    if missing or start == end:
        same = _("The two snapshots are the same: choose two dates.")
        return start, end, (_("No {kind} snapshot on {days}.").format(kind=kind, days=", ".join(missing)) if missing else same)
    return start, end, None


def group_coherence(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "follower",
) -> GroupCoherence:
    """Mean coherence of stayers, leavers and joiners between two snapshot dates (default: the
    first and the latest snapshot, the whole history)."""
    start, end, reason = _two_dates(_dates(cursor, account_id, kind), start, end, kind, _("stayers and leavers need"))
    if reason is not None or start is None or end is None:
        return GroupCoherence(start, end, _empty_groups(), reason=reason)
    state = analysis_state(cursor, account_id)
    if state is None:
        return GroupCoherence(start, end, _empty_groups(), reason=_(NOT_ANALYSED))
    cube: pd.DataFrame | None = pd.DataFrame()
    if kind == kept_figures.KIND:
        cube = kept_figures.kept_cube(cursor, account_id, state, end, start)
        if cube.empty:  # any other pair of lists, from the kept spells
            cube = kept_figures.kept_pair_cube(cursor, account_id, state, start, end)
    if cube is None or cube.empty:
        cube = kept_figures.pair_cube(cursor, account_id, start, end, kind)
    rows = []
    for group in GROUPS:
        with_text = _count(cube, "group", "with_text", group)
        score_sum = _count_float(cube[cube["value"] == group], "group", "score_sum")
        on_topic = _count(cube, "group", "on_topic", group)
        known = state.fit_reason is None and with_text > 0
        rows.append({"group": group, "members": _count(cube, "group", "members", group), "with_text": with_text,
                     "coherence": score_sum / with_text if known else np.nan,
                     "on_topic_share": on_topic / with_text if known else np.nan})
    table = pd.DataFrame(rows).astype({"members": "int64", "with_text": "int64", "coherence": "float64", "on_topic_share": "float64"})
    return GroupCoherence(start, end, table, state.basis, reason=state.fit_reason, notes=_basis_note(state.basis))


# --- Topic clusters ------------------------------------------------------------------------


@dataclass(frozen=True)
class Clusters:
    snapshot_date: dt.date | None
    table: pd.DataFrame  # cluster, label, top_terms, size, share
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
    method: str = textfit.CLUSTER_METHOD + " " + SAME_TOPICS_NOTE
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _topic_labels(cursor: duckdb.DuckDBPyConnection, account_id: int, top: int = 5) -> pd.DataFrame:
    """cluster, label (the most telling distinct words, textfit.topic_names), top_terms of the
    account's topics, then the 'no topic words' row."""
    frame = cursor.execute(TOPIC_TERMS_SQL, {"account_id": account_id, "top": max(top, textfit.LABEL_CANDIDATES)}).df()
    candidates = [list(t) for t in frame["terms"]]
    names = textfit.topic_names(candidates, [np.asarray(w, dtype="float64") for w in frame["weights"]],
                                [np.asarray(t, dtype="float64") for t in frame["totals"]])
    tops = [t[:top] for t in candidates]
    table = pd.DataFrame({"cluster": frame["topic"].astype("int64"), "label": names,
                          "top_terms": pd.Series(tops, dtype="object")})
    extra = pd.DataFrame({"cluster": [textfit.NO_TOPIC], "label": [_(textfit.NO_TOPIC_LABEL)], "top_terms": [[]]})
    return pd.concat([table, extra], ignore_index=True)


def _topic_sizes(cube: pd.DataFrame) -> pd.Series:
    rows = _rows(cube, "topic")
    return pd.Series(rows["members"].to_numpy(dtype="int64"), index=pd.to_numeric(rows["value"]).astype("int64"))


def _bios_reason(cube: pd.DataFrame, min_texts: int = 10) -> str | None:
    bios = _count(cube, "bios")
    return None if bios >= min_texts else _("Not enough bios: {bios} follower(s) have one, at least {min_texts} are needed.").format(
        bios=bios, min_texts=min_texts)


def topic_clusters(
    cursor: duckdb.DuckDBPyConnection, account_id: int, snapshot_date: dt.date | None = None, kind: str = "follower"
) -> Clusters:
    """Topic clusters of the followers of one snapshot (default: the latest), from their bios."""
    day, reason = _pick_date(_dates(cursor, account_id, kind), snapshot_date, kind)
    if reason is not None or day is None:
        return Clusters(day, textfit._cluster_frame([], [], [], 0), reason=reason)
    state = analysis_state(cursor, account_id)
    if state is None:
        return Clusters(day, textfit._cluster_frame([], [], [], 0), reason=_(NOT_ANALYSED))
    cube = snapshot_figures(cursor, account_id, state, day, kind)
    reason = _bios_reason(cube) or state.topics_reason
    if reason is not None:
        return Clusters(day, textfit._cluster_frame([], [], [], 0), reason=reason)
    total = _count(cube, "all")
    sizes = _topic_sizes(cube)
    table = _topic_labels(cursor, account_id)
    table["size"] = table["cluster"].map(sizes).fillna(0).astype("int64")
    table["share"] = table["size"] / total if total else 0.0
    # Biggest topic first; 'no topic words' last, and only when someone is in it.
    topics = table[table["cluster"] != textfit.NO_TOPIC].sort_values(["size", "cluster"], ascending=[False, True], kind="stable")
    none = table[(table["cluster"] == textfit.NO_TOPIC) & (table["size"] > 0)]
    return Clusters(day, pd.concat([topics, none], ignore_index=True))


def cluster_change(
    cursor: duckdb.DuckDBPyConnection,
    account_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str = "follower",
) -> ClusterChange:
    """Cluster sizes at two snapshot dates (default: first and latest), in the account's topics."""
    columns = ["cluster", "label", "top_terms", "size_start", "size_end", "change"]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    start, end, reason = _two_dates(_dates(cursor, account_id, kind), start, end, kind, _("a change needs"))
    if reason is not None or start is None or end is None:
        return ClusterChange(start, end, empty, reason=reason)
    state = analysis_state(cursor, account_id)
    if state is None:
        return ClusterChange(start, end, empty, reason=_(NOT_ANALYSED))
    # The model needs enough bios among the account's profiles (a superset of both lists).
    if state.topics_reason is not None:
        return ClusterChange(start, end, empty, reason=state.topics_reason)
    # Any two lists can be chosen: the analysis keeps every list's topic sizes, so a change of
    # date reads a few rows instead of counting two lists' million members.
    kept = kept_figures.kept_list_topics(cursor, account_id, state, [start, end]) if kind == kept_figures.KIND else None
    if kept is not None:
        at_start, at_end = kept[start], kept[end]
    else:
        at_start = _topic_sizes(snapshot_figures(cursor, account_id, state, start, kind))
        at_end = _topic_sizes(snapshot_figures(cursor, account_id, state, end, kind))
    table = _topic_labels(cursor, account_id)
    table["size_start"] = table["cluster"].map(at_start).fillna(0).astype("int64")
    table["size_end"] = table["cluster"].map(at_end).fillna(0).astype("int64")
    table["change"] = table["size_end"] - table["size_start"]
    keep = (table["cluster"] != textfit.NO_TOPIC) | (table["size_start"] > 0) | (table["size_end"] > 0)
    return ClusterChange(start, end, table[keep].reset_index(drop=True))


# --- Languages -----------------------------------------------------------------------------


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
    began = time.perf_counter()
    state = analysis_state(cursor, account_id)
    if state is None:
        return LanguageMix(day, empty, 0, 0, 0.0, reason=_(NOT_ANALYSED))
    cube = snapshot_figures(cursor, account_id, state, day, kind)
    posts_cube = _posts_figures(cursor, account_id, state)
    followers, posts = _count(cube, "all"), _count(posts_cube, "posts")
    f_rows, p_rows = _rows(cube, "language"), _rows(posts_cube, "post_language")
    f_counts = pd.Series(f_rows["members"].to_numpy(dtype="int64"), index=f_rows["value"].astype(str))
    p_counts = pd.Series(p_rows["members"].to_numpy(dtype="int64"), index=p_rows["value"].astype(str))
    order = [c for c in LANGUAGES if c in f_counts.index or c in p_counts.index] + [UNKNOWN]
    table = pd.DataFrame({"language": order})
    table["followers"] = table["language"].map(f_counts).fillna(0).astype("int64")
    table["posts"] = table["language"].map(p_counts).fillna(0).astype("int64")
    table["follower_share"] = table["followers"] / followers if followers else np.nan
    table["post_share"] = table["posts"] / posts if posts else np.nan
    table = table[["language", "followers", "follower_share", "posts", "post_share"]]
    return LanguageMix(day, table, followers, posts, time.perf_counter() - began)


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
    state = analysis_state(cursor, account_id)
    if state is None:
        return LocationMix(day, empty, 0, 0, reason=_(NOT_ANALYSED))
    cube = snapshot_figures(cursor, account_id, state, day, kind)
    followers = _count(cube, "all")
    rows = _rows(cube, "country")
    counts = pd.Series(rows["members"].to_numpy(dtype="int64"), index=rows["value"].astype(str))
    known = counts.drop(UNKNOWN, errors="ignore")
    known = known.iloc[np.lexsort((known.index.to_numpy(dtype=str), -known.to_numpy()))] if len(known) else known
    ordered = pd.concat([known, counts.reindex([UNKNOWN]).dropna()])
    table = pd.DataFrame({"country": ordered.index.astype(str), "followers": ordered.to_numpy(dtype="int64")})
    table["country_name"] = [UNKNOWN if c == UNKNOWN else country_name(c) for c in table["country"]]
    table["share"] = table["followers"] / followers if followers else np.nan
    table = table[["country", "country_name", "followers", "share"]]
    located = int(known.sum())
    reason = None if located else _("No follower location matched a country (empty locations or places the gazetteer does not hold).")
    return LocationMix(day, table, followers, located, reason=reason)


# --- Known in person (the meetups feature) --------------------------------------------------


def known_in_person(cursor: duckdb.DuckDBPyConnection, account_id: int) -> float | None:
    """Share of followers met in person, from the meetups feature; None when it cannot say."""
    # Its own cursor: a result left half-read (fetchone) must not block the caller's cursor.
    own = cursor.cursor()
    try:
        value = meetup_metrics.known_in_person_share(own, account_id)
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
