"""The follower quality audit: published, versioned rules over the latest known profiles.

Rules version `v1`. Each rule is a named constant with its text, the profile fields it reads and
its test; changing a rule means a new version, so scores of different versions are never
compared unknowingly. The rules are:

- egg: default avatar and empty bio.
- spam: no posts and following 700 or more; or no followers and 500 posts or more.
- mass_follower: following more than 1,500 and at least 10 times more accounts than follow it.
- inactive: last post more than 180 days before the snapshot date.
- new_account: created less than 30 days before the snapshot date.

`suspicious` = egg or spam or mass_follower. Quality score = share of audited followers that are
neither suspicious nor inactive (new accounts are shown, not penalised: everyone starts new).

Missing data never flags anyone: a rule's clause is true only when the fields it reads are known
(a missing bio next to a known default avatar counts as empty, because Bluesky and Mastodon omit
empty bios). A follower is audited when at least one rule field is known; a list without any
profile field (an X archive holds account ids only) cannot be audited and the audit says so.

Profiles are each member's latest known profile (the store keeps one per member), also for past
snapshots in the trend: a follower who was active last year and silent since counts as inactive
only from the dates when their latest known last post was more than 180 days old.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.metrics.csvsafe import to_safe_csv

RULES_VERSION = "v1"


@dataclass(frozen=True)
class Rule:
    name: str
    text: str
    fields: tuple[str, ...]


EGG = Rule("egg", "Default avatar and empty bio.", ("default_avatar", "bio"))
SPAM = Rule(
    "spam",
    "No posts and following 700 or more; or no followers and 500 posts or more.",
    ("posts_count", "following_count", "followers_count"),
)
MASS_FOLLOWER = Rule(
    "mass_follower",
    "Following more than 1,500 accounts and at least 10 times more accounts than follow it.",
    ("following_count", "followers_count"),
)
INACTIVE = Rule("inactive", "Last post more than 180 days before the snapshot date.", ("last_post_at",))
NEW_ACCOUNT = Rule("new_account", "Account created less than 30 days before the snapshot date.", ("created_at",))

RULES: tuple[Rule, ...] = (EGG, SPAM, MASS_FOLLOWER, INACTIVE, NEW_ACCOUNT)
SUSPICIOUS_RULES: tuple[str, ...] = (EGG.name, SPAM.name, MASS_FOLLOWER.name)

SPAM_MIN_FOLLOWING = 700
SPAM_MIN_POSTS = 500
MASS_MIN_FOLLOWING = 1500  # strictly more than this
MASS_MIN_RATIO = 10
INACTIVE_DAYS = 180  # strictly more than this
NEW_ACCOUNT_DAYS = 30  # strictly less than this

AUDIT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for rule in RULES for f in rule.fields))

# The same rules in SQL over a profile `p` (DuckDB counts a million followers in a fraction of a
# second); `flag_rules` below is the reference they are tested against. Parameters: $day (the
# snapshot date), $spam_following, $spam_posts, $mass_following, $mass_ratio, $inactive_days,
# $new_days (RULE_PARAMS). A clause on an unknown field is false, as in `flag_rules`.
_EMPTY_BIO_SQL = "trim(coalesce(p.bio, ''), ' \t\n\r\f\v') = ''"
RULE_SQL: dict[str, str] = {
    EGG.name: f"coalesce(p.default_avatar, false) AND {_EMPTY_BIO_SQL}",
    SPAM.name: "coalesce((p.posts_count = 0 AND p.following_count >= $spam_following) "
               "OR (p.followers_count = 0 AND p.posts_count >= $spam_posts), false)",
    MASS_FOLLOWER.name: "coalesce(p.following_count > $mass_following "
                        "AND p.following_count >= $mass_ratio * p.followers_count, false)",
    INACTIVE.name: "coalesce(date_diff('day', CAST(p.last_post_at AS DATE), $day) > $inactive_days, false)",
    NEW_ACCOUNT.name: "coalesce(date_diff('day', CAST(p.created_at AS DATE), $day) < $new_days, false)",
}
AUDITED_SQL = "(" + " OR ".join(f"p.{f} IS NOT NULL" for f in AUDIT_FIELDS if f != "bio") + ")"
SUSPICIOUS_SQL = "(" + " OR ".join(f"({RULE_SQL[name]})" for name in SUSPICIOUS_RULES) + ")"
RULE_PARAMS: dict[str, int] = {
    "spam_following": SPAM_MIN_FOLLOWING, "spam_posts": SPAM_MIN_POSTS, "mass_following": MASS_MIN_FOLLOWING,
    "mass_ratio": MASS_MIN_RATIO, "inactive_days": INACTIVE_DAYS, "new_days": NEW_ACCOUNT_DAYS,
}

QUALITY_METHOD = (
    f"Rules {RULES_VERSION}, applied to each follower's latest known profile. "
    + " ".join(f"{r.name}: {r.text}" for r in RULES)
    + " Suspicious = egg, spam or mass_follower. Quality score = share of audited followers neither "
    "suspicious nor inactive. A rule never flags a follower on missing fields; followers with no rule "
    "field known are not audited."
)
TREND_METHOD = (
    "Quality score on each snapshot date, over the followers in that snapshot, using each member's "
    "latest known profile (the store keeps only the latest): the snapshot date is the reference for "
    "'inactive', so only last posts are re-dated, not bios or counts."
)

# The latest follower list with the fields the rules read.
LATEST_LIST_SQL = """
WITH latest AS (
    SELECT max(snapshot_date) AS d FROM snapshots WHERE account_id = $account_id AND kind = $kind
),
members AS (
    SELECT DISTINCT s.member_id FROM spells s, latest
    WHERE s.account_id = $account_id AND s.kind = $kind
      AND s.first_seen <= latest.d AND (s.last_seen IS NULL OR s.last_seen >= latest.d)
)
SELECT (SELECT d FROM latest) AS snapshot_date, p.member_key, p.handle, p.name, p.bio, p.location,
       p.followers_count, p.following_count, p.posts_count, p.created_at, p.last_post_at,
       p.default_avatar, p.verified, p.profile_url
