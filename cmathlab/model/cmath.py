"""CMATH (Section 4), read top to bottom in the order of the paper's Figure 2.

Shapes: B dialogues, n utterances (padded), d the common space, d_m a modality's input size.
Its switches are its own fields (`CMATH.fields`, written `cmath.FIELD`) beside the run's (`cmathlab.config.Config`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from cmathlab.data.tensors import Batch
from cmathlab.errors import BadInput
from cmathlab.fields import AFTER, NONE_53
from cmathlab.model.protocol import Component, Field, Model, Output, Term

if TYPE_CHECKING:  # the config resolves models; a model reads a run's Config, never imports it
    from cmathlab.config import Config

# ---- 4.1.1 Modality Reconstruction -------------------------------------------------------------


class ModalityReconstruction(nn.Module):
    """Conv1D down to d and back up to d_m over the utterance axis (eqs. 1-2)."""

    def __init__(self, d_in: int, d: int, kernel: int):
        super().__init__()
        self.down = nn.Conv1d(d_in, d, kernel, padding=kernel // 2)
        self.up = nn.Conv1d(d, d_in, kernel, padding=kernel // 2)

    def forward(self, u: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        keep = mask[..., None].to(u.dtype)
        # zero at padding so a dialogue's edges see the same zeros alone or batched
        u_prime = self.down((u * keep).transpose(1, 2)).transpose(1, 2) * keep  # eq. 1, (B, n, d)
        u_second = self.up(u_prime.transpose(1, 2)).transpose(1, 2)  # eq. 2, (B, n, d_m)
        return u_prime, u_second


class Projection(nn.Module):
    """`w/o MR`: a fully connected layer instead of reconstruction (Section 5.5)."""

    def __init__(self, d_in: int, d: int):
        super().__init__()
        self.fc = nn.Linear(d_in, d)

    def forward(self, u: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, None]:
        return self.fc(u) * mask[..., None].to(u.dtype), None


class SpeakerPosition(nn.Module):
    """S + P of eq. 8: speaker embeddings (eq. 5) plus sinusoidal positions (eqs. 6-7).

    `positions=False` leaves eqs. 6-7 out; `speaker_init="zero"` starts eq. 5's V_s at 0 (learned from there)
    instead of nn.Embedding's N(0, 1), which adds a random vector of rms 1 per speaker (Config says why)."""

    def __init__(self, d: int, n_speakers: int, positions: bool = True, speaker_init: str = "normal"):
        super().__init__()
        self.speaker = nn.Embedding(n_speakers, d)  # V_s o(s_j), eq. 5
        if speaker_init == "zero":
            nn.init.zeros_(self.speaker.weight)
        self.d, self.use_positions = d, positions

    def positions(self, n: int, device) -> torch.Tensor:
        i = torch.arange(1, n + 1, device=device, dtype=torch.float32)[:, None]  # utterances p_1..p_n
        k2 = torch.arange(0, self.d, 2, device=device, dtype=torch.float32)  # 2k
        angle = i / torch.pow(10000.0, k2 / self.d)
        p = torch.zeros(n, self.d, device=device)
        p[:, 0::2] = torch.sin(angle)  # eq. 6
        p[:, 1::2] = torch.cos(angle[:, : self.d // 2])  # eq. 7
        return p  # (n, d)

    def forward(self, speakers: torch.Tensor) -> torch.Tensor:
        s = self.speaker(speakers)
        return s + self.positions(speakers.shape[1], speakers.device) if self.use_positions else s


# ---- 4.1.2 CMA-Transformer ---------------------------------------------------------------------


class Stream(nn.Module):
    """H-bar = Norm(H-tilde + H_c); H = Norm(FFN(H-bar) + H-bar): the tail of eqs. 9, 10 and 11."""

    def __init__(self, d: int, ffn_mult: int, dropout: float, pre: bool = False):
        super().__init__()
        self.pre = pre  # pre-LN: the residual stream is never normalised, the FFN's input is
        self.norm1 = nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, ffn_mult * d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(ffn_mult * d, d))
        self.norm2 = nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(self, h_central: torch.Tensor, h_tilde: torch.Tensor) -> torch.Tensor:
        if self.pre:
            h_bar = self.drop(h_tilde) + h_central
            return self.drop(self.ffn(self.norm2(h_bar))) + h_bar
        h_bar = self.norm1(self.drop(h_tilde) + h_central)
        return self.norm2(self.drop(self.ffn(h_bar)) + h_bar)


class Gate(nn.Module):
    """Gate(.) of eq. 12: fuses the central stream with the cross-modal ones, per dimension."""

    def __init__(self, d: int, n_streams: int, form: str):
        super().__init__()
        self.score = nn.ModuleList(nn.Linear(d, d) for _ in range(n_streams))
        self.form = form

    def forward(self, streams: list[torch.Tensor]) -> torch.Tensor:
        scores = torch.stack([w(h) for w, h in zip(self.score, streams)])  # (S, B, n, d)
        weights = scores.softmax(0) if self.form == "softmax" else scores.sigmoid()
        return (weights * torch.stack(streams)).sum(0)


class Attention(nn.Module):
    """Multi-head scaled dot-product attention in plain tensor ops, so that `torch.func.vmap` batches
    it over a fused group (nn.MultiheadAttention's fused kernel has no batching rule)."""

    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.query, self.key, self.value, self.out = (nn.Linear(d, d) for _ in range(4))
        self.heads = heads
        self.drop = nn.Dropout(dropout)

    def forward(
        self, query: torch.Tensor, key: torch.Tensor, padding: torch.Tensor, bias: torch.Tensor | None = None
    ) -> torch.Tensor:
        b, n, d = query.shape
        h = self.heads

        def split(x):  # (B, n, d) -> (B, h, n, d/h)
            return x.reshape(b, -1, h, d // h).transpose(1, 2)

        q, k, v = split(self.query(query)), split(self.key(key)), split(self.value(key))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d // h)  # (B, h, n, n)
        if bias is not None:
            scores = scores + bias  # (h, n, n): DistanceBias
        scores = scores.masked_fill(padding[:, None, None, :], float("-inf"))  # padded keys get no weight
        return self.out((self.drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(b, n, d))


class DistanceBias(nn.Module):
    """An attention bias by the distance between two utterances of a dialogue, per head (not in the paper).

    Eqs. 6-8 give attention absolute positions only, so a head must learn from them that an utterance's
    neighbours matter most. "alibi" subtracts slope_h * |i - j| (slopes 1/4, 1/16, ... by head, fixed):
    one head stays near, the others see the whole dialogue. "learned" is a trainable bias per head and
    signed distance (clipped at `RANGE`), starting at 0, that is, at the paper's attention."""

    RANGE = 16

    def __init__(self, kind: str, heads: int):
        super().__init__()
        self.kind = kind
        if kind == "alibi":
            self.register_buffer("slopes", torch.pow(2.0, -8.0 * torch.arange(1, heads + 1) / heads)[:, None, None])
        else:
            self.table = nn.Parameter(torch.zeros(heads, 2 * self.RANGE + 1))

    def forward(self, n: int, device) -> torch.Tensor:
        i = torch.arange(n, device=device)
        distance = i[None, :] - i[:, None]  # (n, n): key minus query
        if self.kind == "alibi":
            return -self.slopes * distance.abs()
        return self.table[:, distance.clamp(-self.RANGE, self.RANGE) + self.RANGE]  # (h, n, n)


class ContextGRU(nn.Module):
    """A bidirectional GRU over a dialogue's utterances (not in the paper): each utterance reads its
    neighbours in order, as the BiGRU baseline does, d/2 units each way. Written step by step in plain
    tensor ops, padding held out (a state moves only at real utterances), so that `torch.func.vmap`
    batches it over a fused group; nn.GRU's packed sequences cannot be. Same equations and
    initialisation as nn.GRU; both directions advance in one batched step."""

    def __init__(self, d: int):
        super().__init__()
        k = self.units = d // 2  # each way; Config keeps d even
        self.input = nn.ModuleList(nn.Linear(d, 3 * k) for _ in range(2))  # W_i{r,z,n} x + b_i, forward / backward
        self.hidden = nn.ModuleList(nn.Linear(k, 3 * k) for _ in range(2))  # W_h{r,z,n} h + b_h
        for w in self.parameters():
            nn.init.uniform_(w, -(k**-0.5), k**-0.5)

    def forward(self, h: torch.Tensor, padding: torch.Tensor) -> torch.Tensor:
        n, k = h.shape[1], self.units
        x = torch.stack([inp(h) for inp in self.input])  # every step's input part at once, (2, B, n, 3k)
        x = torch.stack([x[0], x[1].flip(1)])  # the backward direction reads the dialogue from its end
        real = (~padding)[..., None]
        real = torch.stack([real, real.flip(1)])  # (2, B, n, 1)
        w = torch.stack([hid.weight.T for hid in self.hidden])  # (2, k, 3k)
        b = torch.stack([hid.bias for hid in self.hidden])[:, None]  # (2, 1, 3k)
        state, states = h.new_zeros(2, h.shape[0], k), []
        for t in range(n):
            x_r, x_z, x_n = x[:, :, t].chunk(3, -1)
            h_r, h_z, h_n = torch.baddbmm(b, state, w).chunk(3, -1)
            r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
            new = (1 - z) * torch.tanh(x_n + r * h_n) + z * state
            state = torch.where(real[:, :, t], new, state)  # padding (which ends a dialogue) holds the state
            states.append(state)
        out = torch.stack(states, 2)  # (2, B, n, k)
        return torch.cat([out[0], out[1].flip(1)], -1)  # (B, n, d)


class CMATransformer(nn.Module):
    """One central modality enhanced by its auxiliaries (eqs. 9-13); with none, its own dialogue only, read by
    eq. 11's self-attention, a BiGRU or both (`Config.context`)."""

    def __init__(self, cfg: Config, n_aux: int):
        super().__init__()
        d, o = cfg.dim, cfg.opts

        def attention():
            return Attention(d, o.heads, cfg.dropout)

        pre = o.norm == "pre"
        self.self_attention = attention() if "attention" in o.context else None
        self.gru = ContextGRU(d) if "gru" in o.context else None
        self.cross_attention = nn.ModuleList(attention() for _ in range(n_aux))
        self.central = Stream(d, o.ffn_mult, cfg.dropout, pre)
        self.auxiliary = nn.ModuleList(Stream(d, o.ffn_mult, cfg.dropout, pre) for _ in range(n_aux))
        self.norm_in = nn.LayerNorm(d) if pre else nn.Identity()  # pre-LN: attention reads normalised inputs
        self.gate = Gate(d, 1 + n_aux, o.gate)
        self.bias = DistanceBias(o.attention_bias, o.heads) if o.attention_bias != "none" else None
        self.reads_all = o.context_reads == "all"

    def forward(self, h_c: torch.Tensor, h_aux: list[torch.Tensor], padding: torch.Tensor) -> torch.Tensor:
        bias = self.bias(h_c.shape[1], h_c.device) if self.bias is not None else None

        def attend(layer, query, key):
            return layer(self.norm_in(query), self.norm_in(key), padding, bias)

        cross = [attend(ca, h_c, h_a) for ca, h_a in zip(self.cross_attention, h_aux)]  # H-tilde_{a->t}, eqs. 9-10
        # the dialogue eq. 11 reads: the central modality's utterances, or (`context_reads="all"`) the mean of
        # every modality's, aligned utterance by utterance (with one modality both are H_c itself)
        x = torch.stack([h_c, *h_aux]).mean(0) if self.reads_all and h_aux else h_c
        own = []  # how the central modality reads its dialogue: eq. 11's self-attention and/or a GRU
        if self.self_attention is not None:
            own.append(attend(self.self_attention, x, x))
        if self.gru is not None:
            own.append(self.gru(self.norm_in(x), padding))  # pre-LN: reads normalised inputs, as attention does
        h_tilde = sum(own) + sum(cross)  # eq. 11, lines 1-2
        streams = [self.central(h_c, h_tilde)]  # H_{t->t}, eq. 11
        streams += [stream(h_c, c) for stream, c in zip(self.auxiliary, cross)]  # H_{a->t}, H_{v->t}
        return self.gate(streams)  # H'_t, eq. 12


# ---- 4.2.1 Variational Fusion ------------------------------------------------------------------


def mlp(d: int) -> nn.Module:
    return nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d))


class VariationalFusion(nn.Module):
    """Per-modality Gaussians (eq. 15), averaged (eq. 16), sampled by reparameterisation (eq. 17)."""

    def __init__(self, d: int, modalities: str, sigma: str, sample_at_eval: bool, sigma_init: float):
        super().__init__()
        self.mu = nn.ModuleDict({m: mlp(d) for m in modalities})
        self.sigma = nn.ModuleDict({m: mlp(d) for m in modalities})
        self.positive = F.softplus if sigma == "softplus" else torch.exp
        inverse = math.log(math.expm1(sigma_init)) if sigma == "softplus" else math.log(sigma_init)
        for net in self.sigma.values():  # start every sigma_m near sigma_init
            nn.init.constant_(net[-1].bias, inverse)
        self.sample_at_eval = sample_at_eval

    def forward(self, h: dict[str, torch.Tensor], noise: torch.Tensor | None = None) -> torch.Tensor:
        """`noise` is epsilon of eq. 17 when the caller draws it (fit does, from the run's own generator)."""
        mu_x = torch.stack([self.mu[m](h[m]) for m in self.mu]).mean(0)  # eq. 16
        sigma_x = torch.stack([self.positive(self.sigma[m](h[m])) for m in self.sigma]).mean(0)  # eq. 16
        if self.training or self.sample_at_eval:
            epsilon = torch.randn_like(sigma_x) if noise is None else noise
            return mu_x + epsilon * sigma_x  # eq. 17
        return mu_x


# ---- the whole model and its loss (4.2.2, eq. 24) ----------------------------------------------


class CMATH(Model):
    """The paper's model: its own fields (`cmath.FIELD`; a record from before issue 44 names them flat, read
    through `cmathlab.config.MOVED`), its components Section 5.5's ablations, its terms eq. 24's. A field's
    `paper` is its value in the model Sections 3 and 5.3 describe, `source` where the paper says so, `replaces`
    the equation a departure replaces, `ours` the cmathlab recipe's value per dataset."""

    name = "cmath"
    title = "CMATH"
    embedding = "fused embeddings"  # H'_x, eq. 17
    fields = (
        Field(
            "context",
            "gru",
            "a BiGRU (d/2 units each way) reads the dialogue: the self-attention used no context on MELD's dev set",
            choices=("attention", "gru", "attention+gru"),
            paper="attention",
            source="eq. 11",
            replaces="eq. 11's self-attention over the dialogue",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
        Field(
            "context_reads",
            "all",
            "the context reader reads the mean of every modality's utterance vectors (own: the central "
            "modality's); with one modality the same run",
            choices=("own", "all"),
            paper="own",
            source="eq. 11",
            replaces="eq. 11's input, the central modality alone",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
        Field(
            "positions",
            False,
            "no sinusoids in eq. 8: the GRU reads the order itself",
            paper=True,
            source="eqs. 6-8",
            replaces="eqs. 6-7's sinusoidal positions added in eq. 8",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
        Field(
            "attention_bias",
            "alibi",
            "heads biased by utterance distance (slopes 1/4..1/256): the paper's attention sees absolute "
            "positions only",
            choices=("none", "alibi", "learned"),
            paper="none",
            source="eqs. 9-11",
            replaces="eqs. 9-11's attention scores",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
        Field("heads", 4, "every d the paper tries (100..600) divides by 4", low=1, paper=4),
        Field("ffn_mult", 2, "FFN hidden = 2d keeps d=500 models small on tiny data", low=1, paper=2),
        Field(
            "kernel_t",
            1,
            "k_m of eqs. 1-2 (odd keeps n): each sentence embedding encoded alone, a wider conv overfits them",
            low=1,
            odd=True,
            paper=3,
            measured="BENCHMARKS.md section 10",
        ),
        Field(
            "kernel_a",
            1,
            "each utterance's audio alone, as text's; the context reader sees neighbours",
            low=1,
            odd=True,
            paper=3,
            measured="BENCHMARKS.md section 10",
        ),
        Field("kernel_v", 1, "as for audio", low=1, odd=True, paper=3, measured="BENCHMARKS.md section 10"),
        Field(
            "norm",
            "post",
            "normalise after each residual, as eqs. 9-11 write it; pre normalises each sublayer's inputs (pre-LN)",
            choices=("post", "pre"),
            source="eqs. 9-11",
            since=AFTER,
            paper="post",
        ),
        Field(
            "cma_layers",
            1,
            "CMA-Transformers stacked per modality: one, as the paper draws; two lost on validation",
            low=1,
            source="Figure 2",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
            paper=1,
        ),
        Field(
            "speaker_init",
            "zero",
            "eq. 5's V_s starts at 0 and is learned; nn.Embedding's N(0, 1) adds a random rms-1 vector per speaker",
            choices=("normal", "zero"),
            paper="normal",
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
        Field(
            "gate",
            "softmax",
            "eq. 12: per-dimension softmax over streams; sigmoid gates each stream alone",
            choices=("softmax", "sigmoid"),
            paper="softmax",
        ),
        Field(
            "sigma",
            "softplus",
            "eq. 15 must give sigma > 0; softplus is smoother than exp",
            choices=("softplus", "exp"),
            paper="softplus",
        ),
        Field(
            "sigma_init",
            0.1,
            "sigma_m at initialisation; softplus(0) = 0.69 would drown mu_x in noise",
            above=0,
            paper=0.1,
        ),
        Field("sample_at_eval", False, "eq. 17 samples in training; evaluation uses mu_x, deterministic", paper=False),
        Field(
            "detach_teacher",
            True,
            "eqs. 18/23's teachers are targets, as in distillation; IEMOCAP's learn: held fixed, its "
            "validation curve swung",
            ours={"iemocap": False},
            measured="BENCHMARKS.md section 10",
            paper=True,
        ),
        Field(
            "modality_ce",
            True,
            "eq. 22's per-modality CE stays in every variant, also w/o HD",
            source="eq. 22",
            paper=True,
        ),
        Field(
            "reduction",
            "element",
            "eqs. 3/18: mean squared error per element keeps terms on CE's scale",
            choices=("element", "utterance"),
            paper="element",
        ),
        # eq. 24's weights, Section 5.3's per dataset (any other dataset: MELD's), Figure 6's axes (`gamma1`,
        # `gamma2` in specs and on the command line, through config.MOVED)
        Field(
            "gamma1",
            1.0,
            "weight of low-level distillation (eq. 18)",
            low=0,
            paper={"iemocap": 1.0, "meld": 1.0},
            source="Section 5.3, eq. 24",
            fusable=True,
        ),
        Field(
            "gamma2",
            1.2,
            "weight of high-level distillation (eq. 23)",
            per_dataset={"iemocap": 1.8},
            low=0,
            paper={"iemocap": 1.8, "meld": 1.2},
            source="Section 5.3, eq. 24",
            fusable=True,
        ),
        Field(
            "distill_warmup",
            10,
            "epochs over which gamma1, gamma2 rise from 0: early distillation targets are untrained teachers",
            low=0,
            paper=0,
            source=NONE_53,
            since=AFTER,
            measured="BENCHMARKS.md section 10",
        ),
    )
    components = (
        Component("MR", "a fully connected layer in place of eqs. 1-4's reconstruction", ("re",)),
        Component("CMA-T", "H_m passed on without eqs. 9-14's CMA-Transformer"),
        Component("LLD", "no eq. 18 term (the full model's weights)", ("mse",), changes_architecture=False),
        Component("HLD", "no eq. 23 term (the full model's weights)", ("kl",), changes_architecture=False),
        Component(
            "HD", "neither distillation term (the full model's weights)", ("mse", "kl"), changes_architecture=False
        ),
    )
    # eq. 24's terms, by the names `loss_terms` computes them
    terms = {
        "ce_x": Term(),  # eq. 21: the fused prediction's cross-entropy
        "ce_m": Term(switch="modality_ce"),  # eq. 20: each modality's cross-entropy
        "re": Term(),  # eqs. 3-4: modality reconstruction
        "mse": Term("gamma1", ramp="distill_warmup"),  # eq. 18: LLD
        "kl": Term("gamma2", ramp="distill_warmup"),  # eq. 23: HLD
    }
    fusable = True
    samples_noise = True  # eq. 17 draws epsilon (B, n, d) in training

    @classmethod
    def check_config(cls, cfg) -> None:
        o = cfg.opts
        if cfg.dim % o.heads:
            raise BadInput(f"{o.heads!r} is not a divisor of dim={cfg.dim}", field="cmath.heads")
        if "gru" in o.context and cfg.dim % 2:
            raise BadInput(
                f"{cfg.dim!r} is not an even number: cmath.context={o.context!r} gives each direction of "
                "its GRU d/2 units",
                field="dim",
            )

    def __init__(self, cfg: Config, dims: dict[str, int], n_speakers: int, n_classes: int):
        super().__init__()
        self.cfg = cfg
        mods, o = cfg.modalities, cfg.opts
        self.encode = nn.ModuleDict(
            {
                m: ModalityReconstruction(dims[m], cfg.dim, getattr(o, f"kernel_{m}"))
                if cfg.keeps("MR")
                else Projection(dims[m], cfg.dim)
                for m in mods
            }
        )
        self.speaker_position = SpeakerPosition(cfg.dim, n_speakers, o.positions, o.speaker_init)
        self.drop = nn.Dropout(cfg.dropout)
        # one CMA-Transformer per modality (eqs. 13-14), stacked `cma_layers` deep
        self.cma = (
            nn.ModuleList(
                nn.ModuleDict({m: CMATransformer(cfg, len(mods) - 1) for m in mods}) for _ in range(o.cma_layers)
            )
            if cfg.keeps("CMA-T")
            else None
        )
        self.fusion = VariationalFusion(cfg.dim, mods, o.sigma, o.sample_at_eval, o.sigma_init)
        self.classify_x = nn.Linear(cfg.dim, n_classes)  # eq. 19; softmax lives in the losses
        self.classify = nn.ModuleDict({m: nn.Linear(cfg.dim, n_classes) for m in mods})

    def forward(self, batch: Batch, noise: torch.Tensor | None = None) -> Output:
        mods, padding = self.cfg.modalities, ~batch.mask
        u_prime, reconstructions = {}, {}
        for m in mods:
            u_prime[m], u_second = self.encode[m](batch.features[m], batch.mask)
            if u_second is not None:
                reconstructions[m] = u_second
        s_plus_p = self.speaker_position(batch.speakers)
        h = {m: self.drop(u_prime[m] + s_plus_p) for m in mods}  # eq. 8
        for layer in self.cma or ():  # eqs. 13-14; w/o CMA-T passes H_m through
            h = {m: layer[m](h[m], [h[a] for a in mods if a != m], padding) for m in mods}
        h_x = self.fusion(h, noise)
        return Output(
            logits=self.classify_x(h_x),
            embedding=h_x,
            modality_logits={m: self.classify[m](h[m]) for m in mods},
            modality_hidden=h,
            reconstructions=reconstructions,
        )

    def loss_terms(
        self, out: Output, batch: Batch, weights: dict[str, torch.Tensor | float] | None = None
    ) -> dict[str, torch.Tensor]:
        """Each term of eq. 24 that `weights` names (default: the config's, `Config.loss_weights`), over
        real utterances only, and their weighted total.

        Padding is weighted out rather than indexed away: no shape depends on the data, so the
        terms need no host sync and stay valid under `torch.func.vmap` (fused training)."""
        cfg, o = self.cfg, self.cfg.opts
        weights = cfg.loss_weights() if weights is None else weights
        real = batch.mask.to(out.logits.dtype)  # (B, n): 1 at real utterances
        count = real.sum()
        labels = batch.labels.clamp(min=0)  # padding's -1 is weighted out below

        def ce(logits):  # mean cross-entropy over real utterances
            return (F.cross_entropy(logits.transpose(1, 2), labels, reduction="none") * real).sum() / count

        def sq_error(a, b):  # ||a - b||_F^2 of eqs. 3 and 18, reduced as the config says
            err = ((a - b).pow(2) * real[..., None]).sum()
            return err / (count * a.shape[-1]) if o.reduction == "element" else err / count

        def teacher(t):
            return t.detach() if o.detach_teacher else t

        def kl(lg):  # eq. 23: KL(Y-hat_x || Y-hat_m) = sum p_x (log p_x - log p_m), over real utterances
            log_p_x = teacher(out.logits.log_softmax(-1))
            return ((log_p_x.exp() * (log_p_x - lg.log_softmax(-1))).sum(-1) * real).sum() / count

        compute = {
            "ce_x": lambda: ce(out.logits),  # eq. 21
            "ce_m": lambda: sum(ce(lg) for lg in out.modality_logits.values()),  # eq. 20
            "re": lambda: sum(sq_error(batch.features[m], r) for m, r in out.reconstructions.items()),  # eqs. 3-4
            "mse": lambda: sum(sq_error(teacher(out.embedding), h) for h in out.modality_hidden.values()),  # eq. 18
            "kl": lambda: sum(kl(lg) for lg in out.modality_logits.values()),  # eq. 23
        }
        terms = {name: compute[name]() for name in weights}
        terms["total"] = sum(weights[name] * terms[name] for name in weights)  # eq. 24
        return terms
