"""DialogueRNN (cmathlab/model/dialoguernn.py): padding never reaches a real utterance, the unidirectional
configuration sees only the past, the model learns, gradient reaches every weight, and the code's class weights."""

import numpy as np
import pytest
import torch
from model_helpers import model_config, one_thread  # noqa: F401  (one_thread: an autouse fixture)

from cmathlab.data.synthetic import make_synthetic
from cmathlab.data.tensors import Batch, PaddedSplit
from cmathlab.errors import BadInput
from cmathlab.model.dialoguernn import CODE_CLASS_WEIGHTS, DialogueRNN, UtteranceGRUCell, reverse_within
from cmathlab.model.protocol import masked_cross_entropy

DIMS = {"t": 7, "a": 5, "v": 3}
TINY = {"d_g": 12, "d_p": 10, "d_e": 8, "d_h": 6}
N_SPEAKERS, N_CLASSES = 3, 6


def config(dataset="iemocap", variant="full", modalities="tav", dropout=0.1, **opts):
    return model_config(DialogueRNN, TINY, dataset, modalities, variant, dropout, **opts)


def model(seed=0, n_classes=N_CLASSES, **kw):
    torch.manual_seed(seed)
    return DialogueRNN(config(**kw), DIMS, N_SPEAKERS, n_classes)


def dialogues(lengths=(5, 2, 7), seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        (
            {m: torch.randn(n, d, generator=g) for m, d in DIMS.items()},
            torch.randint(0, N_SPEAKERS, (n,), generator=g),
            torch.randint(0, N_CLASSES, (n,), generator=g),
        )
        for n in lengths
    ]


def pad(items) -> Batch:
    """Dialogues padded at the end to the longest: zero features, speaker 0, label -1."""
    n = max(len(s) for _, s, _ in items)
    feats = {m: torch.zeros(len(items), n, d) for m, d in DIMS.items()}
    speakers = torch.zeros(len(items), n, dtype=torch.long)
    labels = torch.full((len(items), n), -1, dtype=torch.long)
    for b, (f, s, y) in enumerate(items):
        for m in DIMS:
            feats[m][b, : len(s)] = f[m]
        speakers[b, : len(s)], labels[b, : len(s)] = s, y
    return Batch(features=feats, speakers=speakers, labels=labels, mask=labels >= 0)


CONFIGS = [
    {},  # BiDialogueRNN+Att, the default
    {"bidirectional": False, "emotion_attention": False},  # DialogueRNN
    {"listener_state": True, "emotion_attention_bias": True},  # DialogueRNN_l, the code's attention
    {"variant": "w/o party state"},
    {"variant": "w/o emotion GRU", "bidirectional": False},
    {"modalities": "a"},
]


@pytest.mark.parametrize("kw", CONFIGS)
def test_a_dialogue_alone_gives_what_it_gives_in_a_padded_batch(kw):
    m = model(**kw).eval()
    items = dialogues()
    with torch.no_grad():
        batched = m(pad(items))
        for b, item in enumerate(items):
            n = len(item[1])
            alone = m(pad([item]))
            torch.testing.assert_close(batched.logits[b, :n], alone.logits[0], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(batched.embedding[b, :n], alone.embedding[0], atol=1e-5, rtol=1e-5)
    assert batched.logits.shape == (3, 7, N_CLASSES) and torch.isfinite(batched.logits).all()


def test_reverse_within_reverses_each_dialogue_in_its_own_length():
    x = torch.arange(8.0).view(2, 4, 1)
    out = reverse_within(x, torch.tensor([3, 1]))
    assert out.squeeze(-1).tolist() == [[2, 1, 0, 3], [4, 5, 6, 7]]
    torch.testing.assert_close(reverse_within(out, torch.tensor([3, 1])), x)


def test_the_split_gru_cell_is_nn_grucell():
    torch.manual_seed(0)
    cell = UtteranceGRUCell(5, 3, 4)
    u, x, h = torch.randn(2, 6, 5), torch.randn(2, 6, 3), torch.randn(2, 4)
    gi_u, w_x = cell.project(u)
    for t in range(6):
        torch.testing.assert_close(
            cell.step(gi_u[t] + x[:, t] @ w_x.T, h),
            torch.nn.GRUCell.forward(cell, torch.cat([u[:, t], x[:, t]], -1), h),
        )


def test_unidirectional_without_emotion_attention_sees_only_the_past():
    m = model(bidirectional=False, emotion_attention=False, listener_state=True).eval()
    assert m.past_only and not model().past_only and not DialogueRNN.past_only
    feats, speakers, labels = dialogues((9,))[0]
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        before = m(pad([(feats, speakers, labels)])).logits[0]
        for t in range(9):
            changed = {
                k: torch.cat([x[: t + 1], torch.randn(9 - t - 1, x.shape[1], generator=g)]) for k, x in feats.items()
            }
            later = torch.cat([speakers[: t + 1], (speakers[t + 1 :] + 1) % N_SPEAKERS])
            after = m(pad([(changed, later, labels)])).logits[0]
            torch.testing.assert_close(after[: t + 1], before[: t + 1], atol=1e-6, rtol=1e-6)
            if t < 8:
                assert not torch.allclose(after[t + 1 :], before[t + 1 :])


@pytest.mark.parametrize("kw", [{}, {"bidirectional": False}, {"emotion_attention": False}])
def test_the_bidirectional_and_attentive_configurations_read_the_future(kw):
    m = model(**kw).eval()
    assert not m.past_only
    feats, speakers, labels = dialogues((6,))[0]
    changed = {k: torch.cat([x[:3], x[3:] + 1.0]) for k, x in feats.items()}
    with torch.no_grad():
        a, b = m(pad([(feats, speakers, labels)])).logits[0], m(pad([(changed, speakers, labels)])).logits[0]
    assert not torch.allclose(a[:3], b[:3])


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"listener_state": True, "emotion_attention_bias": True},
        {"variant": "w/o party state"},
        {"variant": "w/o emotion GRU"},
    ],
)
def test_gradient_reaches_every_parameter(kw):
    m = model(**kw).train()
    batch = pad(dialogues())
    m.loss_terms(m(batch), batch)["total"].backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_the_listener_state_only_adds_a_listener_gru():
    names = lambda m: {n for n, _ in m.named_parameters()}  # noqa: E731
    assert names(model(listener_state=True)) - names(model()) == {
        f"passes.{i}.listener_gru.{w}" for i in (0, 1) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }


