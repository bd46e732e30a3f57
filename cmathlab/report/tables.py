"""The paper's tables from tracked runs: mean ± std over seeds, bold / underline, and † by the chosen test
(the t-test over seeds, the paired bootstrap over test dialogues, or ASO; every one of them in the CSV).

A `Table` holds the per-seed values of its measured rows and the paper's published rows; `mark`
decides every cell's bold, underline and dagger once, and every output format renders that.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from cmathlab.report import paper
from cmathlab.report.paper import (CONDITION, DATASET_NAMES, LENGTH_BUCKETS, MODALITY_ORDER, MODEL_NAMES,
                                   PAPER_TABLE_NUMBER)
from cmathlab.report.paper import value as _field
from cmathlab.report.runs import BAYES_LIMIT, OF_BAYES, Runs
from cmathlab.report.stats import (ASO_COLUMNS, ASO_ITERATIONS, ASO_THRESHOLD, BOOTSTRAP_RESAMPLES, POWER, Aso,
                                   Bootstrap, Comparison, aso, compare, holm, paired_bootstrap, seeds_needed)

TESTS = ("t", "bootstrap", "aso")  # what drives the dagger (`report --test`)

@dataclass(frozen=True)
class Options:
    alpha: float = 0.05
    holm: bool = True  # Holm across the rows of a column where it tests two or more (ASO: Bonferroni, its authors')
    test: str = "t"  # TESTS: which one decides the dagger
    aso_iterations: int = ASO_ITERATIONS
    alternative: str = "two-sided"
    baseline: str = "bigru"  # the model the conversation-length figure measures improvement over
    published: str | bool = "auto"  # the paper's rows: "auto" (on the paper's corpora), "always", "never" (True/False)
    include_flagged: bool = False  # average collapsed / diverged runs into the cells too (they are listed either way)
    reference: dict | None = None  # fields the reference condition must have (`--reference`); None: the default


@dataclass
class Row:
    name: str
    values: dict[str, dict[int, float]]  # column -> seed -> value, in percent
    reference: bool = False
    condition: tuple | None = None
    run_ids: dict[int, str] = field(default_factory=dict)  # seed -> its MLflow run, so every number has its run
    predictions: dict[int, dict | None] = field(default_factory=dict)  # seed -> its test predictions, per dialogue


@dataclass
class Cell:
    mean: float
    std: float
    n: int
    bold: bool = False
    underline: bool = False
    dagger: bool = False
    comparison: Comparison | None = None
    p_adjusted: float = math.nan
    bootstrap: Bootstrap | None = None
    bootstrap_p_adjusted: float = math.nan
    aso: Aso | None = None
    seeds_needed: float = math.nan


@dataclass
class Table:
    key: str  # file name: components-iemocap
    title: str
    dataset: str
    columns: list[str]  # metric keys of the runs, e.g. test/acc
    headers: list[str]  # what the reader sees
    rows: list[Row]
    published: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    rule: str = ""
    notes: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    labels: tuple[str, ...] = ()  # the dataset's label names, so a per-class column can be bootstrapped
    options: Options = field(default_factory=Options)

    @property
    def reference(self) -> Row | None:
        return next((r for r in self.rows if r.reference), None)

    def mark(self, options: Options) -> Table:
        """Every cell's mean, std, rank marks and significance against the reference row."""
        ref = self.reference
        for column in self.columns:
            for row in self.rows:
                values = np.array(list(row.values.get(column, {}).values()), float)
                self.cells[row.name, column] = Cell(
                    mean=float(values.mean()) if len(values) else math.nan,
                    std=float(values.std(ddof=1)) if len(values) > 1 else math.nan, n=len(values))
            means = sorted({round(c.mean, 10) for (_, col), c in self.cells.items()
                            if col == column and not math.isnan(c.mean)}, reverse=True)
            if len(self.rows) > 1:  # higher is better for every metric the paper reports
                for row in self.rows:
                    cell = self.cells[row.name, column]
                    cell.bold = bool(means) and round(cell.mean, 10) == means[0]
                    cell.underline = len(means) > 1 and round(cell.mean, 10) == means[1]
            if ref is None:
                continue
            others = [r for r in self.rows if r is not ref]
            for row in others:
                cell = self.cells[row.name, column]
                mine, theirs = row.values.get(column, {}), ref.values.get(column, {})
                cell.comparison = compare(mine, theirs, options.alternative)
                cell.bootstrap = self._bootstrap(row, ref, column, options)
                cell.seeds_needed = seeds_needed(mine, theirs, options.alpha, POWER, options.alternative)
            correct = options.holm and len(others) > 1
            for attribute, p_of in (("p_adjusted", lambda c: c.comparison.p),
                                    ("bootstrap_p_adjusted", lambda c: c.bootstrap.p if c.bootstrap else math.nan)):
                pvalues = [p_of(self.cells[r.name, column]) for r in others]
                for row, p in zip(others, holm(pvalues) if correct else pvalues):
                    setattr(self.cells[row.name, column], attribute, p)
            for row in others:
                cell = self.cells[row.name, column]
                if options.test == "aso":
                    self.aso_of(row, column)
                cell.dagger = self._significant(cell, options)
        self.options = options
        self.rule = self._rule(options)
        self._seeds_note(options)
        return self

    def _bootstrap(self, row: Row, ref: Row, column: str, options: Options) -> Bootstrap | None:
        """The paired bootstrap of one cell, where the column is a metric of the test predictions."""
        metric = column.removeprefix("test/")
        if metric.startswith("f1/"):
            name = metric.split("/", 1)[1]
            if name not in self.labels:
                return None
            metric = f"f1/{self.labels.index(name)}"
        elif metric not in ("acc", "wf1"):
            return None
        if not self.labels or not row.predictions or not ref.predictions:
            return None
        seeds = set(row.values.get(column, {})) & set(ref.values.get(column, {}))
        return paired_bootstrap({s: row.predictions.get(s) for s in seeds}, {s: ref.predictions.get(s) for s in seeds},
                                metric, len(self.labels), options.alternative)

    def aso_of(self, row: Row, column: str) -> Aso | None:
        """ASO's ε_min both ways for one cell, computed once (it takes seconds): on ASO_COLUMNS only."""
        cell = self.cells[row.name, column]
        if cell.aso is None and column in ASO_COLUMNS and self.reference is not None:
            family = sum(1 for r in self.rows if not r.reference) if self.options.holm else 1
            cell.aso = aso(row.values.get(column, {}), self.reference.values.get(column, {}), comparisons=family,
                           iterations=self.options.aso_iterations)
        return cell.aso

    @staticmethod
    def _significant(cell: Cell, options: Options) -> bool:
        if options.test == "t":
            return not math.isnan(cell.p_adjusted) and cell.p_adjusted < options.alpha
        if options.test == "bootstrap":
            p = cell.bootstrap_p_adjusted
            return cell.bootstrap is not None and not math.isnan(p) and p < options.alpha
        if cell.aso is None:
            return False
        better, worse = cell.aso.row_over_ref < ASO_THRESHOLD, cell.aso.ref_over_row < ASO_THRESHOLD
        return {"two-sided": better or worse, "greater": better, "less": worse}[options.alternative]

    def _seeds_note(self, options: Options) -> None:
        """One line naming the non-significant row whose W-F1 (else last column) difference needs most seeds."""
        column = "test/wf1" if "test/wf1" in self.columns else self.columns[-1]
        needs = [(self.cells[r.name, column].seeds_needed, r.name) for r in self.rows if not r.reference
                 and not self.cells[r.name, column].dagger and not math.isnan(self.cells[r.name, column].seeds_needed)]
        if needs:
            n, name = max(needs)
            diff = self.cells[name, column].comparison.diff
            header = self.headers[self.columns.index(column)]
            self.notes.append(f"Seeds needed: of the rows without †, {name} needs most: {n:.0f} seeds per row for a "
                              f"t-test to detect its {header} difference of {diff:+.2f} at {POWER:.0%} power and "
                              f"α = {options.alpha:g} (statsmodels, from the observed spread; every row's is in the CSV).")

    def _rule(self, options: Options) -> str:
        ref = self.reference
        counts = sorted({c.n for c in self.cells.values()})
        seeds = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        text = f"Mean ± standard deviation over {seeds} seeds, in percent. Bold: best measured row; underlined: second best."
        if ref is not None:
            family = sum(1 for r in self.rows if not r.reference)
            side = {"two-sided": "two-sided", "greater": "one-sided (row > reference)",
                    "less": "one-sided (row < reference)"}[options.alternative]
            if options.test == "t":
                tests = {c.comparison.test for c in self.cells.values() if c.comparison is not None}
                how = {"paired": "paired t-test (the rows share their seeds)", "welch": "Welch's t-test",
                       "none": "no test where a row has fewer than 2 seeds or no spread"}
                used = "; ".join(how[t] for t in ("paired", "welch", "none") if t in tests) or "no test"
                text += f" †: the row differs from {ref.name} at α = {options.alpha:g}, {side}, {used}"
            elif options.test == "bootstrap":
                dialogues = sorted({c.bootstrap.n_dialogues for c in self.cells.values() if c.bootstrap})
                text += (f" †: the row differs from {ref.name} at α = {options.alpha:g}, {side}, by the paired bootstrap "
                         f"over {'/'.join(map(str, dialogues)) or 'no'} test dialogues ({BOOTSTRAP_RESAMPLES} resamples of "
                         "whole dialogues, every run of both rows scored on each; the statistic is the difference of "
                         "the seed means over the seeds both rows share; no † where a run kept no predictions)")
            else:
                way = {"two-sided": "in either direction", "greater": "row over reference",
                       "less": "reference over row"}[options.alternative]
                text += (f" †: Almost Stochastic Order over seeds (deepsig, {options.aso_iterations} bootstrap "
                         f"iterations, 95 % confidence) finds ε_min < {ASO_THRESHOLD:g} {way}, the threshold Ulmer et "
                         f"al. (2022) recommend (0.5 has a high false-positive rate); W-F1 only")
            if options.holm and family > 1:
                text += (f", Holm-corrected across the {family} rows of each column" if options.test != "aso" else
                         f", the confidence Bonferroni-corrected across the {family} rows")
            text += (". The CSV holds every test whichever drives †: the t-test's p, Cohen's d and 95 % interval, "
                     "the dialogue bootstrap's p and 95 % interval, ASO's ε_min both ways, and the seeds each row "
                     "needs.")
        if self.published:
            text += (" Published rows (italic) are numbers copied from the CMATH paper: other features, other splits,"
                     " epochs chosen as each row says; no seeds, so they take part in neither the marks nor the tests.")
        return text

    def _more(self, row: Row, column: str) -> dict:
        """The bootstrap's, ASO's and the power analysis's columns of one cell (ASO computed here if not yet)."""
        cell = self.cells[row.name, column]
        b = cell.bootstrap
        a = self.aso_of(row, column) if not row.reference else None
        return {"dagger_test": self.options.test, "bootstrap_diff": b.diff if b else math.nan,
                "bootstrap_p": b.p if b else math.nan, "bootstrap_p_adjusted": cell.bootstrap_p_adjusted,
                "bootstrap_ci95_low": b.ci_low if b else math.nan, "bootstrap_ci95_high": b.ci_high if b else math.nan,
                "bootstrap_dialogues": b.n_dialogues if b else math.nan,
                "aso_eps_min_row_over_ref": a.row_over_ref if a else math.nan,
                "aso_eps_min_ref_over_row": a.ref_over_row if a else math.nan,
                "seeds_needed": cell.seeds_needed}

    def frame(self) -> pd.DataFrame:
        """The long form the CSV holds: one line per row and column, with every statistic."""
        records = []
        for row in self.rows:
            for column, header in zip(self.columns, self.headers):
                cell = self.cells[row.name, column]
                c = cell.comparison
                records.append({
                    "table": self.key, "dataset": self.dataset, "row": row.name, "source": "measured",
                    "reference": row.reference, "column": header, "metric": column, "mean": cell.mean,
                    "std": cell.std, "n": cell.n, "seeds": " ".join(map(str, sorted(row.values.get(column, {})))),
                    "bold": cell.bold, "underline": cell.underline, "dagger": cell.dagger,
                    "test": c.test if c else "", "diff": c.diff if c else math.nan, "p": c.p if c else math.nan,
                    "p_adjusted": cell.p_adjusted, "cohens_d": c.cohens_d if c else math.nan,
                    "ci95_low": c.ci_low if c else math.nan, "ci95_high": c.ci_high if c else math.nan,
                    **self._more(row, column),
                    "run_ids": " ".join(row.run_ids[s] for s in sorted(row.values.get(column, {})) if s in row.run_ids)})
        for name, values in self.published:
            for column, header in zip(self.columns, self.headers):
                records.append({"table": self.key, "dataset": self.dataset, "row": name, "source": "published",
                                "column": header, "metric": column, "mean": values.get(column, math.nan)})
        return pd.DataFrame.from_records(records)


