"""The TCPDBench scores of benchmarks/plateaus.py on small cases computed by hand, and its series."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analytics.metrics import plateaus as pl
from benchmarks import plateaus as bp


def test_true_positives_use_each_detection_once() -> None:
    # 48 and 52 are both within 5 of 50, but only one can count; 60 is 10 away from 50.
    assert bp.true_positives({50}, {48, 52}) == {50}
    # Two true points 4 apart and one detection between them: one true positive.
    assert bp.true_positives({10, 14}, {12}) == {10}
    assert bp.true_positives({50}, {56}) == set()
    assert bp.true_positives({50}, {55}) == {50}  # the margin is inclusive


def test_f1_by_hand() -> None:
    # T = {0, 50, 100}, X = {0, 52, 140}: TP = {0, 50}; P = 2/3, R = 2/3, F1 = 2/3.
    p, r, f1 = bp.precision_recall_f1([50, 100], [52, 140])
    assert (p, r) == pytest.approx((2 / 3, 2 / 3)) and f1 == pytest.approx(2 / 3)
    # No change point found: X = {0}, P = 1, R = 1/3, F1 = 2 * (1/3) / (4/3) = 0.5.
    assert bp.f1_score([50, 100], []) == pytest.approx(0.5)
    # No true change point and none found: both sets are {0}, F1 = 1.
    assert bp.f1_score([], []) == 1.0
    # No true change point, two found: P = 1/3, R = 1, F1 = 0.5.
    assert bp.f1_score([], [30, 60]) == pytest.approx(0.5)


def test_cover_by_hand() -> None:
    # n = 10, truth [0,5) [5,10); found [0,4) [4,10).
    # [0,5): best J with [0,4) = 4/5; [5,10): best J with [4,10) = 5/6. C = (5 * 4/5 + 5 * 5/6) / 10.
    assert bp.cover_score([5], [4], 10) == pytest.approx((4 + 25 / 6) / 10)
    # Nothing found: one segment [0,10); J = 5/10 for each true half: C = 0.5.
    assert bp.cover_score([5], [], 10) == pytest.approx(0.5)
    assert bp.cover_score([3, 7], [3, 7], 10) == 1.0
    assert bp.jaccard((0, 4), (2, 6)) == pytest.approx(2 / 6)


def test_generated_series_are_seeded_and_varied() -> None:
    first = [bp.generate_series(i) for i in range(12)]
    again = [bp.generate_series(i) for i in range(12)]
    for a, b in zip(first, again, strict=True):
        assert np.array_equal(a.gained, b.gained) and a.truth == b.truth
    assert {s.kind for s in first} == set(bp.KINDS)
    for s in first:
        assert bp.MIN_DAYS <= s.days <= bp.MAX_DAYS
        assert all(t >= bp.MIN_SEGMENT for t in np.diff([0, *s.truth, s.days]))
        assert (s.gained >= 0).all() and (s.lost >= 0).all()
    assert all(s.truth == [] for s in first if s.kind in ("steady", "purge"))
    assert all(len(s.truth) == 2 for s in first if s.kind in ("plateau", "quiet"))


def test_a_planted_plateau_scores_well_and_the_baseline_does_not() -> None:
    plateau = next(bp.generate_series(i) for i in range(0, 60, 6) if bp.generate_series(i).noise == 0.0)
    frame = plateau.frame()
    found = bp.palier(frame)
    assert bp.f1_score(plateau.truth, found) == 1.0
    assert bp.f1_score(plateau.truth, bp.no_change_point(frame)) == pytest.approx(0.5)
    assert bp.cover_score(plateau.truth, found, plateau.days) > 0.9
    # Palier's segmentation is the exact penalised one: ruptures' PELT in C gives the same cuts.
    assert bp.ruptures_pelt_c(frame) == found


def test_the_section_replaces_its_markers_only(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\nbefore\n")
    bp.write_section(page, f"{bp.SECTION_START}\nfirst\n{bp.SECTION_END}\n")
    bp.write_section(page, f"{bp.SECTION_START}\nsecond\n{bp.SECTION_END}\n")
    text = page.read_text()
    assert text.startswith("# Benchmarks\n\nbefore\n") and "second" in text and "first" not in text
    assert bp.section_of(text) == f"{bp.SECTION_START}\nsecond\n{bp.SECTION_END}\n"


def test_pelt_keeps_its_exact_answer() -> None:
    values = np.array([10.0] * 30 + [0.0] * 20 + [10.0] * 30)
    assert pl.pelt(values, penalty=1.0, min_size=7) == [30, 50]
