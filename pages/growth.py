"""Growth: the follower curve with its milestones first, the period's figures beside it; gains
and losses, comparisons with earlier periods and the projection one click away, in tabs."""

from __future__ import annotations

import streamlit as st

from analytics.charts.growth import follow_dates_figure, follower_curve_figure
from analytics.i18n import _, format_date, format_number, ngettext
from analytics.ui import downloads, gate, growth_view, reads, tabs, widgets
from analytics.ui.store import store_or_stop
from analytics.ui.text import escape_markdown
from analytics.ui.widgets import chart_config

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title(_("Growth"))

store = store_or_stop()
version = store.version()
accounts = reads.accounts(version)

if accounts.empty:
    st.info(_("No account yet. Import an export or a follower-count CSV to see how your followers grow."))
    widgets.link_to_import()
    st.stop()

names: list[str] = accounts["name"].tolist()


def _account_label(name: str) -> str:
    return widgets.account_label(name, version)


left, right = st.columns([1, 1.4])
chosen: list[str] = left.multiselect(
    _("Accounts"), names, default=names[:1], format_func=_account_label, key="growth_accounts",
    help=_("Several accounts are drawn side by side on the follower chart."),
)
if not chosen:
    st.info(_("Choose at least one account to see its growth."))
    st.stop()

ranges = [reads.data_range(name, version) for name in chosen]
firsts = [first for first, _last in ranges if first is not None]
lasts = [last for _first, last in ranges if last is not None]
if not firsts or not lasts:
    st.info(_("No data yet for the chosen accounts: import a file into them on the Import page."))
    widgets.link_to_import()
    st.stop()
first, last = min(firsts), max(lasts)

with st.sidebar:  # the same place on every page: the first account's report, to send or keep
    downloads.report_download_button(chosen[0], key="growth_report")

# The key holds the accounts and their range, so another choice (or a new import) resets it.
start, end = widgets.pick_period("growth", "|".join(chosen), first, last, right)

# What each account's follower data can draw: a curve, a single count, or nothing.
shapes = {name: growth_view.follower_shape(name, version) for name in chosen}
curve_accounts = tuple(name for name in chosen if shapes[name] == "curve")

focus = chosen[0]
if len(chosen) > 1:
    focus = st.selectbox(_("Details for"), chosen, format_func=_account_label, key="growth_focus")
    assert focus is not None

# --- The answer: the period's figures and the curve with its milestones -------------------------

focus_start, focus_end = start, end

if shapes[focus] == "none":
    growth_view.no_follower_data(focus, version)
elif shapes[focus] == "one":
    growth_view.one_count(focus, version)
else:
    # The period covers every chosen account; the figures cover the part of it where `focus` has data.
    focus_first, focus_last = ranges[chosen.index(focus)]
    focus_start, focus_end = max(start, focus_first or start), min(end, focus_last or end)
    if focus_start > focus_end:
        st.info(_("{account} has no data in this period: widen it or choose another account.").format(
            account=escape_markdown(focus)))
    else:
        growth_view.headline_figures(focus, focus_start, focus_end, version)

if curve_accounts:
    curves = reads.follower_curves(curve_accounts, start, end, version)
    if curves.empty:
        st.info(_("No follower data in this period: widen it with the period picker."))
    else:
        marked = focus if focus in curve_accounts else curve_accounts[0]
        passed = reads.milestones_passed(marked, start, end, version)
        st.plotly_chart(
            follower_curve_figure(curves, marked_account=marked, milestones=passed), config=chart_config(),
            key="growth_curves",
        )
        relative = sorted({str(a) for a in curves.loc[~curves["absolute"], "account"]})
        if relative:
            st.caption(ngettext(
                "No follower total is known for {accounts}: its line is the change since the first day of "
                "data, not a total. Add a follower total on a date on the Import page to make it absolute.",
                "No follower total is known for {accounts}: their lines are the change since the first day of "
                "data, not totals. Add a follower total on a date on the Import page to make them absolute.",
                len(relative),
            ).format(accounts=escape_markdown(", ".join(relative))))
        growth_view.milestones_line(passed)
others = [name for name in chosen if name != focus and shapes[name] != "curve"]
if others:
    # Accounts without a curve of their own are named, so none silently drops out of the chart.
    st.caption(_("Not on the chart (no follower history): {accounts}.").format(
        accounts=escape_markdown(", ".join(others))))

# --- History from one download: current followers by the day they followed -----------------------

by_date = reads.followers_by_follow_date(focus, version)
if not by_date.empty:
    st.plotly_chart(follow_dates_figure(by_date), config=chart_config(), key="growth_follow_dates")
    st.caption(_(
        "A lower bound of the past: those who followed and later left are not in the file, so on each "
        "day there were at least this many followers. From {count} current followers whose export says "
        "when they followed, the first on {first}."
    ).format(count=format_number(int(by_date["followers"].iloc[-1])), first=format_date(by_date["day"].iloc[0])))

# --- Second-order figures, one click away ----------------------------------------------------------

if shapes[focus] == "curve" and focus_start <= focus_end:
    if (focus_start, focus_end) != (start, end):
        st.caption(_("Figures for {account} from {start} to {end}, the part of the period where it has data.").format(
            account=escape_markdown(focus), start=format_date(focus_start), end=format_date(focus_end)))
    # Only the open tab is drawn (analytics.ui.tabs): the others wait for their click.
    tab_periods, tab_compare, tab_projection = tabs.lazy_tabs(
        [_("Gains and losses"), _("Against earlier periods"), _("Milestones and projection")], key="growth_tab"
    )
    with tab_periods:
        if tabs.is_open(tab_periods):
            growth_view.periods_section(focus, focus_start, focus_end, version)
    with tab_compare:
        if tabs.is_open(tab_compare):
            growth_view.comparison(focus, focus_start, focus_end, version)
    with tab_projection:
        if tabs.is_open(tab_projection):
            growth_view.milestones_and_projection(focus, focus_start, focus_end, version)
