"""Dialogues as researchers get them, read into one table of utterances, checked row by row.

Two layouts: a folder of MELD's CSVs (`train_sent_emo.csv`, `dev_sent_emo.csv`, `test_sent_emo.csv`), with
MELD's labels or any other set (EmoryNLP is passed around in this layout), and one generic CSV, one row per
utterance:

    dialogue,turn,speaker,text,label,split[,audio][,text_features][,audio_features][,visual_features]

`split` is train, dev or test (dev becomes the official validation split); `turn` numbers the utterances
of a dialogue from 0 without gaps; `audio` is a WAV path and `*_features` a `.npy` or an OpenFace 2 CSV per
utterance (features/precomputed.py), relative to the CSV. MELD's folder takes the `*_features` columns from a
side file keyed by split, Dialogue_ID and Utterance_ID. Every bad row is one line naming the file, the line
and the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from cmathlab.data.corpus import LABELS
from cmathlab.errors import BadInput

MELD_FILES = {"train": "train_sent_emo.csv", "dev": "dev_sent_emo.csv", "test": "test_sent_emo.csv"}
MELD_COLUMNS = {
    "dialogue": "Dialogue_ID",
    "turn": "Utterance_ID",
    "speaker": "Speaker",
    "text": "Utterance",
    "label": "Emotion",
}
GENERIC_COLUMNS = {name: name for name in ("dialogue", "turn", "speaker", "text", "label", "split")}
SPLITS = ("train", "dev", "test")
MEDIA = ("audio", "video", "text_features", "audio_features", "visual_features")  # paths, relative to their CSV
SIDE_KEYS = ("split", "Dialogue_ID", "Utterance_ID")  # a MELD folder's side file of precomputed features


@dataclass
class Utterances:
    """Every utterance, one row each (columns dialogue, turn, speaker, text, label, split, the MEDIA columns
    present, file, line; side_file and side_line where a side file named its media), in dialogue order; dialogue
    ids unique across splits; and the label names in label order."""

    dataset: str
    rows: pd.DataFrame
    label_names: tuple[str, ...]
    sources: list[str]


def read_meld(folder: str, dataset: str | None = None, labels: list[str] | None = None) -> Utterances:
    """MELD's three CSVs in `folder`. Dialogue ids follow MMGCN's numbering: train's own, then dev's and
    test's shifted past the split before (so files made here line up with the MMGCN MELD pickles). The labels
    are MELD's unless `dataset` names another set: then `labels`' order, else sorted."""
    frames, offset = [], 0
    for split, name in MELD_FILES.items():
        path = os.path.join(folder, name)
        frame = _read_csv(path, MELD_COLUMNS)
        frame["split"] = split
        frame = _checked(frame, path, MELD_COLUMNS)
        frame["split_dialogue"] = frame["dialogue"]  # the id in its own split's file, as a side file names it
        frame["dialogue"] = frame["dialogue"] + offset
        offset = int(frame["dialogue"].max()) + 1
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    dataset = dataset or "meld"
    names = tuple(labels) if labels else (LABELS.get(dataset) or tuple(sorted(set(rows["label"]))))
    hint = ": a folder with another label set needs --dataset NAME" if dataset == "meld" and not labels else ""
    return Utterances(
        dataset,
        rows,
        _label_names(rows, names, "Emotion", hint),
        [os.path.join(folder, f) for f in MELD_FILES.values()],
    )


def join_side_file(utterances: Utterances, path: str) -> Utterances:
    """The `*_features` columns of a MELD folder's side file (split, Dialogue_ID, Utterance_ID, then one path
    column per modality, relative to the side file) joined onto its utterances by key."""
    columns = ("text_features", "audio_features", "visual_features")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such file", source=path, field="--precomputed") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise BadInput(f"not a readable UTF-8 CSV ({str(err).splitlines()[0]})", source=path) from None
    for column in SIDE_KEYS:
        if column not in frame.columns:
            raise BadInput(
                f"missing column (a side file has {', '.join(SIDE_KEYS)} and any of {', '.join(columns)})",
                source=path,
                field=column,
            )
    given = [c for c in columns if c in frame.columns]
    if not given:
        raise BadInput(f"names no features (columns {', '.join(columns)})", source=path)
    frame["line"] = range(2, len(frame) + 2)
    bad = ~frame["split"].isin(SPLITS)
    if bad.any():
        row = frame[bad].iloc[0]
        raise BadInput(
            f"{row['split']!r} is not one of {', '.join(SPLITS)}", source=path, line=row["line"], field="split"
        )
    for column in SIDE_KEYS[1:]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0) | (numbers < 0)
        if bad.any():
            row = frame[bad].iloc[0]
            raise BadInput(
                f"{row[column]!r} is not a non-negative integer", source=path, line=row["line"], field=column
            )
        frame[column] = numbers.astype(int)
    keys = list(zip(frame["split"], frame["Dialogue_ID"], frame["Utterance_ID"]))
    repeated = frame[pd.Series(keys).duplicated().to_numpy()]
    if len(repeated):
        row = repeated.iloc[0]
        raise BadInput(
            f"repeats {row['split']} dialogue {row['Dialogue_ID']} utterance {row['Utterance_ID']}",
            source=path,
            line=row["line"],
            field="Utterance_ID",
        )
    rows = utterances.rows
    known = set(zip(rows["split"], rows["split_dialogue"], rows["turn"]))
    unknown = [i for i, key in enumerate(keys) if key not in known]
    if unknown:
        row = frame.iloc[unknown[0]]
        raise BadInput(
            f"{row['split']} has no dialogue {row['Dialogue_ID']} utterance {row['Utterance_ID']} in MELD's CSVs",
            source=path,
            line=row["line"],
            field="Utterance_ID",
        )
    base = os.path.dirname(os.path.abspath(path))
    index = {key: i for i, key in enumerate(keys)}
    at = [index.get(key) for key in zip(rows["split"], rows["split_dialogue"], rows["turn"])]
    rows = rows.copy()
    for column in given:
        values = frame[column].tolist()
        rows[column] = [os.path.join(base, values[i]) if i is not None and values[i] else None for i in at]
    rows["side_file"] = path
    rows["side_line"] = [int(frame["line"].iloc[i]) if i is not None else None for i in at]
    return Utterances(utterances.dataset, rows, utterances.label_names, [*utterances.sources, path])


def read_generic(path: str, dataset: str, labels: list[str] | None = None) -> Utterances:
    """The generic CSV; label names in `labels`' order, else sorted (the order labels are numbered in)."""
    frame = _checked(_read_csv(path, GENERIC_COLUMNS, MEDIA), path, GENERIC_COLUMNS)
    names = tuple(labels) if labels else (LABELS.get(dataset) or tuple(sorted(set(frame["label"]))))
    base = os.path.dirname(os.path.abspath(path))
    for media in MEDIA:
        if media in frame:
            frame[media] = [os.path.join(base, p) if isinstance(p, str) and p else None for p in frame[media]]
    return Utterances(dataset, frame, _label_names(frame, names, "label"), [path])


