"""Benchmark 2 (issue 5): the 36-cell gamma grid x seeds, fused groups against one trial per Ray actor.

Both rows are `cmathlab study run` of the same grid on the same machine in one run of this script
(a local Ray, Tune, MLflow sqlite, 1 CPU per trial, trials side by side on all cores):
  per trial  fuse = "off": every (gamma1, gamma2, seed) is its own Tune trial, as by default
  fused      fuse = "auto": each Tune trial trains up to --group members as one stacked model

    python benchmarks/fused_grid.py [--seeds 2] [--group 36] [--scale 0.2] [--dim 100] [--epochs 5]

Prints a Markdown table with trials per hour; BENCHMARKS.md ("Fused training") holds the rows measured on our
machines, benchmarks/archive/ the history.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import torch
from rich.console import Console

from cmathlab.study.runner import run_study
from cmathlab.study.spec import load_spec

SPEC = """name = "gamma-fused"
datasets = ["iemocap"]
seeds = {seeds}
epochs = {epochs}
scale = {scale}
fuse = "{fuse}"
fuse_max = {group}
[fixed]
dim = {dim}
patience = 0
[grid]
gamma1 = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
gamma2 = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--group", type=int, default=36)
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cmathlab-fused-")
    quiet = Console(file=open(os.devnull, "w"))
    trials = 36 * args.seeds
    rows = []
    for name, fuse in (
        ('one trial per Ray actor (fuse = "off")', "off"),
        (f'fused groups of up to {args.group} (fuse = "auto")', "auto"),
    ):
        path = os.path.join(work, f"{fuse}.toml")
        with open(path, "w") as handle:
            handle.write(
                SPEC.format(
                    seeds=args.seeds, epochs=args.epochs, scale=args.scale, fuse=fuse, group=args.group, dim=args.dim
                )
            )
        started = time.perf_counter()
        code = run_study(load_spec(path), os.path.join(work, fuse), console=quiet)
        rows.append((name, time.perf_counter() - started))
        assert code == 0, f"study exited {code}"
    print(
        f"\n36-cell gamma grid x {args.seeds} seeds = {trials} trials, synthetic IEMOCAP scale {args.scale}, "
        f"d={args.dim}, {args.epochs} epochs, 1 CPU per Tune trial; {platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, Python {sys.version.split()[0]}\n"
    )
    print("| how | wall s | trials per hour | vs one trial per actor |")
    print("|---|---:|---:|---:|")
    base = rows[0][1]
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} | {trials * 3600 / seconds:.0f} | {base / seconds:.2f}x |")


if __name__ == "__main__":
    main()
