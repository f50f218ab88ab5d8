"""One account's report as a single HTML file that travels: e-mailed, opened offline, archived.

- Self-contained: Plotly's JavaScript is embedded inline once (`include_plotlyjs=True` on the
  first chart, `False` on the others), no font, image or stylesheet is fetched, and a
  Content-Security-Policy forbids the page any request at all, so opening it tells no server.
- Charts stay interactive (hover, zoom), drawn by the same functions the pages use.
- Every piece of text from an export (account name, handle, follower names, bios) is
  HTML-escaped; Plotly's own JSON escapes `<` and `/`, so no text can close a script.
- Follower names appear only when asked (`people=True`): a report sent to a client carries
  aggregates unless its owner decides otherwise.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

from analytics.accounts import PLATFORMS, require_account
from analytics.charts.overview import follower_curve, gains_losses, has_flows
from analytics.metrics.followers import follower_series, in_range
from analytics.metrics.lists import list_changes
from analytics.metrics.report import account_report

CHART_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
# Rows of joiners and of leavers listed; the counts are always given in full.
PEOPLE_ROWS = 500
BIO_CHARS = 280

# No request of any kind: inline scripts and styles (Plotly's bundle, ours), images only as
# data: URLs (Plotly's modebar icons are inline SVG). A report opened from a mail client or a
# shared drive then cannot call home even if something in it tried to.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2430;
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #e3e5ea; padding-bottom: 0.2rem; }
.meta { color: #6b7280; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.93rem; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { background: #f6f7f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #6b7280; font-size: 0.9rem; }
footer { margin-top: 3rem; color: #6b7280; font-size: 0.85rem; }
"""


