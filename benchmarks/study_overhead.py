"""What Ray Tune + MLflow cost: the 36-cell gamma grid as a study against `fit` in a plain loop.

Both sides train the same 36 configs (gamma1 x gamma2 in 1.0..2.0, one seed, one dataset) in the
same process tree on the same machine, one after another in this order:
  plain    `fit` in a Python loop, torch on all the cores it is given, one trial at a time
  study    `run_study` (a local Ray it starts, Tune's grid search, MLflow sqlite) with each trial
           given the same cores, so one trial runs at a time: the difference is the machinery's
  study/1  the study as a user runs it by default: 1 CPU per trial, trials side by side

    python benchmarks/study_overhead.py [--scale 0.2] [--dim 100] [--epochs 5] [--cores 2]

Prints a Markdown table; BENCHMARKS.md ("What the study machinery costs") holds the rows measured on our
machines, benchmarks/archive/ the history (issue 3's first run among it).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time

import torch

from cmathlab.data import load_corpus
from cmathlab.study.runner import run_study
from cmathlab.study.spec import load_spec
from cmathlab.train import fit

SPEC = """name = "gamma-overhead"
datasets = ["iemocap"]
seeds = [0]
epochs = {epochs}
scale = {scale}
[fixed]
dim = {dim}
patience = 0
[resources]
cpu = {cpu}
[grid]
gamma1 = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
gamma2 = [1.0, 1.2, 1.4, 1.6, 1.8, 2.0]
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.2)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cmathlab-overhead-")
    rows = []

    def spec_for(cpu: int):
        path = os.path.join(work, f"spec-{cpu}.toml")
        with open(path, "w") as handle:
            handle.write(SPEC.format(epochs=args.epochs, scale=args.scale, dim=args.dim, cpu=cpu))
        return load_spec(path)

    spec = spec_for(args.cores)
    part = spec.parts[0]
    corpus = load_corpus(spec.data["iemocap"], scale=spec.scale)
    torch.set_num_threads(args.cores)
    started = time.perf_counter()
    for g1 in part.grid["gamma1"]:
        for g2 in part.grid["gamma2"]:
            fit(part.config("iemocap", 0, {"gamma1": g1, "gamma2": g2}), corpus)
    plain = time.perf_counter() - started
    rows.append(("plain loop of `fit`", args.cores, plain))

    from rich.console import Console

    quiet = Console(file=open(os.devnull, "w"))
    for cpu in (args.cores, 1):
        started = time.perf_counter()
        code = run_study(spec_for(cpu), os.path.join(work, f"study-{cpu}"), console=quiet)
        rows.append((f"`cmathlab study run`, {cpu} CPU per trial", cpu, time.perf_counter() - started))
        assert code == 0, f"study exited {code}"

    print(
        f"\n36-trial gamma grid, synthetic IEMOCAP scale {args.scale}, d={args.dim}, {args.epochs} epochs; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"Python {sys.version.split()[0]}\n"
    )
    print("| how | CPUs per trial | wall s | s per trial | vs plain loop |")
    print("|---|---:|---:|---:|---:|")
    for name, cpu, seconds in rows:
        print(f"| {name} | {cpu} | {seconds:.1f} | {seconds / 36:.2f} | {seconds / plain:.2f}x |")


if __name__ == "__main__":
    main()
