"""JSON reading shared by the JSON-based importers (Instagram, Bluesky, Mastodon, Social Blade).

json's own messages ("Expecting ',' delimiter: line 1 column 5 (char 4)") are turned into a
BadExportError naming the file, the line and column, and whether the file looks cut short,
which is what a person can act on (download it again).
"""

from __future__ import annotations

import json
import re

from analytics.errors import BadExportError
from analytics.i18n import _
from analytics.ingest.model import SourceFile


def load_json(source: SourceFile, what: str) -> object:
    """The decoded JSON document of a file, or BadExportError with the line and column."""
    text = source.text
    try:
        return json.loads(text)
    except RecursionError:
        # json recurses once per level: 50,000 nested brackets would end in a traceback. No
        # export Palier reads nests more than a few levels.
        raise BadExportError(
            source.name, "the JSON's nesting", f"{what} (a few levels of objects and arrays)",
            "objects or arrays nested thousands of levels deep: the file is damaged or hostile",
        ) from None
    except json.JSONDecodeError as exc:
        # An error at the very end of the text is a file cut short (an interrupted download),
        # which deserves a different remedy than a damaged one.
        # json reports an unterminated string at the position where the string starts; it is
        # only raised when no closing quote follows before the end, so it is a cut too.
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        found = (
            f"the end of the file in the middle of the JSON ({exc.msg}): the file is cut short, download it again"
            if truncated
            else f"{exc.msg}: the file is damaged or not {what}"
        )
        raise BadExportError(
            source.name,
            _('line {lineno}, column {colno}').format(lineno=exc.lineno, colno=exc.colno),
            _('complete JSON ({what})').format(what=what),
            found,
        ) from None


def head_start(source: SourceFile) -> str:
    """The head without leading whitespace, for sniffing."""
    return source.head.lstrip()


def head_has_key(source: SourceFile, key: str) -> bool:
    """Whether the head holds `"key":` (with or without spaces before the colon)."""
    return re.search(r'"' + re.escape(key) + r'"\s*:', source.head) is not None


def describe(value: object) -> str:
    """A short description of a JSON value for 'found ...' in errors."""
    if isinstance(value, dict):
        keys = ", ".join(repr(k) for k in list(value)[:8])
        return f"an object with the keys {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    if value is None:
        return "null"
    return f"{type(value).__name__} {str(value)[:60]!r}"
