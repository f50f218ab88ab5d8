"""TikTok, YouTube Studio, LinkedIn analytics workbooks, Flickr and RSS (issue 18, part B).

Fixtures under tests/fixtures/{tiktok,youtube,flickr,rss}/ are written from /work/shared/FORMATS.md
sections 12 to 15; the LinkedIn workbooks (§17, no real file seen) are written here, the .xlsx with
openpyxl and the .xls as a real BIFF8 file with xlwt. Expected values are worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import xlwt

from analytics.errors import BadExportError
from analytics.ingest.formats import linkedin_workbook
from analytics.ingest.model import SourceFile
from analytics.ingest.registry import detect, named_in_bundle
from analytics.ingest.service import ImportOptions, import_sources
from analytics.metrics.followers import follower_series
from analytics.store import Store
from tests.conftest import import_bytes, import_fixture

D = dt.date
SNAP = D(2026, 2, 18)
CHANNEL = "youtube/Content 2024-08-17_2024-08-21 Test Channel"


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    cursor = store.cursor()
    try:
        return cursor.execute(sql, params or []).fetchall()
    finally:
        cursor.close()


def daily(store: Store, metric: str) -> dict[dt.date, int]:
    return dict(rows(store, "SELECT day, value FROM daily_latest WHERE metric = ? ORDER BY day", [metric]))


def parse(name: str, data: bytes) -> Any:
    source = SourceFile(name, data)
    return detect(source).parse(source)


def refused(name: str, data: bytes) -> BadExportError:
    with pytest.raises(BadExportError) as caught:
        parse(name, data)
    assert caught.value.file == name
    return caught.value


def state(store: Store) -> list[Any]:
    return [
        rows(store, f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("imports", "snapshots", "spells", "profiles", "daily_values", "accounts")
    ]


# --- workbooks (LinkedIn §17) -------------------------------------------------------------------


def company_xls(sheet_name: str = "New followers", header: tuple[str, ...] | None = None, days: list[tuple[Any, ...]] | None = None) -> bytes:
    """A company page export as LinkedIn serves it: an old BIFF8 .xls with several sheets."""
    book = xlwt.Workbook(encoding="utf-8")
    header = header or ("Date", "Sponsored followers", "Organic followers", "Auto-invited followers", "Total followers")
    days = days or [("03/01/2026", 0, 5, 1, 6), ("03/02/2026", 2, 3, 0, 5), ("03/03/2026", 0, 0, 0, 0)]
    sheet = book.add_sheet(sheet_name)
    for column, title in enumerate(header):
        sheet.write(0, column, title)
    for row, values in enumerate(days, start=1):
        for column, value in enumerate(values):
            sheet.write(row, column, value)
    for other in ("Location", "Job function", "Seniority", "Industry", "Company size"):
        demo = book.add_sheet(other)
        demo.write(0, 0, other)
        demo.write(0, 1, "Total followers")
        demo.write(1, 0, "Paris")
        demo.write(1, 1, 120)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def creator_xlsx(
    names: tuple[str, ...] = ("DISCOVERY", "ENGAGEMENT", "TOP POSTS", "FOLLOWERS", "DEMOGRAPHICS"),
    stated: str = "Total followers on 3/15/2026",
    total: Any = "1520",
    header: tuple[str, str] = ("Date", "New followers"),
    days: list[tuple[Any, Any]] | None = None,
) -> bytes:
    """A creator analytics export (new format: numbers and dates stored as text)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in names:
        sheet = book.create_sheet(name)
        if name == names[3]:
            sheet.append([stated, total])
            sheet.append([])
            sheet.append(list(header))
            for day in days if days is not None else [("3/13/2026", "4"), ("3/14/2026", "0"), ("3/15/2026", "7")]:
                sheet.append(list(day))
        elif name == names[0]:
            sheet.append(["Overall Performance", "3/16/2025 - 3/15/2026"])
            sheet.append(["Impressions", "52000"])
        else:
            sheet.append(["Date", "Impressions", "Engagements"])
            sheet.append(["3/15/2026", "300", "12"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def youtube_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in ("Table data.csv", "Chart data.csv", "Totals.csv"):
            archive.writestr(f"Content 2024-08-17_2024-08-21 Test Channel/{name}", (Path(__file__).parent / "fixtures" / CHANNEL / name).read_bytes())
    return out.getvalue()


# --- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("tiktok/user_data_tiktok.json", "tiktok_download"),
        ("tiktok/user_data_tiktok_2026.json", "tiktok_download"),
        ("tiktok/user_data.json", "tiktok_download"),
        ("tiktok/FollowerHistory 2026-01-03.csv", "tiktok_follower_history"),
        ("tiktok/TIKTOK_RAW.csv", "tiktok_studio_table"),
        ("tiktok/TIKTOK_AUDIENCE_RAW.csv", "tiktok_studio_table"),
        (f"{CHANNEL}/Totals.csv", "youtube_totals"),
        (f"{CHANNEL}/Chart data.csv", "youtube_chart"),
        (f"{CHANNEL}/Table data.csv", "youtube_table"),
        ("youtube/Totals_dmy.csv", "youtube_totals"),
        ("flickr/followers_part001.json", "flickr_followers"),
        ("rss/feedly.opml", "rss_opml"),
    ],
)
def test_each_fixture_is_detected_by_its_content_under_any_name(fixtures: Path, path: str, key: str) -> None:
    assert detect(SourceFile("upload.dat", (fixtures / path).read_bytes())).key == key


