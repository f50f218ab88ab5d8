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

from analytics.i18n import N_, _, use_language
from analytics.metrics import kept as kept_figures
from analytics.metrics.csvsafe import to_safe_csv

# The rules live in their own module (the analysis step counts with them too); named here as
# well, since the audit's readers and tests know them as quality.RULES and so on.
from analytics.metrics.quality_rules import (
    AUDIT_FIELDS as AUDIT_FIELDS,
)
from analytics.metrics.quality_rules import (
    AUDITED_SQL as AUDITED_SQL,
)
from analytics.metrics.quality_rules import (
    EGG as EGG,
)
from analytics.metrics.quality_rules import (
    INACTIVE as INACTIVE,
)
from analytics.metrics.quality_rules import (
    INACTIVE_DAYS as INACTIVE_DAYS,
)
from analytics.metrics.quality_rules import (
    MASS_FOLLOWER as MASS_FOLLOWER,
)
from analytics.metrics.quality_rules import (
    MASS_MIN_FOLLOWING as MASS_MIN_FOLLOWING,
)
from analytics.metrics.quality_rules import (
    MASS_MIN_RATIO as MASS_MIN_RATIO,
)
from analytics.metrics.quality_rules import (
    NEW_ACCOUNT as NEW_ACCOUNT,
)
from analytics.metrics.quality_rules import (
    NEW_ACCOUNT_DAYS as NEW_ACCOUNT_DAYS,
)
from analytics.metrics.quality_rules import (
    RULE_PARAMS as RULE_PARAMS,
)
from analytics.metrics.quality_rules import (
    RULE_SQL as RULE_SQL,
)
from analytics.metrics.quality_rules import (
    RULES as RULES,
)
from analytics.metrics.quality_rules import (
    RULES_VERSION as RULES_VERSION,
)
from analytics.metrics.quality_rules import (
    SPAM as SPAM,
)
from analytics.metrics.quality_rules import (
    SPAM_MIN_FOLLOWING as SPAM_MIN_FOLLOWING,
)
from analytics.metrics.quality_rules import (
    SPAM_MIN_POSTS as SPAM_MIN_POSTS,
)
from analytics.metrics.quality_rules import (
    SUSPICIOUS_RULES as SUSPICIOUS_RULES,
)
from analytics.metrics.quality_rules import (
    SUSPICIOUS_SQL as SUSPICIOUS_SQL,
)
from analytics.metrics.quality_rules import (
    Rule as Rule,
)


def _rules_text(version: str, rules: tuple[Rule, ...]) -> str:
    return " ".join(
        [_("Rules {version}, applied to each follower's latest known profile.").format(version=version)]
        + [r.name + ": " + _(r.text) for r in rules]
    )


def quality_method() -> str:
    """The v1 audit's method in the current language."""
    return _rules_text(RULES_VERSION, RULES) + " " + _(
        "Suspicious = egg, spam or mass_follower. Quality score = share of audited followers neither "
        "suspicious nor inactive. A rule never flags a follower on missing fields; followers with no rule "
        "field known are not audited."
    )


with use_language("en"):
    QUALITY_METHOD = quality_method()
