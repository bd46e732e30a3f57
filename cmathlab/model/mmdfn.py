"""MM-DFN: Hu, Hou, Wei, Jiang and Mo, "MM-DFN: Multimodal Dynamic Fusion Network for Emotion Recognition in
Conversations", ICASSP 2022, pp. 7037-7041 (arXiv:2203.02385). Released code: github.com/zerohd4869/MM-DFN
(`code/model.py` DialogueGNNModel, `code/model_mm.py` MM_GCN, `code/model_GCN.py` GCNII_lyc, `code/loss.py`,
`code/run_train_erc.py`, `script/run_train_{ie,me}.sh`).

Implemented, in the order of the paper's three modules (its Figure 2):
- Modality Encoder. Context embedding: text is projected and read by a bidirectional RNN over the dialogue;
  audio and visual are projected by a fully connected layer only. Speaker embedding: one bidirectional RNN,
  shared by the modalities, reads each speaker's own utterances in order; it joins the context embedding with a
  per-modality trade-off weight gamma_m.
- Graph-based Dynamic Fusion. Graph: one node per (utterance, modality); a modality's nodes of one dialogue are
  all connected (self-loops included), one utterance's nodes are connected across modalities; each edge weighs
  the angular similarity 1 - arccos(cos(x_i, x_j)) / pi of its nodes; A is normalised D^-1/2 A D^-1/2. Layers
  k = 1..K: gates (an LSTM cell stepping over the layer axis, its cell state the memory carried between the
  layers' semantic spaces) pick what of H^(k-1) goes on, a GCNII convolution aggregates it
  (theta_k = log(lamda / k + 1), initial residual alpha, identity mapping), and H^(k-1) is added back.
- Emotion Classifier: each node's [input; H^(K)], concatenated over the utterance's modalities, then a linear
  layer and softmax; cross-entropy.
The comments name the module and quantity each line computes. The paper's PDF could not be re-read while this
was written (only its introduction and the released code were at hand), so no equation numbers are cited; the
operations follow the released code, whose MM-DFN path (`--graph_type GDF --reason_flag`) is the paper's model.

Batching: dense (B, M*n, M*n) adjacencies masked to real nodes (degrees from real nodes only) and packed RNNs
(the speaker RNN over all (dialogue, speaker) sequences in one call), so a dialogue alone gives the outputs it
gives inside a padded batch.

Where the released code and the paper disagree (the paper by default; the code's choice as a field):
- `rnn`: the paper names LSTM encoders (as this project's brief reads it; to check against the PDF); the code's
  `--base_model LSTM` branch builds `nn.GRU` for the text context RNN and the speaker RNN (`rnn = "gru"`).
- `loss`: the paper trains with cross-entropy; the code with `--loss FocalLoss --gamma 0.5` (`loss = "focal"`,
  `focal_gamma`), alpha-weighted by its hard-coded inverse class priors on IEMOCAP only (`--class_weight` in
  run_train_ie.sh; `focal_alpha`). As in the code, (1 - p_t)^gamma is not differentiated through.
- Not fields (the code's behaviour cannot be kept batch-independent): the code runs the speaker RNN unpacked over
  zero-padded per-speaker sequences (its backward direction reads the padding), and so its text context GRU over
  the padded batch (model.py:1129-1132), and its graph for one modality raises; here all are masked/general.
- `mmdfn.as_released = true`: GRUs, the focal loss (alpha on IEMOCAP only), all three modalities, raw (not
  z-scored) features, as the scripts ran; which point of their test-set grid gave the published numbers is not in
  the repository, so the settings are the argparse defaults (`cmathlab models mmdfn` cites each line).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from cmathlab.errors import BadInput
from cmathlab.model.mmgcn import angular  # the graph edge weight MM-DFN takes from MMGCN (the same 0.99999)
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

# run_train_erc.py: the inverse class priors the code's focal loss takes as alpha with --class_weight
CODE_CLASS_PRIORS = {
    "iemocap": (0.086747, 0.144406, 0.227883, 0.160585, 0.127711, 0.252668),
    "meld": (0.466750766, 0.122094071, 0.027752748, 0.071544422, 0.171742656, 0.026401153, 0.113714183),
}


class BiRNN(nn.Module):
    """A packed bidirectional LSTM/GRU, `size // 2` units each way: padding never reaches a real step."""

    def __init__(self, size: int, kind: str, layers: int, dropout: float):
        super().__init__()
        rnn = nn.LSTM if kind == "lstm" else nn.GRU
        self.rnn = rnn(
            size,
            size // 2,
            num_layers=layers,
            bidirectional=True,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,
        )

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # x (R, n, size), lengths (R,) all > 0 -> (R, n, size), zero past each length
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        return pad_packed_sequence(self.rnn(packed)[0], batch_first=True, total_length=x.shape[1])[0]


class SpeakerContext(nn.Module):
    """Modality Encoder, speaker embedding: a BiRNN over each speaker's turns, all (row, speaker) pairs at once."""

    def __init__(self, size: int, kind: str, layers: int, dropout: float, n_speakers: int):
        super().__init__()
        self.rnn = BiRNN(size, kind, layers, dropout)
        self.n_speakers = n_speakers

    def forward(self, x: torch.Tensor, speakers: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        R, n, d = x.shape  # R rows (modality x dialogue), speakers/mask (R, n)
        own = F.one_hot(speakers, self.n_speakers).bool() & mask[..., None]  # (R, n, S)
        rank = (own.cumsum(1) - 1).gather(2, speakers[..., None]).squeeze(-1).clamp(min=0)  # place in own turns
        row = torch.arange(R, device=x.device)[:, None].expand(R, n)
        turns = x.new_zeros(R, self.n_speakers, n, d)  # each speaker's utterances, in order, left-aligned
        turns[row[mask], speakers[mask], rank[mask]] = x[mask]
        lengths = own.sum(1).reshape(-1)  # (R*S,)
        spoke = lengths > 0
        out = torch.zeros_like(turns).reshape(-1, n, d)
        out[spoke] = self.rnn(turns.reshape(-1, n, d)[spoke], lengths[spoke])
        out = out.reshape(R, self.n_speakers, n, d)
        return out[row, speakers, rank] * mask[..., None].to(x.dtype)  # back to dialogue order, (R, n, d)


class ModalityEncoder(nn.Module):
    """Modality Encoder: context embedding (text: projection + BiRNN; audio, visual: projection)
    + gamma_m * speaker embedding."""

    def __init__(self, dims: dict, modalities: str, o, dropout: float, n_speakers: int, context: bool, speaker: bool):
        super().__init__()
        self.modalities = modalities
        self.project = nn.ModuleDict({m: nn.Linear(dims[m], o.hidden) for m in modalities})
        self.context = BiRNN(o.hidden, o.rnn, o.rnn_layers, dropout) if context and "t" in modalities else None
        self.gamma = {"t": o.speaker_t, "a": o.speaker_a, "v": o.speaker_v}
        self.speaker_of = [m for m in modalities if speaker and self.gamma[m] != 0]
        self.speaker = SpeakerContext(o.hidden, o.rnn, o.rnn_layers, dropout, n_speakers) if self.speaker_of else None

    def forward(self, batch) -> torch.Tensor:
        mask, lengths = batch.mask, batch.mask.sum(1)
        u = {m: self.project[m](batch.features[m]) for m in self.modalities}  # (B, n, hidden) each
        c = dict(u)
        if self.context is not None:
            c["t"] = self.context(u["t"], lengths)  # context embedding of the text, (B, n, hidden)
        if self.speaker is not None:
            k = len(self.speaker_of)  # one RNN call for every modality that has a speaker term
            s = self.speaker(
                torch.cat([u[m] for m in self.speaker_of]), batch.speakers.repeat(k, 1), mask.repeat(k, 1)
            ).chunk(k)
            for m, s_m in zip(self.speaker_of, s):
                c[m] = c[m] + self.gamma[m] * s_m  # context + gamma_m * speaker embedding
        keep = mask[..., None].to(u[self.modalities[0]].dtype)
        return torch.stack([c[m] * keep for m in self.modalities])  # (M, B, n, hidden)


def adjacency(x: torch.Tensor, mask: torch.Tensor, modal_weight: float) -> torch.Tensor:
    """Graph-based Dynamic Fusion, the graph: x (M, B, n, d) nodes, mask (B, n) -> normalised (B, M*n, M*n)."""
    M, B, n, _ = x.shape
    unit = F.normalize(x, dim=-1)  # a zero (padding) vector stays zero: no NaN
    blocks = [[None] * M for _ in range(M)]
    for i in range(M):
        for j in range(M):
            if i == j:  # intra-modal: every pair of the dialogue's nodes, self-loops included
                blocks[i][j] = angular(unit[i] @ unit[i].transpose(1, 2))
            else:  # inter-modal: one utterance's nodes in two modalities
                blocks[i][j] = torch.diag_embed(angular((unit[i] * unit[j]).sum(-1)) * modal_weight)
    a = torch.cat([torch.cat(row, 2) for row in blocks], 1)  # (B, M*n, M*n), node m*n + t
    real = mask.repeat(1, M).to(x.dtype)  # (B, M*n)
    a = a * real[:, :, None] * real[:, None, :]
    degree = a.sum(-1)  # real nodes only; a real node's self-loop keeps it > 0
    scale = torch.where(degree > 0, degree.clamp(min=1e-12).rsqrt(), torch.zeros_like(degree))
    return scale[:, :, None] * a * scale[:, None, :]  # D^-1/2 A D^-1/2


class DynamicFusion(nn.Module):
    """Graph-based Dynamic Fusion, the layers: K gated graph-convolution layers (GCNII-style, as in the code)."""

    def __init__(self, d_in: int, d: int, layers: int, lamda: float, alpha: float, dropout: float, gates: bool):
        super().__init__()
        self.start = nn.Linear(d_in, d)  # H^(0) = ReLU(W_0 X)
        self.gates = nn.LSTMCell(d, d) if gates else None  # forget/update/output gates between layers
        self.weights = nn.ParameterList(nn.Parameter(torch.empty(2 * d, d)) for _ in range(layers))
        for w in self.weights:  # the code's GraphConvolution.reset_parameters
            nn.init.uniform_(w, -1 / math.sqrt(d), 1 / math.sqrt(d))
        self.lamda, self.alpha, self.drop = lamda, alpha, nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, adj: torch.Tensor) -> torch.Tensor:
        B, N, _ = x.shape  # x (B, N, d_in), adj (B, N, N)
        x = self.drop(x)
        h0 = F.relu(self.start(x))  # (B, N, d)
        h = self.drop(h0)
        state = (h.new_zeros(B * N, h.shape[-1]), h.new_zeros(B * N, h.shape[-1]))
        for k, w in enumerate(self.weights, 1):
            q = h
            if self.gates is not None:  # gates: what of H^(k-1) enters layer k's semantic space, (g, C) carried
                state = self.gates(q.reshape(B * N, -1), state)
                h = state[0].view(B, N, -1)
            theta = math.log(self.lamda / k + 1)  # beta_k of GCNII
            ph = adj @ h  # P~ H, (B, N, d)
            support = (1 - self.alpha) * ph + self.alpha * h0  # initial residual
            h = F.relu(theta * (torch.cat([ph, h0], -1) @ w) + (1 - theta) * support)  # identity mapping
            h = self.drop(h)
            if self.gates is not None:
                h = h + q
        return torch.cat([x, h], -1)  # (B, N, d_in + d): the code's use_residue