def test_workbooks_are_detected_by_content_and_an_xlsx_is_not_read_as_an_archive(store: Store) -> None:
    assert detect(SourceFile("export.bin", company_xls())).key == "linkedin_company_workbook"
    assert detect(SourceFile("export.bin", creator_xlsx())).key == "linkedin_company_workbook"  # one reader for both
    outcomes = import_bytes(store, {"renamed.zip": creator_xlsx()})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert outcomes[0].format == "linkedin_creator_workbook"


def test_bundle_patterns_pick_the_new_members() -> None:
    # The name rule (named_in_bundle); any other CSV of a bundle is read only to see whether it is an
    # X analytics export, and skipped otherwise (tests/test_import_analytics_bundle.py).
    assert named_in_bundle("TikTok_Data_1767225600/user_data_tiktok.json")
    assert named_in_bundle("Followers_handle/FollowerHistory.csv")
    assert named_in_bundle("Content 2024-08-17_2024-08-21 Test Channel/Totals.csv")
    assert named_in_bundle("Content 2024-08-17_2024-08-21 Test Channel/Chart data.csv")
    assert named_in_bundle("72157706876334384_ff8f2206a90f_part1/followers_part001.json")
    assert not named_in_bundle("Followers_handle/FollowerGender.csv")


# --- TikTok data download -----------------------------------------------------------------------


def test_tiktok_fixture_keeps_the_real_bytes(fixtures: Path) -> None:
    data = (fixtures / "tiktok/user_data_tiktok.json").read_bytes()
    assert data.endswith(b"}\n}\n\n")
    assert "zoé_ride".encode() in data  # raw UTF-8, no \u escapes


def test_tiktok_download_end_to_end(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "tiktok/user_data_tiktok.json", snapshot_date=SNAP)
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert "the follower list holds 4 followers, the profile reports 5: TikTok leaves some out" in outcomes[0].notes
    assert rows(store, "SELECT platform, handle FROM accounts") == [("tiktok", "lea.velo")]
    assert rows(store, "SELECT kind, snapshot_date, members FROM snapshots ORDER BY kind") == [
        ("follower", SNAP, 4),
        ("following", SNAP, 2),
    ]
    assert rows(store, "SELECT member_key, handle, followed_at, profile_url FROM profiles WHERE member_key = 'zoé_ride'") == [
        ("zoé_ride", "zoé_ride", dt.datetime(2025, 10, 1, 9, 31, 12), "https://www.tiktok.com/@zoé_ride")
    ]
    assert rows(store, "SELECT handle FROM profiles WHERE member_key = 'marc.dupont'") == [("Marc.Dupont",)]
    # The profile's own counts are the totals of the snapshot's day.
    assert daily(store, "followers") == {SNAP: 5}
    assert daily(store, "following") == {SNAP: 2}


