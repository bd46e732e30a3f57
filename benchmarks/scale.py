"""How the study machinery grows with the number of trials: N instant trials, run, resumed, read back and reported.

For each N (100, 1,000 and 3,000 by default) one study of N trivially small trials (the MLP floor, one epoch, d of
8, 12 or 16 on a sliver of synthetic MELD: three conditions of N/3 seeds), on a local Ray with MLflow on sqlite,
each trial given both cores so one runs at a time, as in the plain loop it is held against. Every command is run
as a user runs it (`cmathlab ...` in a process of its own, so each time includes Python's and the imports' start):

  study run        wall seconds; seconds per trial above a plain loop of `fit` on the same configs (the loop is
                   timed on the first 150 configs and scaled to N); the driver's peak RSS (its own process,
                   os.wait4; Ray's workers are their own processes)
  store            the MLflow store's size: mlflow.db and the artifacts folder
  study status     of the finished study
  study resume     of the finished study: nothing left to run
  study export     one CSV row per run
  report --test X  for the t-test and every other test that may draw the dagger (every figure and format)

    python benchmarks/scale.py [--sizes 100,1000,3000] [--work DIR]

Prints one Markdown table; BENCHMARKS.md section 3 holds it (issue 45's targets beside it).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

SPEC = """name = "scale-{n}"
datasets = ["meld"]
seeds = {seeds}
epochs = 1
scale = {scale}
[data]
meld = "synthetic:meld"
[fixed]
model = "mlp"
patience = 0
[resources]
cpu = {cores}
[grid]
dim = [8, 12, 16]
"""
CLI = [sys.executable, "-m", "cmathlab"]


def timed(argv: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB of the process itself) of one command, which must succeed."""
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        process = subprocess.Popen(argv, stdout=quiet, stderr=subprocess.PIPE, env=env, text=True)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv[2:])} exited {code}: {process.stderr.read()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def plain_loop(spec_path: str, limit: int, cores: int) -> float:
    """Seconds per trial of `fit` in a Python loop over the spec's first `limit` configs."""
    import torch

    from cmathlab.data import load_corpus
    from cmathlab.study.spec import load_spec
    from cmathlab.train import fit

    spec = load_spec(spec_path)
    part = spec.parts[0]
    corpus = load_corpus(spec.data["meld"], scale=spec.scale)
    torch.set_num_threads(cores)
    configs = [part.config("meld", seed, {"dim": d}) for seed in part.seeds for d in part.grid["dim"]][:limit]
    started = time.perf_counter()
    for config in configs:
        fit(config, corpus)
    return (time.perf_counter() - started) / len(configs)


def folder_size(path: str) -> int:
    return sum(os.path.getsize(os.path.join(here, f)) for here, _, files in os.walk(path) for f in files)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,3000", help="numbers of trials, comma-separated")
    ap.add_argument("--scale", type=float, default=0.01, help="share of synthetic MELD's dialogues")
    ap.add_argument("--cores", type=int, default=os.cpu_count())
    ap.add_argument("--work", help="folder for the studies (default: a new temporary one)")
    args = ap.parse_args()
    from cmathlab.report.significance import DIFFERENCE_TESTS

    work = args.work or tempfile.mkdtemp(prefix="cmathlab-scale-")
    os.makedirs(work, exist_ok=True)
    env = {**os.environ, "OMP_NUM_THREADS": str(args.cores)}
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        spec = os.path.join(work, f"scale-{n}.toml")
        with open(spec, "w") as handle:
            handle.write(SPEC.format(n=n, seeds=max(1, n // 3), scale=args.scale, cores=args.cores))
        study = os.path.join(work, f"study-{n}")
        per_fit = plain_loop(spec, 150, args.cores)
        wall, rss = timed([*CLI, "study", "run", spec, "--out", study], env)
        trials = 3 * max(1, n // 3)
        row = {
            "trials": trials,
            "study run s": wall,
            "overhead s/trial": wall / trials - per_fit,
            "fit s/trial": per_fit,
            "driver MiB": rss,
            "store MiB": (
                folder_size(os.path.join(study, "artifacts")) + os.path.getsize(os.path.join(study, "mlflow.db"))
            )
            / 2**20,
        }
        row["status s"], _ = timed([*CLI, "study", "status", study], env)
        row["resume s"], _ = timed([*CLI, "study", "resume", study], env)
        row["export s"], _ = timed([*CLI, "study", "export", study, "--force"], env)
        for name in DIFFERENCE_TESTS:
            out = os.path.join(work, f"report-{n}-{name}")
            row[f"report --test {name} s"], row[f"report {name} MiB"] = timed(
                [*CLI, "report", study, "--test", name, "--out", out], env
            )
        rows.append(row)
        print(row, flush=True)
    print(
        f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"studies in {work}\n"
    )
    keys = [k for k in rows[0] if not k.startswith("report ") or k.endswith(" s")]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---:|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.2f}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
