"""Palier's entry point: `streamlit run app.py`. It only builds the navigation.

Each page is its own file under pages/ and does its own work; later pages (Growth, Churn,
Activity, Audience, Meetups) are added to the list below.
"""

from __future__ import annotations

import streamlit as st

from analytics.i18n import _
from analytics.ui import demo_progress, downloads, gate, lang, timing, warmup
from analytics.ui.store import run_page

# The icon is a file served by Palier itself: a ":material/...:" icon makes the browser fetch the
# favicon from fonts.gstatic.com, a request to another host on every visit.
st.set_page_config(page_title="Palier", page_icon="assets/palier-icon.png", layout="wide")

# Before the first element: Streamlit's shell check would cost the first start 0.4 s (analytics.ui.warmup).
warmup.skip_shell_check()

# First: the language of this run, so that the sign-in form and the navigation speak it.
lang.apply_language()

# Before any page: when sharing is configured, nothing shows until the visitor has signed in.
VISITOR = gate.require_access()
gate.show_visitor(VISITOR)

PAGES = [
    st.Page("pages/overview.py", title=_("Overview"), icon=":material/monitoring:", default=True),
    st.Page("pages/growth.py", title=_("Growth"), icon=":material/trending_up:", url_path="growth"),
    st.Page("pages/churn.py", title=_("Churn & plateaus"), icon=":material/trending_down:", url_path="churn"),
    st.Page("pages/activity.py", title=_("Activity"), icon=":material/calendar_month:", url_path="activity"),
    st.Page("pages/audience.py", title=_("Audience"), icon=":material/diversity_3:", url_path="audience"),
    st.Page("pages/meetups.py", title=_("Meetups"), icon=":material/groups:", url_path="meetups"),
    st.Page("pages/import.py", title=_("Import"), icon=":material/upload_file:", url_path="import"),
    st.Page("pages/collect.py", title=_("Collect"), icon=":material/cloud_download:", url_path="collect"),
]

# A new tab's browser loads the chart library while the store opens (on first start, while the
# demo's exports are imported) instead of once the page's first chart arrives (analytics.ui.warmup).
with warmup.charts_preloaded():
    # On first start the demo's daily lists load in the background: every page says how far, above it.
    demo_progress.show_progress()

# Viewers get no Import, Collect (nor Settings) page: left out of the navigation, its URL is unknown too.
# The account's report button waits in the sidebar for the page's period (drawn once the page has run).
# The page's server time, when the browser benchmark asks for it (PALIER_RUN_LOG; otherwise nothing).
with timing.timed("run"), downloads.sidebar_report():
    run_page(st.navigation(gate.visible_pages(PAGES, VISITOR)))