def test_class_weights_are_the_codes_per_dataset():
    batch = pad(dialogues())
    m = model()  # IEMOCAP: train_IEMOCAP.py weights by 1 / class frequency
    out = m(batch)
    w = torch.tensor(CODE_CLASS_WEIGHTS["iemocap"])
    torch.testing.assert_close(
        m.loss_terms(out, batch)["total"], masked_cross_entropy(out.logits, batch.labels, batch.mask, w)
    )
    m = model(dataset="meld", n_classes=N_CLASSES)  # MELD: unweighted
    assert m.class_weights is None
    torch.testing.assert_close(
        m.loss_terms(out, batch)["total"], masked_cross_entropy(out.logits, batch.labels, batch.mask)
    )
    with pytest.raises(BadInput, match="class weights"):  # refused when the run's Config is built
        DialogueRNN.check_config(config(dataset="mydata", class_weight=True))
    assert model(dataset="mydata").class_weights is None


def test_defaults_are_the_codes_per_dataset():
    iemocap = {f.name: f.default_for("iemocap") for f in DialogueRNN.fields}
    meld = {f.name: f.default_for("meld") for f in DialogueRNN.fields}
    assert (iemocap["d_g"], iemocap["d_p"], iemocap["d_e"], iemocap["d_h"]) == (500, 500, 300, 300)
    assert (meld["d_g"], meld["d_p"], meld["d_e"], meld["d_h"]) == (150, 150, 100, 100)
    assert iemocap["bidirectional"] and iemocap["emotion_attention"] and not iemocap["listener_state"]
    assert iemocap["class_weight"] and not meld["class_weight"]
    for f in DialogueRNN.fields:
        for value in (f.default, *f.per_dataset.values()):
            f.check(value, f.name)


def test_it_learns_synthetic_iemocap():
    corpus = make_synthetic("iemocap", scale=0.06, seed=1)
    train = [i for i, d in enumerate(corpus.dialogues) if d.split == "train"]
    split = PaddedSplit.build(corpus, train, "tav", torch.device("cpu"))
    full = split.batch(np.arange(len(split)))
    keep = 24  # each dialogue's first 24 utterances (a prefix is a dialogue): the test stays fast
    batch = Batch(
        features={m: x[:, :keep] for m, x in full.features.items()},
        speakers=full.speakers[:, :keep],
        labels=full.labels[:, :keep],
        mask=full.mask[:, :keep],
    )
    n_classes = len(corpus.label_names)
    torch.manual_seed(0)
    cfg = config(d_g=32, d_p=32, d_e=24, d_h=24)
    m = DialogueRNN(cfg, corpus.dims, corpus.n_speakers, n_classes)
    optimizer = torch.optim.Adam(m.parameters(), lr=5e-3)
    losses = []
    for _ in range(20):
        m.train()
        optimizer.zero_grad()
        loss = m.loss_terms(m(batch), batch)["total"]
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    m.eval()
    with torch.no_grad():
        predicted = m(batch).logits.argmax(-1)
    accuracy = (predicted == batch.labels)[batch.mask].float().mean().item()
    assert losses[-1] < 0.7 * losses[0], losses  # about 0.5 over seeds 0-2
    assert accuracy > 1 / n_classes + 0.25, accuracy
