"""The server's full collections skip what the imports built (analytics.ui.gcfreeze): a freeze when
modules were imported since the last one, never freezing garbage, and done by every page run.

In a child process: a freeze is for the life of the process, and the test workers' own heap must
not depend on the order the tests ran in."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**__import__("os").environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_freezes_once_per_new_imports_and_never_freezes_garbage() -> None:
    out = _run("""
        import gc, weakref
        from analytics.ui.gcfreeze import freeze_after_new_imports

        class Node:
            pass

        # Garbage in a cycle, not yet collected: a freeze must not keep it.
        cycle = Node(); cycle.self = cycle; dead = weakref.ref(cycle); del cycle
        gc.disable()  # only the freeze's own collection may free it
        assert dead() is not None
        assert freeze_after_new_imports() is True
        assert dead() is None, "the garbage was frozen"
        frozen = gc.get_freeze_count()
        assert frozen > 1000, frozen
        assert freeze_after_new_imports() is False  # no new module: nothing to do
        assert gc.get_freeze_count() == frozen
        import wave  # noqa: F401  (a module nothing here had imported)
        assert freeze_after_new_imports() is True
        assert gc.get_freeze_count() > frozen
        print("ok")
    """)
    assert out.strip() == "ok"


def test_a_page_run_freezes_what_the_app_imported(tmp_path: Path) -> None:
    out = _run("""
        import gc
        from streamlit.testing.v1 import AppTest
        assert gc.get_freeze_count() == 0
        app = AppTest.from_file("app.py", default_timeout=60).run()
        assert not app.exception, app.exception
        print(gc.get_freeze_count())
    """, PALIER_DB=str(tmp_path / "palier.duckdb"), PALIER_DEMO="0")
    assert int(out.strip()) > 10_000
