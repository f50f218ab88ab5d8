"""Palier's UI layer: the only package under `analytics/` that imports Streamlit.

The pages call these modules and `analytics.charts`, never the store or SQL directly. One module
per role:
- `text`: untrusted text made inert for markdown, and errors shown as plain text;
- `gate`: who is visiting (sign-in, roles), which pages they may open, the app's navigation;
- `store`: the one store of the process, the demo on first start;
- `reads`: every cached read, keyed on the store's version and the inputs;
- `widgets`: the pickers and links every dashboard shares, and the one chart configuration;
- `downloads`: the report and CSV download buttons;
- `collect`: collecting a follower list from the app;
- `*_view`: the longer parts of one page (kept out of `pages/` so the pages stay thin).

Caching rules, because a hosted Streamlit app shares its caches between every browser session:
the store is a `st.cache_resource` keyed on its path; every read is a `st.cache_data` keyed on the
store's data version, so a write makes every cached figure stale at once; nothing computed from
one user's uploads is cached (the Import page keeps its previews in `st.session_state`).
"""