def _read_csv(path: str, columns: dict, media: tuple[str, ...] = ()) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such file", source=path) from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise BadInput(f"not a readable UTF-8 CSV ({str(err).splitlines()[0]})", source=path) from None
    for column in columns.values():
        if column not in frame.columns:
            raise BadInput(f"missing column (the file has {', '.join(frame.columns)})", source=path, field=column)
    if media:  # a column that names a modality but no column read here would be dropped silently: refused
        _no_near_miss(frame, path, [*columns.values()], list(media))
    keep = {source: role for role, source in columns.items()}
    out = frame.rename(columns=keep)[[*keep.values(), *(m for m in media if m in frame.columns)]]
    out["file"], out["line"] = path, range(2, len(frame) + 2)  # line 1 is the header
    return out


MODALITY_WORDS = ("text", "audio", "acoustic", "visual", "vision", "video", "feature")


def _no_near_miss(frame: pd.DataFrame, path: str, columns: list[str], media: list[str]) -> None:
    """Refuse a column whose name speaks of a modality (`visual`, `text_feats`) but is none of those read here."""
    import difflib

    for column in frame.columns:
        if column not in columns + media and any(word in column.lower() for word in MODALITY_WORDS):
            close = difflib.get_close_matches(column, media, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]}? " if close else ""
            raise BadInput(
                f"names a modality but is not a column cmathlab reads ({hint}the media columns: {', '.join(media)})",
                source=path,
                field=column,
            )


