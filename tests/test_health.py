"""Real features: inputs standardized on training dialogues only, absent modalities refused, and
every run ending with a verdict (ok, collapsed, diverged) instead of a silently broken number."""

import dataclasses
import json
import math
import os
import shutil
import sqlite3

import numpy as np
import pytest
import torch

from cmathlab import engine
from cmathlab.config import BEFORE, RECIPES, Config
from cmathlab.data import make_synthetic
from cmathlab.data.corpus import Corpus
from cmathlab.data.tensors import PaddedSplit, feature_scalers
from cmathlab.errors import BadInput
from cmathlab.model.cmath import CMATH
from cmathlab.train import Diverged, fit


def quick(**kw) -> Config:
    return Config.for_dataset("iemocap", **{"dim": 16, "heads": 2, "epochs": 4, "patience": 0, **kw})


def with_features(corpus: Corpus, change) -> Corpus:
    """A copy of `corpus` whose dialogue i has features change(i, dialogue)."""
    dialogues = [dataclasses.replace(d, features=change(i, d)) for i, d in enumerate(corpus.dialogues)]
    return Corpus(
        dataset=corpus.dataset,
        dialogues=dialogues,
        source=corpus.source,
        sha256=corpus.sha256,
        n_speakers=corpus.n_speakers,
    )


def test_standardization_statistics_come_from_the_training_dialogues_only(tiny_corpus):
    split = tiny_corpus.split(0.2, 0)
    before = feature_scalers(tiny_corpus, split["train"], "tav")
    held_out = set(split["valid"]) | set(split["test"])
    # shift every validation and test utterance far away: no statistic may move
    shifted = with_features(tiny_corpus, lambda i, d: {m: x + 100.0 * (i in held_out) for m, x in d.features.items()})
    after = feature_scalers(shifted, shifted.split(0.2, 0)["train"], "tav")
    for m in "tav":
        np.testing.assert_array_equal(after[m].mean_, before[m].mean_)
        np.testing.assert_array_equal(after[m].scale_, before[m].scale_)
    # while a change of one training dialogue does move them
    first = split["train"][0]
    moved = with_features(tiny_corpus, lambda i, d: {m: x + 100.0 * (i == first) for m, x in d.features.items()})
    assert not np.allclose(feature_scalers(moved, split["train"], "t")["t"].mean_, before["t"].mean_)


def test_standardized_training_features_have_zero_mean_unit_scale_and_zero_padding():
    corpus = make_synthetic("iemocap/8:real", scale=0.1, seed=0)
    split = corpus.split(0.2, 0)
    scalers = feature_scalers(corpus, split["train"], "ta")
    padded = PaddedSplit.build(corpus, split["train"], "ta", torch.device("cpu"), scalers)
    mask = padded.data.mask
    for m in "ta":
        real = padded.data.features[m][mask].double()
        np.testing.assert_allclose(real.mean(0).numpy(), 0, atol=1e-4)
        np.testing.assert_allclose(real.std(0, unbiased=False).numpy(), 1, atol=1e-3)
        assert padded.data.features[m][~mask].abs().max() == 0


def test_fit_records_its_recipe_and_standardizes_only_when_asked(tiny_corpus, monkeypatch):
    seen = []
    real_build = PaddedSplit.build

    def build(corpus, indices, modalities, device, scalers=None):
        seen.append(scalers)
        return real_build(corpus, indices, modalities, device, scalers)

    monkeypatch.setattr(PaddedSplit, "build", staticmethod(build))
    result = fit(quick(epochs=1), tiny_corpus)
    assert result.config["standardize"] is True and result.config["recipe"] == "cmathlab"
    assert all(s is not None for s in seen) and len(seen) == 3
    seen.clear()
    paper = fit(Config.for_dataset("iemocap", recipe="paper", dim=16, heads=2, epochs=1), tiny_corpus)
    assert all(s is None for s in seen)
    assert {k: paper.config[k] for k in RECIPES["paper"]} == RECIPES["paper"]


