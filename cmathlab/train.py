"""`fit(config, corpus) -> RunResult`: the project's only training loop.

It knows nothing of Ray, Optuna or MLflow; they call it. Model selection uses validation
weighted F1 only: the reported test numbers are those of the best validation epoch.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from cmathlab.config import Config
from cmathlab.data.corpus import Corpus
from cmathlab.data.tensors import PaddedSplit
from cmathlab.errors import BadInput
from cmathlab.model import build_model


class Diverged(RuntimeError):
    """The loss became NaN or infinite; the run cannot go on."""


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


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise BadInput("CUDA is not available on this machine", field="device")
    return torch.device(name)


def fit(config: Config, corpus: Corpus, on_epoch: Callable[[dict], None] | None = None) -> RunResult:
    """Train `config` on `corpus`; `on_epoch` receives each epoch's record as it is made."""
    missing = set(config.modalities) - set(corpus.modalities)
    if missing:
        raise BadInput(f"asks for modalities {config.modalities!r}, the corpus has {corpus.modalities!r}",
                       source=corpus.source, field="modalities")
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    order_rng = np.random.default_rng(config.seed)
    split = corpus.split(config.val_fraction, config.split_seed, config.official_valid)
    if not split["valid"]:
        raise BadInput("no validation dialogues", source=corpus.source)
    data = {name: PaddedSplit.build(corpus, split[name], config.modalities, device) for name in split}
    model = build_model(config, corpus.dims, corpus.n_speakers, len(corpus.label_names)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)

    history, best, best_wf1, stale = [], None, -math.inf, 0
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        model.train()
        sums: dict[str, torch.Tensor] = {}
        batches = 0
        for rows in data["train"].batches(config.batch_size, order_rng.permutation(len(data["train"]))):
            batch = data["train"].batch(rows)
            terms = model.loss_terms(model(batch), batch)
            optimizer.zero_grad(set_to_none=True)
            terms["total"].backward()
            if config.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            for k, v in terms.items():  # summed on the device: one host sync per epoch
                sums[k] = sums.get(k, 0) + v.detach()
            batches += 1
        losses = {f"loss_{k}": float(v) / batches for k, v in sums.items()}
        if not math.isfinite(losses["loss_total"]):
            raise Diverged(f"loss is {losses['loss_total']} at epoch {epoch}")
        valid = evaluate(model, data["valid"], config.batch_size)
        test = evaluate(model, data["test"], config.batch_size, config.keep_embeddings)
        record = {"epoch": epoch, **losses,
                  "valid_acc": valid.acc, "valid_wf1": valid.wf1, "test_acc": test.acc, "test_wf1": test.wf1,
                  "seconds": time.perf_counter() - started}
        history.append(record)
        if valid.wf1 > best_wf1:
            best_wf1, best, stale = valid.wf1, (epoch, valid, test), 0
        else:
            stale += 1
        if on_epoch is not None:
            on_epoch(record)
        if config.patience and stale >= config.patience and epoch >= config.min_epochs:
            break

    best_epoch, valid, test = best
    names = list(corpus.label_names)
    labels = np.concatenate(test.labels)
    preds = np.concatenate(test.preds)
    bayes = None
    if corpus.generator is not None:
        bayes = {f"{name}_{k}": v for name in ("valid", "test")
                 for k, v in corpus.generator.bayes(corpus, split[name], config.modalities).items()}
    return RunResult(
        config=config.to_dict(),
        data={"source": corpus.source, "sha256": corpus.sha256, "dataset": corpus.dataset,
              **{f"{k}_dialogues": len(v) for k, v in split.items()},
              **{f"{k}_utterances": int(data[k].lengths.sum()) for k in split}},
        label_names=names,
        history=history,
        best_epoch=best_epoch,
        valid={"acc": valid.acc, "wf1": valid.wf1},
        test={"acc": test.acc, "wf1": test.wf1,
              "per_class_f1": dict(zip(names, map(float, f1_score(
                  labels, preds, labels=range(len(names)), average=None, zero_division=0)))),
              "confusion": confusion_matrix(labels, preds, labels=range(len(names))).tolist()},
        predictions={i: {"length": len(y), "pred": p.tolist(), "label": y.tolist()}
                     for i, p, y in zip(data["test"].ids, test.preds, test.labels)},
        bayes=bayes,
        seconds_per_epoch=float(np.mean([r["seconds"] for r in history])),
        device=str(device),
        embeddings=test.embeddings,
    )


@dataclass
class Evaluation:
    acc: float
    wf1: float
    preds: list[np.ndarray]  # per dialogue, real utterances only
    labels: list[np.ndarray]
    embeddings: np.ndarray | None


@torch.no_grad()
def evaluate(model: torch.nn.Module, split: PaddedSplit, batch_size: int, embeddings: bool = False) -> Evaluation:
    """Predictions from Y-hat_x over real utterances; scikit-learn's ACC and weighted F1."""
    model.eval()
    preds, embs = [], []
    for rows in split.batches(batch_size):
        batch = split.batch(rows)
        out = model(batch)
        preds.append(out.logits.argmax(-1).cpu().numpy())
        if embeddings:
            embs.append(out.embedding[batch.mask].cpu().numpy())
    per_dialogue_pred, per_dialogue_label = [], []
    labels = split.data.labels.cpu().numpy()
    for rows, p in zip(split.batches(batch_size), preds):
        for row, pr in zip(rows, p):
            n = split.lengths[row]
            per_dialogue_pred.append(pr[:n])
            per_dialogue_label.append(labels[row, :n])
    y, p = np.concatenate(per_dialogue_label), np.concatenate(per_dialogue_pred)
    return Evaluation(acc=float(accuracy_score(y, p)), wf1=float(f1_score(y, p, average="weighted")),
                      preds=per_dialogue_pred, labels=per_dialogue_label,
                      embeddings=np.concatenate(embs) if embeddings else None)
