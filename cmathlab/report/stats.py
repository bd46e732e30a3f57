"""Significance of a table row against the reference row: the t-test over seeds (scipy), the paired bootstrap
over test dialogues (scipy), Almost Stochastic Order (deepsig), Holm's correction, and seeds needed (statsmodels).

Welch's t-test by default; the paired t-test when both rows ran the same seeds (the seed fixes
the initialisation and the data order, so the pairs share their noise). Effect size is Cohen's d
(d_z of the differences when paired, d_av with the mean of the two variances for Welch), and the
95 % confidence interval is of the difference row - reference, in the metric's own units.
"""

from __future__ import annotations

import math
import warnings
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
    """Holm's step-down adjustment of one family's p-values, with statsmodels (NaN stays NaN, out of the family)."""
    from statsmodels.stats.multitest import multipletests

    index = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    adjusted = list(pvalues)
    if index:
        for i, p in zip(index, multipletests([pvalues[i] for i in index], method="holm")[1]):
            adjusted[i] = float(p)
    return adjusted


# -- beside the t-test: the paired bootstrap over test dialogues, ASO, and seeds needed ---------------------

BOOTSTRAP_RESAMPLES = 2000  # resamples of the test dialogues per comparison (scipy's percentile interval)
ASO_THRESHOLD = 0.2  # ε_min below this: stochastic dominance. Ulmer et al. (2022) found 0.5 (Dror et al.'s bound)
#                      to have a high type I error and recommend 0.2 (deepsig's README, "General recommendations")
ASO_ITERATIONS = 200  # deepsig's default is 1000, at ~18 ms each here (seconds per row): 200 estimate its σ to ~5 %
ASO_COLUMNS = ("test/wf1",)  # ASO is run on W-F1 only, for the same reason
POWER = 0.8  # the power a "seeds needed" is solved for (Card et al. 2020)


@dataclass(frozen=True)
class Bootstrap:
    n_dialogues: int  # test dialogues resampled (those every run of both rows predicted)
    seeds: int  # runs per row pooled: the seeds both rows share
    diff: float  # the observed difference of the seed-mean metric, row - reference, in percent
    p: float  # share of resamples at least as far from the observed difference as the difference is from 0
    ci_low: float
    ci_high: float


NO_BOOTSTRAP = Bootstrap(0, 0, math.nan, math.nan, math.nan, math.nan)


def dialogue_confusions(predictions: dict, dialogues: list[str], classes: int) -> np.ndarray:
    """One confusion matrix per test dialogue, (D, K, K): true label down, predicted across."""
    out = np.zeros((len(dialogues), classes, classes))
    for i, d in enumerate(dialogues):
        np.add.at(out[i], (np.asarray(predictions[d]["label"], int), np.asarray(predictions[d]["pred"], int)), 1)
    return out


def metric_of_confusion(confusion: np.ndarray, metric: str) -> np.ndarray:
    """ACC, W-F1 or one class's F1 (`f1/K`) of confusion matrices (..., K, K), in percent; as scikit-learn's
    `f1_score(average="weighted")` does, a class weighs its support and an undefined F1 counts 0."""
    tp = np.diagonal(confusion, axis1=-2, axis2=-1)
    support, predicted = confusion.sum(-1), confusion.sum(-2)
    total = support.sum(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0)
        if metric == "acc":
            return 100 * tp.sum(-1) / total
        if metric == "wf1":
            return 100 * (f1 * support).sum(-1) / total
    return 100 * f1[..., int(metric.split("/")[1])]


