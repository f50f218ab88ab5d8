"""The demo account: deterministic files in the real formats, imported like any upload, with
its story (growth, quiet period, plateau, purge, audience kinds) visible in the store."""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pandas as pd
import pytest

from analytics import analysis
from analytics.demo import (
    CONTENT_HEADER,
    DEMO_HANDLE,
    OVERVIEW_HEADER,
    demo_unfinished,
    list_file_days,
    load_demo,
    simulate,
    start_demo,
    store_is_empty,
    write_demo_files,
)
from analytics.errors import PalierError
from analytics.ingest.model import SourceFile
from analytics.ingest.registry import detect
from analytics.ingest.service import Outcome
from analytics.metrics import kept
from analytics.store import Store, open_store
from tests.conftest import SMALL_DEMO

# Small enough for a few seconds per test: four months, about 30 to 120 followers. The same as
# `demo_store`'s (tests/conftest.py: a copy of the small demo, loaded once per test run).
SMALL = SMALL_DEMO
TABLES = ("accounts", "imports", "daily_values", "posts_raw", "snapshots", "spells", "profiles", "meetup_events",
          "meetup_attendees", "meetup_matches")


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    write_demo_files(folder, **SMALL)  # type: ignore[arg-type]
    return folder


def _query(store: Store, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    cursor = store.cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


def _table_counts(store: Store) -> dict[str, int]:
    return {t: int(_query(store, f"SELECT count(*) AS n FROM {t}")["n"].iloc[0]) for t in TABLES}


def _daily(store: Store) -> pd.DataFrame:
    """Per day: the overview's new follows and unfollows, and the follower list's size."""
    values = _query(
        store,
        """SELECT day, metric, value FROM daily_latest
           WHERE metric IN ('new_follows', 'unfollows') ORDER BY day""",
    ).pivot(index="day", columns="metric", values="value")
    sizes = _query(store, "SELECT snapshot_date AS day, members FROM snapshots WHERE kind = 'follower' ORDER BY day")
    return values.join(sizes.set_index("day"), how="inner").sort_index()


# --- Files ------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path: Path, demo_folder: Path) -> None:
    again = write_demo_files(tmp_path / "again", **SMALL)  # type: ignore[arg-type]
    first = sorted(p for p in demo_folder.iterdir())
    assert [p.name for p in again] == [p.name for p in first]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_demo_files(tmp_path / "other", seed=8, **SMALL)  # type: ignore[arg-type]
    assert any(a.read_bytes() != b.read_bytes() for a, b in zip(first, other, strict=False))


def test_files_are_detected_as_the_intended_formats(demo_folder: Path) -> None:
    expected = {
        "account_overview_analytics.csv": "x_overview",
        "account_overview_analytics (1).csv": "x_overview",
        "follower_counts.csv": "generic_counts",
    }
    seen: dict[str, int] = {}
    for path in sorted(demo_folder.iterdir()):
        key = detect(SourceFile(path.name, path.read_bytes())).key
        if path.name.startswith("account_analytics_content_"):
            assert key == "x_content", path.name
        elif path.name.startswith("followers_"):
            assert key == "generic_list", path.name
        else:
            assert key == expected[path.name], path.name
        seen[key] = seen.get(key, 0) + 1
    assert seen["x_overview"] == 2 and seen["generic_counts"] == 1
    assert seen["x_content"] >= 2 and seen["generic_list"] >= 4


def test_overview_bytes_follow_the_real_export(demo_folder: Path) -> None:
    for name in ("account_overview_analytics.csv", "account_overview_analytics (1).csv"):
        data = (demo_folder / name).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and not data.endswith(b"\n")
        lines = data.decode("utf-8").split("\n")
        assert lines[0] == OVERVIEW_HEADER
        days = [dt.datetime.strptime(line.split('"')[1], "%a, %b %d, %Y").date() for line in lines[1:]]
        assert days == sorted(days, reverse=True)  # newest first
        for line, day in zip(lines[1:], days, strict=True):
            # Unpadded day numbers ("Mar 2", not "Mar 02") and plain integers.
            assert line.split('"')[1] == f"{day:%a}, {day:%b} {day.day}, {day.year}"
            assert all(field.isdigit() for field in line.split('"')[2][1:].split(","))


def test_content_files_follow_the_current_variant(demo_folder: Path) -> None:
    texts = [p.read_text("utf-8") for p in sorted(demo_folder.glob("account_analytics_content_*.csv"))]
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(demo_folder.glob("account_analytics_content_*.csv"))]
    assert all(t.split("\n", 1)[0] == CONTENT_HEADER and not t.endswith("\n") for t in texts)
    posts = pd.concat(frames)
    real = posts[posts["Post id"] != ""]
    assert real["Post id"].str.len().eq(19).all()
    assert real["Post id"].map(int).gt(2**53).all()
    assert (real["Post Link"] == f"https://x.com/{DEMO_HANDLE}/status/" + real["Post id"]).all()
    assert real["Post text"].str.contains("&amp;").any()
    assert not real["Post text"].str.contains(r"&(?!amp;|gt;|lt;)", regex=True).any()  # escaped like X
    assert real["New follows"].map(int).gt(0).any()
    assert (posts["Post id"] == "").sum() == 1  # the ghost row real exports carry