@pytest.mark.parametrize(
    ("path", "followers", "following"),
    [("tiktok/user_data_tiktok_2026.json", ["anna_k", "newfan"], []), ("tiktok/user_data.json", ["oldfan"], ["someone"])],
)
def test_tiktok_download_other_layouts_and_null_lists(fixtures: Path, path: str, followers: list[str], following: list[str]) -> None:
    parsed = parse(Path(path).name, (fixtures / path).read_bytes())
    lists = {m.kind: sorted(m.members["member_key"]) for m in parsed.lists}
    assert lists == {"follower": followers, "following": following}


def test_tiktok_download_without_a_follower_section_says_what_to_download() -> None:
    data = json.dumps({"Your Activity": {"Watch History": {"VideoList": None}}}, indent=2).encode()
    error = refused("user_data_tiktok.json", data)
    assert "'Follower' object with 'FansList'" in error.expected
    assert "'Your Activity'" in error.found


def test_tiktok_download_bad_date_names_the_entry() -> None:
    data = json.dumps({"Your Activity": {"Follower": {"FansList": [{"Date": "01/10/2025", "UserName": "a"}]}}}).encode()
    error = refused("user_data_tiktok.json", data)
    assert error.where == "Your Activity → Follower → FansList[0], 'Date'"
    assert error.found == "'01/10/2025'"


def test_tiktok_download_cut_short_is_reported(fixtures: Path) -> None:
    data = (fixtures / "tiktok/user_data_tiktok.json").read_bytes()[:-200]
    error = refused("user_data_tiktok.json", data)
    assert "cut short" in error.found


# --- TikTok Studio ------------------------------------------------------------------------------


def test_tiktok_history_infers_years_across_new_year_and_says_so(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "tiktok/FollowerHistory 2026-01-03.csv")
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert any("read as 2025-12-29 to 2026-01-03" in note and "2026-01-03 in the file name" in note for note in outcomes[0].notes)
    assert daily(store, "followers") == {D(2025, 12, 30): 37, D(2025, 12, 31): 40, D(2026, 1, 1): 38, D(2026, 1, 2): 45, D(2026, 1, 3): 45}
    # The first total's "0" is not a change (the total jumped from undefined to 37).
    assert daily(store, "net_follows") == {D(2025, 12, 31): 3, D(2026, 1, 1): -2, D(2026, 1, 2): 7, D(2026, 1, 3): 0}


