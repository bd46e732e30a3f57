"""DialogueRNN, early fusion: the CMATH paper's DialogueRNN row (its Section 5.3 concatenates the modalities).

Majumder, Poria, Hazarika, Mihalcea, Gelbukh and Cambria, "DialogueRNN: An Attentive RNN for Emotion
Detection in Conversations", AAAI 2019 (arXiv:1811.00405). Released code: declare-lab/conv-emotion,
DialogueRNN/model.py (DialogueRNNCell, DialogueRNN, BiModel, MatchingAttention, MaskedNLLLoss) with
train_IEMOCAP.py and train_MELD.py (read at 6128ca2); "the code" below means those files.

What is here (equations numbered as in the paper's "Our Model" section, arXiv v4; Fig. 2):
- u_t: the utterance's modalities concatenated (the paper's multimodal BiDialogueRNN+Att_MM), no projection:
  the code feeds the features straight into the GRU cells (D_m = the feature size).
- Global GRU (eq. 1) over u_t and the speaker's previous party state; attention of u_t over the past global
  states (eqs. 2-4) gives the context c_t; party GRU (eq. 5) updates the speaker's state from u_t and c_t;
  listeners keep theirs (eq. 6) or, with `listener_state` (the paper's DialogueRNN_l), a listener GRU
  updates them (eq. 7); emotion GRU (eq. 8) reads the speaker's new state; classification (eqs. 9-10).
- Variants: BiDialogueRNN (`bidirectional`: a second DialogueRNN over the reversed dialogue, emotions
  concatenated) and DialogueRNN+Att (`emotion_attention`: every e_t attends over all e of the dialogue,
  eqs. 13-14, before eq. 9). Defaults: BiDialogueRNN+Att, the configuration of the paper's multimodal result.
- Ablations the paper defines (its ablation table on IEMOCAP): without the party state, without the
  emotion GRU (`components`). The paper names what it removes, not how the rest is wired: see Component.what.
- Loss: eq. 12's cross-entropy (L2 is Adam's weight decay, as in the code), class-weighted as the code's
  IEMOCAP script does (`class_weight`).

Batched over dialogues: one step per utterance index t for all B dialogues at once; a finished dialogue's
states are frozen on its padded steps, the backward pass reverses each dialogue within its own length, and
the emotion attention masks padding, so a dialogue gives the same outputs alone as inside any padded batch.
Checked once against the released BiModel (att2=True, eval mode, its weights copied in, emotion_attention_bias
true): the same log-probabilities at every real utterance of a padded batch to 3e-7, with and without listener.

Where the released code and the paper disagree (the paper is followed by default; the code's choice is a field):
- Emotion attention (eq. 13: beta_t = softmax(e_t^T W_beta [e_1..e_N])) has no bias; the code's
  MatchingAttention 'general2' adds one to W_beta e_t. Field `emotion_attention_bias` (default False).
- Class weights: eq. 12 is plain cross-entropy; train_IEMOCAP.py weights each class by 1 / its training
  frequency (--class-weight defaults True; MELD's script has it off). Field `class_weight`, per dataset as the
  code runs it, since the paper is silent on how IEMOCAP was trained and the CMATH paper ran the code.
- Listener update (eq. 7): the paper's listener paragraph feeds GRU_L the listener's facial features v_{i,t}
  with c_t, features the corpora here do not have; its DialogueRNN_l variant and the code feed u_t with the
  speaker's new state q_{s(u_t),t}. The latter is implemented (only with `listener_state`, off by default).
- Dropout is the code's (the paper gives none): `rec_dropout` on every new g, q, e inside the recurrence,
  the run's dropout + 0.15 on the emotion states (BiModel.dropout_rec) and the run's dropout before eq. 10.
- Sizes and run settings are the code's current defaults (the paper defers them to a supplement): IEMOCAP
  D_g = D_p = 500, D_e = D_h = 300 (2020; 150/150/100/100 when the paper came out), MELD 150/150/100/100; any
  other corpus takes MELD's sizes and run settings (one script's choices, not a mix).
- What the code feeds: IEMOCAP text alone (train_IEMOCAP.py:68-69), MELD text + audio and no visual
  (train_MELD.py:78; its pickle has none), raw features. `dialoguernn.as_released = true` runs it so, with the
  code's biased 'general2' emotion attention (`cmathlab models dialoguernn` cites each line).
Unchecked against the paper's text (not readable where this was written): the equation numbers (arXiv v4),
that its emotion attention has no bias, its listener paragraph's inputs, and its ablation table. The released
code's BiModel(att2=True) gives the same log-probabilities as this model with emotion_attention_bias=true (checked
once, outside the repository, to 2.4e-7).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

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

# train_IEMOCAP.py's loss_weights: 1 / each class's share of IEMOCAP's training utterances (hap, sad, neu, ang,
# exc, fru, the harness's IEMOCAP order); train_MELD.py's are all 1.
CODE_CLASS_WEIGHTS = {
    "iemocap": tuple(1 / p for p in (0.086747, 0.144406, 0.227883, 0.160585, 0.127711, 0.252668)),
    "meld": (1.0,) * 7,
}


def reverse_within(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each dialogue's first `lengths[b]` steps in reverse order, padding left at the end (BiModel._reverse_seq).
    Its own inverse. x: (B, n, ...)."""
    n = x.shape[1]
    t = torch.arange(n, device=x.device)[None, :]  # (1, n)
    index = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # (B, n)
    return x.gather(1, index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x))


