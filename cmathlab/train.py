"""`fit(config, corpus) -> RunResult`: the project's only training loop.

It knows nothing of Ray, Optuna or MLflow; they call it. Model selection uses validation
weighted F1 only: the reported test numbers are those of the best validation epoch.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from cmathlab.config import Config
from cmathlab.data.corpus import Corpus
from cmathlab.data.tensors import Batch, PaddedSplit, feature_scalers
from cmathlab.errors import BadInput
from cmathlab.model import build_model

# a run whose predictions at the selected epoch put at least this share on one class has collapsed
# (unless the labels themselves are that concentrated)
COLLAPSE_SHARE = 0.95


class Diverged(RuntimeError):
    """The loss became NaN or infinite before any epoch finished: there is nothing to report."""


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


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise BadInput("CUDA is not available on this machine", field="device")
    return torch.device(name)


def fit(config: Config | Sequence[Config], corpus: Corpus,
        on_epoch: Callable[[dict], None] | None = None) -> RunResult | list[RunResult]:
    """Train `config` on `corpus`; `on_epoch` receives each epoch's record as it is made.

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
        raise BadInput(f"{group[0].model} does not train fused (its class sets no `fusable`); it runs one model "
                       "at a time", field="model")
    first = group[0]
    missing = set(first.modalities) - set(corpus.modalities)
    if missing:
        raise BadInput(f"asks for modalities {first.modalities!r}, the corpus has {corpus.modalities!r}",
                       source=corpus.source, field="modalities")
    constant = set(first.modalities) & set(corpus.constant_modalities())
    if constant and not first.allow_constant:
        names = ", ".join(sorted(constant, key="tav".index))
        raise BadInput(f"{'modality ' + names + ' is' if len(constant) == 1 else 'modalities ' + names + ' are'} "
                       f"the same vector in every utterance (absent data); train on "
                       f"--modalities {''.join(m for m in first.modalities if m not in constant) or '...'}, "
                       "or pass --allow-constant (allow_constant = true)", source=corpus.source, field="modalities")
    device = resolve_device(first.device)
    split = corpus.split(first.val_fraction, first.split_seed, first.official_valid)
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

    for epoch in range(1, first.epochs + 1):
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
            record = {"epoch": epoch, **losses, "valid_acc": valid[k].acc, "valid_wf1": valid[k].wf1,
                      "test_acc": test[k].acc, "test_wf1": test[k].wf1, "seconds": seconds / len(members)}
            m.end_epoch(record, valid[k], test[k])
            if on_epoch is not None:
                on_epoch({**record, "member": k} if fused else record)
        if all(m.stopped for m in members):
            break

    results = [m.result(corpus, split, data, str(device)) for m in members]
    return results if fused else results[0]


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
        raise BadInput(f"forward must return cmathlab.model.Output with logits of shape {shape} (B, n, classes); "
                       f"got {got}", field="model", source=name)
    if not isinstance(embedding, torch.Tensor) or tuple(embedding.shape[:2]) != shape[:2] or embedding.dim() != 3:
        raise BadInput(f"forward's Output needs an embedding of shape {shape[:2] + ('d',)}", field="model", source=name)


# what members of one fused group may differ in; everything else shapes the stacked model
FUSABLE = ("seed", "gamma1", "gamma2", "variant")


def fusion_key(config: Config) -> tuple:
    """Configs with equal keys can train as one stacked model. Variants that only drop a loss term
    (w/o LLD, w/o HLD, w/o HD) share the full model's weights and train with a zero weight."""
    values = {k: v for k, v in config.to_dict().items() if k not in FUSABLE}
    values["architecture"] = config.architecture
    return tuple(values.items())


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
            raise Diverged(f"loss is {loss} at epoch {epoch}, batch {batch}, before any epoch finished"
                           f" (seed {cfg.seed}, lr {cfg.lr}, gamma1 {cfg.gamma1}, gamma2 {cfg.gamma2})")

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
            return "collapsed", (f"{100 * share:.1f} % of validation and test predictions are {names[top]} "
                                 f"({100 * true_share:.1f} % of the labels)")
        return "ok", ""

    def result(self, corpus: Corpus, split: dict, data: dict, device: str) -> RunResult:
        best_epoch, valid, test = self.best
        config, names = self.config, list(corpus.label_names)
        labels, preds = np.concatenate(test.labels), np.concatenate(test.preds)
        health, note = self.health(valid, test, names)
        bayes = None
        if corpus.generator is not None:
            bayes = {f"{name}_{k}": v for name in ("valid", "test")
                     for k, v in corpus.generator.bayes(corpus, split[name], config.modalities).items()}
        return RunResult(
            config=config.to_dict(),
            data={"source": corpus.source, "sha256": corpus.sha256, "dataset": corpus.dataset,
                  "encoders": dict(corpus.encoders),
                  **{f"{k}_dialogues": len(v) for k, v in split.items()},
                  **{f"{k}_utterances": int(data[k].lengths.sum()) for k in split}},
            label_names=names,
            history=self.history,
            best_epoch=best_epoch,
            valid={"acc": valid.acc, "wf1": valid.wf1},
            test={"acc": test.acc, "wf1": test.wf1,
                  "per_class_f1": dict(zip(names, map(float, f1_score(
                      labels, preds, labels=range(len(names)), average=None, zero_division=0)))),
                  "confusion": confusion_matrix(labels, preds, labels=range(len(names))).tolist()},
            predictions={i: {"length": len(y), "pred": p.tolist(), "label": y.tolist()}
                         for i, p, y in zip(data["test"].ids, test.preds, test.labels)},
            bayes=bayes,
            seconds_per_epoch=float(np.mean([r["seconds"] for r in self.history])),
            device=device,
            health=health,
            health_note=note,
            embeddings=test.embeddings if config.keep_embeddings else None,
        )


