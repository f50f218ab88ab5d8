"""`python -m benchmarks.plateaus`: the quality of Palier's change-point detector, published.

Palier finds plateaus by cutting the daily net change into segments of steady mean
(`analytics.metrics.plateaus`). This module measures how well those cuts match the change points
planted in generated series, with the two scores of the TCPDBench evaluation of change-point
methods (G. J. J. van den Burg and C. K. I. Williams, "An Evaluation of Change Point Detection
Algorithms", 2020):

- **F1** with a margin of 5 points. T is the set of true change points and X the detected ones,
  both with the series' first point (index 0) added, as the paper does, so that a method that
  finds nothing still has one true positive. TP(T, X) is the set of tau in T for which some x in
  X lies within the margin (|tau - x| <= 5), each x used for one tau at most. Precision
  P = |TP(T, X)| / |X|, recall R = |TP(T, X)| / |T| (one annotator here: the generator knows the
  truth), F1 = 2PR / (P + R).
- **Cover**: the true segmentation G and the detected one G' are partitions of the series' points
  into intervals; C(G', G) = (1 / n) * sum over A in G of |A| * max over A' in G' of J(A, A'),
  with J the Jaccard index |A n A'| / |A u A'|.

Each method's scores are the mean over all series. The series (`generate_series`) are seeded and
of six kinds: a planted plateau between growth, a step in the growth rate, purges (one-day mass
losses, which are not change points: Palier reads them as purges), a quiet period, steady growth
(no change point at all) and a mix of several changes; their lengths run from 60 days to three
years and their noise from Poisson counts alone to three times that.

The methods, all with Palier's penalty (3 x sigma^2 x ln n, sigma the robust day-to-day noise)
and segments of at least 7 days, on the series Palier segments (purge days at their usual
losses), so that only the search differs:

- Palier's detector (`plateaus_of`'s segments);
- "no change point", the baseline (the series as one segment);
- ruptures' binary segmentation (`Binseg`, least-squares cost);
- ruptures' PELT (`Pelt`, least-squares cost, its default `jump` of 5: candidate cuts every
  fifth day; every day is exact but took 9 s on three years);
- ruptures' PELT in C (`KernelCPD` with the linear kernel, whose cost is the least-squares one,
  every day a candidate);
- ruptures' PELT on the raw daily net, purge days as they are (what calling ruptures directly
  on the follower counts would give).

Run alone: `python -m benchmarks.plateaus` (`--series N`, `--seed S`, `--out PATH`, `--no-write`);
`make bench` runs it with the other benchmarks. It writes its section of docs/benchmarks.md
between the `<!-- plateaus -->` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.metrics import plateaus as pl
from analytics.metrics.growth import effective_net
from benchmarks import sections

ROOT = Path(__file__).resolve().parent.parent
MARGIN = 5
SERIES = 240
SEED = 20261202
MIN_DAYS, MAX_DAYS = 60, 1095
MIN_SEGMENT = 14
KINDS = ("plateau", "step", "purge", "quiet", "steady", "mixed")
SECTION_START, SECTION_END = "<!-- plateaus -->", "<!-- /plateaus -->"
FIRST_DAY = dt.date(2024, 1, 1)


# --- The TCPDBench scores --------------------------------------------------------------------------


def true_positives(truth: Iterable[int], found: Iterable[int], margin: int = MARGIN) -> set[int]:
    """The points of `truth` with a point of `found` within `margin`, each found point used once.

    The true points are taken in order and each takes the closest unused found point (the earlier
    one on a tie), so two detections near one true change point count once.
    """
    unused = sorted(set(found))
    matched: set[int] = set()
    for tau in sorted(set(truth)):
        near = [(abs(tau - x), x) for x in unused if abs(tau - x) <= margin]
        if near:
            _, x = min(near)
            unused.remove(x)
            matched.add(tau)
    return matched


def precision_recall_f1(truth: Iterable[int], found: Iterable[int], margin: int = MARGIN) -> tuple[float, float, float]:
    """P, R and F1 of the paper, the first point (0) added to both sets."""
    t = set(truth) | {0}
    x = set(found) | {0}
    tp = len(true_positives(t, x, margin))
    precision, recall = tp / len(x), tp / len(t)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def f1_score(truth: Iterable[int], found: Iterable[int], margin: int = MARGIN) -> float:
    return precision_recall_f1(truth, found, margin)[2]


def partition(cuts: Iterable[int], n: int) -> list[tuple[int, int]]:
    """The half-open intervals [a, b) of 0..n cut at `cuts` (start indices of new segments)."""
    bounds = [0, *sorted({c for c in cuts if 0 < c < n}), n]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union else 0.0


def cover_score(truth: Iterable[int], found: Iterable[int], n: int) -> float:
    """C(G', G): each true segment's best Jaccard index among the found ones, weighted by length."""
    found_parts = partition(found, n)
    return sum((b - a) * max(jaccard((a, b), f) for f in found_parts) for a, b in partition(truth, n)) / n


# --- Generated series ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    kind: str
    gained: np.ndarray
    lost: np.ndarray
    truth: list[int]  # start index of each segment after the first
    noise: float  # extra noise, in multiples of the Poisson noise of the gains
    purges: int

    @property
    def days(self) -> int:
        return len(self.gained)

    def frame(self, anchor: int = 5000) -> pd.DataFrame:
        """The series as `follower_series` gives it: daily gains and losses from an export, an
        anchor on the first day."""
        net = (self.gained - self.lost).astype("float64")
        days = pd.date_range(FIRST_DAY, periods=self.days, freq="D", unit="us")
        followers = anchor + np.cumsum(net) - net[0]
        anchors = np.zeros(self.days, dtype=bool)
        anchors[0] = True
        return pd.DataFrame({
            "day": days, "followers": followers, "change": np.cumsum(net), "gained": self.gained.astype("float64"),
            "lost": self.lost.astype("float64"), "net": net, "anchor": pd.array(anchors, dtype="boolean"),
            "listed": np.nan, "flow_source": pd.array(["export"] * self.days, dtype="string"), "impressions": np.nan,
        })


def _lengths(rng: np.random.Generator, n: int, parts: int) -> list[int]:
    """`parts` segment lengths of at least MIN_SEGMENT days summing to n."""
    spare = n - parts * MIN_SEGMENT
    cuts = np.sort(rng.integers(0, spare + 1, parts - 1))
    extra = np.diff(np.concatenate([[0], cuts, [spare]]))
    return [MIN_SEGMENT + int(e) for e in extra]


def generate_series(index: int, seed: int = SEED) -> Series:
    """One seeded series: its kind cycles through KINDS, its length, level and noise are drawn."""
    rng = np.random.default_rng([seed, index])
    kind = KINDS[index % len(KINDS)]
    n = int(rng.integers(MIN_DAYS, MAX_DAYS + 1))
    gain = float(rng.choice([4.0, 12.0, 40.0, 120.0, 400.0]))
    loss = gain * float(rng.uniform(0.2, 0.6))
    noise = float(rng.choice([0.0, 1.0, 3.0]))
    # Each segment: (days, gains per day, losses per day).
    segments: list[tuple[int, float, float]]
    if kind == "plateau":
        a, b, c = _lengths(rng, n, 3)
        # A plateau: as many leave as join (at most the plateau length the generator draws: short
        # plateaus inside long series are the hard case).
        b_short = min(b, int(rng.integers(MIN_SEGMENT, 121)))
        a += b - b_short
        segments = [(a, gain, loss), (b_short, loss, loss), (c, gain, loss)]
    elif kind == "step":
        a, b = _lengths(rng, n, 2)
        factor = float(rng.choice([0.25, 0.5, 2.0, 3.0]))
        segments = [(a, gain, loss), (b, gain * factor, loss)]
    elif kind == "quiet":
        a, b, c = _lengths(rng, n, 3)
        # Nothing posted: few join, few leave, little noise.
        segments = [(a, gain, loss), (b, gain * 0.05, loss * 0.05), (c, gain, loss)]
    elif kind == "mixed":
        parts = int(rng.integers(3, min(6, n // MIN_SEGMENT) + 1))
        segments = []
        for length in _lengths(rng, n, parts):
            rate = gain * float(rng.choice([0.1, 0.4, 1.0, 2.0, 3.0]))
            segments.append((length, rate, loss))
        # Keep only real changes: equal neighbours are one segment.
        merged: list[tuple[int, float, float]] = []
        for seg in segments:
            if merged and merged[-1][1] == seg[1]:
                merged[-1] = (merged[-1][0] + seg[0], seg[1], seg[2])
            else:
                merged.append(seg)
        segments = merged
    else:  # steady, purge
        segments = [(n, gain, loss)]
    gained_rate = np.concatenate([np.full(d, g) for d, g, _ in segments])
    lost_rate = np.concatenate([np.full(d, rate) for d, _, rate in segments])
    gained = rng.poisson(gained_rate).astype("float64")
    lost = rng.poisson(lost_rate).astype("float64")
    if noise:
        gained = np.maximum(0.0, np.round(gained + rng.normal(0.0, noise * np.sqrt(gained_rate))))
    purges = 0
    if kind in ("purge", "mixed"):
        purges = int(rng.integers(1, 4)) if kind == "purge" else int(rng.integers(0, 2))
        for day in rng.choice(np.arange(10, n - 1), size=purges, replace=False):
            lost[day] += max(40.0, float(rng.uniform(10, 40)) * loss)
    truth = list(np.cumsum([d for d, _, _ in segments])[:-1].astype(int))
    return Series(kind, gained, lost, [int(t) for t in truth], noise, purges)


# --- The methods -----------------------------------------------------------------------------------


def _palier_input(series: pd.DataFrame) -> tuple[np.ndarray, float]:
    """The values Palier segments (purge days at their usual losses) and its penalty."""
    values = pl._organic_net(series, pl.purge_days_of(series)).to_numpy(dtype="float64")
    return values, _penalty(values)


def _penalty(values: np.ndarray) -> float:
    sigma = pl.robust_noise(values)
    return max(pl.SEGMENT_PENALTY_FACTOR * sigma * sigma * math.log(len(values)), 1e-9 * (1.0 + float(np.var(values))))


def palier(series: pd.DataFrame) -> list[int]:
    result = pl.plateaus_of(series)
    if not result.enough_data:
        return []
    first = series["day"].iloc[0]
    return [int((start - first).days) for start in result.segments["start"].iloc[1:]]


def no_change_point(series: pd.DataFrame) -> list[int]:
    return []


def _ruptures_cuts(bkps: Sequence[int], n: int) -> list[int]:
    return [int(b) for b in bkps if 0 < int(b) < n]


def ruptures_binseg(series: pd.DataFrame) -> list[int]:
    import ruptures

    values, penalty = _palier_input(series)
    algo = ruptures.Binseg(model="l2", min_size=pl.SEGMENT_MIN_DAYS, jump=1).fit(values)
    return _ruptures_cuts(algo.predict(pen=penalty), len(values))


def ruptures_pelt(series: pd.DataFrame) -> list[int]:
    import ruptures

    values, penalty = _palier_input(series)
    algo = ruptures.Pelt(model="l2", min_size=pl.SEGMENT_MIN_DAYS).fit(values)
    return _ruptures_cuts(algo.predict(pen=penalty), len(values))


def ruptures_pelt_c(series: pd.DataFrame) -> list[int]:
    import ruptures

    values, penalty = _palier_input(series)
    algo = ruptures.KernelCPD(kernel="linear", min_size=pl.SEGMENT_MIN_DAYS, jump=1).fit(values)
    return _ruptures_cuts(algo.predict(pen=penalty), len(values))


def ruptures_pelt_raw(series: pd.DataFrame) -> list[int]:
    import ruptures

    values = effective_net(series).to_numpy(dtype="float64")
    algo = ruptures.KernelCPD(kernel="linear", min_size=pl.SEGMENT_MIN_DAYS, jump=1).fit(values)
    return _ruptures_cuts(algo.predict(pen=_penalty(values)), len(values))


METHODS: dict[str, Callable[[pd.DataFrame], list[int]]] = {
    "Palier's detector": palier,
    "no change point (baseline)": no_change_point,
    "ruptures Binseg (l2)": ruptures_binseg,
    "ruptures Pelt (l2, jump 5)": ruptures_pelt,
    "ruptures KernelCPD (linear: PELT in C)": ruptures_pelt_c,
    "ruptures KernelCPD, raw net (purges as they are)": ruptures_pelt_raw,
}


# --- Running and writing ---------------------------------------------------------------------------


@dataclass
class Score:
    method: str
    f1: list[float]
    cover: list[float]
    seconds: float
    by_kind: dict[str, list[float]]

    @property
    def mean_f1(self) -> float:
        return float(np.mean(self.f1))

    @property
    def mean_cover(self) -> float:
        return float(np.mean(self.cover))


def evaluate(count: int = SERIES, seed: int = SEED, methods: dict[str, Callable[[pd.DataFrame], list[int]]] | None = None,
             progress: bool = True) -> tuple[list[Series], list[Score]]:
    methods = methods or METHODS
    generated = [generate_series(i, seed) for i in range(count)]
    frames = [s.frame() for s in generated]
    scores = []
    for name, method in methods.items():
        score = Score(name, [], [], 0.0, {k: [] for k in KINDS})
        for s, frame in zip(generated, frames, strict=True):
            started = time.perf_counter()
            found = method(frame)
            score.seconds += time.perf_counter() - started
            score.f1.append(f1_score(s.truth, found))
            score.cover.append(cover_score(s.truth, found, s.days))
            score.by_kind[s.kind].append(score.f1[-1])
        if progress:
            print(f"[plateaus] {name}: F1 {score.mean_f1:.3f}, cover {score.mean_cover:.3f}, {score.seconds:.1f} s",
                  file=sys.stderr, flush=True)
        scores.append(score)
    return generated, scores


# Why Palier's detector is what it is (issue 17: "Palier uses the best"), measured on 2026-12-02.
DECISION = [
    "- Palier's detector searches with ruptures' exact PELT in C (`KernelCPD`, linear kernel) since 2026-12-02."
    " On these 240 series the hand-written PELT it replaced found the same cuts on every series (F1 0.899,"
    " cover 0.945, as above), so ruptures did at least as well; its search takes milliseconds on three years.",
    "- ruptures' `Pelt` with its default `jump` of 5 scores a little higher F1 (0.904) but is not exact: on 64 of"
    " the 80 plateau and quiet-period series its cuts cost more (squared error plus penalty) than the exact"
    " optimum, on none less. Its gain is chance extra cuts, not a better model; it took over 10 times longer"
    " (up to 4.8 s on one series of three years). ruptures' `Binseg` scores below the exact search, and"
    " ruptures on the raw daily net, purge days as they are, far below (F1 0.469 on the series with purges):"
    " Palier's purge handling matters more than the search.",
    "- Times are of all the series on a machine shared with other work: they vary from run to run (the"
    " preparation Palier does before the search, finding purge days and the noise, is most of its time).",
    "- Cost: importing ruptures imports SciPy (about 1.7 s of CPU on this machine), paid once per process by the"
    " first page or `report` that looks for plateaus.",
]


def render(generated: list[Series], scores: list[Score], command: str, seed: int) -> str:
    lengths = [s.days for s in generated]
    kinds = {k: sum(s.kind == k for s in generated) for k in KINDS}
    out = [
        SECTION_START,
        "## Plateau detector: change points against planted ones",
        "",
        f"- date: {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; command: `{command}`"
        f" (seed {seed}); Python {platform.python_version()}",
        f"- {len(generated)} generated series, {min(lengths)} to {max(lengths)} days (median"
        f" {int(np.median(lengths))}): " + ", ".join(f"{n} {k}" for k, n in kinds.items())
        + f"; {sum(s.purges for s in generated)} purge days in all; {sum(len(s.truth) for s in generated)}"
        " planted change points (a purge day is not one).",
        f"- scores of the TCPDBench evaluation (van den Burg and Williams, 2020): F1 with a margin of {MARGIN} days"
        " (the first day counts as a change point in both sets) and cover (the true segments' best Jaccard"
        " index among the found ones, weighted by length), each the mean over the series; time: all the series,"
        " this machine. Definitions and methods: `benchmarks/plateaus.py`.",
        "",
        "| method | F1 | cover | " + " | ".join(f"F1 {k}" for k in KINDS) + " | seconds |",
        "|---|---:|---:|" + "---:|" * len(KINDS) + "---:|",
    ]
    for sc in scores:
        per_kind = " | ".join(f"{np.mean(sc.by_kind[k]):.3f}" if sc.by_kind[k] else "" for k in KINDS)
        out.append(f"| {sc.method} | {sc.mean_f1:.3f} | {sc.mean_cover:.3f} | {per_kind} | {sc.seconds:.1f} |")
    out += ["", *DECISION]
    out.append(SECTION_END)
    return "\n".join(out) + "\n"


def write_section(path: Path, section: str) -> None:
    """Put `section` between the markers of `path` (added at the end when absent)."""
    sections.write_section(path, SECTION_START, SECTION_END, section, empty="")


def section_of(text: str) -> str | None:
    """The plateau section of a docs page, markers included, or None."""
    return sections.section_of(text, SECTION_START, SECTION_END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plateaus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=SERIES)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args(argv)
    generated, scores = evaluate(args.series, args.seed)
    command = ("python -m benchmarks.plateaus " + " ".join(sys.argv[1:] if argv is None else argv)).strip()
    section = render(generated, scores, command, args.seed)
    if not args.no_write:
        write_section(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
