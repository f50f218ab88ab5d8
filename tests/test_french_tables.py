"""Tables in the reader's language (issue #20 item 2): a French page's tables write 1 500 (narrow
no-break space), +1 500,0 and 02/03/2026, an English page's 1,500, +1,500.0 and 2026-03-02, as
the metric cards beside them do; the numbers underneath stay numbers, so a click on a header
sorts them as numbers.

Streamlit draws a table's numbers from the Styler's display values (analytics.ui.tables), which
AppTest sees in the element's proto; a day column's pattern is in its column config. (In a real
browser the grid draws on a canvas; its accessible table holds the raw values, not the drawn
text, so a browser test could not read "7 611" there: the screenshots of docs/screenshots show it.)
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from analytics.i18n import use_language
from analytics.store import open_store
from analytics.ui import tables
from tests.conftest import import_bytes
from tests.pages_helpers import APP
from tests.test_french_session import TIMEOUT, db, french_app  # noqa: F401 - db is a fixture

ROOT = Path(__file__).resolve().parent.parent
NNBSP = "\u202f"  # CLDR's French thousands separator
MINUS = "\u2212"
FIRST_DAY = dt.date(2026, 1, 1)
DAYS = 60
GAIN = 1500  # a day's gain: every net and total in the tables has four digits or more


def _seed(path: Path) -> None:
    """Totals of 60 days (+1,500 a day, a fall of 2,345 on day 40) and two follower lists."""
    totals, total = [], 10_000
    for n in range(DAYS):
        total += -2345 if n == 40 else GAIN
        totals.append(f"{FIRST_DAY + dt.timedelta(days=n)},{total}")
    store = open_store(path)
    try:
        with use_language("en"):
            assert [o.status for o in import_bytes(store, {"counts.csv": ("date,followers\n" + "\n".join(totals) + "\n").encode()},
                                                   account="moi")] == ["imported"]
            for day, members in ((dt.date(2026, 3, 1), range(0, 1300)), (dt.date(2026, 3, 2), range(40, 1340))):
                rows = "handle,name,followers_count\n" + "".join(f"user{i},User {i},{1000 + i * 7}\n" for i in members)
                assert import_bytes(store, {f"followers-{day}.csv": rows.encode()}, account="moi", snapshot_date=day)[0].status == "imported"
    finally:
        store.close()


def _english_app(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _shown(element: Any) -> pd.DataFrame:
    """A table as st.dataframe draws it: the Styler's display values (text)."""
    arrow = element.proto.arrow_data
    assert arrow.HasField("styler"), "a table of numbers without the reader's formats"
    return dataframe_util.convert_arrow_bytes_to_pandas_df(arrow.styler.display_values)


def _config(element: Any) -> dict[str, Any]:
    return dict(json.loads(element.proto.columns))


