"""Palier's own errors.

Every failure a user can cause (a bad file, a store another process holds) is raised as one of
these, so the command line and the pages can show a sentence instead of a traceback. Driver
errors (duckdb, json, csv, zipfile) are converted where they are caught.

Messages are in the language current when the error is raised (analytics.i18n): the parts
given to BadExportError are translated by the raiser, the sentence around them here.
"""

from __future__ import annotations

from analytics.i18n import _


class PalierError(Exception):
    """Base of every error Palier reports to the user as a message."""


class BadExportError(PalierError):
    """A file that cannot be imported: says which file, where in it, what was expected and found,
    and (`fix`) what to do when that is not plain from the rest."""

    def __init__(self, file: str, where: str, expected: str, found: str, fix: str | None = None) -> None:
        self.file = file
        self.where = where
        self.expected = expected
        self.found = found
        self.fix = fix
        message = _("{file}: {where}: expected {expected}, found {found}").format(
            file=file, where=where, expected=expected, found=found
        )
        if fix:
            message = _("{message}. {fix}").format(message=message, fix=fix)
        super().__init__(message)

    def at(self, where: str) -> BadExportError:
        """The same refusal, placed at `where`: a reader that names a field's place only once
        the field is refused (naming it for every field of a big file costs seconds)."""
        return BadExportError(self.file, where, self.expected, self.found, self.fix)


class StoreError(PalierError):
    """The store cannot be opened or written, with the way forward in the message."""


class StoreBusyError(StoreError):
    """Another process holds the store file (DuckDB lets one process write it at a time)."""


class UnknownAccountError(PalierError):
    """An account name that the store does not hold."""
