"""The paper's figures as small PNGs (matplotlib's file backend: no screen needed)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402 - after choosing the file backend
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from sklearn.manifold import TSNE  # noqa: E402

from cmathlab.errors import BadInput  # noqa: E402
from cmathlab.report.paper import CONDITION, DATASET_NAMES, MODEL_NAMES  # noqa: E402
from cmathlab.report.runs import Runs, load_artifact  # noqa: E402
from cmathlab.report.tables import Table  # noqa: E402

DPI = 90
TSNE_POINTS = 2000  # at most this many test utterances in the t-SNE plot, drawn with a fixed seed


@dataclass
class Figure:
    key: str  # file name without .png
    title: str
    caption: str
    path: str


def _save(fig, directory: str, key: str, title: str, caption: str) -> Figure:
    path = os.path.join(directory, f"{key}.png")
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return Figure(key, title, caption, path)


def _metrics(table: Table):
    return list(zip(table.columns, table.headers))


def dims_figure(table: Table, directory: str) -> Figure:
    """Figure 4: ACC and W-F1 against d, mean ± std over seeds; the best d is ringed."""
    rows = sorted(table.rows, key=lambda r: r.condition[CONDITION.index("dim")])
    d = [r.condition[CONDITION.index("dim")] for r in rows]
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for column, header in _metrics(table):
        mean = np.array([table.cells[r.name, column].mean for r in rows])
        std = np.nan_to_num([table.cells[r.name, column].std for r in rows])
        ax.errorbar(d, mean, yerr=std, marker="o", capsize=3, label=header)
        best = int(np.nanargmax(mean))
        ax.plot(d[best], mean[best], "o", ms=14, mfc="none", mec="black")
    ax.set_xlabel("embedding size d")
    ax.set_ylabel("percent")
    ax.set_xticks(d)
    ax.legend()
    ax.set_title(f"{DATASET_NAMES[table.dataset]}: embedding size")
    return _save(
        fig, directory, table.key, table.title, "Mean ± std over seeds; the ring marks the best d for each metric."
    )


def gamma_figure(table: Table, directory: str) -> Figure:
    """Figure 6: a heatmap of γ1 × γ2 per metric, cells annotated, the best cell boxed."""
    g1 = sorted({r.condition[CONDITION.index("gamma1")] for r in table.rows})
    g2 = sorted({r.condition[CONDITION.index("gamma2")] for r in table.rows})
    fig, axes = plt.subplots(1, len(table.columns), figsize=(4.6 * len(table.columns), 3.6), layout="constrained")
    for ax, (column, header) in zip(np.atleast_1d(axes), _metrics(table)):
        grid = np.full((len(g1), len(g2)), np.nan)
        for r in table.rows:
            i = g1.index(r.condition[CONDITION.index("gamma1")])
            j = g2.index(r.condition[CONDITION.index("gamma2")])
            grid[i, j] = table.cells[r.name, column].mean
        image = ax.imshow(grid, cmap="viridis", origin="lower")
        fig.colorbar(image, ax=ax, shrink=0.8)
        for i in range(len(g1)):
            for j in range(len(g2)):
                if not math.isnan(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:.1f}", ha="center", va="center", fontsize=7, color="white")
        i, j = np.unravel_index(np.nanargmax(grid), grid.shape)
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="red", lw=2.5))
        ax.set_xticks(range(len(g2)), [f"{g:.1f}" for g in g2])
        ax.set_yticks(range(len(g1)), [f"{g:.1f}" for g in g1])
        ax.set_xlabel("γ2 (high-level distillation)")
        ax.set_ylabel("γ1 (low-level distillation)")
        ax.set_title(f"{DATASET_NAMES[table.dataset]}: {header}")
    return _save(
        fig,
        directory,
        table.key,
        table.title,
        "Mean over seeds per cell; the red box marks the best cell of each metric.",
    )


def length_figure(table: Table, directory: str) -> Figure:
    """Figure 5: W-F1 per conversation-length bucket, one bar per model."""
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    width = 0.8 / len(table.rows)
    x = np.arange(len(table.columns))
    for k, row in enumerate(table.rows):
        mean = [table.cells[row.name, c].mean for c in table.columns]
        std = np.nan_to_num([table.cells[row.name, c].std for c in table.columns])
        ax.bar(x + (k - (len(table.rows) - 1) / 2) * width, mean, width, yerr=std, capsize=2, label=row.name)
    ax.set_xticks(x, [h.replace(": ", "\n") for h in table.headers], fontsize=8)
    ax.set_ylabel("W-F1 (percent)")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"{DATASET_NAMES[table.dataset]}: conversation length")
    return _save(fig, directory, table.key, table.title, " ".join(table.notes) or "Mean ± std over seeds.")


def confusion_figure(runs: Runs, dataset: str, directory: str) -> Figure | None:
    """Figure 7: the full model's test confusion matrix, summed over seeds: counts and row-normalised."""
    ref = runs.reference(dataset)
    results = [load_artifact(run, "result.json") for _, run in runs.seeds_of(ref).iterrows()]
    matrices = [np.array(r["test"]["confusion"]) for r in results if r is not None]
    if not matrices:
        return None
    who = MODEL_NAMES[ref[CONDITION.index("model")]].split(" (")[0]
    counts = np.sum(matrices, axis=0)
    rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    labels = runs.label_names(dataset)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, grid, fmt, name in ((axes[0], counts, "{:.0f}", "counts"), (axes[1], rates, "{:.2f}", "row-normalised")):
        ax.imshow(grid, cmap="Blues")
        for i in range(len(labels)):
            for j in range(len(labels)):
                ax.text(
                    j,
                    i,
                    fmt.format(grid[i, j]),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if grid[i, j] > grid.max() / 2 else "black",
                )
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{DATASET_NAMES[dataset]}: {who}, {name}")
    return _save(
        fig,
        directory,
        f"confusion-{dataset}",
        f"Confusion matrix of {who} on {DATASET_NAMES[dataset]} (Figure 7)",
        f"Test utterances of all {len(matrices)} seeds of the reference condition, summed.",
    )