def test_follower_lists_are_daily_with_profiles(demo_folder: Path) -> None:
    story = simulate(**SMALL)  # type: ignore[arg-type]
    lists = pd.concat(pd.read_csv(p, dtype=str, keep_default_na=False) for p in demo_folder.glob("followers_*.csv"))
    days = sorted(lists["snapshot_date"].unique())
    assert days == [d.isoformat() for d in story.days]
    assert lists.groupby("snapshot_date").size().tolist() == [story.sizes[d] for d in story.days]
    columns = ["handle", "id", "name", "bio", "location", "followers_count", "following_count", "posts_count",
               "created_at", "last_post_at", "default_avatar", "verified"]
    assert list(lists.columns[:12]) == columns


def test_growth_story_at_full_scale() -> None:
    """The full demo's story, checked on the simulation (its import is too slow for a test)."""
    story = simulate()
    days = story.days
    assert 500 <= story.sizes[days[0]] <= 700 and 2200 <= story.sizes[days[-1]] <= 2800
    losses = [story.losses[d] for d in days[1:]]
    assert story.losses[story.purge_day] >= 60 and story.losses[story.purge_day] > 5 * statistics.median(losses)
    quiet = [d for d in days if story.quiet[0] <= d <= story.quiet[1]]
    assert 21 <= len(quiet) <= 28 and sum(story.gains[d] - story.losses[d] for d in quiet) < 0
    plateau = [d for d in days if story.plateau[0] <= d <= story.plateau[1]]
    before = [d for d in days if story.plateau[0] - dt.timedelta(days=60) <= d < story.plateau[0] and d > story.quiet[1]]
    plateau_net = sum(story.gains[d] - story.losses[d] for d in plateau) / len(plateau)
    before_net = sum(story.gains[d] - story.losses[d] for d in before) / len(before)
    assert abs(plateau_net) < 1.0 and before_net > 2.0
    assert len(plateau) >= 28
    # Popular posts bring followers the next day.
    pull = {p.day: 0.0 for p in story.posts}
    for post in story.posts:
        pull[post.day] += post.virality
    after_big = [story.gains[d + dt.timedelta(days=1)] for d, v in pull.items() if v > 3 and d < story.end]
    after_none = [story.gains[d] for d in days[1:] if d - dt.timedelta(days=1) not in pull and not story.quiet[0] <= d <= story.quiet[1]]
    assert statistics.mean(after_big) > 2 * statistics.mean(after_none)
    # The step texture: a day of net gains is more often followed by a day of net losses than
    # days are in general (gains taken back by the churners).
    net = [story.gains[d] - story.losses[d] for d in days[1:]]
    after_gain = [b < 0 for a, b in zip(net, net[1:], strict=False) if a > 0]
    assert sum(after_gain) / len(after_gain) > 1.1 * sum(n < 0 for n in net[1:]) / len(net[1:])


