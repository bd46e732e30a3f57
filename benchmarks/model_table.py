"""BENCHMARKS.md's per-model tables (sections 1 and 2), printed from the tracked runs of one or more studies.

    .venv/bin/python benchmarks/model_table.py runs/synthetic-baselines [runs/synthetic-cmath ...]

One Markdown row per data set and model: seeds, valid and test W-F1, test ACC, ACC / Bayes on a synthetic
corpus, fear and disgust F1 on MELD (mean ± std over seeds), the seconds per epoch (each run's mean, the median
over seeds), each seed's epochs run (best epoch) and health. Flagged runs are shown, not averaged away: their
health says so.
"""

from __future__ import annotations

import statistics
import sys

from mlflow.tracking import MlflowClient

from cmathlab.report.paper import MODEL_NAMES
from cmathlab.report.runs import OF_BAYES, load_runs


def cell(values) -> str:
    values = [100 * v for v in values]
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def main(directories: list[str]) -> None:
    runs = load_runs(directories, include_flagged=True).frame
    bayes = OF_BAYES in runs and runs[OF_BAYES].notna().all()
    meld = "test/f1/fear" in runs
    head = (
        ["data set", "model", "seeds", "valid W-F1", "test W-F1", "test ACC"]
        + (["ACC / Bayes"] if bayes else [])
        + (["fear F1", "disgust F1"] if meld else [])
        + ["s/epoch (run mean, median of seeds)", "epochs run (best)", "health"]
    )
    print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
    for (dataset, model), group in runs.sort_values("seed").groupby(["dataset", "model"], sort=True):
        epochs = []
        for _, run in group.iterrows():
            history = MlflowClient(run["tracking_uri"]).get_metric_history(run["run_id"], "valid_wf1")
            epochs.append(f"{max(m.step for m in history)} ({int(run['best_epoch'])})")
        row = [
            dataset,
            MODEL_NAMES[model],
            ",".join(str(int(s)) for s in group["seed"]),
            cell(group["valid/wf1"]),
            cell(group["test/wf1"]),
            cell(group["test/acc"]),
        ]
        row += [cell(group[OF_BAYES])] if bayes else []
        row += (
            [
                cell(group["test/f1/fear"].dropna()) if group["test/f1/fear"].notna().any() else "",
                cell(group["test/f1/disgust"].dropna()) if group["test/f1/disgust"].notna().any() else "",
            ]
            if meld
            else []
        )
        row += [
            f"{statistics.median(group['seconds_per_epoch']):.1f}",
            ", ".join(epochs),
            ", ".join(h or "ok" for h in group["health"]),
        ]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