# -- building the tables from runs -----------------------------------------------------------------

def _published() -> dict:
    with resources.files("cmathlab.report").joinpath("published.toml").open("rb") as handle:
        return tomllib.load(handle)


def _metric_columns(section: dict) -> dict[str, float]:
    """published.toml's short keys (acc, wf1, a label) -> the runs' metric keys."""
    return {("test/" + k if k in ("acc", "wf1") else f"test/f1/{k}"): v for k, v in section.items()}


def _row(runs: Runs, condition: tuple, name: str, columns: list[str], reference: bool) -> Row:
    seeds = runs.seeds_of(condition)
    values = {c: {int(s): 100 * float(v) for s, v in zip(seeds["seed"], seeds[c]) if not math.isnan(v)}
              for c in columns if c in seeds}
    return Row(name=name, values=values, reference=reference, condition=condition,
               run_ids={int(s): r for s, r in zip(seeds["seed"], seeds["run_id"])},
               predictions={int(run["seed"]): runs.predictions(run) for _, run in seeds.iterrows()})


def build_tables(runs: Runs, options: Options) -> list[Table]:
    """Every table the runs can fill, per dataset: the paper's (PAPER_TABLES, in its order), the length
    figure's, then one per set of fields the remaining conditions vary, so that every condition shows."""
    mode = {True: "always", False: "never"}.get(options.published, options.published)
    published = _published() if mode != "never" else {}
    protocol = published.pop("protocol", {})
    runs.choose_reference(options.reference)
    tables = []
    for dataset in runs.datasets():
        ref = runs.reference(dataset)
        if ref is None:
            continue
        start = len(tables)
        labels = runs.label_names(dataset)
        ds = DATASET_NAMES[dataset]
        two = (["test/acc", "test/wf1"], ["ACC", "W-F1"])
        bayes = _bayes_limit(runs, dataset)
        if bayes:  # a synthetic corpus: how close each row comes to the exact ceiling (issue 31's measure)
            two = (two[0] + [OF_BAYES], two[1] + ["ACC / Bayes"])
        per_class = ([f"test/f1/{n}" for n in labels] + two[0], [n.capitalize() for n in labels] + two[1])

        def table(key, title, conditions, name_of, order, columns, headers, pub=(), minimum=2):
            conditions = sorted(conditions, key=order)
            names = [name_of(c) for c in conditions]
            # two rows of one name (a model under two settings of its own fields) are told apart by those fields
            names = [f"{n} ({_field(c, 'options')})" if names.count(n) > 1 and _field(c, "options") else n
                     for n, c in zip(names, conditions)]
            rows = [_row(runs, c, n, columns, c == ref) for c, n in zip(conditions, names)]
            if len(rows) < minimum:
                return
            tables.append(Table(key=f"{key}-{dataset}", title=title, dataset=dataset, columns=columns,
                                headers=headers, rows=rows, published=list(pub), labels=tuple(labels)).mark(options))
            if OF_BAYES in columns:
                tables[-1].notes.append(
                    f"ACC / Bayes: test accuracy as a percentage of the Bayes-optimal decision's on the same test "
                    f"dialogues and modalities, the synthetic corpus's exact ceiling (its ACC: "
                    f"{_bayes_limit(runs, dataset, conditions)}).")

        beside = mode == "always" or (mode == "auto" and runs.on_paper_corpus(dataset))
        cmath_ref = _field(ref, "model") == "cmath"  # the paper's Tables 4-5 are CMATH's: beside another model, none
        for spec in paper.PAPER_TABLES:
            shown = [(f"{spec.published_name(name)} (published; {protocol.get(name, 'protocol unknown')})",
                      _metric_columns(values))
                     for name, values in published.get(spec.published, {}).get(dataset, {}).items()
                     ] if beside and (cmath_ref or spec.key == "overall") else []
            table(spec.key, spec.title.format(ds=ds, n=PAPER_TABLE_NUMBER.get(dataset, "2/3"),
                                              model=MODEL_NAMES[_field(ref, "model")].split(" (")[0]),
                  runs.around(dataset, spec.key), lambda c, spec=spec: spec.name(c, c == ref),
                  lambda c, spec=spec: spec.order(c, c == ref), *(per_class if spec.per_class else two), shown)
        lengths = length_table(runs, dataset, ref, options) if _field(ref, "model") == "cmath" else None
        if lengths is not None:
            tables.append(lengths)
        # every other condition: a table per set of fields it differs from the reference in (any axis a
        # study varied: lr, dropout, recipe, two paper axes at once), so no run is left out unseen
        shown_conditions = {row.condition for t in tables[start:] for row in t.rows}
        groups: dict[tuple, list] = {}
        for c in runs.conditions(dataset):
            if c not in shown_conditions and c != ref:
                groups.setdefault(tuple(f for f, x, y in zip(CONDITION, c, ref) if x != y), []).append(c)
        for fields, conditions in groups.items():
            def name_of(c, fields=fields):
                return "reference: " + _describe(c, fields) if c == ref else _describe(c, fields)

            table(f"vary-{'-'.join(fields)}", f"{', '.join(fields)} on {ds}, against the reference "
                                              f"({_describe(ref, fields)})", [ref, *conditions], name_of,
                  lambda c, fields=fields: (c != ref, tuple(str(_field(c, f)) for f in fields)), *per_class)
        if len(tables) == start:  # one condition only: its numbers, with nothing to compare them with
            table("condition", f"The one condition on {ds}", [ref], lambda c: _describe(c, ("model", "variant")),
                  lambda c: 0, *per_class, minimum=1)
    return tables


