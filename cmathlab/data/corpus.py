"""The one in-memory form of a data set: dialogues with per-modality features, validated once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from cmathlab.datasets import DATASETS
from cmathlab.errors import BadInput

MODALITIES = ("t", "a", "v")
MODALITY_NAMES = {"t": "text", "a": "audio", "v": "visual"}

LABELS = {name: d.labels for name, d in DATASETS.items()}  # the paper's datasets' label names, in label order


@dataclass(frozen=True)
class Dialogue:
    id: str | int
    features: dict[str, np.ndarray]  # modality -> (n, d_m) float32
    speakers: np.ndarray  # (n,) int64 speaker slot
    labels: np.ndarray  # (n,) int64
    split: str  # "train" or "test"; validation is drawn from "train" (see Corpus.split)
    sentences: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.labels)


SMALL_SPLIT = 10  # dialogues: a validation or test split smaller than this gets a warning


@dataclass
class Corpus:
    """Dialogues of one data set plus what is needed to read them: labels, dims, provenance."""

    dataset: str  # "iemocap" or "meld": picks the paper's defaults and label names
    dialogues: list[Dialogue]
    source: str  # a path, or "synthetic:NAME"
    sha256: str
    n_speakers: int
    official_valid: frozenset = frozenset()  # validation ids a file carries itself (COSMIC, `cmathlab features`)
    generator: object = None  # the synthetic generator, which knows the Bayes posterior
    named_labels: tuple[str, ...] | None = None  # label names in label order, when the file says (any dataset)
    encoders: dict = field(default_factory=dict)  # modality -> what made its features, when the file says
    dims: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.dims = _validate(self)

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(self.named_labels) if self.named_labels else LABELS[self.dataset]

    @property
    def modalities(self) -> str:
        return "".join(m for m in MODALITIES if m in self.dims)

    def constant_modalities(self) -> str:
        """Modalities whose features are one vector in every utterance (an all-zero block: absent data)."""
        out = ""
        for m in self.modalities:
            first = self.dialogues[0].features[m][0]
            if all((d.features[m] == first).all() for d in self.dialogues):
                out += m
        return out

    def ids(self, split: str) -> list:
        return [d.id for d in self.dialogues if d.split == split]

    def small_splits(self, val_fraction: float, seed: int, official: bool = False) -> str:
        """A warning when validation or test has fewer than SMALL_SPLIT dialogues ("" when neither has)."""
        sizes = {k: len(v) for k, v in self.split(val_fraction, seed, official).items() if k != "train"}
        small = [f"{k} {n}" for k, n in sizes.items() if n < SMALL_SPLIT]
        return (
            (
                f"few dialogues to score on ({', '.join(small)}; fewer than {SMALL_SPLIT}): "
                "a W-F1 over so few means little"
            )
            if small
            else ""
        )

    def split(self, val_fraction: float, seed: int, official: bool = False) -> dict[str, list[int]]:
        """Indices of train/valid/test dialogues: a seeded random share of train is validation.

        This is the paper's protocol (Ma et al., 2022); `official` uses the ids a file carries.
        """
        train = [i for i, d in enumerate(self.dialogues) if d.split == "train"]
        test = [i for i, d in enumerate(self.dialogues) if d.split == "test"]
        if official:
            if not self.official_valid:
                raise BadInput("this file carries no validation ids; drop --official-valid", source=self.source)
            valid = [i for i in train if self.dialogues[i].id in self.official_valid]
        else:
            n_valid = int(round(val_fraction * len(train)))
            if len(train) > 1:
                n_valid = min(max(n_valid, 1), len(train) - 1)
            picked = np.random.default_rng(seed).permutation(len(train))[:n_valid]
            valid = sorted(train[i] for i in picked)
        in_valid = set(valid)
        return {"train": [i for i in train if i not in in_valid], "valid": valid, "test": test}


def _validate(corpus: Corpus) -> dict[str, int]:
    """Check every dialogue once; return the feature dimension of each modality."""
    if corpus.dataset not in LABELS and not corpus.named_labels:
        raise BadInput(f"unknown dataset {corpus.dataset!r} and the file names no labels", source=corpus.source)
    if corpus.named_labels and corpus.dataset in LABELS and tuple(corpus.named_labels) != LABELS[corpus.dataset]:
        raise BadInput(
            f"labels {list(corpus.named_labels)} are not {corpus.dataset}'s {list(LABELS[corpus.dataset])}",
            source=corpus.source,
        )
    if not corpus.dialogues:
        raise BadInput("no dialogues", source=corpus.source)
    n_classes = len(corpus.label_names)
    dims: dict[str, int] = {}
    seen: set = set()
    for d in corpus.dialogues:

        def bad(message, field=None, _d=d):
            return BadInput(message, source=corpus.source, dialogue=_d.id, field=field)

        if d.id in seen:
            raise bad("appears twice")
        seen.add(d.id)
        if d.split not in ("train", "test"):
            raise bad(f"split {d.split!r} is not train or test")
        n = len(d.labels)
        if n == 0:
            raise bad("has no utterances", "labels")
        if not d.features:
            raise bad("has no features")
        for m, x in d.features.items():
            if m not in MODALITIES:
                raise bad(f"unknown modality {m!r}")
            if x.ndim != 2 or x.shape[0] != n:
                raise bad(f"{x.shape[0] if x.ndim else 0} feature rows for {n} labels", MODALITY_NAMES[m])
            if dims.setdefault(m, x.shape[1]) != x.shape[1]:
                raise bad(f"dimension {x.shape[1]}, other dialogues have {dims[m]}", MODALITY_NAMES[m])
            if not np.isfinite(x).all():
                raise bad("has a NaN or infinite value", MODALITY_NAMES[m])
        if set(d.features) != set(dims):
            raise bad(f"has modalities {sorted(d.features)}, others have {sorted(dims)}")
        if len(d.speakers) != n:
            raise bad(f"{len(d.speakers)} speakers for {n} labels", "speakers")
        if d.labels.min() < 0 or d.labels.max() >= n_classes:
            raise bad(f"label out of range 0..{n_classes - 1}", "labels")
        if d.speakers.min() < 0 or d.speakers.max() >= corpus.n_speakers:
            raise bad(f"speaker slot out of range 0..{corpus.n_speakers - 1}", "speakers")
    if not any(d.split == "train" for d in corpus.dialogues):
        raise BadInput("no training dialogues", source=corpus.source)
    if not any(d.split == "test" for d in corpus.dialogues):
        raise BadInput("no test dialogues", source=corpus.source)
    return {m: dims[m] for m in MODALITIES if m in dims}


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def describe(corpus: Corpus) -> dict:
    """The paper's Table 1 row for a corpus, plus dims and class counts per split."""
    row: dict = {
        "source": corpus.source,
        "dataset": corpus.dataset,
        "classes": len(corpus.label_names),
        "encoders": dict(corpus.encoders),
        "dims": dict(corpus.dims),
        "speakers": corpus.n_speakers,
    }
    for split in ("train", "test"):
        lengths = [len(d) for d in corpus.dialogues if d.split == split]
        labels = np.concatenate([d.labels for d in corpus.dialogues if d.split == split])
        counts = np.bincount(labels, minlength=len(corpus.label_names))
        row[split] = {
            "dialogues": len(lengths),
            "utterances": int(sum(lengths)),
            "per_dialogue": float(np.mean(lengths)),
            "min_len": int(min(lengths)),
            "max_len": int(max(lengths)),
            "class_counts": dict(zip(corpus.label_names, map(int, counts))),
        }
    if corpus.official_valid:
        row["official_valid"] = len(corpus.official_valid)
    row["constant"] = corpus.constant_modalities()
    return row
