"""Features made elsewhere: per utterance a `.npy` (one vector, or frames x features) or an OpenFace 2 CSV
(one row per video frame), pooled to one vector per utterance by openSMILE-style functionals.

This is the visual path (OpenFace's action units, gaze and head pose) and the path for any modality a
researcher extracts with their own tools (wav2vec 2.0, HuBERT, RoBERTa). Files are checked in two passes: every
file's header first (it exists, its kind, its number of features), then each file read in full (values finite,
an OpenFace CSV with a successful frame), so a bad row late in the CSV stops the run before anything is read."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cmathlab.errors import BadInput

# Each functional maps frames (n, F) to F values; a pooled vector is the blocks in the order asked for.
# The set follows openSMILE's functionals (IS09/IS10: mean, stddev, min/max, range, percentiles, linregc1).
FUNCTIONALS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean": lambda x: x.mean(axis=0),
    "std": lambda x: x.std(axis=0),  # population (ddof=0), as openSMILE's stddev
    "min": lambda x: x.min(axis=0),
    "max": lambda x: x.max(axis=0),
    "range": lambda x: x.max(axis=0) - x.min(axis=0),
    "median": lambda x: np.median(x, axis=0),
    "p10": lambda x: np.percentile(x, 10, axis=0),  # numpy's linear interpolation between frames
    "p90": lambda x: np.percentile(x, 90, axis=0),
    "slope": lambda x: _slope(x),  # least-squares slope per frame (openSMILE's linregc1); 0 for one frame
}
DEFAULT_POOL = "mean"
# OpenFace 2's per-frame bookkeeping (FeatureExtraction writes them first); every other column is a feature
OPENFACE_BOOKKEEPING = ("frame", "face_id", "timestamp", "confidence", "success")
COLUMNS = {"t": "text_features", "a": "audio_features", "v": "visual_features"}  # the CSV column per modality


def _slope(x: np.ndarray) -> np.ndarray:
    t = np.arange(len(x), dtype=np.float64) - (len(x) - 1) / 2
    denominator = float(t @ t)
    return (t @ (x - x.mean(axis=0))) / denominator if denominator else np.zeros(x.shape[1])


def parse_pool(text: str) -> tuple[str, ...]:
    """`mean+std+slope` to its functionals, each known and given once."""
    names = tuple(n.strip() for n in text.split("+"))
    unknown = [n for n in names if n not in FUNCTIONALS]
    if unknown or not names or len(set(names)) != len(names):
        raise BadInput(
            f"{text!r} is not functionals joined by + (each once) from {', '.join(FUNCTIONALS)}", field="--pool"
        )
    return names


def pool(frames: np.ndarray, functionals: tuple[str, ...]) -> np.ndarray:
    """One vector from frames (n, F): each functional's F values, in the order given."""
    x = np.asarray(frames, dtype=np.float64)
    return np.concatenate([FUNCTIONALS[f](x) for f in functionals]).astype(np.float32)


@dataclass
class Header:
    """What a file's first bytes say: its kind (npy or openface), frames or one vector, its feature count."""

    kind: str
    framed: bool
    width: int
    columns: tuple[str, ...] = ()  # an OpenFace CSV's columns, all of them
    keep: tuple[int, ...] = ()  # the feature columns among them
    success: int | None = None  # the column of OpenFace's success flag, if there is one


def read_header(path: str) -> Header:
    """The kind and width of `path` without reading it in full; OSError or ValueError say why not."""
    if path.lower().endswith(".npy"):
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read:
                raise ValueError(f"is a .npy of format {version}, not 1.0 or 2.0")
            shape, _, dtype = read[version](f)
        if dtype.kind not in "fiub" or len(shape) not in (1, 2) or 0 in shape:
            raise ValueError(f"holds a {dtype} array of shape {shape}, not numbers as one vector or frames x features")
        return Header("npy", len(shape) == 2, int(shape[-1]))
    if path.lower().endswith(".csv"):
        with open(path, encoding="utf-8") as f:
            first = f.readline()
        names = tuple(c.strip() for c in first.rstrip("\r\n").split(","))
        keep = tuple(i for i, c in enumerate(names) if c not in OPENFACE_BOOKKEEPING)
        if not first.strip() or not keep:
            raise ValueError("has no header of feature columns")
        return Header("openface", True, len(keep), names, keep, names.index("success") if "success" in names else None)
    raise ValueError("is neither a .npy nor an OpenFace .csv")