def lr_schedule(optimizer: torch.optim.Optimizer, cfg: Config, steps_per_epoch: int):
    """The recipe's learning rate per step: linear warm-up (`warmup_steps`, at most a tenth of the run's
    steps, so a short run is not spent warming up), then constant (or cosine decay to 0 over the run's
    epochs), with torch's own schedulers."""
    from torch.optim import lr_scheduler

    total = cfg.epochs * steps_per_epoch
    warmup_steps = min(cfg.warmup_steps, total // 10)
    after = (lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, total - warmup_steps)) if cfg.schedule == "cosine"
             else lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0))
    if not warmup_steps:
        return after
    warmup = lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup_steps, total_iters=warmup_steps)
    return lr_scheduler.SequentialLR(optimizer, [warmup, after], milestones=[warmup_steps])


class Averaged:
    """An exponential moving average of weights (`ema_epochs`, torch's EMA update), which evaluation reads in place
    of the trained weights; training goes on from its own. A horizon in epochs, not steps: corpora differ 40-fold in
    steps per epoch."""

    def __init__(self, params: list[torch.Tensor], cfg: Config, steps_per_epoch: int):
        from torch.optim.swa_utils import get_ema_multi_avg_fn

        self.params = params
        self.average = [p.detach().clone() for p in params] if cfg.ema_epochs else None
        self.update = get_ema_multi_avg_fn(1 - 1 / max(1.0, cfg.ema_epochs * steps_per_epoch))

    def step(self) -> None:
        if self.average is not None:
            self.update(self.average, [p.detach() for p in self.params], None)

    @contextlib.contextmanager
    def swapped_in(self):
        if self.average is None:
            yield
            return
        with torch.no_grad():
            trained = [p.detach().clone() for p in self.params]
            for p, a in zip(self.params, self.average):
                p.copy_(a)
        try:
            yield
        finally:
            with torch.no_grad():
                for p, t in zip(self.params, trained):
                    p.copy_(t)


class Solo:
    """One model, trained as it is."""

    def __init__(self, member: Member, steps_per_epoch: int):
        self.member, self.model = member, member.model
        cfg = member.config
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.schedule = lr_schedule(self.optimizer, cfg, steps_per_epoch)
        self.averaged = Averaged(list(self.model.parameters()), cfg, steps_per_epoch)

    def train(self, epoch: int) -> None:
        self.model.train()
        self.weights = self.member.config.loss_weights(epoch=epoch)

    def step(self, batch: Batch, noise: list) -> dict[str, torch.Tensor]:
        terms = self.model.loss_terms(self.model(batch, noise[0]), batch, self.weights)
        self.optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        if self.member.config.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.member.config.grad_clip)
        self.optimizer.step()
        self.schedule.step()
        self.averaged.step()
        return {k: v[None] for k, v in terms.items()}

    @torch.no_grad()
    def evaluate(self, split: PaddedSplit, batch_size: int, embeddings: bool = False) -> list[Evaluation]:
        self.model.eval()

        def forward(batch):
            out = self.model(batch)
            return out.logits[None], out.embedding[None]

        with self.averaged.swapped_in():
            return evaluate(forward, split, batch_size, 1, embeddings)


