"""`cmathlab rerun RUN_ID`: train a tracked run again from its recorded config, seed and data (checked by
hash) through `fit`, and say whether its test metrics match. On a CPU, with the thread count the run had,
they match exactly; a member of a fused group matches only with dropout off (its solo twin draws other masks)."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from cmathlab.config import BEFORE, Config
from cmathlab.errors import BadInput
from cmathlab.study.records import TYPES, parse_value, typed_options

COMPARED = (("test/acc", "acc"), ("test/wf1", "wf1"), ("valid/wf1", None))


def recorded_config(params: dict, model: str | None = None) -> Config:
    """The Config a tracked run resolved; a field it predates reads as BEFORE says. `model`: where the run's
    model class lives now, if it moved (its own fields are read from the params of the recorded name)."""
    values = {}
    for name, kind in TYPES.items():
        value = parse_value(params.get(name), kind, BEFORE.get(name))
        if value is not None:
            values[name] = value
    recorded = values.get("model", "cmath")
    options = typed_options(recorded, params, typed_by=model)
    if model:
        values["model"] = model
    return Config(**values, options=tuple(sorted(options.items())))


def recorded_corpus(tags: dict, data: str | None):
    """The run's data: the synthetic corpus its hash names, or its file (or `data`) with the same sha256."""
    from cmathlab.data import load_corpus

    source, digest = tags.get("data_source"), tags.get("data_sha256")
    if not source or not digest:
        raise BadInput("the run has no data_source / data_sha256 tags: not a run cmathlab study tracked")
    if digest.startswith("synthetic:") and data is None:
        parts = dict(p.split("=", 1) for p in digest.split(":") if "=" in p)
        return load_corpus(source, scale=float(parts["scale"]), seed=int(parts["seed"]))
    corpus = load_corpus(data or source)
    if corpus.sha256 != digest:
        raise BadInput(
            f"its sha256 is {corpus.sha256[:12]}, the run trained on {digest[:12]}: not the same data",
            source=data or source,
            field="--data" if data else None,
        )
    return corpus


def rerun(
    run_id: str, tracking_uri: str, data: str | None = None, console: Console | None = None, model: str | None = None
) -> int:
    """0 when the rerun's test metrics equal the recorded ones exactly, 1 when they differ."""
    import torch
    from mlflow.tracking import MlflowClient

    from cmathlab.study.store import probe
    from cmathlab.train import fit

    console = console or Console()
    probe(tracking_uri)
    client = MlflowClient(tracking_uri)
    try:
        run = client.get_run(run_id)
    except Exception as err:  # noqa: BLE001 - an unknown id or an unreadable store
        if err.__class__.__module__.startswith("mlflow"):
            raise BadInput(f"no such run in {tracking_uri} ({str(err).splitlines()[0][:160]})", source=run_id) from None
        raise
    if run.info.status != "FINISHED":
        raise BadInput(f"the run is {run.info.status}, not finished: nothing to compare with", source=run_id)
    params, tags, metrics = run.data.params, run.data.tags, run.data.metrics
    config = recorded_config(params, model)
    corpus = recorded_corpus(tags, data)
    threads = int(tags.get("cmathlab.threads") or 1)
    torch.set_num_threads(threads)
    fused = "cmathlab.fused_group" in tags
    console.print(
        f"[bold]cmathlab rerun[/] {run_id} ({tags.get('cmathlab.trial_key', run.info.run_name)}): "
        f"{corpus.source} · {config.model} {config.variant} · seed {config.seed} · {threads} thread(s)"
        + (" · was a fused group's member" if fused else "")
    )
    result = fit(config, corpus)
    now = {"test/acc": result.test["acc"], "test/wf1": result.test["wf1"], "valid/wf1": result.valid["wf1"]}
    table = Table(title=f"run {run_id}: recorded vs rerun")
    for col in ("metric", "recorded", "rerun", "difference"):
        table.add_column(col, justify="right")
    same = True
    for key, _ in COMPARED:
        before = metrics.get(key, math.nan)
        same &= before == now[key]
        table.add_row(key, f"{before!r}", f"{now[key]!r}", f"{now[key] - before:+.3g}")
    console.print(table)
    if same:
        console.print("[green]reproduced exactly[/]: the rerun's numbers are the recorded ones, bit for bit")
        return 0
    why = (
        "it trained in a fused group, whose dropout masks differ from a solo run's"
        if fused and config.dropout
        else "the device, thread count or library versions differ from the original run's"
    )
    console.print(f"[yellow]not identical[/]: {why}")
    return 1
