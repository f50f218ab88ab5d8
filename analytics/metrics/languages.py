"""Language detection of bios and posts (lingua), each distinct text once.

Its own module: the analysis step (analytics.analysis) detects every bio once and keeps the result,
the kept figures' readers detect the account's posts, and the Audience page explains the method.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, use_language

# The languages a bio may be detected as. Restricting lingua to a plausible set is what makes
# short texts usable: unrestricted, "Dad. Runner." comes out Norwegian and "Fan of Bern" German.
LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de", "it", "pt", "nl")
UNKNOWN = "unknown"
MIN_CONFIDENCE = 0.5  # lingua's confidence of the best language, among LANGUAGES
MIN_LETTERS = 10  # letters left once links, mentions and digits are gone
LANGUAGE_METHOD_TEXT = N_(
    "Languages are detected with lingua (offline n-gram models, high-accuracy mode) restricted to "
    "{languages}, on bios (followers) and post texts (the account) without links, @mentions "
    "and digits. A text is 'unknown' when it has fewer than {min_letters} letters or the best language's "
    "confidence is below {min_confidence} (short or ambiguous texts: 'Data nerd' could be Italian). "
    "Every follower is analysed; identical texts are detected once."
)


def language_method() -> str:
    """The language-detection method in the current language."""
    return _(LANGUAGE_METHOD_TEXT).format(
        languages=", ".join(LANGUAGES), min_letters=MIN_LETTERS, min_confidence=format_number(MIN_CONFIDENCE, 2)
    )


with use_language("en"):
    LANGUAGE_METHOD = language_method()
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_NOISE = re.compile(r"https?://\S+|www\.\S+|(?<!\w)@\w+|\d+")


@functools.lru_cache(maxsize=1)
def _detector() -> Any:
    """The lingua detector, built once per process (its models take about 3 s to load)."""
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_preloaded_language_models().build()


# Texts given to lingua at a time: between two batches `detect_languages` calls back, so that a
# caller may say how far it is, or stop (644,000 distinct bios take about two minutes on two cores).
BATCH = 20_000


def detect_languages(texts: pd.Series, between: Callable[[int, int], None] | None = None) -> pd.Series:
    """ISO 639-1 code per text (LANGUAGES), or UNKNOWN; see LANGUAGE_METHOD. `between(done, total)`
    is called after each batch of BATCH texts, with the distinct texts detected so far and in all
    (what it raises stops the detection)."""
    # Each distinct text is cleaned and detected once: lists repeat bios, and the Python cleaning
    # costs more than lingua itself when done per follower.
    codes, raw = pd.factorize(texts.fillna("").astype(str), sort=False)
    cleaned = [" ".join(_NOISE.sub(" ", html.unescape(t)).replace("#", " ").split()) for t in raw]
    candidates = list(dict.fromkeys(t for t in cleaned if len(_LETTER.findall(t)) >= MIN_LETTERS))
    found: dict[str, str] = {}
    values: list[Any] = []
    for start in range(0, len(candidates), BATCH):
        values += _detector().compute_language_confidence_values_in_parallel(candidates[start:start + BATCH])
        if between is not None:
            between(len(values), len(candidates))
    if candidates:
        for text, ranking in zip(candidates, values, strict=True):
            best = ranking[0] if ranking else None
            if best is not None and best.value >= MIN_CONFIDENCE:
                found[text] = best.language.iso_code_639_1.name.lower()
    per_distinct = np.array([found.get(t, UNKNOWN) for t in cleaned] or [UNKNOWN], dtype=object)
    return pd.Series(per_distinct[codes] if len(codes) else [], index=texts.index, dtype="object")
