"""`cmathlab study status | list | export`: what a study holds, read from its tracking store.

Every trial is named by one word wherever it appears (status, board, report, export): done,
stopped early (by the scheduler), failed, running, cut off (its driver died), pending.
"""

from __future__ import annotations

import os
import re
import shlex
from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from cmathlab.config import MOVED, upgraded
from cmathlab.errors import BadInput
from cmathlab.study.records import TYPES, normalise, parse_value, search_runs
from cmathlab.study.spec import Part, Spec, data_files, data_key
from cmathlab.study.state import driver_alive, find_studies, read_state

NAMED = 20  # failed or flagged trials `study status` names, of each kind (`study export` lists every run)


def state_word(status: str, stopped: bool, alive: bool) -> str:
    """The one word for a trial's MLflow status (RUNNING, FINISHED, FAILED, KILLED)."""
    if status == "FINISHED":
        return "done"
    if stopped:
        return "stopped early"
    if status == "FAILED":
        return "failed"
    return "running" if status == "RUNNING" and alive else "cut off"


def _open(directory: str):
    from mlflow.tracking import MlflowClient

    from cmathlab.study.records import child_runs
    from cmathlab.study.store import probe, tracking_call

    state = read_state(directory)
    probe(state["tracking_uri"])
    client = MlflowClient(state["tracking_uri"])
    found = tracking_call(
        state["tracking_uri"], lambda: child_runs(client, state["experiment_id"], state["parent_run_id"])
    )
    return state, Spec.from_dict(state["spec"]), found


def conditions(part: Part, dataset: str, found: list, metric: str) -> list[dict]:
    """The part's conditions on `dataset` (its axes' values; a seed is not a condition), ranked by the
    mean of `metric` over their finished, healthy seeds: the best condition, not the luckiest seed."""
    from cmathlab.study.records import FINAL

    axes = list(part.grid or part.space)
    groups: dict[tuple, list] = defaultdict(list)
    for run in found:
        tags, params = run.data.tags, run.data.params
        if (
            tags.get("cmathlab.part") != part.name
            or tags.get("dataset") != dataset
            or run.info.status != "FINISHED"
            or tags.get("cmathlab.health", "ok") != "ok"
        ):
            continue
        value = run.data.metrics.get(FINAL[metric])
        if value is None:
            continue
        params = upgraded(params)  # a model's own field as MODEL.FIELD, whenever the run was recorded
        key = tuple(parse_value(params.get(MOVED.get(a, a)), TYPES.get(a, str)) for a in axes)  # own: as text
        groups[key].append((value, run.data.metrics.get("test/wf1", np.nan), params.get("seed")))
    out = []
    for key, scores in groups.items():
        values, tests = np.array([s[0] for s in scores]), np.array([s[1] for s in scores])
        out.append(
            {
                "values": dict(zip(axes, key)),
                "n": len(values),
                "mean": values.mean(),
                "std": values.std(ddof=1) if len(values) > 1 else np.nan,
                "test_mean": np.nanmean(tests),
                "seeds": {s[2]: 100 * s[0] for s in scores},
            }
        )
    return sorted(out, key=lambda c: (-c["mean"], -c["n"]))


