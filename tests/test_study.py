"""Studies end to end on a real Ray and a real MLflow store: grids, searches, failures, crashes."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from conftest import write_spec
from mlflow.tracking import MlflowClient

from cmathlab.cli import main
from cmathlab.config import Config

pytestmark = pytest.mark.usefixtures("ray_local")

TINY = 'datasets = ["iemocap"]\nscale = 0.1\n[data]\niemocap = "synthetic:iemocap"\n[fixed]\ndim = 16\n'


def runs_of(directory):
    """(client, parent run, {trial key: child run}) of a study directory."""
    state = json.load(open(os.path.join(directory, "study.json")))
    client = MlflowClient(state["tracking_uri"])
    parent = client.get_run(state["parent_run_id"])
    children = client.search_runs(
        [state["experiment_id"]], filter_string=f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'"
    )
    by_key = {r.data.tags["cmathlab.trial_key"]: r for r in children}
    assert len(by_key) == len(children), "two runs for one trial"
    return client, parent, by_key


def test_a_grid_is_every_trial_once_nested_under_its_study(tmp_path, capsys):
    spec = write_spec(
        tmp_path,
        'name = "g2x2"\nseeds = [3]\nepochs = 2\n' + TINY + "[grid]\ngamma1 = [1.0, 2.0]\ngamma2 = [1.0, 1.4]\n",
    )
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 0
    client, parent, runs = runs_of(tmp_path / "study")
    assert parent.info.status == "FINISHED" and parent.data.tags["cmathlab.kind"] == "study"
    assert sorted(runs) == [f"g2x2/iemocap/seed=3/gamma1={a},gamma2={b}" for a in (1.0, 2.0) for b in (1.0, 1.4)]
    for key, run in runs.items():
        assert run.info.status == "FINISHED"
        params, tags, metrics = run.data.params, run.data.tags, run.data.metrics
        config = Config.for_dataset(
            "iemocap",
            dim=16,
            seed=3,
            epochs=2,
            gamma1=float(params["cmath.gamma1"]),
            gamma2=float(params["cmath.gamma2"]),
        )
        assert params == {k: str(v) for k, v in config.to_dict().items()}  # every resolved value
        assert key.endswith(f"gamma1={params['cmath.gamma1']},gamma2={params['cmath.gamma2']}")  # the spec's names
        assert (tags["variant"], tags["modalities"], tags["seed"], tags["dataset"]) == ("full", "tav", "3", "iemocap")
        assert tags["cmathlab.git_commit"] and tags["data_sha256"] == "synthetic:iemocap:scale=0.1:seed=0"
        assert tags["cmathlab.study"] == "g2x2" and tags["cmathlab.node"]
        history = client.get_metric_history(run.info.run_id, "valid_wf1")
        assert sorted(m.step for m in history) == [1, 2]
        assert {
            "loss_total",
            "test_acc",
            "test/acc",
            "test/wf1",
            "valid/wf1",
            "best_epoch",
            "bayes/test_acc",
            "test/f1/happy",
            "test/f1/frustrated",
        } <= set(metrics)
        # every loss term the run computed is tracked, whatever its name; and its health verdict
        assert {f"loss_{name}" for name in config.loss_weights()} <= set(metrics)
        assert tags["cmathlab.health"] in ("ok", "collapsed") and "cmathlab.health_note" in tags
        files = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert files == {"result.json", "predictions.json", "confusion.csv"}
        result = json.load(open(client.download_artifacts(run.info.run_id, "result.json", str(tmp_path))))
        assert result["test"]["acc"] == pytest.approx(metrics["test/acc"])
        assert result["config"]["cmath.gamma2"] == float(params["cmath.gamma2"])
        assert result["history"][result["best_epoch"] - 1]["valid_wf1"] == pytest.approx(metrics["valid/wf1"])
    # the defaults its trials took, for `resume` to compare (tests/test_spec.py): everything but the axes and seed
    taken = json.load(open(tmp_path / "study" / "study.json"))["defaults"]["g2x2/iemocap"]
    assert len(taken) == 1 and taken[0]["dim"] == 16 and not {"cmath.gamma1", "cmath.gamma2", "seed"} & set(taken[0])
    capsys.readouterr()
    assert main(["study", "status", str(tmp_path / "study")]) == 0
    out = capsys.readouterr().out
    assert "g2x2" in out and "driver not running" in out and "flagged" in out  # health counted per part
    # ray.log keeps Ray's own records, not one false alarm per trial: the trials write no result.json for Tune
    assert "Could not fetch metrics" not in (tmp_path / "study" / "ray.log").read_text()


def test_a_search_samples_with_optuna_and_asha_stops_the_weak(tmp_path):
    # the paper's recipe: a constant lr makes 4 one-step epochs differ enough for ASHA to rank the trials
    spec = write_spec(
        tmp_path,
        'name = "s"\nseeds = [0]\nepochs = 4\n'
        + TINY.replace("0.1", "0.15")
        + 'recipe = "paper"\n'
        + "[search]\nsamples = 8\n[search.space]\nlr = { loguniform = [1e-5, 1e-2] }\n"
        'dropout = { uniform = [0.0, 0.5] }\n"cmath.heads" = { choice = [1, 2, 4] }\n'
        "[asha]\ngrace_period = 1\nreduction_factor = 2\n",
    )
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 0
    client, _, runs = runs_of(tmp_path / "study")
    assert len(runs) == 8
    lrs = {float(r.data.params["lr"]) for r in runs.values()}
    assert len(lrs) == 8 and all(1e-5 <= lr <= 1e-2 for lr in lrs)
    assert all(r.data.params["cmath.heads"] in ("1", "2", "4") for r in runs.values())  # a model field searched
    stopped = [r for r in runs.values() if r.data.tags.get("cmathlab.stopped_by")]
    finished = [r for r in runs.values() if r.info.status == "FINISHED"]
    assert stopped and finished and len(stopped) + len(finished) == 8
    for run in stopped:  # a stopped trial keeps the epochs it ran, and has no final result
        assert run.info.status == "KILLED" and run.data.metrics["stopped_at_epoch"] < 4
        assert "test/acc" not in run.data.metrics
        assert len(client.get_metric_history(run.info.run_id, "valid_wf1")) == run.data.metrics["stopped_at_epoch"]


def test_a_diverging_trial_is_retried_recorded_as_failed_and_the_study_goes_on(tmp_path, capsys):
    spec = write_spec(
        tmp_path,
        'name = "f"\nseeds = [0]\nepochs = 3\nmax_failures = 1\n'
        + TINY
        + "batch_size = 2\n[grid]\nlr = [1e-3, 1e30]\n",
    )
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 1
    printed = capsys.readouterr().out
    client, parent, runs = runs_of(tmp_path / "study")
    bad, good = runs["f/iemocap/seed=0/lr=1e+30"], runs["f/iemocap/seed=0/lr=0.001"]
    assert good.info.status == "FINISHED"
    assert bad.info.status == "FAILED" and bad.data.tags["cmathlab.attempts"] == "2"
    assert "Diverged: loss is nan" in bad.data.tags["cmathlab.error"]
    assert {a.path for a in client.list_artifacts(bad.info.run_id, "errors")} == {
        "errors/attempt-1.txt",
        "errors/attempt-2.txt",
    }
    assert parent.data.tags["cmathlab.trials_failed"] == "1"
    assert "failed f/iemocap/seed=0/lr=1e+30: cmathlab.train.Diverged" in printed


def test_a_study_directory_is_never_overwritten(tmp_path, capsys):
    spec = write_spec(tmp_path, 'name = "o"\nseeds = [0]\nepochs = 1\n' + TINY + "[grid]\ngamma1 = [1.0]\n")
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 0
    before = os.path.getmtime(tmp_path / "study" / "mlflow.db")
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 2
    assert "cmathlab study resume" in capsys.readouterr().err
    assert os.path.getmtime(tmp_path / "study" / "mlflow.db") == before


def test_resume_after_sigkill_of_the_driver_reruns_nothing_and_duplicates_no_run(tmp_path, monkeypatch):
    """The driver (with the local Ray it started) is SIGKILLed mid-study; `resume` finishes the rest."""
    spec = write_spec(
        tmp_path, 'name = "k"\nseeds = 4\nepochs = 6\n' + TINY.replace("0.1", "0.2") + "[grid]\ngamma1 = [1.0, 2.0]\n"
    )
    study = tmp_path / "study"
    driver = subprocess.Popen(
        [sys.executable, "-m", "cmathlab", "study", "run", spec, "--out", str(study)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            time.sleep(0.5)
            if (study / "study.json").exists():
                _, _, runs = runs_of(study)
                done = [r for r in runs.values() if r.info.status == "FINISHED"]
                if len(done) >= 2 and len(runs) > len(done):
                    break
        else:
            pytest.fail("the driver never finished two trials")
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        _, parent, before = runs_of(study)
        assert parent.info.status == "RUNNING"
        cut_off = {k for k, r in before.items() if r.info.status == "RUNNING"}
        assert cut_off
        assert main(["study", "resume", str(study)]) == 0
    finally:  # what Ray left of the killed driver's session, by its process group
        try:
            os.killpg(driver.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    client, parent, after = runs_of(study)
    assert len(after) == 8 and parent.info.status == "FINISHED"
    for key, run in after.items():
        assert run.info.status == "FINISHED"
        assert len(client.get_metric_history(run.info.run_id, "valid_wf1")) == 6  # no epoch logged twice
        if key in before and before[key].info.status == "FINISHED":  # not rerun, not touched
            assert run.info.end_time == before[key].info.end_time and run.data.tags["cmathlab.attempts"] == "1"
        if key in cut_off:  # reopened, not duplicated
            assert run.info.run_id == before[key].info.run_id and run.data.tags["cmathlab.attempts"] == "2"
    # resumed again, finished: nothing to run, so no Ray is started and nothing is written
    from cmathlab.study import runner

    monkeypatch.setattr(runner, "_start_ray", lambda *a: pytest.fail("a finished study started Ray"))
    assert main(["study", "resume", str(study)]) == 0
    assert {k: r.info.end_time for k, r in runs_of(study)[2].items()} == {k: r.info.end_time for k, r in after.items()}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_study_tracks_into_an_mlflow_server(tmp_path):
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path}/server.db",
            "--artifacts-destination",
            str(tmp_path / "art"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        import urllib.request

        for _ in range(120):
            try:
                urllib.request.urlopen(uri + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("mlflow server did not start")
        spec = write_spec(tmp_path, 'name = "srv"\nseeds = [0]\nepochs = 1\n' + TINY + "[grid]\ngamma2 = [1.0, 2.0]\n")
        assert main(["study", "run", spec, "--out", str(tmp_path / "study"), "--tracking-uri", uri]) == 0
        client, parent, runs = runs_of(tmp_path / "study")
        assert client.tracking_uri == uri and len(runs) == 2 and not (tmp_path / "study" / "mlflow.db").exists()
        run = next(iter(runs.values()))
        result = json.load(open(client.download_artifacts(run.info.run_id, "result.json", str(tmp_path))))
        assert result["test"]["wf1"] == pytest.approx(run.data.metrics["test/wf1"])
        assert os.listdir(tmp_path / "art")  # the server holds the artifacts
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_fuse_auto_trains_a_grid_in_stacked_groups_and_tracks_every_member_as_its_own_run(tmp_path):
    grid = '[grid]\ngamma2 = [1.0, 1.8]\nvariant = ["full", "w/o HLD"]\n'
    body = (
        'seeds = [0, 1]\nepochs = 2\ndatasets = ["iemocap"]\nscale = 0.1\n[data]\niemocap = "synthetic:iemocap"\n'
        "[fixed]\ndim = 16\ndropout = 0.0\n" + grid
    )
    fused = write_spec(tmp_path, 'name = "g"\nfuse = "auto"\nfuse_max = 5\n' + body, "fused.toml")
    plain = write_spec(tmp_path, 'name = "g"\n' + body, "plain.toml")
    assert main(["study", "run", fused, "--out", str(tmp_path / "fused")]) == 0
    assert main(["study", "run", plain, "--out", str(tmp_path / "plain")]) == 0
    client, _, runs = runs_of(tmp_path / "fused")
    _, _, solo = runs_of(tmp_path / "plain")
    assert sorted(runs) == sorted(solo) and len(runs) == 8  # the same trial keys, one run each
    groups = {r.data.tags["cmathlab.fused_group"] for r in runs.values()}
    assert (
        len(groups) == 2
        and sorted(r.data.tags["cmathlab.fused_members"] for r in runs.values()) == ["3"] * 3 + ["5"] * 5
    )
    for key, run in runs.items():
        assert run.info.status == "FINISHED"
        history = client.get_metric_history(run.info.run_id, "loss_total")
        assert sorted(m.step for m in history) == [1, 2]
        assert ("loss_kl" in run.data.metrics) == ("w/o HLD" not in key)
        for metric in ("test/wf1", "valid/wf1", "loss_total"):  # dropout off: fused = alone
            assert run.data.metrics[metric] == pytest.approx(solo[key].data.metrics[metric], rel=1e-4), (key, metric)


def test_two_feature_files_of_one_dataset_are_an_axis_of_the_study_and_a_table_of_its_report(tmp_path, capsys):
    """Issue 12: encoders compared in a study: [data] names several files of one dataset."""
    from conftest import layout_tuple, tiny_fields, write_pickle

    fields = tiny_fields("iemocap", {"t": 24, "a": 8, "v": 8}, n_train=10, n_test=4)
    write_pickle(tmp_path / "small.pkl", layout_tuple("mmgcn", "iemocap", fields))
    rng = np.random.default_rng(5)  # the same dialogues and labels; other (and wider) text vectors
    wide = {**fields, "t": {k: [rng.normal(size=40).astype(np.float32) for _ in v] for k, v in fields["t"].items()}}
    write_pickle(tmp_path / "wide.pkl", layout_tuple("mmgcn", "iemocap", wide))
    spec = write_spec(
        tmp_path,
        'name = "enc"\ndatasets = ["iemocap"]\nseeds = [0, 1]\nepochs = 2\n'
        '[data]\niemocap = { small = "small.pkl", wide = "wide.pkl" }\n'
        '[fixed]\ndim = 16\nmodalities = "t"\n[grid]\nvariant = ["full"]\n',
    )
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 0
    printed = capsys.readouterr().out
    assert "data iemocap/small: " in printed and "data iemocap/wide: " in printed
    _, _, runs = runs_of(tmp_path / "study")
    assert sorted(runs) == [
        f"enc/iemocap/seed={s}/features={f},variant=full" for s in (0, 1) for f in ("small", "wide")
    ]
    for key, run in runs.items():
        assert run.data.params["features"] in key and run.data.tags["data_source"].endswith(
            run.data.params["features"] + ".pkl"
        )
    assert main(["report", str(tmp_path / "study"), "--format", "md", "--include-flagged"]) == 0
    report = (tmp_path / "study" / "report" / "report.md").read_text()
    assert "Feature files (encoders) on IEMOCAP" in report and "| small" in report and "| wide" in report
    assert "ACC / Bayes" not in report  # a feature file has no known ceiling: no such column


def _mlflow_server(tmp_path, port: int) -> subprocess.Popen:
    """`mlflow server` on 127.0.0.1:port over tmp_path's store (the same store each time it is started)."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlflow",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--backend-store-uri",
            f"sqlite:///{tmp_path}/server.db",
            "--artifacts-destination",
            str(tmp_path / "art"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import urllib.request

    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.25)
    _stop(server)
    pytest.fail("mlflow server did not start")


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    server.wait(timeout=30)


