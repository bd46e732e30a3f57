"""The report's statistical tests, each one class in one registry: its name for `report --test`, how it compares
one cell's row with the reference, its CSV columns and the rule line under a table. `tables.py` names none of them.

A difference test decides the †; the equivalence test (TOST at the smallest effect of interest) turns a row
without † into "equivalent" or "inconclusive". A test whose result is a p-value is Holm-corrected by the table
across the rows of a column; a test that decides by itself (ASO) is given the family's size and corrects inside.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from cmathlab import stats
from cmathlab.stats import VERDICTS, verdict  # noqa: F401 - a comparison in one word, shared with `study status`


@dataclass(frozen=True)
class Settings:
    """What a test reads of the report's options."""

    alpha: float = 0.05
    alternative: str = "two-sided"
    sesoi: float = 1.0  # the smallest effect of interest, in the metric's units (W-F1 points)
    aso_iterations: int = stats.ASO_ITERATIONS
    resamples: int = stats.BOOTSTRAP_RESAMPLES


@dataclass
class Pair:
    """One cell's two rows as a test sees them: seed -> value, and (lazily) the runs' per-dialogue confusions."""

    row: dict[int, float]
    ref: dict[int, float]
    metric: str | None = None  # acc, wf1 or f1/K where the column is a metric of the test predictions
    confusions: Callable[[], tuple[np.ndarray, np.ndarray] | None] = lambda: None  # (k, D, K, K) each, paired


@dataclass
class Outcome:
    p: float = math.nan  # a p-value, Holm-corrected by the table into `p_adjusted`
    p_adjusted: float = math.nan
    decided: bool | None = None  # a test that decides by itself (no p-value)
    direction: int = 0  # +1 the row is above the reference, -1 below
    columns: dict = field(default_factory=dict)  # the test's CSV columns of this cell


class Test:
    """One statistical test. Subclasses set the class attributes and `run`, and may refine `decide` and `rule`."""

    name = ""
    title = ""
    equivalence = False  # True: TOST's kind, which says "the same", not "different"
    always = False  # computed for the CSV whichever test draws the † (it costs little)
    primary_only = False  # run on the table's primary column only (it costs seconds a cell)
    pairs = True  # compares seed k of the row with seed k of the reference (False: two samples of seeds)
    columns: tuple[str, ...] = ()
    adjusted = ""  # the CSV column of its Holm-adjusted p ("" where it has no p-value)

    def run(self, pair: Pair, settings: Settings, family: int) -> Outcome:
        raise NotImplementedError

    def decide(self, outcome: Outcome, settings: Settings) -> bool:
        if outcome.decided is not None:
            return outcome.decided
        return not math.isnan(outcome.p_adjusted) and outcome.p_adjusted < settings.alpha

    def rule(self, outcomes: list[Outcome], settings: Settings, family: int, holm: bool) -> str:
        raise NotImplementedError


SIDE = {"two-sided": "two-sided", "greater": "one-sided (row > reference)", "less": "one-sided (row < reference)"}


def _holm_words(family: int, holm: bool) -> str:
    return f", Holm-corrected across the {family} rows of the column" if holm and family > 1 else ""


class TTest(Test):
    name = "t"
    title = "the t-test over seeds"
    always = True
    columns = (
        "test",
        "diff",
        "p",
        "p_adjusted",
        "cohens_d",
        "d_kind",
        "ci95_low",
        "ci95_high",
        "seeds_paired",
        "seeds_dropped",
    )
    adjusted = "p_adjusted"

    def run(self, pair, settings, family):
        c = stats.compare(pair.row, pair.ref, settings.alternative, 1 - settings.alpha)
        return Outcome(
            p=c.p,
            direction=int(np.sign(c.diff)) if math.isfinite(c.diff) else 0,
            columns={
                "test": c.test,
                "diff": c.diff,
                "p": c.p,
                "cohens_d": c.cohens_d,
                "d_kind": c.d_kind,
                "ci95_low": c.ci_low,
                "ci95_high": c.ci_high,
                "seeds_paired": c.paired,
                "seeds_dropped": c.dropped,
            },
        )

    def rule(self, outcomes, settings, family, holm):
        kinds = {o.columns["test"] for o in outcomes}
        dropped = sum(1 for o in outcomes if o.columns["seeds_dropped"])
        how = {
            "paired": "the paired t-test on the seeds both rows ran"
            + (f" ({dropped} cell(s) dropped a seed the other row lacks; the CSV counts them)" if dropped else ""),
            "welch": "Welch's t-test where the rows share fewer than 2 seeds",
            "none": "no test where a row has fewer than 2 seeds or no spread",
        }
        used = "; ".join(how[k] for k in ("paired", "welch", "none") if k in kinds) or "no test"
        return f"at α = {settings.alpha:g}, {SIDE[settings.alternative]}, {used}{_holm_words(family, holm)}"


