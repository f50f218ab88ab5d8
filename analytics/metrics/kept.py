"""What the audience analysis step (analytics.analysis) kept, read back; and the same figures
counted now, for lists and states it did not keep.

Read-only: a cursor and parameters in, a frame out. The analysis writes `audience_state`,
`profile_features`, `audience_cubes`, `audience_people`, `list_people` and `spell_grid`; this module
only reads them. A reader given no State (the analysis has not run since the last import) counts
the figures from the features as they are (`snapshot_cube`, `pair_cube`, `people_list`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.metrics import textfit
from analytics.metrics.languages import detect_languages
from analytics.metrics.quality_rules import AUDITED_SQL, PATTERN_RULE_NAMES_V2, RULE_NAMES_V2, RULE_PARAMS, RULE_SQL, RULE_SQL_V2, RULES

# Bump when a feature's method changes (textfit, lingua settings, geo, the cube's figures):
# every profile of every account is then analysed again at the next refresh, and until then no
# kept figure is read (current_state returns None).
FEATURES_VERSION = 1
PEOPLE_SHOWN = 1000  # rows kept for the page's lists of people (best fits, flagged followers)
HISTOGRAM_BINS = 30
KIND = "follower"
LIST_COUNTS = "churn_lists"  # the audience_cubes dimension of the Churn page's kept lists (analytics.metrics.lists)

# --- SQL ---------------------------------------------------------------------------------------

# What the page's lists of people show (audience_people keeps them for the kept lists).
PEOPLE_COLUMNS = ("member_key", "handle", "name", "bio", "fit", "followers_count", "following_count", "posts_count",
                  "created_at", "last_post_at", "default_avatar")

# The account's imports, hashed: every change to profiles, spells or posts comes from an import
# (or the deletion of one), so an unchanged hash means unchanged inputs.
FINGERPRINT_SQL = """
SELECT coalesce(hash(string_agg(CAST(import_id AS VARCHAR), ',' ORDER BY import_id)), 0)
FROM imports WHERE account_id = $account_id
"""
STATE_SQL = "SELECT * FROM audience_state WHERE account_id = $account_id"

# The members of one snapshot with their features and the fields the quality rules read.
_MEMBERS_CTE = f"""
m AS (
    SELECT DISTINCT member_id FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $day AND (last_seen IS NULL OR last_seen >= $day)
),
x AS MATERIALIZED (
    SELECT m.member_id, p.member_key, f.language, f.country, f.fit, f.topic,
           trim(coalesce(p.bio, '')) <> '' AS has_bio,
           p.default_avatar, p.bio, p.posts_count, p.following_count, p.followers_count, p.last_post_at, p.created_at,
           {RULE_SQL["egg"]} AS egg,
           {RULE_SQL["spam"]} AS spam,
           {RULE_SQL["mass_follower"]} AS mass_follower,
           {RULE_SQL["inactive"]} AS inactive,
           {RULE_SQL["new_account"]} AS new_account,
           {RULE_SQL_V2["default_profile"]} AS default_profile,
           {AUDITED_SQL} AS audited
    FROM m
    LEFT JOIN profile_features f ON f.account_id = $account_id AND f.member_id = m.member_id
    LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
)
"""  # noqa: S608 - the interpolated parts are constants or quoted names
_RULE_NAMES = [rule.name for rule in RULES]
# Rules v2 under their own names: default_profile is its own column, the others are v1's.
_V2_COLUMNS = {"default_profile": "default_profile", "no_posts_many_follows": "spam", "follows_many": "mass_follower",
               "inactive": "inactive", "new_account": "new_account"}
assert tuple(_V2_COLUMNS) == RULE_NAMES_V2
_V2_PATTERN = " OR ".join(_V2_COLUMNS[name] for name in PATTERN_RULE_NAMES_V2)
_V2_ANY = " OR ".join(_V2_COLUMNS.values())

# Every figure of one snapshot, in long form (dimension, value, counts).
SNAPSHOT_CUBE_SQL = f"""
WITH {_MEMBERS_CTE},
width AS (SELECT greatest(coalesce(max(fit), 0), 2 * $threshold) / {HISTOGRAM_BINS} AS w FROM x)
SELECT 'all' AS dimension, NULL AS value, count(*) AS members, count(fit) AS with_text,
       sum(least(fit / $full_fit, 1)) AS score_sum, count(*) FILTER (WHERE fit >= $threshold) AS on_topic
