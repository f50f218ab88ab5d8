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

from analytics.analysis import analyse_if_writable
from analytics.charts import CHART_CONFIG
from analytics.charts.overview import follower_curve, gains_losses, has_flows
from analytics.i18n import (
    _,
    current_language,
    format_change,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    ngettext,
    plotly_locale,
    use_language,
)
from analytics.metrics.followers import follower_series, in_range
from analytics.metrics.lists import list_changes
from analytics.metrics.report import account_report
from analytics.store.accounts import PLATFORMS, require_account

# The app's toolbar, and charts that follow the width of the page they are opened in.
REPORT_CHART_CONFIG = {**CHART_CONFIG, "responsive": True}
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
.chart { margin: 0.5rem 0 1.5rem; }
@media (max-width: 600px) {
  body { margin: 1rem auto; padding: 0 0.6rem; }
  h1 { font-size: 1.35rem; }
  table { font-size: 0.85rem; }
}
/* On paper: the page's full width, no toolbar, no chart or row cut in two, methods shown. */
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; color: #000; }
  h2 { break-after: avoid; page-break-after: avoid; }
  h2, h3 { margin-top: 1.2rem; }
  tr, .chart { break-inside: avoid; page-break-inside: avoid; }
  .modebar-container { display: none !important; }
  details > *:not(summary) { display: block; }
  th { background: none; }
  footer { margin-top: 1.5rem; }
}
"""

# Charts drawn at the screen's width are redrawn at the paper's when printing (and back after):
# Plotly sizes its SVG in pixels, which CSS alone cannot fit to a page.
PRINT_SCRIPT = """
(function () {
  function fit() {
    if (!window.Plotly) { return; }
    document.querySelectorAll(".js-plotly-plot").forEach(function (g) { window.Plotly.Plots.resize(g); });
  }
  window.addEventListener("beforeprint", fit);
  window.addEventListener("afterprint", fit);
  if (window.matchMedia) { window.matchMedia("print").addEventListener("change", fit); }
})();
"""


def esc(value: object) -> str:
    """Text from an export, inert in HTML text and in quoted attributes."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def txt(value: str) -> str:
    """Palier's own (translated) sentence in an HTML text node: `<` and `&` escaped; quotes are
    inert in text, so an apostrophe stays one."""
    return html.escape(value, quote=False)


def _number(value: Any, signed: bool = False) -> str:
    if value is None:
        return "—"
    decimals = 2 if isinstance(value, float) and not value.is_integer() else 0
    return format_change(value, decimals) if signed else format_number(value, decimals)


def _day(iso: str | None) -> str:
    """A report's ISO day in the reader's language ("27 févr. 2027")."""
    return format_date(dt.date.fromisoformat(iso)) if iso else "—"


def _span(start: str, end: str) -> str:
    return _("{start} to {end}").format(start=_day(start), end=_day(end))


def _table(rows: Iterable[tuple[str, str]], numeric: bool = True) -> str:
    cells = "".join(
        f"<tr><th scope=\"row\">{esc(label)}</th><td class=\"{'num' if numeric else ''}\">{esc(value)}</td></tr>"
        for label, value in rows
    )
    return f"<table>{cells}</table>"


def fit_for_document(fig: go.Figure) -> go.Figure:
    """A page's chart made to read on paper and on a phone: room kept for the tick labels and
    the axis titles (the app's margins are tight: Streamlit's theme grows them, a bare page does
    not), dates on the x axis, the title and legend inside the frame."""
    fig.update_layout(
        autosize=True, width=None,
        margin={"l": 16, "r": 16, "t": 96, "b": 48, "autoexpand": True},
        title={"y": 0.97, "yanchor": "top", "yref": "container"},
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom"},
    )
    fig.update_xaxes(automargin=True, showticklabels=True, ticks="outside", nticks=8, ticklabelstandoff=2)
    fig.update_yaxes(automargin=True, showticklabels=True, title_standoff=12, nticks=7)
    return fig


