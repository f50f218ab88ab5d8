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
from collections.abc import Iterable, Sequence
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
    if "/" in text or text.lower().startswith(("http:", "https:", "www.")):
        return _handle_from_url(text)
    match = _HANDLE_TEXT.match(text.replace(" ", ""))
    if match is None:
        return None
    user, instance = match.group(1), match.group(2)
    return f"{user}@{instance}".lower() if instance else user.lower().strip(".")


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


def candidate_keys(candidate: Candidate) -> set[str]:
    """Every normalised handle a follower can be recognised by."""
    keys: set[str] = set()
    for value in (candidate.handle, candidate.profile_url):
        handle = normalize_handle(value)
        if handle:
            keys.add(handle)
    # Handle-keyed lists (Instagram, Mastodon, the generic CSV) key members by their handle.
    if not candidate.member_key.startswith(("did:",)) and not candidate.member_key.isdigit():
        handle = normalize_handle(candidate.member_key)
        if handle:
            keys.add(handle)
    return keys


class Matcher:
    """The follower index for one account, built once and used for every attendee."""

    def __init__(self, candidates: Iterable[Candidate], threshold: float = NAME_THRESHOLD) -> None:
        self.threshold = threshold
        self._by_handle: dict[str, set[str]] = {}
        self._by_url: dict[str, set[str]] = {}
        names: dict[str, str] = {}
        for candidate in candidates:
            for key in candidate_keys(candidate):
                self._by_handle.setdefault(key, set()).add(candidate.member_key)
            url = normalize_url(candidate.profile_url)
            if url:
                self._by_url.setdefault(url, set()).add(candidate.member_key)
            folded = fold_name(candidate.name)
            if folded:
                names[candidate.member_key] = folded
        self._name_keys = list(names)
        self._names = [names[k] for k in self._name_keys]

    def by_handle(self, handles: Sequence[str], profile_url: str | None = None) -> str | None:
        """The one follower an attendee's handles or profile URL name, else None."""
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

    def _closest(self, folded: Sequence[str], cutoff: float, limit: int) -> list[list[tuple[int, float]]]:
        """For each folded name, the followers' names scoring at least `cutoff`, best first,
        equal scores in the followers' order (what `process.extract` gives), at most `limit`.

        Every attendee's name at once, with `process.cdist`: `process.extract` prepares each of
        the followers' names again for every attendee, on one core; an account of a million
        followers took about a second an attendee. float64, the scores extract gives (float32
        could round a score onto the threshold)."""
        found: list[list[tuple[int, float]]] = []
        step = max(1, _SCORES_AT_ONCE // max(1, len(self._names)))
        for start in range(0, len(folded), step):
            scores = process.cdist(
                folded[start : start + step], self._names, scorer=fuzz.token_sort_ratio,
                score_cutoff=cutoff, dtype=np.float64, workers=-1,
            )
            for row in scores:
                kept = np.flatnonzero(row >= cutoff)
                order = kept[np.lexsort((kept, -row[kept]))][:limit]
                found.append([(int(index), float(row[index])) for index in order])
        return found

    def _by_names(self, names: Sequence[str | None]) -> list[tuple[str, float] | None]:
        folded = [fold_name(name) for name in names]
        asked = [i for i, f in enumerate(folded) if f] if self._names else []
        best: list[tuple[str, float] | None] = [None] * len(names)
        for i, top in zip(asked, self._closest([folded[i] for i in asked], self.threshold, 2), strict=True):
            if not top or (len(top) > 1 and top[1][1] >= top[0][1]):
                continue
            index, score = top[0]
            best[i] = (self._name_keys[index], score)
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
            elif not self._names:
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
                why[i] = Unmatched("below_threshold", ((self._name_keys[close[0][0]], best),))
            elif len(close) > 1 and close[1][1] >= best:
                why[i] = Unmatched("several", tuple((self._name_keys[index], score) for index, score in close if score >= best))
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