FROM x
UNION ALL
SELECT 'bios', NULL, count(*) FILTER (WHERE has_bio), NULL, NULL, NULL FROM x
UNION ALL
SELECT 'language', coalesce(language, 'unknown'), count(*), NULL, NULL, NULL FROM x GROUP BY 2
UNION ALL
SELECT 'country', coalesce(country, 'unknown'), count(*), NULL, NULL, NULL FROM x GROUP BY 2
UNION ALL
SELECT 'topic', CAST(coalesce(topic, -1) AS VARCHAR), count(*), NULL, NULL, NULL FROM x GROUP BY 2
UNION ALL
SELECT 'fit_bin', CAST(least(floor(fit / w), {HISTOGRAM_BINS - 1}) AS INTEGER), count(*), NULL, any_value(w), NULL
FROM x, width WHERE fit IS NOT NULL GROUP BY 2
UNION ALL
SELECT 'rule', unnest({_RULE_NAMES!r}),
       unnest([{", ".join(f"count(*) FILTER (WHERE audited AND {name})" for name in _RULE_NAMES)}]), NULL, NULL, NULL
FROM x
UNION ALL
SELECT 'audit', unnest(['audited', 'suspicious', 'good', 'flagged']),
       unnest([count(*) FILTER (WHERE audited),
               count(*) FILTER (WHERE audited AND (egg OR spam OR mass_follower)),
               count(*) FILTER (WHERE audited AND NOT (egg OR spam OR mass_follower OR inactive)),
               count(*) FILTER (WHERE audited AND (egg OR spam OR mass_follower OR inactive OR new_account))]),
       NULL, NULL, NULL
FROM x
UNION ALL
SELECT 'rule_v2', unnest({list(RULE_NAMES_V2)!r}),
       unnest([{", ".join(f"count(*) FILTER (WHERE audited AND {column})" for column in _V2_COLUMNS.values())}]),
       NULL, NULL, NULL
FROM x
UNION ALL
SELECT 'audit_v2', unnest(['audited', 'pattern', 'good', 'flagged']),
       unnest([count(*) FILTER (WHERE audited),
               count(*) FILTER (WHERE audited AND ({_V2_PATTERN})),
               count(*) FILTER (WHERE audited AND NOT ({_V2_PATTERN} OR inactive)),
               count(*) FILTER (WHERE audited AND ({_V2_ANY}))]),
       NULL, NULL, NULL
FROM x
UNION ALL
SELECT 'known_field', unnest(['default_avatar', 'bio', 'posts_count', 'following_count', 'followers_count',
                              'last_post_at', 'created_at']),
       unnest([count(default_avatar), count(bio), count(posts_count), count(following_count), count(followers_count),
               count(last_post_at), count(created_at)]), NULL, NULL, NULL
FROM x
"""  # noqa: S608 - the interpolated parts are constants

# The first people of a snapshot's lists, in the order the page shows them, with what it shows.
_PEOPLE_SELECT = """
SELECT p.member_key, p.handle, p.name, p.bio, x.fit, p.followers_count, p.following_count, p.posts_count,
       p.created_at, p.last_post_at, p.default_avatar