def test_bad_period_is_refused() -> None:
    with pytest.raises(ValueError, match="4 months"):
        simulate(months=3)


# --- Loaded into a store ----------------------------------------------------------------------


def test_overview_follows_equal_the_list_changes(demo_store: Store) -> None:
    daily = _daily(demo_store)
    assert len(daily) >= 120
    net = (daily["new_follows"] - daily["unfollows"]).iloc[1:]
    change = daily["members"].diff().iloc[1:]
    assert (net.astype(int).to_numpy() == change.astype(int).to_numpy()).all()
    spells_net = _query(
        demo_store,
        """SELECT count(*) FILTER (WHERE first_seen > (SELECT min(snapshot_date) FROM snapshots)) AS joined,
                  count(*) FILTER (WHERE last_seen IS NOT NULL) AS left_ FROM spells""",
    ).iloc[0]
    assert int(spells_net["joined"]) == int(daily["new_follows"].iloc[1:].sum())


def test_follower_total_anchors_match_the_lists(demo_store: Store) -> None:
    anchors = _query(
        demo_store,
        """SELECT d.day, d.value, s.members FROM daily_latest d
           JOIN snapshots s ON s.snapshot_date = d.day AND s.kind = 'follower'
           WHERE d.metric = 'followers'""",
    )
    assert len(anchors) >= 2
    assert (anchors["value"] == anchors["members"]).all()


def test_quiet_period_has_no_posts_and_loses_followers(demo_store: Store) -> None:
    story = simulate(**SMALL)  # type: ignore[arg-type]
    first, last = story.quiet
    assert 21 <= (last - first).days + 1 <= 28
    posted = sorted(_query(demo_store, "SELECT DISTINCT CAST(posted_at AS DATE) AS day FROM posts")["day"].dt.date)
    assert not [d for d in posted if first <= d <= last]
    assert [d for d in posted if d < first] and [d for d in posted if d > last]
    daily = _daily(demo_store)
    quiet = daily[(daily.index.date >= first) & (daily.index.date <= last)]
    assert len(quiet) == (last - first).days + 1
    assert (quiet["new_follows"] - quiet["unfollows"]).sum() < 0
    assert quiet["members"].iloc[-1] < daily["members"][daily.index.date < first].iloc[-1]


def test_purge_day_stands_out(demo_store: Store) -> None:
    unfollows = _daily(demo_store)["unfollows"].iloc[1:]
    assert unfollows.max() > 5 * unfollows.median()
    assert unfollows.max() >= 5


def test_audience_has_eggs_spam_and_both_languages(demo_store: Store) -> None:
    profiles = _query(demo_store, "SELECT * FROM profiles")
    eggs = profiles[profiles["default_avatar"].fillna(False).astype(bool) & (profiles["bio"].fillna("") == "")]
    assert len(eggs) >= 2
    spam = profiles[
        ((profiles["posts_count"] == 0) & (profiles["following_count"] >= 700))
        | ((profiles["followers_count"] == 0) & (profiles["posts_count"] >= 500))
    ]
    assert len(spam) >= 2
    bios = profiles["bio"].fillna("")
    assert bios.str.contains("données|journaliste|cartographie", regex=True).any()
    assert bios.str.contains("Data journalist|Open data|Dataviz", regex=True).any()
    assert profiles["keyed_by_id"].all() and profiles["created_at"].notna().all()
    mass = profiles[profiles["following_count"] >= 4800]
    inactive = profiles[profiles["last_post_at"] < pd.Timestamp("2025-01-01")]
    assert len(mass) >= 1 and len(inactive) >= 1