FROM members m
LEFT JOIN profiles p ON p.account_id = $account_id AND p.member_id = m.member_id
ORDER BY p.member_key
"""

# Every spell with what the trend needs of its member's latest profile, the rules applied by DuckDB.
SPELLS_FLAGS_SQL = f"""
SELECT s.first_seen, s.last_seen, CAST(p.last_post_at AS DATE) AS last_post,
       coalesce({AUDITED_SQL}, false) AS audited, coalesce({SUSPICIOUS_SQL}, false) AS suspicious
FROM spells s
LEFT JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
WHERE s.account_id = $account_id AND s.kind = $kind
"""  # noqa: S608 - the interpolated parts are constants

SNAPSHOT_DATES_SQL = """
SELECT snapshot_date, members FROM snapshots
WHERE account_id = $account_id AND kind = $kind
ORDER BY snapshot_date
"""

NO_PROFILE_REASON = (
    "The audit cannot run: the follower list has no profile fields (avatar, bio, counts, dates), "
    "only account ids or handles. An X data archive lists followers by id only; import a list with "
    "profiles (a collector, Bluesky or Mastodon, or a CSV with those columns) to audit them."
)


@dataclass(frozen=True)
class AuditSummary:
    rules_version: str
    snapshot_date: dt.date | None
    followers: int  # in the latest list
    audited: int  # with at least one rule field known
    counts: dict[str, int]  # per rule name
    suspicious_total: int
    quality_score: float | None


@dataclass(frozen=True)
class QualityAudit:
    summary: AuditSummary
    flagged: pd.DataFrame  # member_key, handle, name, ..., one bool column per rule, rules (text)
    method: str = QUALITY_METHOD
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    flagged_total: int | None = None  # every flagged follower; `flagged` holds the first FLAGGED_SHOWN

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class QualityTrend:
    table: pd.DataFrame  # snapshot_date, members, audited, suspicious, inactive, quality_score
    method: str = TREND_METHOD
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _known(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame[column].notna()


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="float64")
    return pd.to_numeric(frame[column], errors="coerce").astype("float64")


def _days_before(moments: pd.Series, reference: pd.Series | dt.date) -> pd.Series:
    """Whole calendar days from each moment's date to the reference date (NaN when unknown)."""
    days = pd.to_datetime(moments, errors="coerce").dt.normalize()
    ref = pd.to_datetime(reference)
    if isinstance(ref, pd.Series):
        ref = ref.dt.normalize()
    return (ref - days).dt.days.astype("float64")


