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

from cmathlab.data.corpus import LABELS
from cmathlab.data.readers import FEATURES_KEY
from cmathlab.errors import BadInput
from cmathlab.features.dialogues import Utterances, read_generic, read_meld
from cmathlab.features.encoders import DEFAULT_AUDIO, DEFAULT_TEXT, encode_audio, encode_texts

__all__ = ["DEFAULT_AUDIO", "DEFAULT_TEXT", "extract", "read_dialogues"]


def read_dialogues(source: str, dataset: str | None = None, labels: list[str] | None = None) -> Utterances:
    """A folder holding MELD's three CSVs, or a generic CSV (which needs `dataset`)."""
    if os.path.isdir(source):
        if dataset not in (None, "meld"):
            raise BadInput(f"a folder is read as MELD's CSVs, not as {dataset!r}", source=source, field="--dataset")
        missing = [f for f in ("train_sent_emo.csv", "dev_sent_emo.csv", "test_sent_emo.csv")
                   if not os.path.exists(os.path.join(source, f))]
        if missing:
            raise BadInput(f"is not MELD's CSV folder (no {', '.join(missing)})", source=source)
        return read_meld(source)
    if dataset is None:
        raise BadInput("a generic CSV needs --dataset NAME (the dataset its labels belong to)", source=source,
                       field="--dataset")
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", dataset):
        raise BadInput(f"{dataset!r} is not a dataset name (lower-case letters, digits, - and _)", field="--dataset")
    if labels and dataset in LABELS and tuple(labels) != LABELS[dataset]:
        raise BadInput(f"{dataset}'s labels are {', '.join(LABELS[dataset])}, in that order", field="--labels")
    if labels and (len(set(labels)) != len(labels) or not all(labels)):
        raise BadInput(f"{','.join(labels)!r} has an empty or repeated label", field="--labels")
    return read_generic(source, dataset, labels)


def extract(utterances: Utterances, out: str, text_encoder: str = DEFAULT_TEXT, audio_features: str = DEFAULT_AUDIO,
            device: str = "cpu", cache_dir: str | None = None, batch_size: int = 64, ascii_only: bool = False,
            progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Encode every utterance and write the feature file `out` atomically; returns a summary. `ascii_only`
    drops non-ASCII characters before encoding, as the text of the MMGCN-style MELD pickles was."""
    progress = progress or (lambda *_: None)
    rows = utterances.rows
    encoders, vectors = {}, {}
    texts = [t.encode("ascii", "ignore").decode() if ascii_only else t for t in rows["text"]]
    encoders["t"], vectors["t"] = encode_texts(texts, text_encoder, device, cache_dir, batch_size,
                                               lambda done, total: progress("text", done, total))
    if ascii_only:
        encoders["t"] += " on ASCII-only text"
    if "audio" in rows and rows["audio"].notna().any():
        missing = rows[rows["audio"].isna()]
        if len(missing):
            row = missing.iloc[0]
            raise BadInput("no audio path, while other rows have one", source=row["file"], line=row["line"], field="audio")
        encoders["a"], vectors["a"] = encode_audio(rows["audio"].tolist(), audio_features, cache_dir,
                                                   list(zip(rows["file"], rows["line"])),
                                                   lambda done, total: progress("audio", done, total))
    if "video" in rows and rows["video"].notna().any():
        raise BadInput("visual features are not built yet: torchvision does not import beside this machine's "
                       "CPU torch (see README, features); drop the video column", source=rows["file"].iloc[0],
                       field="video")
    names = {"t": "text", "a": "audio"}
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
    record = {FEATURES_KEY: 1, "dataset": utterances.dataset, "label_names": list(utterances.label_names),
              "encoders": encoders, "sources": utterances.sources, **splits, **content}
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
    return {"dataset": utterances.dataset, "utterances": len(rows), **{k: len(v) for k, v in splits.items()},
            "encoders": encoders, "dims": {names[m]: int(v.shape[1]) for m, v in vectors.items()}}
