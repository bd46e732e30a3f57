"""The marks a reviewer reads, checked so that they can fail: each test's false-positive rate on simulated tables
in every cell of the grid (report/calibration.py), the seeds × dialogues bootstrap against a plain loop, ASO's
sides and options, TOST, the verdicts, the plan, and the critical-difference diagram. Tiny numbers, no training."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn.metrics import f1_score
from statsmodels.stats.power import TTestPower

from cmathlab import stats
from cmathlab.cli import build_parser, main
from cmathlab.errors import BadInput
from cmathlab.report import render
from cmathlab.report.calibration import Cell, null_grid, rates, sesoi_shift
from cmathlab.report.significance import TESTS, Settings
from cmathlab.report.tables import Options, Row, Table
from cmathlab.stats import aso, dialogue_confusions, metric_of_confusion, seed_dialogue_bootstrap

LABELS = ("neutral", "happy", "sad", "angry")
LOW, HIGH = 0.02, 0.08  # where a test that claims α = 0.05 must land, over 400 tables (the binomial 99.5 % band)
TABLES = 400
FAST = Settings(resamples=200)  # the report draws 1000; 200 keep the grid in seconds


def predictions(rng, dialogues: int, skill: float, sizes=(3, 12)) -> dict:
    """One run's test predictions: each utterance right with probability `skill`, else a random label."""
    out = {}
    for d in range(dialogues):
        y = rng.integers(0, len(LABELS), rng.integers(*sizes))
        pred = np.where(rng.random(len(y)) < skill, y, rng.integers(0, len(LABELS), len(y)))
        out[f"d{d}"] = {"length": len(y), "label": y.tolist(), "pred": pred.tolist()}
    return out


def test_a_confusion_gives_scikit_learns_accuracy_weighted_f1_and_per_class_f1():
    run = predictions(np.random.default_rng(0), 30, 0.5)
    y = np.concatenate([p["label"] for p in run.values()])
    pred = np.concatenate([p["pred"] for p in run.values()])
    confusion = dialogue_confusions(run, list(run), len(LABELS)).sum(0)
    assert metric_of_confusion(confusion, "wf1") == pytest.approx(100 * f1_score(y, pred, average="weighted"))
    assert metric_of_confusion(confusion, "acc") == pytest.approx(100 * np.mean(y == pred))
    per_class = f1_score(y, pred, average=None, labels=range(len(LABELS)))
    for k in range(len(LABELS)):
        assert metric_of_confusion(confusion, f"f1/{k}") == pytest.approx(100 * per_class[k])


# -- calibration: a † at its stated rate, in every cell ---------------------------------------------------


@pytest.mark.parametrize("cell", null_grid(), ids=lambda c: c.describe())
def test_the_t_test_and_the_bootstrap_hold_alpha_in_every_null_cell(cell):
    # noise shared by both rows or not, seed spreads 0.01-0.05, one seed missing: a † is a false positive
    found = rates(["t", "bootstrap"], cell, TABLES, seed=null_grid().index(cell), settings=FAST)
    for test, rate in found.items():
        assert LOW <= rate <= HIGH, (test, rate)


@pytest.mark.parametrize("seed_sd", (0.01, 0.05))
def test_welchs_test_holds_alpha_where_the_rows_share_no_seed(seed_sd):
    found = rates(["t", "bootstrap"], Cell(seed_sd=seed_sd, disjoint=True), TABLES, seed=30, settings=FAST)
    assert LOW <= found["t"] <= HIGH and found["bootstrap"] == 0, found  # the bootstrap pairs or says nothing


def test_the_bootstrap_holds_alpha_where_the_test_set_favours_a_row_and_the_t_test_does_not():
    # each dialogue favours one row and costs the other alike, zero on average over test sets: on one test set
    # the seeds agree on a difference that a new test set would not repeat. The t-test over seeds reads it as
    # real; the bootstrap, carrying the test set's variance, keeps its rate
    found = rates(["t", "bootstrap"], Cell(profile=0.2), TABLES, seed=21, settings=FAST)
    assert LOW <= found["bootstrap"] <= HIGH and found["t"] > 0.2, found


def test_both_tests_find_a_real_difference_more_often_than_alpha():
    found = rates(["t", "bootstrap"], Cell(delta=0.05, seed_sd=0.015), 200, seed=22, settings=FAST)
    assert found["t"] > 0.3 and found["bootstrap"] > 0.3, found


