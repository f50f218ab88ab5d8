"""Free-text profile locations to countries, with an offline gazetteer written for Palier.

`gazetteer.csv` (next to this file, long format `country,kind,name`) holds, per country, its
ISO 3166-1 alpha-2 and alpha-3 codes, its names in English, French, Spanish and German and common
aliases ("UK", "EE.UU."), a few hundred major cities (with their exonyms: "Munich", "München",
"Múnich"), regions, and the US, Canadian and Australian region codes ("NY", "QC", "NSW"). Nothing
is downloaded: a location either matches the file or is "unknown".

A location is matched as follows (LOCATION_METHOD says it in words):
1. Case and accents are folded ("MÜNCHEN" -> "munchen"), dots dropped ("U.S.A." -> "usa"),
   hyphens and apostrophes read as spaces. A flag emoji (🇫🇷) gives its country at once.
2. The text is split on , ; / | • · ( ) and " - ". Each part is looked up as a whole name. When
   several parts match, the last one wins: locations go from narrow to broad ("Paris, Texas",
   "London, Ontario"), unless that last name has a second meaning an earlier part confirms
   ("Atlanta, Georgia" is the US state, "Tbilisi, Georgia" the country). A last part that is a code ("Cambridge, MA", "Berlin, DE") decides
   unless an earlier part names one of the code's countries.
3. No part matched: word groups (3, 2 then 1 words) of the whole text are looked up, countries
   before cities, skipping city names that are ordinary words ("Nice", "Reading", "Bath").
4. Still nothing: a part of 5 letters or more within a small edit distance of a name (rapidfuzz
   ratio >= 90, e.g. "Barcelonna") is taken.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from analytics.i18n import N_

GAZETTEER_PATH = Path(__file__).with_name("gazetteer.csv")

LOCATION_METHOD = N_(
    "Countries come from the free-text profile location, matched offline against Palier's gazetteer "
    "(country names in English, French, Spanish and German, ISO codes, a few hundred major cities and "
    "regions). Case and accents are ignored; in 'City, Region, Country' the broadest part that matches "
    "wins; a trailing code such as 'QC' or 'NY' counts; a flag emoji counts; a near miss of five letters "
    "or more (edit similarity 90% or more) counts. Anything else, and empty locations, is 'unknown'."
)

_NAME_KINDS = ("en", "fr", "es", "de", "alias", "city", "city_exact", "region")
_SPLIT = re.compile(r"\s+-\s+|[,;/|•·()\[\]\n\r\t]+|\s{2,}")
_FLAG = re.compile(r"[\U0001F1E6-\U0001F1FF]{2}")
FUZZY_CUTOFF = 90.0
FUZZY_MIN_LETTERS = 5


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form used on both sides of every lookup."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("ß", "ss").replace(".", "")
    stripped = re.sub(r"[-'’`]", " ", stripped)
    stripped = re.sub(r"[^\w\s]", " ", stripped)
    return " ".join(stripped.split())


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, str]  # folded name -> ISO2, countries' names winning over cities'
    country_names: frozenset[str]  # folded names that are country names (step 3 prefers them)
    scan_names: frozenset[str]  # names safe to find inside longer text (step 3)
    codes: dict[str, tuple[str, ...]]  # folded code -> ISO2 countries, region codes first
    alternates: dict[str, frozenset[str]]  # names with a second meaning ("Georgia" the US state)
    labels: dict[str, str]  # ISO2 -> English name
    max_words: int


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer file, parsed once per process."""
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names: dict[str, str] = {}
    alternates: dict[str, set[str]] = {}
    country_names: set[str] = set()
    scan: set[str] = set()
    exact_only: set[str] = set()
    region_codes: dict[str, list[str]] = {}
    iso_codes: dict[str, list[str]] = {}
    labels: dict[str, str] = {}
    # Countries first so a country's name is never overwritten by a same-named city or region
    # ("Georgia" the country; the US state is listed as "Georgia, USA").
    kinds = ("en", "fr", "es", "de", "alias", "iso3", "iso2", "region_code", "city", "city_exact", "region")
    order = {kind: i for i, kind in enumerate(kinds)}
    for row in sorted(rows, key=lambda r: order[r["kind"]]):
        country, kind, name = row["country"], row["kind"], row["name"]
        key = fold(name)
        if not key:
            continue
        if kind == "en":
            labels.setdefault(country, name)
        if kind in _NAME_KINDS:
            names.setdefault(key, country)
            if names[key] != country:
                alternates.setdefault(key, set()).add(country)
            if kind in ("en", "fr", "es", "de", "alias"):
                country_names.add(key)
            if kind == "city_exact":
                exact_only.add(key)
            elif len(key) >= 4:
                scan.add(key)
        elif kind == "region_code":
            region_codes.setdefault(key, []).append(country)
        elif kind in ("iso2", "iso3"):
            iso_codes.setdefault(key, []).append(country)
    codes: dict[str, tuple[str, ...]] = {}
    for key in set(region_codes) | set(iso_codes):
        ordered = region_codes.get(key, []) + iso_codes.get(key, [])
        codes[key] = tuple(dict.fromkeys(ordered))
    scan -= exact_only
    max_words = max(len(k.split()) for k in names)
    frozen_alternates = {k: frozenset(v) for k, v in alternates.items()}
    return Gazetteer(names, frozenset(country_names), frozenset(scan), codes, frozen_alternates, labels, max_words)


