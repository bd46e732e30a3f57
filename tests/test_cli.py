import json
import os
import subprocess
import sys

import pytest
from conftest import DIMS, layout_tuple, tiny_fields, write_pickle

from cmathlab.cli import main

TINY = ["--scale", "0.06", "--dim", "16", "--epochs", "2"]


def test_train_writes_result_json_with_the_paper_numbers(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                "synthetic:iemocap",
                *TINY,
                "--variant",
                "w/o HLD",
                "--modalities",
                "ta",
                "--gamma1",
                "1.2",
                "--seed",
                "3",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads((out / "result.json").read_text())
    assert {"acc", "wf1", "per_class_f1"} <= set(result["test"])
    assert result["best_epoch"] in (1, 2)
    assert result["config"]["variant"] == "w/o HLD" and result["config"]["modalities"] == "ta"
    assert result["config"]["cmath.gamma1"] == 1.2 and result["config"]["seed"] == 3  # --gamma1: CMATH's own field
    assert 0 < result["bayes"]["test_acc"] <= 1
    printed = capsys.readouterr().out
    assert "Bayes limit" in printed and "epoch 2/2" in printed  # piped: a line per epoch


def test_meld_defaults_come_from_the_paper(tmp_path):
    out = tmp_path / "meld"
    assert (
        main(
            ["train", "--data", "synthetic:meld", "--scale", "0.01", "--dim", "16", "--epochs", "1", "--out", str(out)]
        )
        == 0
    )
    config = json.loads((out / "result.json").read_text())["config"]
    assert (config["lr"], config["batch_size"], config["cmath.gamma2"]) == (2e-4, 4, 1.2)


def _fails(argv, capsys, match):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("cmathlab: error: ")
    assert match in err, err
    return err


def _bad_file(tmp_path, edit):
    fields = tiny_fields("iemocap", DIMS["iemocap"])
    vid = fields["train"][1]
    edit(fields, vid)
    return write_pickle(tmp_path / "bad.pkl", layout_tuple("mmgcn", "iemocap", fields)), vid


@pytest.mark.parametrize(
    "edit,match",
    [
        (lambda f, v: f["labels"].pop(v), "field videoLabels: missing"),
        (lambda f, v: f["a"][v].pop(), "field audio:"),
        (lambda f, v: f["v"][v][0].__setitem__(1, float("nan")), "field visual: has a NaN"),
        (lambda f, v: f["labels"][v].__setitem__(0, 9), "field labels: label out of range"),
        (lambda f, v: f["test"].append(v), "field testVid: in both training and test"),
    ],
)
def test_bad_files_exit_2_with_one_line_naming_file_dialogue_field(tmp_path, capsys, edit, match):
    path, vid = _bad_file(tmp_path, edit)
    out = tmp_path / "never"
    err = _fails(["train", "--data", path, "--out", str(out)], capsys, match)
    assert path in err and f"dialogue {vid}" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv,match",
    [
        (["train", "--data", "synthetic:iemocap", "--variant", "w/o XX"], "field variant"),
        (["train", "--data", "synthetic:iemocap", "--modalities", "tq"], "field modalities"),
        (["train", "--data", "synthetic:nope"], "unknown synthetic corpus"),
        (["train", "--data", "/no/such/file.pkl"], "cannot read file"),
        (["train"], "--data"),
        (["train", "--data", "synthetic:iemocap", "--dim", "ten"], "invalid int value"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, match):
    _fails(argv, capsys, match)


def test_refused_pickle_exits_2_and_runs_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch PWNED",))

    path = write_pickle(tmp_path / "evil.pkl", (Evil(),) * 9)
    _fails(["data", "info", path], capsys, "refused to load")
    assert not (tmp_path / "PWNED").exists()


def test_existing_result_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "result.json").write_text('{"precious": 1}')
    _fails(["train", "--data", "synthetic:iemocap", *TINY, "--out", str(out)], capsys, "already holds")
    assert json.loads((out / "result.json").read_text()) == {"precious": 1}


def test_data_info_prints_table_1_row(tmp_path, capsys, write_layout):
    assert main(["data", "info", write_layout("sdt", "meld")]) == 0
    text = capsys.readouterr().out
    assert "train+val" in text and "neutral" in text and "t 60, a 30, v 20" in text
    assert main(["data", "info", "synthetic:iemocap"]) == 0
    text = capsys.readouterr().out
    assert "120" in text and "31" in text and "t 1024, a 1582, v 342" in text


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "cmathlab", "train", "--data", str(tmp_path / "x.pkl")], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
