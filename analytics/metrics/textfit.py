"""The text method behind audience coherence: TF-IDF vectors, cosine fit, topic clusters.

Pure text in, arrays and frames out: no store, no SQL (analytics.metrics.audience feeds it).

Why TF-IDF and cosine: it is a real, documented and explainable method (Salton & Buckley, 1988)
that runs offline, deterministically and fast on 100,000s of bios (a sparse matrix product);
a sentence-embedding model would need a download. English and French share one space: the
stop words of both languages are removed and accents are folded, so "données" and "donnees"
are one term, and bilingual accounts are not split in two.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

# English: scikit-learn's list (Glasgow IR group), plus contractions pieces left after splitting.
EN_STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | frozenset(
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
STOP_WORDS: frozenset[str] = EN_STOP_WORDS | FR_STOP_WORDS | PLATFORM_STOP_WORDS

# Letters only, two or more: numbers, years and handles' digits say nothing about topics.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w*[^\W\d_]\w*)")
_ELISION = re.compile(r"\b[cdjlmnqst]['’]", re.IGNORECASE)  # French l', d', qu'... joined to the next word

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

FIT_METHOD = (
    "Each follower's fit is the cosine similarity between their bio and name and the account's topic "
    "vector, in one TF-IDF space (words of 2+ letters, English and French stop words removed, "
    "accents folded, links and @mentions dropped, hashtags read as words, sublinear term frequency, "
    "IDF over posts and bios together). The topic vector is the mean of the account's post vectors. "
    f"A follower is on-topic when the fit is {ON_TOPIC_THRESHOLD:.2f} or more."
)
COHERENCE_METHOD = (
    f"Coherence = mean over followers with any word in bio or name of min(fit / {FULL_FIT:.2f}, 1): "
    f"1 when every follower's fit reaches {FULL_FIT:.2f}, 0 when no follower shares a term with the "
    "account's topics. Followers with no bio and no name are left out (they say nothing to judge); "
    "a name alone counts and usually fits 0, so eggs lower coherence."
)


def clean_text(text: str) -> str:
    """Lower-case, accent-free text without links and mentions; hashtags become words."""
    text = html.unescape(text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(r" \1 ", text)
    text = _ELISION.sub(" ", text)
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
    return TfidfVectorizer(
        preprocessor=clean_text,
        token_pattern=TOKEN_PATTERN,
        stop_words=sorted(STOP_WORDS),
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


def topic_space(post_texts: pd.Series, follower_texts: pd.Series, top: int = 20) -> TopicSpace:
    """Fit every follower text to the account's topics (posts; else the followers' own centroid)."""
    posts = post_texts.fillna("").astype(str)
    posts = posts[posts.str.strip() != ""]
    followers = follower_texts.fillna("").astype(str).reset_index(drop=True)
    empty_terms = pd.DataFrame({"term": pd.Series(dtype="string"), "weight": pd.Series(dtype="float64")})
    nan_fits = np.full(len(followers), np.nan)
    corpus = pd.concat([posts, followers], ignore_index=True)
    vectorizer = make_vectorizer()
    try:
        matrix = vectorizer.fit_transform(corpus)
    except ValueError:  # an empty vocabulary: nothing but stop words, digits or nothing at all
        return TopicSpace("posts" if len(posts) else "followers", empty_terms, nan_fits,
                          "Not enough text: neither the posts nor the followers' bios hold a topic word.")
    matrix = sparse.csr_matrix(matrix)
    post_rows, follower_rows = matrix[: len(posts)], matrix[len(posts):]
    has_words = np.asarray(follower_rows.getnnz(axis=1) > 0)
    basis = "posts"
    source = post_rows[np.asarray(post_rows.getnnz(axis=1) > 0)]
    if source.shape[0] == 0:
        # No post with text: the followers' own dominant topics stand in (coherence then says
        # how concentrated the audience is, not how well it matches the account).
        basis = "followers"
        source = follower_rows[has_words]
    if source.shape[0] == 0:
        return TopicSpace(basis, empty_terms, nan_fits, "Not enough text: no follower has a bio or name with a topic word.")
    centroid = np.asarray(source.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid))
    centroid = centroid / norm
    fits = np.asarray(follower_rows @ centroid, dtype="float64").ravel()
    fits[~has_words] = np.nan
    order = np.argsort(-centroid, kind="stable")[:top]
    names = vectorizer.get_feature_names_out()
    terms = pd.DataFrame({"term": pd.array(names[order], dtype="string"), "weight": centroid[order].astype("float64")})
    return TopicSpace(basis, terms[terms["weight"] > 0].reset_index(drop=True), fits)


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
NO_TOPIC = -1  # cluster of followers whose bio holds no topic word
CLUSTER_METHOD = (
    "Bios (names left out: they would cluster first names) in a TF-IDF space of words and bigrams, "
    "English and French stop words removed, terms in at least 2 bios. Non-negative matrix factorisation "
    f"(scikit-learn NMF, NNDSVDa start, random_state={CLUSTER_RANDOM_STATE}) finds k topics; each follower "
    "joins the topic with the largest weight. Followers whose bio has no kept term are 'no topic words'. "
    "Labels are each topic's strongest terms."
)


@dataclass(frozen=True)
class TopicClusters:
    labels: np.ndarray  # per text: cluster number, NO_TOPIC when the text has no kept term
    clusters: pd.DataFrame  # cluster, label, top_terms (list), size, share
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def cluster_texts(texts: pd.Series, k: int = 6, top: int = 5, min_texts: int = 10) -> TopicClusters:
    """Topic clusters of `texts` (bios) with NMF; see CLUSTER_METHOD."""
    bios = texts.fillna("").astype(str).reset_index(drop=True)
    no_labels = np.full(len(bios), NO_TOPIC, dtype="int64")
    empty = _cluster_frame([], [], [], len(bios))
    with_text = int((bios.str.strip() != "").sum())
    if with_text < min_texts:
        return TopicClusters(no_labels, empty, f"Not enough bios: {with_text} follower(s) have one, at least {min_texts} are needed.")
    # Terms in a single bio cannot make a group; with very few bios keep them all.
    vectorizer = make_vectorizer((1, 2))
    vectorizer.set_params(min_df=2 if with_text >= 50 else 1)
    try:
        matrix = sparse.csr_matrix(vectorizer.fit_transform(bios))
    except ValueError:
        return TopicClusters(no_labels, empty, "Not enough text: the bios hold no topic word shared by two followers.")
    has_words = np.asarray(matrix.getnnz(axis=1) > 0)
    k = max(1, min(k, int(has_words.sum()) // 3, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=CLUSTER_RANDOM_STATE, max_iter=300)
    weights = model.fit_transform(matrix)
    labels = np.where(has_words & (weights.max(axis=1) > 0), weights.argmax(axis=1), NO_TOPIC).astype("int64")
    names = vectorizer.get_feature_names_out()
    tops = [list(names[np.argsort(-row, kind="stable")[:top]]) for row in model.components_]
    sizes = [int((labels == c).sum()) for c in range(k)]
    # Biggest topic first, numbered in that order so numbers are stable for a given input.
    order = sorted(range(k), key=lambda c: (-sizes[c], c))
    renumber = {old: new for new, old in enumerate(order)}
    labels = np.array([renumber.get(int(c), NO_TOPIC) for c in labels], dtype="int64")
    clusters = _cluster_frame([tops[c] for c in order], [sizes[c] for c in order], list(range(k)), len(bios))
    no_topic = int((labels == NO_TOPIC).sum())
    if no_topic:
        extra = pd.DataFrame({"cluster": [NO_TOPIC], "label": ["no topic words"], "top_terms": [[]],
                              "size": [no_topic], "share": [no_topic / len(bios)]})
        clusters = pd.concat([clusters, extra], ignore_index=True)
    return TopicClusters(labels, clusters)


def _cluster_frame(tops: list[list[str]], sizes: list[int], numbers: list[int], total: int) -> pd.DataFrame:
    return pd.DataFrame({
        "cluster": pd.Series(numbers, dtype="int64"),
        "label": pd.Series([" · ".join(t[:3]) for t in tops], dtype="object"),
        "top_terms": pd.Series(tops, dtype="object"),
        "size": pd.Series(sizes, dtype="int64"),
        "share": pd.Series([s / total if total else 0.0 for s in sizes], dtype="float64"),
    })
