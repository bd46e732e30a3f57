"""DialogueGCN, early fusion: Ghosal, Majumder, Poria, Chhaya and Gelbukh, "DialogueGCN: A Graph Convolutional
Neural Network for Emotion Recognition in Conversation", EMNLP-IJCNLP 2019. Released code: declare-lab/conv-emotion,
DialogueGCN/model.py (DialogueGCNModel, MaskedEdgeAttention, GraphNetwork on torch_geometric 1.3's RGCNConv and
GraphConv) and train_IEMOCAP.py; the README's IEMOCAP command sets the run fields.

What is implemented, in the order of the paper's model figure (equation numbers as the authors' own code cites them:
"Equation 1" for the edge weights, "4, 5, 6" for the nodal attention, "7, 8, 9" for the classifier):
  u_i        the modalities in `cfg.modalities` concatenated per utterance (early fusion, as CMATH ran it; the
             paper and its code feed text alone)
  g_i        Sequential Context Encoder: a bidirectional GRU over the dialogue, packed so padding never enters
  alpha_ij   eq. 1: softmax over i's window j = i-p..i+f of g_i^T W_e g_j (incoming weights of i sum to 1)
  h1_i       eq. 2: relational graph convolution, relation r = (speaker of j, speaker of i, j before i or not),
             2 M^2 relations for M = n_speakers; sum_r sum_{j in N_i^r} alpha_ij / c_ir W_r g_j + alpha_ii W_0 g_i
  h2_i       eq. 3: a second, plain graph convolution over the same neighbourhoods
  h_i        eq. 4: [g_i ; h2_i]
  ~h_i       eqs. 5-6: attention of h_i over every utterance of the dialogue (nodal attention)
  logits     eqs. 7-8: ReLU(W_l ~h_i + b_l), then W_smax (softmax is in the cross-entropy, eq. 10)
The graph is dense and masked: (B, n, n) adjacency, weights and relation ids, padding outside every edge.

Where the released code and the paper disagree (paper by default; the code's choice is a field):
  - encoder: the paper's bidirectional GRU (one recurrence, §Sequential Context Encoder); the README runs a
    2-layer bidirectional LSTM (`encoder="lstm"`, `encoder_layers=2`).
  - edge_attention: eq. 1 scores g_i^T W_e g_j and normalises over the edges INTO i; MaskedEdgeAttention
    ('attn1') learns one vector w_k per absolute position k < max_seq_len (110), normalises w_j^T g_k over
    j's window and puts that weight on the edge FROM j to k (torch_geometric flows edge_index[0] -> [1]), so
    the weights leaving a node sum to 1 (`edge_attention="code"`; it also mirrors the window: p <-> f).
  - normalise: eq. 2 divides by c_ir = |N_i^r|; the code passes the attention alone as RGCNConv's edge_norm
    and RGCNConv 1.3 sums (aggr="add"), so c_ir = 1 (`normalise="none"`).
  - self_loop: eq. 2's self term is alpha_ii W_0 g_i (eq. 3's W_0 h1_i), i out of the neighbour sums; in the
    code the self-edge (i, i) is an ordinary relation edge (relation "after", weight alpha_ii) AND RGCNConv adds
    an unweighted root W_0 g_i + b; GraphConv sums over the self-edge too and adds lin(h1_i) with a bias
    (`self_loop="code"`).
  - activation: eqs. 2-3 apply sigma (ReLU); the code applies none after either convolution
    (`activation="none"`).
  - nodal_attention: eq. 5 is softmax(h_i^T W_beta h_j); the code's MatchingAttention('general2') scores
    tanh((W h_i + b)^T h_j), and train_IEMOCAP.py leaves it off unless --nodal-attention (the README sets it):
    `nodal_attention="code"` / `"none"`.
  - class_weight: eq. 10 is the plain mean cross-entropy; the README passes --class-weight, the inverse IEMOCAP
    class frequencies hard-coded in train_IEMOCAP.py (`class_weight="code"`, six classes only).
  - num_bases: the paper's W_r are free matrices; RGCNConv(num_bases=30) writes each as a mix of 30 shared bases.
  - root_init: RGCNConv 1.3 draws W_0 and its bias from +-1/sqrt(num_bases d_in), ~5.5x narrower than the
    nn.Linear init used by default (`root_init="pyg"`).
`dialoguegcn.as_released = true` sets every code choice above at once, with the README's text-only input and raw
(not z-scored) features; `cmathlab models dialoguegcn` lists each with the authors' file and line. No MELD code was
released: there the run settings are train_IEMOCAP.py's argparse defaults.
    The paper is silent, so the code's 30 is the default (0 = one free matrix per relation).
Also in the code, not switchable: the LSTM runs over padded batches unpacked (padding reaches the backward
direction), its relation keys str(s_j)+str(s_i)+dir collide from 12 speakers on (here r = 2 (M s_j + s_i) + dir,
any M), and the epoch is picked on test F1 (the harness selects on validation).
Ablations (the paper's Tables of ablation results): w/o the speaker-level encoder (classify g_i), w/o the
sequential encoder (a linear layer for the GRU, the code's base_model="None"), w/o speaker or temporal relations.
Unchecked against the paper's text (not readable where this was written; the equation numbers are those the
authors' code cites): eq. 2's alpha_ii W_0 g_i self term, c_ir = |N_i^r|, the sigma of eqs. 2-3, and the ablations.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from cmathlab.errors import BadInput
from cmathlab.model.protocol import (
    AS_RELEASED,
    AUTHORS_AIDS,
    Component,
    Field,
    Model,
    Output,
    Released,
    masked_cross_entropy,
)

# train_IEMOCAP.py's loss_weights: 1 / the IEMOCAP training frequency of each of the six classes
CODE_CLASS_WEIGHTS = [1 / 0.086747, 1 / 0.144406, 1 / 0.227883, 1 / 0.160585, 1 / 0.127711, 1 / 0.252668]
BIG_NEGATIVE = -1e30  # a masked score: exp underflows to exactly 0 beside any real score


def masked_softmax(scores: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
    """Softmax over the last axis among `allowed` entries; rows with none allowed give 0."""
    return torch.softmax(scores.masked_fill(~allowed, BIG_NEGATIVE), -1) * allowed


def window(n: int, past: int, future: int, device) -> torch.Tensor:
    """(n, n) bool: [i, j] is True where j - i lies in [-past, future] (-1: unbounded that way)."""
    step = torch.arange(n, device=device)
    offset = step[None, :] - step[:, None]  # j - i
    inside = torch.ones(n, n, dtype=torch.bool, device=device)
    if past >= 0:
        inside &= offset >= -past
    if future >= 0:
        inside &= offset <= future
    return inside


class SequentialContextEncoder(nn.Module):
    """g_i: a bidirectional GRU (paper) or LSTM (README) over each dialogue, packed (B, n, d_in) -> (B, n, 2h)."""

    def __init__(self, d_in: int, hidden: int, kind: str, layers: int, dropout: float):
        super().__init__()
        rnn = nn.GRU if kind == "gru" else nn.LSTM
        self.rnn = rnn(
            d_in,
            hidden,
            num_layers=layers,
            bidirectional=True,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )  # the code's dropout between the LSTM's layers

    def forward(self, u: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(u, mask.sum(1).cpu(), batch_first=True, enforce_sorted=False)
        g, _ = pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=u.shape[1])
        return g  # (B, n, 2h), zero at padding


class EdgeAttention(nn.Module):
    """Eq. 1: alpha_ij = softmax_{j in window(i)} g_i^T W_e g_j; weights[b, i, j] on the edge j -> i."""

    def __init__(self, d: int):
        super().__init__()
        self.w_e = nn.Linear(d, d, bias=False)

    def forward(self, g: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        scores = self.w_e(g) @ g.transpose(1, 2)  # (B, n, n): [i, j] = g_i^T W_e g_j (W_e up to a transpose)
        return masked_softmax(scores, edges)  # eq. 1, each receiver's incoming weights sum to 1


class PositionalEdgeAttention(nn.Module):
    """The code's MaskedEdgeAttention 'attn1': one learned vector per absolute position k, w_k^T g_j softmaxed over
    the targets j in k's window; the weight of target j sits on the edge k -> j (outgoing weights sum to 1)."""

    def __init__(self, d: int, max_seq_len: int):
        super().__init__()
        self.scalar = nn.Linear(d, max_seq_len, bias=False)  # row k is w_k

    def forward(self, g: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
        n = g.shape[1]
        if n > self.scalar.out_features:
            raise BadInput(
                f"a dialogue of {n} utterances is longer than max_seq_len={self.scalar.out_features}"
                " (edge_attention='code' learns one vector per position)",
                field="dialoguegcn.max_seq_len",
            )
        scores = self.scalar(g)[..., :n].transpose(1, 2)  # (B, n, n): [k, j] = w_k^T g_j
        out_weights = masked_softmax(scores, edges.transpose(1, 2))  # over the targets j of sender k
        return out_weights.transpose(1, 2)  # [i, j]: the weight on j -> i


class RelationalGraphConv(nn.Module):
    """Eq. 2: sum_r sum_{j in N_i^r} coef_ij W_r x_j plus the self term, W_r = sum_b a_rb V_b when num_bases > 0."""

    def __init__(
        self, d_in: int, d_out: int, n_relations: int, num_bases: int, root_bias: bool, pyg_init: bool = False
    ):
        super().__init__()
        self.n_relations = n_relations
        if num_bases:  # RGCNConv's basis decomposition, initialised as torch_geometric 1.3 does
            bound = (num_bases * d_in) ** -0.5
            self.basis = nn.Parameter(torch.empty(num_bases, d_in, d_out).uniform_(-bound, bound))  # V_b
            self.mix = nn.Parameter(torch.empty(n_relations, num_bases).uniform_(-bound, bound))  # a_rb
        else:
            bound = d_in**-0.5
            self.weight = nn.Parameter(torch.empty(n_relations, d_in, d_out).uniform_(-bound, bound))  # W_r
        self.root = nn.Linear(d_in, d_out, bias=root_bias)  # W_0 (+ RGCNConv's bias in the code's form)
        if pyg_init:  # RGCNConv 1.3 draws root and bias from the bound of its bases
            bound = (max(num_bases, 1) * d_in) ** -0.5
            with torch.no_grad():
                for p in self.root.parameters():
                    p.uniform_(-bound, bound)

    def forward(self, x, coef, relation, self_weight=None):
        # x (B, n, d_in); coef (B, n, n) on edge j -> i, 0 off the graph; relation (B, n, n) long
        if hasattr(self, "basis") and self.basis.shape[0] < self.n_relations:  # mix per edge over the fewer bases
            per_edge, weights = coef[..., None] * self.mix[relation], self.basis  # (B, n, n, K), (K, d_in, d_out)
        else:  # one weight per relation (written out from the bases when those are as many or more)
            weights = self.weight if not hasattr(self, "basis") else torch.einsum("rk,kde->rde", self.mix, self.basis)
            per_edge = coef[..., None] * F.one_hot(relation, self.n_relations).to(x.dtype)  # (B, n, n, R)
        b, n, _ = x.shape
        projected = (x @ weights.permute(1, 0, 2).flatten(1)).view(b, n * weights.shape[0], -1)  # (B, n K, d_out)
        messages = per_edge.flatten(2) @ projected  # (B, n, d_out): sum over j and k of coef_ij a_rk V_k x_j
        root = self.root(x)
        return messages + (root if self_weight is None else self_weight[..., None] * root)  # eq. 2


class GraphConv(nn.Module):
    """Eq. 3: sum_{j in N_i} W x_j + W_0 x_i (torch_geometric's GraphConv: the same, its W_0 with a bias)."""

    def __init__(self, d: int, root_bias: bool):
        super().__init__()
        self.neighbour = nn.Linear(d, d, bias=False)
        self.root = nn.Linear(d, d, bias=root_bias)

    def forward(self, x: torch.Tensor, neighbours: torch.Tensor) -> torch.Tensor:
        return neighbours @ self.neighbour(x) + self.root(x)  # eq. 3, (B, n, d)


class NodalAttention(nn.Module):
    """Eqs. 5-6: beta_i = softmax_j(h_i^T W_beta h_j) over the dialogue's utterances, ~h_i = sum_j beta_ij h_j.
    `code`: MatchingAttention('general2'), tanh((W h_i + b)^T h_j) inside the softmax."""

    def __init__(self, d: int, kind: str):
        super().__init__()
        self.kind = kind
        self.w_beta = nn.Linear(d, d, bias=kind == "code")

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        scores = self.w_beta(h) @ h.transpose(1, 2)  # (B, n, n)
        if self.kind == "code":
            scores = torch.tanh(scores)
        beta = masked_softmax(scores, mask[:, None, :] & mask[:, :, None])  # eq. 5
        return beta @ h  # eq. 6, (B, n, d)


class DialogueGCN(Model):
    """DialogueGCN over the early-fused modalities (the module docstring cites the paper and lists the code's
    choices)."""

    name = "dialoguegcn"
    title = "DialogueGCN (early fusion)"
    fields = (
        Field("hidden", 100, "D_e = 100 in train_IEMOCAP.py: each direction of the encoder (g_i has 2 x 100)", low=1),
        Field("graph_hidden", 100, "graph_h = 100 in train_IEMOCAP.py: h1, h2 and the classifier's l_i", low=1),
        Field(
            "encoder",
            "gru",
            "the paper's bidirectional GRU; the README runs --base-model LSTM",
            choices=("gru", "lstm"),
            paper="gru",
        ),
        Field(
            "encoder_layers",
            1,
            "the paper's encoder equation is one recurrence over u_i; the code stacks 2",
            low=1,
            high=4,
        ),
        Field("window_past", 10, "p: past utterances joined to each utterance (-1: all)", low=-1, paper=10),
        Field("window_future", 10, "f: future utterances joined to each utterance (-1: all)", low=-1, paper=10),
        Field(
            "edge_attention",
            "paper",
            "eq. 1 (g_i^T W_e g_j over i's incoming edges); code: MaskedEdgeAttention's "
            "per-position vectors normalised over outgoing edges",
            choices=("paper", "code"),
            paper="paper",
        ),
        Field("max_seq_len", 110, "positions edge_attention='code' learns a vector for (train_IEMOCAP.py: 110)", low=1),
        Field(
            "normalise",
            "relation",
            "eq. 2's c_ir = |N_i^r|; the code's RGCNConv sums with c_ir = 1",
            choices=("relation", "none"),
            paper="relation",
        ),
        Field(
            "self_loop",
            "paper",
            "eqs. 2-3's alpha_ii W_0 g_i / W_0 h_i; code: self-edge as a relation edge plus "
            "an unweighted root with bias",
            choices=("paper", "code"),
            paper="paper",
        ),
        Field(
            "activation",
            "relu",
            "eqs. 2-3's sigma (ReLU); the code applies none",
            choices=("relu", "none"),
            paper="relu",
        ),
        Field("num_bases", 30, "RGCNConv(num_bases=30) in model.py; 0 = a free W_r per relation", low=0),
        Field(
            "nodal_attention",
            "paper",
            "eqs. 5-6; code: tanh-scored MatchingAttention (README: on, argparse: off)",
            choices=("paper", "code", "none"),
            paper="paper",
        ),
        Field(
            "class_weight",
            "none",
            "eq. 10 is unweighted; README --class-weight: inverse IEMOCAP frequencies",
            choices=("none", "code"),
            paper="none",
        ),
        Field(
            "root_init",
            "torch",
            "W_0 and its bias: PyTorch's Linear init (+-1/sqrt(d_in)); 'pyg': "
            "RGCNConv 1.3's, +-1/sqrt(num_bases d_in), ~5.5x narrower at 30 bases",
            choices=("torch", "pyg"),
        ),
        AS_RELEASED,
    )
    # what conv-emotion's DialogueGCN/ ran (its README command, IEMOCAP) where it departs from the paper reading;
    # no MELD code was released (conv-emotion issues #26, #32): on MELD only what holds for any corpus. Not
    # reproduced: the epoch picked on test, a re-seed every epoch (train_IEMOCAP.py:133), the LSTM run unpacked
    # over padding (model.py:897; padding never changes an output here)
    released_code = "declare-lab/conv-emotion@6128ca2 DialogueGCN/ (torch_geometric 1.3.2 for RGCNConv)"
    released = (
        Released("encoder", "lstm", "README.md:244 (--base-model LSTM); train_IEMOCAP.py:192; model.py:830-831"),
        Released("encoder_layers", 2, "model.py:831 (nn.LSTM(num_layers=2))"),
        Released("edge_attention", "code", "model.py:529,540-568 (MaskedEdgeAttention, attn_type 'attn1')"),
        Released(
            "normalise",
            "none",
            "model.py:693 (edge_norm = the attention alone); torch_geometric rgcn_conv.py:39,87 (aggr='add')",
        ),
        Released(
            "self_loop",
            "code",
            "model.py:653-656,705 (the self-edge as a relation edge); rgcn_conv.py:89-97 "
            "(root + bias); graph_conv.py:37,54-55",
        ),
        Released("activation", "none", "model.py:806-808 (no activation after either convolution)"),
        Released(
            "nodal_attention",
            "code",
            "README.md:244 (--nodal-attention); model.py:100-101,125-136 (MatchingAttention 'general2')",
        ),
        Released("class_weight", {"iemocap": "code"}, "README.md:244 (--class-weight); train_IEMOCAP.py:214,302-311"),
        Released("root_init", "pyg", "torch_geometric 1.3.2 rgcn_conv.py:61-66, inits.py:4-7"),
        Released("modalities", {"iemocap": "t"}, "train_IEMOCAP.py:142,240 (text alone, D_m = 100)"),
        Released("standardize", False, "dataloader.py:21-23 (the pickle's arrays as they are)"),
    )
    components = (
        Component("speaker-level encoder", "classifies g_i: no graph (h_i = g_i)"),
        Component("sequential encoder", "a linear layer on u_i instead of the GRU (the code's base_model='None')"),
        Component("speaker relations", "2 relations: direction only"),
        Component("temporal relations", "M^2 relations: the two speakers only"),
    )
    # README: python train_IEMOCAP.py --base-model LSTM --graph-model --nodal-attention --dropout 0.4 --lr 0.0003
    #         --batch-size 32 --class-weight --l2 0.0; epochs: argparse default 60. No clipping, warm-up or averaging.
    # MELD: never released (conv-emotion issue #26: "the hyperparams are also different for MELD"): argparse defaults.
    settings = {
        "iemocap": {
            "lr": 3e-4,
            "batch_size": 32,
            "dropout": 0.4,
            "weight_decay": 0.0,
            "epochs": 60,
            **AUTHORS_AIDS,
        },
        "meld": {
            "lr": 1e-4,
            "batch_size": 32,
            "dropout": 0.5,
            "weight_decay": 1e-5,
            "epochs": 60,
            **AUTHORS_AIDS,
        },
        "*": {
            "lr": 1e-4,
            "batch_size": 32,
            "dropout": 0.5,
            "weight_decay": 1e-5,
            "epochs": 60,
            **AUTHORS_AIDS,
        },
    }

    @classmethod
    def check_config(cls, cfg) -> None:
        if cfg.opts.class_weight == "code" and cfg.dataset != "iemocap":
            raise BadInput(
                f"class_weight='code' is train_IEMOCAP.py's six IEMOCAP weights, not {cfg.dataset}'s",
                field="dialoguegcn.class_weight",
            )

    def __init__(self, cfg, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        o = cfg.opts
        self.modalities, self.o, self.n_speakers = cfg.modalities, o, n_speakers
        self.graph = cfg.keeps("speaker-level encoder")
        self.speaker_rel, self.temporal_rel = cfg.keeps("speaker relations"), cfg.keeps("temporal relations")
        d_in, d_g = sum(dims[m] for m in cfg.modalities), 2 * o.hidden
        if not cfg.keeps("sequential encoder"):
            self.encoder = nn.Linear(d_in, d_g)  # g_i = W u_i + b, no context
        else:
            self.encoder = SequentialContextEncoder(d_in, o.hidden, o.encoder, o.encoder_layers, cfg.dropout)
        d_h = d_g
        if self.graph:
            n_relations = (n_speakers**2 if self.speaker_rel else 1) * (2 if self.temporal_rel else 1)
            self.edge_attention = (
                EdgeAttention(d_g) if o.edge_attention == "paper" else PositionalEdgeAttention(d_g, o.max_seq_len)
            )
            code_self = o.self_loop == "code"
            self.rgcn = RelationalGraphConv(
                d_g, o.graph_hidden, n_relations, o.num_bases, root_bias=code_self, pyg_init=o.root_init == "pyg"
            )
            self.gcn = GraphConv(o.graph_hidden, root_bias=code_self)
            self.act = nn.ReLU() if o.activation == "relu" else nn.Identity()
            d_h = d_g + o.graph_hidden
        self.nodal = NodalAttention(d_h, o.nodal_attention) if o.nodal_attention != "none" else None
        self.linear = nn.Linear(d_h, o.graph_hidden)  # W_l, eq. 7
        self.drop = nn.Dropout(cfg.dropout)
        self.smax_fc = nn.Linear(o.graph_hidden, n_classes)  # W_smax, eq. 8
        if o.class_weight == "code":  # check_config: IEMOCAP only
            self.register_buffer("class_weights", torch.tensor(CODE_CLASS_WEIGHTS))
        else:
            self.class_weights = None

    def relations(self, speakers: torch.Tensor) -> torch.Tensor:
        """(B, n, n) relation id of the edge j -> i: (speaker of j, speaker of i, j before i or not)."""
        n = speakers.shape[1]
        step = torch.arange(n, device=speakers.device)
        after = (step[None, :] >= step[:, None]).long()[None]  # (1, n, n): 0 when j is before i
        pair = speakers[:, None, :] * self.n_speakers + speakers[:, :, None]  # (B, n, n): M s_j + s_i
        if not self.speaker_rel:
            return after.expand_as(pair)
        return pair * 2 + after if self.temporal_rel else pair

    def speaker_level(self, g: torch.Tensor, speakers: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """h2 (B, n, graph_hidden) of eqs. 1-3 over each dialogue's windowed, masked graph."""
        o, n = self.o, g.shape[1]
        real = mask[:, None, :] & mask[:, :, None]  # (B, n, n): both ends real
        if o.edge_attention == "paper":
            edges = window(n, o.window_past, o.window_future, g.device)[None] & real  # [i, j]: j in i's window
        else:  # the code's edges leave j for the targets in j's window: mirrored for the receiver i
            edges = window(n, o.window_future, o.window_past, g.device)[None] & real
        alpha = self.edge_attention(g, edges)  # eq. 1, (B, n, n) on edge j -> i
        relation = self.relations(speakers)
        eye = torch.eye(n, dtype=torch.bool, device=g.device)[None]
        if o.self_loop == "paper":  # i's self term is alpha_ii W_0 g_i; N_i^r holds the other utterances
            neighbours, self_weight = edges & ~eye, alpha.diagonal(dim1=1, dim2=2)
        else:
            neighbours, self_weight = edges, None
        coef = alpha * neighbours
        if o.normalise == "relation":  # c_ir = |N_i^r|: i's neighbours under the edge's relation
            per_relation = coef.new_zeros(*coef.shape[:2], self.rgcn.n_relations)  # (B, n, R)
            per_relation.scatter_add_(2, relation, neighbours.to(coef.dtype))  # |N_i^r| for every r
            count = per_relation.gather(2, relation)  # (B, n, n): |N_i^r| for the edge's r
            coef = coef / count.clamp(min=1)
        h1 = self.act(self.rgcn(g, coef, relation, self_weight))  # eq. 2
        return self.act(self.gcn(h1, neighbours.to(h1.dtype)))  # eq. 3

    def forward(self, batch, noise=None) -> Output:
        mask = batch.mask
        u = torch.cat([batch.features[m] for m in self.modalities], -1)  # (B, n, sum d_m): early fusion
        g = self.encoder(u) if isinstance(self.encoder, nn.Linear) else self.encoder(u, mask)  # (B, n, 2 hidden)
        h = torch.cat([g, self.speaker_level(g, batch.speakers, mask)], -1) if self.graph else g  # eq. 4
        if self.nodal is not None:
            h = self.nodal(h, mask)  # eqs. 5-6
        l = self.drop(F.relu(self.linear(h)))  # eq. 7, (B, n, graph_hidden)
        return Output(logits=self.smax_fc(l), embedding=l)  # eq. 8 (its softmax is in the loss)

    def loss_terms(self, out: Output, batch, weights=None) -> dict[str, torch.Tensor]:
        """Eq. 10: the mean cross-entropy (L2 is the run's weight_decay); class_weight='code': the README's weights."""
        if self.class_weights is None:
            return super().loss_terms(out, batch, weights)
        ce = masked_cross_entropy(out.logits, batch.labels, batch.mask, weight=self.class_weights)
        return {"ce_x": ce, "total": ce}
