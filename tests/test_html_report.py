"""The HTML report that travels: self-contained, offline, inert untrusted text, names only on request."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analytics import access
from analytics.export.html_report import CSP, build_report
from analytics.metrics.csvsafe import to_safe_csv
from analytics.metrics.lists import list_changes
from analytics.store import Store, open_store
from tests.conftest import import_bytes

ROOT = Path(__file__).resolve().parent.parent
XSS = (
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "[click](javascript:alert(1))",
)
ACCOUNT = "acme</title><script>window.__xss=1</script>"
COUNTS = "date,followers\n" + "".join(f"2025-01-{d:02d},{1000 + 7 * d - (d % 4) * 3}\n" for d in range(1, 29))


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def hostile_lists() -> tuple[bytes, bytes]:
    first = "handle,name,bio\nalice,Alice,hello\nleaver-unique-7f3a,Bob,bye\n"
    second = "handle,name,bio\nalice,Alice,hello\n" + "".join(
        f"evil{i},{_csv_field(text)},{_csv_field(text)}\n" for i, text in enumerate(XSS)
    ) + 'formula,"=HYPERLINK(""http://evil.example"",""x"")",@SUM(A1)\n'
    return first.encode(), second.encode()


def seed(store: Store, account: str = ACCOUNT) -> None:
    first, second = hostile_lists()
    assert import_bytes(store, {"counts.csv": COUNTS.encode()}, account=account)[0].status == "imported"
    import_bytes(store, {"list.csv": first}, account=account, snapshot_date=dt.date(2025, 1, 10))
    import_bytes(store, {"list.csv": second}, account=account, snapshot_date=dt.date(2025, 1, 20))


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would parse them (script bodies are
    text, not tags, exactly as in a browser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(page)
    parser.close()
    return parser.tags


@pytest.fixture
def hostile(store: Store) -> Store:
    seed(store)
    return store


def test_report_is_self_contained_and_offline(hostile: Store) -> None:
    page = build_report(hostile.cursor(), ACCOUNT, people=True)
    tags = parse(page)
    urls = [v for _, attrs in tags for k, v in attrs.items() if k in ("src", "href", "action", "srcset", "data") and v]
    assert [u for u in urls if u.lower().lstrip().startswith(("http:", "https:", "//"))] == []
    assert [u for u in urls if "javascript:" in u.lower()] == []
    # Plotly's bundle is inline (no src), once; each chart adds a small inline script.
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts and all("src" not in attrs for attrs in scripts)
    assert page.count("plotly.js v") >= 1 and len(page) > 3_000_000
    assert sum(1 for tag, attrs in tags if tag == "div" and "plotly-graph-div" in (attrs.get("class") or "")) == 2
    # The policy forbids any request, even if something in the file tried.
    meta = [attrs for tag, attrs in tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert meta and meta[0]["content"] == CSP and "default-src 'none'" in CSP and "connect-src 'none'" in CSP
    assert "<link" not in page and "@import" not in page and "url(http" not in page


def test_untrusted_text_is_escaped(hostile: Store) -> None:
    page = build_report(hostile.cursor(), ACCOUNT, people=True)
    tags = parse(page)
    # No element came from a follower's text: the only img/script/a/iframe are none / Plotly's.
    assert [t for t, _ in tags if t in ("img", "iframe", "object", "embed", "a", "form", "base")] == []
    assert not [attrs for _, attrs in tags if any(k.startswith("on") for k in attrs)]
    assert "window.__xss=1</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=window.__xss=1&gt;" in page
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    assert "[click](javascript:alert(1))" in page  # shown as text, never a link
    assert f"<title>Palier report: {ACCOUNT.replace('<', '&lt;').replace('>', '&gt;').replace('/', '/')}" in page


def test_names_only_when_asked(hostile: Store) -> None:
    without = build_report(hostile.cursor(), ACCOUNT)
    assert "leaver-unique-7f3a" not in without and "evil0" not in without
    assert "no follower's name" in without
    with_people = build_report(hostile.cursor(), ACCOUNT, people=True)
    assert "leaver-unique-7f3a" in with_people and "evil0" in with_people


def test_report_of_an_account_without_lists_or_flows(store: Store) -> None:
    import_bytes(store, {"counts.csv": b"date,followers\n2025-01-01,10\n2025-01-02,12\n"}, account="small")
    page = build_report(store.cursor(), "small", people=True)
    assert "Not enough data" in page  # the people section says why it is empty
    assert page.count("plotly-graph-div") >= 1


def test_csv_of_a_people_list_is_safe_in_a_spreadsheet(hostile: Store) -> None:
    cursor = hostile.cursor()
    account_id = cursor.execute("SELECT account_id FROM accounts").fetchone()[0]
    changes = list_changes(cursor, account_id).changes[["handle", "name", "bio"]]
    text = to_safe_csv(changes).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert '"=HYPERLINK' not in text and ',=HYPERLINK' not in text


# --- the command line -------------------------------------------------------------------------


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=120,
    )


def test_cli_report_html(tmp_path: Path) -> None:
    db = tmp_path / "palier.duckdb"
    store = open_store(db)
    seed(store, account="acme")
    store.close()
    out = tmp_path / "acme.html"
    done = run_cli("report", "--account", "acme", "--html", str(out), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "figures and charts only" in done.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "leaver-unique-7f3a" not in page
    assert not list(tmp_path.glob("*.part"))

    done = run_cli("report", "--account", "acme", "--html", str(out), "--with-people", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "leaver-unique-7f3a" in out.read_text(encoding="utf-8")

    done = run_cli("report", "--account", "acme", "--html", str(tmp_path / "missing" / "x.html"), "--db", str(db))
    assert done.returncode == 2 and "cannot write the report" in done.stderr and "Traceback" not in done.stderr

    done = run_cli("report", "--account", "nobody", "--html", str(out), "--db", str(db))
    assert done.returncode == 2 and "No account named" in done.stderr and "Traceback" not in done.stderr


def test_cli_hash_password() -> None:
    done = run_cli("hash-password", "--iterations", str(access.MIN_ITERATIONS), stdin="tr0ub4dor&3\n")
    assert done.returncode == 0, done.stderr
    encoded = done.stdout.strip()
    assert encoded.startswith(f"pbkdf2_sha256${access.MIN_ITERATIONS}$")
    assert access.verify_password("tr0ub4dor&3", encoded)
    assert "tr0ub4dor" not in done.stdout + done.stderr
    assert access.parse_config({"palier": {"viewer_password_hash": encoded}}).viewer_password is not None

    done = run_cli("hash-password", stdin="\n")
    assert done.returncode == 2 and "empty password" in done.stderr
