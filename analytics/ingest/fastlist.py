"""The fast path for Palier's generic follower-list CSV: DuckDB reads and checks it, in SQL.

The careful reader (`generic.parse_list`: Python's csv module, a function call per field) takes
minutes on a list of millions. Here DuckDB's `read_csv` reads the file as text columns
(explicit VARCHAR columns, strict RFC 4180 quoting, no sniffing) and one SQL pass converts each
field with the same rules as `analytics.ingest.values` (TRY_CAST behind regular expressions
that accept exactly what the Python parsers accept).

The fast path never reports an error itself. Whenever it meets anything it cannot vouch for (a
field that does not convert, a short or long row, an encoding other than plain UTF-8, a NUL
byte, a duplicate member, a handle whose lower case DuckDB and Python might spell differently),
it returns None and the careful reader parses the file: bad input keeps its message naming the
file, the line, the field, what was expected and what was found. So the two paths agree by
construction on everything the fast one accepts, and `tests/test_fastlist.py` checks that they
give the same store.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.csvread import MAX_FIELD_CHARS, CsvTable, first_line, sniff_delimiter, split_header
from analytics.ingest.model import MEMBER_DTYPES, SourceFile

log = logging.getLogger("palier.ingest")

# Rows read, stripped and converted at a time.
BATCH_ROWS = 1_000_000

# Below this size the careful reader is fast enough, and uploads need no temporary file.
FAST_MIN_BYTES = 256 * 1024

# Python's str.strip() removes every character for which isspace() is true; DuckDB's trim()
# removes the characters it is given.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())

_TRUE = ("true", "yes", "y", "1", "t", "x", "vrai", "oui")
_FALSE = ("false", "no", "n", "0", "f", "", "faux", "non")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _int_sql(text: str) -> tuple[str, str]:
    """(value, bad) SQL for `values.parse_int` on a stripped field: blank and '-' are missing.
    The first branch (a plain integer that prints back as itself) takes nearly every field; the
    regular expressions run only on the others."""
    cleaned = f"replace(replace(replace({text}, chr(8239), ''), chr(160), ''), ' ', '')"
    value = f"""(CASE
        WHEN {text} IN ('', '-') THEN NULL
        WHEN CAST(TRY_CAST({text} AS BIGINT) AS VARCHAR) = {text} THEN TRY_CAST({text} AS BIGINT)
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]+') THEN TRY_CAST({cleaned} AS BIGINT)
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+') THEN TRY_CAST(replace({cleaned}, ',', '') AS BIGINT)
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]+[.]0*') THEN TRY_CAST(split_part({cleaned}, '.', 1) AS BIGINT)
    END)"""
    return value, f"({value} IS NULL AND {text} NOT IN ('', '-'))"


_ISO = "%Y-%m-%dT%H:%M:%SZ"


def _moment_sql(text: str) -> tuple[str, str]:
    """(value, bad) for the list's `moment`: a 10-character date, else an ISO date and time.
    Time zone offsets other than Z go to the careful reader (it converts them to UTC)."""
    value = f"""(CASE
        WHEN {text} = '' THEN NULL
        WHEN length({text}) = 20 AND strftime(try_strptime({text}, '{_ISO}'), '{_ISO}') = {text}
            THEN try_strptime({text}, '{_ISO}')
        WHEN length({text}) = 10 AND regexp_full_match({text}, '[0-9]{{4}}[-/][0-9]{{2}}[-/][0-9]{{2}}')
             AND substr({text}, 5, 1) = substr({text}, 8, 1)
            THEN CAST(TRY_CAST(replace({text}, '/', '-') AS DATE) AS TIMESTAMP)
        WHEN length({text}) <> 10
             AND regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}([.][0-9]{{1,6}})?Z?')
            THEN TRY_CAST(rtrim(replace({text}, 'T', ' '), 'Z') AS TIMESTAMP)
    END)"""
    return value, f"({value} IS NULL AND {text} <> '')"


def _day_sql(text: str) -> tuple[str, str]:
    """(value, bad) for `generic._parse_day` (the snapshot_date column)."""
    value = f"""(CASE
        WHEN {text} = '' THEN NULL
        WHEN regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN TRY_CAST({text} AS DATE)
        WHEN regexp_full_match({text}, '[0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}}') THEN TRY_CAST(replace({text}, '/', '-') AS DATE)
        WHEN regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z?')
            THEN CAST(TRY_CAST(rtrim(replace({text}, 'T', ' '), 'Z') AS TIMESTAMP) AS DATE)
    END)"""
    return value, f"({value} IS NULL AND {text} <> '')"


def _flag_sql(text: str) -> tuple[str, str]:
    lowered = f"lower({text})"
    value = (
        f"(CASE WHEN {text} = 'false' THEN false WHEN {text} = 'true' THEN true WHEN {text} = '' THEN NULL "
        f"WHEN {lowered} IN {tuple(_TRUE)} THEN true WHEN {lowered} IN {tuple(_FALSE)} THEN false END)"
    )
    return value, f"({value} IS NULL AND {text} <> '')"


# Python's whitespace characters by the length of their UTF-8 encoding, as integers of their
# bytes: a field starts or ends with one exactly when its first or last 1, 2 or 3 bytes are one.
_WS_CODES: dict[int, np.ndarray] = {
    size: np.array(
        sorted(int.from_bytes(ch.encode("utf-8"), "big") for ch in WHITESPACE if len(ch.encode("utf-8")) == size),
        dtype=np.int64,
    )
    for size in (1, 2, 3)
}


_ASCII_WS = np.zeros(256, dtype=bool)
_ASCII_WS[list(_WS_CODES[1])] = True
# Last bytes of the multi-byte whitespace characters: only fields ending in one need a closer look.
_MULTI_LAST = np.zeros(256, dtype=bool)
_MULTI_LAST[[int(code) & 0xFF for size in (2, 3) for code in _WS_CODES[size]]] = True
_MULTI_LEAD = np.zeros(256, dtype=bool)
_MULTI_LEAD[[int(code) >> (8 * (size - 1)) for size in (2, 3) for code in _WS_CODES[size]]] = True


def _codes_at(data: np.ndarray, positions: np.ndarray, size: int) -> np.ndarray:
    code = np.zeros(len(positions), dtype=np.int64)
    for k in range(size):
        code = (code << 8) | data[positions + k]
    return code


def _edge_whitespace(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For fields [starts, ends) of `data`: whether one begins or ends with whitespace. Lookup
    tables on the first and last byte settle nearly every field; the few whose first or last
    byte may belong to a multi-byte whitespace character are compared whole."""
    lengths = ends - starts
    filled = np.flatnonzero(lengths > 0)
    found = np.zeros(len(starts), dtype=bool)
    s, e = starts[filled], ends[filled]
    found[filled] = _ASCII_WS[data[s]] | _ASCII_WS[data[e - 1]]
    for size in (2, 3):
        codes = _WS_CODES[size]
        long_enough = lengths[filled] >= size
        lead = filled[long_enough & _MULTI_LEAD[data[s]]]
        if len(lead):
            found[lead] |= np.isin(_codes_at(data, starts[lead], size), codes)
        tail = filled[long_enough & _MULTI_LAST[data[e - 1]]]
        if len(tail):
            found[tail] |= np.isin(_codes_at(data, ends[tail] - size, size), codes)
    return found


