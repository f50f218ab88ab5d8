"""What a new browser tab and a new server would otherwise pay on the way to the first chart.

- The chart library. Streamlit's browser code loads Plotly.js (a 4.7 MB script to fetch, compile
  and run: a second or two of the browser's time) only when the first chart arrives, that is once
  the page has computed it; until then the browser sits idle. `charts_preloaded` draws an empty,
  hidden chart at the start of a session's first run, so the browser loads Plotly.js while the
  server works (on first start, while the demo's exports are imported), and removes it before the
  page runs. Later runs of the session find Plotly.js loaded and draw nothing.
- Streamlit's once-per-process check, on the first element a script draws, that it is not
  running in a Python shell: `inspect.stack()`, which maps every loaded module to its file (about
  0.4 s with pandas, DuckDB and Plotly loaded). `skip_shell_check` answers it: the dashboard is
  run by `streamlit run`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import plotly.graph_objects as go
import streamlit as st
from streamlit import delta_generator

# The hidden chart's container: its class (st-key-...) is what the style hides and the tests find.
PRELOAD_KEY = "palier_chart_preload"
# Set once the session's browser has been sent the hidden chart: it keeps Plotly.js from then on.
_PRELOADED_KEY = "palier_charts_preloaded"


def skip_shell_check() -> None:
    """Spare the first element of the process Streamlit's shell check (see the module docstring).

    Streamlit keeps the check's "done" in a module flag; should a later version rename it, this
    sets an unused name and the check simply runs, as before."""
    delta_generator._use_warning_has_been_displayed = True


@contextmanager
def charts_preloaded() -> Iterator[None]:
    """Around the store's opening (on first start, the demo's exports' import): on the session's
    first run, a hidden empty chart in the sidebar meanwhile, so the browser loads Plotly.js, and
    removed after (the browser goes on loading it).

    Removed before the page runs, not after: once a page has called st.stop() (no account yet,
    say), Streamlit draws nothing more in that run, and the hidden chart would stay. The slot is
    drawn on every run, filled or not, so the sidebar's elements keep their places from one run
    to the next (a moved element is drawn anew by the browser)."""
    slot = st.sidebar.empty()
    if st.session_state.get(_PRELOADED_KEY):
        yield
        return
    st.session_state[_PRELOADED_KEY] = True
    with slot.container(key=PRELOAD_KEY):
        st.html(f"<style>.st-key-{PRELOAD_KEY} {{ display: none; }}</style>")
        st.plotly_chart(go.Figure(), config={"displayModeBar": False, "staticPlot": True})
    yield
    slot.empty()
