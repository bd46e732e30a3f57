"""Significance of a table row against the reference row, over seeds, with scipy.

Welch's t-test by default; the paired t-test when both rows ran the same seeds (the seed fixes
the initialisation and the data order, so the pairs share their noise). Effect size is Cohen's d
(d_z of the differences when paired, d_av with the mean of the two variances for Welch), and the
95 % confidence interval is of the difference row - reference, in the metric's own units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Comparison:
    test: str  # "paired", "welch", or "none" (fewer than two seeds on a side, or no variance at all)
    n: int  # seeds in the row
    n_ref: int
    diff: float  # mean(row) - mean(reference)
    p: float
    cohens_d: float
    ci_low: float
    ci_high: float


def compare(row: dict[int, float], ref: dict[int, float], alternative: str = "two-sided",
            confidence: float = 0.95) -> Comparison:
    """`row` and `ref` map seed -> value. `alternative` is scipy's, for row - reference."""
    a, b = np.array(list(row.values()), float), np.array(list(ref.values()), float)
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else math.nan
    nan = math.nan
    if len(a) < 2 or len(b) < 2:
        return Comparison("none", len(a), len(b), diff, nan, nan, nan, nan)
    if sorted(row) == sorted(ref):
        seeds = sorted(row)
        x, y = np.array([row[s] for s in seeds]), np.array([ref[s] for s in seeds])
        d = x - y
        if np.all(d == d[0]):  # no spread in the differences: the t statistic is undefined
            return Comparison("none", len(a), len(b), diff, nan, nan, nan, nan)
        result = stats.ttest_rel(x, y, alternative=alternative)
        effect = float(d.mean() / d.std(ddof=1))
        test = "paired"
    else:
        if a.std() == 0 and b.std() == 0:
            return Comparison("none", len(a), len(b), diff, nan, nan, nan, nan)
        result = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
        effect = float(diff / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
        test = "welch"
    ci = result.confidence_interval(confidence)
    return Comparison(test, len(a), len(b), diff, float(result.pvalue), effect, float(ci.low), float(ci.high))


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment of one family's p-values (NaN stays NaN, out of the family).

    scipy has Benjamini-Hochberg (`false_discovery_control`) but not Holm's family-wise control."""
    index = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    order = sorted(index, key=lambda i: pvalues[i])
    adjusted, running = list(pvalues), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted
