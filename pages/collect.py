"""Collect: fetch an account's public follower list from Bluesky or Mastodon and store it as
today's snapshot; each account's last collection. The collector itself is analytics/collect
(also `python -m analytics collect`)."""

from __future__ import annotations

import streamlit as st

from analytics.i18n import N_, _
from analytics.ui import collect, gate, import_view, reads
from analytics.ui.store import store_or_stop

CRON_LINE = "0 6 * * * cd /path/to/palier && .venv/bin/python -m analytics collect --account me --bluesky me.bsky.social"
READ_ONLY = N_("Collecting needs the store for writing: close the other Palier window or command first.")

# Owners only: app.py leaves this page out of a viewer's navigation; this stops one who gets here anyway.
# The first visit of a freshly started server may run this file without app.py: go through it.
gate.through_app_navigation()
gate.require_owner()

st.title(_("Collect"))
store = store_or_stop()
version = store.version()
accounts = reads.accounts(version)
platforms = dict(zip(accounts["name"], accounts["platform"], strict=True))

st.subheader(_("Collect followers from Bluesky or Mastodon"))
st.markdown(_(
    "Palier can read an account's public follower list from the Bluesky or Mastodon API (no login) "
    "and store it as today's snapshot. **History cannot be fetched back in time**: the platforms keep "
    "no past lists, so a day not collected is lost. Collect every day, for example with cron:"
))
st.code(CRON_LINE, language="bash", wrap_lines=True)
collected = collect.last_collections(version)
if collected.empty:
    st.caption(_(
        "Nothing collected yet. A collection fetches the profile and every page of its follower list, "
        "then stores them as one import: a collection that fails stores nothing."
    ))
else:
    st.markdown(_("**Last collection of each account**"))
    collect.collection_table(collected)

collect.show_collect_outcome()

account, _platform, _existing = import_view.account_or_new(
    "collect", accounts["name"].tolist(), version, label=_("Store into"), with_platform=False
)
if store.read_only:
    st.caption(_(READ_ONLY))
else:
    collect.collect_form(account, platforms.get(account), collected)
