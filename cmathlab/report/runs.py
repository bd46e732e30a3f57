"""Finished runs of one or more studies, read back from MLflow into one typed DataFrame.

A *condition* is a run's config without its seed (report/paper.py's CONDITION). Runs of the same condition are
the seeds of one table row; the same condition and seed tracked twice (two parts of a study can share a grid
point) counts once.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cmathlab.config import PRESET_FIELDS, Config
from cmathlab.data.corpus import LABELS
from cmathlab.errors import BadInput
from cmathlab.report import paper
from cmathlab.report.paper import CONDITION
from cmathlab.study.records import normalise, parse_value  # the report's reader of tracked runs
from cmathlab.study.records import search_runs as _search

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # the report has its own progress
BAYES_LIMIT = "bayes/test_acc"  # the Bayes-optimal decision's test accuracy, logged by runs on a synthetic corpus
OF_BAYES = "test/acc_of_bayes"  # a run's test accuracy over that limit (same dialogues, same modalities)


@dataclass
class Runs:
    frame: pd.DataFrame  # one row per finished (condition, seed): config fields, seed, metrics, run_id
    sources: dict[str, str]  # dataset -> data source of its runs
    notes: list[str] = field(default_factory=list)  # what was left out, and why
    declared_reference: dict | None = None  # a spec's [report] reference, used when --reference is not given
    declared: dict = field(default_factory=dict)  # the first study's [report] (sesoi, primary), under the options

    def datasets(self) -> list[str]:
        """The paper's datasets first, in its order, then any other in name order."""
        present = set(self.frame["dataset"])
        return [d for d in LABELS if d in present] + sorted(present - set(LABELS))

    def on_paper_corpus(self, dataset: str) -> bool:
        """Whether the paper's published rows may stand beside this dataset's: real IEMOCAP or MELD (no synthetic
        run) with the reference on all three modalities. A text-only study, or one on a feature file of another
        dataset, gets none: its numbers and the paper's measure different things."""
        frame = self.frame[self.frame["dataset"] == dataset]
        ref = self.reference(dataset)
        return (
            dataset in LABELS
            and not frame["data_source"].astype(str).str.startswith("synthetic:").any()
            and ref is not None
            and ref[CONDITION.index("modalities")] == "tav"
        )

    def label_names(self, dataset: str) -> tuple[str, ...]:
        """The paper's label names, or those its runs recorded (a dataset from `cmathlab features`)."""
        if dataset in LABELS:
            return LABELS[dataset]
        recorded = self.frame.loc[self.frame["dataset"] == dataset, "label_names"]
        return tuple(json.loads(next(v for v in recorded if v)))

    def choose_reference(self, chosen: dict | None = None) -> None:
        """Fix each dataset's reference condition once: the one matching every field of `chosen` (the
        user's `--reference`), else the paper's full model, else the condition with the most runs."""
        chosen = chosen or self.declared_reference
        self.references = {d: self._reference(d, chosen) for d in self.datasets()}

    def reference(self, dataset: str) -> tuple | None:
        if not hasattr(self, "references"):
            self.choose_reference()
        return self.references.get(dataset)

    def conditions(self, dataset: str) -> list[tuple]:
        return list(
            self.frame.loc[self.frame["dataset"] == dataset, CONDITION]
            .drop_duplicates()
            .itertuples(index=False, name=None)
        )

    def _reference(self, dataset: str, chosen: dict | None) -> tuple | None:
        frame = self.frame[self.frame["dataset"] == dataset]
        conditions = frame[CONDITION].drop_duplicates()
        others = list(conditions.itertuples(index=False, name=None))

        def neighbours(candidate: tuple) -> tuple[int, int]:
            count = sum(1 for other in others if _differs_only_in(candidate, other, _any_axis()))
            seeds = int(frame["condition"].map(lambda c: c == candidate).sum())
            return count, seeds

        if chosen:
            match = conditions
            for name in chosen:
                if name not in CONDITION:
                    raise BadInput(
                        f"{name} is a model's own field; a reference is chosen by run fields and table axes "
                        f"({', '.join(paper.OWN_AXES)})",
                        field="--reference",
                    )
            for name, value in chosen.items():
                match = match[match[name] == value]
            if match.empty:
                wanted = ", ".join(f"{k}={v}" for k, v in chosen.items())
                raise BadInput(f"no condition on {dataset} has {wanted}", field="--reference")
            return max(match.itertuples(index=False, name=None), key=neighbours)
        full = conditions[(conditions["model"] == Config.model) & (conditions["variant"] == "full")]
        if full.empty:  # not the default model: the condition with the most runs (then the most neighbours)
            return max(others, key=lambda c: neighbours(c)[::-1])
        widest = full["modalities"].str.len().max()
        full = full[full["modalities"].str.len() == widest]
        return max(full.itertuples(index=False, name=None), key=neighbours)

    def around(self, dataset: str, table: str) -> list[tuple]:
        """The conditions of one table: the reference and those differing from it only in its axes."""
        ref = self.reference(dataset)
        if ref is None or any(ref[CONDITION.index(a)] is None for a in _axes()[table] if a in paper.OWN_AXES):
            return []  # a table over a model field the reference's model has not (Figure 6 beside a BiGRU)
        frame = self.frame[self.frame["dataset"] == dataset]
        conditions = frame[CONDITION].drop_duplicates().itertuples(index=False, name=None)
        axes = {CONDITION.index(a) for a in _axes()[table]}
        if table != "overall":
            return [c for c in conditions if c == ref or _differs_only_in(ref, c, axes)]
        # a model trains with its authors' settings (its class's `settings`: lr, batch size, ...): a field at
        # its model's own default goes with the model, as its options do
        return [c for c in conditions if c == ref or _differs_only_in(ref, self._at_defaults(dataset, c, ref), axes)]

    def _at_defaults(self, dataset: str, condition: tuple, ref: tuple) -> tuple:
        """`condition` with each run field (and `standardize`, `modalities`) that both it and `ref` hold at their own
        model's default set to ref's: a model trained as its authors' settings or released code say sits beside
        the reference in the overall table."""

        def defaults(c):  # a model's defaults, its released code's where the run asked for them (as_released)
            values = dict(zip(CONDITION, c))
            released = {f"{values['model']}.as_released": True} if paper.released(c) else {}
            try:
                return Config.for_dataset(dataset, model=values["model"], recipe=values["recipe"], **released).to_dict()
            except BadInput:  # a model this installation cannot import: nothing is its default
                return {}

        mine, theirs = defaults(condition), defaults(ref)
        return tuple(
            r
            if name in PRESET_FIELDS and name in mine and name in theirs and x == mine[name] and r == theirs[name]
            else x
            for name, x, r in zip(CONDITION, condition, ref)
        )

    def predictions(self, run: pd.Series) -> dict | None:
        """A run's test predictions per dialogue (predictions.json), read from MLflow once per report."""
        cache = self.__dict__.setdefault("_predictions", {})
        if run["run_id"] not in cache:
            cache[run["run_id"]] = load_artifact(run, "predictions.json")
        return cache[run["run_id"]]

    def history(self, run: pd.Series, key: str) -> list[tuple[int, float]]:
        """One metric of a run per epoch, (epoch, value) in epoch order, from MLflow's metric history."""
        from mlflow.tracking import MlflowClient

        clients = self.__dict__.setdefault("_clients", {})
        client = clients.setdefault(run["tracking_uri"], MlflowClient(tracking_uri=run["tracking_uri"]))
        return sorted((int(m.step), float(m.value)) for m in client.get_metric_history(run["run_id"], key))

    def seeds_of(self, condition: tuple) -> pd.DataFrame:
        """The runs of one condition, one per seed, sorted by seed."""
        return self.frame[self.frame["condition"].map(lambda c: c == condition)].sort_values("seed")


