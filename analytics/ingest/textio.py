"""Bytes to text, the way real exports arrive.

Platforms write UTF-8, but files pass through spreadsheets before they reach us: Excel adds a
BOM or saves UTF-16 ("Unicode text") or Windows-1252. We accept those when the encoding can be
told for sure, and refuse, with the line and the bytes, anything that would be decoded into
silent mojibake.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from analytics.errors import BadExportError
from analytics.i18n import _


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    notes: tuple[str, ...] = field(default=())


def _line_of(data: bytes, offset: int) -> int:
    # Lines end with LF, CRLF or (old Mac CSVs) a bare CR.
    return data.count(b"\n", 0, offset) + data.count(b"\r", 0, offset) - data.count(b"\r\n", 0, offset) + 1


def _looks_like_bomless_utf16(data: bytes) -> str | None:
    """Return the UTF-16 codec when every other byte of an ASCII-ish start is NUL."""
    sample = data[:2000]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nuls > 0.9 * half and even_nuls == 0:
        return "utf-16-le"
    if even_nuls > 0.9 * half and odd_nuls == 0:
        return "utf-16-be"
    return None


def bomless_utf16_codec(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` when the start of `data` is UTF-16 without a byte order mark
    (format detection uses the decoder's own test, so both see the same header)."""
    return _looks_like_bomless_utf16(data)


def _has_valid_multibyte_utf8(data: bytes) -> bool:
    """True when the bytes hold at least one well-formed non-ASCII UTF-8 sequence."""
    decoded = data.decode("utf-8", errors="replace")
    return any(ord(ch) > 127 and ch != "\ufffd" for ch in decoded)


def decode(data: bytes, file: str) -> Decoded:
    """Decode an export's bytes to text, or raise BadExportError saying why not."""
    # A spreadsheet saving an empty sheet writes just a byte order mark: that is an empty file
    # too, not an unknown format with a blank header.
    body = data
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if body.startswith(bom):
            body = body[len(bom) :]
            break
    if not body.strip(b" \t\r\n\x00"):
        raise BadExportError(file, _("the whole file"), _("an export with data"), _("an empty file"))

    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8", file, (_("UTF-8 byte order mark removed"),))
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return _strict(data, "utf-16", file, (_("decoded as UTF-16"),))
    if b"\x00" in data:
        bomless = _looks_like_bomless_utf16(data)
        if bomless:
            return _strict(data, bomless, file, (_("decoded as UTF-16"),))
        offset = data.index(b"\x00")
        raise BadExportError(
            file,
            _("line {line} (byte {byte})").format(line=_line_of(data, offset), byte=offset),
            _("text"),
            _("a NUL byte (0x00): the file is binary or damaged"),
        )
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        if _has_valid_multibyte_utf8(data):
            bad = data[exc.start : exc.start + 4]
            raise BadExportError(
                file,
                _("line {line} (byte {byte})").format(line=_line_of(data, exc.start), byte=exc.start),
                _("valid UTF-8 text"),
                _("the bytes {bytes} which are not UTF-8 (the file is damaged or mixes encodings)").format(bytes=bad.hex(" ")),
            ) from None
    # No well-formed multibyte sequence anywhere: a single-byte Western encoding, which is what
    # Excel on Windows writes. Windows-1252 is a superset of Latin-1's printable range.
    try:
        return Decoded(data.decode("cp1252"), "cp1252", (_("decoded as Windows-1252 (Latin-1), not UTF-8"),))
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "latin-1", (_("decoded as Latin-1, not UTF-8"),))


def _strict(data: bytes, encoding: str, file: str, notes: tuple[str, ...]) -> Decoded:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise BadExportError(
            file,
            _("byte {byte}").format(byte=exc.start),
            _("valid {encoding} text").format(encoding=encoding.upper()),
            _("the bytes {bytes}").format(bytes=data[exc.start : exc.start + 4].hex(" ")),
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        raise BadExportError(
            file, _("line {line}").format(line=line), _("text"), _("a NUL character: the file is binary or damaged")
        )
    return Decoded(text, encoding, notes)
