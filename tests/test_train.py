import json

import numpy as np
import pytest
import torch

from cmathlab import engine
from cmathlab.config import Config
from cmathlab.errors import BadInput
from cmathlab.train import fit


def quick(**kw) -> Config:
    return Config.for_dataset("iemocap", **{"dim": 16, "heads": 2, "epochs": 4, "patience": 0, **kw})


@pytest.fixture(scope="module")
def run(tiny_corpus):
    return fit(quick(keep_embeddings=True), tiny_corpus)


def test_same_seed_same_numbers(tiny_corpus, run):
    again = fit(quick(keep_embeddings=True), tiny_corpus)
    assert again.history == [dict(r, seconds=a["seconds"]) for r, a in zip(run.history, again.history)]
    assert again.test == run.test
    np.testing.assert_array_equal(again.embeddings, run.embeddings)
    other = fit(quick(seed=1), tiny_corpus)
    assert [r["loss_total"] for r in other.history] != [r["loss_total"] for r in run.history]


def test_test_numbers_come_from_the_best_validation_epoch_never_the_best_test_epoch(tiny_corpus, monkeypatch):
    real = engine.evaluate
    # validation peaks at epoch 2, test at epoch 1: selection must follow validation
    scripted = {"valid": iter([0.10, 0.50, 0.30]), "test": iter([0.90, 0.20, 0.80])}

    def evaluate(forward, split, batch_size, members, embeddings=False):
        out = real(forward, split, batch_size, members, embeddings)
        name = "valid" if split.ids[0] in tiny_corpus.ids("train") else "test"
        value = next(scripted[name])
        for member in out:
            member.wf1 = member.acc = value
        return out

    monkeypatch.setattr(engine, "evaluate", evaluate)
    result = fit(quick(epochs=3), tiny_corpus)
    assert result.best_epoch == 2
    assert result.test["wf1"] == result.test["acc"] == 0.20
    assert result.valid["wf1"] == 0.50


def test_history_agrees_with_the_selected_epoch(run):
    valid = [r["valid_wf1"] for r in run.history]
    assert run.best_epoch == int(np.argmax(valid)) + 1
    record = run.history[run.best_epoch - 1]
    assert run.test["acc"] == record["test_acc"] and run.test["wf1"] == record["test_wf1"]


def test_result_holds_what_a_table_needs(run, tiny_corpus):
    out = run.to_dict()
    json.dumps(out)
    assert set(out["test"]) == {"acc", "wf1", "per_class_f1", "confusion"}
    assert list(out["test"]["per_class_f1"]) == list(tiny_corpus.label_names)
    confusion = np.array(out["test"]["confusion"])
    n_test = sum(len(d) for d in tiny_corpus.dialogues if d.split == "test")
    assert confusion.sum() == n_test == out["data"]["test_utterances"]
    assert np.trace(confusion) / n_test == pytest.approx(out["test"]["acc"])
    preds = out["predictions"]
    assert len(preds) == len(tiny_corpus.ids("test"))
    assert all(p["length"] == len(p["pred"]) == len(p["label"]) for p in preds.values())
    assert run.embeddings.shape == (n_test, 16)
    assert {"loss_ce_x", "loss_ce_m", "loss_re", "loss_mse", "loss_kl", "loss_total"} <= set(out["history"][0])
    assert set(out["bayes"]) == {"valid_acc", "valid_wf1", "test_acc", "test_wf1"}
    assert out["config"]["variant"] == "full" and out["config"]["split_seed"] == 0


def test_early_stopping_waits_patience_epochs(tiny_corpus):
    result = fit(quick(epochs=30, patience=2, lr=1e-9), tiny_corpus)  # nothing improves after epoch 1
    assert len(result.history) < 30
    assert len(result.history) - result.best_epoch == 2


def test_asking_for_a_modality_the_corpus_lacks_is_bad_input(write_layout):
    from cmathlab.data import read_corpus

    corpus = read_corpus(write_layout("cosmic", "iemocap"))
    with pytest.raises(BadInput, match="asks for modalities 'tav', the corpus has 't'"):
        fit(quick(), corpus)
    assert fit(quick(modalities="t", epochs=1), corpus).test["acc"] >= 0


def test_evaluation_batches_by_length_but_reports_in_the_splits_order(tiny_corpus):
    from cmathlab.data.tensors import PaddedSplit
    from cmathlab.model import build_model

    cfg = quick(dropout=0.0)
    torch.manual_seed(0)
    model = build_model(cfg, tiny_corpus.dims, tiny_corpus.n_speakers, 6).eval()
    split = PaddedSplit.build(tiny_corpus, list(range(len(tiny_corpus.dialogues))), "tav", torch.device("cpu"))
    assert not np.array_equal(split.by_length(), np.arange(len(split)))  # the order really changes

    def forward(batch):
        out = model(batch)
        return out.logits[None], out.embedding[None]

    (result,) = engine.evaluate(forward, split, 3, 1, embeddings=True)
    start = 0
    for row in range(len(split)):  # each dialogue alone, in the split's order
        alone = model(split.batch(np.array([row])))
        n = split.lengths[row]
        np.testing.assert_array_equal(result.preds[row], alone.logits[0].argmax(-1).numpy())
        np.testing.assert_allclose(result.embeddings[start : start + n], alone.embedding[0].detach().numpy(), atol=1e-5)
        start += n


def test_length_buckets_cover_every_dialogue_once_and_pad_less(tiny_corpus):
    from cmathlab.data.tensors import PaddedSplit

    split = PaddedSplit.build(tiny_corpus, list(range(len(tiny_corpus.dialogues))), "t", torch.device("cpu"))
    plain = split.training_batches(np.random.default_rng(0), 2)
    assert [list(b) for b in plain] == [
        list(b) for b in split.batches(2, np.random.default_rng(0).permutation(len(split)))
    ]
    bucketed = split.training_batches(np.random.default_rng(0), 2, bucket=4)
    assert sorted(np.concatenate(bucketed)) == list(range(len(split)))

    def padded(batches):
        return sum(split.lengths[b].max() * len(b) for b in batches)

    assert padded(bucketed) < padded(plain)


def test_a_weight_average_changes_what_is_evaluated_never_how_it_trains(tiny_corpus, run):
    """ema_epochs > 0 (2, the default): evaluation (and so the selected epoch) reads the averaged weights; the trained
    ones go on."""
    plain = fit(quick(keep_embeddings=True, ema_epochs=0.0), tiny_corpus)
    losses = [k for k in run.history[0] if k.startswith("loss_")]
    assert run.config["ema_epochs"] == 2.0
    assert [[r[k] for k in losses] for r in run.history] == [[r[k] for k in losses] for r in plain.history]
    assert not np.allclose(run.embeddings, plain.embeddings)  # the test split seen through the average
    # a horizon under one step: the average is the latest weights, so evaluation is the plain run's
    latest = fit(quick(keep_embeddings=True, ema_epochs=1e-6), tiny_corpus)
    np.testing.assert_allclose(latest.embeddings, plain.embeddings, rtol=1e-5, atol=1e-6)
    assert latest.predictions == plain.predictions
    with pytest.raises(BadInput, match="ema_epochs"):
        quick(ema_epochs=float("inf"))
    assert Config.for_dataset("iemocap", recipe="paper").ema_epochs == 0.0
