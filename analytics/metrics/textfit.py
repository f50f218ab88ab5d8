"""The text method behind audience coherence: TF-IDF vectors, cosine fit, topic clusters.

Pure text in, arrays and frames out: no store, no SQL (analytics.metrics.audience feeds it).

Why TF-IDF and cosine: it is a real, documented and explainable method (Salton & Buckley, 1988)
that runs offline, deterministically and fast on 100,000s of bios (a sparse matrix product);
a sentence-embedding model would need a download. English and French share one space: the
stop words of both languages are removed and accents are folded, so "données" and "donnees"
are one term, and bilingual accounts are not split in two.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import pandas as pd

from analytics.i18n import N_, _, format_number, use_language

# scikit-learn and SciPy take about a second to import (scikit-learn loads SciPy's statistics):
# they are imported where a text is first vectorised, so that a server's first page, which fits
# no topic, and the command line's other commands do not wait for them.
if TYPE_CHECKING:
    from scipy import sparse
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

# English: scikit-learn's list (Glasgow IR group), plus contractions pieces left after splitting.
EN_EXTRA_STOP_WORDS: frozenset[str] = frozenset(
    {"im", "ive", "dont", "doesnt", "didnt", "isnt", "wasnt", "youre", "theyre", "weve", "thats", "whats",
     "lets", "ll", "re", "ve", "just", "really", "like", "new", "does", "did", "got", "s", "t", "d", "m"}
)
# French: articles, pronouns, prepositions, conjunctions, auxiliaries and common adverbs,
# written without accents (accents are folded before the stop words are applied).
FR_STOP_WORDS: frozenset[str] = frozenset(
    """
    a ai aie aient aies ait alors as au aucun aucune aupres aussi autre autres aux avaient avais avait
    avant avec avez aviez avions avoir avons ayant c ca car ce ceci cela celle celles celui ces cet
    cette ceux chaque chez ci comme comment d dans de des deja depuis devant doit donc dont du elle
    elles en encore entre es est et etaient etais etait etant ete etes etiez etions etre eu eue eues
    eux fait faire fais font furent fut hors ici il ils j je jusqu jusque l la le les leur leurs lui
    m ma mais me meme memes mes moi mon n ne ni nos notre nous on ont ou par parce pas peu peut plus
    pour pourquoi quand que quel quelle quelles quels qui quoi s sa sans se sera serai seront ses
    si sien son sont sous soyez suis sur t ta tandis te tes toi ton tous tout toute toutes tres tu
    un une unes uns vers voici voila vos votre vous y c est qu chez ceux cela celui apres avant
    bien bon fois ici la non oui rien sans sinon tant tellement toujours trop vraiment nouveau nouvelle
    """.split()
)
# Words every profile or post may carry whatever its topic: links, boilerplate, platform words.
PLATFORM_STOP_WORDS: frozenset[str] = frozenset(
    """
    http https www com co org net html amp gt lt rt via dm dms bio link links lien liens views
    opinions opinion own personal personnels personnelles avis mine endorsement endorsements tweets
    tweet posts post thread threads
    """.split()
)


@functools.cache
def stop_words() -> frozenset[str]:
    """Every stop word: English (scikit-learn's list and EN_EXTRA_STOP_WORDS), French, platform."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | EN_EXTRA_STOP_WORDS | FR_STOP_WORDS | PLATFORM_STOP_WORDS


def __getattr__(name: str) -> frozenset[str]:
    # `textfit.STOP_WORDS`, computed on first use (it needs scikit-learn's English list).
    if name == "STOP_WORDS":
        return stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Letters only, two or more: numbers, years and handles' digits say nothing about topics.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w*[^\W\d_]\w*)")
_ELISION = re.compile(r"\b[cdjlmnqst]['’]", re.IGNORECASE)  # French l', d', qu'... joined to the next word
# What any of the five steps above needs to find (an entity's &, a link's start, @, #, an
# apostrophe), with the same flags: a text without it is left as it is by all five, which is most
# names (clean_text over the 831,000 distinct names and bios of a million varied followers: 6.3 to
# 6.9 s with the five steps run on every text, 3.5 to 4.4 s with this test first).
_MARKUP = re.compile(r"[&@#'’]|https?:|www\.", re.IGNORECASE)

# A fit at or above this cosine counts as on-topic. Calibrated on the demo account (bios of
# 5 to 15 words plus a name, ~1,000 posts on data journalism, unigrams): on-topic bios have a
# median fit of 0.045 (a quarter below 0.027, a tenth below 0.011: they share one word with the
# posts), off-topic bios 0. The cosine to a centroid of many posts is small by construction
# (the account's own posts score 0.28 on median), hence a small threshold, set above the
# one-incidental-word level.
ON_TOPIC_THRESHOLD = 0.02
# The coherence of one follower saturates at this fit (the on-topic bios' upper quartile): past
# it a bio is fully on-topic, so a few long, very on-topic bios cannot carry unrelated ones.
FULL_FIT = 0.08

FIT_METHOD_TEXT = N_(
    "Each follower's fit is the cosine similarity between their bio and name and the account's topic "
    "vector, in one TF-IDF space (words of 2+ letters, English and French stop words removed, "
    "accents folded, links and @mentions dropped, hashtags read as words, sublinear term frequency, "
    "IDF over the posts and the bios of every follower the account has had). The topic vector is the mean "
    "of the account's post vectors. The space is fitted once per account and kept: new and changed profiles "
    "are projected into it, and it is fitted again when the posts change or a fifth of the profiles are new. "
    "A follower is on-topic when the fit is {on_topic} or more."
)
COHERENCE_METHOD_TEXT = N_(
    "Coherence = mean over followers with any word in bio or name of min(fit / {full_fit}, 1): "
    "1 when every follower's fit reaches {full_fit}, 0 when no follower shares a term with the "
    "account's topics. Followers with no bio and no name are left out (they say nothing to judge); "
    "a name alone counts and usually fits 0, so eggs lower coherence."
)


def fit_method() -> str:
    """How a follower's fit is measured, in the current language."""
    return _(FIT_METHOD_TEXT).format(on_topic=format_number(ON_TOPIC_THRESHOLD, 2))


def coherence_method() -> str:
    """How coherence is computed from the fits, in the current language."""
    return _(COHERENCE_METHOD_TEXT).format(full_fit=format_number(FULL_FIT, 2))


with use_language("en"):
    FIT_METHOD = fit_method()
    COHERENCE_METHOD = coherence_method()


def clean_text(text: str) -> str:
    """Lower-case, accent-free text without links and mentions; hashtags become words."""
    if _MARKUP.search(text):
        text = html.unescape(text)
        text = _URL.sub(" ", text)
        text = _MENTION.sub(" ", text)
        text = _HASHTAG.sub(r" \1 ", text)
        text = _ELISION.sub(" ", text)
    if text.isascii():
        return text.lower()  # nothing to fold: the common case, without a loop over characters
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def hashtags_of(texts: pd.Series) -> pd.DataFrame:
    """Hashtags used in `texts`: hashtag (as first written, lower-cased), uses; most used first."""
    found = texts.fillna("").astype(str).str.findall(_HASHTAG.pattern).explode().dropna()
    if found.empty:
        return pd.DataFrame({"hashtag": pd.Series(dtype="string"), "uses": pd.Series(dtype="int64")})
    counts = ("#" + found.str.lower()).value_counts()
    return pd.DataFrame({"hashtag": counts.index.astype("string"), "uses": counts.to_numpy(dtype="int64")})


def make_vectorizer(ngrams: tuple[int, int] = (1, 1)) -> TfidfVectorizer:
    """The TF-IDF space every text of an audience analysis is projected into.

    Single words for fits: bigrams spread a text's weight over twice the terms and halve the
    cosines without separating on- and off-topic bios any better (measured on the demo).
    Clusters use bigrams too, for readable labels ("open data").
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        preprocessor=clean_text,
        token_pattern=TOKEN_PATTERN,
        stop_words=sorted(stop_words()),
        ngram_range=ngrams,
        sublinear_tf=True,  # a word repeated in one bio is not ten times the topic
        norm="l2",
        dtype=np.float32,
    )


@dataclass(frozen=True)
class TopicSpace:
    """The account's topics in a TF-IDF space, and the fit of each follower text to them."""

    basis: str  # "posts" (the account's own posts) or "followers" (their dominant topics)
    terms: pd.DataFrame  # term, weight: the topic vector's strongest terms
    fits: np.ndarray  # per follower text: cosine fit, NaN when the text has no term at all
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _same(text: str) -> str:
    """The preprocessor of texts already passed through clean_text."""
    return text


def _counter(ngrams: tuple[int, int], vocabulary: list[str] | None = None) -> CountVectorizer:
    """Token counts in the words of make_vectorizer, for texts already cleaned (clean_text)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        preprocessor=_same, token_pattern=TOKEN_PATTERN, stop_words=sorted(stop_words()), ngram_range=ngrams,
        vocabulary=vocabulary, dtype=np.float32,
    )


def _weigh(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """TfidfVectorizer's weighting: sublinear term frequency times IDF, rows of unit length."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    matrix = sparse.csr_matrix(counts, dtype=np.float32, copy=True)
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices].astype(np.float32)
    return sparse.csr_matrix(normalize(matrix, norm="l2", copy=False))


