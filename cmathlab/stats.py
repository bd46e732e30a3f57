"""The statistics behind the report's marks, each computed by its field's library where one exists: the t-test
over seeds (scipy), TOST equivalence (statsmodels), Holm (checked against statsmodels), Almost Stochastic Order
(deepsig), seeds for a planned t-test (statsmodels' power solver), and the seeds × test-dialogues bootstrap (numpy;
no library bootstraps a crossed design). `report/significance.py` wraps each as one test class; this module knows
no table, so a study's status and a report read the same numbers.

Two rows are paired on the seeds both ran (the seed fixes the initialisation and the data order, so the pairs
share their noise); a seed one row lacks is dropped from the pairing and counted, and Welch's test is used only
where the rows share fewer than two seeds. Differences are row - reference, in the metric's own units.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np


class _Lazy:
    """scipy.stats, imported when a test first runs: `study status` and the CLI's start read only this module's
    names (1.9 s of import otherwise)."""

    def __getattr__(self, name: str):
        from scipy import stats as scipy_stats

        return getattr(scipy_stats, name)


stats = _Lazy()

ALTERNATIVES = ("two-sided", "greater", "less")  # scipy's words, for row - reference
PRIMARIES = ("wf1", "acc")  # the metrics a report's tested family may be declared on (`[report] primary`)


@dataclass(frozen=True)
class Comparison:
    test: str  # "paired", "welch", or "none" (fewer than two seeds on a side, or no spread at all)
    n: int  # seeds in the row
    n_ref: int
    diff: float  # mean(row) - mean(reference) over the seeds compared (the shared ones when paired)
    p: float
    cohens_d: float
    ci_low: float
    ci_high: float
    d_kind: str = ""  # "d_z" (paired: mean / sd of the differences) or "d_av" (Welch: over the mean of the variances)
    paired: int = 0  # seeds in the pairing
    dropped: int = 0  # seeds of either row left out of the pairing (the other row lacks them)


def shared_seeds(row: dict, ref: dict) -> list:
    return sorted(set(row) & set(ref))


def compare(
    row: dict[int, float], ref: dict[int, float], alternative: str = "two-sided", confidence: float = 0.95
) -> Comparison:
    """The t-test of `row` against `ref` (seed -> value): paired on the shared seeds when there are two or more,
    else Welch's over all of each row's seeds."""
    a, b = np.array(list(row.values()), float), np.array(list(ref.values()), float)
    nan = math.nan
    shared = shared_seeds(row, ref)
    if len(shared) >= 2:
        x, y = np.array([row[s] for s in shared], float), np.array([ref[s] for s in shared], float)
        d, dropped = x - y, len(row) + len(ref) - 2 * len(shared)
        if np.all(d == d[0]):  # no spread in the differences: the t statistic is undefined
            return Comparison("none", len(a), len(b), float(d.mean()), nan, nan, nan, nan, "", len(shared), dropped)
        result = stats.ttest_rel(x, y, alternative=alternative)
        ci = result.confidence_interval(confidence)
        return Comparison(
            "paired",
            len(a),
            len(b),
            float(d.mean()),
            float(result.pvalue),
            float(d.mean() / d.std(ddof=1)),
            float(ci.low),
            float(ci.high),
            "d_z",
            len(shared),
            dropped,
        )
    diff = float(a.mean() - b.mean()) if len(a) and len(b) else nan
    if len(a) < 2 or len(b) < 2 or (a.std() == 0 and b.std() == 0):
        return Comparison("none", len(a), len(b), diff, nan, nan, nan, nan)
    result = stats.ttest_ind(a, b, equal_var=False, alternative=alternative)
    ci = result.confidence_interval(confidence)
    effect = float(diff / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))
    return Comparison(
        "welch", len(a), len(b), diff, float(result.pvalue), effect, float(ci.low), float(ci.high), "d_av"
    )


def tost(row: dict[int, float], ref: dict[int, float], sesoi: float) -> float:
    """The p-value of TOST (Schuirmann 1987; Lakens 2017) that |row - reference| < `sesoi`, with statsmodels:
    paired on the shared seeds like `compare`, Welch's where they share fewer than two. Without any spread the
    difference is known exactly: p 0 inside the bounds, 1 outside; NaN with fewer than two seeds a row."""
    from statsmodels.stats.weightstats import ttost_ind, ttost_paired

    c = compare(row, ref)
    if c.test == "none":  # no spread: a difference known exactly, inside the bounds or not; too few seeds: no test
        exact = c.paired >= 2 or (len(row) >= 2 and len(ref) >= 2)
        return (0.0 if abs(c.diff) < sesoi else 1.0) if exact and math.isfinite(c.diff) else math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if c.test == "paired":
            shared = shared_seeds(row, ref)
            p = ttost_paired(
                np.array([row[s] for s in shared], float), np.array([ref[s] for s in shared], float), -sesoi, sesoi
            )[0]
        else:
            p = ttost_ind(
                np.array(list(row.values()), float),
                np.array(list(ref.values()), float),
                -sesoi,
                sesoi,
                usevar="unequal",
            )[0]
    return float(p)


VERDICTS = ("better", "worse", "equivalent", "inconclusive")


def verdict(different: bool, direction: int, equivalent: bool) -> str:
    """A comparison in one word: a difference found says better or worse; else equivalence within the smallest
    effect of interest (TOST), else inconclusive."""
    if different:
        return "better" if direction > 0 else "worse"
    return "equivalent" if equivalent else "inconclusive"


def holm(pvalues: list[float]) -> list[float]:
    """Holm's step-down adjustment of one family's p-values (NaN stays NaN, out of the family). Written out, and
    tested equal to statsmodels' `multipletests(method="holm")`: statsmodels 0.15 runs `gc.collect()` on every
    Holm call, 0.24 s each beside the report's heap, 10 of the demo report's 23 s."""
    index = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    adjusted = list(pvalues)
    if index:
        p = np.array([pvalues[i] for i in index], float)
        order = np.argsort(p, kind="stable")
        stepped = np.minimum(1.0, np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1)))
        for position, value in zip(order, stepped):
            adjusted[index[position]] = float(value)
    return adjusted


# -- metrics of per-dialogue confusion matrices ---------------------------------------------------------


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


# -- the seeds × test-dialogues bootstrap ----------------------------------------------------------------

BOOTSTRAP_RESAMPLES = 1000  # draws of the test dialogues per comparison


@dataclass(frozen=True)
class Bootstrap:
    seeds: int  # the seeds both rows ran, paired
    n_dialogues: int  # test dialogues every one of those runs predicted
    diff: float  # the mean over those seeds of each run's metric, row - reference
    p: float
    ci_low: float
    ci_high: float
    sd_seeds: float  # the standard error the seeds contribute (their spread of differences / sqrt(seeds))
    sd_test_set: float  # the one a new draw of test dialogues contributes, net of each run's own misses
    df: float  # Welch-Satterthwaite degrees of freedom of the two parts


NO_BOOTSTRAP = Bootstrap(0, 0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)


def seed_dialogue_bootstrap(
    row: np.ndarray,
    ref: np.ndarray,
    metric: str,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> Bootstrap:
    """A test of the seed-mean difference that carries both sources of its variance, the seeds and the test set.

    `row` and `ref` are per-dialogue confusion matrices (k, D, K, K) of k paired seeds on D shared dialogues.
    The seeds × dialogues design is crossed (every run scores every dialogue), so the two levels are not
    resampled as nested: that counts each run's own misses twice, and over 5 seeds it rejected a true null at
    0.01-0.12 (BENCHMARKS section 14). Instead: the seeds give their part as the t-test does (the spread of the
    per-seed differences / sqrt(k)); `resamples` draws of whole dialogues (the same draw for every run) give the
    test set's part, net of the runs' own misses: with v_mean the draws' variance of the seed-mean difference
    and v_run the mean over seeds of each seed's, the condition-level part is (k v_mean - v_run) / (k - 1),
    floored at 0 (a method-of-moments split of a crossed design). The difference over the root of the sum is
    referred to Student's t at the two parts' Welch-Satterthwaite degrees of freedom."""
    k, n = row.shape[0], row.shape[1]
    if k < 2 or n < 2:
        return NO_BOOTSTRAP
    classes = row.shape[-1]
    flat = np.stack([row, ref]).reshape(2, k, n, classes * classes)
    per_seed = metric_of_confusion(flat.sum(2).reshape(2, k, classes, classes), metric)
    d = per_seed[0] - per_seed[1]  # (k,)
    diff = float(d.mean())
    draws = np.random.default_rng(seed).integers(0, n, (resamples, n))
    counts = (np.arange(resamples)[:, None] * n + draws).ravel()
    counts = np.bincount(counts, minlength=resamples * n).reshape(resamples, n).astype(float)
    scored = metric_of_confusion(
        np.einsum("bd,rkdq->brkq", counts, flat).reshape(resamples, 2, k, classes, classes), metric
    )
    drawn = scored[:, 0] - scored[:, 1]  # (resamples, k): each seed's difference on each draw
    v_seeds = float(d.var(ddof=1) / k)
    v_mean, v_run = float(drawn.mean(1).var(ddof=1)), float(drawn.var(0, ddof=1).mean())
    v_test = max(0.0, (k * v_mean - v_run) / (k - 1))
    v = v_seeds + v_test
    if v == 0:
        return Bootstrap(k, n, diff, math.nan, math.nan, math.nan, 0.0, 0.0, math.nan)
    df = v**2 / (v_seeds**2 / (k - 1) + v_test**2 / (n - 1))
    se, z = math.sqrt(v), diff / math.sqrt(v)
    p = {"two-sided": 2 * stats.t.sf(abs(z), df), "greater": stats.t.sf(z, df), "less": stats.t.cdf(z, df)}[alternative]
    half = stats.t.isf((1 - confidence) / (2 if alternative == "two-sided" else 1), df) * se
    low = diff - half if alternative != "less" else -math.inf
    high = diff + half if alternative != "greater" else math.inf
    return Bootstrap(
        k, n, diff, float(min(p, 1.0)), float(low), float(high), math.sqrt(v_seeds), math.sqrt(v_test), float(df)
    )


# -- Almost Stochastic Order ------------------------------------------------------------------------------

ASO_THRESHOLD = 0.2  # ε_min below this: stochastic dominance. Ulmer et al. (2022) found 0.5 (Dror et al.'s bound)
#                      to have a high type I error and recommend 0.2 (deepsig's README, "General recommendations")
ASO_ITERATIONS = 200  # deepsig's default is 1000, at ~18 ms each here: 200 estimate its σ to ~5 %


@dataclass(frozen=True)
class Aso:
    row_over_ref: float  # ε_min(row, reference): below ASO_THRESHOLD, the row is almost stochastically better
    ref_over_row: float  # ε_min(reference, row): below it, the reference is


NO_ASO = Aso(math.nan, math.nan)


def aso(
    row: dict[int, float],
    ref: dict[int, float],
    confidence: float = 0.95,
    iterations: int = ASO_ITERATIONS,
    seed: int = 0,
) -> Aso:
    """Almost Stochastic Order (del Barrio et al. 2018; Dror et al. 2019) with deepsig, both directions from one
    bootstrap, each ε_min an upper bound at `confidence` (the caller corrects it for the sides and rows it tests)."""
    if len(row) < 2 or len(ref) < 2:
        return NO_ASO
    from deepsig import multi_aso

    a, b = np.array(list(row.values()), float), np.array(list(ref.values()), float)
    if np.all(a == a[0]) and np.all(b == b[0]) and a[0] == b[0]:
        return Aso(1.0, 1.0)  # one value on both sides: no order at all (deepsig would divide by zero)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eps = multi_aso(
            {"row": a.tolist(), "ref": b.tolist()},
            confidence_level=confidence,
            use_bonferroni=False,
            num_bootstrap_iterations=iterations,
            show_progress=False,
            seed=seed,
        )
    return Aso(float(eps[0, 1]), float(eps[1, 0]))


# -- planning: seeds a t-test needs ------------------------------------------------------------------------

POWER = 0.8  # the power a plan is solved for (Card et al. 2020)


def seeds_for(effect: float, alpha: float = 0.05, power: float = POWER, paired: bool = True) -> float:
    """Seeds per row a two-sided t-test (paired, or two-sample) needs to detect a standardised `effect` with
    `power` (statsmodels' solver): the first whole number from 2 up. NaN for no effect."""
    from statsmodels.stats.power import TTestIndPower, TTestPower

    if not math.isfinite(effect) or effect <= 0:
        return math.nan
    solver = TTestPower() if paired else TTestIndPower()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in range(2, 11):  # a large effect: the solver's bracket starts above 2
            if _power(solver, effect, n, alpha) >= power:
                return float(n)
        n = float(np.squeeze(solver.solve_power(effect_size=effect, alpha=alpha, power=power)))
    return float(math.ceil(n)) if math.isfinite(n) else math.nan


def _power(solver, effect: float, n: int, alpha: float) -> float:
    """statsmodels' power of the two-sided t-test; where that is NaN (its noncentral t's lower tail fails at a
    large noncentrality: d_z 8 at 3 seeds gave NaN while 2 and 6 seeds gave 0.63 and 1.0), scipy's upper tail
    alone, the lower one being below 1e-20 there."""
    from statsmodels.stats.power import TTestPower

    value = float(np.squeeze(solver.power(effect, n, alpha)))
    if math.isfinite(value):
        return value
    paired = isinstance(solver, TTestPower)
    df = n - 1 if paired else 2 * n - 2
    return float(stats.nct.sf(stats.t.isf(alpha / 2, df), df, abs(effect) * math.sqrt(n if paired else n / 2)))


@dataclass(frozen=True)
class Plan:
    """Seeds per row a t-test needs to detect the smallest effect of interest, from a pooled seed spread."""

    seeds: float
    low: float  # at the lower end of the spread's 95 % interval
    high: float  # at its upper end
    sd: float  # the pooled standard deviation over seeds (of the paired differences, or of a row's values)
    df: int
    paired: bool


NO_PLAN = Plan(math.nan, math.nan, math.nan, math.nan, 0, True)


def plan(
    samples: list[np.ndarray], sesoi: float, alpha: float = 0.05, power: float = POWER, paired: bool = True
) -> Plan:
    """The seeds a t-test needs to detect `sesoi` at `power`, from the variance pooled over `samples` (each row's
    per-seed differences from the reference when `paired`, else each row's per-seed values), with an interval
    from that variance's chi-square uncertainty. A planning number: it does not depend on any observed effect."""
    usable = [np.asarray(s, float) for s in samples if len(s) >= 2]
    df = sum(len(s) - 1 for s in usable)
    if not df or sesoi <= 0:
        return NO_PLAN
    variance = sum(float(((s - s.mean()) ** 2).sum()) for s in usable) / df
    if variance == 0:
        return Plan(2.0, 2.0, 2.0, 0.0, df, paired)
    ends = (variance * df / stats.chi2.ppf(0.975, df), variance * df / stats.chi2.ppf(0.025, df))

    def needed(v: float) -> float:
        return seeds_for(sesoi / math.sqrt(v), alpha, power, paired)

    return Plan(needed(variance), needed(ends[0]), needed(ends[1]), math.sqrt(variance), df, paired)
