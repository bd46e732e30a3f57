"""MM-DFN (`cmathlab.model.mmdfn`): padding invariance, the graph, the loss, learning, gradients."""

from __future__ import annotations

import math
import types

import numpy as np
import pytest
import torch
from model_helpers import model_config, one_thread, random_batch, row  # noqa: F401  (one_thread: an autouse fixture)

from cmathlab.data.synthetic import make_synthetic
from cmathlab.data.tensors import PaddedSplit
from cmathlab.model.mmdfn import MMDFN, adjacency
from cmathlab.model.protocol import masked_cross_entropy

DIMS = {"t": 12, "a": 7, "v": 9}
TINY = {"hidden": 8, "graph_hidden": 6, "layers": 3}


def config(modalities="tav", dataset="iemocap", variant="full", dropout=0.3, **opts):
    return model_config(MMDFN, TINY, dataset, modalities, variant, dropout, **opts)


def hand_batch(lengths, n_speakers=2, seed=0, dims=DIMS):
    return random_batch(lengths, dims, n_speakers, 6, seed)


@pytest.mark.parametrize(
    "modalities,rnn,n_speakers,variant",
    [
        ("tav", "lstm", 2, "full"),
        ("tav", "gru", 9, "full"),
        ("a", "lstm", 2, "full"),
        ("t", "gru", 3, "full"),
        ("tv", "lstm", 2, "w/o dynamic gates"),
        ("tav", "lstm", 2, "w/o speaker embedding"),
        ("at", "gru", 2, "w/o context embedding"),
    ],
)
def test_a_dialogue_alone_equals_it_inside_a_padded_batch(modalities, rnn, n_speakers, variant):
    torch.manual_seed(0)
    cfg = config(modalities, variant=variant, rnn=rnn, speaker_v=0.5)
    model = MMDFN(cfg, DIMS, n_speakers, 6).eval()
    lengths = [5, 2, 7]
    batch = hand_batch(lengths, n_speakers)
    with torch.no_grad():
        together = model(batch)
        assert together.logits.shape == (3, 7, 6)
        assert together.embedding.shape == (3, 7, len(modalities) * (8 + 6))
        for i, length in enumerate(lengths):
            alone = model(row(batch, i, length))
            assert torch.allclose(alone.logits[0], together.logits[i, :length], atol=1e-5)
            assert torch.allclose(alone.embedding[0], together.embedding[i, :length], atol=1e-5)
        assert torch.isfinite(together.logits).all()


def test_it_reads_later_utterances():
    """past_only is False: the BiRNNs and the graph read the whole dialogue."""
    assert MMDFN.past_only is False
    model = MMDFN(config(), DIMS, 2, 6).eval()
    batch = hand_batch([6])
    changed = hand_batch([6])
    changed.features = {m: x.clone() for m, x in batch.features.items()}
    changed.speakers = batch.speakers
    changed.features["t"][0, 5] += 3.0
    with torch.no_grad():
        assert not torch.allclose(model(batch).logits[0, 0], model(changed).logits[0, 0], atol=1e-6)


def test_graph_edges_weights_and_normalisation():
    """Sec. 2.3: intra-modal edges between all of a dialogue's nodes, inter-modal ones within an utterance only,
    angular-similarity weights, D^-1/2 A D^-1/2 over real nodes; padding nodes have no edges."""
    x = torch.randn(3, 2, 4, 5)  # (M, B, n, d)
    mask = torch.tensor([[True, True, True, True], [True, True, False, False]])
    x[:, 1, 2:] = 0  # zero padding must give no NaN
    adj = adjacency(x, mask, modal_weight=0.7)
    assert adj.shape == (2, 12, 12) and torch.isfinite(adj).all()
    unit = torch.nn.functional.normalize(x, dim=-1)
    raw = torch.zeros(2, 12, 12)
    for b in range(2):
        real = [m * 4 + t for m in range(3) for t in range(4) if mask[b, t]]
        for i in real:
            for j in real:
                mi, ti, mj, tj = i // 4, i % 4, j // 4, j % 4
                if mi == mj or ti == tj:
                    cos = (unit[mi, b, ti] * unit[mj, b, tj]).sum()
                    raw[b, i, j] = (1 - math.acos(cos * 0.99999) / math.pi) * (0.7 if mi != mj else 1.0)
    degree = raw.sum(-1)
    scale = torch.where(degree > 0, degree.clamp(min=1e-12) ** -0.5, torch.zeros_like(degree))
    assert torch.allclose(adj, scale[:, :, None] * raw * scale[:, None, :], atol=1e-6)
    assert adj[1, :, 2].abs().sum() == 0 and adj[1, 6].abs().sum() == 0  # padding nodes stay out


