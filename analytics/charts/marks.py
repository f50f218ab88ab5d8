"""Labels of the marks on a curve (milestones) that can be read: each beside its star where the
curve is not (to the right only in the chart's first third), and none written over another.

A curve over a year or more passes many round numbers close together: the demo's first months
pass 650, 700, ... 1,000 followers, ten labels over a few weeks, drawn one over the other. Marks
are labelled from the latest back, each only when it stands far enough, across or up, from every
mark already labelled; the others keep their star, and their label in the hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Apart by this share of the days drawn, or of the values drawn, two labels do not meet: a label
# ("1,000 followers") takes about a tenth of a desktop chart's width and a fifteenth of its
# height; on a phone, a third of the width, but labels on a rising curve stand apart upwards.
MIN_ACROSS = 0.2
MIN_UP = 0.08


@dataclass(frozen=True)
class MarkLabels:
    shown: list[str]  # the text beside each star: its label, or "" where it would meet another
    sides: list[str]  # Plotly's textposition of each


def readable_labels(days: Sequence[pd.Timestamp], values: Sequence[float], labels: Sequence[str],
                    curve_days: pd.Index, curve_values: pd.Series) -> MarkLabels:
    """Which marks show their label and on which side, for marks (day, value, label) on a curve
    drawn over `curve_days` and `curve_values`."""
    known = curve_values.notna().to_numpy()  # days without a total draw nothing
    when = _in_days(pd.DatetimeIndex(curve_days))
    at = _in_days(pd.DatetimeIndex(list(days)))
    first = float(when.min())
    width = float(when.max()) - first or 1.0
    height = float(curve_values.max() - curve_values.min()) or 1.0
    curve = _Curve(when[known], curve_values.to_numpy(dtype="float64")[known])
    sides = [_side(day - first, width, curve.direction(day, max(1.0, SLOPE_DAYS * width))) for day in at]
    shown = [""] * len(labels)
    kept: list[int] = []
    # The latest first: the round number passed last is the one she came to see.
    for i in sorted(range(len(labels)), key=lambda k: at[k], reverse=True):
        apart = all(
            abs(at[i] - at[j]) >= MIN_ACROSS * width or abs(values[i] - values[j]) >= MIN_UP * height
            for j in kept
        )
        if apart:
            kept.append(i)
            shown[i] = labels[i]
    return MarkLabels(shown, sides)


def _in_days(days: pd.DatetimeIndex) -> np.ndarray:
    return days.to_numpy(dtype="datetime64[s]").astype("float64") / 86_400


# A mark's label goes on the side of the curve it leaves empty: above and to the left of a rise
# (or below and to the right), below and to the left of a fall (or above and to the right). To the
# right only in the first third, where a label to the left would cover the axis' numbers.
LEFT_PART = 1 / 3
SLOPE_DAYS = 0.05  # the curve's direction at a mark: over this share of the days drawn


@dataclass(frozen=True)
class _Curve:
    days: np.ndarray  # sorted, in days
    values: np.ndarray

    def direction(self, day: float, window: float) -> bool:
        """Whether the curve rises over `window` days after `day`, or before it for the last mark."""
        start, stop = self._between(day, day + window)
        if stop - start < 2:
            start, stop = self._between(day - window, day)
        return bool(stop - start < 2 or self.values[stop - 1] >= self.values[start])

    def _between(self, low: float, high: float) -> tuple[int, int]:
        """The positions of the days from `low` to `high`, both included: [start, stop)."""
        return int(np.searchsorted(self.days, low, side="left")), int(np.searchsorted(self.days, high, side="right"))


def _side(offset: float, width: float, rising: bool) -> str:
    if offset < LEFT_PART * width:
        return "bottom right" if rising else "top right"
    return "top left" if rising else "bottom left"
