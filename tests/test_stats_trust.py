"""The tests beside the t-test, checked against the libraries' own examples: the paired bootstrap over test
dialogues (scipy), ASO (deepsig's README), Holm (statsmodels) and seeds needed (statsmodels' power solver);
and a table that says which test drew its daggers. Tiny numbers, no training."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import f1_score
from statsmodels.stats.power import TTestIndPower, TTestPower

from cmathlab.cli import build_parser, main
from cmathlab.errors import BadInput
from cmathlab.report.stats import (aso, dialogue_confusions, metric_of_confusion, paired_bootstrap,
                                   seeds_needed)
from cmathlab.report.tables import Options, Row, Table

LABELS = ("neutral", "happy", "sad", "angry")


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


def test_the_bootstrap_draws_whole_dialogues_and_matches_scipys_on_one_utterance_dialogues():
    # one utterance per dialogue and one seed: the ACC difference is the mean of per-dialogue differences in
    # correctness, so scipy's own bootstrap of that mean (same draws, same seed) is the known answer
    rng = np.random.default_rng(1)
    row, ref = (predictions(rng, 60, skill, sizes=(1, 2)) for skill in (0.7, 0.4))
    correct = {name: np.array([run[d]["label"][0] == run[d]["pred"][0] for d in sorted(run)], float)
               for name, run in (("row", row), ("ref", ref))}  # dialogues in the order they are drawn from
    b = paired_bootstrap({0: row}, {0: ref}, "acc", len(LABELS), resamples=999, seed=3)
    expected = stats.bootstrap((100 * (correct["row"] - correct["ref"]),), np.mean, n_resamples=999, batch=200,
                               method="percentile", random_state=3)
    assert b.diff == pytest.approx(100 * (correct["row"].mean() - correct["ref"].mean()))
    assert (b.ci_low, b.ci_high) == pytest.approx((expected.confidence_interval.low, expected.confidence_interval.high))
    assert b.n_dialogues == 60 and b.seeds == 1 and b.p < 0.05


def test_a_corpus_whose_dialogues_are_all_copies_of_one_gives_a_zero_width_interval():
    rng = np.random.default_rng(2)
    one_row, one_ref = predictions(rng, 1, 0.8, sizes=(8, 9))["d0"], predictions(rng, 1, 0.3, sizes=(8, 9))["d0"]
    row = {s: {f"d{d}": one_row for d in range(25)} for s in (0, 1)}
    ref = {s: {f"d{d}": one_ref for d in range(25)} for s in (0, 1)}
    b = paired_bootstrap(row, ref, "wf1", len(LABELS), resamples=200)
    assert b.ci_low == pytest.approx(b.diff) and b.ci_high == pytest.approx(b.diff) and b.diff != 0


def test_the_bootstrap_pools_only_the_seeds_both_rows_share_and_finds_no_difference_in_a_row_with_itself():
    rng = np.random.default_rng(4)
    runs = {s: predictions(rng, 20, 0.5) for s in range(3)}
    same = paired_bootstrap(runs, runs, "wf1", len(LABELS), resamples=200)
    assert same.diff == 0 and same.p == 1.0 and same.ci_low == pytest.approx(0, abs=1e-9)
    shared = paired_bootstrap(runs, {1: runs[1], 2: runs[2], 7: runs[0]}, "wf1", len(LABELS), resamples=200)
    assert shared.seeds == 2 and shared.diff == 0  # seed 7 is not seed 0: neither is pooled


def test_aso_reproduces_deepsigs_readme_example_in_both_directions():
    # deepsig's README, "Scenario 1": N = 5 seeds, np.random.seed(1234), min_eps = 0.225 (1000 iterations; 200 here
    # estimate the same bootstrap variance to within 0.01)
    np.random.seed(1234)
    mine, baseline = np.random.normal(loc=0.9, scale=0.8, size=5), np.random.normal(loc=0, scale=1, size=5)
    result = aso(dict(enumerate(mine)), dict(enumerate(baseline)), iterations=200, seed=1234)
    assert result.row_over_ref == pytest.approx(0.225, abs=0.01)
    assert result.ref_over_row > 0.5  # the other way round, the baseline is not better


def test_seeds_needed_is_statsmodels_power_solver_rounded_up():
    row = {0: 74.1, 1: 73.2, 2: 75.0, 3: 73.9, 4: 74.6}
    ref = {0: 74.0, 1: 73.9, 2: 73.1, 3: 73.8, 4: 74.0}
    d = np.array([row[s] - ref[s] for s in row])
    effect = d.mean() / d.std(ddof=1)
    expected = math.ceil(TTestPower().solve_power(effect_size=effect, alpha=0.05, power=0.8))
    assert seeds_needed(row, ref) == expected
    # Cohen's (1988) medium effect d = 0.5 needs 33.4 pairs at 80 % power: the solver's known answer
    assert TTestPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8) == pytest.approx(33.37, abs=0.01)
    other = {10 + k: v for k, v in ref.items()}  # no shared seeds: Welch's case, per row
    a, b = np.array(list(row.values())), np.array(list(ref.values()))
    d_av = (a.mean() - b.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert seeds_needed(row, other) == math.ceil(TTestIndPower().solve_power(effect_size=d_av, alpha=0.05, power=0.8))
    assert math.isnan(seeds_needed({0: 1.0}, ref))  # one seed: no spread to size an effect by


def _table(test: str, holm: bool = True) -> Table:
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
    return Table("components-iemocap", "Ablation", "iemocap", ["test/acc", "test/wf1"], ["ACC", "W-F1"], rows,
                 labels=LABELS).mark(Options(test=test, holm=holm, aso_iterations=20))


@pytest.mark.parametrize("test, words", [
    ("t", ("paired t-test", "Holm-corrected across the 2 rows")),
    ("bootstrap", ("paired bootstrap over 30 test dialogues", "resamples of whole dialogues", "Holm-corrected")),
    ("aso", ("Almost Stochastic Order", "ε_min < 0.2", "Ulmer", "Bonferroni-corrected across the 2 rows")),
])
def test_the_rule_under_a_table_explains_the_test_that_drew_its_daggers(test, words):
    table = _table(test)
    for word in words:
        assert word in table.rule
    assert "The CSV holds every test" in table.rule
    frame = table.frame()
    assert (frame["dagger_test"] == test).all()
    mr = frame[(frame.row == "w/o MR") & (frame.metric == "test/wf1")].iloc[0]
    # whichever test drives the dagger, the CSV holds all of them; w/o MR is far below by the bootstrap and ASO
    assert mr.bootstrap_p < 0.05 and mr.bootstrap_ci95_high < 0 and mr.bootstrap_dialogues == 30
    assert mr.aso_eps_min_ref_over_row < 0.2 and mr.aso_eps_min_row_over_ref > 0.5 and mr.p > 0
    for _, line in frame[~frame.reference].iterrows():
        rule = {"t": line.p_adjusted < 0.05, "bootstrap": line.bootstrap_p_adjusted < 0.05,
                "aso": min(line.aso_eps_min_row_over_ref, line.aso_eps_min_ref_over_row) < 0.2}[test]
        assert line.dagger == bool(rule), (line.row, line.metric)
    assert frame[frame.metric == "test/acc"].aso_eps_min_row_over_ref.isna().all()  # ASO: W-F1 only


def test_seeds_needed_never_grows_as_the_effect_grows():
    # statsmodels' power is NaN at some large noncentralities (d_z 8 at 3 seeds, measured on Table 4 of real MELD
    # text): read as "not shown", a bigger effect needed more seeds (6) than a smaller one (3)
    spread = np.array([0.3, -0.2, 0.1, -0.4, 0.2])
    needed = []
    for gap in (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0):
        row = {s: 50.0 + gap + x for s, x in enumerate(spread)}
        needed.append(seeds_needed(row, {s: 50.0 for s in range(5)}))
    assert needed == sorted(needed, reverse=True) and needed[-1] == 2, needed
    with_nan = {s: 57.11 + x for s, x in enumerate([0.1, -0.2, 0.15, 0.05, -0.1])}
    assert seeds_needed(with_nan, {s: 58.60 + x for s, x in enumerate([-0.05, 0.2, 0.1, -0.3, 0.05])}) <= 3


def test_holm_is_on_by_default_and_the_seeds_needed_line_names_the_row_that_needs_most():
    corrected, plain = _table("bootstrap"), _table("bootstrap", holm=False)
    cell, raw = corrected.cells["w/o HD", "test/wf1"], plain.cells["w/o HD", "test/wf1"]
    assert cell.bootstrap_p_adjusted >= raw.bootstrap_p_adjusted == raw.bootstrap.p
    assert "Holm" not in plain.rule
    (line,) = [n for n in corrected.notes if n.startswith("Seeds needed")]
    assert "w/o HD needs most" in line and f"{cell.seeds_needed:.0f} seeds" in line and "80%" in line


def test_report_chooses_its_test_and_turns_holm_off_on_the_command_line(tmp_path):
    args = build_parser().parse_args(["report", str(tmp_path), "--test", "aso", "--no-holm"])
    assert args.test == "aso" and args.holm is False
    assert build_parser().parse_args(["report", str(tmp_path)]).holm is True
    assert main(["report", str(tmp_path), "--aso-iterations", "0", "--out", str(tmp_path / "r")]) == 2
    with pytest.raises(BadInput, match="--test"):
        build_parser().parse_args(["report", str(tmp_path), "--test", "wilcoxon"])


def test_a_critical_difference_diagram_ranks_three_rows_over_two_data_sets_and_none_over_one(tmp_path):
    from cmathlab.report.figures import rank_figures

    def overall(dataset, shift):
        rows = [Row(name, {"test/wf1": {s: base + shift + 0.3 * s for s in range(3)}}, name == "CMATH")
                for name, base in (("CMATH", 60.0), ("BiGRU", 58.0), ("MLP", 50.0))]
        return Table(f"overall-{dataset}", "Overall", dataset, ["test/wf1"], ["W-F1"], rows).mark(Options())

    (figure,) = rank_figures([overall("iemocap", 0.0), overall("meld", -5.0)], str(tmp_path))
    assert figure.key == "ranks-overall" and (tmp_path / "ranks-overall.png").stat().st_size > 1000
    assert "6 blocks" in figure.caption and "Friedman test p = " in figure.caption and "Nemenyi" in figure.caption
    assert rank_figures([overall("iemocap", 0.0)], str(tmp_path)) == []
    # two data sets of two seeds are 4 blocks, fewer than autorank takes: no diagram, and a note that says why
    for table in (few := [overall("iemocap", 0.0), overall("meld", -5.0)]):
        for row in table.rows:
            row.values["test/wf1"].pop(2)
    notes = []
    assert rank_figures(few, str(tmp_path), notes=notes) == []
    assert notes == ["No critical-difference diagram of the overall rows: 4 block(s) (a data set and a seed that "
                     "every row ran), autorank needs 5"]


def test_status_says_how_many_seeds_tell_the_best_condition_from_the_runner_up(tmp_path):
    from types import SimpleNamespace

    from cmathlab.study.spec import load_spec
    from cmathlab.study.status import _seeds_line, conditions
    from conftest import write_spec

    def run(seed, value, lr):
        return SimpleNamespace(info=SimpleNamespace(status="FINISHED"), data=SimpleNamespace(
            tags={"cmathlab.part": "lr", "dataset": "iemocap", "cmathlab.health": "ok"},
            params={"lr": str(lr), "seed": str(seed)}, metrics={"valid/wf1": value, "test/wf1": value}))

    spec = load_spec(write_spec(tmp_path, 'name = "lr"\ndatasets = ["iemocap"]\nseeds = 3\n[grid]\nlr = [1e-3, 3e-3]\n'))
    best, second = (0.610, 0.625, 0.604), (0.600, 0.612, 0.601)
    runs = [run(s, v, 1e-3) for s, v in enumerate(best)] + [run(s, v, 3e-3) for s, v in enumerate(second)]
    top = conditions(spec.parts[0], "iemocap", runs, "valid_wf1")[:2]
    line = _seeds_line(top, "valid wf1")
    expected = seeds_needed({s: 100 * v for s, v in enumerate(best)}, {s: 100 * v for s, v in enumerate(second)})
    assert "lr=0.003" in line and f": {expected:.0f} per condition" in line and "80% power" in line


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
            fit(dataclasses.replace(config, modalities="t", dim=8, heads=1, epochs=1), tiny_corpus)
        assert seen.value.args == (expected,)