@pytest.mark.parametrize(
    "cell",
    [Cell(seed_sd=0.01), Cell(seed_sd=0.03, shared=0.0), Cell(seed_sd=0.01, missing=True)],
    ids=lambda c: c.describe(),
)
def test_tost_declares_equivalence_at_most_alpha_of_the_time_at_a_true_difference_of_the_sesoi(cell):
    settings = Settings(sesoi=5.0)  # a SESOI TOST can reach at 5 seeds of 40 dialogues (W-F1 sd ~3 points)
    above = rates(["tost"], sesoi_shift(cell, settings), TABLES, seed=23, settings=settings)["tost"]
    below = rates(["tost"], sesoi_shift(cell, Settings(sesoi=-5.0)), TABLES, seed=24, settings=settings)["tost"]
    inside = rates(["tost"], cell, 200, seed=25, settings=settings)["tost"]
    assert above <= HIGH and below <= HIGH and inside > 2 * HIGH, (above, below, inside)


# -- the bootstrap against a plain loop -------------------------------------------------------------------


def test_the_seed_dialogue_bootstrap_matches_a_plain_loop_over_the_same_draws():
    rng = np.random.default_rng(1)
    seeds, dialogues, resamples = 4, 25, 120
    row = [predictions(rng, dialogues, 0.55 + 0.03 * s) for s in range(seeds)]
    ref = [predictions(rng, dialogues, 0.5 + 0.02 * s) for s in range(seeds)]
    names = [f"d{d}" for d in range(dialogues)]
    stack = [np.stack([dialogue_confusions(r, names, len(LABELS)) for r in runs]) for runs in (row, ref)]
    b = seed_dialogue_bootstrap(*stack, "wf1", resamples=resamples, seed=7)

    def wf1(run, chosen):  # scikit-learn on the utterances of the chosen dialogues, repeats included
        y = np.concatenate([run[names[i]]["label"] for i in chosen])
        p = np.concatenate([run[names[i]]["pred"] for i in chosen])
        return 100 * f1_score(y, p, average="weighted")

    d = np.array([wf1(row[s], range(dialogues)) - wf1(ref[s], range(dialogues)) for s in range(seeds)])
    draws = np.random.default_rng(7).integers(0, dialogues, (resamples, dialogues))
    drawn = np.array([[wf1(row[s], draw) - wf1(ref[s], draw) for s in range(seeds)] for draw in draws])
    v_seeds = d.var(ddof=1) / seeds
    v_test = max(0.0, (seeds * drawn.mean(1).var(ddof=1) - drawn.var(0, ddof=1).mean()) / (seeds - 1))
    df = (v_seeds + v_test) ** 2 / (v_seeds**2 / (seeds - 1) + v_test**2 / (dialogues - 1))
    t = d.mean() / math.sqrt(v_seeds + v_test)
    assert b.diff == pytest.approx(d.mean()) and b.df == pytest.approx(df)
    assert b.p == pytest.approx(2 * scipy_stats.t.sf(abs(t), df))
    assert b.sd_seeds == pytest.approx(math.sqrt(v_seeds)) and b.sd_test_set == pytest.approx(math.sqrt(v_test))
    half = scipy_stats.t.ppf(0.975, df) * math.sqrt(v_seeds + v_test)
    assert (b.ci_low, b.ci_high) == pytest.approx((d.mean() - half, d.mean() + half))


def test_the_bootstrap_finds_no_difference_in_a_row_with_itself_and_needs_two_seeds():
    rng = np.random.default_rng(4)
    runs = np.stack(
        [dialogue_confusions(r, list(r), len(LABELS)) for r in (predictions(rng, 20, 0.5) for _ in range(3))]
    )
    same = seed_dialogue_bootstrap(runs, runs, "wf1", resamples=100)
    assert same.diff == 0 and math.isnan(same.p)  # no variance at all: no test, never a †
    assert math.isnan(seed_dialogue_bootstrap(runs[:1], runs[:1], "wf1").p)


# -- ASO: its sides, its options ----------------------------------------------------------------------------


