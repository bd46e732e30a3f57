"""Which part of the cmathlab recipe costs the full model on the demo's corpus (issue 10's regression).

    .venv/bin/python benchmarks/demo_regression.py

The demo's settings (synthetic:iemocap/8 at scale 0.4, d = 96, batch 4, lr 1e-3, 12 epochs), full CMATH,
seeds 0 and 1, each recipe field set back to the paper's one at a time. Prints (valid, test) W-F1 per seed.
"""

import torch

from cmathlab.config import Config
from cmathlab.data import load_corpus
from cmathlab.train import fit

torch.set_num_threads(2)
corpus = load_corpus("synthetic:iemocap/8", scale=0.4)
base = dict(dim=96, batch_size=4, lr=1e-3, epochs=12)
for name, change in [
    ("defaults", {}),
    ("dropout 0.1", {"dropout": 0.1}),
    ("k_t 3", {"kernel_t": 3}),
    ("no standardize", {"standardize": False}),
    ("constant lr, no warm-up", {"schedule": "constant", "warmup_steps": 0}),
    ("no clip", {"grad_clip": 0.0}),
    ("paper recipe", {"recipe": "paper"}),
    ("defaults w/o HD", {"variant": "w/o HD"}),
]:
    scores = []
    for seed in (0, 1):
        result = fit(Config.for_dataset("iemocap", **{**base, **change, "seed": seed}), corpus)
        scores.append((round(100 * result.valid["wf1"], 2), round(100 * result.test["wf1"], 2)))
    print(name, scores, flush=True)
