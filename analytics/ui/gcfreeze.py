"""Keep the server's full garbage collections short: what the imports built is moved out of their way.

Streamlit runs `gc.collect(2)` after every script run (its `runner.postScriptGC`, on by default, so
that frames dropped in cycles do not pile up on a hosted app). A full collection walks every object
the interpreter tracks, and most of them are the modules the pages import (pandas, Plotly's
validators, SciPy under ruptures, DuckDB): about 160,000 objects, 110 ms of one core after every
click, widget change and page in a bare process, 236 ms in a server that has shown every page
(benchmarks/gcpause.py), spent on objects that live as long as the process.

`gc.freeze()` (Python's API for this, used by servers that fork) moves every object alive at that
moment into a permanent generation the collector skips. It is done at the start of a run when the
runs before it imported modules, behind a collection so that no garbage is frozen: later
collections only walk what the runs themselves build, and still free it. The cost is bounded:
objects alive at a freeze (modules, cached figures, sessions) that later become garbage in a cycle
are kept, and a freeze happens only when the set of modules grew (after the first visit of each
page: a handful of times per process).
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_at_last_freeze = 0


def freeze_after_new_imports() -> bool:
    """Collect, then freeze every live object, when modules were imported since the last freeze;
    return whether it froze. Cheap otherwise (one length check)."""
    global _modules_at_last_freeze
    if len(sys.modules) == _modules_at_last_freeze:
        return False
    with _lock:
        modules = len(sys.modules)
        if modules == _modules_at_last_freeze:
            return False
        gc.collect()
        gc.freeze()
        _modules_at_last_freeze = modules
        return True
