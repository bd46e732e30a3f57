"""Issue 10's demo regression, second look: the lr schedule after warm-up (full CMATH, the demo's settings).

    .venv/bin/python benchmarks/demo_schedule.py "constant+warmup" "cosine 24ep"

Each named variant runs seeds 0 and 1 and prints (valid W-F1, test W-F1, best epoch) per seed; one thread
per process, so two invocations can share the 2 cores.
"""

import sys

import torch

from cmathlab.config import Config
from cmathlab.data import load_corpus
from cmathlab.train import fit

torch.set_num_threads(1)
corpus = load_corpus("synthetic:iemocap/8", scale=0.4)
base = dict(dim=96, batch_size=4, lr=1e-3, epochs=12)
variants = {
    "constant+warmup": {"schedule": "constant"},
    "constant+warmup w/o HD": {"schedule": "constant", "variant": "w/o HD"},
    "cosine 24ep": {"epochs": 24},
    "constant+warmup k3 d0.1": {"schedule": "constant", "kernel_t": 3, "dropout": 0.1},
}
for name in sys.argv[1:]:
    scores = []
    for seed in (0, 1):
        r = fit(Config.for_dataset("iemocap", **{**base, **variants[name], "seed": seed}), corpus)
        scores.append((round(100 * r.valid["wf1"], 2), round(100 * r.test["wf1"], 2), r.best_epoch))
    print(name, scores, flush=True)
