"""Corpus -> padded tensors, built once per split and moved to the device once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from cmathlab.data.corpus import Corpus


@dataclass
class Batch:
    features: dict[str, torch.Tensor]  # modality -> (B, n, d_m), zero at padding
    speakers: torch.Tensor  # (B, n) long
    labels: torch.Tensor  # (B, n) long, -1 at padding
    mask: torch.Tensor  # (B, n) bool, True at real utterances


def feature_scalers(corpus: Corpus, indices: list[int], modalities: str) -> dict[str, StandardScaler]:
    """Per-modality z-scoring fitted on the utterances of the given dialogues only (the run's training
    split), so no statistic of validation or test reaches the model. A feature that never varies
    keeps scale 1 (scikit-learn's rule)."""
    return {
        m: StandardScaler().fit(np.concatenate([corpus.dialogues[i].features[m] for i in indices])) for m in modalities
    }


@dataclass
class PaddedSplit:
    """One split's dialogues padded to its longest dialogue; batches slice it on the device."""

    ids: list
    lengths: np.ndarray  # (D,) kept on the host so slicing needs no device sync
    data: Batch  # (D, L, ...)

    @classmethod
    def build(
        cls,
        corpus: Corpus,
        indices: list[int],
        modalities: str,
        device: torch.device,
        scalers: dict[str, StandardScaler] | None = None,
    ) -> PaddedSplit:
        """Pads the dialogues; `scalers` (from `feature_scalers`) standardize real utterances, padding stays 0."""
        dialogues = [corpus.dialogues[i] for i in indices]
        lengths = np.array([len(d) for d in dialogues], dtype=np.int64)
        longest = int(lengths.max()) if len(lengths) else 1
        features = {m: np.zeros((len(dialogues), longest, corpus.dims[m]), dtype=np.float32) for m in modalities}
        speakers = np.zeros((len(dialogues), longest), dtype=np.int64)
        labels = np.full((len(dialogues), longest), -1, dtype=np.int64)
        for row, d in enumerate(dialogues):
            n = len(d)
            for m in modalities:
                features[m][row, :n] = d.features[m] if scalers is None else scalers[m].transform(d.features[m])
            speakers[row, :n] = d.speakers
            labels[row, :n] = d.labels
        labels_t = torch.from_numpy(labels).to(device)
        data = Batch(
            features={m: torch.from_numpy(x).to(device) for m, x in features.items()},
            speakers=torch.from_numpy(speakers).to(device),
            labels=labels_t,
            mask=labels_t >= 0,
        )
        return cls(ids=[d.id for d in dialogues], lengths=lengths, data=data)

    def __len__(self) -> int:
        return len(self.ids)

    def batch(self, rows: np.ndarray) -> Batch:
        """The given dialogues, trimmed to the longest among them."""
        n = int(self.lengths[rows].max())
        index = torch.as_tensor(rows, device=self.data.labels.device)
        d = self.data
        return Batch(
            features={m: x[index, :n] for m, x in d.features.items()},
            speakers=d.speakers[index, :n],
            labels=d.labels[index, :n],
            mask=d.mask[index, :n],
        )

    def stacked_batch(self, rows: list[np.ndarray]) -> Batch:
        """One batch per member of a fused group, stacked (K, B, n, ...), trimmed to the longest of all."""
        n = max(int(self.lengths[r].max()) for r in rows)
        index = torch.as_tensor(np.stack(rows), device=self.data.labels.device)  # (K, B)
        d = self.data
        return Batch(
            features={m: x[index, :n] for m, x in d.features.items()},
            speakers=d.speakers[index, :n],
            labels=d.labels[index, :n],
            mask=d.mask[index, :n],
        )

    def training_batches(self, rng: np.random.Generator, batch_size: int, bucket: int = 0) -> list[np.ndarray]:
        """One epoch's batches in a random order drawn from `rng`.

        `bucket` = k > 0 sorts each run of k * batch_size shuffled dialogues by length before cutting
        it into batches (then shuffles the batches), so a batch pads less; 0 is plain random batches."""
        order = rng.permutation(len(self))
        if not bucket:
            return list(self.batches(batch_size, order))
        batches = []
        for start in range(0, len(order), batch_size * bucket):
            chunk = order[start : start + batch_size * bucket]
            batches += self.batches(batch_size, chunk[np.argsort(self.lengths[chunk], kind="stable")])
        return [batches[i] for i in rng.permutation(len(batches))]

    def by_length(self) -> np.ndarray:
        """Dialogues shortest first: evaluation batches of similar lengths pad least."""
        return np.argsort(self.lengths, kind="stable")

    def batches(self, batch_size: int, order: np.ndarray | None = None):
        order = np.arange(len(self)) if order is None else order
        for start in range(0, len(order), batch_size):
            yield order[start : start + batch_size]
