"""Readers for the feature pickles ERC researchers already have (../shared/FORMATS.md).

Each layout is a tuple; its length and contents tell which one it is. Every reader ends in
the same `_build`, so a file is checked the same way whatever its layout.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from cmathlab.data.corpus import MODALITY_NAMES, Corpus, Dialogue, file_sha256
from cmathlab.data.safe_pickle import load_pickle
from cmathlab.errors import BadInput

# field names per layout, in tuple order; None marks an item the reader ignores
MMGCN = (
    "videoIDs",
    "videoSpeakers",
    "videoLabels",
    "videoText",
    "videoAudio",
    "videoVisual",
    "videoSentence",
    "trainVid",
    "testVid",
)
SDT = (
    "videoIDs",
    "videoSpeakers",
    "videoLabels",
    "videoText",
    "roberta2",
    "roberta3",
    "roberta4",
    "videoAudio",
    "videoVisual",
    "videoSentence",
    "trainVid",
    "testVid",
)
COSMIC_IEMOCAP = (
    "speakers",
    "labels",
    "roberta1",
    "roberta2",
    "roberta3",
    "roberta4",
    "sentences",
    "trainIds",
    "testIds",
    "validIds",
)
COSMIC_MELD = (
    "speakers",
    "labels",
    "sentiment_labels",
    "roberta1",
    "roberta2",
    "roberta3",
    "roberta4",
    "sentences",
    "trainIds",
    "testIds",
    "validIds",
)

# where each layout keeps what the Corpus needs
_ROLES = {
    "mmgcn": {
        "speakers": "videoSpeakers",
        "labels": "videoLabels",
        "sentences": "videoSentence",
        "train": "trainVid",
        "test": "testVid",
        "features": {"t": "videoText", "a": "videoAudio", "v": "videoVisual"},
    },
    "sdt": {
        "speakers": "videoSpeakers",
        "labels": "videoLabels",
        "sentences": "videoSentence",
        "train": "trainVid",
        "test": "testVid",
        "features": {"t": "videoText", "a": "videoAudio", "v": "videoVisual"},
    },
    "cosmic": {
        "speakers": "speakers",
        "labels": "labels",
        "sentences": "sentences",
        "train": "trainIds",
        "test": "testIds",
        "valid": "validIds",
        "features": {"t": "roberta1"},
    },
}


FEATURES_KEY = "cmathlab_features"  # the dict layout `cmathlab features` writes (its version is the value)


def features_layout(path: str, items: dict) -> tuple[str, dict, dict]:
    """(dataset, fields, roles) of a `cmathlab features` file: it names its dataset, labels and encoders."""
    required = ("dataset", "label_names", "encoders", "speakers", "labels", "train", "valid", "test", "features")
    for key in required:
        if key not in items:
            raise BadInput("missing from a cmathlab features file", source=path, field=key)
    features = items["features"]
    if not isinstance(features, Mapping) or not features or set(features) - set(MODALITY_NAMES.values()):
        raise BadInput(
            f"must map some of {', '.join(MODALITY_NAMES.values())} to features", source=path, field="features"
        )
    fields = {**{k: items[k] for k in required if k != "features"}, "sentences": items.get("sentences", {}), **features}
    roles = {
        "speakers": "speakers",
        "labels": "labels",
        "sentences": "sentences",
        "train": "train",
        "test": "test",
        "valid": "valid",
        "features": {m: name for m, name in MODALITY_NAMES.items() if name in features},
    }
    return str(items["dataset"]), fields, roles


def detect_layout(items: object, path: str) -> tuple[str, str, dict]:
    """Return (layout, dataset, fields by name) for an unpickled feature file."""
    if not isinstance(items, tuple | list):
        raise BadInput(f"unknown layout: expected a tuple, got {type(items).__name__}", source=path)
    n = len(items)
    if n == 10:  # MMGCN MELD or COSMIC IEMOCAP: COSMIC's second item is per-utterance int labels
        cosmic = _looks_like_labels(items[1])
        layout, dataset, names = ("cosmic", "iemocap", COSMIC_IEMOCAP) if cosmic else ("mmgcn", "meld", MMGCN)
    else:
        known = {
            9: ("mmgcn", "iemocap", MMGCN),
            12: ("sdt", "iemocap", SDT),
            13: ("sdt", "meld", SDT),
            11: ("cosmic", "meld", COSMIC_MELD),
        }
        if n not in known:
            raise BadInput(
                f"unknown layout: a {n}-tuple is none of MMGCN (9/10), SDT (12/13), COSMIC (10/11)", source=path
            )
        layout, dataset, names = known[n]
    return layout, dataset, dict(zip(names, items))


def _looks_like_labels(field: object) -> bool:
    if not isinstance(field, Mapping) or not field:
        return False
    first = next(iter(field.values()))
    seq = list(first) if not isinstance(first, str) else []
    return bool(seq) and all(isinstance(x, int | np.integer) for x in seq)


def read_corpus(path: str, join: str | None = None) -> Corpus:
    """Read a feature file of any known layout; `join` adds the audio/visual of a second file."""
    items = load_pickle(path)
    if isinstance(items, Mapping) and FEATURES_KEY in items:
        dataset, fields, roles = features_layout(path, items)
        corpus = _build(
            path,
            roles,
            dataset,
            fields,
            label_names=tuple(map(str, items["label_names"])),
            encoders=dict(items["encoders"]),
        )
    else:
        layout, dataset, fields = detect_layout(items, path)
        corpus = _build(path, _ROLES[layout], dataset, fields)
    if join is None:
        return corpus
    other = read_corpus(join)
    return _join(corpus, other, join)


def _mapping(fields: dict, name: str, path: str) -> Mapping:
    value = fields[name]
    if not isinstance(value, Mapping):
        raise BadInput(f"expected a dict keyed by dialogue id, got {type(value).__name__}", source=path, field=name)
    return value


def _ids(fields: dict, name: str, path: str) -> list:
    value = fields[name]
    if isinstance(value, Mapping | str) or not hasattr(value, "__iter__"):
        raise BadInput("expected a collection of dialogue ids", source=path, field=name)
    return list(value)


def _build(
    path: str, roles: dict, dataset: str, fields: dict, label_names: tuple | None = None, encoders: dict | None = None
) -> Corpus:
    train_ids = _ids(fields, roles["train"], path)
    test_ids = _ids(fields, roles["test"], path)
    valid_ids = _ids(fields, roles["valid"], path) if "valid" in roles else []
    for name, ids in ((roles["train"], train_ids), (roles["test"], test_ids)):
        if len(set(ids)) != len(ids):
            raise BadInput("lists a dialogue twice", source=path, field=name)
    overlap = (set(train_ids) | set(valid_ids)) & set(test_ids)
    if overlap:
        raise BadInput(
            f"in both training and test ids ({len(overlap)} dialogues)",
            source=path,
            dialogue=sorted(overlap, key=str)[0],
            field=roles["test"],
        )
    speakers = _mapping(fields, roles["speakers"], path)
    labels = _mapping(fields, roles["labels"], path)
    sentences = _mapping(fields, roles["sentences"], path) if roles["sentences"] in fields else {}
    features = {m: _mapping(fields, name, path) for m, name in roles["features"].items()}
    slots, n_speakers = _speaker_slots(speakers, path, roles["speakers"])

    dialogues = []
    splits = [(i, "train") for i in dict.fromkeys(train_ids + valid_ids)] + [(i, "test") for i in test_ids]
    for vid, split in splits:

        def get(mapping, name, _vid=vid):
            if _vid not in mapping:
                raise BadInput("missing", source=path, dialogue=_vid, field=name)
            return mapping[_vid]

        feats = {m: _matrix(get(features[m], roles["features"][m]), path, vid, roles["features"][m]) for m in features}
        utterance_labels = _labels(get(labels, roles["labels"]), path, vid, roles["labels"])
        get(speakers, roles["speakers"])
        text = sentences.get(vid)
        dialogues.append(
            Dialogue(
                id=vid,
                features=feats,
                speakers=slots[vid],
                labels=utterance_labels,
                split=split,
                sentences=tuple(map(str, text)) if text is not None and len(text) == len(utterance_labels) else None,
            )
        )
    return Corpus(
        dataset=dataset,
        dialogues=dialogues,
        source=path,
        sha256=file_sha256(path),
        n_speakers=n_speakers,
        official_valid=frozenset(valid_ids),
        named_labels=label_names,
        encoders=encoders or {},
    )


def _matrix(value, path, vid, name) -> np.ndarray:
    try:
        x = np.asarray([np.asarray(row, dtype=np.float32).reshape(-1) for row in value], dtype=np.float32)
    except (ValueError, TypeError):
        raise BadInput("feature vectors are not numbers of one length", source=path, dialogue=vid, field=name) from None
    return x.reshape(len(x), -1)


def _labels(value, path, vid, name) -> np.ndarray:
    y = np.asarray(value)
    if y.ndim != 1 or (y.size and not np.issubdtype(y.dtype, np.number)):
        raise BadInput("labels are not a list of integers", source=path, dialogue=vid, field=name)
    if y.size and not np.all(np.mod(y, 1) == 0):
        raise BadInput("labels are not integers", source=path, dialogue=vid, field=name)
    return y.astype(np.int64)


def _speaker_slots(speakers: Mapping, path: str, name: str) -> tuple[dict, int]:
    """Speaker strings ('M'/'F') or one-hot lists become integer slots, one scheme per file."""
    values = {vid: list(v) for vid, v in speakers.items()}
    flat = [s for v in values.values() for s in v]
    if flat and all(isinstance(s, str) for s in flat):
        vocab = {s: i for i, s in enumerate(sorted(set(flat)))}
        return {vid: np.array([vocab[s] for s in v], dtype=np.int64) for vid, v in values.items()}, len(vocab)
    width = 0
    slots = {}
    for vid, v in values.items():
        try:
            onehot = np.asarray(v, dtype=np.float64)
        except (ValueError, TypeError):
            raise BadInput(
                "speakers are neither strings nor one-hot lists", source=path, dialogue=vid, field=name
            ) from None
        if onehot.ndim == 1 and onehot.size and np.all(np.mod(onehot, 1) == 0):  # integer slots
            slots[vid] = onehot.astype(np.int64)
            width = max(width, int(onehot.max()) + 1)
        elif onehot.ndim == 2:
            slots[vid] = onehot.argmax(axis=1).astype(np.int64)
            width = max(width, onehot.shape[1])
        elif onehot.size == 0:
            slots[vid] = np.zeros(0, dtype=np.int64)
        else:
            raise BadInput("speakers are neither strings nor one-hot lists", source=path, dialogue=vid, field=name)
    return slots, max(width, 1)


def _join(text: Corpus, av: Corpus, av_path: str) -> Corpus:
    """Text features of one file with the audio/visual of another, matched by dialogue id."""
    by_id = {d.id: d for d in av.dialogues}
    joined = []
    for d in text.dialogues:
        other = by_id.get(d.id)
        if other is None:
            raise BadInput("missing from the joined file", source=av_path, dialogue=d.id)
        if len(other) != len(d):
            raise BadInput(
                f"{len(other)} utterances, the text file has {len(d)}",
                source=av_path,
                dialogue=d.id,
                field="videoLabels",
            )
        if not np.array_equal(other.labels, d.labels):
            raise BadInput("labels differ from the text file's", source=av_path, dialogue=d.id, field="videoLabels")
        feats = {m: x for m, x in other.features.items() if m != "t"} | {"t": d.features["t"]}
        joined.append(
            Dialogue(
                id=d.id, features=feats, speakers=d.speakers, labels=d.labels, split=d.split, sentences=d.sentences
            )
        )
    return Corpus(
        dataset=text.dataset,
        dialogues=joined,
        source=f"{text.source}+{av_path}",
        sha256=f"{text.sha256}+{av.sha256}",
        n_speakers=text.n_speakers,
        official_valid=text.official_valid,
        named_labels=text.named_labels,
        encoders={**av.encoders, **({"t": text.encoders["t"]} if "t" in text.encoders else {})},
    )