def test_aso_reproduces_deepsigs_readme_example_in_both_directions():
    # deepsig's README, "Scenario 1": N = 5 seeds, np.random.seed(1234), min_eps = 0.225 (1000 iterations; 200 here
    # estimate the same bootstrap variance to within 0.01)
    np.random.seed(1234)
    mine, baseline = np.random.normal(loc=0.9, scale=0.8, size=5), np.random.normal(loc=0, scale=1, size=5)
    result = aso(dict(enumerate(mine)), dict(enumerate(baseline)), iterations=200, seed=1234)
    assert result.row_over_ref == pytest.approx(0.225, abs=0.01)
    assert result.ref_over_row > 0.5  # the other way round, the baseline is not better


def _table(test: str, holm: bool = True, **options) -> Table:
    rng = np.random.default_rng(5)
    seeds = (0, 1, 2)
    rows = []
    for name, skill, reference in (("w/o MR", 0.35, False), ("w/o HD", 0.58, False), ("CMATH (full)", 0.6, True)):
        runs = {s: predictions(rng, 30, skill + 0.01 * s) for s in seeds}
        values = {"test/acc": {}, "test/wf1": {}}
        for s, run in runs.items():
            confusion = dialogue_confusions(run, list(run), len(LABELS)).sum(0)
            values["test/acc"][s] = float(metric_of_confusion(confusion, "acc"))
            values["test/wf1"][s] = float(metric_of_confusion(confusion, "wf1"))
        rows.append(Row(name, values, reference, predictions=runs))
    return Table(
        "components-iemocap", "Ablation", "iemocap", ["test/acc", "test/wf1"], ["ACC", "W-F1"], rows, labels=LABELS
    ).mark(Options(test=test, holm=holm, aso_iterations=20, **options))


def test_aso_is_two_sided_at_alpha_over_both_directions_and_honours_holm_alpha_and_iterations(monkeypatch):
    seen = []

    seeds = []

    def spy(row, ref, confidence=0.95, iterations=200, seed=0):
        seen.append((confidence, iterations))
        seeds.append(seed)
        return stats.Aso(0.5, 0.05)  # the reference dominates

    monkeypatch.setattr(stats, "aso", spy)
    table = _table("aso")
    assert seen == [(1 - 0.05 / 4, 20)] * 2  # two sides x two rows, Bonferroni; W-F1 only
    assert len(set(seeds)) == 2  # deepsig's bootstrap seeded by each cell's numbers, not one seed for all
    assert "0.9875 confidence" in table.rule and "20 bootstrap iterations" in table.rule
    assert table.cells["w/o MR", "test/wf1"].dagger and table.cells["w/o MR", "test/wf1"].verdict == "worse"
    assert not table.cells["w/o MR", "test/acc"].dagger  # ASO runs on the primary column only
    seen.clear()
    assert _table("aso") and seeds[2:] == seeds[:2]  # and the same numbers, the same seeds: a rerun is identical
    seen.clear()
    plain = _table("aso", holm=False, alpha=0.1)
    assert seen == [(1 - 0.1 / 2, 20)] * 2 and "0.95 confidence" in plain.rule and "Bonferroni" not in plain.rule
    seen.clear()
    _table("aso", alternative="less")
    assert seen == [(1 - 0.05 / 2, 20)] * 2  # one side: α over the rows only


def test_aso_marks_the_direction_of_a_row_that_dominates():
    table = _table("aso")
    mr = table.cells["w/o MR", "test/wf1"]
    assert mr.stat("aso_eps_min_ref_over_row") < 0.2 < mr.stat("aso_eps_min_row_over_ref")
    assert mr.dagger and mr.verdict == "worse"
    greater = _table("aso", alternative="greater")  # the row over the reference only: not this row
    assert not greater.cells["w/o MR", "test/wf1"].dagger


def test_the_report_computes_aso_and_the_bootstrap_only_when_chosen(monkeypatch):
    called = []
    monkeypatch.setattr(stats, "aso", lambda *a, **k: called.append("aso") or stats.NO_ASO)
    monkeypatch.setattr(stats, "seed_dialogue_bootstrap", lambda *a, **k: called.append("b") or stats.NO_BOOTSTRAP)
    frame = _table("t").frame()
    assert called == [] and frame["aso_eps_min_row_over_ref"].isna().all() and frame["bootstrap_p"].isna().all()
    assert frame[~frame.reference]["tost_p"].notna().all()  # TOST and the t-test cost little: always in the CSV