def test_posts_and_daily_metrics_are_imported(demo_store: Store) -> None:
    posts = _query(demo_store, "SELECT * FROM posts")
    assert len(posts) > 50
    assert posts["post_id"].str.len().eq(19).all()
    # The overlapping overviews agree on follows; the newer export wins where X revised them.
    overlap = _query(
        demo_store,
        """SELECT day, count(DISTINCT import_id) AS n, count(DISTINCT value) AS v FROM daily_values
           WHERE metric = 'new_follows' GROUP BY day HAVING count(DISTINCT import_id) > 1""",
    )
    assert len(overlap) > 10 and (overlap["v"] == 1).all()


def test_importing_the_demo_twice_changes_nothing(demo_store: Store, tmp_path: Path) -> None:
    counts = _table_counts(demo_store)
    version = demo_store.version()
    again = load_demo(demo_store, folder=tmp_path / "files", **SMALL)  # type: ignore[arg-type]
    assert {o.status for o in again} == {"unchanged"}
    assert _table_counts(demo_store) == counts and demo_store.version() == version
    assert not store_is_empty(demo_store)


def test_failed_import_raises(tmp_path: Path, store: Store) -> None:
    # A store whose 'demo' account already belongs to another platform refuses the X files.
    with store.transaction() as cursor:
        cursor.execute("INSERT INTO accounts (name, platform) VALUES ('demo', 'instagram')")
    with pytest.raises(PalierError, match="could not be imported"):
        load_demo(store, **SMALL)  # type: ignore[arg-type]