class Stack:
    """K models of one shape as one: stacked weights, `vmap` over the member axis, one Adam.

    Adam works element by element, so one Adam over the stacked weights is K Adams; the total
    loss is the sum of the members' totals, so no member's gradient reaches another's weights."""

    def __init__(self, members: list[Member], device: torch.device, steps_per_epoch: int):
        from torch.func import functional_call, stack_module_state, vmap

        cfg = members[0].config
        self.members = members
        self.params, self.buffers = stack_module_state([m.model for m in members])
        # one template of the shared architecture, with every loss term the group's variants use
        template = dataclasses.replace(cfg, variant=cfg.architecture)
        self.base = copy.deepcopy(members[0].model).to("meta")
        self.base.cfg = template
        self.device = device
        self.optimizer = torch.optim.Adam(self.params.values(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.schedule = lr_schedule(self.optimizer, cfg, steps_per_epoch)
        self.averaged = Averaged(list(self.params.values()), cfg, steps_per_epoch)
        self.grad_clip = cfg.grad_clip
        base = self.base

        def member_terms(params, buffers, features, speakers, labels, mask, noise, weights):
            batch = Batch(features, speakers, labels, mask)
            return base.loss_terms(functional_call(base, (params, buffers), (batch, noise)), batch, weights)

        def member_forward(params, buffers, features, speakers, labels, mask):
            out = functional_call(base, (params, buffers), (Batch(features, speakers, labels, mask),))
            return out.logits, out.embedding

        self.terms = vmap(member_terms, randomness="different")
        self.forward = vmap(member_forward, in_dims=(0, 0, None, None, None, None))

    def train(self, epoch: int) -> None:
        self.base.train()
        # each member's weight of each term the architecture computes: 0 for a term its variant drops
        self.weights = {name: torch.tensor([m.config.loss_weights(epoch=epoch).get(name, 0.0) for m in self.members],
                                           device=self.device)
                        for name in self.members[0].config.loss_weights(architecture=True)}

    def step(self, batch: Batch, noise: list) -> dict[str, torch.Tensor]:
        n = batch.labels.shape[-1]  # each member's noise was drawn for its own batch; pad to the group's
        stacked = torch.stack([torch.nn.functional.pad(e, (0, 0, 0, n - e.shape[1])) for e in noise])
        terms = self.terms(self.params, self.buffers, batch.features, batch.speakers, batch.labels, batch.mask,
                           stacked, self.weights)
        self.optimizer.zero_grad(set_to_none=True)
        terms["total"].sum().backward()
        if self.grad_clip:
            self.clip_per_member()
        self.optimizer.step()
        self.schedule.step()
        self.averaged.step()
        return terms

    @torch.no_grad()
    def clip_per_member(self) -> None:
        """`clip_grad_norm_` for each member on its own: the norm over its weights alone (K,)."""
        grads = [p.grad for p in self.params.values() if p.grad is not None]
        norms = torch.stack([g.flatten(1).pow(2).sum(1) for g in grads]).sum(0).sqrt()
        factor = (self.grad_clip / (norms + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(factor.view(-1, *[1] * (g.dim() - 1)))

    @torch.no_grad()
    def evaluate(self, split: PaddedSplit, batch_size: int, embeddings: bool = False) -> list[Evaluation]:
        self.base.eval()

        def forward(batch):
            return self.forward(self.params, self.buffers, batch.features, batch.speakers, batch.labels, batch.mask)

        with self.averaged.swapped_in():
            return evaluate(forward, split, batch_size, len(self.members), embeddings)


@dataclass
class Evaluation:
    acc: float
    wf1: float
    preds: list[np.ndarray]  # per dialogue, real utterances only
    labels: list[np.ndarray]
    embeddings: np.ndarray | None


@torch.no_grad()
def evaluate(forward: Callable, split: PaddedSplit, batch_size: int, members: int,
             embeddings: bool = False) -> list[Evaluation]:
    """Predictions from Y-hat_x over real utterances, per member; scikit-learn's ACC and weighted F1.

    `forward(batch)` gives logits (K, B, n, C) and embeddings (K, B, n, d); the device's results
    are gathered and copied to the host once per split."""
    logits, embs, order = [], [], split.by_length()
    for rows in split.batches(batch_size, order):
        batch = split.batch(rows)
        out_logits, out_embedding = forward(batch)
        logits.append(out_logits.argmax(-1))  # (K, B, n)
        if embeddings:
            embs.append(out_embedding[:, batch.mask])  # (K, real utterances, d)
    preds = [p.cpu().numpy() for p in logits]
    labels = split.data.labels.cpu().numpy()
    if embeddings:  # back to the split's own order, dialogue by dialogue
        embs = torch.cat(embs, 1).cpu().numpy()
        starts = np.concatenate([[0], np.cumsum(split.lengths[order])])
        where = {row: (starts[i], starts[i + 1]) for i, row in enumerate(order)}
        embs = np.concatenate([embs[:, slice(*where[row])] for row in range(len(split))], 1)
    out = []
    for k in range(members):
        by_row = {}
        for rows, p in zip(split.batches(batch_size, order), preds):
            for row, pr in zip(rows, p[k]):
                by_row[row] = pr[:split.lengths[row]]
        per_dialogue_pred = [by_row[row] for row in range(len(split))]
        per_dialogue_label = [labels[row, :split.lengths[row]] for row in range(len(split))]
        y, p = np.concatenate(per_dialogue_label), np.concatenate(per_dialogue_pred)
        out.append(Evaluation(acc=float(accuracy_score(y, p)), wf1=float(f1_score(y, p, average="weighted")),
                              preds=per_dialogue_pred, labels=per_dialogue_label,
                              embeddings=embs[k] if embeddings else None))
    return out
