"""bluesky exports (being written)."""

from analytics.ingest.model import ExportFormat

FORMATS: tuple[ExportFormat, ...] = ()
