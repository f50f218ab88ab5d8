"""Who among the attendees is a follower: exact handles first, then names, one best match each.

Rules, and why:
- A handle the attendee typed is the strongest evidence there is, so it is tried first and
  needs no review (method 'handle', confidence 1.0, confirmed at once; the user can still
  reject it). Handles are compared normalised: no '@', lower case, and profile URLs reduced to
  the handle they name (x.com/twitter.com/<h>, bsky.app/profile/<h>, <instance>/@<user> as
  user@instance, linkedin.com/in/<slug>, instagram.com/<h>).
- Without a handle, names are compared with rapidfuzz's `token_sort_ratio` on accent-folded,
  case-folded names ("José Martínez" and "Jose Martinez" score 100; word order does not
  matter). `token_sort_ratio` rather than `WRatio`: WRatio's partial matching scores "Zoe"
  against "Zoe Smith" at 90, which would pair every Zoe with every Zoe-something.
- `NAME_THRESHOLD` = 92: "Jon Smith" ~ "John Smith" (95) is suggested, "Léa Dubois" ~ "Leo
  Dubois" (90, two different people) is not. A name match is only a suggestion for the user
  to confirm or reject, with its score shown as the confidence.
- When two followers share the best score (two "Emma Smith"), nothing is suggested: picking one
  at random would be a coin toss presented as evidence. Instead `Matcher.explain` offers them
  all as candidates for the user to choose from (the choice is a manual match).
- Every attendee left unmatched gets a reason (`explain`): no follower of that name, several
  candidates, or a closest name below the threshold (with its score).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from analytics.i18n import N_, _

NAME_THRESHOLD = 92.0
NAME_SCORER = "token_sort_ratio"
# Below this a name is not "close" at all: the reason is "no follower of that name".
CLOSE_SCORE = 75.0
# At most this many candidates offered for one attendee (the demo has five of one name).
MAX_CANDIDATES = 20
# Scores of this many (attendee, follower) pairs at most are held at once (8 bytes each).
_SCORES_AT_ONCE = 8_000_000

UnmatchedReason = Literal["no_name", "no_follower", "several", "below_threshold"]
# Marked for the catalogs, translated when an attendee's reason is read; {threshold} and {score} are filled in.
UNMATCHED_REASONS: dict[str, str] = {
    "no_name": N_("No name to compare, and no handle that matches a follower."),
    "no_follower": N_("No follower of that name."),
    "several": N_("Several followers have this name: choose the right one."),
    "below_threshold": N_("The closest follower's name scores {score:.0f}, below the threshold of {threshold:.0f}."),
}

# Hosts whose first path segment is the handle.
_FIRST_SEGMENT_HOSTS = {
    "x.com", "twitter.com", "mobile.twitter.com", "instagram.com", "threads.net", "threads.com",
    "github.com", "t.me",
}
# Path segments that are never a handle on those hosts (intent links, share pages).
_NOT_HANDLES = {"intent", "share", "home", "i", "search", "hashtag", "explore", "p", "reel"}
# What people type in a handle field when they have none.
_NO_HANDLE = {"none", "no", "na", "n a", "nope", "null", "nil", "aucun", "non", "pas de compte"}
_HANDLE_TEXT = re.compile(r"^@?([\w.\-]+)(?:@([\w.\-]+\.[a-z]{2,}))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A follower that an attendee can be matched to."""

    member_key: str
    handle: str | None
    name: str | None
    profile_url: str | None


# An attendee as the matcher reads them: name, handles, profile URL.
Attendee = tuple[str | None, Sequence[str], str | None]


@dataclass(frozen=True)
class Match:
    member_key: str
    method: str  # 'handle' or 'fuzzy'
    confidence: float  # 1.0 for a handle, the name score / 100 for a name


@dataclass(frozen=True)
class Unmatched:
    """Why an attendee has no match, and the followers who could be them."""

    reason: UnmatchedReason
    candidates: tuple[tuple[str, float], ...]  # (member_key, name score), best first
    threshold: float = NAME_THRESHOLD

    @property
    def text(self) -> str:
        score = self.candidates[0][1] if self.candidates else 0.0
        return _(UNMATCHED_REASONS[self.reason]).format(score=score, threshold=self.threshold)