def _chart(fig: go.Figure, first: bool) -> str:
    # Only the first chart carries the library: the others reuse the global Plotly object.
    # The language's month and day names travel in the config (no Plotly locale bundle is loaded).
    config = {**REPORT_CHART_CONFIG, **plotly_locale().config}
    body = fit_for_document(fig).to_html(full_html=False, include_plotlyjs=bool(first), config=config, include_mathjax=False)
    return f"<div class=\"chart\">{body}</div>"


def _within(report: dict[str, Any], start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    """The report's plateaus, quiet periods and purge days that touch [start, end] (found on the
    whole history, as the pages find them: a period's first days need the days before)."""
    if start is None and end is None:
        return report
    low, high = (start or dt.date.min).isoformat(), (end or dt.date.max).isoformat()
    return {
        **report,
        "plateaus": [p for p in report["plateaus"] if p["end"] >= low and p["start"] <= high],
        "quiet_periods": [q for q in report["quiet_periods"] if q["end"] >= low and q["start"] <= high],
        "purge_days": [d for d in report["purge_days"] if low <= d <= high],
    }


def _figures_section(report: dict[str, Any]) -> str:
    growth, activity, churn = report["growth"], report["activity"], report["churn"]
    rows = [
        (_("First day with data"), _day(growth["date_min"])),
        (_("Last day with data"), _day(growth["date_max"])),
        (_("Followers at the start"), _number(growth["followers_start"])),
        (_("Followers at the end"), _number(growth["followers_end"])),
        (_("Net change"), _number(growth["net"], signed=True)),
        (_("Gained"), _number(growth["gained"])),
        (_("Lost"), _number(growth["lost"])),
        (_("Posts"), _number(growth["posts"])),
        (_("Impressions"), _number(growth["impressions"])),
        (_("Net follows per day, days with posts"), _number(activity["net_per_day_active"], signed=True)),
        (_("Net follows per day, quiet days"), _number(activity["net_per_day_quiet"], signed=True)),
        (_("Purge days"), _number(len(report["purge_days"]))),
        (_("Plateaus"), _number(len(report["plateaus"]))),
        (_("Unfollowed within 7 days"), _number(churn["unfollowed_within_7_days"])),
        (_("Still following after 4 weeks"), format_percent(churn["cohort_retention_4w"])),
    ]
    methods = report.get("methods", {})
    labels = (("followers", _("Followers")), ("net", _("Net change")), ("gained", _("Gained")), ("lost", _("Lost")),
              ("posts", _("Posts")), ("impressions", _("Impressions")))
    # The report's JSON keeps the methods in English (headline.METHODS); the page reads them translated.
    notes = "".join("<li><strong>" + esc(label) + "</strong>: " + esc(_(methods[key])) + "</li>"
                    for key, label in labels if key in methods)
    method_html = (
        "<details><summary>" + txt(_("How these figures are counted")) + f"</summary><ul class=\"note\">{notes}</ul></details>"
    )
    return "<h2>" + txt(_("Figures")) + "</h2>" + _table(rows) + (method_html if notes else "")


def _periods_section(report: dict[str, Any]) -> str:
    parts = []
    if report["plateaus"]:
        rows = [(_span(p["start"], p["end"]), "") for p in report["plateaus"]]
        parts.append("<h3>" + txt(_("Plateaus")) + "</h3>" + _table(rows, numeric=False))
    if report["quiet_periods"]:
        rows = [
            (
                _span(q["start"], q["end"])
                + " ("
                + ngettext("{count} day", "{count} days", q["days"]).format(count=format_number(q["days"]))
                + ")",
                _("{change} per day").format(change=_number(q["net_per_day"], signed=True)),
            )
            for q in report["quiet_periods"]
        ]
        parts.append("<h3>" + txt(_("Quiet periods (no posts)")) + "</h3>" + _table(rows))
    if report["purge_days"]:
        parts.append("<h3>" + txt(_("Purge days")) + "</h3><p>" + esc(", ".join(_day(d) for d in report["purge_days"])) + "</p>")
    return "<h2>" + txt(_("Periods")) + "</h2>" + "".join(parts) if parts else ""


def _people_table(frame: pd.DataFrame) -> str:
    head = "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in (_("Handle"), _("Name"), _("Bio"))) + "</tr>"
    rows = []
    for row in frame.head(PEOPLE_ROWS).itertuples(index=False):
        bio = "" if pd.isna(row.bio) else str(row.bio)
        bio = bio if len(bio) <= BIO_CHARS else bio[:BIO_CHARS] + "…"
        handle = row.handle if isinstance(row.handle, str) and row.handle else row.member_key
        rows.append(f"<tr><td>{esc(handle)}</td><td>{esc(row.name)}</td><td>{esc(bio)}</td></tr>")
    more = len(frame) - PEOPLE_ROWS
    more_text = _("and {count} more.").format(count=format_number(more))
    tail = f"<p class=\"note\">{txt(more_text)}</p>" if more > 0 else ""
    return f"<table>{head}{''.join(rows)}</table>{tail}"


def _people_section(cursor: duckdb.DuckDBPyConnection, account_id: int) -> str:
    changes = list_changes(cursor, account_id)
    if changes.reason:
        return "<h2>" + txt(_("Who joined and who left")) + "</h2><p class=\"note\">" + esc(changes.reason) + "</p>"
    frame = changes.changes
    joined, left = frame[frame["change"] == "joined"], frame[frame["change"] == "left"]
    heading = _("Who joined and who left, {start} to {end}").format(start=format_date(changes.start), end=format_date(changes.end))
    joined_heading = _("Joined ({count})").format(count=format_number(changes.joined))
    left_heading = _("Left ({count})").format(count=format_number(changes.left))
    return (
        f"<h2>{txt(heading)}</h2>"
        f"<h3>{txt(joined_heading)}</h3>{_people_table(joined)}"
        f"<h3>{txt(left_heading)}</h3>{_people_table(left)}"
    )


def build_report(
    cursor: duckdb.DuckDBPyConnection,
    account_name: str,
    *,
    people: bool = False,
    generated: dt.datetime | None = None,
    language: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    """The report of one account as a complete HTML document (about 5 MB, mostly Plotly), in
    `language` (default: the current one); its figures and charts cover [start, end] (all the data
    by default)."""
    with use_language(language or current_language()):
        return _build_report(cursor, account_name, people=people, generated=generated, start=start, end=end)


def _build_report(
    cursor: duckdb.DuckDBPyConnection, account_name: str, *, people: bool, generated: dt.datetime | None,
    start: dt.date | None, end: dt.date | None,
) -> str:
    account = require_account(cursor, account_name)
    analyse_if_writable(cursor, account.account_id)  # the audience figures read what the analysis kept
    report = _within(account_report(cursor, account.account_id, account.name, start, end), start, end)
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
        else "<p class=\"note\">" + txt(_("This report holds figures and charts only: no follower's name, handle or bio.")) + "</p>"
    )
    title = _("Palier report: {account}").format(account=account.name)
    generated_text = _("generated {moment} UTC").format(moment=format_datetime(generated))
    growth = report["growth"]
    shown_start = start.isoformat() if start else growth.get("date_min")
    shown_end = end.isoformat() if end else growth.get("date_max")
    period_text = _("Period: {span}").format(span=_span(shown_start, shown_end)) if shown_start and shown_end else ""
    followers_heading = _("Followers")
    return (
        f"<!DOCTYPE html>\n<html lang=\"{current_language()}\"><head><meta charset=\"utf-8\">"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
        "<meta name=\"referrer\" content=\"no-referrer\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1>"
        f"<p class=\"meta\">{subtitle + ' · ' if subtitle else ''}{txt(generated_text)}</p>"
        + (f"<p class=\"period\"><strong>{txt(period_text)}</strong></p>" if period_text else "")
        + f"{_figures_section(report)}<h2>{txt(followers_heading)}</h2>{chart_html}"
        f"{_periods_section(report)}{people_html}"
        "<footer>"
        + txt(_("Made with Palier. This file is self-contained: it works offline and loads nothing from anywhere."))
        + "</footer>"
        f"<script>{PRINT_SCRIPT}</script></body></html>\n"
    )
