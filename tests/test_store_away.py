"""A tracking store that stops answering: the study's driver waits for it (bounded, saying so), and what it could
not write when the store stayed away is kept on disk and written, once, by `study resume`."""

import json
import os
import signal
from types import SimpleNamespace

import pytest
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.tracking import MlflowClient

from cmathlab.study import tracking
from cmathlab.study.store import Patient, StoreAway
from cmathlab.study.trial import RESULT_KEY, TrialRun
from cmathlab.train import fit

REFUSED = MlflowException(
    "API request to http://127.0.0.1:1/api/2.0/mlflow/runs/log-batch failed with exception "
    "HTTPConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: "
    "/api/2.0/mlflow/runs/log-batch (Caused by NewConnectionError('[Errno 111] Connection refused'))"
)


class Clock:
    """time.monotonic and time.sleep for a test that waits without waiting."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_call_waits_for_a_store_that_went_away_says_so_and_gives_up_past_its_limit():
    clock, said = Clock(), []

    def back_at_12_s():
        if clock.now < 12:
            raise REFUSED
        return "logged"

    patient = Patient(
        SimpleNamespace(log=back_at_12_s), "http://x", wait=30, say=said.append, clock=clock, sleep=clock.sleep
    )
    assert patient.log() == "logged"
    assert 12 <= clock.now <= 17  # pauses of 1, 2, 4, 5 s
    assert said[0] == (
        "waiting for the tracking server at http://x: no answer for 0 s (connection refused), retrying for up to 30 s"
    )
    assert said[-1].startswith("the tracking server at http://x answers again after 1")

    def gone():
        raise REFUSED

    start = clock.now
    patient = Patient(SimpleNamespace(log=gone), "http://x", wait=30, say=said.append, clock=clock, sleep=clock.sleep)
    with pytest.raises(
        StoreAway,
        match=r"^the tracking server at http://x has not answered for 30 s "
        r"\(connection refused; CMATHLAB_TRACKING_WAIT=30\)$",
    ):
        patient.log()
    assert clock.now - start == pytest.approx(30)

    def refused_request():  # the server answered, with a no: waiting would not change that
        raise MlflowException("Invalid value for a param", error_code=INVALID_PARAMETER_VALUE)

    start = clock.now
    with pytest.raises(MlflowException, match="Invalid value"):
        Patient(SimpleNamespace(log=refused_request), "http://x", wait=30, clock=clock, sleep=clock.sleep).log()
    assert clock.now == start


def test_what_a_store_gone_too_long_could_not_take_is_kept_and_written_once_on_resume(
    tmp_path, monkeypatch, tiny_corpus
):
    store = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    experiment = store.create_experiment("away", artifact_location=(tmp_path / "artifacts").as_uri())
    parent = store.create_run(experiment).info.run_id
    up = {"now": True}

    class Flaky:  # the store, reached through a server that can go away
        def __getattr__(self, name):
            method = getattr(store, name)

            def call(*args, **kwargs):
                if not up["now"]:
                    raise REFUSED
                return method(*args, **kwargs)

            return call

    clock, stops = Clock(), []
    monkeypatch.setattr(tracking.signal, "raise_signal", stops.append)  # Tune's Ctrl-C, recorded
    pending = str(tmp_path / "pending")
    client = Patient(Flaky(), "http://x", wait=5, say=lambda line: None, clock=clock, sleep=clock.sleep)
    tracker = tracking.Tracker(client, experiment, parent, "valid_wf1", {}, {}, pending=pending)
    params = {
        "part": "p",
        "unit": "p",
        "dataset": "iemocap",
        "seed": 0,
        "axes": [],
        "search": False,
        "metric": "valid_wf1",
        "fixed": {"dim": 16, "heads": 2, "epochs": 2, "patience": 0},
    }
    trial = SimpleNamespace(trial_id="t1", config=params, path=None)
    tracker.on_trial_start(0, [], trial)
    (run,) = TrialRun.each(params)
    result = fit(run.config(), tiny_corpus)
    for record in result.history:
        tracker.on_trial_result(0, [], trial, dict(record))
    tracker.on_trial_result(0, [], trial, {RESULT_KEY: json.dumps(result.to_dict())})

    up["now"] = False  # the trial ends while the server is away, for longer than the study waits
    tracker.on_trial_complete(0, [], trial)
    assert tracker.away and stops == [signal.SIGINT]
    kept = tracking.pending_records(pending)
    assert [r["key"] for r in kept] == ["p/iemocap/seed=0/"] and len(kept[0]["epochs"]) == 2

    up["now"] = True  # `study resume`: the kept record is written as it would have been
    known = tracking.known_trials(store, experiment, parent, "valid_wf1")
    assert known["p/iemocap/seed=0/"].status == "RUNNING"
    tracking.Tracker(store, experiment, parent, "valid_wf1", {}, known, pending=pending).replay(kept)
    assert not os.listdir(pending)
    run = store.get_run(known["p/iemocap/seed=0/"].run_id)
    assert run.info.status == "FINISHED" and run.data.metrics["test/wf1"] == result.test["wf1"]
    # written a second time (the store took part of it before it went away), it is the same record
    known["p/iemocap/seed=0/"].status = "RUNNING"
    tracking.Tracker(store, experiment, parent, "valid_wf1", {}, known, pending=pending).replay(kept)
    for name in ("valid_wf1", "loss_total", "test/wf1"):
        steps = sorted(m.step for m in store.get_metric_history(run.info.run_id, name))
        assert steps == ([0] if "/" in name else [1, 2]), name
    assert len(store.search_runs([experiment], filter_string=f"tags.`{tracking.PARENT}` = '{parent}'")) == 1
