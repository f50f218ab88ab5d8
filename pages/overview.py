"""Overview: an account's headline figures and its follower curve over a chosen period."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from analytics import ui_cache
from analytics.accounts import PLATFORMS
from analytics.charts.overview import anchor_count, anchors_marked, follower_curve, gains_losses, has_flows

IMPORT_PAGE = "pages/import_data.py"
CHART_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}

st.title("Overview")

store = ui_cache.store_or_stop()
version = store.version()
accounts = ui_cache.accounts(version)

if accounts.empty:
    st.info(
        "No account yet. Import an export (X, Instagram, LinkedIn, Bluesky, Mastodon, Social Blade) "
        "or a follower-count CSV to see your follower curve here."
    )
    st.page_link(IMPORT_PAGE, label="Go to the Import page", icon=":material/upload_file:")
    st.stop()

names: list[str] = accounts["name"].tolist()
platforms = dict(zip(accounts["name"], accounts["platform"], strict=True))


def _account_label(name: str) -> str:
    platform = platforms.get(name)
    return f"{name} ({PLATFORMS[platform]})" if isinstance(platform, str) and platform in PLATFORMS else name


left, right = st.columns([1, 1])
account = left.selectbox("Account", names, index=0, format_func=_account_label, key="overview_account")
assert account is not None

with st.sidebar:  # the same place on every page: the account's report, to send or keep
    ui_cache.report_download_button(account, key="overview_report")

first, last = ui_cache.data_range(account, version)
if first is None or last is None:
    st.info("This account has no data yet: import a file into it on the Import page.")
    st.page_link(IMPORT_PAGE, label="Go to the Import page", icon=":material/upload_file:")
    st.stop()

# The key holds the account's range, so a new import (a wider range) resets the picker to it.
period = right.date_input(
    "Period",
    value=(first, last),
    min_value=first,
    max_value=last,
    format="YYYY-MM-DD",
    key=f"overview_period:{account}:{first}:{last}",
)
if isinstance(period, (tuple, list)):
    start: dt.date = period[0] if len(period) > 0 else first
    # While the user has picked only the first day of a new range, show up to the last day.
    end: dt.date = period[1] if len(period) > 1 else last
else:
    start, end = period or first, last

figures, series = ui_cache.headline(account, start, end, version)

followers_col, net_col, posts_col, impressions_col = st.columns(4)
if figures.followers is not None:
    on = f" on {figures.followers_date:%d %b %Y}" if figures.followers_date else ""
    followers_col.metric(
        "Followers", f"{figures.followers:,.0f}", border=True,
        help=f"The follower total{on}, from the latest stated total and the gains and losses since.",
    )
else:
    followers_col.metric(
        "Followers", "—", border=True,
        help="No export in this period states a follower total.",
    )
net_help = "Followers at the end of the period minus at its start."
if figures.gained is not None and figures.lost is not None:
    net_help += f" Gained {figures.gained:,.0f}, lost {figures.lost:,.0f}."
net_col.metric(
    "Net change",
    f"{figures.net_change:+,.0f}" if figures.net_change is not None else "—",
    border=True,
    help=net_help,
)
posts_col.metric("Posts", f"{figures.posts:,}", border=True, help="Posts published in the period.")
impressions_col.metric(
    "Impressions",
    f"{figures.impressions:,.0f}" if figures.impressions is not None else "—",
    border=True,
    help="Impressions in the period, from daily analytics or, without them, from the posts.",
)

if figures.followers is None:
    st.caption(
        "No follower total: the X account overview export gives daily gains and losses but never "
        "the total, so Palier shows the change since the first day instead of guessing. To see "
        "totals, add a **follower total on a date** (read it on your profile) on the Import page."
    )
    st.page_link(IMPORT_PAGE, label="Add a follower total", icon=":material/add_circle:")

if series.empty:
    st.info("No data in this period: widen it with the period picker.")
    st.stop()

st.plotly_chart(follower_curve(series), config=CHART_CONFIG, key="follower_curve")
if anchors_marked(series):
    st.caption(
        "Points mark the days a total was stated (an export's count, a follower list's size, or a "
        "total you entered); between them the curve follows the daily gains and losses, or joins "
        "the points where those are not known."
    )
elif anchor_count(series):
    st.caption(
        f"{anchor_count(series):,} days of this period have a stated total (an export's count, a "
        "follower list's size, or a total you entered); the curve follows the daily gains and "
        "losses between them."
    )
if has_flows(series):
    st.plotly_chart(gains_losses(series), config=CHART_CONFIG, key="gains_losses")
else:
    # An empty chart would only take room: say in words what would fill it.
    st.caption(
        "No daily gains and losses in this period: they come from exports with new follows and "
        "unfollows (the X account overview), or from two follower lists of different dates."
    )