def _toml(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def rerun_lines(spec: Spec, part: Part, dataset: str, best: dict) -> list[str]:
    """The winning condition as a `train` line of `--set`s and as a [fixed] block, ready to run over more seeds."""
    fixed = {**part.fixed, **best["values"]}
    sets = " ".join(
        f"--set {shlex.quote(f'{k}={v}' if isinstance(v, str) else f'{k}={_toml(v)}')}" for k, v in fixed.items()
    )
    epochs = f" --epochs {part.epochs}" if part.epochs else ""
    data = data_files(spec).get(data_key(dataset, best["values"].get("features", "")), f"synthetic:{dataset}")
    scale = f" --scale {spec.scale}" if data.startswith("synthetic:") and spec.scale != 1 else ""
    return [
        f"  cmathlab train --data {shlex.quote(data)}{scale}{epochs} {sets} --seed N",
        "  or a spec's block: [fixed] " + "; ".join(f"{_key(k)} = {_toml(v)}" for k, v in fixed.items()),
    ]


def _seeds_line(top: list[dict], label: str, sesoi: float = 1.0, alpha: float = 0.05) -> str:
    """The best condition against the runner-up as the report would judge it (the paired t-test, TOST at the
    smallest effect of interest), and the seeds a t-test needs for that effect at their pooled seed spread."""
    from cmathlab.stats import POWER, compare, plan, tost, verdict

    best, second = top
    row, ref = best["seeds"], second["seeds"]  # seed -> the metric in points
    runner = ", ".join(f"{k}={v}" for k, v in second["values"].items() if best["values"].get(k) != v)
    c = compare(row, ref)
    if c.test == "none":
        return f"against the runner-up ({runner}): no test yet (fewer than 2 seeds, or no spread)"
    word = verdict(c.p < alpha, 1 if c.diff > 0 else -1, tost(row, ref, sesoi) < alpha)
    shared = sorted(set(row) & set(ref))
    samples = (
        [np.array([row[s] - ref[s] for s in shared])]
        if c.test == "paired"
        else [np.array(list(row.values())), np.array(list(ref.values()))]
    )
    p = plan(samples, sesoi, alpha, POWER, paired=c.test == "paired")
    return (
        f"against the runner-up ({runner}, {c.diff:+.2f} {label}, {c.test} t-test p = {c.p:.3g}): {word} at "
        f"a smallest effect of interest of {sesoi:g}; a t-test needs {p.seeds:.0f} seeds per condition "
        f"(95 % interval {p.low:.0f}-{p.high:.0f}) to detect it at {POWER:.0%} power, α = {alpha:g}, from "
        f"their seed spread (sd {p.sd:.2f})"
    )


def _key(name: str) -> str:
    """A TOML key: bare (a dotted `MODEL.FIELD` reads as the same nested field), or quoted (`"pkg.mod:Net.k"`)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", name) else _toml(name)


def study_status(directory: str, console: Console | None = None, found: list | None = None) -> int:
    """A table of a study's trials (done, flagged, stopped early, running, failed, pending) and, per
    part and dataset, its best condition by the mean over seeds, with n and std. `found`: the study's runs, when
    the caller has just read them (a store of thousands of runs takes seconds to read)."""
    console = console or Console()
    if found is None:
        state, spec, found = _open(directory)
    else:
        state = read_state(directory)
        spec = Spec.from_dict(state["spec"])
    alive = driver_alive(state.get("driver"))
    metric = spec.parts[0].metric
    label = metric.replace("_", " ")
    table = Table(title=f"study {spec.name} in {directory}: driver {'running' if alive else 'not running'}")
    for col in (
        "part",
        "dataset",
        "trials",
        "done",
        "flagged",
        "stopped early",
        "running",
        "failed",
        "pending",
        "best condition",
        f"its mean {label}",
        "its test W-F1",
    ):
        table.add_column(col, justify="left" if col in ("part", "dataset", "best condition") else "right")
    winners = []
    for part, dataset in ((p, d) for p in spec.parts for d in p.datasets):
        mine = [
            r
            for r in found
            if r.data.tags.get("cmathlab.part") == part.name
            and r.data.tags.get("dataset") == dataset
            and "cmathlab.trial_key" in r.data.tags
        ]
        c = Counter(state_word(r.info.status, "cmathlab.stopped_by" in r.data.tags, alive) for r in mine)
        flagged = sum(
            1 for r in mine if r.info.status == "FINISHED" and r.data.tags.get("cmathlab.health", "ok") != "ok"
        )
        n = part.n_trials() // len(part.datasets)
        pending = n - c["done"] - c["stopped early"] - c["failed"] - c["running"]
        ranked = conditions(part, dataset, found, metric)
        best = ranked[0] if ranked else None
        if best:
            winners.append((part, dataset, best, len(ranked)))
        spread = f" ± {100 * best['std']:.2f}" if best and not np.isnan(best["std"]) else ""
        table.add_row(
            part.name,
            dataset,
            str(n),
            str(c["done"]),
            str(flagged),
            str(c["stopped early"]),
            str(c["running"]),
            str(c["failed"]),
            str(pending) + (f" ({c['cut off']} cut off)" if c["cut off"] else ""),
            ", ".join(f"{k}={v}" for k, v in best["values"].items()) if best else "-",
            f"{100 * best['mean']:.2f}{spread} (n={best['n']})" if best else "-",
            f"{100 * best['test_mean']:.2f}" if best and not np.isnan(best["test_mean"]) else "-",
        )
    console.print(table)
    named = Counter()  # failed and flagged trials, the first NAMED of each kind by name
    for run in sorted(found, key=lambda r: r.data.tags.get("cmathlab.trial_key", "")):
        key, tags = run.data.tags.get("cmathlab.trial_key"), run.data.tags
        if key and run.info.status == "FAILED":
            kind, line = "failed", f"[red]failed[/] {key}: {tags.get('cmathlab.error', '')}"
        elif key and run.info.status == "FINISHED" and tags.get("cmathlab.health", "ok") != "ok":
            kind, line = (
                "flagged",
                f"[yellow]{tags['cmathlab.health']}[/] {key}: {tags.get('cmathlab.health_note', '')}",
            )
        else:
            continue
        named[kind] += 1
        if named[kind] <= NAMED:
            console.print(line)
    for kind, n in named.items():
        if n > NAMED:
            console.print(f"and {n - NAMED} more {kind} trials: `cmathlab study export {directory}` lists every run")
    for part, dataset, best, n_conditions in winners:
        if n_conditions < 2:
            continue
        console.print(
            f"best of {part.name} on {dataset} ({n_conditions} conditions, by mean {label} over seeds): "
            + ", ".join(f"{k}={v}" for k, v in best["values"].items())
        )
        console.print(
            "  " + _seeds_line(conditions(part, dataset, found, metric)[:2], label, spec.report.get("sesoi", 1.0)),
            markup=False,
        )
        for line in rerun_lines(spec, part, dataset, best):
            console.print(line, soft_wrap=True, markup=False)
    sources = ", ".join(f"{key} = {file}" for key, file in sorted(data_files(spec).items()))
    console.print(f"data: {sources}")
    console.print(f"tracking: {state['tracking_uri']} (parent run {state['parent_run_id']})")
    return 0


def list_studies(root: str, console: Console | None = None) -> int:
    """The studies under `root`, each with its state and trial counts."""
    console = console or Console()
    directories = find_studies(root)
    if not directories:
        console.print(f"no studies under {root}")
        return 0
    table = Table(title=f"studies under {root}")
    for col in ("directory", "name", "state", "trials", "done", "failed", "created", "data"):
        table.add_column(col, justify="right" if col in ("trials", "done", "failed") else "left")
    for directory in directories:
        try:
            state, spec, found = _open(directory)
        except BadInput as err:
            table.add_row(directory, "?", f"unreadable: {err}", "", "", "", "", "")
            continue
        alive = driver_alive(state.get("driver"))
        c = Counter(
            state_word(r.info.status, "cmathlab.stopped_by" in r.data.tags, alive)
            for r in found
            if "cmathlab.trial_key" in r.data.tags
        )
        ended = c["done"] + c["stopped early"] + c["failed"]
        word = "running" if alive else ("finished" if ended >= state["n_trials"] else "stopped (resume it)")
        data = ", ".join(sorted(set(data_files(spec).values())))
        table.add_row(
            directory,
            spec.name,
            word,
            str(state["n_trials"]),
            str(c["done"] + c["stopped early"]),
            str(c["failed"]),
            state.get("created", ""),
            data,
        )
    console.print(table)
    return 0


EXPORT_FORMATS = ("csv", "parquet")


def export_runs(directory: str) -> pd.DataFrame:
    """One row per trial run of a study: its state word, config fields, seed, metrics, health and run id."""
    from cmathlab.study.store import probe

    state = read_state(directory)
    probe(state["tracking_uri"])
    raw = search_runs(state, directory)
    if raw.empty:
        return pd.DataFrame(columns=["run_id", "trial", "part", "state", *TYPES])
    frame = normalise(raw, strict=False)
    alive = driver_alive(state.get("driver"))

    def tag(name):
        return raw.get(f"tags.{name}", pd.Series("", index=raw.index)).fillna("").astype(str)

    stopped = tag("cmathlab.stopped_by") != ""
    words = [state_word(s, bool(x), alive) for s, x in zip(raw["status"], stopped)]
    front = pd.DataFrame(
        {
            "run_id": frame["run_id"],
            "trial": tag("cmathlab.trial_key"),
            "part": tag("cmathlab.part"),
            "state": words,
            "error": tag("cmathlab.error"),
        }
    )
    rest = frame.drop(columns=["run_id", "status", "artifact_uri"])
    out = pd.concat([front, rest], axis=1)
    return out.sort_values(["part", "trial"], kind="stable").reset_index(drop=True)


def write_export(directory: str, fmt: str, out: str | None, force: bool, console: Console) -> int:
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"{fmt!r} is not one of {', '.join(EXPORT_FORMATS)}", field="--format")
    read_state(directory)  # a wrong directory fails before the output is looked at
    out = out or os.path.join(directory, f"runs.{fmt}")
    if os.path.isdir(out):
        raise BadInput("is a directory; --out takes a file name", source=out)
    if os.path.exists(out) and not force:
        raise BadInput("exists; choose another --out or pass --force", source=out)
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401 - pandas writes parquet through it
        except ImportError:
            raise BadInput(
                "parquet needs pyarrow (pip install pyarrow); or use --format csv", field="--format"
            ) from None
    frame = export_runs(directory)
    parent = os.path.dirname(os.path.abspath(out))
    os.makedirs(parent, exist_ok=True)
    tmp = out + ".tmp"
    if fmt == "csv":
        frame.to_csv(tmp, index=False)
    else:
        frame.to_parquet(tmp, index=False)
    os.replace(tmp, out)
    console.print(
        f"{len(frame)} runs ({', '.join(f'{n} {w}' for w, n in frame['state'].value_counts().items())}) -> {out}"
    )
    return 0
