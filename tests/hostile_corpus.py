"""The corpus of hostile files replayed by tests/test_hostile_files.py, generated from rules.

Each rule takes a well-formed export (the fixtures, or a few lines written here from
/work/shared/FORMATS.md's shapes) and breaks it the way an attacker or a damaged download
would: nesting, counts beyond 64 bits, absurd dates, wrong types, truncation, stray bytes,
byte flips, hostile archives. Generated, not stored: the rules are the corpus, and a new attack
is a new line here. `python -m tests.hostile_corpus DIR` writes the files out for inspection.
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
DEEP = 50_000

SOCIALBLADE = {
    "status": {"success": True, "status": 200},
    "data": {"id": {"id": "1", "username": "jdoe"}, "statistics": {"total": {"followers": 1512}},
             "daily": [{"date": "2026-02-16", "followers": 1508}, {"date": "2026-02-17", "followers": 1512}]},
}
BLUESKY_PROFILE = {"did": "did:plc:abc", "handle": "jdoe.bsky.social", "followersCount": 10, "followsCount": 2, "postsCount": 3}
MASTODON_ACCOUNT = {"id": "1", "username": "jdoe", "acct": "jdoe", "url": "https://mastodon.social/@jdoe",
                    "followers_count": 10, "following_count": 2, "statuses_count": 3, "created_at": "2022-11-01T00:00:00.000Z"}
INSTAGRAM = [{"title": "", "media_list_data": [], "string_list_data": [
    {"href": "https://www.instagram.com/maria", "value": "maria", "timestamp": 1771320600}]}]


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _replace(document: dict[str, object], path: tuple[str, ...], value: object) -> dict[str, object]:
    copy: dict[str, object] = json.loads(json.dumps(document))
    node: Any = copy  # each level of the document, down the path
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return copy


def _nested(prefix: bytes, suffix: bytes, depth: int = DEEP) -> bytes:
    return prefix + b"[" * depth + b"]" * depth + suffix


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _flipped(data: bytes, seed: int, flips: int = 8) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def corpus() -> Iterator[tuple[str, bytes]]:
    """(file name, bytes): the name says the rule, and is what the message must name."""
    # Nesting: json recurses per level.
    yield "sb-deep-daily.json", _nested(b'{"status":{"success":true},"data":{"id":{"username":"x"},"daily":', b"}}")
    yield "bsky-deep-followers.json", _nested(b'{"subject":{"did":"did:plc:a","handle":"a.b"},"followers":', b"}")
    yield "mastodon-deep.json", _nested(b"", b"")
    yield "instagram-deep.json", _nested(b'[{"title":"","string_list_data":', b"}]")
    # Counts beyond 64 bits, negative, fractional, not numbers.
    for value, label in ((10**25, "1e25"), (2**63, "2p63"), (-5, "neg"), (1e308, "float"), (1.5, "half"), ("12abc", "text"),
                         (True, "bool"), ([], "list"), ({}, "object")):
        yield f"sb-followers-{label}.json", _json(_replace(SOCIALBLADE, ("data", "daily"), [{"date": "2026-02-16", "followers": value}]))
    for value, label in ((10**20, "1e20"), (2**63, "2p63"), (-1, "neg"), ("10", "text")):
        yield f"bsky-profile-{label}.json", _json({**BLUESKY_PROFILE, "followersCount": value})
    for value, label in ((10**30, "1e30"), (2**63, "2p63"), (1.5, "half")):
        yield f"mastodon-account-{label}.json", _json({**MASTODON_ACCOUNT, "followers_count": value})
        yield f"mastodon-followers-{label}.json", _json([{**MASTODON_ACCOUNT, "followers_count": value}])
    # NaN and Infinity are not JSON, but Python's json reads them.
    yield "sb-nan.json", json.dumps(_replace(SOCIALBLADE, ("data", "daily"), [{"date": "2026-02-16", "followers": float("nan")}])).encode()
    yield "sb-inf.json", json.dumps(_replace(SOCIALBLADE, ("data", "daily"), [{"date": "2026-02-16", "followers": float("inf")}])).encode()
    for value, label in ((10**20, "huge"), (-(10**20), "negative-huge"), (float("nan"), "nan"), ("x", "text")):
        entry = [{**INSTAGRAM[0], "string_list_data": [{"href": "h", "value": "maria", "timestamp": value}]}]
        yield f"followers_ts-{label}.json", json.dumps(entry).encode()
    # Absurd dates.
    for day in ("0001-01-01", "9999-12-31", "2099-12-31", "2002-12-31", "2026-02-30"):
        yield f"counts-{day}.csv", f"date,followers\n2025-01-01,5\n{day},100\n".encode()
        yield f"sb-{day}.json", _json(_replace(SOCIALBLADE, ("data", "daily"), [{"date": day, "followers": 3}]))
        yield f"list-{day}.csv", f"handle,name,snapshot_date\nalice,Alice,{day}\n".encode()
    # Broken CSV.
    yield "counts-dup.csv", b"date,followers,followers\n2025-01-01,5,6\n"
    yield "list-dup.csv", b"handle,handle,name,name\nalice,bob,Alice,Bob\n"
    yield "list-quote.csv", b'handle,name\nalice,"Alice\nbob,Bob\n'
    yield "list-nul.csv", b"handle,name\nali\x00ce,Alice\n"
    yield "list-wide.csv", b"handle,name\nalice,Alice,extra,fields\n"
    yield "list-huge-field.csv", b"handle,name\nalice," + b"x" * 200_000 + b"\n"
    yield "counts-neg.csv", b"date,followers\n2025-01-01,-1\n"
    yield "list-neg.csv", b"handle,name,followers_count\nalice,Alice,-1\n"
    yield "list-big.csv", f"handle,name,followers_count\nalice,Alice,{2**63}\n".encode()
    yield "list-utf16be.csv", "handle,name\nalice,Alice\n".encode("utf-16-be")
    yield "bom-only.csv", b"\xef\xbb\xbf"
    yield "empty.csv", b""
    yield "binary.bin", bytes(range(256)) * 4
    # Archives.
    yield "slip.zip", _zip({"../../etc/passwd": b"root", "followers_1.json": _json(INSTAGRAM)})
    yield "nested.zip", _zip({"inner.zip": _zip({"followers_1.json": _json(INSTAGRAM)})})
    yield "deep-in.zip", _zip({"connections/followers_and_following/followers_1.json": _nested(b"", b"")})
    yield "big-count-in.zip", _zip({"connections/followers_and_following/followers_1.json": json.dumps(
        [{**INSTAGRAM[0], "string_list_data": [{"href": "h", "value": "m", "timestamp": 10**30}]}]).encode()})
    yield "cut.zip", _zip({"followers_1.json": _json(INSTAGRAM)})[:-30]
    # Real fixtures, truncated and with bytes flipped.
    fixtures = sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".json", ".csv")
                      and "meetups" not in p.parts and p.name != "make_fixtures.py")
    for n, path in enumerate(fixtures):
        data = path.read_bytes()
        # Two networks' fixtures share a name (instagram/ and threads/ both have following.json).
        name = f"{path.parent.name}-{path.name}"
        yield f"cut-{name}", data[: len(data) // 2]
        for seed in range(2):
            yield f"flip{seed}-{name}", _flipped(data, seed * 1000 + n)


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in corpus():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main(sys.argv[1])