def _stripped_column(array: pa.ChunkedArray) -> pa.Array:
    """A string column as Python's `value.strip()` would give it (missing stays missing),
    computed with numpy on the Arrow buffers: one gather per row instead of a function call."""
    column = array.combine_chunks()
    column = column.cast(pa.large_string()) if column.type != pa.large_string() else column
    _, offsets_buffer, data_buffer = column.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[column.offset : column.offset + len(column) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(1, np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    suspect = _edge_whitespace(data, starts, ends)
    if not suspect.any():
        return column
    where = np.flatnonzero(suspect)
    replacements = pa.array([(column[int(i)].as_py() or "").strip() for i in where], type=pa.large_string())
    return pc.replace_with_mask(column, pa.array(suspect), replacements)


@contextmanager
def _readable_path(source: SourceFile) -> Iterator[Path]:
    """The file on disk: its own path, or (an upload) its bytes written to a temporary file."""
    if source.path is not None and not source.loaded:
        yield source.path
        return
    handle, name = tempfile.mkstemp(prefix="palier-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(source.data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def applies(source: SourceFile) -> bool:
    """Whether the fast path may try: a big enough file in plain UTF-8 (no BOM, no NUL)."""
    prefix = source.prefix
    if source.size < FAST_MIN_BYTES or prefix.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in prefix:
        return False
    try:
        prefix[: max(0, len(prefix) - 4)].decode("utf-8")
    except UnicodeDecodeError:
        return False
    line = first_line(source.head)
    # A header that spans lines or starts blank is rare: the careful reader handles it.
    return bool(line.strip()) and line.count('"') % 2 == 0 and not source.has_nul


def parse(
    source: SourceFile,
    columns: dict[str, tuple[str, ...]],
    build: Callable[[list[tuple[object, pa.Table]], int, list[str]], object],
) -> object | None:
    """Read a generic follower list with DuckDB; None when the careful reader must do it.

    `columns` maps canonical names to accepted header spellings (generic.LIST_COLUMNS); `build`
    turns [(snapshot date or None, members table)], the row count and the notes into a Parsed.
    """
    if not applies(source):
        return None
    line = first_line(source.head)
    delimiter = sniff_delimiter(line)
    header = [cell.strip().lstrip("\ufeff") for cell in split_header(source.head)]
    table = CsvTable(source.name, header, [], [])
    cols = {name: table.column(*names) for name, names in columns.items()}
    if cols["handle"] is None or len(header) < 1:
        return None
    try:
        with _readable_path(source) as path:
            return _read(path, source.name, header, delimiter, cols, build)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        # Quoting DuckDB will not read, a short or long row, bytes that are not UTF-8: the
        # careful reader finds the line and says what is wrong with it. Read in batches, DuckDB's
        # error reaches us through Arrow's stream reader, as an Arrow error.
        log.info("fast path declined %s: %s", source.name, str(exc).splitlines()[0])
        return None


def _read(
    path: Path,
    name: str,
    header: list[str],
    delimiter: str,
    cols: dict[str, int | None],
    build: Callable[[list[tuple[object, pa.Table]], int, list[str]], object],
) -> object | None:
    raw = [f"c{i}" for i in range(len(header))]
    spec = "{" + ", ".join(f"{_q(c)}: 'VARCHAR'" for c in raw) + "}"
    con = duckdb.connect(
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    )
    try:
        con.execute(f"SET threads TO {max(1, os.cpu_count() or 1)}")
        # Plain Arrow strings: the whitespace check below reads their offsets and bytes.
        con.execute("SET produce_arrow_string_view = false")
        con.execute("SET enable_progress_bar = false")  # the command line prints its own lines
        reader = (
            f"read_csv({_q(str(path))}, header = false, skip = 1, columns = {spec}, delim = {_q(delimiter)}, "
            f"quote = '\"', escape = '\"', strict_mode = true, auto_detect = false, "
            f"max_line_size = {MAX_FIELD_CHARS}, ignore_errors = false, encoding = 'utf-8')"
        )
        handle_first = raw[cols["handle"] or 0]
        # The handle first: the other columns are compared only where it is blank.
        blank = " AND ".join(f"{c} = ''" for c in [handle_first] + [c for c in raw if c != handle_first])
        source_sql = f"SELECT * FROM {reader}"
        # A missing field reads as '' (Python's csv gives '' for both).
        reader = f"(SELECT {', '.join(f'coalesce({c}, {chr(39) * 2}) AS {c}' for c in raw)} FROM stripped)"

        def col(canonical: str) -> str | None:
            index = cols.get(canonical)
            return None if index is None else raw[index]

        handle_raw = col("handle")
        assert handle_raw is not None
        handle = f"(CASE WHEN prefix({handle_raw}, '@') THEN ltrim({handle_raw}, '@') ELSE {handle_raw} END)"
        id_col = col("id")
        platform_id = f"nullif({id_col}, '')" if id_col else "CAST(NULL AS VARCHAR)"
        select: dict[str, str] = {
            "member_key": f"coalesce({platform_id}, lower({handle}))",
            "platform_id": platform_id,
            "handle": handle,
        }
        bad: list[str] = [f"{handle} = ''"]
        # Python's lower() and DuckDB's may differ beyond ASCII: such keys take the careful path.
        bad.append(f"(CASE WHEN {platform_id} IS NULL THEN NOT regexp_full_match({handle}, '[\\x00-\\x7F]*') ELSE false END)")
        for text_column in ("name", "bio", "location"):
            raw_name = col(text_column)
            select[text_column] = raw_name if raw_name else "CAST(NULL AS VARCHAR)"
        converters = {
            "followers_count": _int_sql, "following_count": _int_sql, "posts_count": _int_sql,
            "created_at": _moment_sql, "last_post_at": _moment_sql,
            "default_avatar": _flag_sql, "verified": _flag_sql,
        }
        for canonical, convert in converters.items():
            raw_name = col(canonical)
            if raw_name is None:
                select[canonical] = "NULL"
                continue
            value, invalid = convert(raw_name)
            select[canonical] = value
            bad.append(invalid)
        snapshot_raw = col("snapshot_date")
        snapshot_value = "CAST(NULL AS DATE)"
        if snapshot_raw:
            snapshot_value, invalid = _day_sql(snapshot_raw)
            bad.append(invalid)
        select["followed_at"] = "NULL"
        select["profile_url"] = "NULL"
        casts = {
            "string": "VARCHAR", "Int64": "BIGINT", "datetime64[us]": "TIMESTAMP", "boolean": "BOOLEAN",
        }
        projection = ", ".join(
            f"CAST({select[c]} AS {casts[dtype]}) AS {c}" for c, dtype in MEMBER_DTYPES.items()
        )
        convert_sql = (
            f"SELECT {projection}, {snapshot_value} AS snapshot_date, ({' OR '.join(bad)}) AS bad "
            f"FROM {reader} WHERE NOT ({blank})"
        )
        # Streamed in batches: the raw text of a batch is stripped and converted, then dropped,
        # so at 10 million rows only the typed result is held whole (one copy, in Arrow).
        converter = con.cursor()  # a second connection: the first one is busy streaming
        parts: list[pa.Table] = []
        try:
            batches = con.sql(source_sql).to_arrow_reader(BATCH_ROWS)
            for batch in batches:
                stripped = pa.table({c: _stripped_column(pa.chunked_array([batch.column(c)])) for c in raw})
                converter.register("stripped", stripped)
                parts.append(converter.sql(convert_sql).to_arrow_table())
                converter.unregister("stripped")
                del stripped, batch
        finally:
            converter.close()
        if not parts:
            return None
        everything = pa.concat_tables(parts)
        del parts
        con.register("everything", everything)
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE bad), count(DISTINCT (snapshot_date, member_key)), "
            "count(DISTINCT snapshot_date), count(*) FILTER (WHERE snapshot_date IS NULL) FROM everything"
        ).fetchall()[0]  # fetchall: DuckDB 2 refuses more work while a result is unfinished
        rows, bad_rows, distinct, dates, undated = (int(v) for v in row)
        if rows == 0 or bad_rows or distinct != rows:
            # No rows, a field to reject, or a member twice: the careful reader reports or
            # dedupes them in file order.
            return None
        if undated and dates:
            # Rows dated by the column and rows left undated may land on one day: rare, and the
            # careful reader merges them in file order.
            return None
        members = everything.drop_columns(["bad", "snapshot_date"])
        lists: list[tuple[object, pa.Table]] = []
        if dates <= 1:
            day = everything.column("snapshot_date")[0].as_py()
            lists.append((day, members))
        else:
            days = [d for (d,) in con.execute("SELECT DISTINCT snapshot_date FROM everything ORDER BY 1").fetchall()]
            for day in days:
                lists.append((day, con.sql(
                    "SELECT * EXCLUDE (snapshot_date, bad) FROM everything WHERE snapshot_date = $d", params={"d": day}
                ).to_arrow_table()))
        con.unregister("everything")
        del everything
        notes = [] if delimiter == "," else [f"read as {_DELIMITER_NAMES[delimiter]}-separated"]
        return build(lists, rows, notes)
    finally:
        con.close()