def test_tiktok_history_takes_the_export_date_from_its_folder_or_zip_name(store: Store, fixtures: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Followers_lea/FollowerHistory.csv", (fixtures / "tiktok/FollowerHistory.csv").read_bytes())
    outcomes = import_bytes(store, {"Followers_lea 2026-01-03.zip": out.getvalue()})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert min(daily(store, "followers")) == D(2025, 12, 30) and max(daily(store, "followers")) == D(2026, 1, 3)


def test_tiktok_history_without_an_export_date_is_refused_with_how_to_give_it(fixtures: Path) -> None:
    error = refused("FollowerHistory.csv", (fixtures / "tiktok/FollowerHistory.csv").read_bytes())
    assert error.where == "lines 2 to 7, field 'Date'"
    assert "rename the file with the export day" in error.found and "'December 29'" in error.found


def test_tiktok_history_last_day_after_the_export_day_goes_to_the_year_before() -> None:
    data = '\ufeff"Date","Followers","Difference in followers from previous day"\n"8 de marzo","10","0"\n"9 de marzo","12","2"'
    parsed = parse("FollowerHistory 2026-02-01.csv", data.encode())
    assert sorted({d.date() for d in parsed.daily["day"]}) == [D(2025, 3, 8), D(2025, 3, 9)]


def test_tiktok_history_bad_count_names_line_and_field() -> None:
    data = '"Date","Followers","Difference in followers from previous day"\n"March 8","10","0"\n"March 9","twelve","2"'
    error = refused("FollowerHistory 2026-03-09.csv", data.encode())
    assert (error.where, error.expected, error.found) == ("line 3, field 'Followers'", "a whole number", "'twelve'")


def test_tiktok_history_impossible_day_in_the_inferred_year_is_refused() -> None:
    data = '"Date","Followers","Difference in followers from previous day"\n"February 29","10","0"'
    error = refused("FollowerHistory 2026-03-01.csv", data.encode())
    assert error.where == "line 2, field 'Date'" and "2026" in error.expected


def test_tiktok_studio_table_gains_losses_and_missing_values(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "tiktok/TIKTOK_RAW.csv")
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "new_follows") == {D(2025, 10, 31): 7, D(2025, 11, 1): 2, D(2025, 11, 2): 12}
    assert daily(store, "unfollows") == {D(2025, 10, 31): 2, D(2025, 11, 1): 3, D(2025, 11, 2): 0}
    assert daily(store, "net_follows") == {}  # new minus lost says it
    assert daily(store, "replies") == {D(2025, 10, 31): -1, D(2025, 11, 1): 4, D(2025, 11, 2): 9}
    assert daily(store, "video_views")[D(2025, 11, 2)] == 2210


def test_tiktok_audience_table_with_dashes_stores_no_total(fixtures: Path) -> None:
    parsed = parse("TIKTOK_AUDIENCE_RAW.csv", (fixtures / "tiktok/TIKTOK_AUDIENCE_RAW.csv").read_bytes())
    assert sorted(parsed.daily["metric"].unique()) == ["new_follows"]


def test_tiktok_studio_table_negative_new_followers_is_refused() -> None:
    data = "Date,New followers,Lost followers,Net growth\n2025/10/31,-3,0,-3"
    error = refused("t.csv", data.encode())
    assert (error.where, error.found) == ("line 2, field 'New followers'", "-3")


def test_tiktok_studio_table_net_alone_is_kept() -> None:
    data = "Date,New followers,Lost followers,Net growth\n2025/10/31,NAN,--,4"
    parsed = parse("t.csv", data.encode())
    assert list(zip(parsed.daily["metric"], parsed.daily["value"], strict=True)) == [("net_follows", 4)]


# --- YouTube Studio -----------------------------------------------------------------------------


def test_youtube_zip_stores_the_daily_net_from_totals_and_says_what_the_others_hold(store: Store) -> None:
    outcomes = import_bytes(store, {"Content 2024-08-17_2024-08-21 Test Channel.zip": youtube_zip()})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "net_follows") == {D(2024, 8, 17): 3, D(2024, 8, 19): -2, D(2024, 8, 20): 5, D(2024, 8, 21): 1}
    assert daily(store, "followers") == {} and daily(store, "new_follows") == {}
    notes = " | ".join(outcomes[0].notes)
    assert "Subscribers 7, Subscribers gained 11, Subscribers lost 4" in notes
    assert "2 charted items only" in notes
    assert rows(store, "SELECT platform FROM accounts") == [("youtube",)]


def test_youtube_net_change_draws_the_curve_and_a_typed_total_anchors_it(store: Store, fixtures: Path) -> None:
    import_fixture(store, fixtures / CHANNEL / "Totals.csv")
    import_sources(store, [], ImportOptions("me", followers_on={D(2024, 8, 21): 1000}))
    account_id = rows(store, "SELECT account_id FROM accounts")[0][0]
    cursor = store.cursor()
    try:
        curve = follower_series(cursor, account_id)
    finally:
        cursor.close()
    by_day = dict(zip(curve["day"].dt.date, curve["followers"], strict=True))
    assert by_day[D(2024, 8, 21)] == 1000 and by_day[D(2024, 8, 20)] == 999 and by_day[D(2024, 8, 19)] == 994
    assert list(curve["net"].fillna(-99)) == [3.0, -99, -2.0, 5.0, 1.0]


