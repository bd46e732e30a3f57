"""DialogueGCN (cmathlab/model/dialoguegcn.py): padding, the graph against per-dialogue loops written from the paper's
equations and from the released code's edge lists, relations for any number of speakers, learning, gradients."""

import model_helpers as helpers
import numpy as np
import pytest
import torch
from model_helpers import model_config, one_thread, row  # noqa: F401  (one_thread: an autouse fixture)

from cmathlab.data.synthetic import make_synthetic
from cmathlab.data.tensors import Batch, PaddedSplit
from cmathlab.errors import BadInput
from cmathlab.model import registry
from cmathlab.model.dialoguegcn import DialogueGCN

DIMS = {"t": 12, "a": 7, "v": 9}
SMALL = {"hidden": 8, "graph_hidden": 6, "num_bases": 3}
CODE = {
    "encoder": "lstm",
    "encoder_layers": 2,
    "edge_attention": "code",
    "normalise": "none",
    "self_loop": "code",
    "activation": "none",
    "nodal_attention": "code",
    "max_seq_len": 12,
    "root_init": "pyg",
}


def config(dataset="iemocap", modalities="tav", variant="full", dropout=0.3, **opts):
    return model_config(DialogueGCN, SMALL, dataset, modalities, variant, dropout, **opts)


def random_batch(lengths, n_speakers, seed=0, n_classes=6):
    return helpers.random_batch(lengths, DIMS, n_speakers, n_classes, seed)


def test_it_keeps_the_protocol():
    assert registry.check(DialogueGCN, "dialoguegcn") is DialogueGCN
    assert not DialogueGCN.past_only
    for f in DialogueGCN.fields:
        for value in (f.default, *f.per_dataset.values()):
            f.check(value, f.name)