FROM chosen x LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = x.member_id
ORDER BY x.rank
"""
BEST_FITS_SQL = f"""
WITH {_MEMBERS_CTE},
chosen AS (SELECT member_id, fit, row_number() OVER (ORDER BY fit DESC NULLS LAST, member_key) AS rank
           FROM x ORDER BY fit DESC NULLS LAST, member_key LIMIT $limit)
{_PEOPLE_SELECT}
"""  # noqa: S608 - the interpolated parts are constants
FLAGGED_SQL = f"""
WITH {_MEMBERS_CTE},
chosen AS (SELECT member_id, fit, row_number() OVER (ORDER BY member_key) AS rank FROM x
           WHERE audited AND (egg OR spam OR mass_follower OR inactive OR new_account)
           ORDER BY member_key LIMIT $limit)
{_PEOPLE_SELECT}
"""  # noqa: S608 - the interpolated parts are constants
FLAGGED_ALL_SQL = FLAGGED_SQL.replace("LIMIT $limit", "")

# Each member of either of two snapshots (start, end) as `g(member_id, grp)`: 'stayed', 'left'
# or 'joined'. Shared with the Audience page's own lists (audience.GROUPS_SQL).
PAIR_GROUPS_CTE = """
WITH a AS (
    SELECT DISTINCT member_id FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $start AND (last_seen IS NULL OR last_seen >= $start)
),
b AS (
    SELECT DISTINCT member_id FROM spells
    WHERE account_id = $account_id AND kind = $kind
      AND first_seen <= $end AND (last_seen IS NULL OR last_seen >= $end)
),
g AS (
    SELECT coalesce(a.member_id, b.member_id) AS member_id,
           CASE WHEN a.member_id IS NULL THEN 'joined' WHEN b.member_id IS NULL THEN 'left' ELSE 'stayed' END AS grp
    FROM a FULL OUTER JOIN b ON a.member_id = b.member_id
)
"""

# Stayers, leavers and joiners between two snapshots, counted once.
PAIR_CUBE_SQL = PAIR_GROUPS_CTE + """SELECT 'group' AS dimension, g.grp AS value, count(*) AS members, count(f.fit) AS with_text,
       sum(least(f.fit / $full_fit, 1)) AS score_sum, count(*) FILTER (WHERE f.fit >= $threshold) AS on_topic
FROM g LEFT JOIN profile_features f ON f.account_id = $account_id AND f.member_id = g.member_id
GROUP BY g.grp
"""

LIST_PREFIX = "list_"  # the analysis keeps every list's figures under their dimension with this prefix
LIST_TOPICS = LIST_PREFIX + "topic"
FIT_POOL = "fit_pool"  # its list in list_people; its size and the spells' count in audience_cubes
POOL_SIZE_SQL = """
SELECT members, with_text FROM audience_cubes
WHERE account_id = $account_id AND fingerprint = $fingerprint AND dimension = $dimension
"""  # the spells of the account, and how many of them the pool holds
KEPT_BEST_FITS_SQL = f"""
SELECT {", ".join(PEOPLE_COLUMNS)} FROM list_people
WHERE account_id = $account_id AND fingerprint = $fingerprint AND list = $list
  AND first_seen <= $day AND (last_seen IS NULL OR last_seen >= $day)
ORDER BY rank LIMIT $limit
"""  # noqa: S608 - the interpolated part is a constant column list

# Stayers, leavers and joiners between any two lists (the Audience page's period may start and
# end on any list; counting two lists' members took over a second). A member is in both lists when
# one spell covers both, or when two of their spells do (they left and came back in between). The
# spells are kept grouped by their first and last list in `spell_grid` (INSERT_GRID_SQL: at most
# lists² cells, about 67,000 for a year of daily lists), so the first term is a sum over the cells
# started by the earlier list and not ended before the later one; the spells of the members who
# came back are kept whole (RETURNER_SPELLS_SQL, usually few: at most MAX_RETURNER_SPELLS, else
# the pair is counted when asked) for the second term. Leavers and joiners are each list's members
# less the stayers.
RETURNERS = "returner_spells"  # its list in list_people; their number in audience_cubes
# The stayers between lists $start and $end: one spell covering both, or (members who came back)
# two different spells covering one each.
KEPT_STAYERS_SQL = """
WITH grid AS (
    SELECT sum(members) AS members, sum(with_text) AS with_text, sum(score_sum) AS score_sum, sum(on_topic) AS on_topic
    FROM spell_grid
    WHERE account_id = $account_id AND fingerprint = $fingerprint
      AND first_seen <= $start AND (last_seen IS NULL OR last_seen >= $end)
),
member AS (
    SELECT member_key, any_value(fit) AS fit,
           bool_or(first_seen <= $start AND (last_seen IS NULL OR last_seen >= $start)) AS at_start,
           bool_or(first_seen <= $end AND (last_seen IS NULL OR last_seen >= $end)) AS at_end,
           bool_or(first_seen <= $start AND (last_seen IS NULL OR last_seen >= $end)) AS one_spell
    FROM list_people
    WHERE account_id = $account_id AND fingerprint = $fingerprint AND list = $returners
    GROUP BY member_key
),
back AS (
    SELECT count(*) AS members, count(fit) AS with_text, sum(least(fit / $full_fit, 1)) AS score_sum,
           count(*) FILTER (WHERE fit >= $threshold) AS on_topic
    FROM member WHERE at_start AND at_end AND NOT one_spell
)
SELECT coalesce(g.members, 0) + b.members AS members, coalesce(g.with_text, 0) + b.with_text AS with_text,
       coalesce(g.score_sum, 0) + coalesce(b.score_sum, 0) AS score_sum, coalesce(g.on_topic, 0) + b.on_topic AS on_topic