def test_focal_loss_is_the_codes_and_ce_is_the_papers():
    torch.manual_seed(1)
    batch = hand_batch([4, 2])
    logits = torch.randn(2, 4, 6, requires_grad=True)
    out = types.SimpleNamespace(logits=logits)
    ce_model = MMDFN(config(), DIMS, 2, 6)
    assert ce_model.loss_terms(out, batch)["total"].item() == pytest.approx(
        masked_cross_entropy(logits, batch.labels, batch.mask).item()
    )
    focal = MMDFN(config(loss="focal", focal_gamma=1.0), DIMS, 2, 6)  # iemocap: the code's class weights
    got = focal.loss_terms(out, batch)
    logp = torch.log_softmax(logits, -1)[batch.mask]
    y = batch.labels[batch.mask]
    lp = logp[torch.arange(len(y)), y]
    weight = 1 / torch.tensor([0.086747, 0.144406, 0.227883, 0.160585, 0.127711, 0.252668])[y]
    want = (-(1 - lp.exp()) * weight * lp).mean()
    assert set(got) == {"ce_x", "total"} and got["total"].item() == pytest.approx(want.item(), rel=1e-5)
    unweighted = MMDFN(config(dataset="meld", loss="focal"), DIMS, 9, 7)  # MELD: no class weights in the code
    assert unweighted.alpha is None


def test_defaults_follow_the_run_scripts():
    f = {x.name: x for x in MMDFN.fields}
    assert [f[k].default_for("iemocap") for k in ("speaker_a", "speaker_v", "speaker_t")] == [3.0, 0.0, 1.0]
    assert [f[k].default_for("meld") for k in ("speaker_a", "speaker_v", "speaker_t")] == [0.5, 0.5, 1.5]
    assert f["rnn"].default == "lstm" and f["loss"].default == "ce"
    for x in MMDFN.fields:
        for dataset in ("iemocap", "meld", "other"):
            x.check(x.default_for(dataset), x.name)


def test_it_learns_on_synthetic_iemocap():
    torch.manual_seed(0)
    corpus = make_synthetic("iemocap", scale=0.06, seed=1)
    train = [i for i, d in enumerate(corpus.dialogues) if d.split == "train"]
    split = PaddedSplit.build(corpus, train, "tav", torch.device("cpu"))
    n_classes = len(corpus.label_names)
    cfg = config(hidden=16, graph_hidden=8, layers=2, rnn_layers=1, dropout=0.1)
    model = MMDFN(cfg, corpus.dims, corpus.n_speakers, n_classes)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    batch = split.batch(np.arange(len(split)))

    def loss_and_accuracy():
        model.eval()
        with torch.no_grad():
            out = model(batch)
        model.train()
        acc = (out.logits.argmax(-1)[batch.mask] == batch.labels[batch.mask]).float().mean().item()
        return model.loss_terms(out, batch)["total"].item(), acc

    before, _ = loss_and_accuracy()
    for _ in range(20):  # a few dozen Adam steps on all training dialogues (CPU time is the limit)
        opt.zero_grad()
        model.loss_terms(model(batch), batch)["total"].backward()
        opt.step()
    after, accuracy = loss_and_accuracy()
    assert after < 0.6 * before
    assert accuracy > 1 / n_classes + 0.25


def test_gradient_reaches_every_parameter():
    torch.manual_seed(0)
    model = MMDFN(config(speaker_v=0.5), DIMS, 2, 6)
    batch = hand_batch([5, 3, 4])
    model.loss_terms(model(batch), batch)["total"].backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_speaker_weight_zero_builds_no_speaker_rnn_and_odd_hidden_is_refused():
    model = MMDFN(config(speaker_t=0.0, speaker_a=0.0, speaker_v=0.0), DIMS, 2, 6)
    assert model.encode.speaker is None
    from cmathlab.errors import BadInput

    with pytest.raises(BadInput):
        MMDFN.check_config(config(hidden=7))  # refused when the run's Config is built
