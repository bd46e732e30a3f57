"""How a run's weights train and are evaluated, one model alone (`Solo`) or a group of one shape as one
stacked model (`Stack`, `torch.func.vmap`); `fit` drives either through the same three calls (train, step,
evaluate). Also the lr schedule, the weight average evaluation reads, and which configs may fuse.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score

from cmathlab.config import FUSABLE, Config
from cmathlab.data.tensors import Batch, PaddedSplit

if TYPE_CHECKING:
    from cmathlab.train import Member


# what members of one fused group may differ in; everything else shapes the stacked model


def fusion_key(config: Config) -> tuple:
    """Configs with equal keys can train as one stacked model. Variants that only drop a loss term
    (w/o LLD, w/o HLD, w/o HD) share the full model's weights and train with a zero weight."""
    own = {f"{config.model}.{f.name}" for f in getattr(config.model_class, "fields", ()) if f.fusable}
    values = {k: v for k, v in config.to_dict().items() if k not in FUSABLE and k not in own}
    values["architecture"] = config.architecture
    if config.split == "seed":  # each seed validates on its own dialogues: members share one split, so no fusing
        values["seed"] = config.seed
    return tuple(values.items())


def lr_schedule(optimizer: torch.optim.Optimizer, cfg: Config, steps_per_epoch: int):
    """The recipe's learning rate per step: linear warm-up (`warmup_steps`, at most a tenth of the run's
    steps, so a short run is not spent warming up), then constant (or cosine decay to 0 over the run's
    epochs), with torch's own schedulers."""
    from torch.optim import lr_scheduler

    total = cfg.epochs * steps_per_epoch
    warmup_steps = min(cfg.warmup_steps, total // 10)
    after = (
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, total - warmup_steps))
        if cfg.schedule == "cosine"
        else lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
    )
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

    @torch.no_grad()
    def load(self, average: list[torch.Tensor] | None) -> None:
        if self.average is not None:
            for a, saved in zip(self.average, average):
                a.copy_(saved)

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

    def state(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "average": self.averaged.average,
        }

    def load_state(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        self.averaged.load(state["average"])

    def step(self, batch: Batch, noise: list) -> dict[str, torch.Tensor]:
        with precision(self.member.config, batch):
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
            with precision(self.member.config, batch):
                out = self.model(batch)
            return out.logits[None].float(), out.embedding[None].float()

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

    def state(self) -> dict:
        return {
            "params": self.params,
            "buffers": self.buffers,
            "optimizer": self.optimizer.state_dict(),
            "schedule": self.schedule.state_dict(),
            "average": self.averaged.average,
        }

    @torch.no_grad()
    def load_state(self, state: dict) -> None:
        for mine, saved in ((self.params, state["params"]), (self.buffers, state["buffers"])):
            for name, tensor in mine.items():
                tensor.copy_(saved[name])
        self.optimizer.load_state_dict(state["optimizer"])
        self.schedule.load_state_dict(state["schedule"])
        self.averaged.load(state["average"])

    def train(self, epoch: int) -> None:
        self.base.train()
        # each member's weight of each term the architecture computes: 0 for a term its variant drops
        self.weights = {
            name: torch.tensor(
                [m.config.loss_weights(epoch=epoch).get(name, 0.0) for m in self.members], device=self.device
            )
            for name in self.members[0].config.loss_weights(architecture=True)
        }

    def step(self, batch: Batch, noise: list) -> dict[str, torch.Tensor]:
        n = batch.labels.shape[-1]  # each member's noise was drawn for its own batch; pad to the group's
        stacked = torch.stack([torch.nn.functional.pad(e, (0, 0, 0, n - e.shape[1])) for e in noise])
        with precision(self.members[0].config, batch):
            terms = self.terms(
                self.params,
                self.buffers,
                batch.features,
                batch.speakers,
                batch.labels,
                batch.mask,
                stacked,
                self.weights,
            )
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
            with precision(self.members[0].config, batch):
                logits, embedding = self.forward(
                    self.params, self.buffers, batch.features, batch.speakers, batch.labels, batch.mask
                )
            return logits.float(), embedding.float()

        with self.averaged.swapped_in():
            return evaluate(forward, split, batch_size, len(self.members), embeddings)


def precision(cfg: Config, batch: Batch):
    """The forward pass's arithmetic: fp32, or bf16 autocast (`precision = "bf16"`: matrix products and
    convolutions in bfloat16, reductions and the loss in fp32, the weights and the optimizer kept in fp32)."""
    device = next(iter(batch.features.values())).device.type
    return torch.autocast(device, dtype=torch.bfloat16, enabled=cfg.precision == "bf16")


@dataclass
class Evaluation:
    acc: float
    wf1: float
    preds: list[np.ndarray]  # per dialogue, real utterances only
    labels: list[np.ndarray]
    embeddings: np.ndarray | None


@torch.no_grad()
def evaluate(
    forward: Callable, split: PaddedSplit, batch_size: int, members: int, embeddings: bool = False
) -> list[Evaluation]:
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
                by_row[row] = pr[: split.lengths[row]]
        per_dialogue_pred = [by_row[row] for row in range(len(split))]
        per_dialogue_label = [labels[row, : split.lengths[row]] for row in range(len(split))]
        y, p = np.concatenate(per_dialogue_label), np.concatenate(per_dialogue_pred)
        out.append(
            Evaluation(
                acc=float(accuracy_score(y, p)),
                wf1=float(f1_score(y, p, average="weighted")),
                preds=per_dialogue_pred,
                labels=per_dialogue_label,
                embeddings=embs[k] if embeddings else None,
            )
        )
    return out
