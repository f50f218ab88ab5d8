"""CSV reading with errors a person can act on.

Python's csv module reports problems as "unexpected end of data"; we turn each failure into a
BadExportError naming the file, the physical line, what was expected and what was found.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from analytics.errors import BadExportError
from analytics.i18n import N_, _, format_number

# A follower bio is at most a few KB; a field above this is a broken quote swallowing the file
# or a file that is not a CSV at all.
MAX_FIELD_CHARS = 1_000_000
csv.field_size_limit(MAX_FIELD_CHARS)

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("vertical bar")}


def normalize_name(name: str) -> str:
    """`"New follows"`, `new_follows` and `NEW-FOLLOWS ` all become `new_follows`; accents go, so
    a French spreadsheet's `Abonnés` is `abonnes` (and `Nombre d'abonnés` is `nombre_d_abonnes`)."""
    unaccented = "".join(
        ch for ch in unicodedata.normalize("NFKD", name.strip().strip("\ufeff").lower()) if not unicodedata.combining(ch)
    )
    return re.sub(r"[^0-9a-z]+", "_", unaccented).strip("_")


def first_line(text: str) -> str:
    # Excel for Mac's older "CSV (Macintosh)" ends lines with a bare CR.
    return re.split(r"\r\n?|\n", text, maxsplit=1)[0]


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most fields (quotes ignored)."""
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def split_header(text: str) -> list[str]:
    """The header fields of a CSV text, for format detection (never raises)."""
    line = first_line(text)
    delimiter = sniff_delimiter(line)
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return [line]


@dataclass
class CsvTable:
    """A parsed CSV: the header, the rows and each row's first physical line in the file."""

    file: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    delimiter: str = ","
    header_line: int = 1
    notes: list[str] = field(default_factory=list)

    def column(self, *names: str) -> int | None:
        """Index of the first header matching one of the names (normalised), else None."""
        normalized = [normalize_name(h) for h in self.header]
        for name in names:
            key = normalize_name(name)
            if key in normalized:
                return normalized.index(key)
        return None

    def require(self, *names: str) -> int:
        index = self.column(*names)
        if index is None:
            raise BadExportError(
                self.file,
                _("header (line {line})").format(line=self.header_line),
                _("a column named {names}").format(names=_(" or ").join(repr(n) for n in names)),
                _("the columns {columns}").format(columns=", ".join(repr(h) for h in self.header)),
            )
        return index

    def values(self, index: int) -> list[str]:
        return [row[index] for row in self.rows]

    def where(self, row_number: int, column: int) -> str:
        return _("line {line}, field {field}").format(line=self.lines[row_number], field=repr(self.header[column]))


def read_csv(
    text: str,
    file: str,
    *,
    skip_lines: int = 0,
    delimiter: str | None = None,
    allow_short_rows: bool = False,
) -> CsvTable:
    """Parse CSV text into a CsvTable.

    `skip_lines` drops a preamble (LinkedIn's "Notes:" lines). Rows whose field count differs
    from the header's are an error naming the line, unless `allow_short_rows`, where missing
    trailing fields read as empty. Blank lines are skipped.
    """
    lines_iter: Iterator[str] = iter(io.StringIO(text, newline=""))
    for _skipped in range(skip_lines):
        next(lines_iter, None)
    body = "".join(lines_iter)
    header_line = skip_lines + 1
    if not body.strip():
        raise BadExportError(file, _("the whole file"), _("a header line and data"), _("no lines after the preamble"))
    if delimiter is None:
        delimiter = sniff_delimiter(first_line(body))
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    start = 1
    try:
        for row in reader:
            line = start + skip_lines
            start = reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in row]
                header_line = line
                _refuse_duplicate_columns(header, file, header_line)
                continue
            if len(row) != len(header):
                if len(row) < len(header) and allow_short_rows:
                    row = row + [""] * (len(header) - len(row))
                else:
                    raise BadExportError(
                        file,
                        _("line {line}").format(line=line),
                        _("{count} fields like the header on line {line}").format(count=len(header), line=header_line),
                        _("{count} fields").format(count=len(row)),
                    )
            rows.append(row)
            line_numbers.append(line)
    except csv.Error as exc:
        message = str(exc)
        line = start + skip_lines
        if "field larger than field limit" in message:
            raise BadExportError(
                file,
                _("line {line}").format(line=line),
                _("fields shorter than {count} characters").format(count=format_number(MAX_FIELD_CHARS)),
                _("a longer field (an unclosed quote swallowing the rest of the file, or not a CSV)"),
            ) from None
        if "unexpected end of data" in message or "EOF" in message:
            raise BadExportError(
                file,
                _("line {line}").format(line=line),
                _("every quoted field to be closed by a double quote"),
                _("a quote opened there that is never closed"),
            ) from None
        raise BadExportError(file, _("line {line}").format(line=line), _("well-formed CSV"), message) from None
    if header is None:
        raise BadExportError(file, _("the whole file"), _("a header line and data"), _("only blank lines"))
    table = CsvTable(file, header, rows, line_numbers, delimiter, header_line)
    if delimiter != ",":
        table.notes.append(_("read as {delimiter}-separated").format(delimiter=_(_DELIMITER_NAMES[delimiter])))
    return table


def duplicate_columns(header: Sequence[str]) -> list[str]:
    """Header names that occur more than once (compared as `column()` compares them); blank
    names (trailing separators) are not names."""
    seen: set[str] = set()
    twice: list[str] = []
    for name in header:
        key = normalize_name(name)
        if key and key in seen and name not in twice:
            twice.append(name)
        seen.add(key)
    return twice


def _refuse_duplicate_columns(header: list[str], file: str, header_line: int) -> None:
    # Which of two 'handle' columns is meant cannot be guessed: reading the first would drop the
    # second without a word.
    twice = duplicate_columns(header)
    if twice:
        raise BadExportError(
            file,
            _("header (line {line})").format(line=header_line),
            _("each column named once (rename or remove the repeated column)"),
            _("{names} more than once").format(names=", ".join(repr(n) for n in twice)),
        )


def require_rows(table: CsvTable, what: str | None = None) -> None:
    if not table.rows:
        raise BadExportError(
            table.file,
            _("after the header (line {line})").format(line=table.header_line),
            what or _("at least one data row"),
            _("no data rows"),
        )


def header_matches(header: Sequence[str], expected: Sequence[str]) -> bool:
    return [normalize_name(h) for h in header] == [normalize_name(h) for h in expected]