@functools.lru_cache(maxsize=1)
def alpha3_codes() -> dict[str, str]:
    """ISO 3166-1 alpha-2 -> alpha-3 of every gazetteer country (the world map keys its shapes by
    alpha-3)."""
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        return {row["country"]: row["name"] for row in csv.DictReader(handle) if row["kind"] == "iso3"}


def country_name(iso2: str) -> str:
    """The English name of a country code from the gazetteer (the code itself if unknown)."""
    return gazetteer().labels.get(iso2, iso2)


def _flag_country(text: str) -> str | None:
    match = _FLAG.search(text)
    if match is None:
        return None
    code = "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in match.group())
    return code if code in gazetteer().labels else None


def country_of(location: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code of a free-text location, or None when it says nothing we know."""
    if location is None or not isinstance(location, str) or not location.strip():
        return None
    gaz = gazetteer()
    flagged = _flag_country(location)
    if flagged:
        return flagged
    whole = fold(location)
    if not whole:
        return None
    if whole in gaz.names:
        return gaz.names[whole]
    parts = [p for p in (fold(raw) for raw in _SPLIT.split(location)) if p]
    named = [gaz.names[p] for p in parts if p in gaz.names]
    last = parts[-1] if parts else ""
    last_codes = gaz.codes.get(last, ()) if last not in gaz.names else ()
    if len(parts) >= 2 and last_codes:
        # "Berlin, DE": DE is also Delaware; the city settles it. "Cambridge, MA": no part names
        # Massachusetts' country, so the code (a US state first) decides.
        for country in reversed(named):
            if country in last_codes:
                return country
        return last_codes[0]
    if named:
        # "Atlanta, Georgia": the broadest part has a second meaning that an earlier part confirms.
        broadest = next(p for p in reversed(parts) if p in gaz.names)
        for country in named[:-1]:
            if country in gaz.alternates.get(broadest, ()):
                return country
        return named[-1]
    if len(parts) == 1 and len(gaz.codes.get(whole, ())) == 1:
        return gaz.codes[whole][0]  # a bare unambiguous code: "FR", "USA"
    found = _scan(whole, gaz)
    if found:
        return found
    return _fuzzy(parts, gaz)


def _scan(text: str, gaz: Gazetteer) -> str | None:
    words = text.split()
    city: str | None = None
    for size in range(min(gaz.max_words, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            gram = " ".join(words[start : start + size])
            if gram in gaz.scan_names:
                if gram in gaz.country_names:
                    return gaz.names[gram]
                city = city or gaz.names[gram]
    return city


@functools.lru_cache(maxsize=1)
def _fuzzy_choices() -> tuple[str, ...]:
    return tuple(sorted(k for k in gazetteer().names if len(k) >= FUZZY_MIN_LETTERS))


def _fuzzy(parts: list[str], gaz: Gazetteer) -> str | None:
    for part in reversed(parts):
        if len(part.replace(" ", "")) < FUZZY_MIN_LETTERS:
            continue
        best = process.extractOne(part, _fuzzy_choices(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is not None:
            return gaz.names[best[0]]
    return None


def countries_of(locations: pd.Series) -> pd.Series:
    """`country_of` over a column: each distinct location is matched once (lists repeat a lot)."""
    text = locations.astype("string").fillna("")
    distinct = pd.unique(text.to_numpy(dtype=object))
    mapping = {value: country_of(value) for value in distinct}
    return pd.Series([mapping[v] for v in text.to_numpy(dtype=object)], index=locations.index, dtype="string")
