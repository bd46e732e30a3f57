"""Fused training: K compatible configs trained as one stacked model, each still its own run."""

import dataclasses

import numpy as np
import pytest
from scipy import stats

from cmathlab import engine
from cmathlab.config import Config
from cmathlab.engine import fusion_key
from cmathlab.errors import BadInput
from cmathlab.train import fit

BASE = dict(dim=16, heads=2, batch_size=4, lr=1e-3, epochs=3, patience=0)


def config(**kw) -> Config:
    return Config.for_dataset("iemocap", **{**BASE, "dropout": 0.0, **kw})


def test_with_dropout_off_each_member_is_its_solo_run(tiny_corpus):
    group = [
        config(seed=0),
        config(seed=1, gamma1=1.4, gamma2=1.0),
        config(seed=2, variant="w/o HLD"),
        config(seed=0, variant="w/o HD"),
    ]  # loss-only variants share the full model's weights
    group = [dataclasses.replace(c, keep_embeddings=True) for c in group]
    records = []
    fused = fit(group, tiny_corpus, on_epoch=records.append)
    assert len(fused) == 4 and sorted({r["member"] for r in records}) == [0, 1, 2, 3]
    for member, cfg in zip(fused, group):
        solo = fit(cfg, tiny_corpus)
        assert member.config == solo.config and member.best_epoch == solo.best_epoch
        assert [set(r) for r in member.history] == [set(r) for r in solo.history]  # w/o HLD logs no loss_kl
        for a, b in zip(member.history, solo.history):
            for key in a:
                if key.startswith("loss_"):
                    assert a[key] == pytest.approx(b[key], rel=1e-4, abs=1e-6), key
                elif key != "seconds":
                    assert a[key] == b[key], key
        assert member.test == solo.test and member.predictions == solo.predictions
        # a vmapped matmul and a plain one round apart on some CPUs, and epochs of updates carry it: CI's CPU
        # measured 7e-4 apart, where a member that trained on another's data would be tenths apart
        np.testing.assert_allclose(member.embeddings, solo.embeddings, rtol=0, atol=2e-3)


def test_with_dropout_on_fused_and_solo_runs_are_the_same_distribution(tiny_corpus):
    group = [config(seed=s, dropout=0.3, epochs=2) for s in range(8)]
    fused = [r.history[-1]["loss_total"] for r in fit(group, tiny_corpus)]
    solo = [fit(c, tiny_corpus).history[-1]["loss_total"] for c in group]
    assert fused != pytest.approx(solo, rel=1e-6)  # dropout masks come from other streams when fused
    assert stats.ttest_ind(fused, solo, equal_var=False).pvalue > 0.01
    assert abs(np.mean(fused) - np.mean(solo)) < 2 * np.std(solo, ddof=1)


def test_each_member_stops_early_and_picks_its_best_epoch_on_its_own(tiny_corpus, monkeypatch):
    real = engine.evaluate
    scripted = {0: iter([0.1, 0.2, 0.3, 0.4, 0.5]), 1: iter([0.5, 0.1, 0.1, 0.1, 0.1])}  # valid W-F1

    def evaluate(forward, split, batch_size, members, embeddings=False):
        out = real(forward, split, batch_size, members, embeddings)
        if split.ids[0] in tiny_corpus.ids("train"):  # validation
            for k, member in enumerate(out):
                member.wf1 = next(scripted[k])
        return out

    monkeypatch.setattr(engine, "evaluate", evaluate)
    improving, stuck = fit([config(seed=0, epochs=5, patience=2), config(seed=1, epochs=5, patience=2)], tiny_corpus)
    assert len(improving.history) == 5 and improving.best_epoch == 5
    assert len(stuck.history) == 3 and stuck.best_epoch == 1  # stopped after 2 epochs without a better one


@pytest.mark.parametrize(
    "other, field",
    [
        (dict(dim=32, heads=2), "dim"),
        (dict(lr=1e-2), "lr"),
        (dict(modalities="ta"), "modalities"),
        (dict(variant="w/o MR"), "architecture"),
    ],
)
def test_a_group_must_share_every_shape(tiny_corpus, other, field):
    with pytest.raises(BadInput, match=f"field {field}"):
        fit([config(), config(seed=1, **other)], tiny_corpus)


def test_only_a_model_that_says_it_is_fusable_trains_fused(tiny_corpus):
    with pytest.raises(BadInput, match="bigru does not train fused"):
        fit([config(model="bigru"), config(model="bigru", seed=1)], tiny_corpus)


def test_fusion_key_ignores_seed_gammas_and_loss_only_variants():
    assert fusion_key(config(seed=3, gamma1=2.0, variant="w/o HD")) == fusion_key(config())
    assert fusion_key(config(variant="w/o CMA-T")) != fusion_key(config())


@pytest.mark.parametrize("bias", ["alibi", "learned"])
def test_a_distance_bias_trains_fused_like_solo(tiny_corpus, bias):
    group = [config(seed=0, attention_bias=bias), config(seed=1, attention_bias=bias, variant="w/o HD")]
    for member, cfg in zip(fit(group, tiny_corpus), group):
        solo = fit(cfg, tiny_corpus)
        assert member.best_epoch == solo.best_epoch and member.predictions == solo.predictions
        assert member.history[-1]["loss_total"] == pytest.approx(solo.history[-1]["loss_total"], rel=1e-4)


def test_a_context_gru_trains_fused_like_solo(tiny_corpus):
    group = [config(seed=0, context="attention+gru"), config(seed=1, context="attention+gru", variant="w/o HD")]
    for member, cfg in zip(fit(group, tiny_corpus), group):
        solo = fit(cfg, tiny_corpus)
        assert member.best_epoch == solo.best_epoch and member.predictions == solo.predictions
        assert member.history[-1]["loss_total"] == pytest.approx(solo.history[-1]["loss_total"], rel=1e-4)


def test_a_weight_average_trains_fused_like_solo(tiny_corpus):
    group = [
        config(seed=0, ema_epochs=1.0, keep_embeddings=True),
        config(seed=1, ema_epochs=1.0, variant="w/o HD", keep_embeddings=True),
    ]
    for member, cfg in zip(fit(group, tiny_corpus), group):
        solo = fit(cfg, tiny_corpus)
        assert member.best_epoch == solo.best_epoch and member.predictions == solo.predictions
        # the embeddings are read through each one's average: a group that averaged otherwise would differ
        np.testing.assert_allclose(member.embeddings, solo.embeddings, rtol=1e-4, atol=1e-5)


def test_every_variant_that_keeps_the_full_models_weights_trains_fused_like_solo(tiny_corpus):
    # read from the model's components, so a new variant that keeps the weights is checked here too: a fused
    # group builds the full architecture, so a variant that changed the forward without saying so would differ
    model = config().model_class
    variants = [c.variant for c in model.components if not c.changes_architecture]
    assert {"w/o LLD", "w/o HLD", "w/o HD"} <= set(variants)
    group = [config(seed=0), *(config(seed=k, variant=v) for k, v in enumerate(variants, 1))]
    for member, cfg in zip(fit(group, tiny_corpus), group):
        solo = fit(cfg, tiny_corpus)
        assert member.best_epoch == solo.best_epoch and member.predictions == solo.predictions, cfg.variant