TREND_METHOD = N_(
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

NO_PROFILE_REASON = N_(
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
        return QualityAudit(summary, _flagged(profiles.iloc[0:0], flags.iloc[0:0]), reason=_(NO_PROFILE_REASON))
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
    day = _latest_date(cursor, account_id, kind)
    if day is None:
        summary = AuditSummary(RULES_VERSION, None, 0, 0, {r.name: 0 for r in RULES}, 0, None)
        empty = pd.DataFrame(columns=list(AUDIT_FIELDS))
        return QualityAudit(summary, _flagged(empty, flag_rules(empty, dt.date.today())),
                            reason=_("No {kind} list imported yet: the audit needs one.").format(kind=kind))
    state = kept_figures.current_state(cursor, account_id) if kind == kept_figures.KIND else None
    cube = kept_figures.kept_cube(cursor, account_id, state, day) if state is not None else pd.DataFrame()
    if cube.empty:
        cube = kept_figures.snapshot_cube(cursor, account_id, day, kind)
    part = {d: dict(zip(g["value"].astype(str), g["members"].astype("int64"), strict=True)) for d, g in cube.groupby("dimension")}
    followers = int(cube.loc[cube["dimension"] == "all", "members"].sum())
    audit = part.get("audit", {})
    audited = int(audit.get("audited", 0))
    counts = {rule.name: int(part.get("rule", {}).get(rule.name, 0)) for rule in RULES}
    if audited == 0:
        summary = AuditSummary(RULES_VERSION, day, followers, 0, dict.fromkeys(counts, 0), 0, None)
        empty = pd.DataFrame(columns=list(AUDIT_FIELDS))
        return QualityAudit(summary, _flagged(empty, flag_rules(empty, day)), reason=_(NO_PROFILE_REASON))
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
    shown = kept_figures.kept_people(cursor, account_id, state, day, "flagged") if state is not None else None
    if shown is None:
        shown = kept_figures.people_list(cursor, account_id, day, "flagged", kind, limit=FLAGGED_SHOWN)
    flags = flag_rules(shown, day)
    return QualityAudit(summary, _flagged(shown, flags), notes=notes, flagged_total=int(audit.get("flagged", len(shown))))


FLAGGED_SHOWN = 1000  # flagged followers listed on the page (kept_figures.PEOPLE_SHOWN); the CSV holds them all

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
    state = kept_figures.current_state(cursor, account_id) if kind == kept_figures.KIND else None
    kept = kept_figures.kept_dimension(cursor, account_id, state, "trend") if state is not None else pd.DataFrame()
    if not kept.empty:
        wide = kept.pivot(index="snapshot_date", columns="value", values="members").reset_index()
        table = _trend_table(wide["snapshot_date"], wide["members"], wide["audited"], wide["suspicious"],
                             wide["inactive"], wide["good"])
    else:
        table = quality_trend_of(cursor, account_id, kind)
    table = table.drop(columns=["good"])
    if table.empty:
        return QualityTrend(table, reason=_("No {kind} list imported yet.").format(kind=kind))
    if int(table["audited"].sum()) == 0:
        return QualityTrend(table, reason=_(NO_PROFILE_REASON))
    return QualityTrend(table)


def flagged_csv(audit: QualityAudit) -> bytes:
    """The flagged followers held by `audit` as CSV bytes, formulas neutralised (see
    analytics.metrics.csvsafe)."""
    frame = audit.flagged.copy()
    frame.insert(0, "rules_version", audit.summary.rules_version)
    return to_safe_csv(frame)


def flagged_csv_all(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> bytes:
    """Every flagged follower of the latest list as CSV bytes (what the page's download gives)."""
    day = _latest_date(cursor, account_id, kind)
    profiles = kept_figures.flagged_profiles(cursor, account_id, day, kind) if day is not None else pd.DataFrame(columns=list(AUDIT_FIELDS))
    frame = _flagged(profiles, flag_rules(profiles, day or dt.date.today()))
    frame.insert(0, "rules_version", RULES_VERSION)
    return to_safe_csv(frame)


# --- Rules v2: fair wording, rules per platform ----------------------------------------------------
#
# v1 above stays as it is (its scores are kept and documented); v2 is the rule change of issue 17:
# - an account is described by what can be seen, "inactive" or "unreachable", never as fake; the
#   profile patterns of v1 (egg, spam, mass_follower) are "patterns", not verdicts on a person;
# - rules hold per platform: on Bluesky and Mastodon a default avatar and an empty bio are how
#   every new account starts, so they count only on accounts older than DEFAULT_PROFILE_GRACE_DAYS
#   there (and only where the creation date is known);
# - "unreachable" is what the platform's API said about a follower who left (deactivated,
#   suspended or deleted: analytics.metrics.losses), not a guess from the profile.
# Wiring v2 into the Audience page and the analysis step's counts (features.py) is left to the
# page's owner; `flag_rules_v2` is the reference those counts must match.

RULES_VERSION_V2 = "v2"
DEFAULT_PROFILE_GRACE_DAYS = 90
# Where a default avatar and an empty bio are normal for a new account.
NEW_ACCOUNT_DEFAULT_PLATFORMS = ("bluesky", "mastodon")

DEFAULT_PROFILE = Rule(
    "default_profile",
    N_("Default avatar and empty bio (on Bluesky and Mastodon, only on accounts more than "
       "90 days old: a new account there starts that way)."),
    ("default_avatar", "bio", "created_at"),
)
NO_POSTS_MANY_FOLLOWS = Rule(
    "no_posts_many_follows",
    SPAM.text,
    SPAM.fields,
)
FOLLOWS_MANY = Rule("follows_many", MASS_FOLLOWER.text, MASS_FOLLOWER.fields)
INACTIVE_V2 = Rule("inactive", INACTIVE.text, INACTIVE.fields)
NEW_ACCOUNT_V2 = Rule("new_account", NEW_ACCOUNT.text, NEW_ACCOUNT.fields)
RULES_V2: tuple[Rule, ...] = (DEFAULT_PROFILE, NO_POSTS_MANY_FOLLOWS, FOLLOWS_MANY, INACTIVE_V2, NEW_ACCOUNT_V2)
PATTERN_RULES_V2: tuple[str, ...] = (DEFAULT_PROFILE.name, NO_POSTS_MANY_FOLLOWS.name, FOLLOWS_MANY.name)
# Words a rule's text, the method and the labels of v2 never use about a person.
UNFAIR_WORDS = ("fake", "bot", "suspicious")



def quality_method_v2() -> str:
    """The v2 audit's method in the current language."""
    return _rules_text(RULES_VERSION_V2, RULES_V2) + " " + _(
        "Patterns = default_profile, no_posts_many_follows or follows_many: what a profile shows, not a "
        "judgement of the person behind it. Inactive: no post for a long time. Unreachable: the platform says "
        "the account is deactivated, suspended or deleted (checked for followers who left). Quality score = share "
        "of audited followers with no pattern and not inactive. A rule never flags a follower on missing fields. "
        "Rules {v1} (egg, spam, mass_follower, inactive, new_account; 'suspicious' for the first three) "
        "remain documented; scores of the two versions are not compared."
    ).format(v1=RULES_VERSION)


with use_language("en"):
    QUALITY_METHOD_V2 = quality_method_v2()


def flag_rules_v2(
    profiles: pd.DataFrame, snapshot_date: dt.date | pd.Series, platform: str | None
) -> pd.DataFrame:
    """One boolean column per rule of RULES_V2 (False wherever the rule's fields are unknown), plus
    `pattern` (any pattern rule) and `audited`. `platform` is the account's ('bluesky', ...)."""
    v1 = flag_rules(profiles, snapshot_date)
    out = pd.DataFrame(index=profiles.index)
    default_profile = v1[EGG.name]
    if (platform or "").lower() in NEW_ACCOUNT_DEFAULT_PLATFORMS:
        created = profiles["created_at"] if "created_at" in profiles.columns else pd.Series(pd.NaT, index=profiles.index)
        # Unknown age: not flagged (missing data never flags anyone).
        old_enough = (_days_before(created, snapshot_date) > DEFAULT_PROFILE_GRACE_DAYS).to_numpy()
        default_profile = default_profile & old_enough
    out[DEFAULT_PROFILE.name] = default_profile
    out[NO_POSTS_MANY_FOLLOWS.name] = v1[SPAM.name]
    out[FOLLOWS_MANY.name] = v1[MASS_FOLLOWER.name]
    out[INACTIVE_V2.name] = v1[INACTIVE.name]
    out[NEW_ACCOUNT_V2.name] = v1[NEW_ACCOUNT.name]
    out["pattern"] = out[list(PATTERN_RULES_V2)].any(axis=1)
    out["audited"] = v1["audited"]
    return out.astype(bool)


def quality_score_v2(flags: pd.DataFrame) -> float | None:
    """Share of audited followers with no pattern and not inactive (None when none is audited)."""
    audited = int(flags["audited"].sum())
    if audited == 0:
        return None
    good = int((flags["audited"] & ~flags["pattern"] & ~flags[INACTIVE_V2.name]).sum())
    return good / audited


# --- The audit under rules v2 (what the Audience page and the analysis step count) -----------------

PLATFORM_SQL = "SELECT platform FROM accounts WHERE account_id = $account_id"


def account_platform(cursor: duckdb.DuckDBPyConnection, account_id: int) -> str | None:
    rows = cursor.execute(PLATFORM_SQL, {"account_id": account_id}).fetchall()
    return None if not rows or rows[0][0] is None else str(rows[0][0])


def _flagged_v2(profiles: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """The flagged followers with one bool column per v2 rule and `rules` (their names), only those
    a v2 rule flags (the v1 list the store keeps is a superset: default_profile is within egg)."""
    columns = ["member_key", "handle", "name", "bio", "followers_count", "following_count", "posts_count",
               "created_at", "last_post_at", "default_avatar"]
    names = [r.name for r in RULES_V2]
    hit = flags[names].any(axis=1) & flags["audited"] if len(flags) else pd.Series(dtype=bool)
    kept = profiles[hit.to_numpy(dtype=bool)] if len(profiles) else profiles
    out = pd.DataFrame({c: kept[c] if c in kept.columns else pd.Series(pd.NA, index=kept.index) for c in columns})
    rows = flags[hit.to_numpy(dtype=bool)] if len(flags) else flags
    for name in names:
        out[name] = rows[name].to_numpy(dtype=bool) if len(rows) else pd.Series(dtype=bool)
    hits: np.ndarray | list[np.ndarray] = rows[names].to_numpy(dtype=bool) if len(rows) else []
    out["rules"] = [", ".join(n for n, on in zip(names, row, strict=True) if on) for row in hits]
    return out.reset_index(drop=True)


def quality_audit_v2(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> QualityAudit:
    """The audit of the latest follower list under rules v2 (QUALITY_METHOD_V2).

    Counts are the analysis step's kept `rule_v2`/`audit_v2` figures when they are current (else
    counted now over every follower, by the same SQL); `summary.suspicious_total` holds the
    followers showing a pattern (v2 has no "suspicious"). `flagged` holds the first flagged followers
    by key with one column per v2 rule; `flagged_total` counts them all."""
    platform = account_platform(cursor, account_id)
    names = [r.name for r in RULES_V2]
    empty_profiles = pd.DataFrame(columns=list(AUDIT_FIELDS))
    day = _latest_date(cursor, account_id, kind)
    if day is None:
        summary = AuditSummary(RULES_VERSION_V2, None, 0, 0, dict.fromkeys(names, 0), 0, None)
        return QualityAudit(summary, _flagged_v2(empty_profiles, flag_rules_v2(empty_profiles, dt.date.today(), platform)),
                            method=quality_method_v2(), reason=_("No {kind} list imported yet: the audit needs one.").format(kind=kind))
    state = kept_figures.current_state(cursor, account_id) if kind == kept_figures.KIND else None
    cube = kept_figures.kept_cube(cursor, account_id, state, day) if state is not None else pd.DataFrame()
    # A kept cube from before v2 was counted has no audit_v2 rows: count the list now.
    if cube.empty or not (cube["dimension"] == "audit_v2").any():
        cube = kept_figures.snapshot_cube(cursor, account_id, day, kind)
    part = {d: dict(zip(g["value"].astype(str), g["members"].astype("int64"), strict=True)) for d, g in cube.groupby("dimension")}
    followers = int(cube.loc[cube["dimension"] == "all", "members"].sum())
    audit = part.get("audit_v2", {})
    audited = int(audit.get("audited", 0))
    counts = {name: int(part.get("rule_v2", {}).get(name, 0)) for name in names}
    if audited == 0:
        summary = AuditSummary(RULES_VERSION_V2, day, followers, 0, dict.fromkeys(names, 0), 0, None)
        return QualityAudit(summary, _flagged_v2(empty_profiles, flag_rules_v2(empty_profiles, day, platform)),
                            method=quality_method_v2(), reason=_(NO_PROFILE_REASON))
    pattern, good = int(audit.get("pattern", 0)), int(audit.get("good", 0))
    summary = AuditSummary(RULES_VERSION_V2, day, followers, audited, counts, pattern, good / audited)
    notes = []
    if audited < followers:
        notes.append(f"{followers - audited:,} of {followers:,} followers have no profile field the rules read: not audited.")
    known = part.get("known_field", {})
    for rule in RULES_V2:
        missing = [f for f in rule.fields if int(known.get(f, 0)) == 0]
        if len(missing) == len(rule.fields) or (rule is DEFAULT_PROFILE and "default_avatar" in missing):
            notes.append(f"'{rule.name}' could not be checked: the list has no {', '.join(missing)}.")
    shown = kept_figures.kept_people(cursor, account_id, state, day, "flagged") if state is not None else None
    if shown is None:
        shown = kept_figures.people_list(cursor, account_id, day, "flagged", kind, limit=FLAGGED_SHOWN)
    flagged = _flagged_v2(shown, flag_rules_v2(shown, day, platform))
    return QualityAudit(summary, flagged, method=quality_method_v2(), notes=notes,
                        flagged_total=int(audit.get("flagged", len(flagged))))


def flagged_csv_all_v2(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> bytes:
    """Every follower of the latest list a v2 rule flags, as CSV bytes (the page's download)."""
    day = _latest_date(cursor, account_id, kind)
    profiles = kept_figures.flagged_profiles(cursor, account_id, day, kind) if day is not None else pd.DataFrame(columns=list(AUDIT_FIELDS))
    frame = _flagged_v2(profiles, flag_rules_v2(profiles, day or dt.date.today(), account_platform(cursor, account_id)))
    frame.insert(0, "rules_version", RULES_VERSION_V2)
    return to_safe_csv(frame)


# --- The score over time under rules v2 (the Audience page's trend) ---------------------------------

# {version}: RULES_VERSION_V2, filled where it is shown (trend_method_v2).
TREND_METHOD_V2 = N_(
    "Quality score (rules {version}) on each follower list's date, over the followers in that list, "
    "with each member's latest known profile (the store keeps only the latest): the list's date is the reference "
    "for 'inactive', and on Bluesky and Mastodon for the age a default profile needs before it counts. The last "
    "point is the audit's score of the latest list."
)

# Every spell with what the v2 rules need of its member's latest profile. The patterns that do not
# depend on the date are applied here; the default profile's age (Bluesky, Mastodon) is applied per
# date in quality_trend_of_v2, from `created`.
SPELLS_FLAGS_V2_SQL = f"""
SELECT s.first_seen, s.last_seen, CAST(p.last_post_at AS DATE) AS last_post, CAST(p.created_at AS DATE) AS created,
       coalesce({AUDITED_SQL}, false) AS audited,
       coalesce(({RULE_SQL[SPAM.name]}) OR ({RULE_SQL[MASS_FOLLOWER.name]}), false) AS steady_pattern,
       coalesce({RULE_SQL[EGG.name]}, false) AS default_look
FROM spells s
LEFT JOIN profiles p ON p.account_id = s.account_id AND p.member_id = s.member_id
WHERE s.account_id = $account_id AND s.kind = $kind
"""  # noqa: S608 - the interpolated parts are constants
TREND_V2 = "trend_v2"  # the analysis step's kept dimension
TREND_V2_COLUMNS = ("members", "audited", "pattern", "inactive", "good")


def _covering(dates: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """How many of the windows [starts, ends] (both included) hold each date: those started by d
    less those ended before d, two binary searches per date. Empty windows (end before start) count
    nowhere."""
    keep = ends >= starts
    starts, ends = np.sort(starts[keep]), np.sort(ends[keep])
    return np.searchsorted(starts, dates, side="right") - np.searchsorted(ends, dates, side="left")


def quality_trend_of_v2(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> pd.DataFrame:
    """Per list date under rules v2: members, audited, pattern, inactive, good, quality_score, as
    quality_audit_v2 counts the latest list (flag_rules_v2 is the reference), for every list at once.

    Each spell's member is a pattern from the day a pattern holds (always, for no_posts_many_follows,
    follows_many and a default profile off Bluesky and Mastodon; there, from the day the account is
    more than DEFAULT_PROFILE_GRACE_DAYS old; never when its creation date is unknown) and inactive
    from the day after its last post plus INACTIVE_DAYS; good while neither, within the spell."""
    params = {"account_id": account_id, "kind": kind}
    snaps = cursor.execute(SNAPSHOT_DATES_SQL, params).df()
    columns = ["snapshot_date", *TREND_V2_COLUMNS, "quality_score"]
    if snaps.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns})
    rule_params = {k: RULE_PARAMS[k] for k in ("spam_following", "spam_posts", "mass_following", "mass_ratio")}
    spells = cursor.execute(SPELLS_FLAGS_V2_SQL, {**params, **rule_params}).df()
    grace = (account_platform(cursor, account_id) or "").lower() in NEW_ACCOUNT_DEFAULT_PLATFORMS
    dates = pd.to_datetime(snaps["snapshot_date"]).to_numpy(dtype="datetime64[D]")
    first = pd.to_datetime(spells["first_seen"]).to_numpy(dtype="datetime64[D]")
    last = pd.to_datetime(spells["last_seen"]).to_numpy(dtype="datetime64[D]")
    far_past, far = np.datetime64("0001-01-01"), np.datetime64("9999-12-31")
    last = np.where(np.isnat(last), far, last)
    audited = spells["audited"].to_numpy(dtype=bool)
    last_post = pd.to_datetime(spells["last_post"]).to_numpy(dtype="datetime64[D]")
    created = pd.to_datetime(spells["created"]).to_numpy(dtype="datetime64[D]")
    # Active on d while d - last_post <= INACTIVE_DAYS (unknown: always active).
    active_until = np.where(np.isnat(last_post), far, last_post + np.timedelta64(INACTIVE_DAYS, "D"))
    # A pattern on d from `pattern_from` on (far: never).
    default_look = spells["default_look"].to_numpy(dtype=bool)
    if grace:
        aged = created + np.timedelta64(DEFAULT_PROFILE_GRACE_DAYS + 1, "D")
        default_from = np.where(default_look & ~np.isnat(created), aged, far)
    else:
        default_from = np.where(default_look, far_past, far)
    pattern_from = np.where(spells["steady_pattern"].to_numpy(dtype=bool), far_past, default_from)
    one_day = np.timedelta64(1, "D")

    def count(mask: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        return _covering(dates, starts[mask], ends[mask])

    members = _covering(dates, first, last)
    audited_n = count(audited, first, last)
    pattern_n = count(audited, np.maximum(first, pattern_from), last)
    inactive_n = count(audited, np.maximum(first, active_until + one_day), last)
    good = count(audited, first, np.minimum(np.minimum(last, active_until), pattern_from - one_day))
    return _trend_table_v2(pd.to_datetime(dates), members, audited_n, pattern_n, inactive_n, good)


def _trend_table_v2(dates: Any, members: Any, audited: Any, pattern: Any, inactive: Any, good: Any) -> pd.DataFrame:
    table = _trend_table(dates, members, audited, pattern, inactive, good)
    return table.rename(columns={"suspicious": "pattern"})


def quality_trend_v2(cursor: duckdb.DuckDBPyConnection, account_id: int, kind: str = "follower") -> QualityTrend:
    """The quality score under rules v2 on every list date (TREND_METHOD_V2): kept by the analysis
    step when it is current, else counted now (`quality_trend_of_v2`). Its table holds `pattern`
    where the v1 trend holds `suspicious`."""
    state = kept_figures.current_state(cursor, account_id) if kind == kept_figures.KIND else None
    kept = kept_figures.kept_dimension(cursor, account_id, state, TREND_V2) if state is not None else pd.DataFrame()
    if not kept.empty:
        wide = kept.pivot(index="snapshot_date", columns="value", values="members").reset_index()
        table = _trend_table_v2(wide["snapshot_date"], *(wide[c] for c in TREND_V2_COLUMNS))
    else:
        table = quality_trend_of_v2(cursor, account_id, kind)
    table = table.drop(columns=["good"])
    if table.empty:
        return QualityTrend(table, method=TREND_METHOD_V2, reason=_("No {kind} list imported yet.").format(kind=kind))
    if int(table["audited"].sum()) == 0:
        return QualityTrend(table, method=TREND_METHOD_V2, reason=NO_PROFILE_REASON)
    return QualityTrend(table, method=TREND_METHOD_V2)