def esc(value: object) -> str:
    """Text from an export, inert in HTML text and in quoted attributes."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _number(value: Any, signed: bool = False) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:+,.2f}" if signed else f"{value:,.2f}"
    return f"{int(value):+,}" if signed else f"{int(value):,}"


def _table(rows: Iterable[tuple[str, str]], numeric: bool = True) -> str:
    cells = "".join(
        f"<tr><th scope=\"row\">{esc(label)}</th><td class=\"{'num' if numeric else ''}\">{esc(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def _chart(fig: go.Figure, first: bool) -> str:
    # Only the first chart carries the library: the others reuse the global Plotly object.
    return fig.to_html(full_html=False, include_plotlyjs=bool(first), config=CHART_CONFIG, include_mathjax=False)


def _figures_section(report: dict[str, Any]) -> str:
    growth, activity, churn = report["growth"], report["activity"], report["churn"]
    rows = [
        ("First day", growth["date_min"] or "—"),
        ("Last day", growth["date_max"] or "—"),
        ("Followers at the start", _number(growth["followers_start"])),
        ("Followers at the end", _number(growth["followers_end"])),
        ("Net change", _number(growth["net"], signed=True)),
        ("Gained", _number(growth["gained"])),
        ("Lost", _number(growth["lost"])),
        ("Posts", _number(growth["posts"])),
        ("Impressions", _number(growth["impressions"])),
        ("Net follows per day, days with posts", _number(activity["net_per_day_active"], signed=True)),
        ("Net follows per day, quiet days", _number(activity["net_per_day_quiet"], signed=True)),
        ("Purge days", _number(len(report["purge_days"]))),
        ("Plateaus", _number(len(report["plateaus"]))),
        ("Unfollowed within 7 days", _number(churn["unfollowed_within_7_days"])),
        (
            "Still following after 4 weeks",
            "—" if churn["cohort_retention_4w"] is None else f"{churn['cohort_retention_4w']:.1%}",
        ),
    ]
    methods = report.get("methods", {})
    notes = "".join(
        f"<li><strong>{esc(label)}</strong>: {esc(methods[key])}</li>"
        for key, label in (("followers", "Followers"), ("net", "Net change"), ("gained", "Gained"), ("lost", "Lost"),
                           ("posts", "Posts"), ("impressions", "Impressions"))
        if key in methods
    )
    method_html = f"<details><summary>How these figures are counted</summary><ul class=\"note\">{notes}</ul></details>"
    return "<h2>Figures</h2>" + _table(rows) + (method_html if notes else "")


def _periods_section(report: dict[str, Any]) -> str:
    parts = []
    if report["plateaus"]:
        rows = [(f"{p['start']} to {p['end']}", "") for p in report["plateaus"]]
        parts.append("<h3>Plateaus</h3>" + _table(rows, numeric=False))
    if report["quiet_periods"]:
        rows = [
            (f"{q['start']} to {q['end']} ({q['days']} days)", f"{_number(q['net_per_day'], signed=True)} per day")
            for q in report["quiet_periods"]
        ]
        parts.append("<h3>Quiet periods (no posts)</h3>" + _table(rows))
    if report["purge_days"]:
        parts.append("<h3>Purge days</h3><p>" + esc(", ".join(report["purge_days"])) + "</p>")
    return "<h2>Periods</h2>" + "".join(parts) if parts else ""


def _people_table(frame: pd.DataFrame) -> str:
    head = "<tr><th>Handle</th><th>Name</th><th>Bio</th></tr>"
    rows = []
    for row in frame.head(PEOPLE_ROWS).itertuples(index=False):
        bio = "" if pd.isna(row.bio) else str(row.bio)
        bio = bio if len(bio) <= BIO_CHARS else bio[:BIO_CHARS] + "…"
        handle = row.handle if isinstance(row.handle, str) and row.handle else row.member_key
        rows.append(f"<tr><td>{esc(handle)}</td><td>{esc(row.name)}</td><td>{esc(bio)}</td></tr>")
    more = len(frame) - PEOPLE_ROWS
    tail = f"<p class=\"note\">and {more:,} more.</p>" if more > 0 else ""
    return f"<table>{head}{''.join(rows)}</table>{tail}"


def _people_section(cursor: duckdb.DuckDBPyConnection, account_id: int) -> str:
    changes = list_changes(cursor, account_id)
    if changes.reason:
        return "<h2>Who joined and who left</h2><p class=\"note\">" + esc(changes.reason) + "</p>"
    frame = changes.changes
    joined, left = frame[frame["change"] == "joined"], frame[frame["change"] == "left"]
    return (
        f"<h2>Who joined and who left, {esc(changes.start)} to {esc(changes.end)}</h2>"
        f"<h3>Joined ({changes.joined:,})</h3>{_people_table(joined)}"
        f"<h3>Left ({changes.left:,})</h3>{_people_table(left)}"
    )


def build_report(
    cursor: duckdb.DuckDBPyConnection,
    account_name: str,
    *,
    people: bool = False,
    generated: dt.datetime | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    """The report of one account as a complete HTML document (about 5 MB, mostly Plotly);
    its figures and charts cover [start, end] (all the data by default)."""
    account = require_account(cursor, account_name)
    report = account_report(cursor, account.account_id, account.name, start, end)
    series = in_range(follower_series(cursor, account.account_id), start, end)
    generated = generated or dt.datetime.now(dt.UTC)

    platform = PLATFORMS.get(account.platform, account.platform) if account.platform else None
    subtitle = " · ".join(esc(p) for p in (platform, account.handle) if p)
    charts = [follower_curve(series)]
    if has_flows(series):
        charts.append(gains_losses(series))
    chart_html = "".join(_chart(fig, first=i == 0) for i, fig in enumerate(charts))
    people_html = (
        _people_section(cursor, account.account_id)
        if people
        else "<p class=\"note\">This report holds figures and charts only: no follower's name, handle or bio.</p>"
    )
    title = f"Palier report: {account.name}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f"<p class=\"meta\">{subtitle + ' · ' if subtitle else ''}generated {esc(generated.strftime('%Y-%m-%d %H:%M UTC'))}</p>"
        f"{_figures_section(report)}<h2>Followers</h2>{chart_html}{_periods_section(report)}{people_html}"
        "<footer>Made with Palier. This file is self-contained: it works offline and loads nothing from anywhere.</footer>"
        "</body></html>\n"
    )