def test_fit_scales_every_split_with_the_training_dialogues_statistics_alone(tiny_corpus, monkeypatch):
    # through fit's own call, not feature_scalers alone: what the model sees must not depend on held-out features
    seen = []
    real_build = PaddedSplit.build

    def build(corpus, indices, modalities, device, scalers=None):
        padded = real_build(corpus, indices, modalities, device, scalers)
        seen.append((list(indices), scalers, padded))
        return padded

    monkeypatch.setattr(PaddedSplit, "build", staticmethod(build))
    split = tiny_corpus.split(0.2, 0)
    held_out = set(split["valid"]) | set(split["test"])
    fit(quick(epochs=1), tiny_corpus)
    clean, seen[:] = list(seen), []
    shifted = with_features(tiny_corpus, lambda i, d: {m: x + 100.0 * (i in held_out) for m, x in d.features.items()})
    fit(quick(epochs=1), shifted)
    expected = feature_scalers(tiny_corpus, split["train"], "tav")
    assert [indices for indices, _, _ in clean][0] == split["train"]
    for (_, before, _), (_, after, _) in zip(clean, seen):
        for m in "tav":
            np.testing.assert_array_equal(after[m].mean_, expected[m].mean_)
            np.testing.assert_array_equal(after[m].scale_, expected[m].scale_)
            np.testing.assert_array_equal(before[m].mean_, expected[m].mean_)
    # the training tensors are the same bytes; the held-out ones moved by exactly 100 / scale
    train_before, train_after = clean[0][2].data.features, seen[0][2].data.features
    for m in "tav":
        assert torch.equal(train_before[m], train_after[m])
        valid_before, valid_after = clean[1][2].data, seen[1][2].data
        moved = (valid_after.features[m] - valid_before.features[m])[valid_before.mask]
        np.testing.assert_allclose(moved.numpy(), np.broadcast_to(100.0 / expected[m].scale_, moved.shape), rtol=1e-3)


def test_the_paper_recipe_is_section_5_3_and_a_field_still_overrides_it():
    paper = Config.for_dataset("meld", recipe="paper")
    assert (paper.lr, paper.batch_size, paper.dim, paper.opts.gamma2) == (2e-4, 4, 400, 1.2)
    assert (paper.standardize, paper.warmup_steps, paper.schedule, paper.grad_clip) == (False, 0, "constant", 0.0)
    assert Config.for_dataset("meld", recipe="paper", grad_clip=2.0).grad_clip == 2.0
    # every field added since issue 10 takes, under the paper recipe, the value the code before it behaved as
    assert {name: getattr(paper, name) for name in BEFORE if name != "options"} == {
        name: value for name, value in BEFORE.items() if name != "options"
    }
    assert all(getattr(paper.opts, f.name) == f.paper for f in paper.model_class.fields if f.since)  # CMATH's too
    assert Config.for_dataset("meld").opts.attention_bias == "alibi"  # the cmathlab recipe's distance bias
    with pytest.raises(BadInput, match="recipe"):
        Config.for_dataset("meld", recipe="fast")


def test_every_field_added_since_the_first_recorded_study_says_what_old_runs_ran_with():
    # the fields of Config before issue 10 (commit ffdf762); a new field needs a BEFORE entry
    old = {
        "dataset",
        "lr",
        "batch_size",
        "gamma1",
        "gamma2",
        "dim",
        "model",
        "variant",
        "modalities",
        "seed",
        "epochs",
        "patience",
        "val_fraction",
        "split_seed",
        "official_valid",
        "device",
        "keep_embeddings",
        "heads",
        "dropout",
        "ffn_mult",
        "kernel_t",
        "kernel_a",
        "kernel_v",
        "gate",
        "sigma",
        "sigma_init",
        "sample_at_eval",
        "detach_teacher",
        "modality_ce",
        "reduction",
        "weight_decay",
        "grad_clip",
        "min_epochs",
        "bucket",
    }
    new = {f.name for f in dataclasses.fields(Config)} - old
    assert new == set(BEFORE)
    # CMATH's own fields (flat in Config until issue 44): each one added since says so too
    cmath = {f.name for f in Config().model_class.fields}
    assert {f.name for f in Config().model_class.fields if f.since} == cmath - old
    Config.for_dataset("iemocap", **BEFORE)  # and the old values still make a valid config