FROM grid g, back b
"""

# Dimensions kept beside the snapshots' cubes (every list's trend and figures, the counts of the
# Churn page's kept lists, the fit pool's size, the returners' count): read by their own functions, never part of one
# snapshot's cube (their rows are dated, but a date's cube must hold only its own figures).
APART_DIMENSIONS = ("trend", "trend_v2", LIST_COUNTS, FIT_POOL, RETURNERS)
CUBE_READ_SQL = f"""
SELECT dimension, value, members, with_text, score_sum, on_topic FROM audience_cubes
WHERE account_id = $account_id AND fingerprint = $fingerprint
  AND snapshot_date IS NOT DISTINCT FROM $day AND since_date IS NOT DISTINCT FROM $since
  AND dimension NOT IN {APART_DIMENSIONS!r} AND NOT starts_with(dimension, '{LIST_PREFIX}')
"""  # noqa: S608 - the interpolated parts are constants
LIST_CUBE_READ_SQL = f"""
SELECT dimension[{len(LIST_PREFIX) + 1}:] AS dimension, value, members, with_text, score_sum, on_topic FROM audience_cubes
WHERE account_id = $account_id AND fingerprint = $fingerprint AND snapshot_date = $day AND since_date IS NULL
  AND starts_with(dimension, '{LIST_PREFIX}')
"""  # noqa: S608 - the interpolated parts are constants
CUBE_DIMENSION_SQL = """
SELECT snapshot_date, value, members FROM audience_cubes
WHERE account_id = $account_id AND fingerprint = $fingerprint AND dimension = $dimension
ORDER BY snapshot_date
"""
PEOPLE_READ_SQL = f"""
SELECT {", ".join(PEOPLE_COLUMNS)} FROM audience_people
WHERE account_id = $account_id AND fingerprint = $fingerprint AND snapshot_date = $day AND list = $list
ORDER BY rank
"""  # noqa: S608 - the interpolated part is a constant column list



def _member_params(account_id: int, day: dt.date, kind: str = KIND) -> dict[str, Any]:
    """The parameters of _MEMBERS_CTE (DuckDB refuses parameters a statement does not use)."""
    return {"account_id": account_id, "kind": kind, "day": day, **RULE_PARAMS}


def _cube_params(account_id: int, day: dt.date, kind: str = KIND) -> dict[str, Any]:
    return {**_member_params(account_id, day, kind), "threshold": textfit.ON_TOPIC_THRESHOLD, "full_fit": textfit.FULL_FIT}


# --- State ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """What the account's features were computed from (a row of audience_state)."""

    fingerprint: int
    posts_hash: int
    basis: str | None
    fit_reason: str | None
    topics_reason: str | None
    profiles_fitted: int
    changed_since_fit: int
    fitted_at: dt.datetime
    refreshed_at: dt.datetime


def fingerprint(cursor: duckdb.DuckDBPyConnection, account_id: int) -> int:
    rows = cursor.execute(FINGERPRINT_SQL, {"account_id": account_id}).fetchall()
    return int(rows[0][0]) if rows else 0


def _state_row(cursor: duckdb.DuckDBPyConnection, account_id: int) -> dict[str, Any] | None:
    frame = cursor.execute(STATE_SQL, {"account_id": account_id}).df()
    return None if frame.empty else {str(name): value for name, value in frame.iloc[0].items()}


