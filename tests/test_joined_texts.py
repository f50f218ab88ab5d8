"""A follower's fit is read from their bio and name joined: the analysis cleans and counts each
distinct bio and name once (textfit.JoinedTexts) and must give what the joined texts written out
give, and clean_text's shortcut for texts without markup must change nothing."""

from __future__ import annotations

import html
import random
import unicodedata

import numpy as np
import pandas as pd
import pytest

from analytics import analysis
from analytics.metrics import textfit
from analytics.store import Store
from tests.conftest import import_bytes

# Pieces that meet each of clean_text's steps, at the edges of a text as well as inside it.
PIECES = [
    "data", "journaliste", "Données", "open", "OPEN", "cartes", "budget", "café", "Ünïcödé", "straße", "ſtar",
    "Kelvin", "ﬁnance", "😀", "&amp;", "&eacute;t&eacute;", "&#64;ghost", "&", "AT&T", "http://example.org/x",
    "HTTPS://Example.org", "https:", "www.site.fr", "www.", "@handle", "a@b", "@", "#DataViz", "#2024", "#", "l'avion",
    "qu’il", "d'", "L’", "rock'n'roll", "it's", "2024", "x", "",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 5)))


def _clean_every_step(text: str) -> str:
    """clean_text as documented, every step run on every text."""
    text = html.unescape(text)
    text = textfit._URL.sub(" ", text)
    text = textfit._MENTION.sub(" ", text)
    text = textfit._HASHTAG.sub(r" \1 ", text)
    text = textfit._ELISION.sub(" ", text)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_clean_text_only_skips_steps_that_would_change_nothing() -> None:
    rng = random.Random(7)
    texts = [_text(rng) for _ in range(20_000)] + PIECES
    assert [textfit.clean_text(t) for t in texts] == [_clean_every_step(t) for t in texts]


def _rows(seed: int, count: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    bios = [_text(rng) for _ in range(count // 4)]
    names = [_text(rng) for _ in range(count // 3)]
    return [rng.choice(bios) for _ in range(count)], [rng.choice(names) for _ in range(count)]


def _written_out(posts: list[str], bios: list[str], names: list[str]) -> textfit.TopicSpace:
    joined = pd.Series([f"{bio} {name}".strip() for bio, name in zip(bios, names, strict=True)])
    return textfit.topic_space(pd.Series(posts, dtype=object), joined)


def _from_parts(posts: list[str], bios: list[str], names: list[str]) -> tuple[textfit.FitSpace, np.ndarray, textfit.JoinedTexts]:
    bio_texts, bio_of = analysis._cleaned(pd.Series(bios, dtype=object))
    name_texts, name_of = analysis._cleaned(pd.Series(names, dtype=object))
    joined, inverse, counts = textfit.JoinedTexts.of(bio_texts, bio_of, name_texts, name_of)
    clean_posts = np.array([textfit.clean_text(t) for t in posts], dtype=object)
    return textfit.weighted_topic_space(clean_posts, joined, counts), inverse, joined


@pytest.mark.parametrize("posts", [["Open data and budget charts #DataViz", "Cartes des données, café"], []],
                         ids=["posts", "no posts"])
def test_joined_texts_fit_as_the_texts_written_out(posts: list[str]) -> None:
    bios, names = _rows(11, 3_000)
    reference = _written_out(posts, bios, names)
    found, inverse, joined = _from_parts(posts, bios, names)
    assert found.reason is None and found.basis == reference.basis
    assert found.terms["term"].tolist() == reference.terms["term"].tolist()
    fits = found.fits[inverse]
    assert np.array_equal(np.isnan(fits), np.isnan(reference.fits))
    assert fits[~np.isnan(fits)] == pytest.approx(reference.fits[~np.isnan(reference.fits)], abs=1e-6)
    # A text projected later through its parts gets the vector of the text written out.
    assert found.space is not None
    assert found.space.transform(joined).toarray() == pytest.approx(found.space.transform(joined.texts()).toarray(), abs=1e-6)


def test_joined_texts_are_refused_where_a_bigram_would_span_the_join() -> None:
    joined, _inverse, _counts = textfit.JoinedTexts.of(np.array(["open data"], dtype=object), np.array([0]),
                                                       np.array(["ada"], dtype=object), np.array([0]))
    with pytest.raises(ValueError, match="bigram"):
        textfit.count_terms((1, 2), joined)


def test_the_kept_fits_are_those_of_each_followers_bio_and_name(store: Store) -> None:
    bios, names = _rows(5, 400)
    lines = ["id,handle,name,bio"] + [
        f'{number},user{number},"{name.replace(chr(34), chr(34) * 2)}","{bio.replace(chr(34), chr(34) * 2)}"'
        for number, (bio, name) in enumerate(zip(bios, names, strict=True))
    ]
    outcome = import_bytes(store, {"followers_2026-02-01.csv": ("\n".join(lines) + "\n").encode()})
    assert outcome[0].status == "imported", outcome[0].error
    cursor = store.cursor()
    account = int(cursor.execute("SELECT account_id FROM accounts WHERE name = 'me'").fetchall()[0][0])
    analysis.refresh_features(store, account)
    kept = cursor.execute(
        "SELECT p.bio, p.name, f.fit FROM profile_features f JOIN profiles p USING (account_id, member_id) "
        "WHERE f.account_id = ? ORDER BY p.member_id", [account]).df()
    assert len(kept) == len(bios)
    reference = _written_out([], kept["bio"].fillna("").tolist(), kept["name"].fillna("").tolist())
    fits = kept["fit"].to_numpy(dtype="float64")
    assert np.array_equal(np.isnan(fits), np.isnan(reference.fits)) and (~np.isnan(fits)).sum() > 100
    assert fits[~np.isnan(fits)] == pytest.approx(reference.fits[~np.isnan(reference.fits)], abs=1e-6)
