"""The hostile corpus (tests/hostile_corpus.py) replayed on every run: each file is refused with a
PalierError whose message names the file, with the store unchanged, or imports cleanly; no other
exception, ever (issue 19, item 4)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.errors import PalierError
from analytics.ingest.model import SourceFile
from analytics.ingest.service import ImportOptions, import_sources, prepare
from analytics.store import Store
from tests.hostile_corpus import corpus
from tests.storedump import dump

CORPUS = dict(corpus())


def test_the_corpus_is_big_and_named_once() -> None:
    assert len(CORPUS) == len(list(corpus())) >= 100


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_a_hostile_file_is_refused_with_its_name_or_imported(seeded: Store, name: str) -> None:
    data = CORPUS[name]
    before = dump(seeded)
    source = SourceFile(name, data)
    # The preview (what the Import page shows before importing) must not raise either.
    assert len(prepare([SourceFile(name, data)])) == 1
    try:
        outcomes = import_sources(seeded, [source], ImportOptions("hostile", snapshot_date=dt.date(2026, 3, 2)))
    except PalierError as exc:  # refused as a whole: a message naming the file
        assert name in str(exc)
        assert dump(seeded) == before
        return
    assert outcomes, name
    for outcome in outcomes:
        assert outcome.status in ("imported", "unchanged", "failed"), outcome
        if outcome.status == "failed":
            assert outcome.error and name in outcome.error, outcome
    if all(o.status == "failed" for o in outcomes):
        assert dump(seeded) == before