class UtteranceGRUCell(nn.GRUCell):
    """nn.GRUCell over the input [u_t, x_t], its u_t part applied to every t at once (one matrix product
    instead of one per step; the same arithmetic as nn.GRUCell, gates in its order r, z, n)."""

    def __init__(self, d_u: int, d_x: int, hidden: int):
        super().__init__(d_u + d_x, hidden)
        self.d_u = d_u

    def project(self, u: torch.Tensor) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        """u (B, n, d_u) -> W_ih[:, :d_u] u_t + b_ih as n tensors (B, 3 hidden), and W_ih's x_t part: sliced
        and unbound once per pass, so backward sums n steps into them instead of into full-size zeros n times."""
        return F.linear(u, self.weight_ih[:, : self.d_u], self.bias_ih).unbind(1), self.weight_ih[:, self.d_u :]

    def step(self, gi: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """gi (..., 3H): the whole input's projection W_ih [u_t, x_t] + b_ih; h (..., H) -> the new h."""
        i_r, i_z, i_n = gi.chunk(3, -1)
        h_r, h_z, h_n = F.linear(h, self.weight_hh, self.bias_hh).chunk(3, -1)
        r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        return n + z * (h - n)  # (1 - z) n + z h


class DialogueRNNPass(nn.Module):
    """One DialogueRNN over a dialogue in order (Fig. 2a; the code's DialogueRNN + DialogueRNNCell)."""

    def __init__(
        self,
        d_m: int,
        d_g: int,
        d_p: int,
        d_e: int,
        listener_state: bool,
        rec_dropout: float,
        party_state: bool = True,
        emotion_gru: bool = True,
    ):
        super().__init__()
        self.d_g, self.d_p, self.d_e = d_g, d_p, d_e
        self.party_state, self.listener_state = party_state, listener_state and party_state
        self.global_gru = UtteranceGRUCell(d_m, d_p if party_state else 0, d_g)  # GRU_G, eq. 1
        self.attend = nn.Linear(d_m, d_g, bias=False)  # W_alpha, eq. 2 (the code's 'general' attention)
        if party_state:
            self.party_gru = UtteranceGRUCell(d_m, d_g, d_p)  # GRU_P, eq. 5
        if self.listener_state:
            self.listener_gru = UtteranceGRUCell(d_m, d_p, d_p)  # GRU_L, eq. 7 (the code's input: u_t, q_{s,t})
        # what eq. 8 reads: q_{s(u_t),t}; without parties, what eq. 5 would have read (u_t, c_t)
        self.emotion_gru = (
            None if not emotion_gru else (nn.GRUCell(d_p, d_e) if party_state else UtteranceGRUCell(d_m, d_g, d_e))
        )  # GRU_E, eq. 8
        self.out_dim = d_e if emotion_gru else (d_p if party_state else d_m + d_g)
        self.drop = nn.Dropout(rec_dropout)

    def forward(self, u: torch.Tensor, speakers: torch.Tensor, mask: torch.Tensor, n_parties: int) -> torch.Tensor:
        """u (B, n, d_m), speakers (B, n), mask (B, n) -> e (B, n, out_dim)."""
        B, n, _ = u.shape
        rows = torch.arange(B, device=u.device)
        # u_t's part of every step for every t at once, as n tensors (B, ...), and the other inputs' weights
        query = self.attend(u).unbind(1)  # W_alpha u_t (B, d_g), eq. 2
        gi_g, w_gq = self.global_gru.project(u)  # (B, 3 d_g) of eq. 1; its q weights
        if self.party_state:
            gi_p, w_pc = self.party_gru.project(u)  # (B, 3 d_p) of eq. 5; its c weights
        if self.listener_state:
            gi_l, w_lq = self.listener_gru.project(u)  # (B, 3 d_p) of eq. 7; its q_s weights
        if isinstance(self.emotion_gru, UtteranceGRUCell):
            gi_e, w_ec = self.emotion_gru.project(u)  # (B, 3 d_e) of eq. 8 without parties; its c weights
        live = mask[..., None]  # (B, n, 1): a finished dialogue keeps every state as it was
        speaking = F.one_hot(speakers, n_parties).bool()[..., None] & live[..., None]  # (B, n, P, 1)
        g = u.new_zeros(B, self.d_g)  # g_0
        q = u.new_zeros(B, n_parties, self.d_p)  # q_{i,0} for every party slot i
        e = u.new_zeros(B, self.out_dim)  # e_0
        history, out = [], []  # g_1..g_{t-1}; e_1..e_n
        for t in range(n):
            q_prev = q[rows, speakers[:, t]]  # (B, d_p) q_{s(u_t),t-1}
            gi = gi_g[t] + q_prev @ w_gq.T if self.party_state else gi_g[t]
            g_t = self.drop(self.global_gru.step(gi, g))  # (B, d_g) eq. 1
            if history:
                past = torch.stack(history, 1)  # (B, t, d_g) [g_1..g_{t-1}]
                alpha = torch.softmax(torch.bmm(past, query[t][..., None]), 1)  # (B, t, 1) eqs. 2-3
                c_t = torch.bmm(alpha.transpose(1, 2), past)[:, 0]  # (B, d_g) eq. 4
            else:
                c_t = u.new_zeros(B, self.d_g)  # no past at t = 1 (the code's zeros)
            if self.party_state:
                q_s = self.drop(self.party_gru.step(gi_p[t] + c_t @ w_pc.T, q_prev))  # (B, d_p) eq. 5
                if self.listener_state:  # eq. 7 for every party (one input, each its own state)
                    gi = (gi_l[t] + q_s @ w_lq.T)[:, None].expand(-1, n_parties, -1)  # (B, P, 3 d_p)
                    heard = self.drop(self.listener_gru.step(gi, q))  # (B, P, d_p)
                    q = torch.where(live[:, t, None], heard, q)
                q = torch.where(speaking[:, t], q_s[:, None], q)  # (B, P, d_p) eq. 5; eq. 6: listeners keep theirs
                e_t = self.drop(self.emotion_gru(q_s, e)) if self.emotion_gru is not None else q_s  # eq. 8
            elif self.emotion_gru is not None:
                e_t = self.drop(self.emotion_gru.step(gi_e[t] + c_t @ w_ec.T, e))  # eq. 8 on (u_t, c_t)
            else:
                e_t = torch.cat([u[:, t], c_t], -1)
            g, e = torch.where(live[:, t], g_t, g), torch.where(live[:, t], e_t, e)
            history.append(g)
            out.append(e)
        return torch.stack(out, 1)  # (B, n, out_dim)


class DialogueRNN(Model):
    """BiDialogueRNN+Att over the concatenated modalities (the code's BiModel with att2=True), by default."""

    name = "dialoguernn"
    title = "DialogueRNN (early fusion)"
    fields = (
        Field("bidirectional", True, "BiDialogueRNN: the paper's multimodal result (BiDialogueRNN+Att_MM)", paper=True),
        Field("emotion_attention", True, "DialogueRNN+Att, eqs. 13-14: the paper's multimodal result", paper=True),
        Field(
            "listener_state",
            False,
            "eq. 6 (listeners keep their state): the paper finds eq. 7 no better; "
            "train_*.py --active-listener defaults off",
            paper=False,
        ),
        # another corpus takes MELD's sizes, as it takes MELD's run settings ("*" below): one script's choices
        Field(
            "d_g",
            150,
            "global state size D_g: train_IEMOCAP.py 500, train_MELD.py (and any other corpus) 150",
            per_dataset={"iemocap": 500},
            low=1,
        ),
        Field(
            "d_p",
            150,
            "party state size D_p: train_IEMOCAP.py 500, train_MELD.py (and any other corpus) 150",
            per_dataset={"iemocap": 500},
            low=1,
        ),
        Field(
            "d_e",
            100,
            "emotion state size D_e: train_IEMOCAP.py 300, train_MELD.py (and any other corpus) 100",
            per_dataset={"iemocap": 300},
            low=1,
        ),
        Field(
            "d_h",
            100,
            "eq. 9's l_t size per direction D_h: train_IEMOCAP.py 300, train_MELD.py (and any other corpus) 100",
            per_dataset={"iemocap": 300},
            low=1,
        ),
        Field(
            "rec_dropout",
            0.1,
            "dropout on every new g, q, e in the recurrence: --rec-dropout / rec_dropout",
            low=0.0,
            high=0.9,
        ),
        Field(
            "emotion_attention_bias",
            False,
            "eq. 13 has none; True is the code's MatchingAttention 'general2'",
            paper=False,
        ),
        Field(
            "class_weight",
            False,
            "1 / class frequency as train_IEMOCAP.py (--class-weight on); MELD's off",
            per_dataset={"iemocap": True},
        ),
        AS_RELEASED,
    )
    # what conv-emotion's DialogueRNN/ ran where it departs from the paper reading (everything else above is
    # already the scripts' value); not reproduced: the epoch picked on test (IEMOCAP: the lowest test loss)
    released_code = "declare-lab/conv-emotion@6128ca2 DialogueRNN/"
    released = (
        Released(
            "emotion_attention_bias",
            True,
            "model.py:35-36,214 (MatchingAttention 'general2', a Linear with "
            "bias; no tanh in DialogueRNN's 'general2', model.py:60-66)",
        ),
        Released(
            "modalities",
            {"iemocap": "t", "meld": "ta"},
            "train_IEMOCAP.py:68-69 (the t+a+v line commented "
            "out; D_m = 100); train_MELD.py:78,127,149 (text + audio; the MELD pickle has no visual)",
        ),
        Released("standardize", False, "dataloader.py:22-24,85-86 (the pickle's arrays as they are)"),
    )
    components = (
        Component("party state", "no party GRU (eqs. 5-7): eq. 1 reads u_t alone and eq. 8 reads u_t + c_t"),
        Component("emotion GRU", "no eq. 8: eq. 9 (or eq. 13) reads the speaker's new state q_{s(u_t),t}"),
    )
    # train_IEMOCAP.py argparse defaults / train_MELD.py constants; Adam's L2 as the code's --l2; no clipping,
    # warm-up or weight averaging in the code. "*": MELD's.
    settings = {
        "iemocap": {
            "lr": 1e-4,
            "weight_decay": 1e-5,
            "dropout": 0.1,
            "batch_size": 30,
            "epochs": 60,
            **AUTHORS_AIDS,
        },
        "meld": {
            "lr": 5e-4,
            "weight_decay": 1e-5,
            "dropout": 0.1,
            "batch_size": 30,
            "epochs": 100,
            **AUTHORS_AIDS,
        },
        "*": {
            "lr": 5e-4,
            "weight_decay": 1e-5,
            "dropout": 0.1,
            "batch_size": 30,
            "epochs": 100,
            **AUTHORS_AIDS,
        },
    }
    past_only = False  # the default is bidirectional with attention over the whole dialogue; see __init__

    @classmethod
    def check_config(cls, cfg) -> None:
        if cfg.opts.class_weight and cfg.dataset not in CODE_CLASS_WEIGHTS:
            raise BadInput(
                f"the released code gives class weights for {' and '.join(CODE_CLASS_WEIGHTS)} only, not {cfg.dataset}",
                field="dialoguernn.class_weight",
            )

    def __init__(self, cfg, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        o = cfg.opts
        self.modalities, self.n_parties = cfg.modalities, n_speakers
        self.bidirectional, self.emotion_attention = o.bidirectional, o.emotion_attention
        self.past_only = not (o.bidirectional or o.emotion_attention)  # this instance's own truth
        d_m = sum(dims[m] for m in cfg.modalities)  # early fusion: u_t is the concatenation
        passes = 2 if o.bidirectional else 1

        def make():
            return DialogueRNNPass(
                d_m,
                o.d_g,
                o.d_p,
                o.d_e,
                o.listener_state,
                o.rec_dropout,
                party_state=cfg.keeps("party state"),
                emotion_gru=cfg.keeps("emotion GRU"),
            )

        self.passes = nn.ModuleList([make() for _ in range(passes)])  # forward, then backward (BiModel)
        d = passes * self.passes[0].out_dim
        self.emotion_drop = nn.Dropout(min(cfg.dropout + 0.15, 0.95))  # BiModel.dropout_rec = dropout + 0.15
        if o.emotion_attention:
            self.match = nn.Linear(d, d, bias=o.emotion_attention_bias)  # W_beta, eq. 13
        self.hidden = nn.Linear(d, passes * o.d_h)  # W_l, eq. 9 (the code: 2 D_h when bidirectional)
        self.drop = nn.Dropout(cfg.dropout)
        self.classify = nn.Linear(passes * o.d_h, n_classes)  # W_smax, eq. 10
        weights = None
        if o.class_weight:  # check_config: a dataset the code has weights for
            weights = torch.tensor(CODE_CLASS_WEIGHTS[cfg.dataset], dtype=torch.float32)
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, batch, noise=None) -> Output:
        u = torch.cat([batch.features[m] for m in self.modalities], -1)  # (B, n, d_m) early fusion
        mask, speakers = batch.mask, batch.speakers
        emotions = [self.passes[0](u, speakers, mask, self.n_parties)]  # (B, n, d_e) forward pass
        if self.bidirectional:  # BiDialogueRNN: the same over each dialogue reversed within its length
            lengths = mask.sum(1)
            back = self.passes[1](reverse_within(u, lengths), reverse_within(speakers, lengths), mask, self.n_parties)
            emotions.append(reverse_within(back, lengths))
        e = torch.cat([self.emotion_drop(x) for x in emotions], -1)  # (B, n, d)
        if self.emotion_attention:  # eqs. 13-14 over the dialogue's real utterances
            scores = self.match(e) @ e.transpose(1, 2)  # (B, n, n): e_t^T W_beta e_s
            beta = torch.softmax(scores.masked_fill(~mask[:, None, :], float("-inf")), -1)  # eq. 13
            e = beta @ e  # (B, n, d) e~_t, eq. 14
        l_t = F.relu(self.hidden(e))  # (B, n, passes * d_h) eq. 9
        return Output(logits=self.classify(self.drop(l_t)), embedding=l_t)  # eq. 10 (softmax in the loss)

    def loss_terms(self, out: Output, batch, weights=None) -> dict[str, torch.Tensor]:
        """Eq. 12's cross-entropy over real utterances, weighted per class as the code's MaskedNLLLoss with
        `class_weight` (sum of w_y * nll over sum of w_y)."""
        ce = masked_cross_entropy(out.logits, batch.labels, batch.mask, self.class_weights)
        return {"ce_x": ce, "total": ce}
