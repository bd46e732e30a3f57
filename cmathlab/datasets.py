"""The paper's datasets as data: one entry each holds everything cmathlab knows of a dataset.

Its label names in label order, the paper's training settings for it (Section 5.3), how Section 5.8 groups
its test conversations by length, its display name, the paper's table that compares baselines on it, and
the shape of its synthetic look-alike (`synthetic:NAME`). The published numbers of that table sit in
`cmathlab/report/published.toml` under the same name. Any other dataset (a feature file's own name, from
`cmathlab features`) goes by its name, reads its labels from the file, and trains with MELD's settings.

Adding a dataset is one entry in `DATASETS` (and, if the paper publishes numbers on it, its rows in
published.toml); corpus, config, synthetic data and report all read this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """The real data set's shape (FORMATS.md), which the synthetic corpus copies."""

    dataset: str
    n_train: int
    n_test: int
    length_min: int
    length_max: int
    length_mean: float
    length_shape: float  # gamma shape of dialogue lengths: lower is more spread
    speakers_max: int  # speakers per dialogue, 1..max (slots by first appearance)
    class_counts: tuple[int, ...]
    dims: dict
    audio_only_pairs: tuple[tuple[int, int], ...]  # told apart by audio alone
    stickiness: float  # P(next emotion = this one) beyond the prior
    noise: dict  # latent noise sd per modality


@dataclass(frozen=True)
class Dataset:
    name: str  # how specs, flags and records name it
    title: str  # how reports name it
    labels: tuple[str, ...]  # in label order (the files' integer labels index these)
    settings: Mapping  # Section 5.3: the paper's lr, batch size and d for it (its gammas: CMATH's own fields)
    length_buckets: tuple  # Section 5.8: test conversations by number of utterances, (low, high or None)
    table: int | None  # the paper's table comparing baselines on it
    synthetic: Shape | None = None  # its synthetic look-alike's shape


DATASETS = {
    d.name: d
    for d in (
        Dataset(
            "iemocap",
            "IEMOCAP",
            ("happy", "sad", "neutral", "angry", "excited", "frustrated"),
            {"lr": 3e-3, "batch_size": 16, "dim": 500},
            ((1, 39), (40, 69), (70, None)),
            table=2,
            synthetic=Shape(
                "iemocap",
                120,
                31,
                8,
                110,
                49.0,
                4.0,
                2,
                (504, 839, 1324, 933, 742, 1468),
                {"t": 1024, "a": 1582, "v": 342},
                audio_only_pairs=((0, 4), (3, 5)),  # happy/excited, angry/frustrated
                stickiness=0.7,
                noise={"t": 2.0, "a": 3.8, "v": 4.6},
            ),
        ),
        Dataset(
            "meld",
            "MELD",
            ("neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"),
            {"lr": 2e-4, "batch_size": 4, "dim": 400},
            ((1, 9), (10, 20), (21, None)),
            table=3,
            synthetic=Shape(
                "meld",
                1152,
                280,
                1,
                33,
                9.6,
                1.5,
                9,
                (5180, 1355, 308, 794, 1906, 293, 1262),
                {"t": 1024, "a": 300, "v": 342},
                audio_only_pairs=((1, 4), (5, 6)),  # surprise/joy, disgust/anger
                stickiness=0.4,
                noise={"t": 2.0, "a": 3.6, "v": 4.4},
            ),
        ),
    )
}
# Any other dataset trains with MELD's settings: the paper's choice for short multi-party dialogues of
# sentence-level text; not tuned on any other corpus.
OTHER_SETTINGS = DATASETS["meld"].settings


def settings(name: str) -> dict:
    """The paper's Section 5.3 settings for dataset `name` (MELD's for a dataset the paper has not)."""
    return dict(DATASETS[name].settings if name in DATASETS else OTHER_SETTINGS)


def title(name: str) -> str:
    """How a report names dataset `name`: the paper's spelling, or a feature file's own name."""
    return DATASETS[name].title if name in DATASETS else name