class SeedDialogueBootstrap(Test):
    name = "bootstrap"
    title = "the seeds × test-dialogues bootstrap"
    columns = (
        "bootstrap_diff",
        "bootstrap_p",
        "bootstrap_p_adjusted",
        "bootstrap_ci95_low",
        "bootstrap_ci95_high",
        "bootstrap_seeds",
        "bootstrap_dialogues",
        "bootstrap_se_seeds",
        "bootstrap_se_test_set",
        "bootstrap_df",
    )
    adjusted = "bootstrap_p_adjusted"

    def run(self, pair, settings, family):
        found = pair.confusions() if pair.metric else None
        b = (
            stats.seed_dialogue_bootstrap(
                *found, pair.metric, settings.alternative, 1 - settings.alpha, settings.resamples
            )
            if found is not None
            else stats.NO_BOOTSTRAP
        )
        return Outcome(
            p=b.p,
            direction=int(np.sign(b.diff)) if math.isfinite(b.diff) else 0,
            columns={
                "bootstrap_diff": b.diff,
                "bootstrap_p": b.p,
                "bootstrap_ci95_low": b.ci_low,
                "bootstrap_ci95_high": b.ci_high,
                "bootstrap_seeds": b.seeds,
                "bootstrap_dialogues": b.n_dialogues,
                "bootstrap_se_seeds": b.sd_seeds,
                "bootstrap_se_test_set": b.sd_test_set,
                "bootstrap_df": b.df,
            },
        )

    def rule(self, outcomes, settings, family, holm):
        dialogues = sorted({o.columns["bootstrap_dialogues"] for o in outcomes if o.columns["bootstrap_dialogues"]})
        return (
            f"at α = {settings.alpha:g}, {SIDE[settings.alternative]}, by the seeds × test-dialogues bootstrap "
            f"over the seeds both rows ran and {'/'.join(map(str, dialogues)) or 'no'} test dialogues (the "
            f"seeds' spread plus the test set's, from {settings.resamples} draws of whole dialogues net of each "
            "run's own misses; Student's t at Welch-Satterthwaite df; no † where a run kept no predictions or "
            f"the column is not a metric of them){_holm_words(family, holm)}"
        )


class AlmostStochasticOrder(Test):
    name = "aso"
    title = "Almost Stochastic Order"
    primary_only = True
    pairs = False
    columns = ("aso_eps_min_row_over_ref", "aso_eps_min_ref_over_row", "aso_confidence")

    def confidence(self, settings: Settings, family: int) -> float:
        """Each ε_min's confidence: α split over the sides tested and Bonferroni over the family's rows."""
        sides = 2 if settings.alternative == "two-sided" else 1
        return 1 - settings.alpha / (sides * family)

    @staticmethod
    def seed(pair: Pair) -> int:
        """deepsig's bootstrap seed, from the cell's own numbers: a report reruns identically, yet no two cells share
        one draw. One seed for every comparison makes every ε_min lean the same way: at 50 iterations seed 0 for
        all put a † on 0.11 of null tables, a seed per table on 0.04 (BENCHMARKS section 14)."""
        return zlib.crc32(repr((sorted(pair.row.items()), sorted(pair.ref.items()))).encode())

    def run(self, pair, settings, family):
        level = self.confidence(settings, family)
        a = stats.aso(pair.row, pair.ref, level, settings.aso_iterations, seed=self.seed(pair))
        better, worse = a.row_over_ref < stats.ASO_THRESHOLD, a.ref_over_row < stats.ASO_THRESHOLD
        decided = {"two-sided": better or worse, "greater": better, "less": worse}[settings.alternative]
        return Outcome(
            decided=bool(decided),
            direction=1 if better else -1 if worse else 0,
            columns={
                "aso_eps_min_row_over_ref": a.row_over_ref,
                "aso_eps_min_ref_over_row": a.ref_over_row,
                "aso_confidence": level,
            },
        )

    def rule(self, outcomes, settings, family, holm):
        way = {
            "two-sided": "in either direction, each at",
            "greater": "row over reference, at",
            "less": "reference over row, at",
        }[settings.alternative]
        level = self.confidence(settings, family if holm else 1)
        corrected = (
            f"α = {settings.alpha:g} split over both directions"
            if settings.alternative == "two-sided"
            else f"α = {settings.alpha:g}"
        )
        if holm and family > 1:
            corrected += f" and Bonferroni-corrected across the {family} rows"
        return (
            f"by Almost Stochastic Order over seeds (deepsig, {settings.aso_iterations} bootstrap iterations): "
            f"ε_min < {stats.ASO_THRESHOLD:g} {way} {level:.4g} confidence ({corrected}); the threshold Ulmer "
            "et al. (2022) recommend (0.5 has a high false-positive rate); computed on the primary column only. "
            "ASO is no α-level test: on simulated null tables of 5 seeds its † fell on 0.08-0.11 of them "
            "(BENCHMARKS section 14), so read it as a ranking, not a promise of α"
        )


class Tost(Test):
    name = "tost"
    title = "TOST equivalence"
    equivalence = True
    always = True
    columns = ("tost_p", "tost_p_adjusted", "sesoi")
    adjusted = "tost_p_adjusted"

    def run(self, pair, settings, family):
        p = stats.tost(pair.row, pair.ref, settings.sesoi)
        return Outcome(p=p, columns={"tost_p": p, "sesoi": settings.sesoi})

    def rule(self, outcomes, settings, family, holm):
        return (
            f"equivalent: TOST (statsmodels, paired like the t-test) finds |difference| < {settings.sesoi:g} "
            f"(the smallest effect of interest) at α = {settings.alpha:g}{_holm_words(family, holm)}"
        )


TESTS: dict[str, Test] = {t.name: t for t in (TTest(), SeedDialogueBootstrap(), AlmostStochasticOrder(), Tost())}
DIFFERENCE_TESTS = tuple(name for name, t in TESTS.items() if not t.equivalence)
EQUIVALENCE = next(t for t in TESTS.values() if t.equivalence)


def computed(chosen: str) -> list[Test]:
    """The tests a report runs: the one that draws the †, and those cheap enough to run for the CSV anyway."""
    return [t for name, t in TESTS.items() if name == chosen or t.always]


def csv_columns() -> list[str]:
    """Every test's CSV columns, in registry order: a report's CSV has them all, NaN where one was not run."""
    return [c for t in TESTS.values() for c in t.columns]