@pytest.mark.parametrize(
    "test, words",
    [
        ("t", ("paired t-test", "Holm-corrected across the 2 rows")),
        ("bootstrap", ("seeds × test-dialogues bootstrap", "30 test dialogues", "Welch-Satterthwaite", "Holm")),
        ("aso", ("Almost Stochastic Order", "ε_min < 0.2", "Ulmer", "Bonferroni-corrected across the 2 rows")),
    ],
)
def test_the_rule_under_a_table_explains_the_test_that_drew_its_daggers(test, words):
    table = _table(test)
    for word in words:
        assert word in table.rule
    assert "W-F1 is the primary metric" in table.rule and "secondary" in table.rule
    frame = table.frame()
    assert (frame["dagger_test"] == test).all()
    for _, line in frame[~frame.reference].iterrows():
        adjusted = {"t": line.p_adjusted, "bootstrap": line.bootstrap_p_adjusted}.get(test)
        if adjusted is not None:
            assert line.dagger == (adjusted < 0.05), (line.row, line.metric)


# -- pairing, verdicts, planning ------------------------------------------------------------------------


def test_a_missing_seed_drops_that_seed_from_the_pairing_instead_of_switching_to_welch():
    row = {0: 70.1, 1: 71.3, 2: 69.9, 3: 70.8}  # seed 4 flagged or unfinished
    ref = {0: 70.0, 1: 71.0, 2: 69.5, 3: 70.5, 4: 75.0}
    c = stats.compare(row, ref)
    x, y = [row[s] for s in range(4)], [ref[s] for s in range(4)]
    assert c.test == "paired" and c.paired == 4 and c.dropped == 1 and c.d_kind == "d_z"
    assert c.p == pytest.approx(scipy_stats.ttest_rel(x, y).pvalue) and c.p < 0.05
    assert c.diff == pytest.approx(np.mean(np.subtract(x, y)))
    other = stats.compare(row, {10 + s: v for s, v in ref.items()})  # no seed in common: Welch, d_av
    assert other.test == "welch" and other.d_kind == "d_av" and other.paired == 0


def test_tost_says_equivalent_for_rows_that_agree_and_not_for_a_shift_of_twice_the_sesoi():
    ref = {s: 60.0 + x for s, x in enumerate([0.3, -0.2, 0.1, -0.4, 0.2])}
    close = {s: v + x for (s, v), x in zip(ref.items(), [0.05, -0.1, 0.08, 0.0, -0.04])}
    far = {s: v + 2.0 for s, v in close.items()}
    assert stats.tost(close, ref, 1.0) < 0.05 < stats.tost(far, ref, 1.0)
    assert stats.verdict(False, 0, stats.tost(close, ref, 1.0) < 0.05) == "equivalent"
    assert stats.tost(ref, ref, 1.0) == 0.0 and stats.tost(far, far, 1.0) == 0.0  # a row identical to the reference
    assert stats.tost({s: v + 2.0 for s, v in ref.items()}, ref, 1.0) == 1.0  # every seed exactly 2 points apart
    assert math.isnan(stats.tost({0: 60.0}, ref, 1.0))  # one seed: no test
    assert stats.verdict(False, 0, False) == "inconclusive" and stats.verdict(True, -1, False) == "worse"


def test_every_row_gets_a_verdict_shown_beside_its_cells():
    table = _table("t", holm=False, sesoi=10.0)  # a SESOI of 10 points: the close row is equivalent, the far one worse
    assert table.cells["w/o MR", "test/wf1"].verdict == "worse"
    assert table.cells["w/o HD", "test/wf1"].verdict == "equivalent"
    assert _table("t").cells["w/o HD", "test/wf1"].verdict == "inconclusive"  # 1 point at 3 seeds: not shown
    md = render.markdown(table)
    assert "vs reference (W-F1)" in md and "| equivalent" in md and "| reference" in md
    assert "TOST" in table.rule and "smallest effect of interest" in table.rule


def test_seeds_planned_are_one_number_per_table_from_the_pooled_spread_not_each_rows_p():
    table = _table("t")
    frame = table.frame()
    planned = frame[(frame.metric == "test/wf1") & ~frame.reference]["seeds_planned"]
    assert planned.nunique() == 1
    ref = table.reference.values["test/wf1"]
    diffs = [np.array([r.values["test/wf1"][s] - ref[s] for s in ref]) for r in table.rows if not r.reference]
    pooled = math.sqrt(sum(((d - d.mean()) ** 2).sum() for d in diffs) / sum(len(d) - 1 for d in diffs))
    expected = math.ceil(TTestPower().solve_power(effect_size=1.0 / pooled, alpha=0.05, power=0.8))
    assert table.plan.sd == pytest.approx(pooled) and planned.iloc[0] == max(2, expected)
    assert table.plan.low <= table.plan.seeds <= table.plan.high
    assert "Planning:" in table.rule and f"needs {table.plan.seeds:.0f} seeds per row" in table.rule
    # Cohen's (1988) medium effect d = 0.5 needs 33.4 pairs at 80 % power: the solver's known answer
    assert stats.seeds_for(0.5) == 34