@dataclass(frozen=True)
class JoinedTexts:
    """Cleaned texts each made of two parts joined by a space (a follower's bio and name), held as
    the distinct parts and, per text, the position of each of its parts among them.

    No token spans the space between the parts: clean_text's links, mentions, hashtags, elisions
    and entities all end at a space, and TOKEN_PATTERN's words stop there. So in a space of single
    words a text's term counts are its parts' counts added, and each distinct part is cleaned and
    tokenised once. A million followers have nearly as many distinct bio-and-name pairs as
    followers (783,000 in the Meetups bench's store), but only 14,000 distinct bios and 207,000
    distinct names: cleaning and tokenising the pairs took 15.5 s and 6.2 s, the parts 1.9 s and
    0.9 s. Bigrams would span the join: only single-word spaces take joined texts."""

    firsts: np.ndarray  # distinct cleaned first parts
    seconds: np.ndarray  # distinct cleaned second parts
    first: np.ndarray  # per text, the position of its first part in `firsts`
    second: np.ndarray  # per text, the position of its second part in `seconds`

    def __len__(self) -> int:
        return len(self.first)

    @classmethod
    def of(cls, firsts: np.ndarray, first_of: np.ndarray, seconds: np.ndarray,
           second_of: np.ndarray) -> tuple[JoinedTexts, np.ndarray, np.ndarray]:
        """The distinct pairs among rows whose parts are `firsts[first_of]` and
        `seconds[second_of]`: (the pairs, each row's pair, how many rows each pair has)."""
        width = max(len(seconds), 1)
        keys = np.asarray(first_of, dtype=np.int64) * width + np.asarray(second_of, dtype=np.int64)
        inverse, distinct = pd.factorize(keys, sort=False)
        counts = np.bincount(inverse, minlength=len(distinct)).astype("float64")
        distinct = np.asarray(distinct, dtype=np.int64)
        return cls(np.asarray(firsts, dtype=object), np.asarray(seconds, dtype=object),
                   distinct // width, distinct % width), np.asarray(inverse), counts

    def texts(self) -> np.ndarray:
        """The joined texts themselves (for tests and small corpora)."""
        return np.array([f"{self.firsts[a]} {self.seconds[b]}" for a, b in zip(self.first, self.second, strict=True)],
                        dtype=object)

    def rows(self, first_counts: sparse.csr_matrix, second_counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Each text's term counts, from its parts' (rows of `firsts` and `seconds`, same columns)."""
        from scipy import sparse

        first = sparse.csr_matrix(first_counts)[self.first]
        second = sparse.csr_matrix(second_counts)[self.second]
        return sparse.csr_matrix(first + second)


# Distinct cleaned texts: written out, or joined from parts.
Texts: TypeAlias = np.ndarray | JoinedTexts


def _single_words(ngrams: tuple[int, int], texts: Texts) -> None:
    if isinstance(texts, JoinedTexts) and ngrams != (1, 1):
        raise ValueError("joined texts are counted in a space of single words only: a bigram would span the join")


def count_terms(ngrams: tuple[int, int], *corpora: Texts) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The term counts of every text of `corpora`, one after the other, in a vocabulary fitted on
    them all: (counts, terms). Raises ValueError when no text holds a term."""
    from scipy import sparse

    for texts in corpora:
        _single_words(ngrams, texts)
    flat: list[str] = []
    for texts in corpora:
        parts = [texts.firsts, texts.seconds] if isinstance(texts, JoinedTexts) else [texts]
        for part in parts:
            flat.extend(part)
    counter = _counter(ngrams)
    raw = sparse.csr_matrix(counter.fit_transform(flat))
    if len(corpora) == 1 and not isinstance(corpora[0], JoinedTexts):
        return raw, counter.get_feature_names_out()
    blocks: list[sparse.csr_matrix] = []
    start = 0
    for texts in corpora:
        if isinstance(texts, JoinedTexts):
            middle, end = start + len(texts.firsts), start + len(texts.firsts) + len(texts.seconds)
            blocks.append(texts.rows(raw[start:middle], raw[middle:end]))
        else:
            end = start + len(texts)
            blocks.append(raw[start:end])
        start = end
    return sparse.csr_matrix(sparse.vstack(blocks, format="csr")), counter.get_feature_names_out()


@dataclass(frozen=True)
class WeightedSpace:
    """A TF-IDF space kept as its terms (sorted) and their IDF: any cleaned text can be projected
    into it later and gets exactly the vector it would have had when the space was fitted."""

    terms: np.ndarray
    idf: np.ndarray
    ngrams: tuple[int, int]

    def transform(self, cleaned: Texts | list[str]) -> sparse.csr_matrix:
        from scipy import sparse

        counter = _counter(self.ngrams, list(self.terms))
        if isinstance(cleaned, JoinedTexts):
            _single_words(self.ngrams, cleaned)
            counts = cleaned.rows(counter.transform(list(cleaned.firsts)), counter.transform(list(cleaned.seconds)))
        else:
            counts = counter.transform(list(cleaned))
        return _weigh(sparse.csr_matrix(counts), self.idf)


def fit_space(cleaned: Texts, weights: np.ndarray, ngrams: tuple[int, int], min_df: float = 1,
              max_features: int | None = None) -> tuple[WeightedSpace, sparse.csr_matrix]:
    """Fit a TF-IDF space on distinct cleaned texts, each counted `weights` times.

    Document frequencies and the number of documents are weighted, so the IDF is exactly the one
    of the corpus with every duplicate present (what TfidfVectorizer with smooth IDF computes),
    while each distinct text is tokenised once. Raises ValueError when no term is left."""
    raw, names = count_terms(ngrams, cleaned)
    return space_of_counts(raw, names, weights, ngrams, min_df, max_features)


def space_of_counts(raw: sparse.csr_matrix, names: np.ndarray, weights: np.ndarray, ngrams: tuple[int, int],
                    min_df: float = 1, max_features: int | None = None) -> tuple[WeightedSpace, sparse.csr_matrix]:
    """fit_space on texts already counted (count_terms): the kept terms, their IDF, the weighted rows."""
    from scipy import sparse

    present = raw.copy()
    present.data[:] = 1.0
    df = np.asarray(present.T @ weights, dtype="float64").ravel()
    keep = df >= min_df
    if max_features is not None and keep.sum() > max_features:
        # The most frequent terms; ties by the term, so the space is the same on every run.
        order = np.lexsort((names, -df))
        chosen = np.zeros(len(df), dtype=bool)
        chosen[[i for i in order if keep[i]][:max_features]] = True
        keep = chosen
    if not keep.any():
        raise ValueError("After pruning, no terms remain.")
    columns = np.flatnonzero(keep)
    total = float(np.sum(weights))
    idf = np.log((1.0 + total) / (1.0 + df[columns])) + 1.0
    space = WeightedSpace(np.asarray(names[columns], dtype=object), idf, ngrams)
    return space, _weigh(sparse.csr_matrix(raw[:, columns]), idf)


@dataclass(frozen=True)
class FitSpace:
    """The account's topic vector in a fitted space, and the fits of the texts it was fitted on."""

    space: WeightedSpace | None
    centroid: np.ndarray | None  # unit length, float32
    basis: str
    terms: pd.DataFrame  # term, weight: the topic vector's strongest terms
    fits: np.ndarray  # per follower text: cosine fit, NaN when the text has no term at all
    reason: str | None = None


FIT_MAX_TERMS = 200_000  # bounds the kept model on huge audiences (names alone are many words)


def weighted_topic_space(clean_posts: np.ndarray, follower_texts: Texts, counts: np.ndarray, top: int = 20) -> FitSpace:
    """topic_space on cleaned texts, followers' distinct texts counted `counts` times."""
    posts = np.asarray([t for t in clean_posts if t.strip()], dtype=object)
    followers = follower_texts if isinstance(follower_texts, JoinedTexts) else np.asarray(follower_texts, dtype=object)
    empty_terms = pd.DataFrame({"term": pd.Series(dtype="string"), "weight": pd.Series(dtype="float64")})
    nan_fits = np.full(len(followers), np.nan)
    weights = np.concatenate([np.ones(len(posts)), np.asarray(counts, dtype="float64")])
    try:
        raw, names = count_terms((1, 1), posts, followers)
        space, matrix = space_of_counts(raw, names, weights, (1, 1), max_features=FIT_MAX_TERMS)
    except ValueError:  # an empty vocabulary: nothing but stop words, digits or nothing at all
        return FitSpace(None, None, "posts" if len(posts) else "followers", empty_terms, nan_fits,
                        _("Not enough text: neither the posts nor the followers' bios hold a topic word."))
    post_rows, follower_rows = matrix[: len(posts)], matrix[len(posts):]
    has_words = np.asarray(follower_rows.getnnz(axis=1) > 0)
    basis = "posts"
    post_words = np.asarray(post_rows.getnnz(axis=1) > 0)
    if post_words.any():
        centroid = np.asarray(post_rows[post_words].mean(axis=0), dtype="float64").ravel()
    elif has_words.any():
        # No post with text: the followers' own dominant topics stand in (coherence then says
        # how concentrated the audience is, not how well it matches the account).
        basis = "followers"
        weights_with_words = np.asarray(counts, dtype="float64")[has_words]
        centroid = np.asarray(weights_with_words @ follower_rows[has_words], dtype="float64").ravel() / weights_with_words.sum()
    else:
        return FitSpace(None, None, "followers", empty_terms, nan_fits,
                        _("Not enough text: no follower has a bio or name with a topic word."))
    centroid = (centroid / float(np.linalg.norm(centroid))).astype(np.float32)
    fits = np.asarray(follower_rows @ centroid, dtype="float64").ravel()
    fits[~has_words] = np.nan
    return FitSpace(space, centroid, basis, top_terms(space, centroid, top), fits)


def top_terms(space: WeightedSpace, centroid: np.ndarray, top: int = 20) -> pd.DataFrame:
    """The topic vector's `top` strongest terms (term, weight), positive weights only."""
    order = np.argsort(-centroid, kind="stable")[:top]
    terms = pd.DataFrame({"term": pd.array(space.terms[order].astype(str), dtype="string"),
                          "weight": np.asarray(centroid[order], dtype="float64")})
    return terms[terms["weight"] > 0].reset_index(drop=True)


def topic_space(post_texts: pd.Series, follower_texts: pd.Series, top: int = 20) -> TopicSpace:
    """Fit every follower text to the account's topics (posts; else the followers' own centroid)."""
    posts = post_texts.fillna("").astype(str)
    posts = posts[posts.str.strip() != ""]
    followers = follower_texts.fillna("").astype(str).reset_index(drop=True)
    clean_posts = np.array([clean_text(t) for t in posts], dtype=object)
    codes, distinct = pd.factorize(pd.Series([clean_text(t) for t in followers], dtype=object), sort=False)
    counts = np.bincount(codes, minlength=len(distinct)).astype("float64")
    found = weighted_topic_space(clean_posts, np.asarray(distinct, dtype=object), counts, top)
    fits = found.fits[codes] if len(codes) else np.zeros(0)
    return TopicSpace(found.basis, found.terms, fits, found.reason)


def follower_score(fits: np.ndarray) -> np.ndarray:
    """Per follower, min(fit / FULL_FIT, 1): the part of COHERENCE_METHOD one follower adds."""
    return np.minimum(np.asarray(fits, dtype="float64") / FULL_FIT, 1.0)


def coherence_of(fits: np.ndarray) -> float | None:
    """COHERENCE_METHOD over the given fits (NaN fits left out); None when none is known."""
    known = np.asarray(fits, dtype="float64")
    known = known[~np.isnan(known)]
    return float(follower_score(known).mean()) if len(known) else None


def on_topic_share(fits: np.ndarray) -> float | None:
    """Share of followers with a known fit at or above ON_TOPIC_THRESHOLD."""
    known = np.asarray(fits, dtype="float64")
    known = known[~np.isnan(known)]
    return float((known >= ON_TOPIC_THRESHOLD).mean()) if len(known) else None


# --- Topic clusters ------------------------------------------------------------------------

CLUSTER_RANDOM_STATE = 0
TOPIC_MAX_TERMS = 50_000  # the most frequent words and bigrams of the bios
NO_TOPIC = -1  # cluster of followers whose bio holds no topic word
NO_TOPIC_LABEL = N_("no topic words")  # that cluster's name, shown through _()
CLUSTER_METHOD_TEXT = N_(
    "Bios (names left out: they would cluster first names) in a TF-IDF space of words and bigrams, "
    "English and French stop words removed, terms in at least 2 bios (the {max_terms} most frequent). "
    "Non-negative matrix factorisation (scikit-learn NMF, NNDSVDa start, random_state={random_state}) "
    "finds the topics once per account, on the bios of every follower it has had (identical bios counted as "
    "often as they occur); each follower joins the topic with the largest weight, the topics held fixed. "
    "Followers whose bio has no kept term are 'no topic words'. A topic is named by its three most telling "
    "distinct words: among its 30 strongest terms, those whose weight is both high in it and mostly its own "
    "(weight × the topic's share of the term's weight over all topics), a bigram adding only its new words, "
    "and no two topics opening on the same word. The table lists each topic's five strongest terms."
)


def cluster_method() -> str:
    """How the topics are found and named, in the current language."""
    return _(CLUSTER_METHOD_TEXT).format(max_terms=format_number(TOPIC_MAX_TERMS), random_state=CLUSTER_RANDOM_STATE)


with use_language("en"):
    CLUSTER_METHOD = cluster_method()


@dataclass(frozen=True)
class TopicClusters:
    labels: np.ndarray  # per text: cluster number, NO_TOPIC when the text has no kept term
    clusters: pd.DataFrame  # cluster, label, top_terms (list), size, share
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None




@dataclass(frozen=True)
class TopicModel:
    """Topics fitted on distinct cleaned bios: the space, the topics' term weights (biggest topic
    first), each fitted text's topic, and each topic's top terms."""

    space: WeightedSpace | None
    components: np.ndarray | None  # topics x terms
    labels: np.ndarray  # per distinct text given
    tops: list[list[str]]
    reason: str | None = None


def assign_topics(matrix: sparse.csr_matrix, components: np.ndarray) -> np.ndarray:
    """Each row's topic: the largest of its non-negative weights on the topics with `components`
    held fixed (NMF's transform), NO_TOPIC when the row has no kept term. The same function labels
    the texts a model was fitted on and every text projected later, so a follower's topic depends
    only on their bio and the model."""
    labels = np.full(matrix.shape[0], NO_TOPIC, dtype="int64")
    has_words = np.asarray(matrix.getnnz(axis=1) > 0)
    if not has_words.any() or components.shape[0] == 0:
        return labels
    from sklearn.decomposition import non_negative_factorization

    rows = matrix[has_words]
    weights, _, _ = non_negative_factorization(
        rows.astype(np.float64), H=components.astype(np.float64), n_components=components.shape[0], update_H=False,
        solver="cd", max_iter=300, random_state=CLUSTER_RANDOM_STATE,
    )
    labels[has_words] = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), NO_TOPIC)
    return labels


