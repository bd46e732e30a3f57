"""`cmathlab features`: dialogues as researchers get them (MELD's CSVs or the generic CSV) to one feature
file that `train`, `study` and `report` read directly. The file names its dataset, its label names in
label order, the encoder of each modality and the official validation (dev) dialogues."""

from __future__ import annotations

import os
import pickle
import re
import tempfile
from collections.abc import Callable

import numpy as np

from cmathlab.data.corpus import LABELS, MODALITY_NAMES
from cmathlab.data.readers import FEATURES_KEY
from cmathlab.errors import BadInput
from cmathlab.features.dialogues import Utterances, join_side_file, read_generic, read_meld
from cmathlab.features.encoders import DEFAULT_AUDIO, DEFAULT_TEXT, Cache, encode_audio, encode_texts
from cmathlab.features.precomputed import COLUMNS, DEFAULT_POOL, check_files, load_precomputed, parse_pool

__all__ = ["DEFAULT_AUDIO", "DEFAULT_POOL", "DEFAULT_TEXT", "extract", "read_dialogues"]


def read_dialogues(
    source: str, dataset: str | None = None, labels: list[str] | None = None, precomputed: str | None = None
) -> Utterances:
    """A folder holding MELD's three CSVs (any label set; `precomputed` a side file naming per-utterance
    feature files), or a generic CSV (which needs `dataset`)."""
    folder = os.path.isdir(source)
    if dataset is None and not folder:
        raise BadInput(
            "a generic CSV needs --dataset NAME (the dataset its labels belong to)", source=source, field="--dataset"
        )
    name = dataset or "meld"  # a folder without --dataset is MELD, and its labels must be MELD's
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise BadInput(f"{name!r} is not a dataset name (lower-case letters, digits, - and _)", field="--dataset")
    if labels and name in LABELS and tuple(labels) != LABELS[name]:
        raise BadInput(
            f"{name}'s labels are {', '.join(LABELS[name])}, in that order"
            + ("; another label set needs --dataset NAME" if dataset is None else ""),
            field="--labels",
        )
    if labels and (len(set(labels)) != len(labels) or not all(labels)):
        raise BadInput(f"{','.join(labels)!r} has an empty or repeated label", field="--labels")
    if not folder:
        if precomputed:
            raise BadInput(
                "a generic CSV names its feature files in its own columns (text_features, "
                "audio_features, visual_features), not in a side file",
                field="--precomputed",
            )
        return read_generic(source, name, labels)
    missing = [
        f
        for f in ("train_sent_emo.csv", "dev_sent_emo.csv", "test_sent_emo.csv")
        if not os.path.exists(os.path.join(source, f))
    ]
    if missing:
        raise BadInput(f"is not MELD's CSV folder (no {', '.join(missing)})", source=source)
    utterances = read_meld(source, name, labels)
    return join_side_file(utterances, precomputed) if precomputed else utterances


def _media(rows, column: str) -> tuple[list[str], list[tuple[str, int]]]:
    """A media column's paths and, per row, the CSV row that named it; one line if some rows name none."""
    side = "side_file" in rows and column not in ("audio", "video")
    missing = rows[rows[column].isna()]
    if len(missing):
        row = missing.iloc[0]
        raise BadInput(
            f"no {column} path, while other rows have one", source=row["file"], line=row["line"], field=column
        )
    where = (
        list(zip(rows["side_file"], rows["side_line"].astype(int))) if side else list(zip(rows["file"], rows["line"]))
    )
    return rows[column].tolist(), where


def extract(
    utterances: Utterances,
    out: str,
    text_encoder: str = DEFAULT_TEXT,
    audio_features: str = DEFAULT_AUDIO,
    device: str = "cpu",
    cache_dir: str | None = None,
    batch_size: int = 64,
    ascii_only: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    pool: str = DEFAULT_POOL,
) -> dict:
    """Encode every utterance and write the feature file `out` atomically; returns a summary. `ascii_only`
    drops non-ASCII characters before encoding, as the text of the MMGCN-style MELD pickles was. A modality
    with a `*_features` column is read from its files and pooled by the functionals `pool` names."""
    progress = progress or (lambda *_: None)
    functionals = parse_pool(pool)
    rows = utterances.rows
    given = {c for c in rows.columns if c in ("audio", "video", *COLUMNS.values()) and rows[c].notna().any()}
    if "video" in given:
        raise BadInput(
            "a video column is not read (no ImageNet CNN here): name per utterance an OpenFace CSV or a "
            ".npy in a visual_features column (README, features)",
            source=rows["file"].iloc[0],
            field="video",
        )
    if {"audio", "audio_features"} <= given:
        raise BadInput(
            "both audio (WAVs) and audio_features: one source per modality",
            source=rows["file"].iloc[0],
            field="audio_features",
        )
    files = {m: _media(rows, c) for m, c in COLUMNS.items() if c in given}
    headers = {m: check_files(paths, where, COLUMNS[m]) for m, (paths, where) in files.items()}  # before reading
    wavs = _media(rows, "audio") if "audio" in given else None
    encoders, vectors = {}, {}
    for m, (paths, where) in files.items():  # your own files first: a bad one stops the run before any encoding
        name = MODALITY_NAMES[m]
        encoders[m], vectors[m] = load_precomputed(
            paths,
            where,
            COLUMNS[m],
            functionals,
            lambda recorded: Cache(cache_dir, recorded),
            lambda done, total, name=name: progress(name, done, total),
            header=headers[m],
        )
    if "t" not in files:
        texts = [t.encode("ascii", "ignore").decode() if ascii_only else t for t in rows["text"]]
        encoders["t"], vectors["t"] = encode_texts(
            texts, text_encoder, device, cache_dir, batch_size, lambda done, total: progress("text", done, total)
        )
        if ascii_only:
            encoders["t"] += " on ASCII-only text"
    if wavs:
        encoders["a"], vectors["a"] = encode_audio(
            wavs[0], audio_features, cache_dir, wavs[1], lambda done, total: progress("audio", done, total)
        )
    vectors = {m: vectors[m] for m in ("t", "a", "v") if m in vectors}
    encoders = {m: encoders[m] for m in vectors}
    names = MODALITY_NAMES
    content = {"speakers": {}, "labels": {}, "sentences": {}, "features": {names[m]: {} for m in vectors}}
    label_index = {name: i for i, name in enumerate(utterances.label_names)}
    splits = {"train": [], "valid": [], "test": []}
    for dialogue, group in rows.groupby("dialogue", sort=False):
        index = group.index.to_numpy()
        content["speakers"][dialogue] = group["speaker"].astype(str).tolist()
        content["labels"][dialogue] = [label_index[label] for label in group["label"]]
        content["sentences"][dialogue] = group["text"].tolist()
        for m, matrix in vectors.items():
            content["features"][names[m]][dialogue] = np.ascontiguousarray(matrix[index], dtype=np.float32)
        splits[{"train": "train", "dev": "valid", "test": "test"}[group["split"].iloc[0]]].append(dialogue)
    record = {
        FEATURES_KEY: 1,
        "dataset": utterances.dataset,
        "label_names": list(utterances.label_names),
        "encoders": encoders,
        "sources": utterances.sources,
        **splits,
        **content,
    }
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=".features-", dir=parent)
    try:
        with os.fdopen(handle, "wb") as f:
            pickle.dump(record, f, protocol=4)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise
    return {
        "dataset": utterances.dataset,
        "utterances": len(rows),
        **{k: len(v) for k, v in splits.items()},
        "encoders": encoders,
        "dims": {names[m]: int(v.shape[1]) for m, v in vectors.items()},
    }
