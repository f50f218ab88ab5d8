"""Growth: follower curves side by side, gains and losses, growth rate, best and worst periods,
comparisons with earlier periods, milestones and the projection of the current trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import ui_cache
from analytics.store.accounts import PLATFORMS
from analytics.charts.growth import follower_curve_figure, gains_losses_figure, growth_rate_figure, projection_figure
from analytics.metrics.growth import (
    GRANULARITIES,
    MIN_DAYS,
    PROJECTION_METHOD,
    RATE_METHOD,
    Granularity,
    PeriodFigures,
)

IMPORT_PAGE = ui_cache.IMPORT_PAGE
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
GRANULARITY_LABELS = {"day": "Day", "week": "Week", "month": "Month"}

# The first visit of a freshly started server may run this file without app.py: go through it.
ui_cache.through_app_navigation()
st.title("Growth")

store = ui_cache.store_or_stop()
version = store.version()
accounts = ui_cache.accounts(version)

if accounts.empty:
    st.info(
        "No account yet. Import an export or a follower-count CSV to see how your followers grow."
    )
    st.page_link(IMPORT_PAGE, label="Go to the Import page", icon=":material/upload_file:")
    st.stop()

names: list[str] = accounts["name"].tolist()
platforms = dict(zip(accounts["name"], accounts["platform"], strict=True))


def _account_label(name: str) -> str:
    platform = platforms.get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


left, right = st.columns([1, 1])
chosen: list[str] = left.multiselect(
    "Accounts", names, default=names[:1], format_func=_account_label, key="growth_accounts",
    help="Several accounts are drawn side by side on the follower chart.",
)
if not chosen:
    st.info("Choose at least one account to see its growth.")
    st.stop()

ranges = [ui_cache.data_range(name, version) for name in chosen]
firsts = [first for first, _ in ranges if first is not None]
lasts = [last for _, last in ranges if last is not None]
if not firsts or not lasts:
    st.info("No data yet for the chosen accounts: import a file into them on the Import page.")
    st.page_link(IMPORT_PAGE, label="Go to the Import page", icon=":material/upload_file:")
    st.stop()
first, last = min(firsts), max(lasts)

with st.sidebar:  # the same place on every page: the first account's report, to send or keep
    ui_cache.report_download_button(chosen[0], key="growth_report")

# The key holds the accounts and their range, so another choice (or a new import) resets it.
period = right.date_input(
    "Period", value=(first, last), min_value=first, max_value=last, format="YYYY-MM-DD",
    key=f"growth_period:{'|'.join(chosen)}:{first}:{last}",
)
if isinstance(period, (tuple, list)):
    start: dt.date = period[0] if len(period) > 0 else first
    # While only the first day of a new range is picked, show up to the last day.
    end: dt.date = period[1] if len(period) > 1 else last
else:
    start, end = period or first, last

# --- Follower curves ------------------------------------------------------------------------------

curves = ui_cache.follower_curves(tuple(chosen), start, end, version)
if curves.empty:
    st.info("No follower data in this period: widen it with the period picker.")
    st.stop()
st.plotly_chart(follower_curve_figure(curves), config=CHART_CONFIG, key="growth_curves")
relative = sorted({str(a) for a in curves.loc[~curves["absolute"], "account"]})
if relative:
    st.caption(
        f"No follower total is known for {ui_cache.escape_markdown(', '.join(relative))}: "
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
    st.info(f"{ui_cache.escape_markdown(focus)} has no data in this period: widen it or choose another account.")
    st.stop()
if (focus_start, focus_end) != (start, end):
    st.caption(f"Details for {ui_cache.escape_markdown(focus)} from {focus_start:%d %b %Y} to {focus_end:%d %b %Y}, "
               "the part of the period where it has data.")

# --- This period against the previous one and the same dates a year earlier ----------------------

st.subheader("This period")
comparison = ui_cache.period_comparison(focus, focus_start, focus_end, version)
current = comparison.current
if current is None:
    st.info(comparison.reason or "No figures for this period.")
else:
    cols = st.columns(4)
    cols[0].metric(
        "Followers", f"{current.followers_end:,.0f}" if current.followers_end is not None else "—", border=True,
        help=f"The total on {current.end:%d %b %Y}." if current.followers_end is not None
        else "No follower total is known: only the change is.",
    )
    cols[1].metric(
        "Net change", f"{current.net:+,.0f}" if current.net is not None else "—",
        delta=f"{comparison.net_vs_previous:+,.0f} vs previous period" if comparison.net_vs_previous is not None
        else None,
        border=True, help="Followers gained minus lost over the period, against the same number of days before it.",
    )
    cols[2].metric(
        "Growth rate", f"{current.rate:+.2%}" if current.rate is not None else "—", border=True,
        help="Net change divided by the total on the day before the period starts."
        if current.rate is not None else "Needs a follower total at the start of the period.",
    )
    cols[3].metric(
        "Per day", f"{current.net_per_day:+,.1f}" if current.net_per_day is not None else "—", border=True,
        help="Net change per day of the period.",
    )

    def _row(label: str, figures: PeriodFigures) -> dict[str, object]:
        return {"Period": label, "From": figures.start, "To": figures.end, "Gained": figures.gained,
                "Lost": figures.lost, "Net": figures.net, "Growth rate": figures.rate,
                "Net per day": figures.net_per_day}

    rows = [_row("This period", current)]
    if comparison.previous is not None:
        rows.append(_row("Previous period (as many days)", comparison.previous))
    if comparison.last_year is not None:
        rows.append(_row("Same dates a year earlier", comparison.last_year))
    if len(rows) > 1:
        st.dataframe(
            pd.DataFrame(rows), hide_index=True, key="growth_comparison",
            column_config={
                "From": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "To": st.column_config.DateColumn(format="YYYY-MM-DD"),
                "Gained": st.column_config.NumberColumn(format="%d"),
                "Lost": st.column_config.NumberColumn(format="%d"),
                "Net": st.column_config.NumberColumn(format="%+d"),
                "Growth rate": st.column_config.NumberColumn(format="percent"),
                "Net per day": st.column_config.NumberColumn(format="%+.1f"),
            },
        )
    # The data not reaching back is a fact about the imports, not an error: said calmly, once.
    if comparison.previous_reason:
        st.info(f"No comparison with the previous period: {comparison.previous_reason}", icon=":material/history:")
    if comparison.last_year_reason:
        st.info(f"No comparison with the same dates a year earlier: {comparison.last_year_reason}",
                icon=":material/history:")


# --- Gains and losses, growth rate, best and worst periods (one widget, its own fragment) ---------


def _default_granularity(days: int) -> Granularity:
    # About 30 to 80 bars: readable on a laptop whatever the period.
    return "day" if days <= 90 else ("week" if days <= 550 else "month")


@st.fragment
def periods_section(account: str, start: dt.date, end: dt.date) -> None:
    st.subheader("Gains, losses and growth rate")
    default = _default_granularity((end - start).days + 1)
    # The key holds the default: a much longer or shorter period starts again from a readable one.
    granularity: Granularity = st.segmented_control(
        "Per", GRANULARITIES, default=default, required=True,
        format_func=lambda g: GRANULARITY_LABELS[g], key=f"growth_granularity:{default}",
    ) or default
    periods = ui_cache.growth_periods(account, granularity, start, end, version)
    if periods.empty or periods["net"].isna().all():
        st.info("No follower change is known in this period.")
        return
    st.plotly_chart(gains_losses_figure(periods, granularity), config=CHART_CONFIG, key="growth_gains_losses")
    st.plotly_chart(growth_rate_figure(periods, granularity), config=CHART_CONFIG, key="growth_rate")
    with st.expander("How the growth rate is computed"):
        st.markdown(RATE_METHOD)

    st.markdown(f"**Best and worst {granularity}s** (by net change; only complete {granularity}s compete)")
    best_worst = ui_cache.best_and_worst(account, granularity, start, end, version)
    if best_worst.empty:
        st.info(f"Not enough data: no complete {granularity} with a known change in this period.")
        return
    shown = pd.DataFrame({
        "": best_worst["which"].map({"best": "Best", "worst": "Worst"}),
        GRANULARITY_LABELS[granularity]: best_worst["period"],
        "Gained": best_worst["gained"],
        "Lost": best_worst["lost"],
        "Net": best_worst["net"],
        "Growth rate": best_worst["rate"],
        "Net per day": best_worst["net_per_day"],
    })
    st.dataframe(
        shown, hide_index=True, key="growth_best_worst",
        column_config={
            GRANULARITY_LABELS[granularity]: st.column_config.DateColumn(
                format={"day": "ddd D MMM YYYY", "week": "[Week of] D MMM YYYY", "month": "MMMM YYYY"}[granularity]
            ),
            "Gained": st.column_config.NumberColumn(format="%d"),
            "Lost": st.column_config.NumberColumn(format="%d"),
            "Net": st.column_config.NumberColumn(format="%+d"),
            "Growth rate": st.column_config.NumberColumn(format="percent"),
            "Net per day": st.column_config.NumberColumn(format="%+.1f"),
        },
    )


periods_section(focus, focus_start, focus_end)

# --- Milestones and projection --------------------------------------------------------------------

st.subheader("Milestones and projection")
projected = ui_cache.projection(focus, version)
if not projected.enough_data:
    st.info(projected.reason or f"Not enough data: at least {MIN_DAYS} days are needed to project.")
else:
    unit = "followers" if projected.absolute else "followers gained since the first day"
    cols = st.columns(4)
    cols[0].metric(
        "Next milestone", f"{projected.milestone:,}" if projected.milestone is not None else "—", border=True,
        help=f"The next round number above {projected.level:,.0f} {unit} on {projected.as_of:%d %b %Y}.",
    )
    cols[1].metric(
        "Expected around", f"{projected.reached_on:%d %b %Y}" if projected.reached_on else "Not at this trend",
        border=True,
        help=f"Trend: {projected.trend_per_day:+,.1f} a day over the last {projected.window_days} days.",
    )
    reached = projected.reached_on is not None
    cols[2].metric(
        "Earliest (95%)", f"{projected.reached_earliest:%d %b %Y}" if reached and projected.reached_earliest else "—",
        border=True, help="When the top of the 95% band reaches the milestone.",
    )
    cols[3].metric(
        "Latest (95%)",
        f"{projected.reached_latest:%d %b %Y}" if reached and projected.reached_latest else ("Maybe never" if reached else "—"),
        border=True, help="When the bottom of the 95% band reaches it; maybe never when the bottom does not rise.",
    )
    if projected.reason:
        st.info(projected.reason)
    st.plotly_chart(
        projection_figure(ui_cache.follower_series(focus, version), projected), config=CHART_CONFIG,
        key="growth_projection",
    )
    if not projected.absolute:
        st.caption("No follower total is known: the projection is of the change since the first day of data.")
with st.expander("How the projection is made"):
    st.markdown(PROJECTION_METHOD)

passed = ui_cache.milestones_passed(focus, focus_start, focus_end, version)
if not passed.empty:
    # One line rather than a table: a dozen round numbers read best as a sentence.
    reached = ", ".join(f"{m:,} ({d:%d %b %Y})" for m, d in zip(passed["milestone"], passed["day"], strict=True))
    st.markdown(f"**Milestones passed in this period:** {reached}.")
