"""The quality audit: every rule at its boundaries, missing data never flags, id-only lists are
refused, the trend over snapshots, and CSV exports that spreadsheets cannot run."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from analytics.metrics import quality
from analytics.metrics.csvsafe import FORMULA_PREFIXES, neutralise, neutralise_frame, to_safe_csv
from analytics.store import Store
from tests.conftest import import_bytes

D = dt.date
SNAP = D(2026, 6, 30)


def profile(**fields: object) -> dict[str, object]:
    """A clean, active, old account; tests change one field at a time."""
    base: dict[str, object] = {
        "member_key": "m", "handle": "m", "name": "M", "bio": "Writes about maps",
        "followers_count": 300, "following_count": 200, "posts_count": 1000,
        "created_at": pd.Timestamp("2015-01-01 10:00"), "last_post_at": pd.Timestamp("2026-06-29 08:00"),
        "default_avatar": False,
    }
    base.update(fields)
    return base


def flags(**fields: object) -> dict[str, bool]:
    frame = pd.DataFrame([profile(**fields)])
    row = quality.flag_rules(frame, SNAP).iloc[0]
    return {name: bool(row[name]) for name in row.index}


def hits(**fields: object) -> set[str]:
    found = flags(**fields)
    return {r.name for r in quality.RULES if found[r.name]}


def test_a_clean_profile_hits_nothing() -> None:
    assert hits() == set()
    assert flags()["audited"]


def test_egg_needs_default_avatar_and_empty_bio() -> None:
    assert hits(default_avatar=True, bio="") == {"egg"}
    assert hits(default_avatar=True, bio="   ") == {"egg"}
    assert hits(default_avatar=True, bio=None) == {"egg"}  # Bluesky and Mastodon omit empty bios
    assert hits(default_avatar=True, bio="Runner") == set()
    assert hits(default_avatar=False, bio="") == set()
    assert hits(default_avatar=None, bio="") == set()  # avatar unknown: not flagged


@pytest.mark.parametrize(("posts", "following", "followers", "spam"), [
    (0, 699, 5, False), (0, 700, 5, True), (1, 700, 5, False),
    (499, 10, 0, False), (500, 10, 0, True), (500, 10, 1, False),
    (None, 5000, 5, False), (5000, 10, None, False),
])
def test_spam_boundaries(posts: int | None, following: int, followers: int | None, spam: bool) -> None:
    assert flags(posts_count=posts, following_count=following, followers_count=followers)["spam"] is spam


@pytest.mark.parametrize(("following", "followers", "mass"), [
    (1500, 0, False), (1501, 0, True), (1501, 150, True), (1501, 151, False),
    (5000, 500, True), (5000, 501, False), (5000, None, False), (None, 1, False),
])
def test_mass_follower_boundaries(following: int | None, followers: int | None, mass: bool) -> None:
    # posts_count large so the spam rule stays out of the way
    assert flags(following_count=following, followers_count=followers)["mass_follower"] is mass


@pytest.mark.parametrize(("days", "inactive"), [(180, False), (181, True), (0, False), (None, False)])
def test_inactive_boundaries(days: int | None, inactive: bool) -> None:
    last = None if days is None else pd.Timestamp(SNAP - dt.timedelta(days=days)) + pd.Timedelta(hours=23)
    assert flags(last_post_at=last)["inactive"] is inactive


@pytest.mark.parametrize(("days", "new"), [(29, True), (30, False), (0, True), (None, False)])
def test_new_account_boundaries(days: int | None, new: bool) -> None:
    created = None if days is None else pd.Timestamp(SNAP - dt.timedelta(days=days)) + pd.Timedelta(hours=1)
    assert flags(created_at=created)["new_account"] is new


def test_missing_fields_never_flag_and_unaudited_members_are_counted_apart() -> None:
    rows = [
        profile(member_key="egg", default_avatar=True, bio=""),
        profile(member_key="spam", posts_count=0, following_count=900),
        profile(member_key="mass", following_count=3000, followers_count=100),
        profile(member_key="old", last_post_at=pd.Timestamp("2025-01-01")),
        profile(member_key="new", created_at=pd.Timestamp("2026-06-20")),
        profile(member_key="ok"),
        {"member_key": "bare", "handle": "bare"},  # nothing the rules read
    ]
    audit = quality.audit_frame(pd.DataFrame(rows), SNAP)
    summary = audit.summary
    assert audit.ok and summary.rules_version == "v1"
    assert summary.followers == 7 and summary.audited == 6
    assert summary.counts == {"egg": 1, "spam": 1, "mass_follower": 1, "inactive": 1, "new_account": 1}
    assert summary.suspicious_total == 3
    assert summary.quality_score == pytest.approx(2 / 6)  # "new" and "ok"
    assert sorted(audit.flagged["member_key"]) == ["egg", "mass", "new", "old", "spam"]
    assert audit.flagged.set_index("member_key").loc["spam", "rules"] == "spam"
    assert any("not audited" in n for n in audit.notes)


def test_a_follower_hitting_several_rules_counts_once_in_suspicious_total() -> None:
    rows = [profile(member_key="x", default_avatar=True, bio="", posts_count=0, following_count=2000, followers_count=3)]
    audit = quality.audit_frame(pd.DataFrame(rows), SNAP)
    assert audit.summary.counts["egg"] == audit.summary.counts["spam"] == audit.summary.counts["mass_follower"] == 1
    assert audit.summary.suspicious_total == 1
    assert audit.flagged["rules"].iloc[0] == "egg, spam, mass_follower"


def _list(store: Store, day: dt.date, header: str, rows: list[str]) -> None:
    body = header + ",snapshot_date\n" + "".join(f"{r},{day.isoformat()}\n" for r in rows)
    outcome = import_bytes(store, {f"followers_{day.isoformat()}.csv": body.encode()})
    assert outcome[0].status == "imported", outcome[0].error


def _account(store: Store) -> int:
    row = store.cursor().execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchone()
    assert row is not None
    return int(row[0])


def test_the_audit_cannot_run_on_an_id_only_list(store: Store) -> None:
    _list(store, D(2026, 3, 1), "handle,id", ["alice,101", "bob,102"])
    audit = quality.quality_audit(store.cursor(), _account(store))
    assert not audit.ok and "cannot run" in (audit.reason or "") and "id" in (audit.reason or "")
    assert audit.summary.audited == 0 and audit.summary.quality_score is None and audit.flagged.empty
    trend = quality.quality_trend(store.cursor(), _account(store))
    assert not trend.ok


def test_no_list_is_a_reason_not_an_exception(store: Store) -> None:
    import_bytes(store, {"follower_counts.csv": b"date,followers\n2026-01-01,10\n"})
    assert not quality.quality_audit(store.cursor(), _account(store)).ok
    assert not quality.quality_trend(store.cursor(), _account(store)).ok


def test_latest_audit_and_trend_from_the_store(store: Store) -> None:
    header = "handle,bio,followers_count,following_count,posts_count,created_at,last_post_at,default_avatar"
    good = "good,Maps,100,100,500,2015-01-01,{last},false"
    egg = "egg,,3,50,2,2020-01-01,2026-01-01,true"
    quiet = "quiet,Data,100,100,500,2015-01-01,2025-09-01,false"
    _list(store, D(2026, 1, 1), header, [good.format(last="2026-05-30"), quiet])
    _list(store, D(2026, 6, 1), header, [good.format(last="2026-05-30"), quiet, egg])
    cursor = store.cursor()
    audit = quality.quality_audit(cursor, _account(store))
    assert audit.ok and audit.summary.snapshot_date == D(2026, 6, 1)
    assert audit.summary.counts["egg"] == 1 and audit.summary.counts["inactive"] == 1  # quiet: 273 days
    assert audit.summary.quality_score == pytest.approx(1 / 3)
    trend = quality.quality_trend(cursor, _account(store)).table
    assert trend["members"].tolist() == [2, 3] and trend["audited"].tolist() == [2, 3]
    # On Jan 1 quiet's last post (2025-09-01) is 122 days old: active then, by its latest profile.
    assert trend["inactive"].tolist() == [0, 1] and trend["suspicious"].tolist() == [0, 1]
    assert trend["quality_score"].tolist() == pytest.approx([1.0, 1 / 3])


def test_flagged_csv_neutralises_formulas() -> None:
    rows = [profile(member_key="x", handle="x", name="=HYPERLINK(\"http://evil\")", bio="", default_avatar=True)]
    audit = quality.audit_frame(pd.DataFrame(rows), SNAP)
    data = quality.flagged_csv(audit)
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["name"].iloc[0] == "'=HYPERLINK(\"http://evil\")"
    assert back["rules_version"].iloc[0] == "v1" and back["rules"].iloc[0] == "egg"


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_neutraliser_prefixes_every_dangerous_start(prefix: str) -> None:
    assert neutralise(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


def test_neutraliser_leaves_safe_text_and_numbers() -> None:
    assert neutralise("Data journalist") == "Data journalist"
    assert neutralise("a=b") == "a=b"
    assert neutralise(-5) == -5 and neutralise(None) is None
    frame = pd.DataFrame({"bio": ["@home", "fine", None], "n": [-1, 2, 3], "s": pd.array(["+1", "x", None], dtype="string")})
    out = neutralise_frame(frame)
    assert out["bio"].tolist()[:2] == ["'@home", "fine"] and out["n"].tolist() == [-1, 2, 3]
    assert out["s"].tolist()[:2] == ["'+1", "x"]
    text = to_safe_csv(pd.DataFrame({"bio": ["a\rb", "-2+3"]})).decode("utf-8-sig")
    assert text == '"bio"\n"a\rb"\n"\'-2+3"\n'