class MMDFN(Model):
    """MM-DFN (see the module docstring): encoder, graph-based dynamic fusion, classifier."""

    name = "mmdfn"
    title = "MM-DFN"
    fields = (
        Field(
            "rnn",
            "lstm",
            "the paper names LSTM encoders (unverified here); the code builds GRUs named LSTM",
            choices=("lstm", "gru"),
            paper="lstm",
        ),
        Field("rnn_layers", 2, "code: both BiRNNs have num_layers=2 (dropout between them)", low=1, high=4),
        Field(
            "hidden", 200, "code: every modality projected to 200 (hidden_a/v/l), BiRNNs 2 x D_e=100", low=2, high=4096
        ),
        Field("graph_hidden", 100, "code: graph_h = 100", low=1, high=4096),
        Field("layers", 16, "code: --Deep_GCN_nlayers default 16, in both run scripts' grids", low=1, high=256),
        Field("lamda", 0.5, "code: --lamda 0.5; theta_k = log(lamda / k + 1)", low=0.0, high=10.0),
        Field("alpha", 0.2, "code: --alpha 0.2, the initial-residual share of H^(0)", low=0.0, high=1.0),
        Field("modal_weight", 1.0, "code: --modal_weight 1.0 scales the inter-modal edges", low=0.0, high=10.0),
        Field(
            "speaker_t",
            1.5,
            "code: --speaker_weights a-v-l, 3-0-1 (IEMOCAP) and 0.5-0.5-1.5 (MELD)",
            per_dataset={"iemocap": 1.0, "meld": 1.5},
            low=0.0,
            high=10.0,
        ),
        Field(
            "speaker_a",
            0.5,
            "code: --speaker_weights a-v-l, 3-0-1 (IEMOCAP) and 0.5-0.5-1.5 (MELD)",
            per_dataset={"iemocap": 3.0, "meld": 0.5},
            low=0.0,
            high=10.0,
        ),
        Field(
            "speaker_v",
            0.5,
            "code: --speaker_weights a-v-l, 3-0-1 (IEMOCAP) and 0.5-0.5-1.5 (MELD)",
            per_dataset={"iemocap": 0.0, "meld": 0.5},
            low=0.0,
            high=10.0,
        ),
        Field(
            "loss",
            "ce",
            "the paper trains with cross-entropy; the code with a focal loss (--loss)",
            choices=("ce", "focal"),
            paper="ce",
        ),
        Field("focal_gamma", 0.5, "code: --gamma 0.5 (used only with loss = focal)", low=0.0, high=10.0),
        Field(
            "focal_alpha",
            False,
            "code: --class_weight on IEMOCAP only: the focal loss weighs classes by "
            "its hard-coded inverse priors (used only with loss = focal)",
            per_dataset={"iemocap": True},
        ),
        AS_RELEASED,
    )
    # what zerohd4869/MM-DFN ran where it departs from the paper reading; not reproduced: the epoch picked on
    # test and the early stop on test (run_train_erc.py:613-615,636-638), the grid of settings searched on test
    # (script/run_train_*.sh; which grid point gave the published numbers is not in the repository), a re-seed
    # every epoch (run_train_erc.py:164), the text and speaker GRUs run unpacked over padding (model.py:1129-1150)
    released_code = "zerohd4869/MM-DFN@da97036"
    released = (
        Released(
            "rnn",
            "gru",
            "code/model.py:866,868 (nn.GRU under base_model 'LSTM'; the nn.LSTM line commented out at :867)",
        ),
        Released(
            "loss",
            "focal",
            "code/run_train_erc.py:320,504-506 (--loss FocalLoss, gamma 0.5; alpha = inverse "
            "priors with --class_weight, which only the IEMOCAP script passes)",
        ),
        Released("modalities", "tav", "script/run_train_ie.sh:45-52, run_train_me.sh:46-52 (--modals 'avl')"),
        Released("standardize", False, "code/dataloader.py:20-22,49-51 (the pickle's arrays as they are)"),
    )
    components = (
        Component("speaker embedding", "each node is its context embedding alone (no speaker BiRNN term)"),
        Component("context embedding", "text is projected only, with no dialogue BiRNN"),
        Component("dynamic gates", "fusion layers without the gates: the plain deep GCN of MMGCN"),
    )
    # the code's run commands; where a script grids over a knob, its argparse default if the grid holds it,
    # else the grid's first value; plain Adam, no clipping, warm-up or averaging (run_train_erc.py)
    settings = {
        "iemocap": {
            "lr": 3e-4,
            "weight_decay": 1e-4,
            "dropout": 0.4,
            "batch_size": 32,
            "epochs": 30,
            **AUTHORS_AIDS,
        },
        "meld": {
            "lr": 5e-4,
            "weight_decay": 1e-4,
            "dropout": 0.4,
            "batch_size": 32,
            "epochs": 30,
            **AUTHORS_AIDS,
        },
    }
    settings["*"] = settings["meld"]
    past_only = False

    @classmethod
    def check_config(cls, cfg) -> None:
        o = cfg.opts
        if o.hidden % 2:
            raise BadInput(f"{o.hidden} is odd: the BiRNNs give hidden / 2 units each way", field="mmdfn.hidden")
        if o.loss == "focal" and o.focal_alpha and cfg.dataset not in CODE_CLASS_PRIORS:
            raise BadInput(
                f"the code's class priors cover {' and '.join(CODE_CLASS_PRIORS)}, not {cfg.dataset}",
                field="mmdfn.focal_alpha",
            )

    def __init__(self, cfg, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        o = cfg.opts
        self.modalities = cfg.modalities
        self.encode = ModalityEncoder(
            dims,
            cfg.modalities,
            o,
            cfg.dropout,
            n_speakers,
            context=cfg.keeps("context embedding"),
            speaker=cfg.keeps("speaker embedding"),
        )
        self.fuse = DynamicFusion(
            o.hidden, o.graph_hidden, o.layers, o.lamda, o.alpha, cfg.dropout, gates=cfg.keeps("dynamic gates")
        )
        width = len(cfg.modalities) * (o.hidden + o.graph_hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.classify = nn.Linear(width, n_classes)
        self.modal_weight, self.loss, self.gamma = o.modal_weight, o.loss, o.focal_gamma
        alpha = None
        if o.loss == "focal" and o.focal_alpha:
            alpha = 1 / torch.tensor(CODE_CLASS_PRIORS[cfg.dataset])  # check_config: a dataset the code covers
        self.register_buffer("alpha", alpha)

    def forward(self, batch, noise=None) -> Output:
        x = self.encode(batch)  # Modality Encoder, (M, B, n, hidden)
        M, B, n, d = x.shape
        adj = adjacency(x, batch.mask, self.modal_weight)  # the graph, (B, M*n, M*n)
        nodes = self.fuse(x.permute(1, 0, 2, 3).reshape(B, M * n, d), adj)  # (B, M*n, hidden + graph_hidden)
        e = nodes.view(B, M, n, -1).permute(0, 2, 1, 3).reshape(B, n, -1)  # Emotion Classifier input, (B, n, M*(..))
        logits = self.classify(F.relu(self.drop(e)))  # (B, n, C); softmax in the loss
        return Output(logits=logits, embedding=e)

    def loss_terms(self, out: Output, batch, weights=None) -> dict[str, torch.Tensor]:
        if self.loss == "ce":
            ce = masked_cross_entropy(out.logits, batch.labels, batch.mask)  # the paper's loss
            return {"ce_x": ce, "total": ce}
        labels = batch.labels.clamp(min=0)  # the code's FocalLoss over real utterances (loss.py)
        logpt = F.log_softmax(out.logits, -1).gather(-1, labels[..., None]).squeeze(-1)  # (B, n)
        pt = logpt.detach().exp()
        if self.alpha is not None:
            logpt = logpt * self.alpha[labels]
        losses = -((1 - pt) ** self.gamma) * logpt
        real = batch.mask.to(losses.dtype)
        focal = (losses * real).sum() / real.sum()  # the code's mean over utterances
        return {"ce_x": focal, "total": focal}
