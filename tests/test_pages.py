"""The Overview and Import pages, run headless with Streamlit's AppTest against a real store file.

AppTest 1.67 drives `st.file_uploader` (`set_value` with (name, bytes, mime) tuples), so uploads
go through the page exactly as a browser's would, down to `import_sources`.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from analytics.charts.overview import follower_curve, gains_losses
from tests.pages_helpers import APP, metrics, seed

IMPORT_PAGE = "pages/import.py"
OVERVIEW_PAGE = "pages/overview.py"
TIMEOUT = 60

COUNTS_CSV = b"date,followers\n2025-01-01,100\n2025-01-05,110\n2025-01-10,105\n"
LIST_1 = b"handle,name\nalice,Alice\nbob,Bob\ncarol,Carol\n"
LIST_2 = b"handle,name\nalice,Alice\ncarol,Carol\ndave,Dave\nerin,Erin\n"


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception
    return at


def plain(markdown: str) -> str:
    """What a reader sees of escaped markdown (word joiners are invisible)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def values(array: Any) -> list[float]:
    """A trace's numbers: Plotly sends numpy arrays as base64 typed arrays."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(plain(p) for p in parts)


# --- Overview ----------------------------------------------------------------------------------


def test_empty_store_overview_points_to_import(db: Path) -> None:
    at = app()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "No account yet" in at.info[0].value
    links = at.get("page_link")
    assert len(links) == 1 and links[0].proto.label == "Go to the Import page"
    assert links[0].proto.page == "import"  # the Import page's url_path
    assert not at.metric
    assert not at.get("plotly_chart")


def test_empty_store_import_page_offers_a_new_account(db: Path) -> None:
    at = app(IMPORT_PAGE)
    assert at.title[0].value == "Import"
    assert at.selectbox(key="import_account").value == "\x00new"
    assert at.button(key="import_go").disabled
    assert not at.error


def test_overview_headline_from_a_count_csv(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="counts")
    at = app()
    assert at.selectbox(key="overview_account").value == "counts"
    period = at.date_input[0]
    assert period.value == (dt.date(2025, 1, 1), dt.date(2025, 1, 10))
    # The last stated total is 105; 105 - 100 over the whole range. A count history says nothing of
    # posts: unknown is "—", never 0 (#14 item 2; the round-1 page showed 0 through a shim).
    shown = metrics(at)
    period_figures = {label: shown[label] for label in ("Followers", "Net change", "Posts", "Impressions")}
    assert period_figures == {"Followers": "105", "Net change": "+5", "Posts": "—", "Impressions": "—"}
    # Totals only: the morning check has the day-to-day difference, no gains or losses.
    assert (shown["Followers now"], shown["Since yesterday"], shown["Gained yesterday"]) == ("105", "−1", "—")
    (curve,) = figures(at)
    followers = next(t for t in curve["data"] if t["name"] == "Followers")
    assert len(followers["x"]) == 10
    anchors = next(t for t in curve["data"] if t["name"] == "Stated total")
    assert len(anchors["x"]) == 3
    assert curve["layout"]["yaxis"]["title"]["text"] == "Followers"
    # A count history says nothing of daily gains and losses: no empty chart, a sentence instead.
    assert "No daily gains and losses in this period" in texts(at)

    period.set_value((dt.date(2025, 1, 1), dt.date(2025, 1, 5))).run()
    assert not at.exception
    assert metrics(at)["Followers"] == "110"
    assert metrics(at)["Net change"] == "+10"


def test_overview_from_two_follower_lists(db: Path) -> None:
    seed(db, {"list.csv": LIST_1}, account="lists", snapshot_date=dt.date(2025, 2, 1))
    seed(db, {"list.csv": LIST_2}, account="lists", snapshot_date=dt.date(2025, 2, 8))
    seed(db, {"counts.csv": COUNTS_CSV}, account="other")
    at = app()
    at.selectbox(key="overview_account").set_value("lists").run()
    assert not at.exception
    # 3 listed on Feb 1; dave and erin joined, bob left: 4 on Feb 8.
    assert metrics(at)["Followers"] == "4"
    assert metrics(at)["Net change"] == "+1"
    _, flows = figures(at)
    by_name = {t["name"]: t for t in flows["data"]}
    assert set(by_name) == {"Gained", "Lost", "Net"}
    assert flows["layout"]["barmode"] == "relative"
    assert values(by_name["Gained"]["y"])[-1] == 2
    assert values(by_name["Lost"]["y"])[-1] == -1  # losses are drawn downwards
    assert values(by_name["Net"]["y"])[-1] == 1


def test_switching_account_in_overview_keeps_working(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="a")
    seed(db, {"list.csv": LIST_1}, account="b", snapshot_date=dt.date(2025, 3, 1))
    at = app()
    assert metrics(at)["Followers"] == "105"
    at.selectbox(key="overview_account").set_value("b").run()
    assert not at.exception
    assert metrics(at)["Followers"] == "3"
    assert at.date_input[0].value == (dt.date(2025, 3, 1), dt.date(2025, 3, 1))


# --- Import ------------------------------------------------------------------------------------


def test_upload_preview_and_import(db: Path) -> None:
    at = app(IMPORT_PAGE)
    at.text_input(key="import_new_name").input("me").run()
    at.file_uploader[0].set_value(("counts.csv", COUNTS_CSV, "text/csv")).run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert preview.loc[0, "File"] == "counts.csv"
    assert preview.loc[0, "Format"] == "Follower-count history CSV (Palier generic)"
    assert (preview.loc[0, "Rows"], preview.loc[0, "Days"], preview.loc[0, "Posts"]) == (3, 3, 0)
    assert pd.Timestamp(preview.loc[0, "From"]).date() == dt.date(2025, 1, 1)
    assert pd.Timestamp(preview.loc[0, "To"]).date() == dt.date(2025, 1, 10)
    assert not at.button(key="import_go").disabled

    at.button(key="import_go").click().run()
    assert not at.exception
    assert not at.error
    assert "counts.csv: Follower-count history CSV (Palier generic), 3 days" in plain(at.success[0].value)
    # The new account is now selected, its history lists the import, the uploader is empty again.
    assert at.selectbox(key="import_account").value == "me"
    assert "**#1** counts.csv" in texts(at)
    assert at.file_uploader[0].value in (None, [])

    at.switch_page(OVERVIEW_PAGE).run()
    assert not at.exception
    assert metrics(at)["Followers"] == "105"

    # The same file again: recognised, nothing changes.
    at.switch_page(IMPORT_PAGE).run()
    at.file_uploader[0].set_value(("counts.csv", COUNTS_CSV, "text/csv")).run()
    at.button(key="import_go").click().run()
    assert not at.exception
    assert "already imported as import #1" in plain(at.info[0].value)


def test_follower_list_preview_uses_the_snapshot_date(db: Path) -> None:
    at = app(IMPORT_PAGE)
    at.text_input(key="import_new_name").input("lists").run()
    at.date_input(key="import_snapshot_date").set_value(dt.date(2025, 2, 1)).run()
    at.file_uploader[0].set_value(("list.csv", LIST_1, "text/csv")).run()
    assert not at.exception
    preview = at.dataframe[0].value
    assert preview.loc[0, "Follower lists"] == "3 followers on 2025-02-01"
    at.button(key="import_go").click().run()
    assert not at.exception
    assert "3 followers on 2025-02-01" in plain(at.success[0].value)


def test_a_follower_total_typed_on_the_page(db: Path) -> None:
    seed(db, {"list.csv": LIST_1}, account="me", snapshot_date=dt.date(2025, 2, 1))
    at = app(IMPORT_PAGE)
    assert at.selectbox(key="import_account").value == "me"
    at.date_input(key="import_total_day").set_value(dt.date(2025, 2, 1)).run()
    at.number_input(key="import_total").set_value(1234).run()
    assert not at.button(key="import_go").disabled  # a total alone is enough
    at.button(key="import_go").click().run()
    assert not at.exception
    assert "1 follower totals recorded" in plain(at.success[0].value)
    at.switch_page(OVERVIEW_PAGE).run()
    assert metrics(at)["Followers"] == "1,234"


def test_import_error_is_shown_as_text(db: Path) -> None:
    at = app(IMPORT_PAGE)
    at.text_input(key="import_new_name").input("me").run()
    hostile = "[click me](https://evil.example).csv"
    at.file_uploader[0].set_value(
        [(hostile, b"foo,bar\n<b>1</b>,:red[2]\n", "text/csv"), ("counts.csv", COUNTS_CSV, "text/csv")]
    ).run()
    assert not at.exception
    assert len(at.error) == 1
    shown = at.error[0].value
    assert plain(shown).startswith(hostile + ": format: expected one of the supported exports")
    # Escaped, so markdown renders no link: every bracket and parenthesis is a literal.
    assert "\\[click me\\]\\(https\\:\\/\u2060\\/evil\\.example\\)" in shown
    # ... and no autolink either: a word joiner breaks the bare URL.
    assert "https://" not in shown.replace("\\", "")
    # The good file still imports; the bad one is reported again, as text.
    at.button(key="import_go").click().run()
    assert not at.exception
    assert len(at.success) == 1
    assert len(at.error) == 1 and plain(at.error[0].value).startswith(hostile)
    assert "Traceback" not in at.error[0].value


def test_a_broken_file_with_a_known_header(db: Path) -> None:
    at = app(IMPORT_PAGE)
    at.text_input(key="import_new_name").input("me").run()
    at.file_uploader[0].set_value(("counts.csv", b"date,followers\n2025-01-01,lots\n", "text/csv")).run()
    assert not at.exception
    assert len(at.error) == 1
    assert plain(at.error[0].value).startswith("counts.csv: ")
    assert at.button(key="import_go").disabled


def test_delete_an_import(db: Path) -> None:
    seed(db, {"list.csv": LIST_1}, account="lists", snapshot_date=dt.date(2025, 2, 1))
    seed(db, {"list.csv": LIST_2}, account="lists", snapshot_date=dt.date(2025, 2, 8))
    at = app()
    assert metrics(at)["Followers"] == "4"
    at.switch_page(IMPORT_PAGE).run()
    assert "**#2** list.csv" in texts(at) and "**#1** list.csv" in texts(at)

    at.button(key="import_delete_2").click().run()
    assert not at.exception
    assert "Deleted import #2 (list.csv)." in plain(at.success[0].value)
    assert "**#2** list.csv" not in texts(at) and "**#1** list.csv" in texts(at)

    at.switch_page(OVERVIEW_PAGE).run()
    assert not at.exception
    assert metrics(at)["Followers"] == "3"
    assert at.date_input[0].value == (dt.date(2025, 2, 1), dt.date(2025, 2, 1))


def test_older_imports_are_picked_then_deleted(db: Path) -> None:
    """Past the newest ten, imports are one picker (not a row each): picking one shows it with its
    Delete button, which deletes that import only."""
    for day in range(1, 14):
        seed(db, {f"list-{day:02d}.csv": LIST_1 if day % 2 else LIST_2}, account="lists",
             snapshot_date=dt.date(2025, 2, day))
    at = app(IMPORT_PAGE)
    assert "**#13** list-13.csv" in texts(at) and "**#4** list-04.csv" in texts(at)
    assert "**#3** list-03.csv" not in texts(at)
    # The newest ten have a button each; the three older ones none until picked.
    assert [b.key for b in at.button if (b.key or "").removeprefix("import_delete_").isdigit()] == [
        f"import_delete_{n}" for n in range(13, 3, -1)]
    picker = at.selectbox(key="import_older_lists")
    assert picker.value is None
    assert picker.options[0].startswith("#3 list-03.csv (imported ") and len(picker.options) == 3
    picker.select_index(1).run()
    assert not at.exception
    assert "**#2** list-02.csv" in texts(at)
    at.button(key="import_delete_2").click().run()
    assert not at.exception
    assert "Deleted import #2 (list-02.csv)." in plain(at.success[0].value)
    assert [o.split(" ")[0] for o in at.selectbox(key="import_older_lists").options] == ["#3", "#1"]


def test_delete_an_account_needs_its_name(db: Path) -> None:
    seed(db, {"counts.csv": COUNTS_CSV}, account="me")
    at = app(IMPORT_PAGE)
    assert at.button(key="import_delete_account").disabled
    at.text_input(key="import_confirm_me").input("not me").run()
    assert at.button(key="import_delete_account").disabled
    at.text_input(key="import_confirm_me").input("me").run()
    at.button(key="import_delete_account").click().run()
    assert not at.exception
    assert "Deleted account me" in plain(at.success[0].value)
    assert at.selectbox(key="import_account").value == "\x00new"
    at.switch_page(OVERVIEW_PAGE).run()
    assert not at.exception
    assert "No account yet" in at.info[0].value


# --- Charts on their own -------------------------------------------------------------------------


def _series(followers: list[float | None], net: list[float | None]) -> pd.DataFrame:
    days = pd.date_range("2025-03-01", periods=len(net), freq="D", unit="us")
    netf = pd.Series(net, dtype="float64")
    return pd.DataFrame(
        {
            "day": days,
            "followers": pd.Series(followers, dtype="float64"),
            "change": netf.fillna(0).cumsum(),
            "gained": netf.clip(lower=0),
            "lost": (-netf).clip(lower=0),
            "net": netf,
            "anchor": [f is not None for f in followers],
            "listed": float("nan"),
            "flow_source": "export",
            "impressions": float("nan"),
        }
    )


def test_curve_without_a_total_shows_change_and_says_so() -> None:
    fig = follower_curve(_series([None] * 4, [3, -1, 2, 5]))
    assert fig.layout.title.text == "Follower change since 01 Mar 2025"
    assert fig.layout.yaxis.title.text == "Change since 01 Mar 2025"
    assert list(fig.data[0].y) == [0, -1, 1, 6]  # rebased on the first day, never a made-up total
    assert "no follower total" in fig.layout.title.subtitle.text


def test_long_periods_are_charted_per_week() -> None:
    fig = gains_losses(_series([None] * 200, [1.0] * 200))
    assert fig.layout.yaxis.title.text == "Followers per week"
    assert sum(fig.data[0].y) == 200


def test_a_rate_axis_puts_its_unit_under_its_name() -> None:
    """The rate charts are short: "Croissance par jour (% des abonnés au début)" on one line ran
    past both ends of the plot (screenshot of Growth in French, 1440 wide)."""
    from analytics.charts import unit_below

    assert unit_below("Growth per day (% of followers at its start)") == "Growth per day<br>(% of followers at its start)"
    assert unit_below("Followers lost per day") == "Followers lost per day"