def test_youtube_table_by_date_gives_daily_gains_and_losses(store: Store) -> None:
    data = (
        b"Date,Views,Subscribers gained,Subscribers lost,Subscribers\n"
        b"Total,900,14,5,9\n2024-08-17,400,10,2,8\n2024-08-18,500,4,3,1\n"
    )
    assert detect(SourceFile("x.csv", data)).key == "youtube_table_by_date"
    outcomes = import_bytes(store, {"Table data.csv": data})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "new_follows") == {D(2024, 8, 17): 10, D(2024, 8, 18): 4}
    assert daily(store, "unfollows") == {D(2024, 8, 17): 2, D(2024, 8, 18): 3}
    assert daily(store, "net_follows") == {}  # gained minus lost says it
    assert daily(store, "video_views") == {D(2024, 8, 17): 400, D(2024, 8, 18): 500}


def test_youtube_resaved_dates_are_settled_by_the_file(fixtures: Path) -> None:
    dmy = parse("Totals.csv", (fixtures / "youtube/Totals_dmy.csv").read_bytes())
    assert [d.date() for d in dmy.daily["day"]] == [D(2025, 6, 12), D(2025, 6, 13), D(2025, 6, 14)]
    assert set(dmy.daily["metric"]) == {"new_follows"}
    mdy = parse("Totals.csv", (fixtures / "youtube/Totals_mdy.csv").read_bytes())
    assert [d.date() for d in mdy.daily["day"]] == [D(2022, 1, 1), D(2022, 1, 2), D(2022, 1, 3)]
    assert set(mdy.daily["metric"]) == {"unfollows"}
    assert any("month first" in note for note in mdy.notes)


def test_youtube_ambiguous_dates_are_refused_with_how_to_choose() -> None:
    error = refused("Totals.csv", b"Date,Subscribers\r\n3/4/2022,1\r\n")
    assert error.where == "line 2, field 'Date'"
    assert "read both ways" in error.found and "YYYY-MM-DD" in error.found


def test_youtube_damaged_totals_name_line_and_field() -> None:
    error = refused("Totals.csv", b"Date,Subscribers\n2024-08-17,3\n2024-08-18,abc\n")
    assert (error.where, error.expected, error.found) == ("line 3, field 'Subscribers'", "a whole number", "'abc'")
    error = refused("Totals.csv", b"Date,Subscribers\n2024-08-17,3\n2024-08-17,4\n")
    assert (error.where, error.found) == ("line 3, field 'Date'", "2024-08-17 twice")
    error = refused("Totals.csv", b"Date,Subscribers gained\n2024-08-17,-3\n")
    assert error.expected == "a count of 0 or more"


def test_youtube_totals_of_another_metric_say_which_to_choose() -> None:
    error = refused("Totals.csv", b"Date,Watch time (hours)\n2024-08-17,3.5\n")
    assert "choose Subscribers" in error.found


# --- LinkedIn analytics workbooks ---------------------------------------------------------------


def test_linkedin_company_xls_is_a_real_biff_file_read_as_daily_new_followers(store: Store) -> None:
    data = company_xls()
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    outcomes = import_bytes(store, {"acme_followers_1786950471348.xls": data})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "new_follows") == {D(2026, 3, 1): 6, D(2026, 3, 2): 5, D(2026, 3, 3): 0}
    assert daily(store, "sponsored_follows") == {D(2026, 3, 1): 0, D(2026, 3, 2): 2, D(2026, 3, 3): 0}
    assert daily(store, "followers") == {}
    assert import_bytes(store, {"acme_followers_1786950471348.xls": data})[0].status == "unchanged"


