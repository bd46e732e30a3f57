"""MLflow tracking of a study: one parent run per study, one nested child run per trial.

The driver is the only process that writes the store, through a Tune `Callback`: trials on any
node report to the driver, so a sqlite file works for a local Ray and for a cluster alike, and
no two processes race on a fresh database. A trial's epochs are buffered and written in one
batch when it ends; a retried or resumed trial reopens its run, so each trial has exactly one.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from ray.tune import Callback

from cmathlab.study.trial import CHECKPOINT_KEY, EMBEDDINGS_KEY, RESULT_KEY, decode_array, members, trial_config, trial_key

PARENT = "mlflow.parentRunId"
# per epoch: every loss term the model returns (loss_*), whatever its name, and these
EPOCH_METRICS = ("valid_acc", "valid_wf1", "test_acc", "test_wf1", "seconds")
FINAL = {"valid_wf1": "valid/wf1", "valid_acc": "valid/acc"}  # the study metric, once a trial ends
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}  # MLflow's limits per log_batch


def git_commit() -> str:
    """The commit of the cmathlab checkout that runs the study (+dirty when it has changes)."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        head = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def sqlite_uri(directory: str) -> str:
    return "sqlite:///" + os.path.join(os.path.abspath(directory), "mlflow.db")


def open_experiment(client: MlflowClient, name: str, artifact_dir: str | None) -> str:
    """The experiment's id; created (with the store's tables, once, by the driver) when new."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None if artifact_dir is None else "file://" + os.path.abspath(artifact_dir)
    return client.create_experiment(name, artifact_location=location)


def log_batch(client: MlflowClient, run_id: str, metrics=(), params=(), tags=()) -> None:
    metrics, params, tags = list(metrics), list(params), list(tags)
    while metrics or params or tags:
        client.log_batch(run_id, metrics=metrics[:_BATCH["metrics"]], params=params[:_BATCH["params"]],
                         tags=tags[:_BATCH["tags"]])
        metrics, params = metrics[_BATCH["metrics"]:], params[_BATCH["params"]:]
        tags = tags[_BATCH["tags"]:]


def child_runs(client: MlflowClient, experiment_id: str, parent_run_id: str) -> list:
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], filter_string=f"tags.`{PARENT}` = '{parent_run_id}'",
                                  max_results=1000, page_token=token)
        runs.extend(page)
        token = page.token
        if not token:
            return runs


@dataclass
class Known:
    """What the store says of one trial."""

    run_id: str
    status: str  # MLflow's: RUNNING, FINISHED, FAILED, KILLED
    attempts: int
    value: float | None  # the study metric, for finished or early-stopped trials
    part: str = ""
    dataset: str = ""
    stopped: bool = False
    health: str = ""  # a finished run's verdict: ok, collapsed, diverged ("" before it was recorded)


def known_trials(client: MlflowClient, experiment_id: str, parent_run_id: str, metric: str) -> dict[str, Known]:
    return known_from(child_runs(client, experiment_id, parent_run_id), metric)


def known_from(runs: list, metric: str) -> dict[str, Known]:
    out = {}
    for run in runs:
        key = run.data.tags.get("cmathlab.trial_key")
        if key is None:
            continue
        value = run.data.metrics.get(FINAL[metric], run.data.metrics.get(f"best_{metric}"))
        out[key] = Known(run.info.run_id, run.info.status, int(run.data.tags.get("cmathlab.attempts", "1")),
                         value, run.data.tags.get("cmathlab.part", ""), run.data.tags.get("dataset", ""),
                         stopped="cmathlab.stopped_by" in run.data.tags,
                         health=run.data.tags.get("cmathlab.health", ""))
    return out


def done(known: Known) -> bool:
    return known.status == "FINISHED" or (known.status == "KILLED" and known.stopped)


ACTIVE: Tracker | None = None  # the driver's tracker now; see Tracker.__reduce__


def _active() -> Tracker:
    return ACTIVE


class Tracker(Callback):
    """Tune callback: opens, fills and closes each trial's MLflow run."""

    def __reduce__(self):
        # Tune pickles its callbacks with the experiment; a restored experiment must log through
        # the resuming driver's tracker (live client, fresh view of the store), not a stale copy.
        return (_active, ())

    def __init__(self, client: MlflowClient, experiment_id: str, parent_run_id: str, metric: str,
                 study_tags: dict, known: dict[str, Known], events=None):
        self.client, self.experiment_id, self.parent = client, experiment_id, parent_run_id
        self.metric = metric
        self.study_tags, self.known = study_tags, known
        self.events = events  # gets (event, key, detail) for the progress display
        self.epochs: dict[str, list[dict]] = {}
        self.payload: dict[str, dict] = {}
        self.node: dict[str, str] = {}

    def _runs(self, trial) -> list[tuple[str, dict]]:
        """(trial key, flat params) of each run the trial trains: one, or each member of a fused group."""
        return [(trial_key(m, trial.trial_id), m) for m in members(trial.config)]

    def _emit(self, event: str, key: str, detail=None) -> None:
        if self.events is not None:
            self.events(event, key, detail)

    def on_trial_start(self, iteration, trials, trial, **info):
        for key, params in self._runs(trial):
            self._start(trial, key, params)

    def _start(self, trial, key: str, params: dict) -> None:
        self.epochs[key], self.node[key] = [], ""
        self.payload.pop(key, None)
        known = self.known.get(key)
        if known is not None and done(known):
            return  # the trial will report `skipped` and end at once
        if known is None:
            self.known[key] = self._create(trial, key, params)
        else:  # a retry, or a trial that was running when the driver died
            known.attempts += 1
            known.status = "RUNNING"
            self.client.update_run(known.run_id, status="RUNNING")
            self.client.set_tag(known.run_id, "cmathlab.attempts", str(known.attempts))
        self._emit("start", key)

    def _create(self, trial, key: str, p: dict) -> Known:
        config = trial_config(p)
        tags = {**self.study_tags, PARENT: self.parent, "cmathlab.trial_key": key,
                "cmathlab.trial_id": trial.trial_id, "cmathlab.part": p["part"], "cmathlab.unit": p["unit"],
                "cmathlab.attempts": "1", "dataset": config.dataset, "model": config.model,
                "variant": config.variant, "modalities": config.modalities, "seed": str(config.seed),
                "mlflow.runName": key, **({"cmathlab.fused_group": trial.trial_id,
                                           "cmathlab.fused_members": str(len(p["group"]["members"]))}
                                          if "group" in p else {})}
        run = self.client.create_run(self.experiment_id, run_name=key, tags=tags)
        log_batch(self.client, run.info.run_id,
                  params=[Param(k, str(v)) for k, v in config.to_dict().items()])
        return Known(run.info.run_id, "RUNNING", 1, None, p["part"], config.dataset)

    def on_trial_result(self, iteration, trials, trial, result, **info):
        runs = self._runs(trial)
        payload = result.pop(RESULT_KEY, None)  # keep Tune's own records small
        if result.get("skipped") or result.get(CHECKPOINT_KEY) is not None:  # a checkpoint's report is no epoch
            return
        if payload is not None:
            payload = json.loads(payload)
            for (key, _), one in zip(runs, payload if "group" in trial.config else [payload]):
                self.payload[key] = one
        elif "epoch" in result:
            key = runs[result.get("member", 0)][0]
            self.epochs.setdefault(key, []).append({k: result[k] for k in result
                                                    if k in EPOCH_METRICS or k.startswith("loss_")})
            self.epochs[key][-1]["epoch"] = result["epoch"]
            if not self.node.get(key) and key in self.known:  # where it runs, while it runs
                self.node[key] = result.get("node", "")
                self.client.set_tag(self.known[key].run_id, "cmathlab.node", self.node[key])

    def on_trial_complete(self, iteration, trials, trial, **info):
        for key, params in self._runs(trial):
            self._complete(trial, key, params)
        _drop_checkpoints(trial)

    def _complete(self, trial, key: str, params: dict) -> None:
        known = self.known.get(key)
        if known is None or done(known):
            self._emit("skipped", key)
            return
        run_id = known.run_id
        epochs = self.epochs.pop(key, [])
        payload = self.payload.pop(key, None)
        metrics = [Metric(k, float(r[k]), int(time.time() * 1000), int(r["epoch"]))
                   for r in epochs for k in r if k != "epoch"]
        tags = []
        if payload is not None:
            result = payload
            embeddings = result.pop(EMBEDDINGS_KEY, None)
            now = int(time.time() * 1000)
            final = {"best_epoch": result["best_epoch"], "valid/acc": result["valid"]["acc"],
                     "valid/wf1": result["valid"]["wf1"], "test/acc": result["test"]["acc"],
                     "test/wf1": result["test"]["wf1"], "seconds_per_epoch": result["seconds_per_epoch"],
                     **{f"test/f1/{name}": v for name, v in result["test"]["per_class_f1"].items()},
                     **{f"bayes/{k}": v for k, v in (result["bayes"] or {}).items()}}
            metrics += [Metric(k, float(v), now, 0) for k, v in final.items()]
            tags += [RunTag("data_sha256", result["data"]["sha256"]), RunTag("data_source", result["data"]["source"]),
                     *[RunTag(f"cmathlab.encoder.{m}", name[:5000])  # what made each modality's features
                       for m, name in result["data"].get("encoders", {}).items()],
                     RunTag("cmathlab.label_names", json.dumps(result["label_names"])),
                     RunTag("device", result["device"]), RunTag("cmathlab.health", result["health"]),
                     RunTag("cmathlab.threads", str(result.get("threads", ""))),
                     RunTag("cmathlab.health_note", result["health_note"][:5000]),
                     *([RunTag("cmathlab.resumed_from_epoch", str(result["resumed_from_epoch"]))]
                       if result.get("resumed_from_epoch") else [])]
            log_batch(self.client, run_id, metrics=metrics, tags=tags)
            self.client.log_dict(run_id, result, "result.json")
            self.client.log_dict(run_id, result["predictions"], "predictions.json")
            self.client.log_text(run_id, _confusion_csv(result), "confusion.csv")
            if embeddings is not None:
                with tempfile.TemporaryDirectory() as tmp:
                    path = os.path.join(tmp, "embeddings.npy")
                    with open(path, "wb") as handle:
                        handle.write(decode_array(embeddings))
                    self.client.log_artifact(run_id, path)
            known.status, known.value, known.health = "FINISHED", final[FINAL[self.metric]], result["health"]
            self.client.set_terminated(run_id, "FINISHED")
            self._emit("done", key, {"dataset": params["dataset"], "value": known.value,
                                     "test_wf1": final["test/wf1"], "health": result["health"],
                                     "health_note": result["health_note"]})
        else:  # the scheduler (ASHA) stopped it early: a complete record of a partial run
            best = max((r[self.metric] for r in epochs), default=float("nan"))
            now = int(time.time() * 1000)
            metrics += [Metric("stopped_at_epoch", float(len(epochs)), now, 0), Metric(f"best_{self.metric}", best, now, 0)]
            log_batch(self.client, run_id, metrics=metrics, tags=tags + [RunTag("cmathlab.stopped_by", "scheduler")])
            known.status, known.stopped, known.value = "KILLED", True, best
            self.client.set_terminated(run_id, "KILLED")
            self._emit("stopped", key)

    def _failed(self, trial, final: bool) -> None:
        for key, _ in self._runs(trial):
            self._failed_run(trial, key, final)

    def _failed_run(self, trial, key: str, final: bool) -> None:
        known = self.known.get(key)
        self.epochs.pop(key, None)
        self.payload.pop(key, None)
        error = _error_text(trial)
        line = _last_line(error)
        if known is not None and not done(known):
            self.client.log_text(known.run_id, error, f"errors/attempt-{known.attempts}.txt")
            self.client.set_tag(known.run_id, "cmathlab.error", line[:5000])
            known.status = "FAILED"
            self.client.set_terminated(known.run_id, "FAILED")
        self._emit("failed" if final else "retry", key, line)

    def on_trial_recover(self, iteration, trials, trial, **info):
        self._failed(trial, final=False)

    def on_trial_error(self, iteration, trials, trial, **info):
        self._failed(trial, final=True)


def _drop_checkpoints(trial) -> None:
    """A tracked trial's checkpoints are not needed again, so the disk holds at most one per running trial. Their
    folders stay, empty: a driver killed before Tune saved its state restores the trial from one, and the trial,
    finished in the store, then ends at once without reading it."""
    path = getattr(trial, "path", None)  # the trial's folder under the study's tune/
    for directory in glob.glob(os.path.join(path, "checkpoint_*")) if path else ():
        for name in os.listdir(directory):
            target = os.path.join(directory, name)
            if os.path.isdir(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                os.remove(target)


def _error_text(trial) -> str:
    try:
        err = trial.get_error()
    except Exception:  # noqa: BLE001 - an unreadable error file must not stop the study
        err = None
    if err is None and trial.error_file and os.path.exists(trial.error_file):
        with open(trial.error_file) as handle:
            return handle.read()
    return str(err) if err is not None else "unknown error (the trial's process died)"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"


def _confusion_csv(result: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["label \\ predicted", *result["label_names"]])
    for name, row in zip(result["label_names"], result["test"]["confusion"]):
        writer.writerow([name, *row])
    return out.getvalue()
