"""The report's statistics, checked against scipy and against the textbook formulas on fixed numbers."""

import math

import numpy as np
import pytest
from scipy import stats

from cmathlab.stats import compare, holm

ROW = {0: 74.1, 1: 73.2, 2: 75.0, 3: 73.9, 4: 74.6}
REF = {0: 72.0, 1: 72.9, 2: 73.1, 3: 71.8, 4: 72.6}


def test_rows_that_share_seeds_get_the_paired_t_test():
    c = compare(ROW, REF)
    x, y = np.array(list(ROW.values())), np.array(list(REF.values()))
    expected = stats.ttest_rel(x, y)
    assert c.test == "paired"
    assert c.p == pytest.approx(expected.pvalue)
    d = x - y  # by hand: t = mean(d) / (sd(d) / sqrt(n)), n - 1 degrees of freedom
    t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    assert c.p == pytest.approx(2 * stats.t.sf(abs(t), len(d) - 1))
    assert c.cohens_d == pytest.approx(d.mean() / d.std(ddof=1))  # d_z
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    assert (c.ci_low, c.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))
    assert c.diff == pytest.approx(d.mean())


def test_pairing_follows_the_seed_not_the_order_of_the_dict():
    shuffled = {k: ROW[k] for k in (3, 0, 4, 1, 2)}
    assert compare(shuffled, REF).p == pytest.approx(compare(ROW, REF).p)


def test_rows_with_other_seeds_get_welchs_t_test():
    other = {10 + k: v for k, v in REF.items() if k < 4}  # 4 other seeds
    c = compare(ROW, other)
    a, b = np.array(list(ROW.values())), np.array(list(other.values()))
    assert c.test == "welch"
    assert c.p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)  # Welch-Satterthwaite by hand
    t = (a.mean() - b.mean()) / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    assert c.p == pytest.approx(2 * stats.t.sf(abs(t), df))
    half = stats.t.ppf(0.975, df) * math.sqrt(va + vb)
    assert (c.ci_low, c.ci_high) == pytest.approx((t * math.sqrt(va + vb) - half, t * math.sqrt(va + vb) + half))
    assert c.cohens_d == pytest.approx((a.mean() - b.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))


def test_one_sided_halves_the_p_value_in_the_direction_of_the_effect():
    two = compare(ROW, REF).p
    assert compare(ROW, REF, alternative="greater").p == pytest.approx(two / 2)
    assert compare(ROW, REF, alternative="less").p == pytest.approx(1 - two / 2)


def test_no_test_with_one_seed_or_no_spread():
    assert compare({0: 70.0}, REF).test == "none"
    assert math.isnan(compare({0: 70.0}, REF).p)
    flat = {k: v + 1.0 for k, v in REF.items()}  # every difference exactly 1: t is undefined
    c = compare(flat, REF)
    assert c.test == "none" and math.isnan(c.p) and c.diff == pytest.approx(1.0)


def test_holm_steps_down_and_keeps_order():
    # sorted 0.01, 0.02, 0.04 -> 3*0.01, max(2*0.02, .03), max(1*0.04, .04)
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1, monotone
    adjusted = holm([0.03, math.nan, 0.01])  # NaN is outside the family of 2
    assert adjusted[0] == pytest.approx(0.03) and math.isnan(adjusted[1]) and adjusted[2] == pytest.approx(0.02)


def test_holm_equals_statsmodels_on_random_families():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(0)
    for m in (1, 2, 3, 5, 9):  # statsmodels collects garbage on every Holm call: a few families, not hundreds
        for _ in range(2):
            p = rng.uniform(0, 0.2, m) ** rng.uniform(0.5, 2)
            p[rng.integers(0, m)] = p[0]  # ties too
            assert holm(p.tolist()) == pytest.approx(multipletests(p, method="holm")[1].tolist())