def test_linkedin_company_sheet_translated_is_found_by_content() -> None:
    data = company_xls(
        "Nouveaux abonnés",
        ("Date", "Abonnés sponsorisés", "Abonnés naturels", "Abonnés invités", "Total des abonnés"),
        [("13/03/2026", 1, 2, 0, 3), ("14/03/2026", 0, 4, 1, 5)],
    )
    parsed = linkedin_workbook.parse(SourceFile("acme.xls", data))
    assert parsed.daily is not None
    new = parsed.daily[parsed.daily["metric"] == "new_follows"]
    assert dict(zip([d.date() for d in new["day"]], new["value"], strict=True)) == {D(2026, 3, 13): 3, D(2026, 3, 14): 5}
    assert any("'Nouveaux abonnés'" in note for note in parsed.notes)


def test_linkedin_creator_xlsx_total_on_a_date_and_new_followers(store: Store) -> None:
    outcomes = import_bytes(store, {"Content_2025-03-16_2026-03-15_Jane Doe.xlsx": creator_xlsx()})
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert daily(store, "followers") == {D(2026, 3, 15): 1520}
    assert daily(store, "new_follows") == {D(2026, 3, 13): 4, D(2026, 3, 14): 0, D(2026, 3, 15): 7}


def test_linkedin_creator_exports_overlap_and_the_newer_one_wins(store: Store) -> None:
    older = creator_xlsx(days=[("3/13/2026", "4"), ("3/14/2026", "1")], stated="Total followers on 3/14/2026")
    newer = creator_xlsx(days=[("3/14/2026", "3"), ("3/15/2026", "7")])
    import_bytes(store, {"older.xlsx": older})
    import_bytes(store, {"newer.xlsx": newer})
    assert daily(store, "new_follows") == {D(2026, 3, 13): 4, D(2026, 3, 14): 3, D(2026, 3, 15): 7}


def test_workbook_sniff_reads_only_the_start_of_a_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"handle\n" + b"someone\n" * 10)
    source = SourceFile("big.csv", path=path)
    assert not linkedin_workbook.FORMATS[0].sniff(source)
    assert not source.loaded


def test_linkedin_creator_xlsx_in_portuguese_is_found_by_content() -> None:
    data = creator_xlsx(
        names=("Descoberta", "Engajamento", "Publicações mais em alta", "Seguidores", "Dados demográficos do público"),
        stated="Total de seguidores em 15/03/2026",
        header=("Data", "Novos seguidores"),
        days=[("13/03/2026", "4"), ("14/03/2026", "0"), ("15/03/2026", "7")],
    )
    parsed = linkedin_workbook.parse(SourceFile("AggregateAnalytics_Jane_2025-03-16_2026-03-15.xlsx", data))
    assert parsed.daily is not None
    values = {(str(m), pd.Timestamp(d).date()): int(v) for m, d, v in zip(parsed.daily['metric'], parsed.daily['day'], parsed.daily['value'], strict=True)}
    assert values[("followers", D(2026, 3, 15))] == 1520 and values[("new_follows", D(2026, 3, 13))] == 4


def test_linkedin_creator_xlsx_with_real_date_cells() -> None:
    data = creator_xlsx(total=1520, days=[(dt.datetime(2026, 3, 14), 2), (dt.datetime(2026, 3, 15), 3)])
    parsed = linkedin_workbook.parse(SourceFile("c.xlsx", data))
    assert parsed.daily is not None
    values = {(str(m), pd.Timestamp(d).date()): int(v) for m, d, v in zip(parsed.daily['metric'], parsed.daily['day'], parsed.daily['value'], strict=True)}
    assert values == {("followers", D(2026, 3, 15)): 1520, ("new_follows", D(2026, 3, 14)): 2, ("new_follows", D(2026, 3, 15)): 3}


def test_linkedin_workbook_damaged_or_without_followers_is_refused() -> None:
    error = refused("acme.xls", company_xls()[:3000])
    assert error.where == "the whole file" and "damaged" in error.found
    error = refused("acme.xls", company_xls(days=[("03/01/2026", 0, 5, 1, 6), ("03/02/2026", 0, "many", 0, 5)]))
    assert error.where == "sheet 'New followers', cell A3" and "'many'" in error.found
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["hello"])
    out = io.BytesIO()
    book.save(out)
    error = refused("x.xlsx", out.getvalue())
    assert error.where == "sheets" and "'Notes'" in error.found


