"""Server-side timings for the browser benchmark (`python -m benchmarks.pages`): off by default.

When `PALIER_RUN_LOG` names a file, every script run (the page's whole run, from the navigation
to the report button in the sidebar) and every report build appends one JSON line to it:
`{"kind": "run" | "report", "name": ..., "started": <epoch seconds>, "seconds": ...}`. The
benchmark reads the lines that started after the action it timed; a browser's timings add the
network and the drawing, these are the server's own share ("a widget change reruns in under
0.5 s of server time"). Nothing is written, and nothing is imported, when the variable is unset.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

RUN_LOG_ENV = "PALIER_RUN_LOG"

# Sessions run in their own threads: one line at a time, never two interleaved.
_write_lock = threading.Lock()


@contextmanager
def timed(kind: str, name: str = "") -> Iterator[None]:
    """Time the block and append its line to `PALIER_RUN_LOG` (also when it ends by st.stop or a
    rerun, which Streamlit raises as exceptions)."""
    path = os.environ.get(RUN_LOG_ENV)
    if not path:
        yield
        return
    started_at = time.time()
    started = time.perf_counter()
    try:
        yield
    finally:
        line = json.dumps({"kind": kind, "name": name, "started": started_at,
                           "seconds": time.perf_counter() - started})
        with _write_lock, open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