def test_started_in_the_background_the_demo_gives_the_same_store(
    tmp_path: Path, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`start_demo` returns with the account's exports in the store (the first charts) and no list
    yet; the lists follow in a thread whose progress every tab reads; the end is the store
    `load_demo` gives."""
    from analytics import demo

    store = open_store(tmp_path / "background.duckdb")
    try:
        release = __import__("threading").Event()
        real_import = demo._import

        def held(store_: Store, paths: list[Path], account: str, progress: object) -> list[Outcome]:
            if any(demo._is_list_file(p) for p in paths):
                assert release.wait(60)  # the lists wait until the first state has been checked
            return real_import(store_, paths, account, progress)  # type: ignore[arg-type]

        monkeypatch.setattr(demo, "_import", held)
        loading = start_demo(store, **SMALL)  # type: ignore[arg-type]
        done, _, _, finished, error = loading.status()
        assert (done, finished, error) == (0, False, None)
        first = _table_counts(store)
        assert first["daily_values"] > 0 and first["posts_raw"] > 0
        assert first["snapshots"] == 0 and first["profiles"] == 0
        release.set()
        assert loading.wait(120)
        total = loading.status()[1]
        assert total >= 4 and loading.status() == (total, total, "", True, None)  # daily lists, a file a month
        assert _table_counts(store) == _table_counts(demo_store)
        # The audience analysis of the lists started as they landed.
        account_id = int(_query(store, "SELECT account_id FROM accounts WHERE name = 'demo'")["account_id"].iloc[0])
        run = analysis.background_analysis(store, account_id)  # None once it has ended
        assert run is None or run.wait(120)
        assert kept.is_current(store.cursor(), account_id)
    finally:
        store.close()


def test_the_parts_of_the_demo_are_the_files_of_the_whole(tmp_path: Path, demo_folder: Path) -> None:
    exports = write_demo_files(tmp_path / "parts", parts="exports", **SMALL)  # type: ignore[arg-type]
    lists = write_demo_files(tmp_path / "parts", parts="lists", **SMALL)  # type: ignore[arg-type]
    assert lists and all(p.name.startswith("followers_") for p in lists)
    assert exports and not any(p.name.startswith("followers_") for p in exports)
    whole = sorted(demo_folder.iterdir())
    assert [p.name for p in whole] == sorted(p.name for p in exports + lists)
    assert all((tmp_path / "parts" / p.name).read_bytes() == p.read_bytes() for p in whole)


def test_a_list_failing_in_the_background_is_reported(tmp_path: Path) -> None:
    """A demo list refused in the background is reported by the progress, not raised in a thread."""
    from analytics import demo

    store = open_store(tmp_path / "failing.duckdb")
    try:
        real_import = demo._import

        def failing(store_: Store, paths: list[Path], account: str, progress: object) -> list[Outcome]:
            if any(demo._is_list_file(p) for p in paths):
                for path in paths:
                    path.write_text("handle,followers\nalice,twelve\n")
            return real_import(store_, paths, account, progress)  # type: ignore[arg-type]

        demo_import = pytest.MonkeyPatch()
        demo_import.setattr(demo, "_import", failing)
        try:
            loading = start_demo(store, **SMALL)  # type: ignore[arg-type]
            assert loading.wait(120)
        finally:
            demo_import.undo()
        _, _, _, finished, error = loading.status()
        assert finished and error is not None and "could not be imported" in error and "twelve" in error
    finally:
        store.close()


def test_the_background_progress_counts_daily_lists(tmp_path: Path) -> None:
    """The progress counts the daily lists (a file holds a month of them), as the page says."""
    lists = write_demo_files(tmp_path / "lists", parts="lists", **SMALL)  # type: ignore[arg-type]
    story = simulate(**SMALL)  # type: ignore[arg-type]
    assert len(lists) < len(story.lists)  # several days to a file: counting files would be wrong
    assert sum(list_file_days(path) for path in lists) == len(story.lists)
    for path in lists:
        in_file = {line.rsplit(",", 1)[1] for line in path.read_text().splitlines()[1:]}
        assert list_file_days(path) == len(in_file)
    # The background load's own count (done and total are these days): in the test below.


def test_held_lists_wait_for_the_first_page(tmp_path: Path) -> None:
    """`held=True` (the dashboard): the lists are not even written until `release()`, so the
    first page does not share the interpreter with them; then they load as usual, the progress
    counting daily lists."""
    store = open_store(tmp_path / "held.duckdb")
    try:
        loading = start_demo(store, held=True, **SMALL)  # type: ignore[arg-type]
        # Unheld, the small demo's lists are written within milliseconds (total > 0).
        assert not loading.wait(2)
        assert loading.status() == (0, 0, "", False, None)
        assert _table_counts(store)["snapshots"] == 0
        loading.release()
        assert loading.wait(120)
        # Done and total count the daily lists, not the files (a file holds a month of them).
        days = len(simulate(**SMALL).lists)  # type: ignore[arg-type]
        assert loading.status() == (days, days, "", True, None)
    finally:
        store.close()


def test_the_kept_exports_are_the_generators(tmp_path: Path) -> None:
    """The first start imports the kept copy of the full demo's exports instead of simulating the
    account first: it must be the generator's output, byte for byte (after a change to the
    generator: `python -c "from analytics.demo import keep_demo_exports; keep_demo_exports()"`)."""
    from analytics.demo import KEPT_EXPORTS

    generated = write_demo_files(tmp_path / "exports", parts="exports")
    kept = sorted(KEPT_EXPORTS.glob("*.csv"))
    assert [p.name for p in kept] == [p.name for p in generated]
    for ours, theirs in zip(kept, generated, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), f"{ours.name} differs from the generator's: write it again"


def test_a_first_start_stopped_while_the_lists_loaded_is_finished(tmp_path: Path, demo_store: Store) -> None:
    """Stopped after the exports and one month of lists (the server closed meanwhile): the next
    start sees the demo unfinished and finishes it into the whole demo; a whole demo is not."""
    from analytics import demo

    files = write_demo_files(tmp_path / "files", **SMALL)  # type: ignore[arg-type]
    exports = [p for p in files if not demo._is_list_file(p)]
    lists = [p for p in files if demo._is_list_file(p)]
    store = open_store(tmp_path / "stopped.duckdb")
    try:
        assert not demo_unfinished(store, **SMALL)  # type: ignore[arg-type]  # empty: a first start
        demo._import(store, exports, "demo", None)
        demo._import(store, lists[:1], "demo", None)
        assert demo_unfinished(store, **SMALL)  # type: ignore[arg-type]
        assert not demo_unfinished(store, account="someone else", **SMALL)
        loading = start_demo(store, **SMALL)  # type: ignore[arg-type]
        assert loading.wait(120) and loading.status()[4] is None
        assert _table_counts(store) == _table_counts(demo_store)
        assert not demo_unfinished(store, **SMALL)  # type: ignore[arg-type]
        assert not demo_unfinished(demo_store, **SMALL)  # type: ignore[arg-type]
    finally:
        store.close()


def test_the_lists_wait_for_a_page_being_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page being drawn (the dashboard's run_page) holds the next list file back, so the page
    shares the machine with one file's import at most; the lists go on once it is drawn."""
    from analytics import demo

    monkeypatch.setattr(demo, "YIELD_SECONDS", 120.0)
    store = open_store(tmp_path / "yield.duckdb")
    try:
        loading = start_demo(store, held=True, **SMALL)  # type: ignore[arg-type]
        with loading.page_drawing():
            loading.release()
            for _ in range(600):  # the lists written (their count known), at most a minute
                if loading.status()[1] > 0:
                    break
                loading.wait(0.1)
            assert loading.status()[1] > 0
            loading.wait(1.0)
            # Unheld, the first file's import would have begun at once (its name shown).
            assert loading.status()[:3] == (0, loading.status()[1], "")
            assert _table_counts(store)["snapshots"] == 0
        assert loading.wait(120) and loading.status()[4] is None
        assert loading.status()[0] == loading.status()[1] > 100
    finally:
        store.close()


