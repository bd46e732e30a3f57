"""A run's result: what `fit` returns and `train` writes as result.json."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class RunResult:
    config: dict
    data: dict  # source, hash, dataset, split sizes
    label_names: list[str]
    history: list[dict]  # one record per epoch: loss terms, valid and test ACC / W-F1, seconds
    best_epoch: int  # chosen by validation W-F1
    valid: dict  # acc, wf1 at the best epoch
    test: dict  # acc, wf1, per_class_f1, confusion at the best epoch
    predictions: dict  # test dialogue id -> {"length", "pred", "label"}
    bayes: dict | None  # synthetic corpora only: the Bayes-optimal decision on valid and test
    seconds_per_epoch: float
    device: str
    health: str = "ok"  # ok, collapsed (one class predicted) or diverged (a non-finite loss ended training)
    health_note: str = ""  # why, in one line
    embeddings: np.ndarray | None = field(default=None, repr=False)  # H'_x of test utterances

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("embeddings")
        out["predictions"] = {str(k): v for k, v in self.predictions.items()}
        return out

    def save(self, directory: str) -> str:
        """Write result.json (and embeddings.npy) atomically: never a half-written file."""
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, "result.json")
        tmp = path + ".tmp"
        with open(tmp, "w") as handle:
            json.dump(self.to_dict(), handle, indent=1)
        if self.embeddings is not None:
            np.save(os.path.join(directory, "embeddings.npy"), self.embeddings)
        os.replace(tmp, path)
        return path
