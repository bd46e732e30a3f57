"""What a trial's checkpoint costs (issue 36): seconds per epoch of one paper-scale synthetic run with a checkpoint
after every epoch and without, the size of one checkpoint, and the seconds to write it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/checkpoint_cost.py --dataset iemocap --epochs 3
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import torch

from cmathlab.config import Config
from cmathlab.data.synthetic import make_synthetic
from cmathlab.train import fit


class ToDisk:
    def __init__(self, directory: str, every: int):
        self.every, self.path, self.seconds, self.bytes = every, os.path.join(directory, "state.pt"), [], 0

    def load(self):
        return None

    def save(self, state: dict) -> None:
        started = time.perf_counter()
        torch.save(state, self.path)
        self.seconds.append(time.perf_counter() - started)
        self.bytes = os.path.getsize(self.path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="iemocap")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--model", default="cmath")
    args = parser.parse_args()
    torch.set_num_threads(1)
    corpus = make_synthetic(args.dataset)
    config = Config.for_dataset(args.dataset, model=args.model, epochs=args.epochs + 1, patience=0)
    started = time.perf_counter()
    plain = fit(config, corpus)
    plain_s = (time.perf_counter() - started) / config.epochs
    with tempfile.TemporaryDirectory() as directory:
        disk = ToDisk(directory, every=1)
        started = time.perf_counter()
        saved = fit(config, corpus, checkpoints=disk)
        saved_s = (time.perf_counter() - started) / config.epochs
    assert saved.test == plain.test  # a checkpoint changes no number
    print(f"{args.model} on paper-scale synthetic {args.dataset}, d {config.dim}, {args.epochs + 1} epochs, 1 thread")
    print(
        f"wall s/epoch (the whole fit over its epochs) without checkpoints {plain_s:.2f}, with one after every "
        f"epoch {saved_s:.2f}"
    )
    print(
        f"one checkpoint: {disk.bytes / 2**20:.1f} MiB, written in {sum(disk.seconds) / len(disk.seconds):.2f} s "
        f"(mean of {len(disk.seconds)})"
    )


if __name__ == "__main__":
    main()
