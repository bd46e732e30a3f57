"""`fit(config, corpus) -> RunResult`: the project's only training loop.

It knows nothing of Ray, Optuna or MLflow; they call it. Model selection uses validation
weighted F1 only: the reported test numbers are those of the best validation epoch. How the weights
step and are evaluated (one model, or a fused group as one stacked model) is `cmathlab.engine`'s;
the result and its file are `cmathlab.result`'s. Here: the checks, the epochs, early stopping, health.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import torch
from sklearn.metrics import confusion_matrix, f1_score

from cmathlab.config import Config
from cmathlab.data.corpus import Corpus
from cmathlab.data.tensors import Batch, PaddedSplit, feature_scalers
from cmathlab.engine import Evaluation, Solo, Stack, fusion_key
from cmathlab.errors import BadInput
from cmathlab.model import build_model
from cmathlab.result import RunResult

# a run whose predictions at the selected epoch put at least this share on one class has collapsed
# (unless the labels themselves are that concentrated)
COLLAPSE_SHARE = 0.95


class Diverged(RuntimeError):
    """The loss became NaN or infinite before any epoch finished: there is nothing to report."""


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise BadInput("CUDA is not available on this machine", field="device")
    return torch.device(name)


class Checkpoints(Protocol):
    """Where `fit` keeps a run's whole state every `every` epochs, and finds it again after its process died."""

    every: int  # epochs between checkpoints (0: none)

    def load(self) -> dict | None: ...

    def save(self, state: dict) -> None: ...


def fit(
    config: Config | Sequence[Config],
    corpus: Corpus,
    on_epoch: Callable[[dict], None] | None = None,
    checkpoints: Checkpoints | None = None,
) -> RunResult | list[RunResult]:
    """Train `config` on `corpus`; `on_epoch` receives each epoch's record as it is made.

    With `checkpoints`, the whole state (weights, optimizer, schedule, weight average, every random stream,
    each member's history and early stopping) is saved every `checkpoints.every` epochs, and a run that finds
    one continues after its epoch: on the CPU its numbers are then those of a run that was never stopped.
    The epochs before it are given to `on_epoch` again, so a caller that lost them has them all.

    Given a group of configs that `fusion_key` finds compatible, trains them as one stacked model
    (`torch.func.vmap` over their stacked weights) and returns one `RunResult` each. Every member
    keeps its own seed (initial weights, data order, eq. 17's noise), early stopping and best
    epoch; with dropout off, a member's numbers are its solo run's. Records then carry `member`.
    """
    group = [config] if isinstance(config, Config) else list(config)
    fused = not isinstance(config, Config)
    if not group:
        raise BadInput("an empty group of configs", field="config")
    key = fusion_key(group[0])
    for other in group[1:]:
        if fusion_key(other) != key:
            field_ = next(k for (k, a), (_, b) in zip(key, fusion_key(other)) if a != b)
            raise BadInput(f"a fused group must share every shape; members differ in {field_}", field=field_)
    if fused and not getattr(group[0].model_class, "fusable", False):
        raise BadInput(
            f"{group[0].model} does not train fused (its class sets no `fusable`); it runs one model at a time",
            field="model",
        )
    first = group[0]
    missing = set(first.modalities) - set(corpus.modalities)
    if missing:
        raise BadInput(
            f"asks for modalities {first.modalities!r}, the corpus has {corpus.modalities!r}",
            source=corpus.source,
            field="modalities",
        )
    constant = set(first.modalities) & set(corpus.constant_modalities())
    if constant and not first.allow_constant:
        names = ", ".join(sorted(constant, key="tav".index))
        raise BadInput(
            f"{'modality ' + names + ' is' if len(constant) == 1 else 'modalities ' + names + ' are'} "
            f"the same vector in every utterance (absent data); train on "
            f"--modalities {''.join(m for m in first.modalities if m not in constant) or '...'}, "
            "or pass --allow-constant (allow_constant = true)",
            source=corpus.source,
            field="modalities",
        )
    device = resolve_device(first.device)
    split = corpus.split(
        first.val_fraction, first.seed if first.split == "seed" else first.split_seed, first.official_valid
    )
    if not split["valid"]:
        raise BadInput("no validation dialogues", source=corpus.source)
    # statistics from the training dialogues only: validation and test are scaled by them, never seen
    scalers = feature_scalers(corpus, split["train"], first.modalities) if first.standardize else None
    data = {name: PaddedSplit.build(corpus, split[name], first.modalities, device, scalers) for name in split}
    members = [Member(cfg, corpus, device) for cfg in group]
    train = data["train"]
    check_output(members[0].model, first.model, train.batch(np.arange(min(2, len(train)))), len(corpus.label_names))
    steps = len(train.training_batches(np.random.default_rng(0), first.batch_size, first.bucket))
    engine = Stack(members, device, steps) if fused else Solo(members[0], steps)
    start = 1
    state = checkpoints.load() if checkpoints is not None else None
    if state is not None:
        start = restore(state, engine, members, device) + 1
        for k, m in enumerate(members):
            for record in m.history if on_epoch is not None else ():
                on_epoch({**record, "member": k} if fused else record)

    for epoch in range(start, first.epochs + 1):
        started = time.perf_counter()
        engine.train(epoch)
        epoch_batches = [train.training_batches(m.order_rng, first.batch_size, first.bucket) for m in members]
        sums: list[dict[str, torch.Tensor]] = [{} for _ in members]
        batches = 0
        for rows in zip(*epoch_batches):
            batch = train.batch(rows[0]) if not fused else train.stacked_batch(rows)
            noise = [m.noise(train, r) for m, r in zip(members, rows)]
            terms = engine.step(batch, noise)  # name -> (K,), summed on the device
            batches += 1
            finite = torch.isfinite(terms["total"]).tolist()  # every batch: a NaN stops its run at once
            for k, m in enumerate(members):
                if not finite[k] and not m.stopped:
                    m.diverge(epoch, batches, float(terms["total"][k].detach()))
                for name in (n for n in terms if n in m.terms):
                    sums[k][name] = sums[k].get(name, 0) + terms[name][k].detach()
            if all(m.stopped for m in members):
                break
        valid = engine.evaluate(data["valid"], first.batch_size)
        test = engine.evaluate(data["test"], first.batch_size, any(m.config.keep_embeddings for m in members))
        seconds = time.perf_counter() - started
        for k, m in enumerate(members):
            if m.stopped:
                continue  # its weights go on training with the group; its numbers are final
            losses = {f"loss_{name}": float(v) / batches for name, v in sums[k].items()}
            record = {
                "epoch": epoch,
                **losses,
                "valid_acc": valid[k].acc,
                "valid_wf1": valid[k].wf1,
                "test_acc": test[k].acc,
                "test_wf1": test[k].wf1,
                "seconds": seconds / len(members),
            }
            m.end_epoch(record, valid[k], test[k])
            if on_epoch is not None:
                on_epoch({**record, "member": k} if fused else record)
        if all(m.stopped for m in members):
            break
        if checkpoints is not None and checkpoints.every and epoch % checkpoints.every == 0 and epoch < first.epochs:
            checkpoints.save(snapshot(epoch, engine, members, device))

    results = [m.result(corpus, split, data, str(device)) for m in members]
    return results if fused else results[0]


