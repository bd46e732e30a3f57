"""Benchmark 1 (issue 5): seconds per epoch of paper-scale synthetic IEMOCAP, this tree against an
earlier commit, in one run on one machine.

    python benchmarks/epoch_time.py --before 364d6ac --epochs 3 --bucket 3 --profile

Each side trains the paper's settings (d = 500, lr 3e-3, 16 dialogues a batch, real feature dims)
for a few epochs in its own process with the same thread count; the earlier commit is checked out
with `git worktree` into a temporary folder. Prints one Markdown row per side and the ratio; the share of real (unpadded) utterance slots in
random and in length-bucketed training batches; with --profile, torch.profiler's top operators
over one epoch of this tree.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD = """
import json, sys, time, torch
torch.set_num_threads({threads})
from cmathlab.config import Config
from cmathlab.data.synthetic import make_synthetic
from cmathlab.train import fit
corpus = make_synthetic("{data}", scale={scale}, seed=0)
config = Config.for_dataset(corpus.dataset, epochs={epochs}, patience=0, seed=0{extra})
started = time.perf_counter()
result = fit(config, corpus)
print(json.dumps({{"epochs": [r["seconds"] for r in result.history], "wall": time.perf_counter() - started,
                  "test_acc": result.test["acc"]}}))
"""


PROFILE = """
import torch
torch.set_num_threads({threads})
from torch.profiler import ProfilerActivity, profile
from cmathlab.config import Config
from cmathlab.data.synthetic import make_synthetic
from cmathlab.train import fit
corpus = make_synthetic("{data}", scale={scale}, seed=0)
with profile(activities=[ProfilerActivity.CPU]) as prof:
    fit(Config.for_dataset(corpus.dataset, epochs=1, patience=0, seed=0), corpus)
events = prof.key_averages()
total = sum(e.self_cpu_time_total for e in events)
for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]:
    print(f"| `{{e.key}}` | {{100 * e.self_cpu_time_total / total:.1f}} % |")
"""


def padding(args) -> str:
    import numpy as np

    from cmathlab.config import PAPER
    from cmathlab.data.synthetic import make_synthetic
    from cmathlab.data.tensors import PaddedSplit

    corpus = make_synthetic(args.data, scale=args.scale, seed=0)
    split = PaddedSplit.build(corpus, corpus.split(0.2, 0)["train"], "t", "cpu")
    size = PAPER[corpus.dataset]["batch_size"]

    def real(bucket):
        rng = np.random.default_rng(0)
        batches = [b for _ in range(20) for b in split.training_batches(rng, size, bucket)]
        return sum(split.lengths[b].sum() for b in batches) / sum(split.lengths[b].max() * len(b) for b in batches)

    return (
        f"real utterances per padded slot in training batches of {size} (20 epochs' draws): random "
        f"{100 * real(0):.0f} %, bucket = {args.bucket or 3} {100 * real(args.bucket or 3):.0f} %"
    )


def run(tree: str, args, extra: str = "") -> dict:
    code = CHILD.format(threads=args.threads, data=args.data, scale=args.scale, epochs=args.epochs, extra=extra)
    env = {**os.environ, "PYTHONPATH": tree}
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit to compare with, e.g. 364d6ac")
    parser.add_argument("--data", default="iemocap")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--bucket", type=int, default=0, help="also time this tree with bucket=K (length buckets)")
    parser.add_argument("--profile", action="store_true", help="also profile one epoch of this tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = os.path.join(tmp, "before")
        subprocess.run(
            ["git", "-C", ROOT, "worktree", "add", "--detach", before, args.before], check=True, capture_output=True
        )
        try:
            rows = {f"before ({args.before})": run(before, args), "after (this tree)": run(ROOT, args)}
            if args.bucket:
                rows[f"after, bucket = {args.bucket}"] = run(ROOT, args, f", bucket={args.bucket}")
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", before], capture_output=True)
    print(
        f"synthetic:{args.data} scale {args.scale}, paper settings, {args.epochs} epochs, {args.threads} threads, "
        f"{platform.machine()}, {platform.python_version()}"
    )
    print("| code | s per epoch (mean) | epochs (s) | test ACC after the epochs |")
    print("|---|---:|---|---:|")
    means = {}
    for name, r in rows.items():
        means[name] = sum(r["epochs"]) / len(r["epochs"])
        print(f"| {name} | {means[name]:.2f} | {' '.join(f'{s:.1f}' for s in r['epochs'])} | {r['test_acc']:.4f} |")
    first, *others = means.values()
    for name, mean in list(means.items())[1:]:
        print(f"speed-up of {name}: {first / mean:.2f}x")
    print(padding(args))
    if args.profile:
        print("\n| operator (this tree, one epoch, self CPU time) | share |\n|---|---:|")
        code = PROFILE.format(threads=args.threads, data=args.data, scale=args.scale)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        print("\n".join(line for line in out.stdout.splitlines() if line.startswith("|")))


if __name__ == "__main__":
    main()
