"""Untrusted text (file names, handles, bios, errors quoting them) shown as text, never markup."""

from __future__ import annotations

import re
from typing import NoReturn

import streamlit as st

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping them all
# also defuses Streamlit's own markup (`:red[...]`, `:material/...:`, `$...$` maths).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&%=\"'@/^])")

# Streamlit's markdown also turns bare URLs, www. names and e-mail addresses into links, escaped
# or not (GFM autolink literals): an invisible word joiner inside each pattern defuses them.
_WORD_JOINER = "\u2060"
_AUTOLINK_PARTS = re.compile(r"(://|@|(?<![0-9A-Za-z])www\.)", re.IGNORECASE)


def escape_markdown(text: object) -> str:
    """Text (a file name, a handle, an error quoting a file) made inert for st.markdown."""
    unlinked = _AUTOLINK_PARTS.sub(lambda m: m.group(0)[:-1] + _WORD_JOINER + m.group(0)[-1], str(text))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)


def literal(text: str) -> str:
    """Untrusted text as a markdown code span: shown verbatim, never a link.

    `escape_markdown` stops markdown links and HTML, but the renderer still turns bare addresses
    into links (the failed request's URL, a server's message quoting one, an `@user@instance`
    read as an e-mail): nothing inside a code span is parsed or linked."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}" if flat.startswith("`") or flat.endswith("`") else f"{fence}{flat}{fence}"


def show_error(message: str) -> None:
    """An error as plain text in a red box: never a traceback, never a link."""
    st.error(escape_markdown(message))


def stop_with_error(message: str) -> NoReturn:
    show_error(message)
    st.stop()
