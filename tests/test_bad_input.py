"""Bad input: every broken file fails with a message naming the file, the place, what was
expected and what was found, and writes nothing at all (every table compared before and after).
Files that are merely unusual (semicolons, BOMs, UTF-16, Windows-1252) are accepted and read right.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import struct
import zipfile
from pathlib import Path

import pytest

from analytics.errors import BadExportError
from analytics.ingest import registry
from analytics.ingest.bundle import zip_members
from analytics.ingest.model import SourceFile
from analytics.ingest.service import Outcome
from analytics.store import Store
from tests.conftest import SEED_COUNTS, SEED_DAY, SEED_LIST, import_bytes
from tests.storedump import dump

# The rows of the `seeded` fixture (tests/conftest.py).
DAY, COUNTS, LIST = SEED_DAY, SEED_COUNTS, SEED_LIST


def fails(store: Store, files: dict[str, bytes], *fragments: str, **options: object) -> Outcome:
    """Import `files` (one upload), assert it fails with all `fragments` in the message, and that
    not a single row of any table changed."""
    before = dump(store)
    outcomes = import_bytes(store, files, **options)  # type: ignore[arg-type]
    assert len(outcomes) == 1, outcomes
    outcome = outcomes[0]
    assert outcome.status == "failed", outcome
    assert outcome.error
    for fragment in fragments:
        assert fragment in outcome.error, f"{fragment!r} not in {outcome.error!r}"
    assert outcome.name in outcome.line()
    assert dump(store) == before
    return outcome


def imported(store: Store, files: dict[str, bytes], account: str = "me", **options: object) -> Outcome:
    outcomes = import_bytes(store, files, account=account, **options)  # type: ignore[arg-type]
    assert len(outcomes) == 1 and outcomes[0].status == "imported", outcomes
    return outcomes[0]


def daily(store: Store, account: str) -> list[tuple[dt.date, str, int]]:
    cursor = store.cursor()
    try:
        return cursor.execute(
            "SELECT day, metric, value FROM daily_latest JOIN accounts USING (account_id) "
            "WHERE name = ? ORDER BY day, metric",
            [account],
        ).fetchall()
    finally:
        cursor.close()


def profiles(store: Store, account: str) -> list[tuple[str, str | None, str | None, int | None]]:
    cursor = store.cursor()
    try:
        return cursor.execute(
            "SELECT p.member_key, p.handle, p.name, p.followers_count FROM profiles p JOIN accounts a USING (account_id) "
            "WHERE a.name = ? ORDER BY p.member_key",
            [account],
        ).fetchall()
    finally:
        cursor.close()


EXPECTED_COUNTS = [
    (dt.date(2026, 3, 1), "followers", 100),
    (dt.date(2026, 3, 1), "following", 50),
    (dt.date(2026, 3, 2), "followers", 104),
    (dt.date(2026, 3, 2), "following", 51),
]


# --- empty and header-only -------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(seeded: Store, data: bytes) -> None:
    fails(seeded, {"empty.csv": data}, "empty.csv", "expected an export with data", "empty file")


@pytest.mark.parametrize("header", [b"date,followers\n", b"handle,name\r\n", b"date,followers"])
def test_header_only(seeded: Store, header: bytes) -> None:
    fails(seeded, {"header.csv": header}, "header.csv", "line 1", "at least one", "found no data rows")


# --- format detection and delimiters ---------------------------------------------------------


def test_unknown_format_names_the_header_seen_and_what_to_do(seeded: Store) -> None:
    # Issue #20: short, with the way out; no longer the list of every format (the Import page has it).
    outcome = fails(
        seeded, {"mystery.csv": b"colour,size\nred,3\n"}, "mystery.csv", "format", "'colour', 'size'",
        "Upload the file as the platform exported it", "a date column and a followers column",
    )
    assert outcome.error is not None
    assert not any(export_format.label in outcome.error for export_format in registry.FORMATS)
    assert len(outcome.error.split()) < 60


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_read_correctly(store: Store, delimiter: str) -> None:
    counts = COUNTS.decode().replace(",", delimiter).encode()
    outcome = imported(store, {"counts.csv": counts})
    assert any("separated" in note for note in outcome.notes)
    assert daily(store, "me") == EXPECTED_COUNTS

    rows = "handle;name;followers\nalice;Smith, Alice;1,234\nbob;Bob;20\n".replace(";", delimiter)
    imported(store, {"list.csv": rows.encode()}, account="lists", snapshot_date=DAY)
    # The comma inside a field is data when the file is not comma-separated.
    assert profiles(store, "lists") == [("alice", "alice", "Smith, Alice", 1234), ("bob", "bob", "Bob", 20)]


def test_header_matching_in_no_delimiter_is_an_unknown_format(seeded: Store) -> None:
    fails(
        seeded,
        {"colons.csv": b"date:followers\n2026-03-01:100\n"},
        "colons.csv",
        "expected one of the supported exports",
        "found the header 'date:followers'",
    )


# --- encodings --------------------------------------------------------------------------------


def test_utf8_bom_gives_the_same_result_as_without(store: Store) -> None:
    imported(store, {"plain.csv": COUNTS}, account="plain")
    outcome = imported(store, {"bom.csv": codecs.BOM_UTF8 + COUNTS}, account="bom")
    assert any("byte order mark" in note for note in outcome.notes)
    assert daily(store, "bom") == daily(store, "plain") == EXPECTED_COUNTS

    # The BOM sits in front of the first header name: it must not hide the `handle` column.
    text = "handle,name\nzoé,Zoé\n".encode()
    imported(store, {"plain-list.csv": text}, account="plain-list", snapshot_date=DAY)
    imported(store, {"bom-list.csv": codecs.BOM_UTF8 + text}, account="bom-list", snapshot_date=DAY)
    assert profiles(store, "bom-list") == profiles(store, "plain-list") == [("zoé", "zoé", "Zoé", None)]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_accepted(store: Store, codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec]
    outcome = imported(store, {"counts.csv": bom + COUNTS.decode().encode(codec)})
    assert any("UTF-16" in note for note in outcome.notes)
    assert daily(store, "me") == EXPECTED_COUNTS

    # Excel's "Unicode text" is UTF-16 and tab-separated.
    text = "handle\tname\njose\tJosé Müller\nzoe\tZoë – “quoted”\n"
    imported(store, {"list.txt": bom + text.encode(codec)}, account="list", snapshot_date=DAY)
    assert profiles(store, "list") == [("jose", "jose", "José Müller", None), ("zoe", "zoe", "Zoë – “quoted”", None)]


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_latin1_and_windows_1252_are_accepted_with_a_note(store: Store, codec: str) -> None:
    names = ["José Müller", "Zoë Ångström", "François Œuvre’s" if codec == "cp1252" else "Façade"]
    text = "handle,name\n" + "".join(f"u{i},{name}\n" for i, name in enumerate(names))
    outcome = imported(store, {"list.csv": text.encode(codec)}, snapshot_date=DAY)
    assert any("Windows-1252" in note or "Latin-1" in note for note in outcome.notes), outcome.notes
    assert [row[2] for row in profiles(store, "me")] == names


def test_invalid_utf8_names_the_line(seeded: Store) -> None:
    # Real UTF-8 accents first, so the file is certainly UTF-8; then a byte no encoding explains.
    data = "handle,name\njose,José\nzoe,Zoë\n".encode() + b"bad,caf\xe9 \xff\nlast,Last\n"
    fails(seeded, {"mixed.csv": data}, "mixed.csv", "line 4", "expected valid UTF-8 text", "e9 20 ff")


# --- CSV structure ----------------------------------------------------------------------------


def test_ragged_row_names_its_line(seeded: Store) -> None:
    data = b"date,followers\n2026-03-01,100\n\n2026-03-02,101\n2026-03-03,102,7\n2026-03-04,103\n"
    fails(seeded, {"ragged.csv": data}, "ragged.csv", "line 5", "expected 2 fields like the header on line 1", "found 3 fields")


def test_ragged_row_after_a_multiline_field_names_its_physical_line(seeded: Store) -> None:
    data = b'handle,name,followers\nalice,"Alice\nsecond line",10\nbob,Bob,20,extra\n'
    fails(seeded, {"ragged.csv": data}, "ragged.csv", "line 4", "found 4 fields", snapshot_date=DAY)


def test_unterminated_quote_names_the_line_where_it_opens(seeded: Store) -> None:
    data = b'handle,name\nalice,Alice\nbob,"Bob\ncarol,Carol\ndave,Dave\n'
    fails(seeded, {"quote.csv": data}, "quote.csv", "line 3", "closed", "never closed", snapshot_date=DAY)


def test_nul_bytes_name_the_line(seeded: Store) -> None:
    data = b"handle,name\nalice,Alice\nbob,B\x00b\n"
    fails(seeded, {"nul.csv": data}, "nul.csv", "line 3", "expected text", "NUL byte")


@pytest.mark.parametrize("quoted", [False, True])
def test_ten_megabyte_field(seeded: Store, quoted: bool) -> None:
    field = b"x" * (10 * 1024 * 1024)
    if quoted:
        field = b'"' + field + b'"'
    data = b"handle,name\nalice,Alice\nbob," + field + b"\ncarol,Carol\n"
    fails(seeded, {"huge.csv": data}, "huge.csv", "line 3", "expected fields shorter than", "longer field", snapshot_date=DAY)


# --- values -----------------------------------------------------------------------------------


def test_bad_number_names_line_and_field(seeded: Store) -> None:
    data = b"date,followers\n2026-03-01,100\n2026-03-02,1O4\n"
    fails(seeded, {"counts.csv": data}, "counts.csv", "line 3, field 'followers'", "expected a whole number", "found '1O4'")


def test_bad_date_names_line_and_field(seeded: Store) -> None:
    data = b"date,followers\n2026-03-01,100\n2026-02-30,104\n"
    fails(seeded, {"counts.csv": data}, "counts.csv", "line 3, field 'date'", "expected a date like '2026-03-02'", "found '2026-02-30'")


def test_negative_count_names_line_and_field(seeded: Store) -> None:
    data = b"date,followers\n2026-03-01,100\n2026-03-02,-4\n"
    fails(seeded, {"counts.csv": data}, "counts.csv", "line 3, field 'followers'", "a count of 0 or more", "found -4")


def test_number_too_large_for_the_store(seeded: Store) -> None:
    data = b"date,followers\n2026-03-01,100\n2026-03-02,99999999999999999999\n"
    fails(seeded, {"counts.csv": data}, "counts.csv", "line 3, field 'followers'", "a whole number below", "found '99999999999999999999'")


def test_one_bad_file_does_not_stop_the_others(store: Store) -> None:
    outcomes = import_bytes(store, {"bad.csv": b"date,followers\n2026-03-01,1e99\n", "good.csv": COUNTS})
    assert {o.name: o.status for o in outcomes} == {"bad.csv": "failed", "good.csv": "imported"}
    assert daily(store, "me") == EXPECTED_COUNTS


def test_bare_cr_line_endings_are_read(store: Store) -> None:
    # Excel for Mac's older "CSV (Macintosh)".
    imported(store, {"counts.csv": COUNTS.replace(b"\n", b"\r")})
    assert daily(store, "me") == EXPECTED_COUNTS
    imported(store, {"list.csv": LIST.replace("\n", "\r").encode()}, account="list", snapshot_date=DAY)
    assert [row[0] for row in profiles(store, "list")] == ["alice", "bob"]


def test_bare_cr_line_numbers(seeded: Store) -> None:
    ragged = b"date,followers\r2026-03-01,100\r2026-03-02,101,9\r"
    fails(seeded, {"ragged.csv": ragged}, "ragged.csv", "line 3", "found 3 fields")
    nul = b"handle,name\ralice,Alice\rbob,B\x00b\r"
    fails(seeded, {"nul.csv": nul}, "nul.csv", "line 3", "NUL byte")


# --- zips -------------------------------------------------------------------------------------


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


def declare_size(archive: bytes, size: int) -> bytes:
    """Rewrite the uncompressed size of a one-member zip, in the local and central headers."""
    data = bytearray(archive)
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, size)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


# A member path that a platform format reads (Instagram's archive layout): the zip checks only
# matter for members Palier actually decompresses.
MEMBER = "connections/followers_and_following/followers_1.json"


def instagram_followers(count: int) -> bytes:
    entry = '{"title": "", "media_list_data": [], "string_list_data": [{"href": "https://www.instagram.com/u%d", "value": "u%d", "timestamp": 1771320600}]}'
    return ("[\n" + ",\n".join(entry % (i, i) for i in range(count)) + "\n]").encode()


def test_member_path_is_one_a_format_reads() -> None:
    assert registry.wanted_in_bundle(MEMBER)
    assert import_bytes  # the zip tests below would prove nothing if the member were skipped


def test_zip_bomb_is_refused_before_decompression(seeded: Store) -> None:
    bomb = make_zip({MEMBER: b"[" + b" " * (32 * 1024 * 1024) + b"]"})
    assert len(bomb) < 100_000
    fails(seeded, {"bomb.zip": bomb}, "bomb.zip", f"member {MEMBER!r}", "compression ratio under 200", "zip bomb")


@pytest.mark.parametrize("declared", [10, 1000])
def test_zip_member_lying_about_its_size(seeded: Store, declared: int) -> None:
    # 32 MB declared as a few bytes: the ratio check passes on the declared size, so the read
    # itself must stop at what the header declares and see the forgery.
    liar = declare_size(make_zip({MEMBER: b"[" + b" " * (32 * 1024 * 1024) + b"]"}), declared)
    fails(seeded, {"liar.zip": liar}, "liar.zip", f"member {MEMBER!r}", "damaged")


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_zip_member_declaring_more_than_it_holds(seeded: Store, method: int) -> None:
    content = instagram_followers(3)
    liar = declare_size(make_zip({MEMBER: content}, method), len(content) + 5000)
    fails(seeded, {"short.zip": liar}, "short.zip", f"member {MEMBER!r}", "declares", "forged or damaged")


def test_honest_zip_of_the_same_member_imports(store: Store) -> None:
    outcome = imported(store, {"honest.zip": make_zip({MEMBER: instagram_followers(3)})}, snapshot_date=DAY)
    assert outcome.rows == 3


def test_zip_reader_never_returns_more_than_declared() -> None:
    liar = declare_size(make_zip({"a.csv": b"handle\n" + b"a\n" * 1_000_000}), 100)
    with pytest.raises(BadExportError) as caught:
        zip_members(SourceFile("liar.zip", liar), lambda _: True)
    assert caught.value.file == "liar.zip" and caught.value.where == "member 'a.csv'"


@pytest.mark.parametrize(
    "member", ["../evil.csv", "data/../../evil.csv", "..\\evil.csv", "/etc/evil.csv", "C:/evil.csv", "\\evil.csv"]
)
def test_zip_member_escaping_the_archive_is_refused(seeded: Store, member: str) -> None:
    archive = make_zip({MEMBER: instagram_followers(2), member: instagram_followers(2)})
    fails(seeded, {"slip.zip": archive}, "slip.zip", f"member {member!r}", "paths that stay inside the archive", "escapes")


def test_damaged_zip(seeded: Store) -> None:
    archive = make_zip({MEMBER: instagram_followers(50)})
    fails(seeded, {"broken.zip": archive[: len(archive) // 2]}, "broken.zip", "a readable zip archive", "damaged zip")


# --- platforms --------------------------------------------------------------------------------


def test_file_of_another_platform_than_the_account(seeded: Store) -> None:
    imported(seeded, {"x.csv": COUNTS}, account="on-x", platform="x")
    outcome = fails(
        seeded,
        {"insta.csv": b"date,followers\n2026-03-03,110\n"},
        "'on-x'",
        "X (Twitter)",
        "Instagram",
        account="on-x",
        platform="instagram",
    )
    assert outcome.line().startswith("insta.csv: FAILED:")


def test_instagram_file_into_an_x_account(seeded: Store, fixtures: Path) -> None:
    imported(seeded, {"x.csv": COUNTS}, account="on-x", platform="x")
    data = (fixtures / "instagram" / "followers_1.json").read_bytes()
    fails(seeded, {"followers_1.json": data}, "followers_1.json", "platform", "X (Twitter) export for account 'on-x'", "found an Instagram export", account="on-x")
    # Without an account of that name, the file's platform makes the account.
    imported(seeded, {"followers_1.json": data}, account="on-ig")
    cursor = seeded.cursor()
    assert cursor.execute("SELECT platform FROM accounts WHERE name = 'on-ig'").fetchone() == ("instagram",)


def test_instagram_zip_into_a_linkedin_account(seeded: Store, fixtures: Path) -> None:
    imported(seeded, {"x.csv": COUNTS}, account="pro", platform="linkedin")
    archive = fixtures / "instagram" / "instagram-jdoe-2026-02-18-AbCdEfGh.zip"
    fails(seeded, {archive.name: archive.read_bytes()}, archive.name, "LinkedIn export for account 'pro'", account="pro")


# --- truncated JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95, 0.99])
def test_truncated_json_names_the_line(seeded: Store, fixtures: Path, fraction: float) -> None:
    data = (fixtures / "instagram" / "followers_1.json").read_bytes()
    cut = data[: int(len(data) * fraction)]
    line = cut.count(b"\n") + 1
    fails(seeded, {"followers_1.json": cut}, "followers_1.json", f"line {line}", "expected complete JSON", snapshot_date=DAY)


@pytest.mark.parametrize(
    "fixture",
    ["bluesky/getFollowers-1.json", "bluesky/getProfile.json", "mastodon/followers-page1.json",
     "mastodon/account.json", "socialblade/socialblade-jdoe.json", "instagram/following.json"],
)
def test_truncated_json_of_every_json_format(seeded: Store, fixtures: Path, fixture: str) -> None:
    data = (fixtures / fixture).read_bytes()
    cut = data[: len(data) * 2 // 3]
    name = fixture.rsplit("/", 1)[1]
    if fixture.endswith(("getProfile.json", "account.json")):
        # A profile cut before the keys its sniffer looks for is not recognised at all: still a
        # clear failure that names the file and shows what it starts with.
        fails(seeded, {name: cut}, name, "expected one of the supported exports", "found JSON starting", snapshot_date=DAY)
    else:
        fails(seeded, {name: cut}, name, "line ", "expected complete JSON", snapshot_date=DAY)


@pytest.mark.parametrize(
    "cut_at",
    [
        b'"value": "maria.lopez",',  # between two values
        b'"value": "maria.lo',  # inside a string
    ],
)
def test_truncated_json_is_diagnosed_as_cut_short(seeded: Store, fixtures: Path, cut_at: bytes) -> None:
    data = (fixtures / "instagram" / "followers_1.json").read_bytes()
    cut = data[: data.index(cut_at) + len(cut_at)]
    fails(seeded, {"followers_1.json": cut}, "followers_1.json", "cut short", "download it again", snapshot_date=DAY)


def test_truncated_json_inside_a_zip(seeded: Store) -> None:
    data = instagram_followers(20)
    archive = make_zip({MEMBER: data[: len(data) // 2]})
    fails(seeded, {"export.zip": archive}, f"export.zip/{MEMBER}", "cut short", snapshot_date=DAY)


def test_plain_digits_read_as_the_patterns_read_them() -> None:
    # parse_int reads plain ASCII digits before trying its patterns: the same numbers, the same
    # 64-bit limit, and digits of other scripts still read by the patterns.
    from analytics.ingest.values import parse_int

    assert [parse_int(v, "f.csv", "here") for v in ("0", "007", " 42 ", "9223372036854775807", "١٢")] == [
        0, 7, 42, 2**63 - 1, 12,
    ]
    with pytest.raises(BadExportError, match="a whole number below"):
        parse_int("9223372036854775808", "f.csv", "here")


def test_iso_days_read_as_strptime_reads_them() -> None:
    # parse_date reads `YYYY-MM-DD` without strptime when that is its first format: the same day
    # for every valid one, and the same refusal for an impossible one.
    import random

    from analytics.ingest.formats.generic import DATE_FORMATS
    from analytics.ingest.values import parse_date

    rng = random.Random(7)
    texts = [f"{rng.randint(1990, 2030):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}" for _ in range(3000)]
    texts += ["2024-02-29", "2023-02-29", "2024-1-05", " 2024-01-05 ", "2024-01-0٥"]
    def strptime_first(text: str) -> dt.date | None:
        # The reader before: each format in turn, the first that parses.
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text.strip(), fmt).date()
            except ValueError:
                continue
        return None

    for text in texts:
        try:
            found: dt.date | None = parse_date(text, DATE_FORMATS, "f.csv", "here")
        except BadExportError:
            found = None
        assert found == strptime_first(text), text