# NFKD leaves ø, ł, ß, æ whole: spell those out so "Søren" ~ "Soren".
_SPELLED_OUT = str.maketrans({"ø": "o", "ł": "l", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d"})
_NOT_WORD = re.compile(r"[^\w]+")
# A handle cell that is only ASCII letters, digits and underscores (most handles): see normalize_handle.
_PLAIN_HANDLE = re.compile(r"[A-Za-z0-9_]+")


def fold_name(name: str | None) -> str:
    """A name for comparison: accents removed, case folded, punctuation as spaces.

    An index of a million followers folds a million names: an ASCII name skips the Unicode steps,
    which leave it as it is (it has nothing to decompose, no accent, and casefold() is lower()
    on it), at a fifth of the cost; `tests/test_meetups.py` checks both ways agree."""
    if not name:
        return ""
    if name.isascii():
        return " ".join(_NOT_WORD.sub(" ", name.lower()).replace("_", " ").split())
    return _fold_unicode(name)


def fold_by_words(name: str, words: dict[str, str]) -> str:
    """fold_name(name), each whitespace-separated piece of it folded once for all the names that
    share `words` (a million followers' names hold a few thousand first and last names). Folding
    goes character by character (no character's fold depends on its neighbours across whitespace,
    and whitespace folds to a word break), so a name's fold is its pieces' folds joined."""
    parts: list[str] = []
    for piece in name.split():
        folded = words.get(piece)
        if folded is None:
            folded = words[piece] = fold_name(piece)
        if folded:
            parts.append(folded)
    return " ".join(parts)


def _fold_unicode(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.casefold().translate(_SPELLED_OUT)
    return " ".join(_NOT_WORD.sub(" ", stripped).replace("_", " ").split())


def normalize_handle(value: str | None) -> str | None:
    """The handle a cell names, normalised, or None when it names none.

    `@Alice`, `alice`, `https://x.com/Alice`, `twitter.com/alice?s=20` give `alice`;
    `https://bsky.app/profile/alice.bsky.social` gives `alice.bsky.social`;
    `https://mastodon.social/@bob` and `@bob@mastodon.social` give `bob@mastodon.social`;
    `https://www.linkedin.com/in/carol-d/` gives `carol-d`. Other URLs (a personal website)
    name no handle.
    """
    if value is None:
        return None
    if _PLAIN_HANDLE.fullmatch(value):
        # What the steps below give such a cell, without them (an index of a million followers
        # normalises a million handles): a word with no letter or digit, or a "none", is no handle.
        # (fold_name of such a cell: lower case, underscores as spaces, spaces collapsed.)
        if not any(c.isalnum() for c in value) or " ".join(value.lower().replace("_", " ").split()) in _NO_HANDLE:
            return None
        return value.lower()
    return _normalize_handle_text(value)


def _normalize_handle_text(value: str) -> str | None:
    text = value.strip().strip("<>").strip()
    if not text or fold_name(text) in _NO_HANDLE or not any(c.isalnum() for c in text):
        return None
    return _handle_of(text)


def _handle_of(text: str) -> str | None:
    """The handle a stripped, non-empty cell names, before the checks that it names one at all
    (a "none", a cell with no letter or digit): normalize_handle gives this or None."""
    if "/" in text or text.lower().startswith(("http:", "https:", "www.")):
        return _handle_from_url(text)
    match = _HANDLE_TEXT.match(text.replace(" ", ""))
    if match is None:
        return None
    user, instance = match.group(1), match.group(2)
    return f"{user}@{instance}".lower() if instance else user.lower().strip(".")


def _handle_among(value: str | None, wanted: Collection[str]) -> str | None:
    """normalize_handle(value) when it is one of `wanted`, else None. The checks that a cell names a
    handle at all fold the cell's text, the dearest step for a letter beyond ASCII (a million
    followers' handles: 5 s); they run only for a cell whose handle is wanted."""
    if value is None:
        return None
    found: str | None
    if _PLAIN_HANDLE.fullmatch(value):
        found = value.lower()
    else:
        text = value.strip().strip("<>").strip()
        found = _handle_of(text) if text else None
    return normalize_handle(value) if found is not None and found in wanted else None


def _handle_from_url(text: str) -> str | None:
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if not host or not segments:
        return None
    if host == "bsky.app" and len(segments) >= 2 and segments[0] == "profile":
        return segments[1].lower().lstrip("@")
    if host.endswith("linkedin.com") and len(segments) >= 2 and segments[0] in ("in", "pub"):
        return segments[1].lower()
    if segments[0].startswith("@") and len(segments[0]) > 1:
        # Mastodon and other fediverse servers: https://instance/@user (or @user@other.instance).
        user = segments[0][1:]
        return user.lower() if "@" in user else f"{user}@{host}".lower()
    if host in _FIRST_SEGMENT_HOSTS and segments[0].lower() not in _NOT_HANDLES:
        return segments[0].lower().lstrip("@")
    if host.endswith(".bsky.social") and not segments:
        return host
    return None


def normalize_url(value: str | None) -> str | None:
    """A profile URL for comparison: no scheme, no www, no query, no trailing slash, lower case."""
    if not value or "/" not in value and "." not in value:
        return None
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    return (host + parts.path.rstrip("/")).lower()


def candidate_keys(candidate: Candidate, wanted: Collection[str] | None = None) -> set[str]:
    """Every normalised handle a follower can be recognised by; only those in `wanted` when given."""

    def normalized(value: str | None) -> str | None:
        return normalize_handle(value) if wanted is None else _handle_among(value, wanted)

    keys: set[str] = set()
    for value in (candidate.handle, candidate.profile_url):
        handle = normalized(value)
        if handle:
            keys.add(handle)
    # Handle-keyed lists (Instagram, Mastodon, the generic CSV) key members by their handle.
    if not candidate.member_key.startswith(("did:",)) and not candidate.member_key.isdigit():
        handle = normalized(candidate.member_key)
        if handle:
            keys.add(handle)
    return keys


def sorted_words(folded: str) -> str:
    """A folded name as `token_sort_ratio` compares it: its words sorted. The ratio of two such
    forms is the names' `token_sort_ratio`, so a form is prepared once, not once a comparison."""
    return " ".join(sorted(folded.split()))


@dataclass(frozen=True)
class NameIndex:
    """The followers' names to score, each form (`sorted_words` of the folded name) once, with
    the followers who bear it: form f's followers are `places[starts[f]:starts[f + 1]]` (their
    places in the followers' order, ascending) and `ids` (the same slice: their member ids, which
    `keys` turns into member keys for the few followers an answer names).

    Many followers share a name (the demo has five of one; generated lists of a million, a few
    hundred): a form is scored once for all of them. Flat arrays, not an object per name: a
    million followers of 800,000 names took 16 s to index one name at a time."""

    forms: list[str]
    starts: np.ndarray
    places: np.ndarray
    ids: np.ndarray
    keys: Callable[[Sequence[int]], dict[int, str]]

    @classmethod
    def of_names(
        cls, texts: Sequence[str], text_of: np.ndarray, places: np.ndarray, ids: np.ndarray,
        keys: Callable[[Sequence[int]], dict[int, str]],
    ) -> NameIndex:
        """From each follower's place, member id and name (`texts[text_of[i]]`). A text in ASCII
        is taken as a form already written (`ascii_form`); any other is a raw name, folded here
        once however many followers bear it."""
        form_number: dict[str, int] = {}
        form_of_text = np.empty(len(texts), dtype=np.int64)
        words: dict[str, str] = {}
        for number, text in enumerate(texts):
            form = text if text.isascii() else sorted_words(fold_by_words(text, words))
            form_of_text[number] = form_number.setdefault(form, len(form_number)) if form else -1
        form_of = form_of_text[np.asarray(text_of, dtype=np.int64)] if len(texts) else np.empty(0, dtype=np.int64)
        named = form_of >= 0
        form_of, places, ids = form_of[named], np.asarray(places, dtype=np.int64)[named], np.asarray(ids, dtype=np.int64)[named]
        order = np.lexsort((places, form_of))
        starts = np.zeros(len(form_number) + 1, dtype=np.int64)
        np.cumsum(np.bincount(form_of, minlength=len(form_number)), out=starts[1:])
        return cls(list(form_number), starts, places[order], ids[order], keys)

    @classmethod
    def of_members(cls, named: Iterable[tuple[str, str | None]]) -> NameIndex:
        """From (member key, name) in the followers' order; a key given twice keeps its first
        place and its last name. Member ids are the places."""
        names: dict[str, str | None] = {}
        for key, name in named:
            names[key] = name
        keys = list(names)
        texts: dict[str, int] = {}
        places: list[int] = []
        text_of: list[int] = []
        for place, name in enumerate(names.values()):
            if name:
                places.append(place)
                text_of.append(texts.setdefault(ascii_form(name) if name.isascii() else name, len(texts)))
        return cls.of_names(
            list(texts), np.asarray(text_of, dtype=np.int64), np.asarray(places, dtype=np.int64),
            np.asarray(places, dtype=np.int64), lambda ids: {i: keys[i] for i in ids},
        )


def ascii_form(name: str) -> str:
    """`sorted_words(fold_name(name))` of an ASCII name (what the store's SQL writes itself)."""
    return sorted_words(fold_name(name))


class Matcher:
    """The follower index for one account, built once and used for every attendee.

    `names`: the followers' names when read otherwise (`NameIndex.of_names`, from the store);
    `candidates` then need only hold the followers an attendee's handle or URL can name.
    `handles`: the only handles `by_handle` will be asked (the attendees'), when known."""

    def __init__(
        self, candidates: Iterable[Candidate], threshold: float = NAME_THRESHOLD, names: NameIndex | None = None,
        handles: Collection[str] | None = None,
    ) -> None:
        self.threshold = threshold
        self._asked = None if handles is None else frozenset(handles)
        self._by_handle: dict[str, set[str]] = {}
        self._by_url: dict[str, set[str]] = {}
        named: list[tuple[str, str | None]] = []
        for candidate in candidates:
            for key in candidate_keys(candidate, self._asked):
                self._by_handle.setdefault(key, set()).add(candidate.member_key)
            url = normalize_url(candidate.profile_url)
            if url:
                self._by_url.setdefault(url, set()).add(candidate.member_key)
            if names is None:
                named.append((candidate.member_key, candidate.name))
        self._names = NameIndex.of_members(named) if names is None else names

    def by_handle(self, handles: Sequence[str], profile_url: str | None = None) -> str | None:
        """The one follower an attendee's handles or profile URL name, else None."""
        if self._asked is not None and not self._asked.issuperset(handles):
            raise ValueError("a handle the matcher was not built for")
        for handle in handles:
            found = self._by_handle.get(handle)
            if found and len(found) == 1:
                return next(iter(found))
        url = normalize_url(profile_url)
        if url:
            found = self._by_url.get(url)
            if found and len(found) == 1:
                return next(iter(found))
        return None

    def _closest(self, folded: Sequence[str], cutoff: float, limit: int) -> list[list[tuple[str, float]]]:
        """For each folded name, the followers whose names score at least `cutoff` (member key,
        score), best first, equal scores in the followers' order (what one `process.extract` of
        `token_sort_ratio` over every follower's name gives), at most `limit`.

        Every attendee's name at once, with `process.cdist`: `process.extract` prepares each of
        the followers' names again for every attendee, on one core; an account of a million
        followers took about a second an attendee. Each name form once, its words sorted
        beforehand, with `ratio`: `token_sort_ratio` sorted the words of both names at every
        comparison. float64, the scores extract gives (float32 could round a score onto the
        threshold)."""
        index = self._names
        found: list[list[tuple[int, float]]] = []
        step = max(1, _SCORES_AT_ONCE // max(1, len(index.forms)))
        queries = [sorted_words(name) for name in folded]
        for start in range(0, len(queries), step):
            scores = process.cdist(
                queries[start : start + step], index.forms, scorer=fuzz.ratio,
                score_cutoff=cutoff, dtype=np.float64, workers=-1,
            )
            for row in scores:
                kept = np.flatnonzero(row >= cutoff)
                if not len(kept):
                    found.append([])
                    continue
                # Each form's first `limit` followers can make the list; merged by score, then place.
                firsts = index.starts[kept]
                counts = np.minimum(index.starts[kept + 1] - firsts, limit)
                at = np.repeat(firsts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
                score = np.repeat(row[kept], counts)
                order = np.lexsort((index.places[at], -score))[:limit]
                found.append([(int(index.ids[at[i]]), float(score[i])) for i in order])
        # Member keys for the followers named, all at once (from the store: one read).
        keys = index.keys(sorted({member for close in found for member, _score in close}))
        return [[(keys[member], score) for member, score in close] for close in found]

    def _by_names(self, names: Sequence[str | None]) -> list[tuple[str, float] | None]:
        folded = [fold_name(name) for name in names]
        asked = [i for i, f in enumerate(folded) if f] if self._names.forms else []
        best: list[tuple[str, float] | None] = [None] * len(names)
        for i, top in zip(asked, self._closest([folded[i] for i in asked], self.threshold, 2), strict=True):
            if not top or (len(top) > 1 and top[1][1] >= top[0][1]):
                continue
            best[i] = top[0]
        return best

    def by_name(self, name: str | None) -> tuple[str, float] | None:
        """The follower whose name is closest, with its score, when above the threshold and
        unambiguous (no other follower with the same score)."""
        return self._by_names([name])[0]

    def explain_many(self, attendees: Sequence[Attendee]) -> list[Unmatched | None]:
        """Why `match` finds nobody for each attendee (None when it does find someone): several
        followers share the best name score (all of them offered), the closest is below the
        threshold (offered with its score), or no follower has a name anywhere near."""
        why: list[Unmatched | None] = [None] * len(attendees)
        asked: list[tuple[int, str]] = []
        for i, (name, handles, profile_url) in enumerate(attendees):
            if self.by_handle(handles, profile_url) is not None:
                continue
            folded = fold_name(name)
            if not folded:
                why[i] = Unmatched("no_name", ())
            elif not self._names.forms:
                why[i] = Unmatched("no_follower", ())
            else:
                asked.append((i, folded))
        # One scoring down to CLOSE_SCORE: the names at or above the threshold lead the list,
        # so `by_name`'s answer is read from it too.
        for (i, _folded), close in zip(asked, self._closest([f for _i, f in asked], CLOSE_SCORE, MAX_CANDIDATES), strict=True):
            if not close:
                why[i] = Unmatched("no_follower", ())
                continue
            best = close[0][1]
            if best < self.threshold:
                why[i] = Unmatched("below_threshold", (close[0],))
            elif len(close) > 1 and close[1][1] >= best:
                why[i] = Unmatched("several", tuple((key, score) for key, score in close if score >= best))
            # else: `by_name` matches this attendee; nothing to explain.
        return why

    def explain(self, name: str | None, handles: Sequence[str] = (), profile_url: str | None = None) -> Unmatched | None:
        """`explain_many` for one attendee."""
        return self.explain_many([(name, handles, profile_url)])[0]

    def match_many(self, attendees: Sequence[Attendee]) -> list[Match | None]:
        """Each attendee's follower: by handle or profile URL, else by name (see `by_name`)."""
        found: list[Match | None] = [None] * len(attendees)
        by_name: list[int] = []
        for i, (_name, handles, profile_url) in enumerate(attendees):
            member = self.by_handle(handles, profile_url)
            if member is not None:
                found[i] = Match(member, "handle", 1.0)
            else:
                by_name.append(i)
        for i, named in zip(by_name, self._by_names([attendees[i][0] for i in by_name]), strict=True):
            if named is not None:
                found[i] = Match(named[0], "fuzzy", round(named[1] / 100.0, 4))
        return found

    def match(self, name: str | None, handles: Sequence[str], profile_url: str | None = None) -> Match | None:
        return self.match_many([(name, handles, profile_url)])[0]


def candidates_from_frame(frame: pd.DataFrame) -> list[Candidate]:
    """Candidates from a frame with member_key, handle, name, profile_url (missing as NA).
    Column by column: a row at a time, a million followers took 20 s."""

    def texts(column: str) -> list[str | None]:
        values = frame[column]
        return [None if missing else str(value) for value, missing in zip(values.tolist(), values.isna().tolist(), strict=True)]

    keys = [str(key) for key in frame["member_key"].tolist()]
    return [
        Candidate(key, handle, name, url)
        for key, handle, name, url in zip(keys, texts("handle"), texts("name"), texts("profile_url"), strict=True)
    ]
