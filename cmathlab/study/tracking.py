"""MLflow tracking of a study: one parent run per study, one nested child run per trial.

The driver is the only process that writes the store, through a Tune `Callback`: trials on any
node report to the driver, so a sqlite file works for a local Ray and for a cluster alike, and
no two processes race on a fresh database. A trial's epochs are buffered and written in one
batch when it ends; a retried or resumed trial reopens its run, so each trial has exactly one.

A tracking server that stops answering is waited for (store.Patient); one that stays away longer than the study
waits stops the study as Ctrl-C would, and what the Tracker held for finished trials is kept in the study's
`pending/` folder, which `study resume` writes to the store first. Every record carries the time it was made, so
a record written twice is the same record (MLflow keeps identical metrics once).
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from types import SimpleNamespace

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient
from ray.tune import Callback

from cmathlab.study.records import FINAL, PARENT, child_runs
from cmathlab.study.store import Patient, StoreAway
from cmathlab.study.trial import (
    CHECKPOINT_KEY,
    EMBEDDINGS_KEY,
    RESULT_KEY,
    TrialRun,
    decode_array,
)

# per epoch: every loss term the model returns (loss_*), whatever its name, and these
EPOCH_METRICS = ("valid_acc", "valid_wf1", "test_acc", "test_wf1", "seconds")
_BATCH = {"metrics": 1000, "params": 100, "tags": 100}  # MLflow's limits per log_batch


def git_commit() -> str:
    """The commit of the cmathlab checkout that runs the study (+dirty when it has changes)."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        head = subprocess.run(
            ["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
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
        client.log_batch(
            run_id, metrics=metrics[: _BATCH["metrics"]], params=params[: _BATCH["params"]], tags=tags[: _BATCH["tags"]]
        )
        metrics, params = metrics[_BATCH["metrics"] :], params[_BATCH["params"] :]
        tags = tags[_BATCH["tags"] :]


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
        out[key] = Known(
            run.info.run_id,
            run.info.status,
            int(run.data.tags.get("cmathlab.attempts", "1")),
            value,
            run.data.tags.get("cmathlab.part", ""),
            run.data.tags.get("dataset", ""),
            stopped="cmathlab.stopped_by" in run.data.tags,
            health=run.data.tags.get("cmathlab.health", ""),
        )
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

    def __init__(
        self,
        client: MlflowClient | Patient,
        experiment_id: str,
        parent_run_id: str,
        metric: str,
        study_tags: dict,
        known: dict[str, Known],
        events=None,
        pending: str | None = None,
    ):
        self.client, self.experiment_id, self.parent = client, experiment_id, parent_run_id
        self.metric = metric
        self.study_tags, self.known = study_tags, known
        self.events = events  # gets (event, key, detail) for the progress display
        self.epochs: dict[str, list[dict]] = {}
        self.payload: dict[str, dict] = {}
        self.ended_ms: dict[str, int] = {}  # when each trial's result arrived: its final metrics' timestamp
        self.node: dict[str, str] = {}
        self.pending = pending  # the folder for what a store that stays away could not take
        self.away: str | None = None  # why the store was given up on, once it was

    def _guard(self, work, held: list[dict] = ()) -> None:
        """`work()`, which writes the store. When the store stays away past the study's wait (or already has), the
        records in `held` go to the pending folder and Tune is stopped as by Ctrl-C: its running trials stay
        unfinished, for `study resume` to run again."""
        if self.away is None:
            try:
                work()
                return
            except StoreAway as err:
                if self.pending is None:
                    raise
                self.away = str(err)
                stop = True
        else:
            stop = False
        for record in held:
            keep_pending(self.pending, record)
        if stop:  # after the records are safe: without Tune's handler, SIGINT raises KeyboardInterrupt here
            signal.raise_signal(signal.SIGINT)

    def _runs(self, trial) -> list[tuple[str, TrialRun]]:
        """(trial key, run) of each run the trial trains: one, or each member of a fused group."""
        return [(run.key(trial.trial_id), run) for run in TrialRun.each(trial.config)]

    def _emit(self, event: str, key: str, detail=None) -> None:
        if self.events is not None:
            self.events(event, key, detail)

    def on_trial_start(self, iteration, trials, trial, **info):
        for key, run in self._runs(trial):
            self._guard(lambda: self._start(trial, key, run))  # a run not created then is created on resume

    def _start(self, trial, key: str, run: TrialRun) -> None:
        self.epochs[key], self.node[key] = [], ""
        self.payload.pop(key, None)
        known = self.known.get(key)
        if known is not None and done(known):
            return  # the trial will report `skipped` and end at once
        if known is None:
            self.known[key] = self._create(trial, key, run)
        else:  # a retry, or a trial that was running when the driver died
            known.attempts += 1
            known.status = "RUNNING"
            self.client.update_run(known.run_id, status="RUNNING")
            self.client.set_tag(known.run_id, "cmathlab.attempts", str(known.attempts))
            self._params_once(known.run_id, run)
        self._emit("start", key)

    def _create(self, trial, key: str, p: TrialRun) -> Known:
        config = p.config()
        tags = {
            **self.study_tags,
            PARENT: self.parent,
            "cmathlab.trial_key": key,
            "cmathlab.trial_id": trial.trial_id,
            "cmathlab.part": p.part,
            "cmathlab.unit": p.unit,
            "cmathlab.attempts": "1",
            "dataset": config.dataset,
            "model": config.model,
            "variant": config.variant,
            "modalities": config.modalities,
            "seed": str(config.seed),
            "mlflow.runName": key,
            **({"cmathlab.fused_group": trial.trial_id, "cmathlab.fused_members": str(p.fused)} if p.fused else {}),
        }
        if isinstance(self.client, Patient):  # a create whose answer was lost is found, not made twice
            run = self.client.call(
                self.client.raw.create_run, self.experiment_id, run_name=key, tags=tags, recover=lambda: self._find(key)
            )
        else:
            run = self.client.create_run(self.experiment_id, run_name=key, tags=tags)
        log_batch(self.client, run.info.run_id, params=[Param(k, str(v)) for k, v in config.to_dict().items()])
        return Known(run.info.run_id, "RUNNING", 1, None, p.part, config.dataset)

    def _params_once(self, run_id: str, p: TrialRun) -> None:
        """The config as params on a reopened run the store holds none for (the store went away right after
        creating it)."""
        if not self.client.get_run(run_id).data.params:
            log_batch(self.client, run_id, params=[Param(k, str(v)) for k, v in p.config().to_dict().items()])

    def _find(self, key: str):
        """The run the store already holds for `key` under this study, if any."""
        client = self.client.raw if isinstance(self.client, Patient) else self.client
        found = client.search_runs(
            [self.experiment_id],
            max_results=2,
            filter_string=(f"tags.`{PARENT}` = '{self.parent}' and tags.`cmathlab.trial_key` = '{key}'"),
        )
        return found[0] if found else None

    def on_trial_result(self, iteration, trials, trial, result, **info):
        runs = self._runs(trial)
        payload = result.pop(RESULT_KEY, None)  # keep Tune's own records small
        if result.get("skipped") or result.get(CHECKPOINT_KEY) is not None:  # a checkpoint's report is no epoch
            return
        if payload is not None:
            payload = json.loads(payload)
            for (key, _), one in zip(runs, payload if "group" in trial.config else [payload]):
                self.payload[key], self.ended_ms[key] = one, int(time.time() * 1000)
        elif "epoch" in result:
            key = runs[result.get("member", 0)][0]
            self.epochs.setdefault(key, []).append(
                {k: result[k] for k in result if k in EPOCH_METRICS or k.startswith("loss_")}
            )
            self.epochs[key][-1].update(epoch=result["epoch"], ms=int(time.time() * 1000))
            if not self.node.get(key) and key in self.known:  # where it runs, while it runs
                self.node[key] = result.get("node", "")
                self._guard(lambda: self.client.set_tag(self.known[key].run_id, "cmathlab.node", self.node[key]))

    def on_trial_complete(self, iteration, trials, trial, **info):
        for key, run in self._runs(trial):
            held = {
                "kind": "complete",
                "key": key,
                "trial_id": trial.trial_id,
                "params": run.to_record(),
                "epochs": self.epochs.get(key, []),
                "payload": self.payload.get(key),
                "ended_ms": self.ended_ms.get(key),
            }
            self._guard(lambda: self._complete(trial, key, run), [held])
        _drop_checkpoints(trial)

    def _complete(self, trial, key: str, run: TrialRun) -> None:
        known = self.known.get(key)
        if known is None or done(known):
            self._emit("skipped", key)
            return
        run_id = known.run_id
        epochs = self.epochs.get(key, [])
        payload = self.payload.get(key)
        now = self.ended_ms.get(key) or int(time.time() * 1000)
        metrics = [
            Metric(k, float(r[k]), r.get("ms", now), int(r["epoch"]))
            for r in epochs
            for k in r
            if k not in ("epoch", "ms")
        ]
        tags = []
        if payload is not None:
            result = dict(payload)
            embeddings = result.pop(EMBEDDINGS_KEY, None)
            final = {
                "best_epoch": result["best_epoch"],
                "valid/acc": result["valid"]["acc"],
                "valid/wf1": result["valid"]["wf1"],
                "test/acc": result["test"]["acc"],
                "test/wf1": result["test"]["wf1"],
                "seconds_per_epoch": result["seconds_per_epoch"],
                **{f"test/f1/{name}": v for name, v in result["test"]["per_class_f1"].items()},
                **{f"bayes/{k}": v for k, v in (result["bayes"] or {}).items()},
            }
            metrics += [Metric(k, float(v), now, 0) for k, v in final.items()]
            tags += [
                RunTag("data_sha256", result["data"]["sha256"]),
                RunTag("data_source", result["data"]["source"]),
                *[
                    RunTag(f"cmathlab.encoder.{m}", name[:5000])  # what made each modality's features
                    for m, name in result["data"].get("encoders", {}).items()
                ],
                RunTag("cmathlab.label_names", json.dumps(result["label_names"])),
                RunTag("device", result["device"]),
                RunTag("cmathlab.health", result["health"]),
                RunTag("cmathlab.threads", str(result.get("threads", ""))),
                RunTag("cmathlab.health_note", result["health_note"][:5000]),
                *(
                    [RunTag("cmathlab.resumed_from_epoch", str(result["resumed_from_epoch"]))]
                    if result.get("resumed_from_epoch")
                    else []
                ),
            ]
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
            self._emit(
                "done",
                key,
                {
                    "dataset": run.dataset,
                    "value": known.value,
                    "test_wf1": final["test/wf1"],
                    "health": result["health"],
                    "health_note": result["health_note"],
                },
            )
        else:  # the scheduler (ASHA) stopped it early: a complete record of a partial run
            best = max((r[self.metric] for r in epochs), default=float("nan"))
            metrics += [
                Metric("stopped_at_epoch", float(len(epochs)), now, 0),
                Metric(f"best_{self.metric}", best, now, 0),
            ]
            log_batch(self.client, run_id, metrics=metrics, tags=tags + [RunTag("cmathlab.stopped_by", "scheduler")])
            known.status, known.stopped, known.value = "KILLED", True, best
            self.client.set_terminated(run_id, "KILLED")
            self._emit("stopped", key)
        for held in (self.epochs, self.payload, self.ended_ms):  # written: not needed again
            held.pop(key, None)

    def _failed(self, trial, final: bool) -> None:
        error = _error_text(trial)
        for key, run in self._runs(trial):
            held = {
                "kind": "failed",
                "key": key,
                "trial_id": trial.trial_id,
                "params": run.to_record(),
                "error": error,
                "final": final,
            }
            self._guard(lambda: self._failed_run(key, error, final), [held])

    def _failed_run(self, key: str, error: str, final: bool) -> None:
        known = self.known.get(key)
        for held in (self.epochs, self.payload, self.ended_ms):
            held.pop(key, None)
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

    def replay(self, records: list[dict]) -> None:
        """Write what a driver kept in `pending/` when its store went away, as it would have then."""
        for record in records:
            key, run = record["key"], TrialRun.from_record(record["params"])
            self.metric = run.metric
            known = self.known.get(key)
            if known is None:
                self.known[key] = self._create(SimpleNamespace(trial_id=record["trial_id"]), key, run)
            elif not done(known):
                self._params_once(known.run_id, run)
            if record["kind"] == "complete":
                self.epochs[key], self.payload[key] = record["epochs"], record["payload"]
                if record["ended_ms"]:
                    self.ended_ms[key] = record["ended_ms"]
                self._complete(None, key, run)
            else:
                self._failed_run(key, record["error"], record["final"])
            drop_pending(self.pending, key)


def _pending_file(folder: str, key: str) -> str:
    return os.path.join(folder, hashlib.sha1(key.encode()).hexdigest()[:16] + ".json")


def keep_pending(folder: str, record: dict) -> None:
    """One trial's records, written whole or not at all (a later record of the same trial replaces it)."""
    os.makedirs(folder, exist_ok=True)
    path = _pending_file(folder, record["key"])
    with open(path + ".part", "w") as handle:
        json.dump(record, handle)
    os.replace(path + ".part", path)


def pending_records(folder: str) -> list[dict]:
    """What a driver kept when its store went away, oldest first."""
    paths = sorted(glob.glob(os.path.join(folder, "*.json")), key=os.path.getmtime)
    out = []
    for path in paths:
        with open(path) as handle:
            out.append(json.load(handle))
    return out


def drop_pending(folder: str | None, key: str) -> None:
    if folder is not None and os.path.exists(_pending_file(folder, key)):
        os.remove(_pending_file(folder, key))


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
