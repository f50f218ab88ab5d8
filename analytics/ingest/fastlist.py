"""The fast path for Palier's generic follower-list CSV: DuckDB reads and checks it, in SQL.

The careful reader (`generic.parse_list`: Python's csv module, a function call per field) takes
minutes on a list of millions. Here DuckDB's `read_csv` reads the file as text columns
(explicit VARCHAR columns, strict RFC 4180 quoting, no sniffing) and one SQL pass converts each
field with the same rules as `analytics.ingest.values` (TRY_CAST behind regular expressions
that accept exactly what the Python parsers accept).

A file on disk (the command line, a spooled upload) is not even read here: the parser hands the
loader a `CsvMembers`, the SQL that reads it, and the loader runs it inside the import's own
transaction, straight into the store (no copy of a million rows through Python or Arrow). Files
in memory (zip members, collected pages) are read here into an Arrow table.

The fast path never reports an error itself. Whenever it meets anything it cannot vouch for (a
field that does not convert, a short or long row, an encoding other than plain UTF-8, a NUL
byte, a duplicate member, a handle whose lower case DuckDB and Python might spell differently),
it returns None and the careful reader parses the file: bad input keeps its message naming the
file, the line, the field, what was expected and what was found. So the two paths agree by
construction on everything the fast one accepts, and `tests/test_fastlist.py` checks that they
give the same store.
"""

from __future__ import annotations

import codecs
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from analytics.i18n import _
from analytics.ingest.csvread import (
    MAX_FIELD_CHARS,
    CsvTable,
    duplicate_columns,
    first_line,
    sniff_delimiter,
    split_header,
)
from analytics.ingest.model import MEMBER_DTYPES, SourceFile
from analytics.ingest.values import EARLIEST_DAY, latest_plausible_day

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from analytics.ingest.model import Parsed

log = logging.getLogger("palier.ingest")

# Below this size the careful reader is fast enough, and uploads need no temporary file.
FAST_MIN_BYTES = 256 * 1024

# Python's str.strip() removes every character for which isspace() is true; DuckDB's trim()
# removes the characters it is given. Written out rather than found by testing all 1,114,112
# code points on every start (75 ms of each `python -m analytics import`);
# tests/test_fastlist.py checks it against this Python's isspace().
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_TRUE = ("true", "yes", "y", "1", "t", "x", "vrai", "oui")
_FALSE = ("false", "no", "n", "0", "f", "", "faux", "non")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# RE2 knows only ASCII whitespace as \s: the class spells out every character Python strips.
_WS_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


def _strip_sql(raw: str) -> str:
    """Python's `raw.strip()`. The regular expression settles nearly every field at the cost of
    looking at its two ends; trim() with the whole whitespace set is slow, so it runs only on
    the few fields that need it."""
    edges = _q('^' + _WS_CLASS + '|' + _WS_CLASS + '$')
    return f"(CASE WHEN regexp_matches({raw}, {edges}) THEN trim({raw}, {_q(WHITESPACE)}) ELSE {raw} END)"


def _not_blank(text: str, blanks: tuple[str, ...]) -> str:
    # Comparisons, not IN: DuckDB plans an IN list as a join, even in a branch that rarely runs.
    return "(" + " AND ".join(f"{text} <> {_q(b)}" for b in blanks) + ")"


def _int_sql(raw: str, text: str) -> tuple[str, tuple[str, ...]]:
    """(value, blanks) SQL for `values.parse_int`: blank and '-' are missing. `raw` is the field
    as read, `text` the stripped field. The first branch (a plain integer that prints back as
    itself, so it has no whitespace to strip) takes nearly every field; the others run on the
    stripped text."""
    cleaned = f"replace(replace(replace({text}, chr(8239), ''), chr(160), ''), ' ', '')"
    value = f"""(CASE
        WHEN CAST(TRY_CAST({raw} AS BIGINT) AS VARCHAR) = {raw} THEN TRY_CAST({raw} AS BIGINT)
        WHEN {text} = '' OR {text} = '-' THEN NULL
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]+') THEN TRY_CAST({cleaned} AS BIGINT)
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]{{1,3}}(,[0-9]{{3}})+') THEN TRY_CAST(replace({cleaned}, ',', '') AS BIGINT)
        WHEN regexp_full_match({cleaned}, '[+-]?[0-9]+[.]0*') THEN TRY_CAST(split_part({cleaned}, '.', 1) AS BIGINT)
    END)"""
    return value, ("", "-")