def flag_rules(profiles: pd.DataFrame, snapshot_date: dt.date | pd.Series) -> pd.DataFrame:
    """One boolean column per rule of RULES (False wherever the rule's fields are unknown), plus
    `suspicious` and `audited`. `snapshot_date` is the reference date of inactive/new_account."""
    index = profiles.index
    out = pd.DataFrame(index=index)
    avatar = profiles["default_avatar"] if "default_avatar" in profiles.columns else pd.Series(pd.NA, index=index)
    bio = profiles["bio"] if "bio" in profiles.columns else pd.Series(pd.NA, index=index)
    bio_empty = bio.fillna("").astype(str).str.strip() == ""
    out[EGG.name] = (avatar.astype("boolean").fillna(False) & bio_empty).astype(bool)
    posts, following, followers = _num(profiles, "posts_count"), _num(profiles, "following_count"), _num(profiles, "followers_count")
    # Comparisons with NaN are False: an unknown count never satisfies a clause.
    out[SPAM.name] = ((posts == 0) & (following >= SPAM_MIN_FOLLOWING)) | ((followers == 0) & (posts >= SPAM_MIN_POSTS))
    out[MASS_FOLLOWER.name] = (following > MASS_MIN_FOLLOWING) & (following >= MASS_MIN_RATIO * followers)
    last_post = profiles["last_post_at"] if "last_post_at" in profiles.columns else pd.Series(pd.NaT, index=index)
    created = profiles["created_at"] if "created_at" in profiles.columns else pd.Series(pd.NaT, index=index)
    out[INACTIVE.name] = (_days_before(last_post, snapshot_date) > INACTIVE_DAYS).to_numpy()
    out[NEW_ACCOUNT.name] = (_days_before(created, snapshot_date) < NEW_ACCOUNT_DAYS).to_numpy()
    out["suspicious"] = out[list(SUSPICIOUS_RULES)].any(axis=1)
    # `bio` alone does not make a follower audited: a list of names and bios carries no rule.
    known = [_known(profiles, c) for c in AUDIT_FIELDS if c != "bio"]
    out["audited"] = pd.concat(known, axis=1).any(axis=1) if known else False
    return out.astype(bool)


def audit_frame(profiles: pd.DataFrame, snapshot_date: dt.date) -> QualityAudit:
    """The audit of a list of profiles (pure: the store-free core of `quality_audit`)."""
    flags = flag_rules(profiles, snapshot_date)
    audited = int(flags["audited"].sum())
    counts = {rule.name: int((flags[rule.name] & flags["audited"]).sum()) for rule in RULES}
    if audited == 0:
        summary = AuditSummary(RULES_VERSION, snapshot_date, len(profiles), 0, dict.fromkeys(counts, 0), 0, None)
        return QualityAudit(summary, _flagged(profiles.iloc[0:0], flags.iloc[0:0]), reason=NO_PROFILE_REASON)
    suspicious = int((flags["suspicious"] & flags["audited"]).sum())
    good = int((flags["audited"] & ~flags["suspicious"] & ~flags[INACTIVE.name]).sum())
    summary = AuditSummary(RULES_VERSION, snapshot_date, len(profiles), audited, counts, suspicious, good / audited)
    notes = []
    if audited < len(profiles):
        notes.append(f"{len(profiles) - audited:,} of {len(profiles):,} followers have no profile field the rules read: not audited.")
    for rule in RULES:
        missing = [f for f in rule.fields if f not in profiles.columns or profiles[f].isna().all()]
        if len(missing) == len(rule.fields) or (rule is EGG and "default_avatar" in missing):
            notes.append(f"'{rule.name}' could not be checked: the list has no {', '.join(missing)}.")
    hit = flags[[r.name for r in RULES]].any(axis=1) & flags["audited"]
    return QualityAudit(summary, _flagged(profiles[hit], flags[hit]), notes=notes)


