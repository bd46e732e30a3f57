"""Issue 10's side-by-side measurement: CMATH and the BiGRU, each with the cmathlab recipe and the
paper's, on real MELD text and on the synthetic corpora, seed for seed, through `fit`.

    .venv/bin/python benchmarks/real_features.py meld --seeds 5
    .venv/bin/python benchmarks/real_features.py meld --data runs/meld_from_csv.pkl --official-valid --arms cmath/cmathlab,bigru/cmathlab
    .venv/bin/python benchmarks/real_features.py synthetic --scale 0.2 --epochs 30
    .venv/bin/python benchmarks/real_features.py synthetic --scale 1 --epochs 60 --corpora iemocap

Runs go two at a time, one thread each (the 2-core CI-class machine); every finished run is
appended to --out as one JSON line, and the tables are printed at the end (or with --table from
that file alone). Selection is on validation only: the test numbers are those of each run's best
validation epoch, and no choice here looks at them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np
import pandas as pd
from scipy import stats

MELD = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "meld", "meld_text_minilm.pkl.gz")
ARMS = [("cmath", "cmathlab"), ("bigru", "cmathlab"), ("cmath", "paper"), ("bigru", "paper")]


def run(job: dict) -> dict:
    import torch

    torch.set_num_threads(1)
    from cmathlab.config import Config
    from cmathlab.data import load_corpus
    from cmathlab.train import fit

    corpus = load_corpus(job["data"], scale=job["scale"])
    config = Config.for_dataset(corpus.dataset, recipe=job["recipe"], **job["config"])
    started = time.perf_counter()
    result = fit(config, corpus)
    f1 = result.test["per_class_f1"]
    return {
        **job,
        "valid_wf1": result.valid["wf1"],
        "test_wf1": result.test["wf1"],
        "test_acc": result.test["acc"],
        "bayes_acc": (result.bayes or {}).get("test_acc"),
        "best_epoch": result.best_epoch,
        "epochs_run": len(result.history),
        "health": result.health,
        "health_note": result.health_note,
        "fear_f1": f1.get("fear"),
        "disgust_f1": f1.get("disgust"),
        "seconds": time.perf_counter() - started,
    }


def jobs(args) -> list[dict]:
    seeds = range(args.seeds)
    if args.what == "meld":
        return [
            {
                "part": "meld-text" + (" (official dev)" if args.official_valid else ""),
                "data": args.data or MELD,
                "scale": 1.0,
                "model": model,
                "recipe": recipe,
                "seed": seed,
                "config": {
                    "model": model,
                    "modalities": "t",
                    "seed": seed,
                    **({"epochs": args.epochs} if args.epochs else {}),
                    **({"official_valid": True} if args.official_valid else {}),
                },
            }
            for seed in seeds
            for model, recipe in arms(args)
        ]
    out = []
    for name in args.corpora.split(","):
        for suffix in args.variants.split(","):
            data = f"synthetic:{name}{suffix}"
            out += [
                {
                    "part": f"{data} x{args.scale}",
                    "data": data,
                    "scale": args.scale,
                    "model": model,
                    "recipe": recipe,
                    "seed": seed,
                    "config": {"model": model, "seed": seed, "epochs": args.epochs or 30},
                }
                for seed in seeds
                for model, recipe in arms(args)
            ]
    return out


def arms(args) -> list[tuple[str, str]]:
    return [tuple(arm.split("/")) for arm in args.arms.split(",")] if args.arms else ARMS


def table(rows: list[dict]) -> None:
    frame = pd.DataFrame(rows)
    frame["arm"] = frame["model"] + " / " + frame["recipe"]
    for part, runs in frame.groupby("part", sort=False):
        print(f"\n### {part}\n")
        lines = []
        for arm, r in runs.groupby("arm", sort=False):
            line = {
                "model / recipe": arm,
                "seeds": len(r),
                "valid W-F1": f"{100 * r.valid_wf1.mean():.2f} ± {100 * r.valid_wf1.std(ddof=1):.2f}",
                "test W-F1": f"{100 * r.test_wf1.mean():.2f} ± {100 * r.test_wf1.std(ddof=1):.2f}",
                "test ACC": f"{100 * r.test_acc.mean():.2f}",
            }
            if r.bayes_acc.notna().all():
                line["ACC / Bayes ACC"] = f"{(r.test_acc / r.bayes_acc).mean():.3f}"
            if r.fear_f1.notna().all():
                line["fear F1"] = f"{100 * r.fear_f1.mean():.2f}"
                line["disgust F1"] = f"{100 * r.disgust_f1.mean():.2f}"
            line["best epoch"] = ", ".join(map(str, r.best_epoch))
            line["health"] = ", ".join(f"{n} {h}" for h, n in r.health.value_counts().items())
            line["s / run"] = f"{r.seconds.mean():.0f}"
            lines.append(line)
        print(pd.DataFrame(lines).to_markdown(index=False))
        cmath = runs[runs.arm == "cmath / cmathlab"].set_index("seed").test_wf1
        bigru = runs[runs.arm == "bigru / cmathlab"].set_index("seed").test_wf1
        common = cmath.index.intersection(bigru.index)
        if len(common) >= 2:
            test = stats.ttest_rel(cmath[common], bigru[common])
            print(
                f"\nCMATH - BiGRU (cmathlab recipe), test W-F1 paired on {len(common)} seeds: "
                f"{100 * (cmath[common] - bigru[common]).mean():+.2f} points, p = {test.pvalue:.3f}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("meld", "synthetic"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, help="default: the config's (60) on MELD, 30 on synthetic")
    parser.add_argument("--scale", type=float, default=0.2, help="synthetic: share of the dialogues")
    parser.add_argument("--corpora", default="iemocap,meld", help="synthetic: which shapes")
    parser.add_argument("--data", help="meld: the feature file (default ../shared/data/meld/meld_text_minilm.pkl.gz)")
    parser.add_argument(
        "--official-valid",
        action="store_true",
        help="meld: validate on the dev dialogues the file names (a `cmathlab features` file)",
    )
    parser.add_argument(
        "--variants",
        default=",:real",
        help="synthetic: which feature statistics, comma-separated ('' unit variance, ':real' real-like)",
    )
    parser.add_argument("--arms", help="MODEL/RECIPE,... (default: cmath and bigru, each with both recipes)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="runs/real_features.jsonl")
    parser.add_argument("--table", action="store_true", help="only print the tables of --out")
    args = parser.parse_args()
    if args.table:
        table([json.loads(line) for line in open(args.out)])
        return 0
    todo = jobs(args)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    print(f"{len(todo)} runs, {args.workers} at a time; {sys.platform}, numpy {np.__version__}", flush=True)
    rows = []
    with ProcessPoolExecutor(args.workers) as pool:
        for future in as_completed([pool.submit(run, job) for job in todo]):
            row = future.result()
            rows.append(row)
            with open(args.out, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(
                f"[{len(rows)}/{len(todo)}] {row['part']} {row['model']}/{row['recipe']} seed {row['seed']}: "
                f"valid {100 * row['valid_wf1']:.2f} test {100 * row['test_wf1']:.2f} {row['health']} "
                f"({row['seconds']:.0f} s)",
                flush=True,
            )
    order = {(j["part"], j["model"], j["recipe"], j["seed"]): i for i, j in enumerate(todo)}
    table(sorted(rows, key=lambda r: order[(r["part"], r["model"], r["recipe"], r["seed"])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
