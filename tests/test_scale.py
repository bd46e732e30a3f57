"""Thousands of trials: the live board in a log and `study status` stay a page, not a line per trial."""

import io
import json
import os
import pathlib
from types import SimpleNamespace

from rich.console import Console

from cmathlab.study.board import Board


def _log() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=False, width=200), out


def test_a_log_of_a_big_study_has_a_line_per_hundredth_and_names_the_first_failures():
    console, out = _log()
    board = Board(console, SimpleNamespace(n_trials=lambda: 3000), {})
    for i in range(3000):
        key = f"p/meld/seed={i}/dim=8"
        board.event("start", key)
        if i % 100 == 7:  # 30 failures
            board.event("failed", key, "RuntimeError: boom")
        else:
            board.event("done", key, {"dataset": "meld", "value": i / 3000, "test_wf1": 0.5, "health": "ok"})
    lines = out.getvalue().splitlines()
    assert sum(line.startswith("[") for line in lines) == 100  # [30/3000] ... [3000/3000]
    assert lines[-1].startswith("[3000/3000] running 0 · done 2970 · failed 30 · flagged 0 · left 0")
    assert sum("failed p/meld" in line for line in lines) == 20 and sum("more trials failed" in x for x in lines) == 1
    assert len(lines) == 100 + 20 + 1


def test_a_log_of_a_small_study_has_a_line_per_trial():
    console, out = _log()
    board = Board(console, SimpleNamespace(n_trials=lambda: 6), {})
    for i in range(6):
        board.event("start", f"k{i}")
        board.event("done", f"k{i}", {"dataset": "meld", "value": 0.5, "test_wf1": 0.5, "health": "ok"})
    assert [line.split("]")[0] for line in out.getvalue().splitlines()] == [f"[{i}/6" for i in range(1, 7)]


# ---- a bounded number of tracking-store queries, whatever the number of runs -------------------------------------


def _study(directory, n: int, result: dict) -> str:
    """A study directory of `n` finished runs (two conditions, n/2 seeds each), written by the real Tracker from one
    trained result (the queries are counted, not the numbers), with the study.json `study run` writes."""
    from mlflow.tracking import MlflowClient

    from cmathlab.study import tracking
    from cmathlab.study.spec import load_spec, taken_defaults
    from cmathlab.study.state import write_state
    from cmathlab.study.trial import RESULT_KEY

    os.makedirs(directory)
    spec_path = os.path.join(directory, "spec.toml")
    with open(spec_path, "w") as handle:
        handle.write(f'name = "s"\ndatasets = ["iemocap"]\nseeds = {n // 2}\nepochs = 1\n[fixed]\nmodel = "mlp"\n')
        handle.write("[grid]\ndim = [8, 12]\n")
    spec = load_spec(spec_path, synthetic=True)
    uri = f"sqlite:///{directory}/mlflow.db"
    client = MlflowClient(uri)
    experiment = client.create_experiment("s", artifact_location=pathlib.Path(directory, "artifacts").as_uri())
    parent = client.create_run(experiment, tags={"cmathlab.kind": "study"}).info.run_id
    write_state(
        directory,
        {
            "version": 1,
            "name": "s",
            "spec": spec.to_dict(),
            "tracking_uri": uri,
            "experiment_id": experiment,
            "parent_run_id": parent,
            "git_commit": "test",
            "created": "2026-12-07T00:00:00",
            "n_trials": spec.n_trials(),
            "data_sha256": {},
            "defaults": taken_defaults(spec),
        },
    )
    tracker = tracking.Tracker(client, experiment, parent, "valid_wf1", {"cmathlab.study": "s"}, {})
    common = {"part": "s", "unit": "s", "metric": "valid_wf1", "search": False, "axes": ["dim"], "fixed": {}}
    for seed in spec.parts[0].seeds:
        for dim in (8, 12):
            params = {**common, "fixed": spec.parts[0].fixed, "dataset": "iemocap", "seed": seed, "dim": dim}
            trial = SimpleNamespace(trial_id=f"t{seed}-{dim}", config=params, path=None)
            tracker.on_trial_start(0, [], trial)
            for record in result["history"]:
                tracker.on_trial_result(0, [], trial, dict(record))
            tracker.on_trial_result(0, [], trial, {RESULT_KEY: json.dumps(result)})
            tracker.on_trial_complete(0, [], trial)
    return directory


def _queries(work) -> int:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return len(seen)


def test_status_export_and_report_read_the_store_in_as_many_queries_for_200_runs_as_for_20(tmp_path, tiny_corpus):
    from cmathlab.config import Config
    from cmathlab.report import build_report
    from cmathlab.study.status import export_runs, study_status
    from cmathlab.train import fit

    trained = fit(Config.for_dataset("iemocap", model="mlp", dim=8, epochs=1), tiny_corpus)
    result = {**trained.to_dict(), "threads": 1, "resumed_from_epoch": 0}
    counts = {}
    for n in (20, 200):
        directory = _study(str(tmp_path / f"s{n}"), n, result)
        quiet = Console(file=io.StringIO())
        counts[n] = (
            _queries(lambda: study_status(directory, quiet)),
            _queries(lambda: export_runs(directory)),
            _queries(lambda: build_report([directory], str(tmp_path / f"report-{n}"), formats=("csv",))),
        )
        assert len(export_runs(directory)) == n
    assert counts[200] == counts[20], counts  # no query per run: a per-run loop would add 180 and more
    assert max(counts[200]) < 50, counts  # 9 each when written