_ISO = "%Y-%m-%dT%H:%M:%SZ"


def _moment_sql(raw: str, text: str) -> tuple[str, tuple[str, ...]]:
    """(value, blanks) for the list's `moment`: a 10-character date, else an ISO date and time.
    Time zone offsets other than Z go to the careful reader (it converts them to UTC). The
    first branches take the canonical spellings, which print back as themselves."""
    value = f"""(CASE
        WHEN {raw} = '' THEN NULL
        WHEN length({raw}) = 20 AND strftime(try_strptime({raw}, '{_ISO}'), '{_ISO}') = {raw}
            THEN try_strptime({raw}, '{_ISO}')
        WHEN length({raw}) = 10 AND CAST(TRY_CAST({raw} AS DATE) AS VARCHAR) = {raw}
            THEN CAST(TRY_CAST({raw} AS DATE) AS TIMESTAMP)
        WHEN {text} = '' THEN NULL
        WHEN length({text}) = 10 AND regexp_full_match({text}, '[0-9]{{4}}[-/][0-9]{{2}}[-/][0-9]{{2}}')
             AND substr({text}, 5, 1) = substr({text}, 8, 1)
            THEN CAST(TRY_CAST(replace({text}, '/', '-') AS DATE) AS TIMESTAMP)
        WHEN length({text}) <> 10
             AND regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}([.][0-9]{{1,6}})?Z?')
            THEN TRY_CAST(rtrim(replace({text}, 'T', ' '), 'Z') AS TIMESTAMP)
    END)"""
    return value, ("",)


def _day_sql(raw: str, text: str) -> tuple[str, tuple[str, ...]]:
    """(value, blanks) for `generic._parse_day` (the snapshot_date column)."""
    value = f"""(CASE
        WHEN {text} = '' THEN NULL
        WHEN regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN TRY_CAST({text} AS DATE)
        WHEN regexp_full_match({text}, '[0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}}') THEN TRY_CAST(replace({text}, '/', '-') AS DATE)
        WHEN regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}[T ][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}Z?')
            THEN CAST(TRY_CAST(rtrim(replace({text}, 'T', ' '), 'Z') AS TIMESTAMP) AS DATE)
    END)"""
    return value, ("",)


def _flag_sql(raw: str, text: str) -> tuple[str, tuple[str, ...]]:
    lowered = f"lower({text})"
    value = (
        f"(CASE {raw} WHEN 'false' THEN false WHEN 'true' THEN true WHEN '' THEN NULL ELSE CASE "
        f"{' '.join(f'WHEN {lowered} = {_q(v)} THEN {v in _TRUE}' for v in _TRUE + _FALSE)} END END)"
    )
    return value, ("",)


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
        # Incremental, not final: the prefix ends wherever its 8 KB end, maybe inside a
        # character, and only a sequence that cannot be UTF-8 must send the file to the careful
        # reader. (Cutting a fixed 4 bytes off instead split the character before the cut on one
        # daily list in eleven, and a million followers then took 85 s instead of 1.8 s.)
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=False)
    except UnicodeDecodeError:
        return False
    line = first_line(source.head)
    # A header that spans lines or starts blank is rare: the careful reader handles it.
    return bool(line.strip()) and line.count('"') % 2 == 0 and not source.has_nul


# Where a ListQuery's template takes the relation of raw text columns it converts.
RAW_ROWS = "__palier_raw_rows__"