def test_seeds_for_never_grows_as_the_effect_grows():
    # statsmodels' power is NaN at some large noncentralities (d_z 8 at 3 seeds, measured on Table 4 of real MELD
    # text): read as "not shown", a bigger effect needed more seeds (6) than a smaller one (3)
    needed = [stats.seeds_for(d) for d in (0.3, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)]
    assert needed == sorted(needed, reverse=True) and needed[-1] == 2, needed


def test_report_chooses_its_test_sesoi_and_primary_on_the_command_line(tmp_path):
    args = build_parser().parse_args(
        ["report", str(tmp_path), "--test", "aso", "--no-holm", "--sesoi", "0.5", "--primary", "acc"]
    )
    assert args.test == "aso" and args.holm is False and args.sesoi == 0.5 and args.primary == "acc"
    assert build_parser().parse_args(["report", str(tmp_path)]).holm is True
    assert main(["report", str(tmp_path), "--aso-iterations", "0", "--out", str(tmp_path / "r")]) == 2
    assert main(["report", str(tmp_path), "--sesoi", "-1", "--out", str(tmp_path / "r")]) == 2
    with pytest.raises(BadInput, match="--test"):
        build_parser().parse_args(["report", str(tmp_path), "--test", "wilcoxon"])
    assert set(TESTS) == {"t", "bootstrap", "aso", "tost"}


def test_the_primary_metric_decides_the_verdict_column_and_the_plan():
    table = _table("t", primary="acc")
    assert "ACC is the primary metric" in table.rule and "vs reference (ACC)" in render.markdown(table)
    frame = table.frame()
    assert frame[frame.primary]["metric"].unique().tolist() == ["test/acc"]


def test_a_spec_declares_its_primary_metric_and_sesoi(tmp_path):
    from conftest import write_spec

    from cmathlab.study.spec import load_spec

    base = 'name = "x"\ndatasets = ["iemocap"]\nseeds = 2\n[grid]\nlr = [1e-3]\n[report]\n'
    spec = load_spec(write_spec(tmp_path, base + 'primary = "acc"\nsesoi = 0.5\n'))
    assert spec.report == {"primary": "acc", "sesoi": 0.5}
    for bad, field in (
        ('primary = "f1"\n', "report.primary"),
        ("sesoi = 0\n", "report.sesoi"),
        ("sesoi = true\n", "report.sesoi"),
        ("alpha = 0.1\n", "report.alpha"),
    ):
        with pytest.raises(BadInput) as err:
            load_spec(write_spec(tmp_path, base + bad))
        assert err.value.field == field


# -- the critical-difference diagram ------------------------------------------------------------------------


def _overall(dataset, shift, seeds=(0, 1, 2), order=(60.0, 58.0, 50.0, 55.0)):
    rows = [
        Row(name, {"test/wf1": {s: base + shift + 0.3 * i for i, s in enumerate(seeds)}}, name == "CMATH")
        for name, base in zip(("CMATH", "BiGRU", "MLP", "MMGCN"), order)
    ]
    return Table(f"overall-{dataset}", "Overall", dataset, ["test/wf1"], ["W-F1"], rows).mark(Options())


def test_a_critical_difference_diagram_blocks_on_data_sets_and_ignores_how_seeds_are_numbered(tmp_path, monkeypatch):
    from cmathlab.report import figures
    from cmathlab.report.paper import DATASET_NAMES

    for name in ("a", "b", "c", "d", "e", "f"):
        monkeypatch.setitem(DATASET_NAMES, name, name.upper())
    names = ("a", "b", "c", "d", "e", "f")
    tables = [_overall(d, -i) for i, d in enumerate(names)]
    (figure,) = figures.rank_figures(tables, str(tmp_path))
    assert "within each of 6 data sets" in figure.caption and "Friedman test p = " in figure.caption
    renumbered = [_overall(d, -i, seeds=(7, 3, 11)) for i, d in enumerate(names)]
    (again,) = figures.rank_figures(renumbered, str(tmp_path))
    assert again.caption == figure.caption
    # the same rows in another order on every data set: Friedman does not reject, no bars are drawn, a note says so
    mixed = [_overall(d, 0.0, order=np.roll([60.0, 58.0, 50.0, 55.0], i)) for i, d in enumerate(names[:5])]
    notes = []
    assert figures.rank_figures(mixed, str(tmp_path), notes=notes) == []
    assert "Friedman's test over 5 data sets finds no difference" in notes[0]


