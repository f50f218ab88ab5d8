"""Labels of the marks on a curve (milestones) that can be read: each beside its star where the
curve is not, on the side facing the middle of the chart, and none written over another.

A curve over a year or more passes many round numbers close together: the demo's first months
pass 650, 700, ... 1,000 followers, ten labels over a few weeks, drawn one over the other. Marks
are labelled from the latest back, each only when it stands far enough, across or up, from every
mark already labelled; the others keep their star, and their label in the hover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    first, last = curve_days.min(), curve_days.max()
    width = (last - first) / pd.Timedelta(days=1) or 1.0
    height = float(curve_values.max() - curve_values.min()) or 1.0
    sides = [_side(day, first, width, curve_days, curve_values) for day in days]
    shown = [""] * len(labels)
    kept: list[int] = []
    # The latest first: the round number passed last is the one she came to see.
    for i in sorted(range(len(labels)), key=lambda k: days[k], reverse=True):
        apart = all(
            abs((days[i] - days[j]) / pd.Timedelta(days=1)) >= MIN_ACROSS * width
            or abs(values[i] - values[j]) >= MIN_UP * height
            for j in kept
        )
        if apart:
            kept.append(i)
            shown[i] = labels[i]
    return MarkLabels(shown, sides)


# A mark's label goes on the side of the curve it leaves empty: above and to the left of a rise
# (or below and to the right), below and to the left of a fall (or above and to the right). To the
# right only in the first third, where a label to the left would cover the axis' numbers.
LEFT_PART = 1 / 3
SLOPE_DAYS = 0.05  # the curve's direction at a mark: over this share of the days drawn


def _side(day: pd.Timestamp, first: pd.Timestamp, width: float, curve_days: pd.Index,
          curve_values: pd.Series) -> str:
    window = pd.Timedelta(days=max(1.0, SLOPE_DAYS * width))
    # After the mark, or before it for the last one.
    after = curve_values[(curve_days >= day) & (curve_days <= day + window)]
    before = curve_values[(curve_days >= day - window) & (curve_days <= day)]
    after, before = after.dropna(), before.dropna()  # days without a total
    around = after if len(after) > 1 else before
    rising = bool(len(around) < 2 or around.iloc[-1] >= around.iloc[0])
    if (day - first) / pd.Timedelta(days=1) < LEFT_PART * width:
        return "bottom right" if rising else "top right"
    return "top left" if rising else "bottom left"