def test_the_demo_meetup_knows_who_came_and_who_followed_after(demo_store: Store, tmp_path: Path) -> None:
    """The demo's attendee list (a Meetup export, its Twitter column) goes through the Meetups
    importer after the follower lists: the followers it names were in the list before the event,
    the others it names joined within the 30 days after, as the page's turnout says."""
    import csv as csv_module

    from analytics.demo import EVENT_FOLLOW_DAYS
    from analytics.metrics import meetups

    # Four months: one of the demo's two events (the other is older than the small demo).
    (event_file,) = write_demo_files(tmp_path, parts="events", **SMALL)  # type: ignore[arg-type]
    day = dt.date.fromisoformat(event_file.stem.rsplit("_", 1)[1])
    rows = list(csv_module.DictReader(event_file.read_text(encoding="utf-8").splitlines()))
    came = [r for r in rows if r["RSVP"] == "Yes"]
    handles = {r["Twitter"].removeprefix("@").lower() for r in came if r["Twitter"]}
    lists = _query(demo_store, "SELECT DISTINCT s.snapshot_date, p.handle FROM snapshots s JOIN spells sp "
                               "ON sp.account_id = s.account_id AND sp.first_seen <= s.snapshot_date "
                               "AND (sp.last_seen IS NULL OR sp.last_seen >= s.snapshot_date) "
                               "JOIN profiles p ON p.account_id = sp.account_id AND p.member_id = sp.member_id")
    lists["snapshot_date"] = pd.to_datetime(lists["snapshot_date"]).dt.date
    before_day = lists.loc[lists["snapshot_date"] < day, "snapshot_date"].max()
    before = set(lists.loc[lists["snapshot_date"] == before_day, "handle"].str.lower())
    after = set(lists.loc[(lists["snapshot_date"] > day) & (lists["snapshot_date"] <= day + dt.timedelta(days=EVENT_FOLLOW_DAYS)),
                          "handle"].str.lower()) - before
    assert handles & before and handles & after  # the file names some of each
    cursor = demo_store.cursor()
    try:
        found = cursor.execute("SELECT account_id FROM accounts WHERE name = 'demo'").fetchone()
        assert found is not None
        account_id = int(found[0])
        (event,) = meetups.turnout(cursor, account_id, EVENT_FOLLOW_DAYS).to_dict("records")
    finally:
        cursor.close()
    assert event["attendees"] == len(came)  # the "No" answers are not attendees
    # Named by handle, and the ones named only by name that match a follower on top.
    assert event["followers_before"] >= len(handles & before)
    assert event["followed_after"] >= len(handles & after) > 0
    assert event["followers_before"] + event["followed_after"] <= event["matched"] + event["to_review"]
