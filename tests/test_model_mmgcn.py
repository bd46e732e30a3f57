"""MMGCN (cmathlab.model.mmgcn): padding-free batching, the graph, the loss options, and that it learns."""

import numpy as np
import pytest
import torch
from model_helpers import model_config, random_batch, row

from cmathlab.data.tensors import Batch, PaddedSplit
from cmathlab.model.mmgcn import MMGCN, multimodal_adjacency
from cmathlab.model.protocol import Model

DIMS = {"t": 12, "a": 9, "v": 7}
TINY = {"hidden": 8, "node_dim": 10}


def config(modalities="tav", dataset="iemocap", dropout=0.3, **opts):
    return model_config(MMGCN, TINY, dataset, modalities, "full", dropout, **opts)


def padded_batch(lengths, n_speakers=2, n_classes=6, seed=0):
    return random_batch(lengths, DIMS, n_speakers, n_classes, seed)


@pytest.mark.parametrize(
    "modalities,opts",
    [("tav", {}), ("t", {}), ("av", {"speaker_to": "all"}), ("ta", {"layers": 64, "gcn": "gcnii", "gamma": 0.5})],
)
def test_a_dialogue_alone_equals_it_inside_a_padded_batch(modalities, opts):
    torch.manual_seed(0)
    model = MMGCN(config(modalities, **opts), DIMS, 2, 6).eval()
    lengths = [5, 2, 7]
    batch = padded_batch(lengths)
    with torch.no_grad():
        out = model(batch)
        assert out.logits.shape == (3, 7, 6) and out.embedding.shape[:2] == (3, 7)
        for i, length in enumerate(lengths):
            alone = model(row(batch, i, length))
            torch.testing.assert_close(out.logits[i, :length], alone.logits[0], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(out.embedding[i, :length], alone.embedding[0], atol=1e-5, rtol=1e-5)


def test_padding_content_never_reaches_a_real_utterance():
    torch.manual_seed(0)
    model = MMGCN(config(), DIMS, 2, 6).eval()
    batch = padded_batch([3, 6])
    other = padded_batch([3, 6], seed=1)
    pad = ~batch.mask
    noisy = Batch(
        features={m: torch.where(pad[..., None], other.features[m] * 50, x) for m, x in batch.features.items()},
        speakers=torch.where(pad, 1, batch.speakers),
        labels=batch.labels,
        mask=batch.mask,
    )
    with torch.no_grad():
        torch.testing.assert_close(model(batch).logits[batch.mask], model(noisy).logits[batch.mask])


def test_the_graph_joins_a_modality_fully_and_modalities_per_utterance_only():
    x = torch.randn(2, 3, 4, 5)  # (B, M, n, d)
    mask = torch.tensor([[True, True, True, False], [True, True, True, True]])
    p = multimodal_adjacency(x, mask, gamma=1.0)
    assert p.shape == (2, 12, 12)
    torch.testing.assert_close(p, p.transpose(1, 2))
    a = (p[0] != 0).reshape(3, 4, 3, 4)
    for m in range(3):
        for k in range(3):
            block = a[m, :, k, :]
            if m == k:  # every two real utterances of one modality, self-loops included
                assert block[:3, :3].all()
            else:  # only the same utterance across modalities
                assert torch.equal(block[:3, :3], torch.eye(3, dtype=torch.bool))
            assert not block[3].any() and not block[:, 3].any()  # padding: no edge at all
    # the symmetric normalisation of 1 - arccos(cos)/pi, by hand for dialogue 1
    unit = torch.nn.functional.normalize(x[1], dim=-1).reshape(12, 5)
    same_utt = torch.arange(12)[:, None] % 4 == torch.arange(12)[None, :] % 4
    same_mod = torch.arange(12)[:, None] // 4 == torch.arange(12)[None, :] // 4
    a1 = (1 - torch.acos(unit @ unit.T * 0.99999) / torch.pi) * (same_mod | same_utt)
    d = a1.sum(1).rsqrt()
    torch.testing.assert_close(p[1], d[:, None] * a1 * d[None, :], atol=1e-6, rtol=1e-5)
    # gamma scales the inter-modal edges only
    p_half = multimodal_adjacency(x, mask, gamma=0.5)
    assert not torch.allclose(p_half, p)


def test_fields_settings_and_protocol():
    assert issubclass(MMGCN, Model) and MMGCN.name == "mmgcn" and not MMGCN.past_only
    names = {f.name for f in MMGCN.fields}
    assert {"layers", "gamma", "alpha", "lamda", "loss", "speaker_to", "gcn"} <= names
    layers = next(f for f in MMGCN.fields if f.name == "layers")
    assert layers.default == 4 and layers.check(64, "mmgcn.layers") == 64
    for f in MMGCN.fields:
        f.check(f.default, f.name)
    allowed = {
        "lr",
        "batch_size",
        "dropout",
        "weight_decay",
        "grad_clip",
        "warmup_steps",
        "ema_epochs",
        "epochs",
        "dim",
    }
    for dataset, values in MMGCN.settings.items():
        assert set(values) <= allowed, dataset
    assert MMGCN.settings["iemocap"]["lr"] == 3e-4 and MMGCN.settings["meld"]["lr"] == 1e-3
    model = MMGCN(config(layers=3), DIMS, 2, 6)
    assert len(model.gcn.convs) == 3


def test_code_loss_weights_iemocap_and_is_the_focal_loss_on_meld():
    torch.manual_seed(0)
    batch = padded_batch([4, 2])
    iemo = MMGCN(config(loss="code"), DIMS, 2, 6)
    out = iemo(batch)
    ce = MMGCN(config(), DIMS, 2, 6).loss_terms(out, batch)["total"]
    weighted = iemo.loss_terms(out, batch)["total"]
    assert torch.isfinite(weighted) and not torch.allclose(weighted, ce)
    meld = MMGCN(config(dataset="meld", loss="code"), DIMS, 9, 7)
    batch7 = padded_batch([4, 2], n_speakers=9, n_classes=7)
    out7 = meld(batch7)
    log_p = torch.log_softmax(out7.logits[batch7.mask], -1)
    y = batch7.labels[batch7.mask]
    by_hand = -log_p.clone()
    target = log_p[torch.arange(len(y)), y]
    by_hand[torch.arange(len(y)), y] = -((1 - target) ** 2.5) * target
    torch.testing.assert_close(meld.loss_terms(out7, batch7)["total"], by_hand.mean())


def test_gradient_reaches_every_parameter():
    torch.manual_seed(0)
    model = MMGCN(config(speaker_to="all"), DIMS, 2, 6).train()
    batch = padded_batch([5, 3, 6])
    model.loss_terms(model(batch), batch)["total"].backward()
    for name, param in model.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_mmgcn_learns_synthetic_iemocap():
    from cmathlab.data.synthetic import make_synthetic

    torch.manual_seed(0)
    corpus = make_synthetic("iemocap", scale=0.06, seed=1)
    train = [i for i, d in enumerate(corpus.dialogues) if d.split == "train"]
    split = PaddedSplit.build(corpus, train, "tav", torch.device("cpu"))
    model = MMGCN(config(dropout=0.1, hidden=16, node_dim=16), corpus.dims, corpus.n_speakers, len(corpus.label_names))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    whole = split.batch(np.arange(len(split)))
    keep = 24  # each dialogue's first 24 utterances (padding is at the end): a fast test, still a context
    batch = Batch(
        features={m: x[:, :keep] for m, x in whole.features.items()},
        speakers=whole.speakers[:, :keep],
        labels=whole.labels[:, :keep],
        mask=whole.mask[:, :keep],
    )

    def loss_and_accuracy():
        model.eval()
        with torch.no_grad():
            out = model(batch)
        model.train()
        accuracy = (out.logits.argmax(-1) == batch.labels)[batch.mask].float().mean().item()
        return model.loss_terms(out, batch)["total"].item(), accuracy

    first, _ = loss_and_accuracy()
    for _ in range(15):
        loss = model.loss_terms(model(batch), batch)["total"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    last, accuracy = loss_and_accuracy()
    assert last < 0.7 * first, (first, last)
    assert accuracy > 1 / len(corpus.label_names) + 0.2, accuracy
