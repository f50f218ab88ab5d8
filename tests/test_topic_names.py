"""Topic clusters are named by their most telling distinct words (#15 item 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.metrics import textfit


def test_a_bigram_adds_only_its_new_words() -> None:
    terms = ["bug", "feature", "feature bug", "release", "tracker"]
    assert textfit.distinct_label(terms, [5, 4, 3, 2, 1]) == "bug · feature · release"
    # The example: "follow · follow teamfollowback" names one word twice.
    assert textfit.distinct_label(["follow", "follow teamfollowback", "gain"], [3, 2, 1]) == "follow · teamfollowback · gain"


def test_a_word_strong_in_every_topic_gives_way_to_the_topics_own_words() -> None:
    # "follow" weighs most in both topics, but is shared; each topic's own words name it.
    terms = [["follow", "crypto", "nft"], ["follow", "garden", "roses"]]
    weights = [np.array([1.0, 0.6, 0.5]), np.array([0.9, 0.7, 0.4])]
    totals = [np.array([1.9, 0.6, 0.5]), np.array([1.9, 0.7, 0.4])]
    names = textfit.topic_names(terms, weights, totals)
    # follow: 1.0 x 1.0/1.9 = 0.53 < crypto 0.6 x 1 (and garden 0.7): shared words come after.
    assert names[0].split(" · ")[0] == "crypto" and names[1].split(" · ")[0] == "garden"
    assert "nft" in names[0] and "roses" in names[1]
    assert all(len(set(n.split(" · "))) == len(n.split(" · ")) for n in names)


def test_two_topics_do_not_open_on_the_same_word_and_names_are_unique() -> None:
    terms = [["data", "charts"], ["data", "maps"]]
    weights = [np.array([1.0, 0.2]), np.array([1.0, 0.2])]
    totals = [np.array([1.0, 0.2]), np.array([1.0, 0.2])]  # each "data" is its own topic's
    names = textfit.topic_names(terms, weights, totals)
    assert names[0].startswith("data") and names[1].startswith("maps")
    same = textfit.topic_names([["x"], ["x"]], [np.array([1.0]), np.array([1.0])], [np.array([2.0]), np.array([2.0])])
    assert len(set(same)) == 2


def test_fitted_clusters_are_named_without_repeated_words() -> None:
    bios = pd.Series(["feature bug tracker triage"] * 8 + ["feature bug report crash"] * 4
                     + ["garden roses compost soil"] * 8 + ["follow follow back gardeners"] * 3)
    clusters = textfit.cluster_texts(bios, k=2).clusters
    for label in clusters["label"]:
        words = label.split(" · ")
        assert len(words) == len(set(words)) and all(" " not in w for w in words), label
    assert clusters["label"].is_unique