@dataclass(frozen=True)
class ListQuery:
    """The SQL that reads, checks and types a generic list file: one row per non-blank line, the
    MEMBER_DTYPES columns, `snapshot_date` and `bad` (a field the careful reader would refuse)."""

    sql: str
    dated: bool  # whether the file has a snapshot_date column (its rows then give their dates)
    notes: tuple[str, ...]
    # The same conversion from any relation of the raw text columns c0, c1, ... (see `convert`),
    # the `read_csv` that gives them from the file, and which raw column holds each canonical one.
    reader: str = ""
    template: str = ""
    columns: tuple[tuple[str, int], ...] = ()
    width: int = 0  # raw columns (the header's)

    def convert(self, raw_rows: str) -> str:
        """The typed, checked rows of `raw_rows` (SQL for a relation of columns c0, c1, ...), as
        `sql` gives them from the file."""
        return self.template.replace(RAW_ROWS, raw_rows)

    def raw(self, canonical: str) -> str | None:
        """The raw column (`c3`) holding a canonical column, None when the file has none."""
        return next((f"c{index}" for name, index in self.columns if name == canonical), None)


@dataclass
class CsvMembers:
    """A follower list still on disk, read by the loader straight into the store.

    At millions of rows, reading the file into Python (even as Arrow) and then writing it to the
    store costs more than DuckDB reading it once, in the import's own transaction. The loader
    runs `query.sql` there; when the result holds anything the fast path cannot vouch for (a bad
    field, a member twice), it calls `careful()`, the careful reader's members, which names the
    bad line or dedupes in file order. The file must stay where it is until the import is done.
    """

    name: str
    path: Path
    query: ListQuery
    careful: Callable[[], Parsed]

    def materialize(self) -> pa.Table | pd.DataFrame:
        """The members in memory, for the rare merge of several lists into one snapshot."""
        con = _connect()
        try:
            checked = _checked(con, self.query.sql)
            if checked is not None:
                return checked[0].drop_columns(["bad", "snapshot_date"])
        finally:
            con.close()
        return self.careful().lists[0].members


class CarefulReadNeeded(Exception):
    """Raised by the loader, inside the import's transaction (which then rolls back), when a list
    read straight into the store holds what only the careful reader can judge."""

    def __init__(self, members: CsvMembers) -> None:
        super().__init__(members.name)
        self.members = members


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(f"SET threads TO {max(1, os.cpu_count() or 1)}")
    con.execute("SET enable_progress_bar = false")  # the command line prints its own lines
    return con


def parse(
    source: SourceFile,
    columns: dict[str, tuple[str, ...]],
    build: Callable[[list[tuple[object, pa.Table | CsvMembers]], int | None, list[str]], object],
    careful: Callable[[], object] | None = None,
) -> object | None:
    """Read a generic follower list with DuckDB; None when the careful reader must do it.

    `columns` maps canonical names to accepted header spellings (generic.LIST_COLUMNS); `build`
    turns [(snapshot date or None, members)], the row count (None: counted when loaded) and the
    notes into a Parsed. A file on disk without a snapshot_date column is not read here at all
    when `careful` is given: its members are a `CsvMembers` the loader reads into the store.
    """
    if not applies(source):
        return None
    line = first_line(source.head)
    delimiter = sniff_delimiter(line)
    header = [cell.strip().lstrip("\ufeff") for cell in split_header(source.head)]
    table = CsvTable(source.name, header, [], [])
    cols = {name: table.column(*names) for name, names in columns.items()}
    if cols["handle"] is None or len(header) < 1 or duplicate_columns(header):
        return None  # the careful reader refuses a repeated column with its name
    if careful is not None and source.path is not None and not source.loaded and cols.get("snapshot_date") is None:
        query = list_query(source.path, header, delimiter, cols)
        deferred = CsvMembers(source.name, source.path, query, careful)  # type: ignore[arg-type]
        return build([(None, deferred)], None, list(query.notes))
    import pyarrow as pa  # here, not above: a list left on disk (a daily import) never loads Arrow

    try:
        with _readable_path(source) as path:
            return _read(list_query(path, header, delimiter, cols), build)
    except (duckdb.Error, pa.ArrowException, OSError) as exc:
        # Quoting DuckDB will not read, a short or long row, bytes that are not UTF-8: the
        # careful reader finds the line and says what is wrong with it.
        log.info("fast path declined %s: %s", source.name, str(exc).splitlines()[0])
        return None