def _table(at: AppTest, column: str) -> Any:
    """The first table of the page with this column."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert found, (column, [list(d.value.columns) for d in at.dataframe])
    return found[0]


def test_growth_tables_write_numbers_and_days_in_the_language(db: Path) -> None:  # noqa: F811 - the fixture
    _seed(db)
    french = french_app("pages/growth.py")
    comparison = _table(french, "Période")
    shown = _shown(comparison)
    # The previous period: 28 days of +1,500, French style, never "+42,000" nor "+1,500.0".
    previous = shown.iloc[1]
    assert previous["Variation nette"] == f"+42{NNBSP}000" and previous["Variation nette par jour"] == f"+1{NNBSP}500,0"
    assert previous["Taux de croissance"] == "240,00\u00a0%"
    config = _config(comparison)
    assert config["Du"]["type_config"]["format"] == "DD/MM/YYYY" and config["Au"]["type_config"]["format"] == "DD/MM/YYYY"
    # Underneath, numbers: a click on the header sorts 1 500 after 999.
    assert pd.api.types.is_numeric_dtype(comparison.value["Variation nette"])

    best_worst = _shown(_table(french, "Rang"))["Variation nette"].tolist()
    assert f"+1{NNBSP}500" in best_worst and f"{MINUS}2{NNBSP}345" in best_worst, best_worst

    english = _english_app("pages/growth.py")
    english_comparison = _table(english, "Period")
    assert _shown(english_comparison).iloc[1][["Net", "Net per day", "Growth rate"]].tolist() == ["+42,000", "+1,500.0", "240.00%"]
    assert _config(english_comparison)["From"]["type_config"]["format"] == "YYYY-MM-DD"
    assert "+1,500" in _shown(_table(english, "Rank"))["Net"].tolist()


def test_churn_tables_write_counts_and_days_in_french(db: Path) -> None:  # noqa: F811 - the fixture
    _seed(db)
    french = french_app("pages/churn.py")
    # Who followed between the two lists: user1300..user1339, 10 100 to 10 373 followers each.
    joined = _table(french, "Vu pour la première fois")
    followers = _shown(joined)["Abonnés"].tolist()
    assert followers[0] == f"10{NNBSP}373" and len(followers) == 40, followers
    assert _config(joined)["Vu pour la première fois"]["type_config"]["format"] == "DD/MM/YYYY"
    # The purge days: the weekday and the day in French, the counts grouped.
    purges = _shown(_table(french, "Fois l’habituel"))
    assert purges.iloc[0][["Jour", "Perdus"]].tolist() == ["mar. 10/02/2026", f"2{NNBSP}345"], purges
    # A missing value is the dash of every figure, not Streamlit's English "None" (in French too).
    assert french.dataframe and {d.proto.placeholder for d in french.dataframe} == {"—"}
    english = _english_app("pages/churn.py")
    english_purges = _shown(_table(english, "Times the usual"))
    assert english_purges.iloc[0][["Day", "Lost"]].tolist() == ["Tue 2026-02-10", "2,345"], english_purges


def test_the_helper_refuses_a_number_column_left_in_english() -> None:
    frame = pd.DataFrame({"Name": ["a"], "Followers": [1234], "Share": [0.5]})
    with pytest.raises(ValueError, match="Share"):
        tables.localized(frame, {"Followers": tables.number()})
    with use_language("fr"):
        styled = tables.localized(frame, {"Share": tables.percent(1)}, counts=True)
        text = styled.to_string()
        assert f"1{NNBSP}234" in text and "50,0\u00a0%" in text
        assert tables.progress_percent_format() == "%.0f\u00a0%%"
    with use_language("en"):
        assert tables.progress_percent_format() == "%.0f%%" and tables.date_column_format() == "YYYY-MM-DD"


def _column_formats(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every literal `format=` handed to a Streamlit column type."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr.endswith("Column"):
            for keyword in node.keywords:
                if keyword.arg == "format" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    found.append((node.lineno, keyword.value.value))
    return found


def test_no_table_column_has_a_fixed_english_format() -> None:
    """A literal format ("%+.1f", "localized", "YYYY-MM-DD", "%d%%") is one language's (or the
    browser's): every table's numbers and days take the reader's language from analytics.ui.tables."""
    literal = {str(path.relative_to(ROOT)): formats for path in sorted((ROOT / "analytics" / "ui").glob("*.py"))
               if (formats := [f for f in _column_formats(path) if f[1].strip()])}
    assert literal == {}, literal


def test_an_empty_column_typed_as_numbers_reads_as_dashes() -> None:
    # A text column with no value at all (all NaN) is typed float64 by pandas: dashes, not a refusal.
    frame = pd.DataFrame({"Post": [float("nan"), float("nan")], "Followers": [3, 1234]})
    assert tables.localized(frame, {"Followers": tables.number()}).to_string().count("—") == 2


def _dataframe_calls(path: Path) -> list[int]:
    """Lines of every `st.dataframe(...)` call in a file."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"]


def test_every_table_goes_through_the_helper_that_writes_missing_values() -> None:
    """Streamlit draws a missing cell as "None", whatever the Styler's text: `tables.dataframe` sets
    the dash every figure uses. A table drawn with st.dataframe itself would say "None" again."""
    files = sorted([*(ROOT / "analytics").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
    direct = {str(path.relative_to(ROOT)): lines for path in files
              if path.name != "tables.py" and (lines := _dataframe_calls(path))}
    assert direct == {}, direct
    assert _dataframe_calls(ROOT / "analytics" / "ui" / "tables.py"), "the helper itself calls st.dataframe"