def read_frames(path: str, header: Header) -> np.ndarray:
    """The file's values as float64 (frames x features, or one vector); an OpenFace CSV without the frames
    whose `success` is 0. ValueError says what is wrong with them."""
    if header.kind == "npy":
        values = np.asarray(np.load(path, allow_pickle=False), dtype=np.float64)
    else:  # numpy's C parser: 5x pandas' on 700 columns (BENCHMARKS.md, "Your own features")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": said below
            values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype=np.float64, encoding="utf-8")
        if values.size == 0:
            raise ValueError("has no frames")
        if values.shape[1] != len(header.columns):
            raise ValueError(f"has {values.shape[1]} values a row, its header {len(header.columns)} columns")
        if header.success is not None:
            values = values[values[:, header.success] != 0]
            if not len(values):
                raise ValueError("has no frame with success = 1 (OpenFace found no face)")
        values = values[:, header.keep]
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)[0]
        position = f"frame {where[0]}, column {where[1]}" if values.ndim == 2 else f"position {where[0]}"
        raise ValueError(f"holds a NaN or infinity ({position})")
    return values


def encoder_name(kind: str, framed: bool, functionals: tuple[str, ...]) -> str:
    """What the feature file records: `npy` for vectors taken as they are, else `npy:mean+std`, `openface:mean`."""
    return f"{kind}:{'+'.join(functionals)}" if framed else kind


def check_files(paths: list[str], where: list[tuple[str, int]], field: str) -> Header:
    """Every file's header: present, readable, one kind, all frames or all single vectors, one width. Returns
    the modality's header; a bad one is one line naming the CSV row (`where`), the file and `field`."""
    first: Header | None = None
    for path, (source, line) in zip(paths, where):
        try:
            header = read_header(path)
        except OSError as err:
            raise BadInput(
                f"cannot read {path} ({err.strerror or err})", source=source, line=line, field=field
            ) from None
        except (ValueError, UnicodeDecodeError, SyntaxError) as err:
            raise BadInput(f"{path} {_reason(err)}", source=source, line=line, field=field) from None
        if first is None:
            first, first_at = header, (path, line)
            continue
        if (header.kind, header.framed) != (first.kind, first.framed):
            raise BadInput(
                f"{path} is {_describe(header)}, while {first_at[0]} (line {first_at[1]}) is "
                f"{_describe(first)}: one modality is one kind",
                source=source,
                line=line,
                field=field,
            )
        if header.width != first.width or (header.kind == "openface" and header.columns != first.columns):
            raise BadInput(
                f"{path} has {header.width} features where {first_at[0]} (line {first_at[1]}) has {first.width}",
                source=source,
                line=line,
                field=field,
            )
    return first


def _describe(header: Header) -> str:
    return (
        "an OpenFace CSV"
        if header.kind == "openface"
        else ("frames in a .npy" if header.framed else "one vector in a .npy")
    )


def _reason(err: Exception) -> str:
    text = str(err).splitlines()[0].split("; use `usecols`")[0][:200] if str(err) else type(err).__name__
    return text if text.startswith(("is ", "has ", "holds ")) else f"is not readable ({text})"


def load_precomputed(
    paths: list[str],
    where: list[tuple[str, int]],
    field: str,
    functionals: tuple[str, ...],
    cache,
    progress: Callable[[int, int], None],
    header: Header | None = None,
) -> tuple[str, np.ndarray]:
    """(the encoder's recorded name, one pooled row per path) for one modality's column. `cache` is a
    function from the recorded name and width to a `Cache` (vectors keyed by file content); `header` is
    check_files' answer when the caller already checked every file."""
    from cmathlab.data.corpus import file_sha256
    from cmathlab.features.encoders import _sha

    header = header or check_files(paths, where, field)  # every row, before any file is read in full
    recorded = encoder_name(header.kind, header.framed, functionals)
    store = cache(f"{recorded}|{header.width}")
    keys = []
    for path, (source, line) in zip(paths, where):
        try:
            keys.append(_sha(file_sha256(path)))
        except OSError as err:
            raise BadInput(f"cannot read {path} ({err.strerror})", source=source, line=line, field=field) from None
    todo = [i for i, key in enumerate(keys) if key not in store.vectors]
    progress(0, len(todo))
    for done, i in enumerate(todo, 1):
        path, (source, line) = paths[i], where[i]
        if keys[i] not in store.vectors:  # the same file twice is read once
            try:
                values = read_frames(path, header)
            except (ValueError, OSError, UnicodeDecodeError) as err:
                raise BadInput(f"{path} {_reason(err)}", source=source, line=line, field=field) from None
            if values.ndim == 2 and values.shape[1] != header.width:  # a ragged CSV row, a lying header
                raise BadInput(
                    f"{path} has {values.shape[1]} features, its header {header.width}",
                    source=source,
                    line=line,
                    field=field,
                )
            store.put(keys[i], pool(values, functionals) if header.framed else values.astype(np.float32))
        progress(done, len(todo))
    store.save()
    return recorded, np.stack([store.vectors[key] for key in keys])