def test_no_critical_difference_diagram_over_fewer_than_five_data_sets():
    from cmathlab.report.figures import rank_figures

    notes = []
    assert rank_figures([_overall("iemocap", 0.0), _overall("meld", -5.0)], "/nonexistent", notes=notes) == []
    assert notes == [
        "No critical-difference diagram of the overall rows: 2 data set(s); its blocks are data sets "
        "(Demšar 2006; a row's seeds are averaged within one), and the Friedman test needs 5 or more"
    ]


def test_status_judges_the_best_condition_against_the_runner_up_as_the_report_would(tmp_path):
    from types import SimpleNamespace

    from conftest import write_spec

    from cmathlab.study.spec import load_spec
    from cmathlab.study.status import _seeds_line, conditions

    def run(seed, value, lr):
        return SimpleNamespace(
            info=SimpleNamespace(status="FINISHED"),
            data=SimpleNamespace(
                tags={"cmathlab.part": "lr", "dataset": "iemocap", "cmathlab.health": "ok"},
                params={"lr": str(lr), "seed": str(seed)},
                metrics={"valid/wf1": value, "test/wf1": value},
            ),
        )

    spec = load_spec(
        write_spec(tmp_path, 'name = "lr"\ndatasets = ["iemocap"]\nseeds = 3\n[grid]\nlr = [1e-3, 3e-3]\n')
    )
    best, second = (0.610, 0.625, 0.604), (0.600, 0.612, 0.601)
    runs = [run(s, v, 1e-3) for s, v in enumerate(best)] + [run(s, v, 3e-3) for s, v in enumerate(second)]
    top = conditions(spec.parts[0], "iemocap", runs, "valid_wf1")[:2]
    line = _seeds_line(top, "valid wf1")
    d = 100 * np.array(best) - 100 * np.array(second)
    p = scipy_stats.ttest_rel(100 * np.array(best), 100 * np.array(second)).pvalue
    planned = stats.seeds_for(1.0 / d.std(ddof=1))
    assert "lr=0.003" in line and f"p = {p:.3g}" in line and "inconclusive" in line
    assert f"needs {planned:.0f} seeds per condition" in line and "80% power" in line
    wide = _seeds_line(top, "valid wf1", sesoi=5.0)
    assert ": equivalent at a smallest effect of interest of 5" in wide


def test_the_split_field_draws_validation_by_the_seed_and_a_rerun_reads_it_back(tiny_corpus, monkeypatch):
    from cmathlab.config import Config
    from cmathlab.engine import fusion_key
    from cmathlab.study.rerun import recorded_config

    fixed = [Config.for_dataset("iemocap", seed=s) for s in (0, 1)]
    drawn = [Config.for_dataset("iemocap", seed=s, split="seed") for s in (0, 1)]
    assert fusion_key(fixed[0]) == fusion_key(fixed[1])  # one split: the seeds may train fused
    assert fusion_key(drawn[0]) != fusion_key(drawn[1])  # a split each: never one stacked model
    # a rerun rebuilds the config from the run's params; a run recorded before the field ran with the split fixed
    params = {k: str(v) for k, v in drawn[1].to_dict().items() if k != "options"}
    assert recorded_config(params).split == "seed"
    assert recorded_config({k: v for k, v in params.items() if k != "split"}).split == "fixed"

    class Split(Exception):
        pass

    def spy(self, fraction, seed, official=False):  # what fit splits by, then stop before any training
        raise Split(seed)

    from cmathlab.train import fit

    monkeypatch.setattr(type(tiny_corpus), "split", spy)
    for config, expected in ((drawn[1], 1), (fixed[1], 0), (Config.for_dataset("iemocap", seed=3, split="seed"), 3)):
        with pytest.raises(Split) as seen:
            fit(dataclasses.replace(config, modalities="t", dim=8, epochs=1), tiny_corpus)
        assert seen.value.args == (expected,)