def test_the_learning_rate_warms_up_then_stays_or_decays_to_zero():
    model = torch.nn.Linear(2, 2)
    steady = torch.optim.Adam(model.parameters(), lr=1.0)
    schedule = engine.lr_schedule(steady, quick(epochs=10, warmup_steps=4), steps_per_epoch=5)  # the default
    lrs = []
    for _ in range(50):
        lrs.append(steady.param_groups[0]["lr"])
        steady.step()
        schedule.step()
    assert lrs[:5] == pytest.approx([0.25, 0.4375, 0.625, 0.8125, 1.0]) and lrs[4:] == pytest.approx([1.0] * 46)
    optimizer = torch.optim.Adam(model.parameters(), lr=1.0)
    schedule = engine.lr_schedule(optimizer, quick(epochs=10, warmup_steps=4, schedule="cosine"), steps_per_epoch=5)
    lrs = []
    for _ in range(50):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert lrs[:5] == pytest.approx([0.25, 0.4375, 0.625, 0.8125, 1.0])  # linear up to the full lr
    assert all(a >= b for a, b in zip(lrs[4:], lrs[5:]))  # then only down
    assert lrs[-1] < 0.01
    short = torch.optim.Adam(model.parameters(), lr=1.0)  # 20 steps in all: 2 of warm-up, not 4
    engine.lr_schedule(short, quick(epochs=4, warmup_steps=4), steps_per_epoch=5)
    assert short.param_groups[0]["lr"] == pytest.approx(0.5)


# ---- absent modalities ---------------------------------------------------------------------------


def test_a_modality_that_never_varies_is_refused_unless_allowed(tiny_corpus):
    zero_audio = with_features(tiny_corpus, lambda i, d: {**d.features, "a": np.zeros_like(d.features["a"])})
    assert zero_audio.constant_modalities() == "a"
    assert tiny_corpus.constant_modalities() == ""
    with pytest.raises(BadInput, match="modality a is the same vector in every utterance.*--modalities tv"):
        fit(quick(epochs=1), zero_audio)
    assert fit(quick(epochs=1, modalities="tv"), zero_audio).health in ("ok", "collapsed")
    assert fit(quick(epochs=1, allow_constant=True), zero_audio).config["allow_constant"] is True


