"""Issue 13: a command line a researcher can trust. Each test is one row of the issue's table (or one
item of its list): what used to lose work, substitute data or mislead, and what happens now."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import write_spec

from cmathlab.cli import build_parser, main
from cmathlab.config import Config, field
from cmathlab.study.spec import load_spec
from cmathlab.study.status import conditions, rerun_lines, state_word

TINY = ["--scale", "0.06", "--dim", "16", "--epochs", "2"]


def _fails(argv, capsys, match):
    assert main(argv) == 2
    err = capsys.readouterr()
    assert err.err.count("\n") == 1 and err.err.startswith("cmathlab: error: ") and "Traceback" not in err.err
    assert match in err.err, err.err
    return err


# ---- check before the work, never lose it ---------------------------------------------------------


def test_train_refuses_a_file_as_out_before_it_trains(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    err = _fails(
        ["train", "--data", "synthetic:iemocap", *TINY, "--out", str(afile)],
        capsys,
        "is a file; --out takes a directory",
    )
    assert "epoch" not in err.out and afile.read_text() == "mine"  # refused before the first epoch


def test_a_result_that_cannot_be_saved_where_asked_is_kept_and_its_place_said(tmp_path, capsys, monkeypatch):
    from cmathlab.result import RunResult

    out = tmp_path / "run"
    save = RunResult.save

    def full_disk(self, directory):  # --out passes the checks, then fails when written (a full disk, say)
        if directory == str(out):
            raise OSError(28, "No space left on device")
        return save(self, directory)

    monkeypatch.setattr(RunResult, "save", full_disk)
    assert main(["train", "--data", "synthetic:iemocap", *TINY, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert "No space left on device" in err and "the result is saved in " in err
    kept = err.rsplit("the result is saved in ", 1)[1]
    assert json.loads(open(kept).read())["config"]["dim"] == 16


def test_study_run_refuses_a_directory_that_holds_a_train_result(tmp_path, capsys):
    t1 = tmp_path / "t1"
    t1.mkdir()
    (t1 / "result.json").write_text("{}")
    spec = write_spec(
        tmp_path,
        'name = "s"\ndatasets = ["iemocap"]\nseeds = 1\n[data]\niemocap = "synthetic:iemocap"\n[grid]\nlr = [1e-3]\n',
    )
    _fails(["study", "run", spec, "--out", str(t1)], capsys, "holds other files (result.json)")
    assert os.listdir(t1) == ["result.json"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    _fails(["study", "run", spec, "--out", str(afile)], capsys, "is a file; --out takes a directory")


def test_report_checks_its_out_before_reading_any_run(tmp_path, capsys):
    study = tmp_path / "study"
    study.mkdir()  # a study whose store cannot be read: reading it first would fail differently
    (study / "study.json").write_text(
        json.dumps({"tracking_uri": "sqlite:////no/such/dir/mlflow.db", "experiment_id": "1", "parent_run_id": "x"})
    )
    others = tmp_path / "somefiles"
    others.mkdir()
    (others / "notes.txt").write_text("mine")
    _fails(["report", str(study), "--out", str(others)], capsys, "not a cmathlab report")
    assert os.listdir(others) == ["notes.txt"]


def test_a_dry_run_shows_the_trials_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(os.path.join(os.path.dirname(__file__), ".."))
    out = tmp_path / "never"
    assert (
        main(
            [
                "study",
                "run",
                "studies/dims.toml",
                "--synthetic",
                "--seeds",
                "2",
                "--set",
                "dropout=0.1",
                "--dry-run",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "24 trials" in printed and "dropout=0.1" in printed and "meld = synthetic:meld" in printed
    assert not out.exists()


# ---- no silent substitution -----------------------------------------------------------------------


def test_a_dataset_without_data_is_refused_not_run_on_synthetic_data(tmp_path, capsys):
    spec = write_spec(
        tmp_path,
        'name = "two"\ndatasets = ["iemocap", "meld"]\nseeds = 1\n'
        '[data]\niemocap = "synthetic:iemocap"\n[grid]\nlr = [1e-3]\n',
    )
    _fails(["study", "run", spec, "--out", str(tmp_path / "s")], capsys, "field data: no data for meld")
    assert not (tmp_path / "s").exists()
    assert load_spec(spec).data == {"iemocap": "synthetic:iemocap"}
    assert load_spec(spec, synthetic=True).data["meld"] == "synthetic:meld"  # asked for explicitly
    assert load_spec(spec, data={"meld": "/data/MELD.pkl"}).data["meld"] == "/data/MELD.pkl"


# ---- any config field from the command line -------------------------------------------------------


def test_any_field_can_be_set_from_the_command_line_and_typos_get_the_closest_field(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                "synthetic:iemocap",
                *TINY,
                "--dim",
                "33",
                "--set",
                "heads=3",
                "--set",
                "recipe=paper",
                "--set",
                "kernel_t=5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    config = json.loads((out / "result.json").read_text())["config"]
    assert (config["dim"], config["cmath.heads"], config["recipe"], config["cmath.kernel_t"]) == (33, 3, "paper", 5)
    assert config["cmath.context"] == "attention"  # the paper recipe sets CMATH's own fields too
    assert config["standardize"] is False  # the paper recipe's fields came with it
    capsys.readouterr()
    _fails(["train", "--data", "synthetic:iemocap", "--set", "dimm=3"], capsys, "did you mean 'dim'?")
    _fails(["train", "--data", "synthetic:iemocap", "--lr", "1e-3", "--set", "lr=2e-3"], capsys, "lr is given twice")
    _fails(
        ["train", "--data", "synthetic:iemocap", "--set", "heads=two"],
        capsys,
        "field cmath.heads: 'two' is not a positive integer",
    )
    _fails(
        ["train", "--data", "synthetic:iemocap", "--dim", "33"],
        capsys,
        "field cmath.heads: 4 is not a divisor of dim=33",
    )


def test_config_lists_every_field_with_its_default_per_dataset_allowed_values_and_reason(capsys):
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    for f in dataclasses.fields(Config):
        assert f.name in out
    listed = [line.split()[1] for line in out.splitlines() if line.startswith("│ ") and line.split()[1] != "│"]
    assert {f.name for f in dataclasses.fields(Config)} < set(listed) and "cmath.heads" in listed  # CMATH's own too
    assert all(field(name).reason for name in listed)
    assert main(["config", "lr", "dim", "schedule"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("lr" in line and "0.0003" in line and "0.0002" in line for line in lines)  # the cmathlab recipe
    assert main(["config", "lr", "--recipe", "paper"]) == 0
    assert any("lr" in line and "0.003 " in line for line in capsys.readouterr().out.splitlines())
    assert any("schedule" in line and "constant | cosine" in line for line in lines)
    _fails(["config", "dimm"], capsys, "did you mean 'dim'?")


def test_train_help_shows_the_defaults_per_dataset():
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    text = train.format_help()
    ours, paper = text.split("the paper's Section 5.3:\n")
    assert "iemocap  lr 0.0003, batch_size 4" in ours and "meld     lr 0.0002, batch_size 4" in ours
    assert "iemocap  lr 0.003, batch_size 16" in paper and "meld     lr 0.0002, batch_size 4" in paper
    # a field the cmathlab recipe sets for one dataset shows in every row
    assert ["cmath.detach_teacher False," in line for line in ours.splitlines() if line.startswith("  iemocap")] == [
        True
    ]
    assert all("cmath.detach_teacher True," in line for line in paper.splitlines() if line.startswith("  "))
    # and Section 5.3's per-dataset gammas, CMATH's own fields
    assert (
        "iemocap  lr 0.003, batch_size 16, dim 500, cmath.detach_teacher True, cmath.gamma1 1.0, cmath.gamma2 1.8"
        in paper
    )
    assert paper.count("cmath.gamma2 1.2") == 1 and ours.count("cmath.gamma2 1.2") == 1  # MELD's
    assert "--set FIELD=VALUE" in text and "cmathlab config" in text


def test_a_split_too_small_to_mean_anything_is_warned(tmp_path, capsys):
    assert main(["train", "--data", "synthetic:iemocap", *TINY, "--out", str(tmp_path / "r")]) == 0
    assert "few dialogues to score on (valid 1, test 2; fewer than 10)" in capsys.readouterr().out


# ---- the best condition, not the luckiest seed ----------------------------------------------------


def _run(part, seed, value, test=0.5, status="FINISHED", health="ok", **params):
    return SimpleNamespace(
        info=SimpleNamespace(status=status),
        data=SimpleNamespace(
            tags={
                "cmathlab.part": part,
                "dataset": "iemocap",
                "cmathlab.health": health,
                "cmathlab.trial_key": f"{part}/{seed}/{params}",
            },
            params={k: str(v) for k, v in {**params, "seed": seed}.items()},
            metrics={"valid/wf1": value, "test/wf1": test},
        ),
    )


def test_status_ranks_conditions_by_their_mean_over_seeds_not_by_the_luckiest_seed(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path, 'name = "lr"\ndatasets = ["iemocap"]\nseeds = 2\n[fixed]\ndim = 64\n[grid]\nlr = [1e-3, 3e-3]\n'
        )
    )
    (part,) = spec.parts
    runs = [
        _run("lr", 0, 0.70, lr=3e-3),
        _run("lr", 1, 0.40, lr=3e-3),  # one lucky seed, mean 0.55
        _run("lr", 0, 0.60, lr=1e-3),
        _run("lr", 1, 0.62, lr=1e-3),  # mean 0.61
        _run("lr", 2, 0.99, lr=3e-3, health="collapsed"),
    ]  # flagged: never counted
    ranked = conditions(part, "iemocap", runs, "valid_wf1")
    assert [c["values"] for c in ranked] == [{"lr": 1e-3}, {"lr": 3e-3}]
    assert ranked[0]["n"] == 2 and ranked[0]["mean"] == pytest.approx(0.61) and ranked[1]["n"] == 2
    train, block = rerun_lines(spec, part, "iemocap", ranked[0])
    assert "--set dim=64 --set lr=0.001" in train and "[fixed] dim = 64; lr = 0.001" in block


def test_a_search_best_is_named_by_its_parameters_not_a_trial_hash(tmp_path):
    spec = load_spec(
        write_spec(
            tmp_path,
            'name = "s"\ndatasets = ["iemocap"]\nseeds = 1\n[search]\nsamples = 3\n'
            "[search.space]\nlr = { loguniform = [1e-4, 1e-2] }\n"
            'recipe = { choice = ["paper", "cmathlab"] }\n',
        )
    )
    (part,) = spec.parts
    runs = [_run("s", 0, 0.5, lr=1e-3, recipe="paper"), _run("s", 0, 0.7, lr=4e-4, recipe="cmathlab")]
    best = conditions(part, "iemocap", runs, "valid_wf1")[0]
    assert best["values"] == {"lr": 4e-4, "recipe": "cmathlab"}
    assert "--set recipe=cmathlab" in rerun_lines(spec, part, "iemocap", best)[0]


def test_one_word_per_event_in_status_and_report(monkeypatch):
    assert state_word("KILLED", True, False) == "stopped early"  # ASHA's stop, in MLflow a KILLED run
    assert state_word("RUNNING", False, False) == "cut off" and state_word("RUNNING", False, True) == "running"
    from cmathlab.report import runs as runs_module
    from cmathlab.study import state

    params = {f"params.{k}": str(v) for k, v in Config.for_dataset("meld").to_dict().items()}
    raw = pd.DataFrame(
        [
            {
                "run_id": "a",
                "status": "FINISHED",
                "artifact_uri": "file:///x",
                **params,
                "start_time": pd.Timestamp("2026-11-24", tz="UTC"),
                "metrics.test/wf1": 0.5,
            },
            {
                "run_id": "b",
                "status": "KILLED",
                "artifact_uri": "file:///x",
                **params,
                "tags.cmathlab.stopped_by": "scheduler",
            },
        ]
    )
    monkeypatch.setattr(state, "read_state", lambda directory: {"tracking_uri": "sqlite:///x.db"})
    monkeypatch.setattr(runs_module, "_search", lambda st, directory: raw)
    notes = runs_module.load_runs(["study"]).notes
    assert any("(1 stopped early)" in note for note in notes) and not any("KILLED" in note for note in notes)


# ---- a real study from the command line: quiet, its data named, exported and listed ---------------


def test_a_study_from_the_shell_is_quiet_names_its_data_and_exports_lists_and_ranks(tmp_path):
    spec = write_spec(
        tmp_path,
        'name = "lr"\ndatasets = ["iemocap"]\nseeds = 2\nepochs = 3\nscale = 0.2\n'
        '[data]\niemocap = "synthetic:iemocap"\n[fixed]\ndim = 16\nmodel = "bigru"\n'
        "[grid]\nlr = [1e-3, 3e-3]\n",
    )  # the BiGRU: a few seconds, and no collapsed run
    study = tmp_path / "runs" / "lr"

    def cmathlab(*argv, **env):
        proc = subprocess.run(
            [sys.executable, "-m", "cmathlab", *argv],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "COLUMNS": "250", **env},
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout + proc.stderr

    # a Ray cluster killed uncleanly leaves its address behind; ray.init() would wait on it for ever
    ray_tmp = tempfile.mkdtemp(prefix="r", dir="/tmp")  # short: Ray's socket paths live under it
    os.makedirs(os.path.join(ray_tmp, "ray"))
    with open(os.path.join(ray_tmp, "ray", "ray_current_cluster"), "w") as f:
        f.write("127.0.0.1:9")  # nothing listens there
    try:
        printed = cmathlab(
            "study", "run", spec, "--out", str(study), TMPDIR=ray_tmp, RAY_TMPDIR=ray_tmp, RAY_ADDRESS=""
        )
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert "data iemocap: synthetic:iemocap (synthetic corpus)" in printed
    for banner in ("Token authentication", "Ray instance", "INFO ", "WARNING", "dashboard"):
        assert banner not in printed, printed  # Ray's logs go to the study folder, not the console
    status = cmathlab("study", "status", str(study))
    assert "best condition" in status and "(n=2)" in status and "data: iemocap" in status
    assert "--set model=bigru --set lr=0.00" in status  # the winner, ready to rerun
    cmathlab("study", "export", str(study))
    frame = pd.read_csv(study / "runs.csv")
    assert len(frame) == 4 and set(frame["state"]) == {"done"}
    assert {"run_id", "seed", "lr", "dim", "test/wf1", "valid/wf1", "health", "data_source"} <= set(frame.columns)
    assert sorted(zip(frame["lr"], frame["seed"])) == [(1e-3, 0), (1e-3, 1), (3e-3, 0), (3e-3, 1)]
    cmathlab("study", "export", str(study), "--format", "parquet", "--out", str(tmp_path / "runs.parquet"))
    assert pd.read_parquet(tmp_path / "runs.parquet")["run_id"].tolist() == frame["run_id"].tolist()
    listed = cmathlab("study", "list", str(tmp_path / "runs"))
    assert "lr" in listed and "finished" in listed and "synthetic:iemocap" in listed
    # issue 11: every number re-runnable: a tracked run retrained from its record matches it bit for bit
    rerun = cmathlab("rerun", frame["run_id"][0], "--study", str(study))
    assert "reproduced exactly" in rerun and "1 thread(s)" in rerun


def test_config_diff_paper_lists_every_field_whose_recipe_value_differs_and_only_those(capsys):
    from cmathlab.config import PAPER, Config

    assert main(["config", "--diff", "paper"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("│")[1].strip() for line in out.splitlines() if line.startswith("│")} - {""}
    paper = {d: Config.for_dataset(d, recipe="paper").to_dict() for d in PAPER}
    ours = {d: Config.for_dataset(d).to_dict() for d in PAPER}
    expected = {
        name for name in ours["meld"] if name != "recipe" and any(paper[d][name] != ours[d][name] for d in PAPER)
    }
    assert rows == expected and {"cmath.context", "lr", "ema_epochs", "grad_clip"} <= rows
    assert "0.003 → 0.0003" in out  # IEMOCAP's lr, paper → cmathlab
    assert main(["config", "--diff", "nosuch"]) == 2