def _bayes_limit(runs: Runs, dataset: str, conditions: list[tuple] | None = None) -> str:
    """The Bayes-optimal test accuracy of a synthetic dataset's runs (of `conditions`, else all), per modality
    subset; "" where a run has none (real data)."""
    frame = runs.frame[runs.frame["dataset"] == dataset]
    if conditions is not None:
        frame = frame[frame["condition"].isin(conditions)]
    if BAYES_LIMIT not in frame or frame[BAYES_LIMIT].isna().any():
        return ""
    limits = frame.groupby("modalities")[BAYES_LIMIT].mean()
    if len(limits) == 1:
        return f"{100 * limits.iloc[0]:.2f}"
    order = {m: i for i, m in enumerate(MODALITY_ORDER)}  # Table 5's order
    return ", ".join(f"{100 * v:.2f} on {m}" for m, v in sorted(limits.items(), key=lambda kv: order.get(kv[0], 99)))


def _describe(condition: tuple, fields: tuple) -> str:
    return ", ".join(f"{f} = {_field(condition, f)}" for f in fields)


def length_table(runs: Runs, dataset: str, ref: tuple, options: Options) -> Table | None:
    """Figure 5: W-F1 of the test conversations in each length bucket, per model of the overall table."""
    models = sorted(runs.around(dataset, "overall"), key=lambda c: (c == ref, _field(c, "model")))
    if len(models) < 2 or dataset not in LENGTH_BUCKETS:  # the figure compares models on the paper's buckets
        return None
    buckets = LENGTH_BUCKETS[dataset]
    names = [f"C{i + 1} ({lo}-{hi})" if hi else f"C{i + 1} ({lo}+)" for i, (lo, hi) in enumerate(buckets)]
    columns = [f"length/{n}/wf1" for n in names]
    rows = []
    for condition in models:
        values: dict[str, dict[int, float]] = {c: {} for c in columns}
        for _, run in runs.seeds_of(condition).iterrows():
            predictions = runs.predictions(run)
            if predictions is None:
                continue
            for column, (lo, hi) in zip(columns, buckets):
                chosen = [p for p in predictions.values() if p["length"] >= lo and (hi is None or p["length"] <= hi)]
                if chosen:
                    y = np.concatenate([p["label"] for p in chosen])
                    pred = np.concatenate([p["pred"] for p in chosen])
                    values[column][int(run["seed"])] = 100 * float(f1_score(y, pred, average="weighted"))
        rows.append(Row(MODEL_NAMES[_field(condition, "model")], values, condition == ref, condition))
    counts = _bucket_counts(runs, runs.seeds_of(ref).iloc[0], buckets)
    headers = [f"{n}: {k} dialogues" for n, k in zip(names, counts)]
    table = Table(key=f"lengths-{dataset}", title=f"W-F1 by conversation length on {DATASET_NAMES[dataset]} (Figure 5)",
                  dataset=dataset, columns=columns, headers=headers, rows=rows)
    table.mark(options)
    base = next((r for r in rows if r.condition is not None and _field(r.condition, "model") == options.baseline), None)
    if base is None:
        table.notes.append(f"no {options.baseline} runs: no relative improvement (choose one with --baseline)")
        return table
    for row in rows:
        if row is base:
            continue
        gains = []
        for column, name in zip(columns, names):
            b, m = table.cells[base.name, column].mean, table.cells[row.name, column].mean
            gains.append(f"{name.split(' ')[0]} {100 * (m - b) / b:+.2f} %" if b else f"{name.split(' ')[0]} -")
        table.notes.append(f"Relative W-F1 improvement of {row.name} over {base.name}: {', '.join(gains)}")
    return table


def _bucket_counts(runs: Runs, run: pd.Series, buckets) -> list[int]:
    predictions = runs.predictions(run) or {}
    lengths = [p["length"] for p in predictions.values()]
    return [sum(1 for n in lengths if n >= lo and (hi is None or n <= hi)) for lo, hi in buckets]

