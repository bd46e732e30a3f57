"""A run killed after a checkpoint continues from it, and ends exactly as a run that was never stopped (CPU)."""

import io

import pytest
import torch

from cmathlab.config import Config
from cmathlab.train import fit


class Memory:
    """Checkpoints kept as bytes, as a file would keep them (torch.save, so the state must serialize)."""

    def __init__(self, every: int):
        self.every, self.saved, self.epochs = every, None, []

    def load(self):
        return None if self.saved is None else torch.load(io.BytesIO(self.saved), weights_only=False)

    def save(self, state: dict) -> None:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        self.saved = buffer.getvalue()
        self.epochs.append(state["epoch"])


class Killed(Exception):
    pass


def config(**kw) -> Config:  # dropout, eq. 17's noise, the weight average, warm-up and the ramp all on
    return Config.for_dataset(
        "iemocap",
        **{
            "dim": 16,
            "heads": 2,
            "epochs": 6,
            "patience": 0,
            "warmup_steps": 4,
            "distill_warmup": 2,
            "ema_epochs": 1.0,
            **kw,
        },
    )


def killed_at(epoch: int):
    def on_epoch(record):
        if record["epoch"] == epoch:
            raise Killed

    return on_epoch


def same(a, b) -> None:
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in a.history] == [
        {k: v for k, v in r.items() if k != "seconds"} for r in b.history
    ]
    assert (a.best_epoch, a.valid, a.test, a.predictions) == (b.best_epoch, b.valid, b.test, b.predictions)


def test_a_run_killed_after_a_checkpoint_ends_as_one_never_stopped(tiny_corpus):
    whole = fit(config(), tiny_corpus)
    checkpoints = Memory(every=2)
    with pytest.raises(Killed):
        fit(config(), tiny_corpus, on_epoch=killed_at(5), checkpoints=checkpoints)
    assert checkpoints.epochs == [2, 4]
    seen = []
    resumed = fit(config(), tiny_corpus, on_epoch=seen.append, checkpoints=checkpoints)
    assert [r["epoch"] for r in seen] == [1, 2, 3, 4, 5, 6]  # the epochs before the checkpoint, given again
    assert checkpoints.epochs == [2, 4]  # no checkpoint after the last epoch
    same(resumed, whole)


def test_a_fused_group_killed_after_a_checkpoint_ends_as_one_never_stopped(tiny_corpus):
    group = [config(seed=0), config(seed=1, variant="w/o HLD"), config(seed=2, gamma1=1.5)]
    whole = fit(group, tiny_corpus)
    checkpoints = Memory(every=3)
    with pytest.raises(Killed):
        fit(group, tiny_corpus, on_epoch=killed_at(5), checkpoints=checkpoints)
    for resumed, alone in zip(fit(group, tiny_corpus, checkpoints=checkpoints), whole):
        same(resumed, alone)


def test_a_baseline_resumes_too(tiny_corpus):
    cfg = config(model="bigru")
    whole = fit(cfg, tiny_corpus)
    checkpoints = Memory(every=1)
    with pytest.raises(Killed):
        fit(cfg, tiny_corpus, on_epoch=killed_at(3), checkpoints=checkpoints)
    same(fit(cfg, tiny_corpus, checkpoints=checkpoints), whole)