def paired_bootstrap(row: dict[int, dict], ref: dict[int, dict], metric: str, classes: int,
                     alternative: str = "two-sided", confidence: float = 0.95,
                     resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> Bootstrap:
    """The paired bootstrap over test dialogues (Koehn 2004; Berg-Kirkpatrick et al. 2012), with scipy.

    `row` and `ref` map seed -> a run's predictions (dialogue id -> {"label", "pred"}). The statistic is the
    table's: the mean over the seeds both rows share of each run's metric, row - reference, recomputed on
    dialogues drawn with replacement (utterances of one dialogue are not independent, so whole dialogues are
    drawn; every run is scored on the same draw). The p-value counts the resamples at least as far from the
    observed difference as it is from zero (the shifted null of Berg-Kirkpatrick et al.)."""
    seeds = sorted(set(row) & set(ref))
    runs = [row[s] for s in seeds] + [ref[s] for s in seeds]
    if not seeds or any(r is None for r in runs):
        return NO_BOOTSTRAP
    dialogues = sorted(set.intersection(*(set(r) for r in runs)))
    if len(dialogues) < 2:
        return NO_BOOTSTRAP
    flat = [dialogue_confusions(r, dialogues, classes).reshape(len(dialogues), -1) for r in runs]
    n = len(dialogues)

    def statistic(index, axis=-1):  # index: (..., D) drawn dialogue positions
        index = np.moveaxis(np.asarray(index), axis, -1)
        batch = index.reshape(-1, index.shape[-1])
        counts = np.bincount((np.arange(len(batch))[:, None] * n + batch).ravel(),
                             minlength=len(batch) * n).reshape(len(batch), n)
        values = np.stack([metric_of_confusion((counts @ f).reshape(len(batch), classes, classes), metric)
                           for f in flat], axis=-1)
        k = len(seeds)
        return (values[:, :k].mean(-1) - values[:, k:].mean(-1)).reshape(index.shape[:-1])

    observed = float(statistic(np.arange(n)[None])[0])
    result = stats.bootstrap((np.arange(n),), statistic, vectorized=True, n_resamples=resamples, batch=200,
                             confidence_level=confidence, method="percentile", random_state=seed)
    shifted = result.bootstrap_distribution - observed
    far = {"two-sided": np.abs(shifted) >= abs(observed) - 1e-12,
           "greater": shifted >= observed - 1e-12, "less": shifted <= observed + 1e-12}[alternative]
    p = float((1 + far.sum()) / (1 + resamples)) if observed != 0 or shifted.any() else 1.0
    return Bootstrap(n, len(seeds), observed, min(p, 1.0), float(result.confidence_interval.low),
                     float(result.confidence_interval.high))


@dataclass(frozen=True)
class Aso:
    row_over_ref: float  # ε_min(row, reference): below ASO_THRESHOLD, the row is almost stochastically better
    ref_over_row: float  # ε_min(reference, row): below it, the reference is


NO_ASO = Aso(math.nan, math.nan)


def aso(row: dict[int, float], ref: dict[int, float], comparisons: int = 1, confidence: float = 0.95,
        iterations: int = ASO_ITERATIONS, seed: int = 0) -> Aso:
    """Almost Stochastic Order (del Barrio et al. 2018; Dror et al. 2019) with deepsig, both directions from one
    bootstrap; `comparisons` > 1 Bonferroni-corrects the confidence level, as deepsig's authors advise."""
    if len(row) < 2 or len(ref) < 2:
        return NO_ASO
    from deepsig import multi_aso

    a, b = np.array(list(row.values()), float), np.array(list(ref.values()), float)
    if np.all(a == a[0]) and np.all(b == b[0]) and a[0] == b[0]:
        return Aso(1.0, 1.0)  # one value on both sides: no order at all (deepsig would divide by zero)
    level = 1 - (1 - confidence) / comparisons  # Bonferroni (deepsig's own `confidence + (1 - confidence) / m` is
    #                                             Bonferroni only at m = 2, and 1.0 at m = 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eps = multi_aso({"row": a.tolist(), "ref": b.tolist()}, confidence_level=level, use_bonferroni=False, num_bootstrap_iterations=iterations,
                        show_progress=False, seed=seed)
    return Aso(float(eps[0, 1]), float(eps[1, 0]))


def seeds_needed(row: dict[int, float], ref: dict[int, float], alpha: float = 0.05, power: float = POWER,
                 alternative: str = "two-sided") -> float:
    """Seeds per row a t-test needs to detect the observed difference with `power` (statsmodels' solver): from
    d_z of the paired differences when the rows share their seeds, else from d_av per row (Welch's case).
    NaN where there is no effect to size (fewer than 2 seeds, no spread, or no difference)."""
    from statsmodels.stats.power import TTestIndPower, TTestPower

    c = compare(row, ref, alternative)
    if math.isnan(c.cohens_d) or c.cohens_d == 0:
        return math.nan
    side = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alternative]
    if side != "two-sided" and (c.cohens_d > 0) != (side == "larger"):
        return math.nan  # the difference is on the side the test does not look at
    solver = TTestPower() if c.test == "paired" else TTestIndPower()
    effect = abs(c.cohens_d) if side == "two-sided" else c.cohens_d
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # a large effect: the first whole number of seeds with the power (the solver's bracket starts above 2)
        for n in range(2, 11):
            if _power(solver, effect, n, alpha, side) >= power:
                return float(n)
        n = float(np.squeeze(solver.solve_power(effect_size=effect, alpha=alpha, power=power, alternative=side)))
    return float(math.ceil(n)) if math.isfinite(n) else math.nan


def _power(solver, effect: float, n: int, alpha: float, side: str) -> float:
    """statsmodels' power of the t-test; where that is NaN (its noncentral t's lower tail fails at a large
    noncentrality: d_z 8 at 3 seeds gave NaN while 2 and 6 seeds gave 0.63 and 1.0), scipy's upper tail alone,
    the lower one being below 1e-20 there."""
    from statsmodels.stats.power import TTestPower

    value = float(np.squeeze(solver.power(effect, n, alpha, alternative=side)))
    if math.isfinite(value):
        return value
    paired = isinstance(solver, TTestPower)
    df = n - 1 if paired else 2 * n - 2
    noncentrality = abs(effect) * math.sqrt(n if paired else n / 2)
    critical = stats.t.isf(alpha / 2 if side == "two-sided" else alpha, df)
    return float(stats.nct.sf(critical, df, noncentrality))