def current_state(cursor: duckdb.DuckDBPyConnection, account_id: int) -> State | None:
    """The account's analysis state when it matches its imports and this method; else None."""
    try:
        row = _state_row(cursor, account_id)
    except duckdb.CatalogException:  # a store opened read-only before migration 4
        return None
    if row is None or int(row["features_version"]) != FEATURES_VERSION or int(row["fingerprint"]) != fingerprint(cursor, account_id):
        return None
    return State(
        int(row["fingerprint"]), int(row["posts_hash"]), _text(row["basis"]), _text(row["fit_reason"]),
        _text(row["topics_reason"]), int(row["profiles_fitted"]), int(row["changed_since_fit"]),
        pd.Timestamp(row["fitted_at"]).to_pydatetime(), pd.Timestamp(row["refreshed_at"]).to_pydatetime(),
    )


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else str(value)


def is_current(cursor: duckdb.DuckDBPyConnection, account_id: int) -> bool:
    return current_state(cursor, account_id) is not None


# --- Cubes --------------------------------------------------------------------------------------


def snapshot_cube(cursor: duckdb.DuckDBPyConnection, account_id: int, day: dt.date, kind: str = KIND) -> pd.DataFrame:
    """Every figure of the snapshot of `day`, counted from the features (one DuckDB pass)."""
    return cursor.execute(SNAPSHOT_CUBE_SQL, _cube_params(account_id, day, kind)).df()


def pair_cube(cursor: duckdb.DuckDBPyConnection, account_id: int, start: dt.date, end: dt.date, kind: str = KIND) -> pd.DataFrame:
    params = {"account_id": account_id, "kind": kind, "start": start, "end": end,
              "threshold": textfit.ON_TOPIC_THRESHOLD, "full_fit": textfit.FULL_FIT}
    return cursor.execute(PAIR_CUBE_SQL, params).df()


def people_list(cursor: duckdb.DuckDBPyConnection, account_id: int, day: dt.date, which: str, kind: str = KIND,
                limit: int | None = PEOPLE_SHOWN) -> pd.DataFrame:
    """The first `limit` members of a list ('fit': best fits first; 'flagged': flagged followers by
    key; every one when `limit` is None) with PEOPLE_COLUMNS."""
    if which == "fit":
        return cursor.execute(BEST_FITS_SQL, {**_member_params(account_id, day, kind), "limit": limit or 2**62}).df()
    if limit is None:
        return cursor.execute(FLAGGED_ALL_SQL, _member_params(account_id, day, kind)).df()
    return cursor.execute(FLAGGED_SQL, {**_member_params(account_id, day, kind), "limit": limit}).df()


def flagged_profiles(cursor: duckdb.DuckDBPyConnection, account_id: int, day: dt.date, kind: str = KIND) -> pd.DataFrame:
    """Every flagged member of the snapshot of `day` with the profile fields the rules read."""
    return people_list(cursor, account_id, day, "flagged", kind, limit=None)


def post_cube(posts: pd.Series) -> pd.DataFrame:
    """The account's figures from its posts: languages, hashtags, the number of posts."""
    languages = detect_languages(posts).value_counts()
    tags = textfit.hashtags_of(posts)
    rows = [pd.DataFrame({"dimension": "posts", "value": [None], "members": [len(posts)]}),
            pd.DataFrame({"dimension": "post_language", "value": languages.index.astype(str), "members": languages.to_numpy()}),
            pd.DataFrame({"dimension": "hashtag", "value": tags["hashtag"].astype(str), "members": tags["uses"].to_numpy()})]
    return pd.concat(rows, ignore_index=True)



def kept_cube(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, day: dt.date | None,
              since: dt.date | None = None) -> pd.DataFrame:
    params = {"account_id": account_id, "fingerprint": state.fingerprint, "day": day, "since": since}
    return cursor.execute(CUBE_READ_SQL, params).df()


def kept_dimension(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, dimension: str) -> pd.DataFrame:
    params = {"account_id": account_id, "fingerprint": state.fingerprint, "dimension": dimension}
    return cursor.execute(CUBE_DIMENSION_SQL, params).df()