def _flagged(profiles: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    columns = ["member_key", "handle", "name", "bio", "followers_count", "following_count", "posts_count",
               "created_at", "last_post_at", "default_avatar"]
    out = pd.DataFrame({c: profiles[c] if c in profiles.columns else pd.Series(pd.NA, index=profiles.index) for c in columns})
    names = [r.name for r in RULES]
    for name in names:
        out[name] = flags[name].to_numpy(dtype=bool)
    out["rules"] = [", ".join(n for n, hit in zip(names, row, strict=True) if hit) for row in flags[names].to_numpy(dtype=bool)]
    return out.reset_index(drop=True)


def quality_audit(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> QualityAudit:
    """The audit of the latest follower list (see the module docstring for the rules).

    Counted by DuckDB over every follower (the counts the analysis step keeps when it is current,
    else counted now); `flagged` holds the first FLAGGED_SHOWN flagged followers by key and
    `flagged_total` says how many there are: `flagged_csv_all` writes them all."""
    from analytics.metrics import features  # the analysis step imports this module's rules

    day = _latest_date(cursor, account_id, kind)
    if day is None:
        summary = AuditSummary(RULES_VERSION, None, 0, 0, {r.name: 0 for r in RULES}, 0, None)
        empty = pd.DataFrame(columns=list(AUDIT_FIELDS))
        return QualityAudit(summary, _flagged(empty, flag_rules(empty, dt.date.today())),
                            reason=f"No {kind} list imported yet: the audit needs one.")
    state = features.current_state(cursor, account_id) if kind == features.KIND else None
    cube = features.kept_cube(cursor, account_id, state, day) if state is not None else pd.DataFrame()
    if cube.empty:
        cube = features.snapshot_cube(cursor, account_id, day, kind)
    part = {d: dict(zip(g["value"].astype(str), g["members"].astype("int64"), strict=True)) for d, g in cube.groupby("dimension")}
    followers = int(cube.loc[cube["dimension"] == "all", "members"].sum())
    audit = part.get("audit", {})
    audited = int(audit.get("audited", 0))
    counts = {rule.name: int(part.get("rule", {}).get(rule.name, 0)) for rule in RULES}
    if audited == 0:
        summary = AuditSummary(RULES_VERSION, day, followers, 0, dict.fromkeys(counts, 0), 0, None)
        empty = pd.DataFrame(columns=list(AUDIT_FIELDS))
        return QualityAudit(summary, _flagged(empty, flag_rules(empty, day)), reason=NO_PROFILE_REASON)
    suspicious, good = int(audit.get("suspicious", 0)), int(audit.get("good", 0))
    summary = AuditSummary(RULES_VERSION, day, followers, audited, counts, suspicious, good / audited)
    notes = []
    if audited < followers:
        notes.append(f"{followers - audited:,} of {followers:,} followers have no profile field the rules read: not audited.")
    known = part.get("known_field", {})
    for rule in RULES:
        missing = [f for f in rule.fields if int(known.get(f, 0)) == 0]
        if len(missing) == len(rule.fields) or (rule is EGG and "default_avatar" in missing):
            notes.append(f"'{rule.name}' could not be checked: the list has no {', '.join(missing)}.")
    shown = features.kept_people(cursor, account_id, state, day, "flagged") if state is not None else None
    if shown is None:
        shown = features.people_list(cursor, account_id, day, "flagged", kind, limit=FLAGGED_SHOWN)
    flags = flag_rules(shown, day)
    return QualityAudit(summary, _flagged(shown, flags), notes=notes, flagged_total=int(audit.get("flagged", len(shown))))


FLAGGED_SHOWN = 1000  # flagged followers listed on the page (features.PEOPLE_SHOWN); the CSV holds them all

LATEST_DATE_SQL = "SELECT max(snapshot_date) FROM snapshots WHERE account_id = $account_id AND kind = $kind"


def _latest_date(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str) -> dt.date | None:
    rows = cursor.execute(LATEST_DATE_SQL, {"account_id": account_id, "kind": kind}).fetchall()
    return None if not rows or rows[0][0] is None else pd.Timestamp(rows[0][0]).date()


def quality_trend_of(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> pd.DataFrame:
    """Per snapshot date: members, audited, suspicious, inactive, good, quality_score.

    Counted from spells, not snapshots: a member is in the snapshot of d when one of their spells
    covers d, so the count on each date is (spells started by d) - (spells ended before d), two
    binary searches per date instead of a join of every snapshot with every member.
    """
    params = {"account_id": account_id, "kind": kind}
    snaps = cursor.execute(SNAPSHOT_DATES_SQL, params).df()
    columns = ["snapshot_date", "members", "audited", "suspicious", "inactive", "good", "quality_score"]
    if snaps.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    # Suspicion does not depend on the date; inactivity does, handled below through last posts.
    suspicion = {k: RULE_PARAMS[k] for k in ("spam_following", "spam_posts", "mass_following", "mass_ratio")}
    spells = cursor.execute(SPELLS_FLAGS_SQL, {**params, **suspicion}).df()
    dates = pd.to_datetime(snaps["snapshot_date"]).to_numpy(dtype="datetime64[D]")
    first = pd.to_datetime(spells["first_seen"]).to_numpy(dtype="datetime64[D]")
    last = pd.to_datetime(spells["last_seen"]).to_numpy(dtype="datetime64[D]")
    far = np.datetime64("9999-12-31")
    last = np.where(np.isnat(last), far, last)
    audited = spells["audited"].to_numpy(dtype=bool)
    suspicious = spells["suspicious"].to_numpy(dtype=bool) & audited
    last_post = pd.to_datetime(spells["last_post"]).to_numpy(dtype="datetime64[D]")
    # Active on d while d - last_post <= 180 days, i.e. up to last_post + 180.
    active_until = np.where(np.isnat(last_post), far, last_post + np.timedelta64(INACTIVE_DAYS, "D"))

    def covering(mask: np.ndarray, ends: np.ndarray) -> np.ndarray:
        starts, stops = first[mask], ends[mask]
        keep = stops >= starts  # a spell whose window closes before it opens covers no date
        starts, stops = np.sort(starts[keep]), np.sort(stops[keep])
        return np.searchsorted(starts, dates, side="right") - np.searchsorted(stops, dates, side="left")

    all_rows = np.ones(len(first), dtype=bool)
    members = covering(all_rows, last)
    audited_n = covering(audited, last)
    suspicious_n = covering(suspicious, last)
    good = covering(audited & ~suspicious, np.minimum(last, active_until))
    inactive_n = covering(audited, last) - covering(audited, np.minimum(last, active_until))
    return _trend_table(pd.to_datetime(dates), members, audited_n, suspicious_n, inactive_n, good)


def _trend_table(dates: Any, members: Any, audited: Any, suspicious: Any, inactive: Any, good: Any) -> pd.DataFrame:
    audited = np.asarray(audited, dtype="int64")
    good = np.asarray(good, dtype="int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(audited > 0, good / np.maximum(audited, 1), np.nan)
    return pd.DataFrame({
        "snapshot_date": pd.to_datetime(dates),
        "members": np.asarray(members, dtype="int64"),
        "audited": audited,
        "suspicious": np.asarray(suspicious, dtype="int64"),
        "inactive": np.asarray(inactive, dtype="int64"),
        "good": good,
        "quality_score": score.astype("float64"),
    })


def quality_trend(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> QualityTrend:
    """Quality score on every snapshot date (see TREND_METHOD): kept by the analysis step when it
    is current, else counted now (`quality_trend_of`)."""
    from analytics.metrics import features

    state = features.current_state(cursor, account_id) if kind == features.KIND else None
    kept = features.kept_dimension(cursor, account_id, state, "trend") if state is not None else pd.DataFrame()
    if not kept.empty:
        wide = kept.pivot(index="snapshot_date", columns="value", values="members").reset_index()
        table = _trend_table(wide["snapshot_date"], wide["members"], wide["audited"], wide["suspicious"],
                             wide["inactive"], wide["good"])
    else:
        table = quality_trend_of(cursor, account_id, kind)
    table = table.drop(columns=["good"])
    if table.empty:
        return QualityTrend(table, reason=f"No {kind} list imported yet.")
    if int(table["audited"].sum()) == 0:
        return QualityTrend(table, reason=NO_PROFILE_REASON)
    return QualityTrend(table)


def flagged_csv(audit: QualityAudit) -> bytes:
    """The flagged followers held by `audit` as CSV bytes, formulas neutralised (see
    analytics.metrics.csvsafe)."""
    frame = audit.flagged.copy()
    frame.insert(0, "rules_version", audit.summary.rules_version)
    return to_safe_csv(frame)


def flagged_csv_all(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> bytes:
    """Every flagged follower of the latest list as CSV bytes (what the page's download gives)."""
    from analytics.metrics import features

    day = _latest_date(cursor, account_id, kind)
    profiles = features.flagged_profiles(cursor, account_id, day, kind) if day is not None else pd.DataFrame(columns=list(AUDIT_FIELDS))
    frame = _flagged(profiles, flag_rules(profiles, day or dt.date.today()))
    frame.insert(0, "rules_version", RULES_VERSION)
    return to_safe_csv(frame)