def test_a_tracking_server_that_blinks_is_waited_for_and_one_gone_too_long_stops_the_study_losing_nothing(
    tmp_path, capsys, monkeypatch
):
    import threading

    from cmathlab.study import tracking

    monkeypatch.setenv("CMATHLAB_TRACKING_WAIT", "180")  # the blink, with a slow machine's restart of the server
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    servers = [_mlflow_server(tmp_path, port)]
    spec = write_spec(
        tmp_path, 'name = "blink"\nseeds = [0, 1]\nepochs = 3\n' + TINY + "[grid]\ngamma1 = [1.0, 1.5, 2.0]\n"
    )
    study = tmp_path / "study"
    behind = MlflowClient(f"sqlite:///{tmp_path}/server.db")  # the server's own store, read while it is down
    seen: dict = {}

    def finished() -> int:
        runs = behind.search_runs(
            [e.experiment_id for e in behind.search_experiments()], filter_string="tags.`cmathlab.trial_key` != ''"
        )
        return sum(r.info.status == "FINISHED" for r in runs)

    def blink_then_go() -> None:
        deadline = time.time() + 120
        while finished() < 1 and time.time() < deadline:
            time.sleep(0.2)
        _stop(servers[-1])  # a blink: 10 s away, then the same store again
        time.sleep(10)
        servers.append(_mlflow_server(tmp_path, port))
        seen["blink"] = finished()
        while finished() < seen["blink"] + 1 and time.time() < deadline:
            time.sleep(0.2)
        seen["gone"] = finished()
        tracking.ACTIVE.client.wait = 5  # the study's patience, shortened for the second outage
        _stop(servers[-1])  # and now away for longer than the study waits

    watcher = threading.Thread(target=blink_then_go)
    watcher.start()
    try:
        code = main(["study", "run", spec, "--out", str(study), "--tracking-uri", uri])
        watcher.join()
        out = capsys.readouterr().out
        assert code == 130, out
        assert f"waiting for the tracking server at {uri}" in out and "answers again after" in out, out
        assert "has not answered for 5 s (connection refused" in out, out
        assert f"cmathlab study resume {study}\n" in out, out  # the command unbroken, to copy
        assert 1 <= seen["blink"] < seen["gone"] < 6  # both outages came mid-study
        servers.append(_mlflow_server(tmp_path, port))
        assert main(["study", "resume", str(study)]) == 0
        client, parent, runs = runs_of(study)  # and it asserts one run per trial
        assert len(runs) == 6 and parent.info.status == "FINISHED"
        assert not (study / "pending").exists() or not os.listdir(study / "pending")  # written, then dropped
        series = {}  # every epoch's metrics, each once
        for key, run in runs.items():
            assert run.info.status == "FINISHED"
            for name in run.data.metrics:
                if name in tracking.EPOCH_METRICS or name.startswith("loss_"):
                    series[key, name] = sorted(m.step for m in client.get_metric_history(run.info.run_id, name))
        names = {name for _, name in series}
        assert {"valid_wf1", "test_wf1", "loss_total"} <= names and len(series) == 6 * len(names)
        assert all(steps == [1, 2, 3] for steps in series.values())
        away = re.search(r"answers again after (\d+) s", out).group(1)
        print(
            f"blink: the server away {away} s, waited for; then away past the wait: stopped, resumed. "
            f"{len(runs)} trials, {len(runs)} runs, {len(series)} metric series of 3 epochs, 0 lost"
        )
    finally:
        watcher.join()
        _stop(servers[-1])
