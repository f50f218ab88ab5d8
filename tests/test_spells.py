"""The spell algebra against a model: random snapshots, imported in random order, replaced and
deleted at random. After every step the spells must say exactly what the snapshots say.

The model is the obvious one: a dict (kind, date) -> (import id, set of members). Spells are
checked two ways: membership reconstructed from them at every snapshot date equals the
snapshot's set, and they are exactly the canonical spells (maximal runs of consecutive snapshots,
open at the latest), which also rules out overlaps and duplicate rows.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import pytest

from analytics.store import Store
from analytics.store.accounts import delete_import
from tests.conftest import import_bytes
from tests.storedump import members_at

START = dt.date(2026, 1, 1)
Spell = tuple[str, str, dt.date, dt.date | None]  # kind, member, first_seen, last_seen


def list_csv(members: set[str], dates: dict[str, dt.date] | None = None) -> bytes:
    """A generic list CSV. Sorted rows: equal sets give equal bytes, as a real tool would write."""
    lines = ["handle,name"]
    lines += [f"{m},Name of {m}" for m in sorted(members)]
    return ("\n".join(lines) + "\n").encode()


def multi_date_csv(snapshots: dict[dt.date, set[str]]) -> bytes:
    """One file holding several snapshots, through the `snapshot_date` column."""
    lines = ["snapshot_date,handle"]
    for day, members in sorted(snapshots.items()):
        lines += [f"{day.isoformat()},{m}" for m in sorted(members)]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Model:
    snapshots: dict[tuple[str, dt.date], tuple[int, frozenset[str]]] = field(default_factory=dict)
    imports: list[int] = field(default_factory=list)

    def apply_import(self, import_id: int, lists: dict[tuple[str, dt.date], frozenset[str]]) -> None:
        self.imports.append(import_id)
        for key, members in lists.items():
            self.snapshots[key] = (import_id, members)

    def apply_delete(self, import_id: int) -> None:
        self.imports.remove(import_id)
        self.snapshots = {k: v for k, v in self.snapshots.items() if v[0] != import_id}

    def canonical_spells(self) -> set[Spell]:
        spells: set[Spell] = set()
        for kind in ("follower", "following"):
            dates = sorted(d for k, d in self.snapshots if k == kind)
            members = {m for (k, _), (_, ms) in self.snapshots.items() if k == kind for m in ms}
            for member in members:
                run_start: dt.date | None = None
                previous: dt.date | None = None
                for day in dates:
                    present = member in self.snapshots[(kind, day)][1]
                    if present and run_start is None:
                        run_start = day
                    if not present and run_start is not None:
                        spells.add((kind, member, run_start, previous))
                        run_start = None
                    previous = day
                if run_start is not None:
                    spells.add((kind, member, run_start, None))
        return spells


def account_id(store: Store, name: str) -> int:
    cursor = store.cursor()
    try:
        row = cursor.execute("SELECT account_id FROM accounts WHERE name = ?", [name]).fetchone()
    finally:
        cursor.close()
    assert row is not None
    return int(row[0])


def stored_spells(store: Store, account: int) -> list[Spell]:
    cursor = store.cursor()
    try:
        return cursor.execute(
            # Spells name members by id (migration 6); the key comes from the member's profile.
            """SELECT s.kind, p.member_key, s.first_seen, s.last_seen FROM spells s
               LEFT JOIN profiles p ON p.member_id = s.member_id WHERE s.account_id = ?""",
            [account],
        ).fetchall()
    finally:
        cursor.close()


def check(store: Store, account: int, model: Model) -> None:
    spells = stored_spells(store, account)
    # Membership at every snapshot date, reconstructed from the spells.
    expected = {key: set(members) for key, (_, members) in model.snapshots.items()}
    assert membership_from_spells(store, account) == expected
    if model.snapshots:  # and once through the plain per-date query the pages use
        (kind, day), (_, members) = min(model.snapshots.items())
        assert members_at(store, account, day, kind) == set(members)
    # No member has overlapping spells; a spell never ends before it starts.
    by_member: dict[tuple[str, str], list[Spell]] = {}
    for spell in spells:
        assert spell[3] is None or spell[2] <= spell[3], spell
        by_member.setdefault((spell[0], spell[1]), []).append(spell)
    for member_spells in by_member.values():
        member_spells.sort(key=lambda s: s[2])
        for before, after in zip(member_spells, member_spells[1:], strict=False):
            assert before[3] is not None and before[3] < after[2], (before, after)
    # And, stronger: exactly the canonical spells, no duplicate rows.
    assert len(spells) == len(set(spells))
    assert set(spells) == model.canonical_spells()
    # The snapshots table agrees with the model (date, size, owning import).
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            "SELECT kind, snapshot_date, members, import_id FROM snapshots WHERE account_id = ?", [account]
        ).fetchall()
        profile_keys = {r[0] for r in cursor.execute("SELECT member_key FROM profiles WHERE account_id = ?", [account]).fetchall()}
    finally:
        cursor.close()
    assert {(k, d): (i, n) for k, d, n, i in rows} == {k: (i, len(ms)) for k, (i, ms) in model.snapshots.items()}
    # Every member a spell knows has a profile of this account.
    assert None not in {s[1] for s in spells}
    assert {s[1] for s in spells} <= profile_keys


def generate(rng: random.Random, count: int, universe: list[str]) -> dict[dt.date, frozenset[str]]:
    """`count` snapshots on random distinct dates; each drifts from the one before by a little churn,
    sometimes none (equal lists on two dates), sometimes a big jump."""
    days = sorted(rng.sample(range(60), count))
    current = set(rng.sample(universe, len(universe) // 2))
    snapshots: dict[dt.date, frozenset[str]] = {}
    for offset in days:
        roll = rng.random()
        if roll < 0.2:
            pass  # no churn: the same list again
        elif roll < 0.3:
            current = set(rng.sample(universe, rng.randrange(1, len(universe) + 1)))
        else:
            for _ in range(rng.randrange(1, 4)):
                current ^= {rng.choice(universe)}
        # A generic CSV with a header and no rows is refused (see test_bad_input), so no list
        # is ever empty here.
        current = current or {rng.choice(universe)}
        snapshots[START + dt.timedelta(days=offset)] = frozenset(current)
    return snapshots


def membership_from_spells(store: Store, account: int) -> dict[tuple[str, dt.date], set[str]]:
    """Members at every snapshot date, reconstructed from the spells alone (one query)."""
    cursor = store.cursor()
    try:
        rows = cursor.execute(
            """SELECT s.kind, s.snapshot_date, p.member_key
               FROM snapshots s JOIN spells sp
                 ON sp.account_id = s.account_id AND sp.kind = s.kind
                AND sp.first_seen <= s.snapshot_date AND (sp.last_seen IS NULL OR sp.last_seen >= s.snapshot_date)
               JOIN profiles p ON p.account_id = sp.account_id AND p.member_id = sp.member_id
               WHERE s.account_id = ?""",
            [account],
        ).fetchall()
    finally:
        cursor.close()
    found: dict[tuple[str, dt.date], set[str]] = {}
    for kind, day, member in rows:
        found.setdefault((kind, day), set()).add(member)
    return found


@pytest.mark.parametrize("seed", range(6))
def test_random_imports_deletions_and_replacements(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    universe = [f"m{i:02d}" for i in range(rng.randrange(6, 14))]
    follower = generate(rng, rng.randrange(10, 15), universe)
    following = generate(rng, 2, universe)

    # A bystander account whose spells must never move.
    import_bytes(store, {"other.csv": list_csv({"m00", "m01"})}, account="other", snapshot_date=START)
    other = account_id(store, "other")
    other_spells = sorted(stored_spells(store, other))

    # The plan: every snapshot in random order, with replacements, deletions and one file holding
    # several dates shuffled in (a replacement or deletion only acts once something is there).
    plan: list[tuple[str, object]] = [("import", ("follower", d, m)) for d, m in follower.items()]
    plan += [("import", ("following", d, m)) for d, m in following.items()]
    plan += [("replace", None)] * 3 + [("delete", None)] * 3 + [("multi", None)]
    rng.shuffle(plan)
    model = Model()
    account: int | None = None
    seen: dict[tuple[bytes, str, dt.date], int] = {}
    for action, argument in plan:
        if action == "delete":
            if not model.imports:
                continue
            victim = rng.choice(model.imports)
            delete_import(store, "me", victim)
            model.apply_delete(victim)
            assert account is not None
            check(store, account, model)
            continue
        if action == "import":
            kind, day, members = argument  # type: ignore[misc]
            lists = {(kind, day): members}
        elif action == "replace":
            if not model.snapshots:
                continue
            kind, day = rng.choice(sorted(model.snapshots))
            members = frozenset(rng.sample(universe, rng.randrange(1, len(universe) + 1)))
            lists = {(kind, day): members}
        else:
            days = sorted(rng.sample(range(60), rng.randrange(2, 4)))
            lists = {
                ("follower", START + dt.timedelta(days=d)): frozenset(rng.sample(universe, rng.randrange(1, len(universe))))
                for d in days
            }
            kind, day = "follower", START
        if action == "multi":
            name, data = "followers-history.csv", multi_date_csv({d: set(ms) for (_, d), ms in lists.items()})
        else:
            name, data = f"{kind}s.csv", list_csv(set(members))
        outcomes = import_bytes(store, {name: data}, snapshot_date=day)
        assert len(outcomes) == 1, outcomes
        outcome = outcomes[0]
        if seen.get((data, name, day)) in model.imports:
            # The very same file for the very same day: nothing changes.
            assert outcome.status == "unchanged", outcome
            continue
        assert outcome.status == "imported", outcome
        assert outcome.import_id is not None
        seen[(data, name, day)] = outcome.import_id
        model.apply_import(outcome.import_id, dict(lists))
        account = account_id(store, "me")
        check(store, account, model)

    assert account is not None
    assert sorted(stored_spells(store, other)) == other_spells
    # Deleting everything leaves no spell, snapshot or profile behind.
    for victim in list(model.imports):
        delete_import(store, "me", victim)
        model.apply_delete(victim)
    check(store, account, model)
    assert stored_spells(store, account) == []
    assert sorted(stored_spells(store, other)) == other_spells


def test_equal_lists_on_two_dates_are_two_snapshots(store: Store) -> None:
    """A quiet account's list does not change from one day to the next: the second day is still a
    snapshot (it moves 'last seen' forward), not a duplicate of the first file."""
    members = {"ann", "bob"}
    first = import_bytes(store, {"followers.csv": list_csv(members)}, snapshot_date=START)
    second = import_bytes(store, {"followers.csv": list_csv(members)}, snapshot_date=START + dt.timedelta(days=1))
    third = import_bytes(store, {"followers.csv": list_csv({"ann"})}, snapshot_date=START + dt.timedelta(days=2))
    assert [o[0].status for o in (first, second, third)] == ["imported"] * 3
    assert sorted(stored_spells(store, account_id(store, "me"))) == [
        ("follower", "ann", START, None),
        ("follower", "bob", START, START + dt.timedelta(days=1)),
    ]
    # Same bytes, same day: that one is a duplicate.
    again = import_bytes(store, {"followers.csv": list_csv(members)}, snapshot_date=START + dt.timedelta(days=1))
    assert again[0].status == "unchanged"


def test_same_list_named_by_date_is_imported_for_each_date(store: Store) -> None:
    data = list_csv({"ann", "bob"})
    outcomes = import_bytes(store, {"followers-2026-01-01.csv": data, "followers-2026-01-02.csv": data})
    assert [o.status for o in outcomes] == ["imported", "imported"]
    cursor = store.cursor()
    assert cursor.execute("SELECT count(*) FROM snapshots").fetchone() == (2,)


def test_append_only_rows_grow_with_churn_not_with_snapshots(store: Store) -> None:
    rng = random.Random(7)
    universe = [f"u{i:03d}" for i in range(300)]
    current = set(universe[:200])
    model = Model()
    changes = 0
    for offset in range(12):
        day = START + dt.timedelta(days=offset)
        leaving = set(rng.sample(sorted(current), 2))
        joining = set(rng.sample(sorted(set(universe) - current), 3))
        if offset:
            current = (current - leaving) | joining
            changes += len(joining)
        outcome = import_bytes(store, {f"followers-{day.isoformat()}.csv": list_csv(current)})[0]
        assert outcome.status == "imported"
        assert outcome.import_id is not None
        model.apply_import(outcome.import_id, {("follower", day): frozenset(current)})
    account = account_id(store, "me")
    check(store, account, model)
    spells = stored_spells(store, account)
    # 200 initial members plus one spell per join: 12 snapshots of ~200 members stay ~233 rows.
    assert len(spells) == 200 + changes
    assert len(spells) < 1.2 * 200
    assert sum(1 for s in spells if s[3] is None) == len(current)


def test_dated_and_undated_rows_landing_on_one_day_are_one_snapshot(store: Store) -> None:
    # `ann` is dated by the column, `bob` by the option: the same day, so one list of two, not a
    # list of one replaced within its own import by the other.
    data = b"snapshot_date,handle\n2026-01-01,ann\n,bob\n2026-01-02,ann\n"
    outcome = import_bytes(store, {"followers.csv": data}, snapshot_date=START)[0]
    assert outcome.status == "imported"
    assert "replaced" not in outcome.summary
    account = account_id(store, "me")
    assert members_at(store, account, START) == {"ann", "bob"}
    assert sorted(stored_spells(store, account)) == [
        ("follower", "ann", START, None),
        ("follower", "bob", START, START),
    ]
