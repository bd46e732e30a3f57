"""CPU seconds of one demo trial (full CMATH at the demo's settings, seed 0, one thread), at whichever cmathlab
comes first on sys.path: compare two commits on one machine, so that a slower demo is traced to code or machine.

    git worktree add /tmp/old a7cd87a
    PYTHONPATH=/tmp/old .venv/bin/python benchmarks/demo_trial_cost.py
    PYTHONPATH=. .venv/bin/python benchmarks/demo_trial_cost.py

Prints the cmathlab it imported, then CPU and wall seconds and (valid, test) W-F1 per variant named on the
command line (default: full).
"""

import sys
import time

import torch

torch.set_num_threads(1)

import cmathlab  # noqa: E402 - after the thread setting
from cmathlab.config import Config  # noqa: E402
from cmathlab.data import load_corpus  # noqa: E402
from cmathlab.train import fit  # noqa: E402

print(cmathlab.__file__)
corpus = load_corpus("synthetic:iemocap/8", scale=0.4)  # studies/demo.toml's data
for variant in sys.argv[1:] or ["full"]:
    cpu, wall = time.process_time(), time.time()
    result = fit(
        Config.for_dataset(
            "iemocap", dim=96, batch_size=4, lr=1e-3, epochs=12, seed=0, keep_embeddings=True, variant=variant
        ),
        corpus,
    )
    print(
        f"{variant}: cpu {time.process_time() - cpu:.1f} s, wall {time.time() - wall:.1f} s, W-F1 valid "
        f"{100 * result.valid['wf1']:.2f} test {100 * result.test['wf1']:.2f}",
        flush=True,
    )