def list_query(path: Path, header: list[str], delimiter: str, cols: dict[str, int | None]) -> ListQuery:
    """Three levels, so that each expression is computed once: the fields as read (a missing
    field reads as '', as Python's csv gives it), then the typed values, then the `bad` flag
    from the values (a missing value is bad only where the stripped field is not blank)."""
    raw = [f"c{i}" for i in range(len(header))]
    spec = "{" + ", ".join(f"{_q(c)}: 'VARCHAR'" for c in raw) + "}"
    reader = (
        f"read_csv({_q(str(path))}, header = false, skip = 1, columns = {spec}, delim = {_q(delimiter)}, "
        f"quote = '\"', escape = '\"', strict_mode = true, auto_detect = false, "
        f"max_line_size = {MAX_FIELD_CHARS}, ignore_errors = false, encoding = 'utf-8')"
    )

    def col(canonical: str) -> str | None:
        index = cols.get(canonical)
        return None if index is None else raw[index]

    handle_raw = col("handle")
    assert handle_raw is not None
    fields = ", ".join(f"coalesce({c}, '') AS {c}" for c in raw)
    # A row is blank when every stripped field is: the handle settles nearly every row.
    blank = (
        f"(CASE WHEN {handle_raw} <> '' AND s <> '' THEN false ELSE "
        + " AND ".join(f"{_strip_sql(c)} = ''" for c in raw)
        + " END)"
    )
    handle = "(CASE WHEN prefix(s, '@') THEN ltrim(s, '@') ELSE s END)"
    id_col = col("id")
    platform_id = f"nullif({_strip_sql(id_col)}, '')" if id_col else "CAST(NULL AS VARCHAR)"
    typed: dict[str, str] = {
        "platform_id": "platform_id",
        "handle": handle,
    }
    for text_column in ("name", "bio", "location"):
        raw_name = col(text_column)
        typed[text_column] = _strip_sql(raw_name) if raw_name else "CAST(NULL AS VARCHAR)"
    converters = {
        "followers_count": _int_sql, "following_count": _int_sql, "posts_count": _int_sql,
        "created_at": _moment_sql, "last_post_at": _moment_sql,
        "default_avatar": _flag_sql, "verified": _flag_sql,
    }
    bad: list[str] = [
        "handle = ''",
        # Python's lower() and DuckDB's may differ beyond ASCII: such keys take the careful path.
        "(CASE WHEN platform_id IS NULL THEN NOT regexp_full_match(handle, '[\\x00-\\x7F]*') ELSE false END)",
    ]
    checked = [c for c in converters if col(c) is not None]
    for canonical, convert in converters.items():
        raw_name = col(canonical)
        if raw_name is None:
            typed[canonical] = "NULL"
            continue
        value, blanks = convert(raw_name, _strip_sql(raw_name))
        typed[canonical] = value
        bad.append(f"(CASE WHEN {canonical} IS NOT NULL THEN false ELSE {_not_blank(_strip_sql(raw_name), blanks)} END)")
        if convert is _int_sql:
            # A negative count: the careful reader refuses it with its line (values.check_count).
            bad.append(f"coalesce({canonical} < 0, false)")
    snapshot_raw = col("snapshot_date")
    typed["snapshot_date"] = "CAST(NULL AS DATE)"
    if snapshot_raw:
        value, blanks = _day_sql(snapshot_raw, _strip_sql(snapshot_raw))
        typed["snapshot_date"] = value
        bad.append(f"(CASE WHEN snapshot_date IS NOT NULL THEN false ELSE {_not_blank(_strip_sql(snapshot_raw), blanks)} END)")
        # A date no network could have written: the careful reader names it (values.plausible_day).
        bad.append(
            f"coalesce(snapshot_date < DATE '{EARLIEST_DAY.isoformat()}'"
            f" OR snapshot_date > DATE '{latest_plausible_day().isoformat()}', false)"
        )
    typed["followed_at"] = "NULL"
    typed["profile_url"] = "NULL"
    casts = {"string": "VARCHAR", "Int64": "BIGINT", "datetime64[us]": "TIMESTAMP", "boolean": "BOOLEAN"}
    types = {c: casts[dtype] for c, dtype in MEMBER_DTYPES.items()} | {"snapshot_date": "DATE"}
    typed_sql = ", ".join(f"CAST({typed[c]} AS {types[c]}) AS {c}" for c in typed) + ", " + ", ".join(
        raw[cols[c]] for c in dict.fromkeys(checked + (["snapshot_date"] if snapshot_raw else []))  # type: ignore[index]
    )
    columns = ", ".join(
        ["coalesce(platform_id, lower(handle)) AS member_key"] + [c for c in MEMBER_DTYPES if c != "member_key"]
    )
    template = (
        f"SELECT {columns}, snapshot_date, ({' OR '.join(bad)}) AS bad FROM ("  # noqa: S608 - the interpolated parts are constants or quoted names
        f"SELECT {typed_sql} FROM ("
        f"SELECT *, {platform_id} AS platform_id, {_strip_sql(handle_raw)} AS s FROM (SELECT {fields} FROM {RAW_ROWS})"
        f") WHERE NOT {blank})"
    )
    notes = () if delimiter == "," else (_("read as {delimiter}-separated").format(delimiter=_(_DELIMITER_NAMES[delimiter])),)
    mapped = tuple((name, index) for name, index in cols.items() if index is not None)
    return ListQuery(template.replace(RAW_ROWS, reader), snapshot_raw is not None, notes, reader, template, mapped, len(raw))


