"""One Ray Tune trial: build its `Config`, call `fit`, report each epoch to Tune.

The trial never touches MLflow: it reports epochs (for ASHA and Optuna) and, last, the whole
`RunResult` as JSON; the driver's `Tracker` is the only writer of the tracking store.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import math
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from cmathlab.config import Config
from cmathlab.study.spec import data_key

RESULT_KEY = "cmathlab_result"  # the final report's RunResult; the Tracker takes it out of Tune's records
CHECKPOINT_KEY = "cmathlab_checkpoint"  # a report that carries a checkpoint (the epoch it follows), not an epoch
EMBEDDINGS_KEY = "embeddings_npy"  # in that RunResult when the config keeps embeddings (for t-SNE)


@dataclass(frozen=True)
class TrialRun:
    """One run a Tune trial trains, read from the trial's params (which `units.py` writes): the unit and part it
    belongs to, its dataset, seed and grid point (or sample), and the fixed fields its config takes."""

    part: str
    unit: str
    metric: str  # the part's Tune metric
    search: bool  # a sampled point (its identity is Tune's trial id), not a grid point
    dataset: str
    seed: int
    fixed: dict
    values: dict  # axis -> this run's value
    fused: int = 0  # members of the fused group it trains in; 0: trained alone
    checkpoint_every: int = 0

    @classmethod
    def each(cls, params: dict) -> list[TrialRun]:
        """The runs of a Tune trial's params: itself, or each member of its fused group."""
        group = params.get("group")
        flat = [params] if group is None else [{**params, "dataset": group["dataset"], **m} for m in group["members"]]
        return [
            cls(
                part=p["part"],
                unit=p["unit"],
                metric=p["metric"],
                search=p["search"],
                dataset=p["dataset"],
                seed=p["seed"],
                fixed=p["fixed"],
                values={axis: p[axis] for axis in p["axes"]},
                fused=len(group["members"]) if group else 0,
                checkpoint_every=p.get("checkpoint_every", 0),
            )
            for p in flat
        ]

    @classmethod
    def from_record(cls, record: dict) -> TrialRun:
        """A run kept in a pending record (`to_record`), or in the flat params a driver before this type kept."""
        if "values" in record:
            return cls(**record)
        flat = {k: v for k, v in record.items() if k != "group"}
        return dataclasses.replace(cls.each(flat)[0], fused=len(record.get("group", {}).get("members", [])))

    def to_record(self) -> dict:
        return dataclasses.asdict(self)

    def key(self, trial_id: str) -> str:
        """The run's identity across retries and resumes: its grid point, or Tune's id for a sampled point.

        A grid point is named by its values, so a trial that Tune re-creates after a driver crash
        (with a new id) still finds its MLflow run; sampled points have no such identity.
        """
        if self.search:
            return f"{self.unit}/{trial_id}"
        axes = ",".join(f"{axis}={value}" for axis, value in self.values.items())
        return f"{self.part}/{self.dataset}/seed={self.seed}/{axes}"

    def config(self) -> Config:
        # a grid axis wins over the same key in [fixed] (a composite's [fixed] may set d for every part)
        return Config.for_dataset(self.dataset, **{**self.fixed, **self.values}, seed=self.seed)


def run_trial(params: dict, corpora: dict, finished: dict) -> None:
    """The Tune function trainable (wrapped with `tune.with_parameters(corpora=, finished=)`)."""
    import ray
    import torch
    from ray import tune

    from cmathlab.train import fit

    metric = f"best_{params['metric']}"
    runs = TrialRun.each(params)
    keys = [run.key(tune.get_context().get_trial_id()) for run in runs]
    if all(key in finished for key in keys):  # finished in an earlier run of the driver, after Tune's last checkpoint
        tune.report({"epoch": 0, metric: max(finished[key] for key in keys), "skipped": 1})
        return
    cpus = tune.get_context().get_trial_resources().required_resources.get("CPU", 1)
    torch.set_num_threads(max(1, int(cpus)))
    node = ray.get_runtime_context().get_node_id()
    best = {"valid_wf1": -math.inf, "valid_acc": -math.inf}  # over every member, for Tune
    last: dict = {}

    def on_epoch(record: dict) -> None:
        for k in best:
            best[k] = max(best[k], record[k])
        last.clear()
        last.update(record, node=node, **{f"best_{k}": v for k, v in best.items()})
        tune.report(dict(last))

    configs = [run.config() for run in runs]
    corpus = corpora[data_key(runs[0].dataset, configs[0].features)]
    checkpoints = TuneCheckpoints(runs[0].checkpoint_every, last)
    if len(configs) > 1:
        results = fit(configs, corpus, on_epoch=on_epoch, checkpoints=checkpoints)
    else:
        results = [fit(configs[0], corpus, on_epoch=on_epoch, checkpoints=checkpoints)]
    payloads = []
    for result in results:
        payload = {
            **result.to_dict(),
            "threads": torch.get_num_threads(),  # what `cmathlab rerun` must match
            "resumed_from_epoch": checkpoints.resumed_from,
        }
        if result.embeddings is not None:  # the driver may be on another node: ship them, not a path
            payload[EMBEDDINGS_KEY] = encode_array(result.embeddings)
        payloads.append(payload)
    last.pop("member", None)
    tune.report({**last, RESULT_KEY: json.dumps(payloads if "group" in params else payloads[0])})


class TuneCheckpoints:
    """`fit`'s checkpoints through Ray Tune: each saved with a report of its own (CHECKPOINT_KEY, which the Tracker
    does not count as an epoch), and found again by `tune.get_checkpoint()` when Tune restarts the trial."""

    FILE = "state.pt"

    def __init__(self, every: int, last: dict):
        self.every, self.last = every, last
        self.resumed_from = 0  # the epoch of the checkpoint this attempt started from

    def load(self) -> dict | None:
        import torch
        from ray import tune

        checkpoint = tune.get_checkpoint()
        if checkpoint is None:
            return None
        with checkpoint.as_directory() as directory:  # written by this trial's own earlier attempt
            state = torch.load(os.path.join(directory, self.FILE), map_location="cpu", weights_only=False)
        self.resumed_from = state["epoch"]
        return state

    def save(self, state: dict) -> None:
        import torch
        from ray import tune

        with tempfile.TemporaryDirectory() as directory:
            torch.save(state, os.path.join(directory, self.FILE))
            tune.report(
                {**self.last, CHECKPOINT_KEY: state["epoch"]}, checkpoint=tune.Checkpoint.from_directory(directory)
            )


def encode_array(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array.astype(np.float32), allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_array(text: str) -> bytes:
    """The bytes of an .npy file."""
    return base64.b64decode(text)
