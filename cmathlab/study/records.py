"""Tracked runs of a study as one typed DataFrame: what MLflow's `search_runs` gives, with each config
field typed as `Config` has it. The report, `study export` and `study status` read runs through it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from cmathlab.config import BEFORE, Config, upgraded
from cmathlab.errors import BadInput

PARENT = "mlflow.parentRunId"  # the tag that nests a trial's run under its study's
FINAL = {"valid_wf1": "valid/wf1", "valid_acc": "valid/acc"}  # the study metric, once a trial ends
# every flat field; a model's own fields are params named MODEL.FIELD, read into one `options` column
TYPES = {f.name: type(f.default) for f in dataclasses.fields(Config) if f.name != "options"}


def search_runs(state: dict, directory: str) -> pd.DataFrame:
    """`mlflow.search_runs` of every trial run of the study whose study.json is `state`."""
    import mlflow

    mlflow.set_tracking_uri(state["tracking_uri"])
    try:
        return mlflow.search_runs(
            experiment_ids=[state["experiment_id"]],
            max_results=100_000,
            filter_string=f"tags.`mlflow.parentRunId` = '{state['parent_run_id']}'",
        )
    except Exception as err:  # noqa: BLE001 - an unreadable store is the user's to fix
        raise BadInput(f"cannot read the tracking store {state['tracking_uri']}: {err}", source=directory) from None


def normalise(raw: pd.DataFrame, strict: bool = True) -> pd.DataFrame:
    """`mlflow.search_runs`' frame with typed config fields, plain metric names and UTC times.

    pandas 3 gives params as strings and times as a mix of timestamp types; a report needs
    `dim` as an int, `gamma1` as a float, `official_valid` as a bool, and times that sort. Not
    `strict`: a run without a param (one that failed before logging it) gets None, not an error."""
    out = pd.DataFrame({"run_id": raw["run_id"], "status": raw["status"], "artifact_uri": raw["artifact_uri"]})
    for name in ("start_time", "end_time"):
        out[name] = pd.to_datetime(raw[name], utc=True, errors="coerce") if name in raw else pd.NaT
    for name, kind in TYPES.items():
        column = raw.get(f"params.{name}")
        if column is None and name not in BEFORE and strict:
            raise BadInput(f"finished run(s) without the config param {name!r}; not written by cmathlab study")
        if column is None:
            column = pd.Series(None, index=raw.index, dtype=object)
        # a run recorded before the field existed ran with BEFORE's value, not today's default
        out[name] = column.map(lambda v, kind=kind, name=name: parse_value(v, kind, BEFORE.get(name)))
    out["options"] = options_column(raw)
    for name in ("data_source", "data_sha256", "cmathlab.health", "cmathlab.health_note", "cmathlab.label_names"):
        column = raw.get(f"tags.{name}", pd.Series("", index=raw.index)).fillna("").astype(str)
        out[name.removeprefix("cmathlab.")] = column
    for column in raw.columns:
        if column.startswith("metrics."):
            out[column.removeprefix("metrics.")] = pd.to_numeric(raw[column], errors="coerce").astype(float)
    return out


def options_column(raw: pd.DataFrame) -> pd.Series:
    """Each run's own model fields (params `MODEL.FIELD` of its model, CMATH's flat ones of a run recorded before
    issue 44 read as `cmath.FIELD`) as one text: `field=value, ...` in name order ("" for a model without fields,
    and for a baseline's run recorded before models had their own)."""
    columns = [c for c in raw.columns if c.startswith("params.")]
    models = raw.get("params.model", pd.Series("cmath", index=raw.index)).fillna("cmath")
    datasets = raw.get("params.dataset", pd.Series("", index=raw.index)).fillna("")

    def of(i) -> str:
        params = upgraded({c.removeprefix("params."): raw.at[i, c] for c in columns})
        prefix = f"{models[i]}."
        found = {k.removeprefix(prefix): v for k, v in params.items() if k.startswith(prefix) and isinstance(v, str)}
        if found:  # a field the model gained after the run: what the run did (`_own_defaults`)
            found = {**_own_defaults(models[i], datasets[i]), **found}
        return ", ".join(f"{k}={v}" for k, v in sorted(found.items()))

    return pd.Series([of(i) for i in raw.index], index=raw.index, dtype=object)


def _own_defaults(model: str, dataset: str) -> dict[str, str]:
    """A model's own fields as a run recorded before them ran: at their defaults on `dataset`, or, for a field
    added after the first recorded study (`since`), at the value that code had (its `paper`); as MLflow writes
    params (nothing for a model this installation cannot import)."""
    from cmathlab.model import registry

    try:
        fields = getattr(registry.resolve(model), "fields", ())
    except BadInput:
        return {}
    return {f.name: str(f.paper if f.since else f.default_for(dataset)) for f in fields}


def typed_options(model: str, params: dict, typed_by: str | None = None) -> dict:
    """A run's params `MODEL.FIELD` of its own model, typed as the model's fields say (text when the model is
    not importable here: the caller then fails on resolving it, with its own message). `typed_by`: where the
    model's class lives now, when it moved since the run."""
    from cmathlab.model import registry

    params = upgraded(params)
    found = {k.removeprefix(f"{model}."): v for k, v in params.items() if k.startswith(f"{model}.")}
    if not found:
        return {}
    try:
        fields = getattr(registry.resolve(typed_by or model), "fields", ())
    except BadInput:
        return found
    declared = {f.name: type(f.default) for f in fields}
    before = {f.name: f.paper for f in fields if f.since and f.name not in found}  # added after the run's code
    return {**before, **{name: parse_value(value, declared.get(name, str)) for name, value in found.items()}}


def parse_value(value, kind: type, missing=None):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return missing
    text = str(value)
    if kind is bool:
        return text == "True"
    return kind(float(text)) if kind is int else kind(text)


def child_runs(client, experiment_id: str, parent_run_id: str) -> list:
    """Every run under the study's parent run, as MLflow entities, a page of 1,000 a query."""
    runs, token = [], None
    while True:
        page = client.search_runs(
            [experiment_id], filter_string=f"tags.`{PARENT}` = '{parent_run_id}'", max_results=1000, page_token=token
        )
        runs.extend(page)
        token = page.token
        if not token:
            return runs