def weighted_clusters(cleaned: np.ndarray, counts: np.ndarray, k: int = 6, top: int = 5, min_texts: int = 10) -> TopicModel:
    """NMF topics of distinct cleaned bios, each counted `counts` times (see CLUSTER_METHOD).

    A bio present c times enters the factorisation as one row scaled by sqrt(c): the squared
    error it adds is then exactly that of its c copies, so the topics are those of every bio while
    each distinct bio is factorised once."""
    texts = np.asarray(cleaned, dtype=object)
    counts = np.asarray(counts, dtype="float64")
    no_labels = np.full(len(texts), NO_TOPIC, dtype="int64")
    with_text = int(counts[np.array([t.strip() != "" for t in texts], dtype=bool)].sum()) if len(texts) else 0
    if with_text < min_texts:
        return TopicModel(
            None, None, no_labels, [],
            _('Not enough bios: {with_text} follower(s) have one, at least {min_texts} are needed.').format(
                with_text=with_text, min_texts=min_texts,
            ),
        )
    # Terms in a single bio cannot make a group; with very few bios keep them all.
    try:
        space, matrix = fit_space(texts, counts, (1, 2), min_df=2 if with_text >= 50 else 1, max_features=TOPIC_MAX_TERMS)
    except ValueError:
        return TopicModel(None, None, no_labels, [], _("Not enough text: the bios hold no topic word shared by two followers."))
    has_words = np.asarray(matrix.getnnz(axis=1) > 0)
    from scipy import sparse
    from sklearn.decomposition import NMF

    k = max(1, min(k, int(counts[has_words].sum()) // 3, matrix.shape[1]))
    scaled = sparse.diags(np.sqrt(counts[has_words])) @ matrix[has_words]
    model = NMF(n_components=k, init="nndsvda", random_state=CLUSTER_RANDOM_STATE, max_iter=300)
    model.fit(sparse.csr_matrix(scaled, dtype=np.float64))
    components = np.asarray(model.components_, dtype="float64")
    labels = assign_topics(matrix, components)
    sizes = [float(counts[labels == c].sum()) for c in range(k)]
    # Biggest topic first, numbered in that order so numbers are stable for a given input.
    order = sorted(range(k), key=lambda c: (-sizes[c], c))
    renumber = np.full(k + 1, NO_TOPIC, dtype="int64")
    for new, old in enumerate(order):
        renumber[old] = new
    labels = np.where(labels == NO_TOPIC, NO_TOPIC, renumber[np.maximum(labels, 0)])
    components = components[order]
    return TopicModel(space, components, labels, topic_terms(space, components, top))


LABEL_WORDS = 3  # words in a topic's name
LABEL_CANDIDATES = 30  # a topic's strongest terms among which its name's words are chosen


def distinctiveness(weights: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """How telling each term is of one topic: its weight there times the share of its weight
    (over every topic) that this topic holds. A word strong in every topic ("follow" in a
    follow-back audience) scores low beside one that only this topic uses."""
    weights = np.asarray(weights, dtype="float64")
    totals = np.asarray(totals, dtype="float64")
    share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    telling: np.ndarray = weights * share
    return telling


def distinct_label(terms: list[str], scores: np.ndarray | list[float], words: int = LABEL_WORDS) -> str:
    """A topic's name: its most telling distinct words, best first. Terms are words and bigrams;
    a bigram adds only its words not already in the name, so "feature · bug · feature bug" becomes
    "feature · bug" followed by the next new word."""
    order = np.argsort(-np.asarray(scores, dtype="float64"), kind="stable")
    chosen: list[str] = []
    for index in order:
        for word in str(terms[index]).split():
            if word not in chosen:
                chosen.append(word)
            if len(chosen) == words:
                return " · ".join(chosen)
    return " · ".join(chosen)


def topic_names(terms: list[list[str]], weights: list[np.ndarray], totals: list[np.ndarray],
                words: int = LABEL_WORDS) -> list[str]:
    """Each topic's name from its candidate terms, their weights in it and over all topics (biggest
    topic first). Two topics do not open on the same word where another telling word is left: a
    term opening on an earlier topic's first word goes after the others. Names are unique (a chart
    draws one bar per name)."""
    names: list[str] = []
    firsts: set[str] = set()
    for candidates, topic_weights, topic_totals in zip(terms, weights, totals, strict=True):
        scores = distinctiveness(topic_weights, topic_totals)
        taken = np.array([bool(t.split()) and t.split()[0] in firsts for t in candidates], dtype=bool)
        # Below every term of its own, in the same order among themselves.
        scores = np.where(taken, scores - (scores.max() if len(scores) else 0.0) - 1.0, scores)
        name = distinct_label(list(candidates), scores, words)
        while name in names:
            name += " ·"
        names.append(name)
        if name:
            firsts.add(name.split(" · ")[0])
    return names


def component_names(space: WeightedSpace, components: np.ndarray, words: int = LABEL_WORDS) -> list[str]:
    """topic_names over a fitted model's components (topics x terms)."""
    totals = components.sum(axis=0)
    terms, weights, sums = [], [], []
    for row in components:
        top = np.argsort(-row, kind="stable")[:LABEL_CANDIDATES]
        terms.append(list(space.terms[top].astype(str)))
        weights.append(row[top])
        sums.append(totals[top])
    return topic_names(terms, weights, sums, words)


def topic_terms(space: WeightedSpace, components: np.ndarray, top: int = 5) -> list[list[str]]:
    """Each topic's `top` strongest terms."""
    return [list(space.terms[np.argsort(-row, kind="stable")[:top]].astype(str)) for row in components]


def cluster_texts(texts: pd.Series, k: int = 6, top: int = 5, min_texts: int = 10) -> TopicClusters:
    """Topic clusters of `texts` (bios) with NMF; see CLUSTER_METHOD."""
    bios = texts.fillna("").astype(str).reset_index(drop=True)
    empty = _cluster_frame([], [], [], len(bios))
    codes, distinct = pd.factorize(pd.Series([clean_text(t) for t in bios], dtype=object), sort=False)
    counts = np.bincount(codes, minlength=len(distinct)).astype("float64") if len(codes) else np.zeros(0)
    found = weighted_clusters(np.asarray(distinct, dtype=object), counts, k=k, top=top, min_texts=min_texts)
    if found.reason is not None or found.components is None:
        return TopicClusters(np.full(len(bios), NO_TOPIC, dtype="int64"), empty, found.reason)
    labels = found.labels[codes]
    k = found.components.shape[0]
    sizes = [int((labels == c).sum()) for c in range(k)]
    assert found.space is not None
    clusters = _cluster_frame(found.tops, sizes, list(range(k)), len(bios), component_names(found.space, found.components))
    no_topic = int((labels == NO_TOPIC).sum())
    if no_topic:
        extra = pd.DataFrame({"cluster": [NO_TOPIC], "label": [_(NO_TOPIC_LABEL)], "top_terms": [[]],
                              "size": [no_topic], "share": [no_topic / len(bios)]})
        clusters = pd.concat([clusters, extra], ignore_index=True)
    return TopicClusters(labels, clusters)


def _cluster_frame(tops: list[list[str]], sizes: list[int], numbers: list[int], total: int,
                   names: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "cluster": pd.Series(numbers, dtype="int64"),
        "label": pd.Series(names if names is not None else [" · ".join(t[:3]) for t in tops], dtype="object"),
        "top_terms": pd.Series(tops, dtype="object"),
        "size": pd.Series(sizes, dtype="int64"),
        "share": pd.Series([s / total if total else 0.0 for s in sizes], dtype="float64"),
    })
