"""How often each of the report's tests puts a dagger on a row, on simulated tables (BENCHMARKS.md, "Statistics:
calibration and power").

A simulated table is two rows of 5 seeds each, scored on a fresh test set of dialogues. A run gets each utterance
right with probability skill + the dialogue's difficulty (shared by every run), else a random other label; a run's
skill is its condition's plus seed noise (half of it shared by the two rows' runs of one seed, as a seed fixes the
initialisation and data order for both). Null: both rows the same condition, so every dagger is a false positive.
Power: the row's condition is better by `--delta`. Each test is run as `cmathlab report` runs it (cmathlab/stats.py);
the t-test's analytical power is statsmodels' at the true d_z of the per-seed differences (from 5,000 pairs).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/stats_calibration.py --tables 1000 --aso-tables 1000
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from statsmodels.stats.power import TTestPower
from statsmodels.stats.proportion import proportion_confint

from cmathlab.stats import ASO_THRESHOLD, aso, compare, metric_of_confusion, paired_bootstrap

CLASSES = np.array([0.4, 0.25, 0.2, 0.15])  # label shares (MELD-like: one dominant class)
SEEDS = 5
SHARED = 0.5  # share of a seed's noise both rows' runs of that seed have in common


def test_set(rng, dialogues: int):
    """A test set: every utterance's label, its dialogue, and each dialogue's difficulty."""
    lengths = rng.integers(4, 16, dialogues)
    labels = rng.choice(len(CLASSES), lengths.sum(), p=CLASSES)
    return labels, np.repeat(np.arange(dialogues), lengths), rng.normal(0, 0.08, dialogues)


def run(rng, labels, dialogue, difficulty, skill: float) -> np.ndarray:
    """One run's predictions of every test utterance."""
    right = rng.random(len(labels)) < np.clip(skill + difficulty[dialogue], 0.02, 0.98)
    other = (labels + rng.integers(1, len(CLASSES), len(labels))) % len(CLASSES)
    return np.where(right, labels, other)


def per_dialogue(labels, dialogue, pred) -> dict:
    """As a run's predictions.json: dialogue id -> its labels and predictions."""
    cuts = np.flatnonzero(np.diff(dialogue)) + 1
    return {f"d{k}": {"label": y.tolist(), "pred": p.tolist(), "length": len(y)}
            for k, (y, p) in enumerate(zip(np.split(labels, cuts), np.split(pred, cuts)))}


def wf1(labels, pred) -> float:
    confusion = np.bincount(labels * len(CLASSES) + pred, minlength=len(CLASSES) ** 2).reshape(len(CLASSES), -1)
    return float(metric_of_confusion(confusion, "wf1"))


def table(rng, dialogues: int, skill: float, delta: float, seed_sd: float, keep: bool = True):
    """Two rows (row = reference + delta) of SEEDS runs on one test set: their predictions and W-F1 per seed."""
    labels, dialogue, difficulty = test_set(rng, dialogues)
    shared = rng.normal(0, 1, SEEDS)
    rows, scores = {}, {}
    for name, mu in (("row", skill + delta), ("ref", skill)):
        noise = seed_sd * (math.sqrt(SHARED) * shared + math.sqrt(1 - SHARED) * rng.normal(0, 1, SEEDS))
        preds = [run(rng, labels, dialogue, difficulty, mu + noise[s]) for s in range(SEEDS)]
        scores[name] = {s: wf1(labels, p) for s, p in enumerate(preds)}
        rows[name] = {s: per_dialogue(labels, dialogue, p) for s, p in enumerate(preds)} if keep else None
    return rows, scores


def analytical_power(rng, dialogues, skill, delta, seed_sd, alpha=0.05, pairs=5000) -> tuple[float, float]:
    """statsmodels' paired t-test power at the true d_z, d_z estimated from `pairs` per-seed differences."""
    diffs = []
    for _ in range(pairs // SEEDS):
        _, scores = table(rng, dialogues, skill, delta, seed_sd, keep=False)
        diffs += [scores["row"][s] - scores["ref"][s] for s in range(SEEDS)]
    d = np.array(diffs)
    effect = d.mean() / d.std(ddof=1)
    return float(TTestPower().power(effect, SEEDS, alpha)), float(effect)


def simulate(args, delta: float, seed_sd: float, seed: int) -> dict[str, list[bool]]:
    rng = np.random.default_rng(seed)
    hits = {"t": [], "bootstrap": [], "aso 0.2": [], "aso 0.5": []}
    for k in range(args.tables):
        rows, scores = table(rng, args.dialogues, args.skill, delta, seed_sd)
        hits["t"].append(compare(scores["row"], scores["ref"]).p < args.alpha)
        hits["bootstrap"].append(paired_bootstrap(rows["row"], rows["ref"], "wf1", len(CLASSES),
                                                  resamples=args.resamples, seed=k).p < args.alpha)
        if k < args.aso_tables:
            eps = aso(scores["row"], scores["ref"], iterations=args.aso_iterations, seed=k)
            hits["aso 0.2"].append(min(eps.row_over_ref, eps.ref_over_row) < ASO_THRESHOLD)
            hits["aso 0.5"].append(min(eps.row_over_ref, eps.ref_over_row) < 0.5)
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--aso-tables", type=int, default=1000, help="tables ASO runs on (it takes ~1 s each)")
    parser.add_argument("--aso-iterations", type=int, default=100)
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples per test")
    parser.add_argument("--dialogues", type=int, default=40)
    parser.add_argument("--skill", type=float, default=0.6)
    parser.add_argument("--delta", type=float, default=0.03, help="the better row's skill advantage (power)")
    parser.add_argument("--seed-sd", type=float, default=0.015, help="a run's skill spread over seeds")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--setting", type=int, choices=(0, 1, 2), help="run one setting only (three processes at once)")
    args = parser.parse_args()
    settings = [("null: same condition, seed spread", 0.0, args.seed_sd),
                ("null: same condition, no seed spread", 0.0, 0.0),
                (f"power: row better by {args.delta:g} skill", args.delta, args.seed_sd)]
    print("| setting | test | daggers | rate | 95 % CI | t-test analytical |\n|---|---|---|---|---|---|")
    for i, (name, delta, seed_sd) in enumerate(settings):
        if args.setting is not None and i != args.setting:
            continue
        start = time.time()
        hits = simulate(args, delta, seed_sd, seed=100 + i)
        power, effect = analytical_power(np.random.default_rng(200 + i), args.dialogues, args.skill, delta, seed_sd,
                                         args.alpha)
        for test, h in hits.items():
            low, high = proportion_confint(sum(h), len(h), alpha=0.05, method="wilson")
            extra = f"{power:.3f} (d_z {effect:.2f})" if test == "t" else ""
            print(f"| {name} | {test} | {sum(h)}/{len(h)} | {np.mean(h):.3f} | {low:.3f}-{high:.3f} | {extra} |",
                  flush=True)
        print(f"<!-- {name}: {time.time() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
