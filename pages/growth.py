"""Growth: follower curves side by side, gains and losses, growth rate, best and worst periods,
comparisons with earlier periods, milestones and the projection of the current trend."""

from __future__ import annotations

import streamlit as st

from analytics.charts.growth import follower_curve_figure
from analytics.ui import downloads, gate, growth_view, reads, widgets
from analytics.ui.store import store_or_stop
from analytics.ui.text import escape_markdown
from analytics.ui.widgets import CHART_CONFIG

# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
st.title("Growth")

store = store_or_stop()
version = store.version()
accounts = reads.accounts(version)

if accounts.empty:
    st.info(
        "No account yet. Import an export or a follower-count CSV to see how your followers grow."
    )
    widgets.link_to_import()
    st.stop()

names: list[str] = accounts["name"].tolist()


def _account_label(name: str) -> str:
    return widgets.account_label(name, version)


left, right = st.columns([1, 1])
chosen: list[str] = left.multiselect(
    "Accounts", names, default=names[:1], format_func=_account_label, key="growth_accounts",
    help="Several accounts are drawn side by side on the follower chart.",
)
if not chosen:
    st.info("Choose at least one account to see its growth.")
    st.stop()

ranges = [reads.data_range(name, version) for name in chosen]
firsts = [first for first, _ in ranges if first is not None]
lasts = [last for _, last in ranges if last is not None]
if not firsts or not lasts:
    st.info("No data yet for the chosen accounts: import a file into them on the Import page.")
    widgets.link_to_import()
    st.stop()
first, last = min(firsts), max(lasts)

with st.sidebar:  # the same place on every page: the first account's report, to send or keep
    downloads.report_download_button(chosen[0], key="growth_report")

# The key holds the accounts and their range, so another choice (or a new import) resets it.
start, end = widgets.pick_period("growth", "|".join(chosen), first, last, right)

# --- Follower curves ------------------------------------------------------------------------------

curves = reads.follower_curves(tuple(chosen), start, end, version)
if curves.empty:
    st.info("No follower data in this period: widen it with the period picker.")
    st.stop()
st.plotly_chart(follower_curve_figure(curves), config=CHART_CONFIG, key="growth_curves")
relative = sorted({str(a) for a in curves.loc[~curves["absolute"], "account"]})
if relative:
    st.caption(
        f"No follower total is known for {escape_markdown(', '.join(relative))}: "
        f"{'its line is' if len(relative) == 1 else 'their lines are'} the change since the first day of data, "
        "not a total. Add a follower total on a date on the Import page to make it absolute."
    )

focus = chosen[0]
if len(chosen) > 1:
    focus = st.selectbox("Details for", chosen, format_func=_account_label, key="growth_focus")
    assert focus is not None

# The period covers every chosen account; the details cover the part of it where `focus` has data.
focus_first, focus_last = ranges[chosen.index(focus)]
focus_start, focus_end = max(start, focus_first or start), min(end, focus_last or end)
if focus_start > focus_end:
    st.info(f"{escape_markdown(focus)} has no data in this period: widen it or choose another account.")
    st.stop()
if (focus_start, focus_end) != (start, end):
    st.caption(f"Details for {escape_markdown(focus)} from {focus_start:%d %b %Y} to {focus_end:%d %b %Y}, "
               "the part of the period where it has data.")

# --- This period against the previous one and the same dates a year earlier ----------------------

st.subheader("This period")
growth_view.this_period(focus, focus_start, focus_end, version)


# --- Gains and losses, growth rate, best and worst periods (one widget, its own fragment) ---------

growth_view.periods_section(focus, focus_start, focus_end, version)

# --- Milestones and projection --------------------------------------------------------------------

st.subheader("Milestones and projection")
growth_view.milestones_and_projection(focus, focus_start, focus_end, version)