@pytest.mark.parametrize(
    "opts,variant,n_speakers",
    [
        ({}, "full", 3),
        (CODE, "full", 3),
        ({"window_past": 2, "window_future": 1, "num_bases": 0}, "full", 9),
        ({**CODE, "window_past": 1, "window_future": 3}, "full", 2),
        ({"window_past": -1, "window_future": 0, "nodal_attention": "none"}, "full", 2),
        ({}, "w/o speaker-level encoder", 2),
        ({}, "w/o sequential encoder", 2),
        ({}, "w/o speaker relations", 3),
        ({}, "w/o temporal relations", 3),
    ],
)
def test_a_dialogue_alone_gives_what_it_gives_in_a_padded_batch(opts, variant, n_speakers):
    torch.manual_seed(0)
    model = DialogueGCN(config(variant=variant, **opts), DIMS, n_speakers, 6).eval()
    lengths = [5, 2, 7]
    batch = random_batch(lengths, n_speakers)
    with torch.no_grad():
        together = model(batch)
        assert together.logits.shape == (3, 7, 6) and together.embedding.shape == (3, 7, SMALL["graph_hidden"])
        for i, length in enumerate(lengths):
            alone = model(row(batch, i, length))
            torch.testing.assert_close(together.logits[i, :length], alone.logits[0], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(together.embedding[i, :length], alone.embedding[0], atol=1e-5, rtol=1e-5)


def test_the_future_reaches_the_past_it_is_not_past_only():
    torch.manual_seed(0)
    model = DialogueGCN(config(), DIMS, 2, 6).eval()
    batch = random_batch([6], 2)
    changed = random_batch([6], 2, seed=1)
    later = Batch(
        features={m: torch.cat([x[:, :3], changed.features[m][:, 3:]], 1) for m, x in batch.features.items()},
        speakers=batch.speakers,
        labels=batch.labels,
        mask=batch.mask,
    )
    with torch.no_grad():
        assert not torch.allclose(model(batch).logits[:, :3], model(later).logits[:, :3])


def paper_graph(model, g, speakers, p, f, n_speakers):
    """Eqs. 1-3 for one dialogue, one utterance at a time, from the module's weights."""
    n, rgcn = len(g), model.rgcn
    w_r = torch.einsum("rk,kde->rde", rgcn.mix, rgcn.basis) if hasattr(rgcn, "basis") else rgcn.weight
    relation = lambda j, i: 2 * (n_speakers * speakers[j] + speakers[i]) + (0 if j < i else 1)  # noqa: E731
    win = [[j for j in range(n) if i - p <= j <= i + f] for i in range(n)]
    h1 = []
    for i in range(n):
        scores = torch.stack([model.edge_attention.w_e(g[i]) @ g[j] for j in win[i]])
        alpha = dict(zip(win[i], torch.softmax(scores, 0)))  # eq. 1
        out = alpha[i] * rgcn.root(g[i])
        for j in win[i]:
            if j != i:
                c = sum(1 for k in win[i] if k != i and relation(k, i) == relation(j, i))
                out = out + alpha[j] / c * (g[j] @ w_r[relation(j, i)])
        h1.append(torch.relu(out))  # eq. 2
    h2 = [
        torch.relu(model.gcn.root(h1[i]) + sum(model.gcn.neighbour(h1[j]) for j in win[i] if j != i)) for i in range(n)
    ]  # eq. 3
    return torch.stack(h2)


def code_graph(model, g, speakers, p, f, n_speakers):
    """The released code's graph for one dialogue: edge_perms' (j, k) list, MaskedEdgeAttention 'attn1',
    RGCNConv (torch_geometric 1.3: messages j -> k summed, edge_norm, root, bias) then GraphConv, no activation."""
    n, rgcn = len(g), model.rgcn
    w_r = torch.einsum("rk,kde->rde", rgcn.mix, rgcn.basis) if hasattr(rgcn, "basis") else rgcn.weight
    edges = [(j, k) for j in range(n) for k in range(max(0, j - p), min(n, j + f + 1))]
    w = model.edge_attention.scalar.weight  # (max_seq_len, d): row j is position j's vector
    norm = {}
    for j in range(n):
        targets = [k for (a, k) in edges if a == j]
        norm.update(zip([(j, k) for k in targets], torch.softmax(torch.stack([w[j] @ g[k] for k in targets]), 0)))
    out1 = [rgcn.root(g[k]) for k in range(n)]
    for j, k in edges:
        edge_type = 2 * (n_speakers * speakers[j] + speakers[k]) + (0 if j < k else 1)
        out1[k] = out1[k] + norm[(j, k)] * (g[j] @ w_r[edge_type])
    out2 = [model.gcn.root(out1[k]) + sum(model.gcn.neighbour(out1[j]) for (j, a) in edges if a == k) for k in range(n)]
    return torch.stack(out2)


@pytest.mark.parametrize(
    "opts,reference",
    [
        ({"window_past": 2, "window_future": 1}, paper_graph),
        ({"window_past": 3, "window_future": 0, "num_bases": 0}, paper_graph),
        ({**CODE, "window_past": 2, "window_future": 1}, code_graph),
        ({**CODE, "window_past": 1, "window_future": 3, "num_bases": 40}, code_graph),
    ],
)
def test_the_dense_graph_matches_the_equations_edge_by_edge(opts, reference):
    torch.manual_seed(0)
    n_speakers = 3
    model = DialogueGCN(config(**opts), DIMS, n_speakers, 6).eval()
    lengths = [6, 3]
    g = torch.randn(2, 6, 2 * SMALL["hidden"])
    speakers = torch.tensor([[0, 2, 1, 1, 0, 2], [1, 0, 1, 0, 0, 0]])
    mask = torch.arange(6)[None, :] < torch.tensor(lengths)[:, None]
    with torch.no_grad():
        dense = model.speaker_level(g, speakers, mask)
        for i, length in enumerate(lengths):
            expected = reference(
                model,
                g[i, :length],
                speakers[i, :length].tolist(),
                opts["window_past"],
                opts["window_future"],
                n_speakers,
            )
            torch.testing.assert_close(dense[i, :length], expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("n_speakers", [2, 9, 12])
def test_every_speaker_pair_and_direction_is_its_own_relation(n_speakers):
    model = DialogueGCN(config(), DIMS, n_speakers, 6)
    assert model.rgcn.n_relations == 2 * n_speakers**2
    pairs = torch.cartesian_prod(torch.arange(n_speakers), torch.arange(n_speakers))  # every (s_a, s_b)
    speakers = pairs.reshape(-1, 2)  # dialogues of two utterances
    relation = model.relations(speakers)  # (D, 2, 2)
    ids = torch.cat([relation[:, 1, 0], relation[:, 0, 1]])  # 0 -> 1 (before) and 1 -> 0 (after)
    assert sorted(ids.tolist()) == list(range(2 * n_speakers**2))


def test_code_attention_refuses_a_dialogue_longer_than_its_positions():
    model = DialogueGCN(config(**CODE), DIMS, 2, 6)
    with pytest.raises(BadInput, match="max_seq_len"):
        model(random_batch([13], 2))


def test_code_class_weights_are_train_iemocaps():
    torch.manual_seed(0)
    model = DialogueGCN(config(class_weight="code"), DIMS, 2, 6)
    batch = random_batch([5, 3], 2)
    out = model(batch)
    weight = 1 / torch.tensor([0.086747, 0.144406, 0.227883, 0.160585, 0.127711, 0.252668])
    expected = torch.nn.functional.cross_entropy(out.logits[batch.mask], batch.labels[batch.mask], weight=weight)
    torch.testing.assert_close(model.loss_terms(out, batch)["total"], expected)
    with pytest.raises(BadInput, match="six"):  # refused when the run's Config is built
        DialogueGCN.check_config(config(dataset="meld", class_weight="code"))


@pytest.mark.parametrize("modalities", ["t", "av"])
def test_it_fuses_any_subset_of_modalities(modalities):
    model = DialogueGCN(config(modalities=modalities), DIMS, 2, 6)
    assert model(random_batch([4, 2], 2)).logits.shape == (2, 4, 6)


@pytest.mark.parametrize("opts", [{}, CODE])
def test_gradient_reaches_every_parameter(opts):
    torch.manual_seed(0)
    model = DialogueGCN(config(dropout=0.0, **opts), DIMS, 3, 6)
    batch = random_batch([6, 4, 6], 3)
    model.loss_terms(model(batch), batch)["total"].backward()
    for name, p in model.named_parameters():
        if name == "edge_attention.scalar.weight":  # positions past the longest dialogue never score
            assert p.grad[:6].abs().sum() > 0 and p.grad[6:].abs().sum() == 0
            continue
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_it_learns_synthetic_iemocap():
    corpus = make_synthetic("iemocap", scale=0.06, seed=1)
    train = [i for i, d in enumerate(corpus.dialogues) if d.split == "train"]
    split = PaddedSplit.build(corpus, train, "tav", torch.device("cpu"))
    batch = split.batch(np.arange(len(split)))
    n_classes = len(corpus.label_names)
    torch.manual_seed(0)
    model = DialogueGCN(config(hidden=16, graph_hidden=16, num_bases=4), corpus.dims, corpus.n_speakers, n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        model.train()
        optimizer.zero_grad()
        loss = model.loss_terms(model(batch), batch)["total"]
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        accuracy = (model(batch).logits.argmax(-1) == batch.labels)[batch.mask].float().mean().item()
    assert losses[-1] < 0.6 * losses[0], losses
    assert accuracy > 1 / n_classes + 0.25, accuracy