def _axes() -> dict[str, tuple[str, ...]]:
    """Each paper table's axes, read from its `TableSpec` (report/paper.py)."""
    return {spec.key: spec.axes for spec in paper.PAPER_TABLES}


def _any_axis() -> set[int]:
    return {CONDITION.index(a) for axes in _axes().values() for a in axes}


def _differs_only_in(a: tuple, b: tuple, allowed: set[int]) -> bool:
    differ = {CONDITION.index(name) for name in paper.differing(a, b)}
    if not differ or not differ <= allowed:
        return False
    axes_touched = [name for name, axes in _axes().items() if differ & {CONDITION.index(x) for x in axes}]
    return len(axes_touched) == 1  # one table's axes, not a mix (a baseline with another d is no row)


def load_runs(directories: list[str], include_flagged: bool = False) -> Runs:
    """Every finished trial run of the given study directories; collapsed or diverged runs are
    listed in the notes and, unless `include_flagged`, left out of the frame."""
    from cmathlab.study.state import read_state

    frames, notes, declared, report = [], [], None, None
    for directory in directories:
        state = read_state(directory)
        declared = declared or state.get("spec", {}).get("report", {}).get("reference")  # the first study's [report]
        report = report if report is not None else state.get("spec", {}).get("report", {})
        raw = _search(state, directory)
        unfinished = raw[raw["status"] != "FINISHED"] if len(raw) else raw
        if len(unfinished):
            from cmathlab.study.state import driver_alive
            from cmathlab.study.status import state_word

            alive = driver_alive(state.get("driver"))
            stopped = unfinished.get("tags.cmathlab.stopped_by", pd.Series(None, index=unfinished.index)).notna()
            counts = (
                pd.Series([state_word(s, x, alive) for s, x in zip(unfinished["status"], stopped)])
                .value_counts()
                .to_dict()
            )
            notes.append(
                f"{directory}: left out {len(unfinished)} unfinished run(s) "
                f"({', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}); only finished runs are reported"
            )
        finished = raw[raw["status"] == "FINISHED"] if len(raw) else raw
        if len(finished):  # a failed run may lack what a finished one has; it is never read
            frames.append(held_apart(normalise(finished)).assign(study=directory, tracking_uri=state["tracking_uri"]))
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if frame.empty:
        raise BadInput("no finished runs to report", source=", ".join(directories))
    # the same config and seed on two different data files is two experiments claiming one cell: refuse
    data = frame[frame["data_sha256"] != ""].groupby([*CONDITION, "seed"], dropna=False)["data_sha256"].nunique()
    if (data > 1).any():
        clash = frame.set_index([*CONDITION, "seed"]).loc[data[data > 1].index[0]]
        runs = ", ".join(f"{r} ({s}: {d})" for r, s, d in zip(clash["run_id"], clash["study"], clash["data_source"]))
        raise BadInput(
            f"runs {runs} share a config and seed but not their data; report them apart, or give the "
            "files names in one study ([data] meld = {{ a = ..., b = ... }})",
            source=", ".join(directories),
        )
    # of two runs of one config and seed, keep the one with embeddings (for t-SNE), else the first
    frame = frame.sort_values(["keep_embeddings", "start_time"], ascending=[False, True], kind="stable")
    duplicated = frame.duplicated(subset=[*CONDITION, "seed"], keep="first")
    if duplicated.any():
        notes.append(
            f"{int(duplicated.sum())} run(s) repeat a config and seed already tracked (a grid point two "
            f"parts share); each config and seed counts once"
        )
    frame = frame[~duplicated].reset_index(drop=True)
    flagged = frame[~frame["health"].isin(["ok", ""])]
    for _, run in flagged.iterrows():
        notes.append(
            f"{'included' if include_flagged else 'left out'}: {run['health']} run {run['run_id']} "
            f"({run['dataset']}, {run['model']} {run['variant']} {run['modalities']}, seed {run['seed']}): "
            f"{run['health_note']}"
        )
    if not include_flagged:
        frame = frame[frame["health"].isin(["ok", ""])].reset_index(drop=True)
    if frame.empty:
        raise BadInput(
            "every finished run is collapsed or diverged (see --include-flagged)", source=", ".join(directories)
        )
    frame["condition"] = list(zip(*(frame[c] for c in CONDITION)))
    if BAYES_LIMIT in frame:  # synthetic corpora know their ceiling: each run's accuracy as a fraction of it
        frame[OF_BAYES] = frame["test/acc"] / frame[BAYES_LIMIT]
    sources = {d: ", ".join(dict.fromkeys(s)) for d, s in frame.groupby("dataset")["data_source"]}  # every file
    return Runs(frame=frame, sources=sources, notes=notes, declared_reference=declared, declared=report or {})


