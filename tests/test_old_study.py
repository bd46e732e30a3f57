"""A study tracked before issue 44 (CMATH's own fields flat in `Config`, `heads = 2` in its spec) resumes,
reports and reruns with today's code, bit for bit (tests/data/study-before-issue-44, made at 73266d7)."""

import json
import os
import shutil
import sqlite3

import pytest
from mlflow.tracking import MlflowClient

from cmathlab.cli import main

OLD = os.path.join(os.path.dirname(__file__), "data", "study-before-issue-44")


def restored(tmp_path):
    """The committed study in a temporary folder: its store rebuilt from the dump, its paths pointed there."""
    study = tmp_path / "study"
    shutil.copytree(OLD, study)
    shutil.move(study / "spec.toml", tmp_path / "spec.toml")
    sql = (study / "mlflow.sql").read_text().replace("/tmp/old44/study", str(study))
    with sqlite3.connect(study / "mlflow.db") as db:
        db.executescript(sql)
    state = json.loads((study / "study.json").read_text())
    state["tracking_uri"] = f"sqlite:///{study}/mlflow.db"
    state["spec"]["path"] = str(tmp_path / "spec.toml")
    (study / "study.json").write_text(json.dumps(state))
    client = MlflowClient(state["tracking_uri"])
    runs = client.search_runs(
        [state["experiment_id"]], filter_string=f"tags.`mlflow.parentRunId` = '{state['parent_run_id']}'"
    )
    return study, state, client, {r.data.tags["cmathlab.trial_key"]: r for r in runs}


def test_an_old_study_reports_its_runs_as_they_ran(tmp_path):
    from cmathlab.report.runs import load_runs

    study, _, _, runs = restored(tmp_path)
    assert len(runs) == 4
    frame = load_runs([str(study)]).frame
    cmath = frame[frame.model == "cmath"]
    assert len(cmath) == 2
    for options in cmath.options:  # CMATH's flat params read as its own fields, at what the run had
        assert "heads=2" in options and "context=attention" in options, options
    assert main(["report", str(study), "--format", "md,csv"]) == 0
    assert (study / "report" / "report.md").exists()


def test_an_old_run_reruns_bit_for_bit(tmp_path, capsys):
    study, state, _, runs = restored(tmp_path)
    for key in ("before-issue-44/iemocap/seed=0/model=cmath", "before-issue-44/iemocap/seed=1/model=dialoguegcn"):
        assert main(["rerun", runs[key].info.run_id, "--study", str(study)]) == 0, key
        assert "reproduced exactly" in capsys.readouterr().out


@pytest.mark.usefixtures("ray_local")
def test_an_old_study_resumes_and_trains_its_missing_trial_as_it_would_have(tmp_path):
    study, state, client, runs = restored(tmp_path)
    key = "before-issue-44/iemocap/seed=1/model=cmath"
    before = runs[key].data.metrics
    client.delete_run(runs[key].info.run_id)  # as if the study had stopped before this trial
    assert main(["study", "resume", str(study)]) == 0
    again = {
        r.data.tags["cmathlab.trial_key"]: r
        for r in client.search_runs(
            [state["experiment_id"]], filter_string=f"tags.`mlflow.parentRunId` = '{state['parent_run_id']}'"
        )
    }
    assert len(again) == 4 and again[key].info.run_id != runs[key].info.run_id
    for metric in ("test/wf1", "test/acc", "valid/wf1"):
        assert again[key].data.metrics[metric] == before[metric], metric
