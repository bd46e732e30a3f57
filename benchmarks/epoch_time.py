"""Benchmark 1 (issue 5): seconds per epoch of paper-scale synthetic IEMOCAP, this tree against an
earlier commit, in one run on one machine.

    python benchmarks/epoch_time.py --before 364d6ac --epochs 3 --bucket 3

Each side trains the paper's settings (d = 500, lr 3e-3, 16 dialogues a batch, real feature dims)
for a few epochs in its own process with the same thread count; the earlier commit is checked out
with `git worktree` into a temporary folder. Prints one Markdown row per side and the ratio.
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        before = os.path.join(tmp, "before")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", before, args.before], check=True,
                       capture_output=True)
        try:
            rows = {f"before ({args.before})": run(before, args), "after (this tree)": run(ROOT, args)}
            if args.bucket:
                rows[f"after, bucket = {args.bucket}"] = run(ROOT, args, f", bucket={args.bucket}")
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", before], capture_output=True)
    print(f"synthetic:{args.data} scale {args.scale}, paper settings, {args.epochs} epochs, {args.threads} threads, "
          f"{platform.machine()}, {platform.python_version()}")
    print("| code | s per epoch (mean) | epochs (s) | test ACC after the epochs |")
    print("|---|---:|---|---:|")
    means = {}
    for name, r in rows.items():
        means[name] = sum(r["epochs"]) / len(r["epochs"])
        print(f"| {name} | {means[name]:.2f} | {' '.join(f'{s:.1f}' for s in r['epochs'])} | {r['test_acc']:.4f} |")
    first, *others = means.values()
    for name, mean in list(means.items())[1:]:
        print(f"speed-up of {name}: {first / mean:.2f}x")


if __name__ == "__main__":
    main()