def snapshot(epoch: int, engine, members: list[Member], device: torch.device) -> dict:
    """Everything a run needs to continue after `epoch` as if it had never stopped."""
    return {
        "epoch": epoch,
        "engine": engine.state(),
        "torch_rng": torch.get_rng_state(),  # dropout's masks come from the global stream
        "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
        "members": [
            {
                "order_rng": m.order_rng.bit_generator.state,
                "noise_rng": m.generator.get_state(),
                "history": m.history,
                "best": m.best,
                "best_wf1": m.best_wf1,
                "stale": m.stale,
                "stopped": m.stopped,
                "diverged": m.diverged,
            }
            for m in members
        ],
    }


def restore(state: dict, engine, members: list[Member], device: torch.device) -> int:
    """Put `snapshot`'s state back; the epoch it was taken after."""
    if len(state["members"]) != len(members):
        raise BadInput(
            f"a checkpoint of {len(state['members'])} runs for a group of {len(members)}", field="checkpoint"
        )
    engine.load_state(state["engine"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] is not None:
        torch.cuda.set_rng_state(state["cuda_rng"], device)
    for m, saved in zip(members, state["members"]):
        m.order_rng.bit_generator.state = saved["order_rng"]
        m.generator.set_state(saved["noise_rng"])
        m.history, m.best, m.best_wf1, m.stale = saved["history"], saved["best"], saved["best_wf1"], saved["stale"]
        m.stopped, m.diverged = saved["stopped"], saved["diverged"]
    return state["epoch"]


@torch.no_grad()
def check_output(model: torch.nn.Module, name: str, batch: Batch, n_classes: int) -> None:
    """A model outside cmathlab's registry gives what the protocol asks, on two real dialogues, before any
    training: an Output whose logits are (B, n, C) and whose embedding is (B, n, d). Evaluation mode
    draws no random numbers, so the check changes no run."""
    from cmathlab.model.registry import BUILTIN

    if name in BUILTIN:
        return
    was_training = model.training
    model.eval()
    try:
        out = model(batch)
    except Exception as err:  # noqa: BLE001 - the user's forward: one line, not their traceback
        raise BadInput(f"forward(batch) raised {type(err).__name__}: {err}", field="model", source=name) from None
    finally:
        model.train(was_training)
    shape = (*batch.labels.shape, n_classes)
    logits, embedding = getattr(out, "logits", None), getattr(out, "embedding", None)
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != shape:
        got = tuple(logits.shape) if isinstance(logits, torch.Tensor) else type(out).__name__
        raise BadInput(
            f"forward must return cmathlab.model.Output with logits of shape {shape} (B, n, classes); got {got}",
            field="model",
            source=name,
        )
    if not isinstance(embedding, torch.Tensor) or tuple(embedding.shape[:2]) != shape[:2] or embedding.dim() != 3:
        raise BadInput(f"forward's Output needs an embedding of shape {shape[:2] + ('d',)}", field="model", source=name)


class Member:
    """One run of a group: its model, its random streams, its history and its early stopping."""

    def __init__(self, config: Config, corpus: Corpus, device: torch.device):
        self.config = config
        torch.manual_seed(config.seed)
        self.model = build_model(config, corpus.dims, corpus.n_speakers, len(corpus.label_names)).to(device)
        self.order_rng = np.random.default_rng(config.seed)
        # eq. 17's epsilon from the run's own stream, so a run draws the same noise alone or fused
        self.generator = torch.Generator(device=device).manual_seed(config.seed)
        self.device = device
        # a fused group computes every term of its architecture; a member logs only its own
        self.terms = {*config.loss_weights(), "total"}
        self.history: list[dict] = []
        self.best, self.best_wf1, self.stale, self.stopped = None, -math.inf, 0, False
        self.diverged: str | None = None

    def diverge(self, epoch: int, batch: int, loss: float) -> None:
        """A non-finite loss: training stops; the best epoch before it stands, reported as such."""
        self.stopped = True
        self.diverged = f"loss {loss} at epoch {epoch}, batch {batch}"
        if self.best is None:
            cfg = self.config
            raise Diverged(
                f"loss is {loss} at epoch {epoch}, batch {batch}, before any epoch finished"
                f" (seed {cfg.seed}, lr {cfg.lr}, loss weights {cfg.loss_weights(epoch=epoch)})"
            )

    def noise(self, split: PaddedSplit, rows: np.ndarray) -> torch.Tensor | None:
        if not self.model.samples_noise:
            return None
        shape = (len(rows), int(split.lengths[rows].max()), self.config.dim)
        return torch.randn(shape, generator=self.generator, device=self.device)

    def end_epoch(self, record: dict, valid, test) -> None:
        self.history.append(record)
        if valid.wf1 > self.best_wf1:
            self.best_wf1, self.best, self.stale = valid.wf1, (record["epoch"], valid, test), 0
        else:
            self.stale += 1
        cfg = self.config
        if cfg.patience and self.stale >= cfg.patience and record["epoch"] >= cfg.min_epochs:
            self.stopped = True

    def health(self, valid: Evaluation, test: Evaluation, names: list[str]) -> tuple[str, str]:
        """The run's verdict: diverged, collapsed (at the selected epoch) or ok, and why."""
        if self.diverged:
            return "diverged", f"{self.diverged}; the best epoch before it is reported"
        preds = np.concatenate([*valid.preds, *test.preds])
        labels = np.concatenate([*valid.labels, *test.labels])
        top = np.bincount(preds).argmax()
        share, true_share = float(np.mean(preds == top)), float(np.mean(labels == top))
        if share >= COLLAPSE_SHARE and true_share < COLLAPSE_SHARE:
            return "collapsed", (
                f"{100 * share:.1f} % of validation and test predictions are {names[top]} "
                f"({100 * true_share:.1f} % of the labels)"
            )
        return "ok", ""

    def result(self, corpus: Corpus, split: dict, data: dict, device: str) -> RunResult:
        best_epoch, valid, test = self.best
        config, names = self.config, list(corpus.label_names)
        labels, preds = np.concatenate(test.labels), np.concatenate(test.preds)
        health, note = self.health(valid, test, names)
        bayes = None
        if corpus.generator is not None:
            bayes = {
                f"{name}_{k}": v
                for name in ("valid", "test")
                for k, v in corpus.generator.bayes(corpus, split[name], config.modalities).items()
            }
        return RunResult(
            config=config.to_dict(),
            data={
                "source": corpus.source,
                "sha256": corpus.sha256,
                "dataset": corpus.dataset,
                "encoders": dict(corpus.encoders),
                **{f"{k}_dialogues": len(v) for k, v in split.items()},
                **{f"{k}_utterances": int(data[k].lengths.sum()) for k in split},
            },
            label_names=names,
            history=self.history,
            best_epoch=best_epoch,
            valid={"acc": valid.acc, "wf1": valid.wf1},
            test={
                "acc": test.acc,
                "wf1": test.wf1,
                "per_class_f1": dict(
                    zip(
                        names,
                        map(float, f1_score(labels, preds, labels=range(len(names)), average=None, zero_division=0)),
                    )
                ),
                "confusion": confusion_matrix(labels, preds, labels=range(len(names))).tolist(),
            },
            predictions={
                i: {"length": len(y), "pred": p.tolist(), "label": y.tolist()}
                for i, p, y in zip(data["test"].ids, test.preds, test.labels)
            },
            bayes=bayes,
            seconds_per_epoch=float(np.mean([r["seconds"] for r in self.history])),
            device=device,
            health=health,
            health_note=note,
            embeddings=test.embeddings if config.keep_embeddings else None,
        )
