"""What the page tests (Streamlit's AppTest) share: seeding a store file, and reading what a
page drew. The fixtures they share (`db`, `demo_file`, `demo_db`) are in conftest.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics.store import open_store
from tests.conftest import import_bytes

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def seed(path: Path, files: dict[str, bytes], account: str = "me", snapshot_date: dt.date | None = None) -> None:
    """Import files into the store file as one upload; every one of them must be imported."""
    store = open_store(path)
    try:
        outcomes = import_bytes(store, files, account=account, snapshot_date=snapshot_date)
        assert [o.status for o in outcomes] == ["imported"] * len(outcomes), [o.line() for o in outcomes]
    finally:
        store.close()


def plain(markdown: str) -> str:
    """Escaped markdown with its backslash escapes read (word joiners kept)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def infos(at: AppTest) -> str:
    return "\n".join(plain(i.value) for i in at.info)


def texts(at: AppTest) -> str:
    """The page's markdown and captions, as read."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(plain(p) for p in parts)
