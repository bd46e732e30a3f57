"""How often each of the report's tests puts a † where it should not, and how often where it should: simulated
two-row tables run through the same test classes `cmathlab report` uses (`significance.TESTS`).

A simulated table is two rows of seeds scored on one fresh test set of dialogues. A run gets each utterance right
with probability its skill + the dialogue's difficulty (shared by every run), else another label at random; a
run's skill is its condition's plus seed noise, a share of which both rows' runs of one seed have in common (a
seed fixes the initialisation and data order for both). Under the null both rows are one condition, so every †
is a false positive. A `profile` gives each dialogue an edge for one row and the same loss for the other, zero
on average over dialogues: equal conditions on the population of test sets, unequal on any one test set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from cmathlab.report.significance import TESTS, Pair, Settings
from cmathlab.stats import metric_of_confusion

CLASSES = np.array([0.4, 0.25, 0.2, 0.15])  # label shares (MELD-like: one dominant class)


@dataclass(frozen=True)
class Cell:
    """One setting of the simulation grid."""

    seed_sd: float = 0.015  # a run's skill spread over seeds
    shared: float = 0.5  # share of a seed's noise both rows' runs of that seed have in common
    missing: bool = False  # the row lacks its last seed (a flagged or unfinished run)
    disjoint: bool = False  # the rows ran other seeds (no pairing: Welch's test; nothing shared)
    delta: float = 0.0  # the row's skill advantage (0: the null)
    shift: float = 0.0  # added to each of the row's per-seed values (metric points): a difference known exactly
    profile: float = 0.0  # sd of the per-dialogue edge of one row over the other
    seeds: int = 5
    dialogues: int = 40
    skill: float = 0.6

    def describe(self) -> str:
        parts = [f"seed sd {self.seed_sd:g}", "noise shared" if self.shared else "noise unshared"]
        parts += ["one seed missing"] if self.missing else []
        parts += ["no seed in common"] if self.disjoint else []
        parts += [f"row better by {self.delta:g} skill"] if self.delta else []
        parts += [f"row shifted by {self.shift:g} points"] if self.shift else []
        parts += [f"dialogue profile sd {self.profile:g}"] if self.profile else []
        return ", ".join(parts)


def null_grid() -> list[Cell]:
    """The null cells every test must hold its α in: three seed spreads, noise shared or not, seeds equal or one
    missing."""
    return [
        Cell(seed_sd=sd, shared=shared, missing=missing)
        for sd in (0.01, 0.03, 0.05)
        for shared in (0.5, 0.0)
        for missing in (False, True)
    ]


def simulate(rng: np.random.Generator, cell: Cell, metric: str = "wf1"):
    """One table: each row's per-seed metric values and per-dialogue confusions (seeds, D, K, K)."""
    k = len(CLASSES)
    lengths = rng.integers(4, 16, cell.dialogues)
    dialogue = np.repeat(np.arange(cell.dialogues), lengths)
    labels = rng.choice(k, lengths.sum(), p=CLASSES)
    difficulty = rng.normal(0, 0.08, cell.dialogues)
    edge = rng.normal(0, cell.profile, cell.dialogues) if cell.profile else np.zeros(cell.dialogues)
    common = rng.normal(0, 1, cell.seeds)
    rows = {}
    for name, mu, sign in (("row", cell.skill + cell.delta, 0.5), ("ref", cell.skill, -0.5)):
        shared = 0.0 if cell.disjoint else cell.shared
        noise = cell.seed_sd * (math.sqrt(shared) * common + math.sqrt(1 - shared) * rng.normal(0, 1, cell.seeds))
        p = np.clip(mu + noise[:, None] + (difficulty + sign * edge)[dialogue], 0.02, 0.98)  # (seeds, utterances)
        right = rng.random(p.shape) < p
        other = (labels + rng.integers(1, k, p.shape)) % k
        pred = np.where(right, labels, other)
        index = (dialogue * k + labels) * k + pred  # (seeds, utterances) -> a cell of a dialogue's confusion
        confusions = (
            np.stack([np.bincount(i, minlength=cell.dialogues * k * k) for i in index])
            .reshape(cell.seeds, cell.dialogues, k, k)
            .astype(float)
        )
        rows[name] = confusions
    seeds = {"row": list(range(cell.seeds - (1 if cell.missing else 0))), "ref": list(range(cell.seeds))}
    label = {"row": 1000 if cell.disjoint else 0, "ref": 0}  # seed labels: the same runs, other names
    values = {
        name: {
            label[name] + s: float(metric_of_confusion(rows[name][s].sum(0), metric))
            + (cell.shift if name == "row" else 0)
            for s in seeds[name]
        }
        for name in rows
    }
    if cell.disjoint:
        return values, None  # nothing to pair
    shared = sorted(set(seeds["row"]) & set(seeds["ref"]))
    return values, (rows["row"][shared], rows["ref"][shared])


def rates(
    tests: list[str], cell: Cell, tables: int, seed: int = 0, settings: Settings = Settings(), metric: str = "wf1"
) -> dict[str, float]:
    """The share of `tables` simulated tables each test marks (a † for a difference test, 'equivalent' for TOST),
    every test on the same tables, run as the report runs it on one row against the reference (a family of one)."""
    rng = np.random.default_rng(seed)
    marked = dict.fromkeys(tests, 0)
    for _ in range(tables):
        values, confusions = simulate(rng, cell, metric)
        pair = Pair(values["row"], values["ref"], metric, lambda confusions=confusions: confusions)
        for name in tests:
            outcome = TESTS[name].run(pair, settings, 1)
            outcome.p_adjusted = outcome.p
            marked[name] += TESTS[name].decide(outcome, settings)
    return {name: n / tables for name, n in marked.items()}


def sesoi_shift(cell: Cell, settings: Settings) -> Cell:
    """The cell with the row moved by exactly the SESOI: where TOST may declare equivalence at most α of the time."""
    return replace(cell, shift=settings.sesoi)