def test_linkedin_creator_negative_new_followers_names_the_cell() -> None:
    error = refused("c.xlsx", creator_xlsx(days=[("3/14/2026", "2"), ("3/15/2026", "-3")]))
    assert (error.where, error.found) == ("sheet 'FOLLOWERS', cell B5", "-3")


# --- Flickr and RSS -----------------------------------------------------------------------------


def test_flickr_followers_as_described_are_a_list_without_dates(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "flickr/followers_part001.json", snapshot_date=SNAP)
    assert [o.status for o in outcomes] == ["imported"], outcomes
    assert rows(store, "SELECT member_key, handle, name FROM profiles ORDER BY member_key") == [
        ("12345678@n00", "12345678@N00", "Ørjan"),
        ("jeannephoto", "jeannephoto", "Jeanne Photo"),
    ]


def test_flickr_file_of_another_shape_is_refused_plainly() -> None:
    data = b'{"followers": "https://www.flickr.com/people/x/"}'
    error = refused("followers_part001.json", data)
    assert error.where == "key 'followers'" and "unverified" in error.expected


def test_opml_is_recognised_and_refused_with_what_to_do(store: Store, fixtures: Path) -> None:
    outcomes = import_fixture(store, fixtures / "rss/feedly.opml")
    assert [o.status for o in outcomes] == ["failed"]
    assert "2 feeds this reader subscribes to" in (outcomes[0].error or "")
    assert "type its subscriber total on the Import page" in (outcomes[0].error or "")
    assert rows(store, "SELECT count(*) FROM imports") == [(0,)]


# --- every new importer: re-import is a no-op ---------------------------------------------------


@pytest.mark.parametrize(
    "paths",
    [
        ["tiktok/user_data_tiktok.json"],
        ["tiktok/FollowerHistory 2026-01-03.csv"],
        ["tiktok/TIKTOK_RAW.csv"],
        [f"{CHANNEL}/Totals.csv", f"{CHANNEL}/Chart data.csv", f"{CHANNEL}/Table data.csv"],
        ["flickr/followers_part001.json"],
    ],
)
def test_reimport_changes_nothing(store: Store, fixtures: Path, paths: list[str]) -> None:
    files = [fixtures / p for p in paths]
    assert {o.status for o in import_fixture(store, *files, snapshot_date=SNAP)} == {"imported"}
    before = state(store)
    assert {o.status for o in import_fixture(store, *files, snapshot_date=SNAP)} == {"unchanged"}
    assert state(store) == before


def test_reimport_of_workbooks_and_zip_changes_nothing(store: Store) -> None:
    files = {"a.xlsx": creator_xlsx(), "b.zip": youtube_zip()}
    import_bytes(store, {"a.xlsx": files["a.xlsx"]}, account="li")
    import_bytes(store, {"b.zip": files["b.zip"]}, account="yt")
    before = state(store)
    assert import_bytes(store, {"a.xlsx": files["a.xlsx"]}, account="li")[0].status == "unchanged"
    assert import_bytes(store, {"b.zip": files["b.zip"]}, account="yt")[0].status == "unchanged"
    assert state(store) == before


def test_a_failing_member_leaves_nothing_behind(store: Store) -> None:
    """One transaction: a damaged Totals.csv inside the zip fails the whole zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("C/Table data.csv", (Path(__file__).parent / "fixtures" / CHANNEL / "Table data.csv").read_bytes())
        archive.writestr("C/Totals.csv", b"Date,Subscribers\n2024-08-17,3\n2024-08-18,x\n")
    outcomes = import_bytes(store, {"C.zip": out.getvalue()})
    assert [o.status for o in outcomes] == ["failed"]
    assert "line 3, field 'Subscribers'" in (outcomes[0].error or "")
    assert rows(store, "SELECT count(*) FROM imports") == [(0,)]