def _checked(frame: pd.DataFrame, path: str, columns: dict) -> pd.DataFrame:
    """Types and rules of every row: integer dialogue and turn, turns 0..n-1 once each, non-empty text."""
    numbered = ("dialogue", "turn") if columns is MELD_COLUMNS else ("turn",)  # a generic dialogue id is any text
    if "dialogue" not in numbered and (frame["dialogue"].str.strip() == "").any():
        raise BadInput(
            "the dialogue id is empty",
            source=path,
            line=frame[frame["dialogue"].str.strip() == ""].iloc[0]["line"],
            field=columns["dialogue"],
        )
    for role in numbered:
        numbers = pd.to_numeric(frame[role], errors="coerce")
        bad = numbers.isna() | (numbers % 1 != 0) | (numbers < 0)
        if bad.any():
            row = frame[bad].iloc[0]
            raise BadInput(
                f"{row[role]!r} is not a non-negative integer", source=path, line=row["line"], field=columns[role]
            )
        frame[role] = numbers.astype(int)
    empty = frame["text"].str.strip() == ""
    if empty.any():
        raise BadInput("the utterance is empty", source=path, line=frame[empty].iloc[0]["line"], field=columns["text"])
    bad_split = ~frame["split"].isin(SPLITS)
    if bad_split.any():
        row = frame[bad_split].iloc[0]
        raise BadInput(
            f"{row['split']!r} is not one of {', '.join(SPLITS)}",
            source=path,
            line=row["line"],
            field=columns.get("split", "split"),
        )
    split_of = frame.groupby("dialogue")["split"].nunique()
    if (split_of > 1).any():
        dialogue = split_of[split_of > 1].index[0]
        row = frame[frame["dialogue"] == dialogue].iloc[0]
        raise BadInput(
            f"dialogue {dialogue} is in more than one split",
            source=path,
            line=row["line"],
            field=columns.get("split", "split"),
        )
    for dialogue, group in frame.groupby("dialogue", sort=False):
        turns = group["turn"].tolist()
        repeated = group[group["turn"].duplicated()]
        if len(repeated):
            raise BadInput(
                f"dialogue {dialogue} repeats turn {repeated.iloc[0]['turn']}",
                source=path,
                line=repeated.iloc[0]["line"],
                field=columns["turn"],
            )
        missing = sorted(set(range(len(turns))) - set(turns))
        if missing:
            raise BadInput(
                f"dialogue {dialogue} has no turn {missing[0]} (turns must run 0..{len(turns) - 1})",
                source=path,
                line=group.iloc[0]["line"],
                field=columns["turn"],
            )
    first = frame.groupby("dialogue", sort=False)["line"].transform("min")  # dialogues in the file's order
    return (
        frame.assign(_first=first)
        .sort_values(["_first", "turn"], kind="stable")
        .drop(columns="_first")
        .reset_index(drop=True)
    )


def _label_names(rows: pd.DataFrame, names: tuple[str, ...], column: str, hint: str = "") -> tuple[str, ...]:
    """`names`, after checking every label is one of them and none is seen only in test."""
    unknown = rows[~rows["label"].isin(names)]
    if len(unknown):
        row = unknown.iloc[0]
        raise BadInput(
            f"{row['label']!r} is not one of the labels {', '.join(names)}{hint}",
            source=row["file"],
            line=row["line"],
            field=column,
        )
    trained = set(rows.loc[rows["split"] != "test", "label"])
    only_test = rows[(rows["split"] == "test") & ~rows["label"].isin(trained)]
    if len(only_test):
        row = only_test.iloc[0]
        raise BadInput(
            f"label {row['label']!r} appears only in test: no model can learn it",
            source=row["file"],
            line=row["line"],
            field=column,
        )
    return names
