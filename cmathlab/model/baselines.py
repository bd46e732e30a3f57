"""Two floors any context model must beat, run like every model, so the overall table tests against real runs.

Both fuse early, as the paper's DialogueRNN and DialogueGCN rows do (Section 5.3): the
modalities' features are concatenated per utterance before anything else. Both train with the
cross-entropy of their one prediction through the same `fit`, the same seeds and the same split.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from cmathlab.data.tensors import Batch
from cmathlab.model.protocol import Model, Output

if TYPE_CHECKING:  # a model reads a run's Config, never imports it
    from cmathlab.config import Config


class EarlyFusion(nn.Module):
    """The concatenated modalities of each utterance, projected to d."""

    def __init__(self, cfg: Config, dims: dict[str, int]):
        super().__init__()
        self.modalities = cfg.modalities
        self.project = nn.Sequential(
            nn.Linear(sum(dims[m] for m in cfg.modalities), cfg.dim), nn.ReLU(), nn.Dropout(cfg.dropout)
        )

    def forward(self, batch: Batch) -> torch.Tensor:
        u = torch.cat([batch.features[m] for m in self.modalities], -1)  # (B, n, sum d_m)
        return self.project(u)  # (B, n, d)


class Baseline(Model):
    """Trained with the cross-entropy of its one prediction (`Model.loss_terms`)."""

    def output(self, h: torch.Tensor) -> Output:
        return Output(logits=self.classify(h), embedding=h)


class UtteranceMLP(Baseline):
    """`mlp`: each utterance alone, no context and no speaker: the floor any context model must beat."""

    name, title = "mlp", "MLP (early fusion, no context)"

    def __init__(self, cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        self.fuse = EarlyFusion(cfg, dims)
        self.hidden = nn.Sequential(nn.Linear(cfg.dim, cfg.dim), nn.ReLU(), nn.Dropout(cfg.dropout))
        self.classify = nn.Linear(cfg.dim, n_classes)

    def forward(self, batch: Batch, noise=None) -> Output:
        return self.output(self.hidden(self.fuse(batch)))


class DialogueGRU(Baseline):
    """`bigru`: a bidirectional GRU over the dialogue (bc-LSTM style), d/2 units each way."""

    name, title = "bigru", "BiGRU (early fusion, dialogue)"

    def __init__(self, cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        self.fuse = EarlyFusion(cfg, dims)
        self.gru = nn.GRU(cfg.dim, cfg.dim // 2, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(cfg.dropout)
        self.classify = nn.Linear(2 * (cfg.dim // 2), n_classes)

    def forward(self, batch: Batch, noise=None) -> Output:
        u = self.fuse(batch)
        lengths = batch.mask.sum(1).cpu()  # packing keeps padding out of both directions
        packed = pack_padded_sequence(u, lengths, batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True, total_length=u.shape[1])
        return self.output(self.drop(h))