# Members twice are found by counting the distinct hashes of (date, key): 8-byte values hash and
# group faster than the keys' text (0.085 s against 0.11 s at a million). Two members whose hashes
# collide only send the file to the careful reader, which finds no duplicate and reads it whole.
CHECK_SQL = (
    "SELECT count(*), count(*) FILTER (WHERE bad), count(DISTINCT hash(snapshot_date, member_key)), "
    "count(DISTINCT snapshot_date), count(*) FILTER (WHERE snapshot_date IS NULL) FROM {table}"
)


def problems(con: duckdb.DuckDBPyConnection, table: str, allow_empty: bool = False) -> tuple[int, bool]:
    """(rows, whether the careful reader must read the file instead) for a table of list rows:
    no rows (unless `allow_empty`: the rows of a list that are not all of it), a field to reject
    or a member twice (the careful reader reports or dedupes them in file order), or rows dated
    by the column mixed with undated rows (which may land on one day: rare, and the careful
    reader merges them in file order)."""
    row = con.execute(CHECK_SQL.format(table=table)).fetchall()[0]  # fetchall: DuckDB 2 refuses more work while a result is unfinished
    rows, bad_rows, distinct, dates, undated = (int(v) for v in row)
    return rows, (rows == 0 and not allow_empty) or bad_rows > 0 or distinct != rows or bool(undated and dates)


def _checked(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[pa.Table, int] | None:
    everything = con.sql(sql).to_arrow_table()
    con.register("everything", everything)
    try:
        rows, declined = problems(con, "everything")
    finally:
        con.unregister("everything")
    return None if declined else (everything, rows)


def _read(
    query: ListQuery,
    build: Callable[[list[tuple[object, pa.Table | CsvMembers]], int | None, list[str]], object],
) -> object | None:
    con = _connect()
    try:
        checked = _checked(con, query.sql)
        if checked is None:
            return None
        everything, rows = checked
        lists: list[tuple[object, pa.Table | CsvMembers]] = []
        con.register("everything", everything)
        days = [d for (d,) in con.execute("SELECT DISTINCT snapshot_date FROM everything ORDER BY 1").fetchall()]
        if len(days) <= 1:
            lists.append((days[0] if days else None, everything.drop_columns(["bad", "snapshot_date"])))
        else:
            for day in days:
                lists.append((day, con.sql(
                    "SELECT * EXCLUDE (snapshot_date, bad) FROM everything WHERE snapshot_date = $d", params={"d": day}
                ).to_arrow_table()))
        con.unregister("everything")
        return build(lists, rows, list(query.notes))
    finally:
        con.close()