def held_apart(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each model field a table's axes name (paper.OWN_AXES) as a column of its own, typed as the
    run's model declares it (None where the model has no such field), and out of the `options` text."""
    held: dict[str, list] = {name: [] for name in paper.OWN_AXES}
    options = []
    for model, text in zip(frame["model"], frame["options"]):
        fields = dict(item.split("=", 1) for item in str(text).split(", ") if "=" in item)
        kinds = _own_types(model)
        for name, column in held.items():
            column.append(parse_value(fields.pop(name), kinds.get(name, str)) if name in fields else None)
        options.append(", ".join(f"{k}={v}" for k, v in fields.items()))
    columns = {name: pd.Series(column, index=frame.index, dtype=object) for name, column in held.items()}
    return frame.assign(options=pd.Series(options, index=frame.index, dtype=object), **columns)


@functools.cache
def _own_types(model: str) -> dict[str, type]:
    from cmathlab.model import registry

    try:
        return {f.name: type(f.default) for f in getattr(registry.resolve(model), "fields", ())}
    except BadInput:  # a model this installation cannot import: its fields stay text
        return {}


def load_artifact(run: pd.Series, name: str):
    """One artifact of a run: JSON files parsed, .npy files as arrays, None when absent."""
    from urllib.parse import unquote, urlparse

    uri = urlparse(str(run.get("artifact_uri", "")))
    if uri.scheme == "file":  # the default local store: read the file where it lies (MLflow's download copies it
        local = os.path.join(unquote(uri.path), name)  # first, 35 ms a run: 2.5 of the demo report's 14 s)
        return _read(local) if os.path.exists(local) else None
    import mlflow

    mlflow.set_tracking_uri(run["tracking_uri"])
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(run_id=run["run_id"], artifact_path=name, dst_path=tmp)
        except Exception:  # noqa: BLE001 - a run without this artifact
            return None
        return _read(path) if os.path.exists(path) else None


def _read(path: str):
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    with open(path) as handle:
        return json.load(handle)
