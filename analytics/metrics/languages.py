"""Language detection of bios and posts (lingua), each distinct text once.

Its own module: the analysis step (analytics.analysis) detects every bio once and keeps the result,
the kept figures' readers detect the account's posts, and the Audience page explains the method.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, use_language

log = logging.getLogger(__name__)

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
    return _per_text(texts.index, codes, _per_distinct(list(raw), between))


def _per_distinct(raw: list[str], between: Callable[[int, int], None] | None) -> list[str]:
    """The language of each distinct text, in their order."""
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
    return [found.get(t, UNKNOWN) for t in cleaned]


def _per_text(index: pd.Index, codes: np.ndarray, per_distinct: list[str]) -> pd.Series:
    languages = np.array(per_distinct or [UNKNOWN], dtype=object)
    return pd.Series(languages[codes] if len(codes) else [], index=index, dtype="object")


# From this many distinct texts, `detect_languages_beside` detects them in a process of its own
# while its caller does other work (the analysis fits its topic model meanwhile). lingua holds
# Python's lock while it runs (other Python work beside it went from 0.52 s to 3.66 s), so a thread
# would stall the caller; a process costs about 3 s to start and load the models, which only a
# big list repays (644,000 distinct bios take about two minutes).
BESIDE_MIN = 50_000


class PendingLanguages:
    """Languages being detected: `result(between)` waits for them (calling `between` as
    `detect_languages` does), `close()` stops the work. Below BESIDE_MIN distinct texts, nothing
    starts before `result` is called, which then detects them in this process."""

    def __init__(self, texts: pd.Series) -> None:
        self._index = texts.index
        self._codes, raw = pd.factorize(texts.fillna("").astype(str), sort=False)
        self._raw: list[str] = list(raw)
        self._process: subprocess.Popen[bytes] | None = None
        if len(self._raw) >= BESIDE_MIN:
            self._process = _start_child(self._raw)

    @property
    def beside(self) -> bool:
        """Whether the detection runs in a process of its own, started already."""
        return self._process is not None

    def result(self, between: Callable[[int, int], None] | None = None) -> pd.Series:
        per_distinct = self._from_child(between) if self._process is not None else None
        if per_distinct is None:
            per_distinct = _per_distinct(self._raw, between)
        return _per_text(self._index, self._codes, per_distinct)

    def _from_child(self, between: Callable[[int, int], None] | None) -> list[str] | None:
        assert self._process is not None and self._process.stdout is not None
        try:
            while True:
                message = pickle.load(self._process.stdout)  # noqa: S301 - our own child's answer
                if message[0] == "progress":
                    if between is not None:
                        between(message[1], message[2])
                    continue
                return list(message[1])
        except (EOFError, OSError, pickle.UnpicklingError, IndexError, TypeError) as exc:
            # A child that died (killed, out of memory) loses nothing: this process detects them.
            log.warning("language detection beside the analysis failed (%s); detecting here", exc)
            return None
        finally:
            self.close()

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def detect_languages_beside(texts: pd.Series) -> PendingLanguages:
    """`detect_languages(texts)`, started now in a process of its own when there are enough
    distinct texts to repay it (BESIDE_MIN); the caller takes `result()` when it needs them and
    `close()`s it in any case."""
    return PendingLanguages(texts)


def _child_command() -> list[str]:
    return [sys.executable, "-m", "analytics.metrics.languages"]


def _start_child(raw: list[str]) -> subprocess.Popen[bytes]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    process = subprocess.Popen(  # noqa: S603 - this interpreter, this module, no shell
        _child_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )

    def feed() -> None:
        # From a thread: the child reads its texts once Python and lingua are loaded, and the
        # caller goes on meanwhile.
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            pickle.dump(raw, process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            process.stdin.close()

    threading.Thread(target=feed, name="palier-languages-feed", daemon=True).start()
    return process


def _serve() -> None:
    """The child: the distinct texts from stdin, progress and then their languages to stdout."""
    texts = pickle.load(sys.stdin.buffer)  # noqa: S301 - our own parent's texts
    out = sys.stdout.buffer

    def between(done: int, total: int) -> None:
        pickle.dump(("progress", done, total), out)
        out.flush()

    pickle.dump(("result", _per_distinct(texts, between)), out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


if __name__ == "__main__":
    _serve()
