"""Palier's settings, declared as data.

Each setting has one environment variable and a default; the README's settings table is
checked against this tuple by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.env, self.default)


DB_PATH = Setting("db", "PALIER_DB", str(PROJECT_ROOT / "data" / "palier.duckdb"), "Path of the DuckDB store file.")
DEMO_ON_EMPTY = Setting(
    "demo_on_empty", "PALIER_DEMO", "1", "Load the bundled demo account when the store is empty (0 to start empty)."
)
DEMO_SCALE = Setting(
    "demo_scale",
    "PALIER_DEMO_SCALE",
    "1",
    "Size of the demo account's audience, as a share of the full demo (about 600 to 2,500 followers at 1).",
)
DEMO_MONTHS = Setting(
    "demo_months", "PALIER_DEMO_MONTHS", "18", "Months of history in the demo account (4 or more; one daily follower list per day)."
)
MAX_ZIP_MEMBER_MB = Setting(
    "max_zip_member_mb", "PALIER_MAX_ZIP_MEMBER_MB", "2048", "Largest uncompressed member read from a zip, in MB."
)
MAX_ZIP_RATIO = Setting(
    "max_zip_ratio", "PALIER_MAX_ZIP_RATIO", "200", "Largest compression ratio accepted in a zip (zip bombs exceed it)."
)
MAX_UPLOAD_MB = Setting(
    "max_upload_mb",
    "PALIER_MAX_UPLOAD_MB",
    "4096",
    "Largest total uncompressed size of the members read from one zip, in MB (many members each under the per-member limit add up).",
)

MEMORY_LIMIT = Setting(
    "memory_limit",
    "PALIER_MEMORY_LIMIT",
    "2GB",
    "Memory DuckDB may use for the store (its buffer pool); a bigger import spills to a temporary folder beside the store.",
)

STORE_WAIT = Setting(
    "store_wait",
    "PALIER_STORE_WAIT",
    "60",
    "Seconds a command or page waits for the store while another Palier process holds it; "
    "an import or collection still waiting then is queued beside the store.",
)
STORE_IDLE = Setting(
    "store_idle",
    "PALIER_STORE_IDLE",
    "5",
    "Seconds without a read or write after which the dashboard lets go of the store file (at once when a command is waiting for it).",
)

LANGUAGE = Setting(
    "language",
    "PALIER_LANG",
    "en",
    "Language of the command line, and of the dashboard when the browser states none (en or fr; fr_FR.UTF-8 works too).",
)

SETTINGS: tuple[Setting, ...] = (
    DB_PATH, DEMO_ON_EMPTY, DEMO_SCALE, DEMO_MONTHS, MAX_ZIP_MEMBER_MB, MAX_ZIP_RATIO, MAX_UPLOAD_MB, MEMORY_LIMIT,
    STORE_WAIT, STORE_IDLE, LANGUAGE,
)


def db_path() -> Path:
    return Path(DB_PATH.value()).expanduser()


def demo_on_empty() -> bool:
    return DEMO_ON_EMPTY.value().strip().lower() not in ("0", "false", "no", "off", "")


def demo_size() -> dict[str, float | int]:
    """The demo's `scale` and `months` (analytics.demo.write_demo_files); a value that is not a
    positive number reads as its default. A smaller demo starts sooner (tests use one)."""
    try:
        scale = float(DEMO_SCALE.value())
    except ValueError:
        scale = float(DEMO_SCALE.default)
    try:
        months = int(DEMO_MONTHS.value())
    except ValueError:
        months = int(DEMO_MONTHS.default)
    return {
        "scale": scale if 0 < scale <= 10 else float(DEMO_SCALE.default),
        "months": months if 4 <= months <= 120 else int(DEMO_MONTHS.default),
    }


def seconds(setting: Setting) -> float:
    """A setting in seconds; a value that is not a number of 0 or more reads as its default."""
    try:
        value = float(setting.value())
    except ValueError:
        return float(setting.default)
    return value if value >= 0 else float(setting.default)