def kept_list_topics(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State,
                     days: list[dt.date]) -> dict[dt.date, pd.Series] | None:
    """Members per topic (index: topic number) in the lists of `days`, as kept by the analysis;
    None when it kept none (an analysis made before they were kept: count the lists instead)."""
    kept = kept_dimension(cursor, account_id, state, LIST_TOPICS)
    if kept.empty:
        return None
    kept_days = pd.to_datetime(kept["snapshot_date"]).dt.date
    sizes = {}
    for day in days:
        rows = kept[kept_days == day]
        # Every list is kept: a date without rows is a list in which no topic has a member.
        sizes[day] = pd.Series(rows["members"].to_numpy(dtype="int64"), index=pd.to_numeric(rows["value"]).astype("int64"))
    return sizes


def kept_list_cube(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, day: dt.date) -> pd.DataFrame | None:
    """The figures the Audience page reads of the list of `day` (every follower, bios, languages,
    countries, topics, the fit histogram) as LIST_CUBE_SQL kept them; None when they were not kept
    whole for this list (counted when asked). Not a whole snapshot cube: no audit rows."""
    try:
        rows = cursor.execute(LIST_CUBE_READ_SQL, {"account_id": account_id, "fingerprint": state.fingerprint, "day": day}).df()
    except duckdb.CatalogException:  # a store opened read-only before migration 4
        return None
    if not (rows["dimension"] == "fit_width").any():
        return None
    return rows[rows["dimension"] != "fit_width"].reset_index(drop=True)


def kept_pair_cube(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, start: dt.date,
                   end: dt.date) -> pd.DataFrame | None:
    """Stayers, leavers and joiners between the lists of `start` and `end` (as pair_cube) from the
    kept spell grid and returners; None when they were not kept."""
    at_start, at_end = (kept_list_cube(cursor, account_id, state, day) for day in (start, end))
    params = {"account_id": account_id, "fingerprint": state.fingerprint}
    try:
        counted = cursor.execute(POOL_SIZE_SQL, {**params, "dimension": RETURNERS}).fetchall()
    except duckdb.CatalogException:  # a store opened read-only before migration 4
        return None
    if at_start is None or at_end is None or not counted:
        return None
    stayed = cursor.execute(KEPT_STAYERS_SQL, {
        **params, "start": start, "end": end, "returners": RETURNERS,
        "threshold": textfit.ON_TOPIC_THRESHOLD, "full_fit": textfit.FULL_FIT}).df().iloc[0]
    columns = ["members", "with_text", "score_sum", "on_topic"]
    stay = stayed[columns].astype("float64").fillna(0)
    first, last = (cube[cube["dimension"] == "all"].iloc[0][columns].astype("float64").fillna(0) for cube in (at_start, at_end))
    rows = [{"dimension": "group", "value": group, **values.to_dict()}
            for group, values in (("stayed", stay), ("left", first - stay), ("joined", last - stay))]
    return pd.DataFrame(rows)


def kept_best_fits(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, day: dt.date) -> pd.DataFrame | None:
    """The PEOPLE_SHOWN best fits of the list of `day` (PEOPLE_COLUMNS, as people_list 'fit') from
    the kept pool; None when the pool cannot tell them (see FIT_POOL_SQL)."""
    params = {"account_id": account_id, "fingerprint": state.fingerprint}
    try:
        sizes = cursor.execute(POOL_SIZE_SQL, {**params, "dimension": FIT_POOL}).fetchall()
        if not sizes:  # an analysis made before the pool was kept
            return None
        frame = cursor.execute(KEPT_BEST_FITS_SQL, {**params, "list": FIT_POOL, "day": day, "limit": PEOPLE_SHOWN}).df()
    except duckdb.CatalogException:  # a store opened read-only before migration 7
        return None
    spells, pooled = (int(v) for v in sizes[0])
    return frame if len(frame) >= PEOPLE_SHOWN or pooled >= spells else None


def kept_people(cursor: duckdb.DuckDBPyConnection, account_id: int, state: State, day: dt.date, which: str) -> pd.DataFrame | None:
    """The kept list (PEOPLE_COLUMNS), or None when it was not kept for this date."""
    params = {"account_id": account_id, "fingerprint": state.fingerprint, "day": day, "list": which}
    frame = cursor.execute(PEOPLE_READ_SQL, params).df()
    if not frame.empty:
        return frame
    # An empty list is kept as no rows: tell it apart from a date that was not counted.
    counted = kept_cube(cursor, account_id, state, day)
    return frame if not counted.empty else None
