"""How close does CMATH get to the synthetic corpus's Bayes limit, and what closes the gap?

Trains a few configurations on one synthetic corpus and prints a Markdown table: test accuracy
at the best validation epoch, the Bayes-optimal accuracy of the same test dialogues (with and
without the Markov context), and their ratio.

    .venv/bin/python benchmarks/bayes_gap.py --scale 0.5 --epochs 25
"""

import argparse
import json
import platform
import time

import numpy as np
import torch

from cmathlab.config import Config
from cmathlab.data.synthetic import make_synthetic
from cmathlab.train import fit

CONFIGS = {
    "defaults (lr 3e-3, batch 16, k=3)": {},
    "lr 1e-3": {"lr": 1e-3},
    "lr 1e-3, k=1 (no conv context)": {"lr": 1e-3, "kernel_t": 1, "kernel_a": 1, "kernel_v": 1},
    "lr 1e-3, k=7": {"lr": 1e-3, "kernel_t": 7, "kernel_a": 7, "kernel_v": 7},
    "lr 5e-4, batch 2, k=7": {"lr": 5e-4, "batch_size": 2, "kernel_t": 7, "kernel_a": 7, "kernel_v": 7},
    "lr 1e-3, w/o HD": {"lr": 1e-3, "variant": "w/o HD"},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="iemocap", choices=["iemocap", "meld"])
    parser.add_argument("--scale", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--only", help="JSON list of config names to run")
    args = parser.parse_args()
    corpus = make_synthetic(args.data, scale=args.scale, seed=0)
    names = json.loads(args.only) if args.only else list(CONFIGS)
    split = corpus.split(0.2, 0)
    generator = corpus.generator
    no_context = generator.transition
    generator.transition = np.tile(generator.prior, (len(generator.prior), 1))
    per_utterance = generator.bayes(corpus, split["test"])["acc"]
    generator.transition = no_context
    print(
        f"synthetic:{args.data} scale {args.scale}, d={args.dim}, {args.epochs} epochs, patience off; "
        f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}"
    )
    print(f"Bayes limit without context (per utterance): {per_utterance:.3f}\n")
    print("| configuration | best epoch | test ACC | Bayes ACC | ratio | seconds |")
    print("|---|---|---|---|---|---|")
    for name in names:
        cfg = Config.for_dataset(corpus.dataset, dim=args.dim, epochs=args.epochs, patience=0, **CONFIGS[name])
        started = time.perf_counter()
        result = fit(cfg, corpus)
        bayes = result.bayes["test_acc"]
        print(
            f"| {name} | {result.best_epoch} | {result.test['acc']:.3f} | {bayes:.3f} | "
            f"{result.test['acc'] / bayes:.3f} | {time.perf_counter() - started:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