def tsne_figure(runs: Runs, dataset: str, directory: str) -> Figure | None:
    """Figure 3: t-SNE of the reference's test embeddings (its model's `embedding`), coloured by true emotion."""
    ref = runs.reference(dataset)
    for _, run in runs.seeds_of(ref).iterrows():  # the lowest seed that kept its embeddings
        embeddings = load_artifact(run, "embeddings.npy")
        if embeddings is not None:
            break
    else:
        return None
    predictions = load_artifact(run, "predictions.json")
    labels = np.concatenate([p["label"] for p in predictions.values()])
    if len(labels) != len(embeddings):
        return None
    rng = np.random.default_rng(0)
    keep = np.sort(rng.choice(len(labels), min(TSNE_POINTS, len(labels)), replace=False))
    points = TSNE(n_components=2, perplexity=min(30.0, (len(keep) - 1) / 3), random_state=0, init="pca").fit_transform(
        embeddings[keep]
    )
    names = runs.label_names(dataset)
    fig, ax = plt.subplots(figsize=(5, 4.2))
    for k, name in enumerate(names):
        chosen = labels[keep] == k
        ax.scatter(points[chosen, 0], points[chosen, 1], s=6, label=name, alpha=0.8)
    ax.legend(fontsize=7, markerscale=2)
    ax.set_xticks([])
    ax.set_yticks([])
    model = ref[CONDITION.index("model")]
    what = _embedding(model)
    ax.set_title(f"{DATASET_NAMES[dataset]}: {what}, seed {int(run['seed'])}")
    title = (
        f"t-SNE of {MODEL_NAMES[model].split(' (')[0]}'s {what.replace('embeddings', 'test embeddings')} on "
        f"{DATASET_NAMES[dataset]} (Figure 3)"
    )
    return _save(
        fig,
        directory,
        f"tsne-{dataset}",
        title,
        f"{len(keep)} test utterances, scikit-learn t-SNE "
        "(perplexity 30, PCA start, seed 0), coloured by true emotion.",
    )


def _embedding(model: str) -> str:
    """What the model's `Output.embedding` is, in words ("embeddings" for a model this installation cannot import)."""
    from cmathlab.model.registry import resolve

    try:
        return getattr(resolve(model), "embedding", "embeddings")
    except BadInput:
        return "embeddings"


RANK_BLOCKS = 5  # autorank's least number of blocks; Demšar (2006) counts data sets, so at least five of them


def rank_figures(
    tables: list[Table], directory: str, alpha: float = 0.05, notes: list[str] | None = None
) -> list[Figure]:
    """Critical-difference diagrams (Demšar 2006) with autorank: per kind of table whose rows, named alike, are
    three or more, ranked by W-F1 within each data set (a block is a data set; a row's seeds are averaged within
    it, so seeds are never matched across rows by their labels). Drawn only where there are RANK_BLOCKS data sets
    or more and Friedman's test rejects at `alpha`; otherwise a line in `notes` says why there is none."""
    import contextlib
    import io
    import warnings

    import pandas as pd

    kinds: dict[str, list[Table]] = {}
    for table in tables:
        if table.ranked and "test/wf1" in table.columns and not table.key.startswith(("lengths-", "condition-")):
            kinds.setdefault(table.key.rsplit("-", 1)[0], []).append(table)
    figures, few = [], {}

    def note(text: str) -> None:
        if notes is not None:
            notes.append(text)

    for kind, group in kinds.items():
        names = set.intersection(*({r.name for r in t.rows} for t in group))
        if len(names) < 3:
            continue
        blocks = {
            DATASET_NAMES[t.dataset]: {r.name: t.cells[r.name, "test/wf1"].mean for r in t.rows if r.name in names}
            for t in group
        }
        frame = pd.DataFrame.from_dict(blocks, orient="index")[sorted(names)].dropna()
        if len(frame) < RANK_BLOCKS:
            few.setdefault(len(frame), []).append(kind)
            continue
        from autorank import autorank, plot_stats  # seconds to import: only where a diagram may be drawn

        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            result = autorank(frame, alpha=alpha, verbose=False, order="descending", force_mode="nonparametric")
            if result.pvalue >= alpha:
                note(
                    f"No critical-difference diagram of the {kind} rows: Friedman's test over {len(frame)} data "
                    f"sets finds no difference in their ranks (p = {result.pvalue:.3g} ≥ α = {alpha:g})"
                )
                continue
            fig, ax = plt.subplots(figsize=(6, 0.6 + 0.35 * len(names)))
            plot_stats(result, ax=ax)
        datasets = ", ".join(frame.index)
        figures.append(
            _save(
                fig,
                directory,
                f"ranks-{kind}",
                f"Critical-difference diagram of the {kind} rows over {datasets}",
                f"Mean rank of each row's test W-F1 (its mean over seeds) within each of "
                f"{len(frame)} data sets (1 is best); Friedman test p = {result.pvalue:.3g} < α = "
                f"{alpha:g}; Nemenyi's critical difference CD = {result.cd:.2f}: rows joined by a bar "
                "are not found to differ (autorank, Demšar 2006).",
            )
        )
    for count, names in sorted(few.items()):
        note(
            f"No critical-difference diagram of the {', '.join(names)} rows: {count} data set(s); its blocks are "
            f"data sets (Demšar 2006; a row's seeds are averaged within one), and the Friedman test needs "
            f"{RANK_BLOCKS} or more"
        )
    return figures
