"""Run many fit() configs, 2 processes x 1 thread; append one JSON line per run to OUT."""

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def one(job):
    import torch

    torch.set_num_threads(1)
    from cmathlab.config import Config
    from cmathlab.data import load_corpus
    from cmathlab.train import fit

    data, scale, recipe, over = job["data"], job.get("scale", 1.0), job.get("recipe"), job["over"]
    corpus = load_corpus(data, scale=scale, seed=job.get("corpus_seed", 0))  # corpus_seed (s16): a fresh synthetic draw
    patch = job.get("patch")
    from cmathlab.model import cmath as cm

    init = cm.SpeakerPosition.__init__
    pos = cm.SpeakerPosition.positions
    if patch:
        ps = job.get("pos_scale", 1.0)
        ss = job.get("spk_std", 1.0)

        def __init__(self, d, n, *args):  # *args: the positions and speaker_init fields (session 7 on)
            init(self, d, n, *args)
            torch.nn.init.normal_(self.speaker.weight, std=ss)

        cm.SpeakerPosition.__init__ = __init__
        cm.SpeakerPosition.positions = lambda self, n, device: pos(self, n, device) * ps
    # monkeypatched probe: attention weights' dropout apart from the rest. Every patch is undone after the
    # run, since a worker process runs many jobs (before, later attn.* jobs inherited it: attn.README)
    ainit = cm.Attention.__init__
    if "attn_dropout" in job:

        def attn_init(self, d, heads, dropout, _p=job["attn_dropout"]):
            ainit(self, d, heads, _p)

        cm.Attention.__init__ = attn_init
    # monkeypatched probes (s6): "directional" distance bias (half the heads see only earlier utterances,
    # half only later ones, each with ALiBi slopes), and a BiGRU over the central stream in place of self-attention
    dforward = cm.DistanceBias.forward
    cinit, cforward = cm.CMATransformer.__init__, cm.CMATransformer.forward
    if job.get("directional"):
        slopes = job["directional"]  # per head; sign: -1 past only, +1 future only, 0 both

        def d_forward(self, n, device, _s=slopes):
            i = torch.arange(n, device=device)
            dist = i[None, :] - i[:, None]
            out = []
            for slope, side in _s:
                b = -slope * dist.abs().float()
                if side:
                    b = b.masked_fill(dist * side < 0, -1e4)
                out.append(b)
            return torch.stack(out)

        cm.DistanceBias.forward = d_forward
    if job.get("gru_self"):
        from torch import nn

        def c_init(self, cfg, n_aux, _mode=job["gru_self"]):
            cinit(self, cfg, n_aux)
            self.gru = nn.GRU(cfg.dim, cfg.dim // 2, batch_first=True, bidirectional=True)
            self.gru_mode = _mode

        def c_forward(self, h_c, h_aux, padding):
            from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

            bias = self.bias(h_c.shape[1], h_c.device) if self.bias is not None else None

            def attend(layer, q, k):
                return layer(self.norm_in(q), self.norm_in(k), padding, bias)

            lengths = (~padding).sum(1).cpu()
            packed = pack_padded_sequence(h_c, lengths, batch_first=True, enforce_sorted=False)
            g, _ = pad_packed_sequence(self.gru(packed)[0], batch_first=True, total_length=h_c.shape[1])
            cross = [attend(ca, h_c, h_a) for ca, h_a in zip(self.cross_attention, h_aux)]
            own = g if self.gru_mode == "replace" else g + attend(self.self_attention, h_c, h_c)
            h_tilde = own + sum(cross)
            streams = [self.central(h_c, h_tilde)] + [s(h_c, c) for s, c in zip(self.auxiliary, cross)]
            return self.gate(streams)

        cm.CMATransformer.__init__, cm.CMATransformer.forward = c_init, c_forward
    if job.get("no_cross"):  # monkeypatched probe (s15): eqs. 9-10's cross-modal attention gives 0; the context
        from torch import nn  # GRU still reads every modality's mean (context_reads "all"), so fusion stays

        class Zero(nn.Module):
            def forward(self, query, key, padding, bias=None):
                return torch.zeros_like(query)

        def nc_init(self, cfg, n_aux, _init=cm.CMATransformer.__init__):
            _init(self, cfg, n_aux)
            self.cross_attention = nn.ModuleList(Zero() for _ in range(n_aux))

        cm.CMATransformer.__init__ = nc_init
    sforward, vforward = cm.Stream.forward, cm.VariationalFusion.forward
    if job.get("no_stream"):  # monkeypatched probe (s16): eq. 11's stream (residual of H_c, LayerNorms, FFN) is
        cm.Stream.forward = lambda self, h_central, h_tilde: h_tilde  # skipped: a stream is its context reader's output
    if job.get("no_vf"):  # monkeypatched probe (s16): eqs. 15-17's MLPs and noise skipped: H'_x is the mean of the H_m
        cm.VariationalFusion.forward = lambda self, h, noise=None: torch.stack([h[m] for m in self.mu]).mean(0)
    weights = Config.loss_weights
    if "drop_terms" in job:  # monkeypatched probe: train without these loss terms

        def loss_weights(self, *a, _drop=tuple(job["drop_terms"]), **k):
            return {n: w for n, w in weights(self, *a, **k).items() if n not in _drop}

        Config.loss_weights = loss_weights
    cfg = Config.for_dataset(corpus.dataset, recipe=recipe, **over)
    t = time.time()
    try:
        r = fit(cfg, corpus)
    finally:  # undo every patch: the worker process runs the next job
        cm.Attention.__init__ = ainit
        cm.DistanceBias.forward = dforward
        cm.CMATransformer.__init__, cm.CMATransformer.forward = cinit, cforward
        cm.SpeakerPosition.__init__ = init
        cm.SpeakerPosition.positions = pos
        Config.loss_weights = weights
        cm.Stream.forward, cm.VariationalFusion.forward = sforward, vforward
    out = {
        "tag": job["tag"],
        **{k: job[k] for k in ("drop_terms", "spk_std", "pos_scale", "corpus_seed") if k in job},
        **({"attn_dropout": job["attn_dropout"]} if "attn_dropout" in job else {}),
        **{k: job[k] for k in ("directional", "gru_self", "no_cross", "no_stream", "no_vf") if k in job},
        "data": data,
        "scale": scale,
        "recipe": cfg.recipe,
        **over,
        "valid_wf1": r.valid["wf1"],
        "test_wf1": r.test["wf1"],
        "test_acc": r.test["acc"],
        "best_epoch": r.best_epoch,
        "epochs_run": len(r.history),
        "health": r.health,
        "f1": r.test["per_class_f1"],
        "sec": time.time() - t,
        "bayes_acc": (r.bayes or {}).get("test_acc"),
        "bayes_valid_acc": (r.bayes or {}).get("valid_acc"),
        "valid_acc": r.valid["acc"],
    }
    if job.get("history"):  # every epoch's valid and test W-F1 (s10: how much of a gap the selection makes)
        out["history"] = [
            {k: v for k, v in h.items() if k == "epoch" or k.startswith(("valid", "test", "loss_"))} for h in r.history
        ]
    return out


if __name__ == "__main__":
    jobs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    out = sys.argv[2]
    from concurrent.futures import as_completed

    with ProcessPoolExecutor(int(os.environ.get("WORKERS", 2))) as pool:
        for res in (f.result() for f in as_completed([pool.submit(one, j) for j in jobs])):  # each as it ends
            with open(out, "a") as f:
                f.write(json.dumps(res) + "\n")
            print(
                res["tag"],
                res.get("seed"),
                f"valid {res['valid_wf1']:.4f} test {res['test_wf1']:.4f} ep {res['best_epoch']}/{res['epochs_run']} {res['health']} {res['sec']:.0f}s",
                flush=True,
            )