def test_data_info_and_train_name_an_absent_modality(write_layout, capsys, tmp_path):
    from conftest import DIMS, tiny_fields

    from cmathlab.cli import main

    fields = tiny_fields("meld", DIMS["meld"])
    fields["v"] = {k: [np.zeros(DIMS["meld"]["v"], np.float32) for _ in v] for k, v in fields["v"].items()}
    path = write_layout("mmgcn", "meld", fields=fields)
    assert main(["data", "info", path]) == 0
    assert "visual (v) is the same vector in every utterance" in capsys.readouterr().out
    assert main(["train", "--data", path, "--epochs", "1", "--dim", "16", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "modality v is the same vector in every utterance" in err
    assert not (tmp_path / "r").exists()


# ---- run health ----------------------------------------------------------------------------------


def test_a_healthy_run_says_ok(tiny_corpus):
    # a run that learns (its validation W-F1 climbs from near 0 over the 12 epochs); quick()'s 4 at d = 16 do not
    result = fit(quick(dim=32, epochs=12, lr=3e-3), tiny_corpus)
    assert (result.health, result.health_note) == ("ok", "")
    assert result.to_dict()["health"] == "ok"


def test_a_run_predicting_one_class_is_flagged_collapsed(tiny_corpus, monkeypatch):
    real = engine.evaluate

    def one_class(*args, **kwargs):  # the model answers "sad" for every utterance
        out = real(*args, **kwargs)
        for member in out:
            member.preds = [np.ones_like(p) for p in member.preds]
        return out

    monkeypatch.setattr(engine, "evaluate", one_class)
    result = fit(quick(epochs=2), tiny_corpus)
    assert result.health == "collapsed"
    assert "100.0 % of validation and test predictions are sad" in result.health_note


def predicting(monkeypatch, answer):
    """Every evaluation's predictions become answer(labels of one dialogue, running utterance count in the split);
    returns the predictions given, one array per evaluation."""
    real, given = engine.evaluate, []

    def evaluate(*args, **kwargs):
        out = real(*args, **kwargs)
        for member in out:
            seen = 0
            for i, labels in enumerate(member.labels):
                member.preds[i] = answer(labels, np.arange(seen, seen + len(labels)))
                seen += len(labels)
            given.append(np.concatenate(member.preds))
        return out

    monkeypatch.setattr(engine, "evaluate", evaluate)
    return given


def test_a_run_at_96_percent_one_class_is_flagged_collapsed(tiny_corpus, monkeypatch):
    # one utterance in 25 answered "happy", every other "sad": below 100 %, above the 95 % threshold
    given = predicting(monkeypatch, lambda labels, k: np.where(k % 25 == 0, 0, 1))
    result = fit(quick(epochs=1), tiny_corpus)
    share = float(np.mean(np.concatenate(given[-2:]) == 1))  # the epoch's validation and test answers
    assert 0.95 <= share < 0.97
    assert result.health == "collapsed"
    assert f"{100 * share:.1f} % of validation and test predictions are sad" in result.health_note


def test_a_corpus_whose_labels_are_95_percent_one_class_predicted_as_that_class_is_not_collapsed(
    tiny_corpus, monkeypatch
):
    # the labels themselves are 96 % "sad": predicting "sad" everywhere is what they are, not a collapse
    relabelled, seen = [], 0
    for d in tiny_corpus.dialogues:
        k = np.arange(seen, seen + len(d))
        relabelled.append(dataclasses.replace(d, labels=np.where(k % 25 == 0, 0, 1).astype(d.labels.dtype)))
        seen += len(d)
    corpus = Corpus(
        dataset=tiny_corpus.dataset,
        dialogues=relabelled,
        source=tiny_corpus.source,
        sha256=tiny_corpus.sha256,
        n_speakers=tiny_corpus.n_speakers,
    )
    split = corpus.split(0.2, 0)
    held_out = np.concatenate([corpus.dialogues[i].labels for i in split["valid"] + split["test"]])
    assert 0.95 <= np.mean(held_out == 1) < 1.0
    predicting(monkeypatch, lambda labels, k: np.ones_like(labels))
    result = fit(quick(epochs=1), corpus)
    assert (result.health, result.health_note) == ("ok", "")
    # while the same answers on labels spread over six classes are one
    assert fit(quick(epochs=1), tiny_corpus).health == "collapsed"


def nan_at(monkeypatch, epoch: int, batch: int):
    """CMATH's loss turns NaN at the given batch of the given epoch (counted over every call)."""
    real = CMATH.loss_terms
    calls = {"n": 0}

    def loss_terms(self, out, batch_, weights=None):
        terms = real(self, out, batch_, weights)
        if self.training:
            calls["n"] += 1
            if calls["n"] == calls["per_epoch"] * (epoch - 1) + batch:
                terms = {**terms, "total": terms["total"] * float("nan")}
        return terms

    monkeypatch.setattr(CMATH, "loss_terms", loss_terms)
    return calls


def test_a_nan_mid_epoch_stops_the_run_and_keeps_the_best_epoch_before_it(tiny_corpus, monkeypatch):
    clean = fit(quick(epochs=6, batch_size=2), tiny_corpus)
    calls = nan_at(monkeypatch, epoch=3, batch=2)
    calls["per_epoch"] = math.ceil(len(tiny_corpus.split(0.2, 0)["train"]) / 2)
    result = fit(quick(epochs=6, batch_size=2), tiny_corpus)
    assert result.health == "diverged" and "at epoch 3, batch 2" in result.health_note
    assert len(result.history) == 2  # epoch 3 never finished; nothing after it ran
    assert calls["n"] == 2 * calls["per_epoch"] + 2  # it stopped at the bad batch, not at the epoch's end
    assert result.best_epoch in (1, 2)
    assert result.history == [dict(r, seconds=c["seconds"]) for r, c in zip(clean.history[:2], result.history)]
    assert result.test["wf1"] == result.history[result.best_epoch - 1]["test_wf1"]


def test_a_nan_before_any_epoch_finished_raises_diverged(tiny_corpus, monkeypatch):
    calls = nan_at(monkeypatch, epoch=1, batch=1)
    calls["per_epoch"] = 1000
    with pytest.raises(Diverged, match="before any epoch finished"):
        fit(quick(epochs=3), tiny_corpus)


# ---- loss terms in one place ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["full", "w/o MR", "w/o LLD", "w/o HLD", "w/o HD"])
def test_a_run_logs_exactly_the_loss_terms_its_variant_keeps(tiny_corpus, variant):
    cfg = quick(epochs=1, variant=variant)
    logged = {k.removeprefix("loss_") for k in fit(cfg, tiny_corpus).history[0] if k.startswith("loss_")}
    assert logged == {*cfg.loss_weights(), "total"} and logged - {"total"} <= set(CMATH.terms)
    assert cfg.loss_weights()["ce_x"] == 1.0
    assert cfg.loss_weights().get("kl", cfg.opts.gamma2) == cfg.opts.gamma2


def test_the_distillation_weights_ramp_from_zero_unless_the_ramp_is_off(tiny_corpus):
    ramped = quick(distill_warmup=4, gamma1=1.0, gamma2=2.0)
    assert [ramped.loss_weights(epoch=e)["kl"] for e in (1, 3, 5, 9)] == [0.0, 1.0, 2.0, 2.0]
    assert [ramped.loss_weights(epoch=e)["mse"] for e in (1, 3, 5)] == [0.0, 0.5, 1.0]
    assert (
        ramped.loss_weights()["kl"] == 2.0
        and quick(distill_warmup=0).loss_weights(epoch=1)["kl"] == quick().opts.gamma2
    )
    assert quick(recipe="paper").opts.distill_warmup == 0  # Section 5.3 has no ramp
    first, second = fit(quick(epochs=2, distill_warmup=1), tiny_corpus).history
    for epoch, gammas in ((first, 0.0), (second, 1.0)):  # eq. 24 with the epoch's weights
        kept = epoch["loss_ce_x"] + epoch["loss_ce_m"] + epoch["loss_re"]
        distilled = gammas * (quick().opts.gamma1 * epoch["loss_mse"] + quick().opts.gamma2 * epoch["loss_kl"])
        assert epoch["loss_total"] == pytest.approx(kept + distilled, rel=1e-5)


# ---- a synthetic corpus with real features' statistics -------------------------------------------


def test_realistic_synthetic_features_have_real_statistics_and_the_same_bayes_limit():
    plain, real = make_synthetic("iemocap/8", scale=0.1), make_synthetic("iemocap/8:real", scale=0.1)
    text = np.concatenate([d.features["t"] for d in real.dialogues])
    audio = np.concatenate([d.features["a"] for d in real.dialogues])
    assert 0.8 < np.linalg.norm(text, axis=1).mean() < 1.25  # sentence embeddings: about unit norm
    assert text.std(0).mean() < 0.1
    assert audio.std(0).max() / audio.std(0).min() > 1e4  # openSMILE: raw units of every size
    test = plain.split(0.2, 0)["test"]
    assert real.generator.bayes(real, test) == plain.generator.bayes(plain, test)
    assert [d.labels.tolist() for d in real.dialogues] == [d.labels.tolist() for d in plain.dialogues]


# ---- studies recorded before this change -----------------------------------------------------------

OLD_STUDY = os.path.join(os.path.dirname(__file__), "data", "study-before-issue-10")


def test_a_study_recorded_before_the_new_fields_still_reports_as_what_it_ran(tmp_path):
    from cmathlab.cli import main
    from cmathlab.report.runs import load_runs

    study = tmp_path / "study"
    shutil.copytree(OLD_STUDY, study)
    sql = (study / "mlflow.sql").read_text().replace("/tmp/oldstudy/study", str(study))
    with sqlite3.connect(study / "mlflow.db") as db:
        db.executescript(sql)
    state = json.loads((study / "study.json").read_text())
    state["tracking_uri"] = f"sqlite:///{study}/mlflow.db"
    (study / "study.json").write_text(json.dumps(state))

    runs = load_runs([str(study)])
    assert len(runs.frame) == 4
    for name, value in BEFORE.items():  # the recipe it ran with, not today's defaults
        if name != "options":
            assert (runs.frame[name] == value).all(), name
    for options in runs.frame["options"]:  # CMATH's own fields, flat then: those added since as that code ran
        own = dict(item.split("=") for item in options.split(", "))
        assert own["context"] == "attention" and own["attention_bias"] == "none" and own["norm"] == "post"
    assert main(["report", str(study), "--format", "md,csv"]) == 0
    assert "Ablation of CMATH's components" in (study / "report" / "report.md").read_text()
